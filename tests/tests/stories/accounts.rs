//! Accounts from the host's shell (`server user disable|enable|passwd`):
//! disabling ends every session at once (issue 16, finding 3; issue 18's
//! CLI parity).

use fieldlog_tests::{Db, PASSWORD, TestServer};
use serde_json::{Value, json};

fn run(s: &TestServer, args: &[&str], stdin: &str) -> anyhow::Result<String> {
    let out = s.cli(args, stdin)?;
    anyhow::ensure!(
        out.status.success(),
        "server {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `POST /auth/refresh` with `token` (the sessions story's too).
pub(super) async fn refresh(s: &TestServer, token: &str) -> anyhow::Result<(u16, Value)> {
    s.post_json(
        None,
        "/api/v1/auth/refresh",
        &json!({"refresh_token": token}),
    )
    .await
}

async fn login(s: &TestServer, password: &str) -> anyhow::Result<(u16, Value)> {
    s.post_json(
        None,
        "/api/v1/auth/login",
        &json!({"username": "sro.martinez", "password": password}),
    )
    .await
}

/// Before: a disabled officer's access token answered a plain
/// `unauthenticated`, so the phone could not tell "disabled" from "expired",
/// and there was no way to disable anyone but editing the database.
#[tokio::test]
async fn a_disabled_account_is_refused_at_its_next_request_and_refresh() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        assert_eq!(s.get(Some(&officer.token), "/api/v1/me").await?.0, 200);
        run(&s, &["user", "disable", "--username", "SRO.Martinez"], "")?;

        let (status, body) = s.get(Some(&officer.token), "/api/v1/me").await?;
        assert_eq!(status, 401, "{}", db.name());
        assert_eq!(body["error"]["code"], "account_disabled", "{}", db.name());
        let (status, body) = refresh(&s, &officer.refresh).await?;
        assert_eq!(status, 401, "{}", db.name());
        assert_eq!(body["error"]["code"], "account_disabled", "{}", db.name());
        let (status, body) = login(&s, PASSWORD).await?;
        assert_eq!(
            (status, &body["error"]["code"]),
            (401, &json!("account_disabled"))
        );
        // Someone without the password learns nothing new.
        let (status, body) = login(&s, "not the password at all").await?;
        assert_eq!(
            (status, &body["error"]["code"]),
            (401, &json!("bad_credentials"))
        );

        run(&s, &["user", "enable", "--username", "sro.martinez"], "")?;
        // Enabling does not bring the old sessions back.
        assert_eq!(refresh(&s, &officer.refresh).await?.0, 401, "{}", db.name());
        assert_eq!(login(&s, PASSWORD).await?.0, 200, "{}", db.name());
    }
    Ok(())
}

#[tokio::test]
async fn a_new_password_ends_every_session_and_must_be_strong() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let weak = s.cli(
            &["user", "passwd", "--username", "sro.martinez"],
            "password1234567\n",
        )?;
        assert!(!weak.status.success(), "{}: a weak password", db.name());
        assert_eq!(refresh(&s, &officer.refresh).await?.0, 200, "{}", db.name());

        let new = "violet-harbor-lantern-47";
        run(
            &s,
            &["user", "passwd", "--username", "sro.martinez"],
            &format!("{new}\n"),
        )?;
        assert_eq!(s.get(Some(&officer.token), "/api/v1/me").await?.0, 401);
        let (status, _) = login(&s, PASSWORD).await?;
        assert_eq!(status, 401, "{}: the old password", db.name());
        let (status, body) = login(&s, new).await?;
        assert_eq!(status, 200, "{}: {body}", db.name());
    }
    Ok(())
}

#[tokio::test]
async fn the_cli_names_an_unknown_user() -> anyhow::Result<()> {
    let s = TestServer::start(&Db::Sqlite).await?;
    for cmd in ["disable", "enable", "passwd", "unlock"] {
        let out = s.cli(&["user", cmd, "--username", "nobody.here"], "x\n")?;
        assert!(!out.status.success(), "{cmd}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no user \"nobody.here\""), "{cmd}: {err}");
    }
    Ok(())
}

async fn login_on(s: &TestServer, password: &str, device: &str) -> anyhow::Result<Value> {
    let (status, body) = s
        .post_json(
            None,
            "/api/v1/auth/login",
            &json!({"username": "sro.martinez", "password": password, "device": device}),
        )
        .await?;
    anyhow::ensure!(status == 200, "login: {status} {body}");
    Ok(body)
}

/// Finding 11. Before: `GET /me/device-key` released one secret per user to
/// any bearer token, for good, so a token stolen once opened every signed-out
/// phone of that officer, now and later.
#[tokio::test]
async fn a_phones_wrapping_secret_is_per_device_released_only_at_sign_in_and_moves_with_the_password()
-> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let (phone, tablet) = (
            "0193a5b0-0000-7000-8000-0000000000a1",
            "0193a5b0-0000-7000-8000-0000000000b2",
        );
        let first = login_on(&s, PASSWORD, phone).await?;
        let secret = first["device_secret"].clone();
        assert!(secret.is_string(), "{first}");
        assert_eq!(
            login_on(&s, PASSWORD, phone).await?["device_secret"],
            secret
        );
        assert_ne!(
            login_on(&s, PASSWORD, tablet).await?["device_secret"],
            secret,
            "{}: another device",
            db.name()
        );
        // A bearer token alone gets no secret.
        let token = first["access_token"].as_str().unwrap_or_default();
        let (status, _) = s.get(Some(token), "/api/v1/me/device-key").await?;
        assert_eq!(status, 404, "{}", db.name());

        let new = "violet-harbor-lantern-47";
        run(
            &s,
            &["user", "passwd", "--username", "sro.martinez"],
            &format!("{new}\n"),
        )?;
        let after = login_on(&s, new, phone).await?;
        assert_ne!(after["device_secret"], secret, "{}: a new epoch", db.name());
        let previous = after["previous_device_secrets"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            previous.first(),
            Some(&secret),
            "{}: the phone may re-wrap",
            db.name()
        );
    }
    Ok(())
}
