//! The pure domain layer: rules that know no I/O (eligibility, qualification, state
//! machines, identifiers, money).

pub mod contract_status;
pub mod contractor_status;
pub mod eligibility;
pub mod grades;
pub mod ids;
pub mod installments;
pub mod money;
pub mod project_status;
pub mod qualification;
pub mod scoring;
