//! Procurement up to the tender: budgets and their exhaustion (also under a race), the
//! project rules, the state machine, the intention lead time, the tender rules.

use serde_json::{Value, json};

use crate::factories::{officer, purchaser, qualified_contractor};
use crate::helpers::{Reply, TestApp, at, spawn_app};

/// A purchaser in 兴庆区 with an officer and a 2026 budget.
pub struct Buyer {
    /// Purchaser id.
    pub purchaser: i64,
    /// Officer token.
    pub officer: String,
    /// Budget id.
    pub budget: i64,
}

/// Creates a purchaser, its officer and a budget of `amount`.
pub async fn buyer(app: &TestApp, n: u32, kind: &str, amount: &str) -> Buyer {
    let purchaser = purchaser(
        app,
        &format!("银川市兴庆区民政局{n}"),
        kind,
        "640104",
        100 + n,
    )
    .await;
    let (_, token) = officer(app, &format!("officer{n}"), purchaser).await;
    let budget = app
        .post(
            "/api/v1/budgets",
            Some(&token),
            json!({"purchaser_id": purchaser, "year": 2026, "source": "本级财政", "amount": amount}),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    Buyer {
        purchaser,
        officer: token,
        budget,
    }
}

/// A valid project body.
pub fn project_body(b: &Buyer) -> Value {
    json!({
        "purchaser_id": b.purchaser,
        "budget_id": b.budget,
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
        "service_end": "2027-06-30",
        "method": "open_tender",
        "expected_tender_date": "2026-04-15"
    })
}

/// Creates a project; returns its id.
pub async fn project(app: &TestApp, b: &Buyer, body: Value) -> i64 {
    app.post("/api/v1/projects", Some(&b.officer), body)
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id")
}

/// A valid tender body with a deadline.
pub fn tender_body(deadline: &str) -> Value {
    json!({
        "bid_deadline": deadline,
        "max_price": "980000.00",
        "award_method": "comprehensive",
        "price_weight": "0.30",
        "criteria": [
            {"code": "plan", "name": "服务方案", "max_points": "40"},
            {"code": "team", "name": "团队与资质", "max_points": "20"},
            {"code": "experience", "name": "类似项目经验", "max_points": "10"}
        ],
        "requirements": {"min_full_time_staff": 5, "min_certified_social_workers": 2, "min_years_established": 1}
    })
}

/// A change to a request body.
type Change = Box<dyn Fn(&mut Value)>;

const TABLES: [&str; 6] = [
    "budgets",
    "projects",
    "project_targets",
    "notices",
    "tenders",
    "audit_log",
];

fn rule(reply: &Reply) -> String {
    reply.json()["error"]["details"]["rule"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

async fn budget_view(app: &TestApp, b: &Buyer) -> Value {
    let list = app
        .get(
            &format!("/api/v1/budgets?purchaser_id={}", b.purchaser),
            Some(&b.officer),
        )
        .await
        .expect(200)
        .json();
    list.as_array()
        .expect("array")
        .iter()
        .find(|x| x["id"] == b.budget)
        .expect("budget")
        .clone()
}

#[tokio::test]
async fn budgets_are_per_purchaser_year_and_source() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "3000000.00").await;
    let other = buyer(&app, 2, "government_department", "500000.00").await;
    let view = budget_view(&app, &b).await;
    assert_eq!(view["amount"], "3000000.00");
    assert_eq!(view["committed"], "0.00");
    assert_eq!(view["available"], "3000000.00");
    let before = app.counts(&TABLES);
    app.post(
        "/api/v1/budgets",
        Some(&b.officer),
        json!({"purchaser_id": other.purchaser, "year": 2026, "source": "福彩公益金", "amount": "1"}),
    )
    .await
    .expect(403);
    app.post(
        "/api/v1/budgets",
        Some(&b.officer),
        json!({"purchaser_id": b.purchaser, "year": 2026, "source": "本级财政", "amount": "1"}),
    )
    .await
    .expect(409);
    let bad = app
        .post(
            "/api/v1/budgets",
            Some(&b.officer),
            json!({"purchaser_id": b.purchaser, "year": 1999, "source": "", "amount": "-5"}),
        )
        .await
        .expect(422);
    let f = bad.json()["error"]["details"]["fields"].clone();
    for field in ["year", "source", "amount"] {
        assert!(f[field].is_array(), "{field}: {f}");
    }
    app.get(
        &format!("/api/v1/budgets?purchaser_id={}", other.purchaser),
        Some(&b.officer),
    )
    .await
    .expect(403);
    assert_eq!(app.counts(&TABLES), before);
    let (_, auditor) = app
        .user_with_token("shenji", sixnorms::auth::Role::Auditor)
        .await;
    let all = app
        .get("/api/v1/budgets", Some(&auditor))
        .await
        .expect(200)
        .json();
    assert_eq!(all.as_array().expect("array").len(), 2);
}

#[tokio::test]
async fn a_project_commits_its_budget_and_exhaustion_is_refused() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "1500000.00").await;
    let id = project(&app, &b, project_body(&b)).await;
    let view = app
        .get(&format!("/api/v1/projects/{id}"), Some(&b.officer))
        .await
        .expect(200)
        .json();
    assert_eq!(view["status"], "draft");
    assert_eq!(view["budget_amount"], "1000000.00");
    assert_eq!(view["number"], format!("640104-2026-{id:05}"));
    assert_eq!(view["targets"][1]["value"], "60");
    assert_eq!(budget_view(&app, &b).await["available"], "500000.00");
    // ¥500,000.01 is one fen too many.
    let before = app.counts(&TABLES);
    let mut body = project_body(&b);
    body["budget_amount"] = json!("500000.01");
    let refused = app
        .post("/api/v1/projects", Some(&b.officer), body)
        .await
        .expect(422);
    assert_eq!(rule(&refused), "budget_exceeded");
    assert_eq!(app.counts(&TABLES), before);
    let mut body = project_body(&b);
    body["budget_amount"] = json!("500000.00");
    project(&app, &b, body).await;
    assert_eq!(budget_view(&app, &b).await["available"], "0.00");
}

#[tokio::test]
async fn two_projects_racing_for_the_last_yuan_one_wins() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "1000000.00").await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let client = app.client.clone();
        let url = format!("{}/api/v1/projects", app.address);
        let token = b.officer.clone();
        let mut body = project_body(&b);
        body["budget_amount"] = json!("600000.00");
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("send")
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("join"));
    }
    statuses.sort_unstable();
    assert_eq!(statuses, vec![201, 422, 422, 422]);
    let view = budget_view(&app, &b).await;
    assert_eq!(view["committed"], "600000.00");
    assert_eq!(app.counts(&["projects"])[0].1, 1);
}

#[tokio::test]
async fn project_rules_are_named_and_change_nothing() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "5000000.00").await;
    let before = app.counts(&TABLES);
    let cases: Vec<(&str, Change)> = vec![
        (
            "catalog_item_missing",
            Box::new(|v| v["catalog_item_code"] = json!("ZZ99")),
        ),
        (
            "negative_list",
            Box::new(|v| v["catalog_item_code"] = json!("labor_dispatch")),
        ),
        (
            "service_end_before_start",
            Box::new(|v| v["service_end"] = json!("2026-06-30")),
        ),
        (
            "term_needs_justification",
            Box::new(|v| v["service_end"] = json!("2027-07-01")),
        ),
        (
            "term_too_long",
            Box::new(|v| {
                v["service_end"] = json!("2029-07-01");
                v["term_justification"] = json!("三年期项目，需稳定服务团队");
            }),
        ),
        (
            "budget_exceeded",
            Box::new(|v| v["budget_amount"] = json!("5000000.01")),
        ),
    ];
    for (expected, change) in cases {
        let mut body = project_body(&b);
        change(&mut body);
        let reply = app
            .post("/api/v1/projects", Some(&b.officer), body)
            .await
            .expect(422);
        assert_eq!(rule(&reply), expected, "{}", reply.text);
    }
    // Twelve months plus a day is fine with a justification; 36 months exactly too.
    let mut body = project_body(&b);
    body["service_end"] = json!("2027-07-01");
    body["term_justification"] = json!("跨年度连续服务，避免服务中断");
    body["budget_amount"] = json!("100");
    let long = project(&app, &b, body).await;
    // A blank justification on edit clears it, which such a term does not allow …
    let reply = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/projects/{long}"),
            Some(&b.officer),
            Some(json!({"term_justification": "  "})),
        )
        .await
        .expect(422);
    assert_eq!(rule(&reply), "term_needs_justification", "{}", reply.text);
    // … while a twelve-month term may drop it: it is stored as none, not as blank text.
    let reply = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/projects/{long}"),
            Some(&b.officer),
            Some(json!({"term_justification": "", "service_end": "2027-06-30"})),
        )
        .await
        .expect(200);
    assert_eq!(
        reply.json()["term_justification"],
        json!(null),
        "{}",
        reply.text
    );
    let mut body = project_body(&b);
    body["service_end"] = json!("2029-06-30");
    body["term_justification"] = json!("三年期项目");
    body["budget_amount"] = json!("100");
    project(&app, &b, body).await;
    // A 2025 budget cannot buy an item that only the 2026 catalog has.
    let old_budget = app
        .post(
            "/api/v1/budgets",
            Some(&b.officer),
            json!({"purchaser_id": b.purchaser, "year": 2025, "source": "本级财政", "amount": "100000"}),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    let mut body = project_body(&b);
    body["budget_id"] = json!(old_budget);
    body["catalog_item_code"] = json!("CW05");
    body["budget_amount"] = json!("1000");
    let reply = app
        .post("/api/v1/projects", Some(&b.officer), body)
        .await
        .expect(422);
    assert_eq!(rule(&reply), "catalog_item_missing");
    // Field errors.
    let mut body = project_body(&b);
    body["title"] = json!("短");
    body["region_code"] = json!("000000");
    body["target_groups"] = json!(["martians"]);
    body["targets"][0]["kind"] = json!("vibes");
    body["method"] = json!("auction");
    let reply = app
        .post("/api/v1/projects", Some(&b.officer), body)
        .await
        .expect(422);
    let f = reply.json()["error"]["details"]["fields"].clone();
    for field in [
        "title",
        "region_code",
        "target_groups",
        "targets[0].kind",
        "method",
    ] {
        assert!(f[field].is_array(), "{field}: {f}");
    }
    let after = app.counts(&TABLES);
    // Only the two accepted projects, the 2025 budget and their audit rows were added.
    assert_eq!(after[1].1, before[1].1 + 2);
}

#[tokio::test]
async fn an_ineligible_purchaser_never_creates_a_project() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "public_institution_class1", "1000000.00").await;
    let before = app.counts(&TABLES);
    let reply = app
        .post("/api/v1/projects", Some(&b.officer), project_body(&b))
        .await
        .expect(422);
    assert_eq!(rule(&reply), "purchaser_ineligible");
    assert!(reply.text.contains("公益一类事业单位"), "{}", reply.text);
    assert_eq!(app.counts(&TABLES), before);
}

#[tokio::test]
async fn only_the_purchasers_officers_act_on_a_project() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "1000000.00").await;
    let other = buyer(&app, 2, "government_department", "1000000.00").await;
    let id = project(&app, &b, project_body(&b)).await;
    app.post("/api/v1/projects", Some(&other.officer), project_body(&b))
        .await
        .expect(403);
    app.get(&format!("/api/v1/projects/{id}"), Some(&other.officer))
        .await
        .expect(403);
    app.post(
        &format!("/api/v1/projects/{id}/intention"),
        Some(&other.officer),
        json!({}),
    )
    .await
    .expect(403);
    let (_, contractor) = qualified_contractor(&app, 1, "org.one", "640104").await;
    app.get(&format!("/api/v1/projects/{id}"), Some(&contractor))
        .await
        .expect(403);
    let listed = app
        .get("/api/v1/projects", Some(&other.officer))
        .await
        .expect(200)
        .json();
    assert_eq!(listed["total"], 0);
    let mine = app
        .get("/api/v1/projects?status=draft", Some(&b.officer))
        .await
        .expect(200)
        .json();
    assert_eq!(mine["total"], 1);
}

#[tokio::test]
async fn intention_then_tender_after_thirty_days() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "1000000.00").await;
    let id = project(&app, &b, project_body(&b)).await;
    let url = format!("/api/v1/projects/{id}");
    // The tender cannot come before the intention.
    let early = app
        .post(
            &format!("{url}/tender"),
            Some(&b.officer),
            tender_body("2026-04-21T09:00:00+08:00"),
        )
        .await
        .expect(409);
    assert_eq!(
        early.json()["error"]["details"],
        json!({"from": "draft", "action": "publish_tender"})
    );
    // Intention on Monday 2026-03-02 (the clock's start).
    let published = app
        .post(&format!("{url}/intention"), Some(&b.officer), json!({}))
        .await
        .expect(200)
        .json();
    assert_eq!(published["status"], "intention_published");
    let notices = app
        .get("/api/v1/notices?kind=intention", None)
        .await
        .expect(200)
        .json();
    assert_eq!(notices["total"], 1);
    assert_eq!(
        notices["items"][0]["due_by"], "2026-03-16",
        "30 days before the planned 2026-04-15"
    );
    assert_eq!(notices["items"][0]["on_time"], true);
    // No more edits once the intention is out.
    app.call(
        reqwest::Method::PATCH,
        &url,
        Some(&b.officer),
        Some(json!({"title": "新的标题名称"})),
    )
    .await
    .expect(409);
    // Day 29 (2026-03-31): too early, nothing changes.
    app.set_clock(at("2026-03-31 01:00:00"));
    let officer = app.login("officer1", crate::helpers::PASSWORD).await;
    let before = app.counts(&TABLES);
    let reply = app
        .post(
            &format!("{url}/tender"),
            Some(&officer),
            tender_body("2026-04-21T09:00:00+08:00"),
        )
        .await
        .expect(422);
    assert_eq!(rule(&reply), "intention_too_recent");
    assert_eq!(app.counts(&TABLES), before);
    // Day 30 (2026-04-01): allowed; open tender needs 20 calendar days: 04-20 is one too few.
    app.set_clock(at("2026-04-01 01:00:00"));
    let officer = app.login("officer1", crate::helpers::PASSWORD).await;
    let reply = app
        .post(
            &format!("{url}/tender"),
            Some(&officer),
            tender_body("2026-04-20T17:00:00+08:00"),
        )
        .await
        .expect(422);
    assert_eq!(rule(&reply), "tender_period_too_short");
    assert_eq!(app.counts(&TABLES), before);
    let tender = app
        .post(
            &format!("{url}/tender"),
            Some(&officer),
            tender_body("2026-04-21T09:00:00+08:00"),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(tender["price_weight"], "0.30");
    assert_eq!(tender["bid_deadline"], "2026-04-21T01:00:00.000000Z");
    assert_eq!(tender["requirements"]["min_full_time_staff"], 5);
    let project = app.get(&url, Some(&officer)).await.expect(200).json();
    assert_eq!(project["status"], "tendering");
    let public = app
        .get(&format!("{url}/tender"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(public["criteria"][0]["name"], "服务方案");
    let notice = app
        .get("/api/v1/notices?kind=tender", None)
        .await
        .expect(200)
        .json();
    let detail = app
        .get(
            &format!("/api/v1/notices/{}", notice["items"][0]["id"]),
            None,
        )
        .await
        .expect(200)
        .json();
    let body = detail["body_html"].as_str().expect("body");
    assert!(body.contains("2026年4月21日 09:00"), "{body}");
    assert!(body.contains("人民币玖拾捌万元整"), "{body}");
}

#[tokio::test]
async fn tender_rules_price_weight_points_max_price_and_invitations() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "3000000.00").await;
    let id = project(&app, &b, project_body(&b)).await;
    let url = format!("/api/v1/projects/{id}");
    app.post(&format!("{url}/intention"), Some(&b.officer), json!({}))
        .await
        .expect(200);
    app.set_clock(at("2026-04-02 01:00:00"));
    let officer = app.login("officer1", crate::helpers::PASSWORD).await;
    let deadline = "2026-04-30T09:00:00+08:00";
    let before = app.counts(&TABLES);
    let cases: Vec<(&str, Change)> = vec![
        (
            "max_price_exceeds_budget",
            Box::new(|v| v["max_price"] = json!("1000000.01")),
        ),
        (
            "price_weight_out_of_bounds",
            Box::new(|v| {
                v["price_weight"] = json!("0.31");
                v["criteria"][0]["max_points"] = json!("39");
            }),
        ),
        (
            "price_weight_out_of_bounds",
            Box::new(|v| {
                v["price_weight"] = json!("0.09");
                v["criteria"][0]["max_points"] = json!("61");
            }),
        ),
        (
            "criteria_points_mismatch",
            Box::new(|v| v["criteria"][0]["max_points"] = json!("41")),
        ),
    ];
    for (expected, change) in cases {
        let mut body = tender_body(deadline);
        change(&mut body);
        let reply = app
            .post(&format!("{url}/tender"), Some(&officer), body)
            .await
            .expect(422);
        assert_eq!(rule(&reply), expected, "{}", reply.text);
    }
    let mut body = tender_body(deadline);
    body["invited_contractor_ids"] = json!([1]);
    body["award_method"] = json!("sealed_envelope");
    let reply = app
        .post(&format!("{url}/tender"), Some(&officer), body)
        .await
        .expect(422);
    let f = reply.json()["error"]["details"]["fields"].clone();
    assert!(
        f["invited_contractor_ids"].is_array() && f["award_method"].is_array(),
        "{f}"
    );
    assert_eq!(app.counts(&TABLES), before);
    // The bounds themselves are allowed: 0.10 with 90 technical points.
    let mut body = tender_body(deadline);
    body["price_weight"] = json!("0.10");
    body["criteria"][0]["max_points"] = json!("60");
    app.post(&format!("{url}/tender"), Some(&officer), body)
        .await
        .expect(201);
}

#[tokio::test]
async fn invited_tender_needs_three_qualified_invitees() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "3000000.00").await;
    let mut body = project_body(&b);
    body["method"] = json!("invited_tender");
    let id = project(&app, &b, body).await;
    let url = format!("/api/v1/projects/{id}");
    app.post(&format!("{url}/intention"), Some(&b.officer), json!({}))
        .await
        .expect(200);
    let (a, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    let (c, _) = qualified_contractor(&app, 2, "org.c", "640104").await;
    let (pending, _) = crate::factories::contractor(&app, 3, "org.p", "640104").await;
    let (d, _) = qualified_contractor(&app, 4, "org.d", "640104").await;
    app.set_clock(at("2026-04-02 01:00:00"));
    let officer = app.login("officer1", crate::helpers::PASSWORD).await;
    let before = app.counts(&TABLES);
    let mut body = tender_body("2026-04-30T09:00:00+08:00");
    body["invited_contractor_ids"] = json!([a, c]);
    let reply = app
        .post(&format!("{url}/tender"), Some(&officer), body)
        .await
        .expect(422);
    assert_eq!(rule(&reply), "too_few_invited");
    let mut body = tender_body("2026-04-30T09:00:00+08:00");
    body["invited_contractor_ids"] = json!([a, c, pending]);
    let reply = app
        .post(&format!("{url}/tender"), Some(&officer), body)
        .await
        .expect(422);
    let message = reply.json()["error"]["details"]["fields"]["invited_contractor_ids"][0]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(message.contains(&pending.to_string()), "{message}");
    assert_eq!(app.counts(&TABLES), before);
    let mut body = tender_body("2026-04-30T09:00:00+08:00");
    body["invited_contractor_ids"] = json!([a, c, d]);
    let tender = app
        .post(&format!("{url}/tender"), Some(&officer), body)
        .await
        .expect(201)
        .json();
    let mut invited: Vec<i64> = tender["invited_contractor_ids"]
        .as_array()
        .expect("ids")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    invited.sort_unstable();
    assert_eq!(invited, {
        let mut v = vec![a, c, d];
        v.sort_unstable();
        v
    });
}

#[tokio::test]
async fn cancelling_releases_the_budget() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "1000000.00").await;
    let id = project(&app, &b, project_body(&b)).await;
    let url = format!("/api/v1/projects/{id}/cancel");
    let no_reason = app
        .post(&url, Some(&b.officer), json!({"reason": ""}))
        .await
        .expect(422);
    assert!(no_reason.json()["error"]["details"]["fields"]["reason"].is_array());
    let cancelled = app
        .post(
            &url,
            Some(&b.officer),
            json!({"reason": "区级预算调整，项目暂缓实施"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(budget_view(&app, &b).await["available"], "1000000.00");
    let again = app
        .post(&url, Some(&b.officer), json!({"reason": "再次取消"}))
        .await
        .expect(409);
    assert_eq!(again.code(), "invalid_state");
}

#[tokio::test]
async fn inquiry_period_counts_working_days_across_the_spring_festival() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "1000000.00").await;
    let mut body = project_body(&b);
    body["method"] = json!("inquiry");
    body["expected_tender_date"] = json!("2026-02-12");
    // Intention on Monday 2026-01-12, 31 days before the tender.
    app.set_clock(at("2026-01-12 01:00:00"));
    let officer = app.login("officer1", crate::helpers::PASSWORD).await;
    let id = project(
        &app,
        &Buyer {
            officer: officer.clone(),
            ..b
        },
        body,
    )
    .await;
    let url = format!("/api/v1/projects/{id}");
    app.post(&format!("{url}/intention"), Some(&officer), json!({}))
        .await
        .expect(200);
    // Tender on Thursday 2026-02-12: the three working days after it are Fri 2/13,
    // Sat 2/14 (调休 working day) and Tue 2/24 (after the festival, 2/15–2/23 off).
    app.set_clock(at("2026-02-12 01:00:00"));
    let officer = app.login("officer1", crate::helpers::PASSWORD).await;
    for day_before in ["2026-02-14T17:00:00+08:00", "2026-02-23T17:00:00+08:00"] {
        let reply = app
            .post(
                &format!("{url}/tender"),
                Some(&officer),
                tender_body(day_before),
            )
            .await
            .expect(422);
        assert_eq!(rule(&reply), "tender_period_too_short", "{day_before}");
        assert!(reply.text.contains("2026年2月24日"), "{}", reply.text);
    }
    app.post(
        &format!("{url}/tender"),
        Some(&officer),
        tender_body("2026-02-24T09:00:00+08:00"),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn competitive_negotiation_counts_the_adjusted_saturday() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "1000000.00").await;
    let mut body = project_body(&b);
    body["method"] = json!("competitive_negotiation");
    body["expected_tender_date"] = json!("2026-05-06");
    app.set_clock(at("2026-04-01 01:00:00"));
    let officer = app.login("officer1", crate::helpers::PASSWORD).await;
    let id = project(
        &app,
        &Buyer {
            officer: officer.clone(),
            ..b
        },
        body,
    )
    .await;
    let url = format!("/api/v1/projects/{id}");
    app.post(&format!("{url}/intention"), Some(&officer), json!({}))
        .await
        .expect(200);
    // Published Wednesday 2026-05-06: 5/7, 5/8 and Saturday 5/9 (调休) are the three days.
    app.set_clock(at("2026-05-06 01:00:00"));
    let officer = app.login("officer1", crate::helpers::PASSWORD).await;
    let early = app
        .post(
            &format!("{url}/tender"),
            Some(&officer),
            tender_body("2026-05-08T17:00:00+08:00"),
        )
        .await
        .expect(422);
    assert_eq!(rule(&early), "tender_period_too_short");
    app.post(
        &format!("{url}/tender"),
        Some(&officer),
        tender_body("2026-05-09T09:00:00+08:00"),
    )
    .await
    .expect(201);
}
