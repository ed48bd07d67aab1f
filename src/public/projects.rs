//! `/projects/{id}`: the public timeline of one purchase — the project's facts, then every
//! dated step from the procurement intention through tender, opening, award and challenges,
//! contract, service reports (aggregate counts only), evaluations and payments, and every
//! notice of the project. Bids are shown only once their tender is opened.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::NaiveDateTime;

use super::notices::NoticeItem;
use super::queries::{self, ReportSummary};
use super::{http_cache, project_pages};
use crate::app::AppState;
use crate::contracts::model::{self as contracts, ContractRow, PaymentRow};
use crate::domain::contract_status::ContractStatus;
use crate::domain::grades::Grade;
use crate::domain::project_status::ProjectStatus;
use crate::error::{AppError, AppResult};
use crate::evaluations::model::{self as evaluations, EvaluationKind, EvaluationRow};
use crate::procurement::evaluation::model::{self as evaluation, AwardRow, ChallengeRow};
use crate::procurement::projects::model::{self as projects, ProjectRow, TargetRow};
use crate::procurement::rules::ProcurementRules;

/// One dated step of the timeline.
#[derive(Debug, Clone)]
pub struct Step {
    /// Sort key (UTC).
    pub at: NaiveDateTime,
    /// The time shown (Asia/Shanghai).
    pub when: String,
    /// What happened.
    pub title: String,
    /// Details, one line each.
    pub lines: Vec<String>,
    /// A link (href, text), e.g. to the winner's record.
    pub link: Option<(String, String)>,
}

impl Step {
    fn new(at: NaiveDateTime, title: impl Into<String>) -> Step {
        Step {
            at,
            when: super::shanghai_minutes(at),
            title: title.into(),
            lines: Vec::new(),
            link: None,
        }
    }

    fn line(mut self, line: impl Into<String>) -> Step {
        self.lines.push(line.into());
        self
    }
}

/// A bid in an opening record.
#[derive(Debug, Clone)]
pub struct BidLine {
    /// Bidder id.
    pub contractor_id: i64,
    /// Bidder name.
    pub name: String,
    /// Price.
    pub price: String,
    /// Qualification result.
    pub status: String,
    /// Receipt (SHA-256).
    pub receipt: String,
}

/// The opening record of one tender round.
#[derive(Debug, Clone)]
pub struct Opening {
    /// Round.
    pub round: i32,
    /// Opened at (Asia/Shanghai).
    pub when: String,
    /// The bids.
    pub bids: Vec<BidLine>,
}

/// An installment as shown.
#[derive(Debug, Clone)]
pub struct PaymentLine {
    /// Name, e.g. 首期款.
    pub name: String,
    /// Share, e.g. `40.00%`.
    pub percent: String,
    /// Condition label.
    pub condition: String,
    /// Amount.
    pub amount: String,
    /// What may be paid when reduced, if so.
    pub payable: Option<String>,
    /// Status label.
    pub status: String,
    /// Paid on (Asia/Shanghai), if paid.
    pub paid: Option<String>,
}

/// An evaluation as shown.
#[derive(Debug, Clone)]
pub struct EvaluationLine {
    /// 中期评价 / 终期评价.
    pub kind: String,
    /// 进行中 / 已评定.
    pub status: String,
    /// Grade label, once graded.
    pub grade: Option<String>,
    /// Total score, once graded.
    pub score: Option<String>,
    /// Graded on, once graded.
    pub graded: Option<String>,
}

/// The contract as shown.
#[derive(Debug, Clone)]
pub struct ContractFacts {
    /// 合同编号.
    pub number: String,
    /// Contractor id.
    pub contractor_id: i64,
    /// Contractor name.
    pub contractor: String,
    /// Amount.
    pub amount: String,
    /// Service period.
    pub period: String,
    /// Status label.
    pub status: String,
}

#[derive(Template)]
#[template(path = "public/project.html")]
struct ProjectPage {
    number: String,
    title: String,
    summary: String,
    purchaser: String,
    status: String,
    status_reason: Option<String>,
    domain: String,
    catalog_item: String,
    method: String,
    budget: String,
    region: String,
    year: i32,
    service_period: String,
    targets: Vec<(String, String)>,
    steps: Vec<Step>,
    openings: Vec<Opening>,
    contract: Option<ContractFacts>,
    payments: Vec<PaymentLine>,
    reports: Option<ReportSummary>,
    evaluations: Vec<EvaluationLine>,
    notices: Vec<NoticeItem>,
}

/// Everything the page reads, loaded in one database call.
struct Loaded {
    project: ProjectRow,
    purchaser: String,
    region: String,
    catalog_item: Option<String>,
    targets: Vec<TargetRow>,
    tenders: Vec<(queries::TenderLine, Vec<queries::OpenedBid>)>,
    awards: Vec<AwardRow>,
    challenges: Vec<ChallengeRow>,
    contract: Option<ContractRow>,
    payments: Vec<PaymentRow>,
    reports: Option<ReportSummary>,
    evaluations: Vec<EvaluationRow>,
    notices: Vec<queries::NoticeLine>,
    contractor_names: HashMap<i64, String>,
}

fn load(conn: &mut crate::db::AnyConnection, id: i64) -> AppResult<Loaded> {
    let project =
        projects::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("项目 {id} 不存在")))?;
    let purchaser = queries::purchaser_names(conn, &[project.purchaser_id])?
        .remove(&project.purchaser_id)
        .unwrap_or_default();
    let region = crate::regions::full_name(conn, &project.region_code)?;
    let catalog_item = crate::catalog::find_item(conn, project.year, &project.catalog_item_code)?
        .map(|item| item.name);
    let targets = projects::targets(conn, id)?;
    let mut tenders = Vec::new();
    for tender in queries::tenders_of(conn, id)? {
        let bids = queries::opened_bids(conn, &tender)?;
        tenders.push((tender, bids));
    }
    let awards = queries::awards_of(conn, id)?;
    let challenges = evaluation::challenges_of(conn, id, None)?;
    let contract = contracts::of_project(conn, id)?;
    let (payments, reports, evaluations) = match &contract {
        Some(c) => (
            contracts::payments_of(conn, c.id)?,
            Some(queries::report_summary(conn, c.id)?),
            evaluations::of_contract(conn, c.id)?,
        ),
        None => (Vec::new(), None, Vec::new()),
    };
    let notices = queries::project_notices(conn, id)?;
    let mut ids: Vec<i64> = awards.iter().map(|a| a.contractor_id).collect();
    ids.extend(contract.iter().map(|c| c.contractor_id));
    let contractor_names = queries::contractor_names(conn, &ids)?;
    Ok(Loaded {
        project,
        purchaser,
        region,
        catalog_item,
        targets,
        tenders,
        awards,
        challenges,
        contract,
        payments,
        reports,
        evaluations,
        notices,
        contractor_names,
    })
}

fn bid_status_label(status: &str) -> &'static str {
    match status {
        "qualified" => "资格审查通过",
        "disqualified" => "资格审查未通过",
        "withdrawn" => "已撤回",
        _ => "已提交",
    }
}

fn challenge_status_label(status: &str) -> &'static str {
    match status {
        "upheld" => "质疑成立",
        "rejected" => "质疑不成立",
        _ => "待答复",
    }
}

fn payment_status_label(status: &str) -> &'static str {
    match status {
        "due" => "应支付",
        "paid" => "已支付",
        "withheld" => "暂缓支付",
        _ => "未到支付条件",
    }
}

fn payment_condition_label(condition: &str) -> &'static str {
    match condition {
        "on_signing" => "合同签订后",
        "after_midterm_evaluation" => "中期评价后",
        "after_final_evaluation" => "终期评价后",
        _ => "按合同约定",
    }
}

fn target_kind_label(kind: &str) -> &'static str {
    match kind {
        "quantity" => "数量指标",
        "scale" => "规模指标",
        "quality" => "质量指标",
        "outcome" => "效果指标",
        _ => "指标",
    }
}

/// Hundredths as a decimal with two places: `8550` → `85.50`.
fn centi(value: i64) -> String {
    rust_decimal::Decimal::new(value, 2).to_string()
}

/// The public timeline of one procurement: the stored page when it is current (see
/// [`super::project_pages`]), otherwise built now, served, and handed to the
/// [`super::page_writer`] to be stored for the next request.
#[get("/projects/{id:\\d+}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound("项目不存在".to_owned()))?;
    let format = state.project_page_format.clone();
    let now = state.clock.now();
    let stored_format = format.clone();
    let stored = state
        .db
        .read(move |conn| Ok(project_pages::current(conn, id, &stored_format, now)?))
        .await?;
    let page = match stored {
        Some(page) => page,
        None => {
            let rules = state.rules.clone();
            let (page, built) = state
                .db
                .run(move |conn| project_pages::build(conn, &rules, &format, now, id))
                .await?;
            if let Some(built) = built {
                state.project_page_writer.submit(built, page.clone());
            }
            page
        }
    };
    Ok(http_cache::respond_tagged(
        &req,
        http_cache::HTML,
        http_cache::LIST,
        &page.etag,
        page.body,
    ))
}

/// A project's page as HTML, and until when it stays true without any change to the data:
/// the earliest bid deadline still ahead of `now` (passing it changes what the page says about
/// the sealed bids), `None` when nothing on the page depends on the time.
pub fn render_page(
    conn: &mut crate::db::AnyConnection,
    rules: &ProcurementRules,
    now: NaiveDateTime,
    id: i64,
) -> AppResult<(String, Option<NaiveDateTime>)> {
    let data = load(conn, id)?;
    let fresh_until = data
        .tenders
        .iter()
        .map(|(tender, _)| tender.bid_deadline)
        .filter(|deadline| *deadline > now)
        .min();
    let body = super::render(&build(rules, now, data))?;
    Ok((body, fresh_until))
}

fn build(rules: &ProcurementRules, now: NaiveDateTime, data: Loaded) -> ProjectPage {
    let p = &data.project;
    let name_of = |id: i64| data.contractor_names.get(&id).cloned().unwrap_or_default();
    let mut steps: Vec<Step> = Vec::new();
    for notice in data.notices.iter().filter(|n| n.kind == "intention") {
        steps.push(
            Step::new(notice.published_at, "发布采购意向")
                .line(format!("预计采购时间：{}", p.expected_tender_date)),
        );
    }
    let mut openings = Vec::new();
    for (tender, bids) in &data.tenders {
        steps.push(
            Step::new(
                tender.published_at,
                format!("发布采购公告（第{}轮）", tender.round),
            )
            .line(format!(
                "投标截止时间：{}",
                super::shanghai_minutes(tender.bid_deadline)
            ))
            .line(format!("最高限价：{}", super::yuan(tender.max_price_fen)))
            .line(if tender.award_method == "lowest_price" {
                "评标方法：最低评标价法"
            } else {
                "评标方法：综合评分法"
            }),
        );
        match tender.opened_at {
            Some(opened) => {
                steps.push(
                    Step::new(opened, format!("开标（第{}轮）", tender.round))
                        .line(format!("有效投标 {} 家", bids.len())),
                );
                openings.push(Opening {
                    round: tender.round,
                    when: super::shanghai_minutes(opened),
                    bids: bids
                        .iter()
                        .map(|b| BidLine {
                            contractor_id: b.contractor_id,
                            name: b.contractor_name.clone(),
                            price: super::yuan(b.price_fen),
                            status: bid_status_label(&b.status).to_owned(),
                            receipt: b.receipt_sha256.clone(),
                        })
                        .collect(),
                });
            }
            None => {
                let note = if now < tender.bid_deadline {
                    "投标截止前，投标文件密封保存，不公开任何投标信息。"
                } else {
                    "已过投标截止时间，等待开标；开标前不公开任何投标信息。"
                };
                steps.push(
                    Step::new(
                        tender.bid_deadline,
                        format!("投标截止（第{}轮）", tender.round),
                    )
                    .line(note),
                );
            }
        }
    }
    for award in &data.awards {
        let mut step = Step::new(award.decided_at, "确定中标（成交）供应商")
            .line(format!(
                "中标（成交）金额：{}",
                super::yuan(award.price_fen)
            ))
            .line(format!(
                "结果公告日期：{}；质疑截止：{}",
                award.notice_on, award.challenge_deadline
            ));
        if !award.active {
            step = step.line("该结果因质疑成立已被撤销。");
        }
        step.link = Some((
            format!("/contractors/{}", award.contractor_id),
            name_of(award.contractor_id),
        ));
        steps.push(step);
    }
    for (index, challenge) in data.challenges.iter().enumerate() {
        steps.push(
            Step::new(challenge.filed_at, format!("收到质疑（第{}件）", index + 1))
                .line(format!("答复期限：{}", challenge.answer_due))
                .line(format!(
                    "处理结果：{}",
                    challenge_status_label(&challenge.status)
                )),
        );
        if let Some(answered) = challenge.answered_at {
            steps.push(
                Step::new(answered, format!("答复质疑（第{}件）", index + 1))
                    .line(challenge_status_label(&challenge.status)),
            );
        }
    }
    let contract = data.contract.as_ref().map(|c| {
        let status = ContractStatus::parse(&c.status).map_or(c.status.as_str(), |s| s.label());
        if let Some(signed) = c.activated_at {
            steps.push(
                Step::new(signed, "签订合同")
                    .line(format!("合同编号：{}", c.number))
                    .line(format!("合同金额：{}", super::yuan(c.amount_fen))),
            );
        }
        if let Some(terminated) = c.terminated_at {
            let mut step = Step::new(terminated, "合同终止");
            if let Some(reason) = &c.termination_reason {
                step = step.line(format!("终止原因：{reason}"));
            }
            steps.push(step);
        }
        ContractFacts {
            number: c.number.clone(),
            contractor_id: c.contractor_id,
            contractor: name_of(c.contractor_id),
            amount: super::yuan(c.amount_fen),
            period: format!("{} 至 {}", c.service_start, c.service_end),
            status: status.to_owned(),
        }
    });
    let evaluations = data
        .evaluations
        .iter()
        .map(|e| {
            let kind = EvaluationKind::parse(&e.kind).map_or(e.kind.as_str(), |k| k.label());
            let grade = e
                .grade
                .as_deref()
                .map(|g| Grade::parse(g).map_or(g, |g| g.label()).to_owned());
            let score = e.total_centi.map(centi);
            if let Some(graded) = e.graded_at {
                steps.push(Step::new(graded, format!("{kind}完成")).line(format!(
                    "等级：{}；得分：{}",
                    grade.as_deref().unwrap_or("—"),
                    score.as_deref().unwrap_or("—")
                )));
            }
            EvaluationLine {
                kind: kind.to_owned(),
                status: if e.status == "graded" {
                    "已评定".to_owned()
                } else {
                    "评价中".to_owned()
                },
                grade,
                score,
                graded: e.graded_at.map(super::shanghai_day),
            }
        })
        .collect();
    let payments = data
        .payments
        .iter()
        .map(|pay| {
            if let Some(paid) = pay.paid_at {
                steps.push(Step::new(paid, format!("支付{}", pay.name)).line(format!(
                    "金额：{}",
                    super::yuan(pay.payable_fen.unwrap_or(pay.amount_fen))
                )));
            }
            PaymentLine {
                name: pay.name.clone(),
                percent: format!("{}%", centi(pay.percent_centi)),
                condition: payment_condition_label(&pay.condition).to_owned(),
                amount: super::yuan(pay.amount_fen),
                payable: pay.payable_fen.map(super::yuan),
                status: payment_status_label(&pay.status).to_owned(),
                paid: pay.paid_at.map(super::shanghai_day),
            }
        })
        .collect();
    let status = ProjectStatus::parse(&p.status);
    if matches!(
        status,
        Some(ProjectStatus::Failed | ProjectStatus::Cancelled | ProjectStatus::Terminated)
    ) && let Some(s) = status
    {
        let mut step = Step::new(p.updated_at, s.label());
        if let Some(reason) = &p.status_reason {
            step = step.line(format!("原因：{reason}"));
        }
        steps.push(step);
    }
    steps.sort_by_key(|s| s.at);
    let names = queries_names(&data);
    ProjectPage {
        number: p.number.clone(),
        title: p.title.clone(),
        summary: p.summary.clone(),
        purchaser: data.purchaser.clone(),
        status: status.map_or_else(|| p.status.clone(), |s| s.label().to_owned()),
        status_reason: p.status_reason.clone(),
        domain: super::domain_label(&p.domain_code),
        catalog_item: match &data.catalog_item {
            Some(name) => format!("{}（{}）", name, p.catalog_item_code),
            None => p.catalog_item_code.clone(),
        },
        method: super::method_label(rules, &p.method),
        budget: super::yuan(p.budget_fen),
        region: data.region.clone(),
        year: p.year,
        service_period: format!("{} 至 {}", p.service_start, p.service_end),
        targets: data
            .targets
            .iter()
            .map(|t| {
                (
                    target_kind_label(&t.kind).to_owned(),
                    format!("{}：{}{}", t.name, t.value, t.unit),
                )
            })
            .collect(),
        steps,
        openings,
        contract,
        payments,
        reports: data.reports.clone(),
        evaluations,
        notices: data
            .notices
            .iter()
            .map(|n| NoticeItem::of_line(n, &names))
            .collect(),
    }
}

/// The purchaser name of the project for its notices (all published by it).
fn queries_names(data: &Loaded) -> HashMap<i64, String> {
    let mut names = HashMap::new();
    names.insert(data.project.purchaser_id, data.purchaser.clone());
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_hundredths() {
        assert_eq!(centi(8550), "85.50");
        assert_eq!(centi(4000), "40.00");
        assert_eq!(payment_status_label("withheld"), "暂缓支付");
        assert_eq!(
            payment_condition_label("after_final_evaluation"),
            "终期评价后"
        );
        assert_eq!(challenge_status_label("upheld"), "质疑成立");
        assert_eq!(bid_status_label("disqualified"), "资格审查未通过");
    }
}
