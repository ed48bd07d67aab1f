//! Builders of valid test data: identifier codes with correct check characters, and
//! purchasers, officers and contractors created through the API.

use serde_json::{Value, json};
use sixnorms::auth::Role;

use crate::helpers::{PASSWORD, TestApp, create_user_direct};

const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Completes 17 characters with the GB 32100 check character (computed independently of the
/// code under test).
pub fn uscc_with_check(first17: &str) -> String {
    assert_eq!(first17.len(), 17);
    let sum: u32 = first17
        .chars()
        .zip(USCC_WEIGHTS)
        .map(|(c, w)| USCC_CHARS.find(c).expect("uscc char") as u32 * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    format!(
        "{first17}{}",
        USCC_CHARS.chars().nth(check as usize).expect("check")
    )
}

/// A valid USCC for an organization registered with civil affairs (5 = 民政, 2 = 民非).
pub fn social_org_uscc(n: u32) -> String {
    uscc_with_check(&format!("52640100MJ{n:07}"))
}

/// A valid USCC of a government body (1 = 机关).
pub fn agency_uscc(n: u32) -> String {
    uscc_with_check(&format!("11640100{n:09}"))
}

/// Completes 17 digits with the GB 11643 check character.
pub fn resident_id_with_check(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECKS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = first17
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).expect("digit") * w)
        .sum();
    format!("{first17}{}", CHECKS[(sum % 11) as usize])
}

/// A purchaser created by the admin; returns its id.
pub async fn purchaser(app: &TestApp, name: &str, kind: &str, region: &str, n: u32) -> i64 {
    let reply = app
        .post(
            "/api/v1/purchasers",
            Some(&app.admin_token),
            json!({
                "name": name, "uscc": agency_uscc(n), "kind": kind, "region_code": region,
                "contact_name": "王经办", "contact_phone": "0951-6012345", "email": "mz@example.cn"
            }),
        )
        .await
        .expect(201);
    reply.json()["id"].as_i64().expect("id")
}

/// An officer of a purchaser; returns (user id, token).
pub async fn officer(app: &TestApp, username: &str, purchaser_id: i64) -> (i64, String) {
    let id = create_user_direct(&app.state, username, Role::Officer);
    {
        use diesel::prelude::*;
        use sixnorms::db::schema::users;
        let mut conn = app.conn();
        diesel::update(users::table.find(id))
            .set(users::purchaser_id.eq(Some(purchaser_id)))
            .execute(&mut *conn)
            .expect("link officer");
    }
    (id, app.login(username, PASSWORD).await)
}

/// A complete, sound registration body for an organization.
pub fn registration(n: u32, username: &str, region: &str) -> Value {
    json!({
        "name": format!("银川市第{n}社会工作服务中心"),
        "kind": "social_organization",
        "uscc": social_org_uscc(n),
        "established_on": "2018-05-10",
        "region_code": region,
        "business_scope": "社会工作服务、社区服务、心理疏导、社会救助服务",
        "service_domains": ["social_assistance", "elderly_care"],
        "full_time_staff": 12,
        "certified_social_workers": {"assistant": 4, "intermediate": 2, "senior": 1},
        "has_financial_system": true,
        "has_tax_social_security_record": true,
        "declares_no_major_violation": true,
        "is_small_micro": true,
        "contact_name": "马主任",
        "contact_phone": "13995000000",
        "email": format!("org{n}@example.cn"),
        "account": {"username": username, "password": PASSWORD, "email": format!("{username}@example.cn")}
    })
}

/// Registers an organization; returns (contractor id, its user's token).
pub async fn contractor(app: &TestApp, n: u32, username: &str, region: &str) -> (i64, String) {
    let reply = app
        .post(
            "/api/v1/contractors/register",
            None,
            registration(n, username, region),
        )
        .await
        .expect(201);
    let id = reply.json()["id"].as_i64().expect("id");
    (id, app.login(username, PASSWORD).await)
}

/// Registers and approves (as admin) an organization.
pub async fn qualified_contractor(
    app: &TestApp,
    n: u32,
    username: &str,
    region: &str,
) -> (i64, String) {
    let (id, token) = contractor(app, n, username, region).await;
    app.post(
        &format!("/api/v1/contractors/{id}/review"),
        Some(&app.admin_token),
        json!({"decision": "approve", "reason": "材料齐全，符合条件"}),
    )
    .await
    .expect(200);
    (id, token)
}

#[test]
fn the_known_samples_check_out() {
    assert_eq!(uscc_with_check("91350100M000100Y4"), "91350100M000100Y43");
    assert_eq!(
        resident_id_with_check("11010519491231002"),
        "11010519491231002X"
    );
}
