//! The command line end to end, one test binary: each module runs the built `emas` as a user would.
//!
//! One binary per crate, not one per file: each links the whole dependency tree, so a binary per
//! file multiplied the build's disk use and link time.

mod common;
mod demo_data;
mod demo_programme;
mod demo_surveys;
mod import_cli;
mod report_cli;
mod resolution_cli;
