//! Surveys and EMAS scores on every test database: a survey recorded with its score and audit
//! line; every bad input refused without a trace; the due list of a region; the UMK table and
//! index configurations; aggregates per wave; and a new configuration that leaves stored
//! scores as they were.

use crate::common::{self, count};

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use emas_domain::access::{Role, Scope};
use emas_domain::emas_index::{ConfigError, DEFAULT_CONFIG, Dimension};
use emas_domain::person::MigrationStatus;
use emas_domain::survey::{AnswerError, Wave, example_answers};
use emas_store::agencies::AgencyKind;
use emas_store::audit::AuditEntry;
use emas_store::people;
use emas_store::pipeline::test_cohort;
use emas_store::surveys::{self, ResponseInput, SurveyError, Taker};
use emas_store::testing::test_databases;
use emas_store::{Db, with_db};

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, m, d)
        .expect("date")
        .and_hms_opt(9, 0, 0)
        .expect("time")
        .and_utc()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

async fn person(db: &Db, name: &str, region: &str, status: MigrationStatus) -> i64 {
    people::test_person(db, name, None, region, status)
        .await
        .expect("person")
}

struct World {
    officer: i64,
    cohort: i64,
}

async fn world(db: &Db) -> World {
    db.load_reference_regions().await.expect("regions");
    let mut tx = db.begin().await.expect("begin");
    let agency = common::agency(&mut tx, AgencyKind::LabourOffice, "36.02").await;
    let officer =
        common::account(&mut tx, agency, "officer", Role::ProgrammeOfficer, "36.02").await;
    tx.commit().await.expect("commit");
    let cohort = test_cohort(db, agency, "36.02", "Lebak 2025")
        .await
        .expect("cohort");
    World { officer, cohort }
}

/// Enrols a person and moves the enrolment date back to `on`.
async fn enrol(db: &Db, w: &World, person: i64, on: DateTime<Utc>) -> i64 {
    surveys::test_enrol_on(db, w.cohort, person, on)
        .await
        .expect("enrol")
}

fn who(user: i64) -> AuditEntry {
    AuditEntry {
        actor_user_id: Some(user),
        actor: "officer".into(),
        action: String::new(),
        entity: String::new(),
        entity_id: String::new(),
        detail: String::new(),
        request_id: "test".into(),
    }
}

async fn record(
    db: &Db,
    w: &World,
    enrolment: i64,
    wave: Wave,
    taken_on: NaiveDate,
    answers: BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> Result<i64, SurveyError> {
    let mut tx = db.begin().await.expect("begin");
    let input = ResponseInput {
        enrolment_id: enrolment,
        wave,
        taken_on,
        answers,
    };
    let r = surveys::record_response(
        &mut tx,
        &input,
        Taker::Officer { user_id: w.officer },
        &who(w.officer),
        now,
    )
    .await;
    if r.is_ok() {
        tx.commit().await.expect("commit");
    }
    r
}

#[tokio::test]
async fn a_follow_up_is_scored_as_the_worked_example_with_its_versions_and_audit() {
    for db in test_databases().await {
        let w = world(&db).await;
        let siti = person(&db, "Siti Aminah", "36.02.01", MigrationStatus::Returned).await;
        let e = enrol(&db, &w, siti, at(2024, 10, 1)).await;
        let mut baseline = example_answers();
        baseline.insert("household_income".into(), "1.500.000".into());
        record(
            &db,
            &w,
            e,
            Wave::Baseline,
            day(2024, 10, 1),
            baseline,
            at(2024, 10, 1),
        )
        .await
        .expect("baseline");
        let id = record(
            &db,
            &w,
            e,
            Wave::M12,
            day(2025, 10, 3),
            example_answers(),
            at(2025, 10, 3),
        )
        .await
        .expect("m12");
        let scores = db.scores_of(id).await.expect("scores");
        assert_eq!(scores.len(), 1);
        let s = &scores[0];
        assert_eq!(s.config_version, "emas-index-v1");
        assert_eq!(s.instrument_id, "emas-v1");
        assert_eq!(s.umk, Some(3_172_384), "UMK Lebak 2025");
        assert_eq!(s.baseline_income, Some(1_500_000));
        assert_eq!(format!("{:.3}", s.ekonomi.unwrap()), "0.708");
        assert_eq!(format!("{:.3}", s.mandiri.unwrap()), "0.885");
        assert_eq!(format!("{:.3}", s.aman.unwrap()), "0.700");
        assert_eq!(format!("{:.3}", s.sejahtera.unwrap()), "0.845");
        assert!(s.reaches);
        let answers = db.survey_answers(id).await.expect("answers");
        assert_eq!(answers["household_income"], "2400000");
        assert_eq!(answers["jkn"], "yes");
        let waves: Vec<String> = db
            .surveys_of(e)
            .await
            .expect("surveys")
            .into_iter()
            .map(|r| r.wave)
            .collect();
        assert_eq!(waves, ["baseline", "m12"]);
        let (audits,): (i64,) = with_db!(db, p => sqlx::query_as(
            "select count(*) from audit_log where action = 'survey.record' and entity_id = $1")
            .bind(id.to_string()).fetch_one(p).await)
        .expect("audit");
        assert_eq!(audits, 1);
        // In a year without a UMK row (2026), the most recent earlier year's applies.
        let e2 = enrol(
            &db,
            &w,
            person(&db, "Dewi", "36.02.02", MigrationStatus::Returned).await,
            at(2026, 3, 1),
        )
        .await;
        let id2 = record(
            &db,
            &w,
            e2,
            Wave::Baseline,
            day(2026, 3, 2),
            example_answers(),
            at(2026, 3, 2),
        )
        .await
        .expect("baseline 2026");
        assert_eq!(db.scores_of(id2).await.unwrap()[0].umk, Some(3_172_384));
        assert_eq!(db.tally_differences().await.expect("tallies"), vec![]);
    }
}

#[tokio::test]
async fn bad_surveys_are_refused_and_leave_nothing_behind() {
    for db in test_databases().await {
        let w = world(&db).await;
        let p = person(&db, "Nur Hayati", "36.02.01", MigrationStatus::Returned).await;
        let e = enrol(&db, &w, p, at(2025, 1, 10)).await;
        let now = at(2025, 12, 1);
        // An answer out of range, one of the wrong type, a required one missing: all named.
        let mut bad = example_answers();
        bad.insert("income_abroad_share".into(), "140".into());
        bad.insert("jkn".into(), "kadang".into());
        bad.remove("savings");
        match record(&db, &w, e, Wave::Baseline, day(2025, 1, 10), bad, now).await {
            Err(SurveyError::Answers(errors)) => assert_eq!(
                errors,
                vec![
                    ("savings".to_string(), AnswerError::Required),
                    (
                        "income_abroad_share".to_string(),
                        AnswerError::OutOfRange { min: 0, max: 100 }
                    ),
                    ("jkn".to_string(), AnswerError::NotYesNo),
                ]
            ),
            other => panic!("{other:?}"),
        }
        // A follow-up for someone not enrolled.
        assert!(matches!(
            record(
                &db,
                &w,
                e + 1000,
                Wave::M6,
                day(2025, 7, 10),
                example_answers(),
                now
            )
            .await,
            Err(SurveyError::NotEnrolled)
        ));
        // A follow-up long before it falls due, and a survey dated in the future.
        assert!(matches!(
            record(&db, &w, e, Wave::M12, day(2025, 7, 10), example_answers(), now).await,
            Err(SurveyError::TooEarly(d)) if d == day(2026, 1, 10)
        ));
        assert!(matches!(
            record(
                &db,
                &w,
                e,
                Wave::M6,
                day(2025, 12, 2),
                example_answers(),
                now
            )
            .await,
            Err(SurveyError::InFuture)
        ));
        assert_eq!(count(&db, "survey_response").await, 0);
        assert_eq!(count(&db, "survey_answer").await, 0);
        assert_eq!(count(&db, "emas_score").await, 0);
        // A wave recorded twice.
        record(
            &db,
            &w,
            e,
            Wave::M6,
            day(2025, 6, 20),
            example_answers(),
            now,
        )
        .await
        .expect("m6, within the month before it falls due");
        assert!(matches!(
            record(
                &db,
                &w,
                e,
                Wave::M6,
                day(2025, 7, 20),
                example_answers(),
                now
            )
            .await,
            Err(SurveyError::AlreadyTaken)
        ));
        assert_eq!(count(&db, "survey_response").await, 1);
        // A participant may record only their own enrolment.
        let other = person(&db, "Other", "36.02.01", MigrationStatus::Returned).await;
        let mut tx = db.begin().await.unwrap();
        let r = surveys::record_response(
            &mut tx,
            &ResponseInput {
                enrolment_id: e,
                wave: Wave::M12,
                taken_on: day(2025, 12, 1),
                answers: example_answers(),
            },
            Taker::Participant {
                user_id: w.officer,
                person_id: other,
            },
            &who(w.officer),
            now,
        )
        .await;
        assert!(matches!(r, Err(SurveyError::NotEnrolled)));
    }
}

#[tokio::test]
async fn the_due_list_shows_the_latest_wave_due_within_the_scope() {
    for db in test_databases().await {
        let w = world(&db).await;
        let today = day(2026, 2, 1);
        let a = enrol(
            &db,
            &w,
            person(&db, "Ani", "36.02.01", MigrationStatus::Returned).await,
            at(2025, 7, 15),
        )
        .await;
        let b = enrol(
            &db,
            &w,
            person(&db, "Budi", "36.02.01", MigrationStatus::Returned).await,
            at(2026, 1, 20),
        )
        .await;
        let c = enrol(
            &db,
            &w,
            person(&db, "Cici", "36.02.01", MigrationStatus::Returned).await,
            at(2025, 7, 1),
        )
        .await;
        // Cici's six-month survey is taken; Ani's is due; Budi's baseline is due.
        record(
            &db,
            &w,
            c,
            Wave::M6,
            day(2026, 1, 5),
            example_answers(),
            at(2026, 1, 5),
        )
        .await
        .expect("m6");
        let due = db
            .due_surveys(&Scope::parse("36.02").unwrap(), today, 100)
            .await
            .expect("due");
        assert_eq!(due.total, 2);
        let got: Vec<(i64, Wave, i64)> = due
            .surveys
            .iter()
            .map(|d| (d.enrolment_id, d.wave, d.days_overdue))
            .collect();
        assert_eq!(got, vec![(a, Wave::M6, 17), (b, Wave::Baseline, 12)]);
        // Another regency's officer sees none of them.
        let elsewhere = db
            .due_surveys(&Scope::parse("36.04").unwrap(), today, 100)
            .await
            .unwrap();
        assert!(elsewhere.surveys.is_empty());
        assert_eq!(elsewhere.total, 0);
        let everywhere = db.due_surveys(&Scope::National, today, 100).await.unwrap();
        assert_eq!((everywhere.surveys.len(), everywhere.total), (2, 2));
        // The first one only: the most overdue, and the count of all.
        let first = db.due_surveys(&Scope::National, today, 1).await.unwrap();
        assert_eq!(first.surveys[0].enrolment_id, a);
        assert_eq!(first.total, 2);
    }
}

/// The database's selection is the rule (`Wave::due_by`, then nothing recorded at that wave or
/// later) applied to each enrolment: enrolments around each wave's last day, at the first and
/// last second of the day, some with the wave due recorded, some with only an older one.
#[tokio::test]
async fn the_due_list_is_the_rule_applied_to_every_enrolment() {
    for db in test_databases().await {
        let w = world(&db).await;
        // A month's end: 31 August's six-month survey falls due on 28 February.
        let today = day(2026, 2, 28);
        let mut enrolled = Vec::new();
        for wave in Wave::ALL {
            let last = wave.enrolled_by(today);
            for offset in -2i64..=2 {
                let on = last + chrono::Duration::days(offset);
                for time in [(0, 0, 0), (23, 59, 59)] {
                    if on <= today {
                        enrolled.push(on.and_hms_opt(time.0, time.1, time.2).unwrap().and_utc());
                    }
                }
            }
        }
        let mut expected = Vec::new();
        for (k, time) in enrolled.into_iter().enumerate() {
            let name = format!("Peserta {k}");
            let p = person(&db, &name, "36.02.01", MigrationStatus::Returned).await;
            let e = enrol(&db, &w, p, time).await;
            let on = time.date_naive();
            let Some(due) = Wave::due_by(on, today) else {
                continue;
            };
            // Record nothing, the wave due, or only the baseline (which leaves a later wave due).
            let recorded = match k % 3 {
                0 => None,
                1 => Some(due),
                _ => Some(Wave::Baseline),
            };
            if let Some(wave) = recorded {
                let taken = wave.due_on(on);
                record(&db, &w, e, wave, taken, example_answers(), at(2026, 2, 28))
                    .await
                    .expect("recorded");
            }
            if recorded.is_none_or(|r| r < due) {
                expected.push((due.due_on(on), time, e, due));
            }
        }
        // Someone living in another regency, in this regency's programme: its officers see them
        // through the programme, theirs through where they live.
        let newcomer = person(&db, "Pendatang", "36.04.01", MigrationStatus::Returned).await;
        let time = at(2026, 2, 10);
        let visiting = enrol(&db, &w, newcomer, time).await;
        expected.push((
            today - chrono::Duration::days(18),
            time,
            visiting,
            Wave::Baseline,
        ));
        expected.sort();
        let want: Vec<(i64, Wave)> = expected.iter().map(|x| (x.2, x.3)).collect();

        let all = db.due_surveys(&Scope::National, today, 1000).await.unwrap();
        let got: Vec<(i64, Wave)> = all
            .surveys
            .iter()
            .map(|d| (d.enrolment_id, d.wave))
            .collect();
        assert_eq!(got, want);
        assert_eq!(all.total, want.len());
        let first = db.due_surveys(&Scope::National, today, 5).await.unwrap();
        let got: Vec<(i64, Wave)> = first
            .surveys
            .iter()
            .map(|d| (d.enrolment_id, d.wave))
            .collect();
        assert_eq!(got, want[..5]);
        assert_eq!(first.total, want.len());
        // The province and the regency are read by other queries, and see the same.
        for scope in ["36", "36.02"] {
            let within = db
                .due_surveys(&Scope::parse(scope).unwrap(), today, 1000)
                .await
                .unwrap();
            assert_eq!(within, all, "{scope}");
        }
        let home = db
            .due_surveys(&Scope::parse("36.04").unwrap(), today, 1000)
            .await
            .unwrap();
        assert_eq!(home.surveys.len(), 1);
        assert_eq!((home.surveys[0].enrolment_id, home.total), (visiting, 1));
        let elsewhere = db
            .due_surveys(&Scope::parse("36.03").unwrap(), today, 1000)
            .await
            .unwrap();
        assert_eq!((elsewhere.surveys.len(), elsewhere.total), (0, 0));
    }
}

#[tokio::test]
async fn aggregates_count_per_wave_within_the_area_and_period() {
    for db in test_databases().await {
        let w = world(&db).await;
        let mut weak = example_answers();
        weak.insert("intend_abroad".into(), "yes".into());
        weak.insert("income_abroad_share".into(), "90".into());
        weak.insert("main_income_source".into(), "remittance".into());
        for (i, form) in [example_answers(), example_answers(), weak]
            .into_iter()
            .enumerate()
        {
            let p = person(&db, &format!("P{i}"), "36.02.01", MigrationStatus::Returned).await;
            let e = enrol(&db, &w, p, at(2025, 1, 1)).await;
            record(
                &db,
                &w,
                e,
                Wave::Baseline,
                day(2025, 1, 2),
                form,
                at(2025, 1, 2),
            )
            .await
            .expect("baseline");
        }
        let agg = db
            .score_aggregates(
                &Scope::parse("36.02").unwrap(),
                day(2025, 1, 1),
                day(2025, 12, 31),
            )
            .await
            .expect("aggregates");
        assert_eq!(agg.config_version, "emas-index-v1");
        assert_eq!(agg.waves.len(), 1);
        let b = &agg.waves[0];
        assert_eq!((b.wave, b.surveys), (Wave::Baseline, 3));
        let mandiri = b
            .dimensions
            .iter()
            .find(|d| d.dimension == Dimension::Mandiri)
            .unwrap();
        // 0.885, 0.885 and (40 + 0 + 0 + 15·0.1) / 100 = 0.415.
        assert_eq!(mandiri.scored, 3);
        assert_eq!(mandiri.reaching, 2);
        assert!((mandiri.mean.unwrap() - (0.885 * 2.0 + 0.415) / 3.0).abs() < 1e-9);
        // Outside the period, or another regency: nothing.
        let none = db
            .score_aggregates(
                &Scope::parse("36.02").unwrap(),
                day(2026, 1, 1),
                day(2026, 12, 31),
            )
            .await
            .unwrap();
        assert!(none.waves.is_empty());
        let none = db
            .score_aggregates(
                &Scope::parse("36.04").unwrap(),
                day(2025, 1, 1),
                day(2025, 12, 31),
            )
            .await
            .unwrap();
        assert!(none.waves.is_empty());
        assert_eq!(db.tally_differences().await.expect("tallies"), vec![]);
    }
}

#[tokio::test]
async fn a_new_configuration_scores_new_surveys_and_never_rewrites_stored_scores() {
    for db in test_databases().await {
        let w = world(&db).await;
        let e = enrol(
            &db,
            &w,
            person(&db, "Ani", "36.02.01", MigrationStatus::Returned).await,
            at(2025, 1, 1),
        )
        .await;
        let first = record(
            &db,
            &w,
            e,
            Wave::Baseline,
            day(2025, 1, 2),
            example_answers(),
            at(2025, 1, 2),
        )
        .await
        .unwrap();
        let before = db.scores_of(first).await.unwrap();
        // Weights that do not add up to 100 are refused before anything is saved.
        let bad = DEFAULT_CONFIG
            .replace("emas-index-v1", "emas-index-v2")
            .replace("incidents = 40", "incidents = 50");
        let mut tx = db.begin().await.unwrap();
        let r = surveys::save_index_config(&mut tx, &bad, &who(w.officer), emas_store::now()).await;
        assert!(matches!(
            r,
            Err(SurveyError::Config(ConfigError::WeightsSum {
                dimension: Dimension::Aman,
                sum: 110
            }))
        ));
        drop(tx);
        assert_eq!(
            db.index_configs().await.unwrap().len(),
            1,
            "only the shipped one"
        );
        // A version already saved is refused.
        let mut tx = db.begin().await.unwrap();
        assert!(matches!(
            surveys::save_index_config(&mut tx, DEFAULT_CONFIG, &who(w.officer), emas_store::now())
                .await,
            Err(SurveyError::VersionTaken)
        ));
        drop(tx);
        // A valid v2 with a higher threshold.
        let v2 = DEFAULT_CONFIG
            .replace("emas-index-v1", "emas-index-v2")
            .replace("threshold = 0.6", "threshold = 0.9");
        let mut tx = db.begin().await.unwrap();
        surveys::save_index_config(&mut tx, &v2, &who(w.officer), emas_store::now())
            .await
            .expect("v2");
        tx.commit().await.unwrap();
        assert_eq!(db.index_config().await.unwrap().version, "emas-index-v2");
        assert_eq!(
            db.scores_of(first).await.unwrap(),
            before,
            "history untouched"
        );
        let second = record(
            &db,
            &w,
            e,
            Wave::M6,
            day(2025, 7, 2),
            example_answers(),
            at(2025, 7, 2),
        )
        .await
        .unwrap();
        let s = &db.scores_of(second).await.unwrap()[0];
        assert_eq!(s.config_version, "emas-index-v2");
        assert!(!s.reaches, "Aman 0.700 is below 0.9");
    }
}

#[tokio::test]
async fn the_umk_table_is_seeded_and_edited_with_checks() {
    for db in test_databases().await {
        let w = world(&db).await;
        let table = db.umk_table().await.unwrap();
        assert_eq!(table.len(), 16, "8 regencies and cities × 2024, 2025");
        assert!(
            table
                .iter()
                .any(|r| r.region_code == "36.72" && r.year == 2025 && r.amount == 5_128_084)
        );
        let set = |region: &'static str, year: i32, amount: i64, source: &'static str| {
            let db = db.clone();
            let who = who(w.officer);
            async move {
                let mut tx = db.begin().await.unwrap();
                let r = surveys::set_umk(
                    &mut tx,
                    region,
                    year,
                    amount,
                    source,
                    &who,
                    emas_store::now(),
                )
                .await;
                if r.is_ok() {
                    tx.commit().await.unwrap();
                }
                r
            }
        };
        for (region, year, amount, source, why) in [
            ("36", 2026, 3_000_000, "SK", "region"),
            ("36.02.01", 2026, 3_000_000, "SK", "region"),
            ("36.02", 1999, 3_000_000, "SK", "year"),
            ("36.02", 2026, 0, "SK", "amount"),
            ("36.02", 2026, 3_000_000, "  ", "source"),
        ] {
            assert!(
                matches!(set(region, year, amount, source).await, Err(SurveyError::Umk(w)) if w == why),
                "{region} {year} {amount}"
            );
        }
        set("36.02", 2026, 3_380_000, "Kepgub Banten 2026")
            .await
            .expect("set");
        set("36.02", 2026, 3_390_000, "Kepgub Banten 2026 (corrected)")
            .await
            .expect("correct");
        let row = db
            .umk_table()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.region_code == "36.02" && r.year == 2026)
            .unwrap();
        assert_eq!(
            (row.amount, row.source.as_str()),
            (3_390_000, "Kepgub Banten 2026 (corrected)")
        );
    }
}
