//! Reading the access log for an auditor: a page of entries, narrowed by
//! time, user, record and event, each naming its user by username. Writing
//! and verifying the chain stay in `audit`.

use super::audit::to_entry;
use super::entity::{access_log, user};
use super::{Store, StoreError};
use client_core::{RecordId, Role, Timestamp, UserId};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::HashMap;

/// Which entries an auditor asked for; every part narrows.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Inclusive, ms.
    pub from: Option<i64>,
    /// Exclusive, ms.
    pub to: Option<i64>,
    /// Entries after this sequence number (paging).
    pub after: i64,
    pub user: Option<UserId>,
    pub record: Option<RecordId>,
    pub event: Option<String>,
    /// Entries that disclosed this student entry (its key, never a number).
    pub student: Option<uuid::Uuid>,
}

/// One entry as an auditor reads it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ListedEntry {
    pub seq: i64,
    /// RFC 3339.
    #[schema(value_type = String)]
    pub at: Timestamp,
    #[schema(value_type = Option<String>)]
    pub user: Option<UserId>,
    /// The user's name now, beside the id the entry was written with.
    pub username: Option<String>,
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
    /// What happened: `read_record`, `login_failed`, `sync_pull`, ...
    pub event: String,
    #[schema(value_type = Option<String>)]
    pub record: Option<RecordId>,
    /// Student entries disclosed, as `record/student-key`.
    pub student_refs: Vec<String>,
    /// Fields disclosed, as client-core's `fields::FIELDS` names them.
    pub fields: Vec<String>,
    pub endpoint: String,
    pub purpose: String,
    pub hash: String,
}

impl Store {
    /// Up to `limit` entries matching `f`, oldest first.
    pub async fn access_log(
        &self,
        f: &AuditFilter,
        limit: u64,
    ) -> Result<Vec<ListedEntry>, StoreError> {
        let mut q = access_log::Entity::find().filter(access_log::Column::Seq.gt(f.after));
        if let Some(t) = f.from {
            q = q.filter(access_log::Column::At.gte(t));
        }
        if let Some(t) = f.to {
            q = q.filter(access_log::Column::At.lt(t));
        }
        if let Some(u) = f.user {
            q = q.filter(access_log::Column::UserId.eq(u.0));
        }
        if let Some(r) = f.record {
            q = q.filter(access_log::Column::RecordId.eq(r.0));
        }
        if let Some(e) = &f.event {
            q = q.filter(access_log::Column::Event.eq(e.as_str()));
        }
        if let Some(k) = f.student {
            // `record/key` inside a JSON list; a UUID has no LIKE wildcards.
            q = q.filter(access_log::Column::StudentRefs.contains(format!("/{k}\"")));
        }
        let rows = q
            .order_by_asc(access_log::Column::Seq)
            .limit(limit)
            .all(self.db())
            .await?;
        let mut ids: Vec<uuid::Uuid> = rows.iter().filter_map(|m| m.user_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let names: HashMap<uuid::Uuid, String> = if ids.is_empty() {
            HashMap::new()
        } else {
            user::Entity::find()
                .filter(user::Column::Id.is_in(ids))
                .all(self.db())
                .await?
                .into_iter()
                .map(|u| (u.id, u.username))
                .collect()
        };
        Ok(rows
            .iter()
            .map(|m| {
                let e = to_entry(m);
                ListedEntry {
                    seq: m.seq,
                    at: Timestamp::from_millis(e.at),
                    username: m.user_id.and_then(|id| names.get(&id).cloned()),
                    user: e.user,
                    role: e.role,
                    event: e.event,
                    record: e.record,
                    student_refs: e.student_refs,
                    fields: e.fields,
                    endpoint: e.endpoint,
                    purpose: e.purpose,
                    hash: m.hash.clone(),
                }
            })
            .collect())
    }
}
