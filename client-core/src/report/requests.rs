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
//! family's equations, the margins that add up to it).
//!
//! One more thing ties the chain to the tables: every code-of-conduct
//! matter is not a safety matter, so the requests that were safety matters
//! are all outside code of conduct, and code of conduct is at most the
//! interactions nobody asked for plus the non-safety requests. That cap
//! would bound a withheld code-of-conduct margin of the offense tables, so
//! the non-safety requests are published only beside a published one.

use super::rates::percent;
use super::{Cell, Dimension, MIN_THRESHOLD, Measure, Year};
use crate::vocabulary::{Category, Source};

const HIDDEN: Cell = Cell {
    count: None,
    suppressed: true,
};

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
    /// Publishes `requested` and `not_safety` beside `year`'s tables as
    /// its family published them: under its grand total, and beside its
    /// code-of-conduct interactions margin (the offense margins are every
    /// source's, so the school records' are the ones).
    pub fn beside(year: &Year, requested: u64, not_safety: u64, threshold: u64) -> Self {
        let offense = year.table(
            Source::SchoolRecord,
            Dimension::Offense,
            None,
            Measure::Interactions,
        );
        let (total, code_of_conduct) = offense.map_or((HIDDEN, HIDDEN), |t| {
            let at = Dimension::Offense
                .categories()
                .iter()
                .position(|c| *c == Category::CodeOfConduct.as_str());
            let coc = at.and_then(|i| t.cells.get(i)).map_or(HIDDEN, |row| row[0]);
            (t.total, coc)
        });
        Self::suppress(total, code_of_conduct, requested, not_safety, threshold)
    }

    /// Publishes `requested` and `not_safety` under `interactions` (already
    /// suppressed by the family) at `threshold`, beside the family's
    /// code-of-conduct interactions margin as published.
    pub fn suppress(
        interactions: Cell,
        code_of_conduct: Cell,
        requested: u64,
        not_safety: u64,
        threshold: u64,
    ) -> Self {
        let threshold = threshold.max(MIN_THRESHOLD);
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
        let not_safety = match code_of_conduct.count {
            Some(_) => under(requested_cell, not_safety),
            None => under(HIDDEN, not_safety),
        };
        Self {
            interactions,
            requested: requested_cell,
            not_safety,
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

    #[test]
    fn each_count_and_each_difference_is_zero_or_at_least_the_threshold() {
        // interactions and code of conduct as published, requested, not
        // safety; what is published of requested and not safety.
        let c = shown(30);
        let cases = [
            (shown(100), c, 40, 20, Some(40), Some(20)),
            (shown(100), c, 0, 0, Some(0), Some(0)),
            (shown(100), c, 100, 100, Some(100), Some(100)),
            // A small count.
            (shown(100), c, 7, 0, None, None),
            (shown(100), c, 40, 3, Some(40), None),
            // A small difference: the self-initiated, or the requests
            // that were safety matters, would be 1 to 9.
            (shown(100), c, 95, 20, None, None),
            (shown(100), c, 40, 35, Some(40), None),
            // Under a withheld count nothing is published, not even a
            // zero or a count of at least the threshold: each would bound
            // the withheld one.
            (HIDDEN, c, 40, 20, None, None),
            (HIDDEN, c, 0, 0, None, None),
            (shown(100), c, 95, 0, None, None),
            // Beside a withheld code-of-conduct margin the non-safety
            // requests would cap it: withheld, even a zero.
            (shown(100), HIDDEN, 40, 20, Some(40), None),
            (shown(100), HIDDEN, 40, 0, Some(40), None),
            // An empty year publishes its zeros.
            (shown(0), shown(0), 0, 0, Some(0), Some(0)),
        ];
        for (total, coc, requested, not_safety, want_r, want_n) in cases {
            let p = StaffRequests::suppress(total, coc, requested, not_safety, 10);
            assert_eq!(
                (p.requested.count, p.not_safety.count),
                (want_r, want_n),
                "{total:?} {coc:?} {requested} {not_safety}"
            );
            assert_eq!(p.requested.suppressed, want_r.is_none());
            assert_eq!(p.not_safety.suppressed, want_n.is_none());
        }
    }

    #[test]
    fn a_threshold_below_the_floor_is_the_floor() {
        let p = StaffRequests::suppress(shown(100), shown(30), 4, 0, 2);
        assert_eq!(p.requested.count, None);
    }
}
