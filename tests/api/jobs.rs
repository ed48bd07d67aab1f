//! Jobs: the admin list, running by hand, the slot claim under concurrency, and two
//! schedulers on one database running each slot once.

use std::time::Duration as StdDuration;

use chrono::Duration;
use diesel::prelude::*;
use figment::providers::Serialized;
use serde_json::json;
use sixnorms::auth::Role;
use sixnorms::jobs::{Trigger, runs};
use sixnorms::notify::outbox::{NewEmail, enqueue};

use crate::helpers::{spawn_app, spawn_app_with, spawn_instance_sharing, start_time};

#[tokio::test]
async fn admin_lists_jobs_with_schedules() {
    let app = spawn_app().await;
    let jobs = app
        .get("/api/v1/admin/jobs", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    let names: Vec<&str> = jobs
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|j| j["name"].as_str())
        .collect();
    assert_eq!(
        names,
        vec![
            "send_email",
            "purge_expired_sessions",
            "open_bids",
            "start_services",
            "report_reminders",
            "create_evaluations",
            "disclosure_watch",
            "render_notice_pdfs",
            "build_project_pages"
        ]
    );
    assert_eq!(jobs[0]["schedule"], "0 * * * * *");
    assert!(jobs[0]["next_run_at"].is_string());
    let (_, officer) = app.user_with_token("jingban", Role::Officer).await;
    app.get("/api/v1/admin/jobs", Some(&officer))
        .await
        .expect(403);
    app.post(
        "/api/v1/admin/jobs/send_email/run",
        Some(&officer),
        json!({}),
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn running_a_job_by_hand_records_the_run() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("wang", Role::Officer).await;
    // Two days later the token has expired and is purged.
    app.set_clock(start_time() + Duration::days(2));
    let run = app
        .call(
            reqwest::Method::POST,
            "/api/v1/admin/jobs/purge_expired_sessions/run",
            Some(&app.admin_token),
            None,
        )
        .await;
    // The admin's own token expired too; log in again at the new time.
    assert_eq!(run.status.as_u16(), 401);
    let admin = app.login("admin", crate::helpers::PASSWORD).await;
    let run = app
        .call(
            reqwest::Method::POST,
            "/api/v1/admin/jobs/purge_expired_sessions/run",
            Some(&admin),
            None,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(run["outcome"], "ok", "{run}");
    assert_eq!(run["trigger_kind"], "manual");
    let detail: serde_json::Value =
        serde_json::from_str(run["detail"].as_str().expect("detail")).expect("json");
    assert_eq!(detail["tokens_deleted"], 2, "{detail}");
    app.get("/api/v1/me", Some(&token)).await.expect(401);
    let listed = app
        .get("/api/v1/admin/jobs", Some(&admin))
        .await
        .expect(200)
        .json();
    assert_eq!(listed[1]["last_runs"][0]["id"], run["id"]);
    let unknown = app
        .call(
            reqwest::Method::POST,
            "/api/v1/admin/jobs/make_coffee/run",
            Some(&admin),
            None,
        )
        .await
        .expect(404);
    assert_eq!(unknown.code(), "not_found");
}

#[tokio::test]
async fn only_one_claim_of_a_slot_wins() {
    let app = spawn_app().await;
    let mut handles = Vec::new();
    for i in 0..8 {
        let db = app.state.db.clone();
        handles.push(std::thread::spawn(move || {
            let mut conn = db.get().expect("conn");
            runs::claim(
                &mut conn,
                "send_email",
                "2026-03-02T09:00:00+08:00",
                &format!("inst{i}"),
                Trigger::Schedule,
            )
            .expect("claim")
        }));
    }
    let winners = handles
        .into_iter()
        .map(|h| h.join().expect("join"))
        .filter(Option::is_some)
        .count();
    assert_eq!(winners, 1);
    let mut conn = app.conn();
    let other_slot = runs::claim(
        &mut conn,
        "send_email",
        "2026-03-02T09:01:00+08:00",
        "x",
        Trigger::Schedule,
    )
    .expect("claim");
    assert!(other_slot.is_some(), "a different slot is free");
    let other_job = runs::claim(
        &mut conn,
        "purge_expired_sessions",
        "2026-03-02T09:00:00+08:00",
        "x",
        Trigger::Schedule,
    )
    .expect("claim");
    assert!(other_job.is_some(), "the same slot of another job is free");
}

#[tokio::test]
async fn two_schedulers_on_one_database_run_each_slot_once() {
    let every_second = |f: figment::Figment| {
        f.merge(Serialized::default("jobs.enabled", true))
            .merge(Serialized::default(
                "jobs.schedules.send_email",
                "* * * * * *",
            ))
            .merge(Serialized::default(
                "jobs.schedules.purge_expired_sessions",
                "",
            ))
    };
    let first = spawn_app_with(every_second).await;
    // Queue mail before the second instance starts racing.
    {
        let mut conn = first.conn();
        for i in 0..3 {
            enqueue(
                &mut conn,
                first.state.clock.now(),
                &NewEmail {
                    kind: "test",
                    dedup_key: None,
                    to_address: &format!("r{i}@example.cn"),
                    to_user_id: None,
                    subject: "测试",
                    body_text: "正文",
                    body_html: None,
                },
            )
            .expect("enqueue");
        }
    }
    let second = spawn_instance_sharing(&first, every_second).await;
    tokio::time::sleep(StdDuration::from_millis(3_500)).await;
    use sixnorms::db::schema::job_runs;
    let mut conn = first.conn();
    let slots: Vec<(String, String)> = job_runs::table
        .filter(job_runs::job_name.eq("send_email"))
        .select((job_runs::slot, job_runs::instance))
        .load(&mut *conn)
        .expect("runs");
    assert!(slots.len() >= 2, "the scheduler fired: {slots:?}");
    let mut distinct: Vec<&String> = slots.iter().map(|(s, _)| s).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), slots.len(), "a slot ran twice: {slots:?}");
    // Each message was written exactly once, by one of the two instances.
    let files = |dir: &std::path::Path| {
        std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(Result::ok).count())
            .unwrap_or(0)
    };
    let delivered =
        files(&first.state.settings.mail.file_dir) + files(&second.state.settings.mail.file_dir);
    assert_eq!(delivered, 3);
}
