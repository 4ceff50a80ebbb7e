//! `/reviews`: the supervisor's twice-yearly queue (DOMAIN.md section 4) and
//! the reviews themselves, which are appended, never replaced.

use super::error::ApiError;
use super::extract::ApiJson;
use super::extract::Auth;
use super::incidents::{IMPORT_DEVICE, push_as_import};
use super::periods::PeriodOut;
use super::scope::{Readable, require_grant};
use super::{AppState, now};
use crate::store::audit::Entry;
use crate::store::meetings::Meeting;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use client_core::access::{Action, Decision, RecordFacts};
use client_core::document::{DocId, Document, RecordDocs, actor_id};
use client_core::flag::{Flag, FlagCode, needs_review};
use client_core::outlier;
use client_core::period::{PeriodCalendar, ReviewPeriod};
use client_core::queue::QueueState;
use client_core::review::{Attendee, check_attendees};
use client_core::review::{NOTE_MAX_CHARS, Review, Reviews, note_fits};
use client_core::sync::{DocChanges, RefusalCode};
use client_core::view::redact_received;
use client_core::vocabulary::Finding;
use client_core::{DeviceId, DocKind, RecordId, ReviewId, SchoolId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct QueueQuery {
    /// A period id such as `2026-fall`; the current period when absent.
    pub period: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FlagOut {
    #[schema(value_type = String)]
    pub code: FlagCode,
    pub reason: String,
}

impl From<&Flag> for FlagOut {
    fn from(f: &Flag) -> Self {
        Self {
            code: f.code,
            reason: f.reason.clone(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub in_queue: usize,
    pub reviewed: usize,
    pub remaining: usize,
    pub overdue: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OfficerLine {
    #[schema(value_type = String)]
    pub officer_id: UserId,
    /// The officer's username (staff, never a student).
    pub username: String,
    pub interactions: u64,
    /// Arrests + citations + searches.
    pub enforcement: u64,
    pub per_100: f64,
    pub flag: Option<FlagOut>,
    /// Where the officer stands on training (003 p8; `training::standing`).
    #[schema(value_type = Object)]
    pub training: Option<client_core::training::Standing>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QueueItem {
    #[schema(value_type = String)]
    pub id: RecordId,
    #[schema(value_type = String)]
    pub officer_id: UserId,
    /// Who wrote it, so the supervisor reads the queue by officer.
    pub officer_username: String,
    #[schema(value_type = String)]
    pub school_id: SchoolId,
    pub occurred_at: String,
    pub category: Option<String>,
    pub actions: Vec<String>,
    /// The record's own flags, each with its reason. The officer-outlier
    /// flag is on the officer's line, not on each of their records (issue 19).
    pub flags: Vec<FlagOut>,
    pub reviews: usize,
    #[schema(value_type = Option<String>)]
    pub last_finding: Option<Finding>,
    /// `reviewed`, `in_queue`, or `overdue` (not reviewed, period ended):
    /// client-core `queue::QueueState`.
    #[schema(value_type = String)]
    pub state: QueueState,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Queue {
    pub period: PeriodOut,
    pub progress: Progress,
    /// The median arrests + citations + searches + seizures per 100
    /// interactions of every officer with at least `outlier_min_interactions`
    /// in the period.
    pub median_per_100: f64,
    /// The outlier rule's minimums (client-core `outlier`), for the screen
    /// to explain the rule without keeping its own copy.
    pub outlier_min_interactions: u64,
    pub outlier_min_actions: u64,
    /// The most characters of a review's notes and follow-up, and of a
    /// meeting's notes (client-core `review::NOTE_MAX_CHARS`).
    pub note_max_chars: usize,
    pub officers: Vec<OfficerLine>,
    /// Flagged first, then oldest first.
    pub items: Vec<QueueItem>,
    /// The caller's review meetings in the period.
    pub meetings: Vec<Meeting>,
    /// The schools the caller's officers work at (where meetings are held).
    pub schools: Vec<crate::store::directory::School>,
}

fn bad_period(id: &str) -> ApiError {
    ApiError::Field {
        code: "invalid_field",
        field: "period".into(),
        message: format!("{id:?} is not a review period (e.g. 2026-fall)"),
    }
}

/// The period a query names, or the one `at` falls in; 422 for an id the
/// agency's calendar does not have.
fn period_asked(
    calendar: &PeriodCalendar,
    id: Option<&str>,
    at: Timestamp,
) -> Result<ReviewPeriod, ApiError> {
    match id {
        Some(id) => calendar.period_by_id(id).ok_or_else(|| bad_period(id)),
        None => Ok(calendar.period_of(at)),
    }
}

#[utoipa::path(get, path = "/api/v1/reviews/queue", params(QueueQuery),
    responses((status = 200, body = Queue), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<QueueQuery>,
) -> Result<Json<Queue>, ApiError> {
    require_grant(&auth.policy, &auth.actor, Action::RunReviewQueue)?;
    let at = now();
    let calendar = state.store.calendar().await?;
    let period = period_asked(&calendar, q.period.as_deref(), at)?;
    // Officer lines: every officer's rate, for the median; the caller's officers shown.
    let counted = state
        .store
        .officer_action_counts(period.start.millis(), period.end.millis())
        .await?;
    // Running a queue is a district-wide grant; whose records it holds is
    // whose records the caller may read (a supervisor: their officers'). A
    // queue is per officer, so a school-wide read grant adds none.
    let readable = Readable::of(&auth.policy, &auth.actor);
    let officers: Vec<UserId> = if readable.everywhere {
        counted.iter().map(|(o, _, _)| *o).collect()
    } else {
        readable.officers.iter().copied().collect()
    };
    let counts = |n: u64, k: u64| outlier::Counts {
        interactions: n,
        enforcement: k,
    };
    let group: Vec<outlier::Counts> = counted.iter().map(|(_, n, k)| counts(*n, *k)).collect();
    let med = outlier::group_median(&group);
    // Training standing, for the officers whose training the caller may read.
    let org = state
        .store
        .membership(auth.actor.user)
        .await?
        .and_then(|(org, _, _)| org);
    let trained: Vec<UserId> = officers
        .iter()
        .copied()
        .filter(|o| {
            client_core::training::may(
                &auth.policy,
                &auth.actor,
                org,
                *o,
                org,
                client_core::access::Action::ReadTraining,
            )
        })
        .collect();
    let mut standings = super::training::standings(&state, &trained).await?;
    let lines: Vec<OfficerLine> = counted
        .iter()
        .filter(|(o, _, _)| officers.contains(o))
        .map(|(o, n, k)| OfficerLine {
            officer_id: *o,
            username: String::new(),
            interactions: *n,
            enforcement: *k,
            per_100: counts(*n, *k).per_100(),
            flag: outlier::judge(counts(*n, *k), med).map(|f| FlagOut {
                code: f.code,
                reason: f.reason,
            }),
            training: standings.remove(o).map(|(_, s)| s),
        })
        .collect();

    // Candidates from the projection (indexed by officer, period, queue
    // membership); membership and flags are then decided again on the
    // supervisor's own view, so a flag derived from school records, which a
    // supervisor may not see, neither shows nor puts a record in the queue.
    let ids = state
        .store
        .queue_ids(&officers, period.start.millis(), period.end.millis())
        .await?;
    let candidates = state.store.queue_documents(&ids).await?;
    let first = state
        .store
        .received_submitted(state.store.db(), &ids)
        .await?;
    let server = actor_id(UserId::from_u128(0), DeviceId::from_u128(0));
    let mut items = Vec::new();
    for (account, review) in candidates {
        let facts = RecordFacts {
            officer: account.officer,
            school: account.school,
        };
        // The SQL scope is the caller's officers; the policy has the last
        // word, and the flags are derived through the caller's own view.
        let Some(view) = auth.policy.view(&auth.actor, &facts) else {
            continue;
        };
        let docs = RecordDocs {
            account: Document::load(account.id, &account.snapshot, server.clone())?,
            restricted: None,
            review: review
                .map(|r| Document::load(r.id, &r.snapshot, server.clone()))
                .transpose()?,
        };
        let record = docs.read()?;
        let reviews: Reviews = docs.reviews()?;
        let received = first.get(&record.id).map(|t| Timestamp::from_millis(*t));
        let v = redact_received(&record, &reviews.reviews, view, &calendar, at, received);
        if !needs_review(&record, &v.flags) {
            continue;
        }
        let flags: Vec<FlagOut> = v.flags.iter().map(FlagOut::from).collect();
        let n = reviews.reviews.len();
        items.push(QueueItem {
            id: record.id,
            officer_id: record.officer_id,
            officer_username: String::new(),
            school_id: record.school_id,
            occurred_at: record.occurred_at.to_string(),
            category: record.category.map(|c| c.as_str().into()),
            actions: record.actions.iter().map(|a| a.as_str().into()).collect(),
            flags,
            reviews: n,
            last_finding: reviews.reviews.last().map(|r| r.finding),
            state: QueueState::of(n, period.end, at),
        });
    }
    // Flagged first (false sorts before true), then oldest first.
    items.sort_by(|a, b| {
        (a.flags.is_empty(), &a.occurred_at).cmp(&(b.flags.is_empty(), &b.occurred_at))
    });
    let reviewed = items.iter().filter(|i| i.reviews > 0).count();
    let progress = Progress {
        in_queue: items.len(),
        reviewed,
        remaining: items.len() - reviewed,
        overdue: items
            .iter()
            .filter(|i| i.state == QueueState::Overdue)
            .count(),
    };
    // The queue names records, not students: one access-log entry per call.
    state
        .store
        .log_access(&[Entry {
            at: at.millis(),
            user: Some(auth.actor.user),
            role: Some(auth.actor.role),
            event: "review_queue".into(),
            record: None,
            student_refs: vec![],
            fields: vec![],
            endpoint: "GET /api/v1/reviews/queue".into(),
            purpose: "supervisory review".into(),
        }])
        .await?;
    let meetings = state.store.meetings(auth.actor.user, &period.id).await?;
    let mut lines = lines;
    for l in &mut lines {
        if let Some(u) = state.store.user(l.officer_id).await? {
            l.username = u.username;
        }
    }
    for i in &mut items {
        if let Some(l) = lines.iter().find(|l| l.officer_id == i.officer_id) {
            i.officer_username.clone_from(&l.username);
        }
    }
    let theirs = state.store.schools_of_officers(&officers).await?;
    let schools = state
        .store
        .schools()
        .await?
        .into_iter()
        .filter(|s| theirs.contains(&s.id))
        .collect();
    Ok(Json(Queue {
        period: super::periods::period_out(&period, at),
        meetings,
        schools,
        progress,
        median_per_100: med,
        outlier_min_interactions: outlier::MIN_INTERACTIONS,
        outlier_min_actions: outlier::MIN_ACTIONS,
        note_max_chars: NOTE_MAX_CHARS,
        officers: lines,
        items,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    #[schema(value_type = String)]
    pub incident_id: RecordId,
    #[schema(value_type = String)]
    pub finding: Finding,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub follow_up: Option<String>,
}

/// Appends a review to a record's review document, through the same sync
/// path a supervisor's device takes (policy, append-only check, projection).
#[utoipa::path(post, path = "/api/v1/reviews", request_body = NewReview,
    responses((status = 201, description = "the review as stored"), (status = 400, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(new): ApiJson<NewReview>,
) -> Result<(StatusCode, Json<Review>), ApiError> {
    for (field, text) in [("notes", &new.notes), ("follow_up", &new.follow_up)] {
        if text.as_deref().is_some_and(|t| !note_fits(t)) {
            return Err(ApiError::Field {
                code: "too_long",
                field: field.into(),
                message: format!("at most {NOTE_MAX_CHARS} characters"),
            });
        }
    }
    let account_id = DocId {
        record: new.incident_id,
        kind: DocKind::Account,
    };
    let Some(account) = state.store.document(account_id).await? else {
        return Err(ApiError::NotFound);
    };
    let facts = RecordFacts {
        officer: account.officer,
        school: account.school,
    };
    match auth
        .policy
        .decide(&auth.actor, Some(&facts), Action::WriteReview)
    {
        Decision::Allow => {}
        Decision::Forbidden => return Err(ApiError::Forbidden),
        Decision::Hidden => return Err(ApiError::NotFound),
    }
    let at = now();
    let review_id = DocId {
        record: new.incident_id,
        kind: DocKind::Review,
    };
    let me = actor_id(auth.actor.user, IMPORT_DEVICE);
    let (mut doc, generation) = match state.store.document(review_id).await? {
        Some(s) => (Document::load(review_id, &s.snapshot, me)?, s.generation),
        None => (Document::new(review_id, me), 0),
    };
    let heads = doc.heads();
    let mut reviews: Reviews = if doc.is_empty() {
        Reviews::default()
    } else {
        doc.read()?
    };
    let review = Review {
        id: ReviewId(uuid::Uuid::now_v7()),
        finding: new.finding,
        notes: new.notes,
        follow_up: new.follow_up,
        by: auth.actor.user,
        at,
    };
    reviews.reviews.push(review.clone());
    doc.write(&reviews, at)?;
    let push = vec![DocChanges::since(&mut doc, generation, &heads)];
    if let Some(r) = push_as_import(&state, &auth, push, at).await? {
        return Err(match r.code {
            // The server wrote this review itself, so only the record can
            // make it invalid: a draft is not reviewed (`check_append`).
            RefusalCode::Invalid => ApiError::Field {
                code: "not_submitted",
                field: "incident_id".into(),
                message: r.reason,
            },
            // Another review was appended at the same moment: retry.
            _ => ApiError::Conflict(r.reason),
        });
    }
    Ok((StatusCode::CREATED, Json(review)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeeting {
    /// The period reviewed, e.g. `2026-fall`.
    pub period: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    /// The school whose administrator attended.
    #[schema(value_type = String)]
    pub school_id: SchoolId,
    /// At least the SRO and the school administrator.
    #[schema(value_type = Vec<Object>)]
    pub attendees: Vec<Attendee>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct MeetingsQuery {
    /// A period id; the current period when absent.
    pub period: Option<String>,
}

/// Records a period's review meeting (DOMAIN.md section 4). Appended, never
/// replaced: a correction is a second meeting record.
#[utoipa::path(post, path = "/api/v1/reviews/meetings", request_body = NewMeeting,
    responses((status = 201, body = Meeting), (status = 400, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn add_meeting(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(new): ApiJson<NewMeeting>,
) -> Result<(StatusCode, Json<Meeting>), ApiError> {
    require_grant(&auth.policy, &auth.actor, Action::RecordReviewMeeting)?;
    let calendar = state.store.calendar().await?;
    period_asked(&calendar, Some(&new.period), now())?;
    let held_on = chrono::NaiveDate::parse_from_str(&new.held_on, "%Y-%m-%d").map_err(|_| {
        ApiError::Field {
            code: "invalid_field",
            field: "held_on".into(),
            message: format!("{:?} is not a date (YYYY-MM-DD)", new.held_on),
        }
    })?;
    if held_on > chrono::Utc::now().date_naive() {
        return Err(ApiError::Field {
            code: "invalid_field",
            field: "held_on".into(),
            message: "a meeting is recorded after it is held".into(),
        });
    }
    check_attendees(&new.attendees).map_err(|e| ApiError::Field {
        code: "invalid_field",
        field: e.field(),
        message: e.to_string(),
    })?;
    if new.attendees.len() > 50 {
        return Err(ApiError::Field {
            code: "too_long",
            field: "attendees".into(),
            message: "at most 50 attendees".into(),
        });
    }
    if new.notes.as_deref().is_some_and(|t| !note_fits(t)) {
        return Err(ApiError::Field {
            code: "too_long",
            field: "notes".into(),
            message: format!("at most {NOTE_MAX_CHARS} characters"),
        });
    }
    // The school must be one whose records the supervisor's officers keep;
    // any other is not theirs to know of.
    let readable = Readable::of(&auth.policy, &auth.actor);
    let officers: Vec<UserId> = readable.officers.iter().copied().collect();
    let schools = state.store.schools_of_officers(&officers).await?;
    if !readable.everywhere && !schools.contains(&new.school_id) {
        return Err(ApiError::NotFound);
    }
    let m = Meeting {
        id: uuid::Uuid::now_v7(),
        supervisor_id: auth.actor.user,
        period: new.period,
        held_on: held_on.format("%Y-%m-%d").to_string(),
        school_id: new.school_id,
        attendees: new.attendees,
        notes: new.notes,
        recorded_at: now().millis(),
    };
    state.store.add_meeting(&m).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

#[utoipa::path(get, path = "/api/v1/reviews/meetings", params(MeetingsQuery),
    responses((status = 200, body = Vec<Meeting>), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn meetings(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<MeetingsQuery>,
) -> Result<Json<Vec<Meeting>>, ApiError> {
    require_grant(&auth.policy, &auth.actor, Action::RecordReviewMeeting)?;
    let calendar = state.store.calendar().await?;
    let period = period_asked(&calendar, q.period.as_deref(), now())?;
    Ok(Json(
        state.store.meetings(auth.actor.user, &period.id).await?,
    ))
}
