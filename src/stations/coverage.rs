//! The coverage statistic, computed in memory without I/O: for a region and each of its
//! children, how many township-level regions lie in the subtree and how many of those have
//! at least one compliant township station (DOMAIN.md §4: coverage rate = townships with a
//! compliant station ÷ townships).

use std::collections::{HashMap, HashSet};

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::regions::Region;

/// The `regions.level` of a township (乡、镇、街道).
pub const TOWNSHIP_LEVEL: &str = "township";

/// Coverage of one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CoverageRow {
    /// Region code.
    pub region_code: String,
    /// Full region name.
    pub region_name: String,
    /// Township-level regions in the subtree (a township counts itself).
    pub townships: i64,
    /// Those with at least one compliant township station.
    pub compliant_townships: i64,
    /// Percentage with two decimals, half-up: `"93.75"`; `"0.00"` without townships.
    pub coverage_rate: String,
    /// The same as a ratio with four decimals, half-up: `"0.9375"`.
    pub coverage_ratio: String,
}

/// Coverage of a region and of each of its children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    /// Region code.
    pub region_code: String,
    /// Full region name.
    pub region_name: String,
    /// Township-level regions in the subtree.
    pub townships: i64,
    /// Those with at least one compliant township station.
    pub compliant_townships: i64,
    /// Percentage with two decimals, e.g. `"75.00"`.
    pub coverage_rate: String,
    /// Ratio with four decimals, e.g. `"0.7500"`.
    pub coverage_ratio: String,
    /// The direct children of the region, by code.
    pub children: Vec<CoverageRow>,
}

/// `(rate, ratio)`: `compliant ÷ townships` as a percentage with 2 decimals and as a ratio
/// with 4 decimals, both rounded half-up; zero townships give `(0.00, 0.0000)`.
pub fn rate_and_ratio(compliant: i64, townships: i64) -> (Decimal, Decimal) {
    let fixed = |value: Decimal, places: u32| {
        let mut value =
            value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
        value.rescale(places);
        value
    };
    if townships <= 0 {
        return (fixed(Decimal::ZERO, 2), fixed(Decimal::ZERO, 4));
    }
    let compliant = Decimal::from(compliant);
    let townships = Decimal::from(townships);
    let rate = compliant * Decimal::ONE_HUNDRED / townships;
    let ratio = compliant / townships;
    (fixed(rate, 2), fixed(ratio, 4))
}

fn row(code: &str, name: String, townships: i64, compliant: i64) -> CoverageRow {
    let (rate, ratio) = rate_and_ratio(compliant, townships);
    CoverageRow {
        region_code: code.to_owned(),
        region_name: name,
        townships,
        compliant_townships: compliant,
        coverage_rate: rate.to_string(),
        coverage_ratio: ratio.to_string(),
    }
}

/// Computes the coverage of `root` (named `root_full_name`) from the regions strictly below
/// it (`below`, any order, as [`crate::regions::subtree`] returns them) and the codes of the
/// townships that have a compliant township station. Children are named
/// `"{root_full_name} {child name}"` and listed by code.
pub fn compute(
    root: &Region,
    root_full_name: &str,
    below: &[Region],
    compliant: &HashSet<String>,
) -> Coverage {
    let parent_of: HashMap<&str, &str> = below
        .iter()
        .filter_map(|r| r.parent_code.as_deref().map(|p| (r.code.as_str(), p)))
        .collect();
    // (townships, compliant) per region code, counted by walking each township up to root.
    let mut counts: HashMap<&str, (i64, i64)> = HashMap::new();
    let townships = below
        .iter()
        .chain(std::iter::once(root))
        .filter(|r| r.level == TOWNSHIP_LEVEL);
    for township in townships {
        let hit = i64::from(compliant.contains(&township.code));
        let mut current = Some(township.code.as_str());
        // Regions are at most four levels deep; the bound guards against a cycle.
        for _ in 0..8 {
            let Some(code) = current else { break };
            let entry = counts.entry(code).or_default();
            entry.0 += 1;
            entry.1 += hit;
            if code == root.code {
                break;
            }
            current = parent_of.get(code).copied();
        }
    }
    let mut children: Vec<&Region> = below
        .iter()
        .filter(|r| r.parent_code.as_deref() == Some(root.code.as_str()))
        .collect();
    children.sort_by(|a, b| a.code.cmp(&b.code));
    let children = children
        .into_iter()
        .map(|child| {
            let (townships, hits) = counts.get(child.code.as_str()).copied().unwrap_or_default();
            row(
                &child.code,
                format!("{root_full_name} {}", child.name),
                townships,
                hits,
            )
        })
        .collect();
    let (townships, hits) = counts.get(root.code.as_str()).copied().unwrap_or_default();
    let top = row(&root.code, root_full_name.to_owned(), townships, hits);
    Coverage {
        region_code: top.region_code,
        region_name: top.region_name,
        townships: top.townships,
        compliant_townships: top.compliant_townships,
        coverage_rate: top.coverage_rate,
        coverage_ratio: top.coverage_ratio,
        children,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(code: &str, name: &str, level: &str, parent: Option<&str>) -> Region {
        Region {
            code: code.to_owned(),
            name: name.to_owned(),
            level: level.to_owned(),
            parent_code: parent.map(str::to_owned),
        }
    }

    fn set(codes: &[&str]) -> HashSet<String> {
        codes.iter().map(|c| (*c).to_owned()).collect()
    }

    /// 甲市 with 甲县 (4 townships), 乙县 (2 townships) and 丙县 (none).
    fn tree() -> (Region, Vec<Region>) {
        let root = region("990100", "甲市", "prefecture", Some("990000"));
        let mut below = vec![
            region("990101", "甲县", "county", Some("990100")),
            region("990102", "乙县", "county", Some("990100")),
            region("990103", "丙县", "county", Some("990100")),
        ];
        for n in 1..=4 {
            below.push(region(
                &format!("99010100{n}"),
                &format!("甲{n}镇"),
                "township",
                Some("990101"),
            ));
        }
        for n in 1..=2 {
            below.push(region(
                &format!("99010200{n}"),
                &format!("乙{n}镇"),
                "township",
                Some("990102"),
            ));
        }
        below.reverse();
        (root, below)
    }

    #[test]
    fn rates_are_half_up_with_fixed_places() {
        let text = |c, t| {
            let (rate, ratio) = rate_and_ratio(c, t);
            (rate.to_string(), ratio.to_string())
        };
        assert_eq!(text(3, 4), ("75.00".into(), "0.7500".into()));
        assert_eq!(text(15, 16), ("93.75".into(), "0.9375".into()));
        assert_eq!(text(0, 0), ("0.00".into(), "0.0000".into()));
        assert_eq!(text(0, 5), ("0.00".into(), "0.0000".into()));
        assert_eq!(text(4, 4), ("100.00".into(), "1.0000".into()));
        assert_eq!(text(2, 3), ("66.67".into(), "0.6667".into()));
        assert_eq!(text(1, 3), ("33.33".into(), "0.3333".into()));
        // Exactly half a unit in the last place rounds up (banker's rounding would give
        // 3.12 and 0.0312).
        assert_eq!(text(1, 32), ("3.13".into(), "0.0313".into()));
    }

    #[test]
    fn a_county_counts_its_townships() {
        let (_, all) = tree();
        let county = region("990101", "甲县", "county", Some("990100"));
        let below: Vec<Region> = all
            .into_iter()
            .filter(|r| r.parent_code.as_deref() == Some("990101"))
            .collect();
        let result = compute(
            &county,
            "测试省 甲市 甲县",
            &below,
            &set(&["990101001", "990101002", "990101004", "990102001"]),
        );
        assert_eq!((result.townships, result.compliant_townships), (4, 3));
        assert_eq!(result.coverage_rate, "75.00");
        assert_eq!(result.coverage_ratio, "0.7500");
        let children: Vec<(&str, i64, i64, &str)> = result
            .children
            .iter()
            .map(|c| {
                (
                    c.region_code.as_str(),
                    c.townships,
                    c.compliant_townships,
                    c.coverage_rate.as_str(),
                )
            })
            .collect();
        assert_eq!(
            children,
            vec![
                ("990101001", 1, 1, "100.00"),
                ("990101002", 1, 1, "100.00"),
                ("990101003", 1, 0, "0.00"),
                ("990101004", 1, 1, "100.00"),
            ]
        );
        assert_eq!(result.children[0].region_name, "测试省 甲市 甲县 甲1镇");
    }

    #[test]
    fn a_parent_aggregates_its_counties() {
        let (root, below) = tree();
        let result = compute(
            &root,
            "测试省 甲市",
            &below,
            &set(&["990101001", "990101002", "990101004", "990102002"]),
        );
        assert_eq!((result.townships, result.compliant_townships), (6, 4));
        assert_eq!(result.coverage_rate, "66.67");
        assert_eq!(result.coverage_ratio, "0.6667");
        let children: Vec<(&str, i64, i64, &str)> = result
            .children
            .iter()
            .map(|c| {
                (
                    c.region_code.as_str(),
                    c.townships,
                    c.compliant_townships,
                    c.coverage_rate.as_str(),
                )
            })
            .collect();
        assert_eq!(
            children,
            vec![
                ("990101", 4, 3, "75.00"),
                ("990102", 2, 1, "50.00"),
                ("990103", 0, 0, "0.00"),
            ]
        );
        assert_eq!(result.children[2].coverage_ratio, "0.0000");
    }

    #[test]
    fn a_township_counts_itself_and_has_no_children() {
        let township = region("990101001", "甲1镇", "township", Some("990101"));
        let covered = compute(&township, "甲1镇", &[], &set(&["990101001"]));
        assert_eq!((covered.townships, covered.compliant_townships), (1, 1));
        assert_eq!(covered.coverage_rate, "100.00");
        assert!(covered.children.is_empty());
        let bare = compute(&township, "甲1镇", &[], &set(&[]));
        assert_eq!(bare.coverage_rate, "0.00");
    }

    #[test]
    fn no_townships_is_zero() {
        let county = region("990103", "丙县", "county", Some("990100"));
        let result = compute(&county, "丙县", &[], &set(&["990101001"]));
        assert_eq!((result.townships, result.compliant_townships), (0, 0));
        assert_eq!(result.coverage_rate, "0.00");
        assert_eq!(result.coverage_ratio, "0.0000");
    }
}
