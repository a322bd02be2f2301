//! Referrals as officers and partner agencies work them: an officer refers a person within
//! their scope to an agency offering the service; the receiving agency accepts or declines and
//! closes with an outcome; overdue referrals come first on both sides; the API does the same.
//! Every bad input is refused with a clear message and writes nothing.

use crate::common;

use axum::http::{Method, StatusCode};
use chrono::{Days, Utc};
use common::{Caller, TestApp, count, person};
use emas_domain::access::Role;
use emas_domain::referral::Service;
use emas_store::agencies::AgencyKind;
use emas_store::testing::test_databases;
use emas_store::{Db, with_db};

pub struct World {
    pub app: TestApp,
    pub bank: i64,
    pub blk: i64,
    pub person: i64,
    /// A programme officer of the labour office, Kabupaten Serang.
    pub officer: Caller,
    /// Two officers of the bank.
    pub banker: Caller,
    pub banker2: Caller,
}

async fn world(db: Db) -> World {
    let app = TestApp::new(db).await;
    let bank = app
        .agency(
            "bri-serang",
            AgencyKind::Bank,
            Some("36.04"),
            &[Service::Kur],
        )
        .await;
    let blk = app
        .agency(
            "blk-serang",
            AgencyKind::TrainingCentre,
            Some("36.04"),
            &[Service::SkillsTraining],
        )
        .await;
    let person = person(&app.db, "Imas Masitoh", Some("36.04.05")).await;
    let officer = app.caller("officer", Role::ProgrammeOfficer, "36.04").await;
    let banker = app
        .caller_at("banker", Role::PartnerOfficer, "36.04", bank)
        .await;
    let banker2 = app
        .caller_at("banker2", Role::PartnerOfficer, "36.04", bank)
        .await;
    World {
        app,
        bank,
        blk,
        person,
        officer,
        banker,
        banker2,
    }
}

fn in_days(n: u64) -> String {
    (Utc::now().date_naive() + Days::new(n))
        .format("%Y-%m-%d")
        .to_string()
}

/// Refers the world's person to the bank for KUR through the page; returns the referral's id.
async fn refer_to_bank(w: &World, due: &str) -> i64 {
    let res = w
        .app
        .post(
            &format!("/people/{}/refer", w.person),
            &w.officer,
            &format!("offer={}%3Akur&due_on={due}&note=Modal+warung", w.bank),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let loc = res.location().expect("location").to_owned();
    loc.trim_start_matches("/referrals/").parse().expect("id")
}

#[tokio::test]
async fn a_referral_goes_from_the_officer_to_the_bank_and_is_closed_with_its_history() {
    for db in test_databases().await {
        let w = world(db).await;
        let form = w
            .app
            .get(&format!("/people/{}/refer", w.person), Some(&w.officer))
            .await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("bri-serang") && form.body.contains("blk-serang"));
        assert!(form.body.contains(&format!("value=\"{}:kur\"", w.bank)));
        let person_page = w
            .app
            .get(&format!("/people/{}", w.person), Some(&w.officer))
            .await;
        assert!(
            person_page
                .body
                .contains(&format!("/people/{}/refer", w.person))
        );

        let id = refer_to_bank(&w, &in_days(7)).await;
        let inbox = w.app.get("/referrals", Some(&w.banker)).await;
        assert_eq!(inbox.status, StatusCode::OK);
        assert!(inbox.body.contains("Imas Masitoh"), "{}", inbox.body);
        assert!(inbox.body.contains("Rujukan"), "nav link");
        let sent = w.app.get("/referrals", Some(&w.officer)).await;
        assert!(sent.body.contains("Imas Masitoh"));

        let page = w
            .app
            .get(&format!("/referrals/{id}"), Some(&w.banker))
            .await;
        assert!(
            page.body.contains("value=\"accepted\""),
            "the receiver decides"
        );
        let senders = w
            .app
            .get(&format!("/referrals/{id}"), Some(&w.officer))
            .await;
        assert_eq!(senders.status, StatusCode::OK);
        assert!(
            !senders.body.contains("value=\"accepted\""),
            "the sender only watches"
        );

        let path = format!("/referrals/{id}/status");
        let res = w.app.post(&path, &w.banker, "status=accepted").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let res = w.app.post(&path, &w.banker, "status=closed&note=").await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("Tuliskan hasilnya"), "{}", res.body);
        let res = w
            .app
            .post(&path, &w.banker, "status=closed&note=KUR+Rp+10+juta+cair")
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let page = w
            .app
            .get(&format!("/referrals/{id}"), Some(&w.officer))
            .await;
        assert!(page.body.contains("KUR Rp 10 juta cair"));
        for status in ["Terkirim", "Diterima", "Selesai"] {
            assert!(page.body.contains(status), "history has {status}");
        }
        assert_eq!(count(&w.app.db, "referral_event").await, 3);
    }
}

#[tokio::test]
async fn bad_referrals_are_refused_with_a_message_and_write_nothing() {
    for db in test_databases().await {
        let w = world(db).await;
        let path = format!("/people/{}/refer", w.person);
        let cases = [
            // The bank does not train.
            (
                format!("offer={}%3Askills_training&due_on={}", w.bank, in_days(3)),
                "tidak menawarkan",
            ),
            (
                format!("offer={}%3Akur&due_on=2020-01-01", w.bank),
                "sebelum hari ini",
            ),
            (
                format!("offer={}%3Akur&due_on=besok", w.bank),
                "tanggal yang benar",
            ),
            (format!("offer=abc&due_on={}", in_days(3)), "Pilih lembaga"),
            (
                format!("offer={}%3Akredit&due_on={}", w.blk, in_days(3)),
                "Pilih lembaga",
            ),
            (
                format!("offer=999999%3Akur&due_on={}", in_days(3)),
                "tidak menawarkan",
            ),
            (
                format!("offer={}%3Akur&due_on={}", w.bank, in_days(3000)),
                "dua tahun",
            ),
            (
                format!(
                    "offer={}%3Akur&due_on={}&note={}",
                    w.bank,
                    in_days(3),
                    "x".repeat(2100)
                ),
                "terlalu panjang",
            ),
            (
                format!(
                    "offer={}%3Akur&due_on={}&enrolment_id=42",
                    w.bank,
                    in_days(3)
                ),
                "keikutsertaan",
            ),
        ];
        for (form, message) in cases {
            let res = w.app.post(&path, &w.officer, &form).await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{form}");
            assert!(res.body.contains(message), "{form}: {message}");
        }
        // Referring to one's own agency is no referral.
        let own = w.app.agency_id;
        with_db!(w.app.db, p => sqlx::query("insert into agency_service (agency_id, service) values ($1, 'counselling')")
            .bind(own).execute(p).await.map(|r| r.rows_affected()))
        .expect("service");
        let res = w
            .app
            .post(
                &path,
                &w.officer,
                &format!("offer={own}%3Acounselling&due_on={}", in_days(3)),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("lembaga lain"));
        assert_eq!(count(&w.app.db, "referral").await, 0);
        assert_eq!(count(&w.app.db, "referral_event").await, 0);
    }
}

#[tokio::test]
async fn only_the_receiving_agency_decides_once_and_others_see_nothing() {
    for db in test_databases().await {
        let w = world(db).await;
        let id = refer_to_bank(&w, &in_days(7)).await;
        let path = format!("/referrals/{id}/status");
        // The sender cannot accept its own referral.
        let res = w.app.post(&path, &w.officer, "status=accepted").await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        // A training centre's officer sees nothing of it.
        let trainer = w
            .app
            .caller_at("blk", Role::PartnerOfficer, "36.04", w.blk)
            .await;
        assert_eq!(
            w.app
                .get(&format!("/referrals/{id}"), Some(&trainer))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            w.app.post(&path, &trainer, "status=accepted").await.status,
            StatusCode::NOT_FOUND
        );
        assert!(
            !w.app
                .get("/referrals", Some(&trainer))
                .await
                .body
                .contains("Imas Masitoh")
        );
        // An officer of another regency cannot refer or see the person.
        let lebak = w
            .app
            .caller("officer.lebak", Role::ProgrammeOfficer, "36.02")
            .await;
        assert_eq!(
            w.app
                .get(&format!("/people/{}/refer", w.person), Some(&lebak))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let res = w
            .app
            .post(
                &format!("/people/{}/refer", w.person),
                &lebak,
                &format!("offer={}%3Akur&due_on={}", w.bank, in_days(3)),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        // A registrar may see people but not refer them; a trainer may not handle referrals.
        let registrar = w.app.caller("registrar", Role::Registrar, "36.04").await;
        assert_eq!(
            w.app
                .get(&format!("/people/{}/refer", w.person), Some(&registrar))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // Nonsense status.
        let res = w.app.post(&path, &w.banker, "status=approved").await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("tidak dikenal"));
        // Two bank officers decide at once: the second gets a clear conflict.
        let first = w
            .app
            .post(&path, &w.banker, "status=declined&note=Kuota+habis")
            .await;
        assert_eq!(first.status, StatusCode::SEE_OTHER);
        let second = w.app.post(&path, &w.banker2, "status=accepted").await;
        assert_eq!(second.status, StatusCode::CONFLICT);
        assert!(
            second.body.contains("sudah diputuskan orang lain"),
            "{}",
            second.body
        );
        assert!(
            second.body.contains("Ditolak"),
            "the current status is shown"
        );
        assert_eq!(
            count(&w.app.db, "referral_event").await,
            2,
            "sent and declined"
        );
        // Closing a declined referral is refused too.
        assert_eq!(
            w.app
                .post(&path, &w.banker, "status=closed&note=x")
                .await
                .status,
            StatusCode::CONFLICT
        );
    }
}

#[tokio::test]
async fn overdue_referrals_come_first_for_both_sides() {
    for db in test_databases().await {
        let w = world(db).await;
        let later = refer_to_bank(&w, &in_days(30)).await;
        let late = refer_to_bank(&w, &in_days(1)).await;
        with_db!(w.app.db, p => sqlx::query("update referral set due_on = $1 where id = $2")
            .bind(Utc::now().date_naive() - Days::new(3)).bind(late).execute(p).await.map(|r| r.rows_affected()))
        .expect("backdate");
        for caller in [&w.banker, &w.officer] {
            let page = w.app.get("/referrals", Some(caller)).await;
            let overdue = page
                .body
                .find("id=\"overdue-h\"")
                .expect("an overdue section");
            let inbox = page.body.find("id=\"inbox-h\"").expect("inbox");
            assert!(overdue < inbox, "overdue listed first");
            assert!(page.body.contains("class=\"overdue\""));
            let first_late = page
                .body
                .find(&format!("/referrals/{late}\""))
                .expect("late");
            let first_later = page
                .body
                .find(&format!("/referrals/{later}\""))
                .expect("later");
            assert!(first_late < first_later);
        }
        let api = w
            .app
            .api_get("/api/v1/referrals?box=overdue", Some(&w.officer.api_token))
            .await;
        let rows: serde_json::Value = serde_json::from_str(&api.body).expect("json");
        assert_eq!(rows.as_array().map(Vec::len), Some(1));
        assert_eq!(rows[0]["id"], late);
        assert_eq!(rows[0]["overdue"], true);
    }
}

#[tokio::test]
async fn the_api_refers_lists_and_decides_with_the_same_rules() {
    for db in test_databases().await {
        let w = world(db).await;
        let body = format!(
            r#"{{"person_id": {}, "to_agency_id": {}, "service": "kur", "due_on": "{}", "note": "Modal"}}"#,
            w.person,
            w.bank,
            in_days(5)
        );
        let res = w
            .app
            .api_send(
                Method::POST,
                "/api/v1/referrals",
                Some(&w.officer.api_token),
                &body,
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let created: serde_json::Value = serde_json::from_str(&res.body).expect("json");
        let id = created["id"].as_i64().expect("id");
        assert_eq!(created["status"], "sent");

        let bad = format!(
            r#"{{"person_id": {}, "to_agency_id": {}, "service": "skills_training", "due_on": "2020-01-01"}}"#,
            w.person, w.bank
        );
        let res = w
            .app
            .api_send(
                Method::POST,
                "/api/v1/referrals",
                Some(&w.officer.api_token),
                &bad,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let errors: serde_json::Value = serde_json::from_str(&res.body).expect("json");
        assert!(errors["fields"]["due_on"].is_string(), "{}", res.body);
        let res = w
            .app
            .api_send(Method::POST, "/api/v1/referrals", Some(&w.officer.api_token),
                &format!(r#"{{"person_id": {}, "to_agency_id": {}, "service": "skills_training", "due_on": "{}"}}"#, w.person, w.bank, in_days(2)))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("\"offer\""));
        assert_eq!(count(&w.app.db, "referral").await, 1);

        let inbox = w
            .app
            .api_get("/api/v1/referrals", Some(&w.banker.api_token))
            .await;
        assert!(inbox.body.contains("Imas Masitoh"));
        let sent = w
            .app
            .api_get("/api/v1/referrals?box=sent", Some(&w.banker.api_token))
            .await;
        assert_eq!(sent.body, "[]");
        assert_eq!(
            w.app
                .api_get("/api/v1/referrals?box=other", Some(&w.banker.api_token))
                .await
                .status,
            StatusCode::BAD_REQUEST
        );

        let path = format!("/api/v1/referrals/{id}/status");
        let res = w
            .app
            .api_send(
                Method::POST,
                &path,
                Some(&w.officer.api_token),
                r#"{"status": "accepted"}"#,
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = w
            .app
            .api_send(
                Method::POST,
                &path,
                Some(&w.banker.api_token),
                r#"{"status": "accepted"}"#,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.body.contains("\"accepted\""));
        let res = w
            .app
            .api_send(
                Method::POST,
                &path,
                Some(&w.banker2.api_token),
                r#"{"status": "declined"}"#,
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert!(res.body.contains("referral-conflict"));
    }
}

#[tokio::test]
async fn admins_set_the_services_an_agency_offers() {
    for db in test_databases().await {
        let w = world(db).await;
        let admin = w.app.caller("admin", Role::Admin, "national").await;
        let path = format!("/admin/agencies/{}/services", w.blk);
        let page = w.app.get(&path, Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("value=\"skills_training\" checked"));
        let res = w
            .app
            .post(&path, &admin, "service=skills_training&service=counselling")
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(
            w.app.db.agency_services(w.blk).await.expect("s"),
            vec![Service::Counselling, Service::SkillsTraining]
        );
        let res = w.app.post(&path, &admin, "service=kredit").await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            w.app.db.agency_services(w.blk).await.expect("s").len(),
            2,
            "nothing half-written"
        );
        assert_eq!(
            w.app.get(&path, Some(&w.officer)).await.status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn the_refer_form_offers_only_agencies_serving_the_persons_region() {
    for db in test_databases().await {
        let w = world(db).await;
        // Imas lives in Kabupaten Serang (36.04): Lebak's bank does not serve her, the
        // province's bank and a national one do.
        let lebak = w
            .app
            .agency(
                "bri-lebak",
                AgencyKind::Bank,
                Some("36.02"),
                &[Service::Kur],
            )
            .await;
        let banten = w
            .app
            .agency("bjb-banten", AgencyKind::Bank, Some("36"), &[Service::Kur])
            .await;
        let national = w
            .app
            .agency("pnm-pusat", AgencyKind::Bank, None, &[Service::Kur])
            .await;
        let path = format!("/people/{}/refer", w.person);
        let form = w.app.get(&path, Some(&w.officer)).await;
        assert_eq!(form.status, StatusCode::OK);
        let offered = |agency: i64, service: &str| format!("value=\"{agency}:{service}\"");
        for (agency, service) in [
            (w.bank, "kur"),
            (w.blk, "skills_training"),
            (banten, "kur"),
            (national, "kur"),
        ] {
            assert!(
                form.body.contains(&offered(agency, service)),
                "{agency}:{service} offered"
            );
        }
        assert!(
            !form.body.contains(&offered(lebak, "kur")) && !form.body.contains("bri-lebak"),
            "Lebak's bank is not offered"
        );

        // Sent anyway (an old form, a crafted request): refused with the message, nothing written.
        let res = w
            .app
            .post(
                &path,
                &w.officer,
                &format!("offer={lebak}%3Akur&due_on={}&note=Modal", in_days(3)),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(
            res.body
                .contains("Lembaga itu tidak melayani wilayah tempat tinggal orang ini"),
            "{}",
            res.body
        );
        assert!(
            !res.body.contains(&offered(lebak, "kur")),
            "the form shown again still offers only agencies serving her"
        );
        assert_eq!(count(&w.app.db, "referral").await, 0);
        assert_eq!(count(&w.app.db, "referral_event").await, 0);
        let sent = emas_store::audit::AuditFilter {
            action: Some("referral.send".into()),
            ..Default::default()
        };
        assert!(
            w.app
                .db
                .audit_log(&sent, 10, 0)
                .await
                .expect("audit")
                .is_empty()
        );

        // The province's bank serves her.
        let res = w
            .app
            .post(
                &path,
                &w.officer,
                &format!("offer={banten}%3Akur&due_on={}", in_days(3)),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(count(&w.app.db, "referral").await, 1);
    }
}
