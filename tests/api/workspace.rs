//! The workspace shell over plain HTTP: CSRF on the login and logout forms, flash messages,
//! navigation by role, the officer dashboard's figures, and access by role.

use sixnorms::auth::Role;

use crate::helpers::{
    PASSWORD, create_user_direct, csrf_field, officer_project_counts, officer_work_counts,
    set_cookies, spawn_app,
};

#[tokio::test]
async fn login_without_or_with_a_wrong_csrf_token_is_403_and_changes_nothing() {
    let app = spawn_app().await;
    create_user_direct(&app.state, "wang", Role::Officer);
    let tables = ["api_tokens", "login_attempts", "audit_log"];
    let before = app.counts(&tables);
    let (cookie, token) = app.login_form().await;
    let (_, other_token) = app.login_form().await;
    assert_ne!(token, other_token, "each browser gets its own token");
    let attempts: [(&str, Vec<(&str, &str)>); 4] = [
        ("no cookie", vec![("csrf", &token)]),
        ("no token", vec![]),
        ("another browser's token", vec![("csrf", &other_token)]),
        ("forged", vec![("csrf", "00")]),
    ];
    for (case, extra) in attempts {
        let mut form = vec![("username", "wang"), ("password", PASSWORD)];
        form.extend(extra);
        let mut request = app
            .client
            .post(format!("{}/login", app.address))
            .form(&form);
        if case != "no cookie" {
            request = request.header("Cookie", &cookie);
        }
        let response = request.send().await.expect("post");
        assert_eq!(response.status().as_u16(), 403, "{case}");
        assert!(
            !set_cookies(response.headers())
                .iter()
                .any(|(n, _)| n == "sixnorms_session"),
            "{case}: no session"
        );
        let text = response.text().await.expect("text");
        assert!(text.contains("表单已失效或来源不明"), "{case}: {text}");
    }
    assert_eq!(app.counts(&tables), before, "refused logins change nothing");
}

#[tokio::test]
async fn logout_needs_the_sessions_token() {
    let app = spawn_app().await;
    create_user_direct(&app.state, "wang", Role::Officer);
    create_user_direct(&app.state, "li", Role::Officer);
    let wang = app.page_login("wang", PASSWORD).await;
    let li = app.page_login("li", PASSWORD).await;
    let wang_token = csrf_field(&app.get_page("/app", &wang).await.text);
    let li_token = csrf_field(&app.get_page("/app", &li).await.text);
    assert_ne!(wang_token, li_token);
    let before = app.counts(&["api_tokens", "audit_log"]);
    for (case, form) in [
        ("no token", vec![]),
        ("another session's token", vec![("csrf", li_token.as_str())]),
        ("forged", vec![("csrf", "forged")]),
    ] {
        let response = app
            .client
            .post(format!("{}/logout", app.address))
            .header("Cookie", &wang)
            .form(&form)
            .send()
            .await
            .expect("post");
        assert_eq!(response.status().as_u16(), 403, "{case}");
        assert_eq!(
            app.get_page("/app", &wang).await.status.as_u16(),
            200,
            "{case}: still signed in"
        );
    }
    assert_eq!(app.counts(&["api_tokens", "audit_log"]), before);
    let out = app
        .client
        .post(format!("{}/logout", app.address))
        .header("Cookie", &wang)
        .form(&[("csrf", &wang_token)])
        .send()
        .await
        .expect("post");
    assert_eq!(out.status().as_u16(), 303);
    assert!(
        set_cookies(out.headers())
            .contains(&("sixnorms_flash".to_owned(), "logged_out".to_owned()))
    );
    assert_eq!(app.get_page("/app", &wang).await.status.as_u16(), 303);
    assert_eq!(app.get_page("/app", &li).await.status.as_u16(), 200);
}

#[tokio::test]
async fn a_flash_message_shows_once() {
    let app = spawn_app().await;
    create_user_direct(&app.state, "wang", Role::Officer);
    let session = app.page_login("wang", PASSWORD).await;
    let with_flash = format!("{session}; sixnorms_flash=logged_in");
    let page = app.get_page("/app", &with_flash).await;
    assert!(page.text.contains("登录成功，欢迎回来。"), "{}", page.text);
    let removal = page
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("sixnorms_flash="))
        .expect("flash cookie removed")
        .to_owned();
    assert!(removal.contains("Max-Age=0"), "{removal}");
    assert_eq!(page.headers["cache-control"], "no-store");
    let again = app.get_page("/app", &session).await;
    assert!(!again.text.contains("登录成功"), "shown once");
    // An unknown code shows nothing.
    let odd = app
        .get_page("/app", &format!("{session}; sixnorms_flash=<b>hi</b>"))
        .await;
    assert!(!odd.text.contains("<b>hi</b>") && !odd.text.contains("class=\"flash\""));
}

#[tokio::test]
async fn each_role_gets_its_own_landing_page_and_officer_pages_refuse_the_others() {
    let app = spawn_app().await;
    // Auditors and admins read every project (read-only, tested in web_officer.rs), so only
    // the contractor and the evaluator are refused.
    for (username, role, heading) in [
        ("c1", Role::Contractor, "承接主体工作台"),
        ("e1", Role::Evaluator, "评审专家工作台"),
        ("root", Role::Admin, "系统管理工作台"),
    ] {
        create_user_direct(&app.state, username, role);
        let cookie = app.page_login(username, PASSWORD).await;
        let landing = app.get_page("/app", &cookie).await;
        assert_eq!(landing.status.as_u16(), 200, "{username}");
        assert!(
            landing.text.contains(heading),
            "{username}: {}",
            landing.text
        );
        assert!(
            role == Role::Admin || !landing.text.contains("href=\"/app/projects\""),
            "{username}: no officer nav"
        );
        let officer_page = app.get_page("/app/projects", &cookie).await;
        if role == Role::Admin {
            assert_eq!(
                officer_page.status.as_u16(),
                200,
                "admins read every project"
            );
            assert!(officer_page.text.contains("全部项目"));
            continue;
        }
        assert_eq!(officer_page.status.as_u16(), 403, "{username}");
        assert!(
            officer_page.headers["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/html")
        );
        assert!(
            officer_page.text.contains("无权访问"),
            "{}",
            officer_page.text
        );
    }
}

#[tokio::test]
async fn the_officer_dashboard_counts_the_purchasers_projects_and_lists_deadlines() {
    let app = spawn_app().await;
    let summary = {
        let mut conn = app.conn();
        sixnorms::demo::load(
            &mut conn,
            &app.state.settings,
            &app.state.rules,
            &app.state.calendar,
            app.state.clock.now(),
            app.state.clock.today(),
        )
        .expect("demo")
    };
    assert_eq!(summary.projects, 7);
    let cookie = app
        .page_login("officer", sixnorms::demo::DEMO_PASSWORD)
        .await;
    let page = app.get_page("/app", &cookie).await;
    assert_eq!(page.status.as_u16(), 200);
    let text = &page.text;
    assert!(
        text.contains("采购经办人工作台 · 银川市兴庆区民政局"),
        "{text}"
    );
    let (total, tendering) = officer_project_counts(&app, "officer", "tendering");
    assert!(
        total >= 7 && tendering >= 1,
        "demo: {total} projects, {tendering} tendering"
    );
    assert!(
        text.contains(&format!("本单位项目（共 {total} 个）")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "<a href=\"/app/projects?status=tendering\"><strong>{tendering}</strong>招标中</a>"
        )),
        "{text}"
    );
    assert!(
        text.contains("aria-current=\"page\">工作台"),
        "current nav item"
    );
    assert!(
        text.contains("href=\"/app/projects\""),
        "officer navigation"
    );
    // The tendering project's bid deadline lies within ten working days of the demo's today.
    let deadlines = &text[text.find("id=\"deadlines\"").expect("section")
        ..text.find("id=\"notices-due\"").expect("section")];
    assert!(
        deadlines.contains("<td><a href=\"/app/projects/"),
        "{deadlines}"
    );
    // Reports to review and challenges to answer, as the database has them.
    let (reports, pending) = officer_work_counts(&app, "officer");
    assert!(
        text.contains(&format!("待审核的月度服务报告（{reports}）")),
        "{text}"
    );
    assert!(
        text.contains(&format!("待答复的质疑（{pending}）")),
        "{text}"
    );
    // Another purchaser's officer sees none of them.
    let nx = app
        .page_login("nx.officer", sixnorms::demo::DEMO_PASSWORD)
        .await;
    let other = app.get_page("/app", &nx).await;
    assert!(other.text.contains("宁夏"), "{}", other.text);
    assert!(
        other.text.contains("本单位项目（共 0 个）"),
        "{}",
        other.text
    );
    let list = app
        .get_page("/app/projects?status=tendering", &cookie)
        .await;
    assert_eq!(list.status.as_u16(), 200);
    assert!(list.text.contains("本单位项目 · 招标中"));
    let bad = app.get_page("/app/projects?status=nope", &cookie).await;
    assert_eq!(bad.status.as_u16(), 422);
}

#[tokio::test]
async fn the_officer_dashboard_lists_reports_to_review_and_challenges_to_answer() {
    use diesel::prelude::*;
    use sixnorms::db::schema::{awards, challenges, contracts, projects, service_reports, users};

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
    let cookie = app
        .page_login("officer", sixnorms::demo::DEMO_PASSWORD)
        .await;
    let empty = app.get_page("/app", &cookie).await.text;
    assert!(empty.contains("没有待审核的报告。"), "{empty}");
    assert!(empty.contains("没有待答复的质疑。"), "{empty}");

    // A report submitted for one of the purchaser's contracts, and a challenge against one of
    // its awards whose answer is a day late.
    let now = app.state.clock.now();
    let today = app.state.clock.today();
    let (contract_title, award_title) = {
        let mut conn = app.conn();
        let purchaser: i64 = users::table
            .filter(users::username.eq("officer"))
            .select(users::purchaser_id)
            .first::<Option<i64>>(&mut conn)
            .expect("officer")
            .expect("purchaser");
        let (contract_id, contract_title): (i64, String) = contracts::table
            .inner_join(projects::table.on(projects::id.eq(contracts::project_id)))
            .filter(contracts::purchaser_id.eq(purchaser))
            .select((contracts::id, projects::title))
            .first(&mut conn)
            .expect("a demo contract");
        diesel::delete(
            service_reports::table
                .filter(service_reports::contract_id.eq(contract_id))
                .filter(service_reports::period.eq("2026-02")),
        )
        .execute(&mut conn)
        .expect("clear the month");
        diesel::insert_into(service_reports::table)
            .values((
                service_reports::contract_id.eq(contract_id),
                service_reports::period.eq("2026-02"),
                service_reports::activities.eq(3),
                service_reports::cases_opened.eq(2),
                service_reports::cases_closed.eq(1),
                service_reports::volunteers_engaged.eq(5),
                service_reports::narrative.eq("本月开展入户探访三次。"),
                service_reports::status.eq("submitted"),
                service_reports::submitted_at.eq(now),
            ))
            .execute(&mut conn)
            .expect("report");
        let (award_id, project_id, contractor_id, award_title): (i64, i64, i64, String) =
            awards::table
                .inner_join(projects::table.on(projects::id.eq(awards::project_id)))
                .filter(projects::purchaser_id.eq(purchaser))
                .select((
                    awards::id,
                    awards::project_id,
                    awards::contractor_id,
                    projects::title,
                ))
                .first(&mut conn)
                .expect("a demo award");
        diesel::insert_into(challenges::table)
            .values((
                challenges::project_id.eq(project_id),
                challenges::award_id.eq(award_id),
                challenges::contractor_id.eq(contractor_id),
                challenges::grounds.eq("评分有误"),
                challenges::facts.eq("第二项评分与投标文件不符。"),
                challenges::filed_at.eq(now),
                challenges::answer_due.eq(today - chrono::Duration::days(1)),
                challenges::status.eq("pending"),
            ))
            .execute(&mut conn)
            .expect("challenge");
        (contract_title, award_title)
    };
    assert_eq!(officer_work_counts(&app, "officer"), (1, 1));
    let text = app.get_page("/app", &cookie).await.text;
    let section = |id: &str, next: &str| {
        let start = text.find(&format!("id=\"{id}\"")).expect("section");
        let end = text.find(&format!("id=\"{next}\"")).expect("next section");
        text[start..end].to_owned()
    };
    let reports = section("reports", "challenges");
    assert!(reports.contains("待审核的月度服务报告（1）"), "{reports}");
    assert!(
        reports.contains(&contract_title) && reports.contains("2026-02"),
        "{reports}"
    );
    let pending = section("challenges", "newest");
    assert!(pending.contains("待答复的质疑（1）"), "{pending}");
    assert!(pending.contains(&award_title), "{pending}");
    assert!(
        pending.contains(&format!("{}（已逾期）", today - chrono::Duration::days(1))),
        "{pending}"
    );
    // Another purchaser's officer does not see them.
    let nx = app
        .page_login("nx.officer", sixnorms::demo::DEMO_PASSWORD)
        .await;
    let other = app.get_page("/app", &nx).await.text;
    assert!(other.contains("待审核的月度服务报告（0）"), "{other}");
    assert!(other.contains("待答复的质疑（0）"), "{other}");
}
