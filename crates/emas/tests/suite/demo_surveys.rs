//! Demo surveys: baselines and the follow-ups due, back-dated, deterministic, scored like any
//! other survey, improving over time faster in Tangerang Selatan than in Pandeglang; loading
//! again adds nothing.

use chrono::{DateTime, NaiveDate, Utc};
use emas::demo_surveys::load_demo_surveys;
use emas_domain::access::{Role, Scope};
use emas_domain::emas_index::Dimension;
use emas_domain::nik::Sex;
use emas_domain::person::MigrationStatus;
use emas_domain::survey::Wave;
use emas_store::agencies::{AgencyKind, NewAgency, create_agency};
use emas_store::people;
use emas_store::pipeline::test_cohort;
use emas_store::surveys::{Aggregates, test_enrol_on};
use emas_store::testing::test_databases;
use emas_store::users::{NewUser, create_user};
use emas_store::{Db, now};

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(8, 0, 0))
        .expect("a date")
        .and_utc()
}

async fn person(db: &Db, i: usize, region: &str, sex: Sex) -> i64 {
    people::test_person(
        db,
        &format!("Peserta {i}"),
        Some(sex),
        region,
        MigrationStatus::Returned,
    )
    .await
    .expect("person")
}

/// 20 people in each of Pandeglang and Tangerang Selatan, half women, enrolled on two dates.
async fn enrolments(db: &Db) -> Vec<(i64, NaiveDate, String)> {
    db.load_reference_regions().await.expect("regions");
    let mut tx = db.begin().await.expect("begin");
    let agency = create_agency(
        &mut tx,
        &NewAgency {
            code: "disnaker-banten",
            name: "Disnakertrans Banten",
            kind: AgencyKind::LabourOffice,
            region_code: Some("36"),
        },
        now(),
    )
    .await
    .expect("agency");
    create_user(
        &mut tx,
        &NewUser {
            username: "officer.banten",
            display_name: "Officer",
            password: "rahasia sekali",
            role: Role::ProgrammeOfficer,
            scope: Scope::parse("36").expect("scope"),
            agency_id: agency,
            must_change_password: false,
        },
        now(),
    )
    .await
    .expect("officer");
    tx.commit().await.expect("commit");
    let mut out = Vec::new();
    for region in ["36.01.01", "36.74.01"] {
        let cohort = test_cohort(db, agency, &region[..5], region)
            .await
            .expect("cohort");
        for i in 0..20 {
            let sex = if i % 2 == 0 { Sex::Female } else { Sex::Male };
            let p = person(db, i, region, sex).await;
            let on = if i < 14 {
                at(2024, 10, 1)
            } else {
                at(2026, 3, 1)
            };
            let e = test_enrol_on(db, cohort, p, on).await.expect("enrol");
            out.push((e, on.date_naive(), region.to_owned()));
        }
    }
    out
}

fn mean(a: &Aggregates, wave: Wave, d: Dimension) -> f64 {
    a.waves
        .iter()
        .find(|w| w.wave == wave)
        .and_then(|w| w.dimensions.iter().find(|x| x.dimension == d))
        .and_then(|x| x.mean)
        .expect("a mean")
}

#[tokio::test]
async fn demo_surveys_are_deterministic_improve_over_time_and_load_once() {
    let now = at(2026, 12, 5);
    let mut counts = Vec::new();
    for db in test_databases().await {
        let list = enrolments(&db).await;
        let n = load_demo_surveys(&db, &list, now)
            .await
            .expect("demo surveys");
        // 40 baselines; the 28 enrolled in 2024 have had three follow-ups fall due, the 12
        // enrolled in March 2026 one (m6), some missed.
        assert!(n > 40 + 28 * 2 && n < 40 + 28 * 3 + 12, "{n}");
        assert_eq!(load_demo_surveys(&db, &list, now).await.expect("again"), 0);
        counts.push(n);
        let from = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let to = now.date_naive();
        let all = db
            .score_aggregates(&Scope::National, from, to)
            .await
            .expect("all");
        assert_eq!(all.waves.iter().map(|w| w.surveys).sum::<i64>() as usize, n);
        for d in Dimension::ALL {
            assert!(
                mean(&all, Wave::M24, d) > mean(&all, Wave::Baseline, d),
                "{d} improves from baseline to 24 months"
            );
        }
        let pandeglang = db
            .score_aggregates(&Scope::parse("36.01").unwrap(), from, to)
            .await
            .unwrap();
        let tangsel = db
            .score_aggregates(&Scope::parse("36.74").unwrap(), from, to)
            .await
            .unwrap();
        let reach = |a: &Aggregates| {
            let w = a.waves.iter().find(|w| w.wave == Wave::M24).expect("m24");
            w.reaching_emas as f64 / w.surveys as f64
        };
        assert!(
            reach(&tangsel) > reach(&pandeglang),
            "Tangerang Selatan moves faster"
        );
    }
    // The same demo on every database.
    assert!(counts.windows(2).all(|w| w[0] == w[1]));
}
