//! The one source of "now". Every rule reads time from a [`Clock`]: the system clock in
//! production, a manual clock (set through `PUT /api/v1/admin/clock`) in acceptance tests and
//! demos. Times are UTC, truncated to microseconds so that SQLite and PostgreSQL store the
//! same value; days are counted in Asia/Shanghai.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike, Utc};
use chrono_tz::Asia::Shanghai;

/// A cheap-to-clone handle to the process clock.
#[derive(Debug, Clone)]
pub struct Clock {
    manual: Option<Arc<RwLock<NaiveDateTime>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self { manual: None }
    }

    /// A manual clock standing still at `start` until [`Clock::set`] moves it.
    pub fn manual(start: NaiveDateTime) -> Self {
        Self {
            manual: Some(Arc::new(RwLock::new(truncate_micros(start)))),
        }
    }

    /// A manual clock starting at the current system time.
    pub fn manual_from_system() -> Self {
        Self::manual(Utc::now().naive_utc())
    }

    /// Whether this clock can be set.
    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }

    /// Current UTC time, truncated to microseconds.
    pub fn now(&self) -> NaiveDateTime {
        match &self.manual {
            Some(lock) => *lock.read().unwrap_or_else(|poisoned| poisoned.into_inner()),
            None => truncate_micros(Utc::now().naive_utc()),
        }
    }

    /// Current time as an aware UTC value.
    pub fn now_utc(&self) -> DateTime<Utc> {
        self.now().and_utc()
    }

    /// Today's date in Asia/Shanghai.
    pub fn today(&self) -> NaiveDate {
        shanghai_date(self.now())
    }

    /// Sets a manual clock; returns false (and changes nothing) on the system clock.
    pub fn set(&self, now: NaiveDateTime) -> bool {
        match &self.manual {
            Some(lock) => {
                *lock
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = truncate_micros(now);
                true
            }
            None => false,
        }
    }

    /// The real time, for the scheduler's own bookkeeping only (slots of cron fires), which
    /// must follow the wall clock even when rules run on a manual clock.
    pub fn wall_time() -> DateTime<Utc> {
        Utc::now()
    }
}

/// Drops sub-microsecond precision (PostgreSQL keeps microseconds).
pub fn truncate_micros(t: NaiveDateTime) -> NaiveDateTime {
    let nanos = t.nanosecond();
    t.with_nanosecond(nanos - nanos % 1_000).unwrap_or(t)
}

/// The Asia/Shanghai calendar date of a UTC time.
pub fn shanghai_date(utc: NaiveDateTime) -> NaiveDate {
    utc.and_utc().with_timezone(&Shanghai).date_naive()
}

/// Formats a UTC time as RFC 3339 with a `Z` suffix and microseconds.
pub fn rfc3339(utc: NaiveDateTime) -> String {
    utc.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").expect("valid time")
    }

    #[test]
    fn manual_clock_stands_still_until_set() {
        let clock = Clock::manual(at("2026-03-01 01:00:00.123456789"));
        assert_eq!(clock.now(), at("2026-03-01 01:00:00.123456"));
        assert!(clock.set(at("2026-03-02 00:00:00")));
        assert_eq!(clock.now(), at("2026-03-02 00:00:00"));
        let copy = clock.clone();
        copy.set(at("2026-03-03 00:00:00"));
        assert_eq!(
            clock.now(),
            at("2026-03-03 00:00:00"),
            "clones share one clock"
        );
    }

    #[test]
    fn system_clock_cannot_be_set() {
        let clock = Clock::system();
        assert!(!clock.set(at("2000-01-01 00:00:00")));
        assert!(clock.now().and_utc().timestamp() > 1_700_000_000);
    }

    #[test]
    fn today_is_counted_in_shanghai() {
        // 16:00 UTC is midnight in Shanghai (UTC+8).
        let clock = Clock::manual(at("2026-01-31 15:59:59"));
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 1, 31).expect("date")
        );
        clock.set(at("2026-01-31 16:00:00"));
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 2, 1).expect("date")
        );
    }
}
