//! The cron scheduler (tokio-cron-scheduler, Asia/Shanghai). It only fires: every fire goes
//! through [`super::run`], whose claim de-duplicates fires across instances.

use chrono_tz::Asia::Shanghai;
use tokio_cron_scheduler::{Job, JobScheduler};

use super::{JOB_NAMES, Trigger, parse_schedule, slot_for};
use crate::app::AppState;
use crate::clock::Clock;

/// Starts a scheduler with every enabled job; shut it down with `JobScheduler::shutdown`.
pub async fn start(state: AppState) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    for &name in JOB_NAMES {
        let Some(schedule) = state.settings.job_schedule(name).map(str::to_owned) else {
            tracing::info!(job = name, "job disabled (blank schedule)");
            continue;
        };
        let cron = parse_schedule(&schedule).map_err(anyhow::Error::msg)?;
        let state = state.clone();
        let job = Job::new_async_tz(schedule.as_str(), Shanghai, move |_id, _scheduler| {
            let state = state.clone();
            let slot = slot_for(&cron, Clock::wall_time());
            Box::pin(async move {
                if let Err(error) = super::run(&state, name, Trigger::Schedule, slot).await {
                    tracing::error!(job = name, error = %error, "scheduled run failed");
                }
            })
        })?;
        scheduler.add(job).await?;
        tracing::info!(job = name, schedule = schedule.as_str(), "job scheduled");
    }
    scheduler.start().await?;
    Ok(scheduler)
}
