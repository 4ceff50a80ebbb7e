//! The access log: append-only, each entry hashing the one before it, so a
//! changed, removed or reordered entry breaks the chain at a findable place
//! (FERPA's record of disclosures, 34 CFR 99.32, is the model).

use super::entity::access_log;
use super::{Store, StoreError};
use client_core::{RecordId, Role, UserId};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// One access-log entry as written.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub at: i64,
    #[schema(value_type = Option<String>)]
    pub user: Option<UserId>,
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
    /// What happened: `read_record`, `login_failed`, `sync_pull`, ...
    pub event: String,
    #[schema(value_type = Option<String>)]
    pub record: Option<RecordId>,
    /// Student entries disclosed, as `record/student-key` (never the
    /// student's own number).
    pub student_refs: Vec<String>,
    /// Field groups disclosed.
    pub fields: Vec<String>,
    pub endpoint: String,
    pub purpose: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LoggedEntry {
    pub seq: i64,
    #[serde(flatten)]
    pub entry: Entry,
    pub hash: String,
}

/// Where the chain first breaks, if it does.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Verification {
    pub ok: bool,
    pub entries: u64,
    pub broken_at: Option<i64>,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn chain_hash(prev: &str, e: &Entry) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(serde_json::to_vec(e).unwrap_or_default());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn to_entry(m: &access_log::Model) -> Entry {
    let list = |s: &str| serde_json::from_str::<Vec<String>>(s).unwrap_or_default();
    Entry {
        at: m.at,
        user: m.user_id.map(UserId),
        role: m.role.as_deref().and_then(Role::parse),
        event: m.event.clone(),
        record: m.record_id.map(RecordId),
        student_refs: list(&m.student_refs),
        fields: list(&m.fields),
        endpoint: m.endpoint.clone(),
        purpose: m.purpose.clone(),
    }
}

impl Store {
    /// Appends entries in order, extending the hash chain.
    pub async fn log_access(&self, entries: &[Entry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let w = self.begin_write().await?;
        let mut prev = access_log::Entity::find()
            .select_only()
            .column(access_log::Column::Hash)
            .order_by_desc(access_log::Column::Seq)
            .limit(1)
            .into_tuple::<String>()
            .one(&w.tx)
            .await?
            .unwrap_or_else(|| GENESIS.to_owned());
        let mut rows = Vec::with_capacity(entries.len());
        for e in entries {
            let hash = chain_hash(&prev, e);
            rows.push(access_log::ActiveModel {
                at: Set(e.at),
                user_id: Set(e.user.map(|u| u.0)),
                role: Set(e.role.map(|r| r.as_str().to_owned())),
                event: Set(e.event.clone()),
                record_id: Set(e.record.map(|r| r.0)),
                student_refs: Set(serde_json::to_string(&e.student_refs).unwrap_or_default()),
                fields: Set(serde_json::to_string(&e.fields).unwrap_or_default()),
                endpoint: Set(e.endpoint.clone()),
                purpose: Set(e.purpose.clone()),
                prev_hash: Set(prev.clone()),
                hash: Set(hash.clone()),
                ..Default::default()
            });
            prev = hash;
        }
        // Inserted in order, in batches: the sequence follows the chain.
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let batch: Vec<_> = rows.by_ref().take(500).collect();
            access_log::Entity::insert_many(batch).exec(&w.tx).await?;
        }
        w.commit().await
    }

    pub async fn access_log(
        &self,
        from: Option<i64>,
        to: Option<i64>,
        after_seq: i64,
        limit: u64,
    ) -> Result<Vec<LoggedEntry>, StoreError> {
        let mut q = access_log::Entity::find().filter(access_log::Column::Seq.gt(after_seq));
        if let Some(f) = from {
            q = q.filter(access_log::Column::At.gte(f));
        }
        if let Some(t) = to {
            q = q.filter(access_log::Column::At.lt(t));
        }
        Ok(q.order_by_asc(access_log::Column::Seq)
            .limit(limit)
            .all(self.db())
            .await?
            .iter()
            .map(|m| LoggedEntry {
                seq: m.seq,
                entry: to_entry(m),
                hash: m.hash.clone(),
            })
            .collect())
    }

    /// Recomputes the chain from the start, in pages.
    pub async fn verify_access_log(&self) -> Result<Verification, StoreError> {
        let mut prev = GENESIS.to_owned();
        let mut after = 0;
        let mut n = 0;
        loop {
            let page = access_log::Entity::find()
                .filter(access_log::Column::Seq.gt(after))
                .order_by_asc(access_log::Column::Seq)
                .limit(2000)
                .all(self.db())
                .await?;
            if page.is_empty() {
                return Ok(Verification {
                    ok: true,
                    entries: n,
                    broken_at: None,
                });
            }
            for m in &page {
                if m.prev_hash != prev || chain_hash(&prev, &to_entry(m)) != m.hash {
                    return Ok(Verification {
                        ok: false,
                        entries: n,
                        broken_at: Some(m.seq),
                    });
                }
                prev = m.hash.clone();
                after = m.seq;
                n += 1;
            }
        }
    }
}
