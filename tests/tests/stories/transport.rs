//! Transport and the server's own files (issue 16, findings 9, 10 and 17):
//! response headers, HSTS and the client address behind a trusted proxy,
//! JSON errors for every 4xx, `/metrics` off the public port, private files,
//! a separate secrets folder and signing-key rotation.

use fieldlog_tests::{Db, TestServer, header, server_binary};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// A stand-in for the built app: the server serves it at `/` and answers
/// every other path outside the API with its `index.html`.
fn web_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("fieldlog-web-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>Fieldlog</title><p>the-app-shell</p>",
    )?;
    Ok(dir)
}

/// API.md's error shape: `{"error": {"code", "message", "field"}}`.
fn assert_error_shape(what: &str, body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}: {body}"
    );
    assert!(
        body["error"].get("field").is_some(),
        "{what}: no field key: {body}"
    );
}

/// Finding 9: answers carrying student data or tokens are never stored by a
/// browser or a proxy; the app gets a strict CSP and the usual hardening.
#[tokio::test]
async fn every_answer_carries_the_security_headers_and_api_answers_are_not_stored()
-> anyhow::Result<()> {
    let web = web_dir()?;
    let s = TestServer::start_with(
        &Db::Sqlite,
        &[("FIELDLOG_WEB_DIR", web.to_str().unwrap_or_default())],
    )
    .await?;
    let login = s
        .http
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "sro.martinez", "password": fieldlog_tests::PASSWORD}))
        .send()
        .await?;
    assert_eq!(login.status(), 200);
    assert_eq!(
        header(&login, "cache-control").as_deref(),
        Some("no-store"),
        "tokens"
    );
    let token = login.json::<Value>().await?["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let me = s
        .http
        .get(s.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await?;
    assert_eq!(me.status(), 200);
    assert_eq!(
        header(&me, "cache-control").as_deref(),
        Some("no-store"),
        "/me"
    );
    let list = s
        .http
        .get(s.url("/api/v1/incidents"))
        .bearer_auth(&token)
        .send()
        .await?;
    assert_eq!(list.status(), 200);
    assert_eq!(
        header(&list, "cache-control").as_deref(),
        Some("no-store"),
        "records"
    );
    let refused = s.http.get(s.url("/api/v1/me")).send().await?;
    assert_eq!(refused.status(), 401);
    assert_eq!(
        header(&refused, "cache-control").as_deref(),
        Some("no-store"),
        "errors too"
    );

    for path in ["/", "/records/some-id", "/api/v1/me"] {
        let r = s.http.get(s.url(path)).send().await?;
        let csp = header(&r, "content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no Content-Security-Policy"));
        let directive = |name: &str| {
            csp.split(';')
                .map(str::trim)
                .find(|d| d.split_whitespace().next() == Some(name))
                .map(str::to_owned)
        };
        assert_eq!(
            directive("frame-ancestors").as_deref(),
            Some("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(
            directive("object-src").as_deref(),
            Some("object-src 'none'"),
            "{path}: {csp}"
        );
        let script = directive("script-src").unwrap_or_default();
        assert!(
            script.contains("'self'") && script.contains("'wasm-unsafe-eval'"),
            "{path}: {csp}"
        );
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
            "{path}: {csp}"
        );
        assert!(directive("default-src").is_some(), "{path}: {csp}");
        assert_eq!(
            header(&r, "x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            header(&r, "x-frame-options").as_deref(),
            Some("DENY"),
            "{path}"
        );
        assert_eq!(
            header(&r, "referrer-policy").as_deref(),
            Some("no-referrer"),
            "{path}"
        );
        // Plain HTTP from an untrusted peer: no HSTS (browsers ignore it there,
        // and a peer's own X-Forwarded-Proto is not believed).
        assert_eq!(header(&r, "strict-transport-security"), None, "{path}");
    }
    let shell = s.http.get(s.url("/records/some-id")).send().await?;
    assert_eq!(shell.status(), 200);
    assert!(shell.text().await?.contains("the-app-shell"));
    let spoofed = s
        .http
        .get(s.url("/"))
        .header("x-forwarded-proto", "https")
        .send()
        .await?;
    assert_eq!(
        header(&spoofed, "strict-transport-security"),
        None,
        "untrusted peer"
    );
    Ok(())
}

/// Finding 9: behind a trusted reverse proxy, the client address is the
/// forwarded one (so one client's failures do not lock out everyone behind
/// the proxy), and HSTS is sent when the proxy says the client used TLS.
/// A peer that is not a trusted proxy cannot choose its address.
#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_limited_and_tls_gets_hsts()
-> anyhow::Result<()> {
    let s = TestServer::start_with(
        &Db::Sqlite,
        &[
            ("FIELDLOG_TRUSTED_PROXIES", "127.0.0.1, ::1"),
            ("FIELDLOG_ADDRESS_FAILURES_PER_MINUTE", "3"),
        ],
    )
    .await?;
    let attempt = |from: &'static str, username: &'static str, password: &'static str| {
        let s = &s;
        async move {
            let r = s
                .http
                .post(s.url("/api/v1/auth/login"))
                .header("x-forwarded-for", from)
                .header("x-forwarded-proto", "https")
                .json(&json!({"username": username, "password": password}))
                .send()
                .await?;
            anyhow::Ok((r.status().as_u16(), header(&r, "strict-transport-security")))
        }
    };
    // Three wrong guesses from one client, each for an account of its own
    // (so no account lockout is involved), use up that client's minute.
    for name in ["nobody.one", "nobody.two", "nobody.three"] {
        let (status, _) = attempt("203.0.113.7", name, "wrong password").await?;
        assert_eq!(status, 401, "{name}");
    }
    let (status, _) = attempt("203.0.113.7", "nobody.four", "wrong password").await?;
    assert_eq!(status, 429, "the guessing client is limited");
    // Another client behind the same proxy signs in.
    let (status, hsts) = attempt(
        "198.51.100.20, 203.0.113.9",
        "sro.martinez",
        fieldlog_tests::PASSWORD,
    )
    .await?;
    assert_eq!(status, 200, "a different client behind the proxy");
    let hsts = hsts.unwrap_or_default();
    assert!(
        hsts.starts_with("max-age=") && !hsts.starts_with("max-age=0"),
        "{hsts:?}"
    );
    // Plain HTTP through the proxy: no HSTS.
    let plain = s.http.get(s.url("/healthz")).send().await?;
    assert_eq!(header(&plain, "strict-transport-security"), None);

    // Without the setting, the header is the client's own word and ignored:
    // a guesser cannot escape the limit by inventing addresses.
    let direct = TestServer::start_with(
        &Db::Sqlite,
        &[("FIELDLOG_ADDRESS_FAILURES_PER_MINUTE", "3")],
    )
    .await?;
    for (i, from) in ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"]
        .into_iter()
        .enumerate()
    {
        let r = direct
            .http
            .post(direct.url("/api/v1/auth/login"))
            .header("x-forwarded-for", from)
            .json(&json!({"username": format!("nobody.{i}"), "password": "wrong password"}))
            .send()
            .await?;
        assert_eq!(r.status(), if i < 3 { 401 } else { 429 }, "{from}");
    }
    Ok(())
}

/// Finding 17: a wrong path under `/api/` is a JSON 404 (not the app's
/// HTML), and every 4xx, including the framework's own, is in the error shape.
#[tokio::test]
async fn every_client_error_is_json_in_the_error_shape() -> anyhow::Result<()> {
    let web = web_dir()?;
    let s = TestServer::start_with(
        &Db::Sqlite,
        &[("FIELDLOG_WEB_DIR", web.to_str().unwrap_or_default())],
    )
    .await?;
    let officer = s.login("sro.martinez").await?;
    for path in [
        // (Issue 16 found /api/v1/complaints answered with the app's page;
        // it is a route now, so a path no release has stands in.)
        "/api/v1/no-such-thing",
        "/api/v1/incidents/x/y/z",
        "/api/v2/me",
        "/api",
        "/api/",
    ] {
        let r = s
            .http
            .get(s.url(path))
            .bearer_auth(&officer.token)
            .send()
            .await?;
        assert_eq!(r.status(), 404, "{path}");
        assert!(
            header(&r, "content-type").is_some_and(|c| c.starts_with("application/json")),
            "{path}"
        );
        assert_error_shape(path, &r.json().await?, "not_found");
    }
    let r = s
        .http
        .post(s.url("/api/v1/no-such-thing"))
        .json(&json!({}))
        .send()
        .await?;
    assert_eq!(r.status(), 404);
    assert_error_shape("POST unknown", &r.json().await?, "not_found");

    // A wrong method keeps its Allow header.
    let r = s
        .http
        .delete(s.url("/api/v1/me"))
        .bearer_auth(&officer.token)
        .send()
        .await?;
    assert_eq!(r.status(), 405);
    assert!(
        header(&r, "allow").is_some_and(|a| a.contains("GET")),
        "Allow"
    );
    let body: serde_json::Value = r.json().await?;
    assert_error_shape("DELETE /me", &body, "method_not_allowed");
    // It said "it takes " and nothing more: axum adds Allow outside the
    // layer that writes the message.
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("GET") || m.contains("Allow header")),
        "the message says where the methods the path takes are: {body}"
    );

    // The query-string extractor's own rejection.
    let (status, body) = s
        .get(Some(&officer.token), "/api/v1/incidents?cursor=a&cursor=b")
        .await?;
    assert_eq!(status, 400);
    assert_error_shape("duplicate query field", &body, "bad_request");

    // The sync endpoint's body is not JSON, its errors are.
    let (status, body) = s
        .post_raw(
            None,
            "/api/v1/sync",
            "application/octet-stream",
            vec![1, 2, 3],
        )
        .await?;
    assert_eq!(status, 401);
    assert_error_shape("sync without a token", &body, "unauthenticated");
    Ok(())
}

/// The metrics address the server logged at start.
async fn metrics_address(s: &TestServer) -> anyhow::Result<String> {
    for _ in 0..200 {
        if let Some(line) = s.logs().lines().find(|l| l.contains("metrics listening")) {
            // The log may be coloured: drop the escape sequences.
            let mut plain = String::new();
            let mut chars = line.chars();
            while let Some(c) = chars.next() {
                if c == '\u{1b}' {
                    chars.by_ref().find(|c| c.is_ascii_alphabetic());
                } else {
                    plain.push(c);
                }
            }
            let addr = plain
                .split_whitespace()
                .find_map(|w| w.strip_prefix("addr="))
                .unwrap_or_default()
                .to_owned();
            anyhow::ensure!(!addr.is_empty(), "no address in {plain:?}");
            return Ok(addr);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    anyhow::bail!("the server never logged its metrics address")
}

/// Finding 17: `/metrics` is not served on the public port; it has its own
/// listen address, off unless set.
#[tokio::test]
async fn metrics_are_served_only_on_their_own_address() -> anyhow::Result<()> {
    let s = TestServer::start(&Db::Sqlite).await?;
    let (status, body) = s.get(None, "/metrics").await?;
    assert_eq!(status, 404, "{body}");
    assert_error_shape("/metrics on the public port", &body, "not_found");
    assert!(!s.logs().contains("metrics listening"));

    let s =
        TestServer::start_with(&Db::Sqlite, &[("FIELDLOG_METRICS_LISTEN", "127.0.0.1:0")]).await?;
    let (status, _) = s.get(None, "/metrics").await?;
    assert_eq!(status, 404, "still not on the public port");
    let addr = metrics_address(&s).await?;
    let officer = s.login("sro.martinez").await?;
    let mut device = officer.replica(1);
    s.sync(&officer.token, &mut device).await?;
    let r = s.http.get(format!("http://{addr}/metrics")).send().await?;
    assert_eq!(r.status(), 200);
    let text = r.text().await?;
    assert!(text.contains("fieldlog_sync_requests_total"), "{text}");
    Ok(())
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Finding 10: the database files and the key file are readable by the
/// server's own user alone, and so is the data folder.
#[cfg(unix)]
#[tokio::test]
async fn the_database_and_key_files_are_private() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        // A write, so SQLite's -wal and -shm exist.
        let officer = s.login("sro.martinez").await?;
        let mut device = officer.replica(1);
        device.create(
            &super::contact(officer.user, officer.first_school()),
            super::now(),
        )?;
        s.sync(&officer.token, &mut device).await?;
        assert_eq!(mode(&s.data_dir), 0o700, "{}: the data folder", db.name());
        let mut files = vec!["keys.json"];
        if matches!(db, Db::Sqlite) {
            files.extend(["fieldlog.db", "fieldlog.db-wal", "fieldlog.db-shm"]);
        }
        for f in files {
            assert_eq!(mode(&s.data_dir.join(f)), 0o600, "{}: {f}", db.name());
        }
        // A folder left readable by an older version is closed at start.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&s.data_dir, std::fs::Permissions::from_mode(0o755))?;
        if matches!(db, Db::Sqlite) {
            std::fs::set_permissions(
                s.data_dir.join("fieldlog.db"),
                std::fs::Permissions::from_mode(0o644),
            )?;
        }
        let s = s.kill_and_restart().await?;
        assert_eq!(mode(&s.data_dir), 0o700, "{}: after restart", db.name());
        if matches!(db, Db::Sqlite) {
            assert_eq!(
                mode(&s.data_dir.join("fieldlog.db")),
                0o600,
                "after restart"
            );
        }
    }
    Ok(())
}

/// Runs `server keys ...` on this server's folders.
fn keys_command(s: &TestServer, args: &[&str], env: &[(&str, &Path)]) -> anyhow::Result<String> {
    let out = std::process::Command::new(server_binary()?)
        .arg("keys")
        .args(args)
        .env("FIELDLOG_DATA_DIR", &s.data_dir)
        .env("FIELDLOG_LOG", "warn")
        .envs(env.iter().copied())
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "server keys {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token)
        .ok()
        .and_then(|h| h.kid)
        .unwrap_or_default()
}

/// The wrapping secret a sign-in on one fixed device receives.
async fn device_secret(s: &TestServer) -> anyhow::Result<serde_json::Value> {
    let (status, body) = s
        .post_json(
            None,
            "/api/v1/auth/login",
            &json!({"username": "sro.martinez", "password": fieldlog_tests::PASSWORD,
                    "device": "0193a5b0-0000-7000-8000-000000000001"}),
        )
        .await?;
    anyhow::ensure!(status == 200, "login: {status} {body}");
    Ok(body["device_secret"].clone())
}

/// Finding 10: the signing key (and the device-key root derived with it)
/// can live in a secrets folder apart from the data, so a copy of the data
/// folder mints nothing; an existing deployment moves its key file there and
/// nobody is signed out. A key left behind in the data folder is refused.
#[tokio::test]
async fn the_keys_come_from_the_secrets_folder_and_rotate_without_signing_anyone_out()
-> anyhow::Result<()> {
    let s = TestServer::start(&Db::Sqlite).await?;
    let before = s.login("sro.martinez").await?;
    let key_before = device_secret(&s).await?;
    assert!(key_before.is_string(), "{key_before}");

    let secrets = std::env::temp_dir().join(format!(
        "fieldlog-secrets-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&secrets)?;
    // Moving an install: every secret file goes (the access log's keys too).
    for name in ["keys.json", "audit-keys.json"] {
        if s.data_dir.join(name).exists() {
            std::fs::rename(s.data_dir.join(name), secrets.join(name))?;
        }
    }
    let secrets_env = secrets.to_str().unwrap_or_default().to_owned();
    let s = s
        .restart_with(&[("FIELDLOG_SECRETS_DIR", &secrets_env)])
        .await?;
    let (status, _) = s.get(Some(&before.token), "/api/v1/me").await?;
    assert_eq!(status, 200, "a token from before the move");
    let key_after = device_secret(&s).await?;
    assert_eq!(
        key_after, key_before,
        "the phones' wrapping secret is unchanged"
    );
    assert!(
        !s.data_dir.join("keys.json").exists(),
        "no key beside the data"
    );

    // Rotation: a new key signs, the old one still verifies.
    let listed = keys_command(&s, &["rotate"], &[("FIELDLOG_SECRETS_DIR", &secrets)])?;
    assert!(listed.contains(&kid(&before.token)), "{listed}");
    assert!(
        !s.data_dir.join("keys.json").exists(),
        "rotation wrote into the data folder"
    );
    let s = s.kill_and_restart().await?;
    let (status, _) = s.get(Some(&before.token), "/api/v1/me").await?;
    assert_eq!(status, 200, "a token signed by the old key");
    let after = s.login("sro.martinez").await?;
    assert_ne!(kid(&after.token), kid(&before.token), "the new key signs");
    let (status, _) = s.get(Some(&after.token), "/api/v1/me").await?;
    assert_eq!(status, 200);
    let key_rotated = device_secret(&s).await?;
    assert_eq!(
        key_rotated, key_before,
        "rotation keeps the device-key root"
    );
    // The refresh token from before the rotation still renews.
    let (status, _) = s
        .post_json(
            None,
            "/api/v1/auth/refresh",
            &json!({"refresh_token": before.refresh}),
        )
        .await?;
    assert_eq!(status, 200, "refresh across the rotation");

    // Retiring the old key ends its tokens, and still keeps the root.
    keys_command(
        &s,
        &["retire", &kid(&before.token)],
        &[("FIELDLOG_SECRETS_DIR", &secrets)],
    )?;
    let s = s.kill_and_restart().await?;
    let (status, _) = s.get(Some(&before.token), "/api/v1/me").await?;
    assert_eq!(status, 401, "the retired key's token");
    let (status, _) = s.get(Some(&after.token), "/api/v1/me").await?;
    assert_eq!(status, 200);
    let key_retired = device_secret(&s).await?;
    assert_eq!(
        key_retired, key_before,
        "retiring the first key keeps the device-key root"
    );

    // A key file left in the data folder is refused rather than ignored.
    std::fs::copy(secrets.join("keys.json"), s.data_dir.join("keys.json"))?;
    let refused = std::process::Command::new(server_binary()?)
        .arg("serve")
        .env("FIELDLOG_LISTEN", "127.0.0.1:0")
        .env("FIELDLOG_DATA_DIR", &s.data_dir)
        .env("FIELDLOG_SECRETS_DIR", &secrets)
        .env_remove("DATABASE_URL")
        .output()?;
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("keys.json"), "{why}");
    Ok(())
}
