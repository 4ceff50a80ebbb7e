//! The SRO activity profile's rows (`client_core::activity`): one school's
//! submitted involvements in a window, the record columns it counts by and
//! nothing else; no student column is touched.

use super::{Store, StoreError};
use client_core::activity::Entry;
use client_core::vocabulary::{ActionTaken, Category, InitiatedBy, StaffRole};
use client_core::{SchoolId, Timestamp};
use sea_orm::FromQueryResult;

#[derive(Debug, FromQueryResult)]
struct Row {
    occurred_at: i64,
    category: Option<String>,
    initiated_by: Option<String>,
    staff_role: Option<String>,
    actions: String,
}

impl Store {
    /// One school's submitted involvements in `[from, to)`. A value the
    /// vocabulary no longer has counts as not recorded.
    pub async fn activity(
        &self,
        school: SchoolId,
        from: i64,
        to: i64,
    ) -> Result<Vec<Entry>, StoreError> {
        let sql = "SELECT occurred_at, category, initiated_by, staff_role, actions FROM records \
             WHERE status = 'submitted' AND school_id = ? AND occurred_at >= ? AND occurred_at < ?";
        let rows = Row::find_by_statement(
            self.statement(sql, vec![school.0.into(), from.into(), to.into()]),
        )
        .all(self.db())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Entry {
                occurred_at: Timestamp::from_millis(r.occurred_at),
                category: r.category.as_deref().and_then(Category::parse),
                initiated_by: r.initiated_by.as_deref().and_then(InitiatedBy::parse),
                staff_role: r.staff_role.as_deref().and_then(StaffRole::parse),
                actions: serde_json::from_str::<Vec<String>>(&r.actions)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|a| ActionTaken::parse(a))
                    .collect(),
            })
            .collect())
    }
}
