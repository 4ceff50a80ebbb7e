//! Schools, users, their school assignments and who supervises whom.

use super::audit::Entry;
use super::entity::{school, supervision, user, user_school};
use super::{Store, StoreError};
use client_core::local_time::Zone;
use client_core::{Actor, Role, SchoolId, UserId};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

/// A user as the auth layer needs them.
#[derive(Clone, Debug)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub password_hash: String,
    pub security_stamp: String,
    pub disabled: bool,
    pub locked_until: Option<i64>,
    pub device_epoch: i32,
    pub organization: Option<Uuid>,
}

#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct School {
    #[schema(value_type = String)]
    pub id: SchoolId,
    pub name: String,
    /// IANA, e.g. `America/Chicago`.
    pub time_zone: String,
    pub district_id: Option<Uuid>,
}

impl School {
    /// The school's zone; UTC if the stored name is not one (it is checked
    /// when written, so only a hand-edited database gets here).
    pub fn zone(&self) -> Zone {
        Zone::parse(&self.time_zone).unwrap_or_default()
    }
}

fn to_school(s: school::Model) -> School {
    School {
        id: SchoolId(s.id),
        name: s.name,
        time_zone: s.time_zone,
        district_id: s.district_id,
    }
}

fn to_user(m: user::Model) -> Result<User, StoreError> {
    Ok(User {
        id: UserId(m.id),
        role: Role::parse(&m.role)
            .ok_or_else(|| StoreError::Damaged(format!("user {} has role {:?}", m.id, m.role)))?,
        username: m.username,
        password_hash: m.password_hash,
        security_stamp: m.security_stamp,
        disabled: m.disabled,
        locked_until: m.locked_until,
        device_epoch: m.device_epoch,
        organization: m.organization_id,
    })
}

impl Store {
    /// Adds a school; `log` is the admin's entry, written in the same
    /// transaction (the shell and the demo have none).
    pub async fn add_school(
        &self,
        id: SchoolId,
        name: &str,
        zone: Zone,
        district: Option<Uuid>,
        now: i64,
        log: Option<Entry>,
    ) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        school::ActiveModel {
            id: Set(id.0),
            name: Set(name.to_owned()),
            created_at: Set(now),
            time_zone: Set(zone.name().to_owned()),
            district_id: Set(district),
        }
        .insert(&w.tx)
        .await?;
        let signed = self.log_access_in(&w, log.as_slice()).await?;
        w.commit().await?;
        self.anchored_by(signed)
    }

    /// Renames, moves or re-zones a school; `false` if there is none.
    pub async fn change_school(
        &self,
        id: SchoolId,
        name: Option<String>,
        district: Option<Uuid>,
        zone: Option<Zone>,
        log: Entry,
    ) -> Result<bool, StoreError> {
        let w = self.begin_write().await?;
        if school::Entity::find_by_id(id.0).one(&w.tx).await?.is_none() {
            return Ok(false);
        }
        let mut m = school::ActiveModel {
            id: Set(id.0),
            ..Default::default()
        };
        if let Some(n) = name {
            m.name = Set(n);
        }
        if let Some(d) = district {
            m.district_id = Set(Some(d));
        }
        if let Some(z) = zone {
            m.time_zone = Set(z.name().to_owned());
        }
        m.update(&w.tx).await?;
        let signed = self.log_access_in(&w, &[log]).await?;
        w.commit().await?;
        self.anchored_by(signed)?;
        Ok(true)
    }

    pub async fn schools(&self) -> Result<Vec<School>, StoreError> {
        Ok(school::Entity::find()
            .order_by_asc(school::Column::Name)
            .all(self.db())
            .await?
            .into_iter()
            .map(to_school)
            .collect())
    }

    pub async fn school(&self, id: SchoolId) -> Result<Option<School>, StoreError> {
        Ok(school::Entity::find_by_id(id.0)
            .one(self.db())
            .await?
            .map(to_school))
    }

    pub async fn school_exists(&self, id: SchoolId) -> Result<bool, StoreError> {
        Ok(school::Entity::find_by_id(id.0)
            .one(self.db())
            .await?
            .is_some())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn add_user(
        &self,
        id: UserId,
        username: &str,
        role: Role,
        password_hash: &str,
        security_stamp: &str,
        schools: &[SchoolId],
        supervisor: Option<UserId>,
        now: i64,
    ) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        user::ActiveModel {
            id: Set(id.0),
            username: Set(username.to_owned()),
            role: Set(role.as_str().to_owned()),
            password_hash: Set(password_hash.to_owned()),
            security_stamp: Set(security_stamp.to_owned()),
            disabled: Set(false),
            locked_until: Set(None),
            created_at: Set(now),
            device_epoch: Set(0),
            display_name: Set(None),
            organization_id: Set(None),
            // The operator's, from the shell: vouched for by no party.
            vouched_by: Set(None),
        }
        .insert(&w.tx)
        .await?;
        for s in schools {
            user_school::ActiveModel {
                user_id: Set(id.0),
                school_id: Set(s.0),
            }
            .insert(&w.tx)
            .await?;
        }
        if let Some(sup) = supervisor {
            supervision::ActiveModel {
                supervisor_id: Set(sup.0),
                officer_id: Set(id.0),
            }
            .insert(&w.tx)
            .await?;
        }
        w.commit().await
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        user::Entity::find()
            .filter(user::Column::Username.eq(username))
            .one(self.db())
            .await?
            .map(to_user)
            .transpose()
    }

    /// Every username, for the confusable check when one is added.
    pub async fn usernames(&self) -> Result<Vec<String>, StoreError> {
        Ok(user::Entity::find()
            .all(self.db())
            .await?
            .into_iter()
            .map(|u| u.username)
            .collect())
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        user::Entity::find_by_id(id.0)
            .one(self.db())
            .await?
            .map(to_user)
            .transpose()
    }

    /// The policy's view of a user: role, schools, supervised officers.
    pub async fn actor(&self, id: UserId, role: Role) -> Result<Actor, StoreError> {
        let schools = user_school::Entity::find()
            .filter(user_school::Column::UserId.eq(id.0))
            .all(self.db())
            .await?
            .into_iter()
            .map(|r| SchoolId(r.school_id))
            .collect();
        let supervises = supervision::Entity::find()
            .filter(supervision::Column::SupervisorId.eq(id.0))
            .all(self.db())
            .await?
            .into_iter()
            .map(|r| UserId(r.officer_id))
            .collect();
        Ok(Actor {
            user: id,
            role,
            schools,
            supervises,
        })
    }

    /// The schools `officers` are assigned to.
    pub async fn schools_of_officers(
        &self,
        officers: &[UserId],
    ) -> Result<Vec<SchoolId>, StoreError> {
        if officers.is_empty() {
            return Ok(Vec::new());
        }
        let mut out: Vec<SchoolId> = user_school::Entity::find()
            .filter(user_school::Column::UserId.is_in(officers.iter().map(|o| o.0)))
            .all(self.db())
            .await?
            .into_iter()
            .map(|r| SchoolId(r.school_id))
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    pub async fn set_locked_until(&self, id: UserId, until: Option<i64>) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        user::ActiveModel {
            id: Set(id.0),
            locked_until: Set(until),
            ..Default::default()
        }
        .update(&w.tx)
        .await?;
        w.commit().await
    }

    /// Disables or enables an account. Disabling changes the security stamp
    /// (every access token stops at its next request) and revokes every
    /// refresh token, in one transaction.
    pub async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        user::ActiveModel {
            id: Set(id.0),
            disabled: Set(disabled),
            security_stamp: Set(crate::auth::random_token()),
            ..Default::default()
        }
        .update(&w.tx)
        .await?;
        if disabled {
            end_sessions(&w.tx, id).await?;
        }
        w.commit().await
    }

    /// Sets a new password hash; every session of the user ends.
    pub async fn set_password(&self, id: UserId, hash: &str) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        user::ActiveModel {
            id: Set(id.0),
            password_hash: Set(hash.to_owned()),
            security_stamp: Set(crate::auth::random_token()),
            ..Default::default()
        }
        .update(&w.tx)
        .await?;
        end_sessions(&w.tx, id).await?;
        w.commit().await
    }

    pub async fn user_count(&self) -> Result<u64, StoreError> {
        use sea_orm::PaginatorTrait;
        Ok(user::Entity::find().count(self.db()).await?)
    }
}

/// A fresh random id (UUID v7 sorts by creation time).
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// Ends every session of `user`: refresh tokens revoked, devices' wrapping
/// secrets moved on.
pub(super) async fn end_sessions(
    tx: &sea_orm::DatabaseTransaction,
    user: UserId,
) -> Result<(), StoreError> {
    revoke_sessions(tx, user).await?;
    next_device_epoch(tx, user).await
}

/// Moves the user's device epoch: every device's wrapping secret changes.
async fn next_device_epoch(
    tx: &sea_orm::DatabaseTransaction,
    user: UserId,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    user::Entity::update_many()
        .col_expr(
            user::Column::DeviceEpoch,
            Expr::col(user::Column::DeviceEpoch).add(1),
        )
        .filter(user::Column::Id.eq(user.0))
        .exec(tx)
        .await?;
    Ok(())
}

/// Revokes every refresh token of `user`.
async fn revoke_sessions(
    tx: &sea_orm::DatabaseTransaction,
    user: UserId,
) -> Result<(), StoreError> {
    use super::entity::refresh_token;
    use sea_orm::sea_query::Expr;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::Revoked, Expr::value(true))
        .filter(refresh_token::Column::UserId.eq(user.0))
        .exec(tx)
        .await?;
    Ok(())
}
