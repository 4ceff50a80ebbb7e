//! `users.device_epoch` (issue 16, finding 11): the phones' wrapping secret
//! is per device and per epoch, and the epoch moves when the password
//! changes or the account is disabled, so a secret released before cannot
//! open what a phone wraps after.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    DeviceEpoch,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(integer(Users::DeviceEpoch).default(0))
                .to_owned(),
        )
        .await
    }
}
