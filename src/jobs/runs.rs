//! `job_runs`: the claim of a slot and the record of each run.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::RngCore;
use serde::Serialize;

use crate::clock::{Clock, truncate_micros};
use crate::db::AnyConnection;
use crate::db::schema::job_runs;

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The cron scheduler.
    Schedule,
    /// An admin through the API.
    Manual,
    /// `sixnorms job run NAME`.
    Cli,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::Cli => "cli",
        }
    }
}

/// A `job_runs` row.
#[derive(Debug, Clone, Queryable, Serialize, utoipa::ToSchema)]
pub struct JobRun {
    /// Row id.
    pub id: i64,
    /// Job name.
    pub job_name: String,
    /// The claimed slot (scheduled time, or a unique manual slot).
    pub slot: String,
    /// The instance that ran it.
    pub instance: String,
    /// `schedule`, `manual` or `cli`.
    pub trigger_kind: String,
    /// Wall-clock start (UTC).
    #[schema(value_type = String)]
    pub started_at: NaiveDateTime,
    /// Wall-clock end (UTC).
    #[schema(value_type = Option<String>)]
    pub finished_at: Option<NaiveDateTime>,
    /// `running`, `ok` or `error`.
    pub outcome: String,
    /// Summary (JSON) or error message.
    pub detail: Option<String>,
}

fn wall_now() -> NaiveDateTime {
    truncate_micros(Clock::wall_time().naive_utc())
}

/// A slot nobody else can hold, for runs started by hand.
pub fn unique_slot(trigger: Trigger) -> String {
    let mut bytes = [0u8; 6];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{}:{}:{}",
        trigger.as_str(),
        crate::clock::rfc3339(wall_now()),
        hex::encode(bytes)
    )
}

/// Inserts the claim; `Ok(None)` when the slot is already taken. Runs outside any
/// transaction, so that the unique violation does not abort other work on PostgreSQL.
pub fn claim(
    conn: &mut AnyConnection,
    job: &str,
    slot: &str,
    instance: &str,
    trigger: Trigger,
) -> QueryResult<Option<i64>> {
    let inserted = diesel::insert_into(job_runs::table)
        .values((
            job_runs::job_name.eq(job),
            job_runs::slot.eq(slot),
            job_runs::instance.eq(instance),
            job_runs::trigger_kind.eq(trigger.as_str()),
            job_runs::started_at.eq(wall_now()),
            job_runs::outcome.eq("running"),
        ))
        .returning(job_runs::id)
        .get_result::<i64>(conn);
    match inserted {
        Ok(id) => Ok(Some(id)),
        Err(e) if crate::db::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Records the end of a run.
pub fn finish(conn: &mut AnyConnection, id: i64, ok: bool, detail: &str) -> QueryResult<JobRun> {
    diesel::update(job_runs::table.find(id))
        .set((
            job_runs::finished_at.eq(Some(wall_now())),
            job_runs::outcome.eq(if ok { "ok" } else { "error" }),
            job_runs::detail.eq(Some(detail)),
        ))
        .returning(job_runs::all_columns)
        .get_result(conn)
}

/// The latest runs of a job, newest first.
pub fn recent(conn: &mut AnyConnection, job: &str, limit: i64) -> QueryResult<Vec<JobRun>> {
    job_runs::table
        .filter(job_runs::job_name.eq(job))
        .order((job_runs::started_at.desc(), job_runs::id.desc()))
        .limit(limit)
        .select(job_runs::all_columns)
        .load(conn)
}
