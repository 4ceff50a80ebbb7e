//! What the officer's list, search and retention need of one record, kept
//! for every record on a device while its documents stay saved bytes: a
//! phone with years of records never hydrates them all to draw a list.
//!
//! Summaries are persisted in buckets (by the record id's last byte), so
//! one edit rewrites one small bucket and unlocking reads a few dozen.

use crate::document::Account;
use crate::ids::RecordId;
use crate::record::Record;
use crate::sync::{Refusal, WireError};
use crate::timestamp::Timestamp;
use crate::vocabulary::{Category, Location, Status};
use serde::{Deserialize, Serialize};

/// How many buckets the index is split into.
pub const BUCKETS: u8 = 64;

/// Where one record stands with the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncStatus {
    /// Has changes the server does not have yet.
    SavedOnDevice,
    Synced,
    /// Refused as it is now; not pushed again until it changes.
    Refused(Refusal),
}

/// The list's facts about a record, read from its account document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub occurred_at: i64,
    pub status: Status,
    pub category: Option<Category>,
    pub location: Option<Location>,
    pub students: u16,
}

impl From<&Record> for Facts {
    fn from(r: &Record) -> Self {
        Self {
            occurred_at: r.occurred_at.millis(),
            status: r.status,
            category: r.category,
            location: r.location,
            students: r.students.len().min(u16::MAX as usize) as u16,
        }
    }
}

impl From<&Account> for Facts {
    fn from(a: &Account) -> Self {
        Self {
            occurred_at: a.occurred_at.millis(),
            status: a.status,
            category: a.category,
            location: a.location,
            students: a.students.len().min(u16::MAX as usize) as u16,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub id: RecordId,
    /// `None` while the device holds no readable account for the record
    /// (e.g. a review arrived first): it is not listed.
    pub facts: Option<Facts>,
    pub state: SyncStatus,
}

/// Why a record is on the end-of-shift check (issue 19): the officer
/// finishes it, or gets it to the server, before signing out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unfinished {
    Draft,
    Refused,
    OnlyOnDevice,
}

/// The end-of-shift list: drafts, then records the server refused, then
/// records only on this device; newest first within each. A record with
/// nothing readable on the device is not listed (nothing to finish).
pub fn unfinished<'a>(all: impl Iterator<Item = &'a Summary>) -> Vec<Summary> {
    let mut out: Vec<(Unfinished, std::cmp::Reverse<i64>, &Summary)> = all
        .filter_map(|s| {
            Some((
                s.unfinished()?,
                std::cmp::Reverse(s.facts.as_ref()?.occurred_at),
                s,
            ))
        })
        .collect();
    out.sort_by_key(|(why, at, s)| (*why, *at, s.id));
    out.into_iter().map(|(_, _, s)| s.clone()).collect()
}

impl Summary {
    /// Why the record is unfinished at the end of a shift, if it is.
    pub fn unfinished(&self) -> Option<Unfinished> {
        if self.facts.as_ref()?.status == Status::Draft {
            return Some(Unfinished::Draft);
        }
        match self.state {
            SyncStatus::Refused(_) => Some(Unfinished::Refused),
            SyncStatus::SavedOnDevice => Some(Unfinished::OnlyOnDevice),
            SyncStatus::Synced => None,
        }
    }

    pub fn occurred_at(&self) -> Option<Timestamp> {
        self.facts
            .as_ref()
            .map(|f| Timestamp::from_millis(f.occurred_at))
    }
}

/// The bucket a record's summary is kept in.
pub fn bucket(id: RecordId) -> u8 {
    // The last byte of a v7 id is random, so buckets fill evenly.
    id.as_uuid().as_bytes()[15] % BUCKETS
}

pub fn encode_bucket(summaries: &[&Summary]) -> Vec<u8> {
    postcard::to_stdvec(summaries).unwrap_or_default()
}

pub fn decode_bucket(bytes: &[u8]) -> Result<Vec<Summary>, WireError> {
    postcard::from_bytes(bytes).map_err(|e| WireError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_round_trips_and_garbage_is_an_error() {
        let s = Summary {
            id: RecordId::from_u128(7),
            facts: Some(Facts {
                occurred_at: 1,
                status: Status::Draft,
                category: Some(Category::Other),
                location: None,
                students: 2,
            }),
            state: SyncStatus::SavedOnDevice,
        };
        let bytes = encode_bucket(&[&s]);
        assert_eq!(decode_bucket(&bytes).ok(), Some(vec![s]));
        assert!(decode_bucket(&[0xff, 0xff, 0xff]).is_err());
    }

    /// The end-of-shift check: which records are on it, and in what order.
    #[test]
    fn the_end_of_shift_lists_drafts_then_refused_then_only_on_the_device() {
        use crate::access::DocKind;
        use crate::document::DocId;
        let refused = || {
            SyncStatus::Refused(Refusal {
                doc: DocId {
                    record: RecordId::from_u128(0),
                    kind: DocKind::Account,
                },
                code: crate::sync::RefusalCode::Invalid,
                reason: "no".into(),
                field: None,
            })
        };
        let s = |id: u128, at: i64, status: Option<Status>, state: SyncStatus| Summary {
            id: RecordId::from_u128(id),
            facts: status.map(|status| Facts {
                occurred_at: at,
                status,
                category: None,
                location: None,
                students: 1,
            }),
            state,
        };
        use Status::{Draft, Submitted};
        let all = [
            s(1, 10, Some(Submitted), SyncStatus::Synced),
            s(2, 20, Some(Submitted), SyncStatus::SavedOnDevice),
            s(3, 30, Some(Draft), SyncStatus::Synced),
            s(4, 40, Some(Submitted), refused()),
            s(5, 50, Some(Draft), SyncStatus::SavedOnDevice),
            s(6, 60, None, SyncStatus::SavedOnDevice),
            s(7, 70, Some(Submitted), SyncStatus::SavedOnDevice),
        ];
        let ids: Vec<u128> = unfinished(all.iter())
            .iter()
            .map(|s| s.id.0.as_u128())
            .collect();
        // Drafts newest first (a synced draft is still unfinished), the
        // refused, then submitted records only on the device; a synced
        // submission and a record with nothing readable are not listed.
        assert_eq!(ids, [5, 3, 4, 7, 2]);
    }

    #[test]
    fn buckets_spread_by_the_random_end_of_the_id() {
        let b: std::collections::BTreeSet<u8> = (0..640u128)
            .map(|i| bucket(RecordId::from_u128(i)))
            .collect();
        assert_eq!(b.len(), BUCKETS as usize);
    }
}
