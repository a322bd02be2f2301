//! The empowerment programme's rules: the kinds of track, who may enrol in a cohort (each
//! failure a reason a person can read), and who has completed one.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::access::RegionCode;
use crate::person::MigrationStatus;

/// The two strands of the programme (DOMAIN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackKind {
    /// Reintegration with family and community, psychosocial support, financial literacy,
    /// family and parenting sessions.
    Social,
    /// Entrepreneurship training, mentoring, business legality, access to capital and markets.
    Economic,
}

impl TrackKind {
    pub const ALL: &'static [TrackKind] = &[TrackKind::Social, TrackKind::Economic];

    pub fn as_str(self) -> &'static str {
        match self {
            TrackKind::Social => "social",
            TrackKind::Economic => "economic",
        }
    }

    pub fn parse(s: &str) -> Option<TrackKind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for TrackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A test taken at the start or the end of a cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestKind {
    Pre,
    Post,
}

impl TestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TestKind::Pre => "pre",
            TestKind::Post => "post",
        }
    }

    pub fn parse(s: &str) -> Option<TestKind> {
        match s {
            "pre" => Some(TestKind::Pre),
            "post" => Some(TestKind::Post),
            _ => None,
        }
    }
}

/// A test score: 0 to 100.
pub fn parse_score(s: &str) -> Option<i32> {
    s.trim()
        .parse::<i32>()
        .ok()
        .filter(|n| (0..=100).contains(n))
}

/// What a programme asks of the people it enrols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityRules {
    /// The programme's region: participants live there.
    pub region: RegionCode,
    /// Returned home within this many years (none: any time).
    pub returned_within_years: Option<u32>,
}

/// What the registry knows of a candidate that the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub status: Option<MigrationStatus>,
    /// The date they came home: the last placement's return date, or when their status became
    /// "returned".
    pub returned_on: Option<NaiveDate>,
    /// The region of their current address, as recorded.
    pub region_code: Option<String>,
    /// Enrolled already in a cohort of this track.
    pub already_in_track: bool,
}

/// Why someone may not enrol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ineligible {
    /// Abroad now, or departed again.
    NotReturned,
    /// Returned, but the date is not recorded, so the "returned within" rule cannot be met.
    ReturnDateUnknown,
    ReturnedTooLongAgo,
    /// Their address lies outside the programme's region (or has no region).
    OutsideRegion,
    AlreadyInTrack,
    /// Not in the registry (or not visible to the caller, or merged into someone else).
    UnknownPerson,
}

impl Ineligible {
    /// The translation key of the reason.
    pub fn key(self) -> &'static str {
        match self {
            Ineligible::NotReturned => "eligibility-not-returned",
            Ineligible::ReturnDateUnknown => "eligibility-return-date-unknown",
            Ineligible::ReturnedTooLongAgo => "eligibility-returned-too-long-ago",
            Ineligible::OutsideRegion => "eligibility-outside-region",
            Ineligible::AlreadyInTrack => "eligibility-already-in-track",
            Ineligible::UnknownPerson => "eligibility-unknown-person",
        }
    }
}

/// The same date `years` earlier (29 February falls back to the 28th).
fn years_before(d: NaiveDate, years: u32) -> NaiveDate {
    let y = d.year() - years as i32;
    d.with_year(y)
        .or_else(|| NaiveDate::from_ymd_opt(y, d.month(), 28))
        .unwrap_or(NaiveDate::MIN)
}

/// Every rule `c` fails, in a fixed order; empty means eligible.
pub fn check_eligibility(
    rules: &EligibilityRules,
    c: &Candidate,
    today: NaiveDate,
) -> Vec<Ineligible> {
    let mut failed = Vec::new();
    if c.status != Some(MigrationStatus::Returned) {
        failed.push(Ineligible::NotReturned);
    } else if let Some(years) = rules.returned_within_years {
        match c.returned_on {
            None => failed.push(Ineligible::ReturnDateUnknown),
            Some(d) if d < years_before(today, years) => {
                failed.push(Ineligible::ReturnedTooLongAgo)
            }
            Some(_) => {}
        }
    }
    let inside = c
        .region_code
        .as_deref()
        .and_then(|r| RegionCode::parse(r).ok())
        .is_some_and(|r| rules.region.contains(&r));
    if !inside {
        failed.push(Ineligible::OutsideRegion);
    }
    if c.already_in_track {
        failed.push(Ineligible::AlreadyInTrack);
    }
    failed
}

/// The completion rule of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompletionRule {
    pub min_attendance_percent: i32,
    pub requires_post_test: bool,
}

/// Where a participant stands against the completion rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Completion {
    /// Sessions attended, in percent of the cohort's sessions (0 when it has none).
    pub attendance_percent: i32,
    pub completed: bool,
}

/// Attendance share ≥ the track's minimum over all of the cohort's sessions, and a post-test
/// recorded when the track requires one. A cohort without sessions completes no one.
pub fn completion(
    rule: CompletionRule,
    sessions: i64,
    attended: i64,
    post_score: Option<i32>,
) -> Completion {
    let attendance_percent = if sessions > 0 {
        (attended.clamp(0, sessions) * 100 / sessions) as i32
    } else {
        0
    };
    let completed = sessions > 0
        && attendance_percent >= rule.min_attendance_percent
        && (!rule.requires_post_test || post_score.is_some());
    Completion {
        attendance_percent,
        completed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn rules() -> EligibilityRules {
        EligibilityRules {
            region: RegionCode::parse("36.04").expect("code"),
            returned_within_years: Some(3),
        }
    }

    fn returned(on: Option<NaiveDate>, region: &str) -> Candidate {
        Candidate {
            status: Some(MigrationStatus::Returned),
            returned_on: on,
            region_code: Some(region.into()),
            already_in_track: false,
        }
    }

    #[test]
    fn a_recent_returnee_of_the_region_is_eligible() {
        let today = d(2027, 3, 1);
        let c = returned(Some(d(2025, 6, 1)), "36.04.05.2001");
        assert!(check_eligibility(&rules(), &c, today).is_empty());
        // Exactly three years ago still counts.
        let c = returned(Some(d(2024, 3, 1)), "36.04");
        assert!(check_eligibility(&rules(), &c, today).is_empty());
    }

    #[test]
    fn each_failed_rule_is_named() {
        let today = d(2027, 3, 1);
        let old = returned(Some(d(2020, 1, 1)), "36.03.01");
        assert_eq!(
            check_eligibility(&rules(), &old, today),
            vec![Ineligible::ReturnedTooLongAgo, Ineligible::OutsideRegion]
        );
        let mut abroad = returned(None, "36.04");
        abroad.status = Some(MigrationStatus::DepartedAgain);
        abroad.already_in_track = true;
        assert_eq!(
            check_eligibility(&rules(), &abroad, today),
            vec![Ineligible::NotReturned, Ineligible::AlreadyInTrack]
        );
        assert_eq!(
            check_eligibility(&rules(), &returned(None, "36.04"), today),
            vec![Ineligible::ReturnDateUnknown]
        );
        let mut nowhere = returned(Some(d(2026, 1, 1)), "");
        nowhere.region_code = None;
        assert_eq!(
            check_eligibility(&rules(), &nowhere, today),
            vec![Ineligible::OutsideRegion]
        );
        let open = EligibilityRules {
            returned_within_years: None,
            ..rules()
        };
        assert!(check_eligibility(&open, &returned(None, "36.04"), today).is_empty());
        assert_eq!(years_before(d(2028, 2, 29), 1), d(2027, 2, 28));
    }

    #[test]
    fn completion_needs_the_attendance_share_and_the_post_test_when_required() {
        let rule = CompletionRule {
            min_attendance_percent: 80,
            requires_post_test: false,
        };
        assert!(completion(rule, 5, 4, None).completed);
        assert!(!completion(rule, 5, 3, Some(90)).completed);
        assert_eq!(completion(rule, 3, 2, None).attendance_percent, 66);
        assert!(!completion(rule, 0, 0, None).completed);
        let strict = CompletionRule {
            requires_post_test: true,
            ..rule
        };
        assert!(!completion(strict, 5, 5, None).completed);
        assert!(completion(strict, 5, 5, Some(40)).completed);
    }

    #[test]
    fn scores_are_whole_numbers_from_0_to_100() {
        assert_eq!(parse_score(" 75 "), Some(75));
        assert_eq!(parse_score("101"), None);
        assert_eq!(parse_score("-1"), None);
        assert_eq!(parse_score("7.5"), None);
        assert_eq!(TrackKind::parse("economic"), Some(TrackKind::Economic));
        assert_eq!(TrackKind::parse("other"), None);
    }
}
