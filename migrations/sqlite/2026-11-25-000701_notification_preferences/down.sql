DROP INDEX outbox_status_created;
DROP TABLE notification_opt_outs;
