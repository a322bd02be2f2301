//! The figures of the coordination dashboard for a region and a period, as raw counts: the
//! registry's returnees, the programme's participants and what became of them. Pages and reports
//! pass every figure through `emas_domain::disclosure` before anyone sees it.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;

use crate::pipeline::{BoardFilter, Funnel};
use crate::{Db, DbError, with_db};
use emas_domain::access::Scope;

/// A region (any level, or `None` for the whole country) and the dates that bound the period,
/// both included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub region: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    fn bounds(&self) -> (String, String) {
        crate::regions::code_range(self.region.as_deref().unwrap_or(""))
    }

    fn instants(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
        let after = self.to.checked_add_days(Days::new(1)).unwrap_or(self.to);
        (start(self.from), start(after))
    }

    /// The length of the codes one level below the region: regencies of a province (or of the
    /// country's Banten view), districts of a regency.
    pub fn area_code_len(&self) -> usize {
        match self.region.as_deref().map(str::len) {
            None | Some(2) => 5,
            Some(5) => 8,
            Some(_) => 13,
        }
    }
}

/// One area (regency or district) of the map and the table beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AreaCounts {
    pub code: String,
    pub people: i64,
    pub departed_again: i64,
    pub participants: i64,
    pub operating: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcomes {
    /// People of the registry living in the region (merged people counted once).
    pub people: i64,
    /// Of them, how many returned (a placement's return date) within the period.
    pub returned_in_period: i64,
    /// The registry's people by sex code ("M", "F", or "" when unknown).
    pub by_sex: Vec<(String, i64)>,
    /// People by country of placement (ISO code); a person placed in two countries counts in both.
    pub by_country: Vec<(String, i64)>,
    /// People whose status is "departed again" (a departure list showed them leaving after return).
    pub departed_again: i64,
    /// Participants enrolled within the period, and the funnel of their stages.
    pub funnel: Funnel,
    /// Participants by cohort: (cohort name, participants).
    pub by_cohort: Vec<(String, i64)>,
    /// Participants' businesses registered (any stage), and capital received within the period.
    pub businesses: i64,
    pub capital_count: i64,
    pub capital_amount: i64,
    /// One row per area one level below the region, in code order.
    pub areas: Vec<AreaCounts>,
}

impl Db {
    pub async fn outcomes(&self, w: &Window) -> Result<Outcomes, DbError> {
        let (lo, hi) = w.bounds();
        let (start, end) = w.instants();
        // i32: PostgreSQL's substr takes an integer, not a bigint.
        let len = w.area_code_len() as i32;

        // One pass over the region's people gives the totals, the split by sex and the areas
        // below (codes at least an area long): on a million people each pass is the cost.
        let groups: Vec<(String, bool, String, String, i64)> = with_db!(self, p => sqlx::query_as(
            "select substr(region_code, 1, $3), length(region_code) >= $3, coalesce(sex, ''), \
             status, count(*) from person \
             where merged_into is null and region_code >= $1 and region_code < $2 \
             group by 1, 2, 3, 4")
            .bind(&lo).bind(&hi).bind(len).fetch_all(p).await)?;
        let mut by_sex: Vec<(String, i64)> = Vec::new();
        let mut areas: Vec<AreaCounts> = Vec::new();
        let (mut people, mut departed_again) = (0, 0);
        for (area, deep, sex, status, n) in &groups {
            let departed = if status == "departed_again" { *n } else { 0 };
            people += n;
            departed_again += departed;
            match by_sex.iter_mut().find(|(s, _)| s == sex) {
                Some((_, total)) => *total += n,
                None => by_sex.push((sex.clone(), *n)),
            }
            if !*deep {
                continue;
            }
            match areas.iter_mut().find(|a| &a.code == area) {
                Some(a) => {
                    a.people += n;
                    a.departed_again += departed;
                }
                None => areas.push(AreaCounts {
                    code: area.clone(),
                    people: *n,
                    departed_again: departed,
                    ..AreaCounts::default()
                }),
            }
        }
        by_sex.sort();

        let (returned_in_period,): (i64,) = with_db!(self, p => sqlx::query_as(
            "select count(distinct pl.person_id) from placement pl join person p on p.id = pl.person_id \
             where p.merged_into is null and p.region_code >= $1 and p.region_code < $2 \
             and pl.return_date >= $3 and pl.return_date <= $4")
            .bind(&lo).bind(&hi).bind(w.from).bind(w.to).fetch_one(p).await)?;

        let by_country: Vec<(String, i64)> = with_db!(self, p => sqlx::query_as(
            "select pl.country, count(distinct pl.person_id) from placement pl \
             join person p on p.id = pl.person_id \
             where p.merged_into is null and p.region_code >= $1 and p.region_code < $2 \
             group by pl.country order by 2 desc, 1")
            .bind(&lo).bind(&hi).fetch_all(p).await)?;

        // Participants: residents of the region enrolled within the period, as the board counts
        // them (a province programme's participants belong to the regencies they live in).
        const ENROLLED: &str = "from enrolment e join person p on p.id = e.person_id \
             join cohort c on c.id = e.cohort_id \
             where p.region_code >= $1 and p.region_code < $2 \
             and e.enrolled_at >= $3 and e.enrolled_at < $4";
        let by_cohort: Vec<(String, i64)> = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(
            format!("select c.name, count(*) {ENROLLED} group by c.id, c.name order by c.name")))
            .bind(&lo).bind(&hi).bind(start).bind(end).fetch_all(p).await)?;
        let funnel = self
            .funnel(
                &BoardFilter::Enrolled {
                    region: lo.clone(),
                    from: start,
                    to: end,
                },
                &Scope::National,
            )
            .await?;
        let (businesses,): (i64,) = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(
            format!("select count(*) from business b where b.enrolment_id in (select e.id {ENROLLED})")))
            .bind(&lo).bind(&hi).bind(start).bind(end).fetch_one(p).await)?;
        let (capital_count, capital_amount): (i64, i64) = with_db!(self, p => sqlx::query_as(
            "select count(*), cast(coalesce(sum(ca.amount), 0) as bigint) from capital ca \
             join business b on b.id = ca.business_id join enrolment e on e.id = b.enrolment_id \
             join person p on p.id = e.person_id \
             where p.region_code >= $1 and p.region_code < $2 \
             and ca.received_on >= $3 and ca.received_on <= $4")
            .bind(&lo).bind(&hi).bind(w.from).bind(w.to).fetch_one(p).await)?;

        let participants_by_area: Vec<(String, i64, i64)> = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(
            format!("select substr(p.region_code, 1, $5), count(*), \
             sum(case when e.stage = 'operating' then 1 else 0 end) {ENROLLED} \
             and length(p.region_code) >= $5 group by 1")))
            .bind(&lo).bind(&hi).bind(start).bind(end).bind(len).fetch_all(p).await)?;
        for (code, n, operating) in participants_by_area {
            let i = match areas.iter().position(|a| a.code == code) {
                Some(i) => i,
                None => {
                    areas.push(AreaCounts {
                        code,
                        ..AreaCounts::default()
                    });
                    areas.len() - 1
                }
            };
            areas[i].participants = n;
            areas[i].operating = operating;
        }
        areas.sort_by(|a, b| a.code.cmp(&b.code));

        Ok(Outcomes {
            people,
            returned_in_period,
            by_sex,
            by_country,
            departed_again,
            funnel,
            by_cohort,
            businesses,
            capital_count,
            capital_amount,
            areas,
        })
    }
}
