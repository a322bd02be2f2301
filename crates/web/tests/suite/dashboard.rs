//! The coordination dashboard as an analyst sees it: figures of their region only, small counts
//! hidden (and what would reveal them), charts with tables, a map of the areas below, and clear
//! refusals of a region outside their scope or a malformed period.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;
use emas_domain::access::Role;
use emas_domain::nik::Sex;
use emas_domain::person::MigrationStatus;
use emas_store::Db;
use emas_store::people;
use emas_store::pipeline::{test_cohort, test_enrol};
use emas_store::testing::test_databases;

async fn person(db: &Db, name: &str, sex: Sex, region: &str) -> i64 {
    people::test_person(db, name, Some(sex), region, MigrationStatus::Returned)
        .await
        .expect("person")
}

/// Seven returnees in Kabupaten Serang (five women, two men), six of them in one cohort, and one
/// returnee in Lebak.
async fn world(db: Db) -> TestApp {
    let app = TestApp::new(db).await;
    let cohort = test_cohort(
        &app.db,
        app.agency_id,
        "36.04",
        "Angkatan <b>Kramatwatu</b>",
    )
    .await
    .expect("cohort");
    for i in 0..7 {
        let sex = if i < 5 { Sex::Female } else { Sex::Male };
        let p = person(&app.db, &format!("Peserta {i}"), sex, "36.04.01.2001").await;
        if i < 6 {
            test_enrol(&app.db, cohort, p).await.expect("enrol");
        }
    }
    person(&app.db, "Warga Lebak", Sex::Female, "36.02.01.2001").await;
    app
}

#[tokio::test]
async fn an_analyst_sees_their_regency_with_small_counts_hidden() {
    for db in test_databases().await {
        let app = world(db).await;
        let analyst = app.caller("analis", Role::Analyst, "36.04").await;
        let page = app.get("/dashboard", Some(&analyst)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let body = &page.body;
        assert!(body.contains("Kabupaten Serang"), "the region is named");
        assert!(body.contains("<dd>7</dd>"), "seven returnees: {body}");
        assert!(body.contains("<dd>6</dd>"), "six participants");
        // Two men are a small count; the five women would give them away from the total of 7.
        assert!(body.contains("<td>Laki-laki</td><td class=\"num\">&#60;5</td>"));
        assert!(body.contains("<td>Perempuan</td><td class=\"num\">–</td>"));
        assert!(body.contains("<svg class=\"chart\""), "charts are drawn");
        assert!(
            body.contains("<title>Peserta menurut tahap"),
            "with their names"
        );
        assert!(
            !body.contains("<b>Kramatwatu</b>"),
            "a cohort's name is text, not markup"
        );
        assert!(
            body.contains("Kecamatan") || body.matches("<path").count() > 10,
            "the districts' map"
        );
        assert!(
            !body.contains("Warga Lebak") && !body.contains("Peserta 1"),
            "no names"
        );

        // A period before anyone enrolled has no participants.
        let old = app
            .get("/dashboard?from=2020-01-01&to=2020-12-31", Some(&analyst))
            .await;
        assert_eq!(old.status, StatusCode::OK);
        assert!(!old.body.contains("<dd>6</dd>"));
    }
}

#[tokio::test]
async fn regions_outside_the_scope_and_bad_periods_are_refused() {
    for db in test_databases().await {
        let app = world(db).await;
        let analyst = app.caller("analis", Role::Analyst, "36.04").await;
        for region in ["36.02", "36"] {
            let r = app
                .get(&format!("/dashboard?region={region}"), Some(&analyst))
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{region}");
        }
        let r = app
            .get("/dashboard?region=%3Cscript%3E", Some(&analyst))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("Wilayah tidak dikenal"));
        // The counts are kept by district: a district is not a dashboard's region.
        let r = app.get("/dashboard?region=36.04.01", Some(&analyst)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("Wilayah tidak dikenal"));
        for period in [
            "from=2026-13-01",
            "from=2026-13",
            "from=2026-02-01&to=2026-01-01",
            "from=2026-03&to=2026-02",
            "to=kemarin",
            "from=%00%00",
        ] {
            let r = app
                .get(&format!("/dashboard?{period}"), Some(&analyst))
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{period}");
            assert!(r.body.contains("Periode tidak sah"), "{period}");
        }
        // One month, as the month picker sends it, and a date standing for its month.
        for period in ["from=2026-01&to=2026-01", "from=2026-01-15&to=2026-01-20"] {
            let r = app
                .get(&format!("/dashboard?{period}"), Some(&analyst))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{period}");
            assert!(r.body.contains("value=\"2026-01\""), "{period}");
            assert!(r.body.contains("Periode Januari 2026."), "{period}");
        }
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        let r = app.get("/dashboard", Some(&registrar)).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "registrars see people, not dashboards"
        );

        // The province's analyst sees both regencies on a map of all eight.
        let province = app.caller("provinsi", Role::Analyst, "36").await;
        let r = app.get("/dashboard?map=remigration", Some(&province)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body.matches("<path d=").count(), 8);
        assert!(
            r.body.contains("<dd>8</dd>"),
            "eight returnees in the province"
        );
        let r = app
            .get(
                &format!("/dashboard?region=36&from={}", "x".repeat(10_000)),
                Some(&province),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "an oversized date is refused"
        );
    }
}

#[tokio::test]
async fn the_public_sees_aggregates_by_regency_and_nothing_that_names_anyone() {
    for db in test_databases().await {
        let app = world(db).await;
        let page = app.get("/public/emas", None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let body = &page.body;
        assert!(
            body.contains("<th scope=\"row\">Banten</th><td class=\"num\">8</td>"),
            "{body}"
        );
        // Lebak's one returnee is small, and Serang's seven would reveal it from the total.
        assert!(
            body.contains("<th scope=\"row\">Kabupaten Lebak</th><td class=\"num\">&#60;5</td>")
        );
        assert!(body.contains("<th scope=\"row\">Kabupaten Serang</th><td class=\"num\">–</td>"));
        assert!(!body.contains("Peserta 1") && !body.contains("Warga Lebak"));
    }
}

#[tokio::test]
async fn emas_scores_appear_by_wave_once_five_people_are_surveyed() {
    for db in test_databases().await {
        let app = world(db).await;
        let analyst = app.caller("analis", Role::Analyst, "36.04").await;
        let page = app.get("/dashboard", Some(&analyst)).await;
        assert!(page.body.contains("Belum ada survei"), "no surveys yet");

        let officer = app.caller("petugas", Role::ProgrammeOfficer, "36.04").await;
        let today = chrono::Utc::now()
            .date_naive()
            .format("%d-%m-%Y")
            .to_string();
        let ids: Vec<i64> = emas_store::with_db!(app.db, p => sqlx::query_scalar(
            "select id from enrolment order by id").fetch_all(p).await)
        .expect("enrolments");
        assert_eq!(ids.len(), 6);
        for (i, id) in ids.iter().enumerate() {
            let r = app
                .post(
                    &format!("/participants/{id}/surveys/baseline"),
                    &officer,
                    &common::form(&common::answers(), &today),
                )
                .await;
            assert!(r.status.is_redirection(), "{}", r.body);
            let page = app.get("/dashboard", Some(&analyst)).await;
            let surveyed = i + 1;
            // Four people surveyed are too few for a mean; from five on it is shown.
            assert!(page.body.contains("id=\"emas-means-h\""), "{surveyed}");
            let baseline_row = page
                .body
                .split("<tr><td>Awal (saat pendaftaran)</td>")
                .nth(1)
                .expect("a baseline row")
                .split("</tr>")
                .next()
                .expect("its end")
                .to_owned();
            assert_eq!(
                baseline_row.contains("&#60;5"),
                surveyed < 5,
                "{surveyed}: {baseline_row}"
            );
            assert_eq!(
                baseline_row.contains("0,"),
                surveyed >= 5,
                "{surveyed}: {baseline_row}"
            );
        }
    }
}

#[tokio::test]
async fn the_meeting_report_downloads_as_pdf_and_xlsx_for_the_callers_region_only() {
    for db in test_databases().await {
        let app = world(db).await;
        let analyst = app.caller("analis", Role::Analyst, "36.04").await;
        let pdf = app
            .get("/dashboard/report.pdf?from=2020-01-01", Some(&analyst))
            .await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
        assert!(pdf.bytes.starts_with(b"%PDF-"), "a PDF");
        assert!(pdf.bytes.len() > 20_000, "with its pages and font");

        let xlsx = app.get("/dashboard/report.xlsx", Some(&analyst)).await;
        assert_eq!(xlsx.status, StatusCode::OK);
        let summary = emas_sheets::read_bytes(
            &xlsx.bytes,
            "laporan.xlsx",
            &emas_sheets::ReadOptions::default(),
        )
        .expect("the workbook opens");
        let mut cells: Vec<String> = summary.headers.clone();
        cells.extend(summary.rows.into_iter().flat_map(|r| r.cells));
        assert!(
            cells.iter().any(|c| c == "Rujukan lewat batas waktu"),
            "{cells:?}"
        );
        assert!(
            cells.iter().any(|c| c.contains("6 peserta mendaftar")),
            "the narrative: {cells:?}"
        );
        assert!(
            !cells.iter().any(|c| c.contains("0 usaha")),
            "no sentence about nothing: {cells:?}"
        );
        assert!(!cells.iter().any(|c| c.contains("Peserta 1")), "no names");

        for path in [
            "/dashboard/report.pdf?region=36.02",
            "/dashboard/report.xlsx?region=36",
        ] {
            let r = app.get(path, Some(&analyst)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        }
        let r = app.get("/dashboard/report.docx", Some(&analyst)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .get("/dashboard/report.pdf?to=31-12-2026", Some(&analyst))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
}
