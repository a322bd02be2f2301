//! One linkage run over a dataset: block, compare, estimate (or take a saved model), score,
//! cluster. Pure: no I/O; progress is reported through a callback.

use std::collections::HashMap;
use std::time::Instant;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::block::{Blocks, Rule};
use crate::cluster::{Flagged, cluster};
use crate::compare::{Comparison, compare};
use crate::field::Field;
use crate::model::{
    LinkType, Model, Params, Scorer, Table, Training, count_into, estimate_u, probability, train,
};
use crate::prepare::{Dataset, FxBuild};

/// Settings of a run. `Settings::default()` holds the documented defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    pub link_type: LinkType,
    /// Match probability at or above which a pair joins a cluster.
    pub threshold: f64,
    /// Match probability at or above which a scored pair is kept in the output.
    pub floor: f64,
    pub seed: u64,
    /// Blocks with more records than this are skipped (and reported).
    pub max_block: usize,
    /// Random pairs drawn to estimate u.
    pub u_sample: usize,
    pub em_iterations: usize,
    /// The date that bounds two-digit years and decides the century of NIK birth dates.
    pub today: NaiveDate,
}

/// The default threshold (see docs/linkage.md for how it was chosen).
pub const DEFAULT_THRESHOLD: f64 = 0.5;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            link_type: LinkType::Dedupe,
            threshold: DEFAULT_THRESHOLD,
            floor: 0.01,
            seed: 42,
            max_block: 50,
            u_sample: 1_000_000,
            em_iterations: 40,
            today: NaiveDate::from_ymd_opt(2026, 1, 1).expect("a valid date"),
        }
    }
}

/// A pair decision a person made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub a: u32,
    pub b: u32,
    pub same: bool,
}

/// A scored pair kept in the output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredPair {
    pub a: u32,
    pub b: u32,
    pub pattern: u64,
    pub weight: f64,
}

impl ScoredPair {
    pub fn probability(&self) -> f64 {
        probability(self.weight)
    }
}

/// How labels changed the model, measured on the labelled pairs themselves.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LabelEffect {
    pub labels: usize,
    pub agreeing_before: usize,
    pub agreeing_after: usize,
}

/// Counts and timings of a run, for the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub records: usize,
    pub garbage: usize,
    pub comparisons: Vec<String>,
    pub rules: Vec<String>,
    pub candidate_pairs: usize,
    pub oversized_blocks: Vec<(String, usize, usize)>,
    pub training: Option<Training>,
    pub pairs_kept: usize,
    pub pairs_above_threshold: usize,
    pub clusters: usize,
    pub flagged: usize,
    pub flagged_merged: usize,
    pub labels: Option<LabelEffect>,
    pub seconds: Vec<(String, f64)>,
}

pub struct Outcome {
    pub model: Model,
    pub pairs: Vec<ScoredPair>,
    pub cluster: Vec<u32>,
    pub flagged: Vec<Flagged>,
    pub stats: Stats,
    /// Every candidate pair (a, b): kept only when asked, for measuring blocking recall.
    pub candidates: Option<Vec<(u32, u32)>>,
}

/// The comparisons that the mapped fields allow.
pub fn active_comparisons(fields: &[Field]) -> Vec<Comparison> {
    let mut out: Vec<Comparison> = Comparison::ALL
        .into_iter()
        .filter(|c| c.fields().iter().any(|f| fields.contains(f)))
        .collect();
    // An NIK also gives birth date and sex.
    if fields.contains(&Field::Nik) {
        for c in [Comparison::BirthDate, Comparison::Sex] {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out.sort();
    }
    out
}

/// Runs the whole pipeline. With `model` given, its parameters are used as they are (no
/// estimation); otherwise they are estimated from the data and returned in the outcome.
pub fn run(
    d: &Dataset,
    fields: &[Field],
    settings: &Settings,
    model: Option<&Model>,
    labels: &[Label],
    keep_candidates: bool,
    progress: &(dyn Fn(&str) + Sync),
) -> Outcome {
    let mut stats = Stats {
        records: d.len(),
        garbage: d.garbage,
        ..Stats::default()
    };
    let mut clock = Instant::now();
    let mut lap = |stats: &mut Stats, name: &str| {
        stats
            .seconds
            .push((name.to_owned(), clock.elapsed().as_secs_f64()));
        clock = Instant::now();
    };
    let active: Vec<Comparison> = match model {
        Some(m) => m.params.iter().map(|p| p.comparison).collect(),
        None => active_comparisons(fields),
    };
    let rules: Vec<Rule> = match model {
        Some(m) => m.rules.clone(),
        None => Rule::ALL
            .into_iter()
            .filter(|r| r.usable(&active))
            .collect(),
    };
    let link_type = model.map_or(settings.link_type, |m| m.link_type);
    let max_block = model.map_or(settings.max_block, |m| m.max_block);
    stats.comparisons = active.iter().map(|c| c.name().to_owned()).collect();
    stats.rules = rules.iter().map(|r| r.name().to_owned()).collect();

    progress("blocking");
    let ranks = d.ranks();
    let blocks = Blocks::build(d, &rules, max_block);
    for (r, &(nb, nr)) in rules.iter().zip(&blocks.oversized) {
        if nb > 0 {
            stats.oversized_blocks.push((r.name().to_owned(), nb, nr));
        }
    }
    let sources = &d.sources;
    let pairs = blocks
        .pairs(|a, b| link_type == LinkType::Dedupe || sources[a as usize] != sources[b as usize]);
    stats.candidate_pairs = pairs.len();
    lap(&mut stats, "block");

    progress("comparing");
    let patterns: Vec<u64> = pairs
        .par_iter()
        .map(|&(a, b, _)| compare(d, &d.recs[a as usize], &d.recs[b as usize], &active))
        .collect();
    lap(&mut stats, "compare");

    let model = match model {
        Some(m) => m.clone(),
        None => {
            progress("estimating");
            let mut by_rank = vec![0u32; d.len()];
            for (i, &r) in ranks.iter().enumerate() {
                by_rank[r as usize] = i as u32;
            }
            let u = estimate_u(
                d,
                &by_rank,
                &active,
                link_type,
                settings.u_sample,
                settings.seed,
            );
            let table = count_table(&blocks, &pairs, &patterns);
            let labelled = label_patterns(d, labels, &active);
            let (m, ub, lambda, training) =
                train(&table, &active, &u, &labelled, settings.em_iterations);
            stats.training = Some(training);
            let model = Model {
                format: 1,
                link_type,
                lambda,
                params: active
                    .iter()
                    .map(|&c| Params {
                        comparison: c,
                        m: m[c.index()].clone(),
                        u: ub[c.index()].clone(),
                        u_random: u[c.index()].clone(),
                    })
                    .collect(),
                rules: rules.clone(),
                max_block,
                threshold: settings.threshold,
            };
            if !labels.is_empty() {
                let without = {
                    let (m0, u0, l0, _) = train(&table, &active, &u, &[], settings.em_iterations);
                    Model {
                        lambda: l0,
                        params: active
                            .iter()
                            .map(|&c| Params {
                                comparison: c,
                                m: m0[c.index()].clone(),
                                u: u0[c.index()].clone(),
                                u_random: u[c.index()].clone(),
                            })
                            .collect(),
                        ..model.clone()
                    }
                };
                stats.labels = Some(LabelEffect {
                    labels: labels.len(),
                    agreeing_before: agreeing(d, &without, labels, settings.threshold),
                    agreeing_after: agreeing(d, &model, labels, settings.threshold),
                });
            }
            lap(&mut stats, "estimate");
            model
        }
    };

    progress("scoring");
    let scorer = Scorer::new(&model, d);
    let floor_weight = weight_of(settings.floor);
    let threshold_weight = weight_of(settings.threshold);
    let scored: Vec<ScoredPair> = pairs
        .par_iter()
        .zip(patterns.par_iter())
        .filter_map(|(&(a, b, _), &pattern)| {
            let weight = scorer.weight(pattern, &d.recs[a as usize]);
            (weight >= floor_weight).then_some(ScoredPair {
                a,
                b,
                pattern,
                weight,
            })
        })
        .collect();
    stats.pairs_kept = scored.len();
    let candidates = keep_candidates.then(|| pairs.iter().map(|&(a, b, _)| (a, b)).collect());
    drop(pairs);
    drop(patterns);
    lap(&mut stats, "score");

    progress("clustering");
    let edges: Vec<(u32, u32, f64)> = scored
        .iter()
        .filter(|p| p.weight >= threshold_weight)
        .map(|p| (p.a, p.b, p.weight))
        .collect();
    stats.pairs_above_threshold = edges.len();
    let must: Vec<(u32, u32)> = labels
        .iter()
        .filter(|l| l.same)
        .map(|l| (l.a, l.b))
        .collect();
    let cannot: Vec<(u32, u32)> = labels
        .iter()
        .filter(|l| !l.same)
        .map(|l| (l.a, l.b))
        .collect();
    let c = cluster(d, &ranks, &edges, &must, &cannot, threshold_weight);
    stats.clusters = c.count;
    stats.flagged = c.flagged.iter().filter(|f| !f.merged).count();
    stats.flagged_merged = c.flagged.iter().filter(|f| f.merged).count();
    lap(&mut stats, "cluster");

    Outcome {
        model,
        pairs: scored,
        cluster: c.cluster,
        flagged: c.flagged,
        stats,
        candidates,
    }
}

/// The match weight of a probability (log2 odds); probabilities of 0 and 1 map to ∓∞.
pub fn weight_of(p: f64) -> f64 {
    if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else {
        (p / (1.0 - p)).log2()
    }
}

fn count_table(blocks: &Blocks, pairs: &[(u32, u32, u8)], patterns: &[u64]) -> Table {
    let n_rules = blocks.rules.len();
    let maps: Vec<HashMap<(u64, u8, bool), u64, FxBuild>> = pairs
        .par_chunks(65_536)
        .zip(patterns.par_chunks(65_536))
        .map(|(ps, pts)| {
            let mut map: HashMap<(u64, u8, bool), u64, FxBuild> = HashMap::default();
            for (&(a, b, r), &pattern) in ps.iter().zip(pts) {
                let also = (r as usize + 1..n_rules).filter(|&s| {
                    let k = &blocks.keys[s];
                    k[a as usize] != 0 && k[a as usize] == k[b as usize]
                });
                count_into(&mut map, pattern, r, also.map(|s| s as u8));
            }
            map
        })
        .collect();
    let mut total: HashMap<(u64, u8, bool), u64, FxBuild> = HashMap::default();
    for m in maps {
        for (k, v) in m {
            *total.entry(k).or_insert(0) += v;
        }
    }
    let mut table: Table = total
        .into_iter()
        .map(|((p, r, f), c)| (p, r, f, c))
        .collect();
    // Sorted, so that floating-point sums in EM run in one order whatever the hashing.
    table.sort_unstable();
    table
}

fn label_patterns(d: &Dataset, labels: &[Label], active: &[Comparison]) -> Vec<(u64, bool)> {
    labels
        .iter()
        .map(|l| {
            (
                compare(d, &d.recs[l.a as usize], &d.recs[l.b as usize], active),
                l.same,
            )
        })
        .collect()
}

fn agreeing(d: &Dataset, model: &Model, labels: &[Label], threshold: f64) -> usize {
    let scorer = Scorer::new(model, d);
    let active = scorer.active().to_vec();
    let t = weight_of(threshold);
    labels
        .iter()
        .filter(|l| {
            let (a, b) = (&d.recs[l.a as usize], &d.recs[l.b as usize]);
            let w = scorer.weight(compare(d, a, b, &active), a);
            (w >= t) == l.same
        })
        .count()
}
