//! The disaggregated report's counts: one grouped scan of `record_students`
//! per source (indexed by source and time), by every dimension at once,
//! into a `client_core::report::Cube` whose margins are every table.
//! Suppression happens above this, in client-core.

use super::entity::record_student;
use super::{Store, StoreError};
use client_core::report::{Cube, Dimension, Outcome};
use sea_orm::sea_query::{Alias, Expr, Func};
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};

/// A year's staff requests among the interactions its tables count.
#[derive(Clone, Copy, Debug, Default, FromQueryResult)]
pub struct StaffRequestCounts {
    pub requested: Option<i64>,
    pub not_safety: Option<i64>,
}

// `Grouped` has one column per outcome and per dimension.
const _: () = assert!(Outcome::ALL.len() == 8 && Dimension::ALL.len() == 6);

/// One group's row as SQL returns it.
#[derive(FromQueryResult)]
struct Grouped {
    d0: Option<String>,
    d1: Option<String>,
    d2: Option<String>,
    d3: Option<String>,
    d4: Option<String>,
    d5: Option<String>,
    n: Option<i64>,
    o0: Option<i64>,
    o1: Option<i64>,
    o2: Option<i64>,
    o3: Option<i64>,
    o4: Option<i64>,
    o5: Option<i64>,
    o6: Option<i64>,
    o7: Option<i64>,
}

fn column(d: Dimension) -> record_student::Column {
    use record_student::Column as C;
    match d {
        Dimension::RaceEthnicity => C::RaceEthnicity,
        Dimension::Sex => C::Sex,
        Dimension::AgeBand => C::AgeBand,
        Dimension::Disability => C::Disability,
        Dimension::EnglishLearner => C::EnglishLearner,
        Dimension::Offense => C::Offense,
    }
}

fn outcome_column(o: Outcome) -> record_student::Column {
    use record_student::Column as C;
    match o {
        Outcome::Search => C::OSearch,
        Outcome::Citation => C::OCitation,
        Outcome::ReferralToLawEnforcement => C::OReferral,
        Outcome::Arrest => C::OArrest,
        Outcome::Restraint => C::ORestraint,
        Outcome::PhysicalRestraint => C::OPhysicalRestraint,
        Outcome::MechanicalRestraint => C::OMechanicalRestraint,
        Outcome::UseOfForce => C::OUseOfForce,
    }
}

fn bigint(e: impl Into<Expr>) -> Expr {
    Func::cast_as(e, Alias::new("BIGINT")).into()
}

impl Store {
    /// Student interactions of submitted records in `[from, to)` described
    /// by `source` that the server received as submitted before
    /// `received_before` (a school year's cutoff), grouped by every
    /// dimension; a missing value groups as unknown.
    pub async fn report_cube(
        &self,
        source: &str,
        from: i64,
        to: i64,
        received_before: i64,
    ) -> Result<Cube, StoreError> {
        use record_student::Column as C;
        let mut q = record_student::Entity::find()
            .select_only()
            .filter(C::Source.eq(source))
            .filter(C::OccurredAt.gte(from))
            .filter(C::OccurredAt.lt(to))
            .filter(C::Submitted.eq(true))
            .filter(C::ReceivedSubmittedAt.lt(received_before));
        for (i, d) in Dimension::ALL.iter().enumerate() {
            q = q
                .column_as(column(*d), format!("d{i}"))
                .group_by(column(*d));
        }
        q = q.column_as(bigint(Func::count(Expr::col(C::RecordId))), "n");
        for (i, o) in Outcome::ALL.iter().enumerate() {
            q = q.column_as(
                bigint(Func::sum(Expr::col(outcome_column(*o)))),
                format!("o{i}"),
            );
        }
        let rows = q.into_model::<Grouped>().all(self.db()).await?;
        let mut cube = Cube::default();
        for row in rows {
            let counts = [
                row.n, row.o0, row.o1, row.o2, row.o3, row.o4, row.o5, row.o6, row.o7,
            ]
            .map(|x| x.unwrap_or(0).max(0) as u64);
            let values =
                [&row.d0, &row.d1, &row.d2, &row.d3, &row.d4, &row.d5].map(|d| d.as_deref());
            cube.add(values, &counts);
        }
        Ok(cube)
    }

    /// Of the student interactions `report_cube` counts for `source` (the
    /// same rows, the same filters), those whose record school staff asked
    /// for, and of those the ones that were not safety matters, as the
    /// core decided when it projected the record, and as they stood at the
    /// year's cutoff.
    pub async fn staff_requests(
        &self,
        source: &str,
        from: i64,
        to: i64,
        received_before: i64,
    ) -> Result<StaffRequestCounts, StoreError> {
        // The frozen rows only: the record's own row follows amendments.
        let sql = "SELECT CAST(COUNT(*) AS BIGINT) AS requested, \
             CAST(SUM(CASE WHEN not_safety_matter = TRUE THEN 1 ELSE 0 END) AS BIGINT) AS not_safety \
             FROM record_students \
             WHERE source = ? AND occurred_at >= ? AND occurred_at < ? \
             AND submitted = TRUE AND received_submitted_at < ? \
             AND staff_requested = TRUE";
        let values = vec![
            source.into(),
            from.into(),
            to.into(),
            received_before.into(),
        ];
        Ok(
            StaffRequestCounts::find_by_statement(self.statement(sql, values))
                .one(self.db())
                .await?
                .unwrap_or_default(),
        )
    }
}
