//! The five roles and their Chinese labels.

use serde::{Deserialize, Serialize};

/// A user's role (API.md "Roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Users, reference data, jobs.
    Admin,
    /// A purchaser's procurement officer (民政部门采购经办人).
    Officer,
    /// A contractor's user (承接主体).
    Contractor,
    /// Panel member or third-party evaluator (评审专家).
    Evaluator,
    /// Read-only oversight (财政、纪检、审计).
    Auditor,
}

impl Role {
    /// All roles.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Officer,
        Role::Contractor,
        Role::Evaluator,
        Role::Auditor,
    ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
            Role::Contractor => "contractor",
            Role::Evaluator => "evaluator",
            Role::Auditor => "auditor",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Officer => "采购经办人",
            Role::Contractor => "承接主体",
            Role::Evaluator => "评审专家",
            Role::Auditor => "监督审计",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
