//! Schools keep an IANA time zone, so hours of day and weeks are the
//! school's own (issue 18), and belong to a district. Schools from before
//! are in UTC until an admin sets their zone, and join the first district
//! at the next start (`store::admin::settle_organizations`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Schools {
    Table,
    TimeZone,
    DistrictId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Schools::Table)
                .add_column(string(Schools::TimeZone).default("UTC"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Schools::Table)
                .add_column(uuid_null(Schools::DistrictId))
                .to_owned(),
        )
        .await
    }
}
