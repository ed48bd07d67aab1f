//! Projects: design (targets, groups, region, budget, period, method), the state machine
//! moves, and the intention notice.

pub mod model;
pub mod service;
