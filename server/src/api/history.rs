//! `GET /api/v1/incidents/{id}/history` (API.md Additions): the record's
//! steps as the caller's role sees it. Whoever may read the record may read
//! its history, through the same view (`client_core::history` shows each
//! past state exactly as reading the record would, and lists fields, never
//! values). The read is logged with the fields it disclosed.

use super::AppState;
use super::error::ApiError;
use super::extract::Auth;
use super::incidents::{ReadContext, docs_for, read_entry};
use axum::Json;
use axum::extract::{Path, State};
use client_core::history::{EntryKind, disclosed, history};
use client_core::{RecordId, UserId};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Author {
    #[schema(value_type = String)]
    pub id: UserId,
    /// Empty when the account no longer exists.
    pub username: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// RFC 3339, to the second.
    pub at: String,
    pub by: Author,
    pub device: String,
    /// created, edited, submitted, amended or reviewed.
    pub kind: String,
    /// Paths of the fields the step changed, as the caller sees the record.
    pub fields: Vec<String>,
    /// Only when the caller may read amendment reasons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amendment_reason: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/history", params(("id" = String, Path, description = "record id")),
    responses((status = 200, body = Vec<HistoryEntry>, description = "oldest first"), (status = 401, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    let id: RecordId = id.parse().map_err(|_| ApiError::NotFound)?;
    let Some((mut docs, view, record)) = docs_for(&state, &auth, id).await? else {
        return Err(ApiError::NotFound);
    };
    let c = ReadContext::load(&state, id).await?;
    // Each past state as reading the record shows it.
    let show = |r: &client_core::Record, reviews: &client_core::review::Reviews| {
        serde_json::to_value(c.view(r, reviews, view)).unwrap_or_default()
    };
    let mut steps = history(&mut docs, show)?;
    // A redaction's step is the server's change, under an actor whose
    // device half is the redaction's id (`crate::redaction`); the officer or
    // admin who asked for it is in the redactions table.
    let redactions = state.store.redactions_of(id).await?;
    for s in steps.iter_mut().filter(|s| s.kind == EntryKind::Redacted) {
        if let Some((_, by)) = redactions.iter().find(|(r, _)| *r == s.device.0) {
            s.by = *by;
        }
    }
    let mut authors: Vec<UserId> = steps.iter().map(|s| s.by).collect();
    authors.sort();
    authors.dedup();
    let mut names: HashMap<UserId, String> = HashMap::new();
    for id in authors {
        let name = state.store.user(id).await?.map(|u| u.username);
        names.insert(id, name.unwrap_or_default());
    }
    // The log: what this answer disclosed, as field paths.
    let current = c.view(&record, &docs.reviews()?, view);
    let mut entry = read_entry(&auth, &current, "GET /api/v1/incidents/{id}/history");
    entry.event = "read_history".into();
    entry.purpose = "record history".into();
    entry.fields = disclosed(&steps).into_iter().map(String::from).collect();
    state.store.log_access(&[entry]).await?;
    Ok(Json(
        steps
            .into_iter()
            .map(|s| HistoryEntry {
                at: s.at.to_string(),
                by: Author {
                    id: s.by,
                    username: names.get(&s.by).cloned().unwrap_or_default(),
                },
                device: s.device.to_string(),
                kind: s.kind.as_str().into(),
                fields: s.fields,
                amendment_reason: s.amendment_reason,
            })
            .collect(),
    ))
}
