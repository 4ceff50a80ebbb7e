use super::*;
use chrono::NaiveDate;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default()
}

fn many<T: Clone>(n: usize, x: T) -> Vec<T> {
    vec![x; n]
}

fn compliant() -> Standing {
    Standing::Compliant {
        basic_done_on: day(),
        late: false,
    }
}

fn overdue() -> Standing {
    Standing::BasicOverdue {
        since: day(),
        hours: 12.0,
    }
}

fn published(t: &Table) -> Vec<(&str, Option<u64>)> {
    t.rows.iter().map(|(n, c)| (n.as_str(), c.count)).collect()
}

#[test]
fn every_table_is_suppressed_as_reports_are() {
    use Finding::*;
    // (why, reviews, complaints, training, reviews published, reviewed %, training published)
    let clean = Tallies {
        reviews: [
            many(20, Some(Appropriate)),
            many(10, Some(TrainingNeed)),
            many(10, None),
        ]
        .concat(),
        meetings: vec![(SchoolId::from_u128(1), "Lincoln".into(), 2)],
        complaints: [
            many(
                6,
                (
                    ComplaintKind::Complaint,
                    ComplaintStatus::Closed,
                    Some(Disposition::Unfounded),
                ),
            ),
            many(
                5,
                (ComplaintKind::Complaint, ComplaintStatus::Assigned, None),
            ),
            many(
                7,
                (ComplaintKind::Compliment, ComplaintStatus::Received, None),
            ),
        ]
        .concat(),
        training: [
            many(9, (day() - chrono::Days::new(300), compliant())),
            many(1, (day(), overdue())),
            // Placed after the year: not counted.
            many(3, (day() + chrono::Days::new(1), compliant())),
        ]
        .concat(),
        last_day: day(),
    };
    let a = assess(&clean, 5);
    assert_eq!(
        published(&a.reviews),
        vec![
            ("appropriate", Some(20)),
            ("training_need", Some(10)),
            ("policy_concern", Some(0)),
            ("referred_for_investigation", Some(0)),
            ("not_reviewed", Some(10)),
        ]
    );
    assert_eq!(
        (a.reviews.total.count, a.reviewed_percent),
        (Some(40), Some(75))
    );
    assert_eq!(a.meetings[0].held, 2, "meetings are shown whole");
    let complaints = published(&a.complaints);
    assert_eq!(
        complaints.iter().find(|(n, _)| *n == "unfounded"),
        Some(&("unfounded", Some(6)))
    );
    assert_eq!(complaints.last(), Some(&("open", Some(5))));
    assert_eq!(
        published(&a.other_filings),
        vec![("compliment", Some(7)), ("feedback", Some(0))]
    );
    // Four officers, all overdue: no zero beside them says so.
    let few = Tallies {
        training: many(4, (day(), overdue())),
        last_day: day(),
        ..Tallies::default()
    };
    let t = assess(&few, 5).training;
    assert!(
        t.rows.iter().all(|(_, c)| c.count.is_none()) && t.total.count.is_none(),
        "{t:?}"
    );
    // One officer overdue: withheld, and so is a complementary row, since
    // the total would give it away.
    let training = published(&a.training);
    assert_eq!(
        training.iter().filter(|(_, c)| c.is_none()).count(),
        2,
        "{training:?}"
    );
    assert_eq!(a.training.total.count, Some(10));

    // Three policy concerns: withheld, with a complement, and the share
    // reviewed goes with the unreviewed count if that is the complement.
    let small = Tallies {
        reviews: [
            many(12, Some(Appropriate)),
            many(3, Some(PolicyConcern)),
            many(6, None),
        ]
        .concat(),
        ..Tallies::default()
    };
    let a = assess(&small, 5);
    let rows = published(&a.reviews);
    assert_eq!(rows[2], ("policy_concern", None));
    assert!(
        rows.iter().filter(|(_, c)| c.is_none()).count() >= 2,
        "{rows:?}"
    );
    for (name, c) in &rows {
        assert!(c.is_none_or(|n| n == 0 || n >= 5), "{name}: {c:?}");
    }
    let not_reviewed = rows.last().and_then(|(_, c)| *c);
    assert_eq!(a.reviewed_percent.is_some(), not_reviewed.is_some());
    // The threshold is never below the reports' floor.
    assert_eq!(assess(&small, 1).threshold, crate::report::MIN_THRESHOLD);
}
