//! The web layer's errors, mapped to responses in one place: 4xx show a translated message, 5xx
//! log the detail with the request id and show only the id.

use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Redirect, Response};
use emas_store::DbError;

/// What a handler can fail with. Form errors are not here: a form with errors is shown again
/// with a 400 by its own handler.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    #[error("sign-in required")]
    SignInRequired,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("the form expired or came from elsewhere")]
    Csrf,
    #[error("request body too large")]
    TooLarge,
    /// A request an extractor refused before any handler ran: a path, query or body that could
    /// not be read. `detail` is axum's own account (which field, what was expected), shown to the
    /// API client that sent it and never logged.
    #[error("request refused by an extractor")]
    Unreadable { status: StatusCode, detail: String },
    #[error("internal: {0}")]
    Internal(String),
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => AppError::NotFound,
            e => AppError::Internal(e.to_string()),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::SignInRequired => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unreadable { status, .. } => *status,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The translation key of the message a person sees.
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::SignInRequired => "error-sign-in-required",
            AppError::Forbidden => "error-forbidden",
            AppError::NotFound => "error-not-found",
            AppError::BadRequest(key) => key,
            AppError::Csrf => "error-csrf",
            AppError::TooLarge => "error-too-large",
            AppError::Unreadable { status, .. } => match *status {
                StatusCode::UNSUPPORTED_MEDIA_TYPE => "error-content-type",
                // Only a JSON body of the wrong shape is refused with 422.
                StatusCode::UNPROCESSABLE_ENTITY => "error-json-shape",
                _ => "error-bad-request",
            },
            AppError::Internal(_) => "error-internal",
        }
    }

    /// axum's extractors refuse a path, query or body they cannot read before any handler runs,
    /// in English plain text; a handler of ours never answers a client error in plain text.
    /// Such a refusal becomes this error, to be shown like every other: in the person's
    /// language, as a page or as the API's JSON. Any other response is handed back.
    pub async fn from_rejection(response: Response) -> Result<AppError, Response> {
        let plain = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain"));
        if !(plain && response.status().is_client_error()) {
            return Err(response);
        }
        let status = response.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            return Ok(AppError::TooLarge);
        }
        // axum's messages are a line or two; the limit only guards against surprises.
        let bytes = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap_or_default();
        Ok(AppError::Unreadable {
            status,
            detail: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    /// What a developer needs beyond the message, if anything.
    pub fn detail(&self) -> Option<&str> {
        match self {
            AppError::Unreadable { detail, .. } => Some(detail),
            _ => None,
        }
    }
}

/// Rendering needs the request's language and id, which a bare error does not have; the
/// response carries the error as an extension and [`crate::pages::render_errors`] (a middleware)
/// turns it into a page or JSON.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if matches!(self, AppError::SignInRequired) {
            // Pages send people to sign in; the API layer turns this into a JSON 401 instead.
            let mut r = Redirect::to("/sign-in").into_response();
            r.extensions_mut().insert(ErrorMarker(self));
            return r;
        }
        let mut r = self.status().into_response();
        r.extensions_mut().insert(ErrorMarker(self));
        r
    }
}

/// Carries an [`AppError`] from a handler to the layer that renders it.
#[derive(Debug, Clone)]
pub struct ErrorMarker(pub AppError);
