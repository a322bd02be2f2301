//! Person resolution on every test database: an import finds the people already registered
//! by the linkage engine (not only by an exact NIK), sends doubtful pairs to the review queue,
//! and an undo takes back everything the batch taught the registry.

use crate::common;

use chrono::NaiveDate;
use emas_domain::access::{Role, Scope};
use emas_domain::import::Mapping;
use emas_store::agencies::AgencyKind;
use emas_store::imports::{self, Outcome, Plan, PlannedOther};
use emas_store::resolution::{self, Reason, Thresholds};
use emas_store::testing::test_databases;
use emas_store::{Db, DbError, now};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
}

const HEADERS: [&str; 7] = ["NO", "NIK", "NAMA", "JK", "TGL LAHIR", "ALAMAT", "NO HP"];

fn rows(list: &[[&str; 7]]) -> Vec<(usize, Vec<String>)> {
    list.iter()
        .enumerate()
        .map(|(i, r)| (i + 2, r.iter().map(|s| s.to_string()).collect()))
        .collect()
}

/// The labour office's list.
const REGENCY: [[&str; 7]; 4] = [
    [
        "1",
        "3604054503900002",
        "Siti Nurhayati",
        "P",
        "05-03-1990",
        "Kp. Cibeber RT 02/03 Ds. Kramatwatu Kec. Kramatwatu Kab. Serang",
        "081234567890",
    ],
    [
        "2",
        "3602011208850003",
        "Muhammad Yusuf",
        "L",
        "12-08-1985",
        "Ds. Sukamaju Kec. Cibadak Kab. Lebak",
        "085711112222",
    ],
    [
        "3",
        "",
        "Euis Komalasari",
        "P",
        "12 Maret 1988",
        "Ds. Sukamaju Kec. Cibadak Kab. Lebak",
        "",
    ],
    [
        "4",
        "3604016007920001",
        "Siti Aminah",
        "P",
        "20-07-1992",
        "Kec. Anyar Kab. Serang",
        "",
    ],
];

/// The national agency's return list: the same people spelled as another clerk spells them,
/// mostly without NIKs, and one newcomer who shares a common name.
const RETURNS: [[&str; 7]; 4] = [
    [
        "A1",
        "",
        "SITI NURHAYATI",
        "Perempuan",
        "1990-03-05",
        "Kramatwatu, Serang",
        "+62 812-3456-7890",
    ],
    [
        "A2",
        "",
        "Moh. Yusup",
        "L",
        "12/08/1985",
        "Cibadak, Lebak",
        "0857 1111 2222",
    ],
    [
        "A3",
        "3604016007920001",
        "Siti Aminah",
        "P",
        "20/07/1992",
        "Anyar",
        "",
    ],
    [
        "A4",
        "",
        "Siti Aminah",
        "P",
        "02-11-1979",
        "Kec. Mauk Kab. Tangerang",
        "",
    ],
];

/// Yusuf again, with nothing but his name as another clerk spells it, his sex and birth date.
const SPARSE_YUSUP: [&str; 7] = ["B1", "", "Moh. Yusup", "L", "12/08/1985", "", ""];

async fn setup(db: &Db) -> (i64, i64, i64) {
    db.load_reference_regions().await.expect("regions");
    let mut tx = db.begin().await.expect("begin");
    let agency = common::agency(&mut tx, AgencyKind::NationalAgency, "36").await;
    let user = common::account(&mut tx, agency, "registrar", Role::Registrar, "national").await;
    let regency = imports::ensure_source(&mut tx, "Disnaker Kab. Serang", "regency", None, now())
        .await
        .expect("source");
    let returns = imports::ensure_source(&mut tx, "Kepulangan BP3MI", "return", None, now())
        .await
        .expect("source");
    tx.commit().await.expect("commit");
    (user, regency, returns)
}

async fn plan(db: &Db, source: i64, list: &[[&str; 7]]) -> Plan {
    let h: Vec<String> = HEADERS.iter().map(|s| s.to_string()).collect();
    let mapping = Mapping::guess(&h);
    imports::plan(db, Some(source), h, &mapping, rows(list), today())
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

async fn count(db: &Db, sql: &str) -> i64 {
    let (n,): (i64,) = match db.pool() {
        emas_store::Pool::Sqlite(p) => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_one(p)
            .await
            .expect("count"),
        emas_store::Pool::Postgres(p) => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_one(p)
            .await
            .expect("count"),
    };
    n
}

async fn ids(db: &Db, sql: &str) -> Vec<i64> {
    let rows: Vec<(i64,)> = match db.pool() {
        emas_store::Pool::Sqlite(p) => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(p)
            .await
            .expect("ids"),
        emas_store::Pool::Postgres(p) => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(p)
            .await
            .expect("ids"),
    };
    rows.into_iter().map(|r| r.0).collect()
}

#[tokio::test]
async fn the_same_people_spelled_otherwise_are_found_without_their_niks() {
    for db in test_databases().await {
        let (user, regency, returns) = setup(&db).await;
        let first = plan(&db, regency, &REGENCY).await;
        assert!(first.rows.iter().all(|r| r.outcome == Outcome::New));
        commit(&db, user, regency, &first).await.expect("commit");
        let registered = ids(
            &db,
            &format!(
                "select person_id from source_record where source_id = {regency} order by line"
            ),
        )
        .await;
        assert_eq!(count(&db, "select count(*) from link_record").await, 4);

        let second = plan(&db, returns, &RETURNS).await;
        let outcomes: Vec<&Outcome> = second.rows.iter().map(|r| &r.outcome).collect();
        assert_eq!(
            outcomes,
            vec![
                &Outcome::Matched(registered[0]),
                &Outcome::Matched(registered[1]),
                &Outcome::Matched(registered[3]),
                &Outcome::New,
            ],
            "Siti by her name, birth date and phone; Yusup as Yusuf; the other Siti Aminah is someone else"
        );
        commit(&db, user, returns, &second).await.expect("commit");
        assert_eq!(count(&db, "select count(*) from person").await, 5);
        assert_eq!(count(&db, "select count(*) from link_record").await, 8);
    }
}

#[tokio::test]
async fn doubtful_pairs_go_to_the_review_queue_as_new_people() {
    for db in test_databases().await {
        let (user, regency, returns) = setup(&db).await;
        let first = plan(&db, regency, &REGENCY).await;
        commit(&db, user, regency, &first).await.expect("commit");
        // A registry that attaches only on near certainty: Yusup with only his name, sex and
        // birth date is then a pair to decide, and a new person until someone does.
        let mut tx = db.begin().await.expect("begin");
        resolution::set_thresholds(&mut tx, Thresholds::new(0.05, 0.99).expect("valid"))
            .await
            .expect("set");
        tx.commit().await.expect("commit");

        let second = plan(&db, returns, &[SPARSE_YUSUP]).await;
        assert_eq!(second.rows[0].outcome, Outcome::New);
        let yusup = second
            .doubts
            .iter()
            .find(|d| d.line == 2)
            .expect("Yusup's pair is doubtful");
        assert_eq!(yusup.reason, Reason::Uncertain);
        assert!(matches!(yusup.other, PlannedOther::Existing { .. }));
        assert!(second.counts.review >= 1);
        let batch = commit(&db, user, returns, &second).await.expect("commit");
        assert_eq!(
            count(
                &db,
                "select count(*) from review_pair where status = 'open'"
            )
            .await,
            second.doubts.len() as i64
        );
        let b = db.import_batch(batch).await.expect("batch");
        assert_eq!(b.rows_review, second.counts.review as i64);
    }
}

#[tokio::test]
async fn an_undo_takes_back_what_the_batch_taught_the_registry() {
    for db in test_databases().await {
        let (user, regency, returns) = setup(&db).await;
        let first = plan(&db, regency, &REGENCY).await;
        commit(&db, user, regency, &first).await.expect("commit");
        let frequencies = "select cast(coalesce(sum(n), 0) as bigint) from link_frequency";
        let (records, keys, counted) = (
            count(&db, "select count(*) from link_record").await,
            count(&db, "select count(*) from link_key").await,
            count(&db, frequencies).await,
        );
        assert!(keys > records && counted > 0);

        let second = plan(&db, returns, &RETURNS).await;
        let batch = commit(&db, user, returns, &second).await.expect("commit");
        assert!(count(&db, frequencies).await > counted);
        let mut tx = db.begin().await.expect("begin");
        imports::undo(&mut tx, batch, now()).await.expect("undo");
        tx.commit().await.expect("commit");
        assert_eq!(
            (
                count(&db, "select count(*) from link_record").await,
                count(&db, "select count(*) from link_key").await,
                count(&db, frequencies).await,
            ),
            (records, keys, counted)
        );
        assert_eq!(count(&db, "select count(*) from review_pair").await, 0);
        // And the same list planned again finds the same people as the first time.
        let again = plan(&db, returns, &RETURNS).await;
        let outcomes = |p: &Plan| p.rows.iter().map(|r| r.outcome.clone()).collect::<Vec<_>>();
        assert_eq!(outcomes(&again), outcomes(&second));
    }
}

#[test]
fn thresholds_must_be_ordered_and_inside_zero_and_one() {
    assert!(Thresholds::new(0.2, 0.9).is_some());
    for (lower, upper) in [
        (0.9, 0.2),
        (0.0, 0.5),
        (0.5, 1.0),
        (0.5, 0.5),
        (f64::NAN, 0.5),
    ] {
        assert!(Thresholds::new(lower, upper).is_none(), "{lower} {upper}");
    }
}

#[tokio::test]
async fn a_returnee_on_a_later_departure_list_has_departed_again_until_the_list_is_undone() {
    let headers: Vec<String> = [
        "NO",
        "NIK",
        "NAMA",
        "JK",
        "TGL LAHIR",
        "NEGARA",
        "TGL BERANGKAT",
        "TGL PULANG",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let returned = vec![(
        2,
        [
            "1",
            "3604054503900002",
            "Siti Nurhayati",
            "P",
            "05-03-1990",
            "Taiwan",
            "01-02-2019",
            "30-06-2023",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    )];
    // She leaves again in 2025; an earlier departure (2019) on the same list changes nothing.
    let departures = vec![
        (
            2,
            [
                "D1",
                "3604054503900002",
                "SITI NURHAYATI",
                "P",
                "1990-03-05",
                "Hongkong",
                "14-01-2025",
                "",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
        ),
        (
            3,
            [
                "D2",
                "3604054503900002",
                "Siti Nurhayati",
                "P",
                "05-03-1990",
                "Taiwan",
                "01-02-2019",
                "",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
        ),
    ];
    for db in test_databases().await {
        let (user, regency, _) = setup(&db).await;
        let mut tx = db.begin().await.expect("begin");
        let departure =
            imports::ensure_source(&mut tx, "Penempatan BP2MI", "departure", None, now())
                .await
                .expect("source");
        tx.commit().await.expect("commit");
        let mapping = Mapping::guess(&headers);
        let first = imports::plan(
            &db,
            Some(regency),
            headers.clone(),
            &mapping,
            returned.clone(),
            today(),
        )
        .await
        .expect("plan");
        commit(&db, user, regency, &first).await.expect("commit");
        let person = ids(&db, "select id from person").await[0];
        let status = |db: &Db| {
            let db = db.clone();
            async move {
                ids(
                    &db,
                    "select count(*) from person where status = 'departed_again'",
                )
                .await[0]
            }
        };
        assert_eq!(status(&db).await, 0);
        // She is in a programme: her programme officer is shown that she left.
        let agency = ids(&db, "select id from agency").await[0];
        let cohort = emas_store::pipeline::test_cohort(&db, agency, "36.04", "Angkatan 1")
            .await
            .expect("cohort");
        let enrolment = emas_store::pipeline::test_enrol(&db, cohort, person)
            .await
            .expect("enrol");
        let serang = Scope::parse("36.04").expect("scope");
        let lebak = Scope::parse("36.02").expect("scope");
        assert!(
            db.departed_participants(&serang)
                .await
                .expect("list")
                .is_empty()
        );

        let second = imports::plan(
            &db,
            Some(departure),
            headers.clone(),
            &mapping,
            departures.clone(),
            today(),
        )
        .await
        .expect("plan");
        assert_eq!(second.rows[0].outcome, Outcome::Matched(person));
        let batch = commit(&db, user, departure, &second).await.expect("commit");
        assert_eq!(status(&db).await, 1);
        assert_eq!(
            ids(&db, "select count(*) from remigration").await[0],
            1,
            "one mark, for the departure after her return"
        );
        let detail = db.person(person).await.expect("person");
        assert_eq!(detail.person.status, "departed_again");
        assert_eq!(
            detail.person.status_since,
            NaiveDate::from_ymd_opt(2025, 1, 14)
        );
        let listed = db.departed_participants(&serang).await.expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id, enrolment);
        assert_eq!(listed[0].source_name, "Penempatan BP2MI");
        assert_eq!(
            listed[0].departure_date,
            NaiveDate::from_ymd_opt(2025, 1, 14).expect("date")
        );
        assert_eq!(
            listed[0].stage, "registered",
            "not yet recorded by the officer"
        );
        assert!(
            db.departed_participants(&lebak)
                .await
                .expect("list")
                .is_empty(),
            "another regency's officers do not see her"
        );

        let mut tx = db.begin().await.expect("begin");
        imports::undo(&mut tx, batch, now()).await.expect("undo");
        tx.commit().await.expect("commit");
        let detail = db.person(person).await.expect("person");
        assert_eq!(detail.person.status, "returned");
        assert_eq!(ids(&db, "select count(*) from remigration").await[0], 0);
        assert!(
            db.departed_participants(&serang)
                .await
                .expect("list")
                .is_empty()
        );
    }
}
