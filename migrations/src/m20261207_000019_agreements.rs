//! Agreements (issue 21): the MOUs between an agency and a district, each
//! with its terms, what it withholds of the federal access table
//! (`client_core::agreement::Terms`), and each party's signature: it binds
//! once both have signed. A new agreement, or a reviewed one, is a new row
//! from its `effective_from`, so the history of what bound whom stays.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Agreements {
    Table,
    Id,
    AgencyId,
    DistrictId,
    EffectiveFrom,
    ReviewBy,
    PublishedUrl,
    Terms,
    RecordedBy,
    RecordedAt,
    AgencySignedBy,
    AgencySignedAt,
    DistrictSignedBy,
    DistrictSignedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Agreements::Table)
                .col(pk_uuid(Agreements::Id))
                .col(uuid(Agreements::AgencyId))
                .col(uuid(Agreements::DistrictId))
                // ISO dates (`YYYY-MM-DD`): they sort as text.
                .col(string(Agreements::EffectiveFrom))
                .col(string(Agreements::ReviewBy))
                .col(text(Agreements::PublishedUrl))
                // `client_core::agreement::Terms` as JSON.
                .col(text(Agreements::Terms))
                .col(uuid(Agreements::RecordedBy))
                .col(big_integer(Agreements::RecordedAt))
                .col(uuid_null(Agreements::AgencySignedBy))
                .col(big_integer_null(Agreements::AgencySignedAt))
                .col(uuid_null(Agreements::DistrictSignedBy))
                .col(big_integer_null(Agreements::DistrictSignedAt))
                .to_owned(),
        )
        .await?;
        // Every signed-in request reads its organisation's agreements.
        m.create_index(
            Index::create()
                .name("agreements_agency")
                .table(Agreements::Table)
                .col(Agreements::AgencyId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("agreements_district")
                .table(Agreements::Table)
                .col(Agreements::DistrictId)
                .to_owned(),
        )
        .await
    }
}
