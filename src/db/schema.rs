//! The one portable schema, written by hand for both SQLite and PostgreSQL
//! (migrations/sqlite and migrations/postgres create the same tables).
#![allow(missing_docs)]

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        display_name -> Text,
        email -> Text,
        purchaser_id -> Nullable<BigInt>,
        contractor_id -> Nullable<BigInt>,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        kind -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        username -> Text,
        attempted_at -> Timestamp,
        succeeded -> Bool,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> BigInt,
        last_seq -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    job_runs (id) {
        id -> BigInt,
        job_name -> Text,
        slot -> Text,
        instance -> Text,
        trigger_kind -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        outcome -> Text,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        created_at -> Timestamp,
        kind -> Text,
        dedup_key -> Nullable<Text>,
        to_address -> Text,
        to_user_id -> Nullable<BigInt>,
        subject -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notification_opt_outs (user_id, kind) {
        user_id -> BigInt,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    regions (code) {
        code -> Text,
        name -> Text,
        level -> Text,
        parent_code -> Nullable<Text>,
    }
}

diesel::table! {
    catalog_domains (code) {
        code -> Text,
        name -> Text,
        position -> Integer,
    }
}

diesel::table! {
    target_groups (code) {
        code -> Text,
        name -> Text,
        priority -> Bool,
        position -> Integer,
    }
}

diesel::table! {
    catalog_items (id) {
        id -> BigInt,
        year -> Integer,
        code -> Text,
        domain_code -> Text,
        name -> Text,
        description -> Text,
        target_groups -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    negative_list (id) {
        id -> BigInt,
        year -> Integer,
        code -> Text,
        name -> Text,
        reason -> Text,
    }
}

diesel::table! {
    purchasers (id) {
        id -> BigInt,
        name -> Text,
        uscc -> Text,
        kind -> Text,
        region_code -> Text,
        contact_name -> Text,
        contact_phone -> Text,
        email -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contractors (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        uscc -> Nullable<Text>,
        id_number -> Nullable<Text>,
        established_on -> Date,
        region_code -> Text,
        business_scope -> Text,
        service_domains -> Text,
        full_time_staff -> Integer,
        sw_assistant -> Integer,
        sw_intermediate -> Integer,
        sw_senior -> Integer,
        has_financial_system -> Bool,
        has_tax_social_security_record -> Bool,
        declares_no_major_violation -> Bool,
        is_small_micro -> Bool,
        on_dishonest_list -> Bool,
        contact_name -> Text,
        contact_phone -> Text,
        email -> Text,
        status -> Text,
        status_reason -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        reviewed_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contractor_violations (id) {
        id -> BigInt,
        contractor_id -> BigInt,
        occurred_on -> Date,
        kind -> Text,
        description -> Text,
        fine_fen -> Nullable<BigInt>,
        recorded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contractor_bars (id) {
        id -> BigInt,
        contractor_id -> BigInt,
        year -> Integer,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    stations (id) {
        id -> BigInt,
        tier -> Text,
        name -> Text,
        region_code -> Text,
        operator_contractor_id -> Nullable<BigInt>,
        has_venue -> Bool,
        staff_count -> Integer,
        has_service -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    budgets (id) {
        id -> BigInt,
        purchaser_id -> BigInt,
        year -> Integer,
        source -> Text,
        amount_fen -> BigInt,
        committed_fen -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    projects (id) {
        id -> BigInt,
        number -> Text,
        purchaser_id -> BigInt,
        budget_id -> BigInt,
        year -> Integer,
        catalog_item_code -> Text,
        domain_code -> Text,
        title -> Text,
        summary -> Text,
        region_code -> Text,
        station_id -> Nullable<BigInt>,
        target_groups -> Text,
        budget_fen -> BigInt,
        service_start -> Date,
        service_end -> Date,
        term_justification -> Nullable<Text>,
        method -> Text,
        expected_tender_date -> Date,
        status -> Text,
        status_reason -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_targets (id) {
        id -> BigInt,
        project_id -> BigInt,
        kind -> Text,
        name -> Text,
        value -> Text,
        unit -> Text,
        position -> Integer,
    }
}

diesel::table! {
    notices (id) {
        id -> BigInt,
        kind -> Text,
        project_id -> Nullable<BigInt>,
        purchaser_id -> BigInt,
        region_code -> Text,
        title -> Text,
        body_html -> Text,
        due_by -> Nullable<Date>,
        published_at -> Timestamp,
        on_time -> Bool,
        pdf_sha256 -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        project_title -> Nullable<Text>,
    }
}

diesel::table! {
    tenders (id) {
        id -> BigInt,
        project_id -> BigInt,
        bid_deadline -> Timestamp,
        max_price_fen -> BigInt,
        award_method -> Text,
        price_weight_bp -> Integer,
        min_full_time_staff -> Integer,
        min_certified_social_workers -> Integer,
        min_years_established -> Integer,
        published_at -> Timestamp,
        opened_at -> Nullable<Timestamp>,
        round -> Integer,
        created_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    tender_criteria (id) {
        id -> BigInt,
        tender_id -> BigInt,
        code -> Text,
        name -> Text,
        max_points_centi -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    tender_invitations (id) {
        id -> BigInt,
        tender_id -> BigInt,
        contractor_id -> BigInt,
    }
}

diesel::table! {
    documents (id) {
        id -> BigInt,
        owner_kind -> Text,
        owner_id -> BigInt,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bids (id) {
        id -> BigInt,
        project_id -> BigInt,
        tender_id -> BigInt,
        contractor_id -> BigInt,
        price_fen -> BigInt,
        proposal -> Text,
        team_size -> Integer,
        receipt_sha256 -> Text,
        submitted_at -> Timestamp,
        status -> Text,
        reasons -> Nullable<Text>,
    }
}

diesel::table! {
    panel_members (id) {
        id -> BigInt,
        project_id -> BigInt,
        evaluator_id -> BigInt,
    }
}

diesel::table! {
    bid_scores (id) {
        id -> BigInt,
        bid_id -> BigInt,
        evaluator_id -> BigInt,
        criterion_code -> Text,
        points_centi -> BigInt,
        scored_at -> Timestamp,
    }
}

diesel::table! {
    awards (id) {
        id -> BigInt,
        project_id -> BigInt,
        bid_id -> BigInt,
        contractor_id -> BigInt,
        price_fen -> BigInt,
        reason -> Nullable<Text>,
        decided_at -> Timestamp,
        notice_on -> Date,
        challenge_deadline -> Date,
        signing_deadline -> Date,
        active -> Bool,
        decided_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    challenges (id) {
        id -> BigInt,
        project_id -> BigInt,
        award_id -> BigInt,
        contractor_id -> BigInt,
        grounds -> Text,
        facts -> Text,
        filed_at -> Timestamp,
        answer_due -> Date,
        status -> Text,
        answer -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        answered_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    contracts (id) {
        id -> BigInt,
        project_id -> BigInt,
        award_id -> BigInt,
        purchaser_id -> BigInt,
        contractor_id -> BigInt,
        number -> Text,
        subject -> Text,
        quantity_terms -> Text,
        quality_terms -> Text,
        amount_fen -> BigInt,
        service_start -> Date,
        service_end -> Date,
        rights_obligations -> Text,
        breach_liability -> Text,
        dispute_kind -> Text,
        dispute_body -> Text,
        status -> Text,
        purchaser_signed_at -> Nullable<Timestamp>,
        purchaser_signed_by -> Nullable<BigInt>,
        contractor_signed_at -> Nullable<Timestamp>,
        contractor_signed_by -> Nullable<BigInt>,
        activated_at -> Nullable<Timestamp>,
        terminated_at -> Nullable<Timestamp>,
        termination_reason -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    payments (id) {
        id -> BigInt,
        contract_id -> BigInt,
        position -> Integer,
        name -> Text,
        percent_centi -> BigInt,
        condition -> Text,
        amount_fen -> BigInt,
        payable_fen -> Nullable<BigInt>,
        status -> Text,
        due_at -> Nullable<Timestamp>,
        paid_at -> Nullable<Timestamp>,
        paid_by -> Nullable<BigInt>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    service_reports (id) {
        id -> BigInt,
        contract_id -> BigInt,
        period -> Text,
        activities -> Integer,
        cases_opened -> Integer,
        cases_closed -> Integer,
        volunteers_engaged -> Integer,
        narrative -> Text,
        status -> Text,
        submitted_at -> Timestamp,
        submitted_by -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
        reviewed_by -> Nullable<BigInt>,
        review_comment -> Nullable<Text>,
    }
}

diesel::table! {
    report_counts (id) {
        id -> BigInt,
        report_id -> BigInt,
        target_group -> Text,
        persons -> Integer,
        person_times -> Integer,
    }
}

diesel::table! {
    supervisions (id) {
        id -> BigInt,
        contract_id -> BigInt,
        held_on -> Date,
        supervisor -> Text,
        notes -> Text,
        recorded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    performance_evaluations (id) {
        id -> BigInt,
        contract_id -> BigInt,
        kind -> Text,
        status -> Text,
        opened_at -> Timestamp,
        opened_by -> Nullable<BigInt>,
        total_centi -> Nullable<BigInt>,
        grade -> Nullable<Text>,
        graded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    evaluation_assignments (id) {
        id -> BigInt,
        evaluation_id -> BigInt,
        evaluator_id -> BigInt,
    }
}

diesel::table! {
    evaluation_scores (id) {
        id -> BigInt,
        evaluation_id -> BigInt,
        evaluator_id -> BigInt,
        indicator_code -> Text,
        points_centi -> BigInt,
        comment -> Nullable<Text>,
        scored_at -> Timestamp,
    }
}

diesel::table! {
    contractor_marks (id) {
        id -> BigInt,
        contractor_id -> BigInt,
        kind -> Text,
        evaluation_id -> Nullable<BigInt>,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    project_pages (project_id) {
        project_id -> BigInt,
        version -> BigInt,
        built_version -> BigInt,
        format -> Text,
        fresh_until -> Nullable<Timestamp>,
        built_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    project_page_bodies (project_id) {
        project_id -> BigInt,
        etag -> Text,
        body -> Binary,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(project_pages -> projects (project_id));
diesel::joinable!(project_page_bodies -> project_pages (project_id));
diesel::joinable!(catalog_items -> catalog_domains (domain_code));
diesel::joinable!(contractor_violations -> contractors (contractor_id));
diesel::joinable!(contractor_bars -> contractors (contractor_id));
diesel::joinable!(stations -> contractors (operator_contractor_id));
diesel::joinable!(budgets -> purchasers (purchaser_id));
diesel::joinable!(projects -> purchasers (purchaser_id));
diesel::joinable!(projects -> budgets (budget_id));
diesel::joinable!(project_targets -> projects (project_id));
diesel::joinable!(tenders -> projects (project_id));
diesel::joinable!(tender_criteria -> tenders (tender_id));
diesel::joinable!(tender_invitations -> tenders (tender_id));
diesel::joinable!(bids -> contractors (contractor_id));
diesel::joinable!(bids -> tenders (tender_id));
diesel::joinable!(bid_scores -> bids (bid_id));
diesel::joinable!(awards -> bids (bid_id));
diesel::joinable!(challenges -> awards (award_id));
diesel::joinable!(payments -> contracts (contract_id));
diesel::joinable!(service_reports -> contracts (contract_id));
diesel::joinable!(report_counts -> service_reports (report_id));
diesel::joinable!(supervisions -> contracts (contract_id));
diesel::joinable!(performance_evaluations -> contracts (contract_id));
diesel::joinable!(evaluation_assignments -> performance_evaluations (evaluation_id));
diesel::joinable!(evaluation_scores -> performance_evaluations (evaluation_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    api_tokens,
    login_attempts,
    audit_log,
    audit_head,
    job_runs,
    outbox,
    notification_opt_outs,
    regions,
    catalog_domains,
    target_groups,
    catalog_items,
    negative_list,
    purchasers,
    contractors,
    contractor_violations,
    contractor_bars,
    stations,
    budgets,
    projects,
    project_targets,
    notices,
    tenders,
    tender_criteria,
    tender_invitations,
    documents,
    bids,
    panel_members,
    bid_scores,
    awards,
    challenges,
    contracts,
    payments,
    service_reports,
    report_counts,
    supervisions,
    performance_evaluations,
    evaluation_assignments,
    evaluation_scores,
    contractor_marks,
    project_pages,
    project_page_bodies,
);
