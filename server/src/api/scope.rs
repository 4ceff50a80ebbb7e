//! What the aggregate views (the review queue, the over-calling view) may
//! cover: the grant of the view itself, and whose records the caller may
//! read, both straight from the policy.

use super::error::ApiError;
use client_core::access::{Action, Actor, Policy};
use client_core::reach::Reach;
use client_core::{SchoolId, Timestamp, UserId};
use std::collections::BTreeSet;

/// 403 for a role with no grant of `action` at all.
pub fn require_grant(policy: &Policy, actor: &Actor, action: Action) -> Result<(), ApiError> {
    require_any_grant(policy, actor, &[action])
}

/// 403 for a role with no grant of any of `actions`.
pub fn require_any_grant(
    policy: &Policy,
    actor: &Actor,
    actions: &[Action],
) -> Result<(), ApiError> {
    if actions
        .iter()
        .all(|a| policy.scopes(actor.role, *a).is_empty())
    {
        Err(ApiError::Forbidden)
    } else {
        Ok(())
    }
}

/// Whose records the caller may read (`Action::ReadRecord`).
pub struct Readable {
    pub officers: BTreeSet<UserId>,
    pub schools: BTreeSet<SchoolId>,
    pub everywhere: bool,
}

impl Readable {
    pub fn of(policy: &Policy, actor: &Actor) -> Self {
        let mut r = Self {
            officers: BTreeSet::new(),
            schools: BTreeSet::new(),
            everywhere: false,
        };
        for reach in client_core::reach::reach(policy, actor, Action::ReadRecord) {
            match reach {
                Reach::Officers(ids) => r.officers.extend(ids),
                Reach::Schools(ids) => r.schools.extend(ids),
                Reach::Everywhere => r.everywhere = true,
            }
        }
        r
    }

    /// Whose records the aggregate views (over-calling, activity) count:
    /// a leader's own schools, a supervisor's own officers, as DOMAIN.md
    /// section 3 gives those views, whatever an agreement leaves of
    /// row-level reads (an MOU may withhold records from the school and
    /// keep the over-calling view); everywhere only for a role that reads
    /// records everywhere.
    pub fn counted(policy: &Policy, actor: &Actor) -> Self {
        Self {
            officers: actor.supervises.iter().copied().collect(),
            schools: actor.schools.iter().copied().collect(),
            everywhere: Self::of(policy, actor).everywhere,
        }
    }

    /// Whether every record of `officer` is readable.
    pub fn officer(&self, officer: UserId) -> bool {
        self.everywhere || self.officers.contains(&officer)
    }
}

/// A query time: RFC 3339, or YYYY-MM-DD for midnight UTC; a bad one is
/// refused naming `field`.
pub fn parse_time(field: &str, v: &str) -> Result<Timestamp, ApiError> {
    Timestamp::parse(v)
        .or_else(|| Timestamp::parse(&format!("{v}T00:00:00Z")))
        .ok_or_else(|| ApiError::Field {
            code: "invalid_field",
            field: field.into(),
            message: format!("{v:?} is not a date (YYYY-MM-DD) or an RFC 3339 time"),
        })
}
