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
//! - Covering indexes for the oversight queries (`covering_indexes`).
//! - `records.review_period` goes: periods are date ranges now.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Records {
    Table,
    Enforcement,
    Projection,
    ReviewPeriod,
    OfficerId,
    NeedsReview,
    OccurredAt,
    RecordId,
    Status,
    SchoolId,
    InitiatedBy,
    WouldWarrant911,
    Category,
}

#[derive(DeriveIden)]
enum RecordStudents {
    Table,
    Source,
    Sex,
    Disability,
    EnglishLearner,
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
        covering_indexes(m).await?;
        // Periods are date ranges read from the agency's calendar at query
        // time, so the projected period id and its index would be neither
        // read nor current once the calendar changes.
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS records_queue")
            .await?;
        m.alter_table(
            Table::alter()
                .table(Records::Table)
                .drop_column(Records::ReviewPeriod)
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

/// Covering indexes for the oversight queries, chosen by measurement on 1M
/// records (`oversight_bench`): each query reads its index alone, never the
/// table. The queue's candidates (one officer's queued records in a date
/// range); the outlier counts (every officer's submitted records in a
/// period); the over-calling median (every school's staff requests in a
/// range); the report (one source's interactions in a range, with every
/// column a report groups or sums).
async fn covering_indexes(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    use RecordStudents as S;
    use Records as R;
    m.create_index(
        Index::create()
            .name("records_queue_range")
            .table(R::Table)
            .col(R::OfficerId)
            .col(R::NeedsReview)
            .col(R::OccurredAt)
            .col(R::RecordId)
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create()
            .name("records_outlier_counts")
            .table(R::Table)
            .col(R::OccurredAt)
            .col(R::Status)
            .col(R::OfficerId)
            .col(R::Enforcement)
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create()
            .name("records_overcalling")
            .table(R::Table)
            .col(R::OccurredAt)
            .col(R::Status)
            .col(R::SchoolId)
            .col(R::InitiatedBy)
            .col(R::WouldWarrant911)
            .col(R::Category)
            .to_owned(),
    )
    .await?;
    let mut report = Index::create();
    report
        .name("record_students_report_covering")
        .table(S::Table);
    for c in [
        S::Source,
        S::OccurredAt,
        S::Submitted,
        S::RaceEthnicity,
        S::Sex,
        S::AgeBand,
        S::Disability,
        S::EnglishLearner,
        S::Offense,
        S::OSearch,
        S::OCitation,
        S::OReferral,
        S::OArrest,
        S::ORestraint,
        S::OPhysicalRestraint,
        S::OMechanicalRestraint,
        S::OUseOfForce,
    ] {
        report.col(c);
    }
    m.create_index(report.to_owned()).await
}
