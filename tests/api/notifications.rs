//! Notifications by email, exactly once: a whole procurement and contract driven through the
//! HTTP API with a real local SMTP server (aiosmtpd), asserting after each event exactly which
//! addresses received which subject; a second run of every job adds nothing; with the SMTP
//! server stopped halfway every message still arrives exactly once after it returns. Plus the
//! preferences (`/api/v1/me/notifications`) and the admin's outbox.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use figment::providers::Serialized;
use reqwest::Method;
use serde_json::{Value, json};
use sixnorms::db::schema::outbox;

use crate::factories::{purchaser, qualified_contractor, registration};
use crate::helpers::{PASSWORD, TestApp, at, spawn_app, spawn_app_with};

// ------------------------------------------------------------------------- SMTP server

/// aiosmtpd with a handler that appends one JSON line per recipient and message:
/// `{"to": "...", "subject": "..."}` (the subject decoded by Python's email package).
const SMTP_SINK: &str = r#"
import email, json, sys, threading
from email import policy
from aiosmtpd.controller import Controller

port, out = int(sys.argv[1]), sys.argv[2]

class Sink:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with open(out, "a", encoding="utf-8") as f:
            for rcpt in envelope.rcpt_tos:
                f.write(json.dumps({"to": rcpt, "subject": str(message["subject"])}, ensure_ascii=False) + "\n")
        return "250 Message accepted for delivery"

controller = Controller(Sink(), hostname="127.0.0.1", port=port)
controller.start()
threading.Event().wait()
"#;

/// A real SMTP server on a fixed port; stopped on drop.
struct SmtpSink {
    port: u16,
    out: PathBuf,
    child: Option<Child>,
    /// Lines already handed out by [`SmtpSink::take_new`].
    seen: usize,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    fn new() -> SmtpSink {
        let dir = tempfile::tempdir().expect("tempdir");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let mut sink = SmtpSink {
            port,
            out: dir.path().join("received.jsonl"),
            child: None,
            seen: 0,
            _dir: dir,
        };
        sink.start();
        sink
    }

    fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let mut child = Command::new("python3")
            .args(["-c", SMTP_SINK])
            .arg(self.port.to_string())
            .arg(&self.out)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd)");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = child.try_wait().expect("poll") {
                panic!("the SMTP sink exited before listening: {status} (is aiosmtpd installed?)");
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no SMTP sink on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child = Some(child);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "still listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every (recipient, subject) received so far.
    fn all(&self) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        text.lines()
            .map(|line| {
                let v: Value = serde_json::from_str(line).expect("JSON line");
                (
                    v["to"].as_str().expect("to").to_owned(),
                    v["subject"].as_str().expect("subject").to_owned(),
                )
            })
            .collect()
    }

    /// What arrived since the last call.
    fn take_new(&mut self) -> Vec<(String, String)> {
        let all = self.all();
        let new = all[self.seen..].to_vec();
        self.seen = all.len();
        new
    }

    /// Settings pointing the app at this server (retries due after one second).
    fn settings(&self, figment: figment::Figment) -> figment::Figment {
        figment
            .merge(Serialized::default("mail.transport", "smtp"))
            .merge(Serialized::default("mail.smtp_host", "127.0.0.1"))
            .merge(Serialized::default("mail.smtp_port", self.port))
            .merge(Serialized::default("mail.tls", "none"))
            .merge(Serialized::default("mail.timeout_secs", 5))
            .merge(Serialized::default("mail.retry_base_secs", 1))
            .merge(Serialized::default("mail.retry_max_secs", 1))
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

// ----------------------------------------------------------------------------- helpers

/// `username@example.cn`, the address every test user gets.
fn addr(username: &str) -> String {
    format!("{username}@example.cn")
}

/// The expected mail: `subject` to each of `users`.
fn to_all(users: &[&str], subject: &str) -> Vec<(String, String)> {
    users
        .iter()
        .map(|u| (addr(u), subject.to_owned()))
        .collect()
}

/// Asserts that `got` is exactly `want`, as multisets.
#[track_caller]
fn assert_mail(mut got: Vec<(String, String)>, want: Vec<Vec<(String, String)>>) {
    let mut want: Vec<(String, String)> = want.into_iter().flatten().collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

fn outbox_rows(app: &TestApp) -> i64 {
    let mut conn = app.conn();
    outbox::table.count().get_result(&mut *conn).expect("count")
}

fn outbox_by_status(app: &TestApp, status: &str) -> i64 {
    let mut conn = app.conn();
    outbox::table
        .filter(outbox::status.eq(status))
        .count()
        .get_result(&mut *conn)
        .expect("count")
}

/// Runs a job through the admin API; returns its detail.
async fn run_job(app: &TestApp, name: &str) -> Value {
    let run = app
        .post(
            &format!("/api/v1/admin/jobs/{name}/run"),
            Some(&app.admin_token),
            json!({}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(run["outcome"], "ok", "{run}");
    serde_json::from_str(run["detail"].as_str().unwrap_or("{}")).expect("detail")
}

/// Runs a scheduled job twice: the second run queues nothing more.
async fn run_twice(app: &TestApp, name: &str) -> Value {
    let detail = run_job(app, name).await;
    let queued = outbox_rows(app);
    run_job(app, name).await;
    assert_eq!(
        outbox_rows(app),
        queued,
        "a second run of {name} queued mail"
    );
    detail
}

/// Sends everything queued (the server up): one run of `send_email` sends it all, a second
/// sends nothing; returns what arrived.
async fn deliver(app: &TestApp, smtp: &mut SmtpSink) -> Vec<(String, String)> {
    let pending = outbox_by_status(app, "pending");
    let report = run_job(app, "send_email").await;
    assert_eq!(report["sent"], pending, "{report}");
    assert_eq!(outbox_by_status(app, "pending"), 0);
    let again = run_job(app, "send_email").await;
    assert_eq!(again["sent"], 0, "{again}");
    smtp.take_new()
}

/// Users of the scenario.
const ORGS: [&str; 4] = ["org1", "org2", "org3", "org4"];
const EXPERTS: [&str; 3] = ["expert1", "expert2", "expert3"];

/// Fresh tokens after a clock move.
struct Tokens {
    officer: String,
    orgs: Vec<String>,
    experts: Vec<String>,
}

async fn move_to(app: &mut TestApp, utc: &str) -> Tokens {
    app.set_clock(at(utc));
    app.admin_token = app.login("admin", PASSWORD).await;
    let mut orgs = Vec::new();
    for u in ORGS {
        orgs.push(app.login(u, PASSWORD).await);
    }
    let mut experts = Vec::new();
    for u in EXPERTS {
        experts.push(app.login(u, PASSWORD).await);
    }
    Tokens {
        officer: app.login("officer1", PASSWORD).await,
        orgs,
        experts,
    }
}

async fn api_user(
    app: &TestApp,
    username: &str,
    role: &str,
    org: (Option<i64>, Option<i64>),
) -> i64 {
    app.post(
        "/api/v1/users",
        Some(&app.admin_token),
        json!({
            "username": username, "password": PASSWORD, "role": role,
            "display_name": format!("测试用户 {username}"), "email": addr(username),
            "purchaser_id": org.0, "contractor_id": org.1
        }),
    )
    .await
    .expect(201)
    .json()["id"]
        .as_i64()
        .expect("user id")
}

fn project_body(
    purchaser: i64,
    budget: i64,
    title: &str,
    amount: &str,
    tender_date: &str,
) -> Value {
    json!({
        "purchaser_id": purchaser,
        "budget_id": budget,
        "catalog_item_code": "SA01",
        "title": title,
        "summary": "为辖区低保、特困家庭提供入户探访、需求评估、个案帮扶和资源链接服务。",
        "region_code": "640104",
        "target_groups": ["low_income", "extreme_poverty"],
        "targets": [
            {"kind": "quantity", "name": "入户探访", "value": "1200", "unit": "人次"},
            {"kind": "outcome", "name": "服务对象满意率", "value": "90", "unit": "%"}
        ],
        "budget_amount": amount,
        "service_start": "2026-07-01",
        "service_end": "2026-12-31",
        "method": "open_tender",
        "expected_tender_date": tender_date
    })
}

fn report(period: &str) -> Value {
    json!({
        "period": period,
        "service_counts": [{"target_group": "low_income", "persons": 40, "person_times": 100}],
        "activities": 3, "cases_opened": 5, "cases_closed": 1, "volunteers_engaged": 8,
        "narrative": format!("{period}：完成入户探访100人次。")
    })
}

fn sheet(points: [&str; 4]) -> Value {
    json!({
        "scores": {
            "management": points[0], "professional": points[1],
            "outcome": points[2], "satisfaction": points[3]
        }
    })
}

/// Opens the evaluation of `kind` by the job (twice: once), assigns the three experts and
/// has each score; returns the evaluation id.
async fn evaluate(
    app: &mut TestApp,
    contract: i64,
    kind: &str,
    day: &str,
    sheets: [[&str; 4]; 3],
) -> i64 {
    let t = move_to(app, &format!("{day} 01:00:00")).await;
    let detail = run_twice(app, "create_evaluations").await;
    assert_eq!(detail["opened"], 1, "{detail}");
    let list = app
        .get(
            &format!("/api/v1/contracts/{contract}/evaluations"),
            Some(&t.officer),
        )
        .await
        .expect(200)
        .json();
    let id = list
        .as_array()
        .expect("evaluations")
        .iter()
        .find(|e| e["kind"] == kind)
        .expect("evaluation")["id"]
        .as_i64()
        .expect("id");
    let mut ids = Vec::new();
    for token in &t.experts {
        ids.push(
            app.get("/api/v1/me", Some(token)).await.expect(200).json()["id"]
                .as_i64()
                .expect("id"),
        );
    }
    app.call(
        Method::PUT,
        &format!("/api/v1/evaluations/{id}/evaluators"),
        Some(&t.officer),
        Some(json!({"evaluator_ids": ids})),
    )
    .await
    .expect(200);
    for (token, points) in t.experts.iter().zip(sheets) {
        app.call(
            Method::PUT,
            &format!("/api/v1/evaluations/{id}/scores"),
            Some(token),
            Some(sheet(points)),
        )
        .await
        .expect(200);
    }
    let graded = app
        .get(&format!("/api/v1/evaluations/{id}"), Some(&t.officer))
        .await
        .expect(200)
        .json();
    assert_eq!(graded["grade"], "good", "{graded}");
    id
}

/// The installment ids of a contract, in order.
async fn installments(app: &TestApp, token: &str, contract: i64) -> Vec<i64> {
    app.get(
        &format!("/api/v1/contracts/{contract}/payments"),
        Some(token),
    )
    .await
    .expect(200)
    .json()
    .as_array()
    .expect("payments")
    .iter()
    .map(|p| p["id"].as_i64().expect("id"))
    .collect()
}

// ---------------------------------------------------------------------------- scenario

#[tokio::test]
async fn every_party_learns_each_event_by_email_exactly_once_across_an_smtp_outage() {
    let mut smtp = SmtpSink::new();
    let mut app = spawn_app_with(|f| smtp.settings(f)).await;

    // Parties: the purchaser's officer and another purchaser's; three bidders serving the
    // project's domain (org1 with a second active user and an inactive one), org4 serving
    // another domain; three experts.
    let buyer = purchaser(
        &app,
        "银川市兴庆区民政局",
        "government_department",
        "640104",
        101,
    )
    .await;
    let other = purchaser(
        &app,
        "银川市金凤区民政局",
        "government_department",
        "640106",
        102,
    )
    .await;
    api_user(&app, "officer1", "officer", (Some(buyer), None)).await;
    api_user(&app, "officer2", "officer", (Some(other), None)).await;
    let mut orgs = Vec::new();
    for (n, username) in (1..).zip(&ORGS[..3]) {
        orgs.push(qualified_contractor(&app, n, username, "640104").await.0);
    }
    let mut elsewhere = registration(4, "org4", "640104");
    elsewhere["service_domains"] = json!(["elderly_care"]);
    let org4 = app
        .post("/api/v1/contractors/register", None, elsewhere)
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    app.post(
        &format!("/api/v1/contractors/{org4}/review"),
        Some(&app.admin_token),
        json!({"decision": "approve", "reason": "材料齐全"}),
    )
    .await
    .expect(200);
    api_user(&app, "org1b", "contractor", (None, Some(orgs[0]))).await;
    let gone = api_user(&app, "org1x", "contractor", (None, Some(orgs[0]))).await;
    {
        use sixnorms::db::schema::users;
        let mut conn = app.conn();
        diesel::update(users::table.find(gone))
            .set(users::active.eq(false))
            .execute(&mut *conn)
            .expect("deactivate");
    }
    for username in EXPERTS {
        api_user(&app, username, "evaluator", (None, None)).await;
    }
    let t = move_to(&mut app, "2026-03-02 01:00:00").await;
    // org3 does not want bid receipts.
    app.call(
        Method::PUT,
        "/api/v1/me/notifications",
        Some(&t.orgs[2]),
        Some(json!({"kinds": {"bid_received": false}})),
    )
    .await
    .expect(200);

    // Budget, the project, and a second project whose intention is due tomorrow.
    let budget = app
        .post(
            "/api/v1/budgets",
            Some(&t.officer),
            json!({"purchaser_id": buyer, "year": 2026, "source": "本级财政", "amount": "3000000.00"}),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("budget");
    const TITLE: &str = "兴庆区2026年困难群众社会工作服务项目";
    let created = app
        .post(
            "/api/v1/projects",
            Some(&t.officer),
            project_body(buyer, budget, TITLE, "1000000.00", "2026-04-15"),
        )
        .await
        .expect(201)
        .json();
    let project = created["id"].as_i64().expect("project");
    let number = created["number"].as_str().expect("number").to_owned();
    let url = format!("/api/v1/projects/{project}");
    const LATE: &str = "兴庆区2026年社区矫正社会工作服务项目";
    app.post(
        "/api/v1/projects",
        Some(&t.officer),
        project_body(buyer, budget, LATE, "100000.00", "2026-04-02"),
    )
    .await
    .expect(201);
    app.post(&format!("{url}/intention"), Some(&t.officer), json!({}))
        .await
        .expect(200);
    assert_eq!(outbox_rows(&app), 0, "no event so far mails anybody");

    // disclosure_watch: the second project's intention is due tomorrow (03-03).
    let detail = run_twice(&app, "disclosure_watch").await;
    assert_eq!(detail["queued"], 1, "{detail}");
    assert_mail(
        deliver(&app, &mut smtp).await,
        vec![to_all(
            &["officer1"],
            &format!("【信息公开提醒】{LATE}采购意向公告明日到期"),
        )],
    );

    // The tender: every active user of each qualified organization serving social
    // assistance; not org4 (another domain), not the inactive user.
    let t = move_to(&mut app, "2026-04-01 01:00:00").await;
    app.post(
        &format!("{url}/tender"),
        Some(&t.officer),
        json!({
            "bid_deadline": "2026-04-21T09:00:00+08:00",
            "max_price": "1000000.00",
            "award_method": "comprehensive",
            "price_weight": "0.30",
            "criteria": [
                {"code": "plan", "name": "服务方案", "max_points": "40"},
                {"code": "team", "name": "团队与资质", "max_points": "20"},
                {"code": "experience", "name": "类似项目经验", "max_points": "10"}
            ],
            "requirements": {"min_full_time_staff": 5, "min_certified_social_workers": 2, "min_years_established": 1}
        }),
    )
    .await
    .expect(201);
    assert_mail(
        deliver(&app, &mut smtp).await,
        vec![to_all(
            &["org1", "org1b", "org2", "org3"],
            &format!("【采购公告】{TITLE}"),
        )],
    );

    // Bids: a receipt per submission (org2 replaces its bid: a second receipt); org3 opted
    // out of receipts.
    let t = move_to(&mut app, "2026-04-10 02:00:00").await;
    let mut bids = Vec::new();
    for (i, price) in ["900000.00", "990000.00", "950000.00"]
        .into_iter()
        .enumerate()
    {
        let receipt = app
            .post(
                &format!("{url}/bids"),
                Some(&t.orgs[i]),
                json!({"price": price, "proposal": format!("第{}家的服务方案。", i + 1), "team_size": 8}),
            )
            .await
            .expect(201)
            .json();
        bids.push(receipt["id"].as_i64().expect("bid"));
    }
    app.post(
        &format!("{url}/bids"),
        Some(&t.orgs[1]),
        json!({"price": "1000000.00", "proposal": "第2家修改后的服务方案。", "team_size": 9}),
    )
    .await
    .expect(201);
    let receipt = format!("【投标回执】{TITLE}");
    assert_mail(
        deliver(&app, &mut smtp).await,
        vec![to_all(&["org1", "org1b", "org2", "org2"], &receipt)],
    );

    // Opening by the job: the officer, and each bidder's qualification result.
    move_to(&mut app, "2026-04-21 02:00:00").await;
    let detail = run_twice(&app, "open_bids").await;
    assert_eq!(
        detail["opened"].as_array().map(Vec::len),
        Some(1),
        "{detail}"
    );
    assert_mail(
        deliver(&app, &mut smtp).await,
        vec![
            to_all(&["officer1"], &format!("【开标完成】{TITLE}")),
            to_all(
                &["org1", "org1b", "org2", "org3"],
                &format!("【资格审查结果】{TITLE}：合格"),
            ),
        ],
    );

    // Panel, scores, award: the winner and the others.
    let t = move_to(&mut app, "2026-04-21 03:00:00").await;
    let experts: Vec<i64> = {
        let mut ids = Vec::new();
        for token in &t.experts {
            ids.push(
                app.get("/api/v1/me", Some(token)).await.expect(200).json()["id"]
                    .as_i64()
                    .expect("id"),
            );
        }
        ids
    };
    app.call(
        Method::PUT,
        &format!("{url}/panel"),
        Some(&t.officer),
        Some(json!({"evaluator_ids": experts})),
    )
    .await
    .expect(200);
    for token in &t.experts {
        for bid in &bids {
            app.call(
                Method::PUT,
                &format!("{url}/bids/{bid}/scores"),
                Some(token),
                Some(json!({"scores": {"plan": "35", "team": "17", "experience": "8"}})),
            )
            .await
            .expect(200);
        }
    }
    assert_eq!(outbox_by_status(&app, "pending"), 0, "scoring mails nobody");
    let award = app
        .post(&format!("{url}/award"), Some(&t.officer), json!({}))
        .await
        .expect(201)
        .json();
    assert_eq!(award["bid_id"], bids[0]);
    assert_mail(
        deliver(&app, &mut smtp).await,
        vec![
            to_all(&["org1", "org1b"], &format!("【中标通知】{TITLE}")),
            to_all(&["org2", "org3"], &format!("【中标结果告知】{TITLE}")),
        ],
    );

    // A challenge by org2, then its answer to every bidder.
    let t = move_to(&mut app, "2026-04-22 02:00:00").await;
    let challenge = app
        .post(
            &format!("{url}/challenges"),
            Some(&t.orgs[1]),
            json!({"grounds": "评分标准适用不一致", "facts": "第一名的团队得分与其人员证书不符"}),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("challenge");
    assert_mail(
        deliver(&app, &mut smtp).await,
        vec![to_all(&["officer1"], &format!("【收到质疑】{TITLE}"))],
    );
    let t = move_to(&mut app, "2026-04-23 02:00:00").await;
    app.post(
        &format!("/api/v1/challenges/{challenge}/answer"),
        Some(&t.officer),
        json!({"decision": "rejected", "answer": "经复核，评分符合招标文件规定，质疑不成立。"}),
    )
    .await
    .expect(200);
    assert_mail(
        deliver(&app, &mut smtp).await,
        vec![to_all(
            &["org1", "org1b", "org2", "org3"],
            &format!("【质疑答复】{TITLE}"),
        )],
    );

    // The contract: to sign, signed (both parties), the first installment due, then paid.
    let t = move_to(&mut app, "2026-05-07 02:00:00").await;
    let subject = "兴庆区困难群众社会工作服务";
    let contract = app
        .post(
            &format!("{url}/contract"),
            Some(&t.officer),
            json!({
                "subject": subject,
                "quantity_terms": "入户探访1200人次",
                "quality_terms": "服务对象满意率不低于90%",
                "service_start": "2026-07-01",
                "service_end": "2026-12-31",
                "payment_schedule": [
                    {"name": "首期款", "percent": "30", "condition": "on_signing"},
                    {"name": "中期款", "percent": "30", "condition": "after_midterm_evaluation"},
                    {"name": "尾款", "percent": "40", "condition": "after_final_evaluation"}
                ],
                "rights_obligations": "甲方按约付款并监督；乙方按约提供服务并报送月度报告。",
                "breach_liability": "一方违约的，应赔偿对方因此遭受的损失。",
                "dispute_resolution": {"kind": "arbitration", "body": "银川仲裁委员会"}
            }),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("contract");
    let k = format!("{number}-HT");
    assert_mail(
        deliver(&app, &mut smtp).await,
        vec![to_all(
            &["org1", "org1b"],
            &format!("【合同待签订】合同 {k} {subject}"),
        )],
    );
    let sign = format!("/api/v1/contracts/{contract}/sign");
    app.post(&sign, Some(&t.officer), json!({}))
        .await
        .expect(200);
    assert_eq!(
        outbox_by_status(&app, "pending"),
        0,
        "one signature mails nobody"
    );
    app.post(&sign, Some(&t.orgs[0]), json!({}))
        .await
        .expect(200);
    assert_mail(
        deliver(&app, &mut smtp).await,
        vec![
            to_all(
                &["org1", "org1b", "officer1"],
                &format!("【合同已签订】合同 {k} {subject}"),
            ),
            to_all(&["officer1"], &format!("【待支付】合同 {k} 首期款")),
        ],
    );
    let payments = installments(&app, &t.officer, contract).await;
    app.post(
        &format!("/api/v1/payments/{}/pay", payments[0]),
        Some(&t.officer),
        json!({}),
    )
    .await
    .expect(200);
    assert_mail(
        deliver(&app, &mut smtp).await,
        vec![to_all(
            &["org1", "org1b"],
            &format!("【款项已支付】合同 {k} 首期款"),
        )],
    );

    // ----- The SMTP server goes down. Events keep queueing; sending fails and is retried.
    smtp.stop();
    let mut while_down = Vec::new();
    move_to(&mut app, "2026-06-30 16:30:00").await;
    let detail = run_twice(&app, "start_services").await;
    assert_eq!(detail["started"], 1);
    assert_eq!(
        outbox_by_status(&app, "pending"),
        0,
        "starting the service mails nobody"
    );

    let reports = format!("/api/v1/contracts/{contract}/reports");
    let t = move_to(&mut app, "2026-08-03 02:00:00").await;
    let july = app
        .post(&reports, Some(&t.orgs[0]), report("2026-07"))
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("report");
    app.post(
        &format!("/api/v1/reports/{july}/review"),
        Some(&t.officer),
        json!({"decision": "accepted"}),
    )
    .await
    .expect(200);
    let t = move_to(&mut app, "2026-09-01 02:00:00").await;
    let august = app
        .post(&reports, Some(&t.orgs[0]), report("2026-08"))
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("report");
    app.post(
        &format!("/api/v1/reports/{august}/review"),
        Some(&t.officer),
        json!({"decision": "returned", "comment": "人次与台账不符，请核实后重报"}),
    )
    .await
    .expect(200);
    while_down.push(to_all(
        &["org1", "org1b"],
        &format!("【服务报告退回】合同 {k} 2026-08 月度服务报告需修改后重新提交"),
    ));
    let failed = run_job(&app, "send_email").await;
    assert_eq!(
        (failed["sent"].clone(), failed["retrying"].clone()),
        (json!(0), json!(2)),
        "{failed}"
    );

    // The 5th: August is missing (returned and not yet resubmitted).
    let t = move_to(&mut app, "2026-09-05 01:00:00").await;
    let detail = run_twice(&app, "report_reminders").await;
    assert_eq!(detail["queued"], 2, "{detail}");
    while_down.push(to_all(
        &["org1", "org1b"],
        &format!("【服务报告提醒】合同 {k} 2026-08 月度服务报告尚未提交"),
    ));
    let failed = run_job(&app, "send_email").await;
    assert_eq!(
        (failed["sent"].clone(), failed["retrying"].clone()),
        (json!(0), json!(4)),
        "{failed}"
    );
    let again = app
        .post(&reports, Some(&t.orgs[0]), report("2026-08"))
        .await
        .expect(200)
        .json();
    app.post(
        &format!("/api/v1/reports/{}/review", again["id"]),
        Some(&t.officer),
        json!({"decision": "accepted"}),
    )
    .await
    .expect(200);

    // The mid-term evaluation: the experts are assigned, the grade goes to both parties, the
    // mid-term installment becomes due.
    evaluate(
        &mut app,
        contract,
        "midterm",
        "2026-09-30",
        [
            ["17", "34", "25", "9"],
            ["16", "33", "25", "8"],
            ["16", "32", "24.5", "7.5"],
        ],
    )
    .await;
    while_down.push(to_all(
        &EXPERTS,
        &format!("【绩效评价任务】合同 {k} 中期评价"),
    ));
    while_down.push(to_all(
        &["org1", "org1b", "officer1"],
        &format!("【绩效评价结果】合同 {k} 中期评价：良好"),
    ));
    while_down.push(to_all(&["officer1"], &format!("【待支付】合同 {k} 中期款")));
    assert!(
        smtp.take_new().is_empty(),
        "nothing arrives while the server is down"
    );
    let queued_while_down: i64 = while_down.iter().map(|v| v.len() as i64).sum();
    assert_eq!(outbox_by_status(&app, "pending"), queued_while_down);
    assert_eq!(outbox_by_status(&app, "failed"), 0);

    // ----- The server is back: every message arrives exactly once.
    smtp.start();
    assert_mail(deliver(&app, &mut smtp).await, while_down);

    let t = move_to(&mut app, "2026-09-30 03:00:00").await;
    app.post(
        &format!("/api/v1/payments/{}/pay", payments[1]),
        Some(&t.officer),
        json!({}),
    )
    .await
    .expect(200);
    assert_mail(
        deliver(&app, &mut smtp).await,
        vec![to_all(
            &["org1", "org1b"],
            &format!("【款项已支付】合同 {k} 中期款"),
        )],
    );

    // The final evaluation and the last installment.
    evaluate(
        &mut app,
        contract,
        "final",
        "2026-12-31",
        [
            ["18", "34", "25", "9"],
            ["17", "34", "25", "8"],
            ["17", "34", "25", "9"],
        ],
    )
    .await;
    assert_mail(
        deliver(&app, &mut smtp).await,
        vec![
            to_all(&EXPERTS, &format!("【绩效评价任务】合同 {k} 终期评价")),
            to_all(
                &["org1", "org1b", "officer1"],
                &format!("【绩效评价结果】合同 {k} 终期评价：良好"),
            ),
            to_all(&["officer1"], &format!("【待支付】合同 {k} 尾款")),
        ],
    );
    let t = move_to(&mut app, "2026-12-31 03:00:00").await;
    app.post(
        &format!("/api/v1/payments/{}/pay", payments[2]),
        Some(&t.officer),
        json!({}),
    )
    .await
    .expect(200);
    assert_mail(
        deliver(&app, &mut smtp).await,
        vec![to_all(
            &["org1", "org1b"],
            &format!("【款项已支付】合同 {k} 尾款"),
        )],
    );

    // Every job once more adds nothing; everything queued was sent once, and nothing else
    // ever arrived (nothing to org4, the inactive user or the other purchaser's officer).
    let before = outbox_rows(&app);
    for job in [
        "open_bids",
        "start_services",
        "report_reminders",
        "create_evaluations",
        "disclosure_watch",
    ] {
        run_job(&app, job).await;
    }
    // disclosure_watch reminds once a day: today (12-31) the late project is overdue.
    let overdue = outbox_rows(&app) - before;
    assert_eq!(overdue, 1, "only the daily overdue reminder");
    run_twice(&app, "disclosure_watch").await;
    assert_mail(
        deliver(&app, &mut smtp).await,
        vec![to_all(
            &["officer1"],
            &format!("【信息公开提醒】{LATE}采购意向公告已逾期"),
        )],
    );
    let total = outbox_rows(&app);
    assert_eq!(outbox_by_status(&app, "sent"), total);
    let all = smtp.all();
    assert_eq!(all.len() as i64, total, "each message arrived exactly once");
    for nobody in ["org4", "org1x", "officer2", "admin"] {
        assert!(
            all.iter().all(|(to, _)| to != &addr(nobody)),
            "{nobody} was mailed"
        );
    }
    // Dedup keys are unique and derived from the events.
    let keys: Vec<Option<String>> = {
        let mut conn = app.conn();
        outbox::table
            .select(outbox::dedup_key)
            .load(&mut *conn)
            .expect("keys")
    };
    assert!(keys.iter().all(Option::is_some));
    assert!(
        keys.iter()
            .flatten()
            .any(|k| k.starts_with(&format!("award_result:{}:", award["id"])))
    );
}

// ------------------------------------------------------------------------- preferences

fn field_errors(reply: &crate::helpers::Reply) -> Value {
    reply.json()["error"]["details"]["fields"].clone()
}

#[tokio::test]
async fn preferences_turn_optional_kinds_off_and_refuse_mandatory_ones() {
    let app = spawn_app().await;
    let (_, token) = qualified_contractor(&app, 1, "org1", "640104").await;
    let url = "/api/v1/me/notifications";
    app.get(url, None).await.expect(401);

    let prefs = app.get(url, Some(&token)).await.expect(200).json();
    let kinds = prefs["kinds"].as_array().expect("kinds");
    assert_eq!(kinds.len(), 16);
    assert!(
        kinds
            .iter()
            .all(|k| k["enabled"] == true && k["label"].as_str().is_some_and(|l| !l.is_empty()))
    );
    let mandatory: Vec<&str> = kinds
        .iter()
        .filter(|k| k["mandatory"] == true)
        .map(|k| k["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        mandatory,
        [
            "award_result",
            "challenge_answered",
            "contract_to_sign",
            "report_missing"
        ]
    );

    // Turning off a mandatory kind: 422 naming the field, nothing changes (not even the
    // optional kind in the same request).
    let tables = ["notification_opt_outs", "audit_log"];
    let before = app.counts(&tables);
    let reply = app
        .call(
            Method::PUT,
            url,
            Some(&token),
            Some(json!({"kinds": {"award_result": false, "payment_paid": false}})),
        )
        .await
        .expect(422);
    assert_eq!(reply.code(), "validation_failed");
    let fields = field_errors(&reply);
    assert!(fields["kinds.award_result"].is_array(), "{fields}");
    assert!(fields.get("kinds.payment_paid").is_none(), "{fields}");
    assert_eq!(app.counts(&tables), before);
    // An unknown kind, an unknown field, a wrong type: each named.
    for (body, field) in [
        (json!({"kinds": {"gossip": false}}), "kinds.gossip"),
        (json!({"kinds": {}, "colour": "red"}), "colour"),
        (
            json!({"kinds": {"payment_paid": "no"}}),
            "kinds.payment_paid",
        ),
        (json!({}), "kinds"),
    ] {
        let reply = app
            .call(Method::PUT, url, Some(&token), Some(body.clone()))
            .await
            .expect(422);
        assert!(
            field_errors(&reply)[field].is_array(),
            "{body} → {}",
            reply.text
        );
        assert_eq!(app.counts(&tables), before);
    }
    // Turning a mandatory kind "on" is allowed (it is always on).
    app.call(
        Method::PUT,
        url,
        Some(&token),
        Some(json!({"kinds": {"report_missing": true}})),
    )
    .await
    .expect(200);

    // Off, then on again; audited.
    let off = app
        .call(
            Method::PUT,
            url,
            Some(&token),
            Some(json!({"kinds": {"payment_paid": false, "tender_published": false}})),
        )
        .await
        .expect(200)
        .json();
    let enabled = |prefs: &Value, kind: &str| {
        prefs["kinds"]
            .as_array()
            .expect("kinds")
            .iter()
            .find(|k| k["kind"] == kind)
            .expect("kind")["enabled"]
            .clone()
    };
    assert_eq!(enabled(&off, "payment_paid"), false);
    assert_eq!(enabled(&off, "tender_published"), false);
    assert_eq!(enabled(&off, "bid_received"), true);
    let read = app.get(url, Some(&token)).await.expect(200).json();
    assert_eq!(read, off);
    let on = app
        .call(
            Method::PUT,
            url,
            Some(&token),
            Some(json!({"kinds": {"payment_paid": true}})),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(enabled(&on, "payment_paid"), true);
    assert_eq!(enabled(&on, "tender_published"), false);
    assert_eq!(app.counts(&["notification_opt_outs"])[0].1, 1);
    let audit = app
        .get("/api/v1/audit?entity_type=user", Some(&app.admin_token))
        .await
        .expect(200)
        .json()
        .to_string();
    assert!(audit.contains("user.notification_preferences"), "{audit}");
}

// -------------------------------------------------------------------------- admin outbox

#[tokio::test]
async fn admins_list_the_outbox_by_status_and_retry_only_failed_messages() {
    let app = spawn_app().await;
    let now = app.state.clock.now();
    let mut ids = Vec::new();
    {
        let mut conn = app.conn();
        for n in 0..3 {
            let key = format!("test:{n}");
            let id = sixnorms::notify::outbox::enqueue(
                &mut conn,
                now - chrono::Duration::seconds(10 - n),
                &sixnorms::notify::NewEmail {
                    kind: "test",
                    dedup_key: Some(&key),
                    to_address: "someone@example.cn",
                    to_user_id: None,
                    subject: &format!("测试邮件 {n}"),
                    body_text: "正文",
                    body_html: None,
                },
            )
            .expect("enqueue")
            .expect("queued");
            ids.push(id);
        }
        diesel::update(outbox::table.find(ids[0]))
            .set((
                outbox::status.eq("failed"),
                outbox::attempts.eq(8),
                outbox::last_error.eq(Some("refused")),
            ))
            .execute(&mut *conn)
            .expect("fail");
        diesel::update(outbox::table.find(ids[1]))
            .set(outbox::status.eq("sent"))
            .execute(&mut *conn)
            .expect("sent");
    }
    let (_, officer) = app
        .user_with_token("officer9", sixnorms::auth::Role::Officer)
        .await;
    app.get("/api/v1/admin/outbox", Some(&officer))
        .await
        .expect(403);
    app.get("/api/v1/admin/outbox", None).await.expect(401);
    app.post(
        &format!("/api/v1/admin/outbox/{}/retry", ids[0]),
        Some(&officer),
        json!({}),
    )
    .await
    .expect(403);

    let all = app
        .get("/api/v1/admin/outbox", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    assert_eq!(all["total"], 3);
    let listed: Vec<i64> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(listed, [ids[2], ids[1], ids[0]], "newest first");
    for (status, id) in [("pending", ids[2]), ("sent", ids[1]), ("failed", ids[0])] {
        let page = app
            .get(
                &format!("/api/v1/admin/outbox?status={status}"),
                Some(&app.admin_token),
            )
            .await
            .expect(200)
            .json();
        assert_eq!(page["total"], 1, "{page}");
        assert_eq!(page["items"][0]["id"], id);
        assert_eq!(page["items"][0]["status"], status);
    }
    let paged = app
        .get(
            "/api/v1/admin/outbox?page=2&per_page=2",
            Some(&app.admin_token),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(
        (paged["total"].clone(), paged["page"].clone()),
        (json!(3), json!(2))
    );
    assert_eq!(paged["items"].as_array().map(Vec::len), Some(1));
    let bad = app
        .get("/api/v1/admin/outbox?status=lost", Some(&app.admin_token))
        .await
        .expect(422);
    assert!(field_errors(&bad)["status"].is_array(), "{}", bad.text);
    let bad = app
        .get("/api/v1/admin/outbox?per_page=500", Some(&app.admin_token))
        .await
        .expect(422);
    assert!(field_errors(&bad)["per_page"].is_array(), "{}", bad.text);

    // Only a failed message is retried; pending and sent ones are 409 and unchanged.
    let tables = ["outbox", "audit_log"];
    for id in [ids[1], ids[2]] {
        let before = app.counts(&tables);
        let reply = app
            .post(
                &format!("/api/v1/admin/outbox/{id}/retry"),
                Some(&app.admin_token),
                json!({}),
            )
            .await
            .expect(409);
        assert_eq!(reply.code(), "invalid_state");
        assert_eq!(app.counts(&tables), before);
    }
    app.post(
        "/api/v1/admin/outbox/999999/retry",
        Some(&app.admin_token),
        json!({}),
    )
    .await
    .expect(404);
    let retried = app
        .post(
            &format!("/api/v1/admin/outbox/{}/retry", ids[0]),
            Some(&app.admin_token),
            json!({}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(retried["status"], "pending");
    assert_eq!(retried["attempts"], 8, "attempts kept");
    let audit = app
        .get("/api/v1/audit?entity_type=outbox", Some(&app.admin_token))
        .await
        .expect(200)
        .json()
        .to_string();
    assert!(audit.contains("outbox.retry"), "{audit}");
    // It goes out at the next run (file transport here).
    let run = sixnorms::jobs::run_now(&app.state, "send_email", sixnorms::jobs::Trigger::Manual)
        .await
        .expect("run");
    assert!(
        run.detail.as_deref().unwrap_or("").contains("\"sent\":2"),
        "{:?}",
        run.detail
    );
    let failed = app
        .get("/api/v1/admin/outbox?status=failed", Some(&app.admin_token))
        .await
        .expect(200)
        .json();
    assert_eq!(failed["total"], 0);

    // The OpenAPI document lists the new routes.
    let doc = app.get("/api/openapi.json", None).await.expect(200).json();
    for path in [
        "/api/v1/me/notifications",
        "/api/v1/admin/outbox",
        "/api/v1/admin/outbox/{id}/retry",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
}
