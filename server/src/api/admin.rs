//! `/admin/...` (API.md Additions, Administration): organisations, schools
//! (with their time zones), users and their assignments, for the admin role (`Action::ManageDirectory`).
//! Each change is in the access log with what changed, never a password or
//! a token. Invites are in `invites`.

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, Auth};
use super::scope::require_grant;
use crate::auth::{hash_password_queued, random_token};
use crate::credentials::{check_new_username, check_password};
use crate::store::admin::{AdminRefusal, AdminUser, NewUser, Organization, UserChange};
use crate::store::directory::School;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use client_core::access::Action;
use client_core::directory::{self, OrgKind};
use client_core::local_time::Zone;
use client_core::{Role, SchoolId, UserId};
use serde::{Deserialize, Serialize};

fn field(code: &'static str, field: &str, message: impl Into<String>) -> ApiError {
    ApiError::Field {
        code,
        field: field.into(),
        message: message.into(),
    }
}

/// The answer to a change the store refused.
fn refused(r: AdminRefusal) -> ApiError {
    match r {
        AdminRefusal::NotFound => ApiError::NotFound,
        AdminRefusal::LastAdmin => {
            ApiError::Conflict("this would leave no enabled admin: make another admin first".into())
        }
        AdminRefusal::Taken => ApiError::Conflict("this username is taken".into()),
        AdminRefusal::Assignment(p) => field("invalid_assignment", p.field(), p.to_string()),
        AdminRefusal::Unknown(f) => field("unknown", &f, "no such school or user"),
        AdminRefusal::Store(e) => e.into(),
    }
}

/// The caller may administer; answers with their organisation (`None` for
/// the deployment's own admin), which bounds what they manage.
pub(super) async fn admin(state: &AppState, auth: &Auth) -> Result<Option<uuid::Uuid>, ApiError> {
    require_grant(&auth.policy, &auth.actor, Action::ManageDirectory)?;
    Ok(state
        .store
        .admin_user(auth.actor.user)
        .await?
        .and_then(|u| u.organization_id))
}

/// A user the caller manages; 404 for any other, so another organisation's
/// staff are not even confirmed to exist.
pub(super) async fn managed(
    state: &AppState,
    mine: Option<uuid::Uuid>,
    id: UserId,
) -> Result<AdminUser, ApiError> {
    state
        .store
        .admin_user(id)
        .await?
        .filter(|u| directory::manages(mine, u.organization_id))
        .ok_or(ApiError::NotFound)
}

/// The log entry of a directory change: ids and what changed only.
fn change_entry(
    auth: &Auth,
    event: &str,
    endpoint: &str,
    purpose: String,
) -> crate::store::audit::Entry {
    auth.view_entry(event, endpoint, purpose, vec![])
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    #[schema(value_type = String)]
    pub kind: OrgKind,
    pub name: String,
}

#[utoipa::path(get, path = "/api/v1/admin/organizations",
    responses((status = 200, body = Vec<Organization>), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn organizations(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<Organization>>, ApiError> {
    admin(&state, &auth).await?;
    Ok(Json(state.store.organizations().await?))
}

#[utoipa::path(post, path = "/api/v1/admin/organizations", request_body = NewOrganization,
    responses((status = 201, body = Organization), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn add_organization(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(new): ApiJson<NewOrganization>,
) -> Result<(StatusCode, Json<Organization>), ApiError> {
    admin(&state, &auth).await?;
    let name = directory::display_name(&new.name)
        .map_err(|m| field("invalid_field", "name", m))?
        .ok_or_else(|| field("required", "name", "an organisation has a name"))?;
    let log = change_entry(
        &auth,
        "admin_add_organization",
        "POST /api/v1/admin/organizations",
        format!("kind={} name={name:?}", new.kind),
    );
    let org = state
        .store
        .add_organization(new.kind, &name, super::now().millis(), log)
        .await?;
    Ok((StatusCode::CREATED, Json(org)))
}

#[utoipa::path(get, path = "/api/v1/admin/users",
    responses((status = 200, body = Vec<AdminUser>), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn users(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<AdminUser>>, ApiError> {
    let mine = admin(&state, &auth).await?;
    let mut all = state.store.admin_users(None).await?;
    all.retain(|u| directory::manages(mine, u.organization_id));
    Ok(Json(all))
}

#[utoipa::path(get, path = "/api/v1/admin/users/{id}",
    responses((status = 200, body = AdminUser), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<UserId>,
) -> Result<Json<AdminUser>, ApiError> {
    let mine = admin(&state, &auth).await?;
    managed(&state, mine, id).await.map(Json)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub username: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[schema(value_type = String)]
    pub role: Role,
    pub organization_id: uuid::Uuid,
    /// Without it the answer carries a one-time `invite_token`.
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    #[serde(flatten)]
    pub user: AdminUser,
    /// Redeemed at `POST /api/v1/auth/invite`; shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_token: Option<String>,
}

/// Checks that `role` may belong to organisation `org`.
async fn check_fits(
    state: &AppState,
    role: Role,
    org: uuid::Uuid,
    at: &str,
) -> Result<(), ApiError> {
    let Some(o) = state.store.organization(org).await? else {
        return Err(field("unknown", "organization_id", "no such organisation"));
    };
    if directory::fits(role, o.kind) {
        Ok(())
    } else {
        Err(field(
            "wrong_organization",
            at,
            format!(
                "a {role} does not belong to an organisation of kind {}",
                o.kind
            ),
        ))
    }
}

#[utoipa::path(post, path = "/api/v1/admin/users", request_body = NewUserBody,
    responses((status = 201, body = Created), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn add_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(new): ApiJson<NewUserBody>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let mine = admin(&state, &auth).await?;
    let users = state.store.admin_users(None).await?;
    let has_admin = users.iter().any(|u| {
        u.role == Role::Admin && !u.disabled && u.organization_id == Some(new.organization_id)
    });
    if !directory::may_create(mine, new.organization_id, new.role, has_admin) {
        return Err(field(
            "not_your_organization",
            "organization_id",
            "you add users to your own organisation (elsewhere, only its first admin)",
        ));
    }
    let taken = state.store.usernames().await?;
    let username = check_new_username(&new.username, taken.iter().map(String::as_str))
        .map_err(|e| field("invalid_field", "username", e.to_string()))?;
    if taken.contains(&username) {
        return Err(ApiError::Conflict(format!(
            "user {username:?} already exists"
        )));
    }
    let display_name = match &new.display_name {
        Some(d) => {
            directory::display_name(d).map_err(|m| field("invalid_field", "display_name", m))?
        }
        None => None,
    };
    check_fits(&state, new.role, new.organization_id, "role").await?;
    let (password, invite) = match &new.password {
        Some(p) => {
            check_password(p, &username)
                .map_err(|e| field("weak_password", "password", e.to_string()))?;
            (p.clone(), None)
        }
        // Unguessable until the invite sets a real one; signing in with it
        // costs as much as with any password, so timing tells nothing.
        None => (random_token(), Some(random_token())),
    };
    let password_hash = hash_password_queued(password)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let id = UserId(uuid::Uuid::now_v7());
    let now = super::now().millis();
    let vouched_by = client_core::agreement::vouched_by(
        new.organization_id,
        mine,
        state.store.vouched_by(auth.actor.user).await?,
    );
    let log = change_entry(
        &auth,
        "admin_add_user",
        "POST /api/v1/admin/users",
        format!("user={id} role={} invited={}", new.role, invite.is_some()),
    );
    state
        .store
        .create_user(
            NewUser {
                id,
                username,
                display_name,
                role: new.role,
                organization: new.organization_id,
                password_hash,
                vouched_by,
            },
            now,
            log,
        )
        .await
        .map_err(refused)?;
    if let Some(token) = &invite {
        super::invites::keep(&state, &auth, id, token, "POST /api/v1/admin/users").await?;
    }
    let user = state
        .store
        .admin_user(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            user,
            invite_token: invite,
        }),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// Changes a user's role, display name or disabled state. A new role
/// clears the user's assignments (a new job is assigned anew) and, like a
/// disable, ends every session at once.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", request_body = UserPatch,
    responses((status = 200, body = AdminUser), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn change_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<UserId>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> Result<Json<AdminUser>, ApiError> {
    let mine = admin(&state, &auth).await?;
    let current = managed(&state, mine, id).await?;
    if let (Some(role), Some(org)) = (patch.role, current.organization_id) {
        check_fits(&state, role, org, "role").await?;
    }
    let display_name = patch
        .display_name
        .as_deref()
        .map(directory::display_name)
        .transpose()
        .map_err(|m| field("invalid_field", "display_name", m))?;
    let what = [
        patch.role.map(|r| format!("role={r}")),
        display_name.as_ref().map(|_| "display_name".to_string()),
        patch.disabled.map(|d| format!("disabled={d}")),
    ];
    let purpose = format!(
        "user={id} {}",
        what.into_iter().flatten().collect::<Vec<_>>().join(" ")
    );
    let log = change_entry(
        &auth,
        "admin_change_user",
        "PATCH /api/v1/admin/users/{id}",
        purpose,
    );
    let change = UserChange {
        role: patch.role,
        display_name,
        disabled: patch.disabled,
    };
    state
        .store
        .change_user(id, change, auth.actor.user, super::now().millis(), log)
        .await
        .map_err(refused)?;
    state
        .store
        .admin_user(id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentBody {
    #[schema(value_type = Vec<String>)]
    pub schools: Vec<SchoolId>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub supervisor_id: Option<UserId>,
    /// `YYYY-MM-DD`, today or earlier.
    pub effective_from: String,
}

/// Sets a user's schools and supervisor. The history keeps every one.
/// It takes effect now: an assignment dated in the future is refused
/// rather than applied early (nothing yet applies it on its day).
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/assignments", request_body = AssignmentBody,
    responses((status = 200, body = AdminUser), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<UserId>,
    ApiJson(body): ApiJson<AssignmentBody>,
) -> Result<Json<AdminUser>, ApiError> {
    let mine = admin(&state, &auth).await?;
    managed(&state, mine, id).await?;
    if let Some(sup) = body.supervisor_id
        && managed(&state, mine, sup).await.is_err()
    {
        return Err(field("unknown", "supervisor_id", "no such school or user"));
    }
    let now = super::now();
    let day = chrono::NaiveDate::parse_from_str(&body.effective_from, "%Y-%m-%d")
        .map_err(|_| field("invalid_field", "effective_from", "a date, YYYY-MM-DD"))?;
    directory::check_effective_from(day, now.to_datetime().date_naive())
        .map_err(|p| field("future_date", p.field(), p.to_string()))?;
    let mut schools = body.schools.clone();
    schools.sort();
    schools.dedup();
    let log = change_entry(
        &auth,
        "admin_assign_user",
        "PUT /api/v1/admin/users/{id}/assignments",
        format!(
            "user={id} schools={} supervisor={} effective_from={day}",
            schools
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(","),
            body.supervisor_id
                .map(|s| s.to_string())
                .unwrap_or_default()
        ),
    );
    state
        .store
        .assign(
            id,
            &schools,
            body.supervisor_id,
            &day.to_string(),
            auth.actor.user,
            now.millis(),
            log,
        )
        .await
        .map_err(refused)?;
    state
        .store
        .admin_user(id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

#[utoipa::path(get, path = "/api/v1/admin/schools",
    responses((status = 200, body = Vec<School>), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn schools(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<School>>, ApiError> {
    admin(&state, &auth).await?;
    Ok(Json(state.store.schools().await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchoolBody {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub district_id: Option<uuid::Uuid>,
    /// IANA, e.g. `America/Chicago`: hours of day in every view are the
    /// school's own.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// The parts of a school body that are given, checked.
async fn school_parts(
    state: &AppState,
    body: &SchoolBody,
) -> Result<(Option<String>, Option<uuid::Uuid>, Option<Zone>), ApiError> {
    let name = match &body.name {
        Some(n) => Some(
            directory::display_name(n)
                .map_err(|m| field("invalid_field", "name", m))?
                .ok_or_else(|| field("required", "name", "a school has a name"))?,
        ),
        None => None,
    };
    if let Some(d) = body.district_id {
        match state.store.organization(d).await? {
            Some(o) if o.kind == OrgKind::District => {}
            _ => return Err(field("unknown", "district_id", "no such district")),
        }
    }
    let zone = match &body.time_zone {
        Some(z) => Some(Zone::parse(z).ok_or_else(|| {
            field(
                "invalid_field",
                "time_zone",
                format!("{z:?} is not an IANA time zone such as America/Chicago"),
            )
        })?),
        None => None,
    };
    Ok((name, body.district_id, zone))
}

#[utoipa::path(post, path = "/api/v1/admin/schools", request_body = SchoolBody,
    responses((status = 201, body = School), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn add_school(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<SchoolBody>,
) -> Result<(StatusCode, Json<School>), ApiError> {
    let mine = admin(&state, &auth).await?;
    let (name, district, zone) = school_parts(&state, &body).await?;
    let name = name.ok_or_else(|| field("required", "name", "a school has a name"))?;
    let district =
        district.ok_or_else(|| field("required", "district_id", "a school is in a district"))?;
    if !directory::manages(mine, Some(district)) {
        return Err(field(
            "not_your_organization",
            "district_id",
            "you add schools to your own district",
        ));
    }
    let zone = zone.ok_or_else(|| field("required", "time_zone", "a school has a time zone"))?;
    let id = SchoolId(uuid::Uuid::now_v7());
    let log = change_entry(
        &auth,
        "admin_add_school",
        "POST /api/v1/admin/schools",
        format!("school={id} district={district} time_zone={}", zone.name()),
    );
    state
        .store
        .add_school(
            id,
            &name,
            zone,
            Some(district),
            super::now().millis(),
            Some(log),
        )
        .await?;
    let school = state.store.school(id).await?.ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(school)))
}

/// Renames a school, moves it to another district, or sets its time zone
/// (every view counts its hours in the new zone from then on).
#[utoipa::path(patch, path = "/api/v1/admin/schools/{id}", request_body = SchoolBody,
    responses((status = 200, body = School), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn change_school(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<SchoolId>,
    ApiJson(body): ApiJson<SchoolBody>,
) -> Result<Json<School>, ApiError> {
    let mine = admin(&state, &auth).await?;
    // Another district's school is not this admin's to change, nor to
    // move into their own district.
    match state.store.school(id).await? {
        Some(s) if directory::manages(mine, s.district_id) => {}
        _ => return Err(ApiError::NotFound),
    }
    let (name, district, zone) = school_parts(&state, &body).await?;
    if district.is_some() && !directory::manages(mine, district) {
        return Err(field(
            "not_your_organization",
            "district_id",
            "you move schools within your own district",
        ));
    }
    let log = change_entry(
        &auth,
        "admin_change_school",
        "PATCH /api/v1/admin/schools/{id}",
        format!(
            "school={id} name={} district={} time_zone={}",
            name.is_some(),
            district.map(|d| d.to_string()).unwrap_or_default(),
            zone.map(|z| z.name()).unwrap_or_default()
        ),
    );
    if !state
        .store
        .change_school(id, name, district, zone, log)
        .await?
    {
        return Err(ApiError::NotFound);
    }
    state
        .store
        .school(id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}
