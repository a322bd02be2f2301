//! Stages and businesses under `/api/v1`: the same transition table, validation, scope and audit
//! as the participant's page, through the same functions. Amounts are whole rupiah (integers).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use emas_domain::business::{MoneyError, check_rupiah};
use emas_domain::pipeline::Stage;
use emas_store::audit;
use emas_store::pipeline::{self, BusinessRow, CapitalRow, MonthRow, StageChangeRow, VisitRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::App;
use crate::api::ErrorOut;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::pages::people::clip;
use crate::pages::pipeline::{
    BusinessForm, Invalid, VisitFields, move_error, mover, stage_options, validate_business,
    validate_capital, validate_month, visible_enrolment, write_capital, write_month, write_visit,
};

/// A refusal: a stable key, the message in the caller's language, and the field it concerns.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    error: String,
    message: String,
    field: Option<String>,
}

fn problem(ctx: &Ctx, status: StatusCode, key: &str, field: Option<&str>) -> Response {
    (
        status,
        Json(Problem {
            error: key.to_owned(),
            message: ctx.t(key),
            field: field.map(str::to_owned),
        }),
    )
        .into_response()
}

fn invalid(ctx: &Ctx, bad: Invalid) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(Problem {
            error: bad.key.to_owned(),
            message: bad.message(ctx),
            field: Some(bad.field.to_owned()),
        }),
    )
        .into_response()
}

#[derive(Serialize, ToSchema)]
pub struct ChangeOut {
    id: i64,
    from_stage: String,
    to_stage: String,
    reason: String,
    changed_by: i64,
    changed_at: DateTime<Utc>,
    reverted_by_change_id: Option<i64>,
}

impl From<StageChangeRow> for ChangeOut {
    fn from(c: StageChangeRow) -> Self {
        ChangeOut {
            id: c.id,
            from_stage: c.from_stage,
            to_stage: c.to_stage,
            reason: c.reason,
            changed_by: c.changed_by,
            changed_at: c.changed_at,
            reverted_by_change_id: c.reverted_by_change_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StagesOut {
    enrolment_id: i64,
    person_id: i64,
    cohort_id: i64,
    /// registered, assessed, trained, business_plan, mentored, business_registered, financed,
    /// operating, dropped_out or departed_again.
    stage: String,
    stage_since: DateTime<Utc>,
    /// Oldest first.
    history: Vec<ChangeOut>,
    /// The stages the caller's role may move this participant to, and whether a reason is needed.
    may_move_to: Vec<MoveOption>,
}

#[derive(Serialize, ToSchema)]
pub struct MoveOption {
    stage: String,
    reason_required: bool,
}

async fn stages_out(app: &App, ctx: &Ctx, id: i64) -> Result<StagesOut, AppError> {
    let e = visible_enrolment(app, ctx, id).await?;
    let options = stage_options(app, ctx, &e).await?;
    let history = app.db.stage_history(id).await?;
    Ok(StagesOut {
        enrolment_id: e.id,
        person_id: e.person_id,
        cohort_id: e.cohort_id,
        may_move_to: options
            .into_iter()
            .map(|(s, r)| MoveOption {
                stage: s.as_str().to_owned(),
                reason_required: r,
            })
            .collect(),
        stage: e.stage,
        stage_since: e.stage_since,
        history: history.into_iter().map(ChangeOut::from).collect(),
    })
}

/// A participant's current stage and stage history.
#[utoipa::path(get, path = "/api/v1/enrolments/{id}/stages", tag = "pipeline",
    params(("id" = i64, Path, description = "The enrolment")),
    responses((status = 200, body = StagesOut), (status = 404)))]
pub async fn stages(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<StagesOut>, AppError> {
    let out = stages_out(&app, &ctx, id).await?;
    app.audit
        .log(ctx.audit_entry("enrolment.read", "enrolment", id));
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
pub struct MoveIn {
    /// The stage to move to.
    to: String,
    /// Required for a skip, a move back and dropping out.
    #[serde(default)]
    reason: String,
    /// The stage the caller believes current; when given and no longer current, 409.
    #[serde(default)]
    from: Option<String>,
}

/// Move a participant to another stage. Which role may make which move is the transition
/// table of docs/programme.md: a refused move is 403 (role) or 422 (reason) and changes nothing.
#[utoipa::path(post, path = "/api/v1/enrolments/{id}/stage", tag = "pipeline", request_body = MoveIn,
    params(("id" = i64, Path, description = "The enrolment")),
    responses((status = 200, body = StagesOut), (status = 403, body = Problem), (status = 404),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn move_stage(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(m): Json<MoveIn>,
) -> Result<Response, AppError> {
    let e = visible_enrolment(&app, &ctx, id).await?;
    let Some(to) = Stage::parse(&m.to) else {
        return Ok(problem(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "stage-invalid",
            Some("to"),
        ));
    };
    let seen = match m.from.as_deref() {
        None => None,
        Some(s) => match Stage::parse(s) {
            Some(s) => Some(s),
            None => {
                return Ok(problem(
                    &ctx,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "stage-invalid",
                    Some("from"),
                ));
            }
        },
    };
    let reason = clip(&m.reason, 500);
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let by = mover(&app, &ctx).await?;
    match pipeline::move_stage(&mut tx, id, seen, to, &reason, by, now).await {
        Ok(change) => {
            let mut entry = ctx.audit_entry("enrolment.move_stage", "enrolment", id);
            entry.detail = format!("{} -> {} (change {change})", e.stage, to.as_str());
            audit::record(&mut tx, &entry, now).await?;
            tx.commit().await?;
            Ok(Json(stages_out(&app, &ctx, id).await?).into_response())
        }
        Err(err) => {
            drop(tx);
            let Some((status, key)) = move_error(&err) else {
                return Err(AppError::Internal(err.to_string()));
            };
            let status = if status == StatusCode::BAD_REQUEST {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                status
            };
            let field = (key == "stage-refused-reason").then_some("reason");
            Ok(problem(&ctx, status, key, field))
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MonthOut {
    month: String,
    revenue: i64,
    costs: i64,
    profit: i64,
}

impl From<MonthRow> for MonthOut {
    fn from(m: MonthRow) -> Self {
        MonthOut {
            month: m.month,
            revenue: m.revenue,
            costs: m.costs,
            profit: m.profit,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CapitalOut {
    id: i64,
    /// kur, cooperative, grant, own_savings or family.
    source: String,
    lender: String,
    amount: i64,
    received_on: NaiveDate,
    /// current, late, repaid, defaulted or none.
    repayment_status: String,
}

impl From<CapitalRow> for CapitalOut {
    fn from(k: CapitalRow) -> Self {
        CapitalOut {
            id: k.id,
            source: k.source,
            lender: k.lender,
            amount: k.amount,
            received_on: k.received_on,
            repayment_status: k.repayment_status,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BusinessOut {
    id: i64,
    enrolment_id: i64,
    name: String,
    kbli_code: String,
    kbli_title: String,
    place: String,
    region_code: Option<String>,
    started_on: Option<NaiveDate>,
    nib: String,
    pirt: String,
    halal: String,
    workers: i32,
    /// Newest month first.
    months: Vec<MonthOut>,
    capital: Vec<CapitalOut>,
}

async fn business_out(app: &App, b: BusinessRow) -> Result<BusinessOut, AppError> {
    let months = app.db.business_months(b.id).await?;
    let capital = app.db.capital_of(b.id).await?;
    Ok(BusinessOut {
        kbli_title: emas_domain::business::kbli(&b.kbli_code)
            .map(|k| k.title.clone())
            .unwrap_or_default(),
        id: b.id,
        enrolment_id: b.enrolment_id,
        name: b.name,
        kbli_code: b.kbli_code,
        place: b.place,
        region_code: b.region_code,
        started_on: b.started_on,
        nib: b.nib,
        pirt: b.pirt,
        halal: b.halal,
        workers: b.workers,
        months: months.into_iter().map(MonthOut::from).collect(),
        capital: capital.into_iter().map(CapitalOut::from).collect(),
    })
}

/// The participant's business with its monthly figures and capital (404 when none).
#[utoipa::path(get, path = "/api/v1/enrolments/{id}/business", tag = "pipeline",
    params(("id" = i64, Path, description = "The enrolment")),
    responses((status = 200, body = BusinessOut), (status = 404)))]
pub async fn business(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<BusinessOut>, AppError> {
    visible_enrolment(&app, &ctx, id).await?;
    let b = app.db.business_of(id).await?.ok_or(AppError::NotFound)?;
    app.audit
        .log(ctx.audit_entry("enrolment.read_business", "enrolment", id));
    Ok(Json(business_out(&app, b).await?))
}

/// Record or change the participant's business (one per enrolment); validation is the page's.
#[utoipa::path(post, path = "/api/v1/enrolments/{id}/business", tag = "pipeline",
    request_body = BusinessForm, params(("id" = i64, Path, description = "The enrolment")),
    responses((status = 200, body = BusinessOut), (status = 404), (status = 422, body = Problem)))]
pub async fn save_business(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(f): Json<BusinessForm>,
) -> Result<Response, AppError> {
    visible_enrolment(&app, &ctx, id).await?;
    let user = ctx.require_user()?;
    let input = match validate_business(&app, &f).await {
        Ok(i) => i,
        Err(bad) => return Ok(invalid(&ctx, bad)),
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let b = pipeline::save_business(&mut tx, id, &input, user.id, now).await?;
    let mut entry = ctx.audit_entry("enrolment.save_business", "enrolment", id);
    entry.detail = format!("business {b}");
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    let row = app.db.business(b).await?;
    Ok(Json(business_out(&app, row).await?).into_response())
}

/// An amount in whole rupiah as JSON carries it. Any JSON value is taken so that every bad
/// amount (a fraction, text, a number past any integer type) is refused naming its field, as
/// the form's text is, rather than as a body that does not parse.
fn rupiah(v: &serde_json::Value) -> Result<i64, MoneyError> {
    match v {
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => check_rupiah(i),
            (None, Some(_), _) => Err(MoneyError::TooLarge),
            (None, None, Some(f)) if f.fract() == 0.0 && f < 0.0 => Err(MoneyError::Negative),
            (None, None, Some(f)) if f.fract() == 0.0 => Err(MoneyError::TooLarge),
            _ => Err(MoneyError::Invalid),
        },
        _ => Err(MoneyError::Invalid),
    }
}

/// A business the caller may see (through its participant's enrolment), or 404.
async fn visible_business(app: &App, ctx: &Ctx, id: i64) -> Result<BusinessRow, AppError> {
    let b = app.db.business(id).await?;
    visible_enrolment(app, ctx, b.enrolment_id).await?;
    Ok(b)
}

/// A business's monthly figures, newest month first.
#[utoipa::path(get, path = "/api/v1/businesses/{id}/months", tag = "pipeline",
    params(("id" = i64, Path, description = "The business")),
    responses((status = 200, body = [MonthOut]), (status = 404, body = ErrorOut)))]
pub async fn months(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Vec<MonthOut>>, AppError> {
    visible_business(&app, &ctx, id).await?;
    let rows = app.db.business_months(id).await?;
    app.audit
        .log(ctx.audit_entry("business.read_months", "business", id));
    Ok(Json(rows.into_iter().map(MonthOut::from).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct MonthIn {
    /// YYYY-MM.
    #[serde(default)]
    month: String,
    /// Whole rupiah, 0 to 100,000,000,000.
    #[serde(default)]
    #[schema(value_type = i64)]
    revenue: serde_json::Value,
    /// Whole rupiah, 0 to 100,000,000,000.
    #[serde(default)]
    #[schema(value_type = i64)]
    costs: serde_json::Value,
}

/// Record a month's revenue and costs (a month sent again is corrected). A bad month or amount
/// is 422 naming the field and writes nothing.
#[utoipa::path(post, path = "/api/v1/businesses/{id}/months", tag = "pipeline", request_body = MonthIn,
    params(("id" = i64, Path, description = "The business")),
    responses((status = 200, body = BusinessOut), (status = 403, body = ErrorOut),
        (status = 404, body = ErrorOut), (status = 422, body = Problem)))]
pub async fn add_month(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(m): Json<MonthIn>,
) -> Result<Response, AppError> {
    let b = visible_business(&app, &ctx, id).await?;
    let (month, revenue, costs) =
        match validate_month(&m.month, rupiah(&m.revenue), rupiah(&m.costs)) {
            Ok(v) => v,
            Err(bad) => return Ok(invalid(&ctx, bad)),
        };
    write_month(&app, &ctx, id, month, revenue, costs).await?;
    Ok(Json(business_out(&app, b).await?).into_response())
}

/// Capital a business received, newest first.
#[utoipa::path(get, path = "/api/v1/businesses/{id}/capital", tag = "pipeline",
    params(("id" = i64, Path, description = "The business")),
    responses((status = 200, body = [CapitalOut]), (status = 404, body = ErrorOut)))]
pub async fn capital(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Vec<CapitalOut>>, AppError> {
    visible_business(&app, &ctx, id).await?;
    let rows = app.db.capital_of(id).await?;
    app.audit
        .log(ctx.audit_entry("business.read_capital", "business", id));
    Ok(Json(rows.into_iter().map(CapitalOut::from).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct CapitalIn {
    /// kur, cooperative, grant, own_savings or family.
    #[serde(default)]
    source: String,
    /// The bank (KUR) or cooperative; required for those two sources.
    #[serde(default)]
    lender: String,
    /// Whole rupiah, 1 to 100,000,000,000.
    #[serde(default)]
    #[schema(value_type = i64)]
    amount: serde_json::Value,
    /// YYYY-MM-DD, not in the future.
    #[serde(default)]
    received_on: String,
    /// current, late, repaid, defaulted or none.
    #[serde(default)]
    repayment_status: String,
}

/// Record capital a business received. A bad amount (negative, zero, above Rp 100 billion) or
/// other bad field is 422 naming the field and writes nothing.
#[utoipa::path(post, path = "/api/v1/businesses/{id}/capital", tag = "pipeline", request_body = CapitalIn,
    params(("id" = i64, Path, description = "The business")),
    responses((status = 201, body = CapitalOut), (status = 403, body = ErrorOut),
        (status = 404, body = ErrorOut), (status = 422, body = Problem)))]
pub async fn add_capital(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(k): Json<CapitalIn>,
) -> Result<Response, AppError> {
    visible_business(&app, &ctx, id).await?;
    let input = match validate_capital(
        &k.source,
        &k.lender,
        rupiah(&k.amount),
        &k.received_on,
        &k.repayment_status,
    ) {
        Ok(i) => i,
        Err(bad) => return Ok(invalid(&ctx, bad)),
    };
    let new = write_capital(&app, &ctx, id, &input).await?;
    let row = app
        .db
        .capital_of(id)
        .await?
        .into_iter()
        .find(|k| k.id == new)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(CapitalOut::from(row))).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct VisitOut {
    id: i64,
    visited_on: NaiveDate,
    topics: String,
    problems: String,
    advice: String,
    next_step: String,
    mentor_id: i64,
    mentor_name: String,
    recorded_at: DateTime<Utc>,
}

impl From<VisitRow> for VisitOut {
    fn from(v: VisitRow) -> Self {
        VisitOut {
            id: v.id,
            visited_on: v.visited_on,
            topics: v.topics,
            problems: v.problems,
            advice: v.advice,
            next_step: v.next_step,
            mentor_id: v.mentor_id,
            mentor_name: v.mentor_name,
            recorded_at: v.recorded_at,
        }
    }
}

/// The mentors' visits to a participant, newest first.
#[utoipa::path(get, path = "/api/v1/enrolments/{id}/visits", tag = "pipeline",
    params(("id" = i64, Path, description = "The enrolment")),
    responses((status = 200, body = [VisitOut]), (status = 404, body = ErrorOut)))]
pub async fn visits(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Vec<VisitOut>>, AppError> {
    visible_enrolment(&app, &ctx, id).await?;
    let rows = app.db.mentoring_visits(id).await?;
    app.audit
        .log(ctx.audit_entry("enrolment.read_visits", "enrolment", id));
    Ok(Json(rows.into_iter().map(VisitOut::from).collect()))
}

/// Record a mentoring visit by the caller. A bad date or missing topics is 422 naming the
/// field and writes nothing.
#[utoipa::path(post, path = "/api/v1/enrolments/{id}/visits", tag = "pipeline", request_body = VisitFields,
    params(("id" = i64, Path, description = "The enrolment")),
    responses((status = 201, body = VisitOut), (status = 403, body = ErrorOut),
        (status = 404, body = ErrorOut), (status = 422, body = Problem)))]
pub async fn add_visit(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(v): Json<VisitFields>,
) -> Result<Response, AppError> {
    visible_enrolment(&app, &ctx, id).await?;
    let input = match v.validate() {
        Ok(i) => i,
        Err(bad) => return Ok(invalid(&ctx, bad)),
    };
    let new = write_visit(&app, &ctx, id, &input).await?;
    let row = app
        .db
        .mentoring_visits(id)
        .await?
        .into_iter()
        .find(|v| v.id == new)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(VisitOut::from(row))).into_response())
}
