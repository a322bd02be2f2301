//! The agencies and accounts the stories need to own and do what they write. Only an agency's
//! kind and region and an account's role and scope change what the store allows, so those are
//! all a story names; the rest is filled in alike. And the row count the stories check.

use emas_domain::access::{Role, Scope};
use emas_store::agencies::{AgencyKind, NewAgency, create_agency};
use emas_store::users::{NewUser, create_user};
use emas_store::{Db, Tx, now, with_db};

/// The password of every account made here, for the stories that sign in.
pub const PASSWORD: &str = "rahasia sekali";

/// An agency of `kind` working in `region`. Its code is made of the two, so a story can have
/// several agencies as long as no two share both.
pub async fn agency(tx: &mut Tx, kind: AgencyKind, region: &str) -> i64 {
    let code = format!("{}-{region}", kind.as_str());
    let new = NewAgency {
        code: &code,
        name: &code,
        kind,
        region_code: Some(region),
    };
    create_agency(tx, &new, now()).await.expect("agency")
}

/// An account of `role` in `agency` covering `scope` (`national`, a province or a regency/city
/// code), signing in as `username` with [`PASSWORD`].
pub async fn account(tx: &mut Tx, agency: i64, username: &str, role: Role, scope: &str) -> i64 {
    let new = NewUser {
        username,
        display_name: username,
        password: PASSWORD,
        role,
        scope: Scope::parse(scope).expect("scope"),
        agency_id: agency,
        must_change_password: false,
    };
    create_user(tx, &new, now()).await.expect("account")
}

/// How many rows `table` holds: what a story checks a change wrote, or left alone.
pub async fn count(db: &Db, table: &str) -> i64 {
    let sql = format!("select count(*) from {table}");
    let (n,): (i64,) =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(p).await)
            .expect("count");
    n
}
