//! The public page's staff requests (issue 20; 003 p7, DOMAIN.md section 5):
//! of a school year's student interactions, how many school staff asked the
//! SRO for, and of those how many were not safety matters
//! (`record::not_a_safety_matter`).
//!
//! Three nested counts, each published beside the others: the
//! interactions (the year family's grand total), the requests within them
//! and the non-safety requests within those. A reader subtracts, so each
//! count and each difference with the count above it must be 0 or at least
//! the threshold; a count is also withheld when the count above it is,
//! since a published part would bound the withheld whole (and, through the
//! family's equations, the margins that add up to it). Nothing else the
//! year publishes counts requests, so the chain is all there is to check.

use super::Cell;
use super::rates::percent;

/// The chain as published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StaffRequests {
    /// Every student interaction of the year, as the year's family
    /// published its grand total.
    pub interactions: Cell,
    /// Interactions school staff asked the SRO for.
    pub requested: Cell,
    /// Of those, the ones that were not safety matters.
    pub not_safety: Cell,
}

impl StaffRequests {
    /// Publishes `requested` and `not_safety` under `interactions` (already
    /// suppressed by the family) at `threshold`.
    pub fn suppress(interactions: Cell, requested: u64, not_safety: u64, threshold: u64) -> Self {
        let small = |n: u64| (1..threshold).contains(&n);
        let under = |whole: Cell, part: u64| match whole.count {
            Some(w) if !small(part) && !small(w.saturating_sub(part)) => Cell {
                count: Some(part),
                suppressed: false,
            },
            _ => Cell {
                count: None,
                suppressed: true,
            },
        };
        let requested_cell = under(interactions, requested);
        Self {
            interactions,
            requested: requested_cell,
            not_safety: under(requested_cell, not_safety),
        }
    }

    /// The share of interactions staff asked for, in whole percent.
    pub fn requested_percent(&self) -> Option<u64> {
        percent(self.requested, self.interactions)
    }

    /// The share of staff requests that were not safety matters.
    pub fn not_safety_percent(&self) -> Option<u64> {
        percent(self.not_safety, self.requested)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(n: u64) -> Cell {
        Cell {
            count: Some(n),
            suppressed: false,
        }
    }
    const HIDDEN: Cell = Cell {
        count: None,
        suppressed: true,
    };

    #[test]
    fn each_count_and_each_difference_is_zero_or_at_least_the_threshold() {
        // interactions as published, requested, not safety; what is
        // published of requested and not safety.
        let cases = [
            (shown(100), 40, 20, Some(40), Some(20)),
            (shown(100), 0, 0, Some(0), Some(0)),
            (shown(100), 100, 100, Some(100), Some(100)),
            // A small count.
            (shown(100), 7, 0, None, None),
            (shown(100), 40, 3, Some(40), None),
            // A small difference: the self-initiated, or the requests
            // that were safety matters, would be 1 to 9.
            (shown(100), 95, 20, None, None),
            (shown(100), 40, 35, Some(40), None),
            // Under a withheld count nothing is published, not even a
            // zero or a count of at least the threshold: each would bound
            // the withheld one.
            (HIDDEN, 40, 20, None, None),
            (HIDDEN, 0, 0, None, None),
            (shown(100), 95, 0, None, None),
            // An empty year publishes its zeros.
            (shown(0), 0, 0, Some(0), Some(0)),
        ];
        for (total, requested, not_safety, want_r, want_n) in cases {
            let p = StaffRequests::suppress(total, requested, not_safety, 10);
            assert_eq!(
                (p.requested.count, p.not_safety.count),
                (want_r, want_n),
                "{total:?} {requested} {not_safety}"
            );
            assert_eq!(p.requested.suppressed, want_r.is_none());
            assert_eq!(p.not_safety.suppressed, want_n.is_none());
        }
    }
}
