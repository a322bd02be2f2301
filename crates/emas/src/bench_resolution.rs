//! `emas bench resolution`: person resolution measured on the synthetic agency lists of
//! `emas generate` (whose truth.csv says who is who). A fresh SQLite registry first receives
//! `--existing` other synthetic people (a registry that has grown), then every list is imported
//! as a registrar would, with linking on. It reports import throughput against the same import
//! into an empty registry in the same run, the share of rows sent to review, and pairwise
//! precision and recall of the registry against the truth: after import, after a registrar
//! decides every pair of the review queue (simulated from the truth), and after `link
//! --registry` with those decisions as labels.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use emas_domain::import::Mapping;
use emas_store::imports;
use emas_store::review::{self, Decision};
use emas_store::{Db, merge};

#[derive(Args, Debug)]
pub struct ResolutionArgs {
    /// The folder `emas generate` wrote: its lists (CSV) and truth.csv.
    #[arg(long)]
    lists: PathBuf,
    /// Other synthetic people the registry holds before the lists arrive.
    #[arg(long, default_value_t = 0)]
    existing: usize,
    /// The upper and lower thresholds to resolve with (default: the registry's defaults).
    #[arg(long)]
    upper: Option<f64>,
    #[arg(long)]
    lower: Option<f64>,
    /// Folder for the benchmark's databases (default: a temporary folder, removed afterwards).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// The kind of list a generated file is, by its name.
fn kind_of(stem: &str) -> &'static str {
    match stem {
        "penempatan" => "departure",
        "kepulangan" => "return",
        "pelatihan" => "training",
        s if s.starts_with("disnaker") => "regency",
        _ => "other",
    }
}

struct Totals {
    rows: usize,
    review: usize,
    seconds: f64,
}

async fn import_all(db: &Db, lists: &[PathBuf]) -> anyhow::Result<Totals> {
    let mut totals = Totals {
        rows: 0,
        review: 0,
        seconds: 0.0,
    };
    for path in lists {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("list")
            .to_owned();
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let table = emas_web::read_table(&stem, &bytes)
            .map_err(|key| anyhow::anyhow!("{}: {key}", path.display()))?;
        let started = Instant::now();
        let mapping = Mapping::guess(&table.headers);
        let now = emas_store::now();
        let plan = imports::plan(
            db,
            None,
            table.headers,
            &mapping,
            table.rows,
            now.date_naive(),
        )
        .await?;
        let mut tx = db.begin().await?;
        let source = imports::ensure_source(&mut tx, &stem, kind_of(&stem), None, now).await?;
        let batch = imports::stage(&mut tx, source, &stem, b"", None, now).await?;
        imports::commit(&mut tx, batch, source, &plan, now, &mut |_| {}).await?;
        tx.commit().await?;
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "  {stem}: {} rows in {seconds:.1} s ({} new, {} matched, {} to review)",
            plan.counts.total, plan.counts.new, plan.counts.matched, plan.counts.review
        );
        totals.rows += plan.counts.total;
        totals.review += plan.counts.review;
        totals.seconds += seconds;
    }
    Ok(totals)
}

/// Pairwise precision and recall of the registry's people against the truth.
struct Quality {
    precision: f64,
    recall: f64,
}

impl Quality {
    fn f1(&self) -> f64 {
        2.0 * self.precision * self.recall / (self.precision + self.recall).max(f64::MIN_POSITIVE)
    }
}

fn pairs(n: usize) -> f64 {
    (n * n.saturating_sub(1) / 2) as f64
}

/// Pairwise quality of a clustering: each record's predicted cluster and its true person.
fn pairwise<'a>(items: impl Iterator<Item = (i64, &'a str)>) -> Quality {
    let mut predicted: HashMap<i64, usize> = HashMap::new();
    let mut actual: HashMap<&str, usize> = HashMap::new();
    let mut both: HashMap<(i64, &str), usize> = HashMap::new();
    for (cluster, person) in items {
        *predicted.entry(cluster).or_insert(0) += 1;
        *actual.entry(person).or_insert(0) += 1;
        *both.entry((cluster, person)).or_insert(0) += 1;
    }
    let tp: f64 = both.values().map(|&n| pairs(n)).sum();
    let p: f64 = predicted.values().map(|&n| pairs(n)).sum();
    let t: f64 = actual.values().map(|&n| pairs(n)).sum();
    Quality {
        precision: if p > 0.0 { tp / p } else { 1.0 },
        recall: if t > 0.0 { tp / t } else { 1.0 },
    }
}

type Truth = HashMap<(String, String), String>;

/// The registry's people against the truth.
async fn quality(db: &Db, truth: &Truth) -> anyhow::Result<Quality> {
    let links = db.source_links().await?;
    Ok(pairwise(links.iter().filter_map(
        |(_, source, record, person)| {
            let t = truth.get(&(source.clone(), record.clone()))?;
            Some((*person, t.as_str()))
        },
    )))
}

/// `emas link --registry` without applying: the engine's clusters of the whole registry
/// against the truth, and the effect of the queue's decisions used as labels.
async fn rerun_quality(
    db: &Db,
    truth: &Truth,
    upper: f64,
    with_labels: bool,
) -> anyhow::Result<(Quality, Option<emas_linkage::engine::LabelEffect>)> {
    let settings = emas_linkage::engine::Settings {
        threshold: upper,
        today: emas_store::now().date_naive(),
        ..Default::default()
    };
    let model = db.link_model().await?;
    let Some(rerun) =
        crate::relink::rerun(db, &settings, Some(&model), with_labels, &|_| {}).await?
    else {
        bail!("the registry holds no link records");
    };
    let names: HashMap<i64, (String, String)> = db
        .source_links()
        .await?
        .into_iter()
        .map(|(id, source, record, _)| (id, (source, record)))
        .collect();
    let q = pairwise(
        rerun
            .records
            .iter()
            .zip(&rerun.outcome.cluster)
            .filter_map(|(r, &c)| {
                let t = truth.get(names.get(&r.source_record?)?)?;
                Some((i64::from(c), t.as_str()))
            }),
    );
    Ok((q, rerun.outcome.stats.labels))
}

fn read_truth(dir: &Path) -> anyhow::Result<Truth> {
    let path = dir.join("truth.csv");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = HashMap::new();
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if let [source, record, person] = cells[..] {
            out.insert((source.to_owned(), record.to_owned()), person.to_owned());
        }
    }
    Ok(out)
}

/// A registrar works through the whole queue; their decisions are the truth.
async fn decide_queue(db: &Db, truth: &Truth) -> anyhow::Result<(usize, usize)> {
    let scope = emas_domain::access::Scope::National;
    let (mut same, mut different) = (0, 0);
    loop {
        let queue = db.review_queue(&scope, None, 500).await?;
        if queue.is_empty() {
            break;
        }
        for pair in queue {
            let detail = db.review_pair(pair.id, &scope).await?;
            let truth_of = |side: &review::Side| {
                side.source
                    .as_ref()
                    .and_then(|s| truth.get(&(s.source_name.clone(), s.record_id.clone())))
                    .cloned()
            };
            let is_same = truth_of(&detail.new).is_some()
                && truth_of(&detail.new) == truth_of(&detail.existing);
            let decision = if is_same {
                Decision::Same
            } else {
                Decision::Different
            };
            let now = emas_store::now();
            let mut tx = db.begin().await?;
            let (new_person, existing_person) =
                review::decide(&mut tx, pair.id, decision, None, now).await?;
            if is_same && new_person != existing_person {
                match merge::merge(&mut tx, existing_person, new_person, "benchmark", None, now)
                    .await
                {
                    Ok(change) => review::set_change(&mut tx, pair.id, change).await?,
                    Err(merge::MergeError::Db(e)) => return Err(e.into()),
                    // Two valid NIKs: the registrar corrects one first; here it stays apart.
                    Err(_) => {}
                }
            }
            tx.commit().await?;
            if is_same {
                same += 1;
            } else {
                different += 1;
            }
        }
    }
    Ok((same, different))
}

pub async fn run(args: ResolutionArgs) -> anyhow::Result<()> {
    let truth = read_truth(&args.lists)?;
    let sources: std::collections::HashSet<&str> =
        truth.keys().map(|(source, _)| source.as_str()).collect();
    let mut lists: Vec<PathBuf> = std::fs::read_dir(&args.lists)
        .with_context(|| format!("cannot read {}", args.lists.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "csv")
                && p.file_stem()
                    .and_then(|s| s.to_str())
                    .is_some_and(|s| sources.contains(s))
        })
        .collect();
    lists.sort();
    if lists.is_empty() {
        bail!(
            "{} holds no lists named in its truth.csv: run `emas generate` first",
            args.lists.display()
        );
    }
    let (root, temporary) = match &args.data_dir {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("emas-bench-resolution-{}", std::process::id())),
            true,
        ),
    };
    let outcome = measure(&args, &lists, &truth, &root).await;
    if temporary {
        let _ = std::fs::remove_dir_all(&root);
    }
    outcome
}

async fn measure(
    args: &ResolutionArgs,
    lists: &[PathBuf],
    truth: &Truth,
    root: &Path,
) -> anyhow::Result<()> {
    let d = emas_store::resolution::Thresholds::default();
    let thresholds = emas_store::resolution::Thresholds::new(
        args.lower.unwrap_or(d.lower),
        args.upper.unwrap_or(d.upper),
    )
    .context("the thresholds must satisfy 0 < lower < upper < 1")?;
    let open = |name: &'static str| {
        let dir = root.join(name);
        async move {
            let db = Db::open_data_dir(&dir).await?;
            db.load_reference_regions().await?;
            let mut tx = db.begin().await?;
            emas_store::resolution::set_thresholds(&mut tx, thresholds).await?;
            tx.commit().await?;
            anyhow::Ok(db)
        }
    };
    // The baseline: the same lists into an empty registry, in the same run.
    let empty = open("empty").await?;
    eprintln!("Importing {} lists into an empty registry…", lists.len());
    let base = import_all(&empty, lists).await?;
    empty.close().await;

    let db = open("grown").await?;
    if args.existing > 0 {
        eprintln!("Loading {} other people into the registry…", args.existing);
        crate::bench::load_people(&db, args.existing, 7, true).await?;
    }
    eprintln!(
        "Importing the lists into a registry of {} people…",
        db.person_count().await?
    );
    let grown = import_all(&db, lists).await?;
    let after_import = quality(&db, truth).await?;
    let review_share = grown.review as f64 / grown.rows.max(1) as f64;
    let started = Instant::now();
    let (same, different) = decide_queue(&db, truth).await?;
    let review_seconds = started.elapsed().as_secs_f64();
    let after_review = quality(&db, truth).await?;
    eprintln!("Resolving the whole registry again, without and with the decisions as labels…");
    let (rerun_plain, _) = rerun_quality(&db, truth, thresholds.upper, false).await?;
    let (rerun_labelled, effect) = rerun_quality(&db, truth, thresholds.upper, true).await?;

    println!(
        "Person resolution on {} ({} rows of {} lists), thresholds {} / {}",
        args.lists.display(),
        grown.rows,
        lists.len(),
        thresholds.lower,
        thresholds.upper
    );
    println!(
        "Import with linking: {:.0} rows/s into an empty registry; {:.0} rows/s into a registry of {} other people (ratio {:.2})",
        base.rows as f64 / base.seconds,
        grown.rows as f64 / grown.seconds,
        args.existing,
        (base.rows as f64 / base.seconds) / (grown.rows as f64 / grown.seconds)
    );
    println!(
        "Sent to review: {} rows ({:.2} % of rows); decided from the truth in {:.1} s: {same} same, {different} different",
        grown.review,
        review_share * 100.0,
        review_seconds
    );
    for (label, q) in [
        ("after import", &after_import),
        ("after the review queue", &after_review),
        ("resolved again (link --registry), no labels", &rerun_plain),
        (
            "resolved again with the decisions as labels",
            &rerun_labelled,
        ),
    ] {
        println!(
            "Registry {label}: precision {:.4}, recall {:.4}, F1 {:.4}",
            q.precision,
            q.recall,
            q.f1()
        );
    }
    if let Some(e) = effect {
        println!(
            "Labels: {} decisions used; the model agreed with {} before calibration and {} after.",
            e.labels, e.agreeing_before, e.agreeing_after
        );
    }
    db.close().await;
    Ok(())
}
