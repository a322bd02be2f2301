//! Agencies: the offices, banks, training centres and NGOs whose staff use EMAS. Every account
//! belongs to one.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Db, DbError, Tx, with_db, with_tx};

/// What kind of organisation an agency is; the stored names are the snake-case forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// The national agency or its provincial service unit (BP3MI / UPT).
    NationalAgency,
    /// A bureau of the provincial government (Biro Bina Perekonomian).
    ProvinceBureau,
    /// A regency/city labour office (Disnaker).
    LabourOffice,
    /// A regency/city cooperative and SME office (Dinas Koperasi dan UMKM).
    CooperativeOffice,
    Bank,
    TrainingCentre,
    Ngo,
    /// The team that runs this EMAS installation.
    Operator,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 8] = [
        AgencyKind::NationalAgency,
        AgencyKind::ProvinceBureau,
        AgencyKind::LabourOffice,
        AgencyKind::CooperativeOffice,
        AgencyKind::Bank,
        AgencyKind::TrainingCentre,
        AgencyKind::Ngo,
        AgencyKind::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::NationalAgency => "national_agency",
            AgencyKind::ProvinceBureau => "province_bureau",
            AgencyKind::LabourOffice => "labour_office",
            AgencyKind::CooperativeOffice => "cooperative_office",
            AgencyKind::Bank => "bank",
            AgencyKind::TrainingCentre => "training_centre",
            AgencyKind::Ngo => "ngo",
            AgencyKind::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<AgencyKind> {
        AgencyKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agency {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    /// `None` for agencies that work nationally.
    pub region_code: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AgencyRow {
    id: i64,
    code: String,
    name: String,
    kind: String,
    region_code: Option<String>,
}

impl TryFrom<AgencyRow> for Agency {
    type Error = DbError;
    fn try_from(r: AgencyRow) -> Result<Self, DbError> {
        let kind = AgencyKind::parse(&r.kind).ok_or_else(|| {
            DbError::Config(format!("agency {} has unknown kind {}", r.id, r.kind))
        })?;
        Ok(Agency {
            id: r.id,
            code: r.code,
            name: r.name,
            kind,
            region_code: r.region_code,
        })
    }
}

pub struct NewAgency<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: AgencyKind,
    pub region_code: Option<&'a str>,
}

const COLUMNS: &str = "id, code, name, kind, region_code";

impl Db {
    pub async fn agencies(&self) -> Result<Vec<Agency>, DbError> {
        let sql = format!("select {COLUMNS} from agency order by region_code nulls first, name");
        let rows: Vec<AgencyRow> = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(p).await)?;
        rows.into_iter().map(Agency::try_from).collect()
    }

    pub async fn agency(&self, id: i64) -> Result<Agency, DbError> {
        let sql = format!("select {COLUMNS} from agency where id = $1");
        let row: AgencyRow = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(p).await)?;
        row.try_into()
    }

    pub async fn agency_by_code(&self, code: &str) -> Result<Option<Agency>, DbError> {
        let sql = format!("select {COLUMNS} from agency where code = $1");
        let row: Option<AgencyRow> = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(code).fetch_optional(p).await)?;
        row.map(Agency::try_from).transpose()
    }
}

pub async fn create_agency(
    tx: &mut Tx,
    agency: &NewAgency<'_>,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into agency (code, name, kind, region_code, created_at) \
         values ($1, $2, $3, $4, $5) returning id")
        .bind(agency.code)
        .bind(agency.name)
        .bind(agency.kind.as_str())
        .bind(agency.region_code)
        .bind(now)
        .fetch_one(c).await)?;
    Ok(id)
}
