//! Document bytes from a hostile or broken device must give a typed error,
//! never a panic.
#![no_main]

use client_core::document::{DocId, RecordDocs, Document, actor_id};
use client_core::{DeviceId, DocKind, RecordId, UserId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let actor = actor_id(UserId::from_u128(1), DeviceId::from_u128(2));
    let id = |kind| DocId { record: RecordId::from_u128(3), kind };
    if let Ok(account) = Document::load(id(DocKind::Account), data, actor.clone()) {
        let docs = RecordDocs { account, restricted: None, review: None };
        let _ = docs.read();
        let _ = docs.reviews();
    }
});
