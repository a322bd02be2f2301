//! Properties the engine must hold whatever the data: scores are symmetric, an agreeing field
//! never lowers a pair's weight, and clustering does not depend on the order of the input.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use emas_linkage::compare::compare;
use emas_linkage::engine::{Settings, run};
use emas_linkage::model::Scorer;
use emas_linkage::{Dataset, Field, Input};
use proptest::prelude::*;

const NAMES: &[&str] = &[
    "Siti Aminah",
    "Siti Nurhayati",
    "Nur Hayati",
    "Muhammad Yusuf",
    "Moh. Yusup",
    "Dewi Sartika",
    "Rina Marlina",
    "Juariah",
    "Djuariah",
    "Ahmad Fauzi",
    "Achmad Fauzi",
    "Sri Rahayu",
    "Eko Prasetyo",
    "Yanti Susanti",
    "Hj. Rohmah",
    "Nurlela",
    "Agus Salim",
    "Ade Irma",
    "Cucu Sumiati",
    "Euis Komariah",
];
const PLACES: &[&str] = &["Serang", "Lebak", "Pandeglang", "Tangerang", "Cilegon"];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid")
}

/// A person: name index, birth date offset, place, whether an NIK is known.
type Person = (usize, u32, usize, bool);

fn people() -> impl Strategy<Value = Vec<(Person, u8, bool)>> {
    // Each person appears in 1-3 records; the flag damages one of them (a typo in the name).
    prop::collection::vec(
        (
            (0..NAMES.len(), 0u32..9000, 0..PLACES.len(), any::<bool>()),
            1u8..4,
            any::<bool>(),
        ),
        4..24,
    )
}

fn inputs(people: &[(Person, u8, bool)]) -> Vec<Input> {
    let mut out = Vec::new();
    for (p, ((name, dob, place, has_nik), copies, damaged)) in people.iter().enumerate() {
        let date = NaiveDate::from_ymd_opt(1970, 1, 2).expect("valid")
            + chrono::Days::new(u64::from(*dob));
        for c in 0..*copies {
            let mut n = NAMES[*name].to_owned();
            if *damaged && c == 1 {
                n.push('h');
            }
            let mut values = vec![
                (Field::FullName, n),
                (Field::BirthDate, date.format("%d-%m-%Y").to_string()),
                (Field::BirthPlace, PLACES[*place].to_owned()),
            ];
            if *has_nik {
                values.push((
                    Field::Nik,
                    format!("3604{:02}{}{:04}", p % 90 + 10, date.format("%d%m%y"), p),
                ));
            }
            out.push(Input {
                source: u16::from(c % 2),
                id: format!("p{p}c{c}"),
                values,
            });
        }
    }
    out
}

fn settings() -> Settings {
    Settings {
        u_sample: 5_000,
        today: today(),
        ..Settings::default()
    }
}

const FIELDS: &[Field] = &[
    Field::FullName,
    Field::BirthDate,
    Field::BirthPlace,
    Field::Nik,
    Field::Phone,
    Field::Email,
    Field::Village,
    Field::Postcode,
];

/// A record by its source and id.
type RecordName = (u16, String);

fn partition(d: &Dataset, cluster: &[u32]) -> BTreeSet<BTreeSet<(u16, String)>> {
    let mut by: BTreeMap<u32, BTreeSet<(u16, String)>> = BTreeMap::new();
    for (i, &c) in cluster.iter().enumerate() {
        by.entry(c)
            .or_default()
            .insert((d.sources[i], d.ids[i].to_string()));
    }
    by.into_values().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn scores_are_symmetric(ps in people()) {
        let mut d = Dataset::default();
        d.extend(inputs(&ps), today());
        let outcome = run(&d, FIELDS, &settings(), None, &[], false, &|_| {});
        let scorer = Scorer::new(&outcome.model, &d);
        let active = scorer.active().to_vec();
        for a in 0..d.len() {
            for b in 0..d.len() {
                let (ra, rb) = (&d.recs[a], &d.recs[b]);
                let ab = scorer.weight(compare(&d, ra, rb, &active), ra);
                let ba = scorer.weight(compare(&d, rb, ra, &active), rb);
                prop_assert!((ab - ba).abs() < 1e-9, "{a} {b}: {ab} vs {ba}");
            }
        }
    }

    #[test]
    fn an_agreeing_field_never_lowers_a_weight(
        ps in people(),
        field in prop::sample::select(vec![Field::Phone, Field::Email, Field::Village, Field::Postcode]),
        value in prop::sample::select(vec!["081234567890", "siti@example.id", "Sukamaju", "42182"]),
        a in 0usize..4,
        b in 0usize..4,
    ) {
        let rows = inputs(&ps);
        let mut d = Dataset::default();
        d.extend(rows.clone(), today());
        let model = run(&d, FIELDS, &settings(), None, &[], false, &|_| {}).model;
        let (a, b) = (a % rows.len(), b % rows.len());
        prop_assume!(a != b);
        let before = {
            let s = Scorer::new(&model, &d);
            s.weight(compare(&d, &d.recs[a], &d.recs[b], s.active()), &d.recs[a])
        };
        let mut with = rows;
        for i in [a, b] {
            with[i].values.push((field, value.to_owned()));
        }
        let mut d2 = Dataset::default();
        d2.extend(with, today());
        let s2 = Scorer::new(&model, &d2);
        let after = s2.weight(compare(&d2, &d2.recs[a], &d2.recs[b], s2.active()), &d2.recs[a]);
        prop_assert!(after >= before - 1e-9, "{before} -> {after}");
    }

    #[test]
    fn clustering_does_not_depend_on_input_order(ps in people(), seed in any::<u64>()) {
        let rows = inputs(&ps);
        let mut d1 = Dataset::default();
        d1.extend(rows.clone(), today());
        let c1 = run(&d1, FIELDS, &settings(), None, &[], false, &|_| {}).cluster;
        // A seeded shuffle.
        let mut shuffled = rows;
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let mut d2 = Dataset::default();
        d2.extend(shuffled, today());
        let c2 = run(&d2, FIELDS, &settings(), None, &[], false, &|_| {}).cluster;
        prop_assert_eq!(partition(&d1, &c1), partition(&d2, &c2));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// The waterfall a reviewer reads adds up: prior plus the field weights is the pair's
    /// weight, and the probability follows from it.
    #[test]
    fn an_explanation_sums_to_the_score(ps in people()) {
        let mut d = Dataset::default();
        d.extend(inputs(&ps), today());
        let outcome = run(&d, FIELDS, &settings(), None, &[], false, &|_| {});
        let scorer = Scorer::new(&outcome.model, &d);
        for a in 0..d.len().min(8) {
            for b in 0..d.len().min(8) {
                let e = emas_linkage::explain::explain(&d, &scorer, a, b);
                let sum: f64 = e.prior + e.terms.iter().map(|t| t.weight).sum::<f64>();
                let (ra, rb) = (&d.recs[a], &d.recs[b]);
                let direct = scorer.weight(compare(&d, ra, rb, scorer.active()), ra);
                prop_assert!((sum - e.weight).abs() < 1e-9);
                prop_assert!((direct - e.weight).abs() < 1e-9);
                prop_assert!((e.probability - 1.0 / (1.0 + (-e.weight).exp2())).abs() < 1e-12);
                prop_assert_eq!(e.terms.len(), scorer.active().len());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// What a registry does: it keeps each record's blocking keys and the counts of its values,
    /// and links a batch against only the records that share a key with it (and the rest of
    /// their people). That must score exactly as linking against everything, with the model's
    /// prior or with the batch's own (calibrated on the same candidate pairs).
    #[test]
    fn linking_against_fetched_candidates_equals_linking_against_all(
        ps in people(),
        batch_size in 1usize..6,
        calibrate: bool,
    ) {
        use emas_linkage::Index;
        use emas_linkage::model::{Frequencies, term_values};
        let rows = inputs(&ps);
        prop_assume!(rows.len() > batch_size + 1);
        let split = rows.len() - batch_size;
        let (old, batch) = (rows[..split].to_vec(), rows[split..].to_vec());
        let mut existing = Dataset::default();
        existing.extend(old.clone(), today());
        let outcome = run(&existing, FIELDS, &settings(), None, &[], false, &|_| {});
        let model = outcome.model;

        let calibrated = |ix: Index| if calibrate { ix.calibrating() } else { ix };
        let mut whole = calibrated(Index::build(existing.clone(), outcome.cluster.clone(), model.clone(), today(), 0.01));
        let all = whole.link(batch.clone());

        // The registry's side: keys and value counts of the existing records.
        let mut frequencies = Frequencies::default();
        for r in &existing.recs {
            for (c, v) in term_values(&existing, r) {
                *frequencies.counts.entry((c, v.to_owned())).or_insert(0) += 1;
                *frequencies.totals.entry(c).or_insert(0) += 1;
            }
        }
        let mut new = Dataset::default();
        new.extend(batch.clone(), today());
        let wanted: BTreeSet<u64> = new.recs.iter().flat_map(|r| model.keys(&new, r)).collect();
        let people: BTreeSet<u32> = existing.recs.iter().enumerate()
            .filter(|(_, r)| model.keys(&existing, r).iter().any(|k| wanted.contains(k)))
            .map(|(i, _)| outcome.cluster[i])
            .collect();
        let fetched: Vec<usize> = (0..existing.len()).filter(|&i| people.contains(&outcome.cluster[i])).collect();
        let mut mini = Dataset::default();
        mini.extend(fetched.iter().map(|&i| old[i].clone()).collect(), today());
        let mini_cluster: Vec<u32> = fetched.iter().map(|&i| outcome.cluster[i]).collect();
        let mut part = calibrated(Index::build_with_frequencies(mini, mini_cluster, model, today(), 0.01, Some(&frequencies)));
        let some = part.link(batch);
        prop_assert_eq!(all.prior.to_bits(), some.prior.to_bits());

        // The same pairs with the same weights, and the same people for the batch.
        let name = |ix: &Index, i: u32| {
            let d = ix.dataset();
            (d.sources[i as usize], d.ids[i as usize].to_string())
        };
        let pairs = |ix: &Index, cs: &[emas_linkage::Candidate]| -> BTreeMap<(RecordName, RecordName), u64> {
            cs.iter().map(|c| ((name(ix, c.record), name(ix, c.other)), c.weight.to_bits())).collect()
        };
        prop_assert_eq!(pairs(&whole, &all.candidates), pairs(&part, &some.candidates));
        let existing_person = |ix: &Index, r: &emas_linkage::index::BatchResult, k: usize| {
            let c = r.cluster[k];
            (0..r.first).find(|&i| ix.cluster_of(i) == c).map(|i| name(ix, i))
        };
        for k in 0..batch_size {
            prop_assert_eq!(existing_person(&whole, &all, k), existing_person(&part, &some, k));
        }
    }
}
