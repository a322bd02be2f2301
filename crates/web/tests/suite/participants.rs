//! Participants' own accounts: an officer opens one for a person within their scope and is
//! shown a one-time link with its QR code once; the participant sets a password through it
//! (once, before it expires, strong enough) and then sees their own programmes, sessions and
//! referrals, and nothing of anyone else.

use crate::common;

use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use chrono::Utc;
use common::{Caller, TestApp, person};
use emas_domain::access::Role;
use emas_store::testing::test_databases;
use emas_store::{Db, now, with_db};

/// Runs an insert whose `$1` is the time and `$2…` the given ids, returning the new row's id.
async fn insert(db: &Db, sql: &str, ids: &[i64]) -> i64 {
    let sql = format!("{sql} returning id");
    let (id,): (i64,) = with_db!(db, p => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(now());
        for i in ids {
            q = q.bind(*i);
        }
        q.fetch_one(p).await
    })
    .expect(sql.as_str());
    id
}

/// Enrols a person in a cohort of its own, with one session on `topic`.
async fn enrol(app: &TestApp, person: i64, cohort_name: &str, topic: &str) {
    let db = &app.db;
    let programme = insert(
        db,
        "insert into programme (name, owner_agency_id, region_code, starts_on, ends_on, created_at, \
         updated_at) values ('Kewirausahaan 2027', $2, '36.04', '2027-01-01', '2027-12-31', $1, $1)",
        &[app.agency_id],
    )
    .await;
    let track = insert(
        db,
        "insert into track (programme_id, kind, name, created_at) values ($2, 'economic', 'Usaha Kuliner', $1)",
        &[programme],
    )
    .await;
    let sql = format!(
        "insert into cohort (track_id, name, capacity, created_at) values ($2, '{cohort_name}', 25, $1)"
    );
    let cohort = insert(db, &sql, &[track]).await;
    let sql = format!(
        "insert into cohort_session (cohort_id, held_on, topic, created_at) values ($2, '2027-02-01', '{topic}', $1)"
    );
    insert(db, &sql, &[cohort]).await;
    insert(
        db,
        "insert into enrolment (cohort_id, person_id, track_id, stage, stage_since, enrolled_at) \
         values ($2, $3, $4, 'trained', $1, $1)",
        &[cohort, person, track],
    )
    .await;
}

/// The officer issues a link for `person`; returns the token.
async fn issue(app: &TestApp, officer: &Caller, person: i64) -> String {
    let res = app
        .post(
            &format!("/people/{person}/participant-account"),
            officer,
            "",
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("<svg"), "a QR code");
    assert_eq!(
        res.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let at = res.body.find("/set-password/").expect("the link") + "/set-password/".len();
    res.body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Sets a password through the link as a browser before sign-in would.
async fn use_link(app: &TestApp, token: &str, password: &str, confirm: &str) -> common::Response {
    let (cookie, csrf) = app.anonymous_form_token().await;
    app.post_raw(
        &format!("/set-password/{token}"),
        Some(&cookie),
        &format!("_csrf={csrf}&password={password}&confirm={confirm}"),
    )
    .await
}

fn session_of(res: &common::Response) -> String {
    res.headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("emas_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

async fn count(db: &Db, sql: &str) -> i64 {
    let (n,): (i64,) =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_one(p).await)
            .expect("count");
    n
}

#[tokio::test]
async fn a_participant_sets_a_password_once_and_sees_only_their_own_progress() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let officer = app.caller("officer", Role::ProgrammeOfficer, "36.04").await;
        let imas = person(&app.db, "Imas Masitoh", Some("36.04.05")).await;
        let euis = person(&app.db, "Euis Komalasari", Some("36.04.05")).await;
        enrol(&app, imas, "Angkatan Imas", "Menghitung modal usaha").await;
        enrol(&app, euis, "Angkatan Euis", "Rahasia angkatan lain").await;
        // Each was referred somewhere; each sees only their own referral.
        for (who, note, outcome) in [
            (imas, "Modal warung", "KUR cair"),
            (euis, "Izin PIRT", "Rahasia rujukan lain"),
        ] {
            let sql = format!(
                "insert into referral (person_id, from_agency_id, to_agency_id, service, note, due_on, \
                 status, outcome, created_at, updated_at) \
                 values ($2, $3, $3, 'kur', '{note}', '2027-01-01', 'closed', '{outcome}', $1, $1)"
            );
            insert(&app.db, &sql, &[who, app.agency_id]).await;
        }

        let page = app
            .get(
                &format!("/people/{imas}/participant-account"),
                Some(&officer),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("belum punya akun peserta"));
        let token = issue(&app, &officer, imas).await;
        // The page after shows no link: it was shown once.
        let again = app
            .get(
                &format!("/people/{imas}/participant-account"),
                Some(&officer),
            )
            .await;
        assert!(!again.body.contains(&token));
        assert!(again.body.contains("peserta."));
        assert_eq!(
            count(
                &app.db,
                "select count(*) from app_user where role = 'participant'"
            )
            .await,
            1
        );

        let form = app.get(&format!("/set-password/{token}"), None).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains(&format!("peserta.{imas}")));
        // A weak password, or two that differ: the link stays unused.
        let res = use_link(&app, &token, "pendek", "pendek").await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("terlalu pendek"));
        let res = use_link(&app, &token, "sandi-baru-panjang", "sandi-lain-panjang").await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("tidak sama"));
        let res = use_link(&app, &token, "sandi-baru-panjang", "sandi-baru-panjang").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), Some("/me"));
        let cookie = session_of(&res);

        let participant = Caller {
            user_id: 0,
            role: Role::Participant,
            scope: emas_domain::access::Scope::parse("36.04").expect("scope"),
            cookie,
            csrf: String::new(),
            api_token: String::new(),
        };
        let home = app.get("/", Some(&participant)).await;
        assert_eq!(home.location(), Some("/me"));
        let me = app.get("/me", Some(&participant)).await;
        assert_eq!(me.status, StatusCode::OK);
        assert!(me.body.contains("Kewirausahaan 2027"));
        assert!(me.body.contains("Angkatan Imas"));
        assert!(me.body.contains("Menghitung modal usaha"));
        assert!(me.body.contains("Sudah dilatih"), "the stage");
        assert!(!me.body.contains("Angkatan Euis"), "nobody else's cohort");
        assert!(
            !me.body.contains("Rahasia angkatan lain"),
            "nobody else's sessions"
        );
        assert!(
            me.body.contains("KUR cair") && me.body.contains("Selesai"),
            "their referral"
        );
        assert!(
            !me.body.contains("Rahasia rujukan lain"),
            "nobody else's referral"
        );
        assert!(!me.body.contains("Euis"));
        // Nothing else is theirs to open.
        for path in [
            format!("/people/{euis}"),
            format!("/people/{imas}"),
            "/people".to_owned(),
            "/referrals".to_owned(),
            format!("/people/{euis}/participant-account"),
        ] {
            assert_eq!(
                app.get(&path, Some(&participant)).await.status,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }

        // The link works once.
        let res = use_link(&app, &token, "sandi-kedua-panjang", "sandi-kedua-panjang").await;
        assert_eq!(res.status, StatusCode::GONE);
        assert!(res.body.contains("sudah pernah dipakai"));
        assert_eq!(
            app.get(&format!("/set-password/{token}"), None)
                .await
                .status,
            StatusCode::GONE
        );
        let signed_in = app
            .db
            .verify_credentials(&format!("peserta.{imas}"), "sandi-baru-panjang")
            .await
            .expect("verify");
        assert!(signed_in.is_some(), "the first password holds");
    }
}

#[tokio::test]
async fn an_expired_or_unknown_link_says_so_and_sets_nothing() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let officer = app.caller("officer", Role::ProgrammeOfficer, "36.04").await;
        let imas = person(&app.db, "Imas Masitoh", Some("36.04.05")).await;
        let old = issue(&app, &officer, imas).await;
        let token = issue(&app, &officer, imas).await;
        assert_ne!(old, token);
        // A new link replaces the unused old one.
        assert_eq!(
            app.get(&format!("/set-password/{old}"), None).await.status,
            StatusCode::NOT_FOUND
        );
        let past = Utc::now() - chrono::Duration::minutes(1);
        with_db!(app.db, p => sqlx::query("update one_time_link set expires_at = $1").bind(past).execute(p).await.map(|r| r.rows_affected()))
            .expect("expire");
        let res = app.get(&format!("/set-password/{token}"), None).await;
        assert_eq!(res.status, StatusCode::GONE);
        assert!(res.body.contains("kedaluwarsa"));
        let res = use_link(&app, &token, "sandi-baru-panjang", "sandi-baru-panjang").await;
        assert_eq!(res.status, StatusCode::GONE);
        assert_eq!(
            count(
                &app.db,
                "select count(*) from one_time_link where used_at is not null"
            )
            .await,
            0
        );
        for bad in ["x", "abc%00def", &"a".repeat(300), "../../etc/passwd"] {
            let res = app.get(&format!("/set-password/{bad}"), None).await;
            assert!(
                matches!(res.status, StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST),
                "{bad}: {}",
                res.status
            );
        }
    }
}

#[tokio::test]
async fn only_officers_in_scope_open_accounts() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let imas = person(&app.db, "Imas Masitoh", Some("36.04.05")).await;
        let nowhere = person(&app.db, "Tanpa Alamat", None).await;
        let lebak = app
            .caller("officer.lebak", Role::ProgrammeOfficer, "36.02")
            .await;
        let path = format!("/people/{imas}/participant-account");
        assert_eq!(
            app.get(&path, Some(&lebak)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.post(&path, &lebak, "").await.status,
            StatusCode::NOT_FOUND
        );
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        assert_eq!(
            app.post(&path, &registrar, "").await.status,
            StatusCode::FORBIDDEN
        );
        // Without a form token nothing happens.
        let officer = app
            .caller("officer", Role::ProgrammeOfficer, "national")
            .await;
        let res = app.post_raw(&path, Some(&officer.cookie), "").await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        // A person without a region gets no account.
        let res = app
            .post(
                &format!("/people/{nowhere}/participant-account"),
                &officer,
                "",
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("kode wilayah"));
        assert_eq!(
            count(
                &app.db,
                "select count(*) from app_user where role = 'participant'"
            )
            .await,
            0
        );
        assert_eq!(
            count(&app.db, "select count(*) from one_time_link").await,
            0
        );
    }
}

/// A participant account for `person`, signed in.
async fn participant_of(app: &TestApp, username: &str, person: i64) -> Caller {
    let caller = app.caller(username, Role::Participant, "36.04").await;
    with_db!(app.db, p => sqlx::query("update app_user set person_id = $1 where id = $2")
        .bind(person).bind(caller.user_id).execute(p).await.map(|r| r.rows_affected()))
    .expect("link the account");
    caller
}

/// The id of the (only) enrolment of `person`.
async fn enrolment_of(db: &Db, person: i64) -> i64 {
    let (id,): (i64,) =
        with_db!(db, p => sqlx::query_as("select id from enrolment where person_id = $1")
        .bind(person).fetch_one(p).await)
        .expect("enrolment");
    id
}

async fn business(db: &Db, enrolment: i64, name: &str) -> i64 {
    let sql = format!(
        "insert into business (enrolment_id, name, kbli_code, place, created_at, updated_at) \
         values ($2, '{name}', '56102', 'Pandeglang', $1, $1)"
    );
    insert(db, &sql, &[enrolment]).await
}

/// Imas (enrolled, with a business, attendance and a mentoring visit, and co-owner of Sari's
/// warung) and Euis (enrolled, with a business of her own).
struct World {
    imas: Caller,
    imas_business: i64,
    shared_business: i64,
    euis_business: i64,
}

async fn world(app: &TestApp) -> World {
    let mentor = app.caller("mentor", Role::Mentor, "36.04").await;
    let imas = person(&app.db, "Imas Masitoh", Some("36.04.05")).await;
    let euis = person(&app.db, "Euis Komalasari", Some("36.04.05")).await;
    let sari = person(&app.db, "Sari Rahayu", Some("36.04.05")).await;
    enrol(app, imas, "Angkatan Imas", "Menghitung modal usaha").await;
    enrol(app, euis, "Angkatan Euis", "Rahasia angkatan lain").await;
    enrol(app, sari, "Angkatan Sari", "Sesi Sari").await;
    let (e_imas, e_euis, e_sari) = (
        enrolment_of(&app.db, imas).await,
        enrolment_of(&app.db, euis).await,
        enrolment_of(&app.db, sari).await,
    );
    // Imas's cohort has a second session; she came to the first, not to the second.
    let (cohort,): (i64,) =
        with_db!(app.db, p => sqlx::query_as("select cohort_id from enrolment where id = $1")
        .bind(e_imas).fetch_one(p).await)
        .expect("cohort");
    let second = insert(
        &app.db,
        "insert into cohort_session (cohort_id, held_on, topic, created_at) \
         values ($2, '2027-02-08', 'Menata pembukuan', $1)",
        &[cohort],
    )
    .await;
    for (session, present) in [
        (
            with_db!(app.db, p => sqlx::query_as::<_, (i64,)>("select id from cohort_session where cohort_id = $1 and topic = 'Menghitung modal usaha'")
                .bind(cohort).fetch_one(p).await)
            .expect("session")
            .0,
            true,
        ),
        (second, false),
    ] {
        with_db!(app.db, p => sqlx::query("insert into attendance (session_id, enrolment_id, present, recorded_at) values ($1, $2, $3, $4)")
            .bind(session).bind(e_imas).bind(present).bind(now()).execute(p).await.map(|r| r.rows_affected()))
        .expect("attendance");
    }
    for (enrolment, topics, problems, advice) in [
        (
            e_imas,
            "Harga jual keripik",
            "Catatan internal pendamping",
            "Naikkan harga 10 persen",
        ),
        (
            e_euis,
            "Rahasia kunjungan lain",
            "Masalah Euis",
            "Saran untuk Euis",
        ),
    ] {
        let sql = format!(
            "insert into mentoring_visit (enrolment_id, visited_on, topics, problems, advice, \
             next_step, mentor_id, recorded_at) values ($2, '2027-03-05', '{topics}', \
             '{problems}', '{advice}', 'Daftar NIB di OSS', $3, $1)"
        );
        insert(&app.db, &sql, &[enrolment, mentor.user_id]).await;
    }
    let imas_business = business(&app.db, e_imas, "Keripik Imas").await;
    let euis_business = business(&app.db, e_euis, "Rahasia Usaha Euis").await;
    let shared_business = business(&app.db, e_sari, "Warung Bu Sari").await;
    insert(
        &app.db,
        "insert into business_owner (business_id, person_id, added_at) values ($2, $3, $1)",
        &[shared_business, imas],
    )
    .await;
    World {
        imas: participant_of(app, "peserta.imas", imas).await,
        imas_business,
        shared_business,
        euis_business,
    }
}

#[tokio::test]
async fn a_participant_sees_their_mentoring_notes_attendance_and_businesses() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let w = world(&app).await;
        let me = app.get("/me", Some(&w.imas)).await;
        assert_eq!(me.status, StatusCode::OK);
        // Attendance per session.
        assert!(me.body.contains("Menghitung modal usaha") && me.body.contains("Hadir"));
        assert!(me.body.contains("Menata pembukuan") && me.body.contains("Tidak hadir"));
        // Mentoring notes: what they are told, not the mentor's own notes.
        assert!(me.body.contains("Harga jual keripik"));
        assert!(me.body.contains("Naikkan harga 10 persen"));
        assert!(me.body.contains("Daftar NIB di OSS"));
        assert!(!me.body.contains("Catatan internal pendamping"));
        // Their business and the one they co-own, each with a form of its own.
        assert!(me.body.contains("Keripik Imas") && me.body.contains("Warung Bu Sari"));
        assert!(me.body.contains(&format!(
            "action=\"/me/business/{}/months\"",
            w.imas_business
        )));
        assert!(me.body.contains(&format!(
            "action=\"/me/business/{}/months\"",
            w.shared_business
        )));
        // Nobody else's.
        for secret in [
            "Rahasia kunjungan lain",
            "Saran untuk Euis",
            "Rahasia Usaha Euis",
            "Rahasia angkatan lain",
        ] {
            assert!(!me.body.contains(secret), "{secret}");
        }
    }
}

#[tokio::test]
async fn a_participant_records_a_month_of_their_own_business_only() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let w = world(&app).await;
        let path = format!("/me/business/{}/months", w.imas_business);
        let res = app
            .post(
                &path,
                &w.imas,
                "month=2027-03&revenue=Rp+2.500.000&costs=1.000.000",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(
            res.location(),
            Some(format!("/me#biz-{}", w.imas_business).as_str())
        );
        let (revenue, costs, by): (i64, i64, i64) = with_db!(app.db, p => sqlx::query_as(
            "select revenue, costs, recorded_by from business_month where business_id = $1 and month = '2027-03'")
            .bind(w.imas_business).fetch_one(p).await)
        .expect("the month");
        assert_eq!((revenue, costs, by), (2_500_000, 1_000_000, w.imas.user_id));
        let sql = format!(
            "select count(*) from audit_log where action = 'business.record_month' \
             and entity_id = '{}' and actor_user_id = {} and detail = '2027-03'",
            w.imas_business, w.imas.user_id
        );
        assert_eq!(count(&app.db, &sql).await, 1, "the audit line");
        let me = app.get("/me", Some(&w.imas)).await;
        assert!(me.body.contains("Rp 2.500.000") && me.body.contains("Rp 1.500.000"));
        // The month recorded again is corrected; the co-owned business takes figures too.
        let res = app
            .post(
                &path,
                &w.imas,
                "month=2027-03&revenue=3000000&costs=1000000",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let res = app
            .post(
                &format!("/me/business/{}/months", w.shared_business),
                &w.imas,
                "month=2027-03&revenue=500000&costs=0",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(
            count(&app.db, "select count(*) from business_month").await,
            2
        );

        // Someone else's business, or none: not found, nothing written.
        for id in [w.euis_business, 999_999] {
            let res = app
                .post(
                    &format!("/me/business/{id}/months"),
                    &w.imas,
                    "month=2027-04&revenue=100&costs=50",
                )
                .await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{id}");
        }
        assert_eq!(
            count(
                &app.db,
                &format!(
                    "select count(*) from business_month where business_id = {}",
                    w.euis_business
                )
            )
            .await,
            0
        );
        // Without the form token nothing happens; nor may an officer use the participant's form.
        let res = app
            .post_raw(
                &path,
                Some(&w.imas.cookie),
                "month=2027-05&revenue=100&costs=50",
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let officer = app.caller("officer", Role::ProgrammeOfficer, "36.04").await;
        let res = app
            .post(&path, &officer, "month=2027-05&revenue=100&costs=50")
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(
            count(&app.db, "select count(*) from business_month").await,
            2
        );
    }
}

#[tokio::test]
async fn bad_amounts_are_refused_with_the_field_named() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let w = world(&app).await;
        let path = format!("/me/business/{}/months", w.imas_business);
        for (form, says) in [
            (
                "month=2027-03&revenue=-50000&costs=0",
                "Pendapatan: jumlah tidak boleh negatif",
            ),
            (
                "month=2027-03&revenue=100&costs=999999999999999999999",
                "Biaya: jumlah melebihi Rp 100 miliar",
            ),
            (
                "month=2027-03&revenue=sejuta&costs=0",
                "Pendapatan: bukan jumlah rupiah",
            ),
            (
                "month=13-2027&revenue=100&costs=0",
                "Bulan: bulan harus berbentuk TTTT-BB",
            ),
            (
                "month=2027-03&revenue=100&costs=%3Cscript%3E",
                "Biaya: bukan jumlah rupiah",
            ),
        ] {
            let res = app.post(&path, &w.imas, form).await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{form}");
            assert!(res.body.contains(says), "{form}: {says}");
            assert!(res.body.contains("aria-invalid=\"true\""), "{form}");
            assert!(!res.body.contains("<script>"), "{form}");
        }
        // In English too.
        let res = app
            .post_raw(
                &path,
                Some(&format!("{}; lang=en", w.imas.cookie)),
                &format!("_csrf={}&month=2027-03&revenue=-1&costs=0", w.imas.csrf),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("Revenue:"), "{}", res.body);
        assert_eq!(
            count(&app.db, "select count(*) from business_month").await,
            0
        );
        assert_eq!(
            count(
                &app.db,
                "select count(*) from audit_log where action = 'business.record_month'"
            )
            .await,
            0
        );
    }
}
