//! `/api/v1/contractors`: public registration, the record, review, violations, qualification.

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use serde_json::Value;

use super::input::{AccountFields, ContractorFields, ContractorPatch};
use super::service::{self, ReviewRequest, ViolationRequest};
use super::views::{ContractorView, PublicContractorView, QualificationView, ViolationView};
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult, ErrorBody, FieldErrors};
use crate::extract::{ApiJson, Page, PageQuery, parse_json};

/// Splits a registration body into the organization and the account, naming fields of the
/// account as `account.…` in errors.
fn split_registration(mut body: Value) -> AppResult<(ContractorFields, AccountFields)> {
    let account_value = body
        .as_object_mut()
        .and_then(|o| o.remove("account"))
        .ok_or_else(|| AppError::field("account", "必填：{username, password, email}"))?;
    let fields: ContractorFields = parse_json(body.to_string().as_bytes())?;
    let account: AccountFields =
        parse_json(account_value.to_string().as_bytes()).map_err(|e| match e {
            AppError::Validation(fields) => AppError::Validation(
                fields
                    .into_iter()
                    .map(|(k, v)| (format!("account.{k}"), v))
                    .collect::<FieldErrors>(),
            ),
            other => other,
        })?;
    Ok((fields, account))
}

/// Register a contractor and its first user (public); status `pending`.
#[utoipa::path(post, path = "/api/v1/contractors/register", tag = "parties",
    request_body(content = ContractorFields, description = "organization fields plus `account: {username, password, email}`"),
    responses((status = 201, body = ContractorView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/v1/contractors/register")]
pub async fn register(state: web::Data<AppState>, body: ApiJson<Value>) -> AppResult<HttpResponse> {
    let (fields, account) = split_registration(body.0)?;
    let now = state.clock.now();
    let today = state.clock.today();
    let auth = state.settings.auth.clone();
    let (row, _user_id) = state
        .db
        .run(move |conn| service::register(conn, now, today, &auth, &fields, &account))
        .await?;
    Ok(HttpResponse::Created().json(row.view(today)))
}

/// Filters of the contractor list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `pending`, `qualified`, `rejected`, `suspended`.
    pub status: Option<String>,
    /// Page from 1.
    pub page: Option<i64>,
    /// 1–100.
    pub per_page: Option<i64>,
}

/// Contractors (officers, admins, auditors), optionally by status.
#[utoipa::path(get, path = "/api/v1/contractors", tag = "parties", params(ListQuery),
    responses((status = 200, description = "{items: [ContractorView], page, per_page, total}"), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/contractors")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    user.require_any(&[Role::Admin, Role::Officer, Role::Auditor])?;
    let query = query.into_inner();
    let (page, per_page) = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .resolve()?;
    if let Some(status) = &query.status
        && crate::domain::contractor_status::ContractorStatus::parse(status).is_none()
    {
        return Err(AppError::field(
            "status",
            "须为 pending、qualified、rejected、suspended 之一",
        ));
    }
    let today = state.clock.today();
    let (rows, total) = state
        .db
        .run(move |conn| {
            Ok(super::model::list(
                conn,
                query.status.as_deref(),
                (page - 1) * per_page,
                per_page,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(|r| r.view(today)).collect::<Vec<_>>(),
        page,
        per_page,
        total,
    }))
}

/// The full record (owner, officers, admins, auditors).
#[utoipa::path(get, path = "/api/v1/contractors/{id}", tag = "parties", params(("id" = i64, Path)),
    responses((status = 200, body = ContractorView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/contractors/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    service::ensure_can_read(&user, id)?;
    let today = state.clock.today();
    let row = state.db.run(move |conn| service::get(conn, id)).await?;
    Ok(HttpResponse::Ok().json(row.view(today)))
}

/// The public record: no contact details, an individual's ID number masked.
#[utoipa::path(get, path = "/api/v1/contractors/{id}/public", tag = "parties", params(("id" = i64, Path)),
    responses((status = 200, body = PublicContractorView), (status = 404, body = ErrorBody)))]
#[get("/api/v1/contractors/{id}/public")]
pub async fn show_public(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let today = state.clock.today();
    let view = state
        .db
        .run(move |conn| {
            let row = service::get(conn, id)?;
            let mut view = row.public_view(today);
            view.priority = super::model::has_priority_mark(conn, id)?;
            view.barred_years = super::model::barred_years(conn, id)?;
            Ok(view)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Change the record (owner: its data; officer in scope or admin: `on_dishonest_list`).
#[utoipa::path(patch, path = "/api/v1/contractors/{id}", tag = "parties", params(("id" = i64, Path)),
    request_body = ContractorPatch,
    responses((status = 200, body = ContractorView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[patch("/api/v1/contractors/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ContractorPatch>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let today = state.clock.today();
    let patch = body.0;
    let row = state
        .db
        .run(move |conn| service::update(conn, &user, now, today, id, &patch))
        .await?;
    Ok(HttpResponse::Ok().json(row.view(today)))
}

/// Review: approve, reject or suspend, with a reason (officer in scope, admin).
#[utoipa::path(post, path = "/api/v1/contractors/{id}/review", tag = "parties", params(("id" = i64, Path)),
    request_body = ReviewRequest,
    responses((status = 200, body = ContractorView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/contractors/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ReviewRequest>,
) -> AppResult<HttpResponse> {
    user.require_any(&[Role::Admin, Role::Officer])?;
    let id = id.into_inner();
    let now = state.clock.now();
    let today = state.clock.today();
    let settings = state.settings.qualification.clone();
    let request = body.0;
    let row = state
        .db
        .run(move |conn| service::review(conn, &user, now, today, &settings, id, &request))
        .await?;
    Ok(HttpResponse::Ok().json(row.view(today)))
}

/// Optional domain the business scope must cover.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct QualificationQuery {
    /// A catalog domain code.
    pub domain: Option<String>,
}

/// The ten named qualification checks, as of today.
#[utoipa::path(get, path = "/api/v1/contractors/{id}/qualification", tag = "parties",
    params(("id" = i64, Path), QualificationQuery),
    responses((status = 200, body = QualificationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/contractors/{id}/qualification")]
pub async fn qualification(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    query: web::Query<QualificationQuery>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    service::ensure_can_read(&user, id)?;
    let today = state.clock.today();
    let requirements =
        service::base_requirements(&state.settings.qualification, query.into_inner().domain);
    let report = state
        .db
        .run(move |conn| {
            let row = service::get(conn, id)?;
            service::qualification(conn, &row, &requirements, today)
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Record a violation (officer in scope, admin).
#[utoipa::path(post, path = "/api/v1/contractors/{id}/violations", tag = "parties", params(("id" = i64, Path)),
    request_body = ViolationRequest,
    responses((status = 201, body = ViolationView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/contractors/{id}/violations")]
pub async fn add_violation(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ViolationRequest>,
) -> AppResult<HttpResponse> {
    user.require_any(&[Role::Admin, Role::Officer])?;
    let id = id.into_inner();
    let now = state.clock.now();
    let today = state.clock.today();
    let request = body.0;
    let violation = state
        .db
        .run(move |conn| service::add_violation(conn, &user, now, today, id, &request))
        .await?;
    Ok(HttpResponse::Created().json(violation.view()))
}

/// The violations of a contractor (owner, officers, admins, auditors).
#[utoipa::path(get, path = "/api/v1/contractors/{id}/violations", tag = "parties", params(("id" = i64, Path)),
    responses((status = 200, body = [ViolationView]), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/contractors/{id}/violations")]
pub async fn violations(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    service::ensure_can_read(&user, id)?;
    let rows = state
        .db
        .run(move |conn| {
            service::get(conn, id)?;
            Ok(super::model::violations(conn, id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(|v| v.view()).collect::<Vec<_>>()))
}

/// OpenAPI of this area.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    register,
    list,
    show,
    show_public,
    update,
    review,
    qualification,
    add_violation,
    violations
))]
pub struct ContractorsApi;

/// Registers the handlers (`register` before `{id}` so the literal path wins).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register)
        .service(list)
        .service(show_public)
        .service(qualification)
        .service(violations)
        .service(add_violation)
        .service(review)
        .service(show)
        .service(update);
}
