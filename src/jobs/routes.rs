//! `GET /api/v1/admin/jobs` and `POST /api/v1/admin/jobs/{name}/run` (admin).

use actix_web::{HttpResponse, get, post, web};
use serde::Serialize;
use serde_json::json;

use super::{JOB_NAMES, JobRun, Trigger, describe, next_fire, parse_schedule, runs};
use crate::app::AppState;
use crate::audit;
use crate::auth::CurrentUser;
use crate::clock::Clock;
use crate::error::{AppError, AppResult, ErrorBody};

/// One job on the admin page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobInfo {
    /// Job name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Cron schedule, or null when disabled.
    pub schedule: Option<String>,
    /// Next scheduled fire (RFC 3339).
    pub next_run_at: Option<String>,
    /// The five latest runs.
    pub last_runs: Vec<JobRun>,
}

/// Every job, its schedule and its latest runs.
#[utoipa::path(
    get, path = "/api/v1/admin/jobs", tag = "admin",
    responses((status = 200, body = [JobInfo]), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/admin/jobs")]
pub async fn list(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let jobs = job_infos(&state).await?;
    Ok(HttpResponse::Ok().json(jobs))
}

/// Every job of this build with its schedule, next fire and five latest runs (API and
/// workspace page).
pub async fn job_infos(state: &AppState) -> AppResult<Vec<JobInfo>> {
    let runs = state
        .db
        .run(|conn| {
            let mut all = Vec::new();
            for &name in JOB_NAMES {
                all.push(runs::recent(conn, name, 5)?);
            }
            Ok(all)
        })
        .await?;
    let now = Clock::wall_time();
    let jobs: Vec<JobInfo> = JOB_NAMES
        .iter()
        .zip(runs)
        .map(|(&name, last_runs)| {
            let schedule = state.settings.job_schedule(name).map(str::to_owned);
            let next_run_at = schedule
                .as_deref()
                .and_then(|s| parse_schedule(s).ok())
                .and_then(|cron| next_fire(&cron, now))
                .map(|t| t.to_rfc3339());
            JobInfo {
                name: name.to_owned(),
                description: describe(name).to_owned(),
                schedule,
                next_run_at,
                last_runs,
            }
        })
        .collect();
    Ok(jobs)
}

/// Runs a job at once and returns the run record.
#[utoipa::path(
    post, path = "/api/v1/admin/jobs/{name}/run", tag = "admin",
    params(("name" = String, Path, description = "job name")),
    responses((status = 200, body = JobRun), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/admin/jobs/{name}/run")]
pub async fn run(
    state: web::Data<AppState>,
    user: CurrentUser,
    name: web::Path<String>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let name = name.into_inner();
    let run = run_by_admin(&state, &user, &name).await?;
    Ok(HttpResponse::Ok().json(run))
}

/// Runs a job at once for an admin (API and workspace page): `404` for an unknown job; the
/// request is audited (`job.run`) before the run, which is recorded in `job_runs`.
pub async fn run_by_admin(state: &AppState, user: &CurrentUser, name: &str) -> AppResult<JobRun> {
    user.require_admin()?;
    if !super::is_known_job(name) {
        return Err(AppError::NotFound(format!("没有名为 {name} 的任务")));
    }
    let actor = user.actor(state.clock.now());
    let job = name.to_owned();
    state
        .db
        .run(move |conn| {
            crate::db::write_tx(conn, |conn| {
                audit::record(
                    conn,
                    &actor,
                    "job.run",
                    "job",
                    &job,
                    None,
                    Some(&json!({ "trigger": "manual" })),
                )
                .map(|_| ())
            })
            .map_err(AppError::from)
        })
        .await?;
    super::run_now(state, name, Trigger::Manual).await
}

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(run);
}
