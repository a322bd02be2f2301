//! The pipeline and businesses on every test database: moves checked by the transition table and
//! by the stage the mover saw, reverts that keep the history, the board and funnel within a
//! scope, and a business with its months and capital.

use crate::common;

use chrono::NaiveDate;
use emas_domain::access::{Role, Scope};
use emas_domain::business::{CapitalSource, Repayment};
use emas_domain::person::MigrationStatus;
use emas_domain::pipeline::{Refusal, Stage};
use emas_store::agencies::AgencyKind;
use emas_store::people;
use emas_store::pipeline::{
    self, BoardFilter, BusinessInput, CapitalInput, MoveError, Mover, test_assign_trainer,
    test_cohort, test_enrol,
};
use emas_store::testing::test_databases;
use emas_store::{Db, DbError, now};

async fn person(db: &Db, name: &str, region: &str) -> i64 {
    people::test_person(db, name, None, region, MigrationStatus::Returned)
        .await
        .expect("person")
}

struct World {
    agency: i64,
    officer: Mover,
    trainer: Mover,
}

async fn world(db: &Db) -> World {
    db.load_reference_regions().await.expect("regions");
    let mut tx = db.begin().await.expect("begin");
    let agency = common::agency(&mut tx, AgencyKind::LabourOffice, "36.04").await;
    let mut users = Vec::new();
    for (name, role) in [
        ("officer", Role::ProgrammeOfficer),
        ("trainer", Role::Trainer),
    ] {
        let id = common::account(&mut tx, agency, name, role, "36.04").await;
        users.push(Mover::staff(id, role));
    }
    tx.commit().await.expect("commit");
    World {
        agency,
        officer: users[0],
        trainer: users[1],
    }
}

async fn mv(
    db: &Db,
    e: i64,
    seen: Option<Stage>,
    to: Stage,
    reason: &str,
    by: Mover,
) -> Result<i64, MoveError> {
    let mut tx = db.begin().await.expect("begin");
    let r = pipeline::move_stage(&mut tx, e, seen, to, reason, by, now()).await;
    if r.is_ok() {
        tx.commit().await.expect("commit");
    }
    r
}

#[tokio::test]
async fn moves_reverts_board_and_funnel() {
    for db in test_databases().await {
        let w = world(&db).await;
        let cohort = test_cohort(&db, w.agency, "36.04", "Angkatan 1")
            .await
            .expect("cohort");
        test_assign_trainer(&db, cohort, w.trainer.user_id)
            .await
            .expect("trainer");
        let siti = test_enrol(&db, cohort, person(&db, "Siti Aminah", "36.04.01").await)
            .await
            .expect("enrol");
        let ani = test_enrol(&db, cohort, person(&db, "Ani", "36.04.02").await)
            .await
            .expect("enrol");
        let _third = test_enrol(&db, cohort, person(&db, "Euis", "36.04.02").await)
            .await
            .expect("enrol");

        mv(
            &db,
            siti,
            Some(Stage::Registered),
            Stage::Assessed,
            "",
            w.trainer,
        )
        .await
        .expect("assessed");
        mv(&db, siti, None, Stage::Trained, "", w.trainer)
            .await
            .expect("trained");
        assert!(matches!(
            mv(&db, siti, None, Stage::Financed, "kur", w.trainer).await,
            Err(MoveError::Refused(Refusal::Role))
        ));
        assert!(matches!(
            mv(&db, ani, None, Stage::Trained, " ", w.officer).await,
            Err(MoveError::Refused(Refusal::ReasonRequired))
        ));
        // The stage the second officer saw is gone: one move, not two.
        assert!(matches!(
            mv(
                &db,
                siti,
                Some(Stage::Assessed),
                Stage::BusinessPlan,
                "",
                w.officer
            )
            .await,
            Err(MoveError::Stale)
        ));
        let skip = mv(&db, ani, None, Stage::Trained, "sudah ikut BLK", w.officer)
            .await
            .expect("skip with a reason");
        assert_eq!(db.enrolment(siti).await.expect("e").stage, "trained");

        // Ani's skip was a mistake: taken back, the history keeps both.
        let mut tx = db.begin().await.expect("begin");
        assert!(matches!(
            pipeline::revert(&mut tx, skip, "", w.officer, now()).await,
            Err(MoveError::Refused(Refusal::ReasonRequired))
        ));
        let back = pipeline::revert(&mut tx, skip, "salah orang", w.officer, now())
            .await
            .expect("revert");
        tx.commit().await.expect("commit");
        let mut tx = db.begin().await.expect("begin");
        assert!(matches!(
            pipeline::revert(&mut tx, skip, "lagi", w.officer, now()).await,
            Err(MoveError::AlreadyReverted)
        ));
        drop(tx);
        let history = db.stage_history(ani).await.expect("history");
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].reverted_by_change_id, Some(back));
        assert_eq!(
            (history[1].from_stage.as_str(), history[1].to_stage.as_str()),
            ("trained", "registered")
        );
        assert_eq!(db.enrolment(ani).await.expect("e").stage, "registered");

        let national = Scope::National;
        let filter = BoardFilter::Cohort(cohort);
        let funnel = db.funnel(&filter, &national).await.expect("funnel");
        assert_eq!(funnel.total, 3);
        let reached: Vec<i64> = funnel.reached.iter().map(|r| r.1).collect();
        assert_eq!(
            reached,
            vec![3, 1, 1, 0, 0, 0, 0, 0],
            "the reverted skip does not count"
        );
        assert_eq!(db.board(&filter, &national).await.expect("board").len(), 3);
        // A regency office elsewhere sees no one of this cohort; a district filter narrows.
        let lebak = Scope::parse("36.02").expect("scope");
        assert!(db.board(&filter, &lebak).await.expect("board").is_empty());
        let district = BoardFilter::Region("36.04.02".into());
        let names: Vec<String> = db
            .board(&district, &national)
            .await
            .expect("board")
            .into_iter()
            .map(|e| e.full_name)
            .collect();
        // The programme serves 36.04, which is not within the district: only people living there.
        assert_eq!(names, vec!["Ani", "Euis"]);
        assert_eq!(db.tally_differences().await.expect("tallies"), vec![]);
    }
}

#[tokio::test]
async fn a_business_with_its_months_capital_and_visits() {
    for db in test_databases().await {
        let w = world(&db).await;
        let cohort = test_cohort(&db, w.agency, "36.04", "Angkatan 1")
            .await
            .expect("cohort");
        let e = test_enrol(&db, cohort, person(&db, "Siti", "36.04.01").await)
            .await
            .expect("enrol");
        let input = BusinessInput {
            name: "Warung Bu Siti".into(),
            kbli_code: "56102".into(),
            place: "Kp. Cibeber".into(),
            region_code: Some("36.04".into()),
            started_on: NaiveDate::from_ymd_opt(2026, 2, 1),
            nib: "1234567890123".into(),
            pirt: String::new(),
            halal: String::new(),
            workers: 2,
        };
        let by = w.officer.user_id;
        let mut tx = db.begin().await.expect("begin");
        let b = pipeline::save_business(&mut tx, e, &input, by, now())
            .await
            .expect("save");
        let again = pipeline::save_business(
            &mut tx,
            e,
            &BusinessInput {
                workers: 3,
                ..input.clone()
            },
            by,
            now(),
        )
        .await
        .expect("edit");
        assert_eq!(b, again, "one business per enrolment");
        pipeline::record_month(&mut tx, b, "2026-03", 4_000_000, 2_500_000, by, now())
            .await
            .expect("month");
        pipeline::record_month(&mut tx, b, "2026-03", 4_500_000, 2_500_000, by, now())
            .await
            .expect("corrected");
        pipeline::add_capital(
            &mut tx,
            b,
            &CapitalInput {
                source: CapitalSource::Kur,
                lender: "BRI".into(),
                amount: 10_000_000,
                received_on: NaiveDate::from_ymd_opt(2026, 3, 5).expect("d"),
                repayment: Repayment::Current,
            },
            by,
            now(),
        )
        .await
        .expect("capital");
        tx.commit().await.expect("commit");

        let got = db.business_of(e).await.expect("q").expect("business");
        assert_eq!((got.workers, got.kbli_code.as_str()), (3, "56102"));
        let months = db.business_months(b).await.expect("months");
        assert_eq!(months.len(), 1);
        assert_eq!(
            (months[0].revenue, months[0].profit),
            (4_500_000, 2_000_000)
        );
        assert_eq!(db.capital_of(b).await.expect("c")[0].lender, "BRI");

        // The database itself refuses a negative month, whatever the caller checked.
        let mut tx = db.begin().await.expect("begin");
        let bad = pipeline::record_month(&mut tx, b, "2026-04", -1, 0, by, now()).await;
        assert!(matches!(bad, Err(DbError::Sqlx(_))), "{bad:?}");
        assert_eq!(db.tally_differences().await.expect("tallies"), vec![]);
    }
}
