//! `emas bench dashboard`: how fast the coordination dashboard answers on a large registry. It
//! loads N synthetic returnees (as `bench search` does), gives them six years of programme
//! history (programmes of the province and of each regency, cohorts, enrolments with their stages
//! and stage history, businesses and capital) and M survey responses with their EMAS scores, all
//! in large transactions of multi-row inserts; then times, over many runs, exactly the database
//! work of the dashboard page (`emas_web::dashboard_figures`) for the province, a large regency,
//! a city and a district, against a baseline measured in the same run (counting the registry's
//! people), and prints medians, 95th percentiles and ratios.
//!
//! Survey answers are not generated: the dashboard reads only the stored scores.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use clap::Args;
use emas_domain::access::{Role, Scope};
use emas_domain::emas_index::IndexConfig;
use emas_domain::survey::Instrument;
use emas_store::agencies::{AgencyKind, NewAgency};
use emas_store::outcomes::Window;
use emas_store::users::NewUser;
use emas_store::{Db, Tx, with_db, with_tx};
use emas_synth::SynthRng;
use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::bench::{load_people, median, ms, p95, ratio};

#[derive(Args, Debug)]
pub struct DashboardArgs {
    /// How many people the registry holds.
    #[arg(long, default_value_t = 1_000_000)]
    people: usize,
    /// Survey responses to generate. Without it, 15 % of people are enrolled and take the surveys
    /// that have fallen due; with it, more people (and some in a second track) are enrolled until
    /// this many responses exist (an enrolment has at most four: baseline, 6, 12 and 24 months).
    #[arg(long)]
    responses: Option<usize>,
    /// Folder for the benchmark's SQLite database (never the EMAS_DATA_DIR of a real
    /// installation). A database an earlier run filled there with the same figures is reused;
    /// without this option (and without --database-url) a temporary folder is used and removed.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// A PostgreSQL (or SQLite) database URL to fill and measure instead; it must be empty or
    /// filled by an earlier run with the same figures.
    #[arg(long)]
    database_url: Option<String>,
    /// Seed of the people and of their history.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Times each case is run (after one warm-up run).
    #[arg(long, default_value_t = 20)]
    runs: usize,
}

/// Share of the registry enrolled when --responses is not given.
const ENROLLED_PERCENT: usize = 15;
/// Enrolments written per transaction (with their stage changes, businesses, surveys, scores).
const CHUNK: usize = 20_000;
/// Years of programme history before today.
const HISTORY_YEARS: u64 = 6;

pub async fn run(args: DashboardArgs) -> anyhow::Result<()> {
    if args.people == 0 || args.runs == 0 {
        bail!("--people and --runs must be at least 1");
    }
    if let Some(url) = &args.database_url {
        let db = Db::connect(url)
            .await
            .context("cannot open the database named by --database-url")?;
        let outcome = bench(&db, &args).await;
        db.close().await;
        return outcome;
    }
    let (dir, temporary) = match &args.data_dir {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("emas-bench-dashboard-{}", std::process::id())),
            true,
        ),
    };
    let outcome = open_and_bench(&dir, &args).await;
    if temporary && let Err(e) = std::fs::remove_dir_all(&dir) {
        eprintln!("could not remove {}: {e}", dir.display());
    }
    outcome
}

async fn open_and_bench(dir: &Path, args: &DashboardArgs) -> anyhow::Result<()> {
    let db = Db::open_data_dir(dir)
        .await
        .with_context(|| format!("cannot open a database in {}", dir.display()))?;
    let outcome = bench(&db, args).await;
    db.close().await;
    outcome
}

async fn bench(db: &Db, args: &DashboardArgs) -> anyhow::Result<()> {
    let today = Utc::now().date_naive();
    let (people, responses) = fill(db, args, today).await?;
    let report = measure(db, today, args.runs).await?;
    println!(
        "\nDashboard work (outcomes + EMAS by wave) and the meeting report, period {} to {}, {people} people, {responses} survey responses; each case run {} times after a warm-up.\n",
        report.window.from(),
        report.window.to(),
        args.runs
    );
    println!(
        "{:<40} {:>6} {:>11} {:>9} {:>9} {:>10}",
        "case", "runs", "median ms", "p95 ms", "x base", "people/B"
    );
    for c in &report.cases {
        println!(
            "{:<40} {:>6} {:>11.2} {:>9.2} {:>9.1} {:>10}",
            c.label,
            c.times.len(),
            ms(median(&c.times)),
            ms(p95(&c.times)),
            ratio(median(&c.times), report.baseline()),
            c.people
        );
    }
    for (work, target, what) in [
        (
            Work::Dashboard(String::new()),
            Duration::from_millis(300),
            "300 ms per dashboard",
        ),
        (
            Work::Report(String::new()),
            Duration::from_secs(10),
            "10 s per report",
        ),
    ] {
        let worst = report
            .cases
            .iter()
            .filter(|c| std::mem::discriminant(&c.work) == std::mem::discriminant(&work))
            .map(|c| (median(&c.times), c.label.clone()))
            .max();
        if let Some((m, label)) = worst {
            let verdict = if m < target { "meets" } else { "misses" };
            println!(
                "Target: median under {what}. Slowest: {label} at {:.2} ms: {verdict} the target.",
                ms(m)
            );
        }
    }
    Ok(())
}

/// Fills an empty database, or checks that it holds what an earlier run with these arguments
/// made. Returns the people and survey responses it holds.
async fn fill(db: &Db, args: &DashboardArgs, today: NaiveDate) -> anyhow::Result<(i64, i64)> {
    db.load_reference_regions().await?;
    let n = i64::try_from(args.people).context("--people is too large")?;
    let present = db.person_count().await?;
    if present == 0 {
        load_people(db, args.people, args.seed, false).await?;
        let started = Instant::now();
        let made = history(db, args, today).await?;
        println!(
            "Generated {} enrolments, {} stage changes, {} businesses, {} capital, {} survey responses with scores in {:.1} s.",
            made.enrolments,
            made.stage_changes,
            made.businesses,
            made.capital,
            made.responses,
            started.elapsed().as_secs_f64()
        );
        analyze(db).await?;
    } else if present == n {
        println!("Reusing the {present} people already there.");
    } else {
        bail!("the database holds {present} people, not {n}: give an empty one");
    }
    let (r,): (i64,) = with_db!(db, p => sqlx::query_as("select count(*) from survey_response")
        .fetch_one(p).await)?;
    if let Some(want) = args.responses
        && (r as usize) < want
    {
        bail!("the database holds {r} survey responses, fewer than --responses {want}");
    }
    Ok((n, r))
}

/// Fresh statistics for the query planners after the bulk load, as a server would have them.
async fn analyze(db: &Db) -> anyhow::Result<()> {
    with_db!(db, p => sqlx::query("analyze").execute(p).await.map(|_| ()))?;
    Ok(())
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Made {
    pub enrolments: usize,
    pub stage_changes: usize,
    pub businesses: usize,
    pub capital: usize,
    pub responses: usize,
}

/// A value of a generated row, bound as the application binds it, so that stored dates and
/// times compare as the application's own.
enum V {
    I(i64),
    S(String),
    St(&'static str),
    F(Option<f64>),
    B(bool),
    D(NaiveDate),
    T(DateTime<Utc>),
}

/// Inserts `rows` into `table` with multi-row statements, each under both databases' limits on
/// bound values.
async fn insert(tx: &mut Tx, table: &str, cols: &[&str], rows: &[Vec<V>]) -> anyhow::Result<()> {
    // A few hundred rows a statement: sqlx binds SQLite parameters in time that grows faster
    // than their number, so very long statements are slower, not faster.
    let per = 2_000 / cols.len();
    for chunk in rows.chunks(per) {
        let mut sql = format!("insert into {table} ({}) values ", cols.join(", "));
        let mut k = 0;
        for (i, row) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for j in 0..row.len() {
                k += 1;
                let _ = write!(sql, "{}${k}", if j == 0 { "" } else { ", " });
            }
            sql.push(')');
        }
        with_tx!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for v in chunk.iter().flatten() {
                q = match v {
                    V::I(x) => q.bind(*x),
                    V::S(x) => q.bind(x.as_str()),
                    V::St(x) => q.bind(*x),
                    V::F(x) => q.bind(*x),
                    V::B(x) => q.bind(*x),
                    V::D(x) => q.bind(*x),
                    V::T(x) => q.bind(*x),
                };
            }
            q.execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

fn at(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(9, 0, 0).expect("9 o'clock exists").and_utc()
}

fn plus(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_add_days(Days::new(days)).unwrap_or(d)
}

/// The programme (regency code, or "36" for the province's) and its two tracks' cohorts by
/// half-year.
struct Programmes {
    /// (programme region, track kind index) → track id.
    tracks: HashMap<(String, usize), i64>,
    /// (track id, half-year index) → (cohort id).
    cohorts: HashMap<(i64, i64), i64>,
}

const KINDS: [&str; 2] = ["economic", "social"];

async fn programmes(
    tx: &mut Tx,
    agency: i64,
    user: i64,
    first: NaiveDate,
    halves: i64,
    regions: &[String],
) -> anyhow::Result<Programmes> {
    let now = emas_store::now();
    let mut p = Programmes {
        tracks: HashMap::new(),
        cohorts: HashMap::new(),
    };
    for region in regions {
        let (programme,): (i64,) = with_tx!(tx, c => sqlx::query_as(
            "insert into programme (name, owner_agency_id, region_code, starts_on, ends_on, \
             created_by, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7) returning id")
            .bind(format!("Bench EMAS {region}")).bind(agency).bind(region.as_str())
            .bind(first).bind(plus(first, 365 * 10)).bind(user).bind(now)
            .fetch_one(c).await)?;
        for (k, kind) in KINDS.iter().enumerate() {
            let (track,): (i64,) = with_tx!(tx, c => sqlx::query_as(
                "insert into track (programme_id, kind, name, created_at) values ($1, $2, $3, $4) \
                 returning id")
                .bind(programme).bind(*kind).bind(format!("{kind} {region}")).bind(now)
                .fetch_one(c).await)?;
            p.tracks.insert((region.clone(), k), track);
            for h in 0..halves {
                let starts = plus(first, (h as u64) * 182);
                let (cohort,): (i64,) = with_tx!(tx, c => sqlx::query_as(
                    "insert into cohort (track_id, name, capacity, starts_on, ends_on, created_at) \
                     values ($1, $2, $3, $4, $5, $6) returning id")
                    .bind(track)
                    .bind(format!("{region} {kind} {}-{}", starts.year(), h % 2 + 1))
                    .bind(100_000).bind(starts).bind(plus(starts, 90)).bind(now)
                    .fetch_one(c).await)?;
                p.cohorts.insert((track, h), cohort);
            }
        }
    }
    Ok(p)
}

/// The next free id of a table (the generator writes ids itself, so children can name them).
async fn next_id(tx: &mut Tx, table: &str) -> anyhow::Result<i64> {
    let sql = format!("select cast(coalesce(max(id), 0) as bigint) from {table}");
    let (max,): (i64,) =
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(c).await)?;
    Ok(max + 1)
}

/// Generates the programme history of the people already in `db`.
pub async fn history(db: &Db, args: &DashboardArgs, today: NaiveDate) -> anyhow::Result<Made> {
    let mut rng = SynthRng::seed_from_u64(args.seed ^ 0xDA5B_0A2D);
    let now = emas_store::now();
    let first = today
        .checked_sub_days(Days::new(365 * HISTORY_YEARS))
        .context("today is far from the start of time")?;
    let span = (today - first).num_days() as u64;
    let halves = (span / 182 + 1) as i64;

    let mut tx = db.begin().await?;
    emas_store::surveys::ensure_shipped(&mut tx, now).await?;
    let agency = emas_store::agencies::create_agency(
        &mut tx,
        &NewAgency {
            code: "BENCH-DASH",
            name: "Bench dashboard",
            kind: AgencyKind::Operator,
            region_code: None,
        },
        now,
    )
    .await?;
    let user = emas_store::users::create_user(
        &mut tx,
        &NewUser {
            username: "bench-dashboard",
            display_name: "Bench dashboard",
            password: "bench dashboard unused password 7",
            role: Role::ProgrammeOfficer,
            scope: Scope::parse("36").context("36 is Banten")?,
            agency_id: agency,
            must_change_password: false,
        },
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut regions: Vec<String> = with_tx!(&mut tx, c => sqlx::query_as::<_, (String,)>(
        "select code from region where length(code) = 5 and code like '36.%' order by code")
        .fetch_all(c).await)?
    .into_iter()
    .map(|(c,)| c)
    .collect();
    regions.push("36".to_owned());
    let programmes = programmes(&mut tx, agency, user, first, halves, &regions).await?;
    let mut ids = [
        next_id(&mut tx, "enrolment").await?,
        next_id(&mut tx, "business").await?,
        next_id(&mut tx, "survey_response").await?,
    ];
    tx.commit().await?;

    let instrument = Instrument::default_v1().id.clone();
    let config = IndexConfig::default_v1();
    let people: Vec<(i64, String)> = with_db!(db, p => sqlx::query_as(
        "select id, region_code from person where merged_into is null and region_code like '36.%' order by id")
        .fetch_all(p).await)?;
    if people.is_empty() {
        bail!("the registry holds no one living in Banten");
    }
    let min_enrolments = people.len() * ENROLLED_PERCENT / 100;
    let want_responses = args.responses.unwrap_or(0);
    let bar = match args.responses {
        Some(m) => ProgressBar::new(m as u64).with_style(ProgressStyle::with_template(
            "{bar:40} {pos}/{len} survey responses {elapsed}",
        )?),
        None => ProgressBar::new(min_enrolments as u64).with_style(ProgressStyle::with_template(
            "{bar:40} {pos}/{len} enrolments {elapsed}",
        )?),
    };

    let mut made = Made::default();
    // Pass k enrols people in the k-th track open to them: their regency's economic and social
    // tracks, then the province's; each pass visits everyone in a new random order, so nobody is
    // enrolled twice in one track.
    let tracks_of = |region: &str, pass: usize| {
        let programme = if pass < 2 {
            region.get(..5).unwrap_or("36").to_owned()
        } else {
            "36".to_owned()
        };
        programmes.tracks.get(&(programme, pass % 2)).copied()
    };
    let mut order: Vec<usize> = (0..people.len()).collect();
    'passes: for pass in 0..4 {
        order.shuffle(&mut rng);
        for block in order.chunks(CHUNK) {
            if made.enrolments >= min_enrolments && made.responses >= want_responses {
                break 'passes;
            }
            let mut rows = Rows::default();
            for &i in block {
                let (person, region) = &people[i];
                let Some(track) = tracks_of(region, pass) else {
                    continue;
                };
                let enrolled = plus(first, rng.random_range(0..span));
                let half = (enrolled - first).num_days() / 182;
                let cohort = programmes.cohorts[&(track, half)];
                rows.enrolment(
                    &mut rng,
                    &mut ids,
                    Enrolment {
                        person: *person,
                        cohort,
                        track,
                        enrolled,
                    },
                    today,
                    user,
                    &instrument,
                    &config,
                );
            }
            let mut tx = db.begin().await?;
            rows.write(&mut tx).await?;
            tx.commit().await?;
            made.enrolments += rows.enrolment.len();
            made.stage_changes += rows.stage_change.len();
            made.businesses += rows.business.len();
            made.capital += rows.capital.len();
            made.responses += rows.response.len();
            bar.set_position(if args.responses.is_some() {
                made.responses as u64
            } else {
                made.enrolments as u64
            });
        }
    }
    bar.finish();
    if made.responses < want_responses {
        bail!(
            "{} people cannot hold {want_responses} survey responses (an enrolment has four at most, a person four tracks): at most {} were made",
            people.len(),
            made.responses
        );
    }
    if let Pool::Postgres(_) = db.pool() {
        // Ids written by hand leave PostgreSQL's identity sequences behind; move them on so that
        // the application can add rows to this database.
        for table in ["enrolment", "business", "survey_response"] {
            let sql = format!(
                "select setval(pg_get_serial_sequence('{table}', 'id'), (select max(id) from {table}))"
            );
            with_db!(db, p => sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).execute(p).await.map(|_| ()))?;
        }
    }
    Ok(made)
}

use emas_store::Pool;

struct Enrolment {
    person: i64,
    cohort: i64,
    track: i64,
    enrolled: NaiveDate,
}

#[derive(Default)]
struct Rows {
    enrolment: Vec<Vec<V>>,
    stage_change: Vec<Vec<V>>,
    business: Vec<Vec<V>>,
    capital: Vec<Vec<V>>,
    response: Vec<Vec<V>>,
    score: Vec<Vec<V>>,
}

const STAGES: [&str; 8] = [
    "registered",
    "assessed",
    "trained",
    "business_plan",
    "mentored",
    "business_registered",
    "financed",
    "operating",
];
/// How far participants get, in percent per furthest stage (before the time they have had).
const REACH: [u32; 8] = [10, 10, 20, 15, 10, 10, 10, 15];
/// Waves, months after enrolment, the share (percent) of participants who take each, and the
/// mean score of each dimension at that wave (participants improve over time).
const WAVES: [(&str, u64, u32, f64); 4] = [
    ("baseline", 0, 100, 0.45),
    ("m6", 6, 90, 0.52),
    ("m12", 12, 80, 0.58),
    ("m24", 24, 70, 0.63),
];

impl Rows {
    #[allow(clippy::too_many_arguments)]
    fn enrolment(
        &mut self,
        rng: &mut SynthRng,
        ids: &mut [i64; 3],
        e: Enrolment,
        today: NaiveDate,
        user: i64,
        instrument: &str,
        config: &IndexConfig,
    ) {
        let id = ids[0];
        ids[0] += 1;
        let days = (today - e.enrolled).num_days().max(0) as u64;
        // A stage takes about two months: a participant enrolled recently is not far yet.
        let mut roll = rng.random_range(0..100u32);
        let mut reach = 0;
        for (k, share) in REACH.iter().enumerate() {
            if roll < *share {
                reach = k;
                break;
            }
            roll -= share;
        }
        let reach = reach.min((days / 60) as usize);
        let step = (days / (reach as u64 + 2)).max(1);
        let mut when = e.enrolled;
        for k in 1..=reach {
            when = plus(when, rng.random_range(step / 2..=step));
            self.stage_change.push(vec![
                V::I(id),
                V::St(STAGES[k - 1]),
                V::St(STAGES[k]),
                V::I(user),
                V::T(at(when)),
            ]);
        }
        let mut stage = STAGES[reach];
        let leaving = rng.random_range(0..100u32);
        if reach < 7 && leaving < 11 && when < today {
            stage = if leaving < 8 {
                "dropped_out"
            } else {
                "departed_again"
            };
            when = plus(
                when,
                rng.random_range(0..=step.min((today - when).num_days() as u64)),
            );
            self.stage_change.push(vec![
                V::I(id),
                V::St(STAGES[reach]),
                V::St(stage),
                V::I(user),
                V::T(at(when)),
            ]);
        }
        self.enrolment.push(vec![
            V::I(id),
            V::I(e.cohort),
            V::I(e.person),
            V::I(e.track),
            V::St(stage),
            V::T(at(when)),
            V::I(user),
            V::T(at(e.enrolled)),
            V::I(reach as i64),
        ]);
        if reach >= 5 {
            let business = ids[1];
            ids[1] += 1;
            let started = plus(e.enrolled, days * 2 / 3);
            self.business.push(vec![
                V::I(business),
                V::I(id),
                V::S(format!("Usaha {business}")),
                V::St("10792"),
                V::D(started),
                V::I(user),
                V::T(at(started)),
                V::T(at(started)),
            ]);
            if reach >= 6 {
                let received = plus(
                    started,
                    rng.random_range(0..=(today - started).num_days() as u64),
                );
                self.capital.push(vec![
                    V::I(business),
                    V::St("kur"),
                    V::I(rng.random_range(20..=500) * 100_000),
                    V::D(received),
                    V::St("current"),
                    V::I(user),
                    V::T(at(received)),
                ]);
            }
        }
        for (wave, months, share, mean) in WAVES {
            let taken = plus(e.enrolled, months * 365 / 12 + rng.random_range(0..21));
            if taken > today || rng.random_range(0..100u32) >= share {
                continue;
            }
            let response = ids[2];
            ids[2] += 1;
            self.response.push(vec![
                V::I(response),
                V::I(id),
                V::St(wave),
                V::D(taken),
                V::I(user),
                V::B(false),
                V::S(instrument.to_owned()),
                V::T(at(taken)),
            ]);
            let mut dims = [None; 4];
            for d in &mut dims {
                // One dimension in twenty lacks the answers it needs.
                if rng.random_range(0..20u32) != 0 {
                    *d = Some((mean + rng.random_range(-0.35..0.35f64)).clamp(0.0, 1.0));
                }
            }
            let reaches = dims
                .iter()
                .all(|d| d.is_some_and(|s| s >= config.threshold));
            let mut row = vec![
                V::I(response),
                V::S(config.version.clone()),
                V::S(instrument.to_owned()),
            ];
            row.extend(dims.iter().map(|d| V::F(*d)));
            row.extend([V::B(reaches), V::T(at(taken))]);
            self.score.push(row);
        }
    }

    async fn write(&self, tx: &mut Tx) -> anyhow::Result<()> {
        insert(
            tx,
            "enrolment",
            &[
                "id",
                "cohort_id",
                "person_id",
                "track_id",
                "stage",
                "stage_since",
                "enrolled_by",
                "enrolled_at",
                "furthest",
            ],
            &self.enrolment,
        )
        .await?;
        insert(
            tx,
            "stage_change",
            &[
                "enrolment_id",
                "from_stage",
                "to_stage",
                "changed_by",
                "changed_at",
            ],
            &self.stage_change,
        )
        .await?;
        insert(
            tx,
            "business",
            &[
                "id",
                "enrolment_id",
                "name",
                "kbli_code",
                "started_on",
                "created_by",
                "created_at",
                "updated_at",
            ],
            &self.business,
        )
        .await?;
        insert(
            tx,
            "capital",
            &[
                "business_id",
                "source",
                "amount",
                "received_on",
                "repayment_status",
                "recorded_by",
                "recorded_at",
            ],
            &self.capital,
        )
        .await?;
        insert(
            tx,
            "survey_response",
            &[
                "id",
                "enrolment_id",
                "wave",
                "taken_on",
                "taken_by",
                "self_reported",
                "instrument_id",
                "recorded_at",
            ],
            &self.response,
        )
        .await?;
        insert(
            tx,
            "emas_score",
            &[
                "response_id",
                "config_version",
                "instrument_id",
                "ekonomi",
                "mandiri",
                "aman",
                "sejahtera",
                "reaches",
                "scored_at",
            ],
            &self.score,
        )
        .await?;
        Ok(())
    }
}

/// What a case times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    /// The dashboard page's database work for a region.
    Dashboard(String),
    /// The meeting report of a region, built and rendered as PDF.
    Report(String),
    /// The list of surveys due in a region, as the officers' page asks for it.
    DueList(String),
    /// Counting the registry's people.
    Baseline,
}

/// One timed case.
pub struct Case {
    pub label: String,
    pub work: Work,
    /// People the dashboard counted (the report: its size in bytes; the due list: the surveys
    /// due; the baseline: the registry).
    pub people: i64,
    pub times: Vec<Duration>,
}

pub struct Report {
    pub window: Window,
    pub cases: Vec<Case>,
}

impl Report {
    fn baseline(&self) -> Duration {
        self.cases
            .iter()
            .find(|c| c.work == Work::Baseline)
            .map(|c| median(&c.times))
            .unwrap_or_default()
    }
}

/// The regions timed: Banten, its most populous regency and its most populous city.
async fn regions(db: &Db) -> anyhow::Result<Vec<(String, String)>> {
    let areas: Vec<(String, i64)> = with_db!(db, p => sqlx::query_as(
        "select substr(region_code, 1, 5), count(*) from person \
         where region_code >= '36' and region_code < '36/' and length(region_code) >= 5 \
         group by 1 order by 2 desc, 1")
        .fetch_all(p).await)?;
    let regency = areas
        .iter()
        .find(|(c, _)| c.as_bytes().get(3).is_some_and(|b| *b != b'7'))
        .context("no regency has people")?
        .0
        .clone();
    let city = areas
        .iter()
        .find(|(c, _)| c.as_bytes().get(3) == Some(&b'7'))
        .context("no city has people")?
        .0
        .clone();
    Ok(vec![
        ("province 36 (Banten)".to_owned(), "36".to_owned()),
        (format!("regency {regency}"), regency),
        (format!("city {city}"), city),
    ])
}

/// Times the dashboard's work for each region, the province's meeting report and the baseline,
/// `runs` times each after a warm-up, interleaved so that a noisy neighbour slows every case
/// alike. The period is the dashboard's default: the last 24 months.
pub async fn measure(db: &Db, today: NaiveDate, runs: usize) -> anyhow::Result<Report> {
    let from = today.checked_sub_months(Months::new(23)).unwrap_or(today);
    let window = Window::new(None, from, today);
    let mut cases: Vec<Case> = Vec::new();
    for (label, region) in regions(db).await? {
        if region == "36" {
            cases.push(Case {
                label: "meeting report 36, PDF".to_owned(),
                work: Work::Report(region.clone()),
                people: 0,
                times: Vec::new(),
            });
        }
        cases.push(Case {
            label: format!("surveys due {label}"),
            work: Work::DueList(region.clone()),
            people: 0,
            times: Vec::new(),
        });
        cases.push(Case {
            label: format!("dashboard {label}"),
            work: Work::Dashboard(region),
            people: 0,
            times: Vec::new(),
        });
    }
    cases.push(Case {
        label: "baseline: count the registry's people".to_owned(),
        work: Work::Baseline,
        people: 0,
        times: Vec::new(),
    });
    let (first, last) = (
        window.from().format("%Y-%m").to_string(),
        window.to().format("%Y-%m").to_string(),
    );
    for round in 0..=runs {
        for case in &mut cases {
            let started = Instant::now();
            let people = match &case.work {
                Work::Baseline => db.person_count().await?,
                Work::Dashboard(region) => {
                    let window = Window::new(Some(region.clone()), window.from(), window.to());
                    let (outcomes, _) = emas_web::dashboard_figures(db, &window)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                    outcomes.people
                }
                Work::DueList(region) => {
                    let scope = Scope::parse(region)?;
                    let due = db.due_surveys(&scope, today, emas_web::DUE_ROWS).await?;
                    due.total as i64
                }
                Work::Report(region) => {
                    let r = emas_web::report::meeting(
                        db,
                        emas_web::i18n::Lang::Id,
                        &Scope::National,
                        region,
                        &first,
                        &last,
                        today,
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                    let pdf = emas_web::report::pdf::render(&r)
                        .map_err(|e| anyhow::anyhow!("PDF: {e}"))?;
                    pdf.len() as i64
                }
            };
            // Round 0 is the warm-up.
            if round > 0 {
                case.times.push(started.elapsed());
            }
            case.people = people;
        }
    }
    Ok(Report { window, cases })
}

#[cfg(test)]
mod tests {
    use super::*;
    use emas_store::testing::test_databases;

    fn args(people: usize, responses: Option<usize>) -> DashboardArgs {
        DashboardArgs {
            people,
            responses,
            data_dir: None,
            database_url: None,
            seed: 7,
            runs: 2,
        }
    }

    async fn count(db: &Db, sql: &str, from: NaiveDate, to: NaiveDate) -> i64 {
        let (n,): (i64,) = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(from).bind(to).fetch_one(p).await)
        .expect("a count");
        n
    }

    /// The generator makes what it was asked for, and the timed dashboard counts it: the
    /// province's people are the registry, its areas add up, and its surveys and participants of
    /// the period are those the database holds.
    #[tokio::test]
    async fn generated_history_is_what_the_dashboard_counts() {
        for db in test_databases().await {
            let today = Utc::now().date_naive();
            let a = args(2_000, Some(8_000));
            let (people, responses) = fill(&db, &a, today).await.expect("filled");
            assert_eq!(people, 2_000);
            assert!(responses >= 8_000, "{responses} responses");
            let report = measure(&db, today, 2).await.expect("measured");
            let labels: Vec<&str> = report.cases.iter().map(|c| c.label.as_str()).collect();
            assert_eq!(labels.len(), 8, "{labels:?}");
            assert!(report.cases.iter().all(|c| c.times.len() == 2));
            let counted = |work: &Work| {
                report
                    .cases
                    .iter()
                    .find(|c| &c.work == work)
                    .map(|c| c.people)
                    .expect("the case")
            };
            assert_eq!(counted(&Work::Dashboard("36".into())), 2_000);
            assert_eq!(counted(&Work::Baseline), 2_000);
            assert!(counted(&Work::Report("36".into())) > 10_000, "a PDF");
            assert!(report.cases.iter().all(|c| match &c.work {
                Work::Dashboard(r) if r != "36" => c.people > 0 && c.people < 2_000,
                _ => true,
            }));
            // The due list counts what the store lists for the province.
            let due = db
                .due_surveys(&Scope::parse("36").expect("36"), today, usize::MAX)
                .await
                .expect("due");
            assert_eq!(
                counted(&Work::DueList("36".into())),
                due.surveys.len() as i64
            );

            let (from, to) = (report.window.from(), report.window.to());
            let window = Window::new(Some("36".into()), from, to);
            let (o, s) = emas_web::dashboard_figures(&db, &window)
                .await
                .expect("the dashboard's figures");
            assert_eq!(o.areas.iter().map(|a| a.people).sum::<i64>(), 2_000);
            let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
            let (enrolled,): (i64,) = with_db!(db, p => sqlx::query_as(
                "select count(*) from enrolment where enrolled_at >= $1 and enrolled_at < $2")
                .bind(midnight(from)).bind(midnight(plus(to, 1))).fetch_one(p).await)
            .expect("a count");
            assert!(enrolled > 0);
            assert_eq!(o.funnel.total, enrolled);
            assert_eq!(
                o.areas.iter().map(|a| a.participants).sum::<i64>(),
                enrolled
            );
            let surveyed = count(
                &db,
                "select count(*) from survey_response where taken_on >= $1 and taken_on <= $2",
                from,
                to,
            )
            .await;
            assert!(surveyed > 0);
            assert_eq!(s.waves.iter().map(|w| w.surveys).sum::<i64>(), surveyed);
            assert!(o.businesses > 0 && o.capital_count > 0);
            assert_eq!(db.tally_differences().await.expect("compared"), vec![]);

            // A second run on the same database reuses it rather than adding to it.
            let (again, responses_again) = fill(&db, &a, today).await.expect("reused");
            assert_eq!((again, responses_again), (people, responses));
        }
    }

    #[tokio::test]
    async fn too_many_responses_for_the_people_are_refused() {
        for db in test_databases().await {
            let today = Utc::now().date_naive();
            let err = fill(&db, &args(50, Some(5_000)), today)
                .await
                .expect_err("50 people cannot hold 5,000 surveys");
            assert!(err.to_string().contains("cannot hold"), "{err}");
        }
    }
}
