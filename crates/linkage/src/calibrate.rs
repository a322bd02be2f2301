//! The prior of a batch, estimated on the batch's own candidate pairs.
//!
//! A model's prior λ is the share of matches among the blocked pairs it was trained on. Linked
//! against a registry, a new record meets every existing record that shares a blocking key with
//! it: the larger the registry, the more candidates share a common name and birth year, while
//! the matches per record stay about one. The trained prior then overstates the odds of every
//! pair, and different people land between the thresholds. Here λ is estimated again by EM on
//! the batch's pairs with the model's m- and u-probabilities held fixed: only the mixing weight
//! moves, so the log-likelihood is concave in λ and the estimate is unique.

use crate::engine::weight_of;
use crate::model::probability;

/// Bins per bit of Bayes factor; factors are kept in [-RANGE, RANGE) bits.
const BINS_PER_BIT: f64 = 16.0;
const RANGE: f64 = 64.0;
const BINS: usize = (2.0 * RANGE * BINS_PER_BIT) as usize;

/// The trained prior weighs as much as this many pairs, so that a batch of a few rows does not
/// swing it to an extreme.
const PSEUDO_PAIRS: f64 = 20.0;

/// The prior may rise at most this many bits above the trained one: a batch whose pairs are
/// mostly matches says more about its blocking than about the registry.
pub const MAX_RISE: f64 = 3.0;

/// Counts of the Bayes factors (log2, the match weight without the prior) of a batch's pairs.
#[derive(Debug, Clone, Default)]
pub struct FactorHistogram {
    bins: Vec<u64>,
}

impl FactorHistogram {
    pub fn add(&mut self, factor: f64) {
        if self.bins.is_empty() {
            self.bins = vec![0; BINS];
        }
        let b = ((factor.clamp(-RANGE, RANGE - 1e-9) + RANGE) * BINS_PER_BIT) as usize;
        self.bins[b] += 1;
    }

    pub fn merge(mut self, other: FactorHistogram) -> FactorHistogram {
        if self.bins.is_empty() {
            return other;
        }
        for (a, b) in self.bins.iter_mut().zip(other.bins) {
            *a += b;
        }
        self
    }

    pub fn pairs(&self) -> u64 {
        self.bins.iter().sum()
    }

    /// The prior (log2 odds) that best explains these pairs, starting from and leaning on
    /// `trained` (log2 odds), at most [`MAX_RISE`] bits above it.
    pub fn calibrated_prior(&self, trained: f64) -> f64 {
        let n = self.pairs() as f64;
        if n == 0.0 {
            return trained;
        }
        let lambda0 = probability(trained);
        let factors: Vec<(f64, f64)> = self
            .bins
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(b, &c)| ((b as f64 + 0.5) / BINS_PER_BIT - RANGE, c as f64))
            .collect();
        let mut lambda = lambda0;
        for _ in 0..1000 {
            let prior = weight_of(lambda);
            let expected: f64 = factors
                .iter()
                .map(|&(f, c)| c * probability(prior + f))
                .sum();
            let next = ((expected + PSEUDO_PAIRS * lambda0) / (n + PSEUDO_PAIRS))
                .clamp(1e-12, 1.0 - 1e-12);
            let done = (next - lambda).abs() < 1e-12;
            lambda = next;
            if done {
                break;
            }
        }
        weight_of(lambda).min(trained + MAX_RISE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(factors: &[(f64, usize)]) -> FactorHistogram {
        let mut h = FactorHistogram::default();
        for &(f, n) in factors {
            for _ in 0..n {
                h.add(f);
            }
        }
        h
    }

    #[test]
    fn no_pairs_keep_the_trained_prior() {
        assert_eq!(FactorHistogram::default().calibrated_prior(-2.5), -2.5);
    }

    #[test]
    fn clear_pairs_give_the_share_of_matches() {
        // 100 clear matches among 10,000 pairs: λ close to 1 %.
        let h = histogram(&[(20.0, 100), (-20.0, 9_900)]);
        let lambda = probability(h.calibrated_prior(-2.5));
        assert!((lambda - 0.01).abs() < 0.0005, "{lambda}");
    }

    #[test]
    fn more_candidates_per_match_lower_the_prior() {
        let few = histogram(&[(15.0, 100), (-10.0, 400)]).calibrated_prior(-2.5);
        let many = histogram(&[(15.0, 100), (-10.0, 40_000)]).calibrated_prior(-2.5);
        assert!(many < few - 5.0, "{few} {many}");
    }

    #[test]
    fn the_prior_rises_at_most_max_rise() {
        let h = histogram(&[(20.0, 1_000)]);
        assert_eq!(h.calibrated_prior(-2.5), -2.5 + MAX_RISE);
    }

    #[test]
    fn merged_histograms_count_both() {
        let a = histogram(&[(1.0, 3)]);
        let b = histogram(&[(-1.0, 4)]);
        assert_eq!(a.merge(b).pairs(), 7);
        assert_eq!(
            FactorHistogram::default()
                .merge(histogram(&[(0.0, 2)]))
                .pairs(),
            2
        );
    }
}
