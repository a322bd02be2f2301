//! The EMAS database: one [`Db`] for SQLite or PostgreSQL, one module per aggregate, every query
//! written once. Reads are methods of [`Db`]; writes are functions taking a [`Tx`], so a change
//! and its audit line always commit together.

mod db;
mod error;

pub mod agencies;
pub mod audit;
pub mod demo;
pub mod imports;
pub mod merge;
pub mod outcomes;
pub mod participants;
pub mod password;
pub mod people;
pub mod pipeline;
pub mod programmes;
pub mod referrals;
pub mod regions;
pub mod resolution;
pub mod review;
pub mod secret;
pub mod sessions;
pub mod settings;
pub mod surveys;
pub mod tallies;
pub mod testing;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use db::{Db, Pool, Tx};
pub use error::DbError;

/// The current time at the precision both databases keep (microseconds), so that a time written
/// and read back compares equal on either.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}
