//! The evaluator's pages: assigned panels with a score sheet per bid, assigned performance evaluations with a score sheet per indicator.

pub mod evaluations;
pub mod panels;

use actix_web::web;

use super::flash::Flash;

/// The messages this module's redirects show.
pub const FLASHES: &[Flash] = &[
    panels::SCORES_SAVED,
    evaluations::EVALUATION_SCORED,
    evaluations::SUPERVISION_RECORDED,
];

/// Registers this module's pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(panels::panels_page)
        .service(panels::panel_page)
        .service(panels::score_bid)
        .service(panels::bid_document)
        .service(evaluations::evaluations_page)
        .service(evaluations::evaluation_page)
        .service(evaluations::score_evaluation)
        .service(evaluations::record_supervision);
}
