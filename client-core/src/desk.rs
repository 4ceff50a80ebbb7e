//! Which desk views a role may open, derived from the policy (issue 17): the
//! app's menu follows the caller's grants instead of a table of its own.

use crate::access::{Action, Policy};
use crate::closed_set;
use crate::vocabulary::Role;

closed_set!(
    /// A desk screen of the app.
    DeskView {
        /// The supervisor's review queue.
        Queue = "queue",
        /// The over-calling view.
        Overcalling = "overcalling",
        /// The SRO activity profile of a school (`activity`).
        Activity = "activity",
        /// The analyst's reports.
        Report = "report",
        /// The auditor's access log.
        Audit = "audit",
        /// The admin's directory: users, assignments, schools, organisations.
        Directory = "directory",
        /// Complaints and feedback from the public.
        Complaints = "complaints",
        /// The agreements (MOUs) between the agency and the district.
        Agreements = "agreements",
        /// The annual program assessment.
        Assessment = "assessment",
        /// The training register of the officers whose training one keeps.
        Training = "training",
    }
);

impl DeskView {
    /// The grant that opens this view.
    pub const fn needs(self) -> Action {
        match self {
            Self::Queue => Action::RunReviewQueue,
            // The same people, for the same schools: it counts the same
            // record columns.
            Self::Overcalling | Self::Activity => Action::ReadOvercalling,
            Self::Report => Action::ReadReport,
            Self::Audit => Action::ReadAuditLog,
            Self::Directory => Action::ManageDirectory,
            Self::Complaints => Action::InvestigateComplaints,
            Self::Agreements => Action::ManageAgreements,
            Self::Assessment => Action::ReadAssessment,
            // Who keeps an officer's register: reading alone (an officer's
            // own, command staff's) is the queue's officer lines and the API.
            Self::Training => Action::RecordTraining,
        }
    }
}

/// Every action `role` holds some grant for, in the policy's order.
pub fn granted(policy: &Policy, role: Role) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| !policy.scopes(role, *a).is_empty())
        .collect()
}

/// The desk views `role` may open, in menu order.
pub fn views(policy: &Policy, role: Role) -> Vec<DeskView> {
    DeskView::ALL
        .iter()
        .copied()
        .filter(|v| !policy.scopes(role, v.needs()).is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeskView::*;

    #[test]
    fn each_role_s_views_under_the_federal_default() {
        let p = Policy::federal_default();
        let cases: [(Role, &[DeskView]); 7] = [
            (Role::Sro, &[]),
            (
                Role::Supervisor,
                &[Queue, Overcalling, Activity, Complaints, Training],
            ),
            (Role::SchoolLeader, &[Overcalling, Activity]),
            (Role::Analyst, &[Report, Assessment]),
            (Role::Admin, &[Directory, Agreements, Training]),
            (Role::Auditor, &[Audit]),
            (Role::Commander, &[Complaints, Assessment]),
        ];
        for (role, want) in cases {
            assert_eq!(views(&p, role), want, "{role}");
        }
        assert!(granted(&p, Role::Auditor) == vec![Action::ReadAuditLog]);
    }
}
