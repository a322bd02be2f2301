//! The Fellegi–Sunter model: per comparison level, m = P(level | same person) and
//! u = P(level | different people), and the prior λ = P(same) among blocked pairs. u starts
//! from random pairs; m, u and λ are then fitted by expectation–maximisation over counts of
//! comparison vectors (never per-pair objects) of the blocked pairs, since blocked non-matches
//! agree far more often than random ones. The random-pair u stays in the model as the base of
//! term-frequency adjustment. A match weight is log2 of the odds; it is the prior plus one term
//! per comparison, which is what an explanation shows.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::block::Rule;
use crate::compare::{Comparison, NULL, level_of};
use crate::prepare::{Dataset, FxBuild, Rec};

/// Whether duplicates are sought within and across sources, or only across.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LinkType {
    #[default]
    Dedupe,
    Link,
}

/// The parameters of one comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub comparison: Comparison,
    /// P(level | same person).
    pub m: Vec<f64>,
    /// P(level | different people), among the pairs blocking puts up.
    pub u: Vec<f64>,
    /// P(level | two random records): the base of term-frequency adjustment.
    pub u_random: Vec<f64>,
}

/// A trained model: saved with `--save-model`, loaded with `--model`, so later batches are
/// scored with the same parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub format: u32,
    pub link_type: LinkType,
    pub lambda: f64,
    pub params: Vec<Params>,
    pub rules: Vec<Rule>,
    pub max_block: usize,
    pub threshold: f64,
}

/// Splitmix64: a small seeded generator, so that sampling is reproducible without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// u-probabilities from `sample` random pairs, drawn by rank so that input order does not
/// matter. In link mode only pairs across sources are drawn.
pub fn estimate_u(
    d: &Dataset,
    by_rank: &[u32],
    active: &[Comparison],
    link_type: LinkType,
    sample: usize,
    seed: u64,
) -> Vec<Vec<f64>> {
    let n = d.len() as u64;
    let mut counts: Vec<Vec<u64>> = Comparison::ALL
        .iter()
        .map(|c| vec![0; c.levels().len()])
        .collect();
    let mut rng = Rng::new(seed);
    // The pairs are drawn serially (reproducible), compared in parallel.
    let mut drawn: Vec<(u32, u32)> = Vec::with_capacity(sample);
    let mut attempts = 0;
    while n >= 2 && drawn.len() < sample && attempts < sample * 20 {
        attempts += 1;
        let a = by_rank[rng.below(n) as usize];
        let b = by_rank[rng.below(n) as usize];
        if a == b || (link_type == LinkType::Link && d.sources[a as usize] == d.sources[b as usize])
        {
            continue;
        }
        drawn.push((a, b));
    }
    let patterns: Vec<u64> = drawn
        .par_iter()
        .map(|&(a, b)| crate::compare::compare(d, &d.recs[a as usize], &d.recs[b as usize], active))
        .collect();
    for pattern in patterns {
        for &c in active {
            let l = level_of(pattern, c.index());
            if l != NULL {
                counts[c.index()][l as usize] += 1;
            }
        }
    }
    counts
        .iter()
        .map(|cs| {
            // Laplace smoothing: a level never seen among random pairs is rare, not impossible.
            let total: u64 = cs.iter().sum::<u64>() + cs.len() as u64;
            cs.iter().map(|&x| (x + 1) as f64 / total as f64).collect()
        })
        .collect()
}

/// Count table row: a comparison vector, the rule it is counted under, whether that is the
/// first rule to find the pair (each pair counted once over all first-rule rows), and how many.
pub type Table = Vec<(u64, u8, bool, u64)>;

/// Adds a pair's vector to a count map under every rule that blocks it.
pub fn count_into(
    map: &mut HashMap<(u64, u8, bool), u64, FxBuild>,
    pattern: u64,
    first_rule: u8,
    also: impl Iterator<Item = u8>,
) {
    *map.entry((pattern, first_rule, true)).or_insert(0) += 1;
    for r in also {
        *map.entry((pattern, r, false)).or_insert(0) += 1;
    }
}

fn initial_m(c: Comparison) -> Vec<f64> {
    let n = c.levels().len();
    // Most matches agree exactly; the rest spread toward the near-agreeing levels.
    let mut m: Vec<f64> = (0..n).map(|l| 2f64.powi(l as i32)).collect();
    let rest: f64 = m[..n - 1].iter().sum();
    for x in &mut m[..n - 1] {
        *x = *x / rest * 0.1;
    }
    m[n - 1] = 0.9;
    m
}

/// EM with u fixed. `rows` are (vector, count); comparisons in `held` are neither used nor
/// learnt. Returns m for all comparisons (held ones unchanged) and λ.
/// What training learnt, for the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Training {
    pub lambda: f64,
    pub expected_matches: f64,
}

/// EM with both m and u free, over the blocked pairs (each counted once). The non-matches
/// that blocking brings together agree far more often than random pairs do (they share a
/// name, a birth date, a village), so u is learnt on them too: with u held at its random-pair
/// value, EM would explain that agreement by calling them matches. u from random pairs is the
/// starting point and stays in the model for term-frequency adjustment.
fn em_free(
    rows: &[(u64, u64)],
    active: &[Comparison],
    m0: &[Vec<f64>],
    u0: &[Vec<f64>],
    lambda0: f64,
    iterations: usize,
) -> (Vec<Vec<f64>>, Vec<Vec<f64>>, f64) {
    let (mut m, mut u, mut lambda) = (m0.to_vec(), u0.to_vec(), lambda0);
    for _ in 0..iterations {
        let mut num_m: Vec<Vec<f64>> = m.iter().map(|v| vec![0.0; v.len()]).collect();
        let mut num_u = num_m.clone();
        let (mut sum_p, mut total) = (0.0, 0.0);
        let prior = (lambda / (1.0 - lambda)).ln();
        for &(pattern, count) in rows {
            let mut lr = prior;
            for &c in active {
                let l = level_of(pattern, c.index());
                if l != NULL {
                    lr += (m[c.index()][l as usize] / u[c.index()][l as usize]).ln();
                }
            }
            let n = count as f64;
            let p = 1.0 / (1.0 + (-lr).exp());
            sum_p += p * n;
            total += n;
            for &c in active {
                let l = level_of(pattern, c.index());
                if l != NULL {
                    num_m[c.index()][l as usize] += p * n;
                    num_u[c.index()][l as usize] += (1.0 - p) * n;
                }
            }
        }
        if total == 0.0 {
            break;
        }
        let new_lambda = (sum_p / total).clamp(1e-9, 1.0 - 1e-9);
        let mut change = (new_lambda - lambda).abs();
        lambda = new_lambda;
        for &c in active {
            for (target, num) in [(&mut m, &num_m), (&mut u, &num_u)] {
                let s: f64 = num[c.index()].iter().sum();
                if s <= 0.0 {
                    continue;
                }
                let k = num[c.index()].len() as f64;
                for (l, x) in num[c.index()].iter().enumerate() {
                    // A floor keeps every level possible in both classes (no infinite weights).
                    let v = (x + 1e-3) / (s + 1e-3 * k);
                    change = change.max((v - target[c.index()][l]).abs());
                    target[c.index()][l] = v;
                }
            }
        }
        if change < 1e-6 {
            break;
        }
    }
    (m, u, lambda)
}

/// Estimates m, the u of blocked pairs, and λ from the count table; labelled pairs then pull
/// m toward what the labelled matches look like.
pub fn train(
    table: &Table,
    active: &[Comparison],
    u_random: &[Vec<f64>],
    labelled: &[(u64, bool)],
    iterations: usize,
) -> (Vec<Vec<f64>>, Vec<Vec<f64>>, f64, Training) {
    let m0: Vec<Vec<f64>> = Comparison::ALL.iter().map(|&c| initial_m(c)).collect();
    let first: Vec<(u64, u64)> = table.iter().filter(|r| r.2).map(|r| (r.0, r.3)).collect();
    let (mut m, mut u, mut lambda) = em_free(&first, active, &m0, u_random, 0.05, iterations);
    // Labels: pairs people decided on count as known matches and non-matches, added to the
    // class counts with the weight of many unlabelled pairs (they are certain).
    if !labelled.is_empty() {
        let expected_matches = lambda * first.iter().map(|r| r.1 as f64).sum::<f64>();
        let expected_non = (1.0 - lambda) * first.iter().map(|r| r.1 as f64).sum::<f64>();
        for (same, target, mass) in [
            (true, &mut m, expected_matches),
            (false, &mut u, expected_non),
        ] {
            let patterns: Vec<u64> = labelled
                .iter()
                .filter(|l| l.1 == same)
                .map(|l| l.0)
                .collect();
            if patterns.is_empty() {
                continue;
            }
            // Each label counts as much as 1% of its class, at most half of it in all.
            let share = (patterns.len() as f64 * 0.01).min(0.5);
            for &c in active {
                let mut counts = vec![0.0; target[c.index()].len()];
                let mut n = 0.0;
                for &p in &patterns {
                    let l = level_of(p, c.index());
                    if l != NULL {
                        counts[l as usize] += 1.0;
                        n += 1.0;
                    }
                }
                if n == 0.0 || mass <= 0.0 {
                    continue;
                }
                for (l, x) in target[c.index()].iter_mut().enumerate() {
                    let from_labels = (counts[l] + 1e-3) / (n + 1e-3 * counts.len() as f64);
                    *x = (1.0 - share) * *x + share * from_labels;
                }
            }
        }
        let _ = &mut lambda;
    }
    let report = Training {
        lambda,
        expected_matches: lambda * first.iter().map(|r| r.1 as f64).sum::<f64>(),
    };
    (m, u, lambda, report)
}

/// Scores pairs with a model: per-level weights precomputed, term frequencies applied at the
/// exact level of the comparisons that have them.
pub struct Scorer {
    pub prior: f64,
    active: Vec<Comparison>,
    weights: Vec<Vec<f64>>,
    u_random_top: Vec<f64>,
    tf: Vec<Option<TermFrequencies>>,
}

/// Value counts kept outside a dataset (in a registry's database), so that a small dataset of
/// candidates is scored as if against everything the registry holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frequencies {
    /// Occurrences of each standardised value, by comparison.
    pub counts: HashMap<(Comparison, String), u32>,
    /// All values counted, by comparison.
    pub totals: HashMap<Comparison, u64>,
}

/// The values of a record that term-frequency adjustment counts, by comparison: what a registry
/// adds to its [`Frequencies`] when it keeps the record.
pub fn term_values<'a>(d: &'a Dataset, r: &Rec) -> Vec<(Comparison, &'a str)> {
    Comparison::ALL
        .into_iter()
        .filter(|c| c.term_frequency())
        .filter_map(|c| match tf_value(c, r) {
            0 => None,
            v => Some((c, d.strings.get(v))),
        })
        .collect()
}

impl Model {
    /// The blocking keys of a record under this model's rules (none for a record too broken to
    /// compare). Keys are stable across datasets, so a registry can keep them.
    pub fn keys(&self, d: &Dataset, r: &Rec) -> Vec<u64> {
        if !r.is_comparable() {
            return Vec::new();
        }
        let mut keys: Vec<u64> = self
            .rules
            .iter()
            .map(|rule| rule.key(&d.strings, r))
            .filter(|&k| k != 0)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

/// How often each value of a column occurs, for term-frequency adjustment.
pub struct TermFrequencies {
    counts: HashMap<u32, u32, FxBuild>,
    total: f64,
}

fn tf_value(c: Comparison, r: &Rec) -> u32 {
    match c {
        Comparison::Name => r.name,
        Comparison::BirthPlace => r.birth_place,
        Comparison::Village => r.village,
        Comparison::Postcode => r.postcode,
        _ => 0,
    }
}

impl Scorer {
    pub fn new(model: &Model, d: &Dataset) -> Scorer {
        Scorer::with_frequencies(model, d, None)
    }

    /// A scorer whose term frequencies come from `external` when given, else from `d` itself.
    pub fn with_frequencies(model: &Model, d: &Dataset, external: Option<&Frequencies>) -> Scorer {
        let mut weights: Vec<Vec<f64>> = Comparison::ALL
            .iter()
            .map(|c| vec![0.0; c.levels().len()])
            .collect();
        let mut u_random_top = vec![0.0; Comparison::ALL.len()];
        let mut tf: Vec<Option<TermFrequencies>> = Comparison::ALL.iter().map(|_| None).collect();
        let active: Vec<Comparison> = model.params.iter().map(|p| p.comparison).collect();
        for p in &model.params {
            let i = p.comparison.index();
            weights[i] = p.m.iter().zip(&p.u).map(|(m, u)| (m / u).log2()).collect();
            // Exact agreement is never evidence against a match, even where EM found it so.
            if let Some(top) = weights[i].last_mut() {
                *top = top.max(0.0);
            }
            u_random_top[i] = *p.u_random.last().expect("every comparison has levels");
            if p.comparison.term_frequency() {
                let mut counts: HashMap<u32, u32, FxBuild> = HashMap::default();
                let mut total = 0.0;
                if let Some(f) = external {
                    for ((c, value), &n) in &f.counts {
                        if *c == p.comparison
                            && let Some(id) = d.strings.lookup(value)
                        {
                            counts.insert(id, n);
                        }
                    }
                    total = f.totals.get(&p.comparison).copied().unwrap_or(0) as f64;
                    tf[i] = Some(TermFrequencies { counts, total });
                    continue;
                }
                for r in &d.recs {
                    let v = tf_value(p.comparison, r);
                    if v != 0 {
                        *counts.entry(v).or_insert(0) += 1;
                        total += 1.0;
                    }
                }
                tf[i] = Some(TermFrequencies { counts, total });
            }
        }
        Scorer {
            prior: (model.lambda / (1.0 - model.lambda)).log2(),
            active,
            weights,
            u_random_top,
            tf,
        }
    }

    pub fn active(&self) -> &[Comparison] {
        &self.active
    }

    /// Counts a value seen after the scorer was built (incremental linking).
    pub fn observe(&mut self, r: &Rec) {
        for (i, tf) in self.tf.iter_mut().enumerate() {
            if let Some(tf) = tf {
                let v = tf_value(Comparison::ALL[i], r);
                if v != 0 {
                    *tf.counts.entry(v).or_insert(0) += 1;
                    tf.total += 1.0;
                }
            }
        }
    }

    /// The weight of one comparison at its level for this pair, and whether a term frequency
    /// adjusted it.
    pub fn term(&self, c: Comparison, level: u8, a: &Rec) -> (f64, bool) {
        if level == NULL {
            return (0.0, false);
        }
        let i = c.index();
        if level == c.top_level()
            && let Some(tf) = &self.tf[i]
        {
            let v = tf_value(c, a);
            let count = tf.counts.get(&v).copied().unwrap_or(1).max(1);
            // The chance that a random record has this value.
            let u = (f64::from(count) / tf.total.max(1.0)).max(1e-7);
            // The average exact-agreement weight, moved by how much rarer (or commoner) this
            // value is than the average agreeing value; agreement is never evidence against.
            let w = self.weights[i][level as usize] + (self.u_random_top[i] / u).log2();
            return (w.max(0.0), true);
        }
        (self.weights[i][level as usize], false)
    }

    pub fn weight(&self, pattern: u64, a: &Rec) -> f64 {
        let mut w = self.prior;
        for &c in &self.active {
            w += self.term(c, level_of(pattern, c.index()), a).0;
        }
        w
    }
}

pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_reproducible_and_bounded() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            let x = a.below(10);
            assert_eq!(x, b.below(10));
            assert!(x < 10);
        }
    }

    #[test]
    fn initial_m_is_a_distribution() {
        for c in Comparison::ALL {
            let m = initial_m(c);
            assert!((m.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }
}
