//! Which records stay on a device (issue 15): a lost phone should hold what
//! the officer needs, not years of student records.
//!
//! Kept always: anything the server does not have yet (unsynced or refused)
//! and drafts. Kept while recent: synced records that occurred in the
//! current review period or the `periods` - 1 before it (the agency's
//! setting; two by default, the current and the previous). The rest leaves
//! the device at the next sync; the detail screen reads it online.

use crate::period::PeriodCalendar;
use crate::summary::{Summary, SyncStatus};
use crate::timestamp::Timestamp;
use crate::vocabulary::Status;

/// How many review periods a device keeps unless the agency says otherwise.
pub const DEFAULT_PERIODS: u8 = 2;

/// The start of the oldest period a device keeps at `now`.
pub fn window_start(calendar: &PeriodCalendar, now: Timestamp, periods: u8) -> Timestamp {
    let mut p = calendar.period_of(now);
    for _ in 1..periods.max(1) {
        p = calendar.period_of(Timestamp::from_millis(p.start.millis() - 1));
    }
    p.start
}

/// Whether a record stays on the device, given the window the server sent
/// (`None`: the device has not heard one yet, so it keeps everything).
pub fn keeps(summary: &Summary, window: Option<Timestamp>) -> bool {
    if summary.state != SyncStatus::Synced {
        return true;
    }
    let (Some(facts), Some(window)) = (&summary.facts, window) else {
        return true;
    };
    facts.status == Status::Draft || facts.occurred_at >= window.millis()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RecordId;
    use crate::summary::Facts;
    use crate::sync::{Refusal, RefusalCode};

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).expect("a fixture time")
    }

    #[test]
    fn the_window_is_the_current_and_previous_periods_by_default() {
        let cal = PeriodCalendar::default();
        let cases = [
            // (now, periods, window start)
            ("2026-12-02T10:00:00Z", 2, "2026-02-01T00:00:00Z"),
            ("2026-12-02T10:00:00Z", 1, "2026-08-01T00:00:00Z"),
            ("2026-12-02T10:00:00Z", 3, "2025-08-01T00:00:00Z"),
            ("2026-12-02T10:00:00Z", 0, "2026-08-01T00:00:00Z"),
            ("2026-08-01T00:00:00Z", 2, "2026-02-01T00:00:00Z"),
            ("2026-07-31T23:59:59Z", 2, "2025-08-01T00:00:00Z"),
        ];
        for (now, periods, want) in cases {
            assert_eq!(
                window_start(&cal, t(now), periods),
                t(want),
                "{now} x {periods}"
            );
        }
    }

    #[test]
    fn what_stays_on_the_device() {
        let start = t("2026-02-01T00:00:00Z");
        let window = Some(start);
        let old = t("2025-12-01T00:00:00Z").millis();
        let new = t("2026-03-01T00:00:00Z").millis();
        let refused = SyncStatus::Refused(Refusal {
            doc: crate::document::DocId {
                record: RecordId::from_u128(1),
                kind: crate::DocKind::Account,
            },
            code: RefusalCode::Invalid,
            reason: "r".into(),
            field: None,
        });
        let cases = [
            // (occurred, status, sync state, window, kept)
            (old, Status::Submitted, SyncStatus::Synced, window, false),
            (new, Status::Submitted, SyncStatus::Synced, window, true),
            (
                old,
                Status::Submitted,
                SyncStatus::SavedOnDevice,
                window,
                true,
            ),
            (old, Status::Submitted, refused, window, true),
            (old, Status::Draft, SyncStatus::Synced, window, true),
            (old, Status::Submitted, SyncStatus::Synced, None, true),
            (
                start.millis(),
                Status::Submitted,
                SyncStatus::Synced,
                window,
                true,
            ),
        ];
        for (i, (at, status, state, window, kept)) in cases.into_iter().enumerate() {
            let s = Summary {
                id: RecordId::from_u128(1),
                facts: Some(Facts {
                    occurred_at: at,
                    status,
                    category: None,
                    location: None,
                    students: 1,
                }),
                state,
            };
            assert_eq!(keeps(&s, window), kept, "case {i}");
        }
        let unreadable = Summary {
            id: RecordId::from_u128(2),
            facts: None,
            state: SyncStatus::Synced,
        };
        assert!(keeps(&unreadable, window), "a record it cannot date stays");
    }
}
