//! The waterfall a reviewer reads: for one pair, the prior and the weight of each compared
//! field at its level, which sum to the pair's match weight.

use serde::Serialize;

use crate::compare::{NULL, compare, level_of};
use crate::model::{Scorer, probability};
use crate::prepare::Dataset;

/// One bar of the waterfall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term {
    pub comparison: &'static str,
    /// The level's label, or "missing" when one side lacks the value.
    pub level: &'static str,
    /// log2 of the Bayes factor this field contributes.
    pub weight: f64,
    /// True when the weight reflects how common the shared value is.
    pub term_frequency_adjusted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub prior: f64,
    pub terms: Vec<Term>,
    /// prior + the sum of the terms' weights.
    pub weight: f64,
    pub probability: f64,
}

/// Explains the score of records `a` and `b` of the dataset.
pub fn explain(d: &Dataset, scorer: &Scorer, a: usize, b: usize) -> Explanation {
    let (ra, rb) = (&d.recs[a], &d.recs[b]);
    let pattern = compare(d, ra, rb, scorer.active());
    let mut weight = scorer.prior;
    let terms = scorer
        .active()
        .iter()
        .map(|&c| {
            let level = level_of(pattern, c.index());
            let (w, tf) = scorer.term(c, level, ra);
            weight += w;
            Term {
                comparison: c.name(),
                level: if level == NULL {
                    "missing"
                } else {
                    c.levels()[level as usize]
                },
                weight: w,
                term_frequency_adjusted: tf,
            }
        })
        .collect();
    Explanation {
        prior: scorer.prior,
        terms,
        weight,
        probability: probability(weight),
    }
}
