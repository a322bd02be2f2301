//! Merging two people found to be one, splitting a person back into the people their source
//! records say, and undoing either. Every table that refers to a person registers in
//! [`PERSON_TABLES`] (or, if it is the resolution's own bookkeeping, in [`NOT_MOVED`]); a test
//! reads the schema and fails when a table is in neither, so no later table can lose its rows to
//! a merge. A change records exactly which rows it moved, so an undo moves exactly those back.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use emas_domain::nik::NikCell;
use serde::{Deserialize, Serialize};

use crate::{Db, DbError, Tx, with_db, with_tx};

/// What a merge does with a table's rows of the merged person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Rows the person owns (they have an `id`): they move to the survivor. `by_record` names
    /// the column tying a row to a source record (`id` for `source_record` itself), so that a
    /// split moves a record's rows with it.
    Move { by_record: Option<&'static str> },
    /// Derived keys whose primary key includes the person (`key` names the other column): the
    /// survivor gains the ones it lacks; the merged person keeps theirs.
    CopyMissing { key: &'static str },
}

/// A table with a column referring to `person (id)`.
#[derive(Debug, Clone, Copy)]
pub struct PersonTable {
    pub table: &'static str,
    pub column: &'static str,
    pub how: How,
}

const fn moved(table: &'static str, by_record: Option<&'static str>) -> PersonTable {
    PersonTable {
        table,
        column: "person_id",
        how: How::Move { by_record },
    }
}

const fn copied(table: &'static str, key: &'static str) -> PersonTable {
    PersonTable {
        table,
        column: "person_id",
        how: How::CopyMissing { key },
    }
}

/// Every table whose rows follow a person through a merge. A new table referring to a person
/// registers here (the schema test says so when it is forgotten).
pub const PERSON_TABLES: &[PersonTable] = &[
    moved("source_record", Some("id")),
    moved("placement", Some("source_record_id")),
    moved("person_address", None),
    moved("consent", None),
    moved("link_record", Some("source_record_id")),
    moved("remigration", Some("source_record_id")),
    moved("enrolment", None),
    moved("referral", None),
    moved("app_user", None),
    moved("business_owner", None),
    copied("person_phone", "phone"),
    copied("person_name_key", "key"),
];

/// Columns referring to a person that are the resolution's own record of itself, not the
/// person's data: they must not move.
pub const NOT_MOVED: &[(&str, &str)] = &[
    ("person", "merged_into"),
    ("person_change", "person_id"),
    ("person_change", "other_id"),
];

/// Why a merge, split or undo was refused.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("a person cannot be merged into themself")]
    SamePerson,
    /// One of the two was merged into someone already (perhaps a moment ago, by someone else).
    #[error("the person was merged already")]
    AlreadyMerged,
    /// Two different valid NIKs are two people until a registrar has looked: the pair goes to
    /// review instead.
    #[error("the two people hold different valid NIKs")]
    TwoNiks,
    #[error("a split takes some of the person's source records, not none or all")]
    SplitAllOrNone,
    #[error("the change was undone already")]
    AlreadyUndone,
    /// Another change won the race (`DbError::Conflict`), or the person or change is missing.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for MergeError {
    fn from(e: sqlx::Error) -> Self {
        MergeError::Db(e.into())
    }
}

/// A survivor's field the merge filled from the merged person, and what it wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilledField {
    pub field: String,
    pub value: String,
}

/// What a change moved, stored as JSON in `person_change.moved`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    /// Table → ids of the rows that moved.
    pub rows: BTreeMap<String, Vec<i64>>,
    /// Table → keys the survivor gained.
    #[serde(default)]
    pub copied: BTreeMap<String, Vec<String>>,
    /// Current addresses of the merged person that the merge closed (the survivor's stays
    /// current).
    #[serde(default)]
    pub closed_addresses: Vec<i64>,
    #[serde(default)]
    pub fields: Vec<FilledField>,
    /// Table → the largest id when the change was made: rows above it came later.
    #[serde(default)]
    pub high_water: BTreeMap<String, i64>,
}

impl Moved {
    pub fn row_count(&self) -> usize {
        self.rows.values().map(Vec::len).sum()
    }
}

#[derive(sqlx::FromRow)]
struct Identity {
    nik: Option<String>,
    sex: Option<String>,
    birth_date: Option<NaiveDate>,
    birth_place: String,
    merged_into: Option<i64>,
}

async fn identity(tx: &mut Tx, id: i64) -> Result<Identity, DbError> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select nik, sex, birth_date, birth_place, merged_into from person where id = $1")
        .bind(id).fetch_one(c).await)?)
}

fn valid_nik(nik: Option<&str>) -> Option<String> {
    match NikCell::parse(nik?) {
        NikCell::Clean(n) => Some(n.digits()),
        _ => None,
    }
}

/// Claims a person for a change: true when it exists and is not merged. A conditional update,
/// so that of two transactions claiming the same person only one succeeds (the other waits for
/// the first on PostgreSQL, queues behind it on SQLite, and then finds it merged).
async fn claim(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = with_tx!(tx, c => sqlx::query(
        "update person set updated_at = $1 where id = $2 and merged_into is null")
        .bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

async fn high_water(tx: &mut Tx) -> Result<BTreeMap<String, i64>, DbError> {
    let mut out = BTreeMap::new();
    for t in PERSON_TABLES {
        if let How::Move { .. } = t.how {
            let sql = format!("select coalesce(max(id), 0) from {}", t.table);
            let (max,): (i64,) = with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(c).await)?;
            out.insert(t.table.to_owned(), max);
        }
    }
    Ok(out)
}

async fn ids_where(tx: &mut Tx, sql: &str, binds: &[i64]) -> Result<Vec<i64>, DbError> {
    let rows: Vec<(i64,)> = with_tx!(tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(*b);
        }
        q.fetch_all(c).await
    })?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Sets `column = to` on the rows of `table` with these ids that still belong to `from`.
async fn move_rows(
    tx: &mut Tx,
    t: &PersonTable,
    ids: &[i64],
    from: i64,
    to: i64,
) -> Result<(), DbError> {
    for chunk in ids.chunks(500) {
        let list: Vec<String> = (3..chunk.len() + 3).map(|i| format!("${i}")).collect();
        let sql = format!(
            "update {} set {col} = $1 where {col} = $2 and id in ({})",
            t.table,
            list.join(", "),
            col = t.column
        );
        with_tx!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(to).bind(from);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// A change about to be recorded: what, of whom, why and by whom.
struct NewChange<'a> {
    kind: &'a str,
    person_id: i64,
    other_id: i64,
    reason: &'a str,
    actor: Option<i64>,
}

async fn record_change(
    tx: &mut Tx,
    c_in: NewChange<'_>,
    moved: &Moved,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let json = serde_json::to_string(moved).map_err(|e| DbError::Config(e.to_string()))?;
    let (id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into person_change (kind, person_id, other_id, reason, moved, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7) returning id")
        .bind(c_in.kind).bind(c_in.person_id).bind(c_in.other_id).bind(c_in.reason).bind(&json)
        .bind(c_in.actor).bind(now)
        .fetch_one(c).await)?;
    Ok(id)
}

/// Merges `merged` into `survivor`: every registered table's rows of `merged` follow the
/// survivor, the survivor's empty identity fields are filled from `merged`, and `merged` stays,
/// pointing at the survivor. Returns the change's id, which [`undo`] takes.
pub async fn merge(
    tx: &mut Tx,
    survivor: i64,
    merged: i64,
    reason: &str,
    actor: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, MergeError> {
    if survivor == merged {
        return Err(MergeError::SamePerson);
    }
    let s = identity(tx, survivor).await?;
    let m = identity(tx, merged).await?;
    if s.merged_into.is_some() || m.merged_into.is_some() {
        return Err(MergeError::AlreadyMerged);
    }
    if let (Some(a), Some(b)) = (valid_nik(s.nik.as_deref()), valid_nik(m.nik.as_deref()))
        && a != b
    {
        return Err(MergeError::TwoNiks);
    }
    // Claim both in id order, so that two opposite merges of one pair wait on each other
    // instead of deadlocking.
    for id in [survivor.min(merged), survivor.max(merged)] {
        if !claim(tx, id, now).await? {
            return Err(DbError::Conflict("person.merged_into".into()).into());
        }
    }
    with_tx!(tx, c => sqlx::query("update person set merged_into = $1 where id = $2")
        .bind(survivor).bind(merged).execute(c).await.map(|r| r.rows_affected()))?;

    let mut moved = Moved {
        high_water: high_water(tx).await?,
        ..Moved::default()
    };
    let survivor_has_address = !ids_where(
        tx,
        "select id from person_address where person_id = $1 and valid_until is null",
        &[survivor],
    )
    .await?
    .is_empty();
    for t in PERSON_TABLES {
        match t.how {
            How::Move { .. } => {
                let sql = format!(
                    "select id from {} where {} = $1 order by id",
                    t.table, t.column
                );
                let ids = ids_where(tx, &sql, &[merged]).await?;
                if ids.is_empty() {
                    continue;
                }
                if t.table == "person_address" && survivor_has_address {
                    moved.closed_addresses = ids_where(
                        tx,
                        "select id from person_address where person_id = $1 and valid_until is null",
                        &[merged],
                    )
                    .await?;
                    with_tx!(tx, c => sqlx::query(
                        "update person_address set valid_until = $1 where person_id = $2 and valid_until is null")
                        .bind(now).bind(merged).execute(c).await.map(|r| r.rows_affected()))?;
                }
                move_rows(tx, t, &ids, merged, survivor).await?;
                moved.rows.insert(t.table.to_owned(), ids);
            }
            How::CopyMissing { key } => {
                let sql = format!(
                    "select {key} from {table} where {col} = $1 and {key} not in \
                     (select {key} from {table} where {col} = $2) order by {key}",
                    table = t.table,
                    col = t.column
                );
                let keys: Vec<(String,)> = with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(merged).bind(survivor).fetch_all(c).await)?;
                let insert = format!(
                    "insert into {} ({key}, {}) values ($1, $2)",
                    t.table, t.column
                );
                for (k,) in &keys {
                    with_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(insert.as_str()))
                        .bind(k).bind(survivor).execute(c).await.map(|r| r.rows_affected()))?;
                }
                if !keys.is_empty() {
                    moved
                        .copied
                        .insert(t.table.to_owned(), keys.into_iter().map(|k| k.0).collect());
                }
            }
        }
    }

    // The survivor's empty identity fields, filled from the merged person.
    let mut fill = |field: &str, value: Option<String>| {
        if let Some(value) = value {
            moved.fields.push(FilledField {
                field: field.to_owned(),
                value,
            });
        }
    };
    fill("nik", s.nik.is_none().then_some(m.nik.clone()).flatten());
    fill("sex", s.sex.is_none().then_some(m.sex.clone()).flatten());
    fill(
        "birth_date",
        s.birth_date
            .is_none()
            .then_some(m.birth_date)
            .flatten()
            .map(|d| d.to_string()),
    );
    fill(
        "birth_place",
        (s.birth_place.is_empty() && !m.birth_place.is_empty()).then(|| m.birth_place.clone()),
    );
    for f in &moved.fields {
        set_field(tx, survivor, &f.field, Some(&f.value), None).await?;
    }
    Ok(record_change(
        tx,
        NewChange {
            kind: "merge",
            person_id: survivor,
            other_id: merged,
            reason,
            actor,
        },
        &moved,
        now,
    )
    .await?)
}

/// Sets one identity field of a person to `value` (None: empty), only where it still holds
/// `expect` when that is given. The field names are the four a merge fills.
async fn set_field(
    tx: &mut Tx,
    person: i64,
    field: &str,
    value: Option<&str>,
    expect: Option<&str>,
) -> Result<(), DbError> {
    let (col, is_date, empty) = match field {
        "nik" => ("nik", false, None),
        "sex" => ("sex", false, None),
        "birth_date" => ("birth_date", true, None),
        "birth_place" => ("birth_place", false, Some("")),
        _ => return Err(DbError::Config(format!("unknown field {field}"))),
    };
    let date = |v: Option<&str>| v.and_then(|v| v.parse::<NaiveDate>().ok());
    let sql = if expect.is_some() {
        format!("update person set {col} = $1 where id = $2 and {col} = $3")
    } else {
        format!("update person set {col} = $1 where id = $2")
    };
    let value = value.or(empty);
    with_tx!(tx, c => {
        let q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        let q = if is_date { q.bind(date(value)) } else { q.bind(value) };
        let q = q.bind(person);
        let q = match expect {
            Some(e) if is_date => q.bind(date(Some(e))),
            Some(e) => q.bind(e),
            None => q,
        };
        q.execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Makes a new person of some of `person`'s source records: those records and every registered
/// row tied to them (placements, link records, departures) move to the new person, whose
/// identity is copied from `person`. Returns the change's id and the new person's.
pub async fn split(
    tx: &mut Tx,
    person: i64,
    source_record_ids: &[i64],
    reason: &str,
    actor: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(i64, i64), MergeError> {
    if identity(tx, person).await?.merged_into.is_some() {
        return Err(MergeError::AlreadyMerged);
    }
    let own = ids_where(
        tx,
        "select id from source_record where person_id = $1 order by id",
        &[person],
    )
    .await?;
    let mut chosen: Vec<i64> = source_record_ids
        .iter()
        .copied()
        .filter(|id| own.contains(id))
        .collect();
    chosen.sort_unstable();
    chosen.dedup();
    if chosen.is_empty() || chosen.len() != source_record_ids.len() || chosen.len() == own.len() {
        return Err(MergeError::SplitAllOrNone);
    }
    if !claim(tx, person, now).await? {
        return Err(DbError::Conflict("person.merged_into".into()).into());
    }
    let (new_id,): (i64,) = with_tx!(tx, c => sqlx::query_as(
        "insert into person (nik, nik_mismatch_note, full_name, sex, birth_date, birth_place, \
         education, household_size, skills, languages, status, status_since, region_code, \
         region_known, created_at, updated_at) \
         select nik, nik_mismatch_note, full_name, sex, birth_date, birth_place, education, \
         household_size, skills, languages, status, status_since, region_code, region_known, $1, $1 \
         from person where id = $2 returning id")
        .bind(now).bind(person).fetch_one(c).await)?;
    // Its own copy of the current address and name keys, so it can be found and scoped.
    with_tx!(tx, c => sqlx::query(
        "insert into person_address (person_id, region_code, region_known, kampung, rt, rw, street, valid_from) \
         select $1, region_code, region_known, kampung, rt, rw, street, $2 from person_address \
         where person_id = $3 and valid_until is null")
        .bind(new_id).bind(now).bind(person).execute(c).await.map(|r| r.rows_affected()))?;
    with_tx!(tx, c => sqlx::query(
        "insert into person_name_key (key, person_id) select key, $1 from person_name_key where person_id = $2")
        .bind(new_id).bind(person).execute(c).await.map(|r| r.rows_affected()))?;

    let mut moved = Moved {
        high_water: high_water(tx).await?,
        ..Moved::default()
    };
    let list: Vec<String> = (2..chosen.len() + 2).map(|i| format!("${i}")).collect();
    for t in PERSON_TABLES {
        let How::Move {
            by_record: Some(by),
        } = t.how
        else {
            continue;
        };
        let sql = format!(
            "select id from {} where {} = $1 and {by} in ({}) order by id",
            t.table,
            t.column,
            list.join(", ")
        );
        let mut binds = vec![person];
        binds.extend(&chosen);
        let ids = ids_where(tx, &sql, &binds).await?;
        if ids.is_empty() {
            continue;
        }
        move_rows(tx, t, &ids, person, new_id).await?;
        moved.rows.insert(t.table.to_owned(), ids);
    }
    let change = record_change(
        tx,
        NewChange {
            kind: "split",
            person_id: person,
            other_id: new_id,
            reason,
            actor,
        },
        &moved,
        now,
    )
    .await?;
    Ok((change, new_id))
}

/// One merge or split, for a person's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Change {
    pub id: i64,
    /// `merge` or `split`.
    pub kind: String,
    /// The survivor of a merge; the person split.
    pub person_id: i64,
    /// The person merged; the person made by the split.
    pub other_id: i64,
    pub reason: String,
    pub moved: String,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub undone_by: Option<String>,
    pub undone_at: Option<DateTime<Utc>>,
}

impl Change {
    pub fn moved(&self) -> Moved {
        serde_json::from_str(&self.moved).unwrap_or_default()
    }

    pub fn is_undone(&self) -> bool {
        self.undone_at.is_some()
    }
}

const CHANGE_SELECT: &str = "select pc.id, pc.kind, pc.person_id, pc.other_id, pc.reason, pc.moved, \
    cu.username as created_by, pc.created_at, uu.username as undone_by, pc.undone_at \
    from person_change pc left join app_user cu on cu.id = pc.created_by \
    left join app_user uu on uu.id = pc.undone_by";

/// What undoing a change will do, and whether the people changed since it was made, so that a
/// registrar reads it before confirming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndoPreview {
    pub change: Change,
    /// Recorded rows that will move back.
    pub rows_back: usize,
    /// Recorded rows deleted or moved on since: skipped.
    pub rows_gone: usize,
    /// Rows added to either person after the change: they stay where they are.
    pub rows_added: i64,
    /// Later merges and splits of either person that are not undone.
    pub later_changes: Vec<i64>,
    /// Identity fields the undo empties again (a merge's filled fields still as it left them).
    pub fields_restored: Vec<String>,
}

impl UndoPreview {
    /// True when the people are not as the change left them.
    pub fn changed_since(&self) -> bool {
        self.rows_gone > 0 || self.rows_added > 0 || !self.later_changes.is_empty()
    }
}

/// The person a change moves rows from and to: (from, to) of the change itself.
fn direction(c: &Change) -> (i64, i64) {
    match c.kind.as_str() {
        // A merge moved rows from other (merged) to person (survivor).
        "merge" => (c.other_id, c.person_id),
        // A split moved rows from person to other (the new person).
        _ => (c.person_id, c.other_id),
    }
}

impl Db {
    /// The survivor a merged person now lives on as (following merges of merges), or None when
    /// the person is not merged.
    pub async fn merged_into(&self, id: i64) -> Result<Option<i64>, DbError> {
        let mut at = id;
        let mut found = None;
        for _ in 0..64 {
            let (next,): (Option<i64>,) = with_db!(self, p => sqlx::query_as(
                "select merged_into from person where id = $1").bind(at).fetch_one(p).await)?;
            match next {
                Some(n) => {
                    found = Some(n);
                    at = n;
                }
                None => break,
            }
        }
        Ok(found)
    }

    /// The merges and splits a person took part in, newest first.
    pub async fn person_changes(&self, person_id: i64) -> Result<Vec<Change>, DbError> {
        let sql = format!(
            "{CHANGE_SELECT} where pc.person_id = $1 or pc.other_id = $1 order by pc.id desc"
        );
        Ok(
            with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(person_id).fetch_all(p).await)?,
        )
    }

    pub async fn person_change(&self, id: i64) -> Result<Change, DbError> {
        let sql = format!("{CHANGE_SELECT} where pc.id = $1");
        Ok(
            with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(p).await)?,
        )
    }

    pub async fn undo_preview(&self, change_id: i64) -> Result<UndoPreview, DbError> {
        let change = self.person_change(change_id).await?;
        let moved = change.moved();
        let (_, to) = direction(&change);
        let mut rows_back = 0;
        let mut rows_added = 0;
        for t in PERSON_TABLES {
            if !matches!(t.how, How::Move { .. }) {
                continue;
            }
            if let Some(ids) = moved.rows.get(t.table) {
                for chunk in ids.chunks(500) {
                    let list: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "select count(*) from {} where {} = $1 and id in ({})",
                        t.table,
                        t.column,
                        list.join(", ")
                    );
                    let (n,): (i64,) = with_db!(self, p => {
                        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(to);
                        for id in chunk {
                            q = q.bind(*id);
                        }
                        q.fetch_one(p).await
                    })?;
                    rows_back += n as usize;
                }
            }
            let since = moved.high_water.get(t.table).copied().unwrap_or(i64::MAX);
            let sql = format!(
                "select count(*) from {} where ({col} = $1 or {col} = $2) and id > $3",
                t.table,
                col = t.column
            );
            let (n,): (i64,) = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(change.person_id).bind(change.other_id).bind(since).fetch_one(p).await)?;
            rows_added += n;
        }
        let later: Vec<(i64,)> = with_db!(self, p => sqlx::query_as(
            "select id from person_change where id > $1 and undone_at is null \
             and (person_id in ($2, $3) or other_id in ($2, $3)) order by id")
            .bind(change.id).bind(change.person_id).bind(change.other_id).fetch_all(p).await)?;
        let mut fields_restored = Vec::new();
        for f in &moved.fields {
            // Dates are kept as ISO text on SQLite and cast so on PostgreSQL: one comparison.
            let sql = format!(
                "select count(*) from person where id = $1 and cast({} as text) = $2",
                field_column(&f.field)?
            );
            let (n,): (i64,) = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(change.person_id).bind(&f.value).fetch_one(p).await)?;
            if n > 0 {
                fields_restored.push(f.field.clone());
            }
        }
        Ok(UndoPreview {
            rows_gone: moved.row_count() - rows_back,
            rows_back,
            rows_added,
            later_changes: later.into_iter().map(|r| r.0).collect(),
            fields_restored,
            change,
        })
    }
}

fn field_column(field: &str) -> Result<&'static str, DbError> {
    match field {
        "nik" => Ok("nik"),
        "sex" => Ok("sex"),
        "birth_date" => Ok("birth_date"),
        "birth_place" => Ok("birth_place"),
        _ => Err(DbError::Config(format!("unknown field {field}"))),
    }
}

/// Undoes a merge or split: exactly the recorded rows that are still where the change put them
/// move back (rows deleted since are skipped; rows added since stay), keys the survivor gained
/// and fields the merge filled (where unchanged since) are taken back. After a merge's undo the
/// merged person is theirs again; after a split's undo the person it made, now without records,
/// is marked merged into the person it came from.
pub async fn undo(
    tx: &mut Tx,
    change_id: i64,
    actor: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), MergeError> {
    let done = with_tx!(tx, c => sqlx::query(
        "update person_change set undone_by = $1, undone_at = $2 where id = $3 and undone_at is null")
        .bind(actor).bind(now).bind(change_id).execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        let exists: Option<(i64,)> = with_tx!(tx, c => sqlx::query_as(
            "select id from person_change where id = $1").bind(change_id).fetch_optional(c).await)?;
        return Err(match exists {
            Some(_) => MergeError::AlreadyUndone,
            None => MergeError::Db(DbError::NotFound),
        });
    }
    let (kind, person_id, other_id, moved_json): (String, i64, i64, String) = with_tx!(tx, c => sqlx::query_as(
        "select kind, person_id, other_id, moved from person_change where id = $1")
        .bind(change_id).fetch_one(c).await)?;
    let moved: Moved =
        serde_json::from_str(&moved_json).map_err(|e| DbError::Config(e.to_string()))?;
    let (from, to) = if kind == "merge" {
        (other_id, person_id)
    } else {
        (person_id, other_id)
    };
    for t in PERSON_TABLES {
        match t.how {
            How::Move { .. } => {
                if let Some(ids) = moved.rows.get(t.table) {
                    move_rows(tx, t, ids, to, from).await?;
                }
            }
            How::CopyMissing { key } => {
                let sql = format!(
                    "delete from {} where {} = $1 and {key} = $2",
                    t.table, t.column
                );
                for k in moved.copied.get(t.table).into_iter().flatten() {
                    with_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                        .bind(to).bind(k).execute(c).await.map(|r| r.rows_affected()))?;
                }
            }
        }
    }
    for id in &moved.closed_addresses {
        with_tx!(tx, c => sqlx::query(
            "update person_address set valid_until = null where id = $1 and person_id = $2")
            .bind(id).bind(from).execute(c).await.map(|r| r.rows_affected()))?;
    }
    for f in &moved.fields {
        set_field(tx, to, &f.field, None, Some(&f.value)).await?;
    }
    if kind == "merge" {
        let n = with_tx!(tx, c => sqlx::query(
            "update person set merged_into = null, updated_at = $1 where id = $2 and merged_into = $3")
            .bind(now).bind(from).bind(to).execute(c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(DbError::Conflict("person.merged_into".into()).into());
        }
    } else {
        let n = with_tx!(tx, c => sqlx::query(
            "update person set merged_into = $1, updated_at = $2 where id = $3 and merged_into is null")
            .bind(from).bind(now).bind(to).execute(c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(DbError::Conflict("person.merged_into".into()).into());
        }
    }
    Ok(())
}
