//! The database options every subcommand that touches the database shares.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use emas_store::Db;

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Folder of the embedded SQLite database; created if missing.
    #[arg(long, env = "EMAS_DATA_DIR", default_value = "./emas-data")]
    pub data_dir: PathBuf,
    /// Database URL (`sqlite:PATH` or `postgres://…`); overrides --data-dir.
    #[arg(long, env = "EMAS_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl DbArgs {
    /// Opens the database and brings its schema and reference data up to date.
    pub async fn open(&self) -> anyhow::Result<Db> {
        let db = match &self.database_url {
            Some(url) => Db::connect(url)
                .await
                .context("cannot open the database named by --database-url")?,
            None => Db::open_data_dir(&self.data_dir).await.with_context(|| {
                format!("cannot open the database in {}", self.data_dir.display())
            })?,
        };
        db.load_reference_regions().await?;
        Ok(db)
    }
}
