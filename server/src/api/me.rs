//! `GET /me`: who the caller is, as the app needs it to start.

use super::AppState;
use super::error::ApiError;
use super::extract::Auth;
use axum::Json;
use axum::extract::State;
use client_core::Actor;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeView {
    #[schema(value_type = String)]
    pub id: client_core::UserId,
    pub username: String,
    #[schema(value_type = String)]
    pub role: client_core::Role,
    pub schools: Vec<crate::store::directory::School>,
    #[schema(value_type = Vec<String>)]
    pub supervises: Vec<client_core::UserId>,
}

pub async fn me_view(state: &AppState, actor: &Actor) -> Result<MeView, ApiError> {
    let user = state
        .store
        .user(actor.user)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let schools = state
        .store
        .schools()
        .await?
        .into_iter()
        .filter(|s| actor.schools.contains(&s.id))
        .collect();
    Ok(MeView {
        id: actor.user,
        username: user.username,
        role: actor.role,
        schools,
        supervises: actor.supervises.clone(),
    })
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = MeView), (status = 401, body = super::error::ErrorBody)))]
pub async fn me(State(state): State<AppState>, auth: Auth) -> Result<Json<MeView>, ApiError> {
    Ok(Json(me_view(&state, &auth.actor).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeviceKey {
    /// 32 bytes, base64url without padding. The app derives its key-wrapping
    /// key from it (HKDF) and keeps it in memory only.
    pub secret: String,
}

/// The secret the caller's devices wrap their storage key with (SECURITY.md).
/// Its release is an auth event in the access log; the answer is never cached.
#[utoipa::path(get, path = "/api/v1/me/device-key", responses((status = 200, body = DeviceKey), (status = 401, body = super::error::ErrorBody)))]
pub async fn device_key(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<([(axum::http::HeaderName, &'static str); 1], Json<DeviceKey>), ApiError> {
    use base64::Engine;
    state
        .store
        .log_access(&[super::auth::event(
            Some(auth.actor.user),
            Some(auth.actor.role),
            "device_key_released",
            "GET /api/v1/me/device-key",
        )])
        .await?;
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(state.keys.device_secret(auth.actor.user));
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(DeviceKey { secret }),
    ))
}
