//! Participants' own accounts: an officer opens one for a registry person and hands over a
//! one-time link (shown once, with a QR code to print); the participant sets a password through
//! it and then sees their own enrolments, sessions and referrals at `/me`, and nothing of anyone
//! else.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, HOST, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use emas_domain::access::{RegionCode, Scope};
use emas_domain::business::parse_rupiah;
use emas_store::participants::{
    self, LinkError, LinkState, OwnBusiness, OwnEnrolment, OwnSession, OwnVisit,
};
use emas_store::password::{MIN_PASSWORD_LEN, PasswordError, check_new_password};
use emas_store::pipeline::MonthRow;
use emas_store::referrals::Referral;
use emas_store::users::User;
use emas_store::{audit, sessions};
use serde::Deserialize;

use super::people::visible_person;
use super::pipeline::{rupiah, validate_month};
use super::referrals::today;
use crate::App;
use crate::auth::{Ctx, SESSION_COOKIE, set_cookie};
use crate::authz::Action;
use crate::error::AppError;
use crate::form::{CsrfForm, NoFields};

/// The scope of a participant's account: the regency of the person's current address (or the
/// province, when only that is known).
fn participant_scope(region: Option<&str>) -> Option<Scope> {
    let code = RegionCode::parse(region?).ok()?;
    let code = code.regency().unwrap_or_else(|| code.province());
    Some(Scope::Region(code))
}

/// The link as its holder will type or scan it.
fn link_url(app: &App, headers: &HeaderMap, token: &str) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = if app.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}/set-password/{token}")
}

/// The QR code of `text` as an inline SVG (drawn on the server: the page needs no script).
fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| AppError::Internal(format!("qr code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    // The XML declaration does not belong inside an HTML page.
    Ok(match svg.find("<svg") {
        Some(i) => svg[i..].to_owned(),
        None => svg,
    })
}

// ---- the officer's side ----

pub struct IssuedLink {
    url: String,
    qr: String,
    expires_at: DateTime<Utc>,
}

#[derive(Template, WebTemplate)]
#[template(path = "participant_account.html")]
struct AccountPage<'a> {
    ctx: &'a Ctx,
    person_id: i64,
    person_name: String,
    account: Option<User>,
    issued: Option<IssuedLink>,
    error: Option<String>,
}

async fn account_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    issued: Option<IssuedLink>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let person = visible_person(app, ctx, id).await?;
    let bad = error.is_some();
    let shown = issued.is_some();
    let mut r = AccountPage {
        ctx,
        person_id: id,
        person_name: person.person.full_name,
        account: app.db.participant_account(id).await?,
        issued,
        error,
    }
    .into_response();
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    if shown {
        // The link is shown once: no cache may keep it.
        r.headers_mut()
            .insert(CACHE_CONTROL, "no-store".parse().expect("a static value"));
    }
    Ok(r)
}

pub async fn account_form(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    account_page(&app, &ctx, id, None, None).await
}

/// Opens the person's participant account if they have none, and issues a one-time link.
pub async fn issue_link(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let officer = ctx.require_user()?.clone();
    let person = visible_person(&app, &ctx, id).await?;
    let Some(scope) = participant_scope(person.person.region_code.as_deref()) else {
        let msg = ctx.t("participant-no-region");
        return account_page(&app, &ctx, id, None, Some(msg)).await;
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let user_id = participants::ensure_account(
        &mut tx,
        id,
        &person.person.full_name,
        scope,
        officer.agency_id,
        now,
    )
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let (token, expires_at) = participants::issue_link(&mut tx, user_id, officer.id, now).await?;
    audit::record(
        &mut tx,
        &ctx.audit_entry("participant.link_issued", "app_user", user_id),
        now,
    )
    .await?;
    tx.commit().await?;
    let url = link_url(&app, &headers, &token);
    let issued = IssuedLink {
        qr: qr_svg(&url)?,
        url,
        expires_at,
    };
    account_page(&app, &ctx, id, Some(issued), None).await
}

// ---- the participant's side: the one-time link ----

#[derive(Template, WebTemplate)]
#[template(path = "set_password.html")]
struct SetPasswordPage<'a> {
    ctx: &'a Ctx,
    token: String,
    /// `None` when the form is shown; otherwise why it is not.
    refusal: Option<String>,
    username: String,
    error: Option<String>,
    min_len: usize,
}

fn refusal_page(ctx: &Ctx, key: &str, status: StatusCode) -> Response {
    let mut r = SetPasswordPage {
        ctx,
        token: String::new(),
        refusal: Some(ctx.t(key)),
        username: String::new(),
        error: None,
        min_len: MIN_PASSWORD_LEN,
    }
    .into_response();
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CACHE_CONTROL, "no-store".parse().expect("a static value"));
    r
}

fn refusal_of(state: &LinkState) -> Option<(&'static str, StatusCode)> {
    match state {
        LinkState::Valid(_) => None,
        LinkState::Used => Some(("link-used", StatusCode::GONE)),
        LinkState::Expired => Some(("link-expired", StatusCode::GONE)),
        LinkState::Unknown => Some(("link-unknown", StatusCode::NOT_FOUND)),
    }
}

fn form_page(ctx: &Ctx, token: &str, user: &User, error: Option<String>) -> Response {
    let bad = error.is_some();
    let mut r = SetPasswordPage {
        ctx,
        token: token.to_owned(),
        refusal: None,
        username: user.username.clone(),
        error,
        min_len: MIN_PASSWORD_LEN,
    }
    .into_response();
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    r.headers_mut()
        .insert(CACHE_CONTROL, "no-store".parse().expect("a static value"));
    r
}

/// A token as it may appear in a link: URL-safe base64, not absurdly long.
fn plausible_token(t: &str) -> bool {
    (20..=100).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn set_password_form(
    State(app): State<App>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if !plausible_token(&token) {
        return Ok(refusal_page(&ctx, "link-unknown", StatusCode::NOT_FOUND));
    }
    let state = app.db.one_time_link(&token, emas_store::now()).await?;
    if let Some((key, status)) = refusal_of(&state) {
        return Ok(refusal_page(&ctx, key, status));
    }
    let LinkState::Valid(user) = state else {
        unreachable!("refusal_of answers every other state")
    };
    Ok(form_page(&ctx, &token, &user, None))
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn set_password(
    State(app): State<App>,
    ctx: Ctx,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<SetPasswordForm>,
) -> Result<Response, AppError> {
    if !plausible_token(&token) {
        return Ok(refusal_page(&ctx, "link-unknown", StatusCode::NOT_FOUND));
    }
    let now = emas_store::now();
    let state = app.db.one_time_link(&token, now).await?;
    if let Some((key, status)) = refusal_of(&state) {
        return Ok(refusal_page(&ctx, key, status));
    }
    let LinkState::Valid(user) = state else {
        unreachable!("refusal_of answers every other state")
    };
    let weak = match check_new_password(&form.password) {
        Err(PasswordError::TooShort) => Some("password-too-short"),
        Err(_) => Some("password-too-long"),
        Ok(()) if form.password != form.confirm => Some("password-mismatch"),
        Ok(()) => None,
    };
    if let Some(key) = weak {
        return Ok(form_page(&ctx, &token, &user, Some(ctx.t(key))));
    }
    let mut tx = app.db.begin().await?;
    let user_id = match participants::use_link(&mut tx, &token, &form.password, now).await {
        Ok(id) => id,
        Err(e) => {
            drop(tx);
            let (key, status) = match e {
                LinkError::Used => ("link-used", StatusCode::GONE),
                LinkError::Expired => ("link-expired", StatusCode::GONE),
                LinkError::Unknown => ("link-unknown", StatusCode::NOT_FOUND),
                LinkError::Password(_) => {
                    return Ok(form_page(
                        &ctx,
                        &token,
                        &user,
                        Some(ctx.t("password-too-short")),
                    ));
                }
                LinkError::Db(e) => return Err(e.into()),
            };
            return Ok(refusal_page(&ctx, key, status));
        }
    };
    let (session, _csrf) = sessions::start(&mut tx, user_id, app.config.session, now).await?;
    let mut entry = ctx.audit_entry("participant.password_set", "app_user", user_id);
    entry.actor_user_id = Some(user_id);
    entry.actor = user.username.clone();
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    let max_age = app.config.session.absolute.num_seconds();
    Ok((
        StatusCode::SEE_OTHER,
        [
            (
                SET_COOKIE,
                set_cookie(&app, SESSION_COOKIE, &session, Some(max_age)),
            ),
            (LOCATION, "/me".parse().expect("a static path")),
        ],
    )
        .into_response())
}

// ---- the participant's own page ----

/// A business the participant holds, with its monthly figures (newest first).
pub struct OwnBusinessView {
    business: OwnBusiness,
    months: Vec<MonthRow>,
}

/// A month's figures refused, to show beside the field of that business's form.
pub struct MonthRefusal {
    business: i64,
    field: &'static str,
    message: String,
    month: String,
    revenue: String,
    costs: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "me.html")]
struct MePage<'a> {
    ctx: &'a Ctx,
    enrolments: Vec<OwnEnrolment>,
    sessions: Vec<OwnSession>,
    referrals: Vec<Referral>,
    visits: Vec<OwnVisit>,
    businesses: Vec<OwnBusinessView>,
    refusal: Option<MonthRefusal>,
    linked: bool,
    today: NaiveDate,
    this_month: String,
}

impl MePage<'_> {
    fn rupiah(&self, n: &i64) -> String {
        rupiah(*n)
    }

    /// The refusal of `field` in the form of `business`, if that is what was refused.
    fn refused(&self, business: &i64, field: &str) -> Option<&str> {
        self.refusal
            .as_ref()
            .filter(|r| r.business == *business && r.field == field)
            .map(|r| r.message.as_str())
    }

    /// What was typed into `field` of the form of `business` (after a refusal), else `default`.
    fn typed<'b>(&'b self, business: &i64, field: &str, default: &'b str) -> &'b str {
        match &self.refusal {
            Some(r) if r.business == *business => match field {
                "month" => &r.month,
                "revenue" => &r.revenue,
                _ => &r.costs,
            },
            _ => default,
        }
    }
}

async fn me_page(
    app: &App,
    ctx: &Ctx,
    refusal: Option<MonthRefusal>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    // Only the person the account names: nothing here takes a person's id from the request.
    let person = app.db.person_of_user(user.id).await?;
    let today = today();
    let mut page = MePage {
        ctx,
        enrolments: Vec::new(),
        sessions: Vec::new(),
        referrals: Vec::new(),
        visits: Vec::new(),
        businesses: Vec::new(),
        linked: person.is_some(),
        today,
        this_month: today.format("%Y-%m").to_string(),
        refusal: None,
    };
    if let Some(p) = person {
        page.enrolments = app.db.own_enrolments(p).await?;
        page.sessions = app.db.own_sessions(p).await?;
        page.referrals = app.db.referrals_of_person(p, today).await?;
        page.visits = app.db.own_mentoring_notes(p).await?;
        for business in app.db.own_businesses(p).await? {
            let months = app.db.business_months(business.id).await?;
            page.businesses.push(OwnBusinessView { business, months });
        }
    }
    let bad = refusal.is_some();
    page.refusal = refusal;
    let mut r = page.into_response();
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn me(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    me_page(&app, &ctx, None).await
}

#[derive(Deserialize)]
pub struct OwnMonthForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    revenue: String,
    #[serde(default)]
    costs: String,
}

/// The participant records a month's revenue and costs of their own business; any other
/// business id is not found, and nothing is written.
pub async fn record_month(
    State(app): State<App>,
    ctx: Ctx,
    Path(business): Path<i64>,
    CsrfForm(f): CsrfForm<OwnMonthForm>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?.clone();
    let person = app
        .db
        .person_of_user(user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !app
        .db
        .own_businesses(person)
        .await?
        .iter()
        .any(|b| b.id == business)
    {
        return Err(AppError::NotFound);
    }
    let (month, revenue, costs) =
        match validate_month(&f.month, parse_rupiah(&f.revenue), parse_rupiah(&f.costs)) {
            Ok(v) => v,
            Err(bad) => {
                let clip = |s: &str| s.chars().take(40).collect::<String>();
                let refusal = MonthRefusal {
                    business,
                    field: bad.field,
                    message: bad.message(&ctx),
                    month: clip(&f.month),
                    revenue: clip(&f.revenue),
                    costs: clip(&f.costs),
                };
                return me_page(&app, &ctx, Some(refusal)).await;
            }
        };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    // The ownership is checked again inside the transaction that writes.
    participants::record_own_month(
        &mut tx, person, business, &month, revenue, costs, user.id, now,
    )
    .await?;
    let mut entry = ctx.audit_entry("business.record_month", "business", business);
    entry.detail = month;
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok((
        StatusCode::SEE_OTHER,
        [(
            LOCATION,
            format!("/me#biz-{business}")
                .parse::<axum::http::HeaderValue>()
                .map_err(|e| AppError::Internal(e.to_string()))?,
        )],
    )
        .into_response())
}
