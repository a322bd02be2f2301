//! The EMAS web application: server-rendered pages that work without JavaScript, and the JSON API
//! under `/api/v1`, sharing one router, one guard and one authorization function.

pub mod api;
mod assets;
pub mod auth;
pub mod authz;
pub mod charts;
pub mod error;
pub mod form;
pub mod i18n;
mod pages;
pub mod report;
pub mod routes;
mod security;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::middleware;
use emas_store::Db;
use emas_store::audit::AuditWriter;
use emas_store::sessions::SessionPolicy;
use emas_store::throttle::ThrottlePolicy;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use pages::dashboard::figures as dashboard_figures;
pub use pages::imports::{Table, read_table};
pub use pages::surveys::DUE_ROWS;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// How this server runs; set from the command line.
#[derive(Debug, Clone)]
pub struct Config {
    /// Demo mode shows the demo accounts on the sign-in page.
    pub demo: bool,
    /// Set when EMAS is served over TLS (its public URL is https), so cookies are Secure.
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    pub session: SessionPolicy,
    pub throttle: ThrottlePolicy,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            demo: false,
            secure_cookies: false,
            body_limit: 2 * 1024 * 1024,
            session: SessionPolicy::default(),
            throttle: ThrottlePolicy::default(),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub audit: AuditWriter,
    pub config: Arc<Config>,
    /// Imports being committed in the background by this process, with their progress.
    pub jobs: Jobs,
}

impl App {
    pub fn new(db: Db, audit: AuditWriter, config: Config) -> App {
        App {
            db,
            audit,
            config: Arc::new(config),
            jobs: Jobs::default(),
        }
    }
}

/// Progress of long work this process runs in the background: rows done and rows in all, by
/// import batch. It lives in memory because the work commits in one transaction that no one
/// else can see into; a page on another app server shows the import as still running.
#[derive(Clone, Default)]
pub struct Jobs(Arc<std::sync::Mutex<std::collections::HashMap<i64, JobState>>>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    Running { done: usize, total: usize },
    Failed(String),
}

impl Jobs {
    pub fn set(&self, id: i64, state: JobState) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(id, state);
        }
    }

    pub fn get(&self, id: i64) -> Option<JobState> {
        self.0.lock().ok().and_then(|map| map.get(&id).cloned())
    }

    pub fn finish(&self, id: i64) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(&id);
        }
    }
}

/// The whole application as one router.
pub fn router(app: App) -> Router {
    let body_limit = app.config.body_limit;
    let (api, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(openapi);
    routes::page_router()
        .merge(api)
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .merge(assets::router())
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(app.clone(), auth::identify))
        .layer(middleware::from_fn(pages::render_errors))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(app)
        .layer(middleware::from_fn(security::headers))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            // The path only: query strings can hold names or NIKs someone searched for.
            let id = req
                .headers()
                .get(REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", id, method = %req.method(), path = req.uri().path())
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO)))
        .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
}
