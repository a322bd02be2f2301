//! How lists write people down: the formats each office uses and the mistakes that creep in.
//! Every function takes the truth and a random stream and returns what a list would hold.
//!
//! Names are handled in lower case and given their case by the list at the end, since a list
//! is consistently upper case, title case or whatever its users typed.

use chrono::{Datelike, NaiveDate};
use rand::Rng;

// ---------------------------------------------------------------- NIK

/// One digit replaced by another, as in a misread or mistyped NIK.
pub fn nik_digit_slip<R: Rng + ?Sized>(rng: &mut R, nik: &str) -> String {
    let mut b = nik.as_bytes().to_vec();
    if b.is_empty() {
        return nik.to_owned();
    }
    let i = rng.random_range(0..b.len());
    let old = b[i];
    let mut new = b'0' + rng.random_range(0..10u8);
    if new == old {
        new = b'0' + (old - b'0' + 1) % 10;
    }
    b[i] = new;
    String::from_utf8(b).unwrap_or_else(|_| nik.to_owned())
}

/// Two neighbouring different digits swapped.
pub fn nik_transposition<R: Rng + ?Sized>(rng: &mut R, nik: &str) -> String {
    let mut b = nik.as_bytes().to_vec();
    let candidates: Vec<usize> = (0..b.len().saturating_sub(1))
        .filter(|&i| b[i] != b[i + 1])
        .collect();
    if candidates.is_empty() {
        return nik_digit_slip(rng, nik);
    }
    let i = candidates[rng.random_range(0..candidates.len())];
    b.swap(i, i + 1);
    String::from_utf8(b).unwrap_or_else(|_| nik.to_owned())
}

/// The number a spreadsheet keeps of a NIK typed into a numeric cell: Excel keeps 15
/// significant digits, so the 16th becomes 0 (an f64 alone would still hold it exactly).
pub fn nik_as_number(nik: &str) -> f64 {
    let x = nik.parse::<f64>().unwrap_or(0.0);
    if x >= 1e15 {
        (x / 10.0).trunc() * 10.0
    } else {
        x
    }
}

/// A number as a spreadsheet in the General format shows it and exports it to CSV: large
/// numbers in scientific notation with six significant digits ("3.60401E+15"), others plain.
pub fn excel_general(x: f64) -> String {
    if x.abs() >= 1e11 {
        let exp = x.abs().log10().floor() as i32;
        let mantissa = x / 10f64.powi(exp);
        let mut m = format!("{mantissa:.5}");
        while m.ends_with('0') {
            m.pop();
        }
        if m.ends_with('.') {
            m.pop();
        }
        format!("{m}E+{exp:02}")
    } else if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

// ---------------------------------------------------------------- names

/// Rewrites a name in the spelling of before 1972: oe for u, dj for j, tj for c, sj for sy,
/// ch for kh, j for y ("Yusuf" → "Joesoef"). Each rule is applied or not, as people kept some
/// letters of the old spelling and not others.
fn old_spelling<R: Rng + ?Sized>(rng: &mut R, name: &str) -> String {
    let mut s = name.to_owned();
    // Order matters: j→dj before y→j, or the new j would become dj too.
    for (from, to) in [
        ("j", "dj"),
        ("c", "tj"),
        ("sy", "sj"),
        ("kh", "ch"),
        ("y", "j"),
        ("u", "oe"),
    ] {
        if s.contains(from) && rng.random_bool(0.75) {
            s = s.replace(from, to);
        }
    }
    s
}

const MUHAMMAD: &[&str] = &[
    "moh.",
    "muh.",
    "m.",
    "mochammad",
    "mohammad",
    "muhamad",
    "mohamad",
    "moch.",
    "mhd.",
];

/// A name in one of the variant spellings real lists hold; the same name when no variant
/// applies.
pub fn name_variant<R: Rng + ?Sized>(rng: &mut R, name: &str) -> String {
    let mut words: Vec<String> = name.split(' ').map(str::to_owned).collect();
    // Try the variants in a random order and keep the first that changes something.
    let mut order: [u8; 9] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    for i in (1..order.len()).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
    for op in order {
        let before = words.join(" ");
        match op {
            0 => {
                let i = rng.random_range(0..words.len());
                words[i] = old_spelling(rng, &words[i]);
            }
            1 => {
                for w in &mut words {
                    if w == "muhammad" {
                        *w = MUHAMMAD[rng.random_range(0..MUHAMMAD.len())].to_owned();
                    } else if w == "ahmad" {
                        *w = "achmad".to_owned();
                    } else if w == "abdul" && rng.random_bool(0.5) {
                        *w = "abd.".to_owned();
                    }
                }
            }
            2 => {
                if let Some(w) = words.iter_mut().find(|w| *w == "siti") {
                    *w = if rng.random_bool(0.8) { "st." } else { "sitti" }.to_owned();
                }
            }
            3 => {
                // Sundanese has no f: Yusuf is said and often written Yusup, and the other way.
                let i = rng.random_range(0..words.len());
                let w = &words[i];
                words[i] = if w.contains('f') {
                    w.replacen('f', "p", 1)
                } else if w.contains('p') && !w.starts_with('p') {
                    w.replacen('p', "f", 1)
                } else if w.contains('v') {
                    w.replacen('v', "f", 1)
                } else {
                    w.clone()
                };
            }
            4 => {
                // Zaenal/Zainal/Jaenal, Sulaeman/Sulaiman.
                let i = rng.random_range(0..words.len());
                let w = &words[i];
                words[i] = if w.contains("ae") {
                    w.replacen("ae", "ai", 1)
                } else if w.contains("ai") {
                    w.replacen("ai", "ae", 1)
                } else if let Some(rest) = w.strip_prefix('z') {
                    format!("j{rest}")
                } else {
                    w.clone()
                };
            }
            5 => {
                let i = rng.random_range(0..words.len());
                words[i] = doubled_letter(rng, &words[i]);
            }
            6 => {
                words = split_or_join(rng, words);
            }
            7 => {
                // Arabic transliteration: Khodijah/Kodijah, Ramadhan/Ramadan, Sholihah/Solihah.
                let i = rng.random_range(0..words.len());
                let w = &words[i];
                words[i] = ["kh", "dh", "sh", "th"]
                    .iter()
                    .find(|p| w.contains(*p))
                    .map(|p| w.replacen(*p, &p[..1], 1))
                    .unwrap_or_else(|| w.clone());
            }
            _ => {
                // A dropped or added final h: Fatimah/Fatima, Aminah/Amina is rarer than
                // Nurlela/Nurlaela; both occur.
                let i = rng.random_range(0..words.len());
                let w = &words[i];
                words[i] = if w.contains("aela") {
                    w.replacen("aela", "ela", 1)
                } else if w.contains("ela") {
                    w.replacen("ela", "aela", 1)
                } else if w.len() > 4 && w.ends_with("ah") {
                    w[..w.len() - 1].to_owned()
                } else {
                    w.clone()
                };
            }
        }
        let after = words.join(" ");
        if after != before {
            return after;
        }
    }
    words.join(" ")
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// "Ela" → "Ella", "Muhammad" → "Muhamad", "Abdullah" → "Abdulah".
fn doubled_letter<R: Rng + ?Sized>(rng: &mut R, w: &str) -> String {
    let b = w.as_bytes();
    let doubles: Vec<usize> = (1..b.len())
        .filter(|&i| b[i] == b[i - 1] && !is_vowel(b[i]))
        .collect();
    if !doubles.is_empty() {
        let i = doubles[rng.random_range(0..doubles.len())];
        let mut s = w.to_owned();
        s.remove(i);
        return s;
    }
    let singles: Vec<usize> = (1..b.len().saturating_sub(1))
        .filter(|&i| {
            !is_vowel(b[i]) && is_vowel(b[i - 1]) && is_vowel(b[i + 1]) && b[i].is_ascii_lowercase()
        })
        .collect();
    if singles.is_empty() {
        return w.to_owned();
    }
    let i = singles[rng.random_range(0..singles.len())];
    let mut s = w.to_owned();
    s.insert(i, char::from(b[i]));
    s
}

const JOINABLE: &[&str] = &["nur", "sri", "abdul", "dewi", "umi", "siti"];

/// "Nur Hayati" ↔ "Nurhayati", "Abdul Rohman" ↔ "Abdulrohman".
fn split_or_join<R: Rng + ?Sized>(rng: &mut R, mut words: Vec<String>) -> Vec<String> {
    if let Some(i) =
        (0..words.len().saturating_sub(1)).find(|&i| JOINABLE.contains(&words[i].as_str()))
    {
        let next = words.remove(i + 1);
        words[i].push_str(&next);
        return words;
    }
    for i in 0..words.len() {
        for p in JOINABLE {
            if words[i].len() > p.len() + 2 && words[i].starts_with(p) && rng.random_bool(0.9) {
                let rest = words[i][p.len()..].to_owned();
                words[i] = (*p).to_owned();
                words.insert(i + 1, rest);
                return words;
            }
        }
    }
    words
}

/// A name without one of its words: "Siti Aminah" → "Aminah", "Asep Saepudin" → "Asep".
pub fn drop_name_part<R: Rng + ?Sized>(rng: &mut R, name: &str) -> String {
    let mut words: Vec<&str> = name.split(' ').collect();
    if words.len() < 2 {
        return name.to_owned();
    }
    if ["siti", "muhammad", "nur", "ahmad", "umi"].contains(&words[0]) && rng.random_bool(0.7) {
        words.remove(0);
    } else {
        words.pop();
    }
    words.join(" ")
}

/// A pilgrim's title before the name: Hj. for women, H. for men.
pub fn with_title<R: Rng + ?Sized>(rng: &mut R, name: &str, female: bool) -> String {
    let title = match (female, rng.random_range(0..4)) {
        (true, 0) => "hj",
        (true, 1) => "hajjah",
        (true, _) => "hj.",
        (false, 0) => "h",
        (false, _) => "h.",
    };
    format!("{title} {name}")
}

/// "… binti Sulaeman" or "… bin Sulaeman", as passports and the national agency write it.
pub fn with_father<R: Rng + ?Sized>(rng: &mut R, name: &str, father: &str, female: bool) -> String {
    let link = match (female, rng.random_range(0..5)) {
        (true, 0) => "bt.",
        (true, _) => "binti",
        (false, 0) => "b.",
        (false, _) => "bin",
    };
    format!("{name} {link} {}", father.to_lowercase())
}

const KEYBOARD_NEIGHBOURS: &[(u8, &str)] = &[
    (b'a', "sqz"),
    (b'e', "wrd"),
    (b'i', "uok"),
    (b'o', "ipl"),
    (b'u', "yij"),
    (b'n', "bmh"),
    (b'm', "nj"),
    (b'r', "etf"),
    (b's', "adw"),
    (b't', "ryg"),
    (b'h', "gjn"),
    (b'd', "sfe"),
    (b'y', "tuh"),
];

/// One slip of the keyboard: a neighbouring key, a lost letter, a doubled letter or two
/// letters swapped.
pub fn typo<R: Rng + ?Sized>(rng: &mut R, s: &str) -> String {
    let mut b: Vec<u8> = s.bytes().collect();
    let letters: Vec<usize> = (0..b.len())
        .filter(|&i| b[i].is_ascii_lowercase())
        .collect();
    if letters.len() < 3 {
        return s.to_owned();
    }
    // Not the first letter: people rarely get that wrong, and it keeps blocking keys honest.
    let i = letters[rng.random_range(1..letters.len())];
    match rng.random_range(0..4) {
        0 => {
            let c = b[i];
            let n = KEYBOARD_NEIGHBOURS
                .iter()
                .find(|(k, _)| *k == c)
                .map(|(_, n)| n.as_bytes())
                .unwrap_or(b"aeiou");
            b[i] = n[rng.random_range(0..n.len())];
        }
        1 => {
            b.remove(i);
        }
        2 => b.insert(i, b[i]),
        _ => {
            if i + 1 < b.len() && b[i + 1].is_ascii_lowercase() {
                b.swap(i, i + 1);
            } else {
                b.swap(i - 1, i);
            }
        }
    }
    String::from_utf8(b).unwrap_or_else(|_| s.to_owned())
}

/// How a list capitalises names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameCase {
    Upper,
    Title,
    /// Typed by the people themselves: mostly title case, some lower, some upper.
    AsTyped,
}

/// A lower-case name in the list's case; "bin"/"binti" stay lower in title case.
pub fn in_case<R: Rng + ?Sized>(rng: &mut R, name: &str, case: NameCase) -> String {
    let case = match case {
        NameCase::AsTyped => match rng.random_range(0..10) {
            0..=1 => return name.to_owned(),
            2 => NameCase::Upper,
            _ => NameCase::Title,
        },
        c => c,
    };
    match case {
        NameCase::Upper => name.to_uppercase(),
        _ => name
            .split(' ')
            .map(|w| {
                if matches!(w, "bin" | "binti") {
                    w.to_owned()
                } else {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect())
                        .unwrap_or_default()
                }
            })
            .collect::<Vec<String>>()
            .join(" "),
    }
}

// ---------------------------------------------------------------- dates

/// The birth date an office enters when the real one is unknown: 1 January, 1 July or
/// 31 December of the right year.
pub fn placeholder_date<R: Rng + ?Sized>(rng: &mut R, d: NaiveDate) -> NaiveDate {
    let (m, day) = match rng.random_range(0..3) {
        0 => (1, 1),
        1 => (7, 1),
        _ => (12, 31),
    };
    NaiveDate::from_ymd_opt(d.year(), m, day).unwrap_or(d)
}

/// Day and month exchanged, where both can be a month; otherwise the date unchanged.
pub fn swap_day_month(d: NaiveDate) -> NaiveDate {
    if d.day() <= 12 && d.day() != d.month() {
        NaiveDate::from_ymd_opt(d.year(), d.day(), d.month()).unwrap_or(d)
    } else {
        d
    }
}

/// A slip in one part of a date: the year off by one, or another day of the month.
pub fn date_slip<R: Rng + ?Sized>(rng: &mut R, d: NaiveDate) -> NaiveDate {
    if rng.random_bool(0.5) {
        let y = d.year() + if rng.random_bool(0.5) { 1 } else { -1 };
        NaiveDate::from_ymd_opt(y, d.month(), d.day().min(28)).unwrap_or(d)
    } else {
        let day = (d.day() + rng.random_range(1..=9)) % 28 + 1;
        NaiveDate::from_ymd_opt(d.year(), d.month(), day).unwrap_or(d)
    }
}

const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// How a list writes dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// 12-03-1990
    DmyDash,
    /// 12/03/1990
    DmySlash,
    /// 1990-03-12
    Iso,
    /// 19900312
    Compact,
    /// 12 Maret 1990
    LongId,
    /// The spreadsheet's day number, 32944, as a date cell exported without its format shows.
    ExcelSerial,
    /// A real date cell in a spreadsheet (dd/mm/yyyy in CSV).
    Cell,
    /// Whatever people typed into a form: a mix of the above and two-digit years.
    Mixed,
}

/// Days since 1899-12-30, the spreadsheet epoch (which absorbs Lotus' 1900 leap-year bug for
/// every date after February 1900).
pub fn excel_serial(d: NaiveDate) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).expect("a valid calendar date");
    (d - epoch).num_days()
}

/// A date as text in one of the fixed styles (not `Cell` or `Mixed`, which the caller resolves).
pub fn format_date(d: NaiveDate, style: DateStyle) -> String {
    let (y, m, day) = (d.year(), d.month(), d.day());
    match style {
        DateStyle::DmyDash => format!("{day:02}-{m:02}-{y}"),
        DateStyle::DmySlash | DateStyle::Cell | DateStyle::Mixed => format!("{day:02}/{m:02}/{y}"),
        DateStyle::Iso => format!("{y}-{m:02}-{day:02}"),
        DateStyle::Compact => format!("{y}{m:02}{day:02}"),
        DateStyle::LongId => format!("{day} {} {y}", MONTHS_ID[(m - 1) as usize]),
        DateStyle::ExcelSerial => excel_serial(d).to_string(),
    }
}

/// One of the ways people type a date into a form.
pub fn typed_date<R: Rng + ?Sized>(rng: &mut R, d: NaiveDate) -> String {
    let (y, m, day) = (d.year(), d.month(), d.day());
    match rng.random_range(0..8) {
        0 => format!("{day}/{m}/{y}"),
        1 => format!("{day:02}/{m:02}/{}", y % 100),
        2 => format!("{day}-{m}-{y}"),
        3 => format!("{day} {} {y}", MONTHS_ID[(m - 1) as usize].to_lowercase()),
        4 => format!("{day} {} {y}", &MONTHS_ID[(m - 1) as usize][..3]),
        5 => format!("{day:02}.{m:02}.{y}"),
        6 => excel_serial(d).to_string(),
        _ => format_date(d, DateStyle::DmySlash),
    }
}

// ---------------------------------------------------------------- phones

/// How a list writes phone numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneStyle {
    /// 081234567890
    Local,
    /// 6281234567890
    Intl,
    /// +6281234567890
    Plus,
    /// 0812-3456-7890 or 0812 3456 7890, and numbers that lost their 0 in a numeric cell.
    Mixed,
}

/// An E.164 number ("+62812…") in a list's style.
pub fn format_phone<R: Rng + ?Sized>(rng: &mut R, e164: &str, style: PhoneStyle) -> String {
    let national = e164.strip_prefix("+62").unwrap_or(e164);
    match style {
        PhoneStyle::Local => format!("0{national}"),
        PhoneStyle::Intl => format!("62{national}"),
        PhoneStyle::Plus => e164.to_owned(),
        PhoneStyle::Mixed => {
            let local = format!("0{national}");
            match rng.random_range(0..6) {
                0 if local.len() > 8 => format!("{}-{}-{}", &local[..4], &local[4..8], &local[8..]),
                1 if local.len() > 8 => format!("{} {} {}", &local[..4], &local[4..8], &local[8..]),
                2 => national.to_owned(),
                3 => format!("+62 {national}"),
                4 => format!("62{national}"),
                _ => local,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rng() -> crate::SynthRng {
        crate::SynthRng::seed_from_u64(5)
    }

    #[test]
    fn a_nik_in_a_numeric_cell_exports_in_scientific_notation() {
        let x = nik_as_number("3604014503900001");
        assert_eq!(x, 3_604_014_503_900_000.0, "the 16th digit is lost");
        assert_eq!(excel_general(x), "3.60401E+15");
        assert_eq!(excel_general(3_601_000_000_000_000.0), "3.601E+15");
        assert_eq!(excel_general(32944.0), "32944");
    }

    #[test]
    fn nik_slips_change_exactly_what_they_say() {
        let mut r = rng();
        let nik = "3604014503900001";
        for _ in 0..100 {
            let s = nik_digit_slip(&mut r, nik);
            assert_eq!(s.len(), 16);
            assert_eq!(
                s.bytes().zip(nik.bytes()).filter(|(a, b)| a != b).count(),
                1
            );
            let t = nik_transposition(&mut r, nik);
            let diff: Vec<usize> = (0..16)
                .filter(|&i| t.as_bytes()[i] != nik.as_bytes()[i])
                .collect();
            assert_eq!(diff.len(), 2);
            assert_eq!(diff[1], diff[0] + 1);
        }
    }

    #[test]
    fn name_variants_are_the_ones_lists_hold() {
        let mut r = rng();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..500 {
            seen.insert(name_variant(&mut r, "muhammad yusuf"));
            seen.insert(name_variant(&mut r, "nur hayati"));
            seen.insert(name_variant(&mut r, "siti aminah"));
        }
        for expected in [
            "moh. yusuf",
            "muhammad yusup",
            "nurhayati",
            "st. aminah",
            "muhammad joesoef",
        ] {
            assert!(seen.contains(expected), "{expected} not among {seen:?}");
        }
        assert_eq!(
            in_case(&mut r, "siti aminah binti sulaeman", NameCase::Title),
            "Siti Aminah binti Sulaeman"
        );
        assert_eq!(in_case(&mut r, "st. aminah", NameCase::Upper), "ST. AMINAH");
    }

    #[test]
    fn dates_are_written_as_offices_write_them() {
        let d = NaiveDate::from_ymd_opt(1990, 3, 12).expect("valid");
        assert_eq!(format_date(d, DateStyle::LongId), "12 Maret 1990");
        assert_eq!(format_date(d, DateStyle::DmyDash), "12-03-1990");
        assert_eq!(format_date(d, DateStyle::Compact), "19900312");
        assert_eq!(format_date(d, DateStyle::ExcelSerial), "32944");
        assert_eq!(
            swap_day_month(d),
            NaiveDate::from_ymd_opt(1990, 12, 3).expect("valid")
        );
        let mut r = rng();
        let p = placeholder_date(&mut r, d);
        assert!([(1, 1), (7, 1), (12, 31)].contains(&(p.month(), p.day())));
        assert_eq!(p.year(), 1990);
    }

    #[test]
    fn phones_come_in_the_three_forms() {
        let mut r = rng();
        assert_eq!(
            format_phone(&mut r, "+6281234567890", PhoneStyle::Local),
            "081234567890"
        );
        assert_eq!(
            format_phone(&mut r, "+6281234567890", PhoneStyle::Intl),
            "6281234567890"
        );
        assert_eq!(
            format_phone(&mut r, "+6281234567890", PhoneStyle::Plus),
            "+6281234567890"
        );
    }
}
