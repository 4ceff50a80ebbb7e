//! The sync benchmark: drives the real server's sync endpoint with simulated
//! devices and prints the figures (not a test: nothing here asserts a time).
//!
//! `cargo run --release -p fieldlog-tests --bin bench` (SQLite), and with
//! `FIELDLOG_TEST_POSTGRES=postgres://...` for PostgreSQL as well.

use client_core::record::*;
use client_core::replica::Replica;
use client_core::sync::{PROTOCOL_VERSION, SyncRequest};
use client_core::vocabulary::*;
use client_core::{DeviceId, Record, RecordId, SchoolId, StudentKey, Timestamp, UserId};
use fieldlog_tests::{Db, TestServer};
use std::io::Write;
use std::time::Instant;

fn now() -> Timestamp {
    Timestamp::from_millis(chrono::Utc::now().timestamp_millis())
}

fn record(i: u64, officer: UserId, school: SchoolId) -> Record {
    let at = now().plus_hours(-2);
    let mut r = Record::draft(RecordId(uuid::Uuid::now_v7()), school, officer, at);
    r.ended_at = Some(at.plus_minutes(12));
    r.location = Some(Location::ALL[i as usize % Location::ALL.len()]);
    r.initiated_by = Some(InitiatedBy::SchoolStaff);
    r.request = Some(StaffRequest {
        staff_id: Some(format!("staff-{}", i % 40)),
        staff_role: Some(StaffRole::Teacher),
        reason: Some("student refused to leave class".into()),
        requested_at: Some(at),
    });
    r.category = Some(Category::CodeOfConduct);
    r.would_warrant_911 = Some(false);
    r.sro_role = Some(SroRole::InformalCounselor);
    r.students = vec![Student {
        key: StudentKey(uuid::Uuid::now_v7()),
        reference: format!("S-{}", 10_000 + i % 80_000),
        age: Some(14),
        grade: Some(9),
        perceived: Some(Demographics {
            race: vec![Race::White],
            hispanic_latino: Some(true),
            sex: Some(Sex::Female),
            disability: Some(Disability::Unknown),
            english_learner: None,
        }),
        school_record: Some(Demographics {
            disability: Some(Disability::None),
            english_learner: Some(EnglishLearner::No),
            ..Default::default()
        }),
        sogi: None,
    }];
    r.deescalation = vec![DeescalationStep {
        technique: Technique::Verbal,
        at: Some(at),
        note: Some("talked it through".into()),
        effective: Some(true),
    }];
    r.actions = vec![ActionTaken::DeclinedDisciplineMatter];
    r.narrative = Some(
        "Teacher asked me to remove a student; declined and referred back to the administrator."
            .into(),
    );
    r.submit(at.plus_minutes(30));
    r
}

fn gz(bytes: &[u8]) -> usize {
    // Deflate-compressed size (what `Content-Encoding: gzip` would send, less
    // the 18-byte gzip frame) via a tiny stored-block-free estimate: use the
    // system gzip so the figure is the real one.
    let mut child = std::process::Command::new("gzip")
        .arg("-9c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("write");
    child.wait_with_output().expect("gzip output").stdout.len()
}

struct Wire {
    http: reqwest::Client,
    up: usize,
    down: usize,
    trips: usize,
}

impl Wire {
    async fn sync(
        &mut self,
        s: &TestServer,
        token: &str,
        r: &mut Replica,
    ) -> anyhow::Result<usize> {
        let mut refused = 0;
        loop {
            let body = r.prepare_sync();
            self.up += body.len();
            self.trips += 1;
            let resp = self
                .http
                .post(s.url("/api/v1/sync"))
                .bearer_auth(token)
                .body(body)
                .send()
                .await?;
            anyhow::ensure!(resp.status().is_success(), "sync failed: {}", resp.status());
            let bytes = resp.bytes().await?;
            self.down += bytes.len();
            let report = r.receive_sync(&bytes)?;
            refused += report.refused.len();
            if !report.more {
                return Ok(refused);
            }
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n_upload: u64 = std::env::var("BENCH_UPLOAD")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let n_pull: u64 = std::env::var("BENCH_PULL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.patel").await?;
        let (user, school) = (officer.user, officer.first_school());
        let mut wire = Wire {
            http: fieldlog_tests::http_client(),
            up: 0,
            down: 0,
            trips: 0,
        };
        println!(
            "\n## {} ({} records uploaded, {} pulled)",
            db.name(),
            n_upload,
            n_pull
        );

        // 1. One device uploads n_upload new records.
        let mut phone = Replica::new(user, DeviceId::from_u128(1));
        let mut json_gz = 0;
        for i in 0..n_upload {
            let r = record(i, user, school);
            json_gz += gz(&serde_json::to_vec(&r)?);
            phone.create(&r, now())?;
        }
        let t = Instant::now();
        let refused = wire.sync(&s, &officer.token, &mut phone).await?;
        let dt = t.elapsed().as_secs_f64();
        let per_record = wire.up as f64 / n_upload as f64;
        println!(
            "upload {n_upload} records, one device: {dt:.3} s ({:.0} records/s), {} round trips, {refused} refused",
            n_upload as f64 / dt,
            wire.trips
        );
        println!(
            "wire: {per_record:.0} B per record up; gzipped JSON of the same record {:.0} B; ratio {:.2}",
            json_gz as f64 / n_upload as f64,
            per_record / (json_gz as f64 / n_upload as f64)
        );

        // 2. Reconnect with nothing new.
        let mut quiet = Wire {
            http: wire.http.clone(),
            up: 0,
            down: 0,
            trips: 0,
        };
        quiet.sync(&s, &officer.token, &mut phone).await?;
        println!(
            "reconnect with nothing new: {} round trip(s), {} B up + {} B down",
            quiet.trips, quiet.up, quiet.down
        );

        // 3. Sustained writes: 8 devices of the officer, already up to date,
        // each sending batches of 25 new records (and pulling each other's).
        let mut devices = Vec::new();
        for d in 0..8u128 {
            let mut dev = Replica::new(user, DeviceId::from_u128(100 + d));
            let mut w = Wire {
                http: wire.http.clone(),
                up: 0,
                down: 0,
                trips: 0,
            };
            w.sync(&s, &officer.token, &mut dev).await?;
            devices.push(dev);
        }
        let t = Instant::now();
        let mut tasks = Vec::new();
        let per_device = (n_pull.saturating_sub(n_upload)) / 8;
        for mut dev in devices {
            let (base, token) = (s.base.clone(), officer.token.clone());
            tasks.push(tokio::spawn(async move {
                let http = fieldlog_tests::http_client();
                let mut done = 0u64;
                for i in 0..per_device {
                    dev.create(&record(i, user, school), now()).expect("valid");
                    // Batches of 25 records per request, as a phone coming back online would.
                    if i % 25 == 24 || i + 1 == per_device {
                        let resp = http
                            .post(format!("{base}/api/v1/sync"))
                            .bearer_auth(&token)
                            .body(dev.prepare_sync())
                            .send()
                            .await
                            .expect("sync");
                        dev.receive_sync(&resp.bytes().await.expect("body"))
                            .expect("reply");
                        done = i + 1;
                    }
                }
                done
            }));
        }
        let mut written = 0;
        for t in tasks {
            written += t.await?;
        }
        let dt = t.elapsed().as_secs_f64();
        println!(
            "sustained: {written} records from 8 devices in batches of 25: {dt:.2} s ({:.0} records/s, {:.0} changes/s)",
            written as f64 / dt,
            2.0 * written as f64 / dt
        );

        // 4. A fresh device pulls everything.
        let mut fresh = Replica::new(user, DeviceId::from_u128(999));
        let mut pull = Wire {
            http: wire.http.clone(),
            up: 0,
            down: 0,
            trips: 0,
        };
        let t = Instant::now();
        pull.sync(&s, &officer.token, &mut fresh).await?;
        let dt = t.elapsed().as_secs_f64();
        let got = fresh.record_ids().len();
        println!(
            "fresh device pulls {got} records: {dt:.2} s, {} round trips, {:.0} B per record down, 0 failures",
            pull.trips,
            pull.down as f64 / got as f64
        );
        println!(
            "server peak RSS {} MB (now {} MB)",
            fieldlog_tests::bench_support::status_kb(s.pid(), "VmHWM:") / 1024,
            fieldlog_tests::bench_support::status_kb(s.pid(), "VmRSS:") / 1024
        );
        let _ = SyncRequest {
            version: PROTOCOL_VERSION,
            device: DeviceId::from_u128(0),
            cursor: None,
            push: vec![],
        };
    }
    Ok(())
}
