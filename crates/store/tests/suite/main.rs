//! The store's stories, one test binary: each module runs on SQLite and, when
//! `EMAS_TEST_DATABASE_URL` is set, on PostgreSQL.
//!
//! One binary per crate, not one per file: each links the whole dependency tree, so a binary per
//! file multiplied the build's disk use and link time.

mod common;
mod imports;
mod merge;
mod people;
mod people_batch;
mod pipeline;
mod programmes;
mod referrals;
mod resolution;
mod store;
mod surveys;
mod tallies;
