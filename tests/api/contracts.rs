//! Contracts: drafting after the challenge window (and not while a challenge is pending),
//! every term required, the payment schedule (percents summing to 100, rounding to the fen),
//! signing in either order up to the 30-day limit, activation (contract notice, `on_signing`
//! due, project `contracted`), payments, the `start_services` job, termination and completion.
//! Every refused request leaves the database unchanged.
//!
//! Awards are inserted directly (the award flow is another area's): notice on Mon 2026-03-02,
//! challenge window until Fri 03-20, signing until Wed 04-01 (30 days). Service period of the
//! project: 2026-07-01 … 2027-06-30.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{Value, json};
use sixnorms::db::schema::{
    awards, bids, challenges, contracts, notices, payments, performance_evaluations, projects,
    tenders,
};
use sixnorms::jobs::{Trigger, run_now};

use crate::factories::{officer, purchaser, qualified_contractor};
use crate::helpers::{PASSWORD, Reply, TestApp, at, spawn_app, start_time};
use crate::procurement::{Buyer, buyer, project, project_body};

/// The tables a contract step writes.
const TABLES: [&str; 4] = ["contracts", "payments", "notices", "audit_log"];

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// 10:00 in Shanghai on `day`.
fn on(day: &str) -> chrono::NaiveDateTime {
    at(&format!("{day} 02:00:00"))
}

fn rule(reply: &Reply) -> String {
    reply.json()["error"]["details"]["rule"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn field_names(reply: &Reply) -> Vec<String> {
    reply.json()["error"]["details"]["fields"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Moves the clock and logs the named users in again (tokens last 12 hours).
async fn at_day(app: &mut TestApp, day: &str, users: &[&str]) -> Vec<String> {
    app.set_clock(on(day));
    app.admin_token = app.login("admin", PASSWORD).await;
    let mut out = Vec::new();
    for u in users {
        out.push(app.login(u, PASSWORD).await);
    }
    out
}

/// Creates a project through the API and awards it directly to `contractor_id` at
/// `price_fen`: a tender, a qualified bid, an active award noticed on 2026-03-02; the
/// project `awarded`. Returns (project id, award id).
pub(crate) async fn awarded(
    app: &TestApp,
    b: &Buyer,
    contractor_id: i64,
    price_fen: i64,
) -> (i64, i64) {
    let project_id = project(app, b, project_body(b)).await;
    let mut conn = app.conn();
    let now = start_time();
    let tender: i64 = diesel::insert_into(tenders::table)
        .values((
            tenders::project_id.eq(project_id),
            tenders::bid_deadline.eq(now),
            tenders::max_price_fen.eq(200_000_000_i64),
            tenders::award_method.eq("lowest_price"),
            tenders::price_weight_bp.eq(10_000),
            tenders::min_full_time_staff.eq(0),
            tenders::min_certified_social_workers.eq(0),
            tenders::min_years_established.eq(0),
            tenders::published_at.eq(now),
            tenders::opened_at.eq(Some(now)),
        ))
        .returning(tenders::id)
        .get_result(&mut *conn)
        .expect("tender");
    let bid: i64 = diesel::insert_into(bids::table)
        .values((
            bids::project_id.eq(project_id),
            bids::tender_id.eq(tender),
            bids::contractor_id.eq(contractor_id),
            bids::price_fen.eq(price_fen),
            bids::proposal.eq("服务方案"),
            bids::team_size.eq(6),
            bids::receipt_sha256.eq(format!("{project_id:064x}")),
            bids::submitted_at.eq(now),
            bids::status.eq("qualified"),
        ))
        .returning(bids::id)
        .get_result(&mut *conn)
        .expect("bid");
    let award: i64 = diesel::insert_into(awards::table)
        .values((
            awards::project_id.eq(project_id),
            awards::bid_id.eq(bid),
            awards::contractor_id.eq(contractor_id),
            awards::price_fen.eq(price_fen),
            awards::decided_at.eq(now),
            awards::notice_on.eq(date("2026-03-02")),
            awards::challenge_deadline.eq(date("2026-03-20")),
            awards::signing_deadline.eq(date("2026-04-01")),
            awards::active.eq(true),
        ))
        .returning(awards::id)
        .get_result(&mut *conn)
        .expect("award");
    diesel::update(projects::table.find(project_id))
        .set(projects::status.eq("awarded"))
        .execute(&mut *conn)
        .expect("awarded");
    (project_id, award)
}

/// A complete contract body.
fn terms() -> Value {
    json!({
        "subject": "兴庆区困难群众社会工作服务",
        "quantity_terms": "入户探访1200人次，个案服务60个",
        "quality_terms": "服务对象满意率不低于90%",
        "service_start": "2026-07-01",
        "service_end": "2027-06-30",
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

async fn create(app: &TestApp, token: &str, project_id: i64, body: Value) -> Reply {
    app.post(
        &format!("/api/v1/projects/{project_id}/contract"),
        Some(token),
        body,
    )
    .await
}

async fn sign(app: &TestApp, token: &str, contract: i64) -> Reply {
    app.post(
        &format!("/api/v1/contracts/{contract}/sign"),
        Some(token),
        json!({}),
    )
    .await
}

fn project_status(app: &TestApp, id: i64) -> String {
    let mut conn = app.conn();
    projects::table
        .find(id)
        .select(projects::status)
        .first(&mut *conn)
        .expect("status")
}

/// (id, condition, status, amount) of each installment, in order.
async fn schedule(app: &TestApp, token: &str, contract: i64) -> Vec<(i64, String, String, String)> {
    app.get(
        &format!("/api/v1/contracts/{contract}/payments"),
        Some(token),
    )
    .await
    .expect(200)
    .json()
    .as_array()
    .expect("list")
    .iter()
    .map(|p| {
        (
            p["id"].as_i64().expect("id"),
            p["condition"].as_str().expect("condition").to_owned(),
            p["status"].as_str().expect("status").to_owned(),
            p["amount"].as_str().expect("amount").to_owned(),
        )
    })
    .collect()
}

fn notice_count(app: &TestApp, project_id: i64, kind: &str) -> i64 {
    let mut conn = app.conn();
    notices::table
        .filter(notices::project_id.eq(project_id))
        .filter(notices::kind.eq(kind))
        .count()
        .get_result(&mut *conn)
        .expect("count")
}

/// A buyer (officer1), two qualified contractors (org1, org2). Clock at the start time.
async fn parties(app: &TestApp) -> (Buyer, i64, i64) {
    let b = buyer(app, 1, "government_department", "9000000.00").await;
    let (c1, _) = qualified_contractor(app, 1, "org1", "640104").await;
    let (c2, _) = qualified_contractor(app, 2, "org2", "640104").await;
    (b, c1, c2)
}

/// Drafts the standard contract of an awarded project on 2026-03-23; returns its id.
async fn drafted(app: &mut TestApp, project_id: i64) -> i64 {
    let tokens = at_day(app, "2026-03-23", &["officer1"]).await;
    create(app, &tokens[0], project_id, terms())
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id")
}

// ----------------------------------------------------------------------------- drafting

#[tokio::test]
async fn the_contract_waits_for_the_challenge_window_and_pending_challenges() {
    let mut app = spawn_app().await;
    let (b, c1, _) = parties(&app).await;
    let (p, award) = awarded(&app, &b, c1, 90_000_000).await;

    // The last day of the challenge window: too early.
    let t = at_day(&mut app, "2026-03-20", &["officer1", "org1"]).await;
    let before = app.counts(&TABLES);
    let reply = create(&app, &t[0], p, terms()).await.expect(422);
    assert_eq!(rule(&reply), "challenge_window_open");
    assert_eq!(app.counts(&TABLES), before);

    // The window closed, but a challenge is still pending.
    let t = at_day(&mut app, "2026-03-21", &["officer1", "org1"]).await;
    let challenge: i64 = {
        let mut conn = app.conn();
        diesel::insert_into(challenges::table)
            .values((
                challenges::project_id.eq(p),
                challenges::award_id.eq(award),
                challenges::contractor_id.eq(c1),
                challenges::grounds.eq("评分不公"),
                challenges::facts.eq("事实"),
                challenges::filed_at.eq(on("2026-03-19")),
                challenges::answer_due.eq(date("2026-03-26")),
                challenges::status.eq("pending"),
            ))
            .returning(challenges::id)
            .get_result(&mut *conn)
            .expect("challenge")
    };
    let before = app.counts(&TABLES);
    let reply = create(&app, &t[0], p, terms()).await.expect(422);
    assert_eq!(rule(&reply), "challenge_pending");
    assert_eq!(app.counts(&TABLES), before);
    {
        let mut conn = app.conn();
        diesel::update(challenges::table.find(challenge))
            .set(challenges::status.eq("rejected"))
            .execute(&mut *conn)
            .expect("answer");
    }

    // Only the purchaser's officer drafts it.
    let other_purchaser =
        purchaser(&app, "其他民政局", "government_department", "640104", 150).await;
    let (_, other) = officer(&app, "officer9", other_purchaser).await;
    let before = app.counts(&TABLES);
    create(&app, &t[1], p, terms()).await.expect(403);
    create(&app, &other, p, terms()).await.expect(403);
    assert_eq!(app.counts(&TABLES), before);

    let view = create(&app, &t[0], p, terms()).await.expect(201).json();
    assert_eq!(view["status"], "draft");
    assert_eq!(view["amount"], "900000.00");
    assert_eq!(view["contractor_id"], c1);
    assert!(view["number"].as_str().expect("number").ends_with("-HT"));
    assert_eq!(view["dispute_resolution"]["kind"], "arbitration");
    let amounts: Vec<&str> = view["payment_schedule"]
        .as_array()
        .expect("schedule")
        .iter()
        .map(|p| p["amount"].as_str().expect("amount"))
        .collect();
    assert_eq!(amounts, ["270000.00", "270000.00", "360000.00"]);
    assert_eq!(project_status(&app, p), "awarded");

    // One contract per project.
    let before = app.counts(&TABLES);
    create(&app, &t[0], p, terms()).await.expect(409);
    assert_eq!(app.counts(&TABLES), before);
}

#[tokio::test]
async fn every_term_is_required_and_the_percents_sum_to_100() {
    let mut app = spawn_app().await;
    let (b, c1, _) = parties(&app).await;
    let (p, _) = awarded(&app, &b, c1, 100_000_001).await;
    let t = at_day(&mut app, "2026-03-23", &["officer1"]).await;
    let before = app.counts(&TABLES);

    let reply = create(&app, &t[0], p, json!({})).await.expect(422);
    assert_eq!(
        field_names(&reply),
        [
            "breach_liability",
            "dispute_resolution",
            "payment_schedule",
            "quality_terms",
            "quantity_terms",
            "rights_obligations",
            "service_end",
            "service_start",
            "subject",
        ]
    );

    let mut body = terms();
    body["subject"] = json!("  ");
    body["service_end"] = json!("2027-07-31");
    body["dispute_resolution"] = json!({"kind": "mediation"});
    body["payment_schedule"] = json!([
        {"name": "首期款", "percent": "33.333", "condition": "on_signing"},
        {"percent": 30, "condition": "later"},
        {"name": "尾款", "condition": "after_final_evaluation"}
    ]);
    let reply = create(&app, &t[0], p, body).await.expect(422);
    assert_eq!(
        field_names(&reply),
        [
            "dispute_resolution.body",
            "dispute_resolution.kind",
            "payment_schedule[0].percent",
            "payment_schedule[1].condition",
            "payment_schedule[1].name",
            "payment_schedule[2].percent",
            "service_end",
            "subject",
        ]
    );

    let mut body = terms();
    body["payment_schedule"] = json!([
        {"name": "首期款", "percent": "30", "condition": "on_signing"},
        {"name": "尾款", "percent": "60", "condition": "after_final_evaluation"}
    ]);
    let reply = create(&app, &t[0], p, body).await.expect(422);
    assert_eq!(rule(&reply), "payment_schedule_not_100");
    assert_eq!(app.counts(&TABLES), before);

    // ¥1,000,000.01 split 30 / 30 / 40: the remainder 分 goes to the last installment.
    let view = create(&app, &t[0], p, terms()).await.expect(201).json();
    assert_eq!(view["amount"], "1000000.01");
    let split: Vec<(&str, &str)> = view["payment_schedule"]
        .as_array()
        .expect("schedule")
        .iter()
        .map(|p| {
            (
                p["percent"].as_str().expect("p"),
                p["amount"].as_str().expect("a"),
            )
        })
        .collect();
    assert_eq!(
        split,
        [
            ("30.00", "300000.00"),
            ("30.00", "300000.00"),
            ("40.00", "400000.01")
        ]
    );
}

// ------------------------------------------------------------------------------ signing

#[tokio::test]
async fn signing_in_either_order_activates_publishes_and_makes_the_first_installment_due() {
    let mut app = spawn_app().await;
    let (b, c1, c2) = parties(&app).await;
    let (p1, _) = awarded(&app, &b, c1, 90_000_000).await;
    let (p2, _) = awarded(&app, &b, c2, 80_000_000).await;
    let k1 = drafted(&mut app, p1).await;
    let k2 = drafted(&mut app, p2).await;
    let t = at_day(&mut app, "2026-03-24", &["officer1", "org1", "org2"]).await;
    let (officer_t, org1, org2) = (&t[0], &t[1], &t[2]);

    // Purchaser first, then the contractor; org2 is no party to contract 1.
    let view = sign(&app, officer_t, k1).await.expect(200).json();
    assert_eq!(view["status"], "draft");
    assert!(view["purchaser_signed_at"].is_string());
    let before = app.counts(&TABLES);
    sign(&app, officer_t, k1).await.expect(409);
    sign(&app, org2, k1).await.expect(403);
    assert_eq!(app.counts(&TABLES), before);
    assert_eq!(notice_count(&app, p1, "contract"), 0);
    let view = sign(&app, org1, k1).await.expect(200).json();
    assert_eq!(view["status"], "active");
    assert_eq!(project_status(&app, p1), "contracted");
    let statuses: Vec<String> = schedule(&app, org1, k1)
        .await
        .into_iter()
        .map(|s| s.2)
        .collect();
    assert_eq!(statuses, ["due", "scheduled", "scheduled"]);
    assert_eq!(notice_count(&app, p1, "contract"), 1);
    let (due_by, on_time): (Option<NaiveDate>, bool) = {
        let mut conn = app.conn();
        notices::table
            .filter(notices::project_id.eq(p1))
            .filter(notices::kind.eq("contract"))
            .select((notices::due_by, notices::on_time))
            .first(&mut *conn)
            .expect("notice")
    };
    // Signed Tue 03-24; 2 working days: Thu 03-26.
    assert_eq!(due_by, Some(date("2026-03-26")));
    assert!(on_time);
    // Signing an active contract again is refused.
    let before = app.counts(&TABLES);
    sign(&app, org1, k1).await.expect(409);
    assert_eq!(app.counts(&TABLES), before);

    // Contractor first, then the purchaser.
    sign(&app, org2, k2).await.expect(200);
    let before = app.counts(&TABLES);
    sign(&app, org2, k2).await.expect(409);
    assert_eq!(app.counts(&TABLES), before);
    let view = sign(&app, officer_t, k2).await.expect(200).json();
    assert_eq!(view["status"], "active");
    assert_eq!(project_status(&app, p2), "contracted");
    assert_eq!(notice_count(&app, p2, "contract"), 1);

    // Reading: the parties, auditors, admins; not the other contractor.
    app.get(&format!("/api/v1/contracts/{k1}"), Some(org1))
        .await
        .expect(200);
    app.get(&format!("/api/v1/contracts/{k1}"), Some(org2))
        .await
        .expect(403);
    app.get(&format!("/api/v1/contracts/{k1}/payments"), Some(org2))
        .await
        .expect(403);
    let admin = app.admin_token.clone();
    app.get(&format!("/api/v1/contracts/{k2}"), Some(&admin))
        .await
        .expect(200);
    let list = app
        .get("/api/v1/contracts", Some(org2))
        .await
        .expect(200)
        .json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], k2);
    let list = app
        .get(
            &format!("/api/v1/contracts?contractor_id={c1}"),
            Some(officer_t),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(list["total"], 1);
    app.get(&format!("/api/v1/contracts?contractor_id={c1}"), Some(org2))
        .await
        .expect(403);
}

#[tokio::test]
async fn signing_closes_30_days_after_the_award_notice() {
    let mut app = spawn_app().await;
    let (b, c1, c2) = parties(&app).await;
    let (p1, _) = awarded(&app, &b, c1, 90_000_000).await;
    let (p2, _) = awarded(&app, &b, c2, 80_000_000).await;
    let k1 = drafted(&mut app, p1).await;
    let k2 = drafted(&mut app, p2).await;
    let t = at_day(&mut app, "2026-03-24", &["officer1", "org2"]).await;
    sign(&app, &t[0], k1).await.expect(200);
    sign(&app, &t[1], k2).await.expect(200);

    // Day 30 (Wed 04-01): the second signature is accepted.
    let t = at_day(&mut app, "2026-04-01", &["org1"]).await;
    let view = sign(&app, &t[0], k1).await.expect(200).json();
    assert_eq!(view["status"], "active");

    // Day 31: refused, nothing written.
    let t = at_day(&mut app, "2026-04-02", &["officer1"]).await;
    let before = app.counts(&TABLES);
    let reply = sign(&app, &t[0], k2).await.expect(422);
    assert_eq!(rule(&reply), "signing_deadline_passed");
    assert_eq!(app.counts(&TABLES), before);
    assert_eq!(project_status(&app, p2), "awarded");
}

// ----------------------------------------------------------------- payments and the job

/// The `started` count of a `start_services` run.
fn started(run: &sixnorms::jobs::JobRun) -> i64 {
    assert_eq!(run.outcome, "ok", "{:?}", run.detail);
    let detail: Value = serde_json::from_str(run.detail.as_deref().unwrap_or("{}")).expect("json");
    detail["started"].as_i64().expect("started")
}

async fn active(app: &mut TestApp, project_id: i64, contractor_user: &str) -> i64 {
    let k = drafted(app, project_id).await;
    let t = at_day(app, "2026-03-24", &["officer1", contractor_user]).await;
    sign(app, &t[0], k).await.expect(200);
    sign(app, &t[1], k).await.expect(200);
    k
}

#[tokio::test]
async fn installments_are_paid_once_when_due_and_services_start_on_the_start_date() {
    let mut app = spawn_app().await;
    let (b, c1, _) = parties(&app).await;
    let (p, _) = awarded(&app, &b, c1, 100_000_001).await;
    let k = active(&mut app, p, "org1").await;
    let t = at_day(&mut app, "2026-03-25", &["officer1", "org1"]).await;
    let rows = schedule(&app, &t[0], k).await;
    let (first, second) = (rows[0].0, rows[1].0);

    let before = app.counts(&TABLES);
    app.post(
        &format!("/api/v1/payments/{first}/pay"),
        Some(&t[1]),
        json!({}),
    )
    .await
    .expect(403);
    let reply = app
        .post(
            &format!("/api/v1/payments/{second}/pay"),
            Some(&t[0]),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(reply.code(), "invalid_state");
    assert_eq!(app.counts(&TABLES), before);

    let paid = app
        .post(
            &format!("/api/v1/payments/{first}/pay"),
            Some(&t[0]),
            json!({}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["amount"], "300000.00");
    assert_eq!(paid["payable_amount"], "300000.00");
    assert!(paid["paid_at"].is_string());
    let before = app.counts(&TABLES);
    let reply = app
        .post(
            &format!("/api/v1/payments/{first}/pay"),
            Some(&t[0]),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(reply.code(), "invalid_state");
    assert_eq!(app.counts(&TABLES), before);

    // The job: nothing before the start date, then exactly once.
    app.set_clock(on("2026-06-30"));
    let run = run_now(&app.state, "start_services", Trigger::Manual)
        .await
        .expect("job");
    assert_eq!(run.outcome, "ok", "{:?}", run.detail);
    assert_eq!(started(&run), 0);
    assert_eq!(project_status(&app, p), "contracted");
    app.set_clock(at("2026-06-30 16:30:00")); // 00:30 on 07-01 in Shanghai
    for expected in [1, 0] {
        let run = run_now(&app.state, "start_services", Trigger::Manual)
            .await
            .expect("job");
        assert_eq!(started(&run), expected);
    }
    assert_eq!(project_status(&app, p), "in_service");

    // Completion: the final evaluation graded and every installment paid or withheld.
    let t = at_day(&mut app, "2027-07-05", &["officer1"]).await;
    {
        let mut conn = app.conn();
        diesel::update(
            payments::table
                .filter(payments::contract_id.eq(k))
                .filter(payments::status.eq("scheduled")),
        )
        .set(payments::status.eq("due"))
        .execute(&mut *conn)
        .expect("due");
        diesel::insert_into(performance_evaluations::table)
            .values((
                performance_evaluations::contract_id.eq(k),
                performance_evaluations::kind.eq("final"),
                performance_evaluations::status.eq("graded"),
                performance_evaluations::opened_at.eq(on("2027-06-30")),
                performance_evaluations::total_centi.eq(Some(9_100_i64)),
                performance_evaluations::grade.eq(Some("excellent")),
                performance_evaluations::graded_at.eq(Some(on("2027-07-02"))),
            ))
            .execute(&mut *conn)
            .expect("evaluation");
    }
    let rows = schedule(&app, &t[0], k).await;
    app.post(
        &format!("/api/v1/payments/{}/pay", rows[1].0),
        Some(&t[0]),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(project_status(&app, p), "in_service");
    app.post(
        &format!("/api/v1/payments/{}/pay", rows[2].0),
        Some(&t[0]),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(project_status(&app, p), "completed");
    let view = app
        .get(&format!("/api/v1/contracts/{k}"), Some(&t[0]))
        .await
        .expect(200)
        .json();
    assert_eq!(view["status"], "completed");
}

// ---------------------------------------------------------------------------- termination

#[tokio::test]
async fn termination_withholds_unpaid_installments_and_publishes_a_notice() {
    let mut app = spawn_app().await;
    let (b, c1, c2) = parties(&app).await;
    let (p1, _) = awarded(&app, &b, c1, 90_000_000).await;
    let (p2, _) = awarded(&app, &b, c2, 80_000_000).await;
    let k1 = active(&mut app, p1, "org1").await;
    let k2 = active(&mut app, p2, "org2").await;
    let t = at_day(&mut app, "2026-07-15", &["officer1", "org1"]).await;
    let run = run_now(&app.state, "start_services", Trigger::Manual)
        .await
        .expect("job");
    assert_eq!(started(&run), 2);

    let url = format!("/api/v1/contracts/{k1}/terminate");
    let before = app.counts(&TABLES);
    let reply = app.post(&url, Some(&t[0]), json!({})).await.expect(422);
    assert_eq!(field_names(&reply), ["reason"]);
    app.post(&url, Some(&t[1]), json!({"reason": "乙方要求"}))
        .await
        .expect(403);
    assert_eq!(app.counts(&TABLES), before);

    let view = app
        .post(
            &url,
            Some(&t[0]),
            json!({"reason": "承接机构严重违约，经协商解除合同"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(view["status"], "terminated");
    assert_eq!(project_status(&app, p1), "terminated");
    let statuses: Vec<String> = schedule(&app, &t[0], k1)
        .await
        .into_iter()
        .map(|s| s.2)
        .collect();
    assert_eq!(statuses, ["withheld", "withheld", "withheld"]);
    assert_eq!(notice_count(&app, p1, "termination"), 1);
    let body: String = {
        let mut conn = app.conn();
        notices::table
            .filter(notices::project_id.eq(p1))
            .filter(notices::kind.eq("termination"))
            .select(notices::body_html)
            .first(&mut *conn)
            .expect("notice")
    };
    assert!(body.contains("承接机构严重违约"), "{body}");
    assert!(body.contains("人民币玖拾万元整"), "{body}");

    // Terminated once; a withheld installment cannot be paid.
    let before = app.counts(&TABLES);
    let reply = app
        .post(&url, Some(&t[0]), json!({"reason": "再次终止"}))
        .await
        .expect(409);
    assert_eq!(reply.code(), "invalid_state");
    let first = schedule(&app, &t[0], k1).await[0].0;
    app.post(
        &format!("/api/v1/payments/{first}/pay"),
        Some(&t[0]),
        json!({}),
    )
    .await
    .expect(409);
    assert_eq!(app.counts(&TABLES), before);

    // With pay_unpaid the unpaid installments become due instead.
    let view = app
        .post(
            &format!("/api/v1/contracts/{k2}/terminate"),
            Some(&t[0]),
            json!({"reason": "服务需求变化，双方协商一致解除", "pay_unpaid": true}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(view["status"], "terminated");
    let rows = schedule(&app, &t[0], k2).await;
    let statuses: Vec<&str> = rows.iter().map(|s| s.2.as_str()).collect();
    assert_eq!(statuses, ["due", "due", "due"]);
    app.post(
        &format!("/api/v1/payments/{}/pay", rows[0].0),
        Some(&t[0]),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(project_status(&app, p2), "terminated");
    let status: String = {
        let mut conn = app.conn();
        contracts::table
            .find(k2)
            .select(contracts::status)
            .first(&mut *conn)
            .expect("status")
    };
    assert_eq!(status, "terminated");
}
