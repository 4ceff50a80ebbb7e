//! The officer-outlier rule (DOMAIN.md section 4; 003 p6): an officer whose
//! arrests, citations, searches and seizures per 100 interactions in a
//! review period exceed twice the comparison group's median is flagged on
//! their line of the review queue, not on each of their records.
//!
//! Only with at least [`MIN_ACTIONS`] such actions and [`MIN_INTERACTIONS`]
//! interactions: with fewer, one or two arrests in a quiet half-year would
//! flag an officer on noise alone. Officers under the interaction minimum do
//! not count toward the median either.

use crate::flag::{Flag, FlagCode};

pub const MIN_ACTIONS: u64 = 5;
pub const MIN_INTERACTIONS: u64 = 20;

/// One officer's counts in a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub interactions: u64,
    /// Actions the rule counts (`ActionTaken::counts_toward_outlier`).
    pub enforcement: u64,
}

impl Counts {
    pub fn per_100(self) -> f64 {
        if self.interactions == 0 {
            0.0
        } else {
            self.enforcement as f64 * 100.0 / self.interactions as f64
        }
    }
}

/// The median, 0 for none.
pub fn median(mut xs: Vec<f64>) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// The comparison group's median rate per 100 interactions.
pub fn group_median(group: &[Counts]) -> f64 {
    median(
        group
            .iter()
            .filter(|c| c.interactions >= MIN_INTERACTIONS)
            .map(|c| c.per_100())
            .collect(),
    )
}

/// The outlier flag for one officer against the group's median, if any.
pub fn judge(c: Counts, median_per_100: f64) -> Option<Flag> {
    let rate = c.per_100();
    let outlier = c.interactions >= MIN_INTERACTIONS
        && c.enforcement >= MIN_ACTIONS
        && median_per_100 > 0.0
        && rate > 2.0 * median_per_100;
    outlier.then(|| Flag {
        code: FlagCode::OfficerOutlier,
        reason: format!(
            "{rate:.1} arrests, citations, searches and seizures per 100 interactions, more than twice the median of {median_per_100:.1}"
        ),
        sources: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(interactions: u64, enforcement: u64) -> Counts {
        Counts {
            interactions,
            enforcement,
        }
    }

    #[test]
    fn the_rule_at_its_thresholds() {
        let cases = [
            // (counts, median, flagged)
            (c(100, 21), 10.0, true),  // 21 > 2 x 10
            (c(100, 20), 10.0, false), // exactly twice: not more than twice
            (c(20, 5), 10.0, true),    // both minimums met: 25 > 20
            (c(19, 5), 10.0, false),   // one interaction short
            (c(100, 4), 1.0, false),   // one action short, whatever the rate
            (c(100, 50), 0.0, false),  // a group with no enforcement: no median to exceed
            (c(0, 0), 10.0, false),
        ];
        for (i, (counts, med, flagged)) in cases.into_iter().enumerate() {
            assert_eq!(
                judge(counts, med).is_some(),
                flagged,
                "case {i}: {counts:?} vs {med}"
            );
        }
    }

    #[test]
    fn the_median_counts_only_officers_with_enough_interactions() {
        let cases: [(&[Counts], f64); 5] = [
            (&[], 0.0),
            (&[c(100, 10)], 10.0),
            (&[c(100, 10), c(100, 30)], 20.0),
            (&[c(100, 10), c(100, 30), c(100, 20)], 20.0),
            // 19 interactions: not in the group.
            (&[c(100, 10), c(19, 19)], 10.0),
        ];
        for (group, want) in cases {
            assert_eq!(group_median(group), want, "{group:?}");
        }
    }
}
