//! Statistical disclosure control for aggregate views and exports: no published figure may show,
//! or let a reader derive, a count of 1 to 4 people (a count that small can name someone in a
//! village). Small counts are shown as "<5"; a figure hidden only because it would give a small
//! count away (by subtraction from a total or a neighbouring figure) is shown as hidden.
//!
//! Every aggregate page and report passes its numbers through one of these functions, so the rule
//! lives in one place: [`count`] for a lone count, [`breakdown`] for parts of a published total,
//! [`cumulative`] for a funnel, [`share`] and [`mean`] for figures computed over people.

use serde::Serialize;

/// The smallest count that may be published; 1 to `MIN_COUNT - 1` are hidden. Zero is shown:
/// "nobody" identifies no one.
pub const MIN_COUNT: i64 = 5;

/// One published figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Figure {
    Shown(f64),
    /// A count of 1 to 4, shown as "<5".
    Small,
    /// Hidden because it would let a reader derive a small count.
    Hidden,
}

impl Figure {
    pub fn value(self) -> Option<f64> {
        match self {
            Figure::Shown(v) => Some(v),
            Figure::Small | Figure::Hidden => None,
        }
    }

    /// Counts as text: "1.234", "<5" or "–". `decimals` for means and shares.
    pub fn format(self, decimals: usize) -> String {
        match self {
            Figure::Shown(v) => format_number(v, decimals),
            Figure::Small => "<5".to_owned(),
            Figure::Hidden => "–".to_owned(),
        }
    }
}

/// Indonesian number format: a dot between thousands, a comma before decimals.
pub fn format_number(v: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

fn is_small(n: i64) -> bool {
    (1..MIN_COUNT).contains(&n)
}

/// A count published on its own.
pub fn count(n: i64) -> Figure {
    if is_small(n) {
        Figure::Small
    } else {
        Figure::Shown(n as f64)
    }
}

/// The parts of a total that is published too (people by sex, by country, by regency). A part of
/// 1 to 4 is hidden; and when exactly one part is hidden, the total minus the others would give it
/// back, so the smallest other part is hidden as well.
pub fn breakdown(parts: &[i64]) -> Vec<Figure> {
    let mut out: Vec<Figure> = parts.iter().map(|&n| count(n)).collect();
    let hidden = out.iter().filter(|f| f.value().is_none()).count();
    if hidden == 1 {
        let smallest_other = parts
            .iter()
            .enumerate()
            .filter(|(i, _)| out[*i].value().is_some())
            .min_by_key(|(_, n)| **n)
            .map(|(i, _)| i);
        if let Some(i) = smallest_other {
            out[i] = Figure::Hidden;
        }
    }
    out
}

/// A falling series such as a funnel (participants who reached each stage). Besides small values,
/// the difference between two published neighbours is a count (those who stopped between them),
/// so a value that would leave a difference of 1 to 4 after the last published one is hidden.
/// Differences of published values are then all 0 or at least 5, and so are their sums.
pub fn cumulative(values: &[i64]) -> Vec<Figure> {
    let mut last: Option<i64> = None;
    values
        .iter()
        .map(|&v| {
            let gap_small = last.is_some_and(|l| is_small((l - v).abs()));
            if is_small(v) {
                Figure::Small
            } else if gap_small {
                Figure::Hidden
            } else {
                last = Some(v);
                Figure::Shown(v as f64)
            }
        })
        .collect()
}

/// The share of `of` people for whom something holds (`part` of them), from 0 to 1. Hidden when
/// either the part or the rest is a small count, since with the base published either one can be
/// worked out from the share.
pub fn share(part: i64, of: i64) -> Figure {
    if of < MIN_COUNT {
        return if of == 0 {
            Figure::Hidden
        } else {
            Figure::Small
        };
    }
    if is_small(part) || is_small(of - part) {
        Figure::Hidden
    } else {
        Figure::Shown(part as f64 / of as f64)
    }
}

/// A mean over `n` people: hidden when fewer than five people stand behind it.
pub fn mean(sum: f64, n: i64) -> Figure {
    if n < MIN_COUNT {
        Figure::Hidden
    } else {
        Figure::Shown(sum / n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_counts_show_as_less_than_five_and_zero_shows() {
        assert_eq!(count(0), Figure::Shown(0.0));
        assert_eq!(count(3).format(0), "<5");
        assert_eq!(count(5).format(0), "5");
        assert_eq!(count(12_345).format(0), "12.345");
    }

    #[test]
    fn one_hidden_part_takes_the_smallest_other_with_it() {
        let f = breakdown(&[120, 3, 40, 9]);
        assert_eq!(
            f,
            vec![
                Figure::Shown(120.0),
                Figure::Small,
                Figure::Shown(40.0),
                Figure::Hidden
            ]
        );
        // Two small parts protect each other.
        assert_eq!(breakdown(&[10, 2, 4])[0], Figure::Shown(10.0));
    }

    #[test]
    fn a_funnel_hides_a_stage_that_would_give_away_a_small_drop() {
        let f = cumulative(&[374, 371, 290, 288, 130, 3]);
        let shown: Vec<String> = f.iter().map(|x| x.format(0)).collect();
        assert_eq!(shown, ["374", "–", "290", "–", "130", "<5"]);
    }

    #[test]
    fn shares_and_means_need_five_on_each_side() {
        assert_eq!(share(2, 100), Figure::Hidden);
        assert_eq!(share(98, 100), Figure::Hidden);
        assert_eq!(share(50, 100), Figure::Shown(0.5));
        assert_eq!(share(1, 3), Figure::Small);
        assert_eq!(mean(2.0, 4), Figure::Hidden);
        assert_eq!(mean(3.0, 6), Figure::Shown(0.5));
    }

    #[test]
    fn numbers_are_written_the_indonesian_way() {
        assert_eq!(format_number(1_234_567.0, 0), "1.234.567");
        assert_eq!(format_number(0.456, 2), "0,46");
        assert_eq!(format_number(-1500.5, 1), "-1.500,5");
        assert_eq!(format_number(-0.001, 1), "0,0");
    }

    proptest! {
        /// No small count can be recovered from a breakdown and its total: every hidden part is
        /// hidden together with at least one other.
        #[test]
        fn a_breakdown_never_leaves_one_part_alone(parts in prop::collection::vec(0i64..40, 1..8)) {
            let f = breakdown(&parts);
            let hidden = f.iter().filter(|x| x.value().is_none()).count();
            prop_assert!(hidden != 1 || parts.len() == 1);
            for (p, x) in parts.iter().zip(&f) {
                if is_small(*p) { prop_assert!(x.value().is_none()); }
            }
        }

        /// In a published funnel, every difference between two shown values is 0 or at least 5.
        #[test]
        fn funnel_differences_are_never_small(mut values in prop::collection::vec(0i64..60, 1..9)) {
            values.sort_unstable_by(|a, b| b.cmp(a));
            let shown: Vec<i64> = cumulative(&values).iter().filter_map(|f| f.value()).map(|v| v as i64).collect();
            for (i, a) in shown.iter().enumerate() {
                prop_assert!(!is_small(*a));
                for b in &shown[i + 1..] {
                    prop_assert!(!is_small(a - b), "{a} - {b} in {values:?}");
                }
            }
        }
    }
}
