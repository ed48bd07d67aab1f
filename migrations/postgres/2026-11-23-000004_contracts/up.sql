-- After the award: contracts and their payment schedule, monthly service reports with
-- aggregate counts only (no service user's name or ID exists anywhere), supervision,
-- performance evaluations with their evaluators and scores, and priority marks.
-- Money is BIGINT 分; percents and points are BIGINT hundredths.
CREATE TABLE contracts (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL UNIQUE REFERENCES projects (id),
    award_id BIGINT NOT NULL REFERENCES awards (id),
    purchaser_id BIGINT NOT NULL REFERENCES purchasers (id),
    contractor_id BIGINT NOT NULL REFERENCES contractors (id),
    number TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    quantity_terms TEXT NOT NULL,
    quality_terms TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    service_start DATE NOT NULL,
    service_end DATE NOT NULL,
    rights_obligations TEXT NOT NULL,
    breach_liability TEXT NOT NULL,
    dispute_kind TEXT NOT NULL CHECK (dispute_kind IN ('arbitration', 'litigation')),
    dispute_body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'terminated', 'completed')),
    purchaser_signed_at TIMESTAMP,
    purchaser_signed_by BIGINT REFERENCES users (id),
    contractor_signed_at TIMESTAMP,
    contractor_signed_by BIGINT REFERENCES users (id),
    activated_at TIMESTAMP,
    terminated_at TIMESTAMP,
    termination_reason TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX contracts_purchaser ON contracts (purchaser_id, status);
CREATE INDEX contracts_contractor ON contracts (contractor_id, status);
CREATE INDEX contracts_status_start ON contracts (status, service_start);

CREATE TABLE payments (
    id BIGSERIAL PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    percent_centi BIGINT NOT NULL CHECK (percent_centi > 0),
    condition TEXT NOT NULL CHECK (condition IN ('on_signing', 'after_midterm_evaluation', 'after_final_evaluation')),
    amount_fen BIGINT NOT NULL,
    payable_fen BIGINT,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'due', 'paid', 'withheld')),
    due_at TIMESTAMP,
    paid_at TIMESTAMP,
    paid_by BIGINT REFERENCES users (id),
    note TEXT,
    UNIQUE (contract_id, position)
);
CREATE INDEX payments_status ON payments (status);

CREATE TABLE service_reports (
    id BIGSERIAL PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    period TEXT NOT NULL,
    activities INTEGER NOT NULL CHECK (activities >= 0),
    cases_opened INTEGER NOT NULL CHECK (cases_opened >= 0),
    cases_closed INTEGER NOT NULL CHECK (cases_closed >= 0),
    volunteers_engaged INTEGER NOT NULL CHECK (volunteers_engaged >= 0),
    narrative TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'returned')),
    submitted_at TIMESTAMP NOT NULL,
    submitted_by BIGINT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    reviewed_by BIGINT REFERENCES users (id),
    review_comment TEXT,
    UNIQUE (contract_id, period)
);
CREATE INDEX service_reports_status ON service_reports (status);

CREATE TABLE report_counts (
    id BIGSERIAL PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES service_reports (id),
    target_group TEXT NOT NULL,
    persons INTEGER NOT NULL CHECK (persons >= 0),
    person_times INTEGER NOT NULL CHECK (person_times >= 0),
    UNIQUE (report_id, target_group)
);

CREATE TABLE supervisions (
    id BIGSERIAL PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    held_on DATE NOT NULL,
    supervisor TEXT NOT NULL,
    notes TEXT NOT NULL,
    recorded_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX supervisions_contract ON supervisions (contract_id);

CREATE TABLE performance_evaluations (
    id BIGSERIAL PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    kind TEXT NOT NULL CHECK (kind IN ('midterm', 'final')),
    status TEXT NOT NULL CHECK (status IN ('open', 'graded')),
    opened_at TIMESTAMP NOT NULL,
    opened_by BIGINT REFERENCES users (id),
    total_centi BIGINT,
    grade TEXT CHECK (grade IN ('excellent', 'good', 'pass', 'fail')),
    graded_at TIMESTAMP,
    UNIQUE (contract_id, kind)
);
CREATE INDEX performance_evaluations_status ON performance_evaluations (status);

CREATE TABLE evaluation_assignments (
    id BIGSERIAL PRIMARY KEY,
    evaluation_id BIGINT NOT NULL REFERENCES performance_evaluations (id),
    evaluator_id BIGINT NOT NULL REFERENCES users (id),
    UNIQUE (evaluation_id, evaluator_id)
);
CREATE INDEX evaluation_assignments_evaluator ON evaluation_assignments (evaluator_id);

CREATE TABLE evaluation_scores (
    id BIGSERIAL PRIMARY KEY,
    evaluation_id BIGINT NOT NULL REFERENCES performance_evaluations (id),
    evaluator_id BIGINT NOT NULL REFERENCES users (id),
    indicator_code TEXT NOT NULL,
    points_centi BIGINT NOT NULL CHECK (points_centi >= 0),
    comment TEXT,
    scored_at TIMESTAMP NOT NULL,
    UNIQUE (evaluation_id, evaluator_id, indicator_code)
);

CREATE TABLE contractor_marks (
    id BIGSERIAL PRIMARY KEY,
    contractor_id BIGINT NOT NULL REFERENCES contractors (id),
    kind TEXT NOT NULL CHECK (kind IN ('priority')),
    evaluation_id BIGINT REFERENCES performance_evaluations (id),
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX contractor_marks_contractor ON contractor_marks (contractor_id);
