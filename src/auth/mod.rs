//! Accounts and access: roles, argon2id passwords, bearer tokens and browser sessions,
//! login throttling, the `CurrentUser` extractor and role guards.

pub mod current_user;
pub mod model;
pub mod password;
pub mod roles;
pub mod routes;
pub mod service;
pub mod throttle;
pub mod tokens;

pub use current_user::CurrentUser;
pub use roles::Role;
