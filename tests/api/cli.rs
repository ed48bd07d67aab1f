//! The `sixnorms` command: user add, job run, migrate, configuration errors, and graceful
//! shutdown of `serve` on SIGTERM.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::spawn_app;

fn sixnorms(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sixnorms"));
    command
        .env("SIXNORMS__DATABASE__URL", database_url)
        .env("SIXNORMS__CALENDAR__DIR", "/nonexistent")
        .env("RUST_LOG", "warn");
    command
}

fn run_with_stdin(mut command: Command, input: &str) -> std::process::Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sixnorms");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    child.wait_with_output().expect("wait")
}

#[tokio::test]
async fn user_add_reads_the_password_from_stdin() {
    let app = spawn_app().await;
    let url = app.state.settings.database.url.clone();
    let mut command = sixnorms(&url);
    command.args([
        "user",
        "add",
        "--username",
        "ops.admin",
        "--role",
        "admin",
        "--password-stdin",
    ]);
    let output = run_with_stdin(command, "a-long-password\n");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("created user ops.admin"));
    let token = app.login("ops.admin", "a-long-password").await;
    let me = app.get("/api/v1/me", Some(&token)).await.expect(200).json();
    assert_eq!(me["role"], "admin");

    let mut bad_role = sixnorms(&url);
    bad_role.args([
        "user",
        "add",
        "--username",
        "x.y",
        "--role",
        "root",
        "--password-stdin",
    ]);
    let output = run_with_stdin(bad_role, "a-long-password\n");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--role"));

    let mut short = sixnorms(&url);
    short.args([
        "user",
        "add",
        "--username",
        "x.y",
        "--role",
        "auditor",
        "--password-stdin",
    ]);
    let output = run_with_stdin(short, "short\n");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("password"));
}

#[tokio::test]
async fn job_run_prints_the_run_record() {
    let app = spawn_app().await;
    let mut command = sixnorms(&app.state.settings.database.url);
    command.args(["job", "run", "purge_expired_sessions"]);
    let output = command.output().expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(run["outcome"], "ok");
    assert_eq!(run["trigger_kind"], "cli");
    // With the job's log lines on, standard output is still the record alone: logs go to
    // standard error.
    let mut chatty = sixnorms(&app.state.settings.database.url);
    chatty
        .env("RUST_LOG", "info")
        .args(["job", "run", "purge_expired_sessions"]);
    let output = chatty.output().expect("run");
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("job started"),
        "no log lines on stderr: {stderr}"
    );
    let run: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not the run record alone ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    assert_eq!(run["outcome"], "ok");
    let mut unknown = sixnorms(&app.state.settings.database.url);
    unknown.args(["job", "run", "nope"]);
    assert!(!unknown.output().expect("run").status.success());
}

#[test]
fn bad_configuration_stops_with_the_key_named() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}/x.db", dir.path().display());
    let mut command = sixnorms(&url);
    command.env("SIXNORMS__MAIL__TLS", "ssl").arg("migrate");
    let output = command.output().expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("mail.tls"), "{stderr}");

    let mut command = sixnorms(&url);
    command
        .env("SIXNORMS__SERVER__BIND", "everywhere")
        .arg("migrate");
    let stderr = String::from_utf8_lossy(&command.output().expect("run").stderr).into_owned();
    assert!(stderr.contains("server.bind"), "{stderr}");
}

#[test]
fn migrate_creates_a_fresh_sqlite_database() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}/nested/dir/new.db", dir.path().display());
    let output = sixnorms(&url).arg("migrate").output().expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let migrations = std::fs::read_dir("migrations/sqlite").expect("dir").count();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        stdout.contains(&format!("migrations applied: {migrations}")),
        "{stdout}"
    );
    assert!(!stdout.contains("reference rows loaded: 0"), "{stdout}");
    let again = sixnorms(&url).arg("migrate").output().expect("run");
    assert!(String::from_utf8_lossy(&again.stdout).contains("migrations applied: 0"));
}

#[test]
fn serve_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}/s.db", dir.path().display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = sixnorms(&url)
        .env("SIXNORMS__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("SIXNORMS__MAIL__FILE_DIR", dir.path().join("mail"))
        .env("SIXNORMS__SERVER__SHUTDOWN_TIMEOUT_SECS", "2")
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Wait for an HTTP answer, not just an open port: the port is bound before the server
    // runs and installs its signal handlers, and a SIGTERM in between kills the process.
    let started = Instant::now();
    loop {
        if healthz_answers(port) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let stopping = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(15),
            "did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether `GET /healthz` on `port` answers `200`.
fn healthz_answers(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200")
}
