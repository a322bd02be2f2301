//! The registry's pages: a registrar registers, finds, opens and edits returnees; bad input is
//! shown beside its field and writes nothing; nobody sees people outside their scope.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;
use emas_domain::access::Role;
use emas_store::audit::AuditFilter;
use emas_store::testing::test_databases;

const SITI: &str = "nik=3604054503900002&full_name=Siti+Nurhayati&sex=F&birth_date=05-03-1990&birth_place=Serang&region_code=36.04.05.2001&kampung=Kp.+Cibeber&rt=002&rw=005&phones=0812-3456-7890&status=returned";

async fn person_count(app: &TestApp) -> i64 {
    let (_, n) = app
        .db
        .search_people(
            &emas_store::people::PersonQuery {
                limit: 1,
                ..Default::default()
            },
            &emas_domain::access::Scope::National,
        )
        .await
        .expect("search");
    n
}

#[tokio::test]
async fn a_registrar_registers_finds_and_opens_a_returnee() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app
            .caller("registrar.kabserang", Role::Registrar, "36.04")
            .await;
        let res = app.post("/people", &registrar, SITI).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let location = res.location().expect("to the person").to_owned();
        let page = app.get(&location, Some(&registrar)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Siti Nurhayati") && page.body.contains("+6281234567890"));
        assert!(page.body.contains("Kramatwatu"), "the region is named");
        assert!(
            page.body.contains("person.create"),
            "the audit trail shows the creation"
        );
        let found = app.get("/people?q=Nur+Hayati", Some(&registrar)).await;
        assert!(
            found.body.contains(&location),
            "the name is found split as well as joined"
        );
        let found = app.get("/people?nik=360405", Some(&registrar)).await;
        assert!(found.body.contains(&location));
        let found = app
            .get("/people?phone=%2B62+812+3456+7890", Some(&registrar))
            .await;
        assert!(found.body.contains(&location));
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        let reads = app
            .db
            .audit_log(
                &AuditFilter {
                    action: Some("person.read".into()),
                    ..Default::default()
                },
                10,
                0,
            )
            .await
            .expect("log");
        assert_eq!(reads.len(), 1, "the page view was audited");
    }
}

#[tokio::test]
async fn an_nik_that_disagrees_needs_a_reason_and_a_shared_nik_a_confirmation() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        let wrong_birth = SITI.replace("05-03-1990", "06-03-1990");
        let res = app.post("/people", &registrar, &wrong_birth).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("Tanggal lahir tidak sama"));
        assert_eq!(
            person_count(&app).await,
            0,
            "a warning to answer, nothing written yet"
        );
        let res = app
            .post(
                "/people",
                &registrar,
                &format!("{wrong_birth}&nik_mismatch_reason=KTP+salah+cetak"),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "accepted with a reason");

        let res = app.post("/people", &registrar, SITI).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("Sudah ada orang lain dengan NIK ini"));
        assert_eq!(person_count(&app).await, 1);
        let res = app
            .post(
                "/people",
                &registrar,
                &format!("{SITI}&confirm_duplicate=yes"),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(person_count(&app).await, 2);
    }
}

#[tokio::test]
async fn bad_person_forms_show_each_error_and_write_nothing() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        let bad = "nik=3.60405E%2B15&full_name=&sex=X&birth_date=31-02-2090&region_code=36.4&phones=123&household_size=-3&status=lost&status_since=kemarin";
        let res = app.post("/people", &registrar, bad).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        for id in [
            "nik-err",
            "full_name-err",
            "sex-err",
            "birth_date-err",
            "region-err",
            "phones-err",
            "household-err",
            "status-err",
            "status_since-err",
        ] {
            assert!(res.body.contains(&format!("id=\"{id}\"")), "{id}");
        }
        assert!(res.body.contains("3.60405E+15"), "what was typed is kept");
        let outside = SITI.replace("36.04.05.2001", "36.02.01");
        let res = app.post("/people", &registrar, &outside).await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "a regency registers only its own residents"
        );
        let huge = format!("{SITI}&skills={}", "x".repeat(3_000_000));
        assert_eq!(
            app.post("/people", &registrar, &huge).await.status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(person_count(&app).await, 0);
    }
}

#[tokio::test]
async fn an_unknown_region_code_is_kept_and_flagged() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36").await;
        let res = app
            .post(
                "/people",
                &registrar,
                &SITI.replace("36.04.05.2001", "36.04.99.2001"),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "kept, not refused");
        let page = app
            .get(res.location().expect("location"), Some(&registrar))
            .await;
        assert!(page.body.contains("36.04.99.2001") && page.body.contains("kode tidak dikenal"));
    }
}

#[tokio::test]
async fn people_outside_a_scope_do_not_exist_for_it() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let serang = app
            .caller("registrar.serang", Role::Registrar, "36.04")
            .await;
        let lebak = app
            .caller("registrar.lebak", Role::Registrar, "36.02")
            .await;
        let analyst = app.caller("analyst", Role::Analyst, "36").await;
        let res = app.post("/people", &serang, SITI).await;
        let location = res.location().expect("created").to_owned();
        assert_eq!(
            app.get(&location, Some(&lebak)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("{location}/edit"), Some(&lebak))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.post(&location, &lebak, SITI).await.status,
            StatusCode::NOT_FOUND
        );
        assert!(
            !app.get("/people?q=siti", Some(&lebak))
                .await
                .body
                .contains(&location)
        );
        assert_eq!(
            app.get(&location, Some(&analyst)).await.status,
            StatusCode::FORBIDDEN,
            "aggregates only"
        );
    }
}

#[tokio::test]
async fn an_edit_keeps_the_old_address_and_placements_are_checked() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36").await;
        let location = app
            .post("/people", &registrar, SITI)
            .await
            .location()
            .expect("created")
            .to_owned();
        let moved = SITI
            .replace("36.04.05.2001", "36.73.01")
            .replace("Cibeber", "Baru");
        assert_eq!(
            app.post(&location, &registrar, &moved).await.status,
            StatusCode::SEE_OTHER
        );
        let page = app.get(&location, Some(&registrar)).await;
        assert!(
            page.body.contains("Kp. Baru") && page.body.contains("Kp. Cibeber"),
            "both addresses shown"
        );
        let res = app.post(&format!("{location}/placements"), &registrar, "country=Taiwan&sector=caregiver&route=licensed_agency&departure_date=2019-05-01&return_date=2018-01-01").await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(
            res.body
                .contains("tanggal pulang sebelum tanggal berangkat")
        );
        let res = app.post(&format!("{location}/placements"), &registrar, "country=HONGKONG&sector=domestic_worker&route=licensed_agency&departure_date=2015-02-01&return_date=2021-06-30&return_reason=kontrak+selesai").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let found = app
            .get("/people?country=HK&return_year=2021", Some(&registrar))
            .await;
        assert!(found.body.contains(&location));
        let res = app.post(&format!("{location}/consents"), &registrar, "purpose=Program+pemberdayaan&legal_basis=UU+27%2F2022+Pasal+20&given_on=2026-01-10").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(
            app.get(&location, Some(&registrar))
                .await
                .body
                .contains("UU 27/2022 Pasal 20")
        );
    }
}

#[tokio::test]
async fn exports_keep_to_the_scope_defuse_formulas_and_are_audited() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let serang = app
            .caller("registrar.serang", Role::Registrar, "36.04")
            .await;
        let lebak = app
            .caller("registrar.lebak", Role::Registrar, "36.02")
            .await;
        app.post("/people", &serang, SITI).await;
        let hostile = SITI
            .replace("Siti+Nurhayati", "%3DHYPERLINK(%22http%3A%2F%2Fx%22)")
            .replace("3604054503900002", "");
        assert_eq!(
            app.post("/people", &serang, &hostile).await.status,
            StatusCode::SEE_OTHER
        );

        let csv = app.get("/people/export/people.csv", Some(&serang)).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.body.contains("Siti Nurhayati") && csv.body.contains("3604054503900002"));
        assert!(
            csv.body.contains("'=HYPERLINK"),
            "a formula is defused: {}",
            csv.body
        );
        let xlsx = app
            .get("/people/export/people.xlsx?q=siti", Some(&serang))
            .await;
        assert_eq!(xlsx.status, StatusCode::OK);
        assert!(xlsx.body.starts_with("PK"), "an XLSX is a zip");
        let theirs = app.get("/people/export/people.csv", Some(&lebak)).await;
        assert!(
            !theirs.body.contains("Siti"),
            "another regency exports none of them"
        );
        assert_eq!(
            app.get("/people/export/people.pdf", Some(&serang))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let lines = app
            .db
            .audit_log(
                &AuditFilter {
                    action: Some("person.export".into()),
                    ..Default::default()
                },
                10,
                0,
            )
            .await
            .expect("log");
        assert_eq!(lines.len(), 3);
    }
}
