//! Review flags computed from one record (DOMAIN.md section 4), each with a
//! human reason and the sources it was derived from.
//!
//! A flag derived from a school-record value must not reach a supervisor:
//! its very existence would disclose that value. So every flag carries its
//! sources and the policy hides it from roles that may not see them.

use crate::closed_set;
use crate::record::Record;
use crate::timestamp::Timestamp;
use crate::vocabulary::{InitiatedBy, Source};
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
/// the record (`None` on a device, which cannot know it): lateness rests on
/// it, because the device's `submitted_at` is the device's own claim. The
/// claim is shown beside it and can make a record late, never on time. `now`
/// is used for drafts not yet submitted: a draft left open past 72 hours is
/// already late.
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
    if r.is_discipline_overcall() && r.actions.iter().any(|a| a.is_enforcement()) {
        out.push(Flag::new(
            FlagCode::DisciplineInvolvement,
            "enforcement action in a school-requested code-of-conduct matter that would not have warranted 911",
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
            "first received by the server {} hours after the interaction (more than {LATE_AFTER_HOURS} is late); {claim}",
            hours(t)
        ),
        None => format!(
            "documented {} hours after the interaction (more than {LATE_AFTER_HOURS})",
            hours(claimed)
        ),
    })
}

/// Whether a record belongs in its period's review queue (DOMAIN.md section 4):
/// enforcement, school-discipline involvement, or any flag.
pub fn needs_review(r: &Record, flags: &[Flag]) -> bool {
    r.actions.iter().any(|a| a.is_reviewable())
        || (r.initiated_by == Some(InitiatedBy::SchoolStaff) && r.is_discipline_overcall())
        || !flags.is_empty()
}
