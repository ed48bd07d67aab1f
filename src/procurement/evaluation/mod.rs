//! Evaluation and award (DOMAIN §5): the panel (评审委员会, an odd number ≥ 3, with 回避),
//! the evaluators' criterion scores, the ranking (综合评分法 with the 低价优先 price score, or
//! 最低评标价法, via [`crate::domain::scoring`]), the award with its result notice
//! (中标(成交)结果公告), and challenges (质疑) with their answers.
//!
//! 回避 rule: an evaluator is linked to a bidder when the evaluator's `users.contractor_id`
//! (the employer an evaluator may carry) is the contractor of a bid in the current tender.
//!
//! For the contract step: [`pending_challenge`] (a pending challenge blocks signing) and
//! [`active_award`].

pub mod model;
pub mod routes;
pub mod service;

pub use model::{AwardRow, active_award, pending_challenge};
