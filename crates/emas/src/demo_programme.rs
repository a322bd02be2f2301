//! Demo programme history: two years of the empowerment programme on top of the demo registry,
//! so that boards, funnels, businesses and referrals (and the coordination dashboards built on
//! them) have something true to show. Three programmes (the province's and those of Kabupaten
//! Serang and Kabupaten Tangerang), eight cohorts in five regencies and cities, about 370
//! returnees enrolled from the registry and moved through the pipeline with the attrition such
//! programmes see: most are assessed and trained, about a third write a business plan, fewer
//! register and finance a business, some drop out (with a reason) and a few leave again.
//!
//! Everything is written through the store's own write functions, by the demo account whose role
//! makes that step (a trainer takes attendance and marks "trained", a bank's officer marks
//! "financed"), so the rules hold: eligibility on the day of enrolment, the transition table,
//! money bounds, referrals only for services an agency offers in the participant's region. The
//! history is dated back from `now` and drawn from one seeded generator: the same `now` gives
//! the same history.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, anyhow};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use emas_domain::access::{RegionCode, Role, Scope};
use emas_domain::business::{CapitalSource, Repayment};
use emas_domain::person::MigrationStatus;
use emas_domain::pipeline::{Actor, Partner, Stage};
use emas_domain::programme::{TestKind, TrackKind};
use emas_domain::referral::{Service, Status};
use emas_store::agencies::AgencyKind;
use emas_store::audit::{self, AuditEntry};
use emas_store::people::PersonQuery;
use emas_store::pipeline::{self as pl, BusinessInput, CapitalInput, Mover, VisitInput};
use emas_store::programmes::{self as pg, CohortInput, ProgrammeInput, TrackInput};
use emas_store::referrals::{self as rf, NewReferral};
use emas_store::users::User;
use emas_store::{Db, Tx};
use emas_synth::SynthRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// The programme history is the same for the same `now`.
pub const DEMO_PROGRAMME_SEED: u64 = 0x5052_4F47; // "PROG"

/// One enrolment of the demo, for helpers that build on it (follow-up surveys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoEnrolment {
    pub id: i64,
    pub person_id: i64,
    pub programme_id: i64,
    pub cohort_id: i64,
    pub enrolled_on: NaiveDate,
    /// The participant's region (their current address).
    pub region_code: String,
    /// The cohort's region.
    pub cohort_region: String,
    /// Where the participant stands now.
    pub stage: Stage,
}

#[derive(Debug, Clone, Default)]
pub struct DemoProgramme {
    pub programmes: Vec<i64>,
    pub cohorts: Vec<i64>,
    pub enrolments: Vec<DemoEnrolment>,
    pub businesses: usize,
    pub referrals: usize,
}

impl std::fmt::Display for DemoProgramme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} programmes with {} cohorts, {} enrolments, {} businesses and {} referrals",
            self.programmes.len(),
            self.cohorts.len(),
            self.enrolments.len(),
            self.businesses,
            self.referrals
        )
    }
}

/// A programme of the demo and the accounts that work in it (user names of `emas_store::demo`).
struct ProgrammePlan {
    name: &'static str,
    owner: &'static str,
    region: &'static str,
    budget_line: &'static str,
    description: &'static str,
    returned_within_years: Option<i32>,
    partners: &'static [(&'static str, &'static str)],
    officer: &'static str,
    trainer: &'static str,
    mentor: &'static str,
    /// Marks "business registered" (a cooperative office's officer); else the mentor.
    licensing: Option<&'static str>,
    /// Marks "financed" (a bank's officer); else the programme officer.
    bank: Option<&'static str>,
    /// Where participants are referred for KUR, if the programme works with a bank.
    kur_agency: Option<&'static str>,
    /// Whether business licensing goes to the cooperative office by referral (not when the
    /// programme's owner is that office).
    refers_licensing: bool,
}

static PROGRAMMES: [ProgrammePlan; 3] = [
    ProgrammePlan {
        name: "Pemberdayaan Ekonomi PMI Purna Provinsi Banten 2025-2026",
        owner: "biro-perekonomian-banten",
        region: "36",
        budget_line: "APBD Provinsi Banten 2025-2026, Biro Perekonomian, sub-kegiatan pemberdayaan PMI Purna",
        description: "Pelatihan kewirausahaan, pendampingan usaha dan literasi keuangan keluarga bagi PMI Purna di kabupaten/kota kantong PMI.",
        returned_within_years: Some(5),
        partners: &[
            ("upt-bp3mi-banten", "pendataan dan konseling"),
            ("blk-serang", "pelatihan keterampilan"),
            ("paguyuban-pmi-purna-banten", "pendampingan sebaya"),
        ],
        officer: "officer.banten",
        trainer: "trainer.banten",
        mentor: "mentor.banten",
        licensing: None,
        bank: None,
        kur_agency: None,
        refers_licensing: true,
    },
    ProgrammePlan {
        name: "Pengembangan Kewirausahaan PMI Purna Kabupaten Serang 2025-2026",
        owner: "dinkop-36-04",
        region: "36.04",
        budget_line: "APBD Kabupaten Serang 2025, Dinas Koperasi dan UMKM",
        description: "Pelatihan kewirausahaan, legalitas usaha (NIB, PIRT, halal) dan akses KUR bagi PMI Purna Kabupaten Serang.",
        returned_within_years: Some(4),
        partners: &[
            ("bri-serang", "penyalur KUR"),
            ("disnaker-36-04", "pendataan PMI Purna"),
        ],
        officer: "officer.kabserang",
        trainer: "trainer.kabserang",
        mentor: "mentor.kabserang",
        licensing: None,
        bank: Some("bank.kabserang"),
        kur_agency: Some("bri-serang"),
        refers_licensing: false,
    },
    ProgrammePlan {
        name: "Program Wirausaha PMI Purna Kabupaten Tangerang 2025-2026",
        owner: "disnaker-36-03",
        region: "36.03",
        budget_line: "APBD Kabupaten Tangerang 2025, Dinas Tenaga Kerja",
        description: "Pelatihan dan pendampingan usaha bagi PMI Purna Kabupaten Tangerang bersama Dinas Koperasi dan UMKM dan BRI.",
        returned_within_years: Some(3),
        partners: &[
            ("dinkop-36-03", "legalitas usaha"),
            ("bri-tangerang", "penyalur KUR"),
        ],
        officer: "officer.kabtangerang",
        trainer: "trainer.kabtangerang",
        mentor: "mentor.kabtangerang",
        licensing: Some("koperasi.kabtangerang"),
        bank: Some("bank.kabtangerang"),
        kur_agency: Some("bri-tangerang"),
        refers_licensing: true,
    },
];

struct CohortPlan {
    programme: usize,
    kind: TrackKind,
    name: &'static str,
    place: &'static str,
    region: &'static str,
    /// Months after the start of the history.
    month: u32,
    size: usize,
}

static COHORTS: [CohortPlan; 8] = [
    CohortPlan {
        programme: 0,
        kind: TrackKind::Economic,
        name: "Angkatan 1 Pandeglang",
        place: "Aula Disnaker Kabupaten Pandeglang",
        region: "36.01",
        month: 2,
        size: 50,
    },
    CohortPlan {
        programme: 0,
        kind: TrackKind::Social,
        name: "Literasi Keuangan dan Keluarga Lebak",
        place: "Pendopo Kecamatan Rangkasbitung",
        region: "36.02",
        month: 4,
        size: 45,
    },
    CohortPlan {
        programme: 0,
        kind: TrackKind::Economic,
        name: "Angkatan 2 Lebak",
        place: "Aula Disnaker Kabupaten Lebak",
        region: "36.02",
        month: 7,
        size: 48,
    },
    CohortPlan {
        programme: 0,
        kind: TrackKind::Economic,
        name: "Angkatan 3 Kota Serang",
        place: "Balai Latihan Kerja Serang",
        region: "36.73",
        month: 14,
        size: 45,
    },
    CohortPlan {
        programme: 1,
        kind: TrackKind::Economic,
        name: "Angkatan I Kabupaten Serang",
        place: "Aula Dinas Koperasi dan UMKM, Ciruas",
        region: "36.04",
        month: 3,
        size: 50,
    },
    CohortPlan {
        programme: 1,
        kind: TrackKind::Economic,
        name: "Angkatan II Kabupaten Serang",
        place: "Aula Kecamatan Kramatwatu",
        region: "36.04",
        month: 10,
        size: 48,
    },
    CohortPlan {
        programme: 2,
        kind: TrackKind::Economic,
        name: "Angkatan I Kabupaten Tangerang",
        place: "Aula Disnaker Kabupaten Tangerang, Tigaraksa",
        region: "36.03",
        month: 8,
        size: 46,
    },
    CohortPlan {
        programme: 2,
        kind: TrackKind::Economic,
        name: "Angkatan II Kabupaten Tangerang",
        place: "Balai Desa Pasir Nangka, Tigaraksa",
        region: "36.03",
        month: 16,
        size: 42,
    },
];

const ECONOMIC_SESSIONS: [&str; 6] = [
    "Motivasi dan pola pikir wirausaha",
    "Memilih usaha dan membaca pasar",
    "Menyusun rencana usaha",
    "Pembukuan sederhana dan harga pokok produksi",
    "Legalitas usaha: NIB, PIRT dan sertifikat halal",
    "Akses permodalan: KUR, koperasi dan tabungan",
];

const SOCIAL_SESSIONS: [&str; 4] = [
    "Reintegrasi dengan keluarga dan masyarakat",
    "Dukungan psikososial dan mengelola stres",
    "Literasi keuangan keluarga dan remitansi",
    "Pengasuhan anak dan komunikasi dalam keluarga",
];

/// A kind of business the demo's participants start.
struct Sector {
    /// KBLI 2020.
    kbli: &'static str,
    name: &'static str,
    /// Food: PIRT and a halal certificate apply.
    food: bool,
    /// Monthly revenue at the start, in thousands of rupiah.
    revenue: (i64, i64),
    weight: f64,
}

const fn sector(
    kbli: &'static str,
    name: &'static str,
    food: bool,
    revenue: (i64, i64),
    weight: f64,
) -> Sector {
    Sector {
        kbli,
        name,
        food,
        revenue,
        weight,
    }
}

static SECTORS: [Sector; 10] = [
    sector("56102", "Warung Makan", true, (4_000, 15_000), 0.22),
    sector("10794", "Keripik", true, (2_500, 9_000), 0.12),
    sector("10792", "Kue Basah", true, (2_000, 8_000), 0.10),
    sector("56210", "Katering", true, (5_000, 20_000), 0.08),
    sector("47912", "Toko Online Busana", false, (3_000, 12_000), 0.10),
    sector("96200", "Laundry", false, (3_000, 10_000), 0.10),
    sector("96112", "Salon", false, (2_500, 9_000), 0.08),
    sector("01464", "Ternak Ayam Kampung", false, (2_000, 7_000), 0.08),
    sector("03221", "Budidaya Lele", false, (2_000, 8_000), 0.06),
    sector("47241", "Toko Roti dan Kue", true, (3_000, 10_000), 0.06),
];

const NOT_STARTED: [&str; 3] = [
    "Tidak datang asesmen dan tidak dapat dihubungi",
    "Pindah domisili ke luar daerah",
    "Sudah bekerja di pabrik, tidak dapat mengikuti pelatihan",
];

const LEFT_TRAINING: [&str; 3] = [
    "Kehadiran pelatihan di bawah 80%, tidak melanjutkan",
    "Mengurus orang tua yang sakit",
    "Hamil dan melahirkan, ingin ikut angkatan berikutnya",
];

const LEFT_LATER: [&str; 4] = [
    "Usaha berhenti, modal habis untuk kebutuhan keluarga",
    "Bekerja sebagai karyawan, tidak melanjutkan usaha",
    "Pindah mengikuti suami ke luar daerah",
    "Tidak dapat dihubungi lagi setelah tiga kali kunjungan",
];

const DEPARTED: [&str; 3] = [
    "Berangkat lagi bekerja ke Taiwan (informasi keluarga)",
    "Berangkat lagi ke Hong Kong sebagai pekerja rumah tangga",
    "Berangkat lagi ke Malaysia, kontrak dua tahun",
];

const VISIT_TOPICS: [&str; 6] = [
    "Pencatatan penjualan dan pengeluaran harian",
    "Penentuan harga jual dan harga pokok",
    "Pemasaran lewat WhatsApp dan marketplace",
    "Persiapan dokumen NIB dan PIRT",
    "Pengajuan KUR dan rencana angsuran",
    "Kemasan dan label produk",
];

const VISIT_PROBLEMS: [&str; 6] = [
    "Uang usaha tercampur dengan uang belanja rumah tangga",
    "Harga bahan baku naik",
    "Pembeli masih dari tetangga sekitar saja",
    "Belum punya tempat usaha tetap",
    "Belum paham syarat pengajuan KUR",
    "Produk cepat basi, banyak sisa",
];

const VISIT_ADVICE: [&str; 6] = [
    "Pisahkan kas usaha dan catat setiap hari di buku kas",
    "Hitung ulang harga pokok, naikkan harga jual sedikit",
    "Titip jual di warung dan sekolah terdekat",
    "Ikut bazar UMKM kecamatan bulan depan",
    "Siapkan KTP, KK dan NIB untuk pengajuan KUR",
    "Produksi sesuai pesanan, kurangi stok",
];

const VISIT_NEXT: [&str; 5] = [
    "Kunjungan berikutnya memeriksa buku kas",
    "Mendaftar NIB lewat OSS bersama pendamping",
    "Mengajukan KUR ke bank",
    "Membuat akun marketplace",
    "Mengurus PIRT ke Dinas Kesehatan",
];

/// 09:00 in Banten (UTC+7) plus `minutes`, on `day`.
fn at(day: NaiveDate, minutes: i64) -> DateTime<Utc> {
    let nine_wib = day.and_hms_opt(2, 0, 0).expect("a valid time");
    Utc.from_utc_datetime(&nine_wib) + Duration::minutes(minutes)
}

fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    let m0 = d.month0() + months;
    NaiveDate::from_ymd_opt(d.year() + (m0 / 12) as i32, m0 % 12 + 1, 1).expect("a first day")
}

fn pick<'a, T>(rng: &mut SynthRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn days(rng: &mut SynthRng, lo: i64, hi: i64) -> Duration {
    Duration::days(rng.random_range(lo..=hi))
}

/// Rupiah rounded to `step`.
fn rupiah(rng: &mut SynthRng, lo: i64, hi: i64, step: i64) -> i64 {
    rng.random_range(lo / step..=hi / step) * step
}

/// The demo accounts and agencies the history needs.
struct Cast {
    users: HashMap<String, User>,
    agencies: HashMap<String, i64>,
    kinds: HashMap<i64, AgencyKind>,
}

impl Cast {
    async fn load(db: &Db) -> anyhow::Result<Cast> {
        let users = db
            .users()
            .await?
            .into_iter()
            .map(|u| (u.username.clone(), u))
            .collect();
        let mut agencies = HashMap::new();
        let mut kinds = HashMap::new();
        for a in db.agencies().await? {
            agencies.insert(a.code.clone(), a.id);
            kinds.insert(a.id, a.kind);
        }
        Ok(Cast {
            users,
            agencies,
            kinds,
        })
    }

    fn user(&self, name: &str) -> anyhow::Result<&User> {
        self.users
            .get(name)
            .ok_or_else(|| anyhow!("demo account {name} is missing"))
    }

    fn agency(&self, code: &str) -> anyhow::Result<i64> {
        self.agencies
            .get(code)
            .copied()
            .ok_or_else(|| anyhow!("demo agency {code} is missing"))
    }

    fn mover(&self, name: &str) -> anyhow::Result<Mover> {
        let u = self.user(name)?;
        // As the web derives it: a partner officer acts for the kind of agency they work at.
        let partner = match (u.role, self.kinds.get(&u.agency_id)) {
            (Role::PartnerOfficer, Some(AgencyKind::Bank)) => Partner::Bank,
            (Role::PartnerOfficer, Some(AgencyKind::CooperativeOffice)) => {
                Partner::CooperativeOffice
            }
            _ => Partner::Other,
        };
        Ok(Mover {
            user_id: u.id,
            actor: Actor::new(u.role, partner),
        })
    }
}

/// A registry person who may join a cohort on a day.
struct Candidate {
    id: i64,
    region: String,
    first_name: String,
    last_return: Option<NaiveDate>,
}

/// Returned people of `region`, in a seeded order, with the date of their last return.
async fn candidates(db: &Db, region: &str, rng: &mut SynthRng) -> anyhow::Result<Vec<Candidate>> {
    let q = PersonQuery {
        region: Some(region.to_owned()),
        status: Some(MigrationStatus::Returned),
        limit: 5_000,
        ..PersonQuery::default()
    };
    let (mut rows, _) = db.search_people(&q, &Scope::National).await?;
    rows.sort_by_key(|r| r.id);
    rows.shuffle(rng);
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(code) = r.region_code.clone() else {
            continue;
        };
        out.push(Candidate {
            id: r.id,
            region: code,
            first_name: r
                .full_name
                .split_whitespace()
                .next()
                .unwrap_or("Ibu")
                .to_owned(),
            last_return: None,
        });
    }
    Ok(out)
}

/// The last return of a person, as the eligibility check reads it.
async fn last_return(db: &Db, id: i64) -> anyhow::Result<Option<NaiveDate>> {
    let d = db.person(id).await?;
    Ok(d.placements
        .iter()
        .filter_map(|p| p.return_date)
        .max()
        .or(d.person.status_since))
}

/// Writes the demo programme history. Called once, right after the demo registry is loaded
/// (it needs its people and the demo accounts); everything commits in one transaction with
/// one audit line.
/// The demo's programme history and its participants' baseline and follow-up surveys, described
/// for the terminal. Needs the demo's people (`demo_data::load`).
pub async fn load_history(db: &Db, now: DateTime<Utc>) -> anyhow::Result<String> {
    let programme = load(db, now).await?;
    let enrolments: Vec<(i64, NaiveDate, String)> = programme
        .enrolments
        .iter()
        .map(|e| (e.id, e.enrolled_on, e.region_code.clone()))
        .collect();
    let surveys = crate::demo_surveys::load_demo_surveys(db, &enrolments, now)
        .await
        .context("demo surveys")?;
    Ok(format!("{programme} and {surveys} surveys"))
}

pub async fn load(db: &Db, now: DateTime<Utc>) -> anyhow::Result<DemoProgramme> {
    let cast = Cast::load(db).await?;
    let today = now.date_naive();
    // The history starts on the first of the month about 23 months ago.
    let start = add_months(today - Duration::days(700), 0);
    let mut rng = SynthRng::seed_from_u64(DEMO_PROGRAMME_SEED ^ today.num_days_from_ce() as u64);

    // Pick the participants before writing: reads go through the pool.
    let mut pools: HashMap<&str, Vec<Candidate>> = HashMap::new();
    let mut chosen: Vec<Vec<(Candidate, NaiveDate)>> = Vec::new();
    let mut taken: HashSet<i64> = HashSet::new();
    for c in &COHORTS {
        if !pools.contains_key(c.region) {
            pools.insert(c.region, candidates(db, c.region, &mut rng).await?);
        }
        let opens = c.opens(start);
        let years = PROGRAMMES[c.programme].returned_within_years;
        let mut picked = Vec::new();
        let pool = pools.get_mut(c.region).expect("just filled");
        for cand in pool.iter_mut() {
            if picked.len() == c.size {
                break;
            }
            if taken.contains(&cand.id) {
                continue;
            }
            let enrolled_on = opens - days(&mut rng, 7, 28);
            if cand.last_return.is_none() {
                cand.last_return = last_return(db, cand.id).await?;
            }
            let Some(back) = cand.last_return else {
                continue;
            };
            let recent =
                years.is_none_or(|y| back >= enrolled_on - Duration::days(365 * y as i64 - 2));
            if back <= enrolled_on - Duration::days(14) && recent {
                taken.insert(cand.id);
                picked.push((
                    Candidate {
                        id: cand.id,
                        region: cand.region.clone(),
                        first_name: cand.first_name.clone(),
                        last_return: cand.last_return,
                    },
                    enrolled_on,
                ));
            }
        }
        chosen.push(picked);
    }

    let mut tx = db.begin().await?;
    let mut programmes = Vec::new();
    let mut tracks: Vec<HashMap<&str, i64>> = Vec::new();
    for (index, p) in PROGRAMMES.iter().enumerate() {
        let officer = cast.user(p.officer)?;
        let id = pg::create_programme(
            &mut tx,
            &ProgrammeInput {
                name: p.name.to_owned(),
                owner_agency_id: cast.agency(p.owner)?,
                region_code: RegionCode::parse(p.region)?,
                starts_on: start,
                ends_on: add_months(start, 24) - Duration::days(1),
                budget_line: p.budget_line.to_owned(),
                description: p.description.to_owned(),
                returned_within_years: p.returned_within_years,
            },
            officer.id,
            at(start - Duration::days(30), 0),
        )
        .await?;
        for (agency, role) in p.partners {
            pg::add_partner(&mut tx, id, cast.agency(agency)?, role).await?;
        }
        let mut by_kind = HashMap::new();
        let economic = pg::add_track(
            &mut tx,
            id,
            &TrackInput {
                kind: TrackKind::Economic,
                name: "Kewirausahaan".into(),
                description:
                    "Pelatihan kewirausahaan, pendampingan, legalitas dan permodalan usaha.".into(),
                min_attendance_percent: 80,
                requires_post_test: true,
            },
            at(start - Duration::days(30), 5),
        )
        .await?;
        by_kind.insert("economic", economic);
        if COHORTS
            .iter()
            .any(|c| c.kind == TrackKind::Social && c.programme == index)
        {
            let social = pg::add_track(
                &mut tx,
                id,
                &TrackInput {
                    kind: TrackKind::Social,
                    name: "Literasi Keuangan dan Ketahanan Keluarga".into(),
                    description:
                        "Reintegrasi, dukungan psikososial, literasi keuangan dan pengasuhan."
                            .into(),
                    min_attendance_percent: 75,
                    requires_post_test: false,
                },
                at(start - Duration::days(30), 10),
            )
            .await?;
            by_kind.insert("social", social);
        }
        tracks.push(by_kind);
        programmes.push(id);
    }

    let mut h = History {
        tx: &mut tx,
        cast: &cast,
        today,
        start,
        out: DemoProgramme {
            programmes,
            ..DemoProgramme::default()
        },
    };
    for (plan, picked) in COHORTS.iter().zip(chosen) {
        let track = tracks[plan.programme][plan.kind.as_str()];
        h.cohort(plan, track, picked, &mut rng)
            .await
            .with_context(|| format!("demo cohort {}", plan.name))?;
    }
    let out = h.out;

    let entry = AuditEntry {
        actor_user_id: None,
        actor: "system".into(),
        action: "demo.programme".into(),
        entity: "programme".into(),
        entity_id: String::new(),
        detail: format!(
            "{} programmes, {} cohorts, {} enrolments, {} businesses, {} referrals (seed {DEMO_PROGRAMME_SEED})",
            out.programmes.len(),
            out.cohorts.len(),
            out.enrolments.len(),
            out.businesses,
            out.referrals
        ),
        request_id: String::new(),
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(out)
}

struct History<'a> {
    tx: &'a mut Tx,
    cast: &'a Cast,
    today: NaiveDate,
    start: NaiveDate,
    out: DemoProgramme,
}

impl CohortPlan {
    /// The day of the first session.
    fn opens(&self, start: NaiveDate) -> NaiveDate {
        add_months(start, self.month) + Duration::days(6)
    }
}

/// One participant's way through the pipeline as it is written.
struct Way {
    enrolment: i64,
    stage: Stage,
    /// The day of the last step.
    on: NaiveDate,
}

impl History<'_> {
    /// Moves a participant on `day` unless that day has not come yet; false when it has not.
    async fn step(
        &mut self,
        way: &mut Way,
        to: Stage,
        reason: &str,
        by: &str,
        day: NaiveDate,
    ) -> anyhow::Result<bool> {
        if day >= self.today {
            return Ok(false);
        }
        let mover = self.cast.mover(by)?;
        pl::move_stage(
            self.tx,
            way.enrolment,
            Some(way.stage),
            to,
            reason,
            mover,
            at(day, 60),
        )
        .await?;
        way.stage = to;
        way.on = day;
        Ok(true)
    }

    async fn cohort(
        &mut self,
        plan: &CohortPlan,
        track: i64,
        picked: Vec<(Candidate, NaiveDate)>,
        rng: &mut SynthRng,
    ) -> anyhow::Result<()> {
        let p = &PROGRAMMES[plan.programme];
        let officer = self.cast.user(p.officer)?.clone();
        let trainer = self.cast.user(p.trainer)?.clone();
        let programme_id = self.out.programmes[plan.programme];
        let opens = plan.opens(self.start);
        let history_start = opens - Duration::days(35);
        let topics: &[&str] = match plan.kind {
            TrackKind::Economic => &ECONOMIC_SESSIONS,
            TrackKind::Social => &SOCIAL_SESSIONS,
        };
        let sessions: Vec<NaiveDate> = (0..topics.len() as i64)
            .map(|k| opens + Duration::days(7 * k))
            .collect();
        let cohort = pg::create_cohort(
            self.tx,
            track,
            &CohortInput {
                name: plan.name.to_owned(),
                place: plan.place.to_owned(),
                capacity: 50,
                starts_on: Some(opens),
                ends_on: sessions.last().copied(),
                region_code: Some(RegionCode::parse(plan.region)?),
                trainer_ids: vec![trainer.id],
            },
            at(history_start - Duration::days(7), 0),
        )
        .await?;
        self.out.cohorts.push(cohort);
        let mut session_ids = Vec::new();
        for (day, topic) in sessions.iter().zip(topics) {
            session_ids
                .push(pg::add_session(self.tx, cohort, *day, topic, at(history_start, 10)).await?);
        }

        // Enrolment, on each participant's own day, checked against the rules of that day.
        let scope = officer.scope.clone();
        let mut ways: Vec<(Candidate, Way, bool)> = Vec::new();
        for (cand, on) in picked {
            let ids = pg::enrol(
                self.tx,
                cohort,
                &[cand.id],
                &scope,
                officer.id,
                on,
                at(on, 30),
            )
            .await
            .map_err(|e| anyhow!("enrol person {}: {e:?}", cand.id))?;
            let way = Way {
                enrolment: ids[0],
                stage: Stage::Registered,
                on,
            };
            // Most come to every session; some come when they can.
            let reliable = rng.random_bool(0.83);
            ways.push((cand, way, reliable));
        }

        // Assessment before the first session.
        let mut assessed = Vec::new();
        for (_, way, _) in ways.iter_mut() {
            let ok = rng.random_bool(0.95);
            let day = opens - days(rng, 1, 5);
            if ok {
                self.step(way, Stage::Assessed, "", &trainer.username, day)
                    .await?;
            } else if rng.random_bool(0.5) {
                let reason = *pick(rng, &NOT_STARTED);
                self.step(way, Stage::DroppedOut, reason, &officer.username, day)
                    .await?;
            }
            assessed.push(way.stage == Stage::Assessed);
        }

        // Attendance per session, taken by the trainer; pre- and post-tests.
        let mut attended = vec![0usize; ways.len()];
        let mut pre = vec![None; ways.len()];
        let mut post = vec![None; ways.len()];
        for (k, (sid, day)) in session_ids.iter().zip(&sessions).enumerate() {
            if *day >= self.today {
                break;
            }
            let mut marks = Vec::new();
            for (i, (_, way, reliable)) in ways.iter().enumerate() {
                let p_come = if *reliable { 0.96 } else { 0.55 };
                let present = assessed[i] && rng.random_bool(p_come);
                if present {
                    attended[i] += 1;
                    if k == 0 {
                        pre[i] = Some(rng.random_range(30..=70));
                    }
                    if k + 1 == sessions.len() {
                        let base: i32 = pre[i].unwrap_or(50);
                        post[i] = Some((base + rng.random_range(5..=30)).min(100));
                    }
                }
                marks.push((way.enrolment, present));
            }
            pg::record_attendance(self.tx, *sid, &marks, trainer.id, at(*day, 240)).await?;
        }
        let mut scores = Vec::new();
        for (i, (_, way, _)) in ways.iter().enumerate() {
            if let Some(s) = pre[i] {
                scores.push((way.enrolment, TestKind::Pre, s));
            }
            if plan.kind == TrackKind::Economic
                && let Some(s) = post[i]
            {
                scores.push((way.enrolment, TestKind::Post, s));
            }
        }
        let last = *sessions.last().expect("sessions");
        if !scores.is_empty() {
            pg::record_scores(
                self.tx,
                cohort,
                &scores,
                trainer.id,
                at(last.min(self.today - Duration::days(1)), 300),
            )
            .await?;
        }

        for (i, (cand, mut way, _)) in ways.into_iter().enumerate() {
            let enrolled_on = way.on;
            if assessed[i] {
                let percent = attended[i] * 100 / sessions.len();
                let min = if plan.kind == TrackKind::Economic {
                    80
                } else {
                    75
                };
                let needs_post = plan.kind == TrackKind::Economic;
                let completed = percent >= min && (!needs_post || post[i].is_some());
                let day = last + days(rng, 1, 4);
                if completed {
                    self.step(&mut way, Stage::Trained, "", &trainer.username, day)
                        .await?;
                } else if last < self.today && rng.random_bool(0.3) {
                    let reason = *pick(rng, &LEFT_TRAINING);
                    self.step(
                        &mut way,
                        Stage::DroppedOut,
                        reason,
                        &officer.username,
                        last + days(rng, 5, 14),
                    )
                    .await?;
                }
                if way.stage == Stage::Trained && plan.kind == TrackKind::Economic {
                    self.business_way(plan, &cand, &mut way, rng).await?;
                }
            }
            if way.stage == Stage::DroppedOut && rng.random_bool(0.15) {
                // Some who leave are referred for counselling.
                self.refer(
                    p,
                    &cand,
                    way.enrolment,
                    "upt-bp3mi-banten",
                    Service::Counselling,
                    "Konseling keluarga dan rencana setelah berhenti dari program",
                    way.on + Duration::days(2),
                    Some((
                        "caseworker.banten",
                        "Konseling dua kali, peserta memilih bekerja di desa",
                    )),
                    rng,
                )
                .await?;
            }
            self.out.enrolments.push(DemoEnrolment {
                id: way.enrolment,
                person_id: cand.id,
                programme_id,
                cohort_id: cohort,
                enrolled_on,
                region_code: cand.region.clone(),
                cohort_region: plan.region.to_owned(),
                stage: way.stage,
            });
        }
        Ok(())
    }

    /// From "trained" on: business plan, mentoring, legality, capital, operating, each step
    /// reached by fewer; a few drop out or leave again on the way.
    async fn business_way(
        &mut self,
        plan: &CohortPlan,
        cand: &Candidate,
        way: &mut Way,
        rng: &mut SynthRng,
    ) -> anyhow::Result<()> {
        let p = &PROGRAMMES[plan.programme];
        let mentor = self.cast.user(p.mentor)?.clone();
        let steps: [(Stage, f64, (i64, i64)); 5] = [
            (Stage::BusinessPlan, 0.50, (14, 45)),
            (Stage::Mentored, 0.78, (21, 50)),
            (Stage::BusinessRegistered, 0.64, (20, 60)),
            (Stage::Financed, 0.76, (20, 70)),
            (Stage::Operating, 0.70, (20, 60)),
        ];
        let sector = {
            let total: f64 = SECTORS.iter().map(|s| s.weight).sum();
            let mut x = rng.random::<f64>() * total;
            let mut chosen = &SECTORS[0];
            for s in &SECTORS {
                if x < s.weight {
                    chosen = s;
                    break;
                }
                x -= s.weight;
            }
            chosen
        };
        let mut business: Option<(i64, BusinessInput)> = None;
        for (to, chance, (lo, hi)) in steps {
            let day = way.on + days(rng, lo, hi);
            if day >= self.today {
                return Ok(());
            }
            if rng.random_bool(0.015) {
                let reason = *pick(rng, &DEPARTED);
                self.step(way, Stage::DepartedAgain, reason, p.officer, day)
                    .await?;
                return Ok(());
            }
            if !rng.random_bool(chance) {
                if rng.random_bool(0.1) {
                    let reason = *pick(rng, &LEFT_LATER);
                    self.step(way, Stage::DroppedOut, reason, p.officer, day)
                        .await?;
                }
                return Ok(());
            }
            match to {
                Stage::BusinessPlan => {
                    let input = BusinessInput {
                        name: format!("{} {}", sector.name, cand.first_name),
                        kbli_code: sector.kbli.to_owned(),
                        place: "Rumah sendiri".into(),
                        // The regency: a registry address may carry a village code the
                        // reference data does not hold.
                        region_code: Some(cand.region[..5].to_owned()),
                        started_on: None,
                        nib: String::new(),
                        pirt: String::new(),
                        halal: String::new(),
                        workers: 0,
                    };
                    let id =
                        pl::save_business(self.tx, way.enrolment, &input, mentor.id, at(day, 90))
                            .await?;
                    self.out.businesses += 1;
                    if rng.random_bool(0.6) {
                        let savings = CapitalInput {
                            source: if rng.random_bool(0.85) {
                                CapitalSource::OwnSavings
                            } else {
                                CapitalSource::Family
                            },
                            lender: String::new(),
                            amount: rupiah(rng, 2_000_000, 25_000_000, 500_000),
                            received_on: day,
                            repayment: Repayment::None,
                        };
                        pl::add_capital(self.tx, id, &savings, mentor.id, at(day, 100)).await?;
                    }
                    business = Some((id, input));
                }
                Stage::Mentored => {
                    self.visits(way.enrolment, &mentor, day, rng).await?;
                    if p.refers_licensing && rng.random_bool(0.4) {
                        let office = format!("dinkop-{}", cand.region[..5].replace('.', "-"));
                        self.refer(
                            p,
                            cand,
                            way.enrolment,
                            &office,
                            Service::BusinessLicensing,
                            "Pendampingan pendaftaran NIB lewat OSS dan PIRT",
                            day,
                            p.licensing.map(|u| (u, "NIB terbit, PIRT dalam proses")),
                            rng,
                        )
                        .await?;
                    }
                }
                Stage::BusinessRegistered => {
                    if let Some((_, input)) = business.as_mut() {
                        input.nib = format!(
                            "{:013}",
                            rng.random_range(1_200_000_000_000u64..=9_199_999_999_999)
                        );
                        input.started_on = Some(day - days(rng, 0, 30));
                        input.place = if rng.random_bool(0.5) {
                            "Rumah sendiri".into()
                        } else {
                            "Kios di depan rumah".into()
                        };
                        if sector.food {
                            input.pirt = format!(
                                "P-IRT {:015}",
                                rng.random_range(100_000_000_000_000u64..=999_999_999_999_999)
                            );
                            if rng.random_bool(0.4) {
                                input.halal = format!(
                                    "ID{:014}",
                                    rng.random_range(10_000_000_000_000u64..=99_999_999_999_999)
                                );
                            }
                        }
                        input.workers = rng.random_range(0..=2);
                        pl::save_business(self.tx, way.enrolment, input, mentor.id, at(day, 90))
                            .await?;
                    }
                    if let Some(bank) = p.kur_agency
                        && rng.random_bool(0.6)
                    {
                        self.refer(
                            p,
                            cand,
                            way.enrolment,
                            bank,
                            Service::Kur,
                            "Pengajuan KUR Mikro untuk modal usaha",
                            day + Duration::days(1),
                            p.bank.map(|u| (u, "KUR Mikro disetujui dan dicairkan")),
                            rng,
                        )
                        .await?;
                    }
                }
                Stage::Financed => {
                    if let Some((id, _)) = &business {
                        let k = match p.kur_agency {
                            Some(bank) if rng.random_bool(0.8) => CapitalInput {
                                source: CapitalSource::Kur,
                                lender: bank_name(bank).to_owned(),
                                amount: rupiah(rng, 10_000_000, 50_000_000, 1_000_000),
                                received_on: day,
                                repayment: if rng.random_bool(0.85) {
                                    Repayment::Current
                                } else {
                                    Repayment::Late
                                },
                            },
                            _ if rng.random_bool(0.3) => CapitalInput {
                                source: CapitalSource::Cooperative,
                                lender: "Koperasi PMI Purna Sejahtera Banten".into(),
                                amount: rupiah(rng, 3_000_000, 15_000_000, 500_000),
                                received_on: day,
                                repayment: Repayment::Current,
                            },
                            _ => CapitalInput {
                                source: CapitalSource::Grant,
                                lender: String::new(),
                                amount: rupiah(rng, 2_500_000, 5_000_000, 250_000),
                                received_on: day,
                                repayment: Repayment::None,
                            },
                        };
                        pl::add_capital(self.tx, *id, &k, mentor.id, at(day, 120)).await?;
                    }
                }
                _ => {}
            }
            let by = match to {
                Stage::BusinessRegistered => p.licensing.unwrap_or(p.mentor),
                Stage::Financed => p.bank.unwrap_or(p.officer),
                _ => p.mentor,
            };
            self.step(way, to, "", by, day).await?;
            if to == Stage::BusinessRegistered
                && let Some((id, _)) = &business
            {
                self.months(*id, sector.revenue, &mentor, day, rng).await?;
            }
        }
        Ok(())
    }

    /// Two to five mentoring visits after `from`, each before today.
    async fn visits(
        &mut self,
        enrolment: i64,
        mentor: &User,
        from: NaiveDate,
        rng: &mut SynthRng,
    ) -> anyhow::Result<()> {
        let mut day = from - Duration::days(20);
        for _ in 0..rng.random_range(2..=5) {
            day += days(rng, 10, 35);
            if day >= self.today {
                break;
            }
            let v = VisitInput {
                visited_on: day,
                topics: pick(rng, &VISIT_TOPICS).to_string(),
                problems: pick(rng, &VISIT_PROBLEMS).to_string(),
                advice: pick(rng, &VISIT_ADVICE).to_string(),
                next_step: pick(rng, &VISIT_NEXT).to_string(),
            };
            pl::add_visit(self.tx, enrolment, &v, mentor.id, at(day, 180)).await?;
        }
        Ok(())
    }

    /// Monthly figures from the month after registration to last month (at most 12).
    async fn months(
        &mut self,
        business: i64,
        (lo, hi): (i64, i64),
        mentor: &User,
        from: NaiveDate,
        rng: &mut SynthRng,
    ) -> anyhow::Result<()> {
        let mut revenue = rupiah(rng, lo * 1_000, hi * 1_000, 50_000);
        let mut month = add_months(
            NaiveDate::from_ymd_opt(from.year(), from.month(), 1).expect("day"),
            1,
        );
        let this_month =
            NaiveDate::from_ymd_opt(self.today.year(), self.today.month(), 1).expect("day");
        let mut n = 0;
        while month < this_month && n < 12 {
            let costs = revenue * rng.random_range(60..=88) / 100;
            let recorded = add_months(month, 1) + days(rng, 0, 9);
            if recorded >= self.today {
                break;
            }
            pl::record_month(
                self.tx,
                business,
                &format!("{:04}-{:02}", month.year(), month.month()),
                revenue,
                costs / 1_000 * 1_000,
                mentor.id,
                at(recorded, 200),
            )
            .await?;
            revenue = (revenue * rng.random_range(92..=115) / 100 / 1_000 * 1_000).max(500_000);
            month = add_months(month, 1);
            n += 1;
        }
        Ok(())
    }

    /// Sends a referral on `day` from the programme's owner; the receiving agency's account
    /// (when it has one in the demo) accepts it within days and often closes it with
    /// `outcome`; the rest stay open, some past their due date.
    #[allow(clippy::too_many_arguments)]
    async fn refer(
        &mut self,
        p: &ProgrammePlan,
        cand: &Candidate,
        enrolment: i64,
        to_agency: &str,
        service: Service,
        note: &str,
        day: NaiveDate,
        receiver: Option<(&str, &str)>,
        rng: &mut SynthRng,
    ) -> anyhow::Result<()> {
        if day >= self.today {
            return Ok(());
        }
        let officer = self.cast.user(p.officer)?.clone();
        let to = self.cast.agency(to_agency)?;
        let id = rf::refer(
            self.tx,
            &NewReferral {
                person_id: cand.id,
                enrolment_id: Some(enrolment),
                from_agency_id: officer.agency_id,
                to_agency_id: to,
                service,
                note,
                due_on: day + days(rng, 14, 30),
                created_by: officer.id,
            },
            day,
            at(day, 150),
        )
        .await
        .map_err(|e| anyhow!("referral to {to_agency}: {e}"))?;
        self.out.referrals += 1;
        let Some((user, outcome)) = receiver else {
            return Ok(());
        };
        let user = self.cast.user(user)?.clone();
        let accepted = day + days(rng, 1, 10);
        if accepted >= self.today || rng.random_bool(0.15) {
            return Ok(());
        }
        rf::decide(
            self.tx,
            id,
            to,
            user.id,
            Status::Accepted,
            "",
            at(accepted, 60),
        )
        .await
        .map_err(|e| anyhow!("accept referral: {e}"))?;
        let closed = accepted + days(rng, 5, 40);
        if closed >= self.today || rng.random_bool(0.25) {
            return Ok(());
        }
        rf::decide(
            self.tx,
            id,
            to,
            user.id,
            Status::Closed,
            outcome,
            at(closed, 60),
        )
        .await
        .map_err(|e| anyhow!("close referral: {e}"))?;
        Ok(())
    }
}

fn bank_name(code: &str) -> &'static str {
    match code {
        "bri-serang" => "BRI Unit Serang",
        "bri-tangerang" => "BRI Unit Tigaraksa",
        _ => "Bank penyalur KUR",
    }
}
