//! The JSON API: bearer tokens and the OpenAPI document.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;
use emas_domain::access::Role;
use emas_store::testing::test_databases;
use emas_web::api::api_routes;

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_routes_served() {
    let db = test_databases().await.remove(0);
    let app = TestApp::new(db).await;
    let res = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(res.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&res.body).expect("JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let mut documented: Vec<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .expect("operations")
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    let mut served: Vec<String> = api_routes()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    documented.sort();
    served.sort();
    assert_eq!(documented, served);
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn a_token_reads_the_api_until_it_is_revoked() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let admin = app.caller("admin", Role::Admin, "national").await;
        let res = app.api_get("/api/v1/me", Some(&admin.api_token)).await;
        assert_eq!(res.status, StatusCode::OK);
        let me: serde_json::Value = serde_json::from_str(&res.body).expect("JSON");
        assert_eq!(me["role"], "admin");
        assert_eq!(me["scope"], "national");
        let region: serde_json::Value = serde_json::from_str(
            &app.api_get("/api/v1/regions/36", Some(&admin.api_token))
                .await
                .body,
        )
        .expect("JSON");
        assert_eq!(region["children"].as_array().map(Vec::len), Some(8));
        assert_eq!(
            app.api_get("/api/v1/regions/99.99", Some(&admin.api_token))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.api_get("/api/v1/regions/not-a-code", Some(&admin.api_token))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let tokens = app.db.api_tokens().await.expect("tokens");
        let res = app
            .post(
                &format!("/admin/tokens/{}/revoke", tokens[0].id),
                &admin,
                "",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let res = app.api_get("/api/v1/me", Some(&admin.api_token)).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        let err: serde_json::Value = serde_json::from_str(&res.body).expect("JSON error");
        assert_eq!(err["error"], "error-sign-in-required");
    }
}

#[tokio::test]
async fn an_admin_issues_a_token_shown_once() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let admin = app.caller("admin", Role::Admin, "national").await;
        let res = app
            .post(
                "/admin/tokens",
                &admin,
                &format!("name=laporan&user_id={}", admin.user_id),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        let start = res.body.find("emas_").expect("token shown");
        let token: String = res.body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        assert_eq!(
            app.api_get("/api/v1/me", Some(&token)).await.status,
            StatusCode::OK
        );
        let list = app.get("/admin/tokens", Some(&admin)).await;
        assert!(!list.body.contains(&token), "never shown again");
        let bad = app.post("/admin/tokens", &admin, "name=&user_id=x").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn the_registry_through_the_api_validates_like_the_form_and_keeps_to_the_scope() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        let lebak = app
            .caller("registrar.lebak", Role::Registrar, "36.02")
            .await;
        let siti = r#"{"nik":"3604054503900002","full_name":"Siti Nurhayati","sex":"F","birth_date":"1990-03-05","region_code":"36.04.05","phones":"0812 3456 7890","status":"returned"}"#;
        let res = app
            .api_send(
                axum::http::Method::POST,
                "/api/v1/people",
                Some(&registrar.api_token),
                siti,
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let created: serde_json::Value = serde_json::from_str(&res.body).expect("JSON");
        let id = created["person"]["id"].as_i64().expect("id");
        assert_eq!(created["phones"][0], "+6281234567890");

        let bad = r#"{"nik":"123","full_name":"","status":"lost","region_code":"36.04"}"#;
        let res = app
            .api_send(
                axum::http::Method::POST,
                "/api/v1/people",
                Some(&registrar.api_token),
                bad,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let errors: serde_json::Value = serde_json::from_str(&res.body).expect("JSON");
        for field in ["nik", "full_name", "status"] {
            assert!(
                errors["fields"][field].is_string(),
                "{field} named: {}",
                res.body
            );
        }
        let not_json = app
            .api_send(
                axum::http::Method::POST,
                "/api/v1/people",
                Some(&registrar.api_token),
                "{nope",
            )
            .await;
        assert!(not_json.status.is_client_error());

        let list = app
            .api_get("/api/v1/people?q=nur+hayati", Some(&registrar.api_token))
            .await;
        let page: serde_json::Value = serde_json::from_str(&list.body).expect("JSON");
        assert_eq!(page["total"], 1);
        let theirs = app
            .api_get("/api/v1/people?q=nur+hayati", Some(&lebak.api_token))
            .await;
        let page: serde_json::Value = serde_json::from_str(&theirs.body).expect("JSON");
        assert_eq!(page["total"], 0, "another regency sees nothing");
        assert_eq!(
            app.api_get(&format!("/api/v1/people/{id}"), Some(&lebak.api_token))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.api_get(&format!("/api/v1/people/{id}"), Some(&registrar.api_token))
                .await
                .status,
            StatusCode::OK
        );
        let bad_search = app
            .api_get("/api/v1/people?nik=abc", Some(&registrar.api_token))
            .await;
        assert_eq!(bad_search.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn an_admin_revokes_only_tokens_within_their_scope() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let national = app.caller("admin", Role::Admin, "national").await;
        let regency_admin = app.caller("admin.kabserang", Role::Admin, "36.04").await;
        let tokens = app.db.api_tokens().await.expect("tokens");
        let national_token = tokens
            .iter()
            .find(|t| t.user_id == national.user_id)
            .expect("token");
        let res = app
            .post(
                &format!("/admin/tokens/{}/revoke", national_token.id),
                &regency_admin,
                "",
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.api_get("/api/v1/me", Some(&national.api_token))
                .await
                .status,
            StatusCode::OK
        );
        let list = app.get("/admin/tokens", Some(&regency_admin)).await;
        assert!(
            !list
                .body
                .contains(&format!("/admin/tokens/{}/revoke", national_token.id))
        );
    }
}

/// axum's extractors refuse what they cannot read before any handler runs; the caller gets the
/// API's JSON error in their language (with axum's account as `detail`), a page gets a page, and
/// nothing is written.
#[tokio::test]
async fn a_request_that_cannot_be_read_gets_a_refusal_in_the_callers_language_and_changes_nothing()
{
    use axum::body::Body;
    use axum::http::header::{ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_TYPE};
    use axum::http::{Method, Request};

    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        let bearer = format!("Bearer {}", registrar.api_token);
        let send = |method: Method, uri: &str, content_type: &str, lang: &str, body: &str| {
            Request::builder()
                .method(method)
                .uri(uri)
                .header(AUTHORIZATION, &bearer)
                .header(CONTENT_TYPE, content_type)
                .header(ACCEPT_LANGUAGE, lang)
                .body(Body::from(body.to_owned()))
                .expect("request")
        };
        let json = "application/json";
        let oversized = format!(r#"{{"full_name": "{}"}}"#, "x".repeat(3 << 20));
        for (req, status, key, message) in [
            (
                send(Method::POST, "/api/v1/people", json, "id", "{nope"),
                StatusCode::BAD_REQUEST,
                "error-bad-request",
                "Permintaan tidak dapat dibaca",
            ),
            (
                send(
                    Method::POST,
                    "/api/v1/people",
                    json,
                    "en",
                    r#"{"full_name": "Siti"#,
                ),
                StatusCode::BAD_REQUEST,
                "error-bad-request",
                "The request could not be read",
            ),
            (
                send(Method::POST, "/api/v1/people", json, "id", r#""Siti""#),
                StatusCode::UNPROCESSABLE_ENTITY,
                "error-json-shape",
                "Isi JSON tidak sesuai bentuk",
            ),
            (
                send(
                    Method::PUT,
                    "/api/v1/people/1",
                    json,
                    "en",
                    r#"{"full_name": 7}"#,
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "error-json-shape",
                "The JSON does not have the expected shape",
            ),
            (
                send(Method::POST, "/api/v1/people", "text/plain", "id", "{}"),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "error-content-type",
                "Jenis isi permintaan tidak diterima",
            ),
            (
                send(Method::POST, "/api/v1/people", json, "en", &oversized),
                StatusCode::PAYLOAD_TOO_LARGE,
                "error-too-large",
                "The request is too large",
            ),
            (
                send(Method::GET, "/api/v1/people/abc", json, "id", ""),
                StatusCode::BAD_REQUEST,
                "error-bad-request",
                "Permintaan tidak dapat dibaca",
            ),
            (
                send(Method::POST, "/api/v1/imports", json, "en", "{}"),
                StatusCode::BAD_REQUEST,
                "error-bad-request",
                "The request could not be read",
            ),
        ] {
            let what = format!("{} {}", req.method(), req.uri());
            let res = app.send(req).await;
            assert_eq!(res.status, status, "{what}: {}", res.body);
            let v: serde_json::Value = serde_json::from_str(&res.body)
                .unwrap_or_else(|_| panic!("{what} answers JSON: {}", res.body));
            assert_eq!(v["error"], key, "{what}");
            assert!(
                v["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with(message)),
                "{what}: {}",
                res.body
            );
            // A refusal of size needs no account of the body.
            if key != "error-too-large" {
                assert!(
                    v["detail"].as_str().is_some_and(|d| !d.is_empty()),
                    "{what}"
                );
            }
            assert!(v["request_id"].is_string(), "{what}");
        }

        // A page's address that cannot be read is a page in the person's language.
        let page = app.get("/people/abc", Some(&registrar)).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        assert!(page.body.contains("<html"), "{}", page.body);
        assert!(page.body.contains("Permintaan tidak dapat dibaca"));

        let list = app
            .api_get("/api/v1/people", Some(&registrar.api_token))
            .await;
        let list: serde_json::Value = serde_json::from_str(&list.body).expect("JSON");
        assert_eq!(list["total"], 0, "nothing was written");
    }
}
