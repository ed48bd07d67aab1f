//! `/app/projects/new` and `/app/projects/{id}/edit`: the design of a project (budget, catalog
//! item, title, summary, region, station, target groups, targets, budget amount, service
//! period, method, planned tender date) — created with `projects::service::create`, edited
//! in draft with `projects::service::update`, exactly as `POST`/`PATCH /api/v1/projects`.

use std::collections::HashSet;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::budgets::officer_purchaser;
use super::shared::{
    RowField, chosen_id, filled_rows, method_options, project_url, region_options, remap_rows,
    row_count, station_options, target_kind_options,
};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult};
use crate::procurement::budgets;
use crate::procurement::projects::model as projects_model;
use crate::procurement::projects::service::{
    self as projects, NewProject, ProjectPatch, TargetInput,
};
use crate::public::yuan;
use crate::web::csrf::CsrfForm;
use crate::web::flash::Flash;
use crate::web::form::{FormData, FormState, Options, money_input, see_other};
use crate::web::layout::{PageUser, Shell};

/// Shown after a project is created.
pub const PROJECT_CREATED: Flash = Flash::new(
    "project_created",
    "项目已创建（草稿），预算已占用。下一步：发布采购意向。",
);
/// Shown after a draft is saved.
pub const PROJECT_UPDATED: Flash = Flash::new("project_updated", "项目草稿已保存。");

/// Rows of targets the form accepts.
const MAX_TARGETS: usize = 20;
/// The inputs that make a target row "filled" (the kind select alone does not).
const TARGET_TEXT_KEYS: [&str; 3] = ["name", "value", "unit"];

/// One row of targets as shown.
#[derive(Debug, Clone)]
pub struct TargetRowView {
    /// Row number from 1.
    pub number: usize,
    /// `targets[i].kind`.
    pub kind: RowField,
    /// `targets[i].name`.
    pub name: RowField,
    /// `targets[i].value`.
    pub value: RowField,
    /// `targets[i].unit`.
    pub unit: RowField,
}

/// The choices of the form's selects and check boxes.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// The purchaser's budgets.
    pub budgets: Options,
    /// Catalog items of the budgets' years.
    pub items: Options,
    /// Regions under the purchaser's.
    pub regions: Options,
    /// Stations in them.
    pub stations: Options,
    /// Target groups.
    pub groups: Options,
    /// Target kinds.
    pub kinds: Options,
    /// The six methods.
    pub methods: Options,
}

#[derive(Template)]
#[template(path = "workspace/officer/project_form.html")]
struct ProjectFormPage {
    shell: Shell,
    /// `None` when creating.
    project_id: Option<i64>,
    /// The heading.
    heading: String,
    /// Where the form posts.
    action: String,
    /// Editing: the budget, fixed.
    budget_fixed: Option<String>,
    choices: Choices,
    targets: Vec<TargetRowView>,
    form: FormState,
}

fn choices(
    conn: &mut AnyConnection,
    state: &AppState,
    purchaser_id: i64,
    year: Option<i32>,
) -> AppResult<Choices> {
    let purchaser = crate::purchasers::model::find(conn, purchaser_id)?
        .ok_or_else(|| AppError::Forbidden("该账号关联的采购单位不存在".to_owned()))?;
    let rows = budgets::list(conn, Some(purchaser_id), None)?;
    let budgets = rows
        .iter()
        .map(|b| {
            (
                b.id.to_string(),
                format!(
                    "{} 年 · {} · 可用 {}",
                    b.year,
                    b.source,
                    yuan(b.amount_fen - b.committed_fen)
                ),
            )
        })
        .collect();
    let mut years: Vec<i32> = match year {
        Some(y) => vec![y],
        None => rows.iter().map(|b| b.year).collect(),
    };
    if years.is_empty() {
        years.push(chrono::Datelike::year(&state.clock.today()));
    }
    years.sort_unstable();
    years.dedup();
    years.reverse();
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    for y in &years {
        for item in crate::catalog::model::items_of_year(conn, *y)? {
            if seen.insert(item.code.clone()) {
                let domain = crate::catalog::domain_label(&item.domain_code).unwrap_or("");
                let label = if years.len() > 1 {
                    format!("{} {}（{domain}，{y} 年目录）", item.code, item.name)
                } else {
                    format!("{} {}（{domain}）", item.code, item.name)
                };
                items.push((item.code, label));
            }
        }
    }
    let groups = crate::catalog::model::target_groups(conn)?
        .into_iter()
        .map(|g| {
            let label = if g.priority {
                format!("{}（重点）", g.name)
            } else {
                g.name
            };
            (g.code, label)
        })
        .collect();
    Ok(Choices {
        budgets,
        items,
        regions: region_options(conn, &purchaser.region_code)?,
        stations: station_options(conn, &purchaser.region_code)?,
        groups,
        kinds: target_kind_options(),
        methods: method_options(&state.rules),
    })
}

fn target_rows(form: &FormState) -> Vec<TargetRowView> {
    let n = row_count(form, "targets", &TARGET_TEXT_KEYS, 4, MAX_TARGETS);
    (0..n)
        .map(|i| TargetRowView {
            number: i + 1,
            kind: RowField::of(form, "targets", i, "kind"),
            name: RowField::of(form, "targets", i, "name"),
            value: RowField::of(form, "targets", i, "value"),
            unit: RowField::of(form, "targets", i, "unit"),
        })
        .collect()
}

/// What the form renders around: new, or the edit of a draft.
enum Mode {
    New,
    Edit { id: i64, budget: String, year: i32 },
}

async fn render(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: &CurrentUser,
    purchaser_id: i64,
    mode: Mode,
    form: FormState,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let app_state = state.get_ref().clone();
    let year = match &mode {
        Mode::New => None,
        Mode::Edit { year, .. } => Some(*year),
    };
    let choices = state
        .db
        .run(move |conn| choices(conn, &app_state, purchaser_id, year))
        .await?;
    let (project_id, heading, action, budget_fixed) = match mode {
        Mode::New => (
            None,
            "新建项目".to_owned(),
            "/app/projects/new".to_owned(),
            None,
        ),
        Mode::Edit { id, budget, .. } => (
            Some(id),
            "修改项目草稿".to_owned(),
            format!("/app/projects/{id}/edit"),
            Some(budget),
        ),
    };
    let shell = Shell::new(req, user)?;
    let mut response = shell.respond(&ProjectFormPage {
        shell: shell.clone(),
        project_id,
        heading,
        action,
        budget_fixed,
        choices,
        targets: target_rows(&form),
        form,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// The design as typed, once every field parsed.
struct Design {
    catalog_item_code: String,
    title: String,
    summary: String,
    region_code: String,
    station_id: Option<i64>,
    target_groups: Vec<String>,
    targets: Vec<TargetInput>,
    /// The form row of each target given to the service.
    target_rows: Vec<usize>,
    budget_amount: Decimal,
    service_start: NaiveDate,
    service_end: NaiveDate,
    term_justification: Option<String>,
    method: String,
    expected_tender_date: NaiveDate,
}

/// Parses the design fields, recording errors next to them; `None` when any is wrong.
fn parse_design(form: &mut FormState, data: &FormData) -> Option<Design> {
    let catalog_item_code = match data.text("catalog_item_code") {
        "" => {
            form.error("catalog_item_code", "请选择服务目录事项");
            None
        }
        code => Some(code.to_owned()),
    };
    let title = form.required(data, "title", "项目名称");
    let summary = form.required(data, "summary", "项目概述");
    let region_code = match data.text("region_code") {
        "" => {
            form.error("region_code", "请选择受益区域");
            None
        }
        code => Some(code.to_owned()),
    };
    let station_id = match data.text("station_id") {
        "" => Some(None),
        text => match text.parse::<i64>() {
            Ok(id) => Some(Some(id)),
            Err(_) => {
                form.error("station_id", "社工站无效，请重新选择");
                None
            }
        },
    };
    let target_groups = data.all("target_groups");
    if target_groups.is_empty() {
        form.error("target_groups", "请至少选择一个服务对象");
    }
    let rows = filled_rows(data, "targets", &TARGET_TEXT_KEYS, MAX_TARGETS);
    let mut targets = Vec::with_capacity(rows.len());
    for &i in &rows {
        let field = |key: &str| format!("targets[{i}].{key}");
        let value = form.decimal(data, &field("value"), "目标值");
        targets.push(value.map(|value| TargetInput {
            kind: data.text(&field("kind")).to_owned(),
            name: data.text(&field("name")).to_owned(),
            value,
            unit: data.text(&field("unit")).to_owned(),
        }));
    }
    if rows.is_empty() {
        form.error("targets", "请至少填写一项绩效目标");
    }
    let budget_amount = form.money(data, "budget_amount");
    let service_start = form.date(data, "service_start", "服务开始日期");
    let service_end = form.date(data, "service_end", "服务结束日期");
    if let (Some(start), Some(end)) = (service_start, service_end)
        && end < start
    {
        form.error("service_end", "服务结束日期不能早于开始日期");
    }
    let expected_tender_date = form.date(data, "expected_tender_date", "计划招标日期");
    let method = match data.text("method") {
        "" => {
            form.error("method", "请选择采购方式");
            None
        }
        code => Some(code.to_owned()),
    };
    let term_justification = form.optional(data, "term_justification");
    if !form.is_ok() {
        return None;
    }
    Some(Design {
        catalog_item_code: catalog_item_code?,
        title: title?,
        summary: summary?,
        region_code: region_code?,
        station_id: station_id?,
        target_groups,
        targets: targets.into_iter().collect::<Option<Vec<_>>>()?,
        target_rows: rows,
        budget_amount: budget_amount?,
        service_start: service_start?,
        service_end: service_end?,
        term_justification,
        method: method?,
        expected_tender_date: expected_tender_date?,
    })
}

/// `GET /app/projects/new`.
#[get("/app/projects/new")]
pub async fn new_project_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> AppResult<HttpResponse> {
    let purchaser_id = officer_purchaser(&user.0)?;
    let form = FormState::with_values([("method", "open_tender")]);
    render(
        &req,
        &state,
        &user.0,
        purchaser_id,
        Mode::New,
        form,
        StatusCode::OK,
    )
    .await
}

/// `POST /app/projects/new`: creates a draft project of the officer's purchaser.
#[post("/app/projects/new")]
pub async fn create_project(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let purchaser_id = officer_purchaser(&user)?;
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    let budget_id = chosen_id(&mut form, &data, "budget_id", "预算");
    let design = parse_design(&mut form, &data);
    if let (Some(budget_id), Some(d)) = (budget_id, design) {
        let rows = d.target_rows.clone();
        let input = NewProject {
            purchaser_id,
            budget_id,
            catalog_item_code: d.catalog_item_code,
            title: d.title,
            summary: d.summary,
            region_code: d.region_code,
            station_id: d.station_id,
            target_groups: d.target_groups,
            targets: d.targets,
            budget_amount: d.budget_amount,
            service_start: d.service_start,
            service_end: d.service_end,
            term_justification: d.term_justification,
            method: d.method,
            expected_tender_date: d.expected_tender_date,
        };
        let now = state.clock.now();
        let rules = state.rules.clone();
        let actor = user.clone();
        let result = state
            .db
            .run(move |conn| projects::create(conn, &rules, &actor, now, &input))
            .await;
        match result {
            Ok(row) => return Ok(see_other(&project_url(row.id), PROJECT_CREATED)),
            Err(error) => form.absorb(remap_rows(error, "targets", &rows))?,
        }
    }
    render(
        &req,
        &state,
        &user,
        purchaser_id,
        Mode::New,
        form,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// The draft `id` of the officer's purchaser with its budget's label and year; `403` for
/// another purchaser's project, `409` when it is no longer a draft.
async fn draft(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    id: i64,
) -> AppResult<(projects_model::ProjectRow, String)> {
    let user = user.clone();
    state
        .db
        .run(move |conn| {
            let row = projects_model::get(conn, id)?;
            crate::procurement::access::ensure_officer_of(&user, row.purchaser_id)?;
            crate::domain::project_status::transition(
                row.status()?,
                crate::domain::project_status::ProjectAction::Edit,
            )?;
            let budget = budgets::find(conn, row.budget_id)?
                .map(|b| format!("{} 年 · {}", b.year, b.source))
                .unwrap_or_default();
            Ok((row, budget))
        })
        .await
}

/// The stored design as the form shows it.
fn stored_values(
    row: &projects_model::ProjectRow,
    targets: &[projects_model::TargetRow],
) -> FormState {
    let mut values: Vec<(String, String)> = vec![
        ("catalog_item_code".into(), row.catalog_item_code.clone()),
        ("title".into(), row.title.clone()),
        ("summary".into(), row.summary.clone()),
        ("region_code".into(), row.region_code.clone()),
        (
            "station_id".into(),
            row.station_id.map(|s| s.to_string()).unwrap_or_default(),
        ),
        ("budget_amount".into(), money_input(row.budget_fen)),
        ("service_start".into(), row.service_start.to_string()),
        ("service_end".into(), row.service_end.to_string()),
        (
            "term_justification".into(),
            row.term_justification.clone().unwrap_or_default(),
        ),
        ("method".into(), row.method.clone()),
        (
            "expected_tender_date".into(),
            row.expected_tender_date.to_string(),
        ),
    ];
    for code in row.target_group_codes() {
        values.push(("target_groups".into(), code));
    }
    for (i, t) in targets.iter().enumerate() {
        values.push((format!("targets[{i}].kind"), t.kind.clone()));
        values.push((format!("targets[{i}].name"), t.name.clone()));
        values.push((format!("targets[{i}].value"), t.value.clone()));
        values.push((format!("targets[{i}].unit"), t.unit.clone()));
    }
    FormState::with_values(values)
}

/// `GET /app/projects/{id}/edit` (drafts only).
#[get("/app/projects/{id}/edit")]
pub async fn edit_project_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let purchaser_id = officer_purchaser(&user)?;
    let id = id.into_inner();
    let (row, budget) = draft(&state, &user, id).await?;
    let targets = state
        .db
        .run(move |conn| Ok(projects_model::targets(conn, id)?))
        .await?;
    let form = stored_values(&row, &targets);
    let mode = Mode::Edit {
        id,
        budget,
        year: row.year,
    };
    render(
        &req,
        &state,
        &user,
        purchaser_id,
        mode,
        form,
        StatusCode::OK,
    )
    .await
}

/// `POST /app/projects/{id}/edit`: saves the draft (every field replaced).
#[post("/app/projects/{id}/edit")]
pub async fn update_project(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let purchaser_id = officer_purchaser(&user)?;
    let id = id.into_inner();
    let (row, budget) = draft(&state, &user, id).await?;
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    if let Some(d) = parse_design(&mut form, &data) {
        let rows = d.target_rows.clone();
        let patch = ProjectPatch {
            title: Some(d.title),
            summary: Some(d.summary),
            catalog_item_code: Some(d.catalog_item_code),
            region_code: Some(d.region_code),
            station_id: Some(d.station_id),
            target_groups: Some(d.target_groups),
            targets: Some(d.targets),
            budget_amount: Some(d.budget_amount),
            service_start: Some(d.service_start),
            service_end: Some(d.service_end),
            term_justification: Some(d.term_justification.unwrap_or_default()),
            method: Some(d.method),
            expected_tender_date: Some(d.expected_tender_date),
        };
        let now = state.clock.now();
        let rules = state.rules.clone();
        let actor = user.clone();
        let result = state
            .db
            .run(move |conn| projects::update(conn, &rules, &actor, now, id, &patch))
            .await;
        match result {
            Ok(_) => return Ok(see_other(&project_url(id), PROJECT_UPDATED)),
            Err(error) => form.absorb(remap_rows(error, "targets", &rows))?,
        }
    }
    let mode = Mode::Edit {
        id,
        budget,
        year: row.year,
    };
    render(
        &req,
        &state,
        &user,
        purchaser_id,
        mode,
        form,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
