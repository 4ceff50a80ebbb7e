//! One device's copy of its user's records: the documents plus the sync
//! state, driving the sans-I/O protocol of [`crate::sync`].
//!
//! The caller persists what [`Replica::dirty`] names after every change
//! (document bytes and the sync state) and carries request and response
//! bytes over whatever transport it has.

use crate::access::DocKind;
use crate::document::{DocId, Document, DocumentError, RecordDocs, actor_id};
use crate::ids::{DeviceId, RecordId, UserId};
use crate::record::{Amendment, Record};
use crate::review::Reviews;
use crate::rules::{self, Problem};
use crate::sync::{
    self, DocChanges, PROTOCOL_VERSION, Refusal, SyncRequest, SyncResponse, SyncState, WireError,
    parse_changes, wire_hashes,
};
use crate::timestamp::Timestamp;
use automerge::{ActorId, ChangeHash};
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ReplicaError {
    #[error(transparent)]
    Document(#[from] DocumentError),
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error("record {0} is not on this device")]
    UnknownRecord(RecordId),
    #[error("record {0} already exists")]
    Exists(RecordId),
    #[error("the record breaks {} rule(s)", .0.len())]
    Invalid(Vec<Problem>),
    #[error("the server sent changes that cannot be applied to {doc}: {reason}")]
    BadPull { doc: DocId, reason: String },
}

/// What one sync round did, for the app to show per-record state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncReport {
    pub accepted: Vec<DocId>,
    pub refused: Vec<Refusal>,
    pub received: Vec<DocId>,
    /// The server has more to send, or this device more to push than one
    /// request carries: call `prepare_sync` again now.
    pub more: bool,
}

/// Per-record state for the officer's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncStatus {
    /// Has changes the server does not have yet.
    SavedOnDevice,
    Synced,
    Refused(Refusal),
}

/// What the caller must persist after a change: whole documents (small:
/// a record is a few KB) and the sync state if it changed.
#[derive(Debug, Default)]
pub struct Dirty {
    pub docs: Vec<(DocId, Vec<u8>)>,
    pub state: Option<Vec<u8>>,
}

#[derive(Debug)]
pub struct Replica {
    user: UserId,
    actor: ActorId,
    device: DeviceId,
    docs: BTreeMap<DocId, Document>,
    state: SyncState,
    dirty: BTreeSet<DocId>,
    state_dirty: bool,
    /// Documents that may have changes the server lacks. Only these are
    /// examined when preparing a sync, so a device holding thousands of
    /// records does not rescan them all on every round trip.
    unpushed: BTreeSet<DocId>,
    /// The last request left documents out to stay under the push budget,
    /// so the round that answers it must not be the last.
    held_back: bool,
}

impl Replica {
    pub fn new(user: UserId, device: DeviceId) -> Self {
        Self {
            user,
            actor: actor_id(user, device),
            device,
            docs: BTreeMap::new(),
            state: SyncState::default(),
            dirty: BTreeSet::new(),
            state_dirty: false,
            unpushed: BTreeSet::new(),
            held_back: false,
        }
    }

    /// Restores a replica from what the caller persisted.
    pub fn restore(
        user: UserId,
        device: DeviceId,
        state: &[u8],
        docs: impl IntoIterator<Item = (DocId, Vec<u8>)>,
    ) -> Result<Self, ReplicaError> {
        let mut r = Self::new(user, device);
        if !state.is_empty() {
            r.state = SyncState::from_bytes(state)?;
        }
        for (id, bytes) in docs {
            let doc = Document::load(id, &bytes, r.actor.clone())?;
            r.docs.insert(id, doc);
            // Unknown until the first sync looks.
            r.unpushed.insert(id);
        }
        Ok(r)
    }

    pub fn user(&self) -> UserId {
        self.user
    }

    /// Documents changed since the last `take_dirty`, with their bytes, and
    /// the sync state if it changed: what the caller must persist.
    pub fn take_dirty(&mut self) -> Dirty {
        let ids = std::mem::take(&mut self.dirty);
        let docs = ids
            .into_iter()
            .filter_map(|id| self.docs.get_mut(&id).map(|d| (id, d.save())))
            .collect();
        let state = std::mem::take(&mut self.state_dirty).then(|| self.state.to_bytes());
        Dirty { docs, state }
    }

    /// A local edit: persist it, and push it at the next sync.
    fn touch(&mut self, id: DocId) {
        self.dirty.insert(id);
        self.unpushed.insert(id);
    }

    /// Gives the caller mutable access to a document; it is then assumed
    /// changed (persisted and pushed at the next sync).
    pub fn document(&mut self, id: &DocId) -> Option<&mut Document> {
        if self.docs.contains_key(id) {
            self.touch(*id);
        }
        self.docs.get_mut(id)
    }

    fn id(record: RecordId, kind: DocKind) -> DocId {
        DocId { record, kind }
    }

    fn docs_of(&mut self, record: RecordId) -> Result<RecordDocs, ReplicaError> {
        let account = self
            .docs
            .remove(&Self::id(record, DocKind::Account))
            .ok_or(ReplicaError::UnknownRecord(record))?;
        Ok(RecordDocs {
            account,
            restricted: self.docs.remove(&Self::id(record, DocKind::Restricted)),
            review: self.docs.remove(&Self::id(record, DocKind::Review)),
        })
    }

    fn put_back(&mut self, docs: RecordDocs) {
        for d in [Some(docs.account), docs.restricted, docs.review]
            .into_iter()
            .flatten()
        {
            self.docs.insert(d.id(), d);
        }
    }

    /// Creates a record on this device. Integrity problems (e.g. SOGI not
    /// volunteered) refuse it even as a draft.
    pub fn create(&mut self, record: &Record, now: Timestamp) -> Result<(), ReplicaError> {
        if self
            .docs
            .contains_key(&Self::id(record.id, DocKind::Account))
        {
            return Err(ReplicaError::Exists(record.id));
        }
        let problems = rules::blocking(record, now);
        if !problems.is_empty() {
            return Err(ReplicaError::Invalid(problems));
        }
        let docs = RecordDocs::create(record, self.actor.clone(), now)?;
        self.touch(docs.account.id());
        if let Some(r) = &docs.restricted {
            self.touch(r.id());
        }
        self.put_back(docs);
        Ok(())
    }

    /// Saves a new state of a record. A submitted record needs an amendment
    /// reason for any change; it is appended here.
    pub fn update(
        &mut self,
        record: &Record,
        amendment_reason: Option<&str>,
        now: Timestamp,
    ) -> Result<(), ReplicaError> {
        let mut docs = self.docs_of(record.id)?;
        let result = (|| {
            let before = docs.read()?;
            let mut after = record.clone();
            after.amendments = before.amendments.clone();
            if let Some(reason) = amendment_reason.filter(|r| !r.trim().is_empty())
                && before.status == crate::vocabulary::Status::Submitted
            {
                after.amendments.push(Amendment {
                    at: now,
                    by: self.user,
                    reason: reason.to_owned(),
                });
            }
            if let Err(p) = rules::check_amendment(&before, &after) {
                return Err(ReplicaError::Invalid(vec![p]));
            }
            let problems = rules::blocking(&after, now);
            if !problems.is_empty() {
                return Err(ReplicaError::Invalid(problems));
            }
            if docs.restricted.is_none() {
                // Only the author holds the restricted part; others cannot edit.
                docs.restricted = Some(Document::new(
                    Self::id(record.id, DocKind::Restricted),
                    self.actor.clone(),
                ));
            }
            docs.write(&after, now)?;
            Ok(())
        })();
        if result.is_ok() {
            self.touch(docs.account.id());
            if let Some(r) = &docs.restricted {
                self.touch(r.id());
            }
        }
        self.put_back(docs);
        result
    }

    /// Appends a review (supervisor devices).
    pub fn add_review(
        &mut self,
        record: RecordId,
        review: crate::review::Review,
        at: Timestamp,
    ) -> Result<(), ReplicaError> {
        let id = Self::id(record, DocKind::Review);
        let doc = self
            .docs
            .entry(id)
            .or_insert_with(|| Document::new(id, self.actor.clone()));
        let mut reviews: Reviews = if doc.is_empty() {
            Reviews::default()
        } else {
            doc.read()?
        };
        reviews.reviews.push(review);
        doc.write(&reviews, at)?;
        self.touch(id);
        Ok(())
    }

    pub fn record(&mut self, id: RecordId) -> Result<Record, ReplicaError> {
        let docs = self.docs_of(id)?;
        let r = docs.read();
        self.put_back(docs);
        Ok(r?)
    }

    pub fn reviews(&mut self, id: RecordId) -> Result<Reviews, ReplicaError> {
        match self.docs.get(&Self::id(id, DocKind::Review)) {
            Some(d) if !d.is_empty() => Ok(d.read()?),
            _ => Ok(Reviews::default()),
        }
    }

    /// Ids of the records on this device.
    pub fn record_ids(&self) -> Vec<RecordId> {
        self.docs
            .keys()
            .filter(|d| d.kind == DocKind::Account)
            .map(|d| d.record)
            .collect()
    }

    pub fn status(&mut self, record: RecordId) -> SyncStatus {
        let ids: Vec<DocId> = self
            .docs
            .keys()
            .filter(|d| d.record == record)
            .copied()
            .collect();
        for id in &ids {
            if let Some((refusal, _)) = self.state.refused.get(id) {
                return SyncStatus::Refused(refusal.clone());
            }
        }
        for id in ids {
            let heads = self.state.server_heads(&id);
            if let Some(doc) = self.docs.get_mut(&id)
                && !doc.changes_since(&heads).is_empty()
            {
                return SyncStatus::SavedOnDevice;
            }
        }
        SyncStatus::Synced
    }

    /// The next request: every change the server is not known to have, for
    /// every document, plus the pull cursor. Documents refused at their
    /// current heads are held back until they change again.
    pub fn prepare_sync(&mut self) -> Vec<u8> {
        let mut push: Vec<DocChanges> = Vec::new();
        let mut budget = sync::MAX_PUSH_BYTES;
        let mut held_back = false;
        let mut synced = Vec::new();
        // A record's documents travel together: the server checks a record
        // as a whole against what it held before the request, so an account
        // accepted in one request and its restricted part in the next would
        // look like an unexplained change to a submitted record (`unpushed`
        // is ordered by record, so a record's documents are adjacent).
        let mut group: Vec<DocChanges> = Vec::new();
        let mut ids = self.unpushed.iter().peekable();
        while let Some(id) = ids.next() {
            if let Some(doc) = self.docs.get_mut(id) {
                let heads = doc.heads();
                let refused_as_is = matches!(
                    self.state.refused.get(id),
                    Some((_, at)) if *at == wire_hashes(&heads)
                );
                if !refused_as_is {
                    let changes = doc.change_bytes_since(&self.state.server_heads(id));
                    if changes.is_empty() {
                        synced.push(*id);
                    } else {
                        group.push(DocChanges { doc: *id, changes });
                    }
                }
            } else {
                synced.push(*id);
            }
            if ids.peek().is_some_and(|next| next.record == id.record) {
                continue;
            }
            let size: usize = group.iter().flat_map(|d| &d.changes).map(Vec::len).sum();
            if size > budget && !push.is_empty() {
                // The rest goes in the next round trip.
                held_back = true;
                break;
            }
            budget = budget.saturating_sub(size);
            push.append(&mut group);
        }
        for id in synced {
            self.unpushed.remove(&id);
        }
        self.held_back = held_back;
        SyncRequest {
            version: PROTOCOL_VERSION,
            device: self.device,
            cursor: self.state.cursor,
            push,
        }
        .encode()
    }

    /// Applies the server's reply.
    pub fn receive_sync(&mut self, bytes: &[u8]) -> Result<SyncReport, ReplicaError> {
        let response = SyncResponse::decode(bytes)?;
        let mut report = SyncReport {
            more: response.more || std::mem::take(&mut self.held_back),
            ..Default::default()
        };
        // Parse everything before applying anything, so a malformed reply
        // leaves the replica as it was.
        let mut pulls = Vec::with_capacity(response.pull.len());
        for pulled in response.pull {
            let changes =
                parse_changes(&pulled.changes).map_err(|reason| ReplicaError::BadPull {
                    doc: pulled.doc,
                    reason,
                })?;
            pulls.push((pulled.doc, changes));
        }
        for (id, changes) in pulls {
            let actor = self.actor.clone();
            let doc = self
                .docs
                .entry(id)
                .or_insert_with(|| Document::new(id, actor));
            doc.apply(changes.clone())
                .map_err(|e| ReplicaError::BadPull {
                    doc: id,
                    reason: e.to_string(),
                })?;
            self.state.learn(id, &[], &changes);
            self.dirty.insert(id);
            report.received.push(id);
        }
        for accepted in response.accepted {
            let heads: Vec<ChangeHash> = accepted.heads.iter().map(|h| ChangeHash(*h)).collect();
            self.state
                .server_heads
                .insert(accepted.doc, wire_hashes(&heads));
            self.state.refused.remove(&accepted.doc);
            report.accepted.push(accepted.doc);
        }
        for refusal in response.refused {
            if let Some(doc) = self.docs.get_mut(&refusal.doc) {
                let heads = wire_hashes(&doc.heads());
                self.state
                    .refused
                    .insert(refusal.doc, (refusal.clone(), heads));
            }
            report.refused.push(refusal);
        }
        self.state.cursor = Some(response.cursor);
        self.state_dirty = true;
        Ok(report)
    }
}
