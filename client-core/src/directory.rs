//! Who belongs where (issue 18): the organisations users belong to, what an
//! assignment may hold for each role, and the rule that keeps an agency
//! able to administer itself. The server's admin endpoints load, ask these,
//! and persist.

use crate::closed_set;
use crate::vocabulary::Role;
use chrono::NaiveDate;
use thiserror::Error;
use uuid::Uuid;

closed_set!(
    /// Law enforcement (an agency: officers, their supervisors) or
    /// education (a district: school leaders, analysts).
    OrgKind { Agency = "agency", District = "district" }
);

/// Which kind of organisation `role` belongs to; `None` for the roles that
/// either may hold (an admin or an auditor works for whichever runs the
/// deployment).
pub fn org_kind_for(role: Role) -> Option<OrgKind> {
    match role {
        Role::Sro | Role::Supervisor | Role::Commander => Some(OrgKind::Agency),
        Role::SchoolLeader | Role::Analyst => Some(OrgKind::District),
        Role::Admin | Role::Auditor => None,
    }
}

/// Whether a user of `role` may belong to an organisation of `kind`.
pub fn fits(role: Role, kind: OrgKind) -> bool {
    org_kind_for(role).is_none_or(|k| k == kind)
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum AssignmentProblem {
    #[error("a {0} works at one school or more")]
    NeedsSchools(Role),
    #[error("a {0} is not assigned to schools: what they see follows from their role")]
    NoSchools(Role),
    #[error("only an officer has a supervisor")]
    NoSupervisor(Role),
    #[error("a supervisor must hold the supervisor role")]
    SupervisorRole,
    #[error("an assignment takes effect when it is made: make it on its day")]
    Future,
}

impl AssignmentProblem {
    /// The request field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::NeedsSchools(_) | Self::NoSchools(_) => "schools",
            Self::NoSupervisor(_) | Self::SupervisorRole => "supervisor_id",
            Self::Future => "effective_from",
        }
    }
}

/// What an assignment may hold for `role`: officers and school leaders work
/// at schools (an officer's supervisor, if named, holds the supervisor
/// role); a supervisor's reach follows their officers, and district-wide
/// roles have no schools.
pub fn check_assignment(
    role: Role,
    schools: usize,
    supervisor: Option<Role>,
) -> Result<(), AssignmentProblem> {
    let at_schools = matches!(role, Role::Sro | Role::SchoolLeader);
    if at_schools && schools == 0 {
        return Err(AssignmentProblem::NeedsSchools(role));
    }
    if !at_schools && schools > 0 {
        return Err(AssignmentProblem::NoSchools(role));
    }
    match supervisor {
        Some(_) if role != Role::Sro => Err(AssignmentProblem::NoSupervisor(role)),
        Some(r) if r != Role::Supervisor => Err(AssignmentProblem::SupervisorRole),
        _ => Ok(()),
    }
}

/// Whether an admin of organisation `admin` may manage a user or a school
/// of organisation `target`: their own organisation's only, so no agency
/// administers another's officers. An admin of no organisation (the
/// deployment's own, from the shell) manages every one.
pub fn manages(admin: Option<Uuid>, target: Option<Uuid>) -> bool {
    match (admin, target) {
        (None, _) => true,
        (Some(a), Some(t)) => a == t,
        (Some(_), None) => false,
    }
}

/// Whether an admin of `admin` may create a user of `role` in `target`: in
/// their own organisation; in another only its first admin, so a new
/// agency or district is handed to its own administrator and no one else's.
pub fn may_create(admin: Option<Uuid>, target: Uuid, role: Role, target_has_admin: bool) -> bool {
    manages(admin, Some(target)) || (role == Role::Admin && !target_has_admin)
}

/// Why an admin may not reset a user's second factor.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum SecondFactorRefusal {
    #[error("another admin resets your second factor: ask them")]
    OwnAccount,
    #[error(
        "an admin's second factor is reset by the deployment's administrator (`server user reset-mfa`), never by another organisation admin"
    )]
    AnAdmin,
    #[error("this account is disabled: enable it before resetting its second factor")]
    Disabled,
}

/// Whether an admin of organisation `admin` may remove the second factor of
/// a user of `role` (for a lost phone). With a password reset after it, a
/// reset hands the account to whoever holds the reset's one-time code, so:
/// never one's own (someone else confirms who asks); never an admin's from
/// an organisation admin (one admin could otherwise take over another, or
/// a second admin they created, and act in their name), only from the
/// deployment's administrator; and not while disabled (as a password reset:
/// enabling it is its own decision).
pub fn may_reset_second_factor(
    admin: Option<Uuid>,
    own_account: bool,
    role: Role,
    disabled: bool,
) -> Result<(), SecondFactorRefusal> {
    if own_account {
        return Err(SecondFactorRefusal::OwnAccount);
    }
    if role == Role::Admin && admin.is_some() {
        return Err(SecondFactorRefusal::AnAdmin);
    }
    if disabled {
        return Err(SecondFactorRefusal::Disabled);
    }
    Ok(())
}

/// The most characters of a display name.
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;

/// A display name as kept: trimmed, `None` when blank. Refused when longer
/// than [`DISPLAY_NAME_MAX_CHARS`] or holding control characters (it is
/// shown in lists and logs, where a line break could forge a line).
pub fn display_name(raw: &str) -> Result<Option<String>, &'static str> {
    let name = raw.trim();
    if name.chars().count() > DISPLAY_NAME_MAX_CHARS {
        return Err("a display name has at most 100 characters");
    }
    if name.chars().any(char::is_control) {
        return Err("a display name holds no control characters");
    }
    Ok((!name.is_empty()).then(|| name.to_owned()))
}

/// An assignment takes effect when it is made, so it may be dated today or
/// earlier (recording a move already made), never ahead: nothing applies a
/// future one on its day, and applying it early would open records too soon.
pub fn check_effective_from(day: NaiveDate, today: NaiveDate) -> Result<(), AssignmentProblem> {
    if day > today {
        Err(AssignmentProblem::Future)
    } else {
        Ok(())
    }
}

/// Whether the users as they would be after a change, `(role, disabled)`
/// each, still include an enabled admin. Without one nobody could undo the
/// change except from the server's shell.
pub fn keeps_an_admin(after: impl IntoIterator<Item = (Role, bool)>) -> bool {
    after
        .into_iter()
        .any(|(role, disabled)| role == Role::Admin && !disabled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_may_reset_a_second_factor() {
        use SecondFactorRefusal as R;
        let org = Some(Uuid::from_u128(7));
        // caller's organisation, own account, target role, disabled: answer.
        let cases = [
            (org, false, Role::Sro, false, Ok(())),
            (org, false, Role::Supervisor, false, Ok(())),
            (org, false, Role::Auditor, false, Ok(())),
            (org, true, Role::Admin, false, Err(R::OwnAccount)),
            (None, true, Role::Admin, false, Err(R::OwnAccount)),
            (org, false, Role::Admin, false, Err(R::AnAdmin)),
            (None, false, Role::Admin, false, Ok(())),
            (org, false, Role::Sro, true, Err(R::Disabled)),
            (None, false, Role::Admin, true, Err(R::Disabled)),
        ];
        for (admin, own, role, disabled, want) in cases {
            assert_eq!(
                may_reset_second_factor(admin, own, role, disabled),
                want,
                "{admin:?} {own} {role} {disabled}"
            );
        }
    }

    #[test]
    fn each_role_belongs_to_its_kind_of_organisation() {
        use OrgKind::*;
        for (role, agency, district) in [
            (Role::Sro, true, false),
            (Role::Supervisor, true, false),
            (Role::SchoolLeader, false, true),
            (Role::Analyst, false, true),
            (Role::Admin, true, true),
            (Role::Auditor, true, true),
        ] {
            assert_eq!(
                (fits(role, Agency), fits(role, District)),
                (agency, district),
                "{role}"
            );
        }
    }

    #[test]
    fn what_an_assignment_may_hold() {
        use AssignmentProblem::*;
        let sup = Some(Role::Supervisor);
        for (role, schools, supervisor, want) in [
            (Role::Sro, 1, sup, Ok(())),
            (Role::Sro, 2, None, Ok(())),
            (Role::Sro, 0, sup, Err(NeedsSchools(Role::Sro))),
            (Role::Sro, 1, Some(Role::Analyst), Err(SupervisorRole)),
            (Role::SchoolLeader, 1, None, Ok(())),
            (
                Role::SchoolLeader,
                0,
                None,
                Err(NeedsSchools(Role::SchoolLeader)),
            ),
            (
                Role::SchoolLeader,
                1,
                sup,
                Err(NoSupervisor(Role::SchoolLeader)),
            ),
            (Role::Supervisor, 0, None, Ok(())),
            (Role::Supervisor, 1, None, Err(NoSchools(Role::Supervisor))),
            (Role::Analyst, 0, None, Ok(())),
            (Role::Admin, 0, sup, Err(NoSupervisor(Role::Admin))),
            (Role::Auditor, 2, None, Err(NoSchools(Role::Auditor))),
        ] {
            assert_eq!(
                check_assignment(role, schools, supervisor),
                want,
                "{role} {schools} {supervisor:?}"
            );
        }
    }

    #[test]
    fn an_admin_manages_their_own_organisation() {
        let (a, b) = (Some(Uuid::from_u128(1)), Some(Uuid::from_u128(2)));
        for (admin, target, want) in [
            (a, a, true),
            (a, b, false),
            (a, None, false),
            (None, b, true),
            (None, None, true),
        ] {
            assert_eq!(manages(admin, target), want, "{admin:?} {target:?}");
        }
        let b = Uuid::from_u128(2);
        for (role, has_admin, want) in [
            (Role::Admin, false, true),
            (Role::Admin, true, false),
            (Role::Sro, false, false),
        ] {
            assert_eq!(
                may_create(a, b, role, has_admin),
                want,
                "{role} {has_admin}"
            );
        }
        assert!(may_create(a, Uuid::from_u128(1), Role::Sro, true));
    }

    #[test]
    fn display_names_are_trimmed_and_plain() {
        let long = "x".repeat(DISPLAY_NAME_MAX_CHARS + 1);
        let cases: [(&str, Option<Option<&str>>); 4] = [
            ("  Sgt. Ana Alvarez ", Some(Some("Sgt. Ana Alvarez"))),
            ("   ", Some(None)),
            ("Ana\nAdmin: granted", None),
            (long.as_str(), None),
        ];
        for (raw, want) in cases {
            let got = display_name(raw);
            assert_eq!(got.as_ref().ok().map(|o| o.as_deref()), want, "{raw:?}");
        }
    }

    #[test]
    fn an_assignment_is_dated_today_or_earlier() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date");
        let today = d("2026-12-06");
        for (day, want) in [
            ("2026-12-06", Ok(())),
            ("2026-09-01", Ok(())),
            ("2026-12-07", Err(AssignmentProblem::Future)),
        ] {
            assert_eq!(check_effective_from(d(day), today), want, "{day}");
        }
    }

    #[test]
    fn the_last_enabled_admin_stays() {
        let (a, s) = (Role::Admin, Role::Sro);
        for (users, want) in [
            (vec![(a, false)], true),
            (vec![(a, true), (a, false)], true),
            (vec![(a, true), (s, false)], false),
            (vec![(s, false)], false),
            (vec![], false),
        ] {
            assert_eq!(keeps_an_admin(users.clone()), want, "{users:?}");
        }
    }
}
