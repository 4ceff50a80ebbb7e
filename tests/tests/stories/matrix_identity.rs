//! The access matrix for the webhook and sign-in routes of API.md's
//! December additions (the main matrix has their GETs): every role and an
//! anonymous caller x each route, expected from the policy. Objects that do
//! not exist answer alike for everyone allowed to ask (404), so a refusal
//! never depends on what exists.

use super::matrix::actor_of;
use client_core::Policy;
use client_core::access::Action;
use fieldlog_tests::{Db, TestServer};
use serde_json::json;

#[tokio::test]
async fn webhook_and_sign_in_routes_answer_each_role_as_the_policy_says() -> anyhow::Result<()> {
    let policy = Policy::federal_default();
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let nobody = uuid::Uuid::now_v7();
        let mut failures = Vec::new();
        let mut cells = 0;
        for user in [
            "sro.martinez",
            "sgt.alvarez",
            "lt.reyes",
            "principal.lincoln",
            "analyst.district",
            "admin.district",
            "admin.agency",
            "auditor.district",
            "",
        ] {
            let who = if user.is_empty() {
                None
            } else {
                Some(s.login(user).await?)
            };
            let tok = who.as_ref().map(|w| w.token.as_str());
            let manages = who.as_ref().map(|w| {
                !policy
                    .scopes(actor_of(w).role, Action::ManageWebhooks)
                    .is_empty()
            });
            // Allowed callers reach the route's own answer; the others 403,
            // anonymous 401.
            let want = |allowed: u16| match manages {
                None => 401,
                Some(true) => allowed,
                Some(false) => 403,
            };
            let signed_in = |ok: u16| if who.is_some() { ok } else { 401 };
            let hook =
                json!({"url": "https://no-such-host.invalid/hook", "events": ["record.submitted"]});
            let cases: [(
                &str,
                reqwest::Method,
                String,
                Option<serde_json::Value>,
                u16,
            ); 5] = [
                (
                    "POST /admin/webhooks (unreachable host)",
                    reqwest::Method::POST,
                    "/api/v1/admin/webhooks".into(),
                    Some(hook),
                    want(422),
                ),
                (
                    "GET /admin/webhooks/{none}/deliveries",
                    reqwest::Method::GET,
                    format!("/api/v1/admin/webhooks/{nobody}/deliveries"),
                    None,
                    want(404),
                ),
                (
                    "DELETE /admin/webhooks/{none}",
                    reqwest::Method::DELETE,
                    format!("/api/v1/admin/webhooks/{nobody}"),
                    None,
                    want(404),
                ),
                (
                    "DELETE /me/sessions/{none}",
                    reqwest::Method::DELETE,
                    format!("/api/v1/me/sessions/{nobody}"),
                    None,
                    signed_in(404),
                ),
                (
                    "POST /auth/logout (unknown token)",
                    reqwest::Method::POST,
                    "/api/v1/auth/logout".into(),
                    Some(json!({"refresh_token": "x"})),
                    204,
                ),
            ];
            for (what, method, path, body, want) in cases {
                let mut rq = s.http.request(method, s.url(&path));
                if let Some(t) = tok {
                    rq = rq.bearer_auth(t);
                }
                if let Some(b) = body {
                    rq = rq.json(&b);
                }
                let st = rq.send().await?.status().as_u16();
                cells += 1;
                if st != want {
                    failures.push(format!("{user:?}: {what} {st}, want {want}"));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{name}: {} of {cells} cells wrong:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert_eq!(cells, 9 * 5, "{name}");
    }
    Ok(())
}
