//! The record projection, derived from a record's documents by client-core
//! (flags, reporting categories) for the store's searchable rows, and its
//! re-derivation at start for rows of an older `PROJECTION`.

use crate::store::StoreError;
use crate::store::documents::StoredDoc;
use crate::sync::Domain;
use client_core::document::{Account, DocId, Document, Restricted, actor_id, join};
use client_core::projection::row;
use client_core::record::Record;
use client_core::{DeviceId, DocKind, Timestamp, UserId};

/// The record held by an account document and, if present, its restricted part.
pub(crate) fn record_of(
    account: &Document,
    restricted: Option<&Document>,
) -> Result<Record, String> {
    let a: Account = account.read().map_err(|e| e.to_string())?;
    let r = match restricted {
        Some(x) if !x.is_empty() => Some(x.read::<Restricted>().map_err(|e| e.to_string())?),
        _ => None,
    };
    Ok(join(a, r.as_ref()))
}

/// Re-derives the projection of records written under an older
/// `PROJECTION` from their documents, in batches; returns how many. Runs at
/// start, before the server answers, so queries never mix versions.
pub async fn reproject(state: Domain<'_>, now: Timestamp) -> Result<u64, StoreError> {
    let server = actor_id(UserId::from_u128(0), DeviceId::from_u128(0));
    let mut done = 0;
    loop {
        let ids = state.store.stale_records(200).await?;
        if ids.is_empty() {
            return Ok(done);
        }
        let wanted: Vec<DocId> = ids
            .iter()
            .flat_map(|r| {
                [DocKind::Account, DocKind::Restricted].map(|kind| DocId { record: *r, kind })
            })
            .collect();
        let mut found = state.store.documents(state.store.db(), &wanted).await?;
        let tx = state.store.begin_write().await?;
        // Kept in the row, not derivable from the documents: re-deriving
        // never moves it (migration 9 backfilled the rows written before).
        let first = state.store.received_submitted(&tx.tx, &ids).await?;
        let row = |r: &Record, t: Option<&i64>| row(r, now, t.map(|t| Timestamp::from_millis(*t)));
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            let load = |s: StoredDoc| Document::load(s.id, &s.snapshot, server.clone());
            let account = found.remove(&DocId {
                record: id,
                kind: DocKind::Account,
            });
            let restricted = found.remove(&DocId {
                record: id,
                kind: DocKind::Restricted,
            });
            let (Some(account), restricted) = (account, restricted) else {
                return Err(StoreError::Damaged(format!(
                    "record {id} has no account document"
                )));
            };
            let account = load(account).map_err(|e| StoreError::Damaged(e.to_string()))?;
            let restricted = restricted
                .map(load)
                .transpose()
                .map_err(|e| StoreError::Damaged(e.to_string()))?;
            let record = record_of(&account, restricted.as_ref()).map_err(StoreError::Damaged)?;
            rows.push(row(&record, first.get(&id)));
            done += 1;
        }
        state
            .store
            .save_record_rows(&tx.tx, &rows, now.millis())
            .await?;
        tx.commit().await?;
    }
}
