//! Purchasers: eligibility by kind, USCC validation, admin-only creation, public reading.

use serde_json::json;
use sixnorms::auth::Role;

use crate::factories::{agency_uscc, purchaser};
use crate::helpers::spawn_app;

fn body(uscc: &str, kind: &str) -> serde_json::Value {
    json!({
        "name": "银川市兴庆区民政局", "uscc": uscc, "kind": kind, "region_code": "640104",
        "contact_name": "王经办", "contact_phone": "0951-6012345", "email": "xq@example.cn"
    })
}

#[tokio::test]
async fn eligibility_follows_the_kind() {
    let app = spawn_app().await;
    let eligible = [
        "government",
        "government_department",
        "party_or_cppcc_organ",
        "administrative_institution",
        "mass_org_admin",
    ];
    for (i, kind) in eligible.iter().enumerate() {
        let reply = app
            .post(
                "/api/v1/purchasers",
                Some(&app.admin_token),
                body(&agency_uscc(i as u32 + 1), kind),
            )
            .await
            .expect(201)
            .json();
        assert_eq!(
            reply["eligibility"],
            json!({"eligible": true, "reasons": []}),
            "{kind}"
        );
    }
    for (i, (kind, words)) in [
        ("public_institution_class1", "公益一类事业单位"),
        ("mass_org_institutional", "群团组织"),
    ]
    .iter()
    .enumerate()
    {
        let reply = app
            .post(
                "/api/v1/purchasers",
                Some(&app.admin_token),
                body(&agency_uscc(i as u32 + 50), kind),
            )
            .await
            .expect(201)
            .json();
        assert_eq!(reply["eligibility"]["eligible"], false, "{kind}");
        let reason = reply["eligibility"]["reasons"][0].as_str().expect("reason");
        assert!(reason.contains(words), "{reason}");
    }
    // Everyone may read purchasers, without logging in.
    let list = app
        .get("/api/v1/purchasers?per_page=100", None)
        .await
        .expect(200)
        .json();
    assert_eq!(list["total"], 7);
    let first = list["items"][0]["id"].as_i64().expect("id");
    let one = app
        .get(&format!("/api/v1/purchasers/{first}"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(one["region_name"], "宁夏回族自治区 银川市 兴庆区");
    assert_eq!(one["kind_label"], "各级人民政府");
    app.get("/api/v1/purchasers/99999", None).await.expect(404);
}

#[tokio::test]
async fn bad_codes_are_named_and_change_nothing() {
    let app = spawn_app().await;
    let good = agency_uscc(7);
    let mut wrong_check = good.clone();
    let last = wrong_check.pop().expect("char");
    wrong_check.push(if last == '0' { '1' } else { '0' });
    let tables = ["purchasers", "audit_log"];
    let before = app.counts(&tables);
    let mut cases: Vec<(String, &str)> = vec![
        (wrong_check, "校验位"),
        (good[..17].to_owned(), "长度"),
        (format!("{good}0"), "长度"),
        (String::new(), "长度"),
    ];
    for letter in ['I', 'O', 'Z', 'S', 'V'] {
        let mut code: Vec<char> = good.chars().collect();
        code[10] = letter;
        cases.push((code.into_iter().collect(), "不允许"));
    }
    for (code, words) in cases {
        let reply = app
            .post(
                "/api/v1/purchasers",
                Some(&app.admin_token),
                body(&code, "government_department"),
            )
            .await
            .expect(422);
        let message = reply.json()["error"]["details"]["fields"]["uscc"][0]
            .as_str()
            .unwrap_or("")
            .to_owned();
        assert!(message.contains(words), "{code}: {message}");
    }
    let reply = app
        .post(
            "/api/v1/purchasers",
            Some(&app.admin_token),
            json!({
                "name": "x", "uscc": good, "kind": "ministry", "region_code": "999999",
                "contact_name": "", "contact_phone": "abc", "email": "nope"
            }),
        )
        .await
        .expect(422);
    let fields = reply.json()["error"]["details"]["fields"].clone();
    for field in [
        "name",
        "kind",
        "region_code",
        "contact_name",
        "contact_phone",
        "email",
    ] {
        assert!(fields[field].is_array(), "{field}: {fields}");
    }
    assert_eq!(app.counts(&tables), before);
}

#[tokio::test]
async fn only_admin_registers_purchasers_and_codes_are_unique() {
    let app = spawn_app().await;
    let (_, officer) = app.user_with_token("someone", Role::Evaluator).await;
    app.post(
        "/api/v1/purchasers",
        Some(&officer),
        body(&agency_uscc(1), "government"),
    )
    .await
    .expect(403);
    app.post(
        "/api/v1/purchasers",
        None,
        body(&agency_uscc(1), "government"),
    )
    .await
    .expect(401);
    purchaser(
        &app,
        "银川市兴庆区民政局",
        "government_department",
        "640104",
        1,
    )
    .await;
    let before = app.counts(&["purchasers", "audit_log"]);
    let dup = app
        .post(
            "/api/v1/purchasers",
            Some(&app.admin_token),
            body(&agency_uscc(1), "government"),
        )
        .await
        .expect(409);
    assert_eq!(dup.code(), "conflict");
    assert_eq!(app.counts(&["purchasers", "audit_log"]), before);
}
