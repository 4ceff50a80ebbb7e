//! Issue 18, sign-in with the agency's identity provider (OpenID Connect),
//! against a real provider (node's oidc-provider, `tests/idp`, whose `sub`
//! is the login typed there): the agency's admin links an officer's
//! identity; the officer signs in there and gets Fieldlog's tokens; the
//! ticket works once, in the browser that started the sign-in; an identity
//! opens only its linked account of the provider's own organisation, never
//! a disabled one; who may link whom; a sign-in finished in another browser,
//! or replayed, opens nothing; a second factor is still asked for.

use fieldlog_tests::idp::{self, Idp};
use fieldlog_tests::{Db, TestServer};
use serde_json::{Value, json};

async fn with_provider(db: &Db, idp: &Idp) -> anyhow::Result<TestServer> {
    let s = TestServer::start(db).await?;
    let admin = s.login("admin.agency").await?;
    let agency = super::admin::org_of(&s, &admin.token, "agency").await?;
    std::fs::write(s.data_dir.join("oidc-county.secret"), idp::SECRET)?;
    let setting = idp.setting("county", &agency);
    s.restart_with(&[("FIELDLOG_OIDC", &setting)]).await
}

async fn agency_of(s: &TestServer) -> anyhow::Result<String> {
    let admin = s.login("admin.agency").await?;
    super::admin::org_of(s, &admin.token, "agency").await
}

pub(super) async fn user_id(s: &TestServer, admin: &str, username: &str) -> anyhow::Result<String> {
    let (_, users) = s.get(Some(admin), "/api/v1/admin/users").await?;
    users
        .as_array()
        .into_iter()
        .flatten()
        .find(|u| u["username"] == username)
        .and_then(|u| u["id"].as_str().map(String::from))
        .ok_or_else(|| anyhow::anyhow!("no {username}"))
}

/// The agency's admin links `username` to the provider's `sub` of the same.
async fn link(s: &TestServer, admin: &str, username: &str) -> anyhow::Result<(u16, Value)> {
    let id = user_id(s, admin, username).await?;
    s.put_json(
        Some(admin),
        &format!("/api/v1/admin/users/{id}/identities/county"),
        &json!({"subject": username}),
    )
    .await
}

/// A whole sign-in at the provider as `login`, in a new browser: the
/// browser and the fragment the app gets.
async fn sign_in(s: &TestServer, login: &str) -> anyhow::Result<(reqwest::Client, String)> {
    let browser = idp::browser();
    let fragment = sign_in_with(s, &browser, login).await?;
    Ok((browser, fragment))
}

/// A whole sign-in at the provider as `login` in `browser`; the fragment.
async fn sign_in_with(
    s: &TestServer,
    browser: &reqwest::Client,
    login: &str,
) -> anyhow::Result<String> {
    let start = s.url("/api/v1/auth/oidc/county/start");
    let callback = idp::sign_in_at_provider(browser, &start, login).await?;
    idp::come_back(browser, &callback).await
}

async fn redeem(
    s: &TestServer,
    browser: &reqwest::Client,
    fragment: &str,
) -> anyhow::Result<(u16, Value)> {
    let ticket = fragment.strip_prefix("oidc=").unwrap_or(fragment);
    let r = browser
        .post(s.url("/api/v1/auth/oidc/redeem"))
        .json(&json!({"ticket": ticket, "device": uuid::Uuid::new_v4()}))
        .send()
        .await?;
    Ok((r.status().as_u16(), r.json().await.unwrap_or(Value::Null)))
}

#[tokio::test]
async fn an_officer_the_admin_linked_signs_in_through_the_agency_provider() -> anyhow::Result<()> {
    let idp = Idp::start("county")?;
    for db in Db::all() {
        let name = db.name();
        let s = with_provider(&db, &idp).await?;
        let admin = s.login("admin.agency").await?;
        let tok = admin.token.as_str();
        let (st, list) = s.get(None, "/api/v1/auth/oidc/providers").await?;
        assert_eq!(
            (st, list),
            (200, json!([{"id": "county", "name": "County ID"}])),
            "{name}"
        );

        // Not linked yet: the provider's sign-in opens nothing.
        assert_eq!(
            sign_in(&s, "sro.martinez").await?.1,
            "oidc-error=not_linked",
            "{name}"
        );
        let (st, b) = link(&s, tok, "sro.martinez").await?;
        assert_eq!(st, 204, "{name}: {b}");

        // The ticket opens the account once, in this browser only, with the
        // device's secret as a password sign-in has.
        let (browser, fragment) = sign_in(&s, "sro.martinez").await?;
        assert!(fragment.starts_with("oidc="), "{name}: {fragment}");
        let elsewhere = idp::browser();
        let (st, _) = redeem(&s, &elsewhere, &fragment).await?;
        assert_eq!(st, 401, "{name}: a ticket sent to another browser");
        // Again in the same browser (that ticket was spent elsewhere).
        let fragment = sign_in_with(&s, &browser, "sro.martinez").await?;
        let (st, tokens) = redeem(&s, &browser, &fragment).await?;
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
        let (st, _) = redeem(&s, &browser, &fragment).await?;
        assert_eq!(st, 401, "{name}: a ticket works once");

        // Someone else at the provider, and the admin's own account (never
        // by name: only a link opens an account).
        for login in ["stranger", "admin.agency"] {
            assert_eq!(
                sign_in(&s, login).await?.1,
                "oidc-error=not_linked",
                "{name}: {login}"
            );
        }

        // Disabled after the link: the provider's sign-in opens nothing.
        link(&s, tok, "sro.chen").await?;
        let (chen_browser, fragment) = sign_in(&s, "sro.chen").await?;
        let chen = user_id(&s, tok, "sro.chen").await?;
        let (st, _) = s
            .patch_json(
                Some(tok),
                &format!("/api/v1/admin/users/{chen}"),
                &json!({"disabled": true}),
            )
            .await?;
        assert_eq!(st, 200, "{name}");
        let (st, b) = redeem(&s, &chen_browser, &fragment).await?;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (401, Some("account_disabled")),
            "{name}"
        );
        assert_eq!(
            sign_in(&s, "sro.chen").await?.1,
            "oidc-error=account_disabled",
            "{name}"
        );
        // Unlinked: nothing, disabled or not.
        let unlink = format!("/api/v1/admin/users/{chen}/identities/county");
        let (st, _) = super::mfa::delete(&s, Some(tok), &unlink).await?;
        assert_eq!(st, 204, "{name}");
        assert_eq!(
            sign_in(&s, "sro.chen").await?.1,
            "oidc-error=not_linked",
            "{name}"
        );

        // A second factor enrolled here is asked for after the provider's
        // sign-in too, as after a password.
        link(&s, tok, "sgt.alvarez").await?;
        let sup = s.login("sgt.alvarez").await?;
        let sup_tok = Some(sup.token.as_str());
        let (_, e) = s
            .post_json(sup_tok, "/api/v1/me/mfa/totp", &json!({}))
            .await?;
        let phone = super::mfa::app(e["secret"].as_str().unwrap_or_default())?;
        let first = phone.generate(super::mfa::now_secs()).to_string();
        let (st, _) = s
            .post_json(
                sup_tok,
                "/api/v1/me/mfa/totp/confirm",
                &json!({"code": first}),
            )
            .await?;
        assert_eq!(st, 200, "{name}");
        let (browser, fragment) = sign_in(&s, "sgt.alvarez").await?;
        let (st, b) = redeem(&s, &browser, &fragment).await?;
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

        // An admin's own identity is linked from the shell, and then opens
        // the admin's account.
        let out = s.cli(
            &[
                "user",
                "link",
                "--username",
                "admin.agency",
                "--provider",
                "county",
                "--subject",
                "admin.agency",
            ],
            "",
        )?;
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (browser, fragment) = sign_in(&s, "admin.agency").await?;
        let (st, b) = redeem(&s, &browser, &fragment).await?;
        assert_eq!(
            (st, &b["user"]["username"]),
            (200, &json!("admin.agency")),
            "{name}: {b}"
        );

        // The access log has each sign-in and each refusal.
        let (_, log) = s
            .get(
                Some(&s.login("auditor.district").await?.token),
                "/api/v1/audit?event=oidc_refused_not_linked",
            )
            .await?;
        let refusals = log.as_array().map_or(0, Vec::len);
        assert!(refusals >= 4, "{name}: {refusals} refusals logged: {log}");
    }
    Ok(())
}

#[tokio::test]
async fn a_sign_in_replayed_or_finished_in_another_browser_opens_nothing() -> anyhow::Result<()> {
    let idp = Idp::start("county")?;
    for db in Db::all() {
        let name = db.name();
        let s = with_provider(&db, &idp).await?;
        let admin = s.login("admin.agency").await?;
        link(&s, &admin.token, "sro.martinez").await?;
        let start = s.url("/api/v1/auth/oidc/county/start");

        // Login CSRF: someone signs in at the provider as themselves and
        // sends the way back to an officer's browser, which has a sign-in
        // of its own under way.
        let attacker = idp::browser();
        let callback = idp::sign_in_at_provider(&attacker, &start, "sro.martinez").await?;
        let victim = idp::browser();
        let r = victim.get(&start).send().await?;
        assert_eq!(r.status(), 303, "{name}: the victim's own sign-in starts");
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
                .starts_with("oidc="),
            "{name}"
        );
        assert_eq!(
            idp::come_back(&browser, &callback).await?,
            "oidc-error=expired",
            "{name}: replayed"
        );

        // A made-up state; a provider that is not configured; a made-up ticket.
        let forged = s.url("/api/v1/auth/oidc/county/callback?code=x&state=y");
        assert_eq!(
            idp::come_back(&browser, &forged).await?,
            "oidc-error=expired",
            "{name}"
        );
        let (st, _) = s.get(None, "/api/v1/auth/oidc/elsewhere/start").await?;
        assert_eq!(st, 404, "{name}");
        let (st, b) = s
            .post_json(None, "/api/v1/auth/oidc/redeem", &json!({"ticket": "nope"}))
            .await?;
        assert_eq!(st, 401, "{name}: {b}");

        // The provider's id pointed at another issuer: its subjects are
        // other people, even where they look the same.
        let other = Idp::start("county")?;
        let admin_id = agency_of(&s).await?;
        let s = s
            .restart_with(&[("FIELDLOG_OIDC", &other.setting("county", &admin_id))])
            .await?;
        let (_, fragment) = sign_in(&s, "sro.martinez").await?;
        assert_eq!(fragment, "oidc-error=not_linked", "{name}: another issuer");
        let start = s.url("/api/v1/auth/oidc/county/start");

        // Starting sign-ins is limited per address: each one costs the
        // provider a request (100 in ten minutes; a few were used above).
        let mut answers = Vec::new();
        for _ in 0..101 {
            answers.push(idp::browser().get(&start).send().await?.status().as_u16());
        }
        let first_refusal = answers.iter().position(|&a| a == 429);
        assert!(
            first_refusal.is_some_and(|n| n >= 90 && answers[..n].iter().all(|&a| a == 303)),
            "{name}: {answers:?}"
        );
    }
    Ok(())
}

/// Who may see and change a user's identities: the matrix of callers
/// against the agency's officer, and the rules of `identity::may_link`.
#[tokio::test]
async fn only_the_users_own_admin_links_identities() -> anyhow::Result<()> {
    let idp = Idp::start("county")?;
    for db in Db::all() {
        let name = db.name();
        let s = with_provider(&db, &idp).await?;
        let agency_admin = s.login("admin.agency").await?;
        let officer = user_id(&s, &agency_admin.token, "sro.okafor").await?;
        let path = format!("/api/v1/admin/users/{officer}/identities");
        for who in [
            Some("sro.martinez"),
            Some("sgt.alvarez"),
            Some("principal.lincoln"),
            Some("analyst.district"),
            Some("auditor.district"),
            Some("admin.district"),
            Some("admin.agency"),
            None,
        ] {
            let token = match who {
                Some(u) => Some(s.login(u).await?.token),
                None => None,
            };
            let tok = token.as_deref();
            // Denied before anything else: no token 401, no grant 403; the
            // district's admin does not manage the agency's officer (404).
            let (get, put, del) = match who {
                None => (401, 401, 401),
                Some("admin.agency") => (200, 204, 204),
                Some("admin.district") => (404, 404, 404),
                Some(_) => (403, 403, 403),
            };
            let (st, _) = s.get(tok, &path).await?;
            assert_eq!(st, get, "{name}: {who:?} GET");
            let (st, _) = s
                .put_json(
                    tok,
                    &format!("{path}/county"),
                    &json!({"subject": "okafor-at-county"}),
                )
                .await?;
            assert_eq!(st, put, "{name}: {who:?} PUT");
            let (st, _) = super::mfa::delete(&s, tok, &format!("{path}/county")).await?;
            assert_eq!(st, del, "{name}: {who:?} DELETE");
        }

        let tok = Some(agency_admin.token.as_str());
        let own = agency_admin.user.to_string();
        let body = json!({"subject": "someone"});
        let put = |u: &str, p: &str| format!("/api/v1/admin/users/{u}/identities/{p}");
        let (st, b) = s.put_json(tok, &put(&own, "county"), &body).await?;
        assert_eq!(st, 409, "{name}: their own account: {b}");
        let (st, _) = s.put_json(tok, &put(&officer, "elsewhere"), &body).await?;
        assert_eq!(st, 404, "{name}: a provider that is not configured");
        let (st, b) = s
            .put_json(tok, &put(&officer, "county"), &json!({"subject": " "}))
            .await?;
        assert_eq!(
            (st, b["error"]["field"].as_str()),
            (422, Some("subject")),
            "{name}"
        );
        // The district's admin links a district user to the agency's provider.
        let district_admin = s.login("admin.district").await?;
        let dtok = Some(district_admin.token.as_str());
        let principal = user_id(&s, &district_admin.token, "principal.lincoln").await?;
        let (st, b) = s.put_json(dtok, &put(&principal, "county"), &body).await?;
        assert_eq!(st, 409, "{name}: another organisation's provider: {b}");
        // One identity per account, one account per identity.
        let (st, _) = s.put_json(tok, &put(&officer, "county"), &body).await?;
        assert_eq!(st, 204, "{name}");
        let (st, _) = s
            .put_json(tok, &put(&officer, "county"), &json!({"subject": "other"}))
            .await?;
        assert_eq!(st, 409, "{name}: a second identity");
        let chen = user_id(&s, &agency_admin.token, "sro.chen").await?;
        let (st, _) = s.put_json(tok, &put(&chen, "county"), &body).await?;
        assert_eq!(st, 409, "{name}: an identity that opens another account");
        let (st, list) = s.get(tok, &path).await?;
        assert_eq!(
            (st, &list[0]["subject"]),
            (200, &json!("someone")),
            "{name}: {list}"
        );
    }
    Ok(())
}
