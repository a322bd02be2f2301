//! The database handle: SQLite or PostgreSQL, chosen once by URL scheme. Every query is written
//! once, in SQL both accept, and run through [`with_db!`] or [`with_tx!`].

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, Sqlite, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::DbError;

/// The one database EMAS runs on. Cheap to clone: clones share the pool.
#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
    /// SQLite allows one writer at a time. Writers of this process queue here, holding no
    /// connection while they wait, so readers keep the pool and no writer ever sees SQLITE_BUSY;
    /// the busy timeout covers only other processes (a CLI import while the server runs).
    sqlite_writer: Arc<Mutex<()>>,
}

#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A write transaction. On SQLite it holds this process's writer lock and the database's write
/// lock from its start (`BEGIN IMMEDIATE`).
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>, OwnedMutexGuard<()>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs one expression against whichever pool `Db` holds; `$p` is the pool.
#[macro_export]
macro_rules! with_db {
    ($db:expr, $p:ident => $e:expr) => {
        match $db.pool() {
            $crate::Pool::Sqlite($p) => $e,
            $crate::Pool::Postgres($p) => $e,
        }
    };
}

/// Runs one expression inside a [`Tx`]; `$c` is `&mut` the connection of the transaction.
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, $c:ident => $e:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t, _) => {
                let $c = &mut **t;
                $e
            }
            $crate::Tx::Postgres(t) => {
                let $c = &mut **t;
                $e
            }
        }
    };
}

/// How long a SQLite writer waits for another to finish before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const SQLITE_FILE: &str = "emas.sqlite";
/// Statements slower than this are logged (their SQL only, never the values bound to them). Bulk
/// inserts of imports and demo data take a second or two by design.
const SLOW_STATEMENT: Duration = Duration::from_secs(5);

impl Db {
    /// Connects to `url` (`sqlite:PATH` or `postgres://…`) and applies the migrations. An unknown
    /// scheme is refused rather than taken for a file name.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        let db = if url.starts_with("sqlite:") {
            let options =
                SqliteConnectOptions::from_str(url).map_err(|e| DbError::Config(format!("{e}")))?;
            Db::open_sqlite(options).await?
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| DbError::Config(format!("{e}")))?
                .log_slow_statements(log::LevelFilter::Warn, SLOW_STATEMENT);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Db::new(Pool::Postgres(pool))
        } else {
            return Err(DbError::Config(
                "the database URL must start with sqlite: or postgres://".into(),
            ));
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Opens (creating if missing) the SQLite database in a data directory.
    pub async fn open_data_dir(dir: &Path) -> Result<Db, DbError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| DbError::Config(format!("cannot create {}: {e}", dir.display())))?;
        let options = SqliteConnectOptions::new().filename(dir.join(SQLITE_FILE));
        let db = Db::open_sqlite(options).await?;
        db.migrate().await?;
        Ok(db)
    }

    async fn open_sqlite(options: SqliteConnectOptions) -> Result<Db, DbError> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .log_slow_statements(log::LevelFilter::Warn, SLOW_STATEMENT);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(SQLITE_BUSY_TIMEOUT)
            .connect_with(options)
            .await?;
        Ok(Db::new(Pool::Sqlite(pool)))
    }

    fn new(pool: Pool) -> Db {
        Db {
            pool,
            sqlite_writer: Arc::new(Mutex::new(())),
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    async fn migrate(&self) -> Result<(), DbError> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await?,
            Pool::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
        }
        crate::tallies::ensure_built(self).await
    }

    /// Starts a write transaction (see [`Tx`]).
    pub async fn begin(&self) -> Result<Tx, DbError> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => {
                let turn = self.sqlite_writer.clone().lock_owned().await;
                Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?, turn)
            }
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        with_db!(self, p => sqlx::query("select 1").execute(p).await.map(|r| r.rows_affected()))
            .is_ok()
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self.pool, Pool::Sqlite(_))
    }

    /// The version of the SQLite library linked in, or of the PostgreSQL server.
    pub async fn server_version(&self) -> Result<String, DbError> {
        let v: (String,) = match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query_as("select sqlite_version()")
                    .fetch_one(p)
                    .await?
            }
            Pool::Postgres(p) => sqlx::query_as("show server_version").fetch_one(p).await?,
        };
        Ok(v.0)
    }

    /// Writes a consistent copy of a SQLite database to `out` while others keep using it.
    /// `VACUUM INTO` reads one snapshot, so writers that commit meanwhile are not in the copy and
    /// are not blocked by it.
    pub async fn backup_to(&self, out: &Path) -> Result<(), DbError> {
        let Pool::Sqlite(p) = &self.pool else {
            return Err(DbError::Config(
                "emas backup copies SQLite databases; back PostgreSQL up with pg_dump".into(),
            ));
        };
        if out.exists() {
            return Err(DbError::Config(format!(
                "{} exists already; choose a new file",
                out.display()
            )));
        }
        let path = out
            .to_str()
            .ok_or_else(|| DbError::Config("the backup path must be valid UTF-8".into()))?;
        sqlx::query("vacuum into $1").bind(path).execute(p).await?;
        Ok(())
    }

    pub async fn close(&self) {
        with_db!(self, p => p.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(t, _) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}
