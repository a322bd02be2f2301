//! The participant's pipeline: the stages of DOMAIN.md ("registered → assessed → … → operating,
//! or dropped out, or departed again") and the ONE table of which role may move a participant
//! from which stage to which, with when a reason is required. The store, the pages and the API
//! all ask [`check`]; docs/programme.md shows the same table for people.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::access::Role;

/// Where a participant stands. The first eight are the active stages, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Registered,
    Assessed,
    Trained,
    BusinessPlan,
    Mentored,
    BusinessRegistered,
    Financed,
    Operating,
    DroppedOut,
    DepartedAgain,
}

impl Stage {
    pub const ALL: [Stage; 10] = [
        Stage::Registered,
        Stage::Assessed,
        Stage::Trained,
        Stage::BusinessPlan,
        Stage::Mentored,
        Stage::BusinessRegistered,
        Stage::Financed,
        Stage::Operating,
        Stage::DroppedOut,
        Stage::DepartedAgain,
    ];

    /// The active stages in pipeline order (the funnel's bars).
    pub const ACTIVE: [Stage; 8] = [
        Stage::Registered,
        Stage::Assessed,
        Stage::Trained,
        Stage::BusinessPlan,
        Stage::Mentored,
        Stage::BusinessRegistered,
        Stage::Financed,
        Stage::Operating,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Registered => "registered",
            Stage::Assessed => "assessed",
            Stage::Trained => "trained",
            Stage::BusinessPlan => "business_plan",
            Stage::Mentored => "mentored",
            Stage::BusinessRegistered => "business_registered",
            Stage::Financed => "financed",
            Stage::Operating => "operating",
            Stage::DroppedOut => "dropped_out",
            Stage::DepartedAgain => "departed_again",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s.trim())
    }

    /// The position among the active stages; `None` for dropped out and departed again.
    pub fn rank(self) -> Option<usize> {
        Stage::ACTIVE.iter().position(|s| *s == self)
    }

    pub fn is_active(self) -> bool {
        self.rank().is_some()
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of move a transition is; it decides whether a reason is needed and whose mark it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// To the next active stage.
    Next,
    /// Forward past one or more stages: a reason is required.
    Skip,
    /// Backwards, or from dropped out / departed again back into the pipeline: a reason is
    /// required.
    Back,
    /// Out of the pipeline: a reason is required.
    DropOut,
    /// The participant left to work abroad again.
    Depart,
}

/// Why a move is refused. Each has a message key `stage-refused-{as_str}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the participant is at that stage already")]
    Same,
    #[error("that move does not exist")]
    Impossible,
    #[error("this role may not make this move")]
    Role,
    #[error("this move needs a reason")]
    ReasonRequired,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Same => "same",
            Refusal::Impossible => "impossible",
            Refusal::Role => "role",
            Refusal::ReasonRequired => "reason",
        }
    }
}

/// The kind of the move `from` → `to`, or why it cannot exist at all.
pub fn kind(from: Stage, to: Stage) -> Result<Move, Refusal> {
    if from == to {
        return Err(Refusal::Same);
    }
    match (from.rank(), to.rank()) {
        (Some(f), Some(t)) if t == f + 1 => Ok(Move::Next),
        (Some(f), Some(t)) if t > f => Ok(Move::Skip),
        (_, Some(_)) => Ok(Move::Back),
        (Some(_), None) if to == Stage::DroppedOut => Ok(Move::DropOut),
        (_, None) if to == Stage::DepartedAgain => Ok(Move::Depart),
        // Dropped out is a decision about an active participant, not about one abroad.
        _ => Err(Refusal::Impossible),
    }
}

/// The kind of agency a partner-agency officer works for: it decides which stage they mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partner {
    Bank,
    /// Dinas Koperasi dan UMKM.
    CooperativeOffice,
    Other,
}

/// Who moves a participant: their role and, for a partner-agency officer, their agency's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub role: Role,
    pub partner: Partner,
}

impl Actor {
    pub fn new(role: Role, partner: Partner) -> Self {
        Actor { role, partner }
    }

    /// Staff of the programme's own agencies (no partner distinction).
    pub fn staff(role: Role) -> Self {
        Actor {
            role,
            partner: Partner::Other,
        }
    }
}

impl From<Role> for Actor {
    fn from(role: Role) -> Self {
        Actor::staff(role)
    }
}

/// The stages an actor marks. Programme officers and admins mark any; a trainer marks the
/// assessment and the training; a mentor the business plan, mentoring, the registered business
/// and operating; a partner agency's officer the registered business (cooperative/SME office)
/// or financing (bank). Other roles, and officers of other partner agencies, move no one.
pub fn marks(actor: Actor) -> &'static [Stage] {
    match (actor.role, actor.partner) {
        (Role::Admin | Role::ProgrammeOfficer, _) => &Stage::ALL,
        (Role::Trainer, _) => &[Stage::Assessed, Stage::Trained],
        (Role::Mentor, _) => &[
            Stage::BusinessPlan,
            Stage::Mentored,
            Stage::BusinessRegistered,
            Stage::Operating,
        ],
        (Role::PartnerOfficer, Partner::CooperativeOffice) => &[Stage::BusinessRegistered],
        (Role::PartnerOfficer, Partner::Bank) => &[Stage::Financed],
        _ => &[],
    }
}

/// Whether a move needs a reason.
pub fn needs_reason(m: Move) -> bool {
    !matches!(m, Move::Next | Move::Depart)
}

/// May `role` move a participant from `from` to `to` with this `reason`? A forward move is the
/// mark of its target stage; a move back takes back the mark of the stage left, so it is the
/// left stage's role that may make it; leaving the pipeline (dropped out, departed again) and
/// coming back into it are programme officers' and admins' decisions.
pub fn check(
    actor: impl Into<Actor>,
    from: Stage,
    to: Stage,
    reason: &str,
) -> Result<Move, Refusal> {
    let actor = actor.into();
    let role = actor.role;
    let m = kind(from, to)?;
    let marks = marks(actor);
    let allowed = match m {
        Move::Next | Move::Skip => marks.contains(&to),
        Move::Back if from.is_active() => marks.contains(&from),
        Move::Back | Move::DropOut | Move::Depart => {
            matches!(role, Role::Admin | Role::ProgrammeOfficer)
        }
    };
    if !allowed {
        return Err(Refusal::Role);
    }
    if needs_reason(m) && reason.trim().is_empty() {
        return Err(Refusal::ReasonRequired);
    }
    Ok(m)
}

/// The moves `role` may offer from `from`, each with whether it needs a reason (the form's
/// choices).
pub fn options(actor: impl Into<Actor>, from: Stage) -> Vec<(Stage, bool)> {
    let actor = actor.into();
    Stage::ALL
        .into_iter()
        .filter_map(|to| {
            let m = check(actor, from, to, "x").ok()?;
            Some((to, needs_reason(m)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;

    #[test]
    fn stages_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
        assert_eq!(Stage::parse("graduated"), None);
    }

    #[test]
    fn a_trainer_marks_trained_but_not_financed() {
        assert_eq!(check(Role::Trainer, Assessed, Trained, ""), Ok(Move::Next));
        assert_eq!(
            check(Role::Trainer, Registered, Assessed, ""),
            Ok(Move::Next)
        );
        assert_eq!(
            check(Role::Trainer, BusinessRegistered, Financed, "kur"),
            Err(Refusal::Role)
        );
        assert_eq!(
            check(Role::Trainer, Trained, DroppedOut, "pindah"),
            Err(Refusal::Role)
        );
    }

    #[test]
    fn partners_mentors_and_others() {
        let bank = Actor::new(Role::PartnerOfficer, Partner::Bank);
        let koperasi = Actor::new(Role::PartnerOfficer, Partner::CooperativeOffice);
        assert_eq!(
            check(bank, BusinessRegistered, Financed, ""),
            Ok(Move::Next)
        );
        assert_eq!(
            check(bank, Mentored, BusinessRegistered, ""),
            Err(Refusal::Role)
        );
        assert_eq!(
            check(koperasi, Mentored, BusinessRegistered, ""),
            Ok(Move::Next)
        );
        assert_eq!(
            check(koperasi, BusinessRegistered, Financed, ""),
            Err(Refusal::Role)
        );
        assert_eq!(check(bank, Financed, Operating, ""), Err(Refusal::Role));
        assert_eq!(
            check(Role::PartnerOfficer, BusinessRegistered, Financed, ""),
            Err(Refusal::Role),
            "an NGO's or training centre's officer marks nothing"
        );
        assert_eq!(
            check(Role::Mentor, Trained, BusinessPlan, ""),
            Ok(Move::Next)
        );
        assert_eq!(check(Role::Mentor, Financed, Operating, ""), Ok(Move::Next));
        for role in [
            Role::Registrar,
            Role::Analyst,
            Role::Participant,
            Role::CaseWorker,
        ] {
            assert_eq!(check(role, Registered, Assessed, ""), Err(Refusal::Role));
        }
    }

    #[test]
    fn a_skip_needs_a_reason() {
        assert_eq!(
            check(Role::ProgrammeOfficer, Registered, Trained, " "),
            Err(Refusal::ReasonRequired)
        );
        assert_eq!(
            check(
                Role::ProgrammeOfficer,
                Registered,
                Trained,
                "pelatihan BLK 2025"
            ),
            Ok(Move::Skip)
        );
        assert_eq!(
            check(Role::Trainer, Registered, Trained, "sudah ikut BLK"),
            Ok(Move::Skip)
        );
    }

    #[test]
    fn going_back_takes_back_the_mark_of_the_stage_left_with_a_reason() {
        assert_eq!(
            check(Role::Trainer, Trained, Assessed, ""),
            Err(Refusal::ReasonRequired)
        );
        assert_eq!(
            check(Role::Trainer, Trained, Assessed, "salah tandai"),
            Ok(Move::Back)
        );
        assert_eq!(
            check(Role::Trainer, Financed, Trained, "salah"),
            Err(Refusal::Role)
        );
        assert_eq!(
            check(Role::Admin, Operating, Registered, "ulang"),
            Ok(Move::Back)
        );
    }

    #[test]
    fn leaving_and_returning() {
        assert_eq!(
            check(Role::ProgrammeOfficer, Mentored, DroppedOut, ""),
            Err(Refusal::ReasonRequired)
        );
        assert_eq!(
            check(Role::ProgrammeOfficer, Mentored, DroppedOut, "sakit"),
            Ok(Move::DropOut)
        );
        assert_eq!(
            check(Role::ProgrammeOfficer, DroppedOut, DepartedAgain, ""),
            Ok(Move::Depart)
        );
        assert_eq!(
            check(Role::ProgrammeOfficer, DepartedAgain, DroppedOut, "x"),
            Err(Refusal::Impossible)
        );
        assert_eq!(
            check(Role::ProgrammeOfficer, DroppedOut, Trained, "kembali"),
            Ok(Move::Back)
        );
        assert_eq!(
            check(Role::Trainer, DroppedOut, Trained, "kembali"),
            Err(Refusal::Role)
        );
        assert_eq!(
            check(Role::Admin, Trained, Trained, "x"),
            Err(Refusal::Same)
        );
    }

    #[test]
    fn the_form_offers_only_the_roles_moves() {
        let trainer: Vec<Stage> = options(Role::Trainer, Registered)
            .into_iter()
            .map(|o| o.0)
            .collect();
        assert_eq!(trainer, vec![Assessed, Trained]);
        assert_eq!(
            options(Role::Trainer, Registered),
            vec![(Assessed, false), (Trained, true)]
        );
        assert_eq!(options(Role::ProgrammeOfficer, Registered).len(), 9);
        assert!(options(Role::Analyst, Registered).is_empty());
    }
}
