//! `/app/admin/jobs`: every scheduled job with its schedule, next fire and latest runs, and a
//! "run now" form per job (with its confirmation box) that runs it exactly as
//! `POST /api/v1/admin/jobs/{name}/run` does ([`run_by_admin`]: audited, recorded).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::DateTime;
use chrono_tz::Asia::Shanghai;

use super::admin;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::jobs::is_known_job;
use crate::jobs::routes::{job_infos, run_by_admin};
use crate::public::shanghai_minutes;
use crate::web::csrf::CsrfForm;
use crate::web::flash::Flash;
use crate::web::form::{FormData, FormState, see_other};
use crate::web::layout::{PageUser, Shell};

/// Shown after a run that succeeded.
pub const JOB_RUN_OK: Flash = Flash::new(
    "job_run_ok",
    "任务已执行完成（成功），运行记录见该任务的“最近运行”。",
);
/// Shown after a run that failed.
pub const JOB_RUN_FAILED: Flash = Flash::new(
    "job_run_failed",
    "任务已执行，但运行失败，错误信息见该任务的“最近运行”。",
);

/// One run as shown.
#[derive(Debug, Clone)]
pub struct RunLine {
    /// Started (Beijing time).
    pub started: String,
    /// 定时 | 手动 | 命令行.
    pub trigger: &'static str,
    /// `ok`, `error` or `running`.
    pub outcome: String,
    /// Summary or error.
    pub detail: String,
}

/// One job as shown.
#[derive(Debug, Clone)]
pub struct JobLine {
    /// Name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Cron schedule, or None when disabled.
    pub schedule: Option<String>,
    /// Next fire (Beijing time).
    pub next: Option<String>,
    /// The latest runs.
    pub runs: Vec<RunLine>,
    /// Errors of this job's run form.
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "workspace/admin/jobs.html")]
struct JobsPage {
    shell: Shell,
    jobs: Vec<JobLine>,
}

fn trigger_label(kind: &str) -> &'static str {
    match kind {
        "schedule" => "定时",
        "manual" => "手动",
        _ => "命令行",
    }
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    refused: Option<(&str, &FormState)>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let infos = job_infos(state).await?;
    let jobs = infos
        .into_iter()
        .map(|info| {
            let errors = match refused {
                Some((name, form)) if name == info.name => form
                    .general()
                    .iter()
                    .chain(form.errors("confirm"))
                    .cloned()
                    .collect(),
                _ => Vec::new(),
            };
            JobLine {
                next: info
                    .next_run_at
                    .as_deref()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| {
                        t.with_timezone(&Shanghai)
                            .format("%Y-%m-%d %H:%M")
                            .to_string()
                    }),
                runs: info
                    .last_runs
                    .iter()
                    .map(|r| RunLine {
                        started: shanghai_minutes(r.started_at),
                        trigger: trigger_label(&r.trigger_kind),
                        outcome: r.outcome.clone(),
                        detail: r.detail.clone().unwrap_or_default(),
                    })
                    .collect(),
                name: info.name,
                description: info.description,
                schedule: info.schedule,
                errors,
            }
        })
        .collect();
    let shell = Shell::new(req, user)?;
    let mut response = shell.respond(&JobsPage {
        shell: shell.clone(),
        jobs,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /app/admin/jobs`.
#[get("/app/admin/jobs")]
pub async fn jobs_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> AppResult<HttpResponse> {
    admin(&user.0)?;
    render(&req, &state, &user.0, None, StatusCode::OK).await
}

/// `POST /app/admin/jobs/{name}/run`: runs a job now once the box is ticked; a flash tells
/// whether the run succeeded.
#[post("/app/admin/jobs/{name}/run")]
pub async fn run_job(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    name: web::Path<String>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    admin(&user)?;
    let name = name.into_inner();
    if !is_known_job(&name) {
        return Err(AppError::NotFound(format!("没有名为 {name} 的任务")));
    }
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    if form.confirmed(&data) {
        match run_by_admin(&state, &user, &name).await {
            Ok(run) => {
                let flash = if run.outcome == "ok" {
                    JOB_RUN_OK
                } else {
                    JOB_RUN_FAILED
                };
                return Ok(see_other(&format!("/app/admin/jobs#job-{name}"), flash));
            }
            Err(error) => form.absorb(error)?,
        }
    }
    render(
        &req,
        &state,
        &user,
        Some((&name, &form)),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
