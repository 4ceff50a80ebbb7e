//! Filing a complaint, a compliment or feedback without an account, and
//! checking its status by tracking code (issue 21; API.md Additions). The
//! HTML form (`public_page`) and the JSON API share `file` and `status`.
//!
//! Abuse is resisted with a per-address limit on both (kept apart from the
//! filings and forgotten after a day, so no filing can be traced to an
//! address) and, on the form, a honeypot field. We chose these over proof
//! of work, which costs a family's old phone more than a bot's server, and
//! over a third-party CAPTCHA, which would hand the filer's visit to
//! another company.

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, client_address};
use crate::auth::token_hash;
use crate::store::complaints::{PostLimit, facts};
use crate::store::entity::complaint;
use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use client_core::complaint::workflow::{ComplaintFacts, route};
use client_core::complaint::{Filing, FilingProblem, tracking_code};
use client_core::rules::Problem;
use serde::Serialize;
use std::net::SocketAddr;

/// Filings per address per hour: a family filing about several incidents
/// is served; a script is not.
pub const FILINGS: PostLimit = PostLimit {
    kind: "complaint",
    max: 5,
    window_ms: 3_600_000,
};
/// Status checks per address per hour (a code has 80 random bits; this
/// only keeps the lookups cheap).
pub const LOOKUPS: PostLimit = PostLimit {
    kind: "status",
    max: 60,
    window_ms: 3_600_000,
};

fn too_many(retry_after_ms: i64) -> ApiError {
    ApiError::TooMany {
        retry_after: (retry_after_ms / 1_000).max(1) as u64,
    }
}

/// The problems of a filing, each naming its field, as API.md shapes them.
pub fn problems(p: Vec<FilingProblem>) -> ApiError {
    ApiError::Rules(
        p.into_iter()
            .map(|p| Problem {
                code: p.code(),
                field: p.field().into(),
                message: p.to_string(),
                blocks_draft: true,
            })
            .collect(),
    )
}

/// What the per-address limit counts a public post under: a keyed hash of
/// the address (of its /64 network for IPv6, since one home holds a whole
/// /64), so the table of posts names no one's address, in the database or
/// in a backup.
pub fn address_key(state: &AppState, peer: SocketAddr) -> String {
    let ip = match client_address(peer).parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let mut o = v6.octets();
            o[8..].fill(0);
            std::net::Ipv6Addr::from(o).to_string()
        }
        Ok(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map(|v4| v4.to_string())
            .unwrap_or_default(),
        Ok(v4) => v4.to_string(),
        Err(_) => client_address(peer),
    };
    state.keys.mac(b"public-post", ip.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// When a public post is counted: to the minute, so that its time does not
/// single out the filing it came with.
fn post_time(now: client_core::Timestamp) -> i64 {
    now.millis() - now.millis().rem_euclid(60_000)
}

/// Checks, routes and keeps a filing; answers its tracking code. `address`
/// is the sender's `address_key`.
pub async fn file(state: &AppState, address: &str, filing: Filing) -> Result<String, ApiError> {
    let now = super::now();
    let today = now.to_datetime().date_naive();
    // A day of slack: the filer's "today" may be ahead of UTC's.
    let filing = filing
        .checked(today.succ_opt().unwrap_or(today))
        .map_err(problems)?;
    if let Some(school) = filing.school_id
        && state.store.school(school).await?.is_none()
    {
        return Err(ApiError::Field {
            code: "unknown_school",
            field: "school_id".into(),
            message: "no such school".into(),
        });
    }
    if let Some(retry) = state
        .store
        .reserve_public_post(address, FILINGS, post_time(now))
        .await?
    {
        return Err(too_many(retry));
    }
    let agency = match filing.school_id {
        Some(s) => route(&state.store.agencies_serving(s).await?),
        None => None,
    };
    let f = ComplaintFacts::filed(filing.kind, agency, today);
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(e.to_string()))?;
    let code = tracking_code::format(bytes);
    let id = uuid::Uuid::now_v7();
    let row = complaint::Model {
        id,
        tracking_hash: token_hash(&code),
        kind: filing.kind.as_str().into(),
        status: f.status.as_str().into(),
        agency_id: f.agency,
        school_id: filing.school_id.map(|s| s.0),
        incident_date: filing.incident_date.map(|d| d.to_string()),
        officer_description: filing.officer_description.clone(),
        description: filing.description.clone(),
        contact: json_of(&filing.contact),
        complainant: json_of(&filing.complainant),
        investigator_id: None,
        finding: None,
        officers: "[]".into(),
        records: "[]".into(),
        due_on: f.due_on.to_string(),
        received_at: now.millis(),
        updated_at: now.millis(),
    };
    let log = crate::store::audit::Entry {
        at: now.millis(),
        user: None,
        role: None,
        event: "complaint_received".into(),
        record: None,
        student_refs: vec![],
        fields: vec![],
        endpoint: "POST /api/v1/public/complaints".into(),
        purpose: format!("complaint={id} kind={}", filing.kind),
    };
    state.store.add_complaint(row, log).await?;
    Ok(code)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Filed {
    /// Keep it: it is the only way to check the filing's status.
    pub tracking_code: String,
}

/// Files a complaint, a compliment or feedback (no sign-in). Contact
/// details and the filer's demographics are optional. Only
/// `application/json` is taken: a page elsewhere can post a form or plain
/// text from a visitor's browser without asking, but not JSON.
#[utoipa::path(post, path = "/api/v1/public/complaints",
    request_body(content = Object, description = "{kind, school_id?, incident_date?, officer_description?, description, contact?, complainant?}"),
    responses((status = 201, body = Filed), (status = 400, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody), (status = 429, body = super::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    ApiJson(filing): ApiJson<Filing>,
) -> Result<(StatusCode, Json<Filed>), ApiError> {
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json {
        return Err(ApiError::BadRequest {
            code: "not_json",
            message: "send the filing as application/json".into(),
        });
    }
    let tracking_code = file(&state, &address_key(&state, peer), filing).await?;
    Ok((StatusCode::CREATED, Json(Filed { tracking_code })))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Status {
    /// `received`, `assigned` or `closed`.
    pub status: String,
    pub updated_at: String,
}

/// A filing's status by its code, or `None` for no such code (`address`
/// as for `file`). Nothing else
/// about it is told: not its kind, school or finding.
pub async fn status(
    state: &AppState,
    address: &str,
    typed: &str,
) -> Result<Option<Status>, ApiError> {
    let now = super::now().millis();
    if let Some(retry) = state
        .store
        .reserve_public_post(address, LOOKUPS, now)
        .await?
    {
        return Err(too_many(retry));
    }
    let Some(code) = tracking_code::normalize(typed) else {
        return Ok(None);
    };
    let Some(row) = state.store.complaint_by_code(&token_hash(&code)).await? else {
        return Ok(None);
    };
    let f = facts(&row)?;
    Ok(Some(Status {
        status: f.status.as_str().into(),
        // To the day: the hour of each internal note is the handlers'.
        updated_at: client_core::Timestamp::from_millis(
            row.updated_at - row.updated_at.rem_euclid(86_400_000),
        )
        .to_string(),
    }))
}

/// A filing's status (no sign-in).
#[utoipa::path(get, path = "/api/v1/public/complaints/{tracking_code}", params(("tracking_code" = String, Path, description = "the code given at filing")),
    responses((status = 200, body = Status), (status = 404, body = super::error::ErrorBody), (status = 429, body = super::error::ErrorBody)))]
pub async fn get_status(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
) -> Result<Json<Status>, ApiError> {
    status(&state, &address_key(&state, peer), &code)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

fn json_of<T: Serialize>(v: &Option<T>) -> Option<String> {
    v.as_ref().and_then(|v| serde_json::to_string(v).ok())
}
