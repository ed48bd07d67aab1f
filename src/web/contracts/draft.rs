//! `/app/projects/{id}/contract/new`: the purchaser's officer drafts the contract of an awarded
//! project — every term of DOMAIN §6 (标的、数量、质量、服务期限、价款 = the awarded price,
//! 资金结算方式 as installments, 权利义务、违约责任、争议解决方式). The refusals of
//! [`contracts::service::create`] (challenge window open, pending challenge, percents not
//! summing to 100, period outside the project's) are shown in Chinese above or next to the
//! fields.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde_json::Value;

use super::{CONTRACT_DRAFTED, condition_options, remap_rows};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::contracts::model as contracts_model;
use crate::contracts::service::{self, ContractInput, DisputeInput, InstallmentInput};
use crate::disclosure::bodies;
use crate::domain::project_status::ProjectStatus;
use crate::error::{AppError, AppResult};
use crate::procurement::access::ensure_officer_of;
use crate::procurement::evaluation::model as award_model;
use crate::procurement::projects::model as projects_model;
use crate::public::yuan;
use crate::web::csrf::CsrfForm;
use crate::web::form::{FormData, FormState, Options, see_other};
use crate::web::layout::{PageUser, Shell};

/// Installment rows the form shows at least.
const MIN_ROWS: usize = 4;
/// Installment rows read from a submission at most (the service allows 24).
const MAX_ROWS: usize = 24;

/// The field names of one installment row.
#[derive(Debug, Clone)]
pub struct ScheduleRow {
    /// `第 1 期`.
    pub label: String,
    /// `payment_schedule[i].name`.
    pub name: String,
    /// `payment_schedule[i].percent`.
    pub percent: String,
    /// `payment_schedule[i].condition`.
    pub condition: String,
}

impl ScheduleRow {
    fn new(i: usize) -> ScheduleRow {
        ScheduleRow {
            label: format!("第 {} 期", i + 1),
            name: format!("payment_schedule[{i}].name"),
            percent: format!("payment_schedule[{i}].percent"),
            condition: format!("payment_schedule[{i}].condition"),
        }
    }
}

/// What the page knows of the project and its award.
#[derive(Debug, Clone)]
struct Facts {
    project_id: i64,
    number: String,
    title: String,
    status: &'static str,
    period: String,
    contractor: String,
    amount: String,
    /// Why no contract can be drafted now (state), shown instead of the form.
    blocked: Option<String>,
    /// A contract that already exists.
    existing: Option<i64>,
    /// Rules that will refuse the draft now (challenge window, pending challenge).
    warnings: Vec<String>,
}

#[derive(Template)]
#[template(path = "workspace/contracts/draft.html")]
struct DraftPage {
    shell: Shell,
    facts: Facts,
    form: FormState,
    rows: Vec<ScheduleRow>,
    conditions: Options,
    disputes: Options,
}

fn load_facts(
    conn: &mut crate::db::AnyConnection,
    user: &CurrentUser,
    project_id: i64,
    today: chrono::NaiveDate,
) -> AppResult<(Facts, projects_model::ProjectRow)> {
    let project = projects_model::get(conn, project_id)?;
    ensure_officer_of(user, project.purchaser_id)?;
    let status = project.status()?;
    let existing = contracts_model::of_project(conn, project_id)?.map(|c| c.id);
    let award = award_model::active_award(conn, project_id)?;
    let contractor = match &award {
        Some(a) => crate::public::queries::contractor_names(conn, &[a.contractor_id])?
            .remove(&a.contractor_id)
            .unwrap_or_default(),
        None => String::new(),
    };
    let mut warnings = Vec::new();
    let blocked = if existing.is_some() {
        Some("该项目已有合同。".to_owned())
    } else if status != ProjectStatus::Awarded || award.is_none() {
        Some(format!(
            "项目当前状态为“{}”，确定中标（成交）供应商后方可起草合同。",
            status.label()
        ))
    } else {
        None
    };
    if let (None, Some(a)) = (&blocked, &award) {
        if today <= a.challenge_deadline {
            warnings.push(format!(
                "质疑期至{}届满，届满后方可签订合同。",
                bodies::date_text(a.challenge_deadline)
            ));
        }
        if award_model::pending_challenge(conn, project_id)? {
            warnings.push("尚有未答复的质疑，答复后方可签订合同。".to_owned());
        }
    }
    let facts = Facts {
        project_id,
        number: project.number.clone(),
        title: project.title.clone(),
        status: status.label(),
        period: format!("{} 至 {}", project.service_start, project.service_end),
        contractor,
        amount: award
            .as_ref()
            .map_or_else(String::new, |a| yuan(a.price_fen)),
        blocked,
        existing,
        warnings,
    };
    Ok((facts, project))
}

fn rows_for(form: &FormState) -> Vec<ScheduleRow> {
    let used = (0..MAX_ROWS)
        .rev()
        .find(|i| {
            let row = ScheduleRow::new(*i);
            !form.value(&row.name).is_empty()
                || !form.value(&row.percent).is_empty()
                || !form.value(&row.condition).is_empty()
        })
        .map_or(0, |i| i + 1);
    (0..used.max(MIN_ROWS)).map(ScheduleRow::new).collect()
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    project_id: i64,
    form: Option<FormState>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let today = state.clock.today();
    let viewer = user.clone();
    let (facts, project) = state
        .db
        .run(move |conn| load_facts(conn, &viewer, project_id, today))
        .await?;
    let form = form.unwrap_or_else(|| {
        FormState::with_values([
            ("subject", project.title.clone()),
            ("service_start", project.service_start.to_string()),
            ("service_end", project.service_end.to_string()),
            ("payment_schedule[0].name", "首期款".to_owned()),
            ("payment_schedule[0].percent", "30".to_owned()),
            ("payment_schedule[0].condition", "on_signing".to_owned()),
            ("payment_schedule[1].name", "中期款".to_owned()),
            ("payment_schedule[1].percent", "30".to_owned()),
            (
                "payment_schedule[1].condition",
                "after_midterm_evaluation".to_owned(),
            ),
            ("payment_schedule[2].name", "尾款".to_owned()),
            ("payment_schedule[2].percent", "40".to_owned()),
            (
                "payment_schedule[2].condition",
                "after_final_evaluation".to_owned(),
            ),
            ("dispute_resolution.kind", "arbitration".to_owned()),
        ])
    });
    let shell = Shell::new(req, user)?;
    let mut response = shell.respond(&DraftPage {
        shell: shell.clone(),
        rows: rows_for(&form),
        facts,
        form,
        conditions: condition_options(),
        disputes: vec![
            ("arbitration".to_owned(), "仲裁".to_owned()),
            ("litigation".to_owned(), "诉讼".to_owned()),
        ],
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /app/projects/{id}/contract/new`: the drafting form (officer of the purchaser).
#[get("/app/projects/{id}/contract/new")]
pub async fn draft_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    render(&req, &state, &user.0, id.into_inner(), None, StatusCode::OK).await
}

/// Reads the form into the service's input; field errors go to `form`.
fn read_input(form: &mut FormState, data: &FormData) -> (ContractInput, Vec<usize>) {
    let subject = form.required(data, "subject", "标的（服务内容）");
    let quantity = form.required(data, "quantity_terms", "数量条款");
    let quality = form.required(data, "quality_terms", "质量条款");
    let start = form.date(data, "service_start", "服务开始日期");
    let end = form.date(data, "service_end", "服务结束日期");
    let rights = form.required(data, "rights_obligations", "双方权利义务");
    let breach = form.required(data, "breach_liability", "违约责任");
    let kind = data.text("dispute_resolution.kind");
    if kind.is_empty() {
        form.error("dispute_resolution.kind", "请选择争议解决方式");
    }
    let body = form.required(data, "dispute_resolution.body", "仲裁机构或管辖法院");
    let mut items = Vec::new();
    let mut rows = Vec::new();
    for i in 0..MAX_ROWS {
        let row = ScheduleRow::new(i);
        let (name, percent, condition) = (
            data.text(&row.name),
            data.text(&row.percent),
            data.text(&row.condition),
        );
        if name.is_empty() && percent.is_empty() && condition.is_empty() {
            continue;
        }
        if name.is_empty() {
            form.error(&row.name, format!("请填写{}的名称", row.label));
        }
        if percent.is_empty() {
            form.error(&row.percent, format!("请填写{}的付款比例", row.label));
        }
        if condition.is_empty() {
            form.error(&row.condition, format!("请选择{}的支付条件", row.label));
        }
        rows.push(i);
        items.push(InstallmentInput {
            name: Some(name.to_owned()),
            percent: Some(Value::String(percent.to_owned())),
            condition: Some(condition.to_owned()),
        });
    }
    if items.is_empty() {
        form.error("payment_schedule", "请至少填写一期付款");
    }
    let input = ContractInput {
        subject,
        quantity_terms: quantity,
        quality_terms: quality,
        service_start: start.map(|d| d.to_string()),
        service_end: end.map(|d| d.to_string()),
        payment_schedule: Some(items),
        rights_obligations: rights,
        breach_liability: breach,
        dispute_resolution: Some(DisputeInput {
            kind: Some(kind.to_owned()),
            body,
        }),
    };
    (input, rows)
}

/// `POST /app/projects/{id}/contract/new`: drafts the contract; `303` to the contract page.
#[post("/app/projects/{id}/contract/new")]
pub async fn create_contract(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let project_id = id.into_inner();
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    let (input, rows) = read_input(&mut form, &data);
    if form.is_ok() {
        let now = state.clock.now();
        let actor = user.clone();
        let result = state
            .db
            .run(move |conn| service::create(conn, &actor, now, project_id, &input))
            .await;
        match result {
            Ok(view) => {
                return Ok(see_other(
                    &format!("/app/contracts/{}", view.id),
                    CONTRACT_DRAFTED,
                ));
            }
            Err(AppError::Validation(fields)) => {
                form.absorb(AppError::Validation(remap_rows(
                    fields,
                    "payment_schedule",
                    &rows,
                )))?;
            }
            Err(error) => form.absorb(error)?,
        }
    }
    render(
        &req,
        &state,
        &user,
        project_id,
        Some(form),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
