//! The authorization matrix: every protected route of the pages and the API, for every role at
//! every kind of scope, and for a caller who is not signed in.

use crate::common;

use axum::body::Body;
use axum::http::header::COOKIE;
use axum::http::{Method, Request, StatusCode};
use common::{Caller, TestApp};
use emas_domain::access::Role;
use emas_store::testing::test_databases;
use emas_web::api::api_routes;
use emas_web::authz::allows;
use emas_web::routes::{Access, page_routes};

/// A concrete path for a route pattern: ids that do not exist, so an allowed caller gets past
/// the guard to a 404 without changing anything.
fn concrete(path: &str) -> String {
    path.replace("{id}", "999999")
        .replace("{code}", "36.04")
        .replace("{wave}", "m6")
        .replace("{format}", "pdf")
}

fn user_of(app_caller: &Caller) -> emas_store::users::User {
    emas_store::users::User {
        id: app_caller.user_id,
        username: String::new(),
        display_name: String::new(),
        role: app_caller.role,
        scope: app_caller.scope.clone(),
        agency_id: 0,
        active: true,
        must_change_password: false,
    }
}

async fn page_request(
    app: &TestApp,
    method: &Method,
    path: &str,
    caller: Option<&Caller>,
) -> common::Response {
    if method == Method::GET {
        return app.get(path, caller).await;
    }
    match caller {
        Some(c) => app.post(path, c, "").await,
        None => app.post_raw(path, None, "").await,
    }
}

#[tokio::test]
async fn every_protected_route_for_every_role_and_scope() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let mut callers = Vec::new();
        for role in Role::ALL {
            for (i, scope) in ["national", "36", "36.04"].into_iter().enumerate() {
                callers.push(
                    app.caller(&format!("{}-{i}", role.as_str()), role, scope)
                        .await,
                );
            }
        }
        let mut checked = 0;
        for route in page_routes() {
            let Access::Guarded(action) = route.access else {
                continue;
            };
            if route.path == "/sign-out" {
                continue; // ends the callers' sessions: checked last, below
            }
            let path = concrete(route.path);
            let anonymous = page_request(&app, &route.method, &path, None).await;
            if route.method == Method::GET {
                assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{path} anonymous");
                assert_eq!(anonymous.location(), Some("/sign-in"), "{path} anonymous");
            } else {
                // No session, so no CSRF token matches: refused before anything else.
                assert!(
                    matches!(
                        anonymous.status,
                        StatusCode::SEE_OTHER | StatusCode::FORBIDDEN
                    ),
                    "{path} anonymous"
                );
                assert_ne!(anonymous.status, StatusCode::OK);
            }
            for caller in &callers {
                let res = page_request(&app, &route.method, &path, Some(caller)).await;
                let who = format!(
                    "{} {path} as {} at {}",
                    route.method, caller.role, caller.scope
                );
                if allows(&user_of(caller), action) {
                    assert_ne!(res.status, StatusCode::FORBIDDEN, "{who} should be allowed");
                    assert_ne!(res.location(), Some("/sign-in"), "{who} should be allowed");
                } else {
                    assert_eq!(
                        res.status,
                        StatusCode::FORBIDDEN,
                        "{who} should be forbidden"
                    );
                }
                checked += 1;
            }
        }
        for route in api_routes() {
            let Access::Guarded(action) = route.access else {
                continue;
            };
            let path = concrete(route.path);
            let anonymous = app.api_send(route.method.clone(), &path, None, "{}").await;
            assert_eq!(
                anonymous.status,
                StatusCode::UNAUTHORIZED,
                "{path} anonymous"
            );
            assert!(
                anonymous.body.contains("error-sign-in-required"),
                "{path}: JSON error"
            );
            let forged = app
                .api_send(route.method.clone(), &path, Some("emas_forged"), "{}")
                .await;
            assert_eq!(
                forged.status,
                StatusCode::UNAUTHORIZED,
                "{path} forged token"
            );
            for caller in &callers {
                let res = app
                    .api_send(route.method.clone(), &path, Some(&caller.api_token), "{}")
                    .await;
                let who = format!(
                    "API {} {path} as {} at {}",
                    route.method, caller.role, caller.scope
                );
                if allows(&user_of(caller), action) {
                    assert!(
                        !matches!(res.status, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED),
                        "{who} should be allowed, got {}",
                        res.status
                    );
                } else {
                    assert_eq!(
                        res.status,
                        StatusCode::FORBIDDEN,
                        "{who} should be forbidden"
                    );
                }
                checked += 1;
            }
        }
        for caller in &callers {
            let res = app.post("/sign-out", caller, "").await;
            assert_eq!(
                res.status,
                StatusCode::SEE_OTHER,
                "every account may sign out"
            );
            assert_eq!(
                app.get("/regions", Some(caller)).await.location(),
                Some("/sign-in")
            );
            checked += 1;
        }
        assert!(checked >= 600, "the matrix covered only {checked} cases");
    }
}

#[tokio::test]
async fn a_browser_session_reads_the_api_but_a_token_opens_no_page() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let admin = app.caller("admin", Role::Admin, "national").await;
        let req = Request::builder()
            .uri("/api/v1/me")
            .header(COOKIE, &admin.cookie)
            .body(Body::empty())
            .expect("request");
        let res = app.send(req).await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "a browser session may read the API too"
        );
        let req = Request::builder()
            .uri("/admin/users")
            .header("authorization", format!("Bearer {}", admin.api_token))
            .body(Body::empty())
            .expect("request");
        let res = app.send(req).await;
        assert_eq!(res.location(), Some("/sign-in"), "pages need a session");
    }
}

#[tokio::test]
async fn admins_manage_accounts_only_within_their_scope() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let regency_admin = app.caller("admin.kabserang", Role::Admin, "36.04").await;
        let province_registrar = app.caller("registrar.banten", Role::Registrar, "36").await;
        let regency_registrar = app
            .caller("registrar.kabserang", Role::Registrar, "36.04")
            .await;

        let res = app
            .post(
                &format!("/admin/users/{}/password", province_registrar.user_id),
                &regency_admin,
                "",
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post(
                &format!("/admin/users/{}/password", regency_registrar.user_id),
                &regency_admin,
                "",
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("registrar.kabserang"));

        let res = app
            .post(
                "/admin/users",
                &regency_admin,
                &format!(
                    "username=new.one&display_name=Baru&role=registrar&scope=36&agency_id={}",
                    app.agency_id
                ),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "a province account is beyond a regency admin"
        );
        assert!(
            app.db
                .verify_credentials("new.one", "x")
                .await
                .expect("q")
                .is_none()
        );
        let listed = app.get("/admin/users", Some(&regency_admin)).await;
        assert!(listed.body.contains("registrar.kabserang"));
        assert!(
            !listed.body.contains("registrar.banten"),
            "accounts outside the scope are not listed"
        );
    }
}
