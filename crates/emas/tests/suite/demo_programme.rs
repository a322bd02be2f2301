//! The demo programme history: a newcomer (and the coordination dashboards) find two years of
//! cohorts, a pipeline that narrows stage by stage, businesses with their figures and capital,
//! and referrals, some of them overdue. Loaded through the store's own rules on both databases.

use chrono::{NaiveDate, TimeZone, Utc};
use emas::demo_data::{self, DemoPeople};
use emas::demo_programme;
use emas_domain::access::Scope;
use emas_domain::business::kbli;
use emas_domain::pipeline::Stage;
use emas_store::demo::{self, DemoOutcome};
use emas_store::pipeline::BoardFilter;
use emas_store::testing::test_databases;

#[tokio::test]
async fn the_demo_history_narrows_stage_by_stage_on_every_database() {
    let now = Utc.with_ymd_and_hms(2026, 12, 5, 3, 0, 0).unwrap();
    let today = now.date_naive();
    let mut runs = Vec::new();
    for db in test_databases().await {
        assert!(matches!(
            demo::load(&db, now).await.expect("demo"),
            DemoOutcome::Loaded { .. }
        ));
        assert!(matches!(
            demo_data::load(&db, now).await.expect("people"),
            DemoPeople::Loaded(_)
        ));
        let h = demo_programme::load(&db, now).await.expect("history");
        assert_eq!(h.programmes.len(), 3);
        assert_eq!(h.cohorts.len(), 8);
        let n = h.enrolments.len() as i64;
        assert!((340..=380).contains(&n), "{n} enrolments");

        // Every participant lives in their cohort's region and enrolled in the last two years.
        for e in &h.enrolments {
            assert!(
                e.region_code.starts_with(&e.cohort_region),
                "{} in {}",
                e.region_code,
                e.cohort_region
            );
            assert!(e.enrolled_on < today && e.enrolled_on > today - chrono::Duration::days(730));
        }

        // The funnel narrows at every stage, roughly as such programmes go.
        let f = db
            .funnel(&BoardFilter::Region("36".into()), &Scope::National)
            .await
            .expect("funnel");
        assert_eq!(f.total, n);
        assert_eq!(f.reached[0], (Stage::Registered, n));
        for w in f.reached.windows(2) {
            assert!(w[0].1 >= w[1].1, "{:?} then {:?}", w[0], w[1]);
        }
        let reached = |s: Stage| f.reached.iter().find(|r| r.0 == s).expect("stage").1;
        let share = |s: Stage| reached(s) * 100 / n;
        assert!(share(Stage::Assessed) >= 90, "{:?}", f.reached);
        assert!(
            (65..=88).contains(&share(Stage::Trained)),
            "{:?}",
            f.reached
        );
        assert!(
            (25..=45).contains(&share(Stage::BusinessPlan)),
            "{:?}",
            f.reached
        );
        assert!(
            (13..=25).contains(&share(Stage::BusinessRegistered)),
            "{:?}",
            f.reached
        );
        assert!(
            (5..=15).contains(&share(Stage::Operating)),
            "{:?}",
            f.reached
        );
        assert!(
            (25..=60).contains(&f.dropped_out),
            "{} dropped out",
            f.dropped_out
        );
        assert!(
            (1..=12).contains(&f.departed_again),
            "{} left",
            f.departed_again
        );

        // A regency sees its own cohorts' participants only.
        let serang = db
            .funnel(
                &BoardFilter::Region("36.04".into()),
                &Scope::parse("36.04").expect("scope"),
            )
            .await
            .expect("funnel");
        let in_serang = h
            .enrolments
            .iter()
            .filter(|e| e.region_code.starts_with("36.04"))
            .count() as i64;
        assert_eq!(serang.total, in_serang);

        // Businesses carry a KBLI 2020 code; registered ones an NIB and monthly figures, financed
        // ones their capital.
        let mut checked = 0;
        for e in h
            .enrolments
            .iter()
            .filter(|e| e.stage.rank() >= Stage::BusinessRegistered.rank() && e.stage.is_active())
        {
            let b = db
                .business_of(e.id)
                .await
                .expect("read")
                .expect("a business");
            assert!(kbli(&b.kbli_code).is_some(), "{}", b.kbli_code);
            assert_eq!(b.nib.len(), 13);
            if e.stage >= Stage::Financed {
                assert!(!db.capital_of(b.id).await.expect("capital").is_empty());
            }
            if e.stage == Stage::Operating {
                assert!(!db.business_months(b.id).await.expect("months").is_empty());
                assert!(!db.mentoring_visits(e.id).await.expect("visits").is_empty());
            }
            checked += 1;
        }
        assert!(checked > 20, "{checked} businesses checked");
        assert!(
            h.businesses as i64 >= reached(Stage::BusinessPlan) - f.departed_again - f.dropped_out
        );

        // Referrals to the cooperative offices and the banks; some are past due and open.
        assert!(
            (35..=70).contains(&h.referrals),
            "{} referrals",
            h.referrals
        );
        let mut overdue = 0;
        let mut kur = 0;
        for a in db.agencies().await.expect("agencies") {
            overdue += db
                .overdue_referrals(a.id, today)
                .await
                .expect("overdue")
                .len();
            kur += db
                .referral_inbox(a.id, today)
                .await
                .expect("inbox")
                .iter()
                .filter(|r| r.service.as_str() == "kur")
                .count();
        }
        assert!(overdue > 0, "nothing overdue");
        assert!(kur > 5, "{kur} KUR referrals");

        runs.push(
            h.enrolments
                .iter()
                .map(|e| (e.person_id, e.enrolled_on, e.stage))
                .collect::<Vec<(i64, NaiveDate, Stage)>>(),
        );
    }
    // The same history on both databases.
    if let [a, b] = runs.as_slice() {
        assert_eq!(a, b);
    }
}
