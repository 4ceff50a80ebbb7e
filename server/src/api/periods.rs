//! `/review-periods`: the agency's review calendar (DOMAIN.md section 4:
//! two periods per school year by default, dates set per agency). An admin
//! sets it; supervisors read it to pick a period. Periods are date ranges
//! computed from the calendar when asked, so a change re-sorts every record
//! into its period at once, on every server process.

use super::error::ApiError;
use super::extract::{ApiJson, Auth};
use super::scope::{require_any_grant, require_grant};
use super::{AppState, now};
use crate::store::audit::Entry;
use axum::Json;
use axum::extract::State;
use client_core::Timestamp;
use client_core::access::Action;
use client_core::period::{PeriodCalendar, PeriodStart};
use serde::{Deserialize, Serialize};

/// One period's first day, every year.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartOut {
    pub month: u32,
    pub day: u32,
    /// Lower-case letters, e.g. `fall`; period ids are `YEAR-name`.
    pub name: String,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarBody {
    /// In calendar order; each period runs to the next one's start.
    pub starts: Vec<StartOut>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Periods {
    pub calendar: CalendarBody,
    pub current: PeriodOut,
    /// The current period and the three before it, newest first.
    pub recent: Vec<PeriodOut>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PeriodOut {
    pub id: String,
    pub start: String,
    /// Exclusive.
    pub end: String,
    /// Past its end: whatever is not reviewed is overdue.
    pub ended: bool,
}

pub fn period_out(p: &client_core::period::ReviewPeriod, at: Timestamp) -> PeriodOut {
    PeriodOut {
        id: p.id.clone(),
        start: p.start.to_string(),
        end: p.end.to_string(),
        ended: at >= p.end,
    }
}

fn periods(cal: &PeriodCalendar) -> Periods {
    let at = now();
    let current = cal.period_of(at);
    let mut recent = vec![period_out(&current, at)];
    let mut p = current.clone();
    for _ in 0..3 {
        p = cal.period_of(Timestamp::from_millis(p.start.millis() - 1));
        recent.push(period_out(&p, at));
    }
    Periods {
        calendar: CalendarBody {
            starts: cal
                .starts
                .iter()
                .map(|s| StartOut {
                    month: s.month,
                    day: s.day,
                    name: s.name.clone(),
                })
                .collect(),
        },
        current: period_out(&current, at),
        recent,
    }
}

#[utoipa::path(get, path = "/api/v1/review-periods",
    responses((status = 200, body = Periods), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn get(State(state): State<AppState>, auth: Auth) -> Result<Json<Periods>, ApiError> {
    require_any_grant(
        &auth.policy,
        &auth.actor,
        &[Action::RunReviewQueue, Action::ConfigureReviewPeriods],
    )?;
    Ok(Json(periods(&state.store.calendar().await?)))
}

#[utoipa::path(put, path = "/api/v1/review-periods", request_body = CalendarBody,
    responses((status = 200, body = Periods), (status = 400, body = super::error::ErrorBody), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CalendarBody>,
) -> Result<Json<Periods>, ApiError> {
    require_grant(&auth.policy, &auth.actor, Action::ConfigureReviewPeriods)?;
    let cal = PeriodCalendar::new(
        body.starts
            .into_iter()
            .map(|s| PeriodStart {
                month: s.month,
                day: s.day,
                name: s.name,
            })
            .collect(),
    )
    .map_err(|e| ApiError::Field {
        code: "invalid_field",
        field: "starts".into(),
        message: e.to_string(),
    })?;
    let at = now();
    state
        .store
        .set_calendar(&cal, auth.actor.user, at.millis())
        .await?;
    state
        .store
        .log_access(&[Entry {
            at: at.millis(),
            user: Some(auth.actor.user),
            role: Some(auth.actor.role),
            event: "review_calendar_set".into(),
            record: None,
            student_refs: vec![],
            fields: vec![],
            endpoint: "PUT /api/v1/review-periods".into(),
            purpose: "agency settings".into(),
        }])
        .await?;
    Ok(Json(periods(&cal)))
}
