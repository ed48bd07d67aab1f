-- Foundation: accounts, sessions, login throttling, the audit chain, job claims, the mail outbox.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'contractor', 'evaluator', 'auditor')),
    display_name TEXT NOT NULL,
    email TEXT NOT NULL,
    purchaser_id BIGINT,
    contractor_id BIGINT,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX users_purchaser_id ON users (purchaser_id);
CREATE INDEX users_contractor_id ON users (contractor_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('bearer', 'session')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);
CREATE INDEX api_tokens_expires_at ON api_tokens (expires_at);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    succeeded BOOLEAN NOT NULL
);
CREATE INDEX login_attempts_username_time ON login_attempts (username, attempted_at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seq BIGINT NOT NULL UNIQUE,
    occurred_at TIMESTAMP NOT NULL,
    actor_user_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_name TEXT NOT NULL,
    slot TEXT NOT NULL,
    instance TEXT NOT NULL,
    trigger_kind TEXT NOT NULL CHECK (trigger_kind IN ('schedule', 'manual', 'cli')),
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'error')),
    detail TEXT,
    UNIQUE (job_name, slot)
);
CREATE INDEX job_runs_name_started ON job_runs (job_name, started_at);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    dedup_key TEXT UNIQUE,
    to_address TEXT NOT NULL,
    to_user_id BIGINT REFERENCES users (id),
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_status_next ON outbox (status, next_attempt_at);
CREATE INDEX outbox_to_user_id ON outbox (to_user_id);
