//! The officer's procurement pages over plain HTTP: the budget and project forms (success,
//! bad input kept with Chinese errors next to the fields, rule refusals above the form, nothing
//! written when refused), the project page's steps (intention with its confirm box, tender
//! with documents, opening refused before the deadline, panel, award, challenge answers), and
//! access: auditors read without forms, contractors and other purchasers' officers get 403.
//!
//! Dates: the clock starts Mon 2026-03-02 09:00 Beijing time; the intention published then
//! allows the tender from 2026-04-01; an open tender's deadline is 20 days later (04-21).

use diesel::prelude::*;
use reqwest::Method;
use serde_json::json;
use sixnorms::auth::Role;
use sixnorms::db::schema::{awards, budgets, notices, projects, tenders, users};

use crate::factories::qualified_contractor;
use crate::helpers::{PASSWORD, Reply, TestApp, at, create_user_direct, spawn_app};
use crate::procurement::{Buyer, buyer, project, project_body};

/// The tables a project form writes.
const PROJECT_TABLES: [&str; 5] = [
    "budgets",
    "projects",
    "project_targets",
    "notices",
    "audit_log",
];

/// The location of a `303`.
fn location(reply: &Reply) -> String {
    assert_eq!(
        reply.status.as_u16(),
        303,
        "expected a redirect: {}",
        reply.text
    );
    reply.headers["location"]
        .to_str()
        .expect("ascii")
        .to_owned()
}

/// The flash cookie a redirect sets.
fn flash_of(reply: &Reply) -> String {
    crate::helpers::set_cookies(&reply.headers)
        .into_iter()
        .find(|(n, _)| n == "sixnorms_flash")
        .map(|(_, v)| v)
        .expect("flash cookie")
}

/// Follows a redirect with its flash cookie and returns the page.
async fn follow(app: &TestApp, reply: &Reply, cookie: &str) -> Reply {
    let to = location(reply);
    let with_flash = format!("{cookie}; sixnorms_flash={}", flash_of(reply));
    let page = app.get_page(&to, &with_flash).await;
    assert_eq!(page.status.as_u16(), 200, "{to}: {}", page.text);
    page
}

/// The text of the element with `id` up to the next `</form>` or `</section>`.
fn fragment<'a>(html: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("{id} in {html}"));
    let rest = &html[start..];
    let end = ["</form>", "</section>"]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()
        .unwrap_or(rest.len());
    &rest[..end]
}

fn project_status(app: &TestApp, id: i64) -> String {
    projects::table
        .find(id)
        .select(projects::status)
        .first(&mut *app.conn())
        .expect("status")
}

/// A valid project form of buyer `b`.
fn project_fields(budget: i64) -> Vec<(String, String)> {
    [
        ("budget_id", budget.to_string()),
        ("catalog_item_code", "SA01".into()),
        ("title", "兴庆区2026年困难群众社会工作服务项目".into()),
        (
            "summary",
            "为辖区低保、特困家庭提供入户探访、需求评估、个案帮扶和资源链接服务。".into(),
        ),
        ("region_code", "640104".into()),
        ("station_id", "".into()),
        ("target_groups", "low_income".into()),
        ("target_groups", "extreme_poverty".into()),
        ("targets[0].kind", "quantity".into()),
        ("targets[0].name", "入户探访".into()),
        ("targets[0].value", "1200".into()),
        ("targets[0].unit", "人次".into()),
        ("targets[1].kind", "quantity".into()),
        ("targets[1].name", "".into()),
        ("targets[1].value", "".into()),
        ("targets[1].unit", "".into()),
        ("targets[2].kind", "outcome".into()),
        ("targets[2].name", "服务对象满意率".into()),
        ("targets[2].value", "90".into()),
        ("targets[2].unit", "%".into()),
        ("budget_amount", "1,200,000.00".into()),
        ("service_start", "2026-07-01".into()),
        ("service_end", "2027-06-30".into()),
        ("term_justification", "".into()),
        ("method", "open_tender".into()),
        ("expected_tender_date", "2026-04-15".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn with(fields: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| {
            if k == name {
                (k.clone(), value.to_owned())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect()
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Moves the clock to `time` (UTC), signs the admin in again (tokens last 12 hours) and
/// returns a fresh page session of `officer1`.
async fn jump(app: &mut TestApp, time: &str) -> String {
    app.set_clock(at(time));
    app.admin_token = app.login("admin", PASSWORD).await;
    app.page_login("officer1", PASSWORD).await
}

/// A buyer with a budget of `amount` and its officer signed in to the pages.
async fn officer_with_budget(app: &TestApp, amount: &str) -> (Buyer, String) {
    let b = buyer(app, 1, "government_department", amount).await;
    let cookie = app.page_login("officer1", PASSWORD).await;
    (b, cookie)
}

#[tokio::test]
async fn the_budget_form_registers_a_budget_and_refuses_misplaced_separators() {
    let app = spawn_app().await;
    let (_, cookie) = officer_with_budget(&app, "3000000.00").await;
    let before = app.counts(&["budgets", "audit_log"]);
    let bad = app
        .post_page(
            "/app/budgets",
            &cookie,
            &[
                ("year", "2027"),
                ("source", "福彩公益金"),
                ("amount", "1,20,000"),
            ],
        )
        .await;
    assert_eq!(bad.status.as_u16(), 422, "{}", bad.text);
    assert!(bad.text.contains("id=\"e-amount\""), "{}", bad.text);
    assert!(bad.text.contains("千位分隔符位置不正确"), "{}", bad.text);
    assert!(bad.text.contains("value=\"1,20,000\""), "input kept");
    assert!(bad.text.contains("value=\"福彩公益金\""), "input kept");
    assert_eq!(app.counts(&["budgets", "audit_log"]), before);

    let ok = app
        .post_page(
            "/app/budgets",
            &cookie,
            &[
                ("year", "2027"),
                ("source", "福彩公益金"),
                ("amount", "1,200,000.00"),
            ],
        )
        .await;
    assert_eq!(location(&ok), "/app/budgets");
    let page = follow(&app, &ok, &cookie).await;
    assert!(page.text.contains("预算已登记。"), "{}", page.text);
    assert!(page.text.contains("福彩公益金"));
    assert!(page.text.contains("¥1,200,000.00"));
    let stored: i64 = budgets::table
        .filter(budgets::source.eq("福彩公益金"))
        .select(budgets::amount_fen)
        .first(&mut *app.conn())
        .expect("budget");
    assert_eq!(stored, 120_000_000);

    // Auditors and admins read every purchaser's budgets, without the form; a POST is refused.
    for (username, role) in [("audit9", Role::Auditor), ("root9", Role::Admin)] {
        create_user_direct(&app.state, username, role);
        let reader = app.page_login(username, PASSWORD).await;
        let page = app.get_page("/app/budgets", &reader).await;
        assert_eq!(page.status.as_u16(), 200, "{username}");
        assert!(page.text.contains("全部预算（只读）"), "{}", page.text);
        assert!(page.text.contains("福彩公益金") && page.text.contains("¥1,200,000.00"));
        assert!(page.text.contains("<th>采购人</th>"), "purchaser column");
        assert!(!page.text.contains("action=\"/app/budgets\""), "no form");
        let before = app.counts(&["budgets"]);
        let refused = app
            .post_page(
                "/app/budgets",
                &reader,
                &[("year", "2027"), ("source", "x"), ("amount", "1")],
            )
            .await;
        assert_eq!(refused.status.as_u16(), 403, "{username}");
        assert_eq!(app.counts(&["budgets"]), before);
    }
}

#[tokio::test]
async fn the_project_form_creates_a_draft_and_keeps_bad_input_with_errors() {
    let app = spawn_app().await;
    let (b, cookie) = officer_with_budget(&app, "3000000.00").await;
    let form = app.get_page("/app/projects/new", &cookie).await;
    assert_eq!(form.status.as_u16(), 200);
    for needle in [
        "id=\"project-form\"",
        "name=\"budget_id\"",
        "2026 年 · 本级财政 · 可用 ¥3,000,000.00",
        "value=\"SA01\"",
        "name=\"targets[0].kind\"",
        "type=\"date\"",
        "公开招标",
        "单一来源",
    ] {
        assert!(form.text.contains(needle), "{needle}: {}", form.text);
    }
    let fields = project_fields(b.budget);

    // Empty title and an end before the start: errors next to the fields, input kept.
    let before = app.counts(&PROJECT_TABLES);
    let bad = with(&with(&fields, "title", ""), "service_end", "2026-06-01");
    let reply = app
        .post_page("/app/projects/new", &cookie, &pairs(&bad))
        .await;
    assert_eq!(reply.status.as_u16(), 422, "{}", reply.text);
    assert!(
        reply.text.contains("id=\"e-title\">请填写项目名称"),
        "{}",
        reply.text
    );
    assert!(
        reply
            .text
            .contains("id=\"e-service_end\">服务结束日期不能早于开始日期"),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("value=\"1,200,000.00\""), "money kept");
    assert!(
        reply.text.contains("value=\"服务对象满意率\""),
        "targets kept"
    );
    assert!(reply.text.contains("value=\"2026-06-01\""), "date kept");
    assert_eq!(app.counts(&PROJECT_TABLES), before, "nothing written");

    // A bad target value lands next to its row.
    let bad = with(&fields, "targets[2].value", "九十");
    let reply = app
        .post_page("/app/projects/new", &cookie, &pairs(&bad))
        .await;
    assert_eq!(reply.status.as_u16(), 422);
    assert!(
        reply.text.contains("目标值应为数字：“九十”"),
        "{}",
        reply.text
    );
    assert_eq!(app.counts(&PROJECT_TABLES), before);

    // Success with 1,200,000.00 and a blank middle target row.
    let ok = app
        .post_page("/app/projects/new", &cookie, &pairs(&fields))
        .await;
    let to = location(&ok);
    let id: i64 = to
        .strip_prefix("/app/projects/")
        .and_then(|s| s.parse().ok())
        .expect("project page");
    let (budget_fen, status): (i64, String) = projects::table
        .find(id)
        .select((projects::budget_fen, projects::status))
        .first(&mut *app.conn())
        .expect("project");
    assert_eq!((budget_fen, status.as_str()), (120_000_000, "draft"));
    let page = follow(&app, &ok, &cookie).await;
    for needle in [
        "项目已创建（草稿），预算已占用。",
        "兴庆区2026年困难群众社会工作服务项目",
        "¥1,200,000.00",
        "草稿",
        "公开招标",
        "2026-07-01 至 2027-06-30",
        "入户探访",
        "服务对象满意率",
        "90 %",
        "id=\"intention-form\"",
        "href=\"/app/projects/{id}/edit\"",
    ] {
        let needle = needle.replace("{id}", &id.to_string());
        assert!(page.text.contains(&needle), "{needle}: {}", page.text);
    }
    // The list and the dashboard link to the project page.
    let list = app.get_page("/app/projects", &cookie).await;
    assert!(list.text.contains(&format!("href=\"/app/projects/{id}\"")));
    assert!(list.text.contains("href=\"/app/projects/new\""));
    let dashboard = app.get_page("/app", &cookie).await;
    assert!(
        dashboard
            .text
            .contains(&format!("href=\"/app/projects/{id}\""))
    );

    // The draft can be edited; a bad edit changes nothing.
    let edit = app
        .get_page(&format!("/app/projects/{id}/edit"), &cookie)
        .await;
    assert_eq!(edit.status.as_u16(), 200);
    assert!(
        edit.text.contains("value=\"1,200,000.00\""),
        "{}",
        edit.text
    );
    let mut changed: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| k != "budget_id")
        .cloned()
        .collect();
    changed = with(&changed, "budget_amount", "1,000,000.00");
    let saved = app
        .post_page(
            &format!("/app/projects/{id}/edit"),
            &cookie,
            &pairs(&changed),
        )
        .await;
    assert_eq!(location(&saved), format!("/app/projects/{id}"));
    let fen: i64 = projects::table
        .find(id)
        .select(projects::budget_fen)
        .first(&mut *app.conn())
        .expect("project");
    assert_eq!(fen, 100_000_000);
}

#[tokio::test]
async fn a_refused_rule_is_shown_above_the_form_and_nothing_is_written() {
    let app = spawn_app().await;
    let (b, cookie) = officer_with_budget(&app, "500000.00").await;
    let before = app.counts(&PROJECT_TABLES);
    let reply = app
        .post_page(
            "/app/projects/new",
            &cookie,
            &pairs(&project_fields(b.budget)),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 422, "{}", reply.text);
    let summary = fragment(&reply.text, "project-form");
    assert!(summary.contains("class=\"form-errors\""), "{summary}");
    assert!(
        summary.contains("项目预算 ¥1,200,000.00 超过该项预算的可用额度 ¥500,000.00"),
        "{summary}"
    );
    assert!(
        reply
            .text
            .contains("value=\"兴庆区2026年困难群众社会工作服务项目\"")
    );
    assert_eq!(app.counts(&PROJECT_TABLES), before);
}

#[tokio::test]
async fn the_intention_needs_the_confirm_box_and_then_publishes_its_notice() {
    let app = spawn_app().await;
    let (b, cookie) = officer_with_budget(&app, "3000000.00").await;
    let id = project(&app, &b, project_body(&b)).await;
    let url = format!("/app/projects/{id}/intention");
    let before = app.counts(&["notices", "audit_log"]);
    let refused = app.post_page(&url, &cookie, &[]).await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    let form = fragment(&refused.text, "intention-form");
    assert!(
        form.contains("此操作不可撤回，请勾选确认后再提交"),
        "{form}"
    );
    assert_eq!(project_status(&app, id), "draft");
    assert_eq!(app.counts(&["notices", "audit_log"]), before);

    let ok = app.post_page(&url, &cookie, &[("confirm", "yes")]).await;
    assert_eq!(location(&ok), format!("/app/projects/{id}"));
    assert_eq!(project_status(&app, id), "intention_published");
    let notice: i64 = notices::table
        .filter(notices::project_id.eq(id))
        .filter(notices::kind.eq("intention"))
        .select(notices::id)
        .first(&mut *app.conn())
        .expect("intention notice");
    let page = follow(&app, &ok, &cookie).await;
    assert!(page.text.contains("采购意向公告已发布。"), "{}", page.text);
    assert!(page.text.contains(&format!("href=\"/notices/{notice}\"")));
    assert!(page.text.contains("已发布采购意向"));
    assert!(page.text.contains("id=\"tender-form\""));
    assert!(
        page.text.contains("2026-04-01 起方可发布采购公告"),
        "{}",
        page.text
    );
    // Published twice? The second is refused with the state in Chinese.
    let again = app.post_page(&url, &cookie, &[("confirm", "yes")]).await;
    assert_eq!(again.status.as_u16(), 422);
    let top = fragment(&again.text, "page-errors");
    assert!(
        top.contains("当前状态（已发布采购意向）下不能执行该操作"),
        "{}",
        again.text
    );
}

/// A tender form for a deadline (Beijing time).
fn tender_fields(deadline: &str) -> Vec<(&'static str, String)> {
    vec![
        ("bid_deadline", deadline.to_owned()),
        ("max_price", "1,000,000.00".to_owned()),
        ("award_method", "comprehensive".to_owned()),
        ("price_weight", "0.30".to_owned()),
        ("criteria[0].code", "plan".to_owned()),
        ("criteria[0].name", "服务方案".to_owned()),
        ("criteria[0].max_points", "40".to_owned()),
        ("criteria[1].code", "team".to_owned()),
        ("criteria[1].name", "团队与资质".to_owned()),
        ("criteria[1].max_points", "20".to_owned()),
        ("criteria[2].code", "experience".to_owned()),
        ("criteria[2].name", "类似项目经验".to_owned()),
        ("criteria[2].max_points", "10".to_owned()),
        ("criteria[3].code", "".to_owned()),
        ("criteria[3].name", "".to_owned()),
        ("criteria[3].max_points", "".to_owned()),
        ("requirements.min_full_time_staff", "5".to_owned()),
        ("requirements.min_certified_social_workers", "2".to_owned()),
        ("requirements.min_years_established", "1".to_owned()),
    ]
}

fn borrowed<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Uploads a file through the page's multipart form.
async fn upload(app: &TestApp, path: &str, cookie: &str, csrf: &str, bytes: Vec<u8>) -> Reply {
    let boundary = "----sixnormsboundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"采购文件.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = app
        .client
        .post(format!("{}{path}", app.address))
        .header("Cookie", cookie)
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("upload");
    Reply {
        status: response.status(),
        headers: response.headers().clone(),
        text: response.text().await.expect("body"),
    }
}

/// The whole path through the pages: intention → documents → tender → opening (refused
/// before the deadline) → panel → award → challenge answer; an auditor reads the page
/// without forms, a contractor and another purchaser's officer get 403.
#[tokio::test]
async fn the_project_page_walks_from_intention_to_award() {
    let mut app = spawn_app().await;
    let (b, cookie) = officer_with_budget(&app, "3000000.00").await;
    let id = project(&app, &b, project_body(&b)).await;
    let page_url = format!("/app/projects/{id}");
    let ok = app
        .post_page(
            &format!("{page_url}/intention"),
            &cookie,
            &[("confirm", "yes")],
        )
        .await;
    location(&ok);

    // A tender document, uploaded with the form's CSRF token (without it: 403).
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let forged = upload(
        &app,
        &format!("{page_url}/documents"),
        &cookie,
        "forged",
        pdf.clone(),
    )
    .await;
    assert_eq!(forged.status.as_u16(), 403);
    let csrf = crate::helpers::csrf_field(&app.get_page(&page_url, &cookie).await.text);
    let uploaded = upload(&app, &format!("{page_url}/documents"), &cookie, &csrf, pdf).await;
    assert_eq!(location(&uploaded), page_url);
    let page = follow(&app, &uploaded, &cookie).await;
    assert!(page.text.contains("采购文件已上传。"));
    assert!(page.text.contains("采购文件.pdf"), "{}", page.text);

    // Too early for the tender (the intention must be public 30 days): the rule above the form.
    let before = app.counts(&["tenders", "notices"]);
    let fields = tender_fields("2026-04-21T09:00");
    let mut confirmed = borrowed(&fields);
    confirmed.push(("confirm", "yes"));
    let early = app
        .post_page(&format!("{page_url}/tender"), &cookie, &confirmed)
        .await;
    assert_eq!(early.status.as_u16(), 422, "{}", early.text);
    assert!(
        fragment(&early.text, "tender-form").contains("form-errors"),
        "{}",
        early.text
    );
    assert_eq!(app.counts(&["tenders", "notices"]), before);

    // 30 days later: without the confirm box refused, with it published.
    let cookie = jump(&mut app, "2026-04-01 01:00:00").await;
    let unconfirmed = app
        .post_page(&format!("{page_url}/tender"), &cookie, &borrowed(&fields))
        .await;
    assert_eq!(unconfirmed.status.as_u16(), 422);
    assert!(
        unconfirmed.text.contains("value=\"2026-04-21T09:00\""),
        "input kept"
    );
    assert_eq!(project_status(&app, id), "intention_published");
    let published = app
        .post_page(&format!("{page_url}/tender"), &cookie, &confirmed)
        .await;
    assert_eq!(location(&published), page_url);
    assert_eq!(project_status(&app, id), "tendering");
    let (deadline, max_price): (chrono::NaiveDateTime, i64) = tenders::table
        .filter(tenders::project_id.eq(id))
        .select((tenders::bid_deadline, tenders::max_price_fen))
        .first(&mut *app.conn())
        .expect("tender");
    assert_eq!(deadline, at("2026-04-21 01:00:00"), "09:00 Beijing time");
    assert_eq!(max_price, 100_000_000);
    let page = follow(&app, &published, &cookie).await;
    assert!(page.text.contains("采购公告已发布"));
    assert!(page.text.contains("2026年4月21日 09:00"), "{}", page.text);
    assert!(page.text.contains("id=\"open-form\""));

    // Three qualified bids.
    let mut bidders = Vec::new();
    for (n, price) in [(1, "900000.00"), (2, "950000.00"), (3, "980000.00")] {
        let username = format!("org{n}");
        let (contractor, token) = qualified_contractor(&app, n, &username, "640104").await;
        app.post(
            &format!("/api/v1/projects/{id}/bids"),
            Some(&token),
            json!({"price": price, "proposal": "服务方案：入户探访、需求评估、个案帮扶。", "team_size": 8}),
        )
        .await
        .expect(201);
        bidders.push((contractor, username));
    }
    let page = app.get_page(&page_url, &cookie).await;
    assert!(page.text.contains("id=\"bid-count\">3 份"), "{}", page.text);
    assert!(
        !page.text.contains("¥900,000.00"),
        "no prices before opening"
    );

    // Opening before the deadline: the rule's message, nothing opened.
    let cookie = jump(&mut app, "2026-04-20 01:00:00").await;
    let early = app
        .post_page(&format!("{page_url}/open"), &cookie, &[("confirm", "yes")])
        .await;
    assert_eq!(early.status.as_u16(), 422, "{}", early.text);
    assert!(
        fragment(&early.text, "open-form")
            .contains("投标截止时间（2026年4月21日 09:00）未到，不得开标"),
        "{}",
        early.text
    );
    assert_eq!(project_status(&app, id), "tendering");

    // After the deadline.
    let cookie = jump(&mut app, "2026-04-21 02:00:00").await;
    let opened = app
        .post_page(&format!("{page_url}/open"), &cookie, &[("confirm", "yes")])
        .await;
    assert_eq!(location(&opened), page_url);
    assert_eq!(project_status(&app, id), "evaluating");
    let page = follow(&app, &opened, &cookie).await;
    assert!(page.text.contains("已开标，开标记录已公开。"));
    let record = fragment(&page.text, "opening");
    assert!(
        record.contains("¥900,000.00") && record.contains("合格"),
        "{record}"
    );
    assert!(page.text.contains("id=\"panel-form\""));

    // The panel: an even number is refused by the rule; three experts are accepted.
    let mut experts = Vec::new();
    for (n, name) in ["专家甲", "专家乙", "专家丙"].iter().enumerate() {
        let username = format!("expert{}", n + 1);
        let user_id = create_user_direct(&app.state, &username, Role::Evaluator);
        diesel::update(users::table.find(user_id))
            .set(users::display_name.eq(*name))
            .execute(&mut *app.conn())
            .expect("name");
        experts.push((user_id, username));
    }
    let page = app.get_page(&page_url, &cookie).await;
    assert!(page.text.contains("专家甲（expert1）"), "{}", page.text);
    let ids: Vec<String> = experts.iter().map(|(id, _)| id.to_string()).collect();
    let before = app.counts(&["panel_members"]);
    let two = app
        .post_page(
            &format!("{page_url}/panel"),
            &cookie,
            &[("evaluator_ids", &ids[0]), ("evaluator_ids", &ids[1])],
        )
        .await;
    assert_eq!(two.status.as_u16(), 422);
    assert!(
        two.text
            .contains("评审委员会成员应为 3 人以上单数，现为 2 人")
    );
    assert!(
        two.text.contains(&format!("value=\"{}\" checked", ids[1])),
        "input kept"
    );
    assert_eq!(app.counts(&["panel_members"]), before);
    let panel = app
        .post_page(
            &format!("{page_url}/panel"),
            &cookie,
            &[
                ("evaluator_ids", &ids[0]),
                ("evaluator_ids", &ids[1]),
                ("evaluator_ids", &ids[2]),
            ],
        )
        .await;
    assert_eq!(location(&panel), page_url);
    let page = follow(&app, &panel, &cookie).await;
    assert!(
        page.text.contains("成员：专家甲、专家乙、专家丙"),
        "{}",
        page.text
    );
    assert!(page.text.contains("未评分"));

    // Award before scoring: the rule above the form.
    let early = app
        .post_page(&format!("{page_url}/award"), &cookie, &[("confirm", "yes")])
        .await;
    assert_eq!(early.status.as_u16(), 422);
    assert!(early.text.contains("评审委员会尚未完成全部合格投标的评分"));

    // The experts score through the JSON API.
    let bid_ids: Vec<i64> = sixnorms::db::schema::bids::table
        .filter(sixnorms::db::schema::bids::project_id.eq(id))
        .order(sixnorms::db::schema::bids::price_fen.asc())
        .select(sixnorms::db::schema::bids::id)
        .load(&mut *app.conn())
        .expect("bids");
    for (_, username) in &experts {
        let token = app.login(username, PASSWORD).await;
        for bid in &bid_ids {
            app.call(
                Method::PUT,
                &format!("/api/v1/projects/{id}/bids/{bid}/scores"),
                Some(&token),
                Some(json!({"scores": {"plan": "35", "team": "15", "experience": "8"}})),
            )
            .await
            .expect(200);
        }
    }
    let page = app.get_page(&page_url, &cookie).await;
    let ranking = fragment(&page.text, "ranking");
    assert!(
        ranking.contains("<td>1</td><td>银川市第1社会工作服务中心</td>"),
        "{ranking}"
    );
    assert!(ranking.contains("已评分") || page.text.contains("已评分"));

    // The second-ranked bid without a reason is refused next to the field; rank 1 is awarded.
    let second = bid_ids[1].to_string();
    let before = app.counts(&["awards", "notices"]);
    let refused = app
        .post_page(
            &format!("{page_url}/award"),
            &cookie,
            &[("bid_id", &second), ("confirm", "yes")],
        )
        .await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(refused.text.contains("id=\"e-reason\""), "{}", refused.text);
    assert!(refused.text.contains("须说明理由"));
    assert_eq!(app.counts(&["awards", "notices"]), before);
    let first = bid_ids[0].to_string();
    let awarded = app
        .post_page(
            &format!("{page_url}/award"),
            &cookie,
            &[("bid_id", &first), ("reason", ""), ("confirm", "yes")],
        )
        .await;
    assert_eq!(location(&awarded), page_url);
    assert_eq!(project_status(&app, id), "awarded");
    let winner: i64 = awards::table
        .filter(awards::project_id.eq(id))
        .select(awards::bid_id)
        .first(&mut *app.conn())
        .expect("award");
    assert_eq!(winner, bid_ids[0]);
    let page = follow(&app, &awarded, &cookie).await;
    assert!(
        page.text
            .contains("已确定中标人，中标（成交）结果公告已发布。")
    );
    assert!(
        page.text
            .contains("id=\"award-winner\">银川市第1社会工作服务中心")
    );
    assert!(
        page.text.contains("id=\"challenge-deadline\">2026-05-06"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("质疑期至 2026-05-06 届满"),
        "no contract yet"
    );

    // A losing bidder challenges; the officer answers through the page.
    let token = app.login(&bidders[1].1, PASSWORD).await;
    let challenge = app
        .post(
            &format!("/api/v1/projects/{id}/challenges"),
            Some(&token),
            json!({"grounds": "评分标准适用不一致", "facts": "第一名的团队得分与其人员证书不符"}),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    let answer_url = format!("{page_url}/challenges/{challenge}/answer");
    let blank = app
        .post_page(
            &answer_url,
            &cookie,
            &[("decision", "rejected"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(blank.status.as_u16(), 422);
    assert!(fragment(&blank.text, &format!("answer-form-{challenge}")).contains("请填写书面答复"));
    let answered = app
        .post_page(
            &answer_url,
            &cookie,
            &[
                ("decision", "rejected"),
                ("answer", "经复核，评分符合评分办法。"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(location(&answered), page_url);
    let page = follow(&app, &answered, &cookie).await;
    assert!(page.text.contains("质疑不成立") && page.text.contains("经复核，评分符合评分办法。"));
    assert_eq!(project_status(&app, id), "awarded");

    // After the challenge period the contract may be drafted.
    let cookie = jump(&mut app, "2026-05-07 01:00:00").await;
    let page = app.get_page(&page_url, &cookie).await;
    assert!(
        page.text.contains(&format!(
            "id=\"contract-link\" href=\"/app/projects/{id}/contract/new\""
        )),
        "{}",
        page.text
    );

    // An auditor reads the same page without forms; admins too.
    for (username, role) in [("audit1", Role::Auditor), ("root1", Role::Admin)] {
        create_user_direct(&app.state, username, role);
        let reader = app.page_login(username, PASSWORD).await;
        let page = app.get_page(&page_url, &reader).await;
        assert_eq!(page.status.as_u16(), 200, "{username}: {}", page.text);
        assert!(page.text.contains("银川市第1社会工作服务中心"));
        assert!(page.text.contains("（只读）"));
        assert!(
            !page.text.contains(&format!("action=\"{page_url}/")),
            "{username}: no forms: {}",
            page.text
        );
        let list = app.get_page("/app/projects", &reader).await;
        assert_eq!(list.status.as_u16(), 200);
        assert!(list.text.contains("全部项目"));
        assert!(list.text.contains(&format!("href=\"{page_url}\"")));
        // Their posts are refused before any service runs.
        let post = app
            .post_page(
                &format!("{page_url}/cancel"),
                &reader,
                &[("reason", "x"), ("confirm", "yes")],
            )
            .await;
        assert_eq!(post.status.as_u16(), 403, "{username}");
    }

    // A contractor and another purchaser's officer get 403; an unknown project is 404.
    let contractor = app.page_login(&bidders[0].1, PASSWORD).await;
    let page = app.get_page(&page_url, &contractor).await;
    assert_eq!(page.status.as_u16(), 403);
    assert!(!page.text.contains("银川市第1社会工作服务中心"));
    buyer(&app, 2, "government_department", "1000000.00").await;
    let other_cookie = app.page_login("officer2", PASSWORD).await;
    let page = app.get_page(&page_url, &other_cookie).await;
    assert_eq!(page.status.as_u16(), 403);
    let before = app.counts(&["challenges", "audit_log"]);
    let post = app
        .post_page(
            &format!("{page_url}/open"),
            &other_cookie,
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(post.status.as_u16(), 403);
    assert_eq!(app.counts(&["challenges", "audit_log"]), before);
    let missing = app.get_page("/app/projects/999999", &cookie).await;
    assert_eq!(missing.status.as_u16(), 404);
}

/// Every demo project (one in each state) renders for its officer and, read-only, for an
/// auditor; another purchaser's officer is refused.
#[tokio::test]
async fn every_demo_project_page_renders_for_its_officer_and_an_auditor() {
    let app = spawn_app().await;
    {
        let mut conn = app.conn();
        sixnorms::demo::load(
            &mut conn,
            &app.state.settings,
            &app.state.rules,
            &app.state.calendar,
            app.state.clock.now(),
            app.state.clock.today(),
        )
        .expect("demo");
    }
    let officer = app
        .page_login("officer", sixnorms::demo::DEMO_PASSWORD)
        .await;
    let purchaser: i64 = users::table
        .filter(users::username.eq("officer"))
        .select(users::purchaser_id)
        .first::<Option<i64>>(&mut *app.conn())
        .expect("officer")
        .expect("purchaser");
    let rows: Vec<(i64, String, String)> = projects::table
        .filter(projects::purchaser_id.eq(purchaser))
        .select((projects::id, projects::title, projects::status))
        .load(&mut *app.conn())
        .expect("projects");
    assert!(rows.len() >= 7, "demo projects: {}", rows.len());
    create_user_direct(&app.state, "audit1", Role::Auditor);
    let auditor = app.page_login("audit1", PASSWORD).await;
    let outsider = app
        .page_login("nx.officer", sixnorms::demo::DEMO_PASSWORD)
        .await;
    let mut states = std::collections::HashSet::new();
    for (id, title, status) in &rows {
        let url = format!("/app/projects/{id}");
        let page = app.get_page(&url, &officer).await;
        assert_eq!(page.status.as_u16(), 200, "{status}: {}", page.text);
        assert!(page.text.contains(title.as_str()), "{status}");
        let read = app.get_page(&url, &auditor).await;
        assert_eq!(read.status.as_u16(), 200, "{status}: {}", read.text);
        assert!(
            !read.text.contains(&format!("action=\"{url}/")),
            "{status}: read-only"
        );
        assert_eq!(app.get_page(&url, &outsider).await.status.as_u16(), 403);
        states.insert(status.clone());
        match status.as_str() {
            "draft" => assert!(page.text.contains("id=\"intention-form\"")),
            "intention_published" => assert!(page.text.contains("id=\"tender-form\"")),
            "tendering" => assert!(page.text.contains("id=\"open-form\"")),
            "evaluating" => assert!(page.text.contains("id=\"opening-record\"")),
            "awarded" => assert!(page.text.contains("id=\"award-winner\"")),
            _ => {}
        }
    }
    assert!(states.len() >= 5, "{states:?}");
}

#[tokio::test]
async fn cancelling_needs_a_reason_and_the_confirm_box_and_releases_the_budget() {
    let app = spawn_app().await;
    let (b, cookie) = officer_with_budget(&app, "3000000.00").await;
    let id = project(&app, &b, project_body(&b)).await;
    let url = format!("/app/projects/{id}/cancel");
    let committed = |app: &TestApp| -> i64 {
        budgets::table
            .find(b.budget)
            .select(budgets::committed_fen)
            .first(&mut *app.conn())
            .expect("budget")
    };
    assert_eq!(committed(&app), 100_000_000);
    let before = app.counts(&["audit_log"]);
    let refused = app.post_page(&url, &cookie, &[("reason", " ")]).await;
    assert_eq!(refused.status.as_u16(), 422);
    let form = fragment(&refused.text, "cancel-form");
    assert!(form.contains("id=\"e-reason\">请填写取消理由"), "{form}");
    assert!(form.contains("id=\"e-confirm\""), "{form}");
    assert_eq!(project_status(&app, id), "draft");
    assert_eq!(app.counts(&["audit_log"]), before);
    let ok = app
        .post_page(
            &url,
            &cookie,
            &[
                ("reason", "需求调整，改由社工站自行承担"),
                ("confirm", "yes"),
            ],
        )
        .await;
    let page = follow(&app, &ok, &cookie).await;
    assert!(page.text.contains("项目已取消，预算占用已释放。"));
    assert!(
        page.text.contains("已取消（需求调整，改由社工站自行承担）"),
        "{}",
        page.text
    );
    assert!(
        !page.text.contains("id=\"cancel-form\""),
        "no step after cancelling"
    );
    assert_eq!(project_status(&app, id), "cancelled");
    assert_eq!(committed(&app), 0);
}
