//! The front page (a landing page before sign-in, the account's home after), health checks and
//! the language switch.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header::{LOCATION, REFERER, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use emas_domain::access::Scope;
use emas_store::users::User;
use serde::Deserialize;

use crate::App;
use crate::auth::{Ctx, set_cookie};
use crate::authz::Action;
use crate::error::AppError;
use crate::form::CsrfForm;
use crate::i18n::{LANG_COOKIE, Lang};

#[derive(Template, WebTemplate)]
#[template(path = "landing.html")]
struct Landing<'a> {
    ctx: &'a Ctx,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct Home<'a> {
    ctx: &'a Ctx,
    user: &'a User,
    agency_name: String,
    scope_name: String,
}

pub async fn index(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    let Some(user) = ctx.user() else {
        return Ok(Landing { ctx: &ctx }.into_response());
    };
    if user.must_change_password {
        return Ok((StatusCode::SEE_OTHER, [(LOCATION, "/account/password")]).into_response());
    }
    if user.role == emas_domain::access::Role::Participant {
        return Ok((StatusCode::SEE_OTHER, [(LOCATION, "/me")]).into_response());
    }
    let agency_name = app.db.agency(user.agency_id).await?.name;
    let scope_name = scope_name(&app, &ctx, &user.scope).await?;
    Ok(Home {
        ctx: &ctx,
        user,
        agency_name,
        scope_name,
    }
    .into_response())
}

/// A scope as people say it: "Nasional", or the region's name.
pub async fn scope_name(app: &App, ctx: &Ctx, scope: &Scope) -> Result<String, AppError> {
    Ok(match scope {
        Scope::National => ctx.t("scope-national"),
        Scope::Region(code) => app
            .db
            .region(code)
            .await?
            .map(|r| r.name)
            .unwrap_or_else(|| code.to_string()),
    })
}

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers.
pub async fn readyz(State(app): State<App>) -> (StatusCode, &'static str) {
    if app.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
}

/// Remembers the chosen language for a year and goes back to the page it was chosen on.
pub async fn set_language(
    State(app): State<App>,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<LangForm>,
) -> Result<Response, AppError> {
    let lang = Lang::parse(&form.lang).ok_or(AppError::BadRequest("error-bad-form"))?;
    // Only a path on this site: never redirect to wherever a Referer header points.
    let back = headers
        .get(REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").map(|i| &r[i + 3..]))
        .and_then(|r| r.find('/').map(|i| r[i..].to_owned()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".to_owned());
    let cookie = set_cookie(&app, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600));
    Ok((
        StatusCode::SEE_OTHER,
        [
            (SET_COOKIE, cookie),
            (
                LOCATION,
                back.parse()
                    .map_err(|_| AppError::BadRequest("error-bad-form"))?,
            ),
        ],
    )
        .into_response())
}
