//! The directory as an admin changes it (issue 18): organisations, users,
//! invites and assignments with their history. Each change writes its
//! access-log entry in the same transaction, so the log and the directory
//! never disagree. The rules (which role fits which organisation, what an
//! assignment may hold, that an enabled admin remains) are client-core's
//! `directory`; this module loads, asks and persists.

use super::audit::Entry;
use super::entity::{
    assignment, invite, organization, school, supervision, totp, user, user_school,
};
use super::{Store, StoreError};
use client_core::directory::{OrgKind, keeps_an_admin, org_kind_for};
use client_core::{Role, SchoolId, Timestamp, UserId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Organization {
    pub id: Uuid,
    #[schema(value_type = String)]
    pub kind: OrgKind,
    pub name: String,
}

/// One assignment as it was made.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Assignment {
    #[schema(value_type = Vec<String>)]
    pub schools: Vec<SchoolId>,
    #[schema(value_type = Option<String>)]
    pub supervisor_id: Option<UserId>,
    /// `YYYY-MM-DD`.
    pub effective_from: String,
    #[schema(value_type = String)]
    pub set_by: UserId,
    #[schema(value_type = String)]
    pub set_at: Timestamp,
}

/// A user as an admin sees them: never a password or its hash.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AdminUser {
    #[schema(value_type = String)]
    pub id: UserId,
    pub username: String,
    pub display_name: Option<String>,
    #[schema(value_type = String)]
    pub role: Role,
    pub organization_id: Option<Uuid>,
    pub disabled: bool,
    #[schema(value_type = Vec<String>)]
    pub schools: Vec<SchoolId>,
    #[schema(value_type = Option<String>)]
    pub supervisor_id: Option<UserId>,
    #[schema(value_type = String)]
    pub created_at: Timestamp,
    /// Signs in with a second factor (a confirmed TOTP enrolment), which
    /// an admin may reset for a lost phone.
    pub two_step: bool,
    /// Every assignment made, oldest first (one user's answer only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignments: Option<Vec<Assignment>>,
}

/// A user to create; `password_hash` is a real password's or, for an
/// invited user, an unguessable one's.
pub struct NewUser {
    pub id: UserId,
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub organization: Uuid,
    pub password_hash: String,
    /// `client_core::agreement::vouched_by`.
    pub vouched_by: Option<Uuid>,
}

/// What a `PATCH` changes; `None` leaves it.
#[derive(Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub display_name: Option<Option<String>>,
    pub disabled: Option<bool>,
}

/// Why a change was refused.
#[derive(Debug)]
pub enum AdminRefusal {
    NotFound,
    /// No enabled admin would remain.
    LastAdmin,
    /// The username is taken (by a create that won a race).
    Taken,
    /// An assignment the user's role cannot hold, checked in the
    /// transaction that writes it.
    Assignment(client_core::directory::AssignmentProblem),
    /// A school or supervisor named does not exist: the request's field.
    Unknown(String),
    Store(StoreError),
}

impl From<StoreError> for AdminRefusal {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<sea_orm::DbErr> for AdminRefusal {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Store(e.into())
    }
}

fn to_org(m: organization::Model) -> Result<Organization, StoreError> {
    Ok(Organization {
        id: m.id,
        kind: OrgKind::parse(&m.kind)
            .ok_or_else(|| StoreError::Damaged(format!("organisation kind {:?}", m.kind)))?,
        name: m.name,
    })
}

/// The names organisations get when users from before them are settled
/// (an admin renames nothing yet; a new deployment creates its own).
pub const FIRST_ORGANIZATIONS: (&str, &str) = ("Agency", "District");

impl Store {
    pub async fn organizations(&self) -> Result<Vec<Organization>, StoreError> {
        organization::Entity::find()
            .order_by_asc(organization::Column::CreatedAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(to_org)
            .collect()
    }

    pub async fn organization(&self, id: Uuid) -> Result<Option<Organization>, StoreError> {
        organization::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .map(to_org)
            .transpose()
    }

    pub async fn add_organization(
        &self,
        kind: OrgKind,
        name: &str,
        now: i64,
        log: Entry,
    ) -> Result<Organization, StoreError> {
        let w = self.begin_write().await?;
        let m = organization::ActiveModel {
            id: Set(Uuid::now_v7()),
            kind: Set(kind.as_str().into()),
            name: Set(name.into()),
            created_at: Set(now),
        }
        .insert(&w.tx)
        .await?;
        let signed = self.log_access_in(&w, &[log]).await?;
        w.commit().await?;
        self.anchored_by(signed)?;
        to_org(m)
    }

    /// At start: users from before organisations existed join one, by role
    /// (an agency's roles the first agency, the others the first district),
    /// and schools the first district; each created under `names` if there
    /// is none yet.
    pub async fn settle_organizations(&self, names: (&str, &str)) -> Result<(), StoreError> {
        let homeless = user::Entity::find()
            .filter(user::Column::OrganizationId.is_null())
            .all(self.db())
            .await?;
        let unplaced = school::Entity::find()
            .filter(school::Column::DistrictId.is_null())
            .all(self.db())
            .await?;
        if homeless.is_empty() && unplaced.is_empty() {
            return Ok(());
        }
        let w = self.begin_write().await?;
        let now = chrono::Utc::now().timestamp_millis();
        let mut first = HashMap::new();
        for (kind, name) in [(OrgKind::Agency, names.0), (OrgKind::District, names.1)] {
            let found = organization::Entity::find()
                .filter(organization::Column::Kind.eq(kind.as_str()))
                .order_by_asc(organization::Column::CreatedAt)
                .one(&w.tx)
                .await?;
            let id = match found {
                Some(o) => o.id,
                None => {
                    organization::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        kind: Set(kind.as_str().into()),
                        name: Set(name.into()),
                        created_at: Set(now),
                    }
                    .insert(&w.tx)
                    .await?
                    .id
                }
            };
            first.insert(kind, id);
        }
        for sc in unplaced {
            school::ActiveModel {
                id: Set(sc.id),
                district_id: Set(first.get(&OrgKind::District).copied()),
                ..Default::default()
            }
            .update(&w.tx)
            .await?;
        }
        for u in homeless {
            let role = Role::parse(&u.role).unwrap_or(Role::Admin);
            let kind = org_kind_for(role).unwrap_or(OrgKind::District);
            user::ActiveModel {
                id: Set(u.id),
                organization_id: Set(first.get(&kind).copied()),
                ..Default::default()
            }
            .update(&w.tx)
            .await?;
        }
        w.commit().await
    }

    /// Moves a user to another organisation (the demo's agency admin).
    pub async fn set_organization(&self, id: UserId, org: Uuid) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        user::ActiveModel {
            id: Set(id.0),
            organization_id: Set(Some(org)),
            ..Default::default()
        }
        .update(&w.tx)
        .await?;
        w.commit().await
    }

    /// Every user, or one, with their current assignment.
    pub async fn admin_users(&self, only: Option<UserId>) -> Result<Vec<AdminUser>, StoreError> {
        let mut q = user::Entity::find().order_by_asc(user::Column::Username);
        if let Some(id) = only {
            q = q.filter(user::Column::Id.eq(id.0));
        }
        let users = q.all(self.db()).await?;
        let ids: Vec<Uuid> = users.iter().map(|u| u.id).collect();
        let mut schools: HashMap<Uuid, Vec<SchoolId>> = HashMap::new();
        for r in user_school::Entity::find()
            .filter(user_school::Column::UserId.is_in(ids.clone()))
            .all(self.db())
            .await?
        {
            schools
                .entry(r.user_id)
                .or_default()
                .push(SchoolId(r.school_id));
        }
        let two_step: std::collections::HashSet<Uuid> = totp::Entity::find()
            .filter(totp::Column::UserId.is_in(ids.clone()))
            .filter(totp::Column::Confirmed.eq(true))
            .all(self.db())
            .await?
            .into_iter()
            .map(|t| t.user_id)
            .collect();
        let supervisors: HashMap<Uuid, Uuid> = supervision::Entity::find()
            .filter(supervision::Column::OfficerId.is_in(ids))
            .all(self.db())
            .await?
            .into_iter()
            .map(|s| (s.officer_id, s.supervisor_id))
            .collect();
        users
            .into_iter()
            .map(|u| {
                let mut own = schools.remove(&u.id).unwrap_or_default();
                own.sort();
                Ok(AdminUser {
                    id: UserId(u.id),
                    role: Role::parse(&u.role)
                        .ok_or_else(|| StoreError::Damaged(format!("role {:?}", u.role)))?,
                    username: u.username,
                    display_name: u.display_name,
                    organization_id: u.organization_id,
                    disabled: u.disabled,
                    schools: own,
                    supervisor_id: supervisors.get(&u.id).copied().map(UserId),
                    created_at: Timestamp::from_millis(u.created_at),
                    two_step: two_step.contains(&u.id),
                    assignments: None,
                })
            })
            .collect()
    }

    /// One user with every assignment made.
    pub async fn admin_user(&self, id: UserId) -> Result<Option<AdminUser>, StoreError> {
        let Some(mut u) = self.admin_users(Some(id)).await?.pop() else {
            return Ok(None);
        };
        let history = assignment::Entity::find()
            .filter(assignment::Column::UserId.eq(id.0))
            .order_by_asc(assignment::Column::SetAt)
            .all(self.db())
            .await?;
        u.assignments = Some(
            history
                .into_iter()
                .map(|a| Assignment {
                    schools: serde_json::from_str(&a.schools).unwrap_or_default(),
                    supervisor_id: a.supervisor_id.map(UserId),
                    effective_from: a.effective_from,
                    set_by: UserId(a.set_by),
                    set_at: Timestamp::from_millis(a.set_at),
                })
                .collect(),
        );
        Ok(Some(u))
    }

    pub async fn create_user(
        &self,
        new: NewUser,
        now: i64,
        log: Entry,
    ) -> Result<(), AdminRefusal> {
        let w = self.begin_write().await?;
        let inserted = user::ActiveModel {
            id: Set(new.id.0),
            username: Set(new.username),
            role: Set(new.role.as_str().into()),
            password_hash: Set(new.password_hash),
            security_stamp: Set(crate::auth::random_token()),
            disabled: Set(false),
            locked_until: Set(None),
            created_at: Set(now),
            device_epoch: Set(0),
            display_name: Set(new.display_name),
            organization_id: Set(Some(new.organization)),
            vouched_by: Set(new.vouched_by),
        }
        .insert(&w.tx)
        .await;
        if let Err(e) = inserted {
            return Err(match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AdminRefusal::Taken,
                _ => AdminRefusal::Store(e.into()),
            });
        }
        let signed = self.log_access_in(&w, &[log]).await?;
        w.commit().await?;
        self.anchored_by(signed)?;
        Ok(())
    }

    /// Applies `change` unless it would leave the user's organisation no
    /// enabled admin. A new role
    /// is a new job: the user's schools, supervisor and supervised officers
    /// are cleared (and the clearing kept in the history) for the admin to
    /// assign again. A disable or a new role ends every session.
    pub async fn change_user(
        &self,
        id: UserId,
        change: UserChange,
        by: UserId,
        now: i64,
        log: Entry,
    ) -> Result<(), AdminRefusal> {
        let w = self.begin_write().await?;
        let all = user::Entity::find().all(&w.tx).await?;
        let Some(me) = all.iter().find(|u| u.id == id.0) else {
            return Err(AdminRefusal::NotFound);
        };
        let role_now = Role::parse(&me.role).unwrap_or(Role::Sro);
        let new_role = change.role.filter(|r| *r != role_now);
        let disabling = change.disabled == Some(true) && !me.disabled;
        // Each organisation keeps an admin of its own.
        let after = all
            .iter()
            .filter(|u| u.organization_id == me.organization_id)
            .map(|u| {
                let role = Role::parse(&u.role).unwrap_or(Role::Sro);
                if u.id == id.0 {
                    (
                        new_role.unwrap_or(role),
                        change.disabled.unwrap_or(u.disabled),
                    )
                } else {
                    (role, u.disabled)
                }
            });
        if !keeps_an_admin(after) {
            return Err(AdminRefusal::LastAdmin);
        }
        let mut m = user::ActiveModel {
            id: Set(id.0),
            ..Default::default()
        };
        if let Some(r) = new_role {
            m.role = Set(r.as_str().into());
        }
        if let Some(d) = change.display_name {
            m.display_name = Set(d);
        }
        if let Some(d) = change.disabled {
            m.disabled = Set(d);
        }
        let enabling = change.disabled == Some(false) && me.disabled;
        let ends_sessions = new_role.is_some() || disabling;
        if ends_sessions || enabling {
            m.security_stamp = Set(crate::auth::random_token());
        }
        m.update(&w.tx).await?;
        if ends_sessions {
            super::directory::end_sessions(&w.tx, id).await?;
            // An invite made for the old role, or before the disable, must
            // not open the account again (a reset token lost in transit
            // would become an admin's after a promotion).
            invite::Entity::delete_many()
                .filter(invite::Column::UserId.eq(id.0))
                .filter(invite::Column::UsedAt.is_null())
                .exec(&w.tx)
                .await?;
        }
        if new_role.is_some() {
            supervision::Entity::delete_many()
                .filter(supervision::Column::SupervisorId.eq(id.0))
                .exec(&w.tx)
                .await?;
            let today = Timestamp::from_millis(now).to_string()[..10].to_string();
            write_assignment(&w.tx, id, &[], None, &today, by, now).await?;
        }
        let signed = self.log_access_in(&w, &[log]).await?;
        w.commit().await?;
        self.anchored_by(signed)?;
        Ok(())
    }

    /// Replaces the user's schools and supervisor, keeping the history.
    /// What it may hold is checked in the same transaction, so a role
    /// changed at the same moment cannot slip an officer under a
    /// non-supervisor.
    #[allow(clippy::too_many_arguments)]
    pub async fn assign(
        &self,
        id: UserId,
        schools: &[SchoolId],
        supervisor: Option<UserId>,
        effective_from: &str,
        by: UserId,
        now: i64,
        log: Entry,
    ) -> Result<(), AdminRefusal> {
        let w = self.begin_write().await?;
        let role_of = async |u: UserId| -> Result<Option<Role>, AdminRefusal> {
            Ok(user::Entity::find_by_id(u.0)
                .one(&w.tx)
                .await?
                .and_then(|m| Role::parse(&m.role)))
        };
        let Some(role) = role_of(id).await? else {
            return Err(AdminRefusal::NotFound);
        };
        let supervisor_role = match supervisor {
            Some(s) => Some(
                role_of(s)
                    .await?
                    .ok_or_else(|| AdminRefusal::Unknown("supervisor_id".into()))?,
            ),
            None => None,
        };
        for (i, s) in schools.iter().enumerate() {
            if school::Entity::find_by_id(s.0).one(&w.tx).await?.is_none() {
                return Err(AdminRefusal::Unknown(format!("schools.{i}")));
            }
        }
        client_core::directory::check_assignment(role, schools.len(), supervisor_role)
            .map_err(AdminRefusal::Assignment)?;
        write_assignment(&w.tx, id, schools, supervisor, effective_from, by, now).await?;
        let signed = self.log_access_in(&w, &[log]).await?;
        w.commit().await?;
        self.anchored_by(signed)?;
        Ok(())
    }
}

async fn write_assignment(
    c: &impl ConnectionTrait,
    id: UserId,
    schools: &[SchoolId],
    supervisor: Option<UserId>,
    effective_from: &str,
    by: UserId,
    now: i64,
) -> Result<(), StoreError> {
    user_school::Entity::delete_many()
        .filter(user_school::Column::UserId.eq(id.0))
        .exec(c)
        .await?;
    for s in schools {
        user_school::ActiveModel {
            user_id: Set(id.0),
            school_id: Set(s.0),
        }
        .insert(c)
        .await?;
    }
    supervision::Entity::delete_many()
        .filter(supervision::Column::OfficerId.eq(id.0))
        .exec(c)
        .await?;
    if let Some(sup) = supervisor {
        supervision::ActiveModel {
            supervisor_id: Set(sup.0),
            officer_id: Set(id.0),
        }
        .insert(c)
        .await?;
    }
    assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(id.0),
        schools: Set(serde_json::to_string(schools).unwrap_or_else(|_| "[]".into())),
        supervisor_id: Set(supervisor.map(|s| s.0)),
        effective_from: Set(effective_from.to_owned()),
        set_by: Set(by.0),
        set_at: Set(now),
    }
    .insert(c)
    .await?;
    Ok(())
}
