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

/// An uploaded file with the text fields of its form, after the CSRF check.
pub struct Upload {
    pub fields: std::collections::HashMap<String, String>,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Reads a multipart form with one file field named `file`. Text fields are capped at 1 KiB;
/// the whole body at the router's body limit (413 beyond it).
pub struct CsrfUpload(pub Upload);

impl FromRequest<App> for CsrfUpload {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &App) -> Result<Self, Self::Rejection> {
        let expected = req
            .extensions()
            .get::<Ctx>()
            .map(|c| c.csrf.clone())
            .ok_or_else(|| AppError::Internal("identify middleware missing".into()))?;
        let multipart = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("error-bad-form"))?;
        let upload = read_upload(multipart).await?;
        let given = upload
            .fields
            .get(CSRF_FIELD)
            .map(String::as_str)
            .unwrap_or_default();
        if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            return Err(AppError::Csrf);
        }
        Ok(CsrfUpload(upload))
    }
}

/// Reads a multipart form: one file field named `file` and short text fields.
pub async fn read_upload(mut multipart: axum::extract::Multipart) -> Result<Upload, AppError> {
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge
        } else {
            AppError::BadRequest("error-bad-form")
        }
    };
    let mut upload = Upload {
        fields: std::collections::HashMap::new(),
        file_name: String::new(),
        bytes: Vec::new(),
    };
    while let Some(field) = multipart.next_field().await.map_err(too_large)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            upload.file_name = field
                .file_name()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
                .take(200)
                .collect();
            upload.bytes = field.bytes().await.map_err(too_large)?.to_vec();
        } else {
            let text = field.text().await.map_err(too_large)?;
            if text.len() > 1024 || text.contains('\0') {
                return Err(AppError::BadRequest("error-bad-form"));
            }
            upload.fields.insert(name, text);
        }
    }
    Ok(upload)
}
