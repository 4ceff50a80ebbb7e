//! Issue 18, multi-factor sign-in (CJIS): a supervisor enrols TOTP; from
//! then on a password alone yields no tokens, the code completes the
//! sign-in once (never twice), and wrong codes lock the account like wrong
//! passwords do, however often the password step is repeated.

use fieldlog_tests::{Db, PASSWORD, TestServer};
use serde_json::{Value, json};

pub(super) use fieldlog_tests::second_factor::app;

pub(super) fn now_secs() -> u64 {
    chrono::Utc::now().timestamp() as u64
}

async fn password_step(s: &TestServer, user: &str) -> anyhow::Result<(u16, Value)> {
    s.post_json(
        None,
        "/api/v1/auth/login",
        &json!({"username": user, "password": PASSWORD}),
    )
    .await
}

fn code(b: &Value) -> &str {
    b["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn once_totp_is_enrolled_a_password_alone_signs_in_no_one() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let sup = s.login("sgt.alvarez").await?;
        let tok = Some(sup.token.as_str());

        let (st, e) = s.post_json(tok, "/api/v1/me/mfa/totp", &json!({})).await?;
        assert_eq!(st, 200, "{name}: {e}");
        assert!(
            e["otpauth_uri"]
                .as_str()
                .is_some_and(|u| u.starts_with("otpauth://totp/")),
            "{name}: {e}"
        );
        let phone = app(e["secret"].as_str().unwrap_or_default())?;
        let (st, b) = s
            .post_json(
                tok,
                "/api/v1/me/mfa/totp/confirm",
                &json!({"code": "000000"}),
            )
            .await?;
        assert_eq!((st, code(&b)), (422, "wrong_code"), "{name}: {b}");
        let first = phone.generate(now_secs()).to_string();
        let (st, b) = s
            .post_json(tok, "/api/v1/me/mfa/totp/confirm", &json!({"code": first}))
            .await?;
        assert_eq!((st, &b["enrolled"]), (200, &json!(true)), "{name}: {b}");
        let (st, _) = s.post_json(tok, "/api/v1/me/mfa/totp", &json!({})).await?;
        assert_eq!(st, 409, "{name}: enrolment is not replaced without a code");

        // The password alone: a challenge, no tokens.
        let (st, b) = password_step(&s, "sgt.alvarez").await?;
        assert_eq!(st, 200, "{name}: {b}");
        assert_eq!(b["mfa_required"], true, "{name}: {b}");
        assert!(b.get("access_token").is_none(), "{name}: {b}");
        let challenge = b["mfa_token"].as_str().unwrap_or_default().to_owned();
        // The code used to confirm does not sign in: its step is spent.
        let (st, b) = s
            .post_json(
                None,
                "/api/v1/auth/mfa",
                &json!({"mfa_token": challenge, "code": first}),
            )
            .await?;
        assert_eq!((st, code(&b)), (422, "wrong_code"), "{name}: replayed: {b}");
        // The next step's code does, once.
        let next = phone.generate(now_secs() + 30).to_string();
        let (st, b) = s
            .post_json(
                None,
                "/api/v1/auth/mfa",
                &json!({"mfa_token": challenge, "code": next}),
            )
            .await?;
        assert_eq!(st, 200, "{name}: {b}");
        let access = b["access_token"].as_str().unwrap_or_default().to_owned();
        assert!(!access.is_empty(), "{name}: {b}");
        let (st, me) = s.get(Some(&access), "/api/v1/me").await?;
        assert_eq!(
            (st, &me["username"]),
            (200, &json!("sgt.alvarez")),
            "{name}"
        );
        let (st, _) = s
            .post_json(
                None,
                "/api/v1/auth/mfa",
                &json!({"mfa_token": challenge, "code": next}),
            )
            .await?;
        assert_eq!(st, 422, "{name}: the same code twice");
        // A token not the server's is refused outright.
        let forged = format!("{}x", &challenge[..challenge.len() - 1]);
        let (st, _) = s
            .post_json(
                None,
                "/api/v1/auth/mfa",
                &json!({"mfa_token": forged, "code": next}),
            )
            .await?;
        assert_eq!(st, 401, "{name}");
    }
    Ok(())
}

#[tokio::test]
async fn wrong_codes_lock_the_account_however_often_the_password_is_given() -> anyhow::Result<()> {
    let s = TestServer::start(&Db::Sqlite).await?;
    let sup = s.login("sgt.brooks").await?;
    let (_, e) = s
        .post_json(Some(&sup.token), "/api/v1/me/mfa/totp", &json!({}))
        .await?;
    let phone = app(e["secret"].as_str().unwrap_or_default())?;
    let c = phone.generate(now_secs()).to_string();
    let (st, _) = s
        .post_json(
            Some(&sup.token),
            "/api/v1/me/mfa/totp/confirm",
            &json!({"code": c}),
        )
        .await?;
    assert_eq!(st, 200);
    // Password, wrong code, password, wrong code, ...: never more than the
    // lockout's five tries in all before a 429.
    let mut tries = 0;
    let mut locked = false;
    for _ in 0..6 {
        let (st, b) = password_step(&s, "sgt.brooks").await?;
        if st == 429 {
            locked = true;
            break;
        }
        tries += 1;
        let challenge = b["mfa_token"].as_str().unwrap_or_default().to_owned();
        let (st, _) = s
            .post_json(
                None,
                "/api/v1/auth/mfa",
                &json!({"mfa_token": challenge, "code": "123456"}),
            )
            .await?;
        if st == 429 {
            locked = true;
            break;
        }
        tries += 1;
    }
    assert!(locked, "never locked after {tries} tries");
    assert!(tries <= 5, "{tries} tries before the lock");
    Ok(())
}

/// The enrolment endpoints, for every role: each user enrols themselves
/// (there is no other object to reach); without a token, 401.
#[tokio::test]
async fn every_role_may_enrol_itself_and_no_one_else() -> anyhow::Result<()> {
    let s = TestServer::start(&Db::Sqlite).await?;
    for user in [
        "sro.martinez",
        "sgt.alvarez",
        "principal.lincoln",
        "analyst.district",
        "admin.agency",
        "auditor.district",
    ] {
        let sess = s.login(user).await?;
        let (st, e) = s
            .post_json(Some(&sess.token), "/api/v1/me/mfa/totp", &json!({}))
            .await?;
        assert_eq!(st, 200, "{user}: {e}");
        let label = e["otpauth_uri"].as_str().unwrap_or_default();
        assert!(
            label.contains(user),
            "{user}: enrols their own account: {label}"
        );
        // An unconfirmed enrolment changes nothing about signing in.
        s.login(user).await?;
    }
    for path in ["/api/v1/me/mfa/totp", "/api/v1/me/mfa/totp/confirm"] {
        let (st, _) = s.post_json(None, path, &json!({"code": "123456"})).await?;
        assert_eq!(st, 401, "{path}");
    }
    Ok(())
}

pub(super) async fn delete(
    s: &TestServer,
    token: Option<&str>,
    path: &str,
) -> anyhow::Result<(u16, Value)> {
    let mut r = s.http.delete(s.url(path));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await?;
    let st = r.status().as_u16();
    let text = r.text().await?;
    Ok((st, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// Issue 18: a supervisor loses the phone with their authenticator. Their
/// agency's admin removes the second factor: every session ends, the
/// password alone signs in again (to enrol anew), the log has it; the
/// district's admin, the supervisor themself and an admin on their own
/// account cannot.
#[tokio::test]
async fn an_admin_resets_a_lost_second_factor_and_every_session_ends() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let sup = s.login("sgt.alvarez").await?;
        let tok = Some(sup.token.as_str());
        let (_, e) = s.post_json(tok, "/api/v1/me/mfa/totp", &json!({})).await?;
        let phone = app(e["secret"].as_str().unwrap_or_default())?;
        let c = phone.generate(now_secs()).to_string();
        let (st, b) = s
            .post_json(tok, "/api/v1/me/mfa/totp/confirm", &json!({"code": c}))
            .await?;
        assert_eq!(st, 200, "{name}: {b}");
        let (_, b) = password_step(&s, "sgt.alvarez").await?;
        assert_eq!(b["mfa_required"], true, "{name}: {b}");

        let path = format!("/api/v1/admin/users/{}/mfa", sup.user);
        let district = s.login("admin.district").await?;
        let (st, b) = delete(&s, Some(&district.token), &path).await?;
        assert_eq!(st, 404, "{name}: another organisation's user: {b}");
        let (st, _) = delete(&s, tok, &path).await?;
        assert_eq!(st, 403, "{name}: not an admin");
        let (st, _) = delete(&s, None, &path).await?;
        assert_eq!(st, 401, "{name}");
        let admin = s.login("admin.agency").await?;
        // An admin's own second factor, and another admin's, are not an
        // organisation admin's to reset (with a password reset after it, one
        // admin could take over another); the deployment's administrator
        // resets them from the shell. Both admins are enrolled, so the
        // refusals are the rule's, not "nothing to reset".
        let (_, own) = s
            .get(
                Some(&admin.token),
                &format!("/api/v1/admin/users/{}", admin.user),
            )
            .await?;
        let second = s
            .post_json(
                Some(&admin.token),
                "/api/v1/admin/users",
                &json!({"username": "admin.second", "role": "admin",
                    "organization_id": own["organization_id"], "password": PASSWORD}),
            )
            .await?;
        assert_eq!(second.0, 201, "{name}: {}", second.1);
        let mut refusals = Vec::new();
        for who in ["admin.agency", "admin.second"] {
            let sess = s.login(who).await?;
            let (_, e) = s
                .post_json(Some(&sess.token), "/api/v1/me/mfa/totp", &json!({}))
                .await?;
            let c = app(e["secret"].as_str().unwrap_or_default())?.generate(now_secs());
            let (st, b) = s
                .post_json(
                    Some(&sess.token),
                    "/api/v1/me/mfa/totp/confirm",
                    &json!({"code": c.to_string()}),
                )
                .await?;
            assert_eq!(st, 200, "{name}: {who}: {b}");
            let (st, b) = delete(
                &s,
                Some(&admin.token),
                &format!("/api/v1/admin/users/{}/mfa", sess.user),
            )
            .await?;
            assert_eq!(st, 409, "{name}: {who}: {b}");
            refusals.push(
                b["error"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
        assert!(
            refusals[0].contains("another admin resets your"),
            "{name}: {refusals:?}"
        );
        assert!(
            refusals[1].contains("deployment's administrator"),
            "{name}: {refusals:?}"
        );
        let out = s.cli(&["user", "reset-mfa", "--username", "admin.second"], "")?;
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (_, b) = password_step(&s, "admin.second").await?;
        assert!(
            b.get("access_token").is_some(),
            "{name}: reset from the shell: {b}"
        );
        let (_, b) = password_step(&s, "sgt.alvarez").await?;
        assert_eq!(b["mfa_required"], true, "{name}: nothing changed yet: {b}");

        let (st, b) = delete(&s, Some(&admin.token), &path).await?;
        assert_eq!(st, 204, "{name}: {b}");
        // The session on the lost phone ends, its refresh token with it.
        let (st, _) = s.get(tok, "/api/v1/me").await?;
        assert_eq!(st, 401, "{name}: the old session");
        let (st, _) = s
            .post_json(
                None,
                "/api/v1/auth/refresh",
                &json!({"refresh_token": sup.refresh}),
            )
            .await?;
        assert_eq!(st, 401, "{name}: the old refresh token");
        // The password alone signs in, and enrolment starts anew.
        let again = s.login("sgt.alvarez").await?;
        assert!(!again.token.is_empty(), "{name}");
        let (st, _) = s
            .post_json(Some(&again.token), "/api/v1/me/mfa/totp", &json!({}))
            .await?;
        assert_eq!(st, 200, "{name}: enrols again");
        // A half-finished enrolment goes too; then nothing is left to
        // reset, and the admin is told so.
        let (st, b) = delete(&s, Some(&admin.token), &path).await?;
        assert_eq!(st, 204, "{name}: {b}");
        let (st, b) = delete(&s, Some(&admin.token), &path).await?;
        assert_eq!(st, 409, "{name}: {b}");

        let auditor = s.login("auditor.district").await?;
        let (_, log) = s
            .get(Some(&auditor.token), "/api/v1/audit?event=admin_mfa_reset")
            .await?;
        let entries = log.as_array().cloned().unwrap_or_default();
        let by = |who: &Value| entries.iter().filter(|e| e["username"] == *who).count();
        assert_eq!(by(&json!("admin.agency")), 2, "{name}: {log}");
        assert_eq!(by(&Value::Null), 1, "{name}: the shell's: {log}");
        assert_eq!(entries.len(), 3, "{name}: {log}");
    }
    Ok(())
}
