//! Spreadsheet cells as the text a person sees, in the forms the domain's parsers read:
//! whole numbers without ".0" and never in scientific notation (NIKs and phones are often
//! stored as numbers), dates as ISO 8601, formulas as their cached value.

use calamine::{Data, DataRef, ExcelDateTime};

pub(crate) fn data_text(c: &Data) -> String {
    match c {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => bool_text(*b),
        Data::DateTime(d) => datetime_text(d),
    }
}

pub(crate) fn data_ref_text(c: &DataRef<'_>) -> String {
    match c {
        DataRef::Empty | DataRef::Error(_) => String::new(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => bool_text(*b),
        DataRef::DateTime(d) => datetime_text(d),
    }
}

/// A whole number is written as digits: a 16-digit NIK held exactly in the cell comes out as
/// its 16 digits. Rust's float Display never uses an exponent, so fractions stay readable too.
pub(crate) fn number_text(f: f64) -> String {
    if f == 0.0 {
        // Also turns -0 into "0".
        "0".to_owned()
    } else if f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

fn bool_text(b: bool) -> String {
    (if b { "TRUE" } else { "FALSE" }).to_owned()
}

/// A date as ISO 8601 ("1990-03-12", with " HH:MM:SS" only when it has a time), which
/// `emas_domain::date::parse_date` reads; a duration stays a number of days.
fn datetime_text(d: &ExcelDateTime) -> String {
    if d.is_duration() {
        return number_text(d.as_f64());
    }
    let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
    if (h, min, s) == (0, 0, 0) {
        format!("{y:04}-{m:02}-{day:02}")
    } else {
        format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn niks_and_phones_stored_as_numbers_keep_their_digits() {
        assert_eq!(number_text(3_604_011_203_900_001.0), "3604011203900001");
        assert_eq!(number_text(6_281_234_567_890.0), "6281234567890");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(12.5), "12.5");
        assert_eq!(number_text(1e20), "100000000000000000000");
    }
}
