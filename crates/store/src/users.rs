//! Accounts: who signs in, their role, the agency they belong to and the region they work within.

use chrono::{DateTime, Utc};
use emas_domain::access::{Role, Scope};
use serde::Serialize;

use crate::password::{self, PasswordError};
use crate::{Db, DbError, Tx, with_db, with_tx};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    pub agency_id: i64,
    pub active: bool,
    pub must_change_password: bool,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    scope: String,
    agency_id: i64,
    active: bool,
    must_change_password: bool,
}

impl TryFrom<UserRow> for User {
    type Error = DbError;
    fn try_from(r: UserRow) -> Result<Self, DbError> {
        let bad = |what: &str| DbError::Config(format!("user {} has a bad {what}", r.id));
        Ok(User {
            role: r.role.parse().map_err(|_| bad("role"))?,
            scope: Scope::parse(&r.scope).map_err(|_| bad("scope"))?,
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            agency_id: r.agency_id,
            active: r.active,
            must_change_password: r.must_change_password,
        })
    }
}

pub(crate) const USER_COLUMNS: &str = "app_user.id, app_user.username, app_user.display_name, \
    app_user.role, app_user.scope, app_user.agency_id, app_user.active, \
    app_user.must_change_password";

/// A user name is what people type to sign in: 3 to 64 lower-case letters, digits, `.`, `-`, `_`.
pub fn normalise_username(s: &str) -> Option<String> {
    let s = s.trim().to_lowercase();
    let ok = (3..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    ok.then_some(s)
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub scope: Scope,
    pub agency_id: i64,
    /// Set for passwords someone else chose (a reset, a first admin), so the holder picks their own.
    pub must_change_password: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum NewUserError {
    #[error("invalid user name")]
    Username,
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("the user name is taken")]
    Taken,
    #[error(transparent)]
    Db(DbError),
}

impl From<DbError> for NewUserError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Conflict(_) => NewUserError::Taken,
            e => NewUserError::Db(e),
        }
    }
}

impl Db {
    pub async fn user(&self, id: i64) -> Result<User, DbError> {
        let sql = format!("select {USER_COLUMNS} from app_user where id = $1");
        let row: UserRow = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(p).await)?;
        row.try_into()
    }

    pub async fn users(&self) -> Result<Vec<User>, DbError> {
        let sql = format!("select {USER_COLUMNS} from app_user order by username");
        let rows: Vec<UserRow> = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(p).await)?;
        rows.into_iter().map(User::try_from).collect()
    }

    pub async fn user_count(&self) -> Result<i64, DbError> {
        let (n,): (i64,) = with_db!(self, p => sqlx::query_as("select count(*) from app_user").fetch_one(p).await)?;
        Ok(n)
    }

    /// The active user with this name and password. A wrong name costs as much time as a wrong
    /// password, so the answer does not tell which names exist.
    pub async fn verify_credentials(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<User>, DbError> {
        let sql = format!(
            "select {USER_COLUMNS}, app_user.password_hash from app_user where username = $1"
        );
        #[derive(sqlx::FromRow)]
        struct WithHash {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let row: Option<WithHash> = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(username).fetch_optional(p).await)?;
        let Some(row) = row else {
            password::verify_password(password, password::dummy_hash());
            return Ok(None);
        };
        if !password::verify_password(password, &row.password_hash) {
            return Ok(None);
        }
        let user = User::try_from(row.user)?;
        Ok(user.active.then_some(user))
    }
}

pub async fn create_user(
    tx: &mut Tx,
    new: &NewUser<'_>,
    now: DateTime<Utc>,
) -> Result<i64, NewUserError> {
    let username = normalise_username(new.username).ok_or(NewUserError::Username)?;
    password::check_new_password(new.password)?;
    let hash = password::hash_password(new.password)?;
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into app_user (username, display_name, password_hash, role, scope, agency_id, \
         active, must_change_password, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, true, $7, $8, $8) returning id")
        .bind(&username)
        .bind(new.display_name.trim())
        .bind(&hash)
        .bind(new.role.as_str())
        .bind(new.scope.as_str())
        .bind(new.agency_id)
        .bind(new.must_change_password)
        .bind(now)
        .fetch_one(c).await)
    .map_err(DbError::from)?;
    Ok(id)
}

/// Sets a new password; `must_change` is true when someone other than the holder chose it.
pub async fn set_password(
    tx: &mut Tx,
    user_id: i64,
    password: &str,
    must_change: bool,
    now: DateTime<Utc>,
) -> Result<(), NewUserError> {
    password::check_new_password(password)?;
    let hash = password::hash_password(password)?;
    let done = with_tx!(tx, c => sqlx::query(
        "update app_user set password_hash = $1, must_change_password = $2, updated_at = $3 \
         where id = $4")
        .bind(&hash).bind(must_change).bind(now).bind(user_id)
        .execute(c).await.map(|r| r.rows_affected()))
    .map_err(DbError::from)?;
    if done == 0 {
        return Err(NewUserError::Db(DbError::NotFound));
    }
    Ok(())
}

/// Activates or deactivates an account. Deactivation ends all its sessions and revokes its API
/// tokens in the same transaction, so it takes effect at once on every app server.
pub async fn set_active(
    tx: &mut Tx,
    user_id: i64,
    active: bool,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let done = with_tx!(tx, c => sqlx::query(
        "update app_user set active = $1, updated_at = $2 where id = $3")
        .bind(active).bind(now).bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(DbError::NotFound);
    }
    if !active {
        crate::sessions::end_all_for_user(tx, user_id).await?;
        with_tx!(tx, c => sqlx::query(
            "update api_token set revoked_at = $1 where user_id = $2 and revoked_at is null")
            .bind(now).bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}
