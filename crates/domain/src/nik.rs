//! The NIK (Nomor Induk Kependudukan), the 16-digit national ID, as it arrives in real lists:
//! with apostrophes, spaces and dots, or mangled by a spreadsheet into scientific notation. A
//! clean NIK is decoded into its region, birth date and sex, which other fields can be checked
//! against.

use chrono::{Datelike, NaiveDate};

use crate::access::RegionCode;

/// What a cell that should hold an NIK turned out to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NikCell {
    /// Nothing usable (empty, or a placeholder such as "-" or "0").
    Missing,
    /// Sixteen digits.
    Clean(Nik),
    /// Only the leading digits are trustworthy: the cell was written in scientific notation
    /// (`3.60401E+15`) or lost digits, so the tail is unknown.
    Damaged { leading: String },
    /// Digits, but not an NIK (wrong length, letters mixed in).
    Invalid,
}

/// Sixteen digits that have the shape of an NIK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nik(u64);

/// Sex, as recorded or as decoded from an NIK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    /// Reads the common spellings: L/P (laki-laki/perempuan), M/F, male/female, pria/wanita.
    pub fn parse(s: &str) -> Option<Sex> {
        let t = s.trim().to_lowercase();
        let t = t.trim_matches(|c: char| !c.is_alphanumeric());
        match t {
            "l" | "lk" | "laki" | "laki-laki" | "laki laki" | "lakilaki" | "pria" | "m"
            | "male" | "man" | "1" => Some(Sex::Male),
            "p" | "pr" | "perempuan" | "wanita" | "w" | "f" | "female" | "woman" | "2" => {
                Some(Sex::Female)
            }
            _ => None,
        }
    }
}

impl NikCell {
    /// Parses a cell. Apostrophes, spaces, dots and dashes between digits are dropped.
    pub fn parse(cell: &str) -> NikCell {
        let t = cell.trim().trim_start_matches(['\'', '`', '‘', '’']).trim();
        if t.is_empty() || t.chars().all(|c| matches!(c, '-' | '0' | '.' | ' ')) {
            return NikCell::Missing;
        }
        let upper = t.to_ascii_uppercase();
        if let Some(leading) = scientific_leading_digits(&upper) {
            return NikCell::Damaged { leading };
        }
        // A numeric cell read as a float comes as "3604014501900001.0".
        let t = upper.strip_suffix(".0").unwrap_or(&upper);
        let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
        let others = t
            .chars()
            .any(|c| !c.is_ascii_digit() && !matches!(c, ' ' | '.' | '-' | '\u{a0}'));
        if others {
            return NikCell::Invalid;
        }
        match digits.len() {
            16 => match digits.parse::<u64>() {
                Ok(n) if digits.as_bytes()[0] != b'0' => NikCell::Clean(Nik(n)),
                _ => NikCell::Invalid,
            },
            // A number that ended in zeros and lost precision keeps its head; shorter runs are
            // taken as damaged only when long enough to say something about region and birth.
            12..=15 => NikCell::Damaged { leading: digits },
            _ => NikCell::Invalid,
        }
    }
}

/// `3.60401E+15` → "360401": the mantissa digits, when the exponent says the number had 16 digits.
fn scientific_leading_digits(t: &str) -> Option<String> {
    let (mantissa, exponent) = t.split_once('E')?;
    let exponent: i32 = exponent.trim_start_matches('+').parse().ok()?;
    if exponent != 15 {
        return None;
    }
    let (int, frac) = mantissa.split_once(['.', ',']).unwrap_or((mantissa, ""));
    if int.len() != 1 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut digits = format!("{int}{frac}");
    // Trailing zeros of a mantissa are not known digits of the NIK.
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    Some(digits)
}

impl Nik {
    pub fn as_u64(self) -> u64 {
        self.0
    }

    pub fn from_u64(n: u64) -> Option<Nik> {
        (1_000_000_000_000_000..10_000_000_000_000_000)
            .contains(&n)
            .then_some(Nik(n))
    }

    pub fn digits(self) -> String {
        format!("{:016}", self.0)
    }

    /// The district (kecamatan) code of the first six digits, when it is a well-formed code.
    pub fn region(self) -> Option<RegionCode> {
        RegionCode::from_digits(&self.digits()[..6]).ok()
    }

    /// Sex from the day field: women have 40 added to the day of birth.
    pub fn sex(self) -> Option<Sex> {
        let day = (self.0 / 100_000_000) % 100;
        match day {
            1..=31 => Some(Sex::Male),
            41..=71 => Some(Sex::Female),
            _ => None,
        }
    }

    /// The birth date in digits 7-12 (DDMMYY). The century is the one that puts the date in the
    /// past relative to `today`, so a person is never born in the future.
    pub fn birth_date(self, today: NaiveDate) -> Option<NaiveDate> {
        let ddmmyy = (self.0 / 10_000) % 1_000_000;
        let mut day = (ddmmyy / 10_000) as u32;
        let month = ((ddmmyy / 100) % 100) as u32;
        let yy = (ddmmyy % 100) as i32;
        if day > 40 {
            day -= 40;
        }
        let this_century = today.year() / 100 * 100;
        let year = if this_century + yy > today.year() {
            this_century - 100 + yy
        } else {
            this_century + yy
        };
        NaiveDate::from_ymd_opt(year, month, day)
    }

    /// True when the NIK's shape holds: a decodable birth date and a sex-coded day.
    pub fn is_well_formed(self, today: NaiveDate) -> bool {
        self.birth_date(today).is_some() && self.sex().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid")
    }

    #[test]
    fn a_woman_born_5_march_1990_in_kramatwatu() {
        let NikCell::Clean(nik) = NikCell::parse("'3604054503900002") else {
            panic!("clean NIK expected")
        };
        assert_eq!(nik.sex(), Some(Sex::Female));
        assert_eq!(nik.birth_date(today()), NaiveDate::from_ymd_opt(1990, 3, 5));
        assert_eq!(nik.region().map(|r| r.to_string()), Some("36.04.05".into()));
    }

    #[test]
    fn spreadsheet_damage_is_flagged_not_trusted() {
        assert_eq!(
            NikCell::parse("3.60405E+15"),
            NikCell::Damaged {
                leading: "360405".into()
            }
        );
        assert_eq!(
            NikCell::parse("3604 0545 0390 0002"),
            NikCell::parse("3604054503900002")
        );
        assert_eq!(
            NikCell::parse("3604054503900002.0"),
            NikCell::parse("3604054503900002")
        );
        assert_eq!(NikCell::parse("-"), NikCell::Missing);
        assert_eq!(NikCell::parse("ABC123"), NikCell::Invalid);
        assert_eq!(NikCell::parse("12345"), NikCell::Invalid);
    }

    #[test]
    fn sex_spellings() {
        assert_eq!(Sex::parse("Perempuan"), Some(Sex::Female));
        assert_eq!(Sex::parse("L"), Some(Sex::Male));
        assert_eq!(Sex::parse("?"), None);
    }
}
