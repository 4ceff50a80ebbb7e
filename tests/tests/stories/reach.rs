//! Whoever gains access receives the records they now may read at their
//! next sync (API.md Additions, Administration), although those records are
//! older than the device's cursor: the cursor carries the reach it was
//! issued under (`client_core::reach`). Whoever loses access loses the
//! records from their phones at that sync too.

use super::now;
use fieldlog_tests::{Db, TestServer};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// `username`'s line in the admin's directory.
pub async fn directory_line(s: &TestServer, admin: &str, username: &str) -> anyhow::Result<Value> {
    let (st, all) = s.get(Some(admin), "/api/v1/admin/users").await?;
    anyhow::ensure!(st == 200, "users: {st} {all}");
    all.as_array()
        .into_iter()
        .flatten()
        .find(|u| u["username"] == username)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no {username}"))
}

#[tokio::test]
async fn a_supervisor_given_an_officer_receives_the_officers_older_records_at_the_next_sync()
-> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let admin = s.login("admin.agency").await?;
        let sup = s.login("sgt.alvarez").await?;
        let mut phone = sup.replica(0x51);
        s.sync(&sup.token, &mut phone).await?;
        let before: BTreeSet<_> = phone.record_ids().into_iter().collect();
        anyhow::ensure!(!before.is_empty(), "{name}: the supervisor syncs records");

        // sro.okafor (sgt.brooks's) now reports to sgt.alvarez.
        let okafor = directory_line(&s, &admin.token, "sro.okafor").await?;
        let path = format!(
            "/api/v1/admin/users/{}/assignments",
            okafor["id"].as_str().unwrap_or_default()
        );
        let today = now().to_string()[..10].to_string();
        let body = json!({"schools": okafor["schools"], "supervisor_id": sup.user, "effective_from": today});
        let (st, b) = s.put_json(Some(&admin.token), &path, &body).await?;
        anyhow::ensure!(st == 200, "{name}: {b}");

        // What a new phone of the supervisor's receives now...
        let mut fresh = sup.replica(0x52);
        s.sync(&sup.token, &mut fresh).await?;
        let now_readable: BTreeSet<_> = fresh.record_ids().into_iter().collect();
        anyhow::ensure!(
            now_readable.len() > before.len(),
            "{name}: okafor's records are within the window ({} then {})",
            before.len(),
            now_readable.len()
        );
        // ...the phone that synced before receives too, at its next sync.
        s.sync(&sup.token, &mut phone).await?;
        let after: BTreeSet<_> = phone.record_ids().into_iter().collect();
        let missing = now_readable.difference(&after).count();
        anyhow::ensure!(
            missing == 0,
            "{name}: {missing} of okafor's {} records never reached the phone that synced before",
            now_readable.len() - before.len()
        );
        // And with nothing new, the next sync pulls nothing again.
        let report = s.sync(&sup.token, &mut phone).await?;
        anyhow::ensure!(
            report.received.is_empty(),
            "{name}: a quiet sync pulled {}",
            report.received.len()
        );

        // Handed back to sgt.brooks: okafor's records leave the phone.
        let brooks = directory_line(&s, &admin.token, "sgt.brooks").await?;
        let body = json!({"schools": okafor["schools"], "supervisor_id": brooks["id"], "effective_from": today});
        let (st, b) = s.put_json(Some(&admin.token), &path, &body).await?;
        anyhow::ensure!(st == 200, "{name}: {b}");
        let report = s.sync(&sup.token, &mut phone).await?;
        let left: BTreeSet<_> = phone.record_ids().into_iter().collect();
        anyhow::ensure!(
            left == before,
            "{name}: {} records held, {} dropped; the supervisor's own are {}",
            left.len(),
            report.dropped,
            before.len()
        );
    }
    Ok(())
}
