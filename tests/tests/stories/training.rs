//! Issue 21 (seed 003 p8): the training register. An officer placed in a
//! school exactly nine months ago is still due the basic course; one placed
//! a day earlier is overdue and flagged on their supervisor's queue line;
//! forty hours recorded by their supervisor make them compliant (late).
//! Who reads and records whose training follows the policy.

use chrono::{Months, Utc};
use fieldlog_tests::{Db, Session, TestServer};
use serde_json::{Value, json};

fn line<'a>(lines: &'a Value, officer: &Session) -> &'a Value {
    lines
        .as_array()
        .and_then(|a| a.iter().find(|l| l["officer_id"] == json!(officer.user)))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn compliance_on_both_sides_of_the_nine_month_boundary() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let admin = s.login("admin.agency").await?;
        let (chen, okafor) = (s.login("sro.chen").await?, s.login("sro.okafor").await?);
        let (alvarez, brooks) = (s.login("sgt.alvarez").await?, s.login("sgt.brooks").await?);
        let today = Utc::now().date_naive();
        // The latest placement whose deadline (nine months on, clamped to
        // the month's end) is today or later, and the day before it, whose
        // deadline has passed: both sides of the boundary on any date.
        let deadline = |p: chrono::NaiveDate| p.checked_add_months(Months::new(9)).unwrap_or(p);
        let mut nine_months_ago = today.checked_sub_months(Months::new(9)).unwrap_or(today);
        while deadline(nine_months_ago) < today {
            nine_months_ago = nine_months_ago.succ_opt().unwrap_or(nine_months_ago);
        }
        while deadline(nine_months_ago.pred_opt().unwrap_or(nine_months_ago)) >= today {
            nine_months_ago = nine_months_ago.pred_opt().unwrap_or(nine_months_ago);
        }
        let a_day_more = nine_months_ago.pred_opt().unwrap_or(nine_months_ago);
        for (who, sup, placed) in [
            (&chen, &alvarez, nine_months_ago),
            (&okafor, &brooks, a_day_more),
        ] {
            let (st, b) = s
                .put_json(
                    Some(&admin.token),
                    &format!("/api/v1/admin/users/{}/assignments", who.user),
                    &json!({"schools": [who.first_school()], "supervisor_id": sup.user, "effective_from": placed.to_string()}),
                )
                .await?;
            assert_eq!(st, 200, "{name}: {b}");
        }
        let lt = s.login("lt.reyes").await?;
        let (st, lines) = s
            .get(Some(&lt.token), "/api/v1/training/compliance")
            .await?;
        assert_eq!(st, 200, "{name}: {lines}");
        let c = line(&lines, &chen);
        assert_eq!(c["standing"]["state"], "basic_due", "{name}: {c}");
        assert_eq!(
            c["standing"]["by"],
            json!(deadline(nine_months_ago).to_string()),
            "{name}: {c}"
        );
        assert_eq!(c["flagged"], false, "{name}");
        let o = line(&lines, &okafor);
        assert_eq!(o["standing"]["state"], "basic_overdue", "{name}: {o}");
        assert_eq!(o["flagged"], true, "{name}");

        // Okafor's supervisor sees it on the queue's officer line.
        let (st, q) = s.get(Some(&brooks.token), "/api/v1/reviews/queue").await?;
        assert_eq!(st, 200, "{name}: {q}");
        let ql = line(&q["officers"], &okafor);
        assert_eq!(ql["training"]["state"], "basic_overdue", "{name}: {q}");

        // Only their own supervisor (or the admin) records an officer's course.
        let course = |officer: &Session| {
            json!({"officer_id": officer.user, "course": "COPS basic SRO course", "topics": ["sro_basic"],
                   "hours": 40, "completed_on": today.to_string()})
        };
        let (st, b) = s
            .post_json(Some(&alvarez.token), "/api/v1/training", &course(&okafor))
            .await?;
        assert_eq!(
            (st, b["error"]["field"].as_str()),
            (422, Some("officer_id")),
            "{name}: {b}"
        );
        let (st, _) = s
            .post_json(Some(&okafor.token), "/api/v1/training", &course(&okafor))
            .await?;
        assert_eq!(st, 403, "{name}: an officer records no course of their own");
        let mut ahead = course(&okafor);
        ahead["completed_on"] = json!(today.succ_opt().unwrap_or(today).to_string());
        let (st, b) = s
            .post_json(Some(&brooks.token), "/api/v1/training", &ahead)
            .await?;
        assert_eq!(
            (st, b["error"]["field"].as_str()),
            (422, Some("completed_on")),
            "{name}: {b}"
        );
        let (st, b) = s
            .post_json(Some(&brooks.token), "/api/v1/training", &course(&okafor))
            .await?;
        assert_eq!(st, 201, "{name}: {b}");

        let (_, lines) = s
            .get(Some(&lt.token), "/api/v1/training/compliance")
            .await?;
        let o = line(&lines, &okafor);
        assert_eq!(
            o["standing"],
            json!({"state": "compliant", "basic_done_on": today.to_string(), "late": true}),
            "{name}: {o}"
        );
        // An officer reads their own standing and courses, no one else's.
        let (st, own) = s
            .get(Some(&okafor.token), "/api/v1/training/compliance")
            .await?;
        assert_eq!(st, 200, "{name}");
        assert_eq!(own.as_array().map(Vec::len), Some(1), "{name}: {own}");
        let (st, _) = s
            .get(
                Some(&okafor.token),
                &format!("/api/v1/training?officer_id={}", chen.user),
            )
            .await?;
        assert_eq!(st, 403, "{name}");
        let (st, mine) = s.get(Some(&okafor.token), "/api/v1/training").await?;
        assert_eq!(
            (st, mine.as_array().map(Vec::len)),
            (200, Some(1)),
            "{name}: {mine}"
        );
        let leader = s.login("principal.lincoln").await?;
        let (st, _) = s
            .get(Some(&leader.token), "/api/v1/training/compliance")
            .await?;
        assert_eq!(st, 403, "{name}");
    }
    Ok(())
}

/// Every role (and each agency's or district's admin) x the training
/// endpoints x an officer they supervise or not, against the policy's
/// grants narrowed to the caller's organisation (`training::may`).
#[tokio::test]
async fn the_training_access_matrix_matches_the_policy() -> anyhow::Result<()> {
    use super::matrix::actor_of;
    use client_core::Policy;
    use client_core::access::Action;
    use client_core::training::may;
    let policy = Policy::federal_default();
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        // Each user's organisation, as the two admins see their own.
        let mut org_of = std::collections::HashMap::new();
        for admin in ["admin.agency", "admin.district"] {
            let a = s.login(admin).await?;
            let (_, users) = s.get(Some(&a.token), "/api/v1/admin/users").await?;
            for u in users.as_array().into_iter().flatten() {
                org_of.insert(
                    u["username"].as_str().unwrap_or_default().to_owned(),
                    u["organization_id"]
                        .as_str()
                        .and_then(|o| o.parse::<uuid::Uuid>().ok()),
                );
            }
        }
        let (martinez, okafor) = (s.login("sro.martinez").await?, s.login("sro.okafor").await?);
        let mut failures = Vec::new();
        let mut cells = 0;
        for user in [
            "sro.martinez",
            "sgt.alvarez",
            "sgt.brooks",
            "lt.reyes",
            "principal.lincoln",
            "analyst.district",
            "admin.district",
            "admin.agency",
            "auditor.district",
        ] {
            let who = s.login(user).await?;
            let actor = actor_of(&who);
            let org = org_of.get(user).copied().flatten();
            let officer_org = org_of.get("sro.martinez").copied().flatten();
            let any = |a: Action| !policy.scopes(actor.role, a).is_empty();
            let mut check = |what: String, got: u16, want: u16| {
                cells += 1;
                if got != want {
                    failures.push(format!("{user}: {what} {got}, want {want}"));
                }
            };
            let (st, _) = s
                .get(Some(&who.token), "/api/v1/training/compliance")
                .await?;
            check(
                "GET /training/compliance".into(),
                st,
                if any(Action::ReadTraining) { 200 } else { 403 },
            );
            for officer in [&martinez, &okafor] {
                let reads = may(
                    &policy,
                    &actor,
                    org,
                    officer.user,
                    officer_org,
                    Action::ReadTraining,
                );
                let (st, _) = s
                    .get(
                        Some(&who.token),
                        &format!("/api/v1/training?officer_id={}", officer.user),
                    )
                    .await?;
                check(
                    format!("GET /training?officer_id={}", officer.user),
                    st,
                    if reads { 200 } else { 403 },
                );
                let records = may(
                    &policy,
                    &actor,
                    org,
                    officer.user,
                    officer_org,
                    Action::RecordTraining,
                );
                let body = json!({"officer_id": officer.user, "course": "Matrix", "topics": ["ferpa"], "hours": 2,
                                  "completed_on": Utc::now().date_naive().to_string()});
                let (st, _) = s
                    .post_json(Some(&who.token), "/api/v1/training", &body)
                    .await?;
                let want = match (any(Action::RecordTraining), records) {
                    (false, _) => 403,
                    (true, true) => 201,
                    (true, false) => 422,
                };
                check(format!("POST /training for {}", officer.user), st, want);
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
