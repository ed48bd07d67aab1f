-- Procurement: budgets, projects with targets, notices, tenders with criteria, invitations
-- and documents, sealed bids, the panel and its scores, awards and challenges.
-- Money is BIGINT 分; points are BIGINT hundredths of a point.
CREATE TABLE budgets (
    id BIGSERIAL PRIMARY KEY,
    purchaser_id BIGINT NOT NULL REFERENCES purchasers (id),
    year INTEGER NOT NULL,
    source TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    committed_fen BIGINT NOT NULL DEFAULT 0 CHECK (committed_fen >= 0 AND committed_fen <= amount_fen),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (purchaser_id, year, source)
);

CREATE TABLE projects (
    id BIGSERIAL PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    purchaser_id BIGINT NOT NULL REFERENCES purchasers (id),
    budget_id BIGINT NOT NULL REFERENCES budgets (id),
    year INTEGER NOT NULL,
    catalog_item_code TEXT NOT NULL,
    domain_code TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    station_id BIGINT REFERENCES stations (id),
    target_groups TEXT NOT NULL,
    budget_fen BIGINT NOT NULL CHECK (budget_fen > 0),
    service_start DATE NOT NULL,
    service_end DATE NOT NULL,
    term_justification TEXT,
    method TEXT NOT NULL,
    expected_tender_date DATE NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX projects_purchaser_status ON projects (purchaser_id, status);
CREATE INDEX projects_status ON projects (status);
CREATE INDEX projects_budget_id ON projects (budget_id);
CREATE INDEX projects_region_code ON projects (region_code);
CREATE INDEX projects_year ON projects (year);

CREATE TABLE project_targets (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    kind TEXT NOT NULL CHECK (kind IN ('quantity', 'scale', 'quality', 'outcome')),
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    unit TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX project_targets_project ON project_targets (project_id);

CREATE TABLE notices (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('intention', 'tender', 'correction', 'opening', 'failure', 'award', 'contract', 'evaluation', 'termination')),
    project_id BIGINT REFERENCES projects (id),
    purchaser_id BIGINT NOT NULL REFERENCES purchasers (id),
    region_code TEXT NOT NULL,
    title TEXT NOT NULL,
    body_html TEXT NOT NULL,
    due_by DATE,
    published_at TIMESTAMP NOT NULL,
    on_time BOOLEAN NOT NULL,
    pdf_sha256 TEXT,
    created_by BIGINT REFERENCES users (id)
);
CREATE INDEX notices_published ON notices (published_at);
CREATE INDEX notices_kind_published ON notices (kind, published_at);
CREATE INDEX notices_project ON notices (project_id);
CREATE INDEX notices_purchaser_published ON notices (purchaser_id, published_at);
CREATE INDEX notices_region_published ON notices (region_code, published_at);

CREATE TABLE tenders (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    bid_deadline TIMESTAMP NOT NULL,
    max_price_fen BIGINT NOT NULL CHECK (max_price_fen > 0),
    award_method TEXT NOT NULL CHECK (award_method IN ('comprehensive', 'lowest_price')),
    price_weight_bp INTEGER NOT NULL,
    min_full_time_staff INTEGER NOT NULL,
    min_certified_social_workers INTEGER NOT NULL,
    min_years_established INTEGER NOT NULL,
    published_at TIMESTAMP NOT NULL,
    opened_at TIMESTAMP,
    round INTEGER NOT NULL DEFAULT 1,
    created_by BIGINT REFERENCES users (id),
    UNIQUE (project_id, round)
);
CREATE INDEX tenders_open_due ON tenders (opened_at, bid_deadline);

CREATE TABLE tender_criteria (
    id BIGSERIAL PRIMARY KEY,
    tender_id BIGINT NOT NULL REFERENCES tenders (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    max_points_centi BIGINT NOT NULL CHECK (max_points_centi > 0),
    position INTEGER NOT NULL,
    UNIQUE (tender_id, code)
);

CREATE TABLE tender_invitations (
    id BIGSERIAL PRIMARY KEY,
    tender_id BIGINT NOT NULL REFERENCES tenders (id),
    contractor_id BIGINT NOT NULL REFERENCES contractors (id),
    UNIQUE (tender_id, contractor_id)
);
CREATE INDEX tender_invitations_contractor ON tender_invitations (contractor_id);

CREATE TABLE documents (
    id BIGSERIAL PRIMARY KEY,
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('tender', 'bid')),
    owner_id BIGINT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX documents_owner ON documents (owner_kind, owner_id);
CREATE INDEX documents_sha256 ON documents (sha256);

CREATE TABLE bids (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    tender_id BIGINT NOT NULL REFERENCES tenders (id),
    contractor_id BIGINT NOT NULL REFERENCES contractors (id),
    price_fen BIGINT NOT NULL CHECK (price_fen > 0),
    proposal TEXT NOT NULL,
    team_size INTEGER NOT NULL,
    receipt_sha256 TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'withdrawn', 'qualified', 'disqualified')),
    reasons TEXT,
    UNIQUE (tender_id, contractor_id)
);
CREATE INDEX bids_project ON bids (project_id);
CREATE INDEX bids_contractor ON bids (contractor_id);

CREATE TABLE panel_members (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    evaluator_id BIGINT NOT NULL REFERENCES users (id),
    UNIQUE (project_id, evaluator_id)
);
CREATE INDEX panel_members_evaluator ON panel_members (evaluator_id);

CREATE TABLE bid_scores (
    id BIGSERIAL PRIMARY KEY,
    bid_id BIGINT NOT NULL REFERENCES bids (id),
    evaluator_id BIGINT NOT NULL REFERENCES users (id),
    criterion_code TEXT NOT NULL,
    points_centi BIGINT NOT NULL CHECK (points_centi >= 0),
    scored_at TIMESTAMP NOT NULL,
    UNIQUE (bid_id, evaluator_id, criterion_code)
);

CREATE TABLE awards (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    bid_id BIGINT NOT NULL REFERENCES bids (id),
    contractor_id BIGINT NOT NULL REFERENCES contractors (id),
    price_fen BIGINT NOT NULL,
    reason TEXT,
    decided_at TIMESTAMP NOT NULL,
    notice_on DATE NOT NULL,
    challenge_deadline DATE NOT NULL,
    signing_deadline DATE NOT NULL,
    active BOOLEAN NOT NULL,
    decided_by BIGINT REFERENCES users (id)
);
CREATE INDEX awards_project ON awards (project_id);
CREATE INDEX awards_contractor ON awards (contractor_id);

CREATE TABLE challenges (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    award_id BIGINT NOT NULL REFERENCES awards (id),
    contractor_id BIGINT NOT NULL REFERENCES contractors (id),
    grounds TEXT NOT NULL,
    facts TEXT NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    answer_due DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'upheld', 'rejected')),
    answer TEXT,
    answered_at TIMESTAMP,
    answered_by BIGINT REFERENCES users (id)
);
CREATE INDEX challenges_project ON challenges (project_id, status);
