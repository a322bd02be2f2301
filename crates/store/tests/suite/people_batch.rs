//! Registering many people at once (demo data, benchmarks) writes what registering them one by
//! one writes, on every test database.

use chrono::NaiveDate;
use emas_domain::access::Scope;
use emas_domain::nik::{Nik, NikCell, Sex};
use emas_domain::person::{MigrationStatus, PlacementRoute, Sector};
use emas_store::now;
use emas_store::people::{self, AddressInput, NewPerson, PersonInput, PersonQuery, PlacementInput};
use emas_store::testing::test_databases;

fn nik(s: &str) -> Nik {
    match NikCell::parse(s) {
        NikCell::Clean(n) => n,
        other => panic!("{s} is not clean: {other:?}"),
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn person(name: &str, nik_digits: Option<&str>, region: &str, phones: &[&str]) -> PersonInput {
    PersonInput {
        nik: nik_digits.map(nik),
        nik_mismatch_note: String::new(),
        full_name: name.into(),
        sex: Some(Sex::Female),
        birth_date: Some(date(1990, 3, 12)),
        birth_place: "Serang".into(),
        education: "SMP".into(),
        household_size: Some(4),
        skills: String::new(),
        languages: "Indonesia, Mandarin".into(),
        status: MigrationStatus::Returned,
        status_since: Some(date(2022, 5, 1)),
        address: AddressInput {
            region_code: Some(region.into()),
            region_known: true,
            kampung: "Kp. Cibeber".into(),
            rt: "002".into(),
            rw: "005".into(),
            street: String::new(),
        },
        phones: phones.iter().map(|p| (*p).to_owned()).collect(),
    }
}

fn taiwan(returned: NaiveDate) -> PlacementInput {
    PlacementInput {
        country: "TW".into(),
        sector: Sector::Caregiver,
        route: PlacementRoute::LicensedAgency,
        employer: String::new(),
        agency: "PT Duta Banten Mandiri".into(),
        departure_date: Some(date(2019, 4, 2)),
        return_date: Some(returned),
        return_reason: "Kontrak selesai".into(),
    }
}

fn query() -> PersonQuery {
    PersonQuery {
        limit: 50,
        ..PersonQuery::default()
    }
}

#[tokio::test]
async fn many_people_registered_at_once_are_found_as_if_registered_one_by_one() {
    for db in test_databases().await {
        let mut unknown = person("Siti Rohmah", None, "36.02.01.2999", &[]);
        unknown.address.region_known = false;
        let many = vec![
            NewPerson {
                person: person(
                    "Nur Hayati",
                    Some("3604055203900001"),
                    "36.04.05.2001",
                    // The same number twice is kept once.
                    &["+6281234567890", "+6281234567890"],
                ),
                placements: vec![taiwan(date(2022, 5, 1))],
            },
            NewPerson {
                person: unknown,
                placements: Vec::new(),
            },
            NewPerson {
                person: person("Muhammad Yusuf", None, "36.71.01.1001", &["+6285712345678"]),
                placements: vec![taiwan(date(2021, 1, 9)), taiwan(date(2024, 8, 30))],
            },
        ];
        let mut tx = db.begin().await.expect("begin");
        let ids = people::create_people(&mut tx, &many, now())
            .await
            .expect("create many");
        tx.commit().await.expect("commit");
        assert_eq!(ids.len(), 3);

        let (all, total) = db
            .search_people(&query(), &Scope::National)
            .await
            .expect("search");
        assert_eq!(total, 3);
        assert_eq!(all.len(), 3);

        let nur = db.person(ids[0]).await.expect("first");
        assert_eq!(nur.person.full_name, "Nur Hayati");
        assert_eq!(nur.person.nik.as_deref(), Some("3604055203900001"));
        assert_eq!(nur.phones, vec!["+6281234567890".to_owned()]);
        assert_eq!(nur.addresses.len(), 1);
        assert_eq!(nur.addresses[0].kampung, "Kp. Cibeber");
        assert_eq!(nur.placements.len(), 1);
        assert_eq!(nur.person.languages, "Indonesia, Mandarin");

        let flagged = db.person(ids[1]).await.expect("second");
        assert!(!flagged.person.region_known);
        assert_eq!(flagged.person.region_code.as_deref(), Some("36.02.01.2999"));
        assert!(flagged.phones.is_empty());

        // Found by a spelling variant, by phone, by country and year of return, by scope.
        let q = PersonQuery {
            name: Some("Nurhayati".into()),
            ..query()
        };
        let (found, _) = db.search_people(&q, &Scope::National).await.expect("name");
        assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), vec![ids[0]]);
        let q = PersonQuery {
            name: Some("Moh. Yusup".into()),
            ..query()
        };
        let (found, _) = db.search_people(&q, &Scope::National).await.expect("name");
        assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), vec![ids[2]]);
        let q = PersonQuery {
            phone: Some("+6285712345678".into()),
            ..query()
        };
        let (_, n) = db.search_people(&q, &Scope::National).await.expect("phone");
        assert_eq!(n, 1);
        let q = PersonQuery {
            country: Some("TW".into()),
            return_year: Some(2024),
            ..query()
        };
        let (found, _) = db.search_people(&q, &Scope::National).await.expect("year");
        assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), vec![ids[2]]);
        let lebak = Scope::parse("36.02").expect("scope");
        let (found, _) = db.search_people(&query(), &lebak).await.expect("scope");
        assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), vec![ids[1]]);

        // A person registered afterwards, one at a time, gets an id of their own.
        let mut tx = db.begin().await.expect("begin");
        let later = people::create_person(
            &mut tx,
            &person("Euis Komalasari", None, "36.02.01.2001", &[]),
            now(),
        )
        .await
        .expect("one more");
        tx.commit().await.expect("commit");
        assert!(!ids.contains(&later));
        let mut tx = db.begin().await.expect("begin");
        let next = people::create_people(&mut tx, &many[..1], now())
            .await
            .expect("a second batch");
        tx.commit().await.expect("commit");
        assert!(!ids.contains(&next[0]) && next[0] != later);
        let (_, total) = db
            .search_people(&query(), &Scope::National)
            .await
            .expect("search");
        assert_eq!(total, 5);
    }
}
