//! Small-cell suppression of one table, with complementary suppression.

use super::Dimension;
use super::rank::{Equation, signed};
use super::system::System;
use serde::{Deserialize, Serialize};

/// The smallest threshold a deployment may configure: below 5 the published
/// counts identify students in small schools.
pub const MIN_THRESHOLD: u64 = 5;
/// The default: counts of 1-9 are suppressed.
pub const DEFAULT_THRESHOLD: u64 = 10;

/// One published number: the count, or that it is withheld. Why it is
/// withheld is not published: "a small count" would tell a reader that the
/// number is between 1 and the threshold, and "complementary" that it is 0
/// or at least the threshold, and those bounds can pin a cell down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Cell {
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub count: Option<u64>,
    pub suppressed: bool,
}

/// A table of counts as published: interior cells and their totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Published {
    pub cells: Vec<Vec<Cell>>,
    /// Row totals; absent for a one-column table, whose rows are the cells.
    pub row_totals: Option<Vec<Cell>>,
    pub col_totals: Vec<Cell>,
    pub total: Cell,
}

/// The additive structure of a published table: every number is a term, and
/// each equation says a total is the sum of its parts. An attacker who reads
/// the table knows exactly these equations (and that counts are not
/// negative).
#[derive(Clone, Debug)]
pub(super) struct Layout {
    pub rows: usize,
    pub cols: usize,
}

impl Layout {
    /// Terms: interior cells row-major, then row totals (when more than one
    /// column), then column totals, then the grand total.
    pub(super) fn terms(&self) -> usize {
        self.rows * self.cols + self.row_total_count() + self.cols + 1
    }
    pub(super) fn row_total_count(&self) -> usize {
        if self.cols > 1 { self.rows } else { 0 }
    }
    pub(super) fn cell(&self, r: usize, c: usize) -> usize {
        r * self.cols + c
    }
    pub(super) fn row_total(&self, r: usize) -> usize {
        self.rows * self.cols + r
    }
    pub(super) fn col_total(&self, c: usize) -> usize {
        self.rows * self.cols + self.row_total_count() + c
    }
    pub(super) fn grand(&self) -> usize {
        self.terms() - 1
    }

    /// Each equation as (parts, total).
    pub(super) fn equations(&self) -> Vec<(Vec<usize>, usize)> {
        let mut eqs = Vec::new();
        for c in 0..self.cols {
            eqs.push((
                (0..self.rows).map(|r| self.cell(r, c)).collect(),
                self.col_total(c),
            ));
        }
        eqs.push((
            (0..self.cols).map(|c| self.col_total(c)).collect(),
            self.grand(),
        ));
        if self.cols > 1 {
            for r in 0..self.rows {
                eqs.push((
                    (0..self.cols).map(|c| self.cell(r, c)).collect(),
                    self.row_total(r),
                ));
            }
            eqs.push((
                (0..self.rows).map(|r| self.row_total(r)).collect(),
                self.grand(),
            ));
        }
        eqs
    }

    /// The table as published: each term's value unless withheld.
    pub(super) fn published(&self, values: &[u64], hidden: &[bool]) -> Published {
        let cell = |i: usize| Cell {
            count: (!hidden[i]).then_some(values[i]),
            suppressed: hidden[i],
        };
        let (rows, cols) = (self.rows, self.cols);
        Published {
            cells: (0..rows)
                .map(|r| (0..cols).map(|c| cell(self.cell(r, c))).collect())
                .collect(),
            row_totals: (cols > 1).then(|| (0..rows).map(|r| cell(self.row_total(r))).collect()),
            col_totals: (0..cols).map(|c| cell(self.col_total(c))).collect(),
            total: cell(self.grand()),
        }
    }

    /// Every term's value, in term order.
    pub(super) fn values(&self, cells: &[Vec<u64>]) -> Vec<u64> {
        let mut v: Vec<u64> = cells.iter().flatten().copied().collect();
        if self.cols > 1 {
            v.extend(cells.iter().map(|row| row.iter().sum::<u64>()));
        }
        let cols: Vec<u64> = (0..self.cols)
            .map(|c| cells.iter().map(|row| row[c]).sum())
            .collect();
        let grand = cols.iter().sum();
        v.extend(cols);
        v.push(grand);
        v
    }
}

/// Suppresses `cells` (rows x cols counts) for publication: every count from
/// 1 to `threshold - 1` is withheld, and then further interior cells are
/// withheld until no withheld number is determined by the published ones
/// through the table's sums. Zeros are published: an empty group discloses
/// no student.
///
/// Tables are published side by side (by race; by race and sex; by sex),
/// and a number one table withholds must not be read off another. So the
/// totals of a two-way table are suppressed exactly as the one-way table of
/// that dimension is, and complementary suppression only ever withholds
/// interior cells; every total is then published or withheld alike wherever
/// it appears.
///
/// Complementary choice: in an equation that would reveal a withheld
/// number, the smallest remaining non-zero cell is withheld (least
/// information lost).
pub fn suppress(cells: &[Vec<u64>], threshold: u64) -> Published {
    suppress_within(cells, threshold, None)
}

/// `suppress` for an outcome table beside its interactions table `base`
/// (same shape). An outcome never exceeds the interactions of its group,
/// and zeros are always published, so a cell whose group had no
/// interactions is known to be zero: withholding it protects nothing, and it
/// is chosen as a complementary cell only when no other related cell is left
/// (an attacker reading both tables pinned the demo's English learners'
/// arrests through one such cell).
pub fn suppress_within(cells: &[Vec<u64>], threshold: u64, base: Option<&[Vec<u64>]>) -> Published {
    let threshold = threshold.max(MIN_THRESHOLD);
    let rows = cells.len();
    let cols = cells.first().map_or(1, Vec::len).max(1);
    let layout = Layout { rows, cols };
    let values = layout.values(cells);
    let base_values = base.map(|b| layout.values(b));
    // Whether each term is withheld.
    let mut hidden: Vec<bool> = values.iter().map(|&v| v > 0 && v < threshold).collect();
    if cols > 1 {
        let column = |v: &[u64]| v.iter().map(|x| vec![*x]).collect::<Vec<_>>();
        let one_way = |range: std::ops::Range<usize>| {
            let b = base_values.as_ref().map(|b| column(&b[range.clone()]));
            suppress_within(&column(&values[range]), threshold, b.as_deref())
        };
        let by_row = one_way(rows * cols..rows * cols + rows);
        let by_col = one_way(rows * cols + rows..rows * cols + rows + cols);
        for (r, c) in by_row.cells.iter().enumerate() {
            hidden[layout.row_total(r)] = c[0].suppressed;
        }
        for (k, c) in by_col.cells.iter().enumerate() {
            hidden[layout.col_total(k)] = c[0].suppressed;
        }
    }
    let interior = rows * cols;
    let eqs = layout.equations();
    let signed_eqs: Vec<Equation> = eqs.iter().map(|(p, t)| signed(p, *t)).collect();
    // Beside its interactions table, a term is at most its group's
    // interactions; a reader holding both tables knows that.
    let caps: Vec<Option<u64>> = (0..values.len())
        .map(|t| base_values.as_ref().map(|b| b[t]))
        .collect();
    // Pinned as the attacker pins: by the sums, and by counts never being
    // negative (two withheld zeros in a row whose published cells already
    // make its total are both zero, whatever rank says).
    let system = System {
        eqs: &signed_eqs,
        values: &values,
        caps: &caps,
        floors: &[],
    };
    // Each round withholds at least one more cell; there are finitely many.
    while let Some(exposed) = system.exposed(&hidden) {
        let related = |t: usize| {
            eqs.iter().any(|(parts, total)| {
                let terms = || parts.iter().chain(std::iter::once(total));
                terms().any(|&x| x == exposed) && terms().any(|&x| x == t)
            })
        };
        // A cell whose row or column total is a published zero is known to
        // be zero whether withheld or not: it protects nothing.
        let known_zero = |t: usize| {
            let (r, c) = (t / cols, t % cols);
            let published_zero = |i: usize| !hidden[i] && values[i] == 0;
            published_zero(layout.col_total(c)) || (cols > 1 && published_zero(layout.row_total(r)))
        };
        // Known to be zero beside the interactions table: a partner of last
        // resort only (better than leaving a withheld number exposed).
        let no_interactions = |t: usize| base_values.as_ref().is_some_and(|b| b[t] == 0);
        let candidate = (0..interior)
            .filter(|&t| !hidden[t] && !known_zero(t))
            .min_by_key(|&t| {
                (
                    !related(t),
                    no_interactions(t),
                    values[t] == 0,
                    values[t],
                    t,
                )
            });
        match candidate {
            Some(t) => hidden[t] = true,
            None => break,
        }
    }
    layout.published(&values, &hidden)
}

/// Suppresses a table by `rows` (and `cols`, when two-way) in the one
/// orientation `Dimension::leads` chooses, and hands it back in the order
/// asked for. The server publishes whole years through `Year::suppress`;
/// this is one table on its own, as the property tests attack it.
pub fn suppress_by(
    cells: &[Vec<u64>],
    threshold: u64,
    rows: Dimension,
    cols: Option<Dimension>,
    base: Option<&[Vec<u64>]>,
) -> Published {
    match cols {
        Some(c) if !rows.leads(c) => {
            let b = base.map(transposed);
            transpose(&suppress_within(
                &transposed(cells),
                threshold,
                b.as_deref(),
            ))
        }
        _ => suppress_within(cells, threshold, base),
    }
}

pub(super) fn transposed<T: Copy>(m: &[Vec<T>]) -> Vec<Vec<T>> {
    let cols = m.first().map_or(0, Vec::len);
    (0..cols)
        .map(|c| m.iter().map(|r| r[c]).collect())
        .collect()
}

pub(super) fn transpose(p: &Published) -> Published {
    Published {
        cells: transposed(&p.cells),
        row_totals: Some(p.col_totals.clone()),
        col_totals: p.row_totals.clone().unwrap_or_default(),
        total: p.total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn hidden(p: &Published) -> usize {
        p.cells
            .iter()
            .flatten()
            .filter(|c| c.count.is_none())
            .count()
    }

    #[test]
    fn a_lone_small_cell_takes_a_partner() {
        let p = suppress(&[vec![3], vec![40], vec![25], vec![0]], 10);
        assert!(p.cells[0][0].suppressed);
        // 25 is the smallest non-zero partner.
        assert!(p.cells[2][0].suppressed);
        assert_eq!(p.cells[1][0].count, Some(40));
        assert_eq!(p.cells[3][0].count, Some(0));
        assert_eq!(p.total.count, Some(68));
    }

    #[test]
    fn no_small_cells_means_nothing_withheld() {
        let p = suppress(&[vec![12, 30], vec![0, 15]], 10);
        assert_eq!(hidden(&p), 0);
    }

    #[test]
    fn the_threshold_never_drops_below_five() {
        let p = suppress(&[vec![4], vec![40], vec![40]], 2);
        assert!(p.cells[0][0].suppressed);
    }

    #[test]
    fn both_orders_of_two_dimensions_withhold_the_same_cells() {
        // Ties between equal partners are broken by position, so the two
        // orientations would differ if each were suppressed as asked.
        for cells in [
            vec![vec![3, 20, 20], vec![20, 20, 20], vec![20, 20, 20]],
            vec![
                vec![0, 4, 30],
                vec![30, 0, 30],
                vec![30, 30, 6],
                vec![12, 12, 12],
            ],
            vec![vec![1, 1], vec![1, 50]],
        ] {
            let (a, b) = (Dimension::RaceEthnicity, Dimension::Sex);
            let ab = suppress_by(&cells, 10, a, Some(b), None);
            let ba = suppress_by(&transposed(&cells), 10, b, Some(a), None);
            assert_eq!(transpose(&ba), ab, "{cells:?}");
            assert_eq!(ab, suppress(&cells, 10), "the leading order as it stands");
        }
        assert!(Dimension::RaceEthnicity.leads(Dimension::Offense));
        assert!(!Dimension::Offense.leads(Dimension::Sex));
    }

    #[test]
    fn a_cell_with_no_interactions_is_a_partner_of_last_resort() {
        // After the demo's English learners by sex: a zero of the small
        // cells' row whose group had no interactions at all is known to be
        // zero beside the interactions table, so withholding it as their
        // partner let the row be worked out. Another zero of the row had
        // interactions: it is chosen instead.
        let interactions = vec![vec![16, 23, 0, 5], vec![65, 87, 20, 0], vec![0, 0, 0, 98]];
        let arrests = vec![vec![1, 1, 0, 0], vec![8, 7, 10, 0], vec![0, 0, 0, 11]];
        let alone = suppress(&arrests, 10);
        assert!(alone.cells[0][2].suppressed, "{alone:?}");
        let beside = suppress_within(&arrests, 10, Some(&interactions));
        assert!(!beside.cells[0][2].suppressed, "{beside:?}");
        assert!(beside.cells[0][3].suppressed, "{beside:?}");
        // Still nothing small is published.
        assert!(beside.cells[0][0].suppressed && beside.cells[1][1].suppressed);
    }

    #[test]
    fn two_way_tables_need_a_rectangle() {
        let p = suppress(&[vec![3, 20, 30], vec![25, 40, 50], vec![60, 70, 80]], 10);
        // At least four interior cells: the small one, one in its row, one in
        // its column, and the corner closing the rectangle.
        assert!(hidden(&p) >= 4, "{p:?}");
    }
}
