//! The access log: append-only, each entry hashing the one before it (FERPA's
//! record of disclosures, 34 CFR 99.32, is the model).
//!
//! Tamper evidence rests on two keys kept outside the database
//! (`audit_keys`): each entry's hash is an HMAC, so an edited or removed
//! entry cannot be re-chained by someone who can only write the database;
//! and the log's head (entry count and last hash) is signed at every append,
//! with signed checkpoints every `CHECKPOINT_EVERY` entries and on an
//! auditor's request, so a log cut short no longer matches them. An auditor
//! exports the checkpoints and keeps them elsewhere; a checkpoint handed
//! back to `verify` also catches a log rolled back to an older head.
//!
//! The hash covers a canonical, versioned encoding of the entry, never the
//! API's JSON, so renaming a JSON field never breaks old entries.

use super::entity::{access_log, audit_checkpoint, setting};
use super::{Store, StoreError, WriteTx};
use crate::audit_keys::{AuditKeys, hex};
use client_core::{RecordId, Role, UserId};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
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
    /// Fields disclosed, as client-core's `fields::FIELDS` names them.
    pub fields: Vec<String>,
    pub endpoint: String,
    pub purpose: String,
}

/// A signed statement: the log had `entries` entries, the last being `seq`
/// with hash `hash`, at `at` (ms).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Checkpoint {
    pub seq: i64,
    pub entries: i64,
    pub hash: String,
    pub at: i64,
    pub key_id: String,
    /// Ed25519 over `Checkpoint::message`, base64.
    pub signature: String,
}

impl Checkpoint {
    /// The exact bytes signed: versioned, independent of any JSON shape.
    pub fn message(&self) -> Vec<u8> {
        format!(
            "fieldlog access log checkpoint v1\n{}\n{}\n{}\n{}\n",
            self.seq, self.entries, self.hash, self.at
        )
        .into_bytes()
    }
}

/// Where the chain first breaks, if it does.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Verification {
    pub ok: bool,
    pub entries: u64,
    /// The first entry (sequence number) that does not verify; for a log cut
    /// short, the first missing one.
    pub broken_at: Option<i64>,
    /// What is wrong there, in words.
    pub problem: Option<String>,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The hash version new entries get.
const VERSION: i32 = 2;
/// A checkpoint is signed each time the log passes a multiple of this.
pub const CHECKPOINT_EVERY: i64 = 1000;
/// The `settings` row holding the signed head.
const HEAD: &str = "access_log_head";

/// Version 1, kept for entries written before the keyed chain: SHA-256 over
/// the previous hash and the entry's JSON as it was then. The shape is
/// frozen here so that the API's `Entry` may change. Public for the
/// tamper stories, which re-chain a log the way the old chain allowed.
pub fn hash_v1(prev: &str, e: &Entry) -> String {
    #[derive(Serialize)]
    struct V1<'a> {
        at: i64,
        user: Option<uuid::Uuid>,
        role: Option<&'a str>,
        event: &'a str,
        record: Option<uuid::Uuid>,
        student_refs: &'a [String],
        fields: &'a [String],
        endpoint: &'a str,
        purpose: &'a str,
    }
    let v = V1 {
        at: e.at,
        user: e.user.map(|u| u.0),
        role: e.role.map(|r| r.as_str()),
        event: &e.event,
        record: e.record.map(|r| r.0),
        student_refs: &e.student_refs,
        fields: &e.fields,
        endpoint: &e.endpoint,
        purpose: &e.purpose,
    };
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(serde_json::to_vec(&v).unwrap_or_default());
    hex(&h.finalize())
}

/// Version 2: HMAC over a length-prefixed encoding of every field in a
/// fixed order, after the previous hash.
fn canonical_v2(prev: &str, e: &Entry) -> Vec<u8> {
    let mut out = b"fieldlog access log entry v2\0".to_vec();
    let mut bytes = |b: &[u8]| {
        out.extend_from_slice(&(b.len() as u32).to_be_bytes());
        out.extend_from_slice(b);
    };
    bytes(prev.as_bytes());
    bytes(&e.at.to_be_bytes());
    let uuid = |u: Option<uuid::Uuid>| u.map(|u| u.as_bytes().to_vec()).unwrap_or_default();
    bytes(&uuid(e.user.map(|u| u.0)));
    bytes(e.role.map(|r| r.as_str()).unwrap_or("").as_bytes());
    bytes(e.event.as_bytes());
    bytes(&uuid(e.record.map(|r| r.0)));
    for list in [&e.student_refs, &e.fields] {
        bytes(&(list.len() as u32).to_be_bytes());
        for item in list {
            bytes(item.as_bytes());
        }
    }
    bytes(e.endpoint.as_bytes());
    bytes(e.purpose.as_bytes());
    out
}

fn hash(keys: &AuditKeys, version: i32, prev: &str, e: &Entry) -> Option<String> {
    match version {
        1 => Some(hash_v1(prev, e)),
        2 => Some(keys.chain_mac(&canonical_v2(prev, e))),
        _ => None,
    }
}

pub(super) fn to_entry(m: &access_log::Model) -> Entry {
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

fn sign(keys: &AuditKeys, seq: i64, entries: i64, hash: String, at: i64) -> Checkpoint {
    let mut c = Checkpoint {
        seq,
        entries,
        hash,
        at,
        key_id: keys.key_id(),
        signature: String::new(),
    };
    c.signature = keys.sign(&c.message());
    c
}

fn damaged(e: impl std::fmt::Display) -> StoreError {
    StoreError::Damaged(format!("access log head: {e}"))
}

async fn read_head(c: &impl ConnectionTrait) -> Result<Option<Checkpoint>, StoreError> {
    setting::Entity::find_by_id(HEAD.to_string())
        .one(c)
        .await?
        .map(|row| serde_json::from_str(&row.value).map_err(damaged))
        .transpose()
}

async fn write_head(c: &impl ConnectionTrait, head: &Checkpoint) -> Result<(), StoreError> {
    let row = setting::ActiveModel {
        key: Set(HEAD.into()),
        value: Set(serde_json::to_string(head).map_err(damaged)?),
        updated_at: Set(head.at),
        updated_by: Set(None),
    };
    setting::Entity::insert(row)
        .on_conflict(
            OnConflict::column(setting::Column::Key)
                .update_columns([setting::Column::Value, setting::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(c)
        .await?;
    Ok(())
}

async fn save_checkpoint(c: &impl ConnectionTrait, cp: &Checkpoint) -> Result<(), StoreError> {
    // Under the write lock: one checkpoint per entry, the first one kept.
    if audit_checkpoint::Entity::find_by_id(cp.seq)
        .one(c)
        .await?
        .is_some()
    {
        return Ok(());
    }
    audit_checkpoint::Entity::insert(audit_checkpoint::ActiveModel {
        seq: Set(cp.seq),
        entries: Set(cp.entries),
        hash: Set(cp.hash.clone()),
        at: Set(cp.at),
        key_id: Set(cp.key_id.clone()),
        signature: Set(cp.signature.clone()),
    })
    .exec(c)
    .await?;
    Ok(())
}

/// The last entry's sequence number and hash.
async fn last(c: &impl ConnectionTrait) -> Result<(i64, String), StoreError> {
    Ok(access_log::Entity::find()
        .select_only()
        .column(access_log::Column::Seq)
        .column(access_log::Column::Hash)
        .order_by_desc(access_log::Column::Seq)
        .limit(1)
        .into_tuple::<(i64, String)>()
        .one(c)
        .await?
        .unwrap_or((0, GENESIS.to_owned())))
}

/// As `last`, with the number of entries: a full count, so only where no
/// signed head says it (the first entry, the first start after the upgrade).
async fn tail(c: &impl ConnectionTrait) -> Result<(i64, String, i64), StoreError> {
    let (seq, hash) = last(c).await?;
    let count = access_log::Entity::find().count(c).await? as i64;
    Ok((seq, hash, count))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Store {
    fn audit_keys(&self) -> &AuditKeys {
        &self.audit
    }

    /// Appends entries in order, extending the keyed chain, and signs the
    /// new head in the same transaction.
    pub async fn log_access(&self, entries: &[Entry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let w = self.begin_write().await?;
        let signed = self.log_access_in(&w, entries).await?;
        w.commit().await?;
        self.anchored_by(signed)
    }

    /// Once a transaction that signed a head committed: the log is anchored.
    pub fn anchored_by(&self, signed: bool) -> Result<(), StoreError> {
        if signed {
            self.audit_keys()
                .mark_anchored()
                .map_err(StoreError::AuditKeys)?;
        }
        Ok(())
    }

    /// `log_access` inside the caller's write transaction, so the entries
    /// commit with what they record or not at all. Returns whether it signed
    /// a new head (`anchored_by` once committed).
    pub async fn log_access_in(&self, w: &WriteTx, entries: &[Entry]) -> Result<bool, StoreError> {
        if entries.is_empty() {
            return Ok(false);
        }
        let keys = self.audit_keys();
        let head = read_head(&w.tx).await?;
        // A head that was there and is gone means the log was cut or
        // rewritten: never sign a new one over it (verify says so).
        let resign = head.is_some() || !keys.anchored();
        let (_, mut prev, count) = match head {
            Some(h) => (h.seq, h.hash, h.entries),
            // First entry, or a log from before signed heads.
            None => tail(&w.tx).await?,
        };
        let mut rows = Vec::with_capacity(entries.len());
        for e in entries {
            let hash = hash(keys, VERSION, &prev, e).unwrap_or_default();
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
                version: Set(VERSION),
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
        // The new last entry's number; its hash is `prev`.
        let (seq, _) = last(&w.tx).await?;
        let total = count + entries.len() as i64;
        if !resign {
            tracing::error!("the access log's signed head is missing: not signing a new one");
            return Ok(false);
        }
        let head = sign(keys, seq, total, prev, now_ms());
        write_head(&w.tx, &head).await?;
        if total / CHECKPOINT_EVERY > count / CHECKPOINT_EVERY {
            save_checkpoint(&w.tx, &head).await?;
        }
        Ok(true)
    }

    /// Signs the log's head if it has none (a log from before signed heads,
    /// at the first start of this version): from then on, its legacy entries
    /// are anchored too.
    pub async fn anchor_access_log(&self) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        let mut signed = false;
        if read_head(&w.tx).await?.is_none() && !self.audit_keys().anchored() {
            let (seq, hash, count) = tail(&w.tx).await?;
            if count > 0 {
                let head = sign(self.audit_keys(), seq, count, hash, now_ms());
                write_head(&w.tx, &head).await?;
                save_checkpoint(&w.tx, &head).await?;
                signed = true;
            }
        }
        w.commit().await?;
        if signed {
            self.audit_keys()
                .mark_anchored()
                .map_err(StoreError::AuditKeys)?;
        }
        Ok(())
    }

    /// Signs a checkpoint of the current head, keeps it, and returns it.
    pub async fn checkpoint_access_log(&self) -> Result<Option<Checkpoint>, StoreError> {
        let w = self.begin_write().await?;
        let head = read_head(&w.tx).await?;
        let cp = head.map(|h| sign(self.audit_keys(), h.seq, h.entries, h.hash, now_ms()));
        if let Some(cp) = &cp {
            save_checkpoint(&w.tx, cp).await?;
        }
        w.commit().await?;
        Ok(cp)
    }

    /// The signed head: the log as of its last entry.
    pub async fn access_log_head(&self) -> Result<Option<Checkpoint>, StoreError> {
        read_head(self.db()).await
    }

    /// Whether the access log in `c` (a backup) was signed with this
    /// server's keys: `None` when it has no signed head.
    pub async fn signed_with_these_keys(
        &self,
        c: &impl ConnectionTrait,
    ) -> Result<Option<bool>, StoreError> {
        Ok(read_head(c)
            .await?
            .map(|h| self.audit_keys().verify(&h.message(), &h.signature)))
    }

    /// Every kept checkpoint, oldest first.
    pub async fn access_log_checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        Ok(audit_checkpoint::Entity::find()
            .order_by_asc(audit_checkpoint::Column::Seq)
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| Checkpoint {
                seq: m.seq,
                entries: m.entries,
                hash: m.hash,
                at: m.at,
                key_id: m.key_id,
                signature: m.signature,
            })
            .collect())
    }

    /// The public key checkpoints verify with, base64, and its id.
    pub fn access_log_public_key(&self) -> (String, String) {
        (
            self.audit_keys().public_key_b64(),
            self.audit_keys().key_id(),
        )
    }

    /// Recomputes the chain from the start, in pages, and checks it against
    /// the signed head, every kept checkpoint and the `held` ones an auditor
    /// brings.
    pub async fn verify_access_log(&self, held: &[Checkpoint]) -> Result<Verification, StoreError> {
        let keys = self.audit_keys();
        let head = read_head(self.db()).await?;
        if head.is_none() && keys.anchored() {
            return Ok(Verification {
                ok: false,
                entries: 0,
                broken_at: None,
                problem: Some(
                    "the log's signed head is missing: the log was cut or rewritten".into(),
                ),
            });
        }
        let mut checkpoints = self.access_log_checkpoints().await?;
        checkpoints.extend(head.iter().cloned());
        checkpoints.extend(held.iter().cloned());
        let broken = |n: u64, at: i64, problem: String| Verification {
            ok: false,
            entries: n,
            broken_at: Some(at),
            problem: Some(problem),
        };
        for c in &checkpoints {
            if !keys.verify(&c.message(), &c.signature) {
                return Ok(broken(
                    0,
                    c.seq,
                    format!(
                        "the checkpoint at entry {} is not signed by this server's key",
                        c.seq
                    ),
                ));
            }
        }
        checkpoints.sort_by_key(|c| c.seq);
        let mut pending = checkpoints.iter().peekable();
        let mut prev = GENESIS.to_owned();
        let (mut after, mut n, mut keyed) = (0, 0u64, false);
        loop {
            let page = access_log::Entity::find()
                .filter(access_log::Column::Seq.gt(after))
                .order_by_asc(access_log::Column::Seq)
                .limit(2000)
                .all(self.db())
                .await?;
            if page.is_empty() {
                break;
            }
            for m in &page {
                // A keyed entry is never followed by an unkeyed one: that
                // would be an entry downgraded to the forgeable hash.
                let downgraded = keyed && m.version < VERSION;
                keyed |= m.version >= VERSION;
                if m.prev_hash != prev {
                    return Ok(broken(
                        n,
                        m.seq,
                        format!(
                            "entry {} does not follow the entry before it: an entry before it was removed or changed",
                            m.seq
                        ),
                    ));
                }
                if downgraded
                    || hash(keys, m.version, &prev, &to_entry(m)).as_ref() != Some(&m.hash)
                {
                    return Ok(broken(
                        n,
                        m.seq,
                        format!(
                            "entry {} does not match its keyed hash: it was changed or re-chained",
                            m.seq
                        ),
                    ));
                }
                n += 1;
                // Checkpoints that fall before this entry were not met.
                while let Some(c) = pending.next_if(|c| c.seq <= m.seq) {
                    if c.seq != m.seq {
                        return Ok(broken(
                            n,
                            c.seq,
                            format!(
                                "entry {}, the last of a signed checkpoint of {} entries, is missing: entries were removed",
                                c.seq, c.entries
                            ),
                        ));
                    }
                    if c.hash != m.hash || c.entries != n as i64 {
                        return Ok(broken(
                            n,
                            c.seq,
                            format!(
                                "the signed checkpoint of {} entries ending at entry {} does not match the log",
                                c.entries, c.seq
                            ),
                        ));
                    }
                }
                prev = m.hash.clone();
                after = m.seq;
            }
        }
        if let Some(c) = pending.next() {
            return Ok(broken(
                n,
                after + 1,
                format!(
                    "the log ends after {n} entries at entry {after}, but a signed checkpoint says {} entries ending at entry {}: entries were removed from its end",
                    c.entries, c.seq
                ),
            ));
        }
        if n > 0 && head.is_none() {
            return Ok(broken(
                n,
                after,
                "the log has no signed head: it was removed".into(),
            ));
        }
        Ok(Verification {
            ok: true,
            entries: n,
            broken_at: None,
            problem: None,
        })
    }
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
