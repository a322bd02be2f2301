//! An EMAS app in the test process, on a fresh database, driven with `oneshot` requests; and
//! the people, partner agencies and accounts the stories set it up with.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{Method, Request, StatusCode};
use emas_domain::access::{Role, Scope};
use emas_domain::referral::Service;
use emas_store::agencies::{AgencyKind, NewAgency, create_agency};
use emas_store::audit::AuditWriter;
use emas_store::people;
use emas_store::referrals::set_agency_services;
use emas_store::sessions::{self, SessionPolicy};
use emas_store::users::{NewUser, create_user};
use emas_store::{Db, tokens, with_db};
use emas_web::{App, Config};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const PASSWORD: &str = "kata sandi uji coba";

pub struct TestApp {
    pub db: Db,
    pub router: Router,
    pub agency_id: i64,
}

/// A signed-in caller: the session cookie and CSRF token of a browser, and an API token.
#[derive(Clone)]
pub struct Caller {
    pub user_id: i64,
    pub role: Role,
    pub scope: Scope,
    pub cookie: String,
    pub csrf: String,
    pub api_token: String,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent, for files (XLSX) that are not text.
    pub bytes: Vec<u8>,
}

impl Response {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    pub async fn new(db: Db) -> TestApp {
        Self::with_config(db, Config::default()).await
    }

    pub async fn with_config(db: Db, config: Config) -> TestApp {
        db.load_reference_regions().await.expect("regions");
        let agency_id = match db.agency_by_code("test-disnaker").await.expect("q") {
            Some(a) => a.id,
            None => {
                let mut tx = db.begin().await.expect("begin");
                let id = create_agency(
                    &mut tx,
                    &NewAgency {
                        code: "test-disnaker",
                        name: "Dinas Tenaga Kerja Kabupaten Serang",
                        kind: AgencyKind::LabourOffice,
                        region_code: Some("36.04"),
                    },
                    emas_store::now(),
                )
                .await
                .expect("agency");
                tx.commit().await.expect("commit");
                id
            }
        };
        let (audit, _task) = AuditWriter::start(db.clone());
        let app = App::new(db.clone(), audit, config);
        TestApp {
            router: emas_web::router(app),
            db,
            agency_id,
        }
    }

    /// An account of the test's own agency with a live session and an API token.
    pub async fn caller(&self, username: &str, role: Role, scope: &str) -> Caller {
        self.caller_at(username, role, scope, self.agency_id).await
    }

    /// An account of `agency`, with a live session and an API token: a partner's officer.
    pub async fn caller_at(&self, username: &str, role: Role, scope: &str, agency: i64) -> Caller {
        let scope = Scope::parse(scope).expect("scope");
        let now = emas_store::now();
        let mut tx = self.db.begin().await.expect("begin");
        let user_id = create_user(
            &mut tx,
            &NewUser {
                username,
                display_name: username,
                password: PASSWORD,
                role,
                scope: scope.clone(),
                agency_id: agency,
                must_change_password: false,
            },
            now,
        )
        .await
        .expect("user");
        let (token, csrf) = sessions::start(&mut tx, user_id, SessionPolicy::default(), now)
            .await
            .expect("session");
        let (_, api_token) = tokens::issue(&mut tx, user_id, "test", user_id, now)
            .await
            .expect("token");
        tx.commit().await.expect("commit");
        Caller {
            user_id,
            role,
            scope,
            cookie: format!("emas_session={token}"),
            csrf,
            api_token,
        }
    }

    /// A partner agency of `kind` working in `region` (none: nationally) and offering `services`,
    /// named by its `code`.
    pub async fn agency(
        &self,
        code: &str,
        kind: AgencyKind,
        region: Option<&str>,
        services: &[Service],
    ) -> i64 {
        let mut tx = self.db.begin().await.expect("begin");
        let new = NewAgency {
            code,
            name: code,
            kind,
            region_code: region,
        };
        let id = create_agency(&mut tx, &new, emas_store::now())
            .await
            .expect("agency");
        set_agency_services(&mut tx, id, services)
            .await
            .expect("services");
        tx.commit().await.expect("commit");
        id
    }

    pub async fn send(&self, req: Request<Body>) -> Response {
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        Response {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, path: &str, caller: Option<&Caller>) -> Response {
        let mut req = Request::builder().method(Method::GET).uri(path);
        if let Some(c) = caller {
            req = req.header(COOKIE, &c.cookie);
        }
        self.send(req.body(Body::empty()).expect("request")).await
    }

    /// Posts a form with the caller's CSRF token added.
    pub async fn post(&self, path: &str, caller: &Caller, form: &str) -> Response {
        let body = if form.is_empty() {
            format!("_csrf={}", caller.csrf)
        } else {
            format!("_csrf={}&{form}", caller.csrf)
        };
        self.post_raw(path, Some(&caller.cookie), &body).await
    }

    pub async fn post_raw(&self, path: &str, cookie: Option<&str>, body: &str) -> Response {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        self.send(req.body(Body::from(body.to_owned())).expect("request"))
            .await
    }

    /// An API request with a JSON body (ignored by GET routes).
    pub async fn api_send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        json: &str,
    ) -> Response {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        self.send(req.body(Body::from(json.to_owned())).expect("request"))
            .await
    }

    pub async fn api_get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = Request::builder().method(Method::GET).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        self.send(req.body(Body::empty()).expect("request")).await
    }

    /// A browser before sign-in: the pre-session cookie and the CSRF token the sign-in form holds.
    pub async fn anonymous_form_token(&self) -> (String, String) {
        let page = self.get("/sign-in", None).await;
        let cookie = page
            .headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("emas_pre="))
            .and_then(|c| c.split(';').next())
            .expect("a pre-session cookie")
            .to_owned();
        let token = cookie.trim_start_matches("emas_pre=").to_owned();
        assert!(page.body.contains(&token), "the form carries the token");
        (cookie, token)
    }
}

/// A complete, valid answer to every question of the shipped survey instrument.
pub fn answers() -> std::collections::BTreeMap<String, String> {
    emas_domain::survey::example_answers()
}

/// Survey answers as the survey form posts them.
pub fn form(a: &std::collections::BTreeMap<String, String>, taken_on: &str) -> String {
    let mut pairs: Vec<String> = a
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencoding::encode(v)))
        .collect();
    pairs.push(format!("taken_on={taken_on}"));
    pairs.join("&")
}

/// Registers the returnee of [`people::test_person_input`].
pub async fn person(db: &Db, name: &str, region: Option<&str>) -> i64 {
    let mut tx = db.begin().await.expect("begin");
    let id = people::create_person(
        &mut tx,
        &people::test_person_input(name, region),
        emas_store::now(),
    )
    .await
    .expect("person");
    tx.commit().await.expect("commit");
    id
}

/// How many rows `table` holds: what a story checks a request wrote, or left alone.
pub async fn count(db: &Db, table: &str) -> i64 {
    let sql = format!("select count(*) from {table}");
    let (n,): (i64,) =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(p).await)
            .expect("count");
    n
}
