//! Where people live and were born, and how they are reached: Banten's regencies, districts and
//! villages from the embedded Kemendagri reference table, hamlet (kampung) and street names,
//! birth places, and Indonesian mobile numbers.

use std::sync::OnceLock;

use emas_domain::access::RegionCode;
use emas_domain::regions::Regions;
use rand::Rng;

use crate::tables::Weighted;

/// A district (kecamatan) with its villages, as the reference table has them.
#[derive(Debug)]
pub(crate) struct District {
    pub code: String,
    pub name: String,
    pub villages: Vec<(String, String)>,
}

/// A regency or city of Banten.
#[derive(Debug)]
pub(crate) struct Regency {
    pub code: String,
    /// As in the reference table: "Kabupaten Serang", "Kota Serang".
    pub name: String,
    pub districts: Vec<District>,
}

impl Regency {
    pub fn is_city(&self) -> bool {
        self.name.starts_with("Kota ")
    }

    /// The name without "Kabupaten"/"Kota": "Serang" (ambiguous on purpose, as in real lists).
    pub fn short_name(&self) -> &str {
        self.name
            .strip_prefix("Kabupaten ")
            .or_else(|| self.name.strip_prefix("Kota "))
            .unwrap_or(&self.name)
    }
}

pub(crate) struct Geography {
    pub regencies: Vec<Regency>,
    weights: Weighted<usize>,
}

/// Rough shares of Banten's migrant workers by home regency: the rural regencies and the
/// populous Tangerang regency send the most.
fn regency_weight(code: &str) -> f64 {
    match code {
        "36.01" => 0.15,
        "36.02" => 0.15,
        "36.03" => 0.20,
        "36.04" => 0.22,
        "36.71" => 0.08,
        "36.72" => 0.06,
        "36.73" => 0.08,
        _ => 0.06,
    }
}

pub(crate) fn geography() -> &'static Geography {
    static GEO: OnceLock<Geography> = OnceLock::new();
    GEO.get_or_init(|| {
        let regions = Regions::reference();
        let banten = RegionCode::parse("36").expect("\"36\" is a valid province code");
        let mut regencies = Vec::new();
        for regency in regions.children(&banten) {
            let mut districts = Vec::new();
            for district in regions.children(&regency.code) {
                let villages: Vec<(String, String)> = regions
                    .children(&district.code)
                    .map(|v| (v.code.as_str().to_owned(), v.name.clone()))
                    .collect();
                if !villages.is_empty() {
                    districts.push(District {
                        code: district.code.as_str().to_owned(),
                        name: district.name.clone(),
                        villages,
                    });
                }
            }
            if !districts.is_empty() {
                regencies.push(Regency {
                    code: regency.code.as_str().to_owned(),
                    name: regency.name.clone(),
                    districts,
                });
            }
        }
        assert!(
            !regencies.is_empty(),
            "the reference table holds Banten's regencies with villages"
        );
        let weights = Weighted::new(
            regencies
                .iter()
                .enumerate()
                .map(|(i, r)| (i, regency_weight(&r.code))),
        );
        Geography { regencies, weights }
    })
}

impl Geography {
    /// A home village: (regency index, district index, village index).
    pub fn pick_village<R: Rng + ?Sized>(&self, rng: &mut R) -> (usize, usize, usize) {
        let r = *self.weights.pick(rng);
        let d = rng.random_range(0..self.regencies[r].districts.len());
        let v = rng.random_range(0..self.regencies[r].districts[d].villages.len());
        (r, d, v)
    }
}

const KAMPUNG_PREFIX: &[&str] = &[
    "Ci", "Ci", "Ci", "Suka", "Pasir ", "Babakan ", "Kadu", "Leuwi", "Tegal ", "Karang ",
    "Sindang ", "Muara ", "Gunung ", "Lebak ", "Bojong ", "Kebon ", "Pasir ", "Cikadu ",
];
const KAMPUNG_ROOT: &[&str] = &[
    "beber", "manggu", "kupa", "jeruk", "kande", "sereh", "bunar", "waru", "jaya", "mulya", "asih",
    "kalong", "gintung", "peundeuy", "salam", "bitung", "nangka", "loa", "kiara", "huni", "tutul",
    "muncang", "kopo", "pinang", "durian", "awi", "sempur", "laban", "rame", "sari", "haur",
    "tapen", "hideung", "lame", "koneng", "batu", "kembang", "tengah",
];
const STREET: &[&str] = &[
    "Melati",
    "Mawar",
    "Kenanga",
    "Flamboyan",
    "Cempaka",
    "Anggrek",
    "Dahlia",
    "Merdeka",
    "Pahlawan",
    "Sudirman",
    "Kartini",
    "Diponegoro",
    "Masjid",
    "Pasar Lama",
    "Raya Serang",
    "Kemuning",
    "Nusa Indah",
    "Siliwangi",
    "Veteran",
    "Bhayangkara",
];

/// A hamlet (kampung) name in the Sundanese pattern of most Banten toponyms: "Cibeber",
/// "Sukamulya", "Pasir Waru".
pub(crate) fn kampung<R: Rng + ?Sized>(rng: &mut R) -> String {
    let prefix = KAMPUNG_PREFIX[rng.random_range(0..KAMPUNG_PREFIX.len())];
    let root = KAMPUNG_ROOT[rng.random_range(0..KAMPUNG_ROOT.len())];
    if prefix.ends_with(' ') {
        let mut chars = root.chars();
        let first = chars.next().map(|c| c.to_ascii_uppercase()).unwrap_or('X');
        format!("{prefix}{first}{}", chars.as_str())
    } else {
        format!("{prefix}{root}")
    }
}

/// A street for town addresses: "Jl. Melati No. 12".
pub(crate) fn street<R: Rng + ?Sized>(rng: &mut R) -> String {
    let name = STREET[rng.random_range(0..STREET.len())];
    format!("Jl. {name} No. {}", rng.random_range(1..=120))
}

/// Birth places outside Banten that are common among its residents.
const ELSEWHERE: &[&str] = &[
    "Jakarta",
    "Bogor",
    "Sukabumi",
    "Brebes",
    "Indramayu",
    "Cirebon",
    "Lampung",
    "Tegal",
    "Garut",
    "Cianjur",
    "Kuningan",
    "Karawang",
];

/// A birth place as the truth records it: usually the home regency's name or a district, and
/// for some a place outside Banten.
pub(crate) fn birth_place<R: Rng + ?Sized>(
    rng: &mut R,
    regency: &Regency,
    district: &District,
) -> String {
    let x = rng.random::<f64>();
    if x < 0.1 {
        ELSEWHERE[rng.random_range(0..ELSEWHERE.len())].to_owned()
    } else if x < 0.4 {
        district.name.clone()
    } else if regency.code == "36.02" && x < 0.55 {
        // Lebak's capital is written for the regency.
        "Rangkasbitung".to_owned()
    } else {
        regency.short_name().to_owned()
    }
}

/// Mobile prefixes of the Indonesian operators, after the leading 0.
const MOBILE_PREFIX: &[(&str, f64)] = &[
    ("812", 3.0),
    ("813", 3.0),
    ("821", 2.5),
    ("822", 2.0),
    ("823", 1.0),
    ("852", 2.0),
    ("853", 1.5),
    ("857", 2.0),
    ("856", 1.5),
    ("858", 1.0),
    ("877", 1.5),
    ("878", 1.5),
    ("819", 1.0),
    ("838", 1.0),
    ("895", 1.0),
    ("896", 1.0),
    ("898", 0.8),
    ("881", 0.5),
];

fn mobile_prefixes() -> &'static Weighted<&'static str> {
    static T: OnceLock<Weighted<&'static str>> = OnceLock::new();
    T.get_or_init(|| Weighted::new(MOBILE_PREFIX.iter().copied()))
}

/// A mobile number in E.164 form: "+62812…", 10 to 13 digits after the 0 of the local form.
pub(crate) fn phone<R: Rng + ?Sized>(rng: &mut R) -> String {
    let prefix = mobile_prefixes().pick(rng);
    let rest_len = rng.random_range(6..=9);
    let mut s = format!("+62{prefix}");
    for _ in 0..rest_len {
        s.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geography_holds_all_eight_regencies_of_banten() {
        let g = geography();
        assert_eq!(g.regencies.len(), 8);
        for r in &g.regencies {
            assert!(r.code.starts_with("36."));
            for d in &r.districts {
                assert!(d.code.starts_with(&r.code));
                for (v, _) in &d.villages {
                    assert!(v.starts_with(&d.code));
                }
            }
        }
    }
}
