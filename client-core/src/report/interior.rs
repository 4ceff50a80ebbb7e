//! A two-way table's interior, suppressed with its totals as the year's
//! family left them (see `year`).

use super::margins::{Margins, Terms};
use super::rank::{Equation, signed};
use super::suppress::Layout;
use super::system::System;
use super::year::Grids;
use super::{Dimension, Published};

/// A table as suppressed.
pub(super) struct Suppressed {
    pub published: Published,
    /// Margins (family terms) the table needs withheld.
    pub wanted: Vec<usize>,
    /// The most each term can be, as the attacker narrows it.
    pub most: Vec<u64>,
}

/// One two-way table of the year.
pub(super) struct Table<'a> {
    pub terms: &'a Terms,
    /// The source's position among the year's.
    pub source: usize,
    /// Rows, then columns; the first leads.
    pub dims: (Dimension, Dimension),
    pub grids: &'a Grids,
    /// `Measure::index`.
    pub measure: usize,
}

impl Table<'_> {
    /// Small cells withheld, then further interior cells until nothing
    /// withheld is pinned, never a total. A cell whose group had no
    /// interactions is a published zero (and, for an outcome, known zero
    /// by the bound), so it is never a partner. Also answers the margins
    /// (family terms) the table needs withheld but the family published:
    /// those of a number no interior cell could protect.
    /// `base_most`: the interactions table's terms as its suppression left
    /// them to the attacker (the most each can be), for an outcome's caps.
    pub fn suppress(
        &self,
        margins: &[Margins],
        threshold: u64,
        base_most: Option<&[u64]>,
    ) -> Suppressed {
        let (a, b) = self.dims;
        let m = self.measure;
        let cells = &self.grids[m];
        let rows = cells.len();
        let cols = cells.first().map_or(0, Vec::len);
        let layout = Layout { rows, cols };
        let values = layout.values(cells);
        let base_values = layout.values(&self.grids[0]);
        // Each term's margin in the family, for the totals.
        let interior = rows * cols;
        let margin = |t: usize| -> Option<usize> {
            if t < interior {
                None
            } else if t < interior + rows {
                Some(self.terms.of(self.source, a, t - interior))
            } else if t < interior + rows + cols {
                Some(self.terms.of(self.source, b, t - interior - rows))
            } else {
                Some(0)
            }
        };
        let mut hidden: Vec<bool> = (0..values.len())
            .map(|t| match margin(t) {
                Some(k) => margins[m].hidden[k],
                None => values[t] > 0 && values[t] < threshold,
            })
            .collect();
        let caps: Vec<Option<u64>> = (0..values.len())
            .map(|t| match (margin(t), m) {
                // Interactions: a group with none is a published zero.
                (_, 0) => (base_values[t] == 0).then_some(0),
                // An outcome cell: at most its group's interactions, as
                // far as the interactions table lets them be known.
                (None, _) => Some(base_most.map_or(base_values[t], |b| b[t])),
                (Some(k), _) => Some(margins[0].most[k]),
            })
            .collect();
        let eqs: Vec<Equation> = layout
            .equations()
            .iter()
            .map(|(p, t)| signed(p, *t))
            .collect();
        let system = System {
            eqs: &eqs,
            values: &values,
            caps: &caps,
            floors: &[],
        };
        // A cell whose row or column total is a published zero is known
        // to be zero whether withheld or not.
        let published_zero = |i: usize, hidden: &[bool]| !hidden[i] && values[i] == 0;
        let stuck = system.protect(&mut hidden, |t, hidden| {
            t < interior
                && !published_zero(layout.col_total(t % cols), hidden)
                && !published_zero(layout.row_total(t / cols), hidden)
        });
        // A cell left pinned needs its row's and column's totals withheld;
        // a total left pinned, the smallest published total beside it.
        let wanted: Vec<usize> = match stuck {
            None => Vec::new(),
            Some(t) if t < interior => [layout.row_total(t / cols), layout.col_total(t % cols)]
                .into_iter()
                .filter(|&i| !hidden[i] && caps[i] != Some(0))
                .filter_map(margin)
                .collect(),
            Some(t) => (interior..values.len())
                .filter(|&i| !hidden[i] && caps[i] != Some(0) && values[i] > 0)
                .filter(|&i| {
                    eqs.iter()
                        .any(|e| e.iter().any(|x| x.0 == t) && e.iter().any(|x| x.0 == i))
                })
                .min_by_key(|&i| (values[i], i))
                .and_then(margin)
                .into_iter()
                .collect(),
        };
        let most = system
            .ranges(&hidden)
            .iter()
            .map(|r| u64::try_from(r.1).unwrap_or(u64::MAX))
            .collect();
        Suppressed {
            published: layout.published(&values, &hidden),
            wanted,
            most,
        }
    }
}
