//! Bad input, forged tokens, lockouts, token rotation, concurrent servers
//! and crashes: nothing is lost, nothing breaks, nothing leaks.

use super::{contact, now};
use base64::Engine;
use client_core::replica::SyncStatus;
use client_core::sync::{PROTOCOL_VERSION, SyncRequest};
use client_core::{DeviceId, RecordId, UserId};
use fieldlog_tests::{Db, TestServer};
use serde_json::{Value, json};

/// Signs claims with the server's key from its data folder, after `edit`.
pub fn sign(
    s: &TestServer,
    user: UserId,
    role: &str,
    edit: impl FnOnce(&mut Value),
    header: Option<jsonwebtoken::Header>,
) -> anyhow::Result<String> {
    let keys: Value =
        serde_json::from_str(&std::fs::read_to_string(s.data_dir.join("keys.json"))?)?;
    let key = &keys["keys"][0];
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key["secret"].as_str().unwrap_or_default())?;
    let t = chrono::Utc::now().timestamp();
    let mut claims = json!({"sub": user.to_string(), "role": role, "iss": "fieldlog", "aud": "fieldlog-api",
        "exp": t + 600, "nbf": t - 5, "iat": t, "stamp": "unknown"});
    edit(&mut claims);
    let mut h = header.unwrap_or_else(|| jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256));
    if h.kid.is_none() {
        h.kid = key["kid"].as_str().map(String::from);
    }
    if h.typ.as_deref() == Some("JWT") {
        h.typ = Some("at+jwt".into());
    }
    Ok(jsonwebtoken::encode(
        &h,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&secret),
    )?)
}

#[tokio::test]
async fn forged_tokens_are_all_401() -> anyhow::Result<()> {
    let s = TestServer::start(&Db::Sqlite).await?;
    let officer = s.login("sro.martinez").await?;
    let (ok, _) = s.get(Some(&officer.token), "/api/v1/me").await?;
    assert_eq!(ok, 200);
    // The genuine token's claims, re-signed with changes.
    let payload = officer.token.split('.').nth(1).unwrap_or_default();
    let genuine: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload)?)?;
    let stamp = genuine["stamp"].clone();
    let resign = |edit: &dyn Fn(&mut Value), header: Option<jsonwebtoken::Header>| {
        sign(
            &s,
            officer.user,
            "sro",
            |c| {
                c["stamp"] = stamp.clone();
                edit(c)
            },
            header,
        )
    };
    // Sanity: our re-signing produces an accepted token, so the cases below fail for their own reason.
    let control = resign(&|_| {}, None)?;
    assert_eq!(s.get(Some(&control), "/api/v1/me").await?.0, 200);

    let unsigned = {
        let h = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"alg":"none","typ":"at+jwt"}"#);
        format!("{h}.{payload}.")
    };
    let mut wrong_typ = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    wrong_typ.typ = Some("refresh".into());
    let wrong_key = {
        let t = chrono::Utc::now().timestamp();
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        h.kid =
            serde_json::from_str::<Value>(&std::fs::read_to_string(s.data_dir.join("keys.json"))?)?
                ["keys"][0]["kid"]
                .as_str()
                .map(String::from);
        h.typ = Some("at+jwt".into());
        jsonwebtoken::encode(
            &h,
            &json!({"sub": officer.user.to_string(), "role": "sro", "iss": "fieldlog", "aud": "fieldlog-api", "exp": t + 600, "nbf": t, "iat": t, "stamp": stamp}),
            &jsonwebtoken::EncodingKey::from_secret(b"not the server's key at all, 32b"),
        )?
    };
    let cases: Vec<(&str, String)> = vec![
        ("alg none", unsigned),
        ("wrong key", wrong_key),
        (
            "wrong aud",
            resign(&|c| c["aud"] = "someone-else".into(), None)?,
        ),
        ("wrong iss", resign(&|c| c["iss"] = "evil".into(), None)?),
        ("wrong typ", resign(&|_| {}, Some(wrong_typ))?),
        (
            "expired",
            resign(
                &|c| c["exp"] = (chrono::Utc::now().timestamp() - 1).into(),
                None,
            )?,
        ),
        (
            "not yet valid",
            resign(
                &|c| c["nbf"] = (chrono::Utc::now().timestamp() + 600).into(),
                None,
            )?,
        ),
        (
            "role escalated",
            resign(&|c| c["role"] = "auditor".into(), None)?,
        ),
        (
            "stale stamp",
            resign(&|c| c["stamp"] = "0000000000000000".into(), None)?,
        ),
        ("refresh token as access", officer.refresh.clone()),
        ("garbage", "not.a.token".into()),
    ];
    for (name, token) in cases {
        let (status, body) = s.get(Some(&token), "/api/v1/me").await?;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(body["error"]["code"], "unauthenticated", "{name}");
    }
    // The scheme's case is the client's choice (RFC 9110 11.1); the scheme
    // itself is not.
    for (header, want) in [
        (format!("bearer {}", officer.token), 200),
        (format!("BEARER {}", officer.token), 200),
        (format!("Basic {}", officer.token), 401),
        (format!("Bearer{}", officer.token), 401),
        (officer.token.clone(), 401),
    ] {
        let r = s
            .http
            .get(s.url("/api/v1/me"))
            .header("authorization", &header)
            .send()
            .await?;
        assert_eq!(r.status().as_u16(), want, "{}", &header[..8]);
    }
    Ok(())
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_stores_nothing() -> anyhow::Result<()> {
    let s = TestServer::start(&Db::Sqlite).await?;
    let officer = s.login("sro.martinez").await?;
    let tok = Some(officer.token.as_str());
    let good = serde_json::to_value(contact(officer.user, officer.first_school()))?;

    let (st, body) = s
        .post_raw(
            tok,
            "/api/v1/incidents",
            "application/json",
            b"{\"id\": ".to_vec(),
        )
        .await?;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (400, Some("malformed_json")),
        "{body}"
    );

    let mut unknown = good.clone();
    unknown["category"] = "loitering".into();
    let (st, body) = s.post_json(tok, "/api/v1/incidents", &unknown).await?;
    assert_eq!(st, 422, "{body}");
    assert_eq!(body["error"]["field"], "category");

    let mut nested = good.clone();
    nested["students"][0]["perceived"]["race"] = json!(["martian"]);
    let (st, body) = s.post_json(tok, "/api/v1/incidents", &nested).await?;
    assert_eq!(
        (st, body["error"]["field"].as_str()),
        (422, Some("students[0].perceived.race[0]")),
        "{body}"
    );

    let mut incomplete = good.clone();
    incomplete["status"] = "submitted".into();
    incomplete["actions"] = json!(["arrest"]);
    let (st, body) = s.post_json(tok, "/api/v1/incidents", &incomplete).await?;
    assert_eq!(st, 422, "{body}");
    let fields: Vec<&str> = body["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"custody") && fields.contains(&"deescalation"),
        "{body}"
    );

    let mut sogi = good.clone();
    sogi["students"][0]["sogi"] = json!({"self_reported": false, "gender_identity": "x"});
    let (st, body) = s.post_json(tok, "/api/v1/incidents", &sogi).await?;
    assert_eq!(
        (st, body["error"]["details"][0]["code"].as_str()),
        (422, Some("sogi_not_self_reported")),
        "{body}"
    );

    for path in ["/api/v1/incidents", "/api/v1/sync"] {
        let (status, reply) = s.post_oversize(&officer.token, path, 5 << 20)?;
        assert_eq!(status, 413, "{path}: {reply}");
        assert!(reply.contains("\"code\":\"too_large\""), "{path}: {reply}");
    }

    for garbage in [vec![], vec![0xff; 7], b"{\"json\": true}".to_vec()] {
        let (st, body) = s
            .post_raw(tok, "/api/v1/sync", "application/octet-stream", garbage)
            .await?;
        assert_eq!(
            (st, body["error"]["code"].as_str()),
            (400, Some("bad_sync_payload")),
            "{body}"
        );
    }
    // A valid request carrying truncated change bytes: refused, nothing stored.
    let mut phone = officer.replica(1);
    let r = contact(officer.user, officer.first_school());
    phone.create(&r, now())?;
    let mut req = SyncRequest::decode(&phone.prepare_sync(), usize::MAX)?;
    for d in &mut req.push {
        for c in &mut d.changes {
            c.truncate(c.len() / 2);
        }
    }
    let (reply, _) = s.sync_once(&officer.token, req.encode()).await?;
    assert_eq!(reply.refused.len(), 2);
    assert!(reply.accepted.is_empty());
    assert_eq!(
        s.get(tok, &format!("/api/v1/incidents/{}", r.id)).await?.0,
        404
    );

    // The good record still goes in afterwards, and the earlier garbage left no trace.
    let (st, body) = s.post_json(tok, "/api/v1/incidents", &good).await?;
    assert_eq!(st, 201, "{body}");
    assert_eq!(s.post_json(tok, "/api/v1/incidents", &good).await?.0, 409);
    let mut fresh = officer.replica(9);
    s.sync(&officer.token, &mut fresh).await?;
    let held = fresh.record_ids();
    assert!(held.contains(&RecordId(good["id"].as_str().unwrap_or_default().parse()?)));
    assert!(
        !held.contains(&r.id),
        "the refused record left nothing behind"
    );
    Ok(())
}

async fn refresh(s: &TestServer, token: &Value) -> anyhow::Result<(u16, Value)> {
    s.post_json(
        None,
        "/api/v1/auth/refresh",
        &json!({ "refresh_token": token }),
    )
    .await
}

#[tokio::test]
async fn repeated_failed_logins_lock_the_account_and_refresh_tokens_rotate() -> anyhow::Result<()> {
    let s = TestServer::start(&Db::Sqlite).await?;
    let officer = s.login("sro.chen").await?;
    // Rotation: a refresh token works once; its reuse revokes the family.
    let (st, next) = refresh(&s, &officer.refresh.clone().into()).await?;
    assert_eq!(st, 200, "{next}");
    let (st, _) = refresh(&s, &officer.refresh.clone().into()).await?;
    assert_eq!(st, 401, "a used refresh token is rejected");
    let (st, _) = refresh(&s, &next["refresh_token"]).await?;
    assert_eq!(st, 401, "reuse revoked the whole family");

    for _ in 0..5 {
        let (st, body) = s
            .post_json(
                None,
                "/api/v1/auth/login",
                &json!({"username": "sro.chen", "password": "wrong password!"}),
            )
            .await?;
        assert_eq!(st, 401, "{body}");
    }
    let r = s
        .http
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "sro.chen", "password": fieldlog_tests::PASSWORD}))
        .send()
        .await?;
    assert_eq!(r.status(), 429);
    let retry: u64 = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(retry > 0 && retry <= 900, "Retry-After {retry}");
    // Another account from the same address still works (until the address limit).
    assert!(s.login("sro.martinez").await.is_ok());

    let auditor = s.login("auditor.district").await?;
    let (_, log) = s.get(Some(&auditor.token), "/api/v1/audit").await?;
    let events: Vec<&str> = log
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["event"].as_str())
        .collect();
    for e in [
        "login",
        "login_failed",
        "account_locked",
        "login_while_locked",
        "token_refreshed",
        "refresh_token_reused",
    ] {
        assert!(
            events.contains(&e),
            "{e} missing from the access log: {events:?}"
        );
    }
    let (_, verify) = s.get(Some(&auditor.token), "/api/v1/audit/verify").await?;
    assert_eq!(verify["ok"], true, "{verify}");
    Ok(())
}

#[tokio::test]
async fn an_upload_is_not_echoed_back_but_the_officers_other_device_gets_it() -> anyhow::Result<()>
{
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let mut other = officer.replica(2);
        s.sync(&officer.token, &mut other).await?;
        let mut phone = officer.replica(1);
        s.sync(&officer.token, &mut phone).await?;
        let r = contact(officer.user, officer.first_school());
        phone.create(&r, now())?;
        let (reply, bytes) = s.sync_once(&officer.token, phone.prepare_sync()).await?;
        assert_eq!(reply.accepted.len(), 2, "{}", db.name());
        assert!(
            reply.pull.iter().all(|d| d.doc.record != r.id),
            "{}: the pushing device got its own changes back",
            db.name()
        );
        // Its cursor moved past them, and a later sync brings nothing new.
        phone.receive_sync(&bytes)?;
        assert_eq!(phone.record(r.id)?, r);
        // The officer's other device pulls the record as usual.
        s.sync(&officer.token, &mut other).await?;
        assert_eq!(other.record(r.id)?, r, "{}", db.name());
    }
    Ok(())
}

#[tokio::test]
async fn a_replayed_sync_request_stores_each_change_once() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let mut phone = officer.replica(1);
        let r = contact(officer.user, officer.first_school());
        phone.create(&r, now())?;
        let body = phone.prepare_sync();
        for _ in 0..3 {
            let resp = s
                .http
                .post(s.url("/api/v1/sync"))
                .bearer_auth(&officer.token)
                .body(body.clone())
                .send()
                .await?;
            assert_eq!(resp.status(), 200);
            let reply = client_core::sync::SyncResponse::decode(&resp.bytes().await?)?;
            assert_eq!(reply.accepted.len(), 2, "{}", db.name());
        }
        // A fresh device pulls each change exactly once.
        let mut fresh = officer.replica(2);
        let req = SyncRequest {
            version: PROTOCOL_VERSION,
            device: DeviceId::from_u128(2),
            cursor: None,
            push: vec![],
        };
        let resp = s
            .http
            .post(s.url("/api/v1/sync"))
            .bearer_auth(&officer.token)
            .body(req.encode())
            .send()
            .await?;
        let reply = client_core::sync::SyncResponse::decode(&resp.bytes().await?)?;
        let total: usize = reply
            .pull
            .iter()
            .filter(|d| d.doc.record == r.id)
            .map(|d| d.changes.len())
            .sum();
        assert_eq!(total, 2, "{}: one change per document, once", db.name());
        s.sync(&officer.token, &mut fresh).await?;
        assert_eq!(fresh.record(r.id)?, r);
    }
    Ok(())
}

#[tokio::test]
async fn kill_9_during_a_burst_of_syncs_loses_no_acknowledged_change() -> anyhow::Result<()> {
    for db in Db::all() {
        let mut s = TestServer::start(&db).await?;
        let officer = s.login("sro.okafor").await?;
        let base = s.base.clone();
        let token = officer.token.clone();
        let user = officer.user;
        let school = officer.first_school();
        // Eight devices each push records one by one until the server dies.
        let mut tasks = Vec::new();
        for device in 0..8u128 {
            let (base, token) = (base.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let http = fieldlog_tests::http_client();
                let mut phone =
                    client_core::replica::Replica::new(user, DeviceId::from_u128(100 + device));
                let mut acked = Vec::new();
                for _ in 0..40 {
                    let r = contact(user, school);
                    if phone.create(&r, now()).is_err() {
                        break;
                    }
                    let Ok(resp) = http
                        .post(format!("{base}/api/v1/sync"))
                        .bearer_auth(&token)
                        .body(phone.prepare_sync())
                        .send()
                        .await
                    else {
                        break;
                    };
                    let Ok(bytes) = resp.bytes().await else { break };
                    let Ok(report) = phone.receive_sync(&bytes) else {
                        break;
                    };
                    if report.accepted.len() == 2 {
                        acked.push(r);
                    }
                }
                acked
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        s = s.kill_and_restart().await?;
        let mut acked = Vec::new();
        for t in tasks {
            acked.extend(t.await?);
        }
        let officer = s.login("sro.okafor").await?;
        let mut fresh = officer.replica(999);
        s.sync(&officer.token, &mut fresh).await?;
        assert!(
            !acked.is_empty(),
            "{}: some syncs were acknowledged before the kill",
            db.name()
        );
        for r in &acked {
            assert_eq!(
                &fresh.record(r.id)?,
                r,
                "{}: acknowledged record {} lost",
                db.name(),
                r.id
            );
            assert_eq!(fresh.status(r.id), SyncStatus::Synced);
        }
        eprintln!(
            "{}: {} acknowledged records survived kill -9",
            db.name(),
            acked.len()
        );
    }
    Ok(())
}

#[tokio::test]
async fn two_serve_processes_on_one_postgres_take_concurrent_writes_and_lose_nothing()
-> anyhow::Result<()> {
    let Some(db) = Db::all().into_iter().find(|d| matches!(d, Db::Postgres(_))) else {
        eprintln!(
            "SKIPPED: two_serve_processes_on_one_postgres (FIELDLOG_TEST_POSTGRES is not set)"
        );
        return Ok(());
    };
    let a = TestServer::start(&db).await?;
    let b = a.another().await?;
    let officer = a.login("sro.patel").await?;
    let school = officer.first_school();
    // A reader that keeps pulling while the writers write: with a sequence
    // gap it would step past a change that commits late and never see it.
    let (ba, bb) = (a.base.clone(), b.base.clone());
    let token = officer.token.clone();
    let user = officer.user;
    let mut writers = Vec::new();
    for device in 0..8u128 {
        let base = if device % 2 == 0 {
            ba.clone()
        } else {
            bb.clone()
        };
        let token = token.clone();
        writers.push(tokio::spawn(async move {
            let http = fieldlog_tests::http_client();
            let mut phone =
                client_core::replica::Replica::new(user, DeviceId::from_u128(200 + device));
            let mut ids = Vec::new();
            for _ in 0..15 {
                let r = contact(user, school);
                phone.create(&r, now()).expect("valid");
                let resp = http
                    .post(format!("{base}/api/v1/sync"))
                    .bearer_auth(&token)
                    .body(phone.prepare_sync())
                    .send()
                    .await
                    .expect("sync");
                let report = phone
                    .receive_sync(&resp.bytes().await.expect("body"))
                    .expect("reply");
                assert_eq!(report.accepted.len(), 2);
                ids.push(r.id);
            }
            ids
        }));
    }
    let mut reader = officer.replica(300);
    let mut rounds = 0;
    while writers.iter().any(|w| !w.is_finished()) {
        let server = if rounds % 2 == 0 { &a } else { &b };
        server.sync(&officer.token, &mut reader).await?;
        rounds += 1;
    }
    let mut ids = Vec::new();
    for w in writers {
        ids.extend(w.await?);
    }
    a.sync(&officer.token, &mut reader).await?;
    assert_eq!(ids.len(), 120);
    let held = reader.record_ids();
    for id in &ids {
        assert!(
            held.contains(id),
            "record {id} never reached the reader (after {rounds} concurrent pulls)"
        );
    }
    // The same record edited through both servers converges.
    let mut p1 = officer.replica(401);
    let mut p2 = officer.replica(402);
    let r = contact(user, school);
    p1.create(&r, now())?;
    a.sync(&officer.token, &mut p1).await?;
    b.sync(&officer.token, &mut p2).await?;
    let mut x = r.clone();
    x.narrative = Some("via a".into());
    p1.update(&x, None, now())?;
    let mut y = r.clone();
    y.location = Some(client_core::vocabulary::Location::Bus);
    p2.update(&y, None, now())?;
    let (ra, rb) = tokio::join!(
        a.sync(&officer.token, &mut p1),
        b.sync(&officer.token, &mut p2)
    );
    ra?;
    rb?;
    a.sync(&officer.token, &mut p2).await?;
    b.sync(&officer.token, &mut p1).await?;
    assert_eq!(p1.record(r.id)?, p2.record(r.id)?);
    Ok(())
}
