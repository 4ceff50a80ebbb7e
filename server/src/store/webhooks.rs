//! Webhooks as stored (issue 21): subscriptions, and the outbox of
//! deliveries that `crate::webhooks` sends. An event's deliveries are
//! written in the transaction that made the event (`enqueue_in`), so a
//! crash loses none; a process claims due ones under a lease, so several
//! processes on one database never send one twice at once.

use super::entity::{webhook, webhook_delivery};
use super::{Store, StoreError};
use client_core::webhook::EventType;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

/// A delivery due to be sent, with where to.
#[derive(Clone, Debug)]
pub struct Due {
    pub delivery: webhook_delivery::Model,
    pub url: String,
    pub nonce: String,
    /// The lease this process holds: its answer is recorded only while the
    /// delivery is still under it (another process may have claimed it
    /// once the lease ran out).
    pub lease_until: i64,
}

/// The organisation of the officer `user` (whose record made an event).
pub async fn org_of_in(
    conn: &impl ConnectionTrait,
    user: client_core::UserId,
) -> Result<Option<Uuid>, StoreError> {
    Ok(super::entity::user::Entity::find_by_id(user.0)
        .one(conn)
        .await?
        .and_then(|u| u.organization_id))
}

impl Store {
    pub async fn add_webhook(&self, row: webhook::Model) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        webhook::ActiveModel::from(row).insert(&w.tx).await?;
        w.commit().await
    }

    /// Subscriptions not deleted, oldest first.
    pub async fn webhooks(&self) -> Result<Vec<webhook::Model>, StoreError> {
        Ok(webhook::Entity::find()
            .filter(webhook::Column::DeletedAt.is_null())
            .order_by_asc(webhook::Column::CreatedAt)
            .all(self.db())
            .await?)
    }

    /// Deletes a subscription (kept, marked, with its delivery log); its
    /// pending deliveries are not sent. `false` when there is none.
    pub async fn delete_webhook(&self, id: Uuid, now: i64) -> Result<bool, StoreError> {
        let w = self.begin_write().await?;
        let done = webhook::Entity::update_many()
            .col_expr(webhook::Column::DeletedAt, Expr::value(now))
            .filter(webhook::Column::Id.eq(id))
            .filter(webhook::Column::DeletedAt.is_null())
            .exec(&w.tx)
            .await?;
        webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::NextAt,
                Expr::value(Option::<i64>::None),
            )
            .filter(webhook_delivery::Column::WebhookId.eq(id))
            .filter(webhook_delivery::Column::DeliveredAt.is_null())
            .exec(&w.tx)
            .await?;
        w.commit().await?;
        Ok(done.rows_affected == 1)
    }

    /// A subscription's deliveries, newest first (the last 200).
    pub async fn deliveries(
        &self,
        webhook: Uuid,
    ) -> Result<Vec<webhook_delivery::Model>, StoreError> {
        Ok(webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::WebhookId.eq(webhook))
            .order_by_desc(webhook_delivery::Column::CreatedAt)
            .limit(200)
            .all(self.db())
            .await?)
    }

    /// Claims up to `limit` deliveries due at `now` for `lease_ms`.
    pub async fn claim_due_deliveries(
        &self,
        now: i64,
        lease_ms: i64,
        limit: u64,
    ) -> Result<Vec<Due>, StoreError> {
        let w = self.begin_write().await?;
        let due = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::NextAt.lte(now))
            .filter(
                Condition::any()
                    .add(webhook_delivery::Column::LeaseUntil.is_null())
                    .add(webhook_delivery::Column::LeaseUntil.lt(now)),
            )
            .order_by_asc(webhook_delivery::Column::NextAt)
            .limit(limit)
            .all(&w.tx)
            .await?;
        let mut out = Vec::new();
        for d in due {
            let Some(hook) = webhook::Entity::find_by_id(d.webhook_id)
                .one(&w.tx)
                .await?
                .filter(|h| h.deleted_at.is_none())
            else {
                continue;
            };
            let claimed = webhook_delivery::Entity::update_many()
                .col_expr(
                    webhook_delivery::Column::LeaseUntil,
                    Expr::value(now + lease_ms),
                )
                .filter(webhook_delivery::Column::Id.eq(d.id))
                .filter(
                    Condition::any()
                        .add(webhook_delivery::Column::LeaseUntil.is_null())
                        .add(webhook_delivery::Column::LeaseUntil.lt(now)),
                )
                .exec(&w.tx)
                .await?;
            if claimed.rows_affected == 1 {
                out.push(Due {
                    delivery: d,
                    url: hook.url,
                    nonce: hook.nonce,
                    lease_until: now + lease_ms,
                });
            }
        }
        w.commit().await?;
        Ok(out)
    }

    /// Records one try under the lease it was claimed with: delivered
    /// (`delivered_at`), to be tried again at `next_at`, or given up (both
    /// `None`). `false` when the lease was lost (another process claimed
    /// the delivery meanwhile, and its answer is the one kept).
    #[allow(clippy::too_many_arguments)]
    pub async fn delivery_tried(
        &self,
        id: Uuid,
        lease_until: i64,
        attempts: i32,
        status: Option<i32>,
        error: Option<String>,
        delivered_at: Option<i64>,
        next_at: Option<i64>,
    ) -> Result<bool, StoreError> {
        let w = self.begin_write().await?;
        let done = webhook_delivery::Entity::update_many()
            .set(webhook_delivery::ActiveModel {
                attempts: Set(attempts),
                last_status: Set(status),
                last_error: Set(error),
                delivered_at: Set(delivered_at),
                next_at: Set(next_at),
                lease_until: Set(None),
                ..Default::default()
            })
            .filter(webhook_delivery::Column::Id.eq(id))
            .filter(webhook_delivery::Column::LeaseUntil.eq(lease_until))
            .exec(&w.tx)
            .await?;
        w.commit().await?;
        Ok(done.rows_affected == 1)
    }

    /// How many live subscriptions organisation `org` has.
    pub async fn webhook_count(&self, org: Option<Uuid>) -> Result<usize, StoreError> {
        Ok(self
            .webhooks()
            .await?
            .iter()
            .filter(|h| h.organization_id == org)
            .count())
    }
}

/// Writes one delivery per subscription taking `event` of organisation
/// `org`, in the caller's transaction. `body` is what is sent (ids and the
/// type only).
pub async fn enqueue_in(
    conn: &impl ConnectionTrait,
    event: EventType,
    org: Option<Uuid>,
    body: &str,
    now: i64,
) -> Result<(), StoreError> {
    enqueue_many_in(conn, &[(event, org, body.to_owned())], now).await
}

/// `enqueue_in` for many events: one read of the subscriptions, and none
/// of the rest when nobody subscribes (a sync of a thousand submissions).
pub async fn enqueue_many_in(
    conn: &impl ConnectionTrait,
    events: &[(EventType, Option<Uuid>, String)],
    now: i64,
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let hooks = webhook::Entity::find()
        .filter(webhook::Column::DeletedAt.is_null())
        .all(conn)
        .await?;
    let mut rows = Vec::new();
    for h in hooks {
        let takes: Vec<EventType> = serde_json::from_str(&h.events).unwrap_or_default();
        for (event, org, body) in events {
            if !takes.contains(event) || !client_core::webhook::reaches(h.organization_id, *org) {
                continue;
            }
            rows.push(webhook_delivery::ActiveModel {
                id: Set(Uuid::now_v7()),
                webhook_id: Set(h.id),
                event_type: Set(event.as_str().into()),
                body: Set(body.clone()),
                created_at: Set(now),
                attempts: Set(0),
                next_at: Set(Some(now)),
                lease_until: Set(None),
                delivered_at: Set(None),
                last_status: Set(None),
                last_error: Set(None),
            });
        }
    }
    for chunk in rows.chunks(500) {
        webhook_delivery::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await?;
    }
    Ok(())
}
