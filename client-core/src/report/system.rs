//! Published counts as an attacker reads them: equations between the
//! terms, counts that are never negative, and (beside the interactions
//! tables) no outcome above the interactions of its group. What that
//! attacker can pin down, and which further number to withhold when a
//! withheld one is pinned.

use super::cone::{Room, movable};
use super::rank::Equation;

/// An upper bound no count reaches: "no bound known".
const UNBOUNDED: i128 = 1 << 50;

/// Bounds propagation stops after this many sweeps: each sweep only
/// tightens integer bounds, and in practice they settle within a few.
const SWEEPS: usize = 64;

/// The terms of some published tables and what is known of them.
pub(super) struct System<'a> {
    /// Every equation between the terms.
    pub eqs: &'a [Equation],
    /// Every term's true value.
    pub values: &'a [u64],
    /// The most a term can be as the attacker knows it: an outcome's
    /// group's interactions (or the most the interactions tables let them
    /// be). `Some(0)` is a known zero: it discloses nothing when pinned and
    /// protects nothing when withheld.
    pub caps: &'a [Option<u64>],
    /// The least a term can be as the attacker knows it, where more than
    /// zero (empty: zero for all): a group had at least as many
    /// interactions as any outcome of it that is published, or pinned
    /// from below.
    pub floors: &'a [u64],
}

impl System<'_> {
    fn known_zero(&self, t: usize) -> bool {
        self.caps[t] == Some(0)
    }

    fn floor(&self, t: usize) -> u64 {
        self.floors.get(t).copied().unwrap_or(0)
    }

    /// Each term's range as the attacker narrows it: a published term is
    /// exact, a withheld one lies from 0 to its cap, and every equation
    /// narrows its terms by the others' ranges until nothing moves.
    pub fn ranges(&self, hidden: &[bool]) -> Vec<(i128, i128)> {
        let mut r: Vec<(i128, i128)> = (0..self.values.len())
            .map(|t| {
                if hidden[t] {
                    let floor = i128::from(self.floor(t));
                    (floor, self.caps[t].map_or(UNBOUNDED, i128::from))
                } else {
                    let v = i128::from(self.values[t]);
                    (v, v)
                }
            })
            .collect();
        for _ in 0..SWEEPS {
            let mut moved = false;
            for eq in self.eqs {
                // The range of each signed term, and of their sum.
                let part = |t: usize, s: f64, r: &[(i128, i128)]| {
                    if s > 0.0 { r[t] } else { (-r[t].1, -r[t].0) }
                };
                let (lo, hi) = eq.iter().fold((0, 0), |(lo, hi), &(t, s)| {
                    let p = part(t, s, &r);
                    (lo + p.0, hi + p.1)
                });
                for &(t, s) in eq {
                    let p = part(t, s, &r);
                    // s * x_t = -(the others), so it lies in this range.
                    let (a, b) = (-(hi - p.1), -(lo - p.0));
                    let (a, b) = if s > 0.0 { (a, b) } else { (-b, -a) };
                    let next = (r[t].0.max(a), r[t].1.min(b));
                    if next != r[t] {
                        r[t] = next;
                        moved = true;
                    }
                }
            }
            if !moved {
                break;
            }
        }
        r
    }

    /// The first withheld number the attacker pins down: narrowed to one
    /// value by the bounds, or with no room to move under the sums, counts
    /// never negative (nor below a floor) and the caps (`cone`). Known zeros are not numbers to
    /// protect.
    pub fn exposed(&self, hidden: &[bool]) -> Option<usize> {
        let ranges = self.ranges(hidden);
        let free = movable(self.eqs, hidden, |t| self.room(t), None);
        (0..hidden.len())
            .find(|&t| hidden[t] && !self.known_zero(t) && (ranges[t].0 == ranges[t].1 || !free[t]))
    }

    /// How a withheld term may move from its true value.
    fn room(&self, t: usize) -> Room {
        let v = self.values[t];
        Room {
            down: v > self.floor(t),
            up: self.caps[t] != Some(v),
        }
    }

    /// Which terms share an equation with `a`.
    fn related(&self, a: usize) -> Vec<bool> {
        let mut out = vec![false; self.values.len()];
        for eq in self.eqs.iter().filter(|eq| eq.iter().any(|&(t, _)| t == a)) {
            for &(t, _) in eq {
                out[t] = true;
            }
        }
        out
    }

    /// Whether withheld term `t` is pinned.
    fn is_pinned(&self, hidden: &[bool], t: usize) -> bool {
        let r = self.ranges(hidden)[t];
        r.0 == r.1 || !movable(self.eqs, hidden, |u| self.room(u), Some(t))[t]
    }

    /// Withholds further terms until no withheld number is pinned. Each
    /// round, for the first pinned number, the best of the terms
    /// `may_withhold` allows: one that frees it (a partner merely sharing
    /// an equation may be pinned through another, and then needs partners
    /// of its own); one whose cap leaves it room (a partner the bound pins
    /// at its cap frees nothing); non-zero; the smallest (least information
    /// lost); the first. When no one term frees it, the best that shares an
    /// equation with it. Stops only when no term is left to withhold, and
    /// then answers the number left pinned.
    pub fn protect(
        &self,
        hidden: &mut [bool],
        may_withhold: impl Fn(usize, &[bool]) -> bool,
    ) -> Option<usize> {
        // Each round withholds one more term; there are finitely many.
        while let Some(pinned) = self.exposed(hidden) {
            let open: Vec<usize> = (0..hidden.len())
                .filter(|&t| !hidden[t] && !self.known_zero(t) && may_withhold(t, hidden))
                .collect();
            let key = |t: usize| {
                let v = self.values[t];
                (self.caps[t] == Some(v), v == 0, v, t)
            };
            let frees = |t: usize| {
                let mut h = hidden.to_vec();
                h[t] = true;
                !self.is_pinned(&h, pinned)
            };
            let near = self.related(pinned);
            let related: Vec<usize> = open.iter().copied().filter(|&t| near[t]).collect();
            // Freeing partners are looked for among related terms first
            // (they usually are), then among all.
            let candidate = related
                .iter()
                .copied()
                .filter(|&t| frees(t))
                .min_by_key(|&t| key(t))
                .or_else(|| {
                    open.iter()
                        .copied()
                        .filter(|&t| !near[t] && frees(t))
                        .min_by_key(|&t| key(t))
                })
                .or_else(|| related.iter().copied().min_by_key(|&t| key(t)))
                .or_else(|| open.iter().copied().min_by_key(|&t| key(t)));
            match candidate {
                Some(t) => hidden[t] = true,
                None => return Some(pinned),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::rank::signed;

    #[test]
    fn a_cap_at_the_count_pins_a_pair() {
        // x + y = 13 published; x is 2 of 2 interactions, y 11 of 11: the
        // bounds alone give x >= 13 - 11 and x <= 2.
        let eqs = [signed(&[0, 1], 2)];
        let values = [2, 11, 13];
        let hidden = [true, true, false];
        let tight = System {
            eqs: &eqs,
            values: &values,
            caps: &[Some(2), Some(11), None],
            floors: &[],
        };
        assert_eq!(tight.ranges(&hidden)[0], (2, 2));
        assert_eq!(tight.exposed(&hidden), Some(0));
        // With room under y's cap, nothing is pinned.
        let room = System {
            eqs: &eqs,
            values: &values,
            caps: &[Some(2), Some(30), None],
            floors: &[],
        };
        assert_eq!(room.ranges(&hidden)[0], (0, 2));
        assert_eq!(room.exposed(&hidden), None);
    }

    #[test]
    fn a_partner_with_room_under_its_cap_is_chosen() {
        // 3 + 11 + 12 = 26: the 3 is small. The 11 is the smallest partner,
        // but every one of its group's interactions had the outcome.
        let eqs = [signed(&[0, 1, 2], 3)];
        let values = [3, 11, 12, 26];
        let caps = [Some(3), Some(11), Some(40), None];
        let s = System {
            eqs: &eqs,
            values: &values,
            caps: &caps,
            floors: &[],
        };
        let mut hidden = [true, false, false, false];
        s.protect(&mut hidden, |_, _| true);
        assert_eq!(hidden, [true, false, true, false]);
    }
}
