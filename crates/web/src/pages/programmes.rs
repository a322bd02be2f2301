//! The programme's pages: programmes with their partners and tracks, a cohort with its
//! sessions, trainers and participants (enrolled one by one or from a search of the registry),
//! the phone attendance sheet, test scores, and the cohort's lists as spreadsheets. A programme
//! outside the caller's scope does not exist for them (404), and nothing is written.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use emas_domain::access::{RegionCode, Role, Scope};
use emas_domain::programme::{Ineligible, TestKind, TrackKind, parse_score};
use emas_domain::regions::Regions;
use emas_store::agencies::Agency;
use emas_store::audit;
use emas_store::people::{PersonQuery, PersonSummary};
use emas_store::programmes::{
    self, Cohort, CohortInput, EnrolError, MarkError, Participant, Partner, Programme,
    ProgrammeInput, Session, Track, TrackInput,
};
use emas_store::users::User;
use serde::Deserialize;

use crate::App;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::error::AppError;
use crate::form::{CsrfForm, filter_value};
use crate::pages::people::{clip, person_in_scope};

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn see_other(to: String) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

fn with_status(mut r: Response, bad: bool) -> Response {
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    r
}

/// A date as an `<input type="date">` sends it (2027-03-01) or as people write it (01-03-2027).
fn parse_day(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
}

/// Messages beside the fields they are about.
#[derive(Debug, Default, Clone)]
pub struct Errors(Vec<(&'static str, String)>);

impl Errors {
    fn add(&mut self, field: &'static str, message: String) {
        self.0.push((field, message));
    }

    pub fn get(&self, field: &str) -> Option<&String> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| m)
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    pub(crate) fn by_field(&self) -> std::collections::BTreeMap<String, String> {
        self.0
            .iter()
            .map(|(f, m)| ((*f).to_owned(), m.clone()))
            .collect()
    }
}

// ---- scope ----

/// Whether the caller's scope holds the programme's whole region: only then may they change
/// it, its tracks, cohorts, sessions and enrolments.
pub(crate) fn manages_region(ctx: &Ctx, programme_region: &str) -> bool {
    ctx.user()
        .is_some_and(|u| person_in_scope(&u.scope, Some(programme_region)))
}

/// Whether a cohort is the caller's own although its programme is wider (a province
/// programme's cohort in the caller's regency): seen, not managed.
fn cohort_in_scope(ctx: &Ctx, c: &Cohort) -> bool {
    ctx.user().is_some_and(|u| {
        c.region_code.is_some() && person_in_scope(&u.scope, c.region_code.as_deref())
    })
}

/// A programme the caller may see: within their scope, or wider with one of its cohorts within
/// it (read-only, see [`manages_region`]). Others get 404.
pub(crate) async fn visible_programme(
    app: &App,
    ctx: &Ctx,
    id: i64,
) -> Result<Programme, AppError> {
    let p = app.db.programme(id).await?;
    if manages_region(ctx, &p.region_code) {
        return Ok(p);
    }
    let cohorts = app.db.programme_cohorts(id).await?;
    if cohorts.iter().any(|c| cohort_in_scope(ctx, c)) {
        return Ok(p);
    }
    Err(AppError::NotFound)
}

/// A cohort's participants as the caller may see them: all when they manage the programme,
/// else those living within their scope.
pub(crate) async fn visible_participants(
    app: &App,
    ctx: &Ctx,
    c: &Cohort,
) -> Result<Vec<Participant>, AppError> {
    let all = app.db.participants(c).await?;
    if manages_region(ctx, &c.programme_region) {
        return Ok(all);
    }
    let user = ctx.require_user()?;
    Ok(all
        .into_iter()
        .filter(|p| person_in_scope(&user.scope, p.row.region_code.as_deref()))
        .collect())
}

/// A programme the caller may change: seen and within their scope, else 403.
pub(crate) async fn managed_programme(
    app: &App,
    ctx: &Ctx,
    id: i64,
) -> Result<Programme, AppError> {
    let p = visible_programme(app, ctx, id).await?;
    if !manages_region(ctx, &p.region_code) {
        return Err(AppError::Forbidden);
    }
    Ok(p)
}

/// The cohorts of a programme the caller may see: all when they manage it, else their own.
pub(crate) async fn visible_cohorts(
    app: &App,
    ctx: &Ctx,
    p: &Programme,
) -> Result<Vec<Cohort>, AppError> {
    let all = app.db.programme_cohorts(p.id).await?;
    if manages_region(ctx, &p.region_code) {
        return Ok(all);
    }
    Ok(all
        .into_iter()
        .filter(|c| cohort_in_scope(ctx, c))
        .collect())
}

pub(crate) async fn visible_track(app: &App, ctx: &Ctx, id: i64) -> Result<Track, AppError> {
    let t = app.db.track(id).await?;
    visible_programme(app, ctx, t.programme_id).await?;
    Ok(t)
}

pub(crate) async fn visible_cohort(app: &App, ctx: &Ctx, id: i64) -> Result<Cohort, AppError> {
    ctx.require_user()?;
    let c = app.db.cohort(id).await?;
    if !manages_region(ctx, &c.programme_region) && !cohort_in_scope(ctx, &c) {
        return Err(AppError::NotFound);
    }
    Ok(c)
}

/// A cohort the caller may change (sessions, enrolment): its programme within their scope.
pub(crate) async fn managed_cohort(app: &App, ctx: &Ctx, id: i64) -> Result<Cohort, AppError> {
    let c = visible_cohort(app, ctx, id).await?;
    if !manages_region(ctx, &c.programme_region) {
        return Err(AppError::Forbidden);
    }
    Ok(c)
}

/// Attendance and scores: by those who manage the programme, or by a trainer assigned to the
/// cohort (whom the store checks again in the writing transaction).
pub(crate) async fn may_mark(app: &App, ctx: &Ctx, c: &Cohort) -> Result<bool, AppError> {
    let user = ctx.require_user()?;
    if !ctx.may(Action::TakeAttendance) || !app.db.acts_on_cohort(c.id, user.id).await? {
        return Ok(false);
    }
    Ok(manages_region(ctx, &c.programme_region) || user.role == Role::Trainer)
}

pub(crate) async fn visible_session(
    app: &App,
    ctx: &Ctx,
    id: i64,
) -> Result<(Session, Cohort), AppError> {
    let s = app.db.cohort_session(id).await?;
    let c = visible_cohort(app, ctx, s.cohort_id).await?;
    Ok((s, c))
}

// ---- forms and their validation, shared with the API ----

/// A programme as the form or the API sends it.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct ProgrammeForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub owner_agency_id: String,
    /// The Kemendagri code of the region the programme serves.
    #[serde(default)]
    pub region_code: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub budget_line: String,
    #[serde(default)]
    pub description: String,
    /// Eligibility: returned within this many years (empty: any time).
    #[serde(default)]
    pub returned_within_years: String,
}

pub(crate) async fn programme_input(
    app: &App,
    ctx: &Ctx,
    f: &ProgrammeForm,
) -> Result<Result<ProgrammeInput, Errors>, AppError> {
    let user = ctx.require_user()?;
    let mut e = Errors::default();
    let name = clip(&f.name, 200);
    if name.is_empty() {
        e.add("name", ctx.t("name-required"));
    }
    let agency = match f.owner_agency_id.trim().parse::<i64>() {
        Ok(id) => match app.db.agency(id).await {
            Ok(a) => Some(a.id),
            Err(emas_store::DbError::NotFound) => None,
            Err(err) => return Err(err.into()),
        },
        Err(_) => None,
    };
    if agency.is_none() {
        e.add("owner_agency_id", ctx.t("programme-agency-unknown"));
    }
    let region = match RegionCode::parse(f.region_code.trim()) {
        Ok(code) if app.db.region(&code).await?.is_none() => {
            e.add("region_code", ctx.t("region-unknown"));
            None
        }
        Ok(code) if !user.scope.covers(&code) => {
            e.add("region_code", ctx.t("scope-outside-yours"));
            None
        }
        Ok(code) => Some(code),
        Err(_) => {
            e.add("region_code", ctx.t("region-code-invalid"));
            None
        }
    };
    let starts_on = parse_day(&f.starts_on);
    if starts_on.is_none() {
        e.add("starts_on", ctx.t("date-unreadable"));
    }
    let ends_on = parse_day(&f.ends_on);
    if ends_on.is_none() {
        e.add("ends_on", ctx.t("date-unreadable"));
    }
    if let (Some(s), Some(end)) = (starts_on, ends_on)
        && end < s
    {
        e.add("ends_on", ctx.t("dates-out-of-order"));
    }
    let years = match f.returned_within_years.trim() {
        "" => None,
        s => match s.parse::<i32>() {
            Ok(n) if (1..=30).contains(&n) => Some(n),
            _ => {
                e.add("returned_within_years", ctx.t("programme-years-invalid"));
                None
            }
        },
    };
    Ok(match (agency, region, starts_on, ends_on, e.any()) {
        (Some(owner_agency_id), Some(region_code), Some(starts_on), Some(ends_on), false) => {
            Ok(ProgrammeInput {
                name,
                owner_agency_id,
                region_code,
                starts_on,
                ends_on,
                budget_line: clip(&f.budget_line, 200),
                description: clip(&f.description, 2000),
                returned_within_years: years,
            })
        }
        _ => Err(e),
    })
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    min_attendance_percent: String,
    #[serde(default)]
    requires_post_test: String,
}

fn track_input(ctx: &Ctx, f: &TrackForm) -> Result<TrackInput, Errors> {
    let mut e = Errors::default();
    let kind = TrackKind::parse(f.kind.trim());
    if kind.is_none() {
        e.add("kind", ctx.t("track-kind-invalid"));
    }
    let name = clip(&f.name, 200);
    if name.is_empty() {
        e.add("track_name", ctx.t("name-required"));
    }
    let min = match f.min_attendance_percent.trim() {
        "" => Some(80),
        s => s.parse::<i32>().ok().filter(|n| (0..=100).contains(n)),
    };
    if min.is_none() {
        e.add("min_attendance_percent", ctx.t("track-percent-invalid"));
    }
    match (kind, min, e.any()) {
        (Some(kind), Some(min_attendance_percent), false) => Ok(TrackInput {
            kind,
            name,
            description: clip(&f.description, 2000),
            min_attendance_percent,
            requires_post_test: matches!(f.requires_post_test.trim(), "yes" | "true" | "on"),
        }),
        _ => Err(e),
    }
}

/// A cohort as the API sends it; the page's form is read into the same shape.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct CohortForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub place: String,
    /// How many participants it takes (1 to 1000).
    #[serde(default)]
    pub capacity: String,
    /// YYYY-MM-DD, optional.
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    /// The cohort's region, a Kemendagri code within the programme's (e.g. `36.04` in a
    /// province programme); empty: the programme's whole region. Regency users see the cohorts
    /// of wider programmes in their region, read-only.
    #[serde(default)]
    pub region_code: String,
    /// Accounts of role trainer.
    #[serde(default)]
    pub trainer_ids: Vec<i64>,
}

impl CohortForm {
    fn from_pairs(pairs: &[(String, String)]) -> CohortForm {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        CohortForm {
            name: get("name"),
            place: get("place"),
            capacity: get("capacity"),
            starts_on: get("starts_on"),
            ends_on: get("ends_on"),
            region_code: get("region_code"),
            trainer_ids: pairs
                .iter()
                .filter(|(k, _)| k == "trainer")
                .filter_map(|(_, v)| v.trim().parse().ok())
                .collect(),
        }
    }
}

/// Trainers who may be given a cohort of a programme in `region`: active accounts of role
/// trainer whose scope covers the region or lies within it.
async fn trainers_for(app: &App, region: &str) -> Result<Vec<User>, AppError> {
    let Ok(code) = RegionCode::parse(region) else {
        return Ok(Vec::new());
    };
    let programme_scope = Scope::Region(code.clone());
    Ok(app
        .db
        .users()
        .await?
        .into_iter()
        .filter(|u| {
            u.active
                && u.role == Role::Trainer
                && (u.scope.covers(&code) || programme_scope.includes(&u.scope))
        })
        .collect())
}

pub(crate) async fn cohort_input(
    app: &App,
    ctx: &Ctx,
    region: &str,
    f: &CohortForm,
) -> Result<Result<CohortInput, Errors>, AppError> {
    let mut e = Errors::default();
    let name = clip(&f.name, 200);
    if name.is_empty() {
        e.add("name", ctx.t("name-required"));
    }
    let capacity = f
        .capacity
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| (1..=1000).contains(n));
    if capacity.is_none() {
        e.add("capacity", ctx.t("cohort-capacity-invalid"));
    }
    let day = |s: &str, field: &'static str, e: &mut Errors| match s.trim() {
        "" => None,
        s => {
            let d = parse_day(s);
            if d.is_none() {
                e.add(field, ctx.t("date-unreadable"));
            }
            d
        }
    };
    let starts_on = day(&f.starts_on, "starts_on", &mut e);
    let ends_on = day(&f.ends_on, "ends_on", &mut e);
    if let (Some(s), Some(end)) = (starts_on, ends_on)
        && end < s
    {
        e.add("ends_on", ctx.t("dates-out-of-order"));
    }
    // The cohort's region lies within the programme's and is a code the reference data holds.
    let region_code = match f.region_code.trim() {
        "" => None,
        typed => match RegionCode::parse(typed) {
            Ok(code) if Regions::reference().get(&code).is_none() => {
                e.add("region_code", ctx.t("region-unknown"));
                None
            }
            Ok(code) if RegionCode::parse(region).is_ok_and(|p| p.contains(&code)) => Some(code),
            Ok(_) => {
                e.add("region_code", ctx.t("cohort-region-outside"));
                None
            }
            Err(_) => {
                e.add("region_code", ctx.t("cohort-region-invalid"));
                None
            }
        },
    };
    let allowed = trainers_for(app, region).await?;
    if f.trainer_ids.len() > 20
        || f.trainer_ids
            .iter()
            .any(|id| !allowed.iter().any(|u| u.id == *id))
    {
        e.add("trainer", ctx.t("cohort-trainer-invalid"));
    }
    Ok(match (capacity, e.any()) {
        (Some(capacity), false) => Ok(CohortInput {
            name,
            place: clip(&f.place, 200),
            capacity,
            starts_on,
            ends_on,
            region_code,
            trainer_ids: f.trainer_ids.clone(),
        }),
        _ => Err(e),
    })
}

/// Each refused person with every reason, in the caller's language.
pub(crate) async fn explain_refusal(
    app: &App,
    ctx: &Ctx,
    refused: &[(i64, Vec<Ineligible>)],
) -> Result<Vec<String>, AppError> {
    let scope = ctx.require_user()?.scope.clone();
    let mut out = Vec::new();
    for (id, reasons) in refused {
        let name = if reasons.contains(&Ineligible::UnknownPerson) {
            format!("ID {id}")
        } else {
            match app.db.person(*id).await {
                Ok(d) if person_in_scope(&scope, d.person.region_code.as_deref()) => {
                    format!("{} (ID {id})", d.person.full_name)
                }
                _ => format!("ID {id}"),
            }
        };
        let why: Vec<String> = reasons.iter().map(|r| ctx.t(r.key())).collect();
        out.push(format!("{name}: {}", why.join(" ")));
    }
    Ok(out)
}

// ---- the list of programmes ----

#[derive(Template, WebTemplate)]
#[template(path = "programmes.html")]
struct ProgrammesPage<'a> {
    ctx: &'a Ctx,
    programmes: Vec<Programme>,
    may_manage: bool,
    agencies: Vec<Agency>,
    form: ProgrammeForm,
    errors: Errors,
}

async fn programmes_page(
    app: &App,
    ctx: &Ctx,
    form: ProgrammeForm,
    errors: Errors,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let programmes = app.db.programmes(&user.scope).await?;
    let bad = errors.any();
    let r = ProgrammesPage {
        ctx,
        programmes,
        may_manage: ctx.may(Action::ManageProgrammes),
        agencies: app.db.agencies().await?,
        form,
        errors,
    }
    .into_response();
    Ok(with_status(r, bad))
}

pub async fn index(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let form = ProgrammeForm {
        owner_agency_id: user.agency_id.to_string(),
        region_code: user.scope.code_prefix().unwrap_or_default().to_owned(),
        returned_within_years: "3".into(),
        ..ProgrammeForm::default()
    };
    programmes_page(&app, &ctx, form, Errors::default()).await
}

pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<ProgrammeForm>,
) -> Result<Response, AppError> {
    let input = match programme_input(&app, &ctx, &form).await? {
        Ok(input) => input,
        Err(errors) => return programmes_page(&app, &ctx, form, errors).await,
    };
    let user = ctx.require_user()?;
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let id = programmes::create_programme(&mut tx, &input, user.id, now).await?;
    audit::record(
        &mut tx,
        &ctx.audit_entry("programme.create", "programme", id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(format!("/programmes/{id}")))
}

// ---- one programme ----

pub struct TrackView {
    pub track: Track,
    pub cohorts: Vec<Cohort>,
}

#[derive(Template, WebTemplate)]
#[template(path = "programme.html")]
struct ProgrammePage<'a> {
    ctx: &'a Ctx,
    p: Programme,
    partners: Vec<Partner>,
    tracks: Vec<TrackView>,
    may_manage: bool,
    agencies: Vec<Agency>,
    trainers: Vec<User>,
    kinds: &'static [TrackKind],
    /// Errors of the track form, of the partner form, and of the cohort form of one track.
    track_errors: Errors,
    partner_error: Option<String>,
    cohort_errors: Option<(i64, Errors)>,
}

impl ProgrammePage<'_> {
    fn cohort_error(&self, track_id: &i64, field: &str) -> Option<String> {
        self.cohort_errors
            .as_ref()
            .filter(|(t, _)| t == track_id)
            .and_then(|(_, e)| e.get(field).cloned())
    }
}

async fn programme_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    track_errors: Errors,
    partner_error: Option<String>,
    cohort_errors: Option<(i64, Errors)>,
) -> Result<Response, AppError> {
    let p = visible_programme(app, ctx, id).await?;
    let partners = app.db.partners(id).await?;
    let cohorts = visible_cohorts(app, ctx, &p).await?;
    let tracks = app
        .db
        .tracks(id)
        .await?
        .into_iter()
        .map(|track| TrackView {
            cohorts: cohorts
                .iter()
                .filter(|c| c.track_id == track.id)
                .cloned()
                .collect(),
            track,
        })
        .collect();
    let bad = track_errors.any() || partner_error.is_some() || cohort_errors.is_some();
    let trainers = trainers_for(app, &p.region_code).await?;
    let r = ProgrammePage {
        ctx,
        partners,
        tracks,
        may_manage: ctx.may(Action::ManageProgrammes) && manages_region(ctx, &p.region_code),
        agencies: app.db.agencies().await?,
        trainers,
        kinds: TrackKind::ALL,
        track_errors,
        partner_error,
        cohort_errors,
        p,
    }
    .into_response();
    Ok(with_status(r, bad))
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    programme_page(&app, &ctx, id, Errors::default(), None, None).await
}

pub async fn add_track(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<TrackForm>,
) -> Result<Response, AppError> {
    managed_programme(&app, &ctx, id).await?;
    let input = match track_input(&ctx, &form) {
        Ok(i) => i,
        Err(e) => return programme_page(&app, &ctx, id, e, None, None).await,
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let track = programmes::add_track(&mut tx, id, &input, now).await?;
    let mut entry = ctx.audit_entry("programme.add_track", "programme", id);
    entry.detail = format!("track {track}");
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(see_other(format!("/programmes/{id}")))
}

#[derive(Debug, Default, Deserialize)]
pub struct PartnerForm {
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    role: String,
}

pub async fn add_partner(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<PartnerForm>,
) -> Result<Response, AppError> {
    managed_programme(&app, &ctx, id).await?;
    let agency = match form.agency_id.trim().parse::<i64>() {
        Ok(a) => app.db.agency(a).await.ok(),
        Err(_) => None,
    };
    let Some(agency) = agency else {
        let msg = ctx.t("programme-agency-unknown");
        return programme_page(&app, &ctx, id, Errors::default(), Some(msg), None).await;
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    programmes::add_partner(&mut tx, id, agency.id, &clip(&form.role, 100)).await?;
    let mut entry = ctx.audit_entry("programme.add_partner", "programme", id);
    entry.detail = format!("agency {}", agency.id);
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(see_other(format!("/programmes/{id}")))
}

pub async fn create_cohort(
    State(app): State<App>,
    ctx: Ctx,
    Path(track_id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let track = visible_track(&app, &ctx, track_id).await?;
    let p = managed_programme(&app, &ctx, track.programme_id).await?;
    let form = CohortForm::from_pairs(&pairs);
    let input = match cohort_input(&app, &ctx, &p.region_code, &form).await? {
        Ok(i) => i,
        Err(e) => {
            return programme_page(
                &app,
                &ctx,
                p.id,
                Errors::default(),
                None,
                Some((track_id, e)),
            )
            .await;
        }
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let id = programmes::create_cohort(&mut tx, track_id, &input, now).await?;
    audit::record(
        &mut tx,
        &ctx.audit_entry("cohort.create", "cohort", id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(format!("/cohorts/{id}")))
}

// ---- one cohort ----

#[derive(Debug, Default, Deserialize)]
pub struct CohortQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    region: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SessionForm {
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    topic: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "cohort.html")]
struct CohortPage<'a> {
    ctx: &'a Ctx,
    c: Cohort,
    sessions: Vec<Session>,
    trainers: Vec<programmes::Trainer>,
    participants: Vec<Participant>,
    may_manage: bool,
    may_attend: bool,
    query: CohortQuery,
    found: Vec<FoundRow>,
    /// Why an enrolment was refused: one line a person, or one message.
    refused: Vec<String>,
    session_form: SessionForm,
    session_errors: Errors,
    score_error: Option<String>,
}

/// A person a search found, with why they may not enrol (empty: they may).
pub struct FoundRow {
    pub p: PersonSummary,
    pub reasons: Vec<String>,
}

#[derive(Default)]
struct CohortProblems {
    refused: Vec<String>,
    session_form: SessionForm,
    session_errors: Errors,
    score_error: Option<String>,
}

async fn cohort_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    query: CohortQuery,
    problems: CohortProblems,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let c = visible_cohort(app, ctx, id).await?;
    let sessions = app.db.sessions(id).await?;
    let trainers = app.db.cohort_trainers(id).await?;
    let participants = visible_participants(app, ctx, &c).await?;
    let may_manage = ctx.may(Action::ManageProgrammes) && manages_region(ctx, &c.programme_region);
    // A trainer takes attendance and scores only in the cohorts they are assigned to.
    let may_attend = may_mark(app, ctx, &c).await?;
    let name = filter_value(&query.q);
    let region = filter_value(&query.region).and_then(|r| RegionCode::parse(&r).ok());
    let found = if may_manage && (name.is_some() || region.is_some()) {
        let q = PersonQuery {
            name,
            region: region.map(|r| r.to_string()),
            limit: 50,
            ..PersonQuery::default()
        };
        let people = app.db.search_people(&q, &user.scope).await?.0;
        let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
        let checked = app.db.eligibility(id, &ids, &user.scope, today()).await?;
        people
            .into_iter()
            .map(|p| FoundRow {
                reasons: checked
                    .iter()
                    .find(|(pid, _)| *pid == p.id)
                    .map(|(_, r)| r.iter().map(|x| ctx.t(x.key())).collect())
                    .unwrap_or_default(),
                p,
            })
            .collect()
    } else {
        Vec::new()
    };
    app.audit.log(ctx.audit_entry("cohort.read", "cohort", id));
    let bad = !problems.refused.is_empty()
        || problems.session_errors.any()
        || problems.score_error.is_some();
    let r = CohortPage {
        ctx,
        c,
        sessions,
        trainers,
        participants,
        may_manage,
        may_attend,
        query,
        found,
        refused: problems.refused,
        session_form: problems.session_form,
        session_errors: problems.session_errors,
        score_error: problems.score_error,
    }
    .into_response();
    Ok(with_status(r, bad))
}

pub async fn cohort(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<CohortQuery>,
) -> Result<Response, AppError> {
    cohort_page(&app, &ctx, id, query, CohortProblems::default()).await
}

pub async fn add_session(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<SessionForm>,
) -> Result<Response, AppError> {
    managed_cohort(&app, &ctx, id).await?;
    let mut e = Errors::default();
    let held_on = parse_day(&form.held_on);
    if held_on.is_none() {
        e.add("held_on", ctx.t("date-unreadable"));
    }
    let topic = clip(&form.topic, 300);
    if topic.is_empty() {
        e.add("topic", ctx.t("session-topic-required"));
    }
    let (Some(held_on), false) = (held_on, e.any()) else {
        let problems = CohortProblems {
            session_form: form,
            session_errors: e,
            ..CohortProblems::default()
        };
        return cohort_page(&app, &ctx, id, CohortQuery::default(), problems).await;
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let sid = programmes::add_session(&mut tx, id, held_on, &topic, now).await?;
    let mut entry = ctx.audit_entry("cohort.add_session", "cohort", id);
    entry.detail = format!("session {sid}");
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(see_other(format!("/cohorts/{id}")))
}

/// What an enrolment came to: the new enrolments, or why no one was enrolled.
pub(crate) enum Enrolled {
    Done(Vec<i64>),
    Refused(Vec<(i64, Vec<Ineligible>)>),
    Full(i64),
    BadCount,
}

/// Enrols people in a cohort the caller may see, all or none, with its audit lines.
pub(crate) async fn enrol_people(
    app: &App,
    ctx: &Ctx,
    cohort_id: i64,
    person_ids: &[i64],
) -> Result<Enrolled, AppError> {
    let user = ctx.require_user()?.clone();
    let mut unique: Vec<i64> = Vec::with_capacity(person_ids.len());
    for id in person_ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let ids = match programmes::enrol(
        &mut tx,
        cohort_id,
        &unique,
        &user.scope,
        user.id,
        today(),
        now,
    )
    .await
    {
        Ok(ids) => ids,
        Err(EnrolError::Ineligible(r)) => return Ok(Enrolled::Refused(r)),
        Err(EnrolError::Full { free, .. }) => return Ok(Enrolled::Full(free)),
        Err(EnrolError::BadCount) => return Ok(Enrolled::BadCount),
        Err(EnrolError::Db(e)) => return Err(e.into()),
    };
    for (eid, pid) in ids.iter().zip(&unique) {
        let mut entry = ctx.audit_entry("cohort.enrol", "person", pid);
        entry.detail = format!("cohort {cohort_id} enrolment {eid}");
        audit::record(&mut tx, &entry, now).await?;
    }
    tx.commit().await?;
    Ok(Enrolled::Done(ids))
}

/// Enrols one person by registry id (`person_id`) or those ticked in a search (`person`).
pub async fn enrol(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    managed_cohort(&app, &ctx, id).await?;
    let mut ids = Vec::new();
    let mut unreadable = false;
    for (k, v) in &pairs {
        if k == "person_id" || k == "person" {
            let v = v.trim();
            if v.is_empty() && k == "person_id" {
                continue;
            }
            match v.parse::<i64>() {
                Ok(n) => {
                    if !ids.contains(&n) {
                        ids.push(n)
                    }
                }
                Err(_) => unreadable = true,
            }
        }
    }
    let refused = if unreadable {
        vec![ctx.t("enrol-id-invalid")]
    } else {
        match enrol_people(&app, &ctx, id, &ids).await? {
            Enrolled::Done(_) => return Ok(see_other(format!("/cohorts/{id}"))),
            Enrolled::Refused(r) => {
                let mut lines = vec![ctx.t("enrol-refused")];
                lines.extend(explain_refusal(&app, &ctx, &r).await?);
                lines
            }
            Enrolled::Full(free) => vec![
                ctx.lang
                    .t_args("cohort-full", &[("count", free.to_string())]),
            ],
            Enrolled::BadCount => vec![ctx.t("enrol-none-chosen")],
        }
    };
    let problems = CohortProblems {
        refused,
        ..CohortProblems::default()
    };
    cohort_page(&app, &ctx, id, CohortQuery::default(), problems).await
}

/// Pre- and post-test scores: fields `pre{enrolment}` and `post{enrolment}`; empty ones are
/// left as they are.
pub async fn scores(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let c = visible_cohort(&app, &ctx, id).await?;
    if !may_mark(&app, &ctx, &c).await? {
        return Err(AppError::Forbidden);
    }
    let user = ctx.require_user()?.clone();
    let mut scores = Vec::new();
    let mut bad = false;
    for (k, v) in &pairs {
        let (kind, rest) = if let Some(r) = k.strip_prefix("pre") {
            (TestKind::Pre, r)
        } else if let Some(r) = k.strip_prefix("post") {
            (TestKind::Post, r)
        } else {
            continue;
        };
        if v.trim().is_empty() {
            continue;
        }
        match (rest.parse::<i64>(), parse_score(v)) {
            (Ok(eid), Some(score)) => scores.push((eid, kind, score)),
            _ => bad = true,
        }
    }
    let now = emas_store::now();
    let error = if bad {
        Some(ctx.t("score-invalid"))
    } else {
        let mut tx = app.db.begin().await?;
        match programmes::record_scores(&mut tx, id, &scores, user.id, now).await {
            Ok(_) => {
                let mut entry = ctx.audit_entry("cohort.scores", "cohort", id);
                entry.detail = format!("{} scores", scores.len());
                audit::record(&mut tx, &entry, now).await?;
                tx.commit().await?;
                return Ok(see_other(format!("/cohorts/{id}")));
            }
            Err(MarkError::NotInCohort(_)) => Some(ctx.t("attendance-not-in-cohort")),
            Err(MarkError::NotAssigned) => return Err(AppError::Forbidden),
            Err(MarkError::Db(e)) => return Err(e.into()),
        }
    };
    let problems = CohortProblems {
        score_error: error,
        ..CohortProblems::default()
    };
    cohort_page(&app, &ctx, id, CohortQuery::default(), problems).await
}

// ---- the attendance sheet ----

pub struct SheetRow {
    pub enrolment_id: i64,
    pub name: String,
    pub mark: Option<bool>,
}

#[derive(Template, WebTemplate)]
#[template(path = "attendance.html")]
struct AttendancePage<'a> {
    ctx: &'a Ctx,
    s: Session,
    c: Cohort,
    rows: Vec<SheetRow>,
    error: Option<String>,
}

async fn sheet_rows(
    app: &App,
    ctx: &Ctx,
    c: &Cohort,
    session_id: i64,
) -> Result<Vec<SheetRow>, AppError> {
    let marks = app.db.session_marks(session_id).await?;
    Ok(visible_participants(app, ctx, c)
        .await?
        .into_iter()
        .map(|p| SheetRow {
            mark: marks
                .iter()
                .find(|m| m.enrolment_id == p.row.enrolment_id)
                .map(|m| m.present),
            enrolment_id: p.row.enrolment_id,
            name: p.row.full_name,
        })
        .collect())
}

async fn attendance_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (s, c) = visible_session(app, ctx, id).await?;
    let rows = sheet_rows(app, ctx, &c, id).await?;
    app.audit
        .log(ctx.audit_entry("session.read", "cohort_session", id));
    let bad = error.is_some();
    let r = AttendancePage {
        ctx,
        s,
        c,
        rows,
        error,
    }
    .into_response();
    Ok(with_status(r, bad))
}

pub async fn attendance(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    attendance_page(&app, &ctx, id, None).await
}

/// Records a session's attendance in one transaction, with its audit line.
pub(crate) async fn save_attendance(
    app: &App,
    ctx: &Ctx,
    session_id: i64,
    marks: &[(i64, bool)],
) -> Result<Result<usize, &'static str>, AppError> {
    let (_, c) = visible_session(app, ctx, session_id).await?;
    if !may_mark(app, ctx, &c).await? {
        return Err(AppError::Forbidden);
    }
    let user = ctx.require_user()?.clone();
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    match programmes::record_attendance(&mut tx, session_id, marks, user.id, now).await {
        Ok(n) => {
            let mut entry = ctx.audit_entry("session.attendance", "cohort_session", session_id);
            entry.detail = format!("{n} marks");
            audit::record(&mut tx, &entry, now).await?;
            tx.commit().await?;
            Ok(Ok(n))
        }
        Err(MarkError::NotInCohort(_)) => Ok(Err("attendance-not-in-cohort")),
        Err(MarkError::NotAssigned) => Err(AppError::Forbidden),
        Err(MarkError::Db(e)) => Err(e.into()),
    }
}

/// The sheet as sent: `a{enrolment}=present|absent` for each name marked.
pub async fn take_attendance(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (_, c) = visible_session(&app, &ctx, id).await?;
    let mut marks = Vec::new();
    for (k, v) in &pairs {
        let Some(rest) = k.strip_prefix('a') else {
            continue;
        };
        let present = match v.as_str() {
            "present" => true,
            "absent" => false,
            _ => return attendance_page(&app, &ctx, id, Some(ctx.t("error-bad-form"))).await,
        };
        match rest.parse::<i64>() {
            Ok(eid) => marks.push((eid, present)),
            Err(_) => return attendance_page(&app, &ctx, id, Some(ctx.t("error-bad-form"))).await,
        }
    }
    match save_attendance(&app, &ctx, id, &marks).await? {
        Ok(_) => Ok(see_other(format!("/cohorts/{}", c.id))),
        Err(key) => attendance_page(&app, &ctx, id, Some(ctx.t(key))).await,
    }
}

// ---- spreadsheets ----

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn xlsx_response(
    app: &App,
    ctx: &Ctx,
    entity: &str,
    id: i64,
    file: &str,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
) -> Result<Response, AppError> {
    let mut out = Vec::new();
    emas_sheets::write_xlsx(&headers, &rows, &mut out)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut entry = ctx.audit_entry(&format!("{entity}.export"), entity, id);
    entry.detail = format!("{} rows as xlsx", rows.len());
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok((
        [
            (CONTENT_TYPE, XLSX.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        out,
    )
        .into_response())
}

/// The cohort's participants with attendance, scores and completion.
pub async fn participants_xlsx(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let c = visible_cohort(&app, &ctx, id).await?;
    let headers = [
        "field-full-name",
        "field-nik",
        "field-region-code-village",
        "participant-attendance",
        "score-pre",
        "score-post",
        "participant-completed",
    ]
    .iter()
    .map(|k| ctx.t(k))
    .collect();
    let rows = visible_participants(&app, &ctx, &c)
        .await?
        .into_iter()
        .map(|p| {
            vec![
                p.row.full_name,
                p.row.nik.unwrap_or_default(),
                p.row.region_code.unwrap_or_default(),
                p.completion.attendance_percent.to_string(),
                p.row.pre_score.map(|s| s.to_string()).unwrap_or_default(),
                p.row.post_score.map(|s| s.to_string()).unwrap_or_default(),
                ctx.t(if p.completion.completed {
                    "participant-completed-yes"
                } else {
                    "participant-completed-no"
                }),
            ]
        })
        .collect();
    xlsx_response(
        &app,
        &ctx,
        "cohort",
        id,
        &format!("cohort-{id}.xlsx"),
        headers,
        rows,
    )
    .await
}

/// One session's sheet: every participant and how they were marked.
pub async fn attendance_xlsx(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (s, c) = visible_session(&app, &ctx, id).await?;
    let headers = vec![
        ctx.t("field-full-name"),
        ctx.t("session-date"),
        ctx.t("session-topic"),
        ctx.t("attendance-mark"),
    ];
    let rows = sheet_rows(&app, &ctx, &c, id)
        .await?
        .into_iter()
        .map(|r| {
            vec![
                r.name,
                s.held_on.to_string(),
                s.topic.clone(),
                match r.mark {
                    Some(true) => ctx.t("attendance-present"),
                    Some(false) => ctx.t("attendance-absent"),
                    None => String::new(),
                },
            ]
        })
        .collect();
    xlsx_response(
        &app,
        &ctx,
        "cohort_session",
        id,
        &format!("attendance-{id}.xlsx"),
        headers,
        rows,
    )
    .await
}
