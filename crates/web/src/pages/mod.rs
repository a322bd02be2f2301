//! Server-rendered pages. Each module is one area; every template extends `base.html`.

pub mod account;
pub mod admin;
pub mod dashboard;
pub mod departed;
pub mod home;
pub mod imports;
pub mod participants;
pub mod people;
pub mod pipeline;
pub mod programmes;
pub mod public;
pub mod referrals;
pub mod regions;
pub mod resolve;
pub mod review;
pub mod signin;
pub mod surveys;

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::REQUEST_ID_HEADER;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::error::{AppError, ErrorMarker};
use crate::i18n::Lang;

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: &'a Ctx,
    title: String,
    message: String,
    request_id: String,
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Turns an [`AppError`] left in a response, or a refusal by one of axum's extractors (see
/// [`AppError::from_rejection`]), into a translated page, or JSON on the API. Server
/// errors are logged here with the request id; the person sees only the id.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let fallback_ctx = Ctx {
        lang: Lang::from_headers(req.headers()),
        session: None,
        token_user: None,
        csrf: String::new(),
        request_id: req
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        demo: false,
    };
    let mut response = next.run(req).await;
    let marked = response.extensions_mut().remove::<ErrorMarker>();
    if marked.is_none() && !response.status().is_client_error() {
        return response;
    }
    let ctx = response
        .extensions()
        .get::<Ctx>()
        .cloned()
        .unwrap_or(fallback_ctx);
    let error = match marked {
        // A page for signed-in people keeps the handler's redirect to the sign-in page.
        Some(ErrorMarker(AppError::SignInRequired)) if !is_api => return response,
        Some(ErrorMarker(error)) => error,
        None => match AppError::from_rejection(response).await {
            Ok(error) => error,
            Err(response) => return response,
        },
    };
    if let AppError::Internal(detail) = &error {
        tracing::error!(request_id = %ctx.request_id, %detail, "request failed");
    }
    let message = ctx.t(error.message_key());
    if is_api {
        let mut body = serde_json::json!({
            "error": error.message_key(),
            "message": message,
            "request_id": ctx.request_id,
        });
        if let Some(detail) = error.detail() {
            body["detail"] = detail.into();
        }
        return (error.status(), Json(body)).into_response();
    }
    let status = error.status();
    let page = ErrorPage {
        ctx: &ctx,
        title: ctx.t(&format!("status-{}", status.as_u16())),
        message,
        request_id: if status == StatusCode::INTERNAL_SERVER_ERROR {
            ctx.request_id.clone()
        } else {
            String::new()
        },
    };
    let mut rendered = page.into_response();
    *rendered.status_mut() = status;
    rendered
}
