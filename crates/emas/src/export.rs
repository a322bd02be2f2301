//! `emas export people --out FILE`: one row per person, as CSV or XLSX by the file's extension,
//! with spreadsheet formula injection prevented and the export audited.

use std::path::PathBuf;

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
    let ExportCommand::People(args) = cmd;
    let ext = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if ext != "csv" && ext != "xlsx" {
        bail!("{}: the file must end in .csv or .xlsx", args.out.display());
    }
    if args.out.exists() {
        bail!("{} exists already; choose a new file", args.out.display());
    }
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
    // Written to a temporary file first, so a failed export leaves no half-written file.
    let partial = args.out.with_extension(format!("{ext}.partial"));
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    let writer = std::io::BufWriter::new(file);
    if ext == "csv" {
        emas_sheets::write_csv(&HEADERS, &rows, writer)?;
    } else {
        emas_sheets::write_xlsx(&HEADERS, &rows, writer)?;
    }
    std::fs::rename(&partial, &args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let now = emas_store::now();
    let mut tx = db.begin().await?;
    let entry = AuditEntry {
        actor_user_id: None,
        actor: "cli".into(),
        action: "person.export".into(),
        entity: "person".into(),
        entity_id: String::new(),
        detail: format!("{} rows to {ext}", rows.len()),
        request_id: String::new(),
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    eprintln!("{} people written to {}.", rows.len(), args.out.display());
    Ok(())
}
