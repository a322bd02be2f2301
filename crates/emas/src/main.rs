//! `emas`: the whole EMAS application in one binary: the web server, and the command line for
//! everything an operator does (migrate, users, backups, imports, linkage).

mod admin;
mod bench;
mod bench_dashboard;
mod bench_resolution;
mod db_args;
mod export;
mod import;
mod relink;
mod report;
mod serve;

use emas::demo_data;

// Linking a million rows allocates a few small strings per row; mimalloc halves the time spent
// standardising them and lowers peak memory against the system allocator (docs/linkage.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "emas",
    version,
    about = "EMAS: pemberdayaan dan pelindungan PMI Purna"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// `emas link`: files named by a config, or the registry itself (`--registry`).
#[derive(clap::Args)]
struct LinkCommand {
    #[command(flatten)]
    registry: relink::RegistryArgs,
    #[command(flatten)]
    files: emas_linkage::cli::LinkArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (pages and JSON API).
    Serve(serve::ServeArgs),
    /// Create or update the database schema and reference data, then exit.
    Migrate(admin::DbOnly),
    /// Load the demo data into the database (once).
    Demo(admin::DbOnly),
    /// Write a consistent copy of the SQLite database, also while the server runs.
    Backup(admin::BackupArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Export the registry to a spreadsheet.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Import an agency's list (CSV, XLSX, XLS, ODS) into the registry.
    Import(import::ImportArgs),
    /// Generate synthetic agency lists of Banten returnees with known truth (benchmarks, demos).
    Generate(emas_synth::cli::GenerateArgs),
    /// Link people across lists: find which rows are the same person (see docs/linkage.md).
    Link(Box<LinkCommand>),
    /// Reports: `emas report meeting --region 36.04 --from 2026-01-01 --to 2026-06-30 --out laporan.pdf`.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Measure: `emas bench search --people 1000000` (a fresh SQLite database of synthetic people).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        Command::Serve(args) => runtime()?.block_on(serve::run(args)),
        Command::Migrate(args) => runtime()?.block_on(admin::migrate(args)),
        Command::Demo(args) => runtime()?.block_on(admin::demo(args)),
        Command::Backup(args) => runtime()?.block_on(admin::backup(args)),
        Command::User(cmd) => runtime()?.block_on(admin::user(cmd)),
        Command::Export(cmd) => runtime()?.block_on(export::run(cmd)),
        Command::Import(args) => runtime()?.block_on(import::run(args)),
        Command::Generate(args) => {
            let summary = emas_synth::cli::run(&args)?;
            eprintln!("{summary}");
            Ok(())
        }
        Command::Link(cmd) if cmd.registry.registry => {
            runtime()?.block_on(relink::run(&cmd.registry, &cmd.files))
        }
        Command::Link(cmd) => Ok(emas_linkage::cli::run(&cmd.files)?),
        Command::Bench(cmd) => runtime()?.block_on(bench::run(cmd)),
        Command::Report(cmd) => runtime()?.block_on(report::run(cmd)),
    }
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// Logs go to stderr: human-readable by default, JSON lines with `EMAS_LOG_FORMAT=json`. The
/// level comes from `RUST_LOG` (default `info`).
fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("EMAS_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}
