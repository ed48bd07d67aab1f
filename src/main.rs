//! The `sixnorms` command: `serve | migrate | demo | user add | job run NAME`.

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sixnorms::app::{self, AppState};
use sixnorms::audit::Actor;
use sixnorms::auth::Role;
use sixnorms::auth::service::{CreateUserRequest, create_user};
use sixnorms::config::Settings;
use sixnorms::jobs::{self, Trigger};
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's malloc: a public page allocates and frees a few hundred small
/// buffers per request (rows, the rendered body, headers), and glibc's arenas took 5 % of a
/// notice page in a profile (`malloc`, `_int_malloc`, `_int_free`, `malloc_consolidate`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "sixnorms",
    version,
    about = "政府购买社会工作服务平台 SixNorms"
)]
struct Cli {
    /// A deployment configuration file layered over the defaults.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP and run the job scheduler.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Migrate, load demo accounts and data, print the accounts, and serve.
    Demo {
        /// Also generate this many projects in every state, with their notices (for
        /// measuring the public site on a province's worth of data).
        #[arg(long, value_name = "N")]
        scale: Option<usize>,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Run jobs by hand.
    Job {
        #[command(subcommand)]
        command: JobCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add {
        /// Login name.
        #[arg(long)]
        username: String,
        /// admin | officer | contractor | evaluator | auditor
        #[arg(long)]
        role: String,
        /// Display name (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
        /// Email (defaults to USERNAME@localhost).
        #[arg(long)]
        email: Option<String>,
        /// The purchaser of an officer.
        #[arg(long)]
        purchaser_id: Option<i64>,
        /// The contractor of a contractor user.
        #[arg(long)]
        contractor_id: Option<i64>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum JobCommand {
    /// Run one job now (in a slot of its own) and print its record.
    Run {
        /// Job name, e.g. send_email.
        name: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let huge_pages = sixnorms::memory::disable_transparent_huge_pages();
    // Logs go to standard error: standard output is the commands' answer (`job run` prints
    // its run record as JSON for scripts to read).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    if let Err(error) = huge_pages {
        tracing::warn!(%error, "transparent huge pages stay on");
    }
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sixnorms: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => serve(settings, None).await,
        Command::Migrate => {
            let db = sixnorms::db::Db::connect_with(
                &settings.database.url,
                1,
                std::time::Duration::from_secs(settings.database.connect_timeout_secs),
                sixnorms::db::SqliteOptions::with_mmap_mib(settings.database.sqlite_mmap_mib),
            )?;
            let applied = db.migrate()?;
            println!("migrations applied: {}", applied.len());
            for version in applied {
                println!("  {version}");
            }
            let loaded = sixnorms::reference::sync(&mut *db.get()?)?;
            println!("reference rows loaded: {loaded}");
            Ok(())
        }
        Command::Demo { scale } => serve(settings, Some(scale.unwrap_or(0))).await,
        Command::User { command } => match command {
            UserCommand::Add {
                username,
                role,
                display_name,
                email,
                purchaser_id,
                contractor_id,
                password_stdin: _,
            } => {
                let role = Role::parse(&role).ok_or_else(|| {
                    anyhow::anyhow!(
                        "--role: must be one of admin, officer, contractor, evaluator, auditor"
                    )
                })?;
                let mut password = String::new();
                std::io::stdin().read_to_string(&mut password)?;
                let password = password.trim_end_matches(['\r', '\n']).to_owned();
                let state = AppState::new(settings, Clock::system())?;
                let request = CreateUserRequest {
                    display_name: display_name.unwrap_or_else(|| username.clone()),
                    email: email.unwrap_or_else(|| format!("{username}@localhost")),
                    username,
                    password,
                    role,
                    purchaser_id,
                    contractor_id,
                };
                request
                    .check(&state.settings.auth)
                    .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
                let actor = Actor::system("cli", state.clock.now());
                let row = state
                    .db
                    .run(move |conn| create_user(conn, &actor, &request))
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
                println!(
                    "created user {} (id {}, role {})",
                    row.username, row.id, row.role
                );
                Ok(())
            }
        },
        Command::Job { command } => match command {
            JobCommand::Run { name } => {
                let clock = AppState::clock_for(&settings);
                let state = AppState::new(settings, clock)?;
                let run = jobs::run_now(&state, &name, Trigger::Cli)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
                println!("{}", serde_json::to_string_pretty(&run)?);
                if run.outcome == "ok" {
                    Ok(())
                } else {
                    Err(anyhow::anyhow!("job {name} failed"))
                }
            }
        },
    }
}

use sixnorms::clock::Clock;

/// An error for a terminal: the message and any field errors.
fn describe(error: &sixnorms::error::AppError) -> String {
    let details = error.details();
    if details.as_object().is_some_and(|o| o.is_empty()) {
        error.public_message()
    } else {
        format!("{} {}", error.public_message(), details)
    }
}

/// Serves; with `demo` set, first loads the demo data and tops the generated projects up to
/// that many.
async fn serve(settings: Settings, demo: Option<usize>) -> anyhow::Result<()> {
    let clock = AppState::clock_for(&settings);
    let state = AppState::new(settings, clock)?;
    if let Some(scale) = demo {
        let settings = state.settings.clone();
        let rules = state.rules.clone();
        let calendar = state.calendar.clone();
        let (now, today) = (state.clock.now(), state.clock.today());
        let summary = state
            .db
            .run(move |conn| sixnorms::demo::load(conn, &settings, &rules, &calendar, now, today))
            .await
            .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
        tracing::info!(?summary, "demo data loaded");
        if scale > 0 {
            let rules = state.rules.clone();
            let started = std::time::Instant::now();
            let generated = state
                .db
                .run(move |conn| sixnorms::demo::scale::generate(conn, &rules, scale, today))
                .await
                .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
            println!(
                "规模数据 / scale data: {} projects, {} notices, {} contracts added in {:.1} s",
                generated.projects,
                generated.notices,
                generated.contracts,
                started.elapsed().as_secs_f64()
            );
        }
        println!(
            "{}",
            sixnorms::demo::banner(&state.settings.server.public_base_url)
        );
    }
    let listener = TcpListener::bind(&state.settings.server.bind)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", state.settings.server.bind))?;
    let running = app::build(state, listener).await?;
    tracing::info!(port = running.port, "serving");
    let result = running.server.await;
    if let Some(mut scheduler) = running.scheduler {
        let _ = scheduler.shutdown().await;
    }
    tracing::info!("stopped");
    result.map_err(Into::into)
}
