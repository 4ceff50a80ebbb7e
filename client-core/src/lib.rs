//! Fieldlog's domain core: the interaction record, the rules that make it
//! complete, its flags and review period, the access policy, the record as
//! Automerge documents, and the device side of sync.
//!
//! Architecture invariant: this crate does no I/O, reads no clock and no
//! random source. Time, ids and the acting user are parameters, so the phone
//! (through wasm) and the server run exactly the same decisions.

#![warn(clippy::unwrap_used, missing_debug_implementations)]

pub mod access;
pub mod activity;
pub mod agreement;
// Suppressed like reports, which are published by the server only.
#[cfg(not(target_arch = "wasm32"))]
pub mod assessment;
pub mod closed_set;
pub mod complaint;
pub mod desk;
pub mod device_record;
pub mod directory;
pub mod document;
pub mod fields;
pub mod flag;
pub mod history;
pub mod identity;
pub mod ids;
pub mod json;
pub mod local_time;
pub mod month_window;
pub mod offense;
pub mod outlier;
pub mod partition;
pub mod period;
pub mod projection;
pub mod push;
pub mod queue;
pub mod reach;
pub mod record;
pub mod redaction;
pub mod replica;
pub mod report;
pub mod retention;
pub mod review;
pub mod rules;
pub mod school_year;
pub mod second_factor;
pub mod summary;
pub mod sync;
pub mod timestamp;
pub mod training;
pub mod view;
pub mod vocabulary;
pub mod webhook;

pub use access::{Action, Actor, Decision, DocKind, Policy, RecordFacts, View};
pub use ids::{DeviceId, RecordId, ReviewId, SchoolId, StudentKey, UserId};
pub use record::Record;
pub use timestamp::Timestamp;
pub use vocabulary::Role;
