//! Administration (issue 18): organisations, a user's display name and
//! organisation, one-time invites, and the history of assignments.
//!
//! - `organizations`: agencies (law enforcement) and districts (education).
//!   Users created before this migration get one at the server's next start
//!   (`store::admin::settle_organizations`), by role, so no SQL here has to
//!   know the roles.
//! - `invites`: a one-time token (its SHA-256 only) that sets a password:
//!   for a new user created without one, or a reset.
//! - `assignments`: every assignment of schools and supervisor ever made,
//!   with when it took effect and who made it; `user_schools` and
//!   `supervisions` stay the current state every query reads.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Kind,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    DisplayName,
    OrganizationId,
}

#[derive(DeriveIden)]
enum Invites {
    Table,
    TokenHash,
    UserId,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Assignments {
    Table,
    Id,
    UserId,
    Schools,
    SupervisorId,
    EffectiveFrom,
    SetBy,
    SetAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Organizations::Table)
                .col(pk_uuid(Organizations::Id))
                .col(string(Organizations::Kind))
                .col(string(Organizations::Name))
                .col(big_integer(Organizations::CreatedAt))
                .to_owned(),
        )
        .await?;
        // SQLite alters one column at a time.
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(string_null(Users::DisplayName))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(uuid_null(Users::OrganizationId))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Invites::Table)
                .col(string(Invites::TokenHash).primary_key())
                .col(uuid(Invites::UserId))
                .col(big_integer(Invites::ExpiresAt))
                .col(big_integer_null(Invites::UsedAt))
                .col(big_integer(Invites::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("invites_user")
                .table(Invites::Table)
                .col(Invites::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Assignments::Table)
                .col(pk_uuid(Assignments::Id))
                .col(uuid(Assignments::UserId))
                .col(text(Assignments::Schools))
                .col(uuid_null(Assignments::SupervisorId))
                .col(string(Assignments::EffectiveFrom))
                .col(uuid(Assignments::SetBy))
                .col(big_integer(Assignments::SetAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("assignments_user")
                .table(Assignments::Table)
                .col(Assignments::UserId)
                .to_owned(),
        )
        .await
    }
}
