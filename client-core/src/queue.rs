//! Where a record stands in its period's review queue (DOMAIN.md section 4):
//! one answer for the queue's items, its progress line and the screen.

use crate::closed_set;
use crate::timestamp::Timestamp;

closed_set!(
    QueueState {
        InQueue = "in_queue", Reviewed = "reviewed", Overdue = "overdue",
    }
);

impl QueueState {
    /// Reviewed once it has any review; otherwise overdue from the end of
    /// its review period (exclusive), in the queue before.
    pub fn of(reviews: usize, period_end: Timestamp, now: Timestamp) -> Self {
        if reviews > 0 {
            Self::Reviewed
        } else if now >= period_end {
            Self::Overdue
        } else {
            Self::InQueue
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_items_state_by_its_reviews_and_the_periods_end() {
        let end = Timestamp::from_millis(1_000_000);
        let before = Timestamp::from_millis(999_999);
        let after = Timestamp::from_millis(1_000_001);
        // reviews, now, state.
        let cases = [
            (0, before, QueueState::InQueue),
            (0, end, QueueState::Overdue),
            (0, after, QueueState::Overdue),
            (1, before, QueueState::Reviewed),
            (2, after, QueueState::Reviewed),
        ];
        for (reviews, now, want) in cases {
            assert_eq!(QueueState::of(reviews, end, now), want, "{reviews} {now:?}");
        }
    }
}
