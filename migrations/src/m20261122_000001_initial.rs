//! The first schema: directory, auth, the change log with its document
//! snapshots, the record projection, and the access log.
//!
//! Times are milliseconds since the epoch (BIGINT) so both databases compare
//! them the same way; closed sets are their snake_case spelling.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Schools {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    Role,
    PasswordHash,
    SecurityStamp,
    Disabled,
    LockedUntil,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UserSchools {
    Table,
    UserId,
    SchoolId,
}

#[derive(DeriveIden)]
enum Supervisions {
    Table,
    SupervisorId,
    OfficerId,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    TokenHash,
    UserId,
    Family,
    ExpiresAt,
    UsedAt,
    Revoked,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Username,
    Address,
    At,
    Success,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    DocId,
    RecordId,
    Kind,
    OfficerId,
    SchoolId,
    Snapshot,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Changes {
    Table,
    Seq,
    DocId,
    RecordId,
    Kind,
    OfficerId,
    SchoolId,
    Hash,
    Bytes,
    Author,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Records {
    Table,
    RecordId,
    OfficerId,
    SchoolId,
    OccurredAt,
    Status,
    Location,
    InitiatedBy,
    StaffRole,
    Category,
    WouldWarrant911,
    Actions,
    Flags,
    NeedsReview,
    ReviewPeriod,
    SubmittedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AccessLog {
    Table,
    Seq,
    At,
    UserId,
    Role,
    Event,
    RecordId,
    StudentRefs,
    Fields,
    Endpoint,
    Purpose,
    PrevHash,
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Schools::Table)
                .col(pk_uuid(Schools::Id))
                .col(string(Schools::Name))
                .col(big_integer(Schools::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_uuid(Users::Id))
                .col(string_uniq(Users::Username))
                .col(string(Users::Role))
                .col(string(Users::PasswordHash))
                .col(string(Users::SecurityStamp))
                .col(boolean(Users::Disabled))
                .col(big_integer_null(Users::LockedUntil))
                .col(big_integer(Users::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UserSchools::Table)
                .col(uuid(UserSchools::UserId))
                .col(uuid(UserSchools::SchoolId))
                .primary_key(
                    Index::create()
                        .col(UserSchools::UserId)
                        .col(UserSchools::SchoolId),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Supervisions::Table)
                .col(uuid(Supervisions::SupervisorId))
                .col(uuid(Supervisions::OfficerId))
                .primary_key(
                    Index::create()
                        .col(Supervisions::SupervisorId)
                        .col(Supervisions::OfficerId),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(string(RefreshTokens::TokenHash).primary_key())
                .col(uuid(RefreshTokens::UserId))
                .col(uuid(RefreshTokens::Family))
                .col(big_integer(RefreshTokens::ExpiresAt))
                .col(big_integer_null(RefreshTokens::UsedAt))
                .col(boolean(RefreshTokens::Revoked))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("refresh_tokens_family")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::Family)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(LoginAttempts::Table)
                .col(big_pk_auto(LoginAttempts::Id))
                .col(string(LoginAttempts::Username))
                .col(string(LoginAttempts::Address))
                .col(big_integer(LoginAttempts::At))
                .col(boolean(LoginAttempts::Success))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("login_attempts_username", LoginAttempts::Username),
            ("login_attempts_address", LoginAttempts::Address),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(LoginAttempts::Table)
                    .col(col)
                    .col(LoginAttempts::At)
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(Documents::Table)
                .col(string(Documents::DocId).primary_key())
                .col(uuid(Documents::RecordId))
                .col(string(Documents::Kind))
                .col(uuid(Documents::OfficerId))
                .col(uuid(Documents::SchoolId))
                .col(blob(Documents::Snapshot))
                .col(big_integer(Documents::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("documents_officer")
                .table(Documents::Table)
                .col(Documents::OfficerId)
                .col(Documents::Kind)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Changes::Table)
                .col(big_pk_auto(Changes::Seq))
                .col(string(Changes::DocId))
                .col(uuid(Changes::RecordId))
                .col(string(Changes::Kind))
                .col(uuid(Changes::OfficerId))
                .col(uuid(Changes::SchoolId))
                .col(blob(Changes::Hash))
                .col(blob(Changes::Bytes))
                .col(uuid(Changes::Author))
                .col(big_integer(Changes::ReceivedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("changes_doc_hash")
                .table(Changes::Table)
                .col(Changes::DocId)
                .col(Changes::Hash)
                .unique()
                .to_owned(),
        )
        .await?;
        // Pulls: "changes after my cursor for the officers I may read".
        // The owning officer and school are copied onto each change so the
        // pull is one indexed range scan, no join.
        m.create_index(
            Index::create()
                .name("changes_officer_seq")
                .table(Changes::Table)
                .col(Changes::OfficerId)
                .col(Changes::Seq)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Records::Table)
                .col(pk_uuid(Records::RecordId))
                .col(uuid(Records::OfficerId))
                .col(uuid(Records::SchoolId))
                .col(big_integer(Records::OccurredAt))
                .col(string(Records::Status))
                .col(string_null(Records::Location))
                .col(string_null(Records::InitiatedBy))
                .col(string_null(Records::StaffRole))
                .col(string_null(Records::Category))
                .col(boolean_null(Records::WouldWarrant911))
                .col(text(Records::Actions))
                .col(text(Records::Flags))
                .col(boolean(Records::NeedsReview))
                .col(string(Records::ReviewPeriod))
                .col(big_integer_null(Records::SubmittedAt))
                .col(big_integer(Records::UpdatedAt))
                .to_owned(),
        )
        .await?;
        // The review queue: one officer's records of one period, queued first.
        m.create_index(
            Index::create()
                .name("records_queue")
                .table(Records::Table)
                .col(Records::OfficerId)
                .col(Records::ReviewPeriod)
                .col(Records::NeedsReview)
                .to_owned(),
        )
        .await?;
        // Dashboards and lists: one school over a date range.
        m.create_index(
            Index::create()
                .name("records_school_time")
                .table(Records::Table)
                .col(Records::SchoolId)
                .col(Records::OccurredAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("records_officer_time")
                .table(Records::Table)
                .col(Records::OfficerId)
                .col(Records::OccurredAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AccessLog::Table)
                .col(big_pk_auto(AccessLog::Seq))
                .col(big_integer(AccessLog::At))
                .col(uuid_null(AccessLog::UserId))
                .col(string_null(AccessLog::Role))
                .col(string(AccessLog::Event))
                .col(uuid_null(AccessLog::RecordId))
                .col(text(AccessLog::StudentRefs))
                .col(text(AccessLog::Fields))
                .col(string(AccessLog::Endpoint))
                .col(string(AccessLog::Purpose))
                .col(string(AccessLog::PrevHash))
                .col(string(AccessLog::Hash))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("access_log_at")
                .table(AccessLog::Table)
                .col(AccessLog::At)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
