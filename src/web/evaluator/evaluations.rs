//! `/app/evaluations`: the performance evaluations (绩效评价) an evaluator is assigned to, and
//! `/app/evaluations/{id}`: the score sheet per indicator of the configured system (服务管理,
//! 专业服务, 服务成效, 满意度), stored by the same service as
//! `PUT /api/v1/evaluations/{id}/scores` (assigned evaluator, evaluation open, 回避; the last
//! sheet grades the evaluation).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde_json::Value;

use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::config::IndicatorSettings;
use crate::contracts::delivery::service::{self as delivery, SupervisionInput};
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::evaluations::model::{self as evaluations_model, OPEN};
use crate::evaluations::service::{self as evaluations, Env, EvaluationView, ScoresInput};
use crate::procurement::projects::model as projects_model;
use crate::web::csrf::CsrfForm;
use crate::web::flash::Flash;
use crate::web::form::{FormData, FormState, see_other};
use crate::web::layout::{PageUser, Shell};

/// Shown after a score sheet is stored.
pub const EVALUATION_SCORED: Flash = Flash::new("evaluation_scored", "绩效评价评分已保存。");

/// Shown after a supervision session is recorded from the evaluation page.
pub const SUPERVISION_RECORDED: Flash =
    Flash::new("evaluator_supervision_recorded", "督导记录已保存。");

/// `403` unless the user is an evaluator.
fn evaluator(user: &CurrentUser) -> AppResult<()> {
    user.require_any(&[Role::Evaluator])
}

fn status_label(status: &str) -> &'static str {
    if status == OPEN {
        "评价中"
    } else {
        "已完成"
    }
}

fn points(centi: i64) -> String {
    format!("{:.2}", rust_decimal::Decimal::new(centi, 2))
}

/// The contract an evaluation belongs to, as shown: `(number, project title, contractor)`.
fn contract_facts(
    conn: &mut AnyConnection,
    contract_id: i64,
) -> AppResult<(String, String, String)> {
    let contract = evaluations_model::contract(conn, contract_id)?;
    let project = projects_model::get(conn, contract.project_id)?;
    let contractor = crate::contractors::model::find(conn, contract.contractor_id)?
        .map(|c| c.name)
        .unwrap_or_default();
    Ok((contract.number, project.title, contractor))
}

/// The evaluator's own sheet: indicator code → hundredths.
fn my_sheet(
    conn: &mut AnyConnection,
    evaluation_id: i64,
    user_id: i64,
) -> AppResult<BTreeMap<String, i64>> {
    Ok(evaluations_model::scores(conn, evaluation_id)?
        .into_iter()
        .filter(|(evaluator, _, _)| *evaluator == user_id)
        .map(|(_, code, centi)| (code, centi))
        .collect())
}

// ------------------------------------------------------------------------------ list

/// One assigned evaluation as listed.
#[derive(Debug, Clone)]
pub struct EvaluationLine {
    /// Evaluation id.
    pub id: i64,
    /// 中期评价 | 终期评价.
    pub kind: String,
    /// Contract number.
    pub contract: String,
    /// Project title.
    pub project: String,
    /// 承接主体.
    pub contractor: String,
    /// 评价中 | 已完成.
    pub status: &'static str,
    /// Whether the evaluator has handed in a sheet.
    pub scored: bool,
    /// Grade once graded: `85.00 良好`.
    pub result: Option<String>,
}

#[derive(Template)]
#[template(path = "workspace/evaluator/evaluations.html")]
struct EvaluationsPage {
    shell: Shell,
    evaluations: Vec<EvaluationLine>,
}

fn lines(
    conn: &mut AnyConnection,
    indicators: &[IndicatorSettings],
    user: &CurrentUser,
) -> AppResult<Vec<EvaluationLine>> {
    let mut out = Vec::new();
    for row in evaluations_model::assigned_to(conn, user.id)? {
        let view = evaluations::view(conn, indicators, &row)?;
        let (contract, project, contractor) = contract_facts(conn, row.contract_id)?;
        out.push(EvaluationLine {
            id: row.id,
            kind: view.kind_label.clone(),
            contract,
            project,
            contractor,
            status: status_label(&row.status),
            scored: view.evaluators.iter().any(|e| e.id == user.id && e.scored),
            result: result_text(&view),
        });
    }
    Ok(out)
}

fn result_text(view: &EvaluationView) -> Option<String> {
    match (&view.total, &view.grade_label) {
        (Some(total), Some(grade)) => Some(format!("{total} 分 {grade}")),
        _ => None,
    }
}

/// `GET /app/evaluations`: the evaluations the evaluator is assigned to.
#[get("/app/evaluations")]
pub async fn evaluations_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> AppResult<HttpResponse> {
    let user = user.0;
    evaluator(&user)?;
    let who = user.clone();
    let settings = state.settings.clone();
    let evaluations = state
        .db
        .run(move |conn| lines(conn, &settings.evaluation.indicators, &who))
        .await?;
    let shell = Shell::new(&req, &user)?;
    shell.respond(&EvaluationsPage {
        shell: shell.clone(),
        evaluations,
    })
}

// ---------------------------------------------------------------------------- detail

/// One indicator input.
#[derive(Debug, Clone)]
pub struct IndicatorField {
    /// Input name: `scores.<code>`.
    pub name: String,
    /// Indicator code.
    pub code: String,
    /// 服务管理 …
    pub label: String,
    /// Maximum points.
    pub max: u32,
    /// The value shown.
    pub value: String,
    /// Messages next to the input.
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "workspace/evaluator/evaluation.html")]
struct EvaluationPage {
    shell: Shell,
    id: i64,
    kind: String,
    contract: String,
    project: String,
    contractor: String,
    status: &'static str,
    open: bool,
    evaluators: Vec<(String, bool)>,
    result: Option<String>,
    my_total: Option<String>,
    fields: Vec<IndicatorField>,
    form: FormState,
    /// The supervision form (督导记录) of the evaluated contract.
    supervision: FormState,
}

struct EvaluationData {
    view: EvaluationView,
    facts: (String, String, String),
    mine: BTreeMap<String, i64>,
}

fn load(
    conn: &mut AnyConnection,
    indicators: &[IndicatorSettings],
    user: &CurrentUser,
    id: i64,
) -> AppResult<EvaluationData> {
    let view = evaluations::show(conn, indicators, user, id)?;
    let facts = contract_facts(conn, view.contract_id)?;
    let mine = my_sheet(conn, id, user.id)?;
    Ok(EvaluationData { view, facts, mine })
}

fn page(
    shell: Shell,
    data: EvaluationData,
    submitted: Option<FormState>,
    supervision: FormState,
) -> EvaluationPage {
    let view = data.view;
    let fields = view
        .indicators
        .iter()
        .map(|i| {
            let name = format!("scores.{}", i.code);
            let value = match &submitted {
                Some(f) => f.value(&name).to_owned(),
                None => data
                    .mine
                    .get(&i.code)
                    .map(|c| points(*c))
                    .unwrap_or_default(),
            };
            let errors = submitted
                .as_ref()
                .map(|f| f.errors(&name).to_vec())
                .unwrap_or_default();
            IndicatorField {
                code: i.code.clone(),
                label: i.name.clone(),
                max: i.max_points,
                value,
                errors,
                name,
            }
        })
        .collect::<Vec<_>>();
    let complete = !data.mine.is_empty()
        && view
            .indicators
            .iter()
            .all(|i| data.mine.contains_key(&i.code));
    let my_total = complete.then(|| points(data.mine.values().sum()));
    let form = submitted.unwrap_or_default();
    let (contract, project, contractor) = data.facts;
    EvaluationPage {
        shell,
        id: view.id,
        kind: view.kind_label.clone(),
        contract,
        project,
        contractor,
        status: status_label(&view.status),
        open: view.status == OPEN,
        evaluators: view
            .evaluators
            .iter()
            .map(|e| (e.display_name.clone(), e.scored))
            .collect(),
        result: result_text(&view),
        my_total,
        fields,
        form,
        supervision,
    }
}

/// `GET /app/evaluations/{id}`: the score sheet (assigned evaluators only).
#[get("/app/evaluations/{id}")]
pub async fn evaluation_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    evaluator(&user)?;
    let id = path.into_inner();
    let who = user.clone();
    let settings = state.settings.clone();
    let data = state
        .db
        .run(move |conn| load(conn, &settings.evaluation.indicators, &who, id))
        .await?;
    let shell = Shell::new(&req, &user)?;
    shell.respond(&page(shell.clone(), data, None, FormState::new()))
}

/// `POST /app/evaluations/{id}/scores`: stores the evaluator's sheet (`scores.<code>` per
/// indicator, `comment`); 303 back with a flash, or 422 with the messages next to the inputs.
#[post("/app/evaluations/{id}/scores")]
pub async fn score_evaluation(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    evaluator(&user)?;
    let id = path.into_inner();
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    let scores: BTreeMap<String, Value> = data
        .pairs()
        .iter()
        .filter_map(|(name, value)| {
            let code = name.strip_prefix("scores.")?;
            let value = value.trim();
            (!value.is_empty()).then(|| (code.to_owned(), Value::String(value.to_owned())))
        })
        .collect();
    let input = ScoresInput {
        scores,
        comment: form.optional(&data, "comment"),
    };
    let now = state.clock.now();
    let who = user.clone();
    let app = state.clone();
    let result = state
        .db
        .run(move |conn| {
            let indicators = &app.settings.evaluation.indicators;
            // The read check first, so that someone not assigned gets 403 and not a form.
            evaluations::show(conn, indicators, &who, id)?;
            let env = Env {
                indicators,
                rules: &app.rules,
                calendar: &app.calendar,
            };
            Ok(evaluations::score(conn, env, &who, now, id, &input))
        })
        .await?;
    match result {
        Ok(_) => {
            return Ok(see_other(
                &format!("/app/evaluations/{id}"),
                EVALUATION_SCORED,
            ));
        }
        Err(error) => form.absorb(error)?,
    }
    let who = user.clone();
    let settings = state.settings.clone();
    let page_data = state
        .db
        .run(move |conn| load(conn, &settings.evaluation.indicators, &who, id))
        .await?;
    let shell = Shell::new(&req, &user)?;
    let mut response = shell.respond(&page(
        shell.clone(),
        page_data,
        Some(form),
        FormState::new(),
    ))?;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// `POST /app/evaluations/{id}/supervisions` (`held_on`, `supervisor`, `notes`): an evaluator
/// assigned to the evaluation records a supervision session (督导) of its contract, as
/// `POST /api/v1/contracts/{id}/supervisions` does.
#[post("/app/evaluations/{id}/supervisions")]
pub async fn record_supervision(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    evaluator(&user)?;
    let id = path.into_inner();
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    let held_on = form.date(&data, "held_on", "督导日期");
    let supervisor = form.required(&data, "supervisor", "督导人员");
    let notes = form.required(&data, "notes", "督导内容");
    let now = state.clock.now();
    let who = user.clone();
    let settings = state.settings.clone();
    // The read check first: only evaluators assigned to this evaluation reach its contract.
    let contract_id = state
        .db
        .run(move |conn| {
            Ok(evaluations::show(conn, &settings.evaluation.indicators, &who, id)?.contract_id)
        })
        .await?;
    if let (Some(held_on), Some(supervisor), Some(notes)) = (held_on, supervisor, notes) {
        let input = SupervisionInput {
            held_on: held_on.to_string(),
            supervisor,
            notes,
        };
        let who = user.clone();
        let result = state
            .db
            .run(move |conn| delivery::record_supervision(conn, &who, now, contract_id, &input))
            .await;
        match result {
            Ok(_) => {
                return Ok(see_other(
                    &format!("/app/evaluations/{id}#supervision"),
                    SUPERVISION_RECORDED,
                ));
            }
            Err(error) => form.absorb(error)?,
        }
    }
    let who = user.clone();
    let settings = state.settings.clone();
    let page_data = state
        .db
        .run(move |conn| load(conn, &settings.evaluation.indicators, &who, id))
        .await?;
    let shell = Shell::new(&req, &user)?;
    let mut response = shell.respond(&page(shell.clone(), page_data, None, form))?;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}
