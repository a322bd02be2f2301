//! The JSON API under `/api/v1`: bearer tokens issued by an admin, the same guard and
//! authorization function as the pages, and an OpenAPI document generated from these handlers.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use chrono::{DateTime, Utc};
use emas_domain::access::RegionCode;
use emas_store::audit::AuditFilter;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use crate::App;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::error::AppError;
use crate::form::filter_value;
use crate::routes::{Access, guarded};

mod imports;
mod people;
mod pipeline;
mod programmes;
mod referrals;
mod surveys;

#[derive(OpenApi)]
#[openapi(
    info(title = "EMAS API", description = "Pemberdayaan dan pelindungan PMI Purna. Authenticate with `Authorization: Bearer <token>`; an admin issues tokens at /admin/tokens."),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// One API route and the action that guards it.
pub struct ApiRoute {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    handler: UtoipaMethodRouter<App>,
}

/// Every API route. The OpenAPI document is built from the same handlers, and a test checks that
/// its paths are exactly these.
#[rustfmt::skip] // a table reads best as one route per line
pub fn api_routes() -> Vec<ApiRoute> {
    use Access::Guarded;
    use Action::*;
    let r = |method, path, access, handler| ApiRoute { method, path, access, handler };
    vec![
        r(Method::GET, "/api/v1/me", Guarded(SignedIn), routes!(me)),
        r(Method::GET, "/api/v1/agencies", Guarded(ViewReference), routes!(agencies)),
        r(Method::GET, "/api/v1/regions/{code}", Guarded(ViewReference), routes!(region)),
        r(Method::GET, "/api/v1/users", Guarded(ManageAccounts), routes!(users)),
        r(Method::GET, "/api/v1/audit", Guarded(ViewAudit), routes!(audit_log)),
        r(Method::GET, "/api/v1/people", Guarded(ViewPeople), routes!(people::list)),
        r(Method::POST, "/api/v1/people", Guarded(EditPeople), routes!(people::create)),
        r(Method::GET, "/api/v1/people/{id}", Guarded(ViewPeople), routes!(people::get)),
        r(Method::PUT, "/api/v1/people/{id}", Guarded(EditPeople), routes!(people::update)),
        r(Method::POST, "/api/v1/imports", Guarded(ImportLists), routes!(imports::upload)),
        r(Method::GET, "/api/v1/imports/{id}", Guarded(ImportLists), routes!(imports::get)),
        r(Method::POST, "/api/v1/imports/{id}/commit", Guarded(ImportLists), routes!(imports::commit)),
        r(Method::GET, "/api/v1/referrals", Guarded(HandleReferrals), routes!(referrals::list)),
        r(Method::POST, "/api/v1/referrals", Guarded(Refer), routes!(referrals::create)),
        r(Method::POST, "/api/v1/referrals/{id}/status", Guarded(HandleReferrals), routes!(referrals::set_status)),
        // The programme.
        r(Method::GET, "/api/v1/programmes", Guarded(ViewProgrammes), routes!(programmes::list)),
        r(Method::POST, "/api/v1/programmes", Guarded(ManageProgrammes), routes!(programmes::create)),
        r(Method::GET, "/api/v1/programmes/{id}", Guarded(ViewProgrammes), routes!(programmes::get)),
        r(Method::GET, "/api/v1/tracks/{id}/cohorts", Guarded(ViewProgrammes), routes!(programmes::track_cohorts)),
        r(Method::POST, "/api/v1/tracks/{id}/cohorts", Guarded(ManageProgrammes), routes!(programmes::create_cohort)),
        r(Method::GET, "/api/v1/cohorts/{id}", Guarded(ViewProgrammes), routes!(programmes::cohort)),
        r(Method::POST, "/api/v1/cohorts/{id}/enrolments", Guarded(ManageProgrammes), routes!(programmes::enrol)),
        r(Method::POST, "/api/v1/sessions/{id}/attendance", Guarded(TakeAttendance), routes!(programmes::attendance)),
        r(Method::GET, "/api/v1/enrolments/{id}/stages", Guarded(ViewProgrammes), routes!(pipeline::stages)),
        r(Method::POST, "/api/v1/enrolments/{id}/stage", Guarded(MoveStages), routes!(pipeline::move_stage)),
        r(Method::GET, "/api/v1/enrolments/{id}/business", Guarded(ViewProgrammes), routes!(pipeline::business)),
        r(Method::POST, "/api/v1/enrolments/{id}/business", Guarded(ManageBusinesses), routes!(pipeline::save_business)),
        r(Method::GET, "/api/v1/businesses/{id}/months", Guarded(ViewProgrammes), routes!(pipeline::months)),
        r(Method::POST, "/api/v1/businesses/{id}/months", Guarded(ManageBusinesses), routes!(pipeline::add_month)),
        r(Method::GET, "/api/v1/businesses/{id}/capital", Guarded(ViewProgrammes), routes!(pipeline::capital)),
        r(Method::POST, "/api/v1/businesses/{id}/capital", Guarded(ManageBusinesses), routes!(pipeline::add_capital)),
        r(Method::GET, "/api/v1/enrolments/{id}/visits", Guarded(ViewProgrammes), routes!(pipeline::visits)),
        r(Method::POST, "/api/v1/enrolments/{id}/visits", Guarded(ManageBusinesses), routes!(pipeline::add_visit)),
        r(Method::GET, "/api/v1/enrolments/{id}/surveys", Guarded(TakeSurveys), routes!(surveys::list)),
        r(Method::POST, "/api/v1/enrolments/{id}/surveys", Guarded(TakeSurveys), routes!(surveys::create)),
    ]
}

pub fn router() -> OpenApiRouter<App> {
    api_routes().into_iter().fold(
        OpenApiRouter::with_openapi(ApiDoc::openapi()),
        |router, r| {
            let (schemas, paths, handler) = r.handler;
            router.routes((schemas, paths, guarded(handler, r.access)))
        },
    )
}

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    id: i64,
    username: String,
    display_name: String,
    /// One of: admin, registrar, programme_officer, trainer, mentor, case_worker, analyst,
    /// coordinator, moderator, partner_officer, participant.
    role: String,
    /// `national`, a province code (`36`) or a regency/city code (`36.04`).
    scope: String,
    agency_id: i64,
    active: bool,
}

impl From<&emas_store::users::User> for UserOut {
    fn from(u: &emas_store::users::User) -> Self {
        UserOut {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().to_owned(),
            scope: u.scope.as_str().to_owned(),
            agency_id: u.agency_id,
            active: u.active,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ErrorOut {
    /// A stable key, e.g. `error-forbidden`.
    error: String,
    /// The message in the caller's language (Accept-Language).
    message: String,
    request_id: String,
}

/// The account the token acts as.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = UserOut), (status = 401, body = ErrorOut)))]
async fn me(ctx: Ctx) -> Result<Json<UserOut>, AppError> {
    Ok(Json(ctx.require_user()?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct AgencyOut {
    id: i64,
    code: String,
    name: String,
    kind: String,
    /// `null` for agencies that work nationally.
    region_code: Option<String>,
}

/// Every agency whose staff use EMAS.
#[utoipa::path(get, path = "/api/v1/agencies", tag = "reference",
    responses((status = 200, body = [AgencyOut]), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut)))]
async fn agencies(State(app): State<App>) -> Result<Json<Vec<AgencyOut>>, AppError> {
    let list = app.db.agencies().await?;
    Ok(Json(
        list.into_iter()
            .map(|a| AgencyOut {
                id: a.id,
                code: a.code,
                name: a.name,
                kind: a.kind.as_str().to_owned(),
                region_code: a.region_code,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct RegionOut {
    code: String,
    name: String,
    /// 1 province, 2 regency/city, 3 district, 4 village.
    level: i32,
    parent_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RegionWithChildren {
    region: RegionOut,
    children: Vec<RegionOut>,
}

fn region_out(r: emas_store::regions::RegionRow) -> RegionOut {
    RegionOut {
        code: r.code,
        name: r.name,
        level: r.level,
        parent_code: r.parent_code,
    }
}

/// A region by its Kemendagri code, with the regions directly below it.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "reference",
    params(("code" = String, Path, description = "Kemendagri code, e.g. 36.04")),
    responses((status = 200, body = RegionWithChildren), (status = 404, body = ErrorOut)))]
async fn region(
    State(app): State<App>,
    Path(code): Path<String>,
) -> Result<Json<RegionWithChildren>, AppError> {
    let code = RegionCode::parse(&code).map_err(|_| AppError::NotFound)?;
    let region = app.db.region(&code).await?.ok_or(AppError::NotFound)?;
    let children = app.db.region_children(Some(&code)).await?;
    Ok(Json(RegionWithChildren {
        region: region_out(region),
        children: children.into_iter().map(region_out).collect(),
    }))
}

/// The accounts within the caller's scope (admins only).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin",
    responses((status = 200, body = [UserOut]), (status = 403, body = ErrorOut)))]
async fn users(State(app): State<App>, ctx: Ctx) -> Result<Json<Vec<UserOut>>, AppError> {
    let admin = ctx.require_user()?;
    let list = app.db.users().await?;
    Ok(Json(
        list.iter()
            .filter(|u| admin.scope.includes(&u.scope))
            .map(UserOut::from)
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditParams {
    actor: Option<String>,
    action: Option<String>,
    entity: Option<String>,
    entity_id: Option<String>,
    /// Lines at or after this time (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Lines before this time (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// At most 500; default 100.
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditOut {
    id: i64,
    at: DateTime<Utc>,
    actor_user_id: Option<i64>,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    detail: String,
    request_id: String,
}

/// The audit log, newest first (admins only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", params(AuditParams),
    responses((status = 200, body = [AuditOut]), (status = 400, body = ErrorOut), (status = 403, body = ErrorOut)))]
async fn audit_log(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<AuditParams>,
) -> Result<Json<Vec<AuditOut>>, AppError> {
    let filter = AuditFilter {
        actor: p.actor.as_deref().and_then(filter_value),
        action: p.action.as_deref().and_then(filter_value),
        entity: p.entity.as_deref().and_then(filter_value),
        entity_id: p.entity_id.as_deref().and_then(filter_value),
        from: p.from,
        until: p.until,
    };
    let limit = p.limit.unwrap_or(100).clamp(1, 500);
    let offset = p.offset.unwrap_or(0).max(0);
    let rows = app.db.audit_log(&filter, limit, offset).await?;
    app.audit
        .log(ctx.audit_entry("audit.read", "audit_log", ""));
    Ok(Json(
        rows.into_iter()
            .map(|r| AuditOut {
                id: r.id,
                at: r.at,
                actor_user_id: r.actor_user_id,
                actor: r.actor,
                action: r.action,
                entity: r.entity,
                entity_id: r.entity_id,
                detail: r.detail,
                request_id: r.request_id,
            })
            .collect(),
    ))
}
