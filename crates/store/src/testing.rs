//! Databases for tests: a fresh SQLite file always, and a fresh PostgreSQL database too when
//! `EMAS_TEST_DATABASE_URL` points at a server. When it is set and the server cannot be reached,
//! the test fails instead of quietly testing one database.

use crate::{Db, secret::random_token};

pub const TEST_DATABASE_URL: &str = "EMAS_TEST_DATABASE_URL";

/// Each call makes new, empty, migrated databases that no other test shares.
pub async fn test_databases() -> Vec<Db> {
    let mut dbs = vec![sqlite().await];
    if let Some(db) = postgres().await {
        dbs.push(db);
    }
    dbs
}

async fn sqlite() -> Db {
    let dir = std::env::temp_dir().join(format!("emas-test-{}", &random_token()[..16]));
    Db::open_data_dir(&dir)
        .await
        .expect("a new SQLite database in the temp directory")
}

async fn postgres() -> Option<Db> {
    let url = std::env::var(TEST_DATABASE_URL)
        .ok()
        .filter(|u| !u.is_empty())?;
    let admin = sqlx::PgPool::connect(&url).await.unwrap_or_else(|e| {
        panic!("{TEST_DATABASE_URL} is set but its server cannot be reached: {e}")
    });
    let name = format!(
        "emas_test_{}",
        random_token()[..16].to_lowercase().replace(['-', '_'], "x")
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
        .execute(&admin)
        .await
        .expect("create a test database");
    admin.close().await;
    let (base, _) = url
        .rsplit_once('/')
        .expect("a PostgreSQL URL ends with /database");
    let db_url = format!("{base}/{name}");
    Some(
        Db::connect(&db_url)
            .await
            .expect("connect to the new test database"),
    )
}
