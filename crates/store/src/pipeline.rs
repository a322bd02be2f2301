//! The pipeline and the businesses: stage moves with their history (validated by the domain's
//! one transition table, conditional on the stage the mover saw), reverts, the board and the
//! funnel of a cohort or a region, and a participant's business with its monthly figures,
//! capital and mentoring visits.

use chrono::{DateTime, NaiveDate, Utc};
use emas_domain::access::{Role, Scope};
use emas_domain::business::{CapitalSource, Repayment};
use emas_domain::pipeline::{self, Actor, Refusal, Stage};
use serde::Serialize;

use crate::{Db, DbError, Tx, with_db, with_tx};

/// An enrolment as the pipeline shows it: who, in which cohort of which programme, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EnrolmentView {
    pub id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub person_region: Option<String>,
    pub cohort_id: i64,
    pub cohort_name: String,
    pub programme_id: i64,
    pub programme_name: String,
    pub programme_region: String,
    pub stage: String,
    pub stage_since: DateTime<Utc>,
}

impl EnrolmentView {
    pub fn stage(&self) -> Stage {
        Stage::parse(&self.stage).unwrap_or(Stage::Registered)
    }

    /// Within `scope` when the person lives there or the programme serves a region there.
    pub fn visible_to(&self, scope: &Scope) -> bool {
        let within = |code: Option<&str>| {
            code.and_then(|c| emas_domain::access::RegionCode::parse(c).ok())
                .is_some_and(|c| scope.covers(&c))
        };
        matches!(scope, Scope::National)
            || within(self.person_region.as_deref())
            || within(Some(&self.programme_region))
    }
}

const ENROLMENT_SELECT: &str = "select e.id, e.person_id, p.full_name, p.region_code as person_region, \
    e.cohort_id, c.name as cohort_name, pr.id as programme_id, pr.name as programme_name, \
    pr.region_code as programme_region, e.stage, e.stage_since \
    from enrolment e join person p on p.id = e.person_id join cohort c on c.id = e.cohort_id \
    join track t on t.id = e.track_id join programme pr on pr.id = t.programme_id";

/// A participant the registry found departed again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DepartedParticipant {
    /// The enrolment.
    pub id: i64,
    pub full_name: String,
    pub programme_name: String,
    pub cohort_name: String,
    pub stage: String,
    pub departure_date: NaiveDate,
    pub source_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StageChangeRow {
    pub id: i64,
    pub enrolment_id: i64,
    pub from_stage: String,
    pub to_stage: String,
    pub reason: String,
    pub changed_by: i64,
    pub changed_by_name: String,
    pub changed_at: DateTime<Utc>,
    pub reverted_by_change_id: Option<i64>,
}

/// Why a move or revert did not happen.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    /// The transition table refuses it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The stage changed since the mover saw it (another officer moved the participant).
    #[error("the stage changed meanwhile")]
    Stale,
    #[error("the change was reverted already")]
    AlreadyReverted,
    /// A trainer moving a participant of a cohort they are not assigned to.
    #[error("not assigned to this cohort")]
    NotAssigned,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for MoveError {
    fn from(e: sqlx::Error) -> Self {
        MoveError::Db(e.into())
    }
}

/// Who moves, for the history and the table.
#[derive(Debug, Clone, Copy)]
pub struct Mover {
    pub user_id: i64,
    pub actor: Actor,
}

impl Mover {
    pub fn staff(user_id: i64, role: Role) -> Self {
        Mover {
            user_id,
            actor: Actor::staff(role),
        }
    }
}

async fn current_stage(tx: &mut Tx, enrolment: i64) -> Result<Stage, MoveError> {
    let (stage,): (String,) =
        with_tx!(tx, c => sqlx::query_as("select stage from enrolment where id = $1")
        .bind(enrolment).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)?;
    Stage::parse(&stage).ok_or_else(|| MoveError::Db(DbError::Config(format!("stage {stage:?}"))))
}

/// Trainers move only the participants of their own cohorts.
async fn check_assigned(tx: &mut Tx, enrolment: i64, by: Mover) -> Result<(), MoveError> {
    let (cohort,): (i64,) =
        with_tx!(tx, c => sqlx::query_as("select cohort_id from enrolment where id = $1")
        .bind(enrolment).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)?;
    if crate::programmes::may_act_on_cohort(tx, cohort, by.user_id).await? {
        Ok(())
    } else {
        Err(MoveError::NotAssigned)
    }
}

/// Sets the stage if it is still `from`, and records the change.
async fn apply(
    tx: &mut Tx,
    enrolment: i64,
    from: Stage,
    to: Stage,
    reason: &str,
    by: Mover,
    now: DateTime<Utc>,
) -> Result<i64, MoveError> {
    let done = with_tx!(tx, c => sqlx::query(
        "update enrolment set stage = $1, stage_since = $2 where id = $3 and stage = $4")
        .bind(to.as_str()).bind(now).bind(enrolment).bind(from.as_str())
        .execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(MoveError::Stale);
    }
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into stage_change (enrolment_id, from_stage, to_stage, reason, changed_by, changed_at) \
         values ($1, $2, $3, $4, $5, $6) returning id")
        .bind(enrolment).bind(from.as_str()).bind(to.as_str()).bind(reason.trim())
        .bind(by.user_id).bind(now).fetch_one(c).await)?;
    Ok(id)
}

/// Moves a participant to `to`. `seen` is the stage the mover saw (the form's hidden field);
/// when it is no longer the current stage the move is refused as stale, so two officers moving
/// one participant at once make one move.
pub async fn move_stage(
    tx: &mut Tx,
    enrolment: i64,
    seen: Option<Stage>,
    to: Stage,
    reason: &str,
    by: Mover,
    now: DateTime<Utc>,
) -> Result<i64, MoveError> {
    let from = current_stage(tx, enrolment).await?;
    if seen.is_some_and(|s| s != from) {
        return Err(MoveError::Stale);
    }
    pipeline::check(by.actor, from, to, reason)?;
    check_assigned(tx, enrolment, by).await?;
    let id = apply(tx, enrolment, from, to, reason, by, now).await?;
    refresh_furthest(tx, enrolment).await?;
    Ok(id)
}

/// Sets the enrolment's furthest stage, the funnel's measure: the furthest active stage among
/// its current stage and the changes not taken back.
async fn refresh_furthest(tx: &mut Tx, enrolment: i64) -> Result<(), DbError> {
    let stages: Vec<(String,)> = with_tx!(tx, c => sqlx::query_as(
        "select stage from enrolment where id = $1 union all \
         select to_stage from stage_change where enrolment_id = $1 and reverted_by_change_id is null")
        .bind(enrolment).fetch_all(c).await)?;
    let furthest = stages
        .iter()
        .filter_map(|(s,)| Stage::parse(s).and_then(Stage::rank))
        .max()
        .unwrap_or(0) as i32;
    with_tx!(tx, c => sqlx::query(
        "update enrolment set furthest = $1 where id = $2 and furthest <> $1")
        .bind(furthest).bind(enrolment).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Takes a change back: a new change from its target to its origin, with a reason, that the
/// reverted change points at. The participant must still be where the change put them.
pub async fn revert(
    tx: &mut Tx,
    change: i64,
    reason: &str,
    by: Mover,
    now: DateTime<Utc>,
) -> Result<i64, MoveError> {
    let row: Option<(i64, String, String, Option<i64>)> = with_tx!(tx, c => sqlx::query_as(
        "select enrolment_id, from_stage, to_stage, reverted_by_change_id from stage_change where id = $1")
        .bind(change).fetch_optional(c).await)?;
    let (enrolment, from, to, reverted) = row.ok_or(DbError::NotFound)?;
    if reverted.is_some() {
        return Err(MoveError::AlreadyReverted);
    }
    if reason.trim().is_empty() {
        return Err(Refusal::ReasonRequired.into());
    }
    let (Some(back_to), Some(now_at)) = (Stage::parse(&from), Stage::parse(&to)) else {
        return Err(DbError::NotFound.into());
    };
    if current_stage(tx, enrolment).await? != now_at {
        return Err(MoveError::Stale);
    }
    pipeline::check(by.actor, now_at, back_to, reason)?;
    check_assigned(tx, enrolment, by).await?;
    let id = apply(tx, enrolment, now_at, back_to, reason, by, now).await?;
    let done = with_tx!(tx, c => sqlx::query(
        "update stage_change set reverted_by_change_id = $1 where id = $2 and reverted_by_change_id is null")
        .bind(id).bind(change).execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(MoveError::AlreadyReverted);
    }
    refresh_furthest(tx, enrolment).await?;
    Ok(id)
}

/// Which participants a board or funnel covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardFilter {
    Cohort(i64),
    /// People living in the region, or enrolled in a programme serving a region within it.
    Region(String),
}

enum Param {
    Text(String),
    Int(i64),
}

fn within(sql: &mut String, params: &mut Vec<Param>, code: &str) {
    let (lo, hi) = crate::regions::code_range(code);
    params.push(Param::Text(lo));
    let lo = params.len();
    params.push(Param::Text(hi));
    let hi = params.len();
    sql.push_str(&format!(
        " and ((p.region_code >= ${lo} and p.region_code < ${hi}) \
         or (pr.region_code >= ${lo} and pr.region_code < ${hi}))"
    ));
}

fn board_where(filter: &BoardFilter, scope: &Scope) -> (String, Vec<Param>) {
    let mut sql = String::from(" where 1 = 1");
    let mut params = Vec::new();
    if let Some(prefix) = scope.code_prefix() {
        within(&mut sql, &mut params, prefix);
    }
    match filter {
        BoardFilter::Cohort(id) => {
            params.push(Param::Int(*id));
            sql.push_str(&format!(" and e.cohort_id = ${}", params.len()));
        }
        BoardFilter::Region(code) => within(&mut sql, &mut params, code),
    }
    (sql, params)
}

macro_rules! bind_params {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match p {
                Param::Text(s) => q.bind(s.as_str()),
                Param::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}

/// For each active stage, how many participants ever reached it; and how many left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Funnel {
    pub total: i64,
    /// In pipeline order: (stage, participants who reached it or a later one).
    pub reached: Vec<(Stage, i64)>,
    pub dropped_out: i64,
    pub departed_again: i64,
}

impl Funnel {
    /// The funnel of enrolments counted by (current stage, rank of the furthest active stage
    /// reached, how many).
    pub fn from_counts<'a>(counts: impl IntoIterator<Item = (&'a str, i32, i64)>) -> Funnel {
        let mut funnel = Funnel {
            total: 0,
            reached: Stage::ACTIVE.iter().map(|s| (*s, 0)).collect(),
            dropped_out: 0,
            departed_again: 0,
        };
        for (stage, furthest, n) in counts {
            funnel.total += n;
            match Stage::parse(stage) {
                Some(Stage::DroppedOut) => funnel.dropped_out += n,
                Some(Stage::DepartedAgain) => funnel.departed_again += n,
                _ => {}
            }
            for (rank, (_, reached)) in funnel.reached.iter_mut().enumerate() {
                if rank as i32 <= furthest {
                    *reached += n;
                }
            }
        }
        funnel
    }

    /// Participants whose business is operating: the funnel's last stage.
    pub fn operating(&self) -> i64 {
        self.reached.last().map_or(0, |(_, n)| *n)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BusinessRow {
    pub id: i64,
    pub enrolment_id: i64,
    pub name: String,
    pub kbli_code: String,
    pub place: String,
    pub region_code: Option<String>,
    pub started_on: Option<NaiveDate>,
    pub nib: String,
    pub pirt: String,
    pub halal: String,
    pub workers: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessInput {
    pub name: String,
    pub kbli_code: String,
    pub place: String,
    pub region_code: Option<String>,
    pub started_on: Option<NaiveDate>,
    pub nib: String,
    pub pirt: String,
    pub halal: String,
    pub workers: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MonthRow {
    pub id: i64,
    pub business_id: i64,
    pub month: String,
    pub revenue: i64,
    pub costs: i64,
    pub profit: i64,
    pub recorded_by: i64,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CapitalRow {
    pub id: i64,
    pub business_id: i64,
    pub source: String,
    pub lender: String,
    pub amount: i64,
    pub received_on: NaiveDate,
    pub repayment_status: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapitalInput {
    pub source: CapitalSource,
    pub lender: String,
    pub amount: i64,
    pub received_on: NaiveDate,
    pub repayment: Repayment,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct VisitRow {
    pub id: i64,
    pub enrolment_id: i64,
    pub visited_on: NaiveDate,
    pub topics: String,
    pub problems: String,
    pub advice: String,
    pub next_step: String,
    pub mentor_id: i64,
    pub mentor_name: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitInput {
    pub visited_on: NaiveDate,
    pub topics: String,
    pub problems: String,
    pub advice: String,
    pub next_step: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OwnerRow {
    pub person_id: i64,
    pub full_name: String,
}

const BUSINESS_COLUMNS: &str = "id, enrolment_id, name, kbli_code, place, region_code, started_on, \
    nib, pirt, halal, workers, created_at, updated_at";

impl Db {
    pub async fn enrolment(&self, id: i64) -> Result<EnrolmentView, DbError> {
        let sql = format!("{ENROLMENT_SELECT} where e.id = $1");
        Ok(
            with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(p).await)?,
        )
    }

    /// The stage history, oldest first.
    pub async fn stage_history(&self, enrolment: i64) -> Result<Vec<StageChangeRow>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select s.id, s.enrolment_id, s.from_stage, s.to_stage, s.reason, s.changed_by, \
             u.display_name as changed_by_name, s.changed_at, s.reverted_by_change_id \
             from stage_change s join app_user u on u.id = s.changed_by \
             where s.enrolment_id = $1 order by s.id")
            .bind(enrolment).fetch_all(p).await)?)
    }

    /// The participants of a cohort or region within `scope`, by name.
    pub async fn board(
        &self,
        filter: &BoardFilter,
        scope: &Scope,
    ) -> Result<Vec<EnrolmentView>, DbError> {
        let (cond, params) = board_where(filter, scope);
        let sql = format!("{ENROLMENT_SELECT}{cond} order by p.full_name, e.id limit 5000");
        Ok(
            with_db!(self, p => bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), &params).fetch_all(p).await)?,
        )
    }

    /// Participants whose person a departure list marked "departed again" (the registry's
    /// re-migration), within `scope`: those whose stage does not say so yet first, for their
    /// programme officer to record. With the latest departure and the list that showed it.
    pub async fn departed_participants(
        &self,
        scope: &Scope,
    ) -> Result<Vec<DepartedParticipant>, DbError> {
        let mut sql = String::from(
            "select e.id, p.full_name, pr.name as programme_name, c.name as cohort_name, e.stage, \
             r.departure_date, s.name as source_name \
             from enrolment e join person p on p.id = e.person_id join cohort c on c.id = e.cohort_id \
             join track t on t.id = e.track_id join programme pr on pr.id = t.programme_id \
             join remigration r on r.id = (select max(r2.id) from remigration r2 where r2.person_id = p.id) \
             join source_record sr on sr.id = r.source_record_id join source s on s.id = sr.source_id \
             where p.status = 'departed_again'",
        );
        let mut params = Vec::new();
        if let Some(prefix) = scope.code_prefix() {
            within(&mut sql, &mut params, prefix);
        }
        sql.push_str(
            " order by case when e.stage = 'departed_again' then 1 else 0 end, \
             r.departure_date desc, e.id limit 1000",
        );
        Ok(
            with_db!(self, p => bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), &params).fetch_all(p).await)?,
        )
    }

    /// How many participants of the cohort or region reached each stage: their current stage or
    /// any stage their history took them to that was not taken back.
    pub async fn funnel(&self, filter: &BoardFilter, scope: &Scope) -> Result<Funnel, DbError> {
        let (cond, params) = board_where(filter, scope);
        let sql = format!(
            "select e.stage, e.furthest, count(*) from enrolment e join person p on p.id = e.person_id \
             join track t on t.id = e.track_id join programme pr on pr.id = t.programme_id{cond} \
             group by e.stage, e.furthest"
        );
        let counts: Vec<(String, i32, i64)> = with_db!(self, p => bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), &params).fetch_all(p).await)?;
        Ok(Funnel::from_counts(counts.iter().map(
            |(stage, furthest, n)| (stage.as_str(), *furthest, *n),
        )))
    }

    pub async fn business_of(&self, enrolment: i64) -> Result<Option<BusinessRow>, DbError> {
        let sql = format!("select {BUSINESS_COLUMNS} from business where enrolment_id = $1");
        Ok(
            with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(enrolment).fetch_optional(p).await)?,
        )
    }

    pub async fn business(&self, id: i64) -> Result<BusinessRow, DbError> {
        let sql = format!("select {BUSINESS_COLUMNS} from business where id = $1");
        Ok(
            with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(p).await)?,
        )
    }

    /// Monthly figures, newest month first.
    pub async fn business_months(&self, business: i64) -> Result<Vec<MonthRow>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select id, business_id, month, revenue, costs, revenue - costs as profit, recorded_by, \
             recorded_at from business_month where business_id = $1 order by month desc")
            .bind(business).fetch_all(p).await)?)
    }

    pub async fn capital_of(&self, business: i64) -> Result<Vec<CapitalRow>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select id, business_id, source, lender, amount, received_on, repayment_status, \
             recorded_at from capital where business_id = $1 order by received_on desc, id desc")
            .bind(business).fetch_all(p).await)?)
    }

    pub async fn business_owners(&self, business: i64) -> Result<Vec<OwnerRow>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select distinct o.person_id, p.full_name from business_owner o \
             join person p on p.id = o.person_id where o.business_id = $1 order by p.full_name")
            .bind(business).fetch_all(p).await)?)
    }

    /// Mentoring visits, newest first.
    pub async fn mentoring_visits(&self, enrolment: i64) -> Result<Vec<VisitRow>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select v.id, v.enrolment_id, v.visited_on, v.topics, v.problems, v.advice, v.next_step, \
             v.mentor_id, u.display_name as mentor_name, v.recorded_at from mentoring_visit v \
             join app_user u on u.id = v.mentor_id where v.enrolment_id = $1 \
             order by v.visited_on desc, v.id desc")
            .bind(enrolment).fetch_all(p).await)?)
    }
}

/// Creates the enrolment's business or changes it (one business per enrolment).
pub async fn save_business(
    tx: &mut Tx,
    enrolment: i64,
    b: &BusinessInput,
    by: i64,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into business (enrolment_id, name, kbli_code, place, region_code, started_on, nib, \
         pirt, halal, workers, created_by, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
         on conflict (enrolment_id) do update set name = excluded.name, \
         kbli_code = excluded.kbli_code, place = excluded.place, region_code = excluded.region_code, \
         started_on = excluded.started_on, nib = excluded.nib, pirt = excluded.pirt, \
         halal = excluded.halal, workers = excluded.workers, updated_at = excluded.updated_at \
         returning id")
        .bind(enrolment).bind(&b.name).bind(&b.kbli_code).bind(&b.place).bind(&b.region_code)
        .bind(b.started_on).bind(&b.nib).bind(&b.pirt).bind(&b.halal).bind(b.workers).bind(by)
        .bind(now).fetch_one(c).await)?;
    Ok(id)
}

pub async fn add_business_owner(
    tx: &mut Tx,
    business: i64,
    person: i64,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into business_owner (business_id, person_id, added_at) values ($1, $2, $3) returning id")
        .bind(business).bind(person).bind(now).fetch_one(c).await)?;
    Ok(id)
}

/// Records a month's revenue and costs (in whole rupiah, checked by the caller); a month
/// recorded again is corrected.
pub async fn record_month(
    tx: &mut Tx,
    business: i64,
    month: &str,
    revenue: i64,
    costs: i64,
    by: i64,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into business_month (business_id, month, revenue, costs, recorded_by, recorded_at) \
         values ($1, $2, $3, $4, $5, $6) on conflict (business_id, month) do update set \
         revenue = excluded.revenue, costs = excluded.costs, recorded_by = excluded.recorded_by, \
         recorded_at = excluded.recorded_at returning id")
        .bind(business).bind(month).bind(revenue).bind(costs).bind(by).bind(now)
        .fetch_one(c).await)?;
    Ok(id)
}

pub async fn add_capital(
    tx: &mut Tx,
    business: i64,
    k: &CapitalInput,
    by: i64,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into capital (business_id, source, lender, amount, received_on, repayment_status, \
         recorded_by, recorded_at) values ($1, $2, $3, $4, $5, $6, $7, $8) returning id")
        .bind(business).bind(k.source.as_str()).bind(&k.lender).bind(k.amount).bind(k.received_on)
        .bind(k.repayment.as_str()).bind(by).bind(now).fetch_one(c).await)?;
    Ok(id)
}

pub async fn add_visit(
    tx: &mut Tx,
    enrolment: i64,
    v: &VisitInput,
    mentor: i64,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into mentoring_visit (enrolment_id, visited_on, topics, problems, advice, next_step, \
         mentor_id, recorded_at) values ($1, $2, $3, $4, $5, $6, $7, $8) returning id")
        .bind(enrolment).bind(v.visited_on).bind(&v.topics).bind(&v.problems).bind(&v.advice)
        .bind(&v.next_step).bind(mentor).bind(now).fetch_one(c).await)?;
    Ok(id)
}

/// Fixtures for tests of the pipeline (the programme pages build their own): a programme of
/// `agency` serving `region` with one economic track and a cohort of it.
pub async fn test_cohort(db: &Db, agency: i64, region: &str, name: &str) -> Result<i64, DbError> {
    let now = crate::now();
    let mut tx = db.begin().await?;
    let (programme,): (i64,) = with_tx!(&mut tx, c => sqlx::query_as(
        "insert into programme (name, owner_agency_id, region_code, starts_on, ends_on, created_at, \
         updated_at) values ($1, $2, $3, $4, $5, $6, $6) returning id")
        .bind(name).bind(agency).bind(region)
        .bind(NaiveDate::from_ymd_opt(2026, 1, 1)).bind(NaiveDate::from_ymd_opt(2026, 12, 31))
        .bind(now).fetch_one(c).await)?;
    let (track,): (i64,) = with_tx!(&mut tx, c => sqlx::query_as(
        "insert into track (programme_id, kind, name, created_at) values ($1, 'economic', 'Usaha', $2) returning id")
        .bind(programme).bind(now).fetch_one(c).await)?;
    let (cohort,): (i64,) = with_tx!(&mut tx, c => sqlx::query_as(
        "insert into cohort (track_id, name, capacity, region_code, created_at) values ($1, $2, 30, $3, $4) returning id")
        .bind(track).bind(name).bind(region).bind(now).fetch_one(c).await)?;
    tx.commit().await?;
    Ok(cohort)
}

/// Assigns a trainer to a cohort (a test fixture; see [`test_cohort`]).
pub async fn test_assign_trainer(db: &Db, cohort: i64, user: i64) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    with_tx!(&mut tx, c => sqlx::query("insert into cohort_trainer (cohort_id, user_id) values ($1, $2)")
        .bind(cohort).bind(user).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(())
}

/// Enrols a person in a cohort (a test fixture; see [`test_cohort`]).
pub async fn test_enrol(db: &Db, cohort: i64, person: i64) -> Result<i64, DbError> {
    let now = crate::now();
    let mut tx = db.begin().await?;
    let (id,): (i64,) = with_tx!(&mut tx, c => sqlx::query_as(
        "insert into enrolment (cohort_id, person_id, track_id, stage_since, enrolled_at) \
         select $1, $2, track_id, $3, $3 from cohort where id = $1 returning id")
        .bind(cohort).bind(person).bind(now).fetch_one(c).await)?;
    tx.commit().await?;
    Ok(id)
}

impl Db {
    pub async fn stage_change(&self, id: i64) -> Result<StageChangeRow, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select s.id, s.enrolment_id, s.from_stage, s.to_stage, s.reason, s.changed_by, \
             u.display_name as changed_by_name, s.changed_at, s.reverted_by_change_id \
             from stage_change s join app_user u on u.id = s.changed_by where s.id = $1")
            .bind(id).fetch_one(p).await)?)
    }
}
