//! Regions named in words, as agency lists write them ("Kab. Serang", "Kec. Cikande",
//! "Ds. Sukamaju"), resolved to Kemendagri codes with the embedded reference table. A village or
//! district name alone is often ambiguous in Banten; the regency and district narrow it.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::access::{RegionCode, RegionLevel};
use crate::address::standardise_region;
use crate::regions::Regions;

/// Standardised names of Banten's regions by level, each with the codes that carry the name.
struct NameIndex {
    by_level: HashMap<(RegionLevel, String), Vec<RegionCode>>,
}

fn index() -> &'static NameIndex {
    static INDEX: OnceLock<NameIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut by_level: HashMap<(RegionLevel, String), Vec<RegionCode>> = HashMap::new();
        for r in Regions::reference().all() {
            if r.code.level() == RegionLevel::Province {
                continue;
            }
            if let Some(name) = standardise_region(&r.name) {
                by_level
                    .entry((r.code.level(), name.clone()))
                    .or_default()
                    .push(r.code.clone());
                // Both "Kabupaten Serang" and "Kota Serang" are written plain "Serang": the plain
                // name stands for both until a district or village tells them apart.
                if r.code.level() == RegionLevel::Regency
                    && let Some(plain) = name
                        .strip_prefix("kabupaten ")
                        .or_else(|| name.strip_prefix("kota "))
                {
                    by_level
                        .entry((RegionLevel::Regency, plain.to_owned()))
                        .or_default()
                        .push(r.code.clone());
                }
            }
        }
        NameIndex { by_level }
    })
}

/// What a set of region names resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// The most precise region the names identify.
    Code(RegionCode),
    /// A name that fits several regions and nothing to tell them apart.
    Ambiguous,
    /// No name was given, or none is known.
    Unknown,
}

fn lookup(level: RegionLevel, name: Option<&str>) -> Option<&'static Vec<RegionCode>> {
    let key = standardise_region(name?)?;
    index().by_level.get(&(level, key))
}

/// Resolves the regency, district and village names of one record to the most precise code
/// they agree on: the village within the district within the regency, as far as given.
pub fn resolve(regency: Option<&str>, district: Option<&str>, village: Option<&str>) -> Resolved {
    // "Kab. Serang" names the regency even though its standard form is the plain "serang".
    let said_regency = regency.is_some_and(|r| {
        let folded = crate::name::fold_ascii(r);
        folded.starts_with("kab") && !folded.starts_with("kota")
    });
    let regencies: Option<Vec<RegionCode>> = lookup(RegionLevel::Regency, regency).map(|codes| {
        codes
            .iter()
            .filter(|c| !said_regency || is_kabupaten(c))
            .cloned()
            .collect()
    });
    let regencies = regencies.as_ref();
    let districts = lookup(RegionLevel::District, district);
    let villages = lookup(RegionLevel::Village, village);
    let within = |code: &RegionCode, parents: Option<&Vec<RegionCode>>| {
        parents.is_none_or(|ps| ps.iter().any(|p| p.contains(code)))
    };
    let pick = |codes: Vec<&RegionCode>| match codes.as_slice() {
        [one] => Some(Resolved::Code((*one).clone())),
        [] => None,
        _ => Some(Resolved::Ambiguous),
    };
    if let Some(vs) = villages {
        let fit: Vec<&RegionCode> = vs
            .iter()
            .filter(|v| within(v, districts) && within(v, regencies))
            .collect();
        if let Some(r) = pick(fit) {
            return r;
        }
    }
    if let Some(ds) = districts {
        let fit: Vec<&RegionCode> = ds.iter().filter(|d| within(d, regencies)).collect();
        if let Some(r) = pick(fit) {
            return r;
        }
    }
    if let Some(rs) = regencies
        && let Some(r) = pick(rs.iter().collect())
    {
        return r;
    }
    Resolved::Unknown
}

/// Regencies (kabupaten) have numbers below 71; cities (kota) from 71 up.
fn is_kabupaten(code: &RegionCode) -> bool {
    code.as_str()
        .get(3..5)
        .and_then(|n| n.parse::<u8>().ok())
        .is_some_and(|n| n < 71)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Resolved {
        Resolved::Code(RegionCode::parse(s).expect("code"))
    }

    #[test]
    fn names_resolve_to_the_most_precise_code() {
        assert_eq!(resolve(Some("Kab. Serang"), None, None), code("36.04"));
        assert_eq!(resolve(Some("KAB. SERANG"), None, None), code("36.04"));
        assert_eq!(resolve(Some("Kab Serang"), None, None), code("36.04"));
        assert_eq!(
            resolve(Some("SERANG"), None, None),
            Resolved::Ambiguous,
            "regency or city"
        );
        assert_eq!(
            resolve(Some("Serang"), Some("Kramatwatu"), None),
            code("36.04.05")
        );
        assert_eq!(resolve(Some("Kota Serang"), None, None), code("36.73"));
        assert_eq!(
            resolve(Some("Kabupaten Serang"), Some("Kramatwatu"), None),
            code("36.04.05")
        );
        assert_eq!(
            resolve(None, Some("Kec. Kramatwatu"), None),
            code("36.04.05")
        );
        assert_eq!(resolve(Some("Narnia"), None, None), Resolved::Unknown);
        assert_eq!(resolve(None, None, None), Resolved::Unknown);
    }

    #[test]
    fn a_village_name_found_in_several_districts_needs_its_district() {
        let kramatwatu = RegionCode::parse("36.04.05").expect("code");
        let kramatwatu_villages: Vec<_> = Regions::reference().children(&kramatwatu).collect();
        let village = &kramatwatu_villages[0];
        let with_district = resolve(Some("Serang"), Some("Kramatwatu"), Some(&village.name));
        assert_eq!(with_district, Resolved::Code(village.code.clone()));
    }
}
