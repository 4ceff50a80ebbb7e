//! Sign-in with an identity provider (issue 18), under
//! `/api/v1/auth/oidc/`:
//! - `GET providers`: the buttons the sign-in screen shows;
//! - `GET {provider}/start`: leaves for the provider (303), with a cookie
//!   that ties the sign-in to this browser;
//! - `GET {provider}/callback`: the provider sends the browser back; the
//!   identity is checked and must be linked to an account (by an admin:
//!   `api::identities`), and the browser goes to the app with a one-time
//!   ticket in the fragment (`/#oidc=...`, never sent to a server or in a
//!   `Referer`), or with the reason it was refused (`/#oidc-error=<code>`);
//! - `POST redeem`: the app trades the ticket, within two minutes and in
//!   the same browser, for what a password sign-in answers (the tokens, or
//!   the second-factor challenge when one is enrolled).
//!
//! Every refusal is in the access log, with a digest of the provider's
//! subject where there is one.

use super::AppState;
use super::auth::{LoginAnswer, Tokens, event, second_factor, signed_in};
use super::error::ApiError;
use super::extract::{ApiJson, client_address};
use super::transport::OverTls;
use crate::auth::{random_token, token_hash};
use crate::oidc::{self, ProviderSettings};
use crate::store::entity::{oidc_login, oidc_ticket};
use axum::Json;
use axum::extract::{ConnectInfo, Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use client_core::identity::{self, Account};
use serde::{Deserialize, Serialize};

const COOKIE: &str = "fieldlog_oidc";
const COOKIE_PATH: &str = "/api/v1/auth/oidc/";
/// How long the app has to redeem a ticket.
const TICKET_MS: i64 = 2 * 60_000;
/// Sign-ins started per address in ten minutes. Each costs a request to
/// the provider and a row; without a limit, anyone could make the server
/// hammer the provider until it refused the agency's own users. Generous,
/// for a district office behind one address at the start of a day.
const STARTS: crate::store::complaints::PostLimit = crate::store::complaints::PostLimit {
    kind: "oidc_start",
    max: 100,
    window_ms: 10 * 60_000,
};

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProviderOut {
    pub id: String,
    pub name: String,
}

/// The identity providers users may sign in with (no sign-in needed).
#[utoipa::path(get, path = "/api/v1/auth/oidc/providers",
    responses((status = 200, body = Vec<ProviderOut>)))]
pub async fn providers(State(state): State<AppState>) -> Json<Vec<ProviderOut>> {
    Json(
        state
            .settings
            .oidc
            .iter()
            .map(|p| ProviderOut {
                id: p.id.clone(),
                name: p.name.clone(),
            })
            .collect(),
    )
}

fn provider<'a>(state: &'a AppState, id: &str) -> Result<&'a ProviderSettings, ApiError> {
    state
        .settings
        .oidc
        .iter()
        .find(|p| p.id == id)
        .ok_or(ApiError::NotFound)
}

fn secret(state: &AppState, p: &ProviderSettings) -> Result<String, ApiError> {
    let dir = state
        .settings
        .keys_dir()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    std::fs::read_to_string(oidc::secret_file(&dir, &p.id))
        .map(|s| s.trim().to_owned())
        .map_err(|e| ApiError::Internal(format!("oidc provider {}'s secret: {e}", p.id)))
}

/// Where the provider sends the browser back: the public address when it
/// is set, else the request's own (a forged `Host` only misdirects the
/// forger's own sign-in, and the provider refuses an unregistered one).
fn callback_url(
    state: &AppState,
    headers: &HeaderMap,
    tls: bool,
    provider: &str,
) -> Result<String, ApiError> {
    let base = match &state.settings.public_url {
        Some(u) => u.trim_end_matches('/').to_owned(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .filter(|h| {
                    !h.is_empty()
                        && h.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
                })
                .ok_or_else(|| ApiError::BadRequest {
                    code: "bad_host",
                    message: "the request names no host to come back to".into(),
                })?;
            format!("{}://{host}", if tls { "https" } else { "http" })
        }
    };
    Ok(format!("{base}/api/v1/auth/oidc/{provider}/callback"))
}

fn cookie(value: &str, max_age: i64, tls: bool) -> HeaderValue {
    let secure = if tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path={COOKIE_PATH}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn browser_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

/// Leaves for the provider.
#[utoipa::path(get, path = "/api/v1/auth/oidc/{provider}/start",
    params(("provider" = String, Path)),
    responses((status = 303, description = "to the provider"), (status = 404, body = super::error::ErrorBody), (status = 429, body = super::error::ErrorBody), (status = 503, body = super::error::ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Path(id): Path<String>,
    tls: Option<Extension<OverTls>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let tls = tls.is_some_and(|t| t.0.0);
    let p = provider(&state, &id)?;
    if let Some(retry) = state
        .store
        .reserve_public_post(&client_address(peer), STARTS, now_ms())
        .await?
    {
        return Err(ApiError::TooMany {
            retry_after: (retry / 1_000).max(1) as u64,
        });
    }
    let redirect_uri = callback_url(&state, &headers, tls, &p.id)?;
    let auth = oidc::authorize(p, secret(&state, p)?, &redirect_uri)
        .await
        .map_err(|e| {
            tracing::warn!(provider = %p.id, problem = e.kind(), "oidc sign-in could not start");
            ApiError::Unavailable("the identity provider did not answer".into())
        })?;
    let browser = random_token();
    state
        .store
        .begin_oidc_login(oidc_login::Model {
            state_hash: token_hash(&auth.state),
            provider: p.id.clone(),
            browser_hash: token_hash(&browser),
            nonce: auth.nonce,
            pkce_verifier: auth.pkce_verifier,
            redirect_uri,
            created_at: now_ms(),
        })
        .await?;
    let max_age = crate::store::identities::LOGIN_MAX_AGE_MS / 1000;
    Ok((
        [(header::SET_COOKIE, cookie(&browser, max_age, tls))],
        Redirect::to(&auth.url),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// RFC 9207: the issuer that answered, when it says.
    iss: Option<String>,
}

/// Logs why a sign-in at the provider opened nothing, and sends the
/// browser to the sign-in screen with the reason (its cookie cleared).
async fn refuse(
    state: &AppState,
    tls: bool,
    entry: crate::store::audit::Entry,
    code: &str,
) -> Result<Response, ApiError> {
    state.store.log_access(&[entry]).await?;
    Ok((
        [(header::SET_COOKIE, cookie("", 0, tls))],
        Redirect::to(&format!("/#oidc-error={code}")),
    )
        .into_response())
}

/// The provider sends the browser back here; it goes on to the app.
#[utoipa::path(get, path = "/api/v1/auth/oidc/{provider}/callback",
    params(("provider" = String, Path)),
    responses((status = 303, description = "to the app: `/#oidc=<ticket>` or `/#oidc-error=<code>`")))]
pub async fn callback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<CallbackQuery>,
    tls: Option<Extension<OverTls>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let tls = tls.is_some_and(|t| t.0.0);
    let p = provider(&state, &id)?;
    let endpoint = format!("GET /api/v1/auth/oidc/{}/callback", p.id);
    let note = |user: Option<&crate::store::directory::User>, name: &str, subject: Option<&str>| {
        let mut e = event(user.map(|u| u.id), user.map(|u| u.role), name, &endpoint);
        // Which identity, without its value: a digest ties the entries of
        // one person at the provider together.
        if let Some(sub) = subject {
            e.purpose = format!("authentication; subject#{}", &token_hash(sub)[..16]);
        }
        e
    };
    let now = now_ms();
    // The state is used up whatever follows: one try per sign-in.
    let login = match q.state.as_deref() {
        Some(s) => state.store.take_oidc_login(&token_hash(s), now).await?,
        None => None,
    };
    let Some(login) = login.filter(|l| l.provider == p.id) else {
        return refuse(
            &state,
            tls,
            note(None, "oidc_refused_expired", None),
            "expired",
        )
        .await;
    };
    // Started in another browser: someone else's sign-in, brought here to
    // open their account in this one (login CSRF).
    let browser = browser_cookie(&headers).map(token_hash);
    if browser.as_deref() != Some(login.browser_hash.as_str()) {
        let e = note(None, "oidc_refused_wrong_browser", None);
        return refuse(&state, tls, e, "wrong_browser").await;
    }
    if q.error.is_some() {
        return refuse(&state, tls, note(None, "oidc_cancelled", None), "cancelled").await;
    }
    let (Some(code), true) = (q.code, q.iss.as_deref().is_none_or(|i| i == p.issuer)) else {
        let e = note(None, "oidc_refused_provider_failed", None);
        return refuse(&state, tls, e, "provider_failed").await;
    };
    let who = match oidc::finish(
        p,
        secret(&state, p)?,
        &login.redirect_uri,
        code,
        login.pkce_verifier,
        login.nonce,
    )
    .await
    {
        Ok(who) => who,
        Err(e) => {
            tracing::warn!(provider = %p.id, problem = e.kind(), "oidc sign-in failed at the provider");
            let e = note(None, "oidc_refused_provider_failed", None);
            return refuse(&state, tls, e, "provider_failed").await;
        }
    };
    let sub = Some(who.subject.as_str());
    let linked = match state
        .store
        .identity_link(&p.id, &p.issuer, &who.subject)
        .await?
    {
        Some(u) => state.store.user(u).await?,
        None => None,
    };
    let user = match identity::opens(p.organization_id, linked.as_ref().map(account)) {
        Ok(_) => linked
            .as_ref()
            .ok_or_else(|| ApiError::Internal("opened no account".into()))?,
        Err(r) => {
            // An account of another organisation is not named in the log
            // entry of this one's provider.
            let named = linked.as_ref().filter(|_| r == identity::Refusal::Disabled);
            let e = note(named, &format!("oidc_refused_{}", r.code()), sub);
            return refuse(&state, tls, e, r.code()).await;
        }
    };
    let ticket = random_token();
    state
        .store
        .add_oidc_ticket(
            oidc_ticket::Model {
                ticket_hash: token_hash(&ticket),
                user_id: user.id.0,
                browser_hash: login.browser_hash,
                expires_at: now + TICKET_MS,
            },
            &[note(Some(user), "oidc_signed_in", sub)],
        )
        .await?;
    // The browser cookie stays: the ticket is redeemed in this browser only.
    Ok(Redirect::to(&format!("/#oidc={ticket}")).into_response())
}

fn account(u: &crate::store::directory::User) -> Account {
    Account {
        user: u.id,
        role: u.role,
        organization: u.organization,
        disabled: u.disabled,
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RedeemRequest {
    pub ticket: String,
    /// As at `POST /auth/login`: the answer then carries the device's secret.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub device: Option<uuid::Uuid>,
}

/// Trades the ticket for what a password sign-in answers, in the browser
/// the sign-in was started in (its cookie): a ticket sent to someone else
/// opens nothing there.
#[utoipa::path(post, path = "/api/v1/auth/oidc/redeem", request_body = RedeemRequest,
    responses((status = 200, body = LoginAnswer), (status = 401, body = super::error::ErrorBody)))]
pub async fn redeem(
    State(state): State<AppState>,
    tls: Option<Extension<OverTls>>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<RedeemRequest>,
) -> Result<Response, ApiError> {
    let tls = tls.is_some_and(|t| t.0.0);
    let now = now_ms();
    let endpoint = "POST /api/v1/auth/oidc/redeem";
    let ticket = state
        .store
        .take_oidc_ticket(&token_hash(&req.ticket), now)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let user = state
        .store
        .user(client_core::UserId(ticket.user_id))
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if browser_cookie(&headers).map(token_hash).as_deref() != Some(ticket.browser_hash.as_str()) {
        state
            .store
            .log_access(&[event(
                Some(user.id),
                Some(user.role),
                "oidc_ticket_wrong_browser",
                endpoint,
            )])
            .await?;
        return Err(ApiError::Unauthenticated);
    }
    if user.disabled {
        return Err(ApiError::AccountDisabled);
    }
    let clear = [(header::SET_COOKIE, cookie("", 0, tls))];
    // The provider's sign-in stands for the password; a second factor
    // enrolled here is still asked for, as after a password.
    if let Some(challenge) = second_factor(&state, &user, endpoint, now).await? {
        return Ok((clear, Json(LoginAnswer::Mfa(challenge))).into_response());
    }
    let tokens: Tokens = signed_in(&state, &user, None, req.device, endpoint).await?;
    Ok((clear, Json(LoginAnswer::Tokens(Box::new(tokens)))).into_response())
}
