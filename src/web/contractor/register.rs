//! `/register`: self-registration of an organization and its first user, without login — the
//! same input and service as `POST /api/v1/contractors/register`. The form's CSRF token is
//! bound to the pre-session nonce of the login form.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

use super::fields::{self, Flag};
use crate::app::AppState;
use crate::contractors::service;
use crate::error::{AppError, AppResult};
use crate::web::csrf::{self, CsrfForm};
use crate::web::flash::Flash;
use crate::web::form::{FormData, FormState, Options, see_other};

/// Shown on the login page after a registration.
pub const REGISTERED: Flash = Flash::new(
    "contractor_registered",
    "注册成功，待审核。请用新账号登录查看资质审查结果；民政部门审核认定后方可投标。",
);

#[derive(Template)]
#[template(path = "workspace/contractor/register.html")]
struct RegisterPage {
    csrf: String,
    form: FormState,
    kinds: Options,
    domains: Options,
    flags: Vec<Flag>,
    other_errors: Vec<String>,
}

fn render(req: &HttpRequest, state: &AppState, form: FormState) -> AppResult<HttpResponse> {
    let (nonce, new_cookie) = csrf::login_nonce(req, state);
    let shown: Vec<&str> = fields::SHOWN
        .iter()
        .chain(fields::ACCOUNT.iter())
        .copied()
        .collect();
    let page = RegisterPage {
        csrf: csrf::token_for(&nonce),
        other_errors: form.errors_except(&shown),
        kinds: fields::kind_options(),
        domains: fields::domain_options(),
        flags: fields::flags(&form),
        form,
    };
    let body = page.render().map_err(AppError::internal)?;
    let status = if page.form.has_errors() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"));
    if let Some(cookie) = new_cookie {
        response.cookie(cookie);
    }
    Ok(response.body(body))
}

/// `GET /register`: the registration form.
#[get("/register")]
pub async fn register_form(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let form = FormState::with_values([
        ("kind", "social_organization"),
        ("has_financial_system", "true"),
        ("has_tax_social_security_record", "true"),
        ("declares_no_major_violation", "true"),
    ]);
    render(&req, &state, form)
}

/// `POST /register`: registers the organization (`pending`) and its first user, then sends
/// the browser to `/login` with a message; refused input is shown again with the service's
/// Chinese messages next to the fields (`422`), and nothing is written.
#[post("/register")]
pub async fn register_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    let account = fields::account(&data);
    if let Some(organization) = fields::parse(&mut form, &data) {
        let now = state.clock.now();
        let today = state.clock.today();
        let auth = state.settings.auth.clone();
        let result = state
            .db
            .run(move |conn| service::register(conn, now, today, &auth, &organization, &account))
            .await;
        match result {
            Ok(_) => return Ok(see_other("/login", REGISTERED)),
            Err(error) => form.absorb(error)?,
        }
    }
    render(&req, &state, form)
}
