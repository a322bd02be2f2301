//! The region table: Kemendagri codes and names, loaded from the reference data embedded in the
//! binary so that foreign keys and filters can use them.

use emas_domain::access::{RegionCode, RegionLevel};
use emas_domain::regions::Regions;

use crate::{Db, DbError, with_db, with_tx};

/// The codes within a region as a half-open range, for an indexed `code >= lo and code < hi`:
/// the region's own code and every code below it ("36.04.05" sorts after "36.04" and, since '.'
/// comes just before '/', before "36.04/"). The empty prefix, the whole country, gives a range
/// holding every code (digits and dots sort below '~').
pub fn code_range(prefix: &str) -> (String, String) {
    if prefix.is_empty() {
        (String::new(), "~".to_owned())
    } else {
        (prefix.to_owned(), format!("{prefix}/"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub level: i32,
    pub parent_code: Option<String>,
}

fn level_number(level: RegionLevel) -> i32 {
    match level {
        RegionLevel::Province => 1,
        RegionLevel::Regency => 2,
        RegionLevel::District => 3,
        RegionLevel::Village => 4,
    }
}

impl Db {
    /// Fills the region table from the embedded reference data, once. Later releases add codes
    /// (regions split) without removing those that people's records may still hold.
    pub async fn load_reference_regions(&self) -> Result<usize, DbError> {
        let have: (i64,) =
            with_db!(self, p => sqlx::query_as("select count(*) from region").fetch_one(p).await)?;
        let all = Regions::reference().all();
        if have.0 as usize >= all.len() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let mut added = 0;
        for chunk in all.chunks(400) {
            let mut sql =
                String::from("insert into region (code, name, level, parent_code) values ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                let b = i * 4;
                sql.push_str(&format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4));
            }
            sql.push_str(" on conflict (code) do nothing");
            let n = with_tx!(&mut tx, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for r in chunk {
                    q = q
                        .bind(r.code.as_str())
                        .bind(r.name.as_str())
                        .bind(level_number(r.code.level()))
                        .bind(r.code.parent().map(String::from));
                }
                q.execute(c).await.map(|r| r.rows_affected())
            })?;
            added += n as usize;
        }
        tx.commit().await?;
        Ok(added)
    }

    pub async fn region(&self, code: &RegionCode) -> Result<Option<RegionRow>, DbError> {
        let sql = "select code, name, level, parent_code from region where code = $1";
        Ok(with_db!(self, p => sqlx::query_as(sql).bind(code.as_str()).fetch_optional(p).await)?)
    }

    /// The regions directly below `parent`, or the provinces when `parent` is `None`.
    pub async fn region_children(
        &self,
        parent: Option<&RegionCode>,
    ) -> Result<Vec<RegionRow>, DbError> {
        let rows = match parent {
            Some(code) => {
                let sql = "select code, name, level, parent_code from region \
                           where parent_code = $1 order by code";
                with_db!(self, p => sqlx::query_as(sql).bind(code.as_str()).fetch_all(p).await)?
            }
            None => {
                let sql = "select code, name, level, parent_code from region \
                           where level = 1 order by code";
                with_db!(self, p => sqlx::query_as(sql).fetch_all(p).await)?
            }
        };
        Ok(rows)
    }
}
