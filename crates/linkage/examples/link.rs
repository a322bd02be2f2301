//! `emas link` without the rest of the application, for tuning the engine:
//! `cargo run --release -p emas-linkage --example link -- --config link.toml --out clusters.csv`.

use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: emas_linkage::cli::LinkArgs,
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = emas_linkage::cli::run(&cli.args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
