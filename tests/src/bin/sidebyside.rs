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

#[path = "sidebyside/fieldlog.rs"]
mod fieldlog;
#[path = "sidebyside/peer.rs"]
mod peer;
#[path = "sidebyside/report.rs"]
mod report;
#[path = "sidebyside/workload.rs"]
mod workload;

use anyhow::{Context, bail};
use fieldlog::Fieldlog;
use fieldlog_tests::bench_support::*;
use fieldlog_tests::{Db, TestServer};
use peer::Peer;
use report::{command_line, machine, peer_version, table};
use std::fmt::Write as _;
use std::path::Path;
use workload::Sizes;

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
    // SIDEBYSIDE_PEER=skip measures Fieldlog alone (before and after a
    // change to it): the peer's half is 9 of the run's 19 minutes.
    let with_peer = std::env::var("SIDEBYSIDE_PEER").as_deref() != Ok("skip");
    if with_peer
        && !peer_dir
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
        fieldlog_tests::install_crypto();
        let http = if replicas > 1 {
            reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()?
        } else {
            fieldlog_tests::http_client()
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
    if with_peer {
        eprintln!("automerge-repo…");
        let mut peer = Peer::start(&peer_dir, &work).await?;
        let (r, d) = peer.run(sizes, &work).await?;
        rows.extend(r);
        disks.push(("automerge-repo (NodeFS storage)".into(), d));
    }

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
