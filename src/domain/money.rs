//! Money (ARCHITECTURE "Conventions"): `Decimal` yuan with 2 places in code and JSON, `i64`
//! 分 (fen) in the database, never binary floating point. Conversions, parsing of typed amounts, display as
//! `¥1,000,000.00`, and the 人民币大写 written on contracts and payment documents.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// Largest amount [`to_chinese_capitals`] writes, in fen: ¥999,999,999,999.99.
const MAX_CAPITALS_FEN: i64 = 99_999_999_999_999;

/// 人民币大写 digits 0–9.
const CAPITAL_DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];

/// Units within a four-digit section: 个, 拾, 佰, 仟.
const SECTION_UNITS: [&str; 4] = ["", "拾", "佰", "仟"];

/// Why an amount cannot be accepted. `Display` (and [`MoneyError::message`]) gives the
/// Chinese message shown next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Nothing but whitespace was entered.
    #[error("金额不能为空")]
    Empty,
    /// The text is not a number in the accepted form.
    #[error("金额格式无效：“{text}”（应为数字，如 1200000 或 1,200,000.00）")]
    Invalid {
        /// The text as entered (trimmed).
        text: String,
    },
    /// Commas that are not thousands separators every three digits.
    #[error("千位分隔符位置不正确：“{text}”（应每三位一个逗号，如 1,200,000.00）")]
    MisplacedSeparator {
        /// The text as entered (trimmed).
        text: String,
    },
    /// More than two decimal places (money is counted to the 分).
    #[error("金额最多保留两位小数（精确到分）")]
    TooManyDecimals,
    /// The amount does not fit in the `i64` 分 the database stores.
    #[error("金额超出可处理的范围")]
    Overflow,
    /// A negative amount where only zero or more is meaningful.
    #[error("金额不能为负数")]
    Negative,
    /// Above ¥999,999,999,999.99, the most the 大写 form writes.
    #[error("金额超出大写金额的上限 ¥999,999,999,999.99")]
    TooLarge,
}

impl MoneyError {
    /// The Chinese message for this error (the same text as `Display`).
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// Yuan to 分 for storage. Refuses more than two decimal places (trailing zeros beyond them
/// are fine: `1.230` is 123 分); negative amounts are allowed; an amount beyond `i64` 分 is
/// [`MoneyError::Overflow`].
pub fn to_fen(amount: Decimal) -> Result<i64, MoneyError> {
    if amount.round_dp(2) != amount {
        return Err(MoneyError::TooManyDecimals);
    }
    amount
        .checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|fen| fen.to_i64())
        .ok_or(MoneyError::Overflow)
}

/// 分 from storage to yuan, always with scale 2 (`1234` → `12.34`, `100` → `1.00`).
pub fn from_fen(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

/// Parses an amount typed by a person, returning yuan with scale 2.
///
/// Accepted: surrounding whitespace, an optional leading `-`, an optional `¥`/`￥`, digits
/// with or without thousands separators (a comma every three digits: `1,200,000`), and up to
/// two decimals after a `.` (`1200000`, `1200000.5`, `1,200,000.00`). Refused: empty text, a
/// sign alone, letters, misplaced commas (`1,2,3`), more than two decimals (`1.234`), and
/// amounts beyond the `i64` 分 the database stores. Whether a negative amount makes sense is
/// the caller's rule.
pub fn parse_amount(text: &str) -> Result<Decimal, MoneyError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(MoneyError::Empty);
    }
    let invalid = || MoneyError::Invalid {
        text: trimmed.to_owned(),
    };

    let (negative, unsigned) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let unsigned = unsigned
        .strip_prefix('¥')
        .or_else(|| unsigned.strip_prefix('￥'))
        .unwrap_or(unsigned);
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (unsigned, None),
    };

    if integer.is_empty() || !integer.chars().all(|c| c.is_ascii_digit() || c == ',') {
        return Err(invalid());
    }
    if integer.contains(',') {
        let mut groups = integer.split(',');
        let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
        if !first_ok || !groups.all(|g| g.len() == 3) {
            return Err(MoneyError::MisplacedSeparator {
                text: trimmed.to_owned(),
            });
        }
    }
    if let Some(fraction) = fraction {
        if fraction.is_empty() || !fraction.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid());
        }
        if fraction.len() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
    }

    let mut plain: String = integer.chars().filter(|&c| c != ',').collect();
    if let Some(fraction) = fraction {
        plain.push('.');
        plain.push_str(fraction);
    }
    // The shape is checked above, so the only failure left is a number too large.
    let magnitude = Decimal::from_str_exact(&plain).map_err(|_| MoneyError::Overflow)?;
    let amount = if negative { -magnitude } else { magnitude };
    Ok(from_fen(to_fen(amount)?))
}

/// Display form: `¥` and thousands separators, rounded half away from zero to 2 places
/// (`¥1,000,000.00`, `-¥1,234.50`).
pub fn format_yuan(amount: Decimal) -> String {
    let rounded = round_half_up(amount, 2);
    let mut magnitude = rounded.abs();
    magnitude.rescale(2);
    let plain = magnitude.to_string();
    let (integer, fraction) = plain.split_once('.').unwrap_or((&plain, "00"));

    let mut out = String::with_capacity(plain.len() + plain.len() / 3 + 4);
    if rounded < Decimal::ZERO {
        out.push('-');
    }
    out.push('¥');
    for (index, digit) in integer.chars().enumerate() {
        if index > 0 && (integer.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out.push('.');
    out.push_str(fraction);
    out
}

/// Rounds to `dp` decimal places, a midpoint away from zero (四舍五入: `0.125` → `0.13`,
/// `-2.345` → `-2.35`), unlike `Decimal::round_dp`, which rounds a midpoint to even.
pub fn round_half_up(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// 人民币大写 as written on bills and settlement documents (中国人民银行《支付结算办法》附件
/// 《正确填写票据和结算凭证的基本规定》), e.g. `1000001.50` → `人民币壹佰万零壹元伍角整`.
///
/// - Prefix `人民币`; digits 零壹贰叁肆伍陆柒捌玖; units 拾佰仟万亿 and 元角分; a leading
///   ten is `壹拾` (bill style): `10` → `人民币壹拾元整`.
/// - `整` when the amount ends at 元 or 角 (`人民币壹元伍角整`); none after 分.
/// - One `零` for each run of zeros between two non-zero digits of the yuan part, including
///   across 万 and 亿 (`100010000` → `人民币壹亿零壹万元整`); no `零` for trailing zeros.
/// - A `零` between 元 and 分 when 角 is 0 (`105.05` → `人民币壹佰零伍元零伍分`); none before
///   角 when only 元位 is 0 (`1010.10` → `人民币壹仟零壹拾元壹角整`), the form the rules allow.
/// - Below one yuan only 角/分 are written (`0.01` → `人民币壹分`); zero is `人民币零元整`.
///
/// Refuses negative amounts, more than two decimal places, and more than
/// ¥999,999,999,999.99.
pub fn to_chinese_capitals(amount: Decimal) -> Result<String, MoneyError> {
    if amount < Decimal::ZERO {
        return Err(MoneyError::Negative);
    }
    let fen = match to_fen(amount) {
        Ok(fen) => fen,
        Err(MoneyError::Overflow) => return Err(MoneyError::TooLarge),
        Err(other) => return Err(other),
    };
    if fen > MAX_CAPITALS_FEN {
        return Err(MoneyError::TooLarge);
    }

    let yuan = fen / 100;
    let jiao = (fen / 10 % 10) as usize;
    let fen_digit = (fen % 10) as usize;

    let mut out = String::from("人民币");
    if yuan > 0 {
        push_yuan_capitals(&mut out, yuan);
        out.push('元');
    }
    match (jiao, fen_digit) {
        (0, 0) => {
            if yuan == 0 {
                out.push_str("零元");
            }
            out.push('整');
        }
        (jiao, 0) => {
            out.push(CAPITAL_DIGITS[jiao]);
            out.push_str("角整");
        }
        (0, fen_digit) => {
            if yuan > 0 {
                out.push('零');
            }
            out.push(CAPITAL_DIGITS[fen_digit]);
            out.push('分');
        }
        (jiao, fen_digit) => {
            out.push(CAPITAL_DIGITS[jiao]);
            out.push('角');
            out.push(CAPITAL_DIGITS[fen_digit]);
            out.push('分');
        }
    }
    Ok(out)
}

/// Appends the capitals of a positive whole number of yuan (up to 12 digits), without `元`.
fn push_yuan_capitals(out: &mut String, yuan: i64) {
    let digits: Vec<usize> = yuan
        .to_string()
        .bytes()
        .map(|b| usize::from(b - b'0'))
        .collect();
    let mut zero_pending = false;
    let mut section_has_digit = false;
    for (index, &digit) in digits.iter().enumerate() {
        // Power of ten of this digit: 0 for 元位, 4 for 万位, 8 for 亿位.
        let power = digits.len() - 1 - index;
        if digit == 0 {
            // The leading digit is never 0, so this zero follows a written digit.
            zero_pending = true;
        } else {
            if zero_pending {
                out.push('零');
                zero_pending = false;
            }
            out.push(CAPITAL_DIGITS[digit]);
            out.push_str(SECTION_UNITS[power % 4]);
            section_has_digit = true;
        }
        if power > 0 && power.is_multiple_of(4) {
            if section_has_digit {
                out.push(if power == 4 { '万' } else { '亿' });
            }
            section_has_digit = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn capitals(text: &str) -> String {
        to_chinese_capitals(parse_amount(text).expect("a valid amount")).expect("within range")
    }

    // ---- to_fen / from_fen ----

    #[test]
    fn to_fen_converts_up_to_two_places() {
        assert_eq!(to_fen(dec!(12.34)), Ok(1234));
        assert_eq!(to_fen(dec!(12.3)), Ok(1230));
        assert_eq!(to_fen(dec!(12)), Ok(1200));
        assert_eq!(to_fen(dec!(0)), Ok(0));
        assert_eq!(to_fen(dec!(0.01)), Ok(1));
        assert_eq!(to_fen(dec!(1_000_000.00)), Ok(100_000_000));
        // Trailing zeros beyond two places do not add precision.
        assert_eq!(to_fen(dec!(1.230)), Ok(123));
    }

    #[test]
    fn to_fen_allows_negative() {
        assert_eq!(to_fen(dec!(-5.5)), Ok(-550));
        assert_eq!(to_fen(dec!(-0.01)), Ok(-1));
    }

    #[test]
    fn to_fen_refuses_more_than_two_places() {
        assert_eq!(to_fen(dec!(1.234)), Err(MoneyError::TooManyDecimals));
        assert_eq!(to_fen(dec!(0.001)), Err(MoneyError::TooManyDecimals));
        assert_eq!(to_fen(dec!(-0.005)), Err(MoneyError::TooManyDecimals));
    }

    #[test]
    fn to_fen_overflow_is_an_error() {
        assert_eq!(to_fen(from_fen(i64::MAX)), Ok(i64::MAX));
        assert_eq!(to_fen(from_fen(i64::MIN)), Ok(i64::MIN));
        assert_eq!(
            to_fen(from_fen(i64::MAX) + dec!(0.01)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            to_fen(from_fen(i64::MIN) - dec!(0.01)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(to_fen(Decimal::MAX), Err(MoneyError::Overflow));
    }

    #[test]
    fn from_fen_has_scale_two() {
        assert_eq!(from_fen(1234).to_string(), "12.34");
        assert_eq!(from_fen(100).to_string(), "1.00");
        assert_eq!(from_fen(0).to_string(), "0.00");
        assert_eq!(from_fen(-5).to_string(), "-0.05");
        assert_eq!(from_fen(7).scale(), 2);
    }

    #[test]
    fn fen_round_trip() {
        for fen in [0, 1, -1, 99, 100, 123_456_789, i64::MAX, i64::MIN] {
            assert_eq!(to_fen(from_fen(fen)), Ok(fen));
        }
    }

    // ---- parse_amount ----

    #[test]
    fn parse_accepts_the_usual_forms() {
        for (text, expected) in [
            ("1200000", "1200000.00"),
            ("1200000.5", "1200000.50"),
            ("1,200,000.00", "1200000.00"),
            (" 1200000.00 ", "1200000.00"),
            ("0", "0.00"),
            ("0.01", "0.01"),
            ("999", "999.00"),
            ("1,000", "1000.00"),
            ("12,345.6", "12345.60"),
            ("¥1,000,000.00", "1000000.00"),
            ("￥12", "12.00"),
            ("-12.5", "-12.50"),
            ("-¥1,234.50", "-1234.50"),
            ("-0", "0.00"),
            ("\t88.80\n", "88.80"),
        ] {
            let amount = parse_amount(text).expect("a valid amount");
            assert_eq!(amount.to_string(), expected, "{text:?}");
            assert_eq!(amount.scale(), 2, "{text:?}");
        }
    }

    #[test]
    fn parse_refuses_empty() {
        assert_eq!(parse_amount(""), Err(MoneyError::Empty));
        assert_eq!(parse_amount("   "), Err(MoneyError::Empty));
    }

    #[test]
    fn parse_refuses_non_numbers() {
        for text in [
            "abc", "-", "¥", "-¥", "1.", ".5", "1.2.3", "+5", "1e5", "1 000", "12元", "--1",
            "1.-5", "١٢",
        ] {
            assert_eq!(
                parse_amount(text),
                Err(MoneyError::Invalid {
                    text: text.to_owned()
                }),
                "{text:?}"
            );
        }
    }

    #[test]
    fn parse_refuses_misplaced_separators() {
        for text in [
            "1,2,3",
            ",100",
            "1,",
            "1,0000",
            "12,000,00",
            "1234,567",
            "1,,000",
            "1,000,00.00",
        ] {
            assert_eq!(
                parse_amount(text),
                Err(MoneyError::MisplacedSeparator {
                    text: text.to_owned()
                }),
                "{text:?}"
            );
        }
    }

    #[test]
    fn parse_refuses_more_than_two_decimals() {
        assert_eq!(parse_amount("1.234"), Err(MoneyError::TooManyDecimals));
        assert_eq!(parse_amount("1.230"), Err(MoneyError::TooManyDecimals));
    }

    #[test]
    fn parse_refuses_amounts_beyond_storage() {
        assert_eq!(
            parse_amount("92233720368547758.07").map(to_fen),
            Ok(Ok(i64::MAX))
        );
        assert_eq!(
            parse_amount("92233720368547758.08"),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            parse_amount("99999999999999999999999999999999999"),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn error_messages_are_chinese() {
        assert_eq!(MoneyError::Empty.message(), "金额不能为空");
        assert_eq!(
            parse_amount("1,2,3").unwrap_err().message(),
            "千位分隔符位置不正确：“1,2,3”（应每三位一个逗号，如 1,200,000.00）"
        );
        assert!(parse_amount("abc").unwrap_err().message().contains("“abc”"));
    }

    // ---- format_yuan / round_half_up ----

    #[test]
    fn format_yuan_groups_thousands() {
        for (amount, expected) in [
            (dec!(1000000), "¥1,000,000.00"),
            (dec!(0), "¥0.00"),
            (dec!(0.5), "¥0.50"),
            (dec!(12), "¥12.00"),
            (dec!(123), "¥123.00"),
            (dec!(1234), "¥1,234.00"),
            (dec!(12345.6), "¥12,345.60"),
            (dec!(123456.78), "¥123,456.78"),
            (dec!(999999999999.99), "¥999,999,999,999.99"),
            (dec!(-1234.5), "-¥1,234.50"),
            (dec!(999.995), "¥1,000.00"),
            (dec!(0.125), "¥0.13"),
            (dec!(-0.001), "¥0.00"),
        ] {
            assert_eq!(format_yuan(amount), expected, "{amount}");
        }
    }

    #[test]
    fn format_yuan_of_parsed_text_round_trips() {
        let text = "¥1,234,567.89";
        assert_eq!(
            format_yuan(parse_amount(text).expect("a valid amount")),
            text
        );
    }

    #[test]
    fn round_half_up_rounds_midpoints_away_from_zero() {
        assert_eq!(round_half_up(dec!(2.345), 2), dec!(2.35));
        assert_eq!(round_half_up(dec!(2.344), 2), dec!(2.34));
        assert_eq!(round_half_up(dec!(0.125), 2), dec!(0.13));
        assert_eq!(round_half_up(dec!(-2.345), 2), dec!(-2.35));
        assert_eq!(round_half_up(dec!(2.5), 0), dec!(3));
        assert_eq!(round_half_up(dec!(-2.5), 0), dec!(-3));
        assert_eq!(round_half_up(dec!(1.2), 2), dec!(1.2));
    }

    // ---- to_chinese_capitals ----

    #[test]
    fn capitals_examples_from_the_brief() {
        for (text, expected) in [
            ("1,000,001.50", "人民币壹佰万零壹元伍角整"),
            ("0.01", "人民币壹分"),
            ("10", "人民币壹拾元整"),
            ("100,000", "人民币壹拾万元整"),
            ("10,000,000,000.00", "人民币壹佰亿元整"),
            ("1,000,000.00", "人民币壹佰万元整"),
            ("0", "人民币零元整"),
            ("105.05", "人民币壹佰零伍元零伍分"),
            ("100,010,000", "人民币壹亿零壹万元整"),
            ("1,010,000", "人民币壹佰零壹万元整"),
            ("10", "人民币壹拾元整"),
            ("1.5", "人民币壹元伍角整"),
        ] {
            assert_eq!(capitals(text), expected, "{text}");
        }
    }

    #[test]
    fn capitals_boundaries() {
        for (text, expected) in [
            ("0.10", "人民币壹角整"),
            ("0.05", "人民币伍分"),
            ("0.55", "人民币伍角伍分"),
            ("1.00", "人民币壹元整"),
            ("1.05", "人民币壹元零伍分"),
            ("10.01", "人民币壹拾元零壹分"),
            ("12", "人民币壹拾贰元整"),
            ("110", "人民币壹佰壹拾元整"),
            ("100.10", "人民币壹佰元壹角整"),
            ("1010.10", "人民币壹仟零壹拾元壹角整"),
            ("1001", "人民币壹仟零壹元整"),
            ("20,000,000.00", "人民币贰仟万元整"),
            ("1,000,000,000", "人民币壹拾亿元整"),
            ("100,000,001", "人民币壹亿零壹元整"),
            ("110,000,000", "人民币壹亿壹仟万元整"),
            ("100,000,000,000", "人民币壹仟亿元整"),
            ("107,000.53", "人民币壹拾万零柒仟元伍角叁分"),
            ("1,680.32", "人民币壹仟陆佰捌拾元叁角贰分"),
            ("16,409.02", "人民币壹万陆仟肆佰零玖元零贰分"),
            ("10,101,000", "人民币壹仟零壹拾万零壹仟元整"),
            ("200,000,000,000.01", "人民币贰仟亿元零壹分"),
            (
                "999,999,999,999.99",
                "人民币玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
            ),
        ] {
            assert_eq!(capitals(text), expected, "{text}");
        }
    }

    #[test]
    fn capitals_accept_trailing_zero_scale() {
        assert_eq!(
            to_chinese_capitals(dec!(1.500)).expect("within range"),
            "人民币壹元伍角整"
        );
        assert_eq!(
            to_chinese_capitals(dec!(-0)).expect("within range"),
            "人民币零元整"
        );
    }

    #[test]
    fn capitals_refuse_out_of_range() {
        assert_eq!(
            to_chinese_capitals(dec!(1_000_000_000_000)),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(
            to_chinese_capitals(dec!(1_000_000_000_000.00)),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(to_chinese_capitals(Decimal::MAX), Err(MoneyError::TooLarge));
        assert_eq!(to_chinese_capitals(dec!(-0.01)), Err(MoneyError::Negative));
        assert_eq!(to_chinese_capitals(dec!(-100)), Err(MoneyError::Negative));
        assert_eq!(
            to_chinese_capitals(dec!(1.005)),
            Err(MoneyError::TooManyDecimals)
        );
    }
}
