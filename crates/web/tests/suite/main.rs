//! The web crate's stories, one test binary: each module drives the router as a browser or an API
//! client would, on every test database.
//!
//! One binary per crate, not one per file: each links the whole dependency tree, so a binary per
//! file multiplied the build's disk use and link time.

mod api;
mod authorization;
mod common;
mod dashboard;
mod imports;
mod merge;
mod pages;
mod participants;
mod people;
mod pipeline;
mod programmes;
mod referrals;
mod review;
mod surveys;
