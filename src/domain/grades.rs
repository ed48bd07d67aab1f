//! Performance grades (DOMAIN §7) and the score arithmetic shared with bid scoring
//! ([`super::scoring`]): a mean of evaluators' totals, rounded half-up to 2 decimals.
//!
//! Default bands: 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, 不合格 < 60. Bands are rules as data:
//! [`GradeBands`] carries them (from config), and [`grade`] uses the defaults.

use rust_decimal::Decimal;

use super::money::round_half_up;

/// A performance evaluation grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    /// 优秀.
    Excellent,
    /// 良好.
    Good,
    /// 合格.
    Pass,
    /// 不合格.
    Fail,
}

impl Grade {
    /// Every grade, best first.
    pub const ALL: [Grade; 4] = [Grade::Excellent, Grade::Good, Grade::Pass, Grade::Fail];

    /// Stored and API code (`excellent | good | pass | fail`).
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Good => "good",
            Grade::Pass => "pass",
            Grade::Fail => "fail",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == code)
    }

    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Grade::Excellent => "优秀",
            Grade::Good => "良好",
            Grade::Pass => "合格",
            Grade::Fail => "不合格",
        }
    }
}

/// Lower bounds (inclusive) of the grade bands; anything below `pass` is 不合格.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GradeBands {
    /// Lowest total graded 优秀.
    pub excellent: Decimal,
    /// Lowest total graded 良好.
    pub good: Decimal,
    /// Lowest total graded 合格.
    pub pass: Decimal,
}

impl Default for GradeBands {
    /// 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60.
    fn default() -> Self {
        GradeBands {
            excellent: Decimal::from(90),
            good: Decimal::from(80),
            pass: Decimal::from(60),
        }
    }
}

impl GradeBands {
    /// The grade of an evaluation total under these bands.
    pub fn grade(&self, total: Decimal) -> Grade {
        if total >= self.excellent {
            Grade::Excellent
        } else if total >= self.good {
            Grade::Good
        } else if total >= self.pass {
            Grade::Pass
        } else {
            Grade::Fail
        }
    }
}

/// The grade of an evaluation total under the default bands: 优秀 ≥ 90, 良好 ≥ 80,
/// 合格 ≥ 60, 不合格 < 60 (`89.99` is 良好, `90.00` is 优秀).
pub fn grade(total: Decimal) -> Grade {
    GradeBands::default().grade(total)
}

/// A score rounded half-up (四舍五入, midpoint away from zero) to 2 decimals, always with
/// scale 2 so that it prints as `80.00`, not `80`.
pub fn round_score(value: Decimal) -> Decimal {
    let mut rounded = round_half_up(value, 2);
    rounded.rescale(2);
    rounded
}

/// The mean of `values`, rounded half-up to 2 decimals ([`round_score`]): the total of a
/// performance evaluation from its evaluators' totals, and the technical score of a bid.
/// `None` when there are no values (or, unreachable for scores, their sum overflows).
pub fn mean_half_up(values: &[Decimal]) -> Option<Decimal> {
    if values.is_empty() {
        return None;
    }
    let sum = values
        .iter()
        .try_fold(Decimal::ZERO, |sum, value| sum.checked_add(*value))?;
    let mean = sum.checked_div(Decimal::from(values.len()))?;
    Some(round_score(mean))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn band_boundaries() {
        for (total, want) in [
            (dec!(0), Grade::Fail),
            (dec!(59.99), Grade::Fail),
            (dec!(60.00), Grade::Pass),
            (dec!(60), Grade::Pass),
            (dec!(79.99), Grade::Pass),
            (dec!(80.00), Grade::Good),
            (dec!(89.99), Grade::Good),
            (dec!(90.00), Grade::Excellent),
            (dec!(100), Grade::Excellent),
            (dec!(100.00), Grade::Excellent),
        ] {
            assert_eq!(grade(total), want, "{total}");
        }
    }

    #[test]
    fn configured_bands() {
        let strict = GradeBands {
            excellent: dec!(95),
            good: dec!(85),
            pass: dec!(70),
        };
        assert_eq!(strict.grade(dec!(94.99)), Grade::Good);
        assert_eq!(strict.grade(dec!(95)), Grade::Excellent);
        assert_eq!(strict.grade(dec!(69.99)), Grade::Fail);
        assert_eq!(strict.grade(dec!(70)), Grade::Pass);
        assert_eq!(GradeBands::default().grade(dec!(90)), Grade::Excellent);
    }

    #[test]
    fn codes_and_labels() {
        for g in Grade::ALL {
            assert_eq!(Grade::parse(g.as_str()), Some(g));
        }
        assert_eq!(Grade::parse("excellent"), Some(Grade::Excellent));
        assert_eq!(Grade::parse("优秀"), None);
        assert_eq!(
            Grade::ALL.map(Grade::label),
            ["优秀", "良好", "合格", "不合格"]
        );
        assert_eq!(
            Grade::ALL.map(Grade::as_str),
            ["excellent", "good", "pass", "fail"]
        );
    }

    #[test]
    fn mean_of_nothing_is_none() {
        assert_eq!(mean_half_up(&[]), None);
    }

    #[test]
    fn mean_rounds_half_up_to_two_places() {
        // 80.125 exactly: half-up gives 80.13 (banker's rounding would give 80.12).
        let mean = mean_half_up(&[dec!(80.25), dec!(80.00)]).expect("a mean");
        assert_eq!(mean.to_string(), "80.13");
        // 80.115 → 80.12 (banker's would agree; checks the other parity).
        assert_eq!(
            mean_half_up(&[dec!(80.23), dec!(80.00)])
                .expect("a mean")
                .to_string(),
            "80.12"
        );
        // 80.1249… rounds down.
        assert_eq!(
            mean_half_up(&[dec!(80.249), dec!(80.00)])
                .expect("a mean")
                .to_string(),
            "80.12"
        );
        // A repeating mean: 250 / 3 = 83.333…
        assert_eq!(
            mean_half_up(&[dec!(80), dec!(85), dec!(85)])
                .expect("a mean")
                .to_string(),
            "83.33"
        );
        // 251 / 3 = 83.666…
        assert_eq!(
            mean_half_up(&[dec!(81), dec!(85), dec!(85)])
                .expect("a mean")
                .to_string(),
            "83.67"
        );
    }

    #[test]
    fn mean_has_scale_two() {
        assert_eq!(
            mean_half_up(&[dec!(80)]).expect("a mean").to_string(),
            "80.00"
        );
        assert_eq!(
            mean_half_up(&[dec!(70), dec!(90), dec!(80)])
                .expect("a mean")
                .to_string(),
            "80.00"
        );
    }

    #[test]
    fn mean_overflow_is_none() {
        assert_eq!(mean_half_up(&[Decimal::MAX, Decimal::MAX]), None);
    }

    #[test]
    fn round_score_examples() {
        assert_eq!(round_score(dec!(28.125)).to_string(), "28.13");
        assert_eq!(round_score(dec!(28.124999)).to_string(), "28.12");
        assert_eq!(round_score(dec!(30)).to_string(), "30.00");
        assert_eq!(round_score(dec!(0)).to_string(), "0.00");
    }
}
