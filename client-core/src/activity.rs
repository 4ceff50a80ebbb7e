//! The SRO activity profile (issue 20; 004 Data 1.b "what a SRO does on a
//! typical day"): a school's submitted involvements over whole months, by
//! category, by who started them, by the role of the staff member who
//! asked, and by the school's local hour; how many a day the SRO is
//! involved in on the days they are; and the enforcement the SRO started
//! on their own (003 p7: "SROs are only intervening in incidents when
//! appropriate"), the over-calling view's other half. Counts of records
//! only: no student appears in it.

use crate::Timestamp;
use crate::local_time::Zone;
use crate::vocabulary::{ActionTaken, Category, InitiatedBy, StaffRole};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One submitted involvement, as the profile reads it.
#[derive(Clone, Debug)]
pub struct Entry {
    pub occurred_at: Timestamp,
    pub category: Option<Category>,
    pub initiated_by: Option<InitiatedBy>,
    pub staff_role: Option<StaffRole>,
    pub actions: Vec<ActionTaken>,
}

/// How many involvements had one value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Tally {
    /// The value (`not_recorded` when none was); an hour is two digits.
    pub key: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
}

/// What the SRO did on their own initiative.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Enforcement {
    /// Self-initiated involvements in all.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub involvements: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub arrests: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub citations: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub searches: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub use_of_force_or_restraint: u64,
    /// Of the self-initiated, code-of-conduct matters: school discipline
    /// the SRO stepped into unasked (003 p10).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub code_of_conduct: u64,
}

/// The profile of a school's involvements.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Profile {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub involvements: u64,
    /// Local dates with at least one involvement.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub active_days: u64,
    /// Involvements per active day, to one decimal: the typical day.
    pub per_active_day: f64,
    pub by_category: Vec<Tally>,
    pub by_initiated_by: Vec<Tally>,
    /// Of staff requests, the asking staff member's role.
    pub by_staff_role: Vec<Tally>,
    /// The school's local hour of day, two digits, every hour with one.
    pub by_hour: Vec<Tally>,
    pub self_initiated: Enforcement,
}

const NOT_RECORDED: &str = "not_recorded";

fn tallies(counts: BTreeMap<String, u64>) -> Vec<Tally> {
    counts
        .into_iter()
        .map(|(key, count)| Tally { key, count })
        .collect()
}

/// The profile of `entries`, hours and days in the school's `zone`.
pub fn profile(entries: &[Entry], zone: Zone) -> Profile {
    let (mut category, mut initiated, mut role, mut hour) = Default::default();
    let mut days = BTreeSet::new();
    let mut own = Enforcement::default();
    let name = |v: Option<&'static str>| v.unwrap_or(NOT_RECORDED).to_string();
    for e in entries {
        let bump = |m: &mut BTreeMap<String, u64>, k: String| *m.entry(k).or_insert(0) += 1;
        bump(&mut category, name(e.category.map(Category::as_str)));
        bump(
            &mut initiated,
            name(e.initiated_by.map(InitiatedBy::as_str)),
        );
        if e.initiated_by == Some(InitiatedBy::SchoolStaff) {
            bump(&mut role, name(e.staff_role.map(StaffRole::as_str)));
        }
        bump(&mut hour, format!("{:02}", zone.hour(e.occurred_at)));
        days.insert(zone.date(e.occurred_at));
        if e.initiated_by == Some(InitiatedBy::OfficerSelf) {
            let has = |f: fn(&ActionTaken) -> bool| u64::from(e.actions.iter().any(f));
            own.involvements += 1;
            own.arrests += has(|a| *a == ActionTaken::Arrest);
            own.citations += has(|a| *a == ActionTaken::Citation);
            own.searches += has(|a| a.is_search());
            own.use_of_force_or_restraint += has(|a| a.is_force_or_restraint());
            own.code_of_conduct += u64::from(e.category == Some(Category::CodeOfConduct));
        }
    }
    let n = entries.len() as u64;
    let active_days = days.len() as u64;
    Profile {
        involvements: n,
        active_days,
        per_active_day: if active_days == 0 {
            0.0
        } else {
            (n as f64 * 10.0 / active_days as f64).round() / 10.0
        },
        by_category: tallies(category),
        by_initiated_by: tallies(initiated),
        by_staff_role: tallies(role),
        by_hour: tallies(hour),
        self_initiated: own,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ActionTaken as A;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).expect("a time")
    }

    fn entry(t: &str, c: Category, i: Option<InitiatedBy>, actions: &[ActionTaken]) -> Entry {
        Entry {
            occurred_at: at(t),
            category: Some(c),
            initiated_by: i,
            staff_role: (i == Some(InitiatedBy::SchoolStaff)).then_some(StaffRole::Teacher),
            actions: actions.to_vec(),
        }
    }

    fn count(t: &[Tally], key: &str) -> u64 {
        t.iter().find(|x| x.key == key).map_or(0, |x| x.count)
    }

    #[test]
    fn a_schools_involvements_by_what_who_and_local_hour() {
        use Category as C;
        use InitiatedBy as I;
        let zone = Zone::parse("America/Chicago").expect("a zone");
        // Chicago is UTC-6 in December: 14:30 UTC is 08:30 there, and
        // 03:00 UTC on the 2nd is 21:00 on the 1st (a day counted in UTC
        // would be a third active day).
        let entries = [
            entry(
                "2026-12-01T14:30:00Z",
                C::CodeOfConduct,
                Some(I::SchoolStaff),
                &[A::Warning],
            ),
            entry(
                "2026-12-01T15:10:00Z",
                C::SafetyThreat,
                Some(I::OfficerSelf),
                &[A::SearchPerson, A::Arrest],
            ),
            entry(
                "2026-12-01T16:00:00Z",
                C::CodeOfConduct,
                Some(I::OfficerSelf),
                &[A::Citation],
            ),
            entry(
                "2026-12-02T03:00:00Z",
                C::Medical,
                Some(I::Dispatch),
                &[A::PhysicalRestraint],
            ),
            entry("2026-12-04T14:45:00Z", C::RelationshipBuilding, None, &[]),
        ];
        let p = profile(&entries, zone);
        assert_eq!(p.involvements, 5);
        // 1 December (four, local), 4 December (one).
        assert_eq!(p.active_days, 2);
        assert_eq!(p.per_active_day, 2.5);
        assert_eq!(count(&p.by_category, "code_of_conduct"), 2);
        assert_eq!(count(&p.by_initiated_by, "self"), 2);
        assert_eq!(count(&p.by_initiated_by, "not_recorded"), 1);
        assert_eq!(
            p.by_staff_role,
            vec![Tally {
                key: "teacher".into(),
                count: 1
            }]
        );
        assert_eq!(count(&p.by_hour, "08"), 2);
        assert_eq!(count(&p.by_hour, "21"), 1);
        assert_eq!(count(&p.by_hour, "14"), 0);
        assert_eq!(
            p.self_initiated,
            Enforcement {
                involvements: 2,
                arrests: 1,
                citations: 1,
                searches: 1,
                use_of_force_or_restraint: 0,
                code_of_conduct: 1,
            }
        );
    }

    #[test]
    fn nothing_in_the_window_is_an_empty_profile() {
        let p = profile(&[], Zone::default());
        assert_eq!(
            (p.involvements, p.active_days, p.per_active_day),
            (0, 0, 0.0)
        );
        assert!(p.by_hour.is_empty());
    }
}
