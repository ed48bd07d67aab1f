//! Delivery under a contract: monthly service reports (rules, review, resubmission),
//! progress from accepted reports only, supervision, scoping, the `report_reminders` job
//! exactly once per user, and rejected requests leaving the database unchanged.
//!
//! Contracts are inserted directly (status `active`) on top of a project created through the
//! API, so these tests do not depend on the signing flow.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{Value, json};
use sixnorms::auth::Role;
use sixnorms::db::schema::{awards, bids, contracts, outbox, tenders, users};
use sixnorms::jobs::{Trigger, run_now};

use crate::factories::qualified_contractor;
use crate::helpers::{PASSWORD, Reply, TestApp, at, create_user_direct, spawn_app, start_time};
use crate::procurement::{Buyer, buyer, project, project_body};

const TABLES: [&str; 5] = [
    "service_reports",
    "report_counts",
    "supervisions",
    "outbox",
    "audit_log",
];

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// Inserts a tender, a bid, an award and an `active` contract for `project_id`; returns the
/// contract id. Service period 2026-07-01 … 2027-06-30 (the project's).
fn insert_contract(app: &TestApp, project_id: i64, purchaser_id: i64, contractor_id: i64) -> i64 {
    let mut conn = app.conn();
    let now = start_time();
    let tender: i64 = diesel::insert_into(tenders::table)
        .values((
            tenders::project_id.eq(project_id),
            tenders::bid_deadline.eq(now),
            tenders::max_price_fen.eq(98_000_000_i64),
            tenders::award_method.eq("lowest_price"),
            tenders::price_weight_bp.eq(10_000),
            tenders::min_full_time_staff.eq(0),
            tenders::min_certified_social_workers.eq(0),
            tenders::min_years_established.eq(0),
            tenders::published_at.eq(now),
        ))
        .returning(tenders::id)
        .get_result(&mut *conn)
        .expect("tender");
    let bid: i64 = diesel::insert_into(bids::table)
        .values((
            bids::project_id.eq(project_id),
            bids::tender_id.eq(tender),
            bids::contractor_id.eq(contractor_id),
            bids::price_fen.eq(90_000_000_i64),
            bids::proposal.eq("服务方案"),
            bids::team_size.eq(6),
            bids::receipt_sha256.eq("00"),
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
            awards::price_fen.eq(90_000_000_i64),
            awards::decided_at.eq(now),
            awards::notice_on.eq(date("2026-03-02")),
            awards::challenge_deadline.eq(date("2026-03-20")),
            awards::signing_deadline.eq(date("2026-04-01")),
            awards::active.eq(true),
        ))
        .returning(awards::id)
        .get_result(&mut *conn)
        .expect("award");
    diesel::insert_into(contracts::table)
        .values((
            contracts::project_id.eq(project_id),
            contracts::award_id.eq(award),
            contracts::purchaser_id.eq(purchaser_id),
            contracts::contractor_id.eq(contractor_id),
            contracts::number.eq(format!("HT-2026-{project_id:04}")),
            contracts::subject.eq("兴庆区2026年困难群众社会工作服务"),
            contracts::quantity_terms.eq("入户探访1200人次，个案60个"),
            contracts::quality_terms.eq("满意率不低于90%"),
            contracts::amount_fen.eq(90_000_000_i64),
            contracts::service_start.eq(date("2026-07-01")),
            contracts::service_end.eq(date("2027-06-30")),
            contracts::rights_obligations.eq("双方权利义务"),
            contracts::breach_liability.eq("违约责任"),
            contracts::dispute_kind.eq("arbitration"),
            contracts::dispute_body.eq("银川仲裁委员会"),
            contracts::status.eq("active"),
            contracts::created_at.eq(now),
            contracts::updated_at.eq(now),
        ))
        .returning(contracts::id)
        .get_result(&mut *conn)
        .expect("contract")
}

fn set_contract_status(app: &TestApp, id: i64, status: &str) {
    let mut conn = app.conn();
    diesel::update(contracts::table.find(id))
        .set(contracts::status.eq(status))
        .execute(&mut *conn)
        .expect("status");
}

/// A purchaser with its officer, a contractor, a project and an active contract; plus a
/// second purchaser's officer and a second contractor for scoping.
struct World {
    buyer: Buyer,
    contract: i64,
    contractor_id: i64,
    org_user: String,
    other_officer: String,
    other_org_user: String,
}

async fn world(app: &TestApp) -> World {
    let b = buyer(app, 1, "government_department", "3000000.00").await;
    let project_id = project(app, &b, project_body(&b)).await;
    let (contractor_id, _) = qualified_contractor(app, 1, "org.a", "640104").await;
    let (_, _) = qualified_contractor(app, 2, "org.b", "640104").await;
    buyer(app, 2, "government_department", "1000000.00").await;
    let contract = insert_contract(app, project_id, b.purchaser, contractor_id);
    World {
        buyer: b,
        contract,
        contractor_id,
        org_user: String::new(),
        other_officer: String::new(),
        other_org_user: String::new(),
    }
}

/// Moves the clock and logs everybody in again (tokens live 12 hours).
async fn move_to(app: &mut TestApp, w: &mut World, utc: &str) {
    app.set_clock(at(utc));
    app.admin_token = app.login("admin", PASSWORD).await;
    w.buyer.officer = app.login("officer1", PASSWORD).await;
    w.other_officer = app.login("officer2", PASSWORD).await;
    w.org_user = app.login("org.a", PASSWORD).await;
    w.other_org_user = app.login("org.b", PASSWORD).await;
}

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
        "narrative": "本月完成入户探访120人次，新开个案5个，开展社区活动3场。"
    })
}

fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

fn fields(reply: &Reply) -> Value {
    reply.json()["error"]["details"]["fields"].clone()
}

async fn submit(app: &TestApp, w: &World, token: &str, body: Value) -> Reply {
    app.post(
        &format!("/api/v1/contracts/{}/reports", w.contract),
        Some(token),
        body,
    )
    .await
}

async fn review(app: &TestApp, token: &str, id: i64, body: Value) -> Reply {
    app.post(&format!("/api/v1/reports/{id}/review"), Some(token), body)
        .await
}

fn outbox_count(app: &TestApp, kind: &str) -> i64 {
    let mut conn = app.conn();
    outbox::table
        .filter(outbox::kind.eq(kind))
        .count()
        .get_result(&mut *conn)
        .expect("count")
}

#[tokio::test]
async fn report_rules_refuse_bad_months_counts_and_fields_and_change_nothing() {
    let mut app = spawn_app().await;
    let mut w = world(&app).await;
    // 15 September 2026, 10:00 in Shanghai.
    move_to(&mut app, &mut w, "2026-09-15 02:00:00").await;
    let org = w.org_user.clone();

    let created = submit(&app, &w, &org, report("2026-07")).await.expect(201);
    let created = created.json();
    assert_eq!(created["status"], "submitted");
    assert_eq!(created["period"], "2026-07");
    assert_eq!(created["service_counts"].as_array().map(Vec::len), Some(2));
    let before = app.counts(&TABLES);

    // The same month again: 409 conflict.
    let dup = submit(&app, &w, &org, report("2026-07")).await.expect(409);
    assert_eq!(dup.code(), "conflict");
    assert_eq!(app.counts(&TABLES), before);

    // Months outside the service period, in the future, or malformed.
    for period in ["2026-06", "2027-07", "2026-10", "2026-7", "2026-13", "七月"] {
        let r = submit(&app, &w, &org, report(period)).await.expect(422);
        assert!(fields(&r).get("period").is_some(), "{period}: {}", r.text);
        assert_eq!(app.counts(&TABLES), before, "{period}");
    }

    // Negative counts name their fields.
    let mut body = report("2026-08");
    body["service_counts"][0]["persons"] = json!(-1);
    body["activities"] = json!(-2);
    body["volunteers_engaged"] = json!(-3);
    let r = submit(&app, &w, &org, body).await.expect(422);
    let f = fields(&r);
    for name in [
        "service_counts[0].persons",
        "activities",
        "volunteers_engaged",
    ] {
        assert!(f.get(name).is_some(), "{name}: {}", r.text);
    }
    assert_eq!(app.counts(&TABLES), before);

    // No field for a service user's name or ID exists: unknown fields are refused by name.
    let r = submit(
        &app,
        &w,
        &org,
        with(report("2026-08"), "client_name", json!("张三")),
    )
    .await
    .expect(422);
    assert!(fields(&r).get("client_name").is_some(), "{}", r.text);
    let mut body = report("2026-08");
    body["service_counts"][0]["id_number"] = json!("640104199001011234");
    let r = submit(&app, &w, &org, body).await.expect(422);
    assert!(r.text.contains("id_number"), "{}", r.text);
    assert_eq!(app.counts(&TABLES), before);

    // Unknown target group, persons above person-times, a repeated group, empty narrative.
    let mut body = report("2026-08");
    body["service_counts"][0]["target_group"] = json!("martians");
    body["service_counts"][1]["persons"] = json!(30);
    body["narrative"] = json!("   ");
    let r = submit(&app, &w, &org, body).await.expect(422);
    let f = fields(&r);
    for name in [
        "service_counts[0].target_group",
        "service_counts[1].persons",
        "narrative",
    ] {
        assert!(f.get(name).is_some(), "{name}: {}", r.text);
    }
    let mut body = report("2026-08");
    body["service_counts"][1]["target_group"] = json!("low_income");
    body["narrative"] = json!("字".repeat(5001));
    let r = submit(&app, &w, &org, body).await.expect(422);
    let f = fields(&r);
    assert!(
        f.get("service_counts[1].target_group").is_some(),
        "{}",
        r.text
    );
    assert!(f.get("narrative").is_some(), "{}", r.text);
    assert_eq!(app.counts(&TABLES), before);

    // Only the contract's contractor submits.
    let other = w.other_org_user.clone();
    let r = submit(&app, &w, &other, report("2026-08"))
        .await
        .expect(403);
    assert_eq!(r.code(), "forbidden");
    let officer = w.buyer.officer.clone();
    submit(&app, &w, &officer, report("2026-08"))
        .await
        .expect(403);
    submit(&app, &w, &app.admin_token, report("2026-08"))
        .await
        .expect(403);
    let r = app
        .post(
            "/api/v1/contracts/999999/reports",
            Some(&org),
            report("2026-08"),
        )
        .await
        .expect(404);
    assert_eq!(r.code(), "not_found");
    assert_eq!(app.counts(&TABLES), before);

    // Only while the contract is active.
    set_contract_status(&app, w.contract, "terminated");
    let r = submit(&app, &w, &org, report("2026-08")).await.expect(409);
    assert_eq!(r.code(), "invalid_state");
    assert_eq!(app.counts(&TABLES), before);
    set_contract_status(&app, w.contract, "active");

    // The current month itself may be reported; the submission is audited.
    submit(&app, &w, &org, report("2026-09")).await.expect(201);
    let trail = app
        .get(
            &format!(
                "/api/v1/audit?entity_type=service_report&entity_id={}",
                created["id"]
            ),
            Some(&app.admin_token),
        )
        .await
        .expect(200);
    assert!(trail.text.contains("report.submit"), "{}", trail.text);
    assert!(!trail.text.contains("client_name"));
}

#[tokio::test]
async fn review_accepts_or_returns_and_a_returned_report_can_be_resubmitted() {
    let mut app = spawn_app().await;
    let mut w = world(&app).await;
    move_to(&mut app, &mut w, "2026-09-15 02:00:00").await;
    let org = w.org_user.clone();
    let officer = w.buyer.officer.clone();
    // A second active user of the contractor also receives the mail.
    let colleague = create_user_direct(&app.state, "org.a2", Role::Contractor);
    {
        let mut conn = app.conn();
        diesel::update(users::table.find(colleague))
            .set(users::contractor_id.eq(Some(w.contractor_id)))
            .execute(&mut *conn)
            .expect("link");
    }

    let id = submit(&app, &w, &org, report("2026-07"))
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    let before = app.counts(&TABLES);

    // Who may review: the purchaser's officer only.
    let other = w.other_officer.clone();
    review(&app, &other, id, json!({"decision": "accepted"}))
        .await
        .expect(403);
    review(&app, &org, id, json!({"decision": "accepted"}))
        .await
        .expect(403);
    review(&app, &officer, 999_999, json!({"decision": "accepted"}))
        .await
        .expect(404);
    // A return needs a comment; the decision is one of two.
    let r = review(&app, &officer, id, json!({"decision": "returned"}))
        .await
        .expect(422);
    assert!(fields(&r).get("comment").is_some(), "{}", r.text);
    let r = review(
        &app,
        &officer,
        id,
        json!({"decision": "returned", "comment": "  "}),
    )
    .await
    .expect(422);
    assert!(fields(&r).get("comment").is_some(), "{}", r.text);
    let r = review(&app, &officer, id, json!({"decision": "approve"}))
        .await
        .expect(422);
    assert!(fields(&r).get("decision").is_some(), "{}", r.text);
    assert_eq!(app.counts(&TABLES), before);

    // Returned: the contractor's two users are mailed in the same transaction.
    let returned = review(
        &app,
        &officer,
        id,
        json!({"decision": "returned", "comment": "个案数与台账不符，请核实后重报"}),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(returned["status"], "returned");
    assert_eq!(returned["review_comment"], "个案数与台账不符，请核实后重报");
    assert_eq!(outbox_count(&app, "report_returned"), 2);
    {
        let mut conn = app.conn();
        let subjects: Vec<String> = outbox::table
            .filter(outbox::kind.eq("report_returned"))
            .select(outbox::subject)
            .load(&mut *conn)
            .expect("subjects");
        assert!(
            subjects
                .iter()
                .all(|s| s.contains("2026-07") && s.contains("退回"))
        );
    }
    // Only a submitted report is reviewed.
    let after_return = app.counts(&TABLES);
    let r = review(&app, &officer, id, json!({"decision": "accepted"}))
        .await
        .expect(409);
    assert_eq!(r.code(), "invalid_state");
    assert_eq!(app.counts(&TABLES), after_return);

    // Resubmission replaces the returned report: same id, submitted again, new figures.
    let mut body = report("2026-07");
    body["cases_opened"] = json!(4);
    body["service_counts"] =
        json!([{"target_group": "low_income", "persons": 45, "person_times": 110}]);
    let again = submit(&app, &w, &org, body).await.expect(200).json();
    assert_eq!(again["id"], id);
    assert_eq!(again["status"], "submitted");
    assert_eq!(again["cases_opened"], 4);
    assert_eq!(again["review_comment"], Value::Null);
    assert_eq!(again["service_counts"].as_array().map(Vec::len), Some(1));

    // Returned a second time: mailed again (a new review), then resubmitted and accepted.
    review(
        &app,
        &officer,
        id,
        json!({"decision": "returned", "comment": "请补充活动说明"}),
    )
    .await
    .expect(200);
    assert_eq!(outbox_count(&app, "report_returned"), 4);
    submit(&app, &w, &org, report("2026-07")).await.expect(200);
    let accepted = review(
        &app,
        &officer,
        id,
        json!({"decision": "accepted", "comment": "数据完整"}),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(outbox_count(&app, "report_returned"), 4);

    // An accepted month cannot be submitted again.
    let before = app.counts(&TABLES);
    submit(&app, &w, &org, report("2026-07")).await.expect(409);
    assert_eq!(app.counts(&TABLES), before);

    // Listing: parties, auditors, admins; not another contractor or purchaser.
    let list = app
        .get(
            &format!("/api/v1/contracts/{}/reports", w.contract),
            Some(&org),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["status"], "accepted");
    let (_, auditor) = app.user_with_token("auditor1", Role::Auditor).await;
    for token in [&officer, &auditor, &app.admin_token] {
        app.get(
            &format!("/api/v1/contracts/{}/reports", w.contract),
            Some(token),
        )
        .await
        .expect(200);
    }
    for token in [&w.other_org_user, &w.other_officer] {
        app.get(
            &format!("/api/v1/contracts/{}/reports", w.contract),
            Some(token),
        )
        .await
        .expect(403);
        app.get(&format!("/api/v1/reports/{id}"), Some(token))
            .await
            .expect(403);
    }
    // Each step is in the audit trail.
    let trail = app
        .get(
            &format!("/api/v1/audit?entity_type=service_report&entity_id={id}"),
            Some(&auditor),
        )
        .await
        .expect(200);
    for action in [
        "report.submit",
        "report.return",
        "report.resubmit",
        "report.accept",
    ] {
        assert!(trail.text.contains(action), "{action}: {}", trail.text);
    }
}

#[tokio::test]
async fn progress_counts_only_accepted_reports() {
    let mut app = spawn_app().await;
    let mut w = world(&app).await;
    move_to(&mut app, &mut w, "2026-10-10 02:00:00").await;
    let org = w.org_user.clone();
    let officer = w.buyer.officer.clone();
    let url = format!("/api/v1/contracts/{}/progress", w.contract);

    let empty = app.get(&url, Some(&org)).await.expect(200).json();
    assert_eq!(empty["accepted_reports"], 0);
    assert_eq!(empty["targets"][0]["actual"], 0);

    // July accepted, August returned, September submitted: only July counts.
    let mut ids = Vec::new();
    for (period, times, cases) in [
        ("2026-07", 100, 5),
        ("2026-08", 200, 7),
        ("2026-09", 300, 9),
    ] {
        let mut body = report(period);
        body["service_counts"] =
            json!([{"target_group": "low_income", "persons": 50, "person_times": times}]);
        body["cases_opened"] = json!(cases);
        ids.push(
            submit(&app, &w, &org, body).await.expect(201).json()["id"]
                .as_i64()
                .expect("id"),
        );
    }
    review(&app, &officer, ids[0], json!({"decision": "accepted"}))
        .await
        .expect(200);
    review(
        &app,
        &officer,
        ids[1],
        json!({"decision": "returned", "comment": "数据有误"}),
    )
    .await
    .expect(200);

    let p = app.get(&url, Some(&officer)).await.expect(200).json();
    assert_eq!(p["accepted_reports"], 1);
    assert_eq!(p["accepted_periods"], json!(["2026-07"]));
    assert_eq!(p["totals"]["person_times"], 100);
    assert_eq!(p["totals"]["persons"], 50);
    assert_eq!(p["totals"]["cases_opened"], 5);
    assert_eq!(p["totals"]["activities"], 3);
    assert_eq!(p["totals"]["volunteers_engaged"], 8);
    // The project's two quantity targets; the outcome target (满意率) is not listed.
    let targets = p["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 2, "{p}");
    assert_eq!(targets[0]["name"], "入户探访");
    assert_eq!(targets[0]["kind"], "quantity");
    assert_eq!(targets[0]["unit"], "人次");
    assert_eq!(targets[0]["measure"], "person_times");
    assert_eq!(targets[0]["actual"], 100);
    assert_eq!(targets[0]["percent"], "8.33");
    assert_eq!(targets[1]["name"], "个案服务");
    assert_eq!(targets[1]["measure"], "cases_opened");
    assert_eq!(targets[1]["actual"], 5);
    assert_eq!(targets[1]["percent"], "8.33");

    // Accepting September adds it.
    review(&app, &officer, ids[2], json!({"decision": "accepted"}))
        .await
        .expect(200);
    let p = app.get(&url, Some(&org)).await.expect(200).json();
    assert_eq!(p["targets"][0]["actual"], 400);
    assert_eq!(p["targets"][0]["percent"], "33.33");
    assert_eq!(p["targets"][1]["actual"], 14);

    // Scoping: auditors and admins read; another contractor, another purchaser's officer
    // and evaluators do not.
    let (_, auditor) = app.user_with_token("auditor1", Role::Auditor).await;
    let (_, evaluator) = app.user_with_token("expert1", Role::Evaluator).await;
    app.get(&url, Some(&auditor)).await.expect(200);
    app.get(&url, Some(&app.admin_token)).await.expect(200);
    for token in [&w.other_org_user, &w.other_officer, &evaluator] {
        let r = app.get(&url, Some(token)).await.expect(403);
        assert_eq!(r.code(), "forbidden");
    }
    app.get(&url, None).await.expect(401);
    app.get("/api/v1/contracts/999999/progress", Some(&auditor))
        .await
        .expect(404);
}

#[tokio::test]
async fn supervision_is_recorded_by_the_officer_or_an_evaluator() {
    let mut app = spawn_app().await;
    let mut w = world(&app).await;
    let url = format!("/api/v1/contracts/{}/supervisions", w.contract);
    let (_, _) = app.user_with_token("expert1", Role::Evaluator).await;
    let (_, _) = app.user_with_token("auditor1", Role::Auditor).await;
    move_to(&mut app, &mut w, "2026-09-15 02:00:00").await;
    let evaluator = app.login("expert1", PASSWORD).await;
    let auditor = app.login("auditor1", PASSWORD).await;
    let officer = w.buyer.officer.clone();
    let body = json!({
        "held_on": "2026-09-10",
        "supervisor": "宁夏大学社会工作系 李老师",
        "notes": "检查个案记录12份，建议完善需求评估表。"
    });

    let first = app
        .post(&url, Some(&officer), body.clone())
        .await
        .expect(201)
        .json();
    assert_eq!(first["held_on"], "2026-09-10");
    app.post(
        &url,
        Some(&evaluator),
        with(body.clone(), "held_on", json!("2026-08-20")),
    )
    .await
    .expect(201);
    let before = app.counts(&TABLES);

    // Not the contractor, another purchaser's officer or an auditor.
    for token in [&w.org_user, &w.other_officer, &auditor] {
        let r = app.post(&url, Some(token), body.clone()).await.expect(403);
        assert_eq!(r.code(), "forbidden");
    }
    // A date in the future, before the service start, malformed; empty text; unknown field.
    for held_on in ["2026-09-16", "2026-06-30", "2026/09/10"] {
        let r = app
            .post(
                &url,
                Some(&officer),
                with(body.clone(), "held_on", json!(held_on)),
            )
            .await
            .expect(422);
        assert!(fields(&r).get("held_on").is_some(), "{held_on}: {}", r.text);
    }
    let r = app
        .post(
            &url,
            Some(&officer),
            json!({"held_on": "2026-09-10", "supervisor": "", "notes": " "}),
        )
        .await
        .expect(422);
    assert!(fields(&r).get("supervisor").is_some(), "{}", r.text);
    assert!(fields(&r).get("notes").is_some(), "{}", r.text);
    app.post(
        &url,
        Some(&officer),
        with(body.clone(), "client_id_number", json!("x")),
    )
    .await
    .expect(422);
    // Not on a contract that is no longer active.
    set_contract_status(&app, w.contract, "completed");
    let r = app
        .post(&url, Some(&officer), body.clone())
        .await
        .expect(409);
    assert_eq!(r.code(), "invalid_state");
    set_contract_status(&app, w.contract, "active");
    assert_eq!(app.counts(&TABLES), before);

    // Listing, oldest session first: parties, auditors; not outsiders.
    let list = app.get(&url, Some(&w.org_user)).await.expect(200).json();
    let dates: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["held_on"].as_str())
        .collect();
    assert_eq!(dates, ["2026-08-20", "2026-09-10"]);
    app.get(&url, Some(&auditor)).await.expect(200);
    app.get(&url, Some(&officer)).await.expect(200);
    app.get(&url, Some(&w.other_org_user)).await.expect(403);
    app.get(&url, Some(&w.other_officer)).await.expect(403);
    // Audited.
    let trail = app
        .get(
            &format!(
                "/api/v1/audit?entity_type=supervision&entity_id={}",
                first["id"]
            ),
            Some(&auditor),
        )
        .await
        .expect(200);
    assert!(trail.text.contains("supervision.record"), "{}", trail.text);
}

#[tokio::test]
async fn the_reminder_job_mails_each_contractor_user_once_for_a_missing_month() {
    let mut app = spawn_app().await;
    let mut w = world(&app).await;
    // A second active contractor user, and an inactive one that is not mailed.
    for (name, active) in [("org.a2", true), ("org.a3", false)] {
        let id = create_user_direct(&app.state, name, Role::Contractor);
        let mut conn = app.conn();
        diesel::update(users::table.find(id))
            .set((
                users::contractor_id.eq(Some(w.contractor_id)),
                users::active.eq(active),
            ))
            .execute(&mut *conn)
            .expect("link");
    }
    // A second contract (contractor B) that did report August.
    let second_project = project(&app, &w.buyer, project_body(&w.buyer)).await;
    let b_id: i64 = {
        let mut conn = app.conn();
        users::table
            .filter(users::username.eq("org.b"))
            .select(users::contractor_id)
            .first::<Option<i64>>(&mut *conn)
            .expect("org.b")
            .expect("contractor")
    };
    let second = insert_contract(&app, second_project, w.buyer.purchaser, b_id);

    // In June (service not started) and July (June is before the service period): nothing.
    move_to(&mut app, &mut w, "2026-07-05 02:00:00").await;
    let run = run_now(&app.state, "report_reminders", Trigger::Manual)
        .await
        .expect("job");
    assert_eq!(run.outcome, "ok", "{:?}", run.detail);
    assert_eq!(outbox_count(&app, "report_missing"), 0);

    // 5 September: August is last month. Contractor B reported it; A did not.
    move_to(&mut app, &mut w, "2026-09-05 02:00:00").await;
    app.post(
        &format!("/api/v1/contracts/{second}/reports"),
        Some(&w.other_org_user),
        report("2026-08"),
    )
    .await
    .expect(201);
    for _ in 0..2 {
        let run = run_now(&app.state, "report_reminders", Trigger::Manual)
            .await
            .expect("job");
        assert_eq!(run.outcome, "ok", "{:?}", run.detail);
    }
    assert_eq!(outbox_count(&app, "report_missing"), 2);
    let keys: Vec<(Option<String>, Option<i64>, String)> = {
        let mut conn = app.conn();
        outbox::table
            .filter(outbox::kind.eq("report_missing"))
            .order(outbox::id.asc())
            .select((outbox::dedup_key, outbox::to_user_id, outbox::subject))
            .load(&mut *conn)
            .expect("rows")
    };
    for (key, user, subject) in &keys {
        let user = user.expect("user");
        assert_eq!(
            key.as_deref(),
            Some(format!("report_missing:{}:2026-08:{user}", w.contract).as_str())
        );
        assert!(subject.contains("2026-08"), "{subject}");
    }

    // In October, September is missing for both contracts: 2 + 1 more mails, once.
    move_to(&mut app, &mut w, "2026-10-02 02:00:00").await;
    run_now(&app.state, "report_reminders", Trigger::Manual)
        .await
        .expect("job");
    run_now(&app.state, "report_reminders", Trigger::Manual)
        .await
        .expect("job");
    assert_eq!(outbox_count(&app, "report_missing"), 5);

    // A returned report counts as missing; a submitted one does not.
    let org = w.org_user.clone();
    let officer = w.buyer.officer.clone();
    let id = submit(&app, &w, &org, report("2026-10"))
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    review(
        &app,
        &officer,
        id,
        json!({"decision": "returned", "comment": "请补充"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/v1/contracts/{second}/reports"),
        Some(&w.other_org_user),
        report("2026-10"),
    )
    .await
    .expect(201);
    move_to(&mut app, &mut w, "2026-11-03 02:00:00").await;
    run_now(&app.state, "report_reminders", Trigger::Manual)
        .await
        .expect("job");
    assert_eq!(outbox_count(&app, "report_missing"), 7);

    // A terminated contract is not reminded.
    set_contract_status(&app, w.contract, "terminated");
    move_to(&mut app, &mut w, "2026-12-03 02:00:00").await;
    run_now(&app.state, "report_reminders", Trigger::Manual)
        .await
        .expect("job");
    assert_eq!(outbox_count(&app, "report_missing"), 8);
}
