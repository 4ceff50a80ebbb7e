//! The over-calling view's window: whole, ended calendar months (UTC).
//!
//! Why: the view counts every staff request at a school, including those
//! handled by officers the viewer does not supervise. A two-minute window
//! showed single incidents (who asked, where, at what hour, what it led to),
//! and two windows a second apart would do the same by difference. With
//! month boundaries the finest thing any two windows can be differenced
//! down to is one school's month; with ended months it never changes while
//! someone watches.

use crate::timestamp::Timestamp;
use chrono::{Datelike, NaiveDate, TimeZone, Timelike, Utc};
use thiserror::Error;

/// `[from, to)`, both the first instant of a month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthWindow {
    pub from: Timestamp,
    pub to: Timestamp,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum WindowError {
    #[error("{field} must be the first day of a month (YYYY-MM-01): the view covers whole months")]
    NotMonthStart { field: &'static str },
    #[error("from must be before to; the view covers at least one whole month")]
    Empty,
    #[error(
        "to must not be after the first day of the current month: the view covers ended months"
    )]
    NotEnded,
}

impl WindowError {
    /// The query parameter at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::NotMonthStart { field } => field,
            Self::Empty => "from",
            Self::NotEnded => "to",
        }
    }
}

fn month_start(year: i32, month: u32) -> Timestamp {
    let date = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN);
    let dt = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default());
    Timestamp::from_millis(dt.timestamp_millis())
}

fn is_month_start(t: Timestamp) -> bool {
    let d = t.to_datetime();
    d.day() == 1 && d.num_seconds_from_midnight() == 0 && d.nanosecond() == 0
}

/// The first instant of the month containing `at`.
pub fn start_of_month(at: Timestamp) -> Timestamp {
    let d = at.to_datetime();
    month_start(d.year(), d.month())
}

impl MonthWindow {
    /// The window asked for, or the default: `to` the start of the current
    /// month, `from` twelve months before `to`.
    pub fn new(
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Self, WindowError> {
        if from.is_some_and(|f| !is_month_start(f)) {
            return Err(WindowError::NotMonthStart { field: "from" });
        }
        let current = start_of_month(now);
        let to = to.unwrap_or(current);
        if !is_month_start(to) {
            return Err(WindowError::NotMonthStart { field: "to" });
        }
        let from = from.unwrap_or_else(|| {
            let d = to.to_datetime();
            month_start(d.year() - 1, d.month())
        });
        if from >= to {
            return Err(WindowError::Empty);
        }
        if to > current {
            return Err(WindowError::NotEnded);
        }
        Ok(Self { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).expect("a time")
    }

    #[test]
    fn windows() {
        let now = at("2026-12-02T03:00:00Z");
        let t = |s: &str| Some(at(s));
        for (from, to, want) in [
            // The finding: a two-minute window.
            (
                t("2026-11-10T14:00:00Z"),
                t("2026-11-10T14:02:00Z"),
                Err(WindowError::NotMonthStart { field: "from" }),
            ),
            (
                t("2026-11-10T00:00:00Z"),
                t("2026-12-01T00:00:00Z"),
                Err(WindowError::NotMonthStart { field: "from" }),
            ),
            (
                t("2026-11-01T00:00:00Z"),
                t("2026-12-01T00:00:00.001Z"),
                Err(WindowError::NotMonthStart { field: "to" }),
            ),
            (t("2026-11-01T00:00:00Z"), t("2026-12-01T00:00:00Z"), Ok(())),
            (t("2024-08-01T00:00:00Z"), t("2026-11-01T00:00:00Z"), Ok(())),
            (
                t("2026-11-01T00:00:00Z"),
                t("2026-11-01T00:00:00Z"),
                Err(WindowError::Empty),
            ),
            // The current month has not ended.
            (
                t("2026-11-01T00:00:00Z"),
                t("2027-01-01T00:00:00Z"),
                Err(WindowError::NotEnded),
            ),
            (None, None, Ok(())),
        ] {
            let got = MonthWindow::new(from, to, now).map(|_| ());
            assert_eq!(got, want, "{from:?} {to:?}");
        }
        let d = MonthWindow::new(None, None, now).expect("the default");
        assert_eq!(d.from, at("2025-12-01T00:00:00Z"));
        assert_eq!(d.to, at("2026-12-01T00:00:00Z"));
        assert_eq!(WindowError::NotEnded.field(), "to");
    }
}
