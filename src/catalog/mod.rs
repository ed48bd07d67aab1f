//! The guiding catalog (指导性目录) of purchasable social-work services, versioned by year
//! (DOMAIN §3): five service domains, the target groups (eight of them priority groups), the
//! items of each year and the negative list (财政部令第102号 第十条) refused with its reason.
//!
//! The shipped years live in `config/catalog/<year>.toml` and are loaded by [`sync`]
//! (called from `reference::sync`); admins may add items through the API.

pub mod model;
pub mod routes;
pub mod seed;
pub mod service;

pub use model::{CatalogItem, NegativeEntry, find_item, find_negative};
pub use seed::sync;

/// The five service domains, in display order: (code, Chinese name).
pub const DOMAINS: [(&str, &str); 5] = [
    ("social_assistance", "社会救助"),
    ("elderly_care", "养老服务"),
    ("child_welfare", "儿童福利"),
    ("social_affairs", "社会事务"),
    ("charity_volunteer", "慈善志愿服务"),
];

/// The Chinese name of a service domain, e.g. `elderly_care` → 养老服务; None if unknown.
pub fn domain_label(code: &str) -> Option<&'static str> {
    DOMAINS
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, label)| *label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_labels() {
        assert_eq!(domain_label("elderly_care"), Some("养老服务"));
        assert_eq!(domain_label("charity_volunteer"), Some("慈善志愿服务"));
        assert_eq!(domain_label("space"), None);
    }
}
