//! Importing agency lists, on every test database: plan without writing, commit all or none,
//! the same rows twice add nothing, undo removes what the import added.

use crate::common;

use chrono::NaiveDate;
use emas_domain::access::{Role, Scope};
use emas_domain::import::Mapping;
use emas_store::agencies::AgencyKind;
use emas_store::imports::{self, Outcome, Plan};
use emas_store::people::PersonQuery;
use emas_store::testing::test_databases;
use emas_store::{Db, DbError, now};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
}

fn headers() -> Vec<String> {
    [
        "NO",
        "NIK",
        "NAMA",
        "JK",
        "TGL LAHIR",
        "ALAMAT",
        "NEGARA",
        "TGL PULANG",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn row(line: usize, cells: [&str; 8]) -> (usize, Vec<String>) {
    (line, cells.iter().map(|s| s.to_string()).collect())
}

fn list() -> Vec<(usize, Vec<String>)> {
    vec![
        row(
            2,
            [
                "1",
                "3604054503900002",
                "Siti Nurhayati",
                "P",
                "05-03-1990",
                "Kp. Cibeber Kec. Kramatwatu Kab. Serang",
                "Taiwan",
                "30-06-2023",
            ],
        ),
        row(
            3,
            [
                "2",
                "",
                "Euis Komalasari",
                "P",
                "12 Maret 1988",
                "Ds. Sukamaju Kab. Lebak",
                "Hongkong",
                "2022-01-15",
            ],
        ),
        row(
            4,
            [
                "3",
                "'3604054503900002",
                "SITI NURHAYATI",
                "P",
                "",
                "",
                "",
                "",
            ],
        ),
        row(5, ["4", "", "", "", "", "", "", ""]),
    ]
}

async fn setup(db: &Db) -> (i64, i64) {
    db.load_reference_regions().await.expect("regions");
    let mut tx = db.begin().await.expect("begin");
    let agency = common::agency(&mut tx, AgencyKind::LabourOffice, "36.04").await;
    let user = common::account(&mut tx, agency, "registrar", Role::Registrar, "national").await;
    let source = imports::ensure_source(
        &mut tx,
        "Disnaker Kab. Serang 2024",
        "regency",
        Some(agency),
        now(),
    )
    .await
    .expect("source");
    tx.commit().await.expect("commit");
    (user, source)
}

async fn plan(db: &Db, source: i64, rows: Vec<(usize, Vec<String>)>) -> Plan {
    let h = headers();
    let mapping = Mapping::guess(&h);
    imports::plan(db, Some(source), h, &mapping, rows, today())
        .await
        .expect("plan")
}

async fn commit(db: &Db, user: i64, source: i64, plan: &Plan) -> Result<i64, DbError> {
    let mut tx = db.begin().await?;
    let batch = imports::stage(&mut tx, source, "list.csv", b"bytes", Some(user), now()).await?;
    imports::commit(&mut tx, batch, source, plan, now(), &mut |_| {}).await?;
    tx.commit().await?;
    Ok(batch)
}

async fn people(db: &Db) -> i64 {
    db.search_people(
        &PersonQuery {
            limit: 1,
            ..Default::default()
        },
        &Scope::National,
    )
    .await
    .expect("q")
    .1
}

#[tokio::test]
async fn a_list_is_planned_then_committed_and_the_same_rows_add_nothing_twice() {
    for db in test_databases().await {
        let (user, source) = setup(&db).await;
        let p = plan(&db, source, list()).await;
        let outcomes: Vec<&Outcome> = p.rows.iter().map(|r| &r.outcome).collect();
        assert_eq!(
            outcomes,
            vec![
                &Outcome::New,
                &Outcome::New,
                &Outcome::SameAsLine(2),
                &Outcome::Error
            ]
        );
        assert_eq!((p.counts.new, p.counts.matched, p.counts.error), (2, 1, 1));
        assert_eq!(people(&db).await, 0, "planning writes nothing");

        let batch = commit(&db, user, source, &p).await.expect("commit");
        assert_eq!(people(&db).await, 2);
        let b = db.import_batch(batch).await.expect("batch");
        assert_eq!(
            (b.status.as_str(), b.rows_new, b.rows_matched, b.rows_error),
            ("committed", 2, 1, 1)
        );
        let siti = db
            .search_people(
                &PersonQuery {
                    nik_prefix: Some("3604054503900002".into()),
                    limit: 5,
                    ..Default::default()
                },
                &Scope::National,
            )
            .await
            .expect("q")
            .0;
        assert_eq!(siti.len(), 1);
        let records = db.source_records_of(siti[0].id).await.expect("records");
        assert_eq!(
            records.len(),
            2,
            "both rows of Siti are kept as her source records"
        );
        assert!(
            records[0]
                .cells()
                .contains(&("NAMA".to_owned(), "Siti Nurhayati".to_owned()))
        );
        let detail = db.person(siti[0].id).await.expect("person");
        assert_eq!(detail.person.region_code.as_deref(), Some("36.04.05"));
        assert_eq!(detail.placements[0].country, "TW");

        // The same file again: every row is known.
        let again = plan(&db, source, list()).await;
        assert_eq!((again.counts.new, again.counts.already), (0, 3));
        commit(&db, user, source, &again).await.expect("commit");
        assert_eq!(people(&db).await, 2);

        // An overlapping later list: only the new row is new, a known NIK is matched.
        let mut later = list();
        later.push(row(
            6,
            [
                "5",
                "",
                "Nur Hayati",
                "P",
                "01-07-1985",
                "Kab. Pandeglang",
                "Malaysia",
                "2024-02-02",
            ],
        ));
        later.push(row(
            7,
            [
                "6",
                "3604054503900002",
                "Siti Nurhayati",
                "P",
                "05-03-1990",
                "",
                "Taiwan",
                "01-08-2025",
            ],
        ));
        let p = plan(&db, source, later).await;
        assert_eq!(
            (p.counts.new, p.counts.matched, p.counts.already),
            (1, 1, 3)
        );
        assert_eq!(db.tally_differences().await.expect("tallies"), vec![]);
    }
}

#[tokio::test]
async fn an_import_is_undone_without_losing_what_others_brought() {
    for db in test_databases().await {
        let (user, source) = setup(&db).await;
        let first = commit(&db, user, source, &plan(&db, source, list()).await)
            .await
            .expect("commit");
        let mut tx = db.begin().await.expect("begin");
        let other = imports::ensure_source(&mut tx, "BP3MI kepulangan", "return", None, now())
            .await
            .expect("source");
        tx.commit().await.expect("commit");
        let second_rows = vec![row(
            2,
            [
                "A",
                "3604054503900002",
                "Siti Nurhayati",
                "P",
                "05-03-1990",
                "",
                "Taiwan",
                "30-06-2023",
            ],
        )];
        let second = commit(&db, user, other, &plan(&db, other, second_rows).await)
            .await
            .expect("commit");
        assert_eq!(people(&db).await, 2);

        let mut tx = db.begin().await.expect("begin");
        let removed = imports::undo(&mut tx, first, now()).await.expect("undo");
        tx.commit().await.expect("commit");
        assert_eq!(
            removed, 1,
            "Euis came only from the first list; Siti is also in the second"
        );
        assert_eq!(people(&db).await, 1);
        let mut tx = db.begin().await.expect("begin");
        assert!(
            matches!(
                imports::undo(&mut tx, first, now()).await,
                Err(DbError::NotFound)
            ),
            "not twice"
        );
        drop(tx);
        let mut tx = db.begin().await.expect("begin");
        imports::undo(&mut tx, second, now()).await.expect("undo");
        tx.commit().await.expect("commit");
        assert_eq!(people(&db).await, 0);
        assert_eq!(db.tally_differences().await.expect("tallies"), vec![]);
    }
}

#[tokio::test]
async fn a_batch_commits_once() {
    for db in test_databases().await {
        let (user, source) = setup(&db).await;
        let p = plan(&db, source, list()).await;
        let mut tx = db.begin().await.expect("begin");
        let batch = imports::stage(&mut tx, source, "list.csv", b"x", Some(user), now())
            .await
            .expect("stage");
        tx.commit().await.expect("commit");
        let mut tx = db.begin().await.expect("begin");
        imports::commit(&mut tx, batch, source, &p, now(), &mut |_| {})
            .await
            .expect("first");
        tx.commit().await.expect("commit");
        let mut tx = db.begin().await.expect("begin");
        let second = imports::commit(&mut tx, batch, source, &p, now(), &mut |_| {}).await;
        assert!(matches!(second, Err(DbError::Conflict(_))));
        drop(tx);
        assert_eq!(people(&db).await, 2, "the second commit wrote nothing");
    }
}

#[tokio::test]
async fn a_numbering_column_is_the_record_id_only_when_unique() {
    let db = test_databases().await.remove(0);
    let (_, source) = setup(&db).await;
    let unique = plan(&db, source, list()).await;
    assert_eq!(unique.rows[0].record_id, "1");
    let mut repeated = list();
    repeated[1].1[0] = "1".into();
    let p = plan(&db, source, repeated).await;
    assert_eq!(
        p.rows[0].record_id, "2",
        "numbering restarts: the line stands for the row"
    );
}
