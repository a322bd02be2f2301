//! The EMAS record-linkage engine: finds which rows of several lists are the same person.
//!
//! The core is pure (no I/O): [`prepare`] standardises rows into compact records, [`block`]
//! chooses candidate pairs, [`compare`] turns a pair into levels, [`model`] estimates and
//! scores, [`cluster`] groups records into people, [`explain`] shows why. [`engine::run`] runs
//! them all over one dataset; [`index::Index`] links new batches against existing clusters.
//! The command-line edge (`emas link`) lives in [`cli`], with its readers in [`io`] and
//! [`config`].

pub mod block;
pub mod calibrate;
pub mod cli;
pub mod cluster;
pub mod compare;
pub mod config;
pub mod engine;
pub mod eval;
pub mod explain;
pub mod field;
pub mod index;
pub mod io;
pub mod model;
pub mod prepare;

pub use engine::{Label, Outcome, ScoredPair, Settings, run};
pub use field::Field;
pub use index::{Candidate, Index};
pub use model::{LinkType, Model};
pub use prepare::{Dataset, Input};
