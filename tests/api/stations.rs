//! The three-tier stations: creation per tier and region level, operator qualification,
//! officer scope, roles, changes with audit, the public list, and the coverage statistic.

use chrono::NaiveDate;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use sixnorms::auth::Role;
use sixnorms::db::schema::{audit_log, contractors, purchasers, regions, users};

use crate::helpers::{TestApp, create_user_direct, spawn_app};

/// 兴庆区 and its 掌政镇 (shipped reference data).
const XINGQING: &str = "640104";
const ZHANGZHENG: &str = "640104100";
/// 西夏区: another county of 银川市.
const XIXIA: &str = "640105";

const TABLES: &[&str] = &["stations", "audit_log"];

static USCC_SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

fn next_code(prefix: &str) -> String {
    let n = USCC_SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    format!("{prefix}{n:08}X")
}

/// Inserts a purchaser directly and returns its id.
fn insert_purchaser(app: &TestApp, name: &str, region_code: &str) -> i64 {
    let now = app.state.clock.now();
    let mut conn = app.conn();
    diesel::insert_into(purchasers::table)
        .values((
            purchasers::name.eq(name),
            purchasers::uscc.eq(next_code("116400000")),
            purchasers::kind.eq("government_department"),
            purchasers::region_code.eq(region_code),
            purchasers::contact_name.eq("李科长"),
            purchasers::contact_phone.eq("0951-1234567"),
            purchasers::email.eq("mzj@example.cn"),
            purchasers::created_at.eq(now),
            purchasers::updated_at.eq(now),
        ))
        .returning(purchasers::id)
        .get_result(&mut *conn)
        .expect("insert purchaser")
}

/// Inserts a contractor with the given status directly and returns its id.
fn insert_contractor(app: &TestApp, name: &str, status: &str) -> i64 {
    let now = app.state.clock.now();
    let mut conn = app.conn();
    diesel::insert_into(contractors::table)
        .values((
            contractors::name.eq(name),
            contractors::kind.eq("social_organization"),
            contractors::uscc.eq(Some(next_code("526400000"))),
            contractors::id_number.eq(None::<String>),
            contractors::established_on.eq(NaiveDate::from_ymd_opt(2018, 5, 1).expect("date")),
            contractors::region_code.eq(XINGQING),
            contractors::business_scope.eq("社会工作服务"),
            contractors::service_domains.eq(r#"["social_assistance"]"#),
            contractors::full_time_staff.eq(12),
            contractors::sw_assistant.eq(3),
            contractors::sw_intermediate.eq(2),
            contractors::sw_senior.eq(0),
            contractors::has_financial_system.eq(true),
            contractors::has_tax_social_security_record.eq(true),
            contractors::declares_no_major_violation.eq(true),
            contractors::is_small_micro.eq(true),
            contractors::on_dishonest_list.eq(false),
            contractors::contact_name.eq("张社工"),
            contractors::contact_phone.eq("13800000000"),
            contractors::email.eq("sg@example.cn"),
            contractors::status.eq(status),
            contractors::created_at.eq(now),
            contractors::updated_at.eq(now),
        ))
        .returning(contractors::id)
        .get_result(&mut *conn)
        .expect("insert contractor")
}

/// Inserts a region row directly (for trees whose size the test controls).
fn insert_region(app: &TestApp, code: &str, name: &str, level: &str, parent: Option<&str>) {
    let mut conn = app.conn();
    diesel::insert_into(regions::table)
        .values((
            regions::code.eq(code),
            regions::name.eq(name),
            regions::level.eq(level),
            regions::parent_code.eq(parent),
        ))
        .execute(&mut *conn)
        .expect("insert region");
}

/// An officer of a new purchaser in `region_code`; returns the token.
async fn officer_in(app: &TestApp, username: &str, region_code: &str) -> String {
    let purchaser = insert_purchaser(app, &format!("{username} 民政局"), region_code);
    let id = create_user_direct(&app.state, username, Role::Officer);
    diesel::update(users::table.find(id))
        .set(users::purchaser_id.eq(Some(purchaser)))
        .execute(&mut *app.conn())
        .expect("link officer");
    app.login(username, crate::helpers::PASSWORD).await
}

fn station(tier: &str, name: &str, region_code: &str) -> Value {
    json!({
        "tier": tier,
        "name": name,
        "region_code": region_code,
        "has_venue": true,
        "staff_count": 3,
        "has_service": true,
    })
}

fn fields(reply: &Value) -> Vec<String> {
    reply["error"]["details"]["fields"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Creates a station as admin and returns its id.
async fn create_as_admin(app: &TestApp, body: Value) -> i64 {
    app.post("/api/v1/stations", Some(&app.admin_token), body)
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id")
}

#[tokio::test]
async fn each_tier_is_created_at_its_region_level_with_audit() {
    let app = spawn_app().await;
    let operator = insert_contractor(&app, "兴庆区同心社会工作服务中心", "qualified");
    let admin = Some(app.admin_token.as_str());

    let center = app
        .post(
            "/api/v1/stations",
            admin,
            station("county_center", "兴庆区社会工作指导中心", XINGQING),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(center["tier"], "county_center");
    assert_eq!(center["tier_label"], "县级社会工作指导中心");
    assert_eq!(center["region_name"], "宁夏回族自治区 银川市 兴庆区");

    let mut body = station("township_station", "  掌政镇社会工作服务站 ", ZHANGZHENG);
    body["operator_contractor_id"] = json!(operator);
    let township = app
        .post("/api/v1/stations", admin, body)
        .await
        .expect(201)
        .json();
    assert_eq!(township["tier_label"], "乡镇（街道）社工站");
    assert_eq!(township["name"], "掌政镇社会工作服务站", "name is trimmed");
    assert_eq!(township["region_code"], ZHANGZHENG);
    assert_eq!(
        township["region_name"],
        "宁夏回族自治区 银川市 兴庆区 掌政镇"
    );
    assert_eq!(township["operator_contractor_id"], operator);
    assert_eq!(township["operator_name"], "兴庆区同心社会工作服务中心");
    assert_eq!(township["staff_count"], 3);
    assert_eq!(township["compliant"], true);

    let mut body = station("village_room", "掌政镇春林村社会工作室", ZHANGZHENG);
    body["staff_count"] = json!(0);
    let room = app
        .post("/api/v1/stations", admin, body)
        .await
        .expect(201)
        .json();
    assert_eq!(room["tier_label"], "村（社区）社工室");
    assert_eq!(room["operator_contractor_id"], Value::Null);
    assert_eq!(room["operator_name"], Value::Null);
    assert_eq!(room["compliant"], false, "no staff");

    // Each creation wrote its audit row with the view.
    let id = township["id"].as_i64().expect("id").to_string();
    let after: Option<String> = audit_log::table
        .filter(audit_log::action.eq("station.create"))
        .filter(audit_log::entity_id.eq(&id))
        .select(audit_log::after_json)
        .first(&mut *app.conn())
        .expect("audit row");
    let after: Value = serde_json::from_str(&after.expect("after")).expect("json");
    assert_eq!(after["name"], "掌政镇社会工作服务站");
    let creations: i64 = audit_log::table
        .filter(audit_log::action.eq("station.create"))
        .count()
        .get_result(&mut *app.conn())
        .expect("count");
    assert_eq!(creations, 3);

    // Shown to anyone.
    let shown = app
        .get(&format!("/api/v1/stations/{id}"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(shown, township);
    app.get("/api/v1/stations/999999", None).await.expect(404);
    app.get("/api/v1/stations/abc", None).await.expect(404);
}

#[tokio::test]
async fn a_tier_at_the_wrong_region_level_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    let admin = Some(app.admin_token.as_str());
    let before = app.counts(TABLES);
    let cases = [
        ("county_center", ZHANGZHENG),
        ("county_center", "640100"),
        ("township_station", XINGQING),
        ("township_station", "640000"),
        ("village_room", XINGQING),
        ("township_station", "640104999"),
    ];
    for (tier, region) in cases {
        let reply = app
            .post(
                "/api/v1/stations",
                admin,
                station(tier, "某某社工站", region),
            )
            .await
            .expect(422)
            .json();
        assert_eq!(reply["error"]["code"], "validation_failed");
        assert_eq!(fields(&reply), vec!["region_code"], "{tier} at {region}");
    }
    // Every bad field is named at once, in Chinese.
    let reply = app
        .post(
            "/api/v1/stations",
            admin,
            json!({
                "tier": "province_hub",
                "name": "站",
                "region_code": "999999",
                "has_venue": true,
                "staff_count": -1,
                "has_service": true,
            }),
        )
        .await
        .expect(422)
        .json();
    assert_eq!(
        fields(&reply),
        vec!["name", "region_code", "staff_count", "tier"]
    );
    let message = reply["error"]["details"]["fields"]["region_code"][0]
        .as_str()
        .expect("message");
    assert!(message.contains("不存在"), "{message}");
    // Unknown fields and missing fields are named too.
    let mut extra = station("township_station", "掌政镇社工站", ZHANGZHENG);
    extra["colour"] = json!("red");
    let reply = app
        .post("/api/v1/stations", admin, extra)
        .await
        .expect(422)
        .json();
    assert_eq!(fields(&reply), vec!["colour"]);
    let reply = app
        .post(
            "/api/v1/stations",
            admin,
            json!({"tier": "township_station", "name": "掌政镇社工站", "region_code": ZHANGZHENG,
                   "has_venue": true, "has_service": true}),
        )
        .await
        .expect(422)
        .json();
    assert_eq!(fields(&reply), vec!["staff_count"]);
    assert_eq!(app.counts(TABLES), before);
}

#[tokio::test]
async fn an_operator_must_exist_and_be_qualified() {
    let app = spawn_app().await;
    let admin = Some(app.admin_token.as_str());
    let pending = insert_contractor(&app, "待审查社工机构", "pending");
    let suspended = insert_contractor(&app, "已暂停社工机构", "suspended");
    let before = app.counts(TABLES);
    for operator in [pending, suspended] {
        let mut body = station("township_station", "掌政镇社工站", ZHANGZHENG);
        body["operator_contractor_id"] = json!(operator);
        let reply = app
            .post("/api/v1/stations", admin, body)
            .await
            .expect(422)
            .json();
        assert_eq!(fields(&reply), vec!["operator_contractor_id"]);
        let message = reply["error"]["details"]["fields"]["operator_contractor_id"][0]
            .as_str()
            .expect("message");
        assert!(message.contains("未通过资格审查"), "{message}");
    }
    let mut body = station("township_station", "掌政镇社工站", ZHANGZHENG);
    body["operator_contractor_id"] = json!(987654);
    let reply = app
        .post("/api/v1/stations", admin, body)
        .await
        .expect(422)
        .json();
    assert_eq!(fields(&reply), vec!["operator_contractor_id"]);
    assert_eq!(app.counts(TABLES), before, "nothing changed");

    // The same check applies when the operator is changed.
    let id = create_as_admin(
        &app,
        station("township_station", "掌政镇社工站", ZHANGZHENG),
    )
    .await;
    let before = app.counts(TABLES);
    let reply = app
        .call(
            Method::PATCH,
            &format!("/api/v1/stations/{id}"),
            admin,
            Some(json!({ "operator_contractor_id": pending })),
        )
        .await
        .expect(422)
        .json();
    assert_eq!(fields(&reply), vec!["operator_contractor_id"]);
    assert_eq!(app.counts(TABLES), before);
}

#[tokio::test]
async fn an_officer_acts_only_within_its_purchasers_region() {
    let app = spawn_app().await;
    let officer = officer_in(&app, "xingqing", XINGQING).await;
    let token = Some(officer.as_str());

    // Inside: the county itself and a township below it.
    app.post(
        "/api/v1/stations",
        token,
        station("county_center", "兴庆区社会工作指导中心", XINGQING),
    )
    .await
    .expect(201);
    let own = app
        .post(
            "/api/v1/stations",
            token,
            station("township_station", "掌政镇社工站", ZHANGZHENG),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    app.call(
        Method::PATCH,
        &format!("/api/v1/stations/{own}"),
        token,
        Some(json!({ "staff_count": 5 })),
    )
    .await
    .expect(200);

    // Outside: refused, nothing written.
    let elsewhere = create_as_admin(
        &app,
        station("county_center", "西夏区社会工作指导中心", XIXIA),
    )
    .await;
    let before = app.counts(TABLES);
    let reply = app
        .post(
            "/api/v1/stations",
            token,
            station("county_center", "西夏区社会工作指导中心", XIXIA),
        )
        .await
        .expect(403);
    assert_eq!(reply.code(), "forbidden");
    let reply = app
        .call(
            Method::PATCH,
            &format!("/api/v1/stations/{elsewhere}"),
            token,
            Some(json!({ "staff_count": 9 })),
        )
        .await
        .expect(403);
    assert_eq!(reply.code(), "forbidden");
    assert_eq!(app.counts(TABLES), before, "nothing changed");
    let unchanged = app
        .get(&format!("/api/v1/stations/{elsewhere}"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(unchanged["staff_count"], 3);

    // A higher-level purchaser (银川市) covers its counties.
    let city = officer_in(&app, "yinchuan", "640100").await;
    app.post(
        "/api/v1/stations",
        Some(&city),
        station("county_center", "西夏区社会工作指导中心（二）", XIXIA),
    )
    .await
    .expect(201);

    // An officer without a purchaser may not create anything.
    let (_, loose) = app.user_with_token("loose", Role::Officer).await;
    let before = app.counts(TABLES);
    app.post(
        "/api/v1/stations",
        Some(&loose),
        station("township_station", "掌政镇社工站", ZHANGZHENG),
    )
    .await
    .expect(403);
    assert_eq!(app.counts(TABLES), before);
}

#[tokio::test]
async fn other_roles_and_anonymous_callers_cannot_change_stations() {
    let app = spawn_app().await;
    let id = create_as_admin(
        &app,
        station("township_station", "掌政镇社工站", ZHANGZHENG),
    )
    .await;
    let mut tokens = Vec::new();
    for (name, role) in [
        ("org", Role::Contractor),
        ("expert", Role::Evaluator),
        ("audit", Role::Auditor),
    ] {
        tokens.push(app.user_with_token(name, role).await.1);
    }
    let before = app.counts(TABLES);
    for token in tokens {
        let reply = app
            .post(
                "/api/v1/stations",
                Some(&token),
                station("township_station", "掌政镇社工站", ZHANGZHENG),
            )
            .await
            .expect(403);
        assert_eq!(reply.code(), "forbidden");
        app.call(
            Method::PATCH,
            &format!("/api/v1/stations/{id}"),
            Some(&token),
            Some(json!({ "has_service": false })),
        )
        .await
        .expect(403);
    }
    app.post(
        "/api/v1/stations",
        None,
        station("township_station", "掌政镇社工站", ZHANGZHENG),
    )
    .await
    .expect(401);
    app.call(
        Method::PATCH,
        &format!("/api/v1/stations/{id}"),
        None,
        Some(json!({ "has_service": false })),
    )
    .await
    .expect(401);
    assert_eq!(app.counts(TABLES), before);
}

#[tokio::test]
async fn a_change_is_audited_with_before_and_after() {
    let app = spawn_app().await;
    let admin = Some(app.admin_token.as_str());
    let operator = insert_contractor(&app, "掌政镇社工机构", "qualified");
    let mut body = station("township_station", "掌政镇社工站", ZHANGZHENG);
    body["staff_count"] = json!(0);
    body["operator_contractor_id"] = json!(operator);
    let id = create_as_admin(&app, body).await;
    let path = format!("/api/v1/stations/{id}");

    let changed = app
        .call(
            Method::PATCH,
            &path,
            admin,
            Some(json!({ "staff_count": 4, "name": "掌政镇社会工作服务站" })),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(changed["staff_count"], 4);
    assert_eq!(changed["name"], "掌政镇社会工作服务站");
    assert_eq!(changed["compliant"], true);
    assert_eq!(changed["operator_contractor_id"], operator, "untouched");
    assert_eq!(changed["tier"], "township_station");

    let (before_json, after_json): (Option<String>, Option<String>) = audit_log::table
        .filter(audit_log::action.eq("station.update"))
        .filter(audit_log::entity_id.eq(id.to_string()))
        .select((audit_log::before_json, audit_log::after_json))
        .first(&mut *app.conn())
        .expect("audit row");
    let before: Value = serde_json::from_str(&before_json.expect("before")).expect("json");
    let after: Value = serde_json::from_str(&after_json.expect("after")).expect("json");
    assert_eq!(
        (before["staff_count"].clone(), after["staff_count"].clone()),
        (json!(0), json!(4))
    );
    assert_eq!(
        (before["compliant"].clone(), after["compliant"].clone()),
        (json!(false), json!(true))
    );

    // null removes the operator.
    let cleared = app
        .call(
            Method::PATCH,
            &path,
            admin,
            Some(json!({ "operator_contractor_id": null })),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(cleared["operator_contractor_id"], Value::Null);
    assert_eq!(cleared["staff_count"], 4);

    // Tier and region cannot change; an empty change and bad values are refused.
    let before = app.counts(TABLES);
    for (patch, field) in [
        (json!({ "tier": "county_center" }), "tier"),
        (json!({ "region_code": XIXIA }), "region_code"),
        (json!({}), "body"),
        (json!({ "staff_count": -2 }), "staff_count"),
        (json!({ "name": " " }), "name"),
    ] {
        let reply = app
            .call(Method::PATCH, &path, admin, Some(patch))
            .await
            .expect(422)
            .json();
        assert_eq!(fields(&reply), vec![field]);
    }
    app.call(
        Method::PATCH,
        "/api/v1/stations/999999",
        admin,
        Some(json!({ "staff_count": 1 })),
    )
    .await
    .expect(404);
    assert_eq!(app.counts(TABLES), before);
}

#[tokio::test]
async fn the_public_list_filters_by_region_subtree_and_tier() {
    let app = spawn_app().await;
    create_as_admin(
        &app,
        station("county_center", "兴庆区社会工作指导中心", XINGQING),
    )
    .await;
    create_as_admin(
        &app,
        station("township_station", "掌政镇社工站", ZHANGZHENG),
    )
    .await;
    create_as_admin(
        &app,
        station("village_room", "掌政镇春林村社工室", ZHANGZHENG),
    )
    .await;
    create_as_admin(
        &app,
        station("township_station", "凤凰北街街道社工站", "640104001"),
    )
    .await;
    create_as_admin(
        &app,
        station("county_center", "西夏区社会工作指导中心", XIXIA),
    )
    .await;

    let codes = |reply: &Value| -> Vec<String> {
        reply["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["name"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let all = app.get("/api/v1/stations", None).await.expect(200).json();
    assert_eq!(all["total"], 5);
    assert_eq!(
        (all["page"].clone(), all["per_page"].clone()),
        (json!(1), json!(20))
    );

    let xingqing = app
        .get(&format!("/api/v1/stations?region_code={XINGQING}"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(xingqing["total"], 4);
    assert_eq!(
        codes(&xingqing),
        vec![
            "兴庆区社会工作指导中心",
            "凤凰北街街道社工站",
            "掌政镇社工站",
            "掌政镇春林村社工室"
        ],
        "by region, then id"
    );
    let city = app
        .get("/api/v1/stations?region_code=640100", None)
        .await
        .expect(200)
        .json();
    assert_eq!(city["total"], 5);
    let township = app
        .get(
            &format!("/api/v1/stations?region_code={ZHANGZHENG}&tier=township_station"),
            None,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(codes(&township), vec!["掌政镇社工站"]);
    let centers = app
        .get(
            "/api/v1/stations?tier=county_center&per_page=1&page=2",
            None,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(centers["total"], 2);
    assert_eq!(codes(&centers), vec!["西夏区社会工作指导中心"]);
    let item = &centers["items"][0];
    for key in [
        "id",
        "tier",
        "tier_label",
        "name",
        "region_code",
        "region_name",
        "operator_contractor_id",
        "operator_name",
        "has_venue",
        "staff_count",
        "has_service",
        "compliant",
    ] {
        assert!(item.get(key).is_some(), "item lacks {key}");
    }

    let empty = app
        .get("/api/v1/stations?region_code=640200", None)
        .await
        .expect(200)
        .json();
    assert_eq!(empty["total"], 0);
    assert_eq!(
        app.get("/api/v1/stations?region_code=999999", None)
            .await
            .expect(404)
            .code(),
        "not_found"
    );
    let bad_tier = app
        .get("/api/v1/stations?tier=province_hub", None)
        .await
        .expect(422)
        .json();
    assert_eq!(fields(&bad_tier), vec!["tier"]);
    app.get("/api/v1/stations?per_page=500", None)
        .await
        .expect(422);

    // The routes are documented.
    let doc = app.get("/api/openapi.json", None).await.expect(200).json();
    for path in [
        "/api/v1/stations",
        "/api/v1/stations/{id}",
        "/api/v1/stats/coverage",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} undocumented");
    }
    assert!(doc["paths"]["/api/v1/stations/{id}"].get("patch").is_some());
}

/// 测试省 → 甲市 → 甲县 (4 townships), 乙县 (2 townships), 丙县 (none).
fn insert_test_tree(app: &TestApp) {
    insert_region(app, "990000", "测试省", "province", None);
    insert_region(app, "990100", "甲市", "prefecture", Some("990000"));
    insert_region(app, "990101", "甲县", "county", Some("990100"));
    insert_region(app, "990102", "乙县", "county", Some("990100"));
    insert_region(app, "990103", "丙县", "county", Some("990100"));
    for n in 1..=4 {
        insert_region(
            app,
            &format!("99010100{n}"),
            &format!("甲{n}镇"),
            "township",
            Some("990101"),
        );
    }
    for n in 1..=2 {
        insert_region(
            app,
            &format!("99010200{n}"),
            &format!("乙{n}镇"),
            "township",
            Some("990102"),
        );
    }
}

/// 甲县: 3 of 4 townships with a compliant station, the 4th with one lacking staff (and a
/// compliant village room, which does not count). 乙县: 1 of 2.
async fn insert_test_stations(app: &TestApp) {
    for n in 1..=3 {
        create_as_admin(
            app,
            station(
                "township_station",
                &format!("甲{n}镇社工站"),
                &format!("99010100{n}"),
            ),
        )
        .await;
    }
    // A second compliant station in the same township does not count twice.
    create_as_admin(
        app,
        station("township_station", "甲1镇第二社工站", "990101001"),
    )
    .await;
    let mut lacking = station("township_station", "甲4镇社工站", "990101004");
    lacking["staff_count"] = json!(0);
    create_as_admin(app, lacking).await;
    create_as_admin(app, station("village_room", "甲4镇某村社工室", "990101004")).await;
    create_as_admin(
        app,
        station("county_center", "甲县社会工作指导中心", "990101"),
    )
    .await;
    create_as_admin(app, station("township_station", "乙2镇社工站", "990102002")).await;
    let mut no_venue = station("township_station", "乙1镇社工站", "990102001");
    no_venue["has_venue"] = json!(false);
    create_as_admin(app, no_venue).await;
}

fn summary(rows: &Value) -> Vec<(String, i64, i64, String, String)> {
    rows.as_array()
        .expect("children")
        .iter()
        .map(|c| {
            (
                c["region_code"].as_str().unwrap_or("").to_owned(),
                c["townships"].as_i64().unwrap_or(-1),
                c["compliant_townships"].as_i64().unwrap_or(-1),
                c["coverage_rate"].as_str().unwrap_or("").to_owned(),
                c["coverage_ratio"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn row(
    code: &str,
    townships: i64,
    compliant: i64,
    rate: &str,
    ratio: &str,
) -> (String, i64, i64, String, String) {
    (
        code.to_owned(),
        townships,
        compliant,
        rate.to_owned(),
        ratio.to_owned(),
    )
}

#[tokio::test]
async fn coverage_of_a_county_counts_townships_with_a_compliant_station() {
    let app = spawn_app().await;
    insert_test_tree(&app);
    insert_test_stations(&app).await;
    let county = app
        .get("/api/v1/stats/coverage?region_code=990101", None)
        .await
        .expect(200)
        .json();
    assert_eq!(county["region_code"], "990101");
    assert_eq!(county["region_name"], "测试省 甲市 甲县");
    assert_eq!(county["townships"], 4);
    assert_eq!(county["compliant_townships"], 3);
    assert_eq!(county["coverage_rate"], "75.00");
    assert_eq!(county["coverage_ratio"], "0.7500");
    assert_eq!(
        summary(&county["children"]),
        vec![
            row("990101001", 1, 1, "100.00", "1.0000"),
            row("990101002", 1, 1, "100.00", "1.0000"),
            row("990101003", 1, 1, "100.00", "1.0000"),
            row("990101004", 1, 0, "0.00", "0.0000"),
        ]
    );
    assert_eq!(
        county["children"][3]["region_name"],
        "测试省 甲市 甲县 甲4镇"
    );

    // Giving the 4th township's station its staff makes the county fully covered.
    let listed = app
        .get(
            "/api/v1/stations?region_code=990101004&tier=township_station",
            None,
        )
        .await
        .expect(200)
        .json();
    let id = listed["items"][0]["id"].as_i64().expect("id");
    app.call(
        Method::PATCH,
        &format!("/api/v1/stations/{id}"),
        Some(&app.admin_token),
        Some(json!({ "staff_count": 2 })),
    )
    .await
    .expect(200);
    let county = app
        .get("/api/v1/stats/coverage?region_code=990101", None)
        .await
        .expect(200)
        .json();
    assert_eq!(county["coverage_rate"], "100.00");

    // A township itself counts 1 and has no children.
    let township = app
        .get("/api/v1/stats/coverage?region_code=990101002", None)
        .await
        .expect(200)
        .json();
    assert_eq!(
        (
            township["townships"].clone(),
            township["compliant_townships"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(township["children"], json!([]));
}

#[tokio::test]
async fn coverage_of_a_parent_aggregates_its_counties() {
    let app = spawn_app().await;
    insert_test_tree(&app);
    insert_test_stations(&app).await;
    let city = app
        .get("/api/v1/stats/coverage?region_code=990100", None)
        .await
        .expect(200)
        .json();
    assert_eq!(city["region_name"], "测试省 甲市");
    assert_eq!(city["townships"], 6);
    assert_eq!(city["compliant_townships"], 4);
    assert_eq!(city["coverage_rate"], "66.67");
    assert_eq!(city["coverage_ratio"], "0.6667");
    assert_eq!(
        summary(&city["children"]),
        vec![
            row("990101", 4, 3, "75.00", "0.7500"),
            row("990102", 2, 1, "50.00", "0.5000"),
            row("990103", 0, 0, "0.00", "0.0000"),
        ]
    );
    let province = app
        .get("/api/v1/stats/coverage?region_code=990000", None)
        .await
        .expect(200)
        .json();
    assert_eq!(
        summary(&province["children"]),
        vec![row("990100", 6, 4, "66.67", "0.6667")]
    );
    assert_eq!(province["coverage_rate"], "66.67");
}

#[tokio::test]
async fn coverage_without_townships_is_zero_and_needs_a_known_region() {
    let app = spawn_app().await;
    insert_test_tree(&app);
    let empty = app
        .get("/api/v1/stats/coverage?region_code=990103", None)
        .await
        .expect(200)
        .json();
    assert_eq!(empty["townships"], 0);
    assert_eq!(empty["compliant_townships"], 0);
    assert_eq!(empty["coverage_rate"], "0.00");
    assert_eq!(empty["coverage_ratio"], "0.0000");
    assert_eq!(empty["children"], json!([]));
    // Townships without any station count in the denominator.
    let no_stations = app
        .get("/api/v1/stats/coverage?region_code=990102", None)
        .await
        .expect(200)
        .json();
    assert_eq!(no_stations["townships"], 2);
    assert_eq!(no_stations["coverage_rate"], "0.00");

    for path in [
        "/api/v1/stats/coverage",
        "/api/v1/stats/coverage?region_code=",
    ] {
        let reply = app.get(path, None).await.expect(422).json();
        assert_eq!(reply["error"]["code"], "validation_failed");
        assert_eq!(fields(&reply), vec!["region_code"]);
    }
    let unknown = app
        .get("/api/v1/stats/coverage?region_code=999999", None)
        .await
        .expect(404);
    assert_eq!(unknown.code(), "not_found");
}
