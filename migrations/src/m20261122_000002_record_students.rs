//! Per-student demographic rows, one per student and source, for the
//! disaggregated reports. The two sources stay separate rows and are never
//! merged; SOGI is never projected.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RecordStudents {
    Table,
    RecordId,
    Idx,
    Source,
    Race,
    HispanicLatino,
    Sex,
    Disability,
    EnglishLearner,
    Age,
    Grade,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(RecordStudents::Table)
                .col(uuid(RecordStudents::RecordId))
                .col(integer(RecordStudents::Idx))
                .col(string(RecordStudents::Source))
                .col(text(RecordStudents::Race))
                .col(boolean_null(RecordStudents::HispanicLatino))
                .col(string_null(RecordStudents::Sex))
                .col(string_null(RecordStudents::Disability))
                .col(string_null(RecordStudents::EnglishLearner))
                .col(integer_null(RecordStudents::Age))
                .col(integer_null(RecordStudents::Grade))
                .primary_key(
                    Index::create()
                        .col(RecordStudents::RecordId)
                        .col(RecordStudents::Idx)
                        .col(RecordStudents::Source),
                )
                .to_owned(),
        )
        .await
    }
}
