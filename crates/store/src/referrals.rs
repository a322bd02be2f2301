//! Referrals between agencies: the services each agency offers, a referral of a person to an
//! agency for one of them, its decision by the receiving agency and its closing with an outcome,
//! each step kept in `referral_event`. Decisions are conditional updates on the status the
//! decider saw, so two people deciding one referral at once make one decision and the other gets
//! a conflict.

use chrono::{DateTime, NaiveDate, Utc};
use emas_domain::referral::{ReferralInputError, Service, Status, check_due, clean_note};
use serde::Serialize;

use crate::agencies::Agency;
use crate::{Db, DbError, Tx, with_db, with_tx};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Referral {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    /// The region of the person's current address, for scope checks on the sending side.
    pub person_region: Option<String>,
    pub enrolment_id: Option<i64>,
    pub from_agency_id: i64,
    pub from_agency_name: String,
    pub to_agency_id: i64,
    pub to_agency_name: String,
    #[serde(serialize_with = "as_str_service")]
    pub service: Service,
    pub note: String,
    pub due_on: NaiveDate,
    #[serde(serialize_with = "as_str_status")]
    pub status: Status,
    pub outcome: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn as_str_service<S: serde::Serializer>(v: &Service, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_str())
}

fn as_str_status<S: serde::Serializer>(v: &Status, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_str())
}

impl Referral {
    /// Still open past its due date.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.due_on < today
    }
}

#[derive(sqlx::FromRow)]
struct ReferralRow {
    id: i64,
    person_id: i64,
    person_name: String,
    person_region: Option<String>,
    enrolment_id: Option<i64>,
    from_agency_id: i64,
    from_agency_name: String,
    to_agency_id: i64,
    to_agency_name: String,
    service: String,
    note: String,
    due_on: NaiveDate,
    status: String,
    outcome: String,
    created_by: Option<i64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ReferralRow> for Referral {
    type Error = DbError;
    fn try_from(r: ReferralRow) -> Result<Self, DbError> {
        let bad = |what: &str| DbError::Config(format!("referral {} has a bad {what}", r.id));
        Ok(Referral {
            service: Service::parse(&r.service).ok_or_else(|| bad("service"))?,
            status: Status::parse(&r.status).ok_or_else(|| bad("status"))?,
            id: r.id,
            person_id: r.person_id,
            person_name: r.person_name,
            person_region: r.person_region,
            enrolment_id: r.enrolment_id,
            from_agency_id: r.from_agency_id,
            from_agency_name: r.from_agency_name,
            to_agency_id: r.to_agency_id,
            to_agency_name: r.to_agency_name,
            note: r.note,
            due_on: r.due_on,
            outcome: r.outcome,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const SELECT: &str = "select r.id, r.person_id, p.full_name as person_name, \
    p.region_code as person_region, r.enrolment_id, r.from_agency_id, \
    fa.name as from_agency_name, r.to_agency_id, ta.name as to_agency_name, r.service, r.note, \
    r.due_on, r.status, r.outcome, r.created_by, r.created_at, r.updated_at \
    from referral r join person p on p.id = r.person_id \
    join agency fa on fa.id = r.from_agency_id join agency ta on ta.id = r.to_agency_id";

/// Open referrals past their due date first (the oldest first), then the rest by due date.
const ORDER: &str = "order by case when r.status in ('sent', 'accepted') and r.due_on < $2 \
    then 0 else 1 end, r.due_on, r.id";

/// The most referrals a list shows.
pub const LIST_LIMIT: i64 = 500;

/// One step in a referral's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ReferralEvent {
    pub id: i64,
    pub status: String,
    pub note: String,
    pub by_user_id: Option<i64>,
    pub by_name: Option<String>,
    pub at: DateTime<Utc>,
}

pub struct NewReferral<'a> {
    pub person_id: i64,
    pub enrolment_id: Option<i64>,
    pub from_agency_id: i64,
    pub to_agency_id: i64,
    pub service: Service,
    pub note: &'a str,
    pub due_on: NaiveDate,
    pub created_by: i64,
}

/// Why a referral or a decision on it was refused. Nothing is written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum ReferralError {
    #[error("the agency does not offer this service")]
    ServiceNotOffered,
    /// The receiving agency works in a region that does not hold the person's address.
    #[error("the agency does not serve the person's region")]
    OutsideArea,
    #[error("a referral goes to another agency")]
    SameAgency,
    #[error("invalid input: {0:?}")]
    Input(ReferralInputError),
    #[error("the referral is not addressed to this agency")]
    NotReceiver,
    /// The referral's status does not allow the move (decided already, perhaps a moment ago
    /// by someone else).
    #[error("the referral is {0} already")]
    Conflict(Status),
    #[error("a status a referral cannot be moved to")]
    BadMove,
    #[error("closing a referral needs its outcome")]
    OutcomeRequired,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for ReferralError {
    fn from(e: sqlx::Error) -> Self {
        ReferralError::Db(e.into())
    }
}

impl From<ReferralInputError> for ReferralError {
    fn from(e: ReferralInputError) -> Self {
        ReferralError::Input(e)
    }
}

impl Db {
    /// The services an agency offers.
    pub async fn agency_services(&self, agency_id: i64) -> Result<Vec<Service>, DbError> {
        let rows: Vec<(String,)> = with_db!(self, p => sqlx::query_as(
            "select service from agency_service where agency_id = $1 order by service")
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows.iter().filter_map(|(s,)| Service::parse(s)).collect())
    }

    /// Every (agency, service) offered, agencies by name: what a referral form lists.
    pub async fn service_offers(&self) -> Result<Vec<(Service, Agency)>, DbError> {
        let agencies = self.agencies().await?;
        let rows: Vec<(i64, String)> = with_db!(self, p => sqlx::query_as(
            "select agency_id, service from agency_service").fetch_all(p).await)?;
        let mut out: Vec<(Service, Agency)> = rows
            .into_iter()
            .filter_map(|(id, s)| {
                let service = Service::parse(&s)?;
                let agency = agencies.iter().find(|a| a.id == id)?.clone();
                Some((service, agency))
            })
            .collect();
        out.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
        Ok(out)
    }

    pub async fn referral(&self, id: i64) -> Result<Referral, DbError> {
        let sql = format!("{SELECT} where r.id = $1");
        let row: ReferralRow = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id).fetch_one(p).await)?;
        row.try_into()
    }

    pub async fn referral_events(&self, id: i64) -> Result<Vec<ReferralEvent>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select e.id, e.status, e.note, e.by_user_id, u.display_name as by_name, e.at \
             from referral_event e left join app_user u on u.id = e.by_user_id \
             where e.referral_id = $1 order by e.at, e.id")
            .bind(id).fetch_all(p).await)?)
    }

    async fn referral_list(
        &self,
        filter: &str,
        agency_or_person: i64,
        today: NaiveDate,
    ) -> Result<Vec<Referral>, DbError> {
        let sql = format!("{SELECT} where {filter} {ORDER} limit {LIST_LIMIT}");
        let rows: Vec<ReferralRow> = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(agency_or_person).bind(today).fetch_all(p).await)?;
        rows.into_iter().map(Referral::try_from).collect()
    }

    /// Referrals addressed to an agency, overdue ones first.
    pub async fn referral_inbox(
        &self,
        agency_id: i64,
        today: NaiveDate,
    ) -> Result<Vec<Referral>, DbError> {
        self.referral_list("r.to_agency_id = $1", agency_id, today)
            .await
    }

    /// Referrals an agency sent, overdue ones first.
    pub async fn referrals_sent(
        &self,
        agency_id: i64,
        today: NaiveDate,
    ) -> Result<Vec<Referral>, DbError> {
        self.referral_list("r.from_agency_id = $1", agency_id, today)
            .await
    }

    /// Open referrals past their due date that an agency sent or received.
    pub async fn overdue_referrals(
        &self,
        agency_id: i64,
        today: NaiveDate,
    ) -> Result<Vec<Referral>, DbError> {
        self.referral_list(
            "(r.to_agency_id = $1 or r.from_agency_id = $1) \
             and r.status in ('sent', 'accepted') and r.due_on < $2",
            agency_id,
            today,
        )
        .await
    }

    /// How many open referrals of people living in `region` (`""` for everyone) are past their
    /// due date: the coordination meeting's "overdue" figure.
    pub async fn overdue_referral_count(
        &self,
        region: &str,
        today: NaiveDate,
    ) -> Result<i64, DbError> {
        let (lo, hi) = crate::regions::code_range(region);
        let (n,): (i64,) = with_db!(self, p => sqlx::query_as(
            "select count(*) from referral r join person p on p.id = r.person_id \
             where r.status in ('sent', 'accepted') and r.due_on < $1 \
             and p.region_code >= $2 and p.region_code < $3")
            .bind(today).bind(&lo).bind(&hi).fetch_one(p).await)?;
        Ok(n)
    }

    /// A person's referrals (for their own page).
    pub async fn referrals_of_person(
        &self,
        person_id: i64,
        today: NaiveDate,
    ) -> Result<Vec<Referral>, DbError> {
        self.referral_list("r.person_id = $1", person_id, today)
            .await
    }
}

/// Sets the services an agency offers, replacing what it offered.
pub async fn set_agency_services(
    tx: &mut Tx,
    agency_id: i64,
    services: &[Service],
) -> Result<(), DbError> {
    with_tx!(tx, c => sqlx::query("delete from agency_service where agency_id = $1")
        .bind(agency_id).execute(c).await.map(|r| r.rows_affected()))?;
    for s in services {
        with_tx!(tx, c => sqlx::query(
            "insert into agency_service (agency_id, service) values ($1, $2) \
             on conflict do nothing")
            .bind(agency_id).bind(s.as_str()).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

async fn add_event(
    tx: &mut Tx,
    referral_id: i64,
    status: Status,
    note: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    with_tx!(tx, c => sqlx::query(
        "insert into referral_event (referral_id, status, note, by_user_id, at) \
         values ($1, $2, $3, $4, $5)")
        .bind(referral_id).bind(status.as_str()).bind(note).bind(by).bind(now)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Whether an agency working in `agency_region` (none: nationally) serves a person living in
/// `person_region`: a bank or office of one regency serves that regency's residents only.
pub fn serves(agency_region: Option<&str>, person_region: Option<&str>) -> bool {
    use emas_domain::access::RegionCode;
    match agency_region.map(RegionCode::parse) {
        None => true,
        Some(Ok(area)) => person_region
            .and_then(|r| RegionCode::parse(r).ok())
            .is_some_and(|r| area.contains(&r)),
        Some(Err(_)) => false,
    }
}

/// Sends a referral. The receiving agency must offer the service where the person lives and the
/// due date must not be past; the caller checks that the person is within the sender's scope.
pub async fn refer(
    tx: &mut Tx,
    new: &NewReferral<'_>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<i64, ReferralError> {
    let due = check_due(new.due_on, today)?;
    let note = clean_note(new.note)?;
    if new.from_agency_id == new.to_agency_id {
        return Err(ReferralError::SameAgency);
    }
    let offered: Option<(i64,)> = with_tx!(tx, c => sqlx::query_as(
        "select agency_id from agency_service where agency_id = $1 and service = $2")
        .bind(new.to_agency_id).bind(new.service.as_str()).fetch_optional(c).await)?;
    if offered.is_none() {
        return Err(ReferralError::ServiceNotOffered);
    }
    let regions: Option<(Option<String>, Option<String>)> = with_tx!(tx, c => sqlx::query_as(
        "select p.region_code, a.region_code from person p, agency a where p.id = $1 and a.id = $2")
        .bind(new.person_id).bind(new.to_agency_id).fetch_optional(c).await)?;
    let (person_region, agency_region) = regions.ok_or(DbError::NotFound)?;
    if !serves(agency_region.as_deref(), person_region.as_deref()) {
        return Err(ReferralError::OutsideArea);
    }
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into referral (person_id, enrolment_id, from_agency_id, to_agency_id, service, \
         note, due_on, status, created_by, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, 'sent', $8, $9, $9) returning id")
        .bind(new.person_id).bind(new.enrolment_id).bind(new.from_agency_id)
        .bind(new.to_agency_id).bind(new.service.as_str()).bind(&note).bind(due)
        .bind(new.created_by).bind(now)
        .fetch_one(c).await)?;
    add_event(tx, id, Status::Sent, &note, new.created_by, now).await?;
    Ok(id)
}

/// The receiving agency moves a referral: accepts or declines a sent one, closes an accepted
/// one with its outcome (`note`). Only a user of the receiving agency may (`agency_id`); the
/// update is conditional on the status the move starts from, so a second decision at the same
/// time is a [`ReferralError::Conflict`].
pub async fn decide(
    tx: &mut Tx,
    referral_id: i64,
    agency_id: i64,
    user_id: i64,
    to: Status,
    note: &str,
    now: DateTime<Utc>,
) -> Result<(), ReferralError> {
    let from = Status::required_before(to).ok_or(ReferralError::BadMove)?;
    let note = clean_note(note)?;
    if to == Status::Closed && note.is_empty() {
        return Err(ReferralError::OutcomeRequired);
    }
    let outcome = if to == Status::Closed {
        Some(&note)
    } else {
        None
    };
    let done = with_tx!(tx, c => sqlx::query(
        "update referral set status = $1, outcome = coalesce($2, outcome), updated_at = $3 \
         where id = $4 and to_agency_id = $5 and status = $6")
        .bind(to.as_str()).bind(outcome).bind(now).bind(referral_id).bind(agency_id)
        .bind(from.as_str())
        .execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        let row: Option<(i64, String)> = with_tx!(tx, c => sqlx::query_as(
            "select to_agency_id, status from referral where id = $1")
            .bind(referral_id).fetch_optional(c).await)?;
        return Err(match row {
            None => ReferralError::Db(DbError::NotFound),
            Some((to_agency, _)) if to_agency != agency_id => ReferralError::NotReceiver,
            Some((_, status)) => ReferralError::Conflict(Status::parse(&status).unwrap_or(from)),
        });
    }
    add_event(tx, referral_id, to, &note, user_id, now).await?;
    Ok(())
}
