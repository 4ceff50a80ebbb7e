//! Webhooks for integrators (issue 21; API.md Additions): an admin
//! registers a receiver for some events and gets its signing secret once,
//! lists and removes receivers, and reads each one's delivery log. Sending
//! is `crate::webhooks`; a receiver gets its own organisation's events.

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, Auth};
use super::scope::require_grant;
use crate::store::entity::{webhook, webhook_delivery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use client_core::access::Action;
use client_core::webhook::EventType;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Subscriptions per organisation: each event is fanned out to them in the
/// write that made it, and each slow receiver holds a sender.
pub const MAX_PER_ORGANIZATION: usize = 10;

/// The caller's organisation, once their grant is checked.
async fn admin(state: &AppState, auth: &Auth) -> Result<Option<Uuid>, ApiError> {
    require_grant(&auth.policy, &auth.actor, Action::ManageWebhooks)?;
    Ok(state
        .store
        .membership(auth.actor.user)
        .await?
        .and_then(|(org, _, _)| org))
}

/// A subscription the caller's organisation may see (an admin of no
/// organisation, the deployment's, sees every one).
fn theirs(mine: Option<Uuid>, h: &webhook::Model) -> bool {
    client_core::directory::manages(mine, h.organization_id)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    pub url: String,
    /// `record.submitted`, `record.amended`, `review.created`, `complaint.received`.
    #[schema(value_type = Vec<String>)]
    pub events: Vec<EventType>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WebhookOut {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: String,
    /// Given once, when the webhook is made: verify each delivery with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn out(h: webhook::Model, secret: Option<String>) -> WebhookOut {
    WebhookOut {
        events: serde_json::from_str(&h.events).unwrap_or_default(),
        created_at: client_core::Timestamp::from_millis(h.created_at).to_string(),
        id: h.id,
        url: h.url,
        secret,
    }
}

/// Registers a receiver. Its URL must be https and reach the public
/// internet (loopback and private networks are refused unless the
/// deployment allows them).
#[utoipa::path(post, path = "/api/v1/admin/webhooks", request_body = NewWebhook,
    responses((status = 201, body = WebhookOut), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewWebhook>,
) -> Result<(StatusCode, Json<WebhookOut>), ApiError> {
    let org = admin(&state, &auth).await?;
    let field = |field: &str, message: String| ApiError::Field {
        code: "invalid_webhook",
        field: field.into(),
        message,
    };
    if body.url.len() > 2_000 {
        return Err(field("url", "at most 2,000 characters".into()));
    }
    // One message for a name that does not resolve and one that resolves
    // inside: a difference would let an admin map the server's network.
    crate::webhooks::check_target(&body.url, state.settings.webhook_allow_private)
        .await
        .map_err(|e| match e {
            crate::webhooks::TargetProblem::Unresolved
            | crate::webhooks::TargetProblem::Private => field(
                "url",
                "its host is not reachable on the public internet".into(),
            ),
            other => field("url", other.to_string()),
        })?;
    if state.store.webhook_count(org).await? >= MAX_PER_ORGANIZATION {
        return Err(field(
            "url",
            format!("at most {MAX_PER_ORGANIZATION} webhooks per organisation"),
        ));
    }
    let mut events = body.events;
    events.sort();
    events.dedup();
    if events.is_empty() {
        return Err(field("events", "name at least one event".into()));
    }
    let nonce = crate::auth::random_token();
    let row = webhook::Model {
        id: Uuid::now_v7(),
        url: body.url,
        events: serde_json::to_string(&events).unwrap_or_default(),
        nonce,
        organization_id: org,
        created_by: auth.actor.user.0,
        created_at: super::now().millis(),
        deleted_at: None,
    };
    state.store.add_webhook(row.clone()).await?;
    state
        .store
        .log_access(&[auth.view_entry(
            "webhook_added",
            "POST /api/v1/admin/webhooks",
            format!("webhook={}", row.id),
            vec![],
        )])
        .await?;
    let secret = crate::webhooks::secret(&state.keys, &row.nonce);
    Ok((StatusCode::CREATED, Json(out(row, Some(secret)))))
}

/// The caller's organisation's receivers.
#[utoipa::path(get, path = "/api/v1/admin/webhooks",
    responses((status = 200, body = [WebhookOut]), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<WebhookOut>>, ApiError> {
    let org = admin(&state, &auth).await?;
    Ok(Json(
        state
            .store
            .webhooks()
            .await?
            .into_iter()
            .filter(|h| theirs(org, h))
            .map(|h| out(h, None))
            .collect(),
    ))
}

/// Removes a receiver; its pending deliveries are not sent.
#[utoipa::path(delete, path = "/api/v1/admin/webhooks/{id}", params(("id" = String, Path, description = "webhook id")),
    responses((status = 204, description = "removed"), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let org = admin(&state, &auth).await?;
    let found = state
        .store
        .webhooks()
        .await?
        .into_iter()
        .find(|h| h.id == id);
    if !found.is_some_and(|h| theirs(org, &h))
        || !state
            .store
            .delete_webhook(id, super::now().millis())
            .await?
    {
        return Err(ApiError::NotFound);
    }
    state
        .store
        .log_access(&[auth.view_entry(
            "webhook_removed",
            "DELETE /api/v1/admin/webhooks/{id}",
            format!("webhook={id}"),
            vec![],
        )])
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeliveryOut {
    /// The `webhook-id` header.
    pub id: String,
    pub event_type: String,
    pub created_at: String,
    pub attempts: i32,
    pub delivered_at: Option<String>,
    /// When it is tried next; absent once delivered or given up.
    pub next_at: Option<String>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
}

fn delivery_out(d: webhook_delivery::Model) -> DeliveryOut {
    let t = |ms: i64| client_core::Timestamp::from_millis(ms).to_string();
    DeliveryOut {
        id: format!("msg_{}", d.id.simple()),
        event_type: d.event_type,
        created_at: t(d.created_at),
        attempts: d.attempts,
        delivered_at: d.delivered_at.map(t),
        next_at: d.next_at.map(t),
        last_status: d.last_status,
        last_error: d.last_error,
    }
}

/// A receiver's delivery log, newest first (the last 200).
#[utoipa::path(get, path = "/api/v1/admin/webhooks/{id}/deliveries", params(("id" = String, Path, description = "webhook id")),
    responses((status = 200, body = [DeliveryOut]), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<DeliveryOut>>, ApiError> {
    let org = admin(&state, &auth).await?;
    let all = state.store.webhooks().await?;
    if !all.iter().any(|h| h.id == id && theirs(org, h)) {
        return Err(ApiError::NotFound);
    }
    Ok(Json(
        state
            .store
            .deliveries(id)
            .await?
            .into_iter()
            .map(delivery_out)
            .collect(),
    ))
}
