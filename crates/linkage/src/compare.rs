//! Comparison of two records field by field into small integer levels (the comparison vector of
//! Fellegi–Sunter). Level 0 is always "different", higher levels agree more closely, and `NULL`
//! means one side lacks the value, which contributes no evidence. A whole vector packs into a
//! `u64`, four bits per comparison.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::field::Field;
use crate::prepare::{Dataset, NikState, Rec};

/// The level of a comparison when either side lacks the value.
pub const NULL: u8 = 15;

/// What is compared. Each comparison reads one or more input fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Nik,
    IdNumber,
    Name,
    BirthDate,
    Sex,
    BirthPlace,
    Phone,
    Email,
    Address,
    Village,
    District,
    Regency,
    Province,
    Postcode,
    Country,
}

impl Comparison {
    pub const ALL: [Comparison; 15] = [
        Comparison::Nik,
        Comparison::IdNumber,
        Comparison::Name,
        Comparison::BirthDate,
        Comparison::Sex,
        Comparison::BirthPlace,
        Comparison::Phone,
        Comparison::Email,
        Comparison::Address,
        Comparison::Village,
        Comparison::District,
        Comparison::Regency,
        Comparison::Province,
        Comparison::Postcode,
        Comparison::Country,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Comparison::Nik => "nik",
            Comparison::IdNumber => "id_number",
            Comparison::Name => "name",
            Comparison::BirthDate => "birth_date",
            Comparison::Sex => "sex",
            Comparison::BirthPlace => "birth_place",
            Comparison::Phone => "phone",
            Comparison::Email => "email",
            Comparison::Address => "address",
            Comparison::Village => "village",
            Comparison::District => "district",
            Comparison::Regency => "regency",
            Comparison::Province => "province",
            Comparison::Postcode => "postcode",
            Comparison::Country => "country",
        }
    }

    /// The input fields that feed this comparison (NIK also feeds birth date and sex).
    pub fn fields(self) -> &'static [Field] {
        match self {
            Comparison::Nik => &[Field::Nik],
            Comparison::IdNumber => &[Field::IdNumber],
            Comparison::Name => &[Field::FullName, Field::GivenName, Field::Surname],
            Comparison::BirthDate => &[Field::BirthDate, Field::BirthPlaceDate],
            Comparison::Sex => &[Field::Sex],
            Comparison::BirthPlace => &[Field::BirthPlace, Field::BirthPlaceDate],
            Comparison::Phone => &[Field::Phone],
            Comparison::Email => &[Field::Email],
            Comparison::Address => &[Field::Address],
            Comparison::Village => &[Field::Village, Field::Address],
            Comparison::District => &[Field::District, Field::Address],
            Comparison::Regency => &[Field::Regency, Field::Address],
            Comparison::Province => &[Field::Province],
            Comparison::Postcode => &[Field::Postcode],
            Comparison::Country => &[Field::Country],
        }
    }

    /// Labels of the levels, index = level.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Comparison::Nik => &[
                "different",
                "same region and birth date, other serial",
                "one digit slipped or transposed, or damaged but agreeing",
                "exact",
            ],
            Comparison::IdNumber | Comparison::Phone | Comparison::Postcode => {
                &["different", "one character slipped or transposed", "exact"]
            }
            Comparison::Name => &[
                "different",
                "one name in common",
                "similar (Jaro-Winkler >= 0.88) or same sounds",
                "very similar (Jaro-Winkler >= 0.94)",
                "same letters, joined, split or reordered",
                "exact",
            ],
            Comparison::BirthDate => &[
                "different",
                "same year and month, or same day and month",
                "day and month swapped, or one digit off",
                "exact, a placeholder date (1 Jan, 1 Jul, 31 Dec)",
                "exact",
            ],
            Comparison::Sex => &["different", "same"],
            Comparison::Email => &["different", "same name before @", "exact"],
            Comparison::Address => &[
                "different",
                "some words shared (>= 30%)",
                "most words shared (>= 60%)",
                "same words (>= 90%)",
            ],
            Comparison::BirthPlace
            | Comparison::Village
            | Comparison::District
            | Comparison::Regency
            | Comparison::Province
            | Comparison::Country => &["different", "similar (Jaro-Winkler >= 0.9)", "exact"],
        }
    }

    pub fn top_level(self) -> u8 {
        (self.levels().len() - 1) as u8
    }

    /// Comparisons whose exact level is adjusted for how common the value is.
    pub fn term_frequency(self) -> bool {
        matches!(
            self,
            Comparison::Name | Comparison::BirthPlace | Comparison::Village | Comparison::Postcode
        )
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Packs levels into a comparison vector.
pub fn level_of(pattern: u64, c: usize) -> u8 {
    ((pattern >> (4 * c)) & 0xF) as u8
}

/// Compares two records on the given comparisons (others are NULL).
pub fn compare(d: &Dataset, a: &Rec, b: &Rec, active: &[Comparison]) -> u64 {
    let mut pattern = u64::MAX;
    for &c in active {
        let level = compare_one(d, a, b, c);
        let shift = 4 * c.index();
        pattern = (pattern & !(0xF << shift)) | (u64::from(level) << shift);
    }
    pattern
}

pub fn compare_one(d: &Dataset, a: &Rec, b: &Rec, c: Comparison) -> u8 {
    match c {
        Comparison::Nik => nik_level(a, b),
        Comparison::IdNumber => code_level(d, a.id_number, b.id_number),
        Comparison::Name => name_level(d, a, b),
        Comparison::BirthDate => date_level(a, b),
        Comparison::Sex => match (a.sex, b.sex) {
            (0, _) | (_, 0) => NULL,
            (x, y) => u8::from(x == y),
        },
        Comparison::BirthPlace => text_level(d, a.birth_place, b.birth_place),
        Comparison::Phone => {
            if a.phone == 0 || b.phone == 0 {
                NULL
            } else if a.phone == b.phone {
                2
            } else {
                let ((x, lx), (y, ly)) = (digits_of(a.phone), digits_of(b.phone));
                u8::from(lx == ly && one_slip(&x[20 - lx..], &y[20 - ly..]))
            }
        }
        Comparison::Email => match (a.email, b.email) {
            (0, _) | (_, 0) => NULL,
            (x, y) if x == y => 2,
            (x, y) => {
                let lx = d.strings.get(x).split('@').next();
                let ly = d.strings.get(y).split('@').next();
                u8::from(lx == ly)
            }
        },
        Comparison::Address => address_level(d, a, b),
        Comparison::Village => text_level(d, a.village, b.village),
        Comparison::District => text_level(d, a.district, b.district),
        Comparison::Regency => text_level(d, a.regency, b.regency),
        Comparison::Province => text_level(d, a.province, b.province),
        Comparison::Postcode => code_level(d, a.postcode, b.postcode),
        Comparison::Country => text_level(d, a.country, b.country),
    }
}

fn nik_level(a: &Rec, b: &Rec) -> u8 {
    let usable = |r: &Rec| r.nik_state != NikState::Missing;
    if !usable(a) || !usable(b) {
        return NULL;
    }
    let damaged = a.nik_state == NikState::Damaged || b.nik_state == NikState::Damaged;
    if damaged {
        // Compare the leading digits both sides know.
        let n = a.nik_len.min(b.nik_len);
        if n < 8 {
            return NULL;
        }
        let head = |r: &Rec| r.nik / 10u64.pow(u32::from(r.nik_len - n));
        return if head(a) == head(b) { 2 } else { 0 };
    }
    if a.nik == b.nik {
        return 3;
    }
    if one_slip(&digits16(a.nik), &digits16(b.nik)) {
        2
    } else if a.nik / 10_000 == b.nik / 10_000 {
        1
    } else {
        0
    }
}

fn digits16(n: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    let mut x = n;
    for d in out.iter_mut().rev() {
        *d = (x % 10) as u8;
        x /= 10;
    }
    out
}

fn digits_of(n: u64) -> ([u8; 20], usize) {
    let mut out = [0u8; 20];
    let mut x = n;
    let mut len = 0;
    while x > 0 && len < 20 {
        out[19 - len] = (x % 10) as u8;
        x /= 10;
        len += 1;
    }
    (out, len)
}

/// One substituted character or one swap of neighbours, at equal length.
pub fn one_slip(x: &[u8], y: &[u8]) -> bool {
    if x.len() != y.len() {
        return false;
    }
    let mut diffs = [0usize; 3];
    let mut n = 0;
    for i in 0..x.len() {
        if x[i] != y[i] {
            if n == 3 {
                return false;
            }
            diffs[n] = i;
            n += 1;
        }
    }
    match n {
        1 => true,
        2 => {
            let (i, j) = (diffs[0], diffs[1]);
            j == i + 1 && x[i] == y[j] && x[j] == y[i]
        }
        _ => false,
    }
}

fn code_level(d: &Dataset, a: u32, b: u32) -> u8 {
    if a == 0 || b == 0 {
        NULL
    } else if a == b {
        2
    } else {
        u8::from(one_slip(
            d.strings.get(a).as_bytes(),
            d.strings.get(b).as_bytes(),
        ))
    }
}

fn text_level(d: &Dataset, a: u32, b: u32) -> u8 {
    if a == 0 || b == 0 {
        NULL
    } else if a == b {
        2
    } else {
        u8::from(
            jw_at_least(
                d.strings.get(a).as_bytes(),
                d.strings.get(b).as_bytes(),
                0.9,
            ) >= 0.9,
        )
    }
}

fn name_level(d: &Dataset, a: &Rec, b: &Rec) -> u8 {
    if a.name == 0 || b.name == 0 {
        return NULL;
    }
    if a.name == b.name {
        return 5;
    }
    if a.name_concat == b.name_concat || a.name_sorted == b.name_sorted {
        return 4;
    }
    let (ca, cb) = (
        d.strings.get(a.name_concat).as_bytes(),
        d.strings.get(b.name_concat).as_bytes(),
    );
    let mut jw = jw_at_least(ca, cb, 0.88);
    // Reordered names ("Rahayu Siti" for "Siti Rahayu") compare in sorted order too; a
    // reordering nearly always changes the first letter, so only then is it worth the time.
    if jw < 0.94 && ca.first() != cb.first() {
        jw = jw.max(jw_at_least(
            d.strings.get(a.name_sorted).as_bytes(),
            d.strings.get(b.name_sorted).as_bytes(),
            0.88,
        ));
    }
    if jw >= 0.94 {
        return 3;
    }
    if jw >= 0.88 || a.ph_sorted == b.ph_sorted {
        return 2;
    }
    let ta = d.token_slice(a.name_tokens);
    let tb = d.token_slice(b.name_tokens);
    if sorted_overlap(ta, tb) > 0 || a.ph_first == b.ph_first && a.ph_last == b.ph_last {
        return 1;
    }
    0
}

fn date_level(a: &Rec, b: &Rec) -> u8 {
    if a.dob == 0 || b.dob == 0 {
        return NULL;
    }
    if a.dob == b.dob {
        return if a.dob_placeholder { 3 } else { 4 };
    }
    let (Some(x), Some(y)) = (
        NaiveDate::from_num_days_from_ce_opt(a.dob),
        NaiveDate::from_num_days_from_ce_opt(b.dob),
    ) else {
        return NULL;
    };
    if crate::prepare::dates_close(x, y) {
        return 2;
    }
    let same_ym = x.year() == y.year() && x.month() == y.month();
    let same_dm = x.day() == y.day() && x.month() == y.month();
    u8::from(same_ym || same_dm)
}

/// True when two birth dates clearly belong to different people: neither a placeholder, and not
/// within a slip of each other.
pub fn dates_conflict(a: &Rec, b: &Rec) -> bool {
    a.dob != 0 && b.dob != 0 && !a.dob_placeholder && !b.dob_placeholder && date_level(a, b) < 2
}

/// True when both records carry trusted NIKs that differ by more than a slip.
pub fn niks_conflict(a: &Rec, b: &Rec) -> bool {
    a.nik_state == NikState::Clean && b.nik_state == NikState::Clean && nik_level(a, b) < 2
}

fn address_level(d: &Dataset, a: &Rec, b: &Rec) -> u8 {
    let ta = d.token_slice(a.addr_tokens);
    let tb = d.token_slice(b.addr_tokens);
    if ta.is_empty() || tb.is_empty() {
        return NULL;
    }
    let common = sorted_overlap(ta, tb);
    let union = ta.len() + tb.len() - common;
    let j = common as f64 / union as f64;
    if j >= 0.9 {
        3
    } else if j >= 0.6 {
        2
    } else if j >= 0.3 {
        1
    } else {
        0
    }
}

fn sorted_overlap(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Jaro–Winkler similarity when it may reach `min`; otherwise some value below `min`, found
/// cheaply from an upper bound (letters in common, counted without regard to position).
pub fn jw_at_least(a: &[u8], b: &[u8], min: f64) -> f64 {
    // Greedy matching can depend on which string comes first; a fixed order keeps every
    // comparison symmetric.
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    if a.is_empty() || b.is_empty() {
        return jaro_winkler(a, b);
    }
    let mut hist = [0i16; 64];
    for &x in a {
        hist[(x & 63) as usize] += 1;
    }
    let mut common = 0usize;
    for &x in b {
        let h = &mut hist[(x & 63) as usize];
        if *h > 0 {
            *h -= 1;
            common += 1;
        }
    }
    let m = common as f64;
    let jaro_ub = (m / a.len() as f64 + m / b.len() as f64 + 1.0) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    let ub = jaro_ub + prefix as f64 * 0.1 * (1.0 - jaro_ub);
    if ub < min { ub } else { jaro_winkler(a, b) }
}

/// Jaro–Winkler similarity of two byte strings (prefix scale 0.1, prefix up to 4).
pub fn jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    let j = jaro(a, b);
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    j + prefix as f64 * 0.1 * (1.0 - j)
}

fn jaro(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    // Names are short; fixed buffers avoid allocation in the hot loop.
    let mut a_match = [false; 64];
    let mut b_match = [false; 64];
    let (a, b) = (&a[..a.len().min(64)], &b[..b.len().min(64)]);
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_match[j] && b[j] == ca {
                a_match[i] = true;
                b_match[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut k = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        if a_match[i] {
            while !b_match[k] {
                k += 1;
            }
            if ca != b[k] {
                transpositions += 1;
            }
            k += 1;
        }
    }
    let m = matches as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64 / 2.0) / m) / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaro_winkler_known_values() {
        assert!((jaro_winkler(b"martha", b"marhta") - 0.9611).abs() < 1e-3);
        assert!((jaro_winkler(b"dwayne", b"duane") - 0.84).abs() < 1e-2);
        assert_eq!(jaro_winkler(b"", b""), 1.0);
        assert_eq!(jaro_winkler(b"abc", b""), 0.0);
        assert_eq!(jaro_winkler(b"abc", b"xyz"), 0.0);
    }

    #[test]
    fn the_bounded_form_agrees_above_its_bound() {
        for (a, b) in [
            ("siti", "sity"),
            ("nurhayati", "nurhayatii"),
            ("ahmad", "zulkifli"),
            ("a", "b"),
        ] {
            let exact = jaro_winkler(a.as_bytes(), b.as_bytes());
            let bounded = jw_at_least(a.as_bytes(), b.as_bytes(), 0.88);
            if exact >= 0.88 {
                assert_eq!(exact, bounded, "{a} {b}");
            } else {
                assert!(bounded < 0.88, "{a} {b}");
            }
        }
    }

    #[test]
    fn slips_and_transpositions() {
        assert!(one_slip(b"3604054503900002", b"3604054503900003"));
        assert!(one_slip(b"3604054503900002", b"3604054503900020"));
        assert!(!one_slip(b"3604054503900002", b"3604054503900111"));
        assert!(!one_slip(b"123", b"1234"));
    }
}
