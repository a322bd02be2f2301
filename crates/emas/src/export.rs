//! `emas export people --out FILE`: one row per person; `emas export links --out FILE`: which
//! person every source record was resolved to, so anyone can check resolution against a known
//! truth. CSV or XLSX by the file's extension, with spreadsheet formula injection prevented and
//! the export audited.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use emas_domain::access::Scope;
use emas_store::audit::{self, AuditEntry};
use emas_store::people::PersonQuery;

use crate::db_args::DbArgs;

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Every person in the registry.
    People(ExportArgs),
    /// Every source record: source,record_id,person_id.
    Links(ExportArgs),
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The file to write: .csv or .xlsx. It must not exist.
    #[arg(long)]
    out: PathBuf,
}

const HEADERS: [&str; 8] = [
    "id",
    "nik",
    "full_name",
    "sex",
    "birth_date",
    "region_code",
    "status",
    "phones",
];

pub async fn run(cmd: ExportCommand) -> anyhow::Result<()> {
    match cmd {
        ExportCommand::People(args) => people(args).await,
        ExportCommand::Links(args) => links(args).await,
    }
}

/// The file's format from its extension, refusing a file that exists.
fn check_out(out: &Path) -> anyhow::Result<String> {
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if ext != "csv" && ext != "xlsx" {
        bail!("{}: the file must end in .csv or .xlsx", out.display());
    }
    if out.exists() {
        bail!("{} exists already; choose a new file", out.display());
    }
    Ok(ext)
}

async fn people(args: ExportArgs) -> anyhow::Result<()> {
    let ext = check_out(&args.out)?;
    let db = args.db.open().await?;
    let query = PersonQuery {
        limit: i64::MAX,
        ..PersonQuery::default()
    };
    let (people, _) = db.search_people(&query, &Scope::National).await?;
    let mut phones_of = db.all_phones().await?;
    let mut rows = Vec::with_capacity(people.len());
    for p in people {
        let phones = phones_of.remove(&p.id).unwrap_or_default().join(" ");
        rows.push(vec![
            p.id.to_string(),
            p.nik.unwrap_or_default(),
            p.full_name,
            p.sex.unwrap_or_default(),
            p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            p.region_code.unwrap_or_default(),
            p.status,
            phones,
        ]);
    }
    write(&db, &args.out, &ext, &HEADERS, &rows, "person.export").await?;
    eprintln!("{} people written to {}.", rows.len(), args.out.display());
    Ok(())
}

async fn links(args: ExportArgs) -> anyhow::Result<()> {
    let ext = check_out(&args.out)?;
    let db = args.db.open().await?;
    let rows: Vec<Vec<String>> = db
        .source_links()
        .await?
        .into_iter()
        .map(|(_, source, record, person)| vec![source, record, person.to_string()])
        .collect();
    write(
        &db,
        &args.out,
        &ext,
        &["source", "record_id", "person_id"],
        &rows,
        "source_record.export",
    )
    .await?;
    eprintln!(
        "{} source records written to {}.",
        rows.len(),
        args.out.display()
    );
    Ok(())
}

/// Writes to a temporary file first, so a failed export leaves no half-written file, then
/// audits the export.
async fn write(
    db: &emas_store::Db,
    out: &Path,
    ext: &str,
    headers: &[&str],
    rows: &[Vec<String>],
    action: &str,
) -> anyhow::Result<()> {
    let partial = out.with_extension(format!("{ext}.partial"));
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    let writer = std::io::BufWriter::new(file);
    if ext == "csv" {
        emas_sheets::write_csv(headers, rows, writer)?;
    } else {
        emas_sheets::write_xlsx(headers, rows, writer)?;
    }
    std::fs::rename(&partial, out).with_context(|| format!("cannot write {}", out.display()))?;
    let now = emas_store::now();
    let mut tx = db.begin().await?;
    let entry = AuditEntry {
        actor_user_id: None,
        actor: "cli".into(),
        action: action.into(),
        entity: action.split('.').next().unwrap_or_default().into(),
        entity_id: String::new(),
        detail: format!("{} rows to {ext}", rows.len()),
        request_id: String::new(),
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(())
}
