//! The official text of each notice (DOMAIN §8), rendered from the askama templates under
//! `templates/notices/` into an HTML fragment (`<section class="notice …">`, no `<html>`),
//! auto-escaped, in the layout of the official notices: 项目编号, 项目名称, 采购人及联系方式,
//! 主要标的信息 or 中标（成交）信息, 评审专家名单, 公告期限, 其他事项, 联系方式 — the sections
//! each kind needs, numbered 一、二、三…
//!
//! Callers fill the data structs below (amounts as `Decimal` yuan; dates as `NaiveDate`; times
//! already formatted in Asia/Shanghai, e.g. `2026年3月23日 09:00`). Every amount is written in
//! figures and in capitals: `¥1,000,000.00（人民币壹佰万元整）`.

use askama::Template;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::notices::NoticeKind;
use crate::domain::money::{format_yuan, round_half_up, to_chinese_capitals};

/// What every notice of a project states about the project and its purchaser.
#[derive(Debug, Clone)]
pub struct Header {
    /// 项目编号, e.g. `XQMZ-2026-001`.
    pub project_number: String,
    /// 项目名称.
    pub project_title: String,
    /// 采购人, e.g. 银川市兴庆区民政局.
    pub purchaser_name: String,
    /// The purchaser's region, full name (its address line).
    pub purchaser_region: String,
    /// 联系人.
    pub contact_name: String,
    /// 联系电话.
    pub contact_phone: String,
    /// 采购方式, e.g. 公开招标.
    pub method_label: String,
    /// 预算金额 (yuan).
    pub budget: Decimal,
}

/// One quantity, scale, quality or outcome target of a project (数量、规模、质量与效果目标).
#[derive(Debug, Clone)]
pub struct TargetLine {
    /// What is measured, e.g. 服务困难群众人次.
    pub name: String,
    /// The target value, e.g. `1200`.
    pub value: String,
    /// Its unit, e.g. 人次.
    pub unit: String,
}

/// The procurement intention (采购意向公告).
#[derive(Debug, Clone)]
pub struct IntentionBody {
    /// Project and purchaser.
    pub header: Header,
    /// 采购需求概况.
    pub summary: String,
    /// The guiding-catalog item (服务类别).
    pub catalog_item: String,
    /// Target groups (服务对象), by name.
    pub target_groups: Vec<String>,
    /// First day of the service period.
    pub service_start: NaiveDate,
    /// Last day of the service period.
    pub service_end: NaiveDate,
    /// 预计采购时间: the planned tender date.
    pub expected_tender_date: NaiveDate,
    /// The project's targets.
    pub targets: Vec<TargetLine>,
}

/// One scoring criterion of a tender.
#[derive(Debug, Clone)]
pub struct CriterionLine {
    /// Its name, e.g. 服务方案.
    pub name: String,
    /// Its maximum points.
    pub max_points: Decimal,
}

/// The tender notice (采购公告).
#[derive(Debug, Clone)]
pub struct TenderBody {
    /// Project and purchaser.
    pub header: Header,
    /// 采购需求概况.
    pub summary: String,
    /// 投标截止时间, formatted in Shanghai time, e.g. `2026年3月23日 09:00`.
    pub bid_deadline: String,
    /// 最高限价 (yuan).
    pub max_price: Decimal,
    /// 评标方法, e.g. 综合评分法.
    pub award_method_label: String,
    /// 价格分权重 as a fraction, e.g. `0.30`.
    pub price_weight: Decimal,
    /// The technical scoring criteria.
    pub criteria: Vec<CriterionLine>,
    /// Minimum full-time staff of a bidder.
    pub min_full_time_staff: i32,
    /// Minimum certified social workers of a bidder.
    pub min_certified_social_workers: i32,
    /// Minimum years since registration of a bidder.
    pub min_years_established: i32,
    /// Invited contractors' names (邀请招标); empty for an open tender.
    pub invited: Vec<String>,
    /// The procurement documents: (file name, SHA-256).
    pub documents: Vec<(String, String)>,
    /// First day of the service period.
    pub service_start: NaiveDate,
    /// Last day of the service period.
    pub service_end: NaiveDate,
}

/// One bid in the opening record.
#[derive(Debug, Clone)]
pub struct OpeningLine {
    /// The bidder.
    pub contractor_name: String,
    /// Its price (yuan).
    pub price: Decimal,
    /// The bid's receipt: SHA-256 of its canonical content.
    pub receipt_sha256: String,
    /// Whether it passed the qualification check.
    pub qualified: bool,
    /// Why not, when it did not.
    pub reasons: Vec<String>,
}

/// The opening record (开标记录).
#[derive(Debug, Clone)]
pub struct OpeningBody {
    /// Project and purchaser.
    pub header: Header,
    /// 开标时间, formatted in Shanghai time.
    pub opened_at: String,
    /// Every bid.
    pub lines: Vec<OpeningLine>,
}

/// The failure notice (废标（终止）公告).
#[derive(Debug, Clone)]
pub struct FailureBody {
    /// Project and purchaser.
    pub header: Header,
    /// Why the procurement failed.
    pub reason: String,
    /// How many bids were qualified and how many the method requires, when it failed for
    /// want of bids (`None` when the purchaser terminated it).
    pub shortfall: Option<(usize, u32)>,
}

/// The award notice (中标（成交）结果公告).
#[derive(Debug, Clone)]
pub struct AwardBody {
    /// Project and purchaser.
    pub header: Header,
    /// 中标（成交）供应商.
    pub winner_name: String,
    /// Its USCC, or for an individual the MASKED resident ID (the caller masks it).
    pub winner_code: String,
    /// Its region, full name (its address line).
    pub winner_region: String,
    /// 中标（成交）金额 (yuan).
    pub price: Decimal,
    /// First day of the service period.
    pub service_start: NaiveDate,
    /// Last day of the service period.
    pub service_end: NaiveDate,
    /// 评审专家名单.
    pub evaluators: Vec<String>,
    /// The ranking: (rank, contractor name, price, total score).
    pub ranking: Vec<(u32, String, Decimal, Decimal)>,
    /// Last day of the notice period (公告期限).
    pub notice_period_end: NaiveDate,
    /// Last day on which a bidder may challenge (质疑).
    pub challenge_deadline: NaiveDate,
    /// Why the winner is not the first-ranked bidder, when it is not.
    pub reason: Option<String>,
}

/// The title of a project's notice: the project title followed by the kind's official name,
/// e.g. `兴庆区2026年困难群众社会工作服务项目采购意向公告`.
pub fn title(kind: NoticeKind, project_title: &str) -> String {
    format!("{}{}", project_title.trim(), kind.label())
}

/// An amount in figures and in capitals, e.g. `¥1,000,000.00（人民币壹佰万元整）`; rounded
/// half-up to the 分 first. Amounts the capitals cannot express (negative, beyond
/// ¥999,999,999,999.99) are written in figures only.
pub fn amount_text(amount: Decimal) -> String {
    let rounded = round_half_up(amount, 2);
    match to_chinese_capitals(rounded) {
        Ok(capitals) => format!("{}（{}）", format_yuan(rounded), capitals),
        Err(_) => format_yuan(rounded),
    }
}

/// A date as written in official documents: `2026年3月23日`.
pub fn date_text(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// A service period: `2026年5月1日至2027年4月30日`.
fn period_text(start: NaiveDate, end: NaiveDate) -> String {
    format!("{}至{}", date_text(start), date_text(end))
}

/// A decimal without trailing zeros: `40.00` → `40`, `12.50` → `12.5`.
fn plain_number(value: Decimal) -> String {
    value.normalize().to_string()
}

/// A fraction as a percentage: `0.30` → `30%`.
fn percent_text(fraction: Decimal) -> String {
    format!("{}%", plain_number(fraction * Decimal::ONE_HUNDRED))
}

/// A list joined with `、`, or `无` when empty.
fn joined(items: &[String]) -> String {
    if items.is_empty() {
        "无".to_owned()
    } else {
        items.join("、")
    }
}

/// The header as the templates show it.
struct HeaderView<'a> {
    project_number: &'a str,
    project_title: &'a str,
    purchaser_name: &'a str,
    purchaser_region: &'a str,
    contact_name: &'a str,
    contact_phone: &'a str,
    method_label: &'a str,
    budget: String,
}

impl<'a> HeaderView<'a> {
    fn of(header: &'a Header) -> Self {
        HeaderView {
            project_number: &header.project_number,
            project_title: &header.project_title,
            purchaser_name: &header.purchaser_name,
            purchaser_region: &header.purchaser_region,
            contact_name: &header.contact_name,
            contact_phone: &header.contact_phone,
            method_label: &header.method_label,
            budget: amount_text(header.budget),
        }
    }
}

#[derive(Template)]
#[template(path = "notices/intention.html")]
struct IntentionPage<'a> {
    h: HeaderView<'a>,
    summary: &'a str,
    catalog_item: &'a str,
    target_groups: String,
    service_period: String,
    expected_tender_date: String,
    targets: &'a [TargetLine],
}

/// Renders the 采购意向公告.
pub fn render_intention(b: &IntentionBody) -> Result<String, askama::Error> {
    IntentionPage {
        h: HeaderView::of(&b.header),
        summary: &b.summary,
        catalog_item: &b.catalog_item,
        target_groups: joined(&b.target_groups),
        service_period: period_text(b.service_start, b.service_end),
        expected_tender_date: date_text(b.expected_tender_date),
        targets: &b.targets,
    }
    .render()
}

/// A scoring criterion as shown.
struct CriterionView<'a> {
    name: &'a str,
    max_points: String,
}

/// A procurement document as shown.
struct DocumentView<'a> {
    name: &'a str,
    sha256: &'a str,
}

#[derive(Template)]
#[template(path = "notices/tender.html")]
struct TenderPage<'a> {
    h: HeaderView<'a>,
    summary: &'a str,
    bid_deadline: &'a str,
    max_price: String,
    award_method_label: &'a str,
    price_weight: String,
    criteria: Vec<CriterionView<'a>>,
    min_full_time_staff: i32,
    min_certified_social_workers: i32,
    min_years_established: i32,
    invited: String,
    is_invited: bool,
    documents: Vec<DocumentView<'a>>,
    service_period: String,
}

/// Renders the 采购公告.
pub fn render_tender(b: &TenderBody) -> Result<String, askama::Error> {
    TenderPage {
        h: HeaderView::of(&b.header),
        summary: &b.summary,
        bid_deadline: &b.bid_deadline,
        max_price: amount_text(b.max_price),
        award_method_label: &b.award_method_label,
        price_weight: percent_text(b.price_weight),
        criteria: b
            .criteria
            .iter()
            .map(|c| CriterionView {
                name: &c.name,
                max_points: plain_number(c.max_points),
            })
            .collect(),
        min_full_time_staff: b.min_full_time_staff,
        min_certified_social_workers: b.min_certified_social_workers,
        min_years_established: b.min_years_established,
        invited: joined(&b.invited),
        is_invited: !b.invited.is_empty(),
        documents: b
            .documents
            .iter()
            .map(|(name, sha256)| DocumentView { name, sha256 })
            .collect(),
        service_period: period_text(b.service_start, b.service_end),
    }
    .render()
}

/// A bid in the opening record as shown.
struct OpeningView<'a> {
    number: usize,
    contractor_name: &'a str,
    price: String,
    receipt_sha256: &'a str,
    qualified: bool,
    reasons: String,
}

#[derive(Template)]
#[template(path = "notices/opening.html")]
struct OpeningPage<'a> {
    h: HeaderView<'a>,
    opened_at: &'a str,
    lines: Vec<OpeningView<'a>>,
    qualified_count: usize,
}

/// Renders the 开标记录.
pub fn render_opening(b: &OpeningBody) -> Result<String, askama::Error> {
    OpeningPage {
        h: HeaderView::of(&b.header),
        opened_at: &b.opened_at,
        lines: b
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| OpeningView {
                number: i + 1,
                contractor_name: &line.contractor_name,
                price: amount_text(line.price),
                receipt_sha256: &line.receipt_sha256,
                qualified: line.qualified,
                reasons: line.reasons.join("；"),
            })
            .collect(),
        qualified_count: b.lines.iter().filter(|l| l.qualified).count(),
    }
    .render()
}

#[derive(Template)]
#[template(path = "notices/failure.html")]
struct FailurePage<'a> {
    h: HeaderView<'a>,
    reason: &'a str,
    shortfall: Option<(usize, u32)>,
}

/// Renders the 废标（终止）公告.
pub fn render_failure(b: &FailureBody) -> Result<String, askama::Error> {
    FailurePage {
        h: HeaderView::of(&b.header),
        reason: &b.reason,
        shortfall: b.shortfall,
    }
    .render()
}

/// A line of the award ranking as shown.
struct RankView<'a> {
    rank: u32,
    name: &'a str,
    price: String,
    score: String,
}

#[derive(Template)]
#[template(path = "notices/award.html")]
struct AwardPage<'a> {
    h: HeaderView<'a>,
    winner_name: &'a str,
    winner_code_label: &'static str,
    winner_code: &'a str,
    winner_region: &'a str,
    price: String,
    service_period: String,
    evaluators: String,
    ranking: Vec<RankView<'a>>,
    notice_period_end: String,
    challenge_deadline: String,
    reason: Option<&'a str>,
}

/// Renders the 中标（成交）结果公告.
pub fn render_award(b: &AwardBody) -> Result<String, askama::Error> {
    // A masked resident ID (an individual) carries asterisks; a USCC never does.
    let winner_code_label = if b.winner_code.contains('*') {
        "身份证号码"
    } else {
        "统一社会信用代码"
    };
    AwardPage {
        h: HeaderView::of(&b.header),
        winner_name: &b.winner_name,
        winner_code_label,
        winner_code: &b.winner_code,
        winner_region: &b.winner_region,
        price: amount_text(b.price),
        service_period: period_text(b.service_start, b.service_end),
        evaluators: joined(&b.evaluators),
        ranking: b
            .ranking
            .iter()
            .map(|(rank, name, price, score)| RankView {
                rank: *rank,
                name,
                price: amount_text(*price),
                score: format!("{:.2}", round_half_up(*score, 2)),
            })
            .collect(),
        notice_period_end: date_text(b.notice_period_end),
        challenge_deadline: date_text(b.challenge_deadline),
        reason: b.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()),
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn header(title: &str) -> Header {
        Header {
            project_number: "XQMZ-2026-007".to_owned(),
            project_title: title.to_owned(),
            purchaser_name: "银川市兴庆区民政局".to_owned(),
            purchaser_region: "宁夏回族自治区 银川市 兴庆区".to_owned(),
            contact_name: "王经办".to_owned(),
            contact_phone: "0951-6012345".to_owned(),
            method_label: "公开招标".to_owned(),
            budget: dec!(1000000.00),
        }
    }

    const CAPITALS: &str = "¥1,000,000.00（人民币壹佰万元整）";

    fn assert_sections(html: &str, sections: &[&str]) {
        assert!(
            html.starts_with("<section class=\"notice"),
            "a fragment: {html}"
        );
        assert!(!html.contains("<html"), "no document: {html}");
        let mut last = 0;
        for section in sections {
            let at = html
                .find(section)
                .unwrap_or_else(|| panic!("missing {section} in {html}"));
            assert!(at >= last, "{section} out of order");
            last = at;
        }
        assert!(html.contains("XQMZ-2026-007"), "project number");
        assert!(html.contains("银川市兴庆区民政局"), "purchaser");
        assert!(html.contains("0951-6012345"), "contact");
    }

    fn intention(title: &str, summary: &str) -> IntentionBody {
        IntentionBody {
            header: header(title),
            summary: summary.to_owned(),
            catalog_item: "社会救助类服务".to_owned(),
            target_groups: vec!["困难群众".to_owned(), "低保家庭".to_owned()],
            service_start: date(2026, 5, 1),
            service_end: date(2027, 4, 30),
            expected_tender_date: date(2026, 4, 15),
            targets: vec![TargetLine {
                name: "服务困难群众".to_owned(),
                value: "1200".to_owned(),
                unit: "人次".to_owned(),
            }],
        }
    }

    #[test]
    fn intention_has_its_sections_and_amounts_in_capitals() {
        let html =
            render_intention(&intention("兴庆区困难群众服务项目", "入户探访")).expect("render");
        assert_sections(
            &html,
            &[
                "一、项目编号",
                "二、项目名称",
                "三、采购人及联系方式",
                "四、主要标的信息",
                "五、其他事项",
            ],
        );
        assert!(html.contains(CAPITALS), "{html}");
        assert!(html.contains("人民币壹佰万元整"));
        assert!(html.contains("2026年4月15日"), "expected tender date");
        assert!(
            html.contains("2026年5月1日至2027年4月30日"),
            "service period"
        );
        assert!(html.contains("困难群众、低保家庭"));
        assert!(html.contains("1200") && html.contains("人次"));
        assert!(html.contains("社会救助类服务"));
    }

    #[test]
    fn text_is_escaped() {
        let html = render_intention(&intention(
            "<script>alert(1)</script>项目",
            "<script>steal()</script> & <b>",
        ))
        .expect("render");
        assert!(!html.contains("<script>"), "{html}");
        // askama writes numeric entities (&#60;); compare in the named form.
        let named = html
            .replace("&#60;", "&lt;")
            .replace("&#62;", "&gt;")
            .replace("&#38;", "&amp;");
        assert!(
            named.contains("&lt;script&gt;alert(1)&lt;/script&gt;项目"),
            "{html}"
        );
        assert!(named.contains("&lt;script&gt;steal()"), "{html}");
        assert!(named.contains(" &amp; &lt;b&gt;"), "{html}");

        let mut award = award_body();
        award.winner_name = "<script>x</script>中心".to_owned();
        award.reason = Some("<img src=x onerror=alert(1)>".to_owned());
        let html = render_award(&award).expect("render");
        assert!(
            !html.contains("<script>") && !html.contains("<img"),
            "{html}"
        );
    }

    #[test]
    fn tender_has_its_sections() {
        let body = TenderBody {
            header: header("兴庆区困难群众服务项目"),
            summary: "入户探访、个案管理".to_owned(),
            bid_deadline: "2026年3月23日 09:00".to_owned(),
            max_price: dec!(980000.50),
            award_method_label: "综合评分法".to_owned(),
            price_weight: dec!(0.30),
            criteria: vec![
                CriterionLine {
                    name: "服务方案".to_owned(),
                    max_points: dec!(40.00),
                },
                CriterionLine {
                    name: "团队配置".to_owned(),
                    max_points: dec!(30),
                },
            ],
            min_full_time_staff: 5,
            min_certified_social_workers: 3,
            min_years_established: 2,
            invited: vec![],
            documents: vec![("采购文件.pdf".to_owned(), "ab".repeat(32))],
            service_start: date(2026, 5, 1),
            service_end: date(2027, 4, 30),
        };
        let html = render_tender(&body).expect("render");
        assert_sections(
            &html,
            &[
                "一、项目编号",
                "二、项目名称",
                "三、采购人及联系方式",
                "四、主要标的信息",
                "五、供应商资格要求",
                "六、评审方法",
                "七、投标截止时间",
                "八、采购文件",
                "九、公告期限",
                "十、其他事项",
            ],
        );
        assert!(html.contains(CAPITALS), "budget");
        assert!(
            html.contains("¥980,000.50（人民币玖拾捌万元伍角整）"),
            "max price: {html}"
        );
        assert!(html.contains("30%"), "price weight");
        assert!(html.contains("服务方案") && html.contains("40分"), "{html}");
        assert!(html.contains("2026年3月23日 09:00"));
        assert!(html.contains(&"ab".repeat(32)), "document hash");
        assert!(!html.contains("邀请"), "open tender: {html}");

        let invited = TenderBody {
            invited: vec!["甲中心".to_owned(), "乙中心".to_owned()],
            ..body
        };
        let html = render_tender(&invited).expect("render");
        assert!(html.contains("甲中心、乙中心"), "{html}");
    }

    #[test]
    fn opening_lists_every_receipt() {
        let body = OpeningBody {
            header: header("兴庆区困难群众服务项目"),
            opened_at: "2026年3月23日 09:00".to_owned(),
            lines: vec![
                OpeningLine {
                    contractor_name: "银川市第1社会工作服务中心".to_owned(),
                    price: dec!(1000000.00),
                    receipt_sha256: "a".repeat(64),
                    qualified: true,
                    reasons: vec![],
                },
                OpeningLine {
                    contractor_name: "银川市第2社会工作服务中心".to_owned(),
                    price: dec!(900000),
                    receipt_sha256: "b".repeat(64),
                    qualified: false,
                    reasons: vec!["持证社会工作者不足".to_owned(), "成立不满2年".to_owned()],
                },
            ],
        };
        let html = render_opening(&body).expect("render");
        assert_sections(
            &html,
            &[
                "一、项目编号",
                "二、项目名称",
                "三、采购人及联系方式",
                "四、开标信息",
                "五、其他事项",
            ],
        );
        assert!(html.contains(CAPITALS));
        assert!(html.contains("人民币玖拾万元整"));
        assert!(html.contains(&"a".repeat(64)) && html.contains(&"b".repeat(64)));
        assert!(html.contains("持证社会工作者不足；成立不满2年"), "{html}");
        assert!(html.contains("不合格"));
    }

    #[test]
    fn failure_states_the_reason() {
        let html = render_failure(&FailureBody {
            header: header("兴庆区困难群众服务项目"),
            reason: "有效投标不足三家".to_owned(),
            shortfall: Some((2, 3)),
        })
        .expect("render");
        assert_sections(
            &html,
            &[
                "一、项目编号",
                "二、项目名称",
                "三、采购人及联系方式",
                "四、废标（终止）原因",
                "五、其他事项",
            ],
        );
        assert!(html.contains("有效投标不足三家"));
        assert!(html.contains("资格审查合格的投标 2 家"), "{html}");
        assert!(html.contains("至少需要 3 家"), "{html}");
        assert!(html.contains(CAPITALS), "budget");
    }

    #[test]
    fn a_terminated_procurement_states_the_reason_without_a_bid_count() {
        let html = render_failure(&FailureBody {
            header: header("兴庆区困难群众服务项目"),
            reason: "采购人终止本次采购：预算调整".to_owned(),
            shortfall: None,
        })
        .expect("render");
        assert!(html.contains("四、废标（终止）原因"));
        assert!(html.contains("采购人终止本次采购：预算调整"));
        assert!(!html.contains("资格审查合格的投标"), "{html}");
    }

    fn award_body() -> AwardBody {
        AwardBody {
            header: header("兴庆区困难群众服务项目"),
            winner_name: "银川市第1社会工作服务中心".to_owned(),
            winner_code: "52640100MJ0000001X".to_owned(),
            winner_region: "宁夏回族自治区 银川市 金凤区".to_owned(),
            price: dec!(1000000.00),
            service_start: date(2026, 5, 1),
            service_end: date(2027, 4, 30),
            evaluators: vec![
                "张评审".to_owned(),
                "李评审".to_owned(),
                "赵评审".to_owned(),
            ],
            ranking: vec![
                (
                    1,
                    "银川市第1社会工作服务中心".to_owned(),
                    dec!(1000000),
                    dec!(91.5),
                ),
                (
                    2,
                    "银川市第2社会工作服务中心".to_owned(),
                    dec!(950000),
                    dec!(88.125),
                ),
            ],
            notice_period_end: date(2026, 4, 2),
            challenge_deadline: date(2026, 4, 13),
            reason: None,
        }
    }

    #[test]
    fn award_has_its_sections() {
        let html = render_award(&award_body()).expect("render");
        assert_sections(
            &html,
            &[
                "一、项目编号",
                "二、项目名称",
                "三、中标（成交）信息",
                "四、主要标的信息",
                "五、评审专家名单",
                "六、公告期限",
                "七、其他事项",
                "八、联系方式",
            ],
        );
        assert!(html.contains(CAPITALS));
        assert!(html.contains("统一社会信用代码") && html.contains("52640100MJ0000001X"));
        assert!(html.contains("张评审、李评审、赵评审"));
        assert!(html.contains("91.50") && html.contains("88.13"), "{html}");
        assert!(html.contains("2026年4月2日") && html.contains("2026年4月13日"));
        assert!(!html.contains("非排名第一"), "{html}");

        let mut individual = award_body();
        individual.winner_code = "110105********002X".to_owned();
        individual.reason = Some("排名第一的供应商放弃中标".to_owned());
        let html = render_award(&individual).expect("render");
        assert!(html.contains("身份证号码") && html.contains("110105********002X"));
        assert!(html.contains("排名第一的供应商放弃中标"));
    }

    #[test]
    fn titles_and_amounts() {
        assert_eq!(
            title(
                NoticeKind::Intention,
                "兴庆区2026年困难群众社会工作服务项目"
            ),
            "兴庆区2026年困难群众社会工作服务项目采购意向公告"
        );
        assert_eq!(
            title(NoticeKind::Award, "X项目"),
            "X项目中标（成交）结果公告"
        );
        assert_eq!(amount_text(dec!(1000000)), CAPITALS);
        assert_eq!(amount_text(dec!(0.125)), "¥0.13（人民币壹角叁分）");
        assert_eq!(amount_text(dec!(-5)), "-¥5.00");
        assert_eq!(percent_text(dec!(0.10)), "10%");
        assert_eq!(percent_text(dec!(0.125)), "12.5%");
        assert_eq!(date_text(date(2026, 3, 2)), "2026年3月2日");
    }
}
