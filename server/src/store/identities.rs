//! Sign-in through an identity provider, as stored (issue 18): links from a
//! provider's subject to an account, sign-ins under way, and the one-time
//! tickets the app redeems. Each take is a delete under the write lock, so
//! a state or a ticket is used once however many requests race for it.

use super::audit::Entry;
use super::entity::{identity_link, oidc_login, oidc_ticket};
use super::{Store, StoreError};
use client_core::UserId;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};

/// How long a sign-in may stay at the provider.
pub const LOGIN_MAX_AGE_MS: i64 = 10 * 60_000;

/// A sign-in that came back: the identity to link, if this is its first,
/// and the ticket for the account it opens.
pub struct Finished<'a> {
    pub provider: &'a str,
    pub subject: &'a str,
    pub user: UserId,
    pub link: bool,
    pub ticket_hash: String,
    pub ticket_expires_at: i64,
}

impl Store {
    /// The account `subject` at `provider` is linked to.
    pub async fn identity_link(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<UserId>, StoreError> {
        Ok(
            identity_link::Entity::find_by_id((provider.to_owned(), subject.to_owned()))
                .one(self.db())
                .await?
                .map(|l| UserId(l.user_id)),
        )
    }

    /// Whether `user` is linked to an identity at `provider`.
    pub async fn linked_at(&self, provider: &str, user: UserId) -> Result<bool, StoreError> {
        Ok(identity_link::Entity::find()
            .filter(identity_link::Column::Provider.eq(provider))
            .filter(identity_link::Column::UserId.eq(user.0))
            .one(self.db())
            .await?
            .is_some())
    }

    /// Keeps a sign-in that is leaving for the provider, and forgets those
    /// that never came back.
    pub async fn begin_oidc_login(&self, login: oidc_login::Model) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        let now = login.created_at;
        oidc_login::Entity::delete_many()
            .filter(oidc_login::Column::CreatedAt.lt(now - LOGIN_MAX_AGE_MS))
            .exec(&w.tx)
            .await?;
        oidc_ticket::Entity::delete_many()
            .filter(oidc_ticket::Column::ExpiresAt.lt(now))
            .exec(&w.tx)
            .await?;
        oidc_login::ActiveModel::from(login).insert(&w.tx).await?;
        w.commit().await?;
        Ok(())
    }

    /// The sign-in `state_hash` names, once: it is gone after this call,
    /// whether or not it was still fresh.
    pub async fn take_oidc_login(
        &self,
        state_hash: &str,
        now: i64,
    ) -> Result<Option<oidc_login::Model>, StoreError> {
        let w = self.begin_write().await?;
        let found = oidc_login::Entity::find_by_id(state_hash.to_owned())
            .one(&w.tx)
            .await?;
        if found.is_some() {
            oidc_login::Entity::delete_by_id(state_hash.to_owned())
                .exec(&w.tx)
                .await?;
        }
        w.commit().await?;
        Ok(found.filter(|l| now - l.created_at <= LOGIN_MAX_AGE_MS))
    }

    /// Links the identity (on its first sign-in) and keeps the ticket, with
    /// the log entries, in one transaction. `false` when the identity or the
    /// account was linked by a sign-in that finished in between.
    pub async fn finish_oidc_login(
        &self,
        f: Finished<'_>,
        now: i64,
        log: &[Entry],
    ) -> Result<bool, StoreError> {
        let w = self.begin_write().await?;
        if f.link {
            let taken = identity_link::Entity::find()
                .filter(identity_link::Column::Provider.eq(f.provider))
                .filter(
                    Condition::any()
                        .add(identity_link::Column::Subject.eq(f.subject))
                        .add(identity_link::Column::UserId.eq(f.user.0)),
                )
                .one(&w.tx)
                .await?
                .is_some();
            if taken {
                return Ok(false);
            }
            identity_link::ActiveModel {
                provider: Set(f.provider.to_owned()),
                subject: Set(f.subject.to_owned()),
                user_id: Set(f.user.0),
                linked_at: Set(now),
            }
            .insert(&w.tx)
            .await?;
        }
        oidc_ticket::ActiveModel {
            ticket_hash: Set(f.ticket_hash),
            user_id: Set(f.user.0),
            expires_at: Set(f.ticket_expires_at),
        }
        .insert(&w.tx)
        .await?;
        let signed = self.log_access_in(&w, log).await?;
        w.commit().await?;
        self.anchored_by(signed)?;
        Ok(true)
    }

    /// The account an unexpired ticket opens, once.
    pub async fn take_oidc_ticket(
        &self,
        ticket_hash: &str,
        now: i64,
    ) -> Result<Option<UserId>, StoreError> {
        let w = self.begin_write().await?;
        let found = oidc_ticket::Entity::find_by_id(ticket_hash.to_owned())
            .one(&w.tx)
            .await?;
        if found.is_some() {
            oidc_ticket::Entity::delete_by_id(ticket_hash.to_owned())
                .exec(&w.tx)
                .await?;
        }
        w.commit().await?;
        Ok(found
            .filter(|t| t.expires_at > now)
            .map(|t| UserId(t.user_id)))
    }
}
