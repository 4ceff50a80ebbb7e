//! Review periods: each agency splits the school year into periods (by
//! default two: 1 Aug - 31 Jan and 1 Feb - 31 Jul) and reviews each one.

use crate::timestamp::Timestamp;
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Where one period starts each year, and its name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodStart {
    pub month: u32,
    pub day: u32,
    /// Lower-case, used in the period id: `2026-fall`.
    pub name: String,
}

/// An agency's calendar: period starts in calendar order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodCalendar {
    pub starts: Vec<PeriodStart>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CalendarError {
    #[error("a calendar needs at least one period")]
    Empty,
    #[error("{month}-{day} is not a day of the year")]
    BadDate { month: u32, day: u32 },
    #[error("period starts must be in calendar order with distinct names")]
    Unordered,
    #[error("period name {0:?} must be 1-20 lower-case letters")]
    BadName(String),
}

/// One concrete period, e.g. `2026-fall` = [2026-08-01, 2027-02-01).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReviewPeriod {
    pub id: String,
    pub start: Timestamp,
    /// Exclusive.
    pub end: Timestamp,
}

impl Default for PeriodCalendar {
    fn default() -> Self {
        Self {
            starts: vec![
                PeriodStart {
                    month: 2,
                    day: 1,
                    name: "spring".into(),
                },
                PeriodStart {
                    month: 8,
                    day: 1,
                    name: "fall".into(),
                },
            ],
        }
    }
}

impl PeriodCalendar {
    pub fn new(starts: Vec<PeriodStart>) -> Result<Self, CalendarError> {
        if starts.is_empty() {
            return Err(CalendarError::Empty);
        }
        for s in &starts {
            // 2024 is a leap year, so 29 Feb is accepted; it is clamped below.
            if NaiveDate::from_ymd_opt(2024, s.month, s.day).is_none() {
                return Err(CalendarError::BadDate {
                    month: s.month,
                    day: s.day,
                });
            }
            let ok =
                (1..=20).contains(&s.name.len()) && s.name.chars().all(|c| c.is_ascii_lowercase());
            if !ok {
                return Err(CalendarError::BadName(s.name.clone()));
            }
        }
        let ordered = starts
            .windows(2)
            .all(|w| (w[0].month, w[0].day) < (w[1].month, w[1].day) && w[0].name != w[1].name);
        if !ordered {
            return Err(CalendarError::Unordered);
        }
        Ok(Self { starts })
    }

    fn start_in(&self, year: i32, i: usize) -> Timestamp {
        let s = &self.starts[i];
        let date = NaiveDate::from_ymd_opt(year, s.month, s.day)
            .or_else(|| NaiveDate::from_ymd_opt(year, s.month, s.day - 1))
            .unwrap_or(NaiveDate::MIN);
        let dt = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default());
        Timestamp::from_millis(dt.timestamp_millis())
    }

    /// The period containing `at`. Periods are dated in UTC: a record made a
    /// few hours either side of midnight on a boundary may land in the
    /// neighbouring period, which reviews tolerate.
    pub fn period_of(&self, at: Timestamp) -> ReviewPeriod {
        let year = at.to_datetime().year();
        // Walk candidate starts from the latest in `year` backwards.
        let n = self.starts.len();
        let mut candidates = Vec::with_capacity(2 * n);
        for y in [year - 1, year] {
            for i in 0..n {
                candidates.push((y, i));
            }
        }
        let (y, i) = candidates
            .iter()
            .rev()
            .copied()
            .find(|&(y, i)| self.start_in(y, i) <= at)
            .unwrap_or((year - 1, 0));
        let (ny, ni) = if i + 1 < n { (y, i + 1) } else { (y + 1, 0) };
        ReviewPeriod {
            id: format!("{y}-{}", self.starts[i].name),
            start: self.start_in(y, i),
            end: self.start_in(ny, ni),
        }
    }

    /// Parses an id like `2026-fall` back into its period.
    pub fn period_by_id(&self, id: &str) -> Option<ReviewPeriod> {
        let (year, name) = id.split_once('-')?;
        let year: i32 = year.parse().ok()?;
        let i = self.starts.iter().position(|s| s.name == name)?;
        let start = self.start_in(year, i);
        let p = self.period_of(start);
        (p.id == id).then_some(p)
    }
}
