//! Surveys on the web: an officer sees the due list of their region, takes a survey through the
//! form (refused answers shown beside their questions, nothing written), and sees the scores; a
//! participant answers their own and no one else's; an admin keeps the UMK table and index
//! configurations (weights that do not add up are refused before saving); and the API does the
//! same with JSON.

use crate::common;

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use common::{TestApp, count, person};
use emas_domain::access::Role;
use emas_domain::emas_index::DEFAULT_CONFIG;
use emas_store::pipeline::test_cohort;
use emas_store::surveys::test_enrol_on;
use emas_store::testing::test_databases;
use emas_store::with_db;

use common::{answers, form};

/// A participant of Kabupaten Lebak, enrolled seven months ago: baseline and m6 are open.
async fn participant(app: &TestApp, name: &str) -> (i64, i64) {
    let p = person(&app.db, name, Some("36.02.01")).await;
    let cohort = test_cohort(&app.db, app.agency_id, "36.02", &format!("Lebak {name}"))
        .await
        .expect("cohort");
    let e = test_enrol_on(&app.db, cohort, p, Utc::now() - Duration::days(214))
        .await
        .expect("enrol");
    (p, e)
}

fn today() -> String {
    Utc::now().date_naive().format("%d-%m-%Y").to_string()
}

#[tokio::test]
async fn an_officer_takes_a_survey_with_every_bad_answer_named_beside_its_question() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let officer = app.caller("officer", Role::ProgrammeOfficer, "36.02").await;
        let elsewhere = app.caller("other", Role::ProgrammeOfficer, "36.04").await;
        let (_, e) = participant(&app, "Siti Aminah").await;

        let due = app.get("/surveys/due", Some(&officer)).await;
        assert_eq!(due.status, StatusCode::OK);
        assert!(due.body.contains("Siti Aminah"));
        assert!(due.body.contains(&format!("/participants/{e}/surveys/m6")));
        let none = app.get("/surveys/due", Some(&elsewhere)).await;
        assert!(!none.body.contains("Siti Aminah"));
        assert_eq!(
            app.get(&format!("/participants/{e}/surveys"), Some(&elsewhere))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        let page = app
            .get(
                &format!("/participants/{e}/surveys/baseline"),
                Some(&officer),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Pendapatan rumah tangga"));

        let mut bad = answers();
        bad.insert("income_abroad_share".into(), "140".into());
        bad.insert("jkn".into(), "mungkin".into());
        bad.remove("savings");
        let res = app
            .post(
                &format!("/participants/{e}/surveys/baseline"),
                &officer,
                &form(&bad, &today()),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("harus antara 0 dan 100"), "{}", res.body);
        assert!(res.body.contains("id=\"income_abroad_share-err\""));
        assert!(res.body.contains("id=\"jkn-err\""));
        assert!(res.body.contains("id=\"savings-err\""));
        assert!(res.body.contains("value=\"140\""), "what was typed stays");
        assert_eq!(count(&app.db, "survey_response").await, 0);

        let future = (Utc::now() + Duration::days(3))
            .date_naive()
            .format("%d-%m-%Y")
            .to_string();
        let res = app
            .post(
                &format!("/participants/{e}/surveys/baseline"),
                &officer,
                &form(&answers(), &future),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("masa depan"));
        // A refused date and refused answers are shown together.
        let res = app
            .post(
                &format!("/participants/{e}/surveys/baseline"),
                &officer,
                &form(&bad, &future),
            )
            .await;
        assert!(res.body.contains("masa depan") && res.body.contains("id=\"jkn-err\""));
        let res = app
            .post(
                &format!("/participants/{e}/surveys/m12"),
                &officer,
                &form(&answers(), &today()),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "m12 is months away");
        assert_eq!(count(&app.db, "survey_response").await, 0);

        let res = app
            .post(
                &format!("/participants/{e}/surveys/baseline"),
                &officer,
                &form(&answers(), &today()),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let again = app
            .post(
                &format!("/participants/{e}/surveys/baseline"),
                &officer,
                &form(&answers(), &today()),
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        let list = app
            .get(&format!("/participants/{e}/surveys"), Some(&officer))
            .await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("0.70"), "Aman of the worked example");
        let shown = app
            .get(
                &format!("/participants/{e}/surveys/baseline"),
                Some(&officer),
            )
            .await;
        assert!(shown.body.contains("Rp 2.400.000"));
        assert!(shown.body.contains("emas-index-v1"));
        assert_eq!(
            app.get(&format!("/participants/{e}/surveys/m3"), Some(&officer))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn a_participant_answers_their_own_survey_and_no_one_elses() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let (imas, own) = participant(&app, "Imas").await;
        let (_, other) = participant(&app, "Euis").await;
        let me = app.caller("peserta.imas", Role::Participant, "36.02").await;
        with_db!(app.db, p => sqlx::query("update app_user set person_id = $1 where id = $2")
            .bind(imas).bind(me.user_id).execute(p).await.map(|r| r.rows_affected()))
        .expect("link the account");

        let page = app.get("/me/surveys", Some(&me)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&format!("/me/surveys/{own}/baseline")));
        assert!(!page.body.contains(&format!("/me/surveys/{other}/")));
        let res = app
            .post(
                &format!("/me/surveys/{other}/baseline"),
                &me,
                &form(&answers(), &today()),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert_eq!(count(&app.db, "survey_response").await, 0);
        let res = app
            .post(
                &format!("/me/surveys/{own}/baseline"),
                &me,
                &form(&answers(), &today()),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let (self_reported,): (bool,) = with_db!(app.db, p => sqlx::query_as(
            "select self_reported from survey_response where enrolment_id = $1")
            .bind(own).fetch_one(p).await)
        .expect("stored");
        assert!(self_reported);
    }
}

#[tokio::test]
async fn an_admin_keeps_the_umk_table_and_index_configurations() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let admin = app.caller("admin", Role::Admin, "national").await;
        let page = app.get("/admin/umk", Some(&admin)).await;
        assert!(page.body.contains("36.72") && page.body.contains("Rp 5.128.084"));
        let res = app
            .post(
                "/admin/umk",
                &admin,
                "region_code=36&year=2026&amount=3000000&source=SK",
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("kode kabupaten/kota"));
        let res = app
            .post(
                "/admin/umk",
                &admin,
                "region_code=36.02&year=2026&amount=Rp+3.380.000&source=Kepgub+2026",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(
            app.get("/admin/umk", Some(&admin))
                .await
                .body
                .contains("Rp 3.380.000")
        );

        let bad = DEFAULT_CONFIG
            .replace("emas-index-v1", "emas-index-v2")
            .replace("incidents = 40", "incidents = 45");
        let res = app
            .post(
                "/admin/index",
                &admin,
                &format!("body={}", urlencoding::encode(&bad)),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(
            res.body.contains("tepat 100") && res.body.contains("aman = 105"),
            "{}",
            res.body
        );
        assert_eq!(count(&app.db, "index_config").await, 0, "nothing saved");
        let good = DEFAULT_CONFIG.replace("emas-index-v1", "emas-index-v2");
        let res = app
            .post(
                "/admin/index",
                &admin,
                &format!("body={}", urlencoding::encode(&good)),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let page = app.get("/admin/index", Some(&admin)).await;
        assert!(page.body.contains("emas-index-v2"));
        // A regency's admin sets its own UMK only, and no index configuration.
        let lebak = app.caller("admin.lebak", Role::Admin, "36.02").await;
        let res = app
            .post(
                "/admin/umk",
                &lebak,
                "region_code=36.04&year=2026&amount=5000000&source=SK",
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post(
                "/admin/umk",
                &lebak,
                "region_code=36.02&year=2027&amount=3500000&source=SK",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let v3 = DEFAULT_CONFIG.replace("emas-index-v1", "emas-index-v3");
        let res = app
            .post(
                "/admin/index",
                &lebak,
                &format!("body={}", urlencoding::encode(&v3)),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(
            count(&app.db, "index_config").await,
            2,
            "v1 (shipped) and v2"
        );
    }
}

#[tokio::test]
async fn the_api_records_and_lists_surveys_naming_refused_questions() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let officer = app.caller("officer", Role::ProgrammeOfficer, "36.02").await;
        let (_, e) = participant(&app, "Nur").await;
        let body = |a: &BTreeMap<String, String>, wave: &str| {
            serde_json::json!({
                "wave": wave,
                "taken_on": Utc::now().date_naive().to_string(),
                "answers": a,
            })
            .to_string()
        };
        let path = format!("/api/v1/enrolments/{e}/surveys");
        let mut bad = answers();
        bad.insert("who5_calm".into(), "9".into());
        let res = app
            .api_send(
                Method::POST,
                &path,
                Some(&officer.api_token),
                &body(&bad, "baseline"),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let v: serde_json::Value = serde_json::from_str(&res.body).expect("json");
        assert_eq!(v["answers"][0]["question"], "who5_calm");
        assert_eq!(v["answers"][0]["error"], "survey-error-out-of-range");
        let res = app
            .api_send(
                Method::POST,
                &path,
                Some(&officer.api_token),
                &body(&answers(), "m9"),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let missing = format!("/api/v1/enrolments/{}/surveys", e + 999);
        let res = app
            .api_send(
                Method::POST,
                &missing,
                Some(&officer.api_token),
                &body(&answers(), "m6"),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert_eq!(count(&app.db, "survey_response").await, 0);

        let res = app
            .api_send(
                Method::POST,
                &path,
                Some(&officer.api_token),
                &body(&answers(), "baseline"),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let v: serde_json::Value = serde_json::from_str(&res.body).expect("json");
        assert_eq!(v["scores"][0]["config_version"], "emas-index-v1");
        assert_eq!(v["answers"]["household_income"], "2400000");
        let res = app
            .api_send(
                Method::POST,
                &path,
                Some(&officer.api_token),
                &body(&answers(), "baseline"),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        let list = app.api_get(&path, Some(&officer.api_token)).await;
        assert_eq!(list.status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&list.body).expect("json");
        assert_eq!(v.as_array().map(Vec::len), Some(1));
    }
}
