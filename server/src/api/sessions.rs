//! A user's own sign-ins (issue 18; API.md Identity): signing out, a new
//! password, and the list of live sign-ins, each of which the user may end.
//! A sign-in is one refresh-token family (`store::sessions`).

use super::AppState;
use super::auth::{Tokens, event, signed_in};
use super::error::ApiError;
use super::extract::{ApiJson, Auth, client_address};
use crate::auth::{hash_password_queued, token_hash, verify_password_queued};
use crate::credentials::check_password;
use crate::store::auth::{Attempt, AttemptLimits, Reservation};
use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use uuid::Uuid;

fn now_ms() -> i64 {
    super::now().millis()
}

fn rfc3339(ms: i64) -> String {
    client_core::Timestamp::from_millis(ms).to_string()
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Logout {
    pub refresh_token: String,
}

/// Signs out: the sign-in the refresh token belongs to ends (its access
/// token lapses within minutes). Answered alike whether the token was known.
#[utoipa::path(post, path = "/api/v1/auth/logout", request_body = Logout,
    responses((status = 204, description = "signed out"), (status = 400, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Logout>,
) -> Result<StatusCode, ApiError> {
    let endpoint = "POST /api/v1/auth/logout";
    if let Some((user, family)) = state
        .store
        .refresh_family(&token_hash(&body.refresh_token))
        .await?
        && state.store.revoke_family(user, family).await?
    {
        let role = state.store.user(user).await?.map(|u| u.role);
        state
            .store
            .log_access(&[event(Some(user), role, "logout", endpoint)])
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    pub current_password: String,
    pub new_password: String,
    /// This device's id, for its new wrapping secret (as at sign-in).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub device: Option<Uuid>,
}

/// Changes the caller's password. The current one is checked as a sign-in
/// is (it counts toward the lockout); every sign-in ends, and the answer is
/// a new one for this device, so every *other* session is over.
#[utoipa::path(post, path = "/api/v1/me/password", request_body = NewPassword,
    responses((status = 200, body = Tokens), (status = 401, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody), (status = 429, body = super::error::ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    auth: Auth,
    ApiJson(body): ApiJson<NewPassword>,
) -> Result<Json<Tokens>, ApiError> {
    let endpoint = "POST /api/v1/me/password";
    let user = state
        .store
        .user(auth.actor.user)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let address = client_address(peer);
    let reservation = state
        .store
        .reserve_login_attempt(
            &Attempt {
                username: &user.username,
                address: &address,
                device: None,
                at: now_ms(),
            },
            &AttemptLimits::of(&state.settings),
        )
        .await?;
    let attempt = match reservation {
        Reservation::Refused { retry_after_ms, .. } => {
            return Err(ApiError::TooMany {
                retry_after: (retry_after_ms / 1000).max(1) as u64,
            });
        }
        Reservation::Granted { attempt, .. } => attempt,
    };
    let (id, role) = (Some(user.id), Some(user.role));
    if !verify_password_queued(body.current_password, user.password_hash.clone()).await? {
        state
            .store
            .log_access(&[event(id, role, "password_change_failed", endpoint)])
            .await?;
        return Err(ApiError::Field {
            code: "wrong_password",
            field: "current_password".into(),
            message: "this is not your current password".into(),
        });
    }
    state.store.login_succeeded(attempt).await?;
    check_password(&body.new_password, &user.username).map_err(|e| ApiError::Field {
        code: "weak_password",
        field: "new_password".into(),
        message: e.to_string(),
    })?;
    let hash = hash_password_queued(body.new_password)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    state.store.set_password(user.id, &hash).await?;
    state
        .store
        .log_access(&[event(id, role, "password_changed", endpoint)])
        .await?;
    // The stamp and the device epoch moved: this device signs in afresh.
    let user = state
        .store
        .user(user.id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Json(
        signed_in(&state, &user, None, body.device, endpoint).await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SignInOut {
    /// Ends this sign-in at `DELETE /api/v1/me/sessions/{id}`.
    pub id: Uuid,
    /// Its absolute end, however often it is refreshed.
    pub ends_at: String,
    /// When it lapses if no device refreshes it.
    pub lapses_at: String,
}

/// The caller's live sign-ins, most recently refreshed first.
#[utoipa::path(get, path = "/api/v1/me/sessions",
    responses((status = 200, body = [SignInOut]), (status = 401, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<SignInOut>>, ApiError> {
    Ok(Json(
        state
            .store
            .sign_ins(auth.actor.user, now_ms())
            .await?
            .into_iter()
            .map(|s| SignInOut {
                id: s.family,
                ends_at: rfc3339(s.ends_at),
                lapses_at: rfc3339(s.lapses_at),
            })
            .collect(),
    ))
}

/// Ends one of the caller's sign-ins (a lost phone); another user's, or one
/// already over, is not found.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", params(("id" = String, Path, description = "sign-in id")),
    responses((status = 204, description = "ended"), (status = 401, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn end(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    if !state.store.revoke_family(auth.actor.user, id).await? {
        return Err(ApiError::NotFound);
    }
    state
        .store
        .log_access(&[event(
            Some(auth.actor.user),
            Some(auth.actor.role),
            "session_ended",
            "DELETE /api/v1/me/sessions/{id}",
        )])
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
