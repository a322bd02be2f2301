//! Referrals under `/api/v1/referrals`: the caller's agency's inbox, sent and overdue lists, a
//! new referral and a decision on one, through the same functions and rules as the pages.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use emas_store::referrals::Referral;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ErrorOut;
use crate::App;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::pages::referrals::{
    MoveRefusal, ReferForm, agency_lists, move_referral, refer, today, visible_referral,
};

#[derive(Serialize, ToSchema)]
pub struct ReferralOut {
    id: i64,
    person_id: i64,
    person_name: String,
    enrolment_id: Option<i64>,
    from_agency_id: i64,
    from_agency_name: String,
    to_agency_id: i64,
    to_agency_name: String,
    /// business_licensing, kur, skills_training, counselling, legal_aid or other.
    service: String,
    note: String,
    due_on: NaiveDate,
    /// sent, accepted, declined or closed.
    status: String,
    outcome: String,
    /// Still open (sent or accepted) past its due date.
    overdue: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Referral> for ReferralOut {
    fn from(r: Referral) -> Self {
        ReferralOut {
            overdue: r.is_overdue(today()),
            id: r.id,
            person_id: r.person_id,
            person_name: r.person_name,
            enrolment_id: r.enrolment_id,
            from_agency_id: r.from_agency_id,
            from_agency_name: r.from_agency_name,
            to_agency_id: r.to_agency_id,
            to_agency_name: r.to_agency_name,
            service: r.service.as_str().to_owned(),
            note: r.note,
            due_on: r.due_on,
            status: r.status.as_str().to_owned(),
            outcome: r.outcome,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// `inbox` (addressed to the caller's agency, the default), `sent` (sent by it, people
    /// within the caller's scope) or `overdue` (either, open past their due date).
    #[serde(rename = "box")]
    list: Option<String>,
}

/// The referrals of the caller's agency, overdue ones first.
#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals", params(ListParams),
    responses((status = 200, body = [ReferralOut]), (status = 400, body = ErrorOut), (status = 403, body = ErrorOut)))]
pub async fn list(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<ListParams>,
) -> Result<Json<Vec<ReferralOut>>, AppError> {
    let user = ctx.require_user()?;
    let (inbox, sent) = agency_lists(&app, user).await?;
    let rows = match p.list.as_deref().unwrap_or("inbox") {
        "inbox" => inbox,
        "sent" => sent,
        "overdue" => {
            let today = today();
            inbox
                .into_iter()
                .chain(sent)
                .filter(|r| r.is_overdue(today))
                .collect()
        }
        _ => return Err(AppError::BadRequest("error-bad-form")),
    };
    app.audit
        .log(ctx.audit_entry("referral.list", "agency", user.agency_id));
    Ok(Json(rows.into_iter().map(ReferralOut::from).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct ReferralIn {
    person_id: i64,
    to_agency_id: i64,
    /// business_licensing, kur, skills_training, counselling, legal_aid or other; the agency
    /// must offer it.
    service: String,
    /// Today or later, `YYYY-MM-DD`.
    due_on: String,
    #[serde(default)]
    note: String,
    /// One of the person's enrolments, if the referral belongs to one.
    #[serde(default)]
    enrolment_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReferralFieldErrors {
    error: String,
    /// Field name → message in the caller's language.
    fields: std::collections::BTreeMap<String, String>,
}

/// Refer a person (within the caller's scope) from the caller's agency to another.
#[utoipa::path(post, path = "/api/v1/referrals", tag = "referrals", request_body = ReferralIn,
    responses((status = 201, body = ReferralOut), (status = 404, body = ErrorOut), (status = 422, body = ReferralFieldErrors)))]
pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    Json(input): Json<ReferralIn>,
) -> Result<Response, AppError> {
    let form = ReferForm {
        offer: String::new(),
        to_agency_id: Some(input.to_agency_id),
        service: input.service,
        due_on: input.due_on,
        note: input.note,
        enrolment_id: input.enrolment_id.map(|e| e.to_string()),
    };
    match refer(&app, &ctx, input.person_id, &form).await? {
        Ok(id) => {
            let r = app.db.referral(id).await?;
            Ok((StatusCode::CREATED, Json(ReferralOut::from(r))).into_response())
        }
        Err(errors) => {
            let body = ReferralFieldErrors {
                error: "invalid-referral".into(),
                fields: errors
                    .fields()
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct StatusIn {
    /// accepted or declined (a sent referral), closed (an accepted one).
    status: String,
    /// A note; for `closed`, the outcome (required).
    #[serde(default)]
    note: String,
}

/// The receiving agency accepts, declines or closes a referral. A referral decided meanwhile
/// by someone else is a 409.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/status", tag = "referrals", request_body = StatusIn,
    params(("id" = i64, Path)),
    responses((status = 200, body = ReferralOut), (status = 400, body = ErrorOut), (status = 403, body = ErrorOut),
        (status = 404, body = ErrorOut), (status = 409, body = ErrorOut)))]
pub async fn set_status(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(input): Json<StatusIn>,
) -> Result<Response, AppError> {
    match move_referral(&app, &ctx, id, &input.status, &input.note).await? {
        Ok(()) => {
            let user = ctx.require_user()?;
            let r = visible_referral(&app, user, id).await?;
            Ok(Json(ReferralOut::from(r)).into_response())
        }
        Err(MoveRefusal::Message(key, status)) => {
            let body = serde_json::json!({
                "error": key,
                "message": ctx.t(key),
                "request_id": ctx.request_id,
            });
            Ok((status, Json(body)).into_response())
        }
    }
}
