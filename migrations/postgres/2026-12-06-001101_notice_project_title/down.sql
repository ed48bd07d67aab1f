DROP TRIGGER notices_project_title ON projects;
DROP FUNCTION notices_project_title();
ALTER TABLE notices DROP COLUMN project_title;
