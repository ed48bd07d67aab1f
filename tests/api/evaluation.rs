//! Evaluation and award: the panel (size, roles, 回避), score sheets, the ranking (the
//! worked example of DOMAIN §5, half-up means, ties), the award with its notice, and
//! challenges inside and outside the working-day window, answered both ways.
//!
//! Dates: bids open on Tue 2026-04-21. An award that day is published at once (due by Thu
//! 04-23), is on view until Wed 04-22, and may be challenged for 7 working days after that:
//! 04-23, 04-24, 04-27, 04-28, 04-29, 04-30 and — after 劳动节 (05-01 … 05-05) — Wed 05-06.
//! A challenge filed on 05-06 is answered within 05-07, 05-08, Sat 05-09 (调休), 05-11,
//! 05-12, 05-13, 05-14.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use sixnorms::auth::Role;
use sixnorms::db::schema::{bids, projects, tenders, users};

use crate::factories::{contractor, qualified_contractor, registration};
use crate::helpers::{PASSWORD, Reply, TestApp, at, spawn_app};
use crate::procurement::{Buyer, buyer, project, project_body, tender_body};

/// The tables evaluation writes; a refused request leaves their counts alone.
const TABLES: [&str; 6] = [
    "panel_members",
    "bid_scores",
    "awards",
    "challenges",
    "notices",
    "audit_log",
];

/// Tue 2026-04-21 10:00 in Shanghai, an hour after the bid deadline.
const OPENED: &str = "2026-04-21 02:00:00";

/// One bid of the fixture.
#[derive(Clone, Copy)]
struct BidSpec {
    price: &'static str,
    status: &'static str,
    individual: bool,
}

const fn qualified(price: &'static str) -> BidSpec {
    BidSpec {
        price,
        status: "qualified",
        individual: false,
    }
}

/// A bidder: its organization, its user's name and its bid.
struct Bidder {
    contractor: i64,
    username: String,
    bid: i64,
}

/// A project in `evaluating`, its tender and bidders.
struct Setup {
    buyer: Buyer,
    project: i64,
    bidders: Vec<Bidder>,
}

impl Setup {
    fn url(&self) -> String {
        format!("/api/v1/projects/{}", self.project)
    }

    fn bid(&self, i: usize) -> i64 {
        self.bidders[i].bid
    }
}

fn rule(reply: &Reply) -> String {
    reply.json()["error"]["details"]["rule"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn fields(reply: &Reply) -> Value {
    reply.json()["error"]["details"]["fields"].clone()
}

fn first_message(reply: &Reply, field: &str) -> String {
    fields(reply)[field][0].as_str().unwrap_or("").to_owned()
}

/// Logs a user in again (tokens last 12 hours; the clock jumps days).
async fn token(app: &TestApp, username: &str) -> String {
    app.login(username, PASSWORD).await
}

/// A project of `method` tendered on 2026-04-01 with a deadline of 2026-04-21 09:00, whose
/// bids are put in directly (the bids API is another area): the tender is marked opened and
/// the project `evaluating`. The clock is left at [`OPENED`].
async fn evaluating(
    app: &mut TestApp,
    method: &str,
    change_tender: impl FnOnce(&mut Value),
    specs: &[BidSpec],
) -> Setup {
    let b = buyer(app, 1, "government_department", "3000000.00").await;
    let mut body = project_body(&b);
    body["method"] = json!(method);
    let id = project(app, &b, body).await;
    let url = format!("/api/v1/projects/{id}");
    app.post(&format!("{url}/intention"), Some(&b.officer), json!({}))
        .await
        .expect(200);
    app.set_clock(at("2026-04-01 01:00:00"));
    app.admin_token = token(app, "admin").await;
    let officer = token(app, "officer1").await;
    let mut tender = tender_body("2026-04-21T09:00:00+08:00");
    tender["max_price"] = json!("1000000.00");
    change_tender(&mut tender);
    let tender_id = app
        .post(&format!("{url}/tender"), Some(&officer), tender)
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("tender id");
    let mut bidders = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let n = u32::try_from(i + 1).expect("small");
        let username = format!("org{n}");
        let contractor_id = if spec.individual {
            let mut body = registration(n, &username, "640104");
            body["kind"] = json!("individual");
            body["name"] = json!("张社工");
            body.as_object_mut().expect("object").remove("uscc");
            body["id_number"] = json!("11010519491231002X");
            app.post("/api/v1/contractors/register", None, body)
                .await
                .expect(201)
                .json()["id"]
                .as_i64()
                .expect("id")
        } else {
            qualified_contractor(app, n, &username, "640104").await.0
        };
        let fen: i64 = spec
            .price
            .replace('.', "")
            .parse()
            .expect("price with 2 decimals");
        let bid_id: i64 = {
            let mut conn = app.conn();
            diesel::insert_into(bids::table)
                .values((
                    bids::project_id.eq(id),
                    bids::tender_id.eq(tender_id),
                    bids::contractor_id.eq(contractor_id),
                    bids::price_fen.eq(fen),
                    bids::proposal.eq("服务方案：入户探访、需求评估、个案帮扶。"),
                    bids::team_size.eq(8),
                    bids::receipt_sha256.eq(format!("{:064x}", i + 1)),
                    bids::submitted_at.eq(at("2026-04-10 02:00:00")),
                    bids::status.eq(spec.status),
                    bids::reasons
                        .eq((spec.status == "disqualified").then_some("专职工作人员不足 5 人")),
                ))
                .returning(bids::id)
                .get_result(&mut *conn)
                .expect("insert bid")
        };
        bidders.push(Bidder {
            contractor: contractor_id,
            username,
            bid: bid_id,
        });
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
    app.set_clock(at(OPENED));
    app.admin_token = token(app, "admin").await;
    let buyer = Buyer {
        officer: token(app, "officer1").await,
        ..b
    };
    Setup {
        buyer,
        project: id,
        bidders,
    }
}

/// `n` evaluators named 专家甲, 专家乙, …; returns (user id, token).
async fn experts(app: &TestApp, n: usize) -> Vec<(i64, String)> {
    const NAMES: [&str; 7] = [
        "专家甲",
        "专家乙",
        "专家丙",
        "专家丁",
        "专家戊",
        "专家己",
        "专家庚",
    ];
    let mut out = Vec::new();
    for name in NAMES.iter().take(n) {
        let username = format!("expert{}", out.len() + 1);
        let (id, _) = app.user_with_token(&username, Role::Evaluator).await;
        {
            let mut conn = app.conn();
            diesel::update(users::table.find(id))
                .set(users::display_name.eq(*name))
                .execute(&mut *conn)
                .expect("name");
        }
        out.push((id, token(app, &username).await));
    }
    out
}

async fn put_panel(app: &TestApp, s: &Setup, token: &str, ids: &[i64]) -> Reply {
    app.call(
        Method::PUT,
        &format!("{}/panel", s.url()),
        Some(token),
        Some(json!({ "evaluator_ids": ids })),
    )
    .await
}

async fn put_scores(app: &TestApp, s: &Setup, token: &str, bid: i64, scores: Value) -> Reply {
    app.call(
        Method::PUT,
        &format!("{}/bids/{bid}/scores", s.url()),
        Some(token),
        Some(json!({ "scores": scores })),
    )
    .await
}

/// Scores a bid with plan / team / experience points.
async fn score(app: &TestApp, s: &Setup, token: &str, bid: i64, points: [&str; 3]) {
    put_scores(
        app,
        s,
        token,
        bid,
        json!({"plan": points[0], "team": points[1], "experience": points[2]}),
    )
    .await
    .expect(200);
}

async fn ranking(app: &TestApp, s: &Setup, token: &str) -> Value {
    app.get(&format!("{}/ranking", s.url()), Some(token))
        .await
        .expect(200)
        .json()
}

/// (bid id, price, price score, technical, total, rank) of every ranking row.
fn rows(ranking: &Value) -> Vec<(i64, String, String, String, String, i64)> {
    ranking["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["bid_id"].as_i64().expect("bid"),
                r["price"].as_str().expect("price").to_owned(),
                r["price_score"].as_str().expect("price score").to_owned(),
                r["technical_score"].as_str().expect("technical").to_owned(),
                r["total"].as_str().expect("total").to_owned(),
                r["rank"].as_i64().expect("rank"),
            )
        })
        .collect()
}

fn row(
    bid: i64,
    price: &str,
    price_score: &str,
    technical: &str,
    total: &str,
    rank: i64,
) -> (i64, String, String, String, String, i64) {
    (
        bid,
        price.to_owned(),
        price_score.to_owned(),
        technical.to_owned(),
        total.to_owned(),
        rank,
    )
}

fn project_status(app: &TestApp, id: i64) -> String {
    let mut conn = app.conn();
    projects::table
        .find(id)
        .select(projects::status)
        .first(&mut *conn)
        .expect("status")
}

fn bid_status(app: &TestApp, id: i64) -> (String, Option<String>) {
    let mut conn = app.conn();
    bids::table
        .find(id)
        .select((bids::status, bids::reasons))
        .first(&mut *conn)
        .expect("bid")
}

/// The panel formed and every qualified bid scored 60 (35 / 17 / 8) by each member.
async fn scored_by_panel(app: &TestApp, s: &Setup, panel: &[(i64, String)], bids: &[i64]) {
    let ids: Vec<i64> = panel.iter().map(|p| p.0).collect();
    put_panel(app, s, &s.buyer.officer, &ids).await.expect(200);
    for (_, t) in panel {
        for bid in bids {
            score(app, s, t, *bid, ["35", "17", "8"]).await;
        }
    }
}

// ------------------------------------------------------------------------------ panel

#[tokio::test]
async fn panel_is_odd_at_least_three_evaluators_without_conflicts() {
    let mut app = spawn_app().await;
    let s = evaluating(
        &mut app,
        "open_tender",
        |_| {},
        &[
            qualified("900000.00"),
            qualified("950000.00"),
            qualified("1000000.00"),
        ],
    )
    .await;
    let e = experts(&app, 6).await;
    let ids: Vec<i64> = e.iter().map(|x| x.0).collect();
    let officer = &s.buyer.officer;
    let (clerk, _) = app.user_with_token("clerk", Role::Auditor).await;
    let other = buyer(&app, 2, "government_department", "1000000.00").await;
    let before = app.counts(&TABLES);
    // Two and four members: the rule names the size.
    for size in [2, 4] {
        let reply = put_panel(&app, &s, officer, &ids[..size]).await.expect(422);
        assert_eq!(rule(&reply), "panel_size", "{}", reply.text);
        assert!(
            reply.text.contains(&format!("现为 {size} 人")),
            "{}",
            reply.text
        );
    }
    let reply = put_panel(&app, &s, officer, &[]).await.expect(422);
    assert_eq!(rule(&reply), "panel_size");
    // Not an evaluator, unknown, duplicated: field errors naming the id.
    let reply = put_panel(&app, &s, officer, &[ids[0], ids[1], clerk])
        .await
        .expect(422);
    let message = first_message(&reply, "evaluator_ids");
    assert!(
        message.contains(&clerk.to_string()) && message.contains("不是评审专家"),
        "{message}"
    );
    let reply = put_panel(&app, &s, officer, &[ids[0], ids[1], 999_999])
        .await
        .expect(422);
    assert!(
        first_message(&reply, "evaluator_ids").contains("999999"),
        "{}",
        reply.text
    );
    let reply = put_panel(&app, &s, officer, &[ids[0], ids[1], ids[1]])
        .await
        .expect(422);
    let message = first_message(&reply, "evaluator_ids");
    assert!(
        message.contains(&ids[1].to_string()) && message.contains("重复"),
        "{message}"
    );
    // 回避: the sixth expert works for the second bidder.
    {
        let mut conn = app.conn();
        diesel::update(users::table.find(ids[5]))
            .set(users::contractor_id.eq(Some(s.bidders[1].contractor)))
            .execute(&mut *conn)
            .expect("employer");
    }
    let reply = put_panel(&app, &s, officer, &[ids[0], ids[1], ids[5]])
        .await
        .expect(422);
    assert_eq!(rule(&reply), "evaluator_conflict", "{}", reply.text);
    assert!(reply.text.contains("专家己"), "{}", reply.text);
    // Only the purchaser's officer.
    put_panel(&app, &s, &other.officer, &ids[..3])
        .await
        .expect(403);
    put_panel(&app, &s, &e[0].1, &ids[..3]).await.expect(403);
    assert_eq!(app.counts(&TABLES), before);
    // Three, then five (replacing) before any score.
    let panel = put_panel(&app, &s, officer, &ids[..3])
        .await
        .expect(200)
        .json();
    assert_eq!(panel["members"].as_array().expect("members").len(), 3);
    assert_eq!(panel["members"][0]["display_name"], "专家甲");
    let panel = put_panel(&app, &s, officer, &ids[..5])
        .await
        .expect(200)
        .json();
    assert_eq!(panel["members"].as_array().expect("members").len(), 5);
    assert_eq!(panel["scoring_started"], false);
    let shown = app
        .get(&format!("{}/panel", s.url()), Some(&e[4].1))
        .await
        .expect(200)
        .json();
    assert_eq!(shown["members"].as_array().expect("members").len(), 5);
    app.get(&format!("{}/panel", s.url()), Some(&e[5].1))
        .await
        .expect(403);
    assert_eq!(app.counts(&["panel_members"])[0].1, 5);
    // 回避 is checked again when scoring: an expert linked to a bidder later is refused.
    {
        let mut conn = app.conn();
        diesel::update(users::table.find(ids[4]))
            .set(users::contractor_id.eq(Some(s.bidders[2].contractor)))
            .execute(&mut *conn)
            .expect("employer");
    }
    let before = app.counts(&TABLES);
    let reply = put_scores(
        &app,
        &s,
        &e[4].1,
        s.bid(0),
        json!({"plan": 30, "team": 15, "experience": 8}),
    )
    .await
    .expect(422);
    assert_eq!(rule(&reply), "evaluator_conflict", "{}", reply.text);
    assert_eq!(app.counts(&TABLES), before);
    // Once scoring starts the panel stays.
    score(&app, &s, &e[0].1, s.bid(0), ["30", "15", "8"]).await;
    let before = app.counts(&TABLES);
    let reply = put_panel(&app, &s, officer, &ids[..3]).await.expect(409);
    assert_eq!(reply.code(), "conflict");
    assert_eq!(app.counts(&TABLES), before);
    // A project that is not being evaluated has no panel to form.
    let draft = project(&app, &s.buyer, project_body(&s.buyer)).await;
    let before = app.counts(&TABLES);
    let reply = app
        .call(
            Method::PUT,
            &format!("/api/v1/projects/{draft}/panel"),
            Some(officer),
            Some(json!({"evaluator_ids": &ids[..3]})),
        )
        .await
        .expect(409);
    assert_eq!(reply.code(), "invalid_state");
    assert_eq!(app.counts(&TABLES), before);
}

// ----------------------------------------------------------------------- the worked example

#[tokio::test]
async fn worked_example_ranking_and_an_award_to_the_second_with_a_reason() {
    let mut app = spawn_app().await;
    let s = evaluating(
        &mut app,
        "open_tender",
        |_| {},
        &[
            BidSpec {
                price: "900000.00",
                status: "qualified",
                individual: true,
            },
            qualified("1000000.00"),
            qualified("950000.00"),
            // Cheaper but disqualified at opening: never the benchmark.
            BidSpec {
                price: "800000.00",
                status: "disqualified",
                individual: false,
            },
        ],
    )
    .await;
    let (a, b, c, d) = (s.bid(0), s.bid(1), s.bid(2), s.bid(3));
    let e = experts(&app, 4).await;
    let ids: Vec<i64> = e.iter().map(|x| x.0).collect();
    let officer = s.buyer.officer.clone();
    put_panel(&app, &s, &officer, &ids[..3]).await.expect(200);
    // Nobody has scored: 0.00 technical, incomplete.
    let r = ranking(&app, &s, &officer).await;
    assert_eq!(r["complete"], false);
    assert_eq!(
        rows(&r),
        [
            row(a, "900000.00", "30.00", "0.00", "30.00", 1),
            row(c, "950000.00", "28.42", "0.00", "28.42", 2),
            row(b, "1000000.00", "27.00", "0.00", "27.00", 3),
        ]
    );
    // The two first experts score everything; the third scores A and, provisionally, B.
    for (bid, sheets) in [
        (a, [["35", "15", "8"], ["35", "15", "8"]]),
        (b, [["40", "20", "10"], ["38", "18", "9"]]),
        (c, [["30", "15", "8"], ["30", "15", "8.5"]]),
    ] {
        score(&app, &s, &e[0].1, bid, sheets[0]).await;
        score(&app, &s, &e[1].1, bid, sheets[1]).await;
    }
    score(&app, &s, &e[2].1, a, ["35", "15", "8"]).await;
    score(&app, &s, &e[2].1, b, ["30", "10", "5"]).await;
    let r = ranking(&app, &s, &officer).await;
    assert_eq!(r["complete"], false);
    assert_eq!(r["panel_size"], 3);
    let c_row = r["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|x| x["bid_id"] == c)
        .expect("c")
        .clone();
    assert_eq!(c_row["evaluators_scored"], 2);
    assert_eq!(c_row["technical_score"], "53.25", "(53 + 53.5) / 2 so far");
    // B so far: (70 + 65 + 45) / 3 = 60.
    assert!(
        rows(&r).contains(&row(b, "1000000.00", "27.00", "60.00", "87.00", 2)),
        "{r}"
    );
    // Awarding now is refused.
    let before = app.counts(&TABLES);
    let reply = app
        .post(&format!("{}/award", s.url()), Some(&officer), json!({}))
        .await
        .expect(422);
    assert_eq!(rule(&reply), "scoring_incomplete");
    assert_eq!(app.counts(&TABLES), before);
    assert_eq!(project_status(&app, s.project), "evaluating");
    // The third expert re-scores B (replacing the sheet) and scores C.
    score(&app, &s, &e[2].1, b, ["36", "17", "9"]).await;
    score(&app, &s, &e[2].1, c, ["30", "15", "8"]).await;
    assert_eq!(
        app.counts(&["bid_scores"])[0].1,
        27,
        "3 bids × 3 experts × 3 criteria"
    );
    let mine = app
        .get(&format!("{}/bids/{b}/scores", s.url()), Some(&e[2].1))
        .await
        .expect(200)
        .json();
    assert_eq!(
        mine,
        json!({"bid_id": b, "evaluator_id": ids[2], "total": "62.00",
               "scores": {"plan": "36.00", "team": "17.00", "experience": "9.00"}})
    );
    // The worked example: price scores 30.00, 27.00, 28.42 at weight 0.30; technical means
    // half-up: B (70 + 65 + 62) / 3 = 65.666… → 65.67, C 159.5 / 3 = 53.166… → 53.17.
    let r = ranking(&app, &s, &officer).await;
    assert_eq!(r["complete"], true);
    assert_eq!(r["award_method"], "comprehensive");
    assert_eq!(r["price_weight"], "0.30");
    assert_eq!(
        rows(&r),
        [
            row(b, "1000000.00", "27.00", "65.67", "92.67", 1),
            row(a, "900000.00", "30.00", "58.00", "88.00", 2),
            row(c, "950000.00", "28.42", "53.17", "81.59", 3),
        ]
    );
    assert_eq!(r["rows"][1]["contractor_name"], "张社工");
    assert_eq!(r["rows"][1]["contractor_id"], s.bidders[0].contractor);
    // Who reads the ranking: officer, panel, auditor, admin.
    let (_, auditor) = app.user_with_token("shenji", Role::Auditor).await;
    ranking(&app, &s, &auditor).await;
    ranking(&app, &s, &app.admin_token).await;
    ranking(&app, &s, &e[1].1).await;
    let url = format!("{}/ranking", s.url());
    app.get(&url, Some(&e[3].1)).await.expect(403);
    let bidder = token(&app, &s.bidders[1].username).await;
    app.get(&url, Some(&bidder)).await.expect(403);
    let other = buyer(&app, 2, "government_department", "1000000.00").await;
    app.get(&url, Some(&other.officer)).await.expect(403);
    app.get(&url, None).await.expect(401);
    // The disqualified bid is not scored.
    let before = app.counts(&TABLES);
    let reply = put_scores(
        &app,
        &s,
        &e[0].1,
        d,
        json!({"plan": 1, "team": 1, "experience": 1}),
    )
    .await
    .expect(409);
    assert_eq!(reply.code(), "invalid_state");
    // Not the first-ranked bid: a reason is required; a disqualified bid cannot win.
    let award_url = format!("{}/award", s.url());
    for body in [json!({"bid_id": a}), json!({"bid_id": a, "reason": "   "})] {
        let reply = app.post(&award_url, Some(&officer), body).await.expect(422);
        assert!(fields(&reply)["reason"].is_array(), "{}", reply.text);
    }
    let reply = app
        .post(
            &award_url,
            Some(&officer),
            json!({"bid_id": d, "reason": "报价最低"}),
        )
        .await
        .expect(422);
    assert!(
        first_message(&reply, "bid_id").contains(&d.to_string()),
        "{}",
        reply.text
    );
    app.post(&award_url, Some(&other.officer), json!({}))
        .await
        .expect(403);
    app.post(&award_url, Some(&e[0].1), json!({}))
        .await
        .expect(403);
    assert_eq!(app.counts(&TABLES), before);
    assert_eq!(project_status(&app, s.project), "evaluating");
    app.get(&award_url, None).await.expect(404);
    // With a reason the second-ranked bid wins.
    let reason = "排名第一的供应商放弃中标资格";
    let award = app
        .post(
            &award_url,
            Some(&officer),
            json!({"bid_id": a, "reason": reason}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(award["bid_id"], a);
    assert_eq!(award["contractor_name"], "张社工");
    assert_eq!(award["price"], "900000.00");
    assert_eq!(award["reason"], reason);
    assert_eq!(award["notice_on"], "2026-04-21");
    assert_eq!(award["notice_period_end"], "2026-04-22");
    assert_eq!(award["challenge_deadline"], "2026-05-06");
    assert_eq!(award["signing_deadline"], "2026-05-21");
    assert_eq!(award["active"], true);
    assert_eq!(project_status(&app, s.project), "awarded");
    let public = app.get(&award_url, None).await.expect(200).json();
    assert_eq!(public["id"], award["id"]);
    assert_eq!(public["challenge_deadline"], "2026-05-06");
    // The award notice, published at once: due in 2 working days, so on time.
    let notices = app
        .get("/api/v1/notices?kind=award", None)
        .await
        .expect(200)
        .json();
    assert_eq!(notices["total"], 1);
    assert_eq!(notices["items"][0]["due_by"], "2026-04-23");
    assert_eq!(notices["items"][0]["on_time"], true);
    let detail = app
        .get(
            &format!("/api/v1/notices/{}", notices["items"][0]["id"]),
            None,
        )
        .await
        .expect(200)
        .json();
    let body = detail["body_html"].as_str().expect("body");
    for expected in [
        "张社工",
        "110105********002X",
        "¥900,000.00（人民币玖拾万元整）",
        "专家甲",
        "专家乙",
        "专家丙",
        "2026年4月22日",
        "2026年5月6日",
        reason,
        "92.67",
    ] {
        assert!(body.contains(expected), "{expected} missing: {body}");
    }
    assert!(!body.contains("专家丁"), "not on the panel: {body}");
    assert!(!body.contains("11010519491231002X"), "{body}");
    // Done: no second award, no more scoring.
    let before = app.counts(&TABLES);
    let reply = app
        .post(&award_url, Some(&officer), json!({}))
        .await
        .expect(409);
    assert_eq!(reply.code(), "invalid_state");
    put_scores(
        &app,
        &s,
        &e[0].1,
        b,
        json!({"plan": 1, "team": 1, "experience": 1}),
    )
    .await
    .expect(409);
    assert_eq!(app.counts(&TABLES), before);
}

#[tokio::test]
async fn equal_totals_rank_the_lower_price_first_then_the_earlier_bid() {
    let mut app = spawn_app().await;
    let s = evaluating(
        &mut app,
        "open_tender",
        |_| {},
        &[
            qualified("1000000.00"),
            qualified("900000.00"),
            qualified("900000.00"),
        ],
    )
    .await;
    let (x, y, z) = (s.bid(0), s.bid(1), s.bid(2));
    let e = experts(&app, 3).await;
    let ids: Vec<i64> = e.iter().map(|p| p.0).collect();
    put_panel(&app, &s, &s.buyer.officer, &ids)
        .await
        .expect(200);
    for (_, t) in &e {
        // X: 27.00 + 63.00; Y and Z: 30.00 + 60.00 — all 90.00.
        score(&app, &s, t, x, ["35", "18", "10"]).await;
        score(&app, &s, t, y, ["35", "17", "8"]).await;
        score(&app, &s, t, z, ["35", "17", "8"]).await;
    }
    let r = ranking(&app, &s, &s.buyer.officer).await;
    assert_eq!(r["complete"], true);
    assert_eq!(
        rows(&r),
        [
            row(y, "900000.00", "30.00", "60.00", "90.00", 1),
            row(z, "900000.00", "30.00", "60.00", "90.00", 2),
            row(x, "1000000.00", "27.00", "63.00", "90.00", 3),
        ]
    );
}

#[tokio::test]
async fn lowest_price_ranks_by_price_once_the_panel_is_formed() {
    let mut app = spawn_app().await;
    let s = evaluating(
        &mut app,
        "open_tender",
        |t| {
            t["award_method"] = json!("lowest_price");
            t.as_object_mut().expect("object").remove("price_weight");
            t["criteria"] = json!([]);
        },
        &[
            qualified("950000.00"),
            qualified("900000.00"),
            qualified("990000.00"),
        ],
    )
    .await;
    let r = ranking(&app, &s, &s.buyer.officer).await;
    assert_eq!(r["complete"], false, "no panel yet");
    let e = experts(&app, 3).await;
    let ids: Vec<i64> = e.iter().map(|p| p.0).collect();
    put_panel(&app, &s, &s.buyer.officer, &ids)
        .await
        .expect(200);
    let r = ranking(&app, &s, &s.buyer.officer).await;
    assert_eq!(r["complete"], true);
    assert_eq!(r["award_method"], "lowest_price");
    assert_eq!(
        rows(&r),
        [
            row(s.bid(1), "900000.00", "100.00", "0.00", "100.00", 1),
            row(s.bid(0), "950000.00", "94.74", "0.00", "94.74", 2),
            row(s.bid(2), "990000.00", "90.91", "0.00", "90.91", 3),
        ]
    );
    let award = app
        .post(
            &format!("{}/award", s.url()),
            Some(&s.buyer.officer),
            json!({}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(award["bid_id"], s.bid(1));
}

// --------------------------------------------------------------------------- scores

#[tokio::test]
async fn score_sheets_are_checked_per_criterion_and_refusals_change_nothing() {
    let mut app = spawn_app().await;
    let s = evaluating(
        &mut app,
        "open_tender",
        |_| {},
        &[
            qualified("900000.00"),
            qualified("950000.00"),
            qualified("1000000.00"),
        ],
    )
    .await;
    let e = experts(&app, 4).await;
    let ids: Vec<i64> = e.iter().map(|p| p.0).collect();
    let expert = &e[0].1;
    // Not on a panel yet.
    put_scores(
        &app,
        &s,
        expert,
        s.bid(0),
        json!({"plan": 30, "team": 15, "experience": 8}),
    )
    .await
    .expect(403);
    put_panel(&app, &s, &s.buyer.officer, &ids[..3])
        .await
        .expect(200);
    // Numbers and strings both work; points at the bounds are fine.
    let sheet = put_scores(
        &app,
        &s,
        expert,
        s.bid(0),
        json!({"plan": 40, "team": "0", "experience": 9.75}),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(sheet["total"], "49.75");
    assert_eq!(sheet["scores"]["experience"], "9.75");
    let before = app.counts(&TABLES);
    let sheet_url = format!("{}/bids/{}/scores", s.url(), s.bid(0));
    let cases = [
        (
            json!({"plan": "40.01", "team": 15, "experience": 8}),
            "scores.plan",
        ),
        (
            json!({"plan": 30, "team": -1, "experience": 8}),
            "scores.team",
        ),
        (
            json!({"plan": 30, "team": 15, "experience": "8.555"}),
            "scores.experience",
        ),
        (
            json!({"plan": 30, "team": 15, "experience": "八"}),
            "scores.experience",
        ),
        (
            json!({"plan": 30, "team": 15, "experience": null}),
            "scores.experience",
        ),
        (json!({"plan": 30, "team": 15}), "scores.experience"),
        (
            json!({"plan": 30, "team": 15, "experience": 8, "budget": 5}),
            "scores.budget",
        ),
    ];
    for (scores, field) in cases {
        let reply = put_scores(&app, &s, expert, s.bid(0), scores)
            .await
            .expect(422);
        assert!(fields(&reply)[field].is_array(), "{field}: {}", reply.text);
        assert_eq!(
            fields(&reply).as_object().expect("fields").len(),
            1,
            "{}",
            reply.text
        );
    }
    // All at once: every field is named.
    let reply = put_scores(
        &app,
        &s,
        expert,
        s.bid(0),
        json!({"plan": 41, "team": "x", "budget": 1}),
    )
    .await
    .expect(422);
    let f = fields(&reply);
    for field in [
        "scores.plan",
        "scores.team",
        "scores.experience",
        "scores.budget",
    ] {
        assert!(f[field].is_array(), "{field}: {f}");
    }
    // Not a panel member; not an evaluator; a bid of another project.
    put_scores(
        &app,
        &s,
        &e[3].1,
        s.bid(0),
        json!({"plan": 30, "team": 15, "experience": 8}),
    )
    .await
    .expect(403);
    put_scores(
        &app,
        &s,
        &s.buyer.officer,
        s.bid(0),
        json!({"plan": 30, "team": 15, "experience": 8}),
    )
    .await
    .expect(403);
    let reply = app
        .call(
            Method::PUT,
            &format!("{}/bids/999999/scores", s.url()),
            Some(expert),
            Some(json!({"scores": {"plan": 30, "team": 15, "experience": 8}})),
        )
        .await
        .expect(404);
    assert_eq!(reply.code(), "not_found");
    // Malformed body shapes.
    app.call(
        Method::PUT,
        &sheet_url,
        Some(expert),
        Some(json!({"points": {}})),
    )
    .await
    .expect(422);
    assert_eq!(app.counts(&TABLES), before);
    let mine = app.get(&sheet_url, Some(expert)).await.expect(200).json();
    assert_eq!(
        mine["scores"],
        json!({"plan": "40.00", "team": "0.00", "experience": "9.75"})
    );
}

// ------------------------------------------------------------------------ challenges

#[tokio::test]
async fn challenges_inside_the_window_across_labour_day_and_a_rejected_one() {
    let mut app = spawn_app().await;
    let s = evaluating(
        &mut app,
        "open_tender",
        |_| {},
        &[
            qualified("900000.00"),
            qualified("950000.00"),
            qualified("1000000.00"),
        ],
    )
    .await;
    let (outsider, _) = qualified_contractor(&app, 9, "outsider", "640104").await;
    let e = experts(&app, 3).await;
    scored_by_panel(&app, &s, &e, &[s.bid(0), s.bid(1), s.bid(2)]).await;
    let challenges = format!("{}/challenges", s.url());
    let body =
        json!({"grounds": "评分标准适用不一致", "facts": "第二名的团队得分与其人员证书不符"});
    // Nothing to challenge before the award.
    let second = token(&app, &s.bidders[1].username).await;
    let before = app.counts(&TABLES);
    let reply = app
        .post(&challenges, Some(&second), body.clone())
        .await
        .expect(409);
    assert_eq!(reply.code(), "invalid_state");
    assert_eq!(app.counts(&TABLES), before);
    let award = app
        .post(
            &format!("{}/award", s.url()),
            Some(&s.buyer.officer),
            json!({}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(award["bid_id"], s.bid(0));
    assert_eq!(award["challenge_deadline"], "2026-05-06");
    // The last minute of Wed 05-06 in Shanghai: inside the window.
    app.set_clock(at("2026-05-06 15:59:00"));
    app.admin_token = token(&app, "admin").await;
    let second = token(&app, &s.bidders[1].username).await;
    let third = token(&app, &s.bidders[2].username).await;
    let stranger = token(&app, "outsider").await;
    let officer = token(&app, "officer1").await;
    let before = app.counts(&TABLES);
    // Not a bidder: 403, whatever the body.
    let reply = app
        .post(&challenges, Some(&stranger), body.clone())
        .await
        .expect(403);
    assert_eq!(reply.code(), "forbidden");
    app.post(&challenges, Some(&officer), body.clone())
        .await
        .expect(403);
    let reply = app
        .post(
            &challenges,
            Some(&second),
            json!({"grounds": " ", "facts": ""}),
        )
        .await
        .expect(422);
    assert!(fields(&reply)["grounds"].is_array() && fields(&reply)["facts"].is_array());
    app.post(&challenges, Some(&second), json!({"grounds": "只有事项"}))
        .await
        .expect(422);
    assert_eq!(app.counts(&TABLES), before);
    assert_ne!(outsider, s.bidders[1].contractor);
    let filed = app
        .post(&challenges, Some(&second), body.clone())
        .await
        .expect(201)
        .json();
    assert_eq!(filed["status"], "pending");
    assert_eq!(filed["answer_due"], "2026-05-14", "across Sat 05-09 (调休)");
    assert_eq!(filed["contractor_id"], s.bidders[1].contractor);
    {
        let mut conn = app.conn();
        assert!(
            sixnorms::procurement::evaluation::pending_challenge(&mut conn, s.project)
                .expect("query")
        );
        let active = sixnorms::procurement::evaluation::active_award(&mut conn, s.project)
            .expect("query")
            .expect("active award");
        assert_eq!(active.bid_id, s.bid(0));
    }
    // Midnight: Thu 05-07 in Shanghai, one day too late.
    app.set_clock(at("2026-05-06 16:00:00"));
    app.admin_token = token(&app, "admin").await;
    let other = buyer(&app, 2, "government_department", "1000000.00").await;
    let before = app.counts(&TABLES);
    let reply = app
        .post(&challenges, Some(&third), body.clone())
        .await
        .expect(422);
    assert_eq!(rule(&reply), "challenge_window_closed");
    assert!(reply.text.contains("2026年5月6日"), "{}", reply.text);
    assert_eq!(app.counts(&TABLES), before);
    // The bidder sees its own challenge; the officer sees all.
    let own = app.get(&challenges, Some(&third)).await.expect(200).json();
    assert_eq!(own.as_array().expect("list").len(), 0);
    let all = app
        .get(&challenges, Some(&officer))
        .await
        .expect(200)
        .json();
    assert_eq!(all.as_array().expect("list").len(), 1);
    // Answering: only the purchaser's officer, a known decision, a written answer.
    let answer_url = format!("/api/v1/challenges/{}/answer", filed["id"]);
    app.post(
        &answer_url,
        Some(&other.officer),
        json!({"decision": "rejected", "answer": "不成立"}),
    )
    .await
    .expect(403);
    let reply = app
        .post(
            &answer_url,
            Some(&officer),
            json!({"decision": "maybe", "answer": ""}),
        )
        .await
        .expect(422);
    assert!(fields(&reply)["decision"].is_array() && fields(&reply)["answer"].is_array());
    assert_eq!(app.counts(&TABLES), before);
    let answered = app
        .post(
            &answer_url,
            Some(&officer),
            json!({"decision": "rejected", "answer": "经复核，评分符合招标文件规定，质疑不成立。"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(answered["challenge"]["status"], "rejected");
    assert_eq!(answered["project_status"], "awarded");
    assert_eq!(project_status(&app, s.project), "awarded");
    assert_eq!(bid_status(&app, s.bid(0)).0, "qualified");
    {
        let mut conn = app.conn();
        assert!(
            !sixnorms::procurement::evaluation::pending_challenge(&mut conn, s.project)
                .expect("query")
        );
    }
    let public = app
        .get(&format!("{}/award", s.url()), None)
        .await
        .expect(200)
        .json();
    assert_eq!(public["bid_id"], s.bid(0));
    let before = app.counts(&TABLES);
    let reply = app
        .post(
            &answer_url,
            Some(&officer),
            json!({"decision": "upheld", "answer": "改判"}),
        )
        .await
        .expect(409);
    assert_eq!(reply.code(), "invalid_state");
    assert_eq!(app.counts(&TABLES), before);
}

#[tokio::test]
async fn an_upheld_challenge_reopens_evaluation_and_a_new_award_follows() {
    let mut app = spawn_app().await;
    let s = evaluating(
        &mut app,
        "open_tender",
        |_| {},
        &[
            qualified("900000.00"),
            qualified("950000.00"),
            qualified("1000000.00"),
        ],
    )
    .await;
    let e = experts(&app, 3).await;
    scored_by_panel(&app, &s, &e, &[s.bid(0), s.bid(1), s.bid(2)]).await;
    let award_url = format!("{}/award", s.url());
    let first = app
        .post(&award_url, Some(&s.buyer.officer), json!({}))
        .await
        .expect(201)
        .json();
    assert_eq!(first["bid_id"], s.bid(0));
    // Filed the day of the award (Tue 04-21): answer due Thu 04-30.
    let second = token(&app, &s.bidders[1].username).await;
    let filed = app
        .post(
            &format!("{}/challenges", s.url()),
            Some(&second),
            json!({"grounds": "中标人不满足资格条件", "facts": "中标人专职人员社保记录不足"}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(filed["answer_due"], "2026-04-30");
    app.set_clock(at("2026-04-24 02:00:00"));
    app.admin_token = token(&app, "admin").await;
    let officer = token(&app, "officer1").await;
    let answer = "经核查，中标人专职工作人员社保缴纳记录不足，质疑成立。";
    let answered = app
        .post(
            &format!("/api/v1/challenges/{}/answer", filed["id"]),
            Some(&officer),
            json!({"decision": "upheld", "answer": answer}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(answered["challenge"]["status"], "upheld");
    assert_eq!(answered["challenge"]["answer"], answer);
    assert_eq!(answered["project_status"], "evaluating");
    assert_eq!(project_status(&app, s.project), "evaluating");
    let (status, reasons) = bid_status(&app, s.bid(0));
    assert_eq!(status, "disqualified");
    assert!(reasons.unwrap_or_default().contains(answer));
    app.get(&award_url, None).await.expect(404);
    // The ranking now holds the two remaining bids, still complete.
    let r = ranking(&app, &s, &officer).await;
    assert_eq!(r["complete"], true);
    assert_eq!(
        rows(&r),
        [
            row(s.bid(1), "950000.00", "30.00", "60.00", "90.00", 1),
            row(s.bid(2), "1000000.00", "28.50", "60.00", "88.50", 2),
        ]
    );
    // Awarding again: the new first.
    let again = app
        .post(&award_url, Some(&officer), json!({}))
        .await
        .expect(201)
        .json();
    assert_eq!(again["bid_id"], s.bid(1));
    assert_eq!(again["notice_on"], "2026-04-24");
    // Fri 04-24: on view until Mon 04-27; then 04-28, 04-29, 04-30, 05-06, 05-07, 05-08,
    // Sat 05-09 (调休).
    assert_eq!(again["notice_period_end"], "2026-04-27");
    assert_eq!(again["challenge_deadline"], "2026-05-09");
    let public = app.get(&award_url, None).await.expect(200).json();
    assert_eq!(public["bid_id"], s.bid(1));
    let notices = app
        .get("/api/v1/notices?kind=award", None)
        .await
        .expect(200)
        .json();
    assert_eq!(notices["total"], 2);
}

#[tokio::test]
async fn upheld_with_no_qualified_bid_left_fails_the_procurement() {
    let mut app = spawn_app().await;
    // 竞争性磋商 may go on with two qualified bids.
    let s = evaluating(
        &mut app,
        "competitive_consultation",
        |_| {},
        &[qualified("900000.00"), qualified("950000.00")],
    )
    .await;
    let e = experts(&app, 3).await;
    scored_by_panel(&app, &s, &e, &[s.bid(0), s.bid(1)]).await;
    let award_url = format!("{}/award", s.url());
    let challenges = format!("{}/challenges", s.url());
    let officer = &s.buyer.officer;
    app.post(&award_url, Some(officer), json!({}))
        .await
        .expect(201);
    // The second bidder's challenge is upheld: the first is out, the second wins.
    let second = token(&app, &s.bidders[1].username).await;
    let filed = app
        .post(
            &challenges,
            Some(&second),
            json!({"grounds": "资格", "facts": "证书过期"}),
        )
        .await
        .expect(201)
        .json();
    app.post(
        &format!("/api/v1/challenges/{}/answer", filed["id"]),
        Some(officer),
        json!({"decision": "upheld", "answer": "中标人社会工作者证书已过期，质疑成立。"}),
    )
    .await
    .expect(200);
    let award = app
        .post(&award_url, Some(officer), json!({}))
        .await
        .expect(201)
        .json();
    assert_eq!(award["bid_id"], s.bid(1));
    // The first bidder (disqualified now, but a bidder still) challenges that award too.
    let first = token(&app, &s.bidders[0].username).await;
    let filed = app
        .post(
            &challenges,
            Some(&first),
            json!({"grounds": "报价", "facts": "报价低于成本"}),
        )
        .await
        .expect(201)
        .json();
    let answered = app
        .post(
            &format!("/api/v1/challenges/{}/answer", filed["id"]),
            Some(officer),
            json!({"decision": "upheld", "answer": "成交供应商报价明显低于成本且未能说明，质疑成立。"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(answered["project_status"], "failed");
    assert_eq!(project_status(&app, s.project), "failed");
    assert_eq!(bid_status(&app, s.bid(1)).0, "disqualified");
    app.get(&award_url, None).await.expect(404);
    let failure = app
        .get("/api/v1/notices?kind=failure", None)
        .await
        .expect(200)
        .json();
    assert_eq!(failure["total"], 1);
    assert_eq!(failure["items"][0]["on_time"], true);
    let project = app.get(&s.url(), Some(officer)).await.expect(200).json();
    assert!(
        project["status_reason"]
            .as_str()
            .unwrap_or("")
            .contains("质疑成立"),
        "{project}"
    );
    // The audit trail still verifies.
    let verify = app
        .get("/api/v1/audit/verify", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    assert_eq!(verify["ok"], true, "{verify}");
}

#[tokio::test]
async fn a_contractor_that_never_registered_a_bid_cannot_challenge() {
    let mut app = spawn_app().await;
    let s = evaluating(
        &mut app,
        "open_tender",
        |_| {},
        &[
            qualified("900000.00"),
            qualified("950000.00"),
            qualified("1000000.00"),
        ],
    )
    .await;
    let e = experts(&app, 3).await;
    scored_by_panel(&app, &s, &e, &[s.bid(0), s.bid(1), s.bid(2)]).await;
    app.post(
        &format!("{}/award", s.url()),
        Some(&s.buyer.officer),
        json!({}),
    )
    .await
    .expect(201);
    let (_, pending_org) = contractor(&app, 20, "pending.org", "640104").await;
    let before = app.counts(&TABLES);
    for t in [&pending_org, &e[0].1, &app.admin_token] {
        app.post(
            &format!("{}/challenges", s.url()),
            Some(t),
            json!({"grounds": "质疑", "facts": "事实"}),
        )
        .await
        .expect(403);
    }
    assert_eq!(app.counts(&TABLES), before);
}

// ------------------------------------------------------------------------- end to end

#[tokio::test]
async fn the_worked_example_end_to_end_through_bids_and_opening() {
    let mut app = spawn_app().await;
    let b = buyer(&app, 1, "government_department", "3000000.00").await;
    let mut orgs = Vec::new();
    for n in 1..=3 {
        orgs.push(
            qualified_contractor(&app, n, &format!("org{n}"), "640104")
                .await
                .0,
        );
    }
    let e = experts(&app, 3).await;
    let id = project(&app, &b, project_body(&b)).await;
    let url = format!("/api/v1/projects/{id}");
    app.post(&format!("{url}/intention"), Some(&b.officer), json!({}))
        .await
        .expect(200);
    app.set_clock(at("2026-04-01 01:00:00"));
    let officer = token(&app, "officer1").await;
    let mut tender = tender_body("2026-04-21T09:00:00+08:00");
    tender["max_price"] = json!("1000000.00");
    app.post(&format!("{url}/tender"), Some(&officer), tender)
        .await
        .expect(201);
    // Sealed bids on 10 April.
    app.set_clock(at("2026-04-10 02:00:00"));
    let mut bid_ids = Vec::new();
    for (n, price) in [(1, "900000.00"), (2, "1000000.00"), (3, "950000.00")] {
        let t = token(&app, &format!("org{n}")).await;
        let receipt = app
            .post(
                &format!("{url}/bids"),
                Some(&t),
                json!({"price": price, "proposal": format!("第{n}家的服务方案"), "team_size": 8}),
            )
            .await
            .expect(201)
            .json();
        bid_ids.push(receipt["id"].as_i64().expect("bid id"));
    }
    // Nobody ranks sealed bids.
    let officer = token(&app, "officer1").await;
    let reply = app
        .get(&format!("{url}/ranking"), Some(&officer))
        .await
        .expect(403);
    assert_eq!(reply.code(), "bids_sealed");
    // Opened after the deadline.
    app.set_clock(at(OPENED));
    app.admin_token = token(&app, "admin").await;
    let officer = token(&app, "officer1").await;
    app.post(&format!("{url}/open"), Some(&officer), json!({}))
        .await
        .expect(200);
    assert_eq!(project_status(&app, id), "evaluating");
    let s = Setup {
        buyer: Buyer {
            officer: officer.clone(),
            ..b
        },
        project: id,
        bidders: Vec::new(),
    };
    let mut panel = Vec::new();
    for (id, username) in e.iter().map(|x| x.0).zip(["expert1", "expert2", "expert3"]) {
        panel.push((id, token(&app, username).await));
    }
    scored_by_panel(&app, &s, &panel, &bid_ids).await;
    let r = ranking(&app, &s, &officer).await;
    assert_eq!(r["complete"], true);
    assert_eq!(
        rows(&r),
        [
            row(bid_ids[0], "900000.00", "30.00", "60.00", "90.00", 1),
            row(bid_ids[2], "950000.00", "28.42", "60.00", "88.42", 2),
            row(bid_ids[1], "1000000.00", "27.00", "60.00", "87.00", 3),
        ]
    );
    let award = app
        .post(&format!("{url}/award"), Some(&officer), json!({}))
        .await
        .expect(201)
        .json();
    assert_eq!(award["bid_id"], bid_ids[0]);
    assert_eq!(award["contractor_id"], orgs[0]);
    assert_eq!(award["challenge_deadline"], "2026-05-06");
    let rival = token(&app, "org3").await;
    let filed = app
        .post(
            &format!("{url}/challenges"),
            Some(&rival),
            json!({"grounds": "价格分计算有误", "facts": "见开标记录"}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(filed["status"], "pending");
    assert_eq!(filed["answer_due"], "2026-04-30");
}
