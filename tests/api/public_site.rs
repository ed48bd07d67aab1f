//! The public HTML site: home, the notice list (each filter, pagination), one notice, the
//! project timeline (sealed bids stay unseen), the contractor record (masked ID, escaped
//! names), statistics (the SQL figures agree with the compliance API), the Atom feed, and
//! the HTTP caching every page carries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use serde_json::Value;
use sixnorms::audit::Actor;
use sixnorms::db::schema::{bids, contractors, contracts, notices, projects, purchasers, tenders};
use sixnorms::disclosure::notices::{NewNotice, NoticeKind, publish};
use sixnorms::domain::money::{format_yuan, from_fen};

use crate::factories;
use crate::helpers::{Reply, TestApp, at, notices_without_their_project_title, spawn_app};

const SCRIPT: &str = "<script>alert(1)</script>";
/// How askama escapes [`SCRIPT`] (numeric character references).
const SCRIPT_ESCAPED: &str = "&#60;script&#62;alert(1)&#60;/script&#62;";

fn load_demo(app: &TestApp) {
    let mut conn = app.conn();
    sixnorms::demo::load(
        &mut conn,
        &app.state.settings,
        &app.state.rules,
        &app.state.calendar,
        app.state.clock.now(),
        app.state.clock.today(),
    )
    .expect("demo loads");
}

fn yuan(fen: i64) -> String {
    format_yuan(from_fen(fen))
}

/// Publishes a notice directly (no project) and returns its id.
fn notice(
    app: &TestApp,
    kind: NoticeKind,
    purchaser_id: i64,
    region: &str,
    title: &str,
    published_at: NaiveDateTime,
    due_by: Option<NaiveDate>,
) -> i64 {
    let mut conn = app.conn();
    publish(
        &mut conn,
        &Actor::system("test", published_at),
        &NewNotice {
            kind,
            project_id: None,
            purchaser_id,
            region_code: region.to_owned(),
            title: title.to_owned(),
            body_html: "<section class=\"notice\"><p>测试公告正文</p></section>".to_owned(),
            due_by,
            created_by: None,
        },
    )
    .expect("publish")
    .id
}

/// A GET of a page, asserting a 200 HTML page with a viewport and a non-empty `<title>`.
async fn page(app: &TestApp, path: &str) -> String {
    let reply = app.get(path, None).await.expect(200);
    let content_type = reply
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        content_type.starts_with("text/html"),
        "{path}: {content_type}"
    );
    assert!(
        reply.text.contains("<meta name=\"viewport\""),
        "{path}: no viewport"
    );
    assert!(!title_of(&reply.text).is_empty(), "{path}: no title");
    reply.text
}

fn title_of(html: &str) -> String {
    html.split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map(|(title, _)| title.trim().to_owned())
        .unwrap_or_default()
}

/// The number of rows in the notice table of a list page.
fn listed_ids(html: &str) -> Vec<i64> {
    html.split("<td><a href=\"/notices/")
        .skip(1)
        .filter_map(|part| part.split('"').next()?.parse().ok())
        .collect()
}

/// The href of a link with `rel`, unescaped.
fn rel_link(html: &str, rel: &str) -> Option<String> {
    let marker = format!("<a rel=\"{rel}\" href=\"");
    let (_, rest) = html.split_once(&marker)?;
    Some(rest.split('"').next()?.replace("&#38;", "&"))
}

fn api_total(json: &Value) -> i64 {
    json["total"].as_i64().expect("total")
}

fn api_ids(json: &Value) -> Vec<i64> {
    json["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|n| n["id"].as_i64())
        .collect()
}

/// `(purchaser id)` of 兴庆区民政局 and a second purchaser in 苏州市吴江区 with three notices
/// (2025 tender, 2026 award, 2026 intention whose title carries a script tag).
struct Extra {
    other: i64,
    tender_2025: i64,
    award_2026: i64,
    intention_2026: i64,
}

async fn extra_notices(app: &TestApp) -> Extra {
    let other = factories::purchaser(
        app,
        "苏州市吴江区民政局",
        "government_department",
        "320509",
        901,
    )
    .await;
    let tender_2025 = notice(
        app,
        NoticeKind::Tender,
        other,
        "320509001",
        "吴江测试养老服务项目采购公告",
        at("2025-06-10 02:00:00"),
        None,
    );
    let award_2026 = notice(
        app,
        NoticeKind::Award,
        other,
        "320509",
        "吴江测试养老服务项目中标（成交）结果公告",
        at("2026-01-20 02:00:00"),
        Some(NaiveDate::from_ymd_opt(2026, 1, 19).expect("date")),
    );
    let intention_2026 = notice(
        app,
        NoticeKind::Intention,
        other,
        "320509",
        &format!("吴江测试儿童关爱项目采购意向公告{SCRIPT}"),
        at("2026-02-05 02:00:00"),
        None,
    );
    Extra {
        other,
        tender_2025,
        award_2026,
        intention_2026,
    }
}

#[tokio::test]
async fn home_shows_headline_figures_and_the_newest_notices() {
    let app = spawn_app().await;
    load_demo(&app);
    let html = page(&app, "/").await;
    assert!(title_of(&html).starts_with("首页"), "{}", title_of(&html));

    let (project_count, contractor_count, contracted): (i64, i64, Option<i64>) = {
        let mut conn = app.conn();
        let p = projects::table
            .count()
            .get_result(&mut *conn)
            .expect("projects");
        let c = contractors::table
            .count()
            .get_result(&mut *conn)
            .expect("contractors");
        let amounts: Vec<i64> = contracts::table
            .filter(contracts::status.ne("draft"))
            .select(contracts::amount_fen)
            .load(&mut *conn)
            .expect("contracts");
        (p, c, Some(amounts.iter().sum()))
    };
    assert!(project_count >= 7 && contracted.unwrap_or(0) > 0);
    assert!(
        html.contains(&format!("购买项目<b>{project_count} 个</b>")),
        "{html}"
    );
    assert!(html.contains(&format!("<b>{}</b>", yuan(contracted.unwrap_or(0)))));
    assert!(html.contains(&format!("承接主体<b>{contractor_count} 家</b>")));
    let year_total = api_total(
        &app.get("/api/v1/notices?year=2026", None)
            .await
            .expect(200)
            .json(),
    );
    assert!(html.contains(&format!("2026年发布公告<b>{year_total} 条</b>")));
    assert!(html.contains("按时发布率 "), "{html}");

    // The ten newest notices, in the API's order.
    let newest = app
        .get("/api/v1/notices?per_page=10", None)
        .await
        .expect(200)
        .json();
    let mut last = 0;
    for item in newest["items"].as_array().expect("items") {
        let link = format!("<a href=\"/notices/{}\">", item["id"]);
        let position = html.find(&link).unwrap_or_else(|| panic!("{link} missing"));
        assert!(position > last, "out of order: {link}");
        last = position;
    }
    assert_eq!(html.matches("<li><span class=\"when\">").count(), 10);
}

#[tokio::test]
async fn the_notice_list_filters_and_paginates() {
    let app = spawn_app().await;
    load_demo(&app);
    let extra = extra_notices(&app).await;

    // Unfiltered: the API's first page in its order, and the total.
    let all = app.get("/api/v1/notices", None).await.expect(200).json();
    let html = page(&app, "/notices").await;
    assert!(html.contains(&format!("共 {} 条公告", api_total(&all))));
    assert_eq!(listed_ids(&html), api_ids(&all));
    assert!(!html.contains(SCRIPT), "titles are escaped");
    assert!(html.contains(SCRIPT_ESCAPED));

    // Each filter narrows the list exactly as the API does, and shows its selection.
    let by_purchaser = format!("purchaser_id={}", extra.other);
    let combined = format!("kind=award&purchaser_id={}&year=2026", extra.other);
    let cases = [
        (
            "kind=award",
            vec![extra.award_2026],
            vec![extra.tender_2025],
        ),
        (
            by_purchaser.as_str(),
            vec![extra.tender_2025, extra.award_2026, extra.intention_2026],
            vec![],
        ),
        (
            "region_code=320500",
            vec![extra.tender_2025, extra.award_2026, extra.intention_2026],
            vec![],
        ),
        ("region_code=640104", vec![], vec![extra.award_2026]),
        (
            "year=2025",
            vec![extra.tender_2025],
            vec![extra.award_2026, extra.intention_2026],
        ),
        (
            "q=%E5%90%B4%E6%B1%9F%E6%B5%8B%E8%AF%95",
            vec![extra.tender_2025, extra.award_2026, extra.intention_2026],
            vec![],
        ),
        (
            combined.as_str(),
            vec![extra.award_2026],
            vec![extra.tender_2025, extra.intention_2026],
        ),
    ];
    for (query, present, absent) in cases {
        let api = app
            .get(&format!("/api/v1/notices?per_page=100&{query}"), None)
            .await
            .expect(200)
            .json();
        let html = page(&app, &format!("/notices?per_page=100&{query}")).await;
        assert!(
            html.contains(&format!("共 {} 条公告", api_total(&api))),
            "{query}"
        );
        let ids = listed_ids(&html);
        assert_eq!(ids, api_ids(&api), "{query}");
        for id in present {
            assert!(ids.contains(&id), "{query}: {id} missing from {ids:?}");
        }
        for id in absent {
            assert!(!ids.contains(&id), "{query}: {id} should be filtered out");
        }
        assert!(title_of(&html).contains("筛选结果"), "{query}");
    }
    let purchaser_only = api_ids(
        &app.get(
            &format!("/api/v1/notices?purchaser_id={}", extra.other),
            None,
        )
        .await
        .expect(200)
        .json(),
    );
    assert_eq!(purchaser_only.len(), 3);
    let chosen = page(
        &app,
        &format!("/notices?kind=award&year=2025&purchaser_id={}", extra.other),
    )
    .await;
    assert!(chosen.contains("<option value=\"award\" selected>"));
    assert!(chosen.contains("<option value=\"2025\" selected>"));
    assert!(chosen.contains(&format!("<option value=\"{}\" selected>", extra.other)));
    assert!(chosen.contains("没有符合条件的公告"));

    // Pagination keeps the filters: three notices two per page.
    let first = page(
        &app,
        &format!("/notices?purchaser_id={}&per_page=2", extra.other),
    )
    .await;
    assert_eq!(
        listed_ids(&first),
        vec![extra.intention_2026, extra.award_2026]
    );
    assert!(first.contains("第 1 / 2 页"));
    assert!(rel_link(&first, "prev").is_none());
    let next = rel_link(&first, "next").expect("next link");
    assert_eq!(
        next,
        format!("/notices?purchaser_id={}&per_page=2&page=2", extra.other)
    );
    let second = page(&app, &next).await;
    assert_eq!(listed_ids(&second), vec![extra.tender_2025]);
    assert!(rel_link(&second, "next").is_none());
    assert_eq!(
        rel_link(&second, "prev").expect("prev link"),
        format!("/notices?purchaser_id={}&per_page=2", extra.other)
    );
    // Unfiltered pages follow the API's pages.
    let api_second = app
        .get("/api/v1/notices?per_page=5&page=2", None)
        .await
        .expect(200)
        .json();
    assert_eq!(
        listed_ids(&page(&app, "/notices?per_page=5&page=2").await),
        api_ids(&api_second)
    );

    // Bad values: the Chinese 400 page naming the parameter.
    for (query, field) in [
        ("kind=bogus", "kind"),
        ("year=20x6", "year"),
        ("purchaser_id=-3", "purchaser_id"),
        ("region_code=64%25", "region_code"),
        ("region_code=999999", "region_code"),
        ("page=0", "page"),
        ("per_page=1000", "per_page"),
    ] {
        let reply = app
            .get(&format!("/notices?{query}"), None)
            .await
            .expect(400);
        assert!(
            reply
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("text/html")),
            "{query}"
        );
        assert!(reply.text.contains("请求有误"), "{query}: {}", reply.text);
        assert!(reply.text.contains(field), "{query}: {}", reply.text);
    }
}

#[tokio::test]
async fn a_notice_page_shows_its_facts_body_and_pdf() {
    let app = spawn_app().await;
    load_demo(&app);
    let awards = app
        .get("/api/v1/notices?kind=award&per_page=1", None)
        .await
        .expect(200)
        .json();
    let id = awards["items"][0]["id"].as_i64().expect("id");
    let detail = app
        .get(&format!("/api/v1/notices/{id}"), None)
        .await
        .expect(200)
        .json();
    let (purchaser_name, published_at, pdf): (String, NaiveDateTime, Option<String>) = {
        let mut conn = app.conn();
        notices::table
            .inner_join(purchasers::table.on(purchasers::id.eq(notices::purchaser_id)))
            .filter(notices::id.eq(id))
            .select((purchasers::name, notices::published_at, notices::pdf_sha256))
            .first(&mut *conn)
            .expect("notice")
    };
    let title = detail["title"].as_str().expect("title");
    let html = page(&app, &format!("/notices/{id}")).await;
    assert!(title_of(&html).starts_with(title), "{}", title_of(&html));
    assert!(html.contains("<dd>中标（成交）结果公告</dd>"));
    assert!(html.contains(&format!("<dd>{purchaser_name}</dd>")));
    let shanghai = (published_at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string();
    assert!(
        html.contains(&format!("<dd>{shanghai}（北京时间）</dd>")),
        "{html}"
    );
    if let Some(due) = detail["due_by"].as_str() {
        assert!(html.contains(&format!("{due}前")));
    }
    // The official text is inserted as HTML, not escaped.
    assert!(html.contains("<h2>一、项目编号</h2>"), "{html}");
    assert!(html.contains(&format!("<a href=\"/notices/{id}.pdf\">")));
    if let Some(project) = detail["project_id"].as_i64() {
        assert!(html.contains(&format!("<a href=\"/projects/{project}\">")));
    }
    match pdf {
        None => assert!(html.contains("PDF 将在首次下载时生成")),
        Some(hash) => assert!(html.contains(&hash)),
    }
    let hash = "ab".repeat(32);
    {
        let mut conn = app.conn();
        diesel::update(notices::table.find(id))
            .set(notices::pdf_sha256.eq(Some(hash.clone())))
            .execute(&mut *conn)
            .expect("set hash");
    }
    let html = page(&app, &format!("/notices/{id}")).await;
    assert!(html.contains(&format!("<span class=\"hash\">{hash}</span>")));
    assert!(!html.contains("PDF 将在首次下载时生成"));

    // The PDF route next to it is not shadowed by the page's `{id:\d+}`.
    let pdf = app.get(&format!("/notices/{id}.pdf"), None).await;
    assert_ne!(pdf.status, StatusCode::NOT_FOUND, "{}", pdf.text);

    // Unknown ids: the HTML 404 page.
    for path in [
        "/notices/999999",
        "/notices/abc",
        "/notices/99999999999999999999",
        "/projects/999999",
        "/contractors/999999",
    ] {
        let reply = app.get(path, None).await.expect(404);
        assert!(reply.text.contains("页面不存在"), "{path}: {}", reply.text);
        assert!(reply.text.contains("<title>"), "{path}");
    }
}

#[tokio::test]
async fn a_notice_page_names_its_project_and_follows_a_renamed_project() {
    let app = spawn_app().await;
    load_demo(&app);
    // Every demo notice of a project carries that project's title (the page reads it from the
    // notice row, not from `projects`).
    let (project_id, notice_ids) = {
        let mut conn = app.conn();
        assert_eq!(
            notices_without_their_project_title(&mut conn),
            0,
            "notices whose project title is missing or differs"
        );
        let project_id: i64 = notices::table
            .filter(notices::project_id.is_not_null())
            .select(notices::project_id.assume_not_null())
            .first(&mut *conn)
            .expect("a notice of a project");
        let ids: Vec<i64> = notices::table
            .filter(notices::project_id.eq(project_id))
            .select(notices::id)
            .load(&mut *conn)
            .expect("its notices");
        (project_id, ids)
    };
    assert!(!notice_ids.is_empty());
    let title: String = {
        let mut conn = app.conn();
        projects::table
            .find(project_id)
            .select(projects::title)
            .first(&mut *conn)
            .expect("title")
    };
    let link = format!("<a href=\"/projects/{project_id}\">");
    let html = page(&app, &format!("/notices/{}", notice_ids[0])).await;
    assert!(html.contains(&format!("{link}{title}</a>")), "{html}");

    // Renaming the project renames it on every one of its notice pages (a trigger, in the
    // same statement), escaped; other projects' notices keep their titles.
    let renamed = format!("更名后的项目{SCRIPT}");
    let others_before: Vec<Option<String>> = {
        let mut conn = app.conn();
        let others = notices::table
            .filter(notices::project_id.ne(project_id))
            .order(notices::id)
            .select(notices::project_title);
        let before = others.load(&mut *conn).expect("others");
        diesel::update(projects::table.find(project_id))
            .set(projects::title.eq(&renamed))
            .execute(&mut *conn)
            .expect("rename");
        assert_eq!(
            others.load::<Option<String>>(&mut *conn).expect("others"),
            before
        );
        before
    };
    assert!(!others_before.is_empty());
    for id in &notice_ids {
        let html = page(&app, &format!("/notices/{id}")).await;
        assert!(
            html.contains(&format!("{link}更名后的项目{SCRIPT_ESCAPED}</a>")),
            "notice {id}: {html}"
        );
        // The official text keeps the name it was published under; the link follows.
        assert!(
            !html.contains(&format!("{link}{title}</a>")),
            "notice {id} still links {title}"
        );
    }

    // A notice published after the rename carries the new title from the start.
    let (purchaser_id, region_code): (i64, String) = {
        let mut conn = app.conn();
        projects::table
            .find(project_id)
            .select((projects::purchaser_id, projects::region_code))
            .first(&mut *conn)
            .expect("project")
    };
    let row = {
        let mut conn = app.conn();
        publish(
            &mut conn,
            &Actor::system("test", app.state.clock.now()),
            &NewNotice {
                kind: NoticeKind::Correction,
                project_id: Some(project_id),
                purchaser_id,
                region_code,
                title: "更正公告".to_owned(),
                body_html: "<p>更正</p>".to_owned(),
                due_by: None,
                created_by: None,
            },
        )
        .expect("publish")
    };
    assert_eq!(row.project_title.as_deref(), Some(renamed.as_str()));
    let html = page(&app, &format!("/notices/{}", row.id)).await;
    assert!(
        html.contains(&format!("{link}更名后的项目{SCRIPT_ESCAPED}</a>")),
        "{html}"
    );
}

#[tokio::test]
async fn the_project_title_migration_fills_existing_notices_and_leaves_project_pages_built() {
    use diesel_migrations::MigrationHarness;
    use sixnorms::db::schema::project_pages;
    use sixnorms::db::{AnyConnection, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, run_migrations};
    const VERSION: &str = "20261206001101";

    let app = spawn_app().await;
    load_demo(&app);
    let mut conn = app.conn();
    let notices_of_projects: i64 = notices::table
        .filter(notices::project_id.is_not_null())
        .count()
        .get_result(&mut *conn)
        .expect("count");
    assert!(notices_of_projects > 0);

    // Back to the schema before the migration: the column goes with it.
    loop {
        let reverted = match &mut *conn {
            AnyConnection::Sqlite(c) => c.revert_last_migration(SQLITE_MIGRATIONS),
            AnyConnection::Postgresql(c) => c.revert_last_migration(POSTGRES_MIGRATIONS),
        }
        .expect("revert");
        if reverted.to_string() == VERSION {
            break;
        }
    }
    assert!(
        diesel::sql_query("SELECT project_title FROM notices")
            .execute(&mut *conn)
            .is_err()
    );
    let versions = |conn: &mut AnyConnection| -> Vec<(i64, i64)> {
        project_pages::table
            .order(project_pages::project_id)
            .select((project_pages::project_id, project_pages::version))
            .load(conn)
            .expect("versions")
    };
    let before = versions(&mut conn);

    // Forward again: every notice of a project gets its project's title, and no project
    // page is marked due by the backfill (the rows it rewrites show nothing new).
    run_migrations(&mut conn).expect("migrate");
    let with_title: i64 = notices::table
        .inner_join(projects::table.on(projects::id.nullable().eq(notices::project_id)))
        .filter(notices::project_title.eq(projects::title.nullable()))
        .count()
        .get_result(&mut *conn)
        .expect("count");
    assert_eq!(with_title, notices_of_projects);
    assert_eq!(versions(&mut conn), before);

    // The trigger that marks pages due is back in place.
    let (notice_id, project_id): (i64, i64) = notices::table
        .filter(notices::project_id.is_not_null())
        .select((notices::id, notices::project_id.assume_not_null()))
        .first(&mut *conn)
        .expect("a notice of a project");
    diesel::update(notices::table.find(notice_id))
        .set(notices::title.eq("更正后的标题"))
        .execute(&mut *conn)
        .expect("update");
    let after = versions(&mut conn);
    let version_of = |rows: &[(i64, i64)]| {
        rows.iter()
            .find(|(id, _)| *id == project_id)
            .map(|(_, v)| *v)
            .expect("page row")
    };
    assert_eq!(version_of(&after), version_of(&before) + 1);
}

fn contract_of_status(app: &TestApp, status: &str) -> (i64, i64, i64, String, i64) {
    let mut conn = app.conn();
    contracts::table
        .filter(contracts::status.eq(status))
        .select((
            contracts::id,
            contracts::project_id,
            contracts::contractor_id,
            contracts::number,
            contracts::amount_fen,
        ))
        .first(&mut *conn)
        .expect("contract")
}

#[tokio::test]
async fn the_project_timeline_shows_the_whole_purchase() {
    let app = spawn_app().await;
    load_demo(&app);
    let (contract_id, project_id, contractor_id, number, amount) =
        contract_of_status(&app, "completed");
    type Facts = (String, String, i64, String, String, String, String);
    let (project_number, project_title, budget, method, status, purchaser_name, contact_phone): Facts = {
        let mut conn = app.conn();
        projects::table
            .inner_join(purchasers::table.on(purchasers::id.eq(projects::purchaser_id)))
            .filter(projects::id.eq(project_id))
            .select((
                projects::number,
                projects::title,
                projects::budget_fen,
                projects::method,
                projects::status,
                purchasers::name,
                purchasers::contact_phone,
            ))
            .first(&mut *conn)
            .expect("project")
    };
    let method_label = app
        .state
        .rules
        .method(&method)
        .expect("method")
        .label
        .clone();
    let status_label = sixnorms::domain::project_status::ProjectStatus::parse(&status)
        .expect("status")
        .label();
    let html = page(&app, &format!("/projects/{project_id}")).await;
    assert!(title_of(&html).contains(&project_title));
    for text in [
        format!("<dd>{project_number}</dd>"),
        format!("<dd>{purchaser_name}</dd>"),
        format!("<dd>{}</dd>", yuan(budget)),
        format!("<dd>{number}</dd>"),
        format!("<dd>{}</dd>", yuan(amount)),
        format!("<a href=\"/contractors/{contractor_id}\">"),
        format!("<dd>{method_label}</dd>"),
        format!("<dd>{status_label}</dd>"),
    ] {
        assert!(html.contains(&text), "missing {text}");
    }
    assert!(!html.contains(&contact_phone), "no contact details");
    // The steps, in order.
    let mut last = 0;
    for step in [
        "<strong>发布采购意向</strong>",
        "<strong>发布采购公告（第1轮）</strong>",
        "<strong>开标（第1轮）</strong>",
        "<strong>确定中标（成交）供应商</strong>",
        "<strong>签订合同</strong>",
        "<strong>终期评价完成</strong>",
    ] {
        let position = html.find(step).unwrap_or_else(|| panic!("{step} missing"));
        assert!(position > last, "{step} out of order");
        last = position;
    }
    // The opening record names each bid with its receipt, once opened.
    let opened: Vec<(String, i64, String)> = {
        let mut conn = app.conn();
        bids::table
            .inner_join(contractors::table)
            .filter(bids::project_id.eq(project_id))
            .filter(bids::status.ne("withdrawn"))
            .select((contractors::name, bids::price_fen, bids::receipt_sha256))
            .load(&mut *conn)
            .expect("bids")
    };
    assert!(!opened.is_empty());
    for (name, price, receipt) in &opened {
        assert!(html.contains(name.as_str()) && html.contains(&yuan(*price)));
        assert!(html.contains(&format!("<td class=\"hash\">{receipt}</td>")));
    }
    // Payments, evaluations and the report summary (counts only).
    assert!(html.contains("<td>已支付</td>"));
    assert!(html.contains("<td>终期评价</td><td>已评定</td>"));
    assert!(html.contains("<h2>服务报告汇总</h2>"));
    let narratives: Vec<String> = {
        use sixnorms::db::schema::service_reports;
        let mut conn = app.conn();
        service_reports::table
            .filter(service_reports::contract_id.eq(contract_id))
            .select(service_reports::narrative)
            .load(&mut *conn)
            .expect("reports")
    };
    assert!(html.contains(&format!("已提交 {} 份", narratives.len())));
    for narrative in narratives.iter().filter(|n| n.chars().count() > 6) {
        assert!(!html.contains(narrative.as_str()), "report text leaked");
    }
    // Every notice of the project is linked.
    let notice_ids: Vec<i64> = {
        let mut conn = app.conn();
        notices::table
            .filter(notices::project_id.eq(project_id))
            .select(notices::id)
            .load(&mut *conn)
            .expect("notices")
    };
    assert!(notice_ids.len() >= 5, "{notice_ids:?}");
    for id in notice_ids {
        assert!(
            html.contains(&format!("<a href=\"/notices/{id}\">")),
            "{id}"
        );
    }
}

#[tokio::test]
async fn sealed_bids_never_reach_the_timeline() {
    let app = spawn_app().await;
    load_demo(&app);
    let (project_id, sealed): (i64, Vec<(String, String)>) = {
        let mut conn = app.conn();
        let project_id: i64 = tenders::table
            .inner_join(projects::table)
            .filter(tenders::opened_at.is_null())
            .filter(projects::status.eq("tendering"))
            .select(projects::id)
            .first(&mut *conn)
            .expect("tendering project");
        let sealed = bids::table
            .inner_join(contractors::table)
            .filter(bids::project_id.eq(project_id))
            .select((contractors::name, bids::receipt_sha256))
            .load(&mut *conn)
            .expect("bids");
        (project_id, sealed)
    };
    assert!(!sealed.is_empty(), "the demo's tendering project has bids");
    let html = page(&app, &format!("/projects/{project_id}")).await;
    assert!(html.contains("不公开任何投标信息"), "{html}");
    assert!(!html.contains("开标记录"));
    for (name, receipt) in sealed {
        assert!(!html.contains(&name), "bidder {name} shown before opening");
        assert!(!html.contains(&receipt));
    }
    assert!(!html.contains("投标报价"));
}

#[tokio::test]
async fn a_contractor_record_is_public_masked_and_escaped() {
    let app = spawn_app().await;
    load_demo(&app);
    // The winner of the completed contract: its awards and grades.
    let (_, project_id, contractor_id, _, _) = contract_of_status(&app, "completed");
    let (name, uscc, phone): (String, Option<String>, String) = {
        let mut conn = app.conn();
        contractors::table
            .find(contractor_id)
            .select((
                contractors::name,
                contractors::uscc,
                contractors::contact_phone,
            ))
            .first(&mut *conn)
            .expect("contractor")
    };
    let html = page(&app, &format!("/contractors/{contractor_id}")).await;
    assert!(title_of(&html).starts_with(&name));
    assert!(html.contains(&format!("<h1>{name}</h1>")));
    if let Some(uscc) = uscc {
        assert!(html.contains(&uscc));
    }
    assert!(!html.contains(&phone), "no contact phone");
    assert!(html.contains(&format!("<a href=\"/projects/{project_id}\">")));
    assert!(html.contains("<td>终期评价</td>"));
    assert!(html.contains("<td>优秀</td>") || html.contains("<td>良好</td>"));
    assert!(html.contains("终期绩效评价优秀或良好，同等条件下优先"));

    // An individual: the ID number masked, never in full.
    let (individual, id_number): (i64, Option<String>) = {
        let mut conn = app.conn();
        contractors::table
            .filter(contractors::kind.eq("individual"))
            .select((contractors::id, contractors::id_number))
            .first(&mut *conn)
            .expect("individual")
    };
    let id_number = id_number.expect("id number");
    let html = page(&app, &format!("/contractors/{individual}")).await;
    let masked = sixnorms::domain::ids::mask_resident_id(&id_number);
    assert_ne!(masked, id_number);
    assert!(html.contains(&masked), "{html}");
    assert!(!html.contains(&id_number));
    assert!(html.contains("暂无中标（成交）项目"));

    // A name carrying a script tag is escaped.
    let (registered, _) = factories::contractor(&app, 77, "scripty", "640104").await;
    {
        let mut conn = app.conn();
        diesel::update(contractors::table.find(registered))
            .set(contractors::name.eq(format!("恶意{SCRIPT}中心")))
            .execute(&mut *conn)
            .expect("rename");
    }
    let html = page(&app, &format!("/contractors/{registered}")).await;
    assert!(!html.contains(SCRIPT), "{html}");
    assert!(html.contains(&format!("恶意{SCRIPT_ESCAPED}中心")));
    assert!(html.contains("<dd>待审核</dd>"));
}

#[tokio::test]
async fn stats_draw_charts_and_tables_that_match_the_data() {
    let app = spawn_app().await;
    load_demo(&app);
    let html = page(&app, "/stats").await;
    assert_eq!(
        html.matches("<svg xmlns=\"http://www.w3.org/2000/svg\"")
            .count(),
        4
    );
    assert_eq!(html.matches("</svg>").count(), 4);

    // Funds: the total of signed contracts, and each domain/year row.
    let (total, by_domain): (i64, Vec<(String, i32, i64)>) = {
        let mut conn = app.conn();
        let rows: Vec<(String, i32, i64)> = contracts::table
            .inner_join(projects::table.on(projects::id.eq(contracts::project_id)))
            .filter(contracts::status.ne("draft"))
            .select((projects::domain_code, projects::year, contracts::amount_fen))
            .load(&mut *conn)
            .expect("contracts");
        let mut sums: std::collections::BTreeMap<(String, i32), i64> = Default::default();
        for (domain, year, fen) in &rows {
            *sums.entry((domain.clone(), *year)).or_default() += fen;
        }
        (
            rows.iter().map(|r| r.2).sum(),
            sums.into_iter().map(|((d, y), f)| (d, y, f)).collect(),
        )
    };
    assert!(html.contains(&format!("已签订合同金额合计 {}", yuan(total))));
    for (domain, year, fen) in by_domain {
        let label = sixnorms::catalog::domain_label(&domain).expect("label");
        assert!(
            html.contains(&format!(
                "<tr><td>{year}</td><td>{label}</td><td class=\"num\">{}</td></tr>",
                yuan(fen)
            )),
            "{domain} {year}"
        );
    }
    // Methods.
    let open_tender: i64 = {
        let mut conn = app.conn();
        projects::table
            .filter(projects::method.eq("open_tender"))
            .filter(projects::status.ne("cancelled"))
            .count()
            .get_result(&mut *conn)
            .expect("count")
    };
    assert!(html.contains(&format!(
        "<tr><td>公开招标</td><td class=\"num\">{open_tender}</td></tr>"
    )));
    // Coverage as the coverage API computes it.
    for code in ["640104", "320509"] {
        let coverage = app
            .get(&format!("/api/v1/stats/coverage?region_code={code}"), None)
            .await
            .expect(200)
            .json();
        let row = format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}%</td></tr>",
            coverage["region_name"].as_str().expect("name"),
            coverage["townships"],
            coverage["compliant_townships"],
            coverage["coverage_rate"].as_str().expect("rate")
        );
        assert!(html.contains(&row), "missing {row}");
    }
    assert!(html.contains("81.25%"));
    // Timeliness: the SQL figures agree with the compliance API for every purchaser.
    let compliance = app
        .get("/api/v1/stats/compliance?year=2026", None)
        .await
        .expect(200)
        .json();
    let mut rows_due = 0;
    for row in compliance["purchasers"].as_array().expect("rows") {
        let due = row["due"].as_i64().expect("due");
        let line = format!(
            "{}</a></td><td class=\"num\">{due}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}%</td>",
            row["purchaser_name"].as_str().expect("name"),
            row["on_time"],
            row["late"],
            row["missing"],
            row["on_time_rate"].as_str().expect("rate"),
        );
        assert_eq!(html.contains(&line), due > 0, "{line}");
        rows_due += i64::from(due > 0);
    }
    assert!(rows_due > 0);
    let earlier = page(&app, "/stats?year=2025").await;
    assert!(earlier.contains("2025年信息公开及时性"));
    let bad = app.get("/stats?year=abc", None).await.expect(400);
    assert!(bad.text.contains("请求有误"));
}

/// Checks that `xml` is well formed: every element closed in order, one root.
fn assert_well_formed(xml: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut roots = 0;
    for token in xmlparser::Tokenizer::from(xml) {
        match token.unwrap_or_else(|e| panic!("not XML: {e}")) {
            xmlparser::Token::ElementStart { local, .. } => {
                if stack.is_empty() {
                    roots += 1;
                }
                stack.push(local.as_str().to_owned());
                seen.push(local.as_str().to_owned());
            }
            xmlparser::Token::ElementEnd { end, .. } => match end {
                xmlparser::ElementEnd::Open => {}
                xmlparser::ElementEnd::Empty => {
                    stack.pop();
                }
                xmlparser::ElementEnd::Close(_, name) => {
                    assert_eq!(
                        stack.pop().as_deref(),
                        Some(name.as_str()),
                        "mismatched tag"
                    );
                }
            },
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    assert_eq!(roots, 1);
    seen
}

/// The text of each `<tag>…</tag>` directly, in order.
fn texts(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    xml.split(&open)
        .skip(1)
        .filter_map(|part| part.split_once(&close).map(|(t, _)| t.to_owned()))
        .collect()
}

#[tokio::test]
async fn the_atom_feed_lists_the_newest_notices_first() {
    let app = spawn_app().await;
    load_demo(&app);
    let extra = extra_notices(&app).await;
    // The newest of all, with a script tag in its title.
    let newest = notice(
        &app,
        NoticeKind::Correction,
        extra.other,
        "320509",
        &format!("吴江测试更正公告{SCRIPT}&"),
        app.state.clock.now(),
        None,
    );
    let reply = app.get("/feed.atom", None).await.expect(200);
    assert_eq!(
        reply
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/atom+xml; charset=utf-8")
    );
    let xml = &reply.text;
    let elements = assert_well_formed(xml);
    assert_eq!(elements.first().map(String::as_str), Some("feed"));
    assert!(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    let api = app
        .get("/api/v1/notices?per_page=50", None)
        .await
        .expect(200)
        .json();
    let expected = api_ids(&api);
    assert_eq!(expected.first(), Some(&newest));
    let base = app
        .state
        .settings
        .server
        .public_base_url
        .trim_end_matches('/')
        .to_owned();
    let ids = texts(xml, "id");
    assert_eq!(ids.first(), Some(&format!("{base}/feed.atom")));
    let entry_ids: Vec<String> = ids.into_iter().skip(1).collect();
    assert_eq!(
        entry_ids,
        expected
            .iter()
            .map(|id| format!("{base}/notices/{id}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        elements.iter().filter(|e| *e == "entry").count(),
        expected.len()
    );
    let titles = texts(xml, "title");
    assert_eq!(
        titles.get(1).map(String::as_str),
        Some(format!("吴江测试更正公告{SCRIPT_ESCAPED}&#38;").as_str())
    );
    assert!(!xml.contains(SCRIPT));
    let updated = texts(xml, "updated");
    let published = texts(xml, "published");
    assert_eq!(
        updated.first(),
        published.first(),
        "feed updated = newest entry"
    );
    assert!(published.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(xml.contains(&format!(
        "<link rel=\"alternate\" type=\"text/html\" href=\"{base}/notices/{newest}\"/>"
    )));
    assert!(texts(xml, "summary")[0].contains("更正公告"));
}

fn header(reply: &Reply, name: reqwest::header::HeaderName) -> String {
    reply
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn every_page_has_an_etag_cache_control_and_answers_304() {
    let app = spawn_app().await;
    load_demo(&app);
    let (_, project_id, contractor_id, _, _) = contract_of_status(&app, "completed");
    let notice_id = api_ids(&app.get("/api/v1/notices", None).await.expect(200).json())[0];
    for path in [
        "/".to_owned(),
        "/notices".to_owned(),
        "/notices?kind=award".to_owned(),
        format!("/notices/{notice_id}"),
        format!("/projects/{project_id}"),
        format!("/contractors/{contractor_id}"),
        "/stats".to_owned(),
        "/feed.atom".to_owned(),
    ] {
        let first = app.get(&path, None).await.expect(200);
        let etag = header(&first, ETAG);
        assert_eq!(
            etag,
            sixnorms::public::http_cache::etag_of(first.text.as_bytes()),
            "{path}: strong ETag of the body"
        );
        assert!(
            header(&first, CACHE_CONTROL).starts_with("public, max-age="),
            "{path}"
        );
        let url = format!("{}{}", app.address, path);
        let cached = app
            .client
            .get(&url)
            .header(IF_NONE_MATCH, etag.clone())
            .send()
            .await
            .expect("request");
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(
            cached.headers().get(ETAG).and_then(|v| v.to_str().ok()),
            Some(etag.as_str())
        );
        assert!(cached.headers().get(CACHE_CONTROL).is_some());
        assert!(cached.text().await.expect("body").is_empty());
        let stale = app
            .client
            .get(&url)
            .header(IF_NONE_MATCH, "\"0000\", W/\"1111\"")
            .send()
            .await
            .expect("request");
        assert_eq!(stale.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(
        header(&app.get("/notices", None).await, CACHE_CONTROL),
        "public, max-age=60"
    );
    assert_eq!(
        header(
            &app.get(&format!("/notices/{notice_id}"), None).await,
            CACHE_CONTROL
        ),
        "public, max-age=600"
    );

    // A new notice changes the list, so the old tag no longer matches.
    let before = header(&app.get("/notices", None).await, ETAG);
    let purchaser: i64 = {
        let mut conn = app.conn();
        purchasers::table
            .select(purchasers::id)
            .first(&mut *conn)
            .expect("purchaser")
    };
    notice(
        &app,
        NoticeKind::Correction,
        purchaser,
        "640104",
        "兴庆区测试更正公告",
        app.state.clock.now(),
        None,
    );
    let after = app
        .client
        .get(format!("{}/notices", app.address))
        .header(IF_NONE_MATCH, before.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(after.status(), StatusCode::OK);
    assert_ne!(
        after.headers().get(ETAG).and_then(|v| v.to_str().ok()),
        Some(before.as_str())
    );
    assert!(
        after
            .text()
            .await
            .expect("body")
            .contains("兴庆区测试更正公告")
    );
}

#[tokio::test]
async fn pages_link_one_cached_style_sheet_instead_of_repeating_it() {
    let app = spawn_app().await;
    let home = app.get("/", None).await.expect(200).text;
    assert!(
        home.contains(r#"<link rel="stylesheet" href="/assets/public.css">"#),
        "{home}"
    );
    assert!(!home.contains("<style>"), "no inline CSS on public pages");
    let css = app.get("/assets/public.css", None).await.expect(200);
    assert_eq!(
        css.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()),
        Some("text/css; charset=utf-8")
    );
    assert!(css.text.contains("ol.timeline"), "{}", css.text);
    assert!(css.headers.get(ETAG).is_some());
}
