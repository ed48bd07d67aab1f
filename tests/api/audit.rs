//! The hash-chained audit trail: written with each change, readable by admin and auditor,
//! and verification detects an edited, a deleted and a truncated row.

use diesel::prelude::*;
use serde_json::json;
use sixnorms::auth::Role;

use crate::helpers::{TestApp, spawn_app};

async fn create_users(app: &TestApp, n: usize) {
    for i in 0..n {
        app.post(
            "/api/v1/users",
            Some(&app.admin_token),
            json!({
                "username": format!("user{i}"), "password": "a-long-password", "role": "evaluator",
                "display_name": format!("专家{i}"), "email": format!("u{i}@example.cn")
            }),
        )
        .await
        .expect(201);
    }
}

fn seq_id(app: &TestApp, seq: i64) -> i64 {
    use sixnorms::db::schema::audit_log;
    let mut conn = app.conn();
    audit_log::table
        .filter(audit_log::seq.eq(seq))
        .select(audit_log::id)
        .first(&mut *conn)
        .expect("row")
}

#[tokio::test]
async fn changes_are_audited_and_readable_by_admin_and_auditor_only() {
    let app = spawn_app().await;
    create_users(&app, 1).await;
    let (_, auditor) = app.user_with_token("shenji", Role::Auditor).await;
    let (_, officer) = app.user_with_token("jingban", Role::Officer).await;
    let list = app
        .get("/api/v1/audit?entity_type=user&per_page=50", Some(&auditor))
        .await
        .expect(200)
        .json();
    let items = list["items"].as_array().expect("items");
    let created = items
        .iter()
        .find(|row| row["actor"] == "user:admin" && row["action"] == "user.create")
        .expect("the API-created user is audited");
    let after: serde_json::Value =
        serde_json::from_str(created["after_json"].as_str().expect("after")).expect("json");
    assert_eq!(after["username"], "user0");
    assert!(
        after.get("password_hash").is_none(),
        "no secrets in the trail"
    );
    assert_eq!(list["per_page"], 50);
    app.get("/api/v1/audit", Some(&officer)).await.expect(403);
    app.get("/api/v1/audit/verify", Some(&officer))
        .await
        .expect(403);
    let verify = app
        .get("/api/v1/audit/verify", Some(&auditor))
        .await
        .expect(200)
        .json();
    assert_eq!(verify["ok"], true, "{verify}");
    assert_eq!(verify["entries"], items.len() as i64);
    assert!(verify["first_bad_id"].is_null());
}

#[tokio::test]
async fn an_edited_payload_is_detected() {
    let app = spawn_app().await;
    create_users(&app, 4).await;
    let target = seq_id(&app, 3);
    {
        use sixnorms::db::schema::audit_log;
        let mut conn = app.conn();
        diesel::update(audit_log::table.find(target))
            .set(audit_log::after_json.eq(Some(r#"{"username":"mallory"}"#)))
            .execute(&mut *conn)
            .expect("tamper");
    }
    let verify = app
        .get("/api/v1/audit/verify", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    assert_eq!(verify["ok"], false);
    assert_eq!(verify["first_bad_id"], target);
}

#[tokio::test]
async fn an_edited_actor_is_detected() {
    let app = spawn_app().await;
    create_users(&app, 3).await;
    let target = seq_id(&app, 2);
    {
        use sixnorms::db::schema::audit_log;
        let mut conn = app.conn();
        diesel::update(audit_log::table.find(target))
            .set(audit_log::actor.eq("user:someone-else"))
            .execute(&mut *conn)
            .expect("tamper");
    }
    let verify = app
        .get("/api/v1/audit/verify", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    assert_eq!(verify["ok"], false);
    assert_eq!(verify["first_bad_id"], target);
}

#[tokio::test]
async fn a_deleted_row_is_detected() {
    let app = spawn_app().await;
    create_users(&app, 4).await;
    let deleted = seq_id(&app, 3);
    let following = seq_id(&app, 4);
    {
        use sixnorms::db::schema::audit_log;
        let mut conn = app.conn();
        diesel::delete(audit_log::table.find(deleted))
            .execute(&mut *conn)
            .expect("delete");
    }
    let verify = app
        .get("/api/v1/audit/verify", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    assert_eq!(verify["ok"], false);
    assert_eq!(verify["first_bad_id"], following);
}

#[tokio::test]
async fn a_deleted_last_row_is_detected() {
    let app = spawn_app().await;
    create_users(&app, 2).await;
    {
        use sixnorms::db::schema::audit_log;
        let mut conn = app.conn();
        let last: i64 = audit_log::table
            .select(diesel::dsl::max(audit_log::seq))
            .first::<Option<i64>>(&mut *conn)
            .expect("max")
            .expect("rows");
        diesel::delete(audit_log::table.filter(audit_log::seq.eq(last)))
            .execute(&mut *conn)
            .expect("delete");
    }
    let verify = app
        .get("/api/v1/audit/verify", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    assert_eq!(verify["ok"], false, "{verify}");
    assert!(
        verify["problem"].as_str().unwrap_or("").contains("链尾"),
        "{verify}"
    );
}

#[tokio::test]
async fn concurrent_changes_keep_one_unbroken_chain() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let client = app.client.clone();
        let url = format!("{}/api/v1/users", app.address);
        let token = app.admin_token.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({
                    "username": format!("para{i}"), "password": "a-long-password",
                    "role": "auditor", "display_name": "并发", "email": "p@example.cn"
                }))
                .send()
                .await
                .expect("send")
                .status()
                .as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("join"), 201);
    }
    let verify = app
        .get("/api/v1/audit/verify", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    assert_eq!(verify["ok"], true, "{verify}");
    // The harness's admin plus twelve users.
    assert_eq!(verify["entries"], 13);
}
