//! What stays of each redaction: who, when and why, never the value removed.

use super::entity::redaction;
use super::{Store, StoreError};
use client_core::{RecordId, UserId};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

impl Store {
    /// Records a redaction in the caller's transaction.
    pub async fn add_redaction(
        &self,
        conn: &impl ConnectionTrait,
        id: Uuid,
        record: RecordId,
        by: UserId,
        at: i64,
        reason: &str,
    ) -> Result<(), StoreError> {
        redaction::Entity::insert(redaction::ActiveModel {
            id: Set(id),
            record_id: Set(record.0),
            by_user: Set(by.0),
            at: Set(at),
            reason: Set(reason.to_owned()),
        })
        .exec(conn)
        .await?;
        Ok(())
    }

    /// The record's redactions (their ids) and who asked for each, oldest
    /// first.
    pub async fn redactions_of(&self, record: RecordId) -> Result<Vec<(Uuid, UserId)>, StoreError> {
        let rows = redaction::Entity::find()
            .filter(redaction::Column::RecordId.eq(record.0))
            .order_by_asc(redaction::Column::At)
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.id, UserId(r.by_user)))
            .collect())
    }
}
