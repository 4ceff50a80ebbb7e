//! Redaction (issue 16, finding 8): each document has a generation, and a
//! redaction starts the next one with the document's current state only
//! (client-core `redaction`). The change log keeps the current generation's
//! changes alone, each marked with it so a pull tells devices which history
//! a change belongs to. `redactions` is what stays of each redaction: who,
//! when, why; never the value removed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Documents {
    Table,
    Generation,
}

#[derive(DeriveIden)]
enum Changes {
    Table,
    Generation,
}

#[derive(DeriveIden)]
enum Redactions {
    Table,
    Id,
    RecordId,
    ByUser,
    At,
    Reason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Documents::Table)
                .add_column(integer(Documents::Generation).default(0))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Changes::Table)
                .add_column(integer(Changes::Generation).default(0))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Redactions::Table)
                .col(uuid(Redactions::Id).primary_key())
                .col(uuid(Redactions::RecordId))
                .col(uuid(Redactions::ByUser))
                .col(big_integer(Redactions::At))
                .col(text(Redactions::Reason))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("redactions_record")
                .table(Redactions::Table)
                .col(Redactions::RecordId)
                .to_owned(),
        )
        .await
    }
}
