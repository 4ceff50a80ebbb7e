//! The sensitive-field table (`fields::FIELDS`) against the record type, and
//! each view against the table: a canary planted in every free-text field
//! shows only where the view may show it, and whenever it shows, the view
//! names that field as disclosed.

use client_core::access::View;
use client_core::fields::{FIELDS, Kind, Treatment};
use client_core::ids::{RecordId, ReviewId, SchoolId, StudentKey, UserId};
use client_core::period::PeriodCalendar;
use client_core::record::*;
use client_core::review::Review;
use client_core::view::redact;
use client_core::vocabulary::*;
use client_core::{Record, Timestamp};
use serde_json::Value;

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("timestamp")
}

/// Every field set, every list non-empty. A struct literal, so a new field
/// does not compile until it is given a value here.
fn maximal() -> Record {
    let demo = || Demographics {
        race: vec![Race::Black],
        hispanic_latino: Some(false),
        sex: Some(Sex::Female),
        disability: Some(Disability::Idea),
        english_learner: Some(EnglishLearner::Yes),
    };
    Record {
        id: RecordId::from_u128(1),
        school_id: SchoolId::from_u128(2),
        officer_id: UserId::from_u128(3),
        occurred_at: t("2026-09-14T10:05:00Z"),
        ended_at: Some(t("2026-09-14T10:20:00Z")),
        location: Some(Location::Hallway),
        initiated_by: Some(InitiatedBy::SchoolStaff),
        request: Some(StaffRequest {
            staff_id: Some("T-1".into()),
            staff_role: Some(StaffRole::Teacher),
            reason: Some("reason".into()),
            requested_at: Some(t("2026-09-14T10:00:00Z")),
        }),
        category: Some(Category::CriminalOffense),
        would_warrant_911: Some(true),
        offense: Some("offense".into()),
        offense_code: Some(client_core::offense::OffenseCode::Vandalism),
        offense_severity: Some(client_core::offense::Severity::Misdemeanor),
        sro_role: Some(SroRole::LawEnforcementProblemSolver),
        students: vec![Student {
            key: StudentKey::from_u128(4),
            reference: "S-1".into(),
            age: Some(15),
            grade: Some(10),
            perceived: Some(demo()),
            school_record: Some(demo()),
            sogi: Some(Sogi {
                self_reported: true,
                sexual_orientation: Some("so".into()),
                gender_identity: Some("gi".into()),
            }),
        }],
        deescalation: vec![DeescalationStep {
            technique: Technique::ALL[0],
            at: Some(t("2026-09-14T10:06:00Z")),
            note: Some("note".into()),
            effective: Some(false),
        }],
        actions: vec![ActionTaken::Arrest],
        custody: Some(Custody {
            basis: Some("basis".into()),
            probable_cause: Some("pc".into()),
            why_at_school: Some("why".into()),
            directed_by_administrator: Some(false),
            removed_from_public_view: Some(RemovedFromView::ALL[0]),
            duration_minutes: Some(30),
            guardian_notified_at: Some(t("2026-09-14T10:30:00Z")),
            guardian_not_notified_reason: Some("why not".into()),
            disability_modifications: Some("mods".into()),
            immediate_risk: Some("risk".into()),
        }),
        search_basis: Some(SearchBasis {
            search_person: Some(LegalBasis::Consent),
            search_property: Some(LegalBasis::Warrant),
            seizure: Some(LegalBasis::PlainView),
        }),
        interrogation: Some(Interrogation {
            questioned: true,
            rights_advised: Some(true),
            guardian_present: Some(false),
        }),
        charges: Some(Charges {
            filed: true,
            court: Some(CourtInvolvement::JuvenileCourt),
        }),
        transport_out_of_view: Some(RemovedFromView::Yes),
        late_reason: Some("late".into()),
        narrative: Some("narrative".into()),
        status: Status::Submitted,
        submitted_at: Some(t("2026-09-14T11:00:00Z")),
        amendments: vec![Amendment {
            at: t("2026-09-15T09:00:00Z"),
            by: UserId::from_u128(3),
            reason: "amended".into(),
        }],
        rules_version: Some(client_core::rules::version::CURRENT),
    }
}

fn maximal_review() -> Review {
    Review {
        id: ReviewId::from_u128(5),
        finding: Finding::TrainingNeed,
        notes: Some("notes".into()),
        follow_up: Some("follow".into()),
        by: UserId::from_u128(6),
        at: t("2026-09-20T09:00:00Z"),
    }
}

/// Every string leaf as (path without array indexes, pointer).
fn string_leaves(v: &Value, path: &str, ptr: &str, out: &mut Vec<(String, String)>) {
    let join = |a: &str, b: &str| {
        if a.is_empty() {
            b.to_owned()
        } else {
            format!("{a}.{b}")
        }
    };
    match v {
        Value::String(_) => out.push((path.to_owned(), ptr.to_owned())),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| string_leaves(x, path, &format!("{ptr}/{i}"), out)),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| string_leaves(x, &join(path, k), &format!("{ptr}/{k}"), out)),
        _ => {}
    }
}

fn no_nulls_or_empty_lists(v: &Value, at: &str) {
    match v {
        Value::Null => panic!("{at} is null in the maximal record: give it a value"),
        Value::Array(a) => {
            assert!(!a.is_empty(), "{at} is empty in the maximal record");
            a.iter().for_each(|x| no_nulls_or_empty_lists(x, at));
        }
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| no_nulls_or_empty_lists(x, &format!("{at}.{k}"))),
        _ => {}
    }
}

fn listed(path: &str) -> bool {
    FIELDS
        .iter()
        .any(|f| path == f.path || path.starts_with(&format!("{}.", f.path)))
}

/// Every string of the record (and of a review) that takes any text is free
/// text, and must be in `FIELDS`: enumerations, ids and times refuse text.
fn check_every_free_text_field_is_listed<T: serde::Serialize + serde::de::DeserializeOwned>(
    value: &T,
    prefix: &str,
) {
    let json = serde_json::to_value(value).unwrap();
    no_nulls_or_empty_lists(&json, prefix);
    let mut leaves = Vec::new();
    string_leaves(&json, prefix, "", &mut leaves);
    assert!(leaves.len() > 5, "{leaves:?}");
    for (path, ptr) in leaves {
        let mut probe = json.clone();
        *probe.pointer_mut(&ptr).unwrap() = "any text at all, Jordan".into();
        let takes_text = serde_json::from_value::<T>(probe).is_ok();
        assert!(
            !takes_text || listed(&path),
            "{path} takes free text but is not in fields::FIELDS: \
             add it there (and to view::redact)"
        );
    }
}

#[test]
fn every_free_text_field_is_listed() {
    check_every_free_text_field_is_listed(&maximal(), "");
    check_every_free_text_field_is_listed(&maximal_review(), "reviews");
}

/// The maximal record with a distinct canary in every free-text or
/// reference leaf, keyed by the `FIELDS` path it belongs to.
fn planted() -> (Record, Review, Vec<(&'static str, String)>) {
    let mut canaries = Vec::new();
    let mut plant = |json: &mut Value, prefix: &str| {
        let mut leaves = Vec::new();
        string_leaves(json, prefix, "", &mut leaves);
        for (path, ptr) in leaves {
            let Some(field) = FIELDS.iter().find(|f| {
                matches!(f.kind, Kind::FreeText | Kind::StudentRef | Kind::StaffRef)
                    && (path == f.path || path.starts_with(&format!("{}.", f.path)))
            }) else {
                continue;
            };
            let canary = format!("CANARY-{:03}-END", canaries.len());
            *json.pointer_mut(&ptr).unwrap() = canary.clone().into();
            canaries.push((field.path, canary));
        }
    };
    let mut record = serde_json::to_value(maximal()).unwrap();
    plant(&mut record, "");
    let mut review = serde_json::to_value(maximal_review()).unwrap();
    plant(&mut review, "reviews");
    (
        serde_json::from_value(record).unwrap(),
        serde_json::from_value(review).unwrap(),
        canaries,
    )
}

#[test]
fn a_canary_in_every_free_text_field_shows_only_where_the_view_allows_and_is_logged() {
    let (record, review, canaries) = planted();
    let paths: Vec<&str> = canaries.iter().map(|(p, _)| *p).collect();
    for f in FIELDS
        .iter()
        .filter(|f| matches!(f.kind, Kind::FreeText | Kind::StudentRef | Kind::StaffRef))
    {
        assert!(paths.contains(&f.path), "no canary planted in {}", f.path);
    }
    let now = t("2026-09-21T00:00:00Z");
    for view in View::ALL.iter().copied() {
        let v = redact(
            &record,
            std::slice::from_ref(&review),
            view,
            &PeriodCalendar::default(),
            now,
        );
        let json = serde_json::to_string(&v).unwrap();
        // Nothing withheld survives in the struct either.
        let inner = format!("{:?} {:?}", v.record, v.reviews);
        let disclosed = v.disclosed_fields();
        for (path, canary) in &canaries {
            let field = FIELDS.iter().find(|f| f.path == *path).unwrap();
            let allowed = view.treats(field.kind) == Treatment::Shown;
            assert_eq!(
                json.contains(canary.as_str()),
                allowed,
                "{view:?}: {path} in {json}"
            );
            assert_eq!(
                inner.contains(canary.as_str()),
                allowed,
                "{view:?}: {path} kept"
            );
            if json.contains(canary.as_str()) {
                assert!(
                    disclosed.contains(path),
                    "{view:?}: {path} shown, not logged"
                );
            }
        }
        for path in &disclosed {
            let field = FIELDS.iter().find(|f| f.path == *path).unwrap();
            assert_eq!(
                view.treats(field.kind),
                Treatment::Shown,
                "{view:?}: {path}"
            );
        }
    }
}

#[test]
fn a_school_leaders_json_has_structured_fields_only_and_no_nulls_for_withheld_ones() {
    let v = redact(
        &maximal(),
        &[maximal_review()],
        View::Pseudonymised,
        &PeriodCalendar::default(),
        t("2026-09-21T00:00:00Z"),
    );
    let json = serde_json::to_value(&v).unwrap();
    let custody = json["custody"].as_object().unwrap();
    for withheld in [
        "disability_modifications",
        "basis",
        "probable_cause",
        "why_at_school",
        "immediate_risk",
    ] {
        assert!(!custody.contains_key(withheld), "{withheld}: {json}");
    }
    assert_eq!(custody["duration_minutes"], 30);
    assert!(json.get("narrative").is_none() && json.get("offense").is_none());
    assert!(json["request"].get("reason").is_none());
    assert_eq!(json["request"]["staff_role"], "teacher");
    // The school's own staff reference: the over-calling view counts by it.
    assert_eq!(json["request"]["staff_id"], "T-1");
    assert_eq!(json["students"][0]["ref"], "student-1");
    assert_eq!(json["students"][0]["grade"], 10);
    assert!(json.get("reviews").is_none());
    assert_eq!(v.disclosed_fields(), vec!["request.staff_id"]);
    assert!(!v.names_students());
}

#[test]
fn each_view_names_what_it_discloses() {
    let now = t("2026-09-21T00:00:00Z");
    let fields = |view| {
        redact(
            &maximal(),
            &[maximal_review()],
            view,
            &PeriodCalendar::default(),
            now,
        )
        .disclosed_fields()
    };
    let all: Vec<&str> = FIELDS.iter().map(|f| f.path).collect();
    assert_eq!(fields(View::Full), all);
    let sup: Vec<&str> = all
        .iter()
        .copied()
        .filter(|p| !["students.school_record", "students.sogi"].contains(p))
        .collect();
    assert_eq!(fields(View::Supervisor), sup);
}
