//! What checking a push's every operation costs, against applying alone.
//! Run in release:
//! `cargo test --release -p client-core --test partition_cost -- --ignored --nocapture`.

mod common;
use client_core::DeviceId;
use client_core::document::{Document, RecordDocs, actor_id};
use client_core::partition::apply_checked;
use common::*;

const PHONE: DeviceId = DeviceId::from_u128(0xd1);

/// Milliseconds per pushed change: applied alone, checked one change a
/// push, and checked all in one push.
#[test]
#[ignore]
fn cost_per_pushed_change() {
    use std::time::Instant;
    const EDITS: usize = 200;
    const ROUNDS: u32 = 5;
    let mut r = custody();
    let mut docs = RecordDocs::create(&r, actor_id(OFFICER, PHONE), t0()).unwrap();
    let id = docs.account.id();
    let base = docs.account.save();
    let heads = docs.account.heads();
    for i in 0..EDITS {
        // What an officer's phone pushes: one field changed per change.
        r.narrative = Some(format!("edit {i}: talked it through"));
        r.students[0].age = Some(14 + (i % 3) as u8);
        docs.write(&r, now()).unwrap();
    }
    let changes = docs.account.changes_since(&heads);
    assert_eq!(changes.len(), EDITS);
    let server = || Document::load(id, &base, actor_id(OFFICER, DeviceId::from_u128(0))).unwrap();
    let per_change = |f: &dyn Fn(&mut Document)| {
        let mut total = std::time::Duration::ZERO;
        for _ in 0..ROUNDS {
            let mut doc = server();
            let t = Instant::now();
            f(&mut doc);
            total += t.elapsed();
        }
        total.as_secs_f64() * 1000.0 / f64::from(ROUNDS) / EDITS as f64
    };
    let apply_alone = per_change(&|d| {
        for c in &changes {
            d.apply(vec![c.clone()]).unwrap();
        }
    });
    let checked_each = per_change(&|d| {
        for c in &changes {
            apply_checked(d, vec![c.clone()]).unwrap();
        }
    });
    let checked_batch = per_change(&|d| apply_checked(d, changes.clone()).unwrap());
    println!(
        "per change, ms: apply alone {apply_alone:.3}; checked, one change a push \
         {checked_each:.3}; checked, {EDITS} changes in one push {checked_batch:.3}"
    );
}
