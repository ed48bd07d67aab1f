//! The administrator's pages: users, catalog, regions, jobs (run now) and the outbox.

pub mod catalog;
pub mod jobs;
pub mod outbox;
pub mod regions;
pub mod users;

use actix_web::web;

use super::flash::Flash;
use crate::auth::{CurrentUser, Role};
use crate::error::AppResult;

/// The messages this module's redirects show.
pub const FLASHES: &[Flash] = &[
    users::USER_CREATED,
    users::USER_DEACTIVATED,
    users::USER_ACTIVATED,
    catalog::CATALOG_ITEM_CREATED,
    jobs::JOB_RUN_OK,
    jobs::JOB_RUN_FAILED,
    outbox::OUTBOX_RETRIED,
];

/// Registers this module's pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(users::users_page)
        .service(users::create_user)
        .service(users::set_active)
        .service(catalog::catalog_page)
        .service(catalog::create_item)
        .service(regions::regions_page)
        .service(jobs::jobs_page)
        .service(jobs::run_job)
        .service(outbox::outbox_page)
        .service(outbox::retry);
}

/// `403` unless the user is an admin (as the admin API).
fn admin(user: &CurrentUser) -> AppResult<()> {
    user.require_any(&[Role::Admin])
}
