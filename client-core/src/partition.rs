//! The audience partition, enforced: a document holds its part's type and
//! nothing else (ARCHITECTURE.md, "The audience partition").
//!
//! autosurgeon's hydration skips keys it does not know, so a hand-made change
//! could carry a school-record value inside the account document, which the
//! supervisor receives, or any key at all inside a review.
//!
//! A CRDT keeps its whole history, and a reader who pulls a document gets all
//! of it: a value added and removed within one change, or the losing side of
//! two devices' conflicting values, reaches every reader though no state of
//! the document shows it. So every *operation* of every pushed change is
//! checked (`ops`): the key or list element it writes must be a place its
//! part's type has (`shape`). The state the push reaches must then read as
//! the part's type (a map where a plain value goes has no key to refuse).

mod ops;
mod shape;

pub use shape::Shape;

use crate::access::DocKind;
use crate::document::{Account, DocId, Document, Restricted};
use crate::review::Reviews;
use crate::sync::{Refusal, RefusalCode};
use automerge::{AutoCommit, Change, ChangeHash};
use autosurgeon::{Hydrate, hydrate};
use std::collections::{HashMap, HashSet, VecDeque};
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PartitionError {
    #[error("the {kind} part cannot be read: {reason}")]
    Unreadable { kind: DocKind, reason: String },
    #[error("{path} is not a field of the {kind} part")]
    UnknownField { kind: DocKind, path: String },
    #[error("{path} belongs to the {belongs} part, not the {kind} part")]
    WrongPartition {
        kind: DocKind,
        belongs: DocKind,
        path: String,
    },
    #[error("{path} is not a list in the {kind} part")]
    NotAList { kind: DocKind, path: String },
    #[error("{path} carries a mark, which no part has")]
    Mark { kind: DocKind, path: String },
    #[error("earlier changes of this document are missing; sync them first")]
    MissingDependencies,
    #[error("the changes do not apply: {0}")]
    Corrupt(String),
}

impl PartitionError {
    /// The refusal a server answers with; the reason names fields, never values.
    pub fn refusal(&self, doc: DocId) -> Refusal {
        let (code, field) = match self {
            Self::Unreadable { .. } => (RefusalCode::Invalid, None),
            Self::UnknownField { path, .. } => (RefusalCode::UnknownField, Some(path.clone())),
            Self::WrongPartition { path, .. } => (RefusalCode::WrongPartition, Some(path.clone())),
            Self::NotAList { path, .. } | Self::Mark { path, .. } => {
                (RefusalCode::Invalid, Some(path.clone()))
            }
            Self::MissingDependencies => (RefusalCode::MissingDependencies, None),
            Self::Corrupt(_) => (RefusalCode::Corrupt, None),
        };
        Refusal {
            doc,
            code,
            reason: self.to_string(),
            field,
        }
    }
}

/// Field names that name another part's values: where a key found in the
/// wrong document belongs. Anything else unknown is just unknown.
fn home_of(name: &str) -> Option<DocKind> {
    match name {
        "school_record" | "sogi" => Some(DocKind::Restricted),
        "perceived" | "reference" | "narrative" | "custody" | "amendments" => {
            Some(DocKind::Account)
        }
        "reviews" => Some(DocKind::Review),
        _ => None,
    }
}

/// Checks that the state `doc` has reached reads as its part's type. Its
/// keys need no second look: each was written by an operation `ops` checked
/// (or, before operations were checked, by a push whose every state was
/// checked). An empty document (nothing written yet) holds nothing and passes.
/// A document's content as its part's type: what the check of the state
/// reached read, kept for a caller that needs it (the server's judgement,
/// which would otherwise hydrate the document a second time).
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Account(Box<Account>),
    Restricted(Box<Restricted>),
    Reviews(Reviews),
}

fn readable(doc: &mut Document) -> Result<Option<Part>, PartitionError> {
    let kind = doc.id().kind;
    let am = doc.automerge();
    if am.is_empty() {
        return Ok(None);
    }
    Ok(Some(match kind {
        DocKind::Account => Part::Account(Box::new(read(am, kind)?)),
        DocKind::Review => Part::Reviews(read(am, kind)?),
        DocKind::Restricted => Part::Restricted(Box::new(read(am, kind)?)),
    }))
}

/// The error for a key found at `path` that its place does not have: named
/// for the part it belongs to when it is another part's field.
fn misplaced(kind: DocKind, path: String) -> PartitionError {
    let last = path.rsplit(['.', ']']).next().unwrap_or_default();
    match home_of(last).filter(|home| *home != kind) {
        Some(belongs) => PartitionError::WrongPartition {
            kind,
            belongs,
            path,
        },
        None => PartitionError::UnknownField { kind, path },
    }
}

/// Applies `changes` to `doc`, checking every operation they carry and then
/// the state they reach (see the module comment). Intermediate states are not
/// checked: every key one holds was written by a checked operation. On an
/// error `doc` holds the changes and must be thrown away.
pub fn apply_checked(doc: &mut Document, changes: Vec<Change>) -> Result<(), PartitionError> {
    apply_read(doc, changes).map(drop)
}

/// `apply_checked`, returning the state reached as read for the check;
/// `None` when nothing was applied or the document is empty.
pub fn apply_read(
    doc: &mut Document,
    changes: Vec<Change>,
) -> Result<Option<Part>, PartitionError> {
    let changes = causal_order(doc, changes)?;
    if changes.is_empty() {
        return Ok(None);
    }
    let kind = doc.id().kind;
    // Applied before they are decoded: applying validates the operations
    // (actor numbers in range among them), which decoding assumes.
    doc.apply(changes.clone())
        .map_err(|e| PartitionError::Corrupt(e.to_string()))?;
    for change in &changes {
        ops::check(doc.automerge(), kind, &change.decode().operations)?;
    }
    readable(doc)
}

/// `changes` (those `doc` lacks, duplicates dropped) sorted so that each
/// comes after its dependencies; every dependency must be in `doc` or among
/// `changes`, so that automerge applies them all rather than holding some
/// back unchecked.
fn causal_order(doc: &mut Document, changes: Vec<Change>) -> Result<Vec<Change>, PartitionError> {
    let mut seen = HashSet::new();
    let changes: Vec<Change> = changes
        .into_iter()
        .filter(|c| seen.insert(c.hash()) && !doc.has_change(&c.hash()))
        .collect();
    let index: HashMap<ChangeHash, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.hash(), i))
        .collect();
    let mut waiting = vec![0usize; changes.len()];
    let mut unlocks: Vec<Vec<usize>> = vec![Vec::new(); changes.len()];
    for (i, c) in changes.iter().enumerate() {
        for dep in c.deps() {
            match index.get(dep) {
                Some(&j) => {
                    waiting[i] += 1;
                    unlocks[j].push(i);
                }
                None if doc.has_change(dep) => {}
                None => return Err(PartitionError::MissingDependencies),
            }
        }
    }
    let mut ready: VecDeque<usize> = (0..changes.len()).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(changes.len());
    while let Some(i) = ready.pop_front() {
        order.push(i);
        for &j in &unlocks[i] {
            waiting[j] -= 1;
            if waiting[j] == 0 {
                ready.push_back(j);
            }
        }
    }
    if order.len() != changes.len() {
        // A cycle cannot come from hashes; treat it as the bytes' fault.
        return Err(PartitionError::Corrupt(
            "changes depend on each other".into(),
        ));
    }
    let mut slots: Vec<Option<Change>> = changes.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

fn read<T: Hydrate>(am: &AutoCommit, kind: DocKind) -> Result<T, PartitionError> {
    hydrate(am).map_err(|e| PartitionError::Unreadable {
        kind,
        reason: e.to_string(),
    })
}

/// A key as it may appear in a refusal: short and printable (a refusal is
/// shown to the officer and logged by code, never with values).
fn printable(key: &str) -> String {
    key.chars().filter(|c| !c.is_control()).take(60).collect()
}
