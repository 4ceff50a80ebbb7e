//! Signing in through an agency's or district's identity provider (issue 18,
//! OpenID Connect): which Fieldlog account an identity the provider vouched
//! for opens, and who may link one. The server verifies the provider's ID
//! token, loads the account the identity is linked to, asks [`opens`]; its
//! admin endpoints ask [`may_link`] and persist.
//!
//! An identity is the provider's `sub`, which never changes for a person;
//! names and addresses do, and at many providers a person can edit their
//! own. So a link is made by an admin (or from the shell), never from a
//! claim the provider passes on, and no account is ever created by a
//! sign-in (issue 18: "no account is created automatically unless an admin
//! allowed it").

use crate::ids::UserId;
use crate::vocabulary::Role;
use thiserror::Error;
use uuid::Uuid;

/// An account as the rules need it.
#[derive(Clone, Copy, Debug)]
pub struct Account {
    pub user: UserId,
    pub role: Role,
    pub organization: Option<Uuid>,
    pub disabled: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum Refusal {
    /// No account is linked: the admin links it. Also the answer for an
    /// account of another organisation (moved since it was linked).
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

/// Which account an identity at a provider of `provider_org` opens, given
/// the account it is linked to: one organisation's provider never opens
/// another's accounts, and a disabled account opens for no one.
pub fn opens(provider_org: Uuid, linked: Option<Account>) -> Result<UserId, Refusal> {
    let a = linked.ok_or(Refusal::NotLinked)?;
    if a.organization != Some(provider_org) {
        return Err(Refusal::NotLinked);
    }
    if a.disabled {
        return Err(Refusal::Disabled);
    }
    Ok(a.user)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum LinkRefusal {
    #[error("an admin does not link their own account: another admin confirms who asks")]
    OwnAccount,
    #[error(
        "an admin's or an auditor's account is linked from the deployment's shell (server user link)"
    )]
    Privileged,
    #[error("this identity provider signs in another organisation's users")]
    OtherOrganization,
}

/// Whether an admin of organisation `admin` (none: the deployment's own)
/// may link `target` to an identity at a provider of `provider_org`. A link
/// hands the account to whoever holds the identity, so, as a second
/// factor's reset: never one's own, and never an admin's or an auditor's
/// from an organisation admin (one admin could otherwise take over
/// another, or the log's reader); and only to the account's own
/// organisation's provider.
pub fn may_link(
    admin: Option<Uuid>,
    own_account: bool,
    target: Account,
    provider_org: Uuid,
) -> Result<(), LinkRefusal> {
    if own_account {
        return Err(LinkRefusal::OwnAccount);
    }
    if admin.is_some() && matches!(target.role, Role::Admin | Role::Auditor) {
        return Err(LinkRefusal::Privileged);
    }
    if target.organization != Some(provider_org) {
        return Err(LinkRefusal::OtherOrganization);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: Uuid = Uuid::from_u128(1);
    const OTHER: Uuid = Uuid::from_u128(2);
    const USER: UserId = UserId(Uuid::from_u128(10));

    fn account(role: Role, org: Option<Uuid>, disabled: bool) -> Account {
        Account {
            user: USER,
            role,
            organization: org,
            disabled,
        }
    }

    #[test]
    fn which_account_an_identity_opens() {
        use Refusal::{Disabled, NotLinked};
        #[rustfmt::skip]
        let cases = [
            ("a link opens its account", Some(account(Role::Sro, Some(ORG), false)), Ok(USER)),
            ("an admin's too (the shell linked it)", Some(account(Role::Admin, Some(ORG), false)), Ok(USER)),
            ("no link", None, Err(NotLinked)),
            ("a disabled account", Some(account(Role::Supervisor, Some(ORG), true)), Err(Disabled)),
            ("an account moved to another organisation", Some(account(Role::Sro, Some(OTHER), false)), Err(NotLinked)),
            ("moved, and disabled: says nothing of the other organisation", Some(account(Role::Sro, Some(OTHER), true)), Err(NotLinked)),
            ("the deployment's own staff", Some(account(Role::Auditor, None, false)), Err(NotLinked)),
        ];
        for (what, linked, want) in cases {
            assert_eq!(opens(ORG, linked), want, "{what}");
        }
    }

    #[test]
    fn who_may_link_an_identity() {
        use LinkRefusal::{OtherOrganization, OwnAccount, Privileged};
        #[rustfmt::skip]
        let cases = [
            ("an organisation admin links an officer", Some(ORG), false, account(Role::Sro, Some(ORG), false), ORG, Ok(())),
            ("a disabled one too (it opens nothing until enabled)", Some(ORG), false, account(Role::Analyst, Some(ORG), true), ORG, Ok(())),
            ("never their own account", Some(ORG), true, account(Role::Admin, Some(ORG), false), ORG, Err(OwnAccount)),
            ("nor the deployment's admin their own", None, true, account(Role::Admin, Some(ORG), false), ORG, Err(OwnAccount)),
            ("an organisation admin, another admin", Some(ORG), false, account(Role::Admin, Some(ORG), false), ORG, Err(Privileged)),
            ("an organisation admin, an auditor", Some(ORG), false, account(Role::Auditor, Some(ORG), false), ORG, Err(Privileged)),
            ("the deployment's admin, an organisation's admin", None, false, account(Role::Admin, Some(ORG), false), ORG, Ok(())),
            ("to another organisation's provider", Some(ORG), false, account(Role::Sro, Some(ORG), false), OTHER, Err(OtherOrganization)),
            ("an account of no organisation", None, false, account(Role::Auditor, None, false), ORG, Err(OtherOrganization)),
        ];
        for (what, admin, own, target, provider, want) in cases {
            assert_eq!(may_link(admin, own, target, provider), want, "{what}");
        }
    }

    #[test]
    fn refusals_have_the_contract_codes() {
        assert_eq!(Refusal::NotLinked.code(), "not_linked");
        assert_eq!(Refusal::Disabled.code(), "account_disabled");
    }
}
