//! `GET /me`: who the caller is, as the app needs it to start.

use super::AppState;
use super::error::ApiError;
use super::extract::Auth;
use axum::Json;
use axum::extract::State;
use client_core::{Actor, Policy};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeView {
    #[schema(value_type = String)]
    pub id: client_core::UserId,
    pub username: String,
    #[schema(value_type = String)]
    pub role: client_core::Role,
    /// The agency or district the user belongs to (none: the deployment's
    /// own staff).
    pub organization_id: Option<uuid::Uuid>,
    pub schools: Vec<crate::store::directory::School>,
    #[schema(value_type = Vec<String>)]
    pub supervises: Vec<client_core::UserId>,
    /// Every action the caller's role holds a grant for (the policy's).
    #[schema(value_type = Vec<String>)]
    pub actions: Vec<client_core::Action>,
    /// The desk screens the caller may open, in menu order (`queue`,
    /// `overcalling`, `report`), derived from those grants.
    #[schema(value_type = Vec<String>)]
    pub desk_views: Vec<client_core::desk::DeskView>,
}

/// `policy`: the caller's (`Auth::policy`; at sign-in, `extract::policy_of`).
pub async fn me_view(state: &AppState, actor: &Actor, policy: &Policy) -> Result<MeView, ApiError> {
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
        organization_id: user.organization,
        schools,
        supervises: actor.supervises.clone(),
        actions: client_core::desk::granted(policy, actor.role),
        desk_views: client_core::desk::views(policy, actor.role),
    })
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = MeView), (status = 401, body = super::error::ErrorBody)))]
pub async fn me(State(state): State<AppState>, auth: Auth) -> Result<Json<MeView>, ApiError> {
    Ok(Json(me_view(&state, &auth.actor, &auth.policy).await?))
}
