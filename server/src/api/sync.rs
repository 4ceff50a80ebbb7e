//! `POST /sync`: many documents per round trip. The body and the reply are
//! client-core's `SyncRequest` / `SyncResponse` in postcard encoding
//! (`application/octet-stream`); see the OpenAPI document.

use super::AppState;
use super::error::ApiError;
use super::extract::Auth;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use client_core::sync::SyncRequest;

#[utoipa::path(post, path = "/api/v1/sync",
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "client_core::sync::SyncRequest, postcard-encoded: protocol version, device id, cursor, and per document the raw Automerge changes the server is not known to have"),
    responses(
        (status = 200, content_type = "application/octet-stream", body = Vec<u8>,
            description = "client_core::sync::SyncResponse, postcard-encoded: new cursor, accepted documents with the server's heads, refused documents with a reason, and the changes the device lacks"),
        (status = 400, body = super::error::ErrorBody), (status = 401, body = super::error::ErrorBody), (status = 413, body = super::error::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user = %auth.actor.user, pushed, accepted, refused, pulled))]
pub async fn sync(
    State(state): State<AppState>,
    auth: Auth,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let request = SyncRequest::decode(&body, state.settings.body_limit).map_err(|e| {
        ApiError::BadRequest {
            code: "bad_sync_payload",
            message: e.to_string(),
        }
    })?;
    let span = tracing::Span::current();
    span.record("pushed", request.push.len());
    let now = super::now();
    let outcome = crate::sync::sync(state.domain(&auth.policy), &auth.actor, request, now).await?;
    span.record("accepted", outcome.response.accepted.len());
    span.record("refused", outcome.response.refused.len());
    span.record("pulled", outcome.pulled_changes);
    metrics::counter!("fieldlog_sync_requests_total").increment(1);
    metrics::counter!("fieldlog_changes_accepted_total").increment(outcome.accepted_changes as u64);
    metrics::counter!("fieldlog_changes_pulled_total").increment(outcome.pulled_changes as u64);
    state.store.log_access(&outcome.log).await?;
    Ok((
        [(CONTENT_TYPE, "application/octet-stream")],
        outcome.response.encode(),
    ))
}
