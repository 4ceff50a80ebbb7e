//! Every table of one school year, for both sources, suppressed as one
//! family (issue 16).
//!
//! An answer's totals (a one-way table, or a two-way table's row and column
//! totals) are the year's margins: the count of each category of each
//! dimension, and the grand total. Every answer of the year shares them, so
//! they are suppressed once, together: each dimension's margins add up to
//! the grand total, and the interactions tables publish where groups are
//! empty, so in each two-way table the margins of a block of rows and
//! columns that only meet each other (no interactions elsewhere) are equal.
//! Students without a school record are "unknown" in every dimension: the
//! unknown margins of every dimension are one number, and withholding it in
//! one dimension alone left it published in the others. An outcome's
//! margins are further bounded by the interactions of the same groups, and
//! a partner the bound pins at its cap protects nothing.
//!
//! The offense margins and the grand total count records, not students'
//! demographics: they are the same whichever source an answer is about, so
//! they are one number in both sources' tables, and the family is both
//! sources' margins at once. Then each table's interior is suppressed with its totals as the family
//! left them (`Year::table`), and never touches a total.

use super::interior::Table;
use super::joint::Joint;
use super::margins::{Family, Margins, Terms, margin_values};
use super::suppress::transpose;
use super::{Cell, Dimension, MIN_THRESHOLD, Outcome, Published};
use crate::vocabulary::Source;

/// What a table counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    Interactions,
    Outcome(Outcome),
}

impl Measure {
    /// How many measures there are.
    pub const COUNT: usize = 1 + Outcome::ALL.len();

    /// The measure's position in counts: interactions first, then each
    /// outcome in `Outcome::ALL` order.
    pub fn index(self) -> usize {
        match self {
            Self::Interactions => 0,
            Self::Outcome(o) => 1 + Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0),
        }
    }

    /// The measure that counts every interaction this one counts, next
    /// above it: an outcome's group had at least as many interactions, and
    /// an arrest is a referral (`Outcome::within`).
    pub fn within(self) -> Option<Self> {
        match self {
            Self::Interactions => None,
            Self::Outcome(o) => Some(o.within().map_or(Self::Interactions, Self::Outcome)),
        }
    }

    /// The measures this one is exactly the union of (`Outcome::made_of`).
    pub fn made_of(self) -> Vec<Self> {
        match self {
            Self::Interactions => Vec::new(),
            Self::Outcome(o) => o.made_of().iter().map(|p| Self::Outcome(*p)).collect(),
        }
    }

    /// Every measure that contains this one, nearest first.
    pub fn containing(self) -> impl Iterator<Item = Self> {
        std::iter::successors(self.within(), |m| m.within())
    }

    /// Every measure, each after those that contain it.
    pub fn containing_first() -> Vec<Self> {
        let mut all: Vec<Self> = std::iter::once(Self::Interactions)
            .chain(Outcome::ALL.iter().map(|o| Self::Outcome(*o)))
            .collect();
        all.sort_by_key(|m| m.containing().count());
        all
    }
}

/// Each measure's counts by two dimensions (in `Measure::index` order):
/// rows by the first dimension's categories, columns by the second's.
pub type Grids = Vec<Vec<Vec<u64>>>;

/// One school year's tables, for each source, suppressed as one family.
#[derive(Debug)]
pub struct Year {
    sources: Vec<Source>,
    /// Per source: every pair of dimensions, the leading one first, and
    /// its grids.
    pairs: Vec<Vec<((Dimension, Dimension), Grids)>>,
    terms: Terms,
    /// Per measure, in `Measure::index` order.
    margins: Vec<Margins>,
    /// Per source, per pair (as `pairs`), per measure: the two-way table.
    tables: Vec<Vec<Vec<Published>>>,
}

impl Year {
    /// The pairs of dimensions `suppress` needs counts of: every two, the
    /// leading one (`Dimension::leads`) first.
    pub fn pairs() -> Vec<(Dimension, Dimension)> {
        let mut out = Vec::new();
        for (i, a) in Dimension::ALL.iter().enumerate() {
            for b in &Dimension::ALL[i + 1..] {
                out.push(if a.leads(*b) { (*a, *b) } else { (*b, *a) });
            }
        }
        out
    }

    /// Suppresses the year's margins, for every measure, from `counts` of
    /// each source by each of `Year::pairs()`. Every source a report can
    /// describe students by must be among `sources`: they share the offense
    /// margins and the grand total.
    pub fn suppress(
        threshold: u64,
        sources: &[Source],
        mut counts: impl FnMut(Source, Dimension, Dimension) -> Grids,
    ) -> Self {
        let threshold = threshold.max(MIN_THRESHOLD);
        let pairs: Vec<Vec<_>> = sources
            .iter()
            .map(|s| {
                Self::pairs()
                    .into_iter()
                    .map(|(a, b)| ((a, b), counts(*s, a, b)))
                    .collect()
            })
            .collect();
        let terms = Terms::new(sources.len());
        let family = Family::new(&pairs, &terms);
        let joint = Joint::new(&pairs, &terms, family.eqs.clone());
        // The margins, then every two-way table's interior; a number an
        // interior cannot protect without withholding a margin sends the
        // margin back to the family, which then finds it partners.
        let mut demand = vec![vec![false; terms.len]; Measure::COUNT];
        loop {
            let margins = Margins::suppress(&pairs, &terms, &family, threshold, &demand);
            let mut more = false;
            let tables = pairs
                .iter()
                .enumerate()
                .map(|(s, pairs)| {
                    pairs
                        .iter()
                        .map(|(ab, grids)| {
                            let mut base_most: Option<Vec<u64>> = None;
                            (0..Measure::COUNT)
                                .map(|m| {
                                    let table = Table {
                                        terms: &terms,
                                        source: s,
                                        dims: *ab,
                                        grids,
                                        measure: m,
                                    };
                                    let t =
                                        table.suppress(&margins, threshold, base_most.as_deref());
                                    for k in t.wanted {
                                        more |= !std::mem::replace(&mut demand[m][k], true);
                                    }
                                    // Interactions come first.
                                    base_most.get_or_insert(t.most);
                                    t.published
                                })
                                .collect()
                        })
                        .collect()
                })
                .collect::<Vec<Vec<Vec<Published>>>>();
            // Then every table at once: what combining them pins.
            let checked = joint.suppress(&margins, &tables);
            for (m, k) in checked.wanted {
                more |= !std::mem::replace(&mut demand[m][k], true);
            }
            let tables = checked.tables;
            // Each round withholds at least one more margin, or ends.
            if !more {
                return Self {
                    sources: sources.to_vec(),
                    pairs,
                    terms,
                    margins,
                    tables,
                };
            }
        }
    }

    /// The table of `measure` by `rows` (and `cols`) of `source`, as
    /// published; `None` for a source the year was not suppressed for.
    pub fn table(
        &self,
        source: Source,
        rows: Dimension,
        cols: Option<Dimension>,
        measure: Measure,
    ) -> Option<Published> {
        let s = self.sources.iter().position(|x| *x == source)?;
        let m = measure.index();
        let Some(cols) = cols.filter(|c| *c != rows) else {
            return Some(self.one_way(s, rows, m));
        };
        let (a, b) = if rows.leads(cols) {
            (rows, cols)
        } else {
            (cols, rows)
        };
        let k = self.pairs[s].iter().position(|(p, _)| *p == (a, b))?;
        let p = self.tables[s][k][m].clone();
        Some(if (a, b) == (rows, cols) {
            p
        } else {
            transpose(&p)
        })
    }

    fn one_way(&self, s: usize, d: Dimension, m: usize) -> Published {
        let margins = &self.margins[m];
        let values = margin_values(&self.pairs, &self.terms, m);
        let cell = |t: usize| Cell {
            count: (!margins.hidden[t]).then_some(values[t]),
            suppressed: margins.hidden[t],
        };
        Published {
            cells: (0..d.categories().len())
                .map(|c| vec![cell(self.terms.of(s, d, c))])
                .collect(),
            row_totals: None,
            col_totals: vec![cell(0)],
            total: cell(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::margins::dim;
    use crate::report::suppress_within;

    const ARREST: Measure = Measure::Outcome(Outcome::Arrest);

    /// A group of students alike in every dimension (category positions in
    /// `Dimension::ALL` order), its interactions and its arrests.
    struct Group([usize; 6], u64, u64);

    /// The demo's English learners, small: students without a school
    /// record are "unknown" in every demographic dimension.
    fn students() -> Vec<Group> {
        let u = |d: Dimension| d.categories().len() - 1;
        let (race, sex, dis, el) = (
            u(Dimension::RaceEthnicity),
            u(Dimension::Sex),
            u(Dimension::Disability),
            u(Dimension::EnglishLearner),
        );
        vec![
            // No school record: 20 interactions, 11 arrests.
            Group([race, sex, 3, dis, el, 1], 20, 11),
            // English learners: 30 interactions, 2 arrests.
            Group([0, 1, 3, 2, 0, 1], 30, 2),
            // Everyone else, English learners or not ("no").
            Group([3, 0, 2, 2, 1, 1], 60, 15),
            Group([5, 1, 3, 2, 1, 2], 70, 12),
            Group([2, 0, 4, 0, 1, 1], 40, 20),
        ]
    }

    fn grids(groups: &[Group], a: Dimension, b: Dimension) -> Grids {
        let (ra, rb) = (a.categories().len(), b.categories().len());
        let mut g = vec![vec![vec![0; rb]; ra]; Measure::COUNT];
        for Group(at, n, arrests) in groups {
            let (r, c) = (at[dim(a)], at[dim(b)]);
            g[0][r][c] += n;
            g[ARREST.index()][r][c] += arrests;
        }
        g
    }

    fn one_source(groups: &[Group]) -> Year {
        Year::suppress(10, &[Source::SchoolRecord], |_, a, b| grids(groups, a, b))
    }

    fn table(year: &Year, rows: Dimension, cols: Option<Dimension>, m: Measure) -> Published {
        year.table(Source::SchoolRecord, rows, cols, m)
            .expect("the year's source")
    }

    fn one_way(groups: &[Group], d: Dimension, m: usize) -> Vec<Vec<u64>> {
        let other = if d == Dimension::Offense {
            Dimension::Sex
        } else {
            Dimension::Offense
        };
        grids(groups, d, other)[m]
            .iter()
            .map(|r| vec![r.iter().sum()])
            .collect()
    }

    #[test]
    fn each_measure_comes_after_those_containing_it() {
        use Outcome as O;
        let cases = [
            (Measure::Interactions, vec![]),
            (Measure::Outcome(O::Search), vec![Measure::Interactions]),
            (
                Measure::Outcome(O::Arrest),
                vec![
                    Measure::Outcome(O::ReferralToLawEnforcement),
                    Measure::Interactions,
                ],
            ),
            (
                Measure::Outcome(O::MechanicalRestraint),
                vec![Measure::Outcome(O::Restraint), Measure::Interactions],
            ),
        ];
        let order = Measure::containing_first();
        assert_eq!(order.len(), Measure::COUNT);
        let at = |m: Measure| order.iter().position(|x| *x == m);
        for (m, containing) in cases {
            assert_eq!(m.containing().collect::<Vec<_>>(), containing, "{m:?}");
            for c in containing {
                assert!(at(c) < at(m), "{c:?} before {m:?}");
            }
        }
    }

    #[test]
    fn margins_the_bound_ties_together_are_withheld_together() {
        let groups = students();
        let (el, sex) = (Dimension::EnglishLearner, Dimension::Sex);
        let (yes, no, unknown) = (0, 1, 2);
        let sex_unknown = 3;
        // Before: each one-way table on its own. English learners' 2
        // arrests take "unknown" (11) as their partner, but sex publishes
        // its "unknown" arrests, and in English learner x sex the unknown
        // row and column only meet each other (every other group there had
        // no interactions, which the interactions table publishes): they
        // are one number, so the 2 is the total less the rest.
        let old = |d| {
            suppress_within(
                &one_way(&groups, d, ARREST.index()),
                10,
                Some(&one_way(&groups, d, 0)),
            )
        };
        let (old_el, old_sex) = (old(el), old(sex));
        assert!(old_el.cells[yes][0].suppressed && old_el.cells[unknown][0].suppressed);
        let published_unknown = old_sex.cells[sex_unknown][0].count.expect("published");
        let total = old_el.total.count.expect("published");
        let not_el = old_el.cells[no][0].count.expect("published");
        assert_eq!(total - not_el - published_unknown, 2, "the old leak");

        // After: the year's margins as one family.
        let year = one_source(&groups);
        let new_sex = table(&year, sex, None, ARREST);
        assert!(new_sex.cells[sex_unknown][0].suppressed, "{new_sex:?}");
        for &d in Dimension::ALL {
            if d == Dimension::Offense || d == Dimension::AgeBand {
                continue;
            }
            let p = table(&year, d, None, ARREST);
            let unknown = d.categories().len() - 1;
            assert!(p.cells[unknown][0].suppressed, "{d:?}: {p:?}");
            // And a partner in the same dimension.
            let withheld = p.cells.iter().filter(|c| c[0].suppressed).count();
            assert!(withheld >= 2, "{d:?}: {p:?}");
        }
        // The two-way table's totals are the same margins.
        let both = table(&year, el, Some(sex), ARREST);
        let rows = both.row_totals.as_ref().expect("two-way");
        assert!(rows[yes].suppressed && rows[unknown].suppressed);
        assert!(both.col_totals[sex_unknown].suppressed);
        // Nothing small is published, in any table.
        for (a, b) in Year::pairs() {
            let p = table(&year, a, Some(b), ARREST);
            let g = &grids(&groups, a, b)[ARREST.index()];
            for (r, row) in g.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    assert!(
                        !(1..10).contains(v) || p.cells[r][c].suppressed,
                        "{a:?} {b:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn both_orders_and_every_answer_agree_on_a_margin() {
        let groups = students();
        // The officer's perception: everyone's demographics recorded, one
        // English learner more, but the same records (offenses).
        let perceived: Vec<Group> = groups
            .iter()
            .enumerate()
            .map(|(i, Group(at, n, arrests))| {
                Group(
                    [i % 3, i % 2, at[2], 2, usize::from(i > 1), at[5]],
                    *n,
                    *arrests,
                )
            })
            .collect();
        let (sr, pe) = (Source::SchoolRecord, Source::Perceived);
        let year = Year::suppress(10, &[sr, pe], |s, a, b| {
            grids(if s == sr { &groups } else { &perceived }, a, b)
        });
        for source in [sr, pe] {
            let t = |r, c, m| year.table(source, r, c, m).expect("a source of the year");
            for (a, b) in Year::pairs() {
                for m in [Measure::Interactions, ARREST] {
                    let ab = t(a, Some(b), m);
                    assert_eq!(transpose(&t(b, Some(a), m)), ab, "{a:?} {b:?}");
                    let (ra, rb) = (t(a, None, m), t(b, None, m));
                    let column = |p: &Published| p.cells.iter().map(|c| c[0]).collect::<Vec<_>>();
                    assert_eq!(ab.row_totals, Some(column(&ra)));
                    assert_eq!(ab.col_totals, column(&rb));
                    assert_eq!(ab.total, ra.total);
                }
            }
        }
        // The offense margins and the grand total are one number in both
        // sources' answers.
        for m in [Measure::Interactions, ARREST] {
            let offense = |s| year.table(s, Dimension::Offense, None, m);
            assert_eq!(offense(sr), offense(pe));
        }
        assert_eq!(
            year.table(Source::SelfReported, Dimension::Sex, None, ARREST),
            None
        );
    }
}
