//! One-time invites (API.md Additions): an admin creates a user without a
//! password, or resets one, and hands the token over; its holder sets a
//! password at `POST /api/v1/auth/invite`. Only the token's SHA-256 is
//! kept; it works once, for `INVITE_HOURS`, and a newer one replaces it.

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, Auth};
use crate::auth::{hash_password_queued, random_token, token_hash};
use crate::credentials::check_password;
use axum::Json;
use axum::extract::{Path, State};
use client_core::UserId;
use serde::{Deserialize, Serialize};

/// How long an invite lasts: a new hire may get it on a Friday.
pub const INVITE_HOURS: i64 = 72;

/// Keeps `token` as `user`'s invite, logged as made by `auth`.
pub(super) async fn keep(
    state: &AppState,
    auth: &Auth,
    user: UserId,
    token: &str,
    endpoint: &str,
) -> Result<(), ApiError> {
    let now = super::now();
    let log = auth.view_entry(
        "admin_invite",
        endpoint,
        format!("user={user} hours={INVITE_HOURS}"),
        vec![],
    );
    state
        .store
        .add_invite(
            user,
            token_hash(token),
            now.plus_hours(INVITE_HOURS).millis(),
            now.millis(),
            log,
        )
        .await?;
    Ok(())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct InviteToken {
    pub invite_token: String,
}

/// A one-time token to set a new password. The current password keeps
/// working until the token is used (a reset asked for by mistake locks
/// nobody out); using it ends every session.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/password-reset",
    responses((status = 200, body = InviteToken), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn password_reset(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<UserId>,
) -> Result<Json<InviteToken>, ApiError> {
    let mine = super::admin::admin(&state, &auth).await?;
    super::admin::managed(&state, mine, id).await?;
    match state.store.user(id).await? {
        None => return Err(ApiError::NotFound),
        // A disabled account stays shut: enabling it is its own decision.
        Some(u) if u.disabled => {
            return Err(ApiError::Conflict(
                "this account is disabled: enable it before resetting its password".into(),
            ));
        }
        Some(_) => {}
    }
    let token = random_token();
    keep(
        &state,
        &auth,
        id,
        &token,
        "POST /api/v1/admin/users/{id}/password-reset",
    )
    .await?;
    Ok(Json(InviteToken {
        invite_token: token,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Redeem {
    pub invite_token: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Redeemed {
    /// Sign in with it and the new password.
    pub username: String,
}

fn unusable() -> ApiError {
    ApiError::Field {
        code: "invalid_invite",
        field: "invite_token".into(),
        message: "this invite is unknown, used or expired: ask your admin for a new one".into(),
    }
}

#[utoipa::path(post, path = "/api/v1/auth/invite", request_body = Redeem,
    responses((status = 200, body = Redeemed), (status = 422, body = super::error::ErrorBody)))]
pub async fn redeem(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Redeem>,
) -> Result<Json<Redeemed>, ApiError> {
    let now = super::now().millis();
    let hash = token_hash(&body.invite_token);
    let Some(username) = state.store.invite_for(&hash, now).await? else {
        return Err(unusable());
    };
    check_password(&body.password, &username).map_err(|e| ApiError::Field {
        code: "weak_password",
        field: "password".into(),
        message: e.to_string(),
    })?;
    let password_hash = hash_password_queued(body.password)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let log = |user, role| crate::store::audit::Entry {
        at: now,
        user: Some(user),
        role,
        event: "invite_redeemed".into(),
        record: None,
        student_refs: vec![],
        fields: vec![],
        endpoint: "POST /api/v1/auth/invite".into(),
        purpose: "password set".into(),
    };
    let Some((_, username)) = state
        .store
        .redeem_invite(&hash, &password_hash, now, log)
        .await?
    else {
        return Err(unusable());
    };
    Ok(Json(Redeemed { username }))
}
