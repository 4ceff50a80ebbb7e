//! Redaction: a new generation holds the current state and nothing of the
//! history; a device replaces its copy with it and carries over what it had
//! not pushed.

mod common;

use client_core::document::{Account, DocId, Document, RecordDocs, actor_id};
use client_core::redaction::{self, REASON_MAX_CHARS, RedactionError};
use client_core::replica::{Replica, SyncStatus};
use client_core::review::{Review, Reviews};
use client_core::sync::{
    Accepted, Cursor, DocChanges, PROTOCOL_VERSION, Refusal, RefusalCode, SyncResponse, wire_hashes,
};
use client_core::vocabulary::{Finding, Location};
use client_core::{DeviceId, DocKind, ReviewId, UserId};
use common::*;

const CANARY: &str = "Jordan Ellis canary";

fn server() -> automerge::ActorId {
    actor_id(UserId::from_u128(0), DeviceId::from_u128(0))
}

fn history(doc: &mut Document) -> String {
    String::from_utf8_lossy(&doc.automerge().save_nocompress()).into_owned()
}

fn account(id: client_core::RecordId) -> DocId {
    DocId {
        record: id,
        kind: DocKind::Account,
    }
}

#[test]
fn reasons() {
    let long = "x".repeat(REASON_MAX_CHARS);
    let too_long = "x".repeat(REASON_MAX_CHARS + 1);
    let cases: [(&str, Result<String, RedactionError>); 5] = [
        ("", Err(RedactionError::ReasonMissing)),
        ("  \n ", Err(RedactionError::ReasonMissing)),
        ("  a name was written ", Ok("a name was written".into())),
        (&long, Ok(long.clone())),
        (&too_long, Err(RedactionError::ReasonTooLong)),
    ];
    for (input, want) in cases {
        assert_eq!(redaction::reason(input), want, "{input:?}");
    }
}

#[test]
fn a_new_generation_holds_the_state_and_none_of_the_history() {
    let mut r = routine();
    r.narrative = Some(format!("spoke with {CANARY}"));
    let mut docs =
        RecordDocs::create(&r, actor_id(OFFICER, DeviceId::from_u128(1)), t0()).expect("created");
    r.narrative = Some("spoke with a student".into());
    docs.write(&r, t0().plus_minutes(40)).expect("amended");
    assert!(
        history(&mut docs.account).contains(CANARY),
        "the fixture has it"
    );

    let mut next =
        redaction::compact(&mut docs.account, server(), t0().plus_hours(2)).expect("compacted");
    assert!(!history(&mut next).contains(CANARY));
    assert_eq!(next.changes_since(&[]).len(), 1, "one change");
    assert_eq!(
        next.read::<Account>().expect("reads"),
        docs.account.read::<Account>().expect("reads")
    );
}

/// A phone holding `r` as the server had it, then an edit it has not pushed.
fn phone_with_unpushed_edit() -> (Replica, Vec<automerge::ChangeHash>) {
    let mut phone = Replica::new(OFFICER, DeviceId::from_u128(1));
    let r = routine();
    phone.create(&r, t0()).expect("created");
    let reply = accept_all_within(&phone.prepare_sync(), 1, None);
    phone.receive_sync(&reply).expect("accepted");
    let synced = phone.document(&account(r.id)).expect("account").heads();
    let mut edited = r.clone();
    edited.narrative = Some("followed up with the counselor".into());
    phone
        .update(&edited, Some("follow-up"), t0().plus_hours(1))
        .expect("edited");
    (phone, synced)
}

/// The server's side: the account as it was synced, redacted, then changed
/// by another device of the officer (location) in the new generation.
fn new_generation(phone: &mut Replica, synced: &[automerge::ChangeHash]) -> Vec<Vec<u8>> {
    let id = account(RECORD);
    let held = phone.document(&id).expect("account");
    let mut at_server = Document::load(id, &held.automerge().save(), server()).expect("loads");
    let mut at_server = Document::load(
        id,
        &at_server.automerge().fork_at(synced).expect("forks").save(),
        server(),
    )
    .expect("loads");
    let mut next = redaction::compact(&mut at_server, server(), t0().plus_hours(2)).expect("ok");
    let mut a: Account = next.read().expect("reads");
    a.location = Some(Location::Gym);
    let mut tablet =
        Document::load(id, &next.save(), actor_id(OFFICER, DeviceId::from_u128(2))).expect("loads");
    tablet.write(&a, t0().plus_hours(3)).expect("writes");
    tablet.change_bytes_since(&[])
}

fn reply(pull: Vec<DocChanges>, refused: Vec<Refusal>, accepted: Vec<Accepted>) -> Vec<u8> {
    SyncResponse {
        version: PROTOCOL_VERSION,
        cursor: Cursor(9),
        accepted,
        refused,
        pull,
        more: false,
        retain_from: None,
    }
    .encode()
}

#[test]
fn a_pulled_generation_replaces_the_copy_and_keeps_unpushed_edits() {
    let (mut phone, synced) = phone_with_unpushed_edit();
    let changes = new_generation(&mut phone, &synced);
    // The phone pushes its edit on the old history; the server refuses it
    // as superseded and sends the new generation in the same reply.
    let _ = phone.prepare_sync();
    let superseded = Refusal {
        doc: account(RECORD),
        code: RefusalCode::Superseded,
        reason: "redacted".into(),
        field: None,
    };
    let pull = vec![DocChanges {
        doc: account(RECORD),
        generation: 1,
        changes,
    }];
    let report = phone
        .receive_sync(&reply(pull, vec![superseded], vec![]))
        .expect("applied");
    assert!(report.refused.is_empty(), "not the officer's to act on");
    assert!(report.more, "the edit goes again at once");

    let got = phone.record(RECORD).expect("record");
    assert_eq!(
        got.narrative.as_deref(),
        Some("followed up with the counselor")
    );
    assert_eq!(
        got.location,
        Some(Location::Gym),
        "the server's newer field"
    );
    assert_eq!(got.amendments.len(), 1);
    assert_eq!(phone.status(RECORD), SyncStatus::SavedOnDevice);

    // The next request pushes the carried edit in generation 1 only.
    let request =
        client_core::sync::SyncRequest::decode(&phone.prepare_sync(), usize::MAX).expect("ok");
    let pushed: Vec<_> = request
        .push
        .iter()
        .filter(|d| d.doc.kind == DocKind::Account)
        .collect();
    assert_eq!(pushed.len(), 1);
    assert_eq!(pushed[0].generation, 1);
    assert_eq!(pushed[0].changes.len(), 1, "the carried edit alone");

    // Saved and loaded again (a phone's blob), the generation stays.
    let blob = phone.export(RECORD).expect("blob");
    let mut again = Replica::new(OFFICER, DeviceId::from_u128(1));
    again.load(RECORD, &blob).expect("loads");
    let request =
        client_core::sync::SyncRequest::decode(&again.prepare_sync(), usize::MAX).expect("ok");
    assert!(
        request.push.iter().any(|d| d.doc.kind == DocKind::Account),
        "the carried edit is still to push"
    );
    assert!(
        request
            .push
            .iter()
            .all(|d| d.generation == 1 || d.doc.kind != DocKind::Account)
    );
}

/// A push accepted on the old history just before a redaction committed:
/// the same reply accepts it and brings the new generation. The accepted
/// heads belong to the history just replaced and must not become the new
/// one's (the device would then push its whole document again).
#[test]
fn heads_accepted_on_a_replaced_history_are_ignored() {
    let (mut phone, synced) = phone_with_unpushed_edit();
    let changes = new_generation(&mut phone, &synced);
    let _ = phone.prepare_sync();
    let old_heads = phone.document(&account(RECORD)).expect("doc").heads();
    let accepted = vec![Accepted {
        doc: account(RECORD),
        heads: wire_hashes(&old_heads),
    }];
    let pull = vec![DocChanges {
        doc: account(RECORD),
        generation: 1,
        changes,
    }];
    phone
        .receive_sync(&reply(pull, vec![], accepted))
        .expect("applied");
    let request =
        client_core::sync::SyncRequest::decode(&phone.prepare_sync(), usize::MAX).expect("ok");
    let pushed: Vec<_> = request
        .push
        .iter()
        .filter(|d| d.doc.kind == DocKind::Account)
        .collect();
    assert_eq!(pushed.len(), 1);
    assert_eq!(pushed[0].changes.len(), 1, "the carried edit alone");
}

#[test]
fn a_copy_with_nothing_unpushed_is_replaced_as_it_comes() {
    let mut phone = Replica::new(OFFICER, DeviceId::from_u128(1));
    let mut r = routine();
    r.narrative = Some(format!("spoke with {CANARY}"));
    phone.create(&r, t0()).expect("created");
    let request = phone.prepare_sync();
    phone
        .receive_sync(&accept_all_within(&request, 1, None))
        .expect("ok");
    r.narrative = Some("spoke with a student".into());
    phone.update(&r, Some("named a student"), t0()).expect("ok");
    let request = phone.prepare_sync();
    phone
        .receive_sync(&accept_all_within(&request, 2, None))
        .expect("ok");
    let held = phone.document(&account(RECORD)).expect("doc");
    let mut copy = Document::load(account(RECORD), &held.automerge().save(), server()).expect("ok");
    let mut next = redaction::compact(&mut copy, server(), t0()).expect("ok");
    let heads = next.heads();
    let pull = vec![DocChanges {
        doc: account(RECORD),
        generation: 1,
        changes: next.change_bytes_since(&[]),
    }];
    phone
        .receive_sync(&reply(pull, vec![], vec![]))
        .expect("ok");
    assert_eq!(phone.status(RECORD), SyncStatus::Synced);
    let doc = phone.document(&account(RECORD)).expect("doc");
    assert_eq!(doc.heads(), heads);
    assert!(!history(doc).contains(CANARY));
    let got = phone.record(RECORD).expect("ok");
    assert_eq!(got.narrative, r.narrative);
    assert_eq!(got.amendments.len(), 1);

    // A late change of the old history is ignored, not merged back in.
    let mut stale = Document::load(
        account(RECORD),
        &copy.save(),
        actor_id(OFFICER, DeviceId::from_u128(3)),
    )
    .expect("ok");
    let mut a: Account = stale.read().expect("ok");
    a.narrative = Some(CANARY.into());
    let before = stale.heads();
    stale.write(&a, t0()).expect("ok");
    let pull = vec![DocChanges {
        doc: account(RECORD),
        generation: 0,
        changes: stale.change_bytes_since(&before),
    }];
    let accepted = vec![Accepted {
        doc: account(RECORD),
        heads: wire_hashes(&heads),
    }];
    phone
        .receive_sync(&reply(pull, vec![], accepted))
        .expect("ok");
    assert!(!history(phone.document(&account(RECORD)).expect("doc")).contains(CANARY));
}

#[test]
fn reviews_written_offline_are_appended_to_the_new_generation() {
    let sup = UserId::from_u128(0x5e);
    let id = DocId {
        record: RECORD,
        kind: DocKind::Review,
    };
    let review = |n: u128, finding| Review {
        id: ReviewId::from_u128(n),
        finding,
        notes: None,
        follow_up: None,
        by: sup,
        at: t0(),
    };
    let mut desk = Document::new(id, actor_id(sup, DeviceId::from_u128(7)));
    let first = Reviews {
        reviews: vec![review(1, Finding::Appropriate)],
    };
    desk.write(&first, t0()).expect("ok");
    let synced = desk.heads();
    let mut at_server = Document::load(id, &desk.save(), server()).expect("ok");
    // Offline, the desk appends a second review.
    let mut mine = first.clone();
    mine.reviews.push(review(2, Finding::TrainingNeed));
    desk.write(&mine, t0()).expect("ok");
    // The server redacts, then another supervisor device appends a third.
    let mut next = redaction::compact(&mut at_server, server(), t0()).expect("ok");
    let mut theirs: Reviews = next.read().expect("ok");
    theirs.reviews.push(review(3, Finding::PolicyConcern));
    next.write(&theirs, t0()).expect("ok");

    assert!(redaction::rebase(&mut desk, &synced, &mut next).expect("ok"));
    let got: Reviews = next.read().expect("ok");
    let ids: Vec<_> = got.reviews.iter().map(|r| r.id).collect();
    assert_eq!(
        ids,
        [1, 3, 2].map(ReviewId::from_u128).to_vec(),
        "theirs kept, mine appended"
    );
    // Nothing unpushed: nothing carried.
    let mut plain = Document::load(id, &next.save(), server()).expect("ok");
    let heads = next.heads();
    assert!(!redaction::rebase(&mut next, &heads, &mut plain).expect("ok"));
}

#[test]
fn a_superseded_refusal_without_the_new_generation_does_not_loop() {
    let (mut phone, _) = phone_with_unpushed_edit();
    let _ = phone.prepare_sync();
    let superseded = Refusal {
        doc: account(RECORD),
        code: RefusalCode::Superseded,
        reason: "redacted".into(),
        field: None,
    };
    let report = phone
        .receive_sync(&reply(vec![], vec![superseded], vec![]))
        .expect("applied");
    assert!(!report.more, "nothing new to push: asking again would loop");
    assert_eq!(report.refused.len(), 1);
    assert!(matches!(phone.status(RECORD), SyncStatus::Refused(_)));
}

/// The desk amended a name away and redacted while the officer's phone,
/// offline, fixed a typo in the old narrative: the server's narrative
/// stands, so the name does not come back; the phone's other edits and its
/// amendment reason go through.
#[test]
fn a_field_changed_on_both_sides_keeps_the_servers_value() {
    let mut phone = Replica::new(OFFICER, DeviceId::from_u128(1));
    let mut r = routine();
    r.narrative = Some(format!("spoke with {CANARY}"));
    phone.create(&r, t0()).expect("created");
    let request = phone.prepare_sync();
    phone
        .receive_sync(&accept_all_within(&request, 1, None))
        .expect("ok");
    let synced = phone.document(&account(RECORD)).expect("doc").heads();
    // Offline: a typo fix in the old narrative, and a new location.
    let mut edited = r.clone();
    edited.narrative = Some(format!("spoke with {CANARY}."));
    edited.location = Some(Location::Gym);
    phone
        .update(&edited, Some("typo"), t0().plus_hours(1))
        .expect("edited");
    // The server: amended (another device), then redacted.
    let held = phone.document(&account(RECORD)).expect("doc");
    let at_sync = held.automerge().fork_at(&synced).expect("forks").save();
    let mut other = Document::load(
        account(RECORD),
        &at_sync,
        actor_id(OFFICER, DeviceId::from_u128(2)),
    )
    .expect("ok");
    let mut a: Account = other.read().expect("ok");
    a.narrative = Some("spoke with a student".into());
    other.write(&a, t0().plus_hours(2)).expect("ok");
    let mut next = redaction::compact(&mut other, server(), t0().plus_hours(3)).expect("ok");
    let changes = next.change_bytes_since(&[]);

    let mut old = Document::load(
        account(RECORD),
        &phone.document(&account(RECORD)).expect("doc").save(),
        actor_id(OFFICER, DeviceId::from_u128(1)),
    )
    .expect("ok");
    let mut new = Document::new(account(RECORD), actor_id(OFFICER, DeviceId::from_u128(1)));
    new.apply(client_core::sync::parse_changes(&changes).expect("ok"))
        .expect("ok");
    assert!(redaction::rebase(&mut old, &synced, &mut new).expect("ok"));
    let got: Account = new.read().expect("ok");
    assert_eq!(got.narrative.as_deref(), Some("spoke with a student"));
    assert_eq!(got.location, Some(Location::Gym), "the phone's own edit");
    assert_eq!(
        got.amendments
            .iter()
            .map(|x| x.reason.as_str())
            .collect::<Vec<_>>(),
        ["typo"]
    );
    assert!(!history(&mut new).contains(CANARY), "the name stays out");
}
