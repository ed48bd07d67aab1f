//! The officer's procurement pages: budgets, project create/edit, the project page
//! (`/app/projects/{id}`) with intention, tender set-up and documents, opening, panel, ranking,
//! award and challenges. Auditors and admins read the project page without its forms.

pub mod budgets;
pub mod project_form;
pub mod project_page;
pub mod project_steps;
pub mod shared;

use actix_web::web;

use super::flash::Flash;

/// The messages this module's redirects show.
pub const FLASHES: &[Flash] = &[
    budgets::BUDGET_CREATED,
    project_form::PROJECT_CREATED,
    project_form::PROJECT_UPDATED,
    project_steps::INTENTION_PUBLISHED,
    project_steps::PROJECT_CANCELLED,
    project_steps::DOCUMENT_UPLOADED,
    project_steps::TENDER_PUBLISHED,
    project_steps::BIDS_OPENED,
    project_steps::BIDS_OPENED_FAILED,
    project_steps::PANEL_SET,
    project_steps::PROJECT_AWARDED,
    project_steps::CHALLENGE_ANSWERED,
];

/// Registers this module's pages (`/app/projects/new` before `/app/projects/{id}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(budgets::budgets_page)
        .service(budgets::create_budget)
        .service(project_form::new_project_page)
        .service(project_form::create_project)
        .service(project_form::edit_project_page)
        .service(project_form::update_project)
        .service(project_page::project_page)
        .service(project_steps::publish_intention)
        .service(project_steps::cancel_project)
        .service(project_steps::upload_document)
        .service(project_steps::publish_tender)
        .service(project_steps::open_bids)
        .service(project_steps::set_panel)
        .service(project_steps::award)
        .service(project_steps::answer_challenge);
}
