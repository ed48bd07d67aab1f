//! Contractors: registration with validated codes, review within the officer's region, the
//! ten qualification checks at their boundaries, violations, scoping and masking.

use serde_json::{Value, json};
use sixnorms::auth::Role;

use crate::factories::{
    contractor, officer, purchaser, qualified_contractor, registration, resident_id_with_check,
    social_org_uscc,
};
use crate::helpers::{TestApp, at, spawn_app};

const TABLES: [&str; 5] = [
    "contractors",
    "users",
    "audit_log",
    "contractor_violations",
    "api_tokens",
];

fn fields(reply: &crate::helpers::Reply) -> Value {
    reply.json()["error"]["details"]["fields"].clone()
}

async fn check(app: &TestApp, id: i64, token: &str, code: &str) -> (bool, String) {
    let report = app
        .get(
            &format!("/api/v1/contractors/{id}/qualification"),
            Some(token),
        )
        .await
        .expect(200)
        .json();
    let found = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("no check {code}: {report}"))
        .clone();
    (
        found["passed"].as_bool().expect("passed"),
        found["message"].as_str().unwrap_or("").to_owned(),
    )
}

#[tokio::test]
async fn registration_creates_a_pending_contractor_and_its_user() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/api/v1/contractors/register",
            None,
            registration(1, "renai", "640104"),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(reply["status"], "pending");
    assert_eq!(reply["status_label"], "待审核");
    assert_eq!(
        reply["group"], "能力提升组",
        "established 2018: over five years"
    );
    assert_eq!(reply["certified_social_workers"]["assistant"], 4);
    let id = reply["id"].as_i64().expect("id");
    let token = app.login("renai", crate::helpers::PASSWORD).await;
    let me = app.get("/api/v1/me", Some(&token)).await.expect(200).json();
    assert_eq!(me["role"], "contractor");
    assert_eq!(me["contractor_id"], id);
    let own = app
        .get(&format!("/api/v1/contractors/{id}"), Some(&token))
        .await
        .expect(200)
        .json();
    assert_eq!(own["uscc"], social_org_uscc(1));
    let qualification = app
        .get(
            &format!("/api/v1/contractors/{id}/qualification"),
            Some(&token),
        )
        .await
        .expect(200)
        .json();
    let codes: Vec<&str> = qualification["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        vec![
            "legal_entity",
            "eligible_kind",
            "business_scope",
            "full_time_staff",
            "certified_social_workers",
            "financial_system",
            "tax_social_security",
            "no_major_violation_3y",
            "not_dishonest",
            "not_barred"
        ]
    );
    assert_eq!(qualification["all_passed"], true);
    assert_eq!(
        qualification["eligible_to_bid"], false,
        "pending until reviewed"
    );
}

#[tokio::test]
async fn bad_codes_at_registration_say_what_is_wrong_and_change_nothing() {
    let app = spawn_app().await;
    let before = app.counts(&TABLES);
    let good = social_org_uscc(3);
    let mut wrong_check = good.clone();
    let last = wrong_check.pop().expect("char");
    wrong_check.push(if last == '0' { '1' } else { '0' });
    let mut cases: Vec<(Value, &str, &str)> = Vec::new();
    let mut body = registration(3, "u3", "640104");
    body["uscc"] = json!(wrong_check);
    cases.push((body, "uscc", "校验位"));
    for letter in ['I', 'O', 'Z', 'S', 'V'] {
        let mut body = registration(3, "u3", "640104");
        let mut code: Vec<char> = good.chars().collect();
        code[9] = letter;
        body["uscc"] = json!(code.into_iter().collect::<String>());
        cases.push((body, "uscc", "不允许"));
    }
    let mut body = registration(3, "u3", "640104");
    body["uscc"] = json!(&good[..17]);
    cases.push((body, "uscc", "长度"));
    let mut body = registration(3, "u3", "640104");
    body.as_object_mut().expect("obj").remove("uscc");
    cases.push((body, "uscc", "统一社会信用代码"));
    // An individual: resident ID with a wrong check character.
    let id = resident_id_with_check("64010419850612003");
    let mut wrong_id = id.clone();
    let last = wrong_id.pop().expect("char");
    wrong_id.push(if last == '1' { '2' } else { '1' });
    let mut body = registration(3, "u3", "640104");
    body["kind"] = json!("individual");
    body.as_object_mut().expect("obj").remove("uscc");
    body["id_number"] = json!(wrong_id);
    cases.push((body, "id_number", "校验位"));
    let mut body = registration(3, "u3", "640104");
    body["id_number"] = json!(id);
    cases.push((body, "id_number", "个人"));
    for (body, field, words) in cases {
        let reply = app
            .post("/api/v1/contractors/register", None, body.clone())
            .await
            .expect(422);
        let message = fields(&reply)[field][0].as_str().unwrap_or("").to_owned();
        assert!(
            message.contains(words),
            "{field} for {}: {message}",
            body[field]
        );
    }
    // Several bad fields at once, including the account.
    let mut body = registration(3, "u3", "999999");
    body["service_domains"] = json!(["space_travel"]);
    body["full_time_staff"] = json!(-1);
    body["certified_social_workers"]["senior"] = json!(-2);
    body["established_on"] = json!("2026-03-03");
    body["account"]["password"] = json!("short");
    body["account"]["username"] = json!("Bad Name");
    let reply = app
        .post("/api/v1/contractors/register", None, body)
        .await
        .expect(422);
    let f = fields(&reply);
    for field in [
        "region_code",
        "service_domains",
        "full_time_staff",
        "certified_social_workers.senior",
        "established_on",
        "account.password",
        "account.username",
    ] {
        assert!(f[field].is_array(), "{field} not named: {f}");
    }
    let mut body = registration(3, "u3", "640104");
    body["account"]["colour"] = json!("red");
    let reply = app
        .post("/api/v1/contractors/register", None, body)
        .await
        .expect(422);
    assert!(
        fields(&reply)["account.colour"].is_array(),
        "{}",
        reply.text
    );
    assert_eq!(app.counts(&TABLES), before);
}

#[tokio::test]
async fn an_individual_with_x_registers_and_is_masked_in_public() {
    let app = spawn_app().await;
    let mut body = registration(4, "zhang", "640104");
    body["kind"] = json!("individual");
    body["name"] = json!("张社工");
    body.as_object_mut().expect("obj").remove("uscc");
    body["id_number"] = json!("11010519491231002x");
    let reply = app
        .post("/api/v1/contractors/register", None, body)
        .await
        .expect(201)
        .json();
    let id = reply["id"].as_i64().expect("id");
    assert_eq!(
        reply["id_number"], "11010519491231002X",
        "normalized to upper case"
    );
    let public = app
        .get(&format!("/api/v1/contractors/{id}/public"), None)
        .await
        .expect(200);
    assert_eq!(public.json()["id_number_masked"], "110105********002X");
    assert!(
        !public.text.contains("11010519491231002X"),
        "{}",
        public.text
    );
    assert!(
        !public.text.contains("13995000000"),
        "no contact details in public"
    );
}

#[tokio::test]
async fn duplicate_code_or_username_rolls_back_everything() {
    let app = spawn_app().await;
    contractor(&app, 5, "first", "640104").await;
    let before = app.counts(&TABLES);
    // Same code, new username.
    let reply = app
        .post(
            "/api/v1/contractors/register",
            None,
            registration(5, "second", "640104"),
        )
        .await
        .expect(409);
    assert_eq!(reply.code(), "conflict");
    // New code, taken username: the contractor row must not survive either.
    app.post(
        "/api/v1/contractors/register",
        None,
        registration(6, "first", "640104"),
    )
    .await
    .expect(409);
    assert_eq!(app.counts(&TABLES), before);
}

#[tokio::test]
async fn officers_review_within_their_region_only() {
    let app = spawn_app().await;
    let xingqing = purchaser(
        &app,
        "银川市兴庆区民政局",
        "government_department",
        "640104",
        1,
    )
    .await;
    let xixia = purchaser(
        &app,
        "银川市西夏区民政局",
        "government_department",
        "640105",
        2,
    )
    .await;
    let ningxia = purchaser(
        &app,
        "宁夏回族自治区民政厅",
        "government_department",
        "640000",
        3,
    )
    .await;
    let (_, xq_officer) = officer(&app, "xq.officer", xingqing).await;
    let (_, xx_officer) = officer(&app, "xx.officer", xixia).await;
    let (_, nx_officer) = officer(&app, "nx.officer", ningxia).await;
    let (a, a_token) = contractor(&app, 10, "org.a", "640104").await;
    let (b, _) = contractor(&app, 11, "org.b", "640105").await;
    let approve = json!({"decision": "approve", "reason": "材料齐全"});

    // 西夏区 cannot review a 兴庆区 contractor; nothing changes.
    let before = app.counts(&TABLES);
    let refused = app
        .post(
            &format!("/api/v1/contractors/{a}/review"),
            Some(&xx_officer),
            approve.clone(),
        )
        .await
        .expect(403);
    assert_eq!(refused.code(), "forbidden");
    for role in [Role::Contractor, Role::Evaluator, Role::Auditor] {
        let token = if role == Role::Contractor {
            a_token.clone()
        } else {
            app.user_with_token(&format!("r.{role}"), role).await.1
        };
        app.post(
            &format!("/api/v1/contractors/{a}/review"),
            Some(&token),
            approve.clone(),
        )
        .await
        .expect(403);
    }
    let before = {
        let mut b = before;
        // user_with_token created two users and their tokens.
        let now = app.counts(&TABLES);
        b[1] = now[1].clone();
        b[2] = now[2].clone();
        b[4] = now[4].clone();
        b
    };
    assert_eq!(app.counts(&TABLES), before);
    let status = app
        .get(&format!("/api/v1/contractors/{a}"), Some(&a_token))
        .await
        .json();
    assert_eq!(status["status"], "pending");

    // Its own county's officer and the province department may.
    let approved = app
        .post(
            &format!("/api/v1/contractors/{a}/review"),
            Some(&xq_officer),
            approve.clone(),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(approved["status"], "qualified");
    assert_eq!(approved["status_reason"], "材料齐全");
    app.post(
        &format!("/api/v1/contractors/{b}/review"),
        Some(&nx_officer),
        approve,
    )
    .await
    .expect(200);
    let audit = app
        .get(
            &format!("/api/v1/audit?entity_type=contractor&entity_id={a}"),
            Some(&app.admin_token),
        )
        .await
        .expect(200)
        .json();
    assert!(
        audit["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|r| r["action"] == "contractor.approve"),
        "{audit}"
    );
}

#[tokio::test]
async fn review_lifecycle_and_its_refusals() {
    let app = spawn_app().await;
    let (a, _) = contractor(&app, 20, "org.a", "640104").await;
    let url = format!("/api/v1/contractors/{a}/review");
    let admin = app.admin_token.clone();
    let no_reason = app
        .post(
            &url,
            Some(&admin),
            json!({"decision": "approve", "reason": "  "}),
        )
        .await
        .expect(422);
    assert!(fields(&no_reason)["reason"].is_array());
    let bad = app
        .post(
            &url,
            Some(&admin),
            json!({"decision": "maybe", "reason": "x"}),
        )
        .await
        .expect(422);
    assert!(fields(&bad)["decision"].is_array());
    let suspend_pending = app
        .post(
            &url,
            Some(&admin),
            json!({"decision": "suspend", "reason": "x"}),
        )
        .await
        .expect(409);
    assert_eq!(
        suspend_pending.json()["error"]["details"],
        json!({"from": "pending", "action": "suspend"})
    );
    app.post(
        &url,
        Some(&admin),
        json!({"decision": "reject", "reason": "材料不全"}),
    )
    .await
    .expect(200);
    app.post(
        &url,
        Some(&admin),
        json!({"decision": "approve", "reason": "x"}),
    )
    .await
    .expect(409);

    let (b, _) = qualified_contractor(&app, 21, "org.b", "640104").await;
    let url = format!("/api/v1/contractors/{b}/review");
    let suspended = app
        .post(
            &url,
            Some(&admin),
            json!({"decision": "suspend", "reason": "服务投诉调查期间"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(suspended["status"], "suspended");
    let reinstated = app
        .post(
            &url,
            Some(&admin),
            json!({"decision": "approve", "reason": "调查结束"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(reinstated["status"], "qualified");
}

#[tokio::test]
async fn approval_requires_every_check_to_pass() {
    let app = spawn_app().await;
    let mut body = registration(30, "small", "640104");
    body["full_time_staff"] = json!(2);
    let reply = app
        .post("/api/v1/contractors/register", None, body)
        .await
        .expect(201);
    let id = reply.json()["id"].as_i64().expect("id");
    let before = app.counts(&TABLES);
    let refused = app
        .post(
            &format!("/api/v1/contractors/{id}/review"),
            Some(&app.admin_token),
            json!({"decision": "approve", "reason": "同意"}),
        )
        .await
        .expect(422);
    assert_eq!(
        refused.json()["error"]["details"]["rule"],
        "qualification_checks_failed"
    );
    assert!(refused.text.contains("full_time_staff"), "{}", refused.text);
    assert_eq!(app.counts(&TABLES), before);
    // Three staff is the base requirement: exactly three passes.
    let token = app.login("small", crate::helpers::PASSWORD).await;
    app.call(
        reqwest::Method::PATCH,
        &format!("/api/v1/contractors/{id}"),
        Some(&token),
        Some(json!({"full_time_staff": 3})),
    )
    .await
    .expect(200);
    let (passed, message) = check(&app, id, &token, "full_time_staff").await;
    assert!(passed, "{message}");
}

#[tokio::test]
async fn a_major_violation_disqualifies_for_three_years_and_fines_from_two_million() {
    let app = spawn_app().await;
    let (id, token) = qualified_contractor(&app, 40, "org.v", "640104").await;
    let url = format!("/api/v1/contractors/{id}/violations");
    // A fine just under ¥2,000,000.00 is not major.
    let minor = app
        .post(
            &url,
            Some(&app.admin_token),
            json!({"occurred_on": "2025-06-01", "kind": "fine", "description": "违规收费", "fine_amount": "1999999.99"}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(minor["major"], false);
    assert_eq!(minor["fine_amount"], "1999999.99");
    assert!(check(&app, id, &token, "no_major_violation_3y").await.0);
    // ¥2,000,000.00 is.
    let major = app
        .post(
            &url,
            Some(&app.admin_token),
            json!({"occurred_on": "2023-03-02", "kind": "fine", "description": "骗取财政资金", "fine_amount": "2,000,000.00"}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(major["major"], true);
    assert_eq!(major["disqualifies_until"], "2026-03-01");
    // The clock stands at 2026-03-02 09:00 Shanghai: three years have passed today.
    assert!(check(&app, id, &token, "no_major_violation_3y").await.0);
    // Three years minus a day: 2026-03-01 in Shanghai.
    app.set_clock(at("2026-03-01 01:00:00"));
    let token = app.login("org.v", crate::helpers::PASSWORD).await;
    let (passed, message) = check(&app, id, &token, "no_major_violation_3y").await;
    assert!(!passed && message.contains("2023-03-02"), "{message}");
    // Three years plus a day.
    app.set_clock(at("2026-03-03 01:00:00"));
    let token = app.login("org.v", crate::helpers::PASSWORD).await;
    assert!(check(&app, id, &token, "no_major_violation_3y").await.0);
}

#[tokio::test]
async fn violations_are_validated_and_scoped() {
    let app = spawn_app().await;
    let xixia = purchaser(
        &app,
        "银川市西夏区民政局",
        "government_department",
        "640105",
        2,
    )
    .await;
    let (_, xx_officer) = officer(&app, "xx.officer", xixia).await;
    let (id, token) = contractor(&app, 41, "org.w", "640104").await;
    let url = format!("/api/v1/contractors/{id}/violations");
    let before = app.counts(&TABLES);
    let body =
        json!({"occurred_on": "2025-01-01", "kind": "criminal_penalty", "description": "单位犯罪"});
    app.post(&url, Some(&xx_officer), body.clone())
        .await
        .expect(403);
    app.post(&url, Some(&token), body).await.expect(403);
    let bad = app
        .post(
            &url,
            Some(&app.admin_token),
            json!({"occurred_on": "2026-03-03", "kind": "spanking", "description": "", "fine_amount": "-5"}),
        )
        .await
        .expect(422);
    let f = fields(&bad);
    for field in ["occurred_on", "kind", "description", "fine_amount"] {
        assert!(f[field].is_array(), "{field}: {f}");
    }
    let no_amount = app
        .post(
            &url,
            Some(&app.admin_token),
            json!({"occurred_on": "2025-01-01", "kind": "fine", "description": "罚款"}),
        )
        .await
        .expect(422);
    assert!(fields(&no_amount)["fine_amount"].is_array());
    let three_places = app
        .post(
            &url,
            Some(&app.admin_token),
            json!({"occurred_on": "2025-01-01", "kind": "fine", "description": "罚款", "fine_amount": "1.234"}),
        )
        .await
        .expect(422);
    assert!(
        fields(&three_places)["fine_amount"].is_array(),
        "{}",
        three_places.text
    );
    assert_eq!(app.counts(&TABLES), before);
    let listed = app.get(&url, Some(&token)).await.expect(200).json();
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn contractors_see_and_change_only_their_own_record() {
    let app = spawn_app().await;
    let (a, a_token) = qualified_contractor(&app, 50, "org.a", "640104").await;
    let (b, b_token) = contractor(&app, 51, "org.b", "640104").await;
    for path in [
        format!("/api/v1/contractors/{b}"),
        format!("/api/v1/contractors/{b}/qualification"),
        format!("/api/v1/contractors/{b}/violations"),
    ] {
        app.get(&path, Some(&a_token)).await.expect(403);
    }
    let (_, evaluator) = app.user_with_token("pingshen", Role::Evaluator).await;
    app.get(&format!("/api/v1/contractors/{b}"), Some(&evaluator))
        .await
        .expect(403);
    app.get(&format!("/api/v1/contractors/{b}"), None)
        .await
        .expect(401);
    app.get("/api/v1/contractors", Some(&a_token))
        .await
        .expect(403);

    let snapshot = app
        .get(&format!("/api/v1/contractors/{b}"), Some(&b_token))
        .await
        .text;
    let before = app.counts(&TABLES);
    app.call(
        reqwest::Method::PATCH,
        &format!("/api/v1/contractors/{b}"),
        Some(&a_token),
        Some(json!({"name": "被篡改的名称"})),
    )
    .await
    .expect(403);
    // The owner cannot clear its own dishonest flag, and a bad field changes nothing.
    app.call(
        reqwest::Method::PATCH,
        &format!("/api/v1/contractors/{b}"),
        Some(&b_token),
        Some(json!({"on_dishonest_list": false})),
    )
    .await
    .expect(422);
    app.call(
        reqwest::Method::PATCH,
        &format!("/api/v1/contractors/{b}"),
        Some(&b_token),
        Some(json!({"contact_phone": "call me", "region_code": "000000"})),
    )
    .await
    .expect(422);
    assert_eq!(app.counts(&TABLES), before);
    assert_eq!(
        app.get(&format!("/api/v1/contractors/{b}"), Some(&b_token))
            .await
            .text,
        snapshot
    );

    // A contact change keeps the status; a key change sends it back to review.
    let url = format!("/api/v1/contractors/{a}");
    let contact = app
        .call(
            reqwest::Method::PATCH,
            &url,
            Some(&a_token),
            Some(json!({"contact_name": "李主任"})),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(contact["status"], "qualified");
    let key = app
        .call(
            reqwest::Method::PATCH,
            &url,
            Some(&a_token),
            Some(json!({"business_scope": "养老服务"})),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(key["status"], "pending");
}

#[tokio::test]
async fn officers_flag_dishonest_entities_but_not_edit_their_data() {
    let app = spawn_app().await;
    let xingqing = purchaser(
        &app,
        "银川市兴庆区民政局",
        "government_department",
        "640104",
        1,
    )
    .await;
    let (_, xq_officer) = officer(&app, "xq.officer", xingqing).await;
    let (id, token) = qualified_contractor(&app, 60, "org.d", "640104").await;
    let url = format!("/api/v1/contractors/{id}");
    app.call(
        reqwest::Method::PATCH,
        &url,
        Some(&xq_officer),
        Some(json!({"name": "改名"})),
    )
    .await
    .expect(403);
    let flagged = app
        .call(
            reqwest::Method::PATCH,
            &url,
            Some(&xq_officer),
            Some(json!({"on_dishonest_list": true})),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(flagged["on_dishonest_list"], true);
    assert_eq!(flagged["status"], "qualified");
    let (passed, _) = check(&app, id, &token, "not_dishonest").await;
    assert!(!passed);
    let report = app
        .get(
            &format!("/api/v1/contractors/{id}/qualification"),
            Some(&token),
        )
        .await
        .json();
    assert_eq!(report["eligible_to_bid"], false);
}

#[tokio::test]
async fn a_bar_applies_to_its_year_only() {
    let app = spawn_app().await;
    let (id, token) = qualified_contractor(&app, 70, "org.bar", "640104").await;
    {
        use diesel::prelude::*;
        use sixnorms::db::schema::contractor_bars;
        let mut conn = app.conn();
        diesel::insert_into(contractor_bars::table)
            .values((
                contractor_bars::contractor_id.eq(id),
                contractor_bars::year.eq(2027),
                contractor_bars::reason.eq("2026年度终期评价不合格"),
                contractor_bars::created_at.eq(at("2026-12-31 00:00:00")),
            ))
            .execute(&mut *conn)
            .expect("bar");
    }
    assert!(
        check(&app, id, &token, "not_barred").await.0,
        "2026 is not barred"
    );
    app.set_clock(at("2026-12-31 16:00:00")); // 2027-01-01 00:00 in Shanghai
    let token = app.login("org.bar", crate::helpers::PASSWORD).await;
    let (passed, message) = check(&app, id, &token, "not_barred").await;
    assert!(!passed && message.contains("2027"), "{message}");
    app.set_clock(at("2027-12-31 16:00:00")); // 2028-01-01
    let token = app.login("org.bar", crate::helpers::PASSWORD).await;
    assert!(check(&app, id, &token, "not_barred").await.0);
}
