//! Reading a record from JSON (imports, integrations, the wasm facade) with
//! errors that name the offending field.

use crate::record::Record;
use thiserror::Error;

/// The largest record JSON the core will parse.
pub const MAX_RECORD_JSON: usize = 256 * 1024;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON at all (a 400 on the server).
    #[error("malformed JSON: {0}")]
    Syntax(String),
    /// JSON, but a field has the wrong type or an unknown value (a 422).
    #[error("{field}: {message}")]
    Field { field: String, message: String },
    #[error("record JSON is {0} bytes; the limit is {MAX_RECORD_JSON}")]
    TooLarge(usize),
}

impl JsonError {
    pub fn field(&self) -> Option<&str> {
        match self {
            JsonError::Field { field, .. } => Some(field),
            _ => None,
        }
    }
}

pub fn parse_record(bytes: &[u8]) -> Result<Record, JsonError> {
    if bytes.len() > MAX_RECORD_JSON {
        return Err(JsonError::TooLarge(bytes.len()));
    }
    // Syntax first, so that `[1,2` is malformed (400) rather than a type
    // error about its first element (422).
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| JsonError::Syntax(e.to_string()))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        JsonError::Field {
            field: if path == "." { String::new() } else { path },
            message: strip_position(&e.into_inner().to_string()),
        }
    })
}

/// As [`parse_record`], for a record being created: one posted without an
/// `id` gets `fresh` (the server mints it; the core has no random source).
pub fn parse_new_record(bytes: &[u8], fresh: crate::RecordId) -> Result<Record, JsonError> {
    if bytes.len() > MAX_RECORD_JSON {
        return Err(JsonError::TooLarge(bytes.len()));
    }
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Object(mut m)) if !m.contains_key("id") => {
            m.insert("id".into(), fresh.to_string().into());
            let with_id = serde_json::to_vec(&m).map_err(|e| JsonError::Syntax(e.to_string()))?;
            parse_record(&with_id)
        }
        _ => parse_record(bytes),
    }
}

fn strip_position(s: &str) -> String {
    match s.find(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}
