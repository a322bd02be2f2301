//! Outcome surveys and their EMAS scores: recording a survey (every answer checked against the
//! instrument, the enrolment checked, the score computed with the index configuration in force
//! and stored with both versions, all with its audit line in one transaction), the due list of
//! an officer's region, the UMK table and index configurations an admin keeps, and the
//! aggregates per wave the dashboard shows. The rules live in `domain::survey` and
//! `domain::emas_index`; docs/emas-index.md explains them.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use emas_domain::access::{RegionCode, RegionLevel, Scope};
use emas_domain::emas_index::{self, ConfigError, Context, Dimension, IndexConfig, Measure};
use emas_domain::survey::{AnswerError, Answers, Instrument, Wave};
use serde::Serialize;

use crate::audit::{self, AuditEntry};
use crate::{Db, DbError, Tx, with_db, with_tx};

/// A follow-up may be taken from this many days before it falls due.
pub const EARLY_DAYS: i64 = 30;

/// Why a survey, a UMK figure or a configuration was not saved.
#[derive(Debug, thiserror::Error)]
pub enum SurveyError {
    /// Answers refused, each with the question it belongs to, in the instrument's order.
    #[error("{} answers refused", .0.len())]
    Answers(Vec<(String, AnswerError)>),
    /// No such enrolment (or, for a participant, not one of their own).
    #[error("not enrolled")]
    NotEnrolled,
    #[error("this wave was recorded already")]
    AlreadyTaken,
    #[error("the survey date is in the future")]
    InFuture,
    /// Before the enrolment, or a follow-up more than [`EARLY_DAYS`] before it falls due.
    #[error("too early for this wave (due {0})")]
    TooEarly(NaiveDate),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("this configuration version exists already")]
    VersionTaken,
    /// A UMK row: not a regency/city code, a year outside 2000..2100, an amount outside
    /// 1..Rp 1 billion, or no source.
    #[error("invalid UMK: {0}")]
    Umk(&'static str),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for SurveyError {
    fn from(e: sqlx::Error) -> Self {
        SurveyError::Db(e.into())
    }
}

/// Who takes a survey: an officer, or the participant answering their own (`person_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taker {
    Officer { user_id: i64 },
    Participant { user_id: i64, person_id: i64 },
}

impl Taker {
    fn user_id(self) -> i64 {
        match self {
            Taker::Officer { user_id } | Taker::Participant { user_id, .. } => user_id,
        }
    }
}

/// A survey as a form gives it: raw text per question id.
#[derive(Debug, Clone)]
pub struct ResponseInput {
    pub enrolment_id: i64,
    pub wave: Wave,
    pub taken_on: NaiveDate,
    pub answers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ResponseRow {
    pub id: i64,
    pub enrolment_id: i64,
    pub wave: String,
    pub taken_on: NaiveDate,
    pub taken_by: i64,
    pub taken_by_name: String,
    pub self_reported: bool,
    pub instrument_id: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ScoreRow {
    pub response_id: i64,
    pub config_version: String,
    pub instrument_id: String,
    pub ekonomi: Option<f64>,
    pub mandiri: Option<f64>,
    pub aman: Option<f64>,
    pub sejahtera: Option<f64>,
    pub reaches: bool,
    pub umk: Option<i64>,
    pub baseline_income: Option<i64>,
    pub scored_at: DateTime<Utc>,
}

impl ScoreRow {
    pub fn dimension(&self, d: Dimension) -> Option<f64> {
        match d {
            Dimension::Ekonomi => self.ekonomi,
            Dimension::Mandiri => self.mandiri,
            Dimension::Aman => self.aman,
            Dimension::Sejahtera => self.sejahtera,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UmkRow {
    pub region_code: String,
    pub year: i32,
    pub amount: i64,
    pub source: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ConfigRow {
    pub id: i64,
    pub version: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A wave of an enrolment that is due and not yet recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueSurvey {
    pub enrolment_id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub region_code: Option<String>,
    pub cohort_name: String,
    pub stage: String,
    pub wave: Wave,
    pub due_on: NaiveDate,
    pub days_overdue: i64,
    pub enrolled_at: DateTime<Utc>,
}

/// The first of the waves due, and how many are due in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueList {
    pub surveys: Vec<DueSurvey>,
    pub total: usize,
}

/// One dimension over one wave: the mean where it is present, and how many reach the threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionAggregate {
    pub dimension: Dimension,
    pub mean: Option<f64>,
    /// Surveys where the dimension is present.
    pub scored: i64,
    pub reaching: i64,
}

impl DimensionAggregate {
    pub fn share_reaching(&self) -> Option<f64> {
        (self.scored > 0).then(|| self.reaching as f64 / self.scored as f64)
    }
}

/// One wave of a region and period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaveAggregate {
    pub wave: Wave,
    /// Surveys of the wave taken within the period (one per enrolment: a person enrolled in
    /// two tracks answers twice).
    pub surveys: i64,
    pub reaching_emas: i64,
    pub dimensions: Vec<DimensionAggregate>,
}

/// The scores behind [`Db::score_aggregates`]: one configuration version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregates {
    pub config_version: String,
    pub threshold: f64,
    pub waves: Vec<WaveAggregate>,
}

/// Stores the shipped instrument and index configuration if this database has not got them.
pub async fn ensure_shipped(tx: &mut Tx, now: DateTime<Utc>) -> Result<(), DbError> {
    let instrument = Instrument::default_v1();
    with_tx!(tx, c => sqlx::query(
        "insert into survey_instrument (id, body, created_at) values ($1, $2, $3) \
         on conflict (id) do nothing")
        .bind(&instrument.id).bind(emas_domain::survey::DEFAULT_INSTRUMENT).bind(now)
        .execute(c).await.map(|r| r.rows_affected()))?;
    let config = IndexConfig::default_v1();
    with_tx!(tx, c => sqlx::query(
        "insert into index_config (version, body, threshold, created_at) values ($1, $2, $3, $4) \
         on conflict (version) do nothing")
        .bind(&config.version).bind(emas_index::DEFAULT_CONFIG).bind(config.threshold).bind(now)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The configuration in force: the newest saved, else the shipped one.
async fn config_in_force(tx: &mut Tx) -> Result<IndexConfig, SurveyError> {
    let row: Option<(String,)> = with_tx!(tx, c => sqlx::query_as(
        "select body from index_config order by id desc limit 1")
        .fetch_optional(c).await)?;
    Ok(match row {
        Some((body,)) => IndexConfig::parse(&body)?,
        None => IndexConfig::default_v1(),
    })
}

/// The range of region codes within a scope (`a` ≤ code < `a/`), served by an index. The
/// queries read an empty lower bound as everyone, people without a known region included.
fn range_of(scope: &Scope) -> (String, String) {
    crate::regions::code_range(scope.code_prefix().unwrap_or(""))
}

/// Midnight UTC at the start of `day`: enrolment times are stored in UTC and their day is the
/// UTC one.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The index in `Wave::ALL` of the wave due for an enrolment made at `e.enrolled_at`: `$2` to
/// `$4` are the first moments at which the 6, 12 and 24-month waves are not yet due.
macro_rules! due_wave {
    () => {
        "cast(case when e.enrolled_at < $4 then 3 when e.enrolled_at < $3 then 2 \
         when e.enrolled_at < $2 then 1 else 0 end as bigint)"
    };
}

/// The due list's query (`Db::due_surveys`). The inner query finds, in one pass, the
/// enrolments with a wave due and not recorded (`$joins` and `$within` choose those of a scope;
/// `$1` is the first moment at which the baseline is not yet due; a wave's rank is its place in
/// the `wave` column's check constraint). Only the first `$7` of each wave by enrolment time
/// come back with their names, and the count of all: within a wave the due day follows the
/// enrolment time, so these hold the most overdue of all.
macro_rules! due_sql {
    ($joins:literal, $within:literal) => {
        concat!(
            "select e.id, e.person_id, p.full_name, p.region_code, c.name as cohort_name, \
             e.stage, e.enrolled_at, d.due, d.total from (select id, due, \
             row_number() over (partition by due order by enrolled_at, id) as n, \
             count(*) over () as total from (select e.id, e.enrolled_at, ",
            due_wave!(),
            " as due from enrolment e join person p on p.id = e.person_id ",
            $joins,
            " where e.enrolled_at < $1 and e.stage <> 'departed_again' \
             and p.merged_into is null and ",
            $within,
            " and not exists (select 1 from survey_response r where r.enrolment_id = e.id \
             and (case r.wave when 'baseline' then 0 when 'm6' then 1 when 'm12' then 2 \
             else 3 end) >= ",
            due_wave!(),
            ")) due_now) d join enrolment e on e.id = d.id \
             join person p on p.id = e.person_id join cohort c on c.id = e.cohort_id \
             where d.n <= $7"
        )
    };
}

/// The regency/city part of a region code, for the UMK.
fn regency_of(code: Option<&str>) -> Option<String> {
    let code = RegionCode::parse(code?).ok()?;
    code.regency().map(|r| r.as_str().to_owned())
}

/// Records a survey and its score. Refused when the enrolment does not exist (or is not the
/// participant's own), the wave was taken already, the date is in the future or before the
/// wave opens, or any answer is invalid for the instrument (every invalid answer is named).
/// Writes the response, its answers, its score under the configuration in force and the audit
/// line (`survey.record`, the caller's `who` with the response id) in `tx`.
pub async fn record_response(
    tx: &mut Tx,
    input: &ResponseInput,
    taker: Taker,
    who: &AuditEntry,
    now: DateTime<Utc>,
) -> Result<i64, SurveyError> {
    ensure_shipped(tx, now).await?;
    let instrument = Instrument::default_v1();
    let enrolment: Option<(i64, DateTime<Utc>, Option<String>, String)> = with_tx!(tx, c => sqlx::query_as(
        "select e.person_id, e.enrolled_at, p.region_code, p.status from enrolment e \
         join person p on p.id = e.person_id where e.id = $1")
        .bind(input.enrolment_id).fetch_optional(c).await)?;
    let Some((person_id, enrolled_at, region, status)) = enrolment else {
        return Err(SurveyError::NotEnrolled);
    };
    if let Taker::Participant { person_id: own, .. } = taker
        && own != person_id
    {
        return Err(SurveyError::NotEnrolled);
    }
    if input.taken_on > now.date_naive() {
        return Err(SurveyError::InFuture);
    }
    let due = input.wave.due_on(enrolled_at.date_naive());
    let opens = if input.wave == Wave::Baseline {
        due
    } else {
        due - chrono::Duration::days(EARLY_DAYS)
    };
    if input.taken_on < opens {
        return Err(SurveyError::TooEarly(due));
    }
    let answers = instrument
        .check_answers(&input.answers)
        .map_err(SurveyError::Answers)?;
    let taken: Option<(i64,)> = with_tx!(tx, c => sqlx::query_as(
        "select id from survey_response where enrolment_id = $1 and wave = $2")
        .bind(input.enrolment_id).bind(input.wave.as_str()).fetch_optional(c).await)?;
    if taken.is_some() {
        return Err(SurveyError::AlreadyTaken);
    }
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into survey_response (enrolment_id, wave, taken_on, taken_by, self_reported, \
         instrument_id, recorded_at) values ($1, $2, $3, $4, $5, $6, $7) returning id")
        .bind(input.enrolment_id).bind(input.wave.as_str()).bind(input.taken_on)
        .bind(taker.user_id()).bind(matches!(taker, Taker::Participant { .. }))
        .bind(&instrument.id).bind(now).fetch_one(c).await)?;
    for (question, answer) in &answers.0 {
        with_tx!(tx, c => sqlx::query(
            "insert into survey_answer (response_id, question_id, value) values ($1, $2, $3)")
            .bind(id).bind(question).bind(answer.to_text())
            .execute(c).await.map(|r| r.rows_affected()))?;
    }
    let config = config_in_force(tx).await?;
    let ctx = Context {
        umk: umk_in(tx, regency_of(region.as_deref()), input.taken_on.year()).await?,
        baseline_income: if input.wave == Wave::Baseline {
            None
        } else {
            baseline_income(tx, instrument, input.enrolment_id).await?
        },
        departed_again: status == "departed_again",
    };
    store_score(tx, id, instrument, &answers, &config, &ctx, now).await?;
    let mut entry = who.clone();
    entry.action = "survey.record".into();
    entry.entity = "survey_response".into();
    entry.entity_id = id.to_string();
    entry.detail = format!(
        "enrolment {} wave {}",
        input.enrolment_id,
        input.wave.as_str()
    );
    audit::record(tx, &entry, now).await?;
    Ok(id)
}

async fn umk_in(tx: &mut Tx, regency: Option<String>, year: i32) -> Result<Option<i64>, DbError> {
    let Some(regency) = regency else {
        return Ok(None);
    };
    let row: Option<(i64,)> = with_tx!(tx, c => sqlx::query_as(
        "select amount from umk where region_code = $1 and year <= $2 order by year desc limit 1")
        .bind(regency).bind(year).fetch_optional(c).await)?;
    Ok(row.map(|(a,)| a))
}

async fn baseline_income(
    tx: &mut Tx,
    instrument: &Instrument,
    enrolment: i64,
) -> Result<Option<f64>, DbError> {
    let rows: Vec<(String, String)> = with_tx!(tx, c => sqlx::query_as(
        "select a.question_id, a.value from survey_answer a join survey_response r \
         on r.id = a.response_id where r.enrolment_id = $1 and r.wave = 'baseline'")
        .bind(enrolment).fetch_all(c).await)?;
    let raw: BTreeMap<String, String> = rows.into_iter().collect();
    // Only the questions feeding income matter; other stored answers need not still parse.
    let income_only: BTreeMap<String, String> = raw
        .into_iter()
        .filter(|(q, _)| {
            instrument
                .question(q)
                .is_some_and(|q| q.measure == Measure::Income)
        })
        .collect();
    let answers = Answers(
        income_only
            .iter()
            .filter_map(|(q, v)| {
                let question = instrument.question(q)?;
                let a = emas_domain::survey::parse_answer(question, v).ok()??;
                Some((q.clone(), a))
            })
            .collect(),
    );
    Ok(instrument
        .measure_values(&answers)
        .get(&Measure::Income)
        .copied())
}

async fn store_score(
    tx: &mut Tx,
    response: i64,
    instrument: &Instrument,
    answers: &Answers,
    config: &IndexConfig,
    ctx: &Context,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let score = emas_index::score(config, &instrument.measure_values(answers), ctx);
    let d = |dim| score.dimension(dim);
    with_tx!(tx, c => sqlx::query(
        "insert into emas_score (response_id, config_version, instrument_id, ekonomi, mandiri, \
         aman, sejahtera, reaches, umk, baseline_income, scored_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(response).bind(&config.version).bind(&instrument.id)
        .bind(d(Dimension::Ekonomi)).bind(d(Dimension::Mandiri)).bind(d(Dimension::Aman))
        .bind(d(Dimension::Sejahtera)).bind(score.reaches).bind(ctx.umk)
        .bind(ctx.baseline_income.map(|b| b as i64)).bind(now)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Saves a new index configuration, after checking it (weights of each dimension add up to
/// 100 and the rest of docs/emas-index.md): a refused text saves nothing. It is in force for
/// surveys recorded from now on; stored scores keep their version.
pub async fn save_index_config(
    tx: &mut Tx,
    text: &str,
    who: &AuditEntry,
    now: DateTime<Utc>,
) -> Result<IndexConfig, SurveyError> {
    let config = IndexConfig::parse(text)?;
    ensure_shipped(tx, now).await?;
    let exists: Option<(i64,)> = with_tx!(tx, c => sqlx::query_as(
        "select id from index_config where version = $1")
        .bind(&config.version).fetch_optional(c).await)?;
    if exists.is_some() {
        return Err(SurveyError::VersionTaken);
    }
    with_tx!(tx, c => sqlx::query(
        "insert into index_config (version, body, threshold, created_by, created_at) \
         values ($1, $2, $3, $4, $5)")
        .bind(&config.version).bind(text).bind(config.threshold).bind(who.actor_user_id).bind(now)
        .execute(c).await.map(|r| r.rows_affected()))?;
    let mut entry = who.clone();
    entry.action = "index_config.save".into();
    entry.entity = "index_config".into();
    entry.entity_id = config.version.clone();
    audit::record(tx, &entry, now).await?;
    Ok(config)
}

/// Sets the UMK of a regency/city for a year (a correction replaces the figure and source).
pub async fn set_umk(
    tx: &mut Tx,
    region: &str,
    year: i32,
    amount: i64,
    source: &str,
    who: &AuditEntry,
    now: DateTime<Utc>,
) -> Result<(), SurveyError> {
    let code = RegionCode::parse(region.trim()).map_err(|_| SurveyError::Umk("region"))?;
    if code.level() != RegionLevel::Regency {
        return Err(SurveyError::Umk("region"));
    }
    if !(2000..=2100).contains(&year) {
        return Err(SurveyError::Umk("year"));
    }
    if !(1..=1_000_000_000).contains(&amount) {
        return Err(SurveyError::Umk("amount"));
    }
    let source = source.trim();
    if source.is_empty() || source.chars().count() > 300 {
        return Err(SurveyError::Umk("source"));
    }
    with_tx!(tx, c => sqlx::query(
        "insert into umk (region_code, year, amount, source, updated_by, updated_at) \
         values ($1, $2, $3, $4, $5, $6) on conflict (region_code, year) do update set \
         amount = excluded.amount, source = excluded.source, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at")
        .bind(code.as_str()).bind(year).bind(amount).bind(source).bind(who.actor_user_id)
        .bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    let mut entry = who.clone();
    entry.action = "umk.set".into();
    entry.entity = "umk".into();
    entry.entity_id = format!("{}/{year}", code.as_str());
    entry.detail = amount.to_string();
    audit::record(tx, &entry, now).await?;
    Ok(())
}

impl Db {
    /// The officer a survey loaded in bulk (the demo) is recorded as: the programme officer
    /// with the narrowest scope covering `region`, else an admin covering it.
    pub async fn survey_officer_for(&self, region: &RegionCode) -> Result<Option<i64>, DbError> {
        let rows: Vec<(i64, String, String)> = with_db!(self, p => sqlx::query_as(
            "select id, role, scope from app_user where active = $1 \
             and role in ('programme_officer', 'admin') order by id")
            .bind(true).fetch_all(p).await)?;
        let covering = |role: &str| {
            rows.iter()
                .filter(|(_, r, _)| r == role)
                .filter_map(|(id, _, scope)| Some((*id, Scope::parse(scope).ok()?)))
                .filter(|(_, scope)| scope.covers(region))
                .max_by_key(|(_, scope)| scope.code_prefix().map_or(0, str::len))
                .map(|(id, _)| id)
        };
        Ok(covering("programme_officer").or_else(|| covering("admin")))
    }

    /// What the demo needs of an enrolment to shape its answers: the person's sex code
    /// (`F`/`M`) and the enrolment's stage.
    pub async fn survey_subject(
        &self,
        enrolment: i64,
    ) -> Result<Option<(Option<String>, String)>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select p.sex, e.stage from enrolment e join person p on p.id = e.person_id \
             where e.id = $1")
            .bind(enrolment).fetch_optional(p).await)?)
    }

    /// The day of an enrolment, from which its waves fall due.
    pub async fn enrolled_on(&self, enrolment: i64) -> Result<NaiveDate, DbError> {
        let (at,): (DateTime<Utc>,) = with_db!(self, p => sqlx::query_as(
            "select enrolled_at from enrolment where id = $1")
            .bind(enrolment).fetch_one(p).await)?;
        Ok(at.date_naive())
    }

    pub async fn umk_table(&self) -> Result<Vec<UmkRow>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select region_code, year, amount, source, updated_at from umk \
             order by year desc, region_code")
            .fetch_all(p).await)?)
    }

    /// Saved index configurations, newest (the one in force) first.
    pub async fn index_configs(&self) -> Result<Vec<ConfigRow>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select id, version, body, created_at from index_config order by id desc")
            .fetch_all(p).await)?)
    }

    /// The configuration in force (the shipped one until an admin saves another).
    pub async fn index_config(&self) -> Result<IndexConfig, SurveyError> {
        let row: Option<(String,)> = with_db!(self, p => sqlx::query_as(
            "select body from index_config order by id desc limit 1").fetch_optional(p).await)?;
        Ok(match row {
            Some((body,)) => IndexConfig::parse(&body)?,
            None => IndexConfig::default_v1(),
        })
    }

    /// An enrolment's surveys, in wave order.
    pub async fn surveys_of(&self, enrolment: i64) -> Result<Vec<ResponseRow>, DbError> {
        let mut rows: Vec<ResponseRow> = with_db!(self, p => sqlx::query_as(
            "select r.id, r.enrolment_id, r.wave, r.taken_on, r.taken_by, \
             u.display_name as taken_by_name, r.self_reported, r.instrument_id, r.recorded_at \
             from survey_response r join app_user u on u.id = r.taken_by \
             where r.enrolment_id = $1")
            .bind(enrolment).fetch_all(p).await)?;
        rows.sort_by_key(|r| Wave::parse(&r.wave));
        Ok(rows)
    }

    /// A response's scores, newest configuration first.
    pub async fn scores_of(&self, response: i64) -> Result<Vec<ScoreRow>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select response_id, config_version, instrument_id, ekonomi, mandiri, aman, sejahtera, \
             reaches, umk, baseline_income, scored_at from emas_score where response_id = $1 \
             order by id desc")
            .bind(response).fetch_all(p).await)?)
    }

    /// A response's answers as stored, by question id.
    pub async fn survey_answers(&self, response: i64) -> Result<BTreeMap<String, String>, DbError> {
        let rows: Vec<(String, String)> = with_db!(self, p => sqlx::query_as(
            "select question_id, value from survey_answer where response_id = $1")
            .bind(response).fetch_all(p).await)?;
        Ok(rows.into_iter().collect())
    }

    /// The waves due and not recorded for enrolments within `scope` (by where the person
    /// lives or the region the programme serves): for each enrolment, the latest wave whose
    /// due date has come, unless it or a later wave was recorded. An older wave not taken by
    /// then is missed (a late baseline would no longer describe the start). The most overdue
    /// first (then the earliest enrolled), at most `limit` of them, with how many there are.
    ///
    /// The database does the selecting, in one pass: a province holds over a million enrolments
    /// and millions of surveys, and some 300,000 surveys due; only the first of them leave it.
    pub async fn due_surveys(
        &self,
        scope: &Scope,
        today: NaiveDate,
        limit: usize,
    ) -> Result<DueList, DbError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            person_id: i64,
            full_name: String,
            region_code: Option<String>,
            cohort_name: String,
            stage: String,
            enrolled_at: DateTime<Utc>,
            due: i64,
            total: i64,
        }
        // A wave is due for the enrolments made before the day after its last day
        // (`Wave::enrolled_by`); the latest such wave is the one to take.
        let [baseline, m6, m12, m24] =
            Wave::ALL.map(|w| start_of(w.enrolled_by(today).succ_opt().unwrap_or(today)));
        let (lo, hi) = range_of(scope);
        let first = i64::try_from(limit).unwrap_or(i64::MAX);
        // A regency or smaller is found through the indexes on where people live and on the
        // programmes' regions; a province or the whole country is most of the table, read once.
        let small = matches!(scope, Scope::Region(c) if c.level() != RegionLevel::Province);
        let found: Vec<Row> = if small {
            with_db!(self, p => sqlx::query_as(due_sql!("",
                "e.id in (select e1.id from person p1 join enrolment e1 on e1.person_id = p1.id \
                          where p1.region_code >= $5 and p1.region_code < $6 \
                          union select e2.id from programme pr join track t \
                          on t.programme_id = pr.id join cohort c2 on c2.track_id = t.id \
                          join enrolment e2 on e2.cohort_id = c2.id \
                          where pr.region_code >= $5 and pr.region_code < $6)"))
                .bind(baseline).bind(m6).bind(m12).bind(m24).bind(&lo).bind(&hi).bind(first)
                .fetch_all(p).await)?
        } else {
            with_db!(self, p => sqlx::query_as(due_sql!(
                "join cohort c on c.id = e.cohort_id join track t on t.id = c.track_id \
                 join programme pr on pr.id = t.programme_id",
                "($5 = '' or (p.region_code >= $5 and p.region_code < $6) \
                  or (pr.region_code >= $5 and pr.region_code < $6))"))
                .bind(baseline).bind(m6).bind(m12).bind(m24).bind(&lo).bind(&hi).bind(first)
                .fetch_all(p).await)?
        };
        let total = found
            .first()
            .map_or(0, |r| usize::try_from(r.total).unwrap_or(0));
        let mut surveys: Vec<DueSurvey> = found
            .into_iter()
            .filter_map(|r| {
                let wave = *Wave::ALL.get(usize::try_from(r.due).ok()?)?;
                let due_on = wave.due_on(r.enrolled_at.date_naive());
                Some(DueSurvey {
                    enrolment_id: r.id,
                    person_id: r.person_id,
                    full_name: r.full_name,
                    region_code: r.region_code,
                    cohort_name: r.cohort_name,
                    stage: r.stage,
                    wave,
                    due_on,
                    days_overdue: (today - due_on).num_days(),
                    enrolled_at: r.enrolled_at,
                })
            })
            .collect();
        surveys.sort_unstable_by_key(|d| (d.due_on, d.enrolled_at, d.enrolment_id));
        surveys.truncate(limit);
        Ok(DueList { surveys, total })
    }

    /// For each wave, over the surveys taken from `from` to `to` (inclusive) by people living
    /// within `area`, scored under the configuration in force: people, surveys, how many reach
    /// EMAS, and each dimension's mean and the number at or above the threshold.
    pub async fn score_aggregates(
        &self,
        area: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Aggregates, SurveyError> {
        let config = self.index_config().await?;
        let (lo, hi) = range_of(area);
        #[derive(sqlx::FromRow)]
        struct Row {
            wave: String,
            surveys: i64,
            reaching: i64,
            e_sum: f64,
            e_n: i64,
            e_ok: i64,
            m_sum: f64,
            m_n: i64,
            m_ok: i64,
            a_sum: f64,
            a_n: i64,
            a_ok: i64,
            s_sum: f64,
            s_n: i64,
            s_ok: i64,
        }
        // From the tally kept per area, month and wave (migration 0015); months, as it keeps them.
        let rows: Vec<Row> = with_db!(self, p => sqlx::query_as(
            "select wave, cast(sum(n) as bigint) as surveys, cast(sum(reaching) as bigint) as reaching, \
             sum(e_sum) as e_sum, cast(sum(e_n) as bigint) as e_n, cast(sum(e_ok) as bigint) as e_ok, \
             sum(m_sum) as m_sum, cast(sum(m_n) as bigint) as m_n, cast(sum(m_ok) as bigint) as m_ok, \
             sum(a_sum) as a_sum, cast(sum(a_n) as bigint) as a_n, cast(sum(a_ok) as bigint) as a_ok, \
             sum(s_sum) as s_sum, cast(sum(s_n) as bigint) as s_n, cast(sum(s_ok) as bigint) as s_ok \
             from tally_survey where config_version = $1 and month >= $2 and month <= $3 \
             and area >= $4 and area < $5 group by wave having sum(n) <> 0")
            .bind(&config.version).bind(from.format("%Y-%m").to_string())
            .bind(to.format("%Y-%m").to_string()).bind(&lo).bind(&hi).fetch_all(p).await)?;
        let mut waves: Vec<WaveAggregate> = rows
            .into_iter()
            .filter_map(|r| {
                let dim = |dimension, sum: f64, scored: i64, reaching| DimensionAggregate {
                    dimension,
                    mean: (scored > 0).then(|| sum / scored as f64),
                    scored,
                    reaching,
                };
                Some(WaveAggregate {
                    wave: Wave::parse(&r.wave)?,
                    surveys: r.surveys,
                    reaching_emas: r.reaching,
                    dimensions: vec![
                        dim(Dimension::Ekonomi, r.e_sum, r.e_n, r.e_ok),
                        dim(Dimension::Mandiri, r.m_sum, r.m_n, r.m_ok),
                        dim(Dimension::Aman, r.a_sum, r.a_n, r.a_ok),
                        dim(Dimension::Sejahtera, r.s_sum, r.s_n, r.s_ok),
                    ],
                })
            })
            .collect();
        waves.sort_by_key(|w| w.wave);
        Ok(Aggregates {
            config_version: config.version,
            threshold: config.threshold,
            waves,
        })
    }
}

/// Enrols a person with the enrolment dated `on` (a test fixture, like
/// [`crate::pipeline::test_enrol`], for surveys that fall due months after enrolment).
pub async fn test_enrol_on(
    db: &Db,
    cohort: i64,
    person: i64,
    on: DateTime<Utc>,
) -> Result<i64, DbError> {
    let e = crate::pipeline::test_enrol(db, cohort, person).await?;
    let mut tx = db.begin().await?;
    with_tx!(&mut tx, c => sqlx::query("update enrolment set enrolled_at = $1 where id = $2")
        .bind(on).bind(e).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(e)
}
