//! The sync use case: load what the server holds of the pushed records,
//! have client-core judge the push (`client_core::push`: every refusal is
//! decided there), store the verdicts in one transaction, and answer with
//! what the caller lacks since its cursor.

use crate::store::StoreError;
use crate::store::audit::Entry;
use crate::store::documents::{NewChange, StoredDoc};
use client_core::access::{Actor, Policy};
use client_core::document::DocId;
use client_core::push::{Context, Held, Verdicts, judge};
use client_core::reach::pull_filter;
use client_core::sync::{
    Cursor, DocChanges, PROTOCOL_VERSION, RefusalCode, SyncRequest, SyncResponse,
};
use client_core::{DocKind, RecordId, Timestamp};
use sea_orm::ConnectionTrait;
use std::collections::{HashMap, HashSet};

/// What the sync use case needs: storage and the policy.
#[derive(Clone, Copy, Debug)]
pub struct Domain<'a> {
    pub store: &'a crate::store::Store,
    pub policy: &'a Policy,
}

/// What a sync round did, for metrics and the access log.
#[derive(Debug)]
pub struct Outcome {
    pub response: SyncResponse,
    pub accepted_changes: usize,
    pub pulled_changes: usize,
    pub log: Vec<Entry>,
}

pub async fn sync(
    state: Domain<'_>,
    actor: &Actor,
    request: SyncRequest,
    now: Timestamp,
) -> Result<Outcome, StoreError> {
    let store = state.store;
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    let mut accepted_changes = 0;
    // The changes this request stored: the device has them, so the pull
    // below does not send them back (an upload would otherwise cost its
    // bytes twice).
    let mut echo: HashSet<[u8; 32]> = HashSet::new();
    if !request.push.is_empty() {
        let w = store.begin_write().await?;
        let (verdicts, stored) = push(state, &w.tx, actor, request.push, now).await?;
        echo.extend(stored);
        accepted_changes = echo.len();
        for r in &verdicts.refused {
            tracing::info!(doc = %r.doc, code = %r.code, "sync push refused");
        }
        accepted = verdicts.accepted;
        refused = verdicts.refused;
        w.commit().await?;
    }

    let filter = pull_filter(state.policy, actor);
    let retention = store.device_retention_periods().await?;
    let stamp = filter.stamp(retention.into());
    let window = client_core::retention::window_start(&store.calendar().await?, now, retention);
    let (pulled, next, more) = match Cursor::resume(request.cursor, stamp) {
        Some(from) => {
            let (pulled, next, more) = store
                .pull(
                    &filter,
                    from as i64,
                    client_core::sync::MAX_PULL_CHANGES as u64,
                    &echo,
                    window.millis(),
                )
                .await?;
            let next = Cursor::at(next.max(0) as u64, stamp).ok_or_else(|| {
                StoreError::Damaged("the change log is past what a cursor can say".into())
            })?;
            (pulled, next, more)
        }
        None => (Vec::new(), Cursor::END, false),
    };
    // A device told its history was redacted gets the new generation now,
    // whatever its cursor or window: it carries its edits over at once.
    let mut pulled = pulled;
    let superseded: HashSet<DocId> = refused
        .iter()
        .filter(|r| r.code == RefusalCode::Superseded)
        .map(|r| r.doc)
        .collect();
    let in_pull: HashSet<DocId> = pulled.iter().map(|p| p.doc).collect();
    for doc in superseded.difference(&in_pull) {
        // Only to a caller who may pull that document: writing one (all a
        // push is judged on) is not reading it.
        let Some(row) = store.record_row(doc.record).await? else {
            continue;
        };
        let facts = client_core::RecordFacts {
            officer: client_core::UserId(row.officer_id),
            school: client_core::SchoolId(row.school_id),
        };
        if state
            .policy
            .decide(
                actor,
                Some(&facts),
                client_core::access::Action::sync_read(doc.kind),
            )
            .is_allowed()
        {
            pulled.extend(store.changes_of(*doc).await?);
        }
    }
    let pulled_changes = pulled.len();
    let mut groups: Vec<DocChanges> = Vec::new();
    let mut index: HashMap<DocId, usize> = HashMap::new();
    for p in pulled {
        let i = *index.entry(p.doc).or_insert_with(|| {
            groups.push(DocChanges {
                doc: p.doc,
                generation: p.generation,
                changes: Vec::new(),
            });
            groups.len() - 1
        });
        groups[i].changes.push(p.bytes);
    }
    // Review documents are logged too: their notes are free text.
    let disclosed: Vec<client_core::RecordId> = groups.iter().map(|g| g.doc.record).collect();
    let keys = store.student_keys(&disclosed).await?;
    let log = groups
        .iter()
        .map(|g| Entry {
            at: now.millis(),
            user: Some(actor.user),
            role: Some(actor.role),
            event: "sync_pull".into(),
            record: Some(g.doc.record),
            // Whose entries were disclosed, by record-local key (as for reads).
            student_refs: keys
                .get(&g.doc.record)
                .into_iter()
                .flatten()
                .map(|k| format!("{}/{k}", g.doc.record))
                .collect(),
            // A pull ships the document's history: every field it can hold.
            fields: client_core::fields::in_document(g.doc.kind)
                .into_iter()
                .map(String::from)
                .collect(),
            endpoint: "POST /api/v1/sync".into(),
            purpose: "device sync".into(),
        })
        .collect();
    Ok(Outcome {
        response: SyncResponse {
            version: PROTOCOL_VERSION,
            cursor: next,
            accepted,
            refused,
            pull: groups,
            more,
            retain_from: Some(window.millis()),
        },
        accepted_changes,
        pulled_changes,
        log,
    })
}

/// Loads what the server holds of the pushed records, has client-core
/// judge the push, and stores its verdicts in the caller's transaction.
async fn push(
    state: Domain<'_>,
    conn: &impl ConnectionTrait,
    actor: &Actor,
    push: Vec<DocChanges>,
    now: Timestamp,
) -> Result<(Verdicts, Vec<[u8; 32]>), StoreError> {
    let store = state.store;
    let mut records: Vec<RecordId> = push.iter().map(|d| d.doc.record).collect();
    records.sort();
    records.dedup();
    let ids: Vec<DocId> = records
        .iter()
        .flat_map(|r| {
            DocKind::ALL.iter().map(|kind| DocId {
                record: *r,
                kind: *kind,
            })
        })
        .collect();
    let held = store
        .documents(conn, &ids)
        .await?
        .into_iter()
        .map(|(id, s)| {
            let h = Held {
                officer: s.officer,
                school: s.school,
                snapshot: s.snapshot,
                generation: s.generation,
            };
            (id, h)
        })
        .collect();
    let first_submitted = store
        .received_submitted(conn, &records)
        .await?
        .into_iter()
        .map(|(r, t)| (r, Timestamp::from_millis(t)))
        .collect();
    let cx = Context {
        policy: state.policy,
        actor,
        now,
        rules_adopted_at: store.rules_adopted_at(),
        first_submitted: &first_submitted,
    };
    let mut verdicts = judge(cx, held, push).map_err(|e| StoreError::Damaged(e.to_string()))?;
    store
        .save_record_rows(conn, &verdicts.rows, now.millis())
        .await?;
    let echo: Vec<[u8; 32]> = verdicts.stored_hashes().collect();
    let writes = std::mem::take(&mut verdicts.writes)
        .into_iter()
        .map(|w| {
            let doc = StoredDoc {
                id: w.doc,
                officer: w.officer,
                school: w.school,
                snapshot: w.snapshot,
                generation: w.generation,
            };
            let changes = w
                .changes
                .into_iter()
                .map(|c| NewChange {
                    hash: c.hash,
                    bytes: c.bytes,
                    author: actor.user,
                })
                .collect();
            (doc, changes)
        })
        .collect();
    store.append(conn, writes, now.millis()).await?;
    // Webhooks, in this transaction: an event is kept iff its change is.
    let mut orgs = HashMap::new();
    let mut events = Vec::with_capacity(verdicts.events.len());
    for e in &verdicts.events {
        let org = match orgs.get(&e.officer) {
            Some(org) => *org,
            None => {
                let org = crate::store::webhooks::org_of_in(conn, e.officer).await?;
                *orgs.entry(e.officer).or_insert(org)
            }
        };
        let data = match e.review {
            Some(review) => serde_json::json!({"record_id": e.record, "review_id": review}),
            None => serde_json::json!({"record_id": e.record}),
        };
        events.push((e.kind, org, crate::webhooks::payload(e.kind, data, now)));
    }
    crate::store::webhooks::enqueue_many_in(conn, &events, now.millis()).await?;
    Ok((verdicts, echo))
}
