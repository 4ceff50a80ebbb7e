//! Whether a withheld number is a linear combination of published ones.

/// One equation: its terms, each with a sign (+1 or -1), sum to zero.
pub(super) type Equation = Vec<(usize, f64)>;

/// `(parts, total)` as one signed equation: the parts minus the total.
pub(super) fn signed(parts: &[usize], total: usize) -> Equation {
    parts
        .iter()
        .map(|&p| (p, 1.0))
        .chain(std::iter::once((total, -1.0)))
        .collect()
}

/// For each term, whether it is withheld and a fixed linear combination
/// of the published numbers: its unit vector lies in the row space of the
/// equations restricted to the withheld terms. One elimination answers
/// every term: in reduced row echelon form, a term is determined exactly
/// when it is a pivot whose row has nothing in the free columns (the null
/// space, which every free column spans with the pivots, never moves it).
pub(super) fn determined(eqs: &[Equation], hidden: &[bool]) -> Vec<bool> {
    let mut col = vec![None; hidden.len()];
    let mut unknown = Vec::new();
    for (t, h) in hidden.iter().enumerate() {
        if *h {
            col[t] = Some(unknown.len());
            unknown.push(t);
        }
    }
    let mut m: Vec<Vec<f64>> = eqs
        .iter()
        .map(|eq| {
            let mut row = vec![0.0; unknown.len()];
            for &(t, sign) in eq {
                if let Some(c) = col.get(t).copied().flatten() {
                    row[c] += sign;
                }
            }
            row
        })
        .filter(|row| row.iter().any(|x| *x != 0.0))
        .collect();
    let pivots = reduce(&mut m);
    let is_pivot: Vec<bool> = {
        let mut p = vec![false; unknown.len()];
        for &c in &pivots {
            p[c] = true;
        }
        p
    };
    let mut out = vec![false; hidden.len()];
    for (r, &c) in pivots.iter().enumerate() {
        let alone = m[r]
            .iter()
            .enumerate()
            .all(|(j, x)| is_pivot[j] || x.abs() < TOLERANCE);
        out[unknown[c]] = alone;
    }
    out
}

/// Below this a value is zero: the matrices hold small integers, so a
/// fixed tolerance is exact enough.
const TOLERANCE: f64 = 1e-9;

/// Reduces `m` to reduced row echelon form by Gauss-Jordan elimination
/// with partial pivoting; answers each pivot row's column, in row order.
fn reduce(m: &mut [Vec<f64>]) -> Vec<usize> {
    let cols = m.first().map_or(0, Vec::len);
    let mut pivots = Vec::new();
    let mut r = 0;
    for c in 0..cols {
        if r == m.len() {
            break;
        }
        let Some(p) = (r..m.len()).max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs())) else {
            break;
        };
        if m[p][c].abs() < TOLERANCE {
            continue;
        }
        m.swap(r, p);
        let lead = m[r][c];
        for x in m[r].iter_mut().skip(c) {
            *x /= lead;
        }
        let pivot = m[r].clone();
        for (k, row) in m.iter_mut().enumerate() {
            if k != r {
                let f = row[c];
                if f.abs() >= TOLERANCE {
                    for (x, p) in row.iter_mut().zip(&pivot).skip(c) {
                        *x -= f * p;
                    }
                }
                row[c] = 0.0;
            }
        }
        pivots.push(c);
        r += 1;
    }
    pivots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_elimination_answers_every_term() {
        // x0 + x1 = x3 and x1 + x2 = x4; x3, x4 published. Each case:
        // which terms are withheld, and which of them are determined.
        let eqs = [signed(&[0, 1], 3), signed(&[1, 2], 4)];
        let cases: [([bool; 5], [bool; 5]); 4] = [
            // Three unknowns, two sums: every one can move.
            ([true, true, true, false, false], [false; 5]),
            // x2 published: x1 = x4 - x2, then x0 = x3 - x1.
            (
                [true, true, false, false, false],
                [true, true, false, false, false],
            ),
            // x1 published: x0 and x2 each alone in a sum.
            (
                [true, false, true, false, false],
                [true, false, true, false, false],
            ),
            // Totals withheld too: x0 - x2 = x3 - x4 ties nothing alone.
            ([true, false, true, true, true], [false; 5]),
        ];
        for (hidden, want) in cases {
            assert_eq!(determined(&eqs, &hidden), want, "{hidden:?}");
        }
    }
}
