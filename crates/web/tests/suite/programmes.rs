//! The programme's pages and API: an officer sets up a programme, a track and a cohort with
//! sessions, enrols returnees (one by id, several from a search, the ineligible explained), a
//! trainer takes attendance on the phone sheet and completion shows; every bad input is
//! refused with a clear message and writes nothing; nobody sees programmes outside their scope.

use crate::common;

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use common::{Caller, TestApp};
use emas_domain::access::{Role, Scope};
use emas_domain::nik::Sex;
use emas_domain::person::{PlacementRoute, Sector};
use emas_store::people::{self, PersonInput, PlacementInput};
use emas_store::testing::test_databases;

/// A returnee living in `region` who came home `days_ago` days ago.
async fn returnee(app: &TestApp, name: &str, region: &str, days_ago: i64) -> i64 {
    let p = PersonInput {
        sex: Some(Sex::Female),
        ..people::test_person_input(name, Some(region))
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await.expect("begin");
    let id = people::create_person(&mut tx, &p, now)
        .await
        .expect("person");
    people::add_placement(
        &mut tx,
        id,
        &PlacementInput {
            country: "TW".into(),
            sector: Sector::Caregiver,
            route: PlacementRoute::LicensedAgency,
            employer: String::new(),
            agency: String::new(),
            departure_date: None,
            return_date: Some(Utc::now().date_naive() - Duration::days(days_ago)),
            return_reason: String::new(),
        },
        now,
    )
    .await
    .expect("placement");
    tx.commit().await.expect("commit");
    id
}

fn enc(s: &str) -> String {
    s.replace(' ', "+")
}

struct Setup {
    programme: i64,
    track: i64,
    cohort: i64,
    sessions: Vec<i64>,
}

/// An officer's programme in Kabupaten Serang with an economic track, a cohort of `capacity`
/// with `trainer`, and two sessions, all through the pages.
async fn setup(app: &TestApp, officer: &Caller, trainer: &Caller, capacity: i32) -> Setup {
    let form = format!(
        "name={}&owner_agency_id={}&region_code=36.04&starts_on=2027-01-01&ends_on=2027-12-31&budget_line=APBD&returned_within_years=3",
        enc("Pengembangan Kewirausahaan PMI Purna Serang 2027"),
        app.agency_id
    );
    let res = app.post("/programmes", officer, &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let programme: i64 = res
        .location()
        .and_then(|l| l.strip_prefix("/programmes/"))
        .and_then(|id| id.parse().ok())
        .expect("to the programme");
    let res = app
        .post(
            &format!("/programmes/{programme}/tracks"),
            officer,
            "kind=economic&name=Kewirausahaan&min_attendance_percent=80",
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = app
        .post(
            &format!("/programmes/{programme}/partners"),
            officer,
            &format!("agency_id={}&role=KUR", app.agency_id),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let track = app.db.tracks(programme).await.expect("tracks")[0].id;
    let res = app
        .post(
            &format!("/tracks/{track}/cohorts"),
            officer,
            &format!(
                "name=Angkatan+1&place=BLK+Serang&capacity={capacity}&starts_on=2027-02-01&ends_on=2027-03-01&trainer={}",
                trainer.user_id
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let cohort: i64 = res
        .location()
        .and_then(|l| l.strip_prefix("/cohorts/"))
        .and_then(|id| id.parse().ok())
        .expect("to the cohort");
    for (day, topic) in [
        ("2027-02-01", "Literasi+keuangan"),
        ("2027-02-08", "Rencana+usaha"),
    ] {
        let res = app
            .post(
                &format!("/cohorts/{cohort}/sessions"),
                officer,
                &format!("held_on={day}&topic={topic}"),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    let sessions = app
        .db
        .sessions(cohort)
        .await
        .expect("sessions")
        .iter()
        .map(|s| s.id)
        .collect();
    Setup {
        programme,
        track,
        cohort,
        sessions,
    }
}

async fn enrolment_ids(app: &TestApp, cohort: i64) -> Vec<(i64, i64)> {
    let c = app.db.cohort(cohort).await.expect("cohort");
    app.db
        .participants(&c)
        .await
        .expect("participants")
        .iter()
        .map(|p| (p.row.person_id, p.row.enrolment_id))
        .collect()
}

fn enrolment_of(list: &[(i64, i64)], person: i64) -> i64 {
    list.iter()
        .find(|(p, _)| *p == person)
        .map(|(_, e)| *e)
        .expect("enrolled")
}

#[tokio::test]
async fn an_officer_runs_a_cohort_and_a_trainer_takes_attendance_on_the_phone() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let officer = app.caller("officer", Role::ProgrammeOfficer, "36.04").await;
        let trainer = app.caller("trainer", Role::Trainer, "36.04").await;
        let s = setup(&app, &officer, &trainer, 3).await;
        let siti = returnee(&app, "Siti Aminah", "36.04.05", 200).await;
        let yati = returnee(&app, "Yati Suryati", "36.04.01", 400).await;
        let ratna = returnee(&app, "Ratna Suryati", "36.04.02", 365 * 6).await;

        let page = app
            .get(&format!("/programmes/{}", s.programme), Some(&officer))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Angkatan 1") && page.body.contains("Pemberdayaan ekonomi"));
        assert!(page.body.contains("KUR"), "the partner is listed");
        let list = app.get("/programmes", Some(&officer)).await;
        assert!(
            list.body
                .contains("Pengembangan Kewirausahaan PMI Purna Serang 2027")
        );
        assert!(
            list.body.contains("href=\"/programmes\""),
            "the nav links the programme"
        );

        // One by registry id.
        let res = app
            .post(
                &format!("/cohorts/{}/enrol", s.cohort),
                &officer,
                &format!("person_id={siti}"),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        // Several from a search: the one who returned too long ago is explained, none enrolled.
        let found = app
            .get(&format!("/cohorts/{}?q=Suryati", s.cohort), Some(&officer))
            .await;
        assert!(
            found
                .body
                .contains(&format!("name=\"person\" value=\"{yati}\""))
        );
        assert!(
            !found
                .body
                .contains(&format!("name=\"person\" value=\"{ratna}\"")),
            "no box to tick for someone who may not enrol"
        );
        assert!(
            found
                .body
                .contains("Tidak memenuhi syarat: pulang lebih lama dari batas program")
        );
        let res = app
            .post(
                &format!("/cohorts/{}/enrol", s.cohort),
                &officer,
                &format!("person={yati}&person={ratna}"),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("Ratna Suryati"), "{}", res.body);
        assert!(res.body.contains("pulang lebih lama dari batas program"));
        assert_eq!(enrolment_ids(&app, s.cohort).await.len(), 1, "all or none");
        let res = app
            .post(
                &format!("/cohorts/{}/enrol", s.cohort),
                &officer,
                &format!("person={yati}"),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let enrolled = enrolment_ids(&app, s.cohort).await;
        let (e_siti, e_yati) = (enrolment_of(&enrolled, siti), enrolment_of(&enrolled, yati));

        // The trainer's phone sheet: names with present/absent, one submit, no script.
        let sheet = app
            .get(
                &format!("/sessions/{}/attendance", s.sessions[0]),
                Some(&trainer),
            )
            .await;
        assert_eq!(sheet.status, StatusCode::OK);
        assert!(sheet.body.contains("Siti Aminah"));
        assert!(sheet.body.contains(&format!(
            "type=\"radio\" name=\"a{e_siti}\" value=\"present\""
        )));
        assert!(!sheet.body.contains("<script>"));
        for (session, yati_mark) in [(s.sessions[0], "present"), (s.sessions[1], "absent")] {
            let res = app
                .post(
                    &format!("/sessions/{session}/attendance"),
                    &trainer,
                    &format!("a{e_siti}=present&a{e_yati}={yati_mark}"),
                )
                .await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        }
        let res = app
            .post(
                &format!("/cohorts/{}/scores", s.cohort),
                &trainer,
                &format!("pre{e_siti}=40&post{e_siti}=85&pre{e_yati}="),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

        let page = app
            .get(&format!("/cohorts/{}", s.cohort), Some(&officer))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body
                .contains(&format!("href=\"/participants/{e_siti}\""))
        );
        assert!(page.body.contains("100 %") && page.body.contains("50 %"));
        assert_eq!(
            page.body.matches("<strong>Lulus</strong>").count(),
            1,
            "Siti completed, Yati not"
        );
        assert!(page.body.contains("value=\"85\""));
        let c = app.db.cohort(s.cohort).await.expect("cohort");
        let p = app.db.participants(&c).await.expect("participants");
        assert!(
            p.iter()
                .any(|x| x.row.person_id == siti && x.completion.completed)
        );
        assert!(
            p.iter()
                .any(|x| x.row.person_id == yati && !x.completion.completed)
        );

        // The lists as spreadsheets that open (read back through calamine), audited.
        let mut sheets = Vec::new();
        for path in [
            format!("/cohorts/{}/participants.xlsx", s.cohort),
            format!("/sessions/{}/attendance.xlsx", s.sessions[1]),
        ] {
            let x = app.get(&path, Some(&officer)).await;
            assert_eq!(x.status, StatusCode::OK, "{path}");
            assert_eq!(
                x.headers.get("content-type").and_then(|v| v.to_str().ok()),
                Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            );
            let sheet = emas_sheets::read_bytes(
                &x.bytes,
                "export.xlsx",
                &emas_sheets::ReadOptions::default(),
            )
            .unwrap_or_else(|e| panic!("{path} opens as XLSX: {e}"));
            assert_eq!(sheet.format, emas_sheets::Format::Xlsx, "{path}");
            let rows: Vec<Vec<String>> = sheet.rows.into_iter().map(|r| r.cells).collect();
            sheets.push((sheet.headers, rows));
        }
        let (headers, rows) = &sheets[0];
        assert_eq!(
            headers,
            &[
                "Nama lengkap",
                "NIK",
                "Kode wilayah (desa/kelurahan, kecamatan atau kabupaten/kota)",
                "Kehadiran",
                "Pre-test",
                "Post-test",
                "Lulus"
            ]
        );
        let row = |rows: &[Vec<String>], name: &str| -> Vec<String> {
            rows.iter()
                .find(|r| r[0] == name)
                .cloned()
                .unwrap_or_else(|| panic!("{name} in {rows:?}"))
        };
        assert_eq!(rows.len(), 2, "{rows:?}");
        let siti_row = row(rows, "Siti Aminah");
        assert_eq!(&siti_row[3..], ["100", "40", "85", "Lulus"]);
        let yati_row = row(rows, "Yati Suryati");
        assert_eq!((&yati_row[3][..], &yati_row[6][..]), ("50", "Belum"));
        let (headers, rows) = &sheets[1];
        assert_eq!(
            headers,
            &["Nama lengkap", "Tanggal sesi", "Topik", "Kehadiran"]
        );
        assert_eq!(
            row(rows, "Siti Aminah"),
            ["Siti Aminah", "2027-02-08", "Rencana usaha", "Hadir"]
        );
        assert_eq!(row(rows, "Yati Suryati")[3], "Tidak hadir");
        let audit = app
            .db
            .audit_log(
                &emas_store::audit::AuditFilter {
                    action: Some("cohort.export".into()),
                    ..Default::default()
                },
                10,
                0,
            )
            .await
            .expect("audit");
        assert_eq!(audit.len(), 1);
        assert!(
            include_str!("../../static/emas.css").contains("@media print { form:not(.print-keep)")
        );

        // Printed, the cohort's list and the attendance sheet keep the names and marks and say
        // which programme and cohort they are; navigation, forms and buttons are gone.
        let cohort_page = app
            .get(&format!("/cohorts/{}", s.cohort), Some(&officer))
            .await;
        let sheet_page = app
            .get(
                &format!("/sessions/{}/attendance", s.sessions[1]),
                Some(&officer),
            )
            .await;
        for (page, keeps) in [
            (
                printed(&cohort_page.body),
                &[
                    "Angkatan 1",
                    "Siti Aminah",
                    "Yati Suryati",
                    "100 %",
                    "value=\"85\"",
                ][..],
            ),
            (
                printed(&sheet_page.body),
                &[
                    "Angkatan 1",
                    "Siti Aminah",
                    "Rencana usaha",
                    "value=\"absent\" checked",
                ][..],
            ),
        ] {
            assert!(
                page.contains("Pengembangan Kewirausahaan PMI Purna Serang 2027"),
                "the programme is named without the crumbs: {page}"
            );
            for k in keeps {
                assert!(page.contains(k), "{k} printed: {page}");
            }
            for gone in [
                "<nav",
                "<button",
                "Beranda",
                "Waspada penipuan",
                "Daftarkan peserta",
                "Tambah sesi",
                "XLSX",
            ] {
                assert!(!page.contains(gone), "{gone} not printed: {page}");
            }
        }
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_message_and_writes_nothing() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let officer = app.caller("officer", Role::ProgrammeOfficer, "36.04").await;
        let national = app
            .caller("officer.pusat", Role::ProgrammeOfficer, "national")
            .await;
        let trainer = app.caller("trainer", Role::Trainer, "36.04").await;
        let s = setup(&app, &officer, &trainer, 2).await;
        let siti = returnee(&app, "Siti Aminah", "36.04.05", 200).await;
        let yati = returnee(&app, "Yati", "36.04.01", 300).await;
        let nur = returnee(&app, "Nur", "36.04.01", 300).await;
        let tangerang = returnee(&app, "Dewi Tangerang", "36.03.01", 100).await;

        // Dates out of order, for a programme and a cohort.
        let res = app
            .post(
                "/programmes",
                &officer,
                &format!("name=X&owner_agency_id={}&region_code=36.04&starts_on=2027-05-01&ends_on=2027-01-01", app.agency_id),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(
            res.body
                .contains("Tanggal selesai tidak boleh sebelum tanggal mulai")
        );
        let res = app
            .post("/programmes", &officer, &format!("name=X&owner_agency_id={}&region_code=36.03&starts_on=2027-01-01&ends_on=2027-02-01", app.agency_id))
            .await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "a region outside the officer's scope"
        );
        let res = app
            .post(
                &format!("/tracks/{}/cohorts", s.track),
                &officer,
                "name=B&capacity=5&starts_on=2027-05-01&ends_on=2027-04-01",
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(
            res.body
                .contains("Tanggal selesai tidak boleh sebelum tanggal mulai")
        );
        // Negative capacity.
        let res = app
            .post(
                &format!("/tracks/{}/cohorts", s.track),
                &officer,
                "name=B&capacity=-5",
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(
            res.body
                .contains("Kapasitas adalah bilangan bulat 1 sampai 1000")
        );
        let res = app
            .post(
                &format!("/tracks/{}/cohorts", s.track),
                &officer,
                "name=B&capacity=5&trainer=999999",
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "a trainer who is not one"
        );
        let res = app
            .post(
                &format!("/programmes/{}/tracks", s.programme),
                &officer,
                "kind=spiritual&name=X",
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        let res = app
            .post(
                &format!("/cohorts/{}/sessions", s.cohort),
                &officer,
                "held_on=kemarin&topic=",
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            app.db
                .programmes(&Scope::National)
                .await
                .expect("list")
                .len(),
            1
        );
        assert_eq!(app.db.track_cohorts(s.track).await.expect("list").len(), 1);
        assert_eq!(app.db.tracks(s.programme).await.expect("list").len(), 1);
        assert_eq!(app.db.sessions(s.cohort).await.expect("list").len(), 2);

        // Outside the programme's region: unknown to the regency officer, explained to the
        // national one.
        let res = app
            .post(
                &format!("/cohorts/{}/enrol", s.cohort),
                &officer,
                &format!("person_id={tangerang}"),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("tidak ada di registri wilayah Anda"));
        assert!(!res.body.contains("Dewi Tangerang"));
        let res = app
            .post(
                &format!("/cohorts/{}/enrol", s.cohort),
                &national,
                &format!("person_id={tangerang}"),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(
            res.body.contains("Dewi Tangerang")
                && res.body.contains("tinggal di luar wilayah program")
        );
        // Unknown people and unreadable ids.
        let res = app
            .post(
                &format!("/cohorts/{}/enrol", s.cohort),
                &officer,
                "person_id=999999",
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("ID 999999"));
        let res = app
            .post(
                &format!("/cohorts/{}/enrol", s.cohort),
                &officer,
                "person_id=abc",
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        let res = app
            .post(&format!("/cohorts/{}/enrol", s.cohort), &officer, "")
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);

        // A full cohort (capacity 2).
        let res = app
            .post(
                &format!("/cohorts/{}/enrol", s.cohort),
                &officer,
                &format!("person={siti}&person={yati}&person={nur}"),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("Angkatan ini penuh"), "{}", res.body);
        assert!(enrolment_ids(&app, s.cohort).await.is_empty());
        let res = app
            .post(
                &format!("/cohorts/{}/enrol", s.cohort),
                &officer,
                &format!("person={siti}&person={yati}"),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);

        // Already in another cohort of the same track: a clear message, not a database error.
        let res = app
            .post(
                &format!("/tracks/{}/cohorts", s.track),
                &officer,
                "name=Angkatan+2&capacity=10",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let second: i64 = res
            .location()
            .and_then(|l| l.strip_prefix("/cohorts/"))
            .and_then(|x| x.parse().ok())
            .expect("cohort");
        let res = app
            .post(
                &format!("/cohorts/{second}/enrol"),
                &officer,
                &format!("person_id={siti}"),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(
            res.body
                .contains("sudah terdaftar di angkatan lain pada jalur ini")
        );

        // Attendance for a session of another cohort.
        let res = app
            .post(
                &format!("/cohorts/{second}/sessions"),
                &officer,
                "held_on=2027-03-01&topic=Pasar",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let foreign = app.db.sessions(second).await.expect("sessions")[0].id;
        let e_siti = enrolment_of(&enrolment_ids(&app, s.cohort).await, siti);
        let res = app
            .post(
                &format!("/sessions/{foreign}/attendance"),
                &officer,
                &format!("a{e_siti}=present"),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("bukan dari angkatan ini"));
        // The first cohort's trainer is not the second's: refused before the names are read.
        let res = app
            .post(
                &format!("/sessions/{foreign}/attendance"),
                &trainer,
                &format!("a{e_siti}=present"),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post(
                &format!("/sessions/{}/attendance", s.sessions[0]),
                &trainer,
                &format!("a{e_siti}=maybe"),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(
            app.db
                .session_marks(foreign)
                .await
                .expect("marks")
                .is_empty()
        );
        assert!(
            app.db
                .session_marks(s.sessions[0])
                .await
                .expect("marks")
                .is_empty()
        );
        // Scores out of range.
        let res = app
            .post(
                &format!("/cohorts/{}/scores", s.cohort),
                &trainer,
                &format!("pre{e_siti}=150"),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(
            res.body
                .contains("Nilai adalah bilangan bulat 0 sampai 100")
        );

        // Unknown ids.
        for path in [
            "/programmes/999999",
            "/cohorts/999999",
            "/sessions/999999/attendance",
            "/cohorts/999999/participants.xlsx",
        ] {
            assert_eq!(
                app.get(path, Some(&officer)).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let res = app
            .post("/tracks/999999/cohorts", &officer, "name=B&capacity=5")
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let res = app
            .post(
                "/cohorts/999999/enrol",
                &officer,
                &format!("person_id={siti}"),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn trainers_do_not_create_programmes_and_other_regions_see_nothing() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let officer = app.caller("officer", Role::ProgrammeOfficer, "36.04").await;
        let trainer = app.caller("trainer", Role::Trainer, "36.04").await;
        let elsewhere = app
            .caller("officer.kabtangerang", Role::ProgrammeOfficer, "36.03")
            .await;
        let trainer_elsewhere = app
            .caller("trainer.kabtangerang", Role::Trainer, "36.03")
            .await;
        let s = setup(&app, &officer, &trainer, 5).await;
        let siti = returnee(&app, "Siti Aminah", "36.04.05", 200).await;
        let res = app
            .post(
                &format!("/cohorts/{}/enrol", s.cohort),
                &officer,
                &format!("person_id={siti}"),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let e_siti = enrolment_of(&enrolment_ids(&app, s.cohort).await, siti);

        let form = format!(
            "name=X&owner_agency_id={}&region_code=36.04&starts_on=2027-01-01&ends_on=2027-02-01",
            app.agency_id
        );
        assert_eq!(
            app.post("/programmes", &trainer, &form).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post(
                &format!("/cohorts/{}/enrol", s.cohort),
                &trainer,
                "person_id=1"
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let list = app.get("/programmes", Some(&trainer)).await;
        assert!(
            list.body.contains("Pengembangan Kewirausahaan"),
            "a trainer sees the programme"
        );
        assert!(
            !list.body.contains("action=\"/programmes\""),
            "but no form to create one"
        );

        let list = app.get("/programmes", Some(&elsewhere)).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(!list.body.contains("Pengembangan Kewirausahaan"));
        for path in [
            format!("/programmes/{}", s.programme),
            format!("/cohorts/{}", s.cohort),
            format!("/cohorts/{}/participants.xlsx", s.cohort),
            format!("/sessions/{}/attendance.xlsx", s.sessions[0]),
        ] {
            assert_eq!(
                app.get(&path, Some(&elsewhere)).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        for (path, form) in [
            (
                format!("/programmes/{}/tracks", s.programme),
                "kind=social&name=X".to_owned(),
            ),
            (
                format!("/programmes/{}/partners", s.programme),
                format!("agency_id={}", app.agency_id),
            ),
            (
                format!("/tracks/{}/cohorts", s.track),
                "name=X&capacity=5".to_owned(),
            ),
            (
                format!("/cohorts/{}/sessions", s.cohort),
                "held_on=2027-02-01&topic=X".to_owned(),
            ),
            (
                format!("/cohorts/{}/enrol", s.cohort),
                format!("person_id={siti}"),
            ),
        ] {
            assert_eq!(
                app.post(&path, &elsewhere, &form).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let res = app
            .post(
                &format!("/sessions/{}/attendance", s.sessions[0]),
                &trainer_elsewhere,
                &format!("a{e_siti}=present"),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let res = app
            .post(
                &format!("/cohorts/{}/scores", s.cohort),
                &trainer_elsewhere,
                &format!("pre{e_siti}=50"),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let api = app
            .api_get(
                &format!("/api/v1/cohorts/{}", s.cohort),
                Some(&elsewhere.api_token),
            )
            .await;
        assert_eq!(api.status, StatusCode::NOT_FOUND);
        assert!(
            app.db
                .session_marks(s.sessions[0])
                .await
                .expect("marks")
                .is_empty()
        );
        assert_eq!(app.db.tracks(s.programme).await.expect("tracks").len(), 1);
        assert_eq!(app.db.sessions(s.cohort).await.expect("sessions").len(), 2);
        assert_eq!(app.db.cohort(s.cohort).await.expect("cohort").enrolled, 1);
    }
}

#[tokio::test]
async fn the_programme_through_the_api() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let officer = app.caller("officer", Role::ProgrammeOfficer, "36.04").await;
        let trainer = app.caller("trainer", Role::Trainer, "36.04").await;
        let token = Some(officer.api_token.as_str());
        let body = format!(
            r#"{{"name":"Program API","owner_agency_id":"{}","region_code":"36.04","starts_on":"2027-01-01","ends_on":"2027-06-30","returned_within_years":"3"}}"#,
            app.agency_id
        );
        let res = app
            .api_send(Method::POST, "/api/v1/programmes", token, &body)
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let created: serde_json::Value = serde_json::from_str(&res.body).expect("json");
        let id = created["programme"]["id"].as_i64().expect("id");
        let bad = body.replace("2027-06-30", "2026-06-30");
        let res = app
            .api_send(Method::POST, "/api/v1/programmes", token, &bad)
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("ends_on"));
        let res = app
            .api_send(
                Method::POST,
                "/api/v1/programmes",
                Some(&trainer.api_token),
                &body,
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.db
                .programmes(&Scope::National)
                .await
                .expect("list")
                .len(),
            1
        );

        let res = app
            .api_get(&format!("/api/v1/programmes/{id}"), token)
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("Program API"));
        let list = app.api_get("/api/v1/programmes", token).await;
        assert!(list.body.contains("Program API"));

        let res = app
            .post(
                &format!("/programmes/{id}/tracks"),
                &officer,
                "kind=social&name=Reintegrasi",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let track = app.db.tracks(id).await.expect("tracks")[0].id;
        let cohort_body = format!(
            r#"{{"name":"Angkatan API","capacity":"10","trainer_ids":[{}]}}"#,
            trainer.user_id
        );
        let res = app
            .api_send(
                Method::POST,
                &format!("/api/v1/tracks/{track}/cohorts"),
                token,
                &cohort_body,
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let cohort: serde_json::Value = serde_json::from_str(&res.body).expect("json");
        let cohort = cohort["id"].as_i64().expect("id");
        let res = app
            .api_send(
                Method::POST,
                &format!("/api/v1/tracks/{track}/cohorts"),
                token,
                r#"{"name":"X","capacity":"-1"}"#,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let res = app
            .api_get(&format!("/api/v1/tracks/{track}/cohorts"), token)
            .await;
        assert!(res.body.contains("Angkatan API"));

        let siti = returnee(&app, "Siti Aminah", "36.04.05", 200).await;
        let old = returnee(&app, "Lama", "36.04.05", 365 * 10).await;
        let res = app
            .api_send(
                Method::POST,
                &format!("/api/v1/cohorts/{cohort}/enrolments"),
                token,
                &format!(r#"{{"person_ids":[{siti},{old}]}}"#),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("eligibility-returned-too-long-ago"));
        let res = app
            .api_send(
                Method::POST,
                &format!("/api/v1/cohorts/{cohort}/enrolments"),
                token,
                &format!(r#"{{"person_ids":[{siti}]}}"#),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let enrolled: serde_json::Value = serde_json::from_str(&res.body).expect("json");
        let e = enrolled["enrolment_ids"][0].as_i64().expect("id");

        let res = app
            .post(
                &format!("/cohorts/{cohort}/sessions"),
                &officer,
                "held_on=2027-02-01&topic=Keluarga",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let session = app.db.sessions(cohort).await.expect("s")[0].id;
        let res = app
            .api_send(
                Method::POST,
                &format!("/api/v1/sessions/{session}/attendance"),
                Some(&trainer.api_token),
                &format!(r#"{{"marks":[{{"enrolment_id":{e},"present":true}}]}}"#),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .api_send(
                Method::POST,
                &format!("/api/v1/sessions/{session}/attendance"),
                Some(&trainer.api_token),
                r#"{"marks":[{"enrolment_id":999999,"present":true}]}"#,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let res = app
            .api_get(&format!("/api/v1/cohorts/{cohort}"), token)
            .await;
        assert_eq!(res.status, StatusCode::OK);
        let detail: serde_json::Value = serde_json::from_str(&res.body).expect("json");
        assert_eq!(detail["participants"][0]["full_name"], "Siti Aminah");
        assert_eq!(
            detail["participants"][0]["completion"]["attendance_percent"],
            100
        );
        assert_eq!(detail["participants"][0]["completion"]["completed"], true);
    }
}

#[tokio::test]
async fn a_trainer_of_another_cohort_takes_no_attendance_and_records_no_scores() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let officer = app.caller("officer", Role::ProgrammeOfficer, "36.04").await;
        let trainer = app.caller("trainer", Role::Trainer, "36.04").await;
        let other = app.caller("pelatih.lain", Role::Trainer, "36.04").await;
        let s = setup(&app, &officer, &trainer, 3).await;
        let siti = returnee(&app, "Siti Aminah", "36.04.05", 200).await;
        let res = app
            .post(
                &format!("/cohorts/{}/enrol", s.cohort),
                &officer,
                &format!("person_id={siti}"),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let e = enrolment_ids(&app, s.cohort).await[0].1;

        // The cohort's page offers the other trainer neither the sheet nor the score boxes.
        let page = app
            .get(&format!("/cohorts/{}", s.cohort), Some(&other))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page
                .body
                .contains(&format!("/sessions/{}/attendance\"", s.sessions[0]))
        );
        assert!(!page.body.contains(&format!("name=\"pre{e}\"")));
        let own = app
            .get(&format!("/cohorts/{}", s.cohort), Some(&trainer))
            .await;
        assert!(
            own.body
                .contains(&format!("/sessions/{}/attendance\"", s.sessions[0]))
        );

        let sheet = format!("/sessions/{}/attendance", s.sessions[0]);
        let res = app.post(&sheet, &other, &format!("a{e}=present")).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .post(
                &format!("/cohorts/{}/scores", s.cohort),
                &other,
                &format!("pre{e}=40"),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .api_send(
                Method::POST,
                &format!("/api/v1/sessions/{}/attendance", s.sessions[0]),
                Some(&other.api_token),
                &format!(r#"{{"marks":[{{"enrolment_id":{e},"present":true}}]}}"#),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert!(
            app.db
                .session_marks(s.sessions[0])
                .await
                .expect("marks")
                .is_empty()
        );
        let c = app.db.cohort(s.cohort).await.expect("cohort");
        let list = app.db.participants(&c).await.expect("participants");
        assert_eq!(list[0].row.pre_score, None, "nothing written");

        // The cohort's own trainer may.
        let res = app.post(&sheet, &trainer, &format!("a{e}=present")).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
}

#[tokio::test]
async fn a_province_programme_is_seen_read_only_by_a_regency_for_its_own_cohorts() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let province = app
            .caller("officer.banten", Role::ProgrammeOfficer, "36")
            .await;
        let serang = app
            .caller("officer.serang", Role::ProgrammeOfficer, "36.04")
            .await;
        let tangerang = app
            .caller("officer.tangerang", Role::ProgrammeOfficer, "36.03")
            .await;
        let form = format!(
            "name=Wirausaha+Provinsi+2027&owner_agency_id={}&region_code=36&starts_on=2027-01-01&ends_on=2027-12-31",
            app.agency_id
        );
        let res = app.post("/programmes", &province, &form).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let programme: i64 = res
            .location()
            .and_then(|l| l.strip_prefix("/programmes/"))
            .and_then(|id| id.parse().ok())
            .expect("to the programme");
        let res = app
            .post(
                &format!("/programmes/{programme}/tracks"),
                &province,
                "kind=economic&name=Kewirausahaan&min_attendance_percent=80",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let track = app.db.tracks(programme).await.expect("tracks")[0].id;
        let cohorts = format!("/tracks/{track}/cohorts");

        // The cohort's region: within the programme's, a known code, readable; else refused
        // with the field named, and nothing written.
        for (region, message) in [
            ("32.01", "harus berada di dalam wilayah program"),
            ("36.04.99", "Kode wilayah tidak dikenal"),
            ("Serang", "Kode wilayah tidak terbaca"),
        ] {
            let res = app
                .post(
                    &cohorts,
                    &province,
                    &format!("name=X&capacity=20&region_code={region}"),
                )
                .await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{region}");
            assert!(res.body.contains(message), "{region}: {}", res.body);
        }
        let res = app
            .api_send(
                Method::POST,
                &format!("/api/v1/tracks/{track}/cohorts"),
                Some(&province.api_token),
                r#"{"name":"X","capacity":"20","region_code":"31.71"}"#,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("region_code"), "{}", res.body);
        assert!(app.db.track_cohorts(track).await.expect("c").is_empty());

        let res = app
            .post(
                &cohorts,
                &province,
                "name=Angkatan+Serang&capacity=20&region_code=36.04",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let res = app
            .api_send(
                Method::POST,
                &format!("/api/v1/tracks/{track}/cohorts"),
                Some(&province.api_token),
                r#"{"name":"Angkatan Lebak","capacity":"20","region_code":"36.02"}"#,
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let all = app.db.track_cohorts(track).await.expect("cohorts");
        let own = all
            .iter()
            .find(|c| c.name == "Angkatan Serang")
            .expect("serang");
        let lebak = all
            .iter()
            .find(|c| c.name == "Angkatan Lebak")
            .expect("lebak");
        assert_eq!(own.region_code.as_deref(), Some("36.04"));

        // Kabupaten Serang sees the programme and its own cohort, read-only; not Lebak's.
        let list = app.get("/programmes", Some(&serang)).await;
        assert!(list.body.contains("Wirausaha Provinsi 2027"));
        let page = app
            .get(&format!("/programmes/{programme}"), Some(&serang))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Angkatan Serang"));
        assert!(!page.body.contains("Angkatan Lebak"));
        assert!(
            !page.body.contains(&format!("action=\"{cohorts}\"")),
            "no forms"
        );
        let api = app
            .api_get(
                &format!("/api/v1/programmes/{programme}"),
                Some(&serang.api_token),
            )
            .await;
        assert_eq!(api.status, StatusCode::OK);
        assert!(api.body.contains("Angkatan Serang") && !api.body.contains("Angkatan Lebak"));
        let c = app
            .get(&format!("/cohorts/{}", own.id), Some(&serang))
            .await;
        assert_eq!(c.status, StatusCode::OK);
        assert_eq!(
            app.get(&format!("/cohorts/{}", lebak.id), Some(&serang))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        for (path, body) in [
            (
                format!("/programmes/{programme}/tracks"),
                "kind=social&name=X".to_owned(),
            ),
            (
                cohorts.clone(),
                "name=Y&capacity=5&region_code=36.04".to_owned(),
            ),
            (
                format!("/cohorts/{}/sessions", own.id),
                "held_on=2027-03-01&topic=Pasar".to_owned(),
            ),
            (
                format!("/cohorts/{}/enrol", own.id),
                "person_id=1".to_owned(),
            ),
        ] {
            let res = app.post(&path, &serang, &body).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
        }
        assert_eq!(app.db.track_cohorts(track).await.expect("c").len(), 2);
        assert!(app.db.sessions(own.id).await.expect("s").is_empty());

        // Kabupaten Tangerang has no cohort there: nothing.
        assert_eq!(
            app.get(&format!("/programmes/{programme}"), Some(&tangerang))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let list = app.get("/programmes", Some(&tangerang)).await;
        assert!(!list.body.contains("Wirausaha Provinsi 2027"));
    }
}

/// What a page prints: the page without the elements the print style sheet hides. The classes
/// here are checked to be those the style sheet hides, so the two cannot drift apart.
fn printed(html: &str) -> String {
    const HIDDEN_CLASSES: [&str; 7] = [
        "top", "main-nav", "skip", "foot", "no-print", "crumbs", "filters",
    ];
    let css = include_str!("../../static/emas.css");
    let print_rules: String = css.lines().filter(|l| l.contains("@media print")).collect();
    for class in HIDDEN_CLASSES {
        assert!(
            print_rules.contains(&format!(".{class}")),
            ".{class} hidden in print"
        );
    }
    let hidden = |tag: &str, open: &str| {
        let classes = open
            .split_once("class=\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(c, _)| c)
            .unwrap_or("");
        matches!(tag, "button" | "details")
            || (tag == "form" && !classes.split(' ').any(|c| c == "print-keep"))
            || classes.split(' ').any(|c| HIDDEN_CLASSES.contains(&c))
    };
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let open = &rest[..end];
        let tag: String = open[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if tag.is_empty() || !hidden(&tag, open) {
            out.push_str(open);
            rest = &rest[end..];
            continue;
        }
        // Skip to the matching close tag, counting nested elements of the same name.
        let (opening, closing) = (format!("<{tag}"), format!("</{tag}>"));
        let mut depth = 0;
        let mut at = 0;
        loop {
            let next_open = rest[at + 1..].find(&opening).map(|i| i + at + 1);
            let next_close = rest[at..].find(&closing).map(|i| i + at);
            match (next_open, next_close) {
                (Some(o), Some(c)) if o < c => {
                    depth += 1;
                    at = o;
                }
                (_, Some(c)) if depth > 0 => {
                    depth -= 1;
                    at = c + 1;
                }
                (_, Some(c)) => {
                    rest = &rest[c + closing.len()..];
                    break;
                }
                (_, None) => {
                    rest = "";
                    break;
                }
            }
        }
    }
    out.push_str(rest);
    out
}
