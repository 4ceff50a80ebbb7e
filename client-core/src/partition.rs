//! The audience partition, enforced: a document holds its part's type and
//! nothing else (ARCHITECTURE.md, "The audience partition").
//!
//! autosurgeon's hydration skips keys it does not know, so a hand-made change
//! could carry a school-record value inside the account document, which the
//! supervisor receives, or any key at all inside a review. A document is
//! *strict* when it hydrates into its part's type and writing that value back
//! into an empty document yields every key the document has: nothing is left
//! over.
//!
//! The check runs on the state after *each* pushed change, in causal order,
//! not only on the state a push reaches: a CRDT keeps its history, so a value
//! added and removed again within one push would still reach every reader.

use crate::access::DocKind;
use crate::document::{Account, DocId, Document, Restricted};
use crate::ids::StudentKey;
use crate::review::Reviews;
use crate::sync::{Refusal, RefusalCode};
use automerge::hydrate::Value as Tree;
use automerge::{AutoCommit, Change, ChangeHash, ROOT, ReadDoc};
use autosurgeon::{Hydrate, Reconcile, hydrate, reconcile};
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

/// Checks that `doc`'s current state is strictly its part's type. An empty
/// document (nothing written yet) holds nothing and passes.
pub fn check(doc: &mut Document) -> Result<(), PartitionError> {
    let kind = doc.id().kind;
    let am = doc.automerge();
    if am.is_empty() {
        return Ok(());
    }
    let canonical = match kind {
        DocKind::Account => canonical::<Account>(am, kind)?,
        DocKind::Review => canonical::<Reviews>(am, kind)?,
        DocKind::Restricted => {
            let r: Restricted = read(am, kind)?;
            // The map's keys are free-form to autosurgeon; here they must be
            // student keys, as `document::split` writes them.
            if let Some(k) = r.students.keys().find(|k| k.parse::<StudentKey>().is_err()) {
                return Err(PartitionError::UnknownField {
                    kind,
                    path: format!("students.{}", printable(k)),
                });
            }
            rewrite(&r)
        }
    };
    let tree = |d: &AutoCommit| {
        d.hydrate(ROOT, None)
            .map_err(|e| PartitionError::Unreadable {
                kind,
                reason: e.to_string(),
            })
    };
    let (doc_tree, canonical_tree) = (tree(am)?, tree(&canonical)?);
    leftover(&doc_tree, &canonical_tree, &mut String::new()).map_or(Ok(()), |path| {
        let last = path.rsplit(['.', ']']).next().unwrap_or_default();
        Err(match home_of(last).filter(|home| *home != kind) {
            Some(belongs) => PartitionError::WrongPartition {
                kind,
                belongs,
                path,
            },
            None => PartitionError::UnknownField { kind, path },
        })
    })
}

/// Applies `changes` to `doc` one at a time in causal order, checking the
/// state after each (see the module comment). On an error `doc` holds part of
/// the changes and must be thrown away.
pub fn apply_checked(doc: &mut Document, changes: Vec<Change>) -> Result<(), PartitionError> {
    for change in causal_order(doc, changes)? {
        doc.apply(vec![change])
            .map_err(|e| PartitionError::Corrupt(e.to_string()))?;
        check(doc)?;
    }
    Ok(())
}

/// `changes` (those `doc` lacks, duplicates dropped) sorted so that each
/// comes after its dependencies; every dependency must be in `doc` or among
/// `changes`, so that each change applies at once when its turn comes.
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

fn canonical<T: Hydrate + Reconcile>(
    am: &AutoCommit,
    kind: DocKind,
) -> Result<AutoCommit, PartitionError> {
    Ok(rewrite(&read::<T>(am, kind)?))
}

/// `value` written into an empty document: every key its type has.
fn rewrite<T: Reconcile>(value: &T) -> AutoCommit {
    let mut doc = AutoCommit::new();
    // Reconciling into an empty in-memory document cannot conflict; if it
    // ever failed, every key would look unknown and the push be refused.
    let _ = reconcile(&mut doc, value);
    doc
}

/// The path of the first key (in sorted order) that `doc` has and `canon`
/// lacks. Both are whole-document materialisations (one pass each; reading
/// key by key through automerge cost five times as much as hydrating). They
/// hydrate to the same value, so lists have equal lengths.
fn leftover(doc: &Tree, canon: &Tree, path: &mut String) -> Option<String> {
    match (doc, canon) {
        (Tree::Map(m), Tree::Map(c)) => {
            let mut keys: Vec<&String> = m.iter().map(|(k, _)| k).collect();
            keys.sort();
            for key in keys {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&printable(key));
                let found = match (m.get(key), c.get(key)) {
                    (_, None) => Some(path.clone()),
                    (Some(v), Some(cv)) => leftover(v, cv, path),
                    (None, Some(_)) => None,
                };
                if found.is_some() {
                    return found;
                }
                path.truncate(len);
            }
            None
        }
        (Tree::List(l), Tree::List(c)) => {
            for (i, (v, cv)) in l.iter().zip(c.iter()).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                if let Some(found) = leftover(&v.value, &cv.value, path) {
                    return Some(found);
                }
                path.truncate(len);
            }
            None
        }
        // An object where the type has a plain value: hydration accepted it,
        // but it is not what the type writes.
        (Tree::Map(_) | Tree::List(_), _) => Some(path.clone()),
        // Scalars, and text (a string's content), have no keys.
        _ => None,
    }
}

/// A key as it may appear in a refusal: short and printable (a refusal is
/// shown to the officer and logged by code, never with values).
fn printable(key: &str) -> String {
    key.chars().filter(|c| !c.is_control()).take(60).collect()
}
