-- Parties and content: regions (GB/T 2260), the guiding catalog by year, purchasers,
-- contractors with their violations and bars, and the three-tier stations.
CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('province', 'prefecture', 'county', 'township')),
    parent_code TEXT REFERENCES regions (code)
);
CREATE INDEX regions_parent_code ON regions (parent_code);
CREATE INDEX regions_level ON regions (level);

CREATE TABLE catalog_domains (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE target_groups (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    priority BOOLEAN NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE catalog_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    code TEXT NOT NULL,
    domain_code TEXT NOT NULL REFERENCES catalog_domains (code),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    target_groups TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (year, code)
);
CREATE INDEX catalog_items_domain ON catalog_items (domain_code);

CREATE TABLE negative_list (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    reason TEXT NOT NULL,
    UNIQUE (year, code)
);

CREATE TABLE purchasers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    uscc TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX purchasers_region_code ON purchasers (region_code);

CREATE TABLE contractors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    uscc TEXT UNIQUE,
    id_number TEXT UNIQUE,
    established_on DATE NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    business_scope TEXT NOT NULL,
    service_domains TEXT NOT NULL,
    full_time_staff INTEGER NOT NULL,
    sw_assistant INTEGER NOT NULL,
    sw_intermediate INTEGER NOT NULL,
    sw_senior INTEGER NOT NULL,
    has_financial_system BOOLEAN NOT NULL,
    has_tax_social_security_record BOOLEAN NOT NULL,
    declares_no_major_violation BOOLEAN NOT NULL,
    is_small_micro BOOLEAN NOT NULL,
    on_dishonest_list BOOLEAN NOT NULL DEFAULT 0,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    email TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'qualified', 'rejected', 'suspended')),
    status_reason TEXT,
    reviewed_at TIMESTAMP,
    reviewed_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((uscc IS NULL) <> (id_number IS NULL))
);
CREATE INDEX contractors_status ON contractors (status);
CREATE INDEX contractors_region_code ON contractors (region_code);

CREATE TABLE contractor_violations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contractor_id BIGINT NOT NULL REFERENCES contractors (id),
    occurred_on DATE NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('criminal_penalty', 'suspension', 'licence_revoked', 'fine', 'warning', 'other')),
    description TEXT NOT NULL,
    fine_fen BIGINT,
    recorded_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX contractor_violations_contractor ON contractor_violations (contractor_id, occurred_on);

CREATE TABLE contractor_bars (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contractor_id BIGINT NOT NULL REFERENCES contractors (id),
    year INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (contractor_id, year)
);

CREATE TABLE stations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tier TEXT NOT NULL CHECK (tier IN ('county_center', 'township_station', 'village_room')),
    name TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    operator_contractor_id BIGINT REFERENCES contractors (id),
    has_venue BOOLEAN NOT NULL,
    staff_count INTEGER NOT NULL,
    has_service BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX stations_region_code ON stations (region_code);
CREATE INDEX stations_operator ON stations (operator_contractor_id);
