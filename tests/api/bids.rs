//! Sealed bids and the opening: nobody reads a bid before opening, receipts that bidders can
//! recompute, replacement and withdrawal, the deadline to the second, the bidding rules,
//! uploads checked by content and size, the opening by the officer and by the `open_bids` job
//! (exactly once), and the failure of a procurement with too few qualified bids.

use diesel::prelude::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sixnorms::auth::Role;
use sixnorms::jobs::{Trigger, run_now};

use crate::factories::{contractor, qualified_contractor, registration};
use crate::helpers::{PASSWORD, Reply, TestApp, at, spawn_app, spawn_app_with};
use crate::procurement::{buyer, project, project_body, tender_body};

/// The tender's deadline: Tuesday 21 April 2026, 09:00 in Shanghai.
const DEADLINE: &str = "2026-04-21T09:00:00+08:00";
/// The same instant in UTC, for the clock.
const DEADLINE_UTC: &str = "2026-04-21 01:00:00";
/// Tables a rejected request must leave alone.
const TABLES: [&str; 4] = ["bids", "documents", "audit_log", "notices"];

fn rule(reply: &Reply) -> String {
    reply.json()["error"]["details"]["rule"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn bid(price: impl serde::Serialize, proposal: &str) -> Value {
    json!({"price": price, "proposal": proposal, "team_size": 6})
}

/// A project of buyer `n` with its intention published at the current clock (the start).
async fn prepared(app: &TestApp, n: u32, method: &str) -> i64 {
    let b = buyer(app, n, "government_department", "3000000.00").await;
    let mut body = project_body(&b);
    body["method"] = json!(method);
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

/// Publishes the tender of a prepared project on 2026-04-01 (moving the clock there);
/// returns a fresh token of buyer `n`'s officer.
async fn tender(app: &TestApp, n: u32, id: i64, invited: &[i64]) -> String {
    app.set_clock(at("2026-04-01 01:00:00"));
    let officer = app.login(&format!("officer{n}"), PASSWORD).await;
    let mut body = tender_body(DEADLINE);
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
    officer
}

/// Moves the clock and logs `usernames` in again (tokens last 12 hours).
async fn move_to(app: &TestApp, utc: &str, usernames: &[&str]) -> Vec<String> {
    app.set_clock(at(utc));
    let mut tokens = Vec::new();
    for name in usernames {
        tokens.push(app.login(name, PASSWORD).await);
    }
    tokens
}

/// A `multipart/form-data` body with one file part.
fn multipart(filename: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----sixnorms-test-7f3a";
    let mut body = Vec::new();
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

async fn upload(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    name: &str,
    content: &[u8],
) -> Reply {
    let (content_type, body) = multipart(name, content);
    app.post_raw(path, token, &content_type, body).await
}

/// Downloads a document; returns the status, content type and bytes.
async fn download(app: &TestApp, id: i64, token: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut request = app
        .client
        .get(format!("{}/api/v1/documents/{id}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (
        status,
        content_type,
        response.bytes().await.expect("body").to_vec(),
    )
}

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% {text}\n%%EOF\n").into_bytes()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

/// A ZIP of stored entries, written here independently of the server's reader.
fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, data) in entries {
        let offset = out.len() as u32;
        let (crc, size, name_len) = (crc32(data), data.len() as u32, name.len() as u16);
        out.extend_from_slice(b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0");
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(b"PK\x01\x02\x14\0\x14\0\0\0\0\0\0\0\0\0");
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn docx() -> Vec<u8> {
    zip(&[
        (
            "[Content_Types].xml",
            br#"<Types><Override PartName="/word/document.xml"/></Types>"#,
        ),
        ("word/document.xml", b"<w:document/>"),
    ])
}

/// The receipt of an opened bid as its bidder recomputes it from the published data, written
/// out by hand (keys sorted, no spaces, SHA-256 in hex).
fn recompute_receipt(project_id: i64, bid: &Value) -> String {
    let mut documents: Vec<String> = bid["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| format!("\"{}\"", d["sha256"].as_str().expect("sha256")))
        .collect();
    documents.sort();
    let text = format!(
        "{{\"contractor_id\":{},\"documents\":[{}],\"price\":\"{}\",\"project_id\":{},\"proposal\":{},\"submitted_at\":\"{}\",\"team_size\":{},\"tender_id\":{}}}",
        bid["contractor_id"],
        documents.join(","),
        bid["price"].as_str().expect("price"),
        project_id,
        serde_json::to_string(bid["proposal"].as_str().expect("proposal")).expect("json"),
        bid["submitted_at"].as_str().expect("submitted_at"),
        bid["team_size"],
        bid["tender_id"],
    );
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn put_on_panel(app: &TestApp, project_id: i64, evaluator_id: i64) {
    use sixnorms::db::schema::panel_members;
    diesel::insert_into(panel_members::table)
        .values((
            panel_members::project_id.eq(project_id),
            panel_members::evaluator_id.eq(evaluator_id),
        ))
        .execute(&mut *app.conn())
        .expect("panel member");
}

/// Every audit row's before and after JSON.
fn audit_texts(app: &TestApp) -> Vec<String> {
    use sixnorms::db::schema::audit_log;
    let rows: Vec<(Option<String>, Option<String>)> = audit_log::table
        .select((audit_log::before_json, audit_log::after_json))
        .load(&mut *app.conn())
        .expect("audit rows");
    rows.into_iter()
        .flat_map(|(b, a)| [b, a])
        .flatten()
        .collect()
}

fn notices_of(app: &TestApp, project_id: i64, kind: &str) -> i64 {
    use sixnorms::db::schema::notices;
    notices::table
        .filter(notices::project_id.eq(project_id))
        .filter(notices::kind.eq(kind))
        .count()
        .get_result(&mut *app.conn())
        .expect("count")
}

#[tokio::test]
async fn no_role_reads_a_bid_before_opening_and_the_receipts_check_out() {
    let app = spawn_app().await;
    let (a, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    let (b, _) = qualified_contractor(&app, 2, "org.b", "640104").await;
    let (c, _) = qualified_contractor(&app, 3, "org.c", "640104").await;
    qualified_contractor(&app, 4, "org.d", "640104").await;
    let (panelist, _) = app.user_with_token("expert.on", Role::Evaluator).await;
    app.user_with_token("expert.off", Role::Evaluator).await;
    app.user_with_token("shenji", Role::Auditor).await;
    buyer(&app, 9, "government_department", "1000000.00").await; // officer9: another purchaser
    let id = prepared(&app, 1, "open_tender").await;
    tender(&app, 1, id, &[]).await;
    put_on_panel(&app, id, panelist);
    let url = format!("/api/v1/projects/{id}");

    // Bids on 10 April; A adds a document, B's proposal has quotes and a newline.
    let names = [
        "org.a",
        "org.b",
        "org.c",
        "org.d",
        "officer1",
        "officer9",
        "admin",
        "shenji",
        "expert.on",
        "expert.off",
    ];
    let tokens = move_to(&app, "2026-04-10 02:00:00", &names).await;
    let token = |name: &str| tokens[names.iter().position(|n| *n == name).expect("name")].clone();
    let secret_a = "甲方案：每月入户探访 100 户，个案 5 个。";
    let secret_b = "乙方案：\"三社联动\"\n驻点服务";
    let first = app
        .post(
            &format!("{url}/bids"),
            Some(&token("org.a")),
            bid("951234.00", secret_a),
        )
        .await
        .expect(201)
        .json();
    let doc = upload(
        &app,
        &format!("{url}/bids/mine/documents"),
        Some(&token("org.a")),
        "甲-投标书.pdf",
        &pdf("bid of A"),
    )
    .await
    .expect(201)
    .json();
    let doc_id = doc["document"]["id"].as_i64().expect("doc id");
    assert_ne!(
        doc["receipt_sha256"], first["receipt_sha256"],
        "documents are part of the receipt"
    );
    app.post(
        &format!("{url}/bids"),
        Some(&token("org.b")),
        bid("932345", secret_b),
    )
    .await
    .expect(201);
    app.post(
        &format!("{url}/bids"),
        Some(&token("org.c")),
        bid(961234.5, "丙方案"),
    )
    .await
    .expect(201);

    // Sealed: every role, the list and the document.
    for name in names {
        let list = app
            .get(&format!("{url}/bids"), Some(&token(name)))
            .await
            .expect(403);
        assert_eq!(list.code(), "bids_sealed", "{name}");
        if name != "org.a" {
            let (status, _, body) = download(&app, doc_id, Some(&token(name))).await;
            assert_eq!(status, 403, "{name}");
            assert!(
                String::from_utf8_lossy(&body).contains("bids_sealed"),
                "{name}"
            );
        }
    }
    let (status, _, _) = download(&app, doc_id, None).await;
    assert_eq!(status, 403);
    app.get(&format!("{url}/opening"), None).await.expect(403);
    // Only the count is public; the bidder sees its own bid.
    let count = app
        .get(&format!("{url}/bids/count"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(count, json!({"count": 3}));
    let mine = app
        .get(&format!("{url}/bids/mine"), Some(&token("org.a")))
        .await
        .expect(200)
        .json();
    assert_eq!(mine["price"], "951234.00");
    assert_eq!(mine["receipt_sha256"], doc["receipt_sha256"]);
    let (status, content_type, body) = download(&app, doc_id, Some(&token("org.a"))).await;
    assert_eq!(
        (status, content_type.as_str(), body),
        (200, "application/pdf", pdf("bid of A"))
    );
    app.get(&format!("{url}/bids/mine"), Some(&token("officer1")))
        .await
        .expect(403);
    // The audit trail, which auditors read, holds no price or proposal.
    for text in audit_texts(&app) {
        for secret in [
            "951234",
            "932345",
            "961234",
            "甲方案",
            "三社联动",
            "丙方案",
            "甲-投标书",
        ] {
            assert!(!text.contains(secret), "audit reveals {secret}: {text}");
        }
    }

    // Opening at the deadline by the purchaser's officer.
    let tokens = move_to(&app, DEADLINE_UTC, &names).await;
    let token = |name: &str| tokens[names.iter().position(|n| *n == name).expect("name")].clone();
    app.post(&format!("{url}/open"), Some(&token("officer9")), json!({}))
        .await
        .expect(403);
    let opening = app
        .post(&format!("{url}/open"), Some(&token("officer1")), json!({}))
        .await
        .expect(200)
        .json();
    assert_eq!(opening["project_status"], "evaluating");
    assert_eq!(opening["opened_at"], "2026-04-21T01:00:00.000000Z");
    let again = app
        .post(&format!("{url}/open"), Some(&token("officer1")), json!({}))
        .await
        .expect(409);
    assert_eq!(again.code(), "invalid_state");

    // After opening: allowed per role.
    for name in ["officer1", "admin", "shenji", "expert.on"] {
        let list = app
            .get(&format!("{url}/bids"), Some(&token(name)))
            .await
            .expect(200)
            .json();
        assert_eq!(list["total"], 3, "{name}");
        let (status, _, body) = download(&app, doc_id, Some(&token(name))).await;
        assert_eq!((status, body), (200, pdf("bid of A")), "{name}");
    }
    for name in ["officer9", "expert.off", "org.a", "org.d"] {
        let list = app
            .get(&format!("{url}/bids"), Some(&token(name)))
            .await
            .expect(403);
        assert_eq!(list.code(), "forbidden", "{name}");
    }
    for name in ["officer9", "expert.off", "org.b", "org.d"] {
        assert_eq!(
            download(&app, doc_id, Some(&token(name))).await.0,
            403,
            "{name}"
        );
    }
    assert_eq!(download(&app, doc_id, Some(&token("org.a"))).await.0, 200);
    assert_eq!(download(&app, doc_id, None).await.0, 401);

    // Every receipt recomputes from the opened bid and matches the public opening record.
    let list = app
        .get(&format!("{url}/bids"), Some(&token("shenji")))
        .await
        .expect(200)
        .json();
    let record = app
        .get(&format!("{url}/opening"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(record["bids"].as_array().expect("bids").len(), 3);
    for opened in list["items"].as_array().expect("items") {
        let receipt = recompute_receipt(id, opened);
        assert_eq!(opened["receipt_sha256"], receipt.as_str());
        let line = record["bids"]
            .as_array()
            .expect("bids")
            .iter()
            .find(|l| l["bid_id"] == opened["id"])
            .expect("line");
        assert_eq!(line["receipt_sha256"], receipt.as_str());
        assert_eq!(line["price"], opened["price"]);
        assert_eq!(line["status"], "qualified");
        assert_eq!(line["reasons"], json!([]));
    }
    let a_line = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|x| x["contractor_id"] == a)
        .expect("A");
    assert_eq!(a_line["proposal"], secret_a);
    assert_eq!(a_line["documents"][0]["filename"], "甲-投标书.pdf");
    assert_eq!(a_line["receipt_sha256"], doc["receipt_sha256"]);
    let contractors: Vec<i64> = record["bids"]
        .as_array()
        .expect("bids")
        .iter()
        .filter_map(|l| l["contractor_id"].as_i64())
        .collect();
    assert_eq!(contractors, vec![a, b, c]);
    // The opening record notice lists every receipt.
    assert_eq!(notices_of(&app, id, "opening"), 1);
    assert_eq!(notices_of(&app, id, "failure"), 0);
    let notices = app
        .get("/api/v1/notices?kind=opening", None)
        .await
        .expect(200)
        .json();
    let detail = app
        .get(
            &format!("/api/v1/notices/{}", notices["items"][0]["id"]),
            None,
        )
        .await
        .expect(200)
        .json();
    let body = detail["body_html"].as_str().expect("body");
    assert!(
        body.contains(a_line["receipt_sha256"].as_str().expect("receipt")),
        "{body}"
    );
}

#[tokio::test]
async fn resubmission_replaces_the_bid_and_withdrawal_takes_it_back() {
    let app = spawn_app().await;
    let (a, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    let id = prepared(&app, 1, "open_tender").await;
    tender(&app, 1, id, &[]).await;
    let url = format!("/api/v1/projects/{id}");
    let [token] = <[String; 1]>::try_from(move_to(&app, "2026-04-10 02:00:00", &["org.a"]).await)
        .expect("token");
    let first = app
        .post(
            &format!("{url}/bids"),
            Some(&token),
            bid("950000", "初版方案"),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(first["submitted_at"], "2026-04-10T02:00:00.000000Z");
    app.set_clock(at("2026-04-10 03:30:00"));
    let second = app
        .post(
            &format!("{url}/bids"),
            Some(&token),
            bid("940000", "修订方案"),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(second["id"], first["id"], "the same bid is replaced");
    assert_ne!(second["receipt_sha256"], first["receipt_sha256"]);
    assert_eq!(second["submitted_at"], "2026-04-10T03:30:00.000000Z");
    let mine = app
        .get(&format!("{url}/bids/mine"), Some(&token))
        .await
        .expect(200)
        .json();
    assert_eq!(
        (mine["price"].as_str(), mine["proposal"].as_str()),
        (Some("940000.00"), Some("修订方案"))
    );
    assert_eq!(mine["receipt_sha256"], second["receipt_sha256"]);
    assert_eq!(
        recompute_receipt(id, &mine),
        second["receipt_sha256"].as_str().expect("receipt")
    );
    assert_eq!(app.counts(&["bids"])[0].1, 1);

    // A document changes the receipt (submitted_at stays); recomputable as well.
    let doc = upload(
        &app,
        &format!("{url}/bids/mine/documents"),
        Some(&token),
        "资质.png",
        PNG,
    )
    .await
    .expect(201)
    .json();
    let mine = app
        .get(&format!("{url}/bids/mine"), Some(&token))
        .await
        .expect(200)
        .json();
    assert_eq!(mine["receipt_sha256"], doc["receipt_sha256"]);
    assert_ne!(mine["receipt_sha256"], second["receipt_sha256"]);
    assert_eq!(mine["submitted_at"], second["submitted_at"]);
    assert_eq!(
        recompute_receipt(id, &mine),
        doc["receipt_sha256"].as_str().expect("receipt")
    );

    // Withdrawal; nothing left to withdraw; a new submission revives the same row.
    app.call(
        reqwest::Method::DELETE,
        &format!("{url}/bids/mine"),
        Some(&token),
        None,
    )
    .await
    .expect(204);
    let mine = app
        .get(&format!("{url}/bids/mine"), Some(&token))
        .await
        .expect(200)
        .json();
    assert_eq!(mine["status"], "withdrawn");
    assert_eq!(
        app.get(&format!("{url}/bids/count"), None)
            .await
            .expect(200)
            .json()["count"],
        0
    );
    let before = app.counts(&TABLES);
    app.call(
        reqwest::Method::DELETE,
        &format!("{url}/bids/mine"),
        Some(&token),
        None,
    )
    .await
    .expect(404);
    let refused = upload(
        &app,
        &format!("{url}/bids/mine/documents"),
        Some(&token),
        "x.pdf",
        &pdf("x"),
    )
    .await
    .expect(422);
    assert_eq!(rule(&refused), "bid_withdrawn");
    assert_eq!(app.counts(&TABLES), before);
    let third = app
        .post(
            &format!("{url}/bids"),
            Some(&token),
            bid("930000", "第三版"),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(third["id"], first["id"]);
    let mine = app
        .get(&format!("{url}/bids/mine"), Some(&token))
        .await
        .expect(200)
        .json();
    assert_eq!(mine["status"], "submitted");
    assert_eq!(mine["documents"].as_array().expect("docs").len(), 1);
    assert_eq!(
        recompute_receipt(id, &mine),
        third["receipt_sha256"].as_str().expect("receipt")
    );

    // The audit rows of bid changes carry ids and receipts only.
    use sixnorms::db::schema::audit_log;
    let rows: Vec<(String, Option<String>)> = audit_log::table
        .filter(audit_log::action.like("bid.%"))
        .order(audit_log::seq.asc())
        .select((audit_log::action, audit_log::after_json))
        .load(&mut *app.conn())
        .expect("audit");
    let actions: Vec<&str> = rows.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "bid.submit",
            "bid.submit",
            "bid.document_upload",
            "bid.withdraw",
            "bid.submit"
        ]
    );
    let last: Value = serde_json::from_str(rows[4].1.as_deref().expect("after")).expect("json");
    assert_eq!(
        last,
        json!({"bid_id": first["id"], "contractor_id": a, "receipt_sha256": third["receipt_sha256"]})
    );

    // After the deadline: no withdrawal, no change.
    let [token] =
        <[String; 1]>::try_from(move_to(&app, DEADLINE_UTC, &["org.a"]).await).expect("token");
    let before = app.counts(&TABLES);
    let late = app
        .call(
            reqwest::Method::DELETE,
            &format!("{url}/bids/mine"),
            Some(&token),
            None,
        )
        .await
        .expect(422);
    assert_eq!(rule(&late), "bid_deadline_passed");
    let late = app
        .post(&format!("{url}/bids"), Some(&token), bid("900000", "晚了"))
        .await
        .expect(422);
    assert_eq!(rule(&late), "bid_deadline_passed");
    let late = upload(
        &app,
        &format!("{url}/bids/mine/documents"),
        Some(&token),
        "x.pdf",
        &pdf("x"),
    )
    .await
    .expect(422);
    assert_eq!(rule(&late), "bid_deadline_passed");
    assert_eq!(app.counts(&TABLES), before);
}

#[tokio::test]
async fn the_deadline_holds_to_the_second_for_bids_and_for_opening() {
    let app = spawn_app().await;
    for (n, name) in [(1, "org.a"), (2, "org.b"), (3, "org.c"), (4, "org.d")] {
        qualified_contractor(&app, n, name, "640104").await;
    }
    let id = prepared(&app, 1, "open_tender").await;
    tender(&app, 1, id, &[]).await;
    let url = format!("/api/v1/projects/{id}");
    let names = ["org.a", "org.b", "org.c", "org.d", "officer1"];
    // One second before: accepted, and the officer cannot open yet.
    let t = move_to(&app, "2026-04-21 00:59:59", &names).await;
    app.post(&format!("{url}/bids"), Some(&t[0]), bid("950000", "甲"))
        .await
        .expect(201);
    app.post(&format!("{url}/bids"), Some(&t[1]), bid("940000", "乙"))
        .await
        .expect(201);
    app.post(&format!("{url}/bids"), Some(&t[2]), bid("930000", "丙"))
        .await
        .expect(201);
    let before = app.counts(&TABLES);
    let early = app
        .post(&format!("{url}/open"), Some(&t[4]), json!({}))
        .await
        .expect(422);
    assert_eq!(rule(&early), "deadline_not_reached");
    assert!(early.text.contains("2026年4月21日 09:00"), "{}", early.text);
    // The job does not open it either.
    run_now(&app.state, "open_bids", Trigger::Manual)
        .await
        .expect("job");
    assert_eq!(app.counts(&TABLES), before);
    // Exactly at the deadline, and one second after: refused, nothing changes.
    app.set_clock(at(DEADLINE_UTC));
    let refused = app
        .post(&format!("{url}/bids"), Some(&t[3]), bid("920000", "丁"))
        .await
        .expect(422);
    assert_eq!(rule(&refused), "bid_deadline_passed");
    app.set_clock(at("2026-04-21 01:00:01"));
    let refused = app
        .post(&format!("{url}/bids"), Some(&t[3]), bid("920000", "丁"))
        .await
        .expect(422);
    assert_eq!(rule(&refused), "bid_deadline_passed");
    let refused = app
        .post(&format!("{url}/bids"), Some(&t[0]), bid("910000", "甲改"))
        .await
        .expect(422);
    assert_eq!(rule(&refused), "bid_deadline_passed");
    assert_eq!(app.counts(&TABLES), before);
    assert_eq!(
        app.get(&format!("{url}/bids/count"), None)
            .await
            .expect(200)
            .json()["count"],
        3
    );
    // At the deadline the officer may open.
    let opened = app
        .post(&format!("{url}/open"), Some(&t[4]), json!({}))
        .await
        .expect(200)
        .json();
    assert_eq!(opened["project_status"], "evaluating");
    assert_eq!(opened["bids"].as_array().expect("bids").len(), 3);
}

#[tokio::test]
async fn bidding_rules_name_the_rule_and_change_nothing() {
    let app = spawn_app().await;
    let (a, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    let (b, _) = qualified_contractor(&app, 2, "org.b", "640104").await;
    let (c, _) = qualified_contractor(&app, 3, "org.c", "640104").await;
    qualified_contractor(&app, 4, "org.d", "640104").await;
    contractor(&app, 5, "org.pending", "640104").await;
    let open = prepared(&app, 1, "open_tender").await;
    let invited = prepared(&app, 2, "invited_tender").await;
    tender(&app, 1, open, &[]).await;
    tender(&app, 2, invited, &[a, b, c]).await;
    let names = ["org.a", "org.d", "org.pending", "officer1"];
    let t = move_to(&app, "2026-04-10 02:00:00", &names).await;
    let open_url = format!("/api/v1/projects/{open}/bids");
    let invited_url = format!("/api/v1/projects/{invited}/bids");
    let before = app.counts(&TABLES);

    let reply = app
        .post(&open_url, Some(&t[2]), bid("900000", "方案"))
        .await
        .expect(422);
    assert_eq!(rule(&reply), "contractor_not_qualified");
    let reply = app
        .post(&open_url, Some(&t[0]), bid("980000.01", "方案"))
        .await
        .expect(422);
    assert_eq!(rule(&reply), "price_above_max");
    let reply = app
        .post(&invited_url, Some(&t[1]), bid("900000", "方案"))
        .await
        .expect(422);
    assert_eq!(rule(&reply), "not_invited");
    let reply = app
        .post(
            &open_url,
            Some(&t[0]),
            json!({"price": "0", "proposal": "  ", "team_size": 0}),
        )
        .await
        .expect(422);
    let fields = reply.json()["error"]["details"]["fields"].clone();
    for field in ["price", "proposal", "team_size"] {
        assert!(fields[field].is_array(), "{field}: {fields}");
    }
    let reply = app
        .post(
            &open_url,
            Some(&t[0]),
            json!({"price": "1", "proposal": "长".repeat(20_001), "team_size": 3}),
        )
        .await
        .expect(422);
    let fields = reply.json()["error"]["details"]["fields"].clone();
    assert!(fields["proposal"].is_array(), "{fields}");
    let reply = app
        .post(&open_url, Some(&t[0]), bid("1.001", "方案"))
        .await
        .expect(422);
    let fields = reply.json()["error"]["details"]["fields"].clone();
    assert!(fields["price"].is_array(), "{fields}");
    let reply = app
        .post(
            &open_url,
            Some(&t[0]),
            json!({"price": "1", "proposal": "x", "team_size": 1, "discount": "5%"}),
        )
        .await
        .expect(422);
    assert!(reply.json()["error"]["details"]["fields"]["discount"].is_array());
    app.post(&open_url, Some(&t[3]), bid("900000", "方案"))
        .await
        .expect(403);
    app.post(&open_url, None, bid("900000", "方案"))
        .await
        .expect(401);
    app.post(
        "/api/v1/projects/999999/bids",
        Some(&t[0]),
        bid("900000", "方案"),
    )
    .await
    .expect(404);
    assert_eq!(app.counts(&TABLES), before);

    // The limits themselves are allowed: the maximum price, 20000 characters, one person.
    app.post(
        &open_url,
        Some(&t[0]),
        json!({"price": "980000.00", "proposal": "长".repeat(20_000), "team_size": 1}),
    )
    .await
    .expect(201);
    app.post(&invited_url, Some(&t[0]), bid("900000", "方案"))
        .await
        .expect(201);
}

#[tokio::test]
async fn the_job_opens_once_and_too_few_qualified_bids_fail_the_procurement() {
    let app = spawn_app().await;
    let (a, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    let (b, _) = qualified_contractor(&app, 2, "org.b", "640104").await;
    // C is qualified on the base rules (3 staff) but has 4 full-time staff; the tender asks 5.
    let mut body = registration(3, "org.c", "640104");
    body["full_time_staff"] = json!(4);
    let c = app
        .post("/api/v1/contractors/register", None, body)
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    app.post(
        &format!("/api/v1/contractors/{c}/review"),
        Some(&app.admin_token),
        json!({"decision": "approve", "reason": "符合基本条件"}),
    )
    .await
    .expect(200);
    let id = prepared(&app, 1, "open_tender").await;
    tender(&app, 1, id, &[]).await;
    let url = format!("/api/v1/projects/{id}");
    let t = move_to(&app, "2026-04-10 02:00:00", &["org.a", "org.b", "org.c"]).await;
    for (token, price) in t.iter().zip(["950000", "940000", "930000"]) {
        app.post(&format!("{url}/bids"), Some(token), bid(price, "服务方案"))
            .await
            .expect(201);
    }

    // Two runs at once after the deadline, then a third: one opening.
    app.set_clock(at("2026-04-21 01:00:30"));
    let (first, second) = tokio::join!(
        run_now(&app.state, "open_bids", Trigger::Manual),
        run_now(&app.state, "open_bids", Trigger::Manual)
    );
    let third = run_now(&app.state, "open_bids", Trigger::Manual)
        .await
        .expect("third run");
    let mut opened = 0;
    for run in [
        first.expect("first run"),
        second.expect("second run"),
        third,
    ] {
        assert_eq!(run.outcome, "ok", "{run:?}");
        let detail: Value =
            serde_json::from_str(run.detail.as_deref().expect("detail")).expect("json");
        opened += detail["opened"].as_array().expect("opened").len();
    }
    assert_eq!(opened, 1);
    use sixnorms::db::schema::audit_log;
    let openings: i64 = audit_log::table
        .filter(audit_log::action.eq("project.open_bids"))
        .count()
        .get_result(&mut *app.conn())
        .expect("count");
    assert_eq!(openings, 1);
    assert_eq!(notices_of(&app, id, "opening"), 1);
    assert_eq!(notices_of(&app, id, "failure"), 1);

    // Two qualified bids are fewer than open tendering needs: failed, with the reason.
    let [officer] =
        <[String; 1]>::try_from(move_to(&app, "2026-04-21 02:00:00", &["officer1"]).await)
            .expect("token");
    let view = app.get(&url, Some(&officer)).await.expect(200).json();
    assert_eq!(view["status"], "failed");
    let reason = view["status_reason"].as_str().expect("reason");
    assert!(
        reason.contains("2 家") && reason.contains("3 家"),
        "{reason}"
    );
    let record = app
        .get(&format!("{url}/opening"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(record["project_status"], "failed");
    assert_eq!(record["opened_at"], "2026-04-21T01:00:30.000000Z");
    let status_of = |contractor: i64| {
        record["bids"]
            .as_array()
            .expect("bids")
            .iter()
            .find(|l| l["contractor_id"] == contractor)
            .expect("line")
            .clone()
    };
    assert_eq!(status_of(a)["status"], "qualified");
    assert_eq!(status_of(b)["status"], "qualified");
    let disqualified = status_of(c);
    assert_eq!(disqualified["status"], "disqualified");
    assert_eq!(
        disqualified["reasons"],
        json!(["专职工作人员 4 人，要求至少 5 人"])
    );
    let failure = app
        .get("/api/v1/notices?kind=failure", None)
        .await
        .expect(200)
        .json();
    assert_eq!(failure["total"], 1);
    let detail = app
        .get(
            &format!("/api/v1/notices/{}", failure["items"][0]["id"]),
            None,
        )
        .await
        .expect(200)
        .json();
    assert!(
        detail["body_html"]
            .as_str()
            .expect("body")
            .contains("资格审查合格的投标 2 家")
    );
    // The officer cannot open it again.
    app.post(&format!("{url}/open"), Some(&officer), json!({}))
        .await
        .expect(409);
}

#[tokio::test]
async fn uploads_are_typed_by_content_limited_in_size_and_stored_once() {
    let app = spawn_app_with(|f| {
        f.merge(figment::providers::Serialized::default(
            "server.upload_limit_bytes",
            4096,
        ))
    })
    .await;
    qualified_contractor(&app, 1, "org.a", "640104").await;
    let b = buyer(&app, 1, "government_department", "3000000.00").await;
    let id = project(&app, &b, project_body(&b)).await;
    let docs = format!("/api/v1/projects/{id}/documents");
    // Draft: the officer adds tender documents.
    let first = upload(&app, &docs, Some(&b.officer), "采购需求.pdf", &pdf("需求"))
        .await
        .expect(201)
        .json();
    assert_eq!(first["content_type"], "application/pdf");
    assert_eq!(first["filename"], "采购需求.pdf");
    let png = upload(&app, &docs, Some(&b.officer), "scan.pdf", PNG)
        .await
        .expect(201)
        .json();
    assert_eq!(png["content_type"], "image/png");
    assert_eq!(png["filename"], "scan.png");
    let word = upload(&app, &docs, Some(&b.officer), "评分细则.docx", &docx())
        .await
        .expect(201)
        .json();
    assert_eq!(
        word["content_type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let same = upload(&app, &docs, Some(&b.officer), "副本.pdf", &pdf("需求"))
        .await
        .expect(201)
        .json();
    assert_eq!(same["sha256"], first["sha256"]);
    // Stored once, content-addressed, at dir/ab/cd/<sha256>.
    let sha = first["sha256"].as_str().expect("sha");
    let stored = app
        .state
        .settings
        .storage
        .dir
        .join(&sha[0..2])
        .join(&sha[2..4])
        .join(sha);
    assert_eq!(std::fs::read(&stored).expect("stored file"), pdf("需求"));
    let siblings = std::fs::read_dir(stored.parent().expect("dir"))
        .expect("dir")
        .count();
    assert_eq!(siblings, 1);

    // Refused, changing nothing: text named .pdf, a plain ZIP, too large, not multipart, no
    // file, another role.
    let before = app.counts(&TABLES);
    let text = upload(&app, &docs, Some(&b.officer), "需求.pdf", b"just some text")
        .await
        .expect(422);
    assert!(
        text.json()["error"]["details"]["fields"]["file"].is_array(),
        "{}",
        text.text
    );
    upload(
        &app,
        &docs,
        Some(&b.officer),
        "a.docx",
        &zip(&[("readme.txt", b"hi")]),
    )
    .await
    .expect(422);
    let big = upload(
        &app,
        &docs,
        Some(&b.officer),
        "big.pdf",
        &pdf(&"x".repeat(5000)),
    )
    .await
    .expect(413);
    assert_eq!(big.code(), "payload_too_large");
    app.post(&docs, Some(&b.officer), json!({"file": "x"}))
        .await
        .expect(400);
    app.post_raw(
        &docs,
        Some(&b.officer),
        "multipart/form-data; boundary=zz",
        b"--zz\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--zz--\r\n"
            .to_vec(),
    )
    .await
    .expect(422);
    let contractor = app.login("org.a", PASSWORD).await;
    upload(&app, &docs, Some(&contractor), "a.pdf", &pdf("a"))
        .await
        .expect(403);
    upload(&app, &docs, None, "a.pdf", &pdf("a"))
        .await
        .expect(401);
    assert_eq!(app.counts(&TABLES), before);

    // Before the tender: only the purchaser's side reads them; afterwards everyone.
    let first_id = first["id"].as_i64().expect("id");
    assert_eq!(download(&app, first_id, None).await.0, 404);
    assert_eq!(download(&app, first_id, Some(&contractor)).await.0, 403);
    let (status, content_type, bytes) = download(&app, first_id, Some(&b.officer)).await;
    assert_eq!(
        (status, content_type.as_str(), bytes),
        (200, "application/pdf", pdf("需求"))
    );
    app.post(
        &format!("/api/v1/projects/{id}/intention"),
        Some(&b.officer),
        json!({}),
    )
    .await
    .expect(200);
    upload(&app, &docs, Some(&b.officer), "补充.pdf", &pdf("补充"))
        .await
        .expect(201);
    let officer = tender(&app, 1, id, &[]).await;
    let late = upload(&app, &docs, Some(&officer), "更正.pdf", &pdf("更正"))
        .await
        .expect(409);
    assert_eq!(late.code(), "invalid_state");
    let (status, content_type, bytes) = download(&app, png["id"].as_i64().expect("id"), None).await;
    assert_eq!(
        (status, content_type.as_str(), bytes),
        (200, "image/png", PNG.to_vec())
    );
    let listed = app.get(&docs, None).await.expect(200).json();
    assert_eq!(listed.as_array().expect("list").len(), 5);

    // Bid documents: a bid must exist first; the same checks apply.
    let contractor = app.login("org.a", PASSWORD).await;
    let bid_docs = format!("/api/v1/projects/{id}/bids/mine/documents");
    let before = app.counts(&TABLES);
    upload(&app, &bid_docs, Some(&contractor), "a.pdf", &pdf("a"))
        .await
        .expect(404);
    app.post(
        &format!("/api/v1/projects/{id}/bids"),
        Some(&contractor),
        bid("900000", "方案"),
    )
    .await
    .expect(201);
    let before_docs = app.counts(&["documents"]);
    upload(&app, &bid_docs, Some(&contractor), "a.pdf", b"not a pdf")
        .await
        .expect(422);
    upload(
        &app,
        &bid_docs,
        Some(&contractor),
        "a.pdf",
        &pdf(&"y".repeat(5000)),
    )
    .await
    .expect(413);
    assert_eq!(app.counts(&["documents"]), before_docs);
    let xlsx = zip(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("xl/workbook.xml", b"<workbook/>"),
    ]);
    let sheet = upload(&app, &bid_docs, Some(&contractor), "报价明细.xlsx", &xlsx)
        .await
        .expect(201)
        .json();
    assert_eq!(
        sheet["document"]["content_type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(app.counts(&["documents"])[0].1, before[1].1 + 1);
}

#[tokio::test]
async fn cancelling_a_published_tender_publishes_a_termination_notice_and_a_draft_none() {
    let app = spawn_app().await;
    // A project cancelled before anything public about it publishes nothing.
    let b = buyer(&app, 2, "government_department", "1000000.00").await;
    let draft = project(&app, &b, project_body(&b)).await;
    let before = app.counts(&["notices"]);
    app.post(
        &format!("/api/v1/projects/{draft}/cancel"),
        Some(&b.officer),
        json!({"reason": "预算调整"}),
    )
    .await
    .expect(200);
    assert_eq!(app.counts(&["notices"]), before);

    let id = prepared(&app, 1, "open_tender").await;
    let officer = tender(&app, 1, id, &[]).await;
    let notices_before = app.counts(&["notices"]);
    app.post(
        &format!("/api/v1/projects/{id}/cancel"),
        Some(&officer),
        json!({"reason": "服务需求发生重大变化，终止本次采购"}),
    )
    .await
    .expect(200);
    assert_eq!(
        app.counts(&["notices"])[0].1,
        notices_before[0].1 + 1,
        "one notice"
    );
    let list = app
        .get("/api/v1/notices?kind=failure", None)
        .await
        .expect(200)
        .json();
    let item = list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|n| n["project_id"] == id))
        .cloned()
        .expect("the termination notice");
    let detail = app
        .get(&format!("/api/v1/notices/{}", item["id"]), None)
        .await
        .expect(200)
        .json();
    let body = detail["body_html"].as_str().expect("body");
    assert!(
        body.contains("采购人终止本次采购：服务需求发生重大变化，终止本次采购"),
        "{body}"
    );
    assert!(!body.contains("资格审查合格的投标"), "{body}");
    // Published Wednesday 2026-04-01: due two working days later, and on time.
    assert_eq!(detail["due_by"], "2026-04-03");
    assert_eq!(detail["on_time"], true);
}
