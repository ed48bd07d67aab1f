//! The contract pages of both parties over plain HTTP (no JavaScript): the officer drafts the
//! contract of an awarded project, both parties sign, the contractor files monthly reports,
//! the officer reviews them, pays an installment, records supervision, opens an evaluation
//! and terminates; other organizations are refused and auditors read without forms. Every
//! refused form answers 422 with Chinese messages and leaves the tables unchanged.
//!
//! The award is inserted directly (as in `contracts.rs`): notice Mon 2026-03-02, challenge
//! window until Fri 03-20, signing until Wed 04-01. Project service period 2026-07-01 …
//! 2027-06-30.

use diesel::prelude::*;
use sixnorms::auth::Role;
use sixnorms::db::schema::{
    contracts, payments, performance_evaluations, service_reports, supervisions,
};

use crate::factories::qualified_contractor;
use crate::helpers::{PASSWORD, Reply, TestApp, at, create_user_direct, location, spawn_app};
use crate::procurement::{Buyer, buyer};

/// The tables drafting and signing write.
const CONTRACT_TABLES: [&str; 4] = ["contracts", "payments", "notices", "audit_log"];
/// The tables delivery writes.
const REPORT_TABLES: [&str; 4] = [
    "service_reports",
    "report_counts",
    "supervisions",
    "audit_log",
];

/// 10:00 in Shanghai on `day`.
fn on(day: &str) -> chrono::NaiveDateTime {
    at(&format!("{day} 02:00:00"))
}

/// An awarded project (as in the contract API tests), for `contractor_id` at `price_fen`;
/// returns the project id.
async fn awarded(app: &TestApp, b: &Buyer, contractor_id: i64, price_fen: i64) -> i64 {
    crate::contracts::awarded(app, b, contractor_id, price_fen)
        .await
        .0
}

/// The drafting form as a browser submits it, with `changes` applied (a field set to `""`
/// stays in the form, empty).
fn draft_form(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut form = vec![
        ("subject", "兴庆区困难群众社会工作服务"),
        ("quantity_terms", "入户探访1200人次，个案服务60个"),
        ("quality_terms", "服务对象满意率不低于90%"),
        ("service_start", "2026-07-01"),
        ("service_end", "2027-06-30"),
        ("payment_schedule[0].name", "首期款"),
        ("payment_schedule[0].percent", "30"),
        ("payment_schedule[0].condition", "on_signing"),
        ("payment_schedule[1].name", "中期款"),
        ("payment_schedule[1].percent", "30"),
        ("payment_schedule[1].condition", "after_midterm_evaluation"),
        ("payment_schedule[2].name", "尾款"),
        ("payment_schedule[2].percent", "40"),
        ("payment_schedule[2].condition", "after_final_evaluation"),
        ("payment_schedule[3].name", ""),
        ("payment_schedule[3].percent", ""),
        ("payment_schedule[3].condition", ""),
        (
            "rights_obligations",
            "甲方按约付款并监督；乙方按约提供服务并报送月度报告。",
        ),
        ("breach_liability", "一方违约的，应赔偿对方因此遭受的损失。"),
        ("dispute_resolution.kind", "arbitration"),
        ("dispute_resolution.body", "银川仲裁委员会"),
    ];
    for (name, value) in changes {
        match form.iter_mut().find(|(n, _)| n == name) {
            Some(pair) => pair.1 = value,
            None => form.push((name, value)),
        }
    }
    form
}

/// A monthly report form with `changes` applied. The project's groups are `low_income`
/// (row 0) and `extreme_poverty` (row 1).
fn report_form(
    period: &'static str,
    changes: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    let mut form = vec![
        ("period", period),
        ("service_counts[0].target_group", "low_income"),
        ("service_counts[0].persons", "40"),
        ("service_counts[0].person_times", "100"),
        ("service_counts[1].target_group", "extreme_poverty"),
        ("service_counts[1].persons", ""),
        ("service_counts[1].person_times", ""),
        ("service_counts[2].target_group", ""),
        ("service_counts[2].persons", ""),
        ("service_counts[2].person_times", ""),
        ("activities", "3"),
        ("cases_opened", "5"),
        ("cases_closed", "1"),
        ("volunteers_engaged", "8"),
        ("narrative", "本月开展入户探访和需求评估。"),
    ];
    for (name, value) in changes {
        match form.iter_mut().find(|(n, _)| n == name) {
            Some(pair) => pair.1 = value,
            None => form.push((name, value)),
        }
    }
    form
}

/// Asserts a 303 and returns where it goes.
fn redirected(reply: &Reply) -> String {
    assert_eq!(
        reply.status.as_u16(),
        303,
        "expected a redirect; body: {}",
        reply.text
    );
    location(reply)
}

/// Asserts a refused form: 422 and every text in `texts` on the page.
fn refused(reply: &Reply, texts: &[&str]) {
    assert_eq!(
        reply.status.as_u16(),
        422,
        "expected 422; body: {}",
        reply.text
    );
    for text in texts {
        assert!(
            reply.text.contains(text),
            "missing {text:?} in: {}",
            reply.text
        );
    }
}

/// `GET path` following one redirect with the cookie the redirect set (the flash).
async fn follow(app: &TestApp, reply: &Reply, cookie: &str) -> Reply {
    let to = redirected(reply);
    let flash = crate::helpers::set_cookies(&reply.headers)
        .into_iter()
        .find(|(n, _)| n == "sixnorms_flash")
        .map(|(n, v)| format!("; {n}={v}"))
        .unwrap_or_default();
    let path = to.split('#').next().unwrap_or("").to_owned();
    app.get_page(&path, &format!("{cookie}{flash}")).await
}

fn contract_of(app: &TestApp, project_id: i64) -> Option<(i64, String, bool, bool)> {
    let mut conn = app.conn();
    contracts::table
        .filter(contracts::project_id.eq(project_id))
        .select((
            contracts::id,
            contracts::status,
            contracts::purchaser_signed_at.is_not_null(),
            contracts::contractor_signed_at.is_not_null(),
        ))
        .first(&mut *conn)
        .optional()
        .expect("contract")
}

fn payment_rows(app: &TestApp, contract: i64) -> Vec<(i64, String, String)> {
    let mut conn = app.conn();
    payments::table
        .filter(payments::contract_id.eq(contract))
        .order(payments::position.asc())
        .select((payments::id, payments::condition, payments::status))
        .load(&mut *conn)
        .expect("payments")
}

fn report_rows(app: &TestApp, contract: i64) -> Vec<(i64, String, String, Option<String>)> {
    let mut conn = app.conn();
    service_reports::table
        .filter(service_reports::contract_id.eq(contract))
        .order(service_reports::period.asc())
        .select((
            service_reports::id,
            service_reports::period,
            service_reports::status,
            service_reports::review_comment,
        ))
        .load(&mut *conn)
        .expect("reports")
}

/// A buyer (officer1), two qualified contractors (org1 wins, org2 does not), a project
/// awarded to org1 at ¥900,000.00, and a second purchaser's officer (officer2). Returns (project id, contractor id of org1).
async fn world(app: &TestApp) -> (i64, i64) {
    let b = buyer(app, 1, "government_department", "9000000.00").await;
    let (c1, _) = qualified_contractor(app, 1, "org1", "640104").await;
    qualified_contractor(app, 2, "org2", "640104").await;
    buyer(app, 2, "government_department", "1000000.00").await;
    let p = awarded(app, &b, c1, 90_000_000).await;
    (p, c1)
}

/// Drafts the standard contract through the page on 2026-03-23; returns its id.
async fn draft_through_pages(app: &TestApp, project_id: i64) -> i64 {
    app.set_clock(on("2026-03-23"));
    let officer = app.page_login("officer1", PASSWORD).await;
    let reply = app
        .post_page(
            &format!("/app/projects/{project_id}/contract/new"),
            &officer,
            &draft_form(&[]),
        )
        .await;
    redirected(&reply);
    contract_of(app, project_id).expect("drafted").0
}

/// Drafts and signs on 2026-03-23 (both parties); the contract is active.
async fn active_contract(app: &TestApp, project_id: i64) -> i64 {
    let id = draft_through_pages(app, project_id).await;
    for user in ["officer1", "org1"] {
        let cookie = app.page_login(user, PASSWORD).await;
        let reply = app
            .post_page(
                &format!("/app/contracts/{id}/sign"),
                &cookie,
                &[("confirm", "yes")],
            )
            .await;
        redirected(&reply);
    }
    assert_eq!(contract_of(app, project_id).expect("contract").1, "active");
    id
}

// ------------------------------------------------------------------------------ drafting

#[tokio::test]
async fn the_officer_drafts_the_contract_with_every_term_and_sees_refusals_in_chinese() {
    let app = spawn_app().await;
    let (p, _) = world(&app).await;
    let path = format!("/app/projects/{p}/contract/new");

    // While the challenge window is open the page warns and the service refuses.
    app.set_clock(on("2026-03-20"));
    let officer = app.page_login("officer1", PASSWORD).await;
    let page = app.get_page(&path, &officer).await.expect(200);
    for text in [
        "id=\"contract-form\"",
        "¥900,000.00",
        "质疑期至2026年3月20日届满",
        "name=\"payment_schedule[0].percent\"",
        "name=\"payment_schedule[3].condition\"",
        "type=\"date\"",
        "value=\"after_midterm_evaluation\"",
        "中期评估后",
        "name=\"dispute_resolution.kind\"",
    ] {
        assert!(page.text.contains(text), "missing {text}: {}", page.text);
    }
    let before = app.counts(&CONTRACT_TABLES);
    let reply = app.post_page(&path, &officer, &draft_form(&[])).await;
    refused(&reply, &["质疑期至2026年3月20日届满，届满后方可签订合同"]);
    assert_eq!(app.counts(&CONTRACT_TABLES), before);

    // After the window: percents summing to 90 are refused, the input kept.
    app.set_clock(on("2026-03-23"));
    let officer = app.page_login("officer1", PASSWORD).await;
    let before = app.counts(&CONTRACT_TABLES);
    let reply = app
        .post_page(
            &path,
            &officer,
            &draft_form(&[("payment_schedule[2].percent", "30")]),
        )
        .await;
    refused(
        &reply,
        &[
            "各期付款比例之和须恰好为 100%，现为 90.00%",
            "兴庆区困难群众社会工作服务</textarea>",
            "银川仲裁委员会",
        ],
    );
    assert_eq!(app.counts(&CONTRACT_TABLES), before);

    // Dates and percents that do not parse, missing terms: errors next to their fields.
    let reply = app
        .post_page(
            &path,
            &officer,
            &draft_form(&[
                ("service_start", "2026-02-30"),
                ("breach_liability", ""),
                ("payment_schedule[1].percent", ""),
            ]),
        )
        .await;
    refused(
        &reply,
        &[
            "id=\"e-service_start\"",
            "服务开始日期格式无效：“2026-02-30”",
            "id=\"e-breach_liability\"",
            "请填写违约责任",
            "id=\"e-payment_schedule[1].percent\"",
            "请填写第 2 期的付款比例",
        ],
    );
    // The service's own field errors land next to the right row, even with a blank row
    // in between.
    let reply = app
        .post_page(
            &path,
            &officer,
            &draft_form(&[
                ("service_end", "2027-07-31"),
                ("payment_schedule[2].name", ""),
                ("payment_schedule[2].percent", ""),
                ("payment_schedule[2].condition", ""),
                ("payment_schedule[3].name", "尾款"),
                ("payment_schedule[3].percent", "40.001"),
                ("payment_schedule[3].condition", "after_final_evaluation"),
            ]),
        )
        .await;
    refused(
        &reply,
        &[
            "id=\"e-service_end\"",
            "须在项目服务期限（2026-07-01 至 2027-06-30）之内",
            "id=\"e-payment_schedule[3].percent\"",
            "百分比最多保留两位小数",
        ],
    );
    assert_eq!(
        app.counts(&CONTRACT_TABLES),
        before,
        "refusals write nothing"
    );

    // Another role or another purchaser's officer: 403.
    let org1 = app.page_login("org1", PASSWORD).await;
    assert_eq!(app.get_page(&path, &org1).await.status.as_u16(), 403);
    assert_eq!(
        app.post_page(&path, &org1, &draft_form(&[]))
            .await
            .status
            .as_u16(),
        403
    );
    assert_eq!(app.counts(&CONTRACT_TABLES), before);

    // Success: 303 to the contract page, which shows the terms and the flash.
    let reply = app.post_page(&path, &officer, &draft_form(&[])).await;
    let (id, status, _, _) = contract_of(&app, p).expect("contract");
    assert_eq!(status, "draft");
    assert_eq!(redirected(&reply), format!("/app/contracts/{id}"));
    let page = follow(&app, &reply, &officer).await.expect(200);
    for text in [
        "合同已起草",
        "待签订",
        "¥900,000.00",
        "¥270,000.00",
        "¥360,000.00",
        "签订后",
        "终期评估后",
        "仲裁（银川仲裁委员会）",
        "id=\"sign-form\"",
    ] {
        assert!(page.text.contains(text), "missing {text}: {}", page.text);
    }
    assert_eq!(payment_rows(&app, id).len(), 3);

    // The list shows it, waiting for the officer's signature; the draft page now links to it.
    let list = app.get_page("/app/contracts", &officer).await.expect(200);
    assert!(list.text.contains(&format!("href=\"/app/contracts/{id}\"")));
    assert!(list.text.contains("待本方签订"));
    let again = app.get_page(&path, &officer).await.expect(200);
    assert!(again.text.contains("该项目已有合同"));
    assert!(!again.text.contains("id=\"contract-form\""));
}

#[tokio::test]
async fn the_officers_list_offers_awarded_projects_without_a_contract() {
    let app = spawn_app().await;
    let (p, _) = world(&app).await;
    app.set_clock(on("2026-03-23"));
    let officer = app.page_login("officer1", PASSWORD).await;
    let list = app.get_page("/app/contracts", &officer).await.expect(200);
    assert!(list.text.contains("待起草合同的项目"));
    assert!(
        list.text
            .contains(&format!("href=\"/app/projects/{p}/contract/new\""))
    );
    assert!(list.text.contains("暂无合同"));
}

// ------------------------------------------------------------------------------- signing

#[tokio::test]
async fn both_parties_sign_only_with_the_confirm_box() {
    let app = spawn_app().await;
    let (p, _) = world(&app).await;
    let id = draft_through_pages(&app, p).await;
    let sign = format!("/app/contracts/{id}/sign");
    let officer = app.page_login("officer1", PASSWORD).await;
    let org1 = app.page_login("org1", PASSWORD).await;
    let org2 = app.page_login("org2", PASSWORD).await;

    // Without the box: 422, nothing signed.
    let before = app.counts(&CONTRACT_TABLES);
    let reply = app.post_page(&sign, &officer, &[]).await;
    refused(
        &reply,
        &["此操作不可撤回，请勾选确认后再提交", "id=\"sign-form\""],
    );
    assert_eq!(
        contract_of(&app, p).expect("c"),
        (id, "draft".into(), false, false)
    );
    assert_eq!(app.counts(&CONTRACT_TABLES), before);

    // Another organization may neither read nor sign.
    assert_eq!(
        app.post_page(&sign, &org2, &[("confirm", "yes")])
            .await
            .status
            .as_u16(),
        403
    );
    assert_eq!(app.counts(&CONTRACT_TABLES), before);

    // The officer signs; the contractor sees it waiting for its signature.
    let reply = app.post_page(&sign, &officer, &[("confirm", "yes")]).await;
    let page = follow(&app, &reply, &officer).await.expect(200);
    assert!(page.text.contains("本方已签订合同，等待对方签订"));
    assert!(!page.text.contains("id=\"sign-form\""), "signed once");
    assert_eq!(
        contract_of(&app, p).expect("c"),
        (id, "draft".into(), true, false)
    );
    let list = app.get_page("/app/contracts", &org1).await.expect(200);
    assert!(list.text.contains("待本方签订"), "{}", list.text);

    // The contractor signs: active, the first installment due.
    let contract_page = app
        .get_page(&format!("/app/contracts/{id}"), &org1)
        .await
        .expect(200);
    assert!(contract_page.text.contains("id=\"sign-form\""));
    let reply = app.post_page(&sign, &org1, &[("confirm", "yes")]).await;
    let page = follow(&app, &reply, &org1).await.expect(200);
    assert!(page.text.contains("双方均已签订，合同已生效"));
    assert!(page.text.contains("履行中"));
    assert_eq!(
        contract_of(&app, p).expect("c"),
        (id, "active".into(), true, true)
    );
    let statuses: Vec<String> = payment_rows(&app, id).into_iter().map(|r| r.2).collect();
    assert_eq!(statuses, ["due", "scheduled", "scheduled"]);

    // Signing again is refused in Chinese.
    let reply = app.post_page(&sign, &officer, &[("confirm", "yes")]).await;
    refused(&reply, &["合同当前状态为“履行中”，不能再签订"]);
}

// ---------------------------------------------------------------------- reports, payment

#[tokio::test]
async fn the_contractor_files_reports_and_the_officer_reviews_and_pays() {
    let app = spawn_app().await;
    let (p, _) = world(&app).await;
    let id = active_contract(&app, p).await;
    app.set_clock(on("2026-08-05"));
    let officer = app.page_login("officer1", PASSWORD).await;
    let org1 = app.page_login("org1", PASSWORD).await;
    let new_report = format!("/app/contracts/{id}/reports/new");

    // The contract page offers the form; the form offers the months so far.
    let page = app
        .get_page(&format!("/app/contracts/{id}"), &org1)
        .await
        .expect(200);
    assert!(page.text.contains(&format!("href=\"{new_report}\"")));
    let form = app.get_page(&new_report, &org1).await.expect(200);
    for text in [
        "id=\"report-form\"",
        "<option value=\"2026-07\"",
        "<option value=\"2026-08\"",
        "name=\"service_counts[0].persons\"",
        "name=\"service_counts[1].person_times\"",
        "name=\"service_counts[2].target_group\"",
        "name=\"volunteers_engaged\"",
        "name=\"narrative\"",
        "不得填写服务对象的姓名、身份证号",
    ] {
        assert!(form.text.contains(text), "missing {text}: {}", form.text);
    }
    assert!(!form.text.contains("2026-09"), "no future month");
    assert!(!form.text.contains("name=\"name\""));
    assert!(!form.text.contains("id_number"));

    // Bad input: Chinese errors next to the fields, nothing written.
    let before = app.counts(&REPORT_TABLES);
    let reply = app
        .post_page(
            &new_report,
            &org1,
            &report_form("2026-07", &[("narrative", ""), ("activities", "三场")]),
        )
        .await;
    refused(
        &reply,
        &[
            "id=\"e-narrative\"",
            "请填写本月服务情况",
            "id=\"e-activities\"",
            "活动场次应为整数：“三场”",
            "value=\"100\"",
        ],
    );
    let reply = app
        .post_page(
            &new_report,
            &org1,
            &report_form(
                "2026-07",
                &[
                    ("service_counts[1].persons", "20"),
                    ("service_counts[1].person_times", "10"),
                    ("cases_closed", "-1"),
                ],
            ),
        )
        .await;
    refused(
        &reply,
        &[
            "id=\"e-service_counts[1].persons\"",
            "服务人数不能大于服务人次",
            "id=\"e-cases_closed\"",
            "不能为负数",
        ],
    );
    assert_eq!(app.counts(&REPORT_TABLES), before);

    // Another organization: 403.
    let org2 = app.page_login("org2", PASSWORD).await;
    assert_eq!(app.get_page(&new_report, &org2).await.status.as_u16(), 403);
    assert_eq!(
        app.post_page(&new_report, &org2, &report_form("2026-07", &[]))
            .await
            .status
            .as_u16(),
        403
    );
    assert_eq!(app.counts(&REPORT_TABLES), before);

    // Two months filed.
    let reply = app
        .post_page(&new_report, &org1, &report_form("2026-07", &[]))
        .await;
    let page = follow(&app, &reply, &org1).await.expect(200);
    assert!(page.text.contains("月度服务报告已提交"));
    let reply = app
        .post_page(
            &new_report,
            &org1,
            &report_form("2026-08", &[("service_counts[0].person_times", "60")]),
        )
        .await;
    redirected(&reply);
    let reports = report_rows(&app, id);
    assert_eq!(reports.len(), 2);
    let (july, august) = (reports[0].0, reports[1].0);
    let form = app.get_page(&new_report, &org1).await.expect(200);
    assert!(form.text.contains("均已提交"), "{}", form.text);

    // The officer sees them waiting; accepts July.
    let list = app.get_page("/app/contracts", &officer).await.expect(200);
    assert!(list.text.contains("2 份月度报告待审核"), "{}", list.text);
    let page = app
        .get_page(&format!("/app/contracts/{id}"), &officer)
        .await
        .expect(200);
    assert!(page.text.contains(&format!("id=\"review-{july}\"")));
    let reply = app
        .post_page(
            &format!("/app/contracts/{id}/reports/{july}/review"),
            &officer,
            &[("decision", "accepted"), ("comment", "")],
        )
        .await;
    let page = follow(&app, &reply, &officer).await.expect(200);
    assert!(page.text.contains("月度服务报告已审核通过"));
    assert!(
        page.text.contains("已通过的月度报告 1 份（2026-07）"),
        "{}",
        page.text
    );
    // 入户探访 1200 人次: 100 person-times accepted.
    assert!(
        page.text.contains("<td>100</td><td>8.33%</td>"),
        "{}",
        page.text
    );

    // Returning August needs a comment.
    let review = format!("/app/contracts/{id}/reports/{august}/review");
    let before = app.counts(&REPORT_TABLES);
    let reply = app
        .post_page(
            &review,
            &officer,
            &[("decision", "returned"), ("comment", " ")],
        )
        .await;
    refused(&reply, &["退回时请填写退回理由"]);
    assert_eq!(app.counts(&REPORT_TABLES), before);
    assert_eq!(report_rows(&app, id)[1].2, "submitted");
    let reply = app
        .post_page(
            &review,
            &officer,
            &[
                ("decision", "returned"),
                ("comment", "服务人次与活动记录不符，请核实"),
            ],
        )
        .await;
    let page = follow(&app, &reply, &officer).await.expect(200);
    assert!(page.text.contains("月度服务报告已退回"));
    assert_eq!(
        report_rows(&app, id)[1],
        (
            august,
            "2026-08".to_owned(),
            "returned".to_owned(),
            Some("服务人次与活动记录不符，请核实".to_owned())
        )
    );
    // The contractor cannot review.
    assert_eq!(
        app.post_page(&review, &org1, &[("decision", "accepted")])
            .await
            .status
            .as_u16(),
        403
    );

    // The contractor files August again from the pre-filled form.
    let page = app
        .get_page(&format!("/app/contracts/{id}"), &org1)
        .await
        .expect(200);
    assert!(
        page.text
            .contains("审核意见：服务人次与活动记录不符，请核实")
    );
    assert!(page.text.contains("reports/new?period=2026-08"));
    let form = app
        .get_page(&format!("{new_report}?period=2026-08"), &org1)
        .await
        .expect(200);
    assert!(form.text.contains("重新填报月度报告"));
    assert!(
        form.text.contains("value=\"60\""),
        "pre-filled: {}",
        form.text
    );
    let reply = app
        .post_page(
            &new_report,
            &org1,
            &report_form("2026-08", &[("service_counts[0].person_times", "80")]),
        )
        .await;
    let page = follow(&app, &reply, &org1).await.expect(200);
    assert!(page.text.contains("月度服务报告已重新提交"));
    assert_eq!(report_rows(&app, id)[1].2, "submitted");

    // Paying the due installment needs the box, then it is paid.
    let (first, _, status) = payment_rows(&app, id)[0].clone();
    assert_eq!(status, "due");
    let page = app
        .get_page(&format!("/app/contracts/{id}"), &officer)
        .await
        .expect(200);
    assert!(page.text.contains(&format!("id=\"pay-{first}\"")));
    let pay = format!("/app/contracts/{id}/payments/{first}/pay");
    let before = app.counts(&["payments", "audit_log"]);
    let reply = app.post_page(&pay, &officer, &[]).await;
    refused(&reply, &["此操作不可撤回，请勾选确认后再提交"]);
    assert_eq!(payment_rows(&app, id)[0].2, "due");
    assert_eq!(app.counts(&["payments", "audit_log"]), before);
    assert_eq!(
        app.post_page(&pay, &org1, &[("confirm", "yes")])
            .await
            .status
            .as_u16(),
        403
    );
    let reply = app.post_page(&pay, &officer, &[("confirm", "yes")]).await;
    let page = follow(&app, &reply, &officer).await.expect(200);
    assert!(page.text.contains("该期款项已登记支付"));
    assert_eq!(payment_rows(&app, id)[0].2, "paid");
    assert!(!page.text.contains(&format!("id=\"pay-{first}\"")));
    // A scheduled installment cannot be paid.
    let second = payment_rows(&app, id)[1].0;
    let reply = app
        .post_page(
            &format!("/app/contracts/{id}/payments/{second}/pay"),
            &officer,
            &[("confirm", "yes")],
        )
        .await;
    refused(
        &reply,
        &["该期款项当前状态为“未到支付条件”，只有应付的款项才能登记支付"],
    );
}

// ------------------------------------------------------------------------------- access

#[tokio::test]
async fn other_organizations_are_refused_and_auditors_read_without_forms() {
    let app = spawn_app().await;
    let (p, _) = world(&app).await;
    let id = active_contract(&app, p).await;
    let page = format!("/app/contracts/{id}");

    let org2 = app.page_login("org2", PASSWORD).await;
    assert_eq!(app.get_page(&page, &org2).await.status.as_u16(), 403);
    let list = app.get_page("/app/contracts", &org2).await.expect(200);
    assert!(!list.text.contains(&format!("href=\"{page}\"")));
    assert_eq!(
        app.get_page("/app/contracts/999999", &org2)
            .await
            .status
            .as_u16(),
        404
    );

    let officer2 = app.page_login("officer2", PASSWORD).await;
    assert_eq!(app.get_page(&page, &officer2).await.status.as_u16(), 403);
    assert_eq!(
        app.post_page(
            &format!("{page}/terminate"),
            &officer2,
            &[("reason", "x"), ("confirm", "yes")]
        )
        .await
        .status
        .as_u16(),
        403
    );

    create_user_direct(&app.state, "auditor1", Role::Auditor);
    let auditor = app.page_login("auditor1", PASSWORD).await;
    let view = app.get_page(&page, &auditor).await.expect(200);
    for text in [
        "监督查看，只读",
        "¥900,000.00",
        "付款计划",
        "月度服务报告",
        "督导记录",
        "绩效评价",
    ] {
        assert!(view.text.contains(text), "missing {text}: {}", view.text);
    }
    for form in [
        "sign-form",
        "pay-",
        "review-",
        "supervision-form",
        "terminate-form",
        "open-evaluation-form",
    ] {
        assert!(
            !view.text.contains(&format!("id=\"{form}")),
            "auditor sees {form}"
        );
    }
    let list = app.get_page("/app/contracts", &auditor).await.expect(200);
    assert!(list.text.contains(&format!("href=\"{page}\"")));
    assert_eq!(
        app.post_page(&format!("{page}/sign"), &auditor, &[("confirm", "yes")])
            .await
            .status
            .as_u16(),
        403
    );

    // Anonymous: to the login page.
    let anonymous = app.get_page(&page, "").await;
    assert_eq!(anonymous.status.as_u16(), 303);
}

// ------------------------------------------------- supervision, evaluation, termination

#[tokio::test]
async fn the_officer_records_supervision_opens_an_evaluation_and_terminates() {
    let app = spawn_app().await;
    let (p, _) = world(&app).await;
    let id = active_contract(&app, p).await;
    app.set_clock(on("2026-08-05"));
    let officer = app.page_login("officer1", PASSWORD).await;
    let page = format!("/app/contracts/{id}");

    // Supervision: a date after today is refused next to the field.
    let before = app.counts(&REPORT_TABLES);
    let reply = app
        .post_page(
            &format!("{page}/supervisions"),
            &officer,
            &[
                ("held_on", "2026-09-01"),
                ("supervisor", "马老师（宁夏大学）"),
                ("notes", ""),
            ],
        )
        .await;
    refused(&reply, &["请填写督导记录", "value=\"马老师（宁夏大学）\""]);
    let reply = app
        .post_page(
            &format!("{page}/supervisions"),
            &officer,
            &[
                ("held_on", "2026-09-01"),
                ("supervisor", "马老师"),
                ("notes", "检查个案档案"),
            ],
        )
        .await;
    refused(&reply, &["不能晚于今天"]);
    assert_eq!(app.counts(&REPORT_TABLES), before);
    let reply = app
        .post_page(
            &format!("{page}/supervisions"),
            &officer,
            &[
                ("held_on", "2026-08-03"),
                ("supervisor", "马老师"),
                ("notes", "检查个案档案"),
            ],
        )
        .await;
    let shown = follow(&app, &reply, &officer).await.expect(200);
    assert!(shown.text.contains("督导记录已保存"));
    assert!(shown.text.contains("检查个案档案"));
    let n: i64 = {
        let mut conn = app.conn();
        supervisions::table
            .filter(supervisions::contract_id.eq(id))
            .count()
            .get_result(&mut *conn)
            .expect("count")
    };
    assert_eq!(n, 1);

    // Opening the mid-term evaluation by hand, then assigning an evaluator.
    let evaluator = create_user_direct(&app.state, "expert1", Role::Evaluator);
    let reply = app
        .post_page(&format!("{page}/evaluations"), &officer, &[("kind", "")])
        .await;
    refused(&reply, &["请选择评价类型"]);
    let reply = app
        .post_page(
            &format!("{page}/evaluations"),
            &officer,
            &[("kind", "midterm")],
        )
        .await;
    let shown = follow(&app, &reply, &officer).await.expect(200);
    assert!(shown.text.contains("绩效评价已开启"));
    assert!(shown.text.contains("中期评价"));
    let evaluation: i64 = {
        let mut conn = app.conn();
        performance_evaluations::table
            .filter(performance_evaluations::contract_id.eq(id))
            .select(performance_evaluations::id)
            .first(&mut *conn)
            .expect("evaluation")
    };
    assert!(
        shown
            .text
            .contains(&format!("id=\"evaluators-{evaluation}\""))
    );
    let assign = format!("{page}/evaluations/{evaluation}/evaluators");
    let reply = app.post_page(&assign, &officer, &[]).await;
    refused(&reply, &["请至少选择一名评价人员"]);
    let value = evaluator.to_string();
    let reply = app
        .post_page(&assign, &officer, &[("evaluator_ids", value.as_str())])
        .await;
    let shown = follow(&app, &reply, &officer).await.expect(200);
    assert!(shown.text.contains("评价人员已指定"));
    assert!(shown.text.contains("测试用户 expert1（未评分）"));

    // Termination: reason and box required; then terminated, unpaid withheld.
    let before = app.counts(&CONTRACT_TABLES);
    let reply = app
        .post_page(&format!("{page}/terminate"), &officer, &[("reason", "")])
        .await;
    refused(&reply, &["请填写终止原因", "此操作不可撤回"]);
    assert_eq!(app.counts(&CONTRACT_TABLES), before);
    let reply = app
        .post_page(
            &format!("{page}/terminate"),
            &officer,
            &[("reason", "承接方严重违约"), ("confirm", "yes")],
        )
        .await;
    let shown = follow(&app, &reply, &officer).await.expect(200);
    assert!(shown.text.contains("合同已终止"));
    assert!(shown.text.contains("承接方严重违约"));
    assert_eq!(contract_of(&app, p).expect("c").1, "terminated");
    let statuses: Vec<String> = payment_rows(&app, id).into_iter().map(|r| r.2).collect();
    assert_eq!(statuses, ["withheld", "withheld", "withheld"]);
    assert!(!shown.text.contains("id=\"terminate-form\""));
}
