//! Indonesian personal names brought to one spelling so that variants compare equal: titles and
//! `bin`/`binti` patronymics dropped, old spelling (oe, dj, tj, sj, ch) modernised, the usual
//! abbreviations (Moh., Muh., M., St.) expanded, doubled letters collapsed. `phonetic` gives a
//! coarser key for blocking and for "sounds the same" comparisons, built for Indonesian and
//! Sundanese speech (p/f/v, z/j, kh/h, ai/e) rather than English.

/// Titles and forms of address that are not part of a name.
const TITLES: &[&str] = &[
    "h", "hj", "hjh", "haji", "hajah", "hajjah", "dr", "drs", "dra", "ir", "prof", "bpk", "bapak",
    "ibu", "bu", "pak", "ny", "nyonya", "tn", "tuan", "sdr", "sdri", "saudara", "saudari", "almh",
    "alm", "ust", "ustadz", "ustadzah", "kh", "nn", "nona",
];

/// Academic degrees written after a name, usually after a comma.
const DEGREES: &[&str] = &[
    "spd", "sag", "se", "sh", "st", "skom", "sos", "ssos", "sip", "mm", "mpd", "md", "amd", "skm",
    "skep", "ssi", "sk", "ak", "mag", "msi", "mh", "ners", "sst", "spdi", "shi",
];

/// Standardises a full name into lowercase ASCII tokens, in their written order.
///
/// ```
/// use emas_domain::name::standardise;
/// assert_eq!(standardise("Hj. Siti Nurhayati binti Achmad"), vec!["siti", "nurhayati"]);
/// assert_eq!(standardise("MOCH. DJOENAEDI"), vec!["muhamad", "junaedi"]);
/// ```
pub fn standardise(raw: &str) -> Vec<String> {
    // Degrees follow a comma: "Siti Aminah, S.Pd." keeps only what comes before.
    let head = match raw.split_once(',') {
        Some((head, tail)) if is_degree_list(tail) => head,
        _ => raw,
    };
    let folded = fold_ascii(head);
    let mut tokens: Vec<String> = Vec::new();
    for word in folded.split(|c: char| !c.is_ascii_alphanumeric() && c != '\'') {
        let word: String = word.chars().filter(|c| *c != '\'').collect();
        if word.is_empty() {
            continue;
        }
        tokens.push(word);
    }
    // A patronymic (bin/binti and the father's name) is added by some lists and not others.
    if let Some(pos) = tokens
        .iter()
        .position(|t| t == "bin" || t == "binti" || t == "bt" || t == "bn")
        && pos > 0
    {
        tokens.truncate(pos);
    }
    let last = tokens.len();
    let mut out = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.into_iter().enumerate() {
        let has_more = i + 1 < last;
        if TITLES.contains(&token.as_str()) && (has_more || !out.is_empty()) {
            continue;
        }
        if DEGREES.contains(&token.as_str()) && !out.is_empty() && !has_more && token.len() > 2 {
            continue;
        }
        let expanded = match token.as_str() {
            "moh" | "moch" | "moc" | "much" | "muh" | "mhd" | "mhmd" | "mohd" | "mochamad"
            | "mochammad" | "mohammad" | "mohamad" | "muhamad" | "muhammad" | "muhamat"
            | "muchammad" | "muchamad" | "mukhammad" | "mukhamad" | "mokhamad" | "mohamed" => {
                "muhammad".to_owned()
            }
            "m" if has_more && out.is_empty() => "muhammad".to_owned(),
            "st" if has_more && out.is_empty() => "siti".to_owned(),
            "abd" if has_more => "abdul".to_owned(),
            _ => token,
        };
        out.push(modern_spelling(&expanded));
    }
    out
}

fn is_degree_list(tail: &str) -> bool {
    let words: Vec<String> = tail
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphabetic)
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    !words.is_empty() && words.iter().all(|w| DEGREES.contains(&w.as_str()))
}

/// Lowercases and replaces letters with diacritics by their ASCII base letter.
pub fn fold_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => {
                'a'
            }
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            'ñ' | 'Ñ' => 'n',
            '’' | '‘' | '`' => '\'',
            c => c.to_ascii_lowercase(),
        };
        out.push(c);
    }
    out
}

/// Old (pre-1972) spelling to the current one, and doubled letters collapsed.
fn modern_spelling(token: &str) -> String {
    let mut s = token.to_owned();
    for (old, new) in [
        ("oe", "u"),
        ("dj", "j"),
        ("tj", "c"),
        ("sj", "sy"),
        ("ch", "kh"),
    ] {
        if s.contains(old) {
            s = s.replace(old, new);
        }
    }
    if s.contains('v') {
        s = s.replace('v', "f");
    }
    collapse_doubles(&s)
}

fn collapse_doubles(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev = None;
    for c in s.chars() {
        if Some(c) != prev || c.is_ascii_digit() {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

/// A phonetic key of one standardised token: the first sound and the consonant skeleton, with
/// the sounds that Indonesian spellings and Sundanese speech interchange made equal.
///
/// ```
/// use emas_domain::name::phonetic;
/// assert_eq!(phonetic("yusup"), phonetic("yusuf"));
/// assert_eq!(phonetic("zainal"), phonetic("jaenal"));
/// assert_eq!(phonetic("akhmad"), phonetic("ahmad"));
/// assert_eq!(phonetic("fatimah"), phonetic("fatima"));
/// ```
pub fn phonetic(token: &str) -> String {
    let mut s = token.to_owned();
    for (from, to) in [
        ("kh", "h"),
        ("sy", "s"),
        ("dz", "j"),
        ("ph", "f"),
        ("th", "t"),
        ("ai", "e"),
        ("au", "o"),
        ("q", "k"),
        ("x", "ks"),
        ("z", "j"),
        ("v", "f"),
        ("p", "f"),
        ("ck", "k"),
        ("c", "k"),
    ] {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    if s.len() > 2 && s.ends_with('h') {
        s.pop();
    }
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return String::new();
    };
    let mut out = String::with_capacity(bytes.len());
    // Vowels at the start are one sound class: "Eko"/"Iko" rarely, but "Umi"/"Ummi" often.
    out.push(if is_vowel(first) { 'a' } else { first as char });
    let mut prev = first;
    for &b in &bytes[1..] {
        if is_vowel(b) || matches!(b, b'h' | b'w' | b'y') {
            prev = b;
            continue;
        }
        if b != prev {
            out.push(b as char);
        }
        prev = b;
    }
    out
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn std(s: &str) -> String {
        standardise(s).join(" ")
    }

    #[test]
    fn titles_degrees_and_patronymics_go() {
        assert_eq!(std("Hj. Siti Aminah, S.Pd."), "siti aminah");
        assert_eq!(std("H. Ahmad bin Yusuf"), "ahmad");
        assert_eq!(std("DRS. H. ENDANG"), "endang");
    }

    #[test]
    fn muhammad_in_all_its_forms() {
        for s in [
            "Moh. Rizki",
            "Muh Rizki",
            "M. Rizki",
            "Mochammad Rizki",
            "Muhamad Rizki",
        ] {
            assert_eq!(std(s), "muhamad rizki", "{s}");
        }
        assert_eq!(std("St. Maryam"), "siti maryam");
        // A one-word name "M" is left alone.
        assert_eq!(std("M"), "m");
    }

    #[test]
    fn old_spelling_is_modernised() {
        assert_eq!(std("Soekarni"), std("Sukarni"));
        assert_eq!(std("Djuariah"), std("Juariah"));
        assert_eq!(std("Tjitjih"), std("Cicih"));
        assert_eq!(std("Sjarifah"), std("Syarifah"));
        assert_eq!(std("Nurjannah"), std("Nurjanah"));
        assert_eq!(std("Novi"), std("Nofi"));
    }

    #[test]
    fn phonetic_keys_join_sundanese_variants() {
        assert_eq!(phonetic("pitri"), phonetic("fitri"));
        assert_eq!(phonetic("siti"), phonetic("sity"));
        assert_ne!(phonetic("siti"), phonetic("santi"));
        assert_eq!(phonetic(""), "");
    }
}
