//! The error contract: JSON under /api, a Chinese HTML page elsewhere; malformed JSON,
//! unknown fields, wrong types and oversized bodies.

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn unknown_api_route_is_json_404() {
    let app = spawn_app().await;
    let reply = app.get("/api/v1/no-such-thing", None).await.expect(404);
    assert_eq!(reply.code(), "not_found");
    assert!(reply.json()["error"]["message"].is_string());
}

#[tokio::test]
async fn unknown_page_is_a_chinese_html_page() {
    let app = spawn_app().await;
    let reply = app.get("/no-such-page", None).await.expect(404);
    let content_type = reply.headers["content-type"].to_str().expect("ascii");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(reply.text.contains("页面不存在"), "{}", reply.text);
    assert!(reply.text.contains("<title>"));
}

#[tokio::test]
async fn page_needing_login_redirects_to_the_login_page() {
    let app = spawn_app().await;
    let reply = app.get("/app", None).await.expect(303);
    assert_eq!(reply.headers["location"], "/login");
    // Deeper pages come back after the login; other sites are never a `next`.
    let reply = app
        .get("/app/projects?status=draft", None)
        .await
        .expect(303);
    assert_eq!(
        reply.headers["location"],
        "/login?next=%2Fapp%2Fprojects%3Fstatus%3Ddraft"
    );
    let login = app
        .get("/login?next=%2Fapp%2Fprojects", None)
        .await
        .expect(200);
    assert!(
        login.text.contains("name=\"next\" value=\"/app/projects\""),
        "{}",
        login.text
    );
    let login = app
        .get("/login?next=https://evil.example/", None)
        .await
        .expect(200);
    assert!(!login.text.contains("evil.example"), "{}", login.text);
}

#[tokio::test]
async fn malformed_json_is_400_bad_request() {
    let app = spawn_app().await;
    let reply = app
        .post_raw(
            "/api/v1/session",
            None,
            "application/json",
            b"{\"username\": ".to_vec(),
        )
        .await
        .expect(400);
    assert_eq!(reply.code(), "bad_request");
}

#[tokio::test]
async fn unknown_field_is_rejected_naming_it() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/api/v1/session",
            None,
            json!({ "username": "admin", "password": "x", "remember_me": true }),
        )
        .await
        .expect(422);
    assert_eq!(reply.code(), "validation_failed");
    assert!(
        reply.json()["error"]["details"]["fields"]["remember_me"].is_array(),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn wrong_type_and_missing_field_name_the_field() {
    let app = spawn_app().await;
    let wrong = app
        .post(
            "/api/v1/session",
            None,
            json!({ "username": 7, "password": "x" }),
        )
        .await
        .expect(422);
    assert!(
        wrong.json()["error"]["details"]["fields"]["username"].is_array(),
        "{}",
        wrong.text
    );
    let missing = app
        .post("/api/v1/session", None, json!({ "username": "admin" }))
        .await
        .expect(422);
    assert!(
        missing.json()["error"]["details"]["fields"]["password"].is_array(),
        "{}",
        missing.text
    );
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let app = spawn_app_with(|f| {
        f.merge(figment::providers::Serialized::default(
            "server.json_limit_bytes",
            2048,
        ))
    })
    .await;
    let big = "x".repeat(4096);
    let reply = app
        .post(
            "/api/v1/session",
            None,
            json!({ "username": big, "password": "x" }),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 413, "{}", reply.text);
    assert_eq!(reply.code(), "payload_too_large");
}

#[tokio::test]
async fn non_json_content_type_is_400() {
    let app = spawn_app().await;
    let reply = app
        .post_raw(
            "/api/v1/session",
            None,
            "text/plain",
            b"username=admin".to_vec(),
        )
        .await
        .expect(400);
    assert_eq!(reply.code(), "bad_request");
}
