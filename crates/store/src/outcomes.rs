//! The figures of the coordination dashboard for a region and a period, as raw counts: the
//! registry's returnees, the programme's participants and what became of them. Pages and reports
//! pass every figure through `emas_domain::disclosure` before anyone sees it.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::pipeline::Funnel;
use crate::{Db, DbError, with_db};

/// A region (any level, or `None` for the whole country) and the months that bound the period,
/// both included. The dashboard's counts are kept per month (migration 0015), so a period is
/// whole months: `from` is the first day of its month and `to` the last day of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    region: Option<String>,
    from: NaiveDate,
    to: NaiveDate,
}

impl Window {
    /// The period from the month of `from` through the month of `to`.
    pub fn new(region: Option<String>, from: NaiveDate, to: NaiveDate) -> Window {
        Window {
            region,
            from: from.with_day(1).unwrap_or(from),
            to: month_end(to),
        }
    }

    /// The region's code; `None` for the whole country.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The first day of the period.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last day of the period.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// The period of as many months just before this one (the report compares the two).
    pub fn before(&self) -> Window {
        let months = self.months_long();
        let from = self
            .from
            .checked_sub_months(Months::new(months))
            .unwrap_or(self.from);
        let to = self.from.pred_opt().unwrap_or(self.from);
        Window::new(self.region.clone(), from, to)
    }

    /// How many months the period spans.
    pub fn months_long(&self) -> u32 {
        let index = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
        (index(self.to) - index(self.from) + 1).max(1) as u32
    }

    fn bounds(&self) -> (String, String) {
        crate::regions::code_range(self.region.as_deref().unwrap_or(""))
    }

    /// The first and last month as the tallies key them, `YYYY-MM`.
    fn months(&self) -> (String, String) {
        (
            self.from.format("%Y-%m").to_string(),
            self.to.format("%Y-%m").to_string(),
        )
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

/// The last day of `d`'s month.
fn month_end(d: NaiveDate) -> NaiveDate {
    d.with_day(1)
        .and_then(|first| first.checked_add_months(Months::new(1)))
        .and_then(|next| next.pred_opt())
        .unwrap_or(d)
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
    /// Their returns within the period: placements whose return date falls in it (a person
    /// who came home twice counts twice).
    pub returned_in_period: i64,
    /// The registry's people by sex code ("M", "F", or "" when unknown).
    pub by_sex: Vec<(String, i64)>,
    /// Their placements by country (ISO code): a person placed twice in Taiwan counts twice.
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
    /// The dashboard's figures from the tallies the database keeps (migration 0015): a few
    /// thousand rows for the whole province, however large the registry.
    pub async fn outcomes(&self, w: &Window) -> Result<Outcomes, DbError> {
        let (lo, hi) = w.bounds();
        let (first, last) = w.months();
        // i32: PostgreSQL's substr takes an integer, not a bigint.
        let len = w.area_code_len() as i32;

        // The people, the split by sex and the areas below (codes at least an area long).
        let groups: Vec<(String, bool, String, String, i64)> = with_db!(self, p => sqlx::query_as(
            "select substr(area, 1, $3), length(area) >= $3, sex, status, cast(sum(n) as bigint) \
             from tally_person where area >= $1 and area < $2 group by 1, 2, 3, 4")
            .bind(&lo).bind(&hi).bind(len).fetch_all(p).await)?;
        let mut by_sex: Vec<(String, i64)> = Vec::new();
        let mut areas: Vec<AreaCounts> = Vec::new();
        let (mut people, mut departed_again) = (0, 0);
        for (area, deep, sex, status, n) in groups.iter().filter(|g| g.4 != 0) {
            let departed = if status == "departed_again" { *n } else { 0 };
            people += n;
            departed_again += departed;
            match by_sex.iter_mut().find(|(s, _)| s == sex) {
                Some((_, total)) => *total += n,
                None => by_sex.push((sex.clone(), *n)),
            }
            if *deep {
                let a = area_of(&mut areas, area);
                a.people += n;
                a.departed_again += departed;
            }
        }
        by_sex.sort();

        let (returned_in_period,): (i64,) = with_db!(self, p => sqlx::query_as(
            "select cast(coalesce(sum(n), 0) as bigint) from tally_return \
             where area >= $1 and area < $2 and month >= $3 and month <= $4")
            .bind(&lo).bind(&hi).bind(&first).bind(&last).fetch_one(p).await)?;

        let by_country: Vec<(String, i64)> = with_db!(self, p => sqlx::query_as(
            "select country, cast(sum(n) as bigint) from tally_country \
             where area >= $1 and area < $2 group by country having sum(n) <> 0 order by 2 desc, 1")
            .bind(&lo).bind(&hi).fetch_all(p).await)?;

        // Participants: residents of the region enrolled within the period (a province
        // programme's participants belong to the regencies they live in).
        let stages: Vec<(String, bool, String, i32, i64)> = with_db!(self, p => sqlx::query_as(
            "select substr(area, 1, $5), length(area) >= $5, stage, furthest, cast(sum(n) as bigint) \
             from tally_funnel where area >= $1 and area < $2 and month >= $3 and month <= $4 \
             group by 1, 2, 3, 4")
            .bind(&lo).bind(&hi).bind(&first).bind(&last).bind(len).fetch_all(p).await)?;
        let funnel = Funnel::from_counts(
            stages
                .iter()
                .map(|(_, _, stage, furthest, n)| (stage.as_str(), *furthest, *n)),
        );
        for (area, _, stage, _, n) in stages.iter().filter(|s| s.1 && s.4 != 0) {
            let a = area_of(&mut areas, area);
            a.participants += n;
            if stage == "operating" {
                a.operating += n;
            }
        }
        areas.sort_by(|a, b| a.code.cmp(&b.code));

        let by_cohort: Vec<(String, i64)> = with_db!(self, p => sqlx::query_as(
            "select c.name, cast(sum(t.n) as bigint) from tally_cohort t join cohort c on c.id = t.cohort_id \
             where t.area >= $1 and t.area < $2 and t.month >= $3 and t.month <= $4 \
             group by c.id, c.name having sum(t.n) <> 0 order by c.name")
            .bind(&lo).bind(&hi).bind(&first).bind(&last).fetch_all(p).await)?;
        let (businesses,): (i64,) = with_db!(self, p => sqlx::query_as(
            "select cast(coalesce(sum(n), 0) as bigint) from tally_business \
             where area >= $1 and area < $2 and month >= $3 and month <= $4")
            .bind(&lo).bind(&hi).bind(&first).bind(&last).fetch_one(p).await)?;
        let (capital_count, capital_amount): (i64, i64) = with_db!(self, p => sqlx::query_as(
            "select cast(coalesce(sum(n), 0) as bigint), cast(coalesce(sum(amount), 0) as bigint) \
             from tally_capital where area >= $1 and area < $2 and month >= $3 and month <= $4")
            .bind(&lo).bind(&hi).bind(&first).bind(&last).fetch_one(p).await)?;

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

/// The row of `code` in `areas`, added when missing.
fn area_of<'a>(areas: &'a mut Vec<AreaCounts>, code: &str) -> &'a mut AreaCounts {
    let i = match areas.iter().position(|a| a.code == code) {
        Some(i) => i,
        None => {
            areas.push(AreaCounts {
                code: code.to_owned(),
                ..AreaCounts::default()
            });
            areas.len() - 1
        }
    };
    &mut areas[i]
}
