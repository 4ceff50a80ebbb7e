//! Signing in through an agency's or district's identity provider (issue 18,
//! OpenID Connect): which Fieldlog account an identity the provider vouched
//! for opens. The server verifies the provider's ID token, loads the
//! accounts named here, asks [`opens`], and persists a new link.
//!
//! An identity is the provider's `sub`, which never changes for a person;
//! names and addresses do. So a link, once made, holds by `sub` alone. A
//! first sign-in may make the link by a name claim when the provider's
//! settings say so; no account is ever created (issue 18: "no account is
//! created automatically unless an admin allowed it").

use crate::closed_set;
use crate::ids::UserId;
use crate::vocabulary::Role;
use thiserror::Error;
use uuid::Uuid;

closed_set!(
    /// The claim whose value, read as a username, names the account a
    /// first sign-in links to.
    LinkClaim { PreferredUsername = "preferred_username", Email = "email" }
);

/// An account as the rule needs it.
#[derive(Clone, Copy, Debug)]
pub struct Account {
    pub user: UserId,
    pub role: Role,
    pub organization: Option<Uuid>,
    pub disabled: bool,
}

/// A provider as configured: whose it is, and whether (and by which claim)
/// a first sign-in links an account.
#[derive(Clone, Copy, Debug)]
pub struct Provider {
    pub organization: Uuid,
    pub link_by: Option<LinkClaim>,
}

/// The account the claim names, and whether that account is already linked
/// to another identity at this provider.
#[derive(Clone, Copy, Debug)]
pub struct Named {
    pub account: Account,
    pub linked_elsewhere: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opens {
    /// The identity was linked before.
    Linked(UserId),
    /// The first sign-in: link the identity to this account, then open it.
    LinkNow(UserId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum Refusal {
    /// No account is linked and none may be: the admin links it. Also the
    /// answer for an account of another organisation, so a provider cannot
    /// learn which names exist elsewhere.
    #[error("this sign-in is not linked to a Fieldlog account: ask your administrator")]
    NotLinked,
    #[error("this account is disabled")]
    Disabled,
}

impl Refusal {
    /// The code the sign-in screen is told (API.md's error codes).
    pub fn code(self) -> &'static str {
        match self {
            Self::NotLinked => "not_linked",
            Self::Disabled => "account_disabled",
        }
    }
}

/// Which account the provider's identity opens.
///
/// - A link holds while its account stays in the provider's organisation:
///   one organisation's provider never opens another's accounts.
/// - A first sign-in links by claim only where the provider is set to, and
///   an email only once the provider says it verified it.
/// - An account already linked to another identity is not taken over by a
///   second one with the same name (a renamed or recreated person at the
///   provider): the admin unlinks first.
/// - Admins and auditors are never linked by a claim: whoever controls the
///   provider's names would hold the deployment's keys and its log.
pub fn opens(
    provider: Provider,
    linked: Option<Account>,
    named: Option<Named>,
    email_verified: bool,
) -> Result<Opens, Refusal> {
    let own = |a: &Account| a.organization == Some(provider.organization);
    if let Some(a) = linked {
        if !own(&a) {
            return Err(Refusal::NotLinked);
        }
        return if a.disabled {
            Err(Refusal::Disabled)
        } else {
            Ok(Opens::Linked(a.user))
        };
    }
    let Some(by) = provider.link_by else {
        return Err(Refusal::NotLinked);
    };
    if by == LinkClaim::Email && !email_verified {
        return Err(Refusal::NotLinked);
    }
    let Some(Named {
        account,
        linked_elsewhere,
    }) = named
    else {
        return Err(Refusal::NotLinked);
    };
    if linked_elsewhere || !own(&account) || matches!(account.role, Role::Admin | Role::Auditor) {
        return Err(Refusal::NotLinked);
    }
    if account.disabled {
        return Err(Refusal::Disabled);
    }
    Ok(Opens::LinkNow(account.user))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: Uuid = Uuid::from_u128(1);
    const OTHER: Uuid = Uuid::from_u128(2);
    const USER: UserId = UserId(Uuid::from_u128(10));

    fn account(role: Role, org: Uuid, disabled: bool) -> Account {
        Account {
            user: USER,
            role,
            organization: Some(org),
            disabled,
        }
    }

    fn named(role: Role, org: Uuid, disabled: bool, elsewhere: bool) -> Option<Named> {
        Some(Named {
            account: account(role, org, disabled),
            linked_elsewhere: elsewhere,
        })
    }

    /// What it is, how the provider links, the linked account, the named
    /// one, whether the email was verified, and the verdict.
    type Case = (
        &'static str,
        Option<LinkClaim>,
        Option<Account>,
        Option<Named>,
        bool,
        Result<Opens, Refusal>,
    );

    #[test]
    fn which_account_an_identity_opens() {
        use LinkClaim::{Email, PreferredUsername as Name};
        use Refusal::{Disabled, NotLinked};
        let officer = account(Role::Sro, ORG, false);
        #[rustfmt::skip]
        let cases: Vec<Case> = vec![
            ("a link opens its account", None, Some(officer), None, false, Ok(Opens::Linked(USER))),
            ("a link opens an admin too (the shell made it)", None, Some(account(Role::Admin, ORG, false)), None, false, Ok(Opens::Linked(USER))),
            ("a linked account that is disabled", None, Some(account(Role::Sro, ORG, true)), None, false, Err(Disabled)),
            ("a linked account moved to another organisation", Some(Name), Some(account(Role::Sro, OTHER, false)), named(Role::Sro, ORG, false, false), false, Err(NotLinked)),
            ("no link, and the provider links none", None, None, named(Role::Sro, ORG, false, false), true, Err(NotLinked)),
            ("first sign-in by name", Some(Name), None, named(Role::Sro, ORG, false, false), false, Ok(Opens::LinkNow(USER))),
            ("first sign-in by a verified email", Some(Email), None, named(Role::Analyst, ORG, false, false), true, Ok(Opens::LinkNow(USER))),
            ("an email the provider did not verify", Some(Email), None, named(Role::Sro, ORG, false, false), false, Err(NotLinked)),
            ("no account has that name", Some(Name), None, None, true, Err(NotLinked)),
            ("the named account is another organisation's", Some(Name), None, named(Role::Sro, OTHER, false, false), false, Err(NotLinked)),
            ("the named account has another identity here", Some(Name), None, named(Role::Sro, ORG, false, true), false, Err(NotLinked)),
            ("an admin is never linked by a claim", Some(Name), None, named(Role::Admin, ORG, false, false), false, Err(NotLinked)),
            ("an auditor is never linked by a claim", Some(Name), None, named(Role::Auditor, ORG, false, false), false, Err(NotLinked)),
            ("a disabled account is not linked", Some(Name), None, named(Role::Supervisor, ORG, true, false), false, Err(Disabled)),
        ];
        for (what, link_by, linked, named, verified, want) in cases {
            let provider = Provider {
                organization: ORG,
                link_by,
            };
            assert_eq!(opens(provider, linked, named, verified), want, "{what}");
        }
    }

    #[test]
    fn refusals_have_the_contract_codes() {
        assert_eq!(Refusal::NotLinked.code(), "not_linked");
        assert_eq!(Refusal::Disabled.code(), "account_disabled");
    }
}
