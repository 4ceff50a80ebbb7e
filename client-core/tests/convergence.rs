//! Property: 2-5 devices of one officer make random edits to the same record;
//! changes are delivered in random order, duplicated, and lost then retried.
//! Every device ends with identical documents and identical validated JSON.
//! Delivery goes through the real device code path (`Replica::receive_sync`).

mod common;
use automerge::ChangeHash;
use client_core::document::DocId;
use client_core::record::*;
use client_core::replica::Replica;
use client_core::sync::{Cursor, DocChanges, PROTOCOL_VERSION, SyncResponse};
use client_core::vocabulary::*;
use client_core::{DeviceId, DocKind, Record, StudentKey};
use common::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
enum Edit {
    Location(u8),
    Narrative(String),
    AddStep(u8),
    ToggleAction(u8),
    PerceivedSex(u8),
    SchoolRecordDisability(u8),
    AddStudent(u8),
    Submit,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<u8>().prop_map(Edit::Location),
        "[a-z ]{0,12}".prop_map(Edit::Narrative),
        any::<u8>().prop_map(Edit::AddStep),
        any::<u8>().prop_map(Edit::ToggleAction),
        any::<u8>().prop_map(Edit::PerceivedSex),
        any::<u8>().prop_map(Edit::SchoolRecordDisability),
        any::<u8>().prop_map(Edit::AddStudent),
        Just(Edit::Submit),
    ]
}

fn pick<T: Copy>(all: &[T], i: u8) -> T {
    all[i as usize % all.len()]
}

fn apply(edit: &Edit, r: &mut Record, device: usize, n: usize) {
    match edit {
        Edit::Location(i) => r.location = Some(pick(Location::ALL, *i)),
        Edit::Narrative(s) => r.narrative = Some(s.clone()),
        Edit::AddStep(i) => r.deescalation.push(DeescalationStep {
            technique: pick(Technique::ALL, *i),
            at: None,
            note: None,
            effective: None,
        }),
        Edit::ToggleAction(i) => {
            let a = pick(ActionTaken::ALL, *i);
            if let Some(pos) = r.actions.iter().position(|x| *x == a) {
                r.actions.remove(pos);
            } else {
                r.actions.push(a);
            }
        }
        Edit::PerceivedSex(i) => {
            if let Some(s) = r.students.first_mut() {
                s.perceived.get_or_insert_with(Default::default).sex = Some(pick(Sex::ALL, *i));
            }
        }
        Edit::SchoolRecordDisability(i) => {
            if let Some(s) = r.students.last_mut() {
                s.school_record
                    .get_or_insert_with(Default::default)
                    .disability = Some(pick(Disability::ALL, *i));
            }
        }
        Edit::AddStudent(i) => {
            let mut s = student();
            // Keys come from the device (a UUID in the app), unique per add.
            s.key =
                StudentKey::from_u128(((device as u128) << 64) | ((n as u128) << 8) | *i as u128);
            s.reference = format!("S-{i}");
            r.students.push(s);
        }
        Edit::Submit => r.submit(now()),
    }
}

struct Message {
    to: usize,
    doc: DocId,
    change: Vec<u8>,
}

fn deliver(devices: &mut [Replica], m: &Message) {
    let response = SyncResponse {
        version: PROTOCOL_VERSION,
        cursor: Cursor(0),
        accepted: vec![],
        refused: vec![],
        pull: vec![DocChanges {
            doc: m.doc,
            generation: 0,
            changes: vec![m.change.clone()],
        }],
        more: false,
        retain_from: None,
    };
    devices[m.to].receive_sync(&response.encode()).unwrap();
}

fn doc_ids() -> [DocId; 2] {
    [DocKind::Account, DocKind::Restricted].map(|kind| DocId {
        record: RECORD,
        kind,
    })
}

fn heads(device: &mut Replica) -> BTreeMap<DocId, Vec<ChangeHash>> {
    doc_ids()
        .into_iter()
        .filter_map(|id| device.document(&id).map(|d| (id, d.heads())))
        .collect()
}

/// Messages carrying every change `from` made since `before`.
fn outbox(
    devices: &mut [Replica],
    from: usize,
    before: &BTreeMap<DocId, Vec<ChangeHash>>,
) -> Vec<Message> {
    let mut out = Vec::new();
    for id in doc_ids() {
        let since = before.get(&id).cloned().unwrap_or_default();
        let Some(doc) = devices[from].document(&id) else {
            continue;
        };
        for mut c in doc.changes_since(&since) {
            for to in 0..devices.len() {
                if to != from {
                    out.push(Message {
                        to,
                        doc: id,
                        change: c.bytes().into_owned(),
                    });
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn devices_converge_whatever_the_delivery(
        n in 2usize..=5,
        edits in prop::collection::vec((0usize..5, edit()), 1..25),
        network in prop::collection::vec(any::<u8>(), 64..256),
    ) {
        let mut devices: Vec<Replica> = (0..n)
            .map(|d| Replica::new(OFFICER, DeviceId::from_u128(d as u128 + 1)))
            .collect();
        let mut first = routine();
        first.status = Status::Draft;
        first.submitted_at = None;
        devices[0].create(&first, now()).unwrap();
        for m in outbox(&mut devices, 0, &BTreeMap::new()) {
            deliver(&mut devices, &m);
        }

        let mut choices = network.iter().copied().cycle();
        let mut in_flight: Vec<Message> = Vec::new();
        for (i, (who, e)) in edits.iter().enumerate() {
            let who = who % n;
            let before = heads(&mut devices[who]);
            let mut r = devices[who].record(RECORD).unwrap();
            apply(e, &mut r, who, i);
            // Edits that break an integrity rule are refused locally; that is fine.
            let _ = devices[who].update(&r, Some("device edit"), now());
            in_flight.extend(outbox(&mut devices, who, &before));
            // Deliver some of what is in flight: random order, some twice,
            // some lost (kept for a later retry).
            let rounds = choices.next().unwrap() as usize % (in_flight.len() + 1);
            for _ in 0..rounds {
                let k = choices.next().unwrap() as usize % in_flight.len();
                match choices.next().unwrap() % 4 {
                    0 => {} // lost this time; retried later
                    1 => { deliver(&mut devices, &in_flight[k]); } // duplicated later
                    _ => { let m = in_flight.swap_remove(k); deliver(&mut devices, &m); }
                }
            }
        }
        // Retry everything that was lost, in reverse order.
        while let Some(m) = in_flight.pop() {
            deliver(&mut devices, &m);
        }

        let want_heads = heads(&mut devices[0]);
        let want = devices[0].record(RECORD).unwrap();
        let want_problems = serde_json::to_string(&client_core::rules::validate(&want, now())).unwrap();
        for d in devices.iter_mut().skip(1) {
            prop_assert_eq!(&heads(d), &want_heads);
            let got = d.record(RECORD).unwrap();
            prop_assert_eq!(&got, &want);
            prop_assert_eq!(
                serde_json::to_string(&client_core::rules::validate(&got, now())).unwrap(),
                want_problems.clone()
            );
            prop_assert_eq!(serde_json::to_string(&got).unwrap(), serde_json::to_string(&want).unwrap());
        }
    }
}
