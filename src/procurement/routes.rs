//! `/api/v1/budgets` and `/api/v1/projects`: design, intention, tender, cancellation.

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;

use super::access::{ensure_can_read, ensure_officer_of};
use super::budgets::{self, BudgetView, NewBudget};
use super::projects::model;
use super::projects::service::{self as projects, NewProject, ProjectPatch, ProjectView};
use super::tenders::service::{self as tenders, PublishTender, TenderView};
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{ApiJson, Page, PageQuery};

/// Register an annual budget (officer of the purchaser).
#[utoipa::path(post, path = "/api/v1/budgets", tag = "procurement", request_body = NewBudget,
    responses((status = 201, body = BudgetView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/budgets")]
pub async fn create_budget(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<NewBudget>,
) -> AppResult<HttpResponse> {
    let input = body.0;
    ensure_officer_of(&user, input.purchaser_id)?;
    let actor = user.actor(state.clock.now());
    let row = state
        .db
        .run(move |conn| budgets::create(conn, &actor, &input))
        .await?;
    Ok(HttpResponse::Created().json(row.view()))
}

/// Filters of the budget list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BudgetQuery {
    /// Purchaser (officers see only their own).
    pub purchaser_id: Option<i64>,
    /// Year.
    pub year: Option<i32>,
}

/// Budgets with committed and available amounts (officer: own purchaser; auditor, admin).
#[utoipa::path(get, path = "/api/v1/budgets", tag = "procurement", params(BudgetQuery),
    responses((status = 200, body = [BudgetView]), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/budgets")]
pub async fn list_budgets(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<BudgetQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let purchaser = match user.role {
        Role::Officer => {
            let own = user.purchaser_id;
            if query.purchaser_id.is_some() && query.purchaser_id != own {
                return Err(AppError::Forbidden("只能查看本采购人的预算".to_owned()));
            }
            own
        }
        Role::Auditor | Role::Admin => query.purchaser_id,
        _ => return Err(AppError::Forbidden("无权查看预算".to_owned())),
    };
    let rows = state
        .db
        .run(move |conn| Ok(budgets::list(conn, purchaser, query.year)?))
        .await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(|b| b.view()).collect::<Vec<_>>()))
}

/// Create a project in draft, committing its budget (officer of the purchaser).
#[utoipa::path(post, path = "/api/v1/projects", tag = "procurement", request_body = NewProject,
    responses((status = 201, body = ProjectView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/projects")]
pub async fn create_project(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<NewProject>,
) -> AppResult<HttpResponse> {
    let input = body.0;
    let now = state.clock.now();
    let rules = state.rules.clone();
    let view = state
        .db
        .run(move |conn| {
            let row = projects::create(conn, &rules, &user, now, &input)?;
            projects::view(conn, &rules, &row)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Filters of the project list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ProjectQuery {
    /// Status code.
    pub status: Option<String>,
    /// Purchaser (officers see only their own).
    pub purchaser_id: Option<i64>,
    /// Page from 1.
    pub page: Option<i64>,
    /// 1–100.
    pub per_page: Option<i64>,
}

/// Projects (officer: own purchaser; auditor, admin: all).
#[utoipa::path(get, path = "/api/v1/projects", tag = "procurement", params(ProjectQuery),
    responses((status = 200, description = "{items: [ProjectView], page, per_page, total}"), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/projects")]
pub async fn list_projects(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ProjectQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let (page, per_page) = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .resolve()?;
    let purchaser = match user.role {
        Role::Officer => {
            if query.purchaser_id.is_some() && query.purchaser_id != user.purchaser_id {
                return Err(AppError::Forbidden("只能查看本采购人的项目".to_owned()));
            }
            user.purchaser_id
        }
        Role::Auditor | Role::Admin => query.purchaser_id,
        _ => return Err(AppError::Forbidden("无权查看项目列表".to_owned())),
    };
    if let Some(status) = &query.status
        && crate::domain::project_status::ProjectStatus::parse(status).is_none()
    {
        return Err(AppError::field("status", "未知的项目状态"));
    }
    let rules = state.rules.clone();
    let status = query.status.clone();
    let result = state
        .db
        .run(move |conn| {
            let (rows, total) = model::list(
                conn,
                purchaser,
                status.as_deref(),
                (page - 1) * per_page,
                per_page,
            )?;
            let mut items = Vec::with_capacity(rows.len());
            for row in &rows {
                items.push(projects::view(conn, &rules, row)?);
            }
            Ok(Page {
                items,
                page,
                per_page,
                total,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}

/// One project (officer of its purchaser, auditor, admin).
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "procurement", params(("id" = i64, Path)),
    responses((status = 200, body = ProjectView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/projects/{id}")]
pub async fn show_project(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let rules = state.rules.clone();
    let view = state
        .db
        .run(move |conn| {
            let row = model::get(conn, id)?;
            ensure_can_read(&user, row.purchaser_id)?;
            projects::view(conn, &rules, &row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Edit a draft project.
#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "procurement", params(("id" = i64, Path)),
    request_body = ProjectPatch,
    responses((status = 200, body = ProjectView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[patch("/api/v1/projects/{id}")]
pub async fn update_project(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ProjectPatch>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let rules = state.rules.clone();
    let patch = body.0;
    let view = state
        .db
        .run(move |conn| {
            let row = projects::update(conn, &rules, &user, now, id, &patch)?;
            projects::view(conn, &rules, &row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Publish the procurement intention (采购意向公告).
#[utoipa::path(post, path = "/api/v1/projects/{id}/intention", tag = "procurement", params(("id" = i64, Path)),
    responses((status = 200, body = ProjectView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/projects/{id}/intention")]
pub async fn publish_intention(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let rules = state.rules.clone();
    let view = state
        .db
        .run(move |conn| {
            let row = projects::publish_intention(conn, &rules, &user, now, id)?;
            projects::view(conn, &rules, &row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Publish the tender (采购公告): `tendering`.
#[utoipa::path(post, path = "/api/v1/projects/{id}/tender", tag = "procurement", params(("id" = i64, Path)),
    request_body = PublishTender,
    responses((status = 201, body = TenderView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/projects/{id}/tender")]
pub async fn publish_tender(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<PublishTender>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let rules = state.rules.clone();
    let calendar = state.calendar.clone();
    let base = state.settings.qualification.clone();
    let input = body.0;
    let view = state
        .db
        .run(move |conn| {
            let tender = tenders::publish(conn, &rules, &calendar, &base, &user, now, id, &input)?;
            tenders::view(conn, &tender)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The current tender of a project (public once published).
#[utoipa::path(get, path = "/api/v1/projects/{id}/tender", tag = "procurement", params(("id" = i64, Path)),
    responses((status = 200, body = TenderView), (status = 404, body = ErrorBody)))]
#[get("/api/v1/projects/{id}/tender")]
pub async fn show_tender(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .db
        .run(move |conn| {
            let tender = super::tenders::model::current(conn, id)?
                .ok_or_else(|| AppError::NotFound("该项目尚未发布采购公告".to_owned()))?;
            tenders::view(conn, &tender)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `POST /api/v1/projects/{id}/cancel`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Why.
    pub reason: String,
}

/// Cancel a project before opening; the budget commitment is released.
#[utoipa::path(post, path = "/api/v1/projects/{id}/cancel", tag = "procurement", params(("id" = i64, Path)),
    request_body = CancelRequest,
    responses((status = 200, body = ProjectView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/projects/{id}/cancel")]
pub async fn cancel_project(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<CancelRequest>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let rules = state.rules.clone();
    let calendar = state.calendar.clone();
    let reason = body.0.reason;
    let view = state
        .db
        .run(move |conn| {
            let row = projects::cancel(conn, &rules, &calendar, &user, now, id, &reason)?;
            projects::view(conn, &rules, &row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// OpenAPI of this area.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create_budget,
    list_budgets,
    create_project,
    list_projects,
    show_project,
    update_project,
    publish_intention,
    publish_tender,
    show_tender,
    cancel_project
))]
pub struct ProcurementApi;

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_budget)
        .service(list_budgets)
        .service(create_project)
        .service(list_projects)
        .service(show_project)
        .service(update_project)
        .service(publish_intention)
        .service(publish_tender)
        .service(show_tender)
        .service(cancel_project);
}
