//! What a judgement of a push takes besides the push (`Held`, `Context`) and
//! what it comes to (`Verdicts`).

use crate::access::{Actor, Policy};
use crate::document::DocId;
use crate::projection::RecordRow;
use crate::sync::{Accepted, Refusal};
use crate::webhook::EventType;
use crate::{RecordId, ReviewId, SchoolId, Timestamp, UserId};
use std::collections::HashMap;
use thiserror::Error;

/// One document as the server holds it before the request.
#[derive(Clone, Debug)]
pub struct Held {
    pub officer: UserId,
    pub school: SchoolId,
    pub snapshot: Vec<u8>,
    /// Which history the server's log holds (`redaction`).
    pub generation: u32,
}

/// What the judgement rests on besides the documents.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub policy: &'a Policy,
    pub actor: &'a Actor,
    /// The server's clock.
    pub now: Timestamp,
    /// When this deployment first ran the current rules (`rules::version`).
    pub rules_adopted_at: Timestamp,
    /// When the server first received each touched record as submitted,
    /// from before this request (lateness, the school years and the rules
    /// stamp rest on it).
    pub first_submitted: &'a HashMap<RecordId, Timestamp>,
}

/// One accepted change, ready to append; its author is the caller.
#[derive(Clone, Debug)]
pub struct NewChange {
    pub hash: [u8; 32],
    pub bytes: Vec<u8>,
}

/// A document to store: its new snapshot and the changes to append.
#[derive(Clone, Debug)]
pub struct Write {
    pub doc: DocId,
    pub officer: UserId,
    pub school: SchoolId,
    pub snapshot: Vec<u8>,
    pub generation: u32,
    pub changes: Vec<NewChange>,
}

/// A webhook event the accepted changes make (`webhook`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventType,
    pub record: RecordId,
    /// The record's officer: the event's organisation is theirs.
    pub officer: UserId,
    pub review: Option<ReviewId>,
}

/// Everything a request's push comes to.
#[derive(Debug, Default)]
pub struct Verdicts {
    /// Per pushed document stored, in push order: the server's heads.
    pub accepted: Vec<Accepted>,
    pub refused: Vec<Refusal>,
    /// One per document with something new, in the order first accepted.
    pub writes: Vec<Write>,
    /// One per record whose account or restricted part was accepted.
    pub rows: Vec<RecordRow>,
    pub events: Vec<Event>,
}

impl Verdicts {
    /// The hashes of every change to be stored.
    pub fn stored_hashes(&self) -> impl Iterator<Item = [u8; 32]> + '_ {
        self.writes
            .iter()
            .flat_map(|w| w.changes.iter().map(|c| c.hash))
    }
}

/// What the server holds cannot be read: not the caller's fault, and the
/// request must fail rather than be judged against a guess.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum Damaged {
    #[error("the stored snapshot of {0} cannot be read: {1}")]
    Snapshot(DocId, String),
    #[error("the stored {0} cannot be read: {1}")]
    Part(DocId, String),
}
