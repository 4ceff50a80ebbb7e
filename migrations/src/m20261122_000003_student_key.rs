//! The student entry's record-local key on each demographic row, so the
//! access log can name which entries a sync pull disclosed without storing
//! the students' own numbers outside the record.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RecordStudents {
    Table,
    StudentKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RecordStudents::Table)
                .add_column(uuid_null(RecordStudents::StudentKey))
                .to_owned(),
        )
        .await
    }
}
