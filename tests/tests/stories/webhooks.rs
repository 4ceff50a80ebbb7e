//! Issue 21 (API.md Additions, webhooks): a receiver on loopback verifies
//! each delivery's Standard Webhooks signature itself; answering 503 gets
//! the same `webhook-id` again; taken down and brought back, it receives
//! what it missed, and nothing is lost. Deliveries carry ids only. Without
//! the deployment's permission, a private target is refused.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use fieldlog_tests::{Db, TestServer};
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request the receiver got: its webhook headers and body.
#[derive(Clone, Debug)]
struct Got {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

/// A bare HTTP/1.1 receiver: records each request, answers 200 when
/// `healthy`, else 503.
fn receive(
    listener: TcpListener,
    got: Arc<Mutex<Vec<Got>>>,
    healthy: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let (head, body) = loop {
                let Ok(n) = tcp.read(&mut chunk).await else {
                    break (String::new(), String::new());
                };
                if n == 0 {
                    break (String::new(), String::new());
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let head = text[..end].to_owned();
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break (
                            head,
                            String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).to_string(),
                        );
                    }
                }
            };
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| {
                        l.split_once(':')
                            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                            .map(|(_, v)| v.trim().to_owned())
                    })
                    .unwrap_or_default()
            };
            got.lock().expect("lock").push(Got {
                id: header("webhook-id"),
                timestamp: header("webhook-timestamp"),
                signature: header("webhook-signature"),
                body,
            });
            let answer: &[u8] = if healthy.load(Ordering::SeqCst) {
                b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            } else {
                b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            };
            let _ = tcp.write_all(answer).await;
        }
    })
}

/// Checks a delivery as a receiver would: HMAC-SHA256 of "id.timestamp.body"
/// under the secret's key, base 64, after "v1,".
fn verifies(secret: &str, g: &Got) -> bool {
    let Some(key) = secret
        .strip_prefix("whsec_")
        .and_then(|k| B64.decode(k).ok())
    else {
        return false;
    };
    let Ok(mut mac) = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&key) else {
        return false;
    };
    mac.update(format!("{}.{}.{}", g.id, g.timestamp, g.body).as_bytes());
    g.signature == format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
}

async fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> anyhow::Result<T> {
    for _ in 0..100 {
        if let Some(v) = f() {
            return Ok(v);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("waited 10 s for {what}")
}

#[tokio::test]
async fn a_receiver_verifies_each_delivery_and_misses_nothing_through_an_outage()
-> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        // Without the deployment's permission, loopback is refused.
        let strict = TestServer::start(&db).await?;
        let admin = strict.login("admin.agency").await?;
        let (st, b) = strict
            .post_json(
                Some(&admin.token),
                "/api/v1/admin/webhooks",
                &json!({"url": "https://127.0.0.1:9/hook", "events": ["record.submitted"]}),
            )
            .await?;
        assert_eq!(
            (st, b["error"]["field"].as_str()),
            (422, Some("url")),
            "{name}: {b}"
        );
        drop(strict);

        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let got = Arc::new(Mutex::new(Vec::<Got>::new()));
        let healthy = Arc::new(AtomicBool::new(false));
        let receiver = receive(listener, got.clone(), healthy.clone());
        let s = TestServer::start_with(
            &db,
            &[
                ("FIELDLOG_WEBHOOK_ALLOW_PRIVATE", "1"),
                ("FIELDLOG_WEBHOOK_RETRY_BASE_MS", "200"),
            ],
        )
        .await?;
        let admin = s.login("admin.agency").await?;
        let (st, hook) = s
            .post_json(
                Some(&admin.token),
                "/api/v1/admin/webhooks",
                &json!({"url": format!("http://{addr}/hook"), "events": ["record.submitted", "complaint.received"]}),
            )
            .await?;
        assert_eq!(st, 201, "{name}: {hook}");
        let secret = hook["secret"].as_str().unwrap_or_default().to_owned();
        let hook_id = hook["id"].as_str().unwrap_or_default().to_owned();
        let (_, listed) = s.get(Some(&admin.token), "/api/v1/admin/webhooks").await?;
        assert!(
            listed[0].get("secret").is_none(),
            "{name}: the secret is shown once"
        );

        // A record is submitted; the receiver answers 503, then 200: the
        // same webhook-id comes twice.
        let officer = s.login("sro.martinez").await?;
        let mut r = super::contact(officer.user, officer.first_school());
        r.narrative = Some("Student K. R. was upset".into());
        r.submit(super::now());
        let (st, b) = s
            .post_json(
                Some(&officer.token),
                "/api/v1/incidents",
                &serde_json::to_value(&r)?,
            )
            .await?;
        assert_eq!(st, 201, "{name}: {b}");
        let first = until("the first try", || got.lock().ok()?.first().cloned()).await?;
        healthy.store(true, Ordering::SeqCst);
        until("the same delivery again", || {
            (got.lock().ok()?.iter().filter(|g| g.id == first.id).count() >= 2).then_some(())
        })
        .await?;
        assert!(verifies(&secret, &first), "{name}: the signature verifies");
        let body: Value = serde_json::from_str(&first.body)?;
        assert_eq!(body["type"], "record.submitted", "{name}: {body}");
        assert_eq!(body["data"], json!({"record_id": r.id}), "{name}: ids only");
        assert!(!first.body.contains("K. R."), "{name}");
        let mut tampered = first.clone();
        tampered.body = first.body.replace("submitted", "amended");
        assert!(
            !verifies(&secret, &tampered),
            "{name}: a changed body does not verify"
        );

        // Taken down: a complaint arrives meanwhile, and is retried.
        receiver.abort();
        let _ = receiver.await;
        let (st, _) = s
            .post_json(
                None,
                "/api/v1/public/complaints",
                &json!({"kind": "feedback", "description": "Helpful officer", "school_id": officer.first_school()}),
            )
            .await?;
        assert_eq!(st, 201, "{name}");
        let path = format!("/api/v1/admin/webhooks/{hook_id}/deliveries");
        let mut failed = Value::Null;
        for _ in 0..100 {
            let (_, log) = s.get(Some(&admin.token), &path).await?;
            if let Some(d) = log.as_array().and_then(|l| {
                l.iter().find(|d| {
                    d["event_type"] == "complaint.received" && d["attempts"].as_i64() >= Some(1)
                })
            }) {
                failed = d.clone();
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            failed["delivered_at"].is_null() && failed["last_error"].is_string(),
            "{name}: {failed}"
        );

        // Brought back on the same address: the missed delivery arrives, once delivered nothing is pending.
        let listener = TcpListener::bind(addr).await?;
        let receiver = receive(listener, got.clone(), healthy.clone());
        let missed = failed["id"].as_str().unwrap_or_default().to_owned();
        let g = until("the missed delivery", || {
            got.lock().ok()?.iter().find(|g| g.id == missed).cloned()
        })
        .await?;
        assert!(verifies(&secret, &g), "{name}");
        let mut log = Value::Null;
        for _ in 0..50 {
            log = s.get(Some(&admin.token), &path).await?.1;
            let delivered = log
                .as_array()
                .map(|l| l.iter().filter(|d| d["delivered_at"].is_string()).count());
            if delivered == Some(2) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let delivered = log
            .as_array()
            .map(|l| l.iter().filter(|d| d["delivered_at"].is_string()).count());
        assert_eq!(
            delivered,
            Some(2),
            "{name}: every delivery delivered: {log}"
        );
        receiver.abort();

        // Only an admin manages webhooks.
        let (st, _) = s
            .get(Some(&officer.token), "/api/v1/admin/webhooks")
            .await?;
        assert_eq!(st, 403, "{name}");
    }
    Ok(())
}
