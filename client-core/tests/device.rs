//! A phone with years of records (issue 15): documents stay saved bytes
//! until needed, a few live at a time; the list, status and sync work from
//! summaries; a reply is applied a few records at a time; and retention lets
//! synced records outside the window go while never dropping an unsynced one.

mod common;
use client_core::ids::RecordId;
use client_core::replica::{Dirty, Replica, ReplicaError, SyncStatus};
use client_core::sync::*;
use client_core::vocabulary::Status;
use client_core::{DeviceId, Record, Timestamp};
use common::*;
use std::collections::BTreeMap;

const PHONE: DeviceId = DeviceId::from_u128(0xd1);

/// What a phone persisted: record blobs, summary buckets and the state.
#[derive(Default)]
struct Disk {
    records: BTreeMap<RecordId, Vec<u8>>,
    buckets: BTreeMap<u8, Vec<u8>>,
    state: Vec<u8>,
}

impl Disk {
    fn write(&mut self, d: Dirty) {
        self.records.extend(d.records);
        self.buckets.extend(d.buckets);
        if let Some(s) = d.state {
            self.state = s;
        }
        for id in d.dropped {
            self.records.remove(&id);
        }
    }
    fn open(&self, capacity: usize) -> Replica {
        let mut r =
            Replica::open(OFFICER, PHONE, &self.state, self.buckets.values().cloned()).unwrap();
        r.set_capacity(capacity);
        r
    }
    fn load(&self, r: &mut Replica, id: RecordId) {
        if r.needs(id) {
            r.load(id, &self.records[&id]).unwrap();
        }
    }
}

fn record(i: u128, at: Timestamp, submitted: bool) -> Record {
    let mut r = routine();
    r.id = RecordId::from_u128(0x1000 + i);
    r.occurred_at = at;
    r.ended_at = Some(at.plus_minutes(5));
    r.submitted_at = Some(at.plus_minutes(30));
    if !submitted {
        r.status = Status::Draft;
        r.submitted_at = None;
    }
    r
}

fn reply(request: &[u8], retain_from: Option<Timestamp>) -> Vec<u8> {
    accept_all_within(request, 1, retain_from.map(Timestamp::millis))
}

/// Loads what a round needs, then applies the reply two records a step.
fn round(disk: &mut Disk, r: &mut Replica, retain_from: Option<Timestamp>) -> bool {
    for id in r.outbox(usize::MAX) {
        disk.load(r, id);
    }
    let request = r.prepare_sync();
    let answer = reply(&request, retain_from);
    for id in r.begin_receive(&answer).unwrap() {
        disk.load(r, id);
    }
    loop {
        let step = r.receive_step(2).unwrap();
        disk.write(r.take_dirty());
        if let Some(report) = step {
            return report.more;
        }
    }
}

#[test]
fn records_leave_memory_and_come_back_from_their_bytes() {
    let mut disk = Disk::default();
    let mut phone = disk.open(2);
    for i in 0..6 {
        phone
            .create(&record(i, now().plus_hours(-(i as i64)), true), now())
            .unwrap();
        disk.write(phone.take_dirty());
    }
    let first = RecordId::from_u128(0x1000);
    assert!(phone.needs(first), "the oldest used record left memory");
    assert!(matches!(
        phone.record(first),
        Err(ReplicaError::NotLoaded(_))
    ));
    // Status and the list come from summaries, without loading.
    assert_eq!(phone.status(first), SyncStatus::SavedOnDevice);
    assert_eq!(phone.list_len(), 6);
    disk.load(&mut phone, first);
    assert_eq!(phone.record(first).unwrap().id, first);

    // A sync pushes every record, loading those that are not live.
    let mut phone = disk.open(2);
    assert!(!round(&mut disk, &mut phone, None));
    let mut phone = disk.open(2);
    for i in 0..6 {
        assert_eq!(
            phone.status(RecordId::from_u128(0x1000 + i)),
            SyncStatus::Synced
        );
    }
    assert!(phone.outbox(10).is_empty());
}

#[test]
fn the_list_puts_drafts_first_then_newest_first() {
    let mut phone = Replica::new(OFFICER, PHONE);
    phone
        .create(&record(1, now().plus_hours(-3), true), now())
        .unwrap();
    phone
        .create(&record(2, now().plus_hours(-1), true), now())
        .unwrap();
    phone
        .create(&record(3, now().plus_hours(-5), false), now())
        .unwrap();
    let ids: Vec<u128> = phone
        .list(0, 10)
        .iter()
        .map(|s| s.id.as_uuid().as_u128() - 0x1000)
        .collect();
    assert_eq!(ids, vec![3, 2, 1]);
    assert_eq!(phone.draft_count(), 1);
    assert_eq!(phone.list(1, 1).len(), 1);
}

#[test]
fn retention_lets_old_synced_records_go_and_keeps_unsynced_ones_and_drafts() {
    let window = t0().plus_hours(-24 * 30);
    let old = window.plus_hours(-24);
    let mut disk = Disk::default();
    let mut phone = disk.open(4);
    phone.create(&record(1, old, true), now()).unwrap(); // synced below, then leaves
    phone.create(&record(2, old, false), now()).unwrap(); // a draft stays
    phone.create(&record(3, t0(), true), now()).unwrap(); // recent stays
    disk.write(phone.take_dirty());
    assert!(!round(&mut disk, &mut phone, Some(window)));
    // Made after the sync: not on the server yet, so it stays however old.
    phone.create(&record(4, old, true), now()).unwrap();
    disk.write(phone.take_dirty());
    let quiet = SyncResponse {
        version: PROTOCOL_VERSION,
        cursor: Cursor(1),
        accepted: vec![],
        refused: vec![],
        pull: vec![],
        more: false,
        retain_from: Some(window.millis()),
    };
    phone.receive_sync(&quiet.encode()).unwrap();
    disk.write(phone.take_dirty());
    let ids = |r: &Replica| -> Vec<u128> {
        let mut v: Vec<u128> = r
            .record_ids()
            .iter()
            .map(|i| i.as_uuid().as_u128() - 0x1000)
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&phone), vec![2, 3, 4]);
    assert!(
        !disk.records.contains_key(&RecordId::from_u128(0x1001)),
        "its bytes were deleted"
    );

    // An unsynced old record outlives every retention pass while the server
    // refuses it; once accepted it leaves.
    let mut refusing = disk.open(4);
    let id = RecordId::from_u128(0x1005);
    refusing.create(&record(5, old, true), now()).unwrap();
    disk.write(refusing.take_dirty());
    let request = refusing.prepare_sync();
    let req = SyncRequest::decode(&request, usize::MAX).unwrap();
    let refused = req
        .push
        .iter()
        .map(|d| Refusal {
            doc: d.doc,
            code: RefusalCode::Invalid,
            reason: "no".into(),
            field: None,
        })
        .collect();
    let answer = SyncResponse {
        version: PROTOCOL_VERSION,
        cursor: Cursor(2),
        accepted: vec![],
        refused,
        pull: vec![],
        more: false,
        retain_from: Some(window.millis()),
    };
    refusing.receive_sync(&answer.encode()).unwrap();
    disk.write(refusing.take_dirty());
    assert!(
        refusing.record_ids().contains(&id),
        "a refused record stays"
    );
    assert!(refusing.not_synced().contains(&id), "and sign-out keeps it");
    assert!(disk.records.contains_key(&id));
}

#[test]
fn changes_of_a_record_outside_the_window_are_not_stored() {
    // Another device's record whose first change this phone never got.
    let mut other = Replica::new(OFFICER, DeviceId::from_u128(0xd2));
    let r = record(9, t0(), false);
    other.create(&r, now()).unwrap();
    let req = SyncRequest::decode(&other.prepare_sync(), usize::MAX).unwrap();
    let mut r2 = r.clone();
    r2.narrative = Some("later".into());
    other
        .receive_sync(&reply(
            &SyncRequest {
                push: req.push.clone(),
                ..req.clone()
            }
            .encode(),
            None,
        ))
        .unwrap();
    other.update(&r2, None, now()).unwrap();
    let later = SyncRequest::decode(&other.prepare_sync(), usize::MAX).unwrap();
    let pulled = SyncResponse {
        version: PROTOCOL_VERSION,
        cursor: Cursor(5),
        accepted: vec![],
        refused: vec![],
        pull: later.push,
        more: false,
        retain_from: Some(t0().plus_hours(-1000).millis()),
    };
    let mut phone = Replica::new(OFFICER, PHONE);
    let report = phone.receive_sync(&pulled.encode()).unwrap();
    assert!(
        phone.record_ids().is_empty(),
        "no record from changes without history"
    );
    assert!(report.received.is_empty());
    assert!(phone.take_dirty().records.is_empty());
}

#[test]
fn a_version_one_phone_s_documents_are_adopted_and_pushed_again() {
    // Version 1 kept each Automerge document on its own.
    let mut v1 = Replica::new(OFFICER, PHONE);
    let r = record(7, t0(), true);
    v1.create(&r, now()).unwrap();
    let saved: Vec<_> = [
        client_core::DocKind::Account,
        client_core::DocKind::Restricted,
    ]
    .into_iter()
    .map(|kind| {
        let id = client_core::document::DocId { record: r.id, kind };
        (id, v1.document(&id).unwrap().save())
    })
    .collect();
    let mut disk = Disk::default();
    let mut phone = disk.open(4);
    for (id, bytes) in &saved {
        phone.adopt(*id, bytes).unwrap();
    }
    disk.write(phone.take_dirty());
    let mut phone = disk.open(4);
    assert_eq!(phone.record_ids(), vec![r.id]);
    assert_eq!(phone.status(r.id), SyncStatus::SavedOnDevice);
    disk.load(&mut phone, r.id);
    assert_eq!(phone.record(r.id).unwrap(), r);
    // What the server has of it is unknown: all of it goes again.
    let req = SyncRequest::decode(&phone.prepare_sync(), usize::MAX).unwrap();
    assert_eq!(req.push.len(), 2);
}

#[test]
fn a_quiet_round_leaves_nothing_to_write() {
    let mut disk = Disk::default();
    let mut phone = disk.open(4);
    phone.create(&record(1, t0(), true), now()).unwrap();
    disk.write(phone.take_dirty());
    round(&mut disk, &mut phone, Some(t0().plus_hours(-1000)));
    let quiet = reply(&phone.prepare_sync(), Some(t0().plus_hours(-1000)));
    phone.receive_sync(&quiet).unwrap();
    let d = phone.take_dirty();
    assert!(
        d.records.is_empty() && d.buckets.is_empty() && d.state.is_none() && d.dropped.is_empty()
    );
}

#[test]
fn a_long_pull_keeps_only_a_few_records_in_memory() {
    // Another device's 30 records, pulled by a fresh phone that keeps 4 live.
    let mut other = Replica::new(OFFICER, DeviceId::from_u128(0xd2));
    let ids: Vec<RecordId> = (0..30)
        .map(|i| {
            let r = record(100 + i, t0(), true);
            other.create(&r, now()).unwrap();
            r.id
        })
        .collect();
    let push = SyncRequest::decode(&other.prepare_sync(), usize::MAX)
        .unwrap()
        .push;
    let pulled = SyncResponse {
        version: PROTOCOL_VERSION,
        cursor: Cursor(30),
        accepted: vec![],
        refused: vec![],
        pull: push,
        more: false,
        retain_from: Some(t0().plus_hours(-1000).millis()),
    };
    let mut disk = Disk::default();
    let mut phone = disk.open(4);
    assert!(phone.begin_receive(&pulled.encode()).unwrap().is_empty());
    let mut most = 0;
    loop {
        let step = phone.receive_step(3).unwrap();
        disk.write(phone.take_dirty());
        most = most.max(ids.iter().filter(|id| phone.is_live(**id)).count());
        if step.is_some() {
            break;
        }
    }
    assert!(most <= 4, "{most} records were live at once");
    assert_eq!(phone.record_ids().len(), 30);
    assert_eq!(disk.records.len(), 30);
}
