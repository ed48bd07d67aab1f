//! Progress of a contract: which report figure measures a project target, and how far the
//! accepted reports have come. Pure functions, no I/O.
//!
//! # Mapping a target to a report figure
//!
//! Monthly reports carry six aggregate figures (see [`Totals`]). A `quantity` target of the
//! project is measured by at most one of them, decided from the target's unit and name
//! (both trimmed); the first rule that applies wins:
//!
//! | # | rule | figure |
//! |---|---|---|
//! | 1 | unit is `人次`, or the name contains `人次` | `person_times` (服务人次) |
//! | 2 | name contains `志愿` and unit is `人` or `名` | `volunteers_engaged` |
//! | 3 | name contains `活动` and unit is `场`, `次`, `个` or `期` | `activities` |
//! | 4 | unit is `个案`, or the name contains `个案` and unit is `个`, `例` or `件` | `cases_opened` |
//! | 5 | unit is `人` or `名` | `persons` (服务人数) |
//! | 6 | unit is `个` | `cases_opened` |
//! | – | anything else (e.g. `%`, `小时`, `户`) | not measurable from reports: `actual` is null |
//!
//! Rules 2–4 come before the generic unit rules so that 「志愿者参与 50 人」 counts volunteers
//! rather than persons served, and 「开展小组活动 24 个」 counts activities rather than cases.
//! `persons` is the sum of each month's reported persons: reports carry no identities, so a
//! person served in two months is counted twice.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

/// The figures a report carries, summed over reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Totals {
    /// Persons served (sum over target groups and months).
    pub persons: i64,
    /// Person-times served.
    pub person_times: i64,
    /// Activities held.
    pub activities: i64,
    /// Cases opened.
    pub cases_opened: i64,
    /// Cases closed.
    pub cases_closed: i64,
    /// Volunteers engaged.
    pub volunteers_engaged: i64,
}

/// A report figure that measures a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// `Totals::persons`.
    Persons,
    /// `Totals::person_times`.
    PersonTimes,
    /// `Totals::activities`.
    Activities,
    /// `Totals::cases_opened`.
    CasesOpened,
    /// `Totals::volunteers_engaged`.
    VolunteersEngaged,
}

impl Measure {
    /// The figure's value in `totals`.
    pub fn of(self, totals: &Totals) -> i64 {
        match self {
            Measure::Persons => totals.persons,
            Measure::PersonTimes => totals.person_times,
            Measure::Activities => totals.activities,
            Measure::CasesOpened => totals.cases_opened,
            Measure::VolunteersEngaged => totals.volunteers_engaged,
        }
    }
}

/// Which figure measures a target named `name` counted in `unit` (module docs), if any.
pub fn measure(name: &str, unit: &str) -> Option<Measure> {
    let name = name.trim();
    let unit = unit.trim();
    let person_unit = matches!(unit, "人" | "名");
    if unit == "人次" || name.contains("人次") {
        Some(Measure::PersonTimes)
    } else if name.contains("志愿") && person_unit {
        Some(Measure::VolunteersEngaged)
    } else if name.contains("活动") && matches!(unit, "场" | "次" | "个" | "期") {
        Some(Measure::Activities)
    } else if unit == "个案" || (name.contains("个案") && matches!(unit, "个" | "例" | "件"))
    {
        Some(Measure::CasesOpened)
    } else if person_unit {
        Some(Measure::Persons)
    } else if unit == "个" {
        Some(Measure::CasesOpened)
    } else {
        None
    }
}

/// `actual / target × 100`, rounded half-up to two decimals; `None` when the target is not
/// positive.
pub fn percent(actual: i64, target: Decimal) -> Option<Decimal> {
    if target <= Decimal::ZERO {
        return None;
    }
    let value = Decimal::from(actual).checked_mul(Decimal::ONE_HUNDRED)?;
    let ratio = value.checked_div(target)?;
    Some(ratio.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn targets_map_to_figures() {
        let cases = [
            ("入户探访", "人次", Some(Measure::PersonTimes)),
            ("服务人次", "次", Some(Measure::PersonTimes)),
            ("活动参与人次", "人次", Some(Measure::PersonTimes)),
            ("服务对象", "人", Some(Measure::Persons)),
            ("志愿者参与", "人", Some(Measure::VolunteersEngaged)),
            ("招募志愿者", "名", Some(Measure::VolunteersEngaged)),
            ("开展小组活动", "个", Some(Measure::Activities)),
            ("社区活动", "场", Some(Measure::Activities)),
            ("个案服务", "个", Some(Measure::CasesOpened)),
            ("建立档案", "个案", Some(Measure::CasesOpened)),
            ("帮扶对象", "个", Some(Measure::CasesOpened)),
            ("服务对象满意率", "%", None),
            ("志愿服务时长", "小时", None),
            ("入户", "户", None),
        ];
        for (name, unit, expected) in cases {
            assert_eq!(measure(name, unit), expected, "{name} / {unit}");
        }
    }

    #[test]
    fn percent_rounds_half_up_and_needs_a_positive_target() {
        assert_eq!(percent(60, dec!(1200)), Some(dec!(5.00)));
        assert_eq!(percent(1, dec!(3)), Some(dec!(33.33)));
        assert_eq!(percent(2, dec!(3)), Some(dec!(66.67)));
        assert_eq!(percent(1, dec!(800)), Some(dec!(0.13)));
        assert_eq!(percent(5, dec!(0)), None);
    }
}
