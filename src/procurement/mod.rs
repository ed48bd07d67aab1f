//! Procurement (购买程序, DOMAIN §5): budgets, projects, the intention and tender notices,
//! sealed bids with receipts, opening, the panel and its scores, award and challenges.
//! Method rules are data (`config/procurement.toml`, [`rules`]).

pub mod access;
pub mod bids;
pub mod budgets;
pub mod documents;
pub mod evaluation;
pub mod projects;
pub mod routes;
pub mod rules;
pub mod tenders;
