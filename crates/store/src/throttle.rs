//! Sign-in throttling: after repeated failures for one user name, sign-in for that name is
//! refused for a while. The state lives in the database so it holds across app servers.

use chrono::{DateTime, Duration, Utc};

use crate::{Db, DbError, Tx, with_db, with_tx};

#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures within `window` that lock the name.
    pub max_failures: i32,
    pub window: Duration,
    /// How long the name stays locked.
    pub lockout: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            max_failures: 5,
            window: Duration::minutes(15),
            lockout: Duration::minutes(15),
        }
    }
}

impl Db {
    /// When sign-in for `key` is locked, the time it opens again.
    pub async fn login_locked_until(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, DbError> {
        let row: Option<(Option<DateTime<Utc>>,)> = with_db!(self, p => sqlx::query_as(
            "select locked_until from login_throttle where username_key = $1")
            .bind(key).fetch_optional(p).await)?;
        Ok(row.and_then(|r| r.0).filter(|until| *until > now))
    }
}

/// Counts a failed sign-in for `key`, locking it when the policy says so.
pub async fn record_failure(
    tx: &mut Tx,
    key: &str,
    policy: ThrottlePolicy,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let row: Option<(i32, DateTime<Utc>)> = with_tx!(tx, c => sqlx::query_as(
        "select failures, first_failure_at from login_throttle where username_key = $1")
        .bind(key).fetch_optional(&mut *c).await)?;
    let (failures, first) = match row {
        Some((n, first)) if now - first < policy.window => (n + 1, first),
        _ => (1, now),
    };
    let locked_until = (failures >= policy.max_failures).then(|| now + policy.lockout);
    with_tx!(tx, c => sqlx::query(
        "insert into login_throttle (username_key, failures, first_failure_at, locked_until) \
         values ($1, $2, $3, $4) on conflict (username_key) do update set \
         failures = excluded.failures, first_failure_at = excluded.first_failure_at, \
         locked_until = excluded.locked_until")
        .bind(key).bind(failures).bind(first).bind(locked_until)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets the failures of `key` after a successful sign-in.
pub async fn clear(tx: &mut Tx, key: &str) -> Result<(), DbError> {
    with_tx!(tx, c => sqlx::query("delete from login_throttle where username_key = $1")
        .bind(key).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
