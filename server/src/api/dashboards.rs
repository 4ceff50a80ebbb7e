//! `GET /dashboards/overcalling` (DOMAIN.md section 5): whether a school's
//! staff call the SRO for matters that are school discipline, not safety.
//! Counts only: no student identity or demographics are read or returned.

use super::AppState;
use super::error::ApiError;
use super::extract::Auth;
use super::scope::{Readable, date_range, median, require_grant};
use axum::Json;
use axum::extract::{Query, State};
use client_core::access::Action;
use client_core::{SchoolId, Timestamp, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

type Row = crate::store::entity::record::Model;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct OvercallingQuery {
    /// One of the caller's schools; the first of them when absent.
    pub school_id: Option<String>,
    /// RFC 3339 or YYYY-MM-DD; default one year before `to`.
    pub from: Option<String>,
    /// Exclusive; RFC 3339 or YYYY-MM-DD; default now.
    pub to: Option<String>,
}

#[derive(Serialize, Default, Clone, utoipa::ToSchema)]
pub struct Count {
    pub key: String,
    /// Involvements school staff requested.
    pub requested: u64,
    /// Of those, not safety matters: would not have warranted 911, or a
    /// code-of-conduct matter.
    pub not_safety: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Outcomes {
    pub arrests: u64,
    pub citations: u64,
    pub referred_to_administrator: u64,
    pub declined_discipline_matter: u64,
    pub searches: u64,
    pub use_of_force_or_restraint: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Overcalling {
    #[schema(value_type = String)]
    pub school_id: SchoolId,
    pub from: String,
    pub to: String,
    /// Every submitted involvement at the school in the range.
    pub involvements: u64,
    pub requested: u64,
    pub not_safety: u64,
    pub not_safety_share: f64,
    /// The median of every school's share (schools with a request in range).
    pub district_median_share: f64,
    pub by_staff_role: Vec<Count>,
    pub by_staff_member: Vec<Count>,
    pub by_location: Vec<Count>,
    /// Hour of day, UTC (schools' time zones are not configured yet).
    pub by_hour: Vec<Count>,
    /// What the staff requests led to.
    pub outcomes: Outcomes,
    /// Monday-based weeks.
    pub weekly: Vec<Count>,
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[utoipa::path(get, path = "/api/v1/dashboards/overcalling", params(OvercallingQuery),
    responses((status = 200, body = Overcalling), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn overcalling(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<OvercallingQuery>,
) -> Result<Json<Overcalling>, ApiError> {
    require_grant(&state.policy, &auth.actor, Action::ReadOvercalling)?;
    let (from, to) = date_range(q.from.as_deref(), q.to.as_deref())?;
    let rows = state
        .store
        .overcalling_rows(from.millis(), to.millis())
        .await?;

    // The schools the caller may look at: those whose records the policy lets
    // them read (a leader's own schools; a supervisor's officers' schools).
    let readable = Readable::of(&state.policy, &auth.actor);
    let mut schools = readable.schools.clone();
    schools.extend(
        rows.iter()
            .filter(|r| readable.officer(UserId(r.officer_id)))
            .map(|r| SchoolId(r.school_id)),
    );
    let school = match q.school_id.as_deref() {
        Some(v) => {
            let id: SchoolId = v.parse().map_err(|_| ApiError::Field {
                code: "invalid_field",
                field: "school_id".into(),
                message: format!("{v:?} is not a school id"),
            })?;
            if !readable.everywhere && !schools.contains(&id) {
                // Another school exists only as part of the district median.
                return Err(ApiError::NotFound);
            }
            id
        }
        None => *schools.iter().next().ok_or(ApiError::NotFound)?,
    };

    fn requested(r: &Row) -> bool {
        r.initiated_by.as_deref() == Some("school_staff")
    }
    fn not_safety(r: &Row) -> bool {
        r.would_warrant911 == Some(false) || r.category.as_deref() == Some("code_of_conduct")
    }
    // Every school's share, for the median.
    let mut per_school: BTreeMap<uuid::Uuid, (u64, u64)> = BTreeMap::new();
    for r in rows.iter().filter(|r| requested(r)) {
        let e = per_school.entry(r.school_id).or_default();
        e.0 += 1;
        e.1 += u64::from(not_safety(r));
    }
    let median = median(per_school.values().map(|(n, k)| share(*k, *n)).collect());

    let involvements = rows.iter().filter(|r| r.school_id == school.0).count() as u64;
    let asked: Vec<&Row> = rows
        .iter()
        .filter(|r| r.school_id == school.0 && requested(r))
        .collect();
    let tally = |key: &dyn Fn(&Row) -> String| {
        let mut m: BTreeMap<String, Count> = BTreeMap::new();
        for r in &asked {
            let k = key(r);
            let c = m.entry(k.clone()).or_insert_with(|| Count {
                key: k,
                ..Default::default()
            });
            c.requested += 1;
            c.not_safety += u64::from(not_safety(r));
        }
        m.into_values().collect::<Vec<_>>()
    };
    let unknown = || "not recorded".to_string();
    let by_staff_role = tally(&|r| r.staff_role.clone().unwrap_or_else(unknown));
    let by_staff_member = tally(&|r| r.staff_id.clone().unwrap_or_else(unknown));
    let by_location = tally(&|r| r.location.clone().unwrap_or_else(unknown));
    let by_hour = tally(&|r| {
        Timestamp::from_millis(r.occurred_at)
            .to_datetime()
            .format("%H")
            .to_string()
    });
    let weekly = tally(&|r| {
        let d = Timestamp::from_millis(r.occurred_at)
            .to_datetime()
            .date_naive();
        let monday = d - chrono::Duration::days(i64::from(
            chrono::Datelike::weekday(&d).num_days_from_monday(),
        ));
        monday.to_string()
    });
    let has = |r: &Row, actions: &[&str]| {
        serde_json::from_str::<Vec<String>>(&r.actions)
            .unwrap_or_default()
            .iter()
            .any(|a| actions.contains(&a.as_str()))
    };
    let count = |actions: &[&str]| asked.iter().filter(|r| has(r, actions)).count() as u64;
    let outcomes = Outcomes {
        arrests: count(&["arrest"]),
        citations: count(&["citation"]),
        referred_to_administrator: count(&["referred_to_administrator"]),
        declined_discipline_matter: count(&["declined_discipline_matter"]),
        searches: count(&["search_person", "search_property"]),
        use_of_force_or_restraint: count(&[
            "use_of_force",
            "physical_restraint",
            "mechanical_restraint",
        ]),
    };
    let n_asked = asked.len() as u64;
    let n_not = asked.iter().filter(|r| not_safety(r)).count() as u64;
    Ok(Json(Overcalling {
        school_id: school,
        from: from.to_string(),
        to: to.to_string(),
        involvements,
        requested: n_asked,
        not_safety: n_not,
        not_safety_share: share(n_not, n_asked),
        district_median_share: median,
        by_staff_role,
        by_staff_member,
        by_location,
        by_hour,
        outcomes,
        weekly,
    }))
}
