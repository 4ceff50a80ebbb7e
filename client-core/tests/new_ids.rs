//! The ids a caller may choose for a record it creates through the JSON API.

mod common;
use client_core::ids::{NEW_RECORD_ID_MINUTES, NewRecordId, judge_new_record_id};
use client_core::{RecordId, Timestamp};
use common::*;

/// A UUID v7 minted at `at`, with fixed random bits.
fn v7(at: Timestamp) -> RecordId {
    let ms = at.millis() as u64;
    let mut b = [0x5au8; 16];
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    b[6] = 0x70 | (b[6] & 0x0f);
    b[8] = 0x80 | (b[8] & 0x3f);
    RecordId(uuid::Uuid::from_bytes(b))
}

#[test]
fn an_id_names_a_new_record_only_if_fresh_and_free_and_never_confirms_anothers() {
    let now = t0();
    let m = NEW_RECORD_ID_MINUTES;
    assert_eq!(v7(now).minted_at(), Some(now));
    assert_eq!(RECORD.minted_at(), None, "not a UUID v7");
    let cases = [
        ("fresh and free", v7(now), None, NewRecordId::Use),
        (
            "a little behind",
            v7(now.plus_minutes(1 - m)),
            None,
            NewRecordId::Use,
        ),
        (
            "a little ahead",
            v7(now.plus_minutes(m - 1)),
            None,
            NewRecordId::Use,
        ),
        (
            "the caller's own record",
            v7(now),
            Some(true),
            NewRecordId::Taken,
        ),
        (
            "an old one of the caller's",
            v7(now.plus_hours(-240)),
            Some(true),
            NewRecordId::Taken,
        ),
        // The next three must answer alike: someone else's record, fresh or
        // old, and an old id no record holds.
        (
            "someone else's, fresh",
            v7(now),
            Some(false),
            NewRecordId::Unusable,
        ),
        (
            "someone else's, old",
            v7(now.plus_hours(-240)),
            Some(false),
            NewRecordId::Unusable,
        ),
        (
            "free but old",
            v7(now.plus_hours(-240)),
            None,
            NewRecordId::Unusable,
        ),
        (
            "free but from the future",
            v7(now.plus_minutes(m + 1)),
            None,
            NewRecordId::Unusable,
        ),
        ("not a UUID v7", RECORD, None, NewRecordId::Unusable),
    ];
    for (name, id, existing, want) in cases {
        assert_eq!(judge_new_record_id(id, existing, now), want, "{name}");
    }
}
