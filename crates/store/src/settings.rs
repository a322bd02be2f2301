//! Small facts about the installation kept in the database, such as whether demo data was loaded.

use crate::{Db, DbError, Tx, with_db, with_tx};

impl Db {
    pub async fn setting(&self, key: &str) -> Result<Option<String>, DbError> {
        let row: Option<(String,)> = with_db!(self, p => sqlx::query_as(
            "select value from setting where key = $1").bind(key).fetch_optional(p).await)?;
        Ok(row.map(|r| r.0))
    }
}

pub async fn set_setting(tx: &mut Tx, key: &str, value: &str) -> Result<(), DbError> {
    with_tx!(tx, c => sqlx::query(
        "insert into setting (key, value) values ($1, $2) \
         on conflict (key) do update set value = excluded.value")
        .bind(key).bind(value).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
