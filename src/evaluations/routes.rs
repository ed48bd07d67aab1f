//! HTTP handlers of performance evaluation.

use actix_web::{HttpResponse, get, post, put, web};

use super::service::{self, Env, EvaluationView, EvaluatorsInput, OpenInput, ScoresInput};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;

/// Opens an evaluation by hand (officer of the purchaser; contract `active`; `409` when that
/// kind exists). The `create_evaluations` job opens them on schedule.
#[utoipa::path(post, path = "/api/v1/contracts/{id}/evaluations", tag = "evaluations",
    params(("id" = i64, Path)), request_body = OpenInput,
    responses((status = 201, body = EvaluationView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/contracts/{id}/evaluations")]
pub async fn open(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<OpenInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let input = body.0;
    let settings = state.settings.clone();
    let view = state
        .db
        .run(move |conn| {
            service::open(
                conn,
                &settings.evaluation.indicators,
                &user,
                now,
                id,
                &input,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The evaluations of a contract (parties, auditor, admin).
#[utoipa::path(get, path = "/api/v1/contracts/{id}/evaluations", tag = "evaluations",
    params(("id" = i64, Path)),
    responses((status = 200, body = [EvaluationView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/contracts/{id}/evaluations")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let settings = state.settings.clone();
    let views = state
        .db
        .run(move |conn| service::list(conn, &settings.evaluation.indicators, &user, id))
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

/// One evaluation (parties, assigned evaluators, auditor, admin).
#[utoipa::path(get, path = "/api/v1/evaluations/{id}", tag = "evaluations",
    params(("id" = i64, Path)),
    responses((status = 200, body = EvaluationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/evaluations/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let settings = state.settings.clone();
    let view = state
        .db
        .run(move |conn| service::show(conn, &settings.evaluation.indicators, &user, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Assigns the evaluators (officer of the purchaser; evaluation open; before any score).
/// Rule `evaluator_conflict` (回避) for an evaluator linked to the contractor.
#[utoipa::path(put, path = "/api/v1/evaluations/{id}/evaluators", tag = "evaluations",
    params(("id" = i64, Path)), request_body = EvaluatorsInput,
    responses((status = 200, body = EvaluationView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[put("/api/v1/evaluations/{id}/evaluators")]
pub async fn set_evaluators(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<EvaluatorsInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let input = body.0;
    let settings = state.settings.clone();
    let view = state
        .db
        .run(move |conn| {
            service::set_evaluators(
                conn,
                &settings.evaluation.indicators,
                &user,
                now,
                id,
                &input,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Records the caller's score sheet (an assigned evaluator; evaluation open). The last sheet
/// grades the evaluation: total, grade, result notice and feedback into payments.
#[utoipa::path(put, path = "/api/v1/evaluations/{id}/scores", tag = "evaluations",
    params(("id" = i64, Path)), request_body = ScoresInput,
    responses((status = 200, body = EvaluationView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[put("/api/v1/evaluations/{id}/scores")]
pub async fn score(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ScoresInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let input = body.0;
    let state2 = state.clone();
    let view = state
        .db
        .run(move |conn| {
            let env = Env {
                indicators: &state2.settings.evaluation.indicators,
                rules: &state2.rules,
                calendar: &state2.calendar,
            };
            service::score(conn, env, &user, now, id, &input)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// OpenAPI of this area.
#[derive(utoipa::OpenApi)]
#[openapi(paths(open, list, show, set_evaluators, score))]
pub struct EvaluationsApi;

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(open)
        .service(list)
        .service(show)
        .service(set_evaluators)
        .service(score);
}
