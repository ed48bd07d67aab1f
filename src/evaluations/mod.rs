//! Performance evaluation (DOMAIN §7): mid-term and final evaluations, assigned evaluators,
//! indicator scores, grades, and their feedback into payments and eligibility.
//!
//! - [`model`]: rows and queries, the kinds and when each falls due.
//! - [`service`]: opening (job and officer), evaluators with 回避, score sheets, grading with
//!   the result notice.
//! - [`feedback`]: what a grade does to the installments, the bar and the priority mark.
//! - [`jobs`]: the daily `create_evaluations` job.
//! - [`routes`]: `/api/v1/contracts/{id}/evaluations`, `/api/v1/evaluations/{id}…`.

pub mod feedback;
pub mod jobs;
pub mod model;
pub mod routes;
pub mod service;
