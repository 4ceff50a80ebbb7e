//! Oversight, part two: the reporting columns (issue 5), the agency's review
//! calendar and the review meetings.
//!
//! - `record_students` carries everything a disaggregated report groups and
//!   counts by (the interaction's time, status, offense and outcomes, the
//!   student's reporting categories), so a report is one indexed scan of one
//!   table with no join.
//! - `records.enforcement` is the count the officer-outlier rule compares.
//! - `records.projection` is the projection's version: rows written before
//!   this migration are re-derived from their documents at start
//!   (`Store::reproject`), so the derivations live in client-core only.
//! - `settings` holds the agency's settings that every server process shares
//!   (the review calendar).
//! - `review_meetings` holds the per-period meeting records, appended only.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Records {
    Table,
    Enforcement,
    Projection,
}

#[derive(DeriveIden)]
enum RecordStudents {
    Table,
    Source,
    OccurredAt,
    Submitted,
    Offense,
    RaceEthnicity,
    AgeBand,
    OSearch,
    OCitation,
    OReferral,
    OArrest,
    ORestraint,
    OPhysicalRestraint,
    OMechanicalRestraint,
    OUseOfForce,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum ReviewMeetings {
    Table,
    Id,
    SupervisorId,
    Period,
    HeldOn,
    SchoolId,
    Attendees,
    Notes,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for col in [
            integer(Records::Enforcement).default(0).to_owned(),
            integer(Records::Projection).default(0).to_owned(),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Records::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        let mut cols = vec![
            big_integer_null(RecordStudents::OccurredAt),
            boolean(RecordStudents::Submitted).default(false).to_owned(),
            string_null(RecordStudents::Offense),
            string_null(RecordStudents::RaceEthnicity),
            string_null(RecordStudents::AgeBand),
        ];
        for o in [
            RecordStudents::OSearch,
            RecordStudents::OCitation,
            RecordStudents::OReferral,
            RecordStudents::OArrest,
            RecordStudents::ORestraint,
            RecordStudents::OPhysicalRestraint,
            RecordStudents::OMechanicalRestraint,
            RecordStudents::OUseOfForce,
        ] {
            cols.push(integer(o).default(0).to_owned());
        }
        for mut col in cols {
            m.alter_table(
                Table::alter()
                    .table(RecordStudents::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        // Reports: one source over a date range.
        m.create_index(
            Index::create()
                .name("record_students_report")
                .table(RecordStudents::Table)
                .col(RecordStudents::Source)
                .col(RecordStudents::OccurredAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Settings::Table)
                .col(string(Settings::Key).primary_key())
                .col(text(Settings::Value))
                .col(big_integer(Settings::UpdatedAt))
                .col(uuid_null(Settings::UpdatedBy))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ReviewMeetings::Table)
                .col(uuid(ReviewMeetings::Id).primary_key())
                .col(uuid(ReviewMeetings::SupervisorId))
                .col(string(ReviewMeetings::Period))
                .col(string(ReviewMeetings::HeldOn))
                .col(uuid(ReviewMeetings::SchoolId))
                .col(text(ReviewMeetings::Attendees))
                .col(text_null(ReviewMeetings::Notes))
                .col(big_integer(ReviewMeetings::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("review_meetings_supervisor_period")
                .table(ReviewMeetings::Table)
                .col(ReviewMeetings::SupervisorId)
                .col(ReviewMeetings::Period)
                .to_owned(),
        )
        .await
    }
}
