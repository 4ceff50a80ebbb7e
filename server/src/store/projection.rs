//! The record projection's rows: the searchable columns of one record and
//! its students' reporting categories, derived by client-core and written in
//! the same transaction as the record's documents (`documents.rs`).

use super::entity::{record, record_student};
use super::{Store, StoreError};
pub use client_core::projection::{RecordRow, StudentRow};
use client_core::report::Outcome;
use client_core::{RecordId, Timestamp};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use std::collections::HashMap;

/// The projection's version: rows of an older version are re-derived from
/// their documents at start, so a new column never needs its derivation
/// written twice (once in Rust, once in SQL). 2: lateness rests on the
/// server's first receipt of a record. 3: seizures count toward the
/// officer-outlier rule (003 p6). 4: lateness rests on the first receipt as
/// submitted, kept in `received_submitted_at` (migration 9). 5: whether a
/// record was not a safety matter, decided by the core (migration 11).
pub const PROJECTION: i32 = 5;

fn json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn record_model(r: &RecordRow, now: i64) -> record::ActiveModel {
    record::ActiveModel {
        record_id: Set(r.record.0),
        officer_id: Set(r.officer.0),
        school_id: Set(r.school.0),
        occurred_at: Set(r.occurred_at),
        status: Set(r.status.clone()),
        location: Set(r.location.clone()),
        initiated_by: Set(r.initiated_by.clone()),
        staff_role: Set(r.staff_role.clone()),
        staff_id: Set(r.staff_id.clone()),
        category: Set(r.category.clone()),
        would_warrant911: Set(r.would_warrant_911),
        not_safety_matter: Set(r.not_safety_matter),
        actions: Set(json(&r.actions)),
        flags: Set(json(&r.flags)),
        needs_review: Set(r.needs_review),
        submitted_at: Set(r.submitted_at),
        updated_at: Set(now),
        enforcement: Set(r.enforcement),
        projection: Set(PROJECTION),
        received_submitted_at: Set(r.received_submitted_at),
    }
}

fn student_models(r: &RecordRow) -> Vec<record_student::ActiveModel> {
    let o = |x: Outcome| {
        let i = Outcome::ALL.iter().position(|y| *y == x).unwrap_or(0);
        i32::from(r.outcomes.get(i).copied().unwrap_or(false))
    };
    r.students
        .iter()
        .map(|s| record_student::ActiveModel {
            record_id: Set(r.record.0),
            idx: Set(s.index),
            source: Set(s.source.clone()),
            race: Set(json(&s.race)),
            hispanic_latino: Set(s.hispanic_latino),
            sex: Set(s.sex.clone()),
            disability: Set(s.disability.clone()),
            english_learner: Set(s.english_learner.clone()),
            age: Set(s.age),
            grade: Set(s.grade),
            student_key: Set(Some(s.key)),
            occurred_at: Set(Some(r.occurred_at)),
            submitted: Set(r.status == "submitted"),
            received_submitted_at: Set(r.received_submitted_at),
            offense: Set(r.category.clone()),
            race_ethnicity: Set(Some(s.race_ethnicity.clone())),
            age_band: Set(Some(s.age_band.clone())),
            o_search: Set(o(Outcome::Search)),
            o_citation: Set(o(Outcome::Citation)),
            o_referral: Set(o(Outcome::ReferralToLawEnforcement)),
            o_arrest: Set(o(Outcome::Arrest)),
            o_restraint: Set(o(Outcome::Restraint)),
            o_physical_restraint: Set(o(Outcome::PhysicalRestraint)),
            o_mechanical_restraint: Set(o(Outcome::MechanicalRestraint)),
            o_use_of_force: Set(o(Outcome::UseOfForce)),
            staff_requested: Set(r.staff_request),
            not_safety_matter: Set(r.not_safety_matter),
        })
        .collect()
}

impl Store {
    /// When the server first received each record as submitted (kept in
    /// the projection, `flag::received_submitted`). Lateness rests on this,
    /// never on a device's claim. Records not yet received as submitted
    /// (drafts, unknown records) are absent.
    pub async fn received_submitted(
        &self,
        conn: &impl ConnectionTrait,
        records: &[RecordId],
    ) -> Result<HashMap<RecordId, i64>, StoreError> {
        let mut out = HashMap::new();
        for chunk in records.chunks(500) {
            let rows = record::Entity::find()
                .select_only()
                .column(record::Column::RecordId)
                .column(record::Column::ReceivedSubmittedAt)
                .filter(record::Column::RecordId.is_in(chunk.iter().map(|r| r.0)))
                .into_tuple::<(uuid::Uuid, Option<i64>)>()
                .all(conn)
                .await?;
            out.extend(
                rows.into_iter()
                    .filter_map(|(r, t)| Some((RecordId(r), t?))),
            );
        }
        Ok(out)
    }

    /// Writes the projection of `rows` (one per record), in the caller's
    /// transaction and in a few statements per 500 records, whatever their
    /// number: a sync of a thousand records is one request.
    pub async fn save_record_rows(
        &self,
        conn: &impl ConnectionTrait,
        rows: &[RecordRow],
        now: i64,
    ) -> Result<(), StoreError> {
        for chunk in rows.chunks(500) {
            save_chunk(conn, chunk, now).await?;
        }
        Ok(())
    }

    /// Writes the projection of many new records in one transaction (bulk
    /// loads: the oversight benchmark; an import of history). Rows must not
    /// exist yet.
    pub async fn insert_record_rows(&self, rows: &[RecordRow], now: i64) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        for chunk in rows.chunks(500) {
            let mut students = Vec::new();
            let records: Vec<_> = chunk
                .iter()
                .map(|r| {
                    students.extend(student_models(r));
                    record_model(r, now)
                })
                .collect();
            record::Entity::insert_many(records).exec(&tx.tx).await?;
            for s in students.chunks(500) {
                record_student::Entity::insert_many(s.to_vec())
                    .exec(&tx.tx)
                    .await?;
            }
        }
        tx.commit().await
    }
}

async fn save_chunk(
    conn: &impl ConnectionTrait,
    rows: &[RecordRow],
    now: i64,
) -> Result<(), StoreError> {
    let ids = || rows.iter().map(|r| r.record.0);
    // A closed year's tables never change: the rows a year counted stay
    // as they stood at its cutoff, whatever the record becomes; and a
    // record amended into a closed year does not join its tables. The
    // rows' own time is what counts (an amendment moves the record's).
    // Rows of an older projection are re-derived all the same (they may
    // lack what the reports now read; an upgrade, not an amendment).
    let projection: HashMap<uuid::Uuid, i32> = record::Entity::find()
        .select_only()
        .columns([record::Column::RecordId, record::Column::Projection])
        .filter(record::Column::RecordId.is_in(ids()))
        .into_tuple::<(uuid::Uuid, i32)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut counted: HashMap<uuid::Uuid, (Option<i64>, Option<i64>)> = HashMap::new();
    let students = record_student::Entity::find()
        .filter(record_student::Column::RecordId.is_in(ids()))
        .select_only()
        .columns([
            record_student::Column::RecordId,
            record_student::Column::OccurredAt,
            record_student::Column::ReceivedSubmittedAt,
        ])
        .into_tuple::<(uuid::Uuid, Option<i64>, Option<i64>)>()
        .all(conn)
        .await?;
    for (id, occurred, received) in students {
        counted.entry(id).or_insert((occurred, received));
    }
    let frozen_at = |occurred: i64, received: Option<i64>| {
        client_core::school_year::SchoolYear::frozen(
            Timestamp::from_millis(occurred),
            received.map(Timestamp::from_millis),
            Timestamp::from_millis(now),
        )
    };
    let frozen = |r: &RecordRow| {
        projection.get(&r.record.0) == Some(&PROJECTION)
            && (counted
                .get(&r.record.0)
                .is_some_and(|(o, rec)| o.is_some_and(|o| frozen_at(o, *rec)))
                || frozen_at(r.occurred_at, r.received_submitted_at))
    };
    use record::Column as C;
    record::Entity::insert_many(rows.iter().map(|r| record_model(r, now)))
        .on_conflict(
            OnConflict::column(C::RecordId)
                .update_columns([
                    C::OccurredAt,
                    C::Status,
                    C::Location,
                    C::InitiatedBy,
                    C::StaffRole,
                    C::StaffId,
                    C::Category,
                    C::WouldWarrant911,
                    C::NotSafetyMatter,
                    C::Actions,
                    C::Flags,
                    C::NeedsReview,
                    C::SubmittedAt,
                    C::UpdatedAt,
                    C::Enforcement,
                    C::Projection,
                    C::ReceivedSubmittedAt,
                ])
                .to_owned(),
        )
        .exec(conn)
        .await?;
    let open: Vec<&RecordRow> = rows.iter().filter(|r| !frozen(r)).collect();
    if open.is_empty() {
        return Ok(());
    }
    record_student::Entity::delete_many()
        .filter(record_student::Column::RecordId.is_in(open.iter().map(|r| r.record.0)))
        .exec(conn)
        .await?;
    let students: Vec<_> = open.iter().flat_map(|r| student_models(r)).collect();
    // About 25 columns a row: well inside SQLite's 32,766 variables.
    for chunk in students.chunks(500) {
        record_student::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await?;
    }
    Ok(())
}
