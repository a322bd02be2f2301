//! Stories of the pages: signing in and out, passwords, accounts, agencies and the audit log, and
//! what bad input gets.

use crate::common;

use axum::body::Body;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE, SET_COOKIE};
use axum::http::{Request, StatusCode};
use common::{PASSWORD, TestApp};
use emas_domain::access::Role;
use emas_store::audit::AuditFilter;
use emas_store::testing::test_databases;
use emas_web::Config;

fn session_cookie(res: &common::Response) -> Option<String> {
    res.headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("emas_session=") && !c.starts_with("emas_session=;"))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}

#[tokio::test]
async fn a_registrar_signs_in_sees_home_and_signs_out() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        app.caller("siti", Role::Registrar, "36.04").await;
        let (pre, token) = app.anonymous_form_token().await;
        let res = app
            .post_raw(
                "/sign-in",
                Some(&pre),
                &format!(
                    "_csrf={token}&username=Siti&password={}",
                    PASSWORD.replace(' ', "+")
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), Some("/"));
        let set = res
            .headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap_or("").to_owned())
            .collect::<Vec<_>>();
        let cookie_line = set
            .iter()
            .find(|c| c.starts_with("emas_session="))
            .expect("a session cookie");
        assert!(cookie_line.contains("HttpOnly") && cookie_line.contains("SameSite=Lax"));
        assert!(!cookie_line.contains("Secure"), "plain HTTP in tests");
        let cookie = session_cookie(&res).expect("cookie");

        let home = app
            .get(
                "/",
                Some(&common::Caller {
                    cookie: cookie.clone(),
                    ..app.caller("other", Role::Mentor, "36").await
                }),
            )
            .await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("Selamat datang, siti"), "{}", home.body);
        assert!(home.body.contains("Kabupaten Serang"));
        let lines = app
            .db
            .audit_log(
                &AuditFilter {
                    action: Some("session.sign_in".into()),
                    ..Default::default()
                },
                10,
                0,
            )
            .await
            .expect("log");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].actor, "siti");
    }
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_then_the_name_is_locked() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        app.caller("siti", Role::Registrar, "36.04").await;
        let (pre, token) = app.anonymous_form_token().await;
        for _ in 0..5 {
            let res = app
                .post_raw(
                    "/sign-in",
                    Some(&pre),
                    &format!("_csrf={token}&username=siti&password=salah+sekali"),
                )
                .await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST);
            assert!(res.body.contains("Nama pengguna atau kata sandi salah"));
            assert!(session_cookie(&res).is_none());
        }
        let right = format!(
            "_csrf={token}&username=siti&password={}",
            PASSWORD.replace(' ', "+")
        );
        let res = app.post_raw("/sign-in", Some(&pre), &right).await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "locked even with the right password"
        );
        assert!(res.body.contains("Terlalu banyak percobaan gagal"));
        assert!(session_cookie(&res).is_none());
    }
}

#[tokio::test]
async fn a_form_without_the_right_csrf_token_is_refused_and_writes_nothing() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let admin = app.caller("admin", Role::Admin, "national").await;
        let before = app.db.audit_count().await.expect("count");
        let form = format!(
            "_csrf=forged&username=baru&display_name=Baru&role=registrar&scope=36&agency_id={}",
            app.agency_id
        );
        let res = app
            .post_raw("/admin/users", Some(&admin.cookie), &form)
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(res.body.contains("Formulir kedaluwarsa"));
        let res = app
            .post_raw(
                "/admin/users",
                Some(&admin.cookie),
                &form.replace("_csrf=forged&", ""),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "a missing token too");
        assert_eq!(app.db.users().await.expect("users").len(), 1);
        assert_eq!(app.db.audit_count().await.expect("count"), before);
    }
}

#[tokio::test]
async fn a_malformed_account_form_comes_back_with_each_error_beside_its_field() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let admin = app.caller("admin", Role::Admin, "national").await;
        let res = app
            .post(
                "/admin/users",
                &admin,
                "username=A!&display_name=&role=king&scope=36.99&agency_id=abc",
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        for id in [
            "username-err",
            "display_name-err",
            "role-err",
            "scope-err",
            "agency-err",
        ] {
            assert!(res.body.contains(&format!("id=\"{id}\"")), "{id} shown");
        }
        assert!(res.body.contains("value=\"A!\""), "the input is kept");
        let hostile = app
            .post(
                "/admin/users",
                &admin,
                "username=%3Cscript%3E&display_name=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            )
            .await;
        assert_eq!(hostile.status, StatusCode::BAD_REQUEST);
        assert!(
            !hostile.body.contains("<script>alert(1)"),
            "input is escaped"
        );
        let garbage = app
            .post_raw(
                "/admin/users",
                Some(&admin.cookie),
                &format!("_csrf={}&active=%ZZ", admin.csrf),
            )
            .await;
        assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            app.db.users().await.expect("users").len(),
            1,
            "nothing written"
        );
    }
}

#[tokio::test]
async fn an_admin_creates_an_account_whose_holder_must_choose_a_password() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let admin = app.caller("admin", Role::Admin, "national").await;
        let res = app
            .post("/admin/users", &admin, &format!("username=registrar.lebak&display_name=Euis&role=registrar&scope=36.02&agency_id={}", app.agency_id))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let start = res.body.find("class=\"secret\">").expect("password shown") + 15;
        let password = &res.body[start..start + 19];
        let user = app
            .db
            .verify_credentials("registrar.lebak", password)
            .await
            .expect("q")
            .expect("signs in");
        assert!(user.must_change_password);
        let again = app
            .post("/admin/users", &admin, &format!("username=registrar.lebak&display_name=Euis&role=registrar&scope=36.02&agency_id={}", app.agency_id))
            .await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);
        assert!(again.body.contains("Nama pengguna ini sudah dipakai"));

        // Signed in with the one-time password, every page leads to the password form.
        let (pre, token) = app.anonymous_form_token().await;
        let res = app
            .post_raw(
                "/sign-in",
                Some(&pre),
                &format!("_csrf={token}&username=registrar.lebak&password={password}"),
            )
            .await;
        assert_eq!(res.location(), Some("/account/password"));
        let cookie = session_cookie(&res).expect("session");
        let req = Request::builder()
            .uri("/regions")
            .header(COOKIE, &cookie)
            .body(Body::empty())
            .expect("req");
        assert_eq!(app.send(req).await.location(), Some("/account/password"));
    }
}

#[tokio::test]
async fn deactivating_an_account_ends_its_sessions_at_once() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let admin = app.caller("admin", Role::Admin, "national").await;
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        assert_eq!(
            app.get("/regions", Some(&registrar)).await.status,
            StatusCode::OK
        );
        let res = app
            .post(
                &format!("/admin/users/{}/active", registrar.user_id),
                &admin,
                "active=false",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get("/regions", Some(&registrar)).await.location(),
            Some("/sign-in")
        );
        assert_eq!(
            app.api_get("/api/v1/me", Some(&registrar.api_token))
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        let lines = app
            .db
            .audit_log(
                &AuditFilter {
                    action: Some("user.deactivate".into()),
                    ..Default::default()
                },
                10,
                0,
            )
            .await
            .expect("log");
        assert_eq!(lines[0].entity_id, registrar.user_id.to_string());
    }
}

#[tokio::test]
async fn changing_a_password_checks_every_field() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let me = app.caller("siti", Role::Registrar, "36.04").await;
        let res = app
            .post(
                "/account/password",
                &me,
                "current=salah&new=pendek&confirm=lain",
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        for id in ["current-err", "new-err", "confirm-err"] {
            assert!(res.body.contains(&format!("id=\"{id}\"")), "{id}");
        }
        let ok = format!(
            "current={}&new=kalimat+baru+yang+panjang&confirm=kalimat+baru+yang+panjang",
            PASSWORD.replace(' ', "+")
        );
        let res = app.post("/account/password", &me, &ok).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(
            app.db
                .verify_credentials("siti", "kalimat baru yang panjang")
                .await
                .expect("q")
                .is_some()
        );
    }
}

#[tokio::test]
async fn agencies_are_validated_and_created() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let admin = app.caller("admin", Role::Admin, "national").await;
        let res = app
            .post(
                "/admin/agencies",
                &admin,
                "code=Bad+Code&name=&kind=palace&region_code=99.99",
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        for id in ["code-err", "name-err", "kind-err", "region-err"] {
            assert!(res.body.contains(&format!("id=\"{id}\"")), "{id}");
        }
        let res = app
            .post(
                "/admin/agencies",
                &admin,
                "code=blk-lebak&name=BLK+Lebak&kind=training_centre&region_code=36.02",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let again = app
            .post(
                "/admin/agencies",
                &admin,
                "code=blk-lebak&name=BLK+Lebak&kind=training_centre&region_code=36.02",
            )
            .await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);
        let list = app.get("/admin/agencies", Some(&admin)).await;
        assert!(list.body.contains("BLK Lebak") && list.body.contains("Kabupaten Lebak"));
    }
}

#[tokio::test]
async fn the_audit_log_can_be_filtered_and_bad_dates_are_explained() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let admin = app.caller("admin", Role::Admin, "national").await;
        app.post(
            "/admin/agencies",
            &admin,
            "code=blk-lebak&name=BLK+Lebak&kind=training_centre&region_code=36.02",
        )
        .await;
        let res = app
            .get("/admin/audit?action=agency.create", Some(&admin))
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("agency.create"));
        let res = app.get("/admin/audit?from=kemarin", Some(&admin)).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("Tanggal tidak valid"));
        let res = app
            .get("/admin/audit?page=-5&actor=%00", Some(&admin))
            .await;
        assert_eq!(res.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn unknown_pages_get_a_translated_404_and_every_response_its_security_headers() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let res = app.get("/tidak-ada", None).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert!(res.body.contains("Tidak ditemukan"));
        let req = Request::builder()
            .uri("/tidak-ada")
            .header(ACCEPT_LANGUAGE, "en-US,en;q=0.9")
            .body(Body::empty())
            .expect("req");
        let res = app.send(req).await;
        assert!(res.body.contains("Not found") && res.body.contains("lang=\"en\""));
        for path in [
            "/",
            "/sign-in",
            "/healthz",
            "/tidak-ada",
            "/static/0.1.0/emas.css",
            "/api/v1/openapi.json",
        ] {
            let res = app.get(path, None).await;
            let csp = res
                .headers
                .get("content-security-policy")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            assert!(
                csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
                "{path}"
            );
            assert!(!csp.contains("unsafe-inline"), "{path}");
            assert_eq!(
                res.headers
                    .get("x-content-type-options")
                    .map(|v| v.as_bytes()),
                Some(&b"nosniff"[..]),
                "{path}"
            );
            assert!(res.headers.contains_key("referrer-policy"), "{path}");
            assert!(res.headers.contains_key("x-request-id"), "{path}");
        }
    }
}

#[tokio::test]
async fn oversized_bodies_get_413_and_change_nothing() {
    for db in test_databases().await {
        let config = Config {
            body_limit: 4096,
            ..Config::default()
        };
        let app = TestApp::with_config(db, config).await;
        let admin = app.caller("admin", Role::Admin, "national").await;
        let huge = format!("code=x&name={}", "a".repeat(10_000));
        let res = app.post("/admin/agencies", &admin, &huge).await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(res.body.contains("terlalu besar"));
        assert_eq!(app.db.agencies().await.expect("list").len(), 1);
    }
}

#[tokio::test]
async fn the_language_switch_remembers_english() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let (pre, token) = app.anonymous_form_token().await;
        let req = Request::builder()
            .method("POST")
            .uri("/lang")
            .header("content-type", "application/x-www-form-urlencoded")
            .header(COOKIE, &pre)
            .header("referer", "http://evil.example//elsewhere")
            .body(Body::from(format!("_csrf={token}&lang=en")))
            .expect("req");
        let res = app.send(req).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), Some("/"), "never redirected off the site");
        let req = Request::builder()
            .uri("/sign-in")
            .header(COOKIE, format!("{pre}; lang=en"))
            .body(Body::empty())
            .expect("req");
        let page = app.send(req).await;
        assert!(page.body.contains("Sign in") && page.body.contains("lang=\"en\""));
    }
}

#[tokio::test]
async fn demo_mode_shows_the_demo_accounts_and_loads_only_once() {
    for db in test_databases().await {
        let outcome = emas_store::demo::load(&db, emas_store::now())
            .await
            .expect("demo");
        assert_eq!(
            outcome,
            emas_store::demo::DemoOutcome::Loaded {
                agencies: 23,
                accounts: emas_store::demo::accounts().len()
            }
        );
        let again = emas_store::demo::load(&db, emas_store::now())
            .await
            .expect("demo");
        assert_eq!(again, emas_store::demo::DemoOutcome::AlreadyLoaded);
        assert!(
            db.verify_credentials("registrar.kabserang", emas_store::demo::DEMO_PASSWORD)
                .await
                .expect("q")
                .is_some()
        );
        let demo_app = TestApp::with_config(
            db.clone(),
            Config {
                demo: true,
                ..Config::default()
            },
        )
        .await;
        let page = demo_app.get("/sign-in", None).await;
        assert!(
            page.body.contains("registrar.kabserang")
                && page.body.contains(emas_store::demo::DEMO_PASSWORD)
        );
        let plain = TestApp::new(db).await;
        let page = plain.get("/sign-in", None).await;
        assert!(
            !page.body.contains(emas_store::demo::DEMO_PASSWORD),
            "never outside demo mode"
        );
    }
}
