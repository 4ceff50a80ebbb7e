//! Custody (DOMAIN.md rules 1, 3 and 7): what a record with detention,
//! arrest, restraint, force or (from rules version 2) a frisk must say.

use super::{Problem, RuleCode, blank, student_has_disability};
use crate::record::Record;
use crate::rules::version;
use crate::vocabulary::ActionTaken;

/// How long custody can plausibly last, in minutes (a week): anything
/// longer is a typing slip, not a duration.
pub const MAX_DURATION_MINUTES: u32 = 7 * 24 * 60;

/// The custody action a message names: the most serious one the record
/// has (an arrest's refusal must not speak of "the detention").
pub fn custody_word(r: &Record) -> &'static str {
    [
        (ActionTaken::Arrest, "arrest"),
        (ActionTaken::MechanicalRestraint, "restraint"),
        (ActionTaken::PhysicalRestraint, "restraint"),
        (ActionTaken::UseOfForce, "use of force"),
        (ActionTaken::Detention, "detention"),
        (ActionTaken::SearchPerson, "frisk"),
    ]
    .into_iter()
    .find(|(a, _)| r.actions.contains(a))
    .map_or("custody", |(_, w)| w)
}

pub(super) fn rules(r: &Record, out: &mut Vec<Problem>) {
    let v = version::applied(r);
    let custody = r.custody.as_ref();
    let word = custody_word(r);
    let missing = |field: &str, what: String| {
        Problem::incomplete(
            RuleCode::CustodyJustificationRequired,
            field,
            format!("{what} is required"),
        )
    };
    if r.has_custody() {
        match custody {
            None => out.push(Problem::incomplete(
                RuleCode::CustodyJustificationRequired,
                "custody",
                "detention, arrest, restraint, force or a frisk needs the custody justification",
            )),
            Some(c) => {
                for (present, field, what) in [
                    (
                        !blank(&c.basis),
                        "custody.basis",
                        format!("the basis for the {word}"),
                    ),
                    (
                        !blank(&c.why_at_school),
                        "custody.why_at_school",
                        format!("why the {word} had to happen at school"),
                    ),
                    (
                        c.directed_by_administrator.is_some(),
                        "custody.directed_by_administrator",
                        "whether a school administrator directed it".into(),
                    ),
                    (
                        c.removed_from_public_view.is_some(),
                        "custody.removed_from_public_view",
                        "whether the student was removed from public view".into(),
                    ),
                ] {
                    if !present {
                        out.push(missing(field, what));
                    }
                }
                // Rule 7 (version 2): any custody, not only an arrest (003 p4
                // "makes an arrest or uses restraints").
                let needs_cause = v >= 2 || r.actions.contains(&ActionTaken::Arrest);
                if needs_cause && blank(&c.probable_cause) {
                    out.push(Problem::incomplete(
                        RuleCode::CustodyJustificationRequired,
                        "custody.probable_cause",
                        format!("the {word} needs the factors supporting probable cause"),
                    ));
                }
                if v >= 2 {
                    details(c, out);
                }
            }
        }
        if v >= 2 {
            interrogation(r, out);
        }
    }
    // Rule 1: de-escalation first, unless an immediate serious risk is explained.
    let risk_stated = custody.is_some_and(|c| !blank(&c.immediate_risk));
    if r.needs_deescalation() && r.deescalation.is_empty() && !risk_stated {
        out.push(Problem::incomplete(
            RuleCode::DeescalationRequired,
            "deescalation",
            "record the de-escalation tried first, or explain the immediate serious risk of harm",
        ));
    }
    // Rule 3: a student with an IDEA or 504 status in custody.
    let disability = r.students.iter().any(student_has_disability);
    if r.has_custody() && disability && custody.is_none_or(|c| blank(&c.disability_modifications)) {
        out.push(Problem::incomplete(
            RuleCode::DisabilityModificationsRequired,
            "custody.disability_modifications",
            "say what reasonable modifications were made for the student's disability",
        ));
    }
    // 003 p4: "If transport is necessary, the student should be placed in a
    // police vehicle outside the view of their peers."
    if v >= 2 && r.actions.contains(&ActionTaken::Transport) && r.transport_out_of_view.is_none() {
        out.push(Problem::incomplete(
            RuleCode::Required,
            "transport_out_of_view",
            "whether the student was placed in the vehicle out of their peers' view is required",
        ));
    }
}

/// Version 2's custody details: how long, and the guardian told when (or
/// why not).
fn details(c: &crate::record::Custody, out: &mut Vec<Problem>) {
    match c.duration_minutes {
        None => out.push(Problem::incomplete(
            RuleCode::CustodyJustificationRequired,
            "custody.duration_minutes",
            "how long the student was held is required",
        )),
        // A slip to correct before submitting, not one that stops a draft.
        Some(m) if m > MAX_DURATION_MINUTES => out.push(Problem::incomplete(
            RuleCode::OutOfRange,
            "custody.duration_minutes",
            format!("at most {MAX_DURATION_MINUTES} minutes (a week)"),
        )),
        Some(_) => {}
    }
    if c.guardian_notified_at.is_none() && blank(&c.guardian_not_notified_reason) {
        out.push(Problem::incomplete(
            RuleCode::CustodyJustificationRequired,
            "custody.guardian_notified_at",
            "when the parent or guardian was notified, or why they were not, is required",
        ));
    }
}

/// Version 2: whether a student in custody was questioned, and if so
/// whether they were advised of their rights and a guardian was present.
fn interrogation(r: &Record, out: &mut Vec<Problem>) {
    let required = |field: &str, what: &str| {
        Problem::incomplete(RuleCode::Required, field, format!("{what} is required"))
    };
    match &r.interrogation {
        None => out.push(required(
            "interrogation.questioned",
            "whether the student was questioned",
        )),
        Some(i) if i.questioned => {
            if i.rights_advised.is_none() {
                out.push(required(
                    "interrogation.rights_advised",
                    "whether the student was advised of their rights",
                ));
            }
            if i.guardian_present.is_none() {
                out.push(required(
                    "interrogation.guardian_present",
                    "whether a parent or guardian was present",
                ));
            }
        }
        Some(_) => {}
    }
}
