//! Privacy (issue 6 §5): a seeded dataset — the demo, generated scale data and one purchase
//! driven through the API whose free-text fields (bid proposal, challenge, its answer,
//! monthly report narrative, review comments, supervision notes, evaluation comments) carry
//! service users' names and resident ID numbers, won by an individual contractor — then
//! every public output (each page, notice, notice PDF, project, contractor, statistics, the
//! feed, the notice API, OCDS, and every other anonymous GET route) is fetched and searched:
//! no service user's name or ID number appears anywhere, nor the individual's full ID
//! number, whose masked form appears where the individual is shown.

use std::collections::BTreeSet;

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use sixnorms::db::schema::{contractors, documents, projects, purchasers, stations};

use crate::factories::{purchaser, qualified_contractor, registration, resident_id_with_check};
use crate::helpers::{PASSWORD, TestApp, at, spawn_app};

/// Service users' names: rare, so no demo or generated text contains them by chance.
const NAMES: [&str; 3] = ["邝婉蓉", "闵秋禾", "阙德润"];

/// The first 17 digits of the service users' resident ID numbers.
const USER_IDS: [&str; 3] = [
    "64010419380512312",
    "64010419420909102",
    "64010420120101771",
];

/// The first 17 digits of the individual contractor's resident ID number.
const PERSON_ID: &str = "64010419850317421";

/// The bidders: the individual (lowest price, wins) and two organizations.
const BIDDERS: [&str; 3] = ["person", "org71", "org72"];

/// Experts on the panel and on the evaluation.
const EXPERTS: [&str; 3] = ["pexpert1", "pexpert2", "pexpert3"];

/// The sensitive text of a free-text field: every service user with an ID number.
fn sensitive(what: &str) -> String {
    let people: Vec<String> = NAMES
        .iter()
        .zip(USER_IDS)
        .map(|(n, id)| format!("{n}（身份证号 {}）", resident_id_with_check(id)))
        .collect();
    format!("{what}：服务对象{}。", people.join("、"))
}

/// Everything no public output may contain.
fn forbidden() -> Vec<String> {
    let mut out: Vec<String> = NAMES.iter().map(|n| (*n).to_owned()).collect();
    for id in USER_IDS {
        let full = resident_id_with_check(id);
        // The birth-date part alone identifies too much, masked or not.
        out.push(full[6..14].to_owned());
        out.push(full);
    }
    let person = resident_id_with_check(PERSON_ID);
    out.push(person[6..14].to_owned());
    out.push(person);
    out
}

/// The individual's ID number as the public sees it.
fn masked_person_id() -> String {
    let full = resident_id_with_check(PERSON_ID);
    format!("{}********{}", &full[..6], &full[14..])
}

struct Tokens {
    admin: String,
    officer: String,
    bidders: Vec<String>,
    experts: Vec<String>,
}

/// Moves the clock to `utc` and logs everybody in again.
async fn move_to(app: &mut TestApp, utc: &str) -> Tokens {
    app.set_clock(at(utc));
    app.admin_token = app.login("admin", PASSWORD).await;
    let mut bidders = Vec::new();
    for u in BIDDERS {
        bidders.push(app.login(u, PASSWORD).await);
    }
    let mut experts = Vec::new();
    for u in EXPERTS {
        experts.push(app.login(u, PASSWORD).await);
    }
    Tokens {
        admin: app.admin_token.clone(),
        officer: app.login("pofficer", PASSWORD).await,
        bidders,
        experts,
    }
}

/// A user made by the admin; returns its id.
async fn api_user(app: &TestApp, username: &str, role: &str, purchaser_id: Option<i64>) -> i64 {
    app.post(
        "/api/v1/users",
        Some(&app.admin_token),
        json!({
            "username": username, "password": PASSWORD, "role": role,
            "display_name": format!("测试用户 {username}"), "email": format!("{username}@example.cn"),
            "purchaser_id": purchaser_id
        }),
    )
    .await
    .expect(201)
    .json()["id"]
        .as_i64()
        .expect("user id")
}

/// Runs a job through the admin API; returns its detail.
async fn run_job(app: &TestApp, admin: &str, name: &str) -> Value {
    let run = app
        .post(
            &format!("/api/v1/admin/jobs/{name}/run"),
            Some(admin),
            json!({}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(run["outcome"], "ok", "{run}");
    serde_json::from_str(run["detail"].as_str().unwrap_or("{}")).expect("detail JSON")
}

/// Registers and approves the individual contractor (user `person`); returns its id.
async fn individual(app: &TestApp) -> i64 {
    let mut body = registration(70, "person", "640104");
    body["kind"] = json!("individual");
    body["name"] = json!("柏社工");
    body.as_object_mut().expect("object").remove("uscc");
    body["id_number"] = json!(resident_id_with_check(PERSON_ID));
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

/// A monthly report whose narrative names the service users.
fn report(period: &str) -> Value {
    json!({
        "period": period,
        "service_counts": [
            {"target_group": "low_income", "persons": 40, "person_times": 100},
            {"target_group": "extreme_poverty", "persons": 10, "person_times": 20}
        ],
        "activities": 3,
        "cases_opened": 5,
        "cases_closed": 1,
        "volunteers_engaged": 8,
        "narrative": sensitive(&format!("{period} 入户探访"))
    })
}

/// The purchase: budget to the graded mid-term evaluation, every free text sensitive.
/// Returns (project id, contract id, individual contractor id).
async fn purchase(app: &mut TestApp) -> (i64, i64, i64) {
    let purchaser = purchaser(
        app,
        "银川市兴庆区隐私测试民政局",
        "government_department",
        "640104",
        71,
    )
    .await;
    api_user(app, "pofficer", "officer", Some(purchaser)).await;
    let person = individual(app).await;
    for (n, username) in [(71, "org71"), (72, "org72")] {
        qualified_contractor(app, n, username, "640104").await;
    }
    let mut experts = Vec::new();
    for username in EXPERTS {
        experts.push(api_user(app, username, "evaluator", None).await);
    }
    let t = move_to(app, "2026-03-02 01:00:00").await;
    let budget = app
        .post(
            "/api/v1/budgets",
            Some(&t.officer),
            json!({"purchaser_id": purchaser, "year": 2026, "source": "本级财政", "amount": "3000000.00"}),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("budget");
    let project = app
        .post(
            "/api/v1/projects",
            Some(&t.officer),
            json!({
                "purchaser_id": purchaser,
                "budget_id": budget,
                "catalog_item_code": "SA01",
                "title": "兴庆区2026年困难群众个案服务项目",
                "summary": "为辖区低保、特困家庭提供入户探访和个案帮扶。",
                "region_code": "640104",
                "target_groups": ["low_income", "extreme_poverty"],
                "targets": [
                    {"kind": "quantity", "name": "入户探访", "value": "1200", "unit": "人次"},
                    {"kind": "quantity", "name": "个案服务", "value": 60, "unit": "个"}
                ],
                "budget_amount": "1,000,000.00",
                "service_start": "2026-07-01",
                "service_end": "2026-12-31",
                "method": "open_tender",
                "expected_tender_date": "2026-04-15"
            }),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("project");
    let url = format!("/api/v1/projects/{project}");
    app.post(&format!("{url}/intention"), Some(&t.officer), json!({}))
        .await
        .expect(200);

    let t = move_to(app, "2026-04-01 01:00:00").await;
    app.post(
        &format!("{url}/tender"),
        Some(&t.officer),
        json!({
            "bid_deadline": "2026-04-21T09:00:00+08:00",
            "max_price": "1000000.00",
            "award_method": "comprehensive",
            "price_weight": "0.30",
            "criteria": [
                {"code": "plan", "name": "服务方案", "max_points": "40"},
                {"code": "team", "name": "团队与资质", "max_points": "30"}
            ],
            "requirements": {"min_full_time_staff": 0, "min_certified_social_workers": 0, "min_years_established": 0}
        }),
    )
    .await
    .expect(201);

    // Sealed bids whose proposals cite cases by name.
    let t = move_to(app, "2026-04-10 02:00:00").await;
    let mut bids = Vec::new();
    for (token, price) in t
        .bidders
        .iter()
        .zip(["900000.00", "990000.00", "950000.00"])
    {
        let bid = app
            .post(
                &format!("{url}/bids"),
                Some(token),
                json!({"price": price, "proposal": sensitive("既往个案"), "team_size": 8}),
            )
            .await
            .expect(201)
            .json()["id"]
            .as_i64()
            .expect("bid");
        bids.push(bid);
    }

    // Opening, panel, equal technical scores: the lowest price (the individual) wins.
    let t = move_to(app, "2026-04-21 02:00:00").await;
    run_job(app, &t.admin, "open_bids").await;
    app.call(
        Method::PUT,
        &format!("{url}/panel"),
        Some(&t.officer),
        Some(json!({"evaluator_ids": experts})),
    )
    .await
    .expect(200);
    for token in &t.experts {
        for bid in &bids {
            app.call(
                Method::PUT,
                &format!("{url}/bids/{bid}/scores"),
                Some(token),
                Some(json!({"scores": {"plan": "35", "team": "25"}})),
            )
            .await
            .expect(200);
        }
    }
    let award = app
        .post(&format!("{url}/award"), Some(&t.officer), json!({}))
        .await
        .expect(201)
        .json();
    assert_eq!(award["contractor_id"], person, "{award}");

    // A losing bidder challenges, citing service users; the officer answers likewise.
    let t = move_to(app, "2026-04-23 02:00:00").await;
    let challenge = app
        .post(
            &format!("{url}/challenges"),
            Some(&t.bidders[1]),
            json!({"grounds": sensitive("质疑事项"), "facts": sensitive("事实依据")}),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("challenge");
    app.post(
        &format!("/api/v1/challenges/{challenge}/answer"),
        Some(&t.officer),
        json!({"decision": "rejected", "answer": sensitive("答复")}),
    )
    .await
    .expect(200);

    // Contract after the challenge window, signed by both; the first installment paid.
    let t = move_to(app, "2026-05-07 02:00:00").await;
    let contract = app
        .post(
            &format!("{url}/contract"),
            Some(&t.officer),
            json!({
                "subject": "兴庆区困难群众个案社会工作服务",
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
            }),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("contract");
    for token in [&t.officer, &t.bidders[0]] {
        app.post(
            &format!("/api/v1/contracts/{contract}/sign"),
            Some(token),
            json!({}),
        )
        .await
        .expect(200);
    }
    let schedule = app
        .get(
            &format!("/api/v1/contracts/{contract}/payments"),
            Some(&t.officer),
        )
        .await
        .expect(200)
        .json();
    let first = schedule[0]["id"].as_i64().expect("payment");
    app.post(
        &format!("/api/v1/payments/{first}/pay"),
        Some(&t.officer),
        json!({}),
    )
    .await
    .expect(200);
    let t = move_to(app, "2026-06-30 16:30:00").await;
    run_job(app, &t.admin, "start_services").await;

    // July: a report returned with a comment, resubmitted, accepted with a comment; a
    // supervision session.
    let reports = format!("/api/v1/contracts/{contract}/reports");
    let t = move_to(app, "2026-08-03 02:00:00").await;
    let july = app
        .post(&reports, Some(&t.bidders[0]), report("2026-07"))
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("report");
    app.post(
        &format!("/api/v1/reports/{july}/review"),
        Some(&t.officer),
        json!({"decision": "returned", "comment": sensitive("退回意见")}),
    )
    .await
    .expect(200);
    let july = app
        .post(&reports, Some(&t.bidders[0]), report("2026-07"))
        .await
        .expect(200)
        .json()["id"]
        .as_i64()
        .expect("report");
    app.post(
        &format!("/api/v1/reports/{july}/review"),
        Some(&t.officer),
        json!({"decision": "accepted", "comment": sensitive("审核意见")}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/v1/contracts/{contract}/supervisions"),
        Some(&t.officer),
        json!({"held_on": "2026-07-20", "supervisor": "宁夏大学社会工作系督导", "notes": sensitive("督导记录")}),
    )
    .await
    .expect(201);
    for period in ["2026-08", "2026-09"] {
        let day = if period == "2026-08" {
            "2026-09-01 02:00:00"
        } else {
            "2026-09-28 02:00:00"
        };
        let t = move_to(app, day).await;
        let id = app
            .post(&reports, Some(&t.bidders[0]), report(period))
            .await
            .expect(201)
            .json()["id"]
            .as_i64()
            .expect("report");
        app.post(
            &format!("/api/v1/reports/{id}/review"),
            Some(&t.officer),
            json!({"decision": "accepted"}),
        )
        .await
        .expect(200);
    }

    // The mid-term evaluation on 09-30, every sheet commenting on named cases; graded, it
    // publishes its result notice and makes the second installment due.
    let t = move_to(app, "2026-09-30 01:00:00").await;
    run_job(app, &t.admin, "create_evaluations").await;
    let list = app
        .get(
            &format!("/api/v1/contracts/{contract}/evaluations"),
            Some(&t.officer),
        )
        .await
        .expect(200)
        .json();
    let evaluation = list[0]["id"].as_i64().expect("evaluation");
    app.call(
        Method::PUT,
        &format!("/api/v1/evaluations/{evaluation}/evaluators"),
        Some(&t.officer),
        Some(json!({"evaluator_ids": experts})),
    )
    .await
    .expect(200);
    for token in &t.experts {
        app.call(
            Method::PUT,
            &format!("/api/v1/evaluations/{evaluation}/scores"),
            Some(token),
            Some(json!({
                "scores": {"management": "17", "professional": "34", "outcome": "25", "satisfaction": "9"},
                "comment": sensitive("评价意见")
            })),
        )
        .await
        .expect(200);
    }
    let graded = app
        .get(
            &format!("/api/v1/evaluations/{evaluation}"),
            Some(&t.officer),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(graded["status"], "graded", "{graded}");
    let due = app
        .get(
            &format!("/api/v1/contracts/{contract}/payments"),
            Some(&t.officer),
        )
        .await
        .expect(200)
        .json();
    let second = due[1]["id"].as_i64().expect("payment");
    app.post(
        &format!("/api/v1/payments/{second}/pay"),
        Some(&t.officer),
        json!({}),
    )
    .await
    .expect(200);
    (project, contract, person)
}

/// What the public fetched: (path, text).
struct Crawl {
    pages: Vec<(String, String)>,
}

impl Crawl {
    /// Fetches `path` anonymously; keeps the body if it is 200. Returns the status and
    /// the body.
    async fn get(&mut self, app: &TestApp, path: &str) -> (u16, String) {
        let reply = app.get(path, None).await;
        let status = reply.status.as_u16();
        if status == 200 {
            self.pages.push((path.to_owned(), reply.text.clone()));
        }
        (status, reply.text)
    }

    /// Fetches `path`, which must succeed, as JSON.
    async fn json(&mut self, app: &TestApp, path: &str) -> Value {
        let (status, text) = self.get(app, path).await;
        assert_eq!(status, 200, "{path}: {text}");
        serde_json::from_str(&text).expect("JSON")
    }

    /// Fetches a notice PDF and keeps its text (`pdftotext`).
    async fn pdf(&mut self, app: &TestApp, path: &str) {
        let reply = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("pdf request");
        assert_eq!(reply.status().as_u16(), 200, "{path}");
        let bytes = reply.bytes().await.expect("pdf bytes");
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("n.pdf");
        std::fs::write(&file, &bytes).expect("write pdf");
        let out = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&file)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) is installed");
        assert!(out.status.success(), "{path}: pdftotext failed");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        // Line breaks may split a word: search the text without them too.
        let joined: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        self.pages
            .push((path.to_owned(), format!("{text}\n{joined}")));
    }
}

/// The ids of every project, contractor, purchaser, station and document.
fn all_ids(app: &TestApp) -> [Vec<i64>; 5] {
    let mut conn = app.conn();
    [
        projects::table.select(projects::id).load(&mut *conn),
        contractors::table.select(contractors::id).load(&mut *conn),
        purchasers::table.select(purchasers::id).load(&mut *conn),
        stations::table.select(stations::id).load(&mut *conn),
        documents::table.select(documents::id).load(&mut *conn),
    ]
    .map(|ids| ids.expect("ids"))
}

#[tokio::test]
async fn no_public_output_carries_service_users_or_a_full_id_number() {
    let mut app = spawn_app().await;
    let today = app.state.clock.today();
    {
        let mut conn = app.conn();
        sixnorms::demo::load(
            &mut conn,
            &app.state.settings,
            &app.state.rules,
            &app.state.calendar,
            app.state.clock.now(),
            today,
        )
        .expect("demo loads");
        sixnorms::demo::scale::generate(&mut conn, &app.state.rules, 12, today)
            .expect("scale data");
    }
    let (project, contract, person) = purchase(&mut app).await;
    let t = move_to(&mut app, "2026-10-08 02:00:00").await;
    // The control: the seeded texts are stored and readable by those entitled to them.
    for path in [
        format!("/api/v1/contracts/{contract}/reports"),
        format!("/api/v1/contracts/{contract}/supervisions"),
        format!("/api/v1/projects/{project}/challenges"),
    ] {
        let text = app.get(&path, Some(&t.officer)).await.expect(200).text;
        assert!(text.contains(NAMES[0]), "{path}: {text}");
    }

    let mut crawl = Crawl { pages: Vec::new() };
    // The site.
    for path in ["/", "/stats", "/feed.atom"] {
        let (status, text) = crawl.get(&app, path).await;
        assert_eq!(status, 200, "{path}: {text}");
    }
    let mut page = 1;
    loop {
        let (status, text) = crawl.get(&app, &format!("/notices?page={page}")).await;
        assert_eq!(status, 200, "{text}");
        if !text.contains(&format!("page={}", page + 1)) {
            break;
        }
        page += 1;
        assert!(page < 500);
    }
    // The notice API, every page and every notice, its page and its PDF.
    let mut notice_ids = BTreeSet::new();
    let mut page = 1;
    loop {
        let list = crawl
            .json(&app, &format!("/api/v1/notices?page={page}&per_page=100"))
            .await;
        let items = list["items"].as_array().expect("items");
        notice_ids.extend(items.iter().map(|n| n["id"].as_i64().expect("id")));
        if items.is_empty() || notice_ids.len() as i64 >= list["total"].as_i64().expect("total") {
            break;
        }
        page += 1;
    }
    assert!(notice_ids.len() > 20, "{} notices", notice_ids.len());
    for id in &notice_ids {
        crawl.json(&app, &format!("/api/v1/notices/{id}")).await;
        let (status, text) = crawl.get(&app, &format!("/notices/{id}")).await;
        assert_eq!(status, 200, "/notices/{id}: {text}");
        crawl.pdf(&app, &format!("/notices/{id}.pdf")).await;
    }
    // Projects, contractors, purchasers, stations: their pages and public API views.
    let [
        project_ids,
        contractor_ids,
        purchaser_ids,
        station_ids,
        document_ids,
    ] = all_ids(&app);
    for id in &project_ids {
        // Drafts are not public (404); every other project is.
        crawl.get(&app, &format!("/projects/{id}")).await;
        for tail in ["tender", "award", "bids/count", "documents", "opening"] {
            crawl
                .get(&app, &format!("/api/v1/projects/{id}/{tail}"))
                .await;
        }
    }
    let (status, _) = crawl.get(&app, &format!("/projects/{project}")).await;
    assert_eq!(status, 200);
    for id in &contractor_ids {
        crawl.get(&app, &format!("/contractors/{id}")).await;
        crawl
            .get(&app, &format!("/api/v1/contractors/{id}/public"))
            .await;
    }
    for id in &purchaser_ids {
        crawl.get(&app, &format!("/api/v1/purchasers/{id}")).await;
    }
    for id in &station_ids {
        crawl.get(&app, &format!("/api/v1/stations/{id}")).await;
    }
    for id in &document_ids {
        crawl.get(&app, &format!("/api/v1/documents/{id}")).await;
    }
    for path in [
        "/api/v1/purchasers?per_page=100",
        "/api/v1/stations?per_page=100",
        "/api/v1/stats/coverage?region_code=640104",
        "/api/v1/stats/coverage?region_code=640000",
        "/api/v1/stats/compliance?year=2026",
        "/api/v1/regions",
        "/api/v1/catalog",
    ] {
        crawl.json(&app, path).await;
    }
    // OCDS: every release page and every record.
    let mut ocids = BTreeSet::new();
    let mut page = 1;
    loop {
        let package = crawl
            .json(&app, &format!("/api/ocds/releases?page={page}"))
            .await;
        for r in package["releases"].as_array().expect("releases") {
            ocids.insert(r["ocid"].as_str().expect("ocid").to_owned());
        }
        if package["links"]["next"].is_null() {
            break;
        }
        page += 1;
    }
    for ocid in &ocids {
        crawl.json(&app, &format!("/api/ocds/records/{ocid}")).await;
    }

    // Nothing public carries a service user or a full ID number.
    let forbidden = forbidden();
    let mut leaks = Vec::new();
    for (path, text) in &crawl.pages {
        for word in &forbidden {
            if text.contains(word.as_str()) {
                leaks.push(format!("{path}: {word}"));
            }
        }
    }
    assert!(leaks.is_empty(), "leaks: {leaks:#?}");

    // The individual is shown masked: on its page, its public record, its award notice
    // (page and PDF) and in OCDS.
    let masked = masked_person_id();
    let shown = |prefix: &str| {
        crawl
            .pages
            .iter()
            .filter(|(p, _)| p.starts_with(prefix))
            .any(|(_, text)| text.contains(&masked))
    };
    assert!(shown(&format!("/contractors/{person}")), "contractor page");
    assert!(
        shown(&format!("/api/v1/contractors/{person}/public")),
        "public record"
    );
    assert!(shown("/api/ocds/"), "OCDS");
    let named = crawl
        .pages
        .iter()
        .any(|(p, text)| p.starts_with("/notices/") && text.contains("柏社工"));
    assert!(named, "the award notice names the individual");
    assert!(crawl.pages.len() > 200, "{} outputs", crawl.pages.len());
}
