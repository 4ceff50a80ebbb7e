//! `POST /auth/login` and `POST /auth/refresh`.

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, client_address};
use super::me::{MeView, me_view};
use crate::auth::{dummy_hash, random_token, token_hash, verify_password_queued};
use crate::store::audit::Entry;
use crate::store::auth::RefreshOutcome;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use client_core::{Role, UserId};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub user: MeView,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// An auth event for the access log.
pub(super) fn event(user: Option<UserId>, role: Option<Role>, name: &str, endpoint: &str) -> Entry {
    Entry {
        at: now_ms(),
        user,
        role,
        event: name.into(),
        record: None,
        student_refs: vec![],
        fields: vec![],
        endpoint: endpoint.into(),
        purpose: "authentication".into(),
    }
}

async fn issue(
    state: &AppState,
    user: UserId,
    role: Role,
    stamp: &str,
    family: uuid::Uuid,
) -> Result<Tokens, ApiError> {
    let now = now_ms();
    let ttl = state.settings.access_token_minutes * 60;
    let access_token = state.keys.issue(user, role, stamp, now / 1000, ttl);
    let refresh_token = random_token();
    let expires = now + state.settings.refresh_token_days * 86_400_000;
    state
        .store
        .add_refresh_token(&token_hash(&refresh_token), user, family, expires)
        .await?;
    let actor = state.store.actor(user, role).await?;
    Ok(Tokens {
        access_token,
        refresh_token,
        expires_in: ttl,
        user: me_view(state, &actor).await?,
    })
}

#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = Tokens), (status = 401, body = super::error::ErrorBody), (status = 429, body = super::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<Tokens>, ApiError> {
    let s = &state.settings;
    let now = now_ms();
    let address = client_address(peer);
    let endpoint = "POST /api/v1/auth/login";
    if state
        .store
        .failures_from_address(&address, now - 60_000)
        .await?
        >= s.address_failures_per_minute
    {
        state
            .store
            .log_access(&[event(None, None, "login_rate_limited", endpoint)])
            .await?;
        return Err(ApiError::TooMany { retry_after: 60 });
    }
    let username = req.username.trim().to_owned();
    let user = state.store.user_by_name(&username).await?;
    if let Some(u) = &user
        && let Some(until) = u.locked_until
        && until > now
    {
        state
            .store
            .log_access(&[event(
                Some(u.id),
                Some(u.role),
                "login_while_locked",
                endpoint,
            )])
            .await?;
        return Err(ApiError::TooMany {
            retry_after: ((until - now) / 1000).max(1) as u64,
        });
    }
    // Always pay for one argon2 verification, so timing does not tell
    // whether the username exists.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let password = req.password;
    let ok = verify_password_queued(password, hash).await?;
    let ok = ok && user.as_ref().is_some_and(|u| !u.disabled);
    state
        .store
        .record_login_attempt(&username, &address, now, ok)
        .await?;
    let Some(user) = user.filter(|_| ok) else {
        let uid = state.store.user_by_name(&username).await?;
        let mut entries = vec![event(
            uid.as_ref().map(|u| u.id),
            uid.as_ref().map(|u| u.role),
            "login_failed",
            endpoint,
        )];
        if let Some(u) = &uid {
            let window = now - s.lockout_minutes * 60_000;
            if state.store.failures_for_user(&username, window).await? >= s.lockout_failures {
                state
                    .store
                    .set_locked_until(u.id, Some(now + s.lockout_minutes * 60_000))
                    .await?;
                entries.push(event(Some(u.id), Some(u.role), "account_locked", endpoint));
            }
        }
        state.store.log_access(&entries).await?;
        return Err(ApiError::BadCredentials);
    };
    let tokens = issue(
        &state,
        user.id,
        user.role,
        &user.security_stamp,
        uuid::Uuid::new_v4(),
    )
    .await?;
    state
        .store
        .log_access(&[event(Some(user.id), Some(user.role), "login", endpoint)])
        .await?;
    Ok(Json(tokens))
}

#[utoipa::path(post, path = "/api/v1/auth/refresh", request_body = RefreshRequest,
    responses((status = 200, body = Tokens), (status = 401, body = super::error::ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Json<Tokens>, ApiError> {
    let endpoint = "POST /api/v1/auth/refresh";
    match state
        .store
        .use_refresh_token(&token_hash(&req.refresh_token), now_ms())
        .await?
    {
        RefreshOutcome::Rotated { user, family } => {
            let u = state
                .store
                .user(user)
                .await?
                .ok_or(ApiError::Unauthenticated)?;
            if u.disabled {
                return Err(ApiError::Unauthenticated);
            }
            let tokens = issue(&state, u.id, u.role, &u.security_stamp, family).await?;
            state
                .store
                .log_access(&[event(Some(u.id), Some(u.role), "token_refreshed", endpoint)])
                .await?;
            Ok(Json(tokens))
        }
        RefreshOutcome::Reused => {
            state
                .store
                .log_access(&[event(None, None, "refresh_token_reused", endpoint)])
                .await?;
            Err(ApiError::Unauthenticated)
        }
        RefreshOutcome::Invalid => Err(ApiError::Unauthenticated),
    }
}
