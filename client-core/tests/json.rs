//! The record's JSON: API.md's example parses, bad input names its field.

mod common;
use client_core::json::{JsonError, parse_record};
use client_core::vocabulary::*;
use common::*;

const API_EXAMPLE: &str = r#"{
  "id": "01932c07-0000-7000-8000-000000000001",
  "school_id": "01932c07-0000-7000-8000-000000000002",
  "occurred_at": "2026-09-14T10:05:00Z",
  "ended_at": "2026-09-14T10:20:00Z",
  "location": "hallway",
  "initiated_by": "school_staff",
  "request": {"staff_id": null, "staff_role": "teacher", "reason": "student refused to leave class", "requested_at": "2026-09-14T10:00:00Z"},
  "category": "code_of_conduct",
  "would_warrant_911": false,
  "offense": null,
  "sro_role": "law_enforcement_problem_solver",
  "students": [{
    "key": "01932c07-0000-7000-8000-000000000003",
    "ref": "S-20417", "age": 15, "grade": 10,
    "perceived": {"race": ["black"], "hispanic_latino": false, "sex": "female", "disability": "unknown"},
    "school_record": {"disability": "section_504", "english_learner": "no"},
    "sogi": null
  }],
  "deescalation": [{"technique": "verbal", "at": "2026-09-14T10:06:00Z", "note": "talked", "effective": false}],
  "actions": ["referred_to_administrator"],
  "custody": null,
  "narrative": "talked it through",
  "status": "submitted",
  "submitted_at": "2026-09-14T11:00:00Z",
  "flags": [{"code": "custody_without_deescalation", "reason": "ignored on input"}],
  "review_period": "2026-fall",
  "reviews": []
}"#;

#[test]
fn the_api_example_parses_and_is_complete() {
    let r = parse_record(API_EXAMPLE.as_bytes()).unwrap();
    assert_eq!(r.location, Some(Location::Hallway));
    assert_eq!(
        r.students[0].school_record.as_ref().unwrap().disability,
        Some(Disability::Section504)
    );
    assert_eq!(
        client_core::rules::validate(&r, now().plus_hours(24)),
        vec![]
    );
    // Serialising and parsing again gives the same record.
    let again = parse_record(serde_json::to_string(&r).unwrap().as_bytes()).unwrap();
    assert_eq!(again, r);
}

fn field_error(json: &str) -> (String, String) {
    match parse_record(json.as_bytes()) {
        Err(JsonError::Field { field, message }) => (field, message),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn an_unknown_enum_value_names_its_field() {
    let (field, message) = field_error(&API_EXAMPLE.replace("\"hallway\"", "\"rooftop\""));
    assert_eq!(field, "location");
    assert!(message.contains("rooftop"), "{message}");
    let (field, _) = field_error(&API_EXAMPLE.replace("\"black\"", "\"martian\""));
    assert_eq!(field, "students[0].perceived.race[0]");
    let (field, _) = field_error(&API_EXAMPLE.replace("\"verbal\"", "\"taser\""));
    assert_eq!(field, "deescalation[0].technique");
}

#[test]
fn wrong_types_and_bad_times_name_their_field() {
    assert_eq!(
        field_error(&API_EXAMPLE.replace("\"age\": 15", "\"age\": 900")).0,
        "students[0].age"
    );
    assert_eq!(
        field_error(&API_EXAMPLE.replace("\"2026-09-14T10:20:00Z\"", "\"yesterday\"")).0,
        "ended_at"
    );
    let (field, message) = field_error(r#"{"id": "01932c07-0000-7000-8000-000000000001"}"#);
    assert_eq!(field, "");
    assert!(message.contains("school_id"), "{message}");
}

#[test]
fn malformed_json_is_a_syntax_error() {
    for bad in ["", "{", "{\"id\": }", "[1,2", "nul", "{} trailing"] {
        assert!(
            matches!(parse_record(bad.as_bytes()), Err(JsonError::Syntax(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn oversize_json_is_refused_before_parsing() {
    let huge = format!(
        "{{\"narrative\": \"{}\"}}",
        "x".repeat(client_core::json::MAX_RECORD_JSON)
    );
    assert!(matches!(
        parse_record(huge.as_bytes()),
        Err(JsonError::TooLarge(_))
    ));
}
