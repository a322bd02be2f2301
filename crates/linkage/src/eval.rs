//! Measures a run against known truth (benchmarks and tests): pairwise precision, recall and F1
//! after clustering, and the recall of blocking.

use std::collections::HashMap;

use serde::Serialize;

use crate::model::LinkType;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metrics {
    pub true_pairs: u64,
    pub predicted_pairs: u64,
    pub correct_pairs: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Share of true pairs that blocking put up for comparison (when candidates are given).
    pub blocking_recall: Option<f64>,
}

/// Pairs within groups; in link mode only pairs across sources count.
fn pairs_in<K: std::hash::Hash + Eq>(keys: impl Iterator<Item = (K, u16)>, link: LinkType) -> u64 {
    let mut groups: HashMap<K, HashMap<u16, u64>> = HashMap::new();
    for (k, s) in keys {
        *groups.entry(k).or_default().entry(s).or_insert(0) += 1;
    }
    groups
        .values()
        .map(|by_source| {
            let n: u64 = by_source.values().sum();
            let all = n * n.saturating_sub(1) / 2;
            match link {
                LinkType::Dedupe => all,
                LinkType::Link => {
                    all - by_source
                        .values()
                        .map(|&m| m * m.saturating_sub(1) / 2)
                        .sum::<u64>()
                }
            }
        })
        .sum()
}

/// `truth` holds each record's true entity (None: unknown, its own entity).
pub fn evaluate(
    truth: &[Option<u32>],
    sources: &[u16],
    cluster: &[u32],
    link: LinkType,
    candidates: Option<&[(u32, u32)]>,
) -> Metrics {
    let t = |i: usize| truth[i].map_or(u64::MAX - i as u64, u64::from);
    let true_pairs = pairs_in((0..truth.len()).map(|i| (t(i), sources[i])), link);
    let predicted = pairs_in((0..truth.len()).map(|i| (cluster[i], sources[i])), link);
    let correct = pairs_in(
        (0..truth.len()).map(|i| ((cluster[i], t(i)), sources[i])),
        link,
    );
    let precision = if predicted == 0 {
        1.0
    } else {
        correct as f64 / predicted as f64
    };
    let recall = if true_pairs == 0 {
        1.0
    } else {
        correct as f64 / true_pairs as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    let blocking_recall = candidates.map(|c| {
        let found = c
            .iter()
            .filter(|&&(a, b)| {
                let (a, b) = (a as usize, b as usize);
                truth[a].is_some()
                    && truth[a] == truth[b]
                    && (link == LinkType::Dedupe || sources[a] != sources[b])
            })
            .count() as f64;
        if true_pairs == 0 {
            1.0
        } else {
            found / true_pairs as f64
        }
    });
    Metrics {
        true_pairs,
        predicted_pairs: predicted,
        correct_pairs: correct,
        precision,
        recall,
        f1,
        blocking_recall,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_imperfect_clusterings() {
        let truth = [Some(1), Some(1), Some(1), Some(2), None];
        let sources = [0, 0, 0, 0, 0];
        let m = evaluate(&truth, &sources, &[0, 0, 0, 1, 2], LinkType::Dedupe, None);
        assert_eq!((m.true_pairs, m.correct_pairs, m.f1), (3, 3, 1.0));
        let m = evaluate(
            &truth,
            &sources,
            &[0, 0, 1, 1, 2],
            LinkType::Dedupe,
            Some(&[(0, 1), (2, 3)]),
        );
        assert_eq!((m.predicted_pairs, m.correct_pairs), (2, 1));
        assert!((m.precision - 0.5).abs() < 1e-9 && (m.recall - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(m.blocking_recall, Some(1.0 / 3.0));
    }
}
