//! Outcome surveys on the web: the due list of an officer's region, a participant's surveys
//! with their EMAS scores, the survey form of a wave (every refused answer shown beside its
//! question), the participant's own surveys at /me/surveys, and the admin pages for the UMK table
//! and the index configuration. Checking, scoring and storing are `store::surveys`; the API
//! shares the helpers here.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use emas_domain::date::parse_date;
use emas_domain::emas_index::{ConfigError, Dimension};
use emas_domain::survey::{AnswerError, AnswerType, Instrument, Question, Wave};
use emas_store::surveys::{
    self, ConfigRow, DueSurvey, ResponseInput, ResponseRow, ScoreRow, SurveyError, Taker, UmkRow,
};
use serde::Deserialize;

use super::pipeline::{rupiah, visible_enrolment};
use super::referrals::today;
use crate::App;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::error::AppError;
use crate::form::{CSRF_FIELD, CsrfForm};

/// The message of a refused answer, naming the question.
pub(crate) fn answer_message(ctx: &Ctx, q: Option<&Question>, e: AnswerError) -> String {
    let question = q
        .map(|q| q.text(ctx.lang.code()).to_owned())
        .unwrap_or_default();
    let mut args = vec![("question", question)];
    if let AnswerError::OutOfRange { min, max } = e {
        args.push(("min", min.to_string()));
        args.push(("max", max.to_string()));
    }
    ctx.lang.t_args(&format!("survey-error-{}", e.key()), &args)
}

/// The key and message of a refusal other than refused answers.
pub(crate) fn survey_refusal(
    ctx: &Ctx,
    e: &SurveyError,
) -> Option<(StatusCode, &'static str, String)> {
    let (status, key) = match e {
        SurveyError::NotEnrolled => (StatusCode::NOT_FOUND, "survey-error-not-enrolled"),
        SurveyError::AlreadyTaken => (StatusCode::CONFLICT, "survey-error-already-taken"),
        SurveyError::InFuture => (StatusCode::BAD_REQUEST, "survey-error-in-future"),
        SurveyError::TooEarly(due) => {
            let msg = ctx.lang.t_args(
                "survey-error-too-early",
                &[("due", due.format("%d-%m-%Y").to_string())],
            );
            return Some((StatusCode::BAD_REQUEST, "survey-error-too-early", msg));
        }
        _ => return None,
    };
    Some((status, key, ctx.t(key)))
}

/// A score between 0 and 1 as shown: two decimals, or a dash when the dimension is missing.
fn shown(s: Option<f64>) -> String {
    s.map_or_else(|| "—".to_owned(), |s| format!("{s:.2}"))
}

pub struct QuestionView {
    q: Question,
    /// What the form holds (typed, or stored).
    value: String,
    /// The stored answer as a person reads it.
    display: String,
    error: Option<String>,
    /// For a scale: its points.
    points: Vec<String>,
}

impl QuestionView {
    fn is_choice(&self) -> bool {
        self.q.kind == AnswerType::Choice
    }
    fn is_yes_no(&self) -> bool {
        self.q.kind == AnswerType::YesNo
    }
    fn is_scale(&self) -> bool {
        self.q.kind == AnswerType::Scale
    }
}

pub struct SectionView {
    title: String,
    questions: Vec<QuestionView>,
}

/// A stored score as the page shows it.
pub struct ScoreView {
    dims: Vec<(String, String)>,
    reaches: bool,
    config_version: String,
    instrument_id: String,
}

fn score_view(ctx: &Ctx, s: &ScoreRow) -> ScoreView {
    ScoreView {
        dims: Dimension::ALL
            .into_iter()
            .map(|d| (ctx.tk("survey-dim", d), shown(s.dimension(d))))
            .collect(),
        reaches: s.reaches,
        config_version: s.config_version.clone(),
        instrument_id: s.instrument_id.clone(),
    }
}

fn display_answer(ctx: &Ctx, q: &Question, v: &str) -> String {
    match q.kind {
        AnswerType::Choice => q
            .options
            .iter()
            .find(|o| o.value == v)
            .map(|o| {
                if ctx.lang.code() == "en" {
                    o.text_en.clone()
                } else {
                    o.text_id.clone()
                }
            })
            .unwrap_or_else(|| v.to_owned()),
        AnswerType::YesNo => ctx.tk("survey", v),
        AnswerType::Money => v.parse().map(rupiah).unwrap_or_else(|_| v.to_owned()),
        _ => v.to_owned(),
    }
}

fn sections(
    ctx: &Ctx,
    instrument: &Instrument,
    values: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
) -> Vec<SectionView> {
    Dimension::ALL
        .into_iter()
        .map(|d| SectionView {
            title: ctx.tk("survey-dim", d),
            questions: instrument
                .questions
                .iter()
                .filter(|q| q.measure.dimension() == d)
                .map(|q| {
                    let value = values.get(&q.id).cloned().unwrap_or_default();
                    let (lo, hi) = q.range();
                    QuestionView {
                        display: display_answer(ctx, q, &value),
                        value,
                        error: errors.get(&q.id).cloned(),
                        points: if q.kind == AnswerType::Scale {
                            (lo..=hi).map(|p| p.to_string()).collect()
                        } else {
                            Vec::new()
                        },
                        q: q.clone(),
                    }
                })
                .collect(),
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "survey_form.html")]
struct FormPage<'a> {
    ctx: &'a Ctx,
    heading: String,
    wave: String,
    action: String,
    back: String,
    sections: Vec<SectionView>,
    taken_on: String,
    /// A refusal of the whole form (date, wave), or "some answers were refused".
    alert: Option<String>,
    /// The stored survey, when the wave was taken: shown, not editable.
    taken: Option<(ResponseRow, Option<ScoreView>)>,
}

/// Whose survey a page is about, and where its links go.
struct Subject {
    enrolment: i64,
    heading: String,
    /// `/participants/{id}/surveys` or `/me/surveys/{id}`.
    base: String,
}

async fn form_page(
    app: &App,
    ctx: &Ctx,
    who: &Subject,
    wave: Wave,
    typed: Option<(BTreeMap<String, String>, String)>,
    errors: BTreeMap<String, String>,
    alert: Option<(StatusCode, String)>,
) -> Result<Response, AppError> {
    let instrument = Instrument::default_v1();
    let taken = app
        .db
        .surveys_of(who.enrolment)
        .await?
        .into_iter()
        .find(|r| r.wave == wave.as_str());
    let (values, taken_on, taken) = match (taken, typed) {
        (Some(r), _) => {
            let values = app.db.survey_answers(r.id).await?;
            let score = app
                .db
                .scores_of(r.id)
                .await?
                .first()
                .map(|s| score_view(ctx, s));
            app.audit
                .log(ctx.audit_entry("survey.read", "survey_response", r.id));
            (
                values,
                r.taken_on.format("%d-%m-%Y").to_string(),
                Some((r, score)),
            )
        }
        (None, Some((values, date))) => (values, date, None),
        (None, None) => (
            BTreeMap::new(),
            today().format("%d-%m-%Y").to_string(),
            None,
        ),
    };
    let status = alert.as_ref().map(|a| a.0);
    let mut r = FormPage {
        ctx,
        heading: who.heading.clone(),
        wave: ctx.tk("survey-wave", wave.as_str()),
        action: format!("{}/{}", who.base, wave.as_str()),
        back: who.base.clone(),
        sections: sections(ctx, instrument, &values, &errors),
        taken_on,
        alert: alert.map(|a| a.1),
        taken,
    }
    .into_response();
    if let Some(s) = status {
        *r.status_mut() = s;
    }
    Ok(r)
}

/// Splits a submitted form into the answers and the survey date.
fn split_form(mut form: BTreeMap<String, String>) -> (BTreeMap<String, String>, String) {
    form.remove(CSRF_FIELD);
    let date = form.remove("taken_on").unwrap_or_default();
    // Empty fields are unanswered; keep only what was typed or chosen.
    form.retain(|_, v| !v.trim().is_empty());
    (form, date)
}

/// Records a submitted survey for `who` and answers the page: back to the list, or the form
/// again with every refusal beside its question.
async fn submit_survey(
    app: &App,
    ctx: &Ctx,
    who: &Subject,
    wave: Wave,
    taker: Taker,
    form: BTreeMap<String, String>,
) -> Result<Response, AppError> {
    let (answers, date) = split_form(form);
    let clip = |s: &str| s.chars().take(60).collect::<String>();
    let typed: BTreeMap<String, String> =
        answers.iter().map(|(k, v)| (k.clone(), clip(v))).collect();
    let Some(taken_on) = parse_date(&date, today()) else {
        let alert = (StatusCode::BAD_REQUEST, ctx.t("survey-error-date"));
        return form_page(
            app,
            ctx,
            who,
            wave,
            Some((typed, clip(&date))),
            BTreeMap::new(),
            Some(alert),
        )
        .await;
    };
    let raw = answers.clone();
    let input = ResponseInput {
        enrolment_id: who.enrolment,
        wave,
        taken_on,
        answers,
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    match surveys::record_response(&mut tx, &input, taker, &ctx.audit_entry("", "", ""), now).await
    {
        Ok(_) => {
            tx.commit().await?;
            Ok((StatusCode::SEE_OTHER, [(LOCATION, who.base.clone())]).into_response())
        }
        Err(SurveyError::Answers(_)) => {
            drop(tx);
            let errors = field_errors(ctx, &raw);
            let alert = (StatusCode::BAD_REQUEST, ctx.t("form-has-errors"));
            form_page(
                app,
                ctx,
                who,
                wave,
                Some((typed, clip(&date))),
                errors,
                Some(alert),
            )
            .await
        }
        Err(e) => {
            drop(tx);
            match survey_refusal(ctx, &e) {
                Some((StatusCode::NOT_FOUND, _, _)) => Err(AppError::NotFound),
                Some((status, _, msg)) => {
                    form_page(
                        app,
                        ctx,
                        who,
                        wave,
                        Some((typed, clip(&date))),
                        // Refused answers too, so the form is corrected in one go.
                        field_errors(ctx, &raw),
                        Some((status, msg)),
                    )
                    .await
                }
                None => Err(AppError::Internal(e.to_string())),
            }
        }
    }
}

/// Every refused answer of a form, by question, with its message.
fn field_errors(ctx: &Ctx, answers: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let instrument = Instrument::default_v1();
    match instrument.check_answers(answers) {
        Ok(_) => BTreeMap::new(),
        Err(errors) => errors
            .into_iter()
            .map(|(q, e)| {
                let msg = answer_message(ctx, instrument.question(&q), e);
                (q, msg)
            })
            .collect(),
    }
}

fn parse_wave(s: &str) -> Result<Wave, AppError> {
    Wave::parse(s).ok_or(AppError::NotFound)
}

// ---- the list of an enrolment's waves ----

pub struct WaveRow {
    wave: &'static str,
    label: String,
    due_on: NaiveDate,
    /// The wave's window has opened (a form may be filled).
    open: bool,
    taken: Option<ResponseRow>,
    score: Option<ScoreView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    heading: String,
    base: String,
    back: Option<(String, String)>,
    rows: Vec<WaveRow>,
}

async fn wave_rows(app: &App, ctx: &Ctx, enrolment: i64) -> Result<Vec<WaveRow>, AppError> {
    let enrolled = app.db.enrolled_on(enrolment).await?;
    let taken = app.db.surveys_of(enrolment).await?;
    let today = today();
    let mut rows = Vec::new();
    for wave in Wave::ALL {
        let due_on = wave.due_on(enrolled);
        let t = taken.iter().find(|r| r.wave == wave.as_str()).cloned();
        let score = match &t {
            Some(r) => app
                .db
                .scores_of(r.id)
                .await?
                .first()
                .map(|s| score_view(ctx, s)),
            None => None,
        };
        let opens = if wave == Wave::Baseline {
            due_on
        } else {
            due_on - chrono::Duration::days(surveys::EARLY_DAYS)
        };
        rows.push(WaveRow {
            wave: wave.as_str(),
            label: ctx.tk("survey-wave", wave.as_str()),
            due_on,
            open: opens <= today,
            taken: t,
            score,
        });
    }
    Ok(rows)
}

async fn officer_subject(app: &App, ctx: &Ctx, id: i64) -> Result<Subject, AppError> {
    let e = visible_enrolment(app, ctx, id).await?;
    Ok(Subject {
        enrolment: id,
        heading: format!("{} · {}", e.full_name, e.cohort_name),
        base: format!("/participants/{id}/surveys"),
    })
}

pub async fn list(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let who = officer_subject(&app, &ctx, id).await?;
    let rows = wave_rows(&app, &ctx, id).await?;
    app.audit
        .log(ctx.audit_entry("survey.list", "enrolment", id));
    Ok(ListPage {
        ctx: &ctx,
        heading: who.heading,
        base: who.base,
        back: Some((
            format!("/participants/{id}"),
            ctx.t("surveys-back-participant"),
        )),
        rows,
    }
    .into_response())
}

pub async fn form(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, wave)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let wave = parse_wave(&wave)?;
    let who = officer_subject(&app, &ctx, id).await?;
    form_page(&app, &ctx, &who, wave, None, BTreeMap::new(), None).await
}

pub async fn submit(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, wave)): Path<(i64, String)>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let wave = parse_wave(&wave)?;
    let who = officer_subject(&app, &ctx, id).await?;
    let taker = Taker::Officer {
        user_id: ctx.require_user()?.id,
    };
    submit_survey(&app, &ctx, &who, wave, taker, form).await
}

// ---- the due list ----

#[derive(Template, WebTemplate)]
#[template(path = "surveys_due.html")]
struct DuePage<'a> {
    ctx: &'a Ctx,
    due: Vec<DueSurvey>,
    /// How many are due in all; `due` holds the first of them.
    total: usize,
}

/// At most this many rows on the page; the count says how many more there are.
pub const DUE_ROWS: usize = 500;

pub async fn due(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let today = today();
    let due = app.db.due_surveys(&user.scope, today, DUE_ROWS).await?;
    app.audit
        .log(ctx.audit_entry("survey.due_list", "scope", user.scope.as_str()));
    Ok(DuePage {
        ctx: &ctx,
        total: due.total,
        due: due.surveys,
    }
    .into_response())
}

// ---- the participant's own surveys ----

async fn own_person(app: &App, ctx: &Ctx) -> Result<i64, AppError> {
    let user = ctx.require_user()?;
    app.db
        .person_of_user(user.id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn own_subject(app: &App, ctx: &Ctx, id: i64) -> Result<(Subject, i64), AppError> {
    let person = own_person(app, ctx).await?;
    let e = app
        .db
        .own_enrolments(person)
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((
        Subject {
            enrolment: id,
            heading: format!("{} · {}", e.programme, e.cohort),
            base: format!("/me/surveys/{id}"),
        },
        person,
    ))
}

pub struct OwnEnrolmentSurveys {
    heading: String,
    base: String,
    rows: Vec<WaveRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "me_surveys.html")]
struct OwnPage<'a> {
    ctx: &'a Ctx,
    enrolments: Vec<OwnEnrolmentSurveys>,
}

pub async fn own_list(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    let mut enrolments = Vec::new();
    if let Some(person) = app.db.person_of_user(ctx.require_user()?.id).await? {
        for e in app.db.own_enrolments(person).await? {
            enrolments.push(OwnEnrolmentSurveys {
                heading: format!("{} · {}", e.programme, e.cohort),
                base: format!("/me/surveys/{}", e.id),
                rows: wave_rows(&app, &ctx, e.id).await?,
            });
        }
    }
    Ok(OwnPage {
        ctx: &ctx,
        enrolments,
    }
    .into_response())
}

/// The list of one's own enrolment is the /me/surveys page itself.
pub async fn own_enrolment(ctx: Ctx, Path(_id): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, "/me/surveys")]).into_response())
}

pub async fn own_form(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, wave)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let wave = parse_wave(&wave)?;
    let (who, _) = own_subject(&app, &ctx, id).await?;
    form_page(&app, &ctx, &who, wave, None, BTreeMap::new(), None).await
}

pub async fn own_submit(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, wave)): Path<(i64, String)>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let wave = parse_wave(&wave)?;
    let (who, person) = own_subject(&app, &ctx, id).await?;
    // The store checks again, inside the writing transaction, that the enrolment is theirs.
    let taker = Taker::Participant {
        user_id: ctx.require_user()?.id,
        person_id: person,
    };
    submit_survey(&app, &ctx, &who, wave, taker, form).await
}

// ---- admin: the UMK table ----

#[derive(Template, WebTemplate)]
#[template(path = "admin_umk.html")]
struct UmkPage<'a> {
    ctx: &'a Ctx,
    rows: Vec<UmkRow>,
    form: UmkForm,
    error: Option<String>,
}

impl UmkPage<'_> {
    fn rupiah(&self, n: &i64) -> String {
        rupiah(*n)
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct UmkForm {
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    source: String,
}

async fn umk_page(
    app: &App,
    ctx: &Ctx,
    form: UmkForm,
    error: Option<String>,
) -> Result<Response, AppError> {
    let bad = error.is_some();
    let mut r = UmkPage {
        ctx,
        rows: app.db.umk_table().await?,
        form,
        error,
    }
    .into_response();
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn umk(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    umk_page(&app, &ctx, UmkForm::default(), None).await
}

pub async fn save_umk(
    State(app): State<App>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<UmkForm>,
) -> Result<Response, AppError> {
    let clip = |s: &str| s.chars().take(300).collect::<String>();
    let f = UmkForm {
        region_code: clip(&f.region_code),
        year: clip(&f.year),
        amount: clip(&f.amount),
        source: clip(&f.source),
    };
    let Ok(year) = f.year.trim().parse::<i32>() else {
        return umk_page(&app, &ctx, f, Some(ctx.t("umk-error-year"))).await;
    };
    let Ok(amount) = emas_domain::business::parse_rupiah(&f.amount) else {
        return umk_page(&app, &ctx, f, Some(ctx.t("umk-error-amount"))).await;
    };
    // An admin sets the UMK of the regencies within their own scope only.
    let user = ctx.require_user()?;
    if let Ok(code) = emas_domain::access::RegionCode::parse(f.region_code.trim())
        && !user.scope.covers(&code)
    {
        return Err(AppError::Forbidden);
    }
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    match surveys::set_umk(
        &mut tx,
        &f.region_code,
        year,
        amount,
        &f.source,
        &ctx.audit_entry("", "", ""),
        now,
    )
    .await
    {
        Ok(()) => {
            tx.commit().await?;
            Ok((StatusCode::SEE_OTHER, [(LOCATION, "/admin/umk")]).into_response())
        }
        Err(SurveyError::Umk(what)) => {
            drop(tx);
            let msg = ctx.t(&format!("umk-error-{what}"));
            umk_page(&app, &ctx, f, Some(msg)).await
        }
        Err(e) => Err(AppError::Internal(e.to_string())),
    }
}

// ---- admin: the index configuration ----

#[derive(Template, WebTemplate)]
#[template(path = "admin_index.html")]
struct IndexPage<'a> {
    ctx: &'a Ctx,
    configs: Vec<ConfigRow>,
    body: String,
    error: Option<String>,
}

fn regency_admin(ctx: &Ctx) -> bool {
    use emas_domain::access::{RegionLevel, Scope};
    ctx.user()
        .is_some_and(|u| matches!(&u.scope, Scope::Region(c) if c.level() != RegionLevel::Province))
}

/// The message of a refused configuration.
pub(crate) fn config_message(ctx: &Ctx, e: &ConfigError) -> String {
    ctx.lang.t_args(
        &format!("index-config-error-{}", e.key()),
        &[("subject", e.subject())],
    )
}

async fn index_page(
    app: &App,
    ctx: &Ctx,
    body: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let configs = app.db.index_configs().await?;
    let body = body.unwrap_or_else(|| {
        configs
            .first()
            .map(|c| c.body.clone())
            .unwrap_or_else(|| emas_domain::emas_index::DEFAULT_CONFIG.to_owned())
    });
    let bad = error.is_some();
    let mut r = IndexPage {
        ctx,
        configs,
        body,
        error,
    }
    .into_response();
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn index_config(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    index_page(&app, &ctx, None, None).await
}

#[derive(Deserialize)]
pub struct ConfigForm {
    #[serde(default)]
    body: String,
}

pub async fn save_index_config(
    State(app): State<App>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<ConfigForm>,
) -> Result<Response, AppError> {
    let body: String = f.body.chars().take(20_000).collect();
    if let Err(e) = emas_domain::emas_index::IndexConfig::parse(&body) {
        let msg = config_message(&ctx, &e);
        return index_page(&app, &ctx, Some(body), Some(msg)).await;
    }
    // One configuration scores everyone: only an admin of the province or the nation sets it.
    if regency_admin(&ctx) {
        return Err(AppError::Forbidden);
    }
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    match surveys::save_index_config(&mut tx, &body, &ctx.audit_entry("", "", ""), now).await {
        Ok(_) => {
            tx.commit().await?;
            Ok((StatusCode::SEE_OTHER, [(LOCATION, "/admin/index")]).into_response())
        }
        Err(SurveyError::Config(e)) => {
            drop(tx);
            let msg = config_message(&ctx, &e);
            index_page(&app, &ctx, Some(body), Some(msg)).await
        }
        Err(SurveyError::VersionTaken) => {
            drop(tx);
            let msg = ctx.t("index-error-version-taken");
            index_page(&app, &ctx, Some(body), Some(msg)).await
        }
        Err(e) => Err(AppError::Internal(e.to_string())),
    }
}
