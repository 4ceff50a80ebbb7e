//! A record as one reader sees it: computed flags, period and reviews added,
//! and everything the reader's view may not contain removed (absent, not null).
//!
//! What a view withholds and what the access log says a read disclosed both
//! come from `fields::FIELDS`, applied to the same JSON the reader receives.

use crate::access::View;
use crate::fields::{FIELDS, Kind, Treatment};
use crate::flag::{Flag, flags};
use crate::period::PeriodCalendar;
use crate::record::Record;
use crate::review::Review;
use crate::timestamp::Timestamp;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RecordView {
    /// The record with every value the view withholds cleared. Serialized,
    /// the withheld fields are absent.
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub record: Record,
    pub flags: Vec<Flag>,
    pub review_period: String,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub reviews: Option<Vec<Review>>,
    /// The view this was built for.
    #[cfg_attr(feature = "ts", ts(skip))]
    pub view: View,
}

/// Builds `view`'s picture of a record where the server's time of receipt
/// is not known (a device; see `flag::flags`).
pub fn redact(
    record: &Record,
    reviews: &[Review],
    view: View,
    calendar: &PeriodCalendar,
    now: Timestamp,
) -> RecordView {
    redact_received(record, reviews, view, calendar, now, None)
}

/// Builds `view`'s picture of a record; `received` is when the server first
/// received it as submitted (`flag::received_submitted`), which lateness
/// rests on.
pub fn redact_received(
    record: &Record,
    reviews: &[Review],
    view: View,
    calendar: &PeriodCalendar,
    now: Timestamp,
    received: Option<Timestamp>,
) -> RecordView {
    let withheld = |kind| view.treats(kind) == Treatment::Withheld;
    let mut r = record.clone();
    for (i, s) in r.students.iter_mut().enumerate() {
        for source in crate::vocabulary::Source::ALL {
            if withheld(Kind::Sourced(*source)) {
                match source {
                    crate::vocabulary::Source::Perceived => s.perceived = None,
                    crate::vocabulary::Source::SchoolRecord => s.school_record = None,
                    crate::vocabulary::Source::SelfReported => s.sogi = None,
                }
            }
        }
        if view.treats(Kind::StudentRef) == Treatment::Pseudonymised {
            // Position within this record only: not linkable across records.
            s.reference = format!("student-{}", i + 1);
        }
        if withheld(Kind::Identifying) {
            s.age = None;
        }
    }
    if withheld(Kind::Identifying) {
        r.interrogation = None;
        r.charges = None;
    }
    if withheld(Kind::FreeText) {
        // Free text can name and describe anyone (DOMAIN.md section 3). The
        // JSON leaves these out; clearing them here too keeps them out of
        // anything else built from the view. `every_free_text_field_is_listed`
        // keeps this list and `FIELDS` in step.
        r.narrative = None;
        r.offense = None;
        r.late_reason = None;
        if let Some(q) = &mut r.request {
            q.reason = None;
        }
        for step in &mut r.deescalation {
            step.note = None;
        }
        if let Some(c) = &mut r.custody {
            c.basis = None;
            c.probable_cause = None;
            c.why_at_school = None;
            c.disability_modifications = None;
            c.immediate_risk = None;
            c.guardian_not_notified_reason = None;
        }
        for a in &mut r.amendments {
            a.reason.clear();
        }
    }
    let visible_flags = flags(record, now, received)
        .into_iter()
        .filter(|f| f.sources.iter().all(|s| view.sources().contains(s)))
        .collect();
    RecordView {
        record: r,
        flags: visible_flags,
        review_period: calendar.period_of(record.occurred_at).id,
        // Reviews are free text about the record: never in a view that
        // withholds free text.
        reviews: (!withheld(Kind::FreeText)).then(|| reviews.to_vec()),
        view,
    }
}

/// Calls `f` on every value at `path` (arrays are walked through).
fn each_at<'a>(v: &'a mut Value, path: &[&str], f: &mut dyn FnMut(&mut Map<String, Value>, &str)) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| each_at(i, path, f)),
        Value::Object(map) => match path {
            [] => {}
            [last] => f(map, last),
            [first, rest @ ..] => {
                if let Some(next) = map.get_mut(*first) {
                    each_at(next, rest, f);
                }
            }
        },
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.iter().all(is_empty),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

impl RecordView {
    /// The JSON the reader receives: withheld fields removed (absent, not null).
    pub fn to_json(&self) -> Value {
        let mut out = serde_json::to_value(&self.record).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut out {
            map.insert(
                "flags".into(),
                serde_json::to_value(&self.flags).unwrap_or_default(),
            );
            map.insert("review_period".into(), self.review_period.clone().into());
            if let Some(r) = &self.reviews {
                map.insert(
                    "reviews".into(),
                    serde_json::to_value(r).unwrap_or_default(),
                );
            }
        }
        for field in FIELDS {
            if self.view.treats(field.kind) == Treatment::Withheld {
                let path: Vec<&str> = field.path.split('.').collect();
                each_at(&mut out, &path, &mut |map, key| {
                    map.remove(key);
                });
            }
        }
        out
    }

    /// The sensitive fields this view discloses, as `FIELDS` names them:
    /// what the access log records for each read. Read off the same JSON
    /// the reader receives, so the two cannot disagree.
    pub fn disclosed_fields(&self) -> Vec<&'static str> {
        let mut json = self.to_json();
        FIELDS
            .iter()
            .filter(|field| self.view.treats(field.kind) == Treatment::Shown)
            .filter(|field| {
                let path: Vec<&str> = field.path.split('.').collect();
                let mut found = false;
                each_at(&mut json, &path, &mut |map, key| {
                    found |= map.get(key).is_some_and(|v| !is_empty(v));
                });
                found
            })
            .map(|field| field.path)
            .collect()
    }

    /// Whether the view names students by their own reference (the access
    /// log then lists the student entries disclosed).
    pub fn names_students(&self) -> bool {
        !self.record.students.is_empty() && self.view.treats(Kind::StudentRef) == Treatment::Shown
    }
}

impl Serialize for RecordView {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}
