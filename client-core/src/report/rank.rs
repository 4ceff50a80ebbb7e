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

/// Whether withheld term `i` is a fixed linear combination of the published
/// numbers: true when its unit vector lies in the row space of the equations
/// restricted to the withheld terms.
pub(super) fn determined(eqs: &[Equation], hidden: &[bool], i: usize) -> bool {
    let unknown: Vec<usize> = (0..hidden.len()).filter(|&t| hidden[t]).collect();
    let col = |t: usize| unknown.iter().position(|&u| u == t);
    let mut m: Vec<Vec<f64>> = eqs
        .iter()
        .map(|eq| {
            let mut row = vec![0.0; unknown.len()];
            for &(t, sign) in eq {
                if let Some(c) = col(t) {
                    row[c] += sign;
                }
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
