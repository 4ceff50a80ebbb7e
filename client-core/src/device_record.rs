//! One record as a device holds it: its documents and, per document, what
//! the server is known to have. At rest it is one blob (saved Automerge
//! bytes plus that sync knowledge), so a record leaves memory and comes back
//! whole, and the device never keeps a sync state proportional to its
//! history.

use crate::access::DocKind;
use crate::document::{Account, DocId, Document, DocumentError, RecordDocs};
use crate::ids::RecordId;
use crate::summary::{Facts, Summary, SyncStatus};
use crate::sync::{Refusal, wire_hashes};
use automerge::{ActorId, Change, ChangeHash};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What the device knows of the server's copy of one document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocSync {
    /// A frontier the server is known to have (and all its ancestors).
    pub server_heads: Vec<[u8; 32]>,
    /// Refused at these heads: not pushed again until it changes.
    pub refused: Option<(Refusal, Vec<[u8; 32]>)>,
    /// The document's generation (`redaction`). Kept apart at rest, after
    /// the documents, so blobs written before redaction existed still load.
    #[serde(skip)]
    pub generation: u32,
}

impl DocSync {
    pub fn heads(&self) -> Vec<ChangeHash> {
        self.server_heads.iter().map(|h| ChangeHash(*h)).collect()
    }

    /// The server now has `new_changes` too; hashes a newer known change
    /// depends on are pruned from the frontier.
    pub fn learn(&mut self, new_changes: &[Change]) {
        let mut set: BTreeSet<[u8; 32]> = self.server_heads.iter().copied().collect();
        set.extend(new_changes.iter().map(|c| c.hash().0));
        for c in new_changes {
            for d in c.deps() {
                set.remove(&d.0);
            }
        }
        self.server_heads = set.into_iter().collect();
    }
}

/// The at-rest form.
#[derive(Serialize, Deserialize)]
struct AtRest {
    docs: Vec<(DocKind, Vec<u8>, DocSync)>,
    /// Each document's generation, where it is not 0.
    generations: Vec<(DocKind, u32)>,
}

/// The at-rest form before redaction: postcard has no optional fields, and
/// reading it as `AtRest` fails at the missing tail, so it is tried second.
#[derive(Deserialize)]
struct AtRestV1 {
    docs: Vec<(DocKind, Vec<u8>, DocSync)>,
}

/// A record's documents, live in memory.
#[derive(Debug)]
pub struct DeviceRecord {
    pub id: RecordId,
    pub docs: BTreeMap<DocKind, Document>,
    pub sync: BTreeMap<DocKind, DocSync>,
}

impl DeviceRecord {
    pub fn empty(id: RecordId) -> Self {
        Self {
            id,
            docs: BTreeMap::new(),
            sync: BTreeMap::new(),
        }
    }

    pub fn load(id: RecordId, bytes: &[u8], actor: &ActorId) -> Result<Self, DocumentError> {
        let rest: AtRest = match postcard::from_bytes(bytes) {
            Ok(rest) => rest,
            Err(_) => postcard::from_bytes::<AtRestV1>(bytes)
                .map(|v1| AtRest {
                    docs: v1.docs,
                    generations: Vec::new(),
                })
                .map_err(|e| DocumentError::Corrupt(e.to_string()))?,
        };
        let mut r = Self::empty(id);
        for (kind, saved, mut sync) in rest.docs {
            let doc = Document::load(DocId { record: id, kind }, &saved, actor.clone())?;
            sync.generation = rest
                .generations
                .iter()
                .find(|(k, _)| *k == kind)
                .map_or(0, |(_, g)| *g);
            r.docs.insert(kind, doc);
            r.sync.insert(kind, sync);
        }
        Ok(r)
    }

    pub fn save(&mut self) -> Vec<u8> {
        let docs = self
            .docs
            .iter_mut()
            .map(|(kind, d)| {
                let sync = self.sync.get(kind).cloned().unwrap_or_default();
                (*kind, d.save(), sync)
            })
            .collect();
        let generations = self
            .sync
            .iter()
            .filter(|(_, s)| s.generation > 0)
            .map(|(k, s)| (*k, s.generation))
            .collect();
        postcard::to_stdvec(&AtRest { docs, generations }).unwrap_or_default()
    }

    pub fn doc_sync(&mut self, kind: DocKind) -> &mut DocSync {
        self.sync.entry(kind).or_default()
    }

    /// The document of `kind`, created empty if the record has none yet.
    pub fn doc_or_new(&mut self, kind: DocKind, actor: &ActorId) -> &mut Document {
        let id = DocId {
            record: self.id,
            kind,
        };
        self.docs
            .entry(kind)
            .or_insert_with(|| Document::new(id, actor.clone()))
    }

    /// The server redacted the history of this record's `kind` document:
    /// `changes` are its whole new `generation`. The copy held is replaced,
    /// and edits the server did not have are carried over
    /// (`redaction::rebase`); returns whether there were any (they are to
    /// be pushed). On an error the copy held stays as it was.
    pub fn replace(
        &mut self,
        kind: DocKind,
        generation: u32,
        changes: Vec<Change>,
        actor: &ActorId,
    ) -> Result<bool, DocumentError> {
        let id = DocId {
            record: self.id,
            kind,
        };
        let mut next = Document::new(id, actor.clone());
        next.apply(changes.clone())?;
        if !next.missing_deps().is_empty() {
            return Err(DocumentError::Corrupt(
                "the redacted document came without its first change".into(),
            ));
        }
        let mut sync = DocSync {
            generation,
            ..DocSync::default()
        };
        sync.learn(&changes);
        let carried = match self.docs.get_mut(&kind) {
            Some(old) => {
                let known = self.sync.get(&kind).map(DocSync::heads).unwrap_or_default();
                crate::redaction::rebase(old, &known, &mut next)?
            }
            None => false,
        };
        self.docs.insert(kind, next);
        self.sync.insert(kind, sync);
        Ok(carried)
    }

    /// Moves the documents out as `RecordDocs` (the account must exist).
    pub fn take(&mut self) -> Option<RecordDocs> {
        let account = self.docs.remove(&DocKind::Account)?;
        Some(RecordDocs {
            account,
            restricted: self.docs.remove(&DocKind::Restricted),
            review: self.docs.remove(&DocKind::Review),
        })
    }

    pub fn put_back(&mut self, docs: RecordDocs) {
        for d in [Some(docs.account), docs.restricted, docs.review]
            .into_iter()
            .flatten()
        {
            self.docs.insert(d.id().kind, d);
        }
    }

    /// Whether every document holds all its changes: one pulled without its
    /// history (a record outside this device's window) does not.
    pub fn complete(&mut self) -> bool {
        self.docs.values_mut().all(|d| d.missing_deps().is_empty())
    }

    /// The list's facts, read from the account alone.
    pub fn facts(&self) -> Option<Facts> {
        let account = self.docs.get(&DocKind::Account)?;
        if account.is_empty() {
            return None;
        }
        let a: Account = account.read().ok()?;
        (a.id == self.id).then(|| Facts::from(&a))
    }

    /// Where the record stands: refused as it is now, changes the server
    /// lacks, or synced.
    pub fn status(&mut self) -> SyncStatus {
        let mut saved = false;
        for (kind, doc) in self.docs.iter_mut() {
            let sync = self.sync.get(kind).cloned().unwrap_or_default();
            let heads = doc.heads();
            if let Some((refusal, at)) = &sync.refused
                && *at == wire_hashes(&heads)
            {
                return SyncStatus::Refused(refusal.clone());
            }
            let known = heads.iter().all(|h| sync.server_heads.contains(&h.0));
            if !saved && !known && !doc.changes_since(&sync.heads()).is_empty() {
                saved = true;
            }
        }
        if saved {
            SyncStatus::SavedOnDevice
        } else {
            SyncStatus::Synced
        }
    }

    pub fn summary(&mut self, facts: Option<Facts>) -> Summary {
        Summary {
            id: self.id,
            facts,
            state: self.status(),
        }
    }

    /// Every document's changes the server is not known to have, skipping
    /// documents refused as they are.
    pub fn unpushed(&mut self) -> Vec<(DocKind, u32, Vec<Vec<u8>>)> {
        let mut out = Vec::new();
        for (kind, doc) in self.docs.iter_mut() {
            let sync = self.sync.get(kind).cloned().unwrap_or_default();
            let heads = doc.heads();
            if matches!(&sync.refused, Some((_, at)) if *at == wire_hashes(&heads)) {
                continue;
            }
            let changes = doc.change_bytes_since(&sync.heads());
            if !changes.is_empty() {
                out.push((*kind, sync.generation, changes));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::actor_id;
    use crate::ids::{DeviceId, UserId};

    /// Blobs written before redaction existed have no generations.
    #[derive(Serialize)]
    struct V1<'a> {
        docs: &'a [(DocKind, Vec<u8>, DocSync)],
    }

    #[test]
    fn blobs_of_both_forms_load_and_generations_are_kept() {
        let actor = actor_id(UserId::from_u128(1), DeviceId::from_u128(2));
        let id = RecordId::from_u128(3);
        let mut rec = DeviceRecord::empty(id);
        let doc = rec.doc_or_new(DocKind::Account, &actor);
        let saved = doc.save();
        let sync = DocSync {
            server_heads: vec![[7; 32]],
            ..DocSync::default()
        };
        let v1 = postcard::to_stdvec(&V1 {
            docs: &[(DocKind::Account, saved, sync.clone())],
        })
        .expect("encodes");
        let mut old = DeviceRecord::load(id, &v1, &actor).expect("a version-1 blob loads");
        assert_eq!(old.sync[&DocKind::Account], sync);
        assert_eq!(old.sync[&DocKind::Account].generation, 0);

        old.doc_sync(DocKind::Account).generation = 2;
        let again = DeviceRecord::load(id, &old.save(), &actor).expect("loads");
        assert_eq!(again.sync[&DocKind::Account].generation, 2);
        assert_eq!(
            again.sync[&DocKind::Account].server_heads,
            sync.server_heads
        );
    }
}
