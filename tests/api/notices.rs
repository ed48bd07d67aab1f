//! Notices: the publishing service (on time by the Shanghai date, audited, inside the caller's
//! transaction) and the public list and detail with their filters.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde_json::Value;
use sixnorms::audit::Actor;
use sixnorms::db::write_tx;
use sixnorms::disclosure::bodies::{self, Header, IntentionBody, TargetLine};
use sixnorms::disclosure::notices::{self, NewNotice, NoticeKind, NoticeRow};

use crate::factories::purchaser;
use crate::helpers::{TestApp, at, count_rows, spawn_app};

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// A notice to publish with no project (projects are not needed here).
fn notice(kind: NoticeKind, purchaser_id: i64, region: &str, title: &str) -> NewNotice {
    NewNotice {
        kind,
        project_id: None,
        purchaser_id,
        region_code: region.to_owned(),
        title: title.to_owned(),
        body_html: format!("<section class=\"notice\"><p>{title}</p></section>"),
        due_by: None,
        created_by: None,
    }
}

/// Publishes at `when` (UTC) the way every procurement step does: inside `write_tx`.
fn publish_at(app: &TestApp, when: NaiveDateTime, new: &NewNotice) -> NoticeRow {
    app.set_clock(when);
    let actor = Actor::system("test", app.state.clock.now());
    let mut conn = app.conn();
    write_tx(&mut conn, |conn| notices::publish(conn, &actor, new)).expect("publish")
}

/// The ids of a list response, in order.
fn ids(reply: &Value) -> Vec<i64> {
    reply["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_i64().expect("id"))
        .collect()
}

async fn list(app: &TestApp, query: &str) -> Value {
    app.get(&format!("/api/v1/notices?{query}"), None)
        .await
        .expect(200)
        .json()
}

#[tokio::test]
async fn the_list_filters_by_kind_region_purchaser_year_and_keyword() {
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
    let shizuishan = purchaser(&app, "石嘴山市民政局", "government_department", "640200", 3).await;

    let intention = publish_at(
        &app,
        at("2026-03-02 01:00:00"),
        &notice(
            NoticeKind::Intention,
            xingqing,
            "640104",
            "兴庆区2026年困难群众社会工作服务项目采购意向公告",
        ),
    );
    let township = publish_at(
        &app,
        at("2026-03-03 01:00:00"),
        &notice(
            NoticeKind::Tender,
            xingqing,
            "640104001",
            "凤凰北街街道社区服务项目采购公告",
        ),
    );
    let percent = publish_at(
        &app,
        at("2026-03-04 01:00:00"),
        &notice(
            NoticeKind::Award,
            xixia,
            "640105",
            "西夏区100%覆盖社区服务项目中标（成交）结果公告",
        ),
    );
    let lookalike = publish_at(
        &app,
        at("2026-03-05 01:00:00"),
        &notice(
            NoticeKind::Intention,
            xixia,
            "640105",
            "西夏区100A覆盖社区服务项目采购意向公告",
        ),
    );
    let elsewhere = publish_at(
        &app,
        at("2026-03-06 01:00:00"),
        &notice(
            NoticeKind::Tender,
            shizuishan,
            "640202",
            "大武口区老年人社会工作服务项目采购公告",
        ),
    );
    // 16:30 UTC on 31 December 2025 is 00:30 on 1 January 2026 in Shanghai; 15:30 UTC is
    // still 23:30 on 31 December.
    let new_year = publish_at(
        &app,
        at("2025-12-31 16:30:00"),
        &notice(
            NoticeKind::Intention,
            xingqing,
            "640104",
            "跨年项目甲采购意向公告",
        ),
    );
    let old_year = publish_at(
        &app,
        at("2025-12-31 15:30:00"),
        &notice(
            NoticeKind::Intention,
            xingqing,
            "640104",
            "跨年项目乙采购意向公告",
        ),
    );

    // No filter: everything, newest first.
    let all = list(&app, "").await;
    assert_eq!(all["total"], 7);
    assert_eq!(
        ids(&all),
        vec![
            elsewhere.id,
            lookalike.id,
            percent.id,
            township.id,
            intention.id,
            new_year.id,
            old_year.id
        ]
    );

    // Kind.
    let reply = list(&app, "kind=intention").await;
    assert_eq!(
        ids(&reply),
        vec![lookalike.id, intention.id, new_year.id, old_year.id]
    );
    assert!(
        reply["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|item| item["kind"] == "intention" && item["kind_label"] == "采购意向公告")
    );
    assert_eq!(ids(&list(&app, "kind=award").await), vec![percent.id]);
    assert_eq!(list(&app, "kind=termination").await["total"], 0);

    // Region: the region and everything below it, by the significant prefix.
    let xingqing_ids = vec![township.id, intention.id, new_year.id, old_year.id];
    assert_eq!(ids(&list(&app, "region_code=640104").await), xingqing_ids);
    assert_eq!(
        ids(&list(&app, "region_code=640104001").await),
        vec![township.id]
    );
    assert_eq!(
        ids(&list(&app, "region_code=640105").await),
        vec![lookalike.id, percent.id]
    );
    assert_eq!(
        ids(&list(&app, "region_code=640100").await),
        vec![
            lookalike.id,
            percent.id,
            township.id,
            intention.id,
            new_year.id,
            old_year.id
        ]
    );
    assert_eq!(list(&app, "region_code=640000").await["total"], 7);
    assert_eq!(
        ids(&list(&app, "region_code=640200").await),
        vec![elsewhere.id]
    );
    assert_eq!(list(&app, "region_code=640106").await["total"], 0);
    assert_eq!(list(&app, "region_code=110000").await["total"], 0);
    // The county notice is not found under its neighbour.
    assert!(!ids(&list(&app, "region_code=640105").await).contains(&intention.id));

    // Purchaser.
    assert_eq!(
        ids(&list(&app, &format!("purchaser_id={xixia}")).await),
        vec![lookalike.id, percent.id]
    );
    assert_eq!(
        ids(&list(&app, &format!("purchaser_id={shizuishan}")).await),
        vec![elsewhere.id]
    );
    assert_eq!(list(&app, "purchaser_id=999999").await["total"], 0);

    // Year, in Shanghai time.
    let y2026 = list(&app, "year=2026").await;
    assert_eq!(y2026["total"], 6);
    assert!(ids(&y2026).contains(&new_year.id));
    assert!(!ids(&y2026).contains(&old_year.id));
    assert_eq!(ids(&list(&app, "year=2025").await), vec![old_year.id]);
    assert_eq!(list(&app, "year=2027").await["total"], 0);

    // Keyword, taken literally.
    assert_eq!(
        ids(&list(&app, "q=%E7%A4%BE%E5%8C%BA").await), // 社区
        vec![lookalike.id, percent.id, township.id]
    );
    assert_eq!(ids(&list(&app, "q=100%25").await), vec![percent.id]);
    assert_eq!(list(&app, "q=100_").await["total"], 0);
    assert_eq!(
        ids(&list(&app, "q=100").await),
        vec![lookalike.id, percent.id]
    );
    assert_eq!(list(&app, "q=%25").await["total"], 1);

    // Filters combine.
    assert_eq!(
        ids(&list(&app, "kind=intention&region_code=640100&year=2026").await),
        vec![lookalike.id, intention.id, new_year.id]
    );
    assert_eq!(
        ids(&list(
            &app,
            &format!("kind=intention&purchaser_id={xingqing}&q=%E8%B7%A8%E5%B9%B4")
        )
        .await), // 跨年
        vec![new_year.id, old_year.id]
    );
}

#[tokio::test]
async fn the_list_pages_newest_first() {
    let app = spawn_app().await;
    let p = purchaser(
        &app,
        "银川市兴庆区民政局",
        "government_department",
        "640104",
        1,
    )
    .await;
    let mut published = Vec::new();
    for day in 1..=5 {
        published.push(publish_at(
            &app,
            at(&format!("2026-04-0{day} 02:00:00")),
            &notice(
                NoticeKind::Tender,
                p,
                "640104",
                &format!("第{day}号项目采购公告"),
            ),
        ));
    }
    // Same time as the newest: the later id comes first.
    let tie = publish_at(
        &app,
        at("2026-04-05 02:00:00"),
        &notice(NoticeKind::Opening, p, "640104", "第6号项目开标记录"),
    );
    let newest_first: Vec<i64> = std::iter::once(tie.id)
        .chain(published.iter().rev().map(|r| r.id))
        .collect();

    let first = list(&app, "per_page=4").await;
    assert_eq!(first["page"], 1);
    assert_eq!(first["per_page"], 4);
    assert_eq!(first["total"], 6);
    assert_eq!(ids(&first), newest_first[..4].to_vec());
    let second = list(&app, "page=2&per_page=4").await;
    assert_eq!(ids(&second), newest_first[4..].to_vec());
    assert_eq!(second["total"], 6);
    let beyond = list(&app, "page=3&per_page=4").await;
    assert_eq!(ids(&beyond), Vec::<i64>::new());
    assert_eq!(beyond["total"], 6);
    assert_eq!(list(&app, "").await["per_page"], 20);

    let item = &first["items"][0];
    assert_eq!(item["title"], "第6号项目开标记录");
    assert_eq!(item["kind_label"], "开标记录");
    assert_eq!(item["purchaser_id"], p);
    assert_eq!(item["project_id"], Value::Null);
    assert_eq!(item["published_at"], "2026-04-05T02:00:00.000000Z");
    assert_eq!(item["due_by"], Value::Null);
    assert_eq!(item["on_time"], true);
    assert!(
        item.get("body_html").is_none(),
        "the list leaves the text out"
    );

    app.get("/api/v1/notices?page=0", None).await.expect(422);
    app.get("/api/v1/notices?per_page=101", None)
        .await
        .expect(422);
}

fn header() -> Header {
    Header {
        project_number: "XQMZ-2026-001".to_owned(),
        project_title: "兴庆区2026年困难群众社会工作服务项目".to_owned(),
        purchaser_name: "银川市兴庆区民政局".to_owned(),
        purchaser_region: "宁夏回族自治区 银川市 兴庆区".to_owned(),
        contact_name: "王经办".to_owned(),
        contact_phone: "0951-6012345".to_owned(),
        method_label: "公开招标".to_owned(),
        budget: Decimal::new(100_000_000, 2),
    }
}

#[tokio::test]
async fn the_detail_shows_the_official_text() {
    let app = spawn_app().await;
    let p = purchaser(
        &app,
        "银川市兴庆区民政局",
        "government_department",
        "640104",
        1,
    )
    .await;
    let body = bodies::render_intention(&IntentionBody {
        header: header(),
        summary: "为辖区困难群众提供入户探访、个案管理和资源链接服务".to_owned(),
        catalog_item: "社会救助类服务".to_owned(),
        target_groups: vec!["困难群众".to_owned()],
        service_start: date("2026-05-01"),
        service_end: date("2027-04-30"),
        expected_tender_date: date("2026-04-15"),
        targets: vec![TargetLine {
            name: "服务困难群众".to_owned(),
            value: "1200".to_owned(),
            unit: "人次".to_owned(),
        }],
    })
    .expect("render");
    let title = bodies::title(
        NoticeKind::Intention,
        "兴庆区2026年困难群众社会工作服务项目",
    );
    let row = publish_at(
        &app,
        at("2026-03-02 01:00:00"),
        &NewNotice {
            body_html: body.clone(),
            due_by: Some(date("2026-03-16")),
            ..notice(NoticeKind::Intention, p, "640104", &title)
        },
    );

    let reply = app
        .get(&format!("/api/v1/notices/{}", row.id), None)
        .await
        .expect(200);
    assert_eq!(
        reply.headers.get("cache-control").expect("cache-control"),
        "public, max-age=60"
    );
    let detail = reply.json();
    assert_eq!(detail["id"], row.id);
    assert_eq!(detail["kind"], "intention");
    assert_eq!(detail["kind_label"], "采购意向公告");
    assert_eq!(
        detail["title"],
        "兴庆区2026年困难群众社会工作服务项目采购意向公告"
    );
    assert_eq!(detail["body_html"], body);
    let html = detail["body_html"].as_str().expect("html");
    assert!(html.contains("一、项目编号") && html.contains("XQMZ-2026-001"));
    assert!(html.contains("¥1,000,000.00（人民币壹佰万元整）"));
    assert_eq!(detail["project_id"], Value::Null);
    assert_eq!(detail["purchaser_id"], p);
    assert_eq!(detail["published_at"], "2026-03-02T01:00:00.000000Z");
    assert_eq!(detail["due_by"], "2026-03-16");
    assert_eq!(detail["on_time"], true);
    assert_eq!(detail["pdf_url"], format!("/notices/{}.pdf", row.id));
    assert_eq!(detail["pdf_sha256"], Value::Null);

    // The same row through the service.
    let mut conn = app.conn();
    assert_eq!(
        notices::find(&mut conn, row.id).expect("find"),
        Some(row.clone())
    );
    assert_eq!(notices::find(&mut conn, row.id + 1000).expect("find"), None);
    assert!(
        notices::for_project(&mut conn, 1)
            .expect("for project")
            .is_empty()
    );
    drop(conn);

    let listed = app.get("/api/v1/notices", None).await.expect(200);
    assert_eq!(
        listed.headers.get("cache-control").expect("cache-control"),
        "public, max-age=60"
    );
}

#[tokio::test]
async fn on_time_is_judged_by_the_shanghai_date() {
    let app = spawn_app().await;
    let p = purchaser(
        &app,
        "银川市兴庆区民政局",
        "government_department",
        "640104",
        1,
    )
    .await;
    let due = |title: &str| NewNotice {
        due_by: Some(date("2026-03-16")),
        ..notice(NoticeKind::Award, p, "640104", title)
    };
    // 23:59:59 on the due date in Shanghai.
    let last_moment = publish_at(&app, at("2026-03-16 15:59:59"), &due("当日最后一刻"));
    // 00:00 on the next day in Shanghai, though still the 16th in UTC.
    let next_day = publish_at(&app, at("2026-03-16 16:00:00"), &due("次日零时"));
    // Early on the due date in Shanghai, still the 15th in UTC.
    let early = publish_at(&app, at("2026-03-15 17:00:00"), &due("当日清晨"));
    let undated = publish_at(
        &app,
        at("2027-01-01 00:00:00"),
        &notice(NoticeKind::Correction, p, "640104", "无期限"),
    );
    assert!(last_moment.on_time);
    assert!(!next_day.on_time);
    assert!(early.on_time);
    assert!(undated.on_time);
    assert_eq!(next_day.published_at, at("2026-03-16 16:00:00"));
    assert_eq!(next_day.due_by, Some(date("2026-03-16")));

    for (row, expected) in [
        (&last_moment, true),
        (&next_day, false),
        (&early, true),
        (&undated, true),
    ] {
        let detail = app
            .get(&format!("/api/v1/notices/{}", row.id), None)
            .await
            .expect(200)
            .json();
        assert_eq!(detail["on_time"], expected, "{}", row.title);
    }
}

#[tokio::test]
async fn every_publication_is_audited_and_rolls_back_with_its_step() {
    let app = spawn_app().await;
    let p = purchaser(
        &app,
        "银川市兴庆区民政局",
        "government_department",
        "640104",
        1,
    )
    .await;
    let admin_id = {
        let mut conn = app.conn();
        sixnorms::auth::model::find_by_username(&mut conn, "admin")
            .expect("query")
            .expect("admin")
            .id
    };
    // Within the admin token's 12 hours, so the audit API can be read afterwards.
    let first = publish_at(
        &app,
        at("2026-03-02 02:00:00"),
        &NewNotice {
            due_by: Some(date("2026-03-01")),
            created_by: Some(admin_id),
            ..notice(NoticeKind::Award, p, "640104", "迟发的结果公告")
        },
    );
    let second = publish_at(
        &app,
        at("2026-03-02 03:00:00"),
        &notice(NoticeKind::Contract, p, "640104", "合同公告"),
    );
    assert_eq!(first.created_by, Some(admin_id));

    for (row, kind, due_by, on_time) in [
        (&first, "award", Value::from("2026-03-01"), false),
        (&second, "contract", Value::Null, true),
    ] {
        let trail = app
            .get(
                &format!("/api/v1/audit?entity_type=notice&entity_id={}", row.id),
                Some(&app.admin_token),
            )
            .await
            .expect(200)
            .json();
        assert_eq!(trail["total"], 1, "one audit row per publication");
        let entry = &trail["items"][0];
        assert_eq!(entry["action"], "notice.publish");
        assert_eq!(entry["actor"], "test");
        assert_eq!(entry["before_json"], Value::Null);
        let after: Value =
            serde_json::from_str(entry["after_json"].as_str().expect("after")).expect("json");
        assert_eq!(after["kind"], kind);
        assert_eq!(after["project_id"], Value::Null);
        assert_eq!(after["title"], row.title.as_str());
        assert_eq!(after["due_by"], due_by);
        assert_eq!(after["on_time"], on_time);
    }

    // A step that fails after publishing takes its notice and audit row with it.
    let before = app.counts(&["notices", "audit_log"]);
    let actor = Actor::system("test", app.state.clock.now());
    let failed: Result<(), diesel::result::Error> = {
        let mut conn = app.conn();
        write_tx(&mut conn, |conn| {
            notices::publish(
                conn,
                &actor,
                &notice(NoticeKind::Failure, p, "640104", "不应留下的公告"),
            )?;
            Err(diesel::result::Error::RollbackTransaction)
        })
    };
    assert!(failed.is_err());
    assert_eq!(app.counts(&["notices", "audit_log"]), before);
    assert_eq!(count_rows(&mut app.conn(), "notices"), 2);

    let verify = app
        .get("/api/v1/audit/verify", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    assert_eq!(verify["ok"], true, "{verify}");
}

#[tokio::test]
async fn bad_queries_are_refused_and_unknown_notices_are_404() {
    let app = spawn_app().await;
    let reply = app
        .get("/api/v1/notices?kind=bogus", None)
        .await
        .expect(422);
    assert_eq!(reply.code(), "validation_failed");
    let fields = &reply.json()["error"]["details"]["fields"];
    assert!(
        fields["kind"][0]
            .as_str()
            .expect("message")
            .contains("intention"),
        "{fields}"
    );

    for (query, field) in [
        ("region_code=64%25", "region_code"),
        ("region_code=640199", "region_code"),
        ("purchaser_id=abc", "purchaser_id"),
        ("year=twenty", "year"),
        ("year=99999", "year"),
    ] {
        let reply = app
            .get(&format!("/api/v1/notices?{query}"), None)
            .await
            .expect(422);
        assert!(
            reply.json()["error"]["details"]["fields"]
                .get(field)
                .is_some(),
            "{query}: {}",
            reply.text
        );
    }

    let missing = app.get("/api/v1/notices/999999", None).await.expect(404);
    assert_eq!(missing.code(), "not_found");
    app.get("/api/v1/notices/abc", None).await.expect(404);
}
