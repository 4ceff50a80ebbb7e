//! Complaints, compliments and feedback from the public (issue 21).
//!
//! - `complaints`: one filing and where its handling stands. Only the
//!   tracking code's SHA-256 is kept. `contact` and `complainant` are JSON,
//!   present only when the filer volunteered them; `officers` and `records`
//!   are JSON lists of the ids its handlers linked.
//! - `complaint_events`: every step of its handling (assigned, note,
//!   finding, closed), append-only, with who and when.
//! - `public_posts`: when an address last posted to a public endpoint, for
//!   the per-address limit only; kept apart from the complaints (nothing
//!   links a filing to its address) and pruned after a day.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Complaints {
    Table,
    Id,
    TrackingHash,
    Kind,
    Status,
    AgencyId,
    SchoolId,
    IncidentDate,
    OfficerDescription,
    Description,
    Contact,
    Complainant,
    InvestigatorId,
    Finding,
    Officers,
    Records,
    DueOn,
    ReceivedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ComplaintEvents {
    Table,
    Id,
    ComplaintId,
    At,
    By,
    Kind,
    Body,
}

#[derive(DeriveIden)]
enum PublicPosts {
    Table,
    Id,
    Address,
    Kind,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Complaints::Table)
                .col(pk_uuid(Complaints::Id))
                .col(string_uniq(Complaints::TrackingHash))
                .col(string(Complaints::Kind))
                .col(string(Complaints::Status))
                .col(uuid_null(Complaints::AgencyId))
                .col(uuid_null(Complaints::SchoolId))
                .col(string_null(Complaints::IncidentDate))
                .col(text_null(Complaints::OfficerDescription))
                .col(text(Complaints::Description))
                .col(text_null(Complaints::Contact))
                .col(text_null(Complaints::Complainant))
                .col(uuid_null(Complaints::InvestigatorId))
                .col(string_null(Complaints::Finding))
                .col(text(Complaints::Officers))
                .col(text(Complaints::Records))
                .col(string(Complaints::DueOn))
                .col(big_integer(Complaints::ReceivedAt))
                .col(big_integer(Complaints::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ComplaintEvents::Table)
                .col(big_pk_auto(ComplaintEvents::Id))
                .col(uuid(ComplaintEvents::ComplaintId))
                .col(big_integer(ComplaintEvents::At))
                .col(uuid(ComplaintEvents::By))
                .col(string(ComplaintEvents::Kind))
                .col(text(ComplaintEvents::Body))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("complaint_events_complaint")
                .table(ComplaintEvents::Table)
                .col(ComplaintEvents::ComplaintId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PublicPosts::Table)
                .col(big_pk_auto(PublicPosts::Id))
                .col(string(PublicPosts::Address))
                .col(string(PublicPosts::Kind))
                .col(big_integer(PublicPosts::At))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("public_posts_address")
                .table(PublicPosts::Table)
                .col(PublicPosts::Address)
                .col(PublicPosts::At)
                .to_owned(),
        )
        .await
    }
}
