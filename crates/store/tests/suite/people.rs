//! The registry's stories on every test database.

use chrono::NaiveDate;
use emas_domain::access::Scope;
use emas_domain::nik::{Nik, NikCell, Sex};
use emas_domain::person::{MigrationStatus, PlacementRoute, Sector};
use emas_store::people::{self, AddressInput, PersonInput, PersonQuery, PlacementInput};
use emas_store::testing::test_databases;
use emas_store::{Db, now};

fn nik(s: &str) -> Nik {
    match NikCell::parse(s) {
        NikCell::Clean(n) => n,
        other => panic!("{s} is not clean: {other:?}"),
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn person(name: &str, nik_digits: Option<&str>, region: &str, phone: Option<&str>) -> PersonInput {
    PersonInput {
        nik: nik_digits.map(nik),
        nik_mismatch_note: String::new(),
        full_name: name.into(),
        sex: Some(Sex::Female),
        birth_date: Some(date(1990, 3, 12)),
        birth_place: "Serang".into(),
        education: String::new(),
        household_size: Some(4),
        skills: String::new(),
        languages: String::new(),
        status: MigrationStatus::Returned,
        status_since: None,
        address: AddressInput {
            region_code: Some(region.into()),
            region_known: true,
            kampung: "Kp. Cibeber".into(),
            rt: "002".into(),
            rw: "005".into(),
            street: String::new(),
        },
        phones: phone.map(|p| vec![p.to_owned()]).unwrap_or_default(),
    }
}

async fn add(db: &Db, p: &PersonInput) -> i64 {
    let mut tx = db.begin().await.expect("begin");
    let id = people::create_person(&mut tx, p, now())
        .await
        .expect("create");
    tx.commit().await.expect("commit");
    id
}

fn query() -> PersonQuery {
    PersonQuery {
        limit: 50,
        ..PersonQuery::default()
    }
}

#[tokio::test]
async fn registrars_find_people_by_name_variants_nik_phone_and_filters() {
    for db in test_databases().await {
        let yusuf = add(
            &db,
            &person(
                "Muhammad Yusuf",
                Some("3604051203900001"),
                "36.04.05.2001",
                Some("+6281234567890"),
            ),
        )
        .await;
        let nur = add(
            &db,
            &person("Nur Hayati", Some("3602015203900002"), "36.02.01", None),
        )
        .await;
        let siti = add(&db, &person("Hj. Siti Aminah", None, "36.73", None)).await;
        let mut tx = db.begin().await.expect("begin");
        people::add_placement(
            &mut tx,
            nur,
            &PlacementInput {
                country: "TW".into(),
                sector: Sector::Caregiver,
                route: PlacementRoute::LicensedAgency,
                employer: String::new(),
                agency: "PT Sumber Rejeki".into(),
                departure_date: Some(date(2019, 5, 1)),
                return_date: Some(date(2023, 4, 30)),
                return_reason: "kontrak selesai".into(),
            },
            now(),
        )
        .await
        .expect("placement");
        tx.commit().await.expect("commit");
        let national = Scope::National;
        let ids = |r: (Vec<people::PersonSummary>, i64)| {
            r.0.into_iter().map(|p| p.id).collect::<Vec<_>>()
        };

        let q = PersonQuery {
            name: Some("Moh. Yusup".into()),
            ..query()
        };
        assert_eq!(
            ids(db.search_people(&q, &national).await.expect("q")),
            vec![yusuf]
        );
        let q = PersonQuery {
            name: Some("Nurhayati".into()),
            ..query()
        };
        assert_eq!(
            ids(db.search_people(&q, &national).await.expect("q")),
            vec![nur]
        );
        let q = PersonQuery {
            name: Some("siti aminah".into()),
            ..query()
        };
        assert_eq!(
            ids(db.search_people(&q, &national).await.expect("q")),
            vec![siti]
        );
        let q = PersonQuery {
            nik_prefix: Some("3604".into()),
            ..query()
        };
        assert_eq!(
            ids(db.search_people(&q, &national).await.expect("q")),
            vec![yusuf]
        );
        let q = PersonQuery {
            phone: Some("+6281234567890".into()),
            ..query()
        };
        assert_eq!(
            ids(db.search_people(&q, &national).await.expect("q")),
            vec![yusuf]
        );
        let q = PersonQuery {
            country: Some("TW".into()),
            return_year: Some(2023),
            ..query()
        };
        assert_eq!(
            ids(db.search_people(&q, &national).await.expect("q")),
            vec![nur]
        );
        let q = PersonQuery {
            country: Some("TW".into()),
            return_year: Some(2022),
            ..query()
        };
        assert!(ids(db.search_people(&q, &national).await.expect("q")).is_empty());
        let q = PersonQuery {
            region: Some("36.04".into()),
            ..query()
        };
        assert_eq!(
            ids(db.search_people(&q, &national).await.expect("q")),
            vec![yusuf]
        );

        // A regency sees only its own residents; Kota Serang (36.73) is not Kabupaten Serang.
        let kab_serang = Scope::parse("36.04").expect("scope");
        let (rows, total) = db.search_people(&query(), &kab_serang).await.expect("q");
        assert_eq!((rows.len(), total), (1, 1));
        let (_, total) = db
            .search_people(&query(), &Scope::parse("36").expect("scope"))
            .await
            .expect("q");
        assert_eq!(total, 3);
        let q = PersonQuery {
            name: Some("Nur Hayati".into()),
            ..query()
        };
        assert!(ids(db.search_people(&q, &kab_serang).await.expect("q")).is_empty());
    }
}

#[tokio::test]
async fn a_person_who_moves_keeps_the_history_of_addresses() {
    for db in test_databases().await {
        let mut p = person(
            "Euis Komalasari",
            Some("3602015203900002"),
            "36.02.01",
            Some("+6281298765432"),
        );
        let id = add(&db, &p).await;
        p.address.region_code = Some("36.04.05".into());
        p.address.kampung = "Kp. Baru".into();
        p.phones = vec!["+6285711112222".into()];
        let mut tx = db.begin().await.expect("begin");
        people::update_person(&mut tx, id, &p, now())
            .await
            .expect("update");
        tx.commit().await.expect("commit");
        let detail = db.person(id).await.expect("detail");
        assert_eq!(detail.addresses.len(), 2);
        assert_eq!(detail.addresses[0].region_code.as_deref(), Some("36.04.05"));
        assert!(detail.addresses[0].valid_until.is_none());
        assert!(
            detail.addresses[1].valid_until.is_some(),
            "the old address is closed, not lost"
        );
        assert_eq!(detail.phones, vec!["+6285711112222".to_owned()]);
        assert_eq!(detail.person.birth_date, Some(date(1990, 3, 12)));
        // The regency that sees her follows the current address.
        let (_, in_lebak) = db
            .search_people(&query(), &Scope::parse("36.02").expect("s"))
            .await
            .expect("q");
        let (_, in_serang) = db
            .search_people(&query(), &Scope::parse("36.04").expect("s"))
            .await
            .expect("q");
        assert_eq!((in_lebak, in_serang), (0, 1));
        // Saving without changes adds no address.
        let mut tx = db.begin().await.expect("begin");
        people::update_person(&mut tx, id, &p, now())
            .await
            .expect("update");
        tx.commit().await.expect("commit");
        assert_eq!(db.person(id).await.expect("detail").addresses.len(), 2);
        assert_eq!(
            db.people_with_nik(nik("3602015203900002"))
                .await
                .expect("q")
                .len(),
            1
        );
    }
}
