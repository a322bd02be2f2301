//! The Fellegi–Sunter model: per comparison level, m = P(level | same person) and
//! u = P(level | different people), and the prior λ = P(same) among blocked pairs. u comes from
//! random pairs; m and λ from expectation–maximisation over counts of comparison vectors (never
//! per-pair objects), learnt per blocking rule with the rule's own comparisons held out, as a
//! rule biases exactly those. A match weight is log2 of the odds; it is the prior plus one
//! term per comparison, which is what an explanation shows.

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
    pub m: Vec<f64>,
    pub u: Vec<f64>,
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

struct EmResult {
    m: Vec<Vec<f64>>,
    lambda: f64,
    matches: f64,
}

/// EM with u fixed. `rows` are (vector, count); comparisons in `held` are neither used nor
/// learnt. Returns m for all comparisons (held ones unchanged) and λ.
/// What stays the same across the EM runs of one training.
struct Fixed<'a> {
    active: &'a [Comparison],
    u: &'a [Vec<f64>],
    iterations: usize,
}

fn em(
    f: &Fixed<'_>,
    rows: &[(u64, u64)],
    held: &[Comparison],
    m0: &[Vec<f64>],
    lambda0: f64,
    fix_m: bool,
) -> EmResult {
    let (active, u, iterations) = (f.active, f.u, f.iterations);
    let mut m = m0.to_vec();
    let mut lambda = lambda0;
    let learn: Vec<Comparison> = active
        .iter()
        .copied()
        .filter(|c| !held.contains(c))
        .collect();
    let mut matches = 0.0;
    for _ in 0..iterations {
        let mut num: Vec<Vec<f64>> = m.iter().map(|v| vec![0.0; v.len()]).collect();
        let (mut sum_p, mut total) = (0.0, 0.0);
        let prior = (lambda / (1.0 - lambda)).ln();
        for &(pattern, count) in rows {
            let mut lr = prior;
            for &c in &learn {
                let l = level_of(pattern, c.index());
                if l != NULL {
                    lr += (m[c.index()][l as usize] / u[c.index()][l as usize]).ln();
                }
            }
            let p = 1.0 / (1.0 + (-lr).exp());
            let w = p * count as f64;
            sum_p += w;
            total += count as f64;
            for &c in &learn {
                let l = level_of(pattern, c.index());
                if l != NULL {
                    num[c.index()][l as usize] += w;
                }
            }
        }
        if total == 0.0 {
            break;
        }
        let new_lambda = (sum_p / total).clamp(1e-9, 1.0 - 1e-9);
        let mut change = (new_lambda - lambda).abs();
        lambda = new_lambda;
        matches = sum_p;
        if !fix_m {
            for &c in &learn {
                let s: f64 = num[c.index()].iter().sum();
                if s <= 0.0 {
                    continue;
                }
                let n = num[c.index()].len() as f64;
                for (l, x) in num[c.index()].iter().enumerate() {
                    // A floor keeps every level possible for a match (no infinite weights).
                    let v = (x + 1e-3) / (s + 1e-3 * n);
                    change = change.max((v - m[c.index()][l]).abs());
                    m[c.index()][l] = v;
                }
            }
        }
        if change < 1e-6 {
            break;
        }
    }
    EmResult { m, lambda, matches }
}

/// What training learnt, for the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Training {
    pub em_rules: Vec<(String, f64)>,
    pub lambda: f64,
}

/// Estimates m and λ from the count table.
pub fn train(
    table: &Table,
    active: &[Comparison],
    rules: &[Rule],
    u: &[Vec<f64>],
    labelled: &[(u64, bool)],
    iterations: usize,
) -> (Vec<Vec<f64>>, f64, Training) {
    let fixed = Fixed {
        active,
        u,
        iterations,
    };
    let m0: Vec<Vec<f64>> = Comparison::ALL.iter().map(|&c| initial_m(c)).collect();
    let first: Vec<(u64, u64)> = table.iter().filter(|r| r.2).map(|r| (r.0, r.3)).collect();
    let global = em(&fixed, &first, &[], &m0, 1e-3, false);
    let mut sum: Vec<Vec<f64>> = m0.iter().map(|v| vec![0.0; v.len()]).collect();
    let mut weight = vec![0.0; Comparison::ALL.len()];
    let mut report = Training::default();
    for (ri, rule) in rules.iter().enumerate() {
        let rows: Vec<(u64, u64)> = table
            .iter()
            .filter(|r| r.1 as usize == ri)
            .map(|r| (r.0, r.3))
            .collect();
        if rows.iter().map(|r| r.1).sum::<u64>() < 50 {
            continue;
        }
        let res = em(
            &fixed,
            &rows,
            rule.comparisons(),
            &global.m,
            global.lambda,
            false,
        );
        report.em_rules.push((rule.name().to_owned(), res.matches));
        for &c in active {
            if rule.comparisons().contains(&c) {
                continue;
            }
            for (l, v) in res.m[c.index()].iter().enumerate() {
                sum[c.index()][l] += v * res.matches;
            }
            weight[c.index()] += res.matches;
        }
    }
    let mut m = global.m.clone();
    for &c in active {
        if weight[c.index()] > 0.0 {
            m[c.index()] = sum[c.index()]
                .iter()
                .map(|x| x / weight[c.index()])
                .collect();
        }
    }
    // Labels: pairs people decided on count as known matches and non-matches; matches move m
    // toward what real matches look like (weighted as many unlabelled matches as EM found).
    let same: Vec<u64> = labelled.iter().filter(|l| l.1).map(|l| l.0).collect();
    if !same.is_empty() {
        for &c in active {
            let mut counts = vec![0.0; m[c.index()].len()];
            let mut n = 0.0;
            for &p in &same {
                let l = level_of(p, c.index());
                if l != NULL {
                    counts[l as usize] += 1.0;
                    n += 1.0;
                }
            }
            if n == 0.0 {
                continue;
            }
            let k = (same.len() as f64).min(1000.0) / 1000.0;
            for (l, x) in m[c.index()].iter_mut().enumerate() {
                *x = (1.0 - k) * *x + k * (counts[l] + 1e-3) / (n + 1e-3 * counts.len() as f64);
            }
        }
    }
    // λ once more with the final m fixed, over each pair once.
    let fin = em(&fixed, &first, &[], &m, global.lambda, true);
    report.lambda = fin.lambda;
    (m, fin.lambda, report)
}

/// Scores pairs with a model: per-level weights precomputed, term frequencies applied at the
/// exact level of the comparisons that have them.
pub struct Scorer {
    pub prior: f64,
    active: Vec<Comparison>,
    weights: Vec<Vec<f64>>,
    m_top: Vec<f64>,
    tf: Vec<Option<TermFrequencies>>,
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
        let mut weights: Vec<Vec<f64>> = Comparison::ALL
            .iter()
            .map(|c| vec![0.0; c.levels().len()])
            .collect();
        let mut m_top = vec![0.0; Comparison::ALL.len()];
        let mut tf: Vec<Option<TermFrequencies>> = Comparison::ALL.iter().map(|_| None).collect();
        let active: Vec<Comparison> = model.params.iter().map(|p| p.comparison).collect();
        for p in &model.params {
            let i = p.comparison.index();
            weights[i] = p.m.iter().zip(&p.u).map(|(m, u)| (m / u).log2()).collect();
            // Exact agreement is never evidence against a match, even where EM found it so.
            if let Some(top) = weights[i].last_mut() {
                *top = top.max(0.0);
            }
            m_top[i] = *p.m.last().expect("every comparison has levels");
            if p.comparison.term_frequency() {
                let mut counts: HashMap<u32, u32, FxBuild> = HashMap::default();
                let mut total = 0.0;
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
            m_top,
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
            // The chance that a random record has this value: a rare value counts for more
            // than the average agreement (u_top), a common one for less.
            let u = (f64::from(count) / tf.total.max(1.0)).max(1e-7);
            // Agreement is never evidence against a match, however common the value.
            return ((self.m_top[i] / u).log2().max(0.0), true);
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
