//! One-time invites as stored (issue 18): a token's SHA-256, the user it
//! sets a password for, until when, and whether it was used. Using one sets
//! the password and ends every session in one transaction, with its
//! access-log entry.

use super::audit::Entry;
use super::entity::{invite, user};
use super::{Store, StoreError};
use client_core::{Role, UserId};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

impl Store {
    /// Keeps a one-time invite for `user` (its hash), replacing any earlier
    /// one not yet used.
    pub async fn add_invite(
        &self,
        user: UserId,
        token_hash: String,
        expires_at: i64,
        now: i64,
        log: Entry,
    ) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        invite::Entity::delete_many()
            .filter(invite::Column::UserId.eq(user.0))
            .filter(invite::Column::UsedAt.is_null())
            .exec(&w.tx)
            .await?;
        invite::ActiveModel {
            token_hash: Set(token_hash),
            user_id: Set(user.0),
            expires_at: Set(expires_at),
            used_at: Set(None),
            created_at: Set(now),
        }
        .insert(&w.tx)
        .await?;
        let signed = self.log_access_in(&w, &[log]).await?;
        w.commit().await?;
        self.anchored_by(signed)
    }

    /// The user an unused, unexpired invite is for (to check a password
    /// against their username before it is used).
    pub async fn invite_for(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let Some(inv) = invite::Entity::find_by_id(token_hash.to_owned())
            .one(self.db())
            .await?
            .filter(|i| i.used_at.is_none() && i.expires_at > now)
        else {
            return Ok(None);
        };
        Ok(user::Entity::find_by_id(inv.user_id)
            .one(self.db())
            .await?
            .filter(|u| !u.disabled)
            .map(|u| u.username))
    }

    /// Uses an invite once: sets the password and ends every session.
    /// `None` when the token is unknown, used, expired, or its user is
    /// disabled (the caller cannot tell which).
    pub async fn redeem_invite(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: i64,
        log: impl FnOnce(UserId, Option<Role>) -> Entry,
    ) -> Result<Option<(UserId, String)>, StoreError> {
        let w = self.begin_write().await?;
        let Some(inv) = invite::Entity::find_by_id(token_hash.to_owned())
            .one(&w.tx)
            .await?
            .filter(|i| i.used_at.is_none() && i.expires_at > now)
        else {
            return Ok(None);
        };
        let Some(u) = user::Entity::find_by_id(inv.user_id)
            .one(&w.tx)
            .await?
            .filter(|u| !u.disabled)
        else {
            return Ok(None);
        };
        // Marked used only if still unused: two redemptions at once, one wins.
        let used = invite::Entity::update_many()
            .col_expr(invite::Column::UsedAt, sea_orm::sea_query::Expr::value(now))
            .filter(invite::Column::TokenHash.eq(token_hash))
            .filter(invite::Column::UsedAt.is_null())
            .exec(&w.tx)
            .await?;
        if used.rows_affected != 1 {
            return Ok(None);
        }
        user::ActiveModel {
            id: Set(u.id),
            password_hash: Set(password_hash.to_owned()),
            security_stamp: Set(crate::auth::random_token()),
            locked_until: Set(None),
            ..Default::default()
        }
        .update(&w.tx)
        .await?;
        super::directory::end_sessions(&w.tx, UserId(u.id)).await?;
        let signed = self
            .log_access_in(&w, &[log(UserId(u.id), Role::parse(&u.role))])
            .await?;
        w.commit().await?;
        self.anchored_by(signed)?;
        Ok(Some((UserId(u.id), u.username)))
    }
}
