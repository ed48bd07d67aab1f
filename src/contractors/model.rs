//! Rows and queries of `contractors`, `contractor_violations` and `contractor_bars`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{contractor_bars, contractor_marks, contractor_violations, contractors};
use crate::domain::contractor_status::ContractorStatus;
use crate::domain::qualification::{ContractorFacts, ViolationFact};

/// A `contractors` row.
#[derive(Debug, Clone, Queryable)]
pub struct ContractorRow {
    /// Id.
    pub id: i64,
    /// Name (an individual's own name).
    pub name: String,
    /// Kind code (DOMAIN §2).
    pub kind: String,
    /// 统一社会信用代码 (organizations).
    pub uscc: Option<String>,
    /// 居民身份号码 (individuals).
    pub id_number: Option<String>,
    /// Established (or, for individuals, registered) on.
    pub established_on: NaiveDate,
    /// Registered region.
    pub region_code: String,
    /// Business scope text.
    pub business_scope: String,
    /// Catalog domain codes, comma-separated.
    pub service_domains: String,
    /// Full-time staff.
    pub full_time_staff: i32,
    /// 助理社会工作师.
    pub sw_assistant: i32,
    /// 社会工作师.
    pub sw_intermediate: i32,
    /// 高级社会工作师.
    pub sw_senior: i32,
    /// Sound financial system.
    pub has_financial_system: bool,
    /// Tax and social-security record.
    pub has_tax_social_security_record: bool,
    /// Declares no major violation.
    pub declares_no_major_violation: bool,
    /// Small or micro enterprise.
    pub is_small_micro: bool,
    /// On the dishonest-entity list.
    pub on_dishonest_list: bool,
    /// Contact person.
    pub contact_name: String,
    /// Contact phone.
    pub contact_phone: String,
    /// Contact email.
    pub email: String,
    /// `pending`, `qualified`, `rejected`, `suspended`.
    pub status: String,
    /// The reason given at the last review.
    pub status_reason: Option<String>,
    /// When last reviewed.
    pub reviewed_at: Option<NaiveDateTime>,
    /// Who last reviewed.
    pub reviewed_by: Option<i64>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Updated.
    pub updated_at: NaiveDateTime,
}

/// A `contractor_violations` row.
#[derive(Debug, Clone, Queryable)]
pub struct ViolationRow {
    /// Id.
    pub id: i64,
    /// The contractor.
    pub contractor_id: i64,
    /// Decision date.
    pub occurred_on: NaiveDate,
    /// Kind code.
    pub kind: String,
    /// What happened.
    pub description: String,
    /// Fine in 分.
    pub fine_fen: Option<i64>,
    /// Recorded by.
    pub recorded_by: Option<i64>,
    /// Recorded at.
    pub created_at: NaiveDateTime,
}

impl ContractorRow {
    /// Status as the enum (stored values are constrained by a CHECK).
    pub fn status(&self) -> ContractorStatus {
        ContractorStatus::parse(&self.status).unwrap_or(ContractorStatus::Pending)
    }

    /// Domain codes as a list.
    pub fn domains(&self) -> Vec<String> {
        self.service_domains
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Whether this is an individual (identified by a resident ID).
    pub fn is_individual(&self) -> bool {
        self.id_number.is_some()
    }
}

/// One contractor.
pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<ContractorRow>> {
    contractors::table
        .find(id)
        .select(contractors::all_columns)
        .first(conn)
        .optional()
}

/// Violations of a contractor, newest first.
pub fn violations(conn: &mut AnyConnection, contractor_id: i64) -> QueryResult<Vec<ViolationRow>> {
    contractor_violations::table
        .filter(contractor_violations::contractor_id.eq(contractor_id))
        .order((
            contractor_violations::occurred_on.desc(),
            contractor_violations::id.desc(),
        ))
        .select(contractor_violations::all_columns)
        .load(conn)
}

/// Years the contractor is barred in.
pub fn barred_years(conn: &mut AnyConnection, contractor_id: i64) -> QueryResult<Vec<i32>> {
    contractor_bars::table
        .filter(contractor_bars::contractor_id.eq(contractor_id))
        .select(contractor_bars::year)
        .load(conn)
}

/// Whether the contractor carries a priority mark (a final evaluation graded 优秀/良好).
pub fn has_priority_mark(conn: &mut AnyConnection, contractor_id: i64) -> QueryResult<bool> {
    let marks: i64 = contractor_marks::table
        .filter(contractor_marks::contractor_id.eq(contractor_id))
        .filter(contractor_marks::kind.eq("priority"))
        .count()
        .get_result(conn)?;
    Ok(marks > 0)
}

/// The facts the qualification checks read.
pub fn facts(conn: &mut AnyConnection, row: &ContractorRow) -> QueryResult<ContractorFacts> {
    let violations = violations(conn, row.id)?
        .into_iter()
        .map(|v| ViolationFact {
            occurred_on: v.occurred_on,
            kind: v.kind,
            fine_fen: v.fine_fen,
        })
        .collect();
    let identity = match (&row.uscc, &row.id_number) {
        (Some(code), _) => crate::domain::ids::validate_uscc(code)
            .map(|_| ())
            .map_err(|e| e.message()),
        (None, Some(id)) => crate::domain::ids::validate_resident_id(id)
            .map(|_| ())
            .map_err(|e| e.message()),
        (None, None) => Err("未登记证照号码".to_owned()),
    };
    Ok(ContractorFacts {
        kind: row.kind.clone(),
        identity,
        established_on: row.established_on,
        business_scope: row.business_scope.clone(),
        service_domains: row.domains(),
        full_time_staff: row.full_time_staff,
        certified: [row.sw_assistant, row.sw_intermediate, row.sw_senior],
        has_financial_system: row.has_financial_system,
        has_tax_social_security_record: row.has_tax_social_security_record,
        declares_no_major_violation: row.declares_no_major_violation,
        on_dishonest_list: row.on_dishonest_list,
        violations,
        barred_years: barred_years(conn, row.id)?,
    })
}

/// A page of contractors, optionally by status and within a region prefix set.
pub fn list(
    conn: &mut AnyConnection,
    status: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ContractorRow>, i64)> {
    let filtered = || {
        let mut q = contractors::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(contractors::status.eq(s.to_owned()));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(contractors::id.asc())
        .offset(offset)
        .limit(limit)
        .select(contractors::all_columns)
        .load(conn)?;
    Ok((rows, total))
}
