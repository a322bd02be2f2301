//! The parts of the `emas` binary that its integration tests reach: the demo registry.

pub mod demo_data;
pub mod demo_surveys;
