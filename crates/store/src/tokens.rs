//! API bearer tokens: issued and revoked by an admin, shown once, stored as a hash.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::secret::{random_token, token_hash};
use crate::users::{USER_COLUMNS, User, UserRow};
use crate::{Db, DbError, Tx, with_db, with_tx};

/// Tokens start with this, so a leaked one is easy to recognise in a scan.
const PREFIX: &str = "emas_";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Issues a token acting as `user_id`; returns its id and the token, which is never shown again.
pub async fn issue(
    tx: &mut Tx,
    user_id: i64,
    name: &str,
    created_by: i64,
    now: DateTime<Utc>,
) -> Result<(i64, String), DbError> {
    let token = format!("{PREFIX}{}", random_token());
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into api_token (user_id, name, token_hash, created_at, created_by) \
         values ($1, $2, $3, $4, $5) returning id")
        .bind(user_id).bind(name.trim()).bind(token_hash(&token)).bind(now).bind(created_by)
        .fetch_one(c).await)?;
    Ok((id, token))
}

pub async fn revoke(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<(), DbError> {
    let done = with_tx!(tx, c => sqlx::query(
        "update api_token set revoked_at = $1 where id = $2 and revoked_at is null")
        .bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

impl Db {
    pub async fn api_tokens(&self) -> Result<Vec<ApiToken>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select api_token.id, api_token.user_id, app_user.username, api_token.name, \
             api_token.created_at, api_token.revoked_at, api_token.last_used_at \
             from api_token join app_user on app_user.id = api_token.user_id \
             order by api_token.id desc")
            .fetch_all(p).await)?)
    }

    /// The active user a live token acts as.
    pub async fn user_for_token(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, DbError> {
        if !token.starts_with(PREFIX) {
            return Ok(None);
        }
        let hash = token_hash(token);
        let sql = format!(
            "select {USER_COLUMNS} from api_token join app_user on app_user.id = api_token.user_id \
             where api_token.token_hash = $1 and api_token.revoked_at is null and app_user.active"
        );
        let row: Option<UserRow> = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(&hash).fetch_optional(p).await)?;
        let Some(row) = row else { return Ok(None) };
        with_db!(self, p => sqlx::query(
            "update api_token set last_used_at = $1 where token_hash = $2")
            .bind(now).bind(&hash).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(Some(User::try_from(row)?))
    }
}
