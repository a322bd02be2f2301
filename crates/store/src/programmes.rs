//! The empowerment programme: programmes with their partners and tracks, cohorts of a track with
//! their trainers and sessions, the enrolment of registry people (checked against the
//! programme's eligibility rules, all or none), attendance per session and test scores.
//! Callers pass validated input; the rules themselves live in `emas_domain::programme`.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use emas_domain::access::{RegionCode, Role, Scope};
use emas_domain::person::MigrationStatus;
use emas_domain::programme::{
    Candidate, Completion, CompletionRule, EligibilityRules, Ineligible, TestKind, TrackKind,
    check_eligibility, completion,
};
use serde::Serialize;

use crate::{Db, DbError, Tx, with_db, with_tx};

/// The most people one enrolment request may name.
pub const MAX_ENROL_AT_ONCE: usize = 200;

#[derive(Debug, Clone)]
pub struct ProgrammeInput {
    pub name: String,
    pub owner_agency_id: i64,
    pub region_code: RegionCode,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub budget_line: String,
    pub description: String,
    pub returned_within_years: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Programme {
    pub id: i64,
    pub name: String,
    pub owner_agency_id: i64,
    pub owner_agency: String,
    pub region_code: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub budget_line: String,
    pub description: String,
    pub returned_within_years: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Partner {
    pub agency_id: i64,
    pub agency: String,
    pub role: String,
}

#[derive(Debug, Clone)]
pub struct TrackInput {
    pub kind: TrackKind,
    pub name: String,
    pub description: String,
    pub min_attendance_percent: i32,
    pub requires_post_test: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Track {
    pub id: i64,
    pub programme_id: i64,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub min_attendance_percent: i32,
    pub requires_post_test: bool,
}

#[derive(Debug, Clone)]
pub struct CohortInput {
    pub name: String,
    pub place: String,
    pub capacity: i32,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// Where the cohort meets and whom it serves: a region within the programme's (none: the
    /// programme's whole region). The caller checks it lies within.
    pub region_code: Option<RegionCode>,
    /// Accounts of role trainer.
    pub trainer_ids: Vec<i64>,
}

/// A cohort with what its pages need of its track and programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Cohort {
    pub id: i64,
    pub track_id: i64,
    pub name: String,
    pub place: String,
    pub capacity: i32,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// The cohort's own region within the programme's, if it has one.
    pub region_code: Option<String>,
    pub programme_id: i64,
    pub programme_name: String,
    /// The programme's region: the cohort is seen by those whose scope covers it.
    pub programme_region: String,
    pub track_name: String,
    pub track_kind: String,
    pub min_attendance_percent: i32,
    pub requires_post_test: bool,
    pub enrolled: i64,
}

impl Cohort {
    pub fn rule(&self) -> CompletionRule {
        CompletionRule {
            min_attendance_percent: self.min_attendance_percent,
            requires_post_test: self.requires_post_test,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Session {
    pub id: i64,
    pub cohort_id: i64,
    pub held_on: NaiveDate,
    pub topic: String,
    /// Marked present / marked at all.
    pub present: i64,
    pub recorded: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Trainer {
    pub user_id: i64,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ParticipantRow {
    pub enrolment_id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub nik: Option<String>,
    pub region_code: Option<String>,
    pub stage: String,
    pub attended: i64,
    pub pre_score: Option<i32>,
    pub post_score: Option<i32>,
}

/// A participant with their standing against the track's completion rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participant {
    #[serde(flatten)]
    pub row: ParticipantRow,
    pub completion: Completion,
}

/// Who was marked how in one session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Mark {
    pub enrolment_id: i64,
    pub present: bool,
}

pub async fn create_programme(
    tx: &mut Tx,
    p: &ProgrammeInput,
    created_by: i64,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into programme (name, owner_agency_id, region_code, starts_on, ends_on, budget_line, \
         description, returned_within_years, created_by, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) returning id")
        .bind(&p.name).bind(p.owner_agency_id).bind(p.region_code.as_str()).bind(p.starts_on)
        .bind(p.ends_on).bind(&p.budget_line).bind(&p.description).bind(p.returned_within_years)
        .bind(created_by).bind(now)
        .fetch_one(c).await)?;
    Ok(id)
}

/// Adds a partner agency, or changes what it brings when it is a partner already.
pub async fn add_partner(
    tx: &mut Tx,
    programme_id: i64,
    agency_id: i64,
    role: &str,
) -> Result<(), DbError> {
    with_tx!(tx, c => sqlx::query(
        "insert into programme_partner (programme_id, agency_id, role) values ($1, $2, $3) \
         on conflict (programme_id, agency_id) do update set role = excluded.role")
        .bind(programme_id).bind(agency_id).bind(role)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn add_track(
    tx: &mut Tx,
    programme_id: i64,
    t: &TrackInput,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into track (programme_id, kind, name, description, min_attendance_percent, \
         requires_post_test, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id")
        .bind(programme_id).bind(t.kind.as_str()).bind(&t.name).bind(&t.description)
        .bind(t.min_attendance_percent).bind(t.requires_post_test).bind(now)
        .fetch_one(c).await)?;
    Ok(id)
}

pub async fn create_cohort(
    tx: &mut Tx,
    track_id: i64,
    input: &CohortInput,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into cohort (track_id, name, place, capacity, starts_on, ends_on, region_code, \
         created_at) values ($1, $2, $3, $4, $5, $6, $7, $8) returning id")
        .bind(track_id).bind(&input.name).bind(&input.place).bind(input.capacity)
        .bind(input.starts_on).bind(input.ends_on)
        .bind(input.region_code.as_ref().map(|r| r.as_str())).bind(now)
        .fetch_one(c).await)?;
    let trainers: BTreeSet<i64> = input.trainer_ids.iter().copied().collect();
    for user_id in trainers {
        with_tx!(tx, c => sqlx::query(
            "insert into cohort_trainer (cohort_id, user_id) values ($1, $2)")
            .bind(id).bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(id)
}

pub async fn add_session(
    tx: &mut Tx,
    cohort_id: i64,
    held_on: NaiveDate,
    topic: &str,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into cohort_session (cohort_id, held_on, topic, created_at) values ($1, $2, $3, $4) \
         returning id")
        .bind(cohort_id).bind(held_on).bind(topic).bind(now)
        .fetch_one(c).await)?;
    Ok(id)
}

const PROGRAMME_COLUMNS: &str = "programme.id, programme.name, programme.owner_agency_id, \
    agency.name as owner_agency, programme.region_code, programme.starts_on, programme.ends_on, \
    programme.budget_line, programme.description, programme.returned_within_years";

const COHORT_SELECT: &str = "select cohort.id, cohort.track_id, cohort.name, cohort.place, \
    cohort.capacity, cohort.starts_on, cohort.ends_on, cohort.region_code, \
    programme.id as programme_id, \
    programme.name as programme_name, programme.region_code as programme_region, \
    track.name as track_name, track.kind as track_kind, track.min_attendance_percent, \
    track.requires_post_test, \
    (select count(*) from enrolment e where e.cohort_id = cohort.id) as enrolled \
    from cohort join track on track.id = cohort.track_id \
    join programme on programme.id = track.programme_id";

impl Db {
    /// The programmes whose region lies within `scope`, and the wider ones (the province's,
    /// seen from a regency) with a cohort whose region lies within it; newest first.
    pub async fn programmes(&self, scope: &Scope) -> Result<Vec<Programme>, DbError> {
        let (lo, hi) = match scope.code_prefix() {
            Some(code) => crate::regions::code_range(code),
            None => (String::new(), "\u{7f}".to_owned()),
        };
        let sql = format!(
            "select {PROGRAMME_COLUMNS} from programme join agency on agency.id = programme.owner_agency_id \
             where (programme.region_code >= $1 and programme.region_code < $2) \
             or exists (select 1 from cohort join track on track.id = cohort.track_id \
             where track.programme_id = programme.id \
             and cohort.region_code >= $1 and cohort.region_code < $2) \
             order by programme.starts_on desc, programme.id desc"
        );
        Ok(
            with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(&lo).bind(&hi).fetch_all(p).await)?,
        )
    }

    pub async fn programme(&self, id: i64) -> Result<Programme, DbError> {
        let sql = format!(
            "select {PROGRAMME_COLUMNS} from programme join agency on agency.id = programme.owner_agency_id \
             where programme.id = $1"
        );
        Ok(
            with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(p).await)?,
        )
    }

    pub async fn partners(&self, programme_id: i64) -> Result<Vec<Partner>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select programme_partner.agency_id, agency.name as agency, programme_partner.role \
             from programme_partner join agency on agency.id = programme_partner.agency_id \
             where programme_partner.programme_id = $1 order by agency.name")
            .bind(programme_id).fetch_all(p).await)?)
    }

    pub async fn tracks(&self, programme_id: i64) -> Result<Vec<Track>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select id, programme_id, kind, name, description, min_attendance_percent, \
             requires_post_test from track where programme_id = $1 order by id")
            .bind(programme_id).fetch_all(p).await)?)
    }

    pub async fn track(&self, id: i64) -> Result<Track, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select id, programme_id, kind, name, description, min_attendance_percent, \
             requires_post_test from track where id = $1")
            .bind(id).fetch_one(p).await)?)
    }

    /// The cohorts of a programme, by track and name.
    pub async fn programme_cohorts(&self, programme_id: i64) -> Result<Vec<Cohort>, DbError> {
        let sql = format!("{COHORT_SELECT} where programme.id = $1 order by track.id, cohort.id");
        Ok(
            with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(programme_id).fetch_all(p).await)?,
        )
    }

    pub async fn track_cohorts(&self, track_id: i64) -> Result<Vec<Cohort>, DbError> {
        let sql = format!("{COHORT_SELECT} where track.id = $1 order by cohort.id");
        Ok(
            with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(track_id).fetch_all(p).await)?,
        )
    }

    pub async fn cohort(&self, id: i64) -> Result<Cohort, DbError> {
        let sql = format!("{COHORT_SELECT} where cohort.id = $1");
        Ok(
            with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(p).await)?,
        )
    }

    pub async fn cohort_trainers(&self, cohort_id: i64) -> Result<Vec<Trainer>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select app_user.id as user_id, app_user.display_name from cohort_trainer \
             join app_user on app_user.id = cohort_trainer.user_id \
             where cohort_trainer.cohort_id = $1 order by app_user.display_name")
            .bind(cohort_id).fetch_all(p).await)?)
    }

    pub async fn sessions(&self, cohort_id: i64) -> Result<Vec<Session>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select s.id, s.cohort_id, s.held_on, s.topic, \
             (select count(*) from attendance a where a.session_id = s.id and a.present) as present, \
             (select count(*) from attendance a where a.session_id = s.id) as recorded \
             from cohort_session s where s.cohort_id = $1 order by s.held_on, s.id")
            .bind(cohort_id).fetch_all(p).await)?)
    }

    pub async fn cohort_session(&self, id: i64) -> Result<Session, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select s.id, s.cohort_id, s.held_on, s.topic, \
             (select count(*) from attendance a where a.session_id = s.id and a.present) as present, \
             (select count(*) from attendance a where a.session_id = s.id) as recorded \
             from cohort_session s where s.id = $1")
            .bind(id).fetch_one(p).await)?)
    }

    /// A cohort's participants by name, with sessions attended, scores and completion.
    pub async fn participants(&self, cohort: &Cohort) -> Result<Vec<Participant>, DbError> {
        let rows: Vec<ParticipantRow> = with_db!(self, p => sqlx::query_as(
            "select e.id as enrolment_id, e.person_id, person.full_name, person.nik, \
             person.region_code, e.stage, \
             (select count(*) from attendance a where a.enrolment_id = e.id and a.present) as attended, \
             (select score from test_score t where t.enrolment_id = e.id and t.kind = 'pre') as pre_score, \
             (select score from test_score t where t.enrolment_id = e.id and t.kind = 'post') as post_score \
             from enrolment e join person on person.id = e.person_id \
             where e.cohort_id = $1 order by person.full_name, e.id")
            .bind(cohort.id).fetch_all(p).await)?;
        let (sessions,): (i64,) = with_db!(self, p => sqlx::query_as(
            "select count(*) from cohort_session where cohort_id = $1")
            .bind(cohort.id).fetch_one(p).await)?;
        let rule = cohort.rule();
        Ok(rows
            .into_iter()
            .map(|row| Participant {
                completion: completion(rule, sessions, row.attended, row.post_score),
                row,
            })
            .collect())
    }

    /// How each participant was marked in a session.
    pub async fn session_marks(&self, session_id: i64) -> Result<Vec<Mark>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select enrolment_id, present from attendance where session_id = $1")
            .bind(session_id).fetch_all(p).await)?)
    }
}

/// Why an enrolment was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum EnrolError {
    /// Each person who may not enrol, with every rule they fail.
    #[error("ineligible")]
    Ineligible(Vec<(i64, Vec<Ineligible>)>),
    /// The cohort has `free` places left, fewer than asked for.
    #[error("the cohort is full")]
    Full { capacity: i32, free: i64 },
    #[error("no one to enrol, or too many at once")]
    BadCount,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for EnrolError {
    fn from(e: sqlx::Error) -> Self {
        EnrolError::Db(e.into())
    }
}

#[derive(sqlx::FromRow)]
struct Facts {
    id: i64,
    status: String,
    region_code: Option<String>,
    status_since: Option<NaiveDate>,
    merged_into: Option<i64>,
    last_return: Option<NaiveDate>,
}

/// Where the eligibility check reads: the pool (a preview on the cohort's page) or the
/// enrolment's own transaction, so that both run the same queries.
enum Reader<'a> {
    Db(&'a Db),
    Tx(&'a mut Tx),
}

macro_rules! read {
    ($r:expr, $c:ident => $e:expr) => {
        match $r {
            Reader::Db(db) => with_db!(db, $c => $e),
            Reader::Tx(tx) => with_tx!(tx, $c => $e),
        }
    };
}

/// A cohort's track, capacity, the programme's rules and how many are enrolled.
async fn cohort_rules(
    r: &mut Reader<'_>,
    cohort_id: i64,
) -> Result<(i64, i32, EligibilityRules, i64), DbError> {
    let (track_id, capacity, region, years, enrolled): (i64, i32, String, Option<i32>, i64) = read!(r, c => sqlx::query_as(
        "select track.id, cohort.capacity, programme.region_code, programme.returned_within_years, \
         (select count(*) from enrolment e where e.cohort_id = cohort.id) \
         from cohort join track on track.id = cohort.track_id \
         join programme on programme.id = track.programme_id where cohort.id = $1")
        .bind(cohort_id).fetch_one(c).await)?;
    let rules = EligibilityRules {
        region: RegionCode::parse(&region)
            .map_err(|_| DbError::Config(format!("programme region {region} is not a code")))?,
        returned_within_years: years.and_then(|y| u32::try_from(y).ok()),
    };
    Ok((track_id, capacity, rules, enrolled))
}

/// Every person with the rules they fail (none: eligible). People outside `scope` or merged
/// into someone else are unknown.
async fn check_people(
    r: &mut Reader<'_>,
    track_id: i64,
    rules: &EligibilityRules,
    ids: &[i64],
    scope: &Scope,
    today: NaiveDate,
) -> Result<Vec<(i64, Vec<Ineligible>)>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let facts: Option<Facts> = read!(r, c => sqlx::query_as(
            "select p.id, p.status, p.region_code, p.status_since, p.merged_into, \
             (select max(pl.return_date) from placement pl where pl.person_id = p.id) as last_return \
             from person p where p.id = $1")
            .bind(id).fetch_optional(c).await)?;
        let visible = facts.as_ref().filter(|f| {
            f.merged_into.is_none()
                && match scope {
                    Scope::National => true,
                    Scope::Region(own) => f
                        .region_code
                        .as_deref()
                        .and_then(|r| RegionCode::parse(r).ok())
                        .is_some_and(|r| own.contains(&r)),
                }
        });
        let Some(f) = visible else {
            out.push((id, vec![Ineligible::UnknownPerson]));
            continue;
        };
        let (n,): (i64,) = read!(r, c => sqlx::query_as(
            "select count(*) from enrolment where track_id = $1 and person_id = $2")
            .bind(track_id).bind(f.id).fetch_one(c).await)?;
        let candidate = Candidate {
            status: MigrationStatus::parse(&f.status),
            returned_on: f.last_return.or(f.status_since),
            region_code: f.region_code.clone(),
            already_in_track: n > 0,
        };
        out.push((id, check_eligibility(rules, &candidate, today)));
    }
    Ok(out)
}

impl Db {
    /// Whether each person may enrol in a cohort, and if not why: the check [`enrol`] makes,
    /// as a preview (at most [`MAX_ENROL_AT_ONCE`] people).
    pub async fn eligibility(
        &self,
        cohort_id: i64,
        person_ids: &[i64],
        scope: &Scope,
        today: NaiveDate,
    ) -> Result<Vec<(i64, Vec<Ineligible>)>, DbError> {
        let ids = &person_ids[..person_ids.len().min(MAX_ENROL_AT_ONCE)];
        let mut r = Reader::Db(self);
        let (track_id, _, rules, _) = cohort_rules(&mut r, cohort_id).await?;
        check_people(&mut r, track_id, &rules, ids, scope, today).await
    }
}

/// Enrols `person_ids` in a cohort: all of them or, when any fails a rule or the cohort lacks
/// places, none. People outside `scope` count as unknown, so the answer reveals nothing.
pub async fn enrol(
    tx: &mut Tx,
    cohort_id: i64,
    person_ids: &[i64],
    scope: &Scope,
    enrolled_by: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, EnrolError> {
    let mut ids: Vec<i64> = Vec::with_capacity(person_ids.len());
    for id in person_ids {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    if ids.is_empty() || ids.len() > MAX_ENROL_AT_ONCE {
        return Err(EnrolError::BadCount);
    }
    // Claims the cohort's row, so two officers filling its last place at once queue here
    // (PostgreSQL; SQLite's writer already holds the whole database).
    let claimed = with_tx!(tx, c => sqlx::query("update cohort set capacity = capacity where id = $1")
        .bind(cohort_id).execute(c).await.map(|r| r.rows_affected()))?;
    if claimed == 0 {
        return Err(DbError::NotFound.into());
    }
    let (track_id, capacity, rules, enrolled) =
        cohort_rules(&mut Reader::Tx(tx), cohort_id).await?;
    let refused: Vec<(i64, Vec<Ineligible>)> =
        check_people(&mut Reader::Tx(tx), track_id, &rules, &ids, scope, today)
            .await?
            .into_iter()
            .filter(|(_, failed)| !failed.is_empty())
            .collect();
    if !refused.is_empty() {
        return Err(EnrolError::Ineligible(refused));
    }
    let free = (i64::from(capacity) - enrolled).max(0);
    if (ids.len() as i64) > free {
        return Err(EnrolError::Full { capacity, free });
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let inserted: Result<(i64,), DbError> = with_tx!(tx, c => sqlx::query_as(
            "insert into enrolment (cohort_id, person_id, track_id, stage, stage_since, enrolled_by, \
             enrolled_at) values ($1, $2, $3, 'registered', $4, $5, $4) returning id")
            .bind(cohort_id).bind(id).bind(track_id).bind(now).bind(enrolled_by)
            .fetch_one(c).await)
        .map_err(DbError::from);
        match inserted {
            Ok((eid,)) => out.push(eid),
            // Another officer enrolled them in this track a moment ago.
            Err(DbError::Conflict(_)) => {
                return Err(EnrolError::Ineligible(vec![(
                    id,
                    vec![Ineligible::AlreadyInTrack],
                )]));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// Whether `user_id` may act on the cohort's participants (attendance, scores, stage moves):
/// a trainer only on the cohorts they are assigned to; every other role as its scope allows,
/// which the caller checks.
async fn acts_on(r: &mut Reader<'_>, cohort_id: i64, user_id: i64) -> Result<bool, DbError> {
    let row: Option<(String, i64)> = read!(r, c => sqlx::query_as(
        "select u.role, (select count(*) from cohort_trainer t          where t.cohort_id = $1 and t.user_id = u.id) from app_user u where u.id = $2")
        .bind(cohort_id).bind(user_id).fetch_optional(c).await)?;
    Ok(row.is_some_and(|(role, assigned)| role != Role::Trainer.as_str() || assigned > 0))
}

/// [`acts_on`] inside a writing transaction, so an assignment taken away a moment ago counts.
pub async fn may_act_on_cohort(tx: &mut Tx, cohort_id: i64, user_id: i64) -> Result<bool, DbError> {
    acts_on(&mut Reader::Tx(tx), cohort_id, user_id).await
}

impl Db {
    /// [`acts_on`] for a page: whether to offer the attendance sheet and the stage buttons.
    pub async fn acts_on_cohort(&self, cohort_id: i64, user_id: i64) -> Result<bool, DbError> {
        acts_on(&mut Reader::Db(self), cohort_id, user_id).await
    }
}

/// Why attendance or scores were refused; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum MarkError {
    /// The enrolment is not one of this cohort's.
    #[error("enrolment {0} is not in this cohort")]
    NotInCohort(i64),
    /// A trainer who is not assigned to the cohort.
    #[error("not assigned to this cohort")]
    NotAssigned,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for MarkError {
    fn from(e: sqlx::Error) -> Self {
        MarkError::Db(e.into())
    }
}

async fn cohort_enrolments(tx: &mut Tx, cohort_id: i64) -> Result<HashSet<i64>, DbError> {
    let rows: Vec<(i64,)> = with_tx!(tx, c => sqlx::query_as(
        "select id from enrolment where cohort_id = $1")
        .bind(cohort_id).fetch_all(c).await)?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Records who was present in a session (a second sheet for the same session replaces the
/// marks it names). Every enrolment must be of the session's cohort.
pub async fn record_attendance(
    tx: &mut Tx,
    session_id: i64,
    marks: &[(i64, bool)],
    recorded_by: i64,
    now: DateTime<Utc>,
) -> Result<usize, MarkError> {
    let cohort: Option<(i64,)> = with_tx!(tx, c => sqlx::query_as(
        "select cohort_id from cohort_session where id = $1")
        .bind(session_id).fetch_optional(c).await)?;
    let (cohort_id,) = cohort.ok_or(DbError::NotFound)?;
    if !may_act_on_cohort(tx, cohort_id, recorded_by).await? {
        return Err(MarkError::NotAssigned);
    }
    let members = cohort_enrolments(tx, cohort_id).await?;
    if let Some((bad, _)) = marks.iter().find(|(e, _)| !members.contains(e)) {
        return Err(MarkError::NotInCohort(*bad));
    }
    let unique: HashMap<i64, bool> = marks.iter().copied().collect();
    for (enrolment_id, present) in &unique {
        with_tx!(tx, c => sqlx::query(
            "insert into attendance (session_id, enrolment_id, present, recorded_by, recorded_at) \
             values ($1, $2, $3, $4, $5) on conflict (session_id, enrolment_id) do update set \
             present = excluded.present, recorded_by = excluded.recorded_by, \
             recorded_at = excluded.recorded_at")
            .bind(session_id).bind(enrolment_id).bind(present).bind(recorded_by).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(unique.len())
}

/// Records test scores (0 to 100, checked by the caller) of a cohort's participants.
pub async fn record_scores(
    tx: &mut Tx,
    cohort_id: i64,
    scores: &[(i64, TestKind, i32)],
    recorded_by: i64,
    now: DateTime<Utc>,
) -> Result<usize, MarkError> {
    if !may_act_on_cohort(tx, cohort_id, recorded_by).await? {
        return Err(MarkError::NotAssigned);
    }
    let members = cohort_enrolments(tx, cohort_id).await?;
    if let Some((bad, ..)) = scores.iter().find(|(e, ..)| !members.contains(e)) {
        return Err(MarkError::NotInCohort(*bad));
    }
    for (enrolment_id, kind, score) in scores {
        with_tx!(tx, c => sqlx::query(
            "insert into test_score (enrolment_id, kind, score, recorded_by, recorded_at) \
             values ($1, $2, $3, $4, $5) on conflict (enrolment_id, kind) do update set \
             score = excluded.score, recorded_by = excluded.recorded_by, \
             recorded_at = excluded.recorded_at")
            .bind(enrolment_id).bind(kind.as_str()).bind(score).bind(recorded_by).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(scores.len())
}
