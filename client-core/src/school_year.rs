//! The reporting period: a whole, closed school year, 1 July to 30 June (the
//! school year of the Civil Rights Data Collection and EDFacts), UTC.
//!
//! Why only this: a report over any `[from, to)` let an analyst ask twice
//! with `to` one second apart and read one student's categories off the
//! difference. Published tables must therefore come from a finite, fixed
//! family in which no table is the sum or difference of others. School
//! years never overlap and their boundaries never move (the agency's review
//! calendar can be changed by an admin, which would make old and new periods
//! overlap by days), and one granularity means no table nests inside
//! another.
//!
//! A year's tables count only the records the server had received as
//! submitted before its cutoff (its end plus [`GRACE_DAYS`]), and a year is
//! answered only once that cutoff has passed, so every answer for a year is
//! the same forever: a record synced or submitted later is kept and read,
//! but never changes a year already answered (issue 16). Amending a counted
//! record after the cutoff still can; see ARCHITECTURE.md.

use crate::timestamp::Timestamp;
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use std::fmt;
use thiserror::Error;

/// The month a school year starts in (1 July).
const FIRST_MONTH: u32 = 7;

/// Days after a year's end in which records of it reaching the server
/// still count in its tables; the year is answered once they have passed.
/// Thirty days covers a record documented late (the lateness rule allows
/// 72 hours) on a phone that stayed offline for weeks at the end of June,
/// and the cost, the first answer for a year on 31 July instead of 1 July,
/// is small beside the CRDC's and EDFacts' collection windows, months
/// later. A constant, not an agency setting: changing it would move which
/// records a year already answered counts, the differencing this closes.
pub const GRACE_DAYS: i64 = 30;

/// The school year starting 1 July `start`, spelled `2025-26`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchoolYear {
    start: i32,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SchoolYearError {
    #[error("{0:?} is not a school year; use YYYY-YY, e.g. 2025-26")]
    Malformed(String),
    #[error(
        "the school year {year} is not closed yet; a year is reported from {from}, {GRACE_DAYS} days after it ends, so late records are in and its tables never change"
    )]
    NotClosed { year: SchoolYear, from: Timestamp },
}

impl SchoolYear {
    fn first_day(year: i32) -> Timestamp {
        let date = NaiveDate::from_ymd_opt(year, FIRST_MONTH, 1).unwrap_or(NaiveDate::MIN);
        let dt = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default());
        Timestamp::from_millis(dt.timestamp_millis())
    }

    /// The school year containing `at`.
    pub fn of(at: Timestamp) -> Self {
        let d = at.to_datetime();
        let start = if d.month() >= FIRST_MONTH {
            d.year()
        } else {
            d.year() - 1
        };
        Self { start }
    }

    /// The newest school year closed at `now` (its `cutoff` has passed).
    pub fn latest_closed(now: Timestamp) -> Self {
        let mut y = Self::of(now).previous();
        while y.cutoff() > now {
            y = y.previous();
        }
        y
    }

    /// Inclusive.
    pub fn start(self) -> Timestamp {
        Self::first_day(self.start)
    }

    /// Exclusive: 1 July of the next year.
    pub fn end(self) -> Timestamp {
        Self::first_day(self.start + 1)
    }

    /// Exclusive: the year's tables count a record only if the server
    /// received it as submitted before this instant, the end plus
    /// [`GRACE_DAYS`]; the year is answered from this instant on.
    pub fn cutoff(self) -> Timestamp {
        self.end().plus_hours(24 * GRACE_DAYS)
    }

    /// Whether a record of this year, first received by the server as
    /// submitted at `received` (`None`: not yet), counts in its tables.
    /// (The store filters by `cutoff`; this is the rule it implements.)
    pub fn counts(self, received: Option<Timestamp>) -> bool {
        received.is_some_and(|t| t < self.cutoff())
    }

    /// Whether a record's reporting rows are frozen at `now`: its year
    /// (the year of `occurred_at` as the rows stand) has closed and counted
    /// it. A closed year's tables never change, so an amendment made after
    /// the cutoff changes the record, not the rows the year counts (they
    /// stay as they stood at the cutoff).
    pub fn frozen(occurred_at: Timestamp, received: Option<Timestamp>, now: Timestamp) -> bool {
        let year = Self::of(occurred_at);
        now >= year.cutoff() && year.counts(received)
    }

    pub fn previous(self) -> Self {
        Self {
            start: self.start - 1,
        }
    }

    /// Parses `2025-26` (the second part is the next year's last two digits).
    pub fn parse(s: &str) -> Result<Self, SchoolYearError> {
        let bad = || SchoolYearError::Malformed(s.to_string());
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let digits = |x: &str, n: usize| x.len() == n && x.bytes().all(|c| c.is_ascii_digit());
        if !digits(a, 4) || !digits(b, 2) {
            return Err(bad());
        }
        let start: i32 = a.parse().map_err(|_| bad())?;
        let next: i32 = b.parse().map_err(|_| bad())?;
        if (start + 1) % 100 != next || start < 1970 {
            return Err(bad());
        }
        Ok(Self { start })
    }

    /// A school year a report may cover at `now`: well formed and closed
    /// (its `cutoff` has passed), so its tables can no longer change.
    pub fn reportable(s: &str, now: Timestamp) -> Result<Self, SchoolYearError> {
        let y = Self::parse(s)?;
        if y.cutoff() > now {
            return Err(SchoolYearError::NotClosed {
                year: y,
                from: y.cutoff(),
            });
        }
        Ok(y)
    }
}

impl fmt::Display for SchoolYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.start, (self.start + 1) % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counted_record_of_a_closed_year_is_frozen() {
        let t = |s: &str| Timestamp::parse(s).expect("a time");
        let may = t("2026-05-10T10:00:00Z");
        // (occurred, received as submitted, now, frozen)
        let cases = [
            (
                may,
                Some(t("2026-05-11T00:00:00Z")),
                t("2026-07-30T23:59:59Z"),
                false,
            ),
            (
                may,
                Some(t("2026-05-11T00:00:00Z")),
                t("2026-07-31T00:00:00Z"),
                true,
            ),
            (
                may,
                Some(t("2026-07-30T23:59:59Z")),
                t("2026-12-02T00:00:00Z"),
                true,
            ),
            // Not counted: arrived after the cutoff, or never submitted.
            (
                may,
                Some(t("2026-07-31T00:00:00Z")),
                t("2026-12-02T00:00:00Z"),
                false,
            ),
            (may, None, t("2026-12-02T00:00:00Z"), false),
        ];
        for (occurred, received, now, want) in cases {
            assert_eq!(
                SchoolYear::frozen(occurred, received, now),
                want,
                "{occurred} {received:?} {now}"
            );
        }
    }

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).expect("a time")
    }

    #[test]
    fn parsing() {
        for (input, want) in [
            ("2025-26", Some("2025-26")),
            ("1999-00", Some("1999-00")),
            ("2025-27", None),
            ("2025-2026", None),
            ("25-26", None),
            ("2025", None),
            ("2025-2x", None),
            ("+202-26", None),
            ("", None),
        ] {
            let got = SchoolYear::parse(input).ok().map(|y| y.to_string());
            assert_eq!(got.as_deref(), want, "{input:?}");
        }
    }

    #[test]
    fn a_year_runs_from_1_july_to_1_july() {
        let y = SchoolYear::parse("2025-26").expect("a year");
        assert_eq!(y.start(), at("2025-07-01T00:00:00Z"));
        assert_eq!(y.end(), at("2026-07-01T00:00:00Z"));
        for (t, want) in [
            ("2025-07-01T00:00:00Z", "2025-26"),
            ("2026-06-30T23:59:59.999Z", "2025-26"),
            ("2026-07-01T00:00:00Z", "2026-27"),
            ("2026-01-15T12:00:00Z", "2025-26"),
        ] {
            assert_eq!(SchoolYear::of(at(t)).to_string(), want, "{t}");
        }
    }

    #[test]
    fn only_closed_years_are_reportable() {
        for (now, year, ok) in [
            ("2026-12-02T03:00:00Z", "2025-26", true),
            ("2026-12-02T03:00:00Z", "2026-27", false),
            // Ended, but within the grace: late records may still arrive.
            ("2026-07-01T00:00:00Z", "2025-26", false),
            ("2026-07-30T23:59:59.999Z", "2025-26", false),
            ("2026-07-31T00:00:00Z", "2025-26", true),
            ("2026-06-30T23:59:59Z", "2025-26", false),
            ("2026-12-02T03:00:00Z", "2031-32", false),
            ("2026-12-02T03:00:00Z", "2019-20", true),
        ] {
            let got = SchoolYear::reportable(year, at(now));
            assert_eq!(got.is_ok(), ok, "{year} at {now}: {got:?}");
        }
        for (now, want) in [
            ("2026-12-02T03:00:00Z", "2025-26"),
            ("2026-07-31T00:00:00Z", "2025-26"),
            ("2026-07-30T23:59:59Z", "2024-25"),
            ("2026-07-01T00:00:00Z", "2024-25"),
            ("2026-06-30T00:00:00Z", "2024-25"),
        ] {
            assert_eq!(
                SchoolYear::latest_closed(at(now)).to_string(),
                want,
                "{now}"
            );
        }
        let e = SchoolYear::reportable("2025-26", at("2026-07-15T00:00:00Z"))
            .expect_err("in its grace");
        assert!(e.to_string().contains("2026-07-31"), "{e}");
    }

    #[test]
    fn a_year_counts_what_the_server_received_as_submitted_by_its_cutoff() {
        let y = SchoolYear::parse("2025-26").expect("a year");
        assert_eq!(y.cutoff(), at("2026-07-31T00:00:00Z"));
        for (received, counts) in [
            (Some("2025-09-01T10:00:00Z"), true),
            (Some("2026-07-30T23:59:59.999Z"), true),
            (Some("2026-07-31T00:00:00Z"), false),
            (Some("2026-12-02T03:00:00Z"), false),
            // A draft the server never received submitted.
            (None, false),
        ] {
            assert_eq!(y.counts(received.map(at)), counts, "{received:?}");
        }
    }
}
