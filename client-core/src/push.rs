//! The server's half of sync, sans I/O: what a server makes of one request's
//! pushed documents, given what it holds of the records they touch. The
//! server loads, calls [`judge`], and persists the verdicts in one
//! transaction; every refusal is decided here (table test:
//! `tests/push.rs`).
//!
//! The server judges the state a document reaches, not each change: a
//! document is accepted only if, with the pushed changes applied, it still
//! belongs to the same officer and school, the caller may write it, every
//! change is authored by the caller, and the record is valid for its status.
//! A refused document leaves nothing behind and the rest of the request goes
//! on.
//!
//! Each part is hydrated once per request, one document is live at a time
//! (an accepted one's snapshot replaces what is held), and each record is
//! projected once, at the end: the server's cost per record is what bounds
//! a replica's writes (BENCHMARKS.md).

mod refusals;
mod verdicts;

pub use verdicts::{Context, Damaged, Event, Held, NewChange, Verdicts, Write};

use crate::access::{Action, Decision, DocKind, RecordFacts};
use crate::document::{Account, DocId, Document, Restricted, actor_id, actor_user, join};
use crate::partition::{self, Part};
use crate::projection;
use crate::review::Reviews;
use crate::rules;
use crate::sync::{Accepted, DocChanges, Refusal, RefusalCode, parse_changes, wire_hashes};
use crate::webhook::{self, EventType};
use crate::{DeviceId, Record, RecordId, UserId};
use automerge::Change;
use refusals::{account_first, forbidden, invalid, refuse, unreadable};
use std::collections::{HashMap, HashSet};

fn doc_id(record: RecordId, kind: DocKind) -> DocId {
    DocId { record, kind }
}

/// A record's parts as hydrated: at the request's start and as accepted.
#[derive(Clone, Debug, Default)]
struct Parts {
    account: Option<Account>,
    /// `None` for no restricted document or an empty one.
    restricted: Option<Restricted>,
    reviews: Reviews,
    /// Which documents were loaded: a push loads only what its judgement
    /// reads (a review never needs the restricted part, nor an account push
    /// the reviews), so one document's size cannot hold another's back.
    restricted_loaded: bool,
    reviews_loaded: bool,
    /// Held documents that no longer read as their part: judged as the
    /// server's copy was, a refusal unless a push repairs them.
    broken: HashSet<DocKind>,
}

impl Parts {
    /// The part a document of `kind` holds, as accepted so far.
    fn part(&self, kind: DocKind) -> Option<Part> {
        match kind {
            DocKind::Account => self.account.clone().map(|a| Part::Account(Box::new(a))),
            DocKind::Restricted => self
                .restricted
                .clone()
                .map(|r| Part::Restricted(Box::new(r))),
            DocKind::Review => Some(Part::Reviews(self.reviews.clone())),
        }
    }

    fn record(&self) -> Option<Record> {
        self.account
            .clone()
            .map(|a| join(a, self.restricted.as_ref()))
    }
}

/// The request's working state: what is held (with what this request
/// accepted) and the records' hydrated parts.
struct Judge<'a> {
    cx: Context<'a>,
    /// As stored, then as accepted: an accepted document's new snapshot
    /// replaces its entry, so a refusal later in the request needs no undo.
    held: HashMap<DocId, Held>,
    /// The documents loaded for the push being judged, dropped after it:
    /// a request of a thousand records never holds a thousand live
    /// Automerge documents (its server's memory stays that of one).
    live: HashMap<DocId, Document>,
    /// Per record: as at the request's start (the amendment rule and the
    /// rules stamp compare with it) and as accepted so far.
    original: HashMap<RecordId, Option<Record>>,
    current: HashMap<RecordId, Parts>,
    /// Records accepted as submitted at some point of this request.
    submitted_now: HashSet<RecordId>,
    /// Records with an accepted account or restricted push: projected.
    project: HashSet<RecordId>,
    writes: Vec<Write>,
    /// Where each document is in `writes`.
    written: HashMap<DocId, usize>,
    events: Vec<Event>,
    touched: Vec<RecordId>,
    server: automerge::ActorId,
}

/// Judges `push` against `held` (the stored documents of every record it
/// touches, all kinds). Accounts go first: the other parts take their
/// officer and school from them.
pub fn judge(
    cx: Context<'_>,
    held: HashMap<DocId, Held>,
    mut push: Vec<DocChanges>,
) -> Result<Verdicts, Damaged> {
    push.sort_by_key(|d| (d.doc.kind != DocKind::Account, d.doc));
    let mut j = Judge {
        cx,
        held,
        live: HashMap::new(),
        original: HashMap::new(),
        current: HashMap::new(),
        submitted_now: HashSet::new(),
        project: HashSet::new(),
        writes: Vec::new(),
        written: HashMap::new(),
        events: Vec::new(),
        touched: Vec::new(),
        // The server never authors changes; this id only satisfies automerge.
        server: actor_id(UserId::from_u128(0), DeviceId::from_u128(0)),
    };
    let mut out = Verdicts::default();
    for dc in push {
        let verdict = j.one(dc);
        // An accepted push's snapshot is held; whatever a refused push did
        // to its live copy goes with it.
        j.live.clear();
        match verdict? {
            Ok(acc) => out.accepted.push(acc),
            Err(r) => out.refused.push(r),
        }
    }
    j.finish(out)
}

/// Whose document `id` is: every document held or accepted is in `held`.
fn owner(held: &HashMap<DocId, Held>, id: DocId) -> Option<RecordFacts> {
    held.get(&id).map(|h| RecordFacts {
        officer: h.officer,
        school: h.school,
    })
}

impl Judge<'_> {
    /// The live copy of `id`, loaded from what is held; `None` if the
    /// server has no such document yet.
    fn doc(&mut self, id: DocId) -> Result<Option<&mut Document>, Damaged> {
        if !self.live.contains_key(&id) {
            let Some(h) = self.held.get(&id) else {
                return Ok(None);
            };
            let d = Document::load(id, &h.snapshot, self.server.clone())
                .map_err(|e| Damaged::Snapshot(id, e.to_string()))?;
            self.live.insert(id, d);
        }
        Ok(self.live.get_mut(&id))
    }

    /// The record's parts as accepted so far, hydrated at first use: the
    /// account always, and what a push of `kind` is judged against.
    fn parts(&mut self, record: RecordId, kind: DocKind) -> Result<&Parts, Damaged> {
        let mut parts = match self.current.remove(&record) {
            Some(p) => p,
            None => {
                self.touched.push(record);
                let mut p = Parts::default();
                let a = doc_id(record, DocKind::Account);
                if let Some(d) = self.doc(a)? {
                    match d.read::<Account>() {
                        Ok(x) => p.account = Some(x),
                        Err(_) => _ = p.broken.insert(DocKind::Account),
                    }
                }
                p
            }
        };
        if kind != DocKind::Review && !parts.restricted_loaded {
            parts.restricted_loaded = true;
            let r = doc_id(record, DocKind::Restricted);
            if let Some(d) = self.doc(r)?
                && !d.is_empty()
            {
                match d.read::<Restricted>() {
                    Ok(x) => parts.restricted = Some(x),
                    Err(_) => _ = parts.broken.insert(DocKind::Restricted),
                }
            }
            // No account or restricted push was accepted before this one
            // (it would have loaded the restricted part): the request's start.
            let original = match parts.broken.contains(&DocKind::Restricted) {
                true => None,
                false => parts.record(),
            };
            self.original.insert(record, original);
        }
        if kind == DocKind::Review && !parts.reviews_loaded {
            parts.reviews_loaded = true;
            let v = doc_id(record, DocKind::Review);
            if let Some(d) = self.doc(v)?
                && !d.is_empty()
            {
                match d.read::<Reviews>() {
                    Ok(x) => parts.reviews = x,
                    Err(_) => _ = parts.broken.insert(DocKind::Review),
                }
            }
        }
        Ok(self.current.entry(record).or_insert(parts))
    }

    fn one(&mut self, dc: DocChanges) -> Result<Result<Accepted, Refusal>, Damaged> {
        let (cx, id) = (self.cx, dc.doc);
        let size: usize = dc.changes.iter().map(Vec::len).sum();
        if size > crate::document::MAX_DOC_BYTES {
            let why = "the document's changes are too large";
            return Ok(Err(refuse(id, RefusalCode::TooLarge, why)));
        }
        let Ok(changes) = parse_changes(&dc.changes) else {
            let why = "the changes could not be read";
            return Ok(Err(refuse(id, RefusalCode::Corrupt, why)));
        };
        if changes
            .iter()
            .any(|c| actor_user(c.actor_id()) != Some(cx.actor.user))
        {
            let why = "changes must be authored by the signed-in user";
            return Ok(Err(refuse(id, RefusalCode::ForgedActor, why)));
        }
        let account = doc_id(id.record, DocKind::Account);
        // Permission first when the record is known: a push onto a document
        // the caller may not change is refused before anything is applied.
        let known = owner(&self.held, id).or_else(|| owner(&self.held, account));
        if let Some(f) = known
            && cx
                .policy
                .decide(cx.actor, Some(&f), Action::sync_write(id.kind))
                != Decision::Allow
        {
            return Ok(Err(forbidden(id)));
        }
        // Changes of a history redacted since the device pulled no longer
        // apply: the device takes the new generation from this reply's pull
        // and pushes its edits again on top of it.
        let generation = self.held.get(&id).map_or(0, |h| h.generation);
        if dc.generation < generation {
            let why = "this record's history was redacted; your edits go again on the new version";
            return Ok(Err(refuse(id, RefusalCode::Superseded, why)));
        }
        if dc.generation > generation {
            let why = "the changes name a version of the record the server does not have";
            return Ok(Err(refuse(id, RefusalCode::Corrupt, why)));
        }
        let exists = self.held.contains_key(&id);
        // Hydrated before anything of this push is applied.
        let before = self.parts(id.record, id.kind)?.clone();
        if !self.live.contains_key(&id) && self.doc(id)?.is_none() {
            self.live.insert(id, Document::new(id, self.server.clone()));
        }
        self.apply(id, changes, exists, &before)
    }

    /// Applies and checks one pushed document onto its live copy.
    fn apply(
        &mut self,
        id: DocId,
        changes: Vec<Change>,
        exists: bool,
        before: &Parts,
    ) -> Result<Result<Accepted, Refusal>, Damaged> {
        let cx = self.cx;
        let live = self.live.get_mut(&id).expect("inserted by `one`");
        let mut seen = HashSet::new();
        // Changes the server already holds are duplicates: never stored twice.
        let fresh: Vec<Change> = changes
            .into_iter()
            .filter(|c| seen.insert(c.hash()) && !live.has_change(&c.hash()))
            .collect();
        // Each change must leave the document strictly its part's type;
        // what the check read is the part as it now stands.
        let read = match partition::apply_read(live, fresh.clone()) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e.refusal(id))),
        };
        // Saved before anything else is decided: a document saved past the
        // limit could never be loaded again, and every later push to it
        // would fail as damage. Refused here, before a submission or an
        // event is counted, it stays as it was.
        let written = !fresh.is_empty() || !exists;
        let snapshot = if written { live.save() } else { Vec::new() };
        if snapshot.len() > crate::document::MAX_DOC_BYTES {
            let why = "the record's document would grow past its limit; start a new record";
            return Ok(Err(refuse(id, RefusalCode::TooLarge, why)));
        }
        let repaired = read.is_some() || !exists;
        // Nothing new: the part as it stood (hydrated once per request).
        let part = match read {
            Some(p) => Ok(Some(p)),
            None if exists => Ok(before.part(id.kind)),
            None => match id.kind {
                DocKind::Account => live.read().map(|a| Some(Part::Account(Box::new(a)))),
                _ => Ok(None),
            },
        };
        let part = match part {
            Ok(p) => p,
            Err(e) => return Ok(Err(unreadable(id, e))),
        };
        let account_id = doc_id(id.record, DocKind::Account);
        let mut new_parts = before.clone();
        let facts = match (id.kind, owner(&self.held, id)) {
            (_, Some(f)) => f,
            (DocKind::Account, None) => match &part {
                Some(Part::Account(a)) => RecordFacts {
                    officer: a.officer_id,
                    school: a.school_id,
                },
                _ => return Ok(Err(unreadable(id, "it holds no account"))),
            },
            (_, None) => match owner(&self.held, account_id) {
                Some(f) => f,
                None => return Ok(Err(account_first(id))),
            },
        };
        let creating = !exists && id.kind == DocKind::Account;
        let allowed = |action| cx.policy.decide(cx.actor, Some(&facts), action) == Decision::Allow;
        let may = if creating {
            allowed(Action::CreateRecord) && allowed(Action::sync_write(DocKind::Account))
        } else {
            allowed(Action::sync_write(id.kind))
        };
        if !may {
            return Ok(Err(forbidden(id)));
        }

        // The state the document reaches must be valid.
        let mut events = Vec::new();
        match id.kind {
            DocKind::Account | DocKind::Restricted => {
                match part {
                    Some(Part::Account(a)) => new_parts.account = Some(*a),
                    Some(Part::Restricted(r)) => new_parts.restricted = Some(*r),
                    None if id.kind == DocKind::Restricted => new_parts.restricted = None,
                    _ => return Ok(Err(unreadable(id, "it holds no account"))),
                }
                if repaired {
                    new_parts.broken.remove(&id.kind);
                }
                if new_parts.broken.contains(&DocKind::Account)
                    || new_parts.broken.contains(&DocKind::Restricted)
                {
                    return Ok(Err(unreadable(id, "a part the server holds does not read")));
                }
                let Some(after) = new_parts.record() else {
                    return Ok(Err(account_first(id)));
                };
                if after.id != id.record
                    || after.officer_id != facts.officer
                    || after.school_id != facts.school
                {
                    let why = "a record's id, officer and school cannot change";
                    return Ok(Err(invalid(id, why, "school_id")));
                }
                let original = self.original.get(&id.record).cloned().flatten();
                let upgrade = rules::version::Upgrade {
                    adopted_at: cx.rules_adopted_at,
                    now: cx.now,
                    first_submitted: cx
                        .first_submitted
                        .get(&id.record)
                        .copied()
                        .filter(|t| *t < cx.now),
                };
                let stamp = rules::version::check(original.as_ref(), &after, upgrade);
                if let Some(p) = stamp
                    .err()
                    .or_else(|| rules::blocking(&after, cx.now).into_iter().next())
                {
                    return Ok(Err(invalid(id, p.message, &p.field)));
                }
                if let Err(p) = rules::check_amendment(original.as_ref(), &after, cx.actor.user) {
                    return Ok(Err(invalid(id, p.message, &p.field)));
                }
                // Against the state just before this entry, not the
                // request's start: a document pushed twice in one request
                // makes its events once.
                let just_before = before.record();
                for kind in webhook::record_events(id.kind, just_before.as_ref(), &after) {
                    events.push(Event {
                        kind,
                        record: id.record,
                        officer: facts.officer,
                        review: None,
                    });
                }
                if after.status == crate::vocabulary::Status::Submitted {
                    self.submitted_now.insert(id.record);
                }
                self.project.insert(id.record);
            }
            DocKind::Review => {
                let after = match part {
                    Some(Part::Reviews(r)) if repaired || !before.broken.contains(&id.kind) => r,
                    _ => {
                        let why = "the reviews cannot be read";
                        return Ok(Err(refuse(id, RefusalCode::Invalid, why)));
                    }
                };
                let Some(status) = before.account.as_ref().map(|a| a.status) else {
                    // A held account that no longer reads is the server's
                    // damage; no account at all is the device's order.
                    if self.held.contains_key(&account_id) {
                        let why = "the account does not read".to_string();
                        return Err(Damaged::Part(account_id, why));
                    }
                    return Ok(Err(account_first(id)));
                };
                if let Err(e) = before
                    .reviews
                    .check_append(&after, cx.actor.user, cx.now, status)
                {
                    return Ok(Err(invalid(id, e.to_string(), "reviews")));
                }
                for review in webhook::new_reviews(&before.reviews, &after) {
                    events.push(Event {
                        kind: EventType::ReviewCreated,
                        record: id.record,
                        officer: facts.officer,
                        review: Some(review),
                    });
                }
                new_parts.reviews = after;
            }
        }

        let heads = live.heads();
        if written {
            let changes = fresh
                .into_iter()
                .map(|mut c| NewChange {
                    hash: c.hash().0,
                    bytes: c.bytes().into_owned(),
                })
                .collect::<Vec<_>>();
            let generation = self.held.get(&id).map_or(0, |h| h.generation);
            // Saved above, so the live copy can go (the snapshot is sent to the
            // store from `held` at the end).
            let held = Held {
                officer: facts.officer,
                school: facts.school,
                snapshot,
                generation,
            };
            self.held.insert(id, held);
            match self.written.get(&id) {
                Some(&i) => self.writes[i].changes.extend(changes),
                None => {
                    self.written.insert(id, self.writes.len());
                    self.writes.push(Write {
                        doc: id,
                        officer: facts.officer,
                        school: facts.school,
                        snapshot: Vec::new(),
                        generation,
                        changes,
                    });
                }
            }
        }
        self.current.insert(id.record, new_parts);
        self.events.extend(events);
        Ok(Ok(Accepted {
            doc: id,
            heads: wire_hashes(&heads),
        }))
    }

    /// Hands each written document's last snapshot over and projects each
    /// record once.
    fn finish(mut self, mut out: Verdicts) -> Result<Verdicts, Damaged> {
        for w in &mut self.writes {
            if let Some(h) = self.held.remove(&w.doc) {
                w.snapshot = h.snapshot;
            }
        }
        // Projected even when nothing is new: the flags that depend on the
        // time of writing (a draft's age) refresh at every accepted push.
        for record in &self.touched {
            if !self.project.contains(record) {
                continue;
            }
            let Some(r) = self.current[record].record() else {
                continue;
            };
            let earlier = self
                .cx
                .first_submitted
                .get(record)
                .copied()
                .or(self.submitted_now.contains(record).then_some(self.cx.now));
            out.rows.push(projection::row(&r, self.cx.now, earlier));
        }
        out.writes = self.writes;
        out.events = self.events;
        Ok(out)
    }
}
