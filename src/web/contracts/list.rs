//! `GET /app/contracts`: the contracts the user may read, as [`contracts::service::list`]
//! scopes them (officer: its purchaser's; contractor: its organization's; auditor and admin:
//! all, read only), each with its state, parties, amount, period and what waits for the
//! user: a signature, reports to review, installments to pay, a report to file. Officers
//! also see their awarded projects that still wait for a contract.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

use super::contract_status_label;
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::contracts::delivery::model::{self as delivery, REPORT_RETURNED, REPORT_SUBMITTED};
use crate::contracts::delivery::reminders::last_month;
use crate::contracts::delivery::service::period_of;
use crate::contracts::model as contracts_model;
use crate::contracts::service::{self, ContractFilter, ContractView};
use crate::db::AnyConnection;
use crate::db::schema::projects;
use crate::domain::money::format_yuan;
use crate::error::AppResult;
use crate::public::queries::{contractor_names, purchaser_names};
use crate::web::layout::{PageUser, Shell};

/// Contracts per page.
const PER_PAGE: i64 = 50;

/// One contract as listed.
#[derive(Debug, Clone)]
pub struct ContractLine {
    /// Id (links to `/app/contracts/{id}`).
    pub id: i64,
    /// 合同编号.
    pub number: String,
    /// Project title.
    pub title: String,
    /// 甲方.
    pub purchaser: String,
    /// 乙方.
    pub contractor: String,
    /// 价款, `¥…`.
    pub amount: String,
    /// Service period.
    pub period: String,
    /// Status code (for the badge).
    pub status: String,
    /// Status in Chinese.
    pub status_label: &'static str,
    /// What waits for the user, in Chinese.
    pub waiting: Vec<String>,
}

/// An awarded project of the officer's purchaser without a contract.
#[derive(Debug, Clone)]
pub struct AwaitingLine {
    /// Project id.
    pub project_id: i64,
    /// Project number.
    pub number: String,
    /// Title.
    pub title: String,
}

#[derive(Template)]
#[template(path = "workspace/contracts/list.html")]
struct ListPage {
    shell: Shell,
    heading: &'static str,
    read_only: bool,
    contracts: Vec<ContractLine>,
    awaiting: Vec<AwaitingLine>,
    total: i64,
    page: i64,
    next_page: Option<i64>,
    prev_page: Option<i64>,
}

/// `?page=`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    /// Page number from 1.
    pub page: Option<i64>,
}

/// What waits for `user` on contract `c` at `today` (Shanghai).
pub fn waiting_for(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    c: &ContractView,
    today: NaiveDate,
) -> AppResult<Vec<String>> {
    let mut out = Vec::new();
    let officer = user.role == Role::Officer && user.purchaser_id == Some(c.purchaser_id);
    let contractor = user.role == Role::Contractor && user.contractor_id == Some(c.contractor_id);
    if c.status == "draft" {
        let (mine, theirs) = if officer {
            (&c.purchaser_signed_at, &c.contractor_signed_at)
        } else {
            (&c.contractor_signed_at, &c.purchaser_signed_at)
        };
        if officer || contractor {
            if mine.is_none() {
                out.push("待本方签订".to_owned());
            } else if theirs.is_none() {
                out.push("待对方签订".to_owned());
            }
        } else {
            out.push("待双方签订".to_owned());
        }
    }
    let due = c
        .payment_schedule
        .iter()
        .filter(|p| p.status == "due")
        .count();
    if officer && due > 0 {
        out.push(format!("{due} 期款项待支付"));
    }
    if c.status == "active" {
        let submitted = delivery::reports(conn, c.id, Some(REPORT_SUBMITTED))?.len();
        if officer && submitted > 0 {
            out.push(format!("{submitted} 份月度报告待审核"));
        }
        if contractor {
            let returned = delivery::reports(conn, c.id, Some(REPORT_RETURNED))?.len();
            if returned > 0 {
                out.push(format!("{returned} 份月度报告被退回，待重新填报"));
            }
            let (start, end) = last_month(today);
            if c.service_start <= end && c.service_end >= start {
                let period = period_of(start);
                let reported = delivery::report_for_period(conn, c.id, &period)?
                    .is_some_and(|r| r.status != REPORT_RETURNED);
                if !reported {
                    out.push(format!("{period} 月度报告待填报"));
                }
            }
        }
    }
    Ok(out)
}

fn awaiting_contract(conn: &mut AnyConnection, purchaser_id: i64) -> AppResult<Vec<AwaitingLine>> {
    let rows: Vec<(i64, String, String)> = projects::table
        .filter(projects::purchaser_id.eq(purchaser_id))
        .filter(projects::status.eq("awarded"))
        .order(projects::id.desc())
        .select((projects::id, projects::number, projects::title))
        .load(conn)?;
    let mut out = Vec::new();
    for (project_id, number, title) in rows {
        if contracts_model::of_project(conn, project_id)?.is_none() {
            out.push(AwaitingLine {
                project_id,
                number,
                title,
            });
        }
    }
    Ok(out)
}

/// `GET /app/contracts`.
#[get("/app/contracts")]
pub async fn contracts_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let page = query.page.unwrap_or(1).max(1);
    let today = state.clock.today();
    let viewer = user.clone();
    let (lines, awaiting, total) = state
        .db
        .run(move |conn| {
            let filter = ContractFilter {
                page: Some(page),
                per_page: Some(PER_PAGE),
                ..ContractFilter::default()
            };
            let listed = service::list(conn, &viewer, &filter)?;
            let project_ids: Vec<i64> = listed.items.iter().map(|c| c.project_id).collect();
            let titles: HashMap<i64, String> = projects::table
                .filter(projects::id.eq_any(&project_ids))
                .select((projects::id, projects::title))
                .load::<(i64, String)>(conn)?
                .into_iter()
                .collect();
            let purchasers = purchaser_names(
                conn,
                &listed
                    .items
                    .iter()
                    .map(|c| c.purchaser_id)
                    .collect::<Vec<_>>(),
            )?;
            let contractors = contractor_names(
                conn,
                &listed
                    .items
                    .iter()
                    .map(|c| c.contractor_id)
                    .collect::<Vec<_>>(),
            )?;
            let mut lines = Vec::new();
            for c in &listed.items {
                lines.push(ContractLine {
                    id: c.id,
                    number: c.number.clone(),
                    title: titles.get(&c.project_id).cloned().unwrap_or_default(),
                    purchaser: purchasers.get(&c.purchaser_id).cloned().unwrap_or_default(),
                    contractor: contractors
                        .get(&c.contractor_id)
                        .cloned()
                        .unwrap_or_default(),
                    amount: format_yuan(c.amount),
                    period: format!("{} 至 {}", c.service_start, c.service_end),
                    status: c.status.clone(),
                    status_label: contract_status_label(&c.status),
                    waiting: waiting_for(conn, &viewer, c, today)?,
                });
            }
            let awaiting = match (viewer.role, viewer.purchaser_id) {
                (Role::Officer, Some(p)) => awaiting_contract(conn, p)?,
                _ => Vec::new(),
            };
            Ok((lines, awaiting, listed.total))
        })
        .await?;
    let shell = Shell::new(&req, &user)?;
    let heading = match user.role {
        Role::Officer => "本单位合同与履约",
        Role::Contractor => "本机构合同与履约",
        _ => "全部合同",
    };
    shell.respond(&ListPage {
        shell: shell.clone(),
        heading,
        read_only: matches!(user.role, Role::Auditor | Role::Admin),
        contracts: lines,
        awaiting,
        total,
        page,
        next_page: (page * PER_PAGE < total).then_some(page + 1),
        prev_page: (page > 1).then_some(page - 1),
    })
}
