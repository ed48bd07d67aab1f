//! The guiding catalog: reading a year's catalog, admin additions, validation, guards and the
//! idempotent loading of the shipped years.

use std::collections::HashSet;

use diesel::prelude::*;
use serde_json::{Value, json};
use sixnorms::auth::Role;
use sixnorms::db::schema::catalog_items;

use crate::helpers::{TestApp, at, spawn_app};

const TABLES: &[&str] = &["catalog_items", "audit_log"];

fn item_codes(catalog: &Value) -> Vec<String> {
    catalog["domains"]
        .as_array()
        .expect("domains")
        .iter()
        .flat_map(|d| d["items"].as_array().expect("items").iter())
        .map(|i| i["code"].as_str().expect("code").to_owned())
        .collect()
}

fn new_item() -> Value {
    json!({
        "year": 2026,
        "code": "EC99",
        "domain": "elderly_care",
        "name": "老年人智能设备使用帮扶",
        "description": "帮助老年人学习使用智能手机和政务服务应用。",
        "target_groups": ["elderly", "elderly"]
    })
}

async fn catalog(app: &TestApp, year: i32) -> Value {
    app.get(&format!("/api/v1/catalog?year={year}"), None)
        .await
        .expect(200)
        .json()
}

#[tokio::test]
async fn the_2026_catalog_has_five_domains_the_items_priority_groups_and_negative_list() {
    let app = spawn_app().await;
    let reply = app.get("/api/v1/catalog?year=2026", None).await.expect(200);
    assert_eq!(reply.headers["cache-control"], "public, max-age=300");
    let body = reply.json();
    assert_eq!(body["year"], 2026);
    let domains: Vec<(&str, &str)> = body["domains"]
        .as_array()
        .expect("domains")
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        domains,
        [
            ("social_assistance", "社会救助"),
            ("elderly_care", "养老服务"),
            ("child_welfare", "儿童福利"),
            ("social_affairs", "社会事务"),
            ("charity_volunteer", "慈善志愿服务"),
        ]
    );
    let codes = item_codes(&body);
    assert!(codes.len() >= 30, "{} items", codes.len());
    assert_eq!(codes.iter().collect::<HashSet<_>>().len(), codes.len());
    let groups = body["target_groups"].as_array().expect("groups");
    let known: HashSet<&str> = groups.iter().map(|g| g["code"].as_str().unwrap()).collect();
    for domain in body["domains"].as_array().unwrap() {
        let items = domain["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{} has no items", domain["code"]);
        for item in items {
            assert!(item["name"].as_str().unwrap().chars().count() >= 2);
            assert!(!item["description"].as_str().unwrap().is_empty());
            let targets = item["target_groups"].as_array().unwrap();
            assert!(!targets.is_empty(), "{}", item["code"]);
            for target in targets {
                assert!(known.contains(target.as_str().unwrap()), "{target}");
            }
        }
    }
    let priority: Vec<&str> = groups
        .iter()
        .filter(|g| g["priority"] == true)
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        priority,
        [
            "低保对象",
            "城乡特困人员",
            "老年人",
            "孤儿",
            "农村留守儿童",
            "困境儿童",
            "残疾人",
            "精神障碍患者"
        ]
    );
    assert!(groups[..8].iter().all(|g| g["priority"] == true));
    let negative = body["negative_list"].as_array().expect("negative list");
    let negative_codes: Vec<&str> = negative
        .iter()
        .map(|n| n["code"].as_str().unwrap())
        .collect();
    for code in [
        "not_government_duty",
        "direct_government_duty",
        "goods_or_works",
        "financing",
        "purchaser_staffing",
        "labor_dispatch",
        "public_welfare_posts",
    ] {
        assert!(negative_codes.contains(&code), "{code} missing");
    }
    for entry in negative {
        assert!(
            entry["reason"].as_str().unwrap().chars().count() > 10,
            "{entry}"
        );
    }
    // Without ?year the clock's year (2 March 2026) is shown.
    let default = app.get("/api/v1/catalog", None).await.expect(200).json();
    assert_eq!(default, body);
    // Both endpoints are documented.
    let doc = app.get("/api/openapi.json", None).await.expect(200).json();
    assert!(doc["paths"]["/api/v1/catalog"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/catalog/items"]["post"].is_object());
    assert!(doc["components"]["schemas"]["CatalogView"].is_object());
}

#[tokio::test]
async fn the_2025_catalog_lacks_the_items_added_in_2026() {
    let app = spawn_app().await;
    let old = item_codes(&catalog(&app, 2025).await);
    let new = item_codes(&catalog(&app, 2026).await);
    for code in ["CW05", "SF11", "CV06"] {
        assert!(new.contains(&code.to_owned()), "{code} in 2026");
        assert!(!old.contains(&code.to_owned()), "{code} not in 2025");
    }
    assert_eq!(old.len() + 3, new.len());
    assert!(old.iter().all(|c| new.contains(c)));
    // The helpers procurement will use see the same.
    let mut conn = app.conn();
    assert!(
        sixnorms::catalog::find_item(&mut conn, 2026, "CW05")
            .expect("query")
            .is_some()
    );
    assert!(
        sixnorms::catalog::find_item(&mut conn, 2025, "CW05")
            .expect("query")
            .is_none()
    );
    let item = sixnorms::catalog::find_item(&mut conn, 2025, "SA01")
        .expect("query")
        .expect("SA01 in 2025");
    assert_eq!(item.domain_code, "social_assistance");
    assert!(!item.target_group_codes().is_empty());
    let refused = sixnorms::catalog::find_negative(&mut conn, 2026, "goods_or_works")
        .expect("query")
        .expect("goods_or_works");
    assert!(refused.reason.contains("102"));
    assert!(
        sixnorms::catalog::find_negative(&mut conn, 2026, "elderly_care")
            .expect("query")
            .is_none()
    );
    // In 2025 the default year is 2025.
    app.set_clock(at("2025-06-01 02:00:00"));
    let default = app.get("/api/v1/catalog", None).await.expect(200).json();
    assert_eq!(default["year"], 2025);
}

#[tokio::test]
async fn a_year_without_a_catalog_is_404_naming_the_year() {
    let app = spawn_app().await;
    let reply = app.get("/api/v1/catalog?year=2019", None).await.expect(404);
    assert_eq!(reply.code(), "not_found");
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("2019 年度指导性目录不存在"), "{message}");
    // New Year's Day 2030 in Shanghai (still 2029 in UTC) defaults to 2030.
    app.set_clock(at("2029-12-31 17:00:00"));
    let reply = app.get("/api/v1/catalog", None).await.expect(404);
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2030")
    );
    let bad = app
        .get("/api/v1/catalog?year=twenty", None)
        .await
        .expect(422);
    assert_eq!(bad.code(), "validation_failed");
}

#[tokio::test]
async fn an_admin_adds_an_item_which_then_shows_in_its_year_only() {
    let app = spawn_app().await;
    let before = app.counts(TABLES);
    let created = app
        .post("/api/v1/catalog/items", Some(&app.admin_token), new_item())
        .await
        .expect(201)
        .json();
    assert_eq!(created["year"], 2026);
    assert_eq!(created["code"], "EC99");
    assert_eq!(created["domain"], "elderly_care");
    assert_eq!(created["domain_name"], "养老服务");
    assert_eq!(created["target_groups"], json!(["elderly"]));
    assert_eq!(created["created_at"], "2026-03-02T01:00:00.000000Z");
    let after = app.counts(TABLES);
    assert_eq!(after[0].1, before[0].1 + 1);
    assert_eq!(after[1].1, before[1].1 + 1);
    let audit = app
        .get(
            "/api/v1/audit?entity_type=catalog_item",
            Some(&app.admin_token),
        )
        .await
        .expect(200)
        .json();
    let text = audit.to_string();
    assert!(text.contains("catalog_item.create"), "{text}");

    let body = catalog(&app, 2026).await;
    let elderly = body["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "elderly_care")
        .expect("elderly_care");
    let item = elderly["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "EC99")
        .expect("the new item shows");
    assert_eq!(item["name"], "老年人智能设备使用帮扶");
    assert_eq!(item["target_groups"], json!(["elderly"]));
    assert!(!item_codes(&catalog(&app, 2025).await).contains(&"EC99".to_owned()));

    // The same code may exist in another year: items are versioned by (year, code).
    let mut older = new_item();
    older["year"] = json!(2025);
    app.post("/api/v1/catalog/items", Some(&app.admin_token), older)
        .await
        .expect(201);
    // An admin may start a new year's catalog item by item.
    let mut later = new_item();
    later["year"] = json!(2027);
    app.post("/api/v1/catalog/items", Some(&app.admin_token), later)
        .await
        .expect(201);
    let year_2027 = catalog(&app, 2027).await;
    assert_eq!(item_codes(&year_2027), ["EC99"]);
    assert_eq!(year_2027["domains"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn bad_fields_are_422_naming_each_and_change_nothing() {
    let app = spawn_app().await;
    let before = app.counts(TABLES);
    let reply = app
        .post(
            "/api/v1/catalog/items",
            Some(&app.admin_token),
            json!({
                "year": 1999,
                "code": "ec-99",
                "domain": "space_travel",
                "name": "x",
                "description": "",
                "target_groups": ["elderly", "martians", "aliens"]
            }),
        )
        .await
        .expect(422);
    assert_eq!(reply.code(), "validation_failed");
    let fields = reply.json()["error"]["details"]["fields"].clone();
    for field in ["year", "code", "domain", "name", "target_groups"] {
        assert!(fields.get(field).is_some(), "{field} not named: {fields}");
    }
    assert!(fields.get("description").is_none(), "{fields}");
    let targets = fields["target_groups"].to_string();
    assert!(
        targets.contains("martians") && targets.contains("aliens"),
        "{targets}"
    );
    assert!(!targets.contains("elderly"), "{targets}");
    assert!(fields["domain"].to_string().contains("space_travel"));

    // Too long a name, upper bound of the year, a missing and an unknown field.
    let mut long = new_item();
    long["name"] = json!("长".repeat(101));
    long["year"] = json!(2101);
    let fields = app
        .post("/api/v1/catalog/items", Some(&app.admin_token), long)
        .await
        .expect(422)
        .json()["error"]["details"]["fields"]
        .clone();
    assert!(
        fields.get("name").is_some() && fields.get("year").is_some(),
        "{fields}"
    );
    let mut missing = new_item();
    missing.as_object_mut().unwrap().remove("domain");
    let fields = app
        .post("/api/v1/catalog/items", Some(&app.admin_token), missing)
        .await
        .expect(422)
        .json()["error"]["details"]["fields"]
        .clone();
    assert!(fields.get("domain").is_some(), "{fields}");
    let mut extra = new_item();
    extra["priority"] = json!(true);
    let fields = app
        .post("/api/v1/catalog/items", Some(&app.admin_token), extra)
        .await
        .expect(422)
        .json()["error"]["details"]["fields"]
        .clone();
    assert!(fields.get("priority").is_some(), "{fields}");
    assert_eq!(app.counts(TABLES), before);
}

#[tokio::test]
async fn a_duplicate_code_in_the_same_year_is_409_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.counts(TABLES);
    let mut duplicate = new_item();
    duplicate["code"] = json!("SA01");
    let reply = app
        .post("/api/v1/catalog/items", Some(&app.admin_token), duplicate)
        .await
        .expect(409);
    assert_eq!(reply.code(), "conflict");
    let message = reply.json()["error"]["message"].to_string();
    assert!(
        message.contains("2026") && message.contains("SA01"),
        "{message}"
    );
    assert_eq!(app.counts(TABLES), before);
    // The shipped SA01 is untouched.
    let mut conn = app.conn();
    let sa01 = sixnorms::catalog::find_item(&mut conn, 2026, "SA01")
        .expect("query")
        .expect("SA01");
    assert_eq!(sa01.domain_code, "social_assistance");
}

#[tokio::test]
async fn only_admins_add_items() {
    let app = spawn_app().await;
    let before = app.counts(TABLES);
    for (name, role) in [
        ("officer1", Role::Officer),
        ("auditor1", Role::Auditor),
        ("evaluator1", Role::Evaluator),
        ("contractor1", Role::Contractor),
    ] {
        let (_, token) = app.user_with_token(name, role).await;
        let reply = app
            .post("/api/v1/catalog/items", Some(&token), new_item())
            .await
            .expect(403);
        assert_eq!(reply.code(), "forbidden");
        // Everyone may read.
        app.get("/api/v1/catalog?year=2026", Some(&token))
            .await
            .expect(200);
    }
    let reply = app
        .post("/api/v1/catalog/items", None, new_item())
        .await
        .expect(401);
    assert_eq!(reply.code(), "unauthorized");
    // create users wrote audit rows; no catalog item was added.
    assert_eq!(app.counts(&["catalog_items"]), before[..1]);
}

#[tokio::test]
async fn loading_again_inserts_nothing_and_keeps_admin_changes() {
    let app = spawn_app().await;
    app.post("/api/v1/catalog/items", Some(&app.admin_token), new_item())
        .await
        .expect(201);
    let before = app.counts(&[
        "catalog_domains",
        "target_groups",
        "catalog_items",
        "negative_list",
    ]);
    let mut conn = app.conn();
    // Already loaded when the app started (or into the PostgreSQL template).
    assert_eq!(sixnorms::reference::sync(&mut conn).expect("sync"), 0);
    assert_eq!(sixnorms::catalog::sync(&mut conn).expect("sync"), 0);
    drop(conn);
    assert_eq!(
        app.counts(&[
            "catalog_domains",
            "target_groups",
            "catalog_items",
            "negative_list"
        ]),
        before
    );
    // A changed shipped row is not overwritten; a deleted one comes back.
    let mut conn = app.conn();
    diesel::update(
        catalog_items::table
            .filter(catalog_items::year.eq(2026))
            .filter(catalog_items::code.eq("SA01")),
    )
    .set(catalog_items::name.eq("管理员改过的名称"))
    .execute(&mut *conn)
    .expect("update");
    diesel::delete(
        catalog_items::table
            .filter(catalog_items::year.eq(2026))
            .filter(catalog_items::code.eq("CV06")),
    )
    .execute(&mut *conn)
    .expect("delete");
    assert_eq!(sixnorms::reference::sync(&mut conn).expect("sync"), 1);
    let sa01 = sixnorms::catalog::find_item(&mut conn, 2026, "SA01")
        .expect("query")
        .expect("SA01");
    assert_eq!(sa01.name, "管理员改过的名称");
    assert!(
        sixnorms::catalog::find_item(&mut conn, 2026, "CV06")
            .expect("query")
            .is_some()
    );
    assert!(
        sixnorms::catalog::find_item(&mut conn, 2026, "EC99")
            .expect("query")
            .is_some(),
        "the admin's item is kept"
    );
    assert_eq!(sixnorms::reference::sync(&mut conn).expect("sync"), 0);
}
