//! Indonesian given names as they occur in Banten, by sex and by naming tradition: Sundanese
//! (Pandeglang, Lebak and the south), Javanese (the Jawa Serang of Serang and Cilegon, and
//! migrants from Central Java in Tangerang), Betawi (Tangerang), and the Arabic-derived names
//! common everywhere. There is no family name; a name has one, two or three words, and a few
//! words ("Siti", "Muhammad", "Nur", "Asep") are very common, so different people share names.
//!
//! Names are drawn in today's spelling; [`crate::damage`] writes them the ways lists do.

use std::sync::OnceLock;

use rand::Rng;

use crate::people::Sex;
use crate::tables::Weighted;

/// A naming tradition; the mix of traditions depends on the regency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tradition {
    Sundanese,
    Javanese,
    Betawi,
    Arabic,
}

// Each list is ordered from the most to the least common, which sets its Zipf weights.

const SUNDANESE_F_FIRST: &[&str] = &[
    "Euis", "Neneng", "Iis", "Imas", "Entin", "Enah", "Eti", "Ela", "Nining", "Nunung", "Yuyun",
    "Yayah", "Cucu", "Ai", "Kokom", "Onih", "Ijah", "Eha", "Popon", "Ade", "Dede", "Lilis", "Tati",
    "Titin", "Enung", "Yeni", "Rina", "Wati", "Yati", "Heni", "Rini", "Susi", "Elis", "Cicih",
    "Emah", "Enok", "Iyah", "Oneng", "Lina", "Nani", "Nenih", "Aan", "Engkom", "Oom", "Atikah",
    "Mimin", "Tuti", "Eneng", "Nyimas", "Ratna",
];
const SUNDANESE_F_SECOND: &[&str] = &[
    "Sumiati",
    "Nurhayati",
    "Rohaeti",
    "Komalasari",
    "Suryani",
    "Rosita",
    "Herawati",
    "Kurniasih",
    "Rahmawati",
    "Fitriani",
    "Yulianti",
    "Hartini",
    "Sartika",
    "Mulyani",
    "Handayani",
    "Setiawati",
    "Purnamasari",
    "Juariah",
    "Jubaedah",
    "Nuraeni",
    "Karwati",
    "Sopiah",
    "Hayati",
    "Mariah",
    "Komariah",
    "Mulyati",
    "Karsih",
    "Rukmini",
    "Maryani",
    "Nurlaela",
    "Saodah",
    "Cahyati",
    "Sukaesih",
    "Wartini",
];
const SUNDANESE_M_FIRST: &[&str] = &[
    "Asep", "Ujang", "Dadang", "Dede", "Cecep", "Encep", "Jajang", "Yayan", "Wawan", "Apud",
    "Oman", "Enjat", "Ade", "Aep", "Dadan", "Deden", "Endang", "Iwan", "Agus", "Ucup", "Udin",
    "Entis", "Atang", "Uus", "Acep", "Yaya", "Dodi", "Mamat", "Oding", "Aceng", "Engkos", "Kurnia",
    "Ahmad", "Jaja", "Nana", "Enjang", "Rudi", "Hendra",
];
const SUNDANESE_M_SECOND: &[&str] = &[
    "Saepudin",
    "Supriatna",
    "Sunarya",
    "Hidayat",
    "Setiawan",
    "Kurniawan",
    "Saepul",
    "Rohmat",
    "Mulyana",
    "Permana",
    "Suherman",
    "Sopandi",
    "Gunawan",
    "Hermawan",
    "Somantri",
    "Nugraha",
    "Rusmana",
    "Jaenudin",
    "Sukmana",
    "Abdullah",
    "Saepulloh",
    "Komarudin",
    "Suryana",
    "Firmansyah",
];
const JAVANESE_F_FIRST: &[&str] = &[
    "Sri", "Sulastri", "Suharti", "Tri", "Endang", "Wartini", "Darsih", "Kasmini", "Sumarni",
    "Ngatini", "Rukmini", "Suyati", "Tarsih", "Warsini", "Sutinah", "Kartini", "Wahyuni",
    "Lestari", "Puji", "Yuni", "Tumini", "Sarmi", "Karyati", "Surani", "Rasminah", "Castini",
    "Carsih", "Tarminah", "Daryati", "Suwarni", "Partini", "Eni", "Dwi", "Siti",
];
const JAVANESE_F_SECOND: &[&str] = &[
    "Wahyuni",
    "Astuti",
    "Rahayu",
    "Lestari",
    "Suharti",
    "Wulandari",
    "Utami",
    "Handayani",
    "Ningsih",
    "Susanti",
    "Mulyani",
    "Pujiastuti",
    "Widayati",
    "Purwanti",
    "Sulistyowati",
    "Kusumawati",
    "Setyaningsih",
    "Rahmawati",
    "Yuliani",
    "Winarsih",
];
const JAVANESE_M_FIRST: &[&str] = &[
    "Slamet",
    "Joko",
    "Budi",
    "Suparman",
    "Sukardi",
    "Supriyadi",
    "Sarmidi",
    "Sutrisno",
    "Bambang",
    "Wahyu",
    "Eko",
    "Teguh",
    "Darto",
    "Kasmadi",
    "Tarno",
    "Sugeng",
    "Rasmin",
    "Carman",
    "Warsono",
    "Kardi",
    "Sumarno",
    "Rusdi",
    "Sarjono",
    "Tukiman",
    "Darmaji",
    "Dwi",
    "Agus",
    "Heru",
];
const JAVANESE_M_SECOND: &[&str] = &[
    "Santoso",
    "Prasetyo",
    "Susanto",
    "Wibowo",
    "Setiawan",
    "Purnomo",
    "Hartono",
    "Riyanto",
    "Suprapto",
    "Wijaya",
    "Nugroho",
    "Sugiarto",
    "Saputro",
    "Kurniawan",
    "Hidayat",
    "Wahyudi",
];
const BETAWI_F_FIRST: &[&str] = &[
    "Juleha", "Masitoh", "Romlah", "Rodiah", "Mariam", "Munah", "Saodah", "Aminah", "Zaenab",
    "Rohmah", "Jaenab", "Ropiah", "Saanah", "Ipah", "Atun", "Mimin", "Enih", "Rohayah", "Mursidah",
    "Nurlela", "Sarmah", "Hindun", "Mae", "Pipih", "Iyas",
];
const BETAWI_F_SECOND: &[&str] = &[
    "Aminah",
    "Rohmah",
    "Zubaedah",
    "Marlina",
    "Sari",
    "Hasanah",
    "Halimah",
    "Maemunah",
    "Rohayati",
    "Komariyah",
    "Fauziah",
    "Yulia",
];
const BETAWI_M_FIRST: &[&str] = &[
    "Rojali", "Sanusi", "Japar", "Juhri", "Marzuki", "Mamat", "Sahroni", "Mursid", "Rohim",
    "Jaelani", "Saipul", "Napis", "Madih", "Sarip", "Rais", "Tohir", "Ishak", "Romli", "Sabeni",
    "Mali", "Mansur", "Naiman", "Sapri", "Ridwan",
];
const BETAWI_M_SECOND: &[&str] = &[
    "Hasan", "Saputra", "Hidayat", "Rahman", "Jaelani", "Sahroni", "Efendi", "Sanjaya", "Ramdani",
    "Firdaus",
];
/// Arabic-derived women's names; most often after "Siti" or "Nur", or alone.
const ARABIC_F: &[&str] = &[
    "Aminah",
    "Fatimah",
    "Khodijah",
    "Aisyah",
    "Maesaroh",
    "Nurhasanah",
    "Khoirunnisa",
    "Nurjanah",
    "Hasanah",
    "Rohimah",
    "Kulsum",
    "Mahmudah",
    "Rofiah",
    "Jubaedah",
    "Masriah",
    "Halimah",
    "Saadah",
    "Muawanah",
    "Zulaikha",
    "Rahmah",
    "Maryam",
    "Salamah",
    "Sholihah",
    "Musyarofah",
    "Nafisah",
    "Khotimah",
    "Zaenab",
    "Mutmainah",
    "Nurlela",
    "Rukoyah",
    "Komariyah",
    "Badriyah",
    "Hafsah",
    "Sumayah",
    "Yulaiha",
    "Sofiah",
    "Romlah",
    "Munawaroh",
    "Nurul Hidayah",
    "Uswatun Hasanah",
];
const ARABIC_F_PREFIX: &[(&str, f64)] = &[("Siti", 0.55), ("Nur", 0.2), ("Umi", 0.1), ("", 1.0)];
/// Arabic-derived men's names; often after "Muhammad", "Ahmad" or "Abdul".
const ARABIC_M: &[&str] = &[
    "Yusuf",
    "Fauzi",
    "Hasan",
    "Ali",
    "Umar",
    "Usman",
    "Ridwan",
    "Hidayat",
    "Rahmat",
    "Hasanudin",
    "Jamaludin",
    "Nurdin",
    "Sulaeman",
    "Ibrahim",
    "Ismail",
    "Ilyas",
    "Syarif",
    "Syamsul",
    "Arifin",
    "Ikhsan",
    "Khoirul",
    "Anwar",
    "Zainal",
    "Mahmud",
    "Maulana",
    "Hamzah",
    "Fadil",
    "Rizki",
    "Ramadhan",
    "Faisal",
    "Lukman",
    "Soleh",
    "Sobari",
    "Taufik",
    "Salim",
    "Fikri",
    "Nasrudin",
    "Zaenudin",
    "Saefullah",
    "Iskandar",
    "Yunus",
    "Musa",
    "Idris",
];
const ABDUL_SUFFIX: &[&str] = &[
    "Rohman", "Rohim", "Latif", "Kholik", "Aziz", "Hakim", "Malik", "Rosyid", "Ghofur", "Majid",
    "Somad", "Rozak", "Muis", "Jalil",
];
const ARABIC_M_PREFIX: &[(&str, f64)] = &[("Muhammad", 0.3), ("Ahmad", 0.15), ("", 0.55)];

struct Pools {
    first: [[Weighted<&'static str>; 4]; 2],
    second: [[Weighted<&'static str>; 4]; 2],
    arabic_f_prefix: Weighted<&'static str>,
    arabic_m_prefix: Weighted<&'static str>,
    abdul_suffix: Weighted<&'static str>,
}

fn pools() -> &'static Pools {
    static POOLS: OnceLock<Pools> = OnceLock::new();
    POOLS.get_or_init(|| {
        let z = |items: &[&'static str]| Weighted::zipf(items, 0.9);
        Pools {
            // [sex][tradition], in the order of `Sex::index` and `Tradition::index`.
            first: [
                [
                    z(SUNDANESE_F_FIRST),
                    z(JAVANESE_F_FIRST),
                    z(BETAWI_F_FIRST),
                    z(ARABIC_F),
                ],
                [
                    z(SUNDANESE_M_FIRST),
                    z(JAVANESE_M_FIRST),
                    z(BETAWI_M_FIRST),
                    z(ARABIC_M),
                ],
            ],
            second: [
                [
                    z(SUNDANESE_F_SECOND),
                    z(JAVANESE_F_SECOND),
                    z(BETAWI_F_SECOND),
                    z(ARABIC_F),
                ],
                [
                    z(SUNDANESE_M_SECOND),
                    z(JAVANESE_M_SECOND),
                    z(BETAWI_M_SECOND),
                    z(ARABIC_M),
                ],
            ],
            arabic_f_prefix: Weighted::new(ARABIC_F_PREFIX.iter().copied()),
            arabic_m_prefix: Weighted::new(ARABIC_M_PREFIX.iter().copied()),
            abdul_suffix: z(ABDUL_SUFFIX),
        }
    })
}

impl Tradition {
    fn index(self) -> usize {
        match self {
            Tradition::Sundanese => 0,
            Tradition::Javanese => 1,
            Tradition::Betawi => 2,
            Tradition::Arabic => 3,
        }
    }

    /// The mix of naming traditions in a regency or city (Kemendagri code `36.xx`).
    pub fn mix_for_regency(regency: &str) -> [(Tradition, f64); 4] {
        use Tradition::*;
        let (s, j, b, a) = match regency {
            "36.01" | "36.02" => (0.6, 0.04, 0.03, 0.33), // Pandeglang, Lebak: Sundanese
            "36.04" | "36.73" => (0.25, 0.35, 0.05, 0.35), // Serang: Jawa Serang and Sundanese
            "36.72" => (0.15, 0.4, 0.05, 0.4),            // Cilegon
            "36.03" => (0.25, 0.2, 0.3, 0.25),            // Kabupaten Tangerang
            _ => (0.15, 0.25, 0.35, 0.25),                // Kota Tangerang, Tangerang Selatan
        };
        [(Sundanese, s), (Javanese, j), (Betawi, b), (Arabic, a)]
    }
}

/// A full name in today's spelling for a person of this sex and naming tradition.
pub fn full_name<R: Rng + ?Sized>(rng: &mut R, sex: Sex, tradition: Tradition) -> String {
    let p = pools();
    let s = sex.index();
    let t = tradition.index();
    if tradition == Tradition::Arabic {
        return arabic_name(rng, sex);
    }
    let words = rng.random::<f64>();
    let first_word = *p.first[s][t].pick(rng);
    if words < 0.45 {
        first_word.to_owned()
    } else if words < 0.93 {
        let second = pick_different(rng, &p.second[s][t], first_word);
        format!("{first_word} {second}")
    } else {
        let second = pick_different(rng, &p.second[s][t], first_word);
        let third = pick_different(rng, &p.second[s][t], second);
        format!("{first_word} {second} {third}")
    }
}

fn arabic_name<R: Rng + ?Sized>(rng: &mut R, sex: Sex) -> String {
    let p = pools();
    match sex {
        Sex::Female => {
            let prefix = *p.arabic_f_prefix.pick(rng);
            let core = *p.first[0][3].pick(rng);
            // "Nur Nurhasanah" is not a name: a core that already starts with the prefix stands alone.
            if prefix.is_empty() || core.starts_with(prefix) {
                core.to_owned()
            } else {
                format!("{prefix} {core}")
            }
        }
        Sex::Male => {
            if rng.random_bool(0.15) {
                let suffix = *p.abdul_suffix.pick(rng);
                return format!("Abdul {suffix}");
            }
            let prefix = *p.arabic_m_prefix.pick(rng);
            let core = *p.first[1][3].pick(rng);
            if prefix.is_empty() {
                if rng.random_bool(0.3) {
                    let second = pick_different(rng, &p.second[1][3], core);
                    format!("{core} {second}")
                } else {
                    core.to_owned()
                }
            } else {
                format!("{prefix} {core}")
            }
        }
    }
}

fn pick_different<R: Rng + ?Sized>(
    rng: &mut R,
    table: &Weighted<&'static str>,
    not: &str,
) -> &'static str {
    // A few tries are enough: no table is dominated by one name.
    for _ in 0..4 {
        let w = *table.pick(rng);
        if w != not {
            return w;
        }
    }
    table.pick(rng)
}

/// A father's name, as it is added after "bin"/"binti": usually one or two words.
pub fn father_name<R: Rng + ?Sized>(rng: &mut R, tradition: Tradition) -> String {
    full_name(rng, Sex::Male, tradition)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn names_are_one_to_three_words_and_common_ones_repeat() {
        let mut rng = crate::SynthRng::seed_from_u64(1);
        let mut one_word = 0;
        let mut siti_aminah = 0;
        for _ in 0..10_000 {
            let n = full_name(&mut rng, Sex::Female, Tradition::Arabic);
            let words = n.split(' ').count();
            assert!((1..=3).contains(&words), "{n}");
            one_word += usize::from(words == 1);
            siti_aminah += usize::from(n == "Siti Aminah");
        }
        assert!(one_word > 1_000, "one-word names are common: {one_word}");
        assert!(
            siti_aminah > 100,
            "Siti Aminah is a common name: {siti_aminah}"
        );
    }

    #[test]
    fn every_tradition_has_names_for_both_sexes() {
        let mut rng = crate::SynthRng::seed_from_u64(2);
        for t in [
            Tradition::Sundanese,
            Tradition::Javanese,
            Tradition::Betawi,
            Tradition::Arabic,
        ] {
            for sex in [Sex::Female, Sex::Male] {
                let n = full_name(&mut rng, sex, t);
                assert!(!n.is_empty() && n.chars().next().is_some_and(char::is_uppercase));
            }
        }
    }
}
