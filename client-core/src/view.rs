//! A record as one reader sees it: computed flags, period and reviews added,
//! and everything the reader's view may not contain removed (absent, not null).

use crate::access::View;
use crate::flag::{Flag, flags};
use crate::period::PeriodCalendar;
use crate::record::Record;
use crate::review::Review;
use crate::timestamp::Timestamp;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RecordView {
    #[serde(flatten)]
    pub record: Record,
    pub flags: Vec<Flag>,
    pub review_period: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviews: Option<Vec<Review>>,
    /// The view this was built for.
    #[serde(skip)]
    pub view: View,
}

/// Builds `view`'s picture of a record.
pub fn redact(
    record: &Record,
    reviews: &[Review],
    view: View,
    calendar: &PeriodCalendar,
    now: Timestamp,
) -> RecordView {
    let allowed = view.sources();
    let mut r = record.clone();
    for (i, s) in r.students.iter_mut().enumerate() {
        if !allowed.contains(&crate::vocabulary::Source::Perceived) {
            s.perceived = None;
        }
        if !allowed.contains(&crate::vocabulary::Source::SchoolRecord) {
            s.school_record = None;
        }
        if !allowed.contains(&crate::vocabulary::Source::SelfReported) {
            s.sogi = None;
        }
        if view == View::Pseudonymised {
            // Position within this record only: not linkable across records.
            s.reference = format!("student-{}", i + 1);
            s.age = None;
        }
    }
    if view == View::Pseudonymised {
        // Narratives and notes name students and describe disabilities in
        // free text; a school leader's view leaves them out.
        r.narrative = None;
        for step in &mut r.deescalation {
            step.note = None;
        }
        if let Some(c) = &mut r.custody {
            c.disability_modifications = None;
        }
    }
    let visible_flags = flags(record, now)
        .into_iter()
        .filter(|f| f.sources.iter().all(|s| allowed.contains(s)))
        .collect();
    RecordView {
        record: r,
        flags: visible_flags,
        review_period: calendar.period_of(record.occurred_at).id,
        reviews: (view != View::Pseudonymised).then(|| reviews.to_vec()),
        view,
    }
}

impl RecordView {
    /// The student-identifying field groups this view discloses: what the
    /// access log records for each read.
    pub fn identifying_fields(&self) -> Vec<&'static str> {
        let s = &self.record.students;
        let mut out = Vec::new();
        if !s.is_empty() && self.view != View::Pseudonymised {
            out.push("students.ref");
        }
        if s.iter().any(|s| s.perceived.is_some()) {
            out.push("students.perceived");
        }
        if s.iter().any(|s| s.school_record.is_some()) {
            out.push("students.school_record");
        }
        if s.iter().any(|s| s.sogi.is_some()) {
            out.push("students.sogi");
        }
        if self.record.narrative.is_some() {
            out.push("narrative");
        }
        out
    }
}
