//! The SRO activity profile's rows (`client_core::activity`): one school's
//! submitted involvements in a window, the record columns it counts by and
//! nothing else; no student column is touched.

use super::{Store, StoreError};
use client_core::activity::Entry;
use client_core::vocabulary::{ActionTaken, Category, InitiatedBy, StaffRole};
use client_core::{SchoolId, Timestamp, UserId};
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
    /// One school's submitted involvements in `[from, to)`, of `officers`
    /// only when given. A value the vocabulary no longer has counts as not
    /// recorded.
    pub async fn activity(
        &self,
        school: SchoolId,
        from: i64,
        to: i64,
        officers: Option<&[UserId]>,
    ) -> Result<Vec<Entry>, StoreError> {
        let mut sql =
            "SELECT occurred_at, category, initiated_by, staff_role, actions FROM records \
             WHERE status = 'submitted' AND school_id = ? AND occurred_at >= ? AND occurred_at < ?"
                .to_string();
        let mut values = vec![school.0.into(), from.into(), to.into()];
        if let Some(officers) = officers {
            if officers.is_empty() {
                return Ok(Vec::new());
            }
            let marks = vec!["?"; officers.len()].join(", ");
            sql.push_str(&format!(" AND officer_id IN ({marks})"));
            values.extend(officers.iter().map(|o| o.0.into()));
        }
        let rows = Row::find_by_statement(self.statement(&sql, values))
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
