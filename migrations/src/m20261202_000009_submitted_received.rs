//! `records.received_submitted_at` and its copy in `record_students`
//! (issue 16): when the server first received a record as submitted.
//! Lateness rests on it (an empty draft synced early and submitted late is
//! late), and a school year's tables count only records received as
//! submitted before the year's cutoff (`client_core::school_year`), so a
//! year's answers never change.
//!
//! Backfill: the status lives inside the Automerge changes, which SQL cannot
//! read, so when each existing record first became submitted is not
//! derivable here. Submitted records get the time the server first received
//! any of their account document's changes: the time lateness rested on
//! until now, so no existing record's late flag or year changes with the
//! upgrade (a draft-then-late-submission already in the log stays as it was
//! judged). Drafts get none; they get theirs when they are submitted.
//! `record_students` copies the record's value; the projection's version
//! moves with this migration, so every row is re-derived at start anyway.
//!
//! The report's covering index is replaced by one with the column too
//! (`record_students_report`), so the report still reads the index alone.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Records {
    Table,
    ReceivedSubmittedAt,
}

#[derive(DeriveIden)]
enum RecordStudents {
    Table,
    Source,
    OccurredAt,
    Submitted,
    ReceivedSubmittedAt,
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

// One grouped pass over the change log (it has no index by record, so a
// subquery per record would read it once per record). UPDATE ... FROM is
// PostgreSQL's and SQLite's (3.33 on) alike.
const BACKFILL_RECORDS: &str = "UPDATE records SET received_submitted_at = f.t0 \
    FROM (SELECT record_id, MIN(received_at) AS t0 FROM changes \
    WHERE kind = 'account' GROUP BY record_id) AS f \
    WHERE f.record_id = records.record_id AND records.status = 'submitted'";

const BACKFILL_STUDENTS: &str = "UPDATE record_students SET received_submitted_at = (\
    SELECT r.received_submitted_at FROM records r \
    WHERE r.record_id = record_students.record_id)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Records::Table)
                .add_column(big_integer_null(Records::ReceivedSubmittedAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(RecordStudents::Table)
                .add_column(big_integer_null(RecordStudents::ReceivedSubmittedAt))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared(BACKFILL_RECORDS).await?;
        db.execute_unprepared(BACKFILL_STUDENTS).await?;
        use RecordStudents as S;
        let mut report = Index::create();
        report.name("record_students_report").table(S::Table);
        for c in [
            S::Source,
            S::OccurredAt,
            S::Submitted,
            S::ReceivedSubmittedAt,
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
        m.create_index(report.to_owned()).await?;
        m.drop_index(
            Index::drop()
                .name("record_students_report_covering")
                .table(S::Table)
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
