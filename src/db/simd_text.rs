//! [`SimdText`]: a `Text` column read into a `String` with a SIMD UTF-8 check.
//!
//! diesel checks every text value it reads with `std::str::from_utf8`, which walks Chinese
//! text (three bytes a character, no ASCII fast path) a byte at a time: 5 % of a notice page
//! in a profile, almost all of it the notice's body. `simdutf8` makes the same check with
//! AVX2/SSE4.2 (chosen at run time) an order of magnitude faster. Use it for the large text
//! columns of the hottest public reads: `#[diesel(deserialize_as = SimdText)]` on a
//! `String` field of a `Queryable` struct.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::Text;
use diesel::sqlite::{Sqlite, SqliteValue};

/// A text value, checked to be UTF-8 by `simdutf8`.
#[derive(Debug, Clone, PartialEq, Eq, FromSqlRow)]
pub struct SimdText(pub String);

impl SimdText {
    /// The text of `bytes`, or an error when they are not UTF-8 (diesel's error for a
    /// value it cannot read).
    fn checked(bytes: &[u8]) -> deserialize::Result<SimdText> {
        let text = simdutf8::basic::from_utf8(bytes)
            .map_err(|_| "a text column holds bytes that are not UTF-8")?;
        Ok(SimdText(text.to_owned()))
    }
}

impl From<SimdText> for String {
    fn from(text: SimdText) -> String {
        text.0
    }
}

impl FromSql<Text, Sqlite> for SimdText {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        // A TEXT value's bytes as SQLite stores them (UTF-8 in our databases), unchecked.
        SimdText::checked(value.read_blob())
    }
}

impl FromSql<Text, Pg> for SimdText {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        // diesel asks for binary results; a text value's binary form is its UTF-8 bytes.
        SimdText::checked(value.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_text_reads_back_unchanged() {
        let text = "<p>采购人：福州市民政局，项目编号 FZ-2026-001，喆堃赟昇。</p>".repeat(40);
        assert_eq!(
            SimdText::checked(text.as_bytes()).expect("UTF-8"),
            SimdText(text)
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_an_error() {
        let mut bytes = "公告".as_bytes().to_vec();
        bytes.truncate(4); // cuts the second character in half
        assert!(SimdText::checked(&bytes).is_err());
        assert!(SimdText::checked(&[0xff, b'a']).is_err());
    }
}
