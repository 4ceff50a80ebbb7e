//! The side-by-side sync benchmark: the same workload, from the same seeded
//! records, through Fieldlog's sync endpoint (SQLite, PostgreSQL, and two
//! replicas behind a round-robin on one PostgreSQL) and through the reference
//! peer, automerge-repo's sync server run with Node on 127.0.0.1.
//!
//! `cargo xtask sidebyside` (installs the peer's npm packages first), or
//! `cargo run --release -p fieldlog-tests --bin sidebyside` once
//! `tests/peer/node_modules` exists. `FIELDLOG_TEST_POSTGRES` adds the
//! PostgreSQL targets; `BENCH_SCALE=10` runs a tenth of every workload.
//! Prints a Markdown report and writes it to `artifacts/sidebyside.md`.
//! Nothing here asserts a time.

use anyhow::{Context, bail};
use client_core::replica::Replica;
use client_core::sync::Refusal;
use client_core::vocabulary::Location;
use client_core::{DeviceId, Record, RecordId, SchoolId, Timestamp, UserId};
use fieldlog_tests::bench_support::*;
use fieldlog_tests::{Db, TestServer};
use sea_orm::{ConnectionTrait, Database};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const SEED: u64 = 0x000F_1E1D_106B;

fn now() -> Timestamp {
    Timestamp::from_millis(chrono::Utc::now().timestamp_millis())
}

/// The workload's sizes.
#[derive(Clone, Copy)]
struct Sizes {
    upload: usize,
    devices: usize,
    per_device: usize,
}

/// One system's figures for one workload.
struct Row {
    workload: &'static str,
    system: String,
    wall: f64,
    records: usize,
    failures: usize,
    up: u64,
    down: u64,
    trips: Option<usize>,
    cpu: f64,
    rss_kb: u64,
    /// gzipped JSON of the same records, per record.
    json_gz: f64,
}

/// The records of one officer, drawn from the seed (the same content for
/// every system; only the officer's id differs per database).
fn records(seed: u64, n: usize, officer: UserId, school: SchoolId) -> Vec<Record> {
    let mut rng = Seeded::new(seed);
    let base = Timestamp::from_millis(1_788_000_000_000); // 2026-08-29
    (0..n)
        .map(|i| seeded_record(&mut rng, officer, school, base.plus_minutes(i as i64 * 7)))
        .collect()
}

fn edited(r: &Record, i: usize) -> Record {
    let mut e = r.clone();
    e.narrative = Some(format!(
        "{} (Corrected: the student's teacher was present, entry {i}.)",
        r.narrative.as_deref().unwrap_or("")
    ));
    e.location = Some(if r.location == Some(Location::Bus) {
        Location::Office
    } else {
        Location::Bus
    });
    e
}

fn json_gz_per_record(records: &[Record]) -> f64 {
    let total: usize = records
        .iter()
        .map(|r| gzip_len(&serde_json::to_vec(r).expect("a record is JSON")))
        .sum();
    total as f64 / records.len().max(1) as f64
}

/// What a phase measures on the servers.
struct Window {
    pids: Vec<u32>,
    cpu0: f64,
    t0: Instant,
}

impl Window {
    fn open(pids: &[u32], proxy: &Proxy) -> Self {
        proxy.take();
        for &p in pids {
            reset_peak_rss(p);
        }
        Self {
            pids: pids.to_vec(),
            cpu0: pids.iter().map(|&p| cpu_seconds(p)).sum(),
            t0: Instant::now(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn close(
        self,
        proxy: &Proxy,
        workload: &'static str,
        system: &str,
        records: usize,
        failures: usize,
        trips: Option<usize>,
        json_gz: f64,
    ) -> Row {
        let wall = self.t0.elapsed().as_secs_f64();
        let (up, down) = proxy.take();
        Row {
            workload,
            system: system.to_owned(),
            wall,
            records,
            failures,
            up,
            down,
            trips,
            cpu: self.pids.iter().map(|&p| cpu_seconds(p)).sum::<f64>() - self.cpu0,
            rss_kb: self
                .pids
                .iter()
                .map(|&p| status_kb(p, "VmHWM:"))
                .max()
                .unwrap_or(0),
            json_gz,
        }
    }
}

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

struct Fieldlog<'a> {
    name: &'a str,
    servers: Vec<TestServer>,
    proxy: Proxy,
    http: reqwest::Client,
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

    async fn run(&self, sizes: Sizes) -> anyhow::Result<(Vec<Row>, f64, f64)> {
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

/// The reference peer: its server process and a Node client driven line by line.
struct Peer {
    server: tokio::process::Child,
    client: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    proxy: Proxy,
    storage: PathBuf,
}

impl Peer {
    async fn start(dir: &Path, work: &Path) -> anyhow::Result<Self> {
        let storage = work.join("peer-server");
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            l.local_addr()?.port()
        };
        let mut server = tokio::process::Command::new("node")
            .arg(dir.join("server.mjs"))
            .arg(port.to_string())
            .arg(&storage)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("node (Node.js 20+) must be on PATH")?;
        let mut out = BufReader::new(server.stdout.take().context("stdout")?).lines();
        let first = tokio::time::timeout(std::time::Duration::from_secs(30), out.next_line())
            .await
            .context("the peer server did not start")??;
        anyhow::ensure!(
            first.as_deref().is_some_and(|l| l.starts_with("listening")),
            "the peer server said {first:?}"
        );
        let proxy = Proxy::start(vec![format!("127.0.0.1:{port}")]).await?;
        let mut client = tokio::process::Command::new("node")
            .arg(dir.join("client.mjs"))
            .arg(format!("ws://{}", proxy.addr))
            .env(
                "PEER_TIMEOUT_MS",
                std::env::var("PEER_TIMEOUT_MS").unwrap_or_else(|_| "300000".into()),
            )
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let lines = BufReader::new(client.stdout.take().context("stdout")?).lines();
        Ok(Self {
            server,
            client,
            lines,
            proxy,
            storage,
        })
    }

    async fn ask(&mut self, cmd: serde_json::Value) -> anyhow::Result<serde_json::Value> {
        let stdin = self.client.stdin.as_mut().context("stdin")?;
        stdin.write_all(format!("{cmd}\n").as_bytes()).await?;
        stdin.flush().await?;
        let line = self
            .lines
            .next_line()
            .await?
            .context("the peer client ended")?;
        let v: serde_json::Value = serde_json::from_str(&line)?;
        Ok(v)
    }

    async fn phase(
        &mut self,
        cmd: serde_json::Value,
        workload: &'static str,
        records: usize,
        json_gz: f64,
    ) -> anyhow::Result<Row> {
        let pid = self.server.id().context("the peer server ended")?;
        let w = Window::open(&[pid], &self.proxy);
        let v = self.ask(cmd).await?;
        let failures = if v["ok"] == true {
            v["failures"].as_u64().unwrap_or(0) as usize
        } else {
            eprintln!("peer {workload}: {}", v["error"]);
            records
        };
        let mut row = w.close(
            &self.proxy,
            workload,
            "automerge-repo",
            records,
            failures,
            None,
            json_gz,
        );
        if let Some(ms) = v["ms"].as_f64() {
            // The client's own clock: from the first local change to the
            // server's acknowledgement, excluding Node's start-up.
            row.wall = ms / 1000.0;
        }
        Ok(row)
    }

    async fn run(&mut self, sizes: Sizes, work: &Path) -> anyhow::Result<(Vec<Row>, f64)> {
        let officer = UserId::from_u128(7);
        let school = SchoolId::from_u128(8);
        let a_records = records(SEED, sizes.upload, officer, school);
        let b_records = records(SEED + 1, sizes.devices * sizes.per_device, officer, school);
        let edits: Vec<Record> = a_records
            .iter()
            .enumerate()
            .map(|(i, r)| edited(r, i))
            .collect();
        let write = |name: &str, v: serde_json::Value| -> anyhow::Result<String> {
            let p = work.join(name);
            std::fs::write(&p, serde_json::to_vec(&v)?)?;
            Ok(p.display().to_string())
        };
        let a_json = write("a.json", serde_json::to_value(&a_records)?)?;
        let b_json = write("b.json", serde_json::to_value(&b_records)?)?;
        let edits_json = write(
            "edits.json",
            serde_json::Value::Array(
                edits
                    .iter()
                    .map(|e| serde_json::json!({"narrative": e.narrative, "location": e.location}))
                    .collect(),
            ),
        )?;
        let (a_urls, b_urls) = (work.join("a-urls.json"), work.join("b-urls.json"));
        let device = work.join("peer-device");
        let (gz_a, gz_edit, gz_b) = (
            json_gz_per_record(&a_records),
            json_gz_per_record(&edits),
            json_gz_per_record(&b_records),
        );
        let disk0 = dir_bytes(&self.storage);
        let mut rows = Vec::new();
        use serde_json::json;
        rows.push(
            self.phase(
                json!({"op": "upload", "devices": 1, "records": a_json, "storage": device, "urls_out": a_urls}),
                "upload, one device",
                a_records.len(),
                gz_a,
            )
            .await?,
        );
        let device0 = format!("{}-0", device.display());
        rows.push(
            self.phase(
                json!({"op": "reconnect", "storage": device0, "urls": a_urls}),
                "reconnect, nothing new",
                a_records.len(),
                gz_a,
            )
            .await?,
        );
        rows.push(
            self.phase(
                json!({"op": "edit", "storage": device0, "urls": a_urls, "edits": edits_json}),
                "two-field edits",
                edits.len(),
                gz_edit,
            )
            .await?,
        );
        rows.push(
            self.phase(
                json!({"op": "upload", "devices": sizes.devices, "records": b_json, "urls_out": b_urls}),
                "many devices uploading at once",
                b_records.len(),
                gz_b,
            )
            .await?,
        );
        // Let the debounced saves land before measuring the disk.
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        let disk = dir_bytes(&self.storage).saturating_sub(disk0) as f64
            / (a_records.len() + b_records.len()) as f64;
        rows.push(
            self.phase(
                json!({"op": "pull", "urls": a_urls}),
                "fresh device pulls (small)",
                a_records.len(),
                gz_edit,
            )
            .await?,
        );
        rows.push(
            self.phase(
                json!({"op": "pull", "urls": b_urls}),
                "fresh device pulls (large)",
                b_records.len(),
                gz_b,
            )
            .await?,
        );
        Ok((rows, disk))
    }
}

fn table(rows: &[Row], disks: &[(String, f64)], writes: &[(String, f64)], sizes: Sizes) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| workload | system | wall s | records/s | failures | wire B/record | × gzipped JSON | round trips | server CPU s | server peak RSS MB |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut workloads: Vec<&'static str> = Vec::new();
    for r in rows {
        if !workloads.contains(&r.workload) {
            workloads.push(r.workload);
        }
    }
    for wl in &workloads {
        let label = match *wl {
            "upload, one device" => format!("upload {} records, one device", sizes.upload),
            "many devices uploading at once" => format!(
                "{} devices × {} records at once",
                sizes.devices, sizes.per_device
            ),
            "fresh device pulls (small)" => format!("fresh device pulls {}", sizes.upload),
            "fresh device pulls (large)" => {
                format!("fresh device pulls {}", sizes.devices * sizes.per_device)
            }
            "two-field edits" => format!("{} two-field edits", sizes.upload),
            other => other.to_owned(),
        };
        for r in rows.iter().filter(|r| r.workload == *wl) {
            let per = (r.up + r.down) as f64 / r.records.max(1) as f64;
            let _ = writeln!(
                out,
                "| {label} | {} | {:.2} | {:.0} | {} | {:.0} | {:.2} | {} | {:.2} | {:.0} |",
                r.system,
                r.wall,
                r.records as f64 / r.wall,
                r.failures,
                per,
                per / r.json_gz,
                r.trips.map(|t| t.to_string()).unwrap_or_else(|| "–".into()),
                r.cpu,
                r.rss_kb as f64 / 1024.0,
            );
        }
    }
    let _ = writeln!(out, "\n| system | disk bytes per record |\n|---|---:|");
    for (name, d) in disks {
        let _ = writeln!(out, "| {name} | {d:.0} |");
    }
    let _ = writeln!(
        out,
        "\nWrites/s with {} devices syncing at once (from the moment every device holds its records to the last acknowledgement; every process shares this machine's cores):\n\n| system | records/s |\n|---|---:|",
        sizes.devices
    );
    for (name, w) in writes {
        let _ = writeln!(out, "| {name} | {w:.0} |");
    }
    let _ = writeln!(
        out,
        "\nFieldlog ÷ automerge-repo, wall time (below 1 is faster):\n"
    );
    let _ = writeln!(out, "| workload | {} |", {
        let mut names: Vec<&str> = Vec::new();
        for r in rows.iter().filter(|r| r.system != "automerge-repo") {
            if !names.contains(&r.system.as_str()) {
                names.push(&r.system);
            }
        }
        names.join(" | ")
    });
    let systems: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for r in rows.iter().filter(|r| r.system != "automerge-repo") {
            if !v.contains(&r.system) {
                v.push(r.system.clone());
            }
        }
        v
    };
    let _ = writeln!(out, "|---|{}", "---:|".repeat(systems.len()));
    for wl in &workloads {
        let peer = rows
            .iter()
            .find(|r| r.workload == *wl && r.system == "automerge-repo");
        let cells: Vec<String> = systems
            .iter()
            .map(|s| {
                match (
                    rows.iter().find(|r| r.workload == *wl && &r.system == s),
                    peer,
                ) {
                    (Some(f), Some(p)) if p.wall > 0.0 => format!("{:.3}", f.wall / p.wall),
                    _ => "–".into(),
                }
            })
            .collect();
        let _ = writeln!(out, "| {wl} | {} |", cells.join(" | "));
    }
    out
}

fn command_line(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "not found".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    let mem = proc_kb("/proc/meminfo", "MemTotal:") / 1024 / 1024;
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!("{cores} cores ({cpu}), {mem} GiB")
}

fn peer_version(dir: &Path, package: &str) -> String {
    std::fs::read_to_string(dir.join("node_modules").join(package).join("package.json"))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let scale: usize = std::env::var("BENCH_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let sizes = Sizes {
        upload: 1000 / scale,
        devices: 100 / scale.min(10),
        per_device: 100 / (scale / 10).max(1),
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("root")?
        .to_owned();
    let peer_dir = root.join("tests/peer");
    if !peer_dir
        .join("node_modules/@automerge/automerge-repo")
        .exists()
    {
        bail!("run `cargo xtask sidebyside` (or `npm ci` in tests/peer) first");
    }
    let work = std::env::temp_dir().join(format!(
        "fieldlog-sidebyside-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&work)?;

    let mut rows = Vec::new();
    let mut disks = Vec::new();
    let mut writes = Vec::new();
    let mut targets: Vec<(&str, Db, usize)> = vec![("Fieldlog, SQLite", Db::Sqlite, 1)];
    if let Some(pg) = Db::all().into_iter().find(|d| matches!(d, Db::Postgres(_))) {
        targets.push(("Fieldlog, PostgreSQL", pg.clone(), 1));
        targets.push(("Fieldlog, 2 replicas, PostgreSQL", pg, 2));
    } else {
        eprintln!("SKIPPED: the PostgreSQL targets (FIELDLOG_TEST_POSTGRES is not set)");
    }
    for (name, db, replicas) in targets {
        eprintln!("{name}…");
        let first = TestServer::start_quiet(&db).await?;
        let mut servers = vec![first];
        for _ in 1..replicas {
            let next = servers[0].another().await?;
            servers.push(next);
        }
        let proxy = Proxy::start(
            servers
                .iter()
                .map(|s| s.base.trim_start_matches("http://").to_owned())
                .collect(),
        )
        .await?;
        // Behind the round-robin, one request per connection, so consecutive
        // requests of one device land on different replicas.
        let http = if replicas > 1 {
            reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()?
        } else {
            reqwest::Client::new()
        };
        let f = Fieldlog {
            name,
            servers,
            proxy,
            http,
        };
        let (r, d, wps) = f.run(sizes).await?;
        rows.extend(r);
        disks.push((name.to_owned(), d));
        writes.push((name.to_owned(), wps));
    }
    eprintln!("automerge-repo…");
    let mut peer = Peer::start(&peer_dir, &work).await?;
    let (r, d) = peer.run(sizes, &work).await?;
    rows.extend(r);
    disks.push(("automerge-repo (NodeFS storage)".into(), d));

    let mut report = String::new();
    let _ = writeln!(
        report,
        "Machine: {}. Versions: {}; Fieldlog {} ({}); Node {}; automerge-repo {}, automerge {}, network-websocket {}, storage-nodefs {}; PostgreSQL: {}.\n",
        machine(),
        command_line("rustc", &["-V"]),
        env!("CARGO_PKG_VERSION"),
        command_line(
            "git",
            &[
                "-C",
                &root.display().to_string(),
                "rev-parse",
                "--short",
                "HEAD"
            ]
        ),
        command_line("node", &["-v"]),
        peer_version(&peer_dir, "@automerge/automerge-repo"),
        peer_version(&peer_dir, "@automerge/automerge"),
        peer_version(&peer_dir, "@automerge/automerge-repo-network-websocket"),
        peer_version(&peer_dir, "@automerge/automerge-repo-storage-nodefs"),
        command_line("psql", &["--version"]),
    );
    report.push_str(&table(&rows, &disks, &writes, sizes));
    println!("{report}");
    let artifacts = root.join("artifacts");
    std::fs::create_dir_all(&artifacts)?;
    std::fs::write(artifacts.join("sidebyside.md"), &report)?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
