//! The wasm benchmark's entry point (`cargo xtask bench` builds with the
//! `bench` feature); the phone's build leaves it out.

use crate::err;
use client_core::{DeviceId, RecordId};
use wasm_bindgen::prelude::*;

/// Runs `n` create+save cycles of `record_json` under fresh ids and returns
/// the microseconds of each, for the wasm benchmark (timed in JS).
#[wasm_bindgen]
pub fn bench_create_save(record_json: &str, n: u32) -> Result<Vec<u32>, JsError> {
    let template = client_core::json::parse_record(record_json.as_bytes()).map_err(err)?;
    let actor = client_core::document::actor_id(template.officer_id, DeviceId::from_u128(1));
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        let mut r = template.clone();
        r.id = RecordId::from_u128(i as u128 + 1);
        let t0 = now_us();
        let mut docs = client_core::document::RecordDocs::create(&r, actor.clone(), r.occurred_at)
            .map_err(err)?;
        let a = docs.account.save();
        let b = docs.restricted.as_mut().map(|d| d.save());
        std::hint::black_box((a, b));
        out.push((now_us() - t0) as u32);
    }
    Ok(out)
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

fn now_us() -> f64 {
    performance_now() * 1000.0
}
