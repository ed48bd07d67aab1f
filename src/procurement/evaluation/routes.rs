//! HTTP handlers of evaluation: the panel, scores, ranking, award and challenges.

use actix_web::{HttpResponse, get, post, put, web};

use super::service::{
    self, AnswerInput, AnswerView, AwardInput, AwardView, ChallengeInput, ChallengeView,
    PanelInput, PanelView, RankingView, ScoreSheetView, ScoresInput,
};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;

/// The panel of a project (officer of the purchaser, panel members, auditor, admin).
#[utoipa::path(get, path = "/api/v1/projects/{id}/panel", tag = "evaluation",
    params(("id" = i64, Path)),
    responses((status = 200, body = PanelView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/projects/{id}/panel")]
pub async fn show_panel(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .db
        .run(move |conn| service::panel_view(conn, &user, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Forms or replaces the evaluation panel (officer of the purchaser; project `evaluating`;
/// before any score). Rules `panel_size` (odd, ≥ 3) and `evaluator_conflict` (回避: an
/// evaluator whose `users.contractor_id` is a bidder).
#[utoipa::path(put, path = "/api/v1/projects/{id}/panel", tag = "evaluation",
    params(("id" = i64, Path)), request_body = PanelInput,
    responses((status = 200, body = PanelView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[put("/api/v1/projects/{id}/panel")]
pub async fn set_panel(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<PanelInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let input = body.0;
    let view = state
        .db
        .run(move |conn| service::set_panel(conn, &user, now, id, &input))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Records the caller's score sheet of a qualified bid (a panel member; project
/// `evaluating`); a second call before the award replaces it. Errors name `scores.<code>`.
#[utoipa::path(put, path = "/api/v1/projects/{id}/bids/{bid_id}/scores", tag = "evaluation",
    params(("id" = i64, Path), ("bid_id" = i64, Path)), request_body = ScoresInput,
    responses((status = 200, body = ScoreSheetView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[put("/api/v1/projects/{id}/bids/{bid_id}/scores")]
pub async fn score_bid(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, i64)>,
    body: ApiJson<ScoresInput>,
) -> AppResult<HttpResponse> {
    let (id, bid_id) = path.into_inner();
    let now = state.clock.now();
    let input = body.0;
    let view = state
        .db
        .run(move |conn| service::score_bid(conn, &user, now, id, bid_id, &input))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The caller's own score sheet of a bid (a panel member).
#[utoipa::path(get, path = "/api/v1/projects/{id}/bids/{bid_id}/scores", tag = "evaluation",
    params(("id" = i64, Path), ("bid_id" = i64, Path)),
    responses((status = 200, body = ScoreSheetView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/projects/{id}/bids/{bid_id}/scores")]
pub async fn my_scores(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, bid_id) = path.into_inner();
    let view = state
        .db
        .run(move |conn| service::my_scores(conn, &user, id, bid_id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The ranking of the qualified bids (officer of the purchaser, panel members, auditor,
/// admin); `403 bids_sealed` before opening.
#[utoipa::path(get, path = "/api/v1/projects/{id}/ranking", tag = "evaluation",
    params(("id" = i64, Path)),
    responses((status = 200, body = RankingView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/projects/{id}/ranking")]
pub async fn ranking(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .db
        .run(move |conn| service::ranking_view(conn, &user, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Awards the project (officer; `evaluating`; scoring complete, rule `scoring_incomplete`):
/// `awarded`, the award notice, and the challenge deadline.
#[utoipa::path(post, path = "/api/v1/projects/{id}/award", tag = "evaluation",
    params(("id" = i64, Path)), request_body = AwardInput,
    responses((status = 201, body = AwardView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/projects/{id}/award")]
pub async fn award(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<AwardInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let rules = state.rules.clone();
    let calendar = state.calendar.clone();
    let input = body.0;
    let view = state
        .db
        .run(move |conn| service::award(conn, &rules, &calendar, &user, now, id, &input))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The active award of a project (public).
#[utoipa::path(get, path = "/api/v1/projects/{id}/award", tag = "evaluation",
    params(("id" = i64, Path)),
    responses((status = 200, body = AwardView), (status = 404, body = ErrorBody)))]
#[get("/api/v1/projects/{id}/award")]
pub async fn show_award(state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let rules = state.rules.clone();
    let calendar = state.calendar.clone();
    let view = state
        .db
        .run(move |conn| service::show_award(conn, &rules, &calendar, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Files a challenge (质疑) against the award (a bidder; `awarded`; until the challenge
/// deadline, rule `challenge_window_closed`).
#[utoipa::path(post, path = "/api/v1/projects/{id}/challenges", tag = "evaluation",
    params(("id" = i64, Path)), request_body = ChallengeInput,
    responses((status = 201, body = ChallengeView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/projects/{id}/challenges")]
pub async fn file_challenge(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ChallengeInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let rules = state.rules.clone();
    let calendar = state.calendar.clone();
    let input = body.0;
    let view = state
        .db
        .run(move |conn| service::file_challenge(conn, &rules, &calendar, &user, now, id, &input))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The challenges of a project (officer of the purchaser, auditor, admin: all; a bidder:
/// its own).
#[utoipa::path(get, path = "/api/v1/projects/{id}/challenges", tag = "evaluation",
    params(("id" = i64, Path)),
    responses((status = 200, body = [ChallengeView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/projects/{id}/challenges")]
pub async fn list_challenges(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .db
        .run(move |conn| service::list_challenges(conn, &user, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Answers a pending challenge (officer of the purchaser): `rejected` records it; `upheld`
/// voids the award and re-opens evaluation, or fails the procurement when no qualified bid
/// remains.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/answer", tag = "evaluation",
    params(("id" = i64, Path)), request_body = AnswerInput,
    responses((status = 200, body = AnswerView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/challenges/{id}/answer")]
pub async fn answer_challenge(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<AnswerInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let rules = state.rules.clone();
    let calendar = state.calendar.clone();
    let input = body.0;
    let view = state
        .db
        .run(move |conn| service::answer_challenge(conn, &rules, &calendar, &user, now, id, &input))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// OpenAPI of this area.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    show_panel,
    set_panel,
    score_bid,
    my_scores,
    ranking,
    award,
    show_award,
    file_challenge,
    list_challenges,
    answer_challenge
))]
pub struct EvaluationApi;

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show_panel)
        .service(set_panel)
        .service(score_bid)
        .service(my_scores)
        .service(ranking)
        .service(award)
        .service(show_award)
        .service(file_challenge)
        .service(list_challenges)
        .service(answer_challenge);
}
