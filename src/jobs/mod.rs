//! Scheduled jobs. Every run — fired by the scheduler, by an admin, or by
//! `sixnorms job run NAME` — first claims `(job_name, slot)` in `job_runs`, whose unique key
//! lets exactly one of several app instances run a given slot. Jobs are idempotent and read
//! "now" from the clock.

pub mod routes;
pub mod runs;
pub mod scheduler;

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use croner::Cron;
use croner::parser::{CronParser, Seconds};
use serde::Serialize;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
pub use runs::{JobRun, Trigger};

/// Items (contracts, evaluations to open) a job handles in one transaction. One transaction
/// per item made a run over 100,000 contracts spend most of its time committing; one for
/// everything would hold the write lock for the whole run. A failure rolls back its batch
/// only, and every job is idempotent, so the next run takes it up again.
pub const TX_BATCH: usize = 500;

/// Every job this build knows, in display order.
pub const JOB_NAMES: &[&str] = &[
    "send_email",
    "purge_expired_sessions",
    "open_bids",
    "start_services",
    "report_reminders",
    "create_evaluations",
    "disclosure_watch",
    "render_notice_pdfs",
    "build_project_pages",
];

/// What a job does, in Chinese, for the admin page.
pub fn describe(name: &str) -> &'static str {
    match name {
        "send_email" => "发送待发邮件（失败按指数退避重试）",
        "purge_expired_sessions" => "清理过期登录凭证和登录尝试记录",
        "open_bids" => {
            "开标：投标截止时间已到的项目自动开标、资格审查并发布开标记录（不足法定家数则废标）"
        }
        "start_services" => "服务开始日已到的已签约项目转为服务中",
        "report_reminders" => "提醒上月服务报告未提交的承接主体",
        "create_evaluations" => "在服务期中点和期满时自动开启中期、终期绩效评价（各一次）",
        "disclosure_watch" => "提醒经办人：明日到期或已逾期未公开的公告",
        "render_notice_pdfs" => "为尚无 PDF 的公告生成 PDF（按发布时间先后）并存档",
        "build_project_pages" => "重新生成有变动（或投标截止已过）的项目公开页面并存储",
        _ => "",
    }
}

/// Whether `name` is a job of this build.
pub fn is_known_job(name: &str) -> bool {
    JOB_NAMES.contains(&name)
}

/// Parses a six-field (seconds first) cron string as the scheduler does.
pub fn parse_schedule(schedule: &str) -> Result<Cron, String> {
    if schedule.split_whitespace().count() != 6 {
        return Err(
            "cron schedule must have six fields, seconds first (e.g. \"0 0 2 * * *\")".to_owned(),
        );
    }
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(schedule)
        .map_err(|e| format!("invalid cron schedule: {e}"))
}

/// The slot a scheduler fire at `fired_at` belongs to: the latest scheduled time at or
/// before it, in Asia/Shanghai. Two instances firing for the same tick compute the same slot.
pub fn slot_for(schedule: &Cron, fired_at: DateTime<Utc>) -> String {
    let local = fired_at.with_timezone(&Shanghai);
    let truncated = chrono::Timelike::with_nanosecond(&local, 0).unwrap_or(local);
    schedule
        .find_previous_occurrence(&truncated, true)
        .unwrap_or(truncated)
        .to_rfc3339()
}

/// The next scheduled time after `after`, for display.
pub fn next_fire(schedule: &Cron, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    schedule
        .find_next_occurrence(&after.with_timezone(&Shanghai), false)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// What one job run did, stored as `detail`.
#[derive(Debug, Clone, Serialize)]
pub struct JobSummary(pub serde_json::Value);

/// Runs the body of a job (without claiming; see [`run`]).
async fn execute(state: &AppState, name: &str) -> AppResult<serde_json::Value> {
    match name {
        "send_email" => {
            let report = crate::notify::delivery::deliver_due(
                &state.db,
                &state.mailer,
                &state.clock,
                &state.settings.mail,
            )
            .await?;
            Ok(serde_json::to_value(report).map_err(AppError::internal)?)
        }
        "purge_expired_sessions" => {
            let cutoff = state.clock.now() - chrono::Duration::days(1);
            let (tokens, attempts) = state
                .db
                .run(move |conn| {
                    crate::db::write_tx(conn, |conn| {
                        Ok::<_, AppError>((
                            crate::auth::tokens::purge(conn, cutoff)?,
                            crate::auth::throttle::purge(conn, cutoff)?,
                        ))
                    })
                })
                .await?;
            Ok(serde_json::json!({ "tokens_deleted": tokens, "login_attempts_deleted": attempts }))
        }
        "open_bids" => {
            crate::procurement::bids::service::open_due(
                &state.db,
                state.rules.clone(),
                state.clock.now(),
            )
            .await
        }
        "start_services" => crate::contracts::service::start_due_services(state).await,
        "report_reminders" => crate::contracts::delivery::reminders::run(state).await,
        "create_evaluations" => crate::evaluations::jobs::create_due(state).await,
        "disclosure_watch" => crate::disclosure::timeliness::watch(state).await,
        "render_notice_pdfs" => crate::disclosure::pdf_store::render_pending(state).await,
        "build_project_pages" => crate::public::project_pages::run_job(state).await,
        other => Err(AppError::NotFound(format!("没有名为 {other} 的任务"))),
    }
}

/// Claims `(name, slot)` and, if this instance won the claim, runs the job and records the
/// outcome. Returns `None` when another run already holds the slot.
pub async fn run(
    state: &AppState,
    name: &str,
    trigger: Trigger,
    slot: String,
) -> AppResult<Option<JobRun>> {
    if !is_known_job(name) {
        return Err(AppError::NotFound(format!("没有名为 {name} 的任务")));
    }
    let instance = state.instance_id.clone();
    let job = name.to_owned();
    let claimed = state
        .db
        .run(move |conn| Ok(runs::claim(conn, &job, &slot, &instance, trigger)?))
        .await?;
    let Some(run_id) = claimed else {
        tracing::debug!(job = name, "slot already claimed by another run");
        return Ok(None);
    };
    let span = tracing::info_span!("job", job = name, run_id);
    let outcome = {
        let _entered = span.enter();
        tracing::info!("job started");
        execute(state, name).await
    };
    let (ok, detail) = match &outcome {
        Ok(value) => (true, value.to_string()),
        Err(error) => {
            tracing::error!(job = name, error = %error, "job failed");
            (false, format!("{error:#}"))
        }
    };
    let finished = state
        .db
        .run(move |conn| Ok(runs::finish(conn, run_id, ok, &detail)?))
        .await?;
    Ok(Some(finished))
}

/// Runs a job now for an admin or the CLI, in a slot of its own.
pub async fn run_now(state: &AppState, name: &str, trigger: Trigger) -> AppResult<JobRun> {
    let slot = runs::unique_slot(trigger);
    run(state, name, trigger, slot)
        .await?
        .ok_or_else(|| AppError::Conflict("任务时段冲突，请重试".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn schedules_need_six_fields() {
        assert!(parse_schedule("0 * * * * *").is_ok());
        assert!(parse_schedule("0 0 2 * * *").is_ok());
        assert!(parse_schedule("* * * * *").is_err());
        assert!(parse_schedule("0 61 * * * *").is_err());
    }

    #[test]
    fn fires_of_one_tick_share_a_slot() {
        let every_minute = parse_schedule("0 * * * * *").expect("cron");
        let a = Utc
            .with_ymd_and_hms(2026, 3, 1, 4, 5, 0)
            .single()
            .expect("t")
            + chrono::Duration::milliseconds(3);
        let b = a + chrono::Duration::milliseconds(850);
        assert_eq!(slot_for(&every_minute, a), slot_for(&every_minute, b));
        assert_eq!(slot_for(&every_minute, a), "2026-03-01T12:05:00+08:00");
        let next_minute = a + chrono::Duration::seconds(60);
        assert_ne!(
            slot_for(&every_minute, a),
            slot_for(&every_minute, next_minute)
        );
    }

    #[test]
    fn daily_slot_is_counted_in_shanghai() {
        let two_am = parse_schedule("0 0 2 * * *").expect("cron");
        // 18:00:01 UTC on 28 Feb is 02:00:01 on 1 Mar in Shanghai.
        let fired = Utc
            .with_ymd_and_hms(2026, 2, 28, 18, 0, 1)
            .single()
            .expect("t");
        assert_eq!(slot_for(&two_am, fired), "2026-03-01T02:00:00+08:00");
        let next = next_fire(&two_am, fired).expect("next");
        assert_eq!(
            next,
            Utc.with_ymd_and_hms(2026, 3, 1, 18, 0, 0)
                .single()
                .expect("t")
        );
    }
}
