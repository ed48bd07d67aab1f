//! Login, tokens, throttling, role guards, user creation and the browser session cookie.

use chrono::Duration;
use serde_json::json;
use sixnorms::auth::Role;

use crate::helpers::{PASSWORD, create_user_direct, spawn_app, start_time};

#[tokio::test]
async fn good_login_returns_token_expiry_and_user() {
    let app = spawn_app().await;
    create_user_direct(&app.state, "wang", Role::Officer);
    let reply = app
        .post(
            "/api/v1/session",
            None,
            json!({ "username": "wang", "password": PASSWORD }),
        )
        .await
        .expect(200)
        .json();
    let token = reply["token"].as_str().expect("token");
    assert!(token.starts_with("sn_") && token.len() > 40);
    // 12 hours after the manual clock's time.
    assert_eq!(reply["expires_at"], "2026-03-02T13:00:00.000000Z");
    assert_eq!(reply["user"]["username"], "wang");
    assert_eq!(reply["user"]["role"], "officer");
    assert!(reply["user"].get("password_hash").is_none());
    let me = app.get("/api/v1/me", Some(token)).await.expect(200).json();
    assert_eq!(me["username"], "wang");
    // Only the hash of the token is stored.
    let mut conn = app.conn();
    use diesel::prelude::*;
    use sixnorms::db::schema::api_tokens;
    let hashes: Vec<String> = api_tokens::table
        .select(api_tokens::token_hash)
        .load(&mut *conn)
        .expect("hashes");
    assert!(!hashes.iter().any(|h| h == token));
    assert!(hashes.contains(&sixnorms::auth::tokens::hash_secret(token)));
}

#[tokio::test]
async fn bad_password_and_unknown_user_look_the_same() {
    let app = spawn_app().await;
    create_user_direct(&app.state, "wang", Role::Officer);
    let wrong = app
        .post(
            "/api/v1/session",
            None,
            json!({ "username": "wang", "password": "nope-nope-nope" }),
        )
        .await
        .expect(401);
    let unknown = app
        .post(
            "/api/v1/session",
            None,
            json!({ "username": "nobody", "password": PASSWORD }),
        )
        .await
        .expect(401);
    assert_eq!(wrong.code(), "unauthorized");
    assert_eq!(wrong.json()["error"], unknown.json()["error"]);
    let message = wrong.json()["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert_eq!(message, "用户名或密码错误");
}

#[tokio::test]
async fn five_failures_in_ten_minutes_throttle_until_the_window_passes() {
    let app = spawn_app().await;
    create_user_direct(&app.state, "wang", Role::Officer);
    let bad = json!({ "username": "wang", "password": "wrong-password" });
    let good = json!({ "username": "wang", "password": PASSWORD });
    for minute in 0..5 {
        app.set_clock(start_time() + Duration::minutes(minute));
        app.post("/api/v1/session", None, bad.clone())
            .await
            .expect(401);
    }
    // Fifth failure at +4 min; now even the right password is refused.
    app.set_clock(start_time() + Duration::minutes(5));
    let limited = app
        .post("/api/v1/session", None, good.clone())
        .await
        .expect(429);
    assert_eq!(limited.code(), "rate_limited");
    // The first failure (at +0) leaves the window at +10 min: wait is 5 minutes.
    assert_eq!(limited.json()["error"]["details"]["retry_after_secs"], 300);
    assert_eq!(limited.headers["retry-after"], "300");
    // Another user is not affected.
    create_user_direct(&app.state, "li", Role::Officer);
    app.post(
        "/api/v1/session",
        None,
        json!({ "username": "li", "password": PASSWORD }),
    )
    .await
    .expect(200);
    // One second before the window passes: still refused.
    app.set_clock(start_time() + Duration::minutes(10) - Duration::seconds(1));
    app.post("/api/v1/session", None, good.clone())
        .await
        .expect(429);
    // Exactly ten minutes after the first failure it counts no more: four remain, login works.
    app.set_clock(start_time() + Duration::minutes(10));
    app.post("/api/v1/session", None, good).await.expect(200);
}

#[tokio::test]
async fn four_failures_do_not_throttle() {
    let app = spawn_app().await;
    create_user_direct(&app.state, "wang", Role::Officer);
    for _ in 0..4 {
        app.post(
            "/api/v1/session",
            None,
            json!({ "username": "wang", "password": "bad-bad-bad" }),
        )
        .await
        .expect(401);
    }
    app.post(
        "/api/v1/session",
        None,
        json!({ "username": "wang", "password": PASSWORD }),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn expired_and_revoked_tokens_are_401() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("wang", Role::Officer).await;
    app.set_clock(start_time() + Duration::hours(12) - Duration::seconds(1));
    app.get("/api/v1/me", Some(&token)).await.expect(200);
    app.set_clock(start_time() + Duration::hours(12));
    let expired = app.get("/api/v1/me", Some(&token)).await.expect(401);
    assert_eq!(expired.code(), "unauthorized");

    app.set_clock(start_time());
    let (_, other) = app.user_with_token("li", Role::Auditor).await;
    app.call(
        reqwest::Method::DELETE,
        "/api/v1/session",
        Some(&other),
        None,
    )
    .await
    .expect(204);
    app.get("/api/v1/me", Some(&other)).await.expect(401);
    app.get("/api/v1/me", Some("sn_not-a-real-token"))
        .await
        .expect(401);
    app.get("/api/v1/me", None).await.expect(401);
}

#[tokio::test]
async fn only_admin_creates_users() {
    let app = spawn_app().await;
    let body = json!({
        "username": "zhang.san", "password": "a-long-password", "role": "evaluator",
        "display_name": "张三", "email": "zhang@example.cn"
    });
    for role in [
        Role::Officer,
        Role::Contractor,
        Role::Evaluator,
        Role::Auditor,
    ] {
        let (_, token) = app.user_with_token(&format!("u_{role}"), role).await;
        let before = app.counts(&["users", "audit_log"]);
        let reply = app
            .post("/api/v1/users", Some(&token), body.clone())
            .await
            .expect(403);
        assert_eq!(reply.code(), "forbidden");
        assert_eq!(
            app.counts(&["users", "audit_log"]),
            before,
            "{role} changed nothing"
        );
    }
    app.post("/api/v1/users", None, body.clone())
        .await
        .expect(401);
    let created = app
        .post("/api/v1/users", Some(&app.admin_token), body.clone())
        .await
        .expect(201)
        .json();
    assert_eq!(created["role"], "evaluator");
    assert_eq!(created["display_name"], "张三");
    let token = app.login("zhang.san", "a-long-password").await;
    let me = app.get("/api/v1/me", Some(&token)).await.expect(200).json();
    assert_eq!(me["role_label"], "评审专家");
    // The same username again is a conflict that changes nothing.
    let before = app.counts(&["users", "audit_log"]);
    let dup = app
        .post("/api/v1/users", Some(&app.admin_token), body)
        .await
        .expect(409);
    assert_eq!(dup.code(), "conflict");
    assert_eq!(app.counts(&["users", "audit_log"]), before);
}

#[tokio::test]
async fn invalid_user_fields_are_named_and_change_nothing() {
    let app = spawn_app().await;
    let before = app.counts(&["users", "audit_log"]);
    let reply = app
        .post(
            "/api/v1/users",
            Some(&app.admin_token),
            json!({
                "username": "Bad Name", "password": "short", "role": "evaluator",
                "display_name": "", "email": "not-an-email", "purchaser_id": 3
            }),
        )
        .await
        .expect(422);
    let fields = reply.json()["error"]["details"]["fields"].clone();
    for field in [
        "username",
        "password",
        "display_name",
        "email",
        "purchaser_id",
    ] {
        assert!(fields[field].is_array(), "{field} not named: {fields}");
    }
    let bad_role = app
        .post(
            "/api/v1/users",
            Some(&app.admin_token),
            json!({
                "username": "ok.name", "password": "a-long-password", "role": "superuser",
                "display_name": "x", "email": "x@example.cn"
            }),
        )
        .await
        .expect(422);
    assert!(
        bad_role.json()["error"]["details"]["fields"]["role"].is_array(),
        "{}",
        bad_role.text
    );
    assert_eq!(app.counts(&["users", "audit_log"]), before);
}

#[tokio::test]
async fn browser_session_cookie_is_httponly_strict_and_not_accepted_by_the_api() {
    let app = spawn_app().await;
    create_user_direct(&app.state, "wang", Role::Officer);
    let (csrf_cookie, token) = app.login_form().await;
    let response = app
        .client
        .post(format!("{}/login", app.address))
        .header("Cookie", &csrf_cookie)
        .form(&[
            ("username", "wang"),
            ("password", PASSWORD),
            ("csrf", &token),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(response.status().as_u16(), 303);
    let set_cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("sixnorms_session="))
        .expect("session cookie")
        .to_owned();
    assert!(
        set_cookie.starts_with("sixnorms_session=sn_"),
        "{set_cookie}"
    );
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().expect("pair").to_owned();
    let page = app
        .client
        .get(format!("{}/app", app.address))
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.expect("text").contains("测试用户 wang"));
    // The JSON API takes only bearer tokens.
    let api = app
        .client
        .get(format!("{}/api/v1/me", app.address))
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("api");
    assert_eq!(api.status().as_u16(), 401);
    // A bad password re-renders the form with the message and the username kept.
    let failed = app
        .client
        .post(format!("{}/login", app.address))
        .header("Cookie", &csrf_cookie)
        .form(&[
            ("username", "wang"),
            ("password", "wrong-one"),
            ("csrf", &token),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(failed.status().as_u16(), 401);
    let text = failed.text().await.expect("text");
    assert!(
        text.contains("用户名或密码错误") && text.contains("value=\"wang\""),
        "{text}"
    );
    // Logout revokes the session.
    let page_token = crate::helpers::csrf_field(&app.get_page("/app", &cookie).await.text);
    let out = app
        .client
        .post(format!("{}/logout", app.address))
        .header("Cookie", &cookie)
        .form(&[("csrf", &page_token)])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status().as_u16(), 303);
    let after = app
        .client
        .get(format!("{}/app", app.address))
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("page");
    assert_eq!(
        after.status().as_u16(),
        303,
        "an ended session is sent to the login page"
    );
    assert_eq!(after.headers()["location"], "/login");
}

#[tokio::test]
async fn officers_and_contractor_users_must_name_their_organization() {
    let app = spawn_app().await;
    let purchaser = crate::factories::purchaser(
        &app,
        "银川市兴庆区民政局",
        "government_department",
        "640104",
        1,
    )
    .await;
    let body = |role: &str, extra: serde_json::Value| {
        let mut b = json!({
            "username": format!("new.{role}"), "password": "a-long-password", "role": role,
            "display_name": "新用户", "email": "n@example.cn"
        });
        for (k, v) in extra.as_object().expect("object") {
            b[k] = v.clone();
        }
        b
    };
    let before = app.counts(&["users", "audit_log"]);
    let no_purchaser = app
        .post(
            "/api/v1/users",
            Some(&app.admin_token),
            body("officer", json!({})),
        )
        .await
        .expect(422);
    assert!(no_purchaser.json()["error"]["details"]["fields"]["purchaser_id"].is_array());
    let no_contractor = app
        .post(
            "/api/v1/users",
            Some(&app.admin_token),
            body("contractor", json!({})),
        )
        .await
        .expect(422);
    assert!(no_contractor.json()["error"]["details"]["fields"]["contractor_id"].is_array());
    let unknown = app
        .post(
            "/api/v1/users",
            Some(&app.admin_token),
            body("officer", json!({"purchaser_id": 9999})),
        )
        .await
        .expect(422);
    assert!(unknown.json()["error"]["details"]["fields"]["purchaser_id"].is_array());
    let auditor_link = app
        .post(
            "/api/v1/users",
            Some(&app.admin_token),
            body("auditor", json!({"contractor_id": 1})),
        )
        .await
        .expect(422);
    assert!(auditor_link.json()["error"]["details"]["fields"]["contractor_id"].is_array());
    assert_eq!(app.counts(&["users", "audit_log"]), before);
    let officer = app
        .post(
            "/api/v1/users",
            Some(&app.admin_token),
            body("officer", json!({"purchaser_id": purchaser})),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(officer["purchaser_id"], purchaser);
    // An evaluator may name its employer (for 回避 on panels).
    let (org, _) = crate::factories::contractor(&app, 9, "org.nine", "640104").await;
    let evaluator = app
        .post(
            "/api/v1/users",
            Some(&app.admin_token),
            body("evaluator", json!({"contractor_id": org})),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(evaluator["contractor_id"], org);
}
