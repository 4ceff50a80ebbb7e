//! `/audit`: the access log, its verification and its signed checkpoints,
//! for auditors only. Every look at the log is itself logged.

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, Auth};
use crate::store::audit::{Checkpoint, Verification};
use crate::store::audit_query::{AuditFilter, ListedEntry};
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use client_core::{Action, RecordId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// RFC 3339; inclusive.
    pub from: Option<String>,
    /// RFC 3339; exclusive.
    pub to: Option<String>,
    /// Continue after this sequence number.
    pub after: Option<i64>,
    /// Only entries written for this user (UUID).
    pub user_id: Option<String>,
    /// Only entries about this record (UUID).
    pub record_id: Option<String>,
    /// Only this event, e.g. `read_record`.
    pub event: Option<String>,
    /// Only reads that disclosed this student entry (its key, a UUID).
    pub student_key: Option<String>,
    /// `json` (the default) or `csv`.
    pub format: Option<String>,
}

/// The most entries one page carries; `after` pages on.
const PAGE: u64 = 1000;

fn invalid(field: &str, message: String) -> ApiError {
    ApiError::Field {
        code: "invalid_field",
        field: field.into(),
        message,
    }
}

fn time(field: &str, v: &Option<String>) -> Result<Option<i64>, ApiError> {
    v.as_deref()
        .map(|s| {
            Timestamp::parse(s)
                .map(|t| t.millis())
                .ok_or_else(|| invalid(field, format!("{s:?} is not an RFC 3339 timestamp")))
        })
        .transpose()
}

fn id(field: &str, v: &Option<String>) -> Result<Option<uuid::Uuid>, ApiError> {
    v.as_deref()
        .map(|s| {
            uuid::Uuid::parse_str(s).map_err(|_| invalid(field, format!("{s:?} is not a UUID")))
        })
        .transpose()
}

/// Event names are snake_case words; anything else cannot match and is
/// more likely a typo the auditor should hear about.
fn event(v: &Option<String>) -> Result<Option<String>, ApiError> {
    match v.as_deref() {
        None => Ok(None),
        Some(e)
            if !e.is_empty()
                && e.len() <= 64
                && e.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
        {
            Ok(Some(e.to_owned()))
        }
        Some(e) => Err(invalid(
            "event",
            format!("{e:?} is not an event name (snake_case, e.g. read_record)"),
        )),
    }
}

impl AuditQuery {
    fn filter(&self) -> Result<AuditFilter, ApiError> {
        Ok(AuditFilter {
            from: time("from", &self.from)?,
            to: time("to", &self.to)?,
            after: self.after.unwrap_or(0),
            user: id("user_id", &self.user_id)?.map(UserId),
            record: id("record_id", &self.record_id)?.map(RecordId),
            event: event(&self.event)?,
            student: id("student_key", &self.student_key)?,
        })
    }

    fn csv(&self) -> Result<bool, ApiError> {
        match self.format.as_deref() {
            None | Some("json") => Ok(false),
            Some("csv") => Ok(true),
            Some(f) => Err(invalid("format", format!("{f:?} is not json or csv"))),
        }
    }

    /// Parameters only (times, ids, an event name), never contents.
    fn purpose(&self) -> String {
        let p = |v: &Option<String>| v.clone().unwrap_or_default();
        format!(
            "from={} to={} after={} user_id={} record_id={} event={} student_key={} format={}",
            p(&self.from),
            p(&self.to),
            self.after.unwrap_or(0),
            p(&self.user_id),
            p(&self.record_id),
            p(&self.event),
            p(&self.student_key),
            p(&self.format),
        )
    }
}

fn require(auth: &Auth) -> Result<(), ApiError> {
    if auth
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
    responses((status = 200, body = Vec<ListedEntry>, description = "JSON, or CSV with format=csv"), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    require(&auth)?;
    let (filter, csv) = (q.filter()?, q.csv()?);
    let entries = state.store.access_log(&filter, PAGE).await?;
    log_view(
        &state,
        &auth,
        "read_audit_log",
        "GET /api/v1/audit",
        q.purpose(),
    )
    .await?;
    if csv {
        return Ok(super::sheet::attachment(
            audit_csv(&entries)?,
            "fieldlog-access-log.csv",
        ));
    }
    Ok(Json(entries).into_response())
}

fn audit_csv(entries: &[ListedEntry]) -> Result<Vec<u8>, ApiError> {
    let mut w = super::sheet::Sheet::new(&[
        "seq",
        "at",
        "user_id",
        "username",
        "role",
        "event",
        "record_id",
        "student_refs",
        "fields",
        "endpoint",
        "purpose",
        "hash",
    ])?;
    let opt = |v: Option<String>| v.unwrap_or_default();
    for e in entries {
        w.row(&[
            e.seq.to_string(),
            e.at.to_string(),
            opt(e.user.map(|u| u.0.to_string())),
            opt(e.username.clone()),
            opt(e.role.map(|r| r.as_str().to_string())),
            e.event.clone(),
            opt(e.record.map(|r| r.0.to_string())),
            e.student_refs.join(" "),
            e.fields.join(" "),
            e.endpoint.clone(),
            e.purpose.clone(),
            e.hash.clone(),
        ])?;
    }
    w.finish()
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
    require(auth)?;
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
    require(&auth)?;
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
    require(&auth)?;
    let head = state.store.checkpoint_access_log().await?;
    export(&state, &auth, "POST /api/v1/audit/checkpoints", head).await
}
