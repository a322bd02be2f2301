//! Reading and writing spreadsheets, one test binary.
//!
//! One binary per crate, not one per file: each links the whole dependency tree, so a binary per
//! file multiplied the build's disk use and link time.

mod reading;
mod writing;
