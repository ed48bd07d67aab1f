-- The notice page (`/notices/{id}`, the most requested page of the site) names the project a
-- notice belongs to. Its title is kept in the notice row, so the page reads one row instead of
-- joining `projects`: with random notices, that join read a second leaf page from disk on
-- about every other request. `disclosure::notices::publish` (and the scale data) fill it when
-- the notice is inserted; the trigger below follows a renamed project.

ALTER TABLE notices ADD COLUMN project_title TEXT;

-- The backfill changes nothing a project page shows, so the trigger that marks those pages due
-- is set aside while it runs (every stored page would otherwise be built again).
DROP TRIGGER project_pages_notices_update;
UPDATE notices SET project_title = (SELECT title FROM projects WHERE projects.id = notices.project_id)
    WHERE project_id IS NOT NULL;
CREATE TRIGGER project_pages_notices_update AFTER UPDATE ON notices BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (NEW.project_id, OLD.project_id);
END;

CREATE TRIGGER notices_project_title AFTER UPDATE OF title ON projects
    WHEN NEW.title IS NOT OLD.title
BEGIN
    UPDATE notices SET project_title = NEW.title WHERE project_id = NEW.id;
END;
