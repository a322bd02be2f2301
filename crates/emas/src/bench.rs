//! `emas bench search`: how fast the registry search answers a registrar on a large SQLite
//! registry. It loads N synthetic returnees (the demo's mapping, another seed) into a fresh
//! database, then runs a fixed, seeded mix of the searches registrars make all day and prints
//! the median and 95th percentile per kind, against a baseline measured in the same run (opening
//! one person's record by id) so that the figures can be compared across machines as ratios.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use emas_domain::access::Scope;
use emas_store::Db;
use emas_store::people::{self, NewPerson, PersonQuery};
use emas_synth::people::PeopleGenerator;
use emas_synth::{SynthRng, damage};
use rand::{Rng, SeedableRng};

use crate::demo_data::registry_entry;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Registry search on N synthetic people in SQLite: load time, then latency per query kind.
    Search(SearchArgs),
    /// Person resolution on generated lists: throughput, review share, precision and recall.
    Resolution(crate::bench_resolution::ResolutionArgs),
    /// The coordination dashboard on N synthetic people with programme history and M surveys.
    Dashboard(crate::bench_dashboard::DashboardArgs),
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// How many people the registry holds.
    #[arg(long, default_value_t = 1_000_000)]
    people: usize,
    /// Folder for the benchmark's database (never the EMAS_DATA_DIR of a real installation). A
    /// database an earlier run left there with the same number of people is reused; without
    /// this option a temporary folder is used and removed afterwards.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Seed of the people and of the searches.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Different searches of each kind.
    #[arg(long, default_value_t = 30)]
    samples: usize,
    /// Times each search is run (after one warm-up run).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
}

/// People per write transaction: large, so the load is not bound by commits, and small enough
/// that a chunk's rows stay a few hundred megabytes at most.
const LOAD_CHUNK: usize = 50_000;
/// A registrar's page of results.
const PAGE: i64 = 50;

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    let args = match cmd {
        BenchCommand::Search(args) => args,
        BenchCommand::Resolution(args) => return crate::bench_resolution::run(args).await,
        BenchCommand::Dashboard(args) => return crate::bench_dashboard::run(args).await,
    };
    if args.people == 0 || args.samples == 0 || args.repeat == 0 {
        bail!("--people, --samples and --repeat must be at least 1");
    }
    let (dir, temporary) = match &args.data_dir {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("emas-bench-search-{}", std::process::id())),
            true,
        ),
    };
    let outcome = search(&args, &dir).await;
    if temporary {
        // The database of a million people is a gigabyte; a temporary one is not kept.
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            eprintln!("could not remove {}: {e}", dir.display());
        }
    }
    outcome
}

async fn search(args: &SearchArgs, dir: &Path) -> anyhow::Result<()> {
    let db = Db::open_data_dir(dir)
        .await
        .with_context(|| format!("cannot open a database in {}", dir.display()))?;
    let present = db.person_count().await?;
    let n = i64::try_from(args.people).context("--people is too large")?;
    if present == 0 {
        load(&db, args).await?;
    } else if present == n {
        println!("Reusing the {present} people already in {}.", dir.display());
    } else {
        bail!(
            "{} holds {present} people, not {n}: give an empty folder",
            dir.display()
        );
    }
    let cases = cases(&db, args, n).await?;
    println!(
        "\nSearches: {} kinds x {} samples, each run {} times after a warm-up; {PAGE} per page, sorted by name, with the total count.\n",
        Kind::ALL.len(),
        args.samples,
        args.repeat
    );
    // Warm-up: the first touch of each page costs a read from the file, which a server that
    // runs all day has long paid.
    for case in &cases {
        case.run(&db).await?;
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); Kind::ALL.len()];
    let mut hits: Vec<i64> = vec![0; Kind::ALL.len()];
    for _ in 0..args.repeat {
        for case in &cases {
            let started = Instant::now();
            let total = case.run(&db).await?;
            times[case.kind as usize].push(started.elapsed());
            hits[case.kind as usize] += total;
        }
    }
    println!(
        "{:<34} {:>6} {:>11} {:>9} {:>9} {:>12}",
        "kind", "runs", "median ms", "p95 ms", "x base", "mean hits"
    );
    let base = median(&times[Kind::Baseline as usize]);
    let mut all_searches = Vec::new();
    for kind in Kind::ALL {
        let t = &times[kind as usize];
        if kind != Kind::Baseline {
            all_searches.extend_from_slice(t);
        }
        println!(
            "{:<34} {:>6} {:>11.2} {:>9.2} {:>9.1} {:>12.0}",
            kind.label(),
            t.len(),
            ms(median(t)),
            ms(p95(t)),
            ratio(median(t), base),
            hits[kind as usize] as f64 / t.len().max(1) as f64
        );
    }
    println!(
        "{:<34} {:>6} {:>11.2} {:>9.2} {:>9.1}",
        "all searches",
        all_searches.len(),
        ms(median(&all_searches)),
        ms(p95(&all_searches)),
        ratio(median(&all_searches), base)
    );
    let worst = Kind::ALL
        .iter()
        .filter(|k| **k != Kind::Baseline)
        .map(|k| (median(&times[*k as usize]), k.label()))
        .max();
    if let Some((m, label)) = worst {
        let verdict = if m < Duration::from_millis(100) {
            "meets"
        } else {
            "misses"
        };
        println!(
            "\nTarget: median under 100 ms per kind. Slowest kind: {label} at {:.2} ms: {verdict} the target.",
            ms(m)
        );
    }
    db.close().await;
    Ok(())
}

async fn load(db: &Db, args: &SearchArgs) -> anyhow::Result<()> {
    load_people(db, args.people, args.seed, false).await
}

/// Loads `people` synthetic returnees; with `linkable`, also the records that resolution
/// compares new lists with, as a registry keeps them.
pub async fn load_people(db: &Db, people: usize, seed: u64, linkable: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut generator = PeopleGenerator::new(seed);
    let mut loaded = 0usize;
    let mut generating = Duration::ZERO;
    while loaded < people {
        let want = (people - loaded).min(LOAD_CHUNK);
        let t = Instant::now();
        // Whole households come back; the chunk keeps its first `want` people.
        let entries: Vec<NewPerson> = generator
            .next_chunk(want)
            .iter()
            .take(want)
            .map(|p| registry_entry(seed, p))
            .collect();
        generating += t.elapsed();
        let mut tx = db.begin().await?;
        let now = emas_store::now();
        let ids = people::create_people(&mut tx, &entries, now).await?;
        if linkable {
            let own: Vec<(i64, &people::PersonInput)> = ids
                .iter()
                .copied()
                .zip(entries.iter().map(|e| &e.person))
                .collect();
            emas_store::resolution::keep_own(&mut tx, &own, now).await?;
        }
        tx.commit().await?;
        loaded += entries.len();
        eprint!("\rloaded {loaded} of {people} people");
    }
    eprintln!();
    let took = started.elapsed();
    println!(
        "Loaded {loaded} people in {:.1} s ({:.0} people/s; {:.1} s of it generating them).",
        took.as_secs_f64(),
        loaded as f64 / took.as_secs_f64(),
        generating.as_secs_f64()
    );
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    NameVariant,
    NikPrefix,
    Phone,
    NameInRegion,
    CountryReturnYear,
    ProvinceList,
    RegencyList,
    RegencyName,
    Baseline,
}

impl Kind {
    const ALL: [Kind; 9] = [
        Kind::NameVariant,
        Kind::NikPrefix,
        Kind::Phone,
        Kind::NameInRegion,
        Kind::CountryReturnYear,
        Kind::ProvinceList,
        Kind::RegencyList,
        Kind::RegencyName,
        Kind::Baseline,
    ];

    fn label(self) -> &'static str {
        match self {
            Kind::NameVariant => "name, spelling variant",
            Kind::NikPrefix => "NIK prefix (6-12 digits)",
            Kind::Phone => "phone",
            Kind::NameInRegion => "given name + regency filter",
            Kind::CountryReturnYear => "country + return year",
            Kind::ProvinceList => "province user: list, no filter",
            Kind::RegencyList => "regency user: list, no filter",
            Kind::RegencyName => "regency user: name variant",
            Kind::Baseline => "baseline: open a record by id",
        }
    }
}

struct Case {
    kind: Kind,
    query: PersonQuery,
    scope: Scope,
    /// For the baseline: the person opened.
    id: i64,
}

impl Case {
    /// Runs the case once; returns how many people it found.
    async fn run(&self, db: &Db) -> anyhow::Result<i64> {
        if self.kind == Kind::Baseline {
            db.person(self.id).await?;
            return Ok(1);
        }
        let (_, total) = db.search_people(&self.query, &self.scope).await?;
        Ok(total)
    }
}

/// The searches, made from people drawn at random from the registry so that each finds
/// someone, as a registrar's searches mostly do.
async fn cases(db: &Db, args: &SearchArgs, n: i64) -> anyhow::Result<Vec<Case>> {
    let mut rng = SynthRng::seed_from_u64(args.seed ^ 0x5EA7_C4E5);
    let province = Scope::parse("36").context("36 is Banten")?;
    let mut cases = Vec::new();
    let q = || PersonQuery {
        limit: PAGE,
        ..PersonQuery::default()
    };
    let mut drawn = 0;
    while cases.len() < args.samples * Kind::ALL.len() {
        drawn += 1;
        if drawn > args.samples * 100 {
            bail!("the registry does not hold people of every kind the benchmark searches for");
        }
        let id = rng.random_range(1..=n);
        let Ok(d) = db.person(id).await else {
            continue;
        };
        let p = &d.person;
        let region = p.region_code.clone().unwrap_or_default();
        let Some(regency) = region.get(..5).and_then(|r| Scope::parse(r).ok()) else {
            continue;
        };
        let (Some(nik), Some(phone), Some(returned)) = (
            p.nik.clone(),
            d.phones.first().cloned(),
            d.placements.iter().find(|pl| pl.return_date.is_some()),
        ) else {
            continue;
        };
        let year = returned.return_date.map(|d| chrono::Datelike::year(&d));
        let variant = damage::name_variant(&mut rng, &p.full_name);
        let given = p
            .full_name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        let prefix_len = [6, 8, 10, 12][cases.len() / Kind::ALL.len() % 4];
        let mut push = |kind, query, scope| {
            cases.push(Case {
                kind,
                query,
                scope,
                id,
            })
        };
        push(
            Kind::NameVariant,
            PersonQuery {
                name: Some(variant.clone()),
                ..q()
            },
            Scope::National,
        );
        push(
            Kind::NikPrefix,
            PersonQuery {
                nik_prefix: Some(nik[..prefix_len].to_owned()),
                ..q()
            },
            province.clone(),
        );
        push(
            Kind::Phone,
            PersonQuery {
                phone: Some(phone),
                ..q()
            },
            Scope::National,
        );
        push(
            Kind::NameInRegion,
            PersonQuery {
                name: Some(given),
                region: Some(regency.as_str().to_owned()),
                ..q()
            },
            province.clone(),
        );
        push(
            Kind::CountryReturnYear,
            PersonQuery {
                country: Some(returned.country.clone()),
                return_year: year,
                ..q()
            },
            province.clone(),
        );
        push(Kind::ProvinceList, q(), province.clone());
        push(Kind::RegencyList, q(), regency.clone());
        push(
            Kind::RegencyName,
            PersonQuery {
                name: Some(variant),
                ..q()
            },
            regency,
        );
        push(Kind::Baseline, q(), Scope::National);
    }
    Ok(cases)
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

pub(crate) fn ratio(d: Duration, base: Duration) -> f64 {
    d.as_secs_f64() / base.as_secs_f64().max(1e-9)
}

fn sorted(t: &[Duration]) -> Vec<Duration> {
    let mut v = t.to_vec();
    v.sort();
    v
}

pub(crate) fn median(t: &[Duration]) -> Duration {
    sorted(t).get(t.len() / 2).copied().unwrap_or_default()
}

pub(crate) fn p95(t: &[Duration]) -> Duration {
    let v = sorted(t);
    let i = (v.len() * 95).div_ceil(100).saturating_sub(1);
    v.get(i).copied().unwrap_or_default()
}
