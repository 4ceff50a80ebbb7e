//! The over-calling view's counts, summed in SQL (DOMAIN.md section 5):
//! per school for the district median, and for one school by staff role,
//! staff member, location, hour of day and week, and what the requests led
//! to. Only record columns are read; no student column is touched.

use super::{Store, StoreError};
use client_core::SchoolId;
use sea_orm::{DatabaseBackend, FromQueryResult, Statement, Value};

/// A staff request is an involvement school staff asked for.
const REQUESTED: &str = "initiated_by = 'school_staff'";
/// Not a safety matter, as the core decided it when it projected the record
/// (`client_core::record::not_a_safety_matter`).
const NOT_SAFETY: &str = "not_safety_matter = TRUE";

#[derive(Debug, FromQueryResult)]
pub struct SchoolCounts {
    pub school_id: uuid::Uuid,
    pub involvements: i64,
    pub requested: i64,
    pub not_safety: i64,
}

#[derive(Debug, FromQueryResult)]
pub struct Keyed {
    pub key: Option<String>,
    pub requested: i64,
    pub not_safety: i64,
}

#[derive(Debug, Default, FromQueryResult)]
pub struct Led {
    pub arrests: Option<i64>,
    pub citations: Option<i64>,
    pub referred_to_administrator: Option<i64>,
    pub declined_discipline_matter: Option<i64>,
    pub searches: Option<i64>,
    pub force_or_restraint: Option<i64>,
}

/// How the one-school counts are keyed.
#[derive(Clone, Copy, Debug)]
pub enum By {
    StaffRole,
    StaffMember,
    Location,
}

/// One staff request's time, for counting by the school's local hour and
/// week (`client_core::local_time`), which SQL cannot do on SQLite.
#[derive(Debug, FromQueryResult)]
pub struct Asked {
    pub occurred_at: i64,
    pub not_safety: bool,
}

impl Store {
    pub(super) fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        let backend = self.backend();
        let sql = if backend == DatabaseBackend::Postgres {
            let mut n = 0;
            sql.chars()
                .map(|c| {
                    if c == '?' {
                        n += 1;
                        format!("${n}")
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        } else {
            sql.to_string()
        };
        Statement::from_sql_and_values(backend, sql, values)
    }

    /// Every school's submitted involvements and staff requests in `[from, to)`.
    pub async fn overcalling_counts(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<SchoolCounts>, StoreError> {
        let sql = format!(
            "SELECT school_id, CAST(COUNT(*) AS BIGINT) AS involvements, \
             CAST(SUM(CASE WHEN {REQUESTED} THEN 1 ELSE 0 END) AS BIGINT) AS requested, \
             CAST(SUM(CASE WHEN {REQUESTED} AND {NOT_SAFETY} THEN 1 ELSE 0 END) AS BIGINT) AS not_safety \
             FROM records WHERE status = 'submitted' AND occurred_at >= ? AND occurred_at < ? \
             GROUP BY school_id"
        );
        Ok(
            SchoolCounts::find_by_statement(self.statement(&sql, vec![from.into(), to.into()]))
                .all(self.db())
                .await?,
        )
    }

    /// One school's staff requests in `[from, to)`, counted by `by`.
    pub async fn overcalling_by(
        &self,
        school: SchoolId,
        from: i64,
        to: i64,
        by: By,
    ) -> Result<Vec<Keyed>, StoreError> {
        let key = match by {
            By::StaffRole => "staff_role".to_string(),
            By::StaffMember => "staff_id".to_string(),
            By::Location => "location".to_string(),
        };
        let sql = format!(
            "SELECT {key} AS key, CAST(COUNT(*) AS BIGINT) AS requested, \
             CAST(SUM(CASE WHEN {NOT_SAFETY} THEN 1 ELSE 0 END) AS BIGINT) AS not_safety \
             FROM records WHERE status = 'submitted' AND school_id = ? \
             AND occurred_at >= ? AND occurred_at < ? AND {REQUESTED} GROUP BY {key}"
        );
        Ok(Keyed::find_by_statement(
            self.statement(&sql, vec![school.0.into(), from.into(), to.into()]),
        )
        .all(self.db())
        .await?)
    }

    /// When each of one school's staff requests in `[from, to)` happened.
    pub async fn overcalling_times(
        &self,
        school: SchoolId,
        from: i64,
        to: i64,
    ) -> Result<Vec<Asked>, StoreError> {
        let sql = format!(
            "SELECT occurred_at, not_safety_matter AS not_safety FROM records \
             WHERE status = 'submitted' AND school_id = ? \
             AND occurred_at >= ? AND occurred_at < ? AND {REQUESTED}"
        );
        Ok(Asked::find_by_statement(
            self.statement(&sql, vec![school.0.into(), from.into(), to.into()]),
        )
        .all(self.db())
        .await?)
    }

    /// What one school's staff requests in `[from, to)` led to.
    pub async fn overcalling_led_to(
        &self,
        school: SchoolId,
        from: i64,
        to: i64,
    ) -> Result<Led, StoreError> {
        let has = |actions: &[&str]| {
            let any = actions
                .iter()
                .map(|a| format!("actions LIKE '%\"{a}\"%'"))
                .collect::<Vec<_>>()
                .join(" OR ");
            format!("CAST(SUM(CASE WHEN {any} THEN 1 ELSE 0 END) AS BIGINT)")
        };
        let sql = format!(
            "SELECT {} AS arrests, {} AS citations, {} AS referred_to_administrator, \
             {} AS declined_discipline_matter, {} AS searches, {} AS force_or_restraint \
             FROM records WHERE status = 'submitted' AND school_id = ? \
             AND occurred_at >= ? AND occurred_at < ? AND {REQUESTED}",
            has(&["arrest"]),
            has(&["citation"]),
            has(&["referred_to_administrator"]),
            has(&["declined_discipline_matter"]),
            has(&["search_person", "search_property"]),
            has(&["use_of_force", "physical_restraint", "mechanical_restraint"]),
        );
        Ok(Led::find_by_statement(
            self.statement(&sql, vec![school.0.into(), from.into(), to.into()]),
        )
        .one(self.db())
        .await?
        .unwrap_or_default())
    }
}
