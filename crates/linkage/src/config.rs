//! The `link.toml` file that names the sources and maps their columns to the engine's fields.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::field::{Field, UnknownField};
use crate::model::LinkType;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("source {source_name:?}: {error}")]
    UnknownField {
        source_name: String,
        error: UnknownField,
    },
    #[error("the config names no sources: add at least one [[sources]] table")]
    NoSources,
    #[error("two sources are named {0:?}: source names must differ")]
    DuplicateSource(String),
    #[error("source {0:?} maps no fields: add a [sources.fields] table")]
    NoFields(String),
    #[error("link_type \"link\" needs at least two sources")]
    LinkNeedsTwo,
    #[error("{0} must be a probability between 0 and 1")]
    Probability(&'static str),
}

/// One column or several joined with spaces.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Columns {
    One(String),
    Many(Vec<String>),
}

impl Columns {
    pub fn names(&self) -> Vec<&str> {
        match self {
            Columns::One(c) => vec![c.as_str()],
            Columns::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    link_type: LinkType,
    threshold: Option<f64>,
    floor: Option<f64>,
    max_block_size: Option<usize>,
    labels: Option<PathBuf>,
    #[serde(default)]
    sources: Vec<RawSource>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    path: PathBuf,
    id: String,
    sheet: Option<String>,
    truth: Option<String>,
    #[serde(default)]
    new: bool,
    #[serde(default)]
    fields: BTreeMap<String, Columns>,
}

/// A source list: where it is and how its columns map to fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub name: String,
    /// Resolved against the config file's folder.
    pub path: PathBuf,
    pub id: String,
    /// The worksheet of a spreadsheet (the first when absent).
    pub sheet: Option<String>,
    /// A column holding the true person (benchmarks): enables precision/recall reports.
    pub truth: Option<String>,
    /// In incremental runs, the sources to link against the existing clusters.
    pub new: bool,
    pub fields: Vec<(Field, Columns)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub link_type: LinkType,
    pub threshold: Option<f64>,
    pub floor: Option<f64>,
    pub max_block_size: Option<usize>,
    pub labels: Option<PathBuf>,
    pub sources: Vec<Source>,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Config::parse(&text, base).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.to_owned(),
                message,
            },
            e => e,
        })
    }

    /// Parses config text; relative paths are taken from `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: PathBuf::new(),
            message: e.to_string(),
        })?;
        if raw.sources.is_empty() {
            return Err(ConfigError::NoSources);
        }
        for (name, p) in [("threshold", raw.threshold), ("floor", raw.floor)] {
            if p.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
                return Err(ConfigError::Probability(name));
            }
        }
        let mut sources: Vec<Source> = Vec::new();
        for s in raw.sources {
            if sources.iter().any(|o| o.name == s.name) {
                return Err(ConfigError::DuplicateSource(s.name));
            }
            if s.fields.is_empty() {
                return Err(ConfigError::NoFields(s.name));
            }
            let mut fields = Vec::new();
            for (k, cols) in s.fields {
                let field: Field = k.parse().map_err(|error| ConfigError::UnknownField {
                    source_name: s.name.clone(),
                    error,
                })?;
                fields.push((field, cols));
            }
            sources.push(Source {
                path: base.join(&s.path),
                name: s.name,
                id: s.id,
                sheet: s.sheet,
                truth: s.truth,
                new: s.new,
                fields,
            });
        }
        if raw.link_type == LinkType::Link && sources.len() < 2 {
            return Err(ConfigError::LinkNeedsTwo);
        }
        Ok(Config {
            link_type: raw.link_type,
            threshold: raw.threshold,
            floor: raw.floor,
            max_block_size: raw.max_block_size,
            labels: raw.labels.map(|l| base.join(l)),
            sources,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
link_type = "dedupe"
[[sources]]
name = "kepulangan"
path = "kepulangan.csv"
id = "NO"
[sources.fields]
nik = "NIK"
full_name = "NAMA"
address = ["ALAMAT", "KAB_KOTA"]
"#;

    #[test]
    fn the_example_of_the_issue_parses() {
        let c = Config::parse(OK, Path::new("/data")).expect("valid config");
        assert_eq!(c.sources[0].path, Path::new("/data/kepulangan.csv"));
        assert!(c.sources[0].fields.contains(&(
            Field::Address,
            Columns::Many(vec!["ALAMAT".into(), "KAB_KOTA".into()])
        )));
    }

    #[test]
    fn an_unknown_field_lists_the_known_ones() {
        let bad = OK.replace("full_name = ", "nama_lengkap = ");
        let e = Config::parse(&bad, Path::new(".")).expect_err("unknown field");
        let msg = e.to_string();
        assert!(
            msg.contains("nama_lengkap") && msg.contains("full_name") && msg.contains("kepulangan"),
            "{msg}"
        );
    }

    #[test]
    fn bad_configs_are_refused_with_reasons() {
        assert!(matches!(
            Config::parse("", Path::new(".")),
            Err(ConfigError::NoSources)
        ));
        let link_one = OK.replace("\"dedupe\"", "\"link\"");
        assert!(matches!(
            Config::parse(&link_one, Path::new(".")),
            Err(ConfigError::LinkNeedsTwo)
        ));
        let typo = OK.replace("link_type", "linktype");
        assert!(matches!(
            Config::parse(&typo, Path::new(".")),
            Err(ConfigError::Parse { .. })
        ));
        let t = format!("threshold = 3.0\n{OK}");
        assert!(matches!(
            Config::parse(&t, Path::new(".")),
            Err(ConfigError::Probability("threshold"))
        ));
    }
}
