//! `POST /incidents/{id}/redactions` (issue 16, finding 8): take everything
//! that is not the record's current state out of every copy of its
//! history. The use case is `crate::redaction`; the rule for the reason is
//! client-core's `redaction::reason`.

use super::error::ApiError;
use super::extract::{ApiJson, Auth};
use super::{AppState, now};
use crate::redaction::Refused;
use crate::store::audit::Entry;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use client_core::RecordId;
use client_core::redaction::{self, RedactionError};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRedaction {
    /// Why (at most 1,000 characters). Kept for auditors; it should not
    /// repeat the value removed.
    pub reason: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RedactionDone {
    pub id: uuid::Uuid,
    pub incident_id: uuid::Uuid,
    /// RFC 3339, the server's clock.
    pub at: String,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/redactions",
    params(("id" = String, Path, description = "record id")),
    request_body = NewRedaction,
    responses(
        (status = 201, body = RedactionDone, description = "every document of the record starts a new generation holding its current state only; devices replace their copies at their next sync. Which documents is not said: an admin may redact without reading the record"),
        (status = 401, body = super::error::ErrorBody),
        (status = 403, body = super::error::ErrorBody, description = "the caller may read the record but neither wrote it nor is an admin"),
        (status = 404, body = super::error::ErrorBody),
        (status = 422, body = super::error::ErrorBody, description = "`reason` missing or too long")))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewRedaction>,
) -> Result<(StatusCode, Json<RedactionDone>), ApiError> {
    let record: RecordId = id.parse().map_err(|_| ApiError::NotFound)?;
    let reason = redaction::reason(&body.reason).map_err(|e| ApiError::Field {
        code: match e {
            RedactionError::ReasonMissing => "invalid_field",
            RedactionError::ReasonTooLong => "too_long",
        },
        field: "reason".into(),
        message: e.to_string(),
    })?;
    let at = now();
    // Nothing was disclosed; the entry says who redacted which record, and
    // is written in the redaction's own transaction.
    let log = Entry {
        record: Some(record),
        ..auth.view_entry(
            "redact_record",
            "POST /api/v1/incidents/{id}/redactions",
            "redaction",
            vec![],
        )
    };
    let done = match crate::redaction::redact(
        state.domain(&auth.policy),
        &auth.actor,
        record,
        &reason,
        at,
        log,
    )
    .await?
    {
        Ok(done) => done,
        Err(Refused::NotFound) => return Err(ApiError::NotFound),
        Err(Refused::Forbidden) => return Err(ApiError::Forbidden),
    };
    Ok((
        StatusCode::CREATED,
        Json(RedactionDone {
            id: done.id,
            incident_id: record.0,
            at: done.at.to_string(),
        }),
    ))
}
