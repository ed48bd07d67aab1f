//! OCDS 1.1 output: a project taken through tender, award (to an individual), contract and a
//! paid installment, and a failed project; every package both endpoints return validates
//! against the shipped 1.1.5 schemas, statuses and methods come from their codelists, and the
//! individual's raw ID number never appears.

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;
use jsonschema::{Draft, Registry};
use serde_json::{Value, json};
use sixnorms::db::schema::{awards, bids, projects, tenders};

use crate::factories::{qualified_contractor, registration};
use crate::helpers::{PASSWORD, TestApp, at, spawn_app, start_time};
use crate::procurement::{Buyer, buyer, project, project_body};

/// The shipped OCDS 1.1.5 schemas and codelists.
const OCDS_DIR: &str = "tests/fixtures/ocds/1.1.5";

/// The raw ID number of the seeded individual contractor.
const RAW_ID: &str = "11010519491231002X";

fn read_json(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{OCDS_DIR}/{name}")).expect("schema file");
    serde_json::from_str(&text).expect("schema json")
}

/// The codes of a codelist CSV (first column, header skipped).
fn codelist(name: &str) -> HashSet<String> {
    std::fs::read_to_string(format!("{OCDS_DIR}/codelists/{name}.csv"))
        .expect("codelist")
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(str::to_owned)
        .collect()
}

/// Validates `instance` against the package schema `name`, resolving the schemas' URLs from
/// disk (no network).
fn validate(name: &str, instance: &Value) {
    let release = read_json("release-schema.json");
    let versioned = read_json("versioned-release-validation-schema.json");
    let registry = Registry::new()
        .draft(Draft::Draft4)
        .add(
            "https://standard.open-contracting.org/schema/1__1__5/release-schema.json",
            &release,
        )
        .expect("add")
        .add(
            "https://standard.open-contracting.org/schema/1__1__5/versioned-release-validation-schema.json",
            &versioned,
        )
        .expect("add")
        .prepare()
        .expect("registry");
    let schema = read_json(name);
    let validator = jsonschema::options()
        .with_draft(Draft::Draft4)
        .with_registry(&registry)
        .build(&schema)
        .expect("validator");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}");
}

/// Checks every status and method of `release` against its codelist.
fn check_codelists(release: &Value) {
    let tags = codelist("releaseTag");
    for tag in release["tag"].as_array().expect("tag") {
        assert!(tags.contains(tag.as_str().expect("tag")), "{tag}");
    }
    if let Some(status) = release["tender"]["status"].as_str() {
        assert!(codelist("tenderStatus").contains(status), "{status}");
    }
    if let Some(method) = release["tender"]["procurementMethod"].as_str() {
        assert!(codelist("method").contains(method), "{method}");
    }
    for award in release["awards"].as_array().into_iter().flatten() {
        if let Some(status) = award["status"].as_str() {
            assert!(codelist("awardStatus").contains(status), "{status}");
        }
    }
    for contract in release["contracts"].as_array().into_iter().flatten() {
        if let Some(status) = contract["status"].as_str() {
            assert!(codelist("contractStatus").contains(status), "{status}");
        }
    }
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// 10:00 in Shanghai on `day`.
fn on(day: &str) -> chrono::NaiveDateTime {
    at(&format!("{day} 02:00:00"))
}

/// Registers and approves an individual contractor (user `person`); returns its id.
async fn individual(app: &TestApp) -> i64 {
    let mut body = registration(9, "person", "640104");
    body["kind"] = json!("individual");
    body["name"] = json!("张社工");
    body.as_object_mut().expect("object").remove("uscc");
    body["id_number"] = json!(RAW_ID);
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

/// A new project of `b` with its intention published; returns its id.
async fn published(app: &TestApp, b: &Buyer) -> i64 {
    let id = project(app, b, project_body(b)).await;
    app.post(
        &format!("/api/v1/projects/{id}/intention"),
        Some(&b.officer),
        json!({}),
    )
    .await
    .expect(200);
    id
}

/// A project with its intention published (through the API: a project leaves `draft` only so
/// or by cancellation) and then an opened tender, two bids and `winner`'s active award
/// noticed on 2026-03-02 (rows written directly, as in `contracts.rs`); returns its id.
async fn awarded(app: &TestApp, b: &Buyer, winner: i64, other: i64) -> i64 {
    let project_id = published(app, b).await;
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
            tenders::opened_at.eq(Some(now)),
        ))
        .returning(tenders::id)
        .get_result(&mut *conn)
        .expect("tender");
    let mut winning_bid = 0;
    for (contractor, price) in [(winner, 90_000_000_i64), (other, 95_000_000)] {
        let bid: i64 = diesel::insert_into(bids::table)
            .values((
                bids::project_id.eq(project_id),
                bids::tender_id.eq(tender),
                bids::contractor_id.eq(contractor),
                bids::price_fen.eq(price),
                bids::proposal.eq("服务方案"),
                bids::team_size.eq(6),
                bids::receipt_sha256.eq(format!("{:064x}", project_id * 10 + contractor)),
                bids::submitted_at.eq(now),
                bids::status.eq("qualified"),
            ))
            .returning(bids::id)
            .get_result(&mut *conn)
            .expect("bid");
        if contractor == winner {
            winning_bid = bid;
        }
    }
    diesel::insert_into(awards::table)
        .values((
            awards::project_id.eq(project_id),
            awards::bid_id.eq(winning_bid),
            awards::contractor_id.eq(winner),
            awards::price_fen.eq(90_000_000_i64),
            awards::decided_at.eq(now),
            awards::notice_on.eq(date("2026-03-02")),
            awards::challenge_deadline.eq(date("2026-03-20")),
            awards::signing_deadline.eq(date("2026-04-01")),
            awards::active.eq(true),
        ))
        .execute(&mut *conn)
        .expect("award");
    diesel::update(projects::table.find(project_id))
        .set(projects::status.eq("awarded"))
        .execute(&mut *conn)
        .expect("awarded");
    project_id
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
            {"name": "尾款", "percent": "70", "condition": "after_final_evaluation"}
        ],
        "rights_obligations": "甲方按约付款并监督；乙方按约提供服务并报送月度报告。",
        "breach_liability": "一方违约的，应赔偿对方因此遭受的损失。",
        "dispute_resolution": {"kind": "arbitration", "body": "银川仲裁委员会"}
    })
}

/// Moves the clock and logs `users` in again.
async fn login_at(app: &mut TestApp, day: &str, users: &[&str]) -> Vec<String> {
    app.set_clock(on(day));
    app.admin_token = app.login("admin", PASSWORD).await;
    let mut out = Vec::new();
    for u in users {
        out.push(app.login(u, PASSWORD).await);
    }
    out
}

#[tokio::test]
async fn ocds_packages_validate_follow_codelists_and_mask_id_numbers() {
    let mut app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "9000000.00").await;
    let (org, _) = qualified_contractor(&app, 1, "org1", "640104").await;
    let person = individual(&app).await;
    let p = awarded(&app, &b, person, org).await;

    // A second project whose only tender failed.
    let failed = published(&app, &b).await;
    {
        let mut conn = app.conn();
        diesel::insert_into(tenders::table)
            .values((
                tenders::project_id.eq(failed),
                tenders::bid_deadline.eq(start_time()),
                tenders::max_price_fen.eq(50_000_000_i64),
                tenders::award_method.eq("lowest_price"),
                tenders::price_weight_bp.eq(10_000),
                tenders::min_full_time_staff.eq(0),
                tenders::min_certified_social_workers.eq(0),
                tenders::min_years_established.eq(0),
                tenders::published_at.eq(start_time()),
            ))
            .execute(&mut *conn)
            .expect("tender");
        diesel::update(projects::table.find(failed))
            .set(projects::status.eq("failed"))
            .execute(&mut *conn)
            .expect("failed");
    }

    // Contract: drafted, signed by both, the first installment paid.
    let t = login_at(&mut app, "2026-03-23", &["officer1"]).await;
    let contract = app
        .post(
            &format!("/api/v1/projects/{p}/contract"),
            Some(&t[0]),
            terms(),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    let t = login_at(&mut app, "2026-03-24", &["officer1", "person"]).await;
    for token in &t {
        app.post(
            &format!("/api/v1/contracts/{contract}/sign"),
            Some(token),
            json!({}),
        )
        .await
        .expect(200);
    }
    let t = login_at(&mut app, "2026-03-25", &["officer1"]).await;
    let schedule = app
        .get(
            &format!("/api/v1/contracts/{contract}/payments"),
            Some(&t[0]),
        )
        .await
        .expect(200)
        .json();
    let first = schedule[0]["id"].as_i64().expect("id");
    app.post(
        &format!("/api/v1/payments/{first}/pay"),
        Some(&t[0]),
        json!({}),
    )
    .await
    .expect(200);

    // The release package.
    let package = app.get("/api/ocds/releases", None).await.expect(200).json();
    validate("release-package-schema.json", &package);
    assert_eq!(package["version"], "1.1");
    assert!(package.get("links").is_none());
    let releases = package["releases"].as_array().expect("releases");
    let mut ids = HashSet::new();
    let mut last = String::new();
    for r in releases {
        check_codelists(r);
        assert!(ids.insert(r["id"].as_str().expect("id").to_owned()), "{r}");
        let d = r["date"].as_str().expect("date").to_owned();
        assert!(d >= last, "ordered by date");
        last = d;
    }
    let number: String = {
        let mut conn = app.conn();
        projects::table
            .find(p)
            .select(projects::number)
            .first(&mut *conn)
            .expect("number")
    };
    let ocid = format!("ocds-sixnorms-{number}");
    let tags: Vec<String> = releases
        .iter()
        .filter(|r| r["ocid"] == ocid.as_str())
        .map(|r| r["tag"][0].as_str().expect("tag").to_owned())
        .collect();
    for tag in [
        "planning",
        "tender",
        "tenderUpdate",
        "award",
        "contract",
        "contractUpdate",
        "implementation",
    ] {
        assert!(tags.iter().any(|t| t == tag), "{tag} in {tags:?}");
    }
    let unsuccessful = releases
        .iter()
        .any(|r| r["tender"]["status"] == "unsuccessful");
    assert!(unsuccessful, "the failed project's tender is unsuccessful");

    // `since` and paging.
    let later = app
        .get("/api/ocds/releases?since=2026-03-24", None)
        .await
        .expect(200)
        .json();
    validate("release-package-schema.json", &later);
    let later = later["releases"].as_array().expect("releases");
    assert!(!later.is_empty() && later.len() < releases.len());
    assert!(
        later
            .iter()
            .all(|r| r["date"].as_str() >= Some("2026-03-23T16:00:00"))
    );
    app.get("/api/ocds/releases?since=soon", None)
        .await
        .expect(422);

    // The record package.
    let record = app
        .get(&format!("/api/ocds/records/{ocid}"), None)
        .await
        .expect(200)
        .json();
    validate("record-package-schema.json", &record);
    let compiled = &record["records"][0]["compiledRelease"];
    check_codelists(compiled);
    assert_eq!(compiled["tag"], json!(["compiled"]));
    assert_eq!(compiled["tender"]["status"], "complete");
    assert_eq!(compiled["tender"]["procurementMethod"], "open");
    assert_eq!(compiled["tender"]["procurementMethodDetails"], "公开招标");
    assert_eq!(compiled["tender"]["numberOfTenderers"], 2);
    assert_eq!(
        compiled["tender"]["value"],
        json!({"amount": 980000.0, "currency": "CNY"})
    );
    assert_eq!(compiled["awards"][0]["status"], "active");
    assert_eq!(compiled["contracts"][0]["status"], "active");
    let transactions = compiled["contracts"][0]["implementation"]["transactions"]
        .as_array()
        .expect("transactions");
    assert_eq!(transactions.len(), 1);
    assert_eq!(transactions[0]["value"]["amount"], json!(270000.0));
    let supplier = compiled["parties"]
        .as_array()
        .expect("parties")
        .iter()
        .find(|party| party["name"] == "张社工")
        .expect("the individual is a party");
    assert_eq!(supplier["identifier"]["id"], "110105********002X");
    let roles = supplier["roles"].as_array().expect("roles");
    for role in ["tenderer", "supplier", "payee"] {
        assert!(roles.contains(&json!(role)), "{role}");
    }

    // Privacy: the raw ID number appears nowhere.
    for text in [package.to_string(), record.to_string()] {
        assert!(!text.contains(RAW_ID));
        assert!(!text.contains(&RAW_ID[6..14]), "the birth date part");
        assert!(text.contains("110105********002X"));
    }

    // Unknown ocids.
    for unknown in ["ocds-sixnorms-nope", "other-prefix-1", &format!("x{ocid}")] {
        app.get(&format!("/api/ocds/records/{unknown}"), None)
            .await
            .expect(404);
    }
}

/// The ids of the releases of every page of `/api/ocds/releases?{query}`, following
/// `links.next` while checking it names the next page; and how many pages there were.
async fn walk_pages(app: &TestApp, query: &str) -> (Vec<(String, String)>, usize) {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let sep = if query.is_empty() { "" } else { "&" };
        let package = app
            .get(&format!("/api/ocds/releases?page={page}{sep}{query}"), None)
            .await
            .expect(200)
            .json();
        if page == 1 {
            validate("release-package-schema.json", &package);
        }
        for r in package["releases"].as_array().expect("releases") {
            out.push((
                r["id"].as_str().expect("id").to_owned(),
                r["date"].as_str().expect("date").to_owned(),
            ));
        }
        let Some(next) = package["links"]["next"].as_str() else {
            return (out, page);
        };
        page += 1;
        assert!(
            next.ends_with(&format!("/api/ocds/releases?page={page}{sep}{query}")),
            "{next}"
        );
        assert!(page < 1000, "paging does not end");
    }
}

#[tokio::test]
async fn paging_yields_every_release_once_in_order_with_and_without_since() {
    let app = spawn_app().await;
    let today = app.state.clock.today();
    let expected: Vec<(String, String)> = {
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
        sixnorms::demo::scale::generate(&mut conn, &app.state.rules, 300, today)
            .expect("scale data");
        // The reference: every project's releases built in memory at once.
        let ids: Vec<i64> = projects::table
            .select(projects::id)
            .load(&mut *conn)
            .expect("projects");
        sixnorms::disclosure::ocds::load(&mut conn, &ids)
            .expect("ocds data")
            .releases(&app.state.settings.ocds, &app.state.rules)
            .into_iter()
            .map(|r| (r.id, sixnorms::clock::rfc3339(r.date)))
            .collect()
    };
    assert!(expected.len() > 1000, "{} releases", expected.len());

    let (paged, pages) = walk_pages(&app, "").await;
    assert!(pages > 5, "{pages} pages");
    let unique: HashSet<&String> = paged.iter().map(|r| &r.0).collect();
    assert_eq!(unique.len(), paged.len(), "a release on two pages");
    assert_eq!(
        paged, expected,
        "every release once, in the reference order"
    );
    assert!(paged.windows(2).all(|w| w[0].1 <= w[1].1), "dates ascend");

    // From the middle: exactly the releases dated at or after `since`.
    let since = expected[expected.len() / 2].1.clone();
    let tail: Vec<(String, String)> = expected.iter().filter(|r| r.1 >= since).cloned().collect();
    let encoded = since.replace(':', "%3A");
    let (paged, pages) = walk_pages(&app, &format!("since={encoded}")).await;
    assert!(pages > 1, "{pages} pages");
    assert_eq!(paged, tail);

    // Past the end: an empty page without a next link.
    let beyond = app
        .get("/api/ocds/releases?page=100000", None)
        .await
        .expect(200)
        .json();
    assert_eq!(beyond["releases"], json!([]));
    assert!(beyond.get("links").is_none());
    app.get("/api/ocds/releases?page=0", None).await.expect(422);
}
