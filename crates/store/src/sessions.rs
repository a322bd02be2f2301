//! Sign-in sessions, kept in the database so that every app server sees the same ones. The cookie
//! holds a random token; the table holds only its hash.

use chrono::{DateTime, Duration, Utc};

use crate::secret::{random_token, token_hash};
use crate::users::{USER_COLUMNS, User, UserRow};
use crate::{Db, DbError, Tx, with_db, with_tx};

/// How long a session lives.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// A session unused for this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

/// Refreshing `last_seen_at` on every request would make every page view a write; a minute's
/// precision is plenty for an idle timeout of many minutes.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// A live session and the user it belongs to.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub csrf_token: String,
    pub user: User,
}

/// Starts a session for `user_id`; returns the token for the cookie and the CSRF token.
pub async fn start(
    tx: &mut Tx,
    user_id: i64,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<(String, String), DbError> {
    let token = random_token();
    let csrf = random_token();
    with_tx!(tx, c => sqlx::query(
        "insert into user_session (token_hash, user_id, csrf_token, created_at, last_seen_at, \
         absolute_expires_at) values ($1, $2, $3, $4, $4, $5)")
        .bind(token_hash(&token)).bind(user_id).bind(&csrf).bind(now)
        .bind(now + policy.absolute)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok((token, csrf))
}

pub async fn end(tx: &mut Tx, token_hash: &str) -> Result<(), DbError> {
    with_tx!(tx, c => sqlx::query("delete from user_session where token_hash = $1")
        .bind(token_hash).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn end_all_for_user(tx: &mut Tx, user_id: i64) -> Result<(), DbError> {
    with_tx!(tx, c => sqlx::query("delete from user_session where user_id = $1")
        .bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends every session of `user_id` but the one given (after a password change).
pub async fn end_others_for_user(
    tx: &mut Tx,
    user_id: i64,
    keep_token_hash: &str,
) -> Result<(), DbError> {
    with_tx!(tx, c => sqlx::query(
        "delete from user_session where user_id = $1 and token_hash <> $2")
        .bind(user_id).bind(keep_token_hash).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

impl Db {
    /// The live session for a cookie token, or `None` when it is unknown, expired, or its user is
    /// deactivated. Marks the session as used.
    pub async fn session(
        &self,
        token: &str,
        policy: SessionPolicy,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, DbError> {
        let hash = token_hash(token);
        let sql = format!(
            "select {USER_COLUMNS}, user_session.csrf_token, user_session.last_seen_at, \
             user_session.absolute_expires_at \
             from user_session join app_user on app_user.id = user_session.user_id \
             where user_session.token_hash = $1"
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            csrf_token: String,
            last_seen_at: DateTime<Utc>,
            absolute_expires_at: DateTime<Utc>,
        }
        let row: Option<Row> = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(&hash).fetch_optional(p).await)?;
        let Some(row) = row else { return Ok(None) };
        let user = User::try_from(row.user)?;
        let expired = now >= row.absolute_expires_at || now - row.last_seen_at >= policy.idle;
        if expired || !user.active {
            with_db!(self, p => sqlx::query("delete from user_session where token_hash = $1")
                .bind(&hash).execute(p).await.map(|r| r.rows_affected()))?;
            return Ok(None);
        }
        if now - row.last_seen_at >= TOUCH_EVERY {
            with_db!(self, p => sqlx::query(
                "update user_session set last_seen_at = $1 where token_hash = $2")
                .bind(now).bind(&hash).execute(p).await.map(|r| r.rows_affected()))?;
        }
        Ok(Some(Session {
            token_hash: hash,
            csrf_token: row.csrf_token,
            user,
        }))
    }

    /// Removes sessions past their absolute expiry; idle ones go when next looked up.
    pub async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, DbError> {
        let done = with_db!(self, p => sqlx::query(
            "delete from user_session where absolute_expires_at <= $1")
            .bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done)
    }
}
