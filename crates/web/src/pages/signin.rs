//! Sign-in and sign-out. Failures are counted per user name in the database; after too many the
//! name is locked for a while on every app server.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::response::{IntoResponse, Response};
use emas_domain::access::Role;
use emas_store::audit::{self, AuditEntry};
use emas_store::{demo, sessions, throttle, users::normalise_username};
use serde::Deserialize;

use crate::App;
use crate::auth::{Ctx, SESSION_COOKIE, set_cookie};
use crate::authz::Action;
use crate::error::AppError;
use crate::form::{CsrfForm, NoFields};

pub struct DemoAccountRow {
    pub username: String,
    pub role: Role,
    pub scope_name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "signin.html")]
struct SignInPage<'a> {
    ctx: &'a Ctx,
    username: String,
    error: Option<String>,
    demo_accounts: Vec<DemoAccountRow>,
    demo_password: &'static str,
}

async fn page(
    app: &App,
    ctx: &Ctx,
    username: String,
    error: Option<String>,
) -> Result<Response, AppError> {
    let mut demo_accounts = Vec::new();
    if ctx.demo {
        for a in demo::accounts() {
            demo_accounts.push(DemoAccountRow {
                username: a.username.to_owned(),
                role: a.role,
                scope_name: super::home::scope_name(app, ctx, &a.scope()).await?,
            });
        }
    }
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut r = SignInPage {
        ctx,
        username,
        error,
        demo_accounts,
        demo_password: demo::DEMO_PASSWORD,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

pub async fn form(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    if ctx.user().is_some() {
        return Ok((StatusCode::SEE_OTHER, [(LOCATION, "/")]).into_response());
    }
    page(&app, &ctx, String::new(), None).await
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn submit(
    State(app): State<App>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<SignInForm>,
) -> Result<Response, AppError> {
    let now = emas_store::now();
    let typed = form.username.chars().take(64).collect::<String>();
    let Some(key) = normalise_username(&form.username) else {
        return page(&app, &ctx, typed, Some(ctx.t("signin-failed"))).await;
    };
    if let Some(until) = app.db.login_locked_until(&key, now).await? {
        let minutes = ((until - now).num_seconds() + 59) / 60;
        let msg = ctx
            .lang
            .t_args("signin-locked", &[("minutes", minutes.to_string())]);
        return page(&app, &ctx, typed, Some(msg)).await;
    }
    let user = app.db.verify_credentials(&key, &form.password).await?;
    let mut tx = app.db.begin().await?;
    let Some(user) = user else {
        throttle::record_failure(&mut tx, &key, app.config.throttle, now).await?;
        audit::record(
            &mut tx,
            &entry(None, &key, "session.sign_in_failed", &ctx),
            now,
        )
        .await?;
        tx.commit().await?;
        return page(&app, &ctx, typed, Some(ctx.t("signin-failed"))).await;
    };
    throttle::clear(&mut tx, &key).await?;
    let (token, _csrf) = sessions::start(&mut tx, user.id, app.config.session, now).await?;
    audit::record(
        &mut tx,
        &entry(Some(user.id), &user.username, "session.sign_in", &ctx),
        now,
    )
    .await?;
    tx.commit().await?;
    let next = if user.must_change_password {
        "/account/password"
    } else {
        "/"
    };
    let max_age = app.config.session.absolute.num_seconds();
    Ok((
        StatusCode::SEE_OTHER,
        [
            (
                SET_COOKIE,
                set_cookie(&app, SESSION_COOKIE, &token, Some(max_age)),
            ),
            (LOCATION, next.parse().expect("a static path")),
        ],
    )
        .into_response())
}

fn entry(user_id: Option<i64>, username: &str, action: &str, ctx: &Ctx) -> AuditEntry {
    AuditEntry {
        actor_user_id: user_id,
        actor: username.to_owned(),
        action: action.to_owned(),
        entity: "user".to_owned(),
        entity_id: user_id.map(|id| id.to_string()).unwrap_or_default(),
        detail: String::new(),
        request_id: ctx.request_id.clone(),
    }
}

pub async fn sign_out(
    State(app): State<App>,
    ctx: Ctx,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    if let Some(session) = &ctx.session {
        let now = emas_store::now();
        let mut tx = app.db.begin().await?;
        sessions::end(&mut tx, &session.token_hash).await?;
        let e = entry(
            Some(session.user.id),
            &session.user.username,
            "session.sign_out",
            &ctx,
        );
        audit::record(&mut tx, &e, now).await?;
        tx.commit().await?;
    }
    Ok((
        StatusCode::SEE_OTHER,
        [
            (SET_COOKIE, set_cookie(&app, SESSION_COOKIE, "", Some(0))),
            (LOCATION, "/sign-in".parse().expect("a static path")),
        ],
    )
        .into_response())
}
