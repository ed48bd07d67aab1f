//! Login throttling: after `login_max_failures` failed logins for one username within
//! `login_window_minutes`, further attempts are refused with 429 until the window has passed
//! over enough of those failures. Refused attempts are not recorded, so waiting always helps.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::login_attempts;

/// Seconds the caller must wait, or `None` when a login may be tried now.
pub fn retry_after(
    conn: &mut AnyConnection,
    username: &str,
    now: NaiveDateTime,
    max_failures: i64,
    window: Duration,
) -> QueryResult<Option<i64>> {
    let recent: Vec<NaiveDateTime> = login_attempts::table
        .filter(login_attempts::username.eq(username))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.gt(now - window))
        .order(login_attempts::attempted_at.desc())
        .limit(max_failures)
        .select(login_attempts::attempted_at)
        .load(conn)?;
    let limit = usize::try_from(max_failures).unwrap_or(usize::MAX);
    if recent.len() < limit {
        return Ok(None);
    }
    // The oldest of the last `max_failures` failures must leave the window.
    let oldest = recent[recent.len() - 1];
    let wait = (oldest + window - now).num_seconds().max(1);
    Ok(Some(wait))
}

/// Records one attempt.
pub fn record(
    conn: &mut AnyConnection,
    username: &str,
    now: NaiveDateTime,
    succeeded: bool,
) -> QueryResult<()> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::username.eq(username),
            login_attempts::attempted_at.eq(now),
            login_attempts::succeeded.eq(succeeded),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Deletes attempts older than `cutoff`.
pub fn purge(conn: &mut AnyConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_attempts::table.filter(login_attempts::attempted_at.lt(cutoff)))
        .execute(conn)
}
