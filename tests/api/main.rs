//! The integration suite: one binary, the real server on port 0 per test, on SQLite by
//! default and on PostgreSQL when `SIXNORMS_TEST_POSTGRES_URL` is set.

mod helpers;

mod audit;
mod auth;
mod bids;
mod browser;
mod browser_story;
mod catalog;
mod cli;
mod contractors;
mod contracts;
mod delivery;
mod demo;
mod errors;
mod evaluation;
mod evaluations;
mod factories;
mod jobs;
mod lifecycle;
mod notice_pdfs;
mod notices;
mod notifications;
mod ocds;
mod ops;
mod privacy;
mod procurement;
mod project_pages;
mod public_site;
mod purchasers;
mod regions;
mod stations;
mod timeliness;
mod web_contractor;
mod web_contracts;
mod web_officer;
mod web_review;
mod workspace;
