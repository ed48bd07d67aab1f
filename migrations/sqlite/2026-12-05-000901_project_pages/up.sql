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
    project_id INTEGER PRIMARY KEY NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version BIGINT NOT NULL DEFAULT 1,
    built_version BIGINT NOT NULL DEFAULT 0,
    format TEXT NOT NULL DEFAULT '',
    fresh_until TIMESTAMP,
    built_at TIMESTAMP
);
CREATE TABLE project_page_bodies (
    project_id INTEGER PRIMARY KEY NOT NULL REFERENCES project_pages (project_id) ON DELETE CASCADE,
    etag TEXT NOT NULL,
    body TEXT NOT NULL
);
INSERT INTO project_pages (project_id) SELECT id FROM projects;
-- Two of the three ways a page falls due, read through an index (a format change is rare
-- and this table is small: it is scanned).
CREATE INDEX project_pages_unbuilt ON project_pages (project_id) WHERE built_version <> version;
CREATE INDEX project_pages_fresh_until ON project_pages (fresh_until) WHERE fresh_until IS NOT NULL;

CREATE TRIGGER project_pages_project_insert AFTER INSERT ON projects BEGIN
    INSERT INTO project_pages (project_id) VALUES (NEW.id);
END;
CREATE TRIGGER project_pages_project_update AFTER UPDATE ON projects BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = NEW.id;
END;

CREATE TRIGGER project_pages_project_targets_insert AFTER INSERT ON project_targets BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = NEW.project_id;
END;
CREATE TRIGGER project_pages_project_targets_update AFTER UPDATE ON project_targets BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (NEW.project_id, OLD.project_id);
END;
CREATE TRIGGER project_pages_project_targets_delete AFTER DELETE ON project_targets BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = OLD.project_id;
END;

CREATE TRIGGER project_pages_tenders_insert AFTER INSERT ON tenders BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = NEW.project_id;
END;
CREATE TRIGGER project_pages_tenders_update AFTER UPDATE ON tenders BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (NEW.project_id, OLD.project_id);
END;
CREATE TRIGGER project_pages_tenders_delete AFTER DELETE ON tenders BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = OLD.project_id;
END;

CREATE TRIGGER project_pages_bids_insert AFTER INSERT ON bids BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = NEW.project_id;
END;
CREATE TRIGGER project_pages_bids_update AFTER UPDATE ON bids BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (NEW.project_id, OLD.project_id);
END;
CREATE TRIGGER project_pages_bids_delete AFTER DELETE ON bids BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = OLD.project_id;
END;

CREATE TRIGGER project_pages_awards_insert AFTER INSERT ON awards BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = NEW.project_id;
END;
CREATE TRIGGER project_pages_awards_update AFTER UPDATE ON awards BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (NEW.project_id, OLD.project_id);
END;
CREATE TRIGGER project_pages_awards_delete AFTER DELETE ON awards BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = OLD.project_id;
END;

CREATE TRIGGER project_pages_challenges_insert AFTER INSERT ON challenges BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = NEW.project_id;
END;
CREATE TRIGGER project_pages_challenges_update AFTER UPDATE ON challenges BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (NEW.project_id, OLD.project_id);
END;
CREATE TRIGGER project_pages_challenges_delete AFTER DELETE ON challenges BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = OLD.project_id;
END;

CREATE TRIGGER project_pages_contracts_insert AFTER INSERT ON contracts BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = NEW.project_id;
END;
CREATE TRIGGER project_pages_contracts_update AFTER UPDATE ON contracts BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (NEW.project_id, OLD.project_id);
END;
CREATE TRIGGER project_pages_contracts_delete AFTER DELETE ON contracts BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = OLD.project_id;
END;

CREATE TRIGGER project_pages_notices_insert AFTER INSERT ON notices BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = NEW.project_id;
END;
CREATE TRIGGER project_pages_notices_update AFTER UPDATE ON notices BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (NEW.project_id, OLD.project_id);
END;
CREATE TRIGGER project_pages_notices_delete AFTER DELETE ON notices BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = OLD.project_id;
END;

CREATE TRIGGER project_pages_payments_insert AFTER INSERT ON payments BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = (SELECT project_id FROM contracts WHERE id = NEW.contract_id);
END;
CREATE TRIGGER project_pages_payments_update AFTER UPDATE ON payments BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (SELECT project_id FROM contracts WHERE id IN (NEW.contract_id, OLD.contract_id));
END;
CREATE TRIGGER project_pages_payments_delete AFTER DELETE ON payments BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = (SELECT project_id FROM contracts WHERE id = OLD.contract_id);
END;

CREATE TRIGGER project_pages_service_reports_insert AFTER INSERT ON service_reports BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = (SELECT project_id FROM contracts WHERE id = NEW.contract_id);
END;
CREATE TRIGGER project_pages_service_reports_update AFTER UPDATE ON service_reports BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (SELECT project_id FROM contracts WHERE id IN (NEW.contract_id, OLD.contract_id));
END;
CREATE TRIGGER project_pages_service_reports_delete AFTER DELETE ON service_reports BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = (SELECT project_id FROM contracts WHERE id = OLD.contract_id);
END;

CREATE TRIGGER project_pages_performance_evaluations_insert AFTER INSERT ON performance_evaluations BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = (SELECT project_id FROM contracts WHERE id = NEW.contract_id);
END;
CREATE TRIGGER project_pages_performance_evaluations_update AFTER UPDATE ON performance_evaluations BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (SELECT project_id FROM contracts WHERE id IN (NEW.contract_id, OLD.contract_id));
END;
CREATE TRIGGER project_pages_performance_evaluations_delete AFTER DELETE ON performance_evaluations BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = (SELECT project_id FROM contracts WHERE id = OLD.contract_id);
END;

CREATE TRIGGER project_pages_supervisions_insert AFTER INSERT ON supervisions BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = (SELECT project_id FROM contracts WHERE id = NEW.contract_id);
END;
CREATE TRIGGER project_pages_supervisions_update AFTER UPDATE ON supervisions BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (SELECT project_id FROM contracts WHERE id IN (NEW.contract_id, OLD.contract_id));
END;
CREATE TRIGGER project_pages_supervisions_delete AFTER DELETE ON supervisions BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id = (SELECT project_id FROM contracts WHERE id = OLD.contract_id);
END;

-- Names the page shows from other tables.
CREATE TRIGGER project_pages_purchaser_name AFTER UPDATE OF name ON purchasers
WHEN OLD.name IS NOT NEW.name BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (SELECT id FROM projects WHERE purchaser_id = NEW.id);
END;
CREATE TRIGGER project_pages_contractor_name AFTER UPDATE OF name ON contractors
WHEN OLD.name IS NOT NEW.name BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (SELECT project_id FROM bids WHERE contractor_id = NEW.id
        UNION SELECT project_id FROM awards WHERE contractor_id = NEW.id
        UNION SELECT project_id FROM contracts WHERE contractor_id = NEW.id);
END;
CREATE TRIGGER project_pages_catalog_item_name AFTER UPDATE OF name ON catalog_items
WHEN OLD.name IS NOT NEW.name BEGIN
    UPDATE project_pages SET version = version + 1 WHERE project_id IN (SELECT id FROM projects WHERE year = NEW.year AND catalog_item_code = NEW.code);
END;
-- A region's full name joins its ancestors' names: a rename or a move redoes every page.
CREATE TRIGGER project_pages_region_name AFTER UPDATE OF name, parent_code ON regions
WHEN OLD.name IS NOT NEW.name OR OLD.parent_code IS NOT NEW.parent_code BEGIN
    UPDATE project_pages SET version = version + 1;
END;
