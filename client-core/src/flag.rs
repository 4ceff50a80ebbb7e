//! Review flags computed from one record (DOMAIN.md section 4), each with a
//! human reason and the sources it was derived from.
//!
//! A flag derived from a school-record value must not reach a supervisor:
//! its very existence would disclose that value. So every flag carries its
//! sources and the policy hides it from roles that may not see them.

use crate::closed_set;
use crate::record::Record;
use crate::timestamp::Timestamp;
use crate::vocabulary::{Category, InitiatedBy, Source, Status};
use serde::Serialize;

closed_set!(
    FlagCode {
        CustodyWithoutDeescalation = "custody_without_deescalation",
        AdministratorDirectedCustody = "administrator_directed_custody",
        DisabilityWithoutModifications = "disability_without_modifications",
        DisciplineInvolvement = "discipline_involvement",
        LateDocumentation = "late_documentation",
        OfficerOutlier = "officer_outlier",
    }
);

/// Hours after the interaction by which it should be documented.
pub const LATE_AFTER_HOURS: i64 = 72;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Flag {
    pub code: FlagCode,
    pub reason: String,
    /// Which student-value sources this flag was derived from (empty when it
    /// rests on the officer's account alone).
    #[serde(skip)]
    pub sources: Vec<Source>,
}

impl Flag {
    fn new(code: FlagCode, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
            sources: Vec::new(),
        }
    }
}

/// The flags of one record. `received` is when the server first received
/// the record as submitted ([`received_submitted`]; `None` on a device,
/// which cannot know it, and for a draft): lateness rests on it, because the
/// device's `submitted_at` is the device's own claim. The claim is shown
/// beside it and can make a record late, never on time. `now` is used for
/// drafts not yet submitted: a draft left open past 72 hours is already late.
pub fn flags(r: &Record, now: Timestamp, received: Option<Timestamp>) -> Vec<Flag> {
    let mut out = Vec::new();
    let custody = r.custody.as_ref();
    if r.needs_deescalation() && r.deescalation.is_empty() {
        let reason = match custody.and_then(|c| c.immediate_risk.as_deref()) {
            Some(risk) if !risk.trim().is_empty() => {
                "custody or citation without de-escalation; the officer stated an immediate risk of harm"
            }
            _ => "custody or citation with no de-escalation recorded",
        };
        out.push(Flag::new(FlagCode::CustodyWithoutDeescalation, reason));
    }
    if r.has_custody() && custody.and_then(|c| c.directed_by_administrator) == Some(true) {
        out.push(Flag::new(
            FlagCode::AdministratorDirectedCustody,
            "custody directed by a school administrator; SROs should not detain solely on an administrator's direction",
        ));
    }
    let no_modifications = custody
        .and_then(|c| c.disability_modifications.as_deref())
        .is_none_or(|m| m.trim().is_empty());
    if r.has_custody() && no_modifications {
        let mut sources = Vec::new();
        for s in &r.students {
            if s.perceived.as_ref().is_some_and(|d| d.has_disability()) {
                sources.push(Source::Perceived);
            }
            if s.school_record.as_ref().is_some_and(|d| d.has_disability()) {
                sources.push(Source::SchoolRecord);
            }
        }
        sources.sort();
        sources.dedup();
        if !sources.is_empty() {
            out.push(Flag {
                code: FlagCode::DisabilityWithoutModifications,
                reason: "custody of a student with a disability and no reasonable modifications recorded"
                    .into(),
                sources,
            });
        }
    }
    // Whoever started it (DOMAIN.md section 2 rule 4, 003 p10): "either on
    // their own initiative or at the request of school officials".
    if r.category == Some(Category::CodeOfConduct) && r.actions.iter().any(|a| a.is_enforcement()) {
        let how = if r.initiated_by == Some(InitiatedBy::SchoolStaff) {
            "the school asked the SRO into"
        } else {
            "the SRO took up without a school request"
        };
        out.push(Flag::new(
            FlagCode::DisciplineInvolvement,
            format!("enforcement action in a school-discipline (code-of-conduct) matter {how}"),
        ));
    }
    if let Some(reason) = late(r, now, received) {
        out.push(Flag::new(FlagCode::LateDocumentation, reason));
    }
    out
}

/// The late-documentation reason, if the record is late (see [`flags`]).
fn late(r: &Record, now: Timestamp, received: Option<Timestamp>) -> Option<String> {
    let hours = |t: Timestamp| (t.millis() - r.occurred_at.millis()) / 3_600_000;
    let deadline = r.occurred_at.plus_hours(LATE_AFTER_HOURS);
    let claimed = r.submitted_at.unwrap_or(now);
    let claim = match r.submitted_at {
        Some(t) => format!("the device says it was submitted {} hours after", hours(t)),
        None => format!("still a draft {} hours after", hours(now)),
    };
    let documented = received.map_or(claimed, |t| t.max(claimed));
    if documented <= deadline {
        return None;
    }
    Some(match received {
        Some(t) => format!(
            "first received by the server {} hours after the interaction, as submitted (more than {LATE_AFTER_HOURS} is late); {claim}",
            hours(t)
        ),
        None if r.submitted_at.is_none() => format!(
            "still a draft {} hours after the interaction (more than {LATE_AFTER_HOURS} is late)",
            hours(now)
        ),
        None => format!(
            "documented {} hours after the interaction (more than {LATE_AFTER_HOURS})",
            hours(claimed)
        ),
    })
}

/// When the server first received a record as submitted, as of a write at
/// `now` of `r`, given what it held before (`earlier`). Lateness and a
/// school year's tables rest on this, not on the first receipt of any
/// state: an empty draft synced at once and submitted days later was not
/// documented on time. Once set it never moves (a later amendment, or a
/// return to draft and a new submission, leaves the first receipt).
pub fn received_submitted(
    r: &Record,
    earlier: Option<Timestamp>,
    now: Timestamp,
) -> Option<Timestamp> {
    earlier.or((r.status == Status::Submitted).then_some(now))
}

/// Whether a record belongs in its period's review queue (DOMAIN.md section 4):
/// a submitted record with enforcement, school-discipline involvement, or any
/// flag. A draft is still the officer's to finish and cannot be reviewed
/// (`Reviews::check_append`), so it waits outside the queue.
pub fn needs_review(r: &Record, flags: &[Flag]) -> bool {
    r.status == Status::Submitted
        && (r.actions.iter().any(|a| a.is_reviewable())
            || r.is_discipline_overcall()
            || !flags.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RecordId, SchoolId, UserId};

    #[test]
    fn the_first_receipt_as_submitted_stands() {
        let t = |h: i64| Timestamp::from_millis(h * 3_600_000);
        let draft = Record::draft(
            RecordId::from_u128(1),
            SchoolId::from_u128(2),
            UserId::from_u128(3),
            t(0),
        );
        let mut submitted = draft.clone();
        submitted.submit(t(1));
        for (name, r, earlier, now, want) in [
            ("a draft synced", &draft, None, 1, None),
            ("submitted in this write", &submitted, None, 240, Some(240)),
            ("amended later", &submitted, Some(5), 240, Some(5)),
            (
                "back to draft after a submission",
                &draft,
                Some(5),
                240,
                Some(5),
            ),
        ] {
            let got = received_submitted(r, earlier.map(t), t(now));
            assert_eq!(got, want.map(t), "{name}");
        }
    }

    #[test]
    fn an_early_draft_submitted_late_is_late() {
        let t = |h: i64| Timestamp::from_millis(h * 3_600_000);
        let mut r = Record::draft(
            RecordId::from_u128(1),
            SchoolId::from_u128(2),
            UserId::from_u128(3),
            t(0),
        );
        // The draft reached the server an hour after: not late yet.
        let at_draft = received_submitted(&r, None, t(1));
        assert!(late(&r, t(1), at_draft).is_none());
        // Submitted (the device claims an hour after) and received at 240.
        r.submit(t(1));
        let received = received_submitted(&r, at_draft, t(240));
        let reason = late(&r, t(240), received).expect("late");
        assert!(
            reason.contains("first received by the server 240 hours")
                && reason.contains("as submitted"),
            "{reason}"
        );
        // A draft left open is late on the clock, and says so.
        let open = Record::draft(
            RecordId::from_u128(1),
            SchoolId::from_u128(2),
            UserId::from_u128(3),
            t(0),
        );
        let reason = late(&open, t(80), None).expect("late");
        assert!(reason.contains("still a draft 80 hours"), "{reason}");
    }
}
