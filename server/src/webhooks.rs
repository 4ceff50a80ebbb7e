//! Sending webhooks (issue 21; API.md Additions), the Standard Webhooks
//! way: each delivery carries `webhook-id` (the same on every try),
//! `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "id.timestamp.body">`. A worker in every server process claims due
//! deliveries from the outbox (`store::webhooks`), sends each, and records
//! the answer; a failure is tried again with back-off
//! (`client_core::webhook::next_attempt`). Targets on loopback or private
//! networks are refused, at registration and at each try (the name may
//! resolve elsewhere by then), unless `webhook_allow_private` is set.

use crate::auth::Keys;
use crate::settings::Settings;
use crate::store::Store;
use crate::store::webhooks::Due;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use client_core::webhook::{is_public, next_attempt};
use hmac::{KeyInit, Mac};
use sha2::Sha256;
use std::time::Duration;

/// The prefix Standard Webhooks gives a secret.
const SECRET_PREFIX: &str = "whsec_";

/// A subscription's signing key, derived from its nonce (never stored).
pub fn key(keys: &Keys, nonce: &str) -> [u8; 32] {
    keys.mac(b"webhook-secret", nonce.as_bytes())
}

/// The secret as the receiver keeps it: `whsec_` and the key in base 64.
pub fn secret(keys: &Keys, nonce: &str) -> String {
    format!("{SECRET_PREFIX}{}", B64.encode(key(keys, nonce)))
}

/// `v1,<signature>` of one delivery.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
}

/// What a delivery carries: the event's type, when it happened, and ids
/// (never student data, nor any free text).
pub fn payload(
    event: client_core::webhook::EventType,
    data: serde_json::Value,
    at: client_core::Timestamp,
) -> String {
    serde_json::json!({"type": event.as_str(), "timestamp": at.to_string(), "data": data})
        .to_string()
}

/// Why a target is refused.
#[derive(Debug, thiserror::Error)]
pub enum TargetProblem {
    #[error("not a URL: {0}")]
    NotAUrl(String),
    #[error("a webhook is sent over https")]
    NotHttps,
    #[error("the URL names no host")]
    NoHost,
    #[error("its host does not resolve")]
    Unresolved,
    #[error("its host is on a loopback or private network")]
    Private,
}

/// Checks `url` and resolves its host: https (http too where private
/// targets are allowed, as in tests), and every address public unless
/// allowed. Answers the addresses to connect to.
pub async fn check_target(
    url: &str,
    allow_private: bool,
) -> Result<(reqwest::Url, Vec<std::net::SocketAddr>), TargetProblem> {
    let u = reqwest::Url::parse(url).map_err(|e| TargetProblem::NotAUrl(e.to_string()))?;
    match u.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(TargetProblem::NotHttps),
    }
    let host = u.host_str().ok_or(TargetProblem::NoHost)?.to_owned();
    let port = u.port_or_known_default().unwrap_or(443);
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let lookup = tokio::net::lookup_host((host.as_str(), port));
    let addrs: Vec<std::net::SocketAddr> = tokio::time::timeout(Duration::from_secs(5), lookup)
        .await
        .map_err(|_| TargetProblem::Unresolved)?
        .map_err(|_| TargetProblem::Unresolved)?
        .collect();
    if addrs.is_empty() {
        return Err(TargetProblem::Unresolved);
    }
    if !allow_private && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(TargetProblem::Private);
    }
    Ok((u, addrs))
}

/// Runs the delivery worker for good: every half second, the due
/// deliveries (a few at a time), each sent and recorded.
pub async fn run(store: Store, keys: Keys, settings: std::sync::Arc<Settings>) {
    // rustls needs its crypto chosen once per process; another caller may
    // have chosen first, which is as good.
    // ring rather than aws-lc-rs: it builds in seconds on CI's two cores
    // (aws-lc is a large C library); its lack of post-quantum key exchange
    // is what the deprecation notes.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let _ = provider.install_default();
    loop {
        let now = chrono::Utc::now().timestamp_millis();
        // A batch fits well inside its lease: each try is bounded (5 s to
        // resolve, 10 s to answer), so 4 take at most a minute of 2.
        match store.claim_due_deliveries(now, 120_000, 4).await {
            Ok(due) => {
                for d in due {
                    send(&store, &keys, &settings, d).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "webhook outbox unreadable"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn send(store: &Store, keys: &Keys, settings: &Settings, d: Due) {
    let id = format!("msg_{}", d.delivery.id.simple());
    let attempts = d.delivery.attempts + 1;
    let now = chrono::Utc::now().timestamp_millis();
    let outcome = try_once(keys, settings, &d, &id).await;
    let (status, error, delivered) = match outcome {
        Ok(s) if (200..300).contains(&s) => (Some(i32::from(s)), None, true),
        Ok(s) => (Some(i32::from(s)), Some(format!("answered {s}")), false),
        Err(e) => (None, Some(e), false),
    };
    let next = (!delivered)
        .then(|| {
            next_attempt(
                attempts as u32,
                d.delivery.created_at,
                now,
                settings.webhook_retry_base_ms,
            )
        })
        .flatten();
    // Ids and outcomes only: the body and the URL's query stay out of logs.
    tracing::info!(delivery = %d.delivery.id, attempts, status, delivered, "webhook tried");
    match store
        .delivery_tried(
            d.delivery.id,
            d.lease_until,
            attempts,
            status,
            error,
            delivered.then_some(now),
            next,
        )
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!(delivery = %d.delivery.id, "webhook lease lost; another process's try is kept")
        }
        Err(e) => tracing::warn!(error = %e, "webhook delivery not recorded"),
    }
}

/// One POST to the target, pinned to the addresses just checked (so a name
/// that resolves elsewhere a moment later is not followed), no redirects.
async fn try_once(keys: &Keys, settings: &Settings, d: &Due, id: &str) -> Result<u16, String> {
    let (url, addrs) = check_target(&d.url, settings.webhook_allow_private)
        .await
        .map_err(|e| e.to_string())?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would resolve the name itself, past the pinned addresses.
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .resolve_to_addrs(&host, &addrs)
        .build()
        .map_err(|e| e.to_string())?;
    let timestamp = chrono::Utc::now().timestamp();
    let sig = signature(&key(keys, &d.nonce), id, timestamp, &d.delivery.body);
    let r = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", sig)
        .body(d.delivery.body.clone())
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "timed out".to_owned()
            } else if e.is_connect() {
                "could not connect".to_owned()
            } else {
                "the request failed".to_owned()
            }
        })?;
    Ok(r.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks specification's own example.
    #[test]
    fn signs_as_the_standard_s_example() {
        let key = B64
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .expect("base 64");
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
