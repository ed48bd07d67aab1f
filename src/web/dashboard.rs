//! `/app`: the officer's dashboard (the purchaser's projects by state, bid deadlines in the next
//! ten working days, notices due, reports to review, challenges to answer) or, for other roles, a landing page of what they can do; and
//! `/app/projects`, the list of projects: an officer's purchaser's, or every project for
//! auditors and admins (read-only). Each project links to its page `/app/projects/{id}`.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Deserialize;

use super::layout::{PageUser, Shell};
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::contracts::delivery::model::REPORT_SUBMITTED;
use crate::db::AnyConnection;
use crate::db::schema::{challenges, contracts, projects, purchasers, service_reports, tenders};
use crate::disclosure::timeliness;
use crate::domain::project_status::ProjectStatus;
use crate::error::{AppError, AppResult};
use crate::public::{shanghai_minutes, yuan};

/// How many working days ahead the dashboard looks.
pub const HORIZON_WORKING_DAYS: u32 = 10;

/// How many of the newest projects the dashboard lists.
const NEWEST: i64 = 8;

/// A state and how many of the purchaser's projects are in it.
#[derive(Debug, Clone)]
pub struct StateCount {
    /// Stored code (the filter of `/app/projects`).
    pub code: &'static str,
    /// Chinese label.
    pub label: &'static str,
    /// Projects in it.
    pub count: i64,
}

/// One project line.
#[derive(Debug, Clone)]
pub struct ProjectLine {
    /// Id (links to `/app/projects/{id}`).
    pub id: i64,
    /// The purchaser's name.
    pub purchaser: String,
    /// Project number.
    pub number: String,
    /// Title.
    pub title: String,
    /// State in Chinese.
    pub status: &'static str,
    /// Budget, `¥1,234.00`.
    pub budget: String,
}

/// A bid deadline within the horizon.
#[derive(Debug, Clone)]
pub struct DeadlineLine {
    /// Project id.
    pub project_id: i64,
    /// Project title.
    pub title: String,
    /// Deadline, Shanghai `YYYY-MM-DD HH:MM`.
    pub deadline: String,
    /// Working days from today to the deadline's day.
    pub working_days_left: i64,
}

/// A notice due and not yet published.
#[derive(Debug, Clone)]
pub struct NoticeDueLine {
    /// Project id.
    pub project_id: i64,
    /// Project title.
    pub title: String,
    /// Notice kind in Chinese.
    pub kind: &'static str,
    /// Legal due date.
    pub due_by: NaiveDate,
    /// Whether the date has passed.
    pub overdue: bool,
}

/// A monthly service report waiting for the officer's review.
#[derive(Debug, Clone)]
pub struct ReportLine {
    /// Project id.
    pub project_id: i64,
    /// Project title.
    pub title: String,
    /// The month reported, `YYYY-MM`.
    pub period: String,
    /// Submitted at, Shanghai `YYYY-MM-DD HH:MM`.
    pub submitted: String,
}

/// A challenge (质疑) waiting for the officer's answer.
#[derive(Debug, Clone)]
pub struct ChallengeLine {
    /// Project id.
    pub project_id: i64,
    /// Project title.
    pub title: String,
    /// The date the answer is due by.
    pub answer_due: NaiveDate,
    /// Whether that date has passed.
    pub overdue: bool,
}

/// Everything the officer dashboard shows.
#[derive(Debug, Clone, Default)]
pub struct OfficerDashboard {
    /// The officer's purchaser.
    pub purchaser_name: String,
    /// Counts by state, in lifecycle order (every state, zero included).
    pub states: Vec<StateCount>,
    /// All projects.
    pub total: i64,
    /// The newest projects.
    pub newest: Vec<ProjectLine>,
    /// The last day of the horizon.
    pub horizon_end: Option<NaiveDate>,
    /// Unopened tenders whose bid deadline falls between now and the horizon's end.
    pub deadlines: Vec<DeadlineLine>,
    /// Notices due by the horizon's end and not published.
    pub notices_due: Vec<NoticeDueLine>,
    /// Submitted reports of the purchaser's contracts, oldest first.
    pub reports_to_review: Vec<ReportLine>,
    /// Pending challenges against the purchaser's awards, earliest due first.
    pub challenges_to_answer: Vec<ChallengeLine>,
}

/// The end of a Shanghai day, as UTC.
fn end_of_day_utc(day: NaiveDate) -> NaiveDateTime {
    (day + Duration::days(1)).and_time(chrono::NaiveTime::MIN) - Duration::hours(8)
}

/// The dashboard of the officer of `purchaser_id` at `now` (UTC) / `today` (Shanghai).
pub fn officer_dashboard(
    conn: &mut AnyConnection,
    state: &AppState,
    purchaser_id: i64,
    now: NaiveDateTime,
    today: NaiveDate,
) -> QueryResult<OfficerDashboard> {
    let purchaser_name = purchasers::table
        .find(purchaser_id)
        .select(purchasers::name)
        .first::<String>(conn)
        .optional()?
        .unwrap_or_default();
    let counted: HashMap<String, i64> = projects::table
        .filter(projects::purchaser_id.eq(purchaser_id))
        .group_by(projects::status)
        .select((projects::status, count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let states: Vec<StateCount> = ProjectStatus::ALL
        .into_iter()
        .map(|s| StateCount {
            code: s.as_str(),
            label: s.label(),
            count: counted.get(s.as_str()).copied().unwrap_or(0),
        })
        .collect();
    let total = states.iter().map(|s| s.count).sum();
    let newest = project_lines(conn, Some(purchaser_id), None, NEWEST)?;

    let horizon_end = state.calendar.add_working_days(today, HORIZON_WORKING_DAYS);
    let deadlines = tenders::table
        .inner_join(projects::table)
        .filter(projects::purchaser_id.eq(purchaser_id))
        .filter(tenders::opened_at.is_null())
        .filter(tenders::bid_deadline.ge(now))
        .filter(tenders::bid_deadline.lt(end_of_day_utc(horizon_end)))
        .order((tenders::bid_deadline.asc(), tenders::id.asc()))
        .select((projects::id, projects::title, tenders::bid_deadline))
        .load::<(i64, String, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(project_id, title, deadline)| {
            let day = (deadline + Duration::hours(8)).date();
            DeadlineLine {
                project_id,
                title,
                deadline: shanghai_minutes(deadline),
                working_days_left: state.calendar.working_days_between(today, day),
            }
        })
        .collect();
    let notices_due = timeliness::outstanding(conn, state.rules.intention_lead_days, horizon_end)?
        .into_iter()
        .filter(|o| o.purchaser_id == purchaser_id)
        .map(|o| NoticeDueLine {
            project_id: o.project_id,
            title: o.title,
            kind: match o.kind {
                "intention" => "采购意向公告",
                _ => "公告",
            },
            due_by: o.due_by,
            overdue: o.due_by < today,
        })
        .collect();
    let reports_to_review = service_reports::table
        .inner_join(contracts::table)
        .inner_join(projects::table.on(projects::id.eq(contracts::project_id)))
        .filter(contracts::purchaser_id.eq(purchaser_id))
        .filter(service_reports::status.eq(REPORT_SUBMITTED))
        .order((
            service_reports::submitted_at.asc(),
            service_reports::id.asc(),
        ))
        .select((
            projects::id,
            projects::title,
            service_reports::period,
            service_reports::submitted_at,
        ))
        .load::<(i64, String, String, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(project_id, title, period, submitted_at)| ReportLine {
            project_id,
            title,
            period,
            submitted: shanghai_minutes(submitted_at),
        })
        .collect();
    let challenges_to_answer = challenges::table
        .inner_join(projects::table.on(projects::id.eq(challenges::project_id)))
        .filter(projects::purchaser_id.eq(purchaser_id))
        .filter(challenges::status.eq("pending"))
        .order((challenges::answer_due.asc(), challenges::id.asc()))
        .select((projects::id, projects::title, challenges::answer_due))
        .load::<(i64, String, NaiveDate)>(conn)?
        .into_iter()
        .map(|(project_id, title, answer_due)| ChallengeLine {
            project_id,
            title,
            answer_due,
            overdue: answer_due < today,
        })
        .collect();
    Ok(OfficerDashboard {
        purchaser_name,
        reports_to_review,
        challenges_to_answer,
        states,
        total,
        newest,
        horizon_end: Some(horizon_end),
        deadlines,
        notices_due,
    })
}

/// The projects of a purchaser (or of every purchaser), newest first, optionally in one state.
fn project_lines(
    conn: &mut AnyConnection,
    purchaser_id: Option<i64>,
    status: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ProjectLine>> {
    let mut query = projects::table.inner_join(purchasers::table).into_boxed();
    if let Some(purchaser_id) = purchaser_id {
        query = query.filter(projects::purchaser_id.eq(purchaser_id));
    }
    if let Some(status) = status {
        query = query.filter(projects::status.eq(status.to_owned()));
    }
    Ok(query
        .order((projects::created_at.desc(), projects::id.desc()))
        .limit(limit)
        .select((
            projects::id,
            purchasers::name,
            projects::number,
            projects::title,
            projects::status,
            projects::budget_fen,
        ))
        .load::<(i64, String, String, String, String, i64)>(conn)?
        .into_iter()
        .map(
            |(id, purchaser, number, title, status, budget_fen)| ProjectLine {
                id,
                purchaser,
                number,
                title,
                status: ProjectStatus::parse(&status).map_or("未知", ProjectStatus::label),
                budget: yuan(budget_fen),
            },
        )
        .collect())
}

#[derive(Template)]
#[template(path = "workspace/officer_dashboard.html")]
struct OfficerDashboardPage {
    shell: Shell,
    dashboard: OfficerDashboard,
}

/// One thing a role can do, with where to do it.
#[derive(Debug, Clone)]
pub struct Task {
    /// What.
    pub label: &'static str,
    /// Where, if a page exists yet.
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "workspace/landing.html")]
struct LandingPage {
    shell: Shell,
    heading: &'static str,
    tasks: Vec<Task>,
}

fn task(label: &'static str, href: Option<String>) -> Task {
    Task { label, href }
}

/// What a role other than officer can do.
fn tasks(user: &CurrentUser) -> (&'static str, Vec<Task>) {
    let link = |href: &str| Some(href.to_owned());
    match user.role {
        Role::Contractor => (
            "承接主体工作台",
            vec![
                task("查看本机构资料与资质审查结果", link("/app/organization")),
                task("查找可投标的项目", link("/app/tenders")),
                task("我的投标与回执", link("/app/bids")),
                task(
                    "签订合同、填报月度服务报告、查看评价与付款",
                    link("/app/contracts"),
                ),
            ],
        ),
        Role::Evaluator => (
            "评审专家工作台",
            vec![
                task("对分配的评审委员会逐份评分", link("/app/panels")),
                task("对分配的绩效评价逐项评分", link("/app/evaluations")),
                task("查看采购公告与结果公告", link("/notices")),
            ],
        ),
        Role::Auditor => (
            "监督审计工作台",
            vec![
                task("查看全部项目", link("/app/projects")),
                task("查看全部合同、报告、评价与付款", link("/app/contracts")),
                task("查阅审计日志并校验哈希链", link("/app/audit")),
                task("查看统计与信息公开及时性", link("/stats")),
            ],
        ),
        Role::Officer => (
            "采购经办人工作台",
            vec![
                task("该账号尚未关联采购单位，请联系系统管理员", None),
                task("查看采购公告", link("/notices")),
            ],
        ),
        Role::Admin => (
            "系统管理工作台",
            vec![
                task("管理用户", link("/app/admin/users")),
                task("维护服务目录", link("/app/admin/catalog")),
                task("查看行政区划", link("/app/admin/regions")),
                task("查看并立即运行定时任务", link("/app/admin/jobs")),
                task("处理发件箱", link("/app/admin/outbox")),
                task("接口文档", link("/api/docs/")),
            ],
        ),
    }
}

/// `GET /app`: the officer dashboard, or the landing page of another role.
#[get("/app")]
pub async fn workspace(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let shell = Shell::new(&req, &user)?;
    match (user.role, user.purchaser_id) {
        (Role::Officer, Some(purchaser_id)) => {
            let now = state.clock.now();
            let today = state.clock.today();
            let app_state = state.get_ref().clone();
            let dashboard = state
                .db
                .run(move |conn| {
                    Ok(officer_dashboard(
                        conn,
                        &app_state,
                        purchaser_id,
                        now,
                        today,
                    )?)
                })
                .await?;
            shell.respond(&OfficerDashboardPage {
                shell: shell.clone(),
                dashboard,
            })
        }
        _ => {
            let (heading, tasks) = tasks(&user);
            shell.respond(&LandingPage {
                shell: shell.clone(),
                heading,
                tasks,
            })
        }
    }
}

/// `GET /app/projects?status=`.
#[derive(Debug, Deserialize)]
pub struct ProjectsQuery {
    status: Option<String>,
}

#[derive(Template)]
#[template(path = "workspace/projects.html")]
struct ProjectsPage {
    shell: Shell,
    /// Whether the list holds every purchaser's projects (auditors, admins; read-only).
    all: bool,
    status_label: Option<&'static str>,
    projects: Vec<ProjectLine>,
}

/// `GET /app/projects`: the officer's purchaser's projects; every project for auditors and
/// admins (read-only).
#[get("/app/projects")]
pub async fn projects_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    query: web::Query<ProjectsQuery>,
) -> AppResult<HttpResponse> {
    user.require_any(&[Role::Officer, Role::Auditor, Role::Admin])?;
    let user = user.0;
    let purchaser_id = match user.role {
        Role::Officer => Some(
            user.purchaser_id
                .ok_or_else(|| AppError::Forbidden("该账号未关联采购单位".to_owned()))?,
        ),
        _ => None,
    };
    let status = match query.into_inner().status.filter(|s| !s.is_empty()) {
        Some(code) => Some(
            ProjectStatus::parse(&code)
                .ok_or_else(|| AppError::field("status", "项目状态不存在"))?,
        ),
        None => None,
    };
    let projects = state
        .db
        .run(move |conn| {
            Ok(project_lines(
                conn,
                purchaser_id,
                status.map(ProjectStatus::as_str),
                500,
            )?)
        })
        .await?;
    let shell = Shell::new(&req, &user)?;
    shell.respond(&ProjectsPage {
        shell: shell.clone(),
        all: purchaser_id.is_none(),
        status_label: status.map(ProjectStatus::label),
        projects,
    })
}
