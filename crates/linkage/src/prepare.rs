//! Standardisation of input rows into compact records: every string interned to a `u32`, every
//! key the later stages need (phonetic codes, joined and sorted name forms, NIK decoded, dates
//! as day numbers) computed once here, so that blocking and comparison touch only integers and
//! short byte strings.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{Datelike, NaiveDate};
use emas_domain::address::{Address, standardise_region};
use emas_domain::date::{is_placeholder, parse_date, split_place_date};
use emas_domain::name::{fold_ascii, phonetic, standardise};
use emas_domain::nik::{NikCell, Sex};
use emas_domain::phone;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::field::Field;

/// A row as the engine receives it: which source, its id there, and its field values (a field
/// may appear more than once; its values are joined with spaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub source: u16,
    pub id: String,
    pub values: Vec<(Field, String)>,
}

/// A fast non-cryptographic hasher (the Fx hash of rustc) for interning and block keys: the
/// keys are our own data, so flooding resistance buys nothing here.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(buf));
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(FX_SEED);
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;

/// Strings stored once; id 0 is "absent". Saved as its list of strings; the lookup map is
/// rebuilt on loading.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "Vec<Box<str>>")]
pub struct Interner {
    map: HashMap<Box<str>, u32, FxBuild>,
    strings: Vec<Box<str>>,
    /// A hash of each string's bytes: blocking keys are built from these rather than from ids,
    /// so that the same record has the same keys in every dataset (a registry keeps them).
    hashes: Vec<u64>,
}

/// A hash of a string's bytes that is the same on every machine and in every run.
fn stable_hash(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.write_usize(s.len());
    h.finish().max(1)
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            map: HashMap::default(),
            strings: vec!["".into()],
            hashes: vec![0],
        }
    }
}

impl Serialize for Interner {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.strings.serialize(serializer)
    }
}

impl From<Vec<Box<str>>> for Interner {
    fn from(strings: Vec<Box<str>>) -> Interner {
        let mut map: HashMap<Box<str>, u32, FxBuild> = HashMap::default();
        map.reserve(strings.len());
        let mut hashes = Vec::with_capacity(strings.len());
        hashes.push(0);
        for (i, s) in strings.iter().enumerate().skip(1) {
            map.insert(s.clone(), i as u32);
            hashes.push(stable_hash(s));
        }
        Interner {
            map,
            strings,
            hashes,
        }
    }
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = u32::try_from(self.strings.len()).expect("fewer than 4 billion distinct strings");
        self.strings.push(s.into());
        self.hashes.push(stable_hash(s));
        self.map.insert(s.into(), id);
        id
    }

    pub fn get(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    /// The id of a string already interned.
    pub fn lookup(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }

    /// The stable hash of an interned string; 0 for id 0 (absent).
    pub fn stable_hash(&self, id: u32) -> u64 {
        self.hashes[id as usize]
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.len() <= 1
    }
}

/// NIK state of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum NikState {
    #[default]
    Missing,
    /// Sixteen digits, consistent with the record's own birth date and sex where those are given.
    Clean,
    /// Sixteen digits that contradict the record's birth date or sex: one of them is wrong.
    Suspect,
    /// Only `nik_len` leading digits are known (spreadsheet damage).
    Damaged,
}

/// A standardised record. Strings are interner ids (0 = absent); `dob` is days from the common
/// era (0 = absent).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Rec {
    pub nik: u64,
    pub nik_state: NikState,
    pub nik_len: u8,
    pub sex: u8,
    pub dob_placeholder: bool,
    pub dob: i32,
    pub id_number: u32,
    pub name: u32,
    pub name_concat: u32,
    pub name_sorted: u32,
    pub ph_first: u32,
    pub ph_last: u32,
    pub ph_sorted: u32,
    pub name_tokens: (u32, u16),
    pub birth_place: u32,
    pub phone: u64,
    pub email: u32,
    pub addr_tokens: (u32, u16),
    pub village: u32,
    pub district: u32,
    pub regency: u32,
    pub province: u32,
    pub postcode: u32,
    pub country: u32,
}

impl Rec {
    /// A record with nothing to compare on becomes a cluster of its own.
    pub fn is_comparable(&self) -> bool {
        self.name != 0
            || self.nik_state != NikState::Missing
            || self.id_number != 0
            || self.phone != 0
            || self.email != 0
    }
}

/// All records of a run, standardised: the columnar store the rest of the engine reads.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Dataset {
    pub recs: Vec<Rec>,
    pub sources: Vec<u16>,
    pub ids: Vec<Box<str>>,
    pub strings: Interner,
    /// Sorted interned token ids of names and addresses, sliced by `Rec::name_tokens` and
    /// `Rec::addr_tokens`.
    pub tokens: Vec<u32>,
    /// Records with nothing comparable (counted and reported, never fatal).
    pub garbage: usize,
}

/// Owned result of standardising one row, before interning (built in parallel).
#[derive(Default)]
struct Std {
    nik: u64,
    nik_state: NikState,
    nik_len: u8,
    sex: u8,
    dob: Option<NaiveDate>,
    id_number: Option<String>,
    name_tokens: Vec<String>,
    /// Derived name forms, computed in the parallel stage: written, joined, sorted, and the
    /// phonetic codes of the first and last token and of all tokens sorted.
    name_forms: Option<[String; 6]>,
    birth_place: Option<String>,
    phone: u64,
    email: Option<String>,
    addr_tokens: Vec<String>,
    village: Option<String>,
    district: Option<String>,
    regency: Option<String>,
    province: Option<String>,
    postcode: Option<String>,
    country: Option<String>,
}

fn text(s: &str) -> Option<String> {
    let folded = fold_ascii(s);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

fn digits(s: &str) -> Option<String> {
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    (!d.is_empty()).then_some(d)
}

fn standardise_row(values: &[(Field, String)], today: NaiveDate) -> Std {
    // Borrowed unless a field's value is several columns joined: no copy in the common case.
    let mut joined: [Option<Cow<'_, str>>; Field::ALL.len()] = Default::default();
    for (field, value) in values {
        let v = value.trim();
        if v.is_empty() {
            continue;
        }
        let slot = &mut joined[field.index()];
        match slot {
            Some(s) => {
                let s = s.to_mut();
                s.push(' ');
                s.push_str(v);
            }
            None => *slot = Some(Cow::Borrowed(v)),
        }
    }
    let get = |f: Field| joined[f.index()].as_deref();
    let mut s = Std::default();

    if let Some(v) = get(Field::Nik) {
        match NikCell::parse(v) {
            NikCell::Clean(nik) => {
                s.nik = nik.as_u64();
                s.nik_state = NikState::Clean;
                s.nik_len = 16;
            }
            NikCell::Damaged { leading } => {
                if let Ok(n) = leading.parse::<u64>() {
                    s.nik = n;
                    s.nik_state = NikState::Damaged;
                    s.nik_len = leading.len() as u8;
                }
            }
            NikCell::Missing | NikCell::Invalid => {}
        }
    }
    s.id_number = get(Field::IdNumber).and_then(|v| {
        let t = text(v)?;
        Some(t.replace(' ', ""))
    });

    let mut tokens = Vec::new();
    if let Some(v) = get(Field::FullName) {
        tokens.extend(standardise(v));
    }
    if tokens.is_empty() {
        if let Some(v) = get(Field::GivenName) {
            tokens.extend(standardise(v));
        }
        if let Some(v) = get(Field::Surname) {
            tokens.extend(standardise(v));
        }
    }
    if !tokens.is_empty() {
        let mut sorted = tokens.clone();
        sorted.sort();
        let phon: Vec<String> = tokens.iter().map(|x| phonetic(x)).collect();
        let mut ps = phon.clone();
        ps.sort();
        s.name_forms = Some([
            tokens.join(" "),
            tokens.concat(),
            sorted.join(" "),
            phon[0].clone(),
            phon[phon.len() - 1].clone(),
            ps.join(" "),
        ]);
    }
    s.name_tokens = tokens;

    s.sex = match get(Field::Sex).and_then(Sex::parse) {
        Some(Sex::Female) => 2,
        Some(Sex::Male) => 1,
        None => 0,
    };
    s.dob = get(Field::BirthDate).and_then(|v| parse_date(v, today));
    s.birth_place = get(Field::BirthPlace).and_then(text);
    if let Some(v) = get(Field::BirthPlaceDate) {
        let (place, date) = split_place_date(v, today);
        if s.birth_place.is_none() {
            s.birth_place = place.as_deref().and_then(text);
        }
        if s.dob.is_none() {
            s.dob = date;
        }
    }
    // The NIK carries a birth date and sex: use them where the row lacks its own, and distrust
    // an NIK that contradicts the row (one of the two was mistyped or belongs to someone else).
    if s.nik_state == NikState::Clean
        && let Some(nik) = emas_domain::nik::Nik::from_u64(s.nik)
    {
        let nik_dob = nik.birth_date(today);
        let nik_sex = match nik.sex() {
            Some(Sex::Female) => 2,
            Some(Sex::Male) => 1,
            None => 0,
        };
        let dob_conflict = matches!((s.dob, nik_dob), (Some(a), Some(b)) if !dates_close(a, b));
        let sex_conflict = s.sex != 0 && nik_sex != 0 && s.sex != nik_sex;
        if nik_dob.is_none() || nik_sex == 0 || dob_conflict || sex_conflict {
            s.nik_state = NikState::Suspect;
        } else {
            if s.dob.is_none() {
                s.dob = nik_dob;
            }
            if s.sex == 0 {
                s.sex = nik_sex;
            }
        }
    }
    s.phone = get(Field::Phone)
        .and_then(phone::normalise)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    s.email = get(Field::Email).and_then(|v| {
        let e = v.trim().to_lowercase();
        e.contains('@').then_some(e)
    });
    if let Some(v) = get(Field::Address) {
        let a = Address::parse(v);
        s.addr_tokens = a.tokens;
        s.village = a.village;
        s.district = a.district;
        s.regency = a.regency.as_deref().and_then(standardise_region);
    }
    if let Some(v) = get(Field::Village).and_then(standardise_region) {
        s.village = Some(v);
    }
    if let Some(v) = get(Field::District).and_then(standardise_region) {
        s.district = Some(v);
    }
    if let Some(v) = get(Field::Regency).and_then(standardise_region) {
        s.regency = Some(v);
    }
    s.province = get(Field::Province).and_then(standardise_region);
    s.postcode = get(Field::Postcode).and_then(digits);
    s.country = get(Field::Country).and_then(text);
    s
}

/// Dates that are the same up to a typing slip: equal, day and month swapped, or one digit off.
pub fn dates_close(a: NaiveDate, b: NaiveDate) -> bool {
    if a == b {
        return true;
    }
    if a.year() == b.year() && a.month() == b.day() && a.day() == b.month() {
        return true;
    }
    // One digit off in DDMMYYYY, compared digit by digit without allocating.
    let digits = |d: NaiveDate| -> [u32; 8] {
        let (dd, mm, y) = (d.day(), d.month(), d.year().unsigned_abs());
        [
            dd / 10,
            dd % 10,
            mm / 10,
            mm % 10,
            y / 1000 % 10,
            y / 100 % 10,
            y / 10 % 10,
            y % 10,
        ]
    };
    let (x, y) = (digits(a), digits(b));
    x.iter().zip(&y).filter(|(p, q)| p != q).count() <= 1
}

impl Dataset {
    /// Standardises rows and adds them. Rows are standardised in parallel; interning is serial
    /// and in input order, so the result is deterministic.
    pub fn extend(&mut self, rows: Vec<Input>, today: NaiveDate) {
        let stds: Vec<Std> = rows
            .par_iter()
            .map(|r| standardise_row(&r.values, today))
            .collect();

        self.recs.reserve(rows.len());
        for (row, s) in rows.into_iter().zip(stds) {
            let rec = self.intern(s);
            if !rec.is_comparable() {
                self.garbage += 1;
            }
            self.recs.push(rec);
            self.sources.push(row.source);
            self.ids.push(row.id.into_boxed_str());
        }
    }

    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    fn intern_opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(0, |s| self.strings.intern(s))
    }

    fn push_tokens(&mut self, tokens: &[String]) -> (u32, u16) {
        let start = u32::try_from(self.tokens.len()).expect("token pool under 4 billion");
        let mut ids: Vec<u32> = tokens
            .iter()
            .take(u16::MAX as usize)
            .map(|t| self.strings.intern(t))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let len = ids.len() as u16;
        self.tokens.extend(ids);
        (start, len)
    }

    pub fn token_slice(&self, range: (u32, u16)) -> &[u32] {
        &self.tokens[range.0 as usize..range.0 as usize + range.1 as usize]
    }

    fn intern(&mut self, s: Std) -> Rec {
        let mut r = Rec {
            nik: s.nik,
            nik_state: s.nik_state,
            nik_len: s.nik_len,
            sex: s.sex,
            phone: s.phone,
            ..Rec::default()
        };
        if let Some(d) = s.dob {
            r.dob = d.num_days_from_ce();
            r.dob_placeholder = is_placeholder(d);
        }
        r.id_number = self.intern_opt(s.id_number.as_deref());
        if let Some([name, concat, sorted, first, last, ph_sorted]) = &s.name_forms {
            r.name = self.strings.intern(name);
            r.name_concat = self.strings.intern(concat);
            r.name_sorted = self.strings.intern(sorted);
            r.ph_first = self.strings.intern(first);
            r.ph_last = self.strings.intern(last);
            r.ph_sorted = self.strings.intern(ph_sorted);
            r.name_tokens = self.push_tokens(&s.name_tokens);
        }
        r.birth_place = self.intern_opt(s.birth_place.as_deref());
        r.email = self.intern_opt(s.email.as_deref());
        r.addr_tokens = self.push_tokens(&s.addr_tokens);
        r.village = self.intern_opt(s.village.as_deref());
        r.district = self.intern_opt(s.district.as_deref());
        r.regency = self.intern_opt(s.regency.as_deref());
        r.province = self.intern_opt(s.province.as_deref());
        r.postcode = self.intern_opt(s.postcode.as_deref());
        r.country = self.intern_opt(s.country.as_deref());
        r
    }

    /// For each record, its position when all records are ordered by (source, id): the order
    /// used wherever a tie must be broken, so that results do not depend on input order.
    pub fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.par_sort_unstable_by(|&a, &b| {
            (self.sources[a as usize], &self.ids[a as usize])
                .cmp(&(self.sources[b as usize], &self.ids[b as usize]))
        });
        let mut rank = vec![0u32; self.len()];
        for (pos, &i) in order.iter().enumerate() {
            rank[i as usize] = pos as u32;
        }
        rank
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid")
    }

    fn one(values: &[(Field, &str)]) -> (Dataset, Rec) {
        let mut d = Dataset::default();
        d.extend(
            vec![Input {
                source: 0,
                id: "1".into(),
                values: values.iter().map(|(f, v)| (*f, (*v).to_owned())).collect(),
            }],
            today(),
        );
        let r = d.recs[0].clone();
        (d, r)
    }

    #[test]
    fn nik_fills_birth_date_and_sex_when_absent() {
        let (_, r) = one(&[(Field::Nik, "3604054503900002"), (Field::FullName, "Siti")]);
        assert_eq!(r.nik_state, NikState::Clean);
        assert_eq!(r.sex, 2);
        assert_eq!(
            r.dob,
            NaiveDate::from_ymd_opt(1990, 3, 5)
                .expect("valid")
                .num_days_from_ce()
        );
    }

    #[test]
    fn nik_contradicting_the_row_is_suspect() {
        let (_, r) = one(&[
            (Field::Nik, "3604054503900002"),
            (Field::BirthDate, "17-08-1985"),
        ]);
        assert_eq!(r.nik_state, NikState::Suspect);
        let (_, r) = one(&[(Field::Nik, "3604054503900002"), (Field::Sex, "L")]);
        assert_eq!(r.nik_state, NikState::Suspect);
    }

    #[test]
    fn joined_and_split_names_share_their_concatenation() {
        let (d1, r1) = one(&[(Field::FullName, "Nur Hayati")]);
        let (d2, r2) = one(&[(Field::FullName, "NURHAYATI")]);
        assert_eq!(
            d1.strings.get(r1.name_concat),
            d2.strings.get(r2.name_concat)
        );
        assert_ne!(d1.strings.get(r1.name), d2.strings.get(r2.name));
    }

    #[test]
    fn a_row_of_nothing_is_garbage() {
        let (d, r) = one(&[(Field::FullName, "  -- "), (Field::Sex, "L")]);
        assert!(!r.is_comparable());
        assert_eq!(d.garbage, 1);
    }

    #[test]
    fn combined_place_and_date_cell() {
        let (d, r) = one(&[(Field::BirthPlaceDate, "Serang, 12 Maret 1990")]);
        assert_eq!(d.strings.get(r.birth_place), "serang");
        assert_eq!(
            r.dob,
            NaiveDate::from_ymd_opt(1990, 3, 12)
                .expect("valid")
                .num_days_from_ce()
        );
    }
}
