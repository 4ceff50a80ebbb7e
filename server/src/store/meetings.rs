//! The per-period review meetings (DOMAIN.md section 4): appended, never
//! changed, like the reviews themselves.

use super::entity::review_meeting;
use super::{Store, StoreError};
use client_core::review::Attendee;
use client_core::{SchoolId, UserId};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Meeting {
    #[schema(value_type = String)]
    pub id: uuid::Uuid,
    #[schema(value_type = String)]
    pub supervisor_id: UserId,
    pub period: String,
    /// The meeting's date, `YYYY-MM-DD`.
    pub held_on: String,
    #[schema(value_type = String)]
    pub school_id: SchoolId,
    #[schema(value_type = Vec<Object>)]
    pub attendees: Vec<Attendee>,
    pub notes: Option<String>,
    pub recorded_at: i64,
}

impl Store {
    pub async fn add_meeting(&self, m: &Meeting) -> Result<(), StoreError> {
        let row = review_meeting::ActiveModel {
            id: Set(m.id),
            supervisor_id: Set(m.supervisor_id.0),
            period: Set(m.period.clone()),
            held_on: Set(m.held_on.clone()),
            school_id: Set(m.school_id.0),
            attendees: Set(serde_json::to_string(&m.attendees)
                .map_err(|e| StoreError::Damaged(e.to_string()))?),
            notes: Set(m.notes.clone()),
            created_at: Set(m.recorded_at),
        };
        let w = self.begin_write().await?;
        review_meeting::Entity::insert(row).exec(&w.tx).await?;
        w.commit().await
    }

    /// A supervisor's meetings in one period, in the order they were held.
    pub async fn meetings(
        &self,
        supervisor: UserId,
        period: &str,
    ) -> Result<Vec<Meeting>, StoreError> {
        let rows = review_meeting::Entity::find()
            .filter(review_meeting::Column::SupervisorId.eq(supervisor.0))
            .filter(review_meeting::Column::Period.eq(period))
            .order_by_asc(review_meeting::Column::HeldOn)
            .order_by_asc(review_meeting::Column::CreatedAt)
            .all(self.db())
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Meeting {
                    id: r.id,
                    supervisor_id: UserId(r.supervisor_id),
                    period: r.period,
                    held_on: r.held_on,
                    school_id: SchoolId(r.school_id),
                    attendees: serde_json::from_str(&r.attendees)
                        .map_err(|e| StoreError::Damaged(format!("meeting attendees: {e}")))?,
                    notes: r.notes,
                    recorded_at: r.created_at,
                })
            })
            .collect()
    }
}
