//! The fault stories' harness: the run's size and seed, a device of its own
//! officer, and the sync, settle and pull helpers the kill loops use.

use client_core::document::DocId;
use client_core::replica::{Replica, SyncStatus};
use client_core::sync::{Cursor, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use client_core::{DeviceId, DocKind, Record, RecordId, UserId};
use fieldlog_tests::TestServer;
use sea_orm::{ConnectionTrait, Database, Statement};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

pub(super) struct Size {
    pub(super) kills: usize,
    pub(super) devices: usize,
    pub(super) syncs_per_device: usize,
}

pub(super) fn size() -> Size {
    if std::env::var_os("FIELDLOG_FAULTS_FULL").is_some() {
        Size {
            kills: 50,
            devices: 100,
            syncs_per_device: 10,
        }
    } else {
        Size {
            kills: 3,
            devices: 12,
            syncs_per_device: 5,
        }
    }
}

pub(super) fn seed() -> u64 {
    std::env::var("FIELDLOG_FAULTS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis() as u64)
}

/// A record's document heads (account, restricted) and its content.
pub(super) type Settled = (Vec<Vec<[u8; 32]>>, Record);

/// One device of its own officer (so that no device pulls the others' work).
pub(super) struct Device {
    pub(super) token: String,
    pub(super) user: UserId,
    pub(super) school: client_core::SchoolId,
    device: DeviceId,
    pub(super) replica: Replica,
    /// Records the server acknowledged.
    pub(super) acked: HashSet<RecordId>,
    /// Records let go of once the server held them (`retire_synced`): their
    /// heads and content at that moment, for the final comparison.
    retired: BTreeMap<RecordId, Settled>,
    /// The replica's sync state as last persisted.
    state: Vec<u8>,
}

impl Device {
    pub(super) fn new(
        token: &str,
        user: UserId,
        school: client_core::SchoolId,
        device: u128,
    ) -> Self {
        let device = DeviceId::from_u128(device);
        Self {
            token: token.to_owned(),
            user,
            school,
            device,
            replica: Replica::new(user, device),
            acked: HashSet::new(),
            retired: BTreeMap::new(),
            state: Vec::new(),
        }
    }

    /// Drops the live documents of every record the server holds, keeping
    /// their heads and content, and restores the replica from its persisted
    /// state with the rest, as a phone reopening the app would. A hundred
    /// devices keeping every record live in one test process held about
    /// 300 KB per record (44 KB of automerge documents, the rest glibc's
    /// fragmentation from interleaved pushes): the full-size run was killed
    /// for lack of memory at 12 GB after 30 of 50 kills.
    pub(super) fn retire_synced(&mut self) -> anyhow::Result<()> {
        if let Some(state) = self.replica.take_dirty().state {
            self.state = state;
        }
        let mut keep = Vec::new();
        for id in self.replica.record_ids() {
            if self.replica.status(id) == SyncStatus::Synced {
                let record = self.replica.record(id)?;
                self.retired
                    .insert(id, (heads(&mut self.replica, id), record));
            } else if let Some(blob) = self.replica.export(id) {
                keep.push((id, blob));
            }
        }
        self.replica = Replica::restore(self.user, self.device, &self.state, [], keep)?;
        Ok(())
    }

    /// Every record of this device, retired or live: heads and content.
    pub(super) fn records(&mut self) -> anyhow::Result<BTreeMap<RecordId, Settled>> {
        let mut all = self.retired.clone();
        for id in self.replica.record_ids() {
            let record = self.replica.record(id)?;
            all.insert(id, (heads(&mut self.replica, id), record));
        }
        Ok(all)
    }
}

/// What a sync may get while servers are killed: an answer (200), a 503
/// (retry), or a refused connection (0).
pub(super) fn expected_during_kills(status: &u16) -> bool {
    matches!(status, 0 | 200 | 503)
}

/// One sync round trip; Ok(false) when the server could not be reached or
/// did not answer 200 (the device keeps its changes and tries again).
pub(super) async fn try_sync(
    http: &reqwest::Client,
    base: &str,
    d: &mut Device,
    statuses: &mut BTreeMap<u16, usize>,
) -> bool {
    let Ok(resp) = http
        .post(format!("{base}/api/v1/sync"))
        .bearer_auth(&d.token)
        .header("content-type", "application/octet-stream")
        .body(d.replica.prepare_sync())
        .send()
        .await
    else {
        *statuses.entry(0).or_default() += 1;
        return false;
    };
    *statuses.entry(resp.status().as_u16()).or_default() += 1;
    if !resp.status().is_success() {
        return false;
    }
    let Ok(bytes) = resp.bytes().await else {
        return false;
    };
    match d.replica.receive_sync(&bytes) {
        Ok(report) => {
            d.acked
                .extend(report.accepted.iter().map(|doc: &DocId| doc.record));
            true
        }
        Err(_) => false,
    }
}

/// Syncs until the device has nothing left to send or fetch.
pub(super) async fn settle(
    http: &reqwest::Client,
    bases: &[String],
    d: &mut Device,
) -> anyhow::Result<()> {
    let mut statuses = BTreeMap::new();
    for attempt in 0..400 {
        let base = &bases[attempt % bases.len()];
        if try_sync(http, base, d, &mut statuses).await
            && d.replica
                .record_ids()
                .into_iter()
                .all(|id| d.replica.status(id) == SyncStatus::Synced)
        {
            // One more round trip, to be sure nothing is left to pull.
            if try_sync(http, base, d, &mut statuses).await {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("device of {} never settled: {statuses:?}", d.user)
}

/// Every change the server holds for `d`'s officer, pulled from the start;
/// fails if any change comes twice.
pub(super) async fn pull_all_once(
    http: &reqwest::Client,
    base: &str,
    d: &Device,
) -> anyhow::Result<HashMap<DocId, usize>> {
    let mut cursor: Option<Cursor> = None;
    let mut seen: HashMap<DocId, HashSet<Vec<u8>>> = HashMap::new();
    loop {
        let req = SyncRequest {
            version: PROTOCOL_VERSION,
            device: DeviceId::from_u128(777_777),
            cursor,
            push: vec![],
        };
        let resp = http
            .post(format!("{base}/api/v1/sync"))
            .bearer_auth(&d.token)
            .body(req.encode())
            .send()
            .await?;
        anyhow::ensure!(resp.status() == 200, "pull: {}", resp.status());
        let reply = SyncResponse::decode(&resp.bytes().await?)?;
        for doc in reply.pull {
            let set = seen.entry(doc.doc).or_default();
            for c in doc.changes {
                anyhow::ensure!(set.insert(c), "a change of {} was stored twice", doc.doc);
            }
        }
        cursor = Some(reply.cursor);
        if !reply.more {
            return Ok(seen.into_iter().map(|(k, v)| (k, v.len())).collect());
        }
    }
}

pub(super) fn heads(r: &mut Replica, id: RecordId) -> Vec<Vec<[u8; 32]>> {
    [DocKind::Account, DocKind::Restricted]
        .into_iter()
        .map(|kind| {
            r.document(&DocId { record: id, kind })
                .map(|d| d.heads().into_iter().map(|h| h.0).collect())
                .unwrap_or_default()
        })
        .collect()
}

pub(super) async fn sqlite_integrity(s: &TestServer) -> anyhow::Result<String> {
    let url = format!(
        "sqlite://{}?mode=ro",
        s.data_dir.join("fieldlog.db").display()
    );
    let db = Database::connect(&url).await?;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no answer"))?;
    let verdict: String = row.try_get_by_index(0)?;
    db.close().await?;
    Ok(verdict)
}
