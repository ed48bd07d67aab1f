//! The contractor qualification lifecycle: `pending → qualified | rejected`,
//! `qualified → suspended`, `suspended → qualified` (reinstated), and a changed key field
//! sends a qualified or rejected contractor back to `pending` for review.

use crate::error::AppError;

/// Qualification status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractorStatus {
    /// Registered, awaiting review.
    Pending,
    /// Approved; may bid.
    Qualified,
    /// Refused at review.
    Rejected,
    /// Qualified, then suspended.
    Suspended,
}

/// What can happen to a contractor's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractorAction {
    /// Review: approve (or reinstate a suspended contractor).
    Approve,
    /// Review: reject.
    Reject,
    /// Review: suspend a qualified contractor.
    Suspend,
    /// The owner changed a key field; review again.
    Resubmit,
}

impl ContractorStatus {
    /// Every status.
    pub const ALL: [ContractorStatus; 4] = [
        ContractorStatus::Pending,
        ContractorStatus::Qualified,
        ContractorStatus::Rejected,
        ContractorStatus::Suspended,
    ];

    /// Stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractorStatus::Pending => "pending",
            ContractorStatus::Qualified => "qualified",
            ContractorStatus::Rejected => "rejected",
            ContractorStatus::Suspended => "suspended",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            ContractorStatus::Pending => "待审核",
            ContractorStatus::Qualified => "已认定",
            ContractorStatus::Rejected => "未通过",
            ContractorStatus::Suspended => "已暂停",
        }
    }
}

impl ContractorAction {
    /// Every action.
    pub const ALL: [ContractorAction; 4] = [
        ContractorAction::Approve,
        ContractorAction::Reject,
        ContractorAction::Suspend,
        ContractorAction::Resubmit,
    ];

    /// Code used in errors and the API (`approve | reject | suspend`).
    pub fn as_str(self) -> &'static str {
        match self {
            ContractorAction::Approve => "approve",
            ContractorAction::Reject => "reject",
            ContractorAction::Suspend => "suspend",
            ContractorAction::Resubmit => "resubmit",
        }
    }
}

/// The one transition function; an illegal move is `409 invalid_state`.
pub fn transition(
    from: ContractorStatus,
    action: ContractorAction,
) -> Result<ContractorStatus, AppError> {
    use ContractorAction as A;
    use ContractorStatus as S;
    let to = match (from, action) {
        (S::Pending, A::Approve) | (S::Suspended, A::Approve) => S::Qualified,
        (S::Pending, A::Reject) => S::Rejected,
        (S::Qualified, A::Suspend) => S::Suspended,
        (S::Qualified, A::Resubmit) | (S::Rejected, A::Resubmit) | (S::Pending, A::Resubmit) => {
            S::Pending
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
    use ContractorAction as A;
    use ContractorStatus as S;

    #[test]
    fn every_pair() {
        let expected = |from, action| -> Option<ContractorStatus> {
            match (from, action) {
                (S::Pending, A::Approve) => Some(S::Qualified),
                (S::Pending, A::Reject) => Some(S::Rejected),
                (S::Pending, A::Suspend) => None,
                (S::Pending, A::Resubmit) => Some(S::Pending),
                (S::Qualified, A::Approve) => None,
                (S::Qualified, A::Reject) => None,
                (S::Qualified, A::Suspend) => Some(S::Suspended),
                (S::Qualified, A::Resubmit) => Some(S::Pending),
                (S::Rejected, A::Approve) => None,
                (S::Rejected, A::Reject) => None,
                (S::Rejected, A::Suspend) => None,
                (S::Rejected, A::Resubmit) => Some(S::Pending),
                (S::Suspended, A::Approve) => Some(S::Qualified),
                (S::Suspended, A::Reject) => None,
                (S::Suspended, A::Suspend) => None,
                (S::Suspended, A::Resubmit) => None,
            }
        };
        for from in S::ALL {
            for action in A::ALL {
                match (transition(from, action), expected(from, action)) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from:?} {action:?}"),
                    (Err(AppError::InvalidState { from: f, action: a }), None) => {
                        assert_eq!((f.as_str(), a.as_str()), (from.as_str(), action.as_str()));
                    }
                    (got, want) => panic!("{from:?} {action:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn codes_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert_eq!(S::parse("approved"), None);
    }
}
