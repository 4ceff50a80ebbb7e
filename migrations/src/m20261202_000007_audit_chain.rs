//! A tamper-evident access log (issue 16, finding 6).
//!
//! - `access_log.version`: how an entry's hash was made. 1 is the plain
//!   SHA-256 over the entry's JSON that rows written before this migration
//!   carry (they still verify as written); 2 is an HMAC over a canonical,
//!   versioned encoding, under a key kept outside the database.
//! - `audit_checkpoints`: signed checkpoints (entry count and head hash,
//!   Ed25519, key outside the database), written every so many entries and
//!   when an auditor asks; auditors export them and keep them elsewhere.
//!   The signed head of the log lives in `settings`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AccessLog {
    Table,
    Version,
}

#[derive(DeriveIden)]
enum AuditCheckpoints {
    Table,
    Seq,
    Entries,
    Hash,
    At,
    KeyId,
    Signature,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(AccessLog::Table)
                .add_column(integer(AccessLog::Version).default(1))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditCheckpoints::Table)
                .col(big_integer(AuditCheckpoints::Seq).primary_key())
                .col(big_integer(AuditCheckpoints::Entries))
                .col(string(AuditCheckpoints::Hash))
                .col(big_integer(AuditCheckpoints::At))
                .col(string(AuditCheckpoints::KeyId))
                .col(string(AuditCheckpoints::Signature))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
