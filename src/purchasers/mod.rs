//! Purchasers (购买主体): the bodies that buy services, with their eligibility by kind
//! (DOMAIN §1). An ineligible purchaser may be recorded but can never create a project.

pub mod model;
pub mod routes;
pub mod service;
