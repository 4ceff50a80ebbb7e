//! An attacker on published report tables: from the published numbers and
//! the table's sums alone (every interior row adds up to its row total,
//! every column to its column total, the totals to the grand total), the
//! smallest and largest value each withheld number can take, as integers
//! that are not negative. A withheld number whose smallest and largest value
//! agree has been recovered.
//!
//! Written independently of client-core's suppression (its own equations,
//! and an integer programme from `microlp` rather than linear algebra), so
//! the two cannot share a mistake.

use client_core::report::Published;
use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOutcome};

/// A withheld number the attacker pinned down: where it is, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovered {
    pub what: String,
    pub value: f64,
}

enum Term {
    Known(f64),
    Var(usize),
}

/// Every withheld number of `p` that the published numbers determine.
pub fn recover(p: &Published) -> Vec<Recovered> {
    let rows = p.cells.len();
    let cols = p.cells.first().map_or(0, Vec::len);
    let mut names = Vec::new();
    let mut term = |c: &client_core::report::Cell, name: String| match c.count {
        Some(n) => Term::Known(n as f64),
        None => {
            names.push(name);
            Term::Var(names.len() - 1)
        }
    };
    let cells: Vec<Vec<Term>> = (0..rows)
        .map(|r| {
            (0..cols)
                .map(|c| term(&p.cells[r][c], format!("cell[{r}][{c}]")))
                .collect()
        })
        .collect();
    let row_totals: Option<Vec<Term>> = p.row_totals.as_ref().map(|rt| {
        rt.iter()
            .enumerate()
            .map(|(r, c)| term(c, format!("row_total[{r}]")))
            .collect()
    });
    let col_totals: Vec<Term> = p
        .col_totals
        .iter()
        .enumerate()
        .map(|(c, x)| term(x, format!("col_total[{c}]")))
        .collect();
    let grand = term(&p.total, "total".into());
    // (parts, total)
    let mut eqs: Vec<(Vec<&Term>, &Term)> = Vec::new();
    for (c, total) in col_totals.iter().enumerate() {
        eqs.push(((0..rows).map(|r| &cells[r][c]).collect(), total));
    }
    eqs.push((col_totals.iter().collect(), &grand));
    if let Some(rt) = &row_totals {
        for (r, total) in rt.iter().enumerate() {
            eqs.push((cells[r].iter().collect(), total));
        }
        eqs.push((rt.iter().collect(), &grand));
    }
    let n = names.len();
    let mut out = Vec::new();
    for (target, name) in names.iter().enumerate() {
        let mut bounds = [0.0f64; 2];
        for (k, dir) in [
            OptimizationDirection::Minimize,
            OptimizationDirection::Maximize,
        ]
        .into_iter()
        .enumerate()
        {
            let mut lp = Problem::new(dir);
            let vars: Vec<_> = (0..n)
                .map(|i| lp.add_integer_var(if i == target { 1.0 } else { 0.0 }, (0, 1_000_000)))
                .collect();
            for (parts, total) in &eqs {
                let mut rhs = 0.0;
                let mut expr = Vec::new();
                for (t, sign) in parts.iter().map(|t| (*t, 1.0)).chain([(*total, -1.0)]) {
                    match t {
                        Term::Known(v) => rhs -= sign * v,
                        Term::Var(i) => expr.push((vars[*i], sign)),
                    }
                }
                if !expr.is_empty() {
                    lp.add_constraint(expr.as_slice(), ComparisonOp::Eq, rhs);
                }
            }
            bounds[k] = match lp.solve() {
                Ok(SolveOutcome::Solution(s)) => s.objective(),
                other => panic!("the published table has no solution: {other:?}"),
            };
        }
        if (bounds[1] - bounds[0]).abs() < 0.5 {
            out.push(Recovered {
                what: name.clone(),
                value: bounds[0],
            });
        }
    }
    out
}

/// One published table as an attacker holding several answers reads it:
/// what its rows and columns count, so that the same number appearing in two
/// tables (a one-way table's cell and a two-way table's row total, or the
/// same table asked for in two orders) is one unknown.
#[derive(Debug, Clone)]
pub struct Labelled {
    pub published: Published,
    /// What the answer was about, e.g. the school year and the source.
    pub scope: String,
    /// `interactions` or an outcome.
    pub measure: String,
    /// The row dimension and its categories.
    pub rows: (String, Vec<String>),
    /// The column dimension and its categories; `None` for a one-way table.
    pub cols: Option<(String, Vec<String>)>,
}

/// Dimensions that describe the record rather than the student: a count
/// broken down only by them is the same whichever source's demographics
/// the answer was about, so it is one unknown across sources.
const RECORD_DIMENSIONS: &[&str] = &["offense"];

/// What one number counts: scope (unless only record dimensions
/// constrain it), measure, and the categories it is restricted to.
fn key(scope: &str, measure: &str, mut constraints: Vec<(&str, &str)>) -> String {
    constraints.sort();
    let scoped = constraints
        .iter()
        .any(|(d, _)| !RECORD_DIMENSIONS.contains(d));
    let parts: Vec<String> = constraints
        .iter()
        .map(|(d, c)| format!("{d}={c}"))
        .collect();
    format!(
        "{}|{measure}|{}",
        if scoped { scope } else { "*" },
        parts.join("&")
    )
}

/// Outcomes every one of which is also another (as the CRDC defines them,
/// written out here rather than taken from client-core): an arrest or a
/// citation is a referral, a physical or mechanical restraint a restraint.
pub const WITHIN: [(&str, &str); 4] = [
    ("arrest", "referral_to_law_enforcement"),
    ("citation", "referral_to_law_enforcement"),
    ("physical_restraint", "restraint"),
    ("mechanical_restraint", "restraint"),
];

/// Outcomes that are exactly the union of others: every restraint is
/// physical or mechanical, so a group's restraints are at most the two
/// together.
pub const MADE_OF: [(&str, [&str; 2]); 1] =
    [("restraint", ["physical_restraint", "mechanical_restraint"])];

/// Every number withheld in some of `tables` that the attacker pins down
/// from all of them together: each table's sums, the same number shared
/// between tables, counts not negative, and no outcome count above the
/// interactions of the same group (a search is an interaction). Give it
/// any two answers, or every answer at once (stronger: more equations can
/// only narrow the range).
pub fn recover_joint(tables: &[Labelled]) -> Vec<Recovered> {
    recover_joint_with(tables, true)
}

/// `recover_joint`, with or without the bounds between measures: an
/// outcome by its interactions and by the outcome that contains it (an
/// arrest is a referral), and a restraint by its physical and mechanical
/// ones together; without them, the attacker uses only the tables' sums.
pub fn recover_joint_with(
    tables: &[Labelled],
    outcome_at_most_interactions: bool,
) -> Vec<Recovered> {
    // key -> published value, if any table publishes it.
    let mut known: std::collections::BTreeMap<String, f64> = Default::default();
    let mut all: std::collections::BTreeSet<String> = Default::default();
    // Per table: each term's key, in `recover`'s order, and the equations.
    let mut eqs: Vec<(Vec<String>, String)> = Vec::new();
    for t in tables {
        let p = &t.published;
        let (rd, rcats) = (&t.rows.0, &t.rows.1);
        let k = |c: Vec<(&str, &str)>| key(&t.scope, &t.measure, c);
        let mut note = |key: String, c: &client_core::report::Cell| {
            if let Some(n) = c.count {
                let n = n as f64;
                let was = known.insert(key.clone(), n);
                assert!(
                    was.is_none_or(|w| w == n),
                    "{key} published as {was:?} and {n}"
                );
            }
            all.insert(key.clone());
            key
        };
        let grand = note(k(vec![]), &p.total);
        match &t.cols {
            None => {
                let cells: Vec<String> = rcats
                    .iter()
                    .zip(&p.cells)
                    .map(|(r, row)| note(k(vec![(rd, r)]), &row[0]))
                    .collect();
                eqs.push((cells, grand));
            }
            Some((cd, ccats)) => {
                let mut row_keys = Vec::new();
                let mut cols: Vec<Vec<String>> = vec![Vec::new(); ccats.len()];
                for (i, r) in rcats.iter().enumerate() {
                    let mut parts = Vec::new();
                    for (j, c) in ccats.iter().enumerate() {
                        let key = note(k(vec![(rd, r), (cd, c)]), &p.cells[i][j]);
                        cols[j].push(key.clone());
                        parts.push(key);
                    }
                    let rt = p
                        .row_totals
                        .as_ref()
                        .expect("a two-way table has row totals");
                    let total = note(k(vec![(rd, r)]), &rt[i]);
                    eqs.push((parts, total.clone()));
                    row_keys.push(total);
                }
                let mut col_keys = Vec::new();
                for (j, c) in ccats.iter().enumerate() {
                    let total = note(k(vec![(cd, c)]), &p.col_totals[j]);
                    eqs.push((cols[j].clone(), total.clone()));
                    col_keys.push(total);
                }
                eqs.push((row_keys, grand.clone()));
                eqs.push((col_keys, grand));
            }
        }
    }
    let hidden: Vec<&String> = all.iter().filter(|k| !known.contains_key(*k)).collect();
    let index: std::collections::HashMap<&String, usize> =
        hidden.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    // outcome <= interactions of the same group, and <= the outcome it is
    // within (`WITHIN`); where either is withheld.
    let mut at_most: Vec<(String, String)> = Vec::new();
    for k in &all {
        let mut parts = k.splitn(3, '|');
        let (scope, measure, group) = (parts.next(), parts.next(), parts.next());
        if let (Some(scope), Some(measure), Some(group)) = (scope, measure, group) {
            if !outcome_at_most_interactions || measure == "interactions" {
                continue;
            }
            let parents = WITHIN
                .iter()
                .filter(|(m, _)| *m == measure)
                .map(|(_, p)| *p)
                .chain(["interactions"]);
            for parent in parents {
                let base = format!("{scope}|{parent}|{group}");
                if all.contains(&base) && (index.contains_key(k) || index.contains_key(&base)) {
                    at_most.push((k.clone(), base));
                }
            }
        }
    }
    // restraint <= physical + mechanical of the same group (`MADE_OF`).
    let mut at_most_sum: Vec<(String, [String; 2])> = Vec::new();
    for k in &all {
        let mut parts = k.splitn(3, '|');
        let (scope, measure, group) = (parts.next(), parts.next(), parts.next());
        if let (Some(scope), Some(measure), Some(group)) = (scope, measure, group) {
            for (_, of) in MADE_OF.iter().filter(|(w, _)| *w == measure) {
                let of = of.map(|p| format!("{scope}|{p}|{group}"));
                if outcome_at_most_interactions
                    && of.iter().all(|p| all.contains(p))
                    && (index.contains_key(k) || of.iter().any(|p| index.contains_key(p)))
                {
                    at_most_sum.push((k.clone(), of));
                }
            }
        }
    }
    // The smallest and largest value each unknown took in any solution found
    // so far: one that took two values is not recovered, so most need no
    // solve of their own (every solution shows every unknown's value).
    let mut seen: Vec<(f64, f64)> = vec![(f64::INFINITY, f64::NEG_INFINITY); hidden.len()];
    let mut out = Vec::new();
    for (target, name) in hidden.iter().enumerate() {
        for dir in [
            OptimizationDirection::Minimize,
            OptimizationDirection::Maximize,
        ] {
            if seen[target].1 - seen[target].0 > 0.5 {
                break;
            }
            let mut lp = Problem::new(dir);
            let vars: Vec<_> = (0..hidden.len())
                .map(|i| lp.add_integer_var(if i == target { 1.0 } else { 0.0 }, (0, 1_000_000)))
                .collect();
            let mut linear = |terms: &[(&String, f64)], op: ComparisonOp| {
                let mut rhs = 0.0;
                let mut expr = Vec::new();
                for (key, sign) in terms {
                    match index.get(key) {
                        Some(&i) => expr.push((vars[i], *sign)),
                        None => rhs -= sign * known[*key],
                    }
                }
                if !expr.is_empty() {
                    lp.add_constraint(expr.as_slice(), op, rhs);
                }
            };
            for (parts, total) in &eqs {
                let terms: Vec<(&String, f64)> = parts
                    .iter()
                    .map(|p| (p, 1.0))
                    .chain([(total, -1.0)])
                    .collect();
                linear(&terms, ComparisonOp::Eq);
            }
            for (o, base) in &at_most {
                linear(&[(o, 1.0), (base, -1.0)], ComparisonOp::Le);
            }
            for (whole, [a, b]) in &at_most_sum {
                linear(&[(whole, 1.0), (a, -1.0), (b, -1.0)], ComparisonOp::Le);
            }
            match lp.solve() {
                Ok(SolveOutcome::Solution(s)) => {
                    for (v, range) in vars.iter().zip(seen.iter_mut()) {
                        let x = s.var_value(*v).round();
                        *range = (range.0.min(x), range.1.max(x));
                    }
                }
                other => panic!("the published tables have no solution: {other:?}"),
            }
        }
        // Both the smallest and the largest were solved for, and agree.
        if seen[target].1 - seen[target].0 < 0.5 {
            out.push(Recovered {
                what: (*name).clone(),
                value: seen[target].0,
            });
        }
    }
    out
}
