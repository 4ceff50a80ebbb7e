//! `GET /api/v1/assessments/{school_year}` (issue 21; 003 p10): the annual
//! program assessment of the caller's organisation, as JSON, or with
//! `?format=csv` as one download that also carries the year's transparency
//! tables. For command staff and the district's analysts. What it counts
//! and publishes is `client_core::assessment`; it is made the first time it
//! is asked for after the year closed, and kept (`store::assessments`).

use super::AppState;
use super::error::ApiError;
use super::extract::Auth;
use super::scope::require_grant;
use super::sheet::{Sheet, attachment};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use client_core::access::Action;
use client_core::assessment::{Assessment, Table, Tallies, assess};
use client_core::report::Cell;
use client_core::school_year::SchoolYear;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AssessmentQuery {
    /// `csv` for the download.
    pub format: Option<String>,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssessmentOut {
    pub school_year: String,
    pub organization_id: Uuid,
    pub organization: String,
    /// When it was made (first asked for after the year closed).
    pub made_at: String,
    /// Reviews, meetings, complaints, training: one-way tables, suppressed.
    #[schema(value_type = Object)]
    pub assessment: Assessment,
    /// The year's public transparency page.
    pub transparency: String,
}

/// The caller's organisation, once their grant is checked.
async fn organization(
    state: &AppState,
    auth: &Auth,
) -> Result<crate::store::admin::Organization, ApiError> {
    require_grant(&auth.policy, &auth.actor, Action::ReadAssessment)?;
    let org = state
        .store
        .membership(auth.actor.user)
        .await?
        .and_then(|(org, _, _)| org)
        .ok_or(ApiError::Forbidden)?;
    state
        .store
        .organization(org)
        .await?
        .ok_or(ApiError::Forbidden)
}

/// Counts the year for `org` (`client_core::assessment::Tallies`).
async fn tally(
    state: &AppState,
    org: &crate::store::admin::Organization,
    year: SchoolYear,
) -> Result<Tallies, ApiError> {
    let covered = state.store.covered(org.id, org.kind).await?;
    let (from, to) = (year.start(), year.end());
    let day = |t: client_core::Timestamp| t.to_string()[..10].to_string();
    let held = state
        .store
        .meetings_held(&covered, &day(from), &day(to))
        .await?;
    let last_day = chrono::DateTime::from_timestamp_millis(to.millis() - 1)
        .map(|d| d.date_naive())
        .unwrap_or_default();
    let standings = super::training::standings_on(state, &covered.officers, last_day).await?;
    Ok(Tallies {
        reviews: state
            .store
            .review_findings(&covered, from.millis(), to.millis())
            .await?,
        meetings: covered
            .schools
            .iter()
            .map(|s| (s.id, s.name.clone(), held.get(&s.id).copied().unwrap_or(0)))
            .collect(),
        complaints: state
            .store
            .filings(&covered, from.millis(), to.millis())
            .await?,
        training: standings.into_values().collect(),
        last_day,
    })
}

#[utoipa::path(get, path = "/api/v1/assessments/{school_year}", params(AssessmentQuery),
    responses((status = 200, body = AssessmentOut), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(school_year): Path<String>,
    Query(q): Query<AssessmentQuery>,
) -> Result<Response, ApiError> {
    let org = organization(&state, &auth).await?;
    let field = |message: String| ApiError::Field {
        code: "invalid_field",
        field: "school_year".into(),
        message,
    };
    let year = SchoolYear::parse(&school_year).map_err(|e| field(e.to_string()))?;
    let now = super::now();
    if year > SchoolYear::latest_closed(now) {
        return Err(field(format!(
            "{year} is not over: an assessment covers a closed school year"
        )));
    }
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::Field {
                code: "invalid_field",
                field: "format".into(),
                message: format!("{other:?}: json or csv"),
            });
        }
    };
    let key = year.to_string();
    let body = match state.store.frozen_assessment(org.id, &key).await? {
        Some(body) => body,
        None => {
            let made = AssessmentOut {
                school_year: key.clone(),
                organization_id: org.id,
                organization: org.name.clone(),
                made_at: now.to_string(),
                assessment: assess(
                    &tally(&state, &org, year).await?,
                    state.settings.report_min_cell,
                ),
                transparency: format!("/public/transparency/{year}"),
            };
            let json = serde_json::to_string(&made)
                .map_err(|e| ApiError::Internal(format!("assessment: {e}")))?;
            state
                .store
                .freeze_assessment(org.id, &key, json, now.millis())
                .await?
        }
    };
    let out: AssessmentOut = serde_json::from_str(&body)
        .map_err(|e| ApiError::Internal(format!("kept assessment: {e}")))?;
    state
        .store
        .log_access(&[auth.view_entry(
            "read_assessment",
            "GET /api/v1/assessments/{school_year}",
            format!(
                "school_year={year} organization={} format={}",
                org.id,
                if csv { "csv" } else { "json" }
            ),
            vec![],
        )])
        .await?;
    if !csv {
        return Ok(Json(out).into_response());
    }
    let transparency = super::public_page::transparency::lines(&state, year).await?;
    Ok(attachment(
        sheet(&out, &transparency)?,
        &format!("fieldlog-assessment-{year}.csv"),
    ))
}

/// Every figure, one per line: a withheld count is empty and marked.
fn sheet(a: &AssessmentOut, transparency: &[(String, String, Cell)]) -> Result<Vec<u8>, ApiError> {
    let mut w = Sheet::new(&["school_year", "section", "row", "count", "suppressed"])?;
    let year = a.school_year.as_str();
    let mut line = |section: &str, row: &str, c: Cell| {
        let n = c.count.map(|n| n.to_string()).unwrap_or_default();
        let s = if c.count.is_some() { "no" } else { "yes" };
        w.row(&[year, section, row, &n, s])
    };
    let table = |line: &mut dyn FnMut(&str, &str, Cell) -> Result<(), ApiError>,
                 section: &str,
                 t: &Table| {
        for (row, c) in &t.rows {
            line(section, row, *c)?;
        }
        line(section, "total", t.total)
    };
    let x = &a.assessment;
    table(&mut line, "reviews", &x.reviews)?;
    for m in &x.meetings {
        let held = Cell {
            count: Some(m.held),
            suppressed: false,
        };
        line("review_meetings", &m.school, held)?;
    }
    table(&mut line, "complaints", &x.complaints)?;
    table(&mut line, "compliments_and_feedback", &x.other_filings)?;
    table(&mut line, "training", &x.training)?;
    for (section, row, c) in transparency {
        line(&format!("transparency:{section}"), row, *c)?;
    }
    w.finish()
}
