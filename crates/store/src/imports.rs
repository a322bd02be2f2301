//! Imports of agency lists: a named source (kept across imports), a batch per uploaded file, and
//! every row kept as a source record linked to its person. A batch is planned first (nothing is
//! written), then committed in one transaction, all or none; it can be undone.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use emas_domain::import::{Mapping, ParsedPlacement, ParsedRow, Severity, parse_row};
use emas_domain::person::MigrationStatus;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::people::{self, AddressInput, PersonInput, PlacementInput};
use crate::resolution::{self, LinkValues, Other, Reason, Resolved};
use crate::{Db, DbError, Tx, with_db, with_tx};

/// The kinds of list agencies keep.
pub const SOURCE_KINDS: [&str; 5] = ["departure", "return", "regency", "training", "other"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Source {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub agency_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Batch {
    pub id: i64,
    pub source_id: i64,
    pub source_name: String,
    pub file_name: String,
    pub status: String,
    pub rows_total: i64,
    pub rows_new: i64,
    pub rows_matched: i64,
    pub rows_already: i64,
    pub rows_error: i64,
    /// Rows with a pair sent to the review queue.
    pub rows_review: i64,
    /// `None` for imports run from the command line.
    pub created_by: Option<i64>,
    /// The scope of the account that uploaded it; `None` for the command line, which only the
    /// national level sees.
    pub creator_scope: Option<String>,
    pub created_at: DateTime<Utc>,
    pub committed_at: Option<DateTime<Utc>>,
    pub undone_at: Option<DateTime<Utc>>,
}

impl Batch {
    /// A batch holds the rows of its file, so it is seen within the scope of who uploaded it.
    pub fn visible_to(&self, scope: &emas_domain::access::Scope) -> bool {
        match self
            .creator_scope
            .as_deref()
            .map(emas_domain::access::Scope::parse)
        {
            Some(Ok(theirs)) => scope.includes(&theirs),
            _ => *scope == emas_domain::access::Scope::National,
        }
    }
}

/// What will happen to one row when the batch is committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new person.
    New,
    /// Attached to a person already in the registry.
    Matched(i64),
    /// Attached to the person an earlier row of the same file creates (its line).
    SameAsLine(usize),
    /// This very row was imported from this source before.
    Already,
    /// Skipped: it has errors.
    Error,
}

#[derive(Debug, Clone)]
pub struct PlannedRow {
    pub line: usize,
    pub record_id: String,
    pub cells: Vec<String>,
    pub row_hash: String,
    pub parsed: ParsedRow,
    pub outcome: Outcome,
    /// What the linkage engine compares (empty for rows skipped).
    pub link: LinkValues,
}

/// A pair of the batch that a registrar decides: a row, and an existing record or another row.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedDoubt {
    pub line: usize,
    pub other: PlannedOther,
    pub probability: f64,
    pub reason: Reason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlannedOther {
    Existing { link_record: i64, person: i64 },
    Line(usize),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub total: usize,
    pub new: usize,
    pub matched: usize,
    pub already: usize,
    pub error: usize,
    pub warnings: usize,
    /// Rows with a pair in the review queue (also counted as new or matched).
    pub review: usize,
}

pub struct Plan {
    pub headers: Vec<String>,
    pub rows: Vec<PlannedRow>,
    pub doubts: Vec<PlannedDoubt>,
    pub counts: Counts,
    pub model: emas_linkage::Model,
    /// The prior (log2 odds) the batch was scored with, calibrated on its candidate pairs.
    pub prior: f64,
}

pub fn file_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The identity of a row within its source: its headers and values, so that the same row in a
/// later, overlapping file is recognised.
fn row_hash(headers: &[String], cells: &[String]) -> String {
    let mut h = Sha256::new();
    for (i, header) in headers.iter().enumerate() {
        let value = cells.get(i).map_or("", |c| c.trim());
        if value.is_empty() {
            continue;
        }
        h.update(header.trim().as_bytes());
        h.update([0x1f]);
        h.update(value.as_bytes());
        h.update([0x1e]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

async fn existing_hashes(
    db: &Db,
    source_id: Option<i64>,
    hashes: &[String],
) -> Result<HashSet<String>, DbError> {
    let mut found = HashSet::new();
    let Some(source_id) = source_id else {
        return Ok(found);
    };
    for chunk in hashes.chunks(500) {
        let placeholders: Vec<String> = (2..=chunk.len() + 1).map(|i| format!("${i}")).collect();
        let sql = format!(
            "select row_hash from source_record where source_id = $1 and row_hash in ({})",
            placeholders.join(", ")
        );
        let rows: Vec<(String,)> = with_db!(db, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(source_id);
            for h in chunk {
                q = q.bind(h.as_str());
            }
            q.fetch_all(p).await
        })?;
        found.extend(rows.into_iter().map(|r| r.0));
    }
    Ok(found)
}

/// Reads every row and decides what committing would do, writing nothing. `rows` are
/// `(line, cells)`; the record id is the mapped id column, else the line number.
pub async fn plan(
    db: &Db,
    source_id: Option<i64>,
    headers: Vec<String>,
    mapping: &Mapping,
    rows: Vec<(usize, Vec<String>)>,
    today: NaiveDate,
) -> Result<Plan, DbError> {
    // A numbering column is the record id only when its values are unique in the file;
    // otherwise the row's line stands for it.
    let id_column = mapping
        .columns
        .iter()
        .position(|c| *c == Some(emas_domain::import::Field::RecordId))
        .filter(|&i| {
            let mut seen = HashSet::new();
            rows.iter().all(|(_, cells)| {
                cells
                    .get(i)
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty())
                    .is_none_or(|v| seen.insert(v.to_owned()))
            })
        });

    let mut planned: Vec<PlannedRow> = rows
        .into_iter()
        .map(|(line, cells)| {
            let parsed = parse_row(mapping, &headers, &cells, today);
            let record_id = id_column
                .and_then(|i| cells.get(i))
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| line.to_string());
            PlannedRow {
                line,
                record_id,
                row_hash: row_hash(&headers, &cells),
                cells,
                parsed,
                outcome: Outcome::New,
                link: LinkValues::new(),
            }
        })
        .collect();
    let hashes: Vec<String> = planned.iter().map(|r| r.row_hash.clone()).collect();
    let already = existing_hashes(db, source_id, &hashes).await?;
    let mut seen_hashes: HashSet<String> = HashSet::new();
    let mut counts = Counts {
        total: planned.len(),
        ..Counts::default()
    };
    // Rows to link: neither broken nor imported before.
    let mut linked: Vec<usize> = Vec::new();
    for (i, row) in planned.iter_mut().enumerate() {
        row.outcome = if row.parsed.has_errors() {
            Outcome::Error
        } else if already.contains(&row.row_hash) || !seen_hashes.insert(row.row_hash.clone()) {
            Outcome::Already
        } else {
            row.link = resolution::row_values(mapping, &row.cells, &row.parsed);
            linked.push(i);
            Outcome::New
        };
    }
    let values: Vec<LinkValues> = linked.iter().map(|&i| planned[i].link.clone()).collect();
    let resolution = resolution::resolve(db, &values, today).await?;
    for (k, &i) in linked.iter().enumerate() {
        planned[i].outcome = match resolution.resolved[k] {
            Resolved::Existing(person) => Outcome::Matched(person),
            Resolved::NewWith(first) if first == k => Outcome::New,
            Resolved::NewWith(first) => Outcome::SameAsLine(planned[linked[first]].line),
        };
    }
    let doubts: Vec<PlannedDoubt> = resolution
        .doubts
        .iter()
        .map(|d| PlannedDoubt {
            line: planned[linked[d.row]].line,
            other: match d.other {
                Other::Existing {
                    link_record,
                    person,
                } => PlannedOther::Existing {
                    link_record,
                    person,
                },
                Other::Row(r) => PlannedOther::Line(planned[linked[r]].line),
            },
            probability: d.probability,
            reason: d.reason,
        })
        .collect();
    counts.review = doubts.iter().map(|d| d.line).collect::<HashSet<_>>().len();
    for row in &planned {
        match row.outcome {
            Outcome::New => counts.new += 1,
            Outcome::Matched(_) | Outcome::SameAsLine(_) => counts.matched += 1,
            Outcome::Already => counts.already += 1,
            Outcome::Error => counts.error += 1,
        }
        if row.outcome != Outcome::Error
            && row
                .parsed
                .issues
                .iter()
                .any(|i| i.severity == Severity::Warning)
        {
            counts.warnings += 1;
        }
    }
    Ok(Plan {
        headers,
        rows: planned,
        doubts,
        counts,
        model: resolution.model,
        prior: resolution.prior,
    })
}

impl Db {
    pub async fn sources(&self) -> Result<Vec<Source>, DbError> {
        Ok(
            with_db!(self, p => sqlx::query_as("select id, name, kind, agency_id from source order by name").fetch_all(p).await)?,
        )
    }

    pub async fn source_by_name(&self, name: &str) -> Result<Option<Source>, DbError> {
        Ok(
            with_db!(self, p => sqlx::query_as("select id, name, kind, agency_id from source where name = $1")
            .bind(name.trim()).fetch_optional(p).await)?,
        )
    }

    pub async fn import_batch(&self, id: i64) -> Result<Batch, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(BATCH_SELECT_BY_ID).bind(id).fetch_one(p).await)?)
    }

    /// The uploaded file of a batch that is staged (previewed, not yet committed).
    pub async fn staged_file(&self, id: i64) -> Result<Vec<u8>, DbError> {
        let row: (Option<Vec<u8>>,) = with_db!(self, p => sqlx::query_as(
            "select file_bytes from import_batch where id = $1 and status = 'staged'")
            .bind(id).fetch_one(p).await)?;
        row.0.ok_or(DbError::NotFound)
    }

    /// Batches newest first.
    pub async fn import_batches(&self, limit: i64) -> Result<Vec<Batch>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(BATCH_SELECT_RECENT).bind(limit).fetch_all(p).await)?)
    }

    /// Every source record as (its id, source name, record id, person): what resolution
    /// decided, for checking against a known truth.
    pub async fn source_links(&self) -> Result<Vec<(i64, String, String, i64)>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select sr.id, s.name, sr.record_id, sr.person_id from source_record sr \
             join source s on s.id = sr.source_id where sr.person_id is not null order by s.name, sr.id")
            .fetch_all(p).await)?)
    }

    /// The source records a person was built from: source name, record id, line, raw row.
    pub async fn source_records_of(
        &self,
        person_id: i64,
    ) -> Result<Vec<SourceRecordView>, DbError> {
        Ok(with_db!(self, p => sqlx::query_as(
            "select sr.id, s.name as source_name, sr.batch_id, sr.record_id, sr.line, sr.raw, sr.warnings \
             from source_record sr join source s on s.id = sr.source_id \
             where sr.person_id = $1 order by sr.id")
            .bind(person_id).fetch_all(p).await)?)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SourceRecordView {
    pub id: i64,
    pub source_name: String,
    pub batch_id: i64,
    pub record_id: String,
    pub line: i64,
    pub raw: String,
    pub warnings: String,
}

impl SourceRecordView {
    /// The row as (header, value) pairs.
    pub fn cells(&self) -> Vec<(String, String)> {
        serde_json::from_str(&self.raw).unwrap_or_default()
    }
}

/// The columns of a batch with its source's name, for both queries below.
macro_rules! batch_select {
    ($tail:literal) => {
        concat!(
            "select b.id, b.source_id, s.name as source_name, b.file_name, b.status, b.rows_total, \
             b.rows_new, b.rows_matched, b.rows_already, b.rows_error, b.rows_review, b.created_by, \
             u.scope as creator_scope, b.created_at, b.committed_at, b.undone_at \
             from import_batch b join source s on s.id = b.source_id \
             left join app_user u on u.id = b.created_by ",
            $tail
        )
    };
}
const BATCH_SELECT_BY_ID: &str = batch_select!("where b.id = $1");
const BATCH_SELECT_RECENT: &str = batch_select!("order by b.id desc limit $1");

/// The source of that name, created with `kind` and `agency_id` if it is new.
pub async fn ensure_source(
    tx: &mut Tx,
    name: &str,
    kind: &str,
    agency_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let found: Option<(i64,)> = with_tx!(tx, c => sqlx::query_as("select id from source where name = $1")
        .bind(name.trim()).fetch_optional(&mut *c).await)?;
    if let Some((id,)) = found {
        return Ok(id);
    }
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into source (name, kind, agency_id, created_at) values ($1, $2, $3, $4) returning id")
        .bind(name.trim()).bind(kind).bind(agency_id).bind(now).fetch_one(c).await)?;
    Ok(id)
}

/// Keeps an uploaded file as a staged batch, to be committed or cancelled after its preview.
pub async fn stage(
    tx: &mut Tx,
    source_id: i64,
    file_name: &str,
    bytes: &[u8],
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into import_batch (source_id, file_name, file_sha256, file_bytes, status, created_by, created_at) \
         values ($1, $2, $3, $4, 'staged', $5, $6) returning id")
        .bind(source_id).bind(file_name).bind(file_sha256(bytes)).bind(bytes).bind(created_by).bind(now)
        .fetch_one(c).await)?;
    Ok(id)
}

pub async fn cancel(tx: &mut Tx, batch_id: i64) -> Result<(), DbError> {
    let done = with_tx!(tx, c => sqlx::query(
        "update import_batch set status = 'cancelled', file_bytes = null where id = $1 and status = 'staged'")
        .bind(batch_id).execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

impl From<&ParsedPlacement> for PlacementInput {
    fn from(pl: &ParsedPlacement) -> Self {
        PlacementInput {
            country: pl.country.clone(),
            sector: pl.sector,
            route: pl.route,
            employer: pl.employer.clone(),
            agency: pl.agency.clone(),
            departure_date: pl.departure_date,
            return_date: pl.return_date,
            return_reason: pl.return_reason.clone(),
        }
    }
}

fn person_input(row: &ParsedRow) -> PersonInput {
    let p = row;
    let status = match &p.placement {
        Some(pl) if pl.return_date.is_none() && pl.departure_date.is_some() => {
            MigrationStatus::Abroad
        }
        _ => MigrationStatus::Returned,
    };
    PersonInput {
        nik: p.nik,
        nik_mismatch_note: String::new(),
        full_name: p.full_name.clone(),
        sex: p.sex,
        birth_date: p.birth_date,
        birth_place: p.birth_place.clone(),
        education: p.education.clone(),
        household_size: None,
        skills: String::new(),
        languages: String::new(),
        status,
        status_since: p.placement.as_ref().and_then(|pl| pl.return_date),
        address: AddressInput {
            region_code: p.region_code.as_ref().map(|c| c.to_string()),
            region_known: p.region_known,
            kampung: p.kampung.clone(),
            rt: p.rt.clone(),
            rw: p.rw.clone(),
            street: p.street.clone(),
        },
        phones: p.phones.clone(),
    }
}

/// The person a planned row belongs to once the batch's new people exist.
fn person_of_row(row: &PlannedRow, person_of_line: &HashMap<usize, i64>) -> Option<i64> {
    match row.outcome {
        Outcome::Error | Outcome::Already => None,
        Outcome::Matched(id) => Some(id),
        Outcome::SameAsLine(line) => person_of_line.get(&line).copied(),
        Outcome::New => person_of_line.get(&row.line).copied(),
    }
}

/// Writes the planned rows of a staged batch: new people, source records linked to their
/// people, placements. Runs in the caller's transaction, so it is all or none. `progress` is
/// told how many rows are done.
pub async fn commit(
    tx: &mut Tx,
    batch_id: i64,
    source_id: i64,
    plan: &Plan,
    now: DateTime<Utc>,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<Counts, DbError> {
    // New people first, in multi-row statements: one statement a row is what makes a large
    // list slow.
    let new_rows: Vec<&PlannedRow> = plan
        .rows
        .iter()
        .filter(|r| r.outcome == Outcome::New)
        .collect();
    let mut person_of_line: HashMap<usize, i64> = HashMap::with_capacity(new_rows.len());
    for chunk in new_rows.chunks(2_000) {
        let inputs: Vec<people::NewPerson> = chunk
            .iter()
            .map(|r| people::NewPerson {
                person: person_input(&r.parsed),
                placements: Vec::new(),
            })
            .collect();
        let ids = people::create_people(tx, &inputs, now).await?;
        for ids_part in ids.chunks(500) {
            let placeholders: Vec<String> =
                (2..=ids_part.len() + 1).map(|i| format!("${i}")).collect();
            let sql = format!(
                "update person set created_by_batch = $1 where id in ({})",
                placeholders.join(", ")
            );
            with_tx!(tx, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(batch_id);
                for id in ids_part {
                    q = q.bind(*id);
                }
                q.execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        person_of_line.extend(chunk.iter().map(|r| r.line).zip(ids));
        // The people are about half the work of a commit.
        progress(person_of_line.len() * plan.rows.len() / 2 / new_rows.len());
    }
    progress(plan.rows.len() / 2);
    // Then every row that belongs to a person, as a source record, in multi-row statements.
    use people::BatchValue as V;
    let mut records = Vec::new();
    let mut placements_of_line: Vec<(usize, i64, &ParsedPlacement)> = Vec::new();
    for row in &plan.rows {
        let Some(person_id) = person_of_row(row, &person_of_line) else {
            continue;
        };
        let raw: Vec<(&str, &str)> = plan
            .headers
            .iter()
            .zip(row.cells.iter())
            .map(|(h, v)| (h.as_str(), v.as_str()))
            .collect();
        let warnings: Vec<String> = row
            .parsed
            .issues
            .iter()
            .map(|i| format!("{}: {}", i.column, i.code))
            .collect();
        records.extend([
            V::I64(Some(source_id)),
            V::I64(Some(batch_id)),
            V::Text(Some(row.record_id.clone())),
            V::I64(Some(row.line as i64)),
            V::Text(Some(row.row_hash.clone())),
            V::Text(Some(serde_json::to_string(&raw).unwrap_or_default())),
            V::Text(Some(warnings.join("; "))),
            V::I64(Some(person_id)),
            V::Time(now),
        ]);
        if let Some(pl) = &row.parsed.placement {
            placements_of_line.push((row.line, person_id, pl));
        }
    }
    people::insert_rows(
        tx,
        "source_record (source_id, batch_id, record_id, line, row_hash, raw, warnings, person_id, created_at)",
        9,
        records,
        "",
    )
    .await?;
    progress(plan.rows.len() * 3 / 4);
    // The placements the rows bring, each tied to its source record so that undo removes it.
    let record_of_line: HashMap<i64, i64> = with_tx!(tx, c => sqlx::query_as::<_, (i64, i64)>(
        "select line, id from source_record where batch_id = $1")
        .bind(batch_id).fetch_all(c).await)?
    .into_iter()
    .collect();
    mark_departed_again(tx, source_id, plan, &record_of_line, now).await?;
    // What later batches will be compared with, and the pairs a registrar decides.
    let mut kept_lines = Vec::new();
    let mut kept = Vec::new();
    for row in &plan.rows {
        let (Some(&record), Some(&person)) = (
            record_of_line.get(&(row.line as i64)),
            person_of_row(row, &person_of_line).as_ref(),
        ) else {
            continue;
        };
        kept_lines.push(row.line);
        kept.push(resolution::NewLinkRecord {
            person,
            source_record: Some(record),
            values: row.link.clone(),
        });
    }
    let link_ids = resolution::keep(tx, &kept, &plan.model, now.date_naive(), now).await?;
    let link_of_line: HashMap<usize, i64> = kept_lines.into_iter().zip(link_ids).collect();
    let region_of_line: HashMap<usize, Option<String>> = plan
        .rows
        .iter()
        .map(|r| (r.line, r.parsed.region_code.as_ref().map(|c| c.to_string())))
        .collect();
    let pairs: Vec<resolution::NewReviewPair> = plan
        .doubts
        .iter()
        .filter_map(|d| {
            let existing_record = match d.other {
                PlannedOther::Existing { link_record, .. } => link_record,
                PlannedOther::Line(line) => *link_of_line.get(&line)?,
            };
            Some(resolution::NewReviewPair {
                new_record: *link_of_line.get(&d.line)?,
                existing_record,
                probability: d.probability,
                reason: d.reason,
                region_code: region_of_line.get(&d.line).cloned().flatten(),
                batch_id: Some(batch_id),
            })
        })
        .collect();
    resolution::queue(tx, &pairs, now).await?;
    let mut placements = Vec::new();
    for (line, person_id, pl) in placements_of_line {
        let record = record_of_line.get(&(line as i64)).copied();
        placements.extend(people::placement_row(
            person_id,
            &PlacementInput::from(pl),
            now,
            record,
        ));
    }
    people::insert_rows(
        tx,
        people::PLACEMENT_COLUMNS,
        people::PLACEMENT_ROW_LEN,
        placements,
        "",
    )
    .await?;
    progress(plan.rows.len());
    let c = &plan.counts;
    let updated = with_tx!(tx, conn => sqlx::query(
        "update import_batch set status = 'committed', file_bytes = null, rows_total = $1, rows_new = $2, \
         rows_matched = $3, rows_already = $4, rows_error = $5, committed_at = $6, rows_review = $8, \
         link_prior = $9 where id = $7 and status = 'staged'")
        .bind(c.total as i64).bind(c.new as i64).bind(c.matched as i64).bind(c.already as i64)
        .bind(c.error as i64).bind(now).bind(batch_id).bind(c.review as i64).bind(plan.prior)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    if updated == 0 {
        // Committed or cancelled meanwhile (another tab, another registrar): write nothing.
        return Err(DbError::Conflict("import_batch.status".into()));
    }
    Ok(plan.counts.clone())
}

/// A departure list names people who leave to work abroad. A person already registered whose
/// departure comes after their last return has "departed again" (the Mandiri dimension of
/// EMAS): marked with the date and the source record that says so, the previous status kept so
/// that an undo of the list restores it.
async fn mark_departed_again(
    tx: &mut Tx,
    source_id: i64,
    plan: &Plan,
    record_of_line: &HashMap<i64, i64>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let (kind,): (String,) = with_tx!(tx, c => sqlx::query_as(
        "select kind from source where id = $1").bind(source_id).fetch_one(c).await)?;
    if kind != "departure" {
        return Ok(());
    }
    // The latest departure of each matched person on this list.
    let mut departures: HashMap<i64, (NaiveDate, i64)> = HashMap::new();
    for row in &plan.rows {
        let (Outcome::Matched(person), Some(date), Some(&record)) = (
            &row.outcome,
            row.parsed.placement.as_ref().and_then(|p| p.departure_date),
            record_of_line.get(&(row.line as i64)),
        ) else {
            continue;
        };
        let e = departures.entry(*person).or_insert((date, record));
        if date > e.0 {
            *e = (date, record);
        }
    }
    for (person, (departed, record)) in departures {
        let (status, since, last_return): (String, Option<NaiveDate>, Option<NaiveDate>) = with_tx!(tx, c => sqlx::query_as(
                "select p.status, p.status_since, \
                 (select max(pl.return_date) from placement pl where pl.person_id = p.id) \
                 from person p where p.id = $1")
                .bind(person).fetch_one(c).await)?;
        let returned = match (last_return, status.as_str()) {
            (Some(r), _) => r,
            (None, "returned") => match since {
                Some(s) => s,
                None => continue,
            },
            _ => continue,
        };
        let already = status == "departed_again" && since.is_some_and(|s| s >= departed);
        if departed <= returned || already {
            continue;
        }
        with_tx!(tx, c => sqlx::query(
            "insert into remigration (person_id, departure_date, source_record_id, previous_status, \
             previous_status_since, created_at) values ($1, $2, $3, $4, $5, $6)")
            .bind(person).bind(departed).bind(record).bind(&status).bind(since).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))?;
        with_tx!(tx, c => sqlx::query(
            "update person set status = 'departed_again', status_since = $1, updated_at = $2 where id = $3")
            .bind(departed).bind(now).bind(person)
            .execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Restores the status of the people a departure list marked, before the list is undone.
async fn unmark_departed_again(
    tx: &mut Tx,
    batch_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let marks: Vec<(i64, i64, String, Option<NaiveDate>)> = with_tx!(tx, c => sqlx::query_as(
        "select r.id, r.person_id, r.previous_status, r.previous_status_since from remigration r \
         join source_record sr on sr.id = r.source_record_id where sr.batch_id = $1 order by r.id desc")
        .bind(batch_id).fetch_all(c).await)?;
    for (_, person, status, since) in marks {
        with_tx!(tx, c => sqlx::query(
            "update person set status = $1, status_since = $2, updated_at = $3 where id = $4")
            .bind(&status).bind(since).bind(now).bind(person)
            .execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Removes what a committed batch added: its source records (and the placements they brought)
/// and the people that only it created. The audit log keeps the history.
pub async fn undo(tx: &mut Tx, batch_id: i64, now: DateTime<Utc>) -> Result<u64, DbError> {
    let batch_ok = with_tx!(tx, c => sqlx::query(
        "update import_batch set status = 'undone', undone_at = $1 where id = $2 and status = 'committed'")
        .bind(now).bind(batch_id).execute(c).await.map(|r| r.rows_affected()))?;
    if batch_ok == 0 {
        return Err(DbError::NotFound);
    }
    // The people the batch would remove: those it created that no other list names. One who
    // took part in a merge or split still in force is refused (undo the change first); changes
    // of theirs already undone go with them, and so does the empty person an undone split made.
    const REMOVED: &str = "select id from person where created_by_batch = $1 and not exists \
        (select 1 from source_record sr where sr.person_id = person.id and sr.batch_id <> $1)";
    let sql = format!(
        "select count(*) from person_change where undone_at is null \
         and (person_id in ({REMOVED}) or other_id in ({REMOVED}))"
    );
    let (involved,): (i64,) = with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(batch_id).fetch_one(c).await)?;
    if involved > 0 {
        return Err(DbError::Conflict("person_change".into()));
    }
    // Nor is a person the programme has enrolled, referred or given an account removed.
    let sql = format!(
        "select (select count(*) from enrolment where person_id in ({REMOVED})) \
         + (select count(*) from referral where person_id in ({REMOVED})) \
         + (select count(*) from app_user where person_id in ({REMOVED}))"
    );
    let (enrolled,): (i64,) = with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(batch_id).fetch_one(c).await)?;
    if enrolled > 0 {
        return Err(DbError::Conflict("enrolment".into()));
    }
    let sql = format!(
        "delete from person_change where person_id in ({REMOVED}) or other_id in ({REMOVED})"
    );
    with_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(batch_id).execute(c).await.map(|r| r.rows_affected()))?;
    let sql = format!(
        "delete from person where merged_into in ({REMOVED}) and created_by_batch is null \
         and not exists (select 1 from source_record sr where sr.person_id = person.id) \
         and not exists (select 1 from person_change pc where pc.person_id = person.id or pc.other_id = person.id)"
    );
    with_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(batch_id).execute(c).await.map(|r| r.rows_affected()))?;
    resolution::forget_batch(tx, batch_id, now.date_naive()).await?;
    unmark_departed_again(tx, batch_id, now).await?;
    with_tx!(tx, c => sqlx::query(
        "delete from placement where source_record_id in (select id from source_record where batch_id = $1)")
        .bind(batch_id).execute(c).await.map(|r| r.rows_affected()))?;
    with_tx!(tx, c => sqlx::query("delete from source_record where batch_id = $1")
        .bind(batch_id).execute(c).await.map(|r| r.rows_affected()))?;
    // A person the batch made and someone edited since has a link record of their own fields.
    resolution::forget_own(
        tx,
        "select id from person where created_by_batch = $1 \
         and not exists (select 1 from source_record sr where sr.person_id = person.id)",
        batch_id,
        now.date_naive(),
    )
    .await?;
    let removed = with_tx!(tx, c => sqlx::query(
        "delete from person where created_by_batch = $1 \
         and not exists (select 1 from source_record sr where sr.person_id = person.id)")
        .bind(batch_id).execute(c).await.map(|r| r.rows_affected()))?;
    // People it created that other lists also name stay; they now belong to the earliest of
    // those lists, so undoing that one removes them in turn.
    with_tx!(tx, c => sqlx::query(
        "update person set created_by_batch = \
         (select min(sr.batch_id) from source_record sr where sr.person_id = person.id) \
         where created_by_batch = $1")
        .bind(batch_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(removed)
}

/// A mapping as stored: header → field name, for the columns that are read.
pub type StoredMapping = std::collections::BTreeMap<String, String>;

/// Keeps the mapping a registrar chose for a staged batch, and as its source's template.
pub async fn set_mapping(
    tx: &mut Tx,
    batch_id: i64,
    source_id: i64,
    mapping: &StoredMapping,
) -> Result<(), DbError> {
    let json = serde_json::to_string(mapping).unwrap_or_default();
    let done = with_tx!(tx, c => sqlx::query(
        "update import_batch set mapping = $1 where id = $2 and status = 'staged'")
        .bind(&json).bind(batch_id).execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(DbError::NotFound);
    }
    with_tx!(tx, c => sqlx::query("update source set mapping_template = $1 where id = $2")
        .bind(&json).bind(source_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

impl Db {
    /// The mapping chosen for this batch, else its source's template.
    pub async fn mapping_for(&self, batch_id: i64) -> Result<Option<StoredMapping>, DbError> {
        let row: Option<(Option<String>, Option<String>)> = with_db!(self, p => sqlx::query_as(
            "select b.mapping, s.mapping_template from import_batch b join source s on s.id = b.source_id where b.id = $1")
            .bind(batch_id).fetch_optional(p).await)?;
        Ok(row
            .and_then(|(own, template)| own.or(template))
            .and_then(|json| serde_json::from_str(&json).ok()))
    }
}
