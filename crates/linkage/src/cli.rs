//! `emas link`: reads the sources a config names, links them, writes clusters (and pairs), and
//! reports on stderr. The only part of the crate that touches files.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{NaiveDate, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::config::{Config, ConfigError, Source};
use crate::engine::{Label, Settings, Stats, run as run_engine};
use crate::eval::{Metrics, evaluate};
use crate::field::Field;
use crate::index::Index;
use crate::io::{ReadError, Row, read};
use crate::model::{Model, probability};
use crate::prepare::{Dataset, Input};

/// Links people across the lists a config names.
#[derive(Debug, Clone, clap::Args)]
pub struct LinkArgs {
    /// The TOML file naming the sources and mapping their columns to fields (not needed when
    /// the binary resolves its registry instead, `--registry`).
    #[arg(long, required_unless_present = "registry")]
    pub config: Option<PathBuf>,
    /// Where to write clusters: `source,record_id,cluster_id`, one row per input row (with
    /// `--registry`: the list of changes).
    #[arg(long, required_unless_present = "registry")]
    pub out: Option<PathBuf>,
    /// Where to write scored pairs at or above the floor probability, with per-field weights.
    #[arg(long)]
    pub pairs: Option<PathBuf>,
    /// Match probability at or above which two records are the same person (default 0.5, or
    /// the model's).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Lowest match probability written to the pairs file (default 0.01).
    #[arg(long)]
    pub floor: Option<f64>,
    /// Seed of the random sampling; the same seed gives the same result.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Save the trained model to this file (JSON).
    #[arg(long)]
    pub save_model: Option<PathBuf>,
    /// Use the parameters of a saved model instead of estimating them.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Incremental run: the clusters file of an earlier run over the sources not marked
    /// `new = true`; only the new sources' rows are linked against them (needs --model).
    #[arg(long, conflicts_with = "index")]
    pub existing: Option<PathBuf>,
    /// Incremental run from an index saved by `--save-index`: the existing records are not read
    /// or standardised again, only the sources marked `new = true` (needs --model).
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Save the standardised records and their clusters, for later `--index` runs.
    #[arg(long)]
    pub save_index: Option<PathBuf>,
    /// Write a JSON summary (counts, timings, and precision/recall where sources have `truth`).
    #[arg(long)]
    pub summary: Option<PathBuf>,
    /// A file of known truth, `source,record_id,person_id` (benchmarks): the report then gives
    /// pairwise precision, recall and F1 after clustering, and the recall of blocking.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// Blocks larger than this are skipped (default 50).
    #[arg(long)]
    pub max_block_size: Option<usize>,
    /// Number of random pairs drawn to estimate u-probabilities.
    #[arg(long, default_value_t = 1_000_000)]
    pub u_sample: usize,
    /// The date that decides two-digit years (YYYY-MM-DD; default today).
    #[arg(long)]
    pub today: Option<NaiveDate>,
    /// No progress display.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("source {source_name:?} ({path}): no column {column:?}; the columns are: {known}")]
    MissingColumn {
        source_name: String,
        path: PathBuf,
        column: String,
        known: String,
    },
    #[error(
        "source {source_name:?} ({path}): the id column {column:?} repeats a value at line {line} first seen at line {first}; ids must be unique within a source"
    )]
    DuplicateId {
        source_name: String,
        path: PathBuf,
        column: String,
        line: usize,
        first: usize,
    },
    #[error("source {source_name:?} ({path}) has no data rows")]
    EmptySource { source_name: String, path: PathBuf },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the model {path}: {message}")]
    Model { path: PathBuf, message: String },
    #[error("labels file {path}: {message}")]
    Labels { path: PathBuf, message: String },
    #[error("existing clusters file {path}: {message}")]
    Existing { path: PathBuf, message: String },
    #[error("index file {path}: {message}")]
    Index { path: PathBuf, message: String },
    #[error("{0}")]
    Usage(String),
}

/// What `--save-index` writes: the standardised records, their clusters and the names of the
/// sources they came from (checked against the config when loading).
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedIndex {
    format: u32,
    sources: Vec<String>,
    today: NaiveDate,
    cluster_names: Vec<String>,
    cluster: Vec<u32>,
    data: Dataset,
}

fn save_index(path: &Path, saved: &SavedIndex) -> Result<(), LinkError> {
    let file = File::create(path).map_err(write_err(path))?;
    postcard::to_io(saved, BufWriter::new(file)).map_err(|e| LinkError::Index {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    Ok(())
}

fn load_index(path: &Path) -> Result<SavedIndex, LinkError> {
    let bytes = std::fs::read(path).map_err(|e| LinkError::Index {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    postcard::from_bytes(&bytes).map_err(|e| LinkError::Index {
        path: path.to_owned(),
        message: format!("not an index saved by emas link ({e})"),
    })
}

/// Per-source report.
#[derive(Debug, Clone, Serialize)]
struct SourceReport {
    name: String,
    rows: usize,
    garbage: usize,
}

#[derive(Debug, Serialize)]
struct Summary {
    sources: Vec<SourceReport>,
    stats: Option<Stats>,
    metrics: Option<Metrics>,
    seconds_total: f64,
    seconds_read: f64,
    incremental: Option<IncrementalReport>,
}

#[derive(Debug, Serialize)]
struct IncrementalReport {
    existing_records: usize,
    new_records: usize,
    seconds_index_build: f64,
    seconds_link: f64,
    matched_existing: usize,
    flagged: usize,
}

/// What was read: the records, each with its source, id and true entity if known.
struct Loaded {
    inputs: Vec<Input>,
    truth: Vec<Option<u32>>,
    reports: Vec<SourceReport>,
    /// When set, rows go in chunks to a thread that standardises them while reading goes on,
    /// so the raw strings of a large file are never all held at once.
    stream: Option<std::sync::mpsc::SyncSender<Vec<Input>>>,
}

/// Rows standardised per chunk while reading.
const CHUNK: usize = 50_000;

impl Loaded {
    fn flush(&mut self) {
        if let Some(tx) = &self.stream {
            // The receiver lives until the sender is dropped, so a send cannot fail.
            let _ = tx.send(std::mem::take(&mut self.inputs));
        }
    }
}

fn load_source(
    si: u16,
    source: &Source,
    truth_ids: &mut HashMap<String, u32>,
    loaded: &mut Loaded,
) -> Result<(), LinkError> {
    let mut columns: Vec<(Field, Vec<usize>)> = Vec::new();
    let mut id_col = 0usize;
    let mut truth_col: Option<usize> = None;
    let mut seen: HashMap<String, usize, crate::prepare::FxBuild> = HashMap::default();
    let mut rows = 0usize;
    let mut err: Option<LinkError> = None;
    let result = read(&source.path, source.sheet.as_deref(), &mut |row| -> Result<
        (),
        LinkError,
    > {
        match row {
            Row::Header(h) => {
                let find = |col: &str| -> Result<usize, LinkError> {
                    h.iter()
                        .position(|x| x == col)
                        .or_else(|| h.iter().position(|x| x.eq_ignore_ascii_case(col)))
                        .ok_or_else(|| LinkError::MissingColumn {
                            source_name: source.name.clone(),
                            path: source.path.clone(),
                            column: col.to_owned(),
                            known: h.join(", "),
                        })
                };
                id_col = find(&source.id)?;
                truth_col = source.truth.as_deref().map(find).transpose()?;
                for (field, cols) in &source.fields {
                    let idx = cols
                        .names()
                        .into_iter()
                        .map(find)
                        .collect::<Result<Vec<_>, _>>()?;
                    columns.push((*field, idx));
                }
            }
            Row::Data(line, cells) => {
                rows += 1;
                let cell = |i: usize| cells.get(i).copied().unwrap_or("").trim();
                let mut id = cell(id_col).to_owned();
                if id.is_empty() {
                    id = format!("row:{line}");
                }
                if let Some(&first) = seen.get(&id) {
                    return Err(LinkError::DuplicateId {
                        source_name: source.name.clone(),
                        path: source.path.clone(),
                        column: source.id.clone(),
                        line,
                        first,
                    });
                }
                seen.insert(id.clone(), line);
                let mut values = Vec::with_capacity(columns.len());
                for (field, idx) in &columns {
                    for &i in idx {
                        let v = cell(i);
                        if !v.is_empty() {
                            values.push((*field, v.to_owned()));
                        }
                    }
                }
                let truth = truth_col.map(cell).filter(|t| !t.is_empty()).map(|t| {
                    let n = truth_ids.len() as u32;
                    *truth_ids.entry(t.to_owned()).or_insert(n)
                });
                loaded.truth.push(truth);
                loaded.inputs.push(Input {
                    source: si,
                    id,
                    values,
                });
                if loaded.stream.is_some() && loaded.inputs.len() >= CHUNK {
                    loaded.flush();
                }
            }
        }
        Ok(())
    })?;
    if let Err(e) = result {
        err = Some(e);
    }
    if let Some(e) = err {
        return Err(e);
    }
    if rows == 0 {
        return Err(LinkError::EmptySource {
            source_name: source.name.clone(),
            path: source.path.clone(),
        });
    }
    loaded.reports.push(SourceReport {
        name: source.name.clone(),
        rows,
        garbage: 0,
    });
    Ok(())
}

fn names_of(config: &Config) -> Vec<String> {
    config.sources.iter().map(|s| s.name.clone()).collect()
}

/// Reads `source,record_id,person_id` and sets the truth of the loaded records it lists.
fn load_truth(
    path: &Path,
    names: &[String],
    truth_ids: &mut HashMap<String, u32>,
    loaded: &mut Loaded,
    d: &Dataset,
) -> Result<(), LinkError> {
    let bad =
        |message: String| LinkError::Usage(format!("truth file {}: {message}", path.display()));
    let mut row_of: HashMap<(u16, &str), usize> = HashMap::new();
    for i in 0..d.len() {
        row_of.insert((d.sources[i], &d.ids[i]), i);
    }
    let base = row_of.len();
    for (i, r) in loaded.inputs.iter().enumerate() {
        row_of.insert((r.source, r.id.as_str()), base + i);
    }
    let mut found: Vec<(usize, u32)> = Vec::new();
    let res = read(path, None, &mut |row| -> Result<(), LinkError> {
        if let Row::Data(line, cells) = row {
            let get = |i: usize| cells.get(i).copied().unwrap_or("").trim();
            let Some(si) = names.iter().position(|n| n == get(0)) else {
                return Err(bad(format!("line {line}: unknown source")));
            };
            if let Some(&i) = row_of.get(&(si as u16, get(1))) {
                let n = truth_ids.len() as u32;
                let t = *truth_ids.entry(get(2).to_owned()).or_insert(n);
                found.push((i, t));
            }
        }
        Ok(())
    })?;
    res?;
    for (i, t) in found {
        loaded.truth[i] = Some(t);
    }
    Ok(())
}

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> LinkError + '_ {
    move |source| LinkError::Write {
        path: path.to_owned(),
        source,
    }
}

fn load_model(path: &Path) -> Result<Model, LinkError> {
    let text = std::fs::read_to_string(path).map_err(|e| LinkError::Model {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| LinkError::Model {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Reads a labels CSV: `source_l,record_id_l,source_r,record_id_r,same` (same: 1/0, yes/no,
/// true/false, ya/tidak).
fn load_labels(
    path: &Path,
    index: &HashMap<(u16, &str), u32>,
    names: &[String],
) -> Result<Vec<Label>, LinkError> {
    let bad = |message: String| LinkError::Labels {
        path: path.to_owned(),
        message,
    };
    let mut labels = Vec::new();
    let mut header: Vec<String> = Vec::new();
    let res = read(path, None, &mut |row| -> Result<(), LinkError> {
        match row {
            Row::Header(h) => {
                header = h.to_vec();
                let want = ["source_l", "record_id_l", "source_r", "record_id_r", "same"];
                if header.len() < 5
                    || want
                        .iter()
                        .zip(&header)
                        .any(|(w, h)| !h.eq_ignore_ascii_case(w))
                {
                    return Err(bad(format!("the header must be {}", want.join(","))));
                }
            }
            Row::Data(line, cells) => {
                let get = |i: usize| cells.get(i).copied().unwrap_or("").trim();
                let find = |s: &str, id: &str| -> Result<u32, LinkError> {
                    let si = names
                        .iter()
                        .position(|n| n == s)
                        .ok_or_else(|| bad(format!("line {line}: unknown source {s:?}")))?;
                    index.get(&(si as u16, id)).copied().ok_or_else(|| {
                        bad(format!(
                            "line {line}: no record with that id in source {s:?}"
                        ))
                    })
                };
                let a = find(get(0), get(1))?;
                let b = find(get(2), get(3))?;
                let same = match get(4).to_ascii_lowercase().as_str() {
                    "1" | "yes" | "true" | "ya" | "same" => true,
                    "0" | "no" | "false" | "tidak" | "different" => false,
                    _ => return Err(bad(format!("line {line}: \"same\" must be 1 or 0"))),
                };
                labels.push(Label { a, b, same });
            }
        }
        Ok(())
    })?;
    res?;
    Ok(labels)
}

/// Runs `emas link`.
pub fn run(args: &LinkArgs) -> Result<(), LinkError> {
    let started = Instant::now();
    let (Some(config_path), Some(out)) = (&args.config, &args.out) else {
        return Err(LinkError::Usage("--config and --out are required".into()));
    };
    let config = Config::load(config_path)?;
    let today = args.today.unwrap_or_else(|| Utc::now().date_naive());
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::new_spinner();
        b.set_style(
            ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        b.enable_steady_tick(std::time::Duration::from_millis(200));
        b
    };
    let incremental = args.existing.is_some() || args.index.is_some();
    if incremental && args.model.is_none() {
        return Err(LinkError::Usage(
            "--existing and --index need --model: incremental runs score with a saved model".into(),
        ));
    }
    for (name, p) in [("--threshold", args.threshold), ("--floor", args.floor)] {
        if p.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            return Err(LinkError::Usage(format!(
                "{name} must be a probability between 0 and 1"
            )));
        }
    }
    let model = args.model.as_deref().map(load_model).transpose()?;

    bar.set_message("reading sources");
    let mut loaded = Loaded {
        inputs: Vec::new(),
        truth: Vec::new(),
        reports: Vec::new(),
        stream: None,
    };
    // An incremental run splits old from new rows first, so it does not stream.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Input>>(1);
    loaded.stream = (!incremental).then_some(tx);
    let mut truth_ids = HashMap::new();
    // In an incremental run the existing sources come first, then the new ones.
    let mut order: Vec<usize> = (0..config.sources.len()).collect();
    if incremental {
        order.sort_by_key(|&i| config.sources[i].new);
    }
    // From a saved index only the new sources are read.
    if args.index.is_some() {
        order.retain(|&i| config.sources[i].new);
    }
    let d = std::thread::scope(|scope| -> Result<Dataset, LinkError> {
        let standardiser = scope.spawn(move || {
            let mut d = Dataset::default();
            for chunk in rx {
                d.extend(chunk, today);
            }
            d
        });
        let read = (|| {
            for &i in &order {
                load_source(i as u16, &config.sources[i], &mut truth_ids, &mut loaded)?;
            }
            loaded.flush();
            Ok(())
        })();
        loaded.stream = None;
        let d = standardiser
            .join()
            .expect("standardisation does not panic on any input");
        read.map(|()| d)
    })?;
    if let Some(path) = &args.truth {
        load_truth(path, &names_of(&config), &mut truth_ids, &mut loaded, &d)?;
    }
    let has_truth = args.truth.is_some() || config.sources.iter().any(|s| s.truth.is_some());
    let fields: Vec<Field> = config
        .sources
        .iter()
        .flat_map(|s| s.fields.iter().map(|f| f.0))
        .collect();
    let names: Vec<String> = config.sources.iter().map(|s| s.name.clone()).collect();

    let mut settings = Settings {
        link_type: config.link_type,
        seed: args.seed,
        today,
        u_sample: args.u_sample,
        ..Settings::default()
    };
    if let Some(t) = args
        .threshold
        .or(config.threshold)
        .or(model.as_ref().map(|m| m.threshold))
    {
        settings.threshold = t;
    }
    if let Some(f) = args.floor.or(config.floor) {
        settings.floor = f;
    }
    if let Some(m) = args.max_block_size.or(config.max_block_size) {
        settings.max_block = m;
    }
    let seconds_read = started.elapsed().as_secs_f64();

    let truth = std::mem::take(&mut loaded.truth);
    let progress = |stage: &str| bar.set_message(stage.to_owned());

    if incremental {
        let model = model
            .as_ref()
            .expect("checked above: incremental runs need --model");
        return run_incremental(
            args,
            &config,
            model,
            loaded,
            &settings,
            started,
            seconds_read,
            &bar,
        );
    }

    let mut per_source_garbage = vec![0usize; names.len()];
    for i in 0..d.len() {
        if !d.recs[i].is_comparable() {
            per_source_garbage[d.sources[i] as usize] += 1;
        }
    }
    for r in &mut loaded.reports {
        if let Some(i) = names.iter().position(|n| *n == r.name) {
            r.garbage = per_source_garbage[i];
        }
    }
    let labels = match &config.labels {
        Some(p) => {
            let index: HashMap<(u16, &str), u32> = (0..d.len())
                .map(|i| ((d.sources[i], &*d.ids[i]), i as u32))
                .collect();
            load_labels(p, &index, &names)?
        }
        None => Vec::new(),
    };

    let outcome = run_engine(
        &d,
        &fields,
        &settings,
        model.as_ref(),
        &labels,
        has_truth,
        &progress,
    );
    bar.set_message("writing");

    if let Some(path) = &args.save_model {
        let json = serde_json::to_string_pretty(&outcome.model).map_err(|e| LinkError::Model {
            path: path.clone(),
            message: e.to_string(),
        })?;
        std::fs::write(path, json).map_err(write_err(path))?;
    }
    write_clusters(out, &names, &d.sources, &d.ids, &|i| {
        outcome.cluster[i].to_string()
    })?;
    if let Some(path) = &args.save_index {
        let saved = SavedIndex {
            format: 1,
            sources: names.clone(),
            today,
            cluster_names: (0..outcome.stats.clusters).map(|c| c.to_string()).collect(),
            cluster: outcome.cluster.clone(),
            data: d.clone(),
        };
        save_index(path, &saved)?;
    }
    if let Some(path) = &args.pairs {
        let scorer = crate::model::Scorer::new(&outcome.model, &d);
        let mut w = BufWriter::new(File::create(path).map_err(write_err(path))?);
        let active = scorer.active().to_vec();
        let mut header = String::from(
            "source_l,record_id_l,source_r,record_id_r,match_probability,match_weight",
        );
        for c in &active {
            header.push_str(&format!(",weight_{}", c.name()));
        }
        writeln!(w, "{header}").map_err(write_err(path))?;
        for p in &outcome.pairs {
            let (a, b) = (p.a as usize, p.b as usize);
            let mut line = format!(
                "{},{},{},{},{:.6},{:.4}",
                csv_field(&names[d.sources[a] as usize]),
                csv_field(&d.ids[a]),
                csv_field(&names[d.sources[b] as usize]),
                csv_field(&d.ids[b]),
                probability(p.weight),
                p.weight
            );
            for &c in &active {
                let (wt, _) = scorer.term(
                    c,
                    crate::compare::level_of(p.pattern, c.index()),
                    &d.recs[a],
                );
                line.push_str(&format!(",{wt:.4}"));
            }
            writeln!(w, "{line}").map_err(write_err(path))?;
        }
        w.flush().map_err(write_err(path))?;
    }
    let metrics = has_truth.then(|| {
        evaluate(
            &truth,
            &d.sources,
            &outcome.cluster,
            outcome.model.link_type,
            outcome.candidates.as_deref(),
        )
    });
    bar.finish_and_clear();

    let s = &outcome.stats;
    eprintln!(
        "emas link: {} records from {} sources ({} too broken to compare), {} candidate pairs, {} at or above threshold {}, {} clusters, {} merges refused by the NIK/birth-date guard, {} merged across different birth dates on direct evidence (flagged)",
        s.records,
        names.len(),
        s.garbage,
        s.candidate_pairs,
        s.pairs_above_threshold,
        settings.threshold,
        s.clusters,
        s.flagged,
        s.flagged_merged
    );
    for (rule, blocks, recs) in &s.oversized_blocks {
        eprintln!(
            "  blocking rule {rule}: {blocks} blocks over the size cap skipped ({recs} records)"
        );
    }
    if let Some(l) = &s.labels {
        eprintln!(
            "  labels: {} decisions; the model agreed with {} before calibration and {} after",
            l.labels, l.agreeing_before, l.agreeing_after
        );
    }
    if let Some(m) = &metrics {
        eprintln!(
            "  against truth: precision {:.4} recall {:.4} F1 {:.4}; blocking recall {}",
            m.precision,
            m.recall,
            m.f1,
            m.blocking_recall.map_or("-".into(), |b| format!("{b:.4}"))
        );
    }
    let total = started.elapsed().as_secs_f64();
    eprintln!("  time: {total:.2} s (reading {seconds_read:.2} s)");
    if let Some(path) = &args.summary {
        let summary = Summary {
            sources: loaded.reports,
            stats: Some(outcome.stats),
            metrics,
            seconds_total: total,
            seconds_read,
            incremental: None,
        };
        write_json(path, &summary)?;
    }
    Ok(())
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), LinkError> {
    let json = serde_json::to_string_pretty(value).map_err(|e| LinkError::Write {
        path: path.to_owned(),
        source: std::io::Error::other(e),
    })?;
    std::fs::write(path, json).map_err(write_err(path))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn write_clusters(
    path: &Path,
    names: &[String],
    sources: &[u16],
    ids: &[Box<str>],
    cluster: &dyn Fn(usize) -> String,
) -> Result<(), LinkError> {
    let mut w = BufWriter::new(File::create(path).map_err(write_err(path))?);
    writeln!(w, "source,record_id,cluster_id").map_err(write_err(path))?;
    for i in 0..ids.len() {
        writeln!(
            w,
            "{},{},{}",
            csv_field(&names[sources[i] as usize]),
            csv_field(&ids[i]),
            cluster(i)
        )
        .map_err(write_err(path))?;
    }
    w.flush().map_err(write_err(path))
}

#[allow(clippy::too_many_arguments)]
fn run_incremental(
    args: &LinkArgs,
    config: &Config,
    model: &Model,
    loaded: Loaded,
    settings: &Settings,
    started: Instant,
    seconds_read: f64,
    bar: &ProgressBar,
) -> Result<(), LinkError> {
    let names: Vec<String> = config.sources.iter().map(|s| s.name.clone()).collect();
    let (old, new): (Vec<Input>, Vec<Input>) = loaded
        .inputs
        .into_iter()
        .partition(|r| !config.sources[r.source as usize].new);
    if new.is_empty() {
        return Err(LinkError::Usage(
            "an incremental run needs at least one source with new = true".into(),
        ));
    }
    bar.set_message("building the index");
    let t0 = Instant::now();
    let (d, clusters, cluster_names) = match (&args.index, &args.existing) {
        (Some(path), _) => {
            let saved = load_index(path)?;
            // Source numbers are config positions: the index's sources must come first, in order.
            if !names.starts_with(&saved.sources) {
                return Err(LinkError::Index {
                    path: path.clone(),
                    message: format!(
                        "it was saved for the sources {}, which must be the first sources the config names ({})",
                        saved.sources.join(", "),
                        names.join(", ")
                    ),
                });
            }
            (saved.data, saved.cluster, saved.cluster_names)
        }
        (None, Some(existing)) => existing_clusters(config, &names, old, existing, settings)?,
        (None, None) => unreachable!("run_incremental is called with --index or --existing"),
    };
    let n_old = d.len();
    let next_numeric = cluster_names
        .iter()
        .filter_map(|c| c.parse::<u64>().ok())
        .max()
        .map_or(0, |m| m + 1);
    let mut index = Index::build(d, clusters, model.clone(), settings.today, settings.floor);
    let seconds_index_build = t0.elapsed().as_secs_f64();
    bar.set_message("linking the new records");
    let t1 = Instant::now();
    let n_new = new.len();
    let result = index.link(new);
    let seconds_link = t1.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let name_of = |c: u32| -> String {
        match cluster_names.get(c as usize) {
            Some(n) => n.clone(),
            None => (next_numeric + u64::from(c) - cluster_names.len() as u64).to_string(),
        }
    };
    report_incremental(
        args,
        &names,
        &index,
        &result,
        &name_of,
        cluster_names.len(),
        (n_old, n_new, seconds_index_build, seconds_link),
        loaded.reports,
        started,
        seconds_read,
    )?;
    if let Some(path) = &args.save_index {
        let data = index.dataset();
        let cluster: Vec<u32> = (0..data.len() as u32)
            .map(|i| index.cluster_of(i))
            .collect();
        let top = cluster.iter().max().map_or(0, |m| m + 1);
        let saved = SavedIndex {
            format: 1,
            sources: names.clone(),
            today: settings.today,
            cluster_names: (0..top).map(&name_of).collect(),
            cluster,
            data: data.clone(),
        };
        save_index(path, &saved)?;
    }
    Ok(())
}

/// The existing records' clusters from an earlier run's clusters file.
fn existing_clusters(
    config: &Config,
    names: &[String],
    old: Vec<Input>,
    existing: &Path,
    settings: &Settings,
) -> Result<(Dataset, Vec<u32>, Vec<String>), LinkError> {
    let bad = |message: String| LinkError::Existing {
        path: existing.to_owned(),
        message,
    };
    // The earlier run's clusters, by (source, id).
    let mut known: HashMap<(u16, String), String> = HashMap::new();
    let res = read(existing, None, &mut |row| -> Result<(), LinkError> {
        match row {
            Row::Header(h) => {
                if h.len() < 3 || h[0] != "source" || h[1] != "record_id" || h[2] != "cluster_id" {
                    return Err(bad("the header must be source,record_id,cluster_id".into()));
                }
            }
            Row::Data(line, cells) => {
                let s = cells.first().copied().unwrap_or("");
                let si = names
                    .iter()
                    .position(|n| n == s)
                    .ok_or_else(|| bad(format!("line {line}: unknown source {s:?}")))?;
                known.insert(
                    (si as u16, cells.get(1).copied().unwrap_or("").to_owned()),
                    cells.get(2).copied().unwrap_or("").to_owned(),
                );
            }
        }
        Ok(())
    })?;
    res?;
    let mut cluster_names: Vec<String> = Vec::new();
    let mut cluster_index: HashMap<String, u32> = HashMap::new();
    let mut clusters = Vec::with_capacity(old.len());
    for r in &old {
        let c = known.get(&(r.source, r.id.clone())).ok_or_else(|| {
            bad(format!(
                "source {:?} has a row (id column {:?}) that the file does not list",
                names[r.source as usize], config.sources[r.source as usize].id
            ))
        })?;
        let n = cluster_names.len() as u32;
        let k = *cluster_index.entry(c.clone()).or_insert_with(|| {
            cluster_names.push(c.clone());
            n
        });
        clusters.push(k);
    }
    let mut d = Dataset::default();
    d.extend(old, settings.today);
    Ok((d, clusters, cluster_names))
}

/// Writes the outputs and the report of an incremental run.
#[allow(clippy::too_many_arguments)]
fn report_incremental(
    args: &LinkArgs,
    names: &[String],
    index: &Index,
    result: &crate::index::BatchResult,
    name_of: &dyn Fn(u32) -> String,
    n_existing_clusters: usize,
    (n_old, n_new, seconds_index_build, seconds_link): (usize, usize, f64, f64),
    reports: Vec<SourceReport>,
    started: Instant,
    seconds_read: f64,
) -> Result<(), LinkError> {
    let data = index.dataset();
    let out = args
        .out
        .as_ref()
        .ok_or_else(|| LinkError::Usage("--out is required".into()))?;
    write_clusters(out, names, &data.sources, &data.ids, &|i| {
        name_of(index.cluster_of(i as u32))
    })?;
    if let Some(path) = &args.pairs {
        let mut w = BufWriter::new(File::create(path).map_err(write_err(path))?);
        writeln!(
            w,
            "source_l,record_id_l,source_r,record_id_r,match_probability,match_weight"
        )
        .map_err(write_err(path))?;
        for c in &result.candidates {
            let (a, b) = (c.record as usize, c.other as usize);
            writeln!(
                w,
                "{},{},{},{},{:.6},{:.4}",
                csv_field(&names[data.sources[a] as usize]),
                csv_field(&data.ids[a]),
                csv_field(&names[data.sources[b] as usize]),
                csv_field(&data.ids[b]),
                c.probability,
                c.weight
            )
            .map_err(write_err(path))?;
        }
        w.flush().map_err(write_err(path))?;
    }
    let matched = result
        .cluster
        .iter()
        .filter(|&&c| (c as usize) < n_existing_clusters)
        .count();
    eprintln!(
        "emas link (incremental): {n_new} new records against {n_old} existing; index built in {seconds_index_build:.2} s, batch linked in {seconds_link:.3} s; {matched} joined an existing person, {} matches flagged for review",
        result.flagged.len()
    );
    if let Some(path) = &args.summary {
        let summary = Summary {
            sources: reports,
            stats: None,
            metrics: None,
            seconds_total: started.elapsed().as_secs_f64(),
            seconds_read,
            incremental: Some(IncrementalReport {
                existing_records: n_old,
                new_records: n_new,
                seconds_index_build,
                seconds_link,
                matched_existing: matched,
                flagged: result.flagged.len(),
            }),
        };
        write_json(path, &summary)?;
    }
    Ok(())
}
