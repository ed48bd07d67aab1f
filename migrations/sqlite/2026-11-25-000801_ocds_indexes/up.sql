-- The source columns of OCDS release dates (src/disclosure/ocds.rs, `events`): one index per
-- column in (column, id) order, filtered columns first, so `/api/ocds/releases` merges them
-- in order and reads only a page, with or without `since`.
CREATE INDEX projects_created_ocds ON projects (created_at, id);
CREATE INDEX projects_status_updated ON projects (status, updated_at, id);
CREATE INDEX notices_kind_published_id ON notices (kind, published_at, id);
CREATE INDEX tenders_published ON tenders (published_at, id);
CREATE INDEX tenders_opened ON tenders (opened_at, id);
CREATE INDEX awards_decided ON awards (decided_at, id);
CREATE INDEX challenges_status_answered ON challenges (status, answered_at, id);
CREATE INDEX contracts_created ON contracts (created_at, id);
CREATE INDEX contracts_activated ON contracts (activated_at, id);
CREATE INDEX contracts_terminated ON contracts (terminated_at, id);
CREATE INDEX contracts_status_updated ON contracts (status, updated_at, id);
CREATE INDEX payments_status_paid ON payments (status, paid_at, id);
