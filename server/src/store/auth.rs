//! Refresh tokens (stored hashed, rotated on use) and login attempts (for
//! the lockout and the per-address limit). Both live in the database so that
//! every `serve` process sees the same state.

use super::entity::{login_attempt, refresh_token};
use super::{Store, StoreError};
use client_core::UserId;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;

/// What happened to a presented refresh token.
#[derive(Debug, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// Valid: it is now used, and the caller may issue its successor.
    Rotated {
        user: UserId,
        family: Uuid,
    },
    /// Already used once: the family is revoked (a stolen token was replayed).
    Reused,
    Invalid,
}

impl Store {
    pub async fn add_refresh_token(
        &self,
        hash: &str,
        user: UserId,
        family: Uuid,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        refresh_token::ActiveModel {
            token_hash: Set(hash.to_owned()),
            user_id: Set(user.0),
            family: Set(family),
            expires_at: Set(expires_at),
            used_at: Set(None),
            revoked: Set(false),
        }
        .insert(&w.tx)
        .await?;
        w.commit().await
    }

    /// Marks a refresh token used, atomically: of two concurrent uses of one
    /// token, exactly one rotates and the other revokes the family.
    pub async fn use_refresh_token(
        &self,
        hash: &str,
        now: i64,
    ) -> Result<RefreshOutcome, StoreError> {
        let w = self.begin_write().await?;
        let Some(t) = refresh_token::Entity::find_by_id(hash.to_owned())
            .one(&w.tx)
            .await?
        else {
            return Ok(RefreshOutcome::Invalid);
        };
        if t.used_at.is_some() || t.revoked {
            refresh_token::Entity::update_many()
                .col_expr(refresh_token::Column::Revoked, Expr::value(true))
                .filter(refresh_token::Column::Family.eq(t.family))
                .exec(&w.tx)
                .await?;
            w.commit().await?;
            return Ok(if t.used_at.is_some() {
                RefreshOutcome::Reused
            } else {
                RefreshOutcome::Invalid
            });
        }
        if t.expires_at <= now {
            return Ok(RefreshOutcome::Invalid);
        }
        refresh_token::ActiveModel {
            token_hash: Set(t.token_hash),
            used_at: Set(Some(now)),
            ..Default::default()
        }
        .update(&w.tx)
        .await?;
        w.commit().await?;
        Ok(RefreshOutcome::Rotated {
            user: UserId(t.user_id),
            family: t.family,
        })
    }

    pub async fn record_login_attempt(
        &self,
        username: &str,
        address: &str,
        at: i64,
        success: bool,
    ) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        login_attempt::ActiveModel {
            username: Set(username.to_owned()),
            address: Set(address.to_owned()),
            at: Set(at),
            success: Set(success),
            ..Default::default()
        }
        .insert(&w.tx)
        .await?;
        w.commit().await
    }

    /// Failed logins for an account since `since`, not counting those before
    /// its last success.
    pub async fn failures_for_user(&self, username: &str, since: i64) -> Result<u64, StoreError> {
        let last_ok = login_attempt::Entity::find()
            .filter(login_attempt::Column::Username.eq(username))
            .filter(login_attempt::Column::Success.eq(true))
            .filter(login_attempt::Column::At.gte(since))
            .all(self.db())
            .await?
            .into_iter()
            .map(|a| a.at)
            .max()
            .unwrap_or(since);
        Ok(login_attempt::Entity::find()
            .filter(login_attempt::Column::Username.eq(username))
            .filter(login_attempt::Column::Success.eq(false))
            .filter(login_attempt::Column::At.gte(last_ok))
            .count(self.db())
            .await?)
    }

    pub async fn failures_from_address(
        &self,
        address: &str,
        since: i64,
    ) -> Result<u64, StoreError> {
        Ok(login_attempt::Entity::find()
            .filter(login_attempt::Column::Address.eq(address))
            .filter(login_attempt::Column::Success.eq(false))
            .filter(login_attempt::Column::At.gte(since))
            .count(self.db())
            .await?)
    }
}
