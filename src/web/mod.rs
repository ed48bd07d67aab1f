//! The browser workspace (issue 8): the shared frame of its pages (`layout`: navigation by
//! role, `PageUser`), CSRF tokens on every form (`csrf`), one-time flash messages (`flash`),
//! and the pages themselves (`dashboard`: `/app`, `/app/projects`). Login and logout stay in
//! [`crate::pages`] and use `csrf` and `flash` from here.

pub mod csrf;
pub mod dashboard;
pub mod flash;
pub mod layout;

use actix_web::web;

/// Registers the workspace pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(dashboard::workspace)
        .service(dashboard::projects_page);
}
