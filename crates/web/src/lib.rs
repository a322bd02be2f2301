//! The EMAS web application: server-rendered pages that work without JavaScript, and the JSON API
//! under `/api/v1`, sharing one router, one guard and one authorization function.

pub mod api;
mod assets;
pub mod auth;
pub mod authz;
pub mod error;
pub mod form;
pub mod i18n;
mod pages;
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
