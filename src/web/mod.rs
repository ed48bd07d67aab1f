//! The browser workspace (issue 8): the shared frame of its pages (`layout`: navigation by
//! role, `PageUser`), CSRF tokens on every form (`csrf`), one-time flash messages (`flash`),
//! form parsing and re-rendering with errors (`form`), its style sheet and script (`assets`),
//! file uploads from forms with their CSRF token (`upload`), and the pages by role: `dashboard` (`/app`), `officer`, `contracts` (both parties),
//! `contractor`, `evaluator`, `auditor`, `admin`. Login and logout stay in [`crate::pages`]
//! and use `csrf` and `flash` from here. Every page calls the same services as the JSON API.

pub mod admin;
pub mod assets;
pub mod auditor;
pub mod contractor;
pub mod contracts;
pub mod csrf;
pub mod dashboard;
pub mod evaluator;
pub mod flash;
pub mod form;
pub mod layout;
pub mod officer;
pub mod upload;

use actix_web::web;

/// Registers the workspace pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(assets::workspace_css)
        .service(assets::workspace_js)
        .service(dashboard::workspace)
        .service(dashboard::projects_page)
        .configure(officer::configure)
        .configure(contracts::configure)
        .configure(contractor::configure)
        .configure(evaluator::configure)
        .configure(auditor::configure)
        .configure(admin::configure);
}
