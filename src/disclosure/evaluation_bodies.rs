//! The official text of the performance evaluation result notice (绩效评价结果公告, DOMAIN §7
//! and §8), rendered from `templates/notices/evaluation.html` in the layout of the other
//! notices ([`super::bodies`]): 项目编号, 项目名称, 合同信息, 评价信息, 评价结果, 结果应用,
//! 联系方式.

use askama::Template;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::bodies::{Header, amount_text, date_text};

/// One indicator's line in the notice: its name, its maximum and the evaluators' mean.
#[derive(Debug, Clone)]
pub struct IndicatorLine {
    /// 指标名称, e.g. 服务管理.
    pub name: String,
    /// 分值 (maximum points).
    pub max_points: Decimal,
    /// 平均得分: the mean of the evaluators' points (2 decimals).
    pub mean_points: Decimal,
}

/// The evaluation result notice (绩效评价结果公告).
#[derive(Debug, Clone)]
pub struct EvaluationBody {
    /// Project and purchaser.
    pub header: Header,
    /// 合同编号.
    pub contract_number: String,
    /// 承接主体 (the contractor's name).
    pub contractor_name: String,
    /// 合同金额 (yuan).
    pub contract_amount: Decimal,
    /// First day of the service period.
    pub service_start: NaiveDate,
    /// Last day of the service period.
    pub service_end: NaiveDate,
    /// 评价类型, e.g. 中期评价.
    pub kind_label: String,
    /// The date the evaluation was completed (Asia/Shanghai).
    pub graded_on: NaiveDate,
    /// 评价人员 (evaluators' names).
    pub evaluators: Vec<String>,
    /// Every indicator with its mean.
    pub indicators: Vec<IndicatorLine>,
    /// 总分 (2 decimals).
    pub total: Decimal,
    /// 评价等级, e.g. 良好.
    pub grade_label: String,
    /// 结果应用: what follows from the grade (payments, bar, priority), one sentence each.
    pub consequences: Vec<String>,
}

/// An indicator as shown.
struct IndicatorView<'a> {
    name: &'a str,
    max_points: String,
    mean_points: String,
}

#[derive(Template)]
#[template(path = "notices/evaluation.html")]
struct EvaluationPage<'a> {
    project_number: &'a str,
    project_title: &'a str,
    purchaser_name: &'a str,
    purchaser_region: &'a str,
    contact_name: &'a str,
    contact_phone: &'a str,
    contract_number: &'a str,
    contractor_name: &'a str,
    contract_amount: String,
    service_period: String,
    kind_label: &'a str,
    graded_on: String,
    evaluators: String,
    indicators: Vec<IndicatorView<'a>>,
    total: String,
    grade_label: &'a str,
    consequences: &'a [String],
}

/// Points with 2 decimals: `75.5` → `75.50`.
fn points_text(value: Decimal) -> String {
    format!("{value:.2}")
}

/// Renders the 绩效评价结果公告.
pub fn render_evaluation(b: &EvaluationBody) -> Result<String, askama::Error> {
    EvaluationPage {
        project_number: &b.header.project_number,
        project_title: &b.header.project_title,
        purchaser_name: &b.header.purchaser_name,
        purchaser_region: &b.header.purchaser_region,
        contact_name: &b.header.contact_name,
        contact_phone: &b.header.contact_phone,
        contract_number: &b.contract_number,
        contractor_name: &b.contractor_name,
        contract_amount: amount_text(b.contract_amount),
        service_period: format!(
            "{}至{}",
            date_text(b.service_start),
            date_text(b.service_end)
        ),
        kind_label: &b.kind_label,
        graded_on: date_text(b.graded_on),
        evaluators: if b.evaluators.is_empty() {
            "无".to_owned()
        } else {
            b.evaluators.join("、")
        },
        indicators: b
            .indicators
            .iter()
            .map(|i| IndicatorView {
                name: &i.name,
                max_points: points_text(i.max_points),
                mean_points: points_text(i.mean_points),
            })
            .collect(),
        total: points_text(b.total),
        grade_label: &b.grade_label,
        consequences: &b.consequences,
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn renders_the_sections_escaped() {
        let html = render_evaluation(&EvaluationBody {
            header: Header {
                project_number: "SN-640104-2026-0001".to_owned(),
                project_title: "兴庆区<困难群众>服务项目".to_owned(),
                purchaser_name: "银川市兴庆区民政局".to_owned(),
                purchaser_region: "宁夏回族自治区银川市兴庆区".to_owned(),
                contact_name: "王经办".to_owned(),
                contact_phone: "0951-6012345".to_owned(),
                method_label: "公开招标".to_owned(),
                budget: dec!(1000000),
            },
            contract_number: "HT-2026-0001".to_owned(),
            contractor_name: "银川市第1社会工作服务中心".to_owned(),
            contract_amount: dec!(1000000.00),
            service_start: NaiveDate::from_ymd_opt(2026, 7, 1).expect("date"),
            service_end: NaiveDate::from_ymd_opt(2027, 6, 30).expect("date"),
            kind_label: "终期评价".to_owned(),
            graded_on: NaiveDate::from_ymd_opt(2027, 7, 5).expect("date"),
            evaluators: vec!["张专家".to_owned(), "李专家".to_owned()],
            indicators: vec![IndicatorLine {
                name: "服务管理".to_owned(),
                max_points: dec!(20),
                mean_points: dec!(18.5),
            }],
            total: dec!(75.5),
            grade_label: "合格".to_owned(),
            consequences: vec!["按总分比例支付终期款。".to_owned()],
        })
        .expect("render");
        assert!(html.contains("notice-evaluation"), "{html}");
        assert!(!html.contains("<困难群众>"), "{html}");
        assert!(html.contains("困难群众"), "{html}");
        assert!(html.contains("HT-2026-0001"), "{html}");
        assert!(html.contains("2026年7月1日至2027年6月30日"), "{html}");
        assert!(html.contains("20.00"), "{html}");
        assert!(html.contains("18.50"), "{html}");
        assert!(html.contains("75.50"), "{html}");
        assert!(html.contains("合格"), "{html}");
        assert!(html.contains("张专家、李专家"), "{html}");
        assert!(html.contains("人民币壹佰万元整"), "{html}");
    }
}
