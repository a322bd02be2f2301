//! Weighted choice from static tables, the one sampling primitive of the generator.

use rand::Rng;

/// Items with weights; `pick` is a binary search over the cumulative weights.
#[derive(Debug, Clone)]
pub(crate) struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T> Weighted<T> {
    /// Panics on an empty table or non-positive total: the tables are compiled in and tested.
    pub(crate) fn new(pairs: impl IntoIterator<Item = (T, f64)>) -> Self {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0.0;
        for (item, weight) in pairs {
            total += weight.max(0.0);
            items.push(item);
            cumulative.push(total);
        }
        assert!(
            total > 0.0,
            "a weighted table needs a positive total weight"
        );
        Weighted { items, cumulative }
    }

    pub(crate) fn pick<R: Rng + ?Sized>(&self, rng: &mut R) -> &T {
        let total = self.cumulative[self.cumulative.len() - 1];
        let x = rng.random::<f64>() * total;
        let i = self.cumulative.partition_point(|&c| c <= x);
        &self.items[i.min(self.items.len() - 1)]
    }
}

impl<T: Copy> Weighted<T> {
    /// Zipf-like weights for a list ordered most common first: real name frequencies have a
    /// long tail, and the head ("Siti Aminah", "Asep") is what makes different people collide.
    pub(crate) fn zipf(items: &[T], exponent: f64) -> Self {
        Weighted::new(
            items
                .iter()
                .enumerate()
                .map(|(rank, &item)| (item, 1.0 / ((rank + 2) as f64).powf(exponent))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn picks_follow_the_weights() {
        let table = Weighted::new([("a", 3.0), ("b", 1.0), ("c", 0.0)]);
        let mut rng = crate::SynthRng::seed_from_u64(7);
        let n = 20_000;
        let a = (0..n).filter(|_| *table.pick(&mut rng) == "a").count();
        let share = a as f64 / n as f64;
        assert!((share - 0.75).abs() < 0.02, "share of a = {share}");
    }
}
