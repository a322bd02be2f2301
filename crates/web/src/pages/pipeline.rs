//! The participant's page (stage, history, the moves the caller's role may make, the business
//! with its months, capital and mentoring visits), the KBLI search that works without
//! JavaScript, and the pipeline board with its funnel. A participant outside the caller's scope
//! does not exist for them (404). Validation here is shared with the API.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use emas_domain::access::RegionCode;
use emas_domain::business::{
    CapitalSource, Kbli, MoneyError, Repayment, kbli, kbli_search, parse_month, parse_rupiah,
};
use emas_domain::date::parse_date;
use emas_domain::pipeline::{self as rules, Actor, Partner, Refusal, Stage};
use emas_store::audit;
use emas_store::pipeline::{
    self, BoardFilter, BusinessInput, BusinessRow, CapitalInput, CapitalRow, EnrolmentView, Funnel,
    MonthRow, MoveError, Mover, OwnerRow, StageChangeRow, VisitInput, VisitRow,
};
use serde::Deserialize;

use crate::App;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::error::AppError;
use crate::form::CsrfForm;
use crate::pages::people::clip;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// An enrolment the caller may see, or 404.
pub(crate) async fn visible_enrolment(
    app: &App,
    ctx: &Ctx,
    id: i64,
) -> Result<EnrolmentView, AppError> {
    let user = ctx.require_user()?;
    let e = app.db.enrolment(id).await?;
    if !e.visible_to(&user.scope) {
        return Err(AppError::NotFound);
    }
    Ok(e)
}

/// Who the caller is for the transition table: a partner-agency officer marks the stage of their
/// agency's kind (a bank "financed", a cooperative/SME office "business registered").
pub(crate) async fn mover(app: &App, ctx: &Ctx) -> Result<Mover, AppError> {
    use emas_store::agencies::AgencyKind;
    let user = ctx.require_user()?;
    let partner = if user.role == emas_domain::access::Role::PartnerOfficer {
        match app.db.agency(user.agency_id).await?.kind {
            AgencyKind::Bank => Partner::Bank,
            AgencyKind::CooperativeOffice => Partner::CooperativeOffice,
            _ => Partner::Other,
        }
    } else {
        Partner::Other
    };
    Ok(Mover {
        user_id: user.id,
        actor: Actor::new(user.role, partner),
    })
}

/// The stages the caller may move a participant to: none for a trainer of another cohort.
pub(crate) async fn stage_options(
    app: &App,
    ctx: &Ctx,
    e: &EnrolmentView,
) -> Result<Vec<(Stage, bool)>, AppError> {
    let user = ctx.require_user()?;
    if !ctx.may(Action::MoveStages) || !app.db.acts_on_cohort(e.cohort_id, user.id).await? {
        return Ok(Vec::new());
    }
    let by = mover(app, ctx).await?;
    Ok(rules::options(by.actor, e.stage()))
}

/// A field that failed validation and the key of its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub field: &'static str,
    pub key: &'static str,
}

impl Invalid {
    fn new(field: &'static str, key: &'static str) -> Self {
        Invalid { field, key }
    }

    /// "Pendapatan: jumlah tidak boleh negatif" in the caller's language.
    pub(crate) fn message(&self, ctx: &Ctx) -> String {
        format!("{}: {}", ctx.tk("biz-field", self.field), ctx.t(self.key))
    }
}

fn money_key(e: MoneyError) -> &'static str {
    match e {
        MoneyError::Invalid => "money-invalid",
        MoneyError::Negative => "money-negative",
        MoneyError::TooLarge => "money-too-large",
    }
}

pub(crate) fn money(field: &'static str, r: Result<i64, MoneyError>) -> Result<i64, Invalid> {
    r.map_err(|e| Invalid::new(field, money_key(e)))
}

/// The message key of a refused move.
pub(crate) fn move_error(e: &MoveError) -> Option<(StatusCode, &'static str)> {
    Some(match e {
        MoveError::Refused(Refusal::Role) => (StatusCode::FORBIDDEN, "stage-refused-role"),
        MoveError::Refused(Refusal::ReasonRequired) => {
            (StatusCode::BAD_REQUEST, "stage-refused-reason")
        }
        MoveError::Refused(Refusal::Same) => (StatusCode::BAD_REQUEST, "stage-refused-same"),
        MoveError::Refused(Refusal::Impossible) => {
            (StatusCode::BAD_REQUEST, "stage-refused-impossible")
        }
        MoveError::Stale => (StatusCode::CONFLICT, "stage-stale"),
        MoveError::AlreadyReverted => (StatusCode::CONFLICT, "stage-already-reverted"),
        MoveError::NotAssigned => (StatusCode::FORBIDDEN, "cohort-not-assigned"),
        MoveError::Db(_) => return None,
    })
}

// ---- the participant's page ----

/// The business form as typed (also the API's body).
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
pub struct BusinessForm {
    #[serde(default)]
    pub(crate) name: String,
    /// A five-digit KBLI 2020 code (see /kbli?q=).
    #[serde(default)]
    pub(crate) kbli_code: String,
    #[serde(default)]
    pub(crate) place: String,
    /// Kemendagri code of the business's place, e.g. 36.04.01.
    #[serde(default)]
    pub(crate) region_code: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub(crate) started_on: String,
    /// Nomor Induk Berusaha from OSS: 13 digits.
    #[serde(default)]
    pub(crate) nib: String,
    #[serde(default)]
    pub(crate) pirt: String,
    #[serde(default)]
    pub(crate) halal: String,
    #[serde(default)]
    pub(crate) workers: String,
}

impl BusinessForm {
    fn of(b: &BusinessRow) -> Self {
        BusinessForm {
            name: b.name.clone(),
            kbli_code: b.kbli_code.clone(),
            place: b.place.clone(),
            region_code: b.region_code.clone().unwrap_or_default(),
            started_on: b.started_on.map(|d| d.to_string()).unwrap_or_default(),
            nib: b.nib.clone(),
            pirt: b.pirt.clone(),
            halal: b.halal.clone(),
            workers: b.workers.to_string(),
        }
    }
}

pub(crate) async fn validate_business(
    app: &App,
    f: &BusinessForm,
) -> Result<BusinessInput, Invalid> {
    let name = clip(&f.name, 200);
    if name.is_empty() {
        return Err(Invalid::new("name", "value-required"));
    }
    let code = f.kbli_code.trim();
    let Some(k) = kbli(code) else {
        return Err(Invalid::new("kbli_code", "kbli-unknown"));
    };
    let region_code = match f.region_code.trim() {
        "" => None,
        s => {
            let known = match RegionCode::parse(s) {
                Ok(c) => app.db.region(&c).await.ok().flatten().is_some(),
                Err(_) => false,
            };
            if !known {
                return Err(Invalid::new("region_code", "region-unknown"));
            }
            Some(s.to_owned())
        }
    };
    let started_on = match f.started_on.trim() {
        "" => None,
        s => Some(
            parse_date(s, today())
                .filter(|d| *d <= today())
                .ok_or(Invalid::new("started_on", "date-invalid"))?,
        ),
    };
    let nib: String = f.nib.chars().filter(|c| !c.is_whitespace()).collect();
    if !nib.is_empty() && (nib.len() != 13 || !nib.bytes().all(|b| b.is_ascii_digit())) {
        return Err(Invalid::new("nib", "nib-invalid"));
    }
    let workers = match f.workers.trim() {
        "" => 0,
        s => s
            .parse::<i32>()
            .ok()
            .filter(|n| (0..=10_000).contains(n))
            .ok_or(Invalid::new("workers", "workers-invalid"))?,
    };
    Ok(BusinessInput {
        name,
        kbli_code: k.code.to_owned(),
        place: clip(&f.place, 300),
        region_code,
        started_on,
        nib,
        pirt: clip(&f.pirt, 60),
        halal: clip(&f.halal, 60),
        workers,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "participant.html")]
struct ParticipantPage<'a> {
    ctx: &'a Ctx,
    e: EnrolmentView,
    stage: Stage,
    history: Vec<StageChangeRow>,
    options: Vec<(Stage, bool)>,
    may_move: bool,
    may_business: bool,
    business: Option<BusinessRow>,
    kbli_title: String,
    form: BusinessForm,
    months: Vec<MonthRow>,
    capital: Vec<CapitalRow>,
    owners: Vec<OwnerRow>,
    visits: Vec<VisitRow>,
    sources: &'static [CapitalSource],
    repayments: &'static [Repayment],
    form_error: Option<String>,
    /// The business form starts open: no business yet, a code just chosen, or an error.
    open_form: bool,
    /// The next stage, preselected among the moves.
    next: Option<Stage>,
    today: String,
}

impl ParticipantPage<'_> {
    fn is_next(&self, s: &Stage) -> bool {
        self.next == Some(*s)
    }

    fn stage_name(&self, s: &str) -> String {
        self.ctx.tk("stage", s)
    }

    fn rupiah(&self, n: &i64) -> String {
        rupiah(*n)
    }
}

/// "Rp 1.500.000".
pub(crate) fn rupiah(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{}Rp {out}", if n < 0 { "-" } else { "" })
}

async fn participant_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    error: Option<(StatusCode, String)>,
    typed: Option<BusinessForm>,
) -> Result<Response, AppError> {
    let e = visible_enrolment(app, ctx, id).await?;
    let stage = e.stage();
    let options = stage_options(app, ctx, &e).await?;
    let history = app.db.stage_history(id).await?;
    let business = app.db.business_of(id).await?;
    let (months, capital, owners) = match &business {
        Some(b) => (
            app.db.business_months(b.id).await?,
            app.db.capital_of(b.id).await?,
            app.db.business_owners(b.id).await?,
        ),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let open_form = business.is_none() || typed.is_some();
    let form = typed.unwrap_or_else(|| business.as_ref().map(BusinessForm::of).unwrap_or_default());
    let kbli_title = business
        .as_ref()
        .and_then(|b| kbli(&b.kbli_code))
        .map(|k| k.title.clone())
        .unwrap_or_default();
    let visits = app.db.mentoring_visits(id).await?;
    app.audit
        .log(ctx.audit_entry("enrolment.read", "enrolment", id));
    let may_move = ctx.may(Action::MoveStages);
    let mut r = ParticipantPage {
        options,
        may_move,
        may_business: ctx.may(Action::ManageBusinesses),
        ctx,
        e,
        stage,
        history,
        business,
        kbli_title,
        form,
        months,
        capital,
        owners,
        visits,
        sources: &CapitalSource::ALL,
        repayments: &Repayment::ALL,
        form_error: error.as_ref().map(|e| e.1.clone()),
        open_form,
        next: stage.rank().and_then(|r| Stage::ACTIVE.get(r + 1).copied()),
        today: today().to_string(),
    }
    .into_response();
    if let Some((status, _)) = error {
        *r.status_mut() = status;
    }
    Ok(r)
}

#[derive(Deserialize, Default)]
pub struct ShowParams {
    /// A KBLI code chosen in the search, to fill the business form.
    #[serde(default)]
    kbli: String,
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ShowParams>,
) -> Result<Response, AppError> {
    let typed = match kbli(&q.kbli) {
        Some(k) => {
            let mut f = match app.db.business_of(id).await? {
                Some(b) => BusinessForm::of(&b),
                None => BusinessForm::default(),
            };
            f.kbli_code = k.code.to_owned();
            Some(f)
        }
        None => None,
    };
    participant_page(&app, &ctx, id, None, typed).await
}

fn back(id: i64, anchor: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(LOCATION, format!("/participants/{id}#{anchor}"))],
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    to: String,
    /// The stage the mover saw.
    #[serde(default)]
    from: String,
    #[serde(default)]
    reason: String,
}

/// Moves a participant, through the one transition table; a refused move writes nothing and
/// shows the page again with the reason.
pub async fn move_stage(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<MoveForm>,
) -> Result<Response, AppError> {
    let e = visible_enrolment(&app, &ctx, id).await?;
    let Some(to) = Stage::parse(&f.to) else {
        let msg = ctx.t("stage-invalid");
        return participant_page(&app, &ctx, id, Some((StatusCode::BAD_REQUEST, msg)), None).await;
    };
    let seen = Stage::parse(&f.from);
    let reason = clip(&f.reason, 500);
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let by = mover(&app, &ctx).await?;
    match pipeline::move_stage(&mut tx, id, seen, to, &reason, by, now).await {
        Ok(change) => {
            let mut entry = ctx.audit_entry("enrolment.move_stage", "enrolment", id);
            entry.detail = format!("{} -> {} (change {change})", e.stage, to.as_str());
            audit::record(&mut tx, &entry, now).await?;
            tx.commit().await?;
            Ok(back(id, "stage-h"))
        }
        Err(err) => {
            drop(tx);
            let Some((status, key)) = move_error(&err) else {
                return Err(AppError::Internal(err.to_string()));
            };
            participant_page(&app, &ctx, id, Some((status, ctx.t(key))), None).await
        }
    }
}

#[derive(Deserialize)]
pub struct RevertForm {
    #[serde(default)]
    reason: String,
}

/// Takes a stage change back with a reason: a new change the other way.
pub async fn revert(
    State(app): State<App>,
    ctx: Ctx,
    Path(change): Path<i64>,
    CsrfForm(f): CsrfForm<RevertForm>,
) -> Result<Response, AppError> {
    let row = app.db.stage_change(change).await?;
    let id = row.enrolment_id;
    visible_enrolment(&app, &ctx, id).await?;
    let reason = clip(&f.reason, 500);
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let by = mover(&app, &ctx).await?;
    match pipeline::revert(&mut tx, change, &reason, by, now).await {
        Ok(new) => {
            let mut entry = ctx.audit_entry("enrolment.revert_stage", "enrolment", id);
            entry.detail = format!("change {change} reverted by {new}");
            audit::record(&mut tx, &entry, now).await?;
            tx.commit().await?;
            Ok(back(id, "stage-h"))
        }
        Err(err) => {
            drop(tx);
            let Some((status, key)) = move_error(&err) else {
                return Err(AppError::Internal(err.to_string()));
            };
            participant_page(&app, &ctx, id, Some((status, ctx.t(key))), None).await
        }
    }
}

pub async fn save_business(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<BusinessForm>,
) -> Result<Response, AppError> {
    visible_enrolment(&app, &ctx, id).await?;
    let user = ctx.require_user()?;
    let input = match validate_business(&app, &f).await {
        Ok(i) => i,
        Err(bad) => {
            let msg = bad.message(&ctx);
            return participant_page(
                &app,
                &ctx,
                id,
                Some((StatusCode::BAD_REQUEST, msg)),
                Some(f),
            )
            .await;
        }
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let b = pipeline::save_business(&mut tx, id, &input, user.id, now).await?;
    let mut entry = ctx.audit_entry("enrolment.save_business", "enrolment", id);
    entry.detail = format!("business {b}");
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(back(id, "business-h"))
}

#[derive(Deserialize)]
pub struct MonthForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    revenue: String,
    #[serde(default)]
    costs: String,
}

pub(crate) fn validate_month(
    month: &str,
    revenue: Result<i64, MoneyError>,
    costs: Result<i64, MoneyError>,
) -> Result<(String, i64, i64), Invalid> {
    let month = parse_month(month).ok_or(Invalid::new("month", "month-invalid"))?;
    let revenue = money("revenue", revenue)?;
    let costs = money("costs", costs)?;
    Ok((month, revenue, costs))
}

async fn business_or_400(
    app: &App,
    ctx: &Ctx,
    id: i64,
) -> Result<Result<BusinessRow, Response>, AppError> {
    Ok(match app.db.business_of(id).await? {
        Some(b) => Ok(b),
        None => {
            let msg = ctx.t("business-first");
            Err(participant_page(app, ctx, id, Some((StatusCode::BAD_REQUEST, msg)), None).await?)
        }
    })
}

pub async fn add_month(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<MonthForm>,
) -> Result<Response, AppError> {
    visible_enrolment(&app, &ctx, id).await?;
    let b = match business_or_400(&app, &ctx, id).await? {
        Ok(b) => b,
        Err(r) => return Ok(r),
    };
    let (month, revenue, costs) =
        match validate_month(&f.month, parse_rupiah(&f.revenue), parse_rupiah(&f.costs)) {
            Ok(v) => v,
            Err(bad) => {
                let msg = bad.message(&ctx);
                return participant_page(
                    &app,
                    &ctx,
                    id,
                    Some((StatusCode::BAD_REQUEST, msg)),
                    None,
                )
                .await;
            }
        };
    write_month(&app, &ctx, b.id, month, revenue, costs).await?;
    Ok(back(id, "months-h"))
}

/// Records a business's month (a month recorded again is corrected) with its audit line, in
/// one transaction: the staff form's and the API's one way.
pub(crate) async fn write_month(
    app: &App,
    ctx: &Ctx,
    business: i64,
    month: String,
    revenue: i64,
    costs: i64,
) -> Result<(), AppError> {
    let user = ctx.require_user()?;
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    pipeline::record_month(&mut tx, business, &month, revenue, costs, user.id, now).await?;
    let mut entry = ctx.audit_entry("business.record_month", "business", business);
    entry.detail = month;
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct CapitalForm {
    #[serde(default)]
    source: String,
    #[serde(default)]
    lender: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    repayment_status: String,
}

/// Capital as typed on the form or sent to the API, the amount already read as a number (the
/// form's text by `parse_rupiah`, the API's integer by `check_rupiah`). Zero is no capital.
pub(crate) fn validate_capital(
    source: &str,
    lender: &str,
    amount: Result<i64, MoneyError>,
    received_on: &str,
    repayment_status: &str,
) -> Result<CapitalInput, Invalid> {
    let source = CapitalSource::parse(source).ok_or(Invalid::new("source", "value-invalid"))?;
    let lender = clip(lender, 200);
    if source.needs_lender() && lender.is_empty() {
        return Err(Invalid::new("lender", "lender-required"));
    }
    let amount = money("amount", amount)?;
    if amount == 0 {
        return Err(Invalid::new("amount", "money-zero"));
    }
    let received_on = parse_date(received_on.trim(), today())
        .filter(|d| *d <= today())
        .ok_or(Invalid::new("received_on", "date-invalid"))?;
    let repayment = Repayment::parse(repayment_status)
        .ok_or(Invalid::new("repayment_status", "value-invalid"))?;
    Ok(CapitalInput {
        source,
        lender,
        amount,
        received_on,
        repayment,
    })
}

/// Records capital a business received, with its audit line, in one transaction.
pub(crate) async fn write_capital(
    app: &App,
    ctx: &Ctx,
    business: i64,
    input: &CapitalInput,
) -> Result<i64, AppError> {
    let user = ctx.require_user()?;
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let k = pipeline::add_capital(&mut tx, business, input, user.id, now).await?;
    let mut entry = ctx.audit_entry("business.add_capital", "business", business);
    entry.detail = format!("capital {k}");
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(k)
}

pub async fn add_capital(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<CapitalForm>,
) -> Result<Response, AppError> {
    visible_enrolment(&app, &ctx, id).await?;
    let b = match business_or_400(&app, &ctx, id).await? {
        Ok(b) => b,
        Err(r) => return Ok(r),
    };
    let input = match validate_capital(
        &f.source,
        &f.lender,
        parse_rupiah(&f.amount),
        &f.received_on,
        &f.repayment_status,
    ) {
        Ok(i) => i,
        Err(bad) => {
            let msg = bad.message(&ctx);
            return participant_page(&app, &ctx, id, Some((StatusCode::BAD_REQUEST, msg)), None)
                .await;
        }
    };
    write_capital(&app, &ctx, b.id, &input).await?;
    Ok(back(id, "capital-h"))
}

/// A mentor's visit as typed on the form or sent to the API.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct VisitFields {
    /// YYYY-MM-DD, not in the future.
    #[serde(default)]
    visited_on: String,
    /// Required.
    #[serde(default)]
    topics: String,
    #[serde(default)]
    problems: String,
    #[serde(default)]
    advice: String,
    #[serde(default)]
    next_step: String,
}

impl VisitFields {
    /// A date not in the future and the topics are required, the rest is free text.
    pub(crate) fn validate(&self) -> Result<VisitInput, Invalid> {
        let visited_on = parse_date(self.visited_on.trim(), today())
            .filter(|d| *d <= today())
            .ok_or(Invalid::new("visited_on", "date-invalid"))?;
        let topics = clip(&self.topics, 1000);
        if topics.is_empty() {
            return Err(Invalid::new("topics", "value-required"));
        }
        Ok(VisitInput {
            visited_on,
            topics,
            problems: clip(&self.problems, 1000),
            advice: clip(&self.advice, 1000),
            next_step: clip(&self.next_step, 1000),
        })
    }
}

/// Records a mentoring visit by the caller, with its audit line, in one transaction.
pub(crate) async fn write_visit(
    app: &App,
    ctx: &Ctx,
    enrolment: i64,
    input: &VisitInput,
) -> Result<i64, AppError> {
    let user = ctx.require_user()?;
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let v = pipeline::add_visit(&mut tx, enrolment, input, user.id, now).await?;
    let mut entry = ctx.audit_entry("enrolment.add_visit", "enrolment", enrolment);
    entry.detail = format!("visit {v}");
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(v)
}

/// A mentor's visit, recorded from a phone.
pub async fn add_visit(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<VisitFields>,
) -> Result<Response, AppError> {
    visible_enrolment(&app, &ctx, id).await?;
    let input = match f.validate() {
        Ok(i) => i,
        Err(bad) => {
            let msg = bad.message(&ctx);
            return participant_page(&app, &ctx, id, Some((StatusCode::BAD_REQUEST, msg)), None)
                .await;
        }
    };
    write_visit(&app, &ctx, id, &input).await?;
    Ok(back(id, "visits-h"))
}

// ---- KBLI search ----

#[derive(Deserialize, Default)]
pub struct KbliParams {
    #[serde(default)]
    q: String,
    /// The participant whose business form the chosen code goes back to.
    enrolment: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "kbli.html")]
struct KbliPage<'a> {
    ctx: &'a Ctx,
    q: String,
    enrolment: Option<i64>,
    results: Vec<&'static Kbli>,
}

pub async fn kbli_page(ctx: Ctx, Query(p): Query<KbliParams>) -> Result<Response, AppError> {
    let q = clip(&p.q, 64);
    Ok(KbliPage {
        results: kbli_search(&q, 50),
        ctx: &ctx,
        q,
        enrolment: p.enrolment,
    }
    .into_response())
}

// ---- board and funnel ----

#[derive(Deserialize, Default)]
pub struct BoardParams {
    #[serde(default)]
    cohort: String,
    #[serde(default)]
    region: String,
}

/// One bar of the funnel chart, laid out for the SVG.
pub struct Bar {
    label: String,
    count: i64,
    y: i64,
    width: i64,
    text_y: i64,
}

const BAR_HEIGHT: i64 = 26;
const BAR_MAX: i64 = 300;

pub(crate) fn bars(ctx: &Ctx, f: &Funnel) -> Vec<Bar> {
    let max = f.reached.first().map(|r| r.1).unwrap_or(0).max(1);
    f.reached
        .iter()
        .enumerate()
        .map(|(i, (stage, n))| Bar {
            label: ctx.tk("stage", stage.as_str()),
            count: *n,
            y: i as i64 * (BAR_HEIGHT + 6),
            width: (*n * BAR_MAX / max).max(if *n > 0 { 2 } else { 0 }),
            text_y: i as i64 * (BAR_HEIGHT + 6) + BAR_HEIGHT / 2 + 5,
        })
        .collect()
}

pub struct Column {
    stage: Stage,
    people: Vec<EnrolmentView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pipeline.html")]
struct BoardPage<'a> {
    ctx: &'a Ctx,
    params: BoardParams,
    chosen: bool,
    columns: Vec<Column>,
    funnel: Option<Funnel>,
    bars: Vec<Bar>,
    chart_height: i64,
    form_error: Option<String>,
}

pub async fn board(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<BoardParams>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let filter = match (p.cohort.trim(), p.region.trim()) {
        ("", "") => None,
        (c, "") => match c.parse::<i64>() {
            Ok(id) => Some(BoardFilter::Cohort(id)),
            Err(_) => return board_error(&ctx, p, "pipeline-bad-cohort"),
        },
        (_, r) => match RegionCode::parse(r) {
            Ok(code) => Some(BoardFilter::Region(code.as_str().to_owned())),
            Err(_) => return board_error(&ctx, p, "pipeline-bad-region"),
        },
    };
    let Some(filter) = filter else {
        return Ok(BoardPage {
            ctx: &ctx,
            params: p,
            chosen: false,
            columns: Vec::new(),
            funnel: None,
            bars: Vec::new(),
            chart_height: 0,
            form_error: None,
        }
        .into_response());
    };
    let rows = app.db.board(&filter, &user.scope).await?;
    let funnel = app.db.funnel(&filter, &user.scope).await?;
    let columns = Stage::ALL
        .into_iter()
        .map(|stage| Column {
            stage,
            people: rows
                .iter()
                .filter(|e| e.stage() == stage)
                .cloned()
                .collect(),
        })
        .collect();
    app.audit.log(ctx.audit_entry(
        "pipeline.read",
        "cohort_or_region",
        format!("{}{}", p.cohort.trim(), p.region.trim()),
    ));
    let bars = bars(&ctx, &funnel);
    Ok(BoardPage {
        chart_height: bars.len() as i64 * (BAR_HEIGHT + 6),
        bars,
        ctx: &ctx,
        params: p,
        chosen: true,
        columns,
        funnel: Some(funnel),
        form_error: None,
    }
    .into_response())
}

fn board_error(ctx: &Ctx, p: BoardParams, key: &str) -> Result<Response, AppError> {
    let mut r = BoardPage {
        ctx,
        params: p,
        chosen: false,
        columns: Vec::new(),
        funnel: None,
        bars: Vec::new(),
        chart_height: 0,
        form_error: Some(ctx.t(key)),
    }
    .into_response();
    *r.status_mut() = StatusCode::BAD_REQUEST;
    Ok(r)
}

#[derive(Deserialize)]
pub struct OwnerForm {
    #[serde(default)]
    person_id: String,
}

/// Adds a co-owner of the business: a person of the registry within the caller's scope.
pub async fn add_owner(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<OwnerForm>,
) -> Result<Response, AppError> {
    let e = visible_enrolment(&app, &ctx, id).await?;
    let b = match business_or_400(&app, &ctx, id).await? {
        Ok(b) => b,
        Err(r) => return Ok(r),
    };
    let person = match f.person_id.trim().parse::<i64>() {
        Ok(p) if p != e.person_id => crate::pages::people::visible_person(&app, &ctx, p)
            .await
            .ok()
            .map(|_| p),
        _ => None,
    };
    let Some(person) = person else {
        let msg = Invalid::new("person_id", "owner-unknown").message(&ctx);
        return participant_page(&app, &ctx, id, Some((StatusCode::BAD_REQUEST, msg)), None).await;
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    pipeline::add_business_owner(&mut tx, b.id, person, now).await?;
    let mut entry = ctx.audit_entry("business.add_owner", "business", b.id);
    entry.detail = format!("person {person}");
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(back(id, "business-h"))
}
