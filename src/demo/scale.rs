//! `sixnorms demo --scale N`: N more projects, spread over the demo purchasers, the last three
//! years and every state a purchase can be in, with the rows the public pages read (tenders,
//! bids, awards, contracts, final evaluations) and the notices each step publishes, rendered
//! with the official notice templates. It exists to measure the public site on a province's
//! worth of data (`bench/run`), so it writes rows directly in large transactions instead of
//! playing every step through the services, and it skips the audit log: these rows are
//! generated, not decided by anyone.
//!
//! Every timeline is consistent: a project's state follows from how long ago its intention
//! was published, nothing is dated after `today`, and due dates and `on_time` agree. A fixed
//! seed makes two runs on empty databases produce the same data.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::schema::{
    awards, bids, budgets, catalog_items, contractors, contracts, notices, performance_evaluations,
    projects, purchasers, regions, tenders,
};
use crate::db::{AnyConnection, write_tx};
use crate::disclosure::bodies::{
    self, AwardBody, FailureBody, Header, IntentionBody, OpeningBody, OpeningLine, TenderBody,
};
use crate::disclosure::contract_bodies::{ContractBody, TerminationBody, render_termination};
use crate::disclosure::evaluation_bodies::{EvaluationBody, render_evaluation};
use crate::disclosure::notices::NoticeKind;
use crate::domain::eligibility::purchaser_eligibility;
use crate::domain::ids::mask_resident_id;
use crate::domain::money::from_fen;
use crate::error::{AppError, AppResult};
use crate::procurement::rules::{METHOD_CODES, ProcurementRules};

/// The funding source of the generated budgets.
const SOURCE: &str = "本级财政（规模测试）";

/// What each generated budget holds beyond the generated projects: room for ordinary work
/// (5,000,000 yuan, in fen).
const ROOM_FEN: i64 = 500_000_000;

/// A purchaser row as loaded: id, name, kind, region code, contact name, contact phone.
type PurchaserRow = (i64, String, String, String, String, String);

/// A contractor row as loaded: id, name, USCC, resident ID, region code.
type ContractorRow = (i64, String, Option<String>, Option<String>, String);

/// Rows written per transaction.
const BATCH: usize = 2_000;

/// What a scale run wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScaleSummary {
    /// Projects created.
    pub projects: usize,
    /// Notices published.
    pub notices: usize,
    /// Contracts signed.
    pub contracts: usize,
}

/// A small deterministic generator (SplitMix64): reproducible data without a seeded-RNG API.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// One of `items` (not empty).
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

struct Purchaser {
    id: i64,
    name: String,
    region_code: String,
    region_name: String,
    contact_name: String,
    contact_phone: String,
}

struct Contractor {
    id: i64,
    name: String,
    /// USCC, or the masked resident ID of an individual.
    public_code: String,
    region_name: String,
}

struct Item {
    code: String,
    domain_code: String,
    name: String,
    target_groups: String,
}

/// How far one generated purchase has gone.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Reached {
    Draft,
    Intention,
    Tendering,
    Evaluating,
    Awarded,
    InService,
    Completed,
}

/// Next free id of `table` (explicit ids let one pass link rows without reading them back).
fn next_ids(conn: &mut AnyConnection) -> QueryResult<[i64; 8]> {
    let next = |m: Option<i64>| m.unwrap_or(0) + 1;
    Ok([
        next(projects::table.select(max(projects::id)).first(conn)?),
        next(tenders::table.select(max(tenders::id)).first(conn)?),
        next(bids::table.select(max(bids::id)).first(conn)?),
        next(awards::table.select(max(awards::id)).first(conn)?),
        next(contracts::table.select(max(contracts::id)).first(conn)?),
        next(notices::table.select(max(notices::id)).first(conn)?),
        next(
            performance_evaluations::table
                .select(max(performance_evaluations::id))
                .first(conn)?,
        ),
        next(budgets::table.select(max(budgets::id)).first(conn)?),
    ])
}

/// After explicit ids, PostgreSQL's sequences must move past them (SQLite's AUTOINCREMENT
/// follows on its own).
fn advance_sequences(conn: &mut AnyConnection) -> QueryResult<()> {
    if let AnyConnection::Postgresql(pg) = conn {
        for table in [
            "projects",
            "tenders",
            "bids",
            "awards",
            "contracts",
            "notices",
            "performance_evaluations",
            "budgets",
        ] {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 1))"
            ))
            .execute(pg)?;
        }
    }
    Ok(())
}

fn load_parties(
    conn: &mut AnyConnection,
) -> AppResult<(Vec<Purchaser>, Vec<Contractor>, Vec<Item>)> {
    let region_names: HashMap<String, String> = regions::table
        .select((regions::code, regions::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let name_of = |code: &str| region_names.get(code).cloned().unwrap_or_default();
    let purchaser_rows: Vec<PurchaserRow> = purchasers::table
        .select((
            purchasers::id,
            purchasers::name,
            purchasers::kind,
            purchasers::region_code,
            purchasers::contact_name,
            purchasers::contact_phone,
        ))
        .order(purchasers::id)
        .load(conn)?;
    // Only eligible purchasers buy services (a 公益一类 institution never does).
    let purchaser_list = purchaser_rows
        .into_iter()
        .filter(|(_, _, kind, ..)| purchaser_eligibility(kind).eligible)
        .map(
            |(id, name, _, region_code, contact_name, contact_phone)| Purchaser {
                id,
                name,
                region_name: name_of(&region_code),
                region_code,
                contact_name,
                contact_phone,
            },
        )
        .collect::<Vec<_>>();
    let contractor_rows: Vec<ContractorRow> = contractors::table
        .filter(contractors::status.eq("qualified"))
        .select((
            contractors::id,
            contractors::name,
            contractors::uscc,
            contractors::id_number,
            contractors::region_code,
        ))
        .order(contractors::id)
        .load(conn)?;
    let contractor_list = contractor_rows
        .into_iter()
        .map(|(id, name, uscc, id_number, region_code)| Contractor {
            id,
            name,
            public_code: uscc
                .or_else(|| id_number.as_deref().map(mask_resident_id))
                .unwrap_or_default(),
            region_name: name_of(&region_code),
        })
        .collect::<Vec<_>>();
    let latest_year: Option<i32> = catalog_items::table
        .select(max(catalog_items::year))
        .first(conn)?;
    let items = catalog_items::table
        .filter(catalog_items::year.nullable().eq(latest_year))
        .select((
            catalog_items::code,
            catalog_items::domain_code,
            catalog_items::name,
            catalog_items::target_groups,
        ))
        .order(catalog_items::code)
        .load::<(String, String, String, String)>(conn)?
        .into_iter()
        .map(|(code, domain_code, name, target_groups)| Item {
            code,
            domain_code,
            name,
            target_groups,
        })
        .collect::<Vec<_>>();
    if purchaser_list.is_empty() || contractor_list.len() < 3 || items.is_empty() {
        return Err(AppError::Conflict(
            "规模数据需要先载入演示采购人、至少三家合格承接主体和指导目录".into(),
        ));
    }
    Ok((purchaser_list, contractor_list, items))
}

/// 09:00 Shanghai (01:00 UTC) on `date`.
fn morning(date: NaiveDate) -> NaiveDateTime {
    date.and_hms_opt(1, 0, 0).unwrap_or_default()
}

/// Everything one generated notice needs.
struct PlannedNotice {
    kind: NoticeKind,
    on: NaiveDate,
    body_html: String,
}

/// How many generated projects the database holds (those funded from the scale budgets).
pub fn generated_projects(conn: &mut AnyConnection) -> QueryResult<i64> {
    projects::table
        .inner_join(budgets::table)
        .filter(budgets::source.eq(SOURCE))
        .count()
        .get_result(conn)
}

/// Tops the generated projects up to `target` (a second run with the same target adds
/// nothing). Needs the ordinary demo data (purchasers, qualified contractors) and the
/// catalog; returns what it wrote.
pub fn generate(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    target: usize,
    today: NaiveDate,
) -> AppResult<ScaleSummary> {
    let mut summary = ScaleSummary::default();
    let existing = usize::try_from(generated_projects(conn)?).unwrap_or(0);
    let count = target.saturating_sub(existing);
    if count == 0 {
        return Ok(summary);
    }
    let (purchaser_list, contractor_list, items) = load_parties(conn)?;
    let [
        mut project_id,
        mut tender_id,
        mut bid_id,
        mut award_id,
        mut contract_id,
        mut notice_id,
        mut evaluation_id,
        mut budget_id,
    ] = next_ids(conn)?;
    let first_project = project_id;
    let mut dice = Dice(0x5158_4E4F_524D_5321 ^ first_project as u64);

    // One budget per purchaser and year, large enough for everything generated; what the
    // projects commit is added at the end.
    let years: Vec<i32> = (today.year() - 2..=today.year()).collect();
    let mut budget_of: HashMap<(i64, i32), (i64, i64)> = HashMap::new();
    write_tx(conn, |conn| -> AppResult<()> {
        for purchaser in &purchaser_list {
            for &year in &years {
                let existing: Option<i64> = budgets::table
                    .filter(budgets::purchaser_id.eq(purchaser.id))
                    .filter(budgets::year.eq(year))
                    .filter(budgets::source.eq(SOURCE))
                    .select(budgets::id)
                    .first(conn)
                    .optional()?;
                let id = match existing {
                    Some(id) => id,
                    None => {
                        let id = budget_id;
                        budget_id += 1;
                        let at = morning(NaiveDate::from_ymd_opt(year, 1, 5).unwrap_or(today));
                        diesel::insert_into(budgets::table)
                            .values((
                                budgets::id.eq(id),
                                budgets::purchaser_id.eq(purchaser.id),
                                budgets::year.eq(year),
                                budgets::source.eq(SOURCE),
                                budgets::amount_fen.eq(0_i64),
                                budgets::committed_fen.eq(0_i64),
                                budgets::created_at.eq(at),
                                budgets::updated_at.eq(at),
                            ))
                            .execute(conn)?;
                        id
                    }
                };
                budget_of.insert((purchaser.id, year), (id, 0));
            }
        }
        Ok(())
    })?;

    let mut done = 0;
    while done < count {
        let batch = (count - done).min(BATCH);
        write_tx(conn, |conn| -> AppResult<()> {
            for _ in 0..batch {
                let purchaser = dice.pick(&purchaser_list);
                let item = dice.pick(&items);
                let method = *dice.pick(&METHOD_CODES[..5]);
                let method_label = rules
                    .method(method)
                    .map(|m| m.label.clone())
                    .unwrap_or_else(|| method.to_string());
                // The intention went out between 3 years ago and today.
                let intention_on = today - Duration::days(dice.below(3 * 365) as i64);
                let year = intention_on.year().clamp(years[0], today.year());
                let elapsed = (today - intention_on).num_days();
                let reached = match elapsed {
                    _ if dice.chance(3) => Reached::Draft,
                    0..30 => Reached::Intention,
                    30..51 => Reached::Tendering,
                    51..60 => Reached::Evaluating,
                    60..90 => Reached::Awarded,
                    90..455 => Reached::InService,
                    _ => Reached::Completed,
                };
                let failed = reached >= Reached::Awarded && dice.chance(4);
                let terminated = reached >= Reached::InService && !failed && dice.chance(3);
                let budget_fen = (50 + dice.below(150) as i64) * 1_000_000; // 5万–200万元
                let number = format!("GM{}-{:06}", year, project_id);
                let suffix = if item.name.ends_with("项目") {
                    ""
                } else {
                    "项目"
                };
                let title = format!("{}{}年{}{suffix}", purchaser.region_name, year, item.name);
                let tender_on = intention_on + Duration::days(30);
                let opening_on = tender_on + Duration::days(21);
                let award_on = opening_on + Duration::days(9);
                let contract_on = award_on + Duration::days(20);
                let service_start = award_on + Duration::days(30);
                let service_end = service_start + Duration::days(364);
                let status = match (reached, failed, terminated) {
                    (Reached::Draft, _, _) => "draft",
                    (Reached::Intention, _, _) => "intention_published",
                    (Reached::Tendering, _, _) => "tendering",
                    (Reached::Evaluating, _, _) => "evaluating",
                    (_, true, _) => "failed",
                    (Reached::Awarded, _, _) => "awarded",
                    (_, _, true) => "terminated",
                    (Reached::InService, _, _) => "in_service",
                    (Reached::Completed, _, _) => "completed",
                };
                let header = Header {
                    project_number: number.clone(),
                    project_title: title.clone(),
                    purchaser_name: purchaser.name.clone(),
                    purchaser_region: purchaser.region_name.clone(),
                    contact_name: purchaser.contact_name.clone(),
                    contact_phone: purchaser.contact_phone.clone(),
                    method_label: method_label.clone(),
                    budget: from_fen(budget_fen),
                };
                let summary_text = format!(
                    "面向辖区{}开展{}，含个案管理、小组工作与社区活动。",
                    item.target_groups.replace(',', "、"),
                    item.name
                );
                let at = morning(intention_on);
                let (budget, committed) = budget_of
                    .get_mut(&(purchaser.id, year))
                    .ok_or_else(|| AppError::internal(anyhow::anyhow!("scale budget missing")))?;
                *committed += budget_fen;
                diesel::insert_into(projects::table)
                    .values((
                        projects::id.eq(project_id),
                        projects::number.eq(&number),
                        projects::purchaser_id.eq(purchaser.id),
                        projects::budget_id.eq(*budget),
                        projects::year.eq(year),
                        projects::catalog_item_code.eq(&item.code),
                        projects::domain_code.eq(&item.domain_code),
                        projects::title.eq(&title),
                        projects::summary.eq(&summary_text),
                        projects::region_code.eq(&purchaser.region_code),
                        projects::target_groups.eq(&item.target_groups),
                        projects::budget_fen.eq(budget_fen),
                        projects::service_start.eq(service_start),
                        projects::service_end.eq(service_end),
                        projects::method.eq(method),
                        projects::expected_tender_date.eq(tender_on),
                        projects::status.eq(status),
                        projects::created_at.eq(at),
                        projects::updated_at.eq(at),
                    ))
                    .execute(conn)?;

                let mut planned: Vec<PlannedNotice> = Vec::new();
                let mut render = |kind, on, body: Result<String, askama::Error>| {
                    body.map(|body_html| {
                        planned.push(PlannedNotice {
                            kind,
                            on,
                            body_html,
                        })
                    })
                    .map_err(AppError::internal)
                };
                if reached >= Reached::Intention {
                    render(
                        NoticeKind::Intention,
                        intention_on,
                        bodies::render_intention(&IntentionBody {
                            header: header.clone(),
                            summary: summary_text.clone(),
                            catalog_item: item.name.clone(),
                            target_groups: item
                                .target_groups
                                .split(',')
                                .map(str::to_string)
                                .collect(),
                            service_start,
                            service_end,
                            expected_tender_date: tender_on,
                            targets: Vec::new(),
                        }),
                    )?;
                }
                if reached >= Reached::Tendering {
                    diesel::insert_into(tenders::table)
                        .values((
                            tenders::id.eq(tender_id),
                            tenders::project_id.eq(project_id),
                            tenders::bid_deadline.eq(morning(opening_on)),
                            tenders::max_price_fen.eq(budget_fen),
                            tenders::award_method.eq("comprehensive"),
                            tenders::price_weight_bp.eq(3_000),
                            tenders::min_full_time_staff.eq(3),
                            tenders::min_certified_social_workers.eq(1),
                            tenders::min_years_established.eq(1),
                            tenders::published_at.eq(morning(tender_on)),
                            tenders::opened_at
                                .eq((reached >= Reached::Evaluating).then(|| morning(opening_on))),
                            tenders::round.eq(1),
                        ))
                        .execute(conn)?;
                    render(
                        NoticeKind::Tender,
                        tender_on,
                        bodies::render_tender(&TenderBody {
                            header: header.clone(),
                            summary: summary_text.clone(),
                            bid_deadline: format!(
                                "{}年{}月{}日 09:00",
                                opening_on.year(),
                                opening_on.month(),
                                opening_on.day()
                            ),
                            max_price: from_fen(budget_fen),
                            award_method_label: "综合评分法".into(),
                            price_weight: Decimal::new(30, 2),
                            criteria: Vec::new(),
                            min_full_time_staff: 3,
                            min_certified_social_workers: 1,
                            min_years_established: 1,
                            invited: Vec::new(),
                            documents: Vec::new(),
                            service_start,
                            service_end,
                        }),
                    )?;
                }
                let mut lines = Vec::new();
                let mut first_bid = None;
                if reached >= Reached::Evaluating {
                    let start = dice.below(contractor_list.len() as u64) as usize;
                    for k in 0..3 {
                        let bidder = &contractor_list[(start + k) % contractor_list.len()];
                        let price_fen = budget_fen - (dice.below(budget_fen as u64 / 10) as i64);
                        let receipt = format!("{:016x}{:016x}", dice.next(), dice.next());
                        let receipt = format!("{receipt}{receipt}");
                        diesel::insert_into(bids::table)
                            .values((
                                bids::id.eq(bid_id),
                                bids::project_id.eq(project_id),
                                bids::tender_id.eq(tender_id),
                                bids::contractor_id.eq(bidder.id),
                                bids::price_fen.eq(price_fen),
                                bids::proposal.eq("服务方案（规模测试数据）"),
                                bids::team_size.eq(5 + k as i32),
                                bids::receipt_sha256.eq(&receipt),
                                bids::submitted_at.eq(morning(opening_on - Duration::days(1))),
                                bids::status.eq("qualified"),
                            ))
                            .execute(conn)?;
                        if k == 0 {
                            first_bid = Some((bid_id, bidder, price_fen));
                        }
                        lines.push(OpeningLine {
                            contractor_name: bidder.name.clone(),
                            price: from_fen(price_fen),
                            receipt_sha256: receipt,
                            qualified: true,
                            reasons: Vec::new(),
                        });
                        bid_id += 1;
                    }
                    render(
                        NoticeKind::Opening,
                        opening_on,
                        bodies::render_opening(&OpeningBody {
                            header: header.clone(),
                            opened_at: format!(
                                "{}年{}月{}日 09:00",
                                opening_on.year(),
                                opening_on.month(),
                                opening_on.day()
                            ),
                            lines: lines.clone(),
                        }),
                    )?;
                }
                if reached >= Reached::Tendering {
                    tender_id += 1;
                }
                if failed {
                    render(
                        NoticeKind::Failure,
                        award_on,
                        bodies::render_failure(&FailureBody {
                            header: header.clone(),
                            reason: "符合资格条件的供应商不足三家".into(),
                            shortfall: Some((2, 3)),
                        }),
                    )?;
                } else if let (true, Some((winning_bid, winner, price_fen))) =
                    (reached >= Reached::Awarded, first_bid)
                {
                    diesel::insert_into(awards::table)
                        .values((
                            awards::id.eq(award_id),
                            awards::project_id.eq(project_id),
                            awards::bid_id.eq(winning_bid),
                            awards::contractor_id.eq(winner.id),
                            awards::price_fen.eq(price_fen),
                            awards::decided_at.eq(morning(award_on)),
                            awards::notice_on.eq(award_on),
                            awards::challenge_deadline.eq(award_on + Duration::days(7)),
                            awards::signing_deadline.eq(award_on + Duration::days(30)),
                            awards::active.eq(true),
                        ))
                        .execute(conn)?;
                    render(
                        NoticeKind::Award,
                        award_on,
                        bodies::render_award(&AwardBody {
                            header: header.clone(),
                            winner_name: winner.name.clone(),
                            winner_code: winner.public_code.clone(),
                            winner_region: winner.region_name.clone(),
                            price: from_fen(price_fen),
                            service_start,
                            service_end,
                            evaluators: vec!["李教授".into(), "周老师".into(), "杨研究员".into()],
                            ranking: lines
                                .iter()
                                .enumerate()
                                .map(|(i, line)| {
                                    (
                                        i as u32 + 1,
                                        line.contractor_name.clone(),
                                        line.price,
                                        Decimal::new(9_000 - 500 * i as i64, 2),
                                    )
                                })
                                .collect(),
                            notice_period_end: award_on + Duration::days(1),
                            challenge_deadline: award_on + Duration::days(7),
                            reason: None,
                        }),
                    )?;
                    if reached >= Reached::InService {
                        let contract_status = if terminated {
                            "terminated"
                        } else if reached == Reached::Completed {
                            "completed"
                        } else {
                            "active"
                        };
                        let contract_number = format!("HT{}", &number[2..]);
                        let signed = morning(contract_on);
                        let terminated_on = service_start + Duration::days(120);
                        diesel::insert_into(contracts::table)
                            .values((
                                contracts::id.eq(contract_id),
                                contracts::project_id.eq(project_id),
                                contracts::award_id.eq(award_id),
                                contracts::purchaser_id.eq(purchaser.id),
                                contracts::contractor_id.eq(winner.id),
                                contracts::number.eq(&contract_number),
                                contracts::subject.eq(&title),
                                contracts::quantity_terms.eq("按采购文件约定的服务数量"),
                                contracts::quality_terms.eq("按采购文件约定的服务质量标准"),
                                contracts::amount_fen.eq(price_fen),
                                contracts::service_start.eq(service_start),
                                contracts::service_end.eq(service_end),
                                contracts::rights_obligations.eq("按合同通用条款"),
                                contracts::breach_liability.eq("按合同通用条款"),
                                contracts::dispute_kind.eq("arbitration"),
                                contracts::dispute_body.eq("银川仲裁委员会"),
                                contracts::status.eq(contract_status),
                                contracts::purchaser_signed_at.eq(Some(signed)),
                                contracts::contractor_signed_at.eq(Some(signed)),
                                contracts::activated_at.eq(Some(signed)),
                                contracts::terminated_at
                                    .eq(terminated.then(|| morning(terminated_on))),
                                contracts::termination_reason.eq(terminated
                                    .then(|| "承接主体连续两个月未提交服务报告".to_string())),
                                contracts::created_at.eq(signed),
                                contracts::updated_at.eq(signed),
                            ))
                            .execute(conn)?;
                        render(
                            NoticeKind::Contract,
                            contract_on,
                            crate::disclosure::contract_bodies::render_contract(&ContractBody {
                                header: header.clone(),
                                contract_number: contract_number.clone(),
                                contractor_name: winner.name.clone(),
                                contractor_region: winner.region_name.clone(),
                                subject: title.clone(),
                                quantity_terms: "按采购文件约定的服务数量".into(),
                                quality_terms: "按采购文件约定的服务质量标准".into(),
                                amount: from_fen(price_fen),
                                service_start,
                                service_end,
                                installments: Vec::new(),
                                dispute_kind: "arbitration".into(),
                                dispute_body: "银川仲裁委员会".into(),
                                signed_on: contract_on,
                            }),
                        )?;
                        if terminated {
                            render(
                                NoticeKind::Termination,
                                terminated_on,
                                render_termination(&TerminationBody {
                                    header: header.clone(),
                                    contract_number: contract_number.clone(),
                                    contractor_name: winner.name.clone(),
                                    amount: from_fen(price_fen),
                                    service_start,
                                    service_end,
                                    terminated_on,
                                    reason: "承接主体连续两个月未提交服务报告".into(),
                                    pay_unpaid: false,
                                }),
                            )?;
                        } else if reached == Reached::Completed {
                            let graded_on = service_end + Duration::days(20);
                            let total_centi = 6_000 + dice.below(3_900) as i64;
                            let grade = crate::domain::grades::grade(from_fen(total_centi));
                            diesel::insert_into(performance_evaluations::table)
                                .values((
                                    performance_evaluations::id.eq(evaluation_id),
                                    performance_evaluations::contract_id.eq(contract_id),
                                    performance_evaluations::kind.eq("final"),
                                    performance_evaluations::status.eq("graded"),
                                    performance_evaluations::opened_at.eq(morning(service_end)),
                                    performance_evaluations::total_centi.eq(Some(total_centi)),
                                    performance_evaluations::grade.eq(Some(grade.as_str())),
                                    performance_evaluations::graded_at.eq(Some(morning(graded_on))),
                                ))
                                .execute(conn)?;
                            evaluation_id += 1;
                            render(
                                NoticeKind::Evaluation,
                                graded_on,
                                render_evaluation(&EvaluationBody {
                                    header: header.clone(),
                                    contract_number: contract_number.clone(),
                                    contractor_name: winner.name.clone(),
                                    contract_amount: from_fen(price_fen),
                                    service_start,
                                    service_end,
                                    kind_label: "终期评价".into(),
                                    graded_on,
                                    evaluators: vec![
                                        "李教授".into(),
                                        "周老师".into(),
                                        "杨研究员".into(),
                                    ],
                                    indicators: Vec::new(),
                                    total: from_fen(total_centi),
                                    grade_label: grade.label().into(),
                                    consequences: Vec::new(),
                                }),
                            )?;
                        }
                        contract_id += 1;
                        summary.contracts += 1;
                    }
                    award_id += 1;
                }
                for notice in planned.into_iter().filter(|n| n.on <= today) {
                    // Most go out the day of the step; one in twenty a few days late.
                    let late = dice.chance(5);
                    let published_on = notice.on + Duration::days(if late { 4 } else { 0 });
                    let published_on = published_on.min(today);
                    let due_by = notice.on + Duration::days(2);
                    diesel::insert_into(notices::table)
                        .values((
                            notices::id.eq(notice_id),
                            notices::kind.eq(notice.kind.as_str()),
                            notices::project_id.eq(Some(project_id)),
                            notices::purchaser_id.eq(purchaser.id),
                            notices::region_code.eq(&purchaser.region_code),
                            notices::title.eq(bodies::title(notice.kind, &title)),
                            notices::body_html.eq(&notice.body_html),
                            notices::due_by.eq(Some(due_by)),
                            notices::published_at
                                .eq(morning(published_on) + Duration::minutes(notice_id % 600)),
                            notices::on_time.eq(published_on <= due_by),
                            notices::project_title.eq(&title),
                        ))
                        .execute(conn)?;
                    notice_id += 1;
                    summary.notices += 1;
                }
                project_id += 1;
                summary.projects += 1;
            }
            Ok(())
        })?;
        done += batch;
    }

    write_tx(conn, |conn| -> AppResult<()> {
        for ((_, _), (budget, committed)) in &budget_of {
            // Room for one more ordinary project on top of what was committed.
            diesel::update(budgets::table.find(*budget))
                .set((
                    budgets::amount_fen.eq(budgets::amount_fen + *committed + ROOM_FEN),
                    budgets::committed_fen.eq(budgets::committed_fen + *committed),
                ))
                .execute(conn)?;
        }
        advance_sequences(conn)?;
        Ok(())
    })?;
    crate::disclosure::notices::note_publication();
    Ok(summary)
}
