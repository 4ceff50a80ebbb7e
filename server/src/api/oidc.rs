//! Sign-in with an identity provider (issue 18), under
//! `/api/v1/auth/oidc/`:
//! - `GET providers`: the buttons the sign-in screen shows;
//! - `GET {provider}/start`: leaves for the provider (303), with a cookie
//!   that ties the sign-in to this browser;
//! - `GET {provider}/callback`: the provider sends the browser back; the
//!   identity is checked, linked on a first sign-in where the settings
//!   allow, and the browser goes to the app with a one-time ticket in the
//!   fragment (`/#oidc=...`, never sent to a server or in a `Referer`), or
//!   with the reason it was refused (`/#oidc-error=<code>`);
//! - `POST redeem`: the app trades the ticket, within two minutes, for what
//!   a password sign-in answers (the tokens, or the second-factor
//!   challenge when one is enrolled).

use super::AppState;
use super::auth::{LoginAnswer, Tokens, event, second_factor, signed_in};
use super::error::ApiError;
use super::extract::ApiJson;
use super::transport::OverTls;
use crate::auth::{random_token, token_hash};
use crate::credentials::normalize_username;
use crate::oidc::{self, ProviderSettings};
use crate::store::entity::oidc_login;
use crate::store::identities::Finished;
use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use client_core::identity::{self, Account, Named, Opens, Provider};
use serde::{Deserialize, Serialize};

const COOKIE: &str = "fieldlog_oidc";
const COOKIE_PATH: &str = "/api/v1/auth/oidc/";
/// How long the app has to redeem a ticket.
const TICKET_MS: i64 = 2 * 60_000;

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
    responses((status = 303, description = "to the provider"), (status = 404, body = super::error::ErrorBody), (status = 503, body = super::error::ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    tls: Option<Extension<OverTls>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let tls = tls.is_some_and(|t| t.0.0);
    let p = provider(&state, &id)?;
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
    let to_app = |fragment: String| {
        (
            [(header::SET_COOKIE, cookie("", 0, tls))],
            Redirect::to(&format!("/#{fragment}")),
        )
            .into_response()
    };
    let refused = |code: &str| to_app(format!("oidc-error={code}"));
    let p = provider(&state, &id)?;
    let now = now_ms();
    // The state is used up whatever follows: one try per sign-in.
    let login = match q.state.as_deref() {
        Some(s) => state.store.take_oidc_login(&token_hash(s), now).await?,
        None => None,
    };
    let Some(login) = login.filter(|l| l.provider == p.id) else {
        return Ok(refused("expired"));
    };
    // Started in another browser: someone else's sign-in, brought here to
    // open their account in this one (login CSRF).
    if browser_cookie(&headers).map(token_hash) != Some(login.browser_hash) {
        return Ok(refused("wrong_browser"));
    }
    if q.error.is_some() {
        return Ok(refused("cancelled"));
    }
    let (Some(code), true) = (q.code, q.iss.as_deref().is_none_or(|i| i == p.issuer)) else {
        return Ok(refused("provider_failed"));
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
            return Ok(refused("provider_failed"));
        }
    };
    let endpoint = "GET /api/v1/auth/oidc/{provider}/callback";
    let account = |u: &crate::store::directory::User| Account {
        user: u.id,
        role: u.role,
        organization: u.organization,
        disabled: u.disabled,
    };
    let linked = match state.store.identity_link(&p.id, &who.subject).await? {
        Some(u) => state.store.user(u).await?,
        None => None,
    };
    let mut named = None;
    if linked.is_none()
        && let Some(name) = p.link_by.and_then(|by| who.claim(by))
        && let Some(u) = state.store.user_by_name(&normalize_username(name)).await?
    {
        let elsewhere = state.store.linked_at(&p.id, u.id).await?;
        named = Some((u, elsewhere));
    }
    let verdict = identity::opens(
        Provider {
            organization: p.organization_id,
            link_by: p.link_by,
        },
        linked.as_ref().map(account),
        named.as_ref().map(|(u, elsewhere)| Named {
            account: account(u),
            linked_elsewhere: *elsewhere,
        }),
        who.email_verified,
    );
    let user = match (&verdict, &linked, &named) {
        (Ok(Opens::Linked(_)), Some(u), _) | (Ok(Opens::LinkNow(_)), _, Some((u, _))) => u,
        (Err(r), ..) => {
            let who = linked.as_ref().or(named.as_ref().map(|(u, _)| u));
            let name = format!("oidc_refused_{}", r.code());
            state
                .store
                .log_access(&[event(
                    who.map(|u| u.id),
                    who.map(|u| u.role),
                    &name,
                    endpoint,
                )])
                .await?;
            return Ok(refused(r.code()));
        }
        _ => {
            return Err(ApiError::Internal(
                "oidc verdict without its account".into(),
            ));
        }
    };
    let link = matches!(verdict, Ok(Opens::LinkNow(_)));
    let ticket = random_token();
    let mut log = vec![event(
        Some(user.id),
        Some(user.role),
        "oidc_signed_in",
        endpoint,
    )];
    if link {
        log.insert(
            0,
            event(Some(user.id), Some(user.role), "identity_linked", endpoint),
        );
    }
    let kept = state
        .store
        .finish_oidc_login(
            Finished {
                provider: &p.id,
                subject: &who.subject,
                user: user.id,
                link,
                ticket_hash: token_hash(&ticket),
                ticket_expires_at: now + TICKET_MS,
            },
            now,
            &log,
        )
        .await?;
    if !kept {
        return Ok(refused(identity::Refusal::NotLinked.code()));
    }
    Ok(to_app(format!("oidc={ticket}")))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RedeemRequest {
    pub ticket: String,
    /// As at `POST /auth/login`.
    #[serde(default)]
    pub device_cookie: Option<String>,
    /// As at `POST /auth/login`: the answer then carries the device's secret.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub device: Option<uuid::Uuid>,
}

/// Trades the ticket for what a password sign-in answers.
#[utoipa::path(post, path = "/api/v1/auth/oidc/redeem", request_body = RedeemRequest,
    responses((status = 200, body = LoginAnswer), (status = 401, body = super::error::ErrorBody)))]
pub async fn redeem(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RedeemRequest>,
) -> Result<Json<LoginAnswer>, ApiError> {
    let now = now_ms();
    let endpoint = "POST /api/v1/auth/oidc/redeem";
    let user = match state
        .store
        .take_oidc_ticket(&token_hash(&req.ticket), now)
        .await?
    {
        Some(id) => state.store.user(id).await?,
        None => None,
    }
    .ok_or(ApiError::Unauthenticated)?;
    if user.disabled {
        return Err(ApiError::AccountDisabled);
    }
    // The provider's sign-in stands for the password; a second factor
    // enrolled here is still asked for, as after a password.
    if let Some(challenge) = second_factor(&state, &user, endpoint, now).await? {
        return Ok(Json(LoginAnswer::Mfa(challenge)));
    }
    let tokens: Tokens = signed_in(&state, &user, req.device_cookie, req.device, endpoint).await?;
    Ok(Json(LoginAnswer::Tokens(Box::new(tokens))))
}
