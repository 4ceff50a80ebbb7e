//! Every table of a year, one measure at a time, as one system (issue 16).
//!
//! Each two-way table's interior is first suppressed on its own with its
//! totals fixed (`interior`), but tables share their totals: a withheld
//! total that one table's published cells bound from below and another's
//! from above is narrower than either table alone lets it be, and cells of
//! both then pinned. And a published outcome is a floor for its group's
//! interactions (a group had at least as many interactions as arrests),
//! which pinned interactions margins; as does a published arrest for the
//! referrals (`Measure::within`), and published physical and mechanical
//! restraints cap the restraints (`Measure::made_of`). So the year's terms (its margins and
//! every two-way table's interior, both sources) are checked together, each
//! measure with the floors the measures within it give it, and further
//! numbers withheld until none is pinned: interior cells first; a margin
//! only when no cell frees it, and then the family (`margins`) takes it
//! and finds it partners.

use super::Published;
use super::margins::{Margins, Pairs, Terms, margin_values};
use super::rank::{Equation, signed};
use super::suppress::Layout;
use super::system::System;
use super::year::Measure;

/// The year's terms: the family's margins (`Terms`), then each source's
/// two-way tables' interior cells, row-major, in `Pairs` order.
pub(super) struct Joint<'a> {
    pairs: &'a Pairs,
    terms: &'a Terms,
    /// Per source, per pair: its interior's first term.
    start: Vec<Vec<usize>>,
    /// Per interior term (from `terms.len`): its row's and column's margin.
    sides: Vec<(usize, usize)>,
    eqs: Vec<Equation>,
}

/// The year's tables as `Joint::suppress` left them, and the margins it
/// withheld that the family had published (by measure).
pub(super) struct Checked {
    pub tables: Vec<Vec<Vec<Published>>>,
    pub wanted: Vec<(usize, usize)>,
}

impl<'a> Joint<'a> {
    /// `family`: the margins' own equations (`margins::equations`).
    pub fn new(pairs: &'a Pairs, terms: &'a Terms, family: Vec<Equation>) -> Self {
        let mut eqs = family;
        let mut start = Vec::new();
        let mut sides = Vec::new();
        for (s, pairs) in pairs.iter().enumerate() {
            let mut starts = Vec::new();
            for ((a, b), _) in pairs {
                let first = terms.len + sides.len();
                starts.push(first);
                let (rows, cols) = (a.categories().len(), b.categories().len());
                for r in 0..rows {
                    for c in 0..cols {
                        sides.push((terms.of(s, *a, r), terms.of(s, *b, c)));
                    }
                    let row: Vec<usize> = (0..cols).map(|c| first + r * cols + c).collect();
                    eqs.push(signed(&row, terms.of(s, *a, r)));
                }
                for c in 0..cols {
                    let col: Vec<usize> = (0..rows).map(|r| first + r * cols + c).collect();
                    eqs.push(signed(&col, terms.of(s, *b, c)));
                }
            }
            start.push(starts);
        }
        Self {
            pairs,
            terms,
            start,
            sides,
            eqs,
        }
    }

    fn len(&self) -> usize {
        self.terms.len + self.sides.len()
    }

    /// Every term's value for measure `m`.
    fn values(&self, m: usize) -> Vec<u64> {
        let mut v = margin_values(self.pairs, self.terms, m);
        for pairs in self.pairs {
            for (_, grids) in pairs {
                v.extend(grids[m].iter().flatten());
            }
        }
        v
    }

    /// Rechecks the year's tables (`tables[source][pair][measure]`, as the
    /// family and each interior left them) together.
    pub fn suppress(&self, margins: &[Margins], tables: &[Vec<Vec<Published>>]) -> Checked {
        let values: Vec<Vec<u64>> = (0..Measure::COUNT).map(|m| self.values(m)).collect();
        let mut hidden: Vec<Vec<bool>> = (0..Measure::COUNT)
            .map(|m| self.hidden(&margins[m].hidden, tables, m))
            .collect();
        let mut wanted = Vec::new();
        let mut floors = vec![vec![0u64; self.len()]; Measure::COUNT];
        // The most a measure made of others (`Measure::made_of`) can be:
        // what its parts together could be, as the last pass left them.
        let mut sums: Vec<Option<Vec<u64>>> = vec![None; Measure::COUNT];
        // Each measure after those that contain it (`Measure::within`):
        // its caps are what they let its groups be. Then again while a
        // measure raises a floor under those containing it, or its parts
        // lower its sum. Floors never exceed the true values and only rise;
        // sums never fall below them and only fall; so this ends.
        let order = Measure::containing_first();
        let mut known_zero = vec![Vec::new(); Measure::COUNT];
        loop {
            let mut most: Vec<Vec<u64>> = vec![Vec::new(); Measure::COUNT];
            let mut next = vec![vec![0u64; self.len()]; Measure::COUNT];
            for measure in &order {
                let m = measure.index();
                let caps = self.caps(*measure, &values[m], &most, sums[m].as_deref());
                let system = System {
                    eqs: &self.eqs,
                    values: &values[m],
                    caps: &caps,
                    floors: &floors[m],
                };
                self.protect(&system, &mut hidden[m], m, &mut wanted);
                known_zero[m] = caps.iter().map(|c| *c == Some(0)).collect();
                let ranges = system.ranges(&hidden[m]);
                most[m] = ranges
                    .iter()
                    .map(|r| u64::try_from(r.1).unwrap_or(u64::MAX))
                    .collect();
                for c in measure.containing() {
                    let c = c.index();
                    for ((n, r), &v) in next[c].iter_mut().zip(&ranges).zip(&values[c]) {
                        *n = (*n).max(u64::try_from(r.0).unwrap_or(0).min(v));
                    }
                }
            }
            let mut moved = false;
            for (f, n) in floors.iter_mut().flatten().zip(next.into_iter().flatten()) {
                moved |= n > *f;
                *f = (*f).max(n);
            }
            for measure in &order {
                let parts = measure.made_of();
                if parts.is_empty() {
                    continue;
                }
                let sum: Vec<u64> = (0..self.len())
                    .map(|t| {
                        parts
                            .iter()
                            .map(|p| most[p.index()][t])
                            .fold(0, u64::saturating_add)
                    })
                    .collect();
                let kept = &mut sums[measure.index()];
                match kept {
                    None => {
                        moved = true;
                        *kept = Some(sum);
                    }
                    Some(kept) => {
                        for (k, s) in kept.iter_mut().zip(sum) {
                            moved |= s < *k;
                            *k = (*k).min(s);
                        }
                    }
                }
            }
            if !moved {
                break;
            }
        }
        // A cell withheld as a partner before the measures containing it
        // were known, and that they show to be zero (a withheld arrest where
        // the referrals of the group are a published zero), protects
        // nothing and hides nothing: it is published as the zero a reader
        // works out. Margins stay as the family left them.
        for (h, zero) in hidden.iter_mut().zip(&known_zero) {
            for t in self.terms.len..self.len() {
                h[t] &= !zero[t];
            }
        }
        let tables = (0..self.pairs.len())
            .map(|s| {
                (0..self.pairs[s].len())
                    .map(|k| {
                        (0..Measure::COUNT)
                            .map(|m| self.published(s, k, &values[m], &hidden[m]))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        Checked { tables, wanted }
    }

    /// The caps of `measure`'s terms: what the measures containing it let
    /// them be, and (`sum`) what its parts together could be. Counts that
    /// break a containment (the projection makes none:
    /// `Outcome::in_actions`) widen the bounds rather than contradict them.
    fn caps(
        &self,
        measure: Measure,
        values: &[u64],
        most: &[Vec<u64>],
        sum: Option<&[u64]>,
    ) -> Vec<Option<u64>> {
        (0..self.len())
            .map(|t| {
                let cap = match measure.within() {
                    // A group with no interactions is a published zero.
                    None => (values[t] == 0).then_some(0),
                    Some(_) => measure.containing().map(|c| most[c.index()][t]).min(),
                };
                let cap = match (cap, sum) {
                    (Some(c), Some(s)) => Some(c.min(s[t])),
                    (None, Some(s)) => Some(s[t]),
                    (c, None) => c,
                };
                cap.map(|c| c.max(values[t]))
            })
            .collect()
    }

    /// Withholds further terms of measure `m` until none is pinned:
    /// interior cells, and margins (noted in `wanted`) only when no cell
    /// frees a number.
    fn protect(
        &self,
        system: &System,
        hidden: &mut [bool],
        m: usize,
        wanted: &mut Vec<(usize, usize)>,
    ) {
        let values = system.values;
        // A cell whose row or column total is a published zero is known
        // to be zero whether withheld or not.
        let published_zero = |t: usize, hidden: &[bool]| !hidden[t] && values[t] == 0;
        let cell = |t: usize, hidden: &[bool]| {
            t >= self.terms.len && {
                let (r, c) = self.sides[t - self.terms.len];
                !published_zero(r, hidden) && !published_zero(c, hidden)
            }
        };
        if system.protect(hidden, cell).is_none() {
            return;
        }
        let before = hidden.to_vec();
        let _ = system.protect(hidden, |t, h| t < self.terms.len || cell(t, h));
        for k in (0..self.terms.len).filter(|&k| hidden[k] && !before[k]) {
            wanted.push((m, k));
        }
    }

    /// The terms of measure `m` withheld in the margins and the tables.
    fn hidden(&self, margins: &[bool], tables: &[Vec<Vec<Published>>], m: usize) -> Vec<bool> {
        let mut h = margins.to_vec();
        for per_source in tables {
            for per_pair in per_source {
                h.extend(per_pair[m].cells.iter().flatten().map(|c| c.suppressed));
            }
        }
        h
    }

    /// Table `k` of source `s` as published with `hidden`.
    fn published(&self, s: usize, k: usize, values: &[u64], hidden: &[bool]) -> Published {
        let ((a, b), _) = &self.pairs[s][k];
        let layout = Layout {
            rows: a.categories().len(),
            cols: b.categories().len(),
        };
        // The table's terms in `Layout` order: its interior, row totals,
        // column totals, grand total.
        let first = self.start[s][k];
        let mut at: Vec<usize> = (first..first + layout.rows * layout.cols).collect();
        if layout.row_total_count() > 0 {
            at.extend((0..layout.rows).map(|r| self.terms.of(s, *a, r)));
        }
        at.extend((0..layout.cols).map(|c| self.terms.of(s, *b, c)));
        at.push(0);
        let v: Vec<u64> = at.iter().map(|&t| values[t]).collect();
        let h: Vec<bool> = at.iter().map(|&t| hidden[t]).collect();
        layout.published(&v, &h)
    }
}
