//! The training register (issue 21): each completed course of an officer,
//! with its topics (JSON list), hours and completion date, and who recorded
//! it when.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Training {
    Table,
    Id,
    OfficerId,
    Course,
    Topics,
    Hours,
    CompletedOn,
    RecordedBy,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Training::Table)
                .col(pk_uuid(Training::Id))
                .col(uuid(Training::OfficerId))
                .col(string(Training::Course))
                .col(text(Training::Topics))
                .col(double(Training::Hours))
                .col(string(Training::CompletedOn))
                .col(uuid(Training::RecordedBy))
                .col(big_integer(Training::RecordedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("training_officer")
                .table(Training::Table)
                .col(Training::OfficerId)
                .to_owned(),
        )
        .await
    }
}
