//! A server's holdings for the tests of `client_core::push`: the documents
//! its earlier verdicts wrote, and phones that push to it.

use super::*;
use automerge::ChangeHash;
use client_core::access::{Actor, Policy};
use client_core::document::{DocId, Document, RecordDocs, actor_id};
use client_core::ids::*;
use client_core::push::{Context, Damaged, Held, Verdicts, judge};
use client_core::record::Amendment;
use client_core::review::{Review, Reviews};
use client_core::sync::DocChanges;
use client_core::vocabulary::{Finding, Role};
use client_core::{DocKind, Record, Timestamp};
use std::collections::HashMap;

pub const PHONE: DeviceId = DeviceId::from_u128(0xd1);
pub const SUPERVISOR: UserId = UserId::from_u128(0x5e);
pub const OTHER_RECORD: RecordId = RecordId::from_u128(0xec1);

pub fn officer(user: UserId) -> Actor {
    Actor {
        user,
        role: Role::Sro,
        schools: vec![SCHOOL, OTHER_SCHOOL],
        supervises: vec![],
    }
}

pub fn supervisor() -> Actor {
    Actor {
        user: SUPERVISOR,
        role: Role::Supervisor,
        schools: vec![],
        supervises: vec![OFFICER, OTHER_OFFICER],
    }
}

pub fn id(record: RecordId, kind: DocKind) -> DocId {
    DocId { record, kind }
}

/// Version 2 of the rules ran here a month before the fixtures.
pub fn adopted() -> Timestamp {
    Timestamp::parse("2026-08-14T00:00:00Z").unwrap()
}

/// What a server holds: the documents its earlier verdicts wrote.
#[derive(Clone, Debug, Default)]
pub struct Server {
    pub held: HashMap<DocId, Held>,
    pub first_submitted: HashMap<RecordId, Timestamp>,
}

impl Server {
    pub fn judge(&self, actor: &Actor, push: Vec<DocChanges>) -> Result<Verdicts, Damaged> {
        let policy = Policy::federal_default();
        let cx = Context {
            policy: &policy,
            actor,
            now: now(),
            rules_adopted_at: adopted(),
            first_submitted: &self.first_submitted,
        };
        judge(cx, self.held.clone(), push)
    }

    /// Judges and stores what was accepted, as the server does.
    pub fn push(&mut self, actor: &Actor, push: Vec<DocChanges>) -> Verdicts {
        let v = self.judge(actor, push).unwrap();
        for w in &v.writes {
            let h = Held {
                officer: w.officer,
                school: w.school,
                snapshot: w.snapshot.clone(),
                generation: w.generation,
            };
            self.held.insert(w.doc, h);
        }
        for r in &v.rows {
            if let Some(t) = r.received_submitted_at {
                let t = Timestamp::from_millis(t);
                self.first_submitted.entry(r.record).or_insert(t);
            }
        }
        v
    }

    /// A server holding `record`, pushed whole by its officer.
    pub fn holding(record: &Record) -> Self {
        let mut s = Self::default();
        let mut docs = phone(record, record.officer_id);
        let v = s.push(&officer(record.officer_id), whole(&mut docs));
        assert!(v.refused.is_empty(), "{:?}", v.refused);
        s
    }

    /// `user`'s phone after pulling what the server holds of `record`.
    pub fn pulled(&self, record: RecordId, user: UserId) -> RecordDocs {
        let load = |kind| {
            self.held.get(&id(record, kind)).map(|h| {
                Document::load(id(record, kind), &h.snapshot, actor_id(user, PHONE)).unwrap()
            })
        };
        RecordDocs {
            account: load(DocKind::Account).unwrap(),
            restricted: load(DocKind::Restricted),
            review: load(DocKind::Review),
        }
    }
}

pub fn phone(record: &Record, user: UserId) -> RecordDocs {
    RecordDocs::create(record, actor_id(user, PHONE), t0()).unwrap()
}

/// Every change of a new record's two documents.
pub fn whole(docs: &mut RecordDocs) -> Vec<DocChanges> {
    let mut out = vec![DocChanges::since(&mut docs.account, 0, &[])];
    if let Some(r) = &mut docs.restricted {
        out.push(DocChanges::since(r, 0, &[]));
    }
    out
}

/// The account's changes after `edit` on a copy pulled by `user`.
pub fn edited(server: &Server, user: UserId, edit: impl FnOnce(&mut Record)) -> Vec<DocChanges> {
    let mut docs = server.pulled(RECORD, user);
    let (a, r) = (docs.account.heads(), heads(&mut docs.restricted));
    let mut record = docs.read().unwrap();
    edit(&mut record);
    docs.write(&record, now()).unwrap();
    let mut out = vec![DocChanges::since(&mut docs.account, 0, &a)];
    if let Some(d) = &mut docs.restricted {
        out.push(DocChanges::since(d, 0, &r));
    }
    out.retain(|d| !d.changes.is_empty());
    out
}

pub fn heads(d: &mut Option<Document>) -> Vec<ChangeHash> {
    d.as_mut().map(Document::heads).unwrap_or_default()
}

/// The review document's changes after writing `reviews` as `user`.
pub fn reviewed(server: &Server, user: UserId, reviews: Reviews) -> Vec<DocChanges> {
    let mut docs = server.pulled(RECORD, user);
    let mut doc = docs
        .review
        .take()
        .unwrap_or_else(|| Document::new(id(RECORD, DocKind::Review), actor_id(user, PHONE)));
    let before = doc.heads();
    doc.write(&reviews, now()).unwrap();
    vec![DocChanges::since(&mut doc, 0, &before)]
}

pub fn review(by: UserId, finding: Finding) -> Reviews {
    Reviews {
        reviews: vec![Review {
            id: ReviewId::from_u128(1),
            finding,
            notes: Some("talked it through".into()),
            follow_up: None,
            by,
            at: now(),
        }],
    }
}

pub fn amend(r: &mut Record, by: UserId, reason: &str) {
    r.amendments.push(Amendment {
        at: now(),
        by,
        reason: reason.into(),
    });
}

pub fn draft() -> Record {
    let mut r = routine();
    r.status = client_core::vocabulary::Status::Draft;
    r.submitted_at = None;
    r
}
