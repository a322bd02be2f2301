//! The pipeline and businesses as the people who use them see them: a trainer marks "trained" but
//! may not mark "financed", skips need a reason, a revert keeps the history, the board and funnel
//! count, a business with KBLI, months and capital, refusals of bad money and unknown codes that
//! name the field and write nothing, a mentor's visit from the phone form, and scope.

use crate::common;

use axum::http::{Method, StatusCode};
use common::{Caller, TestApp, person};
use emas_domain::access::Role;
use emas_store::Db;
use emas_store::pipeline::{test_assign_trainer, test_cohort, test_enrol};
use emas_store::testing::test_databases;

struct World {
    app: TestApp,
    cohort: i64,
    siti: i64,
    ani: i64,
    officer: Caller,
    trainer: Caller,
    mentor: Caller,
    lebak: Caller,
}

async fn world(db: Db) -> World {
    let app = TestApp::new(db).await;
    let cohort = test_cohort(&app.db, app.agency_id, "36.04", "Angkatan Kramatwatu")
        .await
        .expect("cohort");
    let siti = test_enrol(
        &app.db,
        cohort,
        person(&app.db, "Siti Aminah", Some("36.04.01")).await,
    )
    .await
    .expect("enrol");
    let ani = test_enrol(
        &app.db,
        cohort,
        person(&app.db, "Ani Suryani", Some("36.04.02")).await,
    )
    .await
    .expect("enrol");
    let trainer = app.caller("trainer", Role::Trainer, "36.04").await;
    test_assign_trainer(&app.db, cohort, trainer.user_id)
        .await
        .expect("trainer");
    World {
        officer: app.caller("officer", Role::ProgrammeOfficer, "36.04").await,
        trainer,
        mentor: app.caller("mentor", Role::Mentor, "36.04").await,
        lebak: app.caller("lebak", Role::ProgrammeOfficer, "36.02").await,
        app,
        cohort,
        siti,
        ani,
    }
}

async fn stage(w: &World, e: i64) -> String {
    w.app.db.enrolment(e).await.expect("enrolment").stage
}

#[tokio::test]
async fn a_trainer_marks_trained_but_may_not_mark_financed() {
    for db in test_databases().await {
        let w = world(db).await;
        let path = format!("/participants/{}/stage", w.siti);
        let page = w
            .app
            .get(&format!("/participants/{}", w.siti), Some(&w.trainer))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("value=\"assessed\""), "offered");
        assert!(
            !page.body.contains("value=\"financed\""),
            "a trainer is not offered financed"
        );

        let r = w
            .app
            .post(&path, &w.trainer, "from=registered&to=assessed")
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = w
            .app
            .post(&path, &w.trainer, "from=assessed&to=trained")
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(stage(&w, w.siti).await, "trained");

        let r = w
            .app
            .post(&path, &w.trainer, "from=trained&to=financed&reason=KUR+BRI")
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(
            r.body.contains("Peran Anda tidak boleh"),
            "the reason is shown"
        );
        assert_eq!(stage(&w, w.siti).await, "trained", "nothing changed");
        assert_eq!(w.app.db.stage_history(w.siti).await.expect("h").len(), 2);

        // The same through the API: 403 with the key, and nothing changes.
        let api = format!("/api/v1/enrolments/{}/stage", w.siti);
        let r = w
            .app
            .api_send(
                Method::POST,
                &api,
                Some(&w.trainer.api_token),
                r#"{"to":"financed","reason":"x"}"#,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains("stage-refused-role"), "{}", r.body);
        assert_eq!(stage(&w, w.siti).await, "trained");
        let r = w
            .app
            .api_get(
                &format!("/api/v1/enrolments/{}/stages", w.siti),
                Some(&w.trainer.api_token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
        assert_eq!(v["stage"], "trained");
        assert_eq!(v["history"].as_array().map(Vec::len), Some(2));
    }
}

#[tokio::test]
async fn a_skip_needs_a_reason_and_a_revert_keeps_the_history() {
    for db in test_databases().await {
        let w = world(db).await;
        let path = format!("/participants/{}/stage", w.ani);
        let r = w
            .app
            .post(&path, &w.officer, "from=registered&to=trained&reason=")
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("memerlukan alasan"), "{}", r.body);
        assert_eq!(stage(&w, w.ani).await, "registered");

        let r = w
            .app
            .post(
                &path,
                &w.officer,
                "from=registered&to=trained&reason=sudah+ikut+BLK",
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(stage(&w, w.ani).await, "trained");
        // A second officer who still saw "registered" is told the stage changed meanwhile.
        let r = w
            .app
            .post(&path, &w.officer, "from=registered&to=assessed")
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);

        let change = w.app.db.stage_history(w.ani).await.expect("h")[0].id;
        let revert = format!("/stage-changes/{change}/revert");
        let r = w.app.post(&revert, &w.officer, "reason=").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = w.app.post(&revert, &w.officer, "reason=salah+orang").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(stage(&w, w.ani).await, "registered");
        let history = w.app.db.stage_history(w.ani).await.expect("h");
        assert_eq!(history.len(), 2);
        assert!(history[0].reverted_by_change_id.is_some());
        let page = w
            .app
            .get(&format!("/participants/{}", w.ani), Some(&w.officer))
            .await;
        assert!(page.body.contains("salah orang") && page.body.contains("sudah ikut BLK"));
    }
}

#[tokio::test]
async fn the_board_and_funnel_count_the_cohort_within_scope() {
    for db in test_databases().await {
        let w = world(db).await;
        let r = w
            .app
            .post(
                &format!("/participants/{}/stage", w.siti),
                &w.officer,
                "to=trained&reason=BLK",
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let board = w
            .app
            .get(&format!("/pipeline?cohort={}", w.cohort), Some(&w.officer))
            .await;
        assert_eq!(board.status, StatusCode::OK);
        assert!(board.body.contains("Siti Aminah") && board.body.contains("Ani Suryani"));
        assert!(board.body.contains(&format!("/participants/{}", w.siti)));
        assert!(board.body.contains("<svg"), "the funnel chart");
        assert!(!board.body.contains("style="), "no inline styles");
        // The funnel's table: two registered, one reached assessed and trained (the skip).
        assert!(
            board
                .body
                .contains("<td>Terdaftar</td><td class=\"num\">2</td>"),
            "{}",
            board.body
        );
        assert!(
            board
                .body
                .contains("<td>Sudah dilatih</td><td class=\"num\">1</td>")
        );
        assert!(
            board
                .body
                .contains("<td>Mendapat modal</td><td class=\"num\">0</td>")
        );

        let by_region = w
            .app
            .get("/pipeline?region=36.04.02", Some(&w.officer))
            .await;
        assert!(by_region.body.contains("Ani Suryani") && !by_region.body.contains("Siti Aminah"));
        let elsewhere = w
            .app
            .get(&format!("/pipeline?cohort={}", w.cohort), Some(&w.lebak))
            .await;
        assert_eq!(elsewhere.status, StatusCode::OK);
        assert!(!elsewhere.body.contains("Siti Aminah"), "out of scope");
        let bad = w.app.get("/pipeline?region=Serang", Some(&w.officer)).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn a_business_with_kbli_months_and_capital_and_bad_money_refused() {
    for db in test_databases().await {
        let w = world(db).await;
        let e = w.siti;
        let page = format!("/participants/{e}");
        let search = w
            .app
            .get(&format!("/kbli?q=warung&enrolment={e}"), Some(&w.officer))
            .await;
        assert!(
            search.body.contains("56102") && search.body.contains(&format!("{page}?kbli=56102"))
        );
        let chosen = w
            .app
            .get(&format!("{page}?kbli=56102"), Some(&w.officer))
            .await;
        assert!(
            chosen.body.contains("value=\"56102\""),
            "the chosen code fills the form"
        );

        let months = format!("{page}/months");
        let r = w
            .app
            .post(&months, &w.officer, "month=2026-03&revenue=1000&costs=10")
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "no business yet");

        let business = format!("{page}/business");
        let r = w
            .app
            .post(&business, &w.officer, "name=Warung+Bu+Siti&kbli_code=99999")
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.body.contains("Kode KBLI: kode KBLI tidak dikenal"),
            "{}",
            r.body
        );
        assert!(w.app.db.business_of(e).await.expect("q").is_none());
        let r = w
            .app
            .post(
                &business,
                &w.officer,
                "name=Warung+Bu+Siti&kbli_code=56102&place=Kp.+Cibeber&region_code=36.04&started_on=2026-02-01&nib=1234567890123&workers=2",
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        let r = w
            .app
            .post(&months, &w.officer, "month=2026-03&revenue=-5.000&costs=0")
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.body.contains("Pendapatan: jumlah tidak boleh negatif"),
            "{}",
            r.body
        );
        let r = w
            .app
            .post(
                &months,
                &w.officer,
                "month=2026-03&revenue=1000&costs=999.000.000.000.000",
            )
            .await;
        assert!(
            r.body.contains("Biaya: jumlah melebihi Rp 100 miliar"),
            "{}",
            r.body
        );
        let capital = format!("{page}/capital");
        let r = w
            .app
            .post(
                &capital,
                &w.officer,
                "source=kur&lender=BRI&amount=200.000.000.000&received_on=2026-03-05&repayment_status=current",
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("Jumlah: jumlah melebihi Rp 100 miliar"));
        let b = w.app.db.business_of(e).await.expect("q").expect("business");
        assert!(
            w.app.db.business_months(b.id).await.expect("m").is_empty(),
            "nothing written"
        );
        assert!(
            w.app.db.capital_of(b.id).await.expect("c").is_empty(),
            "nothing written"
        );

        let r = w
            .app
            .post(
                &months,
                &w.officer,
                "month=2026-03&revenue=Rp+4.000.000&costs=2.500.000",
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = w
            .app
            .post(
                &capital,
                &w.officer,
                "source=kur&lender=BRI+Unit+Kramatwatu&amount=10.000.000&received_on=2026-03-05&repayment_status=current",
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        // A co-owner: a person of the registry within scope, not one elsewhere.
        let husband = person(&w.app.db, "Dedi Supriadi", Some("36.04.01")).await;
        let far = person(&w.app.db, "Asep", Some("36.02.01")).await;
        let owners = format!("{page}/owners");
        let r = w
            .app
            .post(&owners, &w.officer, &format!("person_id={far}"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = w
            .app
            .post(&owners, &w.officer, &format!("person_id={husband}"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(w.app.db.business_owners(b.id).await.expect("o").len(), 1);
        let shown = w.app.get(&page, Some(&w.officer)).await;
        assert!(shown.body.contains("Rumah/Warung Makan"));
        assert!(shown.body.contains("Dedi Supriadi"));
        assert!(shown.body.contains("Rp 1.500.000"), "the profit");
        assert!(shown.body.contains("BRI Unit Kramatwatu") && shown.body.contains("Rp 10.000.000"));

        // The API: the same checks, naming the field.
        let token = Some(w.officer.api_token.as_str());
        let api_months = format!("/api/v1/businesses/{}/months", b.id);
        for (body, field) in [
            (r#"{"month":"2026-04","revenue":-1,"costs":0}"#, "revenue"),
            (
                r#"{"month":"2026-04","revenue":1,"costs":200000000000}"#,
                "costs",
            ),
            (r#"{"month":"April","revenue":1,"costs":1}"#, "month"),
        ] {
            let r = w.app.api_send(Method::POST, &api_months, token, body).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
            assert_eq!(v["field"], field, "{}", r.body);
        }
        let r = w
            .app
            .api_send(
                Method::POST,
                &api_months,
                token,
                r#"{"month":"2026-04","revenue":3000000,"costs":1000000}"#,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = w
            .app
            .api_send(
                Method::POST,
                &format!("/api/v1/enrolments/{}/business", w.ani),
                token,
                r#"{"name":"Jahit Ani","kbli_code":"00000"}"#,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("\"field\":\"kbli_code\""), "{}", r.body);
        let r = w
            .app
            .api_get(&format!("/api/v1/enrolments/{e}/business"), token)
            .await;
        let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
        assert_eq!(v["months"].as_array().map(Vec::len), Some(2));
        assert_eq!(v["capital"][0]["amount"], 10_000_000);
    }
}

#[tokio::test]
async fn a_mentor_records_a_visit_from_the_phone_form() {
    for db in test_databases().await {
        let w = world(db).await;
        let page = format!("/participants/{}", w.siti);
        let form = w.app.get(&page, Some(&w.mentor)).await;
        assert!(form.body.contains(&format!("action=\"{page}/visits\"")));
        let today = chrono::Utc::now().date_naive();
        let r = w
            .app
            .post(
                &format!("{page}/visits"),
                &w.mentor,
                &format!(
                    "visited_on={today}&topics=Pembukuan+sederhana&problems=Stok+sering+habis&advice=Catat+stok+harian&next_step=Cek+buku+kas"
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = w
            .app
            .post(&format!("{page}/visits"), &w.mentor, "visited_on=&topics=x")
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let shown = w.app.get(&page, Some(&w.officer)).await;
        assert!(
            shown.body.contains("Pembukuan sederhana") && shown.body.contains("Catat stok harian")
        );
        assert_eq!(w.app.db.mentoring_visits(w.siti).await.expect("v").len(), 1);
    }
}

#[tokio::test]
async fn users_out_of_scope_find_no_participant() {
    for db in test_databases().await {
        let w = world(db).await;
        let page = format!("/participants/{}", w.siti);
        assert_eq!(
            w.app.get(&page, Some(&w.lebak)).await.status,
            StatusCode::NOT_FOUND
        );
        let r = w
            .app
            .post(&format!("{page}/stage"), &w.lebak, "to=assessed")
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = w
            .app
            .post(
                &format!("{page}/business"),
                &w.lebak,
                "name=X&kbli_code=56102",
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(stage(&w, w.siti).await, "registered");
        let r = w
            .app
            .api_get(
                &format!("/api/v1/enrolments/{}/stages", w.siti),
                Some(&w.lebak.api_token),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = w
            .app
            .api_send(
                Method::POST,
                &format!("/api/v1/enrolments/{}/stage", w.siti),
                Some(&w.lebak.api_token),
                r#"{"to":"assessed"}"#,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(stage(&w, w.siti).await, "registered");
    }
}

#[tokio::test]
async fn a_banks_officer_marks_financed_and_a_cooperative_offices_the_registered_business() {
    use emas_store::agencies::AgencyKind;
    for db in test_databases().await {
        let w = world(db).await;
        let mut partners = Vec::new();
        for (code, kind) in [
            ("bri-serang", AgencyKind::Bank),
            ("diskop-serang", AgencyKind::CooperativeOffice),
        ] {
            let agency = w.app.agency(code, kind, Some("36.04"), &[]).await;
            let caller = w
                .app
                .caller_at(code, Role::PartnerOfficer, "36.04", agency)
                .await;
            partners.push(caller);
        }
        let (bank, koperasi) = (&partners[0], &partners[1]);
        let path = format!("/participants/{}/stage", w.siti);
        let r = w
            .app
            .post(&path, &w.officer, "to=mentored&reason=sudah+didampingi")
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = w.app.post(&path, bank, "to=business_registered").await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "a bank does not register businesses"
        );
        let r = w.app.post(&path, koperasi, "to=business_registered").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = w.app.post(&path, koperasi, "to=financed").await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "a cooperative office does not finance"
        );
        let r = w.app.post(&path, bank, "to=financed").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(stage(&w, w.siti).await, "financed");
    }
}

#[tokio::test]
async fn a_trainer_of_another_cohort_may_not_move_its_participants() {
    for db in test_databases().await {
        let w = world(db).await;
        let other = w.app.caller("pelatih.lain", Role::Trainer, "36.04").await;
        let page = w
            .app
            .get(&format!("/participants/{}", w.siti), Some(&other))
            .await;
        assert_eq!(page.status, StatusCode::OK, "the participant is in scope");
        assert!(
            !page.body.contains("value=\"assessed\""),
            "no moves are offered to a trainer of another cohort"
        );
        let r = w
            .app
            .post(
                &format!("/participants/{}/stage", w.siti),
                &other,
                "from=registered&to=assessed",
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(
            r.body.contains("Hanya pelatih yang ditugaskan"),
            "{}",
            r.body
        );
        let r = w
            .app
            .api_send(
                Method::POST,
                &format!("/api/v1/enrolments/{}/stage", w.siti),
                Some(&other.api_token),
                r#"{"to":"assessed"}"#,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains("cohort-not-assigned"), "{}", r.body);
        assert_eq!(stage(&w, w.siti).await, "registered", "nothing changed");
        assert!(w.app.db.stage_history(w.siti).await.expect("h").is_empty());
    }
}

/// The API's business of Siti's enrolment, made through the API as the officer.
async fn api_business(w: &World) -> i64 {
    let r = w
        .app
        .api_send(
            Method::POST,
            &format!("/api/v1/enrolments/{}/business", w.siti),
            Some(&w.officer.api_token),
            r#"{"name":"Warung Bu Siti","kbli_code":"56102"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    v["id"].as_i64().expect("business id")
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("JSON: {body}"))
}

/// How many audit lines of `action` were written (writes commit with their change).
async fn audited(w: &World, action: &str) -> usize {
    let filter = emas_store::audit::AuditFilter {
        action: Some(action.to_owned()),
        ..Default::default()
    };
    w.app
        .db
        .audit_log(&filter, 100, 0)
        .await
        .expect("audit")
        .len()
}

#[tokio::test]
async fn the_api_reads_and_records_a_businesss_months_naming_a_bad_amount() {
    for db in test_databases().await {
        let w = world(db).await;
        let b = api_business(&w).await;
        let path = format!("/api/v1/businesses/{b}/months");
        let officer = Some(w.officer.api_token.as_str());
        let r = w
            .app
            .api_send(
                Method::POST,
                &path,
                officer,
                r#"{"month":"2026-03","revenue":4000000,"costs":2500000}"#,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(audited(&w, "business.record_month").await, 1);

        // Bad amounts: negative, absurd, past any integer, a fraction, text, missing.
        for (body, field, message) in [
            (
                r#"{"month":"2026-04","revenue":-1,"costs":0}"#,
                "revenue",
                "Pendapatan: jumlah tidak boleh negatif",
            ),
            (
                r#"{"month":"2026-04","revenue":1,"costs":100000000001}"#,
                "costs",
                "Biaya: jumlah melebihi Rp 100 miliar",
            ),
            (
                r#"{"month":"2026-04","revenue":100000000000000000000,"costs":1}"#,
                "revenue",
                "Pendapatan: jumlah melebihi Rp 100 miliar",
            ),
            (
                r#"{"month":"2026-04","revenue":1.5,"costs":1}"#,
                "revenue",
                "Pendapatan: bukan jumlah rupiah",
            ),
            (
                r#"{"month":"2026-04","revenue":"banyak","costs":1}"#,
                "revenue",
                "Pendapatan: bukan jumlah rupiah",
            ),
            (
                r#"{"month":"2026-04","revenue":1}"#,
                "costs",
                "Biaya: bukan jumlah rupiah",
            ),
            (
                r#"{"month":"2026-13","revenue":1,"costs":1}"#,
                "month",
                "Bulan:",
            ),
        ] {
            let r = w.app.api_send(Method::POST, &path, officer, body).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let v = json(&r.body);
            assert_eq!(v["field"], field, "{body}: {}", r.body);
            assert!(
                v["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with(message)),
                "{body}: {}",
                r.body
            );
        }
        let months = w.app.db.business_months(b).await.expect("months");
        assert_eq!(months.len(), 1, "nothing written by the refusals");
        assert_eq!((months[0].revenue, months[0].costs), (4_000_000, 2_500_000));
        assert_eq!(audited(&w, "business.record_month").await, 1);

        let r = w.app.api_get(&path, officer).await;
        assert_eq!(r.status, StatusCode::OK);
        let v = json(&r.body);
        assert_eq!(v[0]["month"], "2026-03");
        assert_eq!(v[0]["profit"], 1_500_000);

        // A trainer of the cohort reads but may not write; Lebak finds no such business.
        let trainer = Some(w.trainer.api_token.as_str());
        assert_eq!(w.app.api_get(&path, trainer).await.status, StatusCode::OK);
        let body = r#"{"month":"2026-05","revenue":1,"costs":1}"#;
        let r = w.app.api_send(Method::POST, &path, trainer, body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let lebak = Some(w.lebak.api_token.as_str());
        assert_eq!(
            w.app.api_get(&path, lebak).await.status,
            StatusCode::NOT_FOUND
        );
        let r = w.app.api_send(Method::POST, &path, lebak, body).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(w.app.db.business_months(b).await.expect("m").len(), 1);
        assert_eq!(
            w.app
                .api_get("/api/v1/businesses/999999/months", officer)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn the_api_records_capital_refusing_negative_zero_and_absurd_amounts() {
    for db in test_databases().await {
        let w = world(db).await;
        let b = api_business(&w).await;
        let path = format!("/api/v1/businesses/{b}/capital");
        let officer = Some(w.officer.api_token.as_str());
        let kur = |amount: &str| {
            format!(
                r#"{{"source":"kur","lender":"BRI Unit Kramatwatu","amount":{amount},"received_on":"2026-03-05","repayment_status":"current"}}"#
            )
        };
        for (body, field, message) in [
            (kur("-5000000"), "amount", "Jumlah: jumlah tidak boleh negatif"),
            (kur("0"), "amount", "Jumlah: jumlah harus lebih dari nol"),
            (
                kur("100000000001"),
                "amount",
                "Jumlah: jumlah melebihi Rp 100 miliar",
            ),
            (kur("\"10 juta\""), "amount", "Jumlah: bukan jumlah rupiah"),
            (
                r#"{"source":"kur","amount":1000000,"received_on":"2026-03-05","repayment_status":"current"}"#
                    .to_owned(),
                "lender",
                "Bank atau koperasi: sebutkan nama bank atau koperasi",
            ),
            (
                r#"{"source":"hadiah","amount":1000000,"received_on":"2026-03-05","repayment_status":"none"}"#
                    .to_owned(),
                "source",
                "Sumber modal:",
            ),
            (
                r#"{"source":"grant","amount":1000000,"received_on":"2999-01-01","repayment_status":"none"}"#
                    .to_owned(),
                "received_on",
                "Tanggal diterima:",
            ),
            (
                r#"{"source":"grant","amount":1000000,"received_on":"2026-03-05","repayment_status":"lunas"}"#
                    .to_owned(),
                "repayment_status",
                "Status pengembalian:",
            ),
        ] {
            let r = w.app.api_send(Method::POST, &path, officer, &body).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let v = json(&r.body);
            assert_eq!(v["field"], field, "{body}: {}", r.body);
            assert!(
                v["message"].as_str().is_some_and(|m| m.starts_with(message)),
                "{body}: {}",
                r.body
            );
        }
        assert!(w.app.db.capital_of(b).await.expect("c").is_empty());
        assert_eq!(audited(&w, "business.add_capital").await, 0);

        let r = w
            .app
            .api_send(Method::POST, &path, officer, &kur("10000000"))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let made = json(&r.body);
        assert_eq!(made["amount"], 10_000_000);
        assert_eq!(made["lender"], "BRI Unit Kramatwatu");
        assert_eq!(audited(&w, "business.add_capital").await, 1);
        let r = w.app.api_get(&path, officer).await;
        assert_eq!(r.status, StatusCode::OK);
        let v = json(&r.body);
        assert_eq!(v.as_array().map(Vec::len), Some(1));
        assert_eq!(v[0]["id"], made["id"]);
        assert_eq!(v[0]["source"], "kur");
        assert_eq!(v[0]["repayment_status"], "current");

        let trainer = Some(w.trainer.api_token.as_str());
        assert_eq!(w.app.api_get(&path, trainer).await.status, StatusCode::OK);
        let r = w
            .app
            .api_send(Method::POST, &path, trainer, &kur("1000000"))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let lebak = Some(w.lebak.api_token.as_str());
        assert_eq!(
            w.app.api_get(&path, lebak).await.status,
            StatusCode::NOT_FOUND
        );
        let r = w
            .app
            .api_send(Method::POST, &path, lebak, &kur("1000000"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(w.app.db.capital_of(b).await.expect("c").len(), 1);
    }
}

#[tokio::test]
async fn a_mentor_records_a_visit_through_the_api() {
    for db in test_databases().await {
        let w = world(db).await;
        let path = format!("/api/v1/enrolments/{}/visits", w.siti);
        let mentor = Some(w.mentor.api_token.as_str());
        let today = chrono::Utc::now().date_naive();
        for (body, field) in [
            (
                r#"{"visited_on":"2999-01-01","topics":"Pembukuan"}"#.to_owned(),
                "visited_on",
            ),
            (
                r#"{"visited_on":"kemarin","topics":"Pembukuan"}"#.to_owned(),
                "visited_on",
            ),
            (
                format!(r#"{{"visited_on":"{today}","topics":"   "}}"#),
                "topics",
            ),
        ] {
            let r = w.app.api_send(Method::POST, &path, mentor, &body).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(json(&r.body)["field"], field, "{}", r.body);
        }
        assert!(
            w.app
                .db
                .mentoring_visits(w.siti)
                .await
                .expect("v")
                .is_empty()
        );

        let body = format!(
            r#"{{"visited_on":"{today}","topics":"Pembukuan sederhana","problems":"Stok sering habis","advice":"Catat stok harian","next_step":"Cek buku kas"}}"#
        );
        let r = w.app.api_send(Method::POST, &path, mentor, &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let made = json(&r.body);
        assert_eq!(made["mentor_id"], w.mentor.user_id);
        assert_eq!(made["advice"], "Catat stok harian");
        assert_eq!(audited(&w, "enrolment.add_visit").await, 1);
        let r = w
            .app
            .api_get(&path, Some(w.officer.api_token.as_str()))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let v = json(&r.body);
        assert_eq!(v.as_array().map(Vec::len), Some(1));
        assert_eq!(v[0]["topics"], "Pembukuan sederhana");
        assert_eq!(v[0]["problems"], "Stok sering habis");

        let trainer = Some(w.trainer.api_token.as_str());
        assert_eq!(w.app.api_get(&path, trainer).await.status, StatusCode::OK);
        let r = w.app.api_send(Method::POST, &path, trainer, &body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let lebak = Some(w.lebak.api_token.as_str());
        assert_eq!(
            w.app.api_get(&path, lebak).await.status,
            StatusCode::NOT_FOUND
        );
        let r = w.app.api_send(Method::POST, &path, lebak, &body).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(w.app.db.mentoring_visits(w.siti).await.expect("v").len(), 1);
        assert_eq!(audited(&w, "enrolment.add_visit").await, 1);
    }
}
