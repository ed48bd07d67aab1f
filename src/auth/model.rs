//! Rows and queries of `users`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::roles::Role;
use crate::db::AnyConnection;
use crate::db::schema::users;

/// A `users` row.
#[derive(Debug, Clone, Queryable)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Unique login name.
    pub username: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Role code.
    pub role: String,
    /// Name shown in pages and emails.
    pub display_name: String,
    /// Email address for notifications.
    pub email: String,
    /// The purchaser an officer belongs to.
    pub purchaser_id: Option<i64>,
    /// The contractor a contractor user belongs to.
    pub contractor_id: Option<i64>,
    /// Disabled accounts cannot log in.
    pub active: bool,
    /// Creation time (UTC).
    pub created_at: NaiveDateTime,
}

/// What the API shows of a user (never the hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Chinese label of the role.
    pub role_label: String,
    /// Display name.
    pub display_name: String,
    /// Email.
    pub email: String,
    /// Purchaser link (officers).
    pub purchaser_id: Option<i64>,
    /// Contractor link (contractor users).
    pub contractor_id: Option<i64>,
    /// Whether the account may log in.
    pub active: bool,
    /// RFC 3339 creation time.
    pub created_at: String,
}

impl UserRow {
    /// The role, falling back to the least-privileged reading if the stored code is unknown
    /// (the CHECK constraint makes that impossible in practice).
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }

    /// The public view.
    pub fn view(&self) -> UserView {
        let role = self.role().unwrap_or(Role::Auditor);
        UserView {
            id: self.id,
            username: self.username.clone(),
            role,
            role_label: role.label().to_owned(),
            display_name: self.display_name.clone(),
            email: self.email.clone(),
            purchaser_id: self.purchaser_id,
            contractor_id: self.contractor_id,
            active: self.active,
            created_at: crate::clock::rfc3339(self.created_at),
        }
    }
}

/// Finds a user by login name.
pub fn find_by_username(conn: &mut AnyConnection, name: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(name))
        .select(users::all_columns)
        .first::<UserRow>(conn)
        .optional()
}

/// Finds a user by id.
pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(users::all_columns)
        .first::<UserRow>(conn)
        .optional()
}

/// Active accounts of `role` as `(id, display name, username)`, by id (e.g. the evaluators an
/// officer may put on a panel or an evaluation).
pub fn active_with_role(
    conn: &mut AnyConnection,
    role: Role,
) -> QueryResult<Vec<(i64, String, String)>> {
    users::table
        .filter(users::role.eq(role.as_str()))
        .filter(users::active.eq(true))
        .order(users::id.asc())
        .select((users::id, users::display_name, users::username))
        .load(conn)
}

/// A page of users by id, and how many there are.
pub fn list(conn: &mut AnyConnection, offset: i64, limit: i64) -> QueryResult<(Vec<UserRow>, i64)> {
    let total = users::table.count().get_result(conn)?;
    let rows = users::table
        .order(users::id.asc())
        .offset(offset)
        .limit(limit)
        .select(users::all_columns)
        .load::<UserRow>(conn)?;
    Ok((rows, total))
}

/// The values of a new user.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Login name.
    pub username: &'a str,
    /// argon2id PHC string.
    pub password_hash: &'a str,
    /// Role.
    pub role: Role,
    /// Display name.
    pub display_name: &'a str,
    /// Email.
    pub email: &'a str,
    /// Purchaser link.
    pub purchaser_id: Option<i64>,
    /// Contractor link.
    pub contractor_id: Option<i64>,
    /// Creation time.
    pub created_at: NaiveDateTime,
}

/// Inserts a user and returns the row.
pub fn insert(conn: &mut AnyConnection, new: &NewUser<'_>) -> QueryResult<UserRow> {
    diesel::insert_into(users::table)
        .values((
            users::username.eq(new.username),
            users::password_hash.eq(new.password_hash),
            users::role.eq(new.role.as_str()),
            users::display_name.eq(new.display_name),
            users::email.eq(new.email),
            users::purchaser_id.eq(new.purchaser_id),
            users::contractor_id.eq(new.contractor_id),
            users::active.eq(true),
            users::created_at.eq(new.created_at),
        ))
        .returning(users::all_columns)
        .get_result::<UserRow>(conn)
}
