//! The registry of PMI Purna: people, their address history, phones, consents and placements,
//! and the search registrars use all day.

use chrono::{DateTime, NaiveDate, Utc};
use emas_domain::access::Scope;
use emas_domain::nik::{Nik, Sex};
use emas_domain::person::{
    MigrationStatus, PlacementRoute, Sector, name_query_keys, name_search_keys,
};
use serde::Serialize;

use crate::{Db, DbError, Tx, with_db, with_tx};

pub fn sex_code(sex: Sex) -> &'static str {
    match sex {
        Sex::Female => "F",
        Sex::Male => "M",
    }
}

pub fn parse_sex_code(s: &str) -> Option<Sex> {
    match s {
        "F" => Some(Sex::Female),
        "M" => Some(Sex::Male),
        _ => None,
    }
}

/// The current address as entered: the region as recorded (kept even when the reference data
/// does not know it) and the free-text parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressInput {
    pub region_code: Option<String>,
    pub region_known: bool,
    pub kampung: String,
    pub rt: String,
    pub rw: String,
    pub street: String,
}

/// A person's identity and situation, already validated by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonInput {
    pub nik: Option<Nik>,
    /// Why a registrar accepted an NIK that disagrees with the birth date or sex.
    pub nik_mismatch_note: String,
    pub full_name: String,
    pub sex: Option<Sex>,
    pub birth_date: Option<NaiveDate>,
    pub birth_place: String,
    pub education: String,
    pub household_size: Option<i32>,
    pub skills: String,
    pub languages: String,
    pub status: MigrationStatus,
    pub status_since: Option<NaiveDate>,
    pub address: AddressInput,
    /// E.164 numbers.
    pub phones: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PersonRow {
    pub id: i64,
    pub nik: Option<String>,
    pub nik_mismatch_note: String,
    pub full_name: String,
    pub sex: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_place: String,
    pub education: String,
    pub household_size: Option<i32>,
    pub skills: String,
    pub languages: String,
    pub status: String,
    pub status_since: Option<NaiveDate>,
    pub region_code: Option<String>,
    pub region_known: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AddressRow {
    pub id: i64,
    pub region_code: Option<String>,
    pub region_known: bool,
    pub kampung: String,
    pub rt: String,
    pub rw: String,
    pub street: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PlacementRow {
    pub id: i64,
    pub country: String,
    pub sector: String,
    pub route: String,
    pub employer: String,
    pub agency: String,
    pub departure_date: Option<NaiveDate>,
    pub return_date: Option<NaiveDate>,
    pub return_reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ConsentRow {
    pub id: i64,
    pub purpose: String,
    pub legal_basis: String,
    pub given_on: NaiveDate,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// Everything the registry holds about one person.
#[derive(Debug, Clone, Serialize)]
pub struct PersonDetail {
    pub person: PersonRow,
    /// Newest first; the first is current.
    pub addresses: Vec<AddressRow>,
    pub phones: Vec<String>,
    pub placements: Vec<PlacementRow>,
    pub consents: Vec<ConsentRow>,
}

const PERSON_COLUMNS: &str = "person.id, person.nik, person.nik_mismatch_note, person.full_name, \
    person.sex, person.birth_date, person.birth_place, person.education, person.household_size, \
    person.skills, person.languages, person.status, person.status_since, person.region_code, \
    person.region_known, person.created_at, person.updated_at";

pub async fn create_person(
    tx: &mut Tx,
    p: &PersonInput,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into person (nik, nik_mismatch_note, full_name, sex, birth_date, birth_place, \
         education, household_size, skills, languages, status, status_since, region_code, \
         region_known, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) returning id")
        .bind(p.nik.map(|n| n.digits())).bind(&p.nik_mismatch_note).bind(p.full_name.trim())
        .bind(p.sex.map(sex_code)).bind(p.birth_date).bind(&p.birth_place).bind(&p.education)
        .bind(p.household_size).bind(&p.skills).bind(&p.languages).bind(p.status.as_str())
        .bind(p.status_since).bind(&p.address.region_code).bind(p.address.region_known).bind(now)
        .fetch_one(c).await)?;
    insert_address(tx, id, &p.address, now).await?;
    replace_name_keys(tx, id, &p.full_name).await?;
    replace_phones(tx, id, &p.phones).await?;
    crate::resolution::keep_own(tx, &[(id, p)], now).await?;
    Ok(id)
}

/// Changes a person. A changed address closes the old one, so the history is kept.
pub async fn update_person(
    tx: &mut Tx,
    id: i64,
    p: &PersonInput,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let done = with_tx!(tx, c => sqlx::query(
        "update person set nik = $1, nik_mismatch_note = $2, full_name = $3, sex = $4, \
         birth_date = $5, birth_place = $6, education = $7, household_size = $8, skills = $9, \
         languages = $10, status = $11, status_since = $12, region_code = $13, region_known = $14, \
         updated_at = $15 where id = $16")
        .bind(p.nik.map(|n| n.digits())).bind(&p.nik_mismatch_note).bind(p.full_name.trim())
        .bind(p.sex.map(sex_code)).bind(p.birth_date).bind(&p.birth_place).bind(&p.education)
        .bind(p.household_size).bind(&p.skills).bind(&p.languages).bind(p.status.as_str())
        .bind(p.status_since).bind(&p.address.region_code).bind(p.address.region_known).bind(now)
        .bind(id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(DbError::NotFound);
    }
    let current: Option<(i64, Option<String>, String, String, String, String)> = with_tx!(tx, c => sqlx::query_as(
        "select id, region_code, kampung, rt, rw, street from person_address \
         where person_id = $1 and valid_until is null")
        .bind(id).fetch_optional(&mut *c).await)?;
    let a = &p.address;
    let unchanged = current
        .as_ref()
        .is_some_and(|(_, region, kampung, rt, rw, street)| {
            *region == a.region_code
                && *kampung == a.kampung
                && *rt == a.rt
                && *rw == a.rw
                && *street == a.street
        });
    if !unchanged {
        if let Some((address_id, ..)) = current {
            with_tx!(tx, c => sqlx::query("update person_address set valid_until = $1 where id = $2")
                .bind(now).bind(address_id).execute(c).await.map(|r| r.rows_affected()))?;
        }
        insert_address(tx, id, a, now).await?;
    }
    replace_name_keys(tx, id, &p.full_name).await?;
    replace_phones(tx, id, &p.phones).await?;
    crate::resolution::keep_own(tx, &[(id, p)], now).await?;
    Ok(())
}

async fn insert_address(
    tx: &mut Tx,
    person_id: i64,
    a: &AddressInput,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    with_tx!(tx, c => sqlx::query(
        "insert into person_address (person_id, region_code, region_known, kampung, rt, rw, street, \
         valid_from) values ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(person_id).bind(&a.region_code).bind(a.region_known).bind(&a.kampung).bind(&a.rt)
        .bind(&a.rw).bind(&a.street).bind(now)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

async fn replace_name_keys(tx: &mut Tx, person_id: i64, name: &str) -> Result<(), DbError> {
    with_tx!(tx, c => sqlx::query("delete from person_name_key where person_id = $1")
        .bind(person_id).execute(c).await.map(|r| r.rows_affected()))?;
    for key in name_search_keys(name) {
        with_tx!(tx, c => sqlx::query("insert into person_name_key (key, person_id) values ($1, $2)")
            .bind(&key).bind(person_id).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

async fn replace_phones(tx: &mut Tx, person_id: i64, phones: &[String]) -> Result<(), DbError> {
    with_tx!(tx, c => sqlx::query("delete from person_phone where person_id = $1")
        .bind(person_id).execute(c).await.map(|r| r.rows_affected()))?;
    for phone in phones {
        with_tx!(tx, c => sqlx::query(
            "insert into person_phone (person_id, phone) values ($1, $2) on conflict do nothing")
            .bind(person_id).bind(phone).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// The columns of a placement as [`placement_row`] gives them, for multi-row inserts.
pub(crate) const PLACEMENT_COLUMNS: &str = "placement (person_id, country, sector, route, employer, \
    agency, departure_date, return_date, return_reason, created_at, source_record_id)";
pub(crate) const PLACEMENT_ROW_LEN: usize = 11;

/// One placement's values for [`insert_rows`] into [`PLACEMENT_COLUMNS`].
pub(crate) fn placement_row(
    person_id: i64,
    pl: &PlacementInput,
    now: DateTime<Utc>,
    source_record_id: Option<i64>,
) -> [BatchValue; PLACEMENT_ROW_LEN] {
    use BatchValue as V;
    [
        V::I64(Some(person_id)),
        V::Text(Some(pl.country.clone())),
        V::Text(Some(pl.sector.as_str().to_owned())),
        V::Text(Some(pl.route.as_str().to_owned())),
        V::Text(Some(pl.employer.clone())),
        V::Text(Some(pl.agency.clone())),
        V::Date(pl.departure_date),
        V::Date(pl.return_date),
        V::Text(Some(pl.return_reason.clone())),
        V::Time(now),
        V::I64(source_record_id),
    ]
}

pub struct PlacementInput {
    pub country: String,
    pub sector: Sector,
    pub route: PlacementRoute,
    pub employer: String,
    pub agency: String,
    pub departure_date: Option<NaiveDate>,
    pub return_date: Option<NaiveDate>,
    pub return_reason: String,
}

pub async fn add_placement(
    tx: &mut Tx,
    person_id: i64,
    p: &PlacementInput,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into placement (person_id, country, sector, route, employer, agency, departure_date, \
         return_date, return_reason, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         returning id")
        .bind(person_id).bind(&p.country).bind(p.sector.as_str()).bind(p.route.as_str())
        .bind(&p.employer).bind(&p.agency).bind(p.departure_date).bind(p.return_date)
        .bind(&p.return_reason).bind(now)
        .fetch_one(c).await)?;
    Ok(id)
}

pub struct ConsentInput {
    pub purpose: String,
    pub legal_basis: String,
    pub given_on: NaiveDate,
    pub recorded_by: i64,
}

pub async fn add_consent(
    tx: &mut Tx,
    person_id: i64,
    c_in: &ConsentInput,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into consent (person_id, purpose, legal_basis, given_on, recorded_by, recorded_at) \
         values ($1, $2, $3, $4, $5, $6) returning id")
        .bind(person_id).bind(&c_in.purpose).bind(&c_in.legal_basis).bind(c_in.given_on)
        .bind(c_in.recorded_by).bind(now)
        .fetch_one(c).await)?;
    Ok(id)
}

/// One row of a search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PersonSummary {
    pub id: i64,
    pub nik: Option<String>,
    pub full_name: String,
    pub sex: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub region_code: Option<String>,
    pub status: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PersonSort {
    #[default]
    Name,
    Newest,
    BirthDate,
}

/// A search as a registrar fills it in; empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct PersonQuery {
    pub name: Option<String>,
    /// The whole NIK or its first digits.
    pub nik_prefix: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    /// A region code: people whose address lies within it.
    pub region: Option<String>,
    pub sex: Option<Sex>,
    /// ISO country code of any placement.
    pub country: Option<String>,
    pub return_year: Option<i32>,
    pub status: Option<MigrationStatus>,
    pub sort: PersonSort,
    pub limit: i64,
    pub offset: i64,
}

enum Param {
    Text(String),
    Date(NaiveDate),
    Int(i64),
}

macro_rules! bind_all {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match p {
                Param::Text(s) => q.bind(s.as_str()),
                Param::Date(d) => q.bind(*d),
                Param::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}

/// Stands for the region column in the SQL being built: whether the region index should drive
/// the query or only filter it is decided per query (see `search_people`).
const REGION_COL: &str = "\u{1}region\u{1}";

/// Appends "region within `code`" as one range (`36.04` ≤ code < `36.04/`, since `.` sorts just
/// before `/`), which an index serves on both databases.
fn within_region(sql: &mut String, params: &mut Vec<Param>, code: &str) {
    let (lo, hi) = crate::regions::code_range(code);
    params.push(Param::Text(lo));
    let lo = params.len();
    params.push(Param::Text(hi));
    let hi = params.len();
    sql.push_str(&format!(
        " and {REGION_COL} >= ${lo} and {REGION_COL} < ${hi}"
    ));
}

/// Counts stop here: "more than 10,000" is all a registrar needs, and counting a whole province
/// would cost more than the search.
pub const COUNT_CAP: i64 = 10_000;

impl Db {
    /// People matching `q` within `scope`, and how many match in all, counted up to
    /// [`COUNT_CAP`] + 1 (more means "more than `COUNT_CAP`").
    pub async fn search_people(
        &self,
        q: &PersonQuery,
        scope: &Scope,
    ) -> Result<(Vec<PersonSummary>, i64), DbError> {
        // Merged people live on as their survivor. `+` keeps SQLite from reading the
        // merged_into index, which nearly every person matches.
        let mut sql = String::from(if self.is_sqlite() {
            " from person p where +p.merged_into is null"
        } else {
            " from person p where p.merged_into is null"
        });
        let mut params: Vec<Param> = Vec::new();
        if let Some(prefix) = scope.code_prefix() {
            within_region(&mut sql, &mut params, prefix);
        }
        if let Some(region) = &q.region {
            within_region(&mut sql, &mut params, region);
        }
        // With a selective filter (a name, an NIK, a phone, a placement) that filter's index
        // should drive and the region only filter; SQLite would otherwise let the region index
        // drive and read a whole province. `+col` keeps it from using that index.
        let selective = q.name.is_some()
            || q.nik_prefix.is_some()
            || q.phone.is_some()
            || q.country.is_some()
            || q.return_year.is_some();
        if let Some(name) = &q.name {
            let (each, joined) = name_query_keys(name);
            if each.is_empty() && joined.is_none() {
                return Ok((Vec::new(), 0));
            }
            let mut all_tokens = Vec::new();
            for key in each {
                params.push(Param::Text(key));
                all_tokens.push(format!(
                    "p.id in (select person_id from person_name_key where key = ${})",
                    params.len()
                ));
            }
            let mut alternatives = vec![format!("({})", all_tokens.join(" and "))];
            if let Some(j) = joined {
                params.push(Param::Text(j));
                alternatives.push(format!(
                    "p.id in (select person_id from person_name_key where key = ${})",
                    params.len()
                ));
            }
            sql.push_str(&format!(" and ({})", alternatives.join(" or ")));
        }
        if let Some(prefix) = &q.nik_prefix {
            // Digits only (checked by the caller), so the range is exact: from the prefix padded
            // with 0s up to the prefix padded with 9s.
            params.push(Param::Text(format!("{prefix:0<16}")));
            let lo = params.len();
            params.push(Param::Text(format!("{prefix:9<16}")));
            let hi = params.len();
            sql.push_str(&format!(" and p.nik >= ${lo} and p.nik <= ${hi}"));
        }
        if let Some(phone) = &q.phone {
            params.push(Param::Text(phone.clone()));
            sql.push_str(&format!(
                " and p.id in (select person_id from person_phone where phone = ${})",
                params.len()
            ));
        }
        if let Some(sex) = q.sex {
            params.push(Param::Text(sex_code(sex).to_owned()));
            sql.push_str(&format!(" and p.sex = ${}", params.len()));
        }
        if let Some(status) = q.status {
            params.push(Param::Text(status.as_str().to_owned()));
            sql.push_str(&format!(" and p.status = ${}", params.len()));
        }
        if q.country.is_some() || q.return_year.is_some() {
            // An `in` over the placements that match, not a probe per person: the placement
            // index (country, return date) finds them directly.
            let mut cond = String::from("select pl.person_id from placement pl where 1 = 1");
            if let Some(country) = &q.country {
                params.push(Param::Text(country.clone()));
                cond.push_str(&format!(" and pl.country = ${}", params.len()));
            }
            if let Some(year) = q.return_year {
                let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(DbError::NotFound)?;
                let until = NaiveDate::from_ymd_opt(year + 1, 1, 1).ok_or(DbError::NotFound)?;
                params.push(Param::Date(from));
                let a = params.len();
                params.push(Param::Date(until));
                cond.push_str(&format!(
                    " and pl.return_date >= ${a} and pl.return_date < ${}",
                    params.len()
                ));
            }
            sql.push_str(&format!(" and p.id in ({cond})"));
        }
        let filter_col = if self.is_sqlite() {
            "+p.region_code"
        } else {
            "p.region_code"
        };
        let count_col = if selective {
            filter_col
        } else {
            "p.region_code"
        };
        let count_sql = format!(
            "select count(*) from (select 1{} limit {}) capped",
            sql.replace(REGION_COL, count_col),
            COUNT_CAP + 1
        );
        let (total,): (i64,) = with_db!(self, p => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql.as_str())), &params).fetch_one(p).await)?;
        let order = match q.sort {
            PersonSort::Name => "p.full_name, p.id",
            PersonSort::Newest => "p.id desc",
            PersonSort::BirthDate => "p.birth_date, p.id",
        };
        params.push(Param::Int(q.limit));
        let limit = params.len();
        params.push(Param::Int(q.offset));
        let offset = params.len();
        let list_sql = format!(
            "select p.id, p.nik, p.full_name, p.sex, p.birth_date, p.region_code, p.status{} \
             order by {order} limit ${limit} offset ${offset}",
            sql.replace(REGION_COL, filter_col)
        );
        let rows: Vec<PersonSummary> = with_db!(self, p => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(list_sql.as_str())), &params).fetch_all(p).await)?;
        Ok((rows, total))
    }

    pub async fn person(&self, id: i64) -> Result<PersonDetail, DbError> {
        let sql = format!("select {PERSON_COLUMNS} from person where id = $1");
        let person: PersonRow = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(p).await)?;
        let addresses: Vec<AddressRow> = with_db!(self, p => sqlx::query_as(
            "select id, region_code, region_known, kampung, rt, rw, street, valid_from, valid_until \
             from person_address where person_id = $1 order by valid_from desc, id desc")
            .bind(id).fetch_all(p).await)?;
        let phones: Vec<(String,)> = with_db!(self, p => sqlx::query_as(
            "select phone from person_phone where person_id = $1 order by phone").bind(id).fetch_all(p).await)?;
        let placements: Vec<PlacementRow> = with_db!(self, p => sqlx::query_as(
            "select id, country, sector, route, employer, agency, departure_date, return_date, \
             return_reason from placement where person_id = $1 \
             order by departure_date desc nulls last, id desc")
            .bind(id).fetch_all(p).await)?;
        let consents: Vec<ConsentRow> = with_db!(self, p => sqlx::query_as(
            "select consent.id, consent.purpose, consent.legal_basis, consent.given_on, \
             app_user.username as recorded_by, consent.recorded_at \
             from consent join app_user on app_user.id = consent.recorded_by \
             where consent.person_id = $1 order by consent.given_on desc, consent.id desc")
            .bind(id).fetch_all(p).await)?;
        Ok(PersonDetail {
            person,
            addresses,
            phones: phones.into_iter().map(|p| p.0).collect(),
            placements,
            consents,
        })
    }

    /// People already holding this NIK (the duplicate warning when creating by hand).
    pub async fn people_with_nik(&self, nik: Nik) -> Result<Vec<PersonSummary>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select id, nik, full_name, sex, birth_date, region_code, status from person where nik = $1 order by id")
            .bind(nik.digits()).fetch_all(p).await)?)
    }
}

/// A person and their placements, for registering many at once with [`create_people`].
pub struct NewPerson {
    pub person: PersonInput,
    pub placements: Vec<PlacementInput>,
}

/// A fixture for tests: a returnee with only a name and the region they live in (none: no
/// address entered), the least a registrar enters. Tests set what they need over it.
pub fn test_person_input(name: &str, region: Option<&str>) -> PersonInput {
    PersonInput {
        nik: None,
        nik_mismatch_note: String::new(),
        full_name: name.into(),
        sex: None,
        birth_date: None,
        birth_place: String::new(),
        education: String::new(),
        household_size: None,
        skills: String::new(),
        languages: String::new(),
        status: MigrationStatus::Returned,
        status_since: None,
        address: AddressInput {
            region_code: region.map(str::to_owned),
            region_known: true,
            ..AddressInput::default()
        },
        phones: Vec::new(),
    }
}

/// A fixture for tests: [`test_person_input`] with a sex and a status, registered.
pub async fn test_person(
    db: &Db,
    name: &str,
    sex: Option<Sex>,
    region: &str,
    status: MigrationStatus,
) -> Result<i64, DbError> {
    let mut tx = db.begin().await?;
    let input = PersonInput {
        sex,
        status,
        ..test_person_input(name, Some(region))
    };
    let id = create_person(&mut tx, &input, crate::now()).await?;
    tx.commit().await?;
    Ok(id)
}

/// Registers many people at once (demo data, benchmarks): the rows [`create_person`] and
/// [`add_placement`] would write, in multi-row statements, because one statement per row is what
/// makes loading a million people slow. Returns the new ids in the order given.
pub async fn create_people(
    tx: &mut Tx,
    people: &[NewPerson],
    now: DateTime<Utc>,
) -> Result<Vec<i64>, DbError> {
    use BatchValue as V;
    let ids = reserve_ids(tx, "person", people.len()).await?;
    let mut persons = Vec::with_capacity(people.len() * 16);
    let mut addresses = Vec::with_capacity(people.len() * 8);
    let mut keys = Vec::new();
    let mut phones = Vec::new();
    let mut placements = Vec::new();
    for (&id, new) in ids.iter().zip(people) {
        let p = &new.person;
        let a = &p.address;
        persons.extend([
            V::I64(Some(id)),
            V::Text(p.nik.map(|n| n.digits())),
            V::Text(Some(p.nik_mismatch_note.clone())),
            V::Text(Some(p.full_name.trim().to_owned())),
            V::Text(p.sex.map(|s| sex_code(s).to_owned())),
            V::Date(p.birth_date),
            V::Text(Some(p.birth_place.clone())),
            V::Text(Some(p.education.clone())),
            V::I32(p.household_size),
            V::Text(Some(p.skills.clone())),
            V::Text(Some(p.languages.clone())),
            V::Text(Some(p.status.as_str().to_owned())),
            V::Date(p.status_since),
            V::Text(a.region_code.clone()),
            V::Bool(a.region_known),
            V::Time(now),
            V::Time(now),
        ]);
        addresses.extend([
            V::I64(Some(id)),
            V::Text(a.region_code.clone()),
            V::Bool(a.region_known),
            V::Text(Some(a.kampung.clone())),
            V::Text(Some(a.rt.clone())),
            V::Text(Some(a.rw.clone())),
            V::Text(Some(a.street.clone())),
            V::Time(now),
        ]);
        for key in name_search_keys(&p.full_name) {
            keys.extend([V::Text(Some(key)), V::I64(Some(id))]);
        }
        let mut own: Vec<&String> = p.phones.iter().collect();
        own.sort();
        own.dedup();
        for phone in own {
            phones.extend([V::I64(Some(id)), V::Text(Some(phone.clone()))]);
        }
        for pl in &new.placements {
            placements.extend(placement_row(id, pl, now, None));
        }
    }
    insert_rows(
        tx,
        "person (id, nik, nik_mismatch_note, full_name, sex, birth_date, birth_place, education, \
         household_size, skills, languages, status, status_since, region_code, region_known, \
         created_at, updated_at)",
        17,
        persons,
        "",
    )
    .await?;
    insert_rows(
        tx,
        "person_address (person_id, region_code, region_known, kampung, rt, rw, street, valid_from)",
        8,
        addresses,
        "",
    )
    .await?;
    insert_rows(tx, "person_name_key (key, person_id)", 2, keys, "").await?;
    insert_rows(
        tx,
        "person_phone (person_id, phone)",
        2,
        phones,
        " on conflict do nothing",
    )
    .await?;
    insert_rows(tx, PLACEMENT_COLUMNS, PLACEMENT_ROW_LEN, placements, "").await?;
    Ok(ids)
}

/// One bound value of a multi-row insert.
pub(crate) enum BatchValue {
    Text(Option<String>),
    I32(Option<i32>),
    I64(Option<i64>),
    Date(Option<NaiveDate>),
    F64(f64),
    Bool(bool),
    Time(DateTime<Utc>),
}

/// Ids for `n` new rows of `table`, taken before the rows are written so that the rows that
/// refer to them (a person's addresses, keys, phones) go in the same multi-row statements.
pub(crate) async fn reserve_ids(
    tx: &mut Tx,
    table: &'static str,
    n: usize,
) -> Result<Vec<i64>, DbError> {
    let n = i64::try_from(n).map_err(|_| DbError::Config("too many rows at once".into()))?;
    match tx {
        // The transaction began IMMEDIATE and holds the write lock, so no other writer takes
        // ids above the current largest before this one commits.
        Tx::Sqlite(t, _) => {
            let sql = format!("select coalesce(max(id), 0) from {table}");
            let (max,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut **t)
                .await?;
            Ok((max + 1..=max + n).collect())
        }
        // The identity's sequence hands out ids no other session gets, committed or not.
        Tx::Postgres(t) => {
            let rows: Vec<(i64,)> = sqlx::query_as(
                "select nextval(pg_get_serial_sequence($2, 'id')) from generate_series(1, $1)",
            )
            .bind(n)
            .bind(table)
            .fetch_all(&mut **t)
            .await?;
            Ok(rows.into_iter().map(|r| r.0).collect())
        }
    }
}

/// Inserts `values` (rows of `columns` values each, in order) into `target` ("table (cols)"),
/// as many rows per statement as the bind-parameter limits of both databases allow.
pub(crate) async fn insert_rows(
    tx: &mut Tx,
    target: &str,
    columns: usize,
    values: Vec<BatchValue>,
    suffix: &str,
) -> Result<(), DbError> {
    // Full chunks share one SQL text, so the prepared statement is reused. Binding costs grow
    // faster than the parameter count on SQLite (a 17,000-parameter insert took a second), so
    // statements stay near 256 parameters, where the per-statement cost is already small.
    let rows_per_statement = (256 / columns).max(1);
    for chunk in values.chunks(rows_per_statement * columns) {
        let rows = chunk.len() / columns;
        let mut sql = format!("insert into {target} values ");
        for r in 0..rows {
            if r > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..columns {
                if c > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("${}", r * columns + c + 1));
            }
            sql.push(')');
        }
        sql.push_str(suffix);
        with_tx!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for v in chunk {
                q = match v {
                    BatchValue::Text(s) => q.bind(s.as_deref()),
                    BatchValue::I32(i) => q.bind(*i),
                    BatchValue::I64(i) => q.bind(*i),
                    BatchValue::Date(d) => q.bind(*d),
                    BatchValue::F64(f) => q.bind(*f),
                    BatchValue::Bool(b) => q.bind(*b),
                    BatchValue::Time(t) => q.bind(*t),
                };
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

impl Db {
    /// Every person's phones, for exports of the whole registry (one query, not one a person).
    pub async fn all_phones(&self) -> Result<std::collections::HashMap<i64, Vec<String>>, DbError> {
        let rows: Vec<(i64, String)> = with_db!(self, p => sqlx::query_as(
            "select person_id, phone from person_phone order by person_id, phone").fetch_all(p).await)?;
        let mut map: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
        for (id, phone) in rows {
            map.entry(id).or_default().push(phone);
        }
        Ok(map)
    }
}

impl Db {
    /// How many people the registry holds (merged ones count as their survivor), exactly (searches count only up to [`COUNT_CAP`]).
    pub async fn person_count(&self) -> Result<i64, DbError> {
        let (n,): (i64,) = with_db!(self, p => sqlx::query_as("select count(*) from person where merged_into is null").fetch_one(p).await)?;
        Ok(n)
    }
}
