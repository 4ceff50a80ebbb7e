//! The access matrix, generated from the policy: every role (and another
//! school's or agency's counterpart, anonymous, an expired token) x every
//! endpoint x own/other object. Each cell's expected status comes from
//! `Policy::decide`; the server must agree, and a refusal must leak nothing.

use super::{contact, now};
use client_core::access::{Action, Actor, Decision, RecordFacts};
use client_core::document::{Account, DocId, Document, actor_id};
use client_core::sync::{DocChanges, PROTOCOL_VERSION, RefusalCode, SyncRequest, SyncResponse};
use client_core::{DeviceId, DocKind, Policy, Record, Role, SchoolId, UserId};
use fieldlog_tests::{Db, Session, TestServer};
use serde_json::Value;

struct Caller {
    label: &'static str,
    token: Option<String>,
    actor: Option<Actor>,
}

pub(super) fn actor_of(s: &Session) -> Actor {
    let ids = |v: &Value| -> Vec<uuid::Uuid> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().or(x["id"].as_str()))
            .filter_map(|x| x.parse().ok())
            .collect()
    };
    Actor {
        user: s.user,
        role: Role::parse(s.me["role"].as_str().unwrap_or_default()).expect("a role"),
        schools: ids(&s.me["schools"]).into_iter().map(SchoolId).collect(),
        supervises: ids(&s.me["supervises"]).into_iter().map(UserId).collect(),
    }
}

fn expected(
    policy: &Policy,
    caller: &Caller,
    facts: Option<&RecordFacts>,
    action: Action,
    hidden_is: u16,
) -> u16 {
    match &caller.actor {
        None => 401,
        Some(a) => match policy.decide(a, facts, action) {
            Decision::Allow => 200,
            Decision::Forbidden => 403,
            Decision::Hidden => hidden_is,
        },
    }
}

/// A change to `record`'s account, authored by `by` (as if by a device of theirs).
fn edit_as(base: &mut Document, record: &Record, by: UserId) -> DocChanges {
    let bytes = base.save();
    let id = base.id();
    let mut doc =
        Document::load(id, &bytes, actor_id(by, DeviceId::from_u128(0xabc))).expect("loads");
    let mut a: Account = doc.read().expect("reads");
    a.narrative = Some(format!("edited by {by}"));
    // The record is submitted: an edit is an amendment, with its reason.
    a.amendments.push(client_core::record::Amendment {
        at: now(),
        by,
        reason: "matrix edit".into(),
    });
    let _ = record;
    let heads = doc.heads();
    doc.write(&a, now()).expect("writes");
    let changes = doc
        .changes_since(&heads)
        .iter_mut()
        .map(|c| c.bytes().into_owned())
        .collect();
    DocChanges {
        doc: id,
        generation: 0,
        changes,
    }
}

#[tokio::test]
async fn every_cell_of_the_access_matrix_matches_the_policy() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        every_cell(&s, db.name(), &Policy::federal_default()).await?;
    }
    Ok(())
}

/// Runs every cell against `s`, whose every caller works under `policy`
/// (the federal default, or an agreement's: `agreements`).
pub(super) async fn every_cell(s: &TestServer, name: &str, policy: &Policy) -> anyhow::Result<()> {
    {
        let own_sro = s.login("sro.martinez").await?;
        let other_sro = s.login("sro.okafor").await?;
        // One submitted record of each officer, at their own school: a
        // draft is not reviewed, nor shown to a school leader (both have
        // their own stories: integrity, policy_reads).
        let mut records = Vec::new();
        for (who, device) in [(&own_sro, 1u128), (&other_sro, 2)] {
            let mut phone = who.replica(device);
            let mut r = contact(who.user, who.first_school());
            r.submit(now());
            phone.create(&r, now())?;
            s.sync(&who.token, &mut phone).await?;
            let account = phone
                .document(&DocId {
                    record: r.id,
                    kind: DocKind::Account,
                })
                .expect("account")
                .save();
            records.push((r, account));
        }
        // Which schools each officer works at, for the meeting cells: a
        // supervisor records meetings at their officers' schools only.
        let mut officer_schools: Vec<(UserId, Vec<SchoolId>)> = Vec::new();
        for o in ["sro.martinez", "sro.chen", "sro.okafor", "sro.patel"] {
            let sess = s.login(o).await?;
            let schools = sess.me["schools"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x["id"].as_str().and_then(|v| v.parse().ok()))
                .collect();
            officer_schools.push((sess.user, schools));
        }
        let mut callers = Vec::new();
        for (label, user) in [
            ("sro", "sro.martinez"),
            ("another school's sro", "sro.okafor"),
            ("supervisor", "sgt.alvarez"),
            ("another agency's supervisor", "sgt.brooks"),
            ("school leader", "principal.lincoln"),
            ("another school's leader", "principal.jefferson"),
            ("analyst", "analyst.district"),
            ("admin", "admin.district"),
            ("auditor", "auditor.district"),
            ("commander", "lt.reyes"),
        ] {
            let sess = s.login(user).await?;
            callers.push(Caller {
                label,
                actor: Some(actor_of(&sess)),
                token: Some(sess.token),
            });
        }
        callers.push(Caller {
            label: "anonymous",
            token: None,
            actor: None,
        });
        callers.push(Caller {
            label: "expired token",
            token: Some(expired_token(s, own_sro.user)?),
            actor: None,
        });

        let mut t = Tally::default();
        for c in &callers {
            let tok = c.token.as_deref();
            let check = |t: &mut Tally, what: String, got: u16, want: u16, body: &Value| {
                t.check(c.label, what, got, want, body)
            };
            // GET /me
            let (st, body) = s.get(tok, "/api/v1/me").await?;
            check(
                &mut t,
                "GET /me".into(),
                st,
                if c.actor.is_some() { 200 } else { 401 },
                &body,
            );
            // GET /me/sessions: every signed-in user's own sign-ins.
            let (st, body) = s.get(tok, "/api/v1/me/sessions").await?;
            check(
                &mut t,
                "GET /me/sessions".into(),
                st,
                if c.actor.is_some() { 200 } else { 401 },
                &body,
            );
            // GET /admin/webhooks: the admin's.
            let (st, body) = s.get(tok, "/api/v1/admin/webhooks").await?;
            check(
                &mut t,
                "GET /admin/webhooks".into(),
                st,
                expected(policy, c, None, Action::ManageWebhooks, 403),
                &body,
            );
            // GET /agreements: the admins' of either party.
            let (st, body) = s.get(tok, "/api/v1/agreements").await?;
            check(
                &mut t,
                "GET /agreements".into(),
                st,
                expected(policy, c, None, Action::ManageAgreements, 403),
                &body,
            );
            // GET /reviews/queue: a district-wide grant; its items are scoped
            // by ReadRecord (the review story checks which).
            let (st, body) = s.get(tok, "/api/v1/reviews/queue").await?;
            check(
                &mut t,
                "GET /reviews/queue".into(),
                st,
                expected(policy, c, None, Action::RunReviewQueue, 403),
                &body,
            );
            // GET /dashboards/overcalling: a grant of its own; which schools
            // it shows is the over-calling story's business.
            let (st, body) = s.get(tok, "/api/v1/dashboards/overcalling").await?;
            check(
                &mut t,
                "GET /dashboards/overcalling".into(),
                st,
                expected(policy, c, None, Action::ReadOvercalling, 403),
                &body,
            );
            // GET /dashboards/activity: read under the over-calling grant.
            let (st, body) = s.get(tok, "/api/v1/dashboards/activity").await?;
            check(
                &mut t,
                "GET /dashboards/activity".into(),
                st,
                expected(policy, c, None, Action::ReadOvercalling, 403),
                &body,
            );
            // GET /reports/disaggregated: the analyst's grant.
            let (st, body) = s
                .get(tok, "/api/v1/reports/disaggregated?by=race_ethnicity,sex")
                .await?;
            check(
                &mut t,
                "GET /reports/disaggregated".into(),
                st,
                expected(policy, c, None, Action::ReadReport, 403),
                &body,
            );
            // GET /review-periods: whoever runs a queue or sets the calendar.
            let (st, body) = s.get(tok, "/api/v1/review-periods").await?;
            let want = match (
                expected(policy, c, None, Action::RunReviewQueue, 403),
                expected(policy, c, None, Action::ConfigureReviewPeriods, 403),
            ) {
                (401, _) => 401,
                (200, _) | (_, 200) => 200,
                _ => 403,
            };
            check(&mut t, "GET /review-periods".into(), st, want, &body);
            // PUT /review-periods: the admin's alone (the default calendar, so
            // the other stories' periods stay put).
            let (st, body) = s
                .put_json(
                    tok,
                    "/api/v1/review-periods",
                    &serde_json::json!({"starts": [
                        {"month": 2, "day": 1, "name": "spring"},
                        {"month": 8, "day": 1, "name": "fall"}
                    ]}),
                )
                .await?;
            check(
                &mut t,
                "PUT /review-periods".into(),
                st,
                expected(policy, c, None, Action::ConfigureReviewPeriods, 403),
                &body,
            );
            // GET /reviews/meetings: the supervisor's own meetings only.
            let (st, body) = s.get(tok, "/api/v1/reviews/meetings").await?;
            check(
                &mut t,
                "GET /reviews/meetings".into(),
                st,
                expected(policy, c, None, Action::RecordReviewMeeting, 403),
                &body,
            );
            // GET /incidents (list), and nothing listed that the policy would hide.
            let (st, body) = s.get(tok, "/api/v1/incidents").await?;
            check(
                &mut t,
                "GET /incidents".into(),
                st,
                expected(policy, c, None, Action::ListRecords, 404),
                &body,
            );
            if st == 200 {
                for item in body["items"].as_array().into_iter().flatten() {
                    let facts = RecordFacts {
                        officer: item["officer_id"]
                            .as_str()
                            .and_then(|x| x.parse().ok())
                            .unwrap_or(UserId::from_u128(0)),
                        school: item["school_id"]
                            .as_str()
                            .and_then(|x| x.parse().ok())
                            .unwrap_or(SchoolId::from_u128(0)),
                    };
                    let visible = c
                        .actor
                        .as_ref()
                        .is_some_and(|a| policy.view(a, &facts).is_some());
                    if !visible {
                        t.failures.push(format!(
                            "{}: list shows record {} the policy hides",
                            c.label, item["id"]
                        ));
                    }
                }
            }
            for (which, (r, account)) in ["own", "other"].iter().zip(&records) {
                let facts = RecordFacts {
                    officer: r.officer_id,
                    school: r.school_id,
                };
                // GET /incidents/{id}, through the view the record's status
                // allows (a school leader never sees a draft).
                let read_want = match (
                    expected(policy, c, Some(&facts), Action::ReadRecord, 404),
                    &c.actor,
                ) {
                    (200, Some(a)) if policy.view_in_status(a, &facts, r.status).is_none() => 404,
                    (code, _) => code,
                };
                let (st, body) = s.get(tok, &format!("/api/v1/incidents/{}", r.id)).await?;
                check(
                    &mut t,
                    format!("GET /incidents/{{{which}}}"),
                    st,
                    read_want,
                    &body,
                );
                // GET /incidents/{id}/history: whoever may read the record,
                // through the same view.
                let (st, body) = s
                    .get(tok, &format!("/api/v1/incidents/{}/history", r.id))
                    .await?;
                check(
                    &mut t,
                    format!("GET /incidents/{{{which}}}/history"),
                    st,
                    read_want,
                    &body,
                );
                // POST /incidents at the record's school, as the caller.
                let mut new = contact(
                    c.actor
                        .as_ref()
                        .map(|a| a.user)
                        .unwrap_or(UserId::from_u128(0)),
                    r.school_id,
                );
                new.id = client_core::RecordId(uuid::Uuid::now_v7());
                let create_facts = RecordFacts {
                    officer: new.officer_id,
                    school: r.school_id,
                };
                let want = match expected(policy, c, Some(&create_facts), Action::CreateRecord, 403)
                {
                    200 => 201,
                    other => other,
                };
                let (st, body) = s
                    .post_json(tok, "/api/v1/incidents", &serde_json::to_value(&new)?)
                    .await?;
                check(
                    &mut t,
                    format!("POST /incidents at {which} school"),
                    st,
                    want,
                    &body,
                );
                // POST /reviews on the record.
                let want = match expected(policy, c, Some(&facts), Action::WriteReview, 404) {
                    200 => 201,
                    other => other,
                };
                let (st, body) = s
                    .post_json(
                        tok,
                        "/api/v1/reviews",
                        &serde_json::json!({"incident_id": r.id, "finding": "appropriate"}),
                    )
                    .await?;
                check(&mut t, format!("POST /reviews on {which}"), st, want, &body);
                // POST /reviews/meetings at the record's school: a supervisor's
                // own officers' schools only; another is not theirs to know of.
                let want = match expected(policy, c, None, Action::RecordReviewMeeting, 403) {
                    200 => {
                        let theirs = c.actor.as_ref().is_some_and(|a| {
                            officer_schools.iter().any(|(o, schools)| {
                                a.supervises.contains(o) && schools.contains(&r.school_id)
                            })
                        });
                        if theirs { 201 } else { 404 }
                    }
                    other => other,
                };
                let period = client_core::period::PeriodCalendar::default()
                    .period_of(now())
                    .id;
                let (st, body) = s
                    .post_json(
                        tok,
                        "/api/v1/reviews/meetings",
                        &serde_json::json!({
                            "period": period,
                            "held_on": chrono::Utc::now().format("%Y-%m-%d").to_string(),
                            "school_id": r.school_id,
                            "attendees": [
                                {"name": "Sgt. A", "role": "supervisor"},
                                {"name": "Officer M", "role": "sro"},
                                {"name": "Principal L", "role": "school_administrator"}
                            ]
                        }),
                    )
                    .await?;
                check(
                    &mut t,
                    format!("POST /reviews/meetings at {which} school"),
                    st,
                    want,
                    &body,
                );
                // POST /sync: a change to the record's account, authored by the caller.
                let Some(actor) = &c.actor else {
                    let (st, body) = s
                        .post_raw(tok, "/api/v1/sync", "application/octet-stream", vec![1, 0])
                        .await?;
                    check(&mut t, "POST /sync".into(), st, 401, &body);
                    redaction_cell(s, policy, c, r, which, &mut t).await?;
                    continue;
                };
                let mut base = Document::load(
                    DocId {
                        record: r.id,
                        kind: DocKind::Account,
                    },
                    account,
                    actor_id(r.officer_id, DeviceId::from_u128(9)),
                )?;
                let push = edit_as(&mut base, r, actor.user);
                let req = SyncRequest {
                    version: PROTOCOL_VERSION,
                    device: DeviceId::from_u128(0xabc),
                    cursor: None,
                    push: vec![push],
                };
                let resp = s
                    .http
                    .post(s.url("/api/v1/sync"))
                    .bearer_auth(tok.unwrap_or_default())
                    .body(req.encode())
                    .send()
                    .await?;
                let st = resp.status().as_u16();
                let bytes = resp.bytes().await?;
                let accepted = SyncResponse::decode(&bytes)
                    .map(|r| (r.accepted.len(), r.refused.first().map(|x| x.code)))
                    .unwrap_or((0, None));
                let allowed =
                    policy.decide(actor, Some(&facts), Action::SyncWriteAccount) == Decision::Allow;
                let want = if allowed {
                    (1, None)
                } else {
                    (0, Some(RefusalCode::Forbidden))
                };
                t.cells += 1;
                if st != 200 || accepted != want {
                    t.failures.push(format!(
                        "{} POST /sync to {which} record: want {want:?}, got {st} {accepted:?}",
                        c.label
                    ));
                }
                // Last: a redaction starts a new generation, after which the
                // owner's sync cell above would be superseded.
                redaction_cell(s, policy, c, r, which, &mut t).await?;
            }
            // The auditor's endpoints.
            for path in ["/api/v1/audit", "/api/v1/audit/verify"] {
                let (st, body) = s.get(tok, path).await?;
                check(
                    &mut t,
                    format!("GET {path}"),
                    st,
                    expected(policy, c, None, Action::ReadAuditLog, 404),
                    &body,
                );
            }
        }
        assert!(
            t.failures.is_empty(),
            "{}: {} of {} cells wrong:\n{}",
            name,
            t.failures.len(),
            t.cells,
            t.failures.join("\n")
        );
        assert_eq!(
            t.cells,
            // GET /me, /me/sessions, /admin/webhooks, /agreements, /reviews/queue,
            // /dashboards/overcalling, /dashboards/activity,
            // /reports/disaggregated, /review-periods (GET and PUT),
            // /reviews/meetings, /incidents, /audit, /audit/verify, then for
            // the own and the other record: GET /incidents/{id}, GET
            // /incidents/{id}/history, POST /incidents, POST /reviews, POST
            // /reviews/meetings, POST /sync, POST /incidents/{id}/redactions.
            callers.len() * 28,
            "every caller x endpoint x object ran"
        );
    }
    Ok(())
}

/// POST /incidents/{id}/redactions: the record's officer or an admin.
async fn redaction_cell(
    s: &TestServer,
    policy: &Policy,
    c: &Caller,
    r: &Record,
    which: &str,
    t: &mut Tally,
) -> anyhow::Result<()> {
    let facts = RecordFacts {
        officer: r.officer_id,
        school: r.school_id,
    };
    let want = match expected(policy, c, Some(&facts), Action::RedactRecord, 404) {
        200 => 201,
        other => other,
    };
    let (st, body) = s
        .post_json(
            c.token.as_deref(),
            &format!("/api/v1/incidents/{}/redactions", r.id),
            &serde_json::json!({"reason": "matrix"}),
        )
        .await?;
    t.check(
        c.label,
        format!("POST /incidents/{{{which}}}/redactions"),
        st,
        want,
        &body,
    );
    Ok(())
}

#[derive(Default)]
struct Tally {
    cells: usize,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, who: &str, what: String, got: u16, want: u16, body: &Value) {
        self.cells += 1;
        if got != want {
            self.failures
                .push(format!("{who} {what}: want {want}, got {got} {body}"));
        }
        // A refusal leaks no record data.
        if got >= 400 && (body.to_string().contains("S-55501") || body.get("students").is_some()) {
            self.failures
                .push(format!("{who} {what}: refusal leaked data: {body}"));
        }
    }
}

/// A token signed with the server's own key that expired a minute ago.
fn expired_token(s: &TestServer, user: UserId) -> anyhow::Result<String> {
    super::robustness::sign(
        s,
        user,
        "sro",
        |c| {
            c["exp"] = (chrono::Utc::now().timestamp() - 60).into();
        },
        None,
    )
}
