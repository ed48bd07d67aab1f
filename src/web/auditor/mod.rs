//! The auditor's pages: the audit trail and its verification.
//!
//! `GET /app/audit` lists the hash-chained audit trail newest first (filters: entity type,
//! entity id, action; 50 rows a page) — the same query as `GET /api/v1/audit`, open to
//! auditors and admins. `POST /app/audit/verify` (CSRF) recomputes the whole chain like
//! `GET /api/v1/audit/verify` and shows the result on the page. Nothing here changes data.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::flash::Flash;
use crate::app::AppState;
use crate::audit::{self, AuditRow, VerifyReport};
use crate::auth::{CurrentUser, Role};
use crate::error::AppResult;
use crate::public::shanghai_minutes;
use crate::web::csrf::CsrfForm;
use crate::web::form::FormData;
use crate::web::layout::{PageUser, Shell};

/// The messages this module's redirects show.
pub const FLASHES: &[Flash] = &[];

/// Rows per page.
const PER_PAGE: i64 = 50;

/// Registers this module's pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(audit_page).service(verify_chain);
}

/// `403` unless the user is an auditor or an admin (as `GET /api/v1/audit`).
fn reader(user: &CurrentUser) -> AppResult<()> {
    user.require_any(&[Role::Admin, Role::Auditor])
}

/// The filters and page of the trail, as in the query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditFilter {
    /// e.g. `project`.
    #[serde(default)]
    pub entity_type: String,
    /// The entity's id.
    #[serde(default)]
    pub entity_id: String,
    /// e.g. `bid.score`.
    #[serde(default)]
    pub action: String,
    /// Page from 1.
    #[serde(default)]
    pub page: Option<i64>,
}

impl AuditFilter {
    fn clean(value: &str) -> Option<String> {
        let value = value.trim();
        (!value.is_empty()).then(|| value.to_owned())
    }

    /// The query string of these filters on page `page`.
    fn query(&self, page: i64) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (name, value) in [
            ("entity_type", &self.entity_type),
            ("entity_id", &self.entity_id),
            ("action", &self.action),
        ] {
            if let Some(v) = Self::clean(value) {
                pairs.push((name, v));
            }
        }
        pairs.push(("page", page.to_string()));
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}

/// One row of the trail as shown.
#[derive(Debug, Clone)]
pub struct AuditLine {
    /// Row id.
    pub id: i64,
    /// Sequence number in the chain.
    pub seq: i64,
    /// Beijing time.
    pub at: String,
    /// Who acted.
    pub actor: String,
    /// Action code.
    pub action: String,
    /// `type` and `id` of the entity.
    pub entity_type: String,
    /// Entity id.
    pub entity_id: String,
    /// First 12 hex digits of the row's hash.
    pub hash: String,
}

impl From<&AuditRow> for AuditLine {
    fn from(row: &AuditRow) -> Self {
        AuditLine {
            id: row.id,
            seq: row.seq,
            at: shanghai_minutes(row.occurred_at),
            actor: row.actor.clone(),
            action: row.action.clone(),
            entity_type: row.entity_type.clone(),
            entity_id: row.entity_id.clone(),
            hash: row.hash.chars().take(12).collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "workspace/auditor/audit.html")]
struct AuditPage {
    shell: Shell,
    filter: AuditFilter,
    rows: Vec<AuditLine>,
    total: i64,
    page: i64,
    pages: i64,
    previous: Option<String>,
    next: Option<String>,
    report: Option<VerifyReport>,
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    filter: AuditFilter,
    report: Option<VerifyReport>,
) -> AppResult<HttpResponse> {
    let page = filter.page.unwrap_or(1).max(1);
    let (entity_type, entity_id, action) = (
        AuditFilter::clean(&filter.entity_type),
        AuditFilter::clean(&filter.entity_id),
        AuditFilter::clean(&filter.action),
    );
    let (rows, total) = state
        .db
        .run(move |conn| {
            Ok(audit::list_by(
                conn,
                entity_type.as_deref(),
                entity_id.as_deref(),
                action.as_deref(),
                (page - 1).saturating_mul(PER_PAGE),
                PER_PAGE,
            )?)
        })
        .await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let link = |p: i64| format!("/app/audit?{}", filter.query(p));
    let shell = Shell::new(req, user)?;
    shell.respond(&AuditPage {
        shell: shell.clone(),
        previous: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        filter,
        rows: rows.iter().map(AuditLine::from).collect(),
        total,
        page,
        pages,
        report,
    })
}

/// `GET /app/audit`: the audit trail, newest first.
#[get("/app/audit")]
pub async fn audit_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    query: web::Query<AuditFilter>,
) -> AppResult<HttpResponse> {
    reader(&user.0)?;
    render(&req, &state, &user.0, query.into_inner(), None).await
}

/// `POST /app/audit/verify`: recomputes the whole hash chain and shows the result.
#[post("/app/audit/verify")]
pub async fn verify_chain(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    _data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    reader(&user.0)?;
    let report = state.db.run(|conn| Ok(audit::verify(conn)?)).await?;
    render(&req, &state, &user.0, AuditFilter::default(), Some(report)).await
}
