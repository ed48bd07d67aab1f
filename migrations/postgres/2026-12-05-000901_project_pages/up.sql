-- Stored public project pages (`/projects/{id}`, src/public/project_pages.rs).
--
-- `project_pages` holds, per project, a `version` that the triggers below move on in the
-- same transaction as every change the page shows, and what the stored page was built from
-- (`built_version`, the page `format`, and `fresh_until`, the next moment the page changes by
-- itself: a bid deadline passing opens the bids). `project_page_bodies` holds the page; it is
-- a table of its own so that a trigger's bump rewrites a small row, never the page.
-- A page is served only while built_version = version, its format is the server's, and
-- fresh_until has not passed.

CREATE TABLE project_pages (
    project_id BIGINT PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    version BIGINT NOT NULL DEFAULT 1,
    built_version BIGINT NOT NULL DEFAULT 0,
    format TEXT NOT NULL DEFAULT '',
    fresh_until TIMESTAMP,
    built_at TIMESTAMP
);
CREATE TABLE project_page_bodies (
    project_id BIGINT PRIMARY KEY REFERENCES project_pages (project_id) ON DELETE CASCADE,
    etag TEXT NOT NULL,
    body TEXT NOT NULL
);
INSERT INTO project_pages (project_id) SELECT id FROM projects;
-- Two of the three ways a page falls due, read through an index (a format change is rare
-- and this table is small: it is scanned).
CREATE INDEX project_pages_unbuilt ON project_pages (project_id) WHERE built_version <> version;
CREATE INDEX project_pages_fresh_until ON project_pages (fresh_until) WHERE fresh_until IS NOT NULL;

CREATE FUNCTION project_pages_bump(ids BIGINT[]) RETURNS void LANGUAGE sql AS $$
    UPDATE project_pages SET version = version + 1 WHERE project_id = ANY (ids);
$$;

CREATE FUNCTION project_pages_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO project_pages (project_id) VALUES (NEW.id);
    ELSE
        PERFORM project_pages_bump(ARRAY[NEW.id]);
    END IF;
    RETURN NULL;
END $$;

-- A row of a table with a project_id column.
CREATE FUNCTION project_pages_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM project_pages_bump(ARRAY[NEW.project_id]);
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM project_pages_bump(ARRAY[NEW.project_id, OLD.project_id]);
    ELSE
        PERFORM project_pages_bump(ARRAY[OLD.project_id]);
    END IF;
    RETURN NULL;
END $$;

-- A row of a table with a contract_id column.
CREATE FUNCTION project_pages_contract_child() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    contract_ids BIGINT[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        contract_ids := ARRAY[NEW.contract_id];
    ELSIF TG_OP = 'UPDATE' THEN
        contract_ids := ARRAY[NEW.contract_id, OLD.contract_id];
    ELSE
        contract_ids := ARRAY[OLD.contract_id];
    END IF;
    PERFORM project_pages_bump(ARRAY(
        SELECT project_id FROM contracts WHERE id = ANY (contract_ids)));
    RETURN NULL;
END $$;

CREATE FUNCTION project_pages_purchaser_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM project_pages_bump(ARRAY(SELECT id FROM projects WHERE purchaser_id = NEW.id));
    RETURN NULL;
END $$;

CREATE FUNCTION project_pages_contractor_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM project_pages_bump(ARRAY(
        SELECT project_id FROM bids WHERE contractor_id = NEW.id
        UNION SELECT project_id FROM awards WHERE contractor_id = NEW.id
        UNION SELECT project_id FROM contracts WHERE contractor_id = NEW.id));
    RETURN NULL;
END $$;

CREATE FUNCTION project_pages_catalog_item_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM project_pages_bump(ARRAY(
        SELECT id FROM projects WHERE year = NEW.year AND catalog_item_code = NEW.code));
    RETURN NULL;
END $$;

-- A region's full name joins its ancestors' names: a rename or a move redoes every page.
CREATE FUNCTION project_pages_region_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE project_pages SET version = version + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER project_pages_project AFTER INSERT OR UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION project_pages_project();

CREATE TRIGGER project_pages_project_targets AFTER INSERT OR UPDATE OR DELETE ON project_targets
    FOR EACH ROW EXECUTE FUNCTION project_pages_child();
CREATE TRIGGER project_pages_tenders AFTER INSERT OR UPDATE OR DELETE ON tenders
    FOR EACH ROW EXECUTE FUNCTION project_pages_child();
CREATE TRIGGER project_pages_bids AFTER INSERT OR UPDATE OR DELETE ON bids
    FOR EACH ROW EXECUTE FUNCTION project_pages_child();
CREATE TRIGGER project_pages_awards AFTER INSERT OR UPDATE OR DELETE ON awards
    FOR EACH ROW EXECUTE FUNCTION project_pages_child();
CREATE TRIGGER project_pages_challenges AFTER INSERT OR UPDATE OR DELETE ON challenges
    FOR EACH ROW EXECUTE FUNCTION project_pages_child();
CREATE TRIGGER project_pages_contracts AFTER INSERT OR UPDATE OR DELETE ON contracts
    FOR EACH ROW EXECUTE FUNCTION project_pages_child();
CREATE TRIGGER project_pages_notices AFTER INSERT OR UPDATE OR DELETE ON notices
    FOR EACH ROW EXECUTE FUNCTION project_pages_child();
CREATE TRIGGER project_pages_payments AFTER INSERT OR UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION project_pages_contract_child();
CREATE TRIGGER project_pages_service_reports AFTER INSERT OR UPDATE OR DELETE ON service_reports
    FOR EACH ROW EXECUTE FUNCTION project_pages_contract_child();
CREATE TRIGGER project_pages_performance_evaluations AFTER INSERT OR UPDATE OR DELETE ON performance_evaluations
    FOR EACH ROW EXECUTE FUNCTION project_pages_contract_child();
CREATE TRIGGER project_pages_supervisions AFTER INSERT OR UPDATE OR DELETE ON supervisions
    FOR EACH ROW EXECUTE FUNCTION project_pages_contract_child();
CREATE TRIGGER project_pages_purchaser_name AFTER UPDATE OF name ON purchasers
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION project_pages_purchaser_name();
CREATE TRIGGER project_pages_contractor_name AFTER UPDATE OF name ON contractors
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION project_pages_contractor_name();
CREATE TRIGGER project_pages_catalog_item_name AFTER UPDATE OF name ON catalog_items
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION project_pages_catalog_item_name();
CREATE TRIGGER project_pages_region_name AFTER UPDATE OF name, parent_code ON regions
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.parent_code IS DISTINCT FROM NEW.parent_code)
    EXECUTE FUNCTION project_pages_region_name();
