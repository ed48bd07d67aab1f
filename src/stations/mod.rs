//! The three-tier station system (服务职责, DOMAIN.md §4): county guidance centers, township
//! stations and village rooms, each with a region, an operator and the
//! "有场地、有人员、有服务" standard; and the coverage statistic (townships with a compliant
//! station ÷ townships).

pub mod coverage;
pub mod model;
pub mod routes;
pub mod service;
