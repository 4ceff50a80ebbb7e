//! The redaction use case (issue 16, finding 8): the record's officer or an
//! admin, with a reason, takes everything that is not the record's current
//! state out of every copy of its history. Each document starts its next
//! generation (client-core `redaction::compact`); the change log keeps that
//! alone, so a fresh device never sees the old values, and devices holding
//! the old history replace it at their next sync (`redaction::rebase`
//! carries their unpushed edits over).
//!
//! Copies the server does not control are not reached: backups made before
//! the redaction, and storage a device's browser has not yet compacted
//! (SECURITY.md).

use crate::store::StoreError;
use crate::store::audit::Entry;
use crate::store::documents::{NewChange, StoredDoc};
use crate::sync::Domain;
use client_core::access::{Action, Actor, Decision, RecordFacts};
use client_core::document::{DocId, Document, actor_id};
use client_core::{DeviceId, DocKind, RecordId, Timestamp, UserId, redaction};

/// Why a redaction was not done.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// No such record, or the caller may not know it exists.
    NotFound,
    /// The caller may read the record but not redact it.
    Forbidden,
}

/// A redaction that was done.
#[derive(Debug)]
pub struct Redacted {
    pub id: uuid::Uuid,
    pub at: Timestamp,
}

/// Redacts `record`'s history for `actor`; `reason` has passed
/// `redaction::reason`. `log` is the access-log entry saying who redacted
/// which record: it commits with the redaction, or neither does.
pub async fn redact(
    domain: Domain<'_>,
    actor: &Actor,
    record: RecordId,
    reason: &str,
    now: Timestamp,
    log: Entry,
) -> Result<Result<Redacted, Refused>, StoreError> {
    let store = domain.store;
    let ids: Vec<DocId> = DocKind::ALL
        .iter()
        .map(|kind| DocId {
            record,
            kind: *kind,
        })
        .collect();
    // Under the write lock: a push racing the redaction either lands before
    // it (and is compacted with the rest) or after it (and is superseded).
    let w = store.begin_write().await?;
    let stored = store.documents(&w.tx, &ids).await?;
    let Some(account) = stored.get(&ids[0]) else {
        return Ok(Err(Refused::NotFound));
    };
    let facts = RecordFacts {
        officer: account.officer,
        school: account.school,
    };
    match domain
        .policy
        .decide(actor, Some(&facts), Action::RedactRecord)
    {
        Decision::Allow => {}
        Decision::Forbidden => return Ok(Err(Refused::Forbidden)),
        Decision::Hidden => return Ok(Err(Refused::NotFound)),
    }
    // The server writes the new generation, under an actor of its own for
    // each redaction: two generations never share an (actor, seq), even
    // after a restore from a backup made before one of them (devices would
    // take the second for a corrupt duplicate). `redactions` names who asked.
    let id = uuid::Uuid::now_v7();
    let server = actor_id(UserId::from_u128(0), DeviceId(id));
    let damaged = |id: DocId, e: client_core::document::DocumentError| {
        StoreError::Damaged(format!("redacting {id}: {e}"))
    };
    for id in &ids {
        let Some(s) = stored.get(id) else {
            continue;
        };
        let mut doc =
            Document::load(*id, &s.snapshot, server.clone()).map_err(|e| damaged(*id, e))?;
        let mut next =
            redaction::compact(&mut doc, server.clone(), now).map_err(|e| damaged(*id, e))?;
        let changes = next
            .changes_since(&[])
            .into_iter()
            .map(|mut c| NewChange {
                hash: c.hash().0,
                bytes: c.bytes().into_owned(),
                // The server's (nil) user: the compacted change holds what
                // officers and supervisors wrote, not the redactor's words.
                author: UserId::from_u128(0),
            })
            .collect();
        let doc = StoredDoc {
            snapshot: next.save(),
            generation: s.generation + 1,
            ..s.clone()
        };
        store
            .replace_history(&w.tx, &doc, changes, now.millis())
            .await?;
    }
    store
        .add_redaction(&w.tx, id, record, actor.user, now.millis(), reason)
        .await?;
    let signed = store.log_access_in(&w, &[log]).await?;
    w.commit().await?;
    store.anchored_by(signed)?;
    Ok(Ok(Redacted { id, at: now }))
}
