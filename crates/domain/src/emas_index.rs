//! The EMAS index: each measure of a survey turns into a score from 0 to 1 by one rule, each of
//! the four dimensions (Ekonomi, Mandiri, Aman, Sejahtera) is the weighted mean of its measures'
//! scores with weights from a versioned configuration, and a person reaches EMAS when every
//! dimension is at or above the configuration's threshold. Pure: the caller brings the answers'
//! values (`survey::Instrument::measure_values`), the regency's UMK and the baseline.
//! docs/emas-index.md states the same rules for people and works examples that the tests below
//! recompute.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The default configuration, shipped with the code.
pub const DEFAULT_CONFIG: &str = include_str!("../../../data/index/emas-index-v1.toml");

/// Weights of one dimension add up to exactly this many points.
pub const WEIGHT_TOTAL: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Ekonomi,
    Mandiri,
    Aman,
    Sejahtera,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [
        Dimension::Ekonomi,
        Dimension::Mandiri,
        Dimension::Aman,
        Dimension::Sejahtera,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Ekonomi => "ekonomi",
            Dimension::Mandiri => "mandiri",
            Dimension::Aman => "aman",
            Dimension::Sejahtera => "sejahtera",
        }
    }

    pub fn parse(s: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.as_str() == s.trim())
    }

    pub fn measures(self) -> impl Iterator<Item = Measure> {
        Measure::ALL
            .into_iter()
            .filter(move |m| m.dimension() == self)
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the index scores. Most are fed by survey questions; `IncomeGrowth` is derived from
/// `Income` against the baseline and `NotDeparted` from the registry's person status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Income,
    IncomeGrowth,
    BusinessOperating,
    BusinessProfit,
    Savings,
    DebtStock,
    DebtService,
    NotDeparted,
    LocalIncome,
    StayIntention,
    AbroadShare,
    BusinessLegal,
    SocialSecurity,
    Incidents,
    FoodSecurity,
    Schooling,
    HealthInsurance,
    Housing,
    Wellbeing,
}

impl Measure {
    pub const ALL: [Measure; 19] = [
        Measure::Income,
        Measure::IncomeGrowth,
        Measure::BusinessOperating,
        Measure::BusinessProfit,
        Measure::Savings,
        Measure::DebtStock,
        Measure::DebtService,
        Measure::NotDeparted,
        Measure::LocalIncome,
        Measure::StayIntention,
        Measure::AbroadShare,
        Measure::BusinessLegal,
        Measure::SocialSecurity,
        Measure::Incidents,
        Measure::FoodSecurity,
        Measure::Schooling,
        Measure::HealthInsurance,
        Measure::Housing,
        Measure::Wellbeing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Income => "income",
            Measure::IncomeGrowth => "income_growth",
            Measure::BusinessOperating => "business_operating",
            Measure::BusinessProfit => "business_profit",
            Measure::Savings => "savings",
            Measure::DebtStock => "debt_stock",
            Measure::DebtService => "debt_service",
            Measure::NotDeparted => "not_departed",
            Measure::LocalIncome => "local_income",
            Measure::StayIntention => "stay_intention",
            Measure::AbroadShare => "abroad_share",
            Measure::BusinessLegal => "business_legal",
            Measure::SocialSecurity => "social_security",
            Measure::Incidents => "incidents",
            Measure::FoodSecurity => "food_security",
            Measure::Schooling => "schooling",
            Measure::HealthInsurance => "health_insurance",
            Measure::Housing => "housing",
            Measure::Wellbeing => "wellbeing",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }

    pub fn dimension(self) -> Dimension {
        use Measure::*;
        match self {
            Income | IncomeGrowth | BusinessOperating | BusinessProfit | Savings | DebtStock
            | DebtService => Dimension::Ekonomi,
            NotDeparted | LocalIncome | StayIntention | AbroadShare => Dimension::Mandiri,
            BusinessLegal | SocialSecurity | Incidents => Dimension::Aman,
            FoodSecurity | Schooling | HealthInsurance | Housing | Wellbeing => {
                Dimension::Sejahtera
            }
        }
    }

    /// False for the measures no question feeds: they are derived.
    pub fn is_asked(self) -> bool {
        !matches!(self, Measure::IncomeGrowth | Measure::NotDeparted)
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a configuration is refused. Each names what is wrong so the admin page can say it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("not a valid configuration file: {0}")]
    Syntax(String),
    #[error("the version is empty or longer than 60 characters")]
    Version,
    #[error("the threshold must be between 0 and 1")]
    Threshold,
    #[error("the minimum coverage must be above 0 and at most 1")]
    Coverage,
    #[error("unknown dimension {0}")]
    UnknownDimension(String),
    #[error("unknown measure {measure} in {dimension}")]
    UnknownMeasure { dimension: String, measure: String },
    #[error("measure {measure} belongs to another dimension than {dimension}")]
    WrongDimension {
        dimension: Dimension,
        measure: Measure,
    },
    #[error("measure {measure} of {dimension} has no weight")]
    MissingMeasure {
        dimension: Dimension,
        measure: Measure,
    },
    #[error("weight of {measure} is negative")]
    NegativeWeight { measure: Measure },
    #[error("the weights of {dimension} add up to {sum}, not 100")]
    WeightsSum { dimension: Dimension, sum: i64 },
}

impl ConfigError {
    /// The locale key of the message (`index-config-error-…`).
    pub fn key(&self) -> &'static str {
        match self {
            ConfigError::Syntax(_) => "syntax",
            ConfigError::Version => "version",
            ConfigError::Threshold => "threshold",
            ConfigError::Coverage => "coverage",
            ConfigError::UnknownDimension(_) => "unknown-dimension",
            ConfigError::UnknownMeasure { .. } => "unknown-measure",
            ConfigError::WrongDimension { .. } => "wrong-dimension",
            ConfigError::MissingMeasure { .. } => "missing-measure",
            ConfigError::NegativeWeight { .. } => "negative-weight",
            ConfigError::WeightsSum { .. } => "weights-sum",
        }
    }

    /// What the message names: the dimension or measure, and the sum when it is wrong.
    pub fn subject(&self) -> String {
        match self {
            ConfigError::Syntax(s) | ConfigError::UnknownDimension(s) => s.clone(),
            ConfigError::UnknownMeasure { dimension, measure } => format!("{dimension}.{measure}"),
            ConfigError::WrongDimension { dimension, measure }
            | ConfigError::MissingMeasure { dimension, measure } => {
                format!("{dimension}.{measure}")
            }
            ConfigError::NegativeWeight { measure } => measure.to_string(),
            ConfigError::WeightsSum { dimension, sum } => format!("{dimension} = {sum}"),
            ConfigError::Version | ConfigError::Threshold | ConfigError::Coverage => String::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    version: String,
    threshold: f64,
    min_coverage: f64,
    weights: BTreeMap<String, BTreeMap<String, i64>>,
}

/// A checked configuration: every measure of every dimension has a weight, and each
/// dimension's weights add up to exactly [`WEIGHT_TOTAL`].
#[derive(Debug, Clone, PartialEq)]
pub struct IndexConfig {
    pub version: String,
    pub threshold: f64,
    pub min_coverage: f64,
    weights: BTreeMap<Measure, i64>,
}

impl IndexConfig {
    /// Reads and checks a configuration; the first problem found is the error.
    pub fn parse(text: &str) -> Result<IndexConfig, ConfigError> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| ConfigError::Syntax(e.message().to_owned()))?;
        let version = raw.version.trim().to_owned();
        if version.is_empty() || version.chars().count() > 60 {
            return Err(ConfigError::Version);
        }
        if !(0.0..=1.0).contains(&raw.threshold) {
            return Err(ConfigError::Threshold);
        }
        if !(raw.min_coverage > 0.0 && raw.min_coverage <= 1.0) {
            return Err(ConfigError::Coverage);
        }
        let mut weights = BTreeMap::new();
        for (dim, measures) in &raw.weights {
            let dimension =
                Dimension::parse(dim).ok_or_else(|| ConfigError::UnknownDimension(dim.clone()))?;
            for (name, w) in measures {
                let measure = Measure::parse(name).ok_or_else(|| ConfigError::UnknownMeasure {
                    dimension: dim.clone(),
                    measure: name.clone(),
                })?;
                if measure.dimension() != dimension {
                    return Err(ConfigError::WrongDimension { dimension, measure });
                }
                if *w < 0 {
                    return Err(ConfigError::NegativeWeight { measure });
                }
                weights.insert(measure, *w);
            }
        }
        for dimension in Dimension::ALL {
            let mut sum = 0;
            for measure in dimension.measures() {
                sum += weights
                    .get(&measure)
                    .ok_or(ConfigError::MissingMeasure { dimension, measure })?;
            }
            if sum != WEIGHT_TOTAL {
                return Err(ConfigError::WeightsSum { dimension, sum });
            }
        }
        Ok(IndexConfig {
            version,
            threshold: raw.threshold,
            min_coverage: raw.min_coverage,
            weights,
        })
    }

    /// The shipped configuration (checked by a test, so this cannot fail in a release).
    pub fn default_v1() -> IndexConfig {
        IndexConfig::parse(DEFAULT_CONFIG).expect("the shipped index configuration is valid")
    }

    pub fn weight(&self, m: Measure) -> i64 {
        self.weights.get(&m).copied().unwrap_or(0)
    }
}

/// What scoring needs besides the answers.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Context {
    /// The UMK (monthly, whole rupiah) of the person's regency for the survey's year, or the
    /// most recent earlier year; `None` when the table has none (income measures are missing).
    pub umk: Option<i64>,
    /// The `Income` value of the person's baseline survey; `None` at the baseline itself.
    pub baseline_income: Option<f64>,
    /// The registry's person status is "departed again".
    pub departed_again: bool,
}

fn clamp01(x: f64) -> f64 {
    x.clamp(0.0, 1.0)
}

/// One measure's score from its value (the sum of the answers feeding it; for a choice, the
/// option's score). `None` is a missing measure. The rules are those of docs/emas-index.md.
pub fn measure_score(m: Measure, value: Option<f64>, ctx: &Context) -> Option<f64> {
    let umk = ctx.umk.filter(|u| *u > 0).map(|u| u as f64);
    Some(match m {
        Measure::Income => clamp01(value? / umk?),
        Measure::IncomeGrowth => {
            let (now, base) = (value?, ctx.baseline_income?);
            if base <= 0.0 {
                if now > 0.0 { 1.0 } else { 0.5 }
            } else {
                clamp01(now / base - 0.5)
            }
        }
        Measure::BusinessOperating => {
            if value? > 0.0 {
                1.0
            } else {
                0.0
            }
        }
        Measure::BusinessProfit => clamp01(value? / umk?),
        Measure::Savings => clamp01(value? / (3.0 * umk?)),
        Measure::DebtStock => 1.0 - clamp01(value? / (12.0 * umk?)),
        Measure::DebtService => 1.0 - clamp01(2.0 * value? / umk?),
        Measure::NotDeparted => {
            if ctx.departed_again {
                0.0
            } else {
                1.0
            }
        }
        Measure::AbroadShare => 1.0 - clamp01(value? / 100.0),
        Measure::Incidents => clamp01(1.0 - value? / 2.0),
        Measure::Wellbeing => clamp01(value? * 4.0 / 100.0),
        // Yes/no answers are 1/0 and choices carry their option's score already.
        Measure::LocalIncome
        | Measure::StayIntention
        | Measure::BusinessLegal
        | Measure::SocialSecurity
        | Measure::FoodSecurity
        | Measure::Schooling
        | Measure::HealthInsurance
        | Measure::Housing => clamp01(value?),
    })
}

/// A survey's result: every measure's score, every dimension's, and whether it reaches EMAS.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub measures: BTreeMap<Measure, Option<f64>>,
    pub dimensions: BTreeMap<Dimension, Option<f64>>,
    pub reaches: bool,
}

impl Score {
    pub fn dimension(&self, d: Dimension) -> Option<f64> {
        self.dimensions.get(&d).copied().flatten()
    }
}

/// Scores a survey. `values` holds the value of each measure the answers feed (the derived
/// `IncomeGrowth` takes the `Income` value). A dimension is the weighted mean of its measures
/// that are not missing; it is missing itself when those carry less than `min_coverage` of its
/// weight. EMAS is reached when all four dimensions are present and at least the threshold.
pub fn score(config: &IndexConfig, values: &BTreeMap<Measure, f64>, ctx: &Context) -> Score {
    let value = |m: Measure| {
        let source = if m == Measure::IncomeGrowth {
            Measure::Income
        } else {
            m
        };
        values.get(&source).copied()
    };
    let measures: BTreeMap<Measure, Option<f64>> = Measure::ALL
        .into_iter()
        .map(|m| (m, measure_score(m, value(m), ctx)))
        .collect();
    let dimensions: BTreeMap<Dimension, Option<f64>> = Dimension::ALL
        .into_iter()
        .map(|d| {
            let (mut weighted, mut answered) = (0.0, 0i64);
            for m in d.measures() {
                if let Some(s) = measures[&m] {
                    weighted += config.weight(m) as f64 * s;
                    answered += config.weight(m);
                }
            }
            let covered = answered as f64 / WEIGHT_TOTAL as f64;
            let score = (answered > 0 && covered >= config.min_coverage)
                .then(|| weighted / answered as f64);
            (d, score)
        })
        .collect();
    let reaches = dimensions
        .values()
        .all(|s| s.is_some_and(|s| s >= config.threshold));
    Score {
        measures,
        dimensions,
        reaches,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} ≠ {b}");
    }

    #[test]
    fn the_shipped_configuration_is_valid() {
        let c = IndexConfig::default_v1();
        assert_eq!(c.version, "emas-index-v1");
        assert_eq!(c.threshold, 0.6);
        for d in Dimension::ALL {
            assert_eq!(d.measures().map(|m| c.weight(m)).sum::<i64>(), 100);
        }
    }

    #[test]
    fn weights_that_do_not_add_up_to_100_are_refused() {
        let bad = DEFAULT_CONFIG.replace("income = 30", "income = 31");
        assert_eq!(
            IndexConfig::parse(&bad),
            Err(ConfigError::WeightsSum {
                dimension: Dimension::Ekonomi,
                sum: 101
            })
        );
        let bad = DEFAULT_CONFIG.replace("wellbeing = 25", "wellbeing = 20");
        assert!(matches!(
            IndexConfig::parse(&bad),
            Err(ConfigError::WeightsSum {
                dimension: Dimension::Sejahtera,
                sum: 95
            })
        ));
    }

    #[test]
    fn other_bad_configurations_are_refused_with_their_reason() {
        let cases = [
            ("threshold = 0.6", "threshold = 1.5", "threshold"),
            ("min_coverage = 0.5", "min_coverage = 0", "coverage"),
            ("version = \"emas-index-v1\"", "version = \" \"", "version"),
            (
                "housing = 15",
                "housing = 15\nhappiness = 0",
                "unknown-measure",
            ),
            ("[weights.aman]", "[weights.amann]", "unknown-dimension"),
            (
                "incidents = 40",
                "incidents = 40\nincome = 0",
                "wrong-dimension",
            ),
            ("abroad_share = 15\n", "", "missing-measure"),
            (
                "business_legal = 30\nsocial_security = 30",
                "business_legal = 70\nsocial_security = -10",
                "negative-weight",
            ),
            ("threshold = 0.6", "threshold = \"high\"", "syntax"),
        ];
        for (from, to, key) in cases {
            let text = DEFAULT_CONFIG.replace(from, to);
            assert_ne!(text, DEFAULT_CONFIG, "{from}");
            assert_eq!(IndexConfig::parse(&text).unwrap_err().key(), key, "{to}");
        }
    }

    #[test]
    fn measure_rules_follow_the_documented_table() {
        let ctx = Context {
            umk: Some(4_000_000),
            baseline_income: Some(2_000_000.0),
            departed_again: false,
        };
        let s = |m, v: f64| measure_score(m, Some(v), &ctx).unwrap();
        close(s(Measure::Income, 3_000_000.0), 0.75);
        close(s(Measure::Income, 9_000_000.0), 1.0);
        close(s(Measure::IncomeGrowth, 3_000_000.0), 1.0);
        close(s(Measure::IncomeGrowth, 2_000_000.0), 0.5);
        close(s(Measure::IncomeGrowth, 1_500_000.0), 0.25);
        close(s(Measure::BusinessProfit, -500_000.0), 0.0);
        close(s(Measure::Savings, 6_000_000.0), 0.5);
        close(s(Measure::DebtStock, 12_000_000.0), 0.75);
        close(s(Measure::DebtService, 1_000_000.0), 0.5);
        close(s(Measure::AbroadShare, 30.0), 0.7);
        close(s(Measure::Incidents, 1.0), 0.5);
        close(s(Measure::Incidents, 3.0), 0.0);
        close(s(Measure::Wellbeing, 17.0), 0.68);
        assert_eq!(
            measure_score(Measure::Income, Some(1.0), &Context::default()),
            None
        );
        assert_eq!(
            measure_score(Measure::IncomeGrowth, Some(1.0), &Context::default()),
            None
        );
        let zero_base = Context {
            baseline_income: Some(0.0),
            ..ctx
        };
        assert_eq!(
            measure_score(Measure::IncomeGrowth, Some(0.0), &zero_base),
            Some(0.5)
        );
        assert_eq!(
            measure_score(Measure::IncomeGrowth, Some(9.0), &zero_base),
            Some(1.0)
        );
    }

    fn values(pairs: &[(Measure, f64)]) -> BTreeMap<Measure, f64> {
        pairs.iter().copied().collect()
    }

    /// docs/emas-index.md, worked example 1: Ibu Siti in Kabupaten Lebak, 12-month follow-up.
    #[test]
    fn worked_example_1_recomputes_exactly() {
        let config = IndexConfig::default_v1();
        let ctx = Context {
            umk: Some(3_172_384),
            baseline_income: Some(1_500_000.0),
            departed_again: false,
        };
        let v = values(&[
            (Measure::Income, 2_400_000.0),
            (Measure::BusinessOperating, 3_000_000.0),
            (Measure::BusinessProfit, 1_200_000.0),
            (Measure::Savings, 2_000_000.0),
            (Measure::DebtStock, 5_000_000.0),
            (Measure::DebtService, 400_000.0),
            (Measure::LocalIncome, 1.0),
            (Measure::StayIntention, 0.5),
            (Measure::AbroadShare, 10.0),
            (Measure::BusinessLegal, 1.0),
            (Measure::SocialSecurity, 0.0),
            (Measure::Incidents, 0.0),
            (Measure::FoodSecurity, 1.0),
            (Measure::Schooling, 1.0),
            (Measure::HealthInsurance, 1.0),
            (Measure::Housing, 0.5),
            (Measure::Wellbeing, 17.0),
        ]);
        let s = score(&config, &v, &ctx);
        let umk = 3_172_384.0;
        let ekonomi = (30.0 * (2_400_000.0 / umk)
            + 20.0 * 1.0
            + 5.0 * 1.0
            + 10.0 * (1_200_000.0 / umk)
            + 15.0 * (2_000_000.0 / (3.0 * umk))
            + 10.0 * (1.0 - 5_000_000.0 / (12.0 * umk))
            + 10.0 * (1.0 - 800_000.0 / umk))
            / 100.0;
        close(s.dimension(Dimension::Ekonomi).unwrap(), ekonomi);
        // The document's rounded figure.
        assert_eq!(format!("{ekonomi:.3}"), "0.708");
        close(
            s.dimension(Dimension::Mandiri).unwrap(),
            (40.0 + 25.0 + 20.0 * 0.5 + 15.0 * 0.9) / 100.0,
        );
        close(s.dimension(Dimension::Mandiri).unwrap(), 0.885);
        close(s.dimension(Dimension::Aman).unwrap(), 0.70);
        close(s.dimension(Dimension::Sejahtera).unwrap(), 0.845);
        assert!(s.reaches);
    }

    /// docs/emas-index.md, worked example 2: missing answers, and a dimension below threshold.
    #[test]
    fn worked_example_2_recomputes_exactly() {
        let config = IndexConfig::default_v1();
        let ctx = Context {
            umk: Some(5_069_708),
            baseline_income: None,
            departed_again: false,
        };
        // A baseline without a business: business questions and income growth are missing.
        let v = values(&[
            (Measure::Income, 2_000_000.0),
            (Measure::Savings, 0.0),
            (Measure::DebtStock, 0.0),
            (Measure::DebtService, 0.0),
            (Measure::LocalIncome, 0.0),
            (Measure::StayIntention, 0.0),
            (Measure::AbroadShare, 60.0),
            (Measure::SocialSecurity, 0.0),
            (Measure::Incidents, 1.0),
            (Measure::FoodSecurity, 0.5),
            (Measure::HealthInsurance, 1.0),
            (Measure::Housing, 1.0),
            (Measure::Wellbeing, 12.0),
        ]);
        let s = score(&config, &v, &ctx);
        // Ekonomi: income 30, savings 15, debt 10 + 10 answered = 65 points ≥ 50.
        close(
            s.dimension(Dimension::Ekonomi).unwrap(),
            (30.0 * (2_000_000.0 / 5_069_708.0) + 0.0 + 10.0 + 10.0) / 65.0,
        );
        close(s.dimension(Dimension::Mandiri).unwrap(), 0.46);
        // Aman: NIB missing (no business): (30·0 + 40·0.5) / 70.
        close(s.dimension(Dimension::Aman).unwrap(), 20.0 / 70.0);
        // Sejahtera: schooling "no school-age children" is missing: 85 points answered.
        close(
            s.dimension(Dimension::Sejahtera).unwrap(),
            (25.0 * 0.5 + 20.0 + 15.0 + 25.0 * 0.48) / 85.0,
        );
        // The document's rounded figures.
        let shown = |d| format!("{:.3}", s.dimension(d).unwrap());
        assert_eq!(shown(Dimension::Ekonomi), "0.490");
        assert_eq!(shown(Dimension::Aman), "0.286");
        assert_eq!(shown(Dimension::Sejahtera), "0.700");
        assert!(!s.reaches);
    }

    #[test]
    fn a_dimension_with_too_little_answered_is_missing_and_emas_is_not_reached() {
        let config = IndexConfig::default_v1();
        let ctx = Context::default();
        // Only social security answered in Aman: 30 points < 50.
        let v = values(&[(Measure::SocialSecurity, 1.0)]);
        let s = score(&config, &v, &ctx);
        assert_eq!(s.dimension(Dimension::Aman), None);
        // Mandiri still has "not departed" (40 points) from the registry: below 50, missing.
        assert_eq!(s.dimension(Dimension::Mandiri), None);
        assert!(!s.reaches);
    }

    #[test]
    fn departing_again_scores_zero_on_its_measure() {
        let config = IndexConfig::default_v1();
        let ctx = Context {
            departed_again: true,
            ..Context::default()
        };
        let v = values(&[
            (Measure::LocalIncome, 1.0),
            (Measure::StayIntention, 1.0),
            (Measure::AbroadShare, 0.0),
        ]);
        close(
            score(&config, &v, &ctx)
                .dimension(Dimension::Mandiri)
                .unwrap(),
            0.6,
        );
    }
}
