//! The server's decoder for sync requests and the change parser must never
//! panic, whatever arrives.
#![no_main]

use client_core::sync::{SyncRequest, parse_changes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = SyncRequest::decode(data, 1 << 20) {
        for doc in &req.push {
            let _ = parse_changes(&doc.changes);
        }
    }
    let _ = parse_changes(&[data.to_vec()]);
});
