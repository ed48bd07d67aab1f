CREATE TABLE project_page_bodies_old (
    project_id INTEGER PRIMARY KEY NOT NULL REFERENCES project_pages (project_id) ON DELETE CASCADE,
    etag TEXT NOT NULL,
    body TEXT NOT NULL
);
INSERT INTO project_page_bodies_old (project_id, etag, body)
    SELECT project_id, etag, CAST(body AS TEXT) FROM project_page_bodies;
DROP TABLE project_page_bodies;
ALTER TABLE project_page_bodies_old RENAME TO project_page_bodies;
