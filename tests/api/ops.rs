//! Health, readiness, OpenAPI, Swagger UI and the manual clock.

use serde_json::json;
use sixnorms::auth::Role;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let health = app.get("/healthz", None).await.expect(200);
    assert_eq!(health.json()["status"], "ok");
    let ready = app.get("/readyz", None).await.expect(200);
    assert_eq!(ready.json()["database"], "ok");
}

#[tokio::test]
async fn openapi_document_and_swagger_ui_are_served_locally() {
    let app = spawn_app().await;
    let doc = app.get("/api/openapi.json", None).await.expect(200).json();
    assert!(
        doc["openapi"].as_str().unwrap_or("").starts_with("3."),
        "{doc}"
    );
    for path in [
        "/api/v1/session",
        "/api/v1/users",
        "/api/v1/audit/verify",
        "/api/v1/admin/jobs",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    let redirect = app.get("/api/docs", None).await;
    assert!(redirect.status.is_redirection());
    let ui = app.get("/api/docs/", None).await.expect(200);
    assert!(ui.text.contains("swagger"), "{}", ui.text);
    // The UI's assets come from this server, not a CDN.
    assert!(!ui.text.contains("cdn."), "{}", ui.text);
    let css = app.get("/api/docs/swagger-ui.css", None).await;
    assert_eq!(css.status.as_u16(), 200);
}

#[tokio::test]
async fn admin_sets_the_manual_clock() {
    let app = spawn_app().await;
    let (_, officer) = app.user_with_token("officer1", Role::Officer).await;
    let body = json!({ "now": "2026-10-09T09:30:00+08:00" });
    app.call(
        reqwest::Method::PUT,
        "/api/v1/admin/clock",
        Some(&officer),
        Some(body.clone()),
    )
    .await
    .expect(403);
    let reply = app
        .call(
            reqwest::Method::PUT,
            "/api/v1/admin/clock",
            Some(&app.admin_token),
            Some(body),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(reply["now"], "2026-10-09T01:30:00.000000Z");
    assert_eq!(reply["today"], "2026-10-09");
    assert_eq!(app.state.clock.today().to_string(), "2026-10-09");
    // Moving the clock seven months on expired the admin's token; log in again.
    let admin = app.login("admin", crate::helpers::PASSWORD).await;
    let bad = app
        .call(
            reqwest::Method::PUT,
            "/api/v1/admin/clock",
            Some(&admin),
            Some(json!({ "now": "yesterday" })),
        )
        .await
        .expect(422);
    assert!(bad.json()["error"]["details"]["fields"]["now"].is_array());
}

#[tokio::test]
async fn clock_route_is_absent_without_manual_mode() {
    let app = spawn_app_with(|f| {
        f.merge(figment::providers::Serialized::default(
            "clock.manual",
            false,
        ))
    })
    .await;
    let reply = app
        .call(
            reqwest::Method::PUT,
            "/api/v1/admin/clock",
            Some(&app.admin_token),
            Some(json!({ "now": "2026-10-09T09:30:00+08:00" })),
        )
        .await
        .expect(404);
    assert_eq!(reply.code(), "not_found");
}
