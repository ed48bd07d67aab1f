//! Tenders: the tender notice with its deadline, maximum price, award method, criteria,
//! qualification requirements and invitations.

pub mod model;
pub mod service;
