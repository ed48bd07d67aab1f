//! Browser tests in headless Chromium, driven over WebDriver (`chromedriver`, one per test on
//! a free port) with `fantoccini`. They need Debian's `chromium` and `chromium-driver`
//! (`.ci/run` installs them and sets `SIXNORMS_REQUIRE_BROWSER=1`, so there a missing driver
//! fails the run; elsewhere the tests say so and pass without a browser). Screenshots of the
//! pages go to `target/browser-screenshots/`.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use sixnorms::auth::Role;

use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// A phone (iPhone 12-ish portrait) and a desktop window.
pub(crate) const PHONE: (u32, u32) = (390, 844);
pub(crate) const DESKTOP: (u32, u32) = (1280, 900);

/// A running chromedriver, killed when dropped.
pub(crate) struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    /// Ends chromedriver and the Chromium it started, even when a failing test never closed
    /// its session: both live in the process group led by chromedriver.
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver_path() -> Option<PathBuf> {
    std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/usr/bin/chromedriver")))
        .filter(|p| p.exists())
}

/// Starts chromedriver on a free port, or `None` (with a message) when it is not installed
/// and the run does not require a browser.
pub(crate) async fn driver() -> Option<Driver> {
    let Some(path) = chromedriver_path() else {
        assert!(
            std::env::var_os("SIXNORMS_REQUIRE_BROWSER").is_none(),
            "SIXNORMS_REQUIRE_BROWSER is set but chromedriver is not installed \
             (apt-get install chromium chromium-driver)"
        );
        eprintln!(
            "browser test skipped: chromedriver not installed (apt-get install chromium chromium-driver)"
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{}/status", driver.url)).send().await
            && r.status().is_success()
        {
            return Some(driver);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

/// A headless Chromium session with the given window size.
pub(crate) async fn browser(driver: &Driver, (width, height): (u32, u32)) -> Client {
    let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": binary,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--lang=zh-CN",
                format!("--window-size={width},{height}"),
            ],
        },
    });
    let mut capabilities = capabilities;
    if width < 500 {
        // Headless Chromium keeps windows at least 500 px wide: emulate the phone's viewport.
        capabilities["goog:chromeOptions"]["mobileEmulation"] = json!({
            "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "touch": true },
        });
    }
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("an object literal")
    };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("chromium session")
}

/// Saves a PNG screenshot as `target/browser-screenshots/<name>.png`.
pub(crate) async fn screenshot(client: &Client, name: &str) {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("browser-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

pub(crate) async fn text_of(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Fills the login form and submits it with its button.
pub(crate) async fn submit_login(client: &Client, app: &TestApp, username: &str, password: &str) {
    client
        .goto(&format!("{}/login", app.address))
        .await
        .expect("login page");
    client
        .find(Locator::Css("#username"))
        .await
        .expect("username field")
        .send_keys(username)
        .await
        .expect("type");
    client
        .find(Locator::Css("#password"))
        .await
        .expect("password field")
        .send_keys(password)
        .await
        .expect("type");
    client
        .find(Locator::Css("form[action='/login'] button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("submit");
}

pub(crate) async fn path_of(client: &Client) -> String {
    client.current_url().await.expect("url").path().to_owned()
}

/// Waits (up to 10 s) until the browser shows `path`, after a click that navigates.
pub(crate) async fn wait_for_path(client: &Client, path: &str) {
    for _ in 0..100 {
        let ready = client
            .execute("return document.readyState;", vec![])
            .await
            .expect("readyState");
        if path_of(client).await == path && ready == json!("complete") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the browser did not reach {path}; it shows {}",
        path_of(client).await
    );
}

pub(crate) fn load_demo(app: &TestApp) {
    let mut conn = app.conn();
    sixnorms::demo::load(
        &mut conn,
        &app.state.settings,
        &app.state.rules,
        &app.state.calendar,
        app.state.clock.now(),
        app.state.clock.today(),
    )
    .expect("demo loads");
}

#[tokio::test]
async fn officer_logs_in_sees_the_dashboard_and_logs_out() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app().await;
    load_demo(&app);
    let client = browser(&driver, DESKTOP).await;

    submit_login(&client, &app, "officer", sixnorms::demo::DEMO_PASSWORD).await;
    wait_for_path(&client, "/app").await;
    let heading = text_of(&client, "main h1").await;
    assert!(heading.contains("兴庆区民政局"), "{heading}");
    assert_eq!(text_of(&client, ".flash").await, "登录成功，欢迎回来。");
    let header = text_of(&client, "header").await;
    assert!(header.contains("采购经办人"), "{header}");
    // Counts by state: the demo's projects of 兴庆区民政局, one state each.
    let (total, tendering) = crate::helpers::officer_project_counts(&app, "officer", "tendering");
    let states = text_of(&client, "#states h2").await;
    assert_eq!(states, format!("本单位项目（共 {total} 个）"));
    let tile = text_of(
        &client,
        "#states a[href='/app/projects?status=tendering'] strong",
    )
    .await;
    assert_eq!(tile, tendering.to_string());
    let deadlines = text_of(&client, "#deadlines").await;
    assert!(deadlines.contains("投标截止"), "{deadlines}");
    let newest = client
        .find_all(Locator::Css("#newest a[href^='/app/projects/']"))
        .await
        .expect("links");
    assert!(newest.len() >= 5, "newest projects are listed");
    screenshot(&client, "officer-dashboard-desktop").await;

    // The state tiles lead to the officer's project list.
    client
        .find(Locator::Css(
            "#states a[href='/app/projects?status=tendering']",
        ))
        .await
        .expect("tile")
        .click()
        .await
        .expect("click");
    wait_for_path(&client, "/app/projects").await;
    let heading = text_of(&client, "main h1").await;
    assert_eq!(heading, "本单位项目 · 招标中");
    let rows = client
        .find_all(Locator::Css("main tbody tr"))
        .await
        .expect("rows");
    assert_eq!(rows.len() as i64, tendering);
    screenshot(&client, "officer-projects-tendering").await;

    // Logging out (the header's button, CSRF token included) ends the session.
    client
        .find(Locator::Css("header form[action='/logout'] button"))
        .await
        .expect("logout")
        .click()
        .await
        .expect("click");
    wait_for_path(&client, "/login").await;
    assert_eq!(text_of(&client, ".flash").await, "您已安全退出登录。");
    screenshot(&client, "login-after-logout").await;
    client
        .goto(&format!("{}/app", app.address))
        .await
        .expect("app");
    wait_for_path(&client, "/login").await;
    text_of(&client, "#username").await;
    client.close().await.expect("close");
}

#[tokio::test]
async fn officer_dashboard_fits_a_phone() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app().await;
    load_demo(&app);
    let client = browser(&driver, PHONE).await;
    submit_login(&client, &app, "officer", sixnorms::demo::DEMO_PASSWORD).await;
    wait_for_path(&client, "/app").await;
    let heading = text_of(&client, "main h1").await;
    assert!(heading.contains("兴庆区民政局"), "{heading}");
    // Nothing is wider than the screen: no horizontal scrolling of the page.
    let widths = client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("script");
    let scroll = widths[0].as_u64().expect("scrollWidth");
    let inner = widths[1].as_u64().expect("innerWidth");
    assert_eq!(inner, u64::from(PHONE.0), "a phone-sized viewport");
    assert!(
        scroll <= inner,
        "page {scroll}px wide in a {inner}px window"
    );
    screenshot(&client, "officer-dashboard-phone").await;
    client.close().await.expect("close");
}

#[tokio::test]
async fn a_bad_password_shows_the_chinese_error_next_to_the_field_and_keeps_the_username() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app().await;
    crate::helpers::create_user_direct(&app.state, "wang", Role::Officer);
    let client = browser(&driver, PHONE).await;
    submit_login(&client, &app, "wang", "not-the-password").await;
    let error = text_of(&client, "#login-error").await;
    assert_eq!(error, "用户名或密码错误");
    let username = client.find(Locator::Css("#username")).await.expect("field");
    assert_eq!(
        username.prop("value").await.expect("value").as_deref(),
        Some("wang")
    );
    assert_eq!(
        username
            .attr("aria-describedby")
            .await
            .expect("attr")
            .as_deref(),
        Some("login-error")
    );
    // The message sits right after the username field.
    let next = client
        .execute(
            "return document.querySelector('#username').nextElementSibling.id;",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(next, json!("login-error"));
    let password = client.find(Locator::Css("#password")).await.expect("field");
    assert_eq!(
        password.prop("value").await.expect("value").as_deref(),
        Some("")
    );
    screenshot(&client, "login-bad-password-phone").await;

    // The form still works afterwards.
    submit_login(&client, &app, "wang", PASSWORD).await;
    wait_for_path(&client, "/app").await;
    assert_eq!(text_of(&client, ".flash").await, "登录成功，欢迎回来。");
    client.close().await.expect("close");
}

#[tokio::test]
async fn a_contractor_cannot_reach_officer_pages_by_url() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app().await;
    load_demo(&app);
    let client = browser(&driver, DESKTOP).await;
    submit_login(&client, &app, "contractor", sixnorms::demo::DEMO_PASSWORD).await;
    wait_for_path(&client, "/app").await;
    let heading = text_of(&client, "main h1").await;
    assert_eq!(heading, "承接主体工作台");
    let page = client.source().await.expect("source");
    assert!(!page.contains("本单位项目"), "no officer navigation");
    screenshot(&client, "contractor-landing").await;

    client
        .goto(&format!("{}/app/projects", app.address))
        .await
        .expect("goto");
    let heading = text_of(&client, "h1").await;
    assert_eq!(heading, "无权访问");
    let page = client.source().await.expect("source");
    assert!(page.contains("承接主体"), "the message names the role");
    assert!(!page.contains("招标中"), "no officer data leaks");
    screenshot(&client, "contractor-forbidden").await;
    client.close().await.expect("close");
}

#[tokio::test]
async fn a_forged_csrf_token_is_refused_in_the_browser() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app().await;
    crate::helpers::create_user_direct(&app.state, "wang", Role::Officer);
    let client = browser(&driver, DESKTOP).await;
    submit_login(&client, &app, "wang", PASSWORD).await;
    wait_for_path(&client, "/app").await;
    // Tamper with the logout form's token, then submit it.
    client
        .execute(
            "document.querySelector('header form input[name=csrf]').value = 'forged';
             document.querySelector('header form').submit();",
            vec![],
        )
        .await
        .expect("script");
    wait_for_path(&client, "/logout").await;
    let heading = text_of(&client, "h1").await;
    assert_eq!(heading, "无权访问");
    let page = client.source().await.expect("source");
    assert!(page.contains("表单已失效或来源不明"), "{page}");
    screenshot(&client, "csrf-refused").await;
    // The session survived: the refused logout changed nothing.
    client
        .goto(&format!("{}/app", app.address))
        .await
        .expect("goto");
    wait_for_path(&client, "/app").await;
    let header = text_of(&client, "header").await;
    assert!(
        header.contains("测试用户 wang"),
        "still signed in: {header}"
    );
    client.close().await.expect("close");
}

/// Fills the fields of the form `form_css` by name, as a user would: text inputs and text
/// areas are cleared and typed into, a `<select>` gets the option of that value, a check box
/// or radio button of that value is ticked, date and time inputs (whose typing depends on the
/// browser's locale) are set by script.
pub(crate) async fn fill(client: &Client, form_css: &str, fields: &[(&str, &str)]) {
    for (name, value) in fields {
        let css = format!("{form_css} [name=\"{name}\"]");
        let elements = client
            .find_all(Locator::Css(&css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        let Some(first) = elements.first() else {
            panic!("no field {css} on {}", path_of(client).await);
        };
        let tag = first.tag_name().await.expect("tag").to_lowercase();
        let kind = first
            .attr("type")
            .await
            .expect("type")
            .unwrap_or_default()
            .to_lowercase();
        match (tag.as_str(), kind.as_str()) {
            ("select", _) => first
                .select_by_value(value)
                .await
                .unwrap_or_else(|e| panic!("{css} = {value}: {e}")),
            (_, "checkbox" | "radio") => {
                let choice = format!("{css}[value=\"{value}\"]");
                let element = client
                    .find(Locator::Css(&choice))
                    .await
                    .unwrap_or_else(|e| panic!("{choice}: {e}"));
                if !element.is_selected().await.expect("selected") {
                    element.click().await.expect("tick");
                }
            }
            (_, "date" | "datetime-local" | "month" | "hidden" | "time") => {
                client
                    .execute(
                        "arguments[0].value = arguments[1];",
                        vec![serde_json::to_value(first).expect("element"), json!(value)],
                    )
                    .await
                    .expect("set value");
            }
            _ => {
                first.clear().await.expect("clear");
                first.send_keys(value).await.expect("type");
            }
        }
    }
}

/// Clicks the submit button of `form_css` and waits until the next page has loaded.
pub(crate) async fn submit(client: &Client, form_css: &str) {
    click_and_wait(client, &format!("{form_css} button[type=submit]")).await;
}

/// Clicks `css` (a button or link) and waits until the next page has loaded.
pub(crate) async fn click_and_wait(client: &Client, css: &str) {
    client
        .execute("window.__sixnorms_before_submit = true;", vec![])
        .await
        .expect("mark page");
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
    for _ in 0..150 {
        let state = client
            .execute(
                "return [window.__sixnorms_before_submit === true, document.readyState];",
                vec![],
            )
            .await;
        if let Ok(state) = state
            && state == json!([false, "complete"])
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("clicking {css} did not load a new page");
}

/// Fills and submits `form_css` on the page at `path`.
pub(crate) async fn submit_form(
    client: &Client,
    app: &TestApp,
    path: &str,
    form_css: &str,
    fields: &[(&str, &str)],
) {
    client
        .goto(&format!("{}{path}", app.address))
        .await
        .expect("goto");
    fill(client, form_css, fields).await;
    submit(client, form_css).await;
}
