//! Demo data for `sixnorms demo`: accounts for every role (printed at start), purchasers,
//! contractors in every status, and stations. Later areas add their demo data here. Loading
//! is idempotent: what exists is left alone, so `demo` can be run again on the same database.

pub mod contracts;
pub mod parties;
pub mod procurement;
pub mod scale;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::audit::Actor;
use crate::auth::Role;
use crate::auth::model;
use crate::auth::service::{CreateUserRequest, create_user};
use crate::calendar::Calendar;
use crate::config::Settings;
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::procurement::rules::ProcurementRules;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "sixnorms-demo";

/// One demo account as printed.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    /// Login name.
    pub username: &'static str,
    /// Role.
    pub role: Role,
    /// Display name.
    pub display_name: &'static str,
}

/// The accounts printed at start (contractors other than `contractor` log in with the
/// usernames of `parties`, e.g. `tongxin`, `yijia`).
pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "admin",
        role: Role::Admin,
        display_name: "平台管理员",
    },
    DemoAccount {
        username: "officer",
        role: Role::Officer,
        display_name: "兴庆区民政局 王经办",
    },
    DemoAccount {
        username: "nx.officer",
        role: Role::Officer,
        display_name: "宁夏回族自治区民政厅 马处长",
    },
    DemoAccount {
        username: "contractor",
        role: Role::Contractor,
        display_name: "银川市仁爱社会工作服务中心",
    },
    DemoAccount {
        username: "evaluator",
        role: Role::Evaluator,
        display_name: "评审专家 李教授",
    },
    DemoAccount {
        username: "evaluator2",
        role: Role::Evaluator,
        display_name: "评审专家 周老师",
    },
    DemoAccount {
        username: "evaluator3",
        role: Role::Evaluator,
        display_name: "评审专家 杨研究员",
    },
    DemoAccount {
        username: "auditor",
        role: Role::Auditor,
        display_name: "区财政局 监督员",
    },
];

/// What one load created.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoSummary {
    /// Accounts created (not counting contractor registrations).
    pub accounts: usize,
    /// Contractors known after the load.
    pub contractors: usize,
    /// Stations created.
    pub stations: usize,
    /// Projects played through.
    pub projects: usize,
    /// Projects played through to a contract (in service, completed, terminated).
    pub contracts: usize,
}

fn ensure_account(
    conn: &mut AnyConnection,
    actor: &Actor,
    account: &DemoAccount,
    purchaser_id: Option<i64>,
) -> AppResult<bool> {
    if model::find_by_username(conn, account.username)?.is_some() {
        return Ok(false);
    }
    create_user(
        conn,
        actor,
        &CreateUserRequest {
            username: account.username.to_owned(),
            password: DEMO_PASSWORD.to_owned(),
            role: account.role,
            display_name: account.display_name.to_owned(),
            email: format!("{}@demo.sixnorms.local", account.username),
            purchaser_id,
            contractor_id: None,
        },
    )?;
    Ok(true)
}

/// Loads everything that is missing.
pub fn load(
    conn: &mut AnyConnection,
    settings: &Settings,
    rules: &ProcurementRules,
    calendar: &Calendar,
    now: NaiveDateTime,
    today: NaiveDate,
) -> AppResult<DemoSummary> {
    let system = Actor::system("demo", now);
    let mut summary = DemoSummary::default();
    for account in ACCOUNTS
        .iter()
        .filter(|a| matches!(a.role, Role::Admin | Role::Evaluator | Role::Auditor))
    {
        summary.accounts += usize::from(ensure_account(conn, &system, account, None)?);
    }
    let admin = parties::admin_user(conn)?;
    let admin_actor = admin.actor(now);
    let purchasers = parties::purchasers(conn, &admin_actor)?;
    // 兴庆区民政局 and 宁夏回族自治区民政厅.
    for (username, purchaser) in [("officer", purchasers[1]), ("nx.officer", purchasers[0])] {
        if let Some(account) = ACCOUNTS.iter().find(|a| a.username == username) {
            summary.accounts += usize::from(ensure_account(
                conn,
                &admin_actor,
                account,
                Some(purchaser),
            )?);
        }
    }
    let contractors = parties::contractors(conn, settings, now, today, &admin)?;
    summary.contractors = contractors.len();
    summary.stations = parties::stations(conn, now, &contractors)?;
    summary.projects = procurement::load(conn, settings, rules, calendar, purchasers[1], today)?;
    summary.contracts = contracts::load(conn, settings, rules, calendar, purchasers[1], today)?;
    Ok(summary)
}

/// The lines printed at start.
pub fn banner(base_url: &str) -> String {
    let mut out =
        format!("SixNorms 演示环境 / demo: {base_url}\n演示账号 (password: {DEMO_PASSWORD}):\n");
    for account in ACCOUNTS {
        out.push_str(&format!(
            "  {:<12} {:<10} {}\n",
            account.username,
            account.role.as_str(),
            account.display_name
        ));
    }
    out.push_str("  其他承接主体账号 / other contractors: tongxin, yangguang, yijia, rongxin, hanshui, caiyun, kangning …\n");
    out
}
