//! `POST /auth/login` and `POST /auth/refresh`.

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, client_address};
use super::me::{MeView, me_view};
use crate::auth::{dummy_hash, random_token, token_hash, verify_password_queued};
use crate::credentials::{MAX_USERNAME_CHARS, normalize_username};
use crate::device_cookie;
use crate::store::audit::Entry;
use crate::store::auth::{Attempt, AttemptLimits, RefreshOutcome, RefusedBy, Reservation};
use axum::Json;
use axum::extract::{ConnectInfo, State};
use client_core::{Role, UserId};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The `device_cookie` an earlier sign-in on this device received. With
    /// it, a stranger's wrong guesses at this account cannot lock this device
    /// out.
    #[serde(default)]
    pub device_cookie: Option<String>,
    /// The signing-in device's id: the answer then carries the secret that
    /// device wraps its storage key with.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub device: Option<uuid::Uuid>,
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
    /// When this sign-in ends for good, however often it is refreshed
    /// (RFC 3339); the user then signs in again.
    pub session_expires_at: String,
    /// Hours the app may unlock offline after it last reached the server.
    pub offline_unlock_hours: f64,
    /// Keep it on this device and send it with the next sign-in (login only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_cookie: Option<String>,
    /// The device's wrapping secret (base64url), when `device` was given:
    /// only a sign-in releases it (a password, or an identity provider's
    /// ticket), never a bearer token (login only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_secret: Option<String>,
    /// Secrets the device may have wrapped with before (the previous epoch,
    /// the per-user secret of older versions), to recover and re-wrap.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub previous_device_secrets: Vec<String>,
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

/// A sign-in's tokens. Neither outlives `session_end`: the access token's
/// lifetime is cut to it, and the refresh token carries it unchanged.
async fn issue(
    state: &AppState,
    user: UserId,
    role: Role,
    stamp: &str,
    family: uuid::Uuid,
    session_end: i64,
) -> Result<Tokens, ApiError> {
    let now = now_ms();
    let ttl = (state.settings.access_token_minutes * 60).min((session_end - now) / 1000);
    if ttl <= 0 {
        return Err(ApiError::SessionExpired);
    }
    let access_token = state.keys.issue(user, role, stamp, now / 1000, ttl);
    let refresh_token = random_token();
    let expires = (now + state.settings.refresh_token_days * 86_400_000).min(session_end);
    let stored = state
        .store
        .add_refresh_token(
            &token_hash(&refresh_token),
            user,
            family,
            expires,
            session_end,
            stamp,
        )
        .await?;
    if !stored {
        // The account was disabled, or its stamp moved, while answering.
        return Err(ApiError::Unauthenticated);
    }
    let actor = state.store.actor(user, role).await?;
    let org = state.store.user(user).await?.and_then(|u| u.organization);
    let policy = super::extract::policy_of(state, org).await?;
    Ok(Tokens {
        access_token,
        refresh_token,
        expires_in: ttl,
        session_expires_at: chrono::DateTime::from_timestamp_millis(session_end)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        device_cookie: None,
        device_secret: None,
        previous_device_secrets: Vec::new(),
        offline_unlock_hours: state.settings.offline_unlock_hours,
        user: me_view(state, &actor, &policy).await?,
    })
}

/// Signs in. Each attempt reserves a verification before the password is
/// checked (`Store::reserve_login_attempt`), so no number of concurrent
/// guesses gets more verifications than the lockout allows; an unknown
/// username is limited and answered exactly as a known one.
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = LoginAnswer), (status = 401, body = super::error::ErrorBody), (status = 429, body = super::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginAnswer>, ApiError> {
    let now = now_ms();
    let address = client_address(peer);
    let endpoint = "POST /api/v1/auth/login";
    let username = normalize_username(&req.username);
    // No account has a longer name (credentials::check_new_username); a
    // longer one is limited under its digest, so a megabyte of name is
    // neither stored nor indexed (PostgreSQL's index refuses ~2.7 KB: 500).
    let username = if username.chars().count() > MAX_USERNAME_CHARS {
        format!("#{}", &crate::auth::token_hash(&username)[..32])
    } else {
        username
    };
    let user = state.store.user_by_name(&username).await?;
    let device = user.as_ref().and_then(|u| {
        req.device_cookie
            .as_deref()
            .and_then(|c| device_cookie::verify(&state.keys, u.id, c))
    });
    let device_id = device.map(|d| d.simple().to_string());
    let reservation = state
        .store
        .reserve_login_attempt(
            &Attempt {
                username: &username,
                address: &address,
                device: device_id.as_deref(),
                at: now,
            },
            &AttemptLimits::of(&state.settings),
        )
        .await?;
    let (uid, role) = (user.as_ref().map(|u| u.id), user.as_ref().map(|u| u.role));
    let (attempt, fills_bucket) = match reservation {
        Reservation::Refused { retry_after_ms, by } => {
            let name = match by {
                RefusedBy::Address => "login_rate_limited",
                RefusedBy::Account => "login_while_locked",
            };
            state
                .store
                .log_access(&[event(uid, role, name, endpoint)])
                .await?;
            return Err(ApiError::TooMany {
                retry_after: (retry_after_ms / 1000).max(1) as u64,
            });
        }
        Reservation::Granted { attempt, last } => (attempt, last),
    };
    // Always pay for one argon2 verification, so timing does not tell
    // whether the username exists.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let ok = verify_password_queued(req.password, hash).await?;
    if ok && user.as_ref().is_some_and(|u| u.disabled) {
        // The right password proves who asks: they learn why, and nobody
        // else can (a wrong password is answered as always).
        state
            .store
            .log_access(&[event(uid, role, "login_disabled", endpoint)])
            .await?;
        return Err(ApiError::AccountDisabled);
    }
    let Some(user) = user.filter(|_| ok) else {
        let mut entries = vec![event(uid, role, "login_failed", endpoint)];
        if fills_bucket {
            entries.push(event(uid, role, "account_locked", endpoint));
        }
        state.store.log_access(&entries).await?;
        return Err(ApiError::BadCredentials);
    };
    // With a second factor enrolled, the password alone yields no tokens;
    // and its attempt stays counted until the code is right, so signing in
    // again never buys more guesses at the code.
    if let Some(challenge) = second_factor(&state, &user, endpoint, now).await? {
        return Ok(Json(LoginAnswer::Mfa(challenge)));
    }
    state.store.login_succeeded(attempt).await?;
    let tokens = signed_in(&state, &user, req.device_cookie, req.device, endpoint).await?;
    Ok(Json(LoginAnswer::Tokens(Box::new(tokens))))
}

/// The challenge a sign-in answers instead of tokens (logged): the code of
/// the enrolled factor, or, where the user's organisation requires one of
/// their role and they have none, its setting up
/// (`client_core::second_factor::step`); `None` when the tokens follow.
pub(super) async fn second_factor(
    state: &AppState,
    user: &crate::store::directory::User,
    endpoint: &str,
    now: i64,
) -> Result<Option<MfaChallenge>, ApiError> {
    use client_core::second_factor::Step;
    let (event_name, method) = match super::mfa::sign_in_step(state, user).await? {
        Step::Tokens => return Ok(None),
        Step::Code => ("login_mfa_required", "totp"),
        Step::Enrol => ("login_mfa_enrolment_required", "totp_enrol"),
    };
    state
        .store
        .log_access(&[event(Some(user.id), Some(user.role), event_name, endpoint)])
        .await?;
    Ok(Some(MfaChallenge {
        mfa_required: true,
        mfa_token: crate::mfa::issue_token(&state.keys, user.id, &user.security_stamp, now),
        methods: vec![method.into()],
    }))
}

/// What a sign-in answers: the tokens, or, with a second factor enrolled,
/// the challenge to answer at `POST /api/v1/auth/mfa`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LoginAnswer {
    Tokens(Box<Tokens>),
    Mfa(MfaChallenge),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MfaChallenge {
    pub mfa_required: bool,
    /// Send it back with the code; it lasts five minutes.
    pub mfa_token: String,
    /// `totp`: type the code; `totp_enrol`: the organisation requires a
    /// second factor of this role and there is none yet: set it up at
    /// `POST /api/v1/auth/mfa/enrol`, then send its first code.
    pub methods: Vec<String>,
}

/// The end of a successful sign-in (the password, and the code if one is
/// enrolled): the tokens, a device cookie, and the device's wrapping secret
/// when the device named itself; logged.
pub(super) async fn signed_in(
    state: &AppState,
    user: &crate::store::directory::User,
    cookie: Option<String>,
    req_device: Option<uuid::Uuid>,
    endpoint: &str,
) -> Result<Tokens, ApiError> {
    let now = now_ms();
    let session_end = now + (state.settings.session_hours * 3_600_000.0) as i64;
    let mut tokens = issue(
        state,
        user.id,
        user.role,
        &user.security_stamp,
        uuid::Uuid::new_v4(),
        session_end,
    )
    .await?;
    let known = cookie
        .as_deref()
        .and_then(|c| device_cookie::verify(&state.keys, user.id, c));
    tokens.device_cookie = Some(match (known, cookie) {
        (Some(_), Some(cookie)) => cookie,
        _ => device_cookie::issue(&state.keys, user.id, uuid::Uuid::new_v4()),
    });
    let mut entries = vec![event(Some(user.id), Some(user.role), "login", endpoint)];
    if let Some(device) = req_device {
        use base64::Engine;
        let b64 = |s: [u8; 32]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let keys = &state.keys;
        tokens.device_secret = Some(b64(keys.device_secret(user.id, device, user.device_epoch)));
        if user.device_epoch > 0 {
            let previous = keys.device_secret(user.id, device, user.device_epoch - 1);
            tokens.previous_device_secrets.push(b64(previous));
        }
        tokens
            .previous_device_secrets
            .push(b64(keys.legacy_device_secret(user.id)));
        entries.push(event(
            Some(user.id),
            Some(user.role),
            "device_key_released",
            endpoint,
        ));
    }
    state.store.log_access(&entries).await?;
    Ok(tokens)
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
        RefreshOutcome::Rotated {
            user,
            family,
            session_expires_at,
            stamp,
        } => {
            let u = state
                .store
                .user(user)
                .await?
                .ok_or(ApiError::Unauthenticated)?;
            if u.disabled {
                return Err(ApiError::AccountDisabled);
            }
            // Signed in before the organisation required a second factor of
            // this role, without one: the sign-in ends here, and the next
            // one sets the factor up (rather than living out its shift).
            if super::mfa::sign_in_step(&state, &u).await?
                == client_core::second_factor::Step::Enrol
            {
                state
                    .store
                    .log_access(&[event(
                        Some(u.id),
                        Some(u.role),
                        "refresh_refused_mfa_required",
                        endpoint,
                    )])
                    .await?;
                return Err(ApiError::SessionExpired);
            }
            // Under the stamp as it stood when the old token was used: a
            // reset committed since then refuses the successor.
            let tokens = issue(&state, u.id, u.role, &stamp, family, session_expires_at).await?;
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
        RefreshOutcome::Revoked { user } => {
            let disabled = state.store.user(user).await?.is_some_and(|u| u.disabled);
            Err(if disabled {
                ApiError::AccountDisabled
            } else {
                ApiError::Unauthenticated
            })
        }
        RefreshOutcome::SessionEnded => Err(ApiError::SessionExpired),
        RefreshOutcome::Invalid => Err(ApiError::Unauthenticated),
    }
}
