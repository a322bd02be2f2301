//! A participant's business: its sector (KBLI 2020), money in whole rupiah with the bounds a
//! micro business can have, the month of a follow-up, and the vocabularies of capital sources
//! and repayment.

use std::sync::OnceLock;

/// The largest amount EMAS accepts anywhere: Rp 100 billion. Anything above is a typo (or an
/// attack), not a micro business.
pub const MAX_RUPIAH: i64 = 100_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("not an amount in rupiah")]
    Invalid,
    #[error("the amount is negative")]
    Negative,
    #[error("the amount is above Rp 100 billion")]
    TooLarge,
}

impl MoneyError {
    pub fn as_str(self) -> &'static str {
        match self {
            MoneyError::Invalid => "invalid",
            MoneyError::Negative => "negative",
            MoneyError::TooLarge => "too-large",
        }
    }
}

/// Parses an amount in whole rupiah as people write it: `1500000`, `1.500.000`, `Rp 1.500.000`,
/// `1,500,000`. Sen are not kept: `1.500.000,00` is read as 1,500,000.
pub fn parse_rupiah(s: &str) -> Result<i64, MoneyError> {
    let mut t = s.trim();
    let negative = t.starts_with('-');
    if negative {
        t = t[1..].trim_start();
    }
    let lower = t.to_ascii_lowercase();
    let t = lower
        .strip_prefix("rp.")
        .or_else(|| lower.strip_prefix("rp"))
        .unwrap_or(&lower)
        .trim();
    let negative = negative || t.starts_with('-');
    let t = t.trim_start_matches('-').trim();
    // A trailing ",00" (or ".00" after a comma-grouped number) holds sen.
    let t = t
        .strip_suffix(",00")
        .or_else(|| t.strip_suffix(",0"))
        .unwrap_or(t);
    let digits: String = t
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | ' '))
        .collect();
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return if digits.len() > 15 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Err(MoneyError::TooLarge)
        } else {
            Err(MoneyError::Invalid)
        };
    }
    let n: i64 = digits.parse().map_err(|_| MoneyError::Invalid)?;
    check_rupiah(if negative { -n } else { n })
}

/// Checks an amount already a number (the API's JSON).
pub fn check_rupiah(n: i64) -> Result<i64, MoneyError> {
    if n < 0 {
        Err(MoneyError::Negative)
    } else if n > MAX_RUPIAH {
        Err(MoneyError::TooLarge)
    } else {
        Ok(n)
    }
}

/// A month of follow-up figures, `YYYY-MM`.
pub fn parse_month(s: &str) -> Option<String> {
    let s = s.trim();
    let (y, m) = s.split_once('-')?;
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    ((2000..=2100).contains(&y) && (1..=12).contains(&m) && s.len() == 7)
        .then(|| format!("{y:04}-{m:02}"))
}

/// Where capital came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapitalSource {
    /// Kredit Usaha Rakyat through a named bank.
    Kur,
    Cooperative,
    Grant,
    OwnSavings,
    Family,
}

impl CapitalSource {
    pub const ALL: [CapitalSource; 5] = [
        CapitalSource::Kur,
        CapitalSource::Cooperative,
        CapitalSource::Grant,
        CapitalSource::OwnSavings,
        CapitalSource::Family,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CapitalSource::Kur => "kur",
            CapitalSource::Cooperative => "cooperative",
            CapitalSource::Grant => "grant",
            CapitalSource::OwnSavings => "own_savings",
            CapitalSource::Family => "family",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// KUR comes through a bank, cooperative credit through a cooperative: the lender is named.
    pub fn needs_lender(self) -> bool {
        matches!(self, CapitalSource::Kur | CapitalSource::Cooperative)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repayment {
    Current,
    Late,
    Repaid,
    Defaulted,
    /// Grants, own savings: nothing to repay.
    None,
}

impl Repayment {
    pub const ALL: [Repayment; 5] = [
        Repayment::Current,
        Repayment::Late,
        Repayment::Repaid,
        Repayment::Defaulted,
        Repayment::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Repayment::Current => "current",
            Repayment::Late => "late",
            Repayment::Repaid => "repaid",
            Repayment::Defaulted => "defaulted",
            Repayment::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }
}

/// One KBLI 2020 code with its official title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kbli {
    pub code: &'static str,
    pub title: String,
}

const KBLI_CSV: &str = include_str!("../data/kbli.csv");

/// The embedded KBLI selection (data/kbli.csv), in code order.
pub fn kbli_all() -> &'static [Kbli] {
    static TABLE: OnceLock<Vec<Kbli>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut rows: Vec<Kbli> = KBLI_CSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty() && !l.starts_with("code,"))
            .filter_map(|l| {
                let (code, title) = l.split_once(',')?;
                let title = title.trim();
                let title = title
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .unwrap_or(title);
                Some(Kbli {
                    code: code.trim(),
                    title: title.replace("\"\"", "\""),
                })
            })
            .collect();
        rows.sort_by(|a, b| a.code.cmp(b.code));
        rows
    })
}

/// The KBLI entry of a five-digit code.
pub fn kbli(code: &str) -> Option<&'static Kbli> {
    let code = code.trim();
    let all = kbli_all();
    all.binary_search_by(|k| k.code.cmp(code))
        .ok()
        .map(|i| &all[i])
}

fn fold(s: &str) -> String {
    s.to_lowercase()
}

/// Codes whose code starts with `q`, or whose title holds every word of `q` (case-insensitive),
/// at most `limit`.
pub fn kbli_search(q: &str, limit: usize) -> Vec<&'static Kbli> {
    let q = fold(q.trim());
    if q.is_empty() {
        return Vec::new();
    }
    let words: Vec<&str> = q.split_whitespace().collect();
    kbli_all()
        .iter()
        .filter(|k| {
            k.code.starts_with(q.as_str()) || {
                let t = fold(&k.title);
                words.iter().all(|w| t.contains(w))
            }
        })
        .take(limit)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_people_write_them() {
        assert_eq!(parse_rupiah("1500000"), Ok(1_500_000));
        assert_eq!(parse_rupiah("1.500.000"), Ok(1_500_000));
        assert_eq!(parse_rupiah("Rp 1.500.000"), Ok(1_500_000));
        assert_eq!(parse_rupiah("Rp1.500.000,00"), Ok(1_500_000));
        assert_eq!(parse_rupiah("1,500,000"), Ok(1_500_000));
        assert_eq!(parse_rupiah("0"), Ok(0));
        assert_eq!(parse_rupiah("-50.000"), Err(MoneyError::Negative));
        assert_eq!(parse_rupiah("Rp -50.000"), Err(MoneyError::Negative));
        assert_eq!(parse_rupiah("100.000.000.001"), Err(MoneyError::TooLarge));
        assert_eq!(
            parse_rupiah("99999999999999999999999"),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(parse_rupiah("100.000.000.000"), Ok(MAX_RUPIAH));
        assert_eq!(parse_rupiah("sejuta"), Err(MoneyError::Invalid));
        assert_eq!(parse_rupiah(""), Err(MoneyError::Invalid));
        assert_eq!(parse_rupiah("1e9"), Err(MoneyError::Invalid));
        assert_eq!(check_rupiah(-1), Err(MoneyError::Negative));
    }

    #[test]
    fn months() {
        assert_eq!(parse_month("2026-03").as_deref(), Some("2026-03"));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("2026-3"), None);
        assert_eq!(parse_month("03-2026"), None);
    }

    #[test]
    fn kbli_lookup_and_search() {
        assert!(kbli_all().len() >= 80, "{}", kbli_all().len());
        assert!(kbli_all().iter().all(|k| k.code.len() == 5
            && k.code.bytes().all(|b| b.is_ascii_digit())
            && !k.title.is_empty()));
        assert_eq!(
            kbli("56102").map(|k| k.title.as_str()),
            Some("Rumah/Warung Makan")
        );
        assert_eq!(kbli("99999"), None);
        // KBLI 2020 numbers laundry 96200 (a code taken from ISIC, 9601x, was wrong here).
        assert_eq!(
            kbli("96200").map(|k| k.title.as_str()),
            Some("Aktivitas Binatu")
        );
        assert_eq!(kbli("96011"), None);
        assert_eq!(
            kbli("10794").map(|k| k.title.as_str()),
            Some("Industri Kerupuk, Keripik, Peyek dan Sejenisnya")
        );
        let warung = kbli_search("warung", 10);
        assert_eq!(
            warung.iter().map(|k| k.code).collect::<Vec<_>>(),
            vec!["56102"]
        );
        assert!(
            kbli_search("561", 10)
                .iter()
                .all(|k| k.code.starts_with("561"))
        );
        assert!(kbli_search("ayam ras", 10).len() >= 2);
        assert!(kbli_search("", 10).is_empty());
    }

    #[test]
    fn capital_vocabularies() {
        for c in CapitalSource::ALL {
            assert_eq!(CapitalSource::parse(c.as_str()), Some(c));
        }
        assert!(CapitalSource::Kur.needs_lender());
        assert!(!CapitalSource::Family.needs_lender());
        for r in Repayment::ALL {
            assert_eq!(Repayment::parse(r.as_str()), Some(r));
        }
    }
}
