-- Notification preferences: the optional kinds of email each user has turned off (a row per
-- user and kind; no row means the kind is sent). Mandatory kinds are never stored here.
CREATE TABLE notification_opt_outs (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- The admin's outbox list: filtered by status, newest first.
CREATE INDEX outbox_status_created ON outbox (status, created_at);
