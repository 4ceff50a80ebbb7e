//! `GET /audit` and `GET /audit/verify`, for auditors only.

use super::AppState;
use super::error::ApiError;
use super::extract::Auth;
use crate::store::audit::{LoggedEntry, Verification};
use axum::Json;
use axum::extract::{Query, State};
use client_core::{Action, Timestamp};
use serde::Deserialize;

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

#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery),
    responses((status = 200, body = Vec<LoggedEntry>), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<LoggedEntry>>, ApiError> {
    require(&state, &auth)?;
    let (from, to) = (time("from", &q.from)?, time("to", &q.to)?);
    Ok(Json(
        state
            .store
            .access_log(from, to, q.after.unwrap_or(0), 1000)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/audit/verify",
    responses((status = 200, body = Verification), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Verification>, ApiError> {
    require(&state, &auth)?;
    Ok(Json(state.store.verify_access_log().await?))
}
