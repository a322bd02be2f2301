//! Clustering of scored pairs into people: union–find over the pairs at or above the threshold,
//! strongest first, guarded against chaining. Two clusters are never merged when the result
//! would hold two trusted NIKs that differ by more than a slip, two birth dates that are
//! clearly different, or a pair that a person labelled "different"; such a pair is flagged
//! instead. Birth dates are the one exception: when the two records that disagree were
//! themselves scored above the threshold, or the linking pair is overwhelming (1000 times the
//! threshold odds), the evidence outweighs a mistyped date, so the merge goes ahead and is
//! flagged. Ties are broken by the records' (source, id) rank, so the result does not depend
//! on input order.

use crate::compare::{dates_conflict, niks_conflict};
use crate::prepare::{Dataset, NikState};

/// A pair that scored above the threshold but was not merged, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Flagged {
    pub a: u32,
    pub b: u32,
    pub weight: f64,
    pub reason: &'static str,
    /// True when the clusters were merged all the same: the two records whose birth dates
    /// differ were themselves scored as a match with that difference counted against them.
    pub merged: bool,
}

pub struct Clustering {
    /// Cluster number of each record: clusters numbered by their first record in rank order.
    pub cluster: Vec<u32>,
    pub count: usize,
    pub flagged: Vec<Flagged>,
}

struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }
}

/// Clusters `n` records. `edges` are (a, b, weight) at or above the threshold; `must` and
/// `cannot` are labelled pairs (same / different).
pub fn cluster(
    d: &Dataset,
    ranks: &[u32],
    edges: &[(u32, u32, f64)],
    must: &[(u32, u32)],
    cannot: &[(u32, u32)],
    threshold_weight: f64,
) -> Clustering {
    let strong = threshold_weight + 10.0;
    let n = d.len();
    let mut uf = UnionFind::new(n);
    // Witnesses: per cluster root, the members that can contradict another record (a trusted
    // NIK, a real birth date, or a "different" label). Other members can never conflict.
    let mut cannot_of: std::collections::HashMap<u32, Vec<u32>> = std::collections::HashMap::new();
    for &(a, b) in cannot {
        cannot_of.entry(a).or_default().push(b);
        cannot_of.entry(b).or_default().push(a);
    }
    let mut witnesses: Vec<Vec<u32>> = (0..n as u32)
        .map(|i| {
            let r = &d.recs[i as usize];
            let w = r.nik_state == NikState::Clean
                || (r.dob != 0 && !r.dob_placeholder)
                || cannot_of.contains_key(&i);
            if w { vec![i] } else { Vec::new() }
        })
        .collect();
    let mut flagged = Vec::new();
    let direct: std::collections::HashSet<(u32, u32)> = edges
        .iter()
        .map(|&(a, b, _)| (a.min(b), a.max(b)))
        .collect();

    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_unstable_by(|&x, &y| {
        let (a1, b1, w1) = edges[x];
        let (a2, b2, w2) = edges[y];
        let k1 = (
            ranks[a1 as usize].min(ranks[b1 as usize]),
            ranks[a1 as usize].max(ranks[b1 as usize]),
        );
        let k2 = (
            ranks[a2 as usize].min(ranks[b2 as usize]),
            ranks[a2 as usize].max(ranks[b2 as usize]),
        );
        w2.total_cmp(&w1).then(k1.cmp(&k2))
    });

    // Labelled "same" pairs first: a person decided them.
    let mut labelled: Vec<(u32, u32)> = must.to_vec();
    labelled.sort_unstable_by_key(|&(a, b)| {
        (
            ranks[a as usize].min(ranks[b as usize]),
            ranks[a as usize].max(ranks[b as usize]),
        )
    });
    let steps = labelled
        .iter()
        .map(|&(a, b)| (a, b, f64::INFINITY, true))
        .chain(
            order
                .iter()
                .map(|&i| (edges[i].0, edges[i].1, edges[i].2, false)),
        );
    for (a, b, weight, by_label) in steps {
        let (ra, rb) = (uf.find(a), uf.find(b));
        if ra == rb {
            continue;
        }
        let mut reason = None;
        let mut weighed = None;
        'outer: for &x in &witnesses[ra as usize] {
            for &y in &witnesses[rb as usize] {
                let (rx, ry) = (&d.recs[x as usize], &d.recs[y as usize]);
                if cannot_of.get(&x).is_some_and(|v| v.contains(&y)) {
                    reason = Some("labelled different");
                } else if !by_label && niks_conflict(rx, ry) {
                    reason = Some("different NIKs");
                } else if !by_label && dates_conflict(rx, ry) {
                    if weight >= strong || direct.contains(&(x.min(y), x.max(y))) {
                        weighed = Some("different birth dates, weighed by the model");
                    } else {
                        reason = Some("different birth dates");
                    }
                }
                if reason.is_some() {
                    break 'outer;
                }
            }
        }
        if let Some(reason) = reason {
            flagged.push(Flagged {
                a,
                b,
                weight,
                reason,
                merged: false,
            });
            continue;
        }
        if let Some(reason) = weighed {
            flagged.push(Flagged {
                a,
                b,
                weight,
                reason,
                merged: true,
            });
        }
        let (big, small) = if uf.size[ra as usize] >= uf.size[rb as usize] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        uf.parent[small as usize] = big;
        uf.size[big as usize] += uf.size[small as usize];
        let moved = std::mem::take(&mut witnesses[small as usize]);
        witnesses[big as usize].extend(moved);
    }

    // Number clusters by their first member in rank order.
    let mut by_rank: Vec<u32> = vec![0; n];
    for (i, &r) in ranks.iter().enumerate() {
        by_rank[r as usize] = i as u32;
    }
    let mut number = vec![u32::MAX; n];
    let mut cluster = vec![0u32; n];
    let mut count = 0u32;
    for &i in &by_rank {
        let root = uf.find(i) as usize;
        if number[root] == u32::MAX {
            number[root] = count;
            count += 1;
        }
        cluster[i as usize] = number[root];
    }
    Clustering {
        cluster,
        count: count as usize,
        flagged,
    }
}
