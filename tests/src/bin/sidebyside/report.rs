//! The Markdown report: the tables, and the machine and versions it ran on.

use crate::workload::{Row, Sizes};
use fieldlog_tests::bench_support::*;
use std::fmt::Write as _;
use std::path::Path;

pub(crate) fn table(
    rows: &[Row],
    disks: &[(String, f64)],
    writes: &[(String, f64)],
    sizes: Sizes,
) -> String {
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

pub(crate) fn command_line(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "not found".into())
}

pub(crate) fn machine() -> String {
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

pub(crate) fn peer_version(dir: &Path, package: &str) -> String {
    std::fs::read_to_string(dir.join("node_modules").join(package).join("package.json"))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}
