//! `/incidents`: records as JSON, each redacted for the caller's role.

use super::error::ApiError;
use super::extract::Auth;
use super::{AppState, now};
use crate::store::audit::Entry;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use client_core::access::{Action, Decision, RecordFacts};
use client_core::document::{DocId, Document, RecordDocs, actor_id};
use client_core::ids::{NEW_RECORD_ID_MINUTES, NewRecordId, judge_new_record_id};
use client_core::json::{JsonError, parse_new_record};
use client_core::review::Reviews;
use client_core::sync::{DocChanges, PROTOCOL_VERSION, Refusal, SyncRequest};
use client_core::view::{RecordView, redact_received};
use client_core::{DeviceId, DocKind, RecordId, SchoolId, StudentKey, Timestamp, UserId, View};
use serde::{Deserialize, Serialize};

/// Changes made through the JSON API are authored by the caller on this
/// pseudo-device, so the history says they came from an import.
pub const IMPORT_DEVICE: DeviceId = DeviceId::from_u128(0x1);

/// Pushes changes made on the caller's behalf through the sync use case,
/// exactly as a device's would go; returns the first refusal, if any.
pub async fn push_as_import(
    state: &AppState,
    auth: &Auth,
    push: Vec<DocChanges>,
    at: Timestamp,
) -> Result<Option<Refusal>, ApiError> {
    let request = SyncRequest {
        version: PROTOCOL_VERSION,
        device: IMPORT_DEVICE,
        // Nothing to pull: an import wants its own answer, not the log.
        cursor: Some(client_core::sync::Cursor::END),
        push,
    };
    let outcome = crate::sync::sync(state.domain(&auth.policy), &auth.actor, request, at).await?;
    Ok(outcome.response.refused.into_iter().next())
}

/// Loads a record's documents and builds `actor`'s view of it, or `None`
/// when the record does not exist or the actor may not know it does.
/// The record's documents as the caller's view may read them (the
/// restricted part only for the full view), that view, and the record;
/// `None` when the record does not exist or the caller may not read it (a
/// draft is not there for a school leader: `Policy::view_in_status`).
pub(super) async fn docs_for(
    state: &AppState,
    auth: &Auth,
    id: RecordId,
) -> Result<Option<(RecordDocs, View, client_core::Record)>, ApiError> {
    let account_id = DocId {
        record: id,
        kind: DocKind::Account,
    };
    let Some(account) = state.store.document(account_id).await? else {
        return Ok(None);
    };
    let facts = RecordFacts {
        officer: account.officer,
        school: account.school,
    };
    let Some(view) = auth.policy.view(&auth.actor, &facts) else {
        return Ok(None);
    };
    let server = actor_id(UserId::from_u128(0), DeviceId::from_u128(0));
    let load = |sd: crate::store::documents::StoredDoc| {
        Document::load(sd.id, &sd.snapshot, server.clone())
    };
    let restricted = if view == View::Full {
        state
            .store
            .document(DocId {
                record: id,
                kind: DocKind::Restricted,
            })
            .await?
    } else {
        None
    };
    let review = state
        .store
        .document(DocId {
            record: id,
            kind: DocKind::Review,
        })
        .await?;
    let docs = RecordDocs {
        account: load(account)?,
        restricted: restricted.map(load).transpose()?,
        review: review.map(load).transpose()?,
    };
    let record = docs.read()?;
    let Some(view) = auth
        .policy
        .view_in_status(&auth.actor, &facts, record.status)
    else {
        return Ok(None);
    };
    Ok(Some((docs, view, record)))
}

async fn view_of(
    state: &AppState,
    auth: &Auth,
    id: RecordId,
) -> Result<Option<RecordView>, ApiError> {
    let Some((docs, view, record)) = docs_for(state, auth, id).await? else {
        return Ok(None);
    };
    let reviews: Reviews = docs.reviews()?;
    let c = ReadContext::load(state, id).await?;
    Ok(Some(c.view(&record, &reviews, view)))
}

/// What reading a record shows besides its documents: the agency's review
/// calendar, the time of reading, and when the server first received the
/// record as submitted (lateness rests on it).
pub(super) struct ReadContext {
    calendar: client_core::period::PeriodCalendar,
    at: Timestamp,
    received: Option<Timestamp>,
}

impl ReadContext {
    pub(super) async fn load(state: &AppState, id: RecordId) -> Result<Self, ApiError> {
        let first = state
            .store
            .received_submitted(state.store.db(), &[id])
            .await?;
        Ok(Self {
            calendar: state.store.calendar().await?,
            at: now(),
            received: first.get(&id).map(|t| Timestamp::from_millis(*t)),
        })
    }

    /// `record` as `view` shows it (client-core's `redact_received`).
    pub(super) fn view(
        &self,
        record: &client_core::Record,
        reviews: &Reviews,
        view: View,
    ) -> RecordView {
        redact_received(
            record,
            &reviews.reviews,
            view,
            &self.calendar,
            self.at,
            self.received,
        )
    }
}

pub(super) fn read_entry(auth: &Auth, v: &RecordView, endpoint: &str) -> Entry {
    Entry {
        at: now().millis(),
        user: Some(auth.actor.user),
        role: Some(auth.actor.role),
        event: "read_record".into(),
        record: Some(v.record.id),
        // The student entries by their record-local keys: the log says whose
        // entries were disclosed without holding the students' own numbers
        // in the clear outside the record.
        student_refs: if v.names_students() {
            v.record
                .students
                .iter()
                .map(|s| format!("{}/{}", v.record.id, s.key))
                .collect()
        } else {
            vec![]
        },
        // Read off the JSON this reader receives (client-core's view).
        fields: v.disclosed_fields().into_iter().map(String::from).collect(),
        endpoint: endpoint.into(),
        purpose: "record view".into(),
    }
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}", params(("id" = String, Path, description = "record id")),
    responses((status = 200, description = "the record, redacted for the caller's role"), (status = 401, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<RecordView>, ApiError> {
    let id: RecordId = id.parse().map_err(|_| ApiError::NotFound)?;
    let view = view_of(&state, &auth, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    state
        .store
        .log_access(&[read_entry(&auth, &view, "GET /api/v1/incidents/{id}")])
        .await?;
    Ok(Json(view))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    pub school_id: Option<String>,
    /// RFC 3339, inclusive.
    pub from: Option<String>,
    /// RFC 3339, exclusive.
    pub to: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Page {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<RecordView>,
    pub next_cursor: Option<String>,
}

fn field_err(field: &str, message: String) -> ApiError {
    ApiError::Field {
        code: "invalid_field",
        field: field.into(),
        message,
    }
}

fn time(field: &str, v: &Option<String>) -> Result<Option<i64>, ApiError> {
    v.as_deref()
        .map(|s| {
            Timestamp::parse(s)
                .map(|t| t.millis())
                .ok_or_else(|| field_err(field, format!("{s:?} is not an RFC 3339 timestamp")))
        })
        .transpose()
}

const PAGE: u64 = 50;

#[utoipa::path(get, path = "/api/v1/incidents", params(ListQuery),
    responses((status = 200, body = Page), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page>, ApiError> {
    if auth.policy.decide(&auth.actor, None, Action::ListRecords) != Decision::Allow {
        return Err(ApiError::Forbidden);
    }
    let school = q
        .school_id
        .as_deref()
        .map(|s| {
            s.parse::<SchoolId>()
                .map_err(|_| field_err("school_id", format!("{s:?} is not a school id")))
        })
        .transpose()?;
    let (from, to) = (time("from", &q.from)?, time("to", &q.to)?);
    let before = q
        .cursor
        .as_deref()
        .map(|c| {
            c.split_once('_')
                .and_then(|(at, id)| {
                    Some((at.parse::<i64>().ok()?, id.parse::<uuid::Uuid>().ok()?))
                })
                .ok_or_else(|| field_err("cursor", "not a cursor from this server".into()))
        })
        .transpose()?;
    // The same grants `decide` reads, as SQL conditions.
    let reach = client_core::reach::reach(&auth.policy, &auth.actor, Action::ReadRecord);
    let ids = state
        .store
        .list_records(&reach, school, from, to, before, PAGE)
        .await?;
    let mut items = Vec::with_capacity(ids.len());
    let mut log = Vec::with_capacity(ids.len());
    for (id, _) in &ids {
        if let Some(v) = view_of(&state, &auth, *id).await? {
            log.push(read_entry(&auth, &v, "GET /api/v1/incidents"));
            items.push(v);
        }
    }
    state.store.log_access(&log).await?;
    let next_cursor = (ids.len() as u64 == PAGE)
        .then(|| ids.last().map(|(id, at)| format!("{at}_{id}")))
        .flatten();
    Ok(Json(Page { items, next_cursor }))
}

#[utoipa::path(post, path = "/api/v1/incidents", request_body(content = Object, description = "the record as API.md shows it, with the fields of rules version 2 (offense_code, offense_severity, search_basis, interrogation, charges, transport_out_of_view, late_reason, custody.guardian_not_notified_reason). A submitted record without `rules_version` is checked under the current rules (2); `rules_version: 1` is taken only for a record submitted before this deployment adopted version 2, within 14 days of it. Problem codes added: search_basis_required, late_reason_required, rules_outdated"),
    responses((status = 201, description = "the stored record"), (status = 400, body = super::error::ErrorBody), (status = 401, body = super::error::ErrorBody),
        (status = 403, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    body: Bytes,
) -> Result<(StatusCode, Json<RecordView>), ApiError> {
    let mut record =
        parse_new_record(&body, RecordId(uuid::Uuid::now_v7())).map_err(|e| match e {
            JsonError::Syntax(m) => ApiError::BadRequest {
                code: "malformed_json",
                message: m,
            },
            JsonError::TooLarge(_) => ApiError::TooLarge,
            JsonError::Field { field, message } => ApiError::Field {
                code: "invalid_field",
                field,
                message,
            },
        })?;
    record.officer_id = auth.actor.user;
    for s in &mut record.students {
        if s.key.is_nil() {
            s.key = StudentKey(uuid::Uuid::now_v7());
        }
    }
    let facts = RecordFacts {
        officer: record.officer_id,
        school: record.school_id,
    };
    match auth
        .policy
        .decide(&auth.actor, Some(&facts), Action::CreateRecord)
    {
        Decision::Allow => {}
        _ => return Err(ApiError::Forbidden),
    }
    let at = now();
    let existing = state
        .store
        .document(DocId {
            record: record.id,
            kind: DocKind::Account,
        })
        .await?
        .map(|d| {
            let facts = RecordFacts {
                officer: d.officer,
                school: d.school,
            };
            auth.policy.view(&auth.actor, &facts).is_some()
        });
    match judge_new_record_id(record.id, existing, at) {
        NewRecordId::Use => {}
        NewRecordId::Taken => {
            return Err(ApiError::Conflict(format!(
                "record {} already exists",
                record.id
            )));
        }
        NewRecordId::Unusable => {
            return Err(ApiError::Field {
                code: "invalid_field",
                field: "id".into(),
                message: format!(
                    "this id cannot name a new record: leave `id` out and the server assigns one (an id you choose must be a UUID v7 minted within {NEW_RECORD_ID_MINUTES} minutes and not used before)"
                ),
            });
        }
    }
    // Sent as submitted without saying when: submitted now.
    if record.status == client_core::vocabulary::Status::Submitted {
        record.submit(at);
    }
    // The stamp says which rules apply: until it is right, nothing else is.
    let upgrade = client_core::rules::version::Upgrade {
        adopted_at: state.store.rules_adopted_at(),
        now: at,
        first_submitted: None,
    };
    if let Err(p) = client_core::rules::version::check(None, &record, upgrade) {
        return Err(ApiError::Rules(vec![p]));
    }
    let problems = client_core::rules::blocking(&record, at);
    if !problems.is_empty() {
        return Err(ApiError::Rules(problems));
    }
    // Through the same path a phone's changes take.
    let mut docs = RecordDocs::create(&record, actor_id(auth.actor.user, IMPORT_DEVICE), at)?;
    // A new record: its documents' first generation.
    let mut push = vec![DocChanges::since(&mut docs.account, 0, &[])];
    if let Some(r) = docs.restricted.as_mut() {
        push.push(DocChanges::since(r, 0, &[]));
    }
    if let Some(r) = push_as_import(&state, &auth, push, at).await? {
        return Err(ApiError::Field {
            code: "refused",
            field: r.field.unwrap_or_default(),
            message: r.reason,
        });
    }
    let view = view_of(&state, &auth, record.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(view)))
}
