//! Sessions end and sign-in attempts are reserved (issue 16, findings 2, 3, 12).
//!
//! - `refresh_tokens.session_expires_at`: the absolute end of the sign-in a
//!   token belongs to. Refreshing never moves it, so a stolen or departed
//!   device stops at the end of its shift. Tokens issued before this
//!   migration get 14 hours from their own issue (30 days before their
//!   sliding expiry), so sessions that "never ended" end now.
//! - `login_attempts.device`: which lockout bucket an attempt counted in:
//!   null for an unknown device, else the device cookie's id. A stranger's
//!   guesses fill the null bucket and cannot lock out a phone that has signed
//!   in before.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    SessionExpiresAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Device,
}

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .add_column(big_integer(RefreshTokens::SessionExpiresAt).default(0))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::update()
                .table(RefreshTokens::Table)
                .value(
                    RefreshTokens::SessionExpiresAt,
                    Expr::col(RefreshTokens::ExpiresAt).sub(30 * DAY_MS - 14 * HOUR_MS),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(LoginAttempts::Table)
                .add_column(string_null(LoginAttempts::Device))
                .to_owned(),
        )
        .await
    }
}
