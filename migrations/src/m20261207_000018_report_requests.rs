//! The public transparency page counts a closed year's staff requests
//! (issue 20). A year's report rows (`record_students`) are frozen at its
//! cutoff, but the record's own row follows every amendment, so the
//! request and the safety answer are kept beside the frozen rows: a closed
//! year's figures never move, and two readings a day apart cannot be
//! differenced. Rows from before take their record's current values.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RecordStudents {
    Table,
    StaffRequested,
    NotSafetyMatter,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            RecordStudents::StaffRequested,
            RecordStudents::NotSafetyMatter,
        ] {
            m.alter_table(
                Table::alter()
                    .table(RecordStudents::Table)
                    .add_column(boolean(column).default(false))
                    .to_owned(),
            )
            .await?;
        }
        m.get_connection()
            .execute_unprepared(
                "UPDATE record_students SET \
                 staff_requested = COALESCE((SELECT r.initiated_by = 'school_staff' \
                   FROM records r WHERE r.record_id = record_students.record_id), FALSE), \
                 not_safety_matter = COALESCE((SELECT r.not_safety_matter \
                   FROM records r WHERE r.record_id = record_students.record_id), FALSE)",
            )
            .await?;
        Ok(())
    }
}
