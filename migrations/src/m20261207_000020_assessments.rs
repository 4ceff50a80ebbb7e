//! The annual program assessments (issue 21), kept as first published: an
//! assessment is made the first time it is asked for after its school year
//! closed, and every later read gets the same numbers
//! (`client_core::assessment`), so no two reads differ by one review or
//! one complaint.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Assessments {
    Table,
    OrganizationId,
    SchoolYear,
    Body,
    MadeAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Assessments::Table)
                // The deployment's own staff (no organisation) use the nil id.
                .col(uuid(Assessments::OrganizationId))
                .col(string(Assessments::SchoolYear))
                // `client_core::assessment::Assessment` as JSON.
                .col(text(Assessments::Body))
                .col(big_integer(Assessments::MadeAt))
                .primary_key(
                    Index::create()
                        .col(Assessments::OrganizationId)
                        .col(Assessments::SchoolYear),
                )
                .to_owned(),
        )
        .await
    }
}
