//! Demo contracts after the award, played through the real services on timelines in the past
//! that end today: one project in service (monthly reports accepted, one returned and
//! resubmitted, its mid-term evaluation graded and the mid-term installment paid), one
//! completed (final evaluation graded, every installment paid) and one terminated after
//! signing. Each chain — intention, tender, sealed bids, opening, panel scoring, award,
//! challenge window, contract, signing — is placed before its service period, with the dates
//! computed by the procurement rules.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::auth::CurrentUser;
use crate::calendar::Calendar;
use crate::config::Settings;
use crate::contracts::delivery::service::{
    self as delivery, CountInput, ReportInput, ReviewInput, SupervisionInput,
};
use crate::contracts::service::{
    self as contracts, ContractInput, ContractView, DisputeInput, InstallmentInput, TerminateInput,
};
use crate::db::AnyConnection;
use crate::db::schema::projects::{self as project_table};
use crate::db::schema::{budgets, catalog_items};
use crate::error::{AppError, AppResult};
use crate::evaluations::service::{self as evaluations, Env, EvaluatorsInput, OpenInput};
use crate::procurement::bids::service::{self as bids, SubmitBid};
use crate::procurement::budgets::{self as budget_service, NewBudget};
use crate::procurement::evaluation::service::{
    self as evaluation, AwardInput, AwardView, PanelInput, ScoresInput,
};
use crate::procurement::projects::service::{self as projects, NewProject, TargetInput};
use crate::procurement::rules::ProcurementRules;
use crate::procurement::tenders::service::{
    self as tenders, CriterionInput, PublishTender, RequirementsInput,
};

/// The budget source of the demo contracts (one budget per purchaser, year and source).
const BUDGET_SOURCE: &str = "中央财政补助资金";

/// Where a demo contract ends up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    InService,
    Completed,
    Terminated,
}

struct DemoContract {
    title: &'static str,
    item: &'static str,
    groups: &'static [&'static str],
    amount: i64,
    bidders: &'static [&'static str],
    fate: Fate,
}

/// The demo contracts; the first one's title marks the load as done.
const CONTRACTS: &[DemoContract] = &[
    DemoContract {
        title: "兴庆区精神障碍患者社区康复服务项目",
        item: "SF05",
        groups: &["mental_disorder", "disabled"],
        amount: 380_000,
        bidders: &["yijia", "tongxin", "caiyun"],
        fate: Fate::Completed,
    },
    DemoContract {
        title: "兴庆区社区矫正社会工作服务项目",
        item: "SF09",
        groups: &["community_corrections"],
        amount: 300_000,
        bidders: &["caiyun", "tongxin", "yijia"],
        fate: Fate::Terminated,
    },
    DemoContract {
        title: "兴庆区农村留守儿童关爱服务项目",
        item: "CW01",
        groups: &["left_behind_children"],
        amount: 450_000,
        bidders: &["contractor", "yangguang", "hanshui"],
        fate: Fate::InService,
    },
];

/// What the plays share.
struct Ctx<'a> {
    settings: &'a Settings,
    rules: &'a ProcurementRules,
    calendar: &'a Calendar,
    officer: CurrentUser,
    evaluators: Vec<CurrentUser>,
    purchaser_id: i64,
    budget: i64,
    year: i32,
    today: NaiveDate,
}

fn internal(what: &str) -> AppError {
    AppError::internal(anyhow::anyhow!("demo contracts: {what}"))
}

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

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

fn add_months(date: NaiveDate, n: u32) -> AppResult<NaiveDate> {
    date.checked_add_months(Months::new(n))
        .ok_or_else(|| internal("date out of range"))
}

fn sub_months(date: NaiveDate, n: u32) -> AppResult<NaiveDate> {
    date.checked_sub_months(Months::new(n))
        .ok_or_else(|| internal("date out of range"))
}

/// The service period of each fate, counted back from today: the completed one ended about a
/// month ago after 6 months, the in-service one began 5 months ago for 9 months (past its
/// midpoint), the terminated one began 3 months ago for 12 months.
fn service_period(fate: Fate, today: NaiveDate) -> AppResult<(NaiveDate, NaiveDate)> {
    let this_month = month_start(today);
    match fate {
        Fate::Completed => {
            let end_next = sub_months(this_month, 1)?;
            Ok((sub_months(end_next, 6)?, end_next - days(1)))
        }
        Fate::InService => {
            let start = sub_months(this_month, 5)?;
            Ok((start, add_months(start, 9)? - days(1)))
        }
        Fate::Terminated => {
            let start = sub_months(this_month, 3)?;
            Ok((start, add_months(start, 12)? - days(1)))
        }
    }
}

/// Loads the demo contracts unless the first one's project exists; returns how many.
pub fn load(
    conn: &mut AnyConnection,
    settings: &Settings,
    rules: &ProcurementRules,
    calendar: &Calendar,
    purchaser_id: i64,
    today: NaiveDate,
) -> AppResult<usize> {
    let Some(first) = CONTRACTS.first() else {
        return Ok(0);
    };
    let existing: i64 = project_table::table
        .filter(project_table::purchaser_id.eq(purchaser_id))
        .filter(project_table::title.like(format!("{}%", first.title)))
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
    let year = year.ok_or_else(|| internal("no catalog year"))?;
    let officer = user(conn, "officer")?;
    let earliest_start = CONTRACTS
        .iter()
        .map(|c| service_period(c.fate, today).map(|p| p.0))
        .collect::<AppResult<Vec<_>>>()?
        .into_iter()
        .min()
        .unwrap_or(today);
    let budget = {
        let found: Option<i64> = budgets::table
            .filter(budgets::purchaser_id.eq(purchaser_id))
            .filter(budgets::year.eq(year))
            .filter(budgets::source.eq(BUDGET_SOURCE))
            .select(budgets::id)
            .first(conn)
            .optional()?;
        match found {
            Some(id) => id,
            None => {
                budget_service::create(
                    conn,
                    &officer.actor(at_nine(earliest_start - days(130))),
                    &NewBudget {
                        purchaser_id,
                        year,
                        source: BUDGET_SOURCE.to_owned(),
                        amount: Decimal::new(2_000_000, 0),
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
    let ctx = Ctx {
        settings,
        rules,
        calendar,
        officer,
        evaluators,
        purchaser_id,
        budget,
        year,
        today,
    };
    for c in CONTRACTS {
        play(conn, &ctx, c)?;
    }
    Ok(CONTRACTS.len())
}

/// Plays one demo contract from the intention to its fate.
fn play(conn: &mut AnyConnection, ctx: &Ctx<'_>, c: &DemoContract) -> AppResult<()> {
    let (start, end) = service_period(c.fate, ctx.today)?;
    let (project_id, award) = award_project(conn, ctx, c, start, end)?;
    let winner = winner(conn, c, award.contractor_id)?;
    let contract = contract_and_sign(conn, ctx, &winner, c, project_id, &award, start, end)?;
    let officer = &ctx.officer;
    pay(
        conn,
        officer,
        contract.id,
        "on_signing",
        contract_day(&contract) + days(5),
    )?;
    contracts::start_due(conn, at_nine(start))?;
    match c.fate {
        Fate::Completed => {
            reports(
                conn,
                ctx,
                &winner,
                c,
                contract.id,
                (start, end),
                ctx.today,
                None,
            )?;
            supervise(conn, officer, contract.id, start + days(40))?;
            let midterm = evaluate(conn, ctx, contract.id, "midterm", start, end, [86, 84, 88])?;
            pay(
                conn,
                officer,
                contract.id,
                "after_midterm_evaluation",
                midterm + days(3),
            )?;
            let graded = evaluate(conn, ctx, contract.id, "final", start, end, [92, 90, 93])?;
            pay(
                conn,
                officer,
                contract.id,
                "after_final_evaluation",
                graded + days(5),
            )?;
        }
        Fate::InService => {
            reports(
                conn,
                ctx,
                &winner,
                c,
                contract.id,
                (start, end),
                ctx.today,
                Some(1),
            )?;
            supervise(conn, officer, contract.id, start + days(45))?;
            let midterm = evaluate(conn, ctx, contract.id, "midterm", start, end, [83, 80, 85])?;
            pay(
                conn,
                officer,
                contract.id,
                "after_midterm_evaluation",
                midterm + days(3),
            )?;
        }
        Fate::Terminated => {
            let terminated_on = add_months(start, 2)? + days(9);
            reports(
                conn,
                ctx,
                &winner,
                c,
                contract.id,
                (start, end),
                terminated_on,
                None,
            )?;
            contracts::terminate(
                conn,
                ctx.rules,
                ctx.calendar,
                officer,
                at_nine(terminated_on),
                contract.id,
                &TerminateInput {
                    reason: Some(
                        "承接机构项目负责人及两名持证社工相继离职，经约谈整改仍无法按合同配备服务团队，双方协商一致解除合同，剩余服务由区民政局另行采购。"
                            .to_owned(),
                    ),
                    pay_unpaid: Some(false),
                },
            )?;
        }
    }
    Ok(())
}

/// The Shanghai date on which the contract became active.
fn contract_day(contract: &ContractView) -> NaiveDate {
    contract
        .activated_at
        .as_deref()
        .and_then(|t| t.get(..10))
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or(contract.service_start)
}

/// The bidder whose contractor won.
fn winner(
    conn: &mut AnyConnection,
    c: &DemoContract,
    contractor_id: i64,
) -> AppResult<CurrentUser> {
    for bidder in c.bidders {
        let u = user(conn, bidder)?;
        if u.contractor_id == Some(contractor_id) {
            return Ok(u);
        }
    }
    Err(internal("winner is not a demo bidder"))
}

/// Creates the project and plays it to the award, about 100 days before the service starts.
fn award_project(
    conn: &mut AnyConnection,
    ctx: &Ctx<'_>,
    c: &DemoContract,
    start: NaiveDate,
    end: NaiveDate,
) -> AppResult<(i64, AwardView)> {
    let officer = &ctx.officer;
    let method = "open_tender";
    let intention_on = start - days(100);
    let tender_on = ctx.rules.earliest_tender_after_intention(intention_on) + days(2);
    let project = projects::create(
        conn,
        ctx.rules,
        officer,
        at_nine(intention_on) - Duration::hours(1),
        &NewProject {
            purchaser_id: ctx.purchaser_id,
            budget_id: ctx.budget,
            catalog_item_code: c.item.to_owned(),
            title: format!("{}（{}年度）", c.title, ctx.year),
            summary: "依托街道（乡镇）社工站，为服务对象提供需求评估、个案管理、小组活动和资源链接服务，建立服务档案并按月报告服务进展。".to_owned(),
            region_code: "640104".to_owned(),
            station_id: None,
            target_groups: c.groups.iter().map(|g| (*g).to_owned()).collect(),
            targets: vec![
                TargetInput { kind: "quantity".to_owned(), name: "入户探访".to_owned(), value: Decimal::new(900, 0), unit: "人次".to_owned() },
                TargetInput { kind: "quantity".to_owned(), name: "个案服务".to_owned(), value: Decimal::new(40, 0), unit: "个".to_owned() },
                TargetInput { kind: "quality".to_owned(), name: "个案结案率".to_owned(), value: Decimal::new(85, 0), unit: "%".to_owned() },
                TargetInput { kind: "outcome".to_owned(), name: "服务对象满意率".to_owned(), value: Decimal::new(90, 0), unit: "%".to_owned() },
            ],
            budget_amount: Decimal::new(c.amount, 0),
            service_start: start,
            service_end: end,
            term_justification: None,
            method: method.to_owned(),
            expected_tender_date: tender_on,
        },
    )?;
    let id = project.id;
    projects::publish_intention(conn, ctx.rules, officer, at_nine(intention_on), id)?;
    let deadline_on = ctx
        .rules
        .earliest_deadline(ctx.calendar, method, tender_on)
        .ok_or_else(|| internal("open_tender rule missing"))?;
    tenders::publish(
        conn,
        ctx.rules,
        ctx.calendar,
        &ctx.settings.qualification,
        officer,
        at_nine(tender_on),
        id,
        &PublishTender {
            bid_deadline: rfc3339_shanghai(deadline_on),
            max_price: Decimal::new(c.amount, 0),
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
    let proposals = [
        "组建 1 名督导、4 名持证社工的项目团队，按“评估—计划—服务—评估”流程开展个案管理，每月入户探访不少于 80 人次。",
        "以街道社工站为阵地，联动社区社工室、卫生服务中心和志愿者，开展需求摸排、分类帮扶和资源链接，建立“一人一档”。",
        "引入本地化督导机制，建立服务质量月度自评与第三方抽查相结合的质量控制体系。",
    ];
    let bid_at = at_nine(tender_on + days(2));
    for (i, bidder) in c.bidders.iter().enumerate() {
        let contractor = user(conn, bidder)?;
        let discount = [2_i64, 6, 4][i % 3];
        bids::submit(
            conn,
            &contractor,
            bid_at + Duration::hours(i as i64),
            id,
            &SubmitBid {
                price: Decimal::new(c.amount * (100 - discount) / 100, 0),
                proposal: proposals[i % proposals.len()].to_owned(),
                team_size: 5 + i as i32,
            },
        )?;
    }
    let open_at = at_nine(deadline_on);
    bids::open_by_officer(conn, ctx.rules, officer, open_at, id)?;
    let scored_at = open_at + Duration::hours(2);
    evaluation::set_panel(
        conn,
        officer,
        scored_at,
        id,
        &PanelInput {
            evaluator_ids: ctx.evaluators.iter().map(|e| e.id).collect(),
        },
    )?;
    let ranking = evaluation::compute_ranking(conn, id)?;
    let bid_ids: Vec<i64> = ranking.rows.iter().map(|r| r.bid_id).collect();
    for (e, evaluator) in ctx.evaluators.iter().enumerate() {
        for (b, bid_id) in bid_ids.iter().enumerate() {
            let base = [35_i64, 31, 28][b % 3] - e as i64;
            let scores: BTreeMap<String, Value> = [
                ("plan".to_owned(), json!(base.to_string())),
                ("team".to_owned(), json!((17 - b as i64).to_string())),
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
    let award = evaluation::award(
        conn,
        ctx.rules,
        ctx.calendar,
        officer,
        scored_at + days(1),
        id,
        &AwardInput {
            bid_id: None,
            reason: None,
        },
    )?;
    Ok((id, award))
}

/// Drafts the contract the day after the challenge window closed; the officer signs that
/// day, the contractor the next (both within the signing deadline and before the service).
#[allow(clippy::too_many_arguments)]
fn contract_and_sign(
    conn: &mut AnyConnection,
    ctx: &Ctx<'_>,
    winner: &CurrentUser,
    c: &DemoContract,
    project_id: i64,
    award: &AwardView,
    start: NaiveDate,
    end: NaiveDate,
) -> AppResult<ContractView> {
    let drafted_on = award.challenge_deadline + days(1);
    let contractor_signs_on = drafted_on + days(1);
    if contractor_signs_on > award.signing_deadline || contractor_signs_on >= start {
        return Err(internal("the signing does not fit before the service"));
    }
    let installment = |name: &str, percent: &str, condition: &str| InstallmentInput {
        name: Some(name.to_owned()),
        percent: Some(json!(percent)),
        condition: Some(condition.to_owned()),
    };
    let draft = contracts::create(
        conn,
        &ctx.officer,
        at_nine(drafted_on),
        project_id,
        &ContractInput {
            subject: Some(format!("{}（{}年度）", c.title, ctx.year)),
            quantity_terms: Some(
                "服务期内入户探访不少于 900 人次，开展个案服务不少于 40 个，每月开展小组或社区活动不少于 4 场。"
                    .to_owned(),
            ),
            quality_terms: Some(
                "个案结案率不低于 85%，服务对象满意率不低于 90%；服务档案完整规范，按月提交服务报告。"
                    .to_owned(),
            ),
            service_start: Some(start.format("%Y-%m-%d").to_string()),
            service_end: Some(end.format("%Y-%m-%d").to_string()),
            payment_schedule: Some(vec![
                installment("首期款", "30", "on_signing"),
                installment("中期款", "30", "after_midterm_evaluation"),
                installment("尾款", "40", "after_final_evaluation"),
            ]),
            rights_obligations: Some(
                "甲方按约定支付服务费用，对服务过程进行监督检查并组织绩效评价；乙方按合同配备专业团队，保护服务对象隐私，按月报送服务报告，接受甲方及第三方评估。"
                    .to_owned(),
            ),
            breach_liability: Some(
                "乙方未达到合同约定的数量或质量要求的，甲方可按绩效评价结果扣减或暂停支付服务费用；情节严重的，甲方可解除合同。"
                    .to_owned(),
            ),
            dispute_resolution: Some(DisputeInput {
                kind: Some("arbitration".to_owned()),
                body: Some("银川仲裁委员会".to_owned()),
            }),
        },
    )?;
    contracts::sign(
        conn,
        ctx.rules,
        ctx.calendar,
        &ctx.officer,
        at_nine(drafted_on) + Duration::hours(2),
        draft.id,
    )?;
    contracts::sign(
        conn,
        ctx.rules,
        ctx.calendar,
        winner,
        at_nine(contractor_signs_on),
        draft.id,
    )
}

/// Pays the contract's installment of `condition`, which must be due.
fn pay(
    conn: &mut AnyConnection,
    officer: &CurrentUser,
    contract_id: i64,
    condition: &str,
    on: NaiveDate,
) -> AppResult<()> {
    let payment = contracts::payments(conn, officer, contract_id)?
        .into_iter()
        .find(|p| p.condition == condition && p.status == "due")
        .ok_or_else(|| internal("no due installment"))?;
    contracts::pay(conn, officer, at_nine(on) + Duration::hours(5), payment.id)?;
    Ok(())
}

/// Monthly reports for the months of the service period (`start..=end`) whose review falls
/// before `until` and today: each
/// submitted on the 3rd of the next month and reviewed on the 5th; the month at
/// `returned` (index) is returned first, resubmitted on the 7th and accepted on the 9th.
#[allow(clippy::too_many_arguments)]
fn reports(
    conn: &mut AnyConnection,
    ctx: &Ctx<'_>,
    winner: &CurrentUser,
    c: &DemoContract,
    contract_id: i64,
    (start, end): (NaiveDate, NaiveDate),
    until: NaiveDate,
    returned: Option<usize>,
) -> AppResult<()> {
    let limit = until.min(ctx.today);
    let mut month = month_start(start);
    let mut index = 0_usize;
    loop {
        let next = add_months(month, 1)?;
        let submitted_on = next + days(2);
        let last_review = if returned == Some(index) {
            next + days(8)
        } else {
            next + days(4)
        };
        if month > end || last_review >= limit {
            break;
        }
        let i = index as i64;
        let input = |narrative: &str| ReportInput {
            period: delivery::period_of(month),
            service_counts: c
                .groups
                .iter()
                .enumerate()
                .map(|(g, group)| CountInput {
                    target_group: (*group).to_owned(),
                    persons: 28 + 3 * i - 10 * g as i64,
                    person_times: 76 + 9 * i - 25 * g as i64,
                })
                .collect(),
            activities: 4 + i % 3,
            cases_opened: 5 + i % 2,
            cases_closed: 2 + i,
            volunteers_engaged: 10 + 2 * i,
            narrative: narrative.to_owned(),
        };
        let narrative = format!(
            "{} 月完成入户探访和需求评估，新开个案并召开个案会议；开展小组活动和社区宣传，链接辖区卫生服务中心、志愿者等资源，服务档案已归档。",
            delivery::period_of(month)
        );
        let first = delivery::submit_report(
            conn,
            winner,
            at_nine(submitted_on),
            contract_id,
            &input(&narrative),
        )?;
        let report_id = first.report.id;
        if returned == Some(index) {
            delivery::review_report(
                conn,
                &ctx.officer,
                at_nine(next + days(4)),
                report_id,
                &ReviewInput {
                    decision: "returned".to_owned(),
                    comment: Some(
                        "服务人次与活动签到表不一致，请核对后补充活动照片和签到汇总重新提交。"
                            .to_owned(),
                    ),
                },
            )?;
            delivery::submit_report(
                conn,
                winner,
                at_nine(next + days(6)),
                contract_id,
                &input(&format!(
                    "{narrative}（已按退回意见核对服务人次并补充签到汇总）"
                )),
            )?;
        }
        delivery::review_report(
            conn,
            &ctx.officer,
            at_nine(last_review),
            report_id,
            &ReviewInput {
                decision: "accepted".to_owned(),
                comment: Some("服务记录完整，数据与台账一致。".to_owned()),
            },
        )?;
        month = next;
        index += 1;
    }
    Ok(())
}

/// A supervision session held (and recorded) on `held_on`.
fn supervise(
    conn: &mut AnyConnection,
    officer: &CurrentUser,
    contract_id: i64,
    held_on: NaiveDate,
) -> AppResult<()> {
    delivery::record_supervision(
        conn,
        officer,
        at_nine(held_on) + Duration::hours(6),
        contract_id,
        &SupervisionInput {
            held_on: held_on.format("%Y-%m-%d").to_string(),
            supervisor: "宁夏大学社会工作系 督导 张老师".to_owned(),
            notes: "查阅个案档案 6 份，建议完善需求评估量表的使用，加强个案目标的可测量性。"
                .to_owned(),
        },
    )?;
    Ok(())
}

/// Opens the evaluation of `kind` the day after it falls due, assigns the three evaluators
/// and has each score every indicator at `percents` of its maximum (one evaluator a day);
/// the last sheet grades it. Returns the grading day.
fn evaluate(
    conn: &mut AnyConnection,
    ctx: &Ctx<'_>,
    contract_id: i64,
    kind: &str,
    start: NaiveDate,
    end: NaiveDate,
    percents: [i64; 3],
) -> AppResult<NaiveDate> {
    let indicators = &ctx.settings.evaluation.indicators;
    let due_on = match kind {
        "midterm" => start + days((end - start).num_days().div_euclid(2)),
        _ => end,
    };
    let opened_on = due_on + days(1);
    let opened = evaluations::open(
        conn,
        indicators,
        &ctx.officer,
        at_nine(opened_on),
        contract_id,
        &OpenInput {
            kind: kind.to_owned(),
        },
    )?;
    evaluations::set_evaluators(
        conn,
        indicators,
        &ctx.officer,
        at_nine(opened_on) + Duration::hours(1),
        opened.id,
        &EvaluatorsInput {
            evaluator_ids: ctx.evaluators.iter().map(|e| e.id).collect(),
        },
    )?;
    let env = Env {
        indicators,
        rules: ctx.rules,
        calendar: ctx.calendar,
    };
    let mut graded_on = opened_on;
    for (k, (evaluator, percent)) in ctx.evaluators.iter().zip(percents).enumerate() {
        graded_on = opened_on + days(2 + k as i64);
        let scores: BTreeMap<String, Value> = indicators
            .iter()
            .map(|i| {
                let points = Decimal::new(i64::from(i.max_points) * percent, 2);
                (i.code.clone(), json!(points.to_string()))
            })
            .collect();
        evaluations::score(
            conn,
            env,
            evaluator,
            at_nine(graded_on),
            opened.id,
            &evaluations::ScoresInput {
                scores,
                comment: Some(
                    "服务档案规范，服务对象反馈较好；建议进一步量化服务成效。".to_owned(),
                ),
            },
        )?;
    }
    Ok(graded_on)
}
