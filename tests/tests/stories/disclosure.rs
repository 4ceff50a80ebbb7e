//! Issue 16, finding 7: free text reaches only the roles allowed to read it,
//! and every read that shows it is in the access log with the field named.
//!
//! A distinct canary is planted in every free-text field of one record (and
//! in the student's reference, the staff reference, the SOGI text, the
//! amendment reason and the review's notes), enumerated from client-core's
//! `fields::FIELDS`, which a client-core test keeps complete against the
//! record type. Then every role reads through every read endpoint.

use super::{contact, now};
use client_core::access::View;
use client_core::fields::{FIELDS, Kind, Treatment, in_document};
use client_core::record::*;
use client_core::vocabulary::*;
use client_core::{DocKind, Record, ReviewId};
use fieldlog_tests::{Db, TestServer};
use serde_json::Value;
use std::collections::BTreeSet;

/// Every string leaf (path without array indexes, JSON pointer).
fn leaves(v: &Value, path: &str, ptr: &str, out: &mut Vec<(String, String)>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::String(_) => out.push((path.to_owned(), ptr.to_owned())),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| leaves(x, path, &format!("{ptr}/{i}"), out)),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| leaves(x, &join(k), &format!("{ptr}/{k}"), out)),
        _ => {}
    }
}

fn field_of(path: &str) -> Option<&'static client_core::fields::Field> {
    FIELDS
        .iter()
        .find(|f| path == f.path || path.starts_with(&format!("{}.", f.path)))
}

/// A submitted custody record with every free-text field filled, each with
/// its own canary; the canaries by `FIELDS` path.
fn planted(
    officer: client_core::UserId,
    school: client_core::SchoolId,
) -> (Record, Vec<(&'static str, String)>) {
    let mut r = contact(officer, school);
    let text = || Some("x".to_owned());
    r.initiated_by = Some(InitiatedBy::SchoolStaff);
    r.request = Some(StaffRequest {
        staff_id: text(),
        staff_role: Some(StaffRole::Teacher),
        reason: text(),
        requested_at: Some(r.occurred_at),
    });
    r.category = Some(Category::CriminalOffense);
    r.offense = text();
    r.offense_code = Some(client_core::offense::OffenseCode::SimpleAssault);
    r.offense_severity = Some(client_core::offense::Severity::Misdemeanor);
    r.would_warrant_911 = Some(true);
    r.sro_role = Some(SroRole::LawEnforcementProblemSolver);
    r.deescalation = vec![DeescalationStep {
        technique: Technique::Verbal,
        at: Some(r.occurred_at),
        note: text(),
        effective: Some(false),
    }];
    r.actions = vec![ActionTaken::Arrest];
    r.custody = Some(Custody {
        basis: text(),
        probable_cause: text(),
        why_at_school: text(),
        directed_by_administrator: Some(false),
        removed_from_public_view: Some(RemovedFromView::Yes),
        duration_minutes: Some(40),
        guardian_notified_at: Some(r.occurred_at.plus_minutes(20)),
        guardian_not_notified_reason: text(),
        disability_modifications: text(),
        immediate_risk: text(),
    });
    r.interrogation = Some(Interrogation {
        questioned: true,
        rights_advised: Some(true),
        guardian_present: Some(false),
    });
    r.charges = Some(Charges {
        filed: true,
        court: Some(CourtInvolvement::Pending),
    });
    r.late_reason = text();
    r.narrative = text();
    r.students[0].sogi = Some(Sogi {
        self_reported: true,
        sexual_orientation: text(),
        gender_identity: text(),
    });
    r.submit(now());
    // Plant a canary wherever a listed field takes text (enumerations refuse it).
    let mut json = serde_json::to_value(&r).unwrap();
    let mut all = Vec::new();
    leaves(&json.clone(), "", "", &mut all);
    let mut canaries = Vec::new();
    for (path, ptr) in all {
        let Some(field) = field_of(&path) else {
            continue;
        };
        let canary = format!("CANARY{:03}X", canaries.len());
        let old = json.pointer(&ptr).cloned().unwrap();
        *json.pointer_mut(&ptr).unwrap() = canary.clone().into();
        if serde_json::from_value::<Record>(json.clone()).is_ok() {
            canaries.push((field.path, canary));
        } else {
            *json.pointer_mut(&ptr).unwrap() = old;
        }
    }
    (serde_json::from_value(json).unwrap(), canaries)
}

/// Whether `user`'s role may see `path` through `endpoint` (DOMAIN.md
/// section 3, through client-core's treatment of each field).
fn allowed(user: &str, endpoint: &str, path: &str) -> bool {
    let field = FIELDS.iter().find(|f| f.path == path).unwrap();
    let view = match user {
        "sro.martinez" => Some(View::Full),
        "sgt.alvarez" => Some(View::Supervisor),
        "principal.lincoln" => Some(View::Pseudonymised),
        _ => None,
    };
    let docs: &[DocKind] = match user {
        "sro.martinez" => &[DocKind::Account, DocKind::Restricted, DocKind::Review],
        "sgt.alvarez" => &[DocKind::Account, DocKind::Review],
        _ => &[],
    };
    match endpoint {
        "GET /api/v1/incidents/{id}" | "GET /api/v1/incidents" => {
            view.is_some_and(|v| v.treats(field.kind) == Treatment::Shown)
        }
        "POST /api/v1/sync" => docs.iter().any(|d| in_document(*d).contains(&path)),
        // Counts by staff member (DOMAIN.md section 5), for its two readers.
        "GET /api/v1/dashboards/overcalling" => {
            field.kind == Kind::StaffRef && ["sgt.alvarez", "principal.lincoln"].contains(&user)
        }
        _ => false,
    }
}

/// The access log after `after`, all pages.
async fn log_after(s: &TestServer, token: &str, after: i64) -> anyhow::Result<Vec<Value>> {
    let mut out: Vec<Value> = Vec::new();
    let mut from = after;
    loop {
        let (st, page) = s
            .get(Some(token), &format!("/api/v1/audit?after={from}"))
            .await?;
        assert_eq!(st, 200, "{page}");
        let page = page.as_array().cloned().unwrap_or_default();
        // Each look at the log is logged, so "until empty" never ends: a
        // short page is the last.
        let full = page.len() == 1000;
        if let Some(last) = page.last() {
            from = last["seq"].as_i64().unwrap();
        }
        out.extend(page);
        if !full {
            return Ok(out);
        }
    }
}

async fn last_seq(s: &TestServer, token: &str) -> anyhow::Result<i64> {
    Ok(log_after(s, token, 0)
        .await?
        .last()
        .and_then(|e| e["seq"].as_i64())
        .unwrap_or(0))
}

#[tokio::test]
async fn a_canary_in_every_free_text_field_reaches_only_allowed_readers_and_is_logged()
-> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let (r, mut canaries) = planted(officer.user, officer.first_school());
        let mut phone = officer.replica(1);
        phone.create(&r, now())?;
        let mut amended = r.clone();
        amended.custody.as_mut().unwrap().duration_minutes = Some(45);
        let reason = "CANARY-AMENDMENT-REASON".to_owned();
        phone.update(&amended, Some(&reason), now())?;
        let report = s.sync(&officer.token, &mut phone).await?;
        assert_eq!(report.refused, vec![], "{name}");
        canaries.push(("amendments.reason", reason));

        let sup = s.login("sgt.alvarez").await?;
        let mut desk = sup.replica(2);
        s.sync(&sup.token, &mut desk).await?;
        let review = client_core::review::Review {
            id: ReviewId(uuid::Uuid::now_v7()),
            finding: Finding::TrainingNeed,
            notes: Some("CANARY-REVIEW-NOTES".into()),
            follow_up: Some("CANARY-REVIEW-FOLLOW-UP".into()),
            by: sup.user,
            at: now(),
        };
        desk.add_review(r.id, review, now())?;
        assert_eq!(
            s.sync(&sup.token, &mut desk).await?.refused,
            vec![],
            "{name}"
        );
        canaries.push(("reviews.notes", "CANARY-REVIEW-NOTES".into()));
        canaries.push(("reviews.follow_up", "CANARY-REVIEW-FOLLOW-UP".into()));

        // Every free-text field (and each reference) carries a canary: a
        // field added to FIELDS without a value here fails at once.
        let planted_paths: BTreeSet<&str> = canaries.iter().map(|(p, _)| *p).collect();
        for f in FIELDS {
            if matches!(f.kind, Kind::FreeText | Kind::StudentRef | Kind::StaffRef) {
                assert!(planted_paths.contains(f.path), "no canary in {}", f.path);
            }
        }
        assert!(planted_paths.contains("students.sogi"), "{planted_paths:?}");

        let auditor = s.login("auditor.district").await?;
        let school = r.school_id;
        let users = [
            "sro.martinez",
            "sgt.alvarez",
            "principal.lincoln",
            "principal.jefferson",
            "analyst.district",
            "admin.district",
            "auditor.district",
        ];
        let mut seen_somewhere = BTreeSet::new();
        for user in users {
            let me = s.login(user).await?;
            let reads: [(&str, String); 7] = [
                (
                    "GET /api/v1/incidents/{id}",
                    format!("/api/v1/incidents/{}", r.id),
                ),
                (
                    "GET /api/v1/incidents",
                    format!("/api/v1/incidents?from={}", r.occurred_at.plus_minutes(-1)),
                ),
                ("POST /api/v1/sync", String::new()),
                ("GET /api/v1/reviews/queue", "/api/v1/reviews/queue".into()),
                (
                    "GET /api/v1/dashboards/overcalling",
                    format!("/api/v1/dashboards/overcalling?school_id={school}"),
                ),
                (
                    "GET /api/v1/reports/disaggregated",
                    "/api/v1/reports/disaggregated".into(),
                ),
                (
                    "CSV /api/v1/reports/disaggregated",
                    "/api/v1/reports/disaggregated".into(),
                ),
            ];
            for (endpoint, path) in reads {
                let marker = last_seq(&s, &auditor.token).await?;
                let text = match endpoint {
                    "POST /api/v1/sync" => {
                        // A fresh device: everything the role may pull.
                        let mut device = me.replica(99);
                        s.sync(&me.token, &mut device).await?;
                        let record = device.record(r.id).ok();
                        let reviews = device.reviews(r.id).ok();
                        format!(
                            "{} {}",
                            serde_json::to_string(&record)?,
                            serde_json::to_string(&reviews)?
                        )
                    }
                    "CSV /api/v1/reports/disaggregated" => {
                        s.http
                            .get(s.url(&path))
                            .bearer_auth(&me.token)
                            .header("accept", "text/csv")
                            .send()
                            .await?
                            .text()
                            .await?
                    }
                    _ => s.get(Some(&me.token), &path).await?.1.to_string(),
                };
                if user == "principal.lincoln" && endpoint == "GET /api/v1/incidents/{id}" {
                    assert!(text.contains(&r.id.to_string()), "{name}: {text}");
                    assert!(
                        !text.contains("disability_modifications"),
                        "{name}: absent, not null: {text}"
                    );
                }
                let log_endpoint = endpoint.replace("CSV ", "GET ");
                let logged: BTreeSet<String> = log_after(&s, &auditor.token, marker)
                    .await?
                    .iter()
                    .filter(|e| e["user"] == me.user.to_string() && e["endpoint"] == log_endpoint)
                    .filter(|e| e["record"].is_null() || e["record"] == r.id.to_string())
                    .flat_map(|e| e["fields"].as_array().cloned().unwrap_or_default())
                    .filter_map(|f| f.as_str().map(String::from))
                    .collect();
                for (path, canary) in &canaries {
                    let shown = text.contains(canary.as_str());
                    let may = allowed(user, endpoint, path);
                    // The dashboard may suppress small counts; everywhere
                    // else what may be shown is shown.
                    let must = may && !endpoint.contains("overcalling");
                    assert!(
                        (!shown || may) && (shown || !must),
                        "{name}: {user} through {endpoint}: {path} ({canary}) shown: {shown}, allowed: {may}: {text}"
                    );
                    if shown {
                        seen_somewhere.insert(*path);
                        assert!(
                            logged.contains(*path),
                            "{name}: {user} saw {path} through {endpoint}; the log says {logged:?}"
                        );
                    }
                }
            }
        }
        assert_eq!(
            seen_somewhere, planted_paths,
            "{name}: every canary shows to someone"
        );
        // The log itself never holds the canaries.
        let log = serde_json::to_string(&log_after(&s, &auditor.token, 0).await?)?;
        assert!(!log.contains("CANARY"), "{name}");
    }
    Ok(())
}

#[tokio::test]
async fn looking_at_the_overcalling_view_or_the_log_is_logged() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let leader = s.login("principal.lincoln").await?;
        let (st, _) = s
            .get(Some(&leader.token), "/api/v1/dashboards/overcalling")
            .await?;
        assert_eq!(st, 200, "{name}");
        let auditor = s.login("auditor.district").await?;
        let (st, _) = s.get(Some(&auditor.token), "/api/v1/audit/verify").await?;
        assert_eq!(st, 200, "{name}");
        let log = log_after(&s, &auditor.token, 0).await?;
        let by = |user: &client_core::UserId, event: &str| {
            log.iter()
                .filter(|e| e["user"] == user.to_string() && e["event"] == event)
                .count()
        };
        assert_eq!(by(&leader.user, "read_overcalling"), 1, "{name}");
        assert_eq!(by(&auditor.user, "verify_audit_log"), 1, "{name}");
        // The read just made is logged too: the next page shows it.
        let last = log.last().unwrap()["seq"].as_i64().unwrap();
        let after = log_after(&s, &auditor.token, last).await?;
        assert!(
            after
                .iter()
                .any(|e| e["event"] == "read_audit_log" && e["user"] == auditor.user.to_string()),
            "{name}: {after:?}"
        );
    }
    Ok(())
}
