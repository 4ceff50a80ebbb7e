//! Covering indexes for the oversight queries, measured on 1M records
//! (`oversight_bench`): each query reads its index alone, never the table.
//!
//! - the queue's candidates: one officer's queued records in a date range;
//! - the outlier counts: every officer's submitted records in a period;
//! - the over-calling median: every school's staff requests in a range;
//! - the report: one source's interactions in a range, with every column a
//!   report groups or sums (replaces migration 5's narrower index).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Records {
    Table,
    OfficerId,
    NeedsReview,
    OccurredAt,
    RecordId,
    Status,
    Enforcement,
    SchoolId,
    InitiatedBy,
    WouldWarrant911,
    Category,
}

#[derive(DeriveIden)]
enum RecordStudents {
    Table,
    Source,
    OccurredAt,
    Submitted,
    RaceEthnicity,
    Sex,
    AgeBand,
    Disability,
    EnglishLearner,
    Offense,
    OSearch,
    OCitation,
    OReferral,
    OArrest,
    ORestraint,
    OPhysicalRestraint,
    OMechanicalRestraint,
    OUseOfForce,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
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
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS record_students_report")
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
}
