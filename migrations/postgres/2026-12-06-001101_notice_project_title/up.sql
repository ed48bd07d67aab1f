-- The notice page (`/notices/{id}`, the most requested page of the site) names the project a
-- notice belongs to. Its title is kept in the notice row, so the page reads one row instead of
-- joining `projects`. `disclosure::notices::publish` (and the scale data) fill it when the
-- notice is inserted; the trigger below follows a renamed project.

ALTER TABLE notices ADD COLUMN project_title TEXT;

-- The backfill changes nothing a project page shows, so the trigger that marks those pages due
-- is set aside while it runs (every stored page would otherwise be built again).
ALTER TABLE notices DISABLE TRIGGER project_pages_notices;
UPDATE notices SET project_title = projects.title FROM projects
    WHERE projects.id = notices.project_id;
ALTER TABLE notices ENABLE TRIGGER project_pages_notices;

CREATE FUNCTION notices_project_title() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE notices SET project_title = NEW.title WHERE project_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER notices_project_title AFTER UPDATE OF title ON projects
    FOR EACH ROW WHEN (NEW.title IS DISTINCT FROM OLD.title)
    EXECUTE FUNCTION notices_project_title();
