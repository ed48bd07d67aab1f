//! Demo procurements in every state, from draft to awarded, played through the real services
//! on a timeline that ends "now": intention, tender (after the 30-day lead time), sealed bids,
//! opening, panel scoring and award, plus a failed and a cancelled one.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::auth::CurrentUser;
use crate::calendar::Calendar;
use crate::config::Settings;
use crate::db::AnyConnection;
use crate::db::schema::projects::{self as project_table};
use crate::db::schema::{budgets, catalog_items};
use crate::error::{AppError, AppResult};
use crate::procurement::bids::service::{self as bids, SubmitBid};
use crate::procurement::budgets::{self as budget_service, NewBudget};
use crate::procurement::evaluation::service::{
    self as evaluation, AwardInput, PanelInput, ScoresInput,
};
use crate::procurement::projects::service::{self as projects, NewProject, TargetInput};
use crate::procurement::rules::ProcurementRules;
use crate::procurement::tenders::service::{
    self as tenders, CriterionInput, PublishTender, RequirementsInput,
};

/// How far a demo project goes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Draft,
    Intention,
    Tendering,
    Failed,
    Evaluating,
    Awarded,
}

struct DemoProject {
    title: &'static str,
    item: &'static str,
    groups: &'static [&'static str],
    amount: i64,
    method: &'static str,
    stage: Stage,
    bidders: &'static [&'static str],
}

const PROJECTS: &[DemoProject] = &[
    DemoProject {
        title: "兴庆区困难群众社会工作服务项目",
        item: "SA01",
        groups: &["low_income", "extreme_poverty"],
        amount: 980_000,
        method: "open_tender",
        stage: Stage::Awarded,
        bidders: &["contractor", "tongxin", "yijia"],
    },
    DemoProject {
        title: "兴庆区特困人员照护社会工作服务项目",
        item: "SA05",
        groups: &["extreme_poverty", "elderly"],
        amount: 760_000,
        method: "open_tender",
        stage: Stage::Evaluating,
        bidders: &["contractor", "tongxin", "yijia"],
    },
    DemoProject {
        title: "兴庆区低保对象入户核查与个案帮扶项目",
        item: "SA02",
        groups: &["low_income"],
        amount: 420_000,
        method: "open_tender",
        stage: Stage::Tendering,
        bidders: &["contractor", "tongxin"],
    },
    DemoProject {
        title: "兴庆区困难群众心理疏导服务项目",
        item: "SA03",
        groups: &["low_income", "families_in_difficulty"],
        amount: 180_000,
        method: "inquiry",
        stage: Stage::Failed,
        bidders: &["contractor", "tongxin"],
    },
    DemoProject {
        title: "兴庆区居家养老社会工作服务项目",
        item: "EC02",
        groups: &["elderly"],
        amount: 650_000,
        method: "open_tender",
        stage: Stage::Intention,
        bidders: &[],
    },
    DemoProject {
        title: "兴庆区困境儿童关爱社会工作服务项目",
        item: "CW02",
        groups: &["children_in_difficulty"],
        amount: 350_000,
        method: "competitive_consultation",
        stage: Stage::Draft,
        bidders: &[],
    },
];

fn user(conn: &mut AnyConnection, username: &str) -> AppResult<CurrentUser> {
    super::parties::user_by_name(conn, username)
}

fn at_nine(date: NaiveDate) -> NaiveDateTime {
    // 09:00 in Shanghai is 01:00 UTC.
    date.and_hms_opt(1, 0, 0).unwrap_or_default()
}

fn rfc3339_shanghai(date: NaiveDate) -> String {
    format!("{}T09:00:00+08:00", date.format("%Y-%m-%d"))
}

/// Loads the demo procurements of 兴庆区 unless it already has projects; returns how many.
pub fn load(
    conn: &mut AnyConnection,
    settings: &Settings,
    rules: &ProcurementRules,
    calendar: &Calendar,
    purchaser_id: i64,
    today: NaiveDate,
) -> AppResult<usize> {
    let existing: i64 = project_table::table
        .filter(project_table::purchaser_id.eq(purchaser_id))
        .count()
        .get_result(conn)?;
    if existing > 0 {
        return Ok(0);
    }
    // The latest catalog year not after this year.
    let year: Option<i32> = catalog_items::table
        .filter(catalog_items::year.le(today.year()))
        .select(max(catalog_items::year))
        .first(conn)?;
    let year = year.ok_or_else(|| AppError::internal(anyhow::anyhow!("no catalog year")))?;
    let officer = user(conn, "officer")?;
    let start = at_nine(today - Duration::days(90));
    let budget = {
        let found: Option<i64> = budgets::table
            .filter(budgets::purchaser_id.eq(purchaser_id))
            .filter(budgets::year.eq(year))
            .select(budgets::id)
            .first(conn)
            .optional()?;
        match found {
            Some(id) => id,
            None => {
                budget_service::create(
                    conn,
                    &officer.actor(start),
                    &NewBudget {
                        purchaser_id,
                        year,
                        source: "本级财政".to_owned(),
                        amount: Decimal::new(5_000_000, 0),
                    },
                )?
                .id
            }
        }
    };
    let evaluators: Vec<CurrentUser> = ["evaluator", "evaluator2", "evaluator3"]
        .iter()
        .map(|u| user(conn, u))
        .collect::<AppResult<_>>()?;
    let mut created = 0;
    for p in PROJECTS {
        play(
            conn,
            settings,
            rules,
            calendar,
            &officer,
            &evaluators,
            purchaser_id,
            budget,
            year,
            today,
            p,
        )?;
        created += 1;
    }
    let cancelled = create(
        conn,
        rules,
        &officer,
        purchaser_id,
        budget,
        year,
        today,
        &DemoProject {
            title: "兴庆区社区社会组织培育项目",
            item: "CV01",
            groups: &["community_residents"],
            amount: 120_000,
            method: "inquiry",
            stage: Stage::Draft,
            bidders: &[],
        },
        at_nine(today - Duration::days(40)),
    )?;
    projects::cancel(
        conn,
        rules,
        calendar,
        &officer,
        at_nine(today - Duration::days(30)),
        cancelled,
        "区级预算调整，该项目并入下一年度统筹实施",
    )?;
    Ok(created + 1)
}

#[allow(clippy::too_many_arguments)]
fn create(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    officer: &CurrentUser,
    purchaser_id: i64,
    budget: i64,
    year: i32,
    today: NaiveDate,
    p: &DemoProject,
    at: NaiveDateTime,
) -> AppResult<i64> {
    let service_start = NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("date")))?;
    let service_end = NaiveDate::from_ymd_opt(today.year() + 1, 12, 31)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("date")))?;
    let row = projects::create(
        conn,
        rules,
        officer,
        at,
        &NewProject {
            purchaser_id,
            budget_id: budget,
            catalog_item_code: p.item.to_owned(),
            title: format!("{}（{}年度）", p.title, year),
            summary: "依托乡镇（街道）社工站，为辖区服务对象提供需求评估、个案管理、小组活动和资源链接服务，建立服务档案并按月报告。".to_owned(),
            region_code: "640104".to_owned(),
            station_id: None,
            target_groups: p.groups.iter().map(|g| (*g).to_owned()).collect(),
            targets: vec![
                TargetInput { kind: "quantity".to_owned(), name: "入户探访".to_owned(), value: Decimal::new(1200, 0), unit: "人次".to_owned() },
                TargetInput { kind: "quantity".to_owned(), name: "个案服务".to_owned(), value: Decimal::new(60, 0), unit: "个".to_owned() },
                TargetInput { kind: "quality".to_owned(), name: "个案结案率".to_owned(), value: Decimal::new(85, 0), unit: "%".to_owned() },
                TargetInput { kind: "outcome".to_owned(), name: "服务对象满意率".to_owned(), value: Decimal::new(90, 0), unit: "%".to_owned() },
            ],
            budget_amount: Decimal::new(p.amount, 0),
            service_start,
            service_end,
            term_justification: None,
            method: p.method.to_owned(),
            expected_tender_date: (at + Duration::days(35)).date(),
        },
    )?;
    Ok(row.id)
}

/// The stage's timeline, counted back from today: (intention, tender) days ago.
fn timeline(stage: Stage) -> (i64, i64) {
    match stage {
        Stage::Awarded => (80, 48),
        Stage::Evaluating => (75, 44),
        Stage::Failed => (70, 36),
        Stage::Tendering => (45, 6),
        Stage::Intention | Stage::Draft => (3, 0),
    }
}

#[allow(clippy::too_many_arguments)]
fn play(
    conn: &mut AnyConnection,
    settings: &Settings,
    rules: &ProcurementRules,
    calendar: &Calendar,
    officer: &CurrentUser,
    evaluators: &[CurrentUser],
    purchaser_id: i64,
    budget: i64,
    year: i32,
    today: NaiveDate,
    p: &DemoProject,
) -> AppResult<()> {
    let (intention_ago, tender_ago) = timeline(p.stage);
    let intention_at = at_nine(today - Duration::days(intention_ago));
    let id = create(
        conn,
        rules,
        officer,
        purchaser_id,
        budget,
        year,
        today,
        p,
        intention_at - Duration::hours(1),
    )?;
    if p.stage == Stage::Draft {
        return Ok(());
    }
    projects::publish_intention(conn, rules, officer, intention_at, id)?;
    if p.stage == Stage::Intention {
        return Ok(());
    }
    let tender_on = today - Duration::days(tender_ago);
    let earliest = rules
        .earliest_deadline(calendar, p.method, tender_on)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("method {}", p.method)))?;
    let deadline_on = if p.stage == Stage::Tendering {
        earliest.max(today + Duration::days(14))
    } else {
        earliest
    };
    tenders::publish(
        conn,
        rules,
        calendar,
        &settings.qualification,
        officer,
        at_nine(tender_on),
        id,
        &PublishTender {
            bid_deadline: rfc3339_shanghai(deadline_on),
            max_price: Decimal::new(p.amount, 0),
            award_method: "comprehensive".to_owned(),
            price_weight: Some(Decimal::new(30, 2)),
            criteria: vec![
                CriterionInput {
                    code: "plan".to_owned(),
                    name: "服务方案".to_owned(),
                    max_points: Decimal::new(40, 0),
                },
                CriterionInput {
                    code: "team".to_owned(),
                    name: "团队与专业资质".to_owned(),
                    max_points: Decimal::new(20, 0),
                },
                CriterionInput {
                    code: "experience".to_owned(),
                    name: "类似项目经验".to_owned(),
                    max_points: Decimal::new(10, 0),
                },
            ],
            requirements: RequirementsInput {
                min_full_time_staff: 5,
                min_certified_social_workers: 2,
                min_years_established: 1,
            },
            invited_contractor_ids: Vec::new(),
        },
    )?;
    let bid_at = at_nine(tender_on) + Duration::days(1);
    let proposals = [
        "组建 1 名督导、4 名持证社工的项目团队，按“评估—计划—服务—评估”流程开展个案管理，每月入户探访不少于 100 人次。",
        "以乡镇社工站为阵地，联动村（社区）社工室和志愿者，开展需求摸排、分类帮扶和资源链接，建立“一户一档”。",
        "引入本地化督导机制，建立服务质量月度自评与第三方抽查相结合的质量控制体系。",
    ];
    for (i, bidder) in p.bidders.iter().enumerate() {
        let contractor = user(conn, bidder)?;
        let discount = [0_i64, 6, 3][i % 3];
        bids::submit(
            conn,
            &contractor,
            bid_at + Duration::hours(i as i64),
            id,
            &SubmitBid {
                price: Decimal::new(p.amount * (100 - discount) / 100, 0),
                proposal: proposals[i % proposals.len()].to_owned(),
                team_size: 5 + i as i32,
            },
        )?;
    }
    if p.stage == Stage::Tendering {
        return Ok(());
    }
    let open_at = at_nine(deadline_on);
    bids::open_by_officer(conn, rules, officer, open_at, id)?;
    if p.stage == Stage::Failed {
        return Ok(());
    }
    let scored_at = open_at + Duration::hours(2);
    evaluation::set_panel(
        conn,
        officer,
        scored_at,
        id,
        &PanelInput {
            evaluator_ids: evaluators.iter().map(|e| e.id).collect(),
        },
    )?;
    let ranking = evaluation::compute_ranking(conn, id)?;
    let bid_ids: Vec<i64> = ranking.rows.iter().map(|r| r.bid_id).collect();
    for (e, evaluator) in evaluators.iter().enumerate() {
        for (b, bid_id) in bid_ids.iter().enumerate() {
            // The evaluating project is left with one score sheet missing.
            if p.stage == Stage::Evaluating && e == 2 && b == 0 {
                continue;
            }
            let base = [34_i64, 31, 28][b % 3] - e as i64;
            let scores: BTreeMap<String, Value> = [
                ("plan".to_owned(), json!(base.to_string())),
                ("team".to_owned(), json!((16 - b as i64).to_string())),
                ("experience".to_owned(), json!((8 - e as i64).to_string())),
            ]
            .into_iter()
            .collect();
            evaluation::score_bid(
                conn,
                evaluator,
                scored_at,
                id,
                *bid_id,
                &ScoresInput { scores },
            )?;
        }
    }
    if p.stage == Stage::Evaluating {
        return Ok(());
    }
    evaluation::award(
        conn,
        rules,
        calendar,
        officer,
        scored_at + Duration::days(1),
        id,
        &AwardInput {
            bid_id: None,
            reason: None,
        },
    )?;
    Ok(())
}
