//! One device's copy of its user's records, driving the sans-I/O protocol
//! of [`crate::sync`].
//!
//! A phone may hold years of records, so documents are not all in memory:
//! every record has a [`Summary`] (what the list, sync and retention need),
//! and its documents are loaded live only to read, edit or merge into them,
//! a few at a time (issue 15). The caller persists what
//! [`Replica::take_dirty`] returns after every change (each changed record as
//! one blob, the summary buckets that changed, the small sync state, and the
//! records that left) and loads a record's blob when [`Replica::needs`] says
//! so. On the host `Replica::new` keeps everything live.

use crate::access::DocKind;
use crate::device_record::DeviceRecord;
use crate::document::{DocId, DocumentError, RecordDocs, actor_id};
use crate::ids::{DeviceId, RecordId, UserId};
use crate::record::{Amendment, Record};
use crate::retention;
use crate::review::Reviews;
use crate::rules::{self, Problem};
use crate::summary::{self, BUCKETS, Facts, Summary};
use crate::sync::{
    self, Accepted, DocChanges, PROTOCOL_VERSION, Refusal, SyncRequest, SyncResponse, SyncState,
    WireError, parse_changes, wire_hashes,
};
use crate::timestamp::Timestamp;
use automerge::ActorId;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use thiserror::Error;

pub use crate::summary::SyncStatus;

#[derive(Debug, Error)]
pub enum ReplicaError {
    #[error(transparent)]
    Document(#[from] DocumentError),
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error("record {0} is not on this device")]
    UnknownRecord(RecordId),
    #[error("record {0} must be loaded first")]
    NotLoaded(RecordId),
    #[error("record {0} already exists")]
    Exists(RecordId),
    #[error("the record breaks {} rule(s)", .0.len())]
    Invalid(Vec<Problem>),
    #[error("the server sent changes that cannot be applied to {doc}: {reason}")]
    BadPull { doc: DocId, reason: String },
    #[error("a sync reply is still being applied")]
    Receiving,
}

/// What one sync round did, for the app to show per-record state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncReport {
    pub accepted: Vec<DocId>,
    pub refused: Vec<Refusal>,
    pub received: Vec<DocId>,
    /// Records that left the device (retention).
    pub dropped: usize,
    /// The server has more to send, or this device more to push than one
    /// request carries: call `prepare_sync` again now.
    pub more: bool,
}

impl SyncReport {
    /// Whether anything a screen shows may have changed.
    pub fn changed(&self) -> bool {
        !(self.accepted.is_empty()
            && self.refused.is_empty()
            && self.received.is_empty()
            && self.dropped == 0)
    }
}

/// What the caller must persist after a change.
#[derive(Debug, Default)]
pub struct Dirty {
    /// Each changed record, whole (`device_record`).
    pub records: Vec<(RecordId, Vec<u8>)>,
    /// Each changed summary bucket, whole.
    pub buckets: Vec<(u8, Vec<u8>)>,
    /// The sync state, if it changed.
    pub state: Option<Vec<u8>>,
    /// Records that left the device: delete them.
    pub dropped: Vec<RecordId>,
}

/// A record's pulled changes, per document, as they came (parsed when the
/// record's turn comes, so no one step parses a whole reply).
type Pulled = (RecordId, Vec<(DocKind, u32, Vec<Vec<u8>>)>);

/// A reply being applied a few records at a time.
#[derive(Debug)]
struct Pending {
    records: VecDeque<Pulled>,
    accepted: Vec<Accepted>,
    refused: Vec<Refusal>,
    response_cursor: sync::Cursor,
    retain_from: Option<i64>,
    report: SyncReport,
    /// Records the rest of the reply touches: not evicted until then (a
    /// record whose changes are applied may go, so a long pull keeps only a
    /// few records in memory).
    needed: BTreeSet<RecordId>,
    /// Records the reply accepts or refuses: needed until its end.
    answered: BTreeSet<RecordId>,
    /// Documents this reply replaced with a new generation (`redaction`).
    replaced: BTreeSet<DocId>,
    /// Records a pull restarted under another reach let go (`reach`).
    restart_dropped: Vec<RecordId>,
}

#[derive(Debug)]
pub struct Replica {
    user: UserId,
    actor: ActorId,
    device: DeviceId,
    state: SyncState,
    /// Every record on the device, by bucket.
    index: Vec<BTreeMap<RecordId, Summary>>,
    /// Records whose summary says the server lacks changes: the outbox,
    /// without scanning thousands of summaries at every sync.
    unsynced: BTreeSet<RecordId>,
    /// Records in memory, with when each was last used.
    live: BTreeMap<RecordId, (u64, DeviceRecord)>,
    tick: u64,
    capacity: usize,
    /// Live records changed since `take_dirty`.
    dirty: BTreeSet<RecordId>,
    /// Live records whose facts must be re-read from their account.
    stale: BTreeSet<RecordId>,
    /// Live records that may have changes the server lacks. Only these are
    /// examined when preparing a sync.
    unpushed: BTreeSet<RecordId>,
    buckets: BTreeSet<u8>,
    dropped: BTreeSet<RecordId>,
    state_dirty: bool,
    /// The last request left records out, so its reply must say `more`.
    held_back: bool,
    pending: Option<Pending>,
    /// The list in display order, rebuilt when the index changes.
    order: Option<Vec<RecordId>>,
}

impl Replica {
    pub fn new(user: UserId, device: DeviceId) -> Self {
        Self {
            user,
            actor: actor_id(user, device),
            device,
            state: SyncState::default(),
            index: (0..BUCKETS).map(|_| BTreeMap::new()).collect(),
            unsynced: BTreeSet::new(),
            live: BTreeMap::new(),
            tick: 0,
            capacity: usize::MAX,
            dirty: BTreeSet::new(),
            stale: BTreeSet::new(),
            unpushed: BTreeSet::new(),
            buckets: BTreeSet::new(),
            dropped: BTreeSet::new(),
            state_dirty: false,
            held_back: false,
            pending: None,
            order: None,
        }
    }

    /// Opens a device's records from the persisted sync state and summary
    /// buckets, loading no document.
    pub fn open(
        user: UserId,
        device: DeviceId,
        state: &[u8],
        buckets: impl IntoIterator<Item = Vec<u8>>,
    ) -> Result<Self, ReplicaError> {
        let mut r = Self::new(user, device);
        if !state.is_empty() {
            r.state = SyncState::from_bytes(state)?;
        }
        for bytes in buckets {
            r.add_bucket(&bytes)?;
        }
        Ok(r)
    }

    /// Adds one persisted summary bucket (buckets may arrive one by one, so
    /// unlocking can yield between them).
    pub fn add_bucket(&mut self, bytes: &[u8]) -> Result<(), ReplicaError> {
        for s in summary::decode_bucket(bytes)? {
            if s.state == SyncStatus::SavedOnDevice {
                self.unsynced.insert(s.id);
            }
            self.index[summary::bucket(s.id) as usize].insert(s.id, s);
        }
        self.order = None;
        Ok(())
    }

    /// `open`, then loads every record given (the host keeps all live).
    pub fn restore(
        user: UserId,
        device: DeviceId,
        state: &[u8],
        buckets: impl IntoIterator<Item = Vec<u8>>,
        records: impl IntoIterator<Item = (RecordId, Vec<u8>)>,
    ) -> Result<Self, ReplicaError> {
        let mut r = Self::open(user, device, state, buckets)?;
        for (id, bytes) in records {
            r.load(id, &bytes)?;
        }
        Ok(r)
    }

    /// A live record's blob as `take_dirty` would give it.
    pub fn export(&mut self, id: RecordId) -> Option<Vec<u8>> {
        self.live.get_mut(&id).map(|(_, r)| r.save())
    }

    /// The server's retention window: synced records before it are online only.
    pub fn retain_from(&self) -> Option<Timestamp> {
        self.state.retain_from.map(Timestamp::from_millis)
    }

    pub fn is_live(&self, id: RecordId) -> bool {
        self.live.contains_key(&id)
    }

    /// Keeps at most `n` records live between calls (at least one).
    pub fn set_capacity(&mut self, n: usize) {
        self.capacity = n.max(1);
    }

    pub fn user(&self) -> UserId {
        self.user
    }

    fn summary_of(&self, id: RecordId) -> Option<&Summary> {
        self.index[summary::bucket(id) as usize].get(&id)
    }

    fn set_summary(&mut self, s: Summary) {
        let b = summary::bucket(s.id);
        let slot = &mut self.index[b as usize];
        // Back on the device (a pull restarted under another reach sends
        // again what the user may still read): written, not deleted.
        self.dropped.remove(&s.id);
        if slot.get(&s.id) != Some(&s) {
            if s.state == SyncStatus::SavedOnDevice {
                self.unsynced.insert(s.id);
            } else {
                self.unsynced.remove(&s.id);
            }
            slot.insert(s.id, s);
            self.buckets.insert(b);
            self.order = None;
        }
    }

    /// Whether `id` is on the device but not in memory: load its blob first.
    pub fn needs(&self, id: RecordId) -> bool {
        self.summary_of(id).is_some() && !self.live.contains_key(&id)
    }

    /// Brings a record's persisted blob into memory.
    pub fn load(&mut self, id: RecordId, bytes: &[u8]) -> Result<(), ReplicaError> {
        if self.live.contains_key(&id) {
            return Ok(());
        }
        let mut rec = DeviceRecord::load(id, bytes, &self.actor)?;
        if self.summary_of(id).is_none() {
            // A blob without a summary (an index lost or older than the
            // blob): rebuild its summary.
            let s = rec.summary(rec.facts());
            self.set_summary(s);
        }
        if self
            .summary_of(id)
            .is_none_or(|s| s.state != SyncStatus::Synced)
        {
            self.unpushed.insert(id);
        }
        self.tick += 1;
        self.live.insert(id, (self.tick, rec));
        Ok(())
    }

    /// Takes in one Automerge document saved on its own (how devices kept
    /// records before the per-record blob). What the server has of it is
    /// unknown, so all of it is pushed again; the server keeps what it has.
    pub fn adopt(&mut self, id: DocId, bytes: &[u8]) -> Result<(), ReplicaError> {
        let doc = crate::document::Document::load(id, bytes, self.actor.clone())?;
        if !self.live.contains_key(&id.record) {
            if self.summary_of(id.record).is_some() {
                return Err(ReplicaError::NotLoaded(id.record));
            }
            self.tick += 1;
            self.live
                .insert(id.record, (self.tick, DeviceRecord::empty(id.record)));
        }
        self.live_mut(id.record)?.docs.insert(id.kind, doc);
        self.stale.insert(id.record);
        self.touch(id.record);
        Ok(())
    }

    fn live_mut(&mut self, id: RecordId) -> Result<&mut DeviceRecord, ReplicaError> {
        self.tick += 1;
        let tick = self.tick;
        if !self.live.contains_key(&id) {
            return Err(if self.summary_of(id).is_some() {
                ReplicaError::NotLoaded(id)
            } else {
                ReplicaError::UnknownRecord(id)
            });
        }
        let (t, rec) = self
            .live
            .get_mut(&id)
            .ok_or(ReplicaError::UnknownRecord(id))?;
        *t = tick;
        Ok(rec)
    }

    /// A local edit: persist it, and push it at the next sync.
    fn touch(&mut self, id: RecordId) {
        self.dirty.insert(id);
        self.unpushed.insert(id);
    }

    /// Mutable access to a live document; it is then assumed changed.
    pub fn document(&mut self, id: &DocId) -> Option<&mut crate::document::Document> {
        if !self
            .live
            .get(&id.record)
            .is_some_and(|(_, r)| r.docs.contains_key(&id.kind))
        {
            return None;
        }
        self.touch(id.record);
        self.stale.insert(id.record);
        self.live_mut(id.record).ok()?.docs.get_mut(&id.kind)
    }

    /// Creates a record on this device. Integrity problems (e.g. SOGI not
    /// volunteered) refuse it even as a draft.
    pub fn create(&mut self, record: &Record, now: Timestamp) -> Result<(), ReplicaError> {
        if self.summary_of(record.id).is_some() || self.live.contains_key(&record.id) {
            return Err(ReplicaError::Exists(record.id));
        }
        let mut stamped = record.clone();
        rules::version::stamp(None, &mut stamped, false);
        let record = &stamped;
        let mut problems = rules::blocking(record, now);
        problems.extend(rules::check_amendment(None, record, self.user).err());
        if !problems.is_empty() {
            return Err(ReplicaError::Invalid(problems));
        }
        let docs = RecordDocs::create(record, self.actor.clone(), now)?;
        let mut rec = DeviceRecord::empty(record.id);
        rec.put_back(docs);
        self.tick += 1;
        self.live.insert(record.id, (self.tick, rec));
        self.set_summary(Summary {
            id: record.id,
            facts: Some(Facts::from(record)),
            state: SyncStatus::SavedOnDevice,
        });
        self.touch(record.id);
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
        let (user, actor) = (self.user, self.actor.clone());
        let retake = self.retakes(record.id);
        let rec = self.live_mut(record.id)?;
        let mut docs = rec.take().ok_or(ReplicaError::UnknownRecord(record.id))?;
        let result = (|| {
            let before = docs.read()?;
            let mut after = record.clone();
            after.amendments = before.amendments.clone();
            rules::version::stamp(Some(&before), &mut after, retake);
            if let Some(reason) = amendment_reason.filter(|r| !r.trim().is_empty())
                && before.status == crate::vocabulary::Status::Submitted
            {
                after.amendments.push(Amendment {
                    at: now,
                    by: user,
                    reason: reason.to_owned(),
                });
            }
            if let Err(p) = rules::check_amendment(Some(&before), &after, user) {
                return Err(ReplicaError::Invalid(vec![p]));
            }
            let problems = rules::blocking(&after, now);
            if !problems.is_empty() {
                return Err(ReplicaError::Invalid(problems));
            }
            if docs.restricted.is_none() {
                // Only the author holds the restricted part; others cannot edit.
                docs.restricted = Some(crate::document::Document::new(
                    DocId {
                        record: record.id,
                        kind: DocKind::Restricted,
                    },
                    actor,
                ));
            }
            docs.write(&after, now)?;
            Ok(Facts::from(&after))
        })();
        rec.put_back(docs);
        let facts = result?;
        let state = self.summary_of(record.id).map(|s| s.state.clone());
        self.set_summary(Summary {
            id: record.id,
            facts: Some(facts),
            state: state.unwrap_or(SyncStatus::SavedOnDevice),
        });
        self.touch(record.id);
        Ok(())
    }

    /// Appends a review (supervisor devices).
    pub fn add_review(
        &mut self,
        record: RecordId,
        review: crate::review::Review,
        at: Timestamp,
    ) -> Result<(), ReplicaError> {
        if !self.live.contains_key(&record) {
            if self.summary_of(record).is_some() {
                return Err(ReplicaError::NotLoaded(record));
            }
            self.tick += 1;
            self.live
                .insert(record, (self.tick, DeviceRecord::empty(record)));
            self.stale.insert(record);
        }
        let actor = self.actor.clone();
        let doc = self.live_mut(record)?.doc_or_new(DocKind::Review, &actor);
        let mut reviews: Reviews = if doc.is_empty() {
            Reviews::default()
        } else {
            doc.read()?
        };
        reviews.reviews.push(review);
        doc.write(&reviews, at)?;
        self.touch(record);
        Ok(())
    }

    /// The server refused the stamp of an out-of-date app: the next save
    /// completes the record under the current rules.
    fn retakes(&self, id: RecordId) -> bool {
        self.summary_of(id).is_some_and(|s| {
            matches!(&s.state, SyncStatus::Refused(r) if r.field.as_deref() == Some("rules_version"))
        })
    }

    /// The rules version the next save of record `id` applies
    /// (`rules::version::next_save`).
    pub fn rules_for(&mut self, id: RecordId) -> Result<u16, ReplicaError> {
        let retake = self.retakes(id);
        let r = self.record(id)?;
        Ok(rules::version::next_save(Some(&r), retake))
    }

    pub fn record(&mut self, id: RecordId) -> Result<Record, ReplicaError> {
        let rec = self.live_mut(id)?;
        let docs = rec.take().ok_or(ReplicaError::UnknownRecord(id))?;
        let r = docs.read();
        rec.put_back(docs);
        Ok(r?)
    }

    pub fn reviews(&mut self, id: RecordId) -> Result<Reviews, ReplicaError> {
        match self.live_mut(id) {
            Ok(rec) => match rec.docs.get(&DocKind::Review) {
                Some(d) if !d.is_empty() => Ok(d.read()?),
                _ => Ok(Reviews::default()),
            },
            Err(ReplicaError::UnknownRecord(_)) => Ok(Reviews::default()),
            Err(e) => Err(e),
        }
    }

    /// Ids of the records on this device that can be listed.
    pub fn record_ids(&self) -> Vec<RecordId> {
        self.index
            .iter()
            .flat_map(|b| b.values())
            .filter(|s| s.facts.is_some())
            .map(|s| s.id)
            .collect()
    }

    pub fn status(&mut self, record: RecordId) -> SyncStatus {
        if let Some((_, rec)) = self.live.get_mut(&record) {
            return rec.status();
        }
        self.summary_of(record)
            .map(|s| s.state.clone())
            .unwrap_or(SyncStatus::Synced)
    }

    /// How many listed records there are.
    pub fn list_len(&mut self) -> usize {
        self.order().len()
    }

    /// The list from `start`: drafts first, then the rest, newest first.
    pub fn list(&mut self, start: usize, n: usize) -> Vec<Summary> {
        let ids: Vec<RecordId> = self.order().iter().skip(start).take(n).copied().collect();
        ids.iter()
            .filter_map(|id| self.summary_of(*id).cloned())
            .collect()
    }

    /// How many listed records are drafts (they come first in `list`).
    pub fn draft_count(&self) -> usize {
        self.index
            .iter()
            .flat_map(|b| b.values())
            .filter(|s| {
                s.facts
                    .as_ref()
                    .is_some_and(|f| f.status == crate::vocabulary::Status::Draft)
            })
            .count()
    }

    fn order(&mut self) -> &Vec<RecordId> {
        if self.order.is_none() {
            let mut all: Vec<(bool, std::cmp::Reverse<i64>, RecordId)> = self
                .index
                .iter()
                .flat_map(|b| b.values())
                .filter_map(|s| {
                    let f = s.facts.as_ref()?;
                    let submitted = f.status != crate::vocabulary::Status::Draft;
                    Some((submitted, std::cmp::Reverse(f.occurred_at), s.id))
                })
                .collect();
            all.sort_unstable();
            self.order = Some(all.into_iter().map(|(_, _, id)| id).collect());
        }
        self.order.get_or_insert_with(Vec::new)
    }

    /// Every record the server does not have as it is (unsynced or
    /// refused): what sign-out keeps on the phone.
    /// The end-of-shift check (`summary::unfinished`).
    pub fn unfinished(&self) -> Vec<Summary> {
        summary::unfinished(self.index.iter().flat_map(|b| b.values()))
    }

    pub fn not_synced(&self) -> Vec<RecordId> {
        self.index
            .iter()
            .flat_map(|b| b.values())
            .filter(|s| s.state != SyncStatus::Synced)
            .map(|s| s.id)
            .collect()
    }

    /// Records with changes for the server that are not in memory: load
    /// (up to a request's worth of) them before `prepare_sync`.
    pub fn outbox(&self, limit: usize) -> Vec<RecordId> {
        self.unsynced
            .iter()
            .filter(|id| !self.live.contains_key(id))
            .copied()
            .take(limit)
            .collect()
    }
}

mod sync_rounds;
