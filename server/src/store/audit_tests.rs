//! Unit tests of the access log's chain, head and checkpoints (kept apart:
//! `audit.rs` holds the log itself).

use super::*;
use crate::settings::Settings;

fn entry(i: i64) -> Entry {
    Entry {
        at: 1_700_000_000_000 + i,
        user: Some(UserId::from_u128(7)),
        role: Some(Role::Auditor),
        event: "read_record".into(),
        record: Some(RecordId::from_u128(9)),
        student_refs: vec![format!("r/{i}")],
        fields: vec!["narrative".into()],
        endpoint: "GET /api/v1/incidents/{id}".into(),
        purpose: "record view".into(),
    }
}

#[test]
fn the_legacy_hash_is_the_one_entries_were_written_with() {
    // How version 1 entries were hashed: over the API's `Entry` JSON.
    let e = entry(1);
    let mut h = Sha256::new();
    h.update(GENESIS.as_bytes());
    h.update(serde_json::to_vec(&e).unwrap());
    assert_eq!(hash_v1(GENESIS, &e), hex(&h.finalize()));
}

/// A log written by an older version (plain SHA-256, no signed head)
/// still verifies after the upgrade, and is anchored at the first start.
#[tokio::test]
async fn entries_from_before_the_keyed_chain_still_verify() {
    let dir = std::env::temp_dir().join(format!("fieldlog-audit-{}", uuid::Uuid::new_v4()));
    let settings = Settings {
        data_dir: dir.clone(),
        ..Settings::default()
    };
    let store = Store::open(&settings).await.expect("open");
    let mut prev = GENESIS.to_owned();
    for i in 0..3 {
        let e = entry(i);
        let hash = hash_v1(&prev, &e);
        access_log::Entity::insert(access_log::ActiveModel {
            at: Set(e.at),
            user_id: Set(e.user.map(|u| u.0)),
            role: Set(e.role.map(|r| r.as_str().to_owned())),
            event: Set(e.event.clone()),
            record_id: Set(e.record.map(|r| r.0)),
            student_refs: Set(serde_json::to_string(&e.student_refs).unwrap()),
            fields: Set(serde_json::to_string(&e.fields).unwrap()),
            endpoint: Set(e.endpoint.clone()),
            purpose: Set(e.purpose.clone()),
            prev_hash: Set(prev.clone()),
            hash: Set(hash.clone()),
            version: Set(1),
            ..Default::default()
        })
        .exec(store.db())
        .await
        .unwrap();
        prev = hash;
    }
    let v = store.verify_access_log(&[]).await.unwrap();
    assert!(!v.ok, "without a signed head the log is not trusted: {v:?}");
    // The first start of the new version signs the head.
    let store = Store::open(&settings).await.expect("reopen");
    let v = store.verify_access_log(&[]).await.unwrap();
    assert!(v.ok && v.entries == 3, "{v:?}");
    store.log_access(&[entry(4), entry(5)]).await.unwrap();
    let v = store.verify_access_log(&[]).await.unwrap();
    assert!(v.ok && v.entries == 5, "{v:?}");
    // Passing a multiple of CHECKPOINT_EVERY keeps a signed checkpoint.
    assert_eq!(store.access_log_checkpoints().await.unwrap().len(), 1);
    let many: Vec<Entry> = (0..CHECKPOINT_EVERY).map(entry).collect();
    store.log_access(&many).await.unwrap();
    let kept = store.access_log_checkpoints().await.unwrap();
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(kept[1].entries, 5 + CHECKPOINT_EVERY);
    let v = store.verify_access_log(&kept).await.unwrap();
    assert!(v.ok, "{v:?}");
    let _ = std::fs::remove_dir_all(dir);
}
