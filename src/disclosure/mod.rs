//! Public disclosure (信息公开, DOMAIN §8): the notices every procurement step publishes, in
//! the official Chinese layout, and the public API that lists and shows them.
//!
//! - [`notices`]: the `notices` table, the one publishing service every step calls inside its
//!   own transaction ([`notices::publish`]), and the public queries.
//! - [`bodies`]: the official text of each notice kind, rendered from askama templates under
//!   `templates/notices/` (HTML fragments, auto-escaped).
//! - [`ocds`], [`ocds_routes`]: OCDS 1.1 releases and records (`/api/ocds/…`).
//! - [`routes`]: `GET /api/v1/notices` and `GET /api/v1/notices/{id}` (public, no login).
//! - [`pdf`]: the official PDF of a notice; [`pdf_store`]: rendering it once into storage
//!   (`notices.pdf_sha256`, the `render_notice_pdfs` job, an in-memory cache);
//!   [`pdf_routes`]: `GET /notices/{id}.pdf`.

pub mod bodies;
pub mod contract_bodies;
pub mod evaluation_bodies;
pub mod notices;
pub mod ocds;
pub mod ocds_routes;
pub mod pdf;
pub mod pdf_routes;
pub mod pdf_store;
pub mod routes;
pub mod timeliness;
