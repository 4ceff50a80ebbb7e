//! TOTP enrolments (issue 18, CJIS multi-factor sign-in). The secret itself
//! is never stored: it is derived from `nonce` under a key in the secrets
//! folder (`mfa::secret`), so a copy of the database alone cannot make
//! codes. `last_step` is the last time step a code was accepted for, so no
//! code works twice.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Totp {
    Table,
    UserId,
    Nonce,
    Confirmed,
    LastStep,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Totp::Table)
                .col(uuid(Totp::UserId).primary_key())
                .col(string(Totp::Nonce))
                .col(boolean(Totp::Confirmed))
                .col(big_integer(Totp::LastStep))
                .col(big_integer(Totp::CreatedAt))
                .to_owned(),
        )
        .await
    }
}
