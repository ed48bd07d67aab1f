//! The contract lifecycle (DOMAIN §6): `draft → active` when both parties have signed,
//! `active → terminated` (early termination with a reason) or `active → completed` (final
//! evaluation graded and every installment settled). `terminated` and `completed` are final.

use crate::error::AppError;

/// Contract status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractStatus {
    /// Drafted by the purchaser; awaiting the signatures.
    Draft,
    /// Signed by both parties; the service is delivered under it.
    Active,
    /// Terminated early.
    Terminated,
    /// Performed and settled.
    Completed,
}

/// What can happen to a contract's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractAction {
    /// The second party signed.
    Activate,
    /// Terminate early.
    Terminate,
    /// The final evaluation is graded and every installment paid or withheld.
    Complete,
}

impl ContractStatus {
    /// Every status.
    pub const ALL: [ContractStatus; 4] = [
        ContractStatus::Draft,
        ContractStatus::Active,
        ContractStatus::Terminated,
        ContractStatus::Completed,
    ];

    /// Stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractStatus::Draft => "draft",
            ContractStatus::Active => "active",
            ContractStatus::Terminated => "terminated",
            ContractStatus::Completed => "completed",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            ContractStatus::Draft => "待签订",
            ContractStatus::Active => "履行中",
            ContractStatus::Terminated => "已终止",
            ContractStatus::Completed => "已履行完毕",
        }
    }
}

impl ContractAction {
    /// Every action.
    pub const ALL: [ContractAction; 3] = [
        ContractAction::Activate,
        ContractAction::Terminate,
        ContractAction::Complete,
    ];

    /// Code used in errors.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractAction::Activate => "activate",
            ContractAction::Terminate => "terminate",
            ContractAction::Complete => "complete",
        }
    }
}

/// The one transition function; an illegal move is `409 invalid_state`.
pub fn transition(
    from: ContractStatus,
    action: ContractAction,
) -> Result<ContractStatus, AppError> {
    use ContractAction as A;
    use ContractStatus as S;
    match (from, action) {
        (S::Draft, A::Activate) => Ok(S::Active),
        (S::Active, A::Terminate) => Ok(S::Terminated),
        (S::Active, A::Complete) => Ok(S::Completed),
        _ => Err(AppError::InvalidState {
            from: from.as_str().to_owned(),
            action: action.as_str().to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContractAction as A;
    use ContractStatus as S;

    /// The legal moves, written out independently of `transition`.
    const LEGAL: [(ContractStatus, ContractAction, ContractStatus); 3] = [
        (S::Draft, A::Activate, S::Active),
        (S::Active, A::Terminate, S::Terminated),
        (S::Active, A::Complete, S::Completed),
    ];

    #[test]
    fn every_pair() {
        let mut legal = 0;
        for from in S::ALL {
            for action in A::ALL {
                let want = LEGAL
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                match (transition(from, action), want) {
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
        assert_eq!(S::ALL.len() * A::ALL.len(), 12);
    }

    #[test]
    fn codes_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
            assert!(!s.label().is_empty());
        }
        assert_eq!(S::parse("signed"), None);
    }
}
