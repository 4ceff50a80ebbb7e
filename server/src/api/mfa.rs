//! TOTP (API.md Additions, Identity): enrolment for the signed-in user, and
//! the second step of a sign-in, `POST /api/v1/auth/mfa`. Wrong codes count
//! against the account like wrong passwords (the same reserved attempts),
//! so six digits cannot be guessed one request at a time.

use super::AppState;
use super::auth::{LoginAnswer, event, signed_in};
use super::error::ApiError;
use super::extract::{ApiJson, Auth, client_address};
use crate::auth::{random_token, stamp_digest};
use crate::mfa;
use crate::store::auth::{Attempt, AttemptLimits, Reservation};
use crate::store::mfa::Accepted;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn wrong_code() -> ApiError {
    ApiError::Field {
        code: "wrong_code",
        field: "code".into(),
        message: "that code is not right, or was used already: type the one your app shows now"
            .into(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TotpEnrolment {
    /// Base32, for typing into an authenticator app.
    pub secret: String,
    /// The same as an `otpauth://` URI (for a QR code).
    pub otpauth_uri: String,
}

/// Starts TOTP enrolment: the secret to put in an authenticator app. It
/// takes effect once a code from it is confirmed.
#[utoipa::path(post, path = "/api/v1/me/mfa/totp",
    responses((status = 200, body = TotpEnrolment), (status = 401, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
pub async fn enrol(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<TotpEnrolment>, ApiError> {
    let user = state
        .store
        .user(auth.actor.user)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    start_enrolment(&state, &user, "POST /api/v1/me/mfa/totp").await
}

/// A new (unconfirmed) enrolment for `user`, logged; 409 over a confirmed one.
async fn start_enrolment(
    state: &AppState,
    user: &crate::store::directory::User,
    endpoint: &str,
) -> Result<Json<TotpEnrolment>, ApiError> {
    let nonce = random_token();
    if !state.store.start_totp(user.id, &nonce, now_ms()).await? {
        return Err(ApiError::Conflict(
            "two-step sign-in is already set up for this account".into(),
        ));
    }
    let t = mfa::totp(&state.keys, user.id, &user.username, &nonce)
        .ok_or_else(|| ApiError::Internal("a TOTP could not be made".into()))?;
    state
        .store
        .log_access(&[event(
            Some(user.id),
            Some(user.role),
            "mfa_enrolment_started",
            endpoint,
        )])
        .await?;
    Ok(Json(TotpEnrolment {
        secret: mfa::secret_base32(&t),
        otpauth_uri: t.to_url().map_err(|e| ApiError::Internal(e.to_string()))?,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Code {
    pub code: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Enrolled {
    pub enrolled: bool,
}

/// Confirms enrolment with a code from the app; from then on a password
/// alone signs in no one.
#[utoipa::path(post, path = "/api/v1/me/mfa/totp/confirm", request_body = Code,
    responses((status = 200, body = Enrolled), (status = 401, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<Code>,
) -> Result<Json<Enrolled>, ApiError> {
    let user = state
        .store
        .user(auth.actor.user)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let Some(enrolment) = state.store.totp(user.id).await? else {
        return Err(ApiError::Field {
            code: "not_enrolled",
            field: "code".into(),
            message: "start with POST /api/v1/me/mfa/totp".into(),
        });
    };
    let t = mfa::totp(&state.keys, user.id, &user.username, &enrolment.nonce)
        .ok_or_else(|| ApiError::Internal("a TOTP could not be made".into()))?;
    let step = mfa::matches(&t, &body.code, (now_ms() / 1000) as u64).ok_or_else(wrong_code)?;
    if state
        .store
        .accept_totp_step(user.id, &enrolment.nonce, step, true)
        .await?
        != Accepted::Yes
    {
        return Err(wrong_code());
    }
    state
        .store
        .log_access(&[event(
            Some(user.id),
            Some(user.role),
            "mfa_enrolled",
            "POST /api/v1/me/mfa/totp/confirm",
        )])
        .await?;
    Ok(Json(Enrolled { enrolled: true }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EnrolRequest {
    pub mfa_token: String,
}

/// The user (unexpired token, stamp unchanged) an `mfa_token` was issued
/// for, enabled.
async fn token_user(
    state: &AppState,
    token: &str,
    now: i64,
) -> Result<crate::store::directory::User, ApiError> {
    let (id, stamp) = mfa::read_token(&state.keys, token, now).ok_or(ApiError::Unauthenticated)?;
    let user = state
        .store
        .user(id)
        .await?
        .filter(|u| stamp_digest(&u.security_stamp) == stamp)
        .ok_or(ApiError::Unauthenticated)?;
    if user.disabled {
        return Err(ApiError::AccountDisabled);
    }
    Ok(user)
}

/// What a sign-in of `user` asks for after the password
/// (`client_core::second_factor::step`): their organisation's required
/// roles against whether they have a confirmed factor.
pub(super) async fn sign_in_step(
    state: &AppState,
    user: &crate::store::directory::User,
) -> Result<client_core::second_factor::Step, ApiError> {
    let enrolled = state
        .store
        .totp(user.id)
        .await?
        .is_some_and(|t| t.confirmed);
    let required = state.store.mfa_roles(user.organization).await?;
    Ok(client_core::second_factor::step(
        &required, user.role, enrolled,
    ))
}

/// Whether the sign-in sets up the factor the user's role requires.
async fn must_enrol(
    state: &AppState,
    user: &crate::store::directory::User,
) -> Result<bool, ApiError> {
    Ok(sign_in_step(state, user).await? == client_core::second_factor::Step::Enrol)
}

/// Sets up the second factor a sign-in requires (`methods: ["totp_enrol"]`):
/// the secret for the authenticator app; its first code, sent to `POST
/// /api/v1/auth/mfa`, confirms it and completes the sign-in. Only where the
/// organisation requires one and there is none: a password alone never
/// replaces a factor, nor adds one to an account that needs none.
#[utoipa::path(post, path = "/api/v1/auth/mfa/enrol", request_body = EnrolRequest,
    responses((status = 200, body = TotpEnrolment), (status = 401, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
pub async fn enrol_at_sign_in(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<EnrolRequest>,
) -> Result<Json<TotpEnrolment>, ApiError> {
    let user = token_user(&state, &req.mfa_token, now_ms()).await?;
    if !must_enrol(&state, &user).await? {
        return Err(ApiError::Conflict(
            "this sign-in sets up no second factor".into(),
        ));
    }
    start_enrolment(&state, &user, "POST /api/v1/auth/mfa/enrol").await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MfaRequest {
    pub mfa_token: String,
    pub code: String,
    /// As at `POST /api/v1/auth/login`.
    #[serde(default)]
    pub device_cookie: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub device: Option<uuid::Uuid>,
}

/// The second step of a sign-in: the code for the `mfa_token` the password
/// step gave. Answers with the tokens, as a sign-in without MFA does.
#[utoipa::path(post, path = "/api/v1/auth/mfa", request_body = MfaRequest,
    responses((status = 200, body = LoginAnswer), (status = 401, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody), (status = 429, body = super::error::ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<MfaRequest>,
) -> Result<Json<LoginAnswer>, ApiError> {
    let now = now_ms();
    let endpoint = "POST /api/v1/auth/mfa";
    let user = token_user(&state, &req.mfa_token, now).await?;
    let address = client_address(peer);
    let device = req
        .device_cookie
        .as_deref()
        .and_then(|c| crate::device_cookie::verify(&state.keys, user.id, c))
        .map(|d| d.simple().to_string());
    let attempt = match state
        .store
        .reserve_login_attempt(
            &Attempt {
                username: &user.username,
                address: &address,
                device: device.as_deref(),
                at: now,
            },
            &AttemptLimits::of(&state.settings),
        )
        .await?
    {
        Reservation::Refused { retry_after_ms, .. } => {
            state
                .store
                .log_access(&[event(
                    Some(user.id),
                    Some(user.role),
                    "mfa_while_locked",
                    endpoint,
                )])
                .await?;
            return Err(ApiError::TooMany {
                retry_after: (retry_after_ms / 1000).max(1) as u64,
            });
        }
        Reservation::Granted { attempt, .. } => attempt,
    };
    // The enrolled factor; or, while a sign-in sets up the one its role
    // requires, the new one, whose first code confirms it.
    let setting_up = must_enrol(&state, &user).await?;
    let enrolment = state
        .store
        .totp(user.id)
        .await?
        .filter(|t| t.confirmed || setting_up);
    let matched = enrolment.and_then(|e| {
        let t = mfa::totp(&state.keys, user.id, &user.username, &e.nonce)?;
        Some((e.nonce, mfa::matches(&t, &req.code, (now / 1000) as u64)?))
    });
    let accepted = match matched {
        Some((nonce, step)) => {
            state
                .store
                .accept_totp_step(user.id, &nonce, step, setting_up)
                .await?
                == Accepted::Yes
        }
        None => false,
    };
    if !accepted {
        state
            .store
            .log_access(&[event(
                Some(user.id),
                Some(user.role),
                "mfa_failed",
                endpoint,
            )])
            .await?;
        return Err(wrong_code());
    }
    state.store.login_succeeded(attempt).await?;
    if setting_up {
        state
            .store
            .log_access(&[event(
                Some(user.id),
                Some(user.role),
                "mfa_enrolled",
                endpoint,
            )])
            .await?;
    }
    let tokens = signed_in(&state, &user, req.device_cookie, req.device, endpoint).await?;
    Ok(Json(LoginAnswer::Tokens(Box::new(tokens))))
}

/// An admin removes a user's second factor (a lost phone): the user signs
/// in with their password alone and enrols again, and every session of
/// theirs ends. Who may is `client_core::directory::may_reset_second_factor`.
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}/mfa",
    responses((status = 204, description = "removed; every session of the user ended"), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
pub async fn reset(
    State(state): State<AppState>,
    auth: Auth,
    axum::extract::Path(id): axum::extract::Path<client_core::UserId>,
) -> Result<axum::http::StatusCode, ApiError> {
    let mine = super::admin::admin(&state, &auth).await?;
    let target = super::admin::managed(&state, mine, id).await?;
    client_core::directory::may_reset_second_factor(
        mine,
        id == auth.actor.user,
        target.role,
        target.disabled,
    )
    .map_err(|e| ApiError::Conflict(e.to_string()))?;
    let log = auth.view_entry(
        "admin_mfa_reset",
        "DELETE /api/v1/admin/users/{id}/mfa",
        format!("user={id} role={}", target.role),
        vec![],
    );
    match state.store.reset_mfa(id, log).await? {
        crate::store::mfa::Reset::Done => Ok(axum::http::StatusCode::NO_CONTENT),
        crate::store::mfa::Reset::NotEnrolled => Err(ApiError::Conflict(
            "this user has no second factor to reset".into(),
        )),
    }
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct MfaRoles {
    /// The roles of the admin's organisation that must sign in with a
    /// second factor (by default every role but `sro`).
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<client_core::Role>,
}

/// Which roles of the admin's organisation must use a second factor.
#[utoipa::path(get, path = "/api/v1/admin/settings/mfa",
    responses((status = 200, body = MfaRoles), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn roles(State(state): State<AppState>, auth: Auth) -> Result<Json<MfaRoles>, ApiError> {
    let mine = super::admin::admin(&state, &auth).await?;
    Ok(Json(MfaRoles {
        roles: state.store.mfa_roles(mine).await?,
    }))
}

/// Sets them: a sign-in of such a role without a second factor sets one
/// up from then on; one with a factor is always asked for it.
#[utoipa::path(put, path = "/api/v1/admin/settings/mfa", request_body = MfaRoles,
    responses((status = 200, body = MfaRoles), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn set_roles(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<MfaRoles>,
) -> Result<Json<MfaRoles>, ApiError> {
    let mine = super::admin::admin(&state, &auth).await?;
    let roles = client_core::second_factor::normalized(&req.roles);
    let log = auth.view_entry(
        "mfa_roles_set",
        "PUT /api/v1/admin/settings/mfa",
        format!(
            "roles={}",
            roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ),
        vec![],
    );
    state
        .store
        .set_mfa_roles(mine, &roles, Some(auth.actor.user), now_ms(), Some(log))
        .await?;
    Ok(Json(MfaRoles { roles }))
}
