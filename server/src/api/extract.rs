//! The auth extractor every protected handler destructures first: it
//! verifies the bearer token, checks the user's security stamp (so a
//! password change or disable revokes at once), and builds the policy's
//! `Actor` from the directory.

use super::AppState;
use super::error::ApiError;
use crate::auth::stamp_digest;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use client_core::{Actor, Policy};
use std::sync::Arc;

/// A signed-in caller.
#[derive(Clone, Debug)]
pub struct Auth {
    pub actor: Actor,
    /// The policy table the caller works under today: the federal default,
    /// or what the agreements in force for their organisation leave of it
    /// (`client_core::agreement::policy_for`). Read at every request, so a
    /// new agreement binds in every process at once.
    pub policy: Arc<Policy>,
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(ApiError::Unauthenticated)?;
        // The scheme is case-insensitive (RFC 9110 11.1): "bearer" is as good
        // as "Bearer".
        let token = header
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .ok_or(ApiError::Unauthenticated)?;
        let claims = state
            .keys
            .verify(token)
            .map_err(|_| ApiError::Unauthenticated)?;
        let user = state
            .store
            .user(claims.user())
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        if user.disabled {
            return Err(ApiError::AccountDisabled);
        }
        if stamp_digest(&user.security_stamp) != claims.stamp || user.role != claims.role {
            return Err(ApiError::Unauthenticated);
        }
        let actor = state.store.actor(user.id, user.role).await?;
        tracing::Span::current().record("user", tracing::field::display(user.id));
        let policy = policy_of(state, user.organization).await?;
        Ok(Auth { actor, policy })
    }
}

/// The policy table a member of `org` works under today (`Auth::policy`).
/// Days are UTC days: an agreement takes effect at midnight UTC.
pub async fn policy_of(state: &AppState, org: Option<uuid::Uuid>) -> Result<Arc<Policy>, ApiError> {
    let agreements = match org {
        Some(org) => state.store.agreements(Some(org)).await?,
        None => Vec::new(),
    };
    if agreements.is_empty() {
        return Ok(state.policy.clone());
    }
    let today = chrono::Utc::now().date_naive();
    Ok(Arc::new(client_core::agreement::policy_for(
        &agreements,
        org,
        today,
    )))
}

impl Auth {
    /// An access-log entry of this caller looking at an aggregate view (no
    /// record, no student); `fields` names what it disclosed.
    pub fn view_entry(
        &self,
        event: &str,
        endpoint: impl Into<String>,
        purpose: impl Into<String>,
        fields: Vec<String>,
    ) -> crate::store::audit::Entry {
        crate::store::audit::Entry {
            at: super::now().millis(),
            user: Some(self.actor.user),
            role: Some(self.actor.role),
            event: event.into(),
            record: None,
            student_refs: vec![],
            fields,
            endpoint: endpoint.into(),
            purpose: purpose.into(),
        }
    }
}

/// A JSON body whose errors follow API.md: malformed JSON is 400, a wrong
/// or unknown value is 422 naming the field.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned> axum::extract::FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &AppState) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::TooLarge)?;
        parse_json(&bytes).map(ApiJson)
    }
}

pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest {
            code: "malformed_json",
            message: format!("the body is not valid JSON: {e}"),
        })?;
    serde_path_to_error::deserialize(value).map_err(|e| ApiError::Field {
        code: "invalid_field",
        field: e.path().to_string(),
        message: e.into_inner().to_string(),
    })
}

/// The caller's address, for the per-address login limit. Behind a trusted
/// proxy (`trusted_proxies`), `transport` has already put the forwarded
/// client's address in `ConnectInfo`; from anyone else, forwarded headers
/// are the client's own word and are not read.
pub fn client_address(peer: std::net::SocketAddr) -> String {
    peer.ip().to_string()
}
