//! Issue 18, sign-in with the agency's identity provider (OpenID Connect),
//! against a real provider (node's oidc-provider, `tests/idp`): an officer
//! signs in there and gets Fieldlog's tokens; the ticket works once; the
//! provider's identities open only their own organisation's accounts,
//! never an admin's by name, never a disabled one; a sign-in finished in
//! another browser, or replayed, opens nothing; a second factor is still
//! asked for.

use fieldlog_tests::idp::{self, Idp};
use fieldlog_tests::{Db, TestServer};
use serde_json::{Value, json};

async fn with_provider(db: &Db, idp: &Idp) -> anyhow::Result<TestServer> {
    let s = TestServer::start(db).await?;
    let admin = s.login("admin.agency").await?;
    let agency = super::admin::org_of(&s, &admin.token, "agency").await?;
    std::fs::write(s.data_dir.join("oidc-county.secret"), idp::SECRET)?;
    let setting = idp.setting("county", &agency, Some("preferred_username"));
    s.restart_with(&[("FIELDLOG_OIDC", &setting)]).await
}

/// A whole sign-in at the provider as `login`; the fragment the app gets.
async fn sign_in(s: &TestServer, login: &str) -> anyhow::Result<String> {
    let browser = idp::browser();
    let start = s.url("/api/v1/auth/oidc/county/start");
    let callback = idp::sign_in_at_provider(&browser, &start, login).await?;
    idp::come_back(&browser, &callback).await
}

async fn redeem(s: &TestServer, fragment: &str) -> anyhow::Result<(u16, Value)> {
    let ticket = fragment.strip_prefix("oidc=").unwrap_or(fragment);
    let device = uuid::Uuid::new_v4().to_string();
    s.post_json(
        None,
        "/api/v1/auth/oidc/redeem",
        &json!({"ticket": ticket, "device": device}),
    )
    .await
}

#[tokio::test]
async fn an_officer_signs_in_through_the_agency_provider() -> anyhow::Result<()> {
    let idp = Idp::start("county")?;
    for db in Db::all() {
        let name = db.name();
        let s = with_provider(&db, &idp).await?;
        let (st, list) = s.get(None, "/api/v1/auth/oidc/providers").await?;
        assert_eq!(
            (st, list),
            (200, json!([{"id": "county", "name": "County ID"}])),
            "{name}"
        );

        // The first sign-in links sro.martinez by name; the ticket opens the
        // account once, with the device's secret as a password sign-in has.
        let fragment = sign_in(&s, "sro.martinez").await?;
        assert!(fragment.starts_with("oidc="), "{name}: {fragment}");
        let (st, tokens) = redeem(&s, &fragment).await?;
        assert_eq!(st, 200, "{name}: {tokens}");
        assert_eq!(tokens["user"]["username"], "sro.martinez", "{name}");
        assert!(tokens["device_secret"].is_string(), "{name}: {tokens}");
        let access = tokens["access_token"].as_str().unwrap_or_default();
        let (st, me) = s.get(Some(access), "/api/v1/me").await?;
        assert_eq!(
            (st, &me["username"]),
            (200, &json!("sro.martinez")),
            "{name}"
        );
        let (st, again) = redeem(&s, &fragment).await?;
        assert_eq!(st, 401, "{name}: a ticket works once: {again}");

        // The link holds by the provider's subject: the same person again.
        let fragment = sign_in(&s, "sro.martinez").await?;
        let (st, tokens) = redeem(&s, &fragment).await?;
        assert_eq!(
            (st, &tokens["user"]["username"]),
            (200, &json!("sro.martinez")),
            "{name}"
        );

        // Nobody of that name; an admin (never linked by a claim); the
        // district's principal (another organisation's account).
        for (login, want) in [
            ("stranger", "oidc-error=not_linked"),
            ("admin.agency", "oidc-error=not_linked"),
            ("principal.roosevelt", "oidc-error=not_linked"),
        ] {
            assert_eq!(sign_in(&s, login).await?, want, "{name}: {login}");
        }

        // Disabled after the link: the provider's sign-in opens nothing.
        let fragment = sign_in(&s, "sro.chen").await?;
        assert!(fragment.starts_with("oidc="), "{name}: {fragment}");
        let admin = s.login("admin.agency").await?;
        let (_, users) = s.get(Some(&admin.token), "/api/v1/admin/users").await?;
        let chen = users
            .as_array()
            .into_iter()
            .flatten()
            .find(|u| u["username"] == "sro.chen")
            .and_then(|u| u["id"].as_str())
            .unwrap_or_default()
            .to_owned();
        let (st, _) = s
            .patch_json(
                Some(&admin.token),
                &format!("/api/v1/admin/users/{chen}"),
                &json!({"disabled": true}),
            )
            .await?;
        assert_eq!(st, 200, "{name}");
        let (st, b) = redeem(&s, &fragment).await?;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (401, Some("account_disabled")),
            "{name}: a ticket issued before the disable"
        );
        assert_eq!(
            sign_in(&s, "sro.chen").await?,
            "oidc-error=account_disabled",
            "{name}"
        );

        // A second factor enrolled here is asked for after the provider's
        // sign-in too, as after a password.
        let sup = s.login("sgt.alvarez").await?;
        let tok = Some(sup.token.as_str());
        let (_, e) = s.post_json(tok, "/api/v1/me/mfa/totp", &json!({})).await?;
        let phone = super::mfa::app(e["secret"].as_str().unwrap_or_default())?;
        let first = phone.generate(super::mfa::now_secs()).to_string();
        let (st, _) = s
            .post_json(tok, "/api/v1/me/mfa/totp/confirm", &json!({"code": first}))
            .await?;
        assert_eq!(st, 200, "{name}");
        let (st, b) = redeem(&s, &sign_in(&s, "sgt.alvarez").await?).await?;
        assert_eq!((st, &b["mfa_required"]), (200, &json!(true)), "{name}: {b}");
        assert!(b.get("access_token").is_none(), "{name}: {b}");
        let next = phone.generate(super::mfa::now_secs() + 30).to_string();
        let (st, b) = s
            .post_json(
                None,
                "/api/v1/auth/mfa",
                &json!({"mfa_token": b["mfa_token"], "code": next}),
            )
            .await?;
        assert_eq!(
            (st, &b["user"]["username"]),
            (200, &json!("sgt.alvarez")),
            "{name}: {b}"
        );

        // Only the sign-in's own links were made.
        let db_conn = s.open_database().await?;
        use sea_orm::{ConnectionTrait, Statement};
        let row = db_conn
            .query_one_raw(Statement::from_string(
                db_conn.get_database_backend(),
                "SELECT COUNT(*) AS n FROM identity_links",
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no count"))?;
        let links: i64 = row.try_get("", "n")?;
        assert_eq!(links, 3, "{name}: sro.martinez, sro.chen and sgt.alvarez");
    }
    Ok(())
}

#[tokio::test]
async fn a_sign_in_replayed_or_finished_in_another_browser_opens_nothing() -> anyhow::Result<()> {
    let idp = Idp::start("county")?;
    for db in Db::all() {
        let name = db.name();
        let s = with_provider(&db, &idp).await?;
        let start = s.url("/api/v1/auth/oidc/county/start");

        // Login CSRF: someone signs in at the provider as themselves and
        // sends the way back to an officer's browser.
        let attacker = idp::browser();
        let callback = idp::sign_in_at_provider(&attacker, &start, "sro.martinez").await?;
        let victim = idp::browser();
        assert_eq!(
            idp::come_back(&victim, &callback).await?,
            "oidc-error=wrong_browser",
            "{name}"
        );
        // That state is used up, even by its own browser.
        assert_eq!(
            idp::come_back(&attacker, &callback).await?,
            "oidc-error=expired",
            "{name}"
        );

        // A finished sign-in's callback, replayed.
        let browser = idp::browser();
        let callback = idp::sign_in_at_provider(&browser, &start, "sro.martinez").await?;
        assert!(
            idp::come_back(&browser, &callback)
                .await?
                .starts_with("oidc=")
        );
        assert_eq!(
            idp::come_back(&browser, &callback).await?,
            "oidc-error=expired",
            "{name}: replayed"
        );

        // A made-up state; a provider that is not configured.
        let forged = s.url("/api/v1/auth/oidc/county/callback?code=x&state=y");
        assert_eq!(
            idp::come_back(&browser, &forged).await?,
            "oidc-error=expired"
        );
        let (st, _) = s.get(None, "/api/v1/auth/oidc/elsewhere/start").await?;
        assert_eq!(st, 404, "{name}");
        let (st, b) = s
            .post_json(None, "/api/v1/auth/oidc/redeem", &json!({"ticket": "nope"}))
            .await?;
        assert_eq!(st, 401, "{name}: {b}");
    }
    Ok(())
}
