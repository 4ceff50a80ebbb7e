//! Every operation of a pushed change, checked against its part's shape.
//!
//! A CRDT keeps every operation, so a reader who pulls a document receives
//! values no state of it shows: a key put and deleted within one change, or
//! the losing side of two devices' conflicting values. Checking states misses
//! both; checking operations does not. Each operation names the object it
//! writes into (resolved to its path through the document, which knows where
//! even a hidden object sits) and the key, or list element, it writes.

use super::shape::Shape;
use super::{PartitionError, misplaced, printable};
use crate::access::DocKind;
use automerge::legacy::{Key, ObjectId, Op, OpType};
use automerge::{AutoCommit, ObjId, Prop, ReadDoc};
use std::collections::HashMap;

/// Checks the operations of changes already applied to `doc` (so that every
/// object they write into exists in it).
pub(super) fn check(doc: &AutoCommit, kind: DocKind, ops: &[Op]) -> Result<(), PartitionError> {
    // Consecutive operations mostly write into the same few objects.
    let mut places: HashMap<&ObjectId, Place> = HashMap::new();
    for op in ops {
        if !places.contains_key(&op.obj) {
            places.insert(&op.obj, locate(doc, kind, &op.obj)?);
        }
        let place = &places[&op.obj];
        if let OpType::MarkBegin(_) | OpType::MarkEnd(_) = op.action {
            // No part's type has marks; a mark's name and value would be
            // data no type check ever reads.
            return Err(PartitionError::Mark {
                kind,
                path: place.path.clone(),
            });
        }
        match &op.key {
            Key::Map(key) => {
                place.key(kind, key)?;
            }
            Key::Seq(_) => {
                if !matches!(place.shape, Shape::List(_)) {
                    return Err(PartitionError::NotAList {
                        kind,
                        path: place.path.clone(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Where an object sits in a part, and the shape it must have there.
struct Place {
    path: String,
    shape: &'static Shape,
}

impl Place {
    /// The place under `key`, if this place's shape has it.
    fn key(&self, kind: DocKind, key: &str) -> Result<Place, PartitionError> {
        let mut path = self.path.clone();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(&printable(key));
        match self.shape.field(key) {
            Some(shape) => Ok(Place { path, shape }),
            None => Err(misplaced(kind, path)),
        }
    }

    /// The place of element `i`, if this place is a list.
    fn index(&self, kind: DocKind, i: usize) -> Result<Place, PartitionError> {
        match self.shape {
            Shape::List(elem) => Ok(Place {
                path: format!("{}[{i}]", self.path),
                shape: elem,
            }),
            _ => Err(PartitionError::NotAList {
                kind,
                path: self.path.clone(),
            }),
        }
    }
}

/// The place of `obj`: the root, or the path automerge keeps to it, walked
/// through the part's shape.
fn locate(doc: &AutoCommit, kind: DocKind, obj: &ObjectId) -> Result<Place, PartitionError> {
    let mut place = Place {
        path: String::new(),
        shape: Shape::of(kind),
    };
    let ObjectId::Id(id) = obj else {
        return Ok(place);
    };
    // The actor index is the document's own numbering; one it does not
    // match makes automerge look the actor up instead.
    let id = ObjId::Id(id.counter(), id.actor().clone(), usize::MAX);
    let parents = doc
        .parents(&id)
        .map_err(|e| PartitionError::Corrupt(e.to_string()))?;
    for (_, prop) in parents.path() {
        place = match prop {
            Prop::Map(key) => place.key(kind, &key)?,
            Prop::Seq(i) => place.index(kind, i)?,
        };
    }
    Ok(place)
}
