//! The append-only, hash-chained audit trail. Every state change calls [`record`] inside the
//! caller's transaction, so the change and its audit row commit or roll back together.
//!
//! Each row's hash is SHA-256 over the previous row's hash and the row's canonical form
//! (its fields in a fixed order, JSON payloads with sorted keys). A one-row `audit_head`
//! holds the last sequence number and hash: updating it first serializes writers on both
//! backends and lets [`verify`] notice a deleted tail.

pub mod routes;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db::AnyConnection;
use crate::db::schema::{audit_head, audit_log};

/// The hash that precedes the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who made a change, and when (read from the clock by the caller).
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user, when a person acted.
    pub user_id: Option<i64>,
    /// Readable name: `user:alice`, `job:send_email`, `cli`.
    pub name: String,
    /// The time of the change (UTC).
    pub at: NaiveDateTime,
}

impl Actor {
    /// A logged-in user.
    pub fn user(id: i64, username: &str, at: NaiveDateTime) -> Actor {
        Actor {
            user_id: Some(id),
            name: format!("user:{username}"),
            at,
        }
    }

    /// The system itself (a job, the CLI).
    pub fn system(name: &str, at: NaiveDateTime) -> Actor {
        Actor {
            user_id: None,
            name: name.to_owned(),
            at,
        }
    }
}

/// An `audit_log` row.
#[derive(Debug, Clone, Queryable, Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    /// Row id.
    pub id: i64,
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When (UTC).
    #[schema(value_type = String)]
    pub occurred_at: NaiveDateTime,
    /// Acting user.
    pub actor_user_id: Option<i64>,
    /// Acting user or system part.
    pub actor: String,
    /// What happened, e.g. `user.create`.
    pub action: String,
    /// Entity type, e.g. `user`.
    pub entity_type: String,
    /// Entity id.
    pub entity_id: String,
    /// State before (canonical JSON).
    pub before_json: Option<String>,
    /// State after (canonical JSON).
    pub after_json: Option<String>,
    /// The previous row's hash.
    pub prev_hash: String,
    /// This row's hash.
    pub hash: String,
}

/// Serializes a JSON value with object keys sorted at every level, whatever serde_json's
/// feature flags, so that the stored text is canonical.
pub fn canonical_json(value: &Value) -> String {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, key) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    if let Some(v) = map.get(key) {
                        write(v, out);
                    }
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// The hash of a row given its predecessor's hash.
#[allow(clippy::too_many_arguments)]
fn chain_hash(
    prev_hash: &str,
    seq: i64,
    occurred_at: NaiveDateTime,
    actor_user_id: Option<i64>,
    actor: &str,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    before_json: Option<&str>,
    after_json: Option<&str>,
) -> String {
    // A JSON array is an unambiguous encoding of the fields in a fixed order.
    let canonical = serde_json::json!([
        prev_hash,
        seq,
        crate::clock::rfc3339(occurred_at),
        actor_user_id,
        actor,
        action,
        entity_type,
        entity_id,
        before_json,
        after_json,
    ])
    .to_string();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

fn row_hash(row: &AuditRow, prev_hash: &str) -> String {
    chain_hash(
        prev_hash,
        row.seq,
        row.occurred_at,
        row.actor_user_id,
        &row.actor,
        &row.action,
        &row.entity_type,
        &row.entity_id,
        row.before_json.as_deref(),
        row.after_json.as_deref(),
    )
}

/// Appends one audit row inside the caller's transaction. Call it from within
/// [`crate::db::write_tx`]; it takes the chain lock by updating `audit_head` first.
pub fn record(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> QueryResult<AuditRow> {
    // Taking the row lock on the head serializes chain appends on PostgreSQL.
    diesel::update(audit_head::table.find(1_i64))
        .set(audit_head::last_seq.eq(audit_head::last_seq + 1))
        .execute(conn)?;
    let (seq, prev_hash): (i64, String) = audit_head::table
        .find(1_i64)
        .select((audit_head::last_seq, audit_head::last_hash))
        .first(conn)?;
    let before_json = before.map(canonical_json);
    let after_json = after.map(canonical_json);
    let occurred_at = crate::clock::truncate_micros(actor.at);
    let hash = chain_hash(
        &prev_hash,
        seq,
        occurred_at,
        actor.user_id,
        &actor.name,
        action,
        entity_type,
        entity_id,
        before_json.as_deref(),
        after_json.as_deref(),
    );
    let row = diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(seq),
            audit_log::occurred_at.eq(occurred_at),
            audit_log::actor_user_id.eq(actor.user_id),
            audit_log::actor.eq(&actor.name),
            audit_log::action.eq(action),
            audit_log::entity_type.eq(entity_type),
            audit_log::entity_id.eq(entity_id),
            audit_log::before_json.eq(before_json.as_deref()),
            audit_log::after_json.eq(after_json.as_deref()),
            audit_log::prev_hash.eq(&prev_hash),
            audit_log::hash.eq(&hash),
        ))
        .returning(audit_log::all_columns)
        .get_result::<AuditRow>(conn)?;
    diesel::update(audit_head::table.find(1_i64))
        .set(audit_head::last_hash.eq(&hash))
        .execute(conn)?;
    Ok(row)
}

/// The result of checking the whole chain.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VerifyReport {
    /// Whether every row and the head are intact.
    pub ok: bool,
    /// Rows checked.
    pub entries: i64,
    /// The first row that does not fit the chain (edited, or following a deleted row).
    pub first_bad_id: Option<i64>,
    /// What is wrong, in Chinese, when not ok.
    pub problem: Option<String>,
}

/// Walks the chain in sequence order and recomputes every hash.
pub fn verify(conn: &mut AnyConnection) -> QueryResult<VerifyReport> {
    const BATCH: i64 = 1_000;
    let mut expected_seq = 1_i64;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut entries = 0_i64;
    let fail = |entries, id, problem: String| VerifyReport {
        ok: false,
        entries,
        first_bad_id: id,
        problem: Some(problem),
    };
    loop {
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::seq.ge(expected_seq))
            .order(audit_log::seq.asc())
            .limit(BATCH)
            .select(audit_log::all_columns)
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            entries += 1;
            if row.seq != expected_seq {
                return Ok(fail(
                    entries,
                    Some(row.id),
                    format!("第 {expected_seq} 条记录缺失（可能被删除）"),
                ));
            }
            if row.prev_hash != prev_hash {
                return Ok(fail(entries, Some(row.id), "前序哈希不一致".to_owned()));
            }
            if row_hash(&row, &prev_hash) != row.hash {
                return Ok(fail(
                    entries,
                    Some(row.id),
                    "记录内容与哈希不符（可能被篡改）".to_owned(),
                ));
            }
            prev_hash = row.hash;
            expected_seq += 1;
        }
    }
    let (last_seq, last_hash): (i64, String) = audit_head::table
        .find(1_i64)
        .select((audit_head::last_seq, audit_head::last_hash))
        .first(conn)?;
    if last_seq != expected_seq - 1 || last_hash != prev_hash {
        return Ok(fail(
            entries,
            None,
            format!(
                "链尾不一致：应有 {last_seq} 条记录，实有 {}",
                expected_seq - 1
            ),
        ));
    }
    Ok(VerifyReport {
        ok: true,
        entries,
        first_bad_id: None,
        problem: None,
    })
}

/// A page of audit rows, newest first, optionally for one entity.
pub fn list(
    conn: &mut AnyConnection,
    entity_type: Option<&str>,
    entity_id: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<AuditRow>, i64)> {
    list_by(conn, entity_type, entity_id, None, offset, limit)
}

/// A page of audit rows, newest first, optionally for one entity and one action
/// (`bid.score`), and how many rows match.
pub fn list_by(
    conn: &mut AnyConnection,
    entity_type: Option<&str>,
    entity_id: Option<&str>,
    action: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<AuditRow>, i64)> {
    let filtered = || {
        let mut query = audit_log::table.into_boxed();
        if let Some(t) = entity_type {
            query = query.filter(audit_log::entity_type.eq(t.to_owned()));
        }
        if let Some(id) = entity_id {
            query = query.filter(audit_log::entity_id.eq(id.to_owned()));
        }
        if let Some(a) = action {
            query = query.filter(audit_log::action.eq(a.to_owned()));
        }
        query
    };
    let total = filtered().count().get_result::<i64>(conn)?;
    let rows = filtered()
        .order(audit_log::seq.desc())
        .offset(offset)
        .limit(limit)
        .select(audit_log::all_columns)
        .load(conn)?;
    Ok((rows, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let value = serde_json::json!({"b": 1, "a": {"d": [ {"z": 1, "y": 2} ], "c": "中"}});
        assert_eq!(
            canonical_json(&value),
            r#"{"a":{"c":"中","d":[{"y":2,"z":1}]},"b":1}"#
        );
    }

    #[test]
    fn hash_depends_on_every_field_and_the_predecessor() {
        let t = chrono::DateTime::UNIX_EPOCH.naive_utc();
        let base = chain_hash(
            GENESIS_HASH,
            1,
            t,
            Some(1),
            "a",
            "x",
            "e",
            "1",
            None,
            Some("{}"),
        );
        assert_eq!(base.len(), 64);
        assert_ne!(
            base,
            chain_hash("1", 1, t, Some(1), "a", "x", "e", "1", None, Some("{}"))
        );
        assert_ne!(
            base,
            chain_hash(
                GENESIS_HASH,
                2,
                t,
                Some(1),
                "a",
                "x",
                "e",
                "1",
                None,
                Some("{}")
            )
        );
        assert_ne!(
            base,
            chain_hash(
                GENESIS_HASH,
                1,
                t,
                None,
                "a",
                "x",
                "e",
                "1",
                None,
                Some("{}")
            )
        );
        assert_ne!(
            base,
            chain_hash(
                GENESIS_HASH,
                1,
                t,
                Some(1),
                "a",
                "x",
                "e",
                "1",
                Some("{}"),
                None
            )
        );
        assert_ne!(
            base,
            chain_hash(
                GENESIS_HASH,
                1,
                t,
                Some(1),
                "a",
                "x",
                "e",
                "1",
                None,
                Some("{ }")
            )
        );
    }
}
