//! Small-cell suppression against an attacker (`fieldlog_tests::attack`):
//! on thousands of generated tables, one- and two-way, with many small
//! counts, no withheld number can be worked out from the published ones.
//! The report story runs the same attacker on the server's real tables.

use client_core::report::{DEFAULT_THRESHOLD, suppress};
use fieldlog_tests::attack::recover;
use proptest::prelude::*;

/// Counts skewed toward the small: a third zero, a third 1-9, a third larger.
fn count() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), 1u64..10, 10u64..60]
}

fn table(max_rows: usize, max_cols: usize) -> impl Strategy<Value = Vec<Vec<u64>>> {
    (2..=max_rows, 1..=max_cols)
        .prop_flat_map(|(r, c)| proptest::collection::vec(proptest::collection::vec(count(), c), r))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_withheld_number_can_be_recovered(cells in table(8, 4)) {
        let p = suppress(&cells, DEFAULT_THRESHOLD);
        let found = recover(&p);
        prop_assert!(found.is_empty(), "recovered {found:?} from {p:?} (counts {cells:?})");
        // And nothing from 1 to 9 is published.
        for (r, row) in cells.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if (1..DEFAULT_THRESHOLD).contains(v) {
                    prop_assert!(p.cells[r][c].suppressed);
                }
            }
        }
    }
}

/// The attacker is not toothless: withholding one small cell alone, it
/// recovers that cell from the total.
#[test]
fn the_attacker_recovers_a_lone_withheld_cell() {
    let mut p = suppress(&[vec![30], vec![40], vec![25]], DEFAULT_THRESHOLD);
    p.cells[0][0].count = None;
    p.cells[0][0].suppressed = true;
    let found = recover(&p);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].value, 30.0);
}

/// Nor blind to two-way structure: a withheld pair in one row, each alone in
/// its column, is recovered from the column totals.
#[test]
fn the_attacker_uses_column_totals() {
    let mut p = suppress(
        &[vec![30, 40], vec![25, 35], vec![50, 60]],
        DEFAULT_THRESHOLD,
    );
    for c in 0..2 {
        p.cells[0][c].count = None;
        p.cells[0][c].suppressed = true;
    }
    assert_eq!(recover(&p).len(), 2);
}
