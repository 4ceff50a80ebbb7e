//! Issue 21: a family files a complaint without an account and follows it by
//! its tracking code; command staff assign it, an investigator works it, a
//! commander closes it. The complainant's contact details reach only those
//! handling it, never an officer it is about, and every read is logged.

use super::matrix::actor_of;
use client_core::Policy;
use client_core::access::Action;
use client_core::complaint::workflow::{ComplaintFacts, ComplaintView, Handler, view};
use client_core::complaint::{ComplaintKind, ComplaintStatus};
use fieldlog_tests::{Db, Session, TestServer};
use serde_json::{Value, json};

fn filing(description: &str) -> Value {
    json!({
        "kind": "complaint",
        "incident_date": chrono::Utc::now().format("%Y-%m-%d").to_string(),
        "officer_description": "Tall officer at the front office",
        "description": description,
        "contact": {"name": "R. Parent", "email": "parent@example.org", "phone": "+1 312 555 0100"},
        "complainant": {"race": "hispanic_latino", "sex": "female", "age": 41, "english_learner": true}
    })
}

async fn file(s: &TestServer, body: &Value) -> anyhow::Result<String> {
    let (st, out) = s.post_json(None, "/api/v1/public/complaints", body).await?;
    anyhow::ensure!(st == 201, "filing: {st} {out}");
    Ok(out["tracking_code"].as_str().unwrap_or_default().to_owned())
}

async fn event(
    s: &TestServer,
    who: &Session,
    id: &str,
    body: Value,
) -> anyhow::Result<(u16, Value)> {
    s.post_json(
        Some(&who.token),
        &format!("/api/v1/complaints/{id}/events"),
        &body,
    )
    .await
}

#[tokio::test]
async fn a_parent_files_and_the_agency_handles_it_to_closure() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let martinez = s.login("sro.martinez").await?;
        let mut body = filing("He grabbed my son's arm in the hallway.");
        body["school_id"] = json!(martinez.first_school());
        let code = file(&s, &body).await?;
        assert_eq!(code.len(), 19, "{name}: {code}");
        // The code works however it is typed, and tells the status only.
        let (st, status) = s
            .get(
                None,
                &format!(
                    "/api/v1/public/complaints/{}",
                    code.to_lowercase().replace('-', "")
                ),
            )
            .await?;
        assert_eq!(st, 200, "{name}: {status}");
        assert_eq!(status["status"], "received", "{name}");
        assert_eq!(
            status.as_object().map(|o| o.len()),
            Some(2),
            "{name}: {status}"
        );
        let (st, _) = s
            .get(None, "/api/v1/public/complaints/0000-0000-0000-0000")
            .await?;
        assert_eq!(st, 404, "{name}");

        let lt = s.login("lt.reyes").await?;
        let (st, list) = s.get(Some(&lt.token), "/api/v1/complaints").await?;
        assert_eq!(st, 200, "{name}: {list}");
        let line = &list[0];
        assert!(
            line.get("description").is_none() && line.get("contact").is_none(),
            "{name}: {line}"
        );
        let id = line["id"].as_str().unwrap_or_default().to_owned();
        // Routed to the one agency serving the school.
        let (st, full) = s
            .get(Some(&lt.token), &format!("/api/v1/complaints/{id}"))
            .await?;
        assert_eq!(st, 200, "{name}: {full}");
        assert_eq!(full["contact"]["email"], "parent@example.org", "{name}");
        assert_eq!(full["complainant"]["age"], 41, "{name}");
        assert!(full["agency_id"].is_string(), "{name}: {full}");

        // Not a supervisor's until assigned; never an officer's.
        let alvarez = s.login("sgt.alvarez").await?;
        let (st, _) = s
            .get(Some(&alvarez.token), &format!("/api/v1/complaints/{id}"))
            .await?;
        assert_eq!(st, 404, "{name}");
        let (st, _) = s
            .get(Some(&martinez.token), &format!("/api/v1/complaints/{id}"))
            .await?;
        assert_eq!(st, 403, "{name}");

        // Nobody investigates a complaint about themselves, and an officer's
        // role does not investigate.
        let (st, err) = event(
            &s,
            &lt,
            &id,
            json!({"kind": "assigned", "investigator_id": martinez.user}),
        )
        .await?;
        assert_eq!(
            (st, err["error"]["field"].as_str()),
            (422, Some("investigator_id")),
            "{name}: {err}"
        );
        let (st, err) = event(
            &s,
            &lt,
            &id,
            json!({"kind": "finding", "finding": "sustained", "text": "x"}),
        )
        .await?;
        assert_eq!(st, 422, "{name}: a finding before assignment: {err}");
        let (st, err) = event(
            &s,
            &alvarez,
            &id,
            json!({"kind": "note", "text": "mine now"}),
        )
        .await?;
        assert_eq!(st, 404, "{name}: {err}");

        let (st, after) = event(
            &s,
            &lt,
            &id,
            json!({
                "kind": "assigned", "investigator_id": alvarez.user, "officer_ids": [martinez.user]
            }),
        )
        .await?;
        assert_eq!(st, 201, "{name}: {after}");
        assert_eq!(after["status"], "assigned", "{name}");
        assert_eq!(after["investigator"]["username"], "sgt.alvarez", "{name}");
        let (_, status) = s
            .get(None, &format!("/api/v1/public/complaints/{code}"))
            .await?;
        assert_eq!(status["status"], "assigned", "{name}");

        let (st, mine) = s
            .get(Some(&alvarez.token), &format!("/api/v1/complaints/{id}"))
            .await?;
        assert_eq!((st, &mine["view"]), (200, &json!("full")), "{name}: {mine}");
        assert_eq!(mine["contact"]["phone"], "+1 312 555 0100", "{name}");
        let (st, _) = event(
            &s,
            &alvarez,
            &id,
            json!({"kind": "note", "text": "Spoke with the parent by phone."}),
        )
        .await?;
        assert_eq!(st, 201, "{name}");
        let (st, _) = event(&s, &alvarez, &id, json!({"kind": "closed"})).await?;
        assert_eq!(st, 403, "{name}: an investigator does not close");
        let (st, _) = event(&s, &lt, &id, json!({"kind": "closed"})).await?;
        assert_eq!(st, 422, "{name}: closed without a finding");
        let (st, _) = event(&s, &alvarez, &id, json!({"kind": "finding", "finding": "not_sustained", "text": "Camera shows no contact."})).await?;
        assert_eq!(st, 201, "{name}");
        let (st, closed) = event(
            &s,
            &lt,
            &id,
            json!({"kind": "closed", "text": "Parent informed."}),
        )
        .await?;
        assert_eq!(st, 201, "{name}: {closed}");
        assert_eq!(closed["finding"], "not_sustained", "{name}");
        let kinds: Vec<_> = closed["events"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["event"]["kind"].clone())
            .collect();
        assert_eq!(
            kinds,
            vec![
                json!("assigned"),
                json!("note"),
                json!("finding"),
                json!("closed")
            ],
            "{name}"
        );
        let (st, _) = event(&s, &lt, &id, json!({"kind": "note", "text": "late"})).await?;
        assert_eq!(st, 422, "{name}: nothing after closing");
        let (_, status) = s
            .get(None, &format!("/api/v1/public/complaints/{code}"))
            .await?;
        assert_eq!(status["status"], "closed", "{name}");

        // Each read is logged with the fields it disclosed.
        let auditor = s.login("auditor.district").await?;
        let (_, log) = s
            .get(Some(&auditor.token), "/api/v1/audit?event=read_complaint")
            .await?;
        let reads = log.as_array().cloned().unwrap_or_default();
        assert!(reads.len() >= 2, "{name}: {log}");
        let fields = reads[0]["fields"].to_string();
        for f in [
            "complaint.description",
            "complaint.contact.email",
            "complaint.complainant",
        ] {
            assert!(fields.contains(f), "{name}: {f} not in {fields}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_bad_filing_names_its_fields_and_filings_are_limited_per_address() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let mut bad = filing("  ");
        bad["contact"]["email"] = json!("parent@home");
        let (st, err) = s.post_json(None, "/api/v1/public/complaints", &bad).await?;
        let fields: Vec<_> = err["error"]["details"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| d["field"].clone())
            .collect();
        assert_eq!(st, 422, "{name}: {err}");
        assert_eq!(
            fields,
            vec![json!("contact.email"), json!("description")],
            "{name}: {err}"
        );
        let mut unknown = filing("x");
        unknown["kind"] = json!("threat");
        let (st, err) = s
            .post_json(None, "/api/v1/public/complaints", &unknown)
            .await?;
        assert_eq!(
            (st, err["error"]["field"].as_str()),
            (422, Some("kind")),
            "{name}: {err}"
        );
        let mut elsewhere = filing("x");
        elsewhere["school_id"] = json!(uuid::Uuid::now_v7());
        let (st, err) = s
            .post_json(None, "/api/v1/public/complaints", &elsewhere)
            .await?;
        assert_eq!(
            (st, err["error"]["field"].as_str()),
            (422, Some("school_id")),
            "{name}: {err}"
        );
        // None of those counted; five good ones do, the sixth waits.
        for i in 0..5 {
            file(&s, &filing(&format!("Filing {i}"))).await?;
        }
        let (st, err) = s
            .post_json(None, "/api/v1/public/complaints", &filing("sixth"))
            .await?;
        assert_eq!(st, 429, "{name}: {err}");
        let lt = s.login("lt.reyes").await?;
        let (_, list) = s.get(Some(&lt.token), "/api/v1/complaints").await?;
        assert_eq!(list.as_array().map(Vec::len), Some(5), "{name}: {list}");
    }
    Ok(())
}

/// Stands for the demo's agency in the matrix's expectations.
const AGENCY: uuid::Uuid = uuid::Uuid::from_u128(0xa9);

/// Every role x complaint endpoint x a complaint assigned to them or not,
/// against the policy's grants and the workflow's `view`.
#[tokio::test]
async fn the_complaint_access_matrix_matches_the_policy_and_the_workflow() -> anyhow::Result<()> {
    let policy = Policy::federal_default();
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let lt = s.login("lt.reyes").await?;
        let alvarez = s.login("sgt.alvarez").await?;
        file(&s, &filing("One")).await?;
        file(&s, &filing("Two")).await?;
        let (_, list) = s.get(Some(&lt.token), "/api/v1/complaints").await?;
        let ids: Vec<String> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l["id"].as_str().map(str::to_owned))
            .collect();
        let (assigned, unassigned) = (ids[0].clone(), ids[1].clone());
        let (st, _) = event(
            &s,
            &lt,
            &assigned,
            json!({"kind": "assigned", "investigator_id": alvarez.user}),
        )
        .await?;
        assert_eq!(st, 201, "{name}");
        let mut failures = Vec::new();
        let mut cells = 0;
        for user in [
            "sro.martinez",
            "sgt.alvarez",
            "sgt.brooks",
            "principal.lincoln",
            "analyst.district",
            "admin.district",
            "admin.agency",
            "auditor.district",
            "lt.reyes",
            "",
        ] {
            let who = if user.is_empty() {
                None
            } else {
                Some(s.login(user).await?)
            };
            let tok = who.as_ref().map(|w| w.token.as_str());
            let handler = who.as_ref().map(|w| {
                let a = actor_of(w);
                Handler {
                    user: a.user,
                    // The demo's one agency: every agency role belongs to it.
                    org: Some(AGENCY),
                    manages: !policy.scopes(a.role, Action::ManageComplaints).is_empty(),
                    investigates: !policy
                        .scopes(a.role, Action::InvestigateComplaints)
                        .is_empty(),
                }
            });
            let any_grant = handler.as_ref().map(|h| h.manages || h.investigates);
            let want_list = match any_grant {
                None => 401,
                Some(true) => 200,
                Some(false) => 403,
            };
            let (st, _) = s.get(tok, "/api/v1/complaints").await?;
            cells += 1;
            if st != want_list {
                failures.push(format!("{user}: GET /complaints {st}, want {want_list}"));
            }
            // Who may be assigned: command staff's question only.
            let want_people = match &handler {
                None => 401,
                Some(h) if h.manages => 200,
                Some(_) => 403,
            };
            let (st, _) = s.get(tok, "/api/v1/complaints/people").await?;
            cells += 1;
            if st != want_people {
                failures.push(format!(
                    "{user}: GET /complaints/people {st}, want {want_people}"
                ));
            }
            for (which, id, investigator) in [
                ("assigned", &assigned, Some(alvarez.user)),
                ("unassigned", &unassigned, None),
            ] {
                let facts = ComplaintFacts {
                    investigator,
                    status: if investigator.is_some() {
                        ComplaintStatus::Assigned
                    } else {
                        ComplaintStatus::Received
                    },
                    ..ComplaintFacts::filed(
                        ComplaintKind::Complaint,
                        // Assigning routed it to the commander's agency.
                        investigator.map(|_| AGENCY),
                        chrono::Utc::now().date_naive(),
                    )
                };
                let want = match (&handler, any_grant) {
                    (None, _) => 401,
                    (_, Some(false)) => 403,
                    (Some(h), _) => match view(h, &facts) {
                        Some(ComplaintView::Full | ComplaintView::WithoutComplainant) => 200,
                        None => 404,
                    },
                };
                let (st, _) = s.get(tok, &format!("/api/v1/complaints/{id}")).await?;
                cells += 1;
                if st != want {
                    failures.push(format!("{user}: GET {which} {st}, want {want}"));
                }
                let (st, _) = s
                    .post_json(
                        tok,
                        &format!("/api/v1/complaints/{id}/events"),
                        &json!({"kind": "note", "text": "matrix"}),
                    )
                    .await?;
                let want = if want == 200 { 201 } else { want };
                cells += 1;
                if st != want {
                    failures.push(format!("{user}: POST note on {which} {st}, want {want}"));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{name}: {} of {cells} cells wrong:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert_eq!(cells, 10 * 6, "{name}");
    }
    Ok(())
}
