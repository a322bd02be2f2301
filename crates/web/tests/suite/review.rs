//! The review queue as a registrar works it: the doubtful pairs of their region, one pair side
//! by side with the engine's waterfall, a decision that leads to the next pair; a pair decided
//! meanwhile by someone else is a clear conflict; other regions' pairs are not theirs to see.

use crate::common;

use axum::http::StatusCode;
use chrono::NaiveDate;
use common::TestApp;
use emas_domain::access::Role;
use emas_domain::import::Mapping;
use emas_domain::nik::Sex;
use emas_store::people::{self, PersonInput};
use emas_store::resolution::{self, Thresholds};
use emas_store::testing::test_databases;
use emas_store::{Db, imports, now};

/// Muhammad Yusuf, entered by hand in Kramatwatu (Kabupaten Serang), then a list that spells
/// him "Moh. Yusup" with nothing but his sex and birth date: a pair to decide.
async fn doubtful_pair(db: &Db) -> (i64, i64) {
    let mut tx = db.begin().await.expect("begin");
    let yusuf = people::create_person(
        &mut tx,
        &PersonInput {
            sex: Some(Sex::Male),
            birth_date: NaiveDate::from_ymd_opt(1985, 8, 12),
            ..people::test_person_input("Muhammad Yusuf", Some("36.04.05"))
        },
        now(),
    )
    .await
    .expect("person");
    resolution::set_thresholds(&mut tx, Thresholds::new(0.05, 0.9999).expect("valid"))
        .await
        .expect("thresholds");
    let source = imports::ensure_source(&mut tx, "Kepulangan", "return", None, now())
        .await
        .expect("source");
    tx.commit().await.expect("commit");
    let headers: Vec<String> = ["NO", "NAMA", "JK", "TGL LAHIR", "KECAMATAN", "KAB/KOTA"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let rows = vec![(
        2,
        [
            "A2",
            "Moh. Yusup",
            "L",
            "12/08/1985",
            "Kramatwatu",
            "Kab. Serang",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    )];
    let mapping = Mapping::guess(&headers);
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
    let plan = imports::plan(db, Some(source), headers, &mapping, rows, today)
        .await
        .expect("plan");
    assert_eq!(
        plan.doubts.len(),
        1,
        "{:?} {:?}",
        plan.doubts,
        plan.rows[0].outcome
    );
    let mut tx = db.begin().await.expect("begin");
    let batch = imports::stage(&mut tx, source, "k.csv", b"x", None, now())
        .await
        .expect("stage");
    imports::commit(&mut tx, batch, source, &plan, now(), &mut |_| {})
        .await
        .expect("commit");
    tx.commit().await.expect("commit");
    let scope = emas_domain::access::Scope::National;
    let queue = db.review_queue(&scope, None, 10).await.expect("queue");
    (queue[0].id, yusuf)
}

#[tokio::test]
async fn a_registrar_decides_a_pair_and_the_two_become_one() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let (pair, yusuf) = doubtful_pair(&app.db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;

        let queue = app.get("/review", Some(&registrar)).await;
        assert_eq!(queue.status, StatusCode::OK);
        assert!(queue.body.contains("Moh. Yusup") && queue.body.contains("Muhammad Yusuf"));
        let next = app.get("/review/next", Some(&registrar)).await;
        assert_eq!(next.location(), Some(format!("/review/{pair}").as_str()));

        let page = app.get(&format!("/review/{pair}"), Some(&registrar)).await;
        assert_eq!(page.status, StatusCode::OK);
        for text in [
            "Moh. Yusup",
            "Muhammad Yusuf",
            "Mengapa skor ini",
            "<svg",
            "Peluang awal",
            "Tanggal lahir",
            "sama persis",
        ] {
            assert!(page.body.contains(text), "{text}: {}", page.body);
        }

        let res = app
            .post(
                &format!("/review/{pair}/decide"),
                &registrar,
                "decision=same&batch=",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), Some("/review/next"));
        let (people, open) = (
            app.db.person_count().await.expect("count"),
            app.db
                .review_open_count(&registrar.scope)
                .await
                .expect("open"),
        );
        assert_eq!(
            (people, open),
            (1, 0),
            "Moh. Yusup is merged into Muhammad Yusuf"
        );
        let changes = app.db.person_changes(yusuf).await.expect("changes");
        assert_eq!(changes.len(), 1);
        assert_eq!(app.db.review_labels().await.expect("labels").len(), 1);

        // A second registrar sends the same decision a moment later: a conflict, no second merge.
        let other = app.caller("registrar2", Role::Registrar, "36").await;
        let late = app
            .post(
                &format!("/review/{pair}/decide"),
                &other,
                "decision=different",
            )
            .await;
        assert_eq!(late.status, StatusCode::CONFLICT);
        assert!(late.body.contains("baru saja diputuskan"), "{}", late.body);
        assert_eq!(app.db.person_changes(yusuf).await.expect("c").len(), 1);
        assert!(app.db.review_labels().await.expect("labels")[0].2);
    }
}

#[tokio::test]
async fn other_regions_bad_decisions_and_forged_forms_change_nothing() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let (pair, _) = doubtful_pair(&app.db).await;
        let lebak = app.caller("lebak", Role::Registrar, "36.02").await;
        let queue = app.get("/review", Some(&lebak)).await;
        assert!(!queue.body.contains("Moh. Yusup"));
        let page = app.get(&format!("/review/{pair}"), Some(&lebak)).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let res = app
            .post(&format!("/review/{pair}/decide"), &lebak, "decision=same")
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);

        let serang = app.caller("serang", Role::Registrar, "36.04").await;
        for form in [
            "decision=maybe",
            "decision=",
            "decision=same&batch=abc",
            "batch=1",
        ] {
            let res = app
                .post(&format!("/review/{pair}/decide"), &serang, form)
                .await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{form}");
        }
        let forged = app
            .post_raw(
                &format!("/review/{pair}/decide"),
                Some(&serang.cookie),
                "_csrf=wrong&decision=same",
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let trainer = app.caller("trainer", Role::Trainer, "36.04").await;
        assert_eq!(
            app.get("/review", Some(&trainer)).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.db.review_open_count(&serang.scope).await.expect("open"),
            1,
            "the pair is still open"
        );
        assert_eq!(app.db.person_count().await.expect("count"), 2);
    }
}
