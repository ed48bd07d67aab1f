//! Delivery under a contract: monthly service reports and their review, progress against
//! targets, supervision records, and reminders of missing reports.

pub mod model;
pub mod progress;
pub mod reminders;
pub mod routes;
pub mod service;
