//! The year's margins, suppressed as one family (see `year`): which of
//! every dimension's category counts, and the grand total, each measure
//! withholds.

use super::Dimension;
use super::rank::{Equation, signed};
use super::system::System;
use super::year::{Grids, Measure};

/// The margins of one measure as the family left them, indexed like
/// `Terms`: whether each is withheld, and the most the attacker can know it
/// to be (an outcome's caps are its interactions' upper bounds).
#[derive(Clone, Debug)]
pub(super) struct Margins {
    pub hidden: Vec<bool>,
    pub most: Vec<u64>,
}

/// Each source's pairs of dimensions and their grids.
pub(super) type Pairs = [Vec<((Dimension, Dimension), Grids)>];

impl Margins {
    /// Every measure's margins, interactions first: an outcome's caps are
    /// what the interactions let its groups be. `demand`: per measure, the
    /// margins a table's interior could not protect a number without.
    /// `family`: `Family::new(pairs, terms)`, the same every round.
    pub fn suppress(
        pairs: &Pairs,
        terms: &Terms,
        family: &Family,
        threshold: u64,
        demand: &[Vec<bool>],
    ) -> Vec<Self> {
        let Family { sums, eqs } = family;
        let same = Same::new(eqs, terms.len);
        let mut out: Vec<Self> = Vec::new();
        for (m, forced) in demand.iter().enumerate().take(Measure::COUNT) {
            let vals = margin_values(pairs, terms, m);
            let caps: Vec<Option<u64>> = match out.first() {
                Some(base) => base.most.iter().map(|&x| Some(x)).collect(),
                // A group with no interactions is a published zero.
                None => vals.iter().map(|&v| (v == 0).then_some(0)).collect(),
            };
            let system = |eqs| System {
                eqs,
                values: &vals,
                caps: &caps,
                floors: &[],
            };
            let mut hidden: Vec<bool> = vals
                .iter()
                .zip(forced)
                .map(|(&v, &d)| d || (v > 0 && v < threshold))
                .collect();
            let family = system(&eqs[..]);
            loop {
                let before = hidden.clone();
                // Each dimension on its own first (its margins add up to
                // the grand total): the partners a one-way table needs.
                for (range, sum) in sums {
                    same.close(&mut hidden);
                    let _ = system(std::slice::from_ref(sum))
                        .protect(&mut hidden, |t, _| range.contains(&t));
                }
                // Then every equation at once; the grand total too is a
                // partner, of last resort (it is the largest).
                same.close(&mut hidden);
                let _ = family.protect(&mut hidden, |_, _| true);
                same.close(&mut hidden);
                if hidden == before {
                    break;
                }
            }
            let most = family
                .ranges(&hidden)
                .iter()
                .map(|r| u64::try_from(r.1).unwrap_or(u64::MAX))
                .collect();
            out.push(Self { hidden, most });
        }
        out
    }
}

/// Margins that are one number: a block of one row and one column in some
/// two-way table (the row's only interactions are in that column, and the
/// column's in that row), and so on through chains of them. Students
/// without a school record make every dimension's "unknown" one number.
struct Same {
    class: Vec<Vec<usize>>,
}

impl Same {
    fn new(eqs: &[Equation], terms: usize) -> Self {
        let mut class: Vec<Vec<usize>> = (0..terms).map(|t| vec![t]).collect();
        for eq in eqs {
            if let [(a, sa), (b, sb)] = eq.as_slice()
                && sa * sb < 0.0
            {
                let merged: Vec<usize> = class[*a].iter().chain(&class[*b]).copied().collect();
                let mut merged = merged;
                merged.sort_unstable();
                merged.dedup();
                for &t in &merged {
                    class[t] = merged.clone();
                }
            }
        }
        Self { class }
    }

    /// Withholds every margin that is the same number as a withheld one.
    fn close(&self, hidden: &mut [bool]) {
        for t in 0..hidden.len() {
            if hidden[t] {
                for &u in &self.class[t] {
                    hidden[u] = true;
                }
            }
        }
    }
}

/// Where each margin is among the family's terms: the grand total first,
/// then the offense categories (one count whichever source describes the
/// students: an offense is the record's), then each source's demographic
/// dimensions' categories, in `Dimension::ALL` order.
#[derive(Debug)]
pub(super) struct Terms {
    /// Per source, per dimension: its first category's term.
    start: Vec<Vec<usize>>,
    pub len: usize,
}

impl Terms {
    pub fn new(sources: usize) -> Self {
        let offense = 1;
        let mut len = offense + Dimension::Offense.categories().len();
        let start = (0..sources)
            .map(|_| {
                Dimension::ALL
                    .iter()
                    .map(|d| {
                        if *d == Dimension::Offense {
                            return offense;
                        }
                        len += d.categories().len();
                        len - d.categories().len()
                    })
                    .collect()
            })
            .collect();
        Self { start, len }
    }
    pub fn of(&self, source: usize, d: Dimension, c: usize) -> usize {
        self.start[source][dim(d)] + c
    }
    fn range(&self, source: usize, d: Dimension) -> std::ops::Range<usize> {
        let s = self.start[source][dim(d)];
        s..s + d.categories().len()
    }
}

pub(super) fn dim(d: Dimension) -> usize {
    Dimension::ALL.iter().position(|x| *x == d).unwrap_or(0)
}

/// Every margin's value for measure `m`, read off the pairs' grids.
pub(super) fn margin_values(pairs: &Pairs, terms: &Terms, m: usize) -> Vec<u64> {
    let mut v = vec![0; terms.len];
    for (s, pairs) in pairs.iter().enumerate() {
        for ((a, b), grids) in pairs {
            let g = &grids[m];
            for c in 0..a.categories().len() {
                v[terms.of(s, *a, c)] = g.get(c).map_or(0, |r| r.iter().sum());
            }
            for c in 0..b.categories().len() {
                v[terms.of(s, *b, c)] = g.iter().map(|r| r.get(c).copied().unwrap_or(0)).sum();
            }
            v[0] = g.iter().flatten().sum();
        }
    }
    v
}

/// The family's equations: each dimension's margins add up to the grand
/// total (`sums`, with the dimension's terms); and in each two-way table,
/// where the interactions are non-zero only within blocks of rows and
/// columns that meet no others, each block's row margins add up to its
/// column margins (an empty row or column is a block whose margin is zero).
/// `eqs` holds both kinds.
pub(super) struct Family {
    pub sums: Vec<(std::ops::Range<usize>, Equation)>,
    pub eqs: Vec<Equation>,
}

impl Family {
    pub fn new(pairs: &Pairs, terms: &Terms) -> Self {
        let (sums, blocks) = equations(pairs, terms);
        let eqs = sums.iter().map(|(_, e)| e.clone()).chain(blocks).collect();
        Self { sums, eqs }
    }
}

#[allow(clippy::type_complexity)]
fn equations(
    pairs: &Pairs,
    terms: &Terms,
) -> (Vec<(std::ops::Range<usize>, Equation)>, Vec<Equation>) {
    let mut sums = Vec::new();
    for s in 0..pairs.len() {
        for d in Dimension::ALL {
            // The offense margins are every source's: one equation.
            if *d != Dimension::Offense || s == 0 {
                let range = terms.range(s, *d);
                let parts: Vec<usize> = range.clone().collect();
                sums.push((range, signed(&parts, 0)));
            }
        }
    }
    let mut eqs = Vec::new();
    for (s, pairs) in pairs.iter().enumerate() {
        for ((a, b), grids) in pairs {
            let base = &grids[0];
            let (rows, cols) = (a.categories().len(), b.categories().len());
            // Union-find over rows (0..rows) and columns (rows..).
            let mut parent: Vec<usize> = (0..rows + cols).collect();
            fn root(p: &mut [usize], mut x: usize) -> usize {
                while p[x] != x {
                    p[x] = p[p[x]];
                    x = p[x];
                }
                x
            }
            for (r, row) in base.iter().enumerate().take(rows) {
                for (c, &n) in row.iter().enumerate().take(cols) {
                    if n > 0 {
                        let (x, y) = (root(&mut parent, r), root(&mut parent, rows + c));
                        parent[x] = y;
                    }
                }
            }
            let mut blocks: std::collections::BTreeMap<usize, Equation> = Default::default();
            for k in 0..rows + cols {
                let (t, sign) = if k < rows {
                    (terms.of(s, *a, k), 1.0)
                } else {
                    (terms.of(s, *b, k - rows), -1.0)
                };
                let r = root(&mut parent, k);
                blocks.entry(r).or_default().push((t, sign));
            }
            eqs.extend(blocks.into_values());
        }
    }
    (sums, eqs)
}
