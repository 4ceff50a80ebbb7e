//! What each role reads agrees with the policy beyond single requests: the
//! incident lists, what sync hands a device (within the retention window),
//! and what `/me` says the caller may do.

use super::matrix::actor_of;
use super::now;
use client_core::Policy;
use client_core::access::{Action, Decision, RecordFacts};
use fieldlog_tests::{Db, TestServer};
use serde_json::Value;

/// Every record id a caller can list, following `next_cursor` to the end.
async fn list_all(s: &TestServer, token: &str) -> anyhow::Result<Vec<client_core::RecordId>> {
    list_items(s, token)
        .await?
        .iter()
        .map(|item| Ok(item["id"].as_str().unwrap_or_default().parse()?))
        .collect()
}

/// Every record a caller can list, as JSON.
async fn list_items(s: &TestServer, token: &str) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::new();
    let mut path = "/api/v1/incidents".to_owned();
    loop {
        let (status, body) = s.get(Some(token), &path).await?;
        anyhow::ensure!(status == 200, "list: {status} {body}");
        out.extend(body["items"].as_array().into_iter().flatten().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/incidents?cursor={c}"),
            None => return Ok(out),
        }
    }
}

#[tokio::test]
async fn list_queries_and_sync_pulls_agree_with_the_policy() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let policy = Policy::federal_default();
        // Every record of the district, as its officers list them; a device
        // pulls those of the retention window and drafts (issue 15).
        let window = client_core::retention::window_start(
            &Default::default(),
            now(),
            client_core::retention::DEFAULT_PERIODS,
        );
        let mut all = std::collections::BTreeMap::new();
        let mut on_devices = std::collections::BTreeSet::new();
        for officer in ["sro.martinez", "sro.chen", "sro.okafor", "sro.patel"] {
            let o = s.login(officer).await?;
            for item in list_items(&s, &o.token).await? {
                let id: client_core::RecordId = item["id"].as_str().unwrap_or_default().parse()?;
                all.insert(
                    id,
                    RecordFacts {
                        officer: item["officer_id"].as_str().unwrap_or_default().parse()?,
                        school: item["school_id"].as_str().unwrap_or_default().parse()?,
                    },
                );
                let at =
                    client_core::Timestamp::parse(item["occurred_at"].as_str().unwrap_or_default());
                if item["status"] == "draft" || at.is_some_and(|t| t >= window) {
                    on_devices.insert(id);
                }
            }
        }
        assert!(
            all.len() >= 400,
            "{}: the demo district has {} records",
            db.name(),
            all.len()
        );
        for user in [
            "sro.martinez",
            "sgt.alvarez",
            "sgt.brooks",
            "principal.lincoln",
            "principal.roosevelt",
        ] {
            let sess = s.login(user).await?;
            let actor = actor_of(&sess);
            let want: std::collections::BTreeSet<_> = all
                .iter()
                .filter(|(_, f)| policy.view(&actor, f).is_some())
                .map(|(id, _)| *id)
                .collect();
            let listed = list_all(&s, &sess.token).await?;
            let listed_set: std::collections::BTreeSet<_> = listed.iter().copied().collect();
            assert_eq!(
                listed.len(),
                listed_set.len(),
                "{}: {user}: a record listed twice",
                db.name()
            );
            assert_eq!(
                listed_set,
                want,
                "{}: {user}: the list disagrees with the policy",
                db.name()
            );
            // The documents sync hands out agree too.
            let mut device = sess.replica(88);
            s.sync(&sess.token, &mut device).await?;
            let pulled: std::collections::BTreeSet<_> = device.record_ids().into_iter().collect();
            let want_docs: std::collections::BTreeSet<_> = all
                .iter()
                .filter(|(id, f)| {
                    on_devices.contains(*id)
                        && policy.decide(&actor, Some(f), Action::SyncReadAccount)
                            == Decision::Allow
                })
                .map(|(id, _)| *id)
                .collect();
            assert_eq!(
                pulled,
                want_docs,
                "{}: {user}: sync disagrees with the policy",
                db.name()
            );
        }
    }
    Ok(())
}

/// Issue 17: the app's desk menu follows the policy. `/me` names the
/// caller's granted actions and the desk views they open; before, the
/// views were a table in the app's TypeScript and `/me` had neither.
#[tokio::test]
async fn me_names_the_grants_and_the_desk_views_they_open() -> anyhow::Result<()> {
    let s = TestServer::start(&Db::Sqlite).await?;
    let policy = Policy::federal_default();
    for user in [
        "sro.martinez",
        "sgt.brooks",
        "principal.lincoln",
        "analyst.district",
        "admin.district",
        "auditor.district",
    ] {
        let sess = s.login(user).await?;
        let (status, me) = s.get(Some(&sess.token), "/api/v1/me").await?;
        assert_eq!(status, 200, "{me}");
        let role = actor_of(&sess).role;
        let views: Vec<String> = client_core::desk::views(&policy, role)
            .iter()
            .map(|v| v.to_string())
            .collect();
        assert_eq!(me["desk_views"], serde_json::json!(views), "{user}");
        let actions: Vec<String> = client_core::desk::granted(&policy, role)
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(me["actions"], serde_json::json!(actions), "{user}");
    }
    Ok(())
}
