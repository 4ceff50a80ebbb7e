//! The wasm-bindgen facade over client-core for the officer's web app:
//! decode -> call the core -> encode, with one error conversion. No rule
//! lives here; the app asks the core for validation, flags and sync.

use client_core::document::DocId;
use client_core::replica::{Replica, SyncStatus};
use client_core::{DeviceId, RecordId, Timestamp, UserId};
use wasm_bindgen::prelude::*;

/// The one error conversion: every core error becomes a JS Error whose
/// message is the core's, with validation problems as JSON when there are any.
fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn problems_or(e: client_core::replica::ReplicaError) -> JsError {
    match e {
        client_core::replica::ReplicaError::Invalid(p) => {
            JsError::new(&serde_json::to_string(&p).unwrap_or_default())
        }
        other => err(other),
    }
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, JsError> {
    s.parse()
        .map_err(|_| JsError::new(&format!("{s:?} is not a {what}")))
}

fn at(ms: f64) -> Timestamp {
    Timestamp::from_millis(ms as i64)
}

/// One device's records and sync state.
#[wasm_bindgen]
pub struct Core {
    replica: Replica,
}

#[wasm_bindgen]
impl Core {
    #[wasm_bindgen(constructor)]
    pub fn new(user: &str, device: &str) -> Result<Core, JsError> {
        Ok(Core {
            replica: Replica::new(
                parse::<UserId>(user, "user id")?,
                parse::<DeviceId>(device, "device id")?,
            ),
        })
    }

    /// Restores from persisted bytes: `docs` alternates document id and bytes.
    pub fn restore(
        user: &str,
        device: &str,
        state: &[u8],
        docs: js_sys::Array,
    ) -> Result<Core, JsError> {
        let mut list = Vec::new();
        let mut it = docs.iter();
        while let (Some(id), Some(bytes)) = (it.next(), it.next()) {
            let id: DocId = parse(&id.as_string().unwrap_or_default(), "document id")?;
            list.push((id, js_sys::Uint8Array::new(&bytes).to_vec()));
        }
        let replica = Replica::restore(
            parse(user, "user id")?,
            parse(device, "device id")?,
            state,
            list,
        )
        .map_err(err)?;
        Ok(Core { replica })
    }

    /// Creates a record from its JSON. Throws with the problems as JSON.
    pub fn create(&mut self, record_json: &str, now_ms: f64) -> Result<(), JsError> {
        let r = client_core::json::parse_record(record_json.as_bytes()).map_err(err)?;
        self.replica.create(&r, at(now_ms)).map_err(problems_or)
    }

    pub fn update(
        &mut self,
        record_json: &str,
        amendment: Option<String>,
        now_ms: f64,
    ) -> Result<(), JsError> {
        let r = client_core::json::parse_record(record_json.as_bytes()).map_err(err)?;
        self.replica
            .update(&r, amendment.as_deref(), at(now_ms))
            .map_err(problems_or)
    }

    pub fn record(&mut self, id: &str) -> Result<String, JsError> {
        let r = self
            .replica
            .record(parse::<RecordId>(id, "record id")?)
            .map_err(err)?;
        serde_json::to_string(&r).map_err(err)
    }

    pub fn record_ids(&self) -> Vec<String> {
        self.replica
            .record_ids()
            .iter()
            .map(|r| r.to_string())
            .collect()
    }

    /// The record's supervisor reviews (read-only on the phone), as JSON.
    pub fn reviews(&mut self, id: &str) -> Result<String, JsError> {
        let r = self
            .replica
            .reviews(parse::<RecordId>(id, "record id")?)
            .map_err(err)?;
        serde_json::to_string(&r.reviews).map_err(err)
    }

    /// `saved_on_device`, `synced` or `refused: <reason>`.
    pub fn status(&mut self, id: &str) -> Result<String, JsError> {
        Ok(match self.replica.status(parse(id, "record id")?) {
            SyncStatus::SavedOnDevice => "saved_on_device".into(),
            SyncStatus::Synced => "synced".into(),
            SyncStatus::Refused(r) => format!("refused: {}", r.reason),
        })
    }

    pub fn prepare_sync(&mut self) -> Vec<u8> {
        self.replica.prepare_sync()
    }

    /// Applies the server's reply; returns whether to sync again at once.
    pub fn receive_sync(&mut self, bytes: &[u8]) -> Result<bool, JsError> {
        Ok(self.replica.receive_sync(bytes).map_err(err)?.more)
    }

    /// What to persist now: alternating document id and bytes, then the
    /// sync state (or null) as the last element.
    pub fn take_dirty(&mut self) -> js_sys::Array {
        let dirty = self.replica.take_dirty();
        let out = js_sys::Array::new();
        for (id, bytes) in dirty.docs {
            out.push(&JsValue::from_str(&id.to_string()));
            out.push(&js_sys::Uint8Array::from(bytes.as_slice()));
        }
        out.push(
            &dirty
                .state
                .map(|s| JsValue::from(js_sys::Uint8Array::from(s.as_slice())))
                .unwrap_or(JsValue::NULL),
        );
        out
    }
}

/// Every closed set the form offers, spelled as the wire spells it, plus the
/// actions the core treats specially, so the app never keeps its own lists.
#[wasm_bindgen]
pub fn vocabulary() -> String {
    use client_core::vocabulary::*;
    fn names<T: Copy + std::fmt::Display>(all: &[T]) -> Vec<String> {
        all.iter().map(|v| v.to_string()).collect()
    }
    let pick = |f: fn(ActionTaken) -> bool| -> Vec<String> {
        ActionTaken::ALL
            .iter()
            .filter(|a| f(**a))
            .map(|a| a.to_string())
            .collect()
    };
    serde_json::json!({
        "location": names(Location::ALL),
        "initiated_by": names(InitiatedBy::ALL),
        "staff_role": names(StaffRole::ALL),
        "category": names(Category::ALL),
        "sro_role": names(SroRole::ALL),
        "race": names(Race::ALL),
        "sex": names(Sex::ALL),
        "disability": names(Disability::ALL),
        "english_learner": names(EnglishLearner::ALL),
        "technique": names(Technique::ALL),
        "action": names(ActionTaken::ALL),
        "removed_from_view": names(RemovedFromView::ALL),
        "finding": names(Finding::ALL),
        "custody_actions": pick(ActionTaken::is_custody),
        "deescalation_actions": pick(ActionTaken::needs_deescalation),
    })
    .to_string()
}

/// Every broken rule of a record, as JSON (`[{code, field, message}]`).
#[wasm_bindgen]
pub fn validate(record_json: &str, now_ms: f64) -> Result<String, JsError> {
    let r = client_core::json::parse_record(record_json.as_bytes()).map_err(err)?;
    serde_json::to_string(&client_core::rules::validate(&r, at(now_ms))).map_err(err)
}

/// The record's review flags with reasons, as JSON.
#[wasm_bindgen]
pub fn flags(record_json: &str, now_ms: f64) -> Result<String, JsError> {
    let r = client_core::json::parse_record(record_json.as_bytes()).map_err(err)?;
    serde_json::to_string(&client_core::flag::flags(&r, at(now_ms), None)).map_err(err)
}

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
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]);
}

fn now_us() -> f64 {
    performance_now() * 1000.0
}

/// automerge wants random actor ids we never use, but it asks for them; on
/// wasm32 getrandom's `custom` backend (see .cargo/config.toml) calls this,
/// which uses the browser's (or Node's) Web Crypto.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
unsafe extern "Rust" fn __getrandom_v03_custom(
    dest: *mut u8,
    len: usize,
) -> Result<(), getrandom::Error> {
    // SAFETY: getrandom passes a valid, writable buffer of `len` bytes.
    let buf = unsafe { std::slice::from_raw_parts_mut(dest, len) };
    // getRandomValues fills at most 65,536 bytes per call.
    for chunk in buf.chunks_mut(65_536) {
        get_random_values(chunk);
    }
    Ok(())
}
