//! Static files compiled into the binary, so that the single binary is the whole application.
//! Their URLs carry a version so that browsers may cache them for a year.

use axum::Router;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::App;
use crate::error::AppError;

const FILES: &[(&str, &[u8])] = &[
    ("emas.css", include_bytes!("../static/emas.css")),
    ("emas.js", include_bytes!("../static/emas.js")),
    ("favicon.svg", include_bytes!("../static/favicon.svg")),
];

/// Changes with every release, so cached files are replaced when EMAS is upgraded.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn router() -> Router<App> {
    Router::new().route("/static/{version}/{file}", get(serve))
}

async fn serve(Path((_version, file)): Path<(String, String)>) -> Response {
    let Some((_, bytes)) = FILES.iter().find(|(name, _)| *name == file) else {
        return AppError::NotFound.into_response();
    };
    let mime = mime_guess::from_path(&file).first_or_octet_stream();
    (
        [
            (CONTENT_TYPE, mime.essence_str().to_owned()),
            (
                CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_owned(),
            ),
        ],
        *bytes,
    )
        .into_response()
}
