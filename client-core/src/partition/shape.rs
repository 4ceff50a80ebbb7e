//! What each part may hold, place by place: the keys its type writes, and
//! where it has lists. The operation check (`ops`) reads every pushed
//! operation's place off these shapes, including operations whose value is
//! no longer visible (deleted, or the losing side of a conflict), which the
//! types cannot be asked about.
//!
//! They restate `document::Account`, `document::Restricted` and
//! `review::Reviews` as autosurgeon writes them (a `None` is a null under
//! its key; a `Vec` is a list). `tests/partition.rs` holds them to the types:
//! a value with every field filled, written into a document, has exactly
//! these places.

use crate::access::DocKind;
use crate::ids::StudentKey;

/// The shape of one place in a part.
#[derive(Debug, PartialEq, Eq)]
pub enum Shape {
    /// A plain value: no keys, no elements.
    Value,
    /// A struct: exactly these keys.
    Fields(&'static [(&'static str, Shape)]),
    /// A list whose elements all have one shape.
    List(&'static Shape),
    /// A map keyed by student keys (the restricted part's `students`).
    ByStudent(&'static Shape),
}

impl Shape {
    /// The part's whole document.
    pub fn of(kind: DocKind) -> &'static Shape {
        match kind {
            DocKind::Account => &ACCOUNT,
            DocKind::Restricted => &RESTRICTED,
            DocKind::Review => &REVIEWS,
        }
    }

    /// The shape under `key`, if this place has that key.
    pub fn field(&self, key: &str) -> Option<&'static Shape> {
        match *self {
            Self::Fields(fields) => fields.iter().find(|(k, _)| *k == key).map(|(_, s)| s),
            Self::ByStudent(s) => key.parse::<StudentKey>().is_ok().then_some(s),
            Self::Value | Self::List(_) => None,
        }
    }

    /// Every place, one per line as `a.b[].c` (`*` for a student key), in
    /// sorted order: what the tests compare with the types.
    pub fn places(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect(&mut String::new(), &mut out);
        out.sort();
        out
    }

    fn collect(&self, path: &mut String, out: &mut Vec<String>) {
        let len = path.len();
        match self {
            Self::Value => out.push(path.clone()),
            Self::Fields(fields) => {
                for (key, shape) in *fields {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    shape.collect(path, out);
                    path.truncate(len);
                }
            }
            Self::List(elem) => {
                path.push_str("[]");
                elem.collect(path, out);
            }
            Self::ByStudent(elem) => {
                path.push_str(".*");
                elem.collect(path, out);
            }
        }
        path.truncate(len);
    }
}

const V: Shape = Shape::Value;

const DEMOGRAPHICS: Shape = Shape::Fields(&[
    ("race", Shape::List(&V)),
    ("hispanic_latino", V),
    ("sex", V),
    ("disability", V),
    ("english_learner", V),
]);

static ACCOUNT: Shape = Shape::Fields(&[
    ("id", V),
    ("school_id", V),
    ("officer_id", V),
    ("occurred_at", V),
    ("ended_at", V),
    ("location", V),
    ("initiated_by", V),
    (
        "request",
        Shape::Fields(&[
            ("staff_id", V),
            ("staff_role", V),
            ("reason", V),
            ("requested_at", V),
        ]),
    ),
    ("category", V),
    ("would_warrant_911", V),
    ("offense", V),
    ("offense_code", V),
    ("offense_severity", V),
    ("sro_role", V),
    (
        "students",
        Shape::List(&Shape::Fields(&[
            ("key", V),
            ("reference", V),
            ("age", V),
            ("grade", V),
            ("perceived", DEMOGRAPHICS),
        ])),
    ),
    (
        "deescalation",
        Shape::List(&Shape::Fields(&[
            ("technique", V),
            ("at", V),
            ("note", V),
            ("effective", V),
        ])),
    ),
    ("actions", Shape::List(&V)),
    (
        "custody",
        Shape::Fields(&[
            ("basis", V),
            ("probable_cause", V),
            ("why_at_school", V),
            ("directed_by_administrator", V),
            ("removed_from_public_view", V),
            ("duration_minutes", V),
            ("guardian_notified_at", V),
            ("guardian_not_notified_reason", V),
            ("disability_modifications", V),
            ("immediate_risk", V),
        ]),
    ),
    (
        "search_basis",
        Shape::Fields(&[("search_person", V), ("search_property", V), ("seizure", V)]),
    ),
    (
        "interrogation",
        Shape::Fields(&[
            ("questioned", V),
            ("rights_advised", V),
            ("guardian_present", V),
        ]),
    ),
    ("charges", Shape::Fields(&[("filed", V), ("court", V)])),
    ("transport_out_of_view", V),
    ("late_reason", V),
    ("narrative", V),
    ("status", V),
    ("submitted_at", V),
    (
        "amendments",
        Shape::List(&Shape::Fields(&[("at", V), ("by", V), ("reason", V)])),
    ),
    ("rules_version", V),
]);

static RESTRICTED: Shape = Shape::Fields(&[(
    "students",
    Shape::ByStudent(&Shape::Fields(&[
        ("school_record", DEMOGRAPHICS),
        (
            "sogi",
            Shape::Fields(&[
                ("self_reported", V),
                ("sexual_orientation", V),
                ("gender_identity", V),
            ]),
        ),
    ])),
)]);

static REVIEWS: Shape = Shape::Fields(&[(
    "reviews",
    Shape::List(&Shape::Fields(&[
        ("id", V),
        ("finding", V),
        ("notes", V),
        ("follow_up", V),
        ("by", V),
        ("at", V),
    ])),
)]);
