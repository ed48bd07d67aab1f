//! `GET /app/projects/{id}`: the project page — its facts, what happened (the notices with
//! links), and the forms of the current step for the purchaser's officers (the handlers are
//! in [`super::project_steps`]); auditors and admins see the same page read-only.
//! Other purchasers' officers get `403` (as the API), contractors and evaluators `403`.

use std::collections::{HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::shared::{RowField, evaluator_options, invitable_options, readable_project, row_count};
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::clock::shanghai_date;
use crate::db::AnyConnection;
use crate::db::schema::target_groups;
use crate::disclosure::notices::{self as notices, NoticeKind};
use crate::domain::money::format_yuan;
use crate::domain::project_status::ProjectStatus;
use crate::error::{AppError, AppResult};
use crate::procurement::bids::service as bids;
use crate::procurement::evaluation::model as evaluation_model;
use crate::procurement::evaluation::service as evaluation;
use crate::procurement::projects::model::{self as projects_model, ProjectRow};
use crate::procurement::tenders::model as tenders_model;
use crate::procurement::tenders::service::zh_datetime;
use crate::public::{shanghai_minutes, yuan};
use crate::web::form::{FormState, Options, money_input};
use crate::web::layout::{PageUser, Shell};

/// Rows of criteria the tender form accepts.
pub const MAX_CRITERIA: usize = 12;

/// The facts of a project.
#[derive(Debug, Clone)]
pub struct ProjectFacts {
    /// Id.
    pub id: i64,
    /// 项目编号.
    pub number: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Purchaser's name.
    pub purchaser: String,
    /// The budget it commits against.
    pub budget: String,
    /// Project budget.
    pub amount: String,
    /// Catalog item.
    pub item: String,
    /// Region's full name.
    pub region: String,
    /// Target groups.
    pub groups: String,
    /// Method in Chinese.
    pub method: String,
    /// State code.
    pub status: &'static str,
    /// State in Chinese.
    pub status_label: &'static str,
    /// Why it failed, was cancelled or terminated.
    pub status_reason: Option<String>,
    /// `2026-07-01 至 2027-06-30`.
    pub service_period: String,
    /// Why the term is long.
    pub term_justification: Option<String>,
    /// Planned tender date.
    pub expected_tender_date: NaiveDate,
    /// Targets.
    pub targets: Vec<TargetLine>,
}

/// One performance target.
#[derive(Debug, Clone)]
pub struct TargetLine {
    /// Kind in Chinese.
    pub kind: &'static str,
    /// Name.
    pub name: String,
    /// Value and unit.
    pub value: String,
}

/// Something that happened.
#[derive(Debug, Clone)]
pub struct Event {
    at: NaiveDateTime,
    /// Beijing time.
    pub when: String,
    /// What.
    pub text: String,
    /// A page about it.
    pub href: Option<String>,
}

/// A tender document.
#[derive(Debug, Clone)]
pub struct DocumentLine {
    /// Id (download `/api/v1/documents/{id}`).
    pub id: i64,
    /// Filename.
    pub filename: String,
    /// Size in KB.
    pub size: String,
}

/// The current tender.
#[derive(Debug, Clone)]
pub struct TenderFacts {
    /// Round.
    pub round: i32,
    /// Deadline, Beijing time.
    pub deadline: String,
    /// Whether the deadline has passed.
    pub deadline_passed: bool,
    /// Maximum price.
    pub max_price: String,
    /// Award method in Chinese.
    pub award_method: String,
    /// Criteria: name and points.
    pub criteria: Vec<(String, String)>,
    /// Published, Beijing time.
    pub published: String,
    /// Opened, Beijing time.
    pub opened: Option<String>,
}

/// One bid of the opening record.
#[derive(Debug, Clone)]
pub struct OpeningLine {
    /// Bidder.
    pub bidder: String,
    /// Price.
    pub price: String,
    /// Receipt.
    pub receipt: String,
    /// Submitted, Beijing time.
    pub submitted: String,
    /// Whether qualified.
    pub qualified: bool,
    /// Why not.
    pub reasons: String,
}

/// Which panel members completed the score sheet of one qualified bid.
#[derive(Debug, Clone)]
pub struct SheetLine {
    /// Bidder.
    pub bidder: String,
    /// Per member (in panel order): scored every criterion.
    pub done: Vec<bool>,
}

/// One row of the ranking.
#[derive(Debug, Clone)]
pub struct RankLine {
    /// Bid id as text (the award form's value).
    pub bid_id: String,
    /// Rank.
    pub rank: u32,
    /// Bidder.
    pub bidder: String,
    /// Price.
    pub price: String,
    /// Price score.
    pub price_score: String,
    /// Technical score.
    pub technical_score: String,
    /// Total.
    pub total: String,
    /// Members who scored it.
    pub scored: usize,
}

/// The active award.
#[derive(Debug, Clone)]
pub struct AwardFacts {
    /// Winner.
    pub winner: String,
    /// Price.
    pub price: String,
    /// Reason, when given.
    pub reason: Option<String>,
    /// Decided, Beijing time.
    pub decided: String,
    /// Last day of the notice period.
    pub notice_period_end: NaiveDate,
    /// Last day to challenge.
    pub challenge_deadline: NaiveDate,
    /// Last day to sign.
    pub signing_deadline: NaiveDate,
}

/// A challenge with its answer form.
#[derive(Debug, Clone)]
pub struct ChallengeLine {
    /// Id.
    pub id: i64,
    /// Bidder.
    pub bidder: String,
    /// Grounds.
    pub grounds: String,
    /// Facts.
    pub facts: String,
    /// Filed, Beijing time.
    pub filed: String,
    /// Answer due.
    pub answer_due: NaiveDate,
    /// Pending.
    pub pending: bool,
    /// Outcome in Chinese.
    pub outcome: &'static str,
    /// The answer.
    pub answer: Option<String>,
    /// The answer form (with the input when it was refused).
    pub form: FormState,
}

/// A criterion row of the tender form.
#[derive(Debug, Clone)]
pub struct CriterionRowView {
    /// Row number from 1.
    pub number: usize,
    /// `criteria[i].code`.
    pub code: RowField,
    /// `criteria[i].name`.
    pub name: RowField,
    /// `criteria[i].max_points`.
    pub max_points: RowField,
}

/// Submitted forms to show again with their errors; `None` shows a fresh form.
#[derive(Debug, Clone, Default)]
pub struct Forms {
    /// Publish the intention.
    pub intention: Option<FormState>,
    /// Cancel.
    pub cancel: Option<FormState>,
    /// Publish the tender.
    pub tender: Option<FormState>,
    /// Upload a tender document.
    pub document: Option<FormState>,
    /// Open the bids.
    pub open: Option<FormState>,
    /// Form the panel.
    pub panel: Option<FormState>,
    /// Award.
    pub award: Option<FormState>,
    /// Answer challenge `.0`.
    pub answer: Option<(i64, FormState)>,
}

/// The forms as shown.
#[derive(Debug, Clone, Default)]
pub struct Shown {
    /// Publish the intention.
    pub intention: FormState,
    /// Cancel.
    pub cancel: FormState,
    /// Publish the tender.
    pub tender: FormState,
    /// Upload a tender document.
    pub document: FormState,
    /// Open the bids.
    pub open: FormState,
    /// Form the panel.
    pub panel: FormState,
    /// Award.
    pub award: FormState,
}

#[derive(Template)]
#[template(path = "workspace/officer/project.html")]
struct ProjectPage {
    shell: Shell,
    p: ProjectFacts,
    /// The purchaser's officer (forms shown); false for auditors and admins.
    can_act: bool,
    timeline: Vec<Event>,
    documents: Vec<DocumentLine>,
    documents_open: bool,
    tender: Option<TenderFacts>,
    bid_count: i64,
    tender_hint: Option<String>,
    invitation: bool,
    award_methods: Options,
    criteria_rows: Vec<CriterionRowView>,
    invitable: Options,
    opening: Vec<OpeningLine>,
    min_suppliers: u32,
    members: Vec<String>,
    scoring_started: bool,
    sheets: Vec<SheetLine>,
    ranking: Vec<RankLine>,
    ranking_complete: bool,
    evaluators: Options,
    award: Option<AwardFacts>,
    challenges: Vec<ChallengeLine>,
    contract_link: Option<String>,
    contract_note: Option<String>,
    /// Reasons of a refused form whose step is no longer shown.
    page_errors: Vec<String>,
    forms: Shown,
}

fn project_facts(
    conn: &mut AnyConnection,
    state: &AppState,
    row: &ProjectRow,
) -> AppResult<ProjectFacts> {
    let status = row.status()?;
    let purchaser = crate::purchasers::model::find(conn, row.purchaser_id)?
        .map(|p| p.name)
        .unwrap_or_default();
    let budget = crate::procurement::budgets::find(conn, row.budget_id)?
        .map(|b| format!("{} 年 · {}", b.year, b.source))
        .unwrap_or_default();
    let item = crate::catalog::find_item(conn, row.year, &row.catalog_item_code)?.map_or_else(
        || row.catalog_item_code.clone(),
        |i| format!("{} {}", i.code, i.name),
    );
    let groups: Vec<String> = target_groups::table
        .filter(target_groups::code.eq_any(row.target_group_codes()))
        .order(target_groups::position.asc())
        .select(target_groups::name)
        .load(conn)?;
    let targets = projects_model::targets(conn, row.id)?
        .into_iter()
        .map(|t| TargetLine {
            kind: super::shared::target_kind_label(&t.kind),
            name: t.name,
            value: format!("{} {}", t.value, t.unit),
        })
        .collect();
    Ok(ProjectFacts {
        id: row.id,
        number: row.number.clone(),
        title: row.title.clone(),
        summary: row.summary.clone(),
        purchaser,
        budget,
        amount: yuan(row.budget_fen),
        item,
        region: crate::regions::full_name(conn, &row.region_code)?,
        groups: groups.join("、"),
        method: state
            .rules
            .method(&row.method)
            .map_or_else(|| row.method.clone(), |m| m.label.clone()),
        status: status.as_str(),
        status_label: status.label(),
        status_reason: row.status_reason.clone(),
        service_period: format!("{} 至 {}", row.service_start, row.service_end),
        term_justification: row
            .term_justification
            .clone()
            .filter(|t| !t.trim().is_empty()),
        expected_tender_date: row.expected_tender_date,
        targets,
    })
}

/// `Ok(None)` for "not there yet" answers (sealed bids, nothing found).
fn optional<T>(result: AppResult<T>) -> AppResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(AppError::BidsSealed | AppError::NotFound(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

fn tender_defaults(
    state: &AppState,
    row: &ProjectRow,
    today: NaiveDate,
    start_on: NaiveDate,
) -> FormState {
    let deadline = state
        .rules
        .earliest_deadline(&state.calendar, &row.method, start_on.max(today))
        .map(|d| format!("{d}T09:00"))
        .unwrap_or_default();
    FormState::with_values([
        ("bid_deadline", deadline),
        ("max_price", money_input(row.budget_fen)),
        ("award_method", "comprehensive".to_owned()),
        ("price_weight", "0.30".to_owned()),
        ("criteria[0].code", "plan".to_owned()),
        ("criteria[0].name", "服务方案".to_owned()),
        ("criteria[0].max_points", "40".to_owned()),
        ("criteria[1].code", "team".to_owned()),
        ("criteria[1].name", "团队与资质".to_owned()),
        ("criteria[1].max_points", "20".to_owned()),
        ("criteria[2].code", "experience".to_owned()),
        ("criteria[2].name", "类似项目经验".to_owned()),
        ("criteria[2].max_points", "10".to_owned()),
        ("requirements.min_full_time_staff", "0".to_owned()),
        ("requirements.min_certified_social_workers", "0".to_owned()),
        ("requirements.min_years_established", "0".to_owned()),
    ])
}

fn criterion_rows(form: &FormState) -> Vec<CriterionRowView> {
    let n = row_count(
        form,
        "criteria",
        &["code", "name", "max_points"],
        5,
        MAX_CRITERIA,
    );
    (0..n)
        .map(|i| CriterionRowView {
            number: i + 1,
            code: RowField::of(form, "criteria", i, "code"),
            name: RowField::of(form, "criteria", i, "name"),
            max_points: RowField::of(form, "criteria", i, "max_points"),
        })
        .collect()
}

#[allow(clippy::too_many_lines)]
fn load(
    conn: &mut AnyConnection,
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    shell: Shell,
    forms: Forms,
) -> AppResult<ProjectPage> {
    let row = readable_project(conn, user, id)?;
    let can_act = user.role == Role::Officer && user.purchaser_id == Some(row.purchaser_id);
    let status = row.status()?;
    let now = state.clock.now();
    let today = state.clock.today();
    let p = project_facts(conn, state, &row)?;
    let method = state.rules.method(&row.method).cloned();

    // What happened.
    let mut timeline = vec![Event {
        at: row.created_at,
        when: shanghai_minutes(row.created_at),
        text: "创建项目（草稿），占用预算".to_owned(),
        href: None,
    }];
    let project_notices = notices::for_project(conn, id)?;
    let intention_on = project_notices
        .iter()
        .find(|n| n.kind() == Some(NoticeKind::Intention))
        .map(|n| shanghai_date(n.published_at));
    for n in &project_notices {
        timeline.push(Event {
            at: n.published_at,
            when: shanghai_minutes(n.published_at),
            text: format!("发布{}：{}", NoticeKind::label_of(&n.kind), n.title),
            href: Some(format!("/notices/{}", n.id)),
        });
    }

    // Documents and tender.
    let documents = crate::procurement::documents::of_owner(
        conn,
        crate::procurement::documents::OWNER_TENDER,
        id,
    )?
    .into_iter()
    .map(|d| DocumentLine {
        id: d.id,
        filename: d.filename,
        size: format!("{:.1} KB", d.size_bytes as f64 / 1024.0),
    })
    .collect();
    let documents_open = matches!(
        status,
        ProjectStatus::Draft | ProjectStatus::IntentionPublished
    );
    let tender_row = tenders_model::current(conn, id)?;
    let tender = match &tender_row {
        Some(t) => Some(TenderFacts {
            round: t.round,
            deadline: zh_datetime(t.bid_deadline),
            deadline_passed: now >= t.bid_deadline,
            max_price: yuan(t.max_price_fen),
            award_method: if t.award_method == "comprehensive" {
                format!(
                    "综合评分法（价格权重 {:.0}%）",
                    t.price_weight() * rust_decimal::Decimal::ONE_HUNDRED
                )
            } else {
                "最低评标价法".to_owned()
            },
            criteria: tenders_model::criteria(conn, t.id)?
                .iter()
                .map(|c| (c.name.clone(), format!("{:.2}", c.max_points())))
                .collect(),
            published: shanghai_minutes(t.published_at),
            opened: t.opened_at.map(shanghai_minutes),
        }),
        None => None,
    };
    let bid_count = bids::count(conn, id)?.count;
    let tender_open = matches!(
        status,
        ProjectStatus::IntentionPublished | ProjectStatus::Failed
    );
    let tender_hint = match (status, intention_on) {
        (ProjectStatus::IntentionPublished, Some(on)) => {
            let earliest = state.rules.earliest_tender_after_intention(on);
            Some(if today < earliest {
                format!(
                    "采购意向于 {on} 公开，须公开满 {} 日：{earliest} 起方可发布采购公告。",
                    state.rules.intention_lead_days
                )
            } else {
                format!(
                    "采购意向于 {on} 公开，已满 {} 日，可以发布采购公告。",
                    state.rules.intention_lead_days
                )
            })
        }
        (ProjectStatus::Failed, _) => {
            Some("本次采购失败，可重新发布采购公告（重新招标）。".to_owned())
        }
        _ => None,
    };
    let earliest_tender = intention_on
        .map(|on| state.rules.earliest_tender_after_intention(on))
        .unwrap_or(today);

    // Opening, panel, scores, ranking.
    let opening_view = if tender_row.as_ref().is_some_and(|t| t.opened_at.is_some()) {
        optional(bids::opening(conn, &state.rules, id, None))?
    } else {
        None
    };
    let opening: Vec<OpeningLine> = opening_view
        .as_ref()
        .map(|o| {
            o.bids
                .iter()
                .map(|b| OpeningLine {
                    bidder: b.contractor_name.clone(),
                    price: format_yuan(b.price),
                    receipt: b.receipt_sha256.clone(),
                    submitted: chrono::DateTime::parse_from_rfc3339(&b.submitted_at)
                        .map(|t| shanghai_minutes(t.naive_utc()))
                        .unwrap_or_else(|_| b.submitted_at.clone()),
                    qualified: b.status == "qualified",
                    reasons: b.reasons.join("；"),
                })
                .collect()
        })
        .unwrap_or_default();
    let opened = opening_view.is_some();
    let panel = if opened {
        Some(evaluation::panel_view(conn, user, id)?)
    } else {
        None
    };
    let members: Vec<String> = panel
        .as_ref()
        .map(|p| p.members.iter().map(|m| m.display_name.clone()).collect())
        .unwrap_or_default();
    let member_ids: Vec<i64> = panel
        .as_ref()
        .map(|p| p.members.iter().map(|m| m.id).collect())
        .unwrap_or_default();
    let scoring_started = panel.as_ref().is_some_and(|p| p.scoring_started);
    let mut sheets = Vec::new();
    if status == ProjectStatus::Evaluating
        && let Some(t) = &tender_row
    {
        let criteria = tenders_model::criteria(conn, t.id)?.len();
        let qualified = evaluation_model::qualified_bids(conn, t.id)?;
        let ids: Vec<i64> = qualified.iter().map(|b| b.id).collect();
        let mut counted: HashMap<(i64, i64), usize> = HashMap::new();
        for s in evaluation_model::scores_of(conn, &ids)? {
            *counted.entry((s.bid_id, s.evaluator_id)).or_default() += 1;
        }
        let names: HashMap<i64, String> = evaluation_model::contractor_names(
            conn,
            &qualified
                .iter()
                .map(|b| b.contractor_id)
                .collect::<Vec<_>>(),
        )?
        .into_iter()
        .collect();
        for bid in &qualified {
            sheets.push(SheetLine {
                bidder: names.get(&bid.contractor_id).cloned().unwrap_or_default(),
                done: member_ids
                    .iter()
                    .map(|m| counted.get(&(bid.id, *m)).copied().unwrap_or(0) >= criteria)
                    .collect(),
            });
        }
    }
    let ranking_view = if opened && status != ProjectStatus::Failed {
        optional(evaluation::ranking_view(conn, user, id))?
    } else {
        None
    };
    let ranking_complete = ranking_view.as_ref().is_some_and(|r| r.complete);
    let ranking: Vec<RankLine> = ranking_view
        .map(|r| {
            r.rows
                .into_iter()
                .map(|row| RankLine {
                    bid_id: row.bid_id.to_string(),
                    rank: row.rank,
                    bidder: row.contractor_name,
                    price: format_yuan(row.price),
                    price_score: row.price_score,
                    technical_score: row.technical_score,
                    total: row.total,
                    scored: row.evaluators_scored,
                })
                .collect()
        })
        .unwrap_or_default();

    // Award, challenges, contract.
    let award_row = evaluation_model::active_award(conn, id)?;
    let award = match &award_row {
        Some(a) => {
            let view = evaluation::award_view(conn, &state.rules, &state.calendar, a)?;
            timeline.push(Event {
                at: a.decided_at,
                when: shanghai_minutes(a.decided_at),
                text: format!("确定中标人：{}", view.contractor_name),
                href: None,
            });
            Some(AwardFacts {
                winner: view.contractor_name,
                price: format_yuan(view.price),
                reason: view.reason,
                decided: shanghai_minutes(a.decided_at),
                notice_period_end: view.notice_period_end,
                challenge_deadline: view.challenge_deadline,
                signing_deadline: view.signing_deadline,
            })
        }
        None => None,
    };
    let challenge_rows = evaluation_model::challenges_of(conn, id, None)?;
    let bidder_names: HashMap<i64, String> = evaluation_model::contractor_names(
        conn,
        &challenge_rows
            .iter()
            .map(|c| c.contractor_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect::<Vec<_>>(),
    )?
    .into_iter()
    .collect();
    let mut answer_form = forms.answer;
    let mut challenges = Vec::new();
    for c in &challenge_rows {
        let bidder = bidder_names
            .get(&c.contractor_id)
            .cloned()
            .unwrap_or_default();
        timeline.push(Event {
            at: c.filed_at,
            when: shanghai_minutes(c.filed_at),
            text: format!("{bidder}提出质疑"),
            href: None,
        });
        if let Some(at) = c.answered_at {
            timeline.push(Event {
                at,
                when: shanghai_minutes(at),
                text: format!(
                    "答复{bidder}的质疑：{}",
                    if c.status == "upheld" {
                        "质疑成立"
                    } else {
                        "质疑不成立"
                    }
                ),
                href: None,
            });
        }
        let form = match answer_form.take() {
            Some((cid, form)) if cid == c.id && c.status == "pending" => form,
            other => {
                answer_form = other;
                FormState::new()
            }
        };
        challenges.push(ChallengeLine {
            id: c.id,
            bidder,
            grounds: c.grounds.clone(),
            facts: c.facts.clone(),
            filed: shanghai_minutes(c.filed_at),
            answer_due: c.answer_due,
            pending: c.status == "pending",
            outcome: match c.status.as_str() {
                "upheld" => "质疑成立",
                "rejected" => "质疑不成立",
                _ => "待答复",
            },
            answer: c.answer.clone(),
            form,
        });
    }
    let contract = crate::contracts::model::of_project(conn, id)?;
    let (contract_link, contract_note) = match (&contract, status, &award_row) {
        (Some(c), _, _) => (
            Some("/app/contracts".to_owned()),
            Some(format!(
                "合同 {} 已起草或签订，请在“合同与履约”中办理。",
                c.number
            )),
        ),
        (None, ProjectStatus::Awarded, Some(a)) => {
            let pending = challenge_rows.iter().any(|c| c.status == "pending");
            if shanghai_date(now) <= a.challenge_deadline {
                (
                    None,
                    Some(format!(
                        "质疑期至 {} 届满，届满后方可起草合同。",
                        a.challenge_deadline
                    )),
                )
            } else if pending {
                (
                    None,
                    Some("尚有未答复的质疑，答复后方可起草合同。".to_owned()),
                )
            } else {
                (Some(format!("/app/projects/{id}/contract/new")), None)
            }
        }
        _ => (None, None),
    };
    if status == ProjectStatus::Cancelled
        && let Some(reason) = &row.status_reason
    {
        timeline.push(Event {
            at: row.updated_at,
            when: shanghai_minutes(row.updated_at),
            text: format!("取消项目：{reason}"),
            href: None,
        });
    }
    timeline.sort_by_key(|e| e.at);

    // A refused form whose step is over (e.g. the page was stale) shows its reasons on top.
    let mut page_errors = Vec::new();
    let mut stale = |form: &Option<FormState>, shown: bool| {
        if let Some(form) = form.as_ref().filter(|_| !shown) {
            page_errors.extend(form.general().iter().cloned());
            page_errors.extend(form.errors_except(&[]));
        }
    };
    use ProjectStatus as S;
    stale(&forms.intention, status == S::Draft);
    stale(
        &forms.cancel,
        matches!(status, S::Draft | S::IntentionPublished | S::Tendering),
    );
    stale(&forms.document, documents_open);
    stale(&forms.tender, tender_open);
    stale(&forms.open, status == S::Tendering);
    stale(&forms.panel, status == S::Evaluating && !scoring_started);
    stale(&forms.award, status == S::Evaluating && !ranking.is_empty());
    if let Some((_, form)) = &answer_form {
        // Not consumed above: the challenge is no longer shown with a form.
        page_errors.extend(form.general().iter().cloned());
        page_errors.extend(form.errors_except(&[]));
    }

    // The forms.
    let tender_form = forms
        .tender
        .unwrap_or_else(|| tender_defaults(state, &row, today, earliest_tender));
    let panel_form = forms.panel.unwrap_or_else(|| {
        FormState::with_values(member_ids.iter().map(|m| ("evaluator_ids", m.to_string())))
    });
    let award_form = forms.award.unwrap_or_else(|| {
        FormState::with_values(ranking.first().map(|r| ("bid_id", r.bid_id.clone())))
    });
    let invitation = method.as_ref().is_some_and(|m| m.invitation);
    let invitable = if can_act && tender_open && invitation {
        invitable_options(conn)?
    } else {
        Vec::new()
    };
    let evaluators = if can_act && status == ProjectStatus::Evaluating {
        evaluator_options(conn)?
    } else {
        Vec::new()
    };
    Ok(ProjectPage {
        shell,
        p,
        can_act,
        timeline,
        documents,
        documents_open,
        tender,
        bid_count,
        tender_hint,
        invitation,
        award_methods: vec![
            (
                "comprehensive".to_owned(),
                "综合评分法（价格分按低价优先法计算）".to_owned(),
            ),
            ("lowest_price".to_owned(), "最低评标价法".to_owned()),
        ],
        criteria_rows: criterion_rows(&tender_form),
        invitable,
        opening,
        min_suppliers: method.as_ref().map_or(0, |m| m.min_suppliers),
        members,
        scoring_started,
        sheets,
        ranking,
        ranking_complete,
        evaluators,
        award,
        challenges,
        contract_link,
        contract_note,
        page_errors,
        forms: Shown {
            intention: forms.intention.unwrap_or_default(),
            cancel: forms.cancel.unwrap_or_default(),
            tender: tender_form,
            document: forms.document.unwrap_or_default(),
            open: forms.open.unwrap_or_default(),
            panel: panel_form,
            award: award_form,
        },
    })
}

/// Renders the page of project `id` with `forms` (refused ones keep their input and errors)
/// and `status`.
pub async fn render(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: &CurrentUser,
    id: i64,
    forms: Forms,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let shell = Shell::new(req, user)?;
    let app_state = state.get_ref().clone();
    let reader = user.clone();
    let page_shell = shell.clone();
    let loaded = state
        .db
        .run(move |conn| load(conn, &app_state, &reader, id, page_shell, forms))
        .await?;
    let mut response = shell.respond(&loaded)?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /app/projects/{id}`.
#[get("/app/projects/{id}")]
pub async fn project_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require_any(&[Role::Officer, Role::Auditor, Role::Admin])?;
    render(
        &req,
        &state,
        &user.0,
        id.into_inner(),
        Forms::default(),
        StatusCode::OK,
    )
    .await
}
