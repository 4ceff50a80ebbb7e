//! API.md Additions, access log: an auditor narrows the log by user, record
//! and event, reads each entry's username and an RFC 3339 time, and takes it
//! away as CSV; a malformed filter is refused with the field named, and each
//! look is itself logged with its parameters.

use crate::contact;
use fieldlog_tests::{Db, TestServer};
use serde_json::Value;

fn entries(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_auditor_narrows_the_log_by_user_record_and_event_and_takes_it_as_csv()
-> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let officer = s.login("sro.martinez").await?;
        let r = contact(officer.user, officer.first_school());
        let (st, _) = s
            .post_json(
                Some(&officer.token),
                "/api/v1/incidents",
                &serde_json::to_value(&r)?,
            )
            .await?;
        assert_eq!(st, 201, "{name}");
        let path = format!("/api/v1/incidents/{}", r.id);
        s.get(Some(&officer.token), &path).await?;
        let sup = s.login("sgt.alvarez").await?;
        s.get(Some(&sup.token), &path).await?;
        let auditor = s.login("auditor.district").await?;

        // By record and event: both reads of this record, nothing else.
        let q = format!("/api/v1/audit?record_id={}&event=read_record", r.id);
        let (st, log) = s.get(Some(&auditor.token), &q).await?;
        assert_eq!(st, 200, "{name}: {log}");
        let reads = entries(&log);
        let names: Vec<&str> = reads
            .iter()
            .map(|e| e["username"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(names, ["sro.martinez", "sgt.alvarez"], "{name}: {log}");
        for e in &reads {
            assert_eq!(e["event"], "read_record", "{name}: {e}");
            assert_eq!(e["record"], r.id.to_string(), "{name}: {e}");
            let at = e["at"].as_str().unwrap_or_default();
            assert!(
                chrono::DateTime::parse_from_rfc3339(at).is_ok(),
                "{name}: at is RFC 3339: {e}"
            );
        }

        // By student entry: the reads that disclosed it, nothing else.
        let key = r.students[0].key.0;
        let (st, log) = s
            .get(
                Some(&auditor.token),
                &format!("/api/v1/audit?student_key={key}"),
            )
            .await?;
        assert_eq!(st, 200, "{name}: {log}");
        let disclosed = entries(&log);
        assert_eq!(disclosed.len(), 2, "{name}: {log}");
        assert!(
            disclosed
                .iter()
                .all(|e| e["student_refs"].as_array().is_some_and(|a| a
                    .iter()
                    .any(|x| x.as_str().is_some_and(|x| x.ends_with(&key.to_string()))))),
            "{name}: {log}"
        );

        // By user: only the supervisor's entries, of several kinds.
        let q = format!("/api/v1/audit?user_id={}", sup.user.0);
        let (_, log) = s.get(Some(&auditor.token), &q).await?;
        let mine = entries(&log);
        assert!(mine.len() >= 2, "{name}: sign-in and read: {log}");
        assert!(
            mine.iter()
                .all(|e| e["user"] == sup.user.0.to_string() && e["username"] == "sgt.alvarez"),
            "{name}: {log}"
        );

        // An event alone: no other event comes back.
        let (_, log) = s
            .get(Some(&auditor.token), "/api/v1/audit?event=login")
            .await?;
        let logins = entries(&log);
        assert!(logins.len() >= 3, "{name}: {log}");
        assert!(
            logins.iter().all(|e| e["event"] == "login"),
            "{name}: {log}"
        );

        // CSV: the same entries, a header naming the columns.
        let resp = s
            .http
            .get(s.url(&format!(
                "/api/v1/audit?record_id={}&event=read_record&format=csv",
                r.id
            )))
            .bearer_auth(&auditor.token)
            .send()
            .await?;
        assert_eq!(resp.status(), 200, "{name}");
        assert!(
            resp.headers()["content-type"]
                .to_str()?
                .starts_with("text/csv"),
            "{name}"
        );
        let mut csv = csv::Reader::from_reader(resp.bytes().await?.as_ref().to_vec().as_slice())
            .into_records()
            .collect::<Result<Vec<_>, _>>()?;
        assert_eq!(csv.len(), 2, "{name}: {csv:?}");
        let last = csv.pop().unwrap_or_default();
        assert_eq!(last.get(3), Some("sgt.alvarez"), "{name}: {last:?}");
        assert_eq!(last.get(5), Some("read_record"), "{name}: {last:?}");

        // Malformed filters: 422 naming the field, never an empty page.
        for (q, field) in [
            ("user_id=sgt.alvarez", "user_id"),
            ("record_id=42", "record_id"),
            ("student_key=S-55501", "student_key"),
            ("event=Read%20Record", "event"),
            ("format=xlsx", "format"),
            ("from=yesterday", "from"),
        ] {
            let (st, body) = s
                .get(Some(&auditor.token), &format!("/api/v1/audit?{q}"))
                .await?;
            assert_eq!(st, 422, "{name}: {q}: {body}");
            assert_eq!(body["error"]["field"], field, "{name}: {q}: {body}");
        }

        // Each look is logged with its parameters.
        let (_, log) = s
            .get(Some(&auditor.token), "/api/v1/audit?event=read_audit_log")
            .await?;
        let looks = entries(&log);
        assert!(
            looks.iter().any(|e| e["purpose"]
                .as_str()
                .is_some_and(|p| p.contains("event=login"))),
            "{name}: {log}"
        );
    }
    Ok(())
}
