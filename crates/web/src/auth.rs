//! Who is asking: the session cookie (pages) or a bearer token (API) resolved once per request
//! into a [`Ctx`], and the guard that every protected route passes through.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use emas_store::secret::random_token;
use emas_store::sessions::Session;
use emas_store::users::User;

use crate::authz::{Action, authorize};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::{App, REQUEST_ID_HEADER};

pub const SESSION_COOKIE: &str = "emas_session";
/// Before sign-in there is no session to bind a CSRF token to; this cookie holds one instead.
pub const PRE_SESSION_COOKIE: &str = "emas_pre";

/// What every handler knows about the request it serves.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub session: Option<Session>,
    /// The account a bearer token acts as, on API routes.
    pub token_user: Option<User>,
    /// The token a state-changing form must carry.
    pub csrf: String,
    pub request_id: String,
    pub demo: bool,
}

impl Ctx {
    pub fn user(&self) -> Option<&User> {
        self.session
            .as_ref()
            .map(|s| &s.user)
            .or(self.token_user.as_ref())
    }

    /// The signed-in account; handlers behind the guard can rely on it.
    pub fn require_user(&self) -> Result<&User, AppError> {
        self.user().ok_or(AppError::SignInRequired)
    }

    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }
}

impl FromRequestParts<App> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &App) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal("identify middleware missing".into()))
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Lax always, Secure when served over TLS.
pub fn set_cookie(app: &App, name: &str, value: &str, max_age_secs: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if app.config.secure_cookies {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).expect("cookie names and tokens are ASCII")
}

/// Resolves the caller once per request and stores a [`Ctx`] for handlers and the guard.
pub async fn identify(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let lang = Lang::from_headers(headers);
    let request_id = headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let now = emas_store::now();
    let session = match cookie(headers, SESSION_COOKIE) {
        Some(token) => match app.db.session(token, app.config.session, now).await {
            Ok(s) => s,
            Err(e) => return AppError::from(e).into_response(),
        },
        None => None,
    };
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token_user = match bearer {
        Some(token) if req.uri().path().starts_with("/api/") => {
            match app.db.user_for_token(token.trim(), now).await {
                Ok(u) => u,
                Err(e) => return AppError::from(e).into_response(),
            }
        }
        _ => None,
    };
    let pre_session = cookie(headers, PRE_SESSION_COOKIE).map(str::to_owned);
    let new_pre_session = session.is_none() && pre_session.is_none();
    let csrf = match (&session, pre_session) {
        (Some(s), _) => s.csrf_token.clone(),
        (None, Some(p)) => p,
        (None, None) => random_token(),
    };
    let ctx = Ctx {
        lang,
        session,
        token_user,
        csrf: csrf.clone(),
        request_id,
        demo: app.config.demo,
    };
    req.extensions_mut().insert(ctx.clone());
    let mut response = next.run(req).await;
    // The error renderer sits outside this middleware and needs to know who was asking.
    response.extensions_mut().insert(ctx);
    if new_pre_session {
        response.headers_mut().append(
            SET_COOKIE,
            set_cookie(&app, PRE_SESSION_COOKIE, &csrf, None),
        );
    }
    response
}

/// Paths a person whose password must change may still visit.
const PASSWORD_CHANGE_PATHS: [&str; 2] = ["/account/password", "/sign-out"];

/// The guard of every protected route: sign-in first, then [`authorize`].
pub async fn guard(State(action): State<Action>, req: Request, next: Next) -> Response {
    let Some(ctx) = req.extensions().get::<Ctx>() else {
        return AppError::Internal("identify middleware missing".into()).into_response();
    };
    let Some(user) = ctx.user() else {
        return AppError::SignInRequired.into_response();
    };
    if let Err(e) = authorize(user, action) {
        return e.into_response();
    }
    let path = req.uri().path();
    if user.must_change_password && ctx.session.is_some() && !PASSWORD_CHANGE_PATHS.contains(&path)
    {
        return Redirect::to("/account/password").into_response();
    }
    next.run(req).await
}

/// Helpers the templates call.
impl Ctx {
    pub fn may(&self, action: Action) -> bool {
        self.user().is_some_and(|u| crate::authz::allows(u, action))
    }

    pub fn role_name(&self, role: &emas_domain::access::Role) -> String {
        self.t(&format!("role-{}", role.as_str().replace('_', "-")))
    }

    pub fn kind_name(&self, kind: &emas_store::agencies::AgencyKind) -> String {
        self.t(&format!("agency-kind-{}", kind.as_str().replace('_', "-")))
    }

    pub fn version(&self) -> &'static str {
        crate::assets::VERSION
    }
}

impl Ctx {
    /// An audit line for something the signed-in caller did to `entity` `entity_id`.
    pub fn audit_entry(
        &self,
        action: &str,
        entity: &str,
        entity_id: impl ToString,
    ) -> emas_store::audit::AuditEntry {
        let user = self.user();
        emas_store::audit::AuditEntry {
            actor_user_id: user.map(|u| u.id),
            actor: user
                .map(|u| u.username.clone())
                .unwrap_or_else(|| "anonymous".into()),
            action: action.to_owned(),
            entity: entity.to_owned(),
            entity_id: entity_id.to_string(),
            detail: String::new(),
            request_id: self.request_id.clone(),
        }
    }
}

impl Ctx {
    /// The text for the key `{prefix}-{value}`: the name of a value of a vocabulary
    /// (`migration-returned`, `sector-caregiver`).
    pub fn tk(&self, prefix: &str, value: impl std::fmt::Display) -> String {
        self.lang.tk(prefix, value)
    }
}
