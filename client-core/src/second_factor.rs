//! Which sign-ins need a second factor (issue 18). The FBI CJIS Security
//! Policy asks for multi-factor authentication to reach criminal justice
//! information, so an organisation sets which roles must use one, and by
//! default every desk role does (an officer's phone is a device of its own,
//! encrypted and locked; the agency may add officers). A user of such a
//! role who has none yet sets one up as part of their first sign-in; a user
//! who has one is always asked for it, whatever their role.

use crate::vocabulary::Role;

/// The roles that must use a second factor when the organisation has not
/// said: every role but the officer's.
pub fn default_roles() -> Vec<Role> {
    Role::ALL
        .iter()
        .copied()
        .filter(|r| *r != Role::Sro)
        .collect()
}

/// A set of roles as kept: each once, in the vocabulary's order.
pub fn normalized(roles: &[Role]) -> Vec<Role> {
    Role::ALL
        .iter()
        .copied()
        .filter(|r| roles.contains(r))
        .collect()
}

/// What a sign-in asks for after the password (or an identity provider).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing more: the tokens.
    Tokens,
    /// The code of the enrolled factor.
    Code,
    /// The role needs a factor and the user has none: set one up now, and
    /// its first code completes the sign-in.
    Enrol,
}

pub fn step(required: &[Role], role: Role, enrolled: bool) -> Step {
    if enrolled {
        Step::Code
    } else if required.contains(&role) {
        Step::Enrol
    } else {
        Step::Tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_sign_in_asks_for() {
        let desk = default_roles();
        let none: Vec<Role> = vec![];
        #[rustfmt::skip]
        let cases = [
            ("an officer, by default", &desk, Role::Sro, false, Step::Tokens),
            ("a supervisor, by default", &desk, Role::Supervisor, false, Step::Enrol),
            ("an auditor, by default", &desk, Role::Auditor, false, Step::Enrol),
            ("an admin, by default", &desk, Role::Admin, false, Step::Enrol),
            ("a school leader, by default", &desk, Role::SchoolLeader, false, Step::Enrol),
            ("an enrolled officer: always the code", &desk, Role::Sro, true, Step::Code),
            ("an enrolled analyst", &desk, Role::Analyst, true, Step::Code),
            ("an organisation that requires none", &none, Role::Commander, false, Step::Tokens),
            ("nor stops asking the enrolled", &none, Role::Commander, true, Step::Code),
        ];
        for (what, required, role, enrolled, want) in cases {
            assert_eq!(step(required, role, enrolled), want, "{what}");
        }
    }

    #[test]
    fn the_default_is_every_desk_role() {
        assert_eq!(default_roles().len(), Role::ALL.len() - 1);
        assert!(!default_roles().contains(&Role::Sro));
        assert_eq!(
            normalized(&[Role::Auditor, Role::Sro, Role::Auditor]),
            vec![Role::Sro, Role::Auditor]
        );
    }
}
