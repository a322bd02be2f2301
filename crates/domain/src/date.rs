//! Dates as Indonesian lists write them: "12 Maret 1990", "12-03-1990", "12/03/90", ISO,
//! YYYYMMDD, Excel serial numbers, and the combined "Tempat, Tanggal Lahir" cell
//! ("Serang, 12 Maret 1990"). Day comes before month unless the numbers say otherwise.

use chrono::{Datelike, Days, NaiveDate};

const MONTHS: &[(&str, u32)] = &[
    ("januari", 1),
    ("january", 1),
    ("jan", 1),
    ("februari", 2),
    ("pebruari", 2),
    ("february", 2),
    ("feb", 2),
    ("peb", 2),
    ("maret", 3),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("mei", 5),
    ("may", 5),
    ("juni", 6),
    ("june", 6),
    ("jun", 6),
    ("juli", 7),
    ("july", 7),
    ("jul", 7),
    ("agustus", 8),
    ("august", 8),
    ("agu", 8),
    ("agt", 8),
    ("ags", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("oktober", 10),
    ("october", 10),
    ("okt", 10),
    ("oct", 10),
    ("nopember", 11),
    ("november", 11),
    ("nov", 11),
    ("nop", 11),
    ("desember", 12),
    ("december", 12),
    ("des", 12),
    ("dec", 12),
];

fn month_by_name(word: &str) -> Option<u32> {
    MONTHS.iter().find(|(n, _)| *n == word).map(|&(_, m)| m)
}

/// Parses a date cell. `today` bounds two-digit years (a birth year is never in the future) and
/// the plausible range of Excel serials.
pub fn parse_date(cell: &str, today: NaiveDate) -> Option<NaiveDate> {
    let s = cell.trim().to_lowercase();
    // "1990-03-12 00:00:00" and "1990-03-12T00:00:00": the time is noise.
    let s = s
        .split(['t', ' '])
        .next()
        .filter(|head| head.len() >= 8 && head.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
        .map_or(s.clone(), str::to_owned);
    if s.is_empty() {
        return None;
    }
    let parts: Vec<&str> = s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        [single] => parse_single(single, today),
        [a, b, c] => parse_three(a, b, c, today),
        _ => None,
    }
}

fn parse_single(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match s.len() {
        8 => {
            let ymd = ymd(
                s[..4].parse().ok()?,
                s[4..6].parse().ok()?,
                s[6..].parse().ok()?,
            );
            let dmy = ymd_checked(
                s[4..].parse().ok()?,
                s[2..4].parse().ok()?,
                s[..2].parse().ok()?,
            );
            ymd.filter(|d| plausible(*d, today))
                .or(dmy.filter(|d| plausible(*d, today)))
        }
        // An Excel serial day number (days since 1899-12-30), for dates from 1900 to today.
        5 => {
            let n: u64 = s.parse().ok()?;
            let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
            let d = base.checked_add_days(Days::new(n))?;
            (n > 60 && plausible(d, today)).then_some(d)
        }
        _ => None,
    }
}

fn parse_three(a: &str, b: &str, c: &str, today: NaiveDate) -> Option<NaiveDate> {
    let num = |s: &str| -> Option<i32> {
        s.bytes()
            .all(|x| x.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    // A month written as a word: "12 Maret 1990", "Mar 12 1990".
    if let Some(m) = month_by_name(b) {
        return ymd_checked(year(num(c)?, c.len(), today)?, m as i32, num(a)?);
    }
    if let Some(m) = month_by_name(a) {
        return ymd_checked(year(num(c)?, c.len(), today)?, m as i32, num(b)?);
    }
    let (x, y, z) = (num(a)?, num(b)?, num(c)?);
    if a.len() == 4 {
        return ymd_checked(x, y, z);
    }
    let yr = year(z, c.len(), today)?;
    // Day first, as Indonesians write; month first only when the numbers force it.
    if y > 12 && x <= 12 {
        ymd_checked(yr, x, y)
    } else {
        ymd_checked(yr, y, x)
    }
}

fn year(y: i32, digits: usize, today: NaiveDate) -> Option<i32> {
    match digits {
        4 => Some(y),
        2 => {
            let century = today.year() / 100 * 100;
            Some(if century + y > today.year() {
                century - 100 + y
            } else {
                century + y
            })
        }
        _ => None,
    }
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn ymd_checked(y: i32, m: i32, d: i32) -> Option<NaiveDate> {
    ymd(y, u32::try_from(m).ok()?, u32::try_from(d).ok()?)
}

fn plausible(d: NaiveDate, today: NaiveDate) -> bool {
    d.year() >= 1900 && d <= today
}

/// Birth dates that lists use when the real one was unknown: 1 January, 1 July, 31 December.
pub fn is_placeholder(d: NaiveDate) -> bool {
    matches!((d.month(), d.day()), (1, 1) | (7, 1) | (12, 31))
}

/// Splits a "Tempat, Tanggal Lahir" cell into place and date: "Serang, 12 Maret 1990",
/// "SERANG 12-03-1990", "Lebak/12/03/1990". Either part may be missing.
pub fn split_place_date(cell: &str, today: NaiveDate) -> (Option<String>, Option<NaiveDate>) {
    let s = cell.trim();
    if let Some((place, date)) = s.split_once(',')
        && let Some(d) = parse_date(date, today)
    {
        let place = place.trim();
        return ((!place.is_empty()).then(|| place.to_owned()), Some(d));
    }
    // Otherwise the date starts at the first digit.
    match s.find(|c: char| c.is_ascii_digit()) {
        Some(pos) => {
            let place = s[..pos]
                .trim_end_matches(|c: char| !c.is_alphanumeric())
                .trim();
            let date = parse_date(&s[pos..], today);
            ((!place.is_empty()).then(|| place.to_owned()), date)
        }
        None => ((!s.is_empty()).then(|| s.to_owned()), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        ymd(2026, 11, 27).expect("valid")
    }

    fn d(s: &str) -> Option<NaiveDate> {
        parse_date(s, today())
    }

    #[test]
    fn every_way_of_writing_12_march_1990() {
        let want = ymd(1990, 3, 12);
        for s in [
            "12 Maret 1990",
            "12 MAR 1990",
            "12-03-1990",
            "12/03/1990",
            "12.03.1990",
            "12/3/90",
            "1990-03-12",
            "1990-03-12 00:00:00",
            "19900312",
            "32944",
            "March 12, 1990",
        ] {
            assert_eq!(d(s), want, "{s}");
        }
    }

    #[test]
    fn month_first_only_when_forced() {
        assert_eq!(d("03/12/1990"), ymd(1990, 12, 3));
        assert_eq!(d("03/25/1990"), ymd(1990, 3, 25));
    }

    #[test]
    fn garbage_is_not_a_date() {
        for s in ["", "-", "tidak tahu", "31-02-1990", "12", "1990"] {
            assert_eq!(d(s), None, "{s}");
        }
    }

    #[test]
    fn place_and_date_in_one_cell() {
        assert_eq!(
            split_place_date("Serang, 12 Maret 1990", today()),
            (Some("Serang".into()), ymd(1990, 3, 12))
        );
        assert_eq!(
            split_place_date("LEBAK/12-03-1990", today()),
            (Some("LEBAK".into()), ymd(1990, 3, 12))
        );
        assert_eq!(
            split_place_date("Pandeglang", today()),
            (Some("Pandeglang".into()), None)
        );
    }

    #[test]
    fn placeholders() {
        assert!(is_placeholder(ymd(1985, 1, 1).expect("valid")));
        assert!(is_placeholder(ymd(1985, 12, 31).expect("valid")));
        assert!(!is_placeholder(ymd(1985, 3, 12).expect("valid")));
    }
}
