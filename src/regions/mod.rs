//! Administrative regions (GB/T 2260, and 9-digit township codes), loaded as reference data
//! from `config/regions/regions.csv`, with the ancestry queries that scope officers.

pub mod routes;

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::db::AnyConnection;
use crate::db::schema::regions;

/// The shipped region list.
pub const REGIONS_CSV: &str = include_str!("../../config/regions/regions.csv");

/// A `regions` row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Serialize, utoipa::ToSchema)]
pub struct Region {
    /// 6-digit GB/T 2260 code, or 9 digits for a township.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// `province`, `prefecture`, `county` or `township`.
    pub level: String,
    /// The parent's code (none for a province).
    pub parent_code: Option<String>,
}

/// Parses the shipped CSV (`code,name,level,parent_code`).
pub fn parse_csv(text: &str) -> anyhow::Result<Vec<Region>> {
    let mut out = Vec::new();
    for (number, line) in text.lines().enumerate().skip(1) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [code, name, level, parent] = fields[..] else {
            anyhow::bail!("regions.csv line {}: expected 4 fields", number + 1);
        };
        if !matches!(level, "province" | "prefecture" | "county" | "township") {
            anyhow::bail!("regions.csv line {}: bad level {level}", number + 1);
        }
        out.push(Region {
            code: code.to_owned(),
            name: name.to_owned(),
            level: level.to_owned(),
            parent_code: (!parent.is_empty()).then(|| parent.to_owned()),
        });
    }
    Ok(out)
}

/// Inserts the shipped regions that are missing (parents first); returns how many.
pub fn sync(conn: &mut AnyConnection) -> anyhow::Result<usize> {
    let wanted = parse_csv(REGIONS_CSV)?;
    let existing: std::collections::HashSet<String> = regions::table
        .select(regions::code)
        .load(conn)?
        .into_iter()
        .collect();
    let order = |level: &str| match level {
        "province" => 0,
        "prefecture" => 1,
        "county" => 2,
        _ => 3,
    };
    let mut missing: Vec<&Region> = wanted
        .iter()
        .filter(|r| !existing.contains(&r.code))
        .collect();
    missing.sort_by_key(|r| order(&r.level));
    for region in &missing {
        diesel::insert_into(regions::table)
            .values((
                regions::code.eq(&region.code),
                regions::name.eq(&region.name),
                regions::level.eq(&region.level),
                regions::parent_code.eq(region.parent_code.as_deref()),
            ))
            .execute(conn)?;
    }
    Ok(missing.len())
}

/// One region.
pub fn find(conn: &mut AnyConnection, code: &str) -> QueryResult<Option<Region>> {
    regions::table
        .find(code)
        .select(regions::all_columns)
        .first(conn)
        .optional()
}

/// The children of a region (or the provinces when `parent` is None), by code.
pub fn children(conn: &mut AnyConnection, parent: Option<&str>) -> QueryResult<Vec<Region>> {
    let query = regions::table
        .select(regions::all_columns)
        .order(regions::code.asc());
    match parent {
        Some(code) => query.filter(regions::parent_code.eq(code)).load(conn),
        None => query.filter(regions::parent_code.is_null()).load(conn),
    }
}

/// The chain from `code` up to its province, starting with `code` itself.
pub fn ancestry(conn: &mut AnyConnection, code: &str) -> QueryResult<Vec<Region>> {
    let mut chain = Vec::new();
    let mut next = Some(code.to_owned());
    while let Some(current) = next {
        match find(conn, &current)? {
            Some(region) => {
                next = region.parent_code.clone();
                chain.push(region);
            }
            None => break,
        }
        if chain.len() > 8 {
            break;
        }
    }
    Ok(chain)
}

/// Whether `code` is `ancestor` or lies below it.
pub fn is_within(conn: &mut AnyConnection, code: &str, ancestor: &str) -> QueryResult<bool> {
    Ok(ancestry(conn, code)?.iter().any(|r| r.code == ancestor))
}

/// The full name, e.g. "宁夏回族自治区 银川市 兴庆区".
pub fn full_name(conn: &mut AnyConnection, code: &str) -> QueryResult<String> {
    let mut chain = ancestry(conn, code)?;
    chain.reverse();
    Ok(chain
        .into_iter()
        .map(|r| r.name)
        .collect::<Vec<_>>()
        .join(" "))
}

/// Every region below `root` (not `root` itself) with its parent, for aggregation in memory.
pub fn subtree(conn: &mut AnyConnection, root: &str) -> QueryResult<Vec<Region>> {
    let all: Vec<Region> = regions::table.select(regions::all_columns).load(conn)?;
    let mut by_parent: HashMap<Option<String>, Vec<Region>> = HashMap::new();
    for region in all {
        by_parent
            .entry(region.parent_code.clone())
            .or_default()
            .push(region);
    }
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(code) = stack.pop() {
        if let Some(kids) = by_parent.remove(&Some(code)) {
            for kid in kids {
                stack.push(kid.code.clone());
                out.push(kid);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_csv_parses_with_unique_codes_and_known_parents() {
        let regions = parse_csv(REGIONS_CSV).expect("parse");
        let codes: std::collections::HashSet<&str> =
            regions.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes.len(), regions.len(), "duplicate codes");
        for region in &regions {
            if let Some(parent) = &region.parent_code {
                assert!(
                    codes.contains(parent.as_str()),
                    "{} has unknown parent {parent}",
                    region.code
                );
            }
        }
        assert!(codes.contains("640000") && codes.contains("640104"));
    }

    #[test]
    fn bad_lines_are_refused() {
        assert!(parse_csv("code,name,level,parent_code\n640000,宁夏,planet,\n").is_err());
        assert!(parse_csv("code,name,level,parent_code\n640000,宁夏\n").is_err());
    }
}
