//! The demo data: every party kind and status, stations whose coverage resembles published
//! figures, and a second load that adds nothing.

use crate::helpers::{TestApp, spawn_app};

fn load(app: &TestApp) -> sixnorms::demo::DemoSummary {
    let mut conn = app.conn();
    sixnorms::demo::load(
        &mut conn,
        &app.state.settings,
        &app.state.rules,
        &app.state.calendar,
        app.state.clock.now(),
        app.state.clock.today(),
    )
    .expect("demo loads")
}

#[tokio::test]
async fn demo_parties_and_stations_load_once() {
    let app = spawn_app().await;
    let first = load(&app);
    assert!(first.stations > 80, "{first:?}");
    let tables = [
        "purchasers",
        "contractors",
        "users",
        "stations",
        "contractor_violations",
        "projects",
        "contracts",
        "payments",
        "service_reports",
        "performance_evaluations",
        "notices",
        "audit_log",
    ];
    let counts = app.counts(&tables);
    let second = load(&app);
    assert_eq!(second.accounts, 0);
    assert_eq!(second.stations, 0);
    assert_eq!(second.projects, 0);
    assert_eq!(second.contracts, 0);
    assert_eq!(first.projects, 7);
    assert_eq!(first.contracts, 3);
    assert_eq!(app.counts(&tables), counts, "a second load adds nothing");

    let purchasers = app
        .get("/api/v1/purchasers?per_page=100", None)
        .await
        .expect(200)
        .json();
    let items = purchasers["items"].as_array().expect("items");
    assert_eq!(items.len(), 6);
    let ineligible: Vec<&str> = items
        .iter()
        .filter(|p| p["eligibility"]["eligible"] == false)
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(ineligible, vec!["银川市兴庆区社会福利院"]);

    let all = app
        .get("/api/v1/contractors?per_page=100", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    let statuses: Vec<&str> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["status"].as_str())
        .collect();
    assert!(statuses.len() >= 10, "{statuses:?}");
    for status in ["qualified", "pending", "rejected", "suspended"] {
        assert!(statuses.contains(&status), "no {status}: {statuses:?}");
    }
    let kinds: Vec<&str> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["kind"].as_str())
        .collect();
    for kind in [
        "social_organization",
        "enterprise",
        "rural_collective",
        "individual",
    ] {
        assert!(kinds.contains(&kind), "no {kind}");
    }
    // The barred one fails its violation check.
    let dexin = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["name"] == "宁夏德信社会工作服务中心")
        .expect("dexin");
    let report = app
        .get(
            &format!("/api/v1/contractors/{}/qualification", dexin["id"]),
            Some(&app.admin_token),
        )
        .await
        .expect(200)
        .json();
    let violation = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["code"] == "no_major_violation_3y")
        .expect("check")
        .clone();
    assert_eq!(violation["passed"], false);

    // Coverage resembling published figures.
    let rate = |code: &str| {
        let app = &app;
        let code = code.to_owned();
        async move {
            app.get(&format!("/api/v1/stats/coverage?region_code={code}"), None)
                .await
                .expect(200)
                .json()["coverage_rate"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        }
    };
    assert_eq!(rate("320509").await, "90.91");
    assert_eq!(rate("532500").await, "100.00");
    assert_eq!(rate("350105").await, "75.00");
    assert_eq!(rate("640104").await, "81.25");

    // Demo officers are linked to their purchasers and can sign in.
    let token = app.login("officer", sixnorms::demo::DEMO_PASSWORD).await;
    let me = app.get("/api/v1/me", Some(&token)).await.expect(200).json();
    assert_eq!(me["purchaser_id"], items[1]["id"]);
    let contractor = app.login("contractor", sixnorms::demo::DEMO_PASSWORD).await;
    let me = app
        .get("/api/v1/me", Some(&contractor))
        .await
        .expect(200)
        .json();
    assert!(me["contractor_id"].is_i64(), "{me}");
}

#[tokio::test]
async fn demo_projects_cover_every_procurement_state() {
    let app = spawn_app().await;
    load(&app);
    let all = app
        .get("/api/v1/projects?per_page=100", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    let mut statuses: Vec<String> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["status"].as_str().map(str::to_owned))
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        vec![
            "awarded",
            "cancelled",
            "completed",
            "draft",
            "evaluating",
            "failed",
            "in_service",
            "intention_published",
            "tendering",
            "terminated"
        ]
    );
    let titles: Vec<&str> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["title"].as_str())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("兴庆区困难群众社会工作服务项目")),
        "{titles:?}"
    );
    // The tendering project's bids stay sealed; the awarded one has its notice.
    let tendering = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["status"] == "tendering")
        .expect("tendering");
    let sealed = app
        .get(
            &format!("/api/v1/projects/{}/bids", tendering["id"]),
            Some(&app.admin_token),
        )
        .await
        .expect(403);
    assert_eq!(sealed.code(), "bids_sealed");
    let awards = app
        .get("/api/v1/notices?kind=award", None)
        .await
        .expect(200)
        .json();
    assert_eq!(awards["total"], 4);
    let failures = app
        .get("/api/v1/notices?kind=failure", None)
        .await
        .expect(200)
        .json();
    assert_eq!(failures["total"], 1);
    let verify = app
        .get("/api/v1/audit/verify", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    assert_eq!(verify["ok"], true);
}

#[tokio::test]
async fn demo_contracts_cover_service_evaluation_payment_and_termination() {
    let app = spawn_app().await;
    let summary = load(&app);
    assert_eq!(summary.contracts, 3, "{summary:?}");
    let contracts = app
        .get("/api/v1/contracts?per_page=100", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    let items = contracts["items"].as_array().expect("items").clone();
    let mut statuses: Vec<&str> = items.iter().filter_map(|c| c["status"].as_str()).collect();
    statuses.sort();
    assert_eq!(statuses, vec!["active", "completed", "terminated"]);
    let by_status = |status: &str| {
        items
            .iter()
            .find(|c| c["status"] == status)
            .cloned()
            .expect("contract")
    };

    // In service: monthly reports accepted (one was returned and resubmitted), the mid-term
    // graded and its installment paid.
    let active = by_status("active");
    let reports = app
        .get(
            &format!("/api/v1/contracts/{}/reports", active["id"]),
            Some(&app.admin_token),
        )
        .await
        .expect(200)
        .json();
    let reports = reports.as_array().expect("reports").clone();
    assert!(reports.len() >= 3, "{reports:?}");
    assert!(
        reports.iter().all(|r| r["status"] == "accepted"),
        "{reports:?}"
    );
    let evaluations = |id: serde_json::Value| {
        let app = &app;
        async move {
            app.get(
                &format!("/api/v1/contracts/{id}/evaluations"),
                Some(&app.admin_token),
            )
            .await
            .expect(200)
            .json()
        }
    };
    let mid = evaluations(active["id"].clone()).await;
    let mid = mid.as_array().expect("evaluations").clone();
    assert_eq!(mid.len(), 1, "{mid:?}");
    assert_eq!(mid[0]["kind"], "midterm");
    assert_eq!(mid[0]["status"], "graded");
    let conditions = |contract: &serde_json::Value| -> Vec<(String, String)> {
        contract["payment_schedule"]
            .as_array()
            .expect("schedule")
            .iter()
            .map(|p| {
                (
                    p["condition"].as_str().unwrap_or("").to_owned(),
                    p["status"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let paid = |c: &str| (c.to_owned(), "paid".to_owned());
    assert_eq!(
        conditions(&active),
        vec![
            paid("on_signing"),
            paid("after_midterm_evaluation"),
            ("after_final_evaluation".to_owned(), "scheduled".to_owned())
        ]
    );

    // Completed: a final grade of 良好 or 优秀 and every installment paid.
    let completed = by_status("completed");
    let graded = evaluations(completed["id"].clone()).await;
    let final_eval = graded
        .as_array()
        .expect("evaluations")
        .iter()
        .find(|e| e["kind"] == "final")
        .cloned()
        .expect("final");
    assert_eq!(final_eval["status"], "graded");
    assert!(
        ["excellent", "good"].contains(&final_eval["grade"].as_str().unwrap_or("")),
        "{final_eval}"
    );
    assert!(
        conditions(&completed).iter().all(|(_, s)| s == "paid"),
        "{completed}"
    );

    // Terminated with a reason; the unpaid installments withheld.
    let terminated = by_status("terminated");
    assert!(
        terminated["termination_reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    assert_eq!(
        conditions(&terminated),
        vec![
            paid("on_signing"),
            ("after_midterm_evaluation".to_owned(), "withheld".to_owned()),
            ("after_final_evaluation".to_owned(), "withheld".to_owned())
        ]
    );

    // The public notices: contract, evaluation and termination.
    for (kind, total) in [("contract", 3), ("evaluation", 3), ("termination", 1)] {
        let notices = app
            .get(&format!("/api/v1/notices?kind={kind}"), None)
            .await
            .expect(200)
            .json();
        assert_eq!(notices["total"], total, "{kind}: {notices}");
    }
    let verify = app
        .get("/api/v1/audit/verify", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    assert_eq!(verify["ok"], true, "{verify}");
}

/// `SELECT … GROUP BY` of one column, as (value, count) sorted by value.
fn counts_by(app: &TestApp, table: &str, column: &str) -> Vec<(String, i64)> {
    use diesel::prelude::*;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.conn();
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT {column} AS value, CAST(COUNT(*) AS BIGINT) AS n FROM {table} \
         GROUP BY {column} ORDER BY {column}"
    ))
    .load(&mut conn)
    .expect("group by");
    rows.into_iter().map(|r| (r.value, r.n)).collect()
}

#[tokio::test]
async fn scale_data_covers_every_state_consistently_and_tops_up_once() {
    let app = spawn_app().await;
    load(&app);
    let today = app.state.clock.today();
    let generate = |target| {
        let mut conn = app.conn();
        sixnorms::demo::scale::generate(&mut conn, &app.state.rules, target, today)
            .expect("scale data")
    };
    let first = generate(400);
    assert_eq!(first.projects, 400);
    assert!(first.contracts > 100, "{first:?}");

    let statuses: Vec<String> = counts_by(&app, "projects", "status")
        .into_iter()
        .map(|(status, _)| status)
        .collect();
    for status in [
        "draft",
        "intention_published",
        "tendering",
        "evaluating",
        "awarded",
        "in_service",
        "completed",
        "failed",
        "terminated",
    ] {
        assert!(
            statuses.iter().any(|s| s == status),
            "{status} in {statuses:?}"
        );
    }
    let kinds: Vec<String> = counts_by(&app, "notices", "kind")
        .into_iter()
        .map(|(kind, _)| kind)
        .collect();
    for kind in [
        "intention",
        "tender",
        "opening",
        "failure",
        "award",
        "contract",
        "evaluation",
        "termination",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }

    // Every generated notice carries its project's title, as a published one does.
    let untitled = crate::helpers::notices_without_their_project_title(&mut app.conn());
    assert_eq!(untitled, 0);

    // Only eligible purchasers buy: the demo's 公益一类 welfare institution never does.
    let ineligible: i64 = {
        use diesel::prelude::*;
        use sixnorms::db::schema::{projects, purchasers};
        let mut conn = app.conn();
        projects::table
            .inner_join(purchasers::table)
            .filter(purchasers::kind.eq("public_institution_class1"))
            .count()
            .get_result(&mut conn)
            .expect("count")
    };
    assert_eq!(ineligible, 0);

    // Nothing is dated after today, and every contract rests on its project's active award.
    use diesel::prelude::*;
    use sixnorms::db::schema::{awards, contracts, notices, projects};
    let mut conn = app.conn();
    let end_of_today = (today + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .expect("midnight");
    let future: i64 = notices::table
        .filter(notices::published_at.ge(end_of_today))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(future, 0);
    let mismatched: i64 = contracts::table
        .inner_join(awards::table.on(awards::id.eq(contracts::award_id)))
        .inner_join(projects::table.on(projects::id.eq(contracts::project_id)))
        .filter(
            awards::project_id
                .ne(contracts::project_id)
                .or(awards::contractor_id.ne(contracts::contractor_id))
                .or(awards::price_fen.ne(contracts::amount_fen))
                .or(projects::status.eq_any(["draft", "tendering", "failed"])),
        )
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(mismatched, 0);
    drop(conn);

    // The generated notices are served like any other, and ordinary work still fits the budgets.
    let list = app
        .get("/api/v1/notices?kind=award&per_page=5", None)
        .await
        .expect(200)
        .json();
    assert!(list["total"].as_i64().expect("total") > 50, "{list}");

    let tables = ["projects", "notices", "contracts", "bids", "budgets"];
    let counts = app.counts(&tables);
    let second = generate(400);
    assert_eq!(second.projects, 0);
    assert_eq!(app.counts(&tables), counts, "the same target adds nothing");
    let topped = generate(450);
    assert_eq!(topped.projects, 50);
}
