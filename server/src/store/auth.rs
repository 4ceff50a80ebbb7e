//! Refresh tokens (stored hashed, rotated on use) and login attempts (for
//! the lockout and the per-address limit). Both live in the database so that
//! every `serve` process sees the same state.

use super::entity::{login_attempt, refresh_token, user};
use super::{Store, StoreError};
use client_core::UserId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

/// What happened to a presented refresh token.
#[derive(Debug, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// Valid: it is now used, and the caller may issue its successor.
    Rotated {
        user: UserId,
        family: Uuid,
        session_expires_at: i64,
        /// The user's security stamp as it stood when the token was used:
        /// the successor is issued under it, and stored only if it still
        /// stands (`add_refresh_token`).
        stamp: String,
    },
    /// Already used once: the family is revoked (a stolen token was replayed).
    Reused,
    Invalid,
    /// Revoked (sign-out, a new password, a disabled account): the caller
    /// may say why to the token's own holder.
    Revoked {
        user: UserId,
    },
    /// The sign-in it belongs to has reached its absolute end.
    SessionEnded,
}

/// One sign-in attempt, before its password is checked.
pub struct Attempt<'a> {
    /// Normalised, whether or not such a user exists.
    pub username: &'a str,
    pub address: &'a str,
    /// The device cookie's id when the caller presented a valid one for this
    /// account: its own lockout bucket, and no per-address limit.
    pub device: Option<&'a str>,
    pub at: i64,
}

/// How long a sign-in attempt is kept at least: a day, so an operator
/// looking into a lockout still finds the attempts behind it.
pub const KEEP_ATTEMPTS_MS: i64 = 24 * 3_600_000;

pub struct AttemptLimits {
    pub account_max: u64,
    pub account_window_ms: i64,
    pub address_max: u64,
    pub address_window_ms: i64,
}

impl AttemptLimits {
    /// The limits the settings give, for passwords and codes alike.
    pub fn of(s: &crate::settings::Settings) -> Self {
        Self {
            account_max: s.lockout_failures,
            account_window_ms: s.lockout_minutes * 60_000,
            address_max: s.address_failures_per_minute,
            address_window_ms: 60_000,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Reservation {
    /// Verify the password. `last`: a failure now fills the bucket.
    Granted {
        attempt: i64,
        last: bool,
    },
    Refused {
        retry_after_ms: i64,
        by: RefusedBy,
    },
}

/// Which limit refused an attempt (for the access log only: the caller's
/// answer is the same).
#[derive(Debug, PartialEq, Eq)]
pub enum RefusedBy {
    Address,
    Account,
}

impl Store {
    /// Stores a new refresh token for `user`, issued under `stamp`: only if
    /// the account is enabled and the stamp still stands, in the same write
    /// transaction. A disable, a new password or a reset of the second
    /// factor that commits while a sign-in or a refresh is being answered
    /// moves the stamp and revokes every stored token; without this check
    /// the token stored after it would have kept the session alive.
    /// `false`: nothing stored, the session has ended.
    pub async fn add_refresh_token(
        &self,
        hash: &str,
        user_id: UserId,
        family: Uuid,
        expires_at: i64,
        session_expires_at: i64,
        stamp: &str,
    ) -> Result<bool, StoreError> {
        let w = self.begin_write().await?;
        let stands = user::Entity::find_by_id(user_id.0)
            .one(&w.tx)
            .await?
            .is_some_and(|u| !u.disabled && u.security_stamp == stamp);
        if !stands {
            return Ok(false);
        }
        let user = user_id;
        refresh_token::ActiveModel {
            token_hash: Set(hash.to_owned()),
            user_id: Set(user.0),
            family: Set(family),
            expires_at: Set(expires_at),
            used_at: Set(None),
            revoked: Set(false),
            session_expires_at: Set(session_expires_at),
        }
        .insert(&w.tx)
        .await?;
        w.commit().await?;
        Ok(true)
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
                RefreshOutcome::Revoked {
                    user: UserId(t.user_id),
                }
            });
        }
        if t.session_expires_at <= now {
            return Ok(RefreshOutcome::SessionEnded);
        }
        if t.expires_at <= now {
            return Ok(RefreshOutcome::Invalid);
        }
        let Some(owner) = user::Entity::find_by_id(t.user_id).one(&w.tx).await? else {
            return Ok(RefreshOutcome::Invalid);
        };
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
            session_expires_at: t.session_expires_at,
            stamp: owner.security_stamp,
        })
    }

    /// Reserves one password verification for `username`, atomically, before
    /// the password is checked: of any number of concurrent sign-ins, no more
    /// than the limits allow are ever verified (issue 16, finding 2: 61 at
    /// once were all checked when failures were recorded after the check).
    ///
    /// The attempt is stored as a failure and becomes a success only through
    /// [`Store::login_succeeded`], so a verification still running counts
    /// against the limit. Unknown usernames are limited exactly as known
    /// ones, so the answer never tells whether an account exists.
    pub async fn reserve_login_attempt(
        &self,
        attempt: &Attempt<'_>,
        limits: &AttemptLimits,
    ) -> Result<Reservation, StoreError> {
        let w = self.begin_write().await?;
        if attempt.device.is_none() {
            let from_address = login_attempt::Entity::find()
                .filter(login_attempt::Column::Address.eq(attempt.address))
                .filter(login_attempt::Column::Success.eq(false))
                .filter(login_attempt::Column::At.gte(attempt.at - limits.address_window_ms))
                .count(&w.tx)
                .await?;
            if from_address >= limits.address_max {
                return Ok(Reservation::Refused {
                    retry_after_ms: limits.address_window_ms,
                    by: RefusedBy::Address,
                });
            }
        }
        let bucket = login_attempt::Entity::find()
            .filter(login_attempt::Column::Username.eq(attempt.username))
            .filter(login_attempt::Column::At.gte(attempt.at - limits.account_window_ms))
            .filter(match attempt.device {
                Some(d) => login_attempt::Column::Device.eq(d),
                None => login_attempt::Column::Device.is_null(),
            })
            .order_by_asc(login_attempt::Column::At)
            .all(&w.tx)
            .await?;
        // Failures since the bucket's last success count.
        let since_success = bucket
            .iter()
            .rposition(|a| a.success)
            .map_or(&bucket[..], |i| &bucket[i + 1..]);
        if since_success.len() as u64 >= limits.account_max {
            let oldest = since_success[since_success.len() - limits.account_max as usize].at;
            return Ok(Reservation::Refused {
                retry_after_ms: (oldest + limits.account_window_ms - attempt.at).max(1_000),
                by: RefusedBy::Account,
            });
        }
        let row = login_attempt::ActiveModel {
            username: Set(attempt.username.to_owned()),
            address: Set(attempt.address.to_owned()),
            at: Set(attempt.at),
            success: Set(false),
            device: Set(attempt.device.map(str::to_owned)),
            ..Default::default()
        }
        .insert(&w.tx)
        .await?;
        // Attempts older than every window count for nothing: without this
        // the table grew by a row per sign-in for ever. (Who signed in, and
        // when, is in the access log.)
        let keep = limits
            .account_window_ms
            .max(limits.address_window_ms)
            .max(KEEP_ATTEMPTS_MS);
        login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::At.lt(attempt.at - keep))
            .exec(&w.tx)
            .await?;
        w.commit().await?;
        Ok(Reservation::Granted {
            attempt: row.id,
            last: since_success.len() as u64 + 1 == limits.account_max,
        })
    }

    /// The reserved attempt's password was right.
    pub async fn login_succeeded(&self, attempt: i64) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        login_attempt::Entity::update_many()
            .col_expr(login_attempt::Column::Success, Expr::value(true))
            .filter(login_attempt::Column::Id.eq(attempt))
            .exec(&w.tx)
            .await?;
        w.commit().await
    }

    /// Lifts every lockout of an account (`server user unlock`).
    pub async fn clear_login_failures(&self, username: &str) -> Result<u64, StoreError> {
        let w = self.begin_write().await?;
        let n = login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::Username.eq(username))
            .filter(login_attempt::Column::Success.eq(false))
            .exec(&w.tx)
            .await?
            .rows_affected;
        w.commit().await?;
        Ok(n)
    }
}
