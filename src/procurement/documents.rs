//! Documents of tenders and bids, stored content-addressed by SHA-256 under `storage.dir`
//! ([`crate::storage`]).
//!
//! An upload is one `multipart/form-data` file part. Its type is decided by its **content**
//! (magic bytes), never by its name: PDF, DOCX, XLSX, JPEG and PNG are accepted; the stored
//! filename gets the extension of the detected type (a PNG sent as `scan.pdf` is kept as
//! `scan.png`, `image/png`). Tender documents (`owner_kind = tender`) are owned by the project
//! id and may be uploaded by the purchaser's officers until the tender is published; bid
//! documents (`owner_kind = bid`) are owned by the bid and sealed like the bid
//! (see [`crate::procurement::bids`]).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::auth::CurrentUser;
use crate::db::schema::{documents, tenders};
use crate::db::{AnyConnection, write_tx};
use crate::domain::project_status::ProjectStatus;
use crate::error::{AppError, AppResult};
use crate::procurement::access::{ensure_can_read, ensure_officer_of};
use crate::procurement::projects::model as projects;
use crate::storage::Storage;

/// `owner_kind` of a tender document (owned by the project id).
pub const OWNER_TENDER: &str = "tender";
/// `owner_kind` of a bid document (owned by the bid id).
pub const OWNER_BID: &str = "bid";

/// Longest stored filename, in characters.
const MAX_FILENAME_CHARS: usize = 200;

/// `(filename, sha256)` of the documents of an owner (`tender` documents are owned by the
/// project id), oldest first.
pub fn public_list(
    conn: &mut AnyConnection,
    owner_kind: &str,
    owner_id: i64,
) -> QueryResult<Vec<(String, String)>> {
    documents::table
        .filter(documents::owner_kind.eq(owner_kind))
        .filter(documents::owner_id.eq(owner_id))
        .order(documents::id.asc())
        .select((documents::filename, documents::sha256))
        .load(conn)
}

/// A `documents` row.
#[derive(Debug, Clone, Queryable)]
pub struct DocumentRow {
    /// Id.
    pub id: i64,
    /// `tender` or `bid`.
    pub owner_kind: String,
    /// Project id (tender documents) or bid id (bid documents).
    pub owner_id: i64,
    /// Stored filename (extension of the detected type).
    pub filename: String,
    /// MIME type detected from the content.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Hex SHA-256 of the content, its address in the store.
    pub sha256: String,
    /// Uploading user.
    pub uploaded_by: Option<i64>,
    /// Uploaded (UTC).
    pub created_at: NaiveDateTime,
}

/// A document in a response.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    /// Id.
    pub id: i64,
    /// Filename.
    pub filename: String,
    /// MIME type detected from the content.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// Uploaded (RFC 3339).
    pub uploaded_at: String,
    /// Download path.
    pub url: String,
}

impl DocumentRow {
    /// The response view.
    pub fn view(&self) -> DocumentView {
        DocumentView {
            id: self.id,
            filename: self.filename.clone(),
            content_type: self.content_type.clone(),
            size_bytes: self.size_bytes,
            sha256: self.sha256.clone(),
            uploaded_at: crate::clock::rfc3339(self.created_at),
            url: format!("/api/v1/documents/{}", self.id),
        }
    }
}

/// One document.
pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<DocumentRow>> {
    documents::table
        .find(id)
        .select(documents::all_columns)
        .first(conn)
        .optional()
}

/// The documents of an owner, oldest first.
pub fn of_owner(
    conn: &mut AnyConnection,
    owner_kind: &str,
    owner_id: i64,
) -> QueryResult<Vec<DocumentRow>> {
    documents::table
        .filter(documents::owner_kind.eq(owner_kind))
        .filter(documents::owner_id.eq(owner_id))
        .order(documents::id.asc())
        .select(documents::all_columns)
        .load(conn)
}

/// The SHA-256 of every document of an owner, oldest first.
pub fn hashes_of(
    conn: &mut AnyConnection,
    owner_kind: &str,
    owner_id: i64,
) -> QueryResult<Vec<String>> {
    documents::table
        .filter(documents::owner_kind.eq(owner_kind))
        .filter(documents::owner_id.eq(owner_id))
        .order(documents::id.asc())
        .select(documents::sha256)
        .load(conn)
}

/// Inserts a document row for content already in the store.
pub fn insert(
    conn: &mut AnyConnection,
    owner_kind: &str,
    owner_id: i64,
    file: &CheckedUpload,
    uploaded_by: i64,
    now: NaiveDateTime,
) -> QueryResult<DocumentRow> {
    diesel::insert_into(documents::table)
        .values((
            documents::owner_kind.eq(owner_kind),
            documents::owner_id.eq(owner_id),
            documents::filename.eq(&file.filename),
            documents::content_type.eq(file.kind.content_type()),
            documents::size_bytes.eq(i64::try_from(file.bytes.len()).unwrap_or(i64::MAX)),
            documents::sha256.eq(&file.sha256),
            documents::uploaded_by.eq(Some(uploaded_by)),
            documents::created_at.eq(now),
        ))
        .returning(documents::all_columns)
        .get_result(conn)
}

// ------------------------------------------------------------------ file types

/// A file type accepted for upload, recognized by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `%PDF-`.
    Pdf,
    /// A ZIP (OOXML) package with `[Content_Types].xml` and `word/` parts.
    Docx,
    /// A ZIP (OOXML) package with `[Content_Types].xml` and `xl/` parts.
    Xlsx,
    /// `FF D8 FF`.
    Jpeg,
    /// `89 50 4E 47 0D 0A 1A 0A`.
    Png,
}

impl FileKind {
    /// The MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
        }
    }

    /// Extensions (lower case, without the dot) that name this type; the first is canonical.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Docx => &["docx"],
            FileKind::Xlsx => &["xlsx"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Png => &["png"],
        }
    }
}

/// The type of a file by its content; `None` for anything not accepted (text, plain ZIP,
/// legacy `.doc`, executables, …).
pub fn detect(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(b"PK\x03\x04") {
        let names = zip_entry_names(bytes)?;
        if !names.iter().any(|n| n == "[Content_Types].xml") {
            return None;
        }
        if names.iter().any(|n| n.starts_with("word/")) {
            Some(FileKind::Docx)
        } else if names.iter().any(|n| n.starts_with("xl/")) {
            Some(FileKind::Xlsx)
        } else {
            None
        }
    } else {
        None
    }
}

fn u16_at(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(usize::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok()
}

/// The entry names of a ZIP archive, read from its central directory; `None` when the
/// archive is malformed.
fn zip_entry_names(bytes: &[u8]) -> Option<Vec<String>> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const CENTRAL: &[u8] = b"PK\x01\x02";
    const EOCD_LEN: usize = 22;
    let last = bytes.len().checked_sub(EOCD_LEN)?;
    // The end record sits before a comment of at most 65535 bytes.
    let first = last.saturating_sub(usize::from(u16::MAX));
    let eocd = (first..=last)
        .rev()
        .find(|&i| bytes.get(i..i + 4) == Some(EOCD))?;
    let entries = u16_at(bytes, eocd + 10)?;
    let mut at = u32_at(bytes, eocd + 16)?;
    let mut names = Vec::with_capacity(entries);
    for _ in 0..entries {
        if bytes.get(at..at.checked_add(4)?)? != CENTRAL {
            return None;
        }
        let name_len = u16_at(bytes, at + 28)?;
        let extra_len = u16_at(bytes, at + 30)?;
        let comment_len = u16_at(bytes, at + 32)?;
        let name = bytes.get(at + 46..at + 46 + name_len)?;
        names.push(String::from_utf8_lossy(name).into_owned());
        at = at + 46 + name_len + extra_len + comment_len;
    }
    Some(names)
}

// ------------------------------------------------------------------ multipart

/// The one file part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The filename the client sent (may be empty).
    pub filename: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// An upload whose type is known, with a clean filename and its SHA-256.
#[derive(Debug, Clone)]
pub struct CheckedUpload {
    /// Filename without path, control characters, and with the detected type's extension.
    pub filename: String,
    /// The detected type.
    pub kind: FileKind,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// The `boundary` parameter of a `multipart/form-data` content type.
fn boundary(content_type: &str) -> Option<String> {
    let mut parts = split_params(content_type);
    let mime = parts.next()?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    parts
        .filter_map(|p| param(p, "boundary"))
        .find(|b| !b.is_empty() && b.len() <= 200)
}

/// Splits a header value at `;` outside double quotes.
fn split_params(value: &str) -> impl Iterator<Item = &str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    out.into_iter()
}

/// The value of `name=value` (case-insensitive name; quotes and backslash escapes removed).
fn param(part: &str, name: &str) -> Option<String> {
    let (key, value) = part.split_once('=')?;
    if !key.trim().eq_ignore_ascii_case(name) {
        return None;
    }
    let value = value.trim();
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(next) = chars.next() {
                        out.push(next);
                    }
                } else {
                    out.push(c);
                }
            }
            Some(out)
        }
        None => Some(value.to_owned()),
    }
}

/// Decodes an RFC 5987 `filename*` value (`UTF-8''%E6%96%87.pdf`).
fn ext_value(value: &str) -> Option<String> {
    let (charset, rest) = value.split_once('\'')?;
    let (_language, encoded) = rest.split_once('\'')?;
    if !charset.eq_ignore_ascii_case("utf-8") {
        return None;
    }
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn find_bytes(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Reads the single file part of a `multipart/form-data` body. `400` when the body is not
/// multipart; `422` (field `file`) when it holds no file or more than one.
pub fn parse_multipart(content_type: &str, body: &[u8]) -> AppResult<Upload> {
    let boundary = boundary(content_type)
        .ok_or_else(|| AppError::BadRequest("请以 multipart/form-data 方式上传文件".to_owned()))?;
    let malformed = || AppError::BadRequest("multipart 请求体格式错误".to_owned());
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n--{boundary}");
    let mut at = if body.starts_with(delimiter.as_bytes()) {
        delimiter.len()
    } else {
        find_bytes(body, next_delimiter.as_bytes(), 0).ok_or_else(malformed)? + next_delimiter.len()
    };
    let mut files = Vec::new();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            break;
        }
        // Transport padding, then the line break after the delimiter.
        while matches!(body.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        if body.get(at..at + 2) != Some(b"\r\n") {
            return Err(malformed());
        }
        at += 2;
        let headers_end = find_bytes(body, b"\r\n\r\n", at).ok_or_else(malformed)?;
        let headers = std::str::from_utf8(&body[at..headers_end]).map_err(|_| malformed())?;
        let content_start = headers_end + 4;
        let content_end =
            find_bytes(body, next_delimiter.as_bytes(), content_start).ok_or_else(malformed)?;
        let mut filename: Option<String> = None;
        for line in headers.split("\r\n") {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if !name.trim().eq_ignore_ascii_case("content-disposition") {
                continue;
            }
            let mut plain = None;
            let mut extended = None;
            for p in split_params(value).skip(1) {
                if let Some(v) = param(p, "filename*") {
                    extended = ext_value(&v);
                } else if let Some(v) = param(p, "filename") {
                    plain = Some(v);
                }
            }
            filename = extended.or(plain);
        }
        if let Some(name) = filename {
            files.push(Upload {
                filename: name,
                bytes: body[content_start..content_end].to_vec(),
            });
        }
        at = content_end + next_delimiter.len();
    }
    let mut files = files.into_iter();
    match (files.next(), files.next()) {
        (Some(file), None) => Ok(file),
        (None, _) => Err(AppError::field("file", "请上传一个文件")),
        (Some(_), Some(_)) => Err(AppError::field("file", "每次只能上传一个文件")),
    }
}

/// The filename to store: without any path, control characters or surrounding blanks, at
/// most 200 characters, ending with an extension of `kind` (replacing a wrong one).
pub fn clean_filename(sent: &str, kind: FileKind) -> String {
    let base = sent.rsplit(['/', '\\']).next().unwrap_or("");
    let base: String = base.chars().filter(|c| !c.is_control()).collect();
    let base = base.trim().trim_matches('.');
    let stem = match base.rsplit_once('.') {
        Some((_, ext))
            if kind
                .extensions()
                .iter()
                .any(|e| e.eq_ignore_ascii_case(ext)) =>
        {
            return truncate_keeping_extension(base, ext.len() + 1);
        }
        Some((stem, ext))
            if !stem.is_empty()
                && ext.len() <= 5
                && ext.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            stem
        }
        _ => base,
    };
    let stem = if stem.trim().is_empty() {
        "document"
    } else {
        stem.trim()
    };
    let ext = kind.extensions()[0];
    truncate_keeping_extension(&format!("{stem}.{ext}"), ext.len() + 1)
}

/// Cuts a name to [`MAX_FILENAME_CHARS`] characters, keeping its last `ext_chars`.
fn truncate_keeping_extension(name: &str, ext_chars: usize) -> String {
    let count = name.chars().count();
    if count <= MAX_FILENAME_CHARS {
        return name.to_owned();
    }
    let keep = MAX_FILENAME_CHARS.saturating_sub(ext_chars);
    let stem: String = name.chars().take(keep).collect();
    let ext: String = name.chars().skip(count - ext_chars).collect();
    format!("{stem}{ext}")
}

/// Parses and checks an upload body: at most `limit` bytes (else `413`), one non-empty file
/// part of an accepted type by content (else `422` on field `file`).
pub fn check_upload(content_type: &str, body: &[u8], limit: usize) -> AppResult<CheckedUpload> {
    if body.len() > limit {
        return Err(AppError::PayloadTooLarge(limit));
    }
    let upload = parse_multipart(content_type, body)?;
    if upload.bytes.is_empty() {
        return Err(AppError::field("file", "文件为空"));
    }
    let kind = detect(&upload.bytes).ok_or_else(|| {
        AppError::field(
            "file",
            "不支持的文件类型：只接受 PDF、DOCX、XLSX、JPG、PNG（按文件内容识别，而非文件名）",
        )
    })?;
    Ok(CheckedUpload {
        filename: clean_filename(&upload.filename, kind),
        kind,
        sha256: crate::storage::sha256_hex(&upload.bytes),
        bytes: upload.bytes,
    })
}

/// Writes the content to the store (content-addressed, atomic, deduplicated).
pub fn store(storage: &Storage, file: &CheckedUpload) -> AppResult<()> {
    storage
        .put(&file.bytes)
        .map_err(|e| AppError::internal(anyhow::anyhow!("storing a document failed: {e}")))?;
    Ok(())
}

// --------------------------------------------------------- tender documents

/// Whether tender documents may still be added: before the tender is published.
fn ensure_tender_documents_open(status: ProjectStatus) -> AppResult<()> {
    match status {
        ProjectStatus::Draft | ProjectStatus::IntentionPublished => Ok(()),
        other => Err(AppError::InvalidState {
            from: other.as_str().to_owned(),
            action: "upload_tender_document".to_owned(),
        }),
    }
}

/// Adds a tender document (officer of the purchaser, before the tender is published): the
/// file is stored first, then the row and its audit entry in one transaction.
pub fn upload_tender_document(
    conn: &mut AnyConnection,
    storage: &Storage,
    user: &CurrentUser,
    now: NaiveDateTime,
    project_id: i64,
    file: &CheckedUpload,
) -> AppResult<DocumentRow> {
    let project = projects::get(conn, project_id)?;
    ensure_officer_of(user, project.purchaser_id)?;
    ensure_tender_documents_open(project.status()?)?;
    store(storage, file)?;
    write_tx(conn, |conn| {
        // The tender may have been published meanwhile.
        ensure_tender_documents_open(projects::get(conn, project_id)?.status()?)?;
        let row = insert(conn, OWNER_TENDER, project_id, file, user.id, now)?;
        audit::record(
            conn,
            &user.actor(now),
            "document.upload",
            "document",
            &row.id.to_string(),
            None,
            Some(&json!({
                "owner_kind": OWNER_TENDER,
                "owner_id": project_id,
                "filename": row.filename,
                "content_type": row.content_type,
                "size_bytes": row.size_bytes,
                "sha256": row.sha256,
            })),
        )?;
        Ok(row)
    })
}

/// Whether the project has a published tender (any round).
pub fn tender_published(conn: &mut AnyConnection, project_id: i64) -> QueryResult<bool> {
    let n: i64 = tenders::table
        .filter(tenders::project_id.eq(project_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Whether `user` may read a project's tender documents: everyone once the tender is
/// published; before that the purchaser's officers, auditors and admins (`404` for the
/// public, `403` for other users).
pub fn ensure_tender_documents_readable(
    conn: &mut AnyConnection,
    user: Option<&CurrentUser>,
    project_id: i64,
) -> AppResult<()> {
    let project = projects::get(conn, project_id)?;
    if !tender_published(conn, project_id)? {
        let user = user.ok_or_else(|| AppError::NotFound("采购文件尚未公开".to_owned()))?;
        ensure_can_read(user, project.purchaser_id)?;
    }
    Ok(())
}

/// The tender documents of a project, oldest first, for those who may read them.
pub fn tender_documents(
    conn: &mut AnyConnection,
    user: Option<&CurrentUser>,
    project_id: i64,
) -> AppResult<Vec<DocumentRow>> {
    ensure_tender_documents_readable(conn, user, project_id)?;
    Ok(of_owner(conn, OWNER_TENDER, project_id)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ZIP with stored (uncompressed) entries, written independently of the reader.
    fn zip(names: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for name in names {
            let offset = out.len() as u32;
            let data = b"<x/>";
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&0u32.to_le_bytes()); // crc (unchecked)
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&0u32.to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&(names.len() as u16).to_le_bytes());
        out.extend_from_slice(&(names.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn types_are_detected_by_content() {
        assert_eq!(detect(b"%PDF-1.7\n..."), Some(FileKind::Pdf));
        assert_eq!(
            detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(FileKind::Png)
        );
        assert_eq!(detect(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Some(FileKind::Jpeg));
        let docx = zip(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"]);
        assert_eq!(detect(&docx), Some(FileKind::Docx));
        let xlsx = zip(&["[Content_Types].xml", "xl/workbook.xml"]);
        assert_eq!(detect(&xlsx), Some(FileKind::Xlsx));
        // A plain ZIP, an OOXML package of another kind, a broken ZIP, text, an empty file.
        assert_eq!(detect(&zip(&["readme.txt", "word/x.xml"])), None);
        assert_eq!(detect(&zip(&["[Content_Types].xml", "ppt/p.xml"])), None);
        assert_eq!(detect(&docx[..docx.len() - 5]), None);
        assert_eq!(detect(b"PK\x03\x04garbage"), None);
        assert_eq!(detect(b"just text, named .pdf"), None);
        assert_eq!(detect(b" %PDF-1.7"), None);
        assert_eq!(detect(b""), None);
    }

    #[test]
    fn filenames_are_cleaned_and_take_the_detected_extension() {
        assert_eq!(clean_filename("方案.pdf", FileKind::Pdf), "方案.pdf");
        assert_eq!(clean_filename("SCAN.PDF", FileKind::Pdf), "SCAN.PDF");
        assert_eq!(clean_filename("scan.pdf", FileKind::Png), "scan.png");
        assert_eq!(clean_filename("photo.jpeg", FileKind::Jpeg), "photo.jpeg");
        assert_eq!(clean_filename("C:\\docs\\a.docx", FileKind::Docx), "a.docx");
        assert_eq!(
            clean_filename("../../etc/passwd", FileKind::Pdf),
            "passwd.pdf"
        );
        assert_eq!(clean_filename("", FileKind::Xlsx), "document.xlsx");
        assert_eq!(clean_filename("a\u{0}b\n.pdf", FileKind::Pdf), "ab.pdf");
        assert_eq!(
            clean_filename("v1.2 final", FileKind::Pdf),
            "v1.2 final.pdf"
        );
        let long = clean_filename(&format!("{}.pdf", "长".repeat(300)), FileKind::Pdf);
        assert_eq!(long.chars().count(), 200);
        assert!(long.ends_with("长.pdf"));
    }

    fn body(boundary: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, filename, content) in parts {
            out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let disposition = match filename {
                Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\""),
                None => format!("form-data; name=\"{name}\""),
            };
            out.extend_from_slice(format!("Content-Disposition: {disposition}\r\n").as_bytes());
            out.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
            out.extend_from_slice(content);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        out
    }

    #[test]
    fn the_one_file_part_is_read() {
        let content = b"%PDF-1.4\r\n--not-the-boundary\r\n\xFF\x00";
        let raw = body(
            "XyZ",
            &[
                ("note", None, b"hello"),
                ("file", Some("方案.pdf"), content),
            ],
        );
        let upload = parse_multipart("multipart/form-data; boundary=XyZ", &raw).expect("parsed");
        assert_eq!(upload.filename, "方案.pdf");
        assert_eq!(upload.bytes, content);
        // Quoted boundary, upper-case type, and an RFC 5987 filename.
        let raw = b"preamble\r\n--a b\r\nContent-Disposition: form-data; name=\"file\"; \
            filename=\"x.pdf\"; filename*=UTF-8''%E6%96%B9%E6%A1%88.pdf\r\n\r\n%PDF-1\r\n--a b--"
            .to_vec();
        let upload =
            parse_multipart("Multipart/Form-Data; boundary=\"a b\"", &raw).expect("parsed");
        assert_eq!(upload.filename, "方案.pdf");
        assert_eq!(upload.bytes, b"%PDF-1");
    }

    #[test]
    fn bad_bodies_are_refused() {
        let raw = body("b", &[("file", Some("a.pdf"), b"%PDF-")]);
        assert!(matches!(
            parse_multipart("application/json", &raw),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse_multipart("multipart/form-data", &raw),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse_multipart("multipart/form-data; boundary=b", &raw[..raw.len() - 8]),
            Err(AppError::BadRequest(_))
        ));
        let none = body("b", &[("note", None, b"x")]);
        assert!(matches!(
            parse_multipart("multipart/form-data; boundary=b", &none),
            Err(AppError::Validation(f)) if f.contains_key("file")
        ));
        let two = body(
            "b",
            &[
                ("a", Some("a.pdf"), b"%PDF-"),
                ("b", Some("b.pdf"), b"%PDF-"),
            ],
        );
        assert!(matches!(
            parse_multipart("multipart/form-data; boundary=b", &two),
            Err(AppError::Validation(_))
        ));
    }

    #[test]
    fn uploads_are_checked_for_size_emptiness_and_type() {
        let ct = "multipart/form-data; boundary=b";
        let png = body("b", &[("file", Some("scan.pdf"), b"\x89PNG\r\n\x1a\nrest")]);
        let checked = check_upload(ct, &png, 10_000).expect("png");
        assert_eq!(checked.kind, FileKind::Png);
        assert_eq!(checked.filename, "scan.png");
        assert_eq!(
            checked.sha256,
            crate::storage::sha256_hex(b"\x89PNG\r\n\x1a\nrest")
        );
        assert!(matches!(
            check_upload(ct, &png, 10),
            Err(AppError::PayloadTooLarge(10))
        ));
        let text = body("b", &[("file", Some("a.pdf"), b"plain text")]);
        assert!(matches!(
            check_upload(ct, &text, 10_000),
            Err(AppError::Validation(f)) if f.contains_key("file")
        ));
        let empty = body("b", &[("file", Some("a.pdf"), b"")]);
        assert!(matches!(
            check_upload(ct, &empty, 10_000),
            Err(AppError::Validation(_))
        ));
    }
}
