DROP TABLE outbox;
DROP TABLE job_runs;
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE login_attempts;
DROP TABLE api_tokens;
DROP TABLE users;
