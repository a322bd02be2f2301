//! Demo returnees: about 3,000 synthetic PMI Purna of Banten in the registry, so that a newcomer
//! who signs in with a demo account sees a living registry. The people come from `emas_synth`
//! (real NIK structure, Kemendagri region codes, the regencies that send most workers weighted
//! higher, women the majority); this module adds what a registry holds on top of the truth and
//! the flaws real records carry: people without an NIK, an NIK that disagrees with the birth
//! date (accepted with a note), an address code the reference data does not know.
//!
//! [`registry_entry`] is the one mapping from a synthetic person to a registry entry; the search
//! benchmark (`emas bench search`) loads its million people through it too.

use std::fmt;

use chrono::{DateTime, Utc};
use emas_domain::access::Scope;
use emas_domain::nik::{Nik, Sex};
use emas_domain::person::{MigrationStatus, PlacementRoute, Sector};
use emas_store::audit::{self, AuditEntry};
use emas_store::people::{self, AddressInput, NewPerson, PersonInput, PersonQuery, PlacementInput};
use emas_store::{Db, DbError};
use emas_synth::people::{Country, PeopleGenerator};
use emas_synth::{SynthRng, damage};
use rand::{Rng, SeedableRng};

/// The demo registry is the same on every machine and every run.
pub const DEMO_SEED: u64 = 0x454D_4153; // "EMAS"
/// Enough people that lists page, filters narrow and every regency has its own.
pub const DEMO_PEOPLE: usize = 3_000;

/// Shares of the flaws real registries hold (DOMAIN.md, "Facts to get right").
const WITHOUT_NIK: f64 = 0.08;
const NIK_MISMATCH: f64 = 0.015;
const UNKNOWN_REGION: f64 = 0.01;
const WITHOUT_PHONE: f64 = 0.04;
const SECOND_PHONE: f64 = 0.10;

const NIK_MISMATCH_NOTES: &[&str] = &[
    "Tanggal lahir di daftar agensi tidak diketahui (tercatat 1 Januari/1 Juli/31 Desember); NIK sesuai KTP-el.",
    "Tanggal lahir di paspor berbeda dengan NIK; dicek dengan Kartu Keluarga, NIK benar.",
    "Salah ketik tanggal lahir di daftar keberangkatan; NIK dicek ke Dukcapil.",
];

/// Licensed placement agencies (P3MI) of the demo; invented names.
const P3MI: &[&str] = &[
    "PT Duta Banten Mandiri",
    "PT Karya Sejahtera Abadi",
    "PT Bina Insan Pertiwi",
    "PT Mitra Tenaga Serang",
    "PT Cahaya Anugerah Migran",
    "PT Lintas Samudra Jaya",
];

/// What a registry entry adds to a synthetic person, decided by the person's own random stream
/// so that every person is the same whatever else is generated.
pub fn registry_entry(seed: u64, p: &emas_synth::Person) -> NewPerson {
    let mut rng = SynthRng::seed_from_u64(seed ^ p.id.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut birth_date = p.birth_date;
    let mut nik = Nik::from_u64(p.nik.parse().unwrap_or(0));
    let mut nik_mismatch_note = String::new();
    if rng.random_bool(WITHOUT_NIK) {
        nik = None;
    } else if nik.is_some() && rng.random_bool(NIK_MISMATCH) {
        // The birth date as an agency list had it: a placeholder or a slip, so it no longer
        // agrees with digits 7-12 of the NIK; the registrar accepted it with a reason.
        let recorded = if rng.random_bool(0.6) {
            damage::placeholder_date(&mut rng, p.birth_date)
        } else {
            damage::date_slip(&mut rng, p.birth_date)
        };
        if recorded != p.birth_date {
            birth_date = recorded;
            nik_mismatch_note =
                NIK_MISMATCH_NOTES[rng.random_range(0..NIK_MISMATCH_NOTES.len())].to_owned();
        }
    }
    let (region_code, region_known) = if rng.random_bool(UNKNOWN_REGION) {
        // A village code from an old list, after a district split renumbered its villages: kept
        // as recorded and flagged, never dropped.
        (format!("{}.2999", p.address.district_code), false)
    } else {
        (p.address.village_code.clone(), true)
    };
    let mut phones = Vec::new();
    if !rng.random_bool(WITHOUT_PHONE) {
        phones.push(p.phone.clone());
        if rng.random_bool(SECOND_PHONE) {
            phones.push(format!("+62857{:08}", rng.random_range(0..100_000_000u32)));
        }
    }
    let placements: Vec<PlacementInput> = p
        .placements
        .iter()
        .map(|pl| placement(&mut rng, pl))
        .collect();
    let last = p.placements.last();
    let (status, status_since) = match last {
        Some(pl) if pl.return_date.is_none() && p.placements.len() > 1 => {
            (MigrationStatus::DepartedAgain, Some(pl.departure))
        }
        Some(pl) if pl.return_date.is_none() => (MigrationStatus::Abroad, Some(pl.departure)),
        Some(pl) => (MigrationStatus::Returned, pl.return_date),
        None => (MigrationStatus::Returned, None),
    };
    let person = PersonInput {
        nik,
        nik_mismatch_note,
        full_name: p.name.clone(),
        sex: Some(match p.sex {
            emas_synth::Sex::Female => Sex::Female,
            emas_synth::Sex::Male => Sex::Male,
        }),
        birth_date: Some(birth_date),
        birth_place: p.birth_place.clone(),
        education: pick(
            &mut rng,
            &[
                ("SD", 0.30),
                ("SMP", 0.35),
                ("SMA/SMK", 0.28),
                ("D3", 0.04),
                ("S1", 0.03),
            ],
        )
        .to_owned(),
        household_size: Some(rng.random_range(2..=7)),
        skills: skills(&placements),
        languages: languages(&p.placements),
        status,
        status_since,
        address: AddressInput {
            region_code: Some(region_code),
            region_known,
            kampung: p.address.street.clone(),
            rt: format!("{:03}", p.address.rt),
            rw: format!("{:03}", p.address.rw),
            street: String::new(),
        },
        phones,
    };
    NewPerson { person, placements }
}

fn placement(rng: &mut SynthRng, pl: &emas_synth::Placement) -> PlacementInput {
    use emas_synth::people::Sector as S;
    let sector = match pl.sector {
        S::DomesticWorker => Sector::DomesticWorker,
        S::Caregiver => Sector::Caregiver,
        S::Factory => Sector::Factory,
        S::FishingCrew => Sector::FishingCrew,
        S::Construction => Sector::Construction,
        S::Plantation => Sector::Plantation,
        S::Agriculture | S::Driver => Sector::Other,
    };
    // Korea hires through the government-to-government EPS scheme, Japan partly; a moratorium
    // makes many placements to Saudi Arabia and Malaysia non-procedural.
    let route = match pl.country {
        Country::Korea if rng.random_bool(0.85) => PlacementRoute::GovernmentToGovernment,
        Country::Japan if rng.random_bool(0.3) => PlacementRoute::GovernmentToGovernment,
        Country::SaudiArabia | Country::Malaysia if rng.random_bool(0.2) => {
            PlacementRoute::NonProcedural
        }
        _ if rng.random_bool(0.08) => PlacementRoute::Independent,
        _ => PlacementRoute::LicensedAgency,
    };
    let agency = match route {
        PlacementRoute::LicensedAgency => P3MI[rng.random_range(0..P3MI.len())].to_owned(),
        PlacementRoute::GovernmentToGovernment => "BP2MI (G to G)".to_owned(),
        PlacementRoute::Independent | PlacementRoute::NonProcedural => String::new(),
    };
    PlacementInput {
        country: country_code(pl.country).to_owned(),
        sector,
        route,
        employer: String::new(),
        agency,
        departure_date: Some(pl.departure),
        return_date: pl.return_date,
        return_reason: pl.return_reason.unwrap_or_default().to_owned(),
    }
}

/// The ISO code the registry keeps for a destination.
pub fn country_code(c: Country) -> &'static str {
    match c {
        Country::Taiwan => "TW",
        Country::HongKong => "HK",
        Country::Malaysia => "MY",
        Country::SaudiArabia => "SA",
        Country::Singapore => "SG",
        Country::Korea => "KR",
        Country::Japan => "JP",
    }
}

fn pick<'a>(rng: &mut SynthRng, table: &[(&'a str, f64)]) -> &'a str {
    let total: f64 = table.iter().map(|t| t.1).sum();
    let mut x = rng.random::<f64>() * total;
    for (v, w) in table {
        if x < *w {
            return v;
        }
        x -= w;
    }
    table.last().map(|t| t.0).unwrap_or_default()
}

/// The skills a returnee brings home from the work they did.
fn skills(placements: &[PlacementInput]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for pl in placements {
        let s = match pl.sector {
            Sector::DomesticWorker => "Memasak, mengurus rumah tangga",
            Sector::Caregiver => "Merawat lansia",
            Sector::Factory => "Operator mesin produksi",
            Sector::FishingCrew => "Penangkapan ikan",
            Sector::Construction => "Pertukangan",
            Sector::Plantation => "Perkebunan",
            Sector::Hospitality | Sector::Other => continue,
        };
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out.join("; ")
}

/// Indonesian, and the languages of the countries worked in.
fn languages(placements: &[emas_synth::Placement]) -> String {
    let mut out = vec!["Indonesia"];
    for pl in placements {
        let l: &[&str] = match pl.country {
            Country::Taiwan => &["Mandarin"],
            Country::HongKong => &["Kanton", "Inggris"],
            Country::Malaysia => &["Melayu"],
            Country::SaudiArabia => &["Arab"],
            Country::Singapore => &["Inggris"],
            Country::Korea => &["Korea"],
            Country::Japan => &["Jepang"],
        };
        for l in l {
            if !out.contains(l) {
                out.push(l);
            }
        }
    }
    out.join(", ")
}

/// The demo's returnees, in registry order.
pub fn demo_people() -> Vec<NewPerson> {
    PeopleGenerator::new(DEMO_SEED)
        .next_chunk(DEMO_PEOPLE)
        .iter()
        .take(DEMO_PEOPLE)
        .map(|p| registry_entry(DEMO_SEED, p))
        .collect()
}

#[derive(Debug, PartialEq, Eq)]
pub enum DemoPeople {
    Loaded(usize),
    /// The registry already holds people (real or from an earlier demo); none were added.
    RegistryNotEmpty,
}

impl fmt::Display for DemoPeople {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemoPeople::Loaded(n) => write!(f, "{n} returnees"),
            DemoPeople::RegistryNotEmpty => {
                f.write_str("no returnees (the registry already holds people)")
            }
        }
    }
}

/// Fills an empty registry with the demo's returnees, in one transaction with its audit line.
/// Called only in the run that loaded the demo agencies and accounts; a registry that holds
/// anyone already is left alone, so demo people never mix with real ones.
pub async fn load(db: &Db, now: DateTime<Utc>) -> Result<DemoPeople, DbError> {
    let probe = PersonQuery {
        limit: 1,
        ..PersonQuery::default()
    };
    let (_, existing) = db.search_people(&probe, &Scope::National).await?;
    if existing > 0 {
        return Ok(DemoPeople::RegistryNotEmpty);
    }
    let new = demo_people();
    let mut tx = db.begin().await?;
    let ids = people::create_people(&mut tx, &new, now).await?;
    // So that a list imported into the demo finds the demo's people.
    let own: Vec<(i64, &people::PersonInput)> = ids
        .iter()
        .copied()
        .zip(new.iter().map(|n| &n.person))
        .collect();
    emas_store::resolution::keep_own(&mut tx, &own, now).await?;
    let entry = AuditEntry {
        actor_user_id: None,
        actor: "system".into(),
        action: "demo.people".into(),
        entity: "person".into(),
        entity_id: String::new(),
        detail: format!("{} synthetic returnees (seed {DEMO_SEED})", ids.len()),
        request_id: String::new(),
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(DemoPeople::Loaded(ids.len()))
}
