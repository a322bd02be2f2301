//! The web layer's errors, mapped to responses in one place: 4xx show a translated message, 5xx
//! log the detail with the request id and show only the id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use emas_store::DbError;

/// What a handler can fail with. Form errors are not here: a form with errors is shown again
/// with a 400 by its own handler.
#[derive(Debug, thiserror::Error)]
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
            AppError::Internal(_) => "error-internal",
        }
    }
}

/// Rendering needs the request's language and id, which a bare error does not have; the
/// response carries the error as an extension and [`crate::pages::error_page`] (a middleware)
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
#[derive(Debug)]
pub struct ErrorMarker(pub AppError);

impl Clone for ErrorMarker {
    fn clone(&self) -> Self {
        ErrorMarker(match &self.0 {
            AppError::SignInRequired => AppError::SignInRequired,
            AppError::Forbidden => AppError::Forbidden,
            AppError::NotFound => AppError::NotFound,
            AppError::BadRequest(k) => AppError::BadRequest(k),
            AppError::Csrf => AppError::Csrf,
            AppError::TooLarge => AppError::TooLarge,
            AppError::Internal(s) => AppError::Internal(s.clone()),
        })
    }
}
