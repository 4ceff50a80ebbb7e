//! The audience partition, enforced on hand-crafted Automerge changes: a
//! pushed document must hold its part's type and nothing else, after every
//! change, with a reason naming the field.

mod common;
use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};
use client_core::access::DocKind;
use client_core::document::{DocId, Document, RecordDocs, actor_id};
use client_core::partition::{PartitionError, apply_checked};
use client_core::record::*;
use client_core::review::{Review, Reviews};
use client_core::sync::RefusalCode;
use client_core::vocabulary::*;
use client_core::{DeviceId, ReviewId};
use common::*;

const PHONE: DeviceId = DeviceId::from_u128(0xd1);

fn record() -> Record {
    let mut r = custody();
    r.students[0].school_record = Some(Demographics {
        disability: Some(Disability::Section504),
        ..Default::default()
    });
    r.students[0].sogi = Some(Sogi {
        self_reported: true,
        sexual_orientation: None,
        gender_identity: Some("stated".into()),
    });
    r
}

/// The server's copy of a document (the device's first state applied) and
/// the device's copy to hand-edit.
fn pair(kind: DocKind) -> (Document, Document) {
    let mut docs = RecordDocs::create(&record(), actor_id(OFFICER, PHONE), t0()).unwrap();
    let mut device = match kind {
        DocKind::Account => docs.account,
        DocKind::Restricted => docs.restricted.take().unwrap(),
        DocKind::Review => {
            let id = DocId {
                record: RECORD,
                kind,
            };
            let mut d = Document::new(id, actor_id(OFFICER, PHONE));
            let reviews = Reviews {
                reviews: vec![Review {
                    id: ReviewId::from_u128(1),
                    finding: Finding::Appropriate,
                    notes: Some("fine".into()),
                    follow_up: None,
                    by: OFFICER,
                    at: t0(),
                }],
            };
            d.write(&reviews, t0()).unwrap();
            d
        }
    };
    let id = device.id();
    let server = Document::load(
        id,
        &device.save(),
        actor_id(OFFICER, DeviceId::from_u128(0)),
    )
    .unwrap();
    (server, device)
}

type Edit = fn(&mut automerge::AutoCommit);

fn students0(d: &automerge::AutoCommit) -> automerge::ObjId {
    let (_, list) = d.get(ROOT, "students").unwrap().unwrap();
    let (_, s0) = d.get(&list, 0).unwrap().unwrap();
    s0
}

fn restricted_student(d: &automerge::AutoCommit) -> automerge::ObjId {
    let (_, map) = d.get(ROOT, "students").unwrap().unwrap();
    let (_, s) = d.get(&map, STUDENT.to_string()).unwrap().unwrap();
    s
}

/// A case: its name, the part, the hand-made edits (one change each), and
/// the refusal expected (`None`: accepted) with the field it names.
type Case = (
    &'static str,
    DocKind,
    Vec<Edit>,
    Option<(RefusalCode, &'static str)>,
);

fn cases() -> Vec<Case> {
    vec![
        (
            "an ordinary edit",
            DocKind::Account,
            vec![|d| d.put(ROOT, "narrative", "talked it through").unwrap()],
            None,
        ),
        (
            "a school-record value inside the account",
            DocKind::Account,
            vec![|d| {
                let s0 = students0(d);
                let sr = d.put_object(&s0, "school_record", ObjType::Map).unwrap();
                d.put(&sr, "disability", "idea").unwrap();
            }],
            Some((RefusalCode::WrongPartition, "students[0].school_record")),
        ),
        (
            "SOGI inside the account",
            DocKind::Account,
            vec![|d| {
                let s0 = students0(d);
                d.put(&s0, "sogi", "x").unwrap();
            }],
            Some((RefusalCode::WrongPartition, "students[0].sogi")),
        ),
        (
            "a school-record value added, then removed in the same push",
            DocKind::Account,
            vec![
                |d| {
                    let s0 = students0(d);
                    d.put(&s0, "school_record", "idea").unwrap();
                },
                |d| {
                    let s0 = students0(d);
                    d.delete(&s0, "school_record").unwrap();
                },
            ],
            Some((RefusalCode::WrongPartition, "students[0].school_record")),
        ),
        (
            "an unknown top-level key",
            DocKind::Account,
            vec![|d| d.put(ROOT, "favourite_colour", "blue").unwrap()],
            Some((RefusalCode::UnknownField, "favourite_colour")),
        ),
        (
            "an unknown key nested in a known object",
            DocKind::Account,
            vec![|d| {
                let (_, custody) = d.get(ROOT, "custody").unwrap().unwrap();
                d.put(&custody, "extra", 1).unwrap();
            }],
            Some((RefusalCode::UnknownField, "custody.extra")),
        ),
        (
            "an unknown key set to null",
            DocKind::Account,
            vec![|d| d.put(ROOT, "extra", ()).unwrap()],
            Some((RefusalCode::UnknownField, "extra")),
        ),
        (
            "a map where the type has a plain value",
            DocKind::Account,
            vec![|d| {
                d.put_object(ROOT, "narrative", ObjType::Map).unwrap();
            }],
            Some((RefusalCode::Invalid, "")),
        ),
        (
            "an ordinary restricted edit",
            DocKind::Restricted,
            vec![|d| {
                let s = restricted_student(d);
                d.put(&s, "sogi", ()).unwrap();
            }],
            None,
        ),
        (
            "perceived values inside the restricted part",
            DocKind::Restricted,
            vec![|d| {
                let s = restricted_student(d);
                d.put_object(&s, "perceived", ObjType::Map).unwrap();
            }],
            Some((RefusalCode::WrongPartition, "")),
        ),
        (
            "a restricted entry not keyed by a student key",
            DocKind::Restricted,
            vec![|d| {
                let (_, map) = d.get(ROOT, "students").unwrap().unwrap();
                let s = d.put_object(&map, "S-20417", ObjType::Map).unwrap();
                d.put(&s, "school_record", ()).unwrap();
                d.put(&s, "sogi", ()).unwrap();
            }],
            Some((RefusalCode::UnknownField, "students.S-20417")),
        ),
        (
            "an arbitrary key in a review",
            DocKind::Review,
            vec![|d| {
                let (_, list) = d.get(ROOT, "reviews").unwrap().unwrap();
                let (_, r0) = d.get(&list, 0).unwrap().unwrap();
                d.put(&r0, "school_record", "idea").unwrap();
            }],
            Some((RefusalCode::WrongPartition, "reviews[0].school_record")),
        ),
        (
            "an arbitrary top-level key beside the reviews",
            DocKind::Review,
            vec![|d| d.put(ROOT, "students", "S-20417").unwrap()],
            Some((RefusalCode::UnknownField, "students")),
        ),
    ]
}

#[test]
fn a_pushed_document_holds_its_parts_type_and_nothing_else() {
    for (name, kind, edits, expected) in cases() {
        let (mut server, mut device) = pair(kind);
        let heads = server.heads();
        for edit in edits {
            edit(device.automerge());
            device.automerge().commit();
        }
        let mut changes = device.changes_since(&heads);
        // Causal order is the core's job, not the sender's.
        changes.reverse();
        let got = apply_checked(&mut server, changes).map_err(|e| e.refusal(device.id()));
        match (got, expected) {
            (Ok(()), None) => {}
            (Err(r), Some((code, field))) => {
                assert_eq!(r.code, code, "{name}: {r:?}");
                if !field.is_empty() {
                    assert_eq!(r.field.as_deref(), Some(field), "{name}: {r:?}");
                }
                assert!(!r.reason.contains("idea"), "{name}: no values in reasons");
            }
            (got, expected) => panic!("{name}: got {got:?}, expected {expected:?}"),
        }
    }
}

#[test]
fn every_part_a_device_writes_passes() {
    let mut docs = RecordDocs::create(&record(), actor_id(OFFICER, PHONE), t0()).unwrap();
    let mut r = record();
    r.narrative = Some("amended".into());
    r.students.push(Student {
        key: client_core::StudentKey::from_u128(0x58),
        ..student()
    });
    docs.write(&r, now()).unwrap();
    for doc in [&mut docs.account, docs.restricted.as_mut().unwrap()] {
        let mut server = Document::new(doc.id(), actor_id(OFFICER, DeviceId::from_u128(0)));
        assert_eq!(apply_checked(&mut server, doc.changes_since(&[])), Ok(()));
    }
}

#[test]
fn a_change_whose_dependencies_are_missing_is_refused_as_such() {
    let (mut server, mut device) = pair(DocKind::Account);
    let heads = server.heads();
    for text in ["one", "two"] {
        device.automerge().put(ROOT, "narrative", text).unwrap();
        device.automerge().commit();
    }
    let mut changes = device.changes_since(&heads);
    changes.remove(0);
    assert_eq!(
        apply_checked(&mut server, changes),
        Err(PartitionError::MissingDependencies)
    );
}
