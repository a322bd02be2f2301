//! Authorization in one place: which role may do what, and over which region. Every protected
//! route names one [`Action`]; the router's guard and the API check it here, and the route table
//! in `routes.rs` is what the authorization test matrix walks.

use emas_domain::access::{Role, Scope};
use emas_store::users::User;

use crate::error::AppError;

/// What a route lets its caller do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Anything every active account may do: its own home page, its own password.
    SignedIn,
    /// Browse the region reference data.
    ViewReference,
    /// Create accounts, reset passwords, deactivate accounts (within the admin's scope).
    ManageAccounts,
    ManageAgencies,
    ViewAudit,
    ManageApiTokens,
    /// Search the registry and open a person's page (within the caller's scope).
    ViewPeople,
    /// Create and edit people, their placements and consents.
    EditPeople,
    /// Upload agency lists into the registry, commit and undo imports.
    ImportLists,
    /// Decide doubtful pairs of the review queue, merge and split people, undo those changes.
    ResolvePeople,
    /// See programmes, tracks, cohorts and their participants (within the caller's scope).
    ViewProgrammes,
    /// Create and change programmes, tracks, cohorts and sessions; enrol participants.
    ManageProgrammes,
    /// Take attendance and record test scores for a cohort's sessions.
    TakeAttendance,
    /// Move participants through the pipeline; which role may make which move is decided by
    /// the transition table in the domain crate.
    MoveStages,
    /// Record businesses, their monthly figures, capital and mentoring visits.
    ManageBusinesses,
    /// Refer a participant to another agency for a service.
    Refer,
    /// See the referrals sent to one's agency and accept, decline or close them.
    HandleReferrals,
    /// A participant's own stage, sessions, referrals, mentoring notes and business figures,
    /// and answering their own outcome surveys.
    OwnProgress,
    /// The coordination dashboard's aggregate figures of a region within the caller's scope.
    ViewOutcomes,
    /// Take participants' outcome surveys (baseline and follow-ups), see their scores and the
    /// due list of one's region.
    TakeSurveys,
    /// Keep the UMK table (of the regencies within the admin's scope) and save new EMAS index
    /// configurations (province and national admins: one configuration scores everyone).
    ManageIndex,
}

impl Action {
    pub const ALL: [Action; 21] = [
        Action::SignedIn,
        Action::ViewReference,
        Action::ManageAccounts,
        Action::ManageAgencies,
        Action::ViewAudit,
        Action::ManageApiTokens,
        Action::ViewPeople,
        Action::EditPeople,
        Action::ImportLists,
        Action::ResolvePeople,
        Action::ViewProgrammes,
        Action::ManageProgrammes,
        Action::TakeAttendance,
        Action::MoveStages,
        Action::ManageBusinesses,
        Action::Refer,
        Action::HandleReferrals,
        Action::OwnProgress,
        Action::ViewOutcomes,
        Action::TakeSurveys,
        Action::ManageIndex,
    ];

    /// The roles that may take this action; `None` means every role.
    pub fn roles(self) -> Option<&'static [Role]> {
        const STAFF: &[Role] = &[
            Role::Admin,
            Role::Registrar,
            Role::ProgrammeOfficer,
            Role::Trainer,
            Role::Mentor,
            Role::CaseWorker,
            Role::Analyst,
            Role::Coordinator,
            Role::Moderator,
            Role::PartnerOfficer,
        ];
        match self {
            Action::SignedIn => None,
            Action::ViewReference => Some(STAFF),
            Action::ManageAccounts
            | Action::ManageAgencies
            | Action::ViewAudit
            | Action::ManageApiTokens => Some(&[Role::Admin]),
            // Analysts and coordinators see aggregates only; partner agencies see referrals;
            // trainers and mentors will see their own participants once the programme exists.
            Action::ViewPeople => Some(&[
                Role::Admin,
                Role::Registrar,
                Role::ProgrammeOfficer,
                Role::CaseWorker,
            ]),
            Action::EditPeople | Action::ImportLists | Action::ResolvePeople => {
                Some(&[Role::Admin, Role::Registrar])
            }
            Action::ViewProgrammes => Some(&[
                Role::Admin,
                Role::ProgrammeOfficer,
                Role::Trainer,
                Role::Mentor,
                Role::PartnerOfficer,
            ]),
            Action::ManageProgrammes => Some(&[Role::Admin, Role::ProgrammeOfficer]),
            Action::TakeAttendance => Some(&[Role::Admin, Role::ProgrammeOfficer, Role::Trainer]),
            Action::MoveStages => Some(&[
                Role::Admin,
                Role::ProgrammeOfficer,
                Role::Trainer,
                Role::Mentor,
                Role::PartnerOfficer,
            ]),
            Action::ManageBusinesses => Some(&[Role::Admin, Role::ProgrammeOfficer, Role::Mentor]),
            Action::Refer => Some(&[Role::Admin, Role::ProgrammeOfficer, Role::CaseWorker]),
            Action::HandleReferrals => Some(&[
                Role::Admin,
                Role::ProgrammeOfficer,
                Role::CaseWorker,
                Role::PartnerOfficer,
            ]),
            Action::OwnProgress => Some(&[Role::Participant]),
            Action::ViewOutcomes => Some(&[
                Role::Admin,
                Role::ProgrammeOfficer,
                Role::Analyst,
                Role::Coordinator,
            ]),
            // Officers and mentors meet participants; a survey is personal data, so analysts
            // see only the aggregates.
            Action::TakeSurveys => Some(&[Role::Admin, Role::ProgrammeOfficer, Role::Mentor]),
            Action::ManageIndex => Some(&[Role::Admin]),
        }
    }
}

/// May `user` take `action` at all?
pub fn allows(user: &User, action: Action) -> bool {
    user.active
        && action
            .roles()
            .is_none_or(|roles| roles.contains(&user.role))
}

pub fn authorize(user: &User, action: Action) -> Result<(), AppError> {
    if allows(user, action) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// An admin manages only accounts whose scope lies within their own: a regency's admin cannot
/// create a national account or reset the password of a province official.
pub fn may_manage_account(admin: &User, target_scope: &Scope) -> bool {
    allows(admin, Action::ManageAccounts) && admin.scope.includes(target_scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, scope: &str) -> User {
        User {
            id: 1,
            username: "u".into(),
            display_name: "U".into(),
            role,
            scope: Scope::parse(scope).expect("scope"),
            agency_id: 1,
            active: true,
            must_change_password: false,
        }
    }

    #[test]
    fn only_admins_manage_and_only_within_their_scope() {
        let province_admin = user(Role::Admin, "36");
        let regency = Scope::parse("36.04").expect("scope");
        assert!(may_manage_account(&province_admin, &regency));
        assert!(!may_manage_account(&province_admin, &Scope::National));
        assert!(!may_manage_account(
            &user(Role::Admin, "36.04"),
            &Scope::parse("36").expect("s")
        ));
        assert!(!may_manage_account(
            &user(Role::Registrar, "national"),
            &regency
        ));
    }

    #[test]
    fn participants_see_no_reference_pages_and_inactive_accounts_nothing() {
        assert!(!allows(
            &user(Role::Participant, "36.04"),
            Action::ViewReference
        ));
        assert!(allows(&user(Role::Participant, "36.04"), Action::SignedIn));
        let mut gone = user(Role::Admin, "national");
        gone.active = false;
        assert!(Action::ALL.iter().all(|a| !allows(&gone, *a)));
    }
}
