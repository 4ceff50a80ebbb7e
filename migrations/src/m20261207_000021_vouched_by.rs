//! `users.vouched_by` (issue 21): the organisation whose admin made the
//! account (or made the admin who made it) when it is not the account's
//! own; none for accounts an organisation made itself or the operator made
//! from the shell. Such an account signs no agreement with the organisation
//! that vouches for it (`client_core::agreement::may_sign`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    VouchedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(uuid_null(Users::VouchedBy))
                .to_owned(),
        )
        .await
    }
}
