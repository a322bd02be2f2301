//! The dashboard's tallies on every test database: after every kind of change the triggers keep
//! each tally equal to its view, including statements that change many rows at once (PostgreSQL
//! runs after-triggers at a statement's end) and deletes that cascade; and the dashboard reads
//! what changed.

use crate::common;

use chrono::NaiveDate;
use emas_domain::access::Role;
use emas_domain::nik::Sex;
use emas_domain::person::MigrationStatus;
use emas_store::agencies::AgencyKind;
use emas_store::outcomes::Window;
use emas_store::people;
use emas_store::pipeline::{test_cohort, test_enrol};
use emas_store::testing::test_databases;
use emas_store::{Db, now, with_db};

async fn exec(db: &Db, sql: &str) {
    with_db!(db, p => sqlx::query(sqlx::AssertSqlSafe(sql)).execute(p).await.map(|_| ()))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn assert_kept(db: &Db, after: &str) {
    assert_eq!(
        db.tally_differences().await.expect("compared"),
        vec![],
        "after {after}"
    );
}

fn window(region: &str) -> Window {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    Window::new(Some(region.into()), day(2020, 1, 1), day(2030, 12, 31))
}

#[tokio::test]
async fn every_change_keeps_the_tallies_equal_to_their_views() {
    for db in test_databases().await {
        db.load_reference_regions().await.expect("regions");
        let mut tx = db.begin().await.expect("begin");
        let agency = common::agency(&mut tx, AgencyKind::LabourOffice, "36.04").await;
        let officer =
            common::account(&mut tx, agency, "officer", Role::ProgrammeOfficer, "36.04").await;
        emas_store::surveys::ensure_shipped(&mut tx, now())
            .await
            .expect("shipped");
        tx.commit().await.expect("commit");

        let mut people_ids = Vec::new();
        for (i, region) in ["36.04.01", "36.04.02", "36.04.02", "36.01.01"]
            .iter()
            .enumerate()
        {
            let sex = if i % 2 == 0 { Sex::Female } else { Sex::Male };
            people_ids.push(
                people::test_person(&db, &format!("P{i}"), Some(sex), region, {
                    MigrationStatus::Returned
                })
                .await
                .expect("person"),
            );
        }
        let [a, b, c, d] = people_ids[..] else {
            unreachable!()
        };
        // Placements, two in one statement.
        exec(&db, &format!(
            "insert into placement (person_id, country, sector, route, return_date, created_at) values \
             ({a}, 'TW', 'domestic', 'p2mi', '2024-03-10', '2026-01-01T00:00:00Z'), \
             ({a}, 'HK', 'domestic', 'p2mi', '2025-07-01', '2026-01-01T00:00:00Z'), \
             ({b}, 'TW', 'manufacturing', 'p2mi', '2025-07-20', '2026-01-01T00:00:00Z'), \
             ({d}, 'MY', 'plantation', 'p2mi', null, '2026-01-01T00:00:00Z')"
        )).await;
        assert_kept(&db, "placements").await;
        let o = db.outcomes(&window("36.04")).await.expect("outcomes");
        assert_eq!(o.people, 3);
        assert_eq!(o.by_country, vec![("TW".into(), 2), ("HK".into(), 1)]);
        assert_eq!(o.returned_in_period, 3);

        let cohort = test_cohort(&db, agency, "36.04", "Angkatan 1")
            .await
            .expect("cohort");
        let mut enrolments = Vec::new();
        for p in [a, b, c] {
            enrolments.push(test_enrol(&db, cohort, p).await.expect("enrol"));
        }
        let (ea, eb, ec) = (enrolments[0], enrolments[1], enrolments[2]);
        exec(
            &db,
            &format!(
                "update enrolment set stage = 'financed', furthest = 6 where id in ({ea}, {eb})"
            ),
        )
        .await;
        exec(
            &db,
            &format!("update enrolment set stage = 'dropped_out', furthest = 2 where id = {ec}"),
        )
        .await;
        exec(&db, &format!(
            "insert into business (enrolment_id, name, kbli_code, created_by, created_at, updated_at) \
             values ({ea}, 'Warung', '56103', {officer}, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), \
             ({eb}, 'Laundry', '96200', {officer}, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
        )).await;
        exec(&db, &format!(
            "insert into capital (business_id, source, amount, received_on, repayment_status, recorded_by, recorded_at) \
             select id, 'kur', 5000000, '2026-02-01', 'current', {officer}, '2026-02-01T00:00:00Z' from business"
        )).await;
        exec(&db, &format!(
            "insert into survey_response (enrolment_id, wave, taken_on, taken_by, instrument_id, recorded_at) \
             select id, 'baseline', '2026-01-15', {officer}, 'emas-v1', '2026-01-15T00:00:00Z' from enrolment"
        )).await;
        exec(&db, "insert into emas_score (response_id, config_version, instrument_id, ekonomi, mandiri, \
             aman, sejahtera, reaches, scored_at) select id, 'emas-index-v1', 'emas-v1', 0.7, 0.65, 0.9, null, \
             false, '2026-01-15T00:00:00Z' from survey_response").await;
        assert_kept(&db, "the programme's rows").await;
        let o = db.outcomes(&window("36.04")).await.expect("outcomes");
        assert_eq!(o.funnel.total, 3);
        assert_eq!(o.funnel.dropped_out, 1);
        assert_eq!((o.businesses, o.capital_count), (2, 2));
        assert_eq!(o.capital_amount, 10_000_000);

        // A person moves to another regency: everything of theirs moves with them.
        exec(
            &db,
            &format!("update person set region_code = '36.01.01' where id = {b}"),
        )
        .await;
        assert_kept(&db, "a move").await;
        let serang = db.outcomes(&window("36.01")).await.expect("outcomes");
        assert_eq!(
            (serang.people, serang.funnel.total, serang.businesses),
            (2, 1, 1)
        );

        // A merge in the way merge.rs makes one: rows move in one statement, then the person
        // is marked merged.
        exec(
            &db,
            &format!("update placement set person_id = {a} where person_id = {b}"),
        )
        .await;
        exec(
            &db,
            &format!("update enrolment set person_id = {d} where person_id = {c}"),
        )
        .await;
        exec(&db, &format!(
            "update person set merged_into = case id when {b} then {a} else {d} end where id in ({b}, {c})"
        )).await;
        assert_kept(&db, "a merge").await;
        exec(
            &db,
            &format!("update person set merged_into = null where id in ({b}, {c})"),
        )
        .await;
        exec(
            &db,
            &format!("update enrolment set person_id = {c} where person_id = {d}"),
        )
        .await;
        exec(&db, &format!("update placement set person_id = {b} where person_id = {a} and country = 'TW' and return_date = '2025-07-20'")).await;
        assert_kept(&db, "an undone merge").await;

        // Status, sex, dates and scores change; rows go, directly and by cascade.
        exec(
            &db,
            &format!("update person set status = 'departed_again', sex = null where id = {a}"),
        )
        .await;
        exec(
            &db,
            "update enrolment set enrolled_at = '2024-06-01T00:00:00Z'",
        )
        .await;
        exec(&db, "update survey_response set taken_on = '2026-03-01'").await;
        exec(&db, "update emas_score set sejahtera = 0.8, reaches = true").await;
        exec(&db, "update capital set amount = amount + 1").await;
        assert_kept(&db, "updates").await;
        exec(
            &db,
            &format!("delete from survey_response where enrolment_id = {ea}"),
        )
        .await;
        exec(&db, "delete from capital where amount > 5000000 and business_id = (select min(id) from business)").await;
        exec(&db, &format!("delete from placement where person_id = {a}")).await;
        assert_kept(&db, "deletes").await;
        exec(&db, &format!("delete from enrolment where id = {eb}")).await;
        exec(&db, "delete from enrolment").await;
        assert_kept(&db, "cascades").await;
        exec(
            &db,
            &format!("delete from link_record where person_id = {d}"),
        )
        .await;
        exec(&db, &format!("delete from person where id = {d}")).await;
        assert_kept(&db, "a person deleted").await;
        let o = db.outcomes(&window("36")).await.expect("outcomes");
        assert_eq!((o.people, o.funnel.total, o.businesses), (3, 0, 0));
        assert_eq!(o.departed_again, 1);
    }
}

/// A database that had rows before the tallies (or lost a configuration's threshold) gets them
/// built from the views at start.
#[tokio::test]
async fn tallies_missing_at_start_are_built_from_the_views() {
    for db in test_databases().await {
        db.load_reference_regions().await.expect("regions");
        let mut tx = db.begin().await.expect("begin");
        emas_store::surveys::ensure_shipped(&mut tx, now())
            .await
            .expect("shipped");
        tx.commit().await.expect("commit");
        for region in ["36.04.01", "36.04.02", "36.01"] {
            people::test_person(&db, "P", None, region, MigrationStatus::Returned)
                .await
                .expect("person");
        }
        for sql in [
            "delete from tally_person",
            "update tally_state set built = 0",
            "update index_config set threshold = null",
        ] {
            exec(&db, sql).await;
        }
        assert_eq!(
            db.tally_differences().await.expect("compared"),
            vec![("tally_person".to_owned(), 3)]
        );
        emas_store::tallies::ensure_built(&db).await.expect("built");
        assert_kept(&db, "the build").await;
        let (unset,): (i64,) = with_db!(&db, p => sqlx::query_as(
            "select count(*) from index_config where threshold is null").fetch_one(p).await)
        .expect("count");
        assert_eq!(unset, 0);
        assert_eq!(db.outcomes(&window("36")).await.expect("o").people, 3);
    }
}

/// A participant enrolled while another transaction moves them to another regency is counted
/// where they live once both commit: on PostgreSQL the enrolment's trigger waits for the move
/// (it locks the person before reading), on SQLite the second writer waits for the first.
#[tokio::test]
async fn an_enrolment_during_a_move_is_counted_where_the_person_lives() {
    for db in test_databases().await {
        db.load_reference_regions().await.expect("regions");
        let mut tx = db.begin().await.expect("begin");
        let agency = common::agency(&mut tx, AgencyKind::LabourOffice, "36").await;
        tx.commit().await.expect("commit");
        let cohort = test_cohort(&db, agency, "36", "Angkatan")
            .await
            .expect("cohort");
        let person = people::test_person(&db, "P", None, "36.04.02", MigrationStatus::Returned)
            .await
            .expect("person");

        let mut mover = db.begin().await.expect("begin");
        emas_store::with_tx!(&mut mover, c => sqlx::query(
            "update person set region_code = '36.01.01' where id = $1")
            .bind(person).execute(c).await.map(|_| ()))
        .expect("moved");
        let enrolling = {
            let db = db.clone();
            tokio::spawn(async move { test_enrol(&db, cohort, person).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        mover.commit().await.expect("commit");
        enrolling.await.expect("joined").expect("enrolled");

        assert_kept(&db, "an enrolment during a move").await;
        let o = db.outcomes(&window("36.01")).await.expect("outcomes");
        assert_eq!((o.people, o.funnel.total), (1, 1));
    }
}
