//! Referrals: an officer sends a participant to another agency for a service; the receiving
//! agency accepts or declines, and closes an accepted referral with an outcome. The services and
//! the moves between statuses are here, so every caller (pages, API, store) obeys one table.

use chrono::NaiveDate;

/// What a participant is referred for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    /// Business licensing (NIB, PIRT, halal) at the cooperative and SME office.
    BusinessLicensing,
    /// People's business credit (KUR) at a bank.
    Kur,
    /// Skills training at a training centre (BLK).
    SkillsTraining,
    Counselling,
    LegalAid,
    Other,
}

impl Service {
    pub const ALL: [Service; 6] = [
        Service::BusinessLicensing,
        Service::Kur,
        Service::SkillsTraining,
        Service::Counselling,
        Service::LegalAid,
        Service::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::BusinessLicensing => "business_licensing",
            Service::Kur => "kur",
            Service::SkillsTraining => "skills_training",
            Service::Counselling => "counselling",
            Service::LegalAid => "legal_aid",
            Service::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|v| v.as_str() == s.trim())
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Sent,
    Accepted,
    Declined,
    Closed,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Sent,
        Status::Accepted,
        Status::Declined,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Sent => "sent",
            Status::Accepted => "accepted",
            Status::Declined => "declined",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|v| v.as_str() == s.trim())
    }

    /// Still waiting on the receiving agency: such a referral can be overdue.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Sent | Status::Accepted)
    }

    /// The status a referral must have for the receiving agency to move it to `to`; `None`
    /// when nothing moves there (a referral is only ever sent once).
    pub fn required_before(to: Status) -> Option<Status> {
        match to {
            Status::Accepted | Status::Declined => Some(Status::Sent),
            Status::Closed => Some(Status::Accepted),
            Status::Sent => None,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a referral's input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralInputError {
    DueInPast,
    /// A due date more than two years ahead is a typing mistake.
    DueTooFar,
    NoteTooLong,
}

/// The longest note or outcome kept.
pub const MAX_NOTE_CHARS: usize = 2000;

/// A due date must be today or later, and within two years.
pub fn check_due(due: NaiveDate, today: NaiveDate) -> Result<NaiveDate, ReferralInputError> {
    if due < today {
        Err(ReferralInputError::DueInPast)
    } else if due > today + chrono::Days::new(731) {
        Err(ReferralInputError::DueTooFar)
    } else {
        Ok(due)
    }
}

/// A note as kept: trimmed, control characters other than newlines removed.
pub fn clean_note(s: &str) -> Result<String, ReferralInputError> {
    let s: String = s
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect();
    let s = s.trim();
    if s.chars().count() > MAX_NOTE_CHARS {
        return Err(ReferralInputError::NoteTooLong);
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Service::ALL {
            assert_eq!(Service::parse(s.as_str()), Some(s));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Service::parse("kredit"), None);
    }

    #[test]
    fn a_referral_is_decided_once_and_closed_after_acceptance() {
        assert_eq!(
            Status::required_before(Status::Accepted),
            Some(Status::Sent)
        );
        assert_eq!(
            Status::required_before(Status::Declined),
            Some(Status::Sent)
        );
        assert_eq!(
            Status::required_before(Status::Closed),
            Some(Status::Accepted)
        );
        assert_eq!(Status::required_before(Status::Sent), None);
        assert!(Status::Accepted.is_open() && !Status::Declined.is_open());
    }

    #[test]
    fn due_dates_are_today_or_later() {
        let today = NaiveDate::from_ymd_opt(2027, 3, 1).expect("date");
        assert_eq!(check_due(today, today), Ok(today));
        assert_eq!(
            check_due(today.pred_opt().expect("d"), today),
            Err(ReferralInputError::DueInPast)
        );
        assert_eq!(
            check_due(NaiveDate::from_ymd_opt(2030, 1, 1).expect("d"), today),
            Err(ReferralInputError::DueTooFar)
        );
        assert_eq!(clean_note("  a\u{7}b \n").as_deref(), Ok("ab"));
        assert!(clean_note(&"x".repeat(2001)).is_err());
    }
}
