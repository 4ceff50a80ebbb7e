//! The record as Automerge documents: round trips, the audience partition
//! (nothing forbidden in any history a role receives), and bad bytes.

mod common;
use client_core::access::{Actor, DocKind, Policy, RecordFacts};
use client_core::document::*;
use client_core::record::*;
use client_core::replica::{Replica, ReplicaError};
use client_core::rules::RuleCode;
use client_core::vocabulary::*;
use client_core::{DeviceId, Role, UserId};
use common::*;

const PHONE: DeviceId = DeviceId::from_u128(0xd1);

fn sensitive() -> Record {
    let mut r = custody();
    r.students[0].school_record = Some(Demographics {
        race: vec![Race::NativeHawaiianPacificIslander],
        disability: Some(Disability::Section504),
        english_learner: Some(EnglishLearner::Yes),
        ..Default::default()
    });
    r.students[0].sogi = Some(Sogi {
        self_reported: true,
        sexual_orientation: Some("CANARY-ORIENTATION".into()),
        gender_identity: Some("CANARY-IDENTITY".into()),
    });
    r.custody.as_mut().unwrap().disability_modifications = Some("explained each step".into());
    r
}

#[test]
fn a_record_round_trips_through_its_documents() {
    let r = sensitive();
    let mut docs = RecordDocs::create(&r, actor_id(OFFICER, PHONE), now()).unwrap();
    assert_eq!(docs.read().unwrap(), r);
    // And through saved bytes.
    let a = docs.account.save();
    let x = docs.restricted.as_mut().unwrap().save();
    let loaded = RecordDocs {
        account: Document::load(docs.account.id(), &a, actor_id(OFFICER, PHONE)).unwrap(),
        restricted: Some(
            Document::load(
                docs.restricted.as_ref().unwrap().id(),
                &x,
                actor_id(OFFICER, PHONE),
            )
            .unwrap(),
        ),
        review: None,
    };
    assert_eq!(loaded.read().unwrap(), r);
    // Without the restricted part, school-record values and SOGI are absent.
    let partial = RecordDocs {
        account: Document::load(docs.account.id(), &a, actor_id(OFFICER, PHONE)).unwrap(),
        restricted: None,
        review: None,
    };
    let seen = partial.read().unwrap();
    assert_eq!(seen.students[0].school_record, None);
    assert_eq!(seen.students[0].sogi, None);
    assert_eq!(seen.students[0].perceived, r.students[0].perceived);
}

#[test]
fn every_change_names_its_user_and_device() {
    let mut docs = RecordDocs::create(&routine(), actor_id(OFFICER, PHONE), now()).unwrap();
    for c in docs.account.changes_since(&[]) {
        assert_eq!(actor_user(c.actor_id()), Some(OFFICER));
        assert_eq!(&c.actor_id().to_bytes()[16..], PHONE.as_uuid().as_bytes());
    }
    assert_eq!(actor_user(&automerge::ActorId::from(vec![1u8, 2, 3])), None);
}

/// Every op of every change in the document's history, as JSON text.
fn history(doc: &mut Document) -> String {
    doc.changes_since(&[])
        .iter()
        .map(|c| serde_json::to_string(&c.decode()).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn no_role_receives_a_forbidden_value_anywhere_in_history() {
    // The officer enters everything, edits it, and later removes the SOGI
    // entry: the values must still never have touched a shared document.
    let mut phone = Replica::new(OFFICER, PHONE);
    let mut r = sensitive();
    r.status = Status::Draft;
    phone.create(&r, now()).unwrap();
    r.students[0].school_record.as_mut().unwrap().disability = Some(Disability::Idea);
    r.submit(now());
    phone.update(&r, None, now()).unwrap();
    r.students[0].sogi = None;
    phone
        .update(&r, Some("student asked to remove it"), now())
        .unwrap();

    let policy = Policy::federal_default();
    let facts = RecordFacts {
        officer: OFFICER,
        school: SCHOOL,
    };
    // Values that only school records or the student's own words supply.
    let forbidden_for_supervisor = [
        "CANARY-ORIENTATION",
        "CANARY-IDENTITY",
        "\"school_record\"",
        "\"sogi\"",
        "\"english_learner\":\"yes\"",
        "\"native_hawaiian_pacific_islander\"",
        "\"section_504\"",
        "\"idea\"",
    ];
    for role in Role::ALL {
        let actor = Actor {
            user: UserId::from_u128(0x99),
            role: *role,
            schools: vec![SCHOOL],
            supervises: vec![OFFICER],
        };
        let kinds = policy.readable_docs(&actor, &facts);
        let mut all_history = String::new();
        for kind in &kinds {
            let id = DocId {
                record: RECORD,
                kind: *kind,
            };
            if let Some(doc) = phone.document(&id) {
                all_history.push_str(&history(doc));
            }
        }
        match role {
            Role::Supervisor => {
                assert_eq!(kinds, vec![DocKind::Account, DocKind::Review]);
                assert!(
                    all_history.contains("S-20417"),
                    "the test reads real history"
                );
                for value in forbidden_for_supervisor {
                    assert!(
                        !all_history.contains(value),
                        "{value} in a supervisor's history"
                    );
                }
            }
            Role::Sro => {} // The author: may read everything.
            _ => assert!(kinds.is_empty(), "{role} receives no documents at all"),
        }
    }
    // The restricted document really did hold them (so the check above can fail).
    let restricted = history(
        phone
            .document(&DocId {
                record: RECORD,
                kind: DocKind::Restricted,
            })
            .unwrap(),
    );
    assert!(restricted.contains("CANARY-ORIENTATION") && restricted.contains("\"idea\""));
}

#[test]
fn a_submitted_record_needs_an_amendment_reason_to_change() {
    let mut phone = Replica::new(OFFICER, PHONE);
    phone.create(&routine(), now()).unwrap();
    let mut edited = routine();
    edited.location = Some(Location::Gym);
    match phone.update(&edited, None, now()) {
        Err(ReplicaError::Invalid(p)) => assert_eq!(p[0].code, RuleCode::AmendmentReasonRequired),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        phone.record(RECORD).unwrap().location,
        Some(Location::Hallway)
    );
    phone
        .update(&edited, Some("it was the gym"), now())
        .unwrap();
    let stored = phone.record(RECORD).unwrap();
    assert_eq!(stored.location, Some(Location::Gym));
    assert_eq!(stored.amendments.len(), 1);
    assert_eq!(stored.amendments[0].by, OFFICER);
}

#[test]
fn sogi_that_was_not_volunteered_never_enters_a_document() {
    let mut phone = Replica::new(OFFICER, PHONE);
    let mut r = routine();
    r.status = Status::Draft;
    r.students[0].sogi = Some(Sogi {
        self_reported: false,
        sexual_orientation: Some("CANARY".into()),
        gender_identity: None,
    });
    assert!(matches!(
        phone.create(&r, now()),
        Err(ReplicaError::Invalid(_))
    ));
    assert!(phone.record_ids().is_empty());
}

#[test]
fn truncated_or_corrupted_bytes_are_a_typed_error() {
    let mut docs = RecordDocs::create(&sensitive(), actor_id(OFFICER, PHONE), now()).unwrap();
    let bytes = docs.account.save();
    let id = docs.account.id();
    let actor = actor_id(OFFICER, PHONE);
    for cut in [0, 1, 7, bytes.len() / 2, bytes.len() - 1] {
        let r = Document::load(id, &bytes[..cut], actor.clone()).and_then(|d| d.read::<Account>());
        assert!(r.is_err(), "a document cut at {cut} bytes loaded");
    }
    for i in (0..bytes.len()).step_by(7) {
        let mut bad = bytes.clone();
        bad[i] ^= 0x5a;
        // Either refused or, if the checksum happens to pass, a typed result.
        let _ = Document::load(id, &bad, actor.clone()).map(|d| d.read::<Account>());
    }
    assert!(matches!(
        Document::load(id, &vec![0u8; MAX_DOC_BYTES + 1], actor),
        Err(DocumentError::TooLarge(_))
    ));
}

#[test]
fn a_document_with_an_unknown_enum_value_is_a_typed_error() {
    use automerge::transaction::Transactable;
    let mut docs = RecordDocs::create(&routine(), actor_id(OFFICER, PHONE), now()).unwrap();
    docs.account
        .automerge()
        .put(automerge::ROOT, "location", "rooftop")
        .unwrap();
    let err = docs.read().unwrap_err();
    assert!(
        matches!(
            err,
            DocumentError::Shape {
                kind: DocKind::Account,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("rooftop"), "{err}");
}

#[test]
fn a_document_of_another_record_is_refused() {
    let mut docs = RecordDocs::create(&routine(), actor_id(OFFICER, PHONE), now()).unwrap();
    let bytes = docs.account.save();
    let other = DocId {
        record: client_core::RecordId::from_u128(0xbad),
        kind: DocKind::Account,
    };
    let wrong = RecordDocs {
        account: Document::load(other, &bytes, actor_id(OFFICER, PHONE)).unwrap(),
        restricted: None,
        review: None,
    };
    assert!(matches!(
        wrong.read(),
        Err(DocumentError::WrongRecord { .. })
    ));
}

#[test]
fn doc_ids_parse_and_reject_garbage() {
    let id = DocId {
        record: RECORD,
        kind: DocKind::Review,
    };
    assert_eq!(id.to_string().parse::<DocId>().unwrap(), id);
    for bad in [
        "",
        "x/account",
        "00000000-0000-0000-0000-000000000ec0/secret",
        "/",
    ] {
        assert!(bad.parse::<DocId>().is_err(), "{bad}");
    }
}
