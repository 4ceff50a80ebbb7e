//! The access policy: one pure function, `decide`, over a table of grants.
//!
//! DOMAIN.md section 3 is the default table. An agency whose agreement (MOU)
//! says otherwise replaces the table (it is serde data), not the code. The
//! server's SQL scoping is derived from the same table (see `Scope`), and a
//! test checks that the two agree.

use crate::closed_set;
use crate::ids::{SchoolId, UserId};
use crate::vocabulary::{Role, Source, Status};
use serde::{Deserialize, Serialize};

closed_set!(
    /// The three documents a record is partitioned into, by audience.
    DocKind {
        /// The officer's account of events, with perceived demographics.
        Account = "account",
        /// Values the supervisor may not see: school-record values and SOGI.
        Restricted = "restricted",
        /// The supervisor's reviews.
        Review = "review",
    }
);

closed_set!(
    /// Everything someone may try to do.
    Action {
        CreateRecord = "create_record",
        ReadRecord = "read_record",
        ListRecords = "list_records",
        SyncReadAccount = "sync_read_account",
        SyncWriteAccount = "sync_write_account",
        SyncReadRestricted = "sync_read_restricted",
        SyncWriteRestricted = "sync_write_restricted",
        SyncReadReview = "sync_read_review",
        SyncWriteReview = "sync_write_review",
        WriteReview = "write_review",
        RunReviewQueue = "run_review_queue",
        ReadOvercalling = "read_overcalling",
        ReadReport = "read_report",
        ConfigureReviewPeriods = "configure_review_periods",
        RecordReviewMeeting = "record_review_meeting",
        ReadAuditLog = "read_audit_log",
        ManageDirectory = "manage_directory",
        /// Take values out of every copy of a record's history (`redaction`).
        RedactRecord = "redact_record",
        /// Take in, assign and close complaints, and read them all
        /// (`complaint::workflow` narrows it to the caller's agency).
        ManageComplaints = "manage_complaints",
        /// Be assigned complaints to investigate, and read those.
        InvestigateComplaints = "investigate_complaints",
        /// Read an officer's training register and standing (issue 21).
        ReadTraining = "read_training",
        /// Add to an officer's training register.
        RecordTraining = "record_training",
        /// Register and remove webhooks, and read their deliveries.
        ManageWebhooks = "manage_webhooks",
        /// Record the agreements (MOUs) between an agency and a district,
        /// and read them (`agreement`).
        ManageAgreements = "manage_agreements",
        /// Read the annual program assessment of one's organisation
        /// (`assessment`).
        ReadAssessment = "read_assessment",
    }
);

impl Action {
    pub const fn sync_read(kind: DocKind) -> Self {
        match kind {
            DocKind::Account => Self::SyncReadAccount,
            DocKind::Restricted => Self::SyncReadRestricted,
            DocKind::Review => Self::SyncReadReview,
        }
    }
    pub const fn sync_write(kind: DocKind) -> Self {
        match kind {
            DocKind::Account => Self::SyncWriteAccount,
            DocKind::Restricted => Self::SyncWriteRestricted,
            DocKind::Review => Self::SyncWriteReview,
        }
    }
    /// Actions about one record, as opposed to about the whole district.
    pub const fn is_about_a_record(self) -> bool {
        !matches!(
            self,
            Self::RunReviewQueue
                | Self::ReadReport
                | Self::ConfigureReviewPeriods
                | Self::RecordReviewMeeting
                | Self::ReadAuditLog
                | Self::ManageDirectory
                | Self::ListRecords
                | Self::ReadOvercalling
                | Self::ManageComplaints
                | Self::InvestigateComplaints
                // About an officer, not a record: refused as 403 whoever it is.
                | Self::ReadTraining
                | Self::RecordTraining
                | Self::ManageWebhooks
                | Self::ManageAgreements
                | Self::ReadAssessment
        )
    }
}

closed_set!(
    /// How an actor must relate to a record for a grant to apply.
    Scope {
        /// The actor wrote the record.
        OwnRecord = "own_record",
        /// The record's officer is one the actor supervises.
        SupervisedOfficer = "supervised_officer",
        /// The record's school is one the actor is assigned to.
        AssignedSchool = "assigned_school",
        /// No relation needed (district-wide actions).
        Anywhere = "anywhere",
    }
);

closed_set!(
    /// How much of a record a role sees when it may read one.
    View {
        /// Everything, including school-record values and SOGI.
        Full = "full",
        /// No school-record values, no SOGI, nothing derived from them.
        Supervisor = "supervisor",
        /// Students pseudonymised, no demographics, no narrative.
        Pseudonymised = "pseudonymised",
    }
);

impl View {
    /// Whether this view shows everything `other` shows: each view is the
    /// one before it with less taken out (Full, Supervisor, Pseudonymised).
    pub fn shows_at_least(self, other: View) -> bool {
        let rank = |v: View| match v {
            View::Pseudonymised => 0,
            View::Supervisor => 1,
            View::Full => 2,
        };
        rank(self) >= rank(other)
    }

    /// The student-value sources this view may contain.
    pub fn sources(self) -> &'static [Source] {
        match self {
            View::Full => &[
                Source::Perceived,
                Source::SchoolRecord,
                Source::SelfReported,
            ],
            View::Supervisor => &[Source::Perceived],
            View::Pseudonymised => &[],
        }
    }
}

/// One line of the policy table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Grant {
    pub role: Role,
    pub action: Action,
    pub scope: Scope,
}

/// The policy: grants plus which view each role reads records through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Policy {
    pub grants: Vec<Grant>,
    pub views: Vec<(Role, View)>,
}

/// Who is asking. Built by the server from the token and the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub role: Role,
    pub schools: Vec<SchoolId>,
    pub supervises: Vec<UserId>,
}

/// What the policy needs to know about a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordFacts {
    pub officer: UserId,
    pub school: SchoolId,
}

/// The answer, with the status a server should use when refusing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The actor may know the record exists but may not do this (403).
    Forbidden,
    /// The actor may not even learn that the record exists (404).
    Hidden,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

impl Scope {
    fn holds(self, actor: &Actor, facts: Option<&RecordFacts>) -> bool {
        match (self, facts) {
            (Scope::Anywhere, _) => true,
            (_, None) => false,
            (Scope::OwnRecord, Some(f)) => f.officer == actor.user,
            (Scope::SupervisedOfficer, Some(f)) => actor.supervises.contains(&f.officer),
            (Scope::AssignedSchool, Some(f)) => actor.schools.contains(&f.school),
        }
    }
}

impl Policy {
    /// DOMAIN.md section 3.
    pub fn federal_default() -> Self {
        use Action::*;
        use Role::*;
        use Scope::*;
        let g = |role, action, scope| Grant {
            role,
            action,
            scope,
        };
        Self {
            grants: vec![
                g(Sro, CreateRecord, AssignedSchool),
                g(Sro, ReadRecord, OwnRecord),
                g(Sro, ListRecords, Anywhere),
                g(Sro, SyncReadAccount, OwnRecord),
                g(Sro, SyncWriteAccount, OwnRecord),
                g(Sro, SyncReadRestricted, OwnRecord),
                g(Sro, SyncWriteRestricted, OwnRecord),
                g(Sro, SyncReadReview, OwnRecord),
                g(Sro, RedactRecord, OwnRecord),
                g(Supervisor, ReadRecord, SupervisedOfficer),
                g(Supervisor, ListRecords, Anywhere),
                g(Supervisor, SyncReadAccount, SupervisedOfficer),
                g(Supervisor, SyncReadReview, SupervisedOfficer),
                g(Supervisor, SyncWriteReview, SupervisedOfficer),
                g(Supervisor, WriteReview, SupervisedOfficer),
                g(Supervisor, RunReviewQueue, Anywhere),
                g(Supervisor, ReadOvercalling, Anywhere),
                g(Supervisor, RecordReviewMeeting, Anywhere),
                g(SchoolLeader, ReadRecord, AssignedSchool),
                g(SchoolLeader, ListRecords, Anywhere),
                g(SchoolLeader, ReadOvercalling, Anywhere),
                g(Analyst, ReadReport, Anywhere),
                g(Admin, ManageDirectory, Anywhere),
                g(Admin, ConfigureReviewPeriods, Anywhere),
                g(Admin, RedactRecord, Anywhere),
                g(Auditor, ReadAuditLog, Anywhere),
                // Complaints (issue 21): command staff handle them and may
                // investigate; a supervisor may be given one to investigate.
                g(Commander, ManageComplaints, Anywhere),
                g(Commander, InvestigateComplaints, Anywhere),
                g(Supervisor, InvestigateComplaints, Anywhere),
                // Training (issue 21): an officer reads their own; their
                // supervisor reads and records theirs; command staff read
                // and the admin keeps the agency's (both within their own
                // organisation, `training::may`).
                g(Sro, ReadTraining, OwnRecord),
                g(Supervisor, ReadTraining, SupervisedOfficer),
                g(Supervisor, RecordTraining, SupervisedOfficer),
                g(Commander, ReadTraining, Anywhere),
                g(Admin, ReadTraining, Anywhere),
                g(Admin, RecordTraining, Anywhere),
                // Webhooks (issue 21): the admin's, for their organisation.
                g(Admin, ManageWebhooks, Anywhere),
                // Agreements (issue 21): the admin of either party records
                // them (`agreement::may_record`).
                g(Admin, ManageAgreements, Anywhere),
                // The annual assessment (issue 21; 003 p10): for command
                // staff and the district.
                g(Commander, ReadAssessment, Anywhere),
                g(Analyst, ReadAssessment, Anywhere),
            ],
            views: vec![
                (Sro, View::Full),
                (Supervisor, View::Supervisor),
                (SchoolLeader, View::Pseudonymised),
            ],
        }
    }

    /// The scopes under which `role` may do `action`; an empty list means never.
    /// List queries turn these into SQL `WHERE` clauses.
    pub fn scopes(&self, role: Role, action: Action) -> Vec<Scope> {
        self.grants
            .iter()
            .filter(|g| g.role == role && g.action == action)
            .map(|g| g.scope)
            .collect()
    }

    fn grants(&self, actor: &Actor, facts: Option<&RecordFacts>, action: Action) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == actor.role && g.action == action && g.scope.holds(actor, facts))
    }

    /// May `actor` do `action` (to the record described by `facts`, if any)?
    ///
    /// A refusal is `Hidden` when the actor may not read the record either,
    /// so that a 404 does not confirm the record exists.
    pub fn decide(&self, actor: &Actor, facts: Option<&RecordFacts>, action: Action) -> Decision {
        if self.grants(actor, facts, action) {
            return Decision::Allow;
        }
        match facts {
            Some(_) if action.is_about_a_record() => {
                if self.grants(actor, facts, Action::ReadRecord) {
                    Decision::Forbidden
                } else {
                    Decision::Hidden
                }
            }
            _ => Decision::Forbidden,
        }
    }

    /// The view through which `actor` reads this record, if at all.
    pub fn view(&self, actor: &Actor, facts: &RecordFacts) -> Option<View> {
        if !self.grants(actor, Some(facts), Action::ReadRecord) {
            return None;
        }
        self.views
            .iter()
            .find(|(r, _)| *r == actor.role)
            .map(|(_, v)| *v)
    }

    /// `view`, for a record in `status`: a draft is never shown to a
    /// pseudonymised reader (DOMAIN.md section 3: a school leader may not
    /// "see drafts"); the officer's own view of it is untouched.
    pub fn view_in_status(
        &self,
        actor: &Actor,
        facts: &RecordFacts,
        status: Status,
    ) -> Option<View> {
        self.view(actor, facts)
            .filter(|v| status == Status::Submitted || *v != View::Pseudonymised)
    }

    /// Whether this table grants nothing `ceiling` does not, and shows no
    /// role more of a record than `ceiling` does.
    pub fn is_within(&self, ceiling: &Policy) -> bool {
        self.grants.iter().all(|g| ceiling.grants.contains(g))
            && self.views.iter().all(|(role, view)| {
                ceiling
                    .views
                    .iter()
                    .any(|(r, v)| r == role && v.shows_at_least(*view))
            })
    }

    /// What both tables allow: the grants they share, and for each role the
    /// narrower of its two views (none if either has none).
    pub fn meet(&self, other: &Policy) -> Policy {
        let grants = self
            .grants
            .iter()
            .filter(|g| other.grants.contains(g))
            .copied()
            .collect();
        let views = self
            .views
            .iter()
            .filter_map(|(role, mine)| {
                let theirs = other.views.iter().find(|(r, _)| r == role)?.1;
                Some((
                    *role,
                    if mine.shows_at_least(theirs) {
                        theirs
                    } else {
                        *mine
                    },
                ))
            })
            .collect();
        Policy { grants, views }
    }

    /// The documents of a record that `actor` may receive by sync.
    pub fn readable_docs(&self, actor: &Actor, facts: &RecordFacts) -> Vec<DocKind> {
        DocKind::ALL
            .iter()
            .copied()
            .filter(|k| self.grants(actor, Some(facts), Action::sync_read(*k)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_school_leader_never_sees_a_draft() {
        let policy = Policy::federal_default();
        let school = SchoolId::from_u128(5);
        let officer = UserId::from_u128(1);
        let facts = RecordFacts { officer, school };
        let actor = |user: u128, role: Role| Actor {
            user: UserId::from_u128(user),
            role,
            schools: vec![school],
            supervises: vec![officer],
        };
        // who, status, the view they get.
        let cases = [
            (actor(1, Role::Sro), Status::Draft, Some(View::Full)),
            (actor(1, Role::Sro), Status::Submitted, Some(View::Full)),
            (actor(9, Role::SchoolLeader), Status::Draft, None),
            (
                actor(9, Role::SchoolLeader),
                Status::Submitted,
                Some(View::Pseudonymised),
            ),
        ];
        for (who, status, want) in cases {
            assert_eq!(
                policy.view_in_status(&who, &facts, status),
                want,
                "{:?} {status}",
                who.role
            );
        }
    }
}
