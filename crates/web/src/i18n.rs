//! Two languages: Bahasa Indonesia first, English by switch. All text lives in
//! `locales/{id,en}/*.ftl`; the language of a request comes from the `lang` cookie, then the
//! browser's Accept-Language, then Indonesian.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "id",
        // Unicode isolation marks around arguments confuse screen readers and copy-paste of
        // numbers; the interface has no right-to-left text to isolate.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Id,
    En,
}

static ID: LanguageIdentifier = langid!("id");
static EN: LanguageIdentifier = langid!("en");

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Id, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "id" | "in" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language a request asks for.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        let from_cookie = headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == LANG_COOKIE)
            .and_then(|(_, v)| Lang::parse(v));
        let from_browser = || {
            headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    v.split(',')
                        .find_map(|tag| Lang::parse(tag.split(';').next()?))
                })
        };
        from_cookie.or_else(from_browser).unwrap_or(Lang::Id)
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Id => &ID,
            Lang::En => &EN,
        }
    }

    /// The text of `{prefix}-{value}`: a value's name, such as a stage's.
    pub fn tk(self, prefix: &str, value: impl std::fmt::Display) -> String {
        self.t(&format!("{prefix}-{value}"))
    }

    /// The text for `key`. A missing key shows as the key itself; a test guarantees none is.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// The text for `key` with named arguments.
    pub fn t_args(self, key: &str, args: &[(&'static str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &args)
    }

    /// The text for `key` in this language, formatted with `args`; `None` when the key is
    /// missing or its message does not format.
    #[cfg(test)]
    fn lookup_exact(self, key: &str, args: &[(&'static str, String)]) -> Option<String> {
        let args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES.try_lookup_with_args(self.id(), key, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn keys(lang: &str) -> Vec<String> {
        let dir = format!("{}/locales/{lang}", env!("CARGO_MANIFEST_DIR"));
        let mut keys = Vec::new();
        for entry in std::fs::read_dir(dir).expect("locale dir") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("ftl");
            for line in text.lines() {
                if let Some((key, _)) = line.split_once(" =") {
                    let key = key.trim();
                    if !key.is_empty() && !key.starts_with('#') && !line.starts_with(' ') {
                        keys.push(key.to_owned());
                    }
                }
            }
        }
        keys.sort();
        keys
    }

    #[test]
    fn every_key_exists_in_both_languages() {
        let (id, en) = (keys("id"), keys("en"));
        assert!(id.len() > 50, "the locale files were read");
        let only_id: Vec<_> = id.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !id.contains(k)).collect();
        assert!(only_id.is_empty(), "missing in English: {only_id:?}");
        assert!(only_en.is_empty(), "missing in Indonesian: {only_en:?}");
        let dupes: Vec<_> = id.windows(2).filter(|w| w[0] == w[1]).collect();
        assert!(dupes.is_empty(), "keys defined twice: {dupes:?}");
        // Every argument any message takes, so that each formats.
        let args = [
            ("minutes", "5".to_owned()),
            ("username", "siti".to_owned()),
            ("count", "3".to_owned()),
            ("value", "0812".to_owned()),
            ("sex", "Perempuan".to_owned()),
            ("born", "05-03-1990".to_owned()),
            ("region", "36.04.05".to_owned()),
            ("file", "daftar.xlsx".to_owned()),
            ("question", "Tabungan".to_owned()),
            ("min", "0".to_owned()),
            ("max", "100".to_owned()),
            ("due", "01-07-2026".to_owned()),
            ("subject", "aman = 105".to_owned()),
            ("what", "Ekonomi".to_owned()),
            ("before", "0,41".to_owned()),
            ("after", "0,58".to_owned()),
            ("area", "Kabupaten Serang".to_owned()),
        ];
        for key in &id {
            assert!(
                Lang::Id.lookup_exact(key, &args).is_some(),
                "{key} does not format in id"
            );
            assert!(
                Lang::En.lookup_exact(key, &args).is_some(),
                "{key} does not format in en"
            );
        }
    }

    #[test]
    fn the_cookie_wins_then_the_browser_then_indonesian() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::from_headers(&h), Lang::Id);
        h.insert(
            ACCEPT_LANGUAGE,
            HeaderValue::from_static("fr-FR, en-GB;q=0.8"),
        );
        assert_eq!(Lang::from_headers(&h), Lang::En);
        h.insert(COOKIE, HeaderValue::from_static("a=b; lang=id"));
        assert_eq!(Lang::from_headers(&h), Lang::Id);
        h.insert(COOKIE, HeaderValue::from_static("lang=xx"));
        assert_eq!(
            Lang::from_headers(&h),
            Lang::En,
            "an unknown cookie value is ignored"
        );
    }
}
