//! Participants' own accounts: an officer opens one for a registry person and hands over a
//! one-time link (its token shown once, only its SHA-256 stored) through which the participant
//! sets a password; and what the participant's own page shows of them.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use emas_domain::access::{Role, Scope};
use serde::Serialize;

use crate::secret::{random_token, token_hash};
use crate::users::{self, NewUser, NewUserError, USER_COLUMNS, User, UserRow};
use crate::{Db, DbError, Tx, with_db, with_tx};

/// How long a one-time link stays usable.
pub const LINK_VALID_FOR: Duration = Duration::days(7);

/// What a one-time link is, when someone opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    Valid(User),
    Used,
    Expired,
    /// No such link, or its account was deactivated.
    Unknown,
}

/// The user name of a person's participant account.
pub fn participant_username(person_id: i64) -> String {
    format!("peserta.{person_id}")
}

impl Db {
    /// The participant account of a person, if one was opened.
    pub async fn participant_account(&self, person_id: i64) -> Result<Option<User>, DbError> {
        let sql = format!(
            "select {USER_COLUMNS} from app_user where person_id = $1 and role = 'participant' \
             order by id limit 1"
        );
        let row: Option<UserRow> = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(person_id).fetch_optional(p).await)?;
        row.map(User::try_from).transpose()
    }

    /// The person an account belongs to (participants' accounts only have one).
    pub async fn person_of_user(&self, user_id: i64) -> Result<Option<i64>, DbError> {
        let row: Option<(Option<i64>,)> = with_db!(self, p => sqlx::query_as(
            "select person_id from app_user where id = $1")
            .bind(user_id).fetch_optional(p).await)?;
        Ok(row.and_then(|(p,)| p))
    }

    /// What a one-time link is now.
    pub async fn one_time_link(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<LinkState, DbError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            user_id: i64,
            expires_at: DateTime<Utc>,
            used_at: Option<DateTime<Utc>>,
        }
        let row: Option<Row> = with_db!(self, p => sqlx::query_as(
            "select user_id, expires_at, used_at from one_time_link where token_hash = $1")
            .bind(token_hash(token)).fetch_optional(p).await)?;
        let Some(row) = row else {
            return Ok(LinkState::Unknown);
        };
        if row.used_at.is_some() {
            return Ok(LinkState::Used);
        }
        if now >= row.expires_at {
            return Ok(LinkState::Expired);
        }
        let user = self.user(row.user_id).await?;
        Ok(if user.active {
            LinkState::Valid(user)
        } else {
            LinkState::Unknown
        })
    }

    /// A participant's enrolments: programme, track, cohort and where they stand.
    pub async fn own_enrolments(&self, person_id: i64) -> Result<Vec<OwnEnrolment>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select e.id, pr.name as programme, t.name as track, t.kind as track_kind, \
             c.id as cohort_id, c.name as cohort, c.place, c.starts_on, c.ends_on, e.stage, \
             e.stage_since \
             from enrolment e join cohort c on c.id = e.cohort_id \
             join track t on t.id = e.track_id join programme pr on pr.id = t.programme_id \
             where e.person_id = $1 order by c.starts_on, e.id")
            .bind(person_id).fetch_all(p).await)?)
    }

    /// The sessions of the cohorts a participant is enrolled in, by date.
    pub async fn own_sessions(&self, person_id: i64) -> Result<Vec<OwnSession>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select s.id, c.name as cohort, s.held_on, s.topic, a.present \
             from cohort_session s join cohort c on c.id = s.cohort_id \
             join enrolment e on e.cohort_id = c.id \
             left join attendance a on a.session_id = s.id and a.enrolment_id = e.id \
             where e.person_id = $1 order by s.held_on, s.id")
            .bind(person_id).fetch_all(p).await)?)
    }

    /// The mentoring notes of a participant's enrolments, newest first: what the participant
    /// is told (topics, advice, next step), not the mentor's own notes of problems.
    pub async fn own_mentoring_notes(&self, person_id: i64) -> Result<Vec<OwnVisit>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select v.id, v.visited_on, v.topics, v.advice, v.next_step \
             from mentoring_visit v join enrolment e on e.id = v.enrolment_id \
             where e.person_id = $1 order by v.visited_on desc, v.id desc")
            .bind(person_id).fetch_all(p).await)?)
    }

    /// The businesses a participant holds: those of their enrolments and those they co-own.
    pub async fn own_businesses(&self, person_id: i64) -> Result<Vec<OwnBusiness>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select b.id, b.name, b.kbli_code, b.place from business b \
             where b.enrolment_id in (select id from enrolment where person_id = $1) \
             or b.id in (select business_id from business_owner where person_id = $1) \
             order by b.id")
            .bind(person_id).fetch_all(p).await)?)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OwnVisit {
    pub id: i64,
    pub visited_on: NaiveDate,
    pub topics: String,
    pub advice: String,
    pub next_step: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OwnBusiness {
    pub id: i64,
    pub name: String,
    pub kbli_code: String,
    pub place: String,
}

/// Records a month's figures of a business the person holds (through their enrolment or as a
/// co-owner); `DbError::NotFound`, writing nothing, for any other business. Amounts are checked
/// by the caller.
#[allow(clippy::too_many_arguments)]
pub async fn record_own_month(
    tx: &mut Tx,
    person_id: i64,
    business: i64,
    month: &str,
    revenue: i64,
    costs: i64,
    by: i64,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let own: Option<(i64,)> = with_tx!(tx, c => sqlx::query_as(
        "select b.id from business b where b.id = $1 and (\
         b.enrolment_id in (select id from enrolment where person_id = $2) \
         or b.id in (select business_id from business_owner where person_id = $2))")
        .bind(business).bind(person_id).fetch_optional(c).await)?;
    if own.is_none() {
        return Err(DbError::NotFound);
    }
    crate::pipeline::record_month(tx, business, month, revenue, costs, by, now).await
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OwnEnrolment {
    pub id: i64,
    pub programme: String,
    pub track: String,
    pub track_kind: String,
    pub cohort_id: i64,
    pub cohort: String,
    pub place: String,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub stage: String,
    pub stage_since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OwnSession {
    pub id: i64,
    pub cohort: String,
    pub held_on: NaiveDate,
    pub topic: String,
    /// Whether they attended; `None` while no attendance was taken.
    pub present: Option<bool>,
}

/// Opens a participant account for a person (or finds the one opened before): role
/// participant, the given scope (the person's regency or region) and the officer's agency. Its
/// password is a random secret no one knows until the one-time link sets one.
pub async fn ensure_account(
    tx: &mut Tx,
    person_id: i64,
    display_name: &str,
    scope: Scope,
    agency_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, NewUserError> {
    let existing: Option<(i64,)> = with_tx!(tx, c => sqlx::query_as(
        "select id from app_user where person_id = $1 and role = 'participant' order by id limit 1")
        .bind(person_id).fetch_optional(c).await)
    .map_err(DbError::from)?;
    if let Some((id,)) = existing {
        return Ok(id);
    }
    let username = participant_username(person_id);
    let secret = random_token();
    let id = users::create_user(
        tx,
        &NewUser {
            username: &username,
            display_name,
            password: &secret,
            role: Role::Participant,
            scope,
            agency_id,
            must_change_password: false,
        },
        now,
    )
    .await?;
    with_tx!(tx, c => sqlx::query("update app_user set person_id = $1 where id = $2")
        .bind(person_id).bind(id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(DbError::from)?;
    Ok(id)
}

/// Issues a one-time link for an account; earlier unused links of the account stop working.
/// Returns the token, to be shown once.
pub async fn issue_link(
    tx: &mut Tx,
    user_id: i64,
    created_by: i64,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), DbError> {
    with_tx!(tx, c => sqlx::query("delete from one_time_link where user_id = $1 and used_at is null")
        .bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
    let token = random_token();
    let expires = now + LINK_VALID_FOR;
    with_tx!(tx, c => sqlx::query(
        "insert into one_time_link (token_hash, user_id, created_by, created_at, expires_at) \
         values ($1, $2, $3, $4, $5)")
        .bind(token_hash(&token)).bind(user_id).bind(created_by).bind(now).bind(expires)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok((token, expires))
}

/// Why a one-time link did not set a password. Nothing is written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("the link was used already")]
    Used,
    #[error("the link expired")]
    Expired,
    #[error("no such link")]
    Unknown,
    #[error(transparent)]
    Password(#[from] crate::password::PasswordError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Sets the password of the link's account and marks the link used, once: the claim is a
/// conditional update, so a link opened twice at the same moment sets one password.
pub async fn use_link(
    tx: &mut Tx,
    token: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<i64, LinkError> {
    crate::password::check_new_password(password)?;
    let hash = token_hash(token);
    let claimed: Option<(i64,)> = with_tx!(tx, c => sqlx::query_as(
        "update one_time_link set used_at = $1 \
         where token_hash = $2 and used_at is null and expires_at > $1 returning user_id")
        .bind(now).bind(&hash).fetch_optional(c).await)
    .map_err(DbError::from)?;
    let Some((user_id,)) = claimed else {
        let row: Option<(Option<DateTime<Utc>>,)> = with_tx!(tx, c => sqlx::query_as(
            "select used_at from one_time_link where token_hash = $1")
            .bind(&hash).fetch_optional(c).await)
        .map_err(DbError::from)?;
        return Err(match row {
            None => LinkError::Unknown,
            Some((Some(_),)) => LinkError::Used,
            Some((None,)) => LinkError::Expired,
        });
    };
    let active: (bool,) =
        with_tx!(tx, c => sqlx::query_as("select active from app_user where id = $1")
        .bind(user_id).fetch_one(c).await)
        .map_err(DbError::from)?;
    if !active.0 {
        return Err(LinkError::Unknown);
    }
    users::set_password(tx, user_id, password, false, now)
        .await
        .map_err(|e| match e {
            NewUserError::Password(p) => LinkError::Password(p),
            NewUserError::Db(d) => LinkError::Db(d),
            other => LinkError::Db(DbError::Config(other.to_string())),
        })?;
    // Whoever held the account before (sessions of an earlier password) is signed out.
    crate::sessions::end_all_for_user(tx, user_id).await?;
    Ok(user_id)
}
