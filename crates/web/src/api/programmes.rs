//! The programme under `/api/v1`: programmes, cohorts of a track, a cohort with its
//! participants, enrolments and attendance, with the same validation, scope and audit as the
//! pages, through the same functions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use emas_store::audit;
use emas_store::programmes::{self, Cohort, Participant, Partner, Programme, Session, Track};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::App;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::pages::programmes::{
    CohortForm, Enrolled, ProgrammeForm, cohort_input, enrol_people, explain_refusal,
    managed_cohort, managed_programme, programme_input, save_attendance, visible_cohort,
    visible_cohorts, visible_participants, visible_programme, visible_session, visible_track,
};

#[derive(Serialize, ToSchema)]
pub struct InvalidOut {
    /// A stable key, e.g. `invalid-programme`.
    error: String,
    /// Field name → message in the caller's language.
    fields: std::collections::BTreeMap<String, String>,
}

fn invalid(error: &str, fields: std::collections::BTreeMap<String, String>) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(InvalidOut {
            error: error.to_owned(),
            fields,
        }),
    )
        .into_response()
}

#[derive(Serialize, ToSchema)]
pub struct ProgrammeDetail {
    #[schema(value_type = Object)]
    programme: Programme,
    #[schema(value_type = Vec<Object>)]
    partners: Vec<Partner>,
    #[schema(value_type = Vec<Object>)]
    tracks: Vec<Track>,
    #[schema(value_type = Vec<Object>)]
    cohorts: Vec<Cohort>,
}

/// The programmes whose region lies within the caller's scope.
#[utoipa::path(get, path = "/api/v1/programmes", tag = "programme",
    responses((status = 200, description = "Programmes, newest first"), (status = 403)))]
pub async fn list(State(app): State<App>, ctx: Ctx) -> Result<Json<Vec<Programme>>, AppError> {
    let user = ctx.require_user()?;
    Ok(Json(app.db.programmes(&user.scope).await?))
}

/// Create a programme; validation is the page form's (dates in order, region within scope).
#[utoipa::path(post, path = "/api/v1/programmes", tag = "programme", request_body = ProgrammeForm,
    responses((status = 201, body = ProgrammeDetail), (status = 422, body = InvalidOut)))]
pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    Json(form): Json<ProgrammeForm>,
) -> Result<Response, AppError> {
    let input = match programme_input(&app, &ctx, &form).await? {
        Ok(i) => i,
        Err(e) => return Ok(invalid("invalid-programme", e.by_field())),
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
    Ok((StatusCode::CREATED, Json(detail(&app, &ctx, id).await?)).into_response())
}

async fn detail(app: &App, ctx: &Ctx, id: i64) -> Result<ProgrammeDetail, AppError> {
    let programme = visible_programme(app, ctx, id).await?;
    Ok(ProgrammeDetail {
        partners: app.db.partners(id).await?,
        tracks: app.db.tracks(id).await?,
        cohorts: visible_cohorts(app, ctx, &programme).await?,
        programme,
    })
}

/// One programme with its partners, tracks and cohorts.
#[utoipa::path(get, path = "/api/v1/programmes/{id}", tag = "programme",
    params(("id" = i64, Path)), responses((status = 200, body = ProgrammeDetail), (status = 404)))]
pub async fn get(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<ProgrammeDetail>, AppError> {
    Ok(Json(detail(&app, &ctx, id).await?))
}

/// The cohorts of a track.
#[utoipa::path(get, path = "/api/v1/tracks/{id}/cohorts", tag = "programme",
    params(("id" = i64, Path)), responses((status = 200, description = "Cohorts"), (status = 404)))]
pub async fn track_cohorts(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Cohort>>, AppError> {
    let track = visible_track(&app, &ctx, id).await?;
    let p = visible_programme(&app, &ctx, track.programme_id).await?;
    Ok(Json(
        visible_cohorts(&app, &ctx, &p)
            .await?
            .into_iter()
            .filter(|c| c.track_id == id)
            .collect(),
    ))
}

/// Create a cohort of a track (capacity 1 to 1000, dates in order, trainers of the region).
#[utoipa::path(post, path = "/api/v1/tracks/{id}/cohorts", tag = "programme", request_body = CohortForm,
    params(("id" = i64, Path)),
    responses((status = 201, description = "The new cohort"), (status = 404), (status = 422, body = InvalidOut)))]
pub async fn create_cohort(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(form): Json<CohortForm>,
) -> Result<Response, AppError> {
    let track = visible_track(&app, &ctx, id).await?;
    let p = managed_programme(&app, &ctx, track.programme_id).await?;
    let input = match cohort_input(&app, &ctx, &p.region_code, &form).await? {
        Ok(i) => i,
        Err(e) => return Ok(invalid("invalid-cohort", e.by_field())),
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let cid = programmes::create_cohort(&mut tx, id, &input, now).await?;
    audit::record(
        &mut tx,
        &ctx.audit_entry("cohort.create", "cohort", cid),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(app.db.cohort(cid).await?)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct CohortDetail {
    #[schema(value_type = Object)]
    cohort: Cohort,
    #[schema(value_type = Vec<Object>)]
    sessions: Vec<Session>,
    /// Each with sessions attended, scores and completion.
    #[schema(value_type = Vec<Object>)]
    participants: Vec<Participant>,
}

/// A cohort with its sessions and participants (the read is audited).
#[utoipa::path(get, path = "/api/v1/cohorts/{id}", tag = "programme",
    params(("id" = i64, Path)), responses((status = 200, body = CohortDetail), (status = 404)))]
pub async fn cohort(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<CohortDetail>, AppError> {
    let c = visible_cohort(&app, &ctx, id).await?;
    let participants = visible_participants(&app, &ctx, &c).await?;
    app.audit.log(ctx.audit_entry("cohort.read", "cohort", id));
    Ok(Json(CohortDetail {
        sessions: app.db.sessions(id).await?,
        participants,
        cohort: c,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct EnrolIn {
    /// Registry ids; all are enrolled or none (at most 200).
    #[serde(default)]
    person_ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolledOut {
    enrolment_ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RefusedPerson {
    person_id: i64,
    /// Stable keys, e.g. `eligibility-outside-region`.
    reasons: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolRefused {
    /// `ineligible`, `cohort-full` or `enrol-none-chosen`.
    error: String,
    /// One line a refused person, in the caller's language.
    messages: Vec<String>,
    people: Vec<RefusedPerson>,
}

/// Enrol people in a cohort: each is checked against the programme's rules, and all are
/// enrolled or none.
#[utoipa::path(post, path = "/api/v1/cohorts/{id}/enrolments", tag = "programme", request_body = EnrolIn,
    params(("id" = i64, Path)),
    responses((status = 201, body = EnrolledOut), (status = 404), (status = 409, body = EnrolRefused), (status = 422, body = EnrolRefused)))]
pub async fn enrol(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(body): Json<EnrolIn>,
) -> Result<Response, AppError> {
    managed_cohort(&app, &ctx, id).await?;
    let refused = |status, error: &str, messages, people| {
        (
            status,
            Json(EnrolRefused {
                error: error.to_owned(),
                messages,
                people,
            }),
        )
            .into_response()
    };
    Ok(
        match enrol_people(&app, &ctx, id, &body.person_ids).await? {
            Enrolled::Done(ids) => (
                StatusCode::CREATED,
                Json(EnrolledOut { enrolment_ids: ids }),
            )
                .into_response(),
            Enrolled::Refused(r) => {
                let messages = explain_refusal(&app, &ctx, &r).await?;
                let people = r
                    .into_iter()
                    .map(|(person_id, reasons)| RefusedPerson {
                        person_id,
                        reasons: reasons.iter().map(|x| x.key().to_owned()).collect(),
                    })
                    .collect();
                refused(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "ineligible",
                    messages,
                    people,
                )
            }
            Enrolled::Full(free) => refused(
                StatusCode::CONFLICT,
                "cohort-full",
                vec![
                    ctx.lang
                        .t_args("cohort-full", &[("count", free.to_string())]),
                ],
                Vec::new(),
            ),
            Enrolled::BadCount => refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "enrol-none-chosen",
                vec![ctx.t("enrol-none-chosen")],
                Vec::new(),
            ),
        },
    )
}

#[derive(Deserialize, ToSchema)]
pub struct MarkIn {
    enrolment_id: i64,
    present: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct AttendanceIn {
    #[serde(default)]
    marks: Vec<MarkIn>,
}

#[derive(Serialize, ToSchema)]
pub struct AttendanceOut {
    recorded: usize,
}

/// Record who was present in a session; every enrolment must be of the session's cohort, or
/// nothing is recorded.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/attendance", tag = "programme", request_body = AttendanceIn,
    params(("id" = i64, Path)),
    responses((status = 200, body = AttendanceOut), (status = 404), (status = 422, body = InvalidOut)))]
pub async fn attendance(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(body): Json<AttendanceIn>,
) -> Result<Response, AppError> {
    visible_session(&app, &ctx, id).await?;
    let marks: Vec<(i64, bool)> = body
        .marks
        .iter()
        .map(|m| (m.enrolment_id, m.present))
        .collect();
    Ok(match save_attendance(&app, &ctx, id, &marks).await? {
        Ok(recorded) => Json(AttendanceOut { recorded }).into_response(),
        Err(key) => invalid(
            key,
            [("marks".to_owned(), ctx.t(key))].into_iter().collect(),
        ),
    })
}
