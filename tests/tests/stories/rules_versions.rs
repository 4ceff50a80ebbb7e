//! Versioned rules (issue 19, part 5) against the real server: a record
//! keeps validating under the rules it was submitted under, a phone offline
//! across the upgrade is not refused for rules it never knew, and an
//! out-of-date app cannot submit under old rules after the upgrade.

use super::{answered, contact, now};
use client_core::document::{RecordDocs, actor_id};
use client_core::record::*;
use client_core::rules::version::{CURRENT, FIRST};
use client_core::sync::{DocChanges, PROTOCOL_VERSION, RefusalCode, SyncRequest, SyncResponse};
use client_core::vocabulary::*;
use client_core::{DeviceId, Record, Timestamp};
use fieldlog_tests::{Db, Session, TestServer};
use serde_json::{Value, json};

/// A restraint with no probable cause, duration, guardian or questioning:
/// complete under the first rules only.
fn restraint(officer: &Session, submitted_at: Timestamp) -> Record {
    let mut r = contact(officer.user, officer.first_school());
    r.category = Some(Category::SafetyThreat);
    r.would_warrant_911 = Some(true);
    r.actions = vec![ActionTaken::PhysicalRestraint];
    r.deescalation = vec![DeescalationStep {
        technique: Technique::Verbal,
        at: Some(r.occurred_at),
        note: None,
        effective: Some(false),
    }];
    r.custody = Some(Custody {
        basis: Some("student was hitting another".into()),
        why_at_school: Some("the other student was at risk".into()),
        directed_by_administrator: Some(false),
        removed_from_public_view: Some(RemovedFromView::Yes),
        // The story's student has a 504 plan (rule 3, in both versions).
        disability_modifications: Some("explained each step first".into()),
        ..Default::default()
    });
    r.status = Status::Submitted;
    r.submitted_at = Some(submitted_at);
    r.rules_version = Some(FIRST);
    r
}

/// What an app from before the upgrade pushes: the record's documents as
/// its core wrote them, stamped version 1.
async fn push_from_old_app(
    s: &TestServer,
    officer: &Session,
    r: &Record,
) -> anyhow::Result<SyncResponse> {
    let device = DeviceId::from_u128(0x01d);
    let mut docs = RecordDocs::create(r, actor_id(officer.user, device), r.occurred_at)?;
    let mut push = vec![DocChanges::since(&mut docs.account, 0, &[])];
    if let Some(d) = docs.restricted.as_mut() {
        push.push(DocChanges::since(d, 0, &[]));
    }
    let req = SyncRequest {
        version: PROTOCOL_VERSION,
        device,
        cursor: Some(client_core::sync::Cursor::END),
        push,
    };
    Ok(s.sync_once(&officer.token, req.encode()).await?.0)
}

fn fields(body: &Value) -> Vec<String> {
    body["error"]["details"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|p| p["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_record_keeps_the_rules_it_was_submitted_under() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let started = now();

        // Submitted on a phone offline across the upgrade (before the
        // server adopted version 2): taken under version 1.
        let before = restraint(&officer, started.plus_minutes(-40));
        let reply = push_from_old_app(&s, &officer, &before).await?;
        assert_eq!(reply.refused, vec![], "{name}");
        assert_eq!(reply.accepted.len(), 2, "{name}");

        // The same from an out-of-date app after the upgrade: refused, by
        // the stamp, with a reason the officer can act on.
        let after = restraint(&officer, started);
        let reply = push_from_old_app(&s, &officer, &after).await?;
        let refusal = reply.refused.first().expect("refused");
        assert_eq!(refusal.code, RefusalCode::Invalid, "{name}");
        assert_eq!(refusal.field.as_deref(), Some("rules_version"), "{name}");
        assert!(
            refusal.reason.contains("out-of-date app"),
            "{name}: {}",
            refusal.reason
        );
        let (status, _) = s
            .get(
                Some(&officer.token),
                &format!("/api/v1/incidents/{}", after.id),
            )
            .await?;
        assert_eq!(status, 404, "{name}: nothing of it was stored");

        // The version-1 record, amended on today's phone: still checked
        // under version 1 (no probable cause asked), and it stays version 1.
        let mut phone = officer.replica(7);
        s.sync(&officer.token, &mut phone).await?;
        let mut amended = phone.record(before.id)?;
        assert_eq!(amended.rules_version, Some(FIRST), "{name}");
        amended.narrative = Some("the other student was not hurt".into());
        phone.update(&amended, Some("added the outcome"), now())?;
        let report = s.sync(&officer.token, &mut phone).await?;
        assert!(report.refused.is_empty(), "{name}: {:?}", report.refused);
        let (_, json) = s
            .get(
                Some(&officer.token),
                &format!("/api/v1/incidents/{}", before.id),
            )
            .await?;
        assert_eq!(json["rules_version"], 1, "{name}: {json}");
        assert_eq!(
            json["narrative"], "the other student was not hurt",
            "{name}"
        );

        // A new submission on today's phone is version 2: the restraint
        // needs probable cause, the time held, the guardian and whether the
        // student was questioned before the phone stores it as submitted.
        let mut fresh = restraint(&officer, now());
        fresh.rules_version = None;
        fresh.id = client_core::RecordId(uuid::Uuid::now_v7());
        let Err(client_core::replica::ReplicaError::Invalid(problems)) =
            phone.create(&fresh, now())
        else {
            panic!("{name}: the phone stored an incomplete restraint");
        };
        let missing: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            missing,
            [
                "custody.probable_cause",
                "custody.duration_minutes",
                "custody.guardian_notified_at",
                "interrogation.questioned"
            ],
            "{name}"
        );
        fresh.custody.as_mut().unwrap().probable_cause =
            Some("seen striking the other student".into());
        answered(&mut fresh);
        phone.create(&fresh, now())?;
        let report = s.sync(&officer.token, &mut phone).await?;
        assert!(report.refused.is_empty(), "{name}: {:?}", report.refused);
        let (_, json) = s
            .get(
                Some(&officer.token),
                &format!("/api/v1/incidents/{}", fresh.id),
            )
            .await?;
        assert_eq!(json["rules_version"], CURRENT, "{name}: {json}");
    }
    Ok(())
}

/// An integration importing records: without a stamp a submission is
/// checked under the current rules; a stamp of version 1 is taken for a
/// record submitted before the upgrade, and refused after it.
#[tokio::test]
async fn an_import_is_checked_under_the_current_rules() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let tok = Some(officer.token.as_str());
        let old = restraint(&officer, now().plus_minutes(-40));
        let body = |r: &Record, version: Value| {
            let mut v = serde_json::to_value(r).unwrap();
            v.as_object_mut().unwrap().remove("id");
            v["rules_version"] = version;
            v
        };
        let (status, err) = s
            .post_json(tok, "/api/v1/incidents", &body(&old, Value::Null))
            .await?;
        assert_eq!(status, 422, "{name}: {err}");
        assert_eq!(
            fields(&err),
            [
                "custody.probable_cause",
                "custody.duration_minutes",
                "custody.guardian_notified_at",
                "interrogation.questioned"
            ],
            "{name}: {err}"
        );
        let (status, created) = s
            .post_json(tok, "/api/v1/incidents", &body(&old, json!(1)))
            .await?;
        assert_eq!(status, 201, "{name}: {created}");
        assert_eq!(created["rules_version"], 1, "{name}");
        let late = restraint(&officer, now());
        let (status, err) = s
            .post_json(tok, "/api/v1/incidents", &body(&late, json!(1)))
            .await?;
        assert_eq!(status, 422, "{name}: {err}");
        assert_eq!(fields(&err), ["rules_version"], "{name}: {err}");
        let (status, err) = s
            .post_json(tok, "/api/v1/incidents", &body(&late, json!(3)))
            .await?;
        assert_eq!(
            (status, fields(&err)),
            (422, vec!["rules_version".to_owned()]),
            "{name}: {err}"
        );
    }
    Ok(())
}

/// A crafted client reopens a record it submitted under version 2 after
/// the upgrade, then resubmits it stamped version 1 with a claimed time
/// from before the upgrade: the server's first receipt as submitted says
/// otherwise, and the stamp is refused (before the review fix it was
/// taken, and the record skipped every version-2 question).
#[tokio::test]
async fn a_reopened_record_cannot_fall_back_to_the_old_rules() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let started = now();
        let device = DeviceId::from_u128(0xbad);
        let push = |docs: &mut RecordDocs, heads: &[Vec<automerge::ChangeHash>; 2]| {
            let mut push = vec![DocChanges::since(&mut docs.account, 0, &heads[0])];
            if let Some(d) = docs.restricted.as_mut() {
                push.push(DocChanges::since(d, 0, &heads[1]));
            }
            SyncRequest {
                version: PROTOCOL_VERSION,
                device,
                cursor: Some(client_core::sync::Cursor::END),
                push,
            }
            .encode()
        };
        let heads = |docs: &mut RecordDocs| {
            let restricted = docs
                .restricted
                .as_mut()
                .map(|d| d.heads())
                .unwrap_or_default();
            [docs.account.heads(), restricted]
        };
        // Submitted complete under version 2, after the upgrade.
        let mut r = restraint(&officer, started);
        r.rules_version = Some(CURRENT);
        r.custody.as_mut().unwrap().probable_cause = Some("seen striking another student".into());
        answered(&mut r);
        let mut docs = RecordDocs::create(&r, actor_id(officer.user, device), started)?;
        let (reply, _) = s
            .sync_once(&officer.token, push(&mut docs, &[vec![], vec![]]))
            .await?;
        assert_eq!(reply.refused, vec![], "{name}: the version-2 submission");
        // Reopened as a draft (an amendment says why).
        let before = heads(&mut docs);
        r.status = Status::Draft;
        r.amendments.push(Amendment {
            at: now(),
            by: officer.user,
            reason: "reopened".into(),
        });
        docs.write(&r, now())?;
        let (reply, _) = s
            .sync_once(&officer.token, push(&mut docs, &before))
            .await?;
        assert_eq!(reply.refused, vec![], "{name}: reopening");
        // Resubmitted as version 1, claimed before the upgrade, without
        // the version-2 answers.
        let before = heads(&mut docs);
        r.status = Status::Submitted;
        r.rules_version = Some(FIRST);
        r.submitted_at = Some(started.plus_minutes(-40));
        r.interrogation = None;
        r.custody.as_mut().unwrap().probable_cause = None;
        docs.write(&r, now())?;
        let (reply, _) = s
            .sync_once(&officer.token, push(&mut docs, &before))
            .await?;
        let refusal = reply.refused.first().expect("the fallback is refused");
        assert_eq!(
            refusal.field.as_deref(),
            Some("rules_version"),
            "{name}: {refusal:?}"
        );
    }
    Ok(())
}
