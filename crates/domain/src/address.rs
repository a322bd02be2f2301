//! Free-text Indonesian addresses ("Kp. Cibeber RT 02/RW 03 Ds. Sukamaju Kec. Cikande Kab.
//! Serang") taken apart into hamlet, RT/RW, village, district and regency where they are
//! written, and region names or Kemendagri codes brought to one form.

use crate::access::{RegionCode, RegionLevel};
use crate::name::fold_ascii;
use crate::regions::Regions;

/// The parts of an address that could be recognised; the rest stays in `tokens`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub kampung: Option<String>,
    pub rt: Option<u16>,
    pub rw: Option<u16>,
    pub village: Option<String>,
    pub district: Option<String>,
    pub regency: Option<String>,
    /// Every meaningful word and number of the address, lowercase, abbreviations expanded,
    /// without the markers (rt, rw, desa, kecamatan…) and leading zeros dropped from numbers.
    pub tokens: Vec<String>,
}

/// Words that mark what follows, with the part they mark.
#[derive(Clone, Copy, PartialEq)]
enum Marker {
    Kampung,
    Rt,
    Rw,
    Village,
    District,
    Regency,
    City,
    Noise,
}

fn marker(word: &str) -> Option<Marker> {
    Some(match word {
        "kp" | "kmp" | "kampung" | "kampong" | "dusun" | "dsn" | "blok" => Marker::Kampung,
        "rt" => Marker::Rt,
        "rw" => Marker::Rw,
        "ds" | "desa" | "kel" | "kelurahan" | "lurah" => Marker::Village,
        "kec" | "kecamatan" | "kcm" => Marker::District,
        "kab" | "kabupaten" => Marker::Regency,
        "kota" | "kodya" => Marker::City,
        "jl" | "jln" | "jalan" | "gg" | "gang" | "no" | "nomor" | "perum" | "perumahan"
        | "komp" | "komplek" | "kompleks" | "prov" | "provinsi" | "propinsi" => Marker::Noise,
        _ => return None,
    })
}

impl Address {
    pub fn parse(raw: &str) -> Address {
        let folded = fold_ascii(raw);
        // "RT 02/RW 03", "RT.002 RW.003", "RT02/03": split letters from digits.
        let mut words: Vec<String> = Vec::new();
        for w in folded.split(|c: char| !c.is_ascii_alphanumeric()) {
            let mut cur = String::new();
            for c in w.chars() {
                if !cur.is_empty() && (cur.as_bytes()[0].is_ascii_digit() != c.is_ascii_digit()) {
                    words.push(std::mem::take(&mut cur));
                }
                cur.push(c);
            }
            if !cur.is_empty() {
                words.push(cur);
            }
        }
        let mut a = Address::default();
        let mut i = 0;
        let mut current: Option<Marker> = None;
        let mut part: Vec<String> = Vec::new();
        let flush = |a: &mut Address, m: Option<Marker>, part: &mut Vec<String>| {
            if part.is_empty() {
                return;
            }
            let text = part.join(" ");
            match m {
                Some(Marker::Kampung) => a.kampung = Some(text),
                Some(Marker::Village) => a.village = Some(text),
                Some(Marker::District) => a.district = Some(text),
                Some(Marker::Regency) => a.regency = Some(format!("kabupaten {text}")),
                Some(Marker::City) => a.regency = Some(format!("kota {text}")),
                _ => {}
            }
            part.clear();
        };
        while i < words.len() {
            let w = &words[i];
            match marker(w) {
                Some(m @ (Marker::Rt | Marker::Rw)) => {
                    flush(&mut a, current.take(), &mut part);
                    // "RT 02/RW 03" or "RT/RW 02/03".
                    let mut nums = words[i + 1..]
                        .iter()
                        .take_while(|x| x.bytes().all(|b| b.is_ascii_digit()) || *x == "rw")
                        .filter(|x| x.bytes().all(|b| b.is_ascii_digit()))
                        .map(|x| x.parse::<u16>().ok());
                    let first = nums.next().flatten();
                    let second = nums.next().flatten();
                    if m == Marker::Rt {
                        a.rt = first;
                        if second.is_some() {
                            a.rw = second;
                        }
                    } else {
                        a.rw = first;
                    }
                    for n in [first, second].into_iter().flatten() {
                        a.tokens.push(n.to_string());
                    }
                    i += 1;
                    while i < words.len()
                        && (words[i].bytes().all(|b| b.is_ascii_digit()) || words[i] == "rw")
                    {
                        i += 1;
                    }
                    continue;
                }
                Some(m) => {
                    flush(&mut a, current.take(), &mut part);
                    current = (m != Marker::Noise).then_some(m);
                }
                None => {
                    let token = if w.bytes().all(|b| b.is_ascii_digit()) {
                        w.trim_start_matches('0').to_owned()
                    } else {
                        w.clone()
                    };
                    if !token.is_empty() {
                        if current.is_some() {
                            part.push(token.clone());
                        }
                        a.tokens.push(token);
                    }
                }
            }
            i += 1;
        }
        flush(&mut a, current.take(), &mut part);
        a
    }
}

/// A region name or code in one comparable form: the reference name of a Kemendagri code
/// ("36.04" or "3604" → "serang"), or the given name lowercased without its level word
/// ("Kab. Serang" → "serang", "Kota Serang" → "kota serang", since city and regency differ).
pub fn standardise_region(cell: &str) -> Option<String> {
    let t = cell.trim();
    if t.is_empty() {
        return None;
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let only_code = t.chars().all(|c| c.is_ascii_digit() || c == '.');
    if only_code
        && let Ok(code) = RegionCode::parse(t).or_else(|_| RegionCode::from_digits(&digits))
        && let Some(region) = Regions::reference().get(&code)
    {
        return standardise_region_name(&region.name, code.level());
    }
    standardise_region_name(t, RegionLevel::Village)
}

fn standardise_region_name(name: &str, level: RegionLevel) -> Option<String> {
    let folded = fold_ascii(name);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        match *w {
            "kab" | "kabupaten" | "kec" | "kecamatan" | "ds" | "desa" | "kel" | "kelurahan"
            | "prov" | "provinsi" | "propinsi"
                if i == 0 => {}
            "kota" | "kodya" if i == 0 && words.len() > 1 && level <= RegionLevel::Regency => {
                out.push("kota")
            }
            "kota" | "kodya" if i == 0 && words.len() > 1 => out.push("kota"),
            w => out.push(w),
        }
    }
    (!out.is_empty()).then(|| out.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_village_address_taken_apart() {
        let a = Address::parse("Kp. Cibeber RT 02/RW 03 Ds. Sukamaju Kec. Cikande Kab. Serang");
        assert_eq!(a.kampung.as_deref(), Some("cibeber"));
        assert_eq!((a.rt, a.rw), (Some(2), Some(3)));
        assert_eq!(a.village.as_deref(), Some("sukamaju"));
        assert_eq!(a.district.as_deref(), Some("cikande"));
        assert_eq!(a.regency.as_deref(), Some("kabupaten serang"));
        assert_eq!(
            a.tokens,
            vec!["cibeber", "2", "3", "sukamaju", "cikande", "serang"]
        );
    }

    #[test]
    fn rt_rw_written_together() {
        let a = Address::parse("Jl. Raya No. 5 RT.002/003 Kel. Cipare");
        assert_eq!((a.rt, a.rw), (Some(2), Some(3)));
        assert_eq!(a.village.as_deref(), Some("cipare"));
        assert!(a.tokens.contains(&"5".to_owned()));
    }

    #[test]
    fn regions_by_code_or_name() {
        assert_eq!(standardise_region("36.04").as_deref(), Some("serang"));
        assert_eq!(standardise_region("3604").as_deref(), Some("serang"));
        assert_eq!(standardise_region("Kab. Serang").as_deref(), Some("serang"));
        assert_eq!(
            standardise_region("KABUPATEN SERANG").as_deref(),
            Some("serang")
        );
        assert_eq!(
            standardise_region("Kota Serang").as_deref(),
            Some("kota serang")
        );
        assert_eq!(standardise_region("36.73").as_deref(), Some("kota serang"));
        assert_eq!(standardise_region(" "), None);
    }
}
