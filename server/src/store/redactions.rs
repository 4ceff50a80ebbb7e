//! What stays of each redaction: who, when and why, never the value removed.

use super::entity::redaction;
use super::{Store, StoreError};
use client_core::{RecordId, UserId};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
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
}
