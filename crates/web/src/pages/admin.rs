//! Administration: accounts, agencies, the audit log and API tokens. Every change is audited in
//! its own transaction; an admin manages only accounts within their own scope.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone, Utc};
use emas_domain::access::{RegionCode, Role, Scope};
use emas_store::agencies::{Agency, AgencyKind, NewAgency, create_agency as store_create_agency};
use emas_store::audit::{self, AuditFilter, AuditRecord};
use emas_store::secret::one_time_password;
use emas_store::tokens::{self, ApiToken};
use emas_store::users::{self, NewUser, NewUserError, User, normalise_username};
use emas_store::{DbError, sessions};
use serde::Deserialize;

use super::home::scope_name;
use crate::App;
use crate::auth::Ctx;
use crate::authz::{Action, may_manage_account};
use crate::error::AppError;
use crate::form::{CsrfForm, NoFields, filter_value as non_empty};

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

fn bad_request(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}

// ---- accounts ----

pub struct UserRow {
    user: User,
    scope_name: String,
    agency_name: String,
    manageable: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
struct UsersPage<'a> {
    ctx: &'a Ctx,
    rows: Vec<UserRow>,
    notice: Option<String>,
    one_time_password: Option<String>,
}

async fn users_page(
    app: &App,
    ctx: &Ctx,
    notice: Option<String>,
    one_time_password: Option<String>,
) -> Result<Response, AppError> {
    let admin = ctx.require_user()?;
    let agencies = app.db.agencies().await?;
    let mut rows = Vec::new();
    // An admin sees the accounts within their scope; the national admin sees all.
    for user in app.db.users().await? {
        if !admin.scope.includes(&user.scope) {
            continue;
        }
        rows.push(UserRow {
            scope_name: scope_name(app, ctx, &user.scope).await?,
            agency_name: agencies
                .iter()
                .find(|a| a.id == user.agency_id)
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            manageable: may_manage_account(admin, &user.scope) && user.id != admin.id,
            user,
        });
    }
    Ok(UsersPage {
        ctx,
        rows,
        notice,
        one_time_password,
    }
    .into_response())
}

pub async fn users(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    users_page(&app, &ctx, None, None).await
}

#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    agency_id: String,
}

#[derive(Default)]
pub struct UserErrors {
    username: Option<String>,
    display_name: Option<String>,
    role: Option<String>,
    scope: Option<String>,
    agency: Option<String>,
}

impl UserErrors {
    fn any(&self) -> bool {
        self.username.is_some()
            || self.display_name.is_some()
            || self.role.is_some()
            || self.scope.is_some()
            || self.agency.is_some()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "user_form.html")]
struct UserFormPage<'a> {
    ctx: &'a Ctx,
    form: UserForm,
    errors: UserErrors,
    roles: &'static [Role],
    scopes: Vec<(String, String)>,
    agencies: Vec<Agency>,
}

/// The scopes an admin may give: their own and every region within it down to regencies.
async fn assignable_scopes(
    app: &App,
    ctx: &Ctx,
    admin: &User,
) -> Result<Vec<(String, String)>, AppError> {
    let mut out = Vec::new();
    if admin.scope == Scope::National {
        out.push(("national".to_owned(), ctx.t("scope-national")));
    }
    let provinces = match &admin.scope {
        Scope::National => app.db.region_children(None).await?,
        Scope::Region(code) => app.db.region(&code.province()).await?.into_iter().collect(),
    };
    for province in provinces {
        let code =
            RegionCode::parse(&province.code).map_err(|e| AppError::Internal(e.to_string()))?;
        let scope = Scope::Region(code.clone());
        if admin.scope.includes(&scope) {
            out.push((province.code.clone(), province.name.clone()));
        }
        for regency in app.db.region_children(Some(&code)).await? {
            let scope =
                Scope::parse(&regency.code).map_err(|e| AppError::Internal(e.to_string()))?;
            if admin.scope.includes(&scope) {
                out.push((
                    regency.code,
                    format!("{} — {}", regency.name, province.name),
                ));
            }
        }
    }
    Ok(out)
}

async fn user_form_page(
    app: &App,
    ctx: &Ctx,
    form: UserForm,
    errors: UserErrors,
) -> Result<Response, AppError> {
    let admin = ctx.require_user()?;
    let bad = errors.any();
    let page = UserFormPage {
        ctx,
        form,
        errors,
        roles: &Role::ALL,
        scopes: assignable_scopes(app, ctx, admin).await?,
        agencies: app.db.agencies().await?,
    }
    .into_response();
    Ok(if bad { bad_request(page) } else { page })
}

pub async fn new_user_form(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    user_form_page(&app, &ctx, UserForm::default(), UserErrors::default()).await
}

pub async fn create_user(
    State(app): State<App>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<UserForm>,
) -> Result<Response, AppError> {
    let admin = ctx.require_user()?.clone();
    let mut errors = UserErrors::default();
    let username = normalise_username(&form.username);
    if username.is_none() {
        errors.username = Some(ctx.t("username-invalid"));
    }
    let display_name = form.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 120 {
        errors.display_name = Some(ctx.t("name-required"));
    }
    let role = form.role.parse::<Role>().ok();
    if role.is_none() {
        errors.role = Some(ctx.t("role-invalid"));
    }
    let scope = Scope::parse(&form.scope).ok();
    match &scope {
        None => errors.scope = Some(ctx.t("scope-invalid")),
        Some(s) if !may_manage_account(&admin, s) => {
            errors.scope = Some(ctx.t("scope-outside-yours"))
        }
        Some(Scope::Region(code)) if app.db.region(code).await?.is_none() => {
            errors.scope = Some(ctx.t("scope-invalid"))
        }
        Some(_) => {}
    }
    let agency_id = form.agency_id.parse::<i64>().ok();
    let agency = match agency_id {
        Some(id) => match app.db.agency(id).await {
            Ok(a) => Some(a),
            Err(DbError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    if agency.is_none() {
        errors.agency = Some(ctx.t("agency-invalid"));
    }
    let (Some(username), Some(role), Some(scope), Some(agency), false) =
        (username, role, scope, agency, errors.any())
    else {
        return user_form_page(&app, &ctx, form, errors).await;
    };
    let password = one_time_password();
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let created = users::create_user(
        &mut tx,
        &NewUser {
            username: &username,
            display_name,
            password: &password,
            role,
            scope,
            agency_id: agency.id,
            must_change_password: true,
        },
        now,
    )
    .await;
    let id = match created {
        Ok(id) => id,
        Err(NewUserError::Taken) => {
            drop(tx);
            errors.username = Some(ctx.t("username-taken"));
            return user_form_page(&app, &ctx, form, errors).await;
        }
        Err(e) => return Err(AppError::Internal(e.to_string())),
    };
    audit::record(&mut tx, &ctx.audit_entry("user.create", "user", id), now).await?;
    tx.commit().await?;
    let notice = ctx.lang.t_args("user-created", &[("username", username)]);
    users_page(&app, &ctx, Some(notice), Some(password)).await
}

/// The account `id`, if the caller may manage it.
async fn manageable(app: &App, ctx: &Ctx, id: i64) -> Result<User, AppError> {
    let admin = ctx.require_user()?;
    let target = app.db.user(id).await?;
    if !may_manage_account(admin, &target.scope) || target.id == admin.id {
        return Err(AppError::Forbidden);
    }
    Ok(target)
}

pub async fn reset_password(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let target = manageable(&app, &ctx, id).await?;
    let password = one_time_password();
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    users::set_password(&mut tx, target.id, &password, true, now)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    sessions::end_all_for_user(&mut tx, target.id).await?;
    audit::record(
        &mut tx,
        &ctx.audit_entry("user.reset_password", "user", target.id),
        now,
    )
    .await?;
    tx.commit().await?;
    let notice = ctx
        .lang
        .t_args("user-password-reset", &[("username", target.username)]);
    users_page(&app, &ctx, Some(notice), Some(password)).await
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: bool,
}

pub async fn set_active(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ActiveForm>,
) -> Result<Response, AppError> {
    let target = manageable(&app, &ctx, id).await?;
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    users::set_active(&mut tx, target.id, form.active, now).await?;
    let action = if form.active {
        "user.activate"
    } else {
        "user.deactivate"
    };
    audit::record(&mut tx, &ctx.audit_entry(action, "user", target.id), now).await?;
    tx.commit().await?;
    Ok(see_other("/admin/users"))
}

// ---- agencies ----

#[derive(Deserialize, Default)]
pub struct AgencyForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    region_code: String,
}

#[derive(Default)]
pub struct AgencyErrors {
    code: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    region_code: Option<String>,
}

impl AgencyErrors {
    fn any(&self) -> bool {
        self.code.is_some()
            || self.name.is_some()
            || self.kind.is_some()
            || self.region_code.is_some()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agencies.html")]
struct AgenciesPage<'a> {
    ctx: &'a Ctx,
    rows: Vec<(Agency, String)>,
    form: AgencyForm,
    errors: AgencyErrors,
    kinds: &'static [AgencyKind],
}

async fn agencies_page(
    app: &App,
    ctx: &Ctx,
    form: AgencyForm,
    errors: AgencyErrors,
) -> Result<Response, AppError> {
    let mut rows = Vec::new();
    for a in app.db.agencies().await? {
        let region = match &a.region_code {
            None => ctx.t("scope-national"),
            Some(code) => match RegionCode::parse(code) {
                Ok(c) => app
                    .db
                    .region(&c)
                    .await?
                    .map(|r| r.name)
                    .unwrap_or_else(|| code.clone()),
                Err(_) => code.clone(),
            },
        };
        rows.push((a, region));
    }
    let bad = errors.any();
    let page = AgenciesPage {
        ctx,
        rows,
        form,
        errors,
        kinds: &AgencyKind::ALL,
    }
    .into_response();
    Ok(if bad { bad_request(page) } else { page })
}

pub async fn agencies(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    agencies_page(&app, &ctx, AgencyForm::default(), AgencyErrors::default()).await
}

fn valid_agency_code(code: &str) -> bool {
    (2..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

pub async fn create_agency(
    State(app): State<App>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<AgencyForm>,
) -> Result<Response, AppError> {
    let mut errors = AgencyErrors::default();
    let code = form.code.trim().to_lowercase();
    if !valid_agency_code(&code) {
        errors.code = Some(ctx.t("agency-code-invalid"));
    }
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.name = Some(ctx.t("name-required"));
    }
    let kind = AgencyKind::parse(&form.kind);
    if kind.is_none() {
        errors.kind = Some(ctx.t("agency-kind-invalid"));
    }
    let region = form.region_code.trim();
    let region_code = if region.is_empty() {
        None
    } else {
        match RegionCode::parse(region) {
            Ok(c) if app.db.region(&c).await?.is_some() => Some(c),
            _ => {
                errors.region_code = Some(ctx.t("region-unknown"));
                None
            }
        }
    };
    let (Some(kind), false) = (kind, errors.any()) else {
        return agencies_page(&app, &ctx, form, errors).await;
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let created = store_create_agency(
        &mut tx,
        &NewAgency {
            code: &code,
            name,
            kind,
            region_code: region_code.as_ref().map(|c| c.as_str()),
        },
        now,
    )
    .await;
    let id = match created {
        Ok(id) => id,
        Err(DbError::Conflict(_)) => {
            drop(tx);
            errors.code = Some(ctx.t("agency-code-taken"));
            return agencies_page(&app, &ctx, form, errors).await;
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &mut tx,
        &ctx.audit_entry("agency.create", "agency", id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/admin/agencies"))
}

// ---- audit log ----

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    ctx: &'a Ctx,
    filter: AuditQuery,
    rows: Vec<AuditRecord>,
    error: Option<String>,
    page: i64,
    has_next: bool,
    query: String,
}

const AUDIT_PAGE_SIZE: i64 = 50;

pub async fn audit(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let mut error = None;
    let mut day = |s: &str| -> Option<chrono::DateTime<Utc>> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"))),
            Err(_) => {
                error = Some(ctx.t("date-invalid"));
                None
            }
        }
    };
    let from = day(&q.from);
    let until = day(&q.until).map(|d| d + chrono::Duration::days(1));
    let filter = AuditFilter {
        actor: non_empty(&q.actor),
        action: non_empty(&q.action),
        entity: non_empty(&q.entity),
        entity_id: non_empty(&q.entity_id),
        from,
        until,
    };
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let mut rows = app
        .db
        .audit_log(&filter, AUDIT_PAGE_SIZE + 1, (page - 1) * AUDIT_PAGE_SIZE)
        .await?;
    let has_next = rows.len() as i64 > AUDIT_PAGE_SIZE;
    rows.truncate(AUDIT_PAGE_SIZE as usize);
    let query = serde_urlencoded::to_string([
        ("actor", q.actor.as_str()),
        ("action", q.action.as_str()),
        ("entity", q.entity.as_str()),
        ("entity_id", q.entity_id.as_str()),
        ("from", q.from.as_str()),
        ("until", q.until.as_str()),
    ])
    .unwrap_or_default();
    app.audit
        .log(ctx.audit_entry("audit.read", "audit_log", ""));
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut r = AuditPage {
        ctx: &ctx,
        filter: q,
        rows,
        error,
        page,
        has_next,
        query,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

// ---- API tokens ----

#[derive(Template, WebTemplate)]
#[template(path = "tokens.html")]
struct TokensPage<'a> {
    ctx: &'a Ctx,
    rows: Vec<ApiToken>,
    users: Vec<User>,
    new_token: Option<String>,
    error: Option<String>,
}

async fn tokens_page(
    app: &App,
    ctx: &Ctx,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let admin = ctx.require_user()?;
    let users: Vec<User> = app
        .db
        .users()
        .await?
        .into_iter()
        .filter(|u| u.active && admin.scope.includes(&u.scope))
        .collect();
    let bad = error.is_some();
    let visible: Vec<i64> = users.iter().map(|u| u.id).collect();
    let page = TokensPage {
        ctx,
        rows: app
            .db
            .api_tokens()
            .await?
            .into_iter()
            .filter(|t| visible.contains(&t.user_id))
            .collect(),
        users,
        new_token,
        error,
    }
    .into_response();
    Ok(if bad { bad_request(page) } else { page })
}

pub async fn tokens(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    tokens_page(&app, &ctx, None, None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    user_id: String,
}

pub async fn issue_token(
    State(app): State<App>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<Response, AppError> {
    let admin = ctx.require_user()?.clone();
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return tokens_page(&app, &ctx, None, Some(ctx.t("name-required"))).await;
    }
    let Ok(user_id) = form.user_id.parse::<i64>() else {
        return tokens_page(&app, &ctx, None, Some(ctx.t("token-user-invalid"))).await;
    };
    let target = match app.db.user(user_id).await {
        Ok(u) if u.active && admin.scope.includes(&u.scope) => u,
        Ok(_) | Err(DbError::NotFound) => {
            return tokens_page(&app, &ctx, None, Some(ctx.t("token-user-invalid"))).await;
        }
        Err(e) => return Err(e.into()),
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let (id, token) = tokens::issue(&mut tx, target.id, name, admin.id, now).await?;
    audit::record(
        &mut tx,
        &ctx.audit_entry("api_token.issue", "api_token", id),
        now,
    )
    .await?;
    tx.commit().await?;
    tokens_page(&app, &ctx, Some(token), None).await
}

pub async fn revoke_token(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    // An admin revokes only the tokens of accounts within their scope.
    let admin = ctx.require_user()?;
    let token = app
        .db
        .api_tokens()
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound)?;
    let holder = app.db.user(token.user_id).await?;
    if !admin.scope.includes(&holder.scope) {
        return Err(AppError::Forbidden);
    }
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    tokens::revoke(&mut tx, id, now).await?;
    audit::record(
        &mut tx,
        &ctx.audit_entry("api_token.revoke", "api_token", id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/admin/tokens"))
}
