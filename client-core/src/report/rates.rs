//! Shares and rates of published counts: a rate is published only where
//! both its counts are, so it never says more than the counts beside it.

use super::Cell;

/// `part` of `whole` in whole percent, where both are published and the
/// whole is not empty; rounded half up.
pub fn percent(part: Cell, whole: Cell) -> Option<u64> {
    match (part.count, whole.count) {
        (Some(p), Some(w)) if w > 0 => Some((p * 200 + w) / (w * 2)),
        _ => None,
    }
}

/// `part` per 100 of `whole`, to one decimal, on the same terms.
pub fn per_100(part: Cell, whole: Cell) -> Option<f64> {
    match (part.count, whole.count) {
        (Some(k), Some(n)) if n > 0 => Some((k as f64 * 1000.0 / n as f64).round() / 10.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(n: u64) -> Cell {
        Cell {
            count: Some(n),
            suppressed: false,
        }
    }
    const HIDDEN: Cell = Cell {
        count: None,
        suppressed: true,
    };

    #[test]
    fn shares_are_whole_percent_of_published_counts() {
        let cases = [
            (shown(40), shown(100), Some(40)),
            (shown(1), shown(3), Some(33)),
            (shown(2), shown(3), Some(67)),
            (shown(1), shown(200), Some(1)),
            (shown(1), shown(201), Some(0)),
            (shown(0), shown(0), None),
            (HIDDEN, shown(100), None),
            (shown(10), HIDDEN, None),
        ];
        for (part, whole, want) in cases {
            assert_eq!(percent(part, whole), want, "{part:?} of {whole:?}");
        }
    }

    #[test]
    fn rates_are_per_100_to_one_decimal_of_published_counts() {
        let cases = [
            (shown(13), shown(40), Some(32.5)),
            (shown(1), shown(3), Some(33.3)),
            (shown(0), shown(12), Some(0.0)),
            (shown(0), shown(0), None),
            (HIDDEN, shown(100), None),
            (shown(10), HIDDEN, None),
        ];
        for (part, whole, want) in cases {
            assert_eq!(per_100(part, whole), want, "{part:?} of {whole:?}");
        }
    }
}
