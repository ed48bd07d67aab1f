//! The email templates, `templates/email/<name>/{subject,body}.txt` (askama, plain text,
//! Chinese). Each email has one context struct; its subject and body templates read it as
//! `v`. Every value is already formatted (dates, amounts) by [`super::events`].

use askama::Template;

/// A rendered email: one-line subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject on one line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

/// An email context with its templates.
pub trait Email {
    /// The template directory under `templates/email/`.
    const NAME: &'static str;
    /// Renders subject and body.
    fn render(&self) -> Result<Rendered, askama::Error>;
}

/// Joins the lines of a rendered subject into one line (a template's line breaks must never
/// become header folding).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Defines an email context struct and its subject and body templates.
macro_rules! email {
    (
        $(#[$meta:meta])*
        $name:ident, $module:ident, $dir:tt, $subject:tt, $body:tt,
        { $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        mod $module {
            use askama::Template;

            #[derive(Template)]
            #[template(path = $subject)]
            pub(super) struct Subject<'a> {
                pub(super) v: &'a super::$name,
            }

            #[derive(Template)]
            #[template(path = $body)]
            pub(super) struct Body<'a> {
                pub(super) v: &'a super::$name,
            }
        }

        impl Email for $name {
            const NAME: &'static str = $dir;
            fn render(&self) -> Result<Rendered, askama::Error> {
                Ok(Rendered {
                    subject: one_line(&$module::Subject { v: self }.render()?),
                    body: $module::Body { v: self }.render()?,
                })
            }
        }
    };
}

email!(
    /// A tender in a domain the contractor serves (or to which it is invited).
    TenderPublished, tender_published, "tender_published",
    "email/tender_published/subject.txt", "email/tender_published/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Project title.
        project_title: String,
        /// Project number.
        project_number: String,
        /// The purchaser.
        purchaser_name: String,
        /// Bid deadline, Shanghai time.
        bid_deadline: String,
        /// Maximum price, e.g. `¥1,000,000.00`.
        max_price: String,
        /// Whether the contractor is invited (invitation tender).
        invited: bool,
    }
);

email!(
    /// The receipt of a submitted (or replaced) bid.
    BidReceived, bid_received, "bid_received",
    "email/bid_received/subject.txt", "email/bid_received/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Project title.
        project_title: String,
        /// Project number.
        project_number: String,
        /// The receipt (SHA-256 of the sealed bid).
        receipt_sha256: String,
        /// When it was submitted, Shanghai time.
        submitted_at: String,
        /// Bid deadline, Shanghai time.
        bid_deadline: String,
    }
);

email!(
    /// The bids of a project were opened (to its officers).
    BidsOpened, bids_opened, "bids_opened",
    "email/bids_opened/subject.txt", "email/bids_opened/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Project title.
        project_title: String,
        /// Project number.
        project_number: String,
        /// When, Shanghai time.
        opened_at: String,
        /// Bids opened.
        bids: usize,
        /// Bids that passed the qualification check.
        qualified: usize,
        /// The failure (废标) reason when too few qualified.
        failed_reason: Option<String>,
    }
);

email!(
    /// A bidder's qualification result at opening.
    BidQualification, bid_qualification, "bid_qualification",
    "email/bid_qualification/subject.txt", "email/bid_qualification/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Project title.
        project_title: String,
        /// Project number.
        project_number: String,
        /// Whether the bid passed.
        qualified: bool,
        /// Why not.
        reasons: Vec<String>,
    }
);

email!(
    /// To the winning bidder.
    AwardWon, award_won, "award_won",
    "email/award_won/subject.txt", "email/award_won/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Project title.
        project_title: String,
        /// Project number.
        project_number: String,
        /// Awarded price.
        price: String,
        /// Last day for challenges.
        challenge_deadline: String,
        /// Last day to sign the contract.
        signing_deadline: String,
    }
);

email!(
    /// To every other bidder.
    AwardLost, award_lost, "award_lost",
    "email/award_lost/subject.txt", "email/award_lost/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Project title.
        project_title: String,
        /// Project number.
        project_number: String,
        /// The winner.
        winner_name: String,
        /// The winner's price.
        winner_price: String,
        /// Last day for challenges.
        challenge_deadline: String,
    }
);

email!(
    /// A challenge was filed (to the officers).
    ChallengeFiled, challenge_filed, "challenge_filed",
    "email/challenge_filed/subject.txt", "email/challenge_filed/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Project title.
        project_title: String,
        /// Project number.
        project_number: String,
        /// Who filed it.
        challenger_name: String,
        /// The grounds.
        grounds: String,
        /// Last day to answer.
        answer_due: String,
    }
);

email!(
    /// The answer to a challenge (to the challenger and the other bidders).
    ChallengeAnswered, challenge_answered, "challenge_answered",
    "email/challenge_answered/subject.txt", "email/challenge_answered/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Project title.
        project_title: String,
        /// Project number.
        project_number: String,
        /// Who filed it.
        challenger_name: String,
        /// Whether the recipient's organization filed it.
        is_challenger: bool,
        /// Upheld (成立) or rejected.
        upheld: bool,
        /// The answer.
        answer: String,
        /// What follows for the procurement.
        consequence: String,
    }
);

email!(
    /// A drafted contract waits for the contractor's signature.
    ContractToSign, contract_to_sign, "contract_to_sign",
    "email/contract_to_sign/subject.txt", "email/contract_to_sign/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Contract number.
        contract_number: String,
        /// Contract subject.
        subject: String,
        /// The purchaser.
        purchaser_name: String,
        /// Amount.
        amount: String,
        /// Last day to sign.
        signing_deadline: String,
    }
);

email!(
    /// Both parties signed.
    ContractSigned, contract_signed, "contract_signed",
    "email/contract_signed/subject.txt", "email/contract_signed/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Contract number.
        contract_number: String,
        /// Contract subject.
        subject: String,
        /// Amount.
        amount: String,
        /// Service period.
        service_period: String,
    }
);

email!(
    /// A monthly report was returned.
    ReportReturned, report_returned, "report_returned",
    "email/report_returned/subject.txt", "email/report_returned/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Contract number.
        contract_number: String,
        /// Contract subject.
        subject: String,
        /// `YYYY-MM`.
        period: String,
        /// The reviewer's comment.
        comment: String,
    }
);

email!(
    /// Last month's report is missing.
    ReportMissing, report_missing, "report_missing",
    "email/report_missing/subject.txt", "email/report_missing/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Contract number.
        contract_number: String,
        /// Contract subject.
        subject: String,
        /// `YYYY-MM`.
        period: String,
    }
);

email!(
    /// The recipient was assigned to a performance evaluation.
    EvaluationAssigned, evaluation_assigned, "evaluation_assigned",
    "email/evaluation_assigned/subject.txt", "email/evaluation_assigned/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Contract number.
        contract_number: String,
        /// Contract subject.
        subject: String,
        /// The contractor evaluated.
        contractor_name: String,
        /// 中期评价 / 终期评价.
        kind_label: String,
    }
);

email!(
    /// A performance evaluation was graded.
    EvaluationGraded, evaluation_graded, "evaluation_graded",
    "email/evaluation_graded/subject.txt", "email/evaluation_graded/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Contract number.
        contract_number: String,
        /// Contract subject.
        subject: String,
        /// 中期评价 / 终期评价.
        kind_label: String,
        /// Total score.
        total: String,
        /// 优秀 / 良好 / 合格 / 不合格.
        grade_label: String,
        /// What follows (payments, bars, priority).
        consequences: Vec<String>,
    }
);

email!(
    /// An installment became due (to the officers).
    PaymentDue, payment_due, "payment_due",
    "email/payment_due/subject.txt", "email/payment_due/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Contract number.
        contract_number: String,
        /// Contract subject.
        subject: String,
        /// The contractor to pay.
        contractor_name: String,
        /// Installment name.
        installment_name: String,
        /// Amount payable.
        amount: String,
    }
);

email!(
    /// An installment was paid (to the contractor).
    PaymentPaid, payment_paid, "payment_paid",
    "email/payment_paid/subject.txt", "email/payment_paid/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Contract number.
        contract_number: String,
        /// Contract subject.
        subject: String,
        /// Installment name.
        installment_name: String,
        /// Amount paid.
        amount: String,
        /// When, Shanghai date.
        paid_on: String,
    }
);

email!(
    /// A notice is due tomorrow, today, or overdue (to the officers).
    NoticeReminder, notice_reminder, "notice_reminder",
    "email/notice_reminder/subject.txt", "email/notice_reminder/body.txt",
    {
        /// Recipient's name.
        name: String,
        /// Project title.
        title: String,
        /// Legal due date.
        due_by: String,
        /// 明日到期 / 今日到期 / 已逾期.
        state_word: String,
        /// The site, for the link.
        base_url: String,
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_one_line_and_bodies_carry_the_values() {
        let email = AwardLost {
            name: "马主任".to_owned(),
            project_title: "兴庆区<困难群众>服务项目".to_owned(),
            project_number: "XQ-2026-001".to_owned(),
            winner_name: "银川市第1社会工作服务中心".to_owned(),
            winner_price: "¥900,000.00".to_owned(),
            challenge_deadline: "2026年5月6日".to_owned(),
        };
        let rendered = email.render().expect("render");
        assert_eq!(rendered.subject, "【中标结果告知】兴庆区<困难群众>服务项目");
        assert!(!rendered.subject.contains('\n'));
        // Plain text: nothing is HTML-escaped.
        assert!(rendered.body.contains("兴庆区<困难群众>服务项目"));
        assert!(rendered.body.contains("2026年5月6日"));
        assert!(rendered.body.starts_with("马主任："), "{}", rendered.body);
    }

    #[test]
    fn every_template_renders() {
        let graded = EvaluationGraded {
            name: "王".to_owned(),
            contract_number: "HT".to_owned(),
            subject: "服务".to_owned(),
            kind_label: "终期评价".to_owned(),
            total: "85.00".to_owned(),
            grade_label: "良好".to_owned(),
            consequences: vec!["尾款全额支付。".to_owned()],
        }
        .render()
        .expect("render");
        assert_eq!(graded.subject, "【绩效评价结果】合同 HT 终期评价：良好");
        assert!(graded.body.contains("尾款全额支付。"));
        let qualification = BidQualification {
            name: "王".to_owned(),
            project_title: "项目".to_owned(),
            project_number: "N".to_owned(),
            qualified: false,
            reasons: vec!["专职人员不足".to_owned()],
        }
        .render()
        .expect("render");
        assert_eq!(qualification.subject, "【资格审查结果】项目：不合格");
        let opened = |failed_reason: Option<String>| {
            BidsOpened {
                name: "王经办".to_owned(),
                project_title: "项目".to_owned(),
                project_number: "N".to_owned(),
                opened_at: "2026年4月21日 10:00".to_owned(),
                bids: 2,
                qualified: 1,
                failed_reason,
            }
            .render()
            .expect("render")
            .body
        };
        let failed = opened(Some("合格投标不足 3 家，采购失败（废标）".to_owned()));
        assert!(failed.contains("废标公告已发布"), "{failed}");
        assert!(!failed.contains("评审委员会"), "{failed}");
        let going_on = opened(None);
        assert!(going_on.contains("请组织评审委员会评审"), "{going_on}");
        assert!(going_on.contains("资格审查合格：1 份"), "{going_on}");
        assert!(qualification.body.contains("专职人员不足"));
    }
}
