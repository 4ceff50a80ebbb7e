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

/// Across answers: the two orders of a two-way table, each suppressed as
/// it stands, withhold different cells (ties are broken by position), and
/// an attacker holding both recovers withheld numbers; suppressed in one
/// order (`suppress_by`), the pair gives nothing away.
#[test]
fn the_two_orders_of_a_table_cannot_unlock_each_other() {
    use client_core::report::{Dimension, suppress_by};
    use fieldlog_tests::attack::{Labelled, recover_joint_with};
    let (a, b) = (Dimension::RaceEthnicity, Dimension::Sex);
    let label = |p, rows: (Dimension, usize), cols: (Dimension, usize)| Labelled {
        published: p,
        scope: "year".into(),
        measure: "interactions".into(),
        rows: (
            rows.0.as_str().into(),
            (0..rows.1).map(|i| i.to_string()).collect(),
        ),
        cols: Some((
            cols.0.as_str().into(),
            (0..cols.1).map(|i| i.to_string()).collect(),
        )),
    };
    let t = |m: &[Vec<u64>]| -> Vec<Vec<u64>> {
        (0..m[0].len())
            .map(|c| m.iter().map(|r| r[c]).collect())
            .collect()
    };
    // Small deterministic tables; at least one must show the old leak.
    let mut leaks = 0;
    let mut seed = 7u64;
    for _ in 0..300 {
        let cells: Vec<Vec<u64>> = (0..4)
            .map(|_| {
                (0..3)
                    .map(|_| {
                        seed = seed
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        [0, 1, 3, 12, 12, 20, 20, 30][(seed >> 60) as usize % 8]
                    })
                    .collect()
            })
            .collect();
        let pair = |ab, ba| {
            recover_joint_with(
                &[label(ab, (a, 4), (b, 3)), label(ba, (b, 3), (a, 4))],
                false,
            )
        };
        let old = pair(
            suppress(&cells, DEFAULT_THRESHOLD),
            suppress(&t(&cells), DEFAULT_THRESHOLD),
        );
        leaks += usize::from(!old.is_empty());
        let new = pair(
            suppress_by(&cells, DEFAULT_THRESHOLD, a, Some(b), None),
            suppress_by(&t(&cells), DEFAULT_THRESHOLD, b, Some(a), None),
        );
        assert!(new.is_empty(), "recovered {new:?} from {cells:?}");
    }
    assert!(leaks > 0, "no table showed the old leak");
}
