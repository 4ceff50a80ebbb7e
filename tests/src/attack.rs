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
