//! Sync, sans-I/O: what a device sends for many documents in one round trip,
//! and what it does with the reply. Bytes in, bytes out; the caller owns the
//! transport and the storage.
//!
//! The protocol ships raw Automerge changes, not Automerge's per-document
//! sync messages (see ARCHITECTURE.md for why): the device pushes every
//! change the server is not known to have, the server acknowledges with its
//! heads per document, and pulls come from a server-issued cursor, so a
//! reconnect with nothing new is one small round trip.

use crate::closed_set;
use crate::document::{DocId, MAX_DOC_BYTES};
use crate::ids::DeviceId;
use automerge::{Change, ChangeHash};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Bumped on any incompatible change of the wire types below.
pub const PROTOCOL_VERSION: u16 = 3;
/// The most changes a server puts in one reply; the device asks again while `more`.
pub const MAX_PULL_CHANGES: usize = 5_000;
/// The most bytes of changes a device pushes in one request.
pub const MAX_PUSH_BYTES: usize = 2 << 20;

/// A position in the server's change log, opaque to devices: the low 40
/// bits are the log's sequence number, the next 23 the stamp of the reach
/// it was issued under (`reach::PullFilter::stamp`), so that a device whose
/// reach changed pulls again from the start. The top bit stays clear: the
/// store reads the position as a signed 64-bit number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cursor(pub u64);

impl Cursor {
    const SEQ_BITS: u32 = 40;
    const SEQ_MASK: u64 = (1 << Self::SEQ_BITS) - 1;
    /// The stamp's bits, before shifting.
    pub const STAMP_MASK: u32 = (1 << 23) - 1;
    /// Past every change: a caller that only pushes pulls nothing.
    pub const END: Cursor = Cursor(u64::MAX >> 1);

    /// The cursor after log position `seq`, for a caller of reach `stamp`;
    /// `None` past the 2^40th change, which a cursor cannot say.
    pub fn at(seq: u64, stamp: u32) -> Option<Self> {
        (seq <= Self::SEQ_MASK)
            .then(|| Self(seq | (u64::from(stamp & Self::STAMP_MASK) << Self::SEQ_BITS)))
    }

    /// Whether a device that held `before` is told by `after` that its
    /// reach changed: the pull restarted from the beginning, and what the
    /// device holds that does not come back is no longer its user's. A
    /// fresh device (no cursor) holds nothing to let go.
    pub fn restarted(before: Option<Cursor>, after: Cursor) -> bool {
        before.is_some_and(|b| b != Self::END && b.0 >> Self::SEQ_BITS != after.0 >> Self::SEQ_BITS)
    }

    /// Where a pull continues for a caller whose reach stamp is now
    /// `stamp`: after the cursor's position if it was issued under that
    /// reach; from the start (0) for a fresh device or one whose reach
    /// changed since, because it may now read records from before its
    /// cursor; `None` (pull nothing) for `END`.
    pub fn resume(cursor: Option<Cursor>, stamp: u32) -> Option<u64> {
        match cursor {
            None => Some(0),
            Some(Self::END) => None,
            Some(c) if (c.0 >> Self::SEQ_BITS) as u32 == stamp & Self::STAMP_MASK => {
                Some(c.0 & Self::SEQ_MASK)
            }
            Some(_) => Some(0),
        }
    }
}

/// Device -> server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub version: u16,
    pub device: DeviceId,
    /// Where the device's last pull ended; `None` on a fresh device.
    pub cursor: Option<Cursor>,
    pub push: Vec<DocChanges>,
}

/// Raw Automerge changes of one document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocChanges {
    pub doc: DocId,
    /// Which history the changes belong to (`redaction`): a redacted
    /// document starts a new one, and changes of an older one no longer
    /// apply.
    pub generation: u32,
    pub changes: Vec<Vec<u8>>,
}

impl DocChanges {
    /// `doc`'s changes after `heads` (all of them for `&[]`), in `generation`.
    pub fn since(
        doc: &mut crate::document::Document,
        generation: u32,
        heads: &[automerge::ChangeHash],
    ) -> Self {
        Self {
            doc: doc.id(),
            generation,
            changes: doc.change_bytes_since(heads),
        }
    }
}

/// Server -> device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub version: u16,
    pub cursor: Cursor,
    /// Pushed documents the server stored: its heads for each afterwards.
    pub accepted: Vec<Accepted>,
    /// Pushed documents the server stored nothing of, and why.
    pub refused: Vec<Refusal>,
    /// Changes the device lacks, in server order.
    pub pull: Vec<DocChanges>,
    /// More changes are waiting: sync again at once.
    pub more: bool,
    /// Milliseconds: synced records that occurred before this leave the
    /// device (`retention`); the server pulls nothing of them but drafts.
    pub retain_from: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    pub doc: DocId,
    pub heads: Vec<[u8; 32]>,
}

closed_set!(
    /// Why a server refused a pushed document.
    RefusalCode {
        Forbidden = "forbidden",
        ForgedActor = "forged_actor",
        Invalid = "invalid",
        Corrupt = "corrupt",
        TooLarge = "too_large",
        MissingDependencies = "missing_dependencies",
        /// A key the document's part does not have (`partition`).
        UnknownField = "unknown_field",
        /// A value of another part, e.g. a school-record value in the account.
        WrongPartition = "wrong_partition",
        /// The document's history was redacted since the device last
        /// pulled: the same reply brings the new generation, and the
        /// device carries its edits over to it (`redaction::rebase`).
        Superseded = "superseded",
    }
);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub doc: DocId,
    pub code: RefusalCode,
    /// A sentence for the officer; never contains record contents.
    pub reason: String,
    /// The field the reason is about, when there is one.
    pub field: Option<String>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum WireError {
    #[error("sync message is not valid: {0}")]
    Decode(String),
    #[error("sync protocol version {0} is not supported (this side speaks {PROTOCOL_VERSION})")]
    Version(u16),
    #[error("sync message is {0} bytes; the limit is {MAX_DOC_BYTES}")]
    TooLarge(usize),
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8], limit: usize) -> Result<T, WireError> {
    if bytes.len() > limit {
        return Err(WireError::TooLarge(bytes.len()));
    }
    postcard::from_bytes(bytes).map_err(|e| WireError::Decode(e.to_string()))
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising our own plain structs into a Vec cannot fail.
    postcard::to_stdvec(value).unwrap_or_default()
}

impl SyncRequest {
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }
    /// Decodes and checks the version; `limit` is the server's body limit.
    pub fn decode(bytes: &[u8], limit: usize) -> Result<Self, WireError> {
        let r: Self = decode(bytes, limit)?;
        if r.version != PROTOCOL_VERSION {
            return Err(WireError::Version(r.version));
        }
        Ok(r)
    }
}

impl SyncResponse {
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        let r: Self = decode(bytes, usize::MAX)?;
        if r.version != PROTOCOL_VERSION {
            return Err(WireError::Version(r.version));
        }
        Ok(r)
    }
}

/// Parses raw change bytes from the wire.
pub fn parse_changes(raw: &[Vec<u8>]) -> Result<Vec<Change>, String> {
    raw.iter()
        .map(|b| Change::from_bytes(b.clone()).map_err(|e| e.to_string()))
        .collect()
}

/// What a device remembers between syncs besides its records (each record
/// carries what the server has of it: `device_record`). Small and of fixed
/// size, whatever the device holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    pub cursor: Option<Cursor>,
    /// The server's last `retain_from`.
    pub retain_from: Option<i64>,
}

impl SyncState {
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(self)
    }
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        decode(bytes, usize::MAX)
    }
}

/// Hashes as the wire spells them.
pub fn wire_hashes(hs: &[ChangeHash]) -> Vec<[u8; 32]> {
    hs.iter().map(|h| h.0).collect()
}
