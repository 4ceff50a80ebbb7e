//! Sign-in through an identity provider, as stored (issue 18): links from a
//! provider's subject to an account, sign-ins under way, and the one-time
//! tickets the app redeems. Each take is one `DELETE ... RETURNING`, so a
//! state or a ticket is used once however many requests (and processes)
//! race for it, without the global write lock: an unsigned-in caller can
//! make these requests, and must not stall everyone's sync.

use super::audit::Entry;
use super::entity::{identity_link, oidc_login, oidc_ticket};
use super::{Store, StoreError};
use crate::oidc::ProviderSettings;
use client_core::UserId;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};

/// How long a sign-in may stay at the provider.
pub const LOGIN_MAX_AGE_MS: i64 = 10 * 60_000;

impl Store {
    /// The account `subject` at `provider` is linked to, if the link was
    /// made for this `issuer` (the provider's settings may since name
    /// another, whose subjects are other people).
    pub async fn identity_link(
        &self,
        provider: &str,
        issuer: &str,
        subject: &str,
    ) -> Result<Option<UserId>, StoreError> {
        Ok(
            identity_link::Entity::find_by_id((provider.to_owned(), subject.to_owned()))
                .one(self.db())
                .await?
                .filter(|l| l.issuer == issuer)
                .map(|l| UserId(l.user_id)),
        )
    }

    /// `user`'s identities, by provider.
    pub async fn identities_of(
        &self,
        user: UserId,
    ) -> Result<Vec<identity_link::Model>, StoreError> {
        Ok(identity_link::Entity::find()
            .filter(identity_link::Column::UserId.eq(user.0))
            .order_by_asc(identity_link::Column::Provider)
            .all(self.db())
            .await?)
    }

    /// Links `subject` at `provider` to `user` (an admin, or the shell's
    /// `server user link`), with the log entry; `false` when either
    /// already has a link there.
    pub async fn link_identity(
        &self,
        provider: &ProviderSettings,
        subject: &str,
        user: UserId,
        now: i64,
        log: Entry,
    ) -> Result<bool, StoreError> {
        let w = self.begin_write().await?;
        if !Self::link_in(&w, provider, subject, user, now).await? {
            return Ok(false);
        }
        let signed = self.log_access_in(&w, &[log]).await?;
        w.commit().await?;
        self.anchored_by(signed)?;
        Ok(true)
    }

    /// Removes `user`'s link at `provider`; `false` when there was none.
    pub async fn unlink_identity(
        &self,
        provider: &str,
        user: UserId,
        log: Entry,
    ) -> Result<bool, StoreError> {
        let w = self.begin_write().await?;
        let gone = identity_link::Entity::delete_many()
            .filter(identity_link::Column::Provider.eq(provider))
            .filter(identity_link::Column::UserId.eq(user.0))
            .exec(&w.tx)
            .await?
            .rows_affected;
        if gone == 0 {
            return Ok(false);
        }
        let signed = self.log_access_in(&w, &[log]).await?;
        w.commit().await?;
        self.anchored_by(signed)?;
        Ok(true)
    }

    /// Inserts the link unless the subject or the account has one there.
    async fn link_in(
        w: &super::WriteTx,
        provider: &ProviderSettings,
        subject: &str,
        user: UserId,
        now: i64,
    ) -> Result<bool, StoreError> {
        let taken = identity_link::Entity::find()
            .filter(identity_link::Column::Provider.eq(&provider.id))
            .filter(
                Condition::any()
                    .add(identity_link::Column::Subject.eq(subject))
                    .add(identity_link::Column::UserId.eq(user.0)),
            )
            .one(&w.tx)
            .await?
            .is_some();
        if taken {
            return Ok(false);
        }
        identity_link::ActiveModel {
            provider: Set(provider.id.clone()),
            subject: Set(subject.to_owned()),
            user_id: Set(user.0),
            issuer: Set(provider.issuer.clone()),
            linked_at: Set(now),
        }
        .insert(&w.tx)
        .await?;
        Ok(true)
    }

    /// Keeps a sign-in that is leaving for the provider, and forgets those
    /// that never came back and tickets never redeemed.
    pub async fn begin_oidc_login(&self, login: oidc_login::Model) -> Result<(), StoreError> {
        let now = login.created_at;
        oidc_login::Entity::delete_many()
            .filter(oidc_login::Column::CreatedAt.lt(now - LOGIN_MAX_AGE_MS))
            .exec(self.db())
            .await?;
        oidc_ticket::Entity::delete_many()
            .filter(oidc_ticket::Column::ExpiresAt.lt(now))
            .exec(self.db())
            .await?;
        oidc_login::ActiveModel::from(login)
            .insert(self.db())
            .await?;
        Ok(())
    }

    /// The sign-in `state_hash` names, once: it is gone after this call,
    /// whether or not it was still fresh.
    pub async fn take_oidc_login(
        &self,
        state_hash: &str,
        now: i64,
    ) -> Result<Option<oidc_login::Model>, StoreError> {
        let taken = oidc_login::Entity::delete_many()
            .filter(oidc_login::Column::StateHash.eq(state_hash))
            .exec_with_returning(self.db())
            .await?;
        Ok(taken
            .into_iter()
            .next()
            .filter(|l| now - l.created_at <= LOGIN_MAX_AGE_MS))
    }

    /// Keeps a ticket for the account a sign-in opened, with its log.
    pub async fn add_oidc_ticket(
        &self,
        ticket: oidc_ticket::Model,
        log: &[Entry],
    ) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        oidc_ticket::ActiveModel::from(ticket).insert(&w.tx).await?;
        let signed = self.log_access_in(&w, log).await?;
        w.commit().await?;
        self.anchored_by(signed)
    }

    /// The ticket, once: gone after this call, fresh or not.
    pub async fn take_oidc_ticket(
        &self,
        ticket_hash: &str,
        now: i64,
    ) -> Result<Option<oidc_ticket::Model>, StoreError> {
        let taken = oidc_ticket::Entity::delete_many()
            .filter(oidc_ticket::Column::TicketHash.eq(ticket_hash))
            .exec_with_returning(self.db())
            .await?;
        Ok(taken.into_iter().next().filter(|t| t.expires_at > now))
    }
}
