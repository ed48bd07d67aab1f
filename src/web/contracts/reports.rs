//! `/app/contracts/{id}/reports/new`: the contractor's monthly service report — the month
//! (a month of the service period up to this one, not yet reported or returned), persons and
//! person-times by target group, activities, cases opened and closed, volunteers and a
//! narrative: exactly the fields of [`ReportInput`]. Reports carry aggregate figures only;
//! there is no field for a service user's name or ID. `?period=YYYY-MM` of a returned report
//! pre-fills the form with it for resubmission.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::{Months, NaiveDate};
use serde::Deserialize;

use super::{REPORT_FILED, REPORT_REFILED, remap_rows};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::catalog::model as catalog;
use crate::contracts::delivery::model::REPORT_RETURNED;
use crate::contracts::delivery::service::{
    self as delivery_service, CountInput, ReportInput, month_start, period_of,
};
use crate::contracts::model::{self as contracts_model, ensure_contractor_user};
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult};
use crate::procurement::projects::model as projects_model;
use crate::web::csrf::CsrfForm;
use crate::web::form::{FormData, FormState, Options, see_other};
use crate::web::layout::{PageUser, Shell};

/// Extra rows (any target group) below the project's own groups.
const EXTRA_ROWS: usize = 2;
/// Count rows read from a submission at most.
const MAX_ROWS: usize = 40;

/// One row of figures by target group.
#[derive(Debug, Clone)]
pub struct CountRow {
    /// `service_counts[i].target_group`.
    pub group_field: String,
    /// `service_counts[i].persons`.
    pub persons_field: String,
    /// `service_counts[i].person_times`.
    pub times_field: String,
    /// The project's target group of a fixed row: (code, name); `None` for a free row.
    pub fixed: Option<(String, String)>,
}

impl CountRow {
    fn new(i: usize, fixed: Option<(String, String)>) -> CountRow {
        CountRow {
            group_field: format!("service_counts[{i}].target_group"),
            persons_field: format!("service_counts[{i}].persons"),
            times_field: format!("service_counts[{i}].person_times"),
            fixed,
        }
    }
}

#[derive(Template)]
#[template(path = "workspace/contracts/report_form.html")]
struct ReportPage {
    shell: Shell,
    contract_id: i64,
    number: String,
    title: String,
    period_text: String,
    /// Why no report can be filed (contract not active).
    blocked: Option<String>,
    months: Options,
    groups: Options,
    rows: Vec<CountRow>,
    resubmitting: bool,
    form: FormState,
}

/// `?period=YYYY-MM`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportQuery {
    /// A returned month to file again.
    pub period: Option<String>,
}

/// What the form needs of the contract.
struct Context {
    number: String,
    title: String,
    period_text: String,
    blocked: Option<String>,
    months: Options,
    groups: Options,
    project_groups: Vec<(String, String)>,
    returned: HashMap<String, delivery_service::ReportView>,
}

fn months_between(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut month = month_start(first);
    while month <= last && out.len() < 120 {
        out.push(month);
        match month.checked_add_months(Months::new(1)) {
            Some(next) => month = next,
            None => break,
        }
    }
    out
}

fn context(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    contract_id: i64,
    today: NaiveDate,
) -> AppResult<Context> {
    let contract = contracts_model::get(conn, contract_id)?;
    ensure_contractor_user(user, &contract)?;
    let project = projects_model::get(conn, contract.project_id)?;
    let all_groups = catalog::target_groups(conn)?;
    let names: HashMap<String, String> = all_groups
        .iter()
        .map(|g| (g.code.clone(), g.name.clone()))
        .collect();
    let project_groups = project
        .target_group_codes()
        .into_iter()
        .filter_map(|code| names.get(&code).map(|name| (code.clone(), name.clone())))
        .collect();
    let reports = delivery_service::list_reports(conn, user, contract_id)?;
    let taken: HashMap<String, String> = reports
        .iter()
        .map(|r| (r.period.clone(), r.status.clone()))
        .collect();
    let last = month_start(contract.service_end).min(month_start(today));
    let months = months_between(contract.service_start, last)
        .into_iter()
        .map(period_of)
        .filter_map(|p| match taken.get(&p).map(String::as_str) {
            None => Some((p.clone(), p)),
            Some(REPORT_RETURNED) => Some((p.clone(), format!("{p}（已退回，重新填报）"))),
            Some(_) => None,
        })
        .collect();
    let blocked = (contract.status != "active").then(|| {
        format!(
            "合同当前状态为“{}”，只有履行中的合同才能填报月度报告。",
            super::contract_status_label(&contract.status)
        )
    });
    Ok(Context {
        number: contract.number,
        title: project.title,
        period_text: format!("{} 至 {}", contract.service_start, contract.service_end),
        blocked,
        months,
        groups: all_groups.into_iter().map(|g| (g.code, g.name)).collect(),
        project_groups,
        returned: reports
            .into_iter()
            .filter(|r| r.status == REPORT_RETURNED)
            .map(|r| (r.period.clone(), r))
            .collect(),
    })
}

/// The rows of the form: the project's groups, then free rows (at least `EXTRA_ROWS`, and up
/// to the last one the form has a value in).
fn rows_for(project_groups: &[(String, String)], form: &FormState) -> Vec<CountRow> {
    let fixed = project_groups.len();
    let used = (0..MAX_ROWS)
        .rev()
        .find(|i| {
            let row = CountRow::new(*i, None);
            !form.value(&row.persons_field).is_empty()
                || !form.value(&row.times_field).is_empty()
                || (*i >= fixed && !form.value(&row.group_field).is_empty())
        })
        .map_or(0, |i| i + 1);
    let total = used.max(fixed + EXTRA_ROWS);
    (0..total)
        .map(|i| CountRow::new(i, project_groups.get(i).cloned()))
        .collect()
}

/// The form pre-filled from a returned report (resubmission).
fn prefill(
    project_groups: &[(String, String)],
    report: &delivery_service::ReportView,
) -> FormState {
    let mut form = FormState::new();
    form.set("period", report.period.clone());
    form.set("activities", report.activities.to_string());
    form.set("cases_opened", report.cases_opened.to_string());
    form.set("cases_closed", report.cases_closed.to_string());
    form.set("volunteers_engaged", report.volunteers_engaged.to_string());
    form.set("narrative", report.narrative.clone());
    let mut next_free = project_groups.len();
    for count in &report.service_counts {
        let i = match project_groups
            .iter()
            .position(|(c, _)| *c == count.target_group)
        {
            Some(i) => i,
            None => {
                next_free += 1;
                next_free - 1
            }
        };
        let row = CountRow::new(i, None);
        form.set(row.group_field, count.target_group.clone());
        form.set(row.persons_field, count.persons.to_string());
        form.set(row.times_field, count.person_times.to_string());
    }
    form
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    contract_id: i64,
    form: Result<FormState, Option<String>>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let today = state.clock.today();
    let viewer = user.clone();
    let ctx = state
        .db
        .run(move |conn| context(conn, &viewer, contract_id, today))
        .await?;
    let (form, resubmitting) = match form {
        Ok(form) => {
            let period = form.value("period").to_owned();
            let resubmitting = ctx.returned.contains_key(&period);
            (form, resubmitting)
        }
        Err(period) => match period.as_ref().and_then(|p| ctx.returned.get(p)) {
            Some(report) => (prefill(&ctx.project_groups, report), true),
            None => (FormState::new(), false),
        },
    };
    let shell = Shell::new(req, user)?;
    let mut response = shell.respond(&ReportPage {
        shell: shell.clone(),
        contract_id,
        number: ctx.number,
        title: ctx.title,
        period_text: ctx.period_text,
        blocked: ctx.blocked,
        months: ctx.months,
        groups: ctx.groups,
        rows: rows_for(&ctx.project_groups, &form),
        resubmitting,
        form,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /app/contracts/{id}/reports/new[?period=YYYY-MM]` (a user of the contract's
/// contractor).
#[get("/app/contracts/{id}/reports/new")]
pub async fn report_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let period = query.into_inner().period;
    render(
        &req,
        &state,
        &user.0,
        id.into_inner(),
        Err(period),
        StatusCode::OK,
    )
    .await
}

/// Reads the form into the service's input; field errors go to `form`.
fn read_input(form: &mut FormState, data: &FormData) -> (Option<ReportInput>, Vec<usize>) {
    let period = form.required(data, "period", "报告月份");
    let mut counts = Vec::new();
    let mut rows = Vec::new();
    for i in 0..MAX_ROWS {
        let row = CountRow::new(i, None);
        let persons = data.text(&row.persons_field);
        let times = data.text(&row.times_field);
        if persons.is_empty() && times.is_empty() {
            continue;
        }
        let group = data.text(&row.group_field).to_owned();
        if group.is_empty() {
            form.error(&row.group_field, "请选择服务对象类别");
        }
        let persons = form.integer(data, &row.persons_field, "服务人数");
        let times = form.integer(data, &row.times_field, "服务人次");
        rows.push(i);
        counts.push(CountInput {
            target_group: group,
            persons: persons.unwrap_or(0),
            person_times: times.unwrap_or(0),
        });
    }
    let activities = form.integer(data, "activities", "活动场次");
    let opened = form.integer(data, "cases_opened", "新开个案数");
    let closed = form.integer(data, "cases_closed", "结案数");
    let volunteers = form.integer(data, "volunteers_engaged", "参与志愿者人数");
    let narrative = form.required(data, "narrative", "本月服务情况");
    let input = match (period, activities, opened, closed, volunteers, narrative) {
        (Some(period), Some(activities), Some(opened), Some(closed), Some(volunteers), Some(n)) => {
            Some(ReportInput {
                period,
                service_counts: counts,
                activities,
                cases_opened: opened,
                cases_closed: closed,
                volunteers_engaged: volunteers,
                narrative: n,
            })
        }
        _ => None,
    };
    (input, rows)
}

/// `POST /app/contracts/{id}/reports/new`: files the month's report (or files a returned one
/// again); `303` to the contract page.
#[post("/app/contracts/{id}/reports/new")]
pub async fn submit_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let contract_id = id.into_inner();
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    let (input, rows) = read_input(&mut form, &data);
    if let (Some(input), true) = (input, form.is_ok()) {
        let now = state.clock.now();
        let actor = user.clone();
        let result = state
            .db
            .run(move |conn| {
                delivery_service::submit_report(conn, &actor, now, contract_id, &input)
            })
            .await;
        match result {
            Ok(submitted) => {
                let flash = if submitted.resubmitted {
                    REPORT_REFILED
                } else {
                    REPORT_FILED
                };
                return Ok(see_other(
                    &format!("/app/contracts/{contract_id}#reports"),
                    flash,
                ));
            }
            Err(AppError::Validation(fields)) => {
                form.absorb(AppError::Validation(remap_rows(
                    fields,
                    "service_counts",
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
        contract_id,
        Ok(form),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
