//! A year's counts by every dimension at once: what one grouped scan of the
//! projection returns. Every pair's grids are its margins, so the store
//! scans once per source instead of once per pair and source (thirty scans
//! for a year's family before this).

use super::{Dimension, Grids, Measure, UNKNOWN};
use std::collections::HashMap;

const DIMS: usize = Dimension::ALL.len();

/// Counts of groups of student interactions, keyed by each dimension's
/// category (its position in `Dimension::categories`, `Dimension::ALL`
/// order).
#[derive(Clone, Debug, Default)]
pub struct Cube {
    groups: HashMap<[usize; DIMS], Vec<u64>>,
}

impl Cube {
    /// Adds one group: its value of each dimension in `Dimension::ALL`
    /// order (`None`, or a value no category has, counts as unknown) and its
    /// counts (interactions, then each outcome, `Measure::index` order).
    /// Groups with the same categories add up: two spellings of unknown
    /// (a missing value and the word) are one group.
    pub fn add(&mut self, values: [Option<&str>; DIMS], counts: &[u64]) {
        let mut key = [0; DIMS];
        for (k, (d, v)) in key.iter_mut().zip(Dimension::ALL.iter().zip(values)) {
            *k = position(*d, v.unwrap_or(UNKNOWN));
        }
        let e = self
            .groups
            .entry(key)
            .or_insert_with(|| vec![0; Measure::COUNT]);
        for (a, b) in e.iter_mut().zip(counts) {
            *a += b;
        }
    }

    /// Rows (`a`) by columns (`b`) of every measure.
    pub fn grids(&self, a: Dimension, b: Dimension) -> Grids {
        let (ia, ib) = (index(a), index(b));
        let mut g = vec![vec![vec![0; b.categories().len()]; a.categories().len()]; Measure::COUNT];
        for (key, counts) in &self.groups {
            for (m, n) in counts.iter().enumerate() {
                g[m][key[ia]][key[ib]] += n;
            }
        }
        g
    }
}

fn index(d: Dimension) -> usize {
    Dimension::ALL.iter().position(|x| *x == d).unwrap_or(0)
}

/// A value's category; one no category has is unknown (every dimension has
/// an unknown category but offense, whose last category is unknown too).
fn position(d: Dimension, v: &str) -> usize {
    let cats = d.categories();
    cats.iter()
        .position(|c| *c == v)
        .or_else(|| cats.iter().position(|c| *c == UNKNOWN))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pair_is_a_margin_of_the_cube() {
        let mut cube = Cube::default();
        let d = Dimension::ALL;
        // race, sex, age, disability, EL, offense: two groups that differ
        // only in age add up by race x sex; a missing sex and the word
        // "unknown" are one category; a value no category has is unknown.
        let base = |age: &'static str, sex: Option<&'static str>| {
            [
                Some("white"),
                sex,
                Some(age),
                Some("none"),
                Some("no"),
                Some("code_of_conduct"),
            ]
        };
        let mut counts = vec![0; Measure::COUNT];
        counts[0] = 3;
        counts[1] = 1;
        cube.add(base("11_13", Some("female")), &counts);
        cube.add(base("14_15", Some("female")), &counts);
        cube.add(base("14_15", None), &counts);
        cube.add(base("14_15", Some("unknown")), &counts);
        cube.add(base("14_15", Some("a value nobody defined")), &counts);
        let g = cube.grids(d[0], d[1]);
        let white = position(d[0], "white");
        let (female, unknown) = (position(d[1], "female"), position(d[1], UNKNOWN));
        assert_eq!(g[0][white][female], 6);
        assert_eq!(g[1][white][female], 2);
        assert_eq!(g[0][white][unknown], 9);
        let total: u64 = g[0].iter().flatten().sum();
        assert_eq!(total, 15);
        // Another pair, the same total.
        let g = cube.grids(d[2], d[5]);
        assert_eq!(g[0].iter().flatten().sum::<u64>(), 15);
    }
}
