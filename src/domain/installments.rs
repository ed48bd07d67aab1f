//! The payment schedule of a contract (DOMAIN §6): installment percents (hundredths, at most
//! two decimals) that sum to exactly 100, and the installment amounts in 分 computed in
//! `Decimal`: each is the contract amount × percent / 100 rounded half-up to the 分, and the
//! rounding remainder goes to the last installment so the amounts add up to the contract
//! amount exactly.

use rust_decimal::Decimal;

use crate::domain::money::round_half_up;

/// 100% in hundredths of a percent.
pub const FULL_CENTI: i64 = 10_000;

/// The conditions an installment may carry.
pub const CONDITIONS: [&str; 3] = [
    "on_signing",
    "after_midterm_evaluation",
    "after_final_evaluation",
];

/// Parses a percent given as a decimal string (`"30"`, `"33.33"`) into hundredths; more
/// than two decimals, zero, negatives and more than 100 are refused with a Chinese message.
pub fn parse_percent(text: &str) -> Result<i64, String> {
    let trimmed = text.trim();
    let bad = || format!("百分比格式无效：“{trimmed}”（应为数字，如 30 或 33.33）");
    if trimmed.is_empty()
        || !trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return Err(bad());
    }
    let value = Decimal::from_str_exact(trimmed).map_err(|_| bad())?;
    if value.round_dp(2) != value {
        return Err("百分比最多保留两位小数".to_owned());
    }
    if value <= Decimal::ZERO {
        return Err("百分比必须大于 0".to_owned());
    }
    if value > Decimal::ONE_HUNDRED {
        return Err("百分比不能超过 100".to_owned());
    }
    let centi = value * Decimal::ONE_HUNDRED;
    i64::try_from(centi).map_err(|_| bad())
}

/// A percent in hundredths as text with two decimals: `3333` → `"33.33"`.
pub fn percent_text(centi: i64) -> String {
    format!("{:.2}", Decimal::new(centi, 2))
}

/// Whether the percents sum to exactly 100.
pub fn sums_to_100(percents_centi: &[i64]) -> bool {
    percents_centi.iter().sum::<i64>() == FULL_CENTI
}

/// The installment amounts in 分 of `amount_fen` split by `percents_centi` (which must sum
/// to 100, see [`sums_to_100`]): each but the last is `amount × percent / 100` rounded
/// half-up to the 分; the last takes the rest, so the sum is `amount_fen` exactly. An empty
/// schedule gives no installments.
pub fn split(amount_fen: i64, percents_centi: &[i64]) -> Vec<i64> {
    let Some((_, head)) = percents_centi.split_last() else {
        return Vec::new();
    };
    let amount = Decimal::from(amount_fen);
    let mut out: Vec<i64> = head
        .iter()
        .map(|&centi| {
            let share = amount * Decimal::new(centi, 2) / Decimal::ONE_HUNDRED;
            // Whole 分 after half-up rounding always fit back into i64 for real amounts.
            i64::try_from(round_half_up(share, 0)).unwrap_or(i64::MAX)
        })
        .collect();
    let assigned: i64 = out.iter().sum();
    out.push(amount_fen - assigned);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_million_and_one_fen_split_30_30_40() {
        assert_eq!(
            split(100_000_001, &[3000, 3000, 4000]),
            [30_000_000, 30_000_000, 40_000_001]
        );
    }

    #[test]
    fn thirds_of_one_hundred_yuan() {
        assert_eq!(split(10_000, &[3333, 3333, 3334]), [3333, 3333, 3334]);
    }

    #[test]
    fn half_up_to_the_fen_and_remainder_last() {
        // 101 分 × 50% = 50.5 分 → 51 (half-up), the last gets the other 50.
        assert_eq!(split(101, &[5000, 5000]), [51, 50]);
        // 33.33% of 1 分 is 0.3333 → 0.
        assert_eq!(split(1, &[3333, 3333, 3334]), [0, 0, 1]);
    }

    #[test]
    fn one_installment_takes_everything() {
        assert_eq!(split(123_456_789, &[10_000]), [123_456_789]);
    }

    #[test]
    fn many_installments_add_up() {
        let percents = [700; 13];
        let mut percents = percents.to_vec();
        percents.push(10_000 - 700 * 13);
        assert!(sums_to_100(&percents));
        for amount in [1, 99, 100_000_001, 98_765_432_101] {
            let parts = split(amount, &percents);
            assert_eq!(parts.len(), 14);
            assert_eq!(parts.iter().sum::<i64>(), amount, "{amount}");
        }
        assert_eq!(split(100_000, &[700; 1])[0], 100_000);
        assert!(split(100, &[]).is_empty());
    }

    #[test]
    fn percents_parse_to_hundredths() {
        assert_eq!(parse_percent("30"), Ok(3000));
        assert_eq!(parse_percent(" 33.33 "), Ok(3333));
        assert_eq!(parse_percent("100"), Ok(10_000));
        assert_eq!(parse_percent("0.01"), Ok(1));
        for bad in ["", "abc", "33.333", "0", "-5", "100.01", "1e2", "3,0"] {
            assert!(parse_percent(bad).is_err(), "{bad}");
        }
        assert_eq!(percent_text(3333), "33.33");
        assert_eq!(percent_text(3000), "30.00");
        assert!(sums_to_100(&[3333, 3333, 3334]));
        assert!(!sums_to_100(&[3000, 3000, 3000]));
    }
}
