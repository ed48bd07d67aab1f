//! HTTP handlers of delivery: monthly service reports and their review, progress, and
//! supervision records.

use actix_web::{HttpResponse, get, post, web};

use super::service::{
    self, ProgressView, ReportInput, ReportView, ReviewInput, SupervisionInput, SupervisionView,
};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;

/// Submits a month's service report (a user of the contract's contractor; contract
/// `active`): aggregate figures only — unknown fields such as a service user's name are
/// refused. `201` for a new month; `200` when it replaces a returned report of that month;
/// `409 conflict` when the month is already reported.
#[utoipa::path(post, path = "/api/v1/contracts/{id}/reports", tag = "delivery",
    params(("id" = i64, Path)), request_body = ReportInput,
    responses((status = 201, body = ReportView), (status = 200, body = ReportView),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/contracts/{id}/reports")]
pub async fn submit_report(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ReportInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let input = body.0;
    let submitted = state
        .db
        .run(move |conn| service::submit_report(conn, &user, now, id, &input))
        .await?;
    if submitted.resubmitted {
        Ok(HttpResponse::Ok().json(submitted.report))
    } else {
        Ok(HttpResponse::Created().json(submitted.report))
    }
}

/// The reports of a contract by month (its parties, auditors, admins).
#[utoipa::path(get, path = "/api/v1/contracts/{id}/reports", tag = "delivery",
    params(("id" = i64, Path)),
    responses((status = 200, body = [ReportView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/contracts/{id}/reports")]
pub async fn list_reports(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .db
        .run(move |conn| service::list_reports(conn, &user, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// One report (the parties of its contract, auditors, admins).
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "delivery",
    params(("id" = i64, Path)),
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/reports/{id}")]
pub async fn show_report(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .db
        .run(move |conn| service::show_report(conn, &user, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Reviews a submitted report (an officer of the contract's purchaser): `accepted`, or
/// `returned` with a comment, which mails the contractor's users. `409 invalid_state` unless
/// the report is `submitted`.
#[utoipa::path(post, path = "/api/v1/reports/{id}/review", tag = "delivery",
    params(("id" = i64, Path)), request_body = ReviewInput,
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/reports/{id}/review")]
pub async fn review_report(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ReviewInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let input = body.0;
    let view = state
        .db
        .run(move |conn| service::review_report(conn, &user, now, id, &input))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Every quantity target of the project against the sums of accepted reports (its parties,
/// auditors, admins). The target-to-figure mapping is documented in
/// `contracts::delivery::progress`.
#[utoipa::path(get, path = "/api/v1/contracts/{id}/progress", tag = "delivery",
    params(("id" = i64, Path)),
    responses((status = 200, body = ProgressView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/contracts/{id}/progress")]
pub async fn progress(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .db
        .run(move |conn| service::progress(conn, &user, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Records a supervision session (督导) (an officer of the purchaser, or an evaluator;
/// contract `active`).
#[utoipa::path(post, path = "/api/v1/contracts/{id}/supervisions", tag = "delivery",
    params(("id" = i64, Path)), request_body = SupervisionInput,
    responses((status = 201, body = SupervisionView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/contracts/{id}/supervisions")]
pub async fn record_supervision(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<SupervisionInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let input = body.0;
    let view = state
        .db
        .run(move |conn| service::record_supervision(conn, &user, now, id, &input))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The supervisions of a contract (its parties, auditors, admins).
#[utoipa::path(get, path = "/api/v1/contracts/{id}/supervisions", tag = "delivery",
    params(("id" = i64, Path)),
    responses((status = 200, body = [SupervisionView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/contracts/{id}/supervisions")]
pub async fn list_supervisions(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .db
        .run(move |conn| service::list_supervisions(conn, &user, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// OpenAPI of this area.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    submit_report,
    list_reports,
    show_report,
    review_report,
    progress,
    record_supervision,
    list_supervisions
))]
pub struct DeliveryApi;

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(submit_report)
        .service(list_reports)
        .service(show_report)
        .service(review_report)
        .service(progress)
        .service(record_supervision)
        .service(list_supervisions);
}
