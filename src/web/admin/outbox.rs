//! `/app/admin/outbox?status=`: queued, sent and failed mail (newest first) with attempts and
//! the last error, and a retry button per failed message that does exactly what
//! `POST /api/v1/admin/outbox/{id}/retry` does ([`retry_audited`]).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::admin;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::notify::outbox::{self, STATUS_FAILED, STATUS_PENDING, STATUS_SENT};
use crate::notify::routes::retry_audited;
use crate::public::shanghai_minutes;
use crate::web::csrf::CsrfForm;
use crate::web::flash::Flash;
use crate::web::form::{FormData, FormState, see_other};
use crate::web::layout::{PageUser, Shell};

/// Shown after a failed message is queued again.
pub const OUTBOX_RETRIED: Flash =
    Flash::new("outbox_retried", "邮件已重新排队，将由发送任务尽快发送。");

/// Rows per page.
const PER_PAGE: i64 = 50;

/// One message as shown.
#[derive(Debug, Clone)]
pub struct MailLine {
    /// Id.
    pub id: i64,
    /// Queued (Beijing time).
    pub created: String,
    /// Kind code.
    pub kind: String,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// `pending | sent | failed`.
    pub status: String,
    /// 待发送 | 已发送 | 发送失败.
    pub status_label: &'static str,
    /// Attempts so far.
    pub attempts: i32,
    /// Next attempt or sending time (Beijing time).
    pub when: String,
    /// The last error.
    pub last_error: String,
}

#[derive(Template)]
#[template(path = "workspace/admin/outbox.html")]
struct OutboxPage {
    shell: Shell,
    status: String,
    mails: Vec<MailLine>,
    total: i64,
    page: i64,
    pages: i64,
    previous: Option<String>,
    next: Option<String>,
    form: FormState,
}

/// `?status=&page=`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OutboxParams {
    /// `pending | sent | failed`; all when blank.
    #[serde(default)]
    pub status: String,
    /// Page from 1.
    pub page: Option<i64>,
}

fn status_label(status: &str) -> &'static str {
    match status {
        STATUS_PENDING => "待发送",
        STATUS_SENT => "已发送",
        STATUS_FAILED => "发送失败",
        _ => "未知",
    }
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    params: OutboxParams,
    form: FormState,
    status_code: StatusCode,
) -> AppResult<HttpResponse> {
    let status = [STATUS_PENDING, STATUS_SENT, STATUS_FAILED]
        .into_iter()
        .find(|s| *s == params.status.trim())
        .map(str::to_owned);
    let page = params.page.unwrap_or(1).max(1);
    let filter = status.clone();
    let (rows, total) = state
        .db
        .run(move |conn| {
            Ok(outbox::list(
                conn,
                filter.as_deref(),
                (page - 1).saturating_mul(PER_PAGE),
                PER_PAGE,
            )?)
        })
        .await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let status = status.unwrap_or_default();
    let link = |p: i64| {
        let query =
            serde_urlencoded::to_string([("status", status.as_str()), ("page", &p.to_string())])
                .unwrap_or_default();
        format!("/app/admin/outbox?{query}")
    };
    let shell = Shell::new(req, user)?;
    let mut response = shell.respond(&OutboxPage {
        shell: shell.clone(),
        previous: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        mails: rows
            .iter()
            .map(|r| MailLine {
                id: r.id,
                created: shanghai_minutes(r.created_at),
                kind: r.kind.clone(),
                to: r.to_address.clone(),
                subject: r.subject.clone(),
                status_label: status_label(&r.status),
                status: r.status.clone(),
                attempts: r.attempts,
                when: match r.sent_at {
                    Some(sent) => format!("{} 发送", shanghai_minutes(sent)),
                    None if r.status == STATUS_PENDING => {
                        format!("{} 起尝试", shanghai_minutes(r.next_attempt_at))
                    }
                    None => String::new(),
                },
                last_error: r.last_error.clone().unwrap_or_default(),
            })
            .collect(),
        status,
        total,
        page,
        pages,
        form,
    })?;
    *response.status_mut() = status_code;
    Ok(response)
}

/// `GET /app/admin/outbox?status=&page=`.
#[get("/app/admin/outbox")]
pub async fn outbox_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    query: web::Query<OutboxParams>,
) -> AppResult<HttpResponse> {
    admin(&user.0)?;
    render(
        &req,
        &state,
        &user.0,
        query.into_inner(),
        FormState::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /app/admin/outbox/{id}/retry`: queues a failed message again.
#[post("/app/admin/outbox/{id}/retry")]
pub async fn retry(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    admin(&user)?;
    let id = id.into_inner();
    let mut form = FormState::from_data(&data.into_inner());
    let now = state.clock.now();
    let actor = user.actor(now);
    let result = state
        .db
        .run(move |conn| retry_audited(conn, &actor, id, now))
        .await;
    match result {
        Ok(_) => return Ok(see_other("/app/admin/outbox", OUTBOX_RETRIED)),
        Err(error) => form.absorb(error)?,
    }
    render(
        &req,
        &state,
        &user,
        OutboxParams::default(),
        form,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
