//! The requesting staff member (name or staff id, as the officer wrote it)
//! on the record projection, for the over-calling view's "by staff member".

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Records {
    Table,
    StaffId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Records::Table)
                .add_column(string_null(Records::StaffId))
                .to_owned(),
        )
        .await
    }
}
