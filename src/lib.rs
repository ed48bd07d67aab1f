//! SixNorms — the whole life of a government purchase of social-work services
//! (政府购买社会工作服务): budget, project, tender, sealed bids, evaluation panel, award,
//! challenge, contract, monthly reports, performance evaluation, grade-linked payment, and
//! the public notices the law requires at every step.
//!
//! Data flows one way: web (`routes`) → services → db, over a pure `domain` layer. See
//! `docs/ARCHITECTURE.md`.

pub mod app;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod contractors;
pub mod contracts;
pub mod db;
pub mod demo;
pub mod disclosure;
pub mod domain;
pub mod error;
pub mod evaluations;
pub mod extract;
pub mod jobs;
pub mod memory;
pub mod notify;
pub mod ops;
pub mod pages;
pub mod procurement;
pub mod public;
pub mod purchasers;
pub mod reference;
pub mod regions;
pub mod stations;
pub mod storage;
pub mod web;
