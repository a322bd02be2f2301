//! `emas report meeting --region 36.04 --from 2026-01 --to 2026-06 --out laporan.pdf`: the
//! coordination meeting's report, as PDF or XLSX by the file's extension, the same document the
//! dashboard offers for download (aggregate figures only, suppressed as on every public view).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use emas_domain::access::Scope;
use emas_web::error::AppError;
use emas_web::i18n::Lang;
use emas_web::report;

use crate::db_args::DbArgs;

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// The report for a coordination meeting of a region and period.
    Meeting(MeetingArgs),
}

#[derive(Args, Debug)]
pub struct MeetingArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The province or regency/city: a Kemendagri code such as 36 or 36.04.
    #[arg(long)]
    region: String,
    /// The first month of the period, YYYY-MM; a date YYYY-MM-DD stands for its month (default:
    /// 23 months before --to). The figures are kept by month, so a period is whole months.
    #[arg(long, default_value = "")]
    from: String,
    /// The last month of the period, YYYY-MM or a date in it (default: this month).
    #[arg(long, default_value = "")]
    to: String,
    /// The file to write: .pdf or .xlsx. It must not exist.
    #[arg(long)]
    out: PathBuf,
    /// The report's language: id (Bahasa Indonesia) or en.
    #[arg(long, default_value = "id")]
    lang: String,
}

pub async fn run(cmd: ReportCommand) -> anyhow::Result<()> {
    let ReportCommand::Meeting(args) = cmd;
    let ext = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if ext != "pdf" && ext != "xlsx" {
        bail!("{}: the file must end in .pdf or .xlsx", args.out.display());
    }
    if args.out.exists() {
        bail!("{} exists already; choose a new file", args.out.display());
    }
    let lang = Lang::parse(&args.lang)
        .with_context(|| format!("--lang {}: choose id or en", args.lang))?;
    let db = args.db.open().await?;
    let today = chrono::Utc::now().date_naive();
    let r = report::meeting(
        &db,
        lang,
        &Scope::National,
        &args.region,
        &args.from,
        &args.to,
        today,
    )
    .await
    .map_err(|e| match e {
        AppError::BadRequest(key) => anyhow::anyhow!("{}", lang.t(key)),
        e => anyhow::anyhow!(e.to_string()),
    })?;
    let bytes = match ext.as_str() {
        "pdf" => report::pdf::render(&r).map_err(|e| anyhow::anyhow!("PDF: {e}"))?,
        _ => report::xlsx::render(&r).context("XLSX")?,
    };
    std::fs::write(&args.out, bytes).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "{}: {} {} – {} ({})",
        args.out.display(),
        r.region_name,
        r.from,
        r.to,
        r.title
    );
    Ok(())
}
