//! Issue 18, administration: an agency admin brings a new officer on board
//! without a shell (invite, assignment, a first record), disables and
//! re-enables them, resets a password, and cannot lock the agency out of
//! its own administration. Every admin endpoint is checked for every role.

use super::{contact, now};
use fieldlog_tests::{Db, TestServer};
use serde_json::{Value, json};

/// Strong enough for zxcvbn, and nobody's real password.
const NEW_PASSWORD: &str = "Ox-lantern quietly folds 73 maps";
const RESET_PASSWORD: &str = "Harbor violins drift past 19 cranes";

pub(super) async fn org_of(s: &TestServer, admin: &str, kind: &str) -> anyhow::Result<String> {
    let (st, orgs) = s.get(Some(admin), "/api/v1/admin/organizations").await?;
    anyhow::ensure!(st == 200, "organizations: {st} {orgs}");
    orgs.as_array()
        .into_iter()
        .flatten()
        .find(|o| o["kind"] == kind)
        .and_then(|o| o["id"].as_str().map(String::from))
        .ok_or_else(|| anyhow::anyhow!("no {kind} in {orgs}"))
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

fn field(body: &Value) -> &str {
    body["error"]["field"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_admin_brings_an_officer_on_board_and_off_again() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        // The police department's admin runs its officers.
        let admin = s.login("admin.agency").await?;
        let tok = Some(admin.token.as_str());
        let agency = org_of(&s, &admin.token, "agency").await?;
        let district = org_of(&s, &admin.token, "district").await?;
        let sup = s.login("sgt.alvarez").await?;
        let martinez = s.login("sro.martinez").await?;
        let school = martinez.first_school();

        // Created without a password: an invite, shown once.
        let body = json!({"username": "SRO.Nguyen", "display_name": " Officer T. Nguyen ",
            "role": "sro", "organization_id": agency});
        let (st, made) = s.post_json(tok, "/api/v1/admin/users", &body).await?;
        assert_eq!(st, 201, "{name}: {made}");
        assert_eq!(made["username"], "sro.nguyen", "{name}: normalised");
        assert_eq!(made["display_name"], "Officer T. Nguyen", "{name}");
        assert!(made.get("password_hash").is_none(), "{name}: {made}");
        let id = made["id"].as_str().unwrap_or_default().to_owned();
        let invite = made["invite_token"].as_str().unwrap_or_default().to_owned();
        assert!(invite.len() >= 40, "{name}: {made}");

        // The same name again, any case: 409.
        let (st, _) = s.post_json(tok, "/api/v1/admin/users", &body).await?;
        assert_eq!(st, 409, "{name}");

        // The invite sets a password: a weak one is refused, the token stays.
        let redeem =
            |password: &str, token: &str| json!({"invite_token": token, "password": password});
        let (st, b) = s
            .post_json(
                None,
                "/api/v1/auth/invite",
                &redeem("password1234567", &invite),
            )
            .await?;
        assert_eq!((st, code(&b)), (422, "weak_password"), "{name}: {b}");
        let (st, b) = s
            .post_json(None, "/api/v1/auth/invite", &redeem(NEW_PASSWORD, &invite))
            .await?;
        assert_eq!(st, 200, "{name}: {b}");
        assert_eq!(b["username"], "sro.nguyen", "{name}");
        let (st, b) = s
            .post_json(None, "/api/v1/auth/invite", &redeem(NEW_PASSWORD, &invite))
            .await?;
        assert_eq!((st, code(&b)), (422, "invalid_invite"), "{name}: used once");

        // Assigned to a school under sgt.alvarez: the officer logs there,
        // and the supervisor now supervises them.
        let path = format!("/api/v1/admin/users/{id}/assignments");
        let today = now().to_string()[..10].to_string();
        let assignment =
            json!({"schools": [school], "supervisor_id": sup.user, "effective_from": today});
        let (st, b) = s.put_json(tok, &path, &assignment).await?;
        assert_eq!(st, 200, "{name}: {b}");
        assert_eq!(b["schools"], json!([school]), "{name}");
        let nguyen = s.login_with("sro.nguyen", NEW_PASSWORD).await?;
        let r = contact(nguyen.user, nguyen.first_school());
        let (st, b) = s
            .post_json(
                Some(&nguyen.token),
                "/api/v1/incidents",
                &serde_json::to_value(&r)?,
            )
            .await?;
        assert_eq!(st, 201, "{name}: {b}");
        let sup_again = s.login("sgt.alvarez").await?;
        assert!(
            sup_again.me["supervises"]
                .as_array()
                .is_some_and(|a| a.iter().any(|u| u == id.as_str())),
            "{name}: {}",
            sup_again.me
        );

        // Assignments the role cannot hold, or dated ahead, are refused.
        let far = (now().plus_hours(24 * 3)).to_string()[..10].to_string();
        for (bad, want_field) in [
            (json!({"schools": [], "effective_from": today}), "schools"),
            (
                json!({"schools": [school], "supervisor_id": martinez.user, "effective_from": today}),
                "supervisor_id",
            ),
            (
                json!({"schools": [uuid::Uuid::now_v7()], "effective_from": today}),
                "schools.0",
            ),
            (
                json!({"schools": [school], "effective_from": far}),
                "effective_from",
            ),
            (
                json!({"schools": [school], "effective_from": "06/12/2026"}),
                "effective_from",
            ),
        ] {
            let (st, b) = s.put_json(tok, &path, &bad).await?;
            assert_eq!((st, field(&b)), (422, want_field), "{name}: {bad}: {b}");
        }
        let (_, one) = s.get(tok, &format!("/api/v1/admin/users/{id}")).await?;
        assert_eq!(
            one["assignments"].as_array().map(Vec::len),
            Some(1),
            "{name}: the history holds the one made: {one}"
        );

        // Disabled: the very next request is refused, and so is a refresh.
        let user_path = format!("/api/v1/admin/users/{id}");
        // A reset asked for before the disable must not reopen the account.
        let reset_path = format!("/api/v1/admin/users/{id}/password-reset");
        let (_, pending) = s.post_json(tok, &reset_path, &json!({})).await?;
        let pending = pending["invite_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (st, b) = s
            .patch_json(tok, &user_path, &json!({"disabled": true}))
            .await?;
        assert_eq!((st, &b["disabled"]), (200, &json!(true)), "{name}: {b}");
        let (st, b) = s.get(Some(&nguyen.token), "/api/v1/me").await?;
        assert_eq!((st, code(&b)), (401, "account_disabled"), "{name}: {b}");
        let (st, _) = s
            .post_json(
                None,
                "/api/v1/auth/refresh",
                &json!({"refresh_token": nguyen.refresh}),
            )
            .await?;
        assert_eq!(st, 401, "{name}: refresh after disable");
        let (st, _) = s.post_json(tok, &reset_path, &json!({})).await?;
        assert_eq!(st, 409, "{name}: no reset of a disabled account");
        // Enabled again: signs in as before, and the old reset is void.
        let (st, _) = s
            .patch_json(tok, &user_path, &json!({"disabled": false}))
            .await?;
        assert_eq!(st, 200, "{name}");
        let (st, b) = s
            .post_json(
                None,
                "/api/v1/auth/invite",
                &redeem(RESET_PASSWORD, &pending),
            )
            .await?;
        assert_eq!((st, code(&b)), (422, "invalid_invite"), "{name}: {b}");
        s.login_with("sro.nguyen", NEW_PASSWORD).await?;

        // A reset: the old password works until the token is used.
        let (st, b) = s
            .post_json(
                tok,
                &format!("/api/v1/admin/users/{id}/password-reset"),
                &json!({}),
            )
            .await?;
        assert_eq!(st, 200, "{name}: {b}");
        let reset = b["invite_token"].as_str().unwrap_or_default().to_owned();
        s.login_with("sro.nguyen", NEW_PASSWORD).await?;
        let (st, _) = s
            .post_json(None, "/api/v1/auth/invite", &redeem(RESET_PASSWORD, &reset))
            .await?;
        assert_eq!(st, 200, "{name}");
        assert!(
            s.login_with("sro.nguyen", NEW_PASSWORD).await.is_err(),
            "{name}"
        );
        s.login_with("sro.nguyen", RESET_PASSWORD).await?;

        // A role of the other kind of organisation is refused; a new role
        // clears the assignment.
        let (st, b) = s
            .patch_json(tok, &user_path, &json!({"role": "school_leader"}))
            .await?;
        assert_eq!((st, code(&b)), (422, "wrong_organization"), "{name}: {b}");
        let (st, b) = s
            .patch_json(tok, &user_path, &json!({"role": "supervisor"}))
            .await?;
        assert_eq!(st, 200, "{name}: {b}");
        assert_eq!(b["schools"], json!([]), "{name}: {b}");

        // Creation's own checks.
        for (bad, st_want, f) in [
            (
                json!({"username": "a b", "role": "sro", "organization_id": agency}),
                422,
                "username",
            ),
            (
                json!({"username": "sro.rnartinez", "role": "sro", "organization_id": agency}),
                422,
                "username",
            ),
            (
                json!({"username": "sro.x1", "role": "school_leader", "organization_id": agency}),
                422,
                "role",
            ),
            (
                json!({"username": "sro.x6", "role": "sro", "organization_id": district}),
                422,
                "organization_id",
            ),
            (
                json!({"username": "sro.x2", "role": "sro", "organization_id": uuid::Uuid::now_v7()}),
                422,
                "organization_id",
            ),
            (
                json!({"username": "sro.x3", "role": "sro", "organization_id": agency, "password": "            "}),
                422,
                "password",
            ),
            (
                json!({"username": "sro.x4", "role": "chief", "organization_id": agency}),
                422,
                "role",
            ),
            (
                json!({"username": "sro.x5", "role": "sro", "organization_id": agency, "is_admin": true}),
                422,
                "",
            ),
        ] {
            let (st, b) = s.post_json(tok, "/api/v1/admin/users", &bad).await?;
            assert_eq!(st, st_want, "{name}: {bad}: {b}");
            if !f.is_empty() {
                assert_eq!(field(&b), f, "{name}: {bad}: {b}");
            }
        }

        // The agency cannot lose its last admin.
        let own = format!("/api/v1/admin/users/{}", admin.user);
        for change in [json!({"disabled": true}), json!({"role": "auditor"})] {
            let (st, b) = s.patch_json(tok, &own, &change).await?;
            assert_eq!(st, 409, "{name}: {change}: {b}");
        }
        let (st, _) = s.get(tok, "/api/v1/admin/users").await?;
        assert_eq!(st, 200, "{name}: still an admin");

        // The log has each change, and never a token or a password.
        let auditor = s.login("auditor.district").await?;
        let (_, log) = s.get(Some(&auditor.token), "/api/v1/audit").await?;
        let text = log.to_string();
        for event in [
            "admin_add_user",
            "admin_invite",
            "invite_redeemed",
            "admin_assign_user",
            "admin_change_user",
        ] {
            assert!(text.contains(event), "{name}: {event} logged");
        }
        for secret in [
            invite.as_str(),
            reset.as_str(),
            NEW_PASSWORD,
            RESET_PASSWORD,
        ] {
            assert!(!text.contains(secret), "{name}: a secret reached the log");
        }
    }
    Ok(())
}

/// Whose object a matrix cell touches: an admin manages their own
/// organisation's (`client_core::directory::manages`); another's answers
/// `cross` (404 for what exists, 422 for what would be created there).
#[derive(Clone, Copy)]
enum Owner {
    Anyone,
    Agency(u16),
    District(u16),
}

#[tokio::test]
async fn every_admin_endpoint_answers_each_role_as_the_policy_says() -> anyhow::Result<()> {
    use Owner::*;
    use client_core::Policy;
    use client_core::access::Action;
    let policy = Policy::federal_default();
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let admin = s.login("admin.agency").await?;
        let district = org_of(&s, &admin.token, "district").await?;
        // The other user: sro.chen (the agency's), reassigned exactly as
        // they are; the school: one of the district's.
        let (_, all) = s.get(Some(&admin.token), "/api/v1/admin/users").await?;
        let chen = all
            .as_array()
            .into_iter()
            .flatten()
            .find(|u| u["username"] == "sro.chen")
            .cloned()
            .unwrap_or_default();
        let other = chen["id"].as_str().unwrap_or_default().to_owned();
        let a_school = chen["schools"][0].as_str().unwrap_or_default().to_owned();
        let today = now().to_string()[..10].to_string();
        let same = json!({"schools": chen["schools"], "supervisor_id": chen["supervisor_id"], "effective_from": today});
        let mut cells = 0;
        let mut wrong = Vec::new();
        let callers = [
            Some("sro.martinez"),
            Some("sgt.alvarez"),
            Some("principal.lincoln"),
            Some("analyst.district"),
            Some("admin.agency"),
            Some("admin.district"),
            Some("auditor.district"),
            None,
        ];
        for (n, who) in callers.into_iter().enumerate() {
            let (token, own, allowed) = match who {
                Some(u) => {
                    let sess = s.login(u).await?;
                    let role =
                        client_core::Role::parse(sess.me["role"].as_str().unwrap_or_default())
                            .ok_or_else(|| anyhow::anyhow!("role of {u}"))?;
                    let allowed = !policy.scopes(role, Action::ManageDirectory).is_empty();
                    (Some(sess.token), sess.user.to_string(), allowed)
                }
                None => (None, other.clone(), false),
            };
            let tok = token.as_deref();
            let in_agency = who == Some("admin.agency");
            let want = |ok: u16, owner: Owner| match (tok, allowed, owner) {
                (None, _, _) => 401,
                (_, false, _) => 403,
                (_, true, Anyone) => ok,
                (_, true, Agency(cross)) => {
                    if in_agency {
                        ok
                    } else {
                        cross
                    }
                }
                (_, true, District(cross)) => {
                    if in_agency {
                        cross
                    } else {
                        ok
                    }
                }
            };
            let new_user = json!({"username": format!("analyst.new{n}"), "role": "analyst",
                "organization_id": district, "password": NEW_PASSWORD});
            let rename = json!({"display_name": format!("Renamed {n}")});
            let new_school = json!({"name": format!("School {n}"), "district_id": district, "time_zone": "America/Denver"});
            let user = |p: &str| format!("/api/v1/admin/users/{p}");
            let results = [
                (
                    "GET /admin/organizations",
                    s.get(tok, "/api/v1/admin/organizations").await?,
                    200,
                    Anyone,
                ),
                (
                    "POST /admin/organizations",
                    s.post_json(
                        tok,
                        "/api/v1/admin/organizations",
                        &json!({"kind": "district", "name": format!("District {n}")}),
                    )
                    .await?,
                    201,
                    Anyone,
                ),
                (
                    "GET /admin/schools",
                    s.get(tok, "/api/v1/admin/schools").await?,
                    200,
                    Anyone,
                ),
                (
                    "POST /admin/schools",
                    s.post_json(tok, "/api/v1/admin/schools", &new_school)
                        .await?,
                    201,
                    District(422),
                ),
                (
                    "PATCH /admin/schools/{district's}",
                    s.patch_json(
                        tok,
                        &format!("/api/v1/admin/schools/{a_school}"),
                        &json!({"time_zone": "America/Chicago"}),
                    )
                    .await?,
                    200,
                    District(404),
                ),
                (
                    "GET /admin/users",
                    s.get(tok, "/api/v1/admin/users").await?,
                    200,
                    Anyone,
                ),
                (
                    "POST /admin/users (district)",
                    s.post_json(tok, "/api/v1/admin/users", &new_user).await?,
                    201,
                    District(422),
                ),
                (
                    "GET /admin/users/{own}",
                    s.get(tok, &user(&own)).await?,
                    200,
                    Anyone,
                ),
                (
                    "GET /admin/users/{agency's}",
                    s.get(tok, &user(&other)).await?,
                    200,
                    Agency(404),
                ),
                (
                    "PATCH /admin/users/{own}",
                    s.patch_json(tok, &user(&own), &rename).await?,
                    200,
                    Anyone,
                ),
                (
                    "PATCH /admin/users/{agency's}",
                    s.patch_json(tok, &user(&other), &rename).await?,
                    200,
                    Agency(404),
                ),
                (
                    "PUT /admin/users/{agency's}/assignments",
                    s.put_json(tok, &user(&format!("{other}/assignments")), &same)
                        .await?,
                    200,
                    Agency(404),
                ),
                (
                    // Nobody in the demo has a second factor to reset.
                    "DELETE /admin/users/{agency's}/mfa",
                    {
                        let r = s.http.delete(s.url(&user(&format!("{other}/mfa"))));
                        let r = match tok {
                            Some(t) => r.bearer_auth(t),
                            None => r,
                        };
                        let r = r.send().await?;
                        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
                    },
                    409,
                    Agency(404),
                ),
                (
                    "POST /admin/users/{agency's}/password-reset",
                    s.post_json(tok, &user(&format!("{other}/password-reset")), &json!({}))
                        .await?,
                    200,
                    Agency(404),
                ),
            ];
            for (cell, (st, body), ok, owner) in results {
                cells += 1;
                if st != want(ok, owner) {
                    wrong.push(format!(
                        "{who:?} {cell}: want {}, got {st} {body}",
                        want(ok, owner)
                    ));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{name}: {} of {cells} cells wrong:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
        assert_eq!(cells, 112, "{name}");
    }
    Ok(())
}
