//! Content-addressed file storage under `storage.dir`: a file is kept once, at
//! `dir/ab/cd/<sha256>` where `ab` and `cd` are the first two byte pairs of its SHA-256 in hex.
//! Writes are atomic (a temporary file in the same directory, flushed, then renamed into
//! place), so a reader never sees half a file and a crash leaves at most a stray `.tmp-…`
//! file; storing the same content twice writes it once.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether `text` is a SHA-256 in lower-case hex (64 characters).
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Hex SHA-256 of the content, its address.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Whether this call wrote it (false: the content was already stored).
    pub written: bool,
}

/// The file store rooted at one directory.
#[derive(Debug, Clone)]
pub struct Storage {
    dir: PathBuf,
}

impl Storage {
    /// A store rooted at `dir` (created on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> Storage {
        Storage { dir: dir.into() }
    }

    /// The root directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the content with this SHA-256 lives; `None` when `sha256` is not 64 lower-case
    /// hex characters (so no caller can make a path outside the store).
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        if !is_sha256_hex(sha256) {
            return None;
        }
        Some(
            self.dir
                .join(&sha256[0..2])
                .join(&sha256[2..4])
                .join(sha256),
        )
    }

    /// Stores `bytes` unless the same content is already there; returns its address.
    pub fn put(&self, bytes: &[u8]) -> io::Result<StoredFile> {
        let sha256 = sha256_hex(bytes);
        let size = bytes.len() as u64;
        let path = self
            .path_of(&sha256)
            .ok_or_else(|| io::Error::other("sha256 is always valid hex"))?;
        if fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() == size) {
            return Ok(StoredFile {
                sha256,
                size,
                written: false,
            });
        }
        let parent = path
            .parent()
            .ok_or_else(|| io::Error::other("stored path has a parent"))?;
        fs::create_dir_all(parent)?;
        let temp = parent.join(format!(
            ".tmp-{}-{}",
            &sha256[..16],
            hex::encode(rand::random::<[u8; 8]>())
        ));
        let written = (|| {
            let mut file = fs::File::create(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            drop(file);
            fs::rename(&temp, &path)
        })();
        if let Err(error) = written {
            // Best effort: the temporary file is useless now.
            let _ = fs::remove_file(&temp);
            return Err(error);
        }
        Ok(StoredFile {
            sha256,
            size,
            written: true,
        })
    }

    /// The content stored under `sha256`; `NotFound` when there is none (or the address is
    /// not a SHA-256).
    pub fn get(&self, sha256: &str) -> io::Result<Vec<u8>> {
        let path = self
            .path_of(sha256)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not a sha256 address"))?;
        fs::read(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_addressed_by_its_sha256_and_stored_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Storage::new(dir.path().join("files"));
        let first = store.put(b"hello").expect("put");
        assert_eq!(
            first.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(first.size, 5);
        assert!(first.written);
        let path = store.path_of(&first.sha256).expect("path");
        assert!(path.ends_with(format!("2c/f2/{}", first.sha256)));
        let again = store.put(b"hello").expect("put again");
        assert_eq!(again.sha256, first.sha256);
        assert!(!again.written, "deduplicated");
        assert_eq!(store.get(&first.sha256).expect("get"), b"hello");
        // No temporary file is left behind.
        let names: Vec<String> = fs::read_dir(path.parent().expect("parent"))
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec![first.sha256.clone()]);
    }

    #[test]
    fn a_damaged_copy_is_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Storage::new(dir.path());
        let stored = store.put(b"complete content").expect("put");
        let path = store.path_of(&stored.sha256).expect("path");
        fs::write(&path, b"compl").expect("truncate");
        assert!(store.put(b"complete content").expect("put").written);
        assert_eq!(store.get(&stored.sha256).expect("get"), b"complete content");
    }

    #[test]
    fn only_sha256_addresses_are_paths() {
        let store = Storage::new("/srv/files");
        assert!(store.path_of("../../etc/passwd").is_none());
        assert!(store.path_of(&"A".repeat(64)).is_none());
        assert!(store.path_of(&"a".repeat(63)).is_none());
        assert!(store.path_of(&"a".repeat(64)).is_some());
        let missing = store.get("zz").expect_err("not an address");
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
