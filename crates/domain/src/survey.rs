//! Survey instruments as versioned data: the questions (text in Bahasa Indonesia and English),
//! each answer's type and range, and the EMAS measure each answer feeds. An instrument is read
//! from TOML (data/instruments/) and checked once; answers are parsed against it here, so a
//! stored answer is always valid for the instrument version stored beside it.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::business::parse_rupiah;
use crate::emas_index::Measure;

/// The default instrument, shipped with the code.
pub const DEFAULT_INSTRUMENT: &str = include_str!("../../../data/instruments/emas-v1.toml");

/// When a survey is taken: at enrolment and 6, 12 and 24 months after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wave {
    Baseline,
    M6,
    M12,
    M24,
}

impl Wave {
    pub const ALL: [Wave; 4] = [Wave::Baseline, Wave::M6, Wave::M12, Wave::M24];

    pub fn as_str(self) -> &'static str {
        match self {
            Wave::Baseline => "baseline",
            Wave::M6 => "m6",
            Wave::M12 => "m12",
            Wave::M24 => "m24",
        }
    }

    pub fn parse(s: &str) -> Option<Wave> {
        Wave::ALL.into_iter().find(|w| w.as_str() == s.trim())
    }

    /// Months after enrolment the wave is due.
    pub fn months(self) -> u32 {
        match self {
            Wave::Baseline => 0,
            Wave::M6 => 6,
            Wave::M12 => 12,
            Wave::M24 => 24,
        }
    }

    /// The day the wave falls due for an enrolment made on `enrolled_on`.
    pub fn due_on(self, enrolled_on: chrono::NaiveDate) -> chrono::NaiveDate {
        enrolled_on
            .checked_add_months(chrono::Months::new(self.months()))
            .unwrap_or(enrolled_on)
    }

    /// The latest wave fallen due by `today` for an enrolment made on `enrolled_on`: the one to
    /// take now (an older wave not taken by then is missed).
    pub fn due_by(enrolled_on: chrono::NaiveDate, today: chrono::NaiveDate) -> Option<Wave> {
        Wave::ALL
            .into_iter()
            .rev()
            .find(|w| w.due_on(enrolled_on) <= today)
    }

    /// The last day of enrolment for which this wave has fallen due by `today`: it is due for
    /// exactly the enrolments made on or before that day. `due_on` only grows with the day of
    /// enrolment (a month's end clamps: 31 August and 28 August are both due on 28 February),
    /// so a query can select the enrolments a wave is due for by a range of days.
    pub fn enrolled_by(self, today: chrono::NaiveDate) -> chrono::NaiveDate {
        let months = chrono::Months::new(self.months());
        let mut day = today.checked_sub_months(months).unwrap_or(today);
        while let Some(prev) = day.pred_opt().filter(|_| self.due_on(day) > today) {
            day = prev;
        }
        while let Some(next) = day.succ_opt().filter(|d| self.due_on(*d) <= today) {
            day = next;
        }
        day
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerType {
    /// A whole number within the range (a percentage, a count).
    Number,
    /// Whole rupiah as people write them (`1.500.000`, `Rp 1.500.000`); a loss with a minus.
    Money,
    /// One of the question's options.
    Choice,
    YesNo,
    /// A point on a scale from `min` to `max` (WHO-5: 0 to 5).
    Scale,
}

impl AnswerType {
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerType::Number => "number",
            AnswerType::Money => "money",
            AnswerType::Choice => "choice",
            AnswerType::YesNo => "yes_no",
            AnswerType::Scale => "scale",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub text_id: String,
    pub text_en: String,
    /// The measure's score for this option (0..1); none when the question does not apply.
    pub score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub measure: Measure,
    #[serde(rename = "type")]
    pub kind: AnswerType,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    pub required: bool,
    pub text_id: String,
    pub text_en: String,
    #[serde(default)]
    pub options: Vec<Choice>,
}

impl Question {
    pub fn text(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.text_en
        } else {
            &self.text_id
        }
    }

    /// The range of a number, money or scale question (checked present by [`Instrument::parse`]).
    pub fn range(&self) -> (i64, i64) {
        (self.min.unwrap_or(0), self.max.unwrap_or(0))
    }
}

/// A checked instrument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub id: String,
    pub title_id: String,
    pub title_en: String,
    #[serde(rename = "question")]
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstrumentError {
    #[error("not a valid instrument file: {0}")]
    Syntax(String),
    #[error("question {0}: {1}")]
    Question(String, &'static str),
    #[error("the instrument has no id or no questions")]
    Empty,
}

impl Instrument {
    /// Reads and checks an instrument: unique question ids, a range where a range is needed
    /// (min ≤ max), options with unique values and scores within 0..1 for a choice, none
    /// elsewhere, and only measures a question can feed.
    pub fn parse(text: &str) -> Result<Instrument, InstrumentError> {
        let i: Instrument =
            toml::from_str(text).map_err(|e| InstrumentError::Syntax(e.message().to_owned()))?;
        if i.id.trim().is_empty() || i.questions.is_empty() {
            return Err(InstrumentError::Empty);
        }
        let mut ids = HashSet::new();
        for q in &i.questions {
            let bad = |why| Err(InstrumentError::Question(q.id.clone(), why));
            if q.id.trim().is_empty() || !ids.insert(q.id.as_str()) {
                return bad("empty or repeated id");
            }
            if !q.measure.is_asked() {
                return bad("this measure is derived, not asked");
            }
            let ranged = matches!(
                q.kind,
                AnswerType::Number | AnswerType::Money | AnswerType::Scale
            );
            match (ranged, q.min, q.max) {
                (true, Some(lo), Some(hi)) if lo <= hi => {}
                (true, _, _) => return bad("needs min ≤ max"),
                (false, None, None) => {}
                (false, _, _) => return bad("only numbers have a range"),
            }
            if q.kind == AnswerType::Choice {
                let mut values = HashSet::new();
                if q.options.is_empty() {
                    return bad("a choice needs options");
                }
                for o in &q.options {
                    if o.value.trim().is_empty() || !values.insert(o.value.as_str()) {
                        return bad("empty or repeated option value");
                    }
                    if o.score.is_some_and(|s| !(0.0..=1.0).contains(&s)) {
                        return bad("an option's score is between 0 and 1");
                    }
                }
            } else if !q.options.is_empty() {
                return bad("only a choice has options");
            }
        }
        Ok(i)
    }

    /// The shipped instrument, read once (checked by a test, so this cannot fail in a release).
    pub fn default_v1() -> &'static Instrument {
        static SHIPPED: std::sync::OnceLock<Instrument> = std::sync::OnceLock::new();
        SHIPPED.get_or_init(|| {
            Instrument::parse(DEFAULT_INSTRUMENT).expect("the shipped instrument is valid")
        })
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    pub fn title(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.title_en
        } else {
            &self.title_id
        }
    }

    /// Parses a whole form: every question's raw text (absent or empty is unanswered). Returns
    /// the answers, or every problem, each with the question it belongs to, in the order of the
    /// instrument. Keys that are no question of this instrument are refused too.
    pub fn check_answers(
        &self,
        raw: &BTreeMap<String, String>,
    ) -> Result<Answers, Vec<(String, AnswerError)>> {
        let mut errors = Vec::new();
        let mut answers = BTreeMap::new();
        for q in &self.questions {
            match parse_answer(q, raw.get(&q.id).map(String::as_str).unwrap_or("")) {
                Ok(Some(a)) => {
                    answers.insert(q.id.clone(), a);
                }
                Ok(None) => {}
                Err(e) => errors.push((q.id.clone(), e)),
            }
        }
        for key in raw.keys() {
            if self.question(key).is_none() {
                errors.push((key.clone(), AnswerError::UnknownQuestion));
            }
        }
        if errors.is_empty() {
            Ok(Answers(answers))
        } else {
            Err(errors)
        }
    }

    /// The value of each measure the answers feed: the sum of its questions' values (a yes is 1,
    /// a choice is its option's score), present only when every question feeding the measure is
    /// answered and no chosen option says "does not apply".
    pub fn measure_values(&self, answers: &Answers) -> BTreeMap<Measure, f64> {
        let mut sums: BTreeMap<Measure, Option<f64>> = BTreeMap::new();
        for q in &self.questions {
            let value = answers.0.get(&q.id).and_then(|a| match a {
                Answer::Number(n) => Some(*n as f64),
                Answer::YesNo(b) => Some(if *b { 1.0 } else { 0.0 }),
                Answer::Choice(c) => q.options.iter().find(|o| &o.value == c)?.score,
            });
            let sum = sums.entry(q.measure).or_insert(Some(0.0));
            *sum = match (*sum, value) {
                (Some(s), Some(v)) => Some(s + v),
                _ => None,
            };
        }
        sums.into_iter()
            .filter_map(|(m, s)| s.map(|s| (m, s)))
            .collect()
    }
}

/// One valid answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    Number(i64),
    YesNo(bool),
    Choice(String),
}

impl Answer {
    /// The form in which an answer is stored and shown back in a form: digits, `yes`/`no`, or
    /// the option's value. [`parse_answer`] reads it back to the same answer.
    pub fn to_text(&self) -> String {
        match self {
            Answer::Number(n) => n.to_string(),
            Answer::YesNo(true) => "yes".into(),
            Answer::YesNo(false) => "no".into(),
            Answer::Choice(c) => c.clone(),
        }
    }
}

/// A form's valid answers, by question id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Answers(pub BTreeMap<String, Answer>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("an answer is required")]
    Required,
    #[error("not a whole number")]
    NotANumber,
    #[error("not an amount in rupiah")]
    NotMoney,
    #[error("outside the range {min} to {max}")]
    OutOfRange { min: i64, max: i64 },
    #[error("not one of the options")]
    UnknownChoice,
    #[error("not yes or no")]
    NotYesNo,
    #[error("no such question in this instrument")]
    UnknownQuestion,
}

impl AnswerError {
    /// The locale key suffix of the message (`survey-error-…`).
    pub fn key(self) -> &'static str {
        match self {
            AnswerError::Required => "required",
            AnswerError::NotANumber => "not-a-number",
            AnswerError::NotMoney => "not-money",
            AnswerError::OutOfRange { .. } => "out-of-range",
            AnswerError::UnknownChoice => "unknown-choice",
            AnswerError::NotYesNo => "not-yes-no",
            AnswerError::UnknownQuestion => "unknown-question",
        }
    }
}

/// Parses one answer. Empty text is `None` for an optional question and refused for a
/// required one.
pub fn parse_answer(q: &Question, raw: &str) -> Result<Option<Answer>, AnswerError> {
    let t = raw.trim();
    if t.is_empty() {
        return if q.required {
            Err(AnswerError::Required)
        } else {
            Ok(None)
        };
    }
    let in_range = |n: i64| {
        let (min, max) = q.range();
        if (min..=max).contains(&n) {
            Ok(Some(Answer::Number(n)))
        } else {
            Err(AnswerError::OutOfRange { min, max })
        }
    };
    match q.kind {
        AnswerType::Number | AnswerType::Scale => {
            let n: i64 = t
                .trim_end_matches('%')
                .trim()
                .parse()
                .map_err(|_| AnswerError::NotANumber)?;
            in_range(n)
        }
        AnswerType::Money => {
            // parse_rupiah refuses negatives; a loss is written with a minus and kept as one.
            let (negative, rest) = match t.strip_prefix('-') {
                Some(rest) => (true, rest.trim()),
                None => (false, t),
            };
            let n = parse_rupiah(rest).map_err(|e| match e {
                crate::business::MoneyError::TooLarge => {
                    let (min, max) = q.range();
                    AnswerError::OutOfRange { min, max }
                }
                _ => AnswerError::NotMoney,
            })?;
            in_range(if negative { -n } else { n })
        }
        AnswerType::YesNo => match t.to_lowercase().as_str() {
            "yes" | "ya" | "y" | "true" | "1" => Ok(Some(Answer::YesNo(true))),
            "no" | "tidak" | "t" | "n" | "false" | "0" => Ok(Some(Answer::YesNo(false))),
            _ => Err(AnswerError::NotYesNo),
        },
        AnswerType::Choice => q
            .options
            .iter()
            .find(|o| o.value == t)
            .map(|o| Some(Answer::Choice(o.value.clone())))
            .ok_or(AnswerError::UnknownChoice),
    }
}

/// Worked example 1 of docs/emas-index.md: a complete, valid answer to every question of the
/// default instrument, as a form posts it (the fixture the tests of every layer share).
pub fn example_answers() -> BTreeMap<String, String> {
    [
        ("household_income", "Rp 2.400.000"),
        ("main_income_source", "own_business"),
        ("business_revenue", "3.000.000"),
        ("business_profit", "1.200.000"),
        ("savings", "2000000"),
        ("debt_total", "5.000.000"),
        ("debt_repayment", "400.000"),
        ("intend_abroad", "unsure"),
        ("income_abroad_share", "10"),
        ("has_nib", "yes"),
        ("bpjs_tk", "no"),
        ("incident_fraud", "no"),
        ("incident_exploitation", "no"),
        ("incident_debt_harassment", "no"),
        ("incident_work_accident", "no"),
        ("food_security", "always"),
        ("children_in_school", "all"),
        ("jkn", "yes"),
        ("housing", "partly"),
        ("who5_cheerful", "4"),
        ("who5_calm", "3"),
        ("who5_active", "4"),
        ("who5_rested", "3"),
        ("who5_interest", "3"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emas_index::Dimension;

    /// The worked example's answers, with "ya" for a yes: a complete, valid sheet.
    pub fn full_form() -> BTreeMap<String, String> {
        let mut f = example_answers();
        f.insert("jkn".into(), "ya".into());
        f
    }

    #[test]
    fn the_shipped_instrument_covers_every_asked_measure_of_every_dimension() {
        let i = Instrument::default_v1();
        assert_eq!(i.id, "emas-v1");
        for m in crate::emas_index::Measure::ALL {
            let fed = i.questions.iter().any(|q| q.measure == m);
            assert_eq!(fed, m.is_asked(), "{m}");
        }
        for d in Dimension::ALL {
            assert!(i.questions.iter().any(|q| q.measure.dimension() == d));
        }
        let who5 = i
            .questions
            .iter()
            .filter(|q| q.measure == Measure::Wellbeing)
            .collect::<Vec<_>>();
        assert_eq!(who5.len(), 5);
        assert!(
            who5.iter()
                .all(|q| q.kind == AnswerType::Scale && q.range() == (0, 5))
        );
        for q in &i.questions {
            assert!(!q.text_id.is_empty() && !q.text_en.is_empty(), "{}", q.id);
        }
    }

    #[test]
    fn a_full_form_parses_into_the_measures_of_worked_example_1() {
        let i = Instrument::default_v1();
        let a = i.check_answers(&full_form()).unwrap();
        assert_eq!(a.0["household_income"], Answer::Number(2_400_000));
        assert_eq!(a.0["jkn"], Answer::YesNo(true));
        let v = i.measure_values(&a);
        assert_eq!(v[&Measure::Wellbeing], 17.0);
        assert_eq!(v[&Measure::Incidents], 0.0);
        assert_eq!(v[&Measure::StayIntention], 0.5);
        assert_eq!(v[&Measure::Housing], 0.5);
        assert_eq!(v[&Measure::BusinessProfit], 1_200_000.0);
        // Stored text reads back to the same answers.
        let stored: BTreeMap<String, String> =
            a.0.iter().map(|(k, v)| (k.clone(), v.to_text())).collect();
        assert_eq!(i.check_answers(&stored).unwrap(), a);
    }

    #[test]
    fn bad_answers_are_refused_naming_the_question() {
        let i = Instrument::default_v1();
        let cases: [(&str, &str, AnswerError); 9] = [
            (
                "income_abroad_share",
                "140",
                AnswerError::OutOfRange { min: 0, max: 100 },
            ),
            ("income_abroad_share", "sepuluh", AnswerError::NotANumber),
            ("who5_calm", "6", AnswerError::OutOfRange { min: 0, max: 5 }),
            (
                "who5_calm",
                "-1",
                AnswerError::OutOfRange { min: 0, max: 5 },
            ),
            ("household_income", "banyak", AnswerError::NotMoney),
            (
                "household_income",
                "-5000",
                AnswerError::OutOfRange {
                    min: 0,
                    max: 1_000_000_000,
                },
            ),
            ("housing", "castle", AnswerError::UnknownChoice),
            ("jkn", "maybe", AnswerError::NotYesNo),
            ("bpjs_tk", "  ", AnswerError::Required),
        ];
        for (q, raw, want) in cases {
            let mut f = full_form();
            f.insert(q.into(), raw.into());
            assert_eq!(
                i.check_answers(&f),
                Err(vec![(q.to_string(), want)]),
                "{q}={raw}"
            );
        }
        let mut f = full_form();
        f.insert("favourite_colour".into(), "blue".into());
        assert_eq!(
            i.check_answers(&f),
            Err(vec![(
                "favourite_colour".into(),
                AnswerError::UnknownQuestion
            )])
        );
    }

    #[test]
    fn optional_business_questions_may_be_left_empty_and_losses_are_kept() {
        let i = Instrument::default_v1();
        let mut f = full_form();
        f.remove("business_revenue");
        f.insert("business_profit".into(), "-250.000".into());
        f.insert("has_nib".into(), String::new());
        let a = i.check_answers(&f).unwrap();
        assert_eq!(a.0["business_profit"], Answer::Number(-250_000));
        let v = i.measure_values(&a);
        assert!(!v.contains_key(&Measure::BusinessOperating));
        assert!(!v.contains_key(&Measure::BusinessLegal));
    }

    #[test]
    fn a_measure_fed_by_several_questions_needs_them_all() {
        let i = Instrument::default_v1();
        let mut a = i.check_answers(&full_form()).unwrap();
        a.0.remove("who5_rested");
        a.0.insert(
            "children_in_school".into(),
            Answer::Choice("no_children".into()),
        );
        let v = i.measure_values(&a);
        assert!(!v.contains_key(&Measure::Wellbeing));
        assert!(!v.contains_key(&Measure::Schooling));
    }

    #[test]
    fn broken_instruments_are_refused() {
        let cases = [
            ("min = 0\nmax = 100\n", "", "needs min"),
            (
                "measure = \"savings\"",
                "measure = \"income_growth\"",
                "derived",
            ),
            ("id = \"jkn\"", "id = \"housing\"", "repeated"),
            ("score = 0.5 }", "score = 1.5 }", "between 0 and 1"),
            ("measure = \"savings\"", "measure = \"luck\"", "luck"),
        ];
        for (from, to, want) in cases {
            let text = DEFAULT_INSTRUMENT.replacen(from, to, 1);
            assert_ne!(text, DEFAULT_INSTRUMENT);
            let err = Instrument::parse(&text).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
    }

    #[test]
    fn waves_fall_due_months_after_enrolment() {
        let d = chrono::NaiveDate::from_ymd_opt(2025, 8, 31).unwrap();
        assert_eq!(Wave::Baseline.due_on(d), d);
        assert_eq!(
            Wave::M6.due_on(d),
            chrono::NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()
        );
        assert_eq!(Wave::parse("m24"), Some(Wave::M24));
        assert_eq!(Wave::parse("m3"), None);
    }

    /// `enrolled_by` agrees with `due_on` day by day, across month ends and a leap year.
    #[test]
    fn a_wave_is_due_for_exactly_the_enrolments_up_to_its_last_day() {
        let start = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
        for today in start.iter_days().skip(760).step_by(5).take(150) {
            for wave in Wave::ALL {
                let last = wave.enrolled_by(today);
                assert!(wave.due_on(last) <= today, "{wave:?} {today}");
                assert!(
                    wave.due_on(last.succ_opt().unwrap()) > today,
                    "{wave:?} {today}"
                );
            }
            for enrolled in start.iter_days().take_while(|d| *d <= today) {
                let by_range = Wave::ALL
                    .into_iter()
                    .filter(|w| enrolled <= w.enrolled_by(today))
                    .max();
                assert_eq!(
                    Wave::due_by(enrolled, today),
                    by_range,
                    "{enrolled} {today}"
                );
            }
        }
        let today = chrono::NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
        assert_eq!(
            Wave::M6.enrolled_by(today),
            chrono::NaiveDate::from_ymd_opt(2025, 8, 31).unwrap()
        );
        assert_eq!(Wave::Baseline.enrolled_by(today), today);
    }
}
