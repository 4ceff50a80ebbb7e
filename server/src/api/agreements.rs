//! `GET|POST /api/v1/agreements` (issue 21; API.md Additions) and `POST
//! /api/v1/agreements/{id}/sign`: the MOUs between an agency and a
//! district. An admin of either party records one, signing for their
//! organisation, and the other party's admin signs it; it binds once both
//! have. Each answer says which is in force, which waits for whom, and
//! whose annual review is overdue. What an agreement may hold and which
//! binds whom is `client_core::agreement`; every signed-in request works
//! under the result (`Auth::policy`).

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, Auth};
use super::scope::require_grant;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use client_core::access::{Action, Policy};
use client_core::agreement::{self, Agreement, Terms};
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
    /// The table it leaves of today's federal one.
    #[schema(value_type = Object)]
    pub policy: Policy,
    /// The federal grants it withholds (`{role, action, scope}`).
    #[schema(value_type = Vec<Object>)]
    pub withheld: Vec<client_core::access::Grant>,
    pub recorded_at: String,
    pub agency_signed_at: Option<String>,
    pub district_signed_at: Option<String>,
    /// `agency` or `district` while that party has not signed.
    #[schema(value_type = Option<String>)]
    pub awaiting: Option<OrgKind>,
    /// It binds its pair of organisations today.
    pub in_force: bool,
    /// In force with its review past due: flagged until a reviewed
    /// agreement replaces it.
    pub review_overdue: bool,
}

fn out(all: &[Agreement], a: &Agreement, today: NaiveDate) -> AgreementOut {
    let at = |ms: Option<i64>| ms.map(|ms| client_core::Timestamp::from_millis(ms).to_string());
    AgreementOut {
        id: a.id,
        agency_id: a.agency,
        district_id: a.district,
        effective_from: a.effective_from.to_string(),
        review_by: a.review_by.to_string(),
        published_url: a.published_url.clone(),
        policy: a.terms.policy(),
        withheld: a.terms.withheld.clone(),
        recorded_at: client_core::Timestamp::from_millis(a.recorded_at).to_string(),
        agency_signed_at: at(a.agency_signed_at),
        district_signed_at: at(a.district_signed_at),
        awaiting: match (a.agency_signed_at, a.district_signed_at) {
            (None, _) => Some(OrgKind::Agency),
            (_, None) => Some(OrgKind::District),
            _ => None,
        },
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
    // An agreement is between partners: the agency's officers serve one
    // of the district's schools.
    let served = state
        .store
        .covered(body.agency_id, OrgKind::Agency)
        .await?
        .schools
        .iter()
        .any(|s| s.district_id == Some(body.district_id));
    if !served {
        return Err(field(
            "district_id",
            "the agency's officers serve none of this district's schools".into(),
        ));
    }
    agreement::check(
        body.effective_from,
        body.review_by,
        &body.published_url,
        &body.policy,
    )
    .map_err(|p| field(p.field(), p.to_string()))?;
    let now = super::now().millis();
    // The recording admin signs for their organisation.
    let signs = |party: Uuid| (org == Some(party)).then_some(now);
    let a = Agreement {
        id: Uuid::now_v7(),
        agency: body.agency_id,
        district: body.district_id,
        effective_from: body.effective_from,
        review_by: body.review_by,
        published_url: body.published_url.trim().to_owned(),
        terms: Terms::of(&body.policy),
        recorded_at: now,
        agency_signed_at: signs(body.agency_id),
        district_signed_at: signs(body.district_id),
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

/// Signs an agreement for the caller's organisation, the party that has not
/// signed it yet; it binds from its `effective_from` once both have.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/sign",
    responses((status = 200, body = AgreementOut), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
pub async fn sign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<Json<AgreementOut>, ApiError> {
    let org = admin(&state, &auth).await?;
    let all = state.store.agreements(org).await?;
    let a = all.iter().find(|a| a.id == id).ok_or(ApiError::NotFound)?;
    let vouched_by = state.store.vouched_by(auth.actor.user).await?;
    let party = agreement::may_sign(org, vouched_by, a).ok_or_else(|| {
        ApiError::Conflict(
            "an agreement is signed once by each party's own admin, whose account the other party did not make"
                .into(),
        )
    })?;
    let log = auth.view_entry(
        "agreement_signed",
        "POST /api/v1/agreements/{id}/sign",
        format!("agreement={id} party={party}"),
        vec![],
    );
    let now = super::now().millis();
    if !state
        .store
        .sign_agreement(id, party, auth.actor.user, now, log)
        .await?
    {
        return Err(ApiError::Conflict("it was signed meanwhile".into()));
    }
    let all = state.store.agreements(org).await?;
    let a = all.iter().find(|a| a.id == id).ok_or(ApiError::NotFound)?;
    Ok(Json(out(&all, a, today())))
}
