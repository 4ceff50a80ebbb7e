//! An admin links a user to their identity at an identity provider (issue
//! 18, OpenID Connect), so that signing in there opens the account:
//! `GET /admin/users/{id}/identities`, `PUT|DELETE
//! /admin/users/{id}/identities/{provider}`. Who may link whom is
//! `client_core::identity::may_link`; each change is logged in its
//! transaction.

use super::AppState;
use super::admin::{admin, managed};
use super::error::ApiError;
use super::extract::{ApiJson, Auth};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use client_core::UserId;
use client_core::identity::{self, Account};
use serde::{Deserialize, Serialize};

/// The longest `sub` kept (OpenID Connect: at most 255 ASCII characters).
const MAX_SUBJECT: usize = 255;

#[derive(Serialize, utoipa::ToSchema)]
pub struct IdentityOut {
    pub provider: String,
    /// The provider's `sub` for the person.
    pub subject: String,
    /// RFC 3339.
    pub linked_at: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LinkRequest {
    /// The provider's `sub` for the person (its admin console shows it).
    pub subject: String,
}

/// A user's identities at the providers.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}/identities",
    responses((status = 200, body = Vec<IdentityOut>), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<UserId>,
) -> Result<Json<Vec<IdentityOut>>, ApiError> {
    let mine = admin(&state, &auth).await?;
    managed(&state, mine, id).await?;
    let links = state.store.identities_of(id).await?;
    Ok(Json(
        links
            .into_iter()
            .map(|l| IdentityOut {
                provider: l.provider,
                subject: l.subject,
                linked_at: chrono::DateTime::from_timestamp_millis(l.linked_at)
                    .unwrap_or_default()
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            })
            .collect(),
    ))
}

/// Links the user to `subject` at `provider`.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/identities/{provider}", request_body = LinkRequest,
    responses((status = 204, description = "linked"), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn link(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, provider)): Path<(UserId, String)>,
    ApiJson(req): ApiJson<LinkRequest>,
) -> Result<StatusCode, ApiError> {
    let mine = admin(&state, &auth).await?;
    let target = managed(&state, mine, id).await?;
    let p = state
        .settings
        .oidc
        .iter()
        .find(|p| p.id == provider)
        .ok_or(ApiError::NotFound)?;
    let subject = req.subject.trim();
    if subject.is_empty()
        || subject.len() > MAX_SUBJECT
        || !subject.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(ApiError::Field {
            code: "invalid",
            field: "subject".into(),
            message: format!("the provider's sub: 1 to {MAX_SUBJECT} printable ASCII characters"),
        });
    }
    let account = Account {
        user: target.id,
        role: target.role,
        organization: target.organization_id,
        disabled: target.disabled,
    };
    identity::may_link(mine, id == auth.actor.user, account, p.organization_id)
        .map_err(|e| ApiError::Conflict(e.to_string()))?;
    let log = auth.view_entry(
        "identity_linked",
        format!("PUT /api/v1/admin/users/{{id}}/identities/{}", p.id),
        format!("user={id} role={}", target.role),
        vec![],
    );
    let now = chrono::Utc::now().timestamp_millis();
    if !state.store.link_identity(p, subject, id, now, log).await? {
        return Err(ApiError::Conflict(
            "this user has an identity at this provider, or that identity opens another account: remove it first".into(),
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the user's identity at `provider`: signing in there opens
/// nothing from this moment.
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}/identities/{provider}",
    responses((status = 204, description = "removed"), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn unlink(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, provider)): Path<(UserId, String)>,
) -> Result<StatusCode, ApiError> {
    let mine = admin(&state, &auth).await?;
    let target = managed(&state, mine, id).await?;
    let log = auth.view_entry(
        "identity_unlinked",
        "DELETE /api/v1/admin/users/{id}/identities/{provider}",
        format!("user={id} role={} provider={provider}", target.role),
        vec![],
    );
    if !state.store.unlink_identity(&provider, id, log).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}
