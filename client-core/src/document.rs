//! The record as Automerge documents, partitioned by audience.
//!
//! A CRDT keeps its whole history, so a value a role may not read must never
//! enter a document that role receives. Each record is therefore three
//! documents (see ARCHITECTURE.md):
//! - `account`: the officer's account of events with perceived demographics
//!   (officer and supervisor);
//! - `restricted`: school-record values and volunteered SOGI, keyed by
//!   student key (the officer only);
//! - `review`: the supervisors' reviews (supervisor writes, officer reads).
//!
//! Types are mapped to documents with autosurgeon; every change is committed
//! under an actor id that names the user and the device.

use crate::access::DocKind;
use crate::ids::{DeviceId, RecordId, SchoolId, StudentKey, UserId};
use crate::record::{
    Amendment, Charges, Custody, DeescalationStep, Demographics, Interrogation, Record,
    SearchBasis, Sogi, StaffRequest, Student,
};
use crate::review::Reviews;
use crate::timestamp::Timestamp;
use crate::vocabulary::*;
use automerge::{ActorId, AutoCommit, Change, ChangeHash, transaction::CommitOptions};
use autosurgeon::{Hydrate, HydrateError, Reconcile, ReconcileError, hydrate, reconcile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// The largest document or change the core will load, in bytes. A record's
/// documents are a few KB; this only stops a hostile blob.
pub const MAX_DOC_BYTES: usize = 4 << 20;

/// Names one document: a record and one of its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocId {
    pub record: RecordId,
    pub kind: DocKind,
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.record, self.kind)
    }
}

impl FromStr for DocId {
    type Err = DocumentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DocumentError::BadDocId(s.chars().take(80).collect());
        let (record, kind) = s.split_once('/').ok_or_else(bad)?;
        Ok(DocId {
            record: record.parse().map_err(|_| bad())?,
            kind: DocKind::parse(kind).ok_or_else(bad)?,
        })
    }
}

impl Serialize for DocId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DocId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Error)]
pub enum DocumentError {
    #[error("document bytes are not a valid automerge document: {0}")]
    Corrupt(String),
    #[error("document is {0} bytes; the limit is {MAX_DOC_BYTES}")]
    TooLarge(usize),
    #[error("document does not hold a valid {kind}: {reason}")]
    Shape { kind: DocKind, reason: String },
    #[error("could not write the document: {0}")]
    Write(String),
    #[error("{0:?} is not a document id")]
    BadDocId(String),
    #[error("document belongs to record {found}, not {expected}")]
    WrongRecord { expected: RecordId, found: RecordId },
}

/// The actor id of a change: the user's 16 bytes, then the device's 16.
/// The server checks the user half against the token, so nobody can write
/// as someone else.
pub fn actor_id(user: UserId, device: DeviceId) -> ActorId {
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(user.as_uuid().as_bytes());
    bytes.extend_from_slice(device.as_uuid().as_bytes());
    ActorId::from(bytes)
}

/// The user an actor id names, if it is one of ours.
pub fn actor_user(actor: &ActorId) -> Option<UserId> {
    let b = actor.to_bytes();
    (b.len() == 32).then(|| UserId(uuid::Uuid::from_slice(&b[..16]).unwrap_or_default()))
}

/// The device an actor id names, if it is one of ours.
pub fn actor_device(actor: &ActorId) -> Option<DeviceId> {
    let b = actor.to_bytes();
    (b.len() == 32).then(|| DeviceId(uuid::Uuid::from_slice(&b[16..]).unwrap_or_default()))
}

/// One Automerge document with its identity.
#[derive(Clone, Debug)]
pub struct Document {
    id: DocId,
    doc: AutoCommit,
}

impl Document {
    pub fn new(id: DocId, actor: ActorId) -> Self {
        Self {
            id,
            doc: AutoCommit::new().with_actor(actor),
        }
    }

    /// Loads saved bytes, verifying their structure; never panics on bad input.
    pub fn load(id: DocId, bytes: &[u8], actor: ActorId) -> Result<Self, DocumentError> {
        if bytes.len() > MAX_DOC_BYTES {
            return Err(DocumentError::TooLarge(bytes.len()));
        }
        let doc = AutoCommit::load(bytes).map_err(|e| DocumentError::Corrupt(e.to_string()))?;
        Ok(Self {
            id,
            doc: doc.with_actor(actor),
        })
    }

    pub fn id(&self) -> DocId {
        self.id
    }

    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    pub fn is_empty(&self) -> bool {
        self.doc.is_empty()
    }

    /// Changes this document has that a peer with `heads` lacks.
    /// The encoded changes after `heads`, as they travel in sync messages.
    pub fn change_bytes_since(&mut self, heads: &[ChangeHash]) -> Vec<Vec<u8>> {
        self.changes_since(heads)
            .iter_mut()
            .map(|c| c.bytes().into_owned())
            .collect()
    }

    pub fn changes_since(&mut self, heads: &[ChangeHash]) -> Vec<Change> {
        // Heads the document does not know (e.g. from a newer server) would
        // make automerge return nothing; ignore them rather than stall.
        let known: Vec<ChangeHash> = heads
            .iter()
            .copied()
            .filter(|h| self.doc.get_change_by_hash(h).is_some())
            .collect();
        self.doc.get_changes(&known)
    }

    pub fn has_change(&mut self, hash: &ChangeHash) -> bool {
        self.doc.get_change_by_hash(hash).is_some()
    }

    /// Applies changes from a peer. Changes whose dependencies are missing
    /// wait inside automerge until those arrive.
    pub fn apply(&mut self, changes: Vec<Change>) -> Result<(), DocumentError> {
        self.doc
            .apply_changes(changes)
            .map_err(|e| DocumentError::Corrupt(e.to_string()))
    }

    /// Hashes of changes received but not yet applicable.
    pub fn missing_deps(&mut self) -> Vec<ChangeHash> {
        self.doc.get_missing_deps(&[])
    }

    pub fn automerge(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }

    pub fn read<T: Hydrate>(&self) -> Result<T, DocumentError> {
        hydrate(&self.doc).map_err(|e: HydrateError| DocumentError::Shape {
            kind: self.id.kind,
            reason: e.to_string(),
        })
    }

    /// Writes `value` as a minimal diff and commits it as one change.
    pub fn write<T: Reconcile>(
        &mut self,
        value: &T,
        at: Timestamp,
    ) -> Result<Option<ChangeHash>, DocumentError> {
        reconcile(&mut self.doc, value)
            .map_err(|e: ReconcileError| DocumentError::Write(e.to_string()))?;
        Ok(self
            .doc
            .commit_with(CommitOptions::default().with_time(at.millis() / 1000)))
    }
}

/// The `account` document's content.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate)]
pub struct Account {
    pub id: RecordId,
    pub school_id: SchoolId,
    pub officer_id: UserId,
    pub occurred_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub location: Option<Location>,
    pub initiated_by: Option<InitiatedBy>,
    pub request: Option<StaffRequest>,
    pub category: Option<Category>,
    pub would_warrant_911: Option<bool>,
    pub offense: Option<String>,
    pub offense_code: Option<crate::offense::OffenseCode>,
    pub offense_severity: Option<crate::offense::Severity>,
    pub sro_role: Option<SroRole>,
    pub students: Vec<AccountStudent>,
    pub deescalation: Vec<DeescalationStep>,
    pub actions: Vec<ActionTaken>,
    pub custody: Option<Custody>,
    pub search_basis: Option<SearchBasis>,
    pub interrogation: Option<Interrogation>,
    pub charges: Option<Charges>,
    pub transport_out_of_view: Option<RemovedFromView>,
    pub late_reason: Option<String>,
    pub narrative: Option<String>,
    pub status: Status,
    pub submitted_at: Option<Timestamp>,
    pub amendments: Vec<Amendment>,
    pub rules_version: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate)]
pub struct AccountStudent {
    #[key]
    pub key: StudentKey,
    pub reference: String,
    pub age: Option<u8>,
    pub grade: Option<u8>,
    pub perceived: Option<Demographics>,
}

/// The `restricted` document's content.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate)]
pub struct Restricted {
    /// Keyed by the student key's string form.
    pub students: BTreeMap<String, RestrictedStudent>,
}

#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate)]
pub struct RestrictedStudent {
    pub school_record: Option<Demographics>,
    pub sogi: Option<Sogi>,
}

impl RestrictedStudent {
    fn is_empty(&self) -> bool {
        self.school_record.is_none() && self.sogi.is_none()
    }
}

/// Splits a record into its account and restricted parts.
pub fn split(r: &Record) -> (Account, Restricted) {
    let mut restricted = Restricted::default();
    let students = r
        .students
        .iter()
        .map(|s| {
            let part = RestrictedStudent {
                school_record: s.school_record.clone(),
                sogi: s.sogi.clone(),
            };
            if !part.is_empty() {
                restricted.students.insert(s.key.to_string(), part);
            }
            AccountStudent {
                key: s.key,
                reference: s.reference.clone(),
                age: s.age,
                grade: s.grade,
                perceived: s.perceived.clone(),
            }
        })
        .collect();
    let account = Account {
        id: r.id,
        school_id: r.school_id,
        officer_id: r.officer_id,
        occurred_at: r.occurred_at,
        ended_at: r.ended_at,
        location: r.location,
        initiated_by: r.initiated_by,
        request: r.request.clone(),
        category: r.category,
        would_warrant_911: r.would_warrant_911,
        offense: r.offense.clone(),
        offense_code: r.offense_code,
        offense_severity: r.offense_severity,
        sro_role: r.sro_role,
        students,
        deescalation: r.deescalation.clone(),
        actions: r.actions.clone(),
        custody: r.custody.clone(),
        search_basis: r.search_basis.clone(),
        interrogation: r.interrogation.clone(),
        charges: r.charges.clone(),
        transport_out_of_view: r.transport_out_of_view,
        late_reason: r.late_reason.clone(),
        narrative: r.narrative.clone(),
        status: r.status,
        submitted_at: r.submitted_at,
        amendments: r.amendments.clone(),
        rules_version: r.rules_version,
    };
    (account, restricted)
}

/// Joins the parts back into a record. Without the restricted part (a
/// supervisor's device) the school-record values and SOGI are simply absent.
pub fn join(a: Account, restricted: Option<&Restricted>) -> Record {
    let students = a
        .students
        .into_iter()
        .map(|s| {
            let part = restricted.and_then(|r| r.students.get(&s.key.to_string()));
            Student {
                key: s.key,
                reference: s.reference,
                age: s.age,
                grade: s.grade,
                perceived: s.perceived,
                school_record: part.and_then(|p| p.school_record.clone()),
                sogi: part.and_then(|p| p.sogi.clone()),
            }
        })
        .collect();
    Record {
        id: a.id,
        school_id: a.school_id,
        officer_id: a.officer_id,
        occurred_at: a.occurred_at,
        ended_at: a.ended_at,
        location: a.location,
        initiated_by: a.initiated_by,
        request: a.request,
        category: a.category,
        would_warrant_911: a.would_warrant_911,
        offense: a.offense,
        offense_code: a.offense_code,
        offense_severity: a.offense_severity,
        sro_role: a.sro_role,
        students,
        deescalation: a.deescalation,
        actions: a.actions,
        custody: a.custody,
        search_basis: a.search_basis,
        interrogation: a.interrogation,
        charges: a.charges,
        transport_out_of_view: a.transport_out_of_view,
        late_reason: a.late_reason,
        narrative: a.narrative,
        status: a.status,
        submitted_at: a.submitted_at,
        amendments: a.amendments,
        rules_version: a.rules_version,
    }
}

/// A record's documents as held by one replica.
#[derive(Debug)]
pub struct RecordDocs {
    pub account: Document,
    pub restricted: Option<Document>,
    pub review: Option<Document>,
}

impl RecordDocs {
    /// Creates the documents for a new record and writes its first state.
    pub fn create(record: &Record, actor: ActorId, at: Timestamp) -> Result<Self, DocumentError> {
        let id = |kind| DocId {
            record: record.id,
            kind,
        };
        let mut docs = Self {
            account: Document::new(id(DocKind::Account), actor.clone()),
            restricted: Some(Document::new(id(DocKind::Restricted), actor)),
            review: None,
        };
        docs.write(record, at)?;
        Ok(docs)
    }

    /// Writes the new state of the record into its documents as minimal diffs.
    pub fn write(&mut self, record: &Record, at: Timestamp) -> Result<(), DocumentError> {
        let (account, restricted) = split(record);
        self.account.write(&account, at)?;
        if let Some(doc) = &mut self.restricted {
            doc.write(&restricted, at)?;
        }
        Ok(())
    }

    /// The record as this replica knows it.
    pub fn read(&self) -> Result<Record, DocumentError> {
        let account: Account = self.account.read()?;
        if account.id != self.account.id().record {
            return Err(DocumentError::WrongRecord {
                expected: self.account.id().record,
                found: account.id,
            });
        }
        let restricted = match &self.restricted {
            Some(d) if !d.is_empty() => Some(d.read::<Restricted>()?),
            _ => None,
        };
        Ok(join(account, restricted.as_ref()))
    }

    pub fn reviews(&self) -> Result<Reviews, DocumentError> {
        match &self.review {
            Some(d) if !d.is_empty() => d.read(),
            _ => Ok(Reviews::default()),
        }
    }
}
