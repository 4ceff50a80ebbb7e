//! A record's history (`client_core::history`): each step's kind and fields,
//! by the user and device that made it, and nothing a role may not see.

mod common;
use client_core::document::{RecordDocs, actor_id};
use client_core::history::{EntryKind, history};
use client_core::ids::DeviceId;
use client_core::record::Amendment;
use client_core::review::Reviews;
use client_core::vocabulary::Status;
use client_core::{Record, Timestamp};
use common::*;
use serde_json::Value;

const PHONE: DeviceId = DeviceId::from_u128(0xd1);
const DESKTOP: DeviceId = DeviceId::from_u128(0xd2);

fn at(minutes: i64) -> Timestamp {
    t0().plus_minutes(minutes)
}

/// Draft on the phone; narrative edited; submitted; amended from the
/// desktop with a reason.
fn four_steps() -> RecordDocs {
    let mut r = routine();
    r.status = Status::Draft;
    r.submitted_at = None;
    r.narrative = Some("first words".into());
    let mut docs = RecordDocs::create(&r, actor_id(OFFICER, PHONE), at(0)).unwrap();
    r.narrative = Some("a fuller account".into());
    docs.write(&r, at(5)).unwrap();
    r.submit(at(10));
    docs.write(&r, at(10)).unwrap();
    for d in [Some(&mut docs.account), docs.restricted.as_mut()]
        .into_iter()
        .flatten()
    {
        d.automerge().set_actor(actor_id(OFFICER, DESKTOP));
    }
    r.location = Some(client_core::vocabulary::Location::Cafeteria);
    r.amendments.push(Amendment {
        at: at(90),
        by: OFFICER,
        reason: "wrong place".into(),
    });
    docs.write(&r, at(90)).unwrap();
    docs
}

fn full(r: &Record, reviews: &Reviews) -> Value {
    let mut v = serde_json::to_value(r).unwrap();
    v["reviews"] = serde_json::to_value(&reviews.reviews).unwrap();
    v
}

#[test]
fn each_step_has_its_kind_author_device_and_fields() {
    let mut docs = four_steps();
    let h = history(&mut docs, full).unwrap();
    let kinds: Vec<EntryKind> = h.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EntryKind::Created,
            EntryKind::Edited,
            EntryKind::Submitted,
            EntryKind::Amended
        ]
    );
    assert_eq!(h[1].fields, ["narrative"]);
    assert!(
        h[2].fields.contains(&"status".to_string()),
        "{:?}",
        h[2].fields
    );
    assert!(
        h[3].fields.contains(&"location".to_string()),
        "{:?}",
        h[3].fields
    );
    assert_eq!(h[3].amendment_reason.as_deref(), Some("wrong place"));
    assert_eq!((h[0].by, h[0].device), (OFFICER, PHONE));
    assert_eq!((h[3].by, h[3].device), (OFFICER, DESKTOP));
    assert_eq!(h[1].at, at(5));
    // The restricted part's change in the same instant is the same step.
    assert_eq!(h.len(), 4);
}

#[test]
fn a_step_that_changed_only_what_the_role_cannot_see_is_left_out() {
    let mut docs = four_steps();
    // As a view that withholds free text: the narrative and the
    // amendment's reason are cleared before the record is shown.
    let structured = |r: &Record, reviews: &Reviews| {
        let mut r = r.clone();
        r.narrative = None;
        for a in &mut r.amendments {
            a.reason.clear();
        }
        full(&r, reviews)
    };
    let h = history(&mut docs, structured).unwrap();
    let kinds: Vec<EntryKind> = h.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [EntryKind::Created, EntryKind::Submitted, EntryKind::Amended],
        "the narrative-only edit is not even listed"
    );
    assert_eq!(
        h[2].amendment_reason, None,
        "no reason the role cannot read"
    );
    for e in &h {
        assert!(!e.fields.iter().any(|f| f.contains("narrative")), "{e:?}");
    }
    let text = serde_json::to_string(&h).unwrap();
    assert!(
        !text.contains("fuller") && !text.contains("wrong place"),
        "{text}"
    );
}

#[test]
fn a_history_the_server_compacted_starts_at_the_redaction() {
    use client_core::redaction::compact;
    let mut docs = four_steps();
    let server = actor_id(client_core::UserId::from_u128(0), DeviceId::from_u128(0));
    let account = compact(&mut docs.account, server.clone(), at(100)).unwrap();
    let restricted = docs
        .restricted
        .as_mut()
        .map(|d| compact(d, server.clone(), at(100)))
        .transpose()
        .unwrap();
    let mut docs = RecordDocs {
        account,
        restricted,
        review: None,
    };
    let h = history(&mut docs, full).unwrap();
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0].kind, EntryKind::Redacted);
    assert_eq!(h[0].at, at(100));
}
