//! The reference peer's side: automerge-repo's sync server and a Node
//! client, driven through the same workload.

use crate::workload::{Row, SEED, Sizes, Window, edited, json_gz_per_record, records};
use anyhow::Context;
use client_core::{Record, SchoolId, UserId};
use fieldlog_tests::bench_support::*;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// The reference peer: its server process and a Node client driven line by line.
pub(crate) struct Peer {
    server: tokio::process::Child,
    client: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    proxy: Proxy,
    storage: PathBuf,
}

impl Peer {
    pub(crate) async fn start(dir: &Path, work: &Path) -> anyhow::Result<Self> {
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

    pub(crate) async fn run(
        &mut self,
        sizes: Sizes,
        work: &Path,
    ) -> anyhow::Result<(Vec<Row>, f64)> {
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
