//! Issue 16, finding 6: the access log is tamper-evident. Someone with write
//! access to the database (not to the secrets folder) edits an entry, cuts
//! the newest entries off, re-chains the log around a removed entry, and
//! rolls it back to an older signed head; `/audit/verify` says where it
//! breaks each time (the rollback given a checkpoint the auditor kept).

use client_core::{RecordId, Role, UserId};
use fieldlog_tests::{Db, TestServer};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value as Sql};
use serde_json::{Value, json};
use server::store::audit::{Entry, hash_v1};

/// The server's database, opened directly as an intruder would.
async fn open(s: &TestServer) -> anyhow::Result<DatabaseConnection> {
    s.open_database().await
}

async fn exec(c: &DatabaseConnection, sql: &str, values: Vec<Sql>) -> anyhow::Result<()> {
    let b = c.get_database_backend();
    let sql = match b {
        sea_orm::DatabaseBackend::Postgres => {
            // $1, $2, ... instead of ?.
            let mut n = 0;
            sql.chars()
                .map(|ch| {
                    if ch == '?' {
                        n += 1;
                        format!("${n}")
                    } else {
                        ch.to_string()
                    }
                })
                .collect()
        }
        _ => sql.to_owned(),
    };
    c.execute_raw(Statement::from_sql_and_values(b, sql, values))
        .await?;
    Ok(())
}

/// Every entry: (seq, prev_hash, the entry as hashed).
async fn entries(c: &DatabaseConnection) -> anyhow::Result<Vec<(i64, String, Entry)>> {
    let rows = c
        .query_all_raw(Statement::from_string(
            c.get_database_backend(),
            "SELECT * FROM access_log ORDER BY seq".to_owned(),
        ))
        .await?;
    let list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
    rows.iter()
        .map(|r| {
            let role: Option<String> = r.try_get("", "role")?;
            Ok((
                r.try_get("", "seq")?,
                r.try_get("", "prev_hash")?,
                Entry {
                    at: r.try_get("", "at")?,
                    user: r.try_get::<Option<uuid::Uuid>>("", "user_id")?.map(UserId),
                    role: role.as_deref().and_then(Role::parse),
                    event: r.try_get("", "event")?,
                    record: r
                        .try_get::<Option<uuid::Uuid>>("", "record_id")?
                        .map(RecordId),
                    student_refs: list(r.try_get("", "student_refs")?),
                    fields: list(r.try_get("", "fields")?),
                    endpoint: r.try_get("", "endpoint")?,
                    purpose: r.try_get("", "purpose")?,
                },
            ))
        })
        .collect()
}

async fn verify(s: &TestServer, token: &str, held: Option<&Value>) -> anyhow::Result<Value> {
    let (st, v) = match held {
        None => s.get(Some(token), "/api/v1/audit/verify").await?,
        Some(c) => {
            let body = json!({ "checkpoints": [c] });
            s.post_json(Some(token), "/api/v1/audit/verify", &body)
                .await?
        }
    };
    assert_eq!(st, 200, "{v}");
    Ok(v)
}

/// Some ordinary traffic for the log.
async fn traffic(s: &TestServer) -> anyhow::Result<()> {
    for u in [
        "sro.martinez",
        "sgt.alvarez",
        "principal.lincoln",
        "sro.chen",
    ] {
        s.login(u).await?;
    }
    Ok(())
}

#[tokio::test]
async fn an_edited_entry_and_a_log_cut_short_are_found() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let auditor = s.login("auditor.district").await?;
        traffic(&s).await?;
        let v = verify(&s, &auditor.token, None).await?;
        assert_eq!(v["ok"], true, "{name}: {v}");
        let c = open(&s).await?;

        // Edit an entry in the middle: whose read it was, or why.
        let log = entries(&c).await?;
        let (mid, _, original) = log[log.len() / 2].clone();
        exec(
            &c,
            "UPDATE access_log SET purpose = ? WHERE seq = ?",
            vec!["nothing to see".into(), mid.into()],
        )
        .await?;
        let v = verify(&s, &auditor.token, None).await?;
        assert_eq!(v["ok"], false, "{name}: {v}");
        assert_eq!(v["broken_at"], mid, "{name}: {v}");
        assert!(v["problem"].as_str().unwrap().contains("changed"), "{v}");
        exec(
            &c,
            "UPDATE access_log SET purpose = ? WHERE seq = ?",
            vec![original.purpose.into(), mid.into()],
        )
        .await?;
        let v = verify(&s, &auditor.token, None).await?;
        assert_eq!(v["ok"], true, "{name}: restored: {v}");

        // Cut the newest three entries off (the old chain never noticed).
        traffic(&s).await?;
        let last = entries(&c).await?.last().unwrap().0;
        exec(
            &c,
            "DELETE FROM access_log WHERE seq > ?",
            vec![(last - 3).into()],
        )
        .await?;
        let v = verify(&s, &auditor.token, None).await?;
        assert_eq!(v["ok"], false, "{name}: {v}");
        assert_eq!(v["broken_at"], last - 2, "{name}: the first missing: {v}");
        assert!(
            v["problem"]
                .as_str()
                .unwrap()
                .contains("removed from its end"),
            "{v}"
        );
        c.close().await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_rollback_is_found_with_a_kept_checkpoint_and_a_rechained_log_is_found()
-> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let auditor = s.login("auditor.district").await?;
        traffic(&s).await?;
        let c = open(&s).await?;
        // The intruder keeps a copy of today's signed head.
        let head_row = c
            .query_one_raw(Statement::from_string(
                c.get_database_backend(),
                "SELECT value FROM settings WHERE key = 'access_log_head'".to_owned(),
            ))
            .await?
            .expect("a signed head");
        let saved_head: String = head_row.try_get("", "value")?;
        let rollback_to = entries(&c).await?.last().unwrap().0;

        // More reads; the auditor signs a checkpoint and keeps it elsewhere.
        traffic(&s).await?;
        let (st, exported) = s
            .post_json(
                Some(&auditor.token),
                "/api/v1/audit/checkpoints",
                &json!({}),
            )
            .await?;
        assert_eq!(st, 200, "{name}: {exported}");
        let held = exported["head"].clone();
        assert!(held["seq"].as_i64().unwrap() > rollback_to, "{held}");
        assert!(
            exported["public_key"]
                .as_str()
                .is_some_and(|k| !k.is_empty())
        );
        let (st, listed) = s
            .get(Some(&auditor.token), "/api/v1/audit/checkpoints")
            .await?;
        assert_eq!(st, 200, "{name}");
        assert!(
            listed["checkpoints"].as_array().unwrap().contains(&held),
            "{name}: {listed}"
        );
        traffic(&s).await?;

        // Roll everything back to the saved head: entries, checkpoints, head.
        exec(
            &c,
            "DELETE FROM access_log WHERE seq > ?",
            vec![rollback_to.into()],
        )
        .await?;
        exec(
            &c,
            "DELETE FROM audit_checkpoints WHERE seq > ?",
            vec![rollback_to.into()],
        )
        .await?;
        exec(
            &c,
            "UPDATE settings SET value = ? WHERE key = 'access_log_head'",
            vec![saved_head.into()],
        )
        .await?;
        // Consistent with itself, the server alone cannot tell...
        let v = verify(&s, &auditor.token, None).await?;
        assert_eq!(v["ok"], true, "{name}: {v}");
        // ...but the auditor's kept checkpoint can.
        let v = verify(&s, &auditor.token, Some(&held)).await?;
        assert_eq!(v["ok"], false, "{name}: {v}");
        assert_eq!(v["broken_at"], held["seq"], "{name}: {v}");
        assert!(v["problem"].as_str().unwrap().contains("removed"), "{v}");
        // A checkpoint not signed by the server proves nothing.
        let mut forged = held.clone();
        forged["entries"] = json!(1);
        let v = verify(&s, &auditor.token, Some(&forged)).await?;
        assert_eq!(v["ok"], false, "{name}: {v}");
        assert!(v["problem"].as_str().unwrap().contains("not signed"), "{v}");

        // Remove an entry in the middle and re-chain every later one with the
        // plain SHA-256 chain (as the old log allowed), marked as old entries.
        let log = entries(&c).await?;
        let i = log.len() / 2;
        let removed = log[i].0;
        exec(
            &c,
            "DELETE FROM access_log WHERE seq = ?",
            vec![removed.into()],
        )
        .await?;
        let mut prev = log[i].1.clone();
        for (seq, _, e) in &log[i + 1..] {
            let hash = hash_v1(&prev, e);
            exec(
                &c,
                "UPDATE access_log SET prev_hash = ?, hash = ?, version = 1 WHERE seq = ?",
                vec![prev.clone().into(), hash.clone().into(), (*seq).into()],
            )
            .await?;
            prev = hash;
        }
        let v = verify(&s, &auditor.token, None).await?;
        assert_eq!(v["ok"], false, "{name}: {v}");
        assert_eq!(v["broken_at"], log[i + 1].0, "{name}: {v}");
        // Re-chained the same way but keeping the new version: still found.
        for (seq, _, _) in &log[i + 1..] {
            exec(
                &c,
                "UPDATE access_log SET version = 2 WHERE seq = ?",
                vec![(*seq).into()],
            )
            .await?;
        }
        let v = verify(&s, &auditor.token, None).await?;
        assert_eq!(v["broken_at"], log[i + 1].0, "{name}: {v}");
        c.close().await?;
    }
    Ok(())
}

/// The review's attack: rewrite the whole log with the plain SHA-256 chain
/// (as version-1 entries) without one entry, and delete the signed head and
/// the checkpoints. Before: the next sign-in signed a fresh head over the
/// forgery and `/audit/verify` answered ok.
#[tokio::test]
async fn a_log_rewritten_without_its_signed_head_is_found() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        traffic(&s).await?;
        let c = open(&s).await?;
        let log = entries(&c).await?;
        let i = log.len() / 2;
        exec(
            &c,
            "DELETE FROM access_log WHERE seq = ?",
            vec![log[i].0.into()],
        )
        .await?;
        let mut prev = "0".repeat(64);
        for (n, (seq, _, e)) in log.iter().enumerate().filter(|(n, _)| *n != i) {
            let _ = n;
            let hash = hash_v1(&prev, e);
            exec(
                &c,
                "UPDATE access_log SET prev_hash = ?, hash = ?, version = 1 WHERE seq = ?",
                vec![prev.clone().into(), hash.clone().into(), (*seq).into()],
            )
            .await?;
            prev = hash;
        }
        exec(&c, "DELETE FROM audit_checkpoints", vec![]).await?;
        exec(
            &c,
            "DELETE FROM settings WHERE key = 'access_log_head'",
            vec![],
        )
        .await?;
        c.close().await?;
        // Restarted, with traffic: the server must not re-sign the forgery.
        let s = s.kill_and_restart().await?;
        traffic(&s).await?;
        let auditor = s.login("auditor.district").await?;
        let v = verify(&s, &auditor.token, None).await?;
        assert_eq!(v["ok"], false, "{name}: {v}");
        assert!(
            v["problem"].as_str().unwrap_or("").contains("head"),
            "{name}: {v}"
        );
    }
    Ok(())
}
