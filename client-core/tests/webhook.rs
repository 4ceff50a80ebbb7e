//! Which events a change makes (issue 21, webhooks): a table over a
//! record's status and amendments, and a review document's new reviews.

mod common;
use client_core::ReviewId;
use client_core::record::Amendment;
use client_core::review::{Review, Reviews};
use client_core::vocabulary::Finding;
use client_core::webhook::{EventType, new_reviews, record_events};
use client_core::{DocKind, Record, UserId};
use common::*;

/// `routine()` is submitted; its draft is the same record before that.
fn submitted() -> Record {
    routine()
}

fn draft() -> Record {
    let mut r = routine();
    r.status = client_core::vocabulary::Status::Draft;
    r.submitted_at = None;
    r
}

fn amended(mut r: Record) -> Record {
    r.amendments.push(Amendment {
        at: t0(),
        by: r.officer_id,
        reason: "Wrong room".into(),
    });
    r
}

#[test]
fn a_record_s_change_makes_its_events() {
    use EventType::*;
    let cases: Vec<(&str, Option<Record>, Record, Vec<EventType>)> = vec![
        ("a new draft", None, draft(), vec![]),
        ("a draft edited", Some(draft()), draft(), vec![]),
        (
            "a new record sent as submitted",
            None,
            submitted(),
            vec![RecordSubmitted],
        ),
        (
            "a draft submitted",
            Some(draft()),
            submitted(),
            vec![RecordSubmitted],
        ),
        (
            "a submitted record amended",
            Some(submitted()),
            amended(submitted()),
            vec![RecordAmended],
        ),
        (
            "a submitted record unchanged",
            Some(submitted()),
            submitted(),
            vec![],
        ),
        (
            "an amended record amended again",
            Some(amended(submitted())),
            amended(amended(submitted())),
            vec![RecordAmended],
        ),
    ];
    for (what, before, after, want) in cases {
        assert_eq!(
            record_events(DocKind::Account, before.as_ref(), &after),
            want,
            "{what}"
        );
        assert_eq!(
            record_events(DocKind::Restricted, before.as_ref(), &after),
            vec![],
            "{what}, by its restricted document"
        );
    }
}

#[test]
fn only_new_reviews_are_events() {
    let review = |n: u128| Review {
        id: ReviewId::from_u128(n),
        finding: Finding::Appropriate,
        notes: None,
        follow_up: None,
        by: UserId::from_u128(7),
        at: t0(),
    };
    let before = Reviews {
        reviews: vec![review(1)],
    };
    let after = Reviews {
        reviews: vec![review(1), review(2)],
    };
    assert_eq!(new_reviews(&before, &after), vec![ReviewId::from_u128(2)]);
    assert_eq!(new_reviews(&after, &after), vec![]);
}
