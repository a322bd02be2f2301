//! Referrals between agencies: the inbox and sent lists of the caller's agency (overdue ones
//! first), one referral with its history and the receiving side's decisions, the "Rujuk" form on
//! a person's page, and the admin page of the services an agency offers. The API calls the same
//! functions ([`refer`], [`move_referral`]), so pages and API check the same rules.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use emas_domain::referral::{ReferralInputError, Service, Status};
use emas_store::agencies::Agency;
use emas_store::participants::OwnEnrolment;
use emas_store::referrals::{self, NewReferral, Referral, ReferralError, ReferralEvent};
use emas_store::users::User;
use serde::Deserialize;

use super::people::{person_in_scope, visible_person};
use crate::App;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::error::AppError;
use crate::form::CsrfForm;

pub(crate) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn see_other(to: String) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

fn with_status(mut r: Response, status: StatusCode) -> Response {
    *r.status_mut() = status;
    r
}

/// A due date as typed: `2027-03-01` (a date field) or `01-03-2027`.
pub(crate) fn parse_due(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

/// A referral the caller may see: addressed to their agency, or sent by it about a person
/// within their scope. Anything else does not exist for them.
pub(crate) async fn visible_referral(
    app: &App,
    user: &User,
    id: i64,
) -> Result<Referral, AppError> {
    let r = app.db.referral(id).await?;
    let receiver = r.to_agency_id == user.agency_id;
    let sender = r.from_agency_id == user.agency_id
        && person_in_scope(&user.scope, r.person_region.as_deref());
    if receiver || sender {
        Ok(r)
    } else {
        Err(AppError::NotFound)
    }
}

/// The referrals of the caller's agency: inbox, sent (people within the caller's scope) and
/// overdue of both.
pub(crate) async fn agency_lists(
    app: &App,
    user: &User,
) -> Result<(Vec<Referral>, Vec<Referral>), AppError> {
    let today = today();
    let inbox = app.db.referral_inbox(user.agency_id, today).await?;
    let sent = app
        .db
        .referrals_sent(user.agency_id, today)
        .await?
        .into_iter()
        .filter(|r| person_in_scope(&user.scope, r.person_region.as_deref()))
        .collect();
    Ok((inbox, sent))
}

// ---- the lists ----

#[derive(Template, WebTemplate)]
#[template(path = "referrals.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    overdue: Vec<Referral>,
    inbox: Vec<Referral>,
    sent: Vec<Referral>,
    today: NaiveDate,
}

pub async fn index(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let (inbox, sent) = agency_lists(&app, user).await?;
    let today = today();
    let overdue = inbox
        .iter()
        .chain(sent.iter())
        .filter(|r| r.is_overdue(today))
        .cloned()
        .collect();
    app.audit
        .log(ctx.audit_entry("referral.list", "agency", user.agency_id));
    Ok(ListPage {
        ctx: &ctx,
        overdue,
        inbox,
        sent,
        today,
    }
    .into_response())
}

// ---- one referral ----

#[derive(Template, WebTemplate)]
#[template(path = "referral.html")]
struct ShowPage<'a> {
    ctx: &'a Ctx,
    r: Referral,
    events: Vec<ReferralEvent>,
    receiver: bool,
    overdue: bool,
    message: Option<String>,
    note: String,
}

async fn show_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    message: Option<String>,
    note: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let r = visible_referral(app, user, id).await?;
    let events = app.db.referral_events(id).await?;
    app.audit
        .log(ctx.audit_entry("referral.read", "referral", id));
    let page = ShowPage {
        ctx,
        receiver: r.to_agency_id == user.agency_id,
        overdue: r.is_overdue(today()),
        r,
        events,
        message,
        note,
    }
    .into_response();
    Ok(with_status(page, status))
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    show_page(&app, &ctx, id, None, String::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

/// Why a move was refused, as the page and the API say it.
pub(crate) enum MoveRefusal {
    /// A translation key and the status to answer with.
    Message(&'static str, StatusCode),
}

/// The receiving agency moves a referral (accept, decline, close), audited in the same
/// transaction.
pub(crate) async fn move_referral(
    app: &App,
    ctx: &Ctx,
    id: i64,
    status: &str,
    note: &str,
) -> Result<Result<(), MoveRefusal>, AppError> {
    let user = ctx.require_user()?.clone();
    // Not visible: not there. Visible but sent by the caller's agency: not theirs to decide.
    visible_referral(app, &user, id).await?;
    let Some(to) = Status::parse(status) else {
        return Ok(Err(MoveRefusal::Message(
            "referral-bad-status",
            StatusCode::BAD_REQUEST,
        )));
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let refusal = match referrals::decide(&mut tx, id, user.agency_id, user.id, to, note, now).await
    {
        Ok(()) => None,
        Err(ReferralError::NotReceiver) => return Err(AppError::Forbidden),
        Err(ReferralError::Conflict(_)) => Some(("referral-conflict", StatusCode::CONFLICT)),
        Err(ReferralError::BadMove) => Some(("referral-bad-status", StatusCode::BAD_REQUEST)),
        Err(ReferralError::OutcomeRequired) => {
            Some(("referral-outcome-required", StatusCode::BAD_REQUEST))
        }
        Err(ReferralError::Input(_)) => Some(("referral-note-too-long", StatusCode::BAD_REQUEST)),
        Err(ReferralError::Db(e)) => return Err(e.into()),
        Err(e) => return Err(AppError::Internal(e.to_string())),
    };
    if let Some((key, code)) = refusal {
        drop(tx);
        return Ok(Err(MoveRefusal::Message(key, code)));
    }
    emas_store::audit::record(
        &mut tx,
        &ctx.audit_entry(&format!("referral.{}", to.as_str()), "referral", id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

pub async fn set_status(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Result<Response, AppError> {
    match move_referral(&app, &ctx, id, &form.status, &form.note).await? {
        Ok(()) => Ok(see_other(format!("/referrals/{id}"))),
        Err(MoveRefusal::Message(key, code)) => {
            show_page(&app, &ctx, id, Some(ctx.t(key)), form.note, code).await
        }
    }
}

// ---- the "Rujuk" form ----

/// A referral as a form or the API sends it.
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
pub struct ReferForm {
    /// `{agency_id}:{service}` from the form's list of offers; the API sends the two apart.
    #[serde(default)]
    pub(crate) offer: String,
    #[serde(default)]
    pub(crate) to_agency_id: Option<i64>,
    #[serde(default)]
    pub(crate) service: String,
    #[serde(default)]
    pub(crate) due_on: String,
    #[serde(default)]
    pub(crate) note: String,
    /// Optional: the enrolment the referral belongs to.
    #[serde(default)]
    pub(crate) enrolment_id: Option<String>,
}

#[derive(Default)]
pub struct ReferErrors {
    pub(crate) offer: Option<String>,
    pub(crate) due_on: Option<String>,
    pub(crate) note: Option<String>,
    pub(crate) enrolment: Option<String>,
}

impl ReferErrors {
    pub(crate) fn any(&self) -> bool {
        self.offer.is_some()
            || self.due_on.is_some()
            || self.note.is_some()
            || self.enrolment.is_some()
    }

    pub(crate) fn fields(&self) -> Vec<(&'static str, String)> {
        [
            ("offer", &self.offer),
            ("due_on", &self.due_on),
            ("note", &self.note),
            ("enrolment_id", &self.enrolment),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
    }
}

/// Checks and sends a referral of person `person_id` from the caller's agency; the person must
/// be within the caller's scope (else 404). `Ok(Err(errors))` says what to correct; nothing is
/// written then.
pub(crate) async fn refer(
    app: &App,
    ctx: &Ctx,
    person_id: i64,
    form: &ReferForm,
) -> Result<Result<i64, ReferErrors>, AppError> {
    let user = ctx.require_user()?.clone();
    visible_person(app, ctx, person_id).await?;
    let mut errors = ReferErrors::default();
    let (agency, service) = match form.offer.split_once(':') {
        Some((a, s)) => (a.trim().parse::<i64>().ok(), Service::parse(s)),
        None => (form.to_agency_id, Service::parse(&form.service)),
    };
    if agency.is_none() || service.is_none() {
        errors.offer = Some(ctx.t("referral-choose-offer"));
    }
    let due = parse_due(&form.due_on);
    if due.is_none() {
        errors.due_on = Some(ctx.t("referral-due-invalid"));
    }
    let enrolment_id = match form.enrolment_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => {
            let own = app.db.own_enrolments(person_id).await?;
            match s
                .parse::<i64>()
                .ok()
                .filter(|id| own.iter().any(|e| e.id == *id))
            {
                Some(id) => Some(id),
                None => {
                    errors.enrolment = Some(ctx.t("referral-enrolment-invalid"));
                    None
                }
            }
        }
    };
    let (Some(agency), Some(service), Some(due), false) = (agency, service, due, errors.any())
    else {
        return Ok(Err(errors));
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let sent = referrals::refer(
        &mut tx,
        &NewReferral {
            person_id,
            enrolment_id,
            from_agency_id: user.agency_id,
            to_agency_id: agency,
            service,
            note: &form.note,
            due_on: due,
            created_by: user.id,
        },
        today(),
        now,
    )
    .await;
    let id = match sent {
        Ok(id) => id,
        Err(e) => {
            drop(tx);
            match e {
                ReferralError::ServiceNotOffered => {
                    errors.offer = Some(ctx.t("referral-service-not-offered"))
                }
                ReferralError::OutsideArea => {
                    errors.offer = Some(ctx.t("referral-agency-outside-area"))
                }
                ReferralError::SameAgency => errors.offer = Some(ctx.t("referral-same-agency")),
                ReferralError::Input(ReferralInputError::DueInPast) => {
                    errors.due_on = Some(ctx.t("referral-due-past"))
                }
                ReferralError::Input(ReferralInputError::DueTooFar) => {
                    errors.due_on = Some(ctx.t("referral-due-too-far"))
                }
                ReferralError::Input(ReferralInputError::NoteTooLong) => {
                    errors.note = Some(ctx.t("referral-note-too-long"))
                }
                ReferralError::Db(e) => return Err(e.into()),
                e => return Err(AppError::Internal(e.to_string())),
            }
            return Ok(Err(errors));
        }
    };
    emas_store::audit::record(
        &mut tx,
        &ctx.audit_entry("referral.send", "referral", id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(id))
}

#[derive(Template, WebTemplate)]
#[template(path = "refer_form.html")]
struct ReferPage<'a> {
    ctx: &'a Ctx,
    person_id: i64,
    person_name: String,
    offers: Vec<(Service, Vec<Agency>)>,
    enrolments: Vec<OwnEnrolment>,
    form: ReferForm,
    errors: ReferErrors,
    min_due: String,
}

async fn refer_page(
    app: &App,
    ctx: &Ctx,
    person_id: i64,
    form: ReferForm,
    errors: ReferErrors,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let person = visible_person(app, ctx, person_id).await?;
    let mut offers: Vec<(Service, Vec<Agency>)> = Vec::new();
    for (service, agency) in app.db.service_offers().await? {
        // Only agencies that serve where the person lives are offered.
        if agency.id == user.agency_id
            || !referrals::serves(
                agency.region_code.as_deref(),
                person.person.region_code.as_deref(),
            )
        {
            continue;
        }
        match offers.last_mut() {
            Some((s, list)) if *s == service => list.push(agency),
            _ => offers.push((service, vec![agency])),
        }
    }
    let bad = errors.any();
    let page = ReferPage {
        ctx,
        person_id,
        person_name: person.person.full_name,
        offers,
        enrolments: app.db.own_enrolments(person_id).await?,
        form,
        errors,
        min_due: today().format("%Y-%m-%d").to_string(),
    }
    .into_response();
    Ok(if bad {
        with_status(page, StatusCode::BAD_REQUEST)
    } else {
        page
    })
}

pub async fn refer_form(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    refer_page(&app, &ctx, id, ReferForm::default(), ReferErrors::default()).await
}

pub async fn refer_submit(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReferForm>,
) -> Result<Response, AppError> {
    match refer(&app, &ctx, id, &form).await? {
        Ok(referral) => Ok(see_other(format!("/referrals/{referral}"))),
        Err(errors) => refer_page(&app, &ctx, id, form, errors).await,
    }
}

// ---- the services an agency offers (admins) ----

#[derive(Template, WebTemplate)]
#[template(path = "agency_services.html")]
struct ServicesPage<'a> {
    ctx: &'a Ctx,
    agency: Agency,
    offered: Vec<Service>,
    all: [Service; 6],
    saved: bool,
}

async fn services_page(app: &App, ctx: &Ctx, id: i64, saved: bool) -> Result<Response, AppError> {
    let agency = app.db.agency(id).await?;
    Ok(ServicesPage {
        ctx,
        offered: app.db.agency_services(id).await?,
        agency,
        all: Service::ALL,
        saved,
    }
    .into_response())
}

pub async fn services(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    services_page(&app, &ctx, id, false).await
}

pub async fn set_services(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    app.db.agency(id).await?;
    let mut chosen = Vec::new();
    for (k, v) in &form {
        if k != "service" {
            continue;
        }
        let s = Service::parse(v).ok_or(AppError::BadRequest("error-bad-form"))?;
        if !chosen.contains(&s) {
            chosen.push(s);
        }
    }
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    referrals::set_agency_services(&mut tx, id, &chosen).await?;
    let mut entry = ctx.audit_entry("agency.services", "agency", id);
    entry.detail = chosen
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",");
    emas_store::audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    services_page(&app, &ctx, id, true).await
}
