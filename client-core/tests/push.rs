//! The server's half of sync (`client_core::push::judge`): a table of every
//! refusal, each against the state a real phone would push, and what an
//! accepted push stores, projects and announces.
#![allow(clippy::unwrap_used)]

mod common;

use client_core::access::Actor;
use client_core::document::{DocId, Document, actor_id};
use client_core::sync::{DocChanges, RefusalCode};
use client_core::vocabulary::Finding;
use client_core::{DocKind, Record};
use common::push_server::*;
use common::*;

struct Case {
    name: &'static str,
    /// The server before, who pushes, and what.
    given: fn() -> (Server, Actor, Vec<DocChanges>),
    kind: DocKind,
    code: RefusalCode,
    field: Option<&'static str>,
}

fn new_record(r: Record) -> (Server, Actor, Vec<DocChanges>) {
    let who = r.officer_id;
    (Server::default(), officer(who), whole(&mut phone(&r, who)))
}

/// Grows the held document `doc` to within `room` bytes of the limit, as
/// years of edits would: bytes written into its history and deleted, so the
/// record still reads as it did.
fn pad(s: &mut Server, doc: DocId, room: usize) {
    use automerge::transaction::Transactable;
    let held = s.held.get_mut(&doc).unwrap();
    let limit = client_core::document::MAX_DOC_BYTES;
    let mut noise = 0x9e37_79b9_7f4a_7c15_u64;
    let mut bytes = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                noise ^= noise << 13;
                noise ^= noise >> 7;
                noise ^= noise << 17;
                noise as u8
            })
            .collect()
    };
    // Random bytes barely compress: two tries land within `room`.
    let mut size = held.snapshot.len();
    while size + room < limit || size > limit {
        let mut d = Document::load(doc, &held.snapshot, actor_id(OFFICER, PHONE)).unwrap();
        let want = (limit - room).saturating_sub(size).max(1);
        let am = d.automerge();
        am.put(automerge::ROOT, "padding", bytes(want)).unwrap();
        am.delete(automerge::ROOT, "padding").unwrap();
        let saved = d.save();
        assert!(saved.len() <= limit, "{} over the limit", saved.len());
        size = saved.len();
        held.snapshot = saved;
    }
}

/// Text that does not compress much: letters drawn at random.
fn text(n: usize) -> String {
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'a' + (x % 26) as u8)
        })
        .collect()
}

fn cases() -> Vec<Case> {
    use RefusalCode::*;
    vec![
        Case {
            name: "changes over the document limit",
            given: || {
                let huge = vec![0; client_core::document::MAX_DOC_BYTES + 1];
                let push = vec![DocChanges {
                    doc: id(RECORD, DocKind::Account),
                    generation: 0,
                    changes: vec![huge],
                }];
                (Server::default(), officer(OFFICER), push)
            },
            kind: DocKind::Account,
            code: TooLarge,
            field: None,
        },
        Case {
            name: "an edit that would save the document past the limit",
            given: || {
                let mut s = Server::holding(&draft());
                pad(&mut s, id(RECORD, DocKind::Account), 2_000);
                let push = edited(&s, OFFICER, |r| r.narrative = Some(text(8_000)));
                (s, officer(OFFICER), push)
            },
            kind: DocKind::Account,
            code: TooLarge,
            field: None,
        },
        Case {
            name: "bytes that are no change",
            given: || {
                let push = vec![DocChanges {
                    doc: id(RECORD, DocKind::Account),
                    generation: 0,
                    changes: vec![vec![1, 2, 3]],
                }];
                (Server::default(), officer(OFFICER), push)
            },
            kind: DocKind::Account,
            code: Corrupt,
            field: None,
        },
        Case {
            name: "changes authored by another user",
            given: || {
                let push = whole(&mut phone(&routine(), OTHER_OFFICER));
                (Server::default(), officer(OFFICER), push)
            },
            kind: DocKind::Account,
            code: ForgedActor,
            field: None,
        },
        Case {
            name: "another officer's record",
            given: || {
                let mut r = routine();
                r.officer_id = OTHER_OFFICER;
                let s = Server::holding(&r);
                let push = edited(&s, OFFICER, |r| r.narrative = Some("mine".into()));
                (s, officer(OFFICER), push)
            },
            kind: DocKind::Account,
            code: Forbidden,
            field: None,
        },
        Case {
            name: "a new record in another officer's name",
            given: || {
                let mut r = routine();
                r.officer_id = OTHER_OFFICER;
                (
                    Server::default(),
                    officer(OFFICER),
                    whole(&mut phone(&r, OFFICER)),
                )
            },
            kind: DocKind::Account,
            code: Forbidden,
            field: None,
        },
        Case {
            name: "a supervisor writing the officer's account",
            given: || {
                let s = Server::holding(&routine());
                let push = edited(&s, SUPERVISOR, |r| r.narrative = Some("tidied".into()));
                (s, supervisor(), push)
            },
            kind: DocKind::Account,
            code: Forbidden,
            field: None,
        },
        Case {
            name: "an officer reviewing their own record",
            given: || {
                let s = Server::holding(&routine());
                let push = reviewed(&s, OFFICER, review(OFFICER, Finding::Appropriate));
                (s, officer(OFFICER), push)
            },
            kind: DocKind::Review,
            code: Forbidden,
            field: None,
        },
        Case {
            name: "edits of a history redacted since the pull",
            given: || {
                let mut s = Server::holding(&routine());
                let push = edited(&s, OFFICER, |r| amend(r, OFFICER, "typo"));
                if let Some(h) = s.held.get_mut(&id(RECORD, DocKind::Account)) {
                    h.generation = 1;
                }
                (s, officer(OFFICER), push)
            },
            kind: DocKind::Account,
            code: Superseded,
            field: None,
        },
        Case {
            name: "a history the server never issued",
            given: || {
                let (s, a, mut push) = new_record(routine());
                push[0].generation = 1;
                (s, a, push)
            },
            kind: DocKind::Account,
            code: Corrupt,
            field: None,
        },
        Case {
            name: "a key the account does not have",
            given: || {
                let mut docs = phone(&routine(), OFFICER);
                let am = docs.account.automerge();
                automerge::transaction::Transactable::put(am, automerge::ROOT, "bogus", 1).unwrap();
                am.commit();
                (Server::default(), officer(OFFICER), whole(&mut docs))
            },
            kind: DocKind::Account,
            code: UnknownField,
            field: Some("bogus"),
        },
        Case {
            name: "a change whose dependency is missing",
            given: || {
                let mut docs = phone(&draft(), OFFICER);
                let first = docs.account.heads();
                let mut r = draft();
                r.narrative = Some("more".into());
                docs.write(&r, now()).unwrap();
                let push = vec![DocChanges::since(&mut docs.account, 0, &first)];
                (Server::default(), officer(OFFICER), push)
            },
            kind: DocKind::Account,
            code: MissingDependencies,
            field: None,
        },
        Case {
            name: "a restricted part before its account",
            given: || {
                let (s, a, mut push) = new_record(routine());
                push.remove(0);
                (s, a, push)
            },
            kind: DocKind::Restricted,
            code: MissingDependencies,
            field: None,
        },
        Case {
            name: "reviews of a record the server lacks",
            given: || {
                let s = Server::holding(&routine());
                let push = reviewed(&s, SUPERVISOR, review(SUPERVISOR, Finding::Appropriate));
                (Server::default(), supervisor(), push)
            },
            kind: DocKind::Review,
            code: MissingDependencies,
            field: None,
        },
        Case {
            name: "a new account with nothing in it",
            given: || {
                let push = vec![DocChanges {
                    doc: id(RECORD, DocKind::Account),
                    generation: 0,
                    changes: vec![],
                }];
                (Server::default(), officer(OFFICER), push)
            },
            kind: DocKind::Account,
            code: Invalid,
            field: None,
        },
        Case {
            name: "an account over a stored restricted part that no longer reads",
            given: || {
                let mut s = Server::holding(&draft());
                let rid = id(RECORD, DocKind::Restricted);
                let mut odd = Document::new(rid, actor_id(OFFICER, PHONE));
                let am = odd.automerge();
                automerge::transaction::Transactable::put(am, automerge::ROOT, "students", 5)
                    .unwrap();
                am.commit();
                let push = edited(&s, OFFICER, |r| r.narrative = Some("more".into()));
                if let Some(h) = s.held.get_mut(&rid) {
                    h.snapshot = odd.save();
                }
                (s, officer(OFFICER), push)
            },
            kind: DocKind::Account,
            code: Invalid,
            field: None,
        },
        Case {
            name: "a record moved to another school",
            given: || {
                let s = Server::holding(&draft());
                let push = edited(&s, OFFICER, |r| r.school_id = OTHER_SCHOOL);
                (s, officer(OFFICER), push)
            },
            kind: DocKind::Account,
            code: Invalid,
            field: Some("school_id"),
        },
        Case {
            name: "a record given another id",
            given: || {
                let s = Server::holding(&draft());
                let push = edited(&s, OFFICER, |r| r.id = OTHER_RECORD);
                (s, officer(OFFICER), push)
            },
            kind: DocKind::Account,
            code: Invalid,
            field: Some("school_id"),
        },
        Case {
            name: "a record first submitted under version 1 after the upgrade",
            given: || {
                let mut r = routine();
                r.rules_version = Some(1);
                new_record(r)
            },
            kind: DocKind::Account,
            code: Invalid,
            field: Some("rules_version"),
        },
        Case {
            name: "a submitted arrest without probable cause",
            given: || {
                let mut r = custody();
                if let Some(c) = &mut r.custody {
                    c.probable_cause = None;
                }
                new_record(r)
            },
            kind: DocKind::Account,
            code: Invalid,
            field: Some("custody.probable_cause"),
        },
        Case {
            name: "a submitted record changed without a reason",
            given: || {
                let s = Server::holding(&routine());
                let push = edited(&s, OFFICER, |r| r.narrative = Some("later".into()));
                (s, officer(OFFICER), push)
            },
            kind: DocKind::Account,
            code: Invalid,
            field: Some("amendments"),
        },
        Case {
            name: "an amendment in another's name",
            given: || {
                let s = Server::holding(&routine());
                let push = edited(&s, OFFICER, |r| amend(r, SUPERVISOR, "typo"));
                (s, officer(OFFICER), push)
            },
            kind: DocKind::Account,
            code: Invalid,
            field: Some("amendments.0.by"),
        },
        Case {
            name: "an earlier amendment removed",
            given: || {
                let mut r = routine();
                amend(&mut r, OFFICER, "typo");
                let s = Server::holding(&r);
                let push = edited(&s, OFFICER, |r| r.amendments.clear());
                (s, officer(OFFICER), push)
            },
            kind: DocKind::Account,
            code: Invalid,
            field: Some("amendments"),
        },
        Case {
            name: "a new review document with nothing in it",
            given: || {
                let s = Server::holding(&routine());
                let push = vec![DocChanges {
                    doc: id(RECORD, DocKind::Review),
                    generation: 0,
                    changes: vec![],
                }];
                (s, supervisor(), push)
            },
            kind: DocKind::Review,
            code: Invalid,
            field: None,
        },
        Case {
            name: "a review of a draft",
            given: || {
                let s = Server::holding(&draft());
                let push = reviewed(&s, SUPERVISOR, review(SUPERVISOR, Finding::Appropriate));
                (s, supervisor(), push)
            },
            kind: DocKind::Review,
            code: Invalid,
            field: Some("reviews"),
        },
        Case {
            name: "a review in another's name",
            given: || {
                let s = Server::holding(&routine());
                let push = reviewed(&s, SUPERVISOR, review(OFFICER, Finding::Appropriate));
                (s, supervisor(), push)
            },
            kind: DocKind::Review,
            code: Invalid,
            field: Some("reviews"),
        },
        Case {
            name: "an earlier review rewritten",
            given: || {
                let mut s = Server::holding(&routine());
                let first = review(SUPERVISOR, Finding::Appropriate);
                let v = s.push(&supervisor(), reviewed(&s, SUPERVISOR, first));
                assert!(v.refused.is_empty(), "{:?}", v.refused);
                let push = reviewed(&s, SUPERVISOR, review(SUPERVISOR, Finding::PolicyConcern));
                (s, supervisor(), push)
            },
            kind: DocKind::Review,
            code: Invalid,
            field: Some("reviews"),
        },
    ]
}

#[test]
fn every_refusal_names_its_document_code_and_field_and_stores_nothing_of_it() {
    for case in cases() {
        let (server, actor, push) = (case.given)();
        let pushed = push.len();
        let v = server.judge(&actor, push).unwrap();
        let refused: Vec<_> = v
            .refused
            .iter()
            .filter(|r| r.doc.kind == case.kind)
            .collect();
        assert_eq!(refused.len(), 1, "{}: {:?}", case.name, v.refused);
        let r = refused[0];
        assert_eq!(
            (r.code, r.field.as_deref()),
            (case.code, case.field),
            "{}: {}",
            case.name,
            r.reason
        );
        assert!(!r.reason.is_empty(), "{}", case.name);
        assert_eq!(v.accepted.len() + v.refused.len(), pushed, "{}", case.name);
        assert!(
            v.writes.iter().all(|w| w.doc != r.doc),
            "{}: the refused document is stored",
            case.name
        );
        assert!(
            v.events
                .iter()
                .all(|e| e.record != r.doc.record || r.doc.kind != DocKind::Account),
            "{}: a refused account makes an event",
            case.name
        );
    }
}
