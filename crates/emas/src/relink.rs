//! `emas link --registry`: person resolution run again over the whole registry, after the model
//! or the thresholds changed or decisions were made in the review queue. It reports what would
//! change; only `--apply` changes anything, as merges and splits that can each be undone.
//!
//! The engine clusters every link record anew (the review queue's decisions bind it as labels).
//! Each cluster's home is the person holding most of its records; a person whose records all
//! belong to another home is merged into it, and records that belong elsewhere are split off
//! and merged into their home.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use emas_linkage::engine::{Label, Settings};
use emas_linkage::{Dataset, Field, Input};
use emas_store::merge::{self, MergeError};
use emas_store::resolution::{self, Thresholds};
use emas_store::{Db, audit};

use crate::db_args::DbArgs;

#[derive(Args, Debug)]
pub struct RegistryArgs {
    /// Run resolution again over the whole registry instead of over files, and report what
    /// would change (nothing is changed without --apply).
    #[arg(long)]
    pub registry: bool,
    /// With --registry: carry the changes out, and keep the model and threshold used.
    #[arg(long, requires = "registry")]
    pub apply: bool,
    /// With --registry: train the model anew on the registry (EM, no labels needed) instead of
    /// scoring with the kept one.
    #[arg(long, requires = "registry")]
    pub retrain: bool,
    /// With --registry: the lower threshold to keep with --apply (below it a new row is a new
    /// person without review; the upper one is --threshold).
    #[arg(long, requires = "registry")]
    pub lower: Option<f64>,
    #[command(flatten)]
    pub db: DbArgs,
}

/// One change the new resolution asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    /// Merge the whole person into another.
    Merge { person: i64, into: i64 },
    /// Move these source records of a person to another person.
    Move {
        person: i64,
        records: Vec<i64>,
        into: i64,
    },
}

pub struct Record {
    pub link_record: i64,
    pub person: i64,
    pub source_record: Option<i64>,
}

pub async fn run(args: &RegistryArgs, files: &emas_linkage::cli::LinkArgs) -> anyhow::Result<()> {
    let db = args.db.open().await?;
    let thresholds = db.thresholds().await?;
    let upper = files.threshold.unwrap_or(thresholds.upper);
    let lower = args.lower.unwrap_or(thresholds.lower);
    let Some(new_thresholds) = Thresholds::new(lower, upper) else {
        anyhow::bail!(
            "the thresholds must satisfy 0 < lower ({lower}) < upper, --threshold ({upper}) < 1"
        );
    };
    let today = files
        .today
        .unwrap_or_else(|| emas_store::now().date_naive());

    eprintln!("Reading the registry's link records…");
    let kept_model = db.link_model().await?;
    let settings = Settings {
        threshold: upper,
        seed: files.seed,
        today,
        u_sample: files.u_sample,
        ..Settings::default()
    };
    let quiet = files.quiet;
    let progress = move |stage: &str| {
        if !quiet {
            eprintln!("  {stage}");
        }
    };
    let model = (!args.retrain).then_some(&kept_model);
    let Some(Rerun { records, outcome }) = rerun(&db, &settings, model, true, &progress).await?
    else {
        eprintln!("The registry holds no records to resolve.");
        return Ok(());
    };
    let changes = plan(&records, &outcome.cluster);
    let people_now: BTreeSet<i64> = records.iter().map(|r| r.person).collect();
    let merges = changes
        .iter()
        .filter(|c| matches!(c, Change::Merge { .. }))
        .count();
    let moves = changes.len() - merges;
    println!(
        "{} records of {} people; the engine finds {} people.",
        records.len(),
        people_now.len(),
        outcome.stats.clusters
    );
    if let Some(effect) = &outcome.stats.labels {
        println!(
            "Review decisions: {} used as labels; the model agreed with {} before and {} after calibration.",
            effect.labels, effect.agreeing_before, effect.agreeing_after
        );
    }
    println!("Would merge {merges} people into others and move records of {moves} people.");
    if let Some(out) = &files.out {
        write_report(out, &changes)?;
        println!("The changes are listed in {}.", out.display());
    }
    if !args.apply {
        println!("Nothing was changed (add --apply to carry the changes out).");
        return Ok(());
    }
    apply(&db, &changes, &outcome.model, new_thresholds, args.retrain).await
}

/// The registry's link records and the engine's clustering of them.
pub struct Rerun {
    pub records: Vec<Record>,
    pub outcome: emas_linkage::engine::Outcome,
}

/// Clusters every link record of the registry anew, with the given model (or one trained by
/// EM when `None`), and with the review queue's decisions as labels when `with_labels`.
/// `None` when the registry holds no records.
pub async fn rerun(
    db: &Db,
    settings: &Settings,
    model: Option<&emas_linkage::Model>,
    with_labels: bool,
    progress: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<Option<Rerun>> {
    let (records, dataset) = load(db, settings.today).await?;
    if records.is_empty() {
        return Ok(None);
    }
    let index_of: HashMap<i64, u32> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.link_record, i as u32))
        .collect();
    let labels: Vec<Label> = if with_labels {
        db.review_labels()
            .await?
            .into_iter()
            .filter_map(|(a, b, same)| {
                Some(Label {
                    a: *index_of.get(&a)?,
                    b: *index_of.get(&b)?,
                    same,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    progress(&format!(
        "Resolving {} records of the registry ({} decisions of the review queue as labels)…",
        records.len(),
        labels.len()
    ));
    let outcome = emas_linkage::run(
        &dataset,
        &Field::ALL,
        settings,
        model,
        &labels,
        false,
        progress,
    );
    Ok(Some(Rerun { records, outcome }))
}

async fn load(db: &Db, today: chrono::NaiveDate) -> anyhow::Result<(Vec<Record>, Dataset)> {
    let rows = db.link_records().await?;
    let mut records = Vec::with_capacity(rows.len());
    let mut inputs = Vec::with_capacity(rows.len());
    for (link_record, person, source_record, values) in rows {
        records.push(Record {
            link_record,
            person,
            source_record,
        });
        inputs.push(Input {
            source: 0,
            id: link_record.to_string(),
            values,
        });
    }
    let mut d = Dataset::default();
    d.extend(inputs, today);
    Ok((records, d))
}

/// The changes that make the registry's people the engine's clusters.
fn plan(records: &[Record], cluster: &[u32]) -> Vec<Change> {
    // The home of a cluster: the person holding most of its records (the lowest id on a tie).
    let mut count: HashMap<(u32, i64), usize> = HashMap::new();
    for (r, &c) in records.iter().zip(cluster) {
        *count.entry((c, r.person)).or_insert(0) += 1;
    }
    let mut home: HashMap<u32, (usize, i64)> = HashMap::new();
    for (&(c, person), &n) in &count {
        let best = home.entry(c).or_insert((n, person));
        if n > best.0 || (n == best.0 && person < best.1) {
            *best = (n, person);
        }
    }
    // Each person's records by where they belong.
    let mut by_person: BTreeMap<i64, BTreeMap<i64, Vec<&Record>>> = BTreeMap::new();
    for (r, c) in records.iter().zip(cluster) {
        by_person
            .entry(r.person)
            .or_default()
            .entry(home[c].1)
            .or_default()
            .push(r);
    }
    let mut changes = Vec::new();
    for (person, targets) in by_person {
        let elsewhere: Vec<(&i64, &Vec<&Record>)> =
            targets.iter().filter(|(t, _)| **t != person).collect();
        if elsewhere.is_empty() {
            continue;
        }
        let stays = targets.contains_key(&person);
        for (k, (target, recs)) in elsewhere.iter().enumerate() {
            // The person itself follows the last target when none of its records stay.
            if !stays && k + 1 == elsewhere.len() {
                changes.push(Change::Merge {
                    person,
                    into: **target,
                });
                continue;
            }
            // Only records that came from a list can move; a person's own fields stay theirs.
            let moved: Vec<i64> = recs.iter().filter_map(|r| r.source_record).collect();
            if !moved.is_empty() {
                changes.push(Change::Move {
                    person,
                    records: moved,
                    into: **target,
                });
            }
        }
    }
    changes
}

fn write_report(out: &PathBuf, changes: &[Change]) -> anyhow::Result<()> {
    let rows: Vec<Vec<String>> = changes
        .iter()
        .map(|c| match c {
            Change::Merge { person, into } => vec![
                "merge".into(),
                person.to_string(),
                into.to_string(),
                String::new(),
            ],
            Change::Move {
                person,
                records,
                into,
            } => vec![
                "move".into(),
                person.to_string(),
                into.to_string(),
                records
                    .iter()
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
            ],
        })
        .collect();
    let file =
        std::fs::File::create(out).with_context(|| format!("cannot write {}", out.display()))?;
    emas_sheets::write_csv(
        &["change", "person_id", "into_person_id", "source_record_ids"],
        &rows,
        std::io::BufWriter::new(file),
    )?;
    Ok(())
}

/// Carries the changes out in one transaction (all or none), each as a merge or a split and a
/// merge that can be undone, with an audit line; keeps the model and threshold used.
async fn apply(
    db: &Db,
    changes: &[Change],
    model: &emas_linkage::Model,
    thresholds: Thresholds,
    retrained: bool,
) -> anyhow::Result<()> {
    let now = emas_store::now();
    let reason = format!("re-resolution of the registry, {}", now.date_naive());
    let mut tx = db.begin().await?;
    let (mut done, mut refused) = (0usize, 0usize);
    for change in changes {
        let result = match change {
            Change::Merge { person, into } => {
                merge::merge(&mut tx, *into, *person, &reason, None, now).await
            }
            Change::Move {
                person,
                records,
                into,
            } => match merge::split(&mut tx, *person, records, &reason, None, now).await {
                Ok((_, new_person)) => {
                    merge::merge(&mut tx, *into, new_person, &reason, None, now).await
                }
                Err(e) => Err(e),
            },
        };
        match result {
            Ok(_) => done += 1,
            // Two valid NIKs, or a person an earlier change of this run already moved: left
            // for a registrar.
            Err(MergeError::Db(e)) => return Err(e.into()),
            Err(_) => refused += 1,
        }
    }
    if retrained {
        resolution::set_model(&mut tx, model).await?;
    }
    resolution::set_thresholds(&mut tx, thresholds).await?;
    let entry = audit::AuditEntry {
        actor_user_id: None,
        actor: "cli".into(),
        action: "registry.relink".into(),
        entity: "person".into(),
        entity_id: String::new(),
        detail: format!("{done} changes made, {refused} refused"),
        request_id: String::new(),
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    println!(
        "{done} changes made ({refused} refused: two valid NIKs, or a person already moved); each can be undone from the person's page."
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(link_record: i64, person: i64, source_record: Option<i64>) -> Record {
        Record {
            link_record,
            person,
            source_record,
        }
    }

    #[test]
    fn clusters_become_people_by_merges_and_moves() {
        // People 1 and 2 are one (cluster 0); person 3 holds a record of someone else
        // (cluster 2, whose home is person 4); person 5 is fine.
        let records = vec![
            r(1, 1, Some(11)),
            r(2, 1, Some(12)),
            r(3, 2, Some(13)),
            r(4, 3, Some(14)),
            r(5, 3, Some(15)),
            r(6, 4, Some(16)),
            r(7, 4, Some(17)),
            r(8, 3, Some(18)),
            r(9, 5, None),
        ];
        let cluster = vec![0, 0, 0, 1, 1, 2, 2, 2, 3];
        assert_eq!(
            plan(&records, &cluster),
            vec![
                Change::Merge { person: 2, into: 1 },
                Change::Move {
                    person: 3,
                    records: vec![18],
                    into: 4
                },
            ]
        );
        // Already as the engine says: nothing to do.
        assert!(plan(&records[..3], &[0, 0, 1]).is_empty());
        assert!(plan(&records[3..5], &[5, 5]).is_empty());
    }
}
