//! `/app/budgets`: the purchaser's annual budgets (amount, committed, available) and the form
//! that registers one; auditors and admins read every purchaser's budgets, without the form. The reference for every workspace form: parse with
//! [`FormState`], call the same service as the API, redirect with a flash message on success,
//! re-render with the input and Chinese field errors (422) otherwise.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult};
use crate::procurement::budgets::{self, BudgetRow, NewBudget};
use crate::public::yuan;
use crate::web::csrf::CsrfForm;
use crate::web::flash::Flash;
use crate::web::form::{FormData, FormState, see_other};
use crate::web::layout::{PageUser, Shell};

/// Shown after a budget is registered.
pub const BUDGET_CREATED: Flash = Flash::new("budget_created", "预算已登记。");

/// One budget as listed.
#[derive(Debug, Clone)]
pub struct BudgetLine {
    /// The purchaser's name (shown to auditors and admins, who see every purchaser).
    pub purchaser: String,
    /// Year.
    pub year: i32,
    /// Funding source.
    pub source: String,
    /// Amount, `¥1,000.00`.
    pub amount: String,
    /// Committed by projects.
    pub committed: String,
    /// Still available.
    pub available: String,
}

impl From<&BudgetRow> for BudgetLine {
    fn from(row: &BudgetRow) -> Self {
        BudgetLine {
            purchaser: String::new(),
            year: row.year,
            source: row.source.clone(),
            amount: yuan(row.amount_fen),
            committed: yuan(row.committed_fen),
            available: yuan(row.amount_fen - row.committed_fen),
        }
    }
}

#[derive(Template)]
#[template(path = "workspace/officer/budgets.html")]
struct BudgetsPage {
    shell: Shell,
    budgets: Vec<BudgetLine>,
    /// `None` for the read-only view of auditors and admins.
    form: Option<FormState>,
}

/// The officer's purchaser, or 403.
pub fn officer_purchaser(user: &CurrentUser) -> AppResult<i64> {
    user.require_any(&[Role::Officer])?;
    user.purchaser_id
        .ok_or_else(|| AppError::Forbidden("该账号未关联采购单位".to_owned()))
}

/// Renders the page: the budgets of `purchaser_id` (or of every purchaser, with their names,
/// when `None`), with `form` unless read-only.
async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    purchaser_id: Option<i64>,
    form: Option<FormState>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let lines = state
        .db
        .run(move |conn| {
            let rows = budgets::list(conn, purchaser_id, None)?;
            let names = if purchaser_id.is_none() {
                let ids: Vec<i64> = rows.iter().map(|r| r.purchaser_id).collect();
                crate::public::queries::purchaser_names(conn, &ids)?
            } else {
                Default::default()
            };
            Ok(rows
                .iter()
                .map(|row| BudgetLine {
                    purchaser: names.get(&row.purchaser_id).cloned().unwrap_or_default(),
                    ..BudgetLine::from(row)
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let shell = Shell::new(req, user)?;
    let mut response = shell.respond(&BudgetsPage {
        shell: shell.clone(),
        budgets: lines,
        form,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /app/budgets`.
#[get("/app/budgets")]
pub async fn budgets_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> AppResult<HttpResponse> {
    let user = user.0;
    if matches!(user.role, Role::Auditor | Role::Admin) {
        return render(&req, &state, &user, None, None, StatusCode::OK).await;
    }
    let purchaser_id = officer_purchaser(&user)?;
    let year = state.clock.today().format("%Y").to_string();
    let form = FormState::with_values([("year", year)]);
    render(
        &req,
        &state,
        &user,
        Some(purchaser_id),
        Some(form),
        StatusCode::OK,
    )
    .await
}

/// `POST /app/budgets`: registers a budget of the officer's purchaser.
#[post("/app/budgets")]
pub async fn create_budget(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let purchaser_id = officer_purchaser(&user)?;
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    let year = form.integer(&data, "year", "年度");
    let source = form.required(&data, "source", "资金来源");
    let amount = form.money(&data, "amount");
    if let (Some(year), Some(source), Some(amount)) = (year, source, amount) {
        let input = NewBudget {
            purchaser_id,
            year: i32::try_from(year).unwrap_or(i32::MAX),
            source,
            amount,
        };
        let actor = user.actor(state.clock.now());
        let result = state
            .db
            .run(move |conn| budgets::create(conn, &actor, &input))
            .await;
        match result {
            Ok(_) => return Ok(see_other("/app/budgets", BUDGET_CREATED)),
            Err(error) => form.absorb(error)?,
        }
    }
    render(
        &req,
        &state,
        &user,
        Some(purchaser_id),
        Some(form),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
