//! The evaluator's, auditor's and admin's workspace pages over plain HTTP: score sheets of
//! bids (`/app/panels/{id}`) and of performance evaluations (`/app/evaluations/{id}`), the
//! audit trail with its hash-chain check (`/app/audit`), and the admin's users, catalog,
//! regions, jobs and outbox pages — each form's success, refusal (422, nothing written) and
//! access by the wrong role.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::json;
use sixnorms::auth::Role;
use sixnorms::db::schema::{
    audit_log, bid_scores, bids, evaluation_scores, job_runs, outbox, projects, tenders, users,
};

use crate::factories::qualified_contractor;
use crate::helpers::{
    PASSWORD, TestApp, at, create_user_direct, element, location, spawn_app, with_flash,
};
use crate::procurement::{Buyer, buyer, project, project_body, tender_body};

// ------------------------------------------------------------------------------ set-up

/// A project in `evaluating` with three qualified bids (put in directly, as in
/// `evaluation.rs`) and a panel of three evaluators (expert1–3) formed through the API;
/// expert4 is an evaluator not on the panel.
struct Panel {
    project: i64,
    bids: Vec<i64>,
    experts: Vec<i64>,
    outsider: i64,
}

async fn panel(app: &mut TestApp) -> Panel {
    let b = buyer(app, 1, "government_department", "3000000.00").await;
    let id = project(app, &b, project_body(&b)).await;
    let url = format!("/api/v1/projects/{id}");
    app.post(&format!("{url}/intention"), Some(&b.officer), json!({}))
        .await
        .expect(200);
    app.set_clock(at("2026-04-01 01:00:00"));
    app.admin_token = app.login("admin", PASSWORD).await;
    let officer = app.login("officer1", PASSWORD).await;
    let mut tender = tender_body("2026-04-21T09:00:00+08:00");
    tender["max_price"] = json!("1000000.00");
    let tender_id = app
        .post(&format!("{url}/tender"), Some(&officer), tender)
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("tender id");
    let mut bid_ids = Vec::new();
    for (i, price) in ["800000.00", "900000.00", "950000.00"].iter().enumerate() {
        let n = u32::try_from(i + 1).expect("small");
        let (contractor_id, _) = qualified_contractor(app, n, &format!("org{n}"), "640104").await;
        let fen: i64 = price.replace('.', "").parse().expect("fen");
        let mut conn = app.conn();
        let bid_id: i64 = diesel::insert_into(bids::table)
            .values((
                bids::project_id.eq(id),
                bids::tender_id.eq(tender_id),
                bids::contractor_id.eq(contractor_id),
                bids::price_fen.eq(fen),
                bids::proposal.eq("服务方案：入户探访、需求评估、个案帮扶。"),
                bids::team_size.eq(8),
                bids::receipt_sha256.eq(format!("{:064x}", i + 1)),
                bids::submitted_at.eq(at("2026-04-10 02:00:00")),
                bids::status.eq("qualified"),
            ))
            .returning(bids::id)
            .get_result(&mut *conn)
            .expect("insert bid");
        bid_ids.push(bid_id);
    }
    {
        let mut conn = app.conn();
        diesel::update(tenders::table.find(tender_id))
            .set(tenders::opened_at.eq(Some(at("2026-04-21 01:00:00"))))
            .execute(&mut *conn)
            .expect("open");
        diesel::update(projects::table.find(id))
            .set(projects::status.eq("evaluating"))
            .execute(&mut *conn)
            .expect("evaluating");
    }
    app.set_clock(at("2026-04-21 02:00:00"));
    app.admin_token = app.login("admin", PASSWORD).await;
    let officer = app.login("officer1", PASSWORD).await;
    let mut experts = Vec::new();
    for n in 1..=4 {
        experts.push(create_user_direct(
            &app.state,
            &format!("expert{n}"),
            Role::Evaluator,
        ));
    }
    let outsider = experts.pop().expect("four");
    app.call(
        Method::PUT,
        &format!("{url}/panel"),
        Some(&officer),
        Some(json!({ "evaluator_ids": experts })),
    )
    .await
    .expect(200);
    Panel {
        project: id,
        bids: bid_ids,
        experts,
        outsider,
    }
}

/// `(criterion, hundredths)` of an evaluator's stored sheet of a bid.
fn stored_scores(app: &TestApp, bid: i64, evaluator: i64) -> Vec<(String, i64)> {
    bid_scores::table
        .filter(bid_scores::bid_id.eq(bid))
        .filter(bid_scores::evaluator_id.eq(evaluator))
        .order(bid_scores::criterion_code.asc())
        .select((bid_scores::criterion_code, bid_scores::points_centi))
        .load(&mut *app.conn())
        .expect("scores")
}

const SCORE_TABLES: [&str; 2] = ["bid_scores", "audit_log"];

// ------------------------------------------------------------------------ bid scoring

#[tokio::test]
async fn an_evaluator_scores_bids_through_the_panel_page() {
    let mut app = spawn_app().await;
    let p = panel(&mut app).await;
    let cookie = app.page_login("expert1", PASSWORD).await;

    // The list shows the panel with nothing scored yet.
    let list = app.get_page("/app/panels", &cookie).await;
    assert_eq!(list.status.as_u16(), 200);
    assert!(list.text.contains(&format!("id=\"panel-{}\"", p.project)));
    assert!(list.text.contains("兴庆区2026年困难群众社会工作服务项目"));
    assert!(list.text.contains("0 / 3"), "{}", list.text);

    // The page: bidders, prices, one input per criterion with its maximum.
    let page = app
        .get_page(&format!("/app/panels/{}", p.project), &cookie)
        .await;
    assert_eq!(page.status.as_u16(), 200);
    let bid = p.bids[0];
    for text in [
        "¥800,000.00",
        "¥950,000.00",
        &format!("id=\"score-{bid}\""),
        &format!("action=\"/app/panels/{}/bids/{bid}/scores\"", p.project),
        "name=\"scores.plan\"",
        "name=\"scores.team\"",
        "name=\"scores.experience\"",
        "服务方案（满分 40.00 分）",
        "团队与资质（满分 20.00 分）",
        "提交评分",
    ] {
        assert!(page.text.contains(text), "missing {text}");
    }

    // Success: 303 back to the bid, flash, the sheet stored.
    let path = format!("/app/panels/{}/bids/{bid}/scores", p.project);
    let reply = app
        .post_page(
            &path,
            &cookie,
            &[
                ("scores.plan", "35.5"),
                ("scores.team", "17"),
                ("scores.experience", "8"),
            ],
        )
        .await;
    assert_eq!(reply.status.as_u16(), 303, "{}", reply.text);
    assert_eq!(
        location(&reply),
        format!("/app/panels/{}#bid-{bid}", p.project)
    );
    assert_eq!(
        stored_scores(&app, bid, p.experts[0]),
        [
            ("experience".to_owned(), 800),
            ("plan".to_owned(), 3550),
            ("team".to_owned(), 1700)
        ]
    );
    let after = app
        .get_page(
            &format!("/app/panels/{}", p.project),
            &with_flash(&cookie, &reply),
        )
        .await;
    assert!(after.text.contains("评分已保存。"));
    assert!(after.text.contains("value=\"35.50\""), "stored value shown");
    assert!(after.text.contains("60.50 分"), "total shown");
    assert!(after.text.contains("修改评分"));
    let list = app.get_page("/app/panels", &cookie).await;
    assert!(list.text.contains("1 / 3"));

    // Above the maximum: 422, the input kept, the message next to that criterion, nothing
    // written.
    let before = app.counts(&SCORE_TABLES);
    let reply = app
        .post_page(
            &path,
            &cookie,
            &[
                ("scores.plan", "41"),
                ("scores.team", "18"),
                ("scores.experience", "9"),
            ],
        )
        .await;
    assert_eq!(reply.status.as_u16(), 422);
    let error = element(&reply.text, &format!("e-{bid}-plan"));
    assert!(error.contains("须在 0 到 40.00 分之间"), "{error}");
    assert!(reply.text.contains("value=\"41\""), "input kept");
    assert!(
        !reply.text.contains(&format!("e-{bid}-team")),
        "team is fine"
    );
    assert_eq!(app.counts(&SCORE_TABLES), before);
    assert_eq!(stored_scores(&app, bid, p.experts[0])[1].1, 3550);

    // A missing criterion: the message names it.
    let reply = app
        .post_page(
            &path,
            &cookie,
            &[("scores.plan", "30"), ("scores.experience", "9")],
        )
        .await;
    assert_eq!(reply.status.as_u16(), 422);
    let error = element(&reply.text, &format!("e-{bid}-team"));
    assert!(error.contains("必填（团队与资质）"), "{error}");
    assert_eq!(app.counts(&SCORE_TABLES), before);

    // Changing the sheet before the award replaces it.
    let reply = app
        .post_page(
            &path,
            &cookie,
            &[
                ("scores.plan", "36"),
                ("scores.team", "17"),
                ("scores.experience", "8"),
            ],
        )
        .await;
    assert_eq!(reply.status.as_u16(), 303);
    assert_eq!(stored_scores(&app, bid, p.experts[0])[1].1, 3600);
}

#[tokio::test]
async fn only_panel_members_reach_the_sheets_and_bids_stay_sealed_before_opening() {
    let mut app = spawn_app().await;
    let p = panel(&mut app).await;
    let bid = p.bids[1];
    let path = format!("/app/panels/{}/bids/{bid}/scores", p.project);
    let fields = [
        ("scores.plan", "30"),
        ("scores.team", "15"),
        ("scores.experience", "5"),
    ];

    // An evaluator not on the panel: no panel listed, 403 on the page and the form.
    let outsider = app.page_login("expert4", PASSWORD).await;
    let list = app.get_page("/app/panels", &outsider).await;
    assert_eq!(list.status.as_u16(), 200);
    assert!(!list.text.contains(&format!("panel-{}", p.project)));
    assert_eq!(
        app.get_page(&format!("/app/panels/{}", p.project), &outsider)
            .await
            .status
            .as_u16(),
        403
    );
    let before = app.counts(&SCORE_TABLES);
    let reply = app.post_page(&path, &outsider, &fields).await;
    assert_eq!(reply.status.as_u16(), 403);
    assert_eq!(app.counts(&SCORE_TABLES), before);
    assert!(stored_scores(&app, bid, p.outsider).is_empty());

    // Other roles: 403.
    let officer = app.page_login("officer1", PASSWORD).await;
    assert_eq!(
        app.get_page("/app/panels", &officer).await.status.as_u16(),
        403
    );
    assert_eq!(
        app.post_page(&path, &officer, &fields)
            .await
            .status
            .as_u16(),
        403
    );
    assert_eq!(app.counts(&SCORE_TABLES), before);

    // A panel whose round is not open (a new round): the sealed notice, no prices.
    {
        let mut conn = app.conn();
        diesel::update(tenders::table.filter(tenders::project_id.eq(p.project)))
            .set(tenders::opened_at.eq(None::<chrono::NaiveDateTime>))
            .execute(&mut *conn)
            .expect("unopen");
    }
    let member = app.page_login("expert2", PASSWORD).await;
    let page = app
        .get_page(&format!("/app/panels/{}", p.project), &member)
        .await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.text.contains("开标前投标文件保密"));
    assert!(!page.text.contains("¥800,000.00"));
    assert!(!page.text.contains("scores.plan"));
}

// --------------------------------------------------------- performance evaluation

/// An ACTIVE contract of a project created through the API (as in `evaluations.rs`).
async fn active_contract(app: &TestApp, b: &Buyer, contractor: i64) -> i64 {
    crate::evaluations::active_contract(app, b, contractor).await
}

const EVALUATION_TABLES: [&str; 4] = [
    "evaluation_scores",
    "performance_evaluations",
    "notices",
    "audit_log",
];

#[tokio::test]
async fn an_evaluator_hands_in_a_performance_evaluation_sheet() {
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "5000000.00").await;
    let (contractor, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    let contract = active_contract(&app, &b, contractor).await;
    let evaluator = create_user_direct(&app.state, "assessor", Role::Evaluator);
    create_user_direct(&app.state, "stranger", Role::Evaluator);
    let id = app
        .post(
            &format!("/api/v1/contracts/{contract}/evaluations"),
            Some(&b.officer),
            json!({"kind": "midterm"}),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    app.call(
        Method::PUT,
        &format!("/api/v1/evaluations/{id}/evaluators"),
        Some(&b.officer),
        Some(json!({"evaluator_ids": [evaluator]})),
    )
    .await
    .expect(200);
    let cookie = app.page_login("assessor", PASSWORD).await;

    let list = app.get_page("/app/evaluations", &cookie).await;
    assert_eq!(list.status.as_u16(), 200);
    let row = element(&list.text, &format!("evaluation-{id}"));
    assert!(
        row.contains("中期评价") || list.text.contains("中期评价"),
        "{row}"
    );
    assert!(list.text.contains("待评分"));

    let page = app
        .get_page(&format!("/app/evaluations/{id}"), &cookie)
        .await;
    assert_eq!(page.status.as_u16(), 200);
    for text in [
        "id=\"evaluation-form\"",
        "服务管理（满分 20 分）",
        "专业服务（满分 40 分）",
        "服务成效（满分 30 分）",
        "满意度（满分 10 分）",
        "name=\"scores.management\"",
        "name=\"scores.satisfaction\"",
        "name=\"comment\"",
    ] {
        assert!(page.text.contains(text), "missing {text}");
    }

    // Bad input: above the maximum and not a number → 422, messages next to the
    // indicators, input kept, nothing written.
    let path = format!("/app/evaluations/{id}/scores");
    let before = app.counts(&EVALUATION_TABLES);
    let reply = app
        .post_page(
            &path,
            &cookie,
            &[
                ("scores.management", "21"),
                ("scores.professional", "三十"),
                ("scores.outcome", "25"),
                ("scores.satisfaction", "9"),
                ("comment", "记录完整"),
            ],
        )
        .await;
    assert_eq!(reply.status.as_u16(), 422);
    assert!(
        element(&reply.text, "e-scores.management").contains("须在 0 到 20 分之间"),
        "{}",
        reply.text
    );
    assert!(element(&reply.text, "e-scores.professional").contains("须为数字"));
    assert!(reply.text.contains("value=\"三十\""));
    assert!(reply.text.contains("记录完整"), "comment kept");
    assert_eq!(app.counts(&EVALUATION_TABLES), before);

    // Someone not assigned: 403, nothing written.
    let stranger = app.page_login("stranger", PASSWORD).await;
    assert_eq!(
        app.get_page(&format!("/app/evaluations/{id}"), &stranger)
            .await
            .status
            .as_u16(),
        403
    );
    let reply = app
        .post_page(
            &path,
            &stranger,
            &[
                ("scores.management", "18"),
                ("scores.professional", "36"),
                ("scores.outcome", "27"),
                ("scores.satisfaction", "9"),
            ],
        )
        .await;
    assert_eq!(reply.status.as_u16(), 403);
    assert_eq!(app.counts(&EVALUATION_TABLES), before);

    // Success: stored; being the only evaluator, the evaluation is graded (90 → 优秀).
    let reply = app
        .post_page(
            &path,
            &cookie,
            &[
                ("scores.management", "18"),
                ("scores.professional", "36"),
                ("scores.outcome", "27"),
                ("scores.satisfaction", "9"),
                ("comment", "服务记录完整"),
            ],
        )
        .await;
    assert_eq!(reply.status.as_u16(), 303, "{}", reply.text);
    assert_eq!(location(&reply), format!("/app/evaluations/{id}"));
    let stored: Vec<(String, i64)> = evaluation_scores::table
        .filter(evaluation_scores::evaluation_id.eq(id))
        .filter(evaluation_scores::evaluator_id.eq(evaluator))
        .order(evaluation_scores::indicator_code.asc())
        .select((
            evaluation_scores::indicator_code,
            evaluation_scores::points_centi,
        ))
        .load(&mut *app.conn())
        .expect("scores");
    assert_eq!(
        stored,
        [
            ("management".to_owned(), 1800),
            ("outcome".to_owned(), 2700),
            ("professional".to_owned(), 3600),
            ("satisfaction".to_owned(), 900)
        ]
    );
    let after = app
        .get_page(
            &format!("/app/evaluations/{id}"),
            &with_flash(&cookie, &reply),
        )
        .await;
    assert!(after.text.contains("绩效评价评分已保存。"));
    assert!(after.text.contains("90.00 分 优秀"), "{}", after.text);
    assert!(
        !after.text.contains("id=\"evaluation-form\""),
        "graded: read only"
    );

    // Other roles: 403.
    let officer = app.page_login("officer1", PASSWORD).await;
    assert_eq!(
        app.get_page("/app/evaluations", &officer)
            .await
            .status
            .as_u16(),
        403
    );
}

// ------------------------------------------------------------------------------ audit

#[tokio::test]
async fn the_audit_page_lists_the_trail_and_verifies_the_chain() {
    let app = spawn_app().await;
    create_user_direct(&app.state, "shenji", Role::Auditor);
    create_user_direct(&app.state, "wang", Role::Officer);
    let cookie = app.page_login("shenji", PASSWORD).await;

    let page = app.get_page("/app/audit", &cookie).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.text.contains("user.create"));
    assert!(page.text.contains("校验哈希链"));
    let newest: (i64, String) = audit_log::table
        .order(audit_log::seq.desc())
        .select((audit_log::id, audit_log::hash))
        .first(&mut *app.conn())
        .expect("row");
    let row = element(&page.text, &format!("audit-{}", newest.0));
    assert!(page.text.contains(&newest.1[..12]), "hash prefix shown");
    assert!(row.contains(&newest.0.to_string()));
    // Newest first.
    let first_row = page.text.find("<tr id=\"audit-").expect("a row");
    assert!(page.text[first_row..].starts_with(&format!("<tr id=\"audit-{}\"", newest.0)));

    // Filters.
    let filtered = app
        .get_page("/app/audit?action=user.create&entity_type=user", &cookie)
        .await;
    assert_eq!(filtered.status.as_u16(), 200);
    assert!(filtered.text.contains("user.create"));
    let none = app.get_page("/app/audit?action=bid.score", &cookie).await;
    assert!(none.text.contains("没有符合条件的记录"));

    // The check: intact.
    let entries = app.counts(&["audit_log"])[0].1;
    let reply = app.post_page("/app/audit/verify", &cookie, &[]).await;
    assert_eq!(reply.status.as_u16(), 200);
    assert!(reply.text.contains("id=\"verify-ok\""), "{}", reply.text);
    assert!(reply.text.contains(&format!("共校验 {entries} 条记录")));

    // Without the token: 403.
    let response = app
        .client
        .post(format!("{}/app/audit/verify", app.address))
        .header("Cookie", &cookie)
        .form(&[("csrf", "forged")])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 403);

    // Tampered: the first bad id.
    let first: i64 = audit_log::table
        .order(audit_log::seq.asc())
        .select(audit_log::id)
        .first(&mut *app.conn())
        .expect("first");
    diesel::update(audit_log::table.find(first))
        .set(audit_log::actor.eq("someone else"))
        .execute(&mut *app.conn())
        .expect("tamper");
    let reply = app.post_page("/app/audit/verify", &cookie, &[]).await;
    assert_eq!(reply.status.as_u16(), 200);
    assert!(reply.text.contains("id=\"verify-bad\""));
    assert!(
        element(&reply.text, "first-bad-id").contains(&first.to_string()),
        "{}",
        reply.text
    );

    // Admins see it too; officers and contractors do not.
    let admin = app.page_login("admin", PASSWORD).await;
    assert_eq!(
        app.get_page("/app/audit", &admin).await.status.as_u16(),
        200
    );
    let officer = app.page_login("wang", PASSWORD).await;
    assert_eq!(
        app.get_page("/app/audit", &officer).await.status.as_u16(),
        403
    );
    assert_eq!(
        app.post_page("/app/audit/verify", &officer, &[])
            .await
            .status
            .as_u16(),
        403
    );
}

// ------------------------------------------------------------------------------ admin

fn user_count(app: &TestApp, username: &str) -> i64 {
    users::table
        .filter(users::username.eq(username))
        .count()
        .get_result(&mut *app.conn())
        .expect("count")
}

#[tokio::test]
async fn an_admin_creates_users_through_the_form() {
    let app = spawn_app().await;
    let admin = app.page_login("admin", PASSWORD).await;
    let page = app.get_page("/app/admin/users", &admin).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.text.contains("id=\"user-form\""));
    assert!(page.text.contains("系统管理员"));

    let fields = |username: &'static str, password: &'static str| {
        vec![
            ("username", username),
            ("display_name", "李专家"),
            ("email", "li@example.cn"),
            ("role", "evaluator"),
            ("purchaser_id", ""),
            ("contractor_id", ""),
            ("password", password),
        ]
    };
    let reply = app
        .post_page(
            "/app/admin/users",
            &admin,
            &fields("li.expert", "a-long-password-1"),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 303, "{}", reply.text);
    assert_eq!(location(&reply), "/app/admin/users");
    assert_eq!(user_count(&app, "li.expert"), 1);
    let after = app
        .get_page("/app/admin/users", &with_flash(&admin, &reply))
        .await;
    assert!(after.text.contains("用户已创建。"));
    assert!(after.text.contains("li.expert"));
    // The new account works.
    app.page_login("li.expert", "a-long-password-1").await;

    // Duplicate username, missing password, an officer without a purchaser: field errors,
    // input kept (never the password), nothing written.
    let tables = ["users", "audit_log"];
    let before = app.counts(&tables);
    let reply = app
        .post_page(
            "/app/admin/users",
            &admin,
            &fields("li.expert", "a-long-password-2"),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 422);
    assert!(element(&reply.text, "e-username").contains("已被使用"));
    assert!(!reply.text.contains("a-long-password-2"));
    let reply = app
        .post_page("/app/admin/users", &admin, &fields("zhao.expert", ""))
        .await;
    assert_eq!(reply.status.as_u16(), 422);
    assert!(element(&reply.text, "e-password").contains("请填写初始密码"));
    assert!(reply.text.contains("value=\"zhao.expert\""), "input kept");
    let mut officer = fields("zhao.officer", "a-long-password-3");
    officer[3] = ("role", "officer");
    let reply = app.post_page("/app/admin/users", &admin, &officer).await;
    assert_eq!(reply.status.as_u16(), 422);
    assert!(element(&reply.text, "e-purchaser_id").contains("采购经办人须关联采购人"));
    assert_eq!(app.counts(&tables), before);
    assert_eq!(user_count(&app, "zhao.expert"), 0);
}

#[tokio::test]
async fn an_admin_runs_a_job_only_with_the_box_ticked() {
    let app = spawn_app().await;
    let admin = app.page_login("admin", PASSWORD).await;
    let page = app.get_page("/app/admin/jobs", &admin).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.text.contains("id=\"run-purge_expired_sessions\""));
    assert!(page.text.contains("清理过期登录凭证"));

    let path = "/app/admin/jobs/purge_expired_sessions/run";
    let before = app.counts(&["job_runs", "audit_log"]);
    let reply = app.post_page(path, &admin, &[]).await;
    assert_eq!(reply.status.as_u16(), 422);
    assert!(
        element(&reply.text, "e-confirm-purge_expired_sessions").contains("请勾选确认"),
        "{}",
        reply.text
    );
    assert_eq!(app.counts(&["job_runs", "audit_log"]), before, "not run");

    let reply = app.post_page(path, &admin, &[("confirm", "yes")]).await;
    assert_eq!(reply.status.as_u16(), 303, "{}", reply.text);
    let runs: Vec<(String, String)> = job_runs::table
        .select((job_runs::job_name, job_runs::outcome))
        .load(&mut *app.conn())
        .expect("runs");
    assert_eq!(
        runs,
        [("purge_expired_sessions".to_owned(), "ok".to_owned())]
    );
    let after = app
        .get_page("/app/admin/jobs", &with_flash(&admin, &reply))
        .await;
    assert!(after.text.contains("任务已执行完成（成功）"));
    assert!(
        after.text.contains("tokens_deleted"),
        "the run's summary is listed"
    );

    // An unknown job: 404.
    assert_eq!(
        app.post_page("/app/admin/jobs/nope/run", &admin, &[("confirm", "yes")])
            .await
            .status
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn the_admin_reference_pages_show_and_add_data() {
    let app = spawn_app().await;
    let admin = app.page_login("admin", PASSWORD).await;

    // Catalog of 2026, and an item added through the form.
    let page = app.get_page("/app/admin/catalog?year=2026", &admin).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.text.contains("SA01"));
    assert!(page.text.contains("养老服务"));
    let item = [
        ("year", "2026"),
        ("code", "SA99"),
        ("domain", "social_assistance"),
        ("name", "困难群众心理疏导"),
        ("description", "为困难群众提供心理疏导服务"),
        ("target_groups", "low_income"),
    ];
    let reply = app.post_page("/app/admin/catalog", &admin, &item).await;
    assert_eq!(reply.status.as_u16(), 303, "{}", reply.text);
    assert_eq!(location(&reply), "/app/admin/catalog?year=2026");
    let after = app
        .get_page("/app/admin/catalog?year=2026", &with_flash(&admin, &reply))
        .await;
    assert!(after.text.contains("目录条目已添加。"));
    assert!(after.text.contains("困难群众心理疏导"));
    let before = app.counts(&["catalog_items", "audit_log"]);
    let reply = app.post_page("/app/admin/catalog", &admin, &item).await;
    assert_eq!(reply.status.as_u16(), 422);
    assert!(element(&reply.text, "e-code").contains("已有编码为 SA99"));
    let mut bad = item;
    bad[1] = ("code", "sa-1");
    let reply = app.post_page("/app/admin/catalog", &admin, &bad).await;
    assert_eq!(reply.status.as_u16(), 422);
    assert!(element(&reply.text, "e-code").contains("大写字母或数字"));
    assert_eq!(app.counts(&["catalog_items", "audit_log"]), before);

    // Regions: provinces, then a drill-down.
    let page = app.get_page("/app/admin/regions", &admin).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.text.contains("宁夏回族自治区"), "{}", page.text);
    let page = app
        .get_page("/app/admin/regions?parent_code=640100", &admin)
        .await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.text.contains("兴庆区"));
    assert_eq!(
        app.get_page("/app/admin/regions?parent_code=999999", &admin)
            .await
            .status
            .as_u16(),
        404
    );

    // Outbox: a failed mail is queued again.
    let id: i64 = diesel::insert_into(outbox::table)
        .values((
            outbox::created_at.eq(app.state.clock.now()),
            outbox::kind.eq("test"),
            outbox::to_address.eq("li@example.cn"),
            outbox::subject.eq("测试邮件"),
            outbox::body_text.eq("正文"),
            outbox::status.eq("failed"),
            outbox::attempts.eq(5),
            outbox::next_attempt_at.eq(app.state.clock.now()),
            outbox::last_error.eq(Some("连接被拒绝")),
        ))
        .returning(outbox::id)
        .get_result(&mut *app.conn())
        .expect("mail");
    let page = app
        .get_page("/app/admin/outbox?status=failed", &admin)
        .await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.text.contains("测试邮件"));
    assert!(page.text.contains("连接被拒绝"));
    assert!(page.text.contains(&format!("id=\"retry-{id}\"")));
    let reply = app
        .post_page(&format!("/app/admin/outbox/{id}/retry"), &admin, &[])
        .await;
    assert_eq!(reply.status.as_u16(), 303);
    let status: String = outbox::table
        .find(id)
        .select(outbox::status)
        .first(&mut *app.conn())
        .expect("status");
    assert_eq!(status, "pending");
    // Not failed any more: refused, nothing written.
    let before = app.counts(&["audit_log"]);
    let reply = app
        .post_page(&format!("/app/admin/outbox/{id}/retry"), &admin, &[])
        .await;
    assert_eq!(reply.status.as_u16(), 422);
    assert_eq!(app.counts(&["audit_log"]), before);
}

#[tokio::test]
async fn officers_and_contractors_cannot_reach_admin_or_audit_pages() {
    let app = spawn_app().await;
    create_user_direct(&app.state, "wang", Role::Officer);
    let (_, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    let tables = ["users", "job_runs", "catalog_items", "audit_log"];
    let mut cookies = Vec::new();
    for username in ["wang", "org.a"] {
        cookies.push((username, app.page_login(username, PASSWORD).await));
    }
    let before = app.counts(&tables);
    for (username, cookie) in &cookies {
        for path in [
            "/app/admin/users",
            "/app/admin/catalog",
            "/app/admin/regions",
            "/app/admin/jobs",
            "/app/admin/outbox",
            "/app/audit",
            "/app/panels",
            "/app/evaluations",
        ] {
            let reply = app.get_page(path, cookie).await;
            assert_eq!(reply.status.as_u16(), 403, "{username} {path}");
            assert!(
                reply.text.contains("无权"),
                "{username} {path}: Chinese page"
            );
        }
        let posts: [(&str, Vec<(&str, &str)>); 4] = [
            (
                "/app/admin/users",
                vec![
                    ("username", "intruder"),
                    ("display_name", "x"),
                    ("email", "x@example.cn"),
                    ("role", "admin"),
                    ("password", "a-long-password-1"),
                ],
            ),
            (
                "/app/admin/jobs/purge_expired_sessions/run",
                vec![("confirm", "yes")],
            ),
            (
                "/app/admin/catalog",
                vec![
                    ("year", "2026"),
                    ("code", "ZZ01"),
                    ("domain", "elderly_care"),
                    ("name", "入侵条目"),
                ],
            ),
            ("/app/audit/verify", vec![]),
        ];
        for (path, fields) in posts {
            let reply = app.post_page(path, cookie, &fields).await;
            assert_eq!(reply.status.as_u16(), 403, "{username} POST {path}");
        }
    }
    assert_eq!(
        app.counts(&tables),
        before,
        "the refused forms wrote nothing"
    );
    // Anonymous: to the login page.
    let reply = app.get_page("/app/admin/users", "").await;
    assert_eq!(reply.status.as_u16(), 303);
}

fn is_active(app: &TestApp, id: i64) -> bool {
    users::table
        .find(id)
        .select(users::active)
        .first(&mut *app.conn())
        .expect("user")
}

#[tokio::test]
async fn an_admin_deactivates_and_reactivates_an_account_with_the_box_ticked() {
    let app = spawn_app().await;
    let wang = create_user_direct(&app.state, "wang", Role::Officer);
    let wang_session = app.page_login("wang", PASSWORD).await;
    let wang_token = app.login("wang", PASSWORD).await;
    let admin = app.page_login("admin", PASSWORD).await;
    let page = app.get_page("/app/admin/users", &admin).await;
    assert!(
        page.text
            .contains(&format!("action=\"/app/admin/users/{wang}/active\"")),
        "{}",
        page.text
    );
    let path = format!("/app/admin/users/{wang}/active");

    // Without the box: refused, nothing changes.
    let before = app.counts(&["audit_log"]);
    let refused = app.post_page(&path, &admin, &[("active", "false")]).await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(refused.text.contains("请勾选确认"), "{}", refused.text);
    assert!(is_active(&app, wang));
    assert_eq!(app.counts(&["audit_log"]), before);

    // With it: the account is off, its page session and API token end at once, audited.
    let done = app
        .post_page(&path, &admin, &[("active", "false"), ("confirm", "yes")])
        .await;
    assert_eq!(done.status.as_u16(), 303, "{}", done.text);
    let after = app
        .get_page("/app/admin/users", &with_flash(&admin, &done))
        .await;
    assert!(after.text.contains("账号已停用"), "{}", after.text);
    assert!(!is_active(&app, wang));
    assert_eq!(
        app.get_page("/app", &wang_session).await.status.as_u16(),
        303
    );
    app.get("/api/v1/me", Some(&wang_token)).await.expect(401);
    app.post(
        "/api/v1/session",
        None,
        json!({"username": "wang", "password": PASSWORD}),
    )
    .await
    .expect(401);
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::entity_id.eq(wang.to_string()))
        .select(audit_log::action)
        .load(&mut *app.conn())
        .expect("audit");
    assert!(
        actions.contains(&"user.deactivate".to_owned()),
        "{actions:?}"
    );

    // An admin cannot switch itself off.
    let admin_id: i64 = users::table
        .filter(users::username.eq("admin"))
        .select(users::id)
        .first(&mut *app.conn())
        .expect("admin");
    let own = app
        .post_page(
            &format!("/app/admin/users/{admin_id}/active"),
            &admin,
            &[("active", "false"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(own.status.as_u16(), 422);
    assert!(
        own.text.contains("不能停用自己正在使用的账号"),
        "{}",
        own.text
    );
    assert!(is_active(&app, admin_id));

    // Reactivated, the account logs in again; the JSON API does the same for admins only.
    let back = app
        .post_page(&path, &admin, &[("active", "true"), ("confirm", "yes")])
        .await;
    assert_eq!(back.status.as_u16(), 303);
    assert!(is_active(&app, wang));
    let wang_again = app.login("wang", PASSWORD).await;
    let officer = app
        .call(
            Method::PUT,
            &format!("/api/v1/users/{admin_id}/active"),
            Some(&wang_again),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(officer.status.as_u16(), 403);
    let api = app
        .call(
            Method::PUT,
            &path.replace("/app/admin", "/api/v1"),
            Some(&app.admin_token),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(api.status.as_u16(), 200, "{}", api.text);
    assert_eq!(api.json()["active"], json!(false));
    assert!(!is_active(&app, wang));
    app.post_page(&path, &admin, &[("active", "true"), ("confirm", "yes")])
        .await;
    let wang_session = app.page_login("wang", PASSWORD).await;
    let officer_page = app
        .post_page(
            &format!("/app/admin/users/{admin_id}/active"),
            &wang_session,
            &[("active", "false"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(
        officer_page.status.as_u16(),
        403,
        "only admins switch accounts"
    );
    assert!(is_active(&app, admin_id));
}

#[tokio::test]
async fn an_assigned_evaluator_records_supervision_from_the_evaluation_page() {
    use sixnorms::db::schema::supervisions;
    let app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "5000000.00").await;
    let (contractor, _) = qualified_contractor(&app, 1, "org.a", "640104").await;
    let contract = active_contract(&app, &b, contractor).await;
    let evaluator = create_user_direct(&app.state, "assessor", Role::Evaluator);
    create_user_direct(&app.state, "stranger", Role::Evaluator);
    let id = app
        .post(
            &format!("/api/v1/contracts/{contract}/evaluations"),
            Some(&b.officer),
            json!({"kind": "midterm"}),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    app.call(
        Method::PUT,
        &format!("/api/v1/evaluations/{id}/evaluators"),
        Some(&b.officer),
        Some(json!({"evaluator_ids": [evaluator]})),
    )
    .await
    .expect(200);
    // A month into the service period (2026-07-01 … 2027-06-30).
    app.set_clock(at("2026-08-03 01:00:00"));
    let cookie = app.page_login("assessor", PASSWORD).await;
    let path = format!("/app/evaluations/{id}/supervisions");
    let page = app
        .get_page(&format!("/app/evaluations/{id}"), &cookie)
        .await;
    assert!(
        page.text.contains("id=\"supervision-form\""),
        "{}",
        page.text
    );

    let before = app.counts(&["supervisions", "audit_log"]);
    let early = app
        .post_page(
            &path,
            &cookie,
            &[
                ("held_on", "2026-06-15"),
                ("supervisor", "张督导（市社工协会）"),
                ("notes", "个案记录规范"),
            ],
        )
        .await;
    assert_eq!(early.status.as_u16(), 422);
    assert!(early.text.contains("id=\"e-held_on\""), "{}", early.text);
    assert!(early.text.contains("必须在服务期内"), "{}", early.text);
    assert!(
        early.text.contains("value=\"张督导（市社工协会）\""),
        "input kept"
    );
    let blank = app
        .post_page(&path, &cookie, &[("held_on", "2026-07-20"), ("notes", "x")])
        .await;
    assert_eq!(blank.status.as_u16(), 422);
    assert!(blank.text.contains("请填写督导人员"), "{}", blank.text);
    assert_eq!(app.counts(&["supervisions", "audit_log"]), before);

    let stranger = app.page_login("stranger", PASSWORD).await;
    let refused = app
        .post_page(
            &path,
            &stranger,
            &[
                ("held_on", "2026-07-20"),
                ("supervisor", "王"),
                ("notes", "x"),
            ],
        )
        .await;
    assert_eq!(refused.status.as_u16(), 403, "not assigned");
    assert_eq!(app.counts(&["supervisions", "audit_log"]), before);

    let done = app
        .post_page(
            &path,
            &cookie,
            &[
                ("held_on", "2026-07-20"),
                ("supervisor", "张督导（市社工协会）"),
                ("notes", "个案记录规范，建议加强小组活动评估。"),
            ],
        )
        .await;
    assert_eq!(done.status.as_u16(), 303, "{}", done.text);
    let after = app
        .get_page(
            &format!("/app/evaluations/{id}"),
            &with_flash(&cookie, &done),
        )
        .await;
    assert!(after.text.contains("督导记录已保存。"));
    let recorded: (i64, Option<i64>) = supervisions::table
        .select((supervisions::contract_id, supervisions::recorded_by))
        .first(&mut *app.conn())
        .expect("supervision");
    assert_eq!(recorded, (contract, Some(evaluator)));
}
