//! Working-day calendar for mainland China.
//!
//! Legal deadlines in government procurement are counted in working days
//! (工作日). A working day is Monday to Friday, except the days off that the
//! State Council General Office announces each year (国务院办公厅节假日安排),
//! plus the 调休 weekend days that are declared working days in exchange.
//!
//! The arrangements are kept as one TOML file per year in `config/calendar`
//! (see `cn-2026.toml` for the format). Those files are embedded in the
//! binary; [`Calendar::load`] can additionally read a directory of files that
//! add new years or replace embedded ones, so a new year's notice can be
//! deployed without a rebuild. Years without a file count Monday to Friday.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound::{Excluded, Included};
use std::path::Path;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

/// The calendar files shipped with the crate: (name used in errors, contents).
const EMBEDDED: &[(&str, &str)] = &[
    (
        "config/calendar/cn-2025.toml",
        include_str!("../config/calendar/cn-2025.toml"),
    ),
    (
        "config/calendar/cn-2026.toml",
        include_str!("../config/calendar/cn-2026.toml"),
    ),
];

/// Working-day calendar (days off and 调休 working weekends per year).
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, YearData>,
}

/// The validated arrangement of one year.
#[derive(Debug, Clone, Default)]
struct YearData {
    /// Every day off, with the name of its holiday.
    off: BTreeMap<NaiveDate, String>,
    /// 调休 working weekend days (never also in `off`, always Sat/Sun).
    work: BTreeSet<NaiveDate>,
}

/// Errors while reading calendar files.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// The file is not valid TOML, does not have the expected structure, or
    /// contains a string that is not a `YYYY-MM-DD` date.
    #[error("calendar file {file}: {message}")]
    Parse {
        /// Name or path of the offending file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The file parses but its content is inconsistent: a date outside the
    /// file's year, a reversed `off` range, a day both off and working, …
    #[error("calendar file {file}: {message}")]
    Invalid {
        /// Name or path of the offending file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A calendar directory or file could not be read.
    #[error("calendar path {path}: {source}")]
    Io {
        /// The directory or file that could not be read.
        path: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// On-disk form of one year file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    #[serde(default)]
    holidays: Vec<HolidayFile>,
}

/// On-disk form of one `[[holidays]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayFile {
    name: String,
    /// First and last day off (inclusive), or a single day.
    off: Vec<String>,
    /// 调休 working weekend days.
    #[serde(default)]
    work: Vec<String>,
}

impl Calendar {
    /// The calendars shipped in config/calendar, embedded with include_str!("../config/calendar/cn-2025.toml") etc.
    pub fn embedded() -> Result<Self, CalendarError> {
        Self::from_toml_strs(EMBEDDED)
    }

    /// Parse several TOML documents (name used in errors). A later year file replaces an earlier one of the same year.
    pub fn from_toml_strs(files: &[(&str, &str)]) -> Result<Self, CalendarError> {
        let mut calendar = Self::default();
        for (name, text) in files {
            let (year, data) = parse_year_file(name, text)?;
            calendar.years.insert(year, data);
        }
        Ok(calendar)
    }

    /// The embedded calendars, then every `*.toml` in `dir` (if the dir exists) replacing the same years.
    ///
    /// Files are read in file-name order, so of two files in `dir` for the
    /// same year the one whose name sorts last wins. Other files are ignored.
    pub fn load(dir: Option<&Path>) -> Result<Self, CalendarError> {
        let mut calendar = Self::embedded()?;
        let Some(dir) = dir else {
            return Ok(calendar);
        };
        let io_err = |path: &Path, source| CalendarError::Io {
            path: path.display().to_string(),
            source,
        };
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(calendar),
            Err(e) => return Err(io_err(dir, e)),
        };
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| io_err(dir, e))?.path();
            if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
            let (year, data) = parse_year_file(&path.display().to_string(), &text)?;
            calendar.years.insert(year, data);
        }
        Ok(calendar)
    }

    /// Years that have data.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// true for Mon–Fri that are not days off, and for 调休 working weekend days. Years without a file: Mon–Fri.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.years.get(&date.year()) {
            Some(year) if year.work.contains(&date) => true,
            Some(year) if year.off.contains_key(&date) => false,
            _ => is_weekday(date),
        }
    }

    /// The n-th working day strictly after `date` (n = 0 returns `date` itself). Used for legal deadlines: "within 2 working days of X" = add_working_days(X, 2).
    ///
    /// Saturates at [`NaiveDate::MAX`].
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut current = date;
        let mut left = n;
        while left > 0 {
            match current.succ_opt() {
                Some(next) => current = next,
                None => return current,
            }
            if self.is_working_day(current) {
                left -= 1;
            }
        }
        current
    }

    /// Number of working days d with from < d <= to (0 when to <= from).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to <= from {
            return 0;
        }
        let mut count = weekdays_up_to(to) - weekdays_up_to(from);
        let range = (Excluded(from), Included(to));
        for (_, data) in self.years.range(from.year()..=to.year()) {
            count -= data
                .off
                .range(range)
                .filter(|(d, _)| is_weekday(**d))
                .count() as i64;
            count += data.work.range(range).filter(|d| !is_weekday(**d)).count() as i64;
        }
        count
    }

    /// Holiday name for a day off (e.g. "春节"), if any.
    pub fn holiday_name(&self, date: NaiveDate) -> Option<&str> {
        self.years
            .get(&date.year())?
            .off
            .get(&date)
            .map(String::as_str)
    }
}

/// Monday to Friday.
fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Number of Mondays–Fridays among the days numbered 1..=x from the common
/// era (0001-01-01, day 1, is a Monday); only differences are meaningful.
fn weekdays_up_to(date: NaiveDate) -> i64 {
    let x = i64::from(date.num_days_from_ce());
    5 * x.div_euclid(7) + x.rem_euclid(7).min(5)
}

/// Parse and validate one year file.
fn parse_year_file(file: &str, text: &str) -> Result<(i32, YearData), CalendarError> {
    let parse_err = |message: String| CalendarError::Parse {
        file: file.to_owned(),
        message,
    };
    let invalid = |message: String| CalendarError::Invalid {
        file: file.to_owned(),
        message,
    };
    let raw: YearFile = toml::from_str(text).map_err(|e| parse_err(e.to_string()))?;
    let year = raw.year;
    let date = |holiday: &str, s: &str| -> Result<NaiveDate, CalendarError> {
        let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| {
            parse_err(format!(
                "holiday {holiday:?}: {s:?} is not a date YYYY-MM-DD ({e})"
            ))
        })?;
        if d.year() != year {
            return Err(invalid(format!(
                "holiday {holiday:?}: date {d} is outside the file's year {year}"
            )));
        }
        Ok(d)
    };

    let mut data = YearData::default();
    // 调休 working day -> holiday it belongs to, checked against `off` at the
    // end so that conflicts between different holidays are found too.
    let mut work: BTreeMap<NaiveDate, String> = BTreeMap::new();
    for holiday in &raw.holidays {
        let name = holiday.name.trim();
        if name.is_empty() {
            return Err(invalid("a holiday has an empty name".to_owned()));
        }
        let (first, last) = match holiday.off.as_slice() {
            [day] => {
                let d = date(name, day)?;
                (d, d)
            }
            [first, last] => (date(name, first)?, date(name, last)?),
            _ => {
                return Err(invalid(format!(
                    "holiday {name:?}: off must be [first, last] or [day], got {} dates",
                    holiday.off.len()
                )));
            }
        };
        if first > last {
            return Err(invalid(format!(
                "holiday {name:?}: off range is reversed ({first} is after {last})"
            )));
        }
        for day in first.iter_days().take_while(|d| *d <= last) {
            if let Some(other) = data.off.insert(day, name.to_owned()) {
                return Err(invalid(format!(
                    "{day} is a day off of both {other:?} and {name:?}"
                )));
            }
        }
        for s in &holiday.work {
            let day = date(name, s)?;
            if is_weekday(day) {
                return Err(invalid(format!(
                    "holiday {name:?}: working day {day} is a {}, only a Saturday or Sunday can be a 调休 working day",
                    day.weekday()
                )));
            }
            if let Some(other) = work.insert(day, name.to_owned()) {
                return Err(invalid(format!(
                    "working day {day} is listed by both {other:?} and {name:?}"
                )));
            }
        }
    }
    for (day, name) in work {
        if let Some(off_name) = data.off.get(&day) {
            return Err(invalid(format!(
                "{day} is both a day off ({off_name:?}) and a working day ({name:?})"
            )));
        }
        data.work.insert(day);
    }
    Ok((year, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn cal() -> Calendar {
        Calendar::embedded().expect("embedded calendars are valid")
    }

    /// Asserts, for each listed date, whether it is a working day.
    fn check(cal: &Calendar, cases: &[(NaiveDate, bool)]) {
        for (date, expected) in cases {
            assert_eq!(
                cal.is_working_day(*date),
                *expected,
                "is_working_day({date} {})",
                date.weekday()
            );
        }
    }

    /// Asserts the first and last day off carry the holiday's name and the
    /// days just outside do not.
    fn check_name(cal: &Calendar, name: &str, first: NaiveDate, last: NaiveDate) {
        for day in first.iter_days().take_while(|x| *x <= last) {
            assert_eq!(cal.holiday_name(day), Some(name), "holiday_name({day})");
            assert!(!cal.is_working_day(day), "{day} should be off");
        }
        let before = first.pred_opt().expect("date");
        let after = last.succ_opt().expect("date");
        assert_eq!(cal.holiday_name(before), None, "holiday_name({before})");
        assert_eq!(cal.holiday_name(after), None, "holiday_name({after})");
    }

    fn invalid_message(files: &[(&str, &str)]) -> (String, String) {
        match Calendar::from_toml_strs(files) {
            Err(CalendarError::Invalid { file, message }) => (file, message),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    fn parse_message(files: &[(&str, &str)]) -> (String, String) {
        match Calendar::from_toml_strs(files) {
            Err(CalendarError::Parse { file, message }) => (file, message),
            other => panic!("expected Parse, got {other:?}"),
        }
    }

    #[test]
    fn embedded_years() {
        assert_eq!(cal().years(), vec![2025, 2026]);
        assert!(Calendar::default().years().is_empty());
    }

    #[test]
    fn weekday_count_matches_brute_force() {
        // The arithmetic in weekdays_up_to must agree with chrono's weekday().
        let start = d(1999, 12, 20);
        let mut brute = 0i64;
        for day in start.iter_days().skip(1).take(3000) {
            if is_weekday(day) {
                brute += 1;
            }
            assert_eq!(weekdays_up_to(day) - weekdays_up_to(start), brute, "{day}");
        }
        assert_eq!(d(1, 1, 1).weekday(), Weekday::Mon);
    }

    // ---------------------------------------------------------------- 2026

    #[test]
    fn y2026_new_year() {
        let c = cal();
        check(
            &c,
            &[
                (d(2025, 12, 31), true), // Wed before
                (d(2026, 1, 1), false),  // Thu, first day off
                (d(2026, 1, 2), false),  // Fri
                (d(2026, 1, 3), false),  // Sat, last day off
                (d(2026, 1, 4), true),   // Sun 调休, the day after
                (d(2026, 1, 5), true),   // Mon
                (d(2026, 1, 10), false), // ordinary Sat
                (d(2026, 1, 11), false), // ordinary Sun
            ],
        );
        check_name(&c, "元旦", d(2026, 1, 1), d(2026, 1, 3));
    }

    #[test]
    fn y2026_spring_festival() {
        let c = cal();
        check(
            &c,
            &[
                (d(2026, 2, 7), false),  // ordinary Sat
                (d(2026, 2, 8), false),  // ordinary Sun
                (d(2026, 2, 13), true),  // Fri
                (d(2026, 2, 14), true),  // Sat 调休, day before
                (d(2026, 2, 15), false), // Sun, first day off
                (d(2026, 2, 16), false), // Mon
                (d(2026, 2, 20), false), // Fri
                (d(2026, 2, 23), false), // Mon, last day off
                (d(2026, 2, 24), true),  // Tue, day after
                (d(2026, 2, 27), true),  // Fri
                (d(2026, 2, 28), true),  // Sat 调休
                (d(2026, 3, 1), false),  // ordinary Sun
                (d(2026, 3, 7), false),  // ordinary Sat
            ],
        );
        check_name(&c, "春节", d(2026, 2, 15), d(2026, 2, 23));
        assert_eq!(c.holiday_name(d(2026, 2, 14)), None);
        assert_eq!(c.holiday_name(d(2026, 2, 28)), None);
    }

    #[test]
    fn y2026_qingming() {
        let c = cal();
        check(
            &c,
            &[
                (d(2026, 4, 3), true),   // Fri before
                (d(2026, 4, 4), false),  // Sat, first
                (d(2026, 4, 6), false),  // Mon, last
                (d(2026, 4, 7), true),   // Tue after
                (d(2026, 4, 11), false), // ordinary Sat
                (d(2026, 4, 12), false), // ordinary Sun
            ],
        );
        check_name(&c, "清明节", d(2026, 4, 4), d(2026, 4, 6));
    }

    #[test]
    fn y2026_labour_day() {
        let c = cal();
        check(
            &c,
            &[
                (d(2026, 4, 25), false), // ordinary Sat (no 调休 before in 2026)
                (d(2026, 4, 26), false), // ordinary Sun
                (d(2026, 4, 30), true),  // Thu before
                (d(2026, 5, 1), false),  // Fri, first
                (d(2026, 5, 4), false),  // Mon
                (d(2026, 5, 5), false),  // Tue, last
                (d(2026, 5, 6), true),   // Wed after
                (d(2026, 5, 9), true),   // Sat 调休
                (d(2026, 5, 10), false), // ordinary Sun
                (d(2026, 5, 16), false), // ordinary Sat
            ],
        );
        check_name(&c, "劳动节", d(2026, 5, 1), d(2026, 5, 5));
    }

    #[test]
    fn y2026_dragon_boat() {
        let c = cal();
        check(
            &c,
            &[
                (d(2026, 6, 18), true),  // Thu before
                (d(2026, 6, 19), false), // Fri, first
                (d(2026, 6, 21), false), // Sun, last
                (d(2026, 6, 22), true),  // Mon after
                (d(2026, 6, 27), false), // ordinary Sat
            ],
        );
        check_name(&c, "端午节", d(2026, 6, 19), d(2026, 6, 21));
    }

    #[test]
    fn y2026_mid_autumn() {
        let c = cal();
        check(
            &c,
            &[
                (d(2026, 9, 24), true),  // Thu before
                (d(2026, 9, 25), false), // Fri, first
                (d(2026, 9, 27), false), // Sun, last
                (d(2026, 9, 28), true),  // Mon after
            ],
        );
        check_name(&c, "中秋节", d(2026, 9, 25), d(2026, 9, 27));
    }

    #[test]
    fn y2026_national_day() {
        let c = cal();
        check(
            &c,
            &[
                (d(2026, 9, 19), false),  // ordinary Sat
                (d(2026, 9, 20), true),   // Sun 调休
                (d(2026, 9, 30), true),   // Wed before
                (d(2026, 10, 1), false),  // Thu, first
                (d(2026, 10, 3), false),  // Sat
                (d(2026, 10, 7), false),  // Wed, last
                (d(2026, 10, 8), true),   // Thu after
                (d(2026, 10, 9), true),   // Fri
                (d(2026, 10, 10), true),  // Sat 调休
                (d(2026, 10, 11), false), // ordinary Sun
                (d(2026, 10, 17), false), // ordinary Sat
            ],
        );
        check_name(&c, "国庆节", d(2026, 10, 1), d(2026, 10, 7));
        assert_eq!(c.holiday_name(d(2026, 9, 20)), None);
    }

    // ---------------------------------------------------------------- 2025

    #[test]
    fn y2025_new_year() {
        let c = cal();
        check(
            &c,
            &[
                (d(2024, 12, 31), true), // Tue before (2024 has no file)
                (d(2025, 1, 1), false),  // Wed, only day off
                (d(2025, 1, 2), true),   // Thu after
                (d(2025, 1, 4), false),  // ordinary Sat
                (d(2025, 1, 5), false),  // ordinary Sun
            ],
        );
        check_name(&c, "元旦", d(2025, 1, 1), d(2025, 1, 1));
    }

    #[test]
    fn y2025_spring_festival() {
        let c = cal();
        check(
            &c,
            &[
                (d(2025, 1, 25), false), // ordinary Sat
                (d(2025, 1, 26), true),  // Sun 调休
                (d(2025, 1, 27), true),  // Mon before
                (d(2025, 1, 28), false), // Tue (除夕), first
                (d(2025, 2, 4), false),  // Tue, last
                (d(2025, 2, 5), true),   // Wed after
                (d(2025, 2, 8), true),   // Sat 调休
                (d(2025, 2, 9), false),  // ordinary Sun
                (d(2025, 2, 15), false), // ordinary Sat
            ],
        );
        check_name(&c, "春节", d(2025, 1, 28), d(2025, 2, 4));
    }

    #[test]
    fn y2025_qingming() {
        let c = cal();
        check(
            &c,
            &[
                (d(2025, 4, 3), true),   // Thu before
                (d(2025, 4, 4), false),  // Fri, first
                (d(2025, 4, 6), false),  // Sun, last
                (d(2025, 4, 7), true),   // Mon after
                (d(2025, 4, 12), false), // ordinary Sat
            ],
        );
        check_name(&c, "清明节", d(2025, 4, 4), d(2025, 4, 6));
    }

    #[test]
    fn y2025_labour_day() {
        let c = cal();
        check(
            &c,
            &[
                (d(2025, 4, 26), false), // ordinary Sat
                (d(2025, 4, 27), true),  // Sun 调休
                (d(2025, 4, 30), true),  // Wed before
                (d(2025, 5, 1), false),  // Thu, first
                (d(2025, 5, 2), false),  // Fri
                (d(2025, 5, 5), false),  // Mon, last
                (d(2025, 5, 6), true),   // Tue after
                (d(2025, 5, 10), false), // ordinary Sat (no 调休 after in 2025)
                (d(2025, 5, 11), false), // ordinary Sun
            ],
        );
        check_name(&c, "劳动节", d(2025, 5, 1), d(2025, 5, 5));
    }

    #[test]
    fn y2025_dragon_boat() {
        let c = cal();
        check(
            &c,
            &[
                (d(2025, 5, 30), true),  // Fri before
                (d(2025, 5, 31), false), // Sat, first
                (d(2025, 6, 2), false),  // Mon, last
                (d(2025, 6, 3), true),   // Tue after
                (d(2025, 6, 7), false),  // ordinary Sat
            ],
        );
        check_name(&c, "端午节", d(2025, 5, 31), d(2025, 6, 2));
    }

    #[test]
    fn y2025_national_day_mid_autumn() {
        let c = cal();
        check(
            &c,
            &[
                (d(2025, 9, 27), false),  // ordinary Sat
                (d(2025, 9, 28), true),   // Sun 调休
                (d(2025, 9, 30), true),   // Tue before
                (d(2025, 10, 1), false),  // Wed, first
                (d(2025, 10, 6), false),  // Mon (中秋)
                (d(2025, 10, 8), false),  // Wed, last
                (d(2025, 10, 9), true),   // Thu after
                (d(2025, 10, 11), true),  // Sat 调休
                (d(2025, 10, 12), false), // ordinary Sun
                (d(2025, 10, 18), false), // ordinary Sat
            ],
        );
        check_name(&c, "国庆节、中秋节", d(2025, 10, 1), d(2025, 10, 8));
    }

    #[test]
    fn ordinary_days_have_no_holiday_name() {
        let c = cal();
        assert_eq!(c.holiday_name(d(2026, 3, 10)), None);
        assert_eq!(c.holiday_name(d(2026, 3, 14)), None); // Sat
        assert_eq!(c.holiday_name(d(2027, 1, 1)), None); // no file
    }

    // ------------------------------------------------------ years without a file

    #[test]
    fn years_without_file_are_monday_to_friday() {
        let c = cal();
        check(
            &c,
            &[
                (d(2027, 1, 1), true),   // Fri (would be 元旦, but no file)
                (d(2027, 1, 2), false),  // Sat
                (d(2027, 1, 3), false),  // Sun
                (d(2027, 1, 4), true),   // Mon
                (d(2024, 10, 1), true),  // Tue (no 2024 file)
                (d(2024, 10, 5), false), // Sat
                (d(2024, 10, 6), false), // Sun
            ],
        );
        // 2027: starts on Friday, 365 days -> 261 weekdays.
        assert_eq!(
            c.working_days_between(d(2026, 12, 31), d(2027, 12, 31)),
            261
        );
        // 2024: leap year starting on Monday -> 262 weekdays.
        assert_eq!(
            c.working_days_between(d(2023, 12, 31), d(2024, 12, 31)),
            262
        );
        assert_eq!(c.add_working_days(d(2027, 1, 1), 1), d(2027, 1, 4));
        assert_eq!(c.add_working_days(d(2024, 10, 4), 1), d(2024, 10, 7));
        assert_eq!(c.add_working_days(d(2024, 10, 4), 5), d(2024, 10, 11));
        assert_eq!(c.add_working_days(d(2026, 12, 31), 1), d(2027, 1, 1));
    }

    // ------------------------------------------------------- add_working_days

    #[test]
    fn add_zero_returns_the_date_itself() {
        let c = cal();
        assert_eq!(c.add_working_days(d(2026, 2, 13), 0), d(2026, 2, 13));
        // even a day off
        assert_eq!(c.add_working_days(d(2026, 2, 16), 0), d(2026, 2, 16));
    }

    #[test]
    fn add_across_spring_festival_2026() {
        let c = cal();
        let fri = d(2026, 2, 13);
        assert_eq!(c.add_working_days(fri, 1), d(2026, 2, 14)); // Sat 调休
        assert_eq!(c.add_working_days(fri, 2), d(2026, 2, 24)); // Tue after
        assert_eq!(c.add_working_days(fri, 3), d(2026, 2, 25));
        assert_eq!(c.add_working_days(fri, 5), d(2026, 2, 27)); // Fri
        assert_eq!(c.add_working_days(fri, 6), d(2026, 2, 28)); // Sat 调休
        assert_eq!(c.add_working_days(fri, 7), d(2026, 3, 2)); // Mon
        // Starting on a day off or on the 调休 Saturday.
        assert_eq!(c.add_working_days(d(2026, 2, 15), 1), d(2026, 2, 24));
        assert_eq!(c.add_working_days(d(2026, 2, 14), 1), d(2026, 2, 24));
        assert_eq!(c.add_working_days(d(2026, 2, 23), 1), d(2026, 2, 24));
    }

    #[test]
    fn add_across_spring_festival_2025() {
        let c = cal();
        let fri = d(2025, 1, 24);
        assert_eq!(c.add_working_days(fri, 1), d(2025, 1, 26)); // Sun 调休
        assert_eq!(c.add_working_days(fri, 2), d(2025, 1, 27)); // Mon
        assert_eq!(c.add_working_days(fri, 3), d(2025, 2, 5)); // Wed after
        assert_eq!(c.add_working_days(fri, 6), d(2025, 2, 8)); // Sat 调休
        assert_eq!(c.add_working_days(fri, 7), d(2025, 2, 10)); // Mon
    }

    #[test]
    fn add_across_new_year_2026() {
        let c = cal();
        assert_eq!(c.add_working_days(d(2025, 12, 31), 1), d(2026, 1, 4)); // Sun 调休
        assert_eq!(c.add_working_days(d(2025, 12, 31), 2), d(2026, 1, 5));
        assert_eq!(c.add_working_days(d(2024, 12, 31), 1), d(2025, 1, 2));
    }

    #[test]
    fn add_across_national_day_2026() {
        let c = cal();
        let fri = d(2026, 9, 18);
        assert_eq!(c.add_working_days(fri, 1), d(2026, 9, 20)); // Sun 调休
        assert_eq!(c.add_working_days(fri, 2), d(2026, 9, 21)); // Mon
        assert_eq!(c.add_working_days(fri, 5), d(2026, 9, 24)); // Thu
        assert_eq!(c.add_working_days(fri, 6), d(2026, 9, 28)); // Mon after 中秋
        let tue = d(2026, 9, 29);
        assert_eq!(c.add_working_days(tue, 1), d(2026, 9, 30));
        assert_eq!(c.add_working_days(tue, 2), d(2026, 10, 8)); // Thu after
        assert_eq!(c.add_working_days(tue, 3), d(2026, 10, 9));
        assert_eq!(c.add_working_days(tue, 4), d(2026, 10, 10)); // Sat 调休
        assert_eq!(c.add_working_days(tue, 5), d(2026, 10, 12)); // Mon
    }

    #[test]
    fn add_across_national_day_2025() {
        let c = cal();
        let fri = d(2025, 9, 26);
        assert_eq!(c.add_working_days(fri, 1), d(2025, 9, 28)); // Sun 调休
        assert_eq!(c.add_working_days(fri, 2), d(2025, 9, 29));
        assert_eq!(c.add_working_days(fri, 3), d(2025, 9, 30));
        assert_eq!(c.add_working_days(fri, 4), d(2025, 10, 9)); // Thu after
        assert_eq!(c.add_working_days(fri, 5), d(2025, 10, 10));
        assert_eq!(c.add_working_days(fri, 6), d(2025, 10, 11)); // Sat 调休
        assert_eq!(c.add_working_days(fri, 7), d(2025, 10, 13)); // Mon
    }

    #[test]
    fn add_across_labour_day() {
        let c = cal();
        // 2026: Sat 5/9 is a working day.
        let thu = d(2026, 4, 30);
        assert_eq!(c.add_working_days(thu, 1), d(2026, 5, 6));
        assert_eq!(c.add_working_days(thu, 2), d(2026, 5, 7));
        assert_eq!(c.add_working_days(thu, 3), d(2026, 5, 8));
        assert_eq!(c.add_working_days(thu, 4), d(2026, 5, 9)); // Sat 调休
        assert_eq!(c.add_working_days(thu, 5), d(2026, 5, 11)); // Mon
        // 2025: Sun 4/27 is a working day.
        let fri = d(2025, 4, 25);
        assert_eq!(c.add_working_days(fri, 1), d(2025, 4, 27)); // Sun 调休
        assert_eq!(c.add_working_days(fri, 2), d(2025, 4, 28));
        assert_eq!(c.add_working_days(fri, 4), d(2025, 4, 30));
        assert_eq!(c.add_working_days(fri, 5), d(2025, 5, 6)); // Tue after
    }

    #[test]
    fn add_saturates_at_max_date() {
        let c = cal();
        assert_eq!(c.add_working_days(NaiveDate::MAX, 3), NaiveDate::MAX);
    }

    // --------------------------------------------------- working_days_between

    #[test]
    fn between_basic() {
        let c = cal();
        let fri = d(2026, 2, 13);
        assert_eq!(c.working_days_between(fri, fri), 0);
        assert_eq!(c.working_days_between(d(2026, 2, 24), fri), 0);
        assert_eq!(c.working_days_between(fri, d(2026, 2, 14)), 1);
        assert_eq!(c.working_days_between(fri, d(2026, 2, 23)), 1);
        assert_eq!(c.working_days_between(fri, d(2026, 2, 24)), 2);
        assert_eq!(c.working_days_between(fri, d(2026, 2, 28)), 6);
        assert_eq!(c.working_days_between(fri, d(2026, 3, 1)), 6);
        assert_eq!(c.working_days_between(fri, d(2026, 3, 2)), 7);
    }

    #[test]
    fn between_across_holidays() {
        let c = cal();
        // 国庆 2026: 9/20 Sun, 9/21–24, 9/28–30, 10/8, 10/9, 10/10 Sat.
        assert_eq!(c.working_days_between(d(2026, 9, 18), d(2026, 10, 11)), 11);
        assert_eq!(c.working_days_between(d(2026, 9, 30), d(2026, 10, 7)), 0);
        // 国庆中秋 2025: 9/28 Sun, 9/29, 9/30, 10/9, 10/10, 10/11 Sat.
        assert_eq!(c.working_days_between(d(2025, 9, 26), d(2025, 10, 12)), 6);
        // 劳动节 2026: 5/6, 5/7, 5/8, 5/9 Sat.
        assert_eq!(c.working_days_between(d(2026, 4, 30), d(2026, 5, 10)), 4);
        // 劳动节 2025: 4/27 Sun, 4/28, 4/29, 4/30, 5/6.
        assert_eq!(c.working_days_between(d(2025, 4, 25), d(2025, 5, 6)), 5);
        // 元旦 2026 across the year boundary: 1/4 Sun, 1/5.
        assert_eq!(c.working_days_between(d(2025, 12, 31), d(2026, 1, 5)), 2);
    }

    #[test]
    fn between_whole_years() {
        let c = cal();
        // 261 weekdays - 18 weekday days off + 5 调休 = 248.
        assert_eq!(
            c.working_days_between(d(2024, 12, 31), d(2025, 12, 31)),
            248
        );
        // 261 weekdays - 19 weekday days off + 6 调休 = 248.
        assert_eq!(
            c.working_days_between(d(2025, 12, 31), d(2026, 12, 31)),
            248
        );
        // 2024 (262) + 2025 + 2026 + 2027 (261).
        assert_eq!(
            c.working_days_between(d(2023, 12, 31), d(2027, 12, 31)),
            262 + 248 + 248 + 261
        );
    }

    #[test]
    fn between_agrees_with_day_by_day_count_and_add() {
        let c = cal();
        let start = d(2024, 11, 1);
        let days: Vec<NaiveDate> = start.iter_days().take(1000).collect();
        let working: Vec<bool> = days.iter().map(|x| c.is_working_day(*x)).collect();
        for (i, from) in days.iter().enumerate().step_by(7) {
            let mut count = 0i64;
            for (j, to) in days.iter().enumerate().skip(i + 1) {
                if working[j] {
                    count += 1;
                    if count <= 40 {
                        let n = u32::try_from(count).expect("small");
                        assert_eq!(c.add_working_days(*from, n), *to, "{from} + {n}");
                    }
                }
                assert_eq!(c.working_days_between(*from, *to), count, "{from}..{to}");
            }
        }
    }

    // ------------------------------------------------------------- loading

    const GOOD_2026: &str = r#"
year = 2026
[[holidays]]
name = "元旦"
off = ["2026-01-01", "2026-01-03"]
work = ["2026-01-04"]
"#;

    #[test]
    fn later_file_replaces_same_year() {
        let c = Calendar::from_toml_strs(&[
            ("a.toml", GOOD_2026),
            ("b.toml", "year = 2026\nholidays = []\n"),
        ])
        .expect("valid");
        assert_eq!(c.years(), vec![2026]);
        assert!(c.is_working_day(d(2026, 1, 1)));
        assert!(!c.is_working_day(d(2026, 1, 4)));
        assert!(c.is_working_day(d(2026, 2, 16)));

        let c = Calendar::from_toml_strs(&[("a.toml", GOOD_2026)]).expect("valid");
        assert!(!c.is_working_day(d(2026, 1, 1)));
        assert!(c.is_working_day(d(2026, 1, 4)));
        // Only 元旦 in this file: 春节 is ordinary.
        assert!(c.is_working_day(d(2026, 2, 16)));
    }

    #[test]
    fn load_without_dir_or_missing_dir_is_embedded() {
        let c = Calendar::load(None).expect("embedded");
        assert_eq!(c.years(), vec![2025, 2026]);
        let missing = std::env::temp_dir().join("sixnorms-calendar-does-not-exist-4f1c");
        let c = Calendar::load(Some(&missing)).expect("missing dir is fine");
        assert_eq!(c.years(), vec![2025, 2026]);
        assert!(!c.is_working_day(d(2026, 2, 16)));
    }

    #[test]
    fn load_dir_adds_and_replaces_years() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("cn-2026.toml"), GOOD_2026).expect("write");
        std::fs::write(
            dir.path().join("cn-2027.toml"),
            "year = 2027\n[[holidays]]\nname = \"元旦\"\noff = [\"2027-01-01\"]\n",
        )
        .expect("write");
        // Not *.toml: ignored even though it is invalid.
        std::fs::write(dir.path().join("README.md"), "not toml").expect("write");
        std::fs::write(dir.path().join("cn-2028.toml.bak"), "garbage").expect("write");

        let c = Calendar::load(Some(dir.path())).expect("valid dir");
        assert_eq!(c.years(), vec![2025, 2026, 2027]);
        // 2025 still embedded.
        assert!(!c.is_working_day(d(2025, 1, 28)));
        // 2026 replaced: 元旦 kept, 春节 gone.
        assert!(!c.is_working_day(d(2026, 1, 1)));
        assert!(c.is_working_day(d(2026, 2, 16)));
        // 2027 added.
        assert!(!c.is_working_day(d(2027, 1, 1)));
        assert_eq!(c.holiday_name(d(2027, 1, 1)), Some("元旦"));
    }

    #[test]
    fn load_dir_with_invalid_file_fails_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cn-2026.toml");
        std::fs::write(
            &path,
            "year = 2026\n[[holidays]]\nname = \"x\"\noff = [\"2025-12-31\"]\n",
        )
        .expect("write");
        match Calendar::load(Some(dir.path())) {
            Err(CalendarError::Invalid { file, message }) => {
                assert_eq!(file, path.display().to_string());
                assert!(message.contains("2025-12-31"), "{message}");
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn load_path_that_is_a_file_is_io_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("plain-file");
        std::fs::write(&path, "x").expect("write");
        assert!(matches!(
            Calendar::load(Some(&path)),
            Err(CalendarError::Io { .. })
        ));
    }

    // -------------------------------------------------------- invalid files

    #[test]
    fn invalid_date_outside_year() {
        let (file, message) = invalid_message(&[(
            "bad.toml",
            "year = 2026\n[[holidays]]\nname = \"元旦\"\noff = [\"2025-12-31\", \"2026-01-01\"]\n",
        )]);
        assert_eq!(file, "bad.toml");
        assert!(
            message.contains("2025-12-31") && message.contains("2026"),
            "{message}"
        );

        let (_, message) = invalid_message(&[(
            "bad.toml",
            "year = 2026\n[[holidays]]\nname = \"元旦\"\noff = [\"2026-01-01\"]\nwork = [\"2027-01-02\"]\n",
        )]);
        assert!(message.contains("2027-01-02"), "{message}");
    }

    #[test]
    fn invalid_reversed_range() {
        let (file, message) = invalid_message(&[
            ("ok.toml", GOOD_2026),
            (
                "reversed.toml",
                "year = 2026\n[[holidays]]\nname = \"春节\"\noff = [\"2026-02-23\", \"2026-02-15\"]\n",
            ),
        ]);
        assert_eq!(file, "reversed.toml");
        assert!(message.contains("reversed"), "{message}");
    }

    #[test]
    fn invalid_both_off_and_work() {
        // Same holiday.
        let (_, message) = invalid_message(&[(
            "bad.toml",
            "year = 2026\n[[holidays]]\nname = \"春节\"\noff = [\"2026-02-15\", \"2026-02-23\"]\nwork = [\"2026-02-21\"]\n",
        )]);
        assert!(
            message.contains("2026-02-21") && message.contains("both"),
            "{message}"
        );
        // Different holidays.
        let (_, message) = invalid_message(&[(
            "bad.toml",
            "year = 2026\n[[holidays]]\nname = \"A\"\noff = [\"2026-03-07\"]\n[[holidays]]\nname = \"B\"\noff = [\"2026-03-10\"]\nwork = [\"2026-03-07\"]\n",
        )]);
        assert!(
            message.contains("2026-03-07") && message.contains("both"),
            "{message}"
        );
    }

    #[test]
    fn invalid_other_content() {
        // Overlapping holidays.
        let (_, message) = invalid_message(&[(
            "bad.toml",
            "year = 2026\n[[holidays]]\nname = \"A\"\noff = [\"2026-10-01\", \"2026-10-07\"]\n[[holidays]]\nname = \"B\"\noff = [\"2026-10-07\", \"2026-10-08\"]\n",
        )]);
        assert!(message.contains("2026-10-07"), "{message}");
        // A weekday as 调休 working day.
        let (_, message) = invalid_message(&[(
            "bad.toml",
            "year = 2026\n[[holidays]]\nname = \"A\"\noff = [\"2026-10-01\"]\nwork = [\"2026-10-09\"]\n",
        )]);
        assert!(message.contains("2026-10-09"), "{message}");
        // Wrong number of off dates.
        invalid_message(&[(
            "bad.toml",
            "year = 2026\n[[holidays]]\nname = \"A\"\noff = []\n",
        )]);
        invalid_message(&[(
            "bad.toml",
            "year = 2026\n[[holidays]]\nname = \"A\"\noff = [\"2026-10-01\", \"2026-10-02\", \"2026-10-03\"]\n",
        )]);
        // Empty name.
        invalid_message(&[(
            "bad.toml",
            "year = 2026\n[[holidays]]\nname = \" \"\noff = [\"2026-10-01\"]\n",
        )]);
    }

    #[test]
    fn parse_errors() {
        let (file, _) = parse_message(&[("syntax.toml", "year = = 2026")]);
        assert_eq!(file, "syntax.toml");
        parse_message(&[(
            "missing-year.toml",
            "[[holidays]]\nname = \"A\"\noff = [\"2026-10-01\"]\n",
        )]);
        parse_message(&[("unknown-field.toml", "year = 2026\nyaer = 2026\n")]);
        let (_, message) = parse_message(&[(
            "bad-date.toml",
            "year = 2026\n[[holidays]]\nname = \"A\"\noff = [\"2026-02-30\"]\n",
        )]);
        assert!(message.contains("2026-02-30"), "{message}");
        parse_message(&[(
            "bad-date.toml",
            "year = 2026\n[[holidays]]\nname = \"A\"\noff = [\"1 Oct 2026\"]\n",
        )]);
    }

    #[test]
    fn error_display_names_file() {
        let err = Calendar::from_toml_strs(&[(
            "cn-2026.toml",
            "year = 2026\n[[holidays]]\nname = \"A\"\noff = [\"2026-10-02\", \"2026-10-01\"]\n",
        )])
        .expect_err("reversed");
        let text = err.to_string();
        assert!(text.starts_with("calendar file cn-2026.toml: "), "{text}");
    }
}
