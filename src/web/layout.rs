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
    match user.role {
        Role::Officer => items.push(("/app/projects".to_owned(), "本单位项目")),
        Role::Contractor => {
            if let Some(id) = user.contractor_id {
                items.push((format!("/contractors/{id}"), "本机构公开信息"));
            }
        }
        Role::Admin => items.push(("/api/docs/".to_owned(), "接口文档")),
        Role::Evaluator | Role::Auditor => {}
    }
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
        Box::pin(async move {
            match user.await {
                Ok(user) => Ok(PageUser(user)),
                Err(AppError::Unauthorized(_)) => {
                    let redirect = HttpResponse::SeeOther()
                        .insert_header(("Location", "/login"))
                        .finish();
                    Err(actix_web::error::InternalError::from_response("请先登录", redirect).into())
                }
                Err(other) => Err(other.into()),
            }
        })
    }
}
