//! Procurement rules (DOMAIN §5 购买程序) as data: the six methods with their minimum periods
//! and supplier counts, the procurement-intention lead time, the contract-term limits, the
//! price-weight bounds of 综合评分法, and the deadlines that follow an award. The values come
//! from `config/procurement.toml` (embedded as [`DEFAULT_TOML`]); tests may load their own
//! with [`ProcurementRules::from_toml`].
//!
//! Every date here is a date in Asia/Shanghai: callers convert a UTC timestamp to its Shanghai
//! date before asking. "N days after X" is always the N-th day strictly after X, in calendar
//! days or in working days of the [`Calendar`].

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

use crate::calendar::Calendar;
use crate::error::AppError;

/// The rules shipped with the binary (`config/procurement.toml`).
pub const DEFAULT_TOML: &str = include_str!("../../config/procurement.toml");

/// The method codes every rules file defines (and the only ones it may define), in the
/// order of DOMAIN §5.
pub const METHOD_CODES: [&str; 6] = [
    "open_tender",
    "invited_tender",
    "competitive_negotiation",
    "competitive_consultation",
    "inquiry",
    "single_source",
];

/// The largest day count a rules file may set; it keeps a mistyped value from turning a
/// working-day count into a walk through centuries of dates.
const MAX_DAYS: u32 = 365;

/// The longest contract term, in months, a rules file may set.
const MAX_MONTHS: u32 = 120;

/// All procurement rules (the whole of `config/procurement.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcurementRules {
    /// Calendar days after the procurement intention (采购意向) before the tender may be
    /// published.
    pub intention_lead_days: u32,
    /// Longest service term, in months, without a stated justification.
    pub max_term_months: u32,
    /// Longest service term, in months, with a stated justification.
    pub max_term_months_justified: u32,
    /// Smallest price weight of 综合评分法 for services (inclusive; `0.10` = 10%).
    #[serde(deserialize_with = "decimal_string")]
    pub price_weight_min: Decimal,
    /// Largest price weight of 综合评分法 for services (inclusive; `0.30` = 30%).
    #[serde(deserialize_with = "decimal_string")]
    pub price_weight_max: Decimal,
    /// Working days after the award decision within which the result notice is published.
    pub award_notice_working_days: u32,
    /// Working days after its publication that the result notice stays on view.
    pub award_notice_period_working_days: u32,
    /// Working days after the end of the notice period within which a bidder may challenge.
    pub challenge_working_days: u32,
    /// Working days after a challenge is filed within which it is answered.
    pub challenge_answer_working_days: u32,
    /// Calendar days after the award notice within which the contract is signed.
    pub contract_signing_days: u32,
    /// Working days after signing within which the contract notice is published.
    pub contract_notice_working_days: u32,
    /// Method code (one of [`METHOD_CODES`]) → its rule.
    pub methods: BTreeMap<String, MethodRule>,
}

/// The rule of one procurement method (`[methods.<code>]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodRule {
    /// Chinese name shown to users, e.g. `公开招标`.
    pub label: String,
    /// Minimum period from publication of the documents (for single source: of the publicity
    /// notice) to the deadline, counted in `day_kind` days.
    pub min_period_days: u32,
    /// How `min_period_days` is counted.
    pub day_kind: DayKind,
    /// Fewest qualified bids (or invited suppliers) with which the procedure may go on.
    pub min_suppliers: u32,
    /// Whether only invited (named) suppliers may bid.
    pub invitation: bool,
}

/// How a period is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Calendar days (日历日): every day counts.
    Calendar,
    /// Working days (工作日) of the State Council calendar.
    Working,
}

impl DayKind {
    /// The unit after a number in Chinese text: `20日`, `3个工作日`.
    pub fn unit(self) -> &'static str {
        match self {
            DayKind::Calendar => "日",
            DayKind::Working => "个工作日",
        }
    }

    /// The date `n` such days strictly after `date` (saturating at [`NaiveDate::MAX`]).
    pub fn add(self, calendar: &Calendar, date: NaiveDate, n: u32) -> NaiveDate {
        match self {
            DayKind::Calendar => add_calendar_days(date, n),
            DayKind::Working => calendar.add_working_days(date, n),
        }
    }
}

impl MethodRule {
    /// The earliest allowed deadline date for documents published on `published_on`:
    /// `min_period_days` days (of `day_kind`) strictly after it.
    pub fn earliest_deadline(&self, calendar: &Calendar, published_on: NaiveDate) -> NaiveDate {
        self.day_kind
            .add(calendar, published_on, self.min_period_days)
    }
}

/// A rules file that cannot be used, naming the offending key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("procurement rules: {key}: {message}")]
pub struct RulesError {
    /// Dotted key, e.g. `methods.inquiry.min_period_days`; `(syntax)` when the text is not
    /// TOML at all.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl RulesError {
    fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// A procurement rule that a request breaks. Converts into [`AppError::Rule`] (422 with
/// `details.rule`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule}: {message}")]
pub struct RuleViolation {
    /// Stable snake_case rule code, e.g. `tender_period_too_short`.
    pub rule: &'static str,
    /// Explanation in Chinese, with the numbers and dates involved.
    pub message: String,
}

impl RuleViolation {
    fn new(rule: &'static str, message: String) -> Self {
        Self { rule, message }
    }
}

impl From<RuleViolation> for AppError {
    fn from(v: RuleViolation) -> Self {
        AppError::rule(v.rule, v.message)
    }
}

impl ProcurementRules {
    /// Parses and validates a rules file. Every error names its key: a value of the wrong
    /// type, an unknown or missing key, a missing or unknown method, a period below 1, price
    /// weights not within `0 < min <= max <= 1`, …
    pub fn from_toml(text: &str) -> Result<Self, RulesError> {
        let de = toml::Deserializer::parse(text).map_err(|e| syntax_error(text, &e))?;
        let rules: Self = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            data_error(&path, e.inner().message())
        })?;
        rules.validate()?;
        Ok(rules)
    }

    /// The rules shipped with the binary ([`DEFAULT_TOML`]).
    pub fn embedded() -> Result<Self, RulesError> {
        Self::from_toml(DEFAULT_TOML)
    }

    /// Checks every value that the types cannot.
    pub fn validate(&self) -> Result<(), RulesError> {
        for (key, value) in [
            ("intention_lead_days", self.intention_lead_days),
            ("award_notice_working_days", self.award_notice_working_days),
            (
                "award_notice_period_working_days",
                self.award_notice_period_working_days,
            ),
            ("challenge_working_days", self.challenge_working_days),
            (
                "challenge_answer_working_days",
                self.challenge_answer_working_days,
            ),
            ("contract_signing_days", self.contract_signing_days),
            (
                "contract_notice_working_days",
                self.contract_notice_working_days,
            ),
        ] {
            check_range(key, value, MAX_DAYS)?;
        }
        check_range("max_term_months", self.max_term_months, MAX_MONTHS)?;
        check_range(
            "max_term_months_justified",
            self.max_term_months_justified,
            MAX_MONTHS,
        )?;
        if self.max_term_months_justified < self.max_term_months {
            return Err(RulesError::new(
                "max_term_months_justified",
                format!(
                    "must not be less than max_term_months ({})",
                    self.max_term_months
                ),
            ));
        }
        if self.price_weight_min <= Decimal::ZERO {
            return Err(RulesError::new(
                "price_weight_min",
                "must be greater than 0",
            ));
        }
        if self.price_weight_max > Decimal::ONE {
            return Err(RulesError::new("price_weight_max", "must not exceed 1"));
        }
        if self.price_weight_min > self.price_weight_max {
            return Err(RulesError::new(
                "price_weight_min",
                format!(
                    "must not exceed price_weight_max ({})",
                    self.price_weight_max
                ),
            ));
        }
        for code in METHOD_CODES {
            if !self.methods.contains_key(code) {
                return Err(RulesError::new(
                    format!("methods.{code}"),
                    format!(
                        "missing; every method must be defined: {}",
                        METHOD_CODES.join(", ")
                    ),
                ));
            }
        }
        for (code, rule) in &self.methods {
            if !METHOD_CODES.contains(&code.as_str()) {
                return Err(RulesError::new(
                    format!("methods.{code}"),
                    format!("unknown method; known methods: {}", METHOD_CODES.join(", ")),
                ));
            }
            if rule.label.trim().is_empty() {
                return Err(RulesError::new(
                    format!("methods.{code}.label"),
                    "must not be empty",
                ));
            }
            check_range(
                &format!("methods.{code}.min_period_days"),
                rule.min_period_days,
                MAX_DAYS,
            )?;
            if rule.min_suppliers < 1 {
                return Err(RulesError::new(
                    format!("methods.{code}.min_suppliers"),
                    "must be at least 1",
                ));
            }
        }
        Ok(())
    }

    /// The rule of a method by its code, e.g. `inquiry`.
    pub fn method(&self, code: &str) -> Option<&MethodRule> {
        self.methods.get(code)
    }

    /// The earliest allowed bid-deadline date for a tender of `method` published on
    /// `published_on`: `min_period_days` calendar days after it, or the `min_period_days`-th
    /// working day after it. `None` for an unknown method.
    pub fn earliest_deadline(
        &self,
        calendar: &Calendar,
        method: &str,
        published_on: NaiveDate,
    ) -> Option<NaiveDate> {
        self.method(method)
            .map(|rule| rule.earliest_deadline(calendar, published_on))
    }

    /// Whether a deadline on `deadline_on` leaves the method's minimum period after
    /// publication on `published_on`: Ok when `deadline_on >= earliest_deadline`, else
    /// `tender_period_too_short` naming the method, the minimum and the earliest allowed
    /// date (`unknown_procurement_method` for an unknown code).
    pub fn check_tender_period(
        &self,
        calendar: &Calendar,
        method: &str,
        published_on: NaiveDate,
        deadline_on: NaiveDate,
    ) -> Result<(), RuleViolation> {
        let rule = self.method(method).ok_or_else(|| {
            RuleViolation::new(
                "unknown_procurement_method",
                format!("未知的采购方式：{method}"),
            )
        })?;
        let earliest = rule.earliest_deadline(calendar, published_on);
        if deadline_on >= earliest {
            return Ok(());
        }
        Err(RuleViolation::new(
            "tender_period_too_short",
            format!(
                "{label}自发布之日（{published}）起至截止之日不得少于{n}{unit}，截止日期最早为{earliest}，现为{deadline}",
                label = rule.label,
                published = zh_date(published_on),
                n = rule.min_period_days,
                unit = rule.day_kind.unit(),
                earliest = zh_date(earliest),
                deadline = zh_date(deadline_on),
            ),
        ))
    }

    /// The earliest date a tender may be published after a procurement intention published
    /// on `intention_on`: `intention_lead_days` calendar days after it.
    pub fn earliest_tender_after_intention(&self, intention_on: NaiveDate) -> NaiveDate {
        add_calendar_days(intention_on, self.intention_lead_days)
    }

    /// Whether a tender published on `tender_on` comes late enough after the intention
    /// published on `intention_on`; else `intention_too_recent` with the earliest date.
    pub fn check_intention_lead(
        &self,
        intention_on: NaiveDate,
        tender_on: NaiveDate,
    ) -> Result<(), RuleViolation> {
        let earliest = self.earliest_tender_after_intention(intention_on);
        if tender_on >= earliest {
            return Ok(());
        }
        Err(RuleViolation::new(
            "intention_too_recent",
            format!(
                "采购意向公开（{intention}）满{n}日后方可发布采购公告，最早为{earliest}，现为{tender}",
                intention = zh_date(intention_on),
                n = self.intention_lead_days,
                earliest = zh_date(earliest),
                tender = zh_date(tender_on),
            ),
        ))
    }

    /// Whether a 综合评分法 price weight lies within the bounds (both inclusive); else
    /// `price_weight_out_of_bounds`.
    pub fn check_price_weight(&self, w: Decimal) -> Result<(), RuleViolation> {
        if self.price_weight_min <= w && w <= self.price_weight_max {
            return Ok(());
        }
        Err(RuleViolation::new(
            "price_weight_out_of_bounds",
            format!(
                "综合评分法中价格分的权重应在{min}至{max}之间（含），现为{w}",
                min = percent(self.price_weight_min),
                max = percent(self.price_weight_max),
                w = percent(w),
            ),
        ))
    }

    /// Whether a service period `[start, end]` (both days included) is allowed:
    /// `service_end_before_start` when `end < start`; `term_too_long` beyond
    /// `max_term_months_justified` months; `term_needs_justification` beyond
    /// `max_term_months` months without a non-blank justification.
    ///
    /// Months follow 民法典 第二百零二条: a period of N months that begins on `start` ends on the
    /// day of the N-th month after that corresponds to the day before `start`, or on that
    /// month's last day when it has no such day. So `[start, end]` spans at most N months when
    /// `end <= (start - 1 day) + N months`: 2026-01-01..2026-12-31 is 12 months,
    /// 2026-01-01..2027-01-01 is more, and 2024-02-29..2025-02-28 is 12 months. See
    /// [`spans_at_most_months`].
    pub fn check_term(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        justification: Option<&str>,
    ) -> Result<(), RuleViolation> {
        if end < start {
            return Err(RuleViolation::new(
                "service_end_before_start",
                format!(
                    "服务期结束日期（{}）早于开始日期（{}）",
                    zh_date(end),
                    zh_date(start)
                ),
            ));
        }
        let period = format!("服务期（{}至{}）", zh_date(start), zh_date(end));
        if !spans_at_most_months(start, end, self.max_term_months_justified) {
            return Err(RuleViolation::new(
                "term_too_long",
                format!(
                    "{period}超过{}个月；服务期最长不得超过{}个月",
                    self.max_term_months_justified, self.max_term_months_justified
                ),
            ));
        }
        let justified = justification.is_some_and(|text| !text.trim().is_empty());
        if !justified && !spans_at_most_months(start, end, self.max_term_months) {
            return Err(RuleViolation::new(
                "term_needs_justification",
                format!(
                    "{period}超过{}个月，须说明理由（最长{}个月）",
                    self.max_term_months, self.max_term_months_justified
                ),
            ));
        }
        Ok(())
    }

    /// The last day to publish the result notice of an award decided on `award_on`: the
    /// `award_notice_working_days`-th working day after it.
    pub fn award_notice_due(&self, calendar: &Calendar, award_on: NaiveDate) -> NaiveDate {
        calendar.add_working_days(award_on, self.award_notice_working_days)
    }

    /// The last day of the notice period of a result notice published on `notice_on`: the
    /// `award_notice_period_working_days`-th working day after it.
    pub fn notice_period_end(&self, calendar: &Calendar, notice_on: NaiveDate) -> NaiveDate {
        calendar.add_working_days(notice_on, self.award_notice_period_working_days)
    }

    /// The last day a bidder may challenge a result notice published on `notice_on`: the
    /// `challenge_working_days`-th working day after the notice period ends.
    pub fn challenge_deadline(&self, calendar: &Calendar, notice_on: NaiveDate) -> NaiveDate {
        let period_end = self.notice_period_end(calendar, notice_on);
        calendar.add_working_days(period_end, self.challenge_working_days)
    }

    /// The last day to answer a challenge filed on `filed_on`: the
    /// `challenge_answer_working_days`-th working day after it.
    pub fn challenge_answer_due(&self, calendar: &Calendar, filed_on: NaiveDate) -> NaiveDate {
        calendar.add_working_days(filed_on, self.challenge_answer_working_days)
    }

    /// The last day to sign the contract after an award notice published on `notice_on`:
    /// `contract_signing_days` calendar days after it.
    pub fn signing_deadline(&self, notice_on: NaiveDate) -> NaiveDate {
        add_calendar_days(notice_on, self.contract_signing_days)
    }

    /// The last day to publish the contract notice of a contract signed on `signed_on`: the
    /// `contract_notice_working_days`-th working day after it.
    pub fn contract_notice_due(&self, calendar: &Calendar, signed_on: NaiveDate) -> NaiveDate {
        calendar.add_working_days(signed_on, self.contract_notice_working_days)
    }
}

/// Whether the period `[start, end]` (both days included, `start <= end`) spans at most
/// `months` months: `end <= (start - 1 day) + months`, where adding months lands on the
/// month's last day when the day does not exist in it (民法典 第二百零二条). Dates beyond the
/// representable range count as within.
pub fn spans_at_most_months(start: NaiveDate, end: NaiveDate, months: u32) -> bool {
    match start
        .pred_opt()
        .and_then(|before| before.checked_add_months(Months::new(months)))
    {
        Some(last_day) => end <= last_day,
        None => true,
    }
}

/// `date + n` calendar days, saturating at [`NaiveDate::MAX`].
fn add_calendar_days(date: NaiveDate, n: u32) -> NaiveDate {
    date.checked_add_days(Days::new(u64::from(n)))
        .unwrap_or(NaiveDate::MAX)
}

/// `2026年2月24日`.
fn zh_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// `0.10` → `10%`, `0.105` → `10.5%`.
fn percent(w: Decimal) -> String {
    match w.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!("{}%", p.normalize()),
        None => w.to_string(),
    }
}

/// `1 <= value <= max`, else an error naming `key`.
fn check_range(key: &str, value: u32, max: u32) -> Result<(), RulesError> {
    if value < 1 {
        return Err(RulesError::new(key, "must be at least 1"));
    }
    if value > max {
        return Err(RulesError::new(key, format!("must not exceed {max}")));
    }
    Ok(())
}

/// A decimal written as a TOML string (`"0.10"`); a TOML float is refused so that weights
/// never pass through `f64`.
fn decimal_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let text = String::deserialize(deserializer)?;
    Decimal::from_str(text.trim())
        .map_err(|e| serde::de::Error::custom(format!("{text:?} is not a decimal number ({e})")))
}

/// A TOML syntax error, with its line and column.
fn syntax_error(text: &str, error: &toml::de::Error) -> RulesError {
    let position = error
        .span()
        .and_then(|span| text.get(..span.start))
        .map(|before| {
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("line {line}, column {column}: ")
        })
        .unwrap_or_default();
    RulesError::new("(syntax)", format!("{position}{}", error.message().trim()))
}

/// A deserialization error at `path`; a missing field is named in the key itself.
fn data_error(path: &str, message: &str) -> RulesError {
    let message = message.trim();
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    let key = match (path, missing) {
        (".", Some(field)) => field.to_owned(),
        (_, Some(field)) => format!("{path}.{field}"),
        (".", None) => "(root)".to_owned(),
        (_, None) => path.to_owned(),
    };
    RulesError::new(key, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;
    use rust_decimal::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn cal() -> Calendar {
        Calendar::embedded().expect("embedded calendars are valid")
    }

    fn rules() -> ProcurementRules {
        ProcurementRules::embedded().expect("embedded rules are valid")
    }

    /// The embedded rules file with one edit applied, parsed again.
    fn with(edit: impl FnOnce(&mut toml::Table)) -> Result<ProcurementRules, RulesError> {
        let mut table: toml::Table = toml::from_str(DEFAULT_TOML).expect("embedded TOML");
        edit(&mut table);
        ProcurementRules::from_toml(&toml::to_string(&table).expect("serialize"))
    }

    fn method_table<'a>(table: &'a mut toml::Table, code: &str) -> &'a mut toml::Table {
        table
            .get_mut("methods")
            .and_then(toml::Value::as_table_mut)
            .and_then(|methods| methods.get_mut(code))
            .and_then(toml::Value::as_table_mut)
            .expect("method table")
    }

    fn key_of(result: Result<ProcurementRules, RulesError>) -> RulesError {
        result.expect_err("rules should be refused")
    }

    /// For a tender of `method` published on `published`, the earliest deadline is
    /// `earliest`: the day before is refused, the day itself and the day after are allowed.
    fn check_boundary(method: &str, published: NaiveDate, earliest: NaiveDate) {
        let (r, c) = (rules(), cal());
        assert_eq!(
            r.earliest_deadline(&c, method, published),
            Some(earliest),
            "{method} published {published} {}",
            published.weekday()
        );
        let before = earliest.pred_opt().expect("date");
        let violation = r
            .check_tender_period(&c, method, published, before)
            .expect_err("the day before the earliest deadline is refused");
        assert_eq!(violation.rule, "tender_period_too_short", "{method}");
        let label = &r.method(method).expect("method").label;
        assert!(violation.message.contains(label.as_str()), "{violation}");
        assert!(
            violation.message.contains(&zh_date(earliest)),
            "{violation}"
        );
        assert_eq!(
            r.check_tender_period(&c, method, published, earliest),
            Ok(()),
            "{method} published {published}, deadline {earliest}"
        );
        let after = earliest.succ_opt().expect("date");
        assert_eq!(
            r.check_tender_period(&c, method, published, after),
            Ok(()),
            "{method} published {published}, deadline {after}"
        );
    }

    // ---------------------------------------------------------------- loading

    #[test]
    fn embedded_rules_match_domain_table() {
        let r = rules();
        let expected = [
            ("open_tender", "公开招标", 20, DayKind::Calendar, 3, false),
            ("invited_tender", "邀请招标", 20, DayKind::Calendar, 3, true),
            (
                "competitive_negotiation",
                "竞争性谈判",
                3,
                DayKind::Working,
                3,
                false,
            ),
            (
                "competitive_consultation",
                "竞争性磋商",
                10,
                DayKind::Calendar,
                2,
                false,
            ),
            ("inquiry", "询价", 3, DayKind::Working, 3, false),
            ("single_source", "单一来源", 5, DayKind::Working, 1, true),
        ];
        assert_eq!(r.methods.len(), METHOD_CODES.len());
        for (code, label, days, kind, suppliers, invitation) in expected {
            assert_eq!(
                r.method(code),
                Some(&MethodRule {
                    label: label.to_owned(),
                    min_period_days: days,
                    day_kind: kind,
                    min_suppliers: suppliers,
                    invitation,
                }),
                "{code}"
            );
        }
        assert_eq!(r.method("auction"), None);
        assert_eq!(r.intention_lead_days, 30);
        assert_eq!((r.max_term_months, r.max_term_months_justified), (12, 36));
        assert_eq!(
            (r.price_weight_min, r.price_weight_max),
            (dec!(0.10), dec!(0.30))
        );
        assert_eq!(r.award_notice_working_days, 2);
        assert_eq!(r.award_notice_period_working_days, 1);
        assert_eq!(r.challenge_working_days, 7);
        assert_eq!(r.challenge_answer_working_days, 7);
        assert_eq!(r.contract_signing_days, 30);
        assert_eq!(r.contract_notice_working_days, 2);
    }

    #[test]
    fn overridden_values_take_effect() {
        let r = with(|t| {
            method_table(t, "inquiry").insert("min_period_days".into(), 5.into());
            t.insert("price_weight_max".into(), "0.5".into());
        })
        .expect("valid");
        let c = cal();
        // Ordinary week: Wed 2026-03-11 + 5 working days = Wed 3/18.
        assert_eq!(
            r.earliest_deadline(&c, "inquiry", d(2026, 3, 11)),
            Some(d(2026, 3, 18))
        );
        assert_eq!(r.check_price_weight(dec!(0.5)), Ok(()));
    }

    #[test]
    fn invalid_toml_is_a_syntax_error_with_position() {
        let err = ProcurementRules::from_toml("intention_lead_days = = 30\n").expect_err("bad");
        assert_eq!(err.key, "(syntax)");
        assert!(err.message.starts_with("line 1, column "), "{err}");
        let err = ProcurementRules::from_toml("max_term_months = 12\n[methods\n").expect_err("bad");
        assert_eq!(err.key, "(syntax)");
        assert!(err.message.starts_with("line 2, "), "{err}");
    }

    #[test]
    fn missing_method_is_named() {
        let err = key_of(with(|t| {
            t.get_mut("methods")
                .and_then(toml::Value::as_table_mut)
                .expect("methods")
                .remove("inquiry");
        }));
        assert_eq!(err.key, "methods.inquiry");
        assert!(err.message.contains("missing"), "{err}");
        assert!(
            err.to_string().contains("methods.inquiry: missing"),
            "{err}"
        );
    }

    #[test]
    fn unknown_method_is_named() {
        let err = key_of(with(|t| {
            let inquiry = method_table(t, "inquiry").clone();
            t.get_mut("methods")
                .and_then(toml::Value::as_table_mut)
                .expect("methods")
                .insert("auction".into(), inquiry.into());
        }));
        assert_eq!(err.key, "methods.auction");
        assert!(err.message.contains("unknown method"), "{err}");
    }

    #[test]
    fn weights_out_of_order_or_bounds_are_named() {
        let err = key_of(with(|t| {
            t.insert("price_weight_min".into(), "0.30".into());
            t.insert("price_weight_max".into(), "0.10".into());
        }));
        assert_eq!(err.key, "price_weight_min");
        assert!(err.message.contains("price_weight_max"), "{err}");
        let err = key_of(with(|t| {
            t.insert("price_weight_min".into(), "0".into());
        }));
        assert_eq!(err.key, "price_weight_min");
        let err = key_of(with(|t| {
            t.insert("price_weight_max".into(), "1.01".into());
        }));
        assert_eq!(err.key, "price_weight_max");
        // min = max is allowed, and so is 1.
        with(|t| {
            t.insert("price_weight_min".into(), "0.2".into());
            t.insert("price_weight_max".into(), "0.20".into());
        })
        .expect("equal bounds");
        with(|t| {
            t.insert("price_weight_max".into(), "1".into());
        })
        .expect("max 1");
    }

    #[test]
    fn weights_must_be_decimal_strings() {
        let err = key_of(with(|t| {
            t.insert("price_weight_min".into(), 0.1.into());
        }));
        assert_eq!(err.key, "price_weight_min");
        let err = key_of(with(|t| {
            t.insert("price_weight_max".into(), "thirty percent".into());
        }));
        assert_eq!(err.key, "price_weight_max");
        assert!(err.message.contains("thirty percent"), "{err}");
    }

    #[test]
    fn method_values_are_named() {
        let err = key_of(with(|t| {
            method_table(t, "inquiry").insert("min_period_days".into(), 0.into());
        }));
        assert_eq!(err.key, "methods.inquiry.min_period_days");
        assert_eq!(err.message, "must be at least 1");
        assert_eq!(
            err.to_string(),
            "procurement rules: methods.inquiry.min_period_days: must be at least 1"
        );
        let err = key_of(with(|t| {
            method_table(t, "single_source").insert("min_suppliers".into(), 0.into());
        }));
        assert_eq!(err.key, "methods.single_source.min_suppliers");
        let err = key_of(with(|t| {
            method_table(t, "open_tender").insert("day_kind".into(), "weekly".into());
        }));
        assert_eq!(err.key, "methods.open_tender.day_kind");
        let err = key_of(with(|t| {
            method_table(t, "open_tender").insert("min_period_days".into(), (-1).into());
        }));
        assert_eq!(err.key, "methods.open_tender.min_period_days");
        let err = key_of(with(|t| {
            method_table(t, "open_tender").insert("min_period_days".into(), "20".into());
        }));
        assert_eq!(err.key, "methods.open_tender.min_period_days");
        let err = key_of(with(|t| {
            method_table(t, "open_tender").insert("min_period_days".into(), 100_000.into());
        }));
        assert_eq!(err.key, "methods.open_tender.min_period_days");
        let err = key_of(with(|t| {
            method_table(t, "invited_tender").insert("label".into(), " ".into());
        }));
        assert_eq!(err.key, "methods.invited_tender.label");
        let err = key_of(with(|t| {
            method_table(t, "invited_tender").remove("invitation");
        }));
        assert_eq!(err.key, "methods.invited_tender.invitation");
        let err = key_of(with(|t| {
            method_table(t, "invited_tender").insert("colour".into(), "red".into());
        }));
        assert!(err.key.starts_with("methods.invited_tender"), "{err}");
        assert!(err.message.contains("colour"), "{err}");
    }

    #[test]
    fn top_level_values_are_named() {
        let err = key_of(with(|t| {
            t.remove("challenge_working_days");
        }));
        assert_eq!(err.key, "challenge_working_days");
        let err = key_of(with(|t| {
            t.remove("methods");
        }));
        assert_eq!(err.key, "methods");
        let err = key_of(with(|t| {
            t.insert("intention_lead_days".into(), 0.into());
        }));
        assert_eq!(err.key, "intention_lead_days");
        let err = key_of(with(|t| {
            t.insert("contract_signing_days".into(), "30".into());
        }));
        assert_eq!(err.key, "contract_signing_days");
        let err = key_of(with(|t| {
            t.insert("max_term_months_justified".into(), 6.into());
        }));
        assert_eq!(err.key, "max_term_months_justified");
        let err = key_of(with(|t| {
            t.insert("intention_lead_dayz".into(), 30.into());
        }));
        assert!(err.message.contains("intention_lead_dayz"), "{err}");
    }

    // --------------------------------------------------------- tender period

    #[test]
    fn tender_period_ordinary_week() {
        // Wed 2026-03-11; no holiday in March 2026.
        let wed = d(2026, 3, 11);
        assert_eq!(wed.weekday(), Weekday::Wed);
        check_boundary("open_tender", wed, d(2026, 3, 31));
        check_boundary("invited_tender", wed, d(2026, 3, 31));
        check_boundary("competitive_consultation", wed, d(2026, 3, 21)); // a Saturday
        // Thu 3/12, Fri 3/13, Mon 3/16.
        check_boundary("competitive_negotiation", wed, d(2026, 3, 16));
        check_boundary("inquiry", wed, d(2026, 3, 16));
        // Thu 3/12, Fri 3/13, Mon 3/16, Tue 3/17, Wed 3/18.
        check_boundary("single_source", wed, d(2026, 3, 18));
    }

    #[test]
    fn tender_period_before_spring_festival() {
        // 春节 2026: off Sun 2/15 – Mon 2/23; Sat 2/14 and Sat 2/28 are working days.
        let thu = d(2026, 2, 12);
        assert_eq!(thu.weekday(), Weekday::Thu);
        // Fri 2/13, Sat 2/14 (调休), Tue 2/24.
        check_boundary("inquiry", thu, d(2026, 2, 24));
        check_boundary("competitive_negotiation", thu, d(2026, 2, 24));
        // … then Wed 2/25, Thu 2/26.
        check_boundary("single_source", thu, d(2026, 2, 26));
        // Calendar days run through the festival.
        check_boundary("open_tender", d(2026, 2, 10), d(2026, 3, 2));
        check_boundary("invited_tender", d(2026, 2, 10), d(2026, 3, 2));
        check_boundary("open_tender", thu, d(2026, 3, 4));
        check_boundary("competitive_consultation", thu, d(2026, 2, 22)); // inside the festival
        let r = rules();
        let violation = r
            .check_tender_period(&cal(), "inquiry", thu, d(2026, 2, 23))
            .expect_err("2/23 is too early");
        assert_eq!(
            violation.message,
            "询价自发布之日（2026年2月12日）起至截止之日不得少于3个工作日，截止日期最早为2026年2月24日，现为2026年2月23日"
        );
        let violation = r
            .check_tender_period(&cal(), "open_tender", d(2026, 2, 10), d(2026, 3, 1))
            .expect_err("3/1 is too early");
        assert!(violation.message.contains("不得少于20日"), "{violation}");
    }

    #[test]
    fn tender_period_across_labour_day_and_its_saturday() {
        // 劳动节 2026: off Fri 5/1 – Tue 5/5; Sat 5/9 is a working day.
        let thu = d(2026, 4, 30);
        assert_eq!(thu.weekday(), Weekday::Thu);
        // Wed 5/6, Thu 5/7, Fri 5/8.
        check_boundary("competitive_negotiation", thu, d(2026, 5, 8));
        check_boundary("inquiry", thu, d(2026, 5, 8));
        // … then Sat 5/9 (调休), Mon 5/11.
        check_boundary("single_source", thu, d(2026, 5, 11));
        check_boundary("open_tender", thu, d(2026, 5, 20));
        check_boundary("invited_tender", thu, d(2026, 5, 20));
        check_boundary("competitive_consultation", thu, d(2026, 5, 10));

        let wed = d(2026, 5, 6);
        assert_eq!(wed.weekday(), Weekday::Wed);
        // Thu 5/7, Fri 5/8, Sat 5/9 (调休).
        check_boundary("competitive_negotiation", wed, d(2026, 5, 9));
        check_boundary("inquiry", wed, d(2026, 5, 9));
        // … then Mon 5/11, Tue 5/12.
        check_boundary("single_source", wed, d(2026, 5, 12));
        check_boundary("open_tender", wed, d(2026, 5, 26));
        check_boundary("competitive_consultation", wed, d(2026, 5, 16));

        // Fri 5/8: Sat 5/9 (调休), Mon 5/11, Tue 5/12.
        check_boundary("inquiry", d(2026, 5, 8), d(2026, 5, 12));
    }

    #[test]
    fn tender_period_across_national_day() {
        // 国庆 2026: off Thu 10/1 – Wed 10/7; Sat 10/10 works.
        // Tue 9/29: Wed 9/30, Thu 10/8, Fri 10/9, Sat 10/10, Mon 10/12.
        check_boundary("single_source", d(2026, 9, 29), d(2026, 10, 12));
        check_boundary("inquiry", d(2026, 9, 29), d(2026, 10, 9));
    }

    #[test]
    fn unknown_method() {
        let (r, c) = (rules(), cal());
        assert_eq!(r.earliest_deadline(&c, "auction", d(2026, 3, 11)), None);
        let violation = r
            .check_tender_period(&c, "auction", d(2026, 3, 11), d(2026, 12, 31))
            .expect_err("unknown method");
        assert_eq!(violation.rule, "unknown_procurement_method");
        assert!(violation.message.contains("auction"), "{violation}");
    }

    // ------------------------------------------------------------- intention

    #[test]
    fn intention_lead_is_thirty_calendar_days() {
        let r = rules();
        let intention = d(2026, 3, 1);
        assert_eq!(r.earliest_tender_after_intention(intention), d(2026, 3, 31));
        let violation = r
            .check_intention_lead(intention, d(2026, 3, 30)) // 29 days
            .expect_err("29 days is too soon");
        assert_eq!(violation.rule, "intention_too_recent");
        assert!(violation.message.contains("2026年3月31日"), "{violation}");
        assert_eq!(r.check_intention_lead(intention, d(2026, 3, 31)), Ok(())); // 30
        assert_eq!(r.check_intention_lead(intention, d(2026, 4, 1)), Ok(())); // 31
        // Calendar days, even across the Spring Festival: 1/31 + 30 = 3/2.
        assert_eq!(
            r.earliest_tender_after_intention(d(2026, 1, 31)),
            d(2026, 3, 2)
        );
        assert!(
            r.check_intention_lead(d(2026, 1, 31), d(2026, 3, 1))
                .is_err()
        );
        // A tender before the intention is refused too.
        assert!(r.check_intention_lead(intention, d(2026, 2, 1)).is_err());
    }

    // ---------------------------------------------------------- price weight

    #[test]
    fn price_weight_bounds_are_inclusive() {
        let r = rules();
        let violation = r.check_price_weight(dec!(0.09)).expect_err("9%");
        assert_eq!(violation.rule, "price_weight_out_of_bounds");
        assert_eq!(
            violation.message,
            "综合评分法中价格分的权重应在10%至30%之间（含），现为9%"
        );
        assert_eq!(r.check_price_weight(dec!(0.10)), Ok(()));
        assert_eq!(r.check_price_weight(dec!(0.1)), Ok(()));
        assert_eq!(r.check_price_weight(dec!(0.2)), Ok(()));
        assert_eq!(r.check_price_weight(dec!(0.30)), Ok(()));
        assert_eq!(r.check_price_weight(dec!(0.300)), Ok(()));
        let violation = r.check_price_weight(dec!(0.31)).expect_err("31%");
        assert!(violation.message.ends_with("现为31%"), "{violation}");
        assert!(r.check_price_weight(dec!(0.0999)).is_err());
        assert!(r.check_price_weight(dec!(0.3001)).is_err());
        assert!(r.check_price_weight(dec!(-0.2)).is_err());
        assert!(r.check_price_weight(Decimal::MAX).is_err());
    }

    // ------------------------------------------------------------------ term

    #[test]
    fn term_limits() {
        let r = rules();
        let start = d(2026, 1, 1);
        // 12 months exactly.
        assert_eq!(r.check_term(start, d(2026, 12, 31), None), Ok(()));
        // 12 months + 1 day: needs a (non-blank) justification.
        let end = d(2027, 1, 1);
        for blank in [None, Some(""), Some("  \n")] {
            let violation = r.check_term(start, end, blank).expect_err("unjustified");
            assert_eq!(violation.rule, "term_needs_justification", "{blank:?}");
        }
        assert_eq!(
            r.check_term(start, end, Some("跨年度连续服务，避免服务中断")),
            Ok(())
        );
        // 36 months exactly: allowed with a justification only.
        let end = d(2028, 12, 31);
        assert_eq!(r.check_term(start, end, Some("三年服务周期")), Ok(()));
        assert_eq!(
            r.check_term(start, end, None).map_err(|v| v.rule),
            Err("term_needs_justification")
        );
        // 36 months + 1 day: never.
        let end = d(2029, 1, 1);
        for justification in [None, Some("三年服务周期")] {
            let violation = r
                .check_term(start, end, justification)
                .expect_err("too long");
            assert_eq!(violation.rule, "term_too_long");
            assert!(violation.message.contains("36个月"), "{violation}");
        }
        // End before start; a one-day term is fine.
        let violation = r
            .check_term(start, d(2025, 12, 31), Some("x"))
            .expect_err("reversed");
        assert_eq!(violation.rule, "service_end_before_start");
        assert_eq!(r.check_term(start, start, None), Ok(()));
    }

    #[test]
    fn term_months_mid_month_and_month_end() {
        let r = rules();
        // Mid-month start: 3/15 .. next 3/14 is 12 months, .. 3/15 is more.
        assert_eq!(r.check_term(d(2026, 3, 15), d(2027, 3, 14), None), Ok(()));
        assert!(r.check_term(d(2026, 3, 15), d(2027, 3, 15), None).is_err());
        // A start on 2/29: the year ends on 2/28 (no 2/29 in 2025).
        assert_eq!(r.check_term(d(2024, 2, 29), d(2025, 2, 28), None), Ok(()));
        assert!(r.check_term(d(2024, 2, 29), d(2025, 3, 1), None).is_err());
        // Start 3/1: the day before is 2/29 (2024) or 2/28 (2026).
        assert_eq!(r.check_term(d(2024, 3, 1), d(2025, 2, 28), None), Ok(()));
        assert!(r.check_term(d(2024, 3, 1), d(2025, 3, 1), None).is_err());
        assert_eq!(r.check_term(d(2026, 3, 1), d(2027, 2, 28), None), Ok(()));
        assert!(r.check_term(d(2026, 3, 1), d(2027, 3, 1), None).is_err());
        // One month with month-end starts.
        assert!(spans_at_most_months(d(2026, 1, 31), d(2026, 2, 28), 1)); // to the month end
        assert!(!spans_at_most_months(d(2026, 1, 31), d(2026, 3, 1), 1));
        assert!(spans_at_most_months(d(2026, 3, 31), d(2026, 4, 30), 1));
        assert!(!spans_at_most_months(d(2026, 3, 30), d(2026, 4, 30), 1));
        assert!(spans_at_most_months(d(2026, 3, 30), d(2026, 4, 29), 1));
        assert!(spans_at_most_months(d(2026, 1, 1), d(2026, 1, 31), 1));
        assert!(!spans_at_most_months(d(2026, 1, 1), d(2026, 2, 1), 1));
        // Out of the representable range: within.
        assert!(spans_at_most_months(NaiveDate::MIN, d(2026, 1, 1), 12));
        assert!(spans_at_most_months(
            d(2026, 1, 1),
            NaiveDate::MAX,
            u32::MAX
        ));
    }

    // ---------------------------------------------- award and after the award

    #[test]
    fn award_challenge_and_contract_dates_across_mid_autumn_and_national_day() {
        // 中秋 2026: off Fri 9/25 – Sun 9/27; 国庆: off Thu 10/1 – Wed 10/7;
        // Sun 9/20 and Sat 10/10 are working days.
        let (r, c) = (rules(), cal());
        let notice = d(2026, 9, 24);
        assert_eq!(notice.weekday(), Weekday::Thu);
        assert_eq!(r.notice_period_end(&c, notice), d(2026, 9, 28)); // Mon
        // After 9/28: 9/29, 9/30, 10/8, 10/9, 10/10 (Sat), 10/12, 10/13.
        assert_eq!(r.challenge_deadline(&c, notice), d(2026, 10, 13));
        // Award decided Wed 9/23: Thu 9/24, Mon 9/28.
        assert_eq!(r.award_notice_due(&c, d(2026, 9, 23)), d(2026, 9, 28));
        // Award decided Fri 9/18: Sun 9/20 (调休), Mon 9/21.
        assert_eq!(r.award_notice_due(&c, d(2026, 9, 18)), d(2026, 9, 21));
        // Award decided Wed 9/30: Thu 10/8, Fri 10/9.
        assert_eq!(r.award_notice_due(&c, d(2026, 9, 30)), d(2026, 10, 9));
        // Notice on Wed 9/30: period ends Thu 10/8; challenges until
        // 10/9, 10/10, 10/12, 10/13, 10/14, 10/15, 10/16.
        assert_eq!(r.notice_period_end(&c, d(2026, 9, 30)), d(2026, 10, 8));
        assert_eq!(r.challenge_deadline(&c, d(2026, 9, 30)), d(2026, 10, 16));
        // A challenge filed Tue 9/29: 9/30, 10/8, 10/9, 10/10, 10/12, 10/13, 10/14.
        assert_eq!(r.challenge_answer_due(&c, d(2026, 9, 29)), d(2026, 10, 14));
        // Signing: 30 calendar days after the notice.
        assert_eq!(r.signing_deadline(notice), d(2026, 10, 24));
        // Signed Wed 9/30: contract notice by Thu 10/8, Fri 10/9.
        assert_eq!(r.contract_notice_due(&c, d(2026, 9, 30)), d(2026, 10, 9));
    }

    #[test]
    fn award_dates_ordinary_week_and_other_holidays() {
        let (r, c) = (rules(), cal());
        // Award Mon 3/16 → notice by Wed 3/18; on view until Thu 3/19; challenges after
        // 3/19: 3/20, 3/23, 3/24, 3/25, 3/26, 3/27, 3/30.
        assert_eq!(r.award_notice_due(&c, d(2026, 3, 16)), d(2026, 3, 18));
        assert_eq!(r.notice_period_end(&c, d(2026, 3, 18)), d(2026, 3, 19));
        assert_eq!(r.challenge_deadline(&c, d(2026, 3, 18)), d(2026, 3, 30));
        // Notice Fri 3/20: period ends Mon 3/23.
        assert_eq!(r.notice_period_end(&c, d(2026, 3, 20)), d(2026, 3, 23));
        // Challenge filed Fri 2/13: 2/14 (Sat 调休), 2/24, 2/25, 2/26, 2/27, 2/28 (Sat 调休), 3/2.
        assert_eq!(r.challenge_answer_due(&c, d(2026, 2, 13)), d(2026, 3, 2));
        // Signed Thu 4/30: contract notice by Wed 5/6, Thu 5/7.
        assert_eq!(r.contract_notice_due(&c, d(2026, 4, 30)), d(2026, 5, 7));
        // Signing deadline across a month end and a year end.
        assert_eq!(r.signing_deadline(d(2026, 1, 31)), d(2026, 3, 2));
        assert_eq!(r.signing_deadline(d(2026, 12, 15)), d(2027, 1, 14));
        // Saturates instead of overflowing.
        assert_eq!(r.signing_deadline(NaiveDate::MAX), NaiveDate::MAX);
    }

    #[test]
    fn violation_becomes_app_error_rule() {
        let violation = rules().check_price_weight(dec!(0.5)).expect_err("50%");
        let message = violation.message.clone();
        match AppError::from(violation) {
            AppError::Rule { rule, message: m } => {
                assert_eq!(rule, "price_weight_out_of_bounds");
                assert_eq!(m, message);
            }
            other => panic!("expected AppError::Rule, got {other:?}"),
        }
    }
}
