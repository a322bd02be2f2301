//! The registry's vocabulary: where a returnee stands now, how they were placed abroad, the
//! countries PMI go to, and the keys a name is searched by.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::name::{phonetic, standardise};

/// Where a person stands now (DOMAIN.md, "Migration history").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationStatus {
    Abroad,
    Returned,
    DepartedAgain,
}

/// How a worker was placed abroad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlacementRoute {
    /// Through a licensed private placement agency (P3MI).
    LicensedAgency,
    /// Government-to-government (G to G), e.g. to Korea or Japan.
    GovernmentToGovernment,
    /// Independent (mandiri).
    Independent,
    /// Outside the legal procedure (non-prosedural), often through a calo.
    NonProcedural,
}

/// Sectors PMI work in; domestic work and caregiving are the largest in Taiwan and Hong Kong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    DomesticWorker,
    Caregiver,
    Factory,
    Construction,
    Plantation,
    FishingCrew,
    Hospitality,
    Other,
}

macro_rules! string_enum {
    ($t:ty { $($v:ident = $s:literal),+ $(,)? }) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$v),+];
            pub fn as_str(self) -> &'static str {
                match self { $(<$t>::$v => $s),+ }
            }
            pub fn parse(s: &str) -> Option<$t> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(MigrationStatus { Abroad = "abroad", Returned = "returned", DepartedAgain = "departed_again" });
string_enum!(PlacementRoute {
    LicensedAgency = "licensed_agency",
    GovernmentToGovernment = "government_to_government",
    Independent = "independent",
    NonProcedural = "non_procedural",
});
string_enum!(Sector {
    DomesticWorker = "domestic_worker",
    Caregiver = "caregiver",
    Factory = "factory",
    Construction = "construction",
    Plantation = "plantation",
    FishingCrew = "fishing_crew",
    Hospitality = "hospitality",
    Other = "other",
});

/// Countries of placement, by ISO 3166 code, with the names and spellings found in agency lists.
pub const COUNTRIES: &[(&str, &str, &[&str])] = &[
    (
        "TW",
        "Taiwan",
        &["taiwan", "tw", "taipei", "republic of china", "roc"],
    ),
    ("HK", "Hong Kong", &["hong kong", "hongkong", "hk"]),
    ("MY", "Malaysia", &["malaysia", "my", "malaysi", "malaisia"]),
    (
        "SA",
        "Arab Saudi",
        &["arab saudi", "saudi arabia", "saudi", "ksa", "sa"],
    ),
    ("SG", "Singapura", &["singapura", "singapore", "sg"]),
    (
        "KR",
        "Korea Selatan",
        &["korea selatan", "korea", "south korea", "kr", "korsel"],
    ),
    ("JP", "Jepang", &["jepang", "japan", "jp"]),
    (
        "AE",
        "Uni Emirat Arab",
        &[
            "uni emirat arab",
            "uae",
            "united arab emirates",
            "ae",
            "dubai",
            "abu dhabi",
        ],
    ),
    ("QA", "Qatar", &["qatar", "qa"]),
    ("KW", "Kuwait", &["kuwait", "kw"]),
    ("OM", "Oman", &["oman", "om"]),
    (
        "BN",
        "Brunei Darussalam",
        &["brunei darussalam", "brunei", "bn"],
    ),
];

/// The ISO code of a country as written in a list ("Hongkong", "TAIWAN", "KSA"), if known.
pub fn country_code(cell: &str) -> Option<&'static str> {
    let t = cell.trim().to_lowercase();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    COUNTRIES
        .iter()
        .find(|(code, _, aliases)| code.eq_ignore_ascii_case(&t) || aliases.contains(&t.as_str()))
        .map(|(code, _, _)| *code)
}

pub fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, name, _)| *name)
}

/// The keys a name is found by: the phonetic key of each standardised token, and of each pair of
/// neighbouring tokens written together, so that "Nurhayati" finds "Nur Hayati" and back.
pub fn name_search_keys(name: &str) -> Vec<String> {
    let tokens = standardise(name);
    let mut keys: Vec<String> = tokens.iter().map(|t| phonetic(t)).collect();
    for pair in tokens.windows(2) {
        keys.push(phonetic(&format!("{}{}", pair[0], pair[1])));
    }
    keys.retain(|k| !k.is_empty());
    keys.sort();
    keys.dedup();
    keys
}

/// What a typed name query must match: the phonetic key of every token (all must be found), or,
/// when the query is several tokens, the key of the tokens written together.
pub fn name_query_keys(query: &str) -> (Vec<String>, Option<String>) {
    let tokens = standardise(query);
    let each: Vec<String> = tokens
        .iter()
        .map(|t| phonetic(t))
        .filter(|k| !k.is_empty())
        .collect();
    let joined = (tokens.len() > 1).then(|| phonetic(&tokens.concat()));
    (each, joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(stored: &str, query: &str) -> bool {
        let keys = name_search_keys(stored);
        let (each, joined) = name_query_keys(query);
        (!each.is_empty() && each.iter().all(|k| keys.contains(k)))
            || joined.is_some_and(|j| keys.contains(&j))
    }

    #[test]
    fn names_are_found_across_indonesian_spellings() {
        assert!(found("Muhammad Yusuf", "Moh. Yusup"));
        assert!(found("Nur Hayati", "Nurhayati"));
        assert!(found("Nurhayati", "Nur Hayati"));
        assert!(found("Hj. Siti Aminah binti Sanusi", "siti aminah"));
        assert!(found("Djoenaedi", "Junaedi"));
        assert!(!found("Siti Aminah", "Siti Rohmah"));
    }

    #[test]
    fn countries_are_read_from_their_usual_spellings() {
        assert_eq!(country_code("HONGKONG"), Some("HK"));
        assert_eq!(country_code(" Taiwan "), Some("TW"));
        assert_eq!(country_code("KSA"), Some("SA"));
        assert_eq!(country_code("Narnia"), None);
        assert_eq!(country_name("TW"), Some("Taiwan"));
    }

    #[test]
    fn vocabularies_round_trip() {
        for s in MigrationStatus::ALL {
            assert_eq!(MigrationStatus::parse(s.as_str()), Some(*s));
        }
        for r in PlacementRoute::ALL {
            assert_eq!(PlacementRoute::parse(r.as_str()), Some(*r));
        }
        assert_eq!(Sector::parse("caregiver"), Some(Sector::Caregiver));
        assert_eq!(Sector::parse("pilot"), None);
    }
}
