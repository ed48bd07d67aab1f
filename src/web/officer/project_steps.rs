//! The forms of the project page (`POST /app/projects/{id}/<step>`), each calling the same
//! service as its JSON API handler and redirecting back to the page with a flash message, or
//! showing the page again (422) with the input and the Chinese reasons:
//!
//! | form | service (API) |
//! |---|---|
//! | `intention` | `projects::service::publish_intention` (`POST …/intention`) |
//! | `cancel` | `projects::service::cancel` (`POST …/cancel`) |
//! | `documents` (multipart) | `documents::upload_tender_document` (`POST …/documents`) |
//! | `tender` | `tenders::service::publish` (`POST …/tender`) |
//! | `open` | `bids::service::open_by_officer` (`POST …/open`) |
//! | `panel` | `evaluation::service::set_panel` (`PUT …/panel`) |
//! | `award` | `evaluation::service::award` (`POST …/award`) |
//! | `challenges/{cid}/answer` | `evaluation::service::answer_challenge` (`POST /api/v1/challenges/{id}/answer`) |
//!
//! Irreversible steps (intention, cancel, tender, open, award, answer) need the ticked
//! `confirm` box. Only the purchaser's officers reach a service: others get `403` first.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};

use super::project_page::{Forms, MAX_CRITERIA, render};
use super::shared::{filled_rows, project_url, remap_rows};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::procurement::access::ensure_officer_of;
use crate::procurement::bids::service as bids;
use crate::procurement::documents;
use crate::procurement::evaluation::model as evaluation_model;
use crate::procurement::evaluation::service::{
    self as evaluation, AnswerInput, AwardInput, PanelInput,
};
use crate::procurement::projects::model as projects_model;
use crate::procurement::projects::service as projects;
use crate::procurement::tenders::service::{
    self as tenders, CriterionInput, PublishTender, RequirementsInput,
};
use crate::storage::Storage;
use crate::web::csrf::CsrfForm;
use crate::web::flash::Flash;
use crate::web::form::{FormData, FormState, see_other};
use crate::web::layout::PageUser;
use crate::web::upload::read_form_upload;

/// After the intention is published.
pub const INTENTION_PUBLISHED: Flash = Flash::new(
    "intention_published",
    "采购意向公告已发布。公开满 30 日后可发布采购公告。",
);
/// After a cancellation.
pub const PROJECT_CANCELLED: Flash =
    Flash::new("project_cancelled", "项目已取消，预算占用已释放。");
/// After a tender document upload.
pub const DOCUMENT_UPLOADED: Flash = Flash::new("tender_document_uploaded", "采购文件已上传。");
/// After the tender is published.
pub const TENDER_PUBLISHED: Flash = Flash::new(
    "tender_published",
    "采购公告已发布，投标截止前投标内容保密。",
);
/// After an opening with enough qualified bids.
pub const BIDS_OPENED: Flash = Flash::new(
    "bids_opened",
    "已开标，开标记录已公开。下一步：组建评审委员会。",
);
/// After an opening with too few qualified bids.
pub const BIDS_OPENED_FAILED: Flash = Flash::new(
    "bids_opened_failed",
    "已开标：合格投标不足，本次采购失败，已发布废标公告。",
);
/// After the panel is formed.
pub const PANEL_SET: Flash =
    Flash::new("panel_set", "评审委员会已组建，评审专家可在其工作台评分。");
/// After the award.
pub const PROJECT_AWARDED: Flash = Flash::new(
    "project_awarded",
    "已确定中标人，中标（成交）结果公告已发布。",
);
/// After a challenge is answered.
pub const CHALLENGE_ANSWERED: Flash = Flash::new("challenge_answered", "质疑答复已提交。");

/// `403` unless `user` is an officer of project `id`'s purchaser (`404` when it does not
/// exist) — before anything is parsed or written.
async fn ensure_acting_officer(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    id: i64,
) -> AppResult<()> {
    let user = user.clone();
    state
        .db
        .run(move |conn| {
            let row = projects_model::get(conn, id)?;
            ensure_officer_of(&user, row.purchaser_id)
        })
        .await
}

/// The page again with a refused form.
async fn refused(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: &CurrentUser,
    id: i64,
    forms: Forms,
) -> AppResult<HttpResponse> {
    render(
        req,
        state,
        user,
        id,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `POST /app/projects/{id}/intention`: publishes the procurement intention (confirm).
#[post("/app/projects/{id}/intention")]
pub async fn publish_intention(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let (user, id, data) = (user.0, id.into_inner(), data.into_inner());
    ensure_acting_officer(&state, &user, id).await?;
    let mut form = FormState::from_data(&data);
    if form.confirmed(&data) {
        let (now, rules, actor) = (state.clock.now(), state.rules.clone(), user.clone());
        let result = state
            .db
            .run(move |conn| projects::publish_intention(conn, &rules, &actor, now, id))
            .await;
        match result {
            Ok(_) => return Ok(see_other(&project_url(id), INTENTION_PUBLISHED)),
            Err(error) => form.absorb(error)?,
        }
    }
    let forms = Forms {
        intention: Some(form),
        ..Forms::default()
    };
    refused(&req, &state, &user, id, forms).await
}

/// `POST /app/projects/{id}/cancel`: cancels before opening, with a reason (confirm).
#[post("/app/projects/{id}/cancel")]
pub async fn cancel_project(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let (user, id, data) = (user.0, id.into_inner(), data.into_inner());
    ensure_acting_officer(&state, &user, id).await?;
    let mut form = FormState::from_data(&data);
    let reason = form.required(&data, "reason", "取消理由");
    let confirmed = form.confirmed(&data);
    if let (Some(reason), true) = (reason, confirmed) {
        let (now, rules, actor) = (state.clock.now(), state.rules.clone(), user.clone());
        let calendar = state.calendar.clone();
        let result = state
            .db
            .run(move |conn| projects::cancel(conn, &rules, &calendar, &actor, now, id, &reason))
            .await;
        match result {
            Ok(_) => return Ok(see_other(&project_url(id), PROJECT_CANCELLED)),
            Err(error) => form.absorb(error)?,
        }
    }
    let forms = Forms {
        cancel: Some(form),
        ..Forms::default()
    };
    refused(&req, &state, &user, id, forms).await
}

/// `POST /app/projects/{id}/documents` (`multipart/form-data`: `csrf` and one `file`): adds
/// a tender document before the tender is published.
#[post("/app/projects/{id}/documents")]
pub async fn upload_document(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let (user, id) = (user.0, id.into_inner());
    let checked = read_form_upload(&req, &state, payload).await?;
    ensure_acting_officer(&state, &user, id).await?;
    let mut form = FormState::new();
    match checked {
        Ok(file) => {
            let now = state.clock.now();
            let storage = Storage::new(&state.settings.storage.dir);
            let actor = user.clone();
            let result = state
                .db
                .run(move |conn| {
                    documents::upload_tender_document(conn, &storage, &actor, now, id, &file)
                })
                .await;
            match result {
                Ok(_) => return Ok(see_other(&project_url(id), DOCUMENT_UPLOADED)),
                Err(error) => form.absorb(error)?,
            }
        }
        Err(error) => form.absorb(error)?,
    }
    let forms = Forms {
        document: Some(form),
        ..Forms::default()
    };
    refused(&req, &state, &user, id, forms).await
}

/// A whole number field that may be left blank (then `0`).
fn count_or_zero(form: &mut FormState, data: &FormData, name: &str, label: &str) -> Option<i32> {
    if data.text(name).is_empty() {
        return Some(0);
    }
    let n = form.integer(data, name, label)?;
    match i32::try_from(n) {
        Ok(n) => Some(n),
        Err(_) => {
            form.error(name, format!("{label}超出范围"));
            None
        }
    }
}

/// Parses the tender form; `None` (with errors recorded) when a field is wrong. Returns the
/// input and the form row of each criterion given.
fn parse_tender(form: &mut FormState, data: &FormData) -> Option<(PublishTender, Vec<usize>)> {
    let deadline = form.shanghai_datetime(data, "bid_deadline", "投标截止时间");
    let max_price = form.money(data, "max_price");
    let award_method = match data.text("award_method") {
        "" => {
            form.error("award_method", "请选择评标方法");
            None
        }
        m => Some(m.to_owned()),
    };
    let price_weight = if award_method.as_deref() == Some("comprehensive") {
        form.decimal(data, "price_weight", "价格权重").map(Some)
    } else {
        Some(None)
    };
    let rows = filled_rows(
        data,
        "criteria",
        &["code", "name", "max_points"],
        MAX_CRITERIA,
    );
    let mut criteria = Vec::with_capacity(rows.len());
    for &i in &rows {
        let field = |key: &str| format!("criteria[{i}].{key}");
        let points = form.decimal(data, &field("max_points"), "满分");
        criteria.push(points.map(|max_points| CriterionInput {
            code: data.text(&field("code")).to_owned(),
            name: data.text(&field("name")).to_owned(),
            max_points,
        }));
    }
    let requirements = (
        count_or_zero(
            form,
            data,
            "requirements.min_full_time_staff",
            "专职工作人员人数",
        ),
        count_or_zero(
            form,
            data,
            "requirements.min_certified_social_workers",
            "持证社会工作者人数",
        ),
        count_or_zero(form, data, "requirements.min_years_established", "成立年限"),
    );
    let mut invited = Vec::new();
    for text in data.all("invited_contractor_ids") {
        match text.parse::<i64>() {
            Ok(id) => invited.push(id),
            Err(_) => form.error("invited_contractor_ids", format!("供应商无效：{text}")),
        }
    }
    if !form.is_ok() {
        return None;
    }
    let (Some(staff), Some(workers), Some(years)) = requirements else {
        return None;
    };
    let input = PublishTender {
        bid_deadline: crate::clock::rfc3339(deadline?),
        max_price: max_price?,
        award_method: award_method?,
        price_weight: price_weight?,
        criteria: criteria.into_iter().collect::<Option<Vec<_>>>()?,
        requirements: RequirementsInput {
            min_full_time_staff: staff,
            min_certified_social_workers: workers,
            min_years_established: years,
        },
        invited_contractor_ids: invited,
    };
    Some((input, rows))
}

/// `POST /app/projects/{id}/tender`: publishes the tender (confirm).
#[post("/app/projects/{id}/tender")]
pub async fn publish_tender(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let (user, id, data) = (user.0, id.into_inner(), data.into_inner());
    ensure_acting_officer(&state, &user, id).await?;
    let mut form = FormState::from_data(&data);
    let parsed = parse_tender(&mut form, &data);
    let confirmed = form.confirmed(&data);
    if let (Some((input, rows)), true) = (parsed, confirmed) {
        let (now, rules, actor) = (state.clock.now(), state.rules.clone(), user.clone());
        let calendar = state.calendar.clone();
        let base = state.settings.qualification.clone();
        let result = state
            .db
            .run(move |conn| {
                tenders::publish(conn, &rules, &calendar, &base, &actor, now, id, &input)
            })
            .await;
        match result {
            Ok(_) => return Ok(see_other(&project_url(id), TENDER_PUBLISHED)),
            Err(error) => form.absorb(remap_rows(error, "criteria", &rows))?,
        }
    }
    let forms = Forms {
        tender: Some(form),
        ..Forms::default()
    };
    refused(&req, &state, &user, id, forms).await
}

/// `POST /app/projects/{id}/open`: opens the bids at or after the deadline (confirm).
#[post("/app/projects/{id}/open")]
pub async fn open_bids(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let (user, id, data) = (user.0, id.into_inner(), data.into_inner());
    ensure_acting_officer(&state, &user, id).await?;
    let mut form = FormState::from_data(&data);
    if form.confirmed(&data) {
        let (now, rules, actor) = (state.clock.now(), state.rules.clone(), user.clone());
        let result = state
            .db
            .run(move |conn| bids::open_by_officer(conn, &rules, &actor, now, id))
            .await;
        match result {
            Ok(outcome) if outcome.status == "failed" => {
                return Ok(see_other(&project_url(id), BIDS_OPENED_FAILED));
            }
            Ok(_) => return Ok(see_other(&project_url(id), BIDS_OPENED)),
            Err(error) => form.absorb(error)?,
        }
    }
    let forms = Forms {
        open: Some(form),
        ..Forms::default()
    };
    refused(&req, &state, &user, id, forms).await
}

/// `POST /app/projects/{id}/panel`: forms or replaces the panel (`evaluator_ids`).
#[post("/app/projects/{id}/panel")]
pub async fn set_panel(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let (user, id, data) = (user.0, id.into_inner(), data.into_inner());
    ensure_acting_officer(&state, &user, id).await?;
    let mut form = FormState::from_data(&data);
    let mut evaluator_ids = Vec::new();
    for text in data.all("evaluator_ids") {
        match text.parse::<i64>() {
            Ok(n) => evaluator_ids.push(n),
            Err(_) => form.error("evaluator_ids", format!("评审专家无效：{text}")),
        }
    }
    if evaluator_ids.is_empty() && form.is_ok() {
        form.error("evaluator_ids", "请选择评审专家（3 人以上单数）");
    }
    if form.is_ok() {
        let input = PanelInput { evaluator_ids };
        let (now, actor) = (state.clock.now(), user.clone());
        let result = state
            .db
            .run(move |conn| evaluation::set_panel(conn, &actor, now, id, &input))
            .await;
        match result {
            Ok(_) => return Ok(see_other(&project_url(id), PANEL_SET)),
            Err(error) => form.absorb(error)?,
        }
    }
    let forms = Forms {
        panel: Some(form),
        ..Forms::default()
    };
    refused(&req, &state, &user, id, forms).await
}

/// `POST /app/projects/{id}/award`: awards `bid_id` (another than the first needs a
/// `reason`; confirm).
#[post("/app/projects/{id}/award")]
pub async fn award(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let (user, id, data) = (user.0, id.into_inner(), data.into_inner());
    ensure_acting_officer(&state, &user, id).await?;
    let mut form = FormState::from_data(&data);
    let bid_id = match data.text("bid_id") {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                form.error("bid_id", "请选择中标投标");
                None
            }
        },
    };
    let reason = form.optional(&data, "reason");
    let confirmed = form.confirmed(&data);
    if confirmed && form.is_ok() {
        let input = AwardInput { bid_id, reason };
        let (now, rules, actor) = (state.clock.now(), state.rules.clone(), user.clone());
        let calendar = state.calendar.clone();
        let result = state
            .db
            .run(move |conn| evaluation::award(conn, &rules, &calendar, &actor, now, id, &input))
            .await;
        match result {
            Ok(_) => return Ok(see_other(&project_url(id), PROJECT_AWARDED)),
            Err(error) => form.absorb(error)?,
        }
    }
    let forms = Forms {
        award: Some(form),
        ..Forms::default()
    };
    refused(&req, &state, &user, id, forms).await
}

/// `POST /app/projects/{id}/challenges/{cid}/answer`: answers a pending challenge
/// (`decision` `upheld` | `rejected`, `answer`; confirm).
#[post("/app/projects/{id}/challenges/{cid}/answer")]
pub async fn answer_challenge(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(i64, i64)>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let (user, data) = (user.0, data.into_inner());
    let (id, cid) = path.into_inner();
    ensure_acting_officer(&state, &user, id).await?;
    let belongs = state
        .db
        .run(move |conn| Ok(evaluation_model::challenge(conn, cid)?.project_id == id))
        .await?;
    if !belongs {
        return Err(AppError::NotFound(format!("该项目没有质疑 {cid}")));
    }
    let mut form = FormState::from_data(&data);
    let decision = match data.text("decision") {
        d @ ("upheld" | "rejected") => Some(d.to_owned()),
        _ => {
            form.error("decision", "请选择答复结论");
            None
        }
    };
    let answer = form.required(&data, "answer", "书面答复");
    let confirmed = form.confirmed(&data);
    if let (Some(decision), Some(answer), true) = (decision, answer, confirmed) {
        let input = AnswerInput { decision, answer };
        let (now, rules, actor) = (state.clock.now(), state.rules.clone(), user.clone());
        let calendar = state.calendar.clone();
        let result = state
            .db
            .run(move |conn| {
                evaluation::answer_challenge(conn, &rules, &calendar, &actor, now, cid, &input)
            })
            .await;
        match result {
            Ok(_) => return Ok(see_other(&project_url(id), CHALLENGE_ANSWERED)),
            Err(error) => form.absorb(error)?,
        }
    }
    let forms = Forms {
        answer: Some((cid, form)),
        ..Forms::default()
    };
    refused(&req, &state, &user, id, forms).await
}
