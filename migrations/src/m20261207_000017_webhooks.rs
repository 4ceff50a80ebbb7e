//! Webhooks (issue 21): subscriptions and the outbox of deliveries.
//!
//! - `webhooks`: a receiver's URL, the events it takes, and the
//!   organisation whose events it gets (none: the deployment's, every one). Its signing
//!   secret is never stored: it is derived from `nonce` under the server's
//!   device root (`webhooks::secret`), as TOTP secrets are.
//! - `webhook_deliveries`: one row per event per subscription, written in
//!   the transaction that made the event, so none is lost to a crash; its
//!   id is the `webhook-id` every retry repeats. `lease_until` lets several
//!   server processes share the outbox without sending one twice at once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    Url,
    Events,
    Nonce,
    OrganizationId,
    CreatedBy,
    CreatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    EventType,
    Body,
    CreatedAt,
    Attempts,
    NextAt,
    LeaseUntil,
    DeliveredAt,
    LastStatus,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Webhooks::Table)
                .col(pk_uuid(Webhooks::Id))
                .col(text(Webhooks::Url))
                .col(text(Webhooks::Events))
                .col(string(Webhooks::Nonce))
                .col(uuid_null(Webhooks::OrganizationId))
                .col(uuid(Webhooks::CreatedBy))
                .col(big_integer(Webhooks::CreatedAt))
                .col(big_integer_null(Webhooks::DeletedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookDeliveries::Table)
                .col(pk_uuid(WebhookDeliveries::Id))
                .col(uuid(WebhookDeliveries::WebhookId))
                .col(string(WebhookDeliveries::EventType))
                .col(text(WebhookDeliveries::Body))
                .col(big_integer(WebhookDeliveries::CreatedAt))
                .col(integer(WebhookDeliveries::Attempts))
                .col(big_integer_null(WebhookDeliveries::NextAt))
                .col(big_integer_null(WebhookDeliveries::LeaseUntil))
                .col(big_integer_null(WebhookDeliveries::DeliveredAt))
                .col(integer_null(WebhookDeliveries::LastStatus))
                .col(text_null(WebhookDeliveries::LastError))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("webhook_deliveries_due")
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::NextAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("webhook_deliveries_webhook")
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::WebhookId)
                .to_owned(),
        )
        .await
    }
}
