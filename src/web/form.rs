//! Forms of the workspace: reading a submitted form, parsing its fields with Chinese messages,
//! and the [`FormState`] a page re-renders with — the user's input as typed, each field's
//! errors next to it, and the errors that belong to no field (a refused rule) above the form.
//!
//! Field names are the JSON API's names (`budget_amount`, `service_start`, `targets[0].value`),
//! so the field errors a service returns land next to the right input unchanged.
//!
//! How a page handler uses it:
//! 1. `CsrfForm<FormData>` reads and checks the form;
//! 2. `let mut form = FormState::from_data(&data);` then parse each field
//!    (`form.money("budget_amount")`, `form.date("service_start")`, …), which records errors;
//! 3. if `form.is_ok()`, build the service's input and call it; `form.absorb(error)?` turns a
//!    validation or rule refusal into messages (anything else stays an error page);
//! 4. on success redirect (`see_other`) with a flash message, otherwise render the page again
//!    with `form` (status 422, so nothing is cached and tests can tell).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Asia::Shanghai;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::domain::money::{from_fen, parse_amount};
use crate::error::{AppError, AppResult, FieldErrors};

/// The name of the confirmation checkbox of irreversible steps.
pub const CONFIRM_FIELD: &str = "confirm";

/// A submitted URL-encoded form: every `(name, value)` pair in order, so repeated names
/// (check boxes, rows of a table) keep all their values.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(from = "Vec<(String, String)>")]
pub struct FormData {
    pairs: Vec<(String, String)>,
}

impl From<Vec<(String, String)>> for FormData {
    fn from(pairs: Vec<(String, String)>) -> Self {
        FormData { pairs }
    }
}

impl FormData {
    /// The first value of `name`, trimmed; `""` when absent.
    pub fn text(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// Every non-empty value of `name`, trimmed, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(n, v)| n == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

/// A form as shown: values to fill in, errors by field, and errors of the whole form.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    values: HashMap<String, Vec<String>>,
    errors: FieldErrors,
    general: Vec<String>,
}

impl FormState {
    /// An empty form (first display).
    pub fn new() -> FormState {
        FormState::default()
    }

    /// A form pre-filled with `values` (e.g. an edit form from the stored record).
    pub fn with_values<K: Into<String>, V: Into<String>>(
        values: impl IntoIterator<Item = (K, V)>,
    ) -> FormState {
        let mut form = FormState::new();
        for (name, value) in values {
            form.values
                .entry(name.into())
                .or_default()
                .push(value.into());
        }
        form
    }

    /// The form as the user submitted it.
    pub fn from_data(data: &FormData) -> FormState {
        let mut form = FormState::new();
        for (name, value) in data.pairs() {
            if name == crate::web::csrf::FIELD {
                continue;
            }
            form.values
                .entry(name.clone())
                .or_default()
                .push(value.clone());
        }
        form
    }

    /// Sets a field's value (replacing what was there).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.values.insert(name.into(), vec![value.into()]);
    }

    /// The value to show in `name`'s input: what was typed or stored, else `""`.
    pub fn value(&self, name: &str) -> &str {
        self.values
            .get(name)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }

    /// Whether `value` is among `name`'s values (a ticked box, a selected option).
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.values
            .get(name)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }

    /// Every value of `name`.
    pub fn values(&self, name: &str) -> &[String] {
        self.values.get(name).map_or(&[], Vec::as_slice)
    }

    /// The messages of field `name`.
    pub fn errors(&self, name: &str) -> &[String] {
        self.errors.get(name).map_or(&[], Vec::as_slice)
    }

    /// Whether field `name` has errors.
    pub fn invalid(&self, name: &str) -> bool {
        !self.errors(name).is_empty()
    }

    /// Every field error, by field (to list the ones a page shows no input for).
    pub fn field_errors(&self) -> &FieldErrors {
        &self.errors
    }

    /// The field errors whose field is not one of `shown` (so that an error of a field the
    /// page has no input for is still visible).
    pub fn errors_except(&self, shown: &[&str]) -> Vec<String> {
        self.errors
            .iter()
            .filter(|(field, _)| !shown.contains(&field.as_str()))
            .flat_map(|(field, messages)| messages.iter().map(move |m| format!("{field}：{m}")))
            .collect()
    }

    /// Messages about the whole form (refused rules, states).
    pub fn general(&self) -> &[String] {
        &self.general
    }

    /// Whether anything was refused.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || !self.general.is_empty()
    }

    /// Whether nothing was refused.
    pub fn is_ok(&self) -> bool {
        !self.has_errors()
    }

    /// Records an error of field `name`.
    pub fn error(&mut self, name: impl Into<String>, message: impl Into<String>) {
        self.errors
            .entry(name.into())
            .or_default()
            .push(message.into());
    }

    /// Records an error of the whole form.
    pub fn general_error(&mut self, message: impl Into<String>) {
        self.general.push(message.into());
    }

    /// Turns a refusal by a service into messages: field errors next to their fields, a rule,
    /// a wrong state, a conflict or a refused permission above the form. Anything else
    /// (not found, internal) is returned as the error it is.
    pub fn absorb(&mut self, error: AppError) -> AppResult<()> {
        match error {
            AppError::Validation(fields) => {
                for (field, messages) in fields {
                    for message in messages {
                        self.error(field.clone(), message);
                    }
                }
                Ok(())
            }
            AppError::Rule { message, .. } => {
                self.general_error(message);
                Ok(())
            }
            AppError::InvalidState { from, action } => {
                self.general_error(format!(
                    "当前状态（{}）下不能执行该操作（{}），请刷新页面查看最新状态",
                    state_label(&from),
                    action
                ));
                Ok(())
            }
            AppError::Conflict(message) | AppError::Forbidden(message) => {
                self.general_error(message);
                Ok(())
            }
            AppError::BidsSealed => {
                self.general_error("开标前投标文件保密，任何人不得查看");
                Ok(())
            }
            other => Err(other),
        }
    }

    /// A required text field: trimmed, or an error `请填写{label}`.
    pub fn required(&mut self, data: &FormData, name: &str, label: &str) -> Option<String> {
        let text = data.text(name);
        if text.is_empty() {
            self.error(name, format!("请填写{label}"));
            None
        } else {
            Some(text.to_owned())
        }
    }

    /// An optional text field: `None` when blank.
    pub fn optional(&mut self, data: &FormData, name: &str) -> Option<String> {
        let text = data.text(name);
        (!text.is_empty()).then(|| text.to_owned())
    }

    /// A required amount in yuan: `1200000`, `1,200,000.00` or `¥1,200,000.00`; never negative.
    pub fn money(&mut self, data: &FormData, name: &str) -> Option<Decimal> {
        match parse_amount(data.text(name)) {
            Ok(amount) if amount < Decimal::ZERO => {
                self.error(name, "金额不能为负数");
                None
            }
            Ok(amount) => Some(amount),
            Err(error) => {
                self.error(name, error.message());
                None
            }
        }
    }

    /// A required date from a date input (`YYYY-MM-DD`).
    pub fn date(&mut self, data: &FormData, name: &str, label: &str) -> Option<NaiveDate> {
        let text = data.text(name);
        if text.is_empty() {
            self.error(name, format!("请选择{label}"));
            return None;
        }
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                self.error(
                    name,
                    format!("{label}格式无效：“{text}”（应为 年-月-日，如 2026-03-01）"),
                );
                None
            }
        }
    }

    /// A required Beijing time from a `datetime-local` input (`YYYY-MM-DDTHH:MM`), as UTC.
    pub fn shanghai_datetime(
        &mut self,
        data: &FormData,
        name: &str,
        label: &str,
    ) -> Option<NaiveDateTime> {
        let text = data.text(name);
        if text.is_empty() {
            self.error(name, format!("请选择{label}"));
            return None;
        }
        let parsed = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"));
        match parsed
            .ok()
            .and_then(|local| Shanghai.from_local_datetime(&local).single())
        {
            Some(time) => Some(time.naive_utc()),
            None => {
                self.error(
                    name,
                    format!("{label}格式无效：“{text}”（应为 年-月-日 时:分，北京时间）"),
                );
                None
            }
        }
    }

    /// A required whole number.
    pub fn integer(&mut self, data: &FormData, name: &str, label: &str) -> Option<i64> {
        let text = data.text(name);
        if text.is_empty() {
            self.error(name, format!("请填写{label}"));
            return None;
        }
        match text.replace(',', "").parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(name, format!("{label}应为整数：“{text}”"));
                None
            }
        }
    }

    /// A required decimal number that is not money (a score, a weight, a target value).
    pub fn decimal(&mut self, data: &FormData, name: &str, label: &str) -> Option<Decimal> {
        let text = data.text(name);
        if text.is_empty() {
            self.error(name, format!("请填写{label}"));
            return None;
        }
        match Decimal::from_str_exact(&text.replace(',', "")) {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(name, format!("{label}应为数字：“{text}”"));
                None
            }
        }
    }

    /// The confirmation box of an irreversible step: ticked, or an error next to it.
    pub fn confirmed(&mut self, data: &FormData) -> bool {
        if data.text(CONFIRM_FIELD) == "yes" {
            true
        } else {
            self.error(CONFIRM_FIELD, "此操作不可撤回，请勾选确认后再提交");
            false
        }
    }
}

/// Chinese label of a stored project, contract or other state code, for messages.
fn state_label(code: &str) -> String {
    crate::domain::project_status::ProjectStatus::parse(code)
        .map_or_else(|| code.to_owned(), |s| s.label().to_owned())
}

/// An amount in 分 as a money input shows it: `1,200,000.00` (no `¥`).
pub fn money_input(fen: i64) -> String {
    crate::domain::money::format_yuan(from_fen(fen))
        .trim_start_matches('-')
        .trim_start_matches('¥')
        .to_owned()
}

/// A `303 See Other` to `location`, showing `flash` on the next page.
pub fn see_other(location: &str, flash: crate::web::flash::Flash) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .cookie(flash.cookie())
        .finish()
}

/// Options of a `<select>`: `(value, label)`.
pub type Options = Vec<(String, String)>;

#[cfg(test)]
mod tests {
    use super::*;

    fn data(pairs: &[(&str, &str)]) -> FormData {
        FormData::from(
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn money_accepts_separators_and_names_the_field_otherwise() {
        let d = data(&[
            ("a", "1,200,000.00"),
            ("b", "1,20,000"),
            ("c", "-5"),
            ("d", ""),
        ]);
        let mut form = FormState::from_data(&d);
        assert_eq!(
            form.money(&d, "a"),
            Some(Decimal::from_str_exact("1200000.00").expect("decimal"))
        );
        assert!(form.is_ok());
        assert_eq!(form.money(&d, "b"), None);
        assert!(form.errors("b")[0].contains("千位分隔符"));
        assert_eq!(form.money(&d, "c"), None);
        assert_eq!(form.errors("c"), ["金额不能为负数"]);
        assert_eq!(form.money(&d, "d"), None);
        assert_eq!(form.errors("d"), ["金额不能为空"]);
        assert_eq!(form.value("b"), "1,20,000", "the input is shown as typed");
    }

    #[test]
    fn dates_and_times_are_checked_and_converted_from_beijing_time() {
        let d = data(&[
            ("day", "2026-02-30"),
            ("ok", "2026-03-01"),
            ("at", "2026-03-02T09:30"),
        ]);
        let mut form = FormState::from_data(&d);
        assert_eq!(form.date(&d, "day", "开始日期"), None);
        assert!(form.errors("day")[0].starts_with("开始日期格式无效"));
        assert_eq!(
            form.date(&d, "ok", "x"),
            NaiveDate::from_ymd_opt(2026, 3, 1)
        );
        let at = form
            .shanghai_datetime(&d, "at", "截止时间")
            .expect("parsed");
        assert_eq!(at.to_string(), "2026-03-02 01:30:00");
        assert_eq!(form.date(&d, "missing", "结束日期"), None);
        assert_eq!(form.errors("missing"), ["请选择结束日期"]);
    }

    #[test]
    fn absorb_places_field_errors_and_rules_and_passes_other_errors_on() {
        let mut form = FormState::new();
        let mut fields = FieldErrors::new();
        fields.insert("title".into(), vec!["标题不能为空".into()]);
        form.absorb(AppError::Validation(fields)).expect("absorbed");
        form.absorb(AppError::rule("budget_exceeded", "预算不足"))
            .expect("absorbed");
        assert_eq!(form.errors("title"), ["标题不能为空"]);
        assert_eq!(form.general(), ["预算不足"]);
        assert!(form.absorb(AppError::NotFound("x".into())).is_err());
        assert_eq!(form.errors_except(&[]), ["title：标题不能为空"]);
        assert!(form.errors_except(&["title"]).is_empty());
    }

    #[test]
    fn confirmation_must_be_ticked() {
        let mut form = FormState::new();
        assert!(!form.confirmed(&data(&[])));
        assert!(form.invalid(CONFIRM_FIELD));
        let mut form = FormState::new();
        assert!(form.confirmed(&data(&[("confirm", "yes")])));
        assert!(form.is_ok());
    }

    #[test]
    fn money_inputs_show_separators_without_the_sign() {
        assert_eq!(money_input(120_000_000), "1,200,000.00");
        assert_eq!(money_input(1), "0.01");
    }

    #[test]
    fn repeated_fields_keep_every_value() {
        let d = data(&[("g", "elderly"), ("g", "children"), ("g", " ")]);
        assert_eq!(d.all("g"), ["elderly", "children"]);
        let form = FormState::from_data(&d);
        assert!(form.has("g", "children"));
        assert!(!form.has("g", "disabled"));
    }
}
