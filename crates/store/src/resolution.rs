//! Person resolution: which person each incoming row is. The linkage engine compares a batch
//! with the registry's link records that share a blocking key with it (and the other records of
//! those people), scored with the term frequencies of the whole registry, so the cost grows with
//! the batch and not with the registry. At or above the upper threshold a row attaches to the
//! person; below the lower one it is a new person; in between, or where attaching would join two
//! valid NIKs, two birth dates or two people, the pair goes to the review queue.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use emas_domain::access::{RegionCode, RegionLevel};
use emas_domain::import::{Field as ImportField, Mapping, ParsedRow};
use emas_domain::regions::Regions;
use emas_linkage::model::{Frequencies, term_values};
use emas_linkage::{Dataset, Field, Index, Input, Model};
use serde::Serialize;

use crate::people::{BatchValue as V, PersonInput, insert_rows, reserve_ids};
use crate::{Db, DbError, Tx, with_db, with_tx};

/// The engine's input for one record: field and raw value, as a source gave it.
pub type LinkValues = Vec<(Field, String)>;

const UPPER_KEY: &str = "link.upper";
const LOWER_KEY: &str = "link.lower";
const MODEL_KEY: &str = "link.model";

/// The match probabilities that decide a row: at or above `upper` it attaches to the person,
/// below `lower` it is a new person, in between a registrar decides.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub upper: f64,
    pub lower: f64,
}

impl Default for Thresholds {
    /// Chosen on the synthetic benchmark (docs/resolution.md): above 0.9 the engine's matches
    /// are almost all right; below 0.2 almost none are.
    fn default() -> Self {
        Thresholds {
            upper: 0.9,
            lower: 0.2,
        }
    }
}

impl Thresholds {
    /// Both strictly between 0 and 1, the lower below the upper.
    pub fn new(lower: f64, upper: f64) -> Option<Thresholds> {
        (0.0 < lower && lower < upper && upper < 1.0).then_some(Thresholds { upper, lower })
    }
}

/// The model EMAS ships: trained without labels (EM) on the synthetic agency lists of the
/// benchmark, until a registry's own is trained and saved with `emas link --registry --apply`.
pub fn shipped_model() -> Model {
    serde_json::from_str(include_str!("link_model.json")).expect("the shipped model parses")
}

impl Db {
    pub async fn thresholds(&self) -> Result<Thresholds, DbError> {
        let d = Thresholds::default();
        let read = |v: Option<String>, default: f64| {
            v.and_then(|s| s.parse::<f64>().ok()).unwrap_or(default)
        };
        let upper = read(self.setting(UPPER_KEY).await?, d.upper);
        let lower = read(self.setting(LOWER_KEY).await?, d.lower);
        Ok(Thresholds::new(lower, upper).unwrap_or(d))
    }

    /// The model resolution scores with: the registry's own once saved, else the shipped one.
    pub async fn link_model(&self) -> Result<Model, DbError> {
        Ok(match self.setting(MODEL_KEY).await? {
            Some(json) => serde_json::from_str::<Model>(&json)
                .map_err(|e| DbError::Config(format!("the saved linkage model: {e}")))?,
            None => shipped_model(),
        })
    }
}

/// The model, read within a transaction (a person saved by hand keeps their keys under it).
async fn model_in(tx: &mut Tx) -> Result<Model, DbError> {
    let row: Option<(String,)> = with_tx!(tx, c => sqlx::query_as(
        "select value from setting where key = $1").bind(MODEL_KEY).fetch_optional(c).await)?;
    match row {
        Some((json,)) => serde_json::from_str(&json)
            .map_err(|e| DbError::Config(format!("the saved linkage model: {e}"))),
        None => Ok(shipped_model()),
    }
}

pub async fn set_thresholds(tx: &mut Tx, t: Thresholds) -> Result<(), DbError> {
    crate::settings::set_setting(tx, UPPER_KEY, &t.upper.to_string()).await?;
    crate::settings::set_setting(tx, LOWER_KEY, &t.lower.to_string()).await
}

pub async fn set_model(tx: &mut Tx, model: &Model) -> Result<(), DbError> {
    let json = serde_json::to_string(model).map_err(|e| DbError::Config(e.to_string()))?;
    crate::settings::set_setting(tx, MODEL_KEY, &json).await
}

/// The engine's input for an imported row: the raw cells of the fields the engine standardises
/// itself (names, NIKs, dates and phones in every spelling), and the region the import resolved,
/// by its reference names, so that codes and names of the same place agree.
pub fn row_values(mapping: &Mapping, cells: &[String], parsed: &ParsedRow) -> LinkValues {
    let mut out = LinkValues::new();
    let mut raw_regions = LinkValues::new();
    for (field, cell) in mapping.columns.iter().zip(cells) {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        let engine_field = match field {
            Some(ImportField::Nik) => Field::Nik,
            Some(ImportField::FullName) => Field::FullName,
            Some(ImportField::Sex) => Field::Sex,
            Some(ImportField::BirthDate) => Field::BirthDate,
            Some(ImportField::BirthPlace) => Field::BirthPlace,
            Some(ImportField::BirthPlaceDate) => Field::BirthPlaceDate,
            Some(ImportField::Phone) => Field::Phone,
            Some(ImportField::Address) => Field::Address,
            Some(ImportField::Village) => {
                raw_regions.push((Field::Village, cell.to_owned()));
                continue;
            }
            Some(ImportField::District) => {
                raw_regions.push((Field::District, cell.to_owned()));
                continue;
            }
            Some(ImportField::Regency) => {
                raw_regions.push((Field::Regency, cell.to_owned()));
                continue;
            }
            _ => continue,
        };
        out.push((engine_field, cell.to_owned()));
    }
    match parsed.region_code.as_ref().filter(|_| parsed.region_known) {
        Some(code) => out.extend(region_values(code)),
        None => out.extend(raw_regions),
    }
    out
}

/// The engine's input for a person entered by hand: their own fields.
pub fn person_values(p: &PersonInput) -> LinkValues {
    let mut out = LinkValues::new();
    if let Some(nik) = p.nik {
        out.push((Field::Nik, nik.digits()));
    }
    out.push((Field::FullName, p.full_name.clone()));
    if let Some(sex) = p.sex {
        out.push((Field::Sex, crate::people::sex_code(sex).to_owned()));
    }
    if let Some(d) = p.birth_date {
        out.push((Field::BirthDate, d.format("%Y-%m-%d").to_string()));
    }
    if !p.birth_place.is_empty() {
        out.push((Field::BirthPlace, p.birth_place.clone()));
    }
    out.extend(p.phones.iter().map(|ph| (Field::Phone, ph.clone())));
    if p.address.region_known
        && let Some(code) = p
            .address
            .region_code
            .as_deref()
            .and_then(|c| RegionCode::parse(c).ok())
    {
        out.extend(region_values(&code));
    }
    out
}

fn region_values(code: &RegionCode) -> LinkValues {
    let regions = Regions::reference();
    let mut out = LinkValues::new();
    let mut at = Some(code.clone());
    while let Some(c) = at {
        let field = match c.level() {
            RegionLevel::Village => Field::Village,
            RegionLevel::District => Field::District,
            RegionLevel::Regency => Field::Regency,
            RegionLevel::Province => Field::Province,
        };
        if let Some(r) = regions.get(&c) {
            out.push((field, r.name.clone()));
        }
        at = c.parent();
    }
    out
}

fn values_json(values: &LinkValues) -> String {
    let pairs: Vec<(&str, &str)> = values.iter().map(|(f, v)| (f.name(), v.as_str())).collect();
    serde_json::to_string(&pairs).unwrap_or_default()
}

fn values_from_json(json: &str) -> LinkValues {
    serde_json::from_str::<Vec<(String, String)>>(json)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(f, v)| f.parse::<Field>().ok().map(|f| (f, v)))
        .collect()
}

/// Where a row of a batch belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    /// An existing person.
    Existing(i64),
    /// A new person, first named by this row of the batch (possibly the row itself).
    NewWith(usize),
}

/// The other side of a doubtful pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Other {
    Existing { link_record: i64, person: i64 },
    Row(usize),
}

/// Why a pair needs a person's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Scored between the thresholds.
    Uncertain,
    /// Scored above the upper threshold but held back: it would join two valid NIKs, two
    /// birth dates, or two people already in the registry.
    Conflict,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Uncertain => "uncertain",
            Reason::Conflict => "conflict",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Doubt {
    pub row: usize,
    pub other: Other,
    pub probability: f64,
    pub reason: Reason,
}

#[derive(Debug, Clone)]
pub struct Resolution {
    pub resolved: Vec<Resolved>,
    pub doubts: Vec<Doubt>,
    /// The model that decided, whose blocking keys the kept records must carry.
    pub model: Model,
    /// The prior (log2 odds) the rows were scored with: estimated on the batch's own candidate
    /// pairs, since a registry larger than the model's training data makes each pair less
    /// likely a match (see `emas_linkage::calibrate`).
    pub prior: f64,
}

/// At most this many doubts per row: its best candidates, one per other person.
const DOUBTS_PER_ROW: usize = 3;

/// Decides where each row of a batch belongs, writing nothing.
pub async fn resolve(
    db: &Db,
    rows: &[LinkValues],
    today: NaiveDate,
) -> Result<Resolution, DbError> {
    let thresholds = db.thresholds().await?;
    let mut model = db.link_model().await?;
    model.threshold = thresholds.upper;
    if rows.is_empty() {
        let prior = emas_linkage::engine::weight_of(model.lambda);
        return Ok(Resolution {
            resolved: Vec::new(),
            doubts: Vec::new(),
            model,
            prior,
        });
    }
    let inputs: Vec<Input> = rows
        .iter()
        .enumerate()
        .map(|(i, values)| Input {
            source: 0,
            id: i.to_string(),
            values: values.clone(),
        })
        .collect();
    let mut batch = Dataset::default();
    batch.extend(inputs.clone(), today);
    let keys: BTreeSet<u64> = batch
        .recs
        .iter()
        .flat_map(|r| model.keys(&batch, r))
        .collect();
    let fetched = candidates(db, &keys, model.max_block).await?;

    // The candidates, clustered by person.
    let mut cluster_of_person: BTreeMap<i64, u32> = BTreeMap::new();
    for f in &fetched {
        let next = cluster_of_person.len() as u32;
        cluster_of_person.entry(f.person).or_insert(next);
    }
    let person_of_cluster: Vec<i64> = cluster_of_person.keys().copied().collect();
    let clusters: Vec<u32> = fetched
        .iter()
        .map(|f| cluster_of_person[&f.person])
        .collect();
    let mut existing = Dataset::default();
    existing.extend(
        fetched
            .iter()
            .map(|f| Input {
                source: 0,
                id: f.link_record.to_string(),
                values: f.values.clone(),
            })
            .collect(),
        today,
    );
    let frequencies = frequencies(db, &[&existing, &batch]).await?;

    let first = fetched.len();
    let mut index = Index::build_with_frequencies(
        existing,
        clusters,
        model.clone(),
        today,
        thresholds.lower,
        Some(&frequencies),
    )
    .calibrating();
    let result = index.link(inputs);

    let n_existing = person_of_cluster.len() as u32;
    let mut first_row_of: HashMap<u32, usize> = HashMap::new();
    let resolved: Vec<Resolved> = result
        .cluster
        .iter()
        .enumerate()
        .map(|(k, &c)| {
            if c < n_existing {
                Resolved::Existing(person_of_cluster[c as usize])
            } else {
                Resolved::NewWith(*first_row_of.entry(c).or_insert(k))
            }
        })
        .collect();

    let flagged: BTreeSet<(u32, u32)> =
        result.flagged.iter().map(|c| (c.record, c.other)).collect();
    let mut doubts = Vec::new();
    let mut per_row: HashMap<usize, Vec<u32>> = HashMap::new();
    // Candidates come strongest first.
    for c in &result.candidates {
        let row = c.record as usize - first;
        let other_cluster = index.cluster_of(c.other);
        let is_flagged = flagged.contains(&(c.record, c.other));
        let attached = matches!(resolved[row], Resolved::Existing(_));
        if result.cluster[row] == other_cluster || (attached && !is_flagged) {
            continue;
        }
        let seen = per_row.entry(row).or_default();
        if seen.contains(&other_cluster) || seen.len() >= DOUBTS_PER_ROW {
            continue;
        }
        seen.push(other_cluster);
        let other = if (c.other as usize) < first {
            Other::Existing {
                link_record: fetched[c.other as usize].link_record,
                person: fetched[c.other as usize].person,
            }
        } else {
            Other::Row(c.other as usize - first)
        };
        doubts.push(Doubt {
            row,
            other,
            probability: c.probability,
            reason: if is_flagged || c.probability >= thresholds.upper {
                Reason::Conflict
            } else {
                Reason::Uncertain
            },
        });
    }
    Ok(Resolution {
        resolved,
        doubts,
        model,
        prior: result.prior,
    })
}

impl Db {
    /// Every link record as (id, person, source record, engine input), for resolving the whole
    /// registry again.
    pub async fn link_records(&self) -> Result<Vec<(i64, i64, Option<i64>, LinkValues)>, DbError> {
        let rows: Vec<(i64, i64, Option<i64>, String)> = with_db!(self, p => sqlx::query_as(
            "select id, person_id, source_record_id, input from link_record order by id")
            .fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(id, person, record, input)| (id, person, record, values_from_json(&input)))
            .collect())
    }
}

/// The engine's explanation of a pair's score (the waterfall a reviewer reads), with the
/// registry's term frequencies, and the prior the pair was scored with when known (the
/// model's otherwise).
pub async fn explain(
    db: &Db,
    new: &[(String, String)],
    existing: &[(String, String)],
    prior: Option<f64>,
) -> Result<emas_linkage::explain::Explanation, DbError> {
    let mut model = db.link_model().await?;
    if let Some(prior) = prior {
        model.lambda = emas_linkage::model::probability(prior);
    }
    model.threshold = db.thresholds().await?.upper;
    let parse = |v: &[(String, String)]| -> LinkValues {
        v.iter()
            .filter_map(|(f, x)| f.parse::<Field>().ok().map(|f| (f, x.clone())))
            .collect()
    };
    let pair = [parse(new), parse(existing)];
    let d = dataset(pair.iter(), crate::now().date_naive());
    let f = frequencies(db, &[&d]).await?;
    let scorer = emas_linkage::model::Scorer::with_frequencies(&model, &d, Some(&f));
    Ok(emas_linkage::explain::explain(&d, &scorer, 0, 1))
}

struct Fetched {
    link_record: i64,
    person: i64,
    values: LinkValues,
}

/// The link records of every person who has a record sharing a key with the batch. A key
/// shared by more records than a block may hold says little (a common name and year) and is
/// left out, as the engine leaves out oversized blocks.
async fn candidates(
    db: &Db,
    keys: &BTreeSet<u64>,
    max_block: usize,
) -> Result<Vec<Fetched>, DbError> {
    let keys: Vec<i64> = keys.iter().map(|&k| k as i64).collect();
    let mut people: BTreeSet<i64> = BTreeSet::new();
    for chunk in keys.chunks(400) {
        let sql = format!(
            "select k.key, lr.person_id from link_key k join link_record lr on lr.id = k.link_record_id \
             where k.key in ({})",
            placeholders(1, chunk.len())
        );
        let rows: Vec<(i64, i64)> = with_db!(db, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for k in chunk {
                q = q.bind(*k);
            }
            q.fetch_all(p).await
        })?;
        let mut by_key: HashMap<i64, Vec<i64>> = HashMap::new();
        for (k, person) in rows {
            by_key.entry(k).or_default().push(person);
        }
        for found in by_key.into_values() {
            if found.len() <= max_block {
                people.extend(found);
            }
        }
    }
    let people: Vec<i64> = people.into_iter().collect();
    let mut out = Vec::new();
    for chunk in people.chunks(400) {
        let sql = format!(
            "select id, person_id, input from link_record where person_id in ({}) order by id",
            placeholders(1, chunk.len())
        );
        let rows: Vec<(i64, i64, String)> = with_db!(db, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(p).await
        })?;
        out.extend(rows.into_iter().map(|(id, person, input)| Fetched {
            link_record: id,
            person,
            values: values_from_json(&input),
        }));
    }
    Ok(out)
}

/// The total of each comparison's counts is kept under the empty value, so that reading the
/// frequencies of a batch never scans the table.
const TOTAL: &str = "";

/// The registry's counts of the values the records of `datasets` hold.
async fn frequencies(db: &Db, datasets: &[&Dataset]) -> Result<Frequencies, DbError> {
    let mut wanted: BTreeSet<(&'static str, String)> = BTreeSet::new();
    for d in datasets {
        for r in &d.recs {
            for (c, v) in term_values(d, r) {
                wanted.insert((c.name(), v.to_owned()));
            }
        }
    }
    let wanted = &wanted;
    let mut f = Frequencies::default();
    let comparisons: BTreeSet<&'static str> = wanted.iter().map(|(c, _)| *c).collect();
    for name in comparisons {
        let Some(comparison) = emas_linkage::compare::Comparison::ALL
            .into_iter()
            .find(|c| c.name() == name)
        else {
            continue;
        };
        let mut values: Vec<&str> = wanted
            .iter()
            .filter(|(c, _)| *c == name)
            .map(|(_, v)| v.as_str())
            .collect();
        values.push(TOTAL);
        for chunk in values.chunks(400) {
            let sql = format!(
                "select value, n from link_frequency where comparison = $1 and value in ({})",
                placeholders(2, chunk.len())
            );
            let rows: Vec<(String, i64)> = with_db!(db, p => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(name);
                for v in chunk {
                    q = q.bind(*v);
                }
                q.fetch_all(p).await
            })?;
            for (value, n) in rows {
                let n = u32::try_from(n.max(0)).unwrap_or(u32::MAX);
                if value == TOTAL {
                    f.totals.insert(comparison, u64::from(n));
                } else {
                    f.counts.insert((comparison, value), n);
                }
            }
        }
    }
    Ok(f)
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A record to keep: the person it belongs to, the source record it came from (none for a
/// person entered by hand) and its engine input.
pub struct NewLinkRecord {
    pub person: i64,
    pub source_record: Option<i64>,
    pub values: LinkValues,
}

/// Keeps records for later batches to be compared with: the records, their blocking keys, and
/// their values' counts. Returns the new link records' ids, in order.
pub async fn keep(
    tx: &mut Tx,
    records: &[NewLinkRecord],
    model: &Model,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, DbError> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let ids = reserve_ids(tx, "link_record", records.len()).await?;
    let mut rows = Vec::with_capacity(records.len() * 5);
    for (&id, r) in ids.iter().zip(records) {
        rows.extend([
            V::I64(Some(id)),
            V::I64(Some(r.person)),
            V::I64(r.source_record),
            V::Text(Some(values_json(&r.values))),
            V::Time(now),
        ]);
    }
    insert_rows(
        tx,
        "link_record (id, person_id, source_record_id, input, created_at)",
        5,
        rows,
        "",
    )
    .await?;
    let d = dataset(records.iter().map(|r| &r.values), today);
    let mut keys = Vec::new();
    for (&id, rec) in ids.iter().zip(&d.recs) {
        for k in model.keys(&d, rec) {
            keys.extend([V::I64(Some(k as i64)), V::I64(Some(id))]);
        }
    }
    insert_rows(tx, "link_key (key, link_record_id)", 2, keys, "").await?;
    count_values(tx, &d, 1).await?;
    Ok(ids)
}

fn dataset<'a>(values: impl Iterator<Item = &'a LinkValues>, today: NaiveDate) -> Dataset {
    let mut d = Dataset::default();
    d.extend(
        values
            .enumerate()
            .map(|(i, v)| Input {
                source: 0,
                id: i.to_string(),
                values: v.clone(),
            })
            .collect(),
        today,
    );
    d
}

/// Adds (`sign` 1) or removes (`sign` -1) the values of a dataset's records to the counts.
async fn count_values(tx: &mut Tx, d: &Dataset, sign: i64) -> Result<(), DbError> {
    let mut counts: BTreeMap<(&'static str, String), i64> = BTreeMap::new();
    for r in &d.recs {
        for (c, v) in term_values(d, r) {
            *counts.entry((c.name(), v.to_owned())).or_insert(0) += sign;
            *counts.entry((c.name(), TOTAL.to_owned())).or_insert(0) += sign;
        }
    }
    let rows: Vec<V> = counts
        .into_iter()
        .flat_map(|((c, v), n)| {
            [
                V::Text(Some(c.to_owned())),
                V::Text(Some(v)),
                V::I64(Some(n)),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "link_frequency (comparison, value, n)",
        3,
        rows,
        " on conflict (comparison, value) do update set n = link_frequency.n + excluded.n",
    )
    .await
}

/// Keeps the record of people entered by hand (or generated), replacing the one they had: a
/// person's own fields are what later lists are compared with.
pub async fn keep_own(
    tx: &mut Tx,
    people: &[(i64, &PersonInput)],
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let model = model_in(tx).await?;
    let today = now.date_naive();
    for chunk in people.chunks(400) {
        let sql = format!(
            "select input from link_record where source_record_id is null and person_id in ({})",
            placeholders(1, chunk.len())
        );
        let old: Vec<(String,)> = with_tx!(tx, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for (id, _) in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(c).await
        })?;
        if !old.is_empty() {
            uncount(tx, &old, today).await?;
            let sql = sql.replacen("select input from", "delete from", 1);
            with_tx!(tx, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for (id, _) in chunk {
                    q = q.bind(*id);
                }
                q.execute(c).await.map(|r| r.rows_affected())
            })?;
        }
    }
    let records: Vec<NewLinkRecord> = people
        .iter()
        .map(|(id, p)| NewLinkRecord {
            person: *id,
            source_record: None,
            values: person_values(p),
        })
        .collect();
    keep(tx, &records, &model, today, now).await?;
    Ok(())
}

/// Forgets the link records of a batch's source records (an import undone): their values leave
/// the counts; the records and keys go with their source records.
pub async fn forget_batch(tx: &mut Tx, batch_id: i64, today: NaiveDate) -> Result<(), DbError> {
    let inputs: Vec<(String,)> = with_tx!(tx, c => sqlx::query_as(
        "select lr.input from link_record lr join source_record sr on sr.id = lr.source_record_id \
         where sr.batch_id = $1")
        .bind(batch_id).fetch_all(c).await)?;
    uncount(tx, &inputs, today).await
}

/// Takes the values of stored engine inputs (as JSON) out of the counts.
async fn uncount(tx: &mut Tx, inputs: &[(String,)], today: NaiveDate) -> Result<(), DbError> {
    let values: Vec<LinkValues> = inputs.iter().map(|(j,)| values_from_json(j)).collect();
    count_values(tx, &dataset(values.iter(), today), -1).await
}

/// Forgets the link records of their own fields of the people `people_sql` selects (its one
/// parameter is `arg`), before those people are removed.
pub async fn forget_own(
    tx: &mut Tx,
    people_sql: &'static str,
    arg: i64,
    today: NaiveDate,
) -> Result<(), DbError> {
    let select = format!(
        "select input from link_record where source_record_id is null and person_id in ({people_sql})"
    );
    let inputs: Vec<(String,)> = with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(select.as_str()))
        .bind(arg).fetch_all(c).await)?;
    if inputs.is_empty() {
        return Ok(());
    }
    uncount(tx, &inputs, today).await?;
    let delete = format!(
        "delete from link_record where source_record_id is null and person_id in ({people_sql})"
    );
    with_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(delete.as_str()))
        .bind(arg).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// One pair for the review queue.
pub struct NewReviewPair {
    pub new_record: i64,
    pub existing_record: i64,
    pub probability: f64,
    pub reason: Reason,
    pub region_code: Option<String>,
    pub batch_id: Option<i64>,
}

pub async fn queue(
    tx: &mut Tx,
    pairs: &[NewReviewPair],
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let rows: Vec<V> = pairs
        .iter()
        .flat_map(|p| {
            [
                V::I64(Some(p.new_record)),
                V::I64(Some(p.existing_record)),
                V::F64(p.probability),
                V::Text(Some(p.reason.as_str().to_owned())),
                V::Text(p.region_code.clone()),
                V::I64(p.batch_id),
                V::Time(now),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "review_pair (new_record, existing_record, probability, reason, region_code, batch_id, created_at)",
        7,
        rows,
        " on conflict (new_record, existing_record) do nothing",
    )
    .await
}
