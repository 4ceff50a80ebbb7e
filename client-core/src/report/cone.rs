//! Which withheld numbers a reader cannot pin down: those the published
//! sums leave room to move. Linear rank alone is not enough, because counts
//! are never negative (nor, beside the interactions tables, above their
//! group's interactions): two withheld zeros whose published neighbours
//! already make their row's total can only be zero, although no equation
//! names either alone.
//!
//! Exactly: the true values are one solution. A withheld number can take
//! another value if and only if some direction keeps every sum true, raises
//! no zero-valued term below zero, pushes no term at its cap above it, and
//! changes that number. With no term at a bound every direction of the
//! sums' null space qualifies, and rank decides; otherwise a small linear
//! programme (`microlp`) finds such a direction or proves there is none.

use super::rank::{Equation, determined};
use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOutcome};

/// How a withheld term may move from its true value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Room {
    /// It may go down (it is above zero).
    pub down: bool,
    /// It may go up (it is below its cap).
    pub up: bool,
}

/// A step this small counts as no move (the programmes hold small integers).
const EPS: f64 = 1e-6;

/// For each term, whether it is withheld and can move. `only`, when given,
/// asks about that one term (the others may be answered `false`).
pub(super) fn movable(
    eqs: &[Equation],
    hidden: &[bool],
    room: impl Fn(usize) -> Room,
    only: Option<usize>,
) -> Vec<bool> {
    let unknown: Vec<usize> = (0..hidden.len()).filter(|&t| hidden[t]).collect();
    let mut free = vec![false; hidden.len()];
    let asked = |t: usize| only.is_none_or(|o| o == t);
    let rooms: Vec<Room> = unknown.iter().map(|&t| room(t)).collect();
    if rooms.iter().all(|r| r.down && r.up) {
        let fixed = determined(eqs, hidden);
        for &t in unknown.iter().filter(|&&t| asked(t)) {
            free[t] = !fixed[t];
        }
        return free;
    }
    let mut at = vec![None; hidden.len()];
    for (j, &t) in unknown.iter().enumerate() {
        at[t] = Some(j);
    }
    let var = |t: usize| at.get(t).copied().flatten();
    for (k, &t) in unknown.iter().enumerate() {
        if free[t] || !asked(t) {
            continue;
        }
        let ways = [
            (OptimizationDirection::Maximize, rooms[k].up),
            (OptimizationDirection::Minimize, rooms[k].down),
        ];
        for (dir, open) in ways {
            if !open || free[t] {
                continue;
            }
            let Some(step) = direction(eqs, &rooms, &var, k, dir) else {
                continue;
            };
            if step[k].abs() > EPS {
                // Every term this direction moves is free too.
                for (j, d) in step.iter().enumerate() {
                    if d.abs() > EPS {
                        free[unknown[j]] = true;
                    }
                }
            }
        }
    }
    free
}

/// The direction (one step per withheld term, each within -1..1) that moves
/// term `k` furthest in `dir` while keeping every sum and bound; `None` if
/// the programme fails, which is read as "cannot move" (withholding more is
/// the safe side).
fn direction(
    eqs: &[Equation],
    rooms: &[Room],
    var: &impl Fn(usize) -> Option<usize>,
    k: usize,
    dir: OptimizationDirection,
) -> Option<Vec<f64>> {
    let mut lp = Problem::new(dir);
    let vars: Vec<_> = rooms
        .iter()
        .enumerate()
        .map(|(j, r)| {
            let lo = if r.down { -1.0 } else { 0.0 };
            let hi = if r.up { 1.0 } else { 0.0 };
            lp.add_var(if j == k { 1.0 } else { 0.0 }, (lo, hi))
        })
        .collect();
    for eq in eqs {
        let expr: Vec<_> = eq
            .iter()
            .filter_map(|&(t, s)| var(t).map(|j| (vars[j], s)))
            .collect();
        if !expr.is_empty() {
            lp.add_constraint(expr.as_slice(), ComparisonOp::Eq, 0.0);
        }
    }
    match lp.solve() {
        Ok(SolveOutcome::Solution(s)) => Some(vars.iter().map(|&v| s[v]).collect()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::rank::signed;

    fn room_of(values: &[u64]) -> impl Fn(usize) -> Room + '_ {
        |t| Room {
            down: values[t] > 0,
            up: true,
        }
    }

    #[test]
    fn which_withheld_numbers_can_move() {
        // Terms 0..3 are a row, 3 its total. Each case: values, withheld,
        // and which withheld terms can move.
        let eqs = [signed(&[0, 1, 2], 3)];
        let cases: [(&[u64], [bool; 4], [bool; 4]); 4] = [
            // Two withheld positives share the slack.
            (
                &[3, 40, 12, 55],
                [true, false, true, false],
                [true, false, true, false],
            ),
            // Two withheld zeros beside a published 52 of 52: both zero.
            (&[0, 52, 0, 52], [true, false, true, false], [false; 4]),
            // A zero and a positive: the zero may rise as the other falls.
            (
                &[0, 40, 12, 52],
                [true, false, true, false],
                [true, false, true, false],
            ),
            // Alone in its row: rank pins it.
            (&[3, 40, 12, 55], [true, false, false, false], [false; 4]),
        ];
        for (values, hidden, want) in cases {
            let got = movable(&eqs, &hidden, room_of(values), None);
            assert_eq!(got, want, "{values:?} {hidden:?}");
        }
    }

    #[test]
    fn a_zero_pinned_through_several_sums() {
        // CI's second counterexample, reduced. Terms: x00 x02 x20 x22, the
        // withheld row totals r0 r2, the published column total c2 and
        // grand total g. r0 + r2 = g = c2 = x02 + x22, so x00 + x20 = 0:
        // both zeros are pinned although no one sum names them alone,
        // while the others still move.
        let eqs = [
            signed(&[0, 1], 4),
            signed(&[2, 3], 5),
            signed(&[1, 3], 6),
            signed(&[4, 5], 7),
        ];
        let hidden = [true, true, true, true, true, true, false, false];
        let values = [0, 1, 0, 10, 1, 10, 11, 11];
        let got = movable(&eqs, &hidden, room_of(&values), None);
        assert_eq!(got, [false, true, false, true, true, true, false, false]);
        // With x20 at 3 (and r2, g 3 more) the zeros have room.
        let values = [0, 1, 3, 10, 1, 13, 11, 14];
        let got = movable(&eqs, &hidden, room_of(&values), None);
        assert!(got[0] && got[2], "{got:?}");
    }
}
