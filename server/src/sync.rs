//! The sync use case: take many documents' changes in one request, check
//! each document against the policy and the record rules, store what passes
//! in one transaction, and answer with what the caller lacks since its cursor.
//! The record projection derived from the documents is `projection.rs`.
//!
//! The server judges the state a document reaches, not each change: a
//! document is accepted only if, with the pushed changes applied, it still
//! belongs to the same officer and school, the caller may write it, every
//! change is authored by the caller, and the record is valid for its status.

use crate::projection::{record_of, record_row};
use crate::store::StoreError;
use crate::store::audit::Entry;
use crate::store::documents::{NewChange, PullFilter, Reach, StoredDoc};
use automerge::Change;
use client_core::access::{Action, Actor, Decision, Policy, RecordFacts, Scope};
use client_core::document::{Account, DocId, Document, actor_id, actor_user};
use client_core::partition;
use client_core::review::Reviews;
use client_core::sync::{
    Accepted, DocChanges, PROTOCOL_VERSION, Refusal, RefusalCode, SyncRequest, SyncResponse,
    parse_changes, wire_hashes,
};
use client_core::{DeviceId, DocKind, Timestamp, UserId, rules};
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

fn refuse(
    doc: DocId,
    code: RefusalCode,
    reason: impl Into<String>,
    field: Option<String>,
) -> Refusal {
    Refusal {
        doc,
        code,
        reason: reason.into(),
        field,
    }
}

/// A record's other parts take their officer and school from its account.
fn account_first(doc: DocId) -> Refusal {
    refuse(
        doc,
        RefusalCode::MissingDependencies,
        "push the record's account first",
        None,
    )
}

fn unreadable(doc: DocId, e: impl std::fmt::Display) -> Refusal {
    refuse(
        doc,
        RefusalCode::Invalid,
        format!("the record cannot be read: {e}"),
        None,
    )
}

/// The officers and schools whose documents of each kind `actor` may pull,
/// from the same policy table `decide` reads.
pub fn pull_filter(policy: &Policy, actor: &Actor) -> PullFilter {
    let mut clauses = Vec::new();
    for kind in DocKind::ALL {
        for reach in reach(policy, actor, Action::sync_read(*kind)) {
            clauses.push((*kind, reach));
        }
    }
    PullFilter { clauses }
}

/// The records `actor` may do `action` to, as conditions the store turns
/// into SQL: the policy's grants for the role, bound to this actor.
pub fn reach(policy: &Policy, actor: &Actor, action: Action) -> Vec<Reach> {
    policy
        .scopes(actor.role, action)
        .into_iter()
        .map(|scope| match scope {
            Scope::OwnRecord => Reach::Officers(vec![actor.user]),
            Scope::SupervisedOfficer => Reach::Officers(actor.supervises.clone()),
            Scope::AssignedSchool => Reach::Schools(actor.schools.clone()),
            Scope::Anywhere => Reach::Everywhere,
        })
        .collect()
}

/// A server-side working copy of one document.
struct Working {
    doc: Document,
    stored: Option<StoredDoc>,
}

fn open(
    stored: Option<StoredDoc>,
    id: DocId,
    server: &automerge::ActorId,
) -> Result<Working, String> {
    let doc = match &stored {
        Some(s) => Document::load(id, &s.snapshot, server.clone()).map_err(|e| e.to_string())?,
        None => Document::new(id, server.clone()),
    };
    Ok(Working { doc, stored })
}

pub async fn sync(
    state: Domain<'_>,
    actor: &Actor,
    request: SyncRequest,
    now: Timestamp,
) -> Result<Outcome, StoreError> {
    let store = state.store;
    // The server never authors changes; this actor id only satisfies automerge.
    let server_actor = actor_id(UserId::from_u128(0), DeviceId::from_u128(0));
    let mut push = request.push;
    // Accounts first: the other parts take their officer and school from it.
    push.sort_by_key(|d| (d.doc.kind != DocKind::Account, d.doc));

    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    let mut accepted_changes = 0;
    // The changes this request stored: the device has them, so the pull
    // below does not send them back (an upload would otherwise cost its
    // bytes twice).
    let mut echo: HashSet<[u8; 32]> = HashSet::new();
    if !push.is_empty() {
        let w = store.begin_write().await?;
        let mut ids: Vec<DocId> = Vec::new();
        for d in &push {
            for kind in DocKind::ALL {
                ids.push(DocId {
                    record: d.doc.record,
                    kind: *kind,
                });
            }
        }
        ids.sort();
        ids.dedup();
        let mut stored = store.documents(&w.tx, &ids).await?;
        // The amendment rule compares with the record as it was before this
        // request, not after an earlier document of the same request.
        let original = stored.clone();
        for dc in push {
            match push_one(
                state,
                &w.tx,
                actor,
                &server_actor,
                &original,
                &mut stored,
                dc,
                now,
            )
            .await?
            {
                Ok((acc, hashes)) => {
                    accepted_changes += hashes.len();
                    echo.extend(hashes);
                    accepted.push(acc);
                }
                Err(r) => {
                    tracing::info!(doc = %r.doc, code = %r.code, "sync push refused");
                    refused.push(r);
                }
            }
        }
        w.commit().await?;
    }

    let filter = pull_filter(state.policy, actor);
    let cursor = request.cursor.map(|c| c.0 as i64).unwrap_or(0);
    let window = client_core::retention::window_start(
        &store.calendar().await?,
        now,
        store.device_retention_periods().await?,
    );
    let (pulled, next, more) = store
        .pull(
            &filter,
            cursor,
            client_core::sync::MAX_PULL_CHANGES as u64,
            &echo,
            window.millis(),
        )
        .await?;
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
        pulled.extend(store.changes_of(*doc).await?);
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
            cursor: client_core::sync::Cursor(next.max(0) as u64),
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

/// Checks and stores one pushed document. `Ok(Err(_))` is a refusal: nothing
/// of the document is stored and the rest of the request goes on.
#[allow(clippy::too_many_arguments)]
async fn push_one(
    state: Domain<'_>,
    conn: &impl ConnectionTrait,
    actor: &Actor,
    server_actor: &automerge::ActorId,
    original: &HashMap<DocId, StoredDoc>,
    stored: &mut HashMap<DocId, StoredDoc>,
    dc: DocChanges,
    now: Timestamp,
) -> Result<Result<(Accepted, Vec<[u8; 32]>), Refusal>, StoreError> {
    let (store, policy) = (state.store, state.policy);
    let id = dc.doc;
    let size: usize = dc.changes.iter().map(Vec::len).sum();
    if size > client_core::document::MAX_DOC_BYTES {
        return Ok(Err(refuse(
            id,
            RefusalCode::TooLarge,
            "the document's changes are too large",
            None,
        )));
    }
    let changes: Vec<Change> = match parse_changes(&dc.changes) {
        Ok(c) => c,
        Err(_) => {
            return Ok(Err(refuse(
                id,
                RefusalCode::Corrupt,
                "the changes could not be read",
                None,
            )));
        }
    };
    if changes
        .iter()
        .any(|c| actor_user(c.actor_id()) != Some(actor.user))
    {
        return Ok(Err(refuse(
            id,
            RefusalCode::ForgedActor,
            "changes must be authored by the signed-in user",
            None,
        )));
    }
    // Permission first when the record is known: a push onto a document the
    // caller may not change is refused before any change is applied and
    // checked (two hydrates per change, inside the write lock, for nothing).
    let account = DocId {
        record: id.record,
        kind: DocKind::Account,
    };
    if let Some(s) = stored.get(&id).or_else(|| stored.get(&account)) {
        let facts = RecordFacts {
            officer: s.officer,
            school: s.school,
        };
        if policy.decide(actor, Some(&facts), Action::sync_write(id.kind)) != Decision::Allow {
            let why = "you may not change this document";
            return Ok(Err(refuse(id, RefusalCode::Forbidden, why, None)));
        }
    }
    // Changes of a history that was redacted since the device pulled no
    // longer apply: the device takes the new generation from this reply's
    // pull and pushes its edits again on top of it.
    let generation = stored.get(&id).map_or(0, |s| s.generation);
    if dc.generation != generation {
        return Ok(Err(if dc.generation < generation {
            refuse(
                id,
                RefusalCode::Superseded,
                "this record's history was redacted; your edits go again on the new version",
                None,
            )
        } else {
            refuse(
                id,
                RefusalCode::Corrupt,
                "the changes name a version of the record the server does not have",
                None,
            )
        }));
    }
    let mut w = match open(stored.get(&id).cloned(), id, server_actor) {
        Ok(w) => w,
        Err(e) => return Err(StoreError::Damaged(format!("snapshot of {id}: {e}"))),
    };
    // Changes the server already holds are duplicates: never stored twice.
    let fresh: Vec<Change> = changes
        .into_iter()
        .filter(|c| !w.doc.has_change(&c.hash()))
        .collect();
    let before_heads = w.doc.heads();
    // Each change must leave the document strictly its part's type.
    if let Err(e) = partition::apply_checked(&mut w.doc, fresh.clone()) {
        return Ok(Err(e.refusal(id)));
    }

    // Who owns the document: the stored account, or the pushed one.
    let account_id = DocId {
        record: id.record,
        kind: DocKind::Account,
    };
    let facts = match (id.kind, &w.stored) {
        (_, Some(s)) => RecordFacts {
            officer: s.officer,
            school: s.school,
        },
        (DocKind::Account, None) => match w.doc.read::<Account>() {
            Ok(a) => RecordFacts {
                officer: a.officer_id,
                school: a.school_id,
            },
            Err(e) => return Ok(Err(unreadable(id, e))),
        },
        (_, None) => match stored.get(&account_id) {
            Some(a) => RecordFacts {
                officer: a.officer,
                school: a.school,
            },
            None => return Ok(Err(account_first(id))),
        },
    };
    let creating = w.stored.is_none() && id.kind == DocKind::Account;
    let action = if creating {
        Action::CreateRecord
    } else {
        Action::sync_write(id.kind)
    };
    let mut decision = policy.decide(actor, Some(&facts), action);
    if creating && decision == Decision::Allow {
        decision = policy.decide(actor, Some(&facts), Action::sync_write(DocKind::Account));
    }
    if decision != Decision::Allow {
        return Ok(Err(refuse(
            id,
            RefusalCode::Forbidden,
            "you may not change this document",
            None,
        )));
    }

    // The state the document reaches must be valid.
    match id.kind {
        DocKind::Account | DocKind::Restricted => {
            let restricted_id = DocId {
                record: id.record,
                kind: DocKind::Restricted,
            };
            let load =
                |sd: Option<&StoredDoc>, did: DocId| -> Result<Option<Document>, StoreError> {
                    sd.map(|s| open(Some(s.clone()), did, server_actor).map(|w| w.doc))
                        .transpose()
                        .map_err(StoreError::Damaged)
                };
            let stored_account = load(stored.get(&account_id), account_id)?;
            let stored_restricted = load(stored.get(&restricted_id), restricted_id)?;
            let before = match load(original.get(&account_id), account_id)? {
                Some(a) => record_of(
                    &a,
                    load(original.get(&restricted_id), restricted_id)?.as_ref(),
                )
                .ok(),
                None => None,
            };
            let after = match (&stored_account, id.kind) {
                (_, DocKind::Account) => record_of(&w.doc, stored_restricted.as_ref()),
                (Some(a), _) => record_of(a, Some(&w.doc)),
                (None, _) => return Ok(Err(account_first(id))),
            };
            let after = match after {
                Ok(r) => r,
                Err(e) => return Ok(Err(unreadable(id, e))),
            };
            if after.id != id.record
                || after.officer_id != facts.officer
                || after.school_id != facts.school
            {
                return Ok(Err(refuse(
                    id,
                    RefusalCode::Invalid,
                    "a record's id, officer and school cannot change",
                    Some("school_id".into()),
                )));
            }
            // Lateness, the school years' tables and the rules stamp rest on
            // the first receipt as submitted, kept in the projection.
            let earlier = store.received_submitted(conn, &[id.record]).await?;
            let earlier = earlier.get(&id.record).map(|t| Timestamp::from_millis(*t));
            let upgrade = rules::version::Upgrade {
                adopted_at: store.rules_adopted_at(),
                now,
                // From before this request: the request's own account push
                // stamps its receipt with `now`.
                first_submitted: earlier.filter(|t| *t < now),
            };
            let stamp = rules::version::check(before.as_ref(), &after, upgrade);
            if let Some(p) = stamp
                .err()
                .or_else(|| rules::blocking(&after, now).into_iter().next())
            {
                return Ok(Err(refuse(
                    id,
                    RefusalCode::Invalid,
                    p.message,
                    Some(p.field),
                )));
            }
            if let Err(p) = rules::check_amendment(before.as_ref(), &after, actor.user) {
                return Ok(Err(refuse(
                    id,
                    RefusalCode::Invalid,
                    p.message,
                    Some(p.field),
                )));
            }
            let row = record_row(&after, now, earlier);
            store.save_record_row(conn, &row, now.millis()).await?;
            // Webhooks, in this transaction: an event is kept iff its change is.
            // Against the state just before this entry (not the request's
            // start): a document pushed twice in one request makes its
            // events once.
            let just_before = match &stored_account {
                Some(a) => record_of(a, stored_restricted.as_ref()).ok(),
                None => None,
            };
            for e in client_core::webhook::record_events(id.kind, just_before.as_ref(), &after) {
                let org = crate::store::webhooks::org_of_in(conn, facts.officer).await?;
                let body =
                    crate::webhooks::payload(e, serde_json::json!({"record_id": after.id}), now);
                crate::store::webhooks::enqueue_in(conn, e, org, &body, now.millis()).await?;
            }
        }
        DocKind::Review => {
            let after: Reviews = match w.doc.read() {
                Ok(r) => r,
                Err(e) => {
                    return Ok(Err(refuse(
                        id,
                        RefusalCode::Invalid,
                        format!("the reviews cannot be read: {e}"),
                        None,
                    )));
                }
            };
            let before: Reviews = match &w.stored {
                Some(s) => open(Some(s.clone()), id, server_actor)
                    .map_err(StoreError::Damaged)?
                    .doc
                    .read()
                    .unwrap_or_default(),
                None => Reviews::default(),
            };
            // The account as stored (this push's own, if it came first).
            let status = match stored.get(&account_id) {
                Some(a) => {
                    open(Some(a.clone()), account_id, server_actor)
                        .map_err(StoreError::Damaged)?
                        .doc
                        .read::<Account>()
                        .map_err(|e| StoreError::Damaged(format!("{account_id}: {e}")))?
                        .status
                }
                None => return Ok(Err(account_first(id))),
            };
            if let Err(e) = before.check_append(&after, actor.user, now, status) {
                return Ok(Err(refuse(
                    id,
                    RefusalCode::Invalid,
                    e.to_string(),
                    Some("reviews".into()),
                )));
            }
            let event = client_core::webhook::EventType::ReviewCreated;
            for review in client_core::webhook::new_reviews(&before, &after) {
                let org = crate::store::webhooks::org_of_in(conn, facts.officer).await?;
                let data = serde_json::json!({"record_id": id.record, "review_id": review});
                let body = crate::webhooks::payload(event, data, now);
                crate::store::webhooks::enqueue_in(conn, event, org, &body, now.millis()).await?;
            }
        }
    }

    let mut stored_hashes = Vec::new();
    let heads = w.doc.heads();
    if heads != before_heads || w.stored.is_none() {
        let doc = StoredDoc {
            id,
            officer: facts.officer,
            school: facts.school,
            snapshot: w.doc.save(),
            generation,
        };
        let new: Vec<NewChange> = fresh
            .into_iter()
            .map(|mut c| NewChange {
                hash: c.hash().0,
                bytes: c.bytes().into_owned(),
                author: actor.user,
            })
            .collect();
        stored_hashes = new.iter().map(|c| c.hash).collect();
        store.append(conn, &doc, new, now.millis()).await?;
        stored.insert(id, doc);
    }
    Ok(Ok((
        Accepted {
            doc: id,
            heads: wire_hashes(&heads),
        },
        stored_hashes,
    )))
}
