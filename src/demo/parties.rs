//! Demo purchasers, contractors (every kind of status, one barred by a violation) and the
//! three-tier stations, with coverage resembling published figures (吴江 ≈ 91%, 马尾 75%,
//! 郧西 ≈ 78%, 红河 100%).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::Decimal;

use super::DEMO_PASSWORD;
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::config::Settings;
use crate::contractors::input::{AccountFields, CertifiedCounts, ContractorFields};
use crate::contractors::service::{self as contractors, ReviewRequest, ViolationRequest};
use crate::db::AnyConnection;
use crate::db::schema::{contractors as contractor_table, purchasers as purchaser_table, stations};
use crate::domain::ids::uscc_check_character;
use crate::error::{AppError, AppResult};
use crate::purchasers::service::{self as purchasers, NewPurchaser};
use crate::stations::model::{NewStation, Tier};

/// A USCC from 17 characters, completed with its check character.
fn uscc(first17: &str) -> AppResult<String> {
    uscc_check_character(first17)
        .map(|c| format!("{first17}{c}"))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad demo code {first17}")))
}

/// (name, kind, region, code prefix)
const PURCHASERS: &[(&str, &str, &str, &str)] = &[
    (
        "宁夏回族自治区民政厅",
        "government_department",
        "640000",
        "11640000MB1528",
    ),
    (
        "银川市兴庆区民政局",
        "government_department",
        "640104",
        "11640104MB1741",
    ),
    (
        "苏州市吴江区民政局",
        "government_department",
        "320509",
        "11320584MB0263",
    ),
    (
        "福州市民政局",
        "government_department",
        "350100",
        "11350100MB0312",
    ),
    (
        "十堰市郧西县民政局",
        "government_department",
        "420322",
        "11420322MB1880",
    ),
    (
        "银川市兴庆区社会福利院",
        "public_institution_class1",
        "640104",
        "12640104MB1952",
    ),
];

/// Creates the demo purchasers that are missing; returns the id of each, in order.
pub fn purchasers(conn: &mut AnyConnection, actor: &Actor) -> AppResult<Vec<i64>> {
    let mut ids = Vec::new();
    for (i, (name, kind, region, prefix)) in PURCHASERS.iter().enumerate() {
        let code = uscc(&format!("{prefix}{:03}", i + 1))?;
        let existing: Option<i64> = purchaser_table::table
            .filter(purchaser_table::uscc.eq(&code))
            .select(purchaser_table::id)
            .first(conn)
            .optional()?;
        let id = match existing {
            Some(id) => id,
            None => {
                purchasers::create(
                    conn,
                    actor,
                    &NewPurchaser {
                        name: (*name).to_owned(),
                        uscc: code,
                        kind: (*kind).to_owned(),
                        region_code: (*region).to_owned(),
                        contact_name: "综合科".to_owned(),
                        contact_phone: "0951-5012345".to_owned(),
                        email: format!("purchaser{}@demo.sixnorms.local", i + 1),
                    },
                )?
                .id
            }
        };
        ids.push(id);
    }
    Ok(ids)
}

/// What becomes of a demo contractor after registration.
#[derive(Clone, Copy)]
enum Fate {
    Qualified,
    Pending,
    Rejected,
    /// Qualified, then a major violation and suspension.
    Barred,
}

struct DemoContractor {
    username: &'static str,
    name: &'static str,
    kind: &'static str,
    code: &'static str,
    region: &'static str,
    established: (i32, u32, u32),
    domains: &'static [&'static str],
    staff: i32,
    certified: (i32, i32, i32),
    fate: Fate,
}

const CONTRACTORS: &[DemoContractor] = &[
    DemoContractor {
        username: "contractor",
        name: "银川市仁爱社会工作服务中心",
        kind: "social_organization",
        code: "52640104MJ0137211",
        region: "640104",
        established: (2015, 4, 18),
        domains: &["social_assistance", "elderly_care", "child_welfare"],
        staff: 26,
        certified: (9, 5, 1),
        fate: Fate::Qualified,
    },
    DemoContractor {
        username: "tongxin",
        name: "宁夏同心社会工作服务中心",
        kind: "social_organization",
        code: "52640105MJ0240982",
        region: "640105",
        established: (2017, 9, 2),
        domains: &["social_assistance", "social_affairs"],
        staff: 18,
        certified: (6, 3, 0),
        fate: Fate::Qualified,
    },
    DemoContractor {
        username: "yangguang",
        name: "银川市兴庆区阳光社会工作事务所",
        kind: "social_organization",
        code: "52640104MJ0318873",
        region: "640104",
        established: (2021, 3, 10),
        domains: &["child_welfare", "charity_volunteer"],
        staff: 9,
        certified: (4, 1, 0),
        fate: Fate::Qualified,
    },
    DemoContractor {
        username: "yijia",
        name: "苏州市吴江区益家社会工作服务社",
        kind: "social_organization",
        code: "52320509MJ6101234",
        region: "320509",
        established: (2014, 6, 20),
        domains: &["social_assistance", "elderly_care", "social_affairs"],
        staff: 42,
        certified: (15, 9, 2),
        fate: Fate::Qualified,
    },
    DemoContractor {
        username: "rongxin",
        name: "福州市马尾区榕馨社会工作服务中心",
        kind: "social_organization",
        code: "52350105MJ5302468",
        region: "350105",
        established: (2019, 11, 8),
        domains: &["elderly_care", "child_welfare"],
        staff: 15,
        certified: (5, 2, 0),
        fate: Fate::Qualified,
    },
    DemoContractor {
        username: "hanshui",
        name: "郧西县汉水社会工作服务中心",
        kind: "social_organization",
        code: "52420322MJ1505791",
        region: "420322",
        established: (2020, 5, 16),
        domains: &["social_assistance", "child_welfare"],
        staff: 11,
        certified: (4, 1, 0),
        fate: Fate::Qualified,
    },
    DemoContractor {
        username: "caiyun",
        name: "蒙自市彩云社会工作服务中心",
        kind: "social_organization",
        code: "52532503MJ0707135",
        region: "532503",
        established: (2018, 8, 1),
        domains: &["social_assistance", "social_affairs"],
        staff: 14,
        certified: (5, 2, 1),
        fate: Fate::Qualified,
    },
    DemoContractor {
        username: "kangning",
        name: "宁夏康宁养老服务有限公司",
        kind: "enterprise",
        code: "91640106MA7602580",
        region: "640106",
        established: (2016, 2, 29),
        domains: &["elderly_care"],
        staff: 64,
        certified: (8, 3, 0),
        fate: Fate::Qualified,
    },
    DemoContractor {
        username: "qiangjiamiao",
        name: "兴庆区掌政镇强家庙村股份经济合作社",
        kind: "rural_collective",
        code: "N2640104MF0508826",
        region: "640104",
        established: (2020, 12, 1),
        domains: &["elderly_care"],
        staff: 5,
        certified: (1, 0, 0),
        fate: Fate::Pending,
    },
    DemoContractor {
        username: "xinqidian",
        name: "银川市新起点青少年服务中心",
        kind: "social_organization",
        code: "52640104MJ0920336",
        region: "640104",
        established: (2024, 7, 1),
        domains: &["child_welfare"],
        staff: 3,
        certified: (1, 0, 0),
        fate: Fate::Rejected,
    },
    DemoContractor {
        username: "dexin",
        name: "宁夏德信社会工作服务中心",
        kind: "social_organization",
        code: "52640105MJ1133445",
        region: "640105",
        established: (2016, 10, 12),
        domains: &["social_assistance"],
        staff: 20,
        certified: (6, 2, 0),
        fate: Fate::Barred,
    },
];

/// An individual contractor (ID number masked in public).
const INDIVIDUAL: (&str, &str, &str) = ("zhangxiaomei", "张晓梅", "64010419850612004");

fn fields(c: &DemoContractor) -> AppResult<ContractorFields> {
    let (y, m, d) = c.established;
    Ok(ContractorFields {
        name: c.name.to_owned(),
        kind: c.kind.to_owned(),
        uscc: Some(uscc(c.code)?),
        id_number: None,
        established_on: NaiveDate::from_ymd_opt(y, m, d)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad demo date")))?,
        region_code: c.region.to_owned(),
        business_scope:
            "社会工作服务；社区服务；心理咨询与疏导；社会救助与慈善服务；志愿服务组织与培训"
                .to_owned(),
        service_domains: c.domains.iter().map(|d| (*d).to_owned()).collect(),
        full_time_staff: c.staff,
        certified_social_workers: CertifiedCounts {
            assistant: c.certified.0,
            intermediate: c.certified.1,
            senior: c.certified.2,
        },
        has_financial_system: true,
        has_tax_social_security_record: true,
        declares_no_major_violation: true,
        is_small_micro: c.kind != "enterprise",
        contact_name: "办公室".to_owned(),
        contact_phone: "13909510000".to_owned(),
        email: format!("{}@demo.sixnorms.local", c.username),
    })
}

/// Creates the demo contractors that are missing; returns (username, contractor id) pairs.
pub fn contractors(
    conn: &mut AnyConnection,
    settings: &Settings,
    now: NaiveDateTime,
    today: NaiveDate,
    admin: &CurrentUser,
) -> AppResult<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for c in CONTRACTORS {
        let fields = fields(c)?;
        let existing: Option<i64> = contractor_table::table
            .filter(contractor_table::uscc.eq(fields.uscc.as_deref()))
            .select(contractor_table::id)
            .first(conn)
            .optional()?;
        if let Some(id) = existing {
            out.push((c.username.to_owned(), id));
            continue;
        }
        let (row, _) = contractors::register(
            conn,
            now,
            today,
            &settings.auth,
            &fields,
            &AccountFields {
                username: c.username.to_owned(),
                password: DEMO_PASSWORD.to_owned(),
                email: format!("{}@demo.sixnorms.local", c.username),
            },
        )?;
        let review = |decision: &str, reason: &str| ReviewRequest {
            decision: decision.to_owned(),
            reason: reason.to_owned(),
        };
        let q = &settings.qualification;
        match c.fate {
            Fate::Pending => {}
            Fate::Qualified => {
                contractors::review(
                    conn,
                    admin,
                    now,
                    today,
                    q,
                    row.id,
                    &review("approve", "登记材料齐全，资格条件均满足"),
                )?;
            }
            Fate::Rejected => {
                contractors::review(
                    conn,
                    admin,
                    now,
                    today,
                    q,
                    row.id,
                    &review("reject", "持证社会工作者不足，机构成立不满一年，暂不认定"),
                )?;
            }
            Fate::Barred => {
                contractors::review(
                    conn,
                    admin,
                    now,
                    today,
                    q,
                    row.id,
                    &review("approve", "登记材料齐全"),
                )?;
                contractors::add_violation(
                    conn,
                    admin,
                    now,
                    today,
                    row.id,
                    &ViolationRequest {
                        occurred_on: today - chrono::Duration::days(200),
                        kind: "fine".to_owned(),
                        description: "虚报服务人次骗取财政补助资金，被处以罚款".to_owned(),
                        fine_amount: Some(Decimal::new(250_000_000, 2)),
                    },
                )?;
                contractors::review(
                    conn,
                    admin,
                    now,
                    today,
                    q,
                    row.id,
                    &review("suspend", "存在重大违法记录，三年内不得参加政府采购"),
                )?;
            }
        }
        out.push((c.username.to_owned(), row.id));
    }
    let (username, name, first17) = INDIVIDUAL;
    let id_number = complete_resident_id(first17)?;
    let existing: Option<i64> = contractor_table::table
        .filter(contractor_table::id_number.eq(&id_number))
        .select(contractor_table::id)
        .first(conn)
        .optional()?;
    if existing.is_none() {
        let mut f = fields(&CONTRACTORS[0])?;
        f.name = name.to_owned();
        f.kind = "individual".to_owned();
        f.uscc = None;
        f.id_number = Some(id_number);
        f.established_on = NaiveDate::from_ymd_opt(2022, 1, 10)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad demo date")))?;
        f.service_domains = vec!["social_affairs".to_owned()];
        f.full_time_staff = 1;
        f.certified_social_workers = CertifiedCounts {
            assistant: 0,
            intermediate: 1,
            senior: 0,
        };
        f.email = format!("{username}@demo.sixnorms.local");
        let (row, _) = contractors::register(
            conn,
            now,
            today,
            &settings.auth,
            &f,
            &AccountFields {
                username: username.to_owned(),
                password: DEMO_PASSWORD.to_owned(),
                email: f.email.clone(),
            },
        )?;
        out.push((username.to_owned(), row.id));
    }
    Ok(out)
}

fn complete_resident_id(first17: &str) -> AppResult<String> {
    crate::domain::ids::resident_id_check_character(first17)
        .map(|c| format!("{first17}{c}"))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad demo id {first17}")))
}

/// (county, operator username, township stations that are compliant / not compliant)
const STATION_PLAN: &[(&str, &str, usize, usize)] = &[
    ("640104", "contractor", 13, 2),
    ("320509", "yijia", 10, 1),
    ("350105", "rongxin", 3, 1),
    ("420322", "hanshui", 14, 2),
    ("532503", "caiyun", 13, 0),
    ("532504", "caiyun", 14, 0),
];

/// Creates the stations when none exist yet; returns how many.
pub fn stations(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    operators: &[(String, i64)],
) -> AppResult<usize> {
    let existing: i64 = stations::table.count().get_result(conn)?;
    if existing > 0 {
        return Ok(0);
    }
    let operator = |username: &str| {
        operators
            .iter()
            .find(|(u, _)| u == username)
            .map(|(_, id)| *id)
    };
    let mut created = 0;
    for (county, username, compliant, lacking) in STATION_PLAN {
        let operator_id = operator(username);
        let county_region = crate::regions::find(conn, county)?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("region {county} missing")))?;
        let center_name = format!("{}社会工作指导中心", county_region.name);
        crate::stations::model::insert(
            conn,
            &NewStation {
                tier: Tier::CountyCenter,
                name: &center_name,
                region_code: county,
                operator_contractor_id: operator_id,
                has_venue: true,
                staff_count: 6,
                has_service: true,
                created_at: now,
            },
        )?;
        created += 1;
        let townships = crate::regions::children(conn, Some(county))?;
        for (i, township) in townships.iter().take(compliant + lacking).enumerate() {
            let ok = i < *compliant;
            let name = format!("{}社会工作服务站", township.name);
            crate::stations::model::insert(
                conn,
                &NewStation {
                    tier: Tier::TownshipStation,
                    name: &name,
                    region_code: &township.code,
                    operator_contractor_id: operator_id,
                    has_venue: true,
                    // The ones that fall short have a room but no full-time social worker yet.
                    staff_count: if ok { 2 + (i as i32 % 3) } else { 0 },
                    has_service: ok,
                    created_at: now,
                },
            )?;
            created += 1;
            if ok && i < 2 {
                let room = format!("{}中心社区社会工作室", township.name);
                crate::stations::model::insert(
                    conn,
                    &NewStation {
                        tier: Tier::VillageRoom,
                        name: &room,
                        region_code: &township.code,
                        operator_contractor_id: operator_id,
                        has_venue: true,
                        staff_count: 1,
                        has_service: true,
                        created_at: now,
                    },
                )?;
                created += 1;
            }
        }
    }
    Ok(created)
}

/// A demo account as a request user, for the steps the loader plays through the services.
pub fn user_by_name(conn: &mut AnyConnection, username: &str) -> AppResult<CurrentUser> {
    let row = crate::auth::model::find_by_username(conn, username)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo user {username} missing")))?;
    let role = row
        .role()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo user {username} has no role")))?;
    Ok(CurrentUser {
        id: row.id,
        username: row.username,
        role,
        display_name: row.display_name,
        email: row.email,
        purchaser_id: row.purchaser_id,
        contractor_id: row.contractor_id,
        token_id: 0,
    })
}

/// The admin as a request user, for reviews made by the demo loader.
pub fn admin_user(conn: &mut AnyConnection) -> AppResult<CurrentUser> {
    user_by_name(conn, "admin")
}
