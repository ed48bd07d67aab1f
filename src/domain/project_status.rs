//! The project lifecycle (DOMAIN §5, API "Procurement"): from the draft through tendering,
//! evaluation, award and contract to the service and its end, with the exits `failed`,
//! `cancelled` and `terminated`.
//!
//! ```text
//! draft ──edit──▶ draft
//!   │ publish_intention
//!   ▼
//! intention_published
//!   │ publish_tender
//!   ▼
//! tendering ◀──────────── retender ──────────── failed
//!   │  │                                          ▲
//!   │  └──── fail (too few qualified bids) ───────┤
//!   │ open_bids                                   │
//!   ▼                                             │
//! evaluating ──── fail ───────────────────────────┘
//!   │ award   ▲
//!   ▼         │ uphold_challenge (质疑成立: evaluation re-opens)
//! awarded ────┘
//!   │ sign_contract
//!   ▼
//! contracted ── terminate ──┐
//!   │ start_service         │
//!   ▼                       ▼
//! in_service ── terminate ─▶ terminated
//!   │ complete
//!   ▼
//! completed
//!
//! draft | intention_published | tendering ── cancel ─▶ cancelled   (never after opening)
//! ```
//!
//! `completed`, `cancelled` and `terminated` are final. `failed` (废标/流标) is final unless
//! the project is re-tendered (`retender`, back to `tendering` with a new tender notice).
//! An upheld challenge that fails the procurement rather than re-opening evaluation is
//! `uphold_challenge` then `fail`, so the record shows both steps.

use crate::error::AppError;

/// Project status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectStatus {
    /// Being prepared by the officer; editable.
    Draft,
    /// The procurement intention (采购意向) is published.
    IntentionPublished,
    /// The tender notice is out; bids are sealed until the deadline.
    Tendering,
    /// Bids are opened; the panel is scoring.
    Evaluating,
    /// The winning bid is chosen and the award notice published; the challenge window runs.
    Awarded,
    /// The contract is signed.
    Contracted,
    /// The contracted service is being delivered.
    InService,
    /// The service period ended and the project is closed.
    Completed,
    /// The procurement failed (废标/流标); it may be re-tendered.
    Failed,
    /// Withdrawn before the bids were opened.
    Cancelled,
    /// The contract was terminated early.
    Terminated,
}

/// What can happen to a project's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAction {
    /// Change the draft (stays `draft`).
    Edit,
    /// Publish the procurement intention notice.
    PublishIntention,
    /// Publish the tender notice.
    PublishTender,
    /// Open the bids after the deadline with enough qualified bids.
    OpenBids,
    /// Fail the procurement: too few qualified bids at opening, or none acceptable in
    /// evaluation.
    Fail,
    /// Tender a failed procurement again.
    Retender,
    /// Award the contract to a bid.
    Award,
    /// A bidder's challenge (质疑) is upheld: evaluation re-opens.
    UpholdChallenge,
    /// Both parties have signed the contract.
    SignContract,
    /// The service period begins.
    StartService,
    /// The service period ends.
    Complete,
    /// Terminate the contract early.
    Terminate,
    /// Withdraw the project before the bids are opened.
    Cancel,
}

impl ProjectStatus {
    /// Every status.
    pub const ALL: [ProjectStatus; 11] = [
        ProjectStatus::Draft,
        ProjectStatus::IntentionPublished,
        ProjectStatus::Tendering,
        ProjectStatus::Evaluating,
        ProjectStatus::Awarded,
        ProjectStatus::Contracted,
        ProjectStatus::InService,
        ProjectStatus::Completed,
        ProjectStatus::Failed,
        ProjectStatus::Cancelled,
        ProjectStatus::Terminated,
    ];

    /// Stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Draft => "draft",
            ProjectStatus::IntentionPublished => "intention_published",
            ProjectStatus::Tendering => "tendering",
            ProjectStatus::Evaluating => "evaluating",
            ProjectStatus::Awarded => "awarded",
            ProjectStatus::Contracted => "contracted",
            ProjectStatus::InService => "in_service",
            ProjectStatus::Completed => "completed",
            ProjectStatus::Failed => "failed",
            ProjectStatus::Cancelled => "cancelled",
            ProjectStatus::Terminated => "terminated",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            ProjectStatus::Draft => "草稿",
            ProjectStatus::IntentionPublished => "已发布采购意向",
            ProjectStatus::Tendering => "招标中",
            ProjectStatus::Evaluating => "评审中",
            ProjectStatus::Awarded => "已确定中标人",
            ProjectStatus::Contracted => "已签订合同",
            ProjectStatus::InService => "服务中",
            ProjectStatus::Completed => "已完成",
            ProjectStatus::Failed => "采购失败",
            ProjectStatus::Cancelled => "已取消",
            ProjectStatus::Terminated => "已终止",
        }
    }
}

impl ProjectAction {
    /// Every action.
    pub const ALL: [ProjectAction; 13] = [
        ProjectAction::Edit,
        ProjectAction::PublishIntention,
        ProjectAction::PublishTender,
        ProjectAction::OpenBids,
        ProjectAction::Fail,
        ProjectAction::Retender,
        ProjectAction::Award,
        ProjectAction::UpholdChallenge,
        ProjectAction::SignContract,
        ProjectAction::StartService,
        ProjectAction::Complete,
        ProjectAction::Terminate,
        ProjectAction::Cancel,
    ];

    /// Code used in errors and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectAction::Edit => "edit",
            ProjectAction::PublishIntention => "publish_intention",
            ProjectAction::PublishTender => "publish_tender",
            ProjectAction::OpenBids => "open_bids",
            ProjectAction::Fail => "fail",
            ProjectAction::Retender => "retender",
            ProjectAction::Award => "award",
            ProjectAction::UpholdChallenge => "uphold_challenge",
            ProjectAction::SignContract => "sign_contract",
            ProjectAction::StartService => "start_service",
            ProjectAction::Complete => "complete",
            ProjectAction::Terminate => "terminate",
            ProjectAction::Cancel => "cancel",
        }
    }
}

/// The one transition function; an illegal move is `409 invalid_state`.
pub fn transition(from: ProjectStatus, action: ProjectAction) -> Result<ProjectStatus, AppError> {
    use ProjectAction as A;
    use ProjectStatus as S;
    let to = match (from, action) {
        (S::Draft, A::Edit) => S::Draft,
        (S::Draft, A::PublishIntention) => S::IntentionPublished,
        (S::IntentionPublished, A::PublishTender) | (S::Failed, A::Retender) => S::Tendering,
        (S::Tendering, A::OpenBids) | (S::Awarded, A::UpholdChallenge) => S::Evaluating,
        (S::Tendering, A::Fail) | (S::Evaluating, A::Fail) => S::Failed,
        (S::Evaluating, A::Award) => S::Awarded,
        (S::Awarded, A::SignContract) => S::Contracted,
        (S::Contracted, A::StartService) => S::InService,
        (S::InService, A::Complete) => S::Completed,
        (S::Contracted, A::Terminate) | (S::InService, A::Terminate) => S::Terminated,
        (S::Draft, A::Cancel) | (S::IntentionPublished, A::Cancel) | (S::Tendering, A::Cancel) => {
            S::Cancelled
        }
        _ => {
            return Err(AppError::InvalidState {
                from: from.as_str().to_owned(),
                action: action.as_str().to_owned(),
            });
        }
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProjectAction as A;
    use ProjectStatus as S;

    /// The legal moves, written out independently of `transition`; every pair not listed is
    /// `invalid_state`.
    const LEGAL: [(ProjectStatus, ProjectAction, ProjectStatus); 17] = [
        (S::Draft, A::Edit, S::Draft),
        (S::Draft, A::PublishIntention, S::IntentionPublished),
        (S::Draft, A::Cancel, S::Cancelled),
        (S::IntentionPublished, A::PublishTender, S::Tendering),
        (S::IntentionPublished, A::Cancel, S::Cancelled),
        (S::Tendering, A::OpenBids, S::Evaluating),
        (S::Tendering, A::Fail, S::Failed),
        (S::Tendering, A::Cancel, S::Cancelled),
        (S::Evaluating, A::Award, S::Awarded),
        (S::Evaluating, A::Fail, S::Failed),
        (S::Awarded, A::UpholdChallenge, S::Evaluating),
        (S::Awarded, A::SignContract, S::Contracted),
        (S::Contracted, A::StartService, S::InService),
        (S::Contracted, A::Terminate, S::Terminated),
        (S::InService, A::Complete, S::Completed),
        (S::InService, A::Terminate, S::Terminated),
        (S::Failed, A::Retender, S::Tendering),
    ];

    fn expected(from: ProjectStatus, action: ProjectAction) -> Option<ProjectStatus> {
        LEGAL
            .iter()
            .find(|(f, a, _)| *f == from && *a == action)
            .map(|(_, _, to)| *to)
    }

    #[test]
    fn every_pair() {
        let mut legal = 0;
        for from in S::ALL {
            for action in A::ALL {
                match (transition(from, action), expected(from, action)) {
                    (Ok(to), Some(want)) => {
                        assert_eq!(to, want, "{from:?} {action:?}");
                        legal += 1;
                    }
                    (Err(AppError::InvalidState { from: f, action: a }), None) => {
                        assert_eq!((f.as_str(), a.as_str()), (from.as_str(), action.as_str()));
                    }
                    (got, want) => panic!("{from:?} {action:?}: got {got:?}, want {want:?}"),
                }
            }
        }
        assert_eq!(legal, LEGAL.len());
        assert_eq!(S::ALL.len() * A::ALL.len(), 143);
    }

    #[test]
    fn final_states_allow_nothing() {
        for from in [S::Completed, S::Cancelled, S::Terminated] {
            for action in A::ALL {
                assert!(transition(from, action).is_err(), "{from:?} {action:?}");
            }
        }
    }

    #[test]
    fn no_cancel_after_opening() {
        for from in [
            S::Evaluating,
            S::Awarded,
            S::Contracted,
            S::InService,
            S::Failed,
        ] {
            assert!(transition(from, A::Cancel).is_err(), "{from:?}");
        }
    }

    #[test]
    fn happy_path_reaches_completed() {
        let path = [
            (A::Edit, S::Draft),
            (A::PublishIntention, S::IntentionPublished),
            (A::PublishTender, S::Tendering),
            (A::OpenBids, S::Evaluating),
            (A::Award, S::Awarded),
            (A::UpholdChallenge, S::Evaluating),
            (A::Award, S::Awarded),
            (A::SignContract, S::Contracted),
            (A::StartService, S::InService),
            (A::Complete, S::Completed),
        ];
        let mut status = S::Draft;
        for (action, want) in path {
            status = transition(status, action).expect("an allowed transition");
            assert_eq!(status, want, "{action:?}");
        }
    }

    #[test]
    fn failed_procurement_can_be_retendered() {
        let failed = transition(S::Tendering, A::Fail).expect("an allowed transition");
        assert_eq!(failed, S::Failed);
        assert_eq!(
            transition(failed, A::Retender).expect("an allowed transition"),
            S::Tendering
        );
    }

    #[test]
    fn codes_round_trip_and_are_distinct() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
            assert!(!s.label().is_empty());
        }
        assert_eq!(S::parse("open"), None);
        assert_eq!(S::parse("Draft"), None);
        let mut codes: Vec<_> = A::ALL.iter().map(|a| a.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), A::ALL.len());
        let mut labels: Vec<_> = S::ALL.iter().map(|s| s.label()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), S::ALL.len());
    }

    #[test]
    fn labels() {
        assert_eq!(S::Draft.label(), "草稿");
        assert_eq!(S::IntentionPublished.label(), "已发布采购意向");
        assert_eq!(S::Awarded.label(), "已确定中标人");
        assert_eq!(S::Failed.label(), "采购失败");
        assert_eq!(S::Terminated.label(), "已终止");
    }
}
