//! Every field of a record view that can say who a student is: the free
//! text (which can name anyone), the student's reference and age, and the
//! demographics of each source. One table, read by the redaction (what a
//! view withholds), by the access log (what a read disclosed) and by sync
//! (what a pulled document carries), so the three can never disagree.
//!
//! Paths are spelled as API.md's JSON spells them, arrays left out:
//! `deescalation.note` is the note of every step. A test fails when the
//! record type grows a field that takes free text and is not listed here.

use crate::access::{DocKind, View};
use crate::vocabulary::Source;

/// Why a field is in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Typed by a person: it can name or describe anyone. Pseudonymised
    /// views (school leaders) hold structured fields only.
    FreeText,
    /// The student's local reference (student number or initials).
    /// Pseudonymised views replace it with the student's position.
    StudentRef,
    /// A student's values from one source.
    Sourced(Source),
    /// The school's own reference for a staff member. Staff, not students:
    /// the over-calling view counts requests by it (DOMAIN.md section 5),
    /// so every view that reads the record shows it.
    StaffRef,
    /// Structured but narrowing (age, with the school and the day, comes
    /// close to naming a student): withheld from pseudonymised views.
    Identifying,
}

/// One row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub path: &'static str,
    pub kind: Kind,
    /// The document of the record's audience partition that holds it.
    pub doc: DocKind,
}

const fn f(path: &'static str, kind: Kind, doc: DocKind) -> Field {
    Field { path, kind, doc }
}

use DocKind::{Account, Restricted, Review};
use Kind::*;

/// Every sensitive field, in the order the access log names them.
pub const FIELDS: &[Field] = &[
    f("students.ref", StudentRef, Account),
    f("students.age", Identifying, Account),
    // Juvenile-justice facts about a student: with the school and the day,
    // they say who was questioned or charged (rules version 2).
    f("interrogation", Identifying, Account),
    f("charges", Identifying, Account),
    f("students.perceived", Sourced(Source::Perceived), Account),
    f(
        "students.school_record",
        Sourced(Source::SchoolRecord),
        Restricted,
    ),
    f("students.sogi", Sourced(Source::SelfReported), Restricted),
    f("request.staff_id", StaffRef, Account),
    f("request.reason", FreeText, Account),
    f("offense", FreeText, Account),
    f("deescalation.note", FreeText, Account),
    f("custody.basis", FreeText, Account),
    f("custody.probable_cause", FreeText, Account),
    f("custody.why_at_school", FreeText, Account),
    f("custody.disability_modifications", FreeText, Account),
    f("custody.immediate_risk", FreeText, Account),
    f("custody.guardian_not_notified_reason", FreeText, Account),
    f("late_reason", FreeText, Account),
    f("narrative", FreeText, Account),
    f("amendments.reason", FreeText, Account),
    f("reviews.notes", FreeText, Review),
    f("reviews.follow_up", FreeText, Review),
];

/// What a view does with a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Treatment {
    Shown,
    /// Replaced by a value that discloses nothing (the student's position).
    Pseudonymised,
    /// Absent from the view's JSON.
    Withheld,
}

impl View {
    /// The one place that says which view may see which kind of field.
    pub fn treats(self, kind: Kind) -> Treatment {
        let pseudo = self == View::Pseudonymised;
        match kind {
            Kind::Sourced(s) if !self.sources().contains(&s) => Treatment::Withheld,
            Kind::Sourced(_) => Treatment::Shown,
            Kind::StudentRef if pseudo => Treatment::Pseudonymised,
            Kind::FreeText | Kind::Identifying if pseudo => Treatment::Withheld,
            _ => Treatment::Shown,
        }
    }
}

/// The fields a document of `kind` can carry: what a sync pull of it
/// discloses (a pull ships the document's history, not one state of it).
pub fn in_document(kind: DocKind) -> Vec<&'static str> {
    FIELDS
        .iter()
        .filter(|f| f.doc == kind)
        .map(|f| f.path)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_view_treats_each_kind_as_domain_section_3_says() {
        use Treatment::*;
        let perceived = Sourced(Source::Perceived);
        let school = Sourced(Source::SchoolRecord);
        let sogi = Sourced(Source::SelfReported);
        let table = [
            (
                View::Full,
                [Shown, Shown, Shown, Shown, Shown, Shown, Shown],
            ),
            (
                View::Supervisor,
                [Shown, Shown, Shown, Withheld, Withheld, Shown, Shown],
            ),
            (
                View::Pseudonymised,
                [
                    Withheld,
                    Pseudonymised,
                    Withheld,
                    Withheld,
                    Withheld,
                    Withheld,
                    Shown,
                ],
            ),
        ];
        for (view, expected) in table {
            let got = [
                FreeText,
                StudentRef,
                perceived,
                school,
                sogi,
                Identifying,
                StaffRef,
            ]
            .map(|k| view.treats(k));
            assert_eq!(got, expected, "{view:?}");
        }
    }

    #[test]
    fn paths_are_unique_and_documents_partition_them() {
        for (i, a) in FIELDS.iter().enumerate() {
            assert!(
                FIELDS[i + 1..].iter().all(|b| b.path != a.path),
                "{}",
                a.path
            );
        }
        let all: usize = DocKind::ALL.iter().map(|k| in_document(*k).len()).sum();
        assert_eq!(all, FIELDS.len());
        assert_eq!(
            in_document(DocKind::Restricted),
            ["students.school_record", "students.sogi"]
        );
    }
}
