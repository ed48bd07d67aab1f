//! Use cases of the guiding catalog: read one year's catalog, add an item (admin, audited).

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::json;
use validator::Validate;

use super::model::{self, CatalogItem, CatalogView, DomainView, NewItem};
use crate::audit::{self, Actor};
use crate::db::{AnyConnection, write_tx};
use crate::error::{AppError, AppResult, FieldErrors};

/// Whether `code` is a valid item code: 2–16 upper-case ASCII letters or digits (`SA01`).
pub fn is_item_code(code: &str) -> bool {
    (2..=16).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// The catalog of `year`: the five domains with their items, every target group and the
/// year's negative list. `404 not_found` when the year has no items.
pub fn catalog(conn: &mut AnyConnection, year: i32) -> AppResult<CatalogView> {
    let items = model::items_of_year(conn, year)?;
    if items.is_empty() {
        let years = model::years(conn)?;
        let known = if years.is_empty() {
            "暂无任何年度目录".to_owned()
        } else {
            format!(
                "现有年度：{}",
                years
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join("、")
            )
        };
        return Err(AppError::NotFound(format!(
            "{year} 年度指导性目录不存在（{known}）"
        )));
    }
    let domains = model::domains(conn)?
        .into_iter()
        .map(|domain| DomainView {
            items: items
                .iter()
                .filter(|item| item.domain_code == domain.code)
                .map(CatalogItem::entry)
                .collect(),
            code: domain.code,
            name: domain.name,
        })
        .collect();
    Ok(CatalogView {
        year,
        domains,
        target_groups: model::target_groups(conn)?
            .iter()
            .map(model::TargetGroup::view)
            .collect(),
        negative_list: model::negative_list_of_year(conn, year)?
            .iter()
            .map(model::NegativeEntry::view)
            .collect(),
    })
}

/// `POST /api/v1/catalog/items`.
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCatalogItem {
    /// Catalog year, 2000–2100.
    #[validate(range(min = 2000, max = 2100, message = "年度须在 2000 到 2100 之间"))]
    pub year: i32,
    /// 2–16 upper-case letters or digits, unique within the year, e.g. `SA12`.
    #[validate(custom(function = "validate_code"))]
    pub code: String,
    /// Domain code, one of the five domains.
    pub domain: String,
    /// Chinese name, 2–100 characters.
    #[validate(custom(function = "validate_name"))]
    pub name: String,
    /// Description, at most 1000 characters.
    #[validate(length(max = 1000, message = "最多 1000 个字符"))]
    pub description: String,
    /// Target-group codes (may be empty; duplicates are ignored).
    pub target_groups: Vec<String>,
}

fn validate_code(code: &str) -> Result<(), validator::ValidationError> {
    if is_item_code(code) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("code")
            .with_message("须为 2 到 16 个大写字母或数字，如 SA12".into()))
    }
}

fn validate_name(name: &str) -> Result<(), validator::ValidationError> {
    if (2..=100).contains(&name.trim().chars().count()) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("name")
            .with_message("长度须在 2 到 100 个字符之间".into()))
    }
}

/// The field errors of the derive checks, to which the database checks add.
fn derive_errors(result: Result<(), validator::ValidationErrors>) -> FieldErrors {
    match result {
        Ok(()) => FieldErrors::new(),
        Err(errors) => match AppError::from(errors) {
            AppError::Validation(fields) => fields,
            _ => FieldErrors::new(),
        },
    }
}

/// Checks every field of a new item at once (domain and target groups against the database).
pub fn check(conn: &mut AnyConnection, input: &NewCatalogItem) -> AppResult<()> {
    let mut fields = derive_errors(input.validate());
    let mut push = |field: &str, message: String| {
        fields.entry(field.to_owned()).or_default().push(message);
    };
    if model::find_domain(conn, &input.domain)?.is_none() {
        push(
            "domain",
            format!(
                "未知的服务领域 {}，可选：{}",
                input.domain,
                super::DOMAINS
                    .iter()
                    .map(|(code, label)| format!("{code}（{label}）"))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        );
    }
    let known: HashSet<String> = model::target_groups(conn)?
        .into_iter()
        .map(|g| g.code)
        .collect();
    let mut unknown: Vec<&str> = Vec::new();
    for code in &input.target_groups {
        if !known.contains(code) && !unknown.contains(&code.as_str()) {
            unknown.push(code);
        }
    }
    if !unknown.is_empty() {
        push(
            "target_groups",
            format!("未知的服务对象：{}", unknown.join("、")),
        );
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(fields))
    }
}

/// Adds an item to the catalog of its year (checked by the caller with [`check`]), audited in
/// the same transaction. `409 conflict` when the year already has the code.
pub fn create_item(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &NewCatalogItem,
) -> AppResult<CatalogItem> {
    let mut groups: Vec<String> = Vec::new();
    for code in &input.target_groups {
        if !groups.contains(code) {
            groups.push(code.clone());
        }
    }
    write_tx(conn, |conn| {
        if model::find_item(conn, input.year, &input.code)?.is_some() {
            return Err(AppError::Conflict(format!(
                "{} 年度目录中已有编码为 {} 的条目",
                input.year, input.code
            )));
        }
        let row = model::insert_item(
            conn,
            &NewItem {
                year: input.year,
                code: &input.code,
                domain_code: &input.domain,
                name: input.name.trim(),
                description: input.description.trim(),
                target_groups: &groups,
                created_at: actor.at,
            },
        )?;
        audit::record(
            conn,
            actor,
            "catalog_item.create",
            "catalog_item",
            &row.id.to_string(),
            None,
            Some(&json!(row.view())),
        )?;
        Ok(row)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_codes() {
        for good in ["SA01", "EC12", "X1", "ABCDEFGHIJKLMNOP"] {
            assert!(is_item_code(good), "{good}");
        }
        for bad in [
            "",
            "S",
            "sa01",
            "SA-01",
            "SA 01",
            "ABCDEFGHIJKLMNOPQ",
            "ＳＡ01",
        ] {
            assert!(!is_item_code(bad), "{bad}");
        }
    }

    #[test]
    fn derive_checks_name_each_field() {
        let input = NewCatalogItem {
            year: 1999,
            code: "sa-1".to_owned(),
            domain: "elderly_care".to_owned(),
            name: " x ".to_owned(),
            description: "说明".repeat(501),
            target_groups: vec![],
        };
        let fields = derive_errors(input.validate());
        let names: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(names, ["code", "description", "name", "year"]);
    }
}
