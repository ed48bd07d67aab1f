//! Use cases of accounts: log in, log out, create a user, deactivate or reactivate one. Each
//! runs in one transaction and writes its audit row there.

use chrono::{Duration, NaiveDateTime};
use serde::Deserialize;
use serde_json::json;
use validator::Validate;

use super::model::{self, NewUser, UserRow};
use super::password;
use super::roles::Role;
use super::throttle;
use super::tokens::{self, IssuedToken, TokenKind};
use crate::audit::{self, Actor};
use crate::config::AuthSettings;
use crate::db::schema::users;
use crate::db::{AnyConnection, write_tx};
use crate::error::{AppError, AppResult};
use diesel::prelude::*;

/// The one message for every failed login: it never says which part was wrong.
pub const BAD_CREDENTIALS: &str = "用户名或密码错误";

/// Checks the password and issues a token. Failed attempts are recorded (and committed) even
/// though the call fails; throttled attempts are refused before the password is checked.
pub fn login(
    conn: &mut AnyConnection,
    settings: &AuthSettings,
    now: NaiveDateTime,
    username: &str,
    password_given: &str,
    kind: TokenKind,
) -> AppResult<(IssuedToken, UserRow)> {
    let window = Duration::minutes(settings.login_window_minutes);
    if let Some(wait) =
        throttle::retry_after(conn, username, now, settings.login_max_failures, window)?
    {
        return Err(AppError::RateLimited {
            retry_after_secs: wait,
        });
    }
    let user = model::find_by_username(conn, username)?;
    let verified = match &user {
        Some(user) => password::verify_password(password_given, &user.password_hash),
        None => {
            password::burn_verification_time(password_given);
            false
        }
    };
    match user {
        Some(user) if verified && user.active => write_tx(conn, |conn| {
            throttle::record(conn, username, now, true)?;
            let token = tokens::issue(
                conn,
                user.id,
                kind,
                now,
                Duration::hours(settings.token_ttl_hours),
            )?;
            Ok((token, user))
        }),
        _ => {
            write_tx(conn, |conn| throttle::record(conn, username, now, false))?;
            Err(AppError::Unauthorized(BAD_CREDENTIALS.to_owned()))
        }
    }
}

/// Revokes the token of the current request.
pub fn logout(conn: &mut AnyConnection, token_id: i64, now: NaiveDateTime) -> AppResult<()> {
    write_tx(conn, |conn| tokens::revoke(conn, token_id, now))?;
    Ok(())
}

/// `POST /api/v1/users`.
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// 3–64 characters: lower-case letters, digits, `.`, `_`, `-`.
    #[validate(custom(function = "validate_username"))]
    pub username: String,
    /// At least `auth.min_password_length` characters.
    pub password: String,
    /// Role.
    pub role: Role,
    /// Display name (1–100 characters).
    #[validate(length(min = 1, max = 100, message = "长度须在 1 到 100 个字符之间"))]
    pub display_name: String,
    /// Email for notifications.
    #[validate(email(message = "邮箱格式不正确"))]
    pub email: String,
    /// Purchaser of an officer.
    pub purchaser_id: Option<i64>,
    /// Contractor of a contractor user.
    pub contractor_id: Option<i64>,
}

fn validate_username(name: &str) -> Result<(), validator::ValidationError> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    let len = name.chars().count();
    if (3..=64).contains(&len) && ok_chars {
        Ok(())
    } else {
        Err(validator::ValidationError::new("username")
            .with_message("须为 3 到 64 个小写字母、数字或 . _ -".into()))
    }
}

impl CreateUserRequest {
    /// Field checks beyond the derive: password length and the organization links.
    pub fn check(&self, settings: &AuthSettings) -> AppResult<()> {
        let mut fields = match self.validate() {
            Ok(()) => Default::default(),
            Err(errors) => match AppError::from(errors) {
                AppError::Validation(fields) => fields,
                other => return Err(other),
            },
        };
        let mut add = |field: &str, message: String| {
            fields.entry(field.to_owned()).or_default().push(message);
        };
        if self.password.chars().count() < settings.min_password_length {
            add(
                "password",
                format!("至少 {} 个字符", settings.min_password_length),
            );
        }
        match (self.role, self.purchaser_id) {
            (Role::Officer, None) => add("purchaser_id", "采购经办人须关联采购人".to_owned()),
            (role, Some(_)) if role != Role::Officer => {
                add("purchaser_id", "只有采购经办人可以关联采购人".to_owned())
            }
            _ => {}
        }
        match (self.role, self.contractor_id) {
            (Role::Contractor, None) => {
                add("contractor_id", "承接主体用户须关联承接主体".to_owned())
            }
            // An evaluator may name its employer, so that it is kept off panels where that
            // organization bids (回避).
            (role, Some(_)) if !matches!(role, Role::Contractor | Role::Evaluator) => add(
                "contractor_id",
                "只有承接主体用户或评审专家可以关联承接主体".to_owned(),
            ),
            _ => {}
        }
        if fields.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(fields))
        }
    }
}

/// Creates a user (validated by the caller with [`CreateUserRequest::check`]), audited.
pub fn create_user(
    conn: &mut AnyConnection,
    actor: &Actor,
    request: &CreateUserRequest,
) -> AppResult<UserRow> {
    let hash = password::hash_password(&request.password)?;
    write_tx(conn, |conn| {
        if let Some(id) = request.purchaser_id
            && crate::purchasers::model::find(conn, id)?.is_none()
        {
            return Err(AppError::field(
                "purchaser_id",
                format!("采购人 {id} 不存在"),
            ));
        }
        if let Some(id) = request.contractor_id
            && crate::contractors::model::find(conn, id)?.is_none()
        {
            return Err(AppError::field(
                "contractor_id",
                format!("承接主体 {id} 不存在"),
            ));
        }
        if model::find_by_username(conn, &request.username)?.is_some() {
            return Err(AppError::Conflict(format!(
                "用户名 {} 已被使用",
                request.username
            )));
        }
        let row = model::insert(
            conn,
            &NewUser {
                username: &request.username,
                password_hash: &hash,
                role: request.role,
                display_name: &request.display_name,
                email: &request.email,
                purchaser_id: request.purchaser_id,
                contractor_id: request.contractor_id,
                created_at: actor.at,
            },
        )?;
        audit::record(
            conn,
            actor,
            "user.create",
            "user",
            &row.id.to_string(),
            None,
            Some(&json!(row.view())),
        )?;
        Ok(row)
    })
}

/// `PUT /api/v1/users/{id}/active`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetActiveRequest {
    /// `false` deactivates the account (its sessions and tokens end at once), `true`
    /// reactivates it.
    pub active: bool,
}

/// Deactivates or reactivates an account (admin), audited as `user.deactivate` /
/// `user.activate`. A deactivated account cannot log in and all its tokens are revoked in the
/// same transaction. An admin cannot deactivate its own account (rule
/// `cannot_deactivate_self`); setting the state it already has changes nothing.
pub fn set_active(
    conn: &mut AnyConnection,
    actor: &Actor,
    actor_user_id: i64,
    user_id: i64,
    active: bool,
) -> AppResult<UserRow> {
    if !active && user_id == actor_user_id {
        return Err(AppError::rule(
            "cannot_deactivate_self",
            "不能停用自己正在使用的账号",
        ));
    }
    write_tx(conn, |conn| {
        let before = model::find(conn, user_id)?
            .ok_or_else(|| AppError::NotFound(format!("用户 {user_id} 不存在")))?;
        if before.active == active {
            return Ok(before);
        }
        diesel::update(users::table.find(user_id))
            .set(users::active.eq(active))
            .execute(conn)?;
        if !active {
            tokens::revoke_all_of(conn, user_id, actor.at)?;
        }
        let after = model::find(conn, user_id)?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("user {user_id} vanished")))?;
        audit::record(
            conn,
            actor,
            if active {
                "user.activate"
            } else {
                "user.deactivate"
            },
            "user",
            &user_id.to_string(),
            Some(&json!(before.view())),
            Some(&json!(after.view())),
        )?;
        Ok(after)
    })
}
