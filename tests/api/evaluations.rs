//! Performance evaluation: the `create_evaluations` job (each evaluation exactly once, even
//! when run twice or concurrently), evaluators with 回避, score sheets, the grade boundaries
//! and their feedback into payments, the bar (next year only) and the priority mark, and
//! rejected requests that change nothing.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{Value, json};
use sixnorms::auth::Role;
use sixnorms::db::schema::{
    awards, bids, contractor_bars, contractor_marks, contracts, notices, payments,
    performance_evaluations, projects, tenders, users,
};
use sixnorms::evaluations::jobs::create_due;
use sixnorms::jobs::{Trigger, run_now};

use crate::factories::qualified_contractor;
use crate::helpers::{PASSWORD, TestApp, at, spawn_app};
use crate::procurement::{Buyer, buyer, project, project_body};

const TABLES: &[&str] = &[
    "performance_evaluations",
    "evaluation_assignments",
    "evaluation_scores",
    "payments",
    "contractor_bars",
    "contractor_marks",
    "notices",
    "audit_log",
];

/// Amounts of the three installments (30 / 30 / 40 of ¥1,000,000.01; the remainder on the
/// last).
const ON_SIGNING_FEN: i64 = 30_000_000;
const MIDTERM_FEN: i64 = 30_000_000;
const FINAL_FEN: i64 = 40_000_001;

/// Creates a project through the API and, on top of it, an ACTIVE contract with the given
/// contractor (tender, bid and award rows inserted directly), serving 2026-07-01 to
/// 2027-06-30, with its three installments. Returns the contract id.
pub(crate) async fn active_contract(app: &TestApp, b: &Buyer, contractor: i64) -> i64 {
    let project_id = project(app, b, project_body(b)).await;
    let now = app.state.clock.now();
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let mut conn = app.conn();
    let conn = &mut *conn;
    let tender: i64 = diesel::insert_into(tenders::table)
        .values((
            tenders::project_id.eq(project_id),
            tenders::bid_deadline.eq(now),
            tenders::max_price_fen.eq(100_000_001_i64),
            tenders::award_method.eq("comprehensive"),
            tenders::price_weight_bp.eq(3000),
            tenders::min_full_time_staff.eq(0),
            tenders::min_certified_social_workers.eq(0),
            tenders::min_years_established.eq(0),
            tenders::published_at.eq(now),
            tenders::opened_at.eq(Some(now)),
            tenders::round.eq(1),
        ))
        .returning(tenders::id)
        .get_result(conn)
        .expect("tender");
    let bid: i64 = diesel::insert_into(bids::table)
        .values((
            bids::project_id.eq(project_id),
            bids::tender_id.eq(tender),
            bids::contractor_id.eq(contractor),
            bids::price_fen.eq(100_000_001_i64),
            bids::proposal.eq("服务方案"),
            bids::team_size.eq(8),
            bids::receipt_sha256.eq("0".repeat(64)),
            bids::submitted_at.eq(now),
            bids::status.eq("qualified"),
        ))
        .returning(bids::id)
        .get_result(conn)
        .expect("bid");
    let award: i64 = diesel::insert_into(awards::table)
        .values((
            awards::project_id.eq(project_id),
            awards::bid_id.eq(bid),
            awards::contractor_id.eq(contractor),
            awards::price_fen.eq(100_000_001_i64),
            awards::decided_at.eq(now),
            awards::notice_on.eq(date("2026-03-02")),
            awards::challenge_deadline.eq(date("2026-03-09")),
            awards::signing_deadline.eq(date("2026-04-01")),
            awards::active.eq(true),
        ))
        .returning(awards::id)
        .get_result(conn)
        .expect("award");
    let purchaser = b.purchaser;
    let contract: i64 = diesel::insert_into(contracts::table)
        .values((
            contracts::project_id.eq(project_id),
            contracts::award_id.eq(award),
            contracts::purchaser_id.eq(purchaser),
            contracts::contractor_id.eq(contractor),
            contracts::number.eq(format!("HT-TEST-{project_id}")),
            contracts::subject.eq("困难群众社会工作服务"),
            contracts::quantity_terms.eq("入户探访1200人次"),
            contracts::quality_terms.eq("满意率不低于90%"),
            contracts::amount_fen.eq(100_000_001_i64),
            contracts::service_start.eq(date("2026-07-01")),
            contracts::service_end.eq(date("2027-06-30")),
            contracts::rights_obligations.eq("按合同约定"),
            contracts::breach_liability.eq("按合同约定"),
            contracts::dispute_kind.eq("arbitration"),
            contracts::dispute_body.eq("银川仲裁委员会"),
            contracts::status.eq("active"),
            contracts::activated_at.eq(Some(now)),
            contracts::created_at.eq(now),
            contracts::updated_at.eq(now),
        ))
        .returning(contracts::id)
        .get_result(conn)
        .expect("contract");
    for (position, name, percent, condition, amount, status) in [
        (1, "首期款", 3000_i64, "on_signing", ON_SIGNING_FEN, "due"),
        (
            2,
            "中期款",
            3000,
            "after_midterm_evaluation",
            MIDTERM_FEN,
            "scheduled",
        ),
        (
            3,
            "尾款",
            4000,
            "after_final_evaluation",
            FINAL_FEN,
            "scheduled",
        ),
    ] {
        diesel::insert_into(payments::table)
            .values((
                payments::contract_id.eq(contract),
                payments::position.eq(position),
                payments::name.eq(name),
                payments::percent_centi.eq(percent),
                payments::condition.eq(condition),
                payments::amount_fen.eq(amount),
                payments::status.eq(status),
            ))
            .execute(conn)
            .expect("payment");
    }
    contract
}

/// `(status, payable_fen, note)` of a contract's installment with `condition`.
fn payment(app: &TestApp, contract: i64, condition: &str) -> (String, Option<i64>, Option<String>) {
    payments::table
        .filter(payments::contract_id.eq(contract))
        .filter(payments::condition.eq(condition))
        .select((payments::status, payments::payable_fen, payments::note))
        .first(&mut *app.conn())
        .expect("payment")
}

fn evaluations_of(app: &TestApp, contract: i64) -> Vec<String> {
    performance_evaluations::table
        .filter(performance_evaluations::contract_id.eq(contract))
        .order(performance_evaluations::id.asc())
        .select(performance_evaluations::kind)
        .load(&mut *app.conn())
        .expect("evaluations")
}

/// A score sheet totalling `centi` hundredths, filled indicator by indicator.
fn sheet(centi: i64) -> Value {
    let mut left = centi;
    let mut scores = serde_json::Map::new();
    for (code, max) in [
        ("management", 2000),
        ("professional", 4000),
        ("outcome", 3000),
        ("satisfaction", 1000),
    ] {
        let take = left.min(max);
        left -= take;
        scores.insert(
            code.to_owned(),
            Value::String(format!("{}.{:02}", take / 100, take % 100)),
        );
    }
    assert_eq!(left, 0, "at most 100 points");
    json!({ "scores": scores, "comment": "服务记录完整" })
}

/// Shanghai 09:00 of a date, as UTC.
fn morning(date: &str) -> chrono::NaiveDateTime {
    at(&format!("{date} 01:00:00"))
}

#[tokio::test]
async fn the_job_opens_each_evaluation_exactly_once() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "5000000.00").await;
    let (contractor, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    let contract = active_contract(&app, &b, contractor).await;

    // Midpoint of 2026-07-01..2027-06-30 (364 days): 2026-12-30.
    app.set_clock(morning("2026-12-29"));
    assert_eq!(
        create_due(&app.state).await.expect("job"),
        json!({"opened": 0})
    );
    assert!(evaluations_of(&app, contract).is_empty());

    app.set_clock(morning("2026-12-30"));
    assert_eq!(
        create_due(&app.state).await.expect("job"),
        json!({"opened": 1})
    );
    assert_eq!(
        create_due(&app.state).await.expect("job"),
        json!({"opened": 0})
    );
    let run = run_now(&app.state, "create_evaluations", Trigger::Manual)
        .await
        .expect("run");
    assert_eq!(run.detail.as_deref(), Some(r#"{"opened":0}"#));
    assert_eq!(evaluations_of(&app, contract), ["midterm"]);

    // The day before the end nothing more; on the last day the final one, once.
    app.set_clock(morning("2027-06-29"));
    assert_eq!(
        create_due(&app.state).await.expect("job"),
        json!({"opened": 0})
    );
    app.set_clock(morning("2027-06-30"));
    assert_eq!(
        create_due(&app.state).await.expect("job"),
        json!({"opened": 1})
    );
    assert_eq!(
        create_due(&app.state).await.expect("job"),
        json!({"opened": 0})
    );
    run_now(&app.state, "create_evaluations", Trigger::Manual)
        .await
        .expect("run");
    assert_eq!(evaluations_of(&app, contract), ["midterm", "final"]);

    // By hand: it exists already → 409, nothing changed.
    let officer = app.login("officer1", PASSWORD).await;
    let before = app.counts(TABLES);
    let reply = app
        .post(
            &format!("/api/v1/contracts/{contract}/evaluations"),
            Some(&officer),
            json!({"kind": "final"}),
        )
        .await
        .expect(409);
    assert_eq!(reply.code(), "conflict");
    assert_eq!(app.counts(TABLES), before);

    // The listing shows both, opened by the job.
    let list = app
        .get(
            &format!("/api/v1/contracts/{contract}/evaluations"),
            Some(&officer),
        )
        .await
        .expect(200)
        .json();
    let kinds: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["midterm", "final"]);
    assert_eq!(list[0]["status"], "open");
    assert_eq!(
        list[0]["indicators"].as_array().expect("indicators").len(),
        4
    );
}

#[tokio::test]
async fn concurrent_runs_still_open_one_row_each() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "5000000.00").await;
    let (contractor, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(active_contract(&app, &b, contractor).await);
    }
    app.set_clock(morning("2027-07-01"));
    let now = app.state.clock.now();

    // Two threads, each with its own connection, race the service function.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let db = app.state.db.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut conn = db.get().expect("conn");
                barrier.wait();
                sixnorms::evaluations::service::open_due(&mut conn, now).expect("open_due")
            })
        })
        .collect();
    let opened: usize = threads.into_iter().map(|t| t.join().expect("thread")).sum();
    assert_eq!(opened, 6, "each evaluation opened by exactly one run");

    // And two job runs at once find everything there.
    let (a, b2) = tokio::join!(
        run_now(&app.state, "create_evaluations", Trigger::Manual),
        run_now(&app.state, "create_evaluations", Trigger::Manual)
    );
    assert_eq!(a.expect("run a").detail.as_deref(), Some(r#"{"opened":0}"#));
    assert_eq!(
        b2.expect("run b").detail.as_deref(),
        Some(r#"{"opened":0}"#)
    );
    for id in ids {
        assert_eq!(evaluations_of(&app, id), ["midterm", "final"]);
    }
}

#[tokio::test]
async fn concurrent_job_runs_on_fresh_contracts_open_once() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "5000000.00").await;
    let (contractor, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    let first = active_contract(&app, &b, contractor).await;
    let second = active_contract(&app, &b, contractor).await;
    app.set_clock(morning("2027-06-30"));
    let (x, y) = tokio::join!(create_due(&app.state), create_due(&app.state));
    let total =
        x.expect("x")["opened"].as_i64().expect("n") + y.expect("y")["opened"].as_i64().expect("n");
    assert_eq!(total, 4);
    assert_eq!(evaluations_of(&app, first), ["midterm", "final"]);
    assert_eq!(evaluations_of(&app, second), ["midterm", "final"]);
}

/// Opens an evaluation by hand, assigns `evaluators` and has each hand in the sheet of the
/// matching total (hundredths). Returns the last reply's JSON.
async fn evaluate(
    app: &TestApp,
    officer: &str,
    contract: i64,
    kind: &str,
    sheets: &[(i64, &str)],
    evaluator_ids: &[i64],
) -> Value {
    let opened = app
        .post(
            &format!("/api/v1/contracts/{contract}/evaluations"),
            Some(officer),
            json!({"kind": kind}),
        )
        .await
        .expect(201)
        .json();
    let id = opened["id"].as_i64().expect("id");
    app.call(
        reqwest::Method::PUT,
        &format!("/api/v1/evaluations/{id}/evaluators"),
        Some(officer),
        Some(json!({"evaluator_ids": evaluator_ids})),
    )
    .await
    .expect(200);
    let mut last = Value::Null;
    for (centi, token) in sheets {
        last = app
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/evaluations/{id}/scores"),
                Some(token),
                Some(sheet(*centi)),
            )
            .await
            .expect(200)
            .json();
    }
    last
}

async fn not_barred(app: &TestApp, contractor: i64, when: &str) -> bool {
    app.set_clock(morning(when));
    let admin = app.login("admin", PASSWORD).await;
    let report = app
        .get(
            &format!("/api/v1/contractors/{contractor}/qualification"),
            Some(&admin),
        )
        .await
        .expect(200)
        .json();
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["code"] == "not_barred")
        .expect("not_barred check")["passed"]
        .as_bool()
        .expect("passed")
}

#[tokio::test]
async fn grade_boundaries_and_their_feedback() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "9000000.00").await;
    let (failing, _) = qualified_contractor(&app, 1, "org.fail", "640104").await;
    let (good, _) = qualified_contractor(&app, 2, "org.good", "640104").await;
    let (ev1, _) = app.user_with_token("expert.one", Role::Evaluator).await;
    let (ev2, _) = app.user_with_token("expert.two", Role::Evaluator).await;
    let c_fail = active_contract(&app, &b, failing).await;
    let c_60 = active_contract(&app, &b, good).await;
    let c_7999 = active_contract(&app, &b, good).await;
    let c_80 = active_contract(&app, &b, good).await;
    let c_8999 = active_contract(&app, &b, good).await;
    let c_90 = active_contract(&app, &b, good).await;

    // Grading after the end of service, in 2027.
    app.set_clock(morning("2027-07-01"));
    let officer = app.login("officer1", PASSWORD).await;
    let t1 = app.login("expert.one", PASSWORD).await;
    let t2 = app.login("expert.two", PASSWORD).await;
    let notices_before = app.counts(&["notices"])[0].1;

    // Mid-term 59.99 → 不合格: the mid-term installment withheld.
    let r = evaluate(&app, &officer, c_fail, "midterm", &[(5999, &t1)], &[ev1]).await;
    assert_eq!(
        (r["status"].as_str(), r["total"].as_str()),
        (Some("graded"), Some("59.99"))
    );
    assert_eq!(
        (r["grade"].as_str(), r["grade_label"].as_str()),
        (Some("fail"), Some("不合格"))
    );
    assert_eq!(
        payment(&app, c_fail, "after_midterm_evaluation").0,
        "withheld"
    );
    assert_eq!(
        payment(&app, c_fail, "after_final_evaluation").0,
        "scheduled"
    );
    // Mid-term 60.00 → 合格: the mid-term installment due in full.
    let r = evaluate(&app, &officer, c_60, "midterm", &[(6000, &t1)], &[ev1]).await;
    assert_eq!(
        (r["grade"].as_str(), r["total"].as_str()),
        (Some("pass"), Some("60.00"))
    );
    assert_eq!(
        payment(&app, c_60, "after_midterm_evaluation"),
        ("due".to_owned(), Some(MIDTERM_FEN), None)
    );
    // No bar and no mark from a mid-term evaluation.
    assert_eq!(
        app.counts(&["contractor_bars", "contractor_marks"])
            .iter()
            .map(|c| c.1)
            .sum::<i64>(),
        0
    );

    // Make the failing contract's first installment paid and its project in service, so that
    // the final grading leaves nothing open and completes it.
    {
        let mut conn = app.conn();
        diesel::update(
            payments::table
                .filter(payments::contract_id.eq(c_fail))
                .filter(payments::condition.eq("on_signing")),
        )
        .set(payments::status.eq("paid"))
        .execute(&mut *conn)
        .expect("paid");
        let project_id: i64 = contracts::table
            .find(c_fail)
            .select(contracts::project_id)
            .first(&mut *conn)
            .expect("project");
        diesel::update(projects::table.find(project_id))
            .set(projects::status.eq("in_service"))
            .execute(&mut *conn)
            .expect("in service");
    }
    // Final 59.99 → 不合格: withheld and barred for 2028.
    let r = evaluate(&app, &officer, c_fail, "final", &[(5999, &t1)], &[ev1]).await;
    assert_eq!(r["grade"], "fail");
    let (status, payable, note) = payment(&app, c_fail, "after_final_evaluation");
    assert_eq!((status.as_str(), payable), ("withheld", Some(0)));
    assert!(note.expect("note").contains("不合格"));
    let bars: Vec<(i64, i32)> = contractor_bars::table
        .select((contractor_bars::contractor_id, contractor_bars::year))
        .load(&mut *app.conn())
        .expect("bars");
    assert_eq!(bars, [(failing, 2028)]);

    // Every installment paid or withheld after the final grading: contract and project done.
    let statuses: Vec<(String, String)> = contracts::table
        .inner_join(projects::table.on(projects::id.eq(contracts::project_id)))
        .filter(contracts::id.eq_any([c_fail, c_60]))
        .order(contracts::id.asc())
        .select((contracts::status, projects::status))
        .load(&mut *app.conn())
        .expect("statuses");
    assert_eq!(
        statuses[0],
        ("completed".to_owned(), "completed".to_owned())
    );
    assert_eq!(statuses[1].0, "active");

    // Final 60.00 and 79.99 → 合格: score% of the installment, half-up to the 分.
    let r = evaluate(&app, &officer, c_60, "final", &[(6000, &t1)], &[ev1]).await;
    assert_eq!(r["grade"], "pass");
    let (status, payable, note) = payment(&app, c_60, "after_final_evaluation");
    assert_eq!((status.as_str(), payable), ("due", Some(24_000_001)));
    assert!(note.expect("note").contains("60.00%"));
    let r = evaluate(&app, &officer, c_7999, "final", &[(7999, &t1)], &[ev1]).await;
    assert_eq!(
        (r["grade"].as_str(), r["grade_label"].as_str()),
        (Some("pass"), Some("合格"))
    );
    // 40,000,001 × 79.99 % = 31,996,000.7999 → 31,996,001.
    assert_eq!(
        payment(&app, c_7999, "after_final_evaluation").1,
        Some(31_996_001)
    );

    // Final 79.99 and 80.00 from two evaluators: mean 79.995 → 80.00 (half-up) → 良好.
    let r = evaluate(
        &app,
        &officer,
        c_80,
        "final",
        &[(7999, &t1), (8000, &t2)],
        &[ev1, ev2],
    )
    .await;
    assert_eq!(
        (r["total"].as_str(), r["grade"].as_str()),
        (Some("80.00"), Some("good"))
    );
    assert_eq!(
        payment(&app, c_80, "after_final_evaluation"),
        ("due".to_owned(), Some(FINAL_FEN), None)
    );
    let r = evaluate(&app, &officer, c_8999, "final", &[(8999, &t1)], &[ev1]).await;
    assert_eq!(
        (r["grade"].as_str(), r["grade_label"].as_str()),
        (Some("good"), Some("良好"))
    );
    let r = evaluate(&app, &officer, c_90, "final", &[(9000, &t1)], &[ev1]).await;
    assert_eq!(
        (r["grade"].as_str(), r["grade_label"].as_str()),
        (Some("excellent"), Some("优秀"))
    );
    assert_eq!(payment(&app, c_90, "after_final_evaluation").0, "due");
    assert_eq!(
        payment(&app, c_90, "after_midterm_evaluation").0,
        "scheduled"
    );

    // Priority marks for 良好 and 优秀 only (80.00, 89.99, 90.00), on the good contractor.
    let marks: Vec<(i64, String)> = contractor_marks::table
        .order(contractor_marks::id.asc())
        .select((contractor_marks::contractor_id, contractor_marks::kind))
        .load(&mut *app.conn())
        .expect("marks");
    assert_eq!(marks, vec![(good, "priority".to_owned()); 3]);
    // The public record shows the priority mark, and the failing one's bar year.
    let public = app
        .get(&format!("/api/v1/contractors/{good}/public"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(public["priority"], true);
    assert_eq!(public["barred_years"], serde_json::json!([]));
    let public = app
        .get(&format!("/api/v1/contractors/{failing}/public"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(public["priority"], false);
    assert_eq!(public["barred_years"], serde_json::json!([2028]));

    // One published result notice per grading, due two working days later, on time.
    assert_eq!(app.counts(&["notices"])[0].1 - notices_before, 8);
    let (title, due_by, on_time, body): (String, Option<NaiveDate>, bool, String) = notices::table
        .filter(notices::kind.eq("evaluation"))
        .order(notices::id.desc())
        .select((
            notices::title,
            notices::due_by,
            notices::on_time,
            notices::body_html,
        ))
        .first(&mut *app.conn())
        .expect("notice");
    assert!(title.contains("绩效评价结果公告"), "{title}");
    // Thursday 2027-07-01 + 2 working days = Monday 2027-07-05.
    assert_eq!(due_by, NaiveDate::from_ymd_opt(2027, 7, 5));
    assert!(on_time);
    assert!(body.contains("90.00") && body.contains("优秀"), "{body}");

    // The bar: 2028 only.
    assert!(not_barred(&app, failing, "2027-12-31").await);
    assert!(!not_barred(&app, failing, "2028-06-01").await);
    assert!(!not_barred(&app, failing, "2028-12-31").await);
    assert!(not_barred(&app, failing, "2029-01-02").await);
    assert!(not_barred(&app, good, "2028-06-01").await);
}

#[tokio::test]
async fn rejected_requests_change_nothing() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "5000000.00").await;
    let other = buyer(&app, 2, "government_department", "1000000.00").await;
    let (contractor, contractor_token) = qualified_contractor(&app, 1, "org.a", "640104").await;
    let contract = active_contract(&app, &b, contractor).await;
    let (ev1, t1) = app.user_with_token("expert.one", Role::Evaluator).await;
    let (ev2, t2) = app.user_with_token("expert.two", Role::Evaluator).await;
    let (_, t3) = app.user_with_token("expert.three", Role::Evaluator).await;
    let (linked, _) = app.user_with_token("expert.linked", Role::Evaluator).await;
    diesel::update(users::table.find(linked))
        .set(users::contractor_id.eq(Some(contractor)))
        .execute(&mut *app.conn())
        .expect("link evaluator");
    let officer_id: i64 = users::table
        .filter(users::username.eq("officer1"))
        .select(users::id)
        .first(&mut *app.conn())
        .expect("officer");
    let put = |path: String, token: String, body: Value| {
        let app = &app;
        async move {
            app.call(reqwest::Method::PUT, &path, Some(&token), Some(body))
                .await
        }
    };
    let open_path = format!("/api/v1/contracts/{contract}/evaluations");

    // Opening: another purchaser's officer, a contractor, a bad kind.
    let before = app.counts(TABLES);
    app.post(&open_path, Some(&other.officer), json!({"kind": "midterm"}))
        .await
        .expect(403);
    app.post(
        &open_path,
        Some(&contractor_token),
        json!({"kind": "midterm"}),
    )
    .await
    .expect(403);
    let reply = app
        .post(&open_path, Some(&b.officer), json!({"kind": "annual"}))
        .await
        .expect(422);
    assert!(
        reply.json()["error"]["details"]["fields"]["kind"].is_array(),
        "{}",
        reply.text
    );
    assert_eq!(app.counts(TABLES), before);

    let id = app
        .post(&open_path, Some(&b.officer), json!({"kind": "midterm"}))
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    let evaluators_path = format!("/api/v1/evaluations/{id}/evaluators");
    let scores_path = format!("/api/v1/evaluations/{id}/scores");

    // Evaluators: none, not an evaluator, linked to the contractor (回避), wrong officer.
    let before = app.counts(TABLES);
    put(
        evaluators_path.clone(),
        b.officer.clone(),
        json!({"evaluator_ids": []}),
    )
    .await
    .expect(422);
    put(
        evaluators_path.clone(),
        b.officer.clone(),
        json!({"evaluator_ids": [officer_id]}),
    )
    .await
    .expect(422);
    let reply = put(
        evaluators_path.clone(),
        b.officer.clone(),
        json!({"evaluator_ids": [ev1, linked]}),
    )
    .await
    .expect(422);
    assert_eq!(
        reply.json()["error"]["details"]["rule"],
        "evaluator_conflict",
        "{}",
        reply.text
    );
    put(
        evaluators_path.clone(),
        other.officer.clone(),
        json!({"evaluator_ids": [ev1]}),
    )
    .await
    .expect(403);
    put(
        evaluators_path.clone(),
        contractor_token.clone(),
        json!({"evaluator_ids": [ev1]}),
    )
    .await
    .expect(403);
    assert_eq!(app.counts(TABLES), before);

    put(
        evaluators_path.clone(),
        b.officer.clone(),
        json!({"evaluator_ids": [ev1, ev2]}),
    )
    .await
    .expect(200);

    // Scores: a non-assigned evaluator 403; out of range, too precise, missing, unknown 422.
    let before = app.counts(TABLES);
    put(scores_path.clone(), t3.clone(), sheet(8000))
        .await
        .expect(403);
    put(scores_path.clone(), b.officer.clone(), sheet(8000))
        .await
        .expect(403);
    let mut too_high = sheet(8000);
    too_high["scores"]["professional"] = json!("40.01");
    let reply = put(scores_path.clone(), t1.clone(), too_high)
        .await
        .expect(422);
    assert!(
        reply.json()["error"]["details"]["fields"]["scores.professional"].is_array(),
        "{}",
        reply.text
    );
    let mut negative = sheet(8000);
    negative["scores"]["satisfaction"] = json!(-1);
    let reply = put(scores_path.clone(), t1.clone(), negative)
        .await
        .expect(422);
    assert!(
        reply.json()["error"]["details"]["fields"]["scores.satisfaction"].is_array(),
        "{}",
        reply.text
    );
    let mut precise = sheet(8000);
    precise["scores"]["outcome"] = json!("20.125");
    let reply = put(scores_path.clone(), t1.clone(), precise)
        .await
        .expect(422);
    assert!(
        reply.json()["error"]["details"]["fields"]["scores.outcome"].is_array(),
        "{}",
        reply.text
    );
    let mut missing = sheet(8000);
    missing["scores"]
        .as_object_mut()
        .expect("map")
        .remove("management");
    missing["scores"]["bonus"] = json!(1);
    let reply = put(scores_path.clone(), t1.clone(), missing)
        .await
        .expect(422);
    let fields = &reply.json()["error"]["details"]["fields"];
    assert!(
        fields["scores.management"].is_array() && fields["scores.bonus"].is_array(),
        "{}",
        reply.text
    );
    assert_eq!(app.counts(TABLES), before);

    // The first sheet: still open; then the evaluators can no longer change.
    let r = put(scores_path.clone(), t1.clone(), sheet(8500))
        .await
        .expect(200)
        .json();
    assert_eq!(r["status"], "open");
    assert!(r["total"].is_null());
    let before = app.counts(TABLES);
    put(
        evaluators_path.clone(),
        b.officer.clone(),
        json!({"evaluator_ids": [ev1]}),
    )
    .await
    .expect(409);
    assert_eq!(app.counts(TABLES), before);

    // The second sheet grades: (85.00 + 86.01) / 2 = 85.505 → 85.51.
    let r = put(scores_path.clone(), t2.clone(), sheet(8601))
        .await
        .expect(200)
        .json();
    assert_eq!(
        (
            r["status"].as_str(),
            r["total"].as_str(),
            r["grade"].as_str()
        ),
        (Some("graded"), Some("85.51"), Some("good"))
    );
    assert_eq!(payment(&app, contract, "after_midterm_evaluation").0, "due");

    // After grading: no more sheets, no evaluator change.
    let before = app.counts(TABLES);
    put(scores_path.clone(), t1.clone(), sheet(9000))
        .await
        .expect(409);
    put(
        evaluators_path.clone(),
        b.officer.clone(),
        json!({"evaluator_ids": [ev2]}),
    )
    .await
    .expect(409);
    app.post(&open_path, Some(&b.officer), json!({"kind": "midterm"}))
        .await
        .expect(409);
    assert_eq!(app.counts(TABLES), before);

    // Reading: parties, assigned evaluators, auditors; not others.
    let (_, auditor) = app.user_with_token("shenji", Role::Auditor).await;
    let show = format!("/api/v1/evaluations/{id}");
    for token in [
        &b.officer,
        &contractor_token,
        &t1,
        &auditor,
        &app.admin_token,
    ] {
        let v = app.get(&show, Some(token)).await.expect(200).json();
        assert_eq!(v["grade_label"], "良好");
        assert_eq!(v["indicators"][1]["code"], "professional");
        assert_eq!(v["indicators"][1]["max_points"], 40);
        assert_eq!(v["evaluators"].as_array().expect("evaluators").len(), 2);
    }
    app.get(&show, Some(&t3)).await.expect(403);
    app.get(&show, Some(&other.officer)).await.expect(403);
    app.get(&open_path, Some(&other.officer)).await.expect(403);
    app.get(&open_path, Some(&auditor)).await.expect(200);
    app.get("/api/v1/evaluations/999999", Some(&auditor))
        .await
        .expect(404);
}

#[tokio::test]
async fn a_run_colliding_with_an_uncommitted_insert_counts_it_as_there() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "5000000.00").await;
    let (contractor, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    let contract = active_contract(&app, &b, contractor).await;
    app.set_clock(morning("2027-06-30"));
    let now = app.state.clock.now();

    // Another instance has inserted the mid-term evaluation but not yet committed.
    let inserted = std::sync::Arc::new(std::sync::Barrier::new(2));
    let other = {
        let db = app.state.db.clone();
        let inserted = inserted.clone();
        std::thread::spawn(move || {
            let mut conn = db.get().expect("conn");
            sixnorms::db::write_tx(&mut conn, |conn| {
                diesel::insert_into(performance_evaluations::table)
                    .values((
                        performance_evaluations::contract_id.eq(contract),
                        performance_evaluations::kind.eq("midterm"),
                        performance_evaluations::status.eq("open"),
                        performance_evaluations::opened_at.eq(now),
                    ))
                    .execute(conn)?;
                inserted.wait();
                std::thread::sleep(std::time::Duration::from_millis(400));
                Ok::<_, diesel::result::Error>(())
            })
            .expect("other instance commits");
        })
    };
    inserted.wait();
    // This run either waits for the lock (SQLite) or collides on the unique key inside its
    // savepoint (PostgreSQL); either way the mid-term counts as there and the final opens.
    let mut conn = app.conn();
    let opened = sixnorms::evaluations::service::open_due(&mut conn, now).expect("open_due");
    drop(conn);
    other.join().expect("thread");
    assert_eq!(opened, 1);
    assert_eq!(evaluations_of(&app, contract), ["midterm", "final"]);
}
