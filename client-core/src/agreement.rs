//! Agreements (MOUs, issue 21; 003 p2): the memorandum between an agency
//! and a district, its annual review, where the public reads it, and the
//! access policy table it binds.
//!
//! DOMAIN.md section 3's table is what federal guidance allows; an agreement
//! may share less, never more (`Policy::is_within`), so an MOU can take a
//! role's reads away but cannot, say, hand supervisors school-record values
//! (34 CFR 99.33) or sync a document to a role it was partitioned away from.
//! Nor may it take away what keeps the program accountable: the admin's
//! directory and agreements (or nobody could ever replace it) and the
//! auditor's access log (`KEPT`).
//!
//! An agreement binds once both parties have signed it: the admin who
//! records it signs for their organisation, and it waits for the other
//! party's admin (`may_sign`), so neither side can narrow, or undo, what the
//! other agreed to alone. Nor may a table sync a document to a role that
//! may not read all of it (`check`: a phone shows what it holds).
//!
//! What is kept is the agreement's terms, what it withholds from the
//! federal table and the views it sets (`Terms`), not the whole table: a
//! grant the federal table gains later, with a new feature, is not withheld
//! by agreements that never spoke of it.
//!
//! Which table applies to a user: every pair without an agreement in force
//! keeps the federal default, and a user works under the meet of the
//! agreements in force that their organisation is a party to
//! (`policy_for`). A leader of a district served by two agencies, one of
//! whose MOUs withholds row-level reads, thus loses them for both: the
//! narrower reading, until the policy can be chosen per record.

use crate::access::{Action, DocKind, Grant, Policy, View};
use crate::fields::{FIELDS, Treatment};
use crate::vocabulary::Role;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

/// Grants no agreement may take away.
pub const KEPT: &[(Role, Action)] = &[
    (Role::Admin, Action::ManageDirectory),
    (Role::Admin, Action::ManageAgreements),
    (Role::Auditor, Action::ReadAuditLog),
];

/// The federal grants an agreement may withhold: all but `KEPT` (what the
/// agreements screen offers).
pub fn withholdable() -> Vec<Grant> {
    Policy::federal_default()
        .grants
        .into_iter()
        .filter(|g| !KEPT.contains(&(g.role, g.action)))
        .collect()
}

/// The longest an agreement may go between reviews: 003 p2 asks the
/// district to review it "on an annual basis" (a leap year's worth).
pub const REVIEW_WITHIN_DAYS: u64 = 366;

/// What an agreement changes of the federal table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    /// Federal grants it withholds.
    pub withheld: Vec<Grant>,
    /// The view each role reads records through (a role left out has none).
    pub views: Vec<(Role, View)>,
}

impl Terms {
    /// The terms of a table (already `check`ed: within the federal one).
    pub fn of(policy: &Policy) -> Self {
        Self {
            withheld: Policy::federal_default()
                .grants
                .into_iter()
                .filter(|g| !policy.grants.contains(g))
                .collect(),
            views: policy.views.clone(),
        }
    }

    /// The table these terms leave of today's federal one.
    pub fn policy(&self) -> Policy {
        let mut p = Policy::federal_default();
        p.grants.retain(|g| !self.withheld.contains(g));
        p.views = self.views.clone();
        p
    }
}

/// An agreement as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub id: Uuid,
    pub agency: Uuid,
    pub district: Uuid,
    pub effective_from: NaiveDate,
    pub review_by: NaiveDate,
    pub published_url: String,
    pub terms: Terms,
    /// When it was recorded (milliseconds).
    pub recorded_at: i64,
    /// When each party's admin signed it (milliseconds); it binds once both
    /// have.
    pub agency_signed_at: Option<i64>,
    pub district_signed_at: Option<i64>,
}

impl Agreement {
    /// When the second party signed; `None` while it waits for one.
    pub fn signed_at(&self) -> Option<i64> {
        Some(self.agency_signed_at?.max(self.district_signed_at?))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum AgreementProblem {
    #[error("the review is due after the agreement takes effect")]
    ReviewBeforeEffect,
    #[error(
        "an agreement is reviewed every year: review_by at most {REVIEW_WITHIN_DAYS} days after effective_from"
    )]
    ReviewTooLate,
    #[error("the public copy's address must be an https:// URL")]
    Url,
    #[error("an agreement may share less than the federal default, never more: {0}")]
    Widens(String),
    #[error("no agreement may take away {0}")]
    TakesAway(String),
    #[error("{0}")]
    Incoherent(String),
}

impl AgreementProblem {
    /// The request field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::ReviewBeforeEffect | Self::ReviewTooLate => "review_by",
            Self::Url => "published_url",
            Self::Widens(_) | Self::TakesAway(_) | Self::Incoherent(_) => "policy",
        }
    }
}

/// Whether an agreement may be recorded as given.
pub fn check(
    effective_from: NaiveDate,
    review_by: NaiveDate,
    published_url: &str,
    policy: &Policy,
) -> Result<(), AgreementProblem> {
    if review_by <= effective_from {
        return Err(AgreementProblem::ReviewBeforeEffect);
    }
    if effective_from
        .checked_add_days(Days::new(REVIEW_WITHIN_DAYS))
        .is_some_and(|latest| review_by > latest)
    {
        return Err(AgreementProblem::ReviewTooLate);
    }
    let url = published_url.trim();
    let host = url.strip_prefix("https://").unwrap_or_default();
    if host.is_empty()
        || host.starts_with('/')
        || url.len() > 2_000
        || url.contains(|c: char| c.is_whitespace() || c.is_control())
    {
        return Err(AgreementProblem::Url);
    }
    let ceiling = Policy::federal_default();
    if let Some(g) = policy.grants.iter().find(|g| !ceiling.grants.contains(g)) {
        return Err(AgreementProblem::Widens(format!(
            "{} {} ({})",
            g.role, g.action, g.scope
        )));
    }
    if !policy.is_within(&ceiling) {
        return Err(AgreementProblem::Widens("a role's view of a record".into()));
    }
    if let Some((role, action)) = KEPT
        .iter()
        .find(|(role, action)| policy.scopes(*role, *action).is_empty())
    {
        return Err(AgreementProblem::TakesAway(format!("{role} {action}")));
    }
    coherent(policy).map_err(AgreementProblem::Incoherent)
}

/// Whether `view` shows every field a document of `kind` can carry.
pub fn shows_in_full(view: View, kind: DocKind) -> bool {
    FIELDS
        .iter()
        .filter(|f| f.doc == kind)
        .all(|f| view.treats(f.kind) == Treatment::Shown)
}

/// A document syncs to a role only where the role may read the record, by
/// the same scope, through a view that shows all of it (a phone shows what
/// it holds); a role writes by sync only what it may pull; and what the
/// JSON endpoints write goes into documents the same way (a review into the
/// review document, a new record into its author's account).
pub fn coherent(policy: &Policy) -> Result<(), String> {
    let needs = [
        (Action::WriteReview, Action::SyncWriteReview, None),
        (
            Action::CreateRecord,
            Action::SyncWriteAccount,
            Some(crate::access::Scope::OwnRecord),
        ),
    ];
    for g in &policy.grants {
        for (action, needed, scope) in needs {
            if g.action == action
                && !policy.grants.contains(&Grant {
                    action: needed,
                    scope: scope.unwrap_or(g.scope),
                    ..*g
                })
            {
                return Err(format!(
                    "a {} given {} ({}) must also hold {needed}",
                    g.role, g.action, g.scope
                ));
            }
        }
        for kind in DocKind::ALL {
            if g.action == Action::sync_read(*kind) {
                let reads = policy.grants.contains(&Grant {
                    action: Action::ReadRecord,
                    ..*g
                });
                let view = policy
                    .views
                    .iter()
                    .find(|(r, _)| *r == g.role)
                    .map(|(_, v)| *v);
                if !reads || !view.is_some_and(|v| shows_in_full(v, *kind)) {
                    return Err(format!(
                        "a {} given {} ({}) must read records by that scope, through a view that shows every field of the {kind} document",
                        g.role, g.action, g.scope
                    ));
                }
            }
            if g.action == Action::sync_write(*kind)
                && !policy.grants.contains(&Grant {
                    action: Action::sync_read(*kind),
                    ..*g
                })
            {
                return Err(format!(
                    "a {} given {} ({}) must pull what it writes",
                    g.role, g.action, g.scope
                ));
            }
        }
    }
    Ok(())
}

/// Whether an admin of `admin` (none: the deployment's own) may record or
/// read an agreement between `agency` and `district`: one of the parties'.
pub fn may_record(admin: Option<Uuid>, agency: Uuid, district: Uuid) -> bool {
    admin.is_none_or(|a| a == agency || a == district)
}

/// The party an admin of `admin` signs `agreement` for: their own, if it is
/// a party that has not signed yet. The deployment's own admin signs for
/// no one: the parties agree, not the operator. Nor does an account the
/// other party vouches for (`vouched_by`: the organisation whose admin made
/// it, or made the admin who made it, when not its own): an agency admin
/// who made a district's first admin knows its password, and would sign
/// for both.
pub fn may_sign(
    admin: Option<Uuid>,
    vouched_by: Option<Uuid>,
    agreement: &Agreement,
) -> Option<crate::directory::OrgKind> {
    use crate::directory::OrgKind;
    let admin = admin?;
    if vouched_by.is_some_and(|v| v != admin) {
        return None;
    }
    if admin == agreement.agency && agreement.agency_signed_at.is_none() {
        Some(OrgKind::Agency)
    } else if admin == agreement.district && agreement.district_signed_at.is_none() {
        Some(OrgKind::District)
    } else {
        None
    }
}

/// The agreement in force between each pair on `today`: of those both
/// parties signed that take effect by then, the latest to take effect (then
/// the latest signed).
pub fn in_force(agreements: &[Agreement], today: NaiveDate) -> Vec<&Agreement> {
    let mut newest: Vec<&Agreement> = Vec::new();
    for a in agreements
        .iter()
        .filter(|a| a.effective_from <= today && a.signed_at().is_some())
    {
        let key = |x: &Agreement| (x.effective_from, x.signed_at(), x.id);
        match newest
            .iter_mut()
            .find(|n| (n.agency, n.district) == (a.agency, a.district))
        {
            Some(n) if key(n) < key(a) => *n = a,
            Some(_) => {}
            None => newest.push(a),
        }
    }
    newest
}

/// Whom a new account of `org` is vouched for by, made by an admin of
/// `maker_org` whose own account is vouched for by `maker_vouched_by`: no
/// one for the operator's (no organisation) or an organisation's own; else
/// the maker's organisation, which an admin it made passes on to every
/// account it makes in turn.
pub fn vouched_by(
    org: Uuid,
    maker_org: Option<Uuid>,
    maker_vouched_by: Option<Uuid>,
) -> Option<Uuid> {
    match maker_org {
        None => None,
        Some(m) if m == org => maker_vouched_by,
        Some(m) => Some(m),
    }
}

/// The table a member of `org` (none: the deployment's own staff) works
/// under on `today`: the meet of the agreements in force that `org` is a
/// party to, or the federal default where there is none.
pub fn policy_for(agreements: &[Agreement], org: Option<Uuid>, today: NaiveDate) -> Policy {
    let Some(org) = org else {
        return Policy::federal_default();
    };
    in_force(agreements, today)
        .into_iter()
        .filter(|a| a.agency == org || a.district == org)
        .fold(Policy::federal_default(), |p, a| p.meet(&a.terms.policy()))
}

/// Whether `agreement` is in force on `today` with its review past due:
/// flagged to the admins until a reviewed agreement replaces it.
pub fn review_overdue(agreements: &[Agreement], agreement: &Agreement, today: NaiveDate) -> bool {
    agreement.review_by < today
        && in_force(agreements, today)
            .iter()
            .any(|a| a.id == agreement.id)
}

#[cfg(test)]
mod tests;
