//! The rules that make a record complete (DOMAIN.md section 2, rules 1-7),
//! in the version a record is checked against (`version`).
//!
//! `validate` reports every broken rule at once, each with a stable code and
//! the path of the field to fix, so a phone can mark every field in one pass
//! and the server can answer 422 with one `details` entry per rule.

use crate::closed_set;
use crate::ids::UserId;
use crate::record::{Record, Student};
use crate::timestamp::Timestamp;
use crate::vocabulary::{ActionTaken, Category, InitiatedBy, Status};
use serde::Serialize;

mod custody;
mod searches;
pub mod version;

pub use custody::{MAX_DURATION_MINUTES, custody_word};

closed_set!(
    /// Stable codes of broken rules; clients may key translations on them.
    RuleCode {
        Required = "required",
        RequestRequired = "request_required",
        OffenseRequired = "offense_required",
        ActionRequired = "action_required",
        StudentRequired = "student_required",
        CustodyJustificationRequired = "custody_justification_required",
        DeescalationRequired = "deescalation_required",
        DisabilityModificationsRequired = "disability_modifications_required",
        SogiNotSelfReported = "sogi_not_self_reported",
        DatesInconsistent = "dates_inconsistent",
        UnknownValue = "unknown_value",
        TooLong = "too_long",
        TooMany = "too_many",
        OutOfRange = "out_of_range",
        DuplicateStudent = "duplicate_student",
        ContradictoryActions = "contradictory_actions",
        AmendmentReasonRequired = "amendment_reason_required",
        HistoryRewritten = "history_rewritten",
        AmendmentByAnother = "amendment_by_another",
        SearchBasisRequired = "search_basis_required",
        LateReasonRequired = "late_reason_required",
        RulesOutdated = "rules_outdated",
    }
);

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Problem {
    pub code: RuleCode,
    /// Dotted path into the record JSON, e.g. `students.0.sogi.self_reported`.
    pub field: String,
    pub message: String,
    /// Integrity problems stop even a draft from being stored; the others
    /// only stop a submission (a draft may be incomplete).
    #[serde(skip)]
    pub blocks_draft: bool,
}

impl Problem {
    fn incomplete(code: RuleCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            field: field.into(),
            message: message.into(),
            blocks_draft: false,
        }
    }
    fn invalid(code: RuleCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            field: field.into(),
            message: message.into(),
            blocks_draft: true,
        }
    }
}

/// Upper bounds that keep one record small enough for a phone and a sync round trip.
pub mod limits {
    pub const SHORT_TEXT: usize = 500;
    pub const LONG_TEXT: usize = 10_000;
    pub const STUDENTS: usize = 40;
    pub const STEPS: usize = 40;
    pub const ACTIONS: usize = 25;
    pub const AMENDMENTS: usize = 500;
    /// How far ahead of the caller's clock a time may be (phones drift).
    pub const CLOCK_SKEW_MINUTES: i64 = 10;
    /// An entry submitted this long after the interaction ended is a late
    /// entry and says why (rules version 2).
    pub const LATE_ENTRY_HOURS: i64 = 24;
}

/// Every rule the record breaks, in field order. Empty means complete.
pub fn validate(record: &Record, now: Timestamp) -> Vec<Problem> {
    let mut out = Vec::new();
    completeness(record, &mut out);
    custody::rules(record, &mut out);
    searches::rules(record, &mut out);
    students(record, &mut out);
    dates(record, now, &mut out);
    sizes(record, &mut out);
    out
}

/// The problems that stop this record being stored in its current status.
pub fn blocking(record: &Record, now: Timestamp) -> Vec<Problem> {
    let mut all = validate(record, now);
    if record.status == Status::Draft {
        all.retain(|p| p.blocks_draft);
    }
    all
}

/// A submitted record may change only with a new amendment reason, and its
/// past amendments may never be rewritten. Every amendment new to `before`
/// (all of them when the record is new: a phone may submit and amend before
/// its first sync) is in the name of `author`, the user making the change:
/// an amendment is an attestation, and nobody writes one for someone else.
pub fn check_amendment(
    before: Option<&Record>,
    after: &Record,
    author: UserId,
) -> Result<(), Problem> {
    let kept = before.map_or(0, |b| b.amendments.len());
    let rewritten = after.amendments.len() < kept
        || before.is_some_and(|b| after.amendments[..kept] != b.amendments[..]);
    if rewritten && before.is_some_and(|b| b.status == Status::Submitted) {
        return Err(Problem::invalid(
            RuleCode::HistoryRewritten,
            "amendments",
            "earlier amendments of a submitted record cannot be changed or removed",
        ));
    }
    let added = after.amendments.get(kept..).unwrap_or_default();
    if let Some(i) = added.iter().position(|a| a.by != author) {
        return Err(Problem::invalid(
            RuleCode::AmendmentByAnother,
            format!("amendments.{}.by", kept + i),
            "an amendment is made in the name of whoever makes it",
        ));
    }
    let Some(before) = before.filter(|b| b.status == Status::Submitted) else {
        return Ok(());
    };
    let mut unchanged = after.clone();
    unchanged.amendments.truncate(kept);
    if unchanged == *before || added.iter().any(|a| !a.reason.trim().is_empty()) {
        Ok(())
    } else {
        Err(Problem::invalid(
            RuleCode::AmendmentReasonRequired,
            "amendments",
            "a submitted record can only be changed with an amendment reason",
        ))
    }
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

fn completeness(r: &Record, out: &mut Vec<Problem>) {
    let required = |present: bool, field: &str, what: &str, out: &mut Vec<Problem>| {
        if !present {
            out.push(Problem::incomplete(
                RuleCode::Required,
                field,
                format!("{what} is required"),
            ));
        }
    };
    required(r.location.is_some(), "location", "the location", out);
    required(
        r.initiated_by.is_some(),
        "initiated_by",
        "who initiated the interaction",
        out,
    );
    required(r.category.is_some(), "category", "the category", out);
    required(
        r.would_warrant_911.is_some(),
        "would_warrant_911",
        "whether this would have warranted a 911 call",
        out,
    );
    required(r.sro_role.is_some(), "sro_role", "the SRO role", out);

    if r.initiated_by == Some(InitiatedBy::SchoolStaff) {
        match &r.request {
            None => out.push(Problem::incomplete(
                RuleCode::RequestRequired,
                "request",
                "a school-requested interaction needs who asked and what for",
            )),
            Some(req) => {
                if req.staff_role.is_none() && blank(&req.staff_id) {
                    out.push(Problem::incomplete(
                        RuleCode::RequestRequired,
                        "request.staff_role",
                        "say who requested the SRO, at least their role",
                    ));
                }
                if blank(&req.reason) {
                    out.push(Problem::incomplete(
                        RuleCode::RequestRequired,
                        "request.reason",
                        "say what the staff member asked for",
                    ));
                }
            }
        }
    }
    // Version 2 codes the offense (NIBRS categories, `offense`) and its
    // severity; the first rules asked for the offense in words.
    let criminal = r.category == Some(Category::CriminalOffense);
    if version::applied(r) >= 2 {
        if criminal && r.offense_code.is_none() {
            out.push(Problem::incomplete(
                RuleCode::OffenseRequired,
                "offense_code",
                "a criminal offense needs the offense",
            ));
        }
        if (criminal || r.offense_code.is_some()) && r.offense_severity.is_none() {
            out.push(Problem::incomplete(
                RuleCode::OffenseRequired,
                "offense_severity",
                "an offense needs its severity (felony, misdemeanor, status, ordinance or none)",
            ));
        }
    } else if criminal && blank(&r.offense) {
        out.push(Problem::incomplete(
            RuleCode::OffenseRequired,
            "offense",
            "a criminal offense needs the offense type",
        ));
    }
    if r.actions.is_empty() {
        out.push(Problem::incomplete(
            RuleCode::ActionRequired,
            "actions",
            "record at least one action (\"none\" is an action)",
        ));
    }
    if r.actions.contains(&ActionTaken::None) && r.actions.len() > 1 {
        out.push(Problem::invalid(
            RuleCode::ContradictoryActions,
            "actions",
            "\"none\" cannot be combined with other actions",
        ));
    }
    if r.students.is_empty() {
        out.push(Problem::incomplete(
            RuleCode::StudentRequired,
            "students",
            "an interaction involves at least one student",
        ));
    }
}

pub(crate) fn student_has_disability(s: &Student) -> bool {
    s.perceived.as_ref().is_some_and(|d| d.has_disability())
        || s.school_record.as_ref().is_some_and(|d| d.has_disability())
}

fn students(r: &Record, out: &mut Vec<Problem>) {
    let mut seen = std::collections::BTreeSet::new();
    for (i, s) in r.students.iter().enumerate() {
        if s.key.is_nil() || !seen.insert(s.key) {
            out.push(Problem::invalid(
                RuleCode::DuplicateStudent,
                format!("students.{i}.key"),
                "each student needs a key of its own",
            ));
        }
        if s.reference.trim().is_empty() {
            out.push(Problem::incomplete(
                RuleCode::Required,
                format!("students.{i}.ref"),
                "the student's local reference is required",
            ));
        }
        if s.age.is_some_and(|a| !(3..=22).contains(&a)) {
            out.push(Problem::invalid(
                RuleCode::OutOfRange,
                format!("students.{i}.age"),
                "age must be between 3 and 22",
            ));
        }
        if s.grade.is_some_and(|g| g > 12) {
            out.push(Problem::invalid(
                RuleCode::OutOfRange,
                format!("students.{i}.grade"),
                "grade must be between 0 (kindergarten) and 12",
            ));
        }
        // Rule 5: never stored unless volunteered, not even in a draft.
        if let Some(sogi) = &s.sogi
            && !sogi.self_reported
        {
            out.push(Problem::invalid(
                RuleCode::SogiNotSelfReported,
                format!("students.{i}.sogi.self_reported"),
                "sexual orientation and gender identity may be recorded only when the student volunteered them",
            ));
        }
    }
}

fn dates(r: &Record, now: Timestamp, out: &mut Vec<Problem>) {
    let latest = now.plus_minutes(limits::CLOCK_SKEW_MINUTES);
    let mut check = |ok: bool, field: &str, message: &str| {
        if !ok {
            out.push(Problem::invalid(
                RuleCode::DatesInconsistent,
                field,
                message.to_owned(),
            ));
        }
    };
    check(
        r.occurred_at <= latest,
        "occurred_at",
        "the interaction cannot be in the future",
    );
    if let Some(end) = r.ended_at {
        check(
            end >= r.occurred_at,
            "ended_at",
            "the end cannot be before the start",
        );
        check(end <= latest, "ended_at", "the end cannot be in the future");
    }
    if let Some(at) = r.request.as_ref().and_then(|q| q.requested_at) {
        check(
            at <= r.ended_at.unwrap_or(latest),
            "request.requested_at",
            "the request cannot come after the interaction ended",
        );
    }
    for (i, step) in r.deescalation.iter().enumerate() {
        if let Some(at) = step.at {
            check(
                at >= r.occurred_at.plus_hours(-24) && at <= latest,
                &format!("deescalation.{i}.at"),
                "a de-escalation step must fall within the interaction",
            );
        }
    }
    if let Some(at) = r.custody.as_ref().and_then(|c| c.guardian_notified_at) {
        check(
            at >= r.occurred_at && at <= latest,
            "custody.guardian_notified_at",
            "the guardian cannot be notified before the interaction or in the future",
        );
    }
    if let Some(at) = r.submitted_at {
        check(
            at >= r.occurred_at,
            "submitted_at",
            "a record cannot be submitted before the interaction happened",
        );
    }
    late_entry(r, now, out);
}

/// Rules version 2: an entry submitted more than a day after the
/// interaction ended says why. Measured by the device's submission time
/// (the server's first receipt would ask an officer who submitted on time
/// from a basement for an excuse); the late-documentation flag, at 72
/// hours, rests on the server's receipt. A draft would be submitted `now`,
/// so the form asks for the reason before the officer taps Submit.
fn late_entry(r: &Record, now: Timestamp, out: &mut Vec<Problem>) {
    let end = r.ended_at.unwrap_or(r.occurred_at);
    let submitted = match r.status {
        Status::Draft => r.submitted_at.or(Some(now)),
        Status::Submitted => r.submitted_at,
    };
    let late = submitted.is_some_and(|at| at > end.plus_hours(limits::LATE_ENTRY_HOURS));
    if version::applied(r) >= 2 && late && blank(&r.late_reason) {
        out.push(Problem::incomplete(
            RuleCode::LateReasonRequired,
            "late_reason",
            format!(
                "an entry made more than {} hours after the interaction needs the reason it is late",
                limits::LATE_ENTRY_HOURS
            ),
        ));
    }
}

fn sizes(r: &Record, out: &mut Vec<Problem>) {
    let mut text = |value: Option<&str>, field: String, max: usize| {
        if let Some(v) = value
            && v.chars().count() > max
        {
            out.push(Problem::invalid(
                RuleCode::TooLong,
                field,
                format!("at most {max} characters"),
            ));
        }
    };
    use limits::*;
    text(r.offense.as_deref(), "offense".into(), SHORT_TEXT);
    text(r.narrative.as_deref(), "narrative".into(), LONG_TEXT);
    text(r.late_reason.as_deref(), "late_reason".into(), LONG_TEXT);
    if let Some(q) = &r.request {
        text(q.staff_id.as_deref(), "request.staff_id".into(), SHORT_TEXT);
        text(q.reason.as_deref(), "request.reason".into(), LONG_TEXT);
    }
    if let Some(c) = &r.custody {
        for (v, f) in [
            (&c.basis, "basis"),
            (&c.probable_cause, "probable_cause"),
            (&c.why_at_school, "why_at_school"),
            (&c.disability_modifications, "disability_modifications"),
            (&c.immediate_risk, "immediate_risk"),
            (
                &c.guardian_not_notified_reason,
                "guardian_not_notified_reason",
            ),
        ] {
            text(v.as_deref(), format!("custody.{f}"), LONG_TEXT);
        }
    }
    for (i, s) in r.students.iter().enumerate() {
        text(Some(&s.reference), format!("students.{i}.ref"), 64);
        if let Some(sogi) = &s.sogi {
            text(
                sogi.sexual_orientation.as_deref(),
                format!("students.{i}.sogi.sexual_orientation"),
                SHORT_TEXT,
            );
            text(
                sogi.gender_identity.as_deref(),
                format!("students.{i}.sogi.gender_identity"),
                SHORT_TEXT,
            );
        }
    }
    for (i, step) in r.deescalation.iter().enumerate() {
        text(
            step.note.as_deref(),
            format!("deescalation.{i}.note"),
            LONG_TEXT,
        );
    }
    for (i, a) in r.amendments.iter().enumerate() {
        text(Some(&a.reason), format!("amendments.{i}.reason"), LONG_TEXT);
    }
    for (len, max, field) in [
        (r.students.len(), STUDENTS, "students"),
        (r.deescalation.len(), STEPS, "deescalation"),
        (r.actions.len(), ACTIONS, "actions"),
        (r.amendments.len(), AMENDMENTS, "amendments"),
    ] {
        if len > max {
            out.push(Problem::invalid(
                RuleCode::TooMany,
                field,
                format!("at most {max} entries"),
            ));
        }
    }
}
