//! The change log, each document's latest snapshot, and the record
//! projection that queries read. All three are written in one transaction.

use super::entity::{change, document, record, record_student};
pub use super::projection::{PROJECTION, RecordRow, StudentRow};
use super::{Store, StoreError};
use client_core::document::DocId;
use client_core::{DocKind, RecordId, SchoolId, UserId};
use sea_orm::sea_query::{Expr, Func, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// A document as the server holds it.
#[derive(Clone, Debug)]
pub struct StoredDoc {
    pub id: DocId,
    pub officer: UserId,
    pub school: SchoolId,
    pub snapshot: Vec<u8>,
    /// Which history the log holds (`client_core::redaction`).
    pub generation: u32,
}

/// One accepted change, ready to append.
#[derive(Clone, Debug)]
pub struct NewChange {
    pub hash: [u8; 32],
    pub bytes: Vec<u8>,
    pub author: UserId,
}

/// Who reaches what is the core's (`client_core::reach`); the store turns
/// it into SQL.
pub use client_core::reach::{PullFilter, Reach};

#[derive(Clone, Debug)]
pub struct Pulled {
    pub doc: DocId,
    pub generation: u32,
    pub bytes: Vec<u8>,
}

fn damaged(what: impl std::fmt::Display) -> StoreError {
    StoreError::Damaged(what.to_string())
}

fn to_doc(m: document::Model) -> Result<StoredDoc, StoreError> {
    Ok(StoredDoc {
        id: m.doc_id.parse().map_err(damaged)?,
        officer: UserId(m.officer_id),
        school: SchoolId(m.school_id),
        snapshot: m.snapshot,
        generation: m.generation.max(0) as u32,
    })
}

impl Store {
    pub async fn documents(
        &self,
        conn: &impl ConnectionTrait,
        ids: &[DocId],
    ) -> Result<HashMap<DocId, StoredDoc>, StoreError> {
        let keys: Vec<String> = ids.iter().map(|d| d.to_string()).collect();
        let mut out = HashMap::new();
        for chunk in keys.chunks(500) {
            for m in document::Entity::find()
                .filter(document::Column::DocId.is_in(chunk.iter().cloned()))
                .all(conn)
                .await?
            {
                let d = to_doc(m)?;
                out.insert(d.id, d);
            }
        }
        Ok(out)
    }

    pub async fn document(&self, id: DocId) -> Result<Option<StoredDoc>, StoreError> {
        document::Entity::find_by_id(id.to_string())
            .one(self.db())
            .await?
            .map(to_doc)
            .transpose()
    }

    /// Which of `hashes` the log already holds for `doc` (the dedupe key).
    pub async fn known_hashes(
        &self,
        conn: &impl ConnectionTrait,
        doc: DocId,
        hashes: &[[u8; 32]],
    ) -> Result<HashSet<[u8; 32]>, StoreError> {
        let mut out = HashSet::new();
        for chunk in hashes.chunks(500) {
            let rows = change::Entity::find()
                .select_only()
                .column(change::Column::Hash)
                .filter(change::Column::DocId.eq(doc.to_string()))
                .filter(change::Column::Hash.is_in(chunk.iter().map(|h| h.to_vec())))
                .into_tuple::<Vec<u8>>()
                .all(conn)
                .await?;
            for h in rows {
                out.insert(
                    h.try_into()
                        .map_err(|_| damaged("a change hash is not 32 bytes"))?,
                );
            }
        }
        Ok(out)
    }

    /// Appends changes and replaces the snapshot of each document (each
    /// at most once), in the caller's transaction: a few statements for the
    /// whole of a sync request.
    pub async fn append(
        &self,
        conn: &impl ConnectionTrait,
        docs: Vec<(StoredDoc, Vec<NewChange>)>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut rows = Vec::new();
        let mut snapshots = Vec::with_capacity(docs.len());
        for (doc, changes) in docs {
            rows.extend(changes.into_iter().map(|c| change_model(&doc, c, now)));
            snapshots.push(snapshot_model(doc, now));
        }
        // Ten columns a row: well inside SQLite's 32,766 variables.
        for chunk in rows.chunks(1000) {
            change::Entity::insert_many(chunk.to_vec())
                .exec(conn)
                .await?;
        }
        for chunk in snapshots.chunks(500) {
            document::Entity::insert_many(chunk.to_vec())
                .on_conflict(snapshot_conflict())
                .exec(conn)
                .await?;
        }
        Ok(())
    }

    /// Replaces `doc`'s change log with its next generation (`doc` carries
    /// the new snapshot and generation), in the caller's transaction: the
    /// older changes leave the log for good. The new changes keep the
    /// earliest receipt of those they replace. (Lateness and the school
    /// years rest on `records.received_submitted_at`, which a redaction
    /// does not touch.)
    pub async fn replace_history(
        &self,
        conn: &impl ConnectionTrait,
        doc: &StoredDoc,
        changes: Vec<NewChange>,
        now: i64,
    ) -> Result<(), StoreError> {
        let first: Option<i64> = change::Entity::find()
            .select_only()
            .column_as(
                Expr::from(Func::min(Expr::col(change::Column::ReceivedAt))),
                "first",
            )
            .filter(change::Column::DocId.eq(doc.id.to_string()))
            .into_tuple::<Option<i64>>()
            .one(conn)
            .await?
            .flatten();
        change::Entity::delete_many()
            .filter(change::Column::DocId.eq(doc.id.to_string()))
            .exec(conn)
            .await?;
        insert_changes(conn, doc, changes, first.unwrap_or(now)).await?;
        put_snapshot(conn, doc, now).await
    }

    /// Every change the log holds of `doc` (its current generation), oldest
    /// first.
    pub async fn changes_of(&self, doc: DocId) -> Result<Vec<Pulled>, StoreError> {
        let rows = change::Entity::find()
            .select_only()
            .columns([change::Column::Bytes, change::Column::Generation])
            .filter(change::Column::DocId.eq(doc.to_string()))
            .order_by_asc(change::Column::Seq)
            .into_tuple::<(Vec<u8>, i32)>()
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(bytes, generation)| Pulled {
                doc,
                generation: generation.max(0) as u32,
                bytes,
            })
            .collect())
    }

    /// Changes after `cursor` that `filter` admits, oldest first, at most
    /// `limit`, leaving out those whose hash is in `skip` (the reader sent
    /// them). Returns them, the new cursor, and whether more are waiting.
    ///
    /// Writers append under the global write lock, so sequence numbers
    /// become visible in order: every number up to the maximum read first
    /// is committed, and a reader can never step past a change that commits
    /// later with a smaller number.
    pub async fn pull(
        &self,
        filter: &PullFilter,
        cursor: i64,
        limit: u64,
        skip: &HashSet<[u8; 32]>,
        window: i64,
    ) -> Result<(Vec<Pulled>, i64, bool), StoreError> {
        let high: Option<i64> = change::Entity::find()
            .select_only()
            .column_as(Expr::from(Func::max(Expr::col(change::Column::Seq))), "m")
            .into_tuple::<Option<i64>>()
            .one(self.db())
            .await?
            .flatten();
        let high = high.unwrap_or(0).max(cursor);
        if filter.clauses.is_empty() || high == cursor {
            return Ok((Vec::new(), high, false));
        }
        let mut any = Condition::any();
        for (kind, reach) in &filter.clauses {
            let mut c = Condition::all().add(change::Column::Kind.eq(kind.as_str()));
            c = match reach {
                Reach::Officers(ids) => {
                    c.add(change::Column::OfficerId.is_in(ids.iter().map(|u| u.0)))
                }
                Reach::Schools(ids) => {
                    c.add(change::Column::SchoolId.is_in(ids.iter().map(|s| s.0)))
                }
                Reach::Everywhere => c,
            };
            any = any.add(c);
        }
        let rows = change::Entity::find()
            .select_only()
            .columns([
                change::Column::Seq,
                change::Column::DocId,
                change::Column::Hash,
                change::Column::Bytes,
                change::Column::Generation,
            ])
            .filter(change::Column::Seq.gt(cursor))
            .filter(change::Column::Seq.lte(high))
            .filter(any)
            // Retention (issue 15): devices hold drafts and records of the
            // window only, so nothing older travels.
            .filter(
                change::Column::RecordId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(record::Column::RecordId)
                        .from(record::Entity)
                        .cond_where(
                            Condition::any()
                                .add(record::Column::OccurredAt.gte(window))
                                .add(record::Column::Status.eq("draft")),
                        )
                        .to_owned(),
                ),
            )
            .order_by_asc(change::Column::Seq)
            .limit(limit + 1)
            .into_tuple::<(i64, String, Vec<u8>, Vec<u8>, i32)>()
            .all(self.db())
            .await?;
        let more = rows.len() as u64 > limit;
        let mut out = Vec::with_capacity(rows.len());
        let mut last = high;
        for (seq, doc, hash, bytes, generation) in rows.into_iter().take(limit as usize) {
            last = seq;
            if <[u8; 32]>::try_from(hash.as_slice()).is_ok_and(|h| skip.contains(&h)) {
                continue;
            }
            out.push(Pulled {
                doc: doc.parse().map_err(damaged)?,
                generation: generation.max(0) as u32,
                bytes,
            });
        }
        Ok((out, if more { last } else { high }, more))
    }

    /// Records of `officers` that occurred in `[from, to)` and that the
    /// projection puts in the review queue, oldest first. Periods are date
    /// ranges read from the agency's calendar at query time, so changing the
    /// calendar re-sorts every record without rewriting one.
    pub async fn queue_ids(
        &self,
        officers: &[UserId],
        from: i64,
        to: i64,
    ) -> Result<Vec<RecordId>, StoreError> {
        if officers.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<uuid::Uuid> = record::Entity::find()
            .select_only()
            .column(record::Column::RecordId)
            .filter(record::Column::OfficerId.is_in(officers.iter().map(|o| o.0)))
            .filter(record::Column::OccurredAt.gte(from))
            .filter(record::Column::OccurredAt.lt(to))
            .filter(record::Column::NeedsReview.eq(true))
            .order_by_asc(record::Column::OccurredAt)
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(ids.into_iter().map(RecordId).collect())
    }

    /// The account and review documents of `ids`, in that order (the caller
    /// decides queue membership again on its own view).
    pub async fn queue_documents(
        &self,
        ids: &[RecordId],
    ) -> Result<Vec<(StoredDoc, Option<StoredDoc>)>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(250) {
            let docs: Vec<DocId> = chunk
                .iter()
                .flat_map(|r| {
                    [DocKind::Account, DocKind::Review].map(|kind| DocId { record: *r, kind })
                })
                .collect();
            let mut found = self.documents(self.db(), &docs).await?;
            out.extend(chunk.iter().filter_map(|&record| {
                let account = found.remove(&DocId {
                    record,
                    kind: DocKind::Account,
                })?;
                let review = found.remove(&DocId {
                    record,
                    kind: DocKind::Review,
                });
                Some((account, review))
            }));
        }
        Ok(out)
    }

    /// Each officer's submitted interactions in `[from, to)` and how many of
    /// their actions the officer-outlier rule counts, summed in SQL.
    pub async fn officer_action_counts(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<(UserId, u64, u64)>, StoreError> {
        let rows: Vec<(uuid::Uuid, i64, Option<i64>)> = record::Entity::find()
            .select_only()
            .column(record::Column::OfficerId)
            .column_as(
                Expr::from(Func::cast_as(
                    Func::count(Expr::col(record::Column::RecordId)),
                    sea_orm::sea_query::Alias::new("BIGINT"),
                )),
                "n",
            )
            .column_as(
                Expr::from(Func::cast_as(
                    Func::sum(Expr::col(record::Column::Enforcement)),
                    sea_orm::sea_query::Alias::new("BIGINT"),
                )),
                "k",
            )
            .filter(record::Column::OccurredAt.gte(from))
            .filter(record::Column::OccurredAt.lt(to))
            .filter(record::Column::Status.eq("submitted"))
            .group_by(record::Column::OfficerId)
            .order_by_asc(record::Column::OfficerId)
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(o, n, k)| (UserId(o), n.max(0) as u64, k.unwrap_or(0).max(0) as u64))
            .collect())
    }

    /// The student entries' keys of each record, for access-log entries.
    pub async fn student_keys(
        &self,
        records: &[RecordId],
    ) -> Result<HashMap<RecordId, Vec<uuid::Uuid>>, StoreError> {
        let mut out: HashMap<RecordId, Vec<uuid::Uuid>> = HashMap::new();
        for chunk in records.chunks(500) {
            let rows = record_student::Entity::find()
                .select_only()
                .columns([
                    record_student::Column::RecordId,
                    record_student::Column::StudentKey,
                ])
                .filter(record_student::Column::RecordId.is_in(chunk.iter().map(|r| r.0)))
                .distinct()
                .into_tuple::<(uuid::Uuid, Option<uuid::Uuid>)>()
                .all(self.db())
                .await?;
            for (record, key) in rows {
                if let Some(key) = key {
                    let keys = out.entry(RecordId(record)).or_default();
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Records whose projection is older than `PROJECTION`, at most `limit`.
    pub async fn stale_records(&self, limit: u64) -> Result<Vec<RecordId>, StoreError> {
        let ids: Vec<uuid::Uuid> = record::Entity::find()
            .select_only()
            .column(record::Column::RecordId)
            .filter(record::Column::Projection.lt(PROJECTION))
            .limit(limit)
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(ids.into_iter().map(RecordId).collect())
    }

    pub async fn record_row(&self, id: RecordId) -> Result<Option<record::Model>, StoreError> {
        Ok(record::Entity::find_by_id(id.0).one(self.db()).await?)
    }

    /// Record ids a list query may show, newest first, keyset-paginated.
    pub async fn list_records(
        &self,
        reach: &[Reach],
        school: Option<SchoolId>,
        from: Option<i64>,
        to: Option<i64>,
        before: Option<(i64, Uuid)>,
        limit: u64,
    ) -> Result<Vec<(RecordId, i64)>, StoreError> {
        let mut any = Condition::any();
        for r in reach {
            any =
                any.add(match r {
                    Reach::Officers(ids) => Condition::all()
                        .add(record::Column::OfficerId.is_in(ids.iter().map(|u| u.0))),
                    Reach::Schools(ids) => Condition::all()
                        .add(record::Column::SchoolId.is_in(ids.iter().map(|s| s.0))),
                    Reach::Everywhere => Condition::all(),
                });
        }
        if reach.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = record::Entity::find().filter(any);
        if let Some(s) = school {
            q = q.filter(record::Column::SchoolId.eq(s.0));
        }
        if let Some(f) = from {
            q = q.filter(record::Column::OccurredAt.gte(f));
        }
        if let Some(t) = to {
            q = q.filter(record::Column::OccurredAt.lt(t));
        }
        if let Some((at, id)) = before {
            q = q.filter(
                Condition::any().add(record::Column::OccurredAt.lt(at)).add(
                    Condition::all()
                        .add(record::Column::OccurredAt.eq(at))
                        .add(record::Column::RecordId.lt(id)),
                ),
            );
        }
        Ok(q.select_only()
            .columns([record::Column::RecordId, record::Column::OccurredAt])
            .order_by_desc(record::Column::OccurredAt)
            .order_by_desc(record::Column::RecordId)
            .limit(limit)
            .into_tuple::<(Uuid, i64)>()
            .all(self.db())
            .await?
            .into_iter()
            .map(|(id, at)| (RecordId(id), at))
            .collect())
    }
}

fn change_model(doc: &StoredDoc, c: NewChange, received_at: i64) -> change::ActiveModel {
    change::ActiveModel {
        doc_id: Set(doc.id.to_string()),
        record_id: Set(doc.id.record.0),
        kind: Set(doc.id.kind.as_str().to_owned()),
        officer_id: Set(doc.officer.0),
        school_id: Set(doc.school.0),
        hash: Set(c.hash.to_vec()),
        bytes: Set(c.bytes),
        author: Set(c.author.0),
        received_at: Set(received_at),
        generation: Set(doc.generation as i32),
        ..Default::default()
    }
}

async fn insert_changes(
    conn: &impl ConnectionTrait,
    doc: &StoredDoc,
    changes: Vec<NewChange>,
    received_at: i64,
) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let rows = changes
        .into_iter()
        .map(|c| change_model(doc, c, received_at));
    change::Entity::insert_many(rows).exec(conn).await?;
    Ok(())
}

fn snapshot_model(doc: StoredDoc, now: i64) -> document::ActiveModel {
    document::ActiveModel {
        doc_id: Set(doc.id.to_string()),
        record_id: Set(doc.id.record.0),
        kind: Set(doc.id.kind.as_str().to_owned()),
        officer_id: Set(doc.officer.0),
        school_id: Set(doc.school.0),
        snapshot: Set(doc.snapshot),
        updated_at: Set(now),
        generation: Set(doc.generation as i32),
    }
}

fn snapshot_conflict() -> OnConflict {
    OnConflict::column(document::Column::DocId)
        .update_columns([
            document::Column::Snapshot,
            document::Column::UpdatedAt,
            document::Column::Generation,
        ])
        .to_owned()
}

async fn put_snapshot(
    conn: &impl ConnectionTrait,
    doc: &StoredDoc,
    now: i64,
) -> Result<(), StoreError> {
    document::Entity::insert(snapshot_model(doc.clone(), now))
        .on_conflict(snapshot_conflict())
        .exec(conn)
        .await?;
    Ok(())
}
