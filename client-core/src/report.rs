//! Disaggregated reporting (DOMAIN.md section 6): the reporting categories a
//! record's values fall into, the outcomes counted, and small-cell
//! suppression with complementary suppression.
//!
//! The unit is a student interaction: one student in one submitted record,
//! described by one source (perceived or school record; never both mixed).
//! Sexual orientation and gender identity are not a dimension: they are never
//! projected for reporting, so no table can cross-tabulate them.

use crate::closed_set;
use crate::record::Demographics;
use crate::vocabulary::{ActionTaken, Category, Disability, EnglishLearner, Race, Sex};
use serde::{Deserialize, Serialize};

closed_set!(
    /// The seven federal race/ethnicity reporting categories (Hispanic or
    /// Latino of any race first, then one race, then two or more), plus
    /// unknown when nothing was recorded.
    RaceEthnicity {
        HispanicLatino = "hispanic_latino",
        AmericanIndianAlaskaNative = "american_indian_alaska_native", Asian = "asian",
        Black = "black", NativeHawaiianPacificIslander = "native_hawaiian_pacific_islander",
        White = "white", TwoOrMore = "two_or_more", Unknown = "unknown",
    }
);

impl RaceEthnicity {
    pub fn of(d: &Demographics) -> Self {
        if d.hispanic_latino == Some(true) {
            return Self::HispanicLatino;
        }
        match d.race.as_slice() {
            [] => Self::Unknown,
            [one] => match one {
                Race::AmericanIndianAlaskaNative => Self::AmericanIndianAlaskaNative,
                Race::Asian => Self::Asian,
                Race::Black => Self::Black,
                Race::NativeHawaiianPacificIslander => Self::NativeHawaiianPacificIslander,
                Race::White => Self::White,
            },
            many if many.iter().all(|r| *r == many[0]) => Self::of(&Demographics {
                race: vec![many[0]],
                ..d.clone()
            }),
            _ => Self::TwoOrMore,
        }
    }
}

closed_set!(
    /// Age bands: elementary, middle and high school ages, and adults.
    AgeBand {
        UpTo10 = "10_and_under", From11To13 = "11_13", From14To15 = "14_15",
        From16To17 = "16_17", From18 = "18_and_over", Unknown = "unknown",
    }
);

impl AgeBand {
    pub fn of(age: Option<u8>) -> Self {
        match age {
            None => Self::Unknown,
            Some(0..=10) => Self::UpTo10,
            Some(11..=13) => Self::From11To13,
            Some(14..=15) => Self::From14To15,
            Some(16..=17) => Self::From16To17,
            Some(_) => Self::From18,
        }
    }
}

closed_set!(
    /// What a report counts besides the interactions themselves.
    Outcome {
        Search = "search", Citation = "citation",
        ReferralToLawEnforcement = "referral_to_law_enforcement", Arrest = "arrest",
        Restraint = "restraint", PhysicalRestraint = "physical_restraint",
        MechanicalRestraint = "mechanical_restraint", UseOfForce = "use_of_force",
    }
);

impl Outcome {
    /// Whether a record with `actions` counts toward this outcome, as the
    /// Civil Rights Data Collection defines them: a referral to law
    /// enforcement includes citations, court referrals and every arrest (an
    /// arrest is always also a referral); handcuffs are recorded as mechanical
    /// restraint; restraint is physical or mechanical.
    pub fn in_actions(self, actions: &[ActionTaken]) -> bool {
        use ActionTaken as A;
        actions.iter().any(|a| match self {
            Self::Search => matches!(a, A::SearchPerson | A::SearchProperty),
            Self::Citation => *a == A::Citation,
            Self::ReferralToLawEnforcement => {
                matches!(a, A::Citation | A::CourtReferral | A::Arrest)
            }
            Self::Arrest => *a == A::Arrest,
            Self::Restraint => matches!(a, A::PhysicalRestraint | A::MechanicalRestraint),
            Self::PhysicalRestraint => *a == A::PhysicalRestraint,
            Self::MechanicalRestraint => *a == A::MechanicalRestraint,
            Self::UseOfForce => *a == A::UseOfForce,
        })
    }
}

closed_set!(
    /// What a report can be broken down by.
    Dimension {
        RaceEthnicity = "race_ethnicity", Sex = "sex", AgeBand = "age_band",
        Disability = "disability", EnglishLearner = "english_learner", Offense = "offense",
    }
);

impl Dimension {
    /// Every category of the dimension, in a fixed order, so a table always
    /// has the same rows (an absent row would itself say "zero").
    pub fn categories(self) -> Vec<&'static str> {
        fn all<T: Copy>(xs: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
            xs.iter().map(|x| f(*x)).collect()
        }
        match self {
            Self::RaceEthnicity => all(RaceEthnicity::ALL, RaceEthnicity::as_str),
            Self::Sex => all(Sex::ALL, Sex::as_str),
            Self::AgeBand => all(AgeBand::ALL, AgeBand::as_str),
            Self::Disability => all(Disability::ALL, Disability::as_str),
            Self::EnglishLearner => all(EnglishLearner::ALL, EnglishLearner::as_str),
            Self::Offense => {
                let mut v = all(Category::ALL, Category::as_str);
                v.push(UNKNOWN);
                v
            }
        }
    }
}

impl Dimension {
    /// Whether a two-way table by `(self, other)` is suppressed as it
    /// stands; otherwise it is suppressed transposed. `by=a,b` and `by=b,a`
    /// are then one table seen two ways: complementary suppression breaks
    /// ties by position, so suppressing both orientations could withhold
    /// different cells, and the two answers together would unlock both.
    pub fn leads(self, other: Self) -> bool {
        let at = |d: Self| Self::ALL.iter().position(|x| *x == d);
        at(self) < at(other)
    }
}

/// The category of a value that was not recorded.
pub const UNKNOWN: &str = "unknown";

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
struct Layout {
    rows: usize,
    cols: usize,
}

impl Layout {
    /// Terms: interior cells row-major, then row totals (when more than one
    /// column), then column totals, then the grand total.
    fn terms(&self) -> usize {
        self.rows * self.cols + self.row_total_count() + self.cols + 1
    }
    fn row_total_count(&self) -> usize {
        if self.cols > 1 { self.rows } else { 0 }
    }
    fn cell(&self, r: usize, c: usize) -> usize {
        r * self.cols + c
    }
    fn row_total(&self, r: usize) -> usize {
        self.rows * self.cols + r
    }
    fn col_total(&self, c: usize) -> usize {
        self.rows * self.cols + self.row_total_count() + c
    }
    fn grand(&self) -> usize {
        self.terms() - 1
    }

    /// Each equation as (parts, total).
    fn equations(&self) -> Vec<(Vec<usize>, usize)> {
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

    /// Every term's value, in term order.
    fn values(&self, cells: &[Vec<u64>]) -> Vec<u64> {
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
    // Each round withholds at least one more cell; there are finitely many.
    while let Some(exposed) =
        (0..values.len()).find(|&i| hidden[i] && determined(&eqs, &hidden, i, values.len()))
    {
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
    let cell = |i: usize| Cell {
        count: (!hidden[i]).then_some(values[i]),
        suppressed: hidden[i],
    };
    Published {
        cells: (0..rows)
            .map(|r| (0..cols).map(|c| cell(layout.cell(r, c))).collect())
            .collect(),
        row_totals: (cols > 1).then(|| (0..rows).map(|r| cell(layout.row_total(r))).collect()),
        col_totals: (0..cols).map(|c| cell(layout.col_total(c))).collect(),
        total: cell(layout.grand()),
    }
}

/// Suppresses a table by `rows` (and `cols`, when two-way) in the one
/// orientation `Dimension::leads` chooses, and hands it back in the order
/// asked for. Every published table goes through here (JSON, CSV, CRDC).
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

fn transposed<T: Copy>(m: &[Vec<T>]) -> Vec<Vec<T>> {
    let cols = m.first().map_or(0, Vec::len);
    (0..cols)
        .map(|c| m.iter().map(|r| r[c]).collect())
        .collect()
}

fn transpose(p: &Published) -> Published {
    Published {
        cells: transposed(&p.cells),
        row_totals: Some(p.col_totals.clone()),
        col_totals: p.row_totals.clone().unwrap_or_default(),
        total: p.total,
    }
}

/// Whether withheld term `i` is a fixed linear combination of the published
/// numbers: true when its unit vector lies in the row space of the equations
/// restricted to the withheld terms.
fn determined(eqs: &[(Vec<usize>, usize)], hidden: &[bool], i: usize, terms: usize) -> bool {
    let unknown: Vec<usize> = (0..terms).filter(|&t| hidden[t]).collect();
    let col = |t: usize| unknown.iter().position(|&u| u == t);
    let mut m: Vec<Vec<f64>> = eqs
        .iter()
        .map(|(parts, total)| {
            let mut row = vec![0.0; unknown.len()];
            for &p in parts {
                if let Some(c) = col(p) {
                    row[c] += 1.0;
                }
            }
            if let Some(c) = col(*total) {
                row[c] -= 1.0;
            }
            row
        })
        .filter(|row| row.iter().any(|x| *x != 0.0))
        .collect();
    let before = rank(&mut m.clone());
    let mut unit = vec![0.0; unknown.len()];
    if let Some(c) = col(i) {
        unit[c] = 1.0;
    }
    m.push(unit);
    rank(&mut m) == before
}

/// Rank by Gaussian elimination with partial pivoting; the matrices hold
/// small integers, so a fixed tolerance is exact enough.
fn rank(m: &mut [Vec<f64>]) -> usize {
    let cols = m.first().map_or(0, Vec::len);
    let mut r = 0;
    for c in 0..cols {
        let Some(p) = (r..m.len()).max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs())) else {
            break;
        };
        if m[p][c].abs() < 1e-9 {
            continue;
        }
        m.swap(r, p);
        for k in 0..m.len() {
            if k != r {
                let f = m[k][c] / m[r][c];
                if f != 0.0 {
                    let pivot = m[r].clone();
                    for (x, p) in m[k].iter_mut().zip(&pivot).skip(c) {
                        *x -= f * p;
                    }
                }
            }
        }
        r += 1;
        if r == m.len() {
            break;
        }
    }
    r
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
    fn race_ethnicity_follows_the_federal_order() {
        let d = |race: Vec<Race>, h: Option<bool>| Demographics {
            race,
            hispanic_latino: h,
            ..Demographics::default()
        };
        assert_eq!(
            RaceEthnicity::of(&d(vec![Race::Black], Some(true))),
            RaceEthnicity::HispanicLatino
        );
        assert_eq!(
            RaceEthnicity::of(&d(vec![Race::Black, Race::White], None)),
            RaceEthnicity::TwoOrMore
        );
        assert_eq!(
            RaceEthnicity::of(&d(vec![Race::Asian], Some(false))),
            RaceEthnicity::Asian
        );
        assert_eq!(RaceEthnicity::of(&d(vec![], None)), RaceEthnicity::Unknown);
    }

    #[test]
    fn every_arrest_is_a_referral_and_handcuffs_are_restraint() {
        let a = [ActionTaken::Arrest];
        assert!(Outcome::ReferralToLawEnforcement.in_actions(&a));
        assert!(!Outcome::Citation.in_actions(&a));
        let m = [ActionTaken::MechanicalRestraint];
        assert!(Outcome::Restraint.in_actions(&m));
        assert!(Outcome::MechanicalRestraint.in_actions(&m));
        assert!(!Outcome::PhysicalRestraint.in_actions(&m));
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
