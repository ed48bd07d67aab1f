//! Contracts (DOMAIN §6): drafting from an awarded project, signing by both parties, the
//! payment schedule, termination and completion. Delivery (monthly reports, supervision)
//! lives in [`delivery`].
//!
//! Other areas use [`model`] (the row, [`model::get`] and the access helpers) and
//! [`complete_if_done`] (after a final grade).

pub mod delivery;
pub mod model;
pub mod routes;
pub mod service;

pub use service::complete_if_done;
