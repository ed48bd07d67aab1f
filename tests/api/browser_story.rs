//! The whole story of one purchase, walked through the workspace pages in headless Chromium:
//! the officer registers a budget, creates the project, publishes the intention and the tender;
//! two organizations bid and see their receipts; the officer opens the bids and names the panel;
//! three evaluators score every bid; the officer awards; both parties sign the contract; the
//! contractor files a monthly report and the officer accepts it. Every step is a form a user
//! fills in, and each page is checked for what it shows (and against the database). Also: a
//! form with bad input shows each error next to its field, and pages of other roles stay shut.
//!
//! The manual clock is moved between steps as the law's periods require (30 days after the
//! intention, past the bid deadline, past the challenge deadline, into the service period).
//! Screenshots go to `target/browser-screenshots/story-*.png`.

use chrono::Duration;
use diesel::prelude::*;
use fantoccini::{Client, Locator};
use sixnorms::db::schema::{
    awards, bid_scores, bids, budgets, contractors, contracts, projects, service_reports, tenders,
    users,
};

use crate::browser::{
    DESKTOP, PHONE, browser, click_and_wait, driver, fill, load_demo, path_of, screenshot, submit,
    submit_form, submit_login, text_of, wait_for_path,
};
use crate::helpers::{TestApp, at, spawn_app};

const PASSWORD: &str = sixnorms::demo::DEMO_PASSWORD;

/// Logs `username` in (replacing whoever was signed in) and waits for the workspace.
async fn sign_in(client: &Client, app: &TestApp, username: &str) {
    submit_login(client, app, username, PASSWORD).await;
    wait_for_path(client, "/app").await;
}

/// Scrolls `css` into view, then saves a screenshot.
async fn screenshot_of(client: &Client, css: &str, name: &str) {
    client
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'start'});",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    screenshot(client, name).await;
}

/// The flash message of the page shown.
async fn flash(client: &Client) -> String {
    text_of(client, ".flash").await
}

/// The id at the end of the path the browser shows (`/app/projects/12` → 12).
async fn id_in_path(client: &Client) -> i64 {
    let path = path_of(client).await;
    path.rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {path}"))
}

fn user_id(app: &TestApp, username: &str) -> i64 {
    users::table
        .filter(users::username.eq(username))
        .select(users::id)
        .first(&mut app.conn())
        .expect("user")
}

fn contractor_of(app: &TestApp, username: &str) -> (i64, String) {
    users::table
        .inner_join(contractors::table.on(users::contractor_id.eq(contractors::id.nullable())))
        .filter(users::username.eq(username))
        .select((contractors::id, contractors::name))
        .first(&mut app.conn())
        .expect("contractor user")
}

fn project_status(app: &TestApp, project_id: i64) -> String {
    projects::table
        .find(project_id)
        .select(projects::status)
        .first(&mut app.conn())
        .expect("project")
}

#[tokio::test]
async fn the_whole_story_walks_through_the_pages() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app().await;
    load_demo(&app);
    let client = browser(&driver, DESKTOP).await;

    // 1. The officer registers a budget.
    sign_in(&client, &app, "officer").await;
    submit_form(
        &client,
        &app,
        "/app/budgets",
        "form[action='/app/budgets']",
        &[
            ("year", "2026"),
            ("source", "福彩公益金（困难群众专项）"),
            ("amount", "3,000,000.00"),
        ],
    )
    .await;
    assert_eq!(flash(&client).await, "预算已登记。");
    let table = text_of(&client, "#budgets").await;
    assert!(
        table.contains("福彩公益金（困难群众专项）") && table.contains("¥3,000,000.00"),
        "{table}"
    );
    let budget_id: i64 = budgets::table
        .filter(budgets::source.eq("福彩公益金（困难群众专项）"))
        .select(budgets::id)
        .first(&mut app.conn())
        .expect("budget");
    screenshot(&client, "story-01-officer-budgets").await;

    // 2. … creates the project (money with separators, dates from date inputs).
    let budget = budget_id.to_string();
    submit_form(
        &client,
        &app,
        "/app/projects/new",
        "#project-form",
        &[
            ("budget_id", &budget),
            ("catalog_item_code", "SA01"),
            ("title", "兴庆区困难群众社会工作服务项目（浏览器全流程）"),
            (
                "summary",
                "为辖区低保、特困家庭提供入户探访、个案管理和资源链接服务。",
            ),
            ("region_code", "640104"),
            ("target_groups", "low_income"),
            ("targets[0].kind", "quantity"),
            ("targets[0].name", "入户探访"),
            ("targets[0].value", "1200"),
            ("targets[0].unit", "人次"),
            ("budget_amount", "1,200,000.00"),
            ("service_start", "2026-06-01"),
            ("service_end", "2027-05-31"),
            ("method", "open_tender"),
            ("expected_tender_date", "2026-04-15"),
        ],
    )
    .await;
    assert!(!flash(&client).await.is_empty(), "a flash after creating");
    let project_id = id_in_path(&client).await;
    assert_eq!(project_status(&app, project_id), "draft");
    let facts = text_of(&client, "main").await;
    assert!(facts.contains("¥1,200,000.00"), "{facts}");
    assert!(facts.contains("兴庆区困难群众社会工作服务项目（浏览器全流程）"));
    screenshot(&client, "story-02-officer-project-draft").await;
    let project_path = format!("/app/projects/{project_id}");

    // 3. … publishes the intention (the confirmation box ticked).
    fill(&client, "#intention-form", &[("confirm", "yes")]).await;
    submit(&client, "#intention-form").await;
    assert_eq!(project_status(&app, project_id), "intention_published");
    assert!(text_of(&client, "main").await.contains("采购意向"));

    // 4. Thirty days later the tender (prefilled: earliest legal deadline, criteria).
    // (A session lasts 12 hours, so after each jump of the clock the user signs in again.)
    app.set_clock(at("2026-04-01 01:00:00"));
    sign_in(&client, &app, "officer").await;
    client
        .goto(&format!("{}{project_path}", app.address))
        .await
        .expect("project page");
    fill(&client, "#tender-form", &[("confirm", "yes")]).await;
    screenshot_of(&client, "#tender-form", "story-03-officer-tender-form").await;
    submit(&client, "#tender-form").await;
    assert_eq!(project_status(&app, project_id), "tendering");
    let deadline: chrono::NaiveDateTime = tenders::table
        .filter(tenders::project_id.eq(project_id))
        .select(tenders::bid_deadline)
        .first(&mut app.conn())
        .expect("tender");
    assert!(text_of(&client, "#bid-count").await.contains('0'));

    // 5. Three organizations (the open tender's minimum) find the tender, bid and see their
    //    receipts. (Another, whose
    //    business scope lacks social assistance, is told so before it bids.)
    sign_in(&client, &app, "yangguang").await;
    client
        .goto(&format!("{}/app/tenders", app.address))
        .await
        .expect("tenders");
    let row = text_of(&client, &format!("#tender-{project_id}")).await;
    assert!(
        row.contains("不符合资格") && row.contains("social_assistance"),
        "{row}"
    );
    for (username, price) in [
        ("contractor", "980,000.00"),
        ("tongxin", "1,050,000.00"),
        ("hanshui", "1,100,000.00"),
    ] {
        sign_in(&client, &app, username).await;
        client
            .goto(&format!("{}/app/tenders", app.address))
            .await
            .expect("tenders");
        let row = text_of(&client, &format!("#tender-{project_id}")).await;
        assert!(
            row.contains("符合资格") && !row.contains("不符合资格"),
            "{username}: {row}"
        );
        click_and_wait(&client, &format!("a[href='/app/tenders/{project_id}/bid']")).await;
        fill(
            &client,
            "#bid-form",
            &[
                ("price", price),
                (
                    "proposal",
                    "组建社工团队，入户探访与个案管理并行，季度开展资源链接活动。",
                ),
                ("team_size", "6"),
            ],
        )
        .await;
        submit(&client, "#bid-form").await;
        let (contractor_id, _) = contractor_of(&app, username);
        let stored: String = bids::table
            .filter(bids::project_id.eq(project_id))
            .filter(bids::contractor_id.eq(contractor_id))
            .select(bids::receipt_sha256)
            .first(&mut app.conn())
            .expect("bid stored");
        assert_eq!(
            text_of(&client, "#receipt-sha256").await,
            stored,
            "{username}"
        );
        if username == "contractor" {
            screenshot(&client, "story-04-bid-receipt").await;
        }
    }

    // 6. After the deadline the officer opens the bids and names the panel.
    app.set_clock(deadline + Duration::minutes(1));
    sign_in(&client, &app, "officer").await;
    client
        .goto(&format!("{}{project_path}", app.address))
        .await
        .expect("project page");
    assert!(text_of(&client, "#bid-count").await.contains('3'));
    fill(&client, "#open-form", &[("confirm", "yes")]).await;
    submit(&client, "#open-form").await;
    let reasons: Vec<(String, Option<String>)> = bids::table
        .filter(bids::project_id.eq(project_id))
        .select((bids::status, bids::reasons))
        .load(&mut app.conn())
        .expect("bids");
    assert_eq!(
        project_status(&app, project_id),
        "evaluating",
        "bids at opening: {reasons:?}"
    );
    let opening = text_of(&client, "#opening-record").await;
    assert!(
        opening.contains("¥980,000.00")
            && opening.contains("¥1,050,000.00")
            && opening.contains("¥1,100,000.00"),
        "{opening}"
    );
    let evaluators = ["evaluator", "evaluator2", "evaluator3"].map(|u| user_id(&app, u));
    let ids = evaluators.map(|id| id.to_string());
    fill(
        &client,
        "#panel-form",
        &[
            ("evaluator_ids", &ids[0]),
            ("evaluator_ids", &ids[1]),
            ("evaluator_ids", &ids[2]),
        ],
    )
    .await;
    submit(&client, "#panel-form").await;
    screenshot_of(
        &client,
        "#opening-record",
        "story-05-officer-opening-and-panel",
    )
    .await;

    // 7. Three evaluators score every bid on their score sheets.
    let bid_ids: Vec<i64> = bids::table
        .filter(bids::project_id.eq(project_id))
        .order(bids::id.asc())
        .select(bids::id)
        .load(&mut app.conn())
        .expect("bids");
    assert_eq!(bid_ids.len(), 3);
    for (n, evaluator) in ["evaluator", "evaluator2", "evaluator3"].iter().enumerate() {
        sign_in(&client, &app, evaluator).await;
        for (b, bid_id) in bid_ids.iter().enumerate() {
            client
                .goto(&format!("{}/app/panels/{project_id}", app.address))
                .await
                .expect("panel page");
            let plan = (30 + n + 3 * (2 - b)).to_string();
            let form = format!("#score-{bid_id}");
            fill(
                &client,
                &form,
                &[
                    ("scores.plan", &plan),
                    ("scores.team", "16"),
                    ("scores.experience", "8"),
                ],
            )
            .await;
            submit(&client, &form).await;
            assert_eq!(flash(&client).await, "评分已保存。");
        }
        if n == 0 {
            screenshot(&client, "story-06-evaluator-score-sheets").await;
        }
    }
    let sheets: i64 = bid_scores::table
        .filter(bid_scores::bid_id.eq_any(&bid_ids))
        .count()
        .get_result(&mut app.conn())
        .expect("scores");
    assert_eq!(sheets, 3 * 3 * 3, "3 evaluators × 3 bids × 3 criteria");

    // 8. The officer awards rank 1 (the lower price with the better plan).
    sign_in(&client, &app, "officer").await;
    client
        .goto(&format!("{}{project_path}", app.address))
        .await
        .expect("project page");
    let ranking = text_of(&client, "#ranking-table").await;
    let (_, winner_name) = contractor_of(&app, "contractor");
    assert!(ranking.contains(&winner_name), "{ranking}");
    fill(&client, "#award-form", &[("confirm", "yes")]).await;
    submit(&client, "#award-form").await;
    assert_eq!(project_status(&app, project_id), "awarded");
    assert!(
        text_of(&client, "#award-winner")
            .await
            .contains(&winner_name)
    );
    screenshot_of(&client, "#award-winner", "story-07-officer-awarded").await;

    // 9. After the challenge window the officer drafts the contract; both parties sign.
    let challenge_deadline: chrono::NaiveDate = awards::table
        .filter(awards::project_id.eq(project_id))
        .select(awards::challenge_deadline)
        .first(&mut app.conn())
        .expect("award");
    app.set_clock(
        (challenge_deadline + Duration::days(1))
            .and_hms_opt(1, 0, 0)
            .expect("time"),
    );
    sign_in(&client, &app, "officer").await;
    client
        .goto(&format!("{}{project_path}", app.address))
        .await
        .expect("project page");
    click_and_wait(&client, "#contract-link").await;
    fill(
        &client,
        "#contract-form",
        &[
            ("quantity_terms", "入户探访 1200 人次，个案 40 个。"),
            ("quality_terms", "服务对象满意度不低于 90%。"),
            ("rights_obligations", "甲方按期支付，乙方按月报告服务进展。"),
            ("breach_liability", "未达约定数量的，按比例扣减服务费。"),
            ("dispute_resolution.body", "银川仲裁委员会"),
        ],
    )
    .await;
    submit(&client, "#contract-form").await;
    let contract_id = id_in_path(&client).await;
    assert_eq!(flash(&client).await, "合同已起草，请双方核对条款后签订。");
    assert!(text_of(&client, "main").await.contains("¥980,000.00"));
    fill(&client, "#sign-form", &[("confirm", "yes")]).await;
    submit(&client, "#sign-form").await;
    assert_eq!(flash(&client).await, "本方已签订合同，等待对方签订。");
    sign_in(&client, &app, "contractor").await;
    client
        .goto(&format!("{}/app/contracts/{contract_id}", app.address))
        .await
        .expect("contract page");
    fill(&client, "#sign-form", &[("confirm", "yes")]).await;
    submit(&client, "#sign-form").await;
    assert_eq!(
        flash(&client).await,
        "双方均已签订，合同已生效，合同公告已发布。"
    );
    assert_eq!(text_of(&client, "#contract-status").await, "履行中");
    let status: String = contracts::table
        .find(contract_id)
        .select(contracts::status)
        .first(&mut app.conn())
        .expect("contract");
    assert_eq!(status, "active");
    screenshot(&client, "story-08-contract-signed").await;

    // 10. In the service period the contractor files the June report …
    app.set_clock(at("2026-07-01 01:00:00"));
    sign_in(&client, &app, "contractor").await;
    client
        .goto(&format!("{}/app/contracts/{contract_id}", app.address))
        .await
        .expect("contract page");
    click_and_wait(&client, "#new-report").await;
    fill(
        &client,
        "#report-form",
        &[
            ("period", "2026-06"),
            ("service_counts[0].persons", "40"),
            ("service_counts[0].person_times", "120"),
            ("activities", "4"),
            ("cases_opened", "3"),
            ("cases_closed", "1"),
            ("volunteers_engaged", "6"),
            (
                "narrative",
                "本月完成入户探访 120 人次，新开个案 3 个，链接慈善资源 2 次。",
            ),
        ],
    )
    .await;
    screenshot(&client, "story-09-contractor-report-form").await;
    submit(&client, "#report-form").await;
    assert_eq!(flash(&client).await, "月度服务报告已提交，等待采购人审核。");
    let report_id: i64 = service_reports::table
        .filter(service_reports::contract_id.eq(contract_id))
        .select(service_reports::id)
        .first(&mut app.conn())
        .expect("report");

    // 11. … and the officer accepts it.
    sign_in(&client, &app, "officer").await;
    client
        .goto(&format!("{}/app/contracts/{contract_id}", app.address))
        .await
        .expect("contract page");
    fill(
        &client,
        &format!("#review-{report_id}"),
        &[("comment", "数据与台账一致，同意。")],
    )
    .await;
    click_and_wait(
        &client,
        &format!("#review-{report_id} button[name=decision][value=accepted]"),
    )
    .await;
    assert_eq!(flash(&client).await, "月度服务报告已审核通过。");
    let report_status: String = service_reports::table
        .find(report_id)
        .select(service_reports::status)
        .first(&mut app.conn())
        .expect("report");
    assert_eq!(report_status, "accepted");
    let reports = text_of(&client, "#reports-table").await;
    assert!(reports.contains("2026-06"), "{reports}");
    screenshot_of(
        &client,
        "#reports-table",
        "story-10-officer-report-accepted",
    )
    .await;
    client.close().await.expect("close");
}

#[tokio::test]
async fn a_project_form_with_bad_input_shows_each_error_next_to_its_field() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app().await;
    load_demo(&app);
    let before = app.counts(&["projects", "audit_log"]);
    let client = browser(&driver, PHONE).await;
    sign_in(&client, &app, "officer").await;
    submit_form(
        &client,
        &app,
        "/app/projects/new",
        "#project-form",
        &[
            ("title", ""),
            ("summary", "概要"),
            ("budget_amount", "1,20,000"),
            ("service_start", "2026-09-01"),
            ("service_end", "2026-06-30"),
        ],
    )
    .await;
    assert_eq!(path_of(&client).await, "/app/projects/new");
    let summary = text_of(&client, ".form-errors").await;
    assert!(summary.contains("提交未成功"), "{summary}");
    // Each message sits right after its own input, which is marked invalid and keeps the input.
    for (field, expected_value, message) in [
        ("budget_amount", "1,20,000", "千位分隔符位置不正确"),
        ("title", "", "项目名称"),
    ] {
        let input = client
            .find(Locator::Css(&format!("#project-form [name='{field}']")))
            .await
            .expect("field");
        assert_eq!(
            input.prop("value").await.expect("value").as_deref(),
            Some(expected_value),
            "{field} keeps what was typed"
        );
        assert_eq!(
            input.attr("aria-invalid").await.expect("attr").as_deref(),
            Some("true"),
            "{field}"
        );
        let error = text_of(&client, &format!("[id='e-{field}']")).await;
        assert!(error.contains(message), "{field}: {error}");
        let described = input
            .attr("aria-describedby")
            .await
            .expect("attr")
            .unwrap_or_default();
        assert_eq!(described, format!("e-{field}"));
    }
    assert!(
        !text_of(&client, "[id='e-service_end']").await.is_empty(),
        "the end before the start is refused next to the end date"
    );
    screenshot(&client, "story-bad-input-project-form-phone").await;
    assert_eq!(
        app.counts(&["projects", "audit_log"]),
        before,
        "nothing written"
    );
    client.close().await.expect("close");
}

#[tokio::test]
async fn pages_of_other_roles_stay_shut_when_typed_into_the_address_bar() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app().await;
    load_demo(&app);
    let project_id: i64 = projects::table
        .select(projects::id)
        .order(projects::id.asc())
        .first(&mut app.conn())
        .expect("a demo project");
    let client = browser(&driver, DESKTOP).await;
    sign_in(&client, &app, "contractor").await;
    for path in [
        format!("/app/projects/{project_id}"),
        "/app/budgets".to_owned(),
        "/app/projects/new".to_owned(),
        "/app/admin/users".to_owned(),
        "/app/audit".to_owned(),
        "/app/panels".to_owned(),
    ] {
        client
            .goto(&format!("{}{path}", app.address))
            .await
            .expect("goto");
        assert_eq!(text_of(&client, "h1").await, "无权访问", "{path}");
        let page = client.source().await.expect("source");
        assert!(!page.contains("csrf"), "{path}: no form is offered");
    }
    screenshot(&client, "story-contractor-refused-officer-page").await;
    client
        .goto(&format!("{}/app", app.address))
        .await
        .expect("goto");
    // An anonymous visitor is sent to the login page and back after logging in.
    client
        .find(Locator::Css("header form[action='/logout'] button"))
        .await
        .expect("logout")
        .click()
        .await
        .expect("click");
    wait_for_path(&client, "/login").await;
    client
        .goto(&format!("{}/app/budgets", app.address))
        .await
        .expect("goto");
    wait_for_path(&client, "/login").await;
    let url = client.current_url().await.expect("url");
    assert_eq!(url.query(), Some("next=%2Fapp%2Fbudgets"));
    client
        .find(Locator::Css("#username"))
        .await
        .expect("field")
        .send_keys("officer")
        .await
        .expect("type");
    client
        .find(Locator::Css("#password"))
        .await
        .expect("field")
        .send_keys(PASSWORD)
        .await
        .expect("type");
    submit(&client, "form[action='/login']").await;
    assert_eq!(path_of(&client).await, "/app/budgets");
    client.close().await.expect("close");
}
