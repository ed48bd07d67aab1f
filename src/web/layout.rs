//! What every workspace page shares: the signed-in user, navigation by role, the CSRF token of
//! its forms and the flash message; and the `PageUser` extractor, which sends an anonymous
//! browser to `/login` instead of showing an error.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::Cookie;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;

use super::{csrf, flash};
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult};

/// One navigation link.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Target.
    pub href: String,
    /// Chinese label.
    pub label: &'static str,
    /// Whether it is the page being shown.
    pub current: bool,
}

/// The navigation of a role; `path` marks the current item.
pub fn nav(user: &CurrentUser, path: &str) -> Vec<NavItem> {
    let mut items: Vec<(String, &'static str)> = vec![("/app".to_owned(), "工作台")];
    let links: &[(&str, &'static str)] = match user.role {
        Role::Officer => &[
            ("/app/projects", "本单位项目"),
            ("/app/budgets", "预算"),
            ("/app/contracts", "合同与履约"),
        ],
        Role::Contractor => &[
            ("/app/organization", "本机构与资质"),
            ("/app/tenders", "可投标项目"),
            ("/app/bids", "我的投标"),
            ("/app/contracts", "合同与履约"),
        ],
        Role::Evaluator => &[
            ("/app/panels", "评审委员会"),
            ("/app/evaluations", "绩效评价"),
        ],
        Role::Auditor => &[
            ("/app/projects", "全部项目"),
            ("/app/budgets", "全部预算"),
            ("/app/contracts", "全部合同"),
            ("/app/audit", "审计日志"),
        ],
        Role::Admin => &[
            ("/app/admin/users", "用户"),
            ("/app/admin/catalog", "服务目录"),
            ("/app/admin/regions", "行政区划"),
            ("/app/admin/jobs", "定时任务"),
            ("/app/admin/outbox", "发件箱"),
        ],
    };
    items.extend(
        links
            .iter()
            .map(|(href, label)| ((*href).to_owned(), *label)),
    );
    items.push(("/notices".to_owned(), "信息公开"));
    items.push(("/stats".to_owned(), "统计"));
    items
        .into_iter()
        .map(|(href, label)| NavItem {
            current: href == path,
            href,
            label,
        })
        .collect()
}

/// The frame of a workspace page (`templates/workspace/layout.html`).
#[derive(Debug, Clone)]
pub struct Shell {
    /// The user's display name.
    pub display_name: String,
    /// The user's role in Chinese.
    pub role_label: &'static str,
    /// Navigation of the user's role.
    pub nav: Vec<NavItem>,
    /// The CSRF token every form of the page carries.
    pub csrf: String,
    /// A message from the previous step, shown once.
    pub flash: Option<&'static str>,
    flash_removal: Option<Cookie<'static>>,
}

impl Shell {
    /// The frame of the page at `req` for `user`.
    pub fn new(req: &HttpRequest, user: &CurrentUser) -> AppResult<Shell> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("AppState missing from app data")))?;
        let csrf = csrf::session_token(req, state).unwrap_or_default();
        let (flash, flash_removal) = flash::take(req);
        Ok(Shell {
            display_name: user.display_name.clone(),
            role_label: user.role.label(),
            nav: nav(user, req.path()),
            csrf,
            flash,
            flash_removal,
        })
    }

    /// Renders `page` as a `200` HTML response that is never cached and removes a shown
    /// flash message.
    pub fn respond(&self, page: &impl Template) -> AppResult<HttpResponse> {
        let body = page.render().map_err(AppError::internal)?;
        let mut response = HttpResponse::build(StatusCode::OK);
        response
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"));
        if let Some(cookie) = &self.flash_removal {
            response.cookie(cookie.clone());
        }
        Ok(response.body(body))
    }
}

/// A signed-in browser user; an anonymous or expired session is redirected (`303`) to
/// `/login`, other failures are the usual error page.
#[derive(Debug, Clone)]
pub struct PageUser(pub CurrentUser);

impl PageUser {
    /// `403 forbidden` (the Chinese error page) unless the user has one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> AppResult<()> {
        self.0.require_any(roles)
    }
}

impl FromRequest for PageUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let path = match req.query_string() {
            "" => req.path().to_owned(),
            query => format!("{}?{query}", req.path()),
        };
        Box::pin(async move {
            match user.await {
                Ok(user) => Ok(PageUser(user)),
                Err(AppError::Unauthorized(_)) => {
                    let redirect = HttpResponse::SeeOther()
                        .insert_header(("Location", login_location(&path)))
                        .finish();
                    Err(actix_web::error::InternalError::from_response("请先登录", redirect).into())
                }
                Err(other) => Err(other.into()),
            }
        })
    }
}

/// `/login?next=…`: where an anonymous browser is sent, to come back to `path` after login.
pub fn login_location(path: &str) -> String {
    if path == "/app" || !is_local_path(path) {
        return "/login".to_owned();
    }
    match serde_urlencoded::to_string([("next", path)]) {
        Ok(query) => format!("/login?{query}"),
        Err(_) => "/login".to_owned(),
    }
}

/// Whether `next` is a path of this site's workspace (so a login link cannot send the user
/// to another site: `//evil.example`, `https://…`, `/\\evil` are refused).
pub fn is_local_path(next: &str) -> bool {
    next.starts_with("/app")
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_workspace_paths_are_followed_after_login() {
        assert!(is_local_path("/app/projects/3?tab=bids"));
        assert!(!is_local_path("//evil.example/app"));
        assert!(!is_local_path("https://evil.example/app"));
        assert!(!is_local_path("/notices"));
        assert!(!is_local_path("/app\\evil"));
        assert_eq!(login_location("/app"), "/login");
        assert_eq!(
            login_location("/app/projects/3?tab=a b"),
            "/login?next=%2Fapp%2Fprojects%2F3%3Ftab%3Da+b"
        );
    }
}
