//! The truth: synthetic returnees of Banten as they really are, before any list writes them down.
//!
//! People come in households: most returnees are the only one of their household in the data,
//! but some have a sibling (now and then a twin) who also worked abroad. Siblings share the
//! address, the father's name (so "binti Sulaeman" does not tell them apart), often the naming
//! tradition and sometimes the phone: the hard negatives a linkage engine must not merge.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rayon::prelude::*;

use crate::names::{self, Tradition};
use crate::places::{self, geography};
use crate::tables::Weighted;
use crate::{Stream, rng_for};

/// The day the synthetic world stands still: placements after it have not ended yet. Fixed, so
/// that a seed gives the same data on every day.
pub fn reference_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).expect("a valid calendar date")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    pub(crate) fn index(self) -> usize {
        match self {
            Sex::Female => 0,
            Sex::Male => 1,
        }
    }

    /// The letter Indonesian forms use: L (laki-laki) or P (perempuan).
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "P",
            Sex::Male => "L",
        }
    }
}

/// A destination country of Banten's migrant workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Country {
    Taiwan,
    HongKong,
    Malaysia,
    SaudiArabia,
    Singapore,
    Korea,
    Japan,
}

impl Country {
    /// The name in Bahasa Indonesia.
    pub fn name_id(self) -> &'static str {
        match self {
            Country::Taiwan => "Taiwan",
            Country::HongKong => "Hong Kong",
            Country::Malaysia => "Malaysia",
            Country::SaudiArabia => "Arab Saudi",
            Country::Singapore => "Singapura",
            Country::Korea => "Korea Selatan",
            Country::Japan => "Jepang",
        }
    }

    /// Other ways lists write the country.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Country::Taiwan => &["TAIWAN", "Taiwan R.O.C", "TWN"],
            Country::HongKong => &["Hongkong", "HONGKONG", "HK"],
            Country::Malaysia => &["MALAYSIA", "Malaysia"],
            Country::SaudiArabia => &["Saudi Arabia", "KSA", "ARAB SAUDI"],
            Country::Singapore => &["Singapore", "SINGAPURA"],
            Country::Korea => &["Korea", "Korsel", "KOREA SELATAN"],
            Country::Japan => &["Japan", "JEPANG"],
        }
    }
}

/// The work done abroad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sector {
    DomesticWorker,
    Caregiver,
    Factory,
    FishingCrew,
    Construction,
    Plantation,
    Agriculture,
    Driver,
}

impl Sector {
    /// The job title used in the national agency's lists.
    pub fn name_id(self) -> &'static str {
        match self {
            Sector::DomesticWorker => "Penata Laksana Rumah Tangga",
            Sector::Caregiver => "Perawat Lansia",
            Sector::Factory => "Operator Produksi",
            Sector::FishingCrew => "Anak Buah Kapal Perikanan",
            Sector::Construction => "Pekerja Konstruksi",
            Sector::Plantation => "Pekerja Perkebunan",
            Sector::Agriculture => "Pekerja Pertanian",
            Sector::Driver => "Pengemudi",
        }
    }
}

/// One stay abroad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub country: Country,
    pub sector: Sector,
    pub departure: NaiveDate,
    /// `None` while still abroad on [`reference_date`].
    pub return_date: Option<NaiveDate>,
    pub return_reason: Option<&'static str>,
}

/// A home address: hamlet or street with RT/RW, and the village, district and regency with
/// their Kemendagri codes from the reference table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// "Kp. Cibeber" in the country, "Jl. Melati No. 12" in town.
    pub street: String,
    pub rt: u8,
    pub rw: u8,
    pub village_code: String,
    pub village: String,
    pub district_code: String,
    pub district: String,
    pub regency_code: String,
    /// As in the reference table: "Kabupaten Serang".
    pub regency: String,
}

impl Address {
    /// A village is a "kelurahan" (code 1xxx) in towns, a "desa" (2xxx) in the country.
    pub fn is_kelurahan(&self) -> bool {
        self.village_code
            .rsplit('.')
            .next()
            .is_some_and(|v| v.starts_with('1'))
    }
}

/// A returnee as they really are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Unique within a generated set, in generation order from 0.
    pub id: u64,
    /// Shared by siblings.
    pub household: u64,
    /// 16 digits: district code of the address, DDMMYY of birth (+40 on the day for women),
    /// serial. Unique within a generated set.
    pub nik: String,
    /// In today's spelling, as the person writes it.
    pub name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub birth_place: String,
    /// Used after "bin"/"binti"; shared by siblings.
    pub father_name: String,
    pub address: Address,
    /// E.164: "+62812…".
    pub phone: String,
    /// In time order; at least one.
    pub placements: Vec<Placement>,
}

/// Makes people in order, a chunk at a time, so that a million of them never need to be in
/// memory at once. Chunks hold whole households; the people are the same whatever the chunk
/// sizes.
pub struct PeopleGenerator {
    seed: u64,
    next_household: u64,
    next_id: u64,
    niks: HashSet<u64>,
}

impl PeopleGenerator {
    pub fn new(seed: u64) -> Self {
        PeopleGenerator {
            seed,
            next_household: 0,
            next_id: 0,
            niks: HashSet::new(),
        }
    }

    /// The next whole households, at least `at_least` people (a household may add up to two
    /// more).
    pub fn next_chunk(&mut self, at_least: usize) -> Vec<Person> {
        let mut plan = Vec::new();
        let mut count = 0usize;
        while count < at_least {
            let size = household_size(self.seed, self.next_household);
            plan.push((self.next_household, size, self.next_id));
            self.next_household += 1;
            self.next_id += size as u64;
            count += size;
        }
        let seed = self.seed;
        let mut people: Vec<Person> = plan
            .into_par_iter()
            .flat_map_iter(|(h, size, first_id)| household(seed, h, size, first_id))
            .collect();
        // Independent draws can repeat a NIK; the next free serial is what an office would
        // have issued. Sequential, so that it is deterministic.
        for p in &mut people {
            make_nik_unique(&mut p.nik, &mut self.niks);
        }
        people
    }
}

/// `n` people for this seed. The first `k` are the same for any `n >= k`.
pub fn generate(seed: u64, n: usize) -> Vec<Person> {
    let mut generator = PeopleGenerator::new(seed);
    let mut people = Vec::with_capacity(n + 2);
    while people.len() < n {
        let want = (n - people.len()).min(65_536);
        people.extend(generator.next_chunk(want));
    }
    people.truncate(n);
    people
}

fn household_size(seed: u64, h: u64) -> usize {
    let x = rng_for(seed, Stream::HouseholdSize, h).random::<f64>();
    if x < 0.88 {
        1
    } else if x < 0.98 {
        2
    } else {
        3
    }
}

fn make_nik_unique(nik: &mut String, taken: &mut HashSet<u64>) {
    let Ok(mut value) = nik.parse::<u64>() else {
        return;
    };
    let base = value - value % 10_000;
    let mut serial = value % 10_000;
    while !taken.insert(value) {
        serial = if serial >= 9_999 { 1 } else { serial + 1 };
        value = base + serial;
    }
    *nik = format!("{value:016}");
}

fn pick_tradition<R: Rng + ?Sized>(rng: &mut R, regency_code: &str) -> Tradition {
    let mix = Tradition::mix_for_regency(regency_code);
    *Weighted::new(mix).pick(rng)
}

fn household(seed: u64, h: u64, size: usize, first_id: u64) -> Vec<Person> {
    let mut rng = rng_for(seed, Stream::Household, h);
    let geo = geography();
    let (ri, di, vi) = geo.pick_village(&mut rng);
    let regency = &geo.regencies[ri];
    let district = &regency.districts[di];
    let (village_code, village) = &district.villages[vi];
    let street = if regency.is_city() && rng.random_bool(0.6) {
        places::street(&mut rng)
    } else {
        format!("Kp. {}", places::kampung(&mut rng))
    };
    let address = Address {
        street,
        rt: rng.random_range(1..=15),
        rw: rng.random_range(1..=9),
        village_code: village_code.clone(),
        village: village.clone(),
        district_code: district.code.clone(),
        district: district.name.clone(),
        regency_code: regency.code.clone(),
        regency: regency.name.clone(),
    };
    let tradition = pick_tradition(&mut rng, &regency.code);
    let father_name = names::father_name(&mut rng, tradition);
    let family_phone = places::phone(&mut rng);

    let mut people: Vec<Person> = Vec::with_capacity(size);
    for m in 0..size {
        let sex = if rng.random_bool(0.7) {
            Sex::Female
        } else {
            Sex::Male
        };
        let birth_date = match people.first() {
            // A twin: same birth date, so NIKs differ only in the serial (and the sex digit).
            Some(first) if rng.random_bool(0.15) => first.birth_date,
            Some(first) => {
                let gap = rng.random_range(400..4_000);
                let later = rng.random_bool(0.5);
                let d = if later {
                    first.birth_date + Duration::days(gap)
                } else {
                    first.birth_date - Duration::days(gap)
                };
                d.clamp(date(1966, 1, 1), date(2004, 12, 31))
            }
            None => random_date(&mut rng, date(1968, 1, 1), date(2004, 6, 30)),
        };
        // Siblings mostly share the tradition of the household's names.
        let own_tradition = if rng.random_bool(0.8) {
            tradition
        } else {
            pick_tradition(&mut rng, &regency.code)
        };
        let mut name = names::full_name(&mut rng, sex, own_tradition);
        if people.iter().any(|p| p.name == name) {
            // Parents rarely give two children one name; twins get rhyming ones at most.
            name = names::full_name(&mut rng, sex, own_tradition);
        }
        let birth_place = if let (Some(first), true) = (people.first(), rng.random_bool(0.8)) {
            first.birth_place.clone()
        } else {
            places::birth_place(&mut rng, regency, district)
        };
        // The first often gives the household's number; a sibling sometimes gives it too.
        let shares_phone = rng.random_bool(if m == 0 { 0.5 } else { 0.15 });
        let phone = if shares_phone {
            family_phone.clone()
        } else {
            places::phone(&mut rng)
        };
        let placements = placements(&mut rng, sex, birth_date);
        let nik = nik_for(&mut rng, &district.code, sex, birth_date);
        people.push(Person {
            id: first_id + m as u64,
            household: h,
            nik,
            name,
            sex,
            birth_date,
            birth_place,
            father_name: father_name.clone(),
            address: address.clone(),
            phone,
            placements,
        });
    }
    people
}

/// A NIK with the real structure. The serial is drawn low, as most districts issue few per day.
fn nik_for<R: Rng + ?Sized>(
    rng: &mut R,
    district_code: &str,
    sex: Sex,
    birth: NaiveDate,
) -> String {
    let district: String = district_code.chars().filter(char::is_ascii_digit).collect();
    let day = birth.day() + if sex == Sex::Female { 40 } else { 0 };
    let serial = rng.random_range(1..=2_000);
    format!(
        "{district}{day:02}{:02}{:02}{serial:04}",
        birth.month(),
        birth.year() % 100
    )
}

pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

fn random_date<R: Rng + ?Sized>(rng: &mut R, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    from + Duration::days(rng.random_range(0..=span))
}

fn country_table(sex: Sex) -> Weighted<Country> {
    use Country::*;
    match sex {
        Sex::Female => Weighted::new([
            (Taiwan, 0.33),
            (HongKong, 0.25),
            (SaudiArabia, 0.15),
            (Singapore, 0.12),
            (Malaysia, 0.10),
            (Japan, 0.03),
            (Korea, 0.02),
        ]),
        Sex::Male => Weighted::new([
            (Malaysia, 0.30),
            (Taiwan, 0.25),
            (Korea, 0.20),
            (Japan, 0.15),
            (SaudiArabia, 0.06),
            (Singapore, 0.02),
            (HongKong, 0.02),
        ]),
    }
}

fn sector_for<R: Rng + ?Sized>(rng: &mut R, sex: Sex, country: Country) -> Sector {
    use Country::*;
    use Sector::*;
    let table: &[(Sector, f64)] = match (sex, country) {
        (Sex::Female, Taiwan) => &[(Caregiver, 0.6), (DomesticWorker, 0.2), (Factory, 0.2)],
        (Sex::Female, HongKong | Singapore) => &[(DomesticWorker, 0.9), (Caregiver, 0.1)],
        (Sex::Female, SaudiArabia) => &[(DomesticWorker, 1.0)],
        (Sex::Female, Malaysia) => &[(DomesticWorker, 0.5), (Factory, 0.4), (Plantation, 0.1)],
        (Sex::Female, Korea) => &[(Factory, 1.0)],
        (Sex::Female, Japan) => &[(Caregiver, 0.5), (Factory, 0.5)],
        (Sex::Male, Taiwan) => &[(Factory, 0.55), (FishingCrew, 0.35), (Agriculture, 0.1)],
        (Sex::Male, Malaysia) => &[(Plantation, 0.45), (Construction, 0.35), (Factory, 0.2)],
        (Sex::Male, Korea) => &[(Factory, 0.8), (FishingCrew, 0.2)],
        (Sex::Male, Japan) => &[(Factory, 0.4), (Construction, 0.3), (Agriculture, 0.3)],
        (Sex::Male, SaudiArabia) => &[(Driver, 0.7), (Construction, 0.3)],
        (Sex::Male, Singapore) => &[(Construction, 1.0)],
        (Sex::Male, HongKong) => &[(Driver, 1.0)],
    };
    *Weighted::new(table.iter().copied()).pick(rng)
}

/// Contract lengths in days: three years in Taiwan, two (often renewed) in Hong Kong, longer
/// programmes in Korea and Japan.
fn stay_days<R: Rng + ?Sized>(rng: &mut R, country: Country) -> i64 {
    let (lo, hi) = match country {
        Country::Taiwan => (700, 1_460),
        Country::HongKong => (700, 2_200),
        Country::Korea | Country::Japan => (1_000, 1_800),
        _ => (600, 1_460),
    };
    rng.random_range(lo..=hi)
}

const RETURN_REASONS: &[(&str, f64)] = &[
    ("Kontrak selesai", 0.78),
    ("Sakit", 0.05),
    ("PHK", 0.05),
    ("Masalah dengan majikan", 0.05),
    ("Keluarga", 0.05),
    ("Dideportasi", 0.02),
];

fn placements<R: Rng + ?Sized>(rng: &mut R, sex: Sex, birth: NaiveDate) -> Vec<Placement> {
    let countries = country_table(sex);
    let reasons = Weighted::new(RETURN_REASONS.iter().copied());
    let adult = birth + Duration::days(19 * 365 + 5);
    let earliest = adult.max(date(2005, 1, 1));
    let latest = (birth + Duration::days(40 * 365))
        .min(date(2025, 6, 30))
        .max(earliest);
    let mut departure = random_date(rng, earliest, latest);
    let mut country = *countries.pick(rng);
    let mut out = Vec::new();
    loop {
        let sector = sector_for(rng, sex, country);
        let back = departure + Duration::days(stay_days(rng, country));
        let ended = back <= reference_date();
        out.push(Placement {
            country,
            sector,
            departure,
            return_date: ended.then_some(back),
            return_reason: ended.then(|| *reasons.pick(rng)),
        });
        if !ended || out.len() >= 3 || !rng.random_bool(0.35) {
            break;
        }
        departure = back + Duration::days(rng.random_range(60..900));
        if departure > reference_date() {
            break;
        }
        if rng.random_bool(0.4) {
            country = *countries.pick(rng);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_people_and_another_seed_others() {
        let a = generate(42, 2_000);
        let b = generate(42, 2_000);
        assert_eq!(a, b);
        let c = generate(43, 2_000);
        assert_ne!(a, c);
        // A prefix does not depend on how many are asked for.
        assert_eq!(generate(42, 500)[..], a[..500]);
    }

    #[test]
    fn niks_have_the_real_structure_and_match_the_person() {
        let people = generate(7, 20_000);
        let mut seen = HashSet::new();
        for p in &people {
            assert_eq!(p.nik.len(), 16, "{}", p.nik);
            assert!(p.nik.bytes().all(|b| b.is_ascii_digit()));
            assert!(seen.insert(p.nik.clone()), "NIK {} repeats", p.nik);
            let district: String = p.address.district_code.replace('.', "");
            assert_eq!(&p.nik[..6], district, "digits 1-6 are the district");
            let day: u32 = p.nik[6..8].parse().expect("digits");
            let expected_day = p.birth_date.day() + if p.sex == Sex::Female { 40 } else { 0 };
            assert_eq!(day, expected_day, "day (+40 for women) of {}", p.nik);
            assert_eq!(p.nik[8..10], format!("{:02}", p.birth_date.month()));
            assert_eq!(p.nik[10..12], format!("{:02}", p.birth_date.year() % 100));
            assert_ne!(&p.nik[12..], "0000", "serials start at 0001");
            assert!(p.address.village_code.starts_with(&p.address.district_code));
            assert!(p.address.district_code.starts_with(&p.address.regency_code));
            assert!(p.phone.starts_with("+628"));
            assert!(!p.placements.is_empty());
        }
    }

    #[test]
    fn most_returnees_are_women_and_some_share_a_household() {
        let people = generate(3, 20_000);
        let women = people.iter().filter(|p| p.sex == Sex::Female).count() as f64;
        let share = women / people.len() as f64;
        assert!((0.66..0.74).contains(&share), "share of women {share}");
        let households: HashSet<u64> = people.iter().map(|p| p.household).collect();
        assert!(households.len() < people.len() * 95 / 100);
        let twins = people
            .windows(2)
            .filter(|w| w[0].household == w[1].household && w[0].birth_date == w[1].birth_date)
            .count();
        assert!(twins > 0, "some siblings are twins");
    }

    #[test]
    fn placements_are_in_time_order_and_end_before_the_reference_date() {
        for p in generate(11, 5_000) {
            let mut last = NaiveDate::MIN;
            for pl in &p.placements {
                assert!(pl.departure > last);
                assert!(pl.departure > p.birth_date + Duration::days(18 * 365));
                if let Some(back) = pl.return_date {
                    assert!(back > pl.departure && back <= reference_date());
                    last = back;
                }
            }
        }
    }
}
