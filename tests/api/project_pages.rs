//! Stored project pages (issue 6 §6, `src/public/project_pages.rs`): `/projects/{id}` is
//! served from `project_page_bodies` while it is current, and every kind of change the page
//! shows — a row of a child table, a row under the contract, a name in another table, a bid
//! deadline passing, a new page format — makes the next request show the change. The stored
//! body is replaced by a marker to tell a stored page from a freshly built one.

use chrono::Duration;
use diesel::prelude::*;
use serde_json::Value;
use sixnorms::audit::Actor;
use sixnorms::db::schema::{
    catalog_items, contractors, contracts, payments, project_page_bodies, project_pages, projects,
    purchasers, regions, tenders,
};
use sixnorms::disclosure::notices::{NewNotice, NoticeKind, publish};
use sixnorms::jobs::{Trigger, run_now};

use crate::browser::load_demo;
use crate::helpers::{TestApp, spawn_app};

/// What a stored body is replaced with.
const MARKER: &str = "<!doctype html><title>stored page</title><p>STORED-PAGE-MARKER</p>";

/// The page as served, once the writer has stored what the request built.
async fn project_page(app: &TestApp, project_id: i64) -> String {
    let text = app
        .get(&format!("/projects/{project_id}"), None)
        .await
        .expect(200)
        .text;
    app.state.project_page_writer.flush().await;
    text
}

/// A change of one name, returning the rows it changed.
type Rename = Box<dyn Fn(&mut sixnorms::db::AnyConnection) -> usize>;

/// (version, built_version, format, fresh_until) of a project's page.
type PageState = (i64, i64, String, Option<chrono::NaiveDateTime>);

fn page_state(app: &TestApp, project_id: i64) -> PageState {
    let mut conn = app.conn();
    project_pages::table
        .find(project_id)
        .select((
            project_pages::version,
            project_pages::built_version,
            project_pages::format,
            project_pages::fresh_until,
        ))
        .first(&mut *conn)
        .expect("project_pages row")
}

/// The stored page, as text (it is stored as bytes).
fn stored_body(app: &TestApp, project_id: i64) -> Option<String> {
    let mut conn = app.conn();
    project_page_bodies::table
        .find(project_id)
        .select(project_page_bodies::body)
        .first::<Vec<u8>>(&mut *conn)
        .optional()
        .expect("body")
        .map(|bytes| String::from_utf8(bytes).expect("a stored page is UTF-8"))
}

/// Replaces the stored body with [`MARKER`] and checks that it is what is served now.
async fn mark_stored(app: &TestApp, project_id: i64) {
    let marked = {
        let mut conn = app.conn();
        diesel::update(project_page_bodies::table.find(project_id))
            .set(project_page_bodies::body.eq(MARKER.as_bytes()))
            .execute(&mut *conn)
            .expect("mark")
    };
    assert_eq!(marked, 1, "project {project_id} has a stored page");
    assert_eq!(project_page(app, project_id).await, MARKER);
}

/// The demo's completed contract: (project, contract, contractor).
fn completed(app: &TestApp) -> (i64, i64, i64) {
    let mut conn = app.conn();
    contracts::table
        .filter(contracts::status.eq("completed"))
        .select((
            contracts::project_id,
            contracts::id,
            contracts::contractor_id,
        ))
        .first(&mut *conn)
        .expect("completed contract")
}

async fn job(app: &TestApp) -> Value {
    let run = run_now(&app.state, "build_project_pages", Trigger::Manual)
        .await
        .expect("build_project_pages");
    assert_eq!(run.outcome, "ok", "{:?}", run.detail);
    serde_json::from_str(run.detail.as_deref().unwrap_or("{}")).expect("detail JSON")
}

fn due_count(app: &TestApp) -> i64 {
    let mut conn = app.conn();
    project_pages::table
        .filter(
            project_pages::built_version
                .ne(project_pages::version)
                .or(project_pages::format.ne(app.state.project_page_format.as_ref())),
        )
        .count()
        .get_result(&mut *conn)
        .expect("count")
}

#[tokio::test]
async fn a_page_is_stored_on_first_request_and_served_from_the_store() {
    let app = spawn_app().await;
    load_demo(&app);
    let (project_id, _, _) = completed(&app);
    let (version, built, _, _) = page_state(&app, project_id);
    assert_ne!(version, built, "a new project's page is due");
    assert_eq!(stored_body(&app, project_id), None);

    let reply = app
        .get(&format!("/projects/{project_id}"), None)
        .await
        .expect(200);
    assert!(reply.text.contains("签订合同"));
    app.state.project_page_writer.flush().await;
    let (version, built, format, fresh_until) = page_state(&app, project_id);
    assert_eq!(built, version);
    assert_eq!(format, app.state.project_page_format.as_ref());
    assert_eq!(
        fresh_until, None,
        "nothing on a completed project waits for a deadline"
    );
    assert_eq!(
        stored_body(&app, project_id).as_deref(),
        Some(reply.text.as_str())
    );
    // The stored copy is what is served, with the stored ETag.
    mark_stored(&app, project_id).await;
    let etag = reply
        .headers
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    let again = app.get(&format!("/projects/{project_id}"), None).await;
    assert_eq!(
        again
            .headers
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok()),
        Some(etag.as_str())
    );

    // A page of another format (an older build's) is built again, not served.
    {
        let mut conn = app.conn();
        diesel::update(project_pages::table.find(project_id))
            .set(project_pages::format.eq("0123456789abcdef"))
            .execute(&mut *conn)
            .expect("format");
    }
    let rebuilt = project_page(&app, project_id).await;
    assert_ne!(rebuilt, MARKER);
    assert_eq!(rebuilt, reply.text);
    assert_eq!(
        page_state(&app, project_id).2,
        app.state.project_page_format.as_ref()
    );

    // An unknown project is still a 404.
    app.get("/projects/999999999", None).await.expect(404);
}

#[tokio::test]
async fn every_kind_of_change_shows_on_the_next_request() {
    let app = spawn_app().await;
    load_demo(&app);
    let (project_id, contract_id, contractor_id) = completed(&app);
    let (purchaser_id, region_code, year, item_code): (i64, String, i32, String) = {
        let mut conn = app.conn();
        projects::table
            .find(project_id)
            .select((
                projects::purchaser_id,
                projects::region_code,
                projects::year,
                projects::catalog_item_code,
            ))
            .first(&mut *conn)
            .expect("project")
    };
    project_page(&app, project_id).await;

    // A child row: a notice of the project.
    mark_stored(&app, project_id).await;
    {
        let mut conn = app.conn();
        let now = app.state.clock.now();
        publish(
            &mut conn,
            &Actor::system("test", now),
            &NewNotice {
                kind: NoticeKind::Correction,
                project_id: Some(project_id),
                purchaser_id,
                region_code: region_code.clone(),
                title: "关于服务场地变更的补充公告".to_owned(),
                body_html: "<p>补充公告</p>".to_owned(),
                due_by: None,
                created_by: None,
            },
        )
        .expect("publish");
    }
    let html = project_page(&app, project_id).await;
    assert!(
        html.contains("关于服务场地变更的补充公告"),
        "the new notice"
    );

    // A row under the contract: a payment.
    mark_stored(&app, project_id).await;
    {
        let mut conn = app.conn();
        let first: i64 = payments::table
            .filter(payments::contract_id.eq(contract_id))
            .order(payments::position.asc())
            .select(payments::id)
            .first(&mut *conn)
            .expect("payment");
        diesel::update(payments::table.find(first))
            .set(payments::name.eq("首期服务款（调整）"))
            .execute(&mut *conn)
            .expect("rename payment");
    }
    assert!(
        project_page(&app, project_id)
            .await
            .contains("首期服务款（调整）")
    );

    // Names kept in other tables.
    let renames: [(&str, Rename); 4] = [
        ("新名称社会工作服务中心", {
            Box::new(move |conn| {
                diesel::update(contractors::table.find(contractor_id))
                    .set(contractors::name.eq("新名称社会工作服务中心"))
                    .execute(conn)
                    .expect("contractor")
            })
        }),
        ("更名后的民政局", {
            Box::new(move |conn| {
                diesel::update(purchasers::table.find(purchaser_id))
                    .set(purchasers::name.eq("更名后的民政局"))
                    .execute(conn)
                    .expect("purchaser")
            })
        }),
        ("更名后的目录项目", {
            let item_code = item_code.clone();
            Box::new(move |conn| {
                diesel::update(
                    catalog_items::table
                        .filter(catalog_items::year.eq(year))
                        .filter(catalog_items::code.eq(&item_code)),
                )
                .set(catalog_items::name.eq("更名后的目录项目"))
                .execute(conn)
                .expect("catalog item")
            })
        }),
        ("更名后的街道", {
            let region_code = region_code.clone();
            Box::new(move |conn| {
                diesel::update(regions::table.find(&region_code))
                    .set(regions::name.eq("更名后的街道"))
                    .execute(conn)
                    .expect("region")
            })
        }),
    ];
    for (new_name, rename) in renames {
        mark_stored(&app, project_id).await;
        let changed = {
            let mut conn = app.conn();
            rename(&mut conn)
        };
        assert_eq!(changed, 1, "{new_name}");
        let html = project_page(&app, project_id).await;
        assert!(
            html.contains(new_name),
            "{new_name} missing after the rename"
        );
    }

    // A write that changes nothing the page shows of *this* project leaves it stored.
    mark_stored(&app, project_id).await;
    {
        let mut conn = app.conn();
        let other: i64 = projects::table
            .filter(projects::id.ne(project_id))
            .select(projects::id)
            .first(&mut *conn)
            .expect("another project");
        diesel::update(projects::table.find(other))
            .set(projects::summary.eq("另一个项目的新简介"))
            .execute(&mut *conn)
            .expect("other project");
    }
    assert_eq!(project_page(&app, project_id).await, MARKER);
}

#[tokio::test]
async fn a_page_is_rebuilt_when_the_bid_deadline_it_mentions_passes() {
    let app = spawn_app().await;
    load_demo(&app);
    let (project_id, deadline) = {
        let mut conn = app.conn();
        tenders::table
            .inner_join(projects::table)
            .filter(tenders::opened_at.is_null())
            .filter(projects::status.eq("tendering"))
            .select((projects::id, tenders::bid_deadline))
            .first::<(i64, chrono::NaiveDateTime)>(&mut *conn)
            .expect("tendering project")
    };
    assert!(
        deadline > app.state.clock.now(),
        "the demo's deadline is ahead"
    );
    let html = project_page(&app, project_id).await;
    assert!(html.contains("投标截止前"), "before the deadline");
    assert_eq!(page_state(&app, project_id).3, Some(deadline));

    // One second before the deadline the stored page still holds.
    app.set_clock(deadline - Duration::seconds(1));
    mark_stored(&app, project_id).await;
    // At the deadline it is built again and says the bids wait for the opening.
    app.set_clock(deadline);
    let html = project_page(&app, project_id).await;
    assert_ne!(html, MARKER);
    assert!(html.contains("已过投标截止时间"), "after the deadline");
    assert_eq!(
        page_state(&app, project_id).3,
        None,
        "no deadline ahead any more"
    );
}

#[tokio::test]
async fn the_job_builds_every_due_page_and_only_those() {
    let app = spawn_app().await;
    load_demo(&app);
    let projects_count: i64 = {
        let mut conn = app.conn();
        projects::table
            .count()
            .get_result(&mut *conn)
            .expect("count")
    };
    assert!(projects_count > 3);
    assert_eq!(due_count(&app), projects_count, "every new page is due");

    let detail = job(&app).await;
    assert_eq!(detail["built"], projects_count, "{detail}");
    assert_eq!(detail["more_due"], false);
    assert_eq!(due_count(&app), 0);
    let (project_id, _, contractor_id) = completed(&app);
    mark_stored(&app, project_id).await;
    assert_eq!(job(&app).await["built"], 0, "nothing is due");

    // A contractor's rename makes due exactly the pages that name it.
    let naming: i64 = {
        let mut conn = app.conn();
        let renamed = diesel::update(contractors::table.find(contractor_id))
            .set(contractors::name.eq("任务重建社会工作服务中心"))
            .execute(&mut *conn)
            .expect("rename");
        assert_eq!(renamed, 1);
        use sixnorms::db::schema::{awards, bids};
        let mut ids: Vec<i64> = bids::table
            .filter(bids::contractor_id.eq(contractor_id))
            .select(bids::project_id)
            .load(&mut *conn)
            .expect("bids");
        ids.extend(
            awards::table
                .filter(awards::contractor_id.eq(contractor_id))
                .select(awards::project_id)
                .load::<i64>(&mut *conn)
                .expect("awards"),
        );
        ids.extend(
            contracts::table
                .filter(contracts::contractor_id.eq(contractor_id))
                .select(contracts::project_id)
                .load::<i64>(&mut *conn)
                .expect("contracts"),
        );
        ids.sort_unstable();
        ids.dedup();
        ids.len() as i64
    };
    assert!(naming >= 1);
    assert_eq!(due_count(&app), naming);
    assert_eq!(job(&app).await["built"], naming);
    let html = stored_body(&app, project_id).expect("stored");
    assert!(html.contains("任务重建社会工作服务中心"));
    assert_eq!(project_page(&app, project_id).await, html);
}

#[tokio::test]
async fn the_writer_stores_queued_pages_but_never_one_whose_project_changed_meanwhile() {
    use sixnorms::public::project_pages::build;

    let app = spawn_app().await;
    load_demo(&app);
    let ids: Vec<i64> = {
        let mut conn = app.conn();
        projects::table
            .order(projects::id.asc())
            .select(projects::id)
            .load(&mut *conn)
            .expect("projects")
    };
    assert!(ids.len() >= 3, "the demo has several projects");
    let now = app.state.clock.now();
    // Every page built first, as concurrent requests would, before any is stored.
    let pages: Vec<_> = {
        let mut conn = app.conn();
        ids.iter()
            .map(|&id| {
                let (page, built) = build(
                    &mut conn,
                    &app.state.rules,
                    &app.state.project_page_format,
                    now,
                    id,
                )
                .expect("build");
                (id, page, built.expect("an existing project"))
            })
            .collect()
    };
    // The first project changes after its page was built and before the writer gets to it.
    let changed = ids[0];
    {
        let mut conn = app.conn();
        diesel::update(projects::table.find(changed))
            .set(projects::summary.eq("构建期间改过的项目概况"))
            .execute(&mut *conn)
            .expect("change");
    }
    for (_, page, built) in &pages {
        assert!(
            app.state
                .project_page_writer
                .submit(built.clone(), page.clone())
        );
    }
    // The second page twice: the later copy is the one kept.
    let (_, page, built) = &pages[1];
    assert!(
        app.state
            .project_page_writer
            .submit(built.clone(), page.clone())
    );
    app.state.project_page_writer.flush().await;

    let (version, built_version, _, _) = page_state(&app, changed);
    assert_ne!(
        built_version, version,
        "the changed project's page is still due"
    );
    assert_eq!(
        stored_body(&app, changed),
        None,
        "its stale page was not stored"
    );
    for (id, page, _) in &pages[1..] {
        let (version, built_version, format, _) = page_state(&app, *id);
        assert_eq!(built_version, version, "project {id}'s page is stored");
        assert_eq!(format, app.state.project_page_format.as_ref());
        assert_eq!(
            stored_body(&app, *id).as_deref().map(str::as_bytes),
            Some(page.body.as_ref()),
            "project {id}'s stored body is the page built"
        );
    }

    // The next request builds the changed project's page afresh, and that one is stored.
    let html = project_page(&app, changed).await;
    assert!(html.contains("构建期间改过的项目概况"));
    let (version, built_version, _, _) = page_state(&app, changed);
    assert_eq!(built_version, version);
    assert_eq!(stored_body(&app, changed).as_deref(), Some(html.as_str()));
}

#[tokio::test]
async fn a_run_of_the_job_stops_when_its_time_budget_is_spent() {
    use sixnorms::public::project_pages::{BUILD_BATCH, build_due};

    let app = spawn_app().await;
    load_demo(&app);
    let due = due_count(&app);
    assert!(due > 0);
    let now = app.state.clock.now();
    let format = app.state.project_page_format.clone();
    let spent = build_due(
        &app.state.db,
        &app.state.rules,
        &format,
        now,
        BUILD_BATCH,
        std::time::Duration::ZERO,
    )
    .expect("run");
    assert_eq!(spent.built, 0, "{spent:?}");
    assert!(spent.more_due, "the pages left are said to be due");
    assert_eq!(due_count(&app), due);

    let whole = build_due(
        &app.state.db,
        &app.state.rules,
        &format,
        now,
        BUILD_BATCH,
        std::time::Duration::from_secs(600),
    )
    .expect("run");
    assert_eq!(whole.built, due as u64, "{whole:?}");
    assert!(!whole.more_due);
    assert_eq!(due_count(&app), 0);
}
