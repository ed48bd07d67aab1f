//! HTTP handlers of contracts: drafting, signing, reading, the payment schedule, paying an
//! installment and termination.

use actix_web::{HttpResponse, get, post, web};

use super::service::{
    self, ContractFilter, ContractInput, ContractView, DisputeInput, DisputeView, InstallmentInput,
    PaymentView, TerminateInput,
};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;

/// Drafts the contract of an awarded project (officer of the purchaser) once the challenge
/// window has closed (rule `challenge_window_open`) with no pending challenge (rule
/// `challenge_pending`); every term required; percents summing to 100 (rule
/// `payment_schedule_not_100`). `201` with the contract in `draft`.
#[utoipa::path(post, path = "/api/v1/projects/{id}/contract", tag = "contracts",
    params(("id" = i64, Path)), request_body = ContractInput,
    responses((status = 201, body = ContractView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/projects/{id}/contract")]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ContractInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let input = body.0;
    let view = state
        .db
        .run(move |conn| service::create(conn, &user, now, id, &input))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Contracts the caller may read (officers: their purchaser's; contractors: their own;
/// auditors and admins: all).
#[utoipa::path(get, path = "/api/v1/contracts", tag = "contracts",
    params(ContractFilter),
    responses((status = 200, description = "{items, page, per_page, total}"), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/contracts")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    filter: web::Query<ContractFilter>,
) -> AppResult<HttpResponse> {
    let filter = filter.into_inner();
    let page = state
        .db
        .run(move |conn| service::list(conn, &user, &filter))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One contract (the parties, auditors, admins).
#[utoipa::path(get, path = "/api/v1/contracts/{id}", tag = "contracts",
    params(("id" = i64, Path)),
    responses((status = 200, body = ContractView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/contracts/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .db
        .run(move |conn| service::show(conn, &user, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Signs the contract for the caller's party (purchaser officer or contractor user), in
/// either order; active when both have signed (contract notice, `on_signing` due, project
/// `contracted`). Rule `signing_deadline_passed` after 30 days from the award notice.
#[utoipa::path(post, path = "/api/v1/contracts/{id}/sign", tag = "contracts",
    params(("id" = i64, Path)),
    responses((status = 200, body = ContractView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/contracts/{id}/sign")]
pub async fn sign(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let rules = state.rules.clone();
    let calendar = state.calendar.clone();
    let view = state
        .db
        .run(move |conn| service::sign(conn, &rules, &calendar, &user, now, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The payment schedule of a contract (the parties, auditors, admins).
#[utoipa::path(get, path = "/api/v1/contracts/{id}/payments", tag = "contracts",
    params(("id" = i64, Path)),
    responses((status = 200, body = [PaymentView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/contracts/{id}/payments")]
pub async fn payments(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .db
        .run(move |conn| service::payments(conn, &user, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Pays a `due` installment (officer of the purchaser); `409 invalid_state` otherwise.
#[utoipa::path(post, path = "/api/v1/payments/{id}/pay", tag = "contracts",
    params(("id" = i64, Path)),
    responses((status = 200, body = PaymentView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/payments/{id}/pay")]
pub async fn pay(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let view = state
        .db
        .run(move |conn| service::pay(conn, &user, now, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Terminates an active contract (officer of the purchaser) with a reason: unpaid
/// installments withheld unless `pay_unpaid`, project `terminated`, termination notice.
#[utoipa::path(post, path = "/api/v1/contracts/{id}/terminate", tag = "contracts",
    params(("id" = i64, Path)), request_body = TerminateInput,
    responses((status = 200, body = ContractView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/contracts/{id}/terminate")]
pub async fn terminate(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<TerminateInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let rules = state.rules.clone();
    let calendar = state.calendar.clone();
    let input = body.0;
    let view = state
        .db
        .run(move |conn| service::terminate(conn, &rules, &calendar, &user, now, id, &input))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// OpenAPI of this area.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, list, show, sign, payments, pay, terminate),
    components(schemas(
        ContractInput,
        InstallmentInput,
        DisputeInput,
        TerminateInput,
        ContractView,
        DisputeView,
        PaymentView
    ))
)]
pub struct ContractsApi;

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(show)
        .service(sign)
        .service(payments)
        .service(pay)
        .service(terminate);
}
