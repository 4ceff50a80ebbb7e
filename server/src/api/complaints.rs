//! Complaints inside the agency (issue 21; API.md Additions): command staff
//! list, read, assign and close them; an assigned investigator reads theirs
//! and adds notes and a finding. client-core's `complaint::workflow` decides
//! who sees what and whether each event may happen; this module loads, asks
//! it, and persists. Every read of a complaint's free text or of its
//! complainant is in the access log, naming the fields it disclosed.

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, Auth};
use super::scope::require_any_grant;
use crate::store::complaints::facts;
use crate::store::entity::{complaint, complaint_event};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use client_core::access::Action;
use client_core::complaint::workflow::{
    self, Candidate, ComplaintView, Event, EventProblem, Handler,
};
use client_core::complaint::{Complainant, Contact};
use serde::Serialize;
use uuid::Uuid;

/// The caller as a complaint handler, or 403 for a role that neither
/// manages nor investigates complaints.
async fn handler(state: &AppState, auth: &Auth) -> Result<Handler, ApiError> {
    let (policy, actor) = (&auth.policy, &auth.actor);
    require_any_grant(
        policy,
        actor,
        &[Action::ManageComplaints, Action::InvestigateComplaints],
    )?;
    let org = state
        .store
        .membership(actor.user)
        .await?
        .and_then(|(org, _, _)| org);
    Ok(Handler {
        user: actor.user,
        org,
        manages: !policy
            .scopes(actor.role, Action::ManageComplaints)
            .is_empty(),
        investigates: !policy
            .scopes(actor.role, Action::InvestigateComplaints)
            .is_empty(),
    })
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ComplaintLine {
    pub id: Uuid,
    pub kind: String,
    pub status: String,
    pub school_id: Option<Uuid>,
    pub received_at: String,
    pub due_on: String,
    pub overdue: bool,
    pub investigator_id: Option<Uuid>,
    pub finding: Option<String>,
}

fn millis_text(ms: i64) -> String {
    client_core::Timestamp::from_millis(ms).to_string()
}

/// The complaints the caller handles, newest first: kind, status, dates and
/// who has it; no free text and nothing about the complainant.
#[utoipa::path(get, path = "/api/v1/complaints",
    responses((status = 200, body = [ComplaintLine]), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<ComplaintLine>>, ApiError> {
    let h = handler(&state, &auth).await?;
    let today = today();
    let mut out = Vec::new();
    for row in state.store.complaints_for(h.user, h.org, h.manages).await? {
        let f = facts(&row)?;
        if workflow::view(&h, &f).is_none() {
            continue;
        }
        out.push(ComplaintLine {
            id: row.id,
            kind: row.kind,
            status: row.status,
            school_id: row.school_id,
            received_at: millis_text(row.received_at),
            due_on: row.due_on,
            overdue: f.is_overdue(today),
            investigator_id: row.investigator_id,
            finding: row.finding,
        });
    }
    state
        .store
        .log_access(&[auth.view_entry(
            "list_complaints",
            "GET /api/v1/complaints",
            format!("{} complaints", out.len()),
            vec![],
        )])
        .await?;
    Ok(Json(out))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: Uuid,
    pub username: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventOut {
    pub at: String,
    pub by: Person,
    /// The event as sent; a note's or a finding's text is left out of the
    /// view without the complainant.
    #[schema(value_type = Object)]
    pub event: serde_json::Value,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ComplaintOut {
    pub id: Uuid,
    pub kind: String,
    pub status: String,
    /// `full`, or `without_complainant` for an officer it is about.
    #[schema(value_type = String)]
    pub view: ComplaintView,
    pub agency_id: Option<Uuid>,
    pub school_id: Option<Uuid>,
    pub incident_date: Option<String>,
    pub received_at: String,
    pub updated_at: String,
    pub due_on: String,
    pub overdue: bool,
    pub investigator: Option<Person>,
    pub officers: Vec<Person>,
    pub records: Vec<Uuid>,
    pub finding: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub officer_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub contact: Option<Contact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub complainant: Option<Complainant>,
    pub events: Vec<EventOut>,
}

/// The complaint `id` as `h` may see it, and the fields it disclosed.
async fn shown(
    state: &AppState,
    h: &Handler,
    id: Uuid,
) -> Result<(ComplaintOut, Vec<String>), ApiError> {
    let Some((row, events)) = state.store.complaint(id).await? else {
        return Err(ApiError::NotFound);
    };
    let f = facts(&row)?;
    let view = workflow::view(h, &f).ok_or(ApiError::NotFound)?;
    let full = view == ComplaintView::Full;
    let mut people: Vec<Uuid> = events.iter().map(|e| e.by).collect();
    people.extend(row.investigator_id);
    people.extend(f.officers.iter().map(|u| u.0));
    let names = state.store.usernames_of(&people).await?;
    let person = |id: Uuid| Person {
        id,
        username: names
            .iter()
            .find(|(u, _)| *u == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default(),
    };
    let parse = |s: &Option<String>| -> Option<serde_json::Value> {
        s.as_deref().and_then(|s| serde_json::from_str(s).ok())
    };
    let out = ComplaintOut {
        id: row.id,
        kind: row.kind.clone(),
        status: row.status.clone(),
        view,
        agency_id: row.agency_id,
        school_id: row.school_id,
        incident_date: row.incident_date.clone(),
        received_at: millis_text(row.received_at),
        updated_at: millis_text(row.updated_at),
        due_on: row.due_on.clone(),
        overdue: f.is_overdue(today()),
        investigator: row.investigator_id.map(person),
        officers: f.officers.iter().map(|u| person(u.0)).collect(),
        records: serde_json::from_str(&row.records).unwrap_or_default(),
        finding: row.finding.clone(),
        officer_description: row.officer_description.clone().filter(|_| full),
        description: full.then(|| row.description.clone()),
        contact: parse(&row.contact)
            .filter(|_| full)
            .and_then(|v| serde_json::from_value(v).ok()),
        complainant: parse(&row.complainant)
            .filter(|_| full)
            .and_then(|v| serde_json::from_value(v).ok()),
        events: events
            .iter()
            .map(|e| {
                let mut event: serde_json::Value =
                    serde_json::from_str(&e.body).unwrap_or_default();
                if let Some(o) = event.as_object_mut().filter(|_| !full) {
                    o.remove("text");
                }
                EventOut {
                    at: millis_text(e.at),
                    by: person(e.by),
                    event,
                }
            })
            .collect(),
    };
    let mut fields = Vec::new();
    if out.description.is_some() {
        fields.push("complaint.description".to_owned());
    }
    if out.officer_description.is_some() {
        fields.push("complaint.officer_description".into());
    }
    if let Some(c) = &out.contact {
        for (name, v) in [("name", &c.name), ("email", &c.email), ("phone", &c.phone)] {
            if v.is_some() {
                fields.push(format!("complaint.contact.{name}"));
            }
        }
    }
    if out.complainant.is_some() {
        fields.push("complaint.complainant".into());
    }
    if full && out.events.iter().any(|e| e.event.get("text").is_some()) {
        fields.push("complaint.events.text".into());
    }
    Ok((out, fields))
}

/// One complaint with its events. The complainant's contact details and
/// demographics, and every free text, are left out for an officer the
/// complaint is about (`view: without_complainant`).
#[utoipa::path(get, path = "/api/v1/complaints/{id}", params(("id" = String, Path, description = "complaint id")),
    responses((status = 200, body = ComplaintOut), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<Json<ComplaintOut>, ApiError> {
    let h = handler(&state, &auth).await?;
    let (out, fields) = shown(&state, &h, id).await?;
    state
        .store
        .log_access(&[auth.view_entry(
            "read_complaint",
            "GET /api/v1/complaints/{id}",
            format!("complaint={id}"),
            fields,
        )])
        .await?;
    Ok(Json(out))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Member {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct People {
    /// Who may be given a complaint to investigate.
    pub investigators: Vec<Member>,
    /// The officers a complaint may be about.
    pub officers: Vec<Member>,
}

/// The people of the commander's agency a complaint may be assigned to or
/// be about: command staff only (an investigator assigns nothing).
#[utoipa::path(get, path = "/api/v1/complaints/people",
    responses((status = 200, body = People), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn people(State(state): State<AppState>, auth: Auth) -> Result<Json<People>, ApiError> {
    let h = handler(&state, &auth).await?;
    if !h.manages {
        return Err(ApiError::Forbidden);
    }
    // Command staff of no agency choose from no one (`workflow` fails closed).
    let Some(org) = h.org else {
        return Ok(Json(People {
            investigators: vec![],
            officers: vec![],
        }));
    };
    let mut out = People {
        investigators: vec![],
        officers: vec![],
    };
    for (id, username, display_name, role) in state.store.members(Some(org)).await? {
        let m = || Member {
            id,
            username: username.clone(),
            display_name: display_name.clone(),
        };
        if !auth
            .policy
            .scopes(role, Action::InvestigateComplaints)
            .is_empty()
        {
            out.investigators.push(m());
        }
        if role == client_core::Role::Sro {
            out.officers.push(m());
        }
    }
    Ok(Json(out))
}

fn refused(p: EventProblem) -> ApiError {
    match p.field() {
        None => ApiError::Forbidden,
        Some(field) => ApiError::Field {
            code: "complaint_event",
            field: field.into(),
            message: p.to_string(),
        },
    }
}

/// Adds one step of the complaint's handling (API.md Additions):
/// `assigned` (command staff; `investigator_id`, optional `officer_ids`,
/// `record_ids`, `due_on`), `note` and `finding` (command staff or the
/// assigned investigator), `closed` (command staff; a complaint needs a
/// finding first). Answers the complaint after it.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/events", params(("id" = String, Path, description = "complaint id")),
    request_body(content = Object, description = "{kind: assigned|note|finding|closed, ...}"),
    responses((status = 201, body = ComplaintOut), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn add_event(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(event): ApiJson<Event>,
) -> Result<(StatusCode, Json<ComplaintOut>), ApiError> {
    let h = handler(&state, &auth).await?;
    let Some((row, _)) = state.store.complaint(id).await? else {
        return Err(ApiError::NotFound);
    };
    let before = facts(&row)?;
    workflow::view(&h, &before).ok_or(ApiError::NotFound)?;
    // What the directory has of the users an assignment names (no more
    // than the workflow takes: a longer list is refused there unread).
    let mut named = Vec::new();
    if let Event::Assigned {
        investigator_id,
        officer_ids,
        ..
    } = &event
        && officer_ids.len() <= workflow::MAX_LINKS
    {
        for u in std::iter::once(investigator_id).chain(officer_ids) {
            if let Some((org, role, disabled)) = state.store.membership(*u).await? {
                named.push(Candidate {
                    user: *u,
                    org,
                    investigates: !auth
                        .policy
                        .scopes(role, Action::InvestigateComplaints)
                        .is_empty(),
                    disabled,
                });
            }
        }
    }
    let after = workflow::apply(&h, &before, &event, &named, today()).map_err(refused)?;
    let now = super::now().millis();
    let mut records: Vec<Uuid> = serde_json::from_str(&row.records).unwrap_or_default();
    if let Event::Assigned { record_ids, .. } = &event {
        for r in record_ids {
            if !records.contains(&r.0) {
                records.push(r.0);
            }
        }
    }
    let next = complaint::Model {
        status: after.status.as_str().into(),
        agency_id: after.agency,
        investigator_id: after.investigator.map(|u| u.0),
        finding: after.finding.map(|f| f.as_str().into()),
        officers: json(&after.officers),
        records: json(&records),
        due_on: after.due_on.to_string(),
        updated_at: now.max(row.updated_at + 1),
        ..row.clone()
    };
    let kind = serde_json::to_value(&event)
        .ok()
        .and_then(|v| v["kind"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let stored = complaint_event::Model {
        id: 0,
        complaint_id: id,
        at: now,
        by: h.user.0,
        kind: kind.clone(),
        body: json(&event),
    };
    let log = auth.view_entry(
        "complaint_event",
        "POST /api/v1/complaints/{id}/events",
        format!("complaint={id} event={kind}"),
        vec![],
    );
    if !state
        .store
        .add_complaint_event(next, row.updated_at, stored, log)
        .await?
    {
        return Err(ApiError::Conflict(
            "the complaint changed while this was sent: reload it and try again".into(),
        ));
    }
    // The answer shows the complaint again: logged as a read, with what it
    // disclosed.
    let (out, fields) = shown(&state, &h, id).await?;
    state
        .store
        .log_access(&[auth.view_entry(
            "read_complaint",
            "POST /api/v1/complaints/{id}/events",
            format!("complaint={id}"),
            fields,
        )])
        .await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// JSON text of stored lists and events (they always serialise).
fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}
