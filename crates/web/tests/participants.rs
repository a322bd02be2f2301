//! Participants' own accounts: an officer opens one for a person within their scope and is
//! shown a one-time link with its QR code once; the participant sets a password through it
//! (once, before it expires, strong enough) and then sees their own programmes, sessions and
//! referrals, and nothing of anyone else.

mod common;

use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use chrono::Utc;
use common::{Caller, TestApp};
use emas_domain::access::Role;
use emas_domain::person::MigrationStatus;
use emas_store::people::{self, AddressInput, PersonInput};
use emas_store::testing::test_databases;
use emas_store::{Db, now, with_db};

async fn person(db: &Db, name: &str, region: Option<&str>) -> i64 {
    let mut tx = db.begin().await.expect("begin");
    let id = people::create_person(
        &mut tx,
        &PersonInput {
            nik: None,
            nik_mismatch_note: String::new(),
            full_name: name.into(),
            sex: None,
            birth_date: None,
            birth_place: String::new(),
            education: String::new(),
            household_size: None,
            skills: String::new(),
            languages: String::new(),
            status: MigrationStatus::Returned,
            status_since: None,
            address: AddressInput {
                region_code: region.map(str::to_owned),
                region_known: true,
                ..AddressInput::default()
            },
            phones: Vec::new(),
        },
        now(),
    )
    .await
    .expect("person");
    tx.commit().await.expect("commit");
    id
}

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
