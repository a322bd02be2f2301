//! Synthetic, seeded data for EMAS: Banten returnees (PMI Purna) with a clean truth, and the
//! overlapping, damaged agency lists that the registry and the linkage engine must cope with.
//!
//! Everything is a pure function of a seed. Each person and each person's rows draw from their
//! own random stream (derived from the seed and the person's index), so the output does not
//! depend on how many threads generate it, and any slice of people can be made on its own.
//!
//! - [`people`]: the truth: identity, NIK with the real structure, address with Kemendagri
//!   codes, phone, migration placements.
//! - [`lists`]: agency lists made from those people (the national agency's departure and return
//!   lists, each regency's Disnaker list, a training sign-up sheet), each with its own columns,
//!   formats and damage, and the person each row truly belongs to.
//! - [`cli`]: `emas generate`, which writes the lists, `truth.csv` and a `link.toml`.
//!
//! ```
//! use emas_synth::{lists, people};
//!
//! let people = people::generate(42, 1_000); // the truth, same for the same seed
//! assert_eq!(people.len(), 1_000);
//! let lists = lists::generate(42, &people, lists::standard_specs(1.0));
//! for list in &lists {
//!     for row in &list.rows {
//!         // row.cells as the list writes them; row.person_id is the truth (an index into `people`).
//!         assert!(people[row.person_id as usize].id == row.person_id);
//!     }
//! }
//! ```

pub mod cli;
pub mod damage;
pub mod lists;
pub mod names;
pub mod people;
pub mod places;
mod tables;

pub use lists::{AgencyList, Cell, ListKind, ListSpec, Row};
pub use people::{Person, Placement, Sex};

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

/// The random generator used throughout: small, fast and stable across releases.
pub type SynthRng = Pcg64Mcg;

/// Independent random streams of one seed, so that adding draws to one part of the generator
/// does not shift the data of every other part.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
enum Stream {
    HouseholdSize = 1,
    Household = 2,
    Rows = 3,
    Shuffle = 4,
}

/// A generator for one (seed, stream, index) triple. SplitMix64 finalisation spreads nearby
/// indices over unrelated states.
fn rng_for(seed: u64, stream: Stream, index: u64) -> SynthRng {
    let mut z = seed
        ^ (stream as u64).wrapping_mul(0xA076_1D64_78BD_642F)
        ^ index.wrapping_mul(0xE703_7ED1_A0B4_28DB);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    SynthRng::seed_from_u64(z)
}
