//! Notice PDFs (issue 6 §2): three purchases driven through the API — one awarded to
//! 银川市堃赟昇喆社会工作服务中心 and terminated after signing, one awarded to an individual and
//! evaluated, one failed at opening for want of bidders — then every notice they published
//! (intention, tender, opening, failure, award, contract, termination, evaluation) served as
//! `/notices/{id}.pdf`: rendered on the first request or by the `render_notice_pdfs` job,
//! stored under its SHA-256, recorded in `notices.pdf_sha256`, and read back by
//! `pdftotext`.
//!
//! Dates (Asia/Shanghai): intentions Mon 2026-03-02; tenders Wed 04-01 with a deadline of Tue
//! 04-21 09:00; bids 04-10; opening and awards 04-21; contracts Thu 05-07; the termination
//! and the mid-term evaluation Mon 05-11.

use std::collections::HashMap;
use std::process::Command;

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use sixnorms::auth::Role;
use sixnorms::db::schema::{notices, projects, users};
use sixnorms::jobs::{Trigger, run_now};
use sixnorms::storage::{Storage, sha256_hex};

use crate::factories::{qualified_contractor, registration};
use crate::helpers::{PASSWORD, Reply, TestApp, at, spawn_app};
use crate::procurement::{Buyer, buyer, project, project_body, tender_body};

/// The organization whose name carries the four rare characters.
const RARE_ORG: &str = "银川市堃赟昇喆社会工作服务中心";
/// The individual contractor's name and raw resident ID number.
const PERSON: &str = "欧阳喆";
/// The raw resident ID number of the individual; only its masked form may be published.
const RAW_ID: &str = "11010519491231002X";
/// Its masked form.
const MASKED_ID: &str = "110105********002X";
/// The three evaluators' display names.
const EXPERT_NAMES: [&str; 3] = ["王昇", "李喆", "张堃"];
/// Every user whose token the scenario refreshes after a clock move.
const USERS: [&str; 8] = [
    "officer1", "kunyun", "org2", "org3", "person", "expert1", "expert2", "expert3",
];

/// Runs `pdftotext -raw` on `bytes`.
fn pdftotext(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notice.pdf");
    std::fs::write(&path, bytes).expect("write pdf");
    let output = Command::new("pdftotext")
        .arg("-raw")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (install poppler-utils)");
    assert!(output.status.success(), "pdftotext failed: {output:?}");
    String::from_utf8(output.stdout).expect("utf-8 text")
}

/// Text without whitespace, so that a wrapped line does not hide a phrase.
fn squeeze(text: &str) -> String {
    text.chars().filter(|ch| !ch.is_whitespace()).collect()
}

/// GETs a path and returns the status, headers and raw body.
async fn get_bytes(
    app: &TestApp,
    path: &str,
    if_none_match: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = app.client.get(format!("{}{}", app.address, path));
    if let Some(tag) = if_none_match {
        request = request.header("If-None-Match", tag);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Moves the clock and logs every user in again (tokens last 12 hours).
async fn move_to(app: &mut TestApp, utc: &str) -> HashMap<&'static str, String> {
    app.set_clock(at(utc));
    app.admin_token = app.login("admin", PASSWORD).await;
    let mut tokens = HashMap::new();
    for user in USERS {
        tokens.insert(user, app.login(user, PASSWORD).await);
    }
    tokens
}

/// Registers `body` and approves it as admin; returns the contractor id.
async fn approved(app: &TestApp, body: Value) -> i64 {
    let id = app
        .post("/api/v1/contractors/register", None, body)
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    app.post(
        &format!("/api/v1/contractors/{id}/review"),
        Some(&app.admin_token),
        json!({"decision": "approve", "reason": "材料齐全，符合条件"}),
    )
    .await
    .expect(200);
    id
}

/// The contract terms for the 2026-07-01 … 2026-12-31 service.
fn terms() -> Value {
    json!({
        "subject": "兴庆区社会工作服务",
        "quantity_terms": "入户探访1200人次，个案服务60个",
        "quality_terms": "服务对象满意率不低于90%",
        "service_start": "2026-07-01",
        "service_end": "2026-12-31",
        "payment_schedule": [
            {"name": "首期款", "percent": "30", "condition": "on_signing"},
            {"name": "中期款", "percent": "30", "condition": "after_midterm_evaluation"},
            {"name": "尾款", "percent": "40", "condition": "after_final_evaluation"}
        ],
        "rights_obligations": "甲方按约付款并监督；乙方按约提供服务并报送月度报告。",
        "breach_liability": "一方违约的，应赔偿对方因此遭受的损失。",
        "dispute_resolution": {"kind": "arbitration", "body": "银川仲裁委员会"}
    })
}

/// What the scenario leaves behind.
struct World {
    /// Awarded to [`RARE_ORG`], contracted, terminated.
    rare: i64,
    /// Awarded to the individual [`PERSON`], contracted, evaluated.
    personal: i64,
    /// Failed at opening (one bid).
    failed: i64,
}

/// The three purchases, through the API; the clock is left at 05-11 10:00.
async fn purchases(app: &mut TestApp) -> World {
    let b: Buyer = buyer(app, 1, "government_department", "5000000.00").await;
    let mut body = registration(1, "kunyun", "640104");
    body["name"] = json!(RARE_ORG);
    approved(app, body).await;
    qualified_contractor(app, 2, "org2", "640104").await;
    qualified_contractor(app, 3, "org3", "640104").await;
    let mut body = registration(9, "person", "640104");
    body["kind"] = json!("individual");
    body["name"] = json!(PERSON);
    body.as_object_mut().expect("object").remove("uscc");
    body["id_number"] = json!(RAW_ID);
    approved(app, body).await;
    let mut experts = Vec::new();
    for (i, name) in EXPERT_NAMES.iter().enumerate() {
        let (id, _) = app
            .user_with_token(&format!("expert{}", i + 1), Role::Evaluator)
            .await;
        let mut conn = app.conn();
        diesel::update(users::table.find(id))
            .set(users::display_name.eq(*name))
            .execute(&mut *conn)
            .expect("name");
        experts.push(id);
    }

    // 03-02: three projects and their intentions.
    let mut ids = Vec::new();
    for title in [
        "兴庆区2026年困难群众社会工作服务项目",
        "兴庆区2026年困境儿童社会工作服务项目",
        "兴庆区2026年社区矫正社会工作服务项目",
    ] {
        let mut body = project_body(&b);
        body["title"] = json!(title);
        body["service_end"] = json!("2026-12-31");
        let id = project(app, &b, body).await;
        app.post(
            &format!("/api/v1/projects/{id}/intention"),
            Some(&b.officer),
            json!({}),
        )
        .await
        .expect(200);
        ids.push(id);
    }
    let (rare, personal, failed) = (ids[0], ids[1], ids[2]);

    // 04-01: the tenders.
    let t = move_to(app, "2026-04-01 01:00:00").await;
    for id in &ids {
        let mut tender = tender_body("2026-04-21T09:00:00+08:00");
        tender["max_price"] = json!("1000000.00");
        app.post(
            &format!("/api/v1/projects/{id}/tender"),
            Some(&t["officer1"]),
            tender,
        )
        .await
        .expect(201);
    }

    // 04-10: sealed bids; the failed project gets one.
    let t = move_to(app, "2026-04-10 02:00:00").await;
    let bids: [(i64, &str, &str); 7] = [
        (rare, "kunyun", "900000.00"),
        (rare, "org2", "1000000.00"),
        (rare, "org3", "950000.00"),
        (personal, "person", "800000.00"),
        (personal, "org2", "990000.00"),
        (personal, "org3", "980000.00"),
        (failed, "org2", "900000.00"),
    ];
    let mut bid_ids: HashMap<i64, Vec<i64>> = HashMap::new();
    for (project, user, price) in bids {
        let id = app
            .post(
                &format!("/api/v1/projects/{project}/bids"),
                Some(&t[user]),
                json!({"price": price, "proposal": "服务方案：入户探访、个案帮扶。", "team_size": 8}),
            )
            .await
            .expect(201)
            .json()["id"]
            .as_i64()
            .expect("bid id");
        bid_ids.entry(project).or_default().push(id);
    }

    // 04-21 10:00: the job opens all three; one bid is too few.
    let t = move_to(app, "2026-04-21 02:00:00").await;
    let run = run_now(&app.state, "open_bids", Trigger::Manual)
        .await
        .expect("open_bids");
    assert_eq!(run.outcome, "ok", "{:?}", run.detail);
    let status = |app: &TestApp, id: i64| -> String {
        let mut conn = app.conn();
        projects::table
            .find(id)
            .select(projects::status)
            .first(&mut *conn)
            .expect("status")
    };
    assert_eq!(status(app, failed), "failed");
    for project in [rare, personal] {
        assert_eq!(status(app, project), "evaluating");
        let url = format!("/api/v1/projects/{project}");
        app.call(
            Method::PUT,
            &format!("{url}/panel"),
            Some(&t["officer1"]),
            Some(json!({"evaluator_ids": experts})),
        )
        .await
        .expect(200);
        for expert in ["expert1", "expert2", "expert3"] {
            for bid in &bid_ids[&project] {
                app.call(
                    Method::PUT,
                    &format!("{url}/bids/{bid}/scores"),
                    Some(&t[expert]),
                    Some(json!({"scores": {"plan": "35", "team": "17", "experience": "8"}})),
                )
                .await
                .expect(200);
            }
        }
        app.post(&format!("{url}/award"), Some(&t["officer1"]), json!({}))
            .await
            .expect(201);
    }

    // 05-07: both contracts drafted and signed by both parties.
    let t = move_to(app, "2026-05-07 02:00:00").await;
    let mut contracts = Vec::new();
    for (project, party) in [(rare, "kunyun"), (personal, "person")] {
        let k = app
            .post(
                &format!("/api/v1/projects/{project}/contract"),
                Some(&t["officer1"]),
                terms(),
            )
            .await
            .expect(201)
            .json()["id"]
            .as_i64()
            .expect("contract id");
        for signer in ["officer1", party] {
            app.post(
                &format!("/api/v1/contracts/{k}/sign"),
                Some(&t[signer]),
                json!({}),
            )
            .await
            .expect(200);
        }
        contracts.push(k);
    }

    // 05-11: the first is terminated, the second has its mid-term evaluation.
    let t = move_to(app, "2026-05-11 02:00:00").await;
    app.post(
        &format!("/api/v1/contracts/{}/terminate", contracts[0]),
        Some(&t["officer1"]),
        json!({"reason": "承接机构严重违约，经协商解除合同"}),
    )
    .await
    .expect(200);
    let evaluation = app
        .post(
            &format!("/api/v1/contracts/{}/evaluations", contracts[1]),
            Some(&t["officer1"]),
            json!({"kind": "midterm"}),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("evaluation id");
    app.call(
        Method::PUT,
        &format!("/api/v1/evaluations/{evaluation}/evaluators"),
        Some(&t["officer1"]),
        Some(json!({"evaluator_ids": experts})),
    )
    .await
    .expect(200);
    for expert in ["expert1", "expert2", "expert3"] {
        app.call(
            Method::PUT,
            &format!("/api/v1/evaluations/{evaluation}/scores"),
            Some(&t[expert]),
            Some(json!({
                "scores": {"management": "18", "professional": "36", "outcome": "27", "satisfaction": "9"},
                "comment": "服务记录完整，台账规范"
            })),
        )
        .await
        .expect(200);
    }
    World {
        rare,
        personal,
        failed,
    }
}

/// A notice as the tests see it: (id, kind, title, project id, pdf_sha256).
type NoticeLine = (i64, String, String, Option<i64>, Option<String>);

/// Every notice, by id.
fn notice_rows(app: &TestApp) -> Vec<NoticeLine> {
    let mut conn = app.conn();
    notices::table
        .order(notices::id.asc())
        .select((
            notices::id,
            notices::kind,
            notices::title,
            notices::project_id,
            notices::pdf_sha256,
        ))
        .load(&mut *conn)
        .expect("notices")
}

/// The id of the one notice of `kind` of `project`.
fn notice_of(app: &TestApp, project: i64, kind: &str) -> i64 {
    let ids: Vec<i64> = notice_rows(app)
        .into_iter()
        .filter(|n| n.3 == Some(project) && n.1 == kind)
        .map(|n| n.0)
        .collect();
    assert_eq!(ids.len(), 1, "one {kind} notice of project {project}");
    ids[0]
}

fn project_number(app: &TestApp, project: i64) -> String {
    let mut conn = app.conn();
    projects::table
        .find(project)
        .select(projects::number)
        .first(&mut *conn)
        .expect("number")
}

fn recorded_sha(app: &TestApp, notice: i64) -> Option<String> {
    let mut conn = app.conn();
    notices::table
        .find(notice)
        .select(notices::pdf_sha256)
        .first(&mut *conn)
        .expect("notice")
}

/// The `detail` of a finished run of `render_notice_pdfs`.
async fn render_job(app: &TestApp) -> Value {
    let run = run_now(&app.state, "render_notice_pdfs", Trigger::Manual)
        .await
        .expect("render_notice_pdfs");
    assert_eq!(run.outcome, "ok", "{:?}", run.detail);
    serde_json::from_str(run.detail.as_deref().unwrap_or("{}")).expect("detail JSON")
}

#[tokio::test]
async fn award_pdf_is_rendered_on_first_request_stored_and_served_with_an_etag() {
    let mut app = spawn_app().await;
    let world = purchases(&mut app).await;
    let award = notice_of(&app, world.rare, "award");
    assert_eq!(
        recorded_sha(&app, award),
        None,
        "no PDF before it is asked for"
    );
    let before = app
        .get(&format!("/api/v1/notices/{award}"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(before["pdf_url"], format!("/notices/{award}.pdf"));
    assert_eq!(before["pdf_sha256"], Value::Null);

    // The first request renders it.
    let path = format!("/notices/{award}.pdf");
    let (status, headers, bytes) = get_bytes(&app, &path, None).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(header(&headers, "content-type"), "application/pdf");
    assert_eq!(
        header(&headers, "content-disposition"),
        format!("inline; filename=\"notice-{award}.pdf\"")
    );
    assert_eq!(header(&headers, "cache-control"), "public, max-age=86400");
    assert!(bytes.starts_with(b"%PDF-"));
    let sha = sha256_hex(&bytes);
    assert_eq!(header(&headers, "etag"), format!("\"{sha}\""));

    // What it says: the title, the project number, the winner with its rare characters, the
    // amount in figures and in capitals, the evaluators.
    let text = pdftotext(&bytes);
    let flat = squeeze(&text);
    let title = "兴庆区2026年困难群众社会工作服务项目中标（成交）结果公告";
    assert!(flat.contains(title), "title missing: {text}");
    let number = project_number(&app, world.rare);
    assert!(flat.contains(&format!("项目编号：{number}")), "{text}");
    assert!(flat.contains(RARE_ORG), "{text}");
    for rare in ['堃', '赟', '昇', '喆'] {
        assert!(text.contains(rare), "{rare} missing: {text}");
    }
    assert!(flat.contains("¥900,000.00"), "{text}");
    assert!(flat.contains("人民币玖拾万元整"), "{text}");
    assert!(flat.contains("王昇、李喆、张堃"), "{text}");
    assert!(text.contains("第 1 页"), "{text}");

    // Recorded, stored, and shown by the API.
    assert_eq!(recorded_sha(&app, award).as_deref(), Some(sha.as_str()));
    let storage = Storage::new(&app.state.settings.storage.dir);
    assert_eq!(storage.get(&sha).expect("stored"), bytes);
    let after = app
        .get(&format!("/api/v1/notices/{award}"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(after["pdf_sha256"], sha.as_str());

    // Served again: the same bytes; 304 for the ETag (also weak or in a list).
    let (status, _, again) = get_bytes(&app, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(again, bytes);
    for tag in [
        format!("\"{sha}\""),
        format!("W/\"{sha}\""),
        format!("\"other\", \"{sha}\""),
    ] {
        let (status, headers, body) = get_bytes(&app, &path, Some(&tag)).await;
        assert_eq!(status, 304, "{tag}");
        assert!(body.is_empty());
        assert_eq!(header(&headers, "etag"), format!("\"{sha}\""));
    }
    let (status, _, body) = get_bytes(&app, &path, Some("\"stale\"")).await;
    assert_eq!(status, 200);
    assert_eq!(body, bytes);

    // Without the cache: the stored file; and a lost file is rendered again to the very
    // same bytes.
    let renderer = app.state.pdf.clone();
    let db = app.state.db.clone();
    let stored = sixnorms::disclosure::pdf_store::ensure_pdf(&db, &storage, &renderer, award)
        .expect("ensure")
        .expect("exists");
    assert_eq!(stored.sha256, sha);
    std::fs::remove_file(storage.path_of(&sha).expect("path")).expect("remove");
    let rerendered = sixnorms::disclosure::pdf_store::ensure_pdf(&db, &storage, &renderer, award)
        .expect("ensure")
        .expect("exists");
    assert_eq!(rerendered.sha256, sha, "rendering is deterministic");
    assert_eq!(rerendered.bytes.as_ref(), bytes.as_slice());
    assert_eq!(storage.get(&sha).expect("stored again"), bytes);

    // Unknown notices: the HTML error page.
    for missing in ["/notices/999999.pdf", "/notices/99999999999999999999.pdf"] {
        let reply: Reply = app.get(missing, None).await;
        assert_eq!(reply.status.as_u16(), 404, "{missing}");
        assert!(
            header(&reply.headers, "content-type").starts_with("text/html"),
            "{missing}: {:?}",
            reply.headers
        );
    }
    // The notice's HTML page lives beside its PDF: neither route shadows the other.
    let (status, headers, page) = get_bytes(&app, &format!("/notices/{award}"), None).await;
    assert_eq!(status, 200);
    assert!(
        header(&headers, "content-type").starts_with("text/html"),
        "{headers:?}"
    );
    assert!(String::from_utf8_lossy(&page).contains(&format!("/notices/{award}.pdf")));
}

#[tokio::test]
async fn the_job_renders_every_kind_once_and_individuals_stay_masked() {
    let mut app = spawn_app().await;
    let world = purchases(&mut app).await;
    let rows = notice_rows(&app);
    let mut kinds: Vec<&str> = rows.iter().map(|n| n.1.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            "award",
            "contract",
            "evaluation",
            "failure",
            "intention",
            "opening",
            "tender",
            "termination"
        ],
        "every kind the scenario reaches"
    );
    assert!(rows.iter().all(|n| n.4.is_none()));

    // Two requests racing on one notice get the same bytes.
    let award = notice_of(&app, world.personal, "award");
    let path = format!("/notices/{award}.pdf");
    let (first, second) = tokio::join!(get_bytes(&app, &path, None), get_bytes(&app, &path, None));
    assert_eq!((first.0, second.0), (200, 200));
    assert_eq!(first.2, second.2);

    // The job renders every other notice, oldest first; a second run renders none.
    let detail = render_job(&app).await;
    assert_eq!(detail["rendered"], rows.len() - 1, "{detail}");
    assert_eq!(detail["failed"], 0, "{detail}");
    assert_eq!(detail["more"], false, "{detail}");
    assert_eq!(render_job(&app).await["rendered"], 0);
    let storage = Storage::new(&app.state.settings.storage.dir);
    for (id, kind, title, project, sha) in notice_rows(&app) {
        let sha = sha.unwrap_or_else(|| panic!("{kind} notice {id} has no PDF"));
        let stored = storage.get(&sha).expect("stored");
        assert_eq!(sha256_hex(&stored), sha);
        // Served from storage, and it reads as its notice.
        let (status, headers, bytes) = get_bytes(&app, &format!("/notices/{id}.pdf"), None).await;
        assert_eq!(status, 200, "{kind}");
        assert_eq!(header(&headers, "etag"), format!("\"{sha}\""), "{kind}");
        assert_eq!(bytes, stored, "{kind}");
        let text = squeeze(&pdftotext(&bytes));
        assert!(
            text.contains(&squeeze(&title)),
            "{kind}: {title} missing: {text}"
        );
        if let Some(project) = project {
            let number = project_number(&app, project);
            assert!(text.contains(&number), "{kind}: {number} missing: {text}");
        }
    }

    // The individual's award shows the masked ID number only.
    let text = squeeze(&pdftotext(&get_bytes(&app, &path, None).await.2));
    assert!(text.contains(PERSON), "{text}");
    assert!(text.contains(&format!("身份证号码：{MASKED_ID}")), "{text}");
    assert!(text.contains("人民币捌拾万元整"), "{text}");
    assert!(!text.contains(RAW_ID), "the raw ID number leaked: {text}");
    for id in rows.iter().map(|n| n.0) {
        let text = pdftotext(&get_bytes(&app, &format!("/notices/{id}.pdf"), None).await.2);
        assert!(!squeeze(&text).contains(RAW_ID), "notice {id}: {text}");
    }

    // The failure and the termination say why.
    let failure = notice_of(&app, world.failed, "failure");
    let text = squeeze(&pdftotext(
        &get_bytes(&app, &format!("/notices/{failure}.pdf"), None)
            .await
            .2,
    ));
    assert!(text.contains("废标"), "{text}");
    let termination = notice_of(&app, world.rare, "termination");
    let text = squeeze(&pdftotext(
        &get_bytes(&app, &format!("/notices/{termination}.pdf"), None)
            .await
            .2,
    ));
    assert!(text.contains("承接机构严重违约"), "{text}");
    assert!(text.contains(RARE_ORG), "{text}");
}
