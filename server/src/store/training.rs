//! The training register as stored (issue 21): completed courses, and what
//! the compliance rule needs of the directory (each officer's placement).
//! The rule itself is client-core's `training`.

use super::audit::Entry;
use super::entity::{assignment, training, user};
use super::{Store, StoreError};
use chrono::NaiveDate;
use client_core::UserId;
use client_core::training::{Completed, Topic};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// A row as client-core reads it.
pub fn completed(row: &training::Model) -> Result<Completed, StoreError> {
    let bad = |what: &str| StoreError::Damaged(format!("training {}: {what}", row.id));
    Ok(Completed {
        course: row.course.clone(),
        topics: serde_json::from_str::<Vec<Topic>>(&row.topics).map_err(|_| bad("topics"))?,
        hours: row.hours,
        completed_on: row.completed_on.parse().map_err(|_| bad("completed_on"))?,
    })
}

impl Store {
    pub async fn add_training(&self, row: training::Model, log: Entry) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        training::ActiveModel::from(row).insert(&w.tx).await?;
        let signed = self.log_access_in(&w, &[log]).await?;
        w.commit().await?;
        self.anchored_by(signed)
    }

    /// Every course of `officers`, oldest first.
    pub async fn training_of(
        &self,
        officers: &[UserId],
    ) -> Result<Vec<training::Model>, StoreError> {
        Ok(training::Entity::find()
            .filter(training::Column::OfficerId.is_in(officers.iter().map(|o| o.0)))
            .order_by_asc(training::Column::CompletedOn)
            .all(self.db())
            .await?)
    }

    /// When each officer was first placed in a school
    /// (`client_core::training::placed_on` over their assignments).
    pub async fn placements(
        &self,
        officers: &[UserId],
    ) -> Result<Vec<(UserId, NaiveDate)>, StoreError> {
        let ids: Vec<uuid::Uuid> = officers.iter().map(|o| o.0).collect();
        let assigned = assignment::Entity::find()
            .filter(assignment::Column::UserId.is_in(ids.clone()))
            .all(self.db())
            .await?;
        let users = user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(self.db())
            .await?;
        Ok(users
            .into_iter()
            .map(|u| {
                let theirs: Vec<(NaiveDate, bool)> = assigned
                    .iter()
                    .filter(|a| a.user_id == u.id)
                    .filter_map(|a| {
                        let schools: Vec<uuid::Uuid> =
                            serde_json::from_str(&a.schools).unwrap_or_default();
                        Some((a.effective_from.parse().ok()?, !schools.is_empty()))
                    })
                    .collect();
                let created = chrono::DateTime::from_timestamp_millis(u.created_at)
                    .map(|d| d.date_naive())
                    .unwrap_or_default();
                (
                    UserId(u.id),
                    client_core::training::placed_on(&theirs, created),
                )
            })
            .collect())
    }
}
