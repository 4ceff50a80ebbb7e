//! `server backup` while the server runs, `server restore` into an empty
//! folder or database: nothing lost, the access log's chain intact (issue 18).

use crate::{contact, now};
use client_core::RecordId;
use fieldlog_tests::{Db, TestServer};
use std::collections::BTreeMap;

/// Every record a fresh device of `user` pulls, by id.
async fn view(
    s: &TestServer,
    user: &str,
) -> anyhow::Result<BTreeMap<RecordId, client_core::Record>> {
    let session = s.login(user).await?;
    let mut device = session.replica(0x5ee);
    s.sync(&session.token, &mut device).await?;
    let mut out = BTreeMap::new();
    for id in device.record_ids() {
        out.insert(id, device.record(id)?);
    }
    Ok(out)
}

/// What `/audit/verify` says, and the log's entries (sequence and hash) it
/// covered. Reading the log is itself logged, so the pages stop there.
async fn log(s: &TestServer) -> anyhow::Result<(Vec<(i64, String)>, serde_json::Value)> {
    let auditor = s.login("auditor.district").await?;
    let (status, verdict) = s.get(Some(&auditor.token), "/api/v1/audit/verify").await?;
    anyhow::ensure!(status == 200, "verify: {status} {verdict}");
    let total = verdict["entries"].as_u64().unwrap_or(0) as usize;
    let mut entries = Vec::new();
    while entries.len() < total {
        let after = entries.last().map_or(0, |(seq, _)| *seq);
        let (status, page) = s
            .get(
                Some(&auditor.token),
                &format!("/api/v1/audit?after={after}"),
            )
            .await?;
        anyhow::ensure!(status == 200, "audit: {status} {page}");
        let page = page.as_array().cloned().unwrap_or_default();
        anyhow::ensure!(!page.is_empty(), "the log ended before {total} entries");
        for e in page.into_iter().take(total - entries.len()) {
            entries.push((
                e["seq"].as_i64().unwrap_or(-1),
                e["hash"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    Ok((entries, verdict))
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_into_an_empty_database_with_nothing_lost()
-> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let mut phone = officer.replica(1);
        let r = contact(officer.user, officer.first_school());
        phone.create(&r, now())?;
        s.sync(&officer.token, &mut phone).await?;
        let before = view(&s, "sro.martinez").await?;
        assert!(before.contains_key(&r.id), "{}", db.name());
        let supervised = view(&s, "sgt.brooks").await?;
        assert!(!supervised.is_empty(), "{}", db.name());
        let (entries, verdict) = log(&s).await?;
        assert_eq!(verdict["ok"], true, "{}: {verdict}", db.name());

        let dir = tempdir()?;
        let file = dir.join("fieldlog-backup.db");
        let path = file.to_str().unwrap_or_default();
        let out = s.cli(&["backup", "--to", path], "")?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_mode_0600(&file);
        // A backup never overwrites.
        let again = s.cli(&["backup", "--to", path], "")?;
        assert!(!again.status.success(), "{}: overwrote a backup", db.name());

        // Onto other keys the log could never verify: refused.
        let elsewhere = tempdir()?;
        let out = std::process::Command::new(fieldlog_tests::server_binary()?)
            .args(["restore", "--from", path])
            .env("FIELDLOG_DATA_DIR", &elsewhere)
            .env_remove("DATABASE_URL")
            .output()?;
        assert!(
            !out.status.success(),
            "{}: restored onto other keys",
            db.name()
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("other keys"), "{}: {err}", db.name());

        let restored = s.restored(&db, &file).await?;
        assert_eq!(
            view(&restored, "sro.martinez").await?,
            before,
            "{}",
            db.name()
        );
        assert_eq!(
            view(&restored, "sgt.brooks").await?,
            supervised,
            "{}",
            db.name()
        );
        let (entries_after, verdict) = log(&restored).await?;
        assert_eq!(verdict["ok"], true, "{}: {verdict}", db.name());
        // Every entry up to the backup is there, with its hash; the restored
        // server's own reads follow them.
        let upto = entries.len().min(entries_after.len());
        assert!(
            upto > 0 && upto == entries.len(),
            "{}: {} entries before, {} after",
            db.name(),
            entries.len(),
            entries_after.len()
        );
        assert_eq!(entries_after[..upto], entries[..], "{}", db.name());

        // The officer goes on syncing against the restored server.
        let officer = restored.login("sro.martinez").await?;
        let mut fresh = officer.replica(2);
        restored.sync(&officer.token, &mut fresh).await?;
        assert_eq!(fresh.record(r.id)?, r, "{}", db.name());

        // Restore refuses a database that holds anything.
        let out = restored.cli(&["restore", "--from", path], "")?;
        assert!(!out.status.success(), "{}: restored over data", db.name());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("not empty"), "{}: {err}", db.name());
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(())
}

fn tempdir() -> anyhow::Result<std::path::PathBuf> {
    let dir =
        std::env::temp_dir().join(format!("fieldlog-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn assert_mode_0600(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).map(|m| m.permissions().mode() & 0o777);
    assert_eq!(mode.ok(), Some(0o600), "{}", path.display());
}
