//! Outcome surveys under `/api/v1`: an enrolment's surveys with answers and scores, and
//! recording one, through the same `store::surveys::record_response` and messages as the form.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use emas_domain::survey::{Instrument, Wave};
use emas_store::surveys::{self, ResponseInput, SurveyError, Taker};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::App;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::pages::pipeline::visible_enrolment;
use crate::pages::surveys::{answer_message, survey_refusal};

#[derive(Serialize, ToSchema)]
pub struct ScoreOut {
    config_version: String,
    instrument_id: String,
    /// Each dimension's score from 0 to 1; `null` when too few answers (docs/emas-index.md).
    ekonomi: Option<f64>,
    mandiri: Option<f64>,
    aman: Option<f64>,
    sejahtera: Option<f64>,
    reaches: bool,
    /// The UMK (monthly rupiah) the income measures were scored against.
    umk: Option<i64>,
    baseline_income: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SurveyOut {
    id: i64,
    enrolment_id: i64,
    /// baseline, m6, m12 or m24.
    wave: String,
    taken_on: NaiveDate,
    taken_by: i64,
    self_reported: bool,
    instrument_id: String,
    /// Answers as stored, by question id (digits, `yes`/`no`, or the option's value).
    answers: BTreeMap<String, String>,
    /// Newest configuration first.
    scores: Vec<ScoreOut>,
}

async fn surveys_out(app: &App, enrolment: i64) -> Result<Vec<SurveyOut>, AppError> {
    let mut out = Vec::new();
    for r in app.db.surveys_of(enrolment).await? {
        let scores = app
            .db
            .scores_of(r.id)
            .await?
            .into_iter()
            .map(|s| ScoreOut {
                config_version: s.config_version,
                instrument_id: s.instrument_id,
                ekonomi: s.ekonomi,
                mandiri: s.mandiri,
                aman: s.aman,
                sejahtera: s.sejahtera,
                reaches: s.reaches,
                umk: s.umk,
                baseline_income: s.baseline_income,
            })
            .collect();
        out.push(SurveyOut {
            answers: app.db.survey_answers(r.id).await?,
            id: r.id,
            enrolment_id: r.enrolment_id,
            wave: r.wave,
            taken_on: r.taken_on,
            taken_by: r.taken_by,
            self_reported: r.self_reported,
            instrument_id: r.instrument_id,
            scores,
        });
    }
    Ok(out)
}

/// An enrolment's surveys, in wave order, with answers and scores.
#[utoipa::path(get, path = "/api/v1/enrolments/{id}/surveys", tag = "surveys",
    params(("id" = i64, Path, description = "The enrolment")),
    responses((status = 200, body = [SurveyOut]), (status = 404)))]
pub async fn list(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Vec<SurveyOut>>, AppError> {
    visible_enrolment(&app, &ctx, id).await?;
    let out = surveys_out(&app, id).await?;
    app.audit
        .log(ctx.audit_entry("survey.list", "enrolment", id));
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
pub struct SurveyIn {
    /// baseline, m6, m12 or m24.
    wave: String,
    /// `YYYY-MM-DD`; not in the future, not before the wave opens.
    taken_on: NaiveDate,
    /// Raw answers by question id of the instrument in force (emas-v1): numbers and rupiah as
    /// text (`"1500000"`), `yes`/`no`, or an option's value; optional questions may be left out.
    answers: BTreeMap<String, String>,
}

#[derive(Serialize, ToSchema)]
pub struct AnswerProblem {
    question: String,
    error: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct SurveyProblem {
    error: String,
    message: String,
    /// Every refused answer, naming its question.
    answers: Vec<AnswerProblem>,
}

fn refused(
    status: StatusCode,
    key: &str,
    message: String,
    answers: Vec<AnswerProblem>,
) -> Response {
    let problem = SurveyProblem {
        error: key.to_owned(),
        message,
        answers,
    };
    (status, Json(problem)).into_response()
}

/// Records a survey of an enrolment (as the calling officer) and returns it with its score.
#[utoipa::path(post, path = "/api/v1/enrolments/{id}/surveys", tag = "surveys", request_body = SurveyIn,
    params(("id" = i64, Path, description = "The enrolment")),
    responses((status = 201, body = SurveyOut), (status = 404), (status = 409, body = SurveyProblem),
        (status = 422, body = SurveyProblem)))]
pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(body): Json<SurveyIn>,
) -> Result<Response, AppError> {
    visible_enrolment(&app, &ctx, id).await?;
    let Some(wave) = Wave::parse(&body.wave) else {
        let key = "survey-error-wave";
        return Ok(refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            key,
            ctx.t(key),
            Vec::new(),
        ));
    };
    let user = ctx.require_user()?;
    let input = ResponseInput {
        enrolment_id: id,
        wave,
        taken_on: body.taken_on,
        answers: body.answers,
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let who = ctx.audit_entry("", "", "");
    match surveys::record_response(
        &mut tx,
        &input,
        Taker::Officer { user_id: user.id },
        &who,
        now,
    )
    .await
    {
        Ok(response) => {
            tx.commit().await?;
            let out = surveys_out(&app, id)
                .await?
                .into_iter()
                .find(|s| s.id == response)
                .ok_or(AppError::NotFound)?;
            Ok((StatusCode::CREATED, Json(out)).into_response())
        }
        Err(SurveyError::Answers(errors)) => {
            drop(tx);
            let instrument = Instrument::default_v1();
            let answers = errors
                .into_iter()
                .map(|(q, e)| AnswerProblem {
                    message: answer_message(&ctx, instrument.question(&q), e),
                    error: format!("survey-error-{}", e.key()),
                    question: q,
                })
                .collect();
            let key = "form-has-errors";
            Ok(refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                key,
                ctx.t(key),
                answers,
            ))
        }
        Err(e) => {
            drop(tx);
            match survey_refusal(&ctx, &e) {
                Some((StatusCode::NOT_FOUND, _, _)) => Err(AppError::NotFound),
                Some((status, key, msg)) => {
                    let status = if status == StatusCode::BAD_REQUEST {
                        StatusCode::UNPROCESSABLE_ENTITY
                    } else {
                        status
                    };
                    Ok(refused(status, key, msg, Vec::new()))
                }
                None => Err(AppError::Internal(e.to_string())),
            }
        }
    }
}
