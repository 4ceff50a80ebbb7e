//! Redaction (issue 16, finding 8): taking a value out of every copy of a
//! record's history.
//!
//! A CRDT keeps its whole history, so a narrative amended away still sits in
//! every device's copy, the supervisor's included. Automerge cannot delete a
//! change, so a redaction starts a new *generation* of each of the record's
//! documents: one change that writes the document's current state, and no
//! history. The server replaces the document's change log with it; devices
//! learn of it in their next pull (each change travels with its generation,
//! `sync::DocChanges`) and replace their copy, carrying over edits the
//! server did not have yet (`rebase`). Changes of an older generation are
//! refused as `superseded`.
//!
//! What a redaction removes is everything that is not the current state:
//! amended-away values, and the losing sides of conflicts. A value that is
//! still current stays; the author amends it first, then redacts.

use crate::access::DocKind;
use crate::document::{Account, Document, DocumentError, Restricted};
use crate::review::Reviews;
use crate::timestamp::Timestamp;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ChangeHash, ROOT, ReadDoc, hydrate};
use std::collections::BTreeSet;
use thiserror::Error;

/// The longest reason a redaction may give. It is read by auditors; a
/// paragraph is enough, and it must not become a second narrative.
pub const REASON_MAX_CHARS: usize = 1_000;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum RedactionError {
    #[error("give a reason for the redaction")]
    ReasonMissing,
    #[error("the reason is longer than {REASON_MAX_CHARS} characters")]
    ReasonTooLong,
}

/// The reason as it is kept: trimmed, present, and not too long.
pub fn reason(text: &str) -> Result<String, RedactionError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(RedactionError::ReasonMissing);
    }
    if text.chars().count() > REASON_MAX_CHARS {
        return Err(RedactionError::ReasonTooLong);
    }
    Ok(text.to_owned())
}

fn root(doc: &AutoCommit, heads: Option<&[ChangeHash]>) -> Result<hydrate::Map, DocumentError> {
    match doc.hydrate(ROOT, heads) {
        Ok(hydrate::Value::Map(m)) => Ok(m),
        // The root of an automerge document is always a map.
        Ok(_) => Ok(hydrate::Map::default()),
        Err(e) => Err(DocumentError::Corrupt(e.to_string())),
    }
}

/// The document's next generation: its current state written as one change
/// by `actor`, with nothing of its history. Conflicts resolve to the value
/// every reader already sees; the losing values are gone with the history.
pub fn compact(
    doc: &mut Document,
    actor: ActorId,
    at: Timestamp,
) -> Result<Document, DocumentError> {
    let state = root(doc.automerge(), None)?;
    let mut next = Document::new(doc.id(), actor);
    let am = next.automerge();
    am.init_root_from_hydrate(&state)
        .map_err(|e| DocumentError::Write(e.to_string()))?;
    am.commit_with(CommitOptions::default().with_time(at.millis() / 1000));
    Ok(next)
}

/// Carries what `old` holds beyond `server_heads` (edits the device had not
/// pushed when the history was redacted) over to `new`, the generation the
/// server sent. Edits travel per top-level field: a field only the device
/// changed takes the device's value; a field the server changed too keeps
/// the server's (the device's edit of it is dropped, so a value amended away
/// and redacted cannot come back). Reviews and amendments are appended,
/// never replaced. Returns whether anything was carried over.
pub fn rebase(
    old: &mut Document,
    server_heads: &[ChangeHash],
    new: &mut Document,
) -> Result<bool, DocumentError> {
    let known: Vec<ChangeHash> = server_heads
        .iter()
        .copied()
        .filter(|h| old.has_change(h))
        .collect();
    let local_changes = old.changes_since(&known);
    if local_changes.is_empty() {
        return Ok(false);
    }
    // The edits are dated when they were made, not when they were carried.
    let at = local_changes
        .iter()
        .map(|c| c.timestamp())
        .max()
        .unwrap_or(0);
    let at = Timestamp::from_millis(at.saturating_mul(1000));
    let base = root(old.automerge(), Some(&known))?;
    let local = root(old.automerge(), None)?;
    let mut merged = root(new.automerge(), None)?;
    let keys: BTreeSet<String> = base
        .iter()
        .chain(local.iter())
        .map(|(k, _)| k.clone())
        .collect();
    let mut changed = false;
    for key in keys {
        let (b, l) = (base.get(&key), local.get(&key));
        if b == l {
            continue;
        }
        changed = true;
        // Changed on the server too (an amendment, perhaps the very one the
        // redaction protects): the server's value stands, since taking the
        // device's could bring back what was redacted. The device's edit of
        // that field is dropped; its other fields go through.
        if merged.get(&key) != b {
            continue;
        }
        match local.iter().find(|(k, _)| **k == key) {
            Some((_, v)) => merged.insert(key, v.clone()),
            None => merged.remove(&key),
        };
    }
    if !changed {
        return Ok(false);
    }
    let mut scratch = Document::new(new.id(), ActorId::from(vec![0u8; 16]));
    scratch
        .automerge()
        .init_root_from_hydrate(&merged)
        .map_err(|e| DocumentError::Write(e.to_string()))?;
    // Written through the part's type, so the carried edits are a minimal
    // diff on the new generation and the document stays strictly its type.
    match new.id().kind {
        DocKind::Account => {
            // Amendments are appended, like reviews: the device's reasons go
            // with its edits (the amendment rule needs them).
            let mut merged: Account = scratch.read()?;
            let mine: Account = old.read()?;
            let forked = old
                .automerge()
                .fork_at(&known)
                .map_err(|e| DocumentError::Corrupt(e.to_string()))?;
            let base: Option<Account> = autosurgeon::hydrate(&forked).ok();
            for a in mine.amendments {
                let new_here = base.as_ref().is_none_or(|b| !b.amendments.contains(&a));
                if new_here && !merged.amendments.contains(&a) {
                    merged.amendments.push(a);
                }
            }
            new.write(&merged, at)?
        }
        DocKind::Restricted => new.write(&scratch.read::<Restricted>()?, at)?,
        DocKind::Review => {
            let mut theirs: Reviews = new.read()?;
            let mine: Reviews = old.read()?;
            for r in mine.reviews {
                if !theirs.reviews.iter().any(|t| t.id == r.id) {
                    theirs.reviews.push(r);
                }
            }
            new.write(&theirs, at)?
        }
    };
    Ok(true)
}
