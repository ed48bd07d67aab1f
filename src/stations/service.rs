//! Use cases of stations: create and change a station (officers within their purchaser's
//! region, admins anywhere; audited in the same transaction), list and show them, and the
//! coverage statistic.

use diesel::prelude::*;
use serde::{Deserialize, Deserializer};
use serde_json::json;

use super::coverage::{self, Coverage};
use super::model::{self, NewStation, StationRow, StationView, Tier};
use crate::audit::{self, Actor};
use crate::auth::{CurrentUser, Role};
use crate::db::schema::{contractors, purchasers};
use crate::db::{AnyConnection, write_tx};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::regions::{self, Region};

/// The contractor status that may operate a station.
pub const QUALIFIED: &str = "qualified";

/// `POST /api/v1/stations`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStationRequest {
    /// `county_center`, `township_station` or `village_room`.
    #[schema(value_type = Tier)]
    pub tier: String,
    /// 2–100 characters; a village room's name carries its village.
    pub name: String,
    /// A county-level region for a county center, a township-level region (9 digits) for a
    /// township station or a village room.
    pub region_code: String,
    /// A qualified contractor operating the station.
    #[serde(default)]
    pub operator_contractor_id: Option<i64>,
    /// 有场地.
    pub has_venue: bool,
    /// 有人员: number of staff, ≥ 0.
    pub staff_count: i32,
    /// 有服务.
    pub has_service: bool,
}

/// `PATCH /api/v1/stations/{id}`: only the fields given change; `operator_contractor_id:
/// null` removes the operator. Tier and region cannot change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStationRequest {
    /// 2–100 characters.
    pub name: Option<String>,
    /// A qualified contractor, or null for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, nullable)]
    pub operator_contractor_id: Option<Option<i64>>,
    /// 有场地.
    pub has_venue: Option<bool>,
    /// 有人员: number of staff, ≥ 0.
    pub staff_count: Option<i32>,
    /// 有服务.
    pub has_service: Option<bool>,
}

/// Tells a field given as `null` (`Some(None)`) from a missing one (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

impl UpdateStationRequest {
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.operator_contractor_id.is_none()
            && self.has_venue.is_none()
            && self.staff_count.is_none()
            && self.has_service.is_none()
    }
}

/// Collects field errors in Chinese, one list per field.
#[derive(Debug, Default)]
struct Problems(FieldErrors);

impl Problems {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    fn into_result(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}

/// The trimmed name, or a message.
fn check_name(name: &str, problems: &mut Problems) -> String {
    let trimmed = name.trim();
    let length = trimmed.chars().count();
    if !(2..=100).contains(&length) {
        problems.add("name", "名称长度须在 2 到 100 个字符之间");
    }
    trimmed.to_owned()
}

fn check_staff(staff_count: i32, problems: &mut Problems) {
    if staff_count < 0 {
        problems.add("staff_count", "人员数不能为负数");
    }
}

/// An operator must exist and be qualified (资格审查通过).
fn check_operator(
    conn: &mut AnyConnection,
    operator: Option<i64>,
    problems: &mut Problems,
) -> AppResult<()> {
    let Some(id) = operator else {
        return Ok(());
    };
    let found: Option<(String, String)> = contractors::table
        .find(id)
        .select((contractors::name, contractors::status))
        .first(conn)
        .optional()?;
    match found {
        None => problems.add("operator_contractor_id", format!("承接主体 {id} 不存在")),
        Some((name, status)) if status != QUALIFIED => problems.add(
            "operator_contractor_id",
            format!(
                "承接主体“{name}”未通过资格审查（当前状态：{}），不能运营站点",
                status_label(&status)
            ),
        ),
        Some(_) => {}
    }
    Ok(())
}

fn status_label(status: &str) -> &str {
    match status {
        "pending" => "待审查",
        "qualified" => "合格",
        "rejected" => "不合格",
        "suspended" => "已暂停",
        other => other,
    }
}

/// Admins act anywhere; an officer only within its purchaser's region; anyone else never.
fn ensure_scope(conn: &mut AnyConnection, user: &CurrentUser, region_code: &str) -> AppResult<()> {
    match user.role {
        Role::Admin => Ok(()),
        Role::Officer => {
            let Some(purchaser_id) = user.purchaser_id else {
                return Err(AppError::Forbidden(
                    "当前账号未关联采购人，不能管理站点".to_owned(),
                ));
            };
            let home: Option<String> = purchasers::table
                .find(purchaser_id)
                .select(purchasers::region_code)
                .first(conn)
                .optional()?;
            let Some(home) = home else {
                return Err(AppError::Forbidden(
                    "当前账号关联的采购人不存在，不能管理站点".to_owned(),
                ));
            };
            if regions::is_within(conn, region_code, &home)? {
                Ok(())
            } else {
                let home_name = regions::full_name(conn, &home)?;
                Err(AppError::Forbidden(format!(
                    "只能管理本采购人所辖行政区划（{home_name}）内的站点"
                )))
            }
        }
        other => Err(AppError::Forbidden(format!(
            "当前角色（{}）无权管理站点",
            other.label()
        ))),
    }
}

/// Validates a new station: every field problem is reported at once.
fn validate_create(
    conn: &mut AnyConnection,
    request: &CreateStationRequest,
) -> AppResult<(Tier, String, Region)> {
    let mut problems = Problems::default();
    let tier = Tier::parse(&request.tier);
    if tier.is_none() {
        problems.add(
            "tier",
            "站点层级须为 county_center（县级社会工作指导中心）、township_station（乡镇（街道）社工站）或 village_room（村（社区）社工室）",
        );
    }
    let name = check_name(&request.name, &mut problems);
    let region = regions::find(conn, request.region_code.trim())?;
    match (&region, tier) {
        (None, _) => problems.add(
            "region_code",
            format!("行政区划 {} 不存在", request.region_code),
        ),
        (Some(region), Some(tier)) if region.level != tier.region_level() => problems.add(
            "region_code",
            format!(
                "{}须设在{}，{}（{}）不是",
                tier.label(),
                tier.region_level_label(),
                region.name,
                region.code
            ),
        ),
        _ => {}
    }
    check_staff(request.staff_count, &mut problems);
    check_operator(conn, request.operator_contractor_id, &mut problems)?;
    problems.into_result()?;
    match (tier, region) {
        (Some(tier), Some(region)) => Ok((tier, name, region)),
        _ => Err(AppError::internal(anyhow::anyhow!(
            "station validation passed without tier or region"
        ))),
    }
}

/// Creates a station (the caller has checked the role), audited as `station.create`.
pub fn create(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    actor: &Actor,
    request: &CreateStationRequest,
) -> AppResult<StationView> {
    write_tx(conn, |conn| {
        let (tier, name, region) = validate_create(conn, request)?;
        ensure_scope(conn, user, &region.code)?;
        let row = model::insert(
            conn,
            &NewStation {
                tier,
                name: &name,
                region_code: &region.code,
                operator_contractor_id: request.operator_contractor_id,
                has_venue: request.has_venue,
                staff_count: request.staff_count,
                has_service: request.has_service,
                created_at: actor.at,
            },
        )?;
        let view = model::view(conn, &row)?;
        audit::record(
            conn,
            actor,
            "station.create",
            "station",
            &row.id.to_string(),
            None,
            Some(&json!(view)),
        )?;
        Ok(view)
    })
}

/// Changes a station (officer in scope, admin), audited as `station.update` with the views
/// before and after.
pub fn update(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    actor: &Actor,
    id: i64,
    request: &UpdateStationRequest,
) -> AppResult<StationView> {
    write_tx(conn, |conn| {
        let before = model::find(conn, id)?
            .ok_or_else(|| AppError::NotFound(format!("站点 {id} 不存在")))?;
        ensure_scope(conn, user, &before.region_code)?;
        if request.is_empty() {
            return Err(AppError::field("body", "至少提供一个要修改的字段"));
        }
        let mut problems = Problems::default();
        let mut after: StationRow = before.clone();
        if let Some(name) = &request.name {
            after.name = check_name(name, &mut problems);
        }
        if let Some(operator) = request.operator_contractor_id {
            // Keeping the current operator needs no new check (it may have been suspended
            // since; that is shown, not silently dropped).
            if operator != before.operator_contractor_id {
                check_operator(conn, operator, &mut problems)?;
            }
            after.operator_contractor_id = operator;
        }
        if let Some(has_venue) = request.has_venue {
            after.has_venue = has_venue;
        }
        if let Some(staff_count) = request.staff_count {
            check_staff(staff_count, &mut problems);
            after.staff_count = staff_count;
        }
        if let Some(has_service) = request.has_service {
            after.has_service = has_service;
        }
        problems.into_result()?;
        after.updated_at = actor.at;
        let before_view = model::view(conn, &before)?;
        let row = model::update(conn, &after)?;
        let after_view = model::view(conn, &row)?;
        audit::record(
            conn,
            actor,
            "station.update",
            "station",
            &row.id.to_string(),
            Some(&json!(before_view)),
            Some(&json!(after_view)),
        )?;
        Ok(after_view)
    })
}

/// One station.
pub fn get(conn: &mut AnyConnection, id: i64) -> AppResult<StationView> {
    let row =
        model::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("站点 {id} 不存在")))?;
    Ok(model::view(conn, &row)?)
}

/// Parses a `tier` filter.
pub fn parse_tier_filter(tier: Option<&str>) -> AppResult<Option<Tier>> {
    match tier.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(code) => Tier::parse(code).map(Some).ok_or_else(|| {
            AppError::field(
                "tier",
                "站点层级须为 county_center、township_station 或 village_room",
            )
        }),
    }
}

/// Stations in `region_code` and everything below it (all when None), optionally of one
/// tier; returns the page of views and the total.
pub fn list(
    conn: &mut AnyConnection,
    region_code: Option<&str>,
    tier: Option<Tier>,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<StationView>, i64)> {
    let codes = match region_code {
        None => None,
        Some(code) => {
            let root = regions::find(conn, code)?
                .ok_or_else(|| AppError::NotFound(format!("行政区划 {code} 不存在")))?;
            let mut codes: Vec<String> = regions::subtree(conn, &root.code)?
                .into_iter()
                .map(|r| r.code)
                .collect();
            codes.push(root.code);
            Some(codes)
        }
    };
    let (rows, total) = model::list(conn, codes.as_deref(), tier, offset, limit)?;
    Ok((model::views(conn, &rows)?, total))
}

/// The coverage of `region_code` and of each child: the regions come from memory
/// ([`regions::subtree`]), the compliant townships from one query.
pub fn coverage(conn: &mut AnyConnection, region_code: &str) -> AppResult<Coverage> {
    let root = regions::find(conn, region_code)?
        .ok_or_else(|| AppError::NotFound(format!("行政区划 {region_code} 不存在")))?;
    let root_name = regions::full_name(conn, &root.code)?;
    let below = regions::subtree(conn, &root.code)?;
    let townships: Vec<String> = below
        .iter()
        .chain(std::iter::once(&root))
        .filter(|r| r.level == coverage::TOWNSHIP_LEVEL)
        .map(|r| r.code.clone())
        .collect();
    let compliant = model::compliant_townships(conn, &townships)?;
    Ok(coverage::compute(&root, &root_name, &below, &compliant))
}
