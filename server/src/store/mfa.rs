//! TOTP enrolments as stored (`crate::mfa` derives the secrets).

use super::audit::Entry;
use super::entity::{totp, user};
use super::{Store, StoreError};
use client_core::UserId;
use sea_orm::{ActiveModelTrait, EntityTrait, ModelTrait, Set};

/// What a reset of a second factor did.
#[derive(Debug, PartialEq, Eq)]
pub enum Reset {
    Done,
    /// There was no enrolment, confirmed or not: nothing changed.
    NotEnrolled,
}

/// What accepting a code did.
#[derive(Debug, PartialEq, Eq)]
pub enum Accepted {
    Yes,
    /// The step was already used: a replayed code.
    Replayed,
    /// There is no enrolment to check against.
    NotEnrolled,
}

impl Store {
    pub async fn totp(&self, user: UserId) -> Result<Option<totp::Model>, StoreError> {
        Ok(totp::Entity::find_by_id(user.0).one(self.db()).await?)
    }

    /// Starts (or restarts) an unconfirmed enrolment under `nonce`; `false`
    /// when a confirmed one exists (it is not replaced without a code).
    pub async fn start_totp(
        &self,
        user: UserId,
        nonce: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let w = self.begin_write().await?;
        let existing = totp::Entity::find_by_id(user.0).one(&w.tx).await?;
        if existing.as_ref().is_some_and(|t| t.confirmed) {
            return Ok(false);
        }
        let m = totp::ActiveModel {
            user_id: Set(user.0),
            nonce: Set(nonce.to_owned()),
            confirmed: Set(false),
            last_step: Set(0),
            created_at: Set(now),
        };
        if existing.is_some() {
            m.update(&w.tx).await?;
        } else {
            m.insert(&w.tx).await?;
        }
        w.commit().await?;
        Ok(true)
    }

    /// Records that a code for `step` of the enrolment `nonce` was used
    /// (and, with `confirm`, that the enrolment is confirmed), unless that
    /// step or a later one was used before. In the write transaction, so
    /// two requests with one code cannot both pass, and a code checked
    /// against an enrolment that another setting-up replaced meanwhile
    /// confirms nothing.
    pub async fn accept_totp_step(
        &self,
        user: UserId,
        nonce: &str,
        step: u64,
        confirm: bool,
    ) -> Result<Accepted, StoreError> {
        let w = self.begin_write().await?;
        let Some(t) = totp::Entity::find_by_id(user.0)
            .one(&w.tx)
            .await?
            .filter(|t| t.nonce == nonce)
        else {
            return Ok(Accepted::NotEnrolled);
        };
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        if step <= t.last_step {
            return Ok(Accepted::Replayed);
        }
        totp::ActiveModel {
            user_id: Set(user.0),
            last_step: Set(step),
            confirmed: Set(t.confirmed || confirm),
            ..Default::default()
        }
        .update(&w.tx)
        .await?;
        w.commit().await?;
        Ok(Accepted::Yes)
    }

    /// An admin's reset of `user`'s second factor, for a lost or replaced
    /// phone: the enrolment is removed, and since whoever holds the old
    /// phone may hold a session too, every session ends and the security
    /// stamp moves on, with the log entry, in one transaction. Nothing is
    /// changed or logged when the user had no enrolment.
    pub async fn reset_mfa(&self, target: UserId, log: Entry) -> Result<Reset, StoreError> {
        let w = self.begin_write().await?;
        let Some(t) = totp::Entity::find_by_id(target.0).one(&w.tx).await? else {
            return Ok(Reset::NotEnrolled);
        };
        t.delete(&w.tx).await?;
        user::ActiveModel {
            id: Set(target.0),
            security_stamp: Set(crate::auth::random_token()),
            ..Default::default()
        }
        .update(&w.tx)
        .await?;
        super::directory::end_sessions(&w.tx, target).await?;
        let signed = self.log_access_in(&w, &[log]).await?;
        w.commit().await?;
        self.anchored_by(signed)?;
        Ok(Reset::Done)
    }
}
