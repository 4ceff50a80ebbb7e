//! `GET|POST /api/v1/agreements` (issue 21; API.md Additions): the MOUs
//! between an agency and a district. An admin of either party records one
//! and reads their organisation's; each answer says which is in force and
//! whose annual review is overdue. What an agreement may hold and which
//! binds whom is `client_core::agreement`; every signed-in request works
//! under the result (`Auth::policy`).

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, Auth};
use super::scope::require_grant;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use client_core::access::{Action, Policy};
use client_core::agreement::{self, Agreement};
use client_core::directory::OrgKind;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgreement {
    pub agency_id: Uuid,
    pub district_id: Uuid,
    /// `YYYY-MM-DD`: from that day (UTC) the agreement binds.
    #[schema(value_type = String)]
    pub effective_from: NaiveDate,
    /// `YYYY-MM-DD`: when its annual review is due.
    #[schema(value_type = String)]
    pub review_by: NaiveDate,
    /// Where the public reads it (https).
    pub published_url: String,
    /// The access policy table it binds: `{grants: [{role, action, scope}],
    /// views: [[role, view]]}`, within the federal default.
    #[schema(value_type = Object)]
    pub policy: Policy,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AgreementOut {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub district_id: Uuid,
    pub effective_from: String,
    pub review_by: String,
    pub published_url: String,
    #[schema(value_type = Object)]
    pub policy: Policy,
    pub recorded_at: String,
    /// It binds its pair of organisations today.
    pub in_force: bool,
    /// In force with its review past due: flagged until a reviewed
    /// agreement replaces it.
    pub review_overdue: bool,
}

fn out(all: &[Agreement], a: &Agreement, today: NaiveDate) -> AgreementOut {
    AgreementOut {
        id: a.id,
        agency_id: a.agency,
        district_id: a.district,
        effective_from: a.effective_from.to_string(),
        review_by: a.review_by.to_string(),
        published_url: a.published_url.clone(),
        policy: a.policy.clone(),
        recorded_at: client_core::Timestamp::from_millis(a.recorded_at).to_string(),
        in_force: agreement::in_force(all, today).iter().any(|f| f.id == a.id),
        review_overdue: agreement::review_overdue(all, a, today),
    }
}

/// The caller may manage agreements; answers with their organisation.
async fn admin(state: &AppState, auth: &Auth) -> Result<Option<Uuid>, ApiError> {
    require_grant(&auth.policy, &auth.actor, Action::ManageAgreements)?;
    Ok(state
        .store
        .membership(auth.actor.user)
        .await?
        .and_then(|(org, _, _)| org))
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The agreements the caller's organisation is a party to, newest first.
#[utoipa::path(get, path = "/api/v1/agreements",
    responses((status = 200, body = [AgreementOut]), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<AgreementOut>>, ApiError> {
    let org = admin(&state, &auth).await?;
    let all = state.store.agreements(org).await?;
    let today = today();
    Ok(Json(
        all.iter().rev().map(|a| out(&all, a, today)).collect(),
    ))
}

/// Records an agreement between an agency and a district; from its
/// `effective_from` it decides what each role of both may read.
#[utoipa::path(post, path = "/api/v1/agreements", request_body = NewAgreement,
    responses((status = 201, body = AgreementOut), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewAgreement>,
) -> Result<(StatusCode, Json<AgreementOut>), ApiError> {
    let org = admin(&state, &auth).await?;
    let field = |field: &str, message: String| ApiError::Field {
        code: "invalid_agreement",
        field: field.into(),
        message,
    };
    for (name, id, kind) in [
        ("agency_id", body.agency_id, OrgKind::Agency),
        ("district_id", body.district_id, OrgKind::District),
    ] {
        let found = state.store.organization(id).await?;
        if found.is_none_or(|o| o.kind != kind) {
            return Err(field(name, format!("no such {kind}")));
        }
    }
    if !agreement::may_record(org, body.agency_id, body.district_id) {
        return Err(field(
            "agency_id",
            "an agreement is recorded by an admin of one of its parties".into(),
        ));
    }
    agreement::check(
        body.effective_from,
        body.review_by,
        &body.published_url,
        &body.policy,
    )
    .map_err(|p| field(p.field(), p.to_string()))?;
    let a = Agreement {
        id: Uuid::now_v7(),
        agency: body.agency_id,
        district: body.district_id,
        effective_from: body.effective_from,
        review_by: body.review_by,
        published_url: body.published_url.trim().to_owned(),
        policy: body.policy,
        recorded_at: super::now().millis(),
    };
    let log = auth.view_entry(
        "agreement_recorded",
        "POST /api/v1/agreements",
        format!(
            "agreement={} agency={} district={} effective_from={}",
            a.id, a.agency, a.district, a.effective_from
        ),
        vec![],
    );
    state.store.add_agreement(&a, auth.actor.user, log).await?;
    let all = state.store.agreements(org).await?;
    Ok((StatusCode::CREATED, Json(out(&all, &a, today()))))
}
