//! `GET /dashboards/activity` (issue 20): the SRO activity profile of one
//! school (`client_core::activity`), over whole, ended months, for those
//! who read the over-calling view (supervisors and school leaders, for the
//! same schools): it counts the same record columns, and the SRO's own
//! enforcement is that view's other half. Counts only.

use super::AppState;
use super::dashboards::{months, school_in_scope};
use super::error::ApiError;
use super::extract::Auth;
use super::scope::{Readable, require_grant};
use axum::Json;
use axum::extract::{Query, State};
use client_core::access::Action;
use client_core::activity::{Profile, profile};
use client_core::{SchoolId, UserId};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ActivityQuery {
    /// One of the caller's schools; the first of them when absent.
    pub school_id: Option<String>,
    /// The first day of a month (YYYY-MM-DD); default twelve months before
    /// `to`. The profile covers whole months.
    pub from: Option<String>,
    /// Exclusive; the first day of a month, at latest the current one's.
    pub to: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Activity {
    #[schema(value_type = String)]
    pub school_id: SchoolId,
    pub from: String,
    pub to: String,
    /// The school's IANA time zone, which hours and days are counted in.
    pub time_zone: String,
    /// Whether the profile counts only the caller's officers' records (a
    /// supervisor at a school other officers serve too).
    pub own_officers_only: bool,
    /// Every school the caller may look at.
    pub schools: Vec<crate::store::directory::School>,
    /// `client_core::activity::Profile`.
    #[schema(value_type = Object)]
    pub profile: Profile,
}

#[utoipa::path(get, path = "/api/v1/dashboards/activity", params(ActivityQuery),
    responses((status = 200, body = Activity), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn activity(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ActivityQuery>,
) -> Result<Json<Activity>, ApiError> {
    require_grant(&auth.policy, &auth.actor, Action::ReadOvercalling)?;
    let window = months(q.from.as_deref(), q.to.as_deref())?;
    let (school, schools) = school_in_scope(&state, &auth, q.school_id.as_deref()).await?;
    let zone = state
        .store
        .school(school)
        .await?
        .map(|s| s.zone())
        .unwrap_or_default();
    // A leader counts every record at their school; a supervisor only their
    // officers', so at a school other officers also serve (another agency's
    // among them) the profile counts their officers' records alone.
    let readable = Readable::counted(&auth.policy, &auth.actor);
    let only: Option<Vec<UserId>> = (!readable.everywhere && !readable.schools.contains(&school))
        .then(|| readable.officers.iter().copied().collect());
    let entries = state
        .store
        .activity(
            school,
            window.from.millis(),
            window.to.millis(),
            only.as_deref(),
        )
        .await?;
    // Logged like the over-calling view; no record field it counts by
    // names anyone (`fields::FIELDS`).
    state
        .store
        .log_access(&[auth.view_entry(
            "read_activity",
            "GET /api/v1/dashboards/activity",
            format!("school={school} from={} to={}", window.from, window.to),
            vec![],
        )])
        .await?;
    Ok(Json(Activity {
        school_id: school,
        from: window.from.to_string(),
        to: window.to.to_string(),
        time_zone: zone.name().to_owned(),
        own_officers_only: only.is_some(),
        schools,
        profile: profile(&entries, zone),
    }))
}
