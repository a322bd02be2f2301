//! Merging and splitting people, on every test database: every table that refers to a person is
//! registered and follows the survivor, an undo restores exactly what was, refusals are clear,
//! and two registrars deciding the same pair at once make one merge.

use crate::common;

use chrono::NaiveDate;
use emas_domain::access::{Role, Scope};
use emas_domain::nik::NikCell;
use emas_store::agencies::AgencyKind;
use emas_store::merge::{self, How, MergeError, NOT_MOVED, PERSON_TABLES};
use emas_store::people::{self, PersonInput, PersonQuery};
use emas_store::testing::test_databases;
use emas_store::{Db, DbError, Pool, imports, now, with_db};

fn person(name: &str, nik: Option<&str>, phone: &str) -> PersonInput {
    let mut input = PersonInput {
        nik: nik.map(|s| match NikCell::parse(s) {
            NikCell::Clean(n) => n,
            other => panic!("{s}: {other:?}"),
        }),
        phones: vec![phone.to_owned()],
        ..people::test_person_input(name, Some("36.04"))
    };
    input.address.kampung = "Kp. Cibeber".into();
    input
}

/// Runs an insert whose `$1` is the time and `$2…` the given ids, returning the new row's id.
async fn insert(db: &Db, sql: &str, ids: &[i64]) -> i64 {
    let sql = format!("{sql} returning id");
    let (id,): (i64,) = with_db!(db, p => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(now());
        for i in ids {
            q = q.bind(*i);
        }
        q.fetch_one(p).await
    })
    .expect(sql.as_str());
    id
}

struct World {
    user: i64,
    agency: i64,
    source: i64,
    batch: i64,
    programme: i64,
}

async fn world(db: &Db) -> World {
    db.load_reference_regions().await.expect("regions");
    let mut tx = db.begin().await.expect("begin");
    let agency = common::agency(&mut tx, AgencyKind::LabourOffice, "36.04").await;
    let user = common::account(&mut tx, agency, "registrar", Role::Registrar, "national").await;
    tx.commit().await.expect("commit");
    let source = insert(
        db,
        "insert into source (name, kind, created_at) values ('Daftar', 'other', $1)",
        &[],
    )
    .await;
    let batch = insert(
        db,
        "insert into import_batch (source_id, file_name, file_sha256, status, created_at) \
         values ($2, 'f.csv', 'x', 'committed', $1)",
        &[source],
    )
    .await;
    let programme = insert(
        db,
        "insert into programme (name, owner_agency_id, region_code, starts_on, ends_on, created_at, \
         updated_at) values ('Kewirausahaan 2027', $2, '36.04', '2027-01-01', '2027-12-31', $1, $1)",
        &[agency],
    )
    .await;
    World {
        user,
        agency,
        source,
        batch,
        programme,
    }
}

/// A person with a row in every registered table: `records` source records, each with a
/// placement, a link record and a departure; a consent; an address, phone and name keys.
async fn full_person(db: &Db, w: &World, name: &str, nik: Option<&str>, phone: &str) -> i64 {
    let mut tx = db.begin().await.expect("begin");
    let id = people::create_person(&mut tx, &person(name, nik, phone), now())
        .await
        .expect("person");
    tx.commit().await.expect("commit");
    for _ in 0..2 {
        add_record(db, w, id).await;
    }
    insert(
        db,
        "insert into consent (person_id, purpose, legal_basis, given_on, recorded_by, recorded_at) \
         values ($2, 'pelatihan', 'persetujuan', '2025-01-01', $3, $1)",
        &[id, w.user],
    )
    .await;
    // An enrolment, in a track of its own so that two people merged hold two tracks.
    let track = insert(
        db,
        "insert into track (programme_id, kind, name, created_at) values ($2, 'economic', 'Usaha', $1)",
        &[w.programme],
    )
    .await;
    let cohort = insert(
        db,
        "insert into cohort (track_id, name, capacity, created_at) values ($2, 'Angkatan 1', 25, $1)",
        &[track],
    )
    .await;
    let enrolment = insert(
        db,
        "insert into enrolment (cohort_id, person_id, track_id, stage_since, enrolled_at) \
         values ($2, $3, $4, $1, $1)",
        &[cohort, id, track],
    )
    .await;
    // A referral to another agency, and the person's own participant account.
    insert(
        db,
        "insert into referral (person_id, from_agency_id, to_agency_id, service, due_on, \
         created_at, updated_at) values ($2, $3, $3, 'kur', '2027-01-01', $1, $1)",
        &[id, w.agency],
    )
    .await;
    let sql = format!(
        "insert into app_user (username, display_name, password_hash, role, scope, agency_id, \
         active, must_change_password, created_at, updated_at, person_id) \
         values ('peserta.{id}', 'P', 'x', 'participant', '36.04', $2, true, false, $1, $1, $3)"
    );
    insert(db, &sql, &[w.agency, id]).await;
    // A business of the enrolment, which the person also co-owns by name.
    let business = insert(
        db,
        "insert into business (enrolment_id, name, kbli_code, created_at, updated_at) \
         values ($2, 'Warung', '56102', $1, $1)",
        &[enrolment],
    )
    .await;
    insert(
        db,
        "insert into business_owner (business_id, person_id, added_at) values ($2, $3, $1)",
        &[business, id],
    )
    .await;
    id
}

async fn add_record(db: &Db, w: &World, person: i64) -> i64 {
    let (n,): (i64,) = with_db!(db, p => sqlx::query_as("select count(*) from source_record")
        .fetch_one(p).await)
    .expect("count");
    let sql = format!(
        "insert into source_record (source_id, batch_id, record_id, line, row_hash, raw, person_id, \
         created_at) values ($2, $3, 'r{n}', {n}, 'hash{n}', '[]', $4, $1)"
    );
    let record = insert(db, &sql, &[w.source, w.batch, person]).await;
    insert(
        db,
        "insert into placement (person_id, country, sector, route, created_at, source_record_id) \
         values ($2, 'TW', 'caregiver', 'licensed_agency', $1, $3)",
        &[person, record],
    )
    .await;
    insert(
        db,
        "insert into link_record (person_id, source_record_id, input, created_at) \
         values ($2, $3, '[]', $1)",
        &[person, record],
    )
    .await;
    insert(
        db,
        "insert into remigration (person_id, departure_date, source_record_id, previous_status, \
         created_at) values ($2, '2026-01-01', $3, 'returned', $1)",
        &[person, record],
    )
    .await;
    record
}

/// Every registered table's rows as (row, person, still current), sorted.
async fn snapshot(db: &Db) -> Vec<(String, String, i64)> {
    let mut out = Vec::new();
    for t in PERSON_TABLES {
        let sql = match t.how {
            How::Move { .. } => format!(
                // Accounts of staff name no person.
                "select cast(id as text), {c} from {} where {c} is not null order by id",
                t.table,
                c = t.column
            ),
            How::CopyMissing { key } => format!(
                "select {key}, {} from {} order by {key}, {}",
                t.column, t.table, t.column
            ),
        };
        let rows: Vec<(String, i64)> =
            with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(p).await)
                .expect("snapshot");
        out.extend(rows.into_iter().map(|(k, p)| (t.table.to_owned(), k, p)));
    }
    let open: Vec<(i64, i64)> = with_db!(db, p => sqlx::query_as(
        "select id, person_id from person_address where valid_until is null order by id")
        .fetch_all(p).await)
    .expect("open");
    out.extend(
        open.into_iter()
            .map(|(id, p)| ("open address".to_owned(), id.to_string(), p)),
    );
    out.sort();
    out
}

async fn owners(db: &Db, table: &str, person: i64) -> i64 {
    let sql = format!("select count(*) from {table} where person_id = $1");
    let (n,): (i64,) = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(person).fetch_one(p).await)
    .expect("count");
    n
}

async fn merge(db: &Db, survivor: i64, merged: i64) -> Result<i64, MergeError> {
    let mut tx = db.begin().await?;
    let id = merge::merge(&mut tx, survivor, merged, "satu orang", None, now()).await?;
    tx.commit().await?;
    Ok(id)
}

async fn undo(db: &Db, change: i64) -> Result<(), MergeError> {
    let mut tx = db.begin().await?;
    merge::undo(&mut tx, change, None, now()).await?;
    tx.commit().await?;
    Ok(())
}

async fn found(db: &Db) -> Vec<i64> {
    let (rows, _) = db
        .search_people(
            &PersonQuery {
                limit: 50,
                ..PersonQuery::default()
            },
            &Scope::National,
        )
        .await
        .expect("search");
    let mut ids: Vec<i64> = rows.into_iter().map(|p| p.id).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn every_table_that_refers_to_a_person_is_registered_with_the_merge() {
    for db in test_databases().await {
        let Pool::Sqlite(p) = db.pool() else { continue };
        let refs: Vec<(String, String)> = sqlx::query_as(
            "select m.name, f.\"from\" from sqlite_master m, pragma_foreign_key_list(m.name) f \
             where m.type = 'table' and f.\"table\" = 'person' order by 1, 2",
        )
        .fetch_all(p)
        .await
        .expect("schema");
        assert!(refs.len() >= 10, "the schema was read: {refs:?}");
        for (table, column) in refs {
            let registered = PERSON_TABLES
                .iter()
                .any(|t| t.table == table && t.column == column)
                || NOT_MOVED.contains(&(table.as_str(), column.as_str()));
            assert!(
                registered,
                "{table}.{column} refers to a person but is not in merge::PERSON_TABLES \
                 (its rows would be lost to a merge)"
            );
        }
    }
}

#[tokio::test]
async fn a_merge_moves_every_registered_row_to_the_survivor_and_undo_restores_exactly() {
    for db in test_databases().await {
        let w = world(&db).await;
        let siti = full_person(&db, &w, "Siti Nurhayati", None, "+6281111111111").await;
        let same = full_person(
            &db,
            &w,
            "Siti Nur Hayati",
            Some("3604054503900002"),
            "+6282222222222",
        )
        .await;
        let before = snapshot(&db).await;
        assert_eq!(found(&db).await, vec![siti, same]);

        let change = merge(&db, siti, same).await.expect("merge");
        for t in PERSON_TABLES {
            if let How::Move { .. } = t.how {
                assert_eq!(owners(&db, t.table, same).await, 0, "{} moved", t.table);
                assert!(owners(&db, t.table, siti).await > 0, "{}", t.table);
            }
        }
        assert_eq!(owners(&db, "source_record", siti).await, 4);
        let d = db.person(siti).await.expect("survivor");
        assert_eq!(d.person.nik.as_deref(), Some("3604054503900002"));
        assert_eq!(d.phones, vec!["+6281111111111", "+6282222222222"]);
        assert_eq!(
            d.addresses
                .iter()
                .filter(|a| a.valid_until.is_none())
                .count(),
            1,
            "one current address"
        );
        assert_eq!(
            found(&db).await,
            vec![siti],
            "the merged person is not listed"
        );
        assert_eq!(db.person_count().await.expect("count"), 1);
        assert_eq!(db.merged_into(same).await.expect("m"), Some(siti));
        assert_eq!(db.merged_into(siti).await.expect("m"), None);
        let by_name = db
            .search_people(
                &PersonQuery {
                    name: Some("Siti Nur Hayati".into()),
                    limit: 5,
                    ..PersonQuery::default()
                },
                &Scope::National,
            )
            .await
            .expect("q")
            .0;
        assert_eq!(by_name.iter().map(|p| p.id).collect::<Vec<_>>(), vec![siti]);
        let history = db.person_changes(same).await.expect("history");
        assert_eq!(history.len(), 1);
        assert_eq!(
            (history[0].kind.as_str(), history[0].reason.as_str()),
            ("merge", "satu orang")
        );

        let preview = db.undo_preview(change).await.expect("preview");
        assert!(!preview.changed_since(), "{preview:?}");
        assert_eq!(
            preview.rows_back,
            2 * 4 + 1 + 1 + 1 + 1 + 2 + 1,
            "records with their rows, address, consent, enrolment, the record of their own fields, \
             a referral, an account and a business owner"
        );
        assert_eq!(preview.fields_restored, vec!["nik"]);

        undo(&db, change).await.expect("undo");
        assert_eq!(snapshot(&db).await, before, "undo restores exactly");
        assert_eq!(db.person(siti).await.expect("p").person.nik, None);
        assert_eq!(found(&db).await, vec![siti, same]);
        assert!(matches!(
            undo(&db, change).await,
            Err(MergeError::AlreadyUndone)
        ));
        assert!(db.person_changes(siti).await.expect("h")[0].is_undone());
        assert_eq!(db.tally_differences().await.expect("tallies"), vec![]);
    }
}

#[tokio::test]
async fn an_undo_after_later_changes_says_so_and_skips_what_is_gone() {
    for db in test_databases().await {
        let w = world(&db).await;
        let a = full_person(&db, &w, "Euis Komalasari", None, "+6281111111111").await;
        let b = full_person(&db, &w, "Euis Komala", None, "+6282222222222").await;
        let change = merge(&db, a, b).await.expect("merge");
        // Since the merge: a new record for the survivor, one moved record deleted.
        add_record(&db, &w, a).await;
        let moved = db.person_change(change).await.expect("c").moved();
        let gone = moved.rows["source_record"][0];
        with_db!(db, p => sqlx::query("delete from source_record where id = $1").bind(gone).execute(p).await.map(|r| r.rows_affected()))
            .expect("delete");
        let preview = db.undo_preview(change).await.expect("preview");
        assert!(preview.changed_since());
        assert_eq!(preview.rows_gone, 4, "the record and its cascaded rows");
        assert_eq!(preview.rows_added, 4, "the new record and its rows");
        undo(&db, change).await.expect("undo");
        assert_eq!(owners(&db, "source_record", b).await, 1);
        assert_eq!(
            owners(&db, "source_record", a).await,
            3,
            "the new one stays"
        );
    }
}

#[tokio::test]
async fn a_split_makes_a_person_of_chosen_records_and_its_undo_joins_them_again() {
    for db in test_databases().await {
        let w = world(&db).await;
        let p = full_person(&db, &w, "Nur Hayati", None, "+6281111111111").await;
        let records: Vec<i64> = db
            .source_records_of(p)
            .await
            .expect("records")
            .iter()
            .map(|r| r.id)
            .collect();
        let before = snapshot(&db).await;
        for bad in [vec![], records.clone(), vec![999_999]] {
            let mut tx = db.begin().await.expect("begin");
            let r = merge::split(&mut tx, p, &bad, "dua orang", None, now()).await;
            assert!(matches!(r, Err(MergeError::SplitAllOrNone)), "{bad:?}");
        }
        let mut tx = db.begin().await.expect("begin");
        let (change, other) = merge::split(&mut tx, p, &records[..1], "dua orang", None, now())
            .await
            .expect("split");
        tx.commit().await.expect("commit");
        for table in ["source_record", "placement", "link_record", "remigration"] {
            assert_eq!(owners(&db, table, other).await, 1, "{table}");
            // The person keeps the link record of their own fields besides the records left.
            let own = i64::from(table == "link_record");
            assert_eq!(owners(&db, table, p).await, 1 + own, "{table}");
        }
        assert_eq!(owners(&db, "consent", p).await, 1, "consents stay");
        let new = db.person(other).await.expect("new person");
        assert_eq!(new.person.full_name, "Nur Hayati");
        assert_eq!(new.person.region_code.as_deref(), Some("36.04"));
        assert_eq!(found(&db).await, vec![p, other]);
        assert!(!db.undo_preview(change).await.expect("p").changed_since());

        undo(&db, change).await.expect("undo");
        assert_eq!(found(&db).await, vec![p]);
        assert_eq!(db.merged_into(other).await.expect("m"), Some(p));
        let after: Vec<_> = snapshot(&db)
            .await
            .into_iter()
            .filter(|(_, _, owner)| *owner != other)
            .collect();
        assert_eq!(after, before, "every row is back with the person");
        assert_eq!(db.tally_differences().await.expect("tallies"), vec![]);
    }
}

#[tokio::test]
async fn merges_that_would_lose_or_confuse_people_are_refused() {
    for db in test_databases().await {
        let w = world(&db).await;
        let a = full_person(&db, &w, "Siti", Some("3604054503900002"), "+6281111111111").await;
        let b = full_person(&db, &w, "Siti", Some("3604054503900003"), "+6282222222222").await;
        let c = full_person(&db, &w, "Siti", None, "+6283333333333").await;
        assert!(matches!(
            merge(&db, a, a).await,
            Err(MergeError::SamePerson)
        ));
        assert!(matches!(merge(&db, a, b).await, Err(MergeError::TwoNiks)));
        assert!(matches!(
            merge(&db, a, 999_999).await,
            Err(MergeError::Db(DbError::NotFound))
        ));
        merge(&db, a, c).await.expect("merge");
        assert!(matches!(
            merge(&db, b, c).await,
            Err(MergeError::AlreadyMerged)
        ));
        assert!(matches!(
            merge(&db, c, b).await,
            Err(MergeError::AlreadyMerged)
        ));
        assert_eq!(found(&db).await, vec![a, b]);
    }
}

#[tokio::test]
async fn two_registrars_merging_the_same_pair_at_once_make_one_merge() {
    for db in test_databases().await {
        let w = world(&db).await;
        let a = full_person(&db, &w, "Siti", None, "+6281111111111").await;
        let b = full_person(&db, &w, "Siti", None, "+6282222222222").await;
        let (one, two) = tokio::join!(merge(&db, a, b), merge(&db, b, a));
        let refused = |r: &Result<i64, MergeError>| {
            matches!(
                r,
                Err(MergeError::AlreadyMerged) | Err(MergeError::Db(DbError::Conflict(_)))
            )
        };
        assert!(
            (one.is_ok() && refused(&two)) || (two.is_ok() && refused(&one)),
            "{one:?} {two:?}"
        );
        assert_eq!(found(&db).await.len(), 1);
        let (n,): (i64,) = with_db!(db, p => sqlx::query_as("select count(*) from person_change")
            .fetch_one(p).await)
        .expect("count");
        assert_eq!(n, 1);
    }
}

#[tokio::test]
async fn an_import_is_not_undone_under_a_merge_still_in_force() {
    for db in test_databases().await {
        let w = world(&db).await;
        let a = full_person(&db, &w, "Siti", None, "+6281111111111").await;
        let b = full_person(&db, &w, "Siti", None, "+6282222222222").await;
        with_db!(db, p => sqlx::query("update person set created_by_batch = $1 where id = $2")
            .bind(w.batch).bind(b).execute(p).await.map(|r| r.rows_affected()))
        .expect("created by the batch");
        let change = merge(&db, a, b).await.expect("merge");
        let mut tx = db.begin().await.expect("begin");
        assert!(matches!(
            imports::undo(&mut tx, w.batch, now()).await,
            Err(DbError::Conflict(_))
        ));
        drop(tx);
        undo(&db, change).await.expect("undo the merge");
        // A programme participant is not removed by an import's undo either.
        let mut tx = db.begin().await.expect("begin");
        assert!(matches!(
            imports::undo(&mut tx, w.batch, now()).await,
            Err(DbError::Conflict(c)) if c == "enrolment"
        ));
        drop(tx);
        // Nor one referred or holding an account, until they leave the programme.
        for table in ["enrolment", "referral", "app_user"] {
            let sql = format!("delete from {table} where person_id = $1");
            with_db!(db, p => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(b).execute(p).await.map(|r| r.rows_affected()))
            .expect("leaves the programme");
            let mut tx = db.begin().await.expect("begin");
            let undone = imports::undo(&mut tx, w.batch, now()).await;
            assert_eq!(undone.is_ok(), table == "app_user", "{table}");
        }
        let mut tx = db.begin().await.expect("begin");
        let removed = imports::undo(&mut tx, w.batch, now())
            .await
            .expect("import undo");
        tx.commit().await.expect("commit");
        assert_eq!(removed, 1);
        assert_eq!(found(&db).await, vec![a]);
    }
}

#[tokio::test]
async fn fields_a_merge_filled_are_emptied_by_its_undo_unless_edited_since() {
    for db in test_databases().await {
        let w = world(&db).await;
        let a = full_person(&db, &w, "Siti", None, "+6281111111111").await;
        let mut born = person("Siti", None, "+6282222222222");
        born.birth_date = NaiveDate::from_ymd_opt(1990, 3, 5);
        born.birth_place = "Serang".into();
        born.sex = Some(emas_domain::nik::Sex::Female);
        let mut tx = db.begin().await.expect("begin");
        let b = people::create_person(&mut tx, &born, now())
            .await
            .expect("b");
        tx.commit().await.expect("commit");
        let change = merge(&db, a, b).await.expect("merge");
        let p = db.person(a).await.expect("a").person;
        assert_eq!(p.birth_date, NaiveDate::from_ymd_opt(1990, 3, 5));
        assert_eq!(
            (p.birth_place.as_str(), p.sex.as_deref()),
            ("Serang", Some("F"))
        );
        let mut fields = db.undo_preview(change).await.expect("p").fields_restored;
        fields.sort();
        assert_eq!(fields, vec!["birth_date", "birth_place", "sex"]);
        with_db!(db, p => sqlx::query("update person set birth_place = 'Cilegon' where id = $1")
            .bind(a).execute(p).await.map(|r| r.rows_affected()))
        .expect("edit");
        let mut fields = db.undo_preview(change).await.expect("p").fields_restored;
        fields.sort();
        assert_eq!(fields, vec!["birth_date", "sex"], "an edited field is kept");
        undo(&db, change).await.expect("undo");
        let p = db.person(a).await.expect("a").person;
        assert_eq!((p.birth_date, p.sex), (None, None));
        assert_eq!(p.birth_place, "Cilegon");
    }
}
