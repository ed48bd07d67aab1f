//! The shipped catalogs (`config/catalog/<year>.toml`, embedded): parsing, validation and
//! [`sync`], which inserts whatever is missing and never overwrites what is there.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Asia::Shanghai;
use diesel::prelude::*;
use serde::Deserialize;

use super::model::{self, NewItem};
use super::service::is_item_code;
use crate::db::AnyConnection;
use crate::db::schema::{catalog_domains, catalog_items, negative_list, target_groups};

/// The shipped catalog files: (year, TOML text), oldest first.
pub const CATALOG_FILES: &[(i32, &str)] = &[
    (2025, include_str!("../../config/catalog/2025.toml")),
    (2026, include_str!("../../config/catalog/2026.toml")),
];

/// One year's catalog file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    /// Catalog year.
    pub year: i32,
    /// Target groups, the priority groups first.
    pub target_groups: Vec<SeedTargetGroup>,
    /// The five domains, in display order.
    pub domains: Vec<SeedDomain>,
    /// The items of the year.
    pub items: Vec<SeedItem>,
    /// The negative list of the year.
    pub negative_list: Vec<SeedNegative>,
}

/// `[[target_groups]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTargetGroup {
    /// snake_case code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// One of the eight priority groups.
    pub priority: bool,
}

/// `[[domains]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedDomain {
    /// One of the five domain codes.
    pub code: String,
    /// Chinese name.
    pub name: String,
}

/// `[[items]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedItem {
    /// Code, e.g. `SA01`.
    pub code: String,
    /// Domain code.
    pub domain: String,
    /// Chinese name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Target-group codes.
    pub target_groups: Vec<String>,
}

/// `[[negative_list]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedNegative {
    /// Code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Why it is refused.
    pub reason: String,
}

/// Parses and validates one catalog file.
pub fn parse(text: &str) -> anyhow::Result<CatalogFile> {
    let file: CatalogFile =
        toml::from_str(text).map_err(|e| anyhow::anyhow!("catalog file: {e}"))?;
    validate(&file)?;
    Ok(file)
}

/// Checks a catalog file: the year, the five domains, unique codes in every section, item
/// codes and names, and that each item's domain and target groups are declared in the file.
/// Every problem is reported at once.
pub fn validate(file: &CatalogFile) -> anyhow::Result<()> {
    let mut problems: Vec<String> = Vec::new();
    if !(2000..=2100).contains(&file.year) {
        problems.push(format!("year {} is outside 2000–2100", file.year));
    }

    let domain_codes = unique_codes(
        "domain",
        file.domains.iter().map(|d| (&d.code, &d.name)),
        &mut problems,
    );
    let expected: HashSet<&str> = super::DOMAINS.iter().map(|(code, _)| *code).collect();
    let declared: HashSet<&str> = domain_codes.iter().map(String::as_str).collect();
    if file.domains.len() != expected.len() || declared != expected {
        let mut codes: Vec<&str> = file.domains.iter().map(|d| d.code.as_str()).collect();
        codes.sort_unstable();
        problems.push(format!(
            "domains must be exactly {}; found {}",
            super::DOMAINS
                .iter()
                .map(|(code, _)| *code)
                .collect::<Vec<_>>()
                .join(", "),
            codes.join(", ")
        ));
    }

    let group_codes = unique_codes(
        "target group",
        file.target_groups.iter().map(|g| (&g.code, &g.name)),
        &mut problems,
    );
    for group in &file.target_groups {
        let snake = !group.code.is_empty()
            && group
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !snake {
            problems.push(format!(
                "target group {:?}: code must be snake_case",
                group.code
            ));
        }
    }
    if let Some(first_plain) = file.target_groups.iter().position(|g| !g.priority)
        && let Some(late) = file.target_groups[first_plain..]
            .iter()
            .find(|g| g.priority)
    {
        problems.push(format!(
            "target group {}: priority groups must come first",
            late.code
        ));
    }

    unique_codes(
        "item",
        file.items.iter().map(|i| (&i.code, &i.name)),
        &mut problems,
    );
    for item in &file.items {
        if !is_item_code(&item.code) {
            problems.push(format!(
                "item {:?}: code must be 2–16 upper-case letters or digits",
                item.code
            ));
        }
        let name_len = item.name.trim().chars().count();
        if !(2..=100).contains(&name_len) {
            problems.push(format!("item {}: name must be 2–100 characters", item.code));
        }
        if !domain_codes.contains(&item.domain) {
            problems.push(format!(
                "item {}: unknown domain {}",
                item.code, item.domain
            ));
        }
        if item.target_groups.is_empty() {
            problems.push(format!("item {}: no target groups", item.code));
        }
        let mut seen = HashSet::new();
        for group in &item.target_groups {
            if !group_codes.contains(group) {
                problems.push(format!("item {}: unknown target group {group}", item.code));
            }
            if !seen.insert(group) {
                problems.push(format!("item {}: target group {group} twice", item.code));
            }
        }
    }

    unique_codes(
        "negative-list entry",
        file.negative_list.iter().map(|n| (&n.code, &n.name)),
        &mut problems,
    );
    for entry in &file.negative_list {
        if entry.reason.trim().is_empty() {
            problems.push(format!("negative-list entry {}: empty reason", entry.code));
        }
    }

    if problems.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("catalog {} is invalid: {}", file.year, problems.join("; "))
    }
}

/// Collects the codes of one section, noting duplicates, empty codes and empty names.
fn unique_codes<'a>(
    what: &str,
    entries: impl Iterator<Item = (&'a String, &'a String)>,
    problems: &mut Vec<String>,
) -> HashSet<String> {
    let mut codes = HashSet::new();
    for (code, name) in entries {
        if code.trim().is_empty() {
            problems.push(format!("{what} with an empty code"));
        }
        if name.trim().is_empty() {
            problems.push(format!("{what} {code}: empty name"));
        }
        if !codes.insert(code.clone()) {
            problems.push(format!("{what} {code}: duplicate code"));
        }
    }
    codes
}

/// Parses every shipped file, checking that each declares the year it is filed under.
pub fn shipped() -> anyhow::Result<Vec<CatalogFile>> {
    CATALOG_FILES
        .iter()
        .map(|(year, text)| {
            let file =
                parse(text).map_err(|e| anyhow::anyhow!("config/catalog/{year}.toml: {e:#}"))?;
            if file.year != *year {
                anyhow::bail!("config/catalog/{year}.toml declares year {}", file.year);
            }
            Ok(file)
        })
        .collect()
}

/// The `created_at` of shipped items: 1 January of their year, 00:00 in Asia/Shanghai (UTC).
/// Fixed, so that loading never depends on when it runs.
pub fn published_at(year: i32) -> anyhow::Result<NaiveDateTime> {
    let midnight = NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| anyhow::anyhow!("bad catalog year {year}"))?;
    Shanghai
        .from_local_datetime(&midnight)
        .single()
        .map(|t| t.naive_utc())
        .ok_or_else(|| anyhow::anyhow!("no single Shanghai midnight for {year}"))
}

/// Inserts what is missing of the shipped catalogs; returns how many rows. Domains and target
/// groups are matched by code (position = order in the first file that declares them), items
/// and negative-list entries by (year, code). Existing rows, including an admin's additions,
/// are never changed. Row by row and without `ON CONFLICT`, so it runs on both backends;
/// callers run it inside a transaction (`reference::sync`).
pub fn sync(conn: &mut AnyConnection) -> anyhow::Result<usize> {
    let files = shipped()?;
    let mut inserted = 0;
    let mut have_domains: HashSet<String> = catalog_domains::table
        .select(catalog_domains::code)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut have_groups: HashSet<String> = target_groups::table
        .select(target_groups::code)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    for file in &files {
        for (index, domain) in file.domains.iter().enumerate() {
            if have_domains.insert(domain.code.clone()) {
                diesel::insert_into(catalog_domains::table)
                    .values((
                        catalog_domains::code.eq(&domain.code),
                        catalog_domains::name.eq(&domain.name),
                        catalog_domains::position.eq(i32::try_from(index + 1)?),
                    ))
                    .execute(conn)?;
                inserted += 1;
            }
        }
        for (index, group) in file.target_groups.iter().enumerate() {
            if have_groups.insert(group.code.clone()) {
                diesel::insert_into(target_groups::table)
                    .values((
                        target_groups::code.eq(&group.code),
                        target_groups::name.eq(&group.name),
                        target_groups::priority.eq(group.priority),
                        target_groups::position.eq(i32::try_from(index + 1)?),
                    ))
                    .execute(conn)?;
                inserted += 1;
            }
        }
        let have_items: HashSet<String> = catalog_items::table
            .filter(catalog_items::year.eq(file.year))
            .select(catalog_items::code)
            .load::<String>(conn)?
            .into_iter()
            .collect();
        let created_at = published_at(file.year)?;
        for item in file.items.iter().filter(|i| !have_items.contains(&i.code)) {
            model::insert_item(
                conn,
                &NewItem {
                    year: file.year,
                    code: &item.code,
                    domain_code: &item.domain,
                    name: item.name.trim(),
                    description: item.description.trim(),
                    target_groups: &item.target_groups,
                    created_at,
                },
            )?;
            inserted += 1;
        }
        let have_negative: HashSet<String> = negative_list::table
            .filter(negative_list::year.eq(file.year))
            .select(negative_list::code)
            .load::<String>(conn)?
            .into_iter()
            .collect();
        for entry in file
            .negative_list
            .iter()
            .filter(|n| !have_negative.contains(&n.code))
        {
            diesel::insert_into(negative_list::table)
                .values((
                    negative_list::year.eq(file.year),
                    negative_list::code.eq(&entry.code),
                    negative_list::name.eq(&entry.name),
                    negative_list::reason.eq(&entry.reason),
                ))
                .execute(conn)?;
            inserted += 1;
        }
    }
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(year: i32) -> CatalogFile {
        shipped()
            .expect("shipped catalogs parse")
            .into_iter()
            .find(|f| f.year == year)
            .expect("year shipped")
    }

    fn codes<T>(items: &[T], code: impl Fn(&T) -> &str) -> Vec<String> {
        items.iter().map(|i| code(i).to_owned()).collect()
    }

    #[test]
    fn shipped_2026_has_five_domains_enough_items_eight_priority_groups_and_a_negative_list() {
        let f = file(2026);
        assert_eq!(
            codes(&f.domains, |d| &d.code),
            super::super::DOMAINS.map(|(c, _)| c.to_owned())
        );
        assert!(f.items.len() >= 30, "{} items", f.items.len());
        let priority: Vec<&str> = f
            .target_groups
            .iter()
            .filter(|g| g.priority)
            .map(|g| g.name.as_str())
            .collect();
        assert_eq!(
            priority,
            [
                "低保对象",
                "城乡特困人员",
                "老年人",
                "孤儿",
                "农村留守儿童",
                "困境儿童",
                "残疾人",
                "精神障碍患者"
            ]
        );
        for domain in &f.domains {
            assert!(
                f.items.iter().any(|i| i.domain == domain.code),
                "domain {} has no items",
                domain.code
            );
        }
        let negative = codes(&f.negative_list, |n| &n.code);
        for code in [
            "not_government_duty",
            "direct_government_duty",
            "goods_or_works",
            "financing",
            "purchaser_staffing",
            "labor_dispatch",
            "public_welfare_posts",
        ] {
            assert!(negative.iter().any(|n| n == code), "{code} missing");
        }
    }

    #[test]
    fn shipped_2025_is_2026_without_the_three_new_items() {
        let (old, new) = (file(2025), file(2026));
        let old_items: HashSet<String> = codes(&old.items, |i| &i.code).into_iter().collect();
        let new_items: HashSet<String> = codes(&new.items, |i| &i.code).into_iter().collect();
        let mut added: Vec<&String> = new_items.difference(&old_items).collect();
        added.sort();
        assert_eq!(added, ["CV06", "CW05", "SF11"]);
        assert!(old_items.is_subset(&new_items));
    }

    #[test]
    fn domains_and_target_groups_agree_across_years() {
        // They are stored once by code, so every year must say the same.
        let files = shipped().expect("parse");
        let first = &files[0];
        for other in &files[1..] {
            let pairs = |f: &CatalogFile| -> Vec<(String, String)> {
                f.domains
                    .iter()
                    .map(|d| (d.code.clone(), d.name.clone()))
                    .collect()
            };
            assert_eq!(pairs(first), pairs(other), "domains of {}", other.year);
            let groups = |f: &CatalogFile| -> Vec<(String, String, bool)> {
                f.target_groups
                    .iter()
                    .map(|g| (g.code.clone(), g.name.clone(), g.priority))
                    .collect()
            };
            assert_eq!(
                groups(first),
                groups(other),
                "target groups of {}",
                other.year
            );
        }
    }

    const SMALL: &str = r#"
year = 2030

[[target_groups]]
code = "elderly"
name = "老年人"
priority = true

[[target_groups]]
code = "residents"
name = "社区居民"
priority = false

[[domains]]
code = "social_assistance"
name = "社会救助"

[[domains]]
code = "elderly_care"
name = "养老服务"

[[domains]]
code = "child_welfare"
name = "儿童福利"

[[domains]]
code = "social_affairs"
name = "社会事务"

[[domains]]
code = "charity_volunteer"
name = "慈善志愿服务"

[[items]]
code = "EC01"
domain = "elderly_care"
name = "居家养老服务"
description = "上门服务。"
target_groups = ["elderly"]

[[negative_list]]
code = "financing"
name = "融资行为"
reason = "第102号令第十条。"
"#;

    fn error_of(text: &str) -> String {
        format!("{:#}", parse(text).expect_err("must be refused"))
    }

    #[test]
    fn a_small_valid_file_parses() {
        let f = parse(SMALL).expect("valid");
        assert_eq!(f.year, 2030);
        assert_eq!(f.items[0].target_groups, ["elderly"]);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = SMALL.replace("priority = false", "priority = false\ncolour = \"red\"");
        assert!(error_of(&text).contains("colour"));
        let text = SMALL.replace("year = 2030", "year = 2030\nedition = 2");
        assert!(error_of(&text).contains("edition"));
    }

    #[test]
    fn duplicate_codes_are_refused() {
        let text = format!(
            "{SMALL}\n[[items]]\ncode = \"EC01\"\ndomain = \"elderly_care\"\nname = \"又一个\"\n\
             description = \"x\"\ntarget_groups = [\"elderly\"]\n"
        );
        assert!(error_of(&text).contains("item EC01: duplicate code"));
        let text = SMALL.replace("code = \"residents\"", "code = \"elderly\"");
        assert!(error_of(&text).contains("target group elderly: duplicate code"));
    }

    #[test]
    fn unknown_domain_and_target_groups_are_refused() {
        let text = SMALL
            .replace("domain = \"elderly_care\"", "domain = \"space\"")
            .replace("[\"elderly\"]", "[\"elderly\", \"martians\"]");
        let error = error_of(&text);
        assert!(error.contains("item EC01: unknown domain space"), "{error}");
        assert!(
            error.contains("item EC01: unknown target group martians"),
            "{error}"
        );
    }

    #[test]
    fn the_five_domains_are_required() {
        let text = SMALL.replace("code = \"charity_volunteer\"", "code = \"sports\"");
        assert!(error_of(&text).contains("domains must be exactly"));
    }

    #[test]
    fn bad_item_codes_and_priority_order_are_refused() {
        let text = SMALL.replace("code = \"EC01\"", "code = \"ec-1\"");
        assert!(error_of(&text).contains("upper-case"));
        let text = SMALL
            .replace("priority = true", "priority = TMP")
            .replace("priority = false", "priority = true")
            .replace("priority = TMP", "priority = false");
        assert!(error_of(&text).contains("priority groups must come first"));
    }

    #[test]
    fn shipped_items_are_dated_new_year_in_shanghai() {
        assert_eq!(
            published_at(2026).expect("date").to_string(),
            "2025-12-31 16:00:00"
        );
    }

    #[test]
    fn sync_fills_in_what_is_missing_and_the_second_run_inserts_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let db =
            crate::db::Db::connect(&url, 1, std::time::Duration::from_secs(5)).expect("connect");
        db.migrate().expect("migrate");
        let mut conn = db.get().expect("conn");
        let files = shipped().expect("parse");
        let expected: usize = 5
            + files[0].target_groups.len()
            + files
                .iter()
                .map(|f| f.items.len() + f.negative_list.len())
                .sum::<usize>();
        assert_eq!(sync(&mut conn).expect("first"), expected);
        assert_eq!(sync(&mut conn).expect("second"), 0);
        // A deleted shipped item comes back; nothing else is touched.
        diesel::delete(
            catalog_items::table
                .filter(catalog_items::year.eq(2026))
                .filter(catalog_items::code.eq("CV06")),
        )
        .execute(&mut *conn)
        .expect("delete");
        assert_eq!(sync(&mut conn).expect("third"), 1);
        let item = model::find_item(&mut conn, 2026, "CV06")
            .expect("query")
            .expect("restored");
        assert_eq!(item.domain_code, "charity_volunteer");
        assert_eq!(
            model::find_item(&mut conn, 2025, "CV06").expect("query"),
            None
        );
        let positions: Vec<(String, i32)> = catalog_domains::table
            .select((catalog_domains::code, catalog_domains::position))
            .order(catalog_domains::position.asc())
            .load(&mut *conn)
            .expect("domains");
        assert_eq!(positions[0], ("social_assistance".to_owned(), 1));
        assert_eq!(positions[4], ("charity_volunteer".to_owned(), 5));
    }
}
