//! Who may purchase and who may contract (DOMAIN §1–§2): the kinds, their Chinese labels,
//! and the reason shown when a kind is never eligible.

use serde::Serialize;

/// Purchaser kinds (财政部令第102号 第6–7条).
pub const PURCHASER_KINDS: &[(&str, &str)] = &[
    ("government", "各级人民政府"),
    ("government_department", "政府部门"),
    ("party_or_cppcc_organ", "党的机关、政协机关、民主党派机关"),
    ("administrative_institution", "承担行政职能的事业单位"),
    ("mass_org_admin", "使用行政编制的群团组织机关"),
    ("public_institution_class1", "公益一类事业单位"),
    (
        "mass_org_institutional",
        "使用事业编制且由财政拨款保障的群团组织",
    ),
];

/// Contractor kinds (DOMAIN §2).
pub const CONTRACTOR_KINDS: &[(&str, &str)] = &[
    ("enterprise", "依法成立的企业"),
    ("social_organization", "社会组织"),
    ("public_institution_class2", "公益二类或生产经营类事业单位"),
    ("rural_collective", "农村集体经济组织"),
    ("grassroots_autonomous", "基层群众性自治组织"),
    ("individual", "具备条件的个人"),
    ("public_institution_class1", "公益一类事业单位"),
    ("mass_org_fiscal", "由财政拨款保障的群团组织"),
];

/// Whether a purchaser may be purchased for: `{eligible, reasons}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Eligibility {
    /// May create projects.
    pub eligible: bool,
    /// Why not (Chinese); empty when eligible.
    pub reasons: Vec<String>,
}

/// The Chinese label of a purchaser kind.
pub fn purchaser_kind_label(kind: &str) -> Option<&'static str> {
    PURCHASER_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
}

/// The Chinese label of a contractor kind.
pub fn contractor_kind_label(kind: &str) -> Option<&'static str> {
    CONTRACTOR_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
}

/// Purchaser eligibility by kind (DOMAIN §1). Unknown kinds are refused by validation first.
pub fn purchaser_eligibility(kind: &str) -> Eligibility {
    let reason = match kind {
        "public_institution_class1" => Some(
            "公益一类事业单位不属于政府购买服务的购买主体（财政部令第102号第6条），不得作为购买主体",
        ),
        "mass_org_institutional" => Some(
            "使用事业编制且由财政拨款保障的群团组织不属于购买主体（财政部令第102号第7条），不得作为购买主体",
        ),
        _ => None,
    };
    match reason {
        Some(reason) => Eligibility {
            eligible: false,
            reasons: vec![reason.to_owned()],
        },
        None => Eligibility {
            eligible: true,
            reasons: Vec::new(),
        },
    }
}

/// Whether a contractor kind may contract; the reason when not (DOMAIN §2).
pub fn contractor_kind_refusal(kind: &str) -> Option<&'static str> {
    match kind {
        "public_institution_class1" => {
            Some("公益一类事业单位不得作为承接主体（财政部令第102号第8条）")
        }
        "mass_org_fiscal" => {
            Some("由财政拨款保障的群团组织不得作为承接主体（财政部令第102号第8条）")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_eligible_purchaser_kind_is_eligible() {
        for kind in [
            "government",
            "government_department",
            "party_or_cppcc_organ",
            "administrative_institution",
            "mass_org_admin",
        ] {
            let e = purchaser_eligibility(kind);
            assert!(e.eligible && e.reasons.is_empty(), "{kind}");
        }
    }

    #[test]
    fn each_ineligible_purchaser_kind_has_its_reason() {
        let class1 = purchaser_eligibility("public_institution_class1");
        assert!(!class1.eligible);
        assert!(class1.reasons[0].contains("公益一类事业单位"));
        let mass = purchaser_eligibility("mass_org_institutional");
        assert!(!mass.eligible);
        assert!(mass.reasons[0].contains("群团组织"));
    }

    #[test]
    fn contractor_kinds() {
        for kind in [
            "enterprise",
            "social_organization",
            "public_institution_class2",
            "rural_collective",
            "grassroots_autonomous",
            "individual",
        ] {
            assert!(contractor_kind_refusal(kind).is_none(), "{kind}");
        }
        assert!(contractor_kind_refusal("public_institution_class1").is_some());
        assert!(contractor_kind_refusal("mass_org_fiscal").is_some());
        assert_eq!(contractor_kind_label("individual"), Some("具备条件的个人"));
        assert_eq!(purchaser_kind_label("nope"), None);
    }
}
