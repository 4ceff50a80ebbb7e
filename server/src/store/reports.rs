//! The disaggregated report's counts: one grouped scan of `record_students`
//! (indexed by source and time), which carries everything it groups and
//! counts by. Suppression happens above this, in client-core.

use super::entity::record_student;
use super::{Store, StoreError};
use client_core::report::{Dimension, Outcome, UNKNOWN};
use sea_orm::sea_query::{Alias, Expr, Func};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// Counts of one group: interactions, then each `Outcome::ALL` in order.
pub type Counts = Vec<u64>;

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
    /// by `source`, grouped by `by` (one or two dimensions); a missing value
    /// groups as `unknown`.
    pub async fn report_counts(
        &self,
        source: &str,
        from: i64,
        to: i64,
        by: &[Dimension],
    ) -> Result<HashMap<Vec<String>, Counts>, StoreError> {
        use record_student::Column as C;
        let mut q = record_student::Entity::find()
            .select_only()
            .filter(C::Source.eq(source))
            .filter(C::OccurredAt.gte(from))
            .filter(C::OccurredAt.lt(to))
            .filter(C::Submitted.eq(true));
        for (i, d) in by.iter().enumerate() {
            q = q.column_as(column(*d), format!("d{i}")).group_by(column(*d));
        }
        q = q.column_as(bigint(Func::count(Expr::col(C::RecordId))), "n");
        for (i, o) in Outcome::ALL.iter().enumerate() {
            q = q.column_as(bigint(Func::sum(Expr::col(outcome_column(*o)))), format!("o{i}"));
        }
        let rows = q.into_json().all(self.db()).await?;
        let mut out = HashMap::new();
        for row in rows {
            let key: Vec<String> = (0..by.len())
                .map(|i| {
                    row.get(format!("d{i}"))
                        .and_then(|v| v.as_str())
                        .unwrap_or(UNKNOWN)
                        .to_string()
                })
                .collect();
            let num = |k: &str| row.get(k).and_then(|v| v.as_i64()).unwrap_or(0).max(0) as u64;
            let mut counts = vec![num("n")];
            counts.extend((0..Outcome::ALL.len()).map(|i| num(&format!("o{i}"))));
            // Two spellings of "unknown" (NULL and the word) are one group.
            let e: &mut Counts = out
                .entry(key)
                .or_insert_with(|| vec![0; Outcome::ALL.len() + 1]);
            for (a, b) in e.iter_mut().zip(counts) {
                *a += b;
            }
        }
        Ok(out)
    }
}

