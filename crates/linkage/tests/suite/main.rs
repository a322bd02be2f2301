//! The linkage engine's tests, one test binary: the `emas link` stories and the properties.
//!
//! One binary per crate, not one per file: each links the whole dependency tree, so a binary per
//! file multiplied the build's disk use and link time.

mod cli;
mod properties;
