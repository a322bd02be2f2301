//! `emas import FILE --source NAME`: an agency's list into the registry from the command line.
//! It plans, prints what it would do, and commits in one transaction unless `--dry-run`; it never
//! waits for input.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use emas_domain::import::{Field, Mapping, Severity};
use emas_store::audit::{self, AuditEntry};
use emas_store::imports::{self, SOURCE_KINDS};
use indicatif::{ProgressBar, ProgressStyle};

use crate::db_args::DbArgs;

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The list: CSV, XLSX, XLS or ODS with headers in the first row.
    file: PathBuf,
    /// The source it comes from, kept across imports (e.g. "Disnaker Kab. Serang 2024").
    #[arg(long)]
    source: String,
    /// The kind of list, for a new source: departure, return, regency, training or other.
    #[arg(long)]
    kind: Option<String>,
    /// A TOML file naming the column of each field (`[fields]` then `nik = "NO KTP"`, the field names of `emas link`); without
    /// it, columns are recognised by their headers.
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Show what the import would do and write nothing.
    #[arg(long)]
    dry_run: bool,
}

fn read_mapping(path: &PathBuf, headers: &[String]) -> anyhow::Result<Mapping> {
    #[derive(serde::Deserialize)]
    struct File {
        fields: HashMap<String, String>,
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file: File = toml::from_str(&text)
        .with_context(|| format!("{} is not a mapping file", path.display()))?;
    let mut pairs = Vec::new();
    for (field, header) in file.fields {
        let Some(f) = Field::parse(&field) else {
            let known: Vec<&str> = Field::ALL.iter().map(|f| f.as_str()).collect();
            bail!(
                "{}: unknown field {field:?}; known fields: {}",
                path.display(),
                known.join(", ")
            );
        };
        pairs.push((f, header));
    }
    Mapping::explicit(headers, &pairs).map_err(|missing| {
        anyhow::anyhow!(
            "{}: the file has no column {missing:?}; its columns are: {}",
            path.display(),
            headers.join(", ")
        )
    })
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let file_name = args
        .file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("list")
        .to_owned();
    let table = emas_web::read_table(&file_name, &bytes).map_err(|key| {
        anyhow::anyhow!(
            "{}",
            emas_web::i18n::Lang::En.t_args(&key, &[("file", file_name.clone())])
        )
    })?;
    let mapping = match &args.mapping {
        Some(path) => read_mapping(path, &table.headers)?,
        None => Mapping::guess(&table.headers),
    };
    if !mapping.has(Field::FullName) {
        bail!(
            "no column holds the name; give a --mapping file with full_name = \"<header>\" (columns: {})",
            table.headers.join(", ")
        );
    }
    let db = args.db.open().await?;
    let source = db.source_by_name(&args.source).await?;
    let kind = match (&source, args.kind.as_deref()) {
        (Some(s), _) => s.kind.clone(),
        (None, Some(k)) if SOURCE_KINDS.contains(&k) => k.to_owned(),
        (None, _) => bail!(
            "{:?} is a new source: give --kind, one of {}",
            args.source,
            SOURCE_KINDS.join(", ")
        ),
    };
    let today = chrono::Utc::now().date_naive();
    let plan = imports::plan(
        &db,
        source.as_ref().map(|s| s.id),
        table.headers,
        &mapping,
        table.rows,
        today,
    )
    .await?;
    let c = &plan.counts;
    eprintln!(
        "{file_name}: {} rows: {} new, {} matched, {} to review, {} imported before, {} with errors (skipped), {} with warnings",
        c.total, c.new, c.matched, c.review, c.already, c.error, c.warnings
    );
    for row in plan
        .rows
        .iter()
        .filter(|r| {
            r.parsed
                .issues
                .iter()
                .any(|i| i.severity == Severity::Error)
        })
        .take(20)
    {
        let problems: Vec<String> = row
            .parsed
            .issues
            .iter()
            .map(|i| format!("{}: {}", i.column, emas_web::i18n::Lang::En.t(i.code)))
            .collect();
        eprintln!("  line {}: {}", row.line, problems.join("; "));
    }
    if args.dry_run {
        eprintln!("Dry run: nothing was written.");
        return Ok(());
    }
    let bar = ProgressBar::new(plan.rows.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let now = emas_store::now();
    let mut tx = db.begin().await?;
    let source_id = imports::ensure_source(&mut tx, &args.source, &kind, None, now).await?;
    let batch = imports::stage(&mut tx, source_id, &file_name, &bytes, None, now).await?;
    let progress_bar = bar.clone();
    let mut report = move |done: usize| progress_bar.set_position(done as u64);
    imports::commit(&mut tx, batch, source_id, &plan, now, &mut report).await?;
    let entry = AuditEntry {
        actor_user_id: None,
        actor: "cli".into(),
        action: "import.commit".into(),
        entity: "import_batch".into(),
        entity_id: batch.to_string(),
        detail: format!(
            "{} new, {} matched, {} to review",
            c.new, c.matched, c.review
        ),
        request_id: String::new(),
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    bar.finish();
    eprintln!(
        "Imported as batch {batch}: {} new people, {} rows matched to people already registered, {} rows with a pair in the review queue.",
        c.new, c.matched, c.review
    );
    Ok(())
}
