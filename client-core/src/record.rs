//! The interaction record: DOMAIN.md section 2 as types, API.md's JSON as serde.
//!
//! `Record` is what an officer writes. What a reader gets back is a
//! [`crate::view::RecordView`]: the record plus computed flags, period and
//! reviews, redacted for the reader's role.

use crate::ids::{RecordId, SchoolId, StudentKey, UserId};
use crate::timestamp::Timestamp;
use crate::vocabulary::*;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

/// One SRO-student interaction (possibly several students).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Record {
    pub id: RecordId,
    pub school_id: SchoolId,
    /// The author. On the server it always comes from the token, never the body.
    #[serde(default = "nil_user")]
    pub officer_id: UserId,
    pub occurred_at: Timestamp,
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub initiated_by: Option<InitiatedBy>,
    #[serde(default)]
    pub request: Option<StaffRequest>,
    #[serde(default)]
    pub category: Option<Category>,
    #[serde(default)]
    pub would_warrant_911: Option<bool>,
    /// Details of the offense in the officer's words (required before
    /// rules version 2, which asks for the code instead).
    #[serde(default)]
    pub offense: Option<String>,
    /// The offense, coded (`offense`; rules version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offense_code: Option<crate::offense::OffenseCode>,
    /// The charge's severity in the state's law (rules version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offense_severity: Option<crate::offense::Severity>,
    #[serde(default)]
    pub sro_role: Option<SroRole>,
    #[serde(default)]
    pub students: Vec<Student>,
    #[serde(default)]
    pub deescalation: Vec<DeescalationStep>,
    #[serde(default)]
    pub actions: Vec<ActionTaken>,
    #[serde(default)]
    pub custody: Option<Custody>,
    /// The legal basis of each search and seizure (rules version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_basis: Option<SearchBasis>,
    /// Whether the student was questioned, and how (rules version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrogation: Option<Interrogation>,
    /// Charges filed or referred, and the court involvement (rules
    /// version 2, with an arrest, citation or court referral).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charges: Option<Charges>,
    /// With a transport: was the student placed in the vehicle out of
    /// peers' view (003 p4; rules version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_out_of_view: Option<RemovedFromView>,
    /// Why an entry made more than a day after the interaction came late
    /// (rules version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    #[serde(default = "draft")]
    pub status: Status,
    /// Set when the status first becomes `submitted`; late documentation is
    /// measured from `occurred_at` to this.
    #[serde(default)]
    pub submitted_at: Option<Timestamp>,
    /// Why a submitted record was changed, oldest first. Never shortened.
    #[serde(default)]
    pub amendments: Vec<Amendment>,
    /// The rules it was submitted under (`rules::version`), stamped at the
    /// first submission; absent on records from before versions (1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules_version: Option<u16>,
}

fn nil_user() -> UserId {
    UserId(uuid::Uuid::nil())
}
fn draft() -> Status {
    Status::Draft
}

/// What the requesting staff member asked for (required when school staff initiated).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StaffRequest {
    /// The school's own reference for the staff member, when given.
    #[serde(default)]
    pub staff_id: Option<String>,
    #[serde(default)]
    pub staff_role: Option<StaffRole>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub requested_at: Option<Timestamp>,
}

/// One student in the interaction. Values are grouped by source and never
/// derived from each other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Student {
    /// Links this student's restricted values (another document) to this entry.
    #[serde(default = "nil_student")]
    pub key: StudentKey,
    /// The local reference: student number or initials.
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<u8>,
    /// 0 is kindergarten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<u8>,
    /// The officer's own perception, as in state stop-data laws.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perceived: Option<Demographics>,
    /// Taken from the school's education records (FERPA-protected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school_record: Option<Demographics>,
    /// Sexual orientation and gender identity: only when the student volunteered them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sogi: Option<Sogi>,
}

fn nil_student() -> StudentKey {
    StudentKey(uuid::Uuid::nil())
}

/// Demographic values of one source. Any value may be absent (unknown).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Demographics {
    #[serde(default)]
    pub race: Vec<Race>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hispanic_latino: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disability: Option<Disability>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub english_learner: Option<EnglishLearner>,
}

impl Demographics {
    pub fn has_disability(&self) -> bool {
        matches!(
            self.disability,
            Some(Disability::Idea | Disability::Section504)
        )
    }
}

/// Sexual orientation and gender identity, as the student described them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Sogi {
    /// Must be true: the record says the student volunteered this (003 fn 8).
    pub self_reported: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sexual_orientation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender_identity: Option<String>,
}

/// One de-escalation step, in the order tried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DeescalationStep {
    pub technique: Technique,
    #[serde(default)]
    pub at: Option<Timestamp>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub effective: Option<bool>,
}

/// Why custody was necessary at school (003 principle 4).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Custody {
    #[serde(default)]
    pub basis: Option<String>,
    #[serde(default)]
    pub probable_cause: Option<String>,
    #[serde(default)]
    pub why_at_school: Option<String>,
    #[serde(default)]
    pub directed_by_administrator: Option<bool>,
    #[serde(default)]
    pub removed_from_public_view: Option<RemovedFromView>,
    #[serde(default)]
    pub duration_minutes: Option<u32>,
    #[serde(default)]
    pub guardian_notified_at: Option<Timestamp>,
    /// Why the guardian was not notified, when they were not (rules
    /// version 2 asks for the time or the reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardian_not_notified_reason: Option<String>,
    #[serde(default)]
    pub disability_modifications: Option<String>,
    /// The immediate serious risk of harm that justified skipping
    /// de-escalation, explained; `None` when no such risk is claimed.
    #[serde(default)]
    pub immediate_risk: Option<String>,
}

/// The legal basis of each search and seizure the record lists.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SearchBasis {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_person: Option<LegalBasis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_property: Option<LegalBasis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seizure: Option<LegalBasis>,
}

impl SearchBasis {
    /// The basis given for `action`; `None` for an action that is not a
    /// search or seizure.
    pub fn of(&self, action: ActionTaken) -> Option<LegalBasis> {
        match action {
            ActionTaken::SearchPerson => self.search_person,
            ActionTaken::SearchProperty => self.search_property,
            ActionTaken::Seizure => self.seizure,
            _ => None,
        }
    }
}

/// Whether the student was questioned about an offense (000 step 2 names
/// interrogations among the practices to collect data on).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Interrogation {
    pub questioned: bool,
    /// Whether the student was advised of their rights first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights_advised: Option<bool>,
    /// Whether a parent or guardian was present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardian_present: Option<bool>,
}

/// Charges filed or referred for charging, and what came of them in court
/// (003 p10 names misdemeanor-level court involvement as a warning sign).
/// The court part is often not known at the time: `pending`, amended later.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Charges {
    pub filed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub court: Option<CourtInvolvement>,
}

/// Why a submitted record was changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Amendment {
    pub at: Timestamp,
    pub by: UserId,
    pub reason: String,
}

impl Record {
    /// A fresh draft: the phone fills in the rest.
    pub fn draft(
        id: RecordId,
        school_id: SchoolId,
        officer_id: UserId,
        occurred_at: Timestamp,
    ) -> Self {
        Self {
            id,
            school_id,
            officer_id,
            occurred_at,
            ended_at: None,
            location: None,
            initiated_by: None,
            request: None,
            category: None,
            would_warrant_911: None,
            offense: None,
            offense_code: None,
            offense_severity: None,
            sro_role: None,
            students: Vec::new(),
            deescalation: Vec::new(),
            actions: Vec::new(),
            custody: None,
            search_basis: None,
            interrogation: None,
            charges: None,
            transport_out_of_view: None,
            late_reason: None,
            narrative: None,
            status: Status::Draft,
            submitted_at: None,
            amendments: Vec::new(),
            rules_version: None,
        }
    }

    /// Custody under the rules this record is checked against.
    pub fn has_custody(&self) -> bool {
        let v = crate::rules::version::applied(self);
        self.actions.iter().any(|a| a.is_custody_under(v))
    }

    /// Rule 1's actions under the rules this record is checked against.
    pub fn needs_deescalation(&self) -> bool {
        let v = crate::rules::version::applied(self);
        self.actions.iter().any(|a| a.needs_deescalation_under(v))
    }

    /// A school-requested code-of-conduct matter that would not have needed
    /// 911: outside the SRO's law-enforcement scope (003 principle 3).
    pub fn is_discipline_overcall(&self) -> bool {
        self.initiated_by == Some(InitiatedBy::SchoolStaff)
            && self.category == Some(Category::CodeOfConduct)
            && self.would_warrant_911 == Some(false)
    }

    /// Whether school staff asked the SRO for this involvement (003 p7):
    /// what the over-calling view and the public page count as a request.
    pub fn is_staff_request(&self) -> bool {
        self.initiated_by == Some(crate::vocabulary::InitiatedBy::SchoolStaff)
    }

    /// `not_a_safety_matter` of this record.
    pub fn is_not_a_safety_matter(&self) -> bool {
        not_a_safety_matter(self.category, self.would_warrant_911)
    }

    /// Sets the status to submitted, stamping the first submission time
    /// and, when none is set, the current rules.
    pub fn submit(&mut self, at: Timestamp) {
        self.status = Status::Submitted;
        if self.submitted_at.is_none() {
            self.submitted_at = Some(at);
        }
        self.rules_version
            .get_or_insert(crate::rules::version::CURRENT);
    }
}

/// Not a safety matter (DOMAIN.md section 5, the over-calling view): it
/// would not have warranted 911, or it was school discipline (a
/// code-of-conduct matter), whatever the officer answered about 911. The
/// one definition: the projection stores it and the view counts it.
pub fn not_a_safety_matter(category: Option<Category>, would_warrant_911: Option<bool>) -> bool {
    would_warrant_911 == Some(false) || category == Some(Category::CodeOfConduct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_a_safety_matter() {
        use Category as C;
        // category, would it have warranted 911, not a safety matter.
        let cases = [
            (Some(C::CodeOfConduct), Some(true), true),
            (Some(C::CodeOfConduct), None, true),
            (Some(C::SafetyThreat), Some(false), true),
            (Some(C::SafetyThreat), Some(true), false),
            (Some(C::CriminalOffense), None, false),
            (None, Some(false), true),
            (None, None, false),
        ];
        for (category, w911, want) in cases {
            assert_eq!(
                not_a_safety_matter(category, w911),
                want,
                "{category:?} {w911:?}"
            );
        }
    }
}
