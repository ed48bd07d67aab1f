DROP TRIGGER notices_project_title;
ALTER TABLE notices DROP COLUMN project_title;
