//! Disclosure timeliness: due, on time, late and missing per purchaser, across the Spring
//! Festival; and the disclosure_watch reminders, once per officer per day.

use diesel::prelude::*;
use serde_json::json;
use sixnorms::audit::Actor;
use sixnorms::db::write_tx;
use sixnorms::disclosure::notices::{NewNotice, NoticeKind, publish};

use crate::helpers::{at, spawn_app};
use crate::procurement::{buyer, project, project_body};

fn row(report: &serde_json::Value, purchaser: i64) -> serde_json::Value {
    report["purchasers"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["purchaser_id"] == purchaser)
        .expect("row")
        .clone()
}

#[tokio::test]
async fn compliance_counts_on_time_late_and_missing() {
    let app = spawn_app().await;
    let b = crate::procurement::buyer(&app, 1, "government_department", "5000000.00").await;
    let with_plan = |planned: &str| {
        let mut body = project_body(&b);
        body["expected_tender_date"] = json!(planned);
        body["budget_amount"] = json!("100000");
        body
    };
    // The clock stands at 2026-03-02 (Shanghai).
    let on_time = project(&app, &b, with_plan("2026-04-15")).await; // intention due 03-16
    let late = project(&app, &b, with_plan("2026-03-20")).await; // due 02-18, published today
    let _missing = project(&app, &b, with_plan("2026-03-25")).await; // due 02-23, never published
    let _not_yet = project(&app, &b, with_plan("2026-04-20")).await; // due 03-21, still in draft
    for id in [on_time, late] {
        app.post(
            &format!("/api/v1/projects/{id}/intention"),
            Some(&b.officer),
            json!({}),
        )
        .await
        .expect(200);
    }
    let report = app
        .get("/api/v1/stats/compliance?year=2026", None)
        .await
        .expect(200)
        .json();
    let mine = row(&report, b.purchaser);
    assert_eq!(
        (
            mine["due"].clone(),
            mine["on_time"].clone(),
            mine["late"].clone(),
            mine["missing"].clone()
        ),
        (json!(3), json!(1), json!(1), json!(1)),
        "{mine}"
    );
    assert_eq!(mine["on_time_rate"], "33.33");
    let other_year = app
        .get("/api/v1/stats/compliance?year=2025", None)
        .await
        .expect(200)
        .json();
    assert_eq!(row(&other_year, b.purchaser)["due"], 0);
    let bad = app
        .get("/api/v1/stats/compliance?year=1800", None)
        .await
        .expect(422);
    assert!(bad.json()["error"]["details"]["fields"]["year"].is_array());
}

#[tokio::test]
async fn working_day_due_dates_across_the_spring_festival() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "5000000.00").await;
    // An award decided on Friday 2026-02-13 is due two working days later: Saturday 2/14
    // (调休) and Tuesday 2/24, after the festival (2/15–2/23 off).
    let decided = chrono::NaiveDate::from_ymd_opt(2026, 2, 13).expect("date");
    let due = app.state.calendar.add_working_days(decided, 2);
    assert_eq!(due.to_string(), "2026-02-24");
    let mut conn = app.conn();
    for (when, title) in [
        ("2026-02-24 09:00:00", "按时"),
        ("2026-02-24 16:30:00", "逾期"),
    ] {
        // 16:30 UTC on 2/24 is already 2/25 in Shanghai.
        let actor = Actor::system("test", at(when));
        write_tx(&mut conn, |conn| {
            publish(
                conn,
                &actor,
                &NewNotice {
                    kind: NoticeKind::Award,
                    project_id: None,
                    purchaser_id: b.purchaser,
                    region_code: "640104".to_owned(),
                    title: format!("{title}的中标结果公告"),
                    body_html: "<p>测试</p>".to_owned(),
                    due_by: Some(due),
                    created_by: None,
                },
            )
        })
        .expect("publish");
    }
    drop(conn);
    let report = app
        .get("/api/v1/stats/compliance?year=2026", None)
        .await
        .expect(200)
        .json();
    let mine = row(&report, b.purchaser);
    assert_eq!(
        (mine["on_time"].clone(), mine["late"].clone()),
        (json!(1), json!(1)),
        "{mine}"
    );
}

#[tokio::test]
async fn disclosure_watch_reminds_each_officer_once_a_day() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "5000000.00").await;
    let mut body = project_body(&b);
    body["expected_tender_date"] = json!("2026-04-15"); // intention due 2026-03-16
    body["budget_amount"] = json!("100000");
    project(&app, &b, body.clone()).await;
    body["expected_tender_date"] = json!("2026-04-01"); // due 2026-03-02: today
    project(&app, &b, body).await;
    let run = |app: &crate::helpers::TestApp| {
        let state = app.state.clone();
        async move {
            sixnorms::jobs::run_now(&state, "disclosure_watch", sixnorms::jobs::Trigger::Manual)
                .await
                .expect("run")
        }
    };
    let outbox = |app: &crate::helpers::TestApp| {
        use sixnorms::db::schema::outbox;
        let mut conn = app.conn();
        outbox::table
            .select((outbox::kind, outbox::subject))
            .order(outbox::id.asc())
            .load::<(String, String)>(&mut *conn)
            .expect("outbox")
    };
    // 2026-03-02: one due today.
    run(&app).await;
    let mail = outbox(&app);
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0].0, "notice_due_today");
    // 2026-03-15: the first is due tomorrow, the second overdue; a second run adds nothing.
    app.set_clock(at("2026-03-15 01:00:00"));
    run(&app).await;
    run(&app).await;
    let kinds: Vec<String> = outbox(&app).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        kinds,
        vec!["notice_due_today", "notice_due_tomorrow", "notice_overdue"]
    );
    assert!(outbox(&app)[1].1.contains("明日到期"), "{:?}", outbox(&app));
    assert!(outbox(&app)[2].1.contains("已逾期"));
}
