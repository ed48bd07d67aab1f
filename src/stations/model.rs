//! Rows, tiers and views of `stations`: the three-tier station system (DOMAIN.md §4).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::AnyConnection;
use crate::db::schema::{contractors, stations};
use crate::regions;

/// The tier of a station: county center → township station → village room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// 县级社会工作指导中心, recorded under a county-level region.
    CountyCenter,
    /// 乡镇（街道）社工站, the service hub, recorded under a township.
    TownshipStation,
    /// 村（社区）社工室, the front line; recorded under its township (the name carries the
    /// village).
    VillageRoom,
}

impl Tier {
    /// All tiers, top down.
    pub const ALL: [Tier; 3] = [Tier::CountyCenter, Tier::TownshipStation, Tier::VillageRoom];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::CountyCenter => "county_center",
            Tier::TownshipStation => "township_station",
            Tier::VillageRoom => "village_room",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.as_str() == code)
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Tier::CountyCenter => "县级社会工作指导中心",
            Tier::TownshipStation => "乡镇（街道）社工站",
            Tier::VillageRoom => "村（社区）社工室",
        }
    }

    /// The region level (`regions.level`) a station of this tier is recorded under.
    pub fn region_level(self) -> &'static str {
        match self {
            Tier::CountyCenter => "county",
            Tier::TownshipStation | Tier::VillageRoom => "township",
        }
    }

    /// The Chinese name of [`Tier::region_level`], for messages.
    pub fn region_level_label(self) -> &'static str {
        match self {
            Tier::CountyCenter => "县级行政区（区、县、县级市）",
            Tier::TownshipStation | Tier::VillageRoom => "乡级行政区（乡、镇、街道）",
        }
    }
}

/// "有场地、有人员、有服务": a venue, at least one staff member, and services delivered.
pub fn is_compliant(has_venue: bool, staff_count: i32, has_service: bool) -> bool {
    has_venue && staff_count > 0 && has_service
}

/// A `stations` row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct StationRow {
    /// Id.
    pub id: i64,
    /// Tier code (see [`Tier`]).
    pub tier: String,
    /// Name, e.g. 掌政镇社会工作服务站.
    pub name: String,
    /// The region it serves.
    pub region_code: String,
    /// The contractor operating it.
    pub operator_contractor_id: Option<i64>,
    /// 有场地.
    pub has_venue: bool,
    /// 有人员: number of staff.
    pub staff_count: i32,
    /// 有服务.
    pub has_service: bool,
    /// Creation time (UTC).
    pub created_at: NaiveDateTime,
    /// Last change (UTC).
    pub updated_at: NaiveDateTime,
}

impl StationRow {
    /// Whether the station meets "有场地、有人员、有服务".
    pub fn is_compliant(&self) -> bool {
        is_compliant(self.has_venue, self.staff_count, self.has_service)
    }
}

/// What the API shows of a station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StationView {
    /// Id.
    pub id: i64,
    /// Tier code.
    pub tier: String,
    /// Chinese label of the tier.
    pub tier_label: String,
    /// Name.
    pub name: String,
    /// Region code.
    pub region_code: String,
    /// Full region name, e.g. "宁夏回族自治区 银川市 兴庆区 掌政镇".
    pub region_name: String,
    /// Operating contractor.
    pub operator_contractor_id: Option<i64>,
    /// Its name.
    pub operator_name: Option<String>,
    /// 有场地.
    pub has_venue: bool,
    /// 有人员: number of staff.
    pub staff_count: i32,
    /// 有服务.
    pub has_service: bool,
    /// `has_venue && staff_count > 0 && has_service`.
    pub compliant: bool,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
}

/// Full region names looked up once per code (and per ancestor) for one request.
#[derive(Debug, Default)]
pub struct RegionNames {
    known: HashMap<String, String>,
}

impl RegionNames {
    /// The full name of `code` ("省 市 县 乡"); an unknown code yields the code itself.
    pub fn full_name(&mut self, conn: &mut AnyConnection, code: &str) -> QueryResult<String> {
        self.lookup(conn, code, 0)
    }

    fn lookup(
        &mut self,
        conn: &mut AnyConnection,
        code: &str,
        depth: usize,
    ) -> QueryResult<String> {
        if let Some(name) = self.known.get(code) {
            return Ok(name.clone());
        }
        let name = match regions::find(conn, code)? {
            None => code.to_owned(),
            Some(region) => match region.parent_code.as_deref() {
                Some(parent) if depth < 8 => {
                    let above = self.lookup(conn, parent, depth + 1)?;
                    format!("{above} {}", region.name)
                }
                _ => region.name,
            },
        };
        self.known.insert(code.to_owned(), name.clone());
        Ok(name)
    }
}

/// Builds the views of `rows` with a bounded number of queries: one for the operators' names,
/// and one per distinct region (and ancestor) not yet named.
pub fn views(conn: &mut AnyConnection, rows: &[StationRow]) -> QueryResult<Vec<StationView>> {
    let operator_ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.operator_contractor_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let operators: HashMap<i64, String> = if operator_ids.is_empty() {
        HashMap::new()
    } else {
        contractors::table
            .filter(contractors::id.eq_any(&operator_ids))
            .select((contractors::id, contractors::name))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect()
    };
    let mut names = RegionNames::default();
    rows.iter()
        .map(|row| {
            let tier = Tier::parse(&row.tier);
            Ok(StationView {
                id: row.id,
                tier: row.tier.clone(),
                tier_label: tier.map(Tier::label).unwrap_or_default().to_owned(),
                name: row.name.clone(),
                region_code: row.region_code.clone(),
                region_name: names.full_name(conn, &row.region_code)?,
                operator_contractor_id: row.operator_contractor_id,
                operator_name: row
                    .operator_contractor_id
                    .and_then(|id| operators.get(&id).cloned()),
                has_venue: row.has_venue,
                staff_count: row.staff_count,
                has_service: row.has_service,
                compliant: row.is_compliant(),
                created_at: crate::clock::rfc3339(row.created_at),
                updated_at: crate::clock::rfc3339(row.updated_at),
            })
        })
        .collect()
}

/// The view of one row.
pub fn view(conn: &mut AnyConnection, row: &StationRow) -> QueryResult<StationView> {
    let mut list = views(conn, std::slice::from_ref(row))?;
    list.pop().ok_or(diesel::result::Error::NotFound)
}

/// Finds a station by id.
pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<StationRow>> {
    stations::table
        .find(id)
        .select(stations::all_columns)
        .first::<StationRow>(conn)
        .optional()
}

/// The values of a new station (already validated).
#[derive(Debug, Clone)]
pub struct NewStation<'a> {
    /// Tier.
    pub tier: Tier,
    /// Name.
    pub name: &'a str,
    /// Region code.
    pub region_code: &'a str,
    /// Operating contractor.
    pub operator_contractor_id: Option<i64>,
    /// 有场地.
    pub has_venue: bool,
    /// Staff.
    pub staff_count: i32,
    /// 有服务.
    pub has_service: bool,
    /// Creation time.
    pub created_at: NaiveDateTime,
}

/// Inserts a station and returns the row.
pub fn insert(conn: &mut AnyConnection, new: &NewStation<'_>) -> QueryResult<StationRow> {
    diesel::insert_into(stations::table)
        .values((
            stations::tier.eq(new.tier.as_str()),
            stations::name.eq(new.name),
            stations::region_code.eq(new.region_code),
            stations::operator_contractor_id.eq(new.operator_contractor_id),
            stations::has_venue.eq(new.has_venue),
            stations::staff_count.eq(new.staff_count),
            stations::has_service.eq(new.has_service),
            stations::created_at.eq(new.created_at),
            stations::updated_at.eq(new.created_at),
        ))
        .returning(stations::all_columns)
        .get_result::<StationRow>(conn)
}

/// Writes the changeable columns of `row` (name, operator, the three standards, updated_at).
pub fn update(conn: &mut AnyConnection, row: &StationRow) -> QueryResult<StationRow> {
    diesel::update(stations::table.find(row.id))
        .set((
            stations::name.eq(&row.name),
            stations::operator_contractor_id.eq(row.operator_contractor_id),
            stations::has_venue.eq(row.has_venue),
            stations::staff_count.eq(row.staff_count),
            stations::has_service.eq(row.has_service),
            stations::updated_at.eq(row.updated_at),
        ))
        .returning(stations::all_columns)
        .get_result::<StationRow>(conn)
}

/// Stations whose region is one of `region_codes` (all when None) and of `tier` (all when
/// None), ordered by region then id; returns the page and the total.
pub fn list(
    conn: &mut AnyConnection,
    region_codes: Option<&[String]>,
    tier: Option<Tier>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<StationRow>, i64)> {
    let filtered = || {
        let mut query = stations::table.into_boxed();
        if let Some(codes) = region_codes {
            query = query.filter(stations::region_code.eq_any(codes.to_vec()));
        }
        if let Some(tier) = tier {
            query = query.filter(stations::tier.eq(tier.as_str()));
        }
        query
    };
    let total = filtered().count().get_result::<i64>(conn)?;
    let rows = filtered()
        .order((stations::region_code.asc(), stations::id.asc()))
        .offset(offset)
        .limit(limit)
        .select(stations::all_columns)
        .load::<StationRow>(conn)?;
    Ok((rows, total))
}

/// The distinct township codes among `townships` that have at least one compliant
/// `township_station` — one query.
pub fn compliant_townships(
    conn: &mut AnyConnection,
    townships: &[String],
) -> QueryResult<HashSet<String>> {
    if townships.is_empty() {
        return Ok(HashSet::new());
    }
    let codes: Vec<String> = stations::table
        .filter(stations::tier.eq(Tier::TownshipStation.as_str()))
        .filter(stations::has_venue.eq(true))
        .filter(stations::staff_count.gt(0))
        .filter(stations::has_service.eq(true))
        .filter(stations::region_code.eq_any(townships))
        .select(stations::region_code)
        .distinct()
        .load(conn)?;
    Ok(codes.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_round_trip_and_fit_their_levels() {
        for tier in Tier::ALL {
            assert_eq!(Tier::parse(tier.as_str()), Some(tier));
            assert!(!tier.label().is_empty());
        }
        assert_eq!(Tier::parse("province_hub"), None);
        assert_eq!(Tier::CountyCenter.region_level(), "county");
        assert_eq!(Tier::TownshipStation.region_level(), "township");
        assert_eq!(Tier::VillageRoom.region_level(), "township");
        assert_eq!(Tier::TownshipStation.label(), "乡镇（街道）社工站");
    }

    #[test]
    fn compliance_needs_venue_staff_and_service() {
        assert!(is_compliant(true, 1, true));
        assert!(!is_compliant(false, 3, true));
        assert!(!is_compliant(true, 0, true));
        assert!(!is_compliant(true, 3, false));
    }
}
