//! The audience partition, enforced on hand-crafted Automerge changes: a
//! pushed document must hold its part's type and nothing else, after every
//! change, with a reason naming the field.

mod common;
use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};
use client_core::access::DocKind;
use client_core::document::{DocId, Document, RecordDocs, actor_id};
use client_core::partition::{PartitionError, Shape, apply_checked};
use client_core::record::*;
use client_core::review::{Review, Reviews};
use client_core::sync::{Refusal, RefusalCode};
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

fn reviews() -> Reviews {
    Reviews {
        reviews: vec![Review {
            id: ReviewId::from_u128(1),
            finding: Finding::Appropriate,
            notes: Some("fine".into()),
            follow_up: None,
            by: OFFICER,
            at: t0(),
        }],
    }
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
            d.write(&reviews(), t0()).unwrap();
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
            "a school-record value added and deleted within one change",
            DocKind::Account,
            vec![|d| {
                let s0 = students0(d);
                let sr = d.put_object(&s0, "school_record", ObjType::Map).unwrap();
                d.put(&sr, "disability", "idea").unwrap();
                d.delete(&s0, "school_record").unwrap();
            }],
            Some((RefusalCode::WrongPartition, "students[0].school_record")),
        ),
        (
            "an unknown review key added and deleted within one change",
            DocKind::Review,
            vec![|d| {
                let (_, list) = d.get(ROOT, "reviews").unwrap().unwrap();
                let (_, r0) = d.get(&list, 0).unwrap().unwrap();
                d.put(&r0, "home_address", "idea").unwrap();
                d.delete(&r0, "home_address").unwrap();
            }],
            Some((RefusalCode::UnknownField, "reviews[0].home_address")),
        ),
        (
            "a map at a plain value's place, filled and replaced within one change",
            DocKind::Account,
            vec![|d| {
                let m = d.put_object(ROOT, "narrative", ObjType::Map).unwrap();
                d.put(&m, "disability", "idea").unwrap();
                d.put(ROOT, "narrative", "talked it through").unwrap();
            }],
            Some((RefusalCode::UnknownField, "narrative.disability")),
        ),
        (
            "a student removed",
            DocKind::Account,
            vec![|d| {
                let (_, list) = d.get(ROOT, "students").unwrap().unwrap();
                d.delete(&list, 0).unwrap();
            }],
            None,
        ),
        (
            "a restricted student's entry deleted",
            DocKind::Restricted,
            vec![|d| {
                let (_, map) = d.get(ROOT, "students").unwrap().unwrap();
                d.delete(&map, STUDENT.to_string()).unwrap();
            }],
            None,
        ),
        (
            "list inserts and deletes",
            DocKind::Account,
            vec![
                |d| {
                    let (_, actions) = d.get(ROOT, "actions").unwrap().unwrap();
                    d.insert(&actions, 0, ActionTaken::Counseled.as_str())
                        .unwrap();
                    let s0 = students0(d);
                    let (_, p) = d.get(&s0, "perceived").unwrap().unwrap();
                    let (_, race) = d.get(&p, "race").unwrap().unwrap();
                    d.insert(&race, 1, Race::White.as_str()).unwrap();
                },
                |d| {
                    let (_, actions) = d.get(ROOT, "actions").unwrap().unwrap();
                    d.delete(&actions, 1).unwrap();
                },
            ],
            None,
        ),
        (
            "a text field rewritten, twice within one change",
            DocKind::Account,
            vec![|d| {
                d.put(ROOT, "narrative", "talked it through").unwrap();
                d.put(ROOT, "narrative", "talked it through; referred")
                    .unwrap();
                let (_, custody) = d.get(ROOT, "custody").unwrap().unwrap();
                d.put(&custody, "basis", "assault").unwrap();
            }],
            None,
        ),
        (
            "a student and an amendment added through the types",
            DocKind::Account,
            vec![|d| {
                let mut r = record();
                r.students.push(Student {
                    key: client_core::StudentKey::from_u128(0x58),
                    ..student()
                });
                r.amendments.push(Amendment {
                    at: now(),
                    by: OFFICER,
                    reason: "spelling".into(),
                });
                let (account, _) = client_core::document::split(&r);
                autosurgeon::reconcile(d, &account).unwrap();
            }],
            None,
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
    let mut failures = Vec::new();
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
        failures.extend(verdict(name, got, expected));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What is wrong with `got`, if anything (every case runs, so a failure
/// lists every case that fails).
fn verdict(
    name: &str,
    got: Result<(), Refusal>,
    expected: Option<(RefusalCode, &str)>,
) -> Option<String> {
    match (got, expected) {
        (Ok(()), None) => None,
        (Err(r), Some((code, field)))
            if r.code == code && (field.is_empty() || r.field.as_deref() == Some(field)) =>
        {
            r.reason
                .contains("idea")
                .then(|| format!("{name}: a value in the reason: {r:?}"))
        }
        (got, expected) => Some(format!("{name}: got {got:?}, expected {expected:?}")),
    }
}

/// A conflict: the part, the winning device's edit, the edit of a device
/// whose actor sorts lower (so its value loses every tie), and the refusal
/// expected. The losing value is never visible, but it is in the history.
type Conflict = (
    &'static str,
    DocKind,
    Edit,
    Edit,
    Option<(RefusalCode, &'static str)>,
);

fn conflicts() -> Vec<Conflict> {
    vec![
        (
            "a school-record value as the losing side of a conflict",
            DocKind::Account,
            |d| {
                let s0 = students0(d);
                d.put(&s0, "perceived", ()).unwrap();
            },
            |d| {
                let s0 = students0(d);
                let p = d.put_object(&s0, "perceived", ObjType::Map).unwrap();
                d.put(&p, "school_record", "idea").unwrap();
            },
            Some((
                RefusalCode::WrongPartition,
                "students[0].perceived.school_record",
            )),
        ),
        (
            "an unknown review key as the losing side of a conflict",
            DocKind::Review,
            |d| {
                let (_, list) = d.get(ROOT, "reviews").unwrap().unwrap();
                let (_, r0) = d.get(&list, 0).unwrap().unwrap();
                d.put(&r0, "notes", "fine, on reflection").unwrap();
            },
            |d| {
                let (_, list) = d.get(ROOT, "reviews").unwrap().unwrap();
                let (_, r0) = d.get(&list, 0).unwrap().unwrap();
                let notes = d.put_object(&r0, "notes", ObjType::Map).unwrap();
                d.put(&notes, "home_address", "idea").unwrap();
            },
            Some((RefusalCode::UnknownField, "reviews[0].notes.home_address")),
        ),
        (
            "two devices editing the same fields",
            DocKind::Account,
            |d| d.put(ROOT, "narrative", "one").unwrap(),
            |d| {
                d.put(ROOT, "narrative", "two").unwrap();
                let s0 = students0(d);
                d.put(&s0, "perceived", ()).unwrap();
            },
            None,
        ),
    ]
}

/// What a reader of the document's state sees (conflicts' losers hidden).
fn visible(d: &automerge::AutoCommit) -> String {
    serde_json::to_string(&automerge::AutoSerde::from(d)).unwrap()
}

#[test]
fn a_losing_value_is_checked_like_a_winning_one() {
    let mut failures = Vec::new();
    for (name, kind, winner, loser, expected) in conflicts() {
        let (mut server, mut device) = pair(kind);
        let heads = server.heads();
        let lower = actor_id(OFFICER, DeviceId::from_u128(0x01));
        let mut rival = Document::load(device.id(), &device.save(), lower.clone()).unwrap();
        winner(device.automerge());
        device.automerge().commit();
        loser(rival.automerge());
        rival.automerge().commit();
        // The winner's change first, as when it reached the server before
        // the loser's: no state after either change shows the losing value.
        let mut changes = device.changes_since(&heads);
        changes.extend(rival.changes_since(&heads));

        // The losing value is really hidden: merged, the document reads as
        // the winner's alone.
        let mut merged = Document::load(device.id(), &server.save(), lower).unwrap();
        merged.apply(changes.clone()).unwrap();
        if expected.is_some() {
            assert_eq!(
                visible(merged.automerge()),
                visible(device.automerge()),
                "{name}: the forbidden value should lose"
            );
        }

        let got = apply_checked(&mut server, changes).map_err(|e| e.refusal(device.id()));
        failures.extend(verdict(name, got, expected));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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

/// Every place of a written value, as `Shape::places` spells them.
fn places(value: &automerge::hydrate::Value, path: &mut String, out: &mut Vec<String>) {
    use automerge::hydrate::Value as Tree;
    let len = path.len();
    match value {
        Tree::Map(m) => {
            for (key, v) in m.iter() {
                let is_student = key.parse::<client_core::StudentKey>().is_ok();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(if is_student { "*" } else { key });
                places(&v.value, path, out);
                path.truncate(len);
            }
        }
        Tree::List(l) => {
            path.push_str("[]");
            for v in l.iter() {
                places(&v.value, path, out);
            }
        }
        _ => out.push(path.clone()),
    }
    path.truncate(len);
}

fn written<T: autosurgeon::Reconcile>(value: &T) -> Vec<String> {
    let mut d = automerge::AutoCommit::new();
    autosurgeon::reconcile(&mut d, value).unwrap();
    let mut out = Vec::new();
    places(
        &d.hydrate(ROOT, None).unwrap(),
        &mut String::new(),
        &mut out,
    );
    out.sort();
    out.dedup();
    out
}

/// The operation check reads places off hand-written shapes; they must be
/// exactly the places the types write (a value with every field filled, and
/// every list holding an element).
#[test]
fn the_shapes_are_the_places_the_types_write() {
    let mut r = record();
    if let Some(sr) = r.students[0].school_record.as_mut() {
        sr.race = vec![Race::White];
    }
    r.amendments.push(Amendment {
        at: now(),
        by: OFFICER,
        reason: "spelling".into(),
    });
    r.search_basis = Some(SearchBasis {
        search_person: Some(LegalBasis::Consent),
        search_property: Some(LegalBasis::Consent),
        seizure: Some(LegalBasis::PlainView),
    });
    let (account, restricted) = client_core::document::split(&r);
    for (kind, places) in [
        (DocKind::Account, written(&account)),
        (DocKind::Restricted, written(&restricted)),
        (DocKind::Review, written(&reviews())),
    ] {
        assert_eq!(Shape::of(kind).places(), places, "{kind:?}");
    }
}
