//! The programme's stories on every test database: a programme with a track and a cohort,
//! enrolment checked against the rules (all or none), attendance, scores and completion.

use crate::common;

use chrono::NaiveDate;
use emas_domain::access::{RegionCode, Role, Scope};
use emas_domain::nik::Sex;
use emas_domain::person::{PlacementRoute, Sector};
use emas_domain::pipeline::Stage;
use emas_domain::programme::{Ineligible, TestKind, TrackKind};
use emas_store::agencies::AgencyKind;
use emas_store::people::{self, PersonInput, PlacementInput};
use emas_store::pipeline::{self, MoveError, Mover};
use emas_store::programmes::{
    self, CohortInput, EnrolError, MarkError, ProgrammeInput, TrackInput,
};
use emas_store::testing::test_databases;
use emas_store::{Db, DbError, now};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

const TODAY: (i32, u32, u32) = (2027, 3, 1);

fn today() -> NaiveDate {
    date(TODAY.0, TODAY.1, TODAY.2)
}

async fn person(db: &Db, name: &str, region: &str, returned: Option<NaiveDate>) -> i64 {
    let p = PersonInput {
        sex: Some(Sex::Female),
        ..people::test_person_input(name, Some(region))
    };
    let mut tx = db.begin().await.expect("begin");
    let id = people::create_person(&mut tx, &p, now())
        .await
        .expect("person");
    if let Some(r) = returned {
        people::add_placement(
            &mut tx,
            id,
            &PlacementInput {
                country: "TW".into(),
                sector: Sector::Caregiver,
                route: PlacementRoute::LicensedAgency,
                employer: String::new(),
                agency: String::new(),
                departure_date: Some(date(2020, 1, 1)),
                return_date: Some(r),
                return_reason: String::new(),
            },
            now(),
        )
        .await
        .expect("placement");
    }
    tx.commit().await.expect("commit");
    id
}

struct World {
    officer: i64,
    trainer: i64,
    agency: i64,
    cohort: i64,
    track: i64,
    programme: i64,
}

async fn world(db: &Db, capacity: i32) -> World {
    db.load_reference_regions().await.expect("regions");
    let mut tx = db.begin().await.expect("begin");
    let agency = common::agency(&mut tx, AgencyKind::LabourOffice, "36.04").await;
    let officer =
        common::account(&mut tx, agency, "officer", Role::ProgrammeOfficer, "36.04").await;
    let trainer = common::account(&mut tx, agency, "trainer", Role::Trainer, "36.04").await;
    let programme = programmes::create_programme(
        &mut tx,
        &ProgrammeInput {
            name: "Pengembangan Kewirausahaan PMI Purna Serang 2027".into(),
            owner_agency_id: agency,
            region_code: RegionCode::parse("36.04").expect("code"),
            starts_on: date(2027, 1, 1),
            ends_on: date(2027, 12, 31),
            budget_line: "APBD 2027".into(),
            description: String::new(),
            returned_within_years: Some(3),
        },
        officer,
        now(),
    )
    .await
    .expect("programme");
    programmes::add_partner(&mut tx, programme, agency, "training")
        .await
        .expect("partner");
    let track = programmes::add_track(
        &mut tx,
        programme,
        &TrackInput {
            kind: TrackKind::Economic,
            name: "Kewirausahaan".into(),
            description: String::new(),
            min_attendance_percent: 80,
            requires_post_test: true,
        },
        now(),
    )
    .await
    .expect("track");
    let cohort = programmes::create_cohort(
        &mut tx,
        track,
        &CohortInput {
            name: "Angkatan 1".into(),
            place: "BLK Serang".into(),
            capacity,
            starts_on: Some(date(2027, 2, 1)),
            ends_on: Some(date(2027, 4, 1)),
            region_code: None,
            trainer_ids: vec![trainer, trainer],
        },
        now(),
    )
    .await
    .expect("cohort");
    tx.commit().await.expect("commit");
    World {
        officer,
        trainer,
        agency,
        cohort,
        track,
        programme,
    }
}

fn scope() -> Scope {
    Scope::parse("36.04").expect("scope")
}

#[tokio::test]
async fn a_cohort_enrols_eligible_people_takes_attendance_and_knows_who_completed() {
    for db in test_databases().await {
        let w = world(&db, 3).await;
        let siti = person(&db, "Siti Aminah", "36.04.05", Some(date(2025, 6, 1))).await;
        let yati = person(&db, "Yati", "36.04.01", Some(date(2026, 1, 1))).await;
        let mut tx = db.begin().await.expect("begin");
        let ids = programmes::enrol(
            &mut tx,
            w.cohort,
            &[siti, yati, siti],
            &scope(),
            w.officer,
            today(),
            now(),
        )
        .await
        .expect("enrol");
        tx.commit().await.expect("commit");
        assert_eq!(ids.len(), 2, "a person named twice is enrolled once");

        let mut tx = db.begin().await.expect("begin");
        let s1 = programmes::add_session(
            &mut tx,
            w.cohort,
            date(2027, 2, 1),
            "Literasi keuangan",
            now(),
        )
        .await
        .expect("s");
        let s2 =
            programmes::add_session(&mut tx, w.cohort, date(2027, 2, 8), "Rencana usaha", now())
                .await
                .expect("s");
        programmes::record_attendance(
            &mut tx,
            s1,
            &[(ids[0], true), (ids[1], true)],
            w.officer,
            now(),
        )
        .await
        .expect("marks");
        programmes::record_attendance(
            &mut tx,
            s2,
            &[(ids[0], true), (ids[1], false)],
            w.officer,
            now(),
        )
        .await
        .expect("marks");
        programmes::record_scores(
            &mut tx,
            w.cohort,
            &[(ids[0], TestKind::Pre, 40), (ids[0], TestKind::Post, 85)],
            w.officer,
            now(),
        )
        .await
        .expect("scores");
        tx.commit().await.expect("commit");

        let cohort = db.cohort(w.cohort).await.expect("cohort");
        assert_eq!(cohort.enrolled, 2);
        assert_eq!(cohort.programme_id, w.programme);
        assert!(cohort.requires_post_test);
        let list = db.participants(&cohort).await.expect("participants");
        let siti_row = list.iter().find(|p| p.row.person_id == siti).expect("siti");
        assert_eq!(siti_row.completion.attendance_percent, 100);
        assert!(siti_row.completion.completed);
        assert_eq!(siti_row.row.pre_score, Some(40));
        let yati_row = list.iter().find(|p| p.row.person_id == yati).expect("yati");
        assert_eq!(yati_row.completion.attendance_percent, 50);
        assert!(!yati_row.completion.completed);
        let sessions = db.sessions(w.cohort).await.expect("sessions");
        assert_eq!((sessions[1].present, sessions[1].recorded), (1, 2));
        assert_eq!(db.cohort_trainers(w.cohort).await.expect("t").len(), 1);
        assert_eq!(db.partners(w.programme).await.expect("p").len(), 1);
        assert_eq!(db.programmes(&scope()).await.expect("list").len(), 1);
        assert!(
            db.programmes(&Scope::parse("36.03").expect("s"))
                .await
                .expect("list")
                .is_empty()
        );
        assert_eq!(
            db.programmes(&Scope::National).await.expect("list").len(),
            1
        );
        assert_eq!(db.track_cohorts(w.track).await.expect("c").len(), 1);

        // A second sheet for the same session replaces its marks.
        let mut tx = db.begin().await.expect("begin");
        programmes::record_attendance(&mut tx, s2, &[(ids[1], true)], w.officer, now())
            .await
            .expect("marks");
        tx.commit().await.expect("commit");
        let list = db.participants(&cohort).await.expect("participants");
        let yati_row = list.iter().find(|p| p.row.person_id == yati).expect("yati");
        assert_eq!(yati_row.completion.attendance_percent, 100);
        assert!(!yati_row.completion.completed, "no post-test yet");
    }
}

#[tokio::test]
async fn an_ineligible_person_stops_the_whole_enrolment_with_every_reason() {
    for db in test_databases().await {
        let w = world(&db, 10).await;
        let ok = person(&db, "Nur Hayati", "36.04.05", Some(date(2026, 1, 1))).await;
        let outside = person(&db, "Dewi", "36.03.01", Some(date(2026, 1, 1))).await;
        let long_ago = person(&db, "Ratna", "36.04.02", Some(date(2019, 1, 1))).await;
        let unknown = person(&db, "Tanpa Tanggal", "36.04.02", None).await;
        let mut tx = db.begin().await.expect("begin");
        let refused = programmes::enrol(
            &mut tx,
            w.cohort,
            &[ok, outside, long_ago, unknown, 999_999],
            &scope(),
            w.officer,
            today(),
            now(),
        )
        .await;
        drop(tx);
        let Err(EnrolError::Ineligible(reasons)) = refused else {
            panic!("refused, got {refused:?}");
        };
        assert_eq!(
            reasons,
            vec![
                (outside, vec![Ineligible::UnknownPerson]),
                (long_ago, vec![Ineligible::ReturnedTooLongAgo]),
                (unknown, vec![Ineligible::ReturnDateUnknown]),
                (999_999, vec![Ineligible::UnknownPerson]),
            ],
            "outside the officer's scope is unknown to them"
        );
        // The same check as a preview, the eligible with no reason.
        let preview = db
            .eligibility(w.cohort, &[ok, long_ago], &scope(), today())
            .await
            .expect("preview");
        assert_eq!(
            preview,
            vec![
                (ok, vec![]),
                (long_ago, vec![Ineligible::ReturnedTooLongAgo])
            ]
        );
        // A national officer sees the person outside the region, and why.
        let mut tx = db.begin().await.expect("begin");
        let refused = programmes::enrol(
            &mut tx,
            w.cohort,
            &[outside],
            &Scope::National,
            w.officer,
            today(),
            now(),
        )
        .await;
        drop(tx);
        assert!(
            matches!(refused, Err(EnrolError::Ineligible(r)) if r == vec![(outside, vec![Ineligible::OutsideRegion])])
        );
        let cohort = db.cohort(w.cohort).await.expect("cohort");
        assert_eq!(cohort.enrolled, 0, "nothing was written");

        // Once in the track, not again: not in this cohort nor in another of the track.
        let mut tx = db.begin().await.expect("begin");
        programmes::enrol(
            &mut tx,
            w.cohort,
            &[ok],
            &scope(),
            w.officer,
            today(),
            now(),
        )
        .await
        .expect("enrol");
        let other = programmes::create_cohort(
            &mut tx,
            w.track,
            &CohortInput {
                name: "Angkatan 2".into(),
                place: String::new(),
                capacity: 5,
                starts_on: None,
                ends_on: None,
                region_code: None,
                trainer_ids: vec![],
            },
            now(),
        )
        .await
        .expect("cohort");
        tx.commit().await.expect("commit");
        let mut tx = db.begin().await.expect("begin");
        let again =
            programmes::enrol(&mut tx, other, &[ok], &scope(), w.officer, today(), now()).await;
        drop(tx);
        assert!(
            matches!(again, Err(EnrolError::Ineligible(r)) if r == vec![(ok, vec![Ineligible::AlreadyInTrack])])
        );
    }
}

#[tokio::test]
async fn a_full_cohort_and_foreign_marks_are_refused() {
    for db in test_databases().await {
        let w = world(&db, 1).await;
        let a = person(&db, "A", "36.04.05", Some(date(2026, 1, 1))).await;
        let b = person(&db, "B", "36.04.05", Some(date(2026, 1, 1))).await;
        let mut tx = db.begin().await.expect("begin");
        let full = programmes::enrol(
            &mut tx,
            w.cohort,
            &[a, b],
            &scope(),
            w.officer,
            today(),
            now(),
        )
        .await;
        drop(tx);
        assert!(matches!(
            full,
            Err(EnrolError::Full {
                capacity: 1,
                free: 1
            })
        ));
        let mut tx = db.begin().await.expect("begin");
        let ids = programmes::enrol(&mut tx, w.cohort, &[a], &scope(), w.officer, today(), now())
            .await
            .expect("one fits");
        let other = programmes::create_cohort(
            &mut tx,
            w.track,
            &CohortInput {
                name: "Angkatan 2".into(),
                place: String::new(),
                capacity: 5,
                starts_on: None,
                ends_on: None,
                region_code: None,
                trainer_ids: vec![],
            },
            now(),
        )
        .await
        .expect("cohort");
        let foreign_session =
            programmes::add_session(&mut tx, other, date(2027, 2, 1), "Lain", now())
                .await
                .expect("s");
        tx.commit().await.expect("commit");

        let mut tx = db.begin().await.expect("begin");
        let wrong = programmes::record_attendance(
            &mut tx,
            foreign_session,
            &[(ids[0], true)],
            w.officer,
            now(),
        )
        .await;
        assert!(matches!(wrong, Err(MarkError::NotInCohort(e)) if e == ids[0]));
        let wrong = programmes::record_scores(
            &mut tx,
            other,
            &[(ids[0], TestKind::Pre, 50)],
            w.officer,
            now(),
        )
        .await;
        assert!(matches!(wrong, Err(MarkError::NotInCohort(_))));
        let missing = programmes::record_attendance(&mut tx, 999_999, &[], w.officer, now()).await;
        assert!(matches!(missing, Err(MarkError::Db(DbError::NotFound))));
        let missing =
            programmes::enrol(&mut tx, 999_999, &[a], &scope(), w.officer, today(), now()).await;
        assert!(matches!(missing, Err(EnrolError::Db(DbError::NotFound))));
        drop(tx);
        assert!(
            db.session_marks(foreign_session)
                .await
                .expect("marks")
                .is_empty()
        );
        assert!(matches!(db.cohort(999_999).await, Err(DbError::NotFound)));
        assert!(matches!(
            db.programme(999_999).await,
            Err(DbError::NotFound)
        ));
    }
}

#[tokio::test]
async fn a_trainer_acts_only_on_the_cohorts_they_are_assigned_to() {
    for db in test_databases().await {
        let w = world(&db, 5).await;
        let siti = person(&db, "Siti Aminah", "36.04.05", Some(date(2025, 6, 1))).await;
        let mut tx = db.begin().await.expect("begin");
        let other =
            common::account(&mut tx, w.agency, "trainer.lain", Role::Trainer, "36.04").await;
        let ids = programmes::enrol(
            &mut tx,
            w.cohort,
            &[siti],
            &scope(),
            w.officer,
            today(),
            now(),
        )
        .await
        .expect("enrol");
        let session =
            programmes::add_session(&mut tx, w.cohort, date(2027, 2, 1), "Pembukuan", now())
                .await
                .expect("session");
        tx.commit().await.expect("commit");
        let e = ids[0];
        assert!(db.acts_on_cohort(w.cohort, w.trainer).await.expect("read"));
        assert!(db.acts_on_cohort(w.cohort, w.officer).await.expect("read"));
        assert!(!db.acts_on_cohort(w.cohort, other).await.expect("read"));

        // A trainer of another cohort: attendance, scores and the stage are refused, and
        // nothing is written.
        let mut tx = db.begin().await.expect("begin");
        let r = programmes::record_attendance(&mut tx, session, &[(e, true)], other, now()).await;
        assert!(matches!(r, Err(MarkError::NotAssigned)), "{r:?}");
        let r =
            programmes::record_scores(&mut tx, w.cohort, &[(e, TestKind::Pre, 50)], other, now())
                .await;
        assert!(matches!(r, Err(MarkError::NotAssigned)), "{r:?}");
        let r = pipeline::move_stage(
            &mut tx,
            e,
            Some(Stage::Registered),
            Stage::Assessed,
            "",
            Mover::staff(other, Role::Trainer),
            now(),
        )
        .await;
        assert!(matches!(r, Err(MoveError::NotAssigned)), "{r:?}");
        drop(tx);
        assert!(db.session_marks(session).await.expect("marks").is_empty());
        assert_eq!(db.enrolment(e).await.expect("e").stage(), Stage::Registered);

        // The cohort's own trainer takes the sheet, the scores and marks "assessed" and
        // "trained".
        let mut tx = db.begin().await.expect("begin");
        programmes::record_attendance(&mut tx, session, &[(e, true)], w.trainer, now())
            .await
            .expect("marks");
        programmes::record_scores(
            &mut tx,
            w.cohort,
            &[(e, TestKind::Post, 80)],
            w.trainer,
            now(),
        )
        .await
        .expect("scores");
        let by = Mover::staff(w.trainer, Role::Trainer);
        pipeline::move_stage(&mut tx, e, None, Stage::Assessed, "", by, now())
            .await
            .expect("assessed");
        let change = pipeline::move_stage(&mut tx, e, None, Stage::Trained, "", by, now())
            .await
            .expect("trained");
        tx.commit().await.expect("commit");
        assert_eq!(db.session_marks(session).await.expect("marks").len(), 1);

        // Nor may the other trainer take the cohort trainer's mark back.
        let mut tx = db.begin().await.expect("begin");
        let r = pipeline::revert(
            &mut tx,
            change,
            "salah",
            Mover::staff(other, Role::Trainer),
            now(),
        )
        .await;
        assert!(matches!(r, Err(MoveError::NotAssigned)), "{r:?}");
        drop(tx);
        assert_eq!(db.enrolment(e).await.expect("e").stage(), Stage::Trained);
    }
}
