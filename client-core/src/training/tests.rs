//! Table tests of the training register's rules (`training`).

use super::*;

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

fn course(on: &str, hours: f64, topic: Topic) -> Completed {
    Completed {
        course: "Course".into(),
        topics: vec![topic],
        hours,
        completed_on: day(on),
    }
}

#[test]
fn the_basic_course_on_both_sides_of_nine_months() {
    use Standing::*;
    let placed = day("2026-01-15");
    let basic = |on: &str| course(on, 40.0, Topic::SroBasic);
    let r = Refresher::default();
    let cases: Vec<(&str, Vec<Completed>, &str, Standing)> = vec![
        (
            "nothing, on the deadline",
            vec![],
            "2026-10-15",
            BasicDue {
                by: day("2026-10-15"),
                hours: 0.0,
            },
        ),
        (
            "nothing, the day after",
            vec![],
            "2026-10-16",
            BasicOverdue {
                since: day("2026-10-15"),
                hours: 0.0,
            },
        ),
        (
            "done on the deadline",
            vec![basic("2026-10-15")],
            "2026-10-16",
            Compliant {
                basic_done_on: day("2026-10-15"),
                late: false,
            },
        ),
        (
            "done the day after",
            vec![basic("2026-10-16")],
            "2026-10-16",
            Compliant {
                basic_done_on: day("2026-10-16"),
                late: true,
            },
        ),
        (
            "39.5 hours of it",
            vec![
                course("2026-03-01", 24.0, Topic::SroBasic),
                course("2026-04-01", 15.5, Topic::SroBasic),
            ],
            "2026-10-16",
            BasicOverdue {
                since: day("2026-10-15"),
                hours: 39.5,
            },
        ),
        (
            "40 hours in two parts",
            vec![
                course("2026-03-01", 24.0, Topic::SroBasic),
                course("2026-04-01", 16.0, Topic::SroBasic),
            ],
            "2026-10-16",
            Compliant {
                basic_done_on: day("2026-04-01"),
                late: false,
            },
        ),
        (
            "other topics do not count",
            vec![course("2026-03-01", 40.0, Topic::DeEscalation)],
            "2026-10-16",
            BasicOverdue {
                since: day("2026-10-15"),
                hours: 0.0,
            },
        ),
        (
            "a year on, no refresher",
            vec![basic("2026-03-01")],
            "2027-03-02",
            RefresherOverdue {
                since: day("2027-03-01"),
                hours: 0.0,
            },
        ),
        (
            "a year on, the last day of the cycle",
            vec![basic("2026-03-01")],
            "2027-03-01",
            Compliant {
                basic_done_on: day("2026-03-01"),
                late: false,
            },
        ),
        (
            "four parts adding to exactly 40 hours",
            vec![
                course("2026-02-01", 19.2, Topic::SroBasic),
                course("2026-03-01", 7.1, Topic::SroBasic),
                course("2026-04-01", 7.4, Topic::SroBasic),
                course("2026-05-01", 6.3, Topic::SroBasic),
            ],
            "2026-10-16",
            Compliant {
                basic_done_on: day("2026-05-01"),
                late: false,
            },
        ),
        (
            "a missed cycle made up in the next",
            vec![basic("2026-03-01"), course("2027-06-01", 8.0, Topic::Ferpa)],
            "2028-03-02",
            Compliant {
                basic_done_on: day("2026-03-01"),
                late: false,
            },
        ),
        (
            "a year on, refreshed",
            vec![
                basic("2026-03-01"),
                course("2026-11-01", 8.0, Topic::TraumaInformed),
            ],
            "2027-03-02",
            Compliant {
                basic_done_on: day("2026-03-01"),
                late: false,
            },
        ),
    ];
    for (what, done, today, want) in cases {
        assert_eq!(standing(placed, &done, r, day(today)), want, "{what}");
    }
}

#[test]
fn who_reads_and_records_an_officer_s_training() {
    use crate::vocabulary::Role;
    let p = Policy::federal_default();
    let (agency, other) = (Some(Uuid::from_u128(1)), Some(Uuid::from_u128(2)));
    let officer = UserId::from_u128(10);
    let actor = |user: u128, role: Role, supervises: Vec<UserId>| Actor {
        user: UserId::from_u128(user),
        role,
        schools: vec![],
        supervises,
    };
    let own_sgt = actor(20, Role::Supervisor, vec![officer]);
    let cases = [
        (
            "the officer",
            actor(10, Role::Sro, vec![]),
            agency,
            (true, false),
        ),
        (
            "another officer",
            actor(11, Role::Sro, vec![]),
            agency,
            (false, false),
        ),
        ("their supervisor", own_sgt.clone(), agency, (true, true)),
        (
            "another supervisor",
            actor(21, Role::Supervisor, vec![]),
            agency,
            (false, false),
        ),
        (
            "command staff",
            actor(30, Role::Commander, vec![]),
            agency,
            (true, false),
        ),
        (
            "another agency's command",
            actor(31, Role::Commander, vec![]),
            other,
            (false, false),
        ),
        (
            "the agency's admin",
            actor(40, Role::Admin, vec![]),
            agency,
            (true, true),
        ),
        (
            "another agency's admin",
            actor(41, Role::Admin, vec![]),
            other,
            (false, false),
        ),
        (
            "a school leader",
            actor(50, Role::SchoolLeader, vec![]),
            agency,
            (false, false),
        ),
        (
            "command staff of no organisation",
            actor(32, Role::Commander, vec![]),
            None,
            (false, false),
        ),
        (
            "the deployment's admin",
            actor(42, Role::Admin, vec![]),
            None,
            (true, true),
        ),
    ];
    for (who, a, org, want) in cases {
        let got = (
            may(&p, &a, org, officer, agency, Action::ReadTraining),
            may(&p, &a, org, officer, agency, Action::RecordTraining),
        );
        assert_eq!(got, want, "{who}");
    }
}

#[test]
fn placement_is_the_first_assignment_to_schools() {
    let created = day("2025-08-01");
    let cases: [(&[(NaiveDate, bool)], &str); 4] = [
        (&[], "2025-08-01"),
        (&[(day("2025-09-01"), false)], "2025-08-01"),
        (
            &[(day("2026-01-05"), true), (day("2025-09-01"), true)],
            "2025-09-01",
        ),
        (
            &[(day("2025-08-20"), false), (day("2025-10-01"), true)],
            "2025-10-01",
        ),
    ];
    for (assignments, want) in cases {
        assert_eq!(
            placed_on(assignments, created),
            day(want),
            "{assignments:?}"
        );
    }
}

#[test]
fn a_record_s_problems() {
    let today = day("2026-12-07");
    let ok = course("2026-12-07", 8.0, Topic::Ferpa);
    let cases: Vec<(Completed, Option<&str>)> = vec![
        (ok.clone(), None),
        (
            Completed {
                course: " ".into(),
                ..ok.clone()
            },
            Some("course"),
        ),
        (
            Completed {
                course: "a\nb".into(),
                ..ok.clone()
            },
            Some("course"),
        ),
        (
            Completed {
                topics: vec![],
                ..ok.clone()
            },
            Some("topics"),
        ),
        (
            Completed {
                topics: vec![Topic::Ferpa, Topic::Ferpa],
                ..ok.clone()
            },
            Some("topics"),
        ),
        (
            Completed {
                hours: 0.0,
                ..ok.clone()
            },
            Some("hours"),
        ),
        (
            Completed {
                hours: f64::NAN,
                ..ok.clone()
            },
            Some("hours"),
        ),
        (
            Completed {
                hours: 401.0,
                ..ok.clone()
            },
            Some("hours"),
        ),
        (
            Completed {
                completed_on: day("2026-12-08"),
                ..ok.clone()
            },
            Some("completed_on"),
        ),
    ];
    for (c, want) in cases {
        assert_eq!(
            c.clone().checked(today).err().map(|p| p.field()),
            want,
            "{c:?}"
        );
    }
}
