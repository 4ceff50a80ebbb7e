//! Fieldlog's side: the sync loop and the workload run through Fieldlog's
//! sync endpoint behind the proxy.

use crate::workload::{Row, SEED, Sizes, Window, edited, json_gz_per_record, now, records};
use anyhow::{Context, bail};
use client_core::replica::Replica;
use client_core::sync::Refusal;
use client_core::{DeviceId, Record, RecordId};
use fieldlog_tests::TestServer;
use fieldlog_tests::bench_support::*;
use sea_orm::{ConnectionTrait, Database};
use std::collections::HashSet;
use std::time::Instant;

/// Syncs until the server has nothing more; (round trips, refused changes).
async fn sync(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    r: &mut Replica,
) -> anyhow::Result<(usize, Vec<Refusal>)> {
    let (mut trips, mut refused) = (0, Vec::new());
    loop {
        trips += 1;
        let resp = http
            .post(format!("{base}/api/v1/sync"))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            // As the PWA sends it (CompressionStream); the server inflates
            // within its body limit.
            .header("content-encoding", "gzip")
            .body(gzip(&r.prepare_sync()))
            .send()
            .await?;
        if !resp.status().is_success() {
            bail!("sync: {}", resp.status());
        }
        let report = r.receive_sync(&resp.bytes().await?)?;
        refused.extend(report.refused);
        if !report.more {
            return Ok((trips, refused));
        }
    }
}

pub(crate) struct Fieldlog<'a> {
    pub(crate) name: &'a str,
    pub(crate) servers: Vec<TestServer>,
    pub(crate) proxy: Proxy,
    pub(crate) http: reqwest::Client,
}

impl Fieldlog<'_> {
    fn base(&self) -> String {
        format!("http://{}", self.proxy.addr)
    }

    fn pids(&self) -> Vec<u32> {
        self.servers.iter().map(|s| s.pid()).collect()
    }

    async fn disk_bytes(&self) -> anyhow::Result<u64> {
        let s = &self.servers[0];
        Ok(match &s.database_url {
            None => dir_bytes(&s.data_dir),
            Some(url) => {
                let db = Database::connect(url).await?;
                let row = db
                    .query_one_raw(sea_orm::Statement::from_string(
                        db.get_database_backend(),
                        "SELECT pg_database_size(current_database()) AS n",
                    ))
                    .await?
                    .context("no size")?;
                let n: i64 = row.try_get("", "n")?;
                db.close().await?;
                n as u64
            }
        })
    }

    pub(crate) async fn run(&self, sizes: Sizes) -> anyhow::Result<(Vec<Row>, f64, f64)> {
        let s = &self.servers[0];
        let school = s.login("sro.patel").await?.first_school();
        s.add_user("bench.a", "sro", school)?;
        s.add_user("bench.b", "sro", school)?;
        let (a, b) = (s.login("bench.a").await?, s.login("bench.b").await?);
        // One officer per device, as in the field: a device pulls its own
        // officer's records only, so the many-devices workload is writes.
        let mut officers = Vec::new();
        for d in 0..sizes.devices {
            let name = format!("bench.d{d}");
            s.add_user(&name, "sro", school)?;
            officers.push(s.login(&name).await?);
        }
        let base = self.base();
        let a_records = records(SEED, sizes.upload, a.user, school);
        let b_records = records(SEED + 1, sizes.devices * sizes.per_device, b.user, school);
        // The devices upload the same content under their own officers and
        // new ids (the large pull below needs bench.b's copy).
        let mut ids = Seeded::new(SEED + 3);
        let device_records: Vec<Vec<Record>> = b_records
            .chunks(sizes.per_device)
            .zip(&officers)
            .map(|(chunk, o)| {
                chunk
                    .iter()
                    .map(|r| Record {
                        id: RecordId(ids.uuid()),
                        officer_id: o.user,
                        ..r.clone()
                    })
                    .collect()
            })
            .collect();
        let gz_a = json_gz_per_record(&a_records);
        let edits: Vec<Record> = a_records
            .iter()
            .enumerate()
            .map(|(i, r)| edited(r, i))
            .collect();
        let gz_edit = json_gz_per_record(&edits);
        let gz_b = json_gz_per_record(&b_records);
        // bench.b's records for the large pull, loaded untimed by one device.
        let mut loader = Replica::new(b.user, DeviceId::from_u128(2));
        for r in &b_records {
            loader.create(r, now())?;
        }
        let (_, refused) = sync(&self.http, &base, &b.token, &mut loader).await?;
        anyhow::ensure!(
            refused.is_empty(),
            "loading the large pull: {} refused, first: {:?}",
            refused.len(),
            refused.first()
        );
        drop(loader);
        let disk0 = self.disk_bytes().await?;
        let pids = self.pids();
        let mut rows = Vec::new();

        // 1. One device uploads `upload` new records.
        let w = Window::open(&pids, &self.proxy);
        let mut phone = Replica::new(a.user, DeviceId::from_u128(1));
        for r in &a_records {
            phone.create(r, now())?;
        }
        let (trips, refused) = sync(&self.http, &base, &a.token, &mut phone).await?;
        rows.push(w.close(
            &self.proxy,
            "upload, one device",
            self.name,
            a_records.len(),
            refused.len(),
            Some(trips),
            gz_a,
        ));

        // 2. The same device reconnects with nothing new.
        let w = Window::open(&pids, &self.proxy);
        let (trips, refused) = sync(&self.http, &base, &a.token, &mut phone).await?;
        rows.push(w.close(
            &self.proxy,
            "reconnect, nothing new",
            self.name,
            a_records.len(),
            refused.len(),
            Some(trips),
            gz_a,
        ));

        // 3. Two-field edits of every record (a submitted record's edit
        // carries its amendment reason, as DOMAIN.md requires).
        let w = Window::open(&pids, &self.proxy);
        for e in &edits {
            phone.update(e, Some("corrected after the meeting"), now())?;
        }
        let (trips, refused) = sync(&self.http, &base, &a.token, &mut phone).await?;
        rows.push(w.close(
            &self.proxy,
            "two-field edits",
            self.name,
            edits.len(),
            refused.len(),
            Some(trips),
            gz_edit,
        ));

        // 4. Many devices at once, each making its records and then
        // uploading them. The wall time covers both (as the peer's does);
        // the writes/s figure covers the syncs alone, from the moment every
        // device has its records.
        let w = Window::open(&pids, &self.proxy);
        let ready = std::sync::Arc::new(tokio::sync::Barrier::new(sizes.devices + 1));
        let mut tasks = Vec::new();
        for (d, (chunk, o)) in device_records.into_iter().zip(&officers).enumerate() {
            let (http, base, token, user) =
                (self.http.clone(), base.clone(), o.token.clone(), o.user);
            let ready = ready.clone();
            tasks.push(tokio::spawn(async move {
                let mut dev = Replica::new(user, DeviceId::from_u128(1000 + d as u128));
                for r in &chunk {
                    dev.create(r, now()).expect("valid");
                }
                ready.wait().await;
                match sync(&http, &base, &token, &mut dev).await {
                    Ok((trips, refused)) => (trips, refused.len()),
                    Err(_) => (1, chunk.len()),
                }
            }));
        }
        ready.wait().await;
        let syncing = Instant::now();
        let (mut trips, mut failed) = (0, 0);
        for t in tasks {
            let (tr, f) = t.await?;
            trips += tr;
            failed += f;
        }
        let sync_wall = syncing.elapsed().as_secs_f64();
        rows.push(w.close(
            &self.proxy,
            "many devices uploading at once",
            self.name,
            b_records.len(),
            failed,
            Some(trips),
            gz_b,
        ));
        let writes_per_s = (b_records.len() - failed) as f64 / sync_wall;
        let disk = self.disk_bytes().await?.saturating_sub(disk0) as f64
            / (a_records.len() + b_records.len()) as f64;

        // 5 and 6. A fresh device pulls everything its officer has.
        for (who, expect, label, gz) in [
            (&a, &edits, "fresh device pulls (small)", gz_edit),
            (&b, &b_records, "fresh device pulls (large)", gz_b),
        ] {
            let w = Window::open(&pids, &self.proxy);
            let mut fresh = Replica::new(who.user, DeviceId::from_u128(9_999));
            let result = sync(&self.http, &base, &who.token, &mut fresh).await;
            let held: HashSet<RecordId> = fresh.record_ids().into_iter().collect();
            let missing = expect.iter().filter(|r| !held.contains(&r.id)).count();
            let trips = result.map(|(t, _)| t).ok();
            rows.push(w.close(
                &self.proxy,
                label,
                self.name,
                expect.len(),
                missing,
                trips,
                gz,
            ));
        }
        // Every pulled record is the record that was written.
        let mut check = Replica::new(a.user, DeviceId::from_u128(9_998));
        sync(&self.http, &base, &a.token, &mut check).await?;
        for e in edits.iter().take(50) {
            let mut got = check.record(e.id)?;
            got.amendments.clear();
            let mut want = e.clone();
            want.amendments.clear();
            anyhow::ensure!(got == want, "record {} differs after the round trip", e.id);
        }
        Ok((rows, disk, writes_per_s))
    }
}
