//! The review queue: doubtful pairs that resolution set aside, decided by a registrar of their
//! region as "same person", "different people" or skipped. Decisions are kept (they are the
//! labels that calibrate the engine) and a "same person" merges the two people.

use chrono::{DateTime, Utc};
use emas_domain::access::Scope;
use emas_linkage::explain::Explanation;
use serde::Serialize;

use crate::imports::SourceRecordView;
use crate::{Db, DbError, Tx, with_db, with_tx};

/// What a registrar decided about a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Same,
    Different,
    Skip,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "same" => Some(Decision::Same),
            "different" => Some(Decision::Different),
            "skip" => Some(Decision::Skip),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Same => "same",
            Decision::Different => "different",
            Decision::Skip => "skipped",
        }
    }
}

/// A pair as the queue lists it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PairSummary {
    pub id: i64,
    pub probability: f64,
    pub reason: String,
    pub status: String,
    pub new_person: i64,
    pub new_name: String,
    pub existing_person: i64,
    pub existing_name: String,
    pub region_code: Option<String>,
    pub batch_id: Option<i64>,
}

/// One side of a pair: the person, the record the engine compared, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub person_id: i64,
    pub person_name: String,
    pub person_region: Option<String>,
    pub link_record: i64,
    /// The engine's input (field, value).
    pub values: Vec<(String, String)>,
    /// The source record, when the record came from a list (none for a person entered by hand).
    pub source: Option<SourceRecordView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairDetail {
    pub summary: PairSummary,
    pub new: Side,
    pub existing: Side,
    pub explanation: Explanation,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

const SUMMARY: &str = "select rp.id, rp.probability, rp.reason, rp.status, \
    ln.person_id as new_person, pn.full_name as new_name, \
    le.person_id as existing_person, pe.full_name as existing_name, rp.region_code, rp.batch_id \
    from review_pair rp \
    join link_record ln on ln.id = rp.new_record join person pn on pn.id = ln.person_id \
    join link_record le on le.id = rp.existing_record join person pe on pe.id = le.person_id ";

/// Appends the scope filter: a pair belongs to the region of its new record; pairs of an
/// unknown region are seen at the national level only.
fn scoped(sql: &mut String, scope: &Scope, first_param: usize) -> Option<(String, String)> {
    let prefix = scope.code_prefix()?;
    sql.push_str(&format!(
        " and rp.region_code >= ${first_param} and rp.region_code < ${}",
        first_param + 1
    ));
    Some(crate::regions::code_range(prefix))
}

impl Db {
    /// Open pairs within `scope` (of one batch, if given), most useful first: pairs held back
    /// for a conflict, then the likeliest matches, each of which a "same" ends a duplicate.
    pub async fn review_queue(
        &self,
        scope: &Scope,
        batch: Option<i64>,
        limit: i64,
    ) -> Result<Vec<PairSummary>, DbError> {
        let mut sql = format!("{SUMMARY} where rp.status = 'open'");
        let range = scoped(&mut sql, scope, 2);
        let next = if range.is_some() { 4 } else { 2 };
        if batch.is_some() {
            sql.push_str(&format!(" and rp.batch_id = ${next}"));
        }
        sql.push_str(
            " order by case when rp.reason = 'conflict' then 0 else 1 end, rp.probability desc, rp.id \
             limit $1",
        );
        Ok(with_db!(self, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(limit);
            if let Some((lo, hi)) = &range {
                q = q.bind(lo.as_str()).bind(hi.as_str());
            }
            if let Some(b) = batch {
                q = q.bind(b);
            }
            q.fetch_all(p).await
        })?)
    }

    /// How many open pairs lie within `scope`.
    pub async fn review_open_count(&self, scope: &Scope) -> Result<i64, DbError> {
        let mut sql = "select count(*) from review_pair rp where rp.status = 'open'".to_owned();
        let range = scoped(&mut sql, scope, 1);
        let (n,): (i64,) = with_db!(self, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            if let Some((lo, hi)) = &range {
                q = q.bind(lo.as_str()).bind(hi.as_str());
            }
            q.fetch_one(p).await
        })?;
        Ok(n)
    }

    /// A pair with both sides and the engine's explanation of its score, if within `scope`.
    pub async fn review_pair(&self, id: i64, scope: &Scope) -> Result<PairDetail, DbError> {
        let mut sql = format!("{SUMMARY} where rp.id = $1");
        let range = scoped(&mut sql, scope, 2);
        let summary: PairSummary = with_db!(self, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id);
            if let Some((lo, hi)) = &range {
                q = q.bind(lo.as_str()).bind(hi.as_str());
            }
            q.fetch_optional(p).await
        })?
        .ok_or(DbError::NotFound)?;
        let (new_record, existing_record, decided_by, decided_at, prior): (
            i64,
            i64,
            Option<String>,
            Option<DateTime<Utc>>,
            Option<f64>,
        ) = with_db!(self, p => sqlx::query_as(
            "select rp.new_record, rp.existing_record, u.display_name, rp.decided_at, b.link_prior \
             from review_pair rp left join app_user u on u.id = rp.decided_by \
             left join import_batch b on b.id = rp.batch_id where rp.id = $1")
            .bind(id).fetch_one(p).await)?;
        let new = self.side(new_record).await?;
        let existing = self.side(existing_record).await?;
        let explanation =
            crate::resolution::explain(self, &new.values, &existing.values, prior).await?;
        Ok(PairDetail {
            summary,
            new,
            existing,
            explanation,
            decided_by,
            decided_at,
        })
    }

    async fn side(&self, link_record: i64) -> Result<Side, DbError> {
        let (person_id, person_name, person_region, source_record, input): (
            i64,
            String,
            Option<String>,
            Option<i64>,
            String,
        ) = with_db!(self, p => sqlx::query_as(
            "select lr.person_id, p.full_name, p.region_code, lr.source_record_id, lr.input \
             from link_record lr join person p on p.id = lr.person_id where lr.id = $1")
            .bind(link_record).fetch_one(p).await)?;
        let source = match source_record {
            Some(id) => Some(with_db!(self, p => sqlx::query_as(
                "select sr.id, s.name as source_name, sr.batch_id, sr.record_id, sr.line, sr.raw, sr.warnings \
                 from source_record sr join source s on s.id = sr.source_id where sr.id = $1")
                .bind(id).fetch_one(p).await)?),
            None => None,
        };
        Ok(Side {
            person_id,
            person_name,
            person_region,
            link_record,
            values: serde_json::from_str(&input).unwrap_or_default(),
            source,
        })
    }

    /// Decisions people made, as (new link record, existing link record, same?): the labels
    /// that calibrate the engine.
    pub async fn review_labels(&self) -> Result<Vec<(i64, i64, bool)>, DbError> {
        let rows: Vec<(i64, i64, String)> = with_db!(self, p => sqlx::query_as(
            "select new_record, existing_record, status from review_pair \
             where status in ('same', 'different') order by id")
            .fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(a, b, s)| (a, b, s == "same"))
            .collect())
    }
}

/// Records a decision on an open pair. A pair decided meanwhile by someone else is a
/// `Conflict`, and nothing is written. Returns the people of the pair (new, existing) as they
/// are now, so that a "same" can merge them in the same transaction.
pub async fn decide(
    tx: &mut Tx,
    id: i64,
    decision: Decision,
    user: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(i64, i64), DbError> {
    let done = with_tx!(tx, c => sqlx::query(
        "update review_pair set status = $1, decided_by = $2, decided_at = $3 \
         where id = $4 and status = 'open'")
        .bind(decision.as_str()).bind(user).bind(now).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        let exists: Option<(i64,)> = with_tx!(tx, c => sqlx::query_as(
            "select id from review_pair where id = $1").bind(id).fetch_optional(c).await)?;
        return Err(match exists {
            Some(_) => DbError::Conflict("review_pair.status".into()),
            None => DbError::NotFound,
        });
    }
    let people: (i64, i64) = with_tx!(tx, c => sqlx::query_as(
        "select ln.person_id, le.person_id from review_pair rp \
         join link_record ln on ln.id = rp.new_record join link_record le on le.id = rp.existing_record \
         where rp.id = $1")
        .bind(id).fetch_one(c).await)?;
    Ok(people)
}

/// Notes the merge a "same person" decision made.
pub async fn set_change(tx: &mut Tx, id: i64, change: i64) -> Result<(), DbError> {
    with_tx!(tx, c => sqlx::query("update review_pair set change_id = $1 where id = $2")
        .bind(change).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
