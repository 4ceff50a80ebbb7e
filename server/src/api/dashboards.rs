//! `GET /dashboards/overcalling` (DOMAIN.md section 5): whether a school's
//! staff call the SRO for matters that are school discipline, not safety.
//! Counts only: no student identity or demographics are read or returned.

use super::AppState;
use super::error::ApiError;
use super::extract::Auth;
use super::scope::{Readable, parse_time, require_grant};
use axum::Json;
use axum::extract::{Query, State};
use client_core::access::Action;
use client_core::local_time::Zone;
use client_core::month_window::MonthWindow;
use client_core::outlier::median;
use client_core::{SchoolId, Timestamp, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::store::directory::School;
use crate::store::overcalling::By;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct OvercallingQuery {
    /// One of the caller's schools; the first of them when absent.
    pub school_id: Option<String>,
    /// The first day of a month, YYYY-MM-DD (or RFC 3339 at midnight UTC);
    /// default twelve months before `to`. The view covers whole months.
    pub from: Option<String>,
    /// Exclusive; the first day of a month, at latest the current one's
    /// (the view covers ended months); default the current month's first day.
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
    /// Hour of day in the school's time zone, two digits.
    pub by_hour: Vec<Count>,
    /// The school's IANA time zone, which hours and weeks are counted in.
    pub time_zone: String,
    /// What the staff requests led to.
    pub outcomes: Outcomes,
    /// Weeks by their Monday, in the school's time zone.
    pub weekly: Vec<Count>,
    /// Every school the caller may look at.
    pub schools: Vec<School>,
}

/// One school's staff requests counted by `by`, keyed for people.
async fn tally(
    store: &crate::store::Store,
    school: SchoolId,
    from: i64,
    to: i64,
    by: By,
) -> Result<Vec<Count>, ApiError> {
    let mut m: BTreeMap<String, Count> = BTreeMap::new();
    for k in store.overcalling_by(school, from, to, by).await? {
        let name = k.key.unwrap_or_else(|| "not recorded".into());
        add(
            &mut m,
            name,
            k.requested.max(0) as u64,
            k.not_safety.max(0) as u64,
        );
    }
    Ok(m.into_values().collect())
}

fn add(m: &mut BTreeMap<String, Count>, key: String, requested: u64, not_safety: u64) {
    let c = m.entry(key.clone()).or_insert_with(|| Count {
        key,
        ..Default::default()
    });
    c.requested += requested;
    c.not_safety += not_safety;
}

/// One school's staff requests by the school's own hour of day (two
/// digits) and week (its Monday), in its time zone.
async fn by_local_time(
    store: &crate::store::Store,
    school: SchoolId,
    from: i64,
    to: i64,
) -> Result<(Vec<Count>, Vec<Count>, Zone), ApiError> {
    let zone = store
        .school(school)
        .await?
        .map(|s| s.zone())
        .unwrap_or_default();
    let (mut hours, mut weeks) = (BTreeMap::new(), BTreeMap::new());
    for a in store.overcalling_times(school, from, to).await? {
        let t = Timestamp::from_millis(a.occurred_at);
        let not = u64::from(a.not_safety);
        add(&mut hours, format!("{:02}", zone.hour(t)), 1, not);
        add(&mut weeks, zone.week(t).to_string(), 1, not);
    }
    Ok((
        hours.into_values().collect(),
        weeks.into_values().collect(),
        zone,
    ))
}

/// Whole, ended months only, so that no window shows single incidents
/// (`client_core::month_window`).
pub(super) fn months(from: Option<&str>, to: Option<&str>) -> Result<MonthWindow, ApiError> {
    MonthWindow::new(
        from.map(|v| parse_time("from", v)).transpose()?,
        to.map(|v| parse_time("to", v)).transpose()?,
        super::now(),
    )
    .map_err(|e| ApiError::Field {
        code: "invalid_field",
        field: e.field().into(),
        message: e.to_string(),
    })
}

/// The school asked for, if the caller may look at it (a leader's own
/// schools; a supervisor's officers' schools), else the first they may; 404
/// for another (it exists only as part of the district median). With it,
/// every school the caller may look at, for the screens' school picker (a
/// supervisor has no schools of their own to pick from).
pub(super) async fn school_in_scope(
    state: &AppState,
    auth: &Auth,
    asked: Option<&str>,
) -> Result<(SchoolId, Vec<School>), ApiError> {
    let readable = Readable::counted(&auth.policy, &auth.actor);
    let mut schools = readable.schools.clone();
    let officers: Vec<UserId> = readable.officers.iter().copied().collect();
    schools.extend(state.store.schools_of_officers(&officers).await?);
    let choices: Vec<School> = state
        .store
        .schools()
        .await?
        .into_iter()
        .filter(|s| readable.everywhere || schools.contains(&s.id))
        .collect();
    let school = match asked {
        Some(v) => {
            let id: SchoolId = v.parse().map_err(|_| ApiError::Field {
                code: "invalid_field",
                field: "school_id".into(),
                message: format!("{v:?} is not a school id"),
            })?;
            if !readable.everywhere && !schools.contains(&id) {
                return Err(ApiError::NotFound);
            }
            id
        }
        None => schools.iter().next().copied().ok_or(ApiError::NotFound)?,
    };
    Ok((school, choices))
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
    require_grant(&auth.policy, &auth.actor, Action::ReadOvercalling)?;
    let window = months(q.from.as_deref(), q.to.as_deref())?;
    let (from, to) = (window.from, window.to);
    let (school, schools) = school_in_scope(&state, &auth, q.school_id.as_deref()).await?;
    let (f, t) = (from.millis(), to.millis());
    let per_school = state.store.overcalling_counts(f, t).await?;
    // Every school with a staff request in range counts toward the median.
    let median = median(
        per_school
            .iter()
            .filter(|c| c.requested > 0)
            .map(|c| share(c.not_safety as u64, c.requested as u64))
            .collect(),
    );
    let mine = per_school.iter().find(|c| c.school_id == school.0);
    let n = |x: i64| x.max(0) as u64;
    let (involvements, n_asked, n_not) = mine.map_or((0, 0, 0), |c| {
        (n(c.involvements), n(c.requested), n(c.not_safety))
    });
    let store = &state.store;
    let by_staff_role = tally(store, school, f, t, By::StaffRole).await?;
    let by_staff_member = tally(store, school, f, t, By::StaffMember).await?;
    let by_location = tally(store, school, f, t, By::Location).await?;
    let (by_hour, weekly, zone) = by_local_time(store, school, f, t).await?;
    let led = state.store.overcalling_led_to(school, f, t).await?;
    let o = |x: Option<i64>| n(x.unwrap_or(0));
    let outcomes = Outcomes {
        arrests: o(led.arrests),
        citations: o(led.citations),
        referred_to_administrator: o(led.referred_to_administrator),
        declined_discipline_matter: o(led.declined_discipline_matter),
        searches: o(led.searches),
        use_of_force_or_restraint: o(led.force_or_restraint),
    };
    // The view is logged like a record read. Its only field from records
    // is the staff reference it counts by (`fields::FIELDS`).
    let staff_named = by_staff_member.iter().any(|c| c.key != "not recorded");
    state
        .store
        .log_access(&[auth.view_entry(
            "read_overcalling",
            "GET /api/v1/dashboards/overcalling",
            format!("school={school} from={from} to={to}"),
            if staff_named {
                vec!["request.staff_id".into()]
            } else {
                vec![]
            },
        )])
        .await?;
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
        time_zone: zone.name().to_owned(),
        outcomes,
        weekly,
        schools,
    }))
}
