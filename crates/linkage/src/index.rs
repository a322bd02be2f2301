//! Incremental linking: new records against existing clusters, without recomputing the old
//! pairs. The index keeps the standardised existing records, their blocking keys (sorted, for
//! binary search) and their clusters; linking a batch costs its own blocking, comparisons and
//! a small clustering step, so it grows with the batch, not with the registry.
//!
//! A new record joins the existing person it matches best (at or above the threshold, and not
//! contradicting that person's NIKs or birth dates). A batch never merges two existing people:
//! a record that would bridge them is flagged for review instead, since an earlier decision
//! would be undone silently.

use std::collections::HashMap;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::block::{Blocks, Rule};
use crate::calibrate::{FactorHistogram, MAX_RISE};
use crate::compare::{compare, dates_conflict, niks_conflict};
use crate::engine::weight_of;
use crate::explain::{Explanation, explain};
use crate::model::{Frequencies, LinkType, Model, Scorer, probability};
use crate::prepare::{Dataset, FxBuild, Input, NikState, Rec};

/// A scored pair between a new record and another record (existing, or earlier in the batch).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// The new record (index in the index's records).
    pub record: u32,
    pub other: u32,
    pub weight: f64,
    pub probability: f64,
}

/// What linking a batch decided.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchResult {
    /// Index of the batch's first record; the batch occupies `first..first + cluster.len()`.
    pub first: u32,
    /// Cluster of each new record: an existing person's, or a new one.
    pub cluster: Vec<u32>,
    /// Every scored pair at or above the floor, strongest first.
    pub candidates: Vec<Candidate>,
    /// New records left out of a match because it would contradict NIKs or birth dates, or
    /// bridge two existing people.
    pub flagged: Vec<Candidate>,
    /// The prior (log2 odds) the batch was scored with: the model's, or the batch's own when
    /// the index calibrates.
    pub prior: f64,
}

pub struct Index {
    data: Dataset,
    model: Model,
    scorer: Scorer,
    rules: Vec<Rule>,
    base: Vec<Vec<(u64, u32)>>,
    added: Vec<HashMap<u64, Vec<u32>, FxBuild>>,
    cluster: Vec<u32>,
    witness_offsets: Vec<u32>,
    witness_members: Vec<u32>,
    witness_added: HashMap<u32, Vec<u32>, FxBuild>,
    next_cluster: u32,
    today: NaiveDate,
    floor: f64,
    calibrate: bool,
}

fn is_witness(r: &Rec) -> bool {
    r.nik_state == NikState::Clean || (r.dob != 0 && !r.dob_placeholder)
}

impl Index {
    /// Builds the index of existing records and their clusters (one cluster number per record,
    /// as `engine::run` gives them). `today` must be the date the records were standardised with.
    pub fn build(
        existing: Dataset,
        cluster: Vec<u32>,
        model: Model,
        today: NaiveDate,
        floor: f64,
    ) -> Index {
        Index::build_with_frequencies(existing, cluster, model, today, floor, None)
    }

    /// As [`Index::build`], with term frequencies kept outside the dataset: `existing` may then
    /// be only the candidates of a batch, fetched from a registry by their blocking keys.
    pub fn build_with_frequencies(
        existing: Dataset,
        cluster: Vec<u32>,
        model: Model,
        today: NaiveDate,
        floor: f64,
        frequencies: Option<&Frequencies>,
    ) -> Index {
        let mut existing = existing;
        if let Some(f) = frequencies {
            // Values counted outside may belong to records not in the dataset (a batch's, or
            // the registry's other records): known by id, they are found when a batch brings them.
            for (_, value) in f.counts.keys() {
                existing.strings.intern(value);
            }
        }
        assert_eq!(
            existing.len(),
            cluster.len(),
            "one cluster per existing record"
        );
        let blocks = Blocks::build(&existing, &model.rules, model.max_block);
        let scorer = Scorer::with_frequencies(&model, &existing, frequencies);
        let next_cluster = cluster.iter().max().map_or(0, |m| m + 1);
        // Witnesses of each cluster in compressed rows: records sorted by cluster.
        let mut wit: Vec<(u32, u32)> = cluster
            .iter()
            .enumerate()
            .filter(|(i, _)| is_witness(&existing.recs[*i]))
            .map(|(i, &c)| (c, i as u32))
            .collect();
        wit.par_sort_unstable();
        let mut witness_offsets = vec![0u32; next_cluster as usize + 1];
        for &(c, _) in &wit {
            witness_offsets[c as usize + 1] += 1;
        }
        for i in 1..witness_offsets.len() {
            witness_offsets[i] += witness_offsets[i - 1];
        }
        let witness_members = wit.into_iter().map(|(_, i)| i).collect();
        let rules = model.rules.clone();
        Index {
            added: rules.iter().map(|_| HashMap::default()).collect(),
            base: blocks.sorted,
            rules,
            scorer,
            model,
            data: existing,
            cluster,
            witness_offsets,
            witness_members,
            witness_added: HashMap::default(),
            next_cluster,
            today,
            floor,
            calibrate: false,
        }
    }

    /// Scores each batch with a prior estimated on the batch's own candidate pairs (see
    /// [`crate::calibrate`]) instead of the model's: for linking against a registry larger
    /// than the data the model was trained on.
    pub fn calibrating(mut self) -> Index {
        self.calibrate = true;
        self
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn dataset(&self) -> &Dataset {
        &self.data
    }

    pub fn cluster_of(&self, record: u32) -> u32 {
        self.cluster[record as usize]
    }

    /// Explains the score of two records of the index.
    pub fn explain(&self, a: u32, b: u32) -> Explanation {
        explain(&self.data, &self.scorer, a as usize, b as usize)
    }

    fn witnesses(&self, c: u32) -> impl Iterator<Item = u32> + '_ {
        let base: &[u32] = if (c as usize) + 1 < self.witness_offsets.len() {
            &self.witness_members[self.witness_offsets[c as usize] as usize
                ..self.witness_offsets[c as usize + 1] as usize]
        } else {
            &[]
        };
        base.iter()
            .copied()
            .chain(self.witness_added.get(&c).into_iter().flatten().copied())
    }

    fn candidates_of(&self, i: usize) -> Vec<u32> {
        let r = &self.data.recs[i];
        let mut out = Vec::new();
        if !r.is_comparable() {
            return out;
        }
        for (ri, rule) in self.rules.iter().enumerate() {
            let k = rule.key(&self.data.strings, r);
            if k == 0 {
                continue;
            }
            let s = &self.base[ri];
            let lo = s.partition_point(|e| e.0 < k);
            let hi = s.partition_point(|e| e.0 <= k);
            if hi - lo <= self.model.max_block {
                out.extend(s[lo..hi].iter().map(|e| e.1));
            }
            if let Some(v) = self.added[ri].get(&k) {
                // Earlier records of the same batch pair with later ones only once.
                out.extend(v.iter().copied().filter(|&j| (j as usize) < i));
            }
        }
        let link_only = self.model.link_type == LinkType::Link;
        out.retain(|&j| {
            j as usize != i && !(link_only && self.data.sources[j as usize] == self.data.sources[i])
        });
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Links a batch of new rows and adds them to the index.
    pub fn link(&mut self, batch: Vec<Input>) -> BatchResult {
        let first = self.data.len();
        self.data.extend(batch, self.today);
        let n = self.data.len();
        // Keys of the batch go in first, so that batch records find each other.
        for i in first..n {
            let r = &self.data.recs[i];
            if !r.is_comparable() {
                continue;
            }
            for (ri, rule) in self.rules.iter().enumerate() {
                let k = rule.key(&self.data.strings, r);
                if k != 0 {
                    self.added[ri].entry(k).or_default().push(i as u32);
                }
            }
        }
        let floor = weight_of(self.floor);
        // Calibrating can raise the prior by MAX_RISE at most: pairs that far below the floor
        // are kept until the prior is known.
        let keep_from = if self.calibrate {
            floor - MAX_RISE
        } else {
            floor
        };
        let active = self.scorer.active().to_vec();
        let prior = self.scorer.prior;
        let (mut candidates, factors) = (first..n)
            .into_par_iter()
            .fold(
                || (Vec::new(), FactorHistogram::default()),
                |(mut kept, mut factors), i| {
                    let a = &self.data.recs[i];
                    for j in self.candidates_of(i) {
                        let b = &self.data.recs[j as usize];
                        let w = self.scorer.weight(compare(&self.data, a, b, &active), a);
                        if self.calibrate {
                            factors.add(w - prior);
                        }
                        if w >= keep_from {
                            kept.push(Candidate {
                                record: i as u32,
                                other: j,
                                weight: w,
                                probability: probability(w),
                            });
                        }
                    }
                    (kept, factors)
                },
            )
            .reduce(
                || (Vec::new(), FactorHistogram::default()),
                |(mut a, fa), (b, fb)| {
                    a.extend(b);
                    (a, fa.merge(fb))
                },
            );
        if self.calibrate {
            let trained = weight_of(self.model.lambda);
            let calibrated = factors.calibrated_prior(trained);
            self.scorer.prior = calibrated;
            let shift = calibrated - prior;
            candidates.retain_mut(|c| {
                c.weight += shift;
                c.probability = probability(c.weight);
                c.weight >= floor
            });
        }
        candidates.sort_by(|x, y| {
            y.weight
                .total_cmp(&x.weight)
                .then((x.record, x.other).cmp(&(y.record, y.other)))
        });

        // Clustering of the batch: nodes are existing clusters and new records.
        let threshold = weight_of(self.model.threshold);
        let mut owner: Vec<Option<u32>> = vec![None; n - first];
        let mut parent: Vec<u32> = (0..(n - first) as u32).collect();
        fn find(p: &mut [u32], mut x: u32) -> u32 {
            while p[x as usize] != x {
                p[x as usize] = p[p[x as usize] as usize];
                x = p[x as usize];
            }
            x
        }
        let mut members: Vec<Vec<u32>> = (first..n).map(|i| vec![i as u32]).collect();
        let mut flagged = Vec::new();
        for c in candidates.iter().filter(|c| c.weight >= threshold) {
            let x = find(&mut parent, c.record - first as u32);
            let (other_existing, y) = if (c.other as usize) < first {
                (Some(self.cluster[c.other as usize]), None)
            } else {
                (None, Some(find(&mut parent, c.other - first as u32)))
            };
            if y == Some(x) || (other_existing.is_some() && owner[x as usize] == other_existing) {
                continue;
            }
            let target_owner = other_existing.or_else(|| y.and_then(|y| owner[y as usize]));
            if owner[x as usize].is_some() && target_owner.is_some() {
                // Would bridge two existing people.
                flagged.push(*c);
                continue;
            }
            let theirs: Vec<u32> = match (other_existing, y) {
                (Some(cl), _) => self.witnesses(cl).collect(),
                (None, Some(y)) => {
                    let mut v = members[y as usize].clone();
                    if let Some(cl) = owner[y as usize] {
                        v.extend(self.witnesses(cl));
                    }
                    v
                }
                _ => Vec::new(),
            };
            let mut ours: Vec<u32> = members[x as usize].clone();
            if let Some(cl) = owner[x as usize] {
                ours.extend(self.witnesses(cl));
            }
            let conflict = ours.iter().any(|&p| {
                theirs.iter().any(|&q| {
                    let (rp, rq) = (&self.data.recs[p as usize], &self.data.recs[q as usize]);
                    niks_conflict(rp, rq) || dates_conflict(rp, rq)
                })
            });
            if conflict {
                flagged.push(*c);
                continue;
            }
            match y {
                Some(y) => {
                    parent[y as usize] = x;
                    let moved = std::mem::take(&mut members[y as usize]);
                    members[x as usize].extend(moved);
                    if owner[x as usize].is_none() {
                        owner[x as usize] = owner[y as usize];
                    }
                }
                None => owner[x as usize] = other_existing,
            }
        }
        let mut new_cluster: HashMap<u32, u32, FxBuild> = HashMap::default();
        let mut cluster = Vec::with_capacity(n - first);
        for k in 0..(n - first) as u32 {
            let root = find(&mut parent, k);
            let c = match owner[root as usize] {
                Some(c) => c,
                None => *new_cluster.entry(root).or_insert_with(|| {
                    self.next_cluster += 1;
                    self.next_cluster - 1
                }),
            };
            cluster.push(c);
        }
        for (k, &c) in cluster.iter().enumerate() {
            let i = first + k;
            self.cluster.push(c);
            let r = self.data.recs[i].clone();
            if is_witness(&r) {
                self.witness_added.entry(c).or_default().push(i as u32);
            }
            self.scorer.observe(&r);
        }
        BatchResult {
            first: first as u32,
            cluster,
            candidates,
            flagged,
            prior: self.scorer.prior,
        }
    }
}
