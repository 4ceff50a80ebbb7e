//! `records.not_safety_matter` (issue 17): whether a record was not a safety
//! matter (DOMAIN.md section 5: it would not have warranted 911, or it was a
//! code-of-conduct matter), as `client_core::record::not_a_safety_matter`
//! decides it. The over-calling view counts this column, so the rule is
//! written once, in the core, instead of again in SQL.
//!
//! No backfill: the projection's version moves with this migration, so every
//! row is re-derived from its documents at start, and a backfill in SQL would
//! be the second copy of the rule this column removes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Records {
    Table,
    NotSafetyMatter,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Records::Table)
                .add_column(boolean(Records::NotSafetyMatter).default(false))
                .to_owned(),
        )
        .await
    }
}
