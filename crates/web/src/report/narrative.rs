//! The report's short narrative: a few plain sentences on the biggest changes, written from the
//! same suppressed figures the tables show (a sentence whose figure is hidden is left out, so the
//! text never tells more than the tables).

use emas_domain::disclosure::{self, Figure, format_number};
use emas_domain::emas_index::Dimension;
use emas_domain::survey::Wave;
use emas_store::outcomes::Outcomes;
use emas_store::surveys::Aggregates;

use crate::charts;
use crate::i18n::Lang;

fn shown(f: Figure) -> Option<f64> {
    f.value()
}

/// The sentences, most important first.
pub fn write(
    lang: Lang,
    now: &Outcomes,
    before: &Outcomes,
    scores: &Aggregates,
    overdue: i64,
) -> Vec<String> {
    let mut out = Vec::new();
    let count = |n: i64| shown(disclosure::count(n)).map(|v| format_number(v, 0));

    // Participants enrolled, against the period before.
    if let (Some(n), Some(b)) = (count(now.funnel.total), count(before.funnel.total)) {
        out.push(lang.t_args("report-nar-participants", &[("after", n), ("before", b)]));
    }

    // How far the period's participants came: businesses operating.
    let operating = now.funnel.operating();
    if let (Some(n), Some(share)) = (
        count(operating).filter(|_| operating > 0),
        shown(disclosure::share(operating, now.funnel.total)),
    ) {
        out.push(lang.t_args(
            "report-nar-operating",
            &[
                ("after", n),
                ("what", format!("{}%", format_number(share * 100.0, 0))),
            ],
        ));
    }

    // EMAS: the dimension that moved most between the baseline and the latest follow-up with a
    // figure, and the share reaching EMAS at that follow-up.
    let baseline = scores.waves.iter().find(|w| w.wave == Wave::Baseline);
    let latest = scores
        .waves
        .iter()
        .rev()
        .find(|w| w.wave != Wave::Baseline && disclosure::count(w.surveys).value().is_some());
    if let (Some(b), Some(l)) = (baseline, latest) {
        let mean = |w: &emas_store::surveys::WaveAggregate, d: Dimension| {
            w.dimensions
                .iter()
                .find(|x| x.dimension == d)
                .and_then(|x| {
                    disclosure::mean(x.mean.unwrap_or(0.0) * x.scored as f64, x.scored).value()
                })
        };
        let mut changes: Vec<(Dimension, f64, f64)> = Dimension::ALL
            .iter()
            .filter_map(|d| Some((*d, mean(b, *d)?, mean(l, *d)?)))
            .collect();
        changes.sort_by(|x, y| (y.2 - y.1).abs().total_cmp(&(x.2 - x.1).abs()));
        let wave = lang.tk("survey-wave", l.wave.as_str());
        let sentence = |&(d, from, to): &(Dimension, f64, f64)| {
            let key = if to >= from {
                "report-nar-dimension-up"
            } else {
                "report-nar-dimension-down"
            };
            lang.t_args(
                key,
                &[
                    ("what", lang.tk("survey-dim", d.as_str())),
                    ("before", format_number(from, 2)),
                    ("after", format_number(to, 2)),
                    ("area", wave.clone()),
                ],
            )
        };
        // The largest change, and the weakest dimension at the latest wave when it is another.
        let largest = changes.first();
        let weakest = changes.iter().min_by(|x, y| x.2.total_cmp(&y.2));
        if let Some(c) = largest {
            out.push(sentence(c));
        }
        if let Some(c) = weakest.filter(|w| largest.is_some_and(|l| l.0 != w.0)) {
            out.push(sentence(c));
        }
        if let Some(share) = shown(disclosure::share(l.reaching_emas, l.surveys)) {
            out.push(lang.t_args(
                "report-nar-reach",
                &[
                    ("what", format!("{}%", format_number(share * 100.0, 0))),
                    ("area", wave),
                ],
            ));
        }
    }

    // Re-migration: the area where most returnees left again.
    let worst = now
        .areas
        .iter()
        .filter_map(|a| Some((a, shown(disclosure::share(a.departed_again, a.people))?)))
        .max_by(|x, y| x.1.total_cmp(&y.1));
    if let Some((a, share)) = worst.filter(|(_, share)| *share > 0.0) {
        let name = emas_domain::regions::Regions::reference().name_or_code(&a.code);
        out.push(lang.t_args(
            "report-nar-remigration",
            &[
                ("area", name),
                ("what", charts::percent(Figure::Shown(share))),
            ],
        ));
    }

    if let Some(n) = count(overdue).filter(|_| overdue > 0) {
        out.push(lang.t_args("report-nar-overdue", &[("after", n)]));
    }
    if out.is_empty() {
        out.push(lang.t("report-nar-none"));
    }
    out
}
