//! The soak: sync requests at a fixed rate for a long time against one
//! server, counting every answer that is not 200, sampling the server's RSS,
//! and recording the latency distribution.
//!
//! `cargo xtask soak` or `cargo run --release -p fieldlog-tests --bin soak`.
//! `SOAK_SECONDS` (default 1800), `SOAK_RATE` requests/s (default 50),
//! `SOAK_DEVICES` (default 50, one officer each); `SOAK_POSTGRES=1` runs on
//! `FIELDLOG_TEST_POSTGRES` instead of SQLite. Prints a Markdown report and
//! writes it to `artifacts/soak.md`. Nothing here asserts a time; the exit
//! code is non-zero when a request failed or an acknowledged record is
//! missing afterwards.
//!
//! The load is open-loop: a request starts every 1/rate seconds whether or
//! not earlier ones have answered, so a slow server shows up in the latency
//! figures instead of quietly lowering the rate.

use anyhow::{Context, bail};
use client_core::replica::Replica;
use client_core::{DeviceId, Record, RecordId, SchoolId, Timestamp};
use fieldlog_tests::bench_support::*;
use fieldlog_tests::{Db, Session, TestServer};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn now() -> Timestamp {
    Timestamp::from_millis(chrono::Utc::now().timestamp_millis())
}

/// One phone: its officer's session, its replica, the records it has made,
/// and how many of them the server has acknowledged.
struct Device {
    session: Session,
    signed_in: Instant,
    replica: Replica,
    rng: Seeded,
    school: SchoolId,
    made: Vec<RecordId>,
    acknowledged: usize,
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    statuses: BTreeMap<String, usize>,
    new_records: usize,
    edits: usize,
}

/// Tokens last 15 minutes; a phone signs in again well before that.
const SIGN_IN_AGAIN: Duration = Duration::from_secs(10 * 60);

async fn one_request(
    server: &TestServer,
    http: &reqwest::Client,
    dev: &mut Device,
    tally: &Mutex<Tally>,
    name: &str,
) -> anyhow::Result<()> {
    if dev.signed_in.elapsed() > SIGN_IN_AGAIN {
        dev.session = server.login(name).await?;
        dev.signed_in = Instant::now();
    }
    // What the officer did since the last sync: a new record (3 in 10), an
    // edit of an earlier one (3 in 10), or nothing (a reconnect).
    let roll = dev.rng.below(10);
    let (mut new_record, mut edit) = (false, false);
    if roll < 3 || dev.made.is_empty() {
        // Logged after the fact, as officers do (an end time in the future
        // is refused).
        let at = now().plus_hours(-2);
        let r = seeded_record(&mut dev.rng, dev.session.user, dev.school, at);
        dev.replica.create(&r, now())?;
        dev.made.push(r.id);
        new_record = true;
    } else if roll < 6 {
        let id = dev.made[dev.rng.below(dev.made.len())];
        let mut r: Record = dev.replica.record(id)?;
        r.narrative = Some(format!("Follow-up {}.", dev.rng.below(1_000_000)));
        dev.replica.update(&r, Some("follow-up added"), now())?;
        edit = true;
    }
    let body = gzip(&dev.replica.prepare_sync());
    let t0 = Instant::now();
    let answer = http
        .post(format!("{}/api/v1/sync", server.base))
        .bearer_auth(&dev.session.token)
        .header("content-type", "application/octet-stream")
        .header("content-encoding", "gzip")
        .body(body)
        .send()
        .await;
    let (status, bytes) = match answer {
        Ok(resp) => {
            let status = resp.status();
            (status.as_u16().to_string(), resp.bytes().await.ok())
        }
        Err(e) => (format!("transport: {e}"), None),
    };
    let elapsed = t0.elapsed().as_micros() as u64;
    if status == "200" {
        let report = dev
            .replica
            .receive_sync(&bytes.context("no body")?)
            .context("the server's answer did not decode")?;
        if !report.refused.is_empty() {
            bail!("{} changes refused", report.refused.len());
        }
        dev.acknowledged = dev.made.len();
    }
    let mut t = tally.lock().await;
    t.latencies_us.push(elapsed);
    *t.statuses.entry(status).or_default() += 1;
    t.new_records += new_record as usize;
    t.edits += edit as usize;
    Ok(())
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds = env_or("SOAK_SECONDS", 1800);
    let rate = env_or("SOAK_RATE", 50).max(1);
    let devices = env_or("SOAK_DEVICES", 50).max(1) as usize;
    let db = if std::env::var("SOAK_POSTGRES").is_ok_and(|v| v == "1") {
        Db::all()
            .into_iter()
            .find(|d| matches!(d, Db::Postgres(_)))
            .context("SOAK_POSTGRES=1 needs FIELDLOG_TEST_POSTGRES")?
    } else {
        Db::Sqlite
    };
    let db_name = if matches!(db, Db::Sqlite) {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    eprintln!("soak: {seconds} s at {rate} sync requests/s, {devices} devices, {db_name}");
    let server = Arc::new(TestServer::start_quiet(&db).await?);
    let school = server.login("sro.patel").await?.first_school();
    let mut devs = Vec::new();
    for d in 0..devices {
        let name = format!("soak.d{d}");
        server.add_user(&name, "sro", school)?;
        let session = server.login(&name).await?;
        devs.push(Arc::new(Mutex::new(Device {
            replica: Replica::new(session.user, DeviceId::from_u128(5_000 + d as u128)),
            session,
            signed_in: Instant::now(),
            rng: Seeded::new(0x50A4 + d as u64),
            school,
            made: Vec::new(),
            acknowledged: 0,
        })));
    }
    let http = fieldlog_tests::http_client();
    let tally = Arc::new(Mutex::new(Tally::default()));
    let pid = server.pid();

    // RSS every 10 s, in its own task so a slow request cannot delay it.
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let t0 = Instant::now();
            let mut samples = Vec::new();
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                samples.push((t0.elapsed().as_secs(), status_kb(pid, "VmRSS:")));
                tokio::time::sleep(Duration::from_secs(10)).await;
            }
            samples
        })
    };

    let total = seconds * rate;
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let cpu0 = cpu_seconds(pid);
    let t0 = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let mut late = 0usize;
    for i in 0..total {
        ticker.tick().await;
        let d = (i as usize) % devices;
        let (server, http, tally, dev) =
            (server.clone(), http.clone(), tally.clone(), devs[d].clone());
        tasks.spawn(async move {
            // A device that is still waiting on its previous answer queues
            // this one behind it, as a phone's sync loop would.
            let mut dev = dev.lock().await;
            let name = format!("soak.d{d}");
            if let Err(e) = one_request(&server, &http, &mut dev, &tally, &name).await {
                *tally
                    .lock()
                    .await
                    .statuses
                    .entry(format!("client: {e}"))
                    .or_default() += 1;
            }
        });
        while let Some(done) = tasks.try_join_next() {
            done?;
        }
        if i % (rate * 60) == 0 && i > 0 {
            eprintln!("  {} min, {} requests", i / rate / 60, i);
        }
        if tasks.len() > devices {
            late += 1;
        }
    }
    while let Some(done) = tasks.join_next().await {
        done?;
    }
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds(pid) - cpu0;
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let samples = sampler.await?;

    // Every acknowledged record is on the server: a fresh device per
    // officer pulls them all.
    let mut missing = 0;
    let mut acknowledged = 0;
    for (d, dev) in devs.iter().enumerate() {
        let mut dev = dev.lock().await;
        let session = server.login(&format!("soak.d{d}")).await?;
        dev.session = session;
        let mut fresh = Replica::new(dev.session.user, DeviceId::from_u128(9_000 + d as u128));
        loop {
            let resp = http
                .post(format!("{}/api/v1/sync", server.base))
                .bearer_auth(&dev.session.token)
                .header("content-type", "application/octet-stream")
                .body(fresh.prepare_sync())
                .send()
                .await?;
            anyhow::ensure!(resp.status().is_success(), "pull: {}", resp.status());
            if !fresh.receive_sync(&resp.bytes().await?)?.more {
                break;
            }
        }
        let held: std::collections::HashSet<RecordId> = fresh.record_ids().into_iter().collect();
        acknowledged += dev.acknowledged;
        missing += dev.made[..dev.acknowledged]
            .iter()
            .filter(|id| !held.contains(id))
            .count();
    }

    let mut t = tally.lock().await;
    t.latencies_us.sort_unstable();
    let lat = &t.latencies_us;
    let errors: usize = t
        .statuses
        .iter()
        .filter(|(s, _)| s.as_str() != "200")
        .map(|(_, n)| n)
        .sum();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Soak, {db_name}: {} sync requests in {wall:.0} s ({:.1}/s, target {rate}/s), {devices} devices (one officer each), {} new records and {} edits; {acknowledged} acknowledged records, {missing} missing afterwards.\n",
        lat.len(),
        lat.len() as f64 / wall,
        t.new_records,
        t.edits,
    );
    let _ = writeln!(out, "| answers | count |\n|---|---:|");
    for (s, n) in &t.statuses {
        let _ = writeln!(out, "| {s} | {n} |");
    }
    let _ = writeln!(
        out,
        "\n| latency | p50 | p90 | p99 | p99.9 | max |\n|---|---:|---:|---:|---:|---:|\n| ms | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
        percentile(lat, 0.50),
        percentile(lat, 0.90),
        percentile(lat, 0.99),
        percentile(lat, 0.999),
        percentile(lat, 1.0),
    );
    let _ = writeln!(
        out,
        "\nServer CPU {cpu:.0} s ({:.0}% of one core). Ticks with more requests in flight than devices: {late}.\n",
        100.0 * cpu / wall
    );
    // RSS per tenth of the run: flat means the last tenth is not above the
    // second (the first holds start-up and the caches filling).
    let _ = writeln!(
        out,
        "| minute | server RSS MB (mean of samples) |\n|---:|---:|"
    );
    let tenth = (samples.len() / 10).max(1);
    let mut means = Vec::new();
    for chunk in samples.chunks(tenth) {
        let mean =
            chunk.iter().map(|(_, kb)| *kb as f64).sum::<f64>() / chunk.len() as f64 / 1024.0;
        means.push(mean);
        let _ = writeln!(out, "| {:.1} | {mean:.1} |", chunk[0].0 as f64 / 60.0);
    }
    let peak = samples.iter().map(|(_, kb)| *kb).max().unwrap_or(0) as f64 / 1024.0;
    let _ = writeln!(out, "\nPeak sampled RSS {peak:.1} MB.");
    println!("{out}");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("root")?
        .to_owned();
    std::fs::create_dir_all(root.join("artifacts"))?;
    std::fs::write(root.join("artifacts/soak.md"), &out)?;
    if errors > 0 || missing > 0 {
        bail!("{errors} failed requests, {missing} acknowledged records missing");
    }
    Ok(())
}
