//! The whole life of one purchase under the manual clock, through the HTTP API only:
//! budget → project → intention → (30 days) tender → three sealed bids → opening by the
//! `open_bids` job → panel → scores → ranking → award → challenge window → contract →
//! signatures → payments → `start_services` → monthly reports → mid-term and final
//! evaluations opened by `create_evaluations` → every installment paid → `completed`; and a
//! termination after signing.
//!
//! Dates (Asia/Shanghai): intention Mon 2026-03-02; tender Wed 04-01 with a deadline of Tue
//! 04-21 09:00; opening and award 04-21; challenge window to Wed 05-06 (劳动节 05-01 … 05-05);
//! contract and signatures Thu 05-07 (contract notice due Sat 05-09, a 调休 working day);
//! service 2026-07-01 … 2026-12-31, whose midpoint (182 days / 2, rounded down) is 09-30.

use chrono::{Days, NaiveDate};
use reqwest::Method;
use serde_json::{Value, json};

use crate::factories::{purchaser, qualified_contractor};
use crate::helpers::{PASSWORD, TestApp, at, spawn_app};

/// Usernames of the three bidders (org1 wins).
const ORGS: [&str; 3] = ["org1", "org2", "org3"];
/// Usernames of the three evaluators.
const EXPERTS: [&str; 3] = ["expert1", "expert2", "expert3"];

/// Fresh tokens of everybody after a clock move (tokens live 12 hours).
struct Tokens {
    admin: String,
    officer: String,
    orgs: Vec<String>,
    experts: Vec<String>,
}

/// Sets the clock to `utc` and logs everybody in again.
async fn move_to(app: &mut TestApp, utc: &str) -> Tokens {
    app.set_clock(at(utc));
    app.admin_token = app.login("admin", PASSWORD).await;
    let mut orgs = Vec::new();
    for u in ORGS {
        orgs.push(app.login(u, PASSWORD).await);
    }
    let mut experts = Vec::new();
    for u in EXPERTS {
        experts.push(app.login(u, PASSWORD).await);
    }
    Tokens {
        admin: app.admin_token.clone(),
        officer: app.login("officer1", PASSWORD).await,
        orgs,
        experts,
    }
}

/// A user created by the admin through `POST /api/v1/users`; returns its id.
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

/// Runs a job through the admin API; returns its detail as JSON.
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

async fn project_status(app: &TestApp, token: &str, id: i64) -> String {
    app.get(&format!("/api/v1/projects/{id}"), Some(token))
        .await
        .expect(200)
        .json()["status"]
        .as_str()
        .expect("status")
        .to_owned()
}

async fn contract_view(app: &TestApp, token: &str, id: i64) -> Value {
    app.get(&format!("/api/v1/contracts/{id}"), Some(token))
        .await
        .expect(200)
        .json()
}

/// (id, condition, status, amount, payable amount) of each installment, in order.
type Installment = (i64, String, String, String, String);

async fn installments(app: &TestApp, token: &str, contract: i64) -> Vec<Installment> {
    app.get(
        &format!("/api/v1/contracts/{contract}/payments"),
        Some(token),
    )
    .await
    .expect(200)
    .json()
    .as_array()
    .expect("payments")
    .iter()
    .map(|p| {
        let text = |k: &str| p[k].as_str().expect(k).to_owned();
        (
            p["id"].as_i64().expect("id"),
            text("condition"),
            text("status"),
            text("amount"),
            text("payable_amount"),
        )
    })
    .collect()
}

async fn pay(app: &TestApp, token: &str, payment: i64) -> Value {
    app.post(
        &format!("/api/v1/payments/{payment}/pay"),
        Some(token),
        json!({}),
    )
    .await
    .expect(200)
    .json()
}

/// The public notices of a purchaser, oldest first: (kind, due_by, on_time).
async fn notices(app: &TestApp, purchaser_id: i64) -> Vec<(String, Option<String>, bool)> {
    let page = app
        .get(
            &format!("/api/v1/notices?purchaser_id={purchaser_id}&per_page=100"),
            None,
        )
        .await
        .expect(200)
        .json();
    let mut rows: Vec<(i64, String, Option<String>, bool)> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| {
            (
                n["id"].as_i64().expect("id"),
                n["kind"].as_str().expect("kind").to_owned(),
                n["due_by"].as_str().map(str::to_owned),
                n["on_time"].as_bool().expect("on_time"),
            )
        })
        .collect();
    assert_eq!(page["total"], rows.len(), "one page holds them all");
    rows.sort_by_key(|r| r.0);
    rows.into_iter().map(|(_, k, d, o)| (k, d, o)).collect()
}

fn kinds(list: &[(String, Option<String>, bool)]) -> Vec<&str> {
    list.iter().map(|n| n.0.as_str()).collect()
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// A monthly report with `times` person-times in total and `cases` cases opened.
fn report(period: &str, times: i64, cases: i64) -> Value {
    json!({
        "period": period,
        "service_counts": [
            {"target_group": "low_income", "persons": 40, "person_times": times - 20},
            {"target_group": "extreme_poverty", "persons": 10, "person_times": 20}
        ],
        "activities": 3,
        "cases_opened": cases,
        "cases_closed": 1,
        "volunteers_engaged": 8,
        "narrative": format!("{period}：完成入户探访{times}人次，新开个案{cases}个，开展社区活动3场。")
    })
}

/// A score sheet of the default indicator system totalling `points`
/// (management 20, professional 40, outcome 30, satisfaction 10).
fn sheet(points: [&str; 4]) -> Value {
    json!({
        "scores": {
            "management": points[0], "professional": points[1],
            "outcome": points[2], "satisfaction": points[3]
        },
        "comment": "服务记录完整，台账规范"
    })
}

/// Everything the procurement leaves behind.
struct Procured {
    purchaser: i64,
    project: i64,
    winner: i64,
    award: Value,
}

/// Budget to award, asserting each step; the clock is left at the award (04-21 10:00).
async fn procure(app: &mut TestApp) -> Procured {
    // Parties: a purchaser with its officer, three qualified organizations, three experts.
    let purchaser = purchaser(
        app,
        "银川市兴庆区民政局",
        "government_department",
        "640104",
        101,
    )
    .await;
    api_user(app, "officer1", "officer", Some(purchaser)).await;
    let mut orgs = Vec::new();
    for (n, username) in (1..).zip(ORGS) {
        orgs.push(qualified_contractor(app, n, username, "640104").await.0);
    }
    let mut experts = Vec::new();
    for username in EXPERTS {
        experts.push(api_user(app, username, "evaluator", None).await);
    }
    let t = move_to(app, "2026-03-02 01:00:00").await;

    // Budget and project (commits the budget).
    let budget = app
        .post(
            "/api/v1/budgets",
            Some(&t.officer),
            json!({"purchaser_id": purchaser, "year": 2026, "source": "本级财政", "amount": "3000000.00"}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(budget["available"], "3000000.00");
    let budget_id = budget["id"].as_i64().expect("budget id");
    let created = app
        .post(
            "/api/v1/projects",
            Some(&t.officer),
            json!({
                "purchaser_id": purchaser,
                "budget_id": budget_id,
                "catalog_item_code": "SA01",
                "title": "兴庆区2026年困难群众社会工作服务项目",
                "summary": "为辖区低保、特困家庭提供入户探访、需求评估、个案帮扶和资源链接服务。",
                "region_code": "640104",
                "target_groups": ["low_income", "extreme_poverty"],
                "targets": [
                    {"kind": "quantity", "name": "入户探访", "value": "1200", "unit": "人次"},
                    {"kind": "quantity", "name": "个案服务", "value": 60, "unit": "个"},
                    {"kind": "outcome", "name": "服务对象满意率", "value": "90", "unit": "%"}
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
        .json();
    assert_eq!(created["status"], "draft");
    let project = created["id"].as_i64().expect("project id");
    let url = format!("/api/v1/projects/{project}");
    let budgets = app
        .get(
            &format!("/api/v1/budgets?purchaser_id={purchaser}"),
            Some(&t.officer),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(budgets[0]["committed"], "1000000.00");
    assert_eq!(budgets[0]["available"], "2000000.00");

    // Intention; the tender may not follow before 30 days have passed.
    app.post(&format!("{url}/intention"), Some(&t.officer), json!({}))
        .await
        .expect(200);
    assert_eq!(
        project_status(app, &t.officer, project).await,
        "intention_published"
    );
    let tender = json!({
        "bid_deadline": "2026-04-21T09:00:00+08:00",
        "max_price": "1000000.00",
        "award_method": "comprehensive",
        "price_weight": "0.30",
        "criteria": [
            {"code": "plan", "name": "服务方案", "max_points": "40"},
            {"code": "team", "name": "团队与资质", "max_points": "20"},
            {"code": "experience", "name": "类似项目经验", "max_points": "10"}
        ],
        "requirements": {"min_full_time_staff": 5, "min_certified_social_workers": 2, "min_years_established": 1}
    });
    let t = move_to(app, "2026-03-31 01:00:00").await;
    let early = app
        .post(&format!("{url}/tender"), Some(&t.officer), tender.clone())
        .await
        .expect(422);
    assert_eq!(early.code(), "rule_violation", "{}", early.text);
    let t = move_to(app, "2026-04-01 01:00:00").await;
    app.post(&format!("{url}/tender"), Some(&t.officer), tender)
        .await
        .expect(201);
    assert_eq!(project_status(app, &t.officer, project).await, "tendering");

    // Three sealed bids on 10 April.
    let t = move_to(app, "2026-04-10 02:00:00").await;
    let mut bids = Vec::new();
    for (i, price) in ["900000.00", "1000000.00", "950000.00"]
        .into_iter()
        .enumerate()
    {
        let receipt = app
            .post(
                &format!("{url}/bids"),
                Some(&t.orgs[i]),
                json!({"price": price, "proposal": format!("第{}家的服务方案：入户探访、个案帮扶。", i + 1), "team_size": 8}),
            )
            .await
            .expect(201)
            .json();
        let sha = receipt["receipt_sha256"]
            .as_str()
            .expect("receipt")
            .to_owned();
        assert_eq!(sha.len(), 64);
        bids.push((receipt["id"].as_i64().expect("bid id"), sha));
    }
    let sealed = app
        .get(&format!("{url}/bids"), Some(&t.officer))
        .await
        .expect(403);
    assert_eq!(sealed.code(), "bids_sealed");
    let count = app
        .get(&format!("{url}/bids/count"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(count["count"], 3, "{count}");

    // The deadline: nothing before it, the job opens at 10:00.
    let t = move_to(app, "2026-04-21 00:59:59").await;
    assert_eq!(
        run_job(app, &t.admin, "open_bids").await["opened"],
        json!([])
    );
    let t = move_to(app, "2026-04-21 02:00:00").await;
    let detail = run_job(app, &t.admin, "open_bids").await;
    let outcomes = detail["opened"].as_array().expect("opened");
    assert_eq!(outcomes.len(), 1, "{detail}");
    assert_eq!(project_status(app, &t.officer, project).await, "evaluating");
    let opening = app
        .get(&format!("{url}/opening"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(opening["project_status"], "evaluating");
    let opened = opening["bids"].as_array().expect("opened bids");
    assert_eq!(opened.len(), 3, "{opening}");
    for (bid, sha) in &bids {
        let row = opened
            .iter()
            .find(|o| o["bid_id"] == *bid)
            .expect("opened bid");
        assert_eq!(row["receipt_sha256"], sha.as_str());
        assert_eq!(row["status"], "qualified");
    }

    // The panel; every evaluator scores every bid 35 / 17 / 8 (60 technical points).
    let panel = app
        .call(
            Method::PUT,
            &format!("{url}/panel"),
            Some(&t.officer),
            Some(json!({"evaluator_ids": experts})),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(
        panel["members"].as_array().map(Vec::len),
        Some(3),
        "{panel}"
    );
    for token in &t.experts {
        for (bid, _) in &bids {
            app.call(
                Method::PUT,
                &format!("{url}/bids/{bid}/scores"),
                Some(token),
                Some(json!({"scores": {"plan": "35", "team": "17", "experience": "8"}})),
            )
            .await
            .expect(200);
        }
    }
    let ranking = app
        .get(&format!("{url}/ranking"), Some(&t.officer))
        .await
        .expect(200)
        .json();
    assert_eq!(ranking["complete"], true);
    let rows: Vec<(i64, &str, &str, &str, i64)> = ranking["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["bid_id"].as_i64().expect("bid"),
                r["price_score"].as_str().expect("price score"),
                r["technical_score"].as_str().expect("technical"),
                r["total"].as_str().expect("total"),
                r["rank"].as_i64().expect("rank"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (bids[0].0, "30.00", "60.00", "90.00", 1),
            (bids[2].0, "28.42", "60.00", "88.42", 2),
            (bids[1].0, "27.00", "60.00", "87.00", 3),
        ]
    );

    // The award to the first-ranked bid, published at once.
    let award = app
        .post(&format!("{url}/award"), Some(&t.officer), json!({}))
        .await
        .expect(201)
        .json();
    assert_eq!(award["bid_id"], bids[0].0);
    assert_eq!(award["contractor_id"], orgs[0]);
    assert_eq!(award["price"], "900000.00");
    assert_eq!(award["notice_on"], "2026-04-21");
    assert_eq!(award["notice_period_end"], "2026-04-22");
    assert_eq!(award["challenge_deadline"], "2026-05-06");
    assert_eq!(award["signing_deadline"], "2026-05-21");
    assert_eq!(project_status(app, &t.officer, project).await, "awarded");
    Procured {
        purchaser,
        project,
        winner: orgs[0],
        award,
    }
}

/// The standard contract terms for the 2026-07-01 … 2026-12-31 service.
fn terms() -> Value {
    json!({
        "subject": "兴庆区困难群众社会工作服务",
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

/// From the day after the challenge window: the contract drafted and signed by both
/// parties (officer first). Returns (contract id, the tokens of that day).
async fn contracted(app: &mut TestApp, p: &Procured) -> (i64, Tokens) {
    let window_end = date(p.award["challenge_deadline"].as_str().expect("deadline"));
    // On the last day of the window the contract is still refused.
    let t = move_to(app, &format!("{window_end} 02:00:00")).await;
    app.post(
        &format!("/api/v1/projects/{}/contract", p.project),
        Some(&t.officer),
        terms(),
    )
    .await
    .expect(422);
    let next = window_end.checked_add_days(Days::new(1)).expect("day");
    assert_eq!(next, date("2026-05-07"));
    let t = move_to(app, &format!("{next} 02:00:00")).await;
    let drafted = app
        .post(
            &format!("/api/v1/projects/{}/contract", p.project),
            Some(&t.officer),
            terms(),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(drafted["status"], "draft");
    assert_eq!(drafted["amount"], "900000.00");
    assert_eq!(drafted["contractor_id"], p.winner);
    let amounts: Vec<&str> = drafted["payment_schedule"]
        .as_array()
        .expect("schedule")
        .iter()
        .map(|x| x["amount"].as_str().expect("amount"))
        .collect();
    assert_eq!(amounts, ["270000.00", "270000.00", "360000.00"]);
    let contract = drafted["id"].as_i64().expect("contract id");
    let sign = format!("/api/v1/contracts/{contract}/sign");
    let view = app
        .post(&sign, Some(&t.officer), json!({}))
        .await
        .expect(200)
        .json();
    assert_eq!(view["status"], "draft");
    // A losing bidder is no party to it.
    app.post(&sign, Some(&t.orgs[1]), json!({}))
        .await
        .expect(403);
    let view = app
        .post(&sign, Some(&t.orgs[0]), json!({}))
        .await
        .expect(200)
        .json();
    assert_eq!(view["status"], "active");
    assert!(view["activated_at"].is_string(), "{view}");
    assert_eq!(
        project_status(app, &t.officer, p.project).await,
        "contracted"
    );
    let list = notices(app, p.purchaser).await;
    let notice = list.last().expect("a notice");
    // Signed Thu 05-07; two working days: Fri 05-08 and Sat 05-09 (调休).
    assert_eq!(
        notice,
        &("contract".to_owned(), Some("2026-05-09".to_owned()), true)
    );
    (contract, t)
}

#[tokio::test]
async fn a_purchase_from_budget_to_completion_through_the_api() {
    let mut app = spawn_app().await;
    let p = procure(&mut app).await;
    let (k, t) = contracted(&mut app, &p).await;

    // On signing: the first installment is due and paid once.
    let rows = installments(&app, &t.officer, k).await;
    let conditions: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r.1.as_str(), r.2.as_str(), r.3.as_str()))
        .collect();
    assert_eq!(
        conditions,
        [
            ("on_signing", "due", "270000.00"),
            ("after_midterm_evaluation", "scheduled", "270000.00"),
            ("after_final_evaluation", "scheduled", "360000.00"),
        ]
    );
    app.post(
        &format!("/api/v1/payments/{}/pay", rows[1].0),
        Some(&t.officer),
        json!({}),
    )
    .await
    .expect(409);
    let paid = pay(&app, &t.officer, rows[0].0).await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payable_amount"], "270000.00");
    app.post(
        &format!("/api/v1/payments/{}/pay", rows[0].0),
        Some(&t.officer),
        json!({}),
    )
    .await
    .expect(409);

    // The service starts on 07-01 (00:30 in Shanghai), exactly once.
    let t = move_to(&mut app, "2026-06-30 02:00:00").await;
    assert_eq!(
        run_job(&app, &t.admin, "start_services").await["started"],
        0
    );
    let t = move_to(&mut app, "2026-06-30 16:30:00").await;
    assert_eq!(
        run_job(&app, &t.admin, "start_services").await["started"],
        1
    );
    assert_eq!(
        run_job(&app, &t.admin, "start_services").await["started"],
        0
    );
    assert_eq!(
        project_status(&app, &t.officer, p.project).await,
        "in_service"
    );

    // Monthly reports: July accepted; August returned, resubmitted and accepted; September
    // accepted.
    let reports = format!("/api/v1/contracts/{k}/reports");
    let review = |id: i64| format!("/api/v1/reports/{id}/review");
    let t = move_to(&mut app, "2026-08-03 02:00:00").await;
    let july = app
        .post(&reports, Some(&t.orgs[0]), report("2026-07", 120, 5))
        .await
        .expect(201)
        .json();
    assert_eq!(july["status"], "submitted");
    let july = july["id"].as_i64().expect("id");
    let accepted = app
        .post(
            &review(july),
            Some(&t.officer),
            json!({"decision": "accepted"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(accepted["status"], "accepted");

    let t = move_to(&mut app, "2026-09-01 02:00:00").await;
    let august = app
        .post(&reports, Some(&t.orgs[0]), report("2026-08", 999, 50))
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    let returned = app
        .post(
            &review(august),
            Some(&t.officer),
            json!({"decision": "returned", "comment": "人次与台账不符，请核实后重报"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(returned["status"], "returned");
    let again = app
        .post(&reports, Some(&t.orgs[0]), report("2026-08", 120, 5))
        .await
        .expect(200)
        .json();
    assert_eq!(again["status"], "submitted");
    let august = again["id"].as_i64().expect("id");
    app.post(
        &review(august),
        Some(&t.officer),
        json!({"decision": "accepted"}),
    )
    .await
    .expect(200);

    // Mon 09-28: September's report; the midpoint, Wed 09-30, opens the mid-term.
    let t = move_to(&mut app, "2026-09-28 02:00:00").await;
    let september = app
        .post(&reports, Some(&t.orgs[0]), report("2026-09", 120, 5))
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    app.post(
        &review(september),
        Some(&t.officer),
        json!({"decision": "accepted"}),
    )
    .await
    .expect(200);
    let progress = app
        .get(&format!("/api/v1/contracts/{k}/progress"), Some(&t.officer))
        .await
        .expect(200)
        .json();
    assert_eq!(progress["accepted_reports"], 3);
    assert_eq!(
        progress["accepted_periods"],
        json!(["2026-07", "2026-08", "2026-09"])
    );
    assert_eq!(progress["totals"]["person_times"], 360);
    assert_eq!(progress["totals"]["cases_opened"], 15);
    assert_eq!(progress["targets"][0]["name"], "入户探访");
    assert_eq!(progress["targets"][0]["actual"], 360);
    assert_eq!(progress["targets"][0]["percent"], "30.00");
    assert_eq!(progress["targets"][1]["name"], "个案服务");
    assert_eq!(progress["targets"][1]["actual"], 15);
    assert_eq!(progress["targets"][1]["percent"], "25.00");

    let midterm = evaluate(
        &mut app,
        k,
        "midterm",
        "2026-09-30",
        [
            ["17", "34", "25", "9"],     // 85.00
            ["16", "33", "25", "8"],     // 82.00
            ["16", "32", "24.5", "7.5"], // 80.00
        ],
    )
    .await;
    assert_eq!(midterm["total"], "82.33");
    assert_eq!(midterm["grade"], "good");
    let t = move_to(&mut app, "2026-09-30 03:00:00").await;
    let rows = installments(&app, &t.officer, k).await;
    assert_eq!(rows[1].2, "due");
    assert_eq!(rows[2].2, "scheduled");
    let paid = pay(&app, &t.officer, rows[1].0).await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payable_amount"], "270000.00");
    assert_eq!(
        project_status(&app, &t.officer, p.project).await,
        "in_service"
    );

    // The last day, Thu 12-31: the job opens the final evaluation; 良好 → the final
    // installment in full.
    let final_eval = evaluate(
        &mut app,
        k,
        "final",
        "2026-12-31",
        [
            ["18", "34", "25", "9"], // 86.00
            ["17", "34", "25", "8"], // 84.00
            ["17", "34", "25", "9"], // 85.00
        ],
    )
    .await;
    assert_eq!(final_eval["total"], "85.00");
    assert_eq!(final_eval["grade"], "good");
    let t = move_to(&mut app, "2026-12-31 03:00:00").await;
    let rows = installments(&app, &t.officer, k).await;
    assert_eq!(rows[2].2, "due");
    assert_eq!(rows[2].4, "360000.00");
    let paid = pay(&app, &t.officer, rows[2].0).await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payable_amount"], "360000.00");
    let statuses: Vec<String> = installments(&app, &t.officer, k)
        .await
        .into_iter()
        .map(|r| r.2)
        .collect();
    assert_eq!(statuses, ["paid", "paid", "paid"]);
    assert_eq!(
        project_status(&app, &t.officer, p.project).await,
        "completed"
    );
    assert_eq!(
        contract_view(&app, &t.officer, k).await["status"],
        "completed"
    );

    // The public record of the whole procedure, each notice on time.
    let list = notices(&app, p.purchaser).await;
    assert_eq!(
        kinds(&list),
        [
            "intention",
            "tender",
            "opening",
            "award",
            "contract",
            "evaluation",
            "evaluation"
        ]
    );
    assert!(list.iter().all(|n| n.2), "{list:?}");
    let award = app
        .get(
            &format!("/api/v1/notices?purchaser_id={}&kind=award", p.purchaser),
            None,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(award["total"], 1);
    assert_eq!(award["items"][0]["project_id"], p.project);
    let verify = app
        .get("/api/v1/audit/verify", Some(&t.admin))
        .await
        .expect(200)
        .json();
    assert_eq!(verify["ok"], true, "{verify}");
    assert!(
        verify["entries"].as_i64().expect("entries") > 50,
        "{verify}"
    );
}

/// On the day the `create_evaluations` job opens (after checking that it opens nothing the
/// day before) the `kind` evaluation of contract `k`
/// (09:00 in Shanghai): the job opens exactly one, the three experts are assigned and each
/// hands in a sheet. Returns the graded evaluation.
async fn evaluate(
    app: &mut TestApp,
    k: i64,
    kind: &str,
    day: &str,
    sheets: [[&str; 4]; 3],
) -> Value {
    // The day before: nothing to open.
    let before = date(day).checked_sub_days(Days::new(1)).expect("day");
    let t = move_to(app, &format!("{before} 01:00:00")).await;
    assert_eq!(
        run_job(app, &t.admin, "create_evaluations").await["opened"],
        0
    );
    let t = move_to(app, &format!("{day} 01:00:00")).await;
    assert_eq!(
        run_job(app, &t.admin, "create_evaluations").await["opened"],
        1
    );
    assert_eq!(
        run_job(app, &t.admin, "create_evaluations").await["opened"],
        0
    );
    let list = app
        .get(
            &format!("/api/v1/contracts/{k}/evaluations"),
            Some(&t.officer),
        )
        .await
        .expect(200)
        .json();
    let opened = list
        .as_array()
        .expect("evaluations")
        .iter()
        .find(|e| e["kind"] == kind)
        .expect("the evaluation")
        .clone();
    assert_eq!(opened["status"], "open", "{opened}");
    let id = opened["id"].as_i64().expect("id");
    let mut ids = Vec::new();
    for token in &t.experts {
        let me = app.get("/api/v1/me", Some(token)).await.expect(200).json();
        ids.push(me["id"].as_i64().expect("id"));
    }
    app.call(
        Method::PUT,
        &format!("/api/v1/evaluations/{id}/evaluators"),
        Some(&t.officer),
        Some(json!({"evaluator_ids": ids})),
    )
    .await
    .expect(200);
    let mut last = Value::Null;
    for (token, points) in t.experts.iter().zip(sheets) {
        last = app
            .call(
                Method::PUT,
                &format!("/api/v1/evaluations/{id}/scores"),
                Some(token),
                Some(sheet(points)),
            )
            .await
            .expect(200)
            .json();
    }
    let graded = app
        .get(&format!("/api/v1/evaluations/{id}"), Some(&t.officer))
        .await
        .expect(200)
        .json();
    assert_eq!(graded["status"], "graded", "{last}");
    assert_eq!(graded["total"], last["total"]);
    graded
}

#[tokio::test]
async fn termination_after_signing_withholds_the_unpaid_installments() {
    let mut app = spawn_app().await;
    let p = procure(&mut app).await;
    let (k, _) = contracted(&mut app, &p).await;
    let t = move_to(&mut app, "2026-05-11 02:00:00").await;
    let url = format!("/api/v1/contracts/{k}/terminate");
    app.post(&url, Some(&t.orgs[0]), json!({"reason": "乙方要求"}))
        .await
        .expect(403);
    let view = app
        .post(
            &url,
            Some(&t.officer),
            json!({"reason": "承接机构无法按约组建服务团队，经协商解除合同"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(view["status"], "terminated");
    assert_eq!(
        view["termination_reason"],
        "承接机构无法按约组建服务团队，经协商解除合同"
    );
    let statuses: Vec<String> = installments(&app, &t.officer, k)
        .await
        .into_iter()
        .map(|r| r.2)
        .collect();
    assert_eq!(statuses, ["withheld", "withheld", "withheld"]);
    let first = installments(&app, &t.officer, k).await[0].0;
    app.post(
        &format!("/api/v1/payments/{first}/pay"),
        Some(&t.officer),
        json!({}),
    )
    .await
    .expect(409);
    assert_eq!(
        project_status(&app, &t.officer, p.project).await,
        "terminated"
    );
    // The service never starts, reports stop and no evaluation opens.
    let t = move_to(&mut app, "2026-07-01 02:00:00").await;
    assert_eq!(
        run_job(&app, &t.admin, "start_services").await["started"],
        0
    );
    let refused = app
        .post(
            &format!("/api/v1/contracts/{k}/reports"),
            Some(&t.orgs[0]),
            report("2026-07", 120, 5),
        )
        .await
        .expect(409);
    assert_eq!(refused.code(), "invalid_state");
    let t = move_to(&mut app, "2026-12-31 02:00:00").await;
    assert_eq!(
        run_job(&app, &t.admin, "create_evaluations").await["opened"],
        0
    );
    assert_eq!(
        project_status(&app, &t.officer, p.project).await,
        "terminated"
    );
    let list = notices(&app, p.purchaser).await;
    assert_eq!(
        kinds(&list),
        [
            "intention",
            "tender",
            "opening",
            "award",
            "contract",
            "termination"
        ]
    );
    let notice = app
        .get(
            &format!(
                "/api/v1/notices?purchaser_id={}&kind=termination",
                p.purchaser
            ),
            None,
        )
        .await
        .expect(200)
        .json();
    let id = notice["items"][0]["id"].as_i64().expect("notice id");
    let full = app
        .get(&format!("/api/v1/notices/{id}"), None)
        .await
        .expect(200);
    assert!(full.text.contains("无法按约组建服务团队"), "{}", full.text);
    let verify = app
        .get("/api/v1/audit/verify", Some(&t.admin))
        .await
        .expect(200)
        .json();
    assert_eq!(verify["ok"], true, "{verify}");
}
