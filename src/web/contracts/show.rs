//! `GET /app/contracts/{id}`: one contract for its parties (and, read only, auditors and
//! admins) — terms, parties, signatures, the payment schedule, monthly reports, progress
//! against the project's targets, supervision records and performance evaluations — and the
//! forms posted from it, each calling the same service function as the JSON API:
//!
//! | form id | `POST` | who |
//! |---|---|---|
//! | `sign-form` | `/app/contracts/{id}/sign` | either party, once (confirm) |
//! | `pay-{payment}` | `/app/contracts/{id}/payments/{payment}/pay` | officer (confirm) |
//! | `terminate-form` | `/app/contracts/{id}/terminate` | officer (confirm) |
//! | `review-{report}` | `/app/contracts/{id}/reports/{report}/review` | officer |
//! | `supervision-form` | `/app/contracts/{id}/supervisions` | officer |
//! | `open-evaluation-form` | `/app/contracts/{id}/evaluations` | officer |
//! | `evaluators-{evaluation}` | `/app/contracts/{id}/evaluations/{evaluation}/evaluators` | officer |
//!
//! A refused form re-renders the page (422) with its messages next to that form.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

use super::{
    CONTRACT_ACTIVATED, CONTRACT_SIGNED, CONTRACT_TERMINATED, EVALUATION_OPENED,
    EVALUATORS_ASSIGNED, PAYMENT_PAID, REPORT_ACCEPTED, REPORT_RETURNED, SUPERVISION_RECORDED,
    beijing, condition_label, contract_status_label, dispute_label, payment_status_label,
    report_status_label,
};
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::catalog::model as catalog;
use crate::config::IndicatorSettings;
use crate::contracts::delivery::model as delivery_model;
use crate::contracts::delivery::service::{self as delivery, ReviewInput, SupervisionInput};
use crate::contracts::model::{self as contracts_model, ContractRow, ensure_purchaser_officer};
use crate::contracts::service::{self, TerminateInput};
use crate::db::AnyConnection;
use crate::domain::money::format_yuan;
use crate::error::{AppError, AppResult};
use crate::evaluations::model::{self as evaluation_model, EvaluationKind};
use crate::evaluations::service::{self as evaluations, EvaluatorsInput, OpenInput};
use crate::procurement::projects::model as projects_model;
use crate::public::queries::{contractor_names, purchaser_names};
use crate::web::csrf::CsrfForm;
use crate::web::form::{FormData, FormState, Options, see_other};
use crate::web::layout::{PageUser, Shell};

/// One installment as shown.
#[derive(Debug, Clone)]
pub struct PaymentLine {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `30.00`.
    pub percent: String,
    /// Amount `¥…`.
    pub amount: String,
    /// Condition in Chinese.
    pub condition: &'static str,
    /// Status code.
    pub status: String,
    /// Status in Chinese.
    pub status_label: &'static str,
    /// What is payable `¥…`.
    pub payable: String,
    /// When due (Beijing).
    pub due_at: Option<String>,
    /// When paid (Beijing).
    pub paid_at: Option<String>,
    /// A note.
    pub note: Option<String>,
    /// The key of its pay form.
    pub key: String,
}

/// One target group's figures of a report.
#[derive(Debug, Clone)]
pub struct CountLine {
    /// Group name.
    pub group: String,
    /// Persons.
    pub persons: i64,
    /// Person-times.
    pub person_times: i64,
}

/// One monthly report as shown.
#[derive(Debug, Clone)]
pub struct ReportLine {
    /// Id.
    pub id: i64,
    /// `YYYY-MM`.
    pub period: String,
    /// Status code.
    pub status: String,
    /// Status in Chinese.
    pub status_label: &'static str,
    /// Submitted (Beijing).
    pub submitted: String,
    /// Reviewed (Beijing).
    pub reviewed: Option<String>,
    /// The reviewer's comment.
    pub comment: Option<String>,
    /// Activities.
    pub activities: i64,
    /// Cases opened.
    pub cases_opened: i64,
    /// Cases closed.
    pub cases_closed: i64,
    /// Volunteers.
    pub volunteers: i64,
    /// Narrative.
    pub narrative: String,
    /// Figures by group.
    pub counts: Vec<CountLine>,
    /// The key of its review form.
    pub key: String,
}

/// One target against the accepted reports.
#[derive(Debug, Clone)]
pub struct TargetLine {
    /// Name.
    pub name: String,
    /// Target with unit.
    pub target: String,
    /// Actual, or `—` when not measurable from reports.
    pub actual: String,
    /// Percent, or `—`.
    pub percent: String,
}

/// One supervision session.
#[derive(Debug, Clone)]
pub struct SupervisionLine {
    /// Date.
    pub held_on: String,
    /// Supervisor.
    pub supervisor: String,
    /// Notes.
    pub notes: String,
}

/// One performance evaluation.
#[derive(Debug, Clone)]
pub struct EvaluationLine {
    /// Id.
    pub id: i64,
    /// 中期评价 / 终期评价.
    pub kind: String,
    /// Status in Chinese.
    pub status_label: &'static str,
    /// Opened (Beijing).
    pub opened: String,
    /// Assigned evaluators, `张三（已评分）、李四`.
    pub evaluators: String,
    /// Total, once graded.
    pub total: Option<String>,
    /// Grade in Chinese, once graded.
    pub grade: Option<String>,
    /// Whether the officer may (re)assign evaluators (open, no score yet).
    pub can_assign: bool,
    /// The assigned evaluator ids (pre-ticked).
    pub assigned: Vec<String>,
    /// The key of its evaluators form.
    pub key: String,
}

/// Everything the contract page shows.
#[derive(Debug, Clone)]
pub struct ContractData {
    /// Id.
    pub id: i64,
    /// Project id.
    pub project_id: i64,
    /// 合同编号.
    pub number: String,
    /// Project title.
    pub title: String,
    /// Status code.
    pub status: String,
    /// Status in Chinese.
    pub status_label: &'static str,
    /// 甲方.
    pub purchaser: String,
    /// 乙方.
    pub contractor: String,
    /// 价款.
    pub amount: String,
    /// Service period.
    pub period: String,
    /// 标的.
    pub subject: String,
    /// 数量.
    pub quantity_terms: String,
    /// 质量.
    pub quality_terms: String,
    /// 权利义务.
    pub rights_obligations: String,
    /// 违约责任.
    pub breach_liability: String,
    /// 争议解决方式.
    pub dispute: String,
    /// Drafted (Beijing).
    pub created: String,
    /// Purchaser signature (Beijing).
    pub purchaser_signed: Option<String>,
    /// Contractor signature (Beijing).
    pub contractor_signed: Option<String>,
    /// In force since (Beijing).
    pub activated: Option<String>,
    /// Terminated (Beijing).
    pub terminated: Option<String>,
    /// Why terminated.
    pub termination_reason: Option<String>,
    /// Installments.
    pub payments: Vec<PaymentLine>,
    /// Monthly reports.
    pub reports: Vec<ReportLine>,
    /// Accepted reports.
    pub accepted_reports: i64,
    /// Accepted months.
    pub accepted_periods: String,
    /// Targets.
    pub targets: Vec<TargetLine>,
    /// Supervisions.
    pub supervisions: Vec<SupervisionLine>,
    /// Evaluations.
    pub evaluations: Vec<EvaluationLine>,
    /// Kinds the officer may still open.
    pub openable: Options,
    /// Active evaluators (for assignment).
    pub evaluator_options: Options,
}

/// What the user may do on the page.
#[derive(Debug, Clone, Copy)]
pub struct Abilities {
    /// An officer of the purchaser (甲方).
    pub officer: bool,
    /// A user of the contractor (乙方).
    pub contractor: bool,
    /// Auditor or admin: everything, no forms.
    pub read_only: bool,
    /// The user's party has not signed the draft yet.
    pub can_sign: bool,
    /// The contract is in force.
    pub active: bool,
}

#[derive(Template)]
#[template(path = "workspace/contracts/show.html")]
struct ContractPage {
    shell: Shell,
    c: ContractData,
    can: Abilities,
    failed: Option<(String, FormState)>,
    blank: FormState,
}

impl ContractPage {
    /// The state of the form `key`: the refused one as submitted, else an empty form.
    fn form(&self, key: &str) -> &FormState {
        match &self.failed {
            Some((failed, form)) if failed == key => form,
            _ => &self.blank,
        }
    }
}

fn opt_beijing(text: &Option<String>) -> Option<String> {
    text.as_deref().map(beijing)
}

fn evaluation_status_label(code: &str) -> &'static str {
    match code {
        "open" => "评价中",
        "graded" => "已评定",
        _ => "未知状态",
    }
}

/// Loads the page's data through the services (which check that the user may read it).
fn load(
    conn: &mut AnyConnection,
    indicators: &[IndicatorSettings],
    user: &CurrentUser,
    id: i64,
) -> AppResult<(ContractData, Abilities)> {
    let view = service::show(conn, user, id)?;
    let project = projects_model::get(conn, view.project_id)?;
    let purchaser = purchaser_names(conn, &[view.purchaser_id])?
        .remove(&view.purchaser_id)
        .unwrap_or_default();
    let contractor = contractor_names(conn, &[view.contractor_id])?
        .remove(&view.contractor_id)
        .unwrap_or_default();
    let officer = user.role == Role::Officer && user.purchaser_id == Some(view.purchaser_id);
    let contractor_user =
        user.role == Role::Contractor && user.contractor_id == Some(view.contractor_id);
    let own_signature = if officer {
        view.purchaser_signed_at.as_ref()
    } else {
        view.contractor_signed_at.as_ref()
    };
    let can = Abilities {
        officer,
        contractor: contractor_user,
        read_only: !officer && !contractor_user,
        can_sign: view.status == "draft" && (officer || contractor_user) && own_signature.is_none(),
        active: view.status == "active",
    };
    let groups: HashMap<String, String> = catalog::target_groups(conn)?
        .into_iter()
        .map(|g| (g.code, g.name))
        .collect();
    let reports = delivery::list_reports(conn, user, id)?
        .into_iter()
        .map(|r| ReportLine {
            key: format!("review-{}", r.id),
            id: r.id,
            status_label: report_status_label(&r.status),
            status: r.status,
            period: r.period,
            submitted: beijing(&r.submitted_at),
            reviewed: opt_beijing(&r.reviewed_at),
            comment: r.review_comment,
            activities: r.activities,
            cases_opened: r.cases_opened,
            cases_closed: r.cases_closed,
            volunteers: r.volunteers_engaged,
            narrative: r.narrative,
            counts: r
                .service_counts
                .into_iter()
                .map(|c| CountLine {
                    group: groups
                        .get(&c.target_group)
                        .cloned()
                        .unwrap_or(c.target_group),
                    persons: c.persons,
                    person_times: c.person_times,
                })
                .collect(),
        })
        .collect();
    let progress = delivery::progress(conn, user, id)?;
    let targets = progress
        .targets
        .into_iter()
        .map(|t| TargetLine {
            target: format!("{} {}", t.target, t.unit),
            actual: t
                .actual
                .map_or_else(|| "—（无法从月报统计）".to_owned(), |a| a.to_string()),
            percent: t
                .percent
                .map_or_else(|| "—".to_owned(), |p| format!("{p}%")),
            name: t.name,
        })
        .collect();
    let supervisions = delivery::list_supervisions(conn, user, id)?
        .into_iter()
        .map(|s| SupervisionLine {
            held_on: s.held_on.to_string(),
            supervisor: s.supervisor,
            notes: s.notes,
        })
        .collect();
    let evaluation_views = evaluations::list(conn, indicators, user, id)?;
    let openable = if officer && view.status == "active" {
        EvaluationKind::ALL
            .into_iter()
            .filter(|k| !evaluation_views.iter().any(|e| e.kind == k.as_str()))
            .map(|k| (k.as_str().to_owned(), k.label().to_owned()))
            .collect()
    } else {
        Vec::new()
    };
    let evaluations: Vec<EvaluationLine> = evaluation_views
        .into_iter()
        .map(|e| EvaluationLine {
            key: format!("evaluators-{}", e.id),
            id: e.id,
            can_assign: officer
                && e.status == evaluation_model::OPEN
                && !e.evaluators.iter().any(|x| x.scored),
            assigned: e.evaluators.iter().map(|x| x.id.to_string()).collect(),
            evaluators: e
                .evaluators
                .iter()
                .map(|x| {
                    if x.scored {
                        format!("{}（已评分）", x.display_name)
                    } else {
                        format!("{}（未评分）", x.display_name)
                    }
                })
                .collect::<Vec<_>>()
                .join("、"),
            status_label: evaluation_status_label(&e.status),
            kind: e.kind_label,
            opened: beijing(&e.opened_at),
            total: e.total,
            grade: e.grade_label,
        })
        .collect();
    let evaluator_options = if evaluations.iter().any(|e| e.can_assign) {
        let mut evaluators = crate::auth::model::active_with_role(conn, Role::Evaluator)?;
        evaluators.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
        evaluators
            .into_iter()
            .map(|(id, name, _)| (id.to_string(), name))
            .collect()
    } else {
        Vec::new()
    };
    let data = ContractData {
        id: view.id,
        project_id: view.project_id,
        number: view.number,
        title: project.title,
        status_label: contract_status_label(&view.status),
        status: view.status,
        purchaser,
        contractor,
        amount: format_yuan(view.amount),
        period: format!("{} 至 {}", view.service_start, view.service_end),
        subject: view.subject,
        quantity_terms: view.quantity_terms,
        quality_terms: view.quality_terms,
        rights_obligations: view.rights_obligations,
        breach_liability: view.breach_liability,
        dispute: format!(
            "{}（{}）",
            dispute_label(&view.dispute_resolution.kind),
            view.dispute_resolution.body
        ),
        created: beijing(&view.created_at),
        purchaser_signed: opt_beijing(&view.purchaser_signed_at),
        contractor_signed: opt_beijing(&view.contractor_signed_at),
        activated: opt_beijing(&view.activated_at),
        terminated: opt_beijing(&view.terminated_at),
        termination_reason: view.termination_reason,
        payments: view
            .payment_schedule
            .into_iter()
            .map(|p| PaymentLine {
                key: format!("pay-{}", p.id),
                id: p.id,
                name: p.name,
                percent: p.percent,
                amount: format_yuan(p.amount),
                condition: condition_label(&p.condition),
                status_label: payment_status_label(&p.status),
                status: p.status,
                payable: format_yuan(p.payable_amount),
                due_at: opt_beijing(&p.due_at),
                paid_at: opt_beijing(&p.paid_at),
                note: p.note,
            })
            .collect(),
        reports,
        accepted_reports: progress.accepted_reports,
        accepted_periods: progress.accepted_periods.join("、"),
        targets,
        supervisions,
        evaluations,
        openable,
        evaluator_options,
    };
    Ok((data, can))
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    failed: Option<(String, FormState)>,
) -> AppResult<HttpResponse> {
    let viewer = user.clone();
    let settings = state.settings.clone();
    let (c, can) = state
        .db
        .run(move |conn| load(conn, &settings.evaluation.indicators, &viewer, id))
        .await?;
    let shell = Shell::new(req, user)?;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut response = shell.respond(&ContractPage {
        shell: shell.clone(),
        c,
        can,
        failed,
        blank: FormState::new(),
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /app/contracts/{id}`.
#[get("/app/contracts/{id}")]
pub async fn contract_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    render(&req, &state, &user.0, id.into_inner(), None).await
}

/// The contract row, after checking that `user` may read it (403 / 404 as the API).
async fn contract_for(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<ContractRow> {
    let viewer = user.clone();
    state
        .db
        .run(move |conn| {
            let row = contracts_model::get(conn, id)?;
            contracts_model::ensure_party(&viewer, &row)?;
            Ok(row)
        })
        .await
}

/// The contract row when `user` is an officer of its purchaser (403 otherwise).
async fn officer_contract(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<ContractRow> {
    let row = contract_for(state, user, id).await?;
    ensure_purchaser_officer(user, &row)?;
    Ok(row)
}

/// The Chinese refusal of `action` on a contract that is not in force, if it is not.
fn unless_active(row: &ContractRow, action: &str) -> Option<String> {
    (row.status != "active").then(|| {
        format!(
            "合同当前状态为“{}”，不能{action}",
            contract_status_label(&row.status)
        )
    })
}

/// Finishes a form: `303` to the contract's `section` with `flash` on success; the page again
/// (422) with the refusal next to form `key` otherwise.
async fn finish<T>(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    (key, mut form): (&str, FormState),
    result: Option<AppResult<T>>,
    success: impl FnOnce(&T) -> (&'static str, crate::web::flash::Flash),
) -> AppResult<HttpResponse> {
    match result {
        Some(Ok(value)) => {
            let (section, flash) = success(&value);
            return Ok(see_other(&format!("/app/contracts/{id}#{section}"), flash));
        }
        Some(Err(error)) => form.absorb(error)?,
        None => {}
    }
    render(req, state, user, id, Some((key.to_owned(), form))).await
}

/// `POST /app/contracts/{id}/sign`: signs for the user's party (confirm box required).
#[post("/app/contracts/{id}/sign")]
pub async fn sign(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let id = id.into_inner();
    let row = contract_for(&state, &user, id).await?;
    let party = (user.role == Role::Officer && user.purchaser_id == Some(row.purchaser_id))
        || (user.role == Role::Contractor && user.contractor_id == Some(row.contractor_id));
    if !party {
        return Err(AppError::Forbidden(
            "只有合同双方（采购人经办人、承接方）可以签订合同".to_owned(),
        ));
    }
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    if row.status != "draft" {
        form.general_error(format!(
            "合同当前状态为“{}”，不能再签订",
            contract_status_label(&row.status)
        ));
    }
    let result = if form.is_ok() && form.confirmed(&data) {
        let now = state.clock.now();
        let (rules, calendar, actor) = (state.rules.clone(), state.calendar.clone(), user.clone());
        Some(
            state
                .db
                .run(move |conn| service::sign(conn, &rules, &calendar, &actor, now, id))
                .await,
        )
    } else {
        None
    };
    finish(
        &req,
        &state,
        &user,
        id,
        ("sign-form", form),
        result,
        |view| {
            if view.status == "active" {
                ("signatures", CONTRACT_ACTIVATED)
            } else {
                ("signatures", CONTRACT_SIGNED)
            }
        },
    )
    .await
}

/// `POST /app/contracts/{id}/payments/{payment}/pay`: pays a due installment (officer,
/// confirm box required).
#[post("/app/contracts/{id}/payments/{payment}/pay")]
pub async fn pay(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(i64, i64)>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let (id, payment_id) = path.into_inner();
    officer_contract(&state, &user, id).await?;
    let payment = state
        .db
        .run(move |conn| contracts_model::payment(conn, payment_id))
        .await?;
    if payment.contract_id != id {
        return Err(AppError::NotFound(format!("付款 {payment_id} 不存在")));
    }
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    if payment.status != "due" {
        form.general_error(format!(
            "该期款项当前状态为“{}”，只有应付的款项才能登记支付",
            payment_status_label(&payment.status)
        ));
    }
    let result = if form.is_ok() && form.confirmed(&data) {
        let now = state.clock.now();
        let actor = user.clone();
        Some(
            state
                .db
                .run(move |conn| service::pay(conn, &actor, now, payment_id))
                .await,
        )
    } else {
        None
    };
    let key = format!("pay-{payment_id}");
    finish(&req, &state, &user, id, (&key, form), result, |_| {
        ("payments", PAYMENT_PAID)
    })
    .await
}

/// `POST /app/contracts/{id}/terminate`: ends the contract early (officer; reason,
/// `pay_unpaid`, confirm box).
#[post("/app/contracts/{id}/terminate")]
pub async fn terminate(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let id = id.into_inner();
    let row = officer_contract(&state, &user, id).await?;
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    if let Some(refusal) = unless_active(&row, "终止") {
        form.general_error(refusal);
    }
    let reason = form.required(&data, "reason", "终止原因");
    let confirmed = form.confirmed(&data);
    let result = match (reason, confirmed && form.is_ok()) {
        (Some(reason), true) => {
            let input = TerminateInput {
                reason: Some(reason),
                pay_unpaid: Some(data.text("pay_unpaid") == "yes"),
            };
            let now = state.clock.now();
            let (rules, calendar, actor) =
                (state.rules.clone(), state.calendar.clone(), user.clone());
            Some(
                state
                    .db
                    .run(move |conn| {
                        service::terminate(conn, &rules, &calendar, &actor, now, id, &input)
                    })
                    .await,
            )
        }
        _ => None,
    };
    finish(
        &req,
        &state,
        &user,
        id,
        ("terminate-form", form),
        result,
        |_| ("termination", CONTRACT_TERMINATED),
    )
    .await
}

/// `POST /app/contracts/{id}/reports/{report}/review`: accepts a submitted report
/// (`decision=accepted`) or returns it with a comment (`decision=returned`) (officer).
#[post("/app/contracts/{id}/reports/{report}/review")]
pub async fn review(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(i64, i64)>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let (id, report_id) = path.into_inner();
    officer_contract(&state, &user, id).await?;
    let report = state
        .db
        .run(move |conn| delivery_model::report(conn, report_id))
        .await?;
    if report.contract_id != id {
        return Err(AppError::NotFound(format!("服务报告 {report_id} 不存在")));
    }
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    if report.status != delivery_model::REPORT_SUBMITTED {
        form.general_error(format!(
            "该报告当前状态为“{}”，只有待审核的报告才能审核",
            report_status_label(&report.status)
        ));
    }
    let decision = data.text("decision").to_owned();
    let comment = form.optional(&data, "comment");
    if decision == "returned" && comment.is_none() {
        form.error("comment", "退回时请填写退回理由");
    }
    let result = if form.is_ok() {
        let input = ReviewInput {
            decision: decision.clone(),
            comment,
        };
        let now = state.clock.now();
        let actor = user.clone();
        Some(
            state
                .db
                .run(move |conn| delivery::review_report(conn, &actor, now, report_id, &input))
                .await,
        )
    } else {
        None
    };
    let key = format!("review-{report_id}");
    finish(&req, &state, &user, id, (&key, form), result, |view| {
        if view.status == "accepted" {
            ("reports", REPORT_ACCEPTED)
        } else {
            ("reports", REPORT_RETURNED)
        }
    })
    .await
}

/// `POST /app/contracts/{id}/supervisions`: records a supervision session (officer).
#[post("/app/contracts/{id}/supervisions")]
pub async fn record_supervision(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let id = id.into_inner();
    let row = officer_contract(&state, &user, id).await?;
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    if let Some(refusal) = unless_active(&row, "记录督导") {
        form.general_error(refusal);
    }
    let held_on = form.date(&data, "held_on", "督导日期");
    let supervisor = form.required(&data, "supervisor", "督导人员");
    let notes = form.required(&data, "notes", "督导记录");
    let result = match (held_on, supervisor, notes, form.is_ok()) {
        (Some(held_on), Some(supervisor), Some(notes), true) => {
            let input = SupervisionInput {
                held_on: held_on.to_string(),
                supervisor,
                notes,
            };
            let now = state.clock.now();
            let actor = user.clone();
            Some(
                state
                    .db
                    .run(move |conn| delivery::record_supervision(conn, &actor, now, id, &input))
                    .await,
            )
        }
        _ => None,
    };
    finish(
        &req,
        &state,
        &user,
        id,
        ("supervision-form", form),
        result,
        |_| ("supervisions", SUPERVISION_RECORDED),
    )
    .await
}

/// `POST /app/contracts/{id}/evaluations`: opens an evaluation of `kind` by hand (officer).
#[post("/app/contracts/{id}/evaluations")]
pub async fn open_evaluation(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let id = id.into_inner();
    let row = officer_contract(&state, &user, id).await?;
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    if let Some(refusal) = unless_active(&row, "开启绩效评价") {
        form.general_error(refusal);
    }
    let kind = data.text("kind").to_owned();
    if kind.is_empty() {
        form.error("kind", "请选择评价类型");
    }
    let result = if form.is_ok() {
        let input = OpenInput { kind };
        let now = state.clock.now();
        let (settings, actor) = (state.settings.clone(), user.clone());
        Some(
            state
                .db
                .run(move |conn| {
                    evaluations::open(
                        conn,
                        &settings.evaluation.indicators,
                        &actor,
                        now,
                        id,
                        &input,
                    )
                })
                .await,
        )
    } else {
        None
    };
    finish(
        &req,
        &state,
        &user,
        id,
        ("open-evaluation-form", form),
        result,
        |_| ("evaluations", EVALUATION_OPENED),
    )
    .await
}

/// `POST /app/contracts/{id}/evaluations/{evaluation}/evaluators`: assigns the evaluators
/// (`evaluator_ids`, one value per ticked box) (officer).
#[post("/app/contracts/{id}/evaluations/{evaluation}/evaluators")]
pub async fn assign_evaluators(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(i64, i64)>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let (id, evaluation_id) = path.into_inner();
    officer_contract(&state, &user, id).await?;
    let belongs = state
        .db
        .run(move |conn| Ok(evaluation_model::get(conn, evaluation_id)?.contract_id == id))
        .await?;
    if !belongs {
        return Err(AppError::NotFound(format!(
            "绩效评价 {evaluation_id} 不存在"
        )));
    }
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    let mut ids = Vec::new();
    for value in data.all("evaluator_ids") {
        match value.parse::<i64>() {
            Ok(v) => ids.push(v),
            Err(_) => form.error("evaluator_ids", format!("评价人员编号无效：“{value}”")),
        }
    }
    if ids.is_empty() && form.is_ok() {
        form.error("evaluator_ids", "请至少选择一名评价人员");
    }
    let result = if form.is_ok() {
        let input = EvaluatorsInput { evaluator_ids: ids };
        let now = state.clock.now();
        let (settings, actor) = (state.settings.clone(), user.clone());
        Some(
            state
                .db
                .run(move |conn| {
                    evaluations::set_evaluators(
                        conn,
                        &settings.evaluation.indicators,
                        &actor,
                        now,
                        evaluation_id,
                        &input,
                    )
                })
                .await,
        )
    } else {
        None
    };
    let key = format!("evaluators-{evaluation_id}");
    finish(&req, &state, &user, id, (&key, form), result, |_| {
        ("evaluations", EVALUATORS_ASSIGNED)
    })
    .await
}
