//! Bearer tokens and browser sessions: random secrets handed out once, stored only as their
//! SHA-256, with an expiry read from the clock.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::model::UserRow;
use crate::db::AnyConnection;
use crate::db::schema::{api_tokens, users};

/// Where a token is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `Authorization: Bearer` for the JSON API.
    Bearer,
    /// The HttpOnly cookie of the browser pages.
    Session,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Bearer => "bearer",
            TokenKind::Session => "session",
        }
    }
}

/// A freshly issued token: the secret is shown to the client once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The secret to send back.
    pub secret: String,
    /// Row id.
    pub id: i64,
    /// When it stops working.
    pub expires_at: NaiveDateTime,
}

/// SHA-256 hex of a token secret.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Creates a token for `user_id` valid for `ttl` from `now`.
pub fn issue(
    conn: &mut AnyConnection,
    user_id: i64,
    kind: TokenKind,
    now: NaiveDateTime,
    ttl: Duration,
) -> QueryResult<IssuedToken> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("sn_{}", hex::encode(bytes));
    let expires_at = now + ttl;
    let id = diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(user_id),
            api_tokens::token_hash.eq(hash_secret(&secret)),
            api_tokens::kind.eq(kind.as_str()),
            api_tokens::created_at.eq(now),
            api_tokens::expires_at.eq(expires_at),
        ))
        .returning(api_tokens::id)
        .get_result::<i64>(conn)?;
    Ok(IssuedToken {
        secret,
        id,
        expires_at,
    })
}

/// The user behind a live token of the given kind: not expired at `now`, not revoked,
/// account active. Returns the user and the token id.
pub fn authenticate(
    conn: &mut AnyConnection,
    secret: &str,
    kind: TokenKind,
    now: NaiveDateTime,
) -> QueryResult<Option<(UserRow, i64)>> {
    let found = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(hash_secret(secret)))
        .filter(api_tokens::kind.eq(kind.as_str()))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.gt(now))
        .filter(users::active.eq(true))
        .select((users::all_columns, api_tokens::id))
        .first::<(UserRow, i64)>(conn)
        .optional()?;
    Ok(found)
}

/// Revokes every live token of a user (a deactivated account is signed out everywhere).
pub fn revoke_all_of(
    conn: &mut AnyConnection,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Some(now)))
    .execute(conn)
}

/// Revokes one token (logout).
pub fn revoke(conn: &mut AnyConnection, token_id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(api_tokens::table.find(token_id))
        .filter(api_tokens::revoked_at.is_null())
        .set(api_tokens::revoked_at.eq(Some(now)))
        .execute(conn)
}

/// Deletes tokens that expired or were revoked before `cutoff`.
pub fn purge(conn: &mut AnyConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        api_tokens::table.filter(
            api_tokens::expires_at
                .lt(cutoff)
                .or(api_tokens::revoked_at.lt(cutoff)),
        ),
    )
    .execute(conn)
}
