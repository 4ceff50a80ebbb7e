//! Issue 18 (API.md Identity): a user signs out, sees their live sign-ins
//! and ends one (a lost phone), and changes their password, which ends
//! every other sign-in. Before these routes there was no way to do any of
//! it but to wait for the session's absolute end (each answered 404).

use super::accounts::refresh;
use fieldlog_tests::{Db, TestServer};
use serde_json::json;

const NEW_PASSWORD: &str = "a quiet harbor of seventeen lanterns";

async fn delete(s: &TestServer, token: Option<&str>, path: &str) -> anyhow::Result<u16> {
    let mut rq = s.http.delete(s.url(path));
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    Ok(rq.send().await?.status().as_u16())
}

#[tokio::test]
async fn a_user_signs_out_ends_a_lost_phone_s_sign_in_and_changes_their_password()
-> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let (phone, desk, spare) = (
            s.login("sro.martinez").await?,
            s.login("sro.martinez").await?,
            s.login("sro.martinez").await?,
        );
        let (st, list) = s.get(Some(&desk.token), "/api/v1/me/sessions").await?;
        assert_eq!(
            (st, list.as_array().map(Vec::len)),
            (200, Some(3)),
            "{name}: {list}"
        );

        // Signing out ends that sign-in only.
        let (st, _) = s
            .post_json(
                None,
                "/api/v1/auth/logout",
                &json!({"refresh_token": phone.refresh}),
            )
            .await?;
        assert_eq!(st, 204, "{name}");
        assert_eq!(
            refresh(&s, &phone.refresh).await?.0,
            401,
            "{name}: signed out"
        );
        let (st, again) = refresh(&s, &desk.refresh).await?;
        assert_eq!(st, 200, "{name}: {again}");
        let (st, _) = s
            .post_json(
                None,
                "/api/v1/auth/logout",
                &json!({"refresh_token": "nonsense"}),
            )
            .await?;
        assert_eq!(st, 204, "{name}: an unknown token is answered alike");

        // The spare is lost: ended from the desk.
        let (_, list) = s.get(Some(&desk.token), "/api/v1/me/sessions").await?;
        assert_eq!(list.as_array().map(Vec::len), Some(2), "{name}: {list}");
        let other = s.login("sro.chen").await?;
        let (_, theirs) = s.get(Some(&other.token), "/api/v1/me/sessions").await?;
        let their_id = theirs[0]["id"].as_str().unwrap_or_default().to_owned();
        assert!(!their_id.is_empty(), "{name}: {theirs}");
        assert_eq!(
            delete(
                &s,
                Some(&desk.token),
                &format!("/api/v1/me/sessions/{their_id}")
            )
            .await?,
            404,
            "{name}: another user's"
        );
        assert_eq!(
            delete(&s, None, &format!("/api/v1/me/sessions/{their_id}")).await?,
            401,
            "{name}"
        );
        // Newest first: the spare signed in last.
        let spare_id = list[0]["id"].as_str().unwrap_or_default().to_owned();
        let desk_refresh = again["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(
            delete(
                &s,
                Some(&desk.token),
                &format!("/api/v1/me/sessions/{spare_id}")
            )
            .await?,
            204,
            "{name}"
        );
        assert_eq!(
            delete(
                &s,
                Some(&desk.token),
                &format!("/api/v1/me/sessions/{spare_id}")
            )
            .await?,
            404,
            "{name}: already ended"
        );
        let (st, _) = refresh(&s, &desk_refresh).await?;
        assert_eq!(st, 200, "{name}: the desk's own goes on");
        assert_eq!(refresh(&s, &spare.refresh).await?.0, 401, "{name}");

        // A new password: the current one is checked, the new one must be
        // strong, and every other sign-in ends.
        let fresh = s.login("sro.martinez").await?;
        let body =
            |current: &str, new: &str| json!({"current_password": current, "new_password": new});
        let (st, b) = s
            .post_json(
                Some(&fresh.token),
                "/api/v1/me/password",
                &body("wrong password here", NEW_PASSWORD),
            )
            .await?;
        assert_eq!(
            (st, b["error"]["field"].as_str()),
            (422, Some("current_password")),
            "{name}: {b}"
        );
        let current = fieldlog_tests::PASSWORD.to_owned();
        let (st, b) = s
            .post_json(
                Some(&fresh.token),
                "/api/v1/me/password",
                &body(&current, "password1"),
            )
            .await?;
        assert_eq!(
            (st, b["error"]["field"].as_str()),
            (422, Some("new_password")),
            "{name}: {b}"
        );
        let keep = s.login("sro.martinez").await?;
        let (st, tokens) = s
            .post_json(
                Some(&fresh.token),
                "/api/v1/me/password",
                &body(&current, NEW_PASSWORD),
            )
            .await?;
        assert_eq!(st, 200, "{name}: {tokens}");
        assert_eq!(
            refresh(&s, &keep.refresh).await?.0,
            401,
            "{name}: another sign-in ended"
        );
        let (st, _) = s.get(Some(&keep.token), "/api/v1/me").await?;
        assert_eq!(st, 401, "{name}: its access token too");
        let new_access = tokens["access_token"].as_str().unwrap_or_default();
        let (st, _) = s.get(Some(new_access), "/api/v1/me").await?;
        assert_eq!(st, 200, "{name}: the answer is this device's new sign-in");
        assert!(
            s.login_with("sro.martinez", NEW_PASSWORD).await.is_ok(),
            "{name}"
        );
    }
    Ok(())
}
