//! Sign-ins as their user sees them (issue 18; API.md Identity): each
//! refresh-token family is one sign-in on one device, from its password
//! (and code) to its absolute end. Signing out revokes one family; a new
//! password revokes the others.

use super::entity::refresh_token;
use super::{Store, StoreError};
use client_core::UserId;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// One live sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignIn {
    pub family: Uuid,
    /// Its absolute end (`session_hours` after the password).
    pub ends_at: i64,
    /// When its newest refresh token lapses unused.
    pub lapses_at: i64,
}

impl Store {
    /// The user and family of a refresh token, used or not.
    pub async fn refresh_family(&self, hash: &str) -> Result<Option<(UserId, Uuid)>, StoreError> {
        Ok(refresh_token::Entity::find_by_id(hash.to_owned())
            .one(self.db())
            .await?
            .map(|t| (UserId(t.user_id), t.family)))
    }

    /// Revokes every token of `user`'s sign-in `family`; `false` when the
    /// user has no such sign-in still live.
    pub async fn revoke_family(&self, user: UserId, family: Uuid) -> Result<bool, StoreError> {
        let w = self.begin_write().await?;
        let done = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::Revoked, Expr::value(true))
            .filter(refresh_token::Column::UserId.eq(user.0))
            .filter(refresh_token::Column::Family.eq(family))
            .filter(refresh_token::Column::Revoked.eq(false))
            .exec(&w.tx)
            .await?;
        w.commit().await?;
        Ok(done.rows_affected > 0)
    }

    /// Revokes every sign-in of `user` but `keep`.
    pub async fn revoke_other_families(&self, user: UserId, keep: Uuid) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::Revoked, Expr::value(true))
            .filter(refresh_token::Column::UserId.eq(user.0))
            .filter(refresh_token::Column::Family.ne(keep))
            .exec(&w.tx)
            .await?;
        w.commit().await
    }

    /// The user's live sign-ins at `now`, newest first: a family with an
    /// unrevoked, unused, unexpired token before its absolute end.
    pub async fn sign_ins(&self, user: UserId, now: i64) -> Result<Vec<SignIn>, StoreError> {
        let live = refresh_token::Entity::find()
            .filter(refresh_token::Column::UserId.eq(user.0))
            .filter(refresh_token::Column::Revoked.eq(false))
            .filter(refresh_token::Column::UsedAt.is_null())
            .filter(refresh_token::Column::ExpiresAt.gt(now))
            .filter(refresh_token::Column::SessionExpiresAt.gt(now))
            .all(self.db())
            .await?;
        let mut out: Vec<SignIn> = Vec::new();
        for t in live {
            match out.iter_mut().find(|s| s.family == t.family) {
                Some(s) => s.lapses_at = s.lapses_at.max(t.expires_at),
                None => out.push(SignIn {
                    family: t.family,
                    ends_at: t.session_expires_at,
                    lapses_at: t.expires_at,
                }),
            }
        }
        out.sort_by_key(|s| std::cmp::Reverse(s.lapses_at));
        Ok(out)
    }
}
