//! The wasm-bindgen facade over client-core for the officer's web app:
//! decode -> call the core -> encode, with typed values both ways (no JSON
//! inside error messages, no status strings to parse). No rule lives here;
//! the app asks the core for validation, flags, sync, the list and retention.

use client_core::replica::{Replica, ReplicaError, SyncStatus};
use client_core::summary::Summary;
use client_core::{DeviceId, RecordId, Timestamp, UserId};
use wasm_bindgen::prelude::*;

/// The one error conversion for failures that are not a record's problems.
fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, JsError> {
    s.parse()
        .map_err(|_| JsError::new(&format!("{s:?} is not a {what}")))
}

fn at(ms: f64) -> Timestamp {
    Timestamp::from_millis(ms as i64)
}

/// One broken rule, as the form shows it next to its field.
#[wasm_bindgen(getter_with_clone)]
#[derive(Clone)]
pub struct Problem {
    pub code: String,
    /// Dotted path into the record JSON.
    pub field: String,
    pub message: String,
}

fn problems(p: Vec<client_core::rules::Problem>) -> Vec<Problem> {
    p.into_iter()
        .map(|p| Problem {
            code: p.code.to_string(),
            field: p.field,
            message: p.message,
        })
        .collect()
}

/// Where a record stands with the server.
#[wasm_bindgen(getter_with_clone)]
#[derive(Clone)]
pub struct RecordState {
    /// `saved_on_device`, `synced` or `refused`.
    pub kind: String,
    /// Why it was refused (a sentence for the officer; no record contents).
    pub reason: Option<String>,
    /// The field the refusal is about, when there is one.
    pub field: Option<String>,
}

impl From<&SyncStatus> for RecordState {
    fn from(s: &SyncStatus) -> Self {
        let (kind, reason, field) = match s {
            SyncStatus::SavedOnDevice => ("saved_on_device", None, None),
            SyncStatus::Synced => ("synced", None, None),
            SyncStatus::Refused(r) => ("refused", Some(r.reason.clone()), r.field.clone()),
        };
        Self {
            kind: kind.into(),
            reason,
            field,
        }
    }
}

/// One line of the officer's list.
#[wasm_bindgen(getter_with_clone)]
#[derive(Clone)]
pub struct Row {
    pub id: String,
    pub draft: bool,
    pub category: Option<String>,
    pub location: Option<String>,
    /// Milliseconds since the epoch.
    pub occurred_at: f64,
    pub students: u32,
    /// As `RecordState::kind`, flat so a line is one object to free.
    pub state: String,
    pub reason: Option<String>,
}

impl From<&Summary> for Row {
    fn from(s: &Summary) -> Self {
        let f = s.facts.as_ref();
        let state = RecordState::from(&s.state);
        Self {
            id: s.id.to_string(),
            draft: f.is_some_and(|f| f.status == client_core::vocabulary::Status::Draft),
            category: f.and_then(|f| f.category).map(|c| c.to_string()),
            location: f.and_then(|f| f.location).map(|l| l.to_string()),
            occurred_at: f.map(|f| f.occurred_at as f64).unwrap_or_default(),
            students: f.map(|f| u32::from(f.students)).unwrap_or_default(),
            state: state.kind,
            reason: state.reason,
        }
    }
}

/// A key and the bytes to seal under it.
#[wasm_bindgen(getter_with_clone)]
#[derive(Clone)]
pub struct Blob {
    pub key: String,
    pub bytes: Vec<u8>,
}

/// What to persist after a change, in one transaction.
#[wasm_bindgen(getter_with_clone)]
pub struct Dirty {
    /// Record blobs, keyed by record id.
    pub records: Vec<Blob>,
    /// Summary buckets, keyed by bucket number.
    pub buckets: Vec<Blob>,
    pub state: Option<Vec<u8>>,
    /// Records that left the device: delete their blobs.
    pub dropped: Vec<String>,
}

/// The end of applying one sync reply.
#[wasm_bindgen]
pub struct Received {
    /// Sync again at once.
    pub more: bool,
    /// Something a screen shows may have changed.
    pub changed: bool,
}

/// One device's records and sync state. Records not in memory are loaded
/// on demand: `needs(id)` says when, `load(id, bytes)` does it.
#[wasm_bindgen]
pub struct Core {
    replica: Replica,
}

#[wasm_bindgen]
impl Core {
    /// Opens a device from its sync state (empty on a fresh device); the
    /// summary buckets follow with `add_bucket`.
    pub fn open(user: &str, device: &str, state: &[u8], live: u32) -> Result<Core, JsError> {
        let mut replica = Replica::open(
            parse::<UserId>(user, "user id")?,
            parse::<DeviceId>(device, "device id")?,
            state,
            std::iter::empty(),
        )
        .map_err(err)?;
        replica.set_capacity(live as usize);
        Ok(Core { replica })
    }

    /// Adds one persisted summary bucket.
    pub fn add_bucket(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.replica.add_bucket(bytes).map_err(err)
    }

    pub fn needs(&self, id: &str) -> Result<bool, JsError> {
        Ok(self.replica.needs(parse(id, "record id")?))
    }

    pub fn load(&mut self, id: &str, bytes: &[u8]) -> Result<(), JsError> {
        self.replica
            .load(parse(id, "record id")?, bytes)
            .map_err(err)
    }

    /// Takes in one document a version-1 device kept on its own.
    pub fn adopt(&mut self, doc: &str, bytes: &[u8]) -> Result<(), JsError> {
        self.replica
            .adopt(parse(doc, "document id")?, bytes)
            .map_err(err)
    }

    /// Creates a record from its JSON; returns its problems (none: saved).
    pub fn create(&mut self, record_json: &str, now_ms: f64) -> Result<Vec<Problem>, JsError> {
        let r = client_core::json::parse_record(record_json.as_bytes()).map_err(err)?;
        saved(self.replica.create(&r, at(now_ms)))
    }

    /// Saves a new state of a record; returns its problems (none: saved).
    pub fn update(
        &mut self,
        record_json: &str,
        amendment: Option<String>,
        now_ms: f64,
    ) -> Result<Vec<Problem>, JsError> {
        let r = client_core::json::parse_record(record_json.as_bytes()).map_err(err)?;
        let result = self.replica.update(&r, amendment.as_deref(), at(now_ms));
        saved(result)
    }

    pub fn record(&mut self, id: &str) -> Result<String, JsError> {
        let r = self
            .replica
            .record(parse::<RecordId>(id, "record id")?)
            .map_err(err)?;
        serde_json::to_string(&r).map_err(err)
    }

    /// The rules version the record's next save applies: the form asks
    /// that version's questions (`rules::version::next_save`).
    pub fn rules_for(&mut self, id: &str) -> Result<u16, JsError> {
        self.replica
            .rules_for(parse::<RecordId>(id, "record id")?)
            .map_err(err)
    }

    /// Whether the record is on this device (in memory or not).
    pub fn holds(&self, id: &str) -> Result<bool, JsError> {
        let id: RecordId = parse(id, "record id")?;
        Ok(self.replica.needs(id) || self.replica.is_live(id))
    }

    /// The record's supervisor reviews (read-only on the phone), as JSON.
    pub fn reviews(&mut self, id: &str) -> Result<String, JsError> {
        let r = self
            .replica
            .reviews(parse::<RecordId>(id, "record id")?)
            .map_err(err)?;
        serde_json::to_string(&r.reviews).map_err(err)
    }

    pub fn status(&mut self, id: &str) -> Result<RecordState, JsError> {
        Ok(RecordState::from(
            &self.replica.status(parse(id, "record id")?),
        ))
    }

    /// Milliseconds: synced records before this have left the device and
    /// are read online (`None` until the server has said).
    pub fn retain_from(&self) -> Option<f64> {
        self.replica.retain_from().map(|t| t.millis() as f64)
    }

    pub fn list_len(&mut self) -> u32 {
        self.replica.list_len() as u32
    }

    pub fn draft_count(&self) -> u32 {
        self.replica.draft_count() as u32
    }

    /// `n` lines of the list from `start`: drafts first, newest first.
    pub fn list(&mut self, start: u32, n: u32) -> Vec<Row> {
        self.replica
            .list(start as usize, n as usize)
            .iter()
            .map(Row::from)
            .collect()
    }

    /// The end-of-shift check: drafts, refused, then only on this phone.
    pub fn unfinished(&self) -> Vec<Row> {
        self.replica.unfinished().iter().map(Row::from).collect()
    }

    /// Records the server does not have as they are: what sign-out keeps.
    pub fn not_synced(&self) -> Vec<String> {
        ids(self.replica.not_synced())
    }

    /// Records to load before `prepare_sync` (changes not yet pushed).
    pub fn outbox(&self, limit: u32) -> Vec<String> {
        ids(self.replica.outbox(limit as usize))
    }

    pub fn prepare_sync(&mut self) -> Vec<u8> {
        self.replica.prepare_sync()
    }

    /// Starts applying a reply; returns the records to load first.
    pub fn begin_receive(&mut self, bytes: &[u8]) -> Result<Vec<String>, JsError> {
        Ok(ids(self.replica.begin_receive(bytes).map_err(err)?))
    }

    /// Applies up to `max_records` more; the round's outcome once done.
    pub fn receive_step(&mut self, max_records: u32) -> Result<Option<Received>, JsError> {
        Ok(self
            .replica
            .receive_step(max_records as usize)
            .map_err(err)?
            .map(|r| Received {
                more: r.more,
                changed: r.changed(),
            }))
    }

    /// What to persist now.
    pub fn take_dirty(&mut self) -> Dirty {
        let d = self.replica.take_dirty();
        Dirty {
            records: d
                .records
                .into_iter()
                .map(|(id, bytes)| Blob {
                    key: id.to_string(),
                    bytes,
                })
                .collect(),
            buckets: d
                .buckets
                .into_iter()
                .map(|(b, bytes)| Blob {
                    key: b.to_string(),
                    bytes,
                })
                .collect(),
            state: d.state,
            dropped: ids(d.dropped),
        }
    }
}

fn saved(result: Result<(), ReplicaError>) -> Result<Vec<Problem>, JsError> {
    match result {
        Ok(()) => Ok(Vec::new()),
        Err(ReplicaError::Invalid(p)) => Ok(problems(p)),
        Err(e) => Err(err(e)),
    }
}

fn ids(v: Vec<RecordId>) -> Vec<String> {
    v.iter().map(|r| r.to_string()).collect()
}

/// Every closed set the form offers, spelled as the wire spells it, plus the
/// actions the core treats specially, so the app never keeps its own lists.
#[wasm_bindgen]
pub fn vocabulary() -> String {
    use client_core::rules::version::{CURRENT, FIRST};
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
        "legal_basis": names(LegalBasis::ALL),
        "offense_code": names(client_core::offense::OffenseCode::ALL),
        "severity": names(client_core::offense::Severity::ALL),
        // Under the current rules: the form asks what a new submission needs.
        "custody_actions": pick(|a| a.is_custody_under(CURRENT)),
        "deescalation_actions": pick(|a| a.needs_deescalation_under(CURRENT)),
        "first_custody_actions": pick(|a| a.is_custody_under(FIRST)),
        "first_deescalation_actions": pick(|a| a.needs_deescalation_under(FIRST)),
        "search_actions": pick(ActionTaken::is_search_or_seizure),
        "charge_actions": pick(ActionTaken::may_charge),
        "court_involvement": names(CourtInvolvement::ALL),
        "topic": names(client_core::training::Topic::ALL),
        "late_entry_hours": client_core::rules::limits::LATE_ENTRY_HOURS,
        "max_duration_minutes": client_core::rules::MAX_DURATION_MINUTES,
        "rules_version": CURRENT,
    })
    .to_string()
}

/// DOMAIN.md section 3's policy table, as `client_core::access::Policy`
/// serialises it: what an agreement (MOU) starts from and may only narrow,
/// so the agreements screen offers what there is to withhold.
#[wasm_bindgen]
pub fn federal_policy() -> String {
    serde_json::to_string(&client_core::Policy::federal_default()).unwrap_or_default()
}

/// The federal grants an agreement may withhold
/// (`client_core::agreement::withholdable`), as JSON `Grant`s.
#[wasm_bindgen]
pub fn withholdable_grants() -> String {
    serde_json::to_string(&client_core::agreement::withholdable()).unwrap_or_default()
}

/// The school years a report may cover at `now_ms`, newest first: closed
/// ones only (`school_year::SchoolYear::latest_closed`), so the report
/// screen never offers a year the server refuses.
#[wasm_bindgen]
pub fn report_years(now_ms: f64, n: usize) -> Vec<String> {
    let mut year = client_core::school_year::SchoolYear::latest_closed(at(now_ms));
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(year.to_string());
        year = year.previous();
    }
    out
}

/// Every broken rule of a record.
#[wasm_bindgen]
pub fn validate(record_json: &str, now_ms: f64) -> Result<Vec<Problem>, JsError> {
    let r = client_core::json::parse_record(record_json.as_bytes()).map_err(err)?;
    Ok(problems(client_core::rules::validate(&r, at(now_ms))))
}

/// The record's review flags with reasons, as JSON.
#[wasm_bindgen]
pub fn flags(record_json: &str, now_ms: f64) -> Result<String, JsError> {
    let r = client_core::json::parse_record(record_json.as_bytes()).map_err(err)?;
    serde_json::to_string(&client_core::flag::flags(&r, at(now_ms), None)).map_err(err)
}

#[cfg(feature = "bench")]
mod bench;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]);
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
