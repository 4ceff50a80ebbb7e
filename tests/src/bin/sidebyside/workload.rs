//! The workload: its sizes, the seeded records every system receives, and
//! what one phase measures on the servers (the report's rows).

use client_core::vocabulary::Location;
use client_core::{Record, SchoolId, Timestamp, UserId};
use fieldlog_tests::bench_support::*;
use std::time::Instant;

pub(crate) const SEED: u64 = 0x000F_1E1D_106B;

pub(crate) fn now() -> Timestamp {
    Timestamp::from_millis(chrono::Utc::now().timestamp_millis())
}

/// The workload's sizes.
#[derive(Clone, Copy)]
pub(crate) struct Sizes {
    pub(crate) upload: usize,
    pub(crate) devices: usize,
    pub(crate) per_device: usize,
}

/// One system's figures for one workload.
pub(crate) struct Row {
    pub(crate) workload: &'static str,
    pub(crate) system: String,
    pub(crate) wall: f64,
    pub(crate) records: usize,
    pub(crate) failures: usize,
    pub(crate) up: u64,
    pub(crate) down: u64,
    pub(crate) trips: Option<usize>,
    pub(crate) cpu: f64,
    pub(crate) rss_kb: u64,
    /// gzipped JSON of the same records, per record.
    pub(crate) json_gz: f64,
}

/// The records of one officer, drawn from the seed (the same content for
/// every system; only the officer's id differs per database).
pub(crate) fn records(seed: u64, n: usize, officer: UserId, school: SchoolId) -> Vec<Record> {
    let mut rng = Seeded::new(seed);
    let base = Timestamp::from_millis(1_788_000_000_000); // 2026-08-29
    (0..n)
        .map(|i| seeded_record(&mut rng, officer, school, base.plus_minutes(i as i64 * 7)))
        .collect()
}

pub(crate) fn edited(r: &Record, i: usize) -> Record {
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

pub(crate) fn json_gz_per_record(records: &[Record]) -> f64 {
    let total: usize = records
        .iter()
        .map(|r| gzip_len(&serde_json::to_vec(r).expect("a record is JSON")))
        .sum();
    total as f64 / records.len().max(1) as f64
}

/// What a phase measures on the servers.
pub(crate) struct Window {
    pids: Vec<u32>,
    cpu0: f64,
    t0: Instant,
}

impl Window {
    pub(crate) fn open(pids: &[u32], proxy: &Proxy) -> Self {
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
    pub(crate) fn close(
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
