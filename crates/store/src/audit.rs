//! The audit log: an append-only record of who did what to which record and when. A change writes
//! its audit line in its own transaction; a read goes through [`AuditWriter`], which batches
//! lines and commits them within a second so that a page view never waits on the write lock.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::{Db, DbError, Tx, with_db, with_tx};

/// One line of the audit log, before it is written. It names records by id and never copies
/// personal data into `detail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub actor_user_id: Option<i64>,
    /// The actor's user name at the time, or `system` / `cli` for work nobody signed in for.
    pub actor: String,
    /// What was done, as `entity.verb`: `user.create`, `person.read`, `session.sign_in`.
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: String,
    pub request_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: String,
    pub request_id: String,
}

/// What an admin filters the log by; empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

const INSERT: &str = "insert into audit_log (at, actor_user_id, actor, action, entity, \
    entity_id, detail, request_id) values ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Writes one audit line inside the transaction of the change it records.
pub async fn record(tx: &mut Tx, entry: &AuditEntry, now: DateTime<Utc>) -> Result<(), DbError> {
    with_tx!(tx, c => sqlx::query(INSERT)
        .bind(now).bind(entry.actor_user_id).bind(&entry.actor).bind(&entry.action)
        .bind(&entry.entity).bind(&entry.entity_id).bind(&entry.detail).bind(&entry.request_id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

impl Db {
    /// The newest lines first, `limit` of them after skipping `offset`.
    pub async fn audit_log(
        &self,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditRecord>, DbError> {
        // Fixed SQL with each filter switched off by a null parameter, so there is one query
        // and no string building from input.
        let sql = "select id, at, actor_user_id, actor, action, entity, entity_id, detail, \
            request_id from audit_log \
            where ($1 is null or actor = $1) \
              and ($2 is null or action = $2) \
              and ($3 is null or entity = $3) \
              and ($4 is null or entity_id = $4) \
              and ($5 is null or at >= $5) \
              and ($6 is null or at < $6) \
            order by id desc limit $7 offset $8";
        Ok(with_db!(self, p => sqlx::query_as(sql)
            .bind(&filter.actor).bind(&filter.action).bind(&filter.entity)
            .bind(&filter.entity_id).bind(filter.from).bind(filter.until)
            .bind(limit).bind(offset)
            .fetch_all(p).await)?)
    }
}

/// Writes audit lines of reads in the background, in batches, within about a second.
#[derive(Clone)]
pub struct AuditWriter {
    sender: mpsc::UnboundedSender<(AuditEntry, DateTime<Utc>)>,
}

/// Ends the background writer after writing what is queued; hold it until shutdown.
pub struct AuditWriterTask {
    handle: JoinHandle<()>,
}

const FLUSH_EVERY: Duration = Duration::from_millis(500);
const MAX_BATCH: usize = 500;

impl AuditWriter {
    pub fn start(db: Db) -> (AuditWriter, AuditWriterTask) {
        let (sender, mut receiver) = mpsc::unbounded_channel::<(AuditEntry, DateTime<Utc>)>();
        let handle = tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            loop {
                let open = receiver.recv_many(&mut batch, MAX_BATCH).await > 0;
                if !open {
                    break;
                }
                // Let a burst of reads gather into one transaction.
                tokio::time::sleep(FLUSH_EVERY).await;
                while batch.len() < MAX_BATCH {
                    match receiver.try_recv() {
                        Ok(line) => batch.push(line),
                        Err(_) => break,
                    }
                }
                if let Err(e) = write_batch(&db, &batch).await {
                    tracing::error!(error = %e, lines = batch.len(), "audit lines could not be written");
                }
                batch.clear();
            }
        });
        (AuditWriter { sender }, AuditWriterTask { handle })
    }

    /// Queues a line; never waits.
    pub fn log(&self, entry: AuditEntry) {
        if self.sender.send((entry, crate::now())).is_err() {
            tracing::error!("audit writer has stopped; a read was not audited");
        }
    }
}

impl AuditWriterTask {
    /// Waits until every queued line is written. Call after every [`AuditWriter`] is dropped.
    pub async fn finish(self) {
        if let Err(e) = self.handle.await {
            tracing::error!(error = %e, "audit writer ended abnormally");
        }
    }
}

async fn write_batch(db: &Db, batch: &[(AuditEntry, DateTime<Utc>)]) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    for (entry, at) in batch {
        record(&mut tx, entry, *at).await?;
    }
    tx.commit().await
}

impl Db {
    /// The number of lines in the log (for tests and the admin page's paging).
    pub async fn audit_count(&self) -> Result<i64, DbError> {
        let (n,): (i64,) = with_db!(self, p => sqlx::query_as("select count(*) from audit_log").fetch_one(p).await)?;
        Ok(n)
    }
}
