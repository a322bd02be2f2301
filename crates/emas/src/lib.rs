//! The parts of the `emas` binary that its integration tests reach: the demo registry and the
//! demo programme history.

pub mod demo_data;
pub mod demo_programme;
pub mod demo_surveys;
