//! Counts kept per area and month for the coordination dashboard and the meeting report
//! (migration 0015, docs/dashboard.md). Each tally has a view, `<tally>_rows`, listing the rows
//! it counts; the database's triggers keep the tally equal to that view grouped by the tally's
//! key as rows are written. This module builds the tallies from the views where the triggers
//! have not seen the rows (a database from before migration 0015), and lets tests check that
//! the triggers keep them equal.

use crate::{Db, DbError, Tx, with_db, with_tx};
use emas_domain::emas_index::IndexConfig;

/// One tally: its table (its view is `<name>_rows`), the columns of its key, and each counted
/// column with the aggregate over the view's rows that gives it.
struct Tally {
    name: &'static str,
    key: &'static str,
    counted: &'static [Counted],
}

struct Counted {
    column: &'static str,
    aggregate: &'static str,
    /// Sums of scores are floating point: compared to six places.
    float: bool,
}

const fn count(column: &'static str, aggregate: &'static str) -> Counted {
    Counted {
        column,
        aggregate,
        float: false,
    }
}

const fn sum(column: &'static str, aggregate: &'static str) -> Counted {
    Counted {
        column,
        aggregate,
        float: true,
    }
}

const N: &[Counted] = &[count("n", "count(*)")];

const TALLIES: &[Tally] = &[
    Tally {
        name: "tally_person",
        key: "area, sex, status",
        counted: N,
    },
    Tally {
        name: "tally_country",
        key: "area, country",
        counted: N,
    },
    Tally {
        name: "tally_return",
        key: "area, month",
        counted: N,
    },
    Tally {
        name: "tally_funnel",
        key: "area, month, stage, furthest",
        counted: N,
    },
    Tally {
        name: "tally_cohort",
        key: "area, month, cohort_id",
        counted: N,
    },
    Tally {
        name: "tally_business",
        key: "area, month",
        counted: N,
    },
    Tally {
        name: "tally_capital",
        key: "area, month",
        counted: &[
            count("n", "count(*)"),
            count("amount", "coalesce(sum(amount), 0)"),
        ],
    },
    Tally {
        name: "tally_survey",
        key: "area, month, wave, config_version",
        counted: &[
            count("n", "count(*)"),
            count("reaching", "sum(reaches)"),
            sum("e_sum", "coalesce(sum(e), 0)"),
            count("e_n", "count(e)"),
            count("e_ok", "sum(e_ok)"),
            sum("m_sum", "coalesce(sum(m), 0)"),
            count("m_n", "count(m)"),
            count("m_ok", "sum(m_ok)"),
            sum("a_sum", "coalesce(sum(a), 0)"),
            count("a_n", "count(a)"),
            count("a_ok", "sum(a_ok)"),
            sum("s_sum", "coalesce(sum(s), 0)"),
            count("s_n", "count(s)"),
            count("s_ok", "sum(s_ok)"),
        ],
    },
];

impl Tally {
    fn columns(&self) -> String {
        let counted: Vec<&str> = self.counted.iter().map(|c| c.column).collect();
        format!("{}, {}", self.key, counted.join(", "))
    }

    /// The tally as its view says it should be: `select key, counts … group by key`.
    fn viewed(&self, round: bool) -> String {
        let counted: Vec<String> = self
            .counted
            .iter()
            .map(|c| rounded(c.aggregate, round && c.float))
            .collect();
        format!(
            "select {}, {} from {}_rows group by {}",
            self.key,
            counted.join(", "),
            self.name,
            self.key
        )
    }

    /// The tally as kept, without the keys whose counts all went back to zero (a sum of scores
    /// may keep a rounding residue).
    fn kept(&self) -> String {
        let counted: Vec<String> = self
            .counted
            .iter()
            .map(|c| rounded(c.column, c.float))
            .collect();
        let nonzero: Vec<String> = self
            .counted
            .iter()
            .filter(|c| !c.float)
            .map(|c| format!("{} <> 0", c.column))
            .collect();
        format!(
            "select {}, {} from {} where {}",
            self.key,
            counted.join(", "),
            self.name,
            nonzero.join(" or ")
        )
    }
}

fn rounded(expr: &str, round: bool) -> String {
    if round {
        format!("round(cast({expr} as numeric), 6)")
    } else {
        expr.to_owned()
    }
}

/// Gives every index configuration its threshold (read from its body), and builds the tallies
/// from their views unless that was done: on a database migrated to 0015 with rows in it, the
/// triggers did not see those rows. Runs at every start; after the first it reads two rows.
pub async fn ensure_built(db: &Db) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    // Taking the state row's lock first makes a second process starting at the same moment wait
    // and then find the tallies built (SQLite's write transaction serialises them already).
    with_tx!(&mut tx, c => sqlx::query("update tally_state set built = built").execute(c).await.map(|_| ()))?;
    let unset: Vec<(i64, String)> = with_tx!(&mut tx, c => sqlx::query_as(
        "select id, body from index_config where threshold is null")
        .fetch_all(c).await)?;
    for (id, body) in &unset {
        let threshold = IndexConfig::parse(body)
            .map_err(|e| DbError::Config(format!("index configuration {id}: {e}")))?
            .threshold;
        with_tx!(&mut tx, c => sqlx::query("update index_config set threshold = $1 where id = $2")
            .bind(threshold).bind(id).execute(c).await.map(|_| ()))?;
    }
    let (built,): (i64,) = with_tx!(&mut tx, c => sqlx::query_as(
        "select cast(built as bigint) from tally_state").fetch_one(c).await)?;
    if built == 0 || !unset.is_empty() {
        rebuild(&mut tx).await?;
    }
    tx.commit().await
}

/// Empties every tally and fills it again from its view.
pub async fn rebuild(tx: &mut Tx) -> Result<(), DbError> {
    for t in TALLIES {
        let empty = format!("delete from {}", t.name);
        with_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(empty.as_str())).execute(c).await.map(|_| ()))?;
        let fill = format!(
            "insert into {} ({}) {}",
            t.name,
            t.columns(),
            t.viewed(false)
        );
        with_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(fill.as_str())).execute(c).await.map(|_| ()))?;
    }
    with_tx!(tx, c => sqlx::query("update tally_state set built = 1").execute(c).await.map(|_| ()))?;
    Ok(())
}

impl Db {
    /// The tallies whose kept counts differ from their views (none when the triggers did their
    /// work), each with how many keys differ.
    pub async fn tally_differences(&self) -> Result<Vec<(String, i64)>, DbError> {
        let mut differences = Vec::new();
        for t in TALLIES {
            let (kept, view) = (t.kept(), t.viewed(true));
            let sql = format!(
                "select (select count(*) from ({kept} except {view}) a) \
                 + (select count(*) from ({view} except {kept}) b)"
            );
            let (n,): (i64,) = with_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(p).await)?;
            if n != 0 {
                differences.push((t.name.to_owned(), n));
            }
        }
        Ok(differences)
    }
}
