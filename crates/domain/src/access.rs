//! Who may see what: roles (DOMAIN.md, "Who uses EMAS"), Kemendagri region codes and the region
//! scope a staff account works within.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A role of an EMAS account. The string forms are stored in the database and used in URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Registrar,
    ProgrammeOfficer,
    Trainer,
    Mentor,
    CaseWorker,
    Analyst,
    Coordinator,
    Moderator,
    PartnerOfficer,
    Participant,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::Admin,
        Role::Registrar,
        Role::ProgrammeOfficer,
        Role::Trainer,
        Role::Mentor,
        Role::CaseWorker,
        Role::Analyst,
        Role::Coordinator,
        Role::Moderator,
        Role::PartnerOfficer,
        Role::Participant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Registrar => "registrar",
            Role::ProgrammeOfficer => "programme_officer",
            Role::Trainer => "trainer",
            Role::Mentor => "mentor",
            Role::CaseWorker => "case_worker",
            Role::Analyst => "analyst",
            Role::Coordinator => "coordinator",
            Role::Moderator => "moderator",
            Role::PartnerOfficer => "partner_officer",
            Role::Participant => "participant",
        }
    }

    /// Analysts and coordinators work with aggregates only: they never open a person's record.
    pub fn sees_aggregates_only(self) -> bool {
        matches!(self, Role::Analyst | Role::Coordinator)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// A Kemendagri region code in its dotted form: `36` (province), `36.04` (regency or city),
/// `36.04.01` (district, kecamatan), `36.04.01.2001` (village, desa or kelurahan).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegionLevel {
    Province,
    Regency,
    District,
    Village,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a Kemendagri region code (36, 36.04, 36.04.01 or 36.04.01.2001)")]
pub struct InvalidRegionCode(pub String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<Self, InvalidRegionCode> {
        let s = s.trim();
        let parts: Vec<&str> = s.split('.').collect();
        let widths: &[usize] = &[2, 2, 2, 4];
        let well_formed = !parts.is_empty()
            && parts.len() <= widths.len()
            && parts
                .iter()
                .zip(widths)
                .all(|(p, &w)| p.len() == w && p.bytes().all(|b| b.is_ascii_digit()));
        if well_formed {
            Ok(RegionCode(s.to_owned()))
        } else {
            Err(InvalidRegionCode(s.to_owned()))
        }
    }

    /// The code from the six leading digits of an NIK or any undotted run of 2, 4, 6 or 10 digits.
    pub fn from_digits(digits: &str) -> Result<Self, InvalidRegionCode> {
        let dotted = match digits.len() {
            2 => digits.to_owned(),
            4 => format!("{}.{}", &digits[..2], &digits[2..]),
            6 => format!("{}.{}.{}", &digits[..2], &digits[2..4], &digits[4..]),
            10 => format!(
                "{}.{}.{}.{}",
                &digits[..2],
                &digits[2..4],
                &digits[4..6],
                &digits[6..]
            ),
            _ => return Err(InvalidRegionCode(digits.to_owned())),
        };
        Self::parse(&dotted).map_err(|_| InvalidRegionCode(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        match self.0.split('.').count() {
            1 => RegionLevel::Province,
            2 => RegionLevel::Regency,
            3 => RegionLevel::District,
            _ => RegionLevel::Village,
        }
    }

    /// The code of the region one level up, if any.
    pub fn parent(&self) -> Option<RegionCode> {
        self.0
            .rsplit_once('.')
            .map(|(head, _)| RegionCode(head.to_owned()))
    }

    /// The province this region lies in.
    pub fn province(&self) -> RegionCode {
        RegionCode(self.0[..2].to_owned())
    }

    /// The regency or city this region lies in; `None` for a province.
    pub fn regency(&self) -> Option<RegionCode> {
        (self.0.len() >= 5).then(|| RegionCode(self.0[..5].to_owned()))
    }

    /// True when `other` is this region or lies within it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0 == self.0
            || (other.0.starts_with(&self.0) && other.0.as_bytes().get(self.0.len()) == Some(&b'.'))
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = InvalidRegionCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

/// The region a staff account works within. The national level sees every region.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    National,
    Region(RegionCode),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidScope {
    #[error(transparent)]
    Code(#[from] InvalidRegionCode),
    #[error("a scope is national, a province or a regency/city, not {0:?}")]
    TooNarrow(String),
}

impl Scope {
    /// Parses the stored form: `national`, a province code or a regency/city code.
    pub fn parse(s: &str) -> Result<Self, InvalidScope> {
        if s == "national" {
            return Ok(Scope::National);
        }
        let code = RegionCode::parse(s)?;
        match code.level() {
            RegionLevel::Province | RegionLevel::Regency => Ok(Scope::Region(code)),
            _ => Err(InvalidScope::TooNarrow(s.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Scope::National => "national",
            Scope::Region(c) => c.as_str(),
        }
    }

    /// True when a record located in `region` lies within this scope.
    pub fn covers(&self, region: &RegionCode) -> bool {
        match self {
            Scope::National => true,
            Scope::Region(own) => own.contains(region),
        }
    }

    /// True when this scope includes all of `other` (a province scope includes its regencies).
    pub fn includes(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::National, _) => true,
            (Scope::Region(_), Scope::National) => false,
            (Scope::Region(own), Scope::Region(theirs)) => own.contains(theirs),
        }
    }

    /// The prefix that every region code in this scope starts with, for SQL `like` filters:
    /// `None` means no filter.
    pub fn code_prefix(&self) -> Option<&str> {
        match self {
            Scope::National => None,
            Scope::Region(c) => Some(c.as_str()),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).expect("valid code in test")
    }

    #[test]
    fn region_codes_parse_only_in_kemendagri_shape() {
        for good in ["36", "36.04", "36.04.01", "36.04.01.2001"] {
            assert!(RegionCode::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "3",
            "36.4",
            "36.04.1",
            "36.04.01.201",
            "36.04.01.2001.1",
            "ab",
            "36..04",
        ] {
            assert!(RegionCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn region_codes_know_their_ancestors() {
        let village = code("36.04.01.2001");
        assert_eq!(village.level(), RegionLevel::Village);
        assert_eq!(village.parent(), Some(code("36.04.01")));
        assert_eq!(village.regency(), Some(code("36.04")));
        assert_eq!(village.province(), code("36"));
        assert_eq!(code("36").regency(), None);
        assert_eq!(RegionCode::from_digits("360401"), Ok(code("36.04.01")));
    }

    #[test]
    fn a_regency_scope_covers_its_own_villages_only() {
        let serang = Scope::parse("36.04").expect("regency scope");
        assert!(serang.covers(&code("36.04.01.2001")));
        assert!(serang.covers(&code("36.04")));
        assert!(
            !serang.covers(&code("36.73.01")),
            "Kota Serang is another city"
        );
        assert!(
            !serang.covers(&code("36.40")),
            "a prefix is not containment"
        );
        assert!(Scope::National.covers(&code("11.01")));
        assert!(Scope::parse("36").expect("province").includes(&serang));
        assert!(!serang.includes(&Scope::National));
    }

    #[test]
    fn scopes_are_national_province_or_regency() {
        assert_eq!(Scope::parse("national"), Ok(Scope::National));
        assert!(matches!(
            Scope::parse("36.04.01"),
            Err(InvalidScope::TooNarrow(_))
        ));
        assert!(Scope::parse("everything").is_err());
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
