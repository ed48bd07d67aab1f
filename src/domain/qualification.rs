//! The qualification checks of a contractor (政府采购法第22条 and the Ningxia conditions),
//! each a named check with pass/fail and a Chinese message, computed on a given date.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

/// A fine at or above this many 分 (¥2,000,000.00) is a major violation.
pub const MAJOR_FINE_FEN: i64 = 200_000_000;

/// Years a major violation disqualifies.
pub const MAJOR_VIOLATION_YEARS: u32 = 3;

/// Violation kinds that are always major.
pub const MAJOR_KINDS: &[&str] = &["criminal_penalty", "suspension", "licence_revoked"];

/// Every violation kind with its Chinese label.
pub const VIOLATION_KINDS: &[(&str, &str)] = &[
    ("criminal_penalty", "刑事处罚"),
    ("suspension", "责令停产停业"),
    ("licence_revoked", "吊销许可证或执照"),
    ("fine", "罚款"),
    ("warning", "警告"),
    ("other", "其他行政处罚"),
];

/// One recorded violation.
#[derive(Debug, Clone)]
pub struct ViolationFact {
    /// When it happened (the penalty decision date).
    pub occurred_on: NaiveDate,
    /// Kind code.
    pub kind: String,
    /// Fine in 分, if any.
    pub fine_fen: Option<i64>,
}

/// Whether a violation is major (重大违法记录): criminal penalty, suspension, licence revoked,
/// or a fine of ¥2,000,000.00 or more.
pub fn is_major(kind: &str, fine_fen: Option<i64>) -> bool {
    MAJOR_KINDS.contains(&kind) || fine_fen.is_some_and(|fen| fen >= MAJOR_FINE_FEN)
}

/// Whether a major violation still disqualifies on `on`: from `occurred_on` until the day
/// before its third anniversary (a violation exactly three years old no longer counts).
pub fn disqualifies_on(v: &ViolationFact, on: NaiveDate) -> bool {
    if !is_major(&v.kind, v.fine_fen) || v.occurred_on > on {
        return false;
    }
    match v
        .occurred_on
        .checked_add_months(Months::new(12 * MAJOR_VIOLATION_YEARS))
    {
        Some(until) => on < until,
        None => true,
    }
}

/// The facts the checks read.
#[derive(Debug, Clone)]
pub struct ContractorFacts {
    /// Kind code.
    pub kind: String,
    /// `Err(message)` when the USCC or resident ID is invalid.
    pub identity: Result<(), String>,
    /// Date of establishment (or registration of an individual).
    pub established_on: NaiveDate,
    /// Business scope text.
    pub business_scope: String,
    /// Catalog domains it serves.
    pub service_domains: Vec<String>,
    /// Full-time staff.
    pub full_time_staff: i32,
    /// Certified social workers: assistant, intermediate, senior.
    pub certified: [i32; 3],
    /// Sound financial and accounting system.
    pub has_financial_system: bool,
    /// Tax and social-security payment record.
    pub has_tax_social_security_record: bool,
    /// Written declaration of no major violation.
    pub declares_no_major_violation: bool,
    /// On the dishonest-entity list (失信被执行人 / 重大税收违法).
    pub on_dishonest_list: bool,
    /// Recorded violations.
    pub violations: Vec<ViolationFact>,
    /// Calendar years it is barred in (after a 不合格 final evaluation).
    pub barred_years: Vec<i32>,
}

/// What a purchase requires (the base rule from config, or a tender's requirements).
#[derive(Debug, Clone, Default)]
pub struct Requirements {
    /// Minimum full-time staff.
    pub min_full_time_staff: i32,
    /// Minimum certified social workers (all levels together).
    pub min_certified_social_workers: i32,
    /// Minimum whole years since establishment.
    pub min_years_established: i32,
    /// The service domain the business scope must cover, if known.
    pub domain: Option<String>,
}

/// One named check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Check {
    /// `legal_entity`, `eligible_kind`, …
    pub code: String,
    /// Whether it passed.
    pub passed: bool,
    /// What was found (Chinese).
    pub message: String,
}

fn check(code: &str, passed: bool, message: String) -> Check {
    Check {
        code: code.to_owned(),
        passed,
        message,
    }
}

/// Whole years from `from` to `on`.
pub fn whole_years(from: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - from.year();
    if (on.month(), on.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years
}

/// The maturity group by years since establishment (海宁 practice): under 3 新秀培育组,
/// 3 to 5 服务创新组, over 5 能力提升组.
pub fn maturity_group(established_on: NaiveDate, on: NaiveDate) -> &'static str {
    match whole_years(established_on, on) {
        y if y < 3 => "新秀培育组",
        3..=5 => "服务创新组",
        _ => "能力提升组",
    }
}

/// Runs every check on `on`, in the order of the API contract.
pub fn evaluate(facts: &ContractorFacts, req: &Requirements, on: NaiveDate) -> Vec<Check> {
    let mut checks = Vec::with_capacity(10);

    let years = whole_years(facts.established_on, on);
    let legal = match &facts.identity {
        Err(problem) => check("legal_entity", false, format!("证照号码无效：{problem}")),
        Ok(()) if facts.established_on > on => {
            check("legal_entity", false, "成立日期晚于当前日期".to_owned())
        }
        Ok(()) if years < req.min_years_established => check(
            "legal_entity",
            false,
            format!("成立 {years} 年，要求至少 {} 年", req.min_years_established),
        ),
        Ok(()) => check(
            "legal_entity",
            true,
            format!("依法设立，成立于 {}（{} 年）", facts.established_on, years),
        ),
    };
    checks.push(legal);

    checks.push(
        match super::eligibility::contractor_kind_refusal(&facts.kind) {
            Some(reason) => check("eligible_kind", false, reason.to_owned()),
            None => check(
                "eligible_kind",
                true,
                format!(
                    "主体类型：{}",
                    super::eligibility::contractor_kind_label(&facts.kind).unwrap_or("未知")
                ),
            ),
        },
    );

    let scope = if facts.business_scope.trim().is_empty() || facts.service_domains.is_empty() {
        check(
            "business_scope",
            false,
            "未填写业务范围或服务领域".to_owned(),
        )
    } else if let Some(domain) = &req.domain {
        if facts.service_domains.iter().any(|d| d == domain) {
            check(
                "business_scope",
                true,
                format!("业务范围涵盖服务领域 {domain}"),
            )
        } else {
            check(
                "business_scope",
                false,
                format!("业务范围不涵盖服务领域 {domain}"),
            )
        }
    } else {
        check(
            "business_scope",
            true,
            format!("服务领域：{}", facts.service_domains.join("、")),
        )
    };
    checks.push(scope);

    checks.push(check(
        "full_time_staff",
        facts.full_time_staff >= req.min_full_time_staff,
        format!(
            "专职工作人员 {} 人，要求至少 {} 人",
            facts.full_time_staff, req.min_full_time_staff
        ),
    ));

    let [assistant, intermediate, senior] = facts.certified;
    let certified = assistant + intermediate + senior;
    checks.push(check(
        "certified_social_workers",
        certified >= req.min_certified_social_workers,
        format!(
            "持证社会工作者 {certified} 人（助理社会工作师 {assistant}、社会工作师 {intermediate}、高级社会工作师 {senior}），要求至少 {} 人",
            req.min_certified_social_workers
        ),
    ));

    checks.push(check(
        "financial_system",
        facts.has_financial_system,
        if facts.has_financial_system {
            "具有健全的财务会计制度".to_owned()
        } else {
            "未建立健全的财务会计制度".to_owned()
        },
    ));

    checks.push(check(
        "tax_social_security",
        facts.has_tax_social_security_record,
        if facts.has_tax_social_security_record {
            "具有依法缴纳税收和社会保障资金的良好记录".to_owned()
        } else {
            "缺少依法缴纳税收和社会保障资金的记录".to_owned()
        },
    ));

    let disqualifying: Vec<&ViolationFact> = facts
        .violations
        .iter()
        .filter(|v| disqualifies_on(v, on))
        .collect();
    checks.push(if let Some(v) = disqualifying.first() {
        check(
            "no_major_violation_3y",
            false,
            format!(
                "{} 有重大违法记录，三年内（至 {}）不得参加政府采购",
                v.occurred_on,
                v.occurred_on
                    .checked_add_months(Months::new(12 * MAJOR_VIOLATION_YEARS))
                    .map(|d| d.pred_opt().unwrap_or(d).to_string())
                    .unwrap_or_default()
            ),
        )
    } else if !facts.declares_no_major_violation {
        check(
            "no_major_violation_3y",
            false,
            "未声明参加政府采购活动前三年内无重大违法记录".to_owned(),
        )
    } else {
        check(
            "no_major_violation_3y",
            true,
            "近三年内无重大违法记录".to_owned(),
        )
    });

    checks.push(check(
        "not_dishonest",
        !facts.on_dishonest_list,
        if facts.on_dishonest_list {
            "已被列入失信被执行人或重大税收违法失信主体名单".to_owned()
        } else {
            "未被列入失信名单".to_owned()
        },
    ));

    let barred = facts.barred_years.contains(&on.year());
    checks.push(check(
        "not_barred",
        !barred,
        if barred {
            format!("上一年度终期绩效评价不合格，{} 年度不得承接", on.year())
        } else {
            "未被限制承接".to_owned()
        },
    ));

    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn facts() -> ContractorFacts {
        ContractorFacts {
            kind: "social_organization".into(),
            identity: Ok(()),
            established_on: d(2018, 5, 10),
            business_scope: "社会工作服务".into(),
            service_domains: vec!["social_assistance".into()],
            full_time_staff: 8,
            certified: [3, 2, 0],
            has_financial_system: true,
            has_tax_social_security_record: true,
            declares_no_major_violation: true,
            on_dishonest_list: false,
            violations: vec![],
            barred_years: vec![],
        }
    }

    fn req() -> Requirements {
        Requirements {
            min_full_time_staff: 3,
            min_certified_social_workers: 1,
            min_years_established: 0,
            domain: None,
        }
    }

    fn failing(checks: &[Check]) -> Vec<&str> {
        checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.code.as_str())
            .collect()
    }

    #[test]
    fn a_sound_contractor_passes_all_ten_checks_in_order() {
        let checks = evaluate(&facts(), &req(), d(2026, 3, 2));
        let codes: Vec<&str> = checks.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(
            codes,
            vec![
                "legal_entity",
                "eligible_kind",
                "business_scope",
                "full_time_staff",
                "certified_social_workers",
                "financial_system",
                "tax_social_security",
                "no_major_violation_3y",
                "not_dishonest",
                "not_barred"
            ]
        );
        assert!(failing(&checks).is_empty(), "{checks:?}");
    }

    #[test]
    fn fine_threshold_is_two_million_yuan() {
        assert!(!is_major("fine", Some(199_999_999)));
        assert!(is_major("fine", Some(200_000_000)));
        assert!(!is_major("warning", None));
        assert!(is_major("criminal_penalty", None));
        assert!(is_major("suspension", Some(0)));
        assert!(is_major("licence_revoked", None));
    }

    #[test]
    fn a_major_violation_disqualifies_for_three_years() {
        let occurred = d(2023, 3, 2);
        let mut f = facts();
        f.violations = vec![ViolationFact {
            occurred_on: occurred,
            kind: "criminal_penalty".into(),
            fine_fen: None,
        }];
        let on = |date| failing(&evaluate(&f, &req(), date)).contains(&"no_major_violation_3y");
        assert!(on(occurred), "on the day");
        assert!(on(d(2026, 3, 1)), "three years minus a day");
        assert!(
            !on(d(2026, 3, 2)),
            "on the third anniversary it no longer counts"
        );
        assert!(!on(d(2026, 3, 3)), "three years plus a day");
        assert!(!on(d(2023, 3, 1)), "before it happened");
    }

    #[test]
    fn fine_boundary_in_the_checks() {
        let mut f = facts();
        f.violations = vec![ViolationFact {
            occurred_on: d(2025, 6, 1),
            kind: "fine".into(),
            fine_fen: Some(199_999_999),
        }];
        assert!(failing(&evaluate(&f, &req(), d(2026, 3, 2))).is_empty());
        f.violations[0].fine_fen = Some(200_000_000);
        assert_eq!(
            failing(&evaluate(&f, &req(), d(2026, 3, 2))),
            vec!["no_major_violation_3y"]
        );
    }

    #[test]
    fn each_check_fails_on_its_own() {
        let on = d(2026, 3, 2);
        type Change = Box<dyn Fn(&mut ContractorFacts, &mut Requirements)>;
        let cases: Vec<(&str, Change)> = vec![
            (
                "legal_entity",
                Box::new(|f, _| f.identity = Err("校验位错误".into())),
            ),
            (
                "legal_entity",
                Box::new(|f, _| f.established_on = d(2026, 3, 3)),
            ),
            ("legal_entity", Box::new(|_, r| r.min_years_established = 8)),
            (
                "eligible_kind",
                Box::new(|f, _| f.kind = "public_institution_class1".into()),
            ),
            (
                "eligible_kind",
                Box::new(|f, _| f.kind = "mass_org_fiscal".into()),
            ),
            ("business_scope", Box::new(|f, _| f.service_domains.clear())),
            (
                "business_scope",
                Box::new(|_, r| r.domain = Some("elderly_care".into())),
            ),
            ("full_time_staff", Box::new(|f, _| f.full_time_staff = 2)),
            (
                "certified_social_workers",
                Box::new(|f, _| f.certified = [0, 0, 0]),
            ),
            (
                "financial_system",
                Box::new(|f, _| f.has_financial_system = false),
            ),
            (
                "tax_social_security",
                Box::new(|f, _| f.has_tax_social_security_record = false),
            ),
            (
                "no_major_violation_3y",
                Box::new(|f, _| f.declares_no_major_violation = false),
            ),
            ("not_dishonest", Box::new(|f, _| f.on_dishonest_list = true)),
            ("not_barred", Box::new(|f, _| f.barred_years = vec![2026])),
        ];
        for (code, change) in cases {
            let mut f = facts();
            let mut r = req();
            change(&mut f, &mut r);
            assert_eq!(failing(&evaluate(&f, &r, on)), vec![code]);
        }
        // Boundaries of the numeric requirements.
        let mut f = facts();
        f.full_time_staff = 3;
        f.certified = [1, 0, 0];
        assert!(failing(&evaluate(&f, &req(), on)).is_empty());
    }

    #[test]
    fn the_bar_applies_to_its_year_only() {
        let mut f = facts();
        f.barred_years = vec![2027];
        assert!(failing(&evaluate(&f, &req(), d(2026, 12, 31))).is_empty());
        assert_eq!(
            failing(&evaluate(&f, &req(), d(2027, 1, 1))),
            vec!["not_barred"]
        );
        assert_eq!(
            failing(&evaluate(&f, &req(), d(2027, 12, 31))),
            vec!["not_barred"]
        );
        assert!(failing(&evaluate(&f, &req(), d(2028, 1, 1))).is_empty());
    }

    #[test]
    fn maturity_groups() {
        let est = d(2020, 6, 15);
        assert_eq!(maturity_group(est, d(2023, 6, 14)), "新秀培育组");
        assert_eq!(maturity_group(est, d(2023, 6, 15)), "服务创新组");
        assert_eq!(maturity_group(est, d(2026, 6, 14)), "服务创新组");
        assert_eq!(maturity_group(est, d(2026, 6, 15)), "能力提升组");
    }
}
