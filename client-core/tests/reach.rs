//! Whose records an actor reaches, the stamp of that reach, and where a
//! pull resumes under it.

use client_core::access::{Actor, DocKind, Policy};
use client_core::reach::{PullFilter, Reach, pull_filter};
use client_core::sync::Cursor;
use client_core::vocabulary::Role;
use client_core::{SchoolId, UserId};

const SUPERVISOR: UserId = UserId::from_u128(0x5);
const A: UserId = UserId::from_u128(0xa);
const B: UserId = UserId::from_u128(0xb);

fn supervisor(of: &[UserId]) -> Actor {
    Actor {
        user: SUPERVISOR,
        role: Role::Supervisor,
        schools: vec![],
        supervises: of.to_vec(),
    }
}

#[test]
fn a_pull_resumes_after_its_cursor_only_under_the_reach_it_was_issued_under() {
    let (s, other) = (0x1234, 0x4321);
    let cases: &[(&str, Option<Cursor>, u32, Option<u64>)] = &[
        ("a fresh device", None, s, Some(0)),
        ("same reach", Cursor::at(5, s), s, Some(5)),
        ("reach changed", Cursor::at(5, s), other, Some(0)),
        ("a cursor from before stamps", Some(Cursor(7)), s, Some(0)),
        ("a push-only caller", Some(Cursor::END), s, None),
        (
            "the largest position",
            Cursor::at((1 << 40) - 1, s),
            s,
            Some((1 << 40) - 1),
        ),
    ];
    for (why, cursor, stamp, expected) in cases {
        assert_eq!(Cursor::resume(*cursor, *stamp), *expected, "{why}");
    }
    // The store reads a cursor as a signed number: it stays positive; and
    // a position a cursor cannot say is refused, not wrapped.
    assert!(Cursor::at((1 << 40) - 1, Cursor::STAMP_MASK).is_some_and(|c| c.0 <= i64::MAX as u64));
    assert_eq!(Cursor::at(1 << 40, s), None);
}

#[test]
fn the_stamp_follows_what_the_filter_lets_through_not_how_it_is_spelled() {
    let policy = Policy::federal_default();
    let ab = pull_filter(&policy, &supervisor(&[A, B])).stamp(2);
    let ba = pull_filter(&policy, &supervisor(&[B, A])).stamp(2);
    let a = pull_filter(&policy, &supervisor(&[A])).stamp(2);
    let none = pull_filter(&policy, &supervisor(&[])).stamp(2);
    assert_eq!(ab, ba, "the directory's order does not matter");
    assert_ne!(ab, a, "a new officer changes the supervisor's reach");
    assert_ne!(a, none);
    let officer_at = |school: u128| PullFilter {
        clauses: vec![(
            DocKind::Account,
            Reach::Schools(vec![SchoolId::from_u128(school)]),
        )],
    };
    assert_ne!(officer_at(1).stamp(2), officer_at(2).stamp(2));
    assert_ne!(
        officer_at(1).stamp(2),
        officer_at(1).stamp(3),
        "phones kept longer are owed older records"
    );
    for f in [ab, a, none, PullFilter::default().stamp(2)] {
        assert!(f != 0 && f <= Cursor::STAMP_MASK, "{f:#x}");
    }
    // A narrower policy for the same actor is another reach.
    let mut narrower = policy.clone();
    narrower
        .grants
        .retain(|g| !(g.role == Role::Supervisor && g.action.as_str() == "sync_read_review"));
    assert_ne!(pull_filter(&narrower, &supervisor(&[A])).stamp(2), a);
}
