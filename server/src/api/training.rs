//! The training register (issue 21; API.md Additions): `GET|POST
//! /api/v1/training` and `GET /api/v1/training/compliance`. Who may read or
//! record an officer's training, and where the officer stands, are
//! client-core's `training`; this module loads, asks and persists.

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, Auth};
use crate::store::entity::training;
use crate::store::training::completed;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use client_core::access::Action;
use client_core::training::{Completed, Standing, Topic, may, standing};
use client_core::{Role, UserId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// The officers whose register the caller may do `action` to, with their
/// usernames: the officers of the caller's organisation the policy lets
/// them reach.
async fn officers(
    state: &AppState,
    auth: &Auth,
    action: Action,
) -> Result<Vec<(UserId, String)>, ApiError> {
    let org = state
        .store
        .membership(auth.actor.user)
        .await?
        .and_then(|(org, _, _)| org);
    Ok(state
        .store
        .members(org)
        .await?
        .into_iter()
        .filter(|(_, _, _, role)| *role == Role::Sro)
        .map(|(id, username, _, _)| (UserId(id), username))
        // `members` is the caller's organisation, so the officer's is the same.
        .filter(|(id, _)| may(&auth.policy, &auth.actor, org, *id, org, action))
        .collect())
}

/// Where each of `officers` stands today (the queue's officer lines too).
pub(super) async fn standings(
    state: &AppState,
    officers: &[UserId],
) -> Result<HashMap<UserId, (NaiveDate, Standing)>, ApiError> {
    standings_on(state, officers, chrono::Utc::now().date_naive()).await
}

/// Where each of `officers` stood on `today` (the annual assessment asks
/// for a school year's last day).
pub(super) async fn standings_on(
    state: &AppState,
    officers: &[UserId],
    today: NaiveDate,
) -> Result<HashMap<UserId, (NaiveDate, Standing)>, ApiError> {
    let refresher = state.store.training_refresher().await?;
    let rows = state.store.training_of(officers).await?;
    let mut done: HashMap<UserId, Vec<Completed>> = HashMap::new();
    for r in &rows {
        done.entry(UserId(r.officer_id))
            .or_default()
            .push(completed(r)?);
    }
    Ok(state
        .store
        .placements(officers)
        .await?
        .into_iter()
        .map(|(o, placed)| {
            let s = standing(
                placed,
                done.get(&o).map_or(&[][..], Vec::as_slice),
                refresher,
                today,
            );
            (o, (placed, s))
        })
        .collect())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CourseOut {
    pub id: Uuid,
    pub officer_id: Uuid,
    pub course: String,
    pub topics: Vec<String>,
    pub hours: f64,
    pub completed_on: String,
    pub recorded_by: Uuid,
    pub recorded_at: String,
}

fn course_out(r: training::Model) -> CourseOut {
    CourseOut {
        topics: serde_json::from_str(&r.topics).unwrap_or_default(),
        recorded_at: client_core::Timestamp::from_millis(r.recorded_at).to_string(),
        id: r.id,
        officer_id: r.officer_id,
        course: r.course,
        hours: r.hours,
        completed_on: r.completed_on,
        recorded_by: r.recorded_by,
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// One officer's courses only.
    pub officer_id: Option<Uuid>,
}

/// The courses of the officers the caller may read, oldest first.
#[utoipa::path(get, path = "/api/v1/training", params(ListQuery),
    responses((status = 200, body = [CourseOut]), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<CourseOut>>, ApiError> {
    super::scope::require_grant(&auth.policy, &auth.actor, Action::ReadTraining)?;
    let mut readable: Vec<UserId> = officers(&state, &auth, Action::ReadTraining)
        .await?
        .into_iter()
        .map(|(o, _)| o)
        .collect();
    if let Some(one) = q.officer_id {
        if !readable.contains(&UserId(one)) {
            return Err(ApiError::Forbidden);
        }
        readable = vec![UserId(one)];
    }
    let rows = state.store.training_of(&readable).await?;
    Ok(Json(rows.into_iter().map(course_out).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCourse {
    pub officer_id: Uuid,
    pub course: String,
    #[schema(value_type = Vec<String>)]
    pub topics: Vec<Topic>,
    pub hours: f64,
    #[schema(value_type = String)]
    pub completed_on: NaiveDate,
}

/// Records a completed course for an officer (their supervisor, or the
/// agency's admin).
#[utoipa::path(post, path = "/api/v1/training", request_body = NewCourse,
    responses((status = 201, body = CourseOut), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewCourse>,
) -> Result<(StatusCode, Json<CourseOut>), ApiError> {
    super::scope::require_grant(&auth.policy, &auth.actor, Action::RecordTraining)?;
    let officer = UserId(body.officer_id);
    if !officers(&state, &auth, Action::RecordTraining)
        .await?
        .iter()
        .any(|(o, _)| *o == officer)
    {
        return Err(ApiError::Field {
            code: "not_your_officer",
            field: "officer_id".into(),
            message: "not an officer whose training you keep".into(),
        });
    }
    let today = chrono::Utc::now().date_naive();
    let c = Completed {
        course: body.course,
        topics: body.topics,
        hours: body.hours,
        completed_on: body.completed_on,
    }
    .checked(today)
    .map_err(|p| ApiError::Field {
        code: "invalid_training",
        field: p.field().into(),
        message: p.to_string(),
    })?;
    let now = super::now().millis();
    let row = training::Model {
        id: Uuid::now_v7(),
        officer_id: officer.0,
        course: c.course,
        topics: serde_json::to_string(&c.topics).unwrap_or_default(),
        hours: c.hours,
        completed_on: c.completed_on.to_string(),
        recorded_by: auth.actor.user.0,
        recorded_at: now,
    };
    let log = auth.view_entry(
        "training_recorded",
        "POST /api/v1/training",
        format!("officer={officer} hours={}", row.hours),
        vec![],
    );
    state.store.add_training(row.clone(), log).await?;
    Ok((StatusCode::CREATED, Json(course_out(row))))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ComplianceLine {
    pub officer_id: Uuid,
    pub username: String,
    /// First placed in a school.
    pub placed_on: String,
    /// `{state: basic_due|basic_overdue|refresher_overdue|compliant, ...}`.
    #[schema(value_type = Object)]
    pub standing: Standing,
    /// Whether a supervisor should act (overdue).
    pub flagged: bool,
}

/// Where each officer the caller may read stands: the basic course within
/// nine months of placement (003 p8), then the agency's refresher cycle.
#[utoipa::path(get, path = "/api/v1/training/compliance",
    responses((status = 200, body = [ComplianceLine]), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn compliance(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<ComplianceLine>>, ApiError> {
    super::scope::require_grant(&auth.policy, &auth.actor, Action::ReadTraining)?;
    let readable = officers(&state, &auth, Action::ReadTraining).await?;
    let ids: Vec<UserId> = readable.iter().map(|(o, _)| *o).collect();
    let mut by = standings(&state, &ids).await?;
    Ok(Json(
        readable
            .into_iter()
            .filter_map(|(o, username)| {
                let (placed, s) = by.remove(&o)?;
                Some(ComplianceLine {
                    officer_id: o.0,
                    username,
                    placed_on: placed.to_string(),
                    flagged: s.is_flagged(),
                    standing: s,
                })
            })
            .collect(),
    ))
}
