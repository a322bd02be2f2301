//! The demo registry: a newcomer who loads the demo sees about 3,000 returnees spread over
//! Banten as its workers are, with the flaws of real records, and loading again changes nothing.

use chrono::NaiveDate;
use emas::demo_data::{self, DEMO_PEOPLE, DemoPeople};
use emas_domain::access::{RegionCode, Scope};
use emas_domain::nik::Sex;
use emas_domain::person::{MigrationStatus, Sector};
use emas_domain::regions::Regions;
use emas_store::demo::{self, DemoOutcome};
use emas_store::people::PersonQuery;
use emas_store::testing::test_databases;
use emas_store::{Db, now};

fn query() -> PersonQuery {
    PersonQuery {
        limit: 10,
        ..PersonQuery::default()
    }
}

async fn count(db: &Db, q: PersonQuery, scope: &Scope) -> i64 {
    db.search_people(&q, scope).await.expect("search").1
}

fn scope(code: &str) -> Scope {
    Scope::parse(code).expect("a valid scope")
}

/// What `emas demo` and `emas serve --demo` do.
async fn load_demo(db: &Db) -> Option<DemoPeople> {
    match demo::load(db, now()).await.expect("demo") {
        DemoOutcome::Loaded { .. } => Some(demo_data::load(db, now()).await.expect("people")),
        DemoOutcome::AlreadyLoaded => None,
    }
}

#[tokio::test]
async fn the_demo_fills_the_registry_once_across_banten() {
    for db in test_databases().await {
        assert_eq!(load_demo(&db).await, Some(DemoPeople::Loaded(DEMO_PEOPLE)));
        let all = count(&db, query(), &Scope::National).await;
        assert_eq!(all, DEMO_PEOPLE as i64);
        assert_eq!(count(&db, query(), &scope("36")).await, all);

        // Every regency and city has its returnees; the four regencies that send most workers
        // hold most of them.
        let mut by_regency = Vec::new();
        for code in [
            "36.01", "36.02", "36.03", "36.04", "36.71", "36.72", "36.73", "36.74",
        ] {
            let n = count(&db, query(), &scope(code)).await;
            assert!(n > 60, "{code} has only {n}");
            by_regency.push((code, n));
        }
        assert_eq!(by_regency.iter().map(|r| r.1).sum::<i64>(), all);
        let regencies: i64 = by_regency[..4].iter().map(|r| r.1).sum();
        assert!(
            regencies * 100 > all * 60,
            "regencies hold {regencies} of {all}"
        );
        for (code, n) in &by_regency[4..] {
            assert!(*n < by_regency[3].1, "{code} outnumbers Kabupaten Serang");
        }

        let women = PersonQuery {
            sex: Some(Sex::Female),
            ..query()
        };
        let women = count(&db, women, &Scope::National).await;
        assert!(women * 100 > all * 60, "{women} women of {all}");

        for status in [
            MigrationStatus::Returned,
            MigrationStatus::Abroad,
            MigrationStatus::DepartedAgain,
        ] {
            let q = PersonQuery {
                status: Some(status),
                ..query()
            };
            assert!(count(&db, q, &Scope::National).await > 0, "none {status}");
        }
        let mut by_country = Vec::new();
        for country in ["TW", "HK", "MY", "SA", "SG", "KR", "JP"] {
            let q = PersonQuery {
                country: Some(country.into()),
                ..query()
            };
            let n = count(&db, q, &Scope::National).await;
            assert!(n > 0, "nobody placed in {country}");
            by_country.push(n);
        }
        assert!(by_country[0] > by_country[5], "more in Taiwan than Korea");
        let q = PersonQuery {
            return_year: Some(2019),
            ..query()
        };
        assert!(count(&db, q, &Scope::National).await > 0);

        // A flagged address is kept as recorded and found by its person's name.
        let people = demo_data::demo_people();
        let flagged = people
            .iter()
            .find(|p| !p.person.address.region_known)
            .expect("some addresses carry unknown codes");
        let q = PersonQuery {
            name: Some(flagged.person.full_name.clone()),
            limit: 100,
            ..PersonQuery::default()
        };
        let (found, _) = db
            .search_people(&q, &Scope::National)
            .await
            .expect("search");
        let mut kept = false;
        for row in found {
            let d = db.person(row.id).await.expect("person");
            kept |= !d.person.region_known
                && d.person.region_code == flagged.person.address.region_code;
        }
        assert!(kept, "the unknown region code is kept and flagged");

        // Loading again, by either command, changes nothing.
        assert_eq!(load_demo(&db).await, None);
        assert_eq!(
            demo_data::load(&db, now()).await.expect("again"),
            DemoPeople::RegistryNotEmpty
        );
        assert_eq!(count(&db, query(), &Scope::National).await, all);
    }
}

#[test]
fn the_demo_people_carry_the_flaws_of_real_records_and_are_always_the_same() {
    let people = demo_data::demo_people();
    assert_eq!(people.len(), DEMO_PEOPLE);
    let again = demo_data::demo_people();
    for (a, b) in people.iter().zip(&again) {
        assert_eq!(a.person, b.person, "deterministic");
        assert_eq!(a.placements.len(), b.placements.len());
    }
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
    let without_nik = people.iter().filter(|p| p.person.nik.is_none()).count();
    assert!(
        (100..400).contains(&without_nik),
        "{without_nik} without NIK"
    );
    let mismatched: Vec<_> = people
        .iter()
        .filter(|p| !p.person.nik_mismatch_note.is_empty())
        .collect();
    assert!(
        (10..100).contains(&mismatched.len()),
        "{}",
        mismatched.len()
    );
    for p in &mismatched {
        let nik = p.person.nik.expect("a mismatch needs an NIK");
        assert_ne!(nik.birth_date(today), p.person.birth_date);
    }
    for p in people
        .iter()
        .filter(|p| p.person.nik_mismatch_note.is_empty())
    {
        if let Some(nik) = p.person.nik {
            assert_eq!(nik.birth_date(today), p.person.birth_date);
        }
    }
    let unknown: Vec<_> = people
        .iter()
        .filter(|p| !p.person.address.region_known)
        .collect();
    assert!((10..100).contains(&unknown.len()), "{}", unknown.len());
    for p in &unknown {
        let code = p.person.address.region_code.as_deref().expect("recorded");
        let parsed = RegionCode::parse(code).expect("well-formed");
        assert!(
            Regions::reference().get(&parsed).is_none(),
            "{code} is known"
        );
    }
    for p in people.iter().filter(|p| p.person.address.region_known) {
        let code = p.person.address.region_code.as_deref().expect("recorded");
        let parsed = RegionCode::parse(code).expect("well-formed");
        assert!(
            Regions::reference().get(&parsed).is_some(),
            "{code} unknown"
        );
    }
    assert!(people.iter().all(|p| !p.placements.is_empty()));
    let with_phone = people
        .iter()
        .filter(|p| !p.person.phones.is_empty())
        .count();
    assert!(with_phone * 100 > people.len() * 90);
    assert!(
        people
            .iter()
            .flat_map(|p| &p.person.phones)
            .all(|ph| ph.starts_with("+628"))
    );
    let care = people
        .iter()
        .flat_map(|p| &p.placements)
        .filter(|pl| matches!(pl.sector, Sector::DomesticWorker | Sector::Caregiver))
        .count();
    let placements: usize = people.iter().map(|p| p.placements.len()).sum();
    assert!(care * 2 > placements, "{care} of {placements} in care work");
}
