//! The signed-in person's own account: changing their password.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use emas_store::password::{PasswordError, check_new_password};
use emas_store::{audit, sessions, users};
use serde::Deserialize;

use crate::App;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::error::AppError;
use crate::form::CsrfForm;

#[derive(Default)]
pub struct PasswordErrors {
    current: Option<String>,
    new: Option<String>,
    confirm: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "password.html")]
struct PasswordPage<'a> {
    ctx: &'a Ctx,
    must_change: bool,
    done: bool,
    errors: PasswordErrors,
}

pub async fn password_form(ctx: Ctx) -> Result<Response, AppError> {
    let must_change = ctx.require_user()?.must_change_password;
    Ok(PasswordPage {
        ctx: &ctx,
        must_change,
        done: false,
        errors: PasswordErrors::default(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(app): State<App>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let session = ctx.session.as_ref().ok_or(AppError::Forbidden)?;
    let mut errors = PasswordErrors::default();
    let current_ok = app
        .db
        .verify_credentials(&user.username, &form.current)
        .await?
        .is_some();
    if !current_ok {
        errors.current = Some(ctx.t("password-current-wrong"));
    }
    match check_new_password(&form.new) {
        Err(PasswordError::TooShort) => errors.new = Some(ctx.t("password-too-short")),
        Err(_) => errors.new = Some(ctx.t("password-too-long")),
        Ok(()) if form.new == form.current => errors.new = Some(ctx.t("password-same")),
        Ok(()) => {}
    }
    if form.confirm != form.new {
        errors.confirm = Some(ctx.t("password-mismatch"));
    }
    if errors.current.is_some() || errors.new.is_some() || errors.confirm.is_some() {
        let mut r = PasswordPage {
            ctx: &ctx,
            must_change: user.must_change_password,
            done: false,
            errors,
        }
        .into_response();
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(r);
    }
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    users::set_password(&mut tx, user.id, &form.new, false, now)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    // Anyone who learnt the old password is signed out everywhere else.
    sessions::end_others_for_user(&mut tx, user.id, &session.token_hash).await?;
    audit::record(
        &mut tx,
        &ctx.audit_entry("user.change_password", "user", user.id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(PasswordPage {
        ctx: &ctx,
        must_change: false,
        done: true,
        errors: PasswordErrors::default(),
    }
    .into_response())
}
