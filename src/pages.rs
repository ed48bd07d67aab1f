//! Server-rendered pages of this foundation: login/logout with the HttpOnly session cookie
//! (both forms CSRF-protected, see [`crate::web::csrf`]), and the Chinese error page used for
//! every non-API error. The workspace behind the login is [`crate::web`]; the public site
//! (home, notices, projects, statistics) is [`crate::public`].

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::auth::service;
use crate::auth::tokens::TokenKind;
use crate::error::{AppError, AppResult};
use crate::web::csrf::{self, CsrfForm};
use crate::web::flash::{self, Flash};
use crate::web::layout::is_local_path;

#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorPage<'a> {
    heading: &'a str,
    message: &'a str,
    code: &'a str,
    status: u16,
}

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage<'a> {
    error: Option<&'a str>,
    username: &'a str,
    csrf: &'a str,
    flash: Option<&'static str>,
    next: &'a str,
}

/// The Chinese heading of an error status.
fn heading(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "请求有误",
        401 => "请先登录",
        403 => "无权访问",
        404 => "页面不存在",
        409 => "操作冲突",
        413 => "内容过大",
        422 => "提交的内容有误",
        429 => "操作过于频繁",
        _ => "服务暂时不可用",
    }
}

/// Renders the error page for a status, code and public message.
pub fn error_page(status: StatusCode, code: &str, message: &str) -> String {
    ErrorPage {
        heading: heading(status),
        message,
        code,
        status: status.as_u16(),
    }
    .render()
    .unwrap_or_else(|_| format!("<!doctype html><title>{}</title><p>{}</p>", status, code))
}

fn render(template: &impl Template) -> AppResult<String> {
    template.render().map_err(AppError::internal)
}

/// The login form, with its CSRF token (bound to a pre-session nonce cookie) and a flash
/// message (e.g. after logout); `status` is 200, or the error's status when re-rendered.
fn login_page(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    error: Option<&str>,
    username: &str,
    next: &str,
) -> AppResult<HttpResponse> {
    let (nonce, new_cookie) = csrf::login_nonce(req, state);
    let (flash, flash_removal) = flash::take(req);
    let body = render(&LoginPage {
        error,
        username,
        csrf: &csrf::token_for(&nonce),
        flash,
        next: if is_local_path(next) { next } else { "" },
    })?;
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"));
    for cookie in [new_cookie, flash_removal].into_iter().flatten() {
        response.cookie(cookie);
    }
    Ok(response.body(body))
}

/// `GET /login?next=/app/…`: where to go after logging in.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Login form; `next` (a workspace path) is carried through the form.
#[get("/login")]
pub async fn login_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> AppResult<HttpResponse> {
    let next = query.into_inner().next.unwrap_or_default();
    login_page(&req, &state, StatusCode::OK, None, "", &next)
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// Logs in and sets the session cookie (HttpOnly, SameSite=Strict). The form's CSRF token is
/// checked first (403 without it).
#[post("/login")]
pub async fn login_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<LoginForm>,
) -> AppResult<HttpResponse> {
    let LoginForm {
        username,
        password,
        next,
    } = form.into_inner();
    let now = state.clock.now();
    let settings = state.settings.auth.clone();
    let name = username.clone();
    let result = state
        .db
        .run(move |conn| service::login(conn, &settings, now, &name, &password, TokenKind::Session))
        .await;
    match result {
        Ok((token, _user)) => {
            let cookie = Cookie::build(
                state.settings.auth.session_cookie_name.clone(),
                token.secret,
            )
            .path("/")
            .http_only(true)
            .secure(state.settings.auth.cookie_secure)
            .same_site(SameSite::Strict)
            .max_age(actix_web::cookie::time::Duration::hours(
                state.settings.auth.token_ttl_hours,
            ))
            .finish();
            Ok(HttpResponse::SeeOther()
                .insert_header((
                    "Location",
                    if is_local_path(&next) {
                        next.as_str()
                    } else {
                        "/app"
                    },
                ))
                .cookie(cookie)
                .cookie(Flash::LOGGED_IN.cookie())
                .finish())
        }
        Err(error @ (AppError::Unauthorized(_) | AppError::RateLimited { .. })) => {
            let status = actix_web::ResponseError::status_code(&error);
            let message = error.public_message();
            login_page(&req, &state, status, Some(&message), &username, &next)
        }
        Err(other) => Err(other),
    }
}

/// Ends the browser session (CSRF-checked).
#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    user: CurrentUser,
    _form: CsrfForm<serde::de::IgnoredAny>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    state
        .db
        .run(move |conn| service::logout(conn, user.token_id, now))
        .await?;
    let mut expired = Cookie::new(state.settings.auth.session_cookie_name.clone(), "");
    expired.set_path("/");
    expired.make_removal();
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/login"))
        .cookie(expired)
        .cookie(Flash::LOGGED_OUT.cookie())
        .finish())
}

/// Registers the pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login_form)
        .service(login_submit)
        .service(logout);
}
