//! `/app/admin/users`: every account with its role and organization, the form that creates
//! one — checked and stored exactly as `POST /api/v1/users` ([`CreateUserRequest::check`],
//! [`service::create_user`], audited) — and, per account, deactivation and reactivation as
//! `PUT /api/v1/users/{id}/active` ([`service::set_active`]).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::admin;
use crate::app::AppState;
use crate::auth::model::{self as users_model, UserRow};
use crate::auth::service::{self, CreateUserRequest};
use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult};
use crate::public::shanghai_minutes;
use crate::web::csrf::CsrfForm;
use crate::web::flash::Flash;
use crate::web::form::{FormData, FormState, Options, see_other};
use crate::web::layout::{PageUser, Shell};

/// Shown after a user is created.
pub const USER_CREATED: Flash = Flash::new("user_created", "用户已创建。");

/// Shown after an account is deactivated.
pub const USER_DEACTIVATED: Flash =
    Flash::new("user_deactivated", "账号已停用，其登录会话已全部失效。");

/// Shown after an account is reactivated.
pub const USER_ACTIVATED: Flash = Flash::new("user_activated", "账号已重新启用。");

/// Users per page.
const PER_PAGE: i64 = 50;

/// The most organizations a link select offers.
const MAX_OPTIONS: i64 = 1000;

/// One user as listed.
#[derive(Debug, Clone)]
pub struct UserLine {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role in Chinese.
    pub role: &'static str,
    /// The linked purchaser or contractor, with a link to its public page when there is one.
    pub organization: Option<(String, Option<String>)>,
    /// Email.
    pub email: String,
    /// Whether the account may log in.
    pub active: bool,
    /// Created (Beijing time).
    pub created_at: String,
}

#[derive(Template)]
#[template(path = "workspace/admin/users.html")]
struct UsersPage {
    shell: Shell,
    users: Vec<UserLine>,
    total: i64,
    page: i64,
    pages: i64,
    roles: Options,
    purchasers: Options,
    contractors: Options,
    form: FormState,
    /// Refusal of a deactivation or reactivation, shown above the list.
    status_form: FormState,
}

/// `?page=`.
#[derive(Debug, Deserialize)]
pub struct PageParam {
    /// Page from 1.
    pub page: Option<i64>,
}

struct Lists {
    users: Vec<UserRow>,
    total: i64,
    purchasers: Vec<(i64, String)>,
    contractors: Vec<(i64, String)>,
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    page: i64,
    (form, status_form): (FormState, FormState),
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let page = page.max(1);
    let lists = state
        .db
        .run(move |conn| {
            let (users, total) =
                users_model::list(conn, (page - 1).saturating_mul(PER_PAGE), PER_PAGE)?;
            let purchasers = crate::purchasers::model::list(conn, 0, MAX_OPTIONS)?
                .0
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect();
            let contractors = crate::contractors::model::list(conn, None, 0, MAX_OPTIONS)?
                .0
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect();
            Ok(Lists {
                users,
                total,
                purchasers,
                contractors,
            })
        })
        .await?;
    let purchaser_names: HashMap<i64, &String> =
        lists.purchasers.iter().map(|(id, n)| (*id, n)).collect();
    let contractor_names: HashMap<i64, &String> =
        lists.contractors.iter().map(|(id, n)| (*id, n)).collect();
    let users = lists
        .users
        .iter()
        .map(|u| {
            let organization = match (u.purchaser_id, u.contractor_id) {
                (Some(p), _) => Some((
                    purchaser_names
                        .get(&p)
                        .map_or_else(|| format!("采购人 {p}"), |n| format!("采购人：{n}")),
                    None,
                )),
                (None, Some(c)) => Some((
                    contractor_names
                        .get(&c)
                        .map_or_else(|| format!("承接主体 {c}"), |n| format!("承接主体：{n}")),
                    Some(format!("/contractors/{c}")),
                )),
                (None, None) => None,
            };
            UserLine {
                id: u.id,
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                role: u.role().map_or("未知角色", Role::label),
                organization,
                email: u.email.clone(),
                active: u.active,
                created_at: shanghai_minutes(u.created_at),
            }
        })
        .collect();
    let to_options = |items: &[(i64, String)]| -> Options {
        items
            .iter()
            .map(|(id, name)| (id.to_string(), format!("{name}（{id}）")))
            .collect()
    };
    let shell = Shell::new(req, user)?;
    let mut response = shell.respond(&UsersPage {
        shell: shell.clone(),
        users,
        total: lists.total,
        page,
        pages: ((lists.total + PER_PAGE - 1) / PER_PAGE).max(1),
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
            .collect(),
        purchasers: to_options(&lists.purchasers),
        contractors: to_options(&lists.contractors),
        form,
        status_form,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /app/admin/users`.
#[get("/app/admin/users")]
pub async fn users_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    query: web::Query<PageParam>,
) -> AppResult<HttpResponse> {
    admin(&user.0)?;
    let page = query.page.unwrap_or(1);
    render(
        &req,
        &state,
        &user.0,
        page,
        (FormState::new(), FormState::new()),
        StatusCode::OK,
    )
    .await
}

/// An optional id select: `None` when blank, an error when not a number.
fn optional_id(form: &mut FormState, data: &FormData, name: &str) -> Result<Option<i64>, ()> {
    match form.optional(data, name) {
        None => Ok(None),
        Some(text) => match text.parse::<i64>() {
            Ok(id) => Ok(Some(id)),
            Err(_) => {
                form.error(name, "请从列表中选择");
                Err(())
            }
        },
    }
}

/// `POST /app/admin/users`: creates a user.
#[post("/app/admin/users")]
pub async fn create_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    admin(&user)?;
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    let username = form.required(&data, "username", "用户名");
    let display_name = form.required(&data, "display_name", "姓名或名称");
    let email = form.required(&data, "email", "邮箱");
    let password = form.required(&data, "password", "初始密码");
    let role = match form.optional(&data, "role") {
        None => {
            form.error("role", "请选择角色");
            None
        }
        Some(code) => {
            let role = Role::parse(&code);
            if role.is_none() {
                form.error("role", "未知角色");
            }
            role
        }
    };
    let purchaser_id = optional_id(&mut form, &data, "purchaser_id");
    let contractor_id = optional_id(&mut form, &data, "contractor_id");
    if let (
        Some(username),
        Some(display_name),
        Some(email),
        Some(password),
        Some(role),
        Ok(purchaser_id),
        Ok(contractor_id),
    ) = (
        username,
        display_name,
        email,
        password,
        role,
        purchaser_id,
        contractor_id,
    ) {
        let request = CreateUserRequest {
            username,
            password,
            role,
            display_name,
            email,
            purchaser_id,
            contractor_id,
        };
        let result = match request.check(&state.settings.auth) {
            Ok(()) => {
                let actor = user.actor(state.clock.now());
                state
                    .db
                    .run(move |conn| service::create_user(conn, &actor, &request))
                    .await
                    .map(|_| ())
            }
            Err(error) => Err(error),
        };
        match result {
            Ok(()) => return Ok(see_other("/app/admin/users", USER_CREATED)),
            // The only conflict is a username in use: say so next to it.
            Err(AppError::Conflict(message)) => form.error("username", message),
            Err(error) => form.absorb(error)?,
        }
    }
    // A password is never sent back.
    form.set("password", "");
    render(
        &req,
        &state,
        &user,
        1,
        (form, FormState::new()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `POST /app/admin/users/{id}/active` (`active` = `true` | `false`, confirm): reactivates or
/// deactivates an account.
#[post("/app/admin/users/{id}/active")]
pub async fn set_active(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    admin(&user)?;
    let (id, data) = (id.into_inner(), data.into_inner());
    let mut form = FormState::from_data(&data);
    let active = match data.text("active") {
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            form.general_error("请选择停用或启用");
            None
        }
    };
    let confirmed = form.confirmed(&data);
    if let (Some(active), true) = (active, confirmed) {
        let actor = user.actor(state.clock.now());
        let admin_id = user.id;
        let result = state
            .db
            .run(move |conn| service::set_active(conn, &actor, admin_id, id, active))
            .await;
        match result {
            Ok(_) => {
                let flash = if active {
                    USER_ACTIVATED
                } else {
                    USER_DEACTIVATED
                };
                return Ok(see_other("/app/admin/users", flash));
            }
            Err(error) => form.absorb(error)?,
        }
    }
    let mut shown = FormState::new();
    for message in form.general().iter().cloned().chain(
        form.errors(crate::web::form::CONFIRM_FIELD)
            .iter()
            .map(|m| format!("账号 {id}：{m}")),
    ) {
        shown.general_error(message);
    }
    render(
        &req,
        &state,
        &user,
        1,
        (FormState::new(), shown),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
