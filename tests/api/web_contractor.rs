//! The contractor's pages before the contract, over plain HTTP: self-registration at
//! `/register`, the organization page with its ten checks and edit form, the open tenders,
//! bidding through the form with the receipt shown, documents, withdrawal, challenges, and
//! access by role and by organization.

use diesel::prelude::*;
use serde_json::json;
use sixnorms::auth::Role;

use crate::factories::{contractor, qualified_contractor, social_org_uscc};
use crate::helpers::{
    PASSWORD, Reply, TestApp, at, create_user_direct, csrf_field, element, location, set_cookies,
    spawn_app, with_flash,
};
use crate::procurement::{buyer, project, project_body, tender_body};

/// Tables a refused bid form must leave alone.
const BID_TABLES: [&str; 3] = ["bids", "documents", "audit_log"];

/// Fetches `/register`: the pre-session cookie and the form's token.
async fn register_form(app: &TestApp) -> (String, String, String) {
    let page = app
        .client
        .get(format!("{}/register", app.address))
        .send()
        .await
        .expect("register page");
    assert_eq!(page.status().as_u16(), 200);
    let (name, value) = set_cookies(page.headers())
        .into_iter()
        .find(|(n, _)| n == "sixnorms_csrf")
        .expect("csrf cookie");
    let text = page.text().await.expect("text");
    let token = csrf_field(&text);
    (format!("{name}={value}"), token, text)
}

async fn post_register(app: &TestApp, cookie: &str, fields: &[(&str, &str)]) -> Reply {
    let response = app
        .client
        .post(format!("{}/register", app.address))
        .header("Cookie", cookie)
        .form(fields)
        .send()
        .await
        .expect("post register");
    Reply {
        status: response.status(),
        headers: response.headers().clone(),
        text: response.text().await.expect("body"),
    }
}

/// The registration form's fields for organization `n`.
fn registration_fields(n: u32, username: &str, uscc: &str) -> Vec<(String, String)> {
    [
        ("name", format!("银川市第{n}社会工作服务中心")),
        ("kind", "social_organization".to_owned()),
        ("uscc", uscc.to_owned()),
        ("id_number", String::new()),
        ("established_on", "2018-05-10".to_owned()),
        ("region_code", "640104".to_owned()),
        (
            "business_scope",
            "社会工作服务、社区服务、心理疏导、社会救助服务".to_owned(),
        ),
        ("service_domains", "social_assistance".to_owned()),
        ("service_domains", "elderly_care".to_owned()),
        ("full_time_staff", "12".to_owned()),
        ("certified_social_workers.assistant", "4".to_owned()),
        ("certified_social_workers.intermediate", "2".to_owned()),
        ("certified_social_workers.senior", "1".to_owned()),
        ("has_financial_system", "true".to_owned()),
        ("has_tax_social_security_record", "true".to_owned()),
        ("declares_no_major_violation", "true".to_owned()),
        ("contact_name", "马主任".to_owned()),
        ("contact_phone", "13995000000".to_owned()),
        ("email", format!("org{n}@example.cn")),
        ("account.username", username.to_owned()),
        ("account.password", PASSWORD.to_owned()),
        ("account.email", format!("{username}@example.cn")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// A project of buyer `n` (budget ¥1,500,000.00) with its intention published at the start.
async fn prepared(app: &TestApp, n: u32, method: &str) -> i64 {
    let b = buyer(app, n, "government_department", "3000000.00").await;
    let mut body = project_body(&b);
    body["method"] = json!(method);
    body["budget_amount"] = json!("1,500,000.00");
    let id = project(app, &b, body).await;
    app.post(
        &format!("/api/v1/projects/{id}/intention"),
        Some(&b.officer),
        json!({}),
    )
    .await
    .expect(200);
    id
}

/// Publishes the tender of a prepared project at `publish_utc` with `deadline` and a maximum
/// price of ¥1,300,000.00.
async fn tender(
    app: &TestApp,
    n: u32,
    id: i64,
    publish_utc: &str,
    deadline: &str,
    invited: &[i64],
) {
    app.set_clock(at(publish_utc));
    let officer = app.login(&format!("officer{n}"), PASSWORD).await;
    let mut body = tender_body(deadline);
    body["max_price"] = json!("1300000.00");
    if !invited.is_empty() {
        body["invited_contractor_ids"] = json!(invited);
    }
    app.post(
        &format!("/api/v1/projects/{id}/tender"),
        Some(&officer),
        body,
    )
    .await
    .expect(201);
}

fn stored_bid(app: &TestApp, project_id: i64, contractor_id: i64) -> Option<(i64, String, String)> {
    use sixnorms::db::schema::bids;
    bids::table
        .filter(bids::project_id.eq(project_id))
        .filter(bids::contractor_id.eq(contractor_id))
        .select((bids::price_fen, bids::receipt_sha256, bids::status))
        .first(&mut *app.conn())
        .optional()
        .expect("bid")
}

/// A `multipart/form-data` body with a `csrf` part (when given) and one file part.
fn multipart(csrf: Option<&str>, filename: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----sixnorms-web-5c1d";
    let mut body = Vec::new();
    if let Some(token) = csrf {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    body.extend_from_slice(
        format!("Content-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_multipart(
    app: &TestApp,
    path: &str,
    cookie: &str,
    csrf: Option<&str>,
    content: &[u8],
) -> Reply {
    let (content_type, body) = multipart(csrf, "投标书.pdf", content);
    let response = app
        .client
        .post(format!("{}{path}", app.address))
        .header("Cookie", cookie)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    Reply {
        status: response.status(),
        headers: response.headers().clone(),
        text: response.text().await.expect("body"),
    }
}

#[tokio::test]
async fn registration_through_the_form_and_a_bad_uscc_refused_next_to_the_field() {
    let app = spawn_app().await;
    let login = app
        .client
        .get(format!("{}/login", app.address))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("text");
    assert!(
        login.contains("href=\"/register\""),
        "login links to registration"
    );

    let tables = ["contractors", "users", "audit_log"];
    let before = app.counts(&tables);
    let (cookie, token, page) = register_form(&app).await;
    assert!(page.contains("id=\"register-form\""));
    let (_, other_token, _) = register_form(&app).await;
    assert_ne!(token, other_token, "each browser gets its own token");
    let good = social_org_uscc(7);
    let mut bad = good.clone();
    let last = bad.pop().expect("check character");
    bad.push(if last == '0' { '1' } else { '0' });
    let mut fields = registration_fields(7, "zhongxin", &bad);
    fields.push(("csrf".to_owned(), token.clone()));
    let refused = post_register(&app, &cookie, &refs(&fields)).await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(
        element(&refused.text, "e-uscc").contains("校验位错误"),
        "the service's words next to the USCC field: {}",
        refused.text
    );
    assert!(
        refused.text.contains(&format!("value=\"{bad}\"")),
        "input kept"
    );
    assert!(refused.text.contains("value=\"zhongxin\""), "input kept");
    assert!(
        !refused.text.contains(PASSWORD),
        "a password is never echoed"
    );
    assert_eq!(app.counts(&tables), before, "nothing written");

    // Without the token, or with another browser's: 403, nothing written.
    let fields_ok = registration_fields(7, "zhongxin", &good);
    let forbidden = post_register(&app, &cookie, &refs(&fields_ok)).await;
    assert_eq!(forbidden.status.as_u16(), 403);
    let mut foreign = fields_ok.clone();
    foreign.push(("csrf".to_owned(), other_token.clone()));
    let forbidden = post_register(&app, &cookie, &refs(&foreign)).await;
    assert_eq!(forbidden.status.as_u16(), 403);
    assert_eq!(app.counts(&tables), before);

    let mut fields = fields_ok.clone();
    fields.push(("csrf".to_owned(), token));
    let done = post_register(&app, &cookie, &refs(&fields)).await;
    assert_eq!(done.status.as_u16(), 303, "{}", done.text);
    assert_eq!(location(&done), "/login");
    let flashed = app.get_page("/login", &with_flash(&cookie, &done)).await;
    assert!(
        flashed.text.contains("注册成功，待审核"),
        "{}",
        flashed.text
    );
    let counts = app.counts(&tables);
    assert_eq!(counts[0].1, before[0].1 + 1, "one organization");
    assert_eq!(counts[1].1, before[1].1 + 1, "one user");
    let (status, domains): (String, String) = {
        use sixnorms::db::schema::contractors;
        contractors::table
            .filter(contractors::uscc.eq(&good))
            .select((contractors::status, contractors::service_domains))
            .first(&mut *app.conn())
            .expect("registered")
    };
    assert_eq!(status, "pending");
    assert_eq!(domains, "social_assistance,elderly_care");
    // The new account signs in and sees its pending record.
    let session = app.page_login("zhongxin", PASSWORD).await;
    let org = app.get_page("/app/organization", &session).await;
    assert_eq!(org.status.as_u16(), 200);
    assert!(element(&org.text, "contractor-status").contains("待审核"));
}

#[tokio::test]
async fn the_organization_page_shows_every_check_and_key_changes_go_back_to_review() {
    let app = spawn_app().await;
    let (id, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    app.post(
        &format!("/api/v1/contractors/{id}/violations"),
        Some(&app.admin_token),
        json!({"occurred_on": "2025-06-01", "kind": "warning", "description": "未按期报送年度报告"}),
    )
    .await
    .expect(201);
    let cookie = app.page_login("org.a", PASSWORD).await;
    let page = app.get_page("/app/organization", &cookie).await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.text);
    assert!(element(&page.text, "contractor-status").contains("已认定"));
    assert!(page.text.contains(&social_org_uscc(1)));
    assert!(page.text.contains("兴庆区"), "region named");
    for code in [
        "legal_entity",
        "eligible_kind",
        "business_scope",
        "full_time_staff",
        "certified_social_workers",
        "financial_system",
        "tax_social_security",
        "no_major_violation_3y",
        "not_dishonest",
        "not_barred",
    ] {
        assert!(
            page.text.contains(&format!("id=\"check-{code}\"")),
            "check {code} shown"
        );
    }
    assert!(page.text.contains("未按期报送年度报告"), "violation listed");
    assert!(page.text.contains("未列入"), "dishonest flag shown");
    assert!(page.text.contains("id=\"organization-form\""));
    assert!(page.text.contains("回到“待审核”状态"), "the form says so");

    let status = || -> String {
        use sixnorms::db::schema::contractors;
        contractors::table
            .find(id)
            .select(contractors::status)
            .first(&mut *app.conn())
            .expect("status")
    };
    let form = |changes: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut fields = registration_fields(1, "unused", &social_org_uscc(1));
        fields.retain(|(k, _)| !k.starts_with("account."));
        for (name, value) in changes {
            fields.retain(|(k, _)| k != name);
            fields.push(((*name).to_owned(), (*value).to_owned()));
        }
        fields
    };

    // A contact change keeps the status.
    let saved = app
        .post_page(
            "/app/organization",
            &cookie,
            &refs(&form(&[("contact_phone", "13995001111")])),
        )
        .await;
    assert_eq!(saved.status.as_u16(), 303, "{}", saved.text);
    assert_eq!(status(), "qualified");
    let shown = app
        .get_page("/app/organization", &with_flash(&cookie, &saved))
        .await;
    assert!(shown.text.contains("机构资料已保存"));
    assert!(shown.text.contains("13995001111"));

    // Bad input: 422 next to the field, nothing changed.
    let before = app.counts(&["contractors", "audit_log"]);
    let refused = app
        .post_page(
            "/app/organization",
            &cookie,
            &refs(&form(&[
                ("full_time_staff", "很多"),
                ("contact_phone", "123"),
            ])),
        )
        .await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(element(&refused.text, "e-full_time_staff").contains("应为整数"));
    assert!(refused.text.contains("value=\"很多\""), "input kept");
    assert_eq!(app.counts(&["contractors", "audit_log"]), before);
    assert_eq!(status(), "qualified");

    // A key change sends it back to review.
    let resubmitted = app
        .post_page(
            "/app/organization",
            &cookie,
            &refs(&form(&[("full_time_staff", "15")])),
        )
        .await;
    assert_eq!(resubmitted.status.as_u16(), 303, "{}", resubmitted.text);
    assert_eq!(status(), "pending");
    let shown = app
        .get_page("/app/organization", &with_flash(&cookie, &resubmitted))
        .await;
    assert!(shown.text.contains("已回到“待审核”状态"));
    assert!(element(&shown.text, "contractor-status").contains("待审核"));
}

#[tokio::test]
async fn the_tender_list_shows_open_tenders_and_hides_passed_and_uninvited_ones() {
    let app = spawn_app().await;
    let (a, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    contractor(&app, 2, "org.pending", "640104").await;
    let (c, _) = qualified_contractor(&app, 3, "org.c", "640104").await;
    qualified_contractor(&app, 4, "org.d", "640104").await;
    qualified_contractor(&app, 5, "org.e", "640104").await;
    let early = prepared(&app, 1, "open_tender").await;
    let late = prepared(&app, 2, "open_tender").await;
    let invited = prepared(&app, 3, "invited_tender").await;
    tender(
        &app,
        1,
        early,
        "2026-04-01 01:00:00",
        "2026-04-21T09:00:00+08:00",
        &[],
    )
    .await;
    tender(
        &app,
        2,
        late,
        "2026-04-05 01:00:00",
        "2026-04-27T09:30:00+08:00",
        &[],
    )
    .await;
    {
        // Invitation of three others than A (org.c and two more).
        use sixnorms::db::schema::contractors;
        let others: Vec<i64> = contractors::table
            .filter(contractors::id.ne(a))
            .filter(contractors::status.eq("qualified"))
            .select(contractors::id)
            .load(&mut *app.conn())
            .expect("ids");
        assert!(others.contains(&c));
        tender(
            &app,
            3,
            invited,
            "2026-04-05 01:00:00",
            "2026-04-27T09:00:00+08:00",
            &others,
        )
        .await;
    }

    app.set_clock(at("2026-04-10 02:00:00"));
    let cookie = app.page_login("org.a", PASSWORD).await;
    let page = app.get_page("/app/tenders", &cookie).await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.text);
    let row = element(&page.text, &format!("tender-{early}"));
    assert!(row.contains("兴庆区2026年困难群众社会工作服务项目"));
    assert!(
        page.text.contains("2026-04-21 09:00"),
        "deadline in Beijing time"
    );
    assert!(page.text.contains("2026-04-27 09:30"));
    assert!(page.text.contains("¥1,300,000.00"), "maximum price");
    assert!(page.text.contains("公开招标"));
    assert!(page.text.contains("未投标"));
    assert!(page.text.contains("符合资格"));
    assert!(
        !page.text.contains(&format!("tender-{invited}\"")),
        "an invitation tender A is not invited to is not listed"
    );
    let invitee = app.page_login("org.c", PASSWORD).await;
    let theirs = app.get_page("/app/tenders", &invitee).await;
    assert!(theirs.text.contains(&format!("id=\"tender-{invited}\"")));
    assert!(theirs.text.contains("已受邀"));

    // Pending: listed, not qualified, the reason named.
    let pending = app.page_login("org.pending", PASSWORD).await;
    let listed = app.get_page("/app/tenders", &pending).await;
    assert!(listed.text.contains("不符合资格"));
    assert!(listed.text.contains("资格状态：待审核"));

    // Bid on one through the API, then the deadline of the early one passes.
    let token = app.login("org.a", PASSWORD).await;
    app.post(
        &format!("/api/v1/projects/{late}/bids"),
        Some(&token),
        json!({"price": "1000000", "proposal": "方案", "team_size": 5}),
    )
    .await
    .expect(201);
    app.set_clock(at("2026-04-22 02:00:00"));
    let cookie = app.page_login("org.a", PASSWORD).await;
    let page = app.get_page("/app/tenders", &cookie).await;
    assert!(
        !page.text.contains(&format!("id=\"tender-{early}\"")),
        "deadline passed: hidden"
    );
    assert!(element(&page.text, &format!("tender-{late}")).contains("兴庆区"));
    assert!(page.text.contains("已投标"));
}

#[tokio::test]
async fn bidding_through_the_form_shows_the_stored_receipt() {
    let app = spawn_app().await;
    let (a, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    let (b, _) = qualified_contractor(&app, 2, "org.b", "640104").await;
    let id = prepared(&app, 1, "open_tender").await;
    tender(
        &app,
        1,
        id,
        "2026-04-01 01:00:00",
        "2026-04-21T09:00:00+08:00",
        &[],
    )
    .await;
    app.set_clock(at("2026-04-10 02:00:00"));
    let cookie = app.page_login("org.a", PASSWORD).await;
    let url = format!("/app/tenders/{id}/bid");

    let page = app.get_page(&url, &cookie).await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.text);
    assert!(page.text.contains("id=\"bid-form\""));
    assert!(page.text.contains("服务方案"), "criteria listed");
    assert!(
        page.text.contains("专职工作人员不少于 5 人"),
        "requirements listed"
    );
    assert!(element(&page.text, "max-price").contains("¥1,300,000.00"));
    assert!(
        !page.text.contains("id=\"receipt\""),
        "no receipt before bidding"
    );

    // Above the maximum price: refused in Chinese, nothing written.
    let before = app.counts(&BID_TABLES);
    let refused = app
        .post_page(
            &url,
            &cookie,
            &[
                ("price", "1,400,000.00"),
                ("proposal", "方案甲"),
                ("team_size", "6"),
            ],
        )
        .await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(refused.text.contains("超过最高限价"), "{}", refused.text);
    assert!(
        refused.text.contains("value=\"1,400,000.00\""),
        "input kept"
    );
    assert_eq!(app.counts(&BID_TABLES), before);
    // A price that is not money: next to the field.
    let refused = app
        .post_page(
            &url,
            &cookie,
            &[
                ("price", "一百万"),
                ("proposal", "方案甲"),
                ("team_size", "6"),
            ],
        )
        .await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(element(&refused.text, "e-price").contains("金额"));
    assert_eq!(app.counts(&BID_TABLES), before);

    // The bid, with separators.
    let proposal = "甲方案：每月入户探访 100 户，个案 5 个。";
    let done = app
        .post_page(
            &url,
            &cookie,
            &[
                ("price", "1,200,000.00"),
                ("proposal", proposal),
                ("team_size", "6"),
            ],
        )
        .await;
    assert_eq!(done.status.as_u16(), 303, "{}", done.text);
    assert_eq!(location(&done), url);
    let (price_fen, receipt, status) = stored_bid(&app, id, a).expect("bid stored");
    assert_eq!(price_fen, 120_000_000);
    assert_eq!(status, "submitted");
    let shown = app.get_page(&url, &with_flash(&cookie, &done)).await;
    assert!(shown.text.contains("投标已提交"));
    assert!(element(&shown.text, "receipt-sha256").contains(&receipt));
    assert!(element(&shown.text, "receipt-time").contains("2026-04-10 10:00:00"));
    assert!(shown.text.contains("¥1,200,000.00"));
    assert!(
        shown.text.contains("value=\"1,200,000.00\""),
        "form pre-filled"
    );
    assert!(shown.text.contains("id=\"withdraw-form\""));
    assert!(shown.text.contains("id=\"bid-document-form\""));
    // The API shows the same receipt.
    let token = app.login("org.a", PASSWORD).await;
    let mine = app
        .get(&format!("/api/v1/projects/{id}/bids/mine"), Some(&token))
        .await
        .expect(200)
        .json();
    assert_eq!(mine["receipt_sha256"], json!(receipt));

    // Resubmission replaces the bid: a new receipt, still one row.
    app.set_clock(at("2026-04-11 02:00:00"));
    let cookie = app.page_login("org.a", PASSWORD).await;
    let again = app
        .post_page(
            &url,
            &cookie,
            &[
                ("price", "1,150,000.00"),
                ("proposal", proposal),
                ("team_size", "6"),
            ],
        )
        .await;
    assert_eq!(again.status.as_u16(), 303, "{}", again.text);
    let (price_fen, second, _) = stored_bid(&app, id, a).expect("bid");
    assert_eq!(price_fen, 115_000_000);
    assert_ne!(second, receipt, "a new receipt");
    assert_eq!(app.counts(&["bids"])[0].1, 1);
    let shown = app.get_page(&url, &cookie).await;
    assert!(element(&shown.text, "receipt-sha256").contains(&second));
    assert!(!shown.text.contains(&receipt), "the old receipt is gone");

    // A bid document: without the token 403, with it stored and the receipt recomputed.
    let pdf = b"%PDF-1.7\n% bid of A\n%%EOF\n";
    let before = app.counts(&BID_TABLES);
    let forbidden = post_multipart(&app, &format!("{url}/documents"), &cookie, None, pdf).await;
    assert_eq!(forbidden.status.as_u16(), 403);
    assert_eq!(app.counts(&BID_TABLES), before);
    let token = csrf_field(&shown.text);
    let wrong = post_multipart(
        &app,
        &format!("{url}/documents"),
        &cookie,
        Some(&token),
        b"plain text",
    )
    .await;
    assert_eq!(wrong.status.as_u16(), 422);
    assert!(element(&wrong.text, "e-file").contains("不支持的文件类型"));
    assert_eq!(app.counts(&BID_TABLES), before);
    let uploaded = post_multipart(
        &app,
        &format!("{url}/documents"),
        &cookie,
        Some(&token),
        pdf,
    )
    .await;
    assert_eq!(uploaded.status.as_u16(), 303, "{}", uploaded.text);
    assert_eq!(app.counts(&["documents"])[0].1, before[1].1 + 1);
    let (_, third, _) = stored_bid(&app, id, a).expect("bid");
    assert_ne!(third, second, "documents are part of the receipt");
    let shown = app.get_page(&url, &with_flash(&cookie, &uploaded)).await;
    assert!(shown.text.contains("投标文件已上传"));
    assert!(element(&shown.text, "receipt-sha256").contains(&third));
    assert!(shown.text.contains("投标书.pdf"));
    let download = shown
        .text
        .split("href=\"")
        .find(|s| s.starts_with(&format!("{url}/documents/")))
        .and_then(|s| s.split('"').next())
        .expect("download link")
        .to_owned();
    let file = app.get_page(&download, &cookie).await;
    assert_eq!(file.status.as_u16(), 200);
    assert!(file.text.starts_with("%PDF-1.7"));

    // Another organization sees neither the receipt nor the document.
    let other = app.page_login("org.b", PASSWORD).await;
    let theirs = app.get_page(&url, &other).await;
    assert_eq!(theirs.status.as_u16(), 200);
    assert!(
        !theirs.text.contains(&third),
        "another contractor cannot see this receipt"
    );
    assert!(!theirs.text.contains("id=\"receipt\""));
    let their_bids = app.get_page("/app/bids", &other).await;
    assert!(!their_bids.text.contains(&third));
    assert_eq!(app.get_page(&download, &other).await.status.as_u16(), 403);
    assert!(stored_bid(&app, id, b).is_none());

    // My bids lists it with the receipt.
    let listed = app.get_page("/app/bids", &cookie).await;
    assert_eq!(listed.status.as_u16(), 200);
    assert!(listed.text.contains(&third));
    assert!(listed.text.contains("尚未开标"));

    // Withdrawal needs the confirmation box.
    let before = app.counts(&BID_TABLES);
    let unconfirmed = app
        .post_page(&format!("{url}/withdraw"), &cookie, &[])
        .await;
    assert_eq!(unconfirmed.status.as_u16(), 422);
    assert!(element(&unconfirmed.text, "e-confirm").contains("请勾选确认"));
    assert_eq!(
        stored_bid(&app, id, a).expect("bid").2,
        "submitted",
        "bid kept"
    );
    assert_eq!(app.counts(&BID_TABLES), before);
    let withdrawn = app
        .post_page(&format!("{url}/withdraw"), &cookie, &[("confirm", "yes")])
        .await;
    assert_eq!(withdrawn.status.as_u16(), 303, "{}", withdrawn.text);
    assert_eq!(stored_bid(&app, id, a).expect("bid").2, "withdrawn");
    let shown = app.get_page(&url, &with_flash(&cookie, &withdrawn)).await;
    assert!(shown.text.contains("投标已撤回"));
    assert!(element(&shown.text, "bid-status").contains("已撤回"));

    // After the deadline: no form, the refusal in Chinese, nothing written.
    app.set_clock(at("2026-04-21 01:00:00"));
    let cookie = app.page_login("org.a", PASSWORD).await;
    let closed = app.get_page(&url, &cookie).await;
    assert!(element(&closed.text, "bid-closed").contains("已过"));
    assert!(!closed.text.contains("id=\"bid-form\""));
    let before = app.counts(&BID_TABLES);
    let late = app
        .post_page(
            &url,
            &cookie,
            &[
                ("price", "1,000,000.00"),
                ("proposal", proposal),
                ("team_size", "6"),
            ],
        )
        .await;
    assert_eq!(late.status.as_u16(), 422);
    assert!(late.text.contains("投标截止时间"), "{}", late.text);
    assert_eq!(app.counts(&BID_TABLES), before);
}

#[tokio::test]
async fn a_pending_organization_is_refused_in_chinese_and_nothing_is_written() {
    let app = spawn_app().await;
    contractor(&app, 1, "org.pending", "640104").await;
    let id = prepared(&app, 1, "open_tender").await;
    tender(
        &app,
        1,
        id,
        "2026-04-01 01:00:00",
        "2026-04-21T09:00:00+08:00",
        &[],
    )
    .await;
    app.set_clock(at("2026-04-10 02:00:00"));
    let cookie = app.page_login("org.pending", PASSWORD).await;
    let url = format!("/app/tenders/{id}/bid");
    let page = app.get_page(&url, &cookie).await;
    assert!(element(&page.text, "qualification-warning").contains("不符合"));
    let before = app.counts(&BID_TABLES);
    let refused = app
        .post_page(
            &url,
            &cookie,
            &[
                ("price", "1,000,000.00"),
                ("proposal", "方案"),
                ("team_size", "6"),
            ],
        )
        .await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(
        refused.text.contains("经审核认定后方可投标"),
        "{}",
        refused.text
    );
    assert_eq!(app.counts(&BID_TABLES), before);
}

#[tokio::test]
async fn other_roles_get_403_on_the_contractor_pages() {
    let app = spawn_app().await;
    qualified_contractor(&app, 1, "org.a", "640104").await;
    let id = prepared(&app, 1, "open_tender").await;
    tender(
        &app,
        1,
        id,
        "2026-04-01 01:00:00",
        "2026-04-21T09:00:00+08:00",
        &[],
    )
    .await;
    app.set_clock(at("2026-04-10 02:00:00"));
    create_user_direct(&app.state, "shenji", Role::Auditor);
    let before = app.counts(&BID_TABLES);
    for name in ["officer1", "shenji"] {
        let cookie = app.page_login(name, PASSWORD).await;
        for path in [
            "/app/organization".to_owned(),
            "/app/tenders".to_owned(),
            "/app/bids".to_owned(),
            format!("/app/tenders/{id}/bid"),
        ] {
            let reply = app.get_page(&path, &cookie).await;
            assert_eq!(reply.status.as_u16(), 403, "{name} {path}");
            assert!(
                reply.text.contains("无权"),
                "{name} {path}: Chinese 403 page"
            );
        }
        let posted = app
            .post_page(
                &format!("/app/tenders/{id}/bid"),
                &cookie,
                &[
                    ("price", "1,000,000.00"),
                    ("proposal", "方案"),
                    ("team_size", "6"),
                ],
            )
            .await;
        assert_eq!(posted.status.as_u16(), 403, "{name}");
    }
    assert_eq!(app.counts(&BID_TABLES), before);
    // Anonymous: to the login page.
    let anonymous = app.get_page("/app/tenders", "").await;
    assert_eq!(anonymous.status.as_u16(), 303);
    assert!(location(&anonymous).starts_with("/login?next="));
}

#[tokio::test]
async fn a_losing_bidder_files_a_challenge_in_the_window() {
    let app = spawn_app().await;
    {
        let mut conn = app.conn();
        sixnorms::demo::load(
            &mut conn,
            &app.state.settings,
            &app.state.rules,
            &app.state.calendar,
            app.state.clock.now(),
            app.state.clock.today(),
        )
        .expect("demo");
    }
    // Back to the last day of the demo award's challenge window (09:00 Beijing time).
    let deadline: chrono::NaiveDate = {
        use sixnorms::db::schema::awards;
        awards::table
            .filter(awards::active.eq(true))
            .select(awards::challenge_deadline)
            .first(&mut *app.conn())
            .expect("the demo has an award")
    };
    app.set_clock(deadline.and_hms_opt(1, 0, 0).expect("time"));
    let cookie = app.page_login("yijia", sixnorms::demo::DEMO_PASSWORD).await;
    let page = app.get_page("/app/bids", &cookie).await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.text);
    assert!(
        page.text.contains("未中标"),
        "the public award result: {}",
        page.text
    );
    let form_start = page
        .text
        .find("id=\"challenge-form-")
        .expect("challenge form within the window");
    let project_id: i64 = page.text[form_start + "id=\"challenge-form-".len()..]
        .split('"')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("project id");
    let path = format!("/app/bids/{project_id}/challenge");
    let before = app.counts(&["challenges", "audit_log"]);
    let refused = app
        .post_page(&path, &cookie, &[("grounds", ""), ("facts", "评分不公")])
        .await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(element(&refused.text, "e-grounds").contains("必填"));
    assert!(refused.text.contains("评分不公"), "input kept");
    assert_eq!(app.counts(&["challenges", "audit_log"]), before);
    let filed = app
        .post_page(
            &path,
            &cookie,
            &[
                ("grounds", "对技术评分提出质疑"),
                ("facts", "我方服务方案得分明显偏低"),
            ],
        )
        .await;
    assert_eq!(filed.status.as_u16(), 303, "{}", filed.text);
    assert_eq!(app.counts(&["challenges"])[0].1, before[0].1 + 1);
    let shown = app
        .get_page("/app/bids", &with_flash(&cookie, &filed))
        .await;
    assert!(shown.text.contains("质疑已提交"));
    assert!(shown.text.contains("对技术评分提出质疑"));
    assert!(shown.text.contains("待答复"));

    // The day after the window: no form, and a late challenge is refused in Chinese.
    app.set_clock(
        (deadline + chrono::Duration::days(1))
            .and_hms_opt(1, 0, 0)
            .expect("time"),
    );
    let cookie = app.page_login("yijia", sixnorms::demo::DEMO_PASSWORD).await;
    let page = app.get_page("/app/bids", &cookie).await;
    assert!(!page.text.contains("id=\"challenge-form-"));
    let before = app.counts(&["challenges"]);
    let late = app
        .post_page(
            &path,
            &cookie,
            &[("grounds", "迟到的质疑"), ("facts", "事实")],
        )
        .await;
    assert_eq!(late.status.as_u16(), 422);
    assert!(late.text.contains("质疑期已于"), "{}", late.text);
    assert_eq!(app.counts(&["challenges"]), before);
}
