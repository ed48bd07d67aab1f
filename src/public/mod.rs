//! The public HTML site (信息公开, DOMAIN §8; issue 6 §1): server-rendered Chinese pages that
//! need no JavaScript and no login, readable on a phone.
//!
//! - [`home`]: `/` — newest notices and headline figures.
//! - [`notices`]: `/notices` (filtered, paginated list) and `/notices/{id}` (one notice).
//! - [`projects`]: `/projects/{id}` — the public timeline of one purchase.
//! - [`contractors`]: `/contractors/{id}` — a contractor's public record.
//! - [`stats`]: `/stats` — funds, methods, station coverage and disclosure timeliness, each an
//!   inline SVG bar chart ([`svg`]) with its table.
//! - [`assets`]: `/assets/public.css` — the style sheet every page links to.
//! - [`feed`]: `/feed.atom` — the newest notices as Atom 1.0.
//! - [`http_cache`]: every page carries a strong `ETag` and `Cache-Control` and answers
//!   `If-None-Match` with `304`.
//! - [`page_cache`]: the notice lists and the feed are answered from memory until the next
//!   publication (at most two seconds for publications by another instance).
//! - [`queries`]: the read-only queries of these pages (indexed, limited, aggregated in SQL).
//!
//! Templates live under `templates/public/`; askama escapes every value. Only notice bodies
//! (rendered by our own templates from escaped data) and the SVG charts (built from escaped
//! labels) are inserted unescaped.

pub mod assets;
pub mod contractors;
pub mod feed;
pub mod home;
pub mod http_cache;
pub mod notices;
pub mod page_cache;
pub mod page_writer;
pub mod project_pages;
pub mod projects;
pub mod queries;
pub mod stats;
pub mod svg;

use actix_web::web;
use askama::Template;
use chrono::{Datelike, NaiveDateTime, Timelike};
use chrono_tz::Asia::Shanghai;

use crate::domain::money::{format_yuan, from_fen};
use crate::error::{AppError, AppResult};

/// Registers the public pages. Paths with an id use `{id:\d+}`, so `/notices/{id}.pdf` (the
/// PDF route) is not shadowed; no scope is opened, so other routes under the same prefixes
/// keep working.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home::home)
        .service(notices::list)
        .service(notices::show)
        .service(projects::show)
        .service(contractors::show)
        .service(stats::show)
        .service(feed::atom)
        .service(assets::public_css);
}

/// Renders a template, mapping a rendering failure to a 500.
pub fn render(template: &impl Template) -> AppResult<String> {
    template.render().map_err(AppError::internal)
}

/// An amount in 分 as `¥1,234.50`.
pub fn yuan(fen: i64) -> String {
    format_yuan(from_fen(fen))
}

/// A UTC time as Asia/Shanghai `YYYY-MM-DD HH:MM`. Written with `format!` rather than a
/// strftime pattern, which chrono parses anew on every call (every notice page shows one).
pub fn shanghai_minutes(utc: NaiveDateTime) -> String {
    let local = utc.and_utc().with_timezone(&Shanghai).naive_local();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute()
    )
}

/// A UTC time as its Asia/Shanghai date `YYYY-MM-DD`.
pub fn shanghai_day(utc: NaiveDateTime) -> String {
    crate::clock::shanghai_date(utc).to_string()
}

/// Percent-encodes a query-string value (everything but RFC 3986 unreserved characters).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The Chinese name of a procurement method code, from the rules (the code when unknown).
pub fn method_label(rules: &crate::procurement::rules::ProcurementRules, code: &str) -> String {
    rules
        .method(code)
        .map_or_else(|| code.to_owned(), |rule| rule.label.clone())
}

/// The Chinese name of a service domain code (the code when unknown).
pub fn domain_label(code: &str) -> String {
    crate::catalog::domain_label(code).map_or_else(|| code.to_owned(), str::to_owned)
}

/// A share as a percentage with two decimals, half-up; `None` when nothing was counted.
pub fn percent(part: i64, whole: i64) -> Option<String> {
    if whole <= 0 {
        return None;
    }
    let value = rust_decimal::Decimal::from(part) * rust_decimal::Decimal::ONE_HUNDRED
        / rust_decimal::Decimal::from(whole);
    Some(format!(
        "{:.2}",
        crate::domain::money::round_half_up(value, 2)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode_query_value("abc-1_2.~"), "abc-1_2.~");
        assert_eq!(encode_query_value("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(encode_query_value("社工"), "%E7%A4%BE%E5%B7%A5");
    }

    #[test]
    fn times_are_shown_in_shanghai() {
        let t = NaiveDateTime::parse_from_str("2026-03-01 16:30:00", "%Y-%m-%d %H:%M:%S")
            .expect("time");
        assert_eq!(shanghai_minutes(t), "2026-03-02 00:30");
        assert_eq!(shanghai_day(t), "2026-03-02");
    }

    #[test]
    fn percentages_round_half_up() {
        assert_eq!(percent(2, 3).as_deref(), Some("66.67"));
        assert_eq!(percent(1, 8).as_deref(), Some("12.50"));
        assert_eq!(percent(0, 0), None);
        assert_eq!(yuan(123_456_789), "¥1,234,567.89");
    }
}
