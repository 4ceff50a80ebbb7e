//! What an accepted push comes to (`client_core::push::judge`): what it
//! stores, projects and announces, and what a refusal in the same request
//! leaves standing.
#![allow(clippy::unwrap_used)]

mod common;

use client_core::push::Damaged;
use client_core::sync::DocChanges;
use client_core::vocabulary::Finding;
use client_core::webhook::EventType;
use client_core::{DocKind, ReviewId};
use common::push_server::*;
use common::*;

#[test]
fn a_new_record_is_stored_projected_once_and_announced_once() {
    let mut server = Server::default();
    let v = server.push(&officer(OFFICER), whole(&mut phone(&routine(), OFFICER)));
    assert!(v.refused.is_empty(), "{:?}", v.refused);
    assert_eq!(v.accepted.len(), 2);
    assert_eq!(v.writes.len(), 2);
    assert_eq!(v.rows.len(), 1);
    assert_eq!(v.rows[0].received_submitted_at, Some(now().millis()));
    assert_eq!(v.rows[0].officer, OFFICER);
    let kinds: Vec<_> = v.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventType::RecordSubmitted]);
    // The same changes again are acknowledged and stored nowhere.
    let again = server.push(&officer(OFFICER), whole(&mut phone(&routine(), OFFICER)));
    assert!(again.refused.is_empty() && again.events.is_empty());
    assert_eq!(again.stored_hashes().count(), 0);
}

#[test]
fn a_document_pushed_twice_in_one_request_is_written_once_with_both() {
    let mut docs = phone(&draft(), OFFICER);
    let mut push = whole(&mut docs);
    let first = docs.account.heads();
    let mut r = draft();
    r.submit(now());
    docs.write(&r, now()).unwrap();
    push.push(DocChanges::since(&mut docs.account, 0, &first));
    let v = Server::default().push(&officer(OFFICER), push);
    assert!(v.refused.is_empty(), "{:?}", v.refused);
    assert_eq!(v.accepted.len(), 3);
    let account: Vec<_> = v
        .writes
        .iter()
        .filter(|w| w.doc.kind == DocKind::Account)
        .collect();
    assert_eq!(account.len(), 1);
    assert_eq!(account[0].changes.len(), 2);
    assert_eq!(v.rows.len(), 1);
    assert_eq!(v.rows[0].status, "submitted");
    let kinds: Vec<_> = v.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventType::RecordSubmitted]);
}

#[test]
fn a_refused_second_push_keeps_what_the_first_push_of_that_document_stored() {
    let mut docs = phone(&draft(), OFFICER);
    let mut push = whole(&mut docs);
    let first = docs.account.heads();
    let mut r = draft();
    r.school_id = OTHER_SCHOOL;
    docs.write(&r, now()).unwrap();
    push.push(DocChanges::since(&mut docs.account, 0, &first));
    let mut server = Server::default();
    let v = server.push(&officer(OFFICER), push);
    assert_eq!(v.refused.len(), 1, "{:?}", v.refused);
    assert_eq!(v.refused[0].field.as_deref(), Some("school_id"));
    let stored = server.pulled(RECORD, OFFICER).read().unwrap();
    assert_eq!(stored.school_id, SCHOOL);
    assert_eq!(stored, draft());
}

#[test]
fn a_refused_record_leaves_the_rest_of_the_request_standing() {
    let mut bad = routine();
    bad.id = OTHER_RECORD;
    bad.rules_version = Some(1);
    let mut push = whole(&mut phone(&bad, OFFICER));
    push.extend(whole(&mut phone(&routine(), OFFICER)));
    let v = Server::default().push(&officer(OFFICER), push);
    let refused: Vec<_> = v.refused.iter().map(|r| r.doc.record).collect();
    // The bad record's restricted part then lacks its account.
    assert_eq!(refused, [OTHER_RECORD, OTHER_RECORD]);
    assert!(v.accepted.iter().all(|a| a.doc.record == RECORD));
    assert_eq!(v.rows.len(), 1);
}

#[test]
fn a_review_is_announced_with_its_id() {
    let mut server = Server::holding(&routine());
    let push = reviewed(
        &server,
        SUPERVISOR,
        review(SUPERVISOR, Finding::TrainingNeed),
    );
    let v = server.push(&supervisor(), push);
    assert!(v.refused.is_empty(), "{:?}", v.refused);
    assert!(v.rows.is_empty(), "a review does not move the projection");
    assert_eq!(v.events.len(), 1);
    assert_eq!(v.events[0].kind, EventType::ReviewCreated);
    assert_eq!(v.events[0].review, Some(ReviewId::from_u128(1)));
    assert_eq!(v.events[0].officer, OFFICER);
}

#[test]
fn a_snapshot_the_server_cannot_read_fails_the_request() {
    let mut server = Server::holding(&draft());
    if let Some(h) = server.held.get_mut(&id(RECORD, DocKind::Account)) {
        h.snapshot = vec![9; 40];
    }
    let push = whole(&mut phone(&draft(), OFFICER));
    let err = server.judge(&officer(OFFICER), push).unwrap_err();
    assert!(matches!(err, Damaged::Snapshot(d, _) if d == id(RECORD, DocKind::Account)));
}

#[test]
fn an_amendment_with_a_reason_is_accepted_and_announced() {
    let mut server = Server::holding(&routine());
    let push = edited(&server, OFFICER, |r| {
        r.narrative = Some("later".into());
        amend(r, OFFICER, "added the narrative");
    });
    let v = server.push(&officer(OFFICER), push);
    assert!(v.refused.is_empty(), "{:?}", v.refused);
    let kinds: Vec<_> = v.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventType::RecordAmended]);
}

/// A review is judged against the account and the reviews only: a
/// restricted part the server could not even load does not hold it back.
#[test]
fn a_review_never_loads_the_restricted_part() {
    let mut server = Server::holding(&routine());
    let push = reviewed(
        &server,
        SUPERVISOR,
        review(SUPERVISOR, Finding::Appropriate),
    );
    if let Some(h) = server.held.get_mut(&id(RECORD, DocKind::Restricted)) {
        h.snapshot = vec![9; 40];
    }
    let v = server.push(&supervisor(), push);
    assert!(v.refused.is_empty(), "{:?}", v.refused);
    assert_eq!(v.events.len(), 1);
}
