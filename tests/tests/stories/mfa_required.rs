//! Issue 18, CJIS: an organisation requires a second factor of some roles
//! (by default every desk role). A user of such a role who has none sets
//! one up as part of the sign-in, and gets tokens only with its first code;
//! a password alone never replaces a factor; officers are unaffected unless
//! the agency adds them; only the organisation's admin changes the roles.

use fieldlog_tests::{Db, PASSWORD, TestServer};
use serde_json::{Value, json};

const ELSEWHERE_PASSWORD: &str = "Amber ferries cross 58 silent bays";

async fn password(s: &TestServer, user: &str, pw: &str) -> anyhow::Result<(u16, Value)> {
    s.post_json(
        None,
        "/api/v1/auth/login",
        &json!({"username": user, "password": pw}),
    )
    .await
}

#[tokio::test]
async fn required_roles_set_up_a_second_factor_at_sign_in() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let admin = s.login("admin.agency").await?;
        let tok = Some(admin.token.as_str());
        // The demo requires none, so that anyone can try every role.
        let (st, b) = s.get(tok, "/api/v1/admin/settings/mfa").await?;
        assert_eq!((st, b), (200, json!({"roles": []})), "{name}");
        // Command staff signed in while none was required.
        let reyes = s.login("lt.reyes").await?;
        let (st, b) = s
            .put_json(
                tok,
                "/api/v1/admin/settings/mfa",
                &json!({"roles": ["supervisor", "commander"]}),
            )
            .await?;
        assert_eq!(
            (st, &b["roles"]),
            (200, &json!(["supervisor", "commander"])),
            "{name}"
        );
        let (st, b) = s
            .put_json(
                tok,
                "/api/v1/admin/settings/mfa",
                &json!({"roles": ["janitor"]}),
            )
            .await?;
        assert_eq!(
            (st, b["error"]["field"].as_str()),
            (422, Some("roles[0]")),
            "{name}: {b}"
        );

        // A sign-in made before, without the factor now required, ends at
        // its next refresh (the next sign-in sets the factor up).
        let (st, b) = s
            .post_json(
                None,
                "/api/v1/auth/refresh",
                &json!({"refresh_token": reyes.refresh}),
            )
            .await?;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (401, Some("session_expired")),
            "{name}: {b}"
        );

        // An officer is not asked; a supervisor gets no tokens, only the
        // setting up.
        let (st, b) = password(&s, "sro.martinez", PASSWORD).await?;
        assert!(st == 200 && b["access_token"].is_string(), "{name}: {b}");
        let (st, b) = password(&s, "sgt.alvarez", PASSWORD).await?;
        assert_eq!(
            (st, &b["methods"]),
            (200, &json!(["totp_enrol"])),
            "{name}: {b}"
        );
        assert!(b.get("access_token").is_none(), "{name}: {b}");
        let challenge = b["mfa_token"].clone();
        // No code works before the factor is set up.
        let (st, _) = s
            .post_json(
                None,
                "/api/v1/auth/mfa",
                &json!({"mfa_token": challenge, "code": "123456"}),
            )
            .await?;
        assert_eq!(st, 422, "{name}");
        let (st, e) = s
            .post_json(
                None,
                "/api/v1/auth/mfa/enrol",
                &json!({"mfa_token": challenge}),
            )
            .await?;
        assert_eq!(st, 200, "{name}: {e}");
        let phone = fieldlog_tests::second_factor::app(e["secret"].as_str().unwrap_or_default())?;
        let now = chrono::Utc::now().timestamp() as u64;
        let (st, b) = s
            .post_json(
                None,
                "/api/v1/auth/mfa",
                &json!({"mfa_token": challenge, "code": phone.generate(now).to_string()}),
            )
            .await?;
        assert_eq!(
            (st, &b["user"]["username"]),
            (200, &json!("sgt.alvarez")),
            "{name}: {b}"
        );

        // From now on the code is asked for, and a password alone cannot
        // set up another factor in its place.
        let (st, b) = password(&s, "sgt.alvarez", PASSWORD).await?;
        assert_eq!((st, &b["methods"]), (200, &json!(["totp"])), "{name}: {b}");
        let (st, _) = s
            .post_json(
                None,
                "/api/v1/auth/mfa/enrol",
                &json!({"mfa_token": b["mfa_token"]}),
            )
            .await?;
        assert_eq!(st, 409, "{name}: a password alone replaces no factor");

        // A sign-in under way when the admin stops requiring the role's
        // factor: its setting-up no longer confirms, nor starts again.
        let (_, b) = password(&s, "sgt.brooks", PASSWORD).await?;
        let stale = b["mfa_token"].clone();
        let (st, e) = s
            .post_json(None, "/api/v1/auth/mfa/enrol", &json!({"mfa_token": stale}))
            .await?;
        assert_eq!(st, 200, "{name}: {e}");
        let pending = fieldlog_tests::second_factor::app(e["secret"].as_str().unwrap_or_default())?;
        let roles = |r: Value| json!({ "roles": r });
        s.put_json(
            tok,
            "/api/v1/admin/settings/mfa",
            &roles(json!(["commander"])),
        )
        .await?;
        let code = pending
            .generate(chrono::Utc::now().timestamp() as u64)
            .to_string();
        let (st, _) = s
            .post_json(
                None,
                "/api/v1/auth/mfa",
                &json!({"mfa_token": stale, "code": code}),
            )
            .await?;
        assert_eq!(st, 422, "{name}: no longer required, so not confirmed");
        let (st, _) = s
            .post_json(None, "/api/v1/auth/mfa/enrol", &json!({"mfa_token": stale}))
            .await?;
        assert_eq!(st, 409, "{name}: nor started again");
        s.put_json(
            tok,
            "/api/v1/admin/settings/mfa",
            &roles(json!(["supervisor", "commander"])),
        )
        .await?;

        // A new organisation requires one of every desk role: its first
        // admin sets theirs up at their first sign-in.
        let (st, org) = s
            .post_json(
                tok,
                "/api/v1/admin/organizations",
                &json!({"kind": "district", "name": "Elsewhere Unified"}),
            )
            .await?;
        assert_eq!(st, 201, "{name}: {org}");
        let (st, made) = s
            .post_json(
                tok,
                "/api/v1/admin/users",
                &json!({"username": "admin.elsewhere", "role": "admin",
                        "organization_id": org["id"], "password": ELSEWHERE_PASSWORD}),
            )
            .await?;
        assert_eq!(st, 201, "{name}: {made}");
        let (st, b) = password(&s, "admin.elsewhere", ELSEWHERE_PASSWORD).await?;
        assert_eq!(
            (st, &b["methods"]),
            (200, &json!(["totp_enrol"])),
            "{name}: {b}"
        );
        let elsewhere = s.login_with("admin.elsewhere", ELSEWHERE_PASSWORD).await?;
        let (st, b) = s
            .get(Some(&elsewhere.token), "/api/v1/admin/settings/mfa")
            .await?;
        let desk = json!([
            "supervisor",
            "school_leader",
            "analyst",
            "admin",
            "auditor",
            "commander"
        ]);
        assert_eq!((st, &b["roles"]), (200, &desk), "{name}: the default");

        // Who may read and change them: the organisation's admins only.
        for (who, want) in [
            (Some("sro.martinez"), 403),
            (Some("principal.lincoln"), 403),
            (Some("lt.reyes"), 403),
            (Some("analyst.district"), 403),
            (Some("auditor.district"), 403),
            (Some("admin.district"), 200),
            (None, 401),
        ] {
            let token = match who {
                Some(u) => Some(s.login(u).await?.token),
                None => None,
            };
            let (st, _) = s
                .get(token.as_deref(), "/api/v1/admin/settings/mfa")
                .await?;
            assert_eq!(st, want, "{name}: {who:?} GET");
            let (st, _) = s
                .put_json(
                    token.as_deref(),
                    "/api/v1/admin/settings/mfa",
                    &json!({"roles": []}),
                )
                .await?;
            assert_eq!(st, want, "{name}: {who:?} PUT");
        }
        // The district's admin changed only the district's: the agency's
        // supervisors still need theirs.
        let (_, b) = s.get(tok, "/api/v1/admin/settings/mfa").await?;
        assert_eq!(b["roles"], json!(["supervisor", "commander"]), "{name}");
    }
    Ok(())
}
