//! Contractors (承接主体): self-registration, review by the civil-affairs department of the
//! contractor's region, the ten named qualification checks, violations, and the public
//! (masked) record.
//!
//! Review scope: an officer may review, record violations for, and flag a contractor whose
//! registered region lies within the region of the officer's purchaser (a county bureau its
//! county, a province department the whole province); admins may act on any contractor.

pub mod input;
pub mod model;
pub mod routes;
pub mod service;
pub mod views;
