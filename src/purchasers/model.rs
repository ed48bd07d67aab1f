//! Rows and queries of `purchasers`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::AnyConnection;
use crate::db::schema::purchasers;
use crate::domain::eligibility::{Eligibility, purchaser_eligibility, purchaser_kind_label};

/// A `purchasers` row.
#[derive(Debug, Clone, Queryable)]
pub struct PurchaserRow {
    /// Id.
    pub id: i64,
    /// Name, e.g. 银川市兴庆区民政局.
    pub name: String,
    /// 统一社会信用代码.
    pub uscc: String,
    /// Kind code (DOMAIN §1).
    pub kind: String,
    /// Region it serves.
    pub region_code: String,
    /// Contact person.
    pub contact_name: String,
    /// Contact phone.
    pub contact_phone: String,
    /// Contact email.
    pub email: String,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Updated (UTC).
    pub updated_at: NaiveDateTime,
}

/// What the API shows of a purchaser (all of it is public).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PurchaserView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// 统一社会信用代码.
    pub uscc: String,
    /// Kind code.
    pub kind: String,
    /// Kind label.
    pub kind_label: String,
    /// Region code.
    pub region_code: String,
    /// Full region name.
    pub region_name: String,
    /// Contact person.
    pub contact_name: String,
    /// Contact phone.
    pub contact_phone: String,
    /// Contact email.
    pub email: String,
    /// Whether it may create projects, and why not.
    pub eligibility: Eligibility,
}

impl PurchaserRow {
    /// The view, with the region's full name.
    pub fn view(&self, region_name: String) -> PurchaserView {
        PurchaserView {
            id: self.id,
            name: self.name.clone(),
            uscc: self.uscc.clone(),
            kind: self.kind.clone(),
            kind_label: purchaser_kind_label(&self.kind).unwrap_or("").to_owned(),
            region_code: self.region_code.clone(),
            region_name,
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            email: self.email.clone(),
            eligibility: purchaser_eligibility(&self.kind),
        }
    }
}

/// One purchaser.
pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<PurchaserRow>> {
    purchasers::table
        .find(id)
        .select(purchasers::all_columns)
        .first(conn)
        .optional()
}

/// A page of purchasers by name, optionally within a region.
pub fn list(
    conn: &mut AnyConnection,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<PurchaserRow>, i64)> {
    let total = purchasers::table.count().get_result(conn)?;
    let rows = purchasers::table
        .order(purchasers::id.asc())
        .offset(offset)
        .limit(limit)
        .select(purchasers::all_columns)
        .load(conn)?;
    Ok((rows, total))
}

/// The region an officer's purchaser serves (its scope).
pub fn region_of(conn: &mut AnyConnection, purchaser_id: i64) -> QueryResult<Option<String>> {
    purchasers::table
        .find(purchaser_id)
        .select(purchasers::region_code)
        .first(conn)
        .optional()
}
