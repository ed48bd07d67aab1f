//! Identity numbers (DOMAIN §2): the organisation's 统一社会信用代码 (GB 32100-2015) and the
//! individual's 公民身份号码 (GB 11643-1999), validated down to the check character, with
//! errors that say exactly what is wrong in Chinese, and the masked form shown in public.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Both identity numbers are 18 characters long.
const ID_LEN: usize = 18;

/// GB 32100-2015 character set in value order (0–30); I, O, Z, S and V are never used.
const USCC_CHARSET: [char; 31] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J',
    'K', 'L', 'M', 'N', 'P', 'Q', 'R', 'T', 'U', 'W', 'X', 'Y',
];

/// GB 32100-2015 weights for positions 1–17.
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Letters GB 32100-2015 leaves out because they look like digits or other letters.
const USCC_FORBIDDEN_LETTERS: [char; 5] = ['I', 'O', 'Z', 'S', 'V'];

/// GB 11643-1999 weights for positions 1–17.
const RESIDENT_ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// GB 11643-1999 check characters, indexed by the weighted sum mod 11.
const RESIDENT_ID_CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Earliest birth year accepted in a 公民身份号码.
const MIN_BIRTH_YEAR: i32 = 1900;

/// Latest birth year accepted in a 公民身份号码.
const MAX_BIRTH_YEAR: i32 = 2100;

/// Why an identity number is invalid. `Display` (and [`IdError::message`]) gives the precise
/// Chinese message shown next to the field; positions are 1-based, counted after trimming.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The number does not have the required count of characters.
    #[error("长度应为 {expected} 位，实际为 {actual} 位")]
    WrongLength {
        /// Required length (18).
        expected: usize,
        /// Characters actually given (after trimming surrounding whitespace).
        actual: usize,
    },
    /// A 统一社会信用代码 character outside `0-9 A-H J-N P-R T U W-Y`.
    #[error("{}", uscc_char_message(*position, *ch))]
    InvalidChar {
        /// 1-based position of the character.
        position: usize,
        /// The character as given.
        ch: char,
    },
    /// A lower-case letter in a 统一社会信用代码, whose letters are upper-case by the standard.
    #[error("第 {position} 位字符 '{ch}' 是小写字母，统一社会信用代码请使用大写字母（应为 '{}'）", ch.to_ascii_uppercase())]
    Lowercase {
        /// 1-based position of the first lower-case letter.
        position: usize,
        /// The lower-case letter as given.
        ch: char,
    },
    /// A 公民身份号码 character that is not a digit (positions 1–17) or not a digit or `X`
    /// (position 18).
    #[error("{}", resident_id_char_message(*position, *ch))]
    InvalidResidentIdChar {
        /// 1-based position of the character.
        position: usize,
        /// The character as given.
        ch: char,
    },
    /// The last character does not match the one computed from the first 17.
    #[error("校验位错误：应为 {expected}，实际为 {actual}")]
    CheckDigit {
        /// Check character computed from the first 17 characters.
        expected: char,
        /// Check character given.
        actual: char,
    },
    /// Positions 7–14 of a 公民身份号码 are not a real date between 1900 and 2100.
    #[error("出生日期无效：{digits} 不是 1900 年至 2100 年之间的真实日期")]
    InvalidBirthDate {
        /// The eight digits `YYYYMMDD` as given.
        digits: String,
    },
}

impl IdError {
    /// The Chinese message for this error (the same text as `Display`).
    pub fn message(&self) -> String {
        self.to_string()
    }
}

fn uscc_char_message(position: usize, ch: char) -> String {
    if USCC_FORBIDDEN_LETTERS.contains(&ch.to_ascii_uppercase()) {
        format!("第 {position} 位字符 '{ch}' 不允许（统一社会信用代码不使用 I、O、Z、S、V）")
    } else {
        format!(
            "第 {position} 位字符 '{ch}' 不允许（统一社会信用代码只使用数字 0-9 和大写字母 A-H、J-N、P-R、T、U、W-Y）"
        )
    }
}

fn resident_id_char_message(position: usize, ch: char) -> String {
    if position == ID_LEN {
        format!("第 {position} 位字符 '{ch}' 不允许（公民身份号码的校验位只能是数字或 X）")
    } else {
        format!("第 {position} 位字符 '{ch}' 不允许（公民身份号码前 17 位只能是数字）")
    }
}

/// A valid 统一社会信用代码 (unified social credit code, GB 32100-2015), upper-case and
/// trimmed. Construct it with [`validate_uscc`] (or `parse`/`try_from`/deserialize, which
/// validate the same way).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

impl Uscc {
    /// The 18-character code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Position 1, the registration authority (登记管理部门): `'5'` is civil affairs (民政),
    /// `'9'` is market regulation (工商), `'1'` is 机构编制, and so on.
    pub fn registration_authority(&self) -> char {
        self.nth_char(0)
    }

    /// Position 2, the organisation category within the registration authority; for civil
    /// affairs (`'5'`): `'1'` 社会团体, `'2'` 民办非企业单位, `'3'` 基金会.
    pub fn org_category(&self) -> char {
        self.nth_char(1)
    }

    /// Whether the organisation is registered with civil affairs (民政), i.e. a 社会组织.
    pub fn is_civil_affairs_registered(&self) -> bool {
        self.registration_authority() == '5'
    }

    /// The Chinese name of a civil-affairs organisation's kind (社会团体, 民办非企业单位 or
    /// 基金会); `None` when not registered with civil affairs or of another category.
    pub fn civil_affairs_kind(&self) -> Option<&'static str> {
        if !self.is_civil_affairs_registered() {
            return None;
        }
        match self.org_category() {
            '1' => Some("社会团体"),
            '2' => Some("民办非企业单位"),
            '3' => Some("基金会"),
            _ => None,
        }
    }

    fn nth_char(&self, index: usize) -> char {
        // The code is validated ASCII of length 18, so the byte is the character.
        char::from(self.0.as_bytes()[index])
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Uscc {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for Uscc {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        validate_uscc(s)
    }
}

impl TryFrom<String> for Uscc {
    type Error = IdError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        validate_uscc(&value)
    }
}

impl From<Uscc> for String {
    fn from(value: Uscc) -> Self {
        value.0
    }
}

/// Validates a 统一社会信用代码: surrounding whitespace is trimmed; then the length must be 18,
/// every character must be in `0-9 A-H J-N P-R T U W-Y` (lower-case letters are refused with
/// a message asking for upper-case), and the 18th must be the GB 32100-2015 check character.
pub fn validate_uscc(code: &str) -> Result<Uscc, IdError> {
    let code = code.trim();
    let chars: Vec<char> = code.chars().collect();
    check_length(chars.len())?;

    let mut values = [0u32; ID_LEN];
    for (index, &ch) in chars.iter().enumerate() {
        let position = index + 1;
        if ch.is_ascii_lowercase() && uscc_value(ch.to_ascii_uppercase()).is_some() {
            return Err(IdError::Lowercase { position, ch });
        }
        values[index] = uscc_value(ch).ok_or(IdError::InvalidChar { position, ch })?;
    }

    let sum: u32 = USCC_WEIGHTS
        .iter()
        .zip(&values)
        .map(|(weight, value)| weight * value)
        .sum();
    let expected = USCC_CHARSET[((31 - sum % 31) % 31) as usize];
    let actual = chars[ID_LEN - 1];
    if expected != actual {
        return Err(IdError::CheckDigit { expected, actual });
    }
    Ok(Uscc(code.to_owned()))
}

/// The check character that completes 17 valid characters into a 统一社会信用代码 (for
/// generating demo and load-test data); `None` if a character is outside the set.
pub fn uscc_check_character(first17: &str) -> Option<char> {
    let values: Vec<u32> = first17.chars().map(uscc_value).collect::<Option<_>>()?;
    if values.len() != ID_LEN - 1 {
        return None;
    }
    let sum: u32 = USCC_WEIGHTS.iter().zip(&values).map(|(w, v)| w * v).sum();
    Some(USCC_CHARSET[((31 - sum % 31) % 31) as usize])
}

/// The check character that completes 17 digits into a 居民身份号码 (for generating demo
/// data); `None` unless the input is 17 ASCII digits.
pub fn resident_id_check_character(first17: &str) -> Option<char> {
    let digits: Vec<u32> = first17
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if digits.len() != ID_LEN - 1 {
        return None;
    }
    let sum: u32 = RESIDENT_ID_WEIGHTS
        .iter()
        .zip(&digits)
        .map(|(w, d)| w * d)
        .sum();
    Some(RESIDENT_ID_CHECK_CHARS[(sum % 11) as usize])
}

/// The GB 32100-2015 value (0–30) of an upper-case character, `None` if not in the set.
fn uscc_value(ch: char) -> Option<u32> {
    USCC_CHARSET
        .iter()
        .position(|&c| c == ch)
        .and_then(|value| u32::try_from(value).ok())
}

fn check_length(actual: usize) -> Result<(), IdError> {
    if actual == ID_LEN {
        Ok(())
    } else {
        Err(IdError::WrongLength {
            expected: ID_LEN,
            actual,
        })
    }
}

/// A valid 公民身份号码 (resident identity number, GB 11643-1999), trimmed, with a lower-case
/// `x` normalised to `X`. Construct it with [`validate_resident_id`]. Show it in public only
/// through [`ResidentId::masked`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId {
    number: String,
    birth_date: NaiveDate,
}

impl ResidentId {
    /// The 18-character number (check character `X` upper-case).
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The birth date encoded in positions 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The administrative-division code of the place of first registration (positions 1–6).
    pub fn region_code(&self) -> &str {
        &self.number[..6]
    }

    /// The public form: first 6 characters, eight `*`, last 4 (`110105********002X`).
    pub fn masked(&self) -> String {
        mask_resident_id(&self.number)
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.number)
    }
}

impl AsRef<str> for ResidentId {
    fn as_ref(&self) -> &str {
        &self.number
    }
}

impl FromStr for ResidentId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        validate_resident_id(s)
    }
}

impl TryFrom<String> for ResidentId {
    type Error = IdError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        validate_resident_id(&value)
    }
}

impl From<ResidentId> for String {
    fn from(value: ResidentId) -> Self {
        value.number
    }
}

/// Validates a 公民身份号码: surrounding whitespace is trimmed; then the length must be 18,
/// positions 1–17 digits, position 18 a digit or `X` (`x` is accepted and normalised), the
/// birth date in positions 7–14 a real date in 1900–2100, and the 18th character the
/// GB 11643-1999 check character.
pub fn validate_resident_id(id: &str) -> Result<ResidentId, IdError> {
    let id = id.trim();
    let chars: Vec<char> = id.chars().collect();
    check_length(chars.len())?;

    let mut digits = [0u32; ID_LEN - 1];
    for (index, digit) in digits.iter_mut().enumerate() {
        let ch = chars[index];
        *digit = ch.to_digit(10).ok_or(IdError::InvalidResidentIdChar {
            position: index + 1,
            ch,
        })?;
    }
    let actual = match chars[ID_LEN - 1] {
        'x' | 'X' => 'X',
        ch if ch.is_ascii_digit() => ch,
        ch => {
            return Err(IdError::InvalidResidentIdChar {
                position: ID_LEN,
                ch,
            });
        }
    };

    let birth_date = parse_birth_date(&digits[6..14])?;

    let sum: u32 = RESIDENT_ID_WEIGHTS
        .iter()
        .zip(&digits)
        .map(|(weight, digit)| weight * digit)
        .sum();
    let expected = RESIDENT_ID_CHECK_CHARS[(sum % 11) as usize];
    if expected != actual {
        return Err(IdError::CheckDigit { expected, actual });
    }

    let mut number = String::with_capacity(ID_LEN);
    number.push_str(&id[..ID_LEN - 1]);
    number.push(actual);
    Ok(ResidentId { number, birth_date })
}

/// `YYYYMMDD` digits to a date in 1900–2100.
fn parse_birth_date(digits: &[u32]) -> Result<NaiveDate, IdError> {
    let number = |range: std::ops::Range<usize>| {
        digits[range]
            .iter()
            .fold(0u32, |acc, digit| acc * 10 + digit)
    };
    let invalid = || IdError::InvalidBirthDate {
        digits: digits.iter().map(u32::to_string).collect(),
    };
    let year = i32::try_from(number(0..4)).map_err(|_| invalid())?;
    let date = NaiveDate::from_ymd_opt(year, number(4..6), number(6..8)).ok_or_else(invalid)?;
    if (MIN_BIRTH_YEAR..=MAX_BIRTH_YEAR).contains(&date.year()) {
        Ok(date)
    } else {
        Err(invalid())
    }
}

/// Masks a 公民身份号码 for public views without validating it: an 18-character string keeps
/// its first 6 and last 4 characters around eight `*`; anything else becomes all `*` (one per
/// character), so a malformed number never leaks.
pub fn mask_resident_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() == ID_LEN {
        let mut masked: String = chars[..6].iter().collect();
        masked.push_str("********");
        masked.extend(&chars[ID_LEN - 4..]);
        masked
    } else {
        "*".repeat(chars.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE_USCC: &str = "91350100M000100Y43";
    const SAMPLE_RESIDENT_ID: &str = "11010519491231002X";

    /// Check character for 17 characters, computed independently of `validate_uscc`.
    fn uscc_check_char(first17: &str) -> char {
        let set = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        let weights = [
            1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
        ];
        assert_eq!(first17.len(), 17);
        let sum: usize = first17
            .chars()
            .zip(weights)
            .map(|(c, w)| set.find(c).expect("a USCC character") * w)
            .sum();
        set.chars()
            .nth((31 - sum % 31) % 31)
            .expect("a check character")
    }

    /// Check character for 17 digits, computed independently of `validate_resident_id`.
    fn resident_id_check_char(first17: &str) -> char {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        assert_eq!(first17.len(), 17);
        let sum: u32 = first17
            .chars()
            .zip(weights)
            .map(|(c, w)| c.to_digit(10).expect("a digit") * w)
            .sum();
        "10X98765432"
            .chars()
            .nth((sum % 11) as usize)
            .expect("a check character")
    }

    fn with_uscc_check(first17: &str) -> String {
        format!("{first17}{}", uscc_check_char(first17))
    }

    fn with_resident_check(first17: &str) -> String {
        format!("{first17}{}", resident_id_check_char(first17))
    }

    /// Replaces the character at 1-based `position`.
    fn replace_at(s: &str, position: usize, ch: char) -> String {
        s.chars()
            .enumerate()
            .map(|(i, c)| if i + 1 == position { ch } else { c })
            .collect()
    }

    // ---- helpers agree with the known samples ----

    #[test]
    fn uscc_helper_reproduces_known_sample() {
        assert_eq!(uscc_check_char(&SAMPLE_USCC[..17]), '3');
    }

    #[test]
    fn resident_helper_reproduces_known_sample() {
        assert_eq!(resident_id_check_char(&SAMPLE_RESIDENT_ID[..17]), 'X');
    }

    // ---- 统一社会信用代码: valid ----

    #[test]
    fn known_uscc_is_valid() {
        let uscc = validate_uscc(SAMPLE_USCC).expect("a valid USCC");
        assert_eq!(uscc.as_str(), SAMPLE_USCC);
        assert_eq!(uscc.registration_authority(), '9');
        assert_eq!(uscc.org_category(), '1');
        assert!(!uscc.is_civil_affairs_registered());
        assert_eq!(uscc.civil_affairs_kind(), None);
    }

    #[test]
    fn computed_civil_affairs_usccs_are_valid_with_their_kind() {
        for (first17, kind) in [
            ("51640100MJ0000012", "社会团体"),
            ("52640104MJX123457", "民办非企业单位"),
            ("53640000501234567", "基金会"),
        ] {
            let code = with_uscc_check(first17);
            let uscc = validate_uscc(&code).expect("a valid USCC");
            assert_eq!(uscc.as_str(), code);
            assert_eq!(uscc.registration_authority(), '5');
            assert!(uscc.is_civil_affairs_registered());
            assert_eq!(uscc.civil_affairs_kind(), Some(kind));
        }
    }

    #[test]
    fn civil_affairs_other_category_has_no_kind() {
        let uscc = validate_uscc(&with_uscc_check("59640100MJ0000012")).expect("a valid USCC");
        assert!(uscc.is_civil_affairs_registered());
        assert_eq!(uscc.org_category(), '9');
        assert_eq!(uscc.civil_affairs_kind(), None);
    }

    #[test]
    fn uscc_whose_check_char_is_a_letter_or_zero_is_valid() {
        // Search for codes whose check value is a letter, and one whose check is '0'.
        let mut letter = None;
        let mut zero = None;
        for n in 0..2000u32 {
            let first17 = format!("91640100MA{n:07}");
            match uscc_check_char(&first17) {
                c if c.is_ascii_uppercase() && letter.is_none() => letter = Some(first17),
                '0' if zero.is_none() => zero = Some(first17),
                _ => {}
            }
        }
        for first17 in [
            letter.expect("a code with a letter"),
            zero.expect("a code with a zero"),
        ] {
            assert!(
                validate_uscc(&with_uscc_check(&first17)).is_ok(),
                "{first17}"
            );
        }
    }

    #[test]
    fn uscc_surrounding_whitespace_is_trimmed() {
        let uscc = validate_uscc(&format!("  {SAMPLE_USCC}\t\n")).expect("a valid USCC");
        assert_eq!(uscc.as_str(), SAMPLE_USCC);
    }

    #[test]
    fn uscc_parses_and_round_trips_through_serde() {
        let uscc: Uscc = SAMPLE_USCC.parse().expect("parses");
        assert_eq!(uscc.to_string(), SAMPLE_USCC);
        let json = serde_json::to_string(&uscc).expect("serializes");
        assert_eq!(json, format!("\"{SAMPLE_USCC}\""));
        assert_eq!(
            serde_json::from_str::<Uscc>(&json).expect("deserializes"),
            uscc
        );
        assert!(serde_json::from_str::<Uscc>("\"91350100M000100Y44\"").is_err());
        assert!(Uscc::try_from("91350100M000100Y44".to_owned()).is_err());
    }

    // ---- 统一社会信用代码: invalid ----

    #[test]
    fn uscc_wrong_check_char_is_refused_with_expected_and_actual() {
        for wrong in ['0', '4', '9', 'A', 'Y'] {
            let code = replace_at(SAMPLE_USCC, 18, wrong);
            let err = validate_uscc(&code).unwrap_err();
            assert_eq!(
                err,
                IdError::CheckDigit {
                    expected: '3',
                    actual: wrong
                }
            );
            assert_eq!(err.message(), format!("校验位错误：应为 3，实际为 {wrong}"));
        }
    }

    #[test]
    fn uscc_changed_body_char_fails_the_check() {
        let code = replace_at(SAMPLE_USCC, 5, '2');
        assert!(matches!(
            validate_uscc(&code),
            Err(IdError::CheckDigit { actual: '3', .. })
        ));
    }

    #[test]
    fn uscc_forbidden_letters_are_refused_at_their_position() {
        for letter in ['I', 'O', 'Z', 'S', 'V'] {
            let code = replace_at(SAMPLE_USCC, 9, letter);
            let err = validate_uscc(&code).unwrap_err();
            assert_eq!(
                err,
                IdError::InvalidChar {
                    position: 9,
                    ch: letter
                }
            );
            assert_eq!(
                err.message(),
                format!("第 9 位字符 '{letter}' 不允许（统一社会信用代码不使用 I、O、Z、S、V）")
            );
        }
    }

    #[test]
    fn uscc_forbidden_letter_in_check_position_is_an_invalid_char() {
        let err = validate_uscc(&replace_at(SAMPLE_USCC, 18, 'O')).unwrap_err();
        assert_eq!(
            err,
            IdError::InvalidChar {
                position: 18,
                ch: 'O'
            }
        );
    }

    #[test]
    fn uscc_other_invalid_chars_name_the_allowed_set() {
        for ch in ['-', '中', '＃', ' '] {
            let err = validate_uscc(&replace_at(SAMPLE_USCC, 5, ch)).unwrap_err();
            assert_eq!(err, IdError::InvalidChar { position: 5, ch });
            assert!(err.message().contains("A-H、J-N、P-R、T、U、W-Y"));
        }
    }

    #[test]
    fn uscc_wrong_length_is_refused() {
        for (code, actual) in [
            (&SAMPLE_USCC[..17], 17),
            (&format!("{SAMPLE_USCC}3")[..], 19),
            ("", 0),
            ("   ", 0),
        ] {
            let err = validate_uscc(code).unwrap_err();
            assert_eq!(
                err,
                IdError::WrongLength {
                    expected: 18,
                    actual
                }
            );
        }
        assert_eq!(
            validate_uscc(&SAMPLE_USCC[..17]).unwrap_err().message(),
            "长度应为 18 位，实际为 17 位"
        );
    }

    #[test]
    fn uscc_length_counts_characters_not_bytes() {
        let code = replace_at(SAMPLE_USCC, 1, '九');
        assert!(matches!(
            validate_uscc(&code),
            Err(IdError::InvalidChar {
                position: 1,
                ch: '九'
            })
        ));
    }

    #[test]
    fn uscc_lower_case_is_refused_asking_for_upper_case() {
        let err = validate_uscc("91350100m000100y43").unwrap_err();
        assert_eq!(
            err,
            IdError::Lowercase {
                position: 9,
                ch: 'm'
            }
        );
        assert!(err.message().contains("请使用大写字母"));
        assert!(err.message().contains("'M'"));
    }

    #[test]
    fn uscc_lower_case_forbidden_letter_is_an_invalid_char() {
        let err = validate_uscc(&replace_at(SAMPLE_USCC, 9, 'i')).unwrap_err();
        assert_eq!(
            err,
            IdError::InvalidChar {
                position: 9,
                ch: 'i'
            }
        );
        assert!(err.message().contains("I、O、Z、S、V"));
    }

    // ---- 公民身份号码: valid ----

    #[test]
    fn known_resident_id_ending_in_x_is_valid() {
        let id = validate_resident_id(SAMPLE_RESIDENT_ID).expect("a valid resident ID");
        assert_eq!(id.as_str(), SAMPLE_RESIDENT_ID);
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).expect("a real date")
        );
        assert_eq!(id.region_code(), "110105");
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn computed_resident_id_ending_in_a_digit_is_valid() {
        let number = with_resident_check("64010419850315123");
        let check = number.chars().last().expect("not empty");
        assert!(check.is_ascii_digit(), "pick another sample: {number}");
        let id = validate_resident_id(&number).expect("a valid resident ID");
        assert_eq!(id.as_str(), number);
        assert_eq!(id.region_code(), "640104");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1985, 3, 15).expect("a real date")
        );
    }

    #[test]
    fn resident_id_lower_case_x_is_normalised() {
        let id = validate_resident_id("11010519491231002x").expect("a valid resident ID");
        assert_eq!(id.as_str(), SAMPLE_RESIDENT_ID);
        assert_eq!(
            id,
            validate_resident_id(SAMPLE_RESIDENT_ID).expect("a valid resident ID")
        );
    }

    #[test]
    fn resident_id_surrounding_whitespace_is_trimmed() {
        let id =
            validate_resident_id(&format!(" {SAMPLE_RESIDENT_ID} ")).expect("a valid resident ID");
        assert_eq!(id.as_str(), SAMPLE_RESIDENT_ID);
    }

    #[test]
    fn resident_id_birth_date_boundaries() {
        for ok in ["19000101", "21001231", "20000229", "20241231"] {
            let number = with_resident_check(&format!("640104{ok}123"));
            assert!(validate_resident_id(&number).is_ok(), "{ok}");
        }
        for bad in [
            "19490231", "18991231", "21010101", "19000229", "20230229", "20241301", "20240100",
            "20240132", "00000000",
        ] {
            let number = with_resident_check(&format!("640104{bad}123"));
            let err = validate_resident_id(&number).unwrap_err();
            assert_eq!(
                err,
                IdError::InvalidBirthDate {
                    digits: bad.to_owned()
                },
                "{bad}"
            );
            assert!(err.message().starts_with("出生日期无效"));
        }
    }

    #[test]
    fn resident_id_parses_and_converts() {
        let id: ResidentId = SAMPLE_RESIDENT_ID.parse().expect("parses");
        assert_eq!(id.to_string(), SAMPLE_RESIDENT_ID);
        let json = serde_json::to_string(&id).expect("serializes");
        assert_eq!(json, format!("\"{SAMPLE_RESIDENT_ID}\""));
        assert_eq!(
            serde_json::from_str::<ResidentId>("\"11010519491231002x\"").expect("deserializes"),
            id
        );
        assert_eq!(String::from(id), SAMPLE_RESIDENT_ID);
        assert!(ResidentId::try_from("110105194912310021".to_owned()).is_err());
    }

    // ---- 公民身份号码: invalid ----

    #[test]
    fn resident_id_wrong_check_char_is_refused() {
        for wrong in ['0', '1', '9'] {
            let number = replace_at(SAMPLE_RESIDENT_ID, 18, wrong);
            let err = validate_resident_id(&number).unwrap_err();
            assert_eq!(
                err,
                IdError::CheckDigit {
                    expected: 'X',
                    actual: wrong
                }
            );
            assert_eq!(err.message(), format!("校验位错误：应为 X，实际为 {wrong}"));
        }
    }

    #[test]
    fn resident_id_x_where_a_digit_is_due_is_refused() {
        let number = with_resident_check("64010419850315123");
        let expected = number.chars().last().expect("not empty");
        for x in ['X', 'x'] {
            let err = validate_resident_id(&replace_at(&number, 18, x)).unwrap_err();
            assert_eq!(
                err,
                IdError::CheckDigit {
                    expected,
                    actual: 'X'
                }
            );
        }
    }

    #[test]
    fn resident_id_non_digit_is_refused_at_its_position() {
        let err = validate_resident_id(&replace_at(SAMPLE_RESIDENT_ID, 5, 'X')).unwrap_err();
        assert_eq!(
            err,
            IdError::InvalidResidentIdChar {
                position: 5,
                ch: 'X'
            }
        );
        assert!(err.message().contains("前 17 位只能是数字"));

        let err = validate_resident_id(&replace_at(SAMPLE_RESIDENT_ID, 18, 'Y')).unwrap_err();
        assert_eq!(
            err,
            IdError::InvalidResidentIdChar {
                position: 18,
                ch: 'Y'
            }
        );
        assert!(err.message().contains("数字或 X"));

        let err = validate_resident_id(&replace_at(SAMPLE_RESIDENT_ID, 3, '０')).unwrap_err();
        assert_eq!(
            err,
            IdError::InvalidResidentIdChar {
                position: 3,
                ch: '０'
            }
        );
    }

    #[test]
    fn resident_id_wrong_length_is_refused() {
        for (number, actual) in [
            (&SAMPLE_RESIDENT_ID[..17], 17),
            (&format!("{SAMPLE_RESIDENT_ID}1")[..], 19),
            ("", 0),
            ("110105490101001", 15),
        ] {
            assert_eq!(
                validate_resident_id(number).unwrap_err(),
                IdError::WrongLength {
                    expected: 18,
                    actual
                }
            );
        }
    }

    // ---- masking ----

    #[test]
    fn mask_keeps_first_six_and_last_four_of_eighteen() {
        assert_eq!(mask_resident_id(SAMPLE_RESIDENT_ID), "110105********002X");
        assert_eq!(mask_resident_id("11010519491231002x"), "110105********002x");
        // Any 18 characters, valid or not.
        assert_eq!(mask_resident_id("ABCDEFGHIJKLMNOPQR"), "ABCDEF********OPQR");
    }

    #[test]
    fn mask_hides_everything_else() {
        assert_eq!(mask_resident_id(""), "");
        assert_eq!(mask_resident_id("1101051949123100"), "*".repeat(16));
        assert_eq!(mask_resident_id("11010519491231002X1"), "*".repeat(19));
        assert_eq!(mask_resident_id("身份证"), "***");
        assert_eq!(
            mask_resident_id(&format!(" {SAMPLE_RESIDENT_ID}")),
            "*".repeat(19)
        );
    }

    #[test]
    fn resident_check_character_completes_a_number() {
        assert_eq!(resident_id_check_character("11010519491231002"), Some('X'));
        assert_eq!(resident_id_check_character("1101051949123100"), None);
    }

    #[test]
    fn check_character_completes_a_code() {
        assert_eq!(uscc_check_character("91350100M000100Y4"), Some('3'));
        assert_eq!(uscc_check_character("91350100M000100Y"), None);
        assert_eq!(uscc_check_character("91350100M000100YI"), None);
    }
}
