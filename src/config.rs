//! Typed settings: `config/default.toml` (embedded), then an optional deployment file, then
//! `SIXNORMS__SECTION__KEY` environment variables. Everything is validated at start so that a
//! bad value stops the process with a message naming its key.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

/// The defaults shipped with the binary.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// All settings of one SixNorms process.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// HTTP server.
    pub server: ServerSettings,
    /// Database connection.
    pub database: DatabaseSettings,
    /// Clock mode.
    pub clock: ClockSettings,
    /// Working-day calendars.
    pub calendar: CalendarSettings,
    /// Login, tokens and sessions.
    pub auth: AuthSettings,
    /// Base qualification requirements.
    pub qualification: QualificationSettings,
    /// Procurement rules.
    pub procurement: ProcurementSettings,
    /// File storage.
    pub storage: StorageSettings,
    /// Outgoing email.
    pub mail: MailSettings,
    /// Scheduled jobs.
    pub jobs: JobsSettings,
    /// Performance evaluation (indicator system).
    pub evaluation: EvaluationSettings,
    /// OCDS 1.1 publication.
    pub ocds: OcdsSettings,
}

/// `[ocds]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcdsSettings {
    /// Prefix of every `ocid` (the project number follows), e.g. `ocds-sixnorms-`.
    pub ocid_prefix: String,
    /// Publisher name in every package.
    pub publisher_name: String,
    /// Publisher URI in every package.
    pub publisher_uri: String,
}

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Listen address, e.g. `127.0.0.1:8080`.
    pub bind: String,
    /// Worker threads; 0 = one per core.
    pub workers: usize,
    /// Largest JSON body in bytes.
    pub json_limit_bytes: usize,
    /// Largest upload in bytes.
    pub upload_limit_bytes: usize,
    /// Public base URL for links.
    pub public_base_url: String,
    /// Grace period for in-flight requests on SIGTERM.
    pub shutdown_timeout_secs: u64,
}

/// `[database]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH`, a bare path, or `postgres://…`.
    pub url: String,
    /// Pool size.
    pub pool_size: u32,
    /// Seconds to wait for a connection.
    pub connect_timeout_secs: u64,
    /// Run migrations when serving.
    pub migrate_on_start: bool,
    /// SQLite only: how many MiB of the database file each connection maps into memory
    /// (`PRAGMA mmap_size`); 0 reads every page through the connection's own page cache.
    /// See [`crate::db::SqliteOptions`].
    pub sqlite_mmap_mib: u64,
}

/// `[clock]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSettings {
    /// Manual (settable, frozen) clock instead of system time.
    pub manual: bool,
}

/// `[calendar]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSettings {
    /// Directory with extra `cn-YYYY.toml` files.
    pub dir: PathBuf,
}

/// `[auth]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// Token and session lifetime in hours.
    pub token_ttl_hours: i64,
    /// Session cookie name.
    pub session_cookie_name: String,
    /// Secure flag on the session cookie.
    pub cookie_secure: bool,
    /// Failures allowed per username within the window.
    pub login_max_failures: i64,
    /// Window length in minutes.
    pub login_window_minutes: i64,
    /// Minimum length of a new password.
    pub min_password_length: usize,
}

/// `[qualification]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualificationSettings {
    /// Minimum full-time staff.
    pub min_full_time_staff: i32,
    /// Minimum certified social workers.
    pub min_certified_social_workers: i32,
}

/// `[procurement]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcurementSettings {
    /// A rules file replacing the embedded `config/procurement.toml` (empty: embedded).
    pub rules_file: PathBuf,
}

/// `[storage]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    /// Root directory of stored files.
    pub dir: PathBuf,
}

/// How mail leaves the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTransportKind {
    /// Deliver over SMTP.
    Smtp,
    /// Write `.eml` files (local default).
    File,
}

/// SMTP connection security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTls {
    /// Plain SMTP.
    None,
    /// STARTTLS upgrade.
    Starttls,
    /// Implicit TLS.
    Tls,
}

/// `[mail]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// `smtp` or `file`.
    pub transport: MailTransportKind,
    /// Directory for the file transport.
    pub file_dir: PathBuf,
    /// SMTP host.
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: u16,
    /// TLS mode.
    pub tls: MailTls,
    /// SMTP user name (empty: no authentication).
    pub username: String,
    /// SMTP password.
    pub password: String,
    /// Sender mailbox.
    pub from: String,
    /// Seconds to wait for the server.
    pub timeout_secs: u64,
    /// Attempts before a message is marked failed.
    pub max_attempts: i32,
    /// First retry delay in seconds.
    pub retry_base_secs: i64,
    /// Largest retry delay in seconds.
    pub retry_max_secs: i64,
    /// Messages per job run.
    pub batch_size: i64,
}

/// The values `jobs.time_budget_ms` may take: from a tenth of a second to an hour.
pub const JOB_TIME_BUDGET_MS_RANGE: std::ops::RangeInclusive<u64> = 100..=3_600_000;

/// `[jobs]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobsSettings {
    /// Start the scheduler with the server.
    pub enabled: bool,
    /// How long one run of a job that works through a backlog (`render_notice_pdfs`,
    /// `build_project_pages`) keeps at it before it leaves the rest to its next run, in
    /// milliseconds ([`JOB_TIME_BUDGET_MS_RANGE`]).
    pub time_budget_ms: u64,
    /// Job name → six-field cron string (blank disables).
    pub schedules: BTreeMap<String, String>,
}

/// `[evaluation]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationSettings {
    /// The indicator system of performance evaluations, in display order; the maximum points
    /// sum to exactly 100.
    pub indicators: Vec<IndicatorSettings>,
}

/// One indicator of `[[evaluation.indicators]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSettings {
    /// Stable code used in score sheets (`scores.<code>`), e.g. `management`.
    pub code: String,
    /// Chinese name, e.g. 服务管理.
    pub name: String,
    /// Maximum points (whole points, at least 1).
    pub max_points: u32,
}

/// A configuration problem, naming the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {key}: {message}")]
pub struct ConfigError {
    /// Dotted key, e.g. `mail.tls`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl Settings {
    /// Loads defaults, then `file` (if given), then the environment, and validates the result.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::new(
                    "--config",
                    format!("file {} does not exist", file.display()),
                ));
            }
            figment = figment.merge(Toml::file(file));
        }
        figment = figment.merge(Env::prefixed("SIXNORMS__").split("__"));
        Self::from_figment(figment)
    }

    /// Extracts and validates settings from any figment (tests layer their overrides on
    /// [`DEFAULT_TOML`]).
    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let settings: Settings = figment.extract().map_err(|e| {
            let key = e.path.join(".");
            let key = if key.is_empty() {
                "(config)".to_owned()
            } else {
                key
            };
            ConfigError::new(key, e.kind.to_string())
        })?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks every value that the type system cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.server.bind.parse::<SocketAddr>().map_err(|_| {
            ConfigError::new("server.bind", "must be HOST:PORT, e.g. 127.0.0.1:8080")
        })?;
        if self.server.json_limit_bytes < 1024 {
            return Err(ConfigError::new(
                "server.json_limit_bytes",
                "must be at least 1024",
            ));
        }
        if self.server.upload_limit_bytes < 1024 {
            return Err(ConfigError::new(
                "server.upload_limit_bytes",
                "must be at least 1024",
            ));
        }
        if !(self.server.public_base_url.starts_with("http://")
            || self.server.public_base_url.starts_with("https://"))
        {
            return Err(ConfigError::new(
                "server.public_base_url",
                "must start with http:// or https://",
            ));
        }
        for (key, value) in [
            ("ocds.ocid_prefix", &self.ocds.ocid_prefix),
            ("ocds.publisher_name", &self.ocds.publisher_name),
            ("ocds.publisher_uri", &self.ocds.publisher_uri),
        ] {
            if value.trim().is_empty() {
                return Err(ConfigError::new(key, "must not be empty"));
            }
        }
        if self.database.url.trim().is_empty() {
            return Err(ConfigError::new("database.url", "must not be empty"));
        }
        if !(1..=512).contains(&self.database.pool_size) {
            return Err(ConfigError::new(
                "database.pool_size",
                "must be between 1 and 512",
            ));
        }
        if self.database.sqlite_mmap_mib > crate::db::SQLITE_MAX_MMAP_MIB {
            return Err(ConfigError::new(
                "database.sqlite_mmap_mib",
                format!("must be at most {}", crate::db::SQLITE_MAX_MMAP_MIB),
            ));
        }
        if self.database.connect_timeout_secs == 0 {
            return Err(ConfigError::new(
                "database.connect_timeout_secs",
                "must be at least 1",
            ));
        }
        if self.auth.token_ttl_hours < 1 {
            return Err(ConfigError::new(
                "auth.token_ttl_hours",
                "must be at least 1",
            ));
        }
        if self.auth.login_max_failures < 1 {
            return Err(ConfigError::new(
                "auth.login_max_failures",
                "must be at least 1",
            ));
        }
        if self.auth.login_window_minutes < 1 {
            return Err(ConfigError::new(
                "auth.login_window_minutes",
                "must be at least 1",
            ));
        }
        if self.auth.min_password_length < 8 {
            return Err(ConfigError::new(
                "auth.min_password_length",
                "must be at least 8",
            ));
        }
        if self.auth.session_cookie_name.is_empty()
            || !self
                .auth
                .session_cookie_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(ConfigError::new(
                "auth.session_cookie_name",
                "must be letters, digits, '_' or '-'",
            ));
        }
        if self.qualification.min_full_time_staff < 0 {
            return Err(ConfigError::new(
                "qualification.min_full_time_staff",
                "must not be negative",
            ));
        }
        if self.qualification.min_certified_social_workers < 0 {
            return Err(ConfigError::new(
                "qualification.min_certified_social_workers",
                "must not be negative",
            ));
        }
        self.mail
            .from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| ConfigError::new("mail.from", format!("not a mailbox: {e}")))?;
        if self.mail.transport == MailTransportKind::Smtp && self.mail.smtp_host.trim().is_empty() {
            return Err(ConfigError::new(
                "mail.smtp_host",
                "must be set when mail.transport = smtp",
            ));
        }
        if self.mail.smtp_port == 0 {
            return Err(ConfigError::new("mail.smtp_port", "must not be 0"));
        }
        if self.mail.username.is_empty() != self.mail.password.is_empty() {
            return Err(ConfigError::new(
                "mail.password",
                "mail.username and mail.password must both be set or both be empty",
            ));
        }
        if self.mail.max_attempts < 1 {
            return Err(ConfigError::new("mail.max_attempts", "must be at least 1"));
        }
        if self.mail.retry_base_secs < 1 || self.mail.retry_max_secs < self.mail.retry_base_secs {
            return Err(ConfigError::new(
                "mail.retry_base_secs",
                "must be at least 1 and not above mail.retry_max_secs",
            ));
        }
        if !(1..=10_000).contains(&self.mail.batch_size) {
            return Err(ConfigError::new(
                "mail.batch_size",
                "must be between 1 and 10000",
            ));
        }
        self.validate_evaluation()?;
        if !JOB_TIME_BUDGET_MS_RANGE.contains(&self.jobs.time_budget_ms) {
            return Err(ConfigError::new(
                "jobs.time_budget_ms",
                format!(
                    "must be between {} and {}",
                    JOB_TIME_BUDGET_MS_RANGE.start(),
                    JOB_TIME_BUDGET_MS_RANGE.end()
                ),
            ));
        }
        for (name, schedule) in &self.jobs.schedules {
            let key = format!("jobs.schedules.{name}");
            if !crate::jobs::is_known_job(name) {
                return Err(ConfigError::new(
                    key,
                    format!(
                        "unknown job; known jobs: {}",
                        crate::jobs::JOB_NAMES.join(", ")
                    ),
                ));
            }
            if !schedule.trim().is_empty() {
                crate::jobs::parse_schedule(schedule).map_err(|e| ConfigError::new(key, e))?;
            }
        }
        Ok(())
    }

    /// The indicator system: at least one indicator, codes of lowercase letters, digits and
    /// `_`, unique; names not blank; each at least 1 point; the points summing to 100.
    fn validate_evaluation(&self) -> Result<(), ConfigError> {
        let indicators = &self.evaluation.indicators;
        if indicators.is_empty() {
            return Err(ConfigError::new(
                "evaluation.indicators",
                "at least one indicator is required",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, indicator) in indicators.iter().enumerate() {
            let key = format!("evaluation.indicators[{i}]");
            if indicator.code.is_empty()
                || !indicator
                    .code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(ConfigError::new(
                    format!("{key}.code"),
                    "must be lowercase letters, digits or '_'",
                ));
            }
            if !seen.insert(indicator.code.as_str()) {
                return Err(ConfigError::new(
                    format!("{key}.code"),
                    format!("duplicate code {}", indicator.code),
                ));
            }
            if indicator.name.trim().is_empty() {
                return Err(ConfigError::new(format!("{key}.name"), "must not be blank"));
            }
            if indicator.max_points == 0 {
                return Err(ConfigError::new(
                    format!("{key}.max_points"),
                    "must be at least 1",
                ));
            }
        }
        let sum: u64 = indicators.iter().map(|i| u64::from(i.max_points)).sum();
        if sum != 100 {
            return Err(ConfigError::new(
                "evaluation.indicators",
                format!("max_points must sum to 100, not {sum}"),
            ));
        }
        Ok(())
    }

    /// The schedule of a job, or `None` when it is disabled.
    pub fn job_schedule(&self, name: &str) -> Option<&str> {
        self.jobs
            .schedules
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::Serialized;

    fn with(key: &str, value: impl serde::Serialize) -> Result<Settings, ConfigError> {
        Settings::from_figment(
            Figment::from(Toml::string(DEFAULT_TOML)).merge(Serialized::default(key, value)),
        )
    }

    #[test]
    fn defaults_are_valid_and_documented_values_hold() {
        let s = with("server.workers", 0).expect("defaults valid");
        assert_eq!(s.server.bind, "127.0.0.1:8080");
        assert_eq!(s.database.url, "sqlite://./data/sixnorms.db");
        assert_eq!(
            s.database.sqlite_mmap_mib,
            crate::db::DEFAULT_SQLITE_MMAP_MIB
        );
        assert_eq!(s.mail.transport, MailTransportKind::File);
        assert!(!s.clock.manual);
        assert_eq!(s.job_schedule("send_email"), Some("0 * * * * *"));
    }

    #[test]
    fn bad_values_name_their_key() {
        assert_eq!(
            with("server.bind", "nonsense").unwrap_err().key,
            "server.bind"
        );
        assert_eq!(with("mail.tls", "ssl").unwrap_err().key, "mail.tls");
        assert_eq!(
            with("database.pool_size", 0).unwrap_err().key,
            "database.pool_size"
        );
        assert!(with("database.sqlite_mmap_mib", crate::db::SQLITE_MAX_MMAP_MIB).is_ok());
        assert_eq!(
            with(
                "database.sqlite_mmap_mib",
                crate::db::SQLITE_MAX_MMAP_MIB + 1
            )
            .unwrap_err()
            .key,
            "database.sqlite_mmap_mib"
        );
        assert!(with("jobs.time_budget_ms", 100).is_ok());
        assert!(with("jobs.time_budget_ms", 3_600_000).is_ok());
        for outside in [0, 99, 3_600_001] {
            assert_eq!(
                with("jobs.time_budget_ms", outside).unwrap_err().key,
                "jobs.time_budget_ms",
                "{outside}"
            );
        }
        assert_eq!(
            with("jobs.schedules.send_email", "* * * * *")
                .unwrap_err()
                .key,
            "jobs.schedules.send_email"
        );
        assert_eq!(
            with("jobs.schedules.no_such_job", "0 * * * * *")
                .unwrap_err()
                .key,
            "jobs.schedules.no_such_job"
        );
        assert_eq!(
            with("mail.from", "not a mailbox").unwrap_err().key,
            "mail.from"
        );
        let unknown = with("server.colour", "red").unwrap_err();
        assert!(unknown.message.contains("colour"), "{unknown}");
    }

    #[test]
    fn default_indicators_sum_to_one_hundred() {
        let s = with("server.workers", 0).expect("defaults valid");
        let codes: Vec<(&str, u32)> = s
            .evaluation
            .indicators
            .iter()
            .map(|i| (i.code.as_str(), i.max_points))
            .collect();
        assert_eq!(
            codes,
            [
                ("management", 20),
                ("professional", 40),
                ("outcome", 30),
                ("satisfaction", 10)
            ]
        );
        let short = with(
            "evaluation.indicators",
            serde_json::json!([{"code": "a", "name": "甲", "max_points": 99}]),
        )
        .unwrap_err();
        assert_eq!(short.key, "evaluation.indicators");
        let duplicate = with(
            "evaluation.indicators",
            serde_json::json!([
                {"code": "a", "name": "甲", "max_points": 50},
                {"code": "a", "name": "乙", "max_points": 50}
            ]),
        )
        .unwrap_err();
        assert_eq!(duplicate.key, "evaluation.indicators[1].code");
    }

    #[test]
    fn blank_schedule_disables_a_job() {
        let s = with("jobs.schedules.send_email", "  ").expect("valid");
        assert_eq!(s.job_schedule("send_email"), None);
    }
}
