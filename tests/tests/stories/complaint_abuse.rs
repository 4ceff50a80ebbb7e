//! Issue 21, what an attack review of the complaints found (each failed
//! before its fix): a commander's assignment naming thousands of officers
//! left the complaint unreadable (500), an event's answer disclosed the
//! complainant without an access-log entry naming the fields, the table of
//! public posts kept each filer's address beside the filing's exact time,
//! another site's page could make a visitor's browser file, and the public
//! status told the minute of each internal note.

use fieldlog_tests::{Db, TestServer};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

async fn filed(s: &TestServer) -> anyhow::Result<String> {
    let body = json!({"kind": "complaint", "description": "Pushed my son.", "contact": {"email": "p@example.org"}});
    let (st, b) = s
        .post_json(None, "/api/v1/public/complaints", &body)
        .await?;
    anyhow::ensure!(st == 201, "filing: {st} {b}");
    let lt = s.login("lt.reyes").await?;
    let (_, list) = s.get(Some(&lt.token), "/api/v1/complaints").await?;
    Ok(list[0]["id"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn assignments_name_a_bounded_list_of_the_agency_s_own_officers() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let id = filed(&s).await?;
        let lt = s.login("lt.reyes").await?;
        let alvarez = s.login("sgt.alvarez").await?;
        let path = format!("/api/v1/complaints/{id}/events");
        let many: Vec<Value> = (0..5_000).map(|_| json!(uuid::Uuid::new_v4())).collect();
        let assign = |officers: Vec<Value>| json!({"kind": "assigned", "investigator_id": alvarez.user, "officer_ids": officers});
        let (st, b) = s.post_json(Some(&lt.token), &path, &assign(many)).await?;
        assert_eq!(
            (st, b["error"]["field"].as_str()),
            (422, Some("officer_ids")),
            "{name}: {b}"
        );
        let (st, b) = s
            .post_json(
                Some(&lt.token),
                &path,
                &assign(vec![json!(uuid::Uuid::new_v4())]),
            )
            .await?;
        assert_eq!(
            (st, b["error"]["field"].as_str()),
            (422, Some("officer_ids")),
            "{name}: an unknown officer: {b}"
        );
        let analyst = s.login("analyst.district").await?;
        let (st, b) = s
            .post_json(Some(&lt.token), &path, &assign(vec![json!(analyst.user)]))
            .await?;
        assert_eq!(
            (st, b["error"]["field"].as_str()),
            (422, Some("officer_ids")),
            "{name}: another organisation's user: {b}"
        );
        let far =
            json!({"kind": "assigned", "investigator_id": alvarez.user, "due_on": "9999-12-31"});
        let (st, b) = s.post_json(Some(&lt.token), &path, &far).await?;
        assert_eq!(
            (st, b["error"]["field"].as_str()),
            (422, Some("due_on")),
            "{name}: {b}"
        );
        let (st, _) = s
            .get(Some(&lt.token), &format!("/api/v1/complaints/{id}"))
            .await?;
        assert_eq!(st, 200, "{name}: the complaint stays readable");

        // The answer to an event shows the complaint: a read, with its fields.
        let (st, _) = s.post_json(Some(&lt.token), &path, &assign(vec![])).await?;
        assert_eq!(st, 201, "{name}");
        let (st, _) = s
            .post_json(
                Some(&alvarez.token),
                &path,
                &json!({"kind": "note", "text": "Called."}),
            )
            .await?;
        assert_eq!(st, 201, "{name}");
        let auditor = s.login("auditor.district").await?;
        let (_, log) = s
            .get(
                Some(&auditor.token),
                &format!(
                    "/api/v1/audit?event=read_complaint&user_id={}",
                    alvarez.user
                ),
            )
            .await?;
        let fields = log.to_string();
        assert!(fields.contains("complaint.contact.email"), "{name}: {log}");
    }
    Ok(())
}

#[tokio::test]
async fn public_posts_name_no_address_and_other_sites_cannot_file() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        filed(&s).await?;
        let c = s.open_database().await?;
        let rows = c
            .query_all_raw(Statement::from_string(
                c.get_database_backend(),
                "SELECT address, at FROM public_posts",
            ))
            .await?;
        assert_eq!(rows.len(), 1, "{name}");
        let address: String = rows[0].try_get("", "address")?;
        let at: i64 = rows[0].try_get("", "at")?;
        assert!(
            !address.contains("127.0.0.1") && address.len() == 32,
            "{name}: {address}"
        );
        assert_eq!(at % 60_000, 0, "{name}: counted to the minute");

        // Plain text that happens to be JSON: what a page elsewhere can send.
        let r = s
            .http
            .post(s.url("/api/v1/public/complaints"))
            .header("content-type", "text/plain")
            .body(r#"{"kind":"feedback","description":"spam"}"#)
            .send()
            .await?;
        assert_eq!(r.status().as_u16(), 400, "{name}");
        let r = s
            .http
            .post(s.url("/public/complaints"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "cross-site")
            .body("kind=feedback&description=spam")
            .send()
            .await?;
        assert_eq!(r.status().as_u16(), 403, "{name}");
        let lt = s.login("lt.reyes").await?;
        let (_, list) = s.get(Some(&lt.token), "/api/v1/complaints").await?;
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{name}: {list}");

        // The filer's status says the day it last moved, not the handlers' hours.
        let (_, b) = s
            .post_json(
                None,
                "/api/v1/public/complaints",
                &json!({"kind": "feedback", "description": "Thanks"}),
            )
            .await?;
        let code = b["tracking_code"].as_str().unwrap_or_default();
        let (st, status) = s
            .get(None, &format!("/api/v1/public/complaints/{code}"))
            .await?;
        assert_eq!(st, 200, "{name}");
        assert!(
            status["updated_at"]
                .as_str()
                .is_some_and(|t| t.ends_with("T00:00:00Z")),
            "{name}: {status}"
        );
    }
    Ok(())
}
