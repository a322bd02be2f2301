//! Blocking: which pairs are compared at all. Each rule gives a record a key; records sharing a
//! key form a block and every pair in it is a candidate. The union of the rules is deduplicated
//! without a set of pairs: a pair found by rule `r` is kept only if no earlier rule also put it
//! in a block. Blocks larger than a cap are skipped (and counted), so the number of pairs stays
//! near linear in the number of records whatever the data.

use std::hash::Hasher;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::compare::Comparison;
use crate::prepare::{Dataset, FxHasher, Interner, NikState, Rec};

/// A blocking rule: the record parts whose equality puts two records in one block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The first twelve NIK digits (region and birth date): catches serial slips and NIKs
    /// whose tail a spreadsheet destroyed.
    NikHead,
    IdNumber,
    Phone,
    Email,
    BirthDateFirstName,
    BirthDateLastName,
    /// The name with its spaces removed: catches everything but the name being the same.
    NameConcat,
    NameSoundsBirthYear,
    FirstNamePostcode,
    LastNameLocality,
    BirthDatePostcode,
    BirthDateLocality,
    PostcodeLocality,
}

impl Rule {
    pub const ALL: [Rule; 13] = [
        Rule::NikHead,
        Rule::IdNumber,
        Rule::Phone,
        Rule::Email,
        Rule::BirthDateFirstName,
        Rule::BirthDateLastName,
        Rule::NameConcat,
        Rule::NameSoundsBirthYear,
        Rule::FirstNamePostcode,
        Rule::LastNameLocality,
        Rule::BirthDatePostcode,
        Rule::BirthDateLocality,
        Rule::PostcodeLocality,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rule::NikHead => "nik_head",
            Rule::IdNumber => "id_number",
            Rule::Phone => "phone",
            Rule::Email => "email",
            Rule::BirthDateFirstName => "birth_date_first_name",
            Rule::BirthDateLastName => "birth_date_last_name",
            Rule::NameConcat => "name_concat",
            Rule::NameSoundsBirthYear => "name_sounds_birth_year",
            Rule::FirstNamePostcode => "first_name_postcode",
            Rule::LastNameLocality => "last_name_locality",
            Rule::BirthDatePostcode => "birth_date_postcode",
            Rule::BirthDateLocality => "birth_date_locality",
            Rule::PostcodeLocality => "postcode_locality",
        }
    }

    /// True when the rule can give a key with the active comparisons.
    pub fn usable(self, active: &[Comparison]) -> bool {
        let needs: &[Comparison] = match self {
            Rule::NikHead => &[Comparison::Nik],
            Rule::IdNumber => &[Comparison::IdNumber],
            Rule::Phone => &[Comparison::Phone],
            Rule::Email => &[Comparison::Email],
            Rule::BirthDateFirstName | Rule::BirthDateLastName | Rule::NameSoundsBirthYear => {
                &[Comparison::Name, Comparison::BirthDate]
            }
            Rule::NameConcat => &[Comparison::Name],
            Rule::FirstNamePostcode => &[Comparison::Name, Comparison::Postcode],
            Rule::LastNameLocality => &[Comparison::Name, Comparison::Village],
            Rule::BirthDatePostcode => &[Comparison::BirthDate, Comparison::Postcode],
            Rule::BirthDateLocality => &[Comparison::BirthDate, Comparison::Village],
            Rule::PostcodeLocality => &[Comparison::Postcode, Comparison::Village],
        };
        needs.iter().all(|c| active.contains(c))
    }

    /// The record's key under this rule; 0 when it has none.
    pub fn key(self, strings: &Interner, r: &Rec) -> u64 {
        let hash = |id: u32| strings.stable_hash(id);
        let mut h = FxHasher::default();
        h.write_u8(self as u8 + 1);
        let parts: [u64; 2] = match self {
            Rule::NikHead => {
                let head = match r.nik_state {
                    NikState::Clean | NikState::Suspect => r.nik / 10_000,
                    NikState::Damaged if r.nik_len >= 12 => {
                        r.nik / 10u64.pow(u32::from(r.nik_len) - 12)
                    }
                    _ => 0,
                };
                [head, 1]
            }
            Rule::IdNumber => [hash(r.id_number), 1],
            Rule::Phone => [r.phone, 1],
            Rule::Email => [hash(r.email), 1],
            Rule::BirthDateFirstName => [dob(r), hash(r.ph_first)],
            Rule::BirthDateLastName => [dob(r), hash(r.ph_last)],
            Rule::NameConcat => [hash(r.name_concat), 1],
            Rule::NameSoundsBirthYear => [hash(r.ph_sorted), dob(r) / 366 + 1],
            Rule::FirstNamePostcode => [hash(r.ph_first), hash(r.postcode)],
            Rule::LastNameLocality => [hash(r.ph_last), hash(r.village)],
            Rule::BirthDatePostcode => [dob(r), hash(r.postcode)],
            Rule::BirthDateLocality => [dob(r), hash(r.village)],
            Rule::PostcodeLocality => [hash(r.postcode), hash(r.village)],
        };
        if parts.contains(&0) {
            return 0;
        }
        h.write_u64(parts[0]);
        h.write_u64(parts[1]);
        h.finish().max(1)
    }
}

fn dob(r: &Rec) -> u64 {
    u64::try_from(r.dob).unwrap_or(0)
}

/// The blocking keys of all records, one column per rule; a key is 0 where the record has none
/// or its block was too large.
pub struct Blocks {
    pub rules: Vec<Rule>,
    pub keys: Vec<Vec<u64>>,
    /// Sorted (key, record) pairs of each rule, for grouping and for lookups by the index.
    pub sorted: Vec<Vec<(u64, u32)>>,
    /// Per rule: blocks skipped for size, and the records in them.
    pub oversized: Vec<(usize, usize)>,
}

impl Blocks {
    pub fn build(d: &Dataset, rules: &[Rule], max_block: usize) -> Blocks {
        let mut keys = Vec::with_capacity(rules.len());
        let mut sorted = Vec::with_capacity(rules.len());
        let mut oversized = Vec::with_capacity(rules.len());
        for &rule in rules {
            let mut col: Vec<u64> = d
                .recs
                .par_iter()
                .map(|r| {
                    if r.is_comparable() {
                        rule.key(&d.strings, r)
                    } else {
                        0
                    }
                })
                .collect();
            let mut s: Vec<(u64, u32)> = col
                .iter()
                .enumerate()
                .filter(|(_, k)| **k != 0)
                .map(|(i, &k)| (k, i as u32))
                .collect();
            s.par_sort_unstable();
            let mut kept = Vec::with_capacity(s.len());
            let (mut n_blocks, mut n_recs) = (0, 0);
            for g in s.chunk_by(|a, b| a.0 == b.0) {
                if g.len() > max_block {
                    n_blocks += 1;
                    n_recs += g.len();
                    for &(_, i) in g {
                        col[i as usize] = 0;
                    }
                } else if g.len() > 1 {
                    kept.extend_from_slice(g);
                } else {
                    // A singleton block has no pairs; its key still matters for the index.
                    kept.push(g[0]);
                }
            }
            keys.push(col);
            sorted.push(kept);
            oversized.push((n_blocks, n_recs));
        }
        Blocks {
            rules: rules.to_vec(),
            keys,
            sorted,
            oversized,
        }
    }

    /// True when an earlier rule than `rule` already blocks `a` with `b`.
    pub fn seen_before(&self, rule: usize, a: usize, b: usize) -> bool {
        (0..rule).any(|s| {
            let k = &self.keys[s];
            k[a] != 0 && k[a] == k[b]
        })
    }

    /// Every candidate pair once, `(a, b, rule)` with `a < b`, grouped by rule in a
    /// deterministic order. `keep` filters pairs (for linking across sources only).
    pub fn pairs<F>(&self, keep: F) -> Vec<(u32, u32, u8)>
    where
        F: Fn(u32, u32) -> bool + Sync,
    {
        let mut out = Vec::new();
        for (ri, s) in self.sorted.iter().enumerate() {
            let groups: Vec<&[(u64, u32)]> = s
                .chunk_by(|a, b| a.0 == b.0)
                .filter(|g| g.len() > 1)
                .collect();
            let found: Vec<(u32, u32, u8)> = groups
                .par_iter()
                .flat_map_iter(|g| {
                    let mut v = Vec::new();
                    for x in 0..g.len() {
                        for y in x + 1..g.len() {
                            let (a, b) = (g[x].1.min(g[y].1), g[x].1.max(g[y].1));
                            if keep(a, b) && !self.seen_before(ri, a as usize, b as usize) {
                                v.push((a, b, ri as u8));
                            }
                        }
                    }
                    v
                })
                .collect();
            out.extend(found);
        }
        out
    }
}
