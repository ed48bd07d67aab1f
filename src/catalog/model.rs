//! Rows, views and queries of the guiding catalog: `catalog_domains`, `target_groups`,
//! `catalog_items` and `negative_list`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::AnyConnection;
use crate::db::schema::{catalog_domains, catalog_items, negative_list, target_groups};

/// A `catalog_domains` row (one of the five service domains).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Domain {
    /// Code, e.g. `elderly_care`.
    pub code: String,
    /// Chinese name, e.g. 养老服务.
    pub name: String,
    /// Display order (from 1).
    pub position: i32,
}

/// A `target_groups` row (服务对象).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct TargetGroup {
    /// Code, e.g. `low_income`.
    pub code: String,
    /// Chinese name, e.g. 低保对象.
    pub name: String,
    /// One of the eight priority groups (重点对象).
    pub priority: bool,
    /// Display order (from 1).
    pub position: i32,
}

/// A `catalog_items` row: one purchasable service of one catalog year.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct CatalogItem {
    /// Id.
    pub id: i64,
    /// Catalog year.
    pub year: i32,
    /// Code, stable across years (e.g. `SA01`).
    pub code: String,
    /// The domain's code.
    pub domain_code: String,
    /// Chinese name.
    pub name: String,
    /// One-sentence description of the service.
    pub description: String,
    /// Target-group codes, comma-separated (see [`CatalogItem::target_group_codes`]).
    pub target_groups: String,
    /// When it was added (UTC); shipped items carry the start of their year.
    pub created_at: NaiveDateTime,
}

/// A `negative_list` row: something that may never be purchased as a service.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct NegativeEntry {
    /// Id.
    pub id: i64,
    /// Catalog year.
    pub year: i32,
    /// Code, e.g. `goods_or_works`.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Why it is refused (shown to the officer).
    pub reason: String,
}

/// Joins target-group codes for the `catalog_items.target_groups` column.
pub fn join_codes(codes: &[String]) -> String {
    codes.join(",")
}

/// Splits the `catalog_items.target_groups` column into codes (empty parts dropped).
pub fn split_codes(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

impl CatalogItem {
    /// The target-group codes of the item.
    pub fn target_group_codes(&self) -> Vec<String> {
        split_codes(&self.target_groups)
    }

    /// The item as listed inside its domain in `GET /api/v1/catalog`.
    pub fn entry(&self) -> ItemView {
        ItemView {
            code: self.code.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            target_groups: self.target_group_codes(),
        }
    }

    /// The full view, as returned when an item is created.
    pub fn view(&self) -> CatalogItemView {
        CatalogItemView {
            id: self.id,
            year: self.year,
            code: self.code.clone(),
            domain: self.domain_code.clone(),
            domain_name: crate::catalog::domain_label(&self.domain_code)
                .unwrap_or(&self.domain_code)
                .to_owned(),
            name: self.name.clone(),
            description: self.description.clone(),
            target_groups: self.target_group_codes(),
            created_at: crate::clock::rfc3339(self.created_at),
        }
    }
}

impl NegativeEntry {
    /// The entry as listed in `GET /api/v1/catalog`.
    pub fn view(&self) -> NegativeView {
        NegativeView {
            code: self.code.clone(),
            name: self.name.clone(),
            reason: self.reason.clone(),
        }
    }
}

impl TargetGroup {
    /// The group as listed in `GET /api/v1/catalog`.
    pub fn view(&self) -> TargetGroupView {
        TargetGroupView {
            code: self.code.clone(),
            name: self.name.clone(),
            priority: self.priority,
        }
    }
}

/// The catalog of one year (`GET /api/v1/catalog`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CatalogView {
    /// Catalog year.
    pub year: i32,
    /// The five domains in display order, each with its items of the year.
    pub domains: Vec<DomainView>,
    /// Every target group; the priority groups first.
    pub target_groups: Vec<TargetGroupView>,
    /// The negative list of the year.
    pub negative_list: Vec<NegativeView>,
}

/// A domain with its items.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DomainView {
    /// Code, e.g. `elderly_care`.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// The items of this domain in the year, by code.
    pub items: Vec<ItemView>,
}

/// An item inside [`DomainView`].
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    /// Code, e.g. `SA01`.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Target-group codes.
    pub target_groups: Vec<String>,
}

/// A target group.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetGroupView {
    /// Code, e.g. `low_income`.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// One of the eight priority groups.
    pub priority: bool,
}

/// An entry of the negative list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NegativeView {
    /// Code, e.g. `goods_or_works`.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Why it is refused.
    pub reason: String,
}

/// One item with its year and domain (`POST /api/v1/catalog/items`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CatalogItemView {
    /// Id.
    pub id: i64,
    /// Catalog year.
    pub year: i32,
    /// Code.
    pub code: String,
    /// Domain code.
    pub domain: String,
    /// Chinese name of the domain.
    pub domain_name: String,
    /// Chinese name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Target-group codes.
    pub target_groups: Vec<String>,
    /// RFC 3339 time it was added.
    pub created_at: String,
}

/// Every domain, in display order.
pub fn domains(conn: &mut AnyConnection) -> QueryResult<Vec<Domain>> {
    catalog_domains::table
        .select(catalog_domains::all_columns)
        .order((catalog_domains::position.asc(), catalog_domains::code.asc()))
        .load(conn)
}

/// One domain by code.
pub fn find_domain(conn: &mut AnyConnection, code: &str) -> QueryResult<Option<Domain>> {
    catalog_domains::table
        .find(code)
        .select(catalog_domains::all_columns)
        .first(conn)
        .optional()
}

/// Every target group, in display order (priority groups first in the shipped data).
pub fn target_groups(conn: &mut AnyConnection) -> QueryResult<Vec<TargetGroup>> {
    target_groups::table
        .select(target_groups::all_columns)
        .order((target_groups::position.asc(), target_groups::code.asc()))
        .load(conn)
}

/// The items of one year, by code.
pub fn items_of_year(conn: &mut AnyConnection, year: i32) -> QueryResult<Vec<CatalogItem>> {
    catalog_items::table
        .filter(catalog_items::year.eq(year))
        .select(catalog_items::all_columns)
        .order(catalog_items::code.asc())
        .load(conn)
}

/// The negative list of one year, in the order it was loaded.
pub fn negative_list_of_year(
    conn: &mut AnyConnection,
    year: i32,
) -> QueryResult<Vec<NegativeEntry>> {
    negative_list::table
        .filter(negative_list::year.eq(year))
        .select(negative_list::all_columns)
        .order(negative_list::id.asc())
        .load(conn)
}

/// The years that have at least one item, ascending.
pub fn years(conn: &mut AnyConnection) -> QueryResult<Vec<i32>> {
    catalog_items::table
        .select(catalog_items::year)
        .distinct()
        .order(catalog_items::year.asc())
        .load(conn)
}

/// The item `code` of the catalog of `year`, if the catalog of that year has it. Procurement
/// uses this to refuse a project whose content is not in the year's catalog.
pub fn find_item(
    conn: &mut AnyConnection,
    year: i32,
    code: &str,
) -> QueryResult<Option<CatalogItem>> {
    catalog_items::table
        .filter(catalog_items::year.eq(year))
        .filter(catalog_items::code.eq(code))
        .select(catalog_items::all_columns)
        .first(conn)
        .optional()
}

/// The negative-list entry `code` of `year`, if any. Procurement refuses a project that names
/// one, showing its `reason`.
pub fn find_negative(
    conn: &mut AnyConnection,
    year: i32,
    code: &str,
) -> QueryResult<Option<NegativeEntry>> {
    negative_list::table
        .filter(negative_list::year.eq(year))
        .filter(negative_list::code.eq(code))
        .select(negative_list::all_columns)
        .first(conn)
        .optional()
}

/// The values of a new item.
#[derive(Debug, Clone)]
pub struct NewItem<'a> {
    /// Catalog year.
    pub year: i32,
    /// Code.
    pub code: &'a str,
    /// Domain code.
    pub domain_code: &'a str,
    /// Chinese name.
    pub name: &'a str,
    /// Description.
    pub description: &'a str,
    /// Target-group codes.
    pub target_groups: &'a [String],
    /// Creation time (UTC).
    pub created_at: NaiveDateTime,
}

/// Inserts an item and returns the row.
pub fn insert_item(conn: &mut AnyConnection, new: &NewItem<'_>) -> QueryResult<CatalogItem> {
    diesel::insert_into(catalog_items::table)
        .values((
            catalog_items::year.eq(new.year),
            catalog_items::code.eq(new.code),
            catalog_items::domain_code.eq(new.domain_code),
            catalog_items::name.eq(new.name),
            catalog_items::description.eq(new.description),
            catalog_items::target_groups.eq(join_codes(new.target_groups)),
            catalog_items::created_at.eq(new.created_at),
        ))
        .returning(catalog_items::all_columns)
        .get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_group_codes_round_trip() {
        let codes = vec!["low_income".to_owned(), "elderly".to_owned()];
        assert_eq!(join_codes(&codes), "low_income,elderly");
        assert_eq!(split_codes("low_income,elderly"), codes);
        assert_eq!(split_codes(" low_income , ,elderly,"), codes);
        assert!(split_codes("").is_empty());
    }
}
