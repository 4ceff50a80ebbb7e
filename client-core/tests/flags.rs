//! Every flag of DOMAIN.md section 4 that one record can raise, with a record
//! that raises it and one that does not; and review periods.

mod common;
use client_core::flag::{FlagCode, flags, needs_review};
use client_core::period::{CalendarError, PeriodCalendar, PeriodStart};
use client_core::record::*;
use client_core::vocabulary::*;
use client_core::{Record, Timestamp};
use common::*;

fn codes(r: &Record) -> Vec<FlagCode> {
    flags(r, now(), None).into_iter().map(|f| f.code).collect()
}

fn with(mut r: Record, f: impl FnOnce(&mut Record)) -> Record {
    f(&mut r);
    r
}

#[test]
fn complete_fixtures_raise_no_flags() {
    assert_eq!(codes(&routine()), vec![]);
    assert_eq!(codes(&custody()), vec![]);
}

#[test]
fn custody_without_de_escalation_is_flagged_even_with_a_stated_risk() {
    let r = with(custody(), |r| {
        r.deescalation.clear();
        r.custody.as_mut().unwrap().immediate_risk = Some("knife".into());
    });
    let f = flags(&r, now(), None);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].code, FlagCode::CustodyWithoutDeescalation);
    assert!(f[0].reason.contains("immediate risk"), "{}", f[0].reason);
    assert!(f[0].sources.is_empty());
}

#[test]
fn administrator_directed_custody_is_complete_but_flagged() {
    let r = with(custody(), |r| {
        r.custody.as_mut().unwrap().directed_by_administrator = Some(true)
    });
    assert!(client_core::rules::validate(&r, now()).is_empty());
    assert_eq!(codes(&r), vec![FlagCode::AdministratorDirectedCustody]);
    // Directed, but no custody action: nothing to flag.
    let r = with(r, |r| r.actions = vec![ActionTaken::Warning]);
    assert_eq!(codes(&r), vec![]);
}

#[test]
fn disability_without_modifications_carries_its_source() {
    let disabled = |src: Source| {
        with(custody(), move |r| {
            let d = Some(Demographics {
                disability: Some(Disability::Idea),
                ..Default::default()
            });
            if src == Source::Perceived {
                r.students[0].perceived = d
            } else {
                r.students[0].school_record = d
            }
        })
    };
    for src in [Source::Perceived, Source::SchoolRecord] {
        let f = flags(&disabled(src), now(), None);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, FlagCode::DisabilityWithoutModifications);
        assert_eq!(f[0].sources, vec![src]);
    }
    let fixed = with(disabled(Source::SchoolRecord), |r| {
        r.custody.as_mut().unwrap().disability_modifications = Some("quiet room".into())
    });
    assert_eq!(codes(&fixed), vec![]);
}

/// DOMAIN.md section 2 rule 4 (revised December 2026): enforcement in a
/// code-of-conduct matter is SRO involvement in school discipline "either on
/// their own initiative or at the request of school officials" (003 p10).
/// The first version flagged school-requested matters only.
#[test]
fn enforcement_in_a_discipline_matter_is_flagged_whoever_started_it() {
    use ActionTaken as A;
    use InitiatedBy as I;
    // who started it, category, would it have warranted 911, action, flagged.
    let cases = [
        (
            I::SchoolStaff,
            Category::CodeOfConduct,
            false,
            A::SearchProperty,
            true,
        ),
        (
            I::OfficerSelf,
            Category::CodeOfConduct,
            false,
            A::SearchProperty,
            true,
        ),
        (
            I::OfficerSelf,
            Category::CodeOfConduct,
            false,
            A::Citation,
            true,
        ),
        (I::Student, Category::CodeOfConduct, false, A::Seizure, true),
        // The officer's 911 answer does not make discipline police work.
        (
            I::SchoolStaff,
            Category::CodeOfConduct,
            true,
            A::SearchProperty,
            true,
        ),
        // Declining the discipline matter is what the seeds ask for.
        (
            I::SchoolStaff,
            Category::CodeOfConduct,
            false,
            A::DeclinedDisciplineMatter,
            false,
        ),
        (
            I::OfficerSelf,
            Category::CodeOfConduct,
            false,
            A::Warning,
            false,
        ),
        // Enforcement in a matter that is not discipline is not flagged.
        (
            I::OfficerSelf,
            Category::CriminalOffense,
            true,
            A::Citation,
            false,
        ),
        (
            I::SchoolStaff,
            Category::SafetyThreat,
            false,
            A::SearchPerson,
            false,
        ),
    ];
    for (by, category, w911, action, flagged) in cases {
        let r = with(routine(), |r| {
            r.initiated_by = Some(by);
            r.category = Some(category);
            r.would_warrant_911 = Some(w911);
            r.actions = vec![action];
        });
        assert_eq!(
            codes(&r).contains(&FlagCode::DisciplineInvolvement),
            flagged,
            "{by} {category} 911={w911} {action}: {:?}",
            codes(&r)
        );
    }
}

#[test]
fn documentation_after_72_hours_is_late() {
    let late = with(routine(), |r| r.submitted_at = Some(t0().plus_hours(73)));
    let f = flags(&late, now(), None);
    assert_eq!(f[0].code, FlagCode::LateDocumentation);
    assert!(f[0].reason.contains("73 hours"), "{}", f[0].reason);
    let on_time = with(routine(), |r| r.submitted_at = Some(t0().plus_hours(72)));
    assert_eq!(codes(&on_time), vec![]);
    // A draft still open after 72 hours is already late.
    let open = with(routine(), |r| {
        r.status = Status::Draft;
        r.submitted_at = None;
    });
    assert_eq!(
        flags(&open, t0().plus_hours(80), None)[0].code,
        FlagCode::LateDocumentation
    );
    assert_eq!(codes(&open), vec![]);
}

/// On the server, lateness rests on when the server first received the
/// record; the device's `submitted_at` is shown beside it and cannot clear it.
#[test]
fn lateness_rests_on_the_servers_receipt_not_the_devices_claim() {
    let claims = |h: i64| with(routine(), |r| r.submitted_at = Some(t0().plus_hours(h)));
    let cases = [
        // (device's claim, server's first receipt, late?)
        (
            "created 10 days late, claimed an hour after",
            claims(1),
            Some(240),
            true,
        ),
        ("claimed and received on time", claims(1), Some(2), false),
        ("received just in time", claims(1), Some(72), false),
        ("received just too late", claims(1), Some(73), true),
        ("the device itself says late", claims(100), Some(2), true),
        ("on a device, its own claim", claims(1), None, false),
        ("on a device, its own late claim", claims(100), None, true),
    ];
    for (name, r, received, late) in cases {
        let f = flags(
            &r,
            t0().plus_hours(300),
            received.map(|h| t0().plus_hours(h)),
        );
        let flag = f.iter().find(|f| f.code == FlagCode::LateDocumentation);
        assert_eq!(flag.is_some(), late, "{name}: {f:?}");
        if let (Some(flag), Some(h)) = (flag, received) {
            // Both times are shown: the server's and the device's claim.
            let claim = (r.submitted_at.unwrap().millis() - t0().millis()) / 3_600_000;
            assert!(
                flag.reason.contains(&format!("by the server {h} hours"))
                    && flag.reason.contains(&format!("submitted {claim} hours")),
                "{name}: {}",
                flag.reason
            );
        }
    }
}

#[test]
fn the_review_queue_takes_enforcement_discipline_and_flagged_records() {
    let in_queue = |r: &Record| needs_review(r, &flags(r, now(), None));
    assert!(!in_queue(&routine()));
    assert!(in_queue(&custody()));
    for a in [
        ActionTaken::SearchPerson,
        ActionTaken::SearchProperty,
        ActionTaken::Seizure,
        ActionTaken::Citation,
        ActionTaken::CourtReferral,
        ActionTaken::UseOfForce,
    ] {
        assert!(in_queue(&with(routine(), |r| r.actions = vec![a])), "{a}");
    }
    let overcall = with(routine(), |r| {
        r.initiated_by = Some(InitiatedBy::SchoolStaff);
        r.category = Some(Category::CodeOfConduct);
        r.would_warrant_911 = Some(false);
        r.actions = vec![ActionTaken::ReferredToAdministrator];
    });
    assert!(in_queue(&overcall));
    let late = with(routine(), |r| r.submitted_at = Some(t0().plus_hours(100)));
    assert!(in_queue(&late));
    // A draft waits for its officer, whatever it holds.
    for r in [custody(), overcall, late] {
        let draft = with(r, |r| r.status = Status::Draft);
        assert!(!in_queue(&draft), "{:?}", draft.actions);
    }
}

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

#[test]
fn default_calendar_has_two_periods_per_school_year() {
    let cal = PeriodCalendar::default();
    for (when, id, start, end) in [
        (
            "2026-09-14T10:05:00Z",
            "2026-fall",
            "2026-08-01T00:00:00Z",
            "2027-02-01T00:00:00Z",
        ),
        (
            "2027-01-31T23:59:59Z",
            "2026-fall",
            "2026-08-01T00:00:00Z",
            "2027-02-01T00:00:00Z",
        ),
        (
            "2027-02-01T00:00:00Z",
            "2027-spring",
            "2027-02-01T00:00:00Z",
            "2027-08-01T00:00:00Z",
        ),
        (
            "2027-07-31T12:00:00Z",
            "2027-spring",
            "2027-02-01T00:00:00Z",
            "2027-08-01T00:00:00Z",
        ),
        (
            "2027-08-01T00:00:00Z",
            "2027-fall",
            "2027-08-01T00:00:00Z",
            "2028-02-01T00:00:00Z",
        ),
    ] {
        let p = cal.period_of(at(when));
        assert_eq!(
            (p.id.as_str(), p.start, p.end),
            (id, at(start), at(end)),
            "{when}"
        );
        assert_eq!(cal.period_by_id(id), Some(p));
    }
    assert_eq!(cal.period_by_id("2026-winter"), None);
    assert_eq!(cal.period_by_id("fall"), None);
}

#[test]
fn an_agency_may_set_its_own_calendar() {
    let start = |month, day, name: &str| PeriodStart {
        month,
        day,
        name: name.into(),
    };
    let cal = PeriodCalendar::new(vec![
        start(1, 1, "winter"),
        start(5, 1, "summer"),
        start(9, 1, "autumn"),
    ])
    .unwrap();
    assert_eq!(cal.period_of(at("2026-12-31T00:00:00Z")).id, "2026-autumn");
    assert_eq!(cal.period_of(at("2026-06-01T00:00:00Z")).id, "2026-summer");
    assert_eq!(PeriodCalendar::new(vec![]), Err(CalendarError::Empty));
    assert_eq!(
        PeriodCalendar::new(vec![start(2, 30, "x")]),
        Err(CalendarError::BadDate { month: 2, day: 30 })
    );
    assert_eq!(
        PeriodCalendar::new(vec![start(9, 1, "b"), start(1, 1, "a")]),
        Err(CalendarError::Unordered)
    );
    assert!(matches!(
        PeriodCalendar::new(vec![start(9, 1, "Fall-1")]),
        Err(CalendarError::BadName(_))
    ));
}
