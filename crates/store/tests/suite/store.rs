//! Stories of the storage layer, each run on every test database (SQLite always, PostgreSQL when
//! EMAS_TEST_DATABASE_URL is set).

use crate::common;

use chrono::Duration;
use emas_domain::access::{RegionCode, Role, Scope};
use emas_store::agencies::AgencyKind;
use emas_store::audit::{self, AuditEntry, AuditFilter, AuditWriter};
use emas_store::sessions::{self, SessionPolicy};
use emas_store::testing::test_databases;
use emas_store::throttle::{self, ThrottlePolicy};
use emas_store::users::{self, NewUser, NewUserError};
use emas_store::{Db, DbError, tokens, with_db};

/// A registrar of Kabupaten Serang signing in as `username`, and their agency: the account and
/// the agency ids, committed.
async fn registrar(db: &Db, username: &str) -> (i64, i64) {
    let mut tx = db.begin().await.expect("begin");
    let agency = common::agency(&mut tx, AgencyKind::LabourOffice, "36.04").await;
    let user = common::account(&mut tx, agency, username, Role::Registrar, "36.04").await;
    tx.commit().await.expect("commit");
    (user, agency)
}

fn entry(action: &str, entity_id: &str) -> AuditEntry {
    AuditEntry {
        actor_user_id: None,
        actor: "system".into(),
        action: action.into(),
        entity: "test".into(),
        entity_id: entity_id.into(),
        detail: String::new(),
        request_id: String::new(),
    }
}

#[tokio::test]
async fn reference_regions_load_once_with_banten_in_full() {
    for db in test_databases().await {
        assert_eq!(db.load_reference_regions().await.expect("load"), 2259);
        assert_eq!(
            db.load_reference_regions().await.expect("again"),
            0,
            "nothing twice"
        );
        let banten = RegionCode::parse("36").expect("code");
        let regencies = db.region_children(Some(&banten)).await.expect("children");
        assert_eq!(regencies.len(), 8);
        assert_eq!(regencies[0].name, "Kabupaten Pandeglang");
        let provinces = db.region_children(None).await.expect("provinces");
        assert_eq!(provinces.len(), 38);
    }
}

#[tokio::test]
async fn sqlite_is_recent_enough_and_tuned() {
    let db = test_databases().await.remove(0);
    let version = db.server_version().await.expect("version");
    let parts: Vec<u32> = version
        .split('.')
        .map(|p| p.parse().expect("number"))
        .collect();
    assert!(
        parts >= vec![3, 51, 3],
        "SQLite {version} has the WAL-reset bug"
    );
    let emas_store::Pool::Sqlite(pool) = db.pool() else {
        panic!("first test database is SQLite")
    };
    let (mode,): (String,) = sqlx::query_as("pragma journal_mode")
        .fetch_one(pool)
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
    let (fk,): (i64,) = sqlx::query_as("pragma foreign_keys")
        .fetch_one(pool)
        .await
        .expect("pragma");
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn unknown_database_schemes_are_refused() {
    let err = Db::connect("mysql://localhost/emas")
        .await
        .expect_err("refused");
    assert!(matches!(err, DbError::Config(_)));
    assert!(
        Db::connect("emas.sqlite").await.is_err(),
        "a bare path is not a URL"
    );
}

#[tokio::test]
async fn users_sign_in_with_their_password_only() {
    for db in test_databases().await {
        db.load_reference_regions().await.expect("regions");
        let (id, agency_id) = registrar(&db, "Siti.Aminah").await;
        let found = db
            .verify_credentials("siti.aminah", common::PASSWORD)
            .await
            .expect("query")
            .expect("right password signs in");
        assert_eq!(found.id, id);
        assert_eq!(found.role, Role::Registrar);
        assert!(
            db.verify_credentials("siti.aminah", "salah")
                .await
                .expect("q")
                .is_none()
        );
        assert!(
            db.verify_credentials("nobody", common::PASSWORD)
                .await
                .expect("q")
                .is_none()
        );

        let mut tx = db.begin().await.expect("begin");
        let again = users::create_user(
            &mut tx,
            &NewUser {
                username: "siti.aminah",
                display_name: "Another",
                password: "rahasia sekali",
                role: Role::Admin,
                scope: Scope::National,
                agency_id,
                must_change_password: false,
            },
            emas_store::now(),
        )
        .await;
        assert!(matches!(again, Err(NewUserError::Taken)), "{again:?}");
        drop(tx);
        assert_eq!(db.user_count().await.expect("count"), 1);
    }
}

#[tokio::test]
async fn sessions_end_when_idle_expired_or_deactivated() {
    for db in test_databases().await {
        db.load_reference_regions().await.expect("regions");
        let (uid, _) = registrar(&db, "registrar").await;
        let policy = SessionPolicy::default();
        let now = emas_store::now();
        let mut tx = db.begin().await.expect("begin");
        let (token, csrf) = sessions::start(&mut tx, uid, policy, now)
            .await
            .expect("start");
        tx.commit().await.expect("commit");

        let s = db
            .session(&token, policy, now)
            .await
            .expect("q")
            .expect("live");
        assert_eq!((s.user.id, s.csrf_token.as_str()), (uid, csrf.as_str()));
        assert!(
            db.session("forged", policy, now)
                .await
                .expect("q")
                .is_none()
        );
        // Used within the idle timeout, it lives on; unused past it, it ends.
        let later = now + policy.idle - Duration::minutes(1);
        assert!(
            db.session(&token, policy, later)
                .await
                .expect("q")
                .is_some()
        );
        let idle = later + policy.idle;
        assert!(db.session(&token, policy, idle).await.expect("q").is_none());
        assert!(
            db.session(&token, policy, later)
                .await
                .expect("q")
                .is_none(),
            "deleted"
        );

        let mut tx = db.begin().await.expect("begin");
        let (token, _) = sessions::start(&mut tx, uid, policy, now)
            .await
            .expect("start");
        tx.commit().await.expect("commit");
        let past_absolute = now + policy.absolute;
        assert!(
            db.session(&token, policy, past_absolute)
                .await
                .expect("q")
                .is_none()
        );

        let mut tx = db.begin().await.expect("begin");
        let (token, _) = sessions::start(&mut tx, uid, policy, now)
            .await
            .expect("start");
        users::set_active(&mut tx, uid, false, now)
            .await
            .expect("deactivate");
        tx.commit().await.expect("commit");
        assert!(db.session(&token, policy, now).await.expect("q").is_none());
        assert!(
            db.verify_credentials("registrar", common::PASSWORD)
                .await
                .expect("q")
                .is_none()
        );
    }
}

#[tokio::test]
async fn repeated_failures_lock_a_name_for_a_while() {
    for db in test_databases().await {
        let policy = ThrottlePolicy::default();
        let now = emas_store::now();
        for _ in 0..policy.max_failures {
            assert_eq!(db.login_locked_until("siti", now).await.expect("q"), None);
            let mut tx = db.begin().await.expect("begin");
            throttle::record_failure(&mut tx, "siti", policy, now)
                .await
                .expect("record");
            tx.commit().await.expect("commit");
        }
        let until = db
            .login_locked_until("siti", now)
            .await
            .expect("q")
            .expect("locked");
        assert_eq!(until, now + policy.lockout);
        assert_eq!(db.login_locked_until("other", now).await.expect("q"), None);
        assert_eq!(
            db.login_locked_until("siti", until).await.expect("q"),
            None,
            "opens again"
        );
        let mut tx = db.begin().await.expect("begin");
        throttle::clear(&mut tx, "siti").await.expect("clear");
        tx.commit().await.expect("commit");
        assert_eq!(db.login_locked_until("siti", now).await.expect("q"), None);
    }
}

#[tokio::test]
async fn audit_lines_commit_with_their_change_and_are_never_altered() {
    for db in test_databases().await {
        let now = emas_store::now();
        let mut tx = db.begin().await.expect("begin");
        audit::record(&mut tx, &entry("test.rolled_back", "1"), now)
            .await
            .expect("record");
        drop(tx); // rolled back: the line goes with the change
        assert_eq!(db.audit_count().await.expect("count"), 0);

        let mut tx = db.begin().await.expect("begin");
        audit::record(&mut tx, &entry("test.kept", "2"), now)
            .await
            .expect("record");
        tx.commit().await.expect("commit");
        let lines = db
            .audit_log(&AuditFilter::default(), 10, 0)
            .await
            .expect("log");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].action, "test.kept");

        let update = with_db!(&db, p => sqlx::query("update audit_log set actor = 'x'").execute(p).await.map(|_| ()));
        assert!(update.is_err(), "the log is append-only");
        let delete =
            with_db!(&db, p => sqlx::query("delete from audit_log").execute(p).await.map(|_| ()));
        assert!(delete.is_err(), "the log is append-only");
    }
}

#[tokio::test]
async fn audited_reads_are_written_within_a_second_and_can_be_filtered() {
    for db in test_databases().await {
        let (writer, task) = AuditWriter::start(db.clone());
        for i in 0..50 {
            writer.log(entry("person.read", &i.to_string()));
        }
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        assert_eq!(
            db.audit_count().await.expect("count"),
            50,
            "within a second"
        );
        writer.log(entry("person.read", "last"));
        drop(writer);
        task.finish().await;
        assert_eq!(
            db.audit_count().await.expect("count"),
            51,
            "flushed at shutdown"
        );

        let filter = AuditFilter {
            entity_id: Some("7".into()),
            ..AuditFilter::default()
        };
        let lines = db.audit_log(&filter, 10, 0).await.expect("log");
        assert_eq!(lines.len(), 1);
        let filter = AuditFilter {
            from: Some(emas_store::now() + Duration::hours(1)),
            ..AuditFilter::default()
        };
        assert!(db.audit_log(&filter, 10, 0).await.expect("log").is_empty());
    }
}

#[tokio::test]
async fn api_tokens_act_as_their_user_until_revoked() {
    for db in test_databases().await {
        db.load_reference_regions().await.expect("regions");
        let (uid, _) = registrar(&db, "api.user").await;
        let now = emas_store::now();
        let mut tx = db.begin().await.expect("begin");
        let (id, token) = tokens::issue(&mut tx, uid, "laporan", uid, now)
            .await
            .expect("issue");
        tx.commit().await.expect("commit");
        assert_eq!(
            db.user_for_token(&token, now)
                .await
                .expect("q")
                .map(|u| u.id),
            Some(uid)
        );
        assert!(
            db.user_for_token("emas_forged", now)
                .await
                .expect("q")
                .is_none()
        );
        let listed = db.api_tokens().await.expect("list");
        assert_eq!(listed[0].last_used_at, Some(now));
        let mut tx = db.begin().await.expect("begin");
        tokens::revoke(&mut tx, id, now).await.expect("revoke");
        tx.commit().await.expect("commit");
        assert!(db.user_for_token(&token, now).await.expect("q").is_none());
    }
}

#[tokio::test]
async fn concurrent_writers_queue_instead_of_failing() {
    for db in test_databases().await {
        let mut tasks = Vec::new();
        for t in 0..8 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..25 {
                    let mut tx = db.begin().await?;
                    // Read first, then write: the pattern that fails with SQLITE_BUSY when a
                    // transaction takes the write lock only at its first write.
                    let _ = db.audit_count().await?;
                    audit::record(
                        &mut tx,
                        &entry("test.write", &format!("{t}-{i}")),
                        emas_store::now(),
                    )
                    .await?;
                    tx.commit().await?;
                }
                Ok::<_, DbError>(())
            }));
        }
        for t in tasks {
            t.await.expect("task").expect("no writer fails");
        }
        assert_eq!(db.audit_count().await.expect("count"), 200);
    }
}

#[tokio::test]
async fn a_backup_is_a_consistent_database_of_its_own() {
    let db = test_databases().await.remove(0);
    db.load_reference_regions().await.expect("regions");
    let dir = std::env::temp_dir().join(format!("emas-backup-{}", uuid_like()));
    std::fs::create_dir_all(&dir).expect("dir");
    let out = dir.join("copy.sqlite");
    db.backup_to(&out).await.expect("backup");
    assert!(db.backup_to(&out).await.is_err(), "never overwrites");
    let copy = Db::connect(&format!("sqlite:{}", out.display()))
        .await
        .expect("open copy");
    assert_eq!(copy.region_children(None).await.expect("q").len(), 38);
}

fn uuid_like() -> String {
    emas_store::secret::random_token()[..12].to_owned()
}
