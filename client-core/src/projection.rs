//! The record projection: the searchable columns a server keeps of each
//! record beside its documents, and its students' reporting categories,
//! all derived here so that no query restates a rule (flags, lateness,
//! "not a safety matter", the outlier count, report outcomes).

use crate::flag::{flags, needs_review, received_submitted};
use crate::record::{Demographics, Record};
use crate::report::{self, AgeBand, RaceEthnicity};
use crate::{RecordId, SchoolId, Timestamp, UserId};

/// The searchable columns of one record, derived by client-core.
#[derive(Clone, Debug)]
pub struct RecordRow {
    pub record: RecordId,
    pub officer: UserId,
    pub school: SchoolId,
    pub occurred_at: i64,
    pub status: String,
    pub location: Option<String>,
    pub initiated_by: Option<String>,
    pub staff_role: Option<String>,
    /// The requesting staff member as the officer wrote it (name or id).
    pub staff_id: Option<String>,
    pub category: Option<String>,
    pub would_warrant_911: Option<bool>,
    /// `client_core::record::not_a_safety_matter`.
    pub not_safety_matter: bool,
    /// `Record::is_staff_request`.
    pub staff_request: bool,
    pub actions: Vec<String>,
    pub flags: Vec<String>,
    pub needs_review: bool,
    pub submitted_at: Option<i64>,
    /// When the server first received the record as submitted
    /// (`flag::received_submitted`); `None` while it has only had drafts.
    pub received_submitted_at: Option<i64>,
    /// Arrests + citations + searches (the officer-outlier count).
    pub enforcement: i32,
    /// Whether the record counts toward each `report::Outcome`, in `ALL` order.
    pub outcomes: Vec<bool>,
    /// One row per student and source (perceived, school_record).
    pub students: Vec<StudentRow>,
}

/// One student's demographics from one source, for reports.
#[derive(Clone, Debug)]
pub struct StudentRow {
    pub index: i32,
    /// The entry's record-local key (not the student's number).
    pub key: uuid::Uuid,
    pub source: String,
    pub race: Vec<String>,
    pub hispanic_latino: Option<bool>,
    pub sex: Option<String>,
    pub disability: Option<String>,
    pub english_learner: Option<String>,
    pub age: Option<i32>,
    pub grade: Option<i32>,
    pub race_ethnicity: String,
    pub age_band: String,
}

/// The searchable projection of a record written at `now`; `earlier` is
/// when the server first received it as submitted, if it already had
/// (lateness and the school years' tables rest on that receipt).
pub fn row(r: &Record, now: Timestamp, earlier: Option<Timestamp>) -> RecordRow {
    let received = received_submitted(r, earlier, now);
    let f = flags(r, now, received);
    RecordRow {
        record: r.id,
        officer: r.officer_id,
        school: r.school_id,
        occurred_at: r.occurred_at.millis(),
        status: r.status.as_str().into(),
        location: r.location.map(|x| x.as_str().into()),
        initiated_by: r.initiated_by.map(|x| x.as_str().into()),
        staff_role: r
            .request
            .as_ref()
            .and_then(|q| q.staff_role)
            .map(|x| x.as_str().into()),
        staff_id: r
            .request
            .as_ref()
            .and_then(|q| q.staff_id.clone())
            .filter(|s| !s.trim().is_empty()),
        category: r.category.map(|x| x.as_str().into()),
        would_warrant_911: r.would_warrant_911,
        not_safety_matter: r.is_not_a_safety_matter(),
        staff_request: r.is_staff_request(),
        actions: r.actions.iter().map(|a| a.as_str().into()).collect(),
        flags: f.iter().map(|x| x.code.as_str().into()).collect(),
        needs_review: needs_review(r, &f),
        submitted_at: r.submitted_at.map(|t| t.millis()),
        received_submitted_at: received.map(|t| t.millis()),
        enforcement: r
            .actions
            .iter()
            .filter(|a| a.counts_toward_outlier())
            .count() as i32,
        outcomes: report::Outcome::ALL
            .iter()
            .map(|o| o.in_actions(&r.actions))
            .collect(),
        students: student_rows(r),
    }
}

/// Demographic rows per student and source. The two sources stay apart, and
/// SOGI is never projected: reports must not be able to cross-tabulate it.
/// Every student has a row for each source (all unknown when that source
/// says nothing), so both sources' reports count the same interactions.
fn student_rows(r: &Record) -> Vec<StudentRow> {
    let mut out = Vec::new();
    let none = Demographics::default();
    for (i, s) in r.students.iter().enumerate() {
        for (source, d) in [
            ("perceived", &s.perceived),
            ("school_record", &s.school_record),
        ] {
            {
                let d = d.as_ref().unwrap_or(&none);
                out.push(StudentRow {
                    index: i as i32,
                    key: s.key.0,
                    source: source.into(),
                    race: d.race.iter().map(|x| x.as_str().into()).collect(),
                    hispanic_latino: d.hispanic_latino,
                    sex: d.sex.map(|x| x.as_str().into()),
                    disability: d.disability.map(|x| x.as_str().into()),
                    english_learner: d.english_learner.map(|x| x.as_str().into()),
                    age: s.age.map(i32::from),
                    grade: s.grade.map(i32::from),
                    race_ethnicity: RaceEthnicity::of(d).as_str().into(),
                    age_band: AgeBand::of(s.age).as_str().into(),
                });
            }
        }
    }
    out
}
