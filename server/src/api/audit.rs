//! `/audit`: the access log, its verification and its signed checkpoints,
//! for auditors only. Every look at the log is itself logged.

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, Auth};
use crate::store::audit::{Checkpoint, LoggedEntry, Verification};
use axum::Json;
use axum::extract::{Query, State};
use client_core::{Action, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// RFC 3339; inclusive.
    pub from: Option<String>,
    /// RFC 3339; exclusive.
    pub to: Option<String>,
    /// Continue after this sequence number.
    pub after: Option<i64>,
}

fn time(field: &str, v: &Option<String>) -> Result<Option<i64>, ApiError> {
    v.as_deref()
        .map(|s| {
            Timestamp::parse(s)
                .map(|t| t.millis())
                .ok_or_else(|| ApiError::Field {
                    code: "invalid_field",
                    field: field.into(),
                    message: format!("{s:?} is not an RFC 3339 timestamp"),
                })
        })
        .transpose()
}

fn require(state: &AppState, auth: &Auth) -> Result<(), ApiError> {
    if state
        .policy
        .decide(&auth.actor, None, Action::ReadAuditLog)
        .is_allowed()
    {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// The log records who looked at the log, and how.
async fn log_view(
    state: &AppState,
    auth: &Auth,
    event: &str,
    endpoint: &str,
    purpose: String,
) -> Result<(), ApiError> {
    state
        .store
        .log_access(&[auth.view_entry(event, endpoint, purpose, vec![])])
        .await?;
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery),
    responses((status = 200, body = Vec<LoggedEntry>), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<LoggedEntry>>, ApiError> {
    require(&state, &auth)?;
    let (from, to) = (time("from", &q.from)?, time("to", &q.to)?);
    let entries = state
        .store
        .access_log(from, to, q.after.unwrap_or(0), 1000)
        .await?;
    // Parameters only (times and a sequence number), never contents.
    let purpose = format!(
        "from={} to={} after={}",
        q.from.as_deref().unwrap_or(""),
        q.to.as_deref().unwrap_or(""),
        q.after.unwrap_or(0)
    );
    log_view(
        &state,
        &auth,
        "read_audit_log",
        "GET /api/v1/audit",
        purpose,
    )
    .await?;
    Ok(Json(entries))
}

/// Checkpoints the auditor kept elsewhere, to check the log against.
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct Held {
    #[serde(default)]
    pub checkpoints: Vec<Checkpoint>,
}

async fn verify_with(
    state: &AppState,
    auth: &Auth,
    held: &[Checkpoint],
    endpoint: &str,
) -> Result<Json<Verification>, ApiError> {
    require(state, auth)?;
    let v = state.store.verify_access_log(held).await?;
    let purpose = format!("checkpoints held: {}", held.len());
    log_view(state, auth, "verify_audit_log", endpoint, purpose).await?;
    Ok(Json(v))
}

#[utoipa::path(get, path = "/api/v1/audit/verify",
    responses((status = 200, body = Verification), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Verification>, ApiError> {
    verify_with(&state, &auth, &[], "GET /api/v1/audit/verify").await
}

/// As `GET`, and also against checkpoints the auditor exported earlier and
/// kept elsewhere: a log rolled back to an older signed head fails here.
#[utoipa::path(post, path = "/api/v1/audit/verify", request_body = Held,
    responses((status = 200, body = Verification), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn verify_held(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(held): ApiJson<Held>,
) -> Result<Json<Verification>, ApiError> {
    verify_with(
        &state,
        &auth,
        &held.checkpoints,
        "POST /api/v1/audit/verify",
    )
    .await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Checkpoints {
    /// Ed25519 public key, base64: checks every signature below.
    pub public_key: String,
    pub key_id: String,
    /// The signed head: the log as of its last entry.
    pub head: Option<Checkpoint>,
    /// Signed every so many entries and on request, oldest first.
    pub checkpoints: Vec<Checkpoint>,
}

async fn export(
    state: &AppState,
    auth: &Auth,
    endpoint: &str,
    head: Option<Checkpoint>,
) -> Result<Json<Checkpoints>, ApiError> {
    let checkpoints = state.store.access_log_checkpoints().await?;
    log_view(
        state,
        auth,
        "export_audit_checkpoints",
        endpoint,
        String::new(),
    )
    .await?;
    let (public_key, key_id) = state.store.access_log_public_key();
    Ok(Json(Checkpoints {
        public_key,
        key_id,
        head,
        checkpoints,
    }))
}

/// The signed checkpoints, for an auditor to keep outside the server.
#[utoipa::path(get, path = "/api/v1/audit/checkpoints",
    responses((status = 200, body = Checkpoints), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn checkpoints(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Checkpoints>, ApiError> {
    require(&state, &auth)?;
    let head = state.store.access_log_head().await?;
    export(&state, &auth, "GET /api/v1/audit/checkpoints", head).await
}

/// Signs a checkpoint of the log as it is now, keeps it, and answers with
/// every checkpoint (the new one as `head`).
#[utoipa::path(post, path = "/api/v1/audit/checkpoints",
    responses((status = 200, body = Checkpoints), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn make_checkpoint(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Checkpoints>, ApiError> {
    require(&state, &auth)?;
    let head = state.store.checkpoint_access_log().await?;
    export(&state, &auth, "POST /api/v1/audit/checkpoints", head).await
}
