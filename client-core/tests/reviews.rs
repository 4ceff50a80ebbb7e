//! Reviews are appended, never rewritten, and dated by the server's clock.

mod common;
use client_core::review::{REVIEW_CLOCK_SKEW_MINUTES, Review, ReviewError, Reviews};
use client_core::vocabulary::{Finding, Status};
use client_core::{ReviewId, Timestamp};
use common::*;

fn review(id: u128, at: Timestamp) -> Review {
    Review {
        id: ReviewId::from_u128(id),
        finding: Finding::Appropriate,
        notes: None,
        follow_up: None,
        by: OFFICER,
        at,
    }
}

#[test]
fn a_new_review_is_dated_when_it_reaches_the_server() {
    let now = t0().plus_hours(24 * 30);
    let skew = REVIEW_CLOCK_SKEW_MINUTES;
    // An earlier review keeps its own time; only added reviews are checked.
    let before = Reviews {
        reviews: vec![review(1, t0())],
    };
    let cases = [
        ("at the server's time", now, true),
        ("a clock a little behind", now.plus_minutes(1 - skew), true),
        ("a clock a little ahead", now.plus_minutes(skew - 1), true),
        ("backdated ten days", now.plus_hours(-240), false),
        (
            "just beyond the allowance",
            now.plus_minutes(-skew - 1),
            false,
        ),
        ("postdated an hour", now.plus_hours(1), false),
    ];
    for (name, at, ok) in cases {
        let mut after = before.clone();
        after.reviews.push(review(2, at));
        let got = before.check_append(&after, OFFICER, now, Status::Submitted);
        if ok {
            assert_eq!(got, Ok(()), "{name}");
        } else {
            assert_eq!(
                got,
                Err(ReviewError::NotNow(ReviewId::from_u128(2), at)),
                "{name}"
            );
        }
    }
}

#[test]
fn a_review_is_kept_and_attributed() {
    let now = t0();
    let before = Reviews {
        reviews: vec![review(1, now)],
    };
    let mut rewritten = before.clone();
    rewritten.reviews[0].finding = Finding::PolicyConcern;
    assert_eq!(
        before.check_append(&rewritten, OFFICER, now, Status::Submitted),
        Err(ReviewError::Rewritten(ReviewId::from_u128(1)))
    );
    let mut other = before.clone();
    other.reviews.push(Review {
        by: OTHER_OFFICER,
        ..review(2, now)
    });
    assert_eq!(
        before.check_append(&other, OFFICER, now, Status::Submitted),
        Err(ReviewError::WrongAuthor(ReviewId::from_u128(2)))
    );
}

#[test]
fn one_note_limit_wherever_a_review_is_written() {
    use client_core::review::NOTE_MAX_CHARS;
    let now = t0();
    let before = Reviews::default();
    let cases = [
        (
            "notes at the limit",
            Some("é".repeat(NOTE_MAX_CHARS)),
            None,
            true,
        ),
        (
            "notes one over",
            Some("é".repeat(NOTE_MAX_CHARS + 1)),
            None,
            false,
        ),
        (
            "follow-up one over",
            None,
            Some("x".repeat(NOTE_MAX_CHARS + 1)),
            false,
        ),
        ("none", None, None, true),
    ];
    for (name, notes, follow_up, ok) in cases {
        let mut after = before.clone();
        after.reviews.push(Review {
            notes,
            follow_up,
            ..review(1, now)
        });
        let got = before.check_append(&after, OFFICER, now, Status::Submitted);
        assert_eq!(got.is_ok(), ok, "{name}: {got:?}");
        if !ok {
            assert_eq!(got, Err(ReviewError::TooLong(NOTE_MAX_CHARS)), "{name}");
        }
    }
}

#[test]
fn only_a_submitted_record_is_reviewed() {
    let now = t0();
    let before = Reviews::default();
    let mut after = before.clone();
    after.reviews.push(review(1, now));
    for (status, want) in [
        (Status::Submitted, Ok(())),
        (
            Status::Draft,
            Err(ReviewError::Draft(ReviewId::from_u128(1))),
        ),
    ] {
        assert_eq!(
            before.check_append(&after, OFFICER, now, status),
            want,
            "{status:?}"
        );
    }
    // Reviews already kept stay valid whatever the status says now: the
    // rule is about adding one.
    let kept = after.clone();
    assert_eq!(
        kept.check_append(&after, OFFICER, now, Status::Draft),
        Ok(())
    );
}
