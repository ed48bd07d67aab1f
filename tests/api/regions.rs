//! Regions: provinces, the Ningxia counties, the named places with their real codes, and
//! township codes under their county.

use crate::helpers::spawn_app;

#[tokio::test]
async fn provinces_and_children_by_code() {
    let app = spawn_app().await;
    let provinces = app.get("/api/v1/regions", None).await.expect(200).json();
    let provinces = provinces.as_array().expect("array");
    assert_eq!(provinces.len(), 34);
    assert!(
        provinces
            .iter()
            .any(|p| p["code"] == "640000" && p["name"] == "宁夏回族自治区")
    );
    let ningxia = app
        .get("/api/v1/regions?parent_code=640000", None)
        .await
        .expect(200)
        .json();
    let cities: Vec<&str> = ningxia
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert_eq!(
        cities,
        vec!["640100", "640200", "640300", "640400", "640500"]
    );
    let mut counties = 0;
    for city in &cities {
        let list = app
            .get(&format!("/api/v1/regions?parent_code={city}"), None)
            .await
            .expect(200)
            .json();
        counties += list.as_array().expect("array").len();
    }
    assert_eq!(counties, 22, "every county of Ningxia");
    for (code, name, parent) in [
        ("320509", "吴江区", "320500"),
        ("320585", "太仓市", "320500"),
        ("320581", "常熟市", "320500"),
        ("320507", "相城区", "320500"),
        ("500110", "綦江区", "500000"),
        ("420322", "郧西县", "420300"),
        ("532500", "红河哈尼族彝族自治州", "530000"),
        ("330481", "海宁市", "330400"),
        ("310113", "宝山区", "310000"),
        ("350105", "马尾区", "350100"),
    ] {
        let siblings = app
            .get(&format!("/api/v1/regions?parent_code={parent}"), None)
            .await
            .expect(200)
            .json();
        let found = siblings
            .as_array()
            .expect("array")
            .iter()
            .find(|r| r["code"] == code)
            .unwrap_or_else(|| panic!("{code} not under {parent}"))
            .clone();
        assert_eq!(found["name"], name);
    }
    let townships = app
        .get("/api/v1/regions?parent_code=640104", None)
        .await
        .expect(200)
        .json();
    let townships = townships.as_array().expect("array");
    assert!(townships.len() >= 15);
    for t in townships {
        let code = t["code"].as_str().expect("code");
        assert!(code.len() == 9 && code.starts_with("640104"), "{code}");
        assert_eq!(t["level"], "township");
    }
    let missing = app
        .get("/api/v1/regions?parent_code=999999", None)
        .await
        .expect(404);
    assert_eq!(missing.code(), "not_found");
}
