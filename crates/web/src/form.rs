//! Forms that change state: the body is read within the size limit, the CSRF token checked, and
//! only then the fields parsed. A wrong token is a 403 and nothing is written.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::App;
use crate::auth::Ctx;
use crate::error::AppError;

pub const CSRF_FIELD: &str = "_csrf";

/// A URL-encoded form whose CSRF token matched.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<App> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &App) -> Result<Self, Self::Rejection> {
        let expected = req
            .extensions()
            .get::<Ctx>()
            .map(|c| c.csrf.clone())
            .ok_or_else(|| AppError::Internal("identify middleware missing".into()))?;
        let body = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::TooLarge
            } else {
                AppError::BadRequest("error-bad-form")
            }
        })?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
            .map_err(|_| AppError::BadRequest("error-bad-form"))?;
        // PostgreSQL refuses NUL in text and no person types one: such a form is not a form.
        if pairs
            .iter()
            .any(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(AppError::BadRequest("error-bad-form"));
        }
        let given = pairs
            .into_iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v);
        if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes())) {
            return Err(AppError::Csrf);
        }
        serde_urlencoded::from_bytes(&body)
            .map(CsrfForm)
            .map_err(|_| AppError::BadRequest("error-bad-form"))
    }
}

/// Comparing secrets byte by byte with early exit leaks how much matched through timing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}

/// A search or filter value as typed, at most 64 characters, without control characters
/// (PostgreSQL refuses NUL in text); `None` when nothing is left.
pub fn filter_value(s: &str) -> Option<String> {
    let s: String = s.chars().filter(|c| !c.is_control()).take(64).collect();
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// The body of a form that carries nothing but its CSRF token (sign-out, revoke).
#[derive(serde::Deserialize)]
pub struct NoFields {}
