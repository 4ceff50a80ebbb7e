//! A school's local time (issue 18): hours of day and weeks are counted
//! where the school is, not in UTC. A Chicago school's 08:00 is hour 8 in
//! winter (UTC-6) and in summer (UTC-5) alike. Zones are IANA names, read
//! from chrono-tz's copy of the tz database.

use crate::timestamp::Timestamp;
use chrono::{Datelike, NaiveDate, TimeZone, Timelike};
use std::str::FromStr;

/// An IANA time zone, e.g. `America/Chicago`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone(chrono_tz::Tz);

impl Zone {
    pub const UTC: Zone = Zone(chrono_tz::UTC);

    /// The zone named `name` exactly as IANA spells it; `None` otherwise.
    pub fn parse(name: &str) -> Option<Self> {
        chrono_tz::Tz::from_str(name).ok().map(Zone)
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The hour of day, 0-23, at `t` in this zone.
    pub fn hour(self, t: Timestamp) -> u32 {
        self.0
            .from_utc_datetime(&t.to_datetime().naive_utc())
            .hour()
    }

    /// The local date at `t`.
    pub fn date(self, t: Timestamp) -> NaiveDate {
        self.0
            .from_utc_datetime(&t.to_datetime().naive_utc())
            .date_naive()
    }

    /// The Monday of the local week holding `t`.
    pub fn week(self, t: Timestamp) -> NaiveDate {
        let d = self.date(t);
        d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()))
    }
}

impl Default for Zone {
    fn default() -> Self {
        Self::UTC
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).expect("a time")
    }

    #[test]
    fn hours_are_the_schools_own() {
        let chicago = Zone::parse("America/Chicago").expect("a zone");
        let honolulu = Zone::parse("Pacific/Honolulu").expect("a zone");
        for (zone, utc, hour) in [
            // 08:00 CST (UTC-6).
            (chicago, "2026-12-07T14:00:00Z", 8),
            // 08:00 CDT (UTC-5).
            (chicago, "2026-09-14T13:00:00Z", 8),
            // The spring-forward night: 01:59 CST, then 03:00 CDT.
            (chicago, "2027-03-14T07:59:00Z", 1),
            (chicago, "2027-03-14T08:00:00Z", 3),
            (honolulu, "2026-12-07T18:30:00Z", 8),
            (Zone::UTC, "2026-12-07T14:00:00Z", 14),
        ] {
            assert_eq!(zone.hour(at(utc)), hour, "{} {utc}", zone.name());
        }
    }

    #[test]
    fn weeks_turn_on_the_schools_monday() {
        let chicago = Zone::parse("America/Chicago").expect("a zone");
        // Sunday 20:00 in Chicago is already Monday in UTC.
        let sunday_evening = at("2026-12-07T02:00:00Z");
        assert_eq!(chicago.week(sunday_evening).to_string(), "2026-11-30");
        assert_eq!(Zone::UTC.week(sunday_evening).to_string(), "2026-12-07");
    }

    #[test]
    fn only_iana_names_are_zones() {
        for (name, ok) in [
            ("America/Chicago", true),
            ("UTC", true),
            ("CST", false),
            ("america/chicago", false),
            ("Mars/Olympus_Mons", false),
            ("", false),
        ] {
            assert_eq!(Zone::parse(name).is_some(), ok, "{name:?}");
        }
    }
}
