-- Stored project pages are kept as bytes (BLOB), not TEXT: the server sends them as they are,
-- and reading TEXT made every request check 10 KB of UTF-8 it had written itself (7 % of a
-- stored page's time in a profile). SQLite cannot change a column's type, so the table is
-- copied; the pages stay stored.
CREATE TABLE project_page_bodies_new (
    project_id INTEGER PRIMARY KEY NOT NULL REFERENCES project_pages (project_id) ON DELETE CASCADE,
    etag TEXT NOT NULL,
    body BLOB NOT NULL
);
INSERT INTO project_page_bodies_new (project_id, etag, body)
    SELECT project_id, etag, CAST(body AS BLOB) FROM project_page_bodies;
DROP TABLE project_page_bodies;
ALTER TABLE project_page_bodies_new RENAME TO project_page_bodies;
