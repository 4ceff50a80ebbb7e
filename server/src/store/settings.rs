//! The agency's shared settings, kept in the database so that every server
//! process on one PostgreSQL reads the same values (no process caches them).

use super::entity::setting;
use super::{Store, StoreError};
use client_core::period::PeriodCalendar;
use client_core::{Role, UserId};
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, Set};

const REVIEW_CALENDAR: &str = "review_calendar";
const DEVICE_RETENTION_PERIODS: &str = "device_retention_periods";
const TRAINING_REFRESHER: &str = "training_refresher";

/// Per organisation; the deployment's own staff (no organisation) have one.
fn mfa_roles_key(org: Option<uuid::Uuid>) -> String {
    match org {
        Some(o) => format!("mfa_roles:{o}"),
        None => "mfa_roles:deployment".into(),
    }
}

/// The setting that records when the deployment first ran rules `version`.
fn rules_adopted_key(version: u16) -> String {
    format!("rules_{version}_adopted_at")
}

impl Store {
    /// The agency's review calendar; DOMAIN.md's default (1 Aug and 1 Feb)
    /// until an admin sets one.
    pub async fn calendar(&self) -> Result<PeriodCalendar, StoreError> {
        let Some(row) = setting::Entity::find_by_id(REVIEW_CALENDAR.to_string())
            .one(self.db())
            .await?
        else {
            return Ok(PeriodCalendar::default());
        };
        let cal: PeriodCalendar = serde_json::from_str(&row.value)
            .map_err(|e| StoreError::Damaged(format!("review calendar: {e}")))?;
        PeriodCalendar::new(cal.starts).map_err(|e| StoreError::Damaged(e.to_string()))
    }

    /// How many review periods of synced records a device keeps
    /// (`client_core::retention`); two until an admin sets another number.
    pub async fn device_retention_periods(&self) -> Result<u8, StoreError> {
        let Some(row) = setting::Entity::find_by_id(DEVICE_RETENTION_PERIODS.to_string())
            .one(self.db())
            .await?
        else {
            return Ok(client_core::retention::DEFAULT_PERIODS);
        };
        row.value
            .parse::<u8>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| StoreError::Damaged("device retention periods".into()))
    }

    /// The agency's refresher cycle (`client_core::training::Refresher`);
    /// its default until one is set.
    pub async fn training_refresher(&self) -> Result<client_core::training::Refresher, StoreError> {
        let Some(row) = setting::Entity::find_by_id(TRAINING_REFRESHER.to_string())
            .one(self.db())
            .await?
        else {
            return Ok(Default::default());
        };
        serde_json::from_str(&row.value)
            .map_err(|e| StoreError::Damaged(format!("training refresher: {e}")))
    }

    /// The roles of `org` (none: the deployment's own staff) that must sign
    /// in with a second factor; `client_core::second_factor`'s default
    /// until its admin sets them.
    pub async fn mfa_roles(&self, org: Option<uuid::Uuid>) -> Result<Vec<Role>, StoreError> {
        let Some(row) = setting::Entity::find_by_id(mfa_roles_key(org))
            .one(self.db())
            .await?
        else {
            return Ok(client_core::second_factor::default_roles());
        };
        serde_json::from_str(&row.value).map_err(|e| StoreError::Damaged(format!("mfa roles: {e}")))
    }

    /// Sets [`Self::mfa_roles`], with its log entry (none from the demo).
    pub async fn set_mfa_roles(
        &self,
        org: Option<uuid::Uuid>,
        roles: &[Role],
        by: Option<UserId>,
        now: i64,
        log: Option<super::audit::Entry>,
    ) -> Result<(), StoreError> {
        let value = serde_json::to_string(&client_core::second_factor::normalized(roles))
            .map_err(|e| StoreError::Damaged(e.to_string()))?;
        let w = self.begin_write().await?;
        Self::upsert_setting(&w, &mfa_roles_key(org), value, by, now).await?;
        let signed = self.log_access_in(&w, log.as_slice()).await?;
        w.commit().await?;
        self.anchored_by(signed)
    }

    /// When this deployment first ran the current rules, recorded by the
    /// first process to start with them (an insert that loses to another
    /// process's changes nothing) and read by every other.
    pub(super) async fn adopt_rules(
        &self,
        now: client_core::Timestamp,
    ) -> Result<client_core::Timestamp, StoreError> {
        let key = rules_adopted_key(client_core::rules::version::CURRENT);
        let row = setting::ActiveModel {
            key: Set(key.clone()),
            value: Set(now.millis().to_string()),
            updated_at: Set(now.millis()),
            updated_by: Set(None),
        };
        let w = self.begin_write().await?;
        setting::Entity::insert(row)
            .on_conflict_do_nothing_on([setting::Column::Key])
            .exec(&w.tx)
            .await?;
        let stored = setting::Entity::find_by_id(key).one(&w.tx).await?;
        w.commit().await?;
        stored
            .and_then(|r| r.value.parse::<i64>().ok())
            .map(client_core::Timestamp::from_millis)
            .ok_or_else(|| StoreError::Damaged("rules adoption time".into()))
    }

    /// Sets [`Self::device_retention_periods`] (the CLI; an admin route
    /// comes with the operations issue).
    pub async fn set_device_retention_periods(&self, n: u8, now: i64) -> Result<(), StoreError> {
        self.put_setting(DEVICE_RETENTION_PERIODS, n.to_string(), None, now)
            .await
    }

    pub async fn set_calendar(
        &self,
        cal: &PeriodCalendar,
        by: UserId,
        now: i64,
    ) -> Result<(), StoreError> {
        let value = serde_json::to_string(cal).map_err(|e| StoreError::Damaged(e.to_string()))?;
        self.put_setting(REVIEW_CALENDAR, value, Some(by), now)
            .await
    }

    async fn put_setting(
        &self,
        key: &str,
        value: String,
        by: Option<UserId>,
        now: i64,
    ) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        Self::upsert_setting(&w, key, value, by, now).await?;
        w.commit().await
    }

    async fn upsert_setting(
        w: &super::WriteTx,
        key: &str,
        value: String,
        by: Option<UserId>,
        now: i64,
    ) -> Result<(), StoreError> {
        let row = setting::ActiveModel {
            key: Set(key.into()),
            value: Set(value),
            updated_at: Set(now),
            updated_by: Set(by.map(|u| u.0)),
        };
        setting::Entity::insert(row)
            .on_conflict(
                OnConflict::column(setting::Column::Key)
                    .update_columns([
                        setting::Column::Value,
                        setting::Column::UpdatedAt,
                        setting::Column::UpdatedBy,
                    ])
                    .to_owned(),
            )
            .exec(&w.tx)
            .await?;
        Ok(())
    }
}
