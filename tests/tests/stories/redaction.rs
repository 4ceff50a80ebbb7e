//! Redaction (issue 16, finding 8): a value amended away leaves every copy
//! of the record's history, on the server and on every device that held it,
//! and nothing a device had not pushed yet is lost.

use super::integrity::history;
use super::{contact, now, review};
use client_core::document::DocId;
use client_core::replica::{Replica, SyncStatus};
use client_core::review::Reviews;
use client_core::vocabulary::Finding;
use client_core::{DocKind, RecordId};
use fieldlog_tests::{Db, TestServer};
use serde_json::json;

const CANARY: &str = "Jordan Ellis, who has autism (IEP), canary 7Q";

/// Whether any document `device` holds of `record` has `text` anywhere in
/// its history (`integrity::history`: uncompressed, history included).
fn holds(device: &mut Replica, record: RecordId, text: &str) -> bool {
    DocKind::ALL.iter().any(|kind| {
        device
            .document(&DocId {
                record,
                kind: *kind,
            })
            .is_some_and(|d| history(d).contains(text))
    })
}

async fn redact(
    s: &TestServer,
    token: &str,
    record: RecordId,
    reason: &str,
) -> anyhow::Result<(u16, serde_json::Value)> {
    s.post_json(
        Some(token),
        &format!("/api/v1/incidents/{record}/redactions"),
        &json!({ "reason": reason }),
    )
    .await
}

#[tokio::test]
async fn an_amended_away_value_leaves_every_copy_of_the_history() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let sup = s.login("sgt.alvarez").await?;
        let mut phone = officer.replica(1);
        let mut r = contact(officer.user, officer.first_school());
        r.narrative = Some(format!("Talked with {CANARY} in the hallway."));
        r.submit(now());
        phone.create(&r, now())?;
        s.sync(&officer.token, &mut phone).await?;
        let mut desk = sup.replica(7);
        s.sync(&sup.token, &mut desk).await?;
        desk.add_review(r.id, review(sup.user, Finding::Appropriate), now())?;
        s.sync(&sup.token, &mut desk).await?;

        // The officer amends the name away; every copy still has it.
        let mut amended = r.clone();
        amended.narrative = Some("Talked with a student in the hallway.".into());
        phone.update(&amended, Some("named a student"), now())?;
        s.sync(&officer.token, &mut phone).await?;
        s.sync(&sup.token, &mut desk).await?;
        assert_eq!(
            desk.record(r.id)?.narrative,
            amended.narrative,
            "{}",
            db.name()
        );
        assert!(
            holds(&mut desk, r.id, CANARY),
            "{}: the test sees history",
            db.name()
        );
        assert!(holds(&mut phone, r.id, CANARY), "{}", db.name());

        let (status, body) = redact(&s, &officer.token, r.id, "a student was named").await?;
        assert_eq!(status, 201, "{}: {body}", db.name());
        assert!(
            body.get("documents").is_none(),
            "which parts a record has is not said: {body}"
        );

        // The history now starts at the redaction, by the officer who asked
        // for it, and holds nothing of the steps removed.
        let (status, h) = s
            .get(
                Some(&sup.token),
                &format!("/api/v1/incidents/{}/history", r.id),
            )
            .await?;
        assert_eq!(status, 200, "{}: {h}", db.name());
        assert_eq!(h[0]["kind"], "redacted", "{}: {h}", db.name());
        assert_eq!(h[0]["by"]["username"], "sro.martinez", "{}: {h}", db.name());
        assert!(
            !h.to_string().contains("named a student"),
            "{}: {h}",
            db.name()
        );

        s.sync(&officer.token, &mut phone).await?;
        s.sync(&sup.token, &mut desk).await?;
        let mut fresh_phone = officer.replica(2);
        s.sync(&officer.token, &mut fresh_phone).await?;
        let mut fresh_desk = sup.replica(8);
        s.sync(&sup.token, &mut fresh_desk).await?;
        for (who, device) in [
            ("the officer's phone", &mut phone),
            ("the supervisor's desk", &mut desk),
            ("a new phone", &mut fresh_phone),
            ("a new desk", &mut fresh_desk),
        ] {
            assert!(
                !holds(device, r.id, CANARY),
                "{}: {who} still holds the redacted value",
                db.name()
            );
            // The record itself, its amendment and its review are intact.
            let got = device.record(r.id)?;
            assert_eq!(got.narrative, amended.narrative, "{}: {who}", db.name());
            assert_eq!(got.amendments.len(), 1, "{}: {who}", db.name());
            let reviews: Reviews = device.reviews(r.id)?;
            assert_eq!(reviews.reviews.len(), 1, "{}: {who}", db.name());
            assert_eq!(
                device.status(r.id),
                SyncStatus::Synced,
                "{}: {who}",
                db.name()
            );
        }
        // The school record stayed on the officer's devices.
        assert_eq!(phone.record(r.id)?, fresh_phone.record(r.id)?);
        assert_eq!(
            phone.record(r.id)?.students[0].school_record,
            r.students[0].school_record
        );

        // The log says who redacted which record, and not the reason.
        let auditor = s.login("auditor.district").await?;
        let (status, log) = s.get(Some(&auditor.token), "/api/v1/audit").await?;
        assert_eq!(status, 200, "{log}");
        let entry = log
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["event"] == "redact_record")
            .unwrap_or_else(|| panic!("{}: no redaction in the log", db.name()));
        assert_eq!(entry["record"], json!(r.id.0.to_string()), "{entry}");
        assert!(!log.to_string().contains("a student was named"));
    }
    Ok(())
}

#[tokio::test]
async fn edits_a_device_had_not_pushed_survive_a_redaction() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let sup = s.login("sgt.alvarez").await?;
        let admin = s.login("admin.district").await?;
        let mut phone = officer.replica(1);
        let mut r = contact(officer.user, officer.first_school());
        r.submit(now());
        phone.create(&r, now())?;
        s.sync(&officer.token, &mut phone).await?;
        let mut desk = sup.replica(7);
        s.sync(&sup.token, &mut desk).await?;

        // Offline: the officer amends, the supervisor reviews.
        let mut amended = r.clone();
        amended.narrative = Some("Followed up with the counselor.".into());
        phone.update(&amended, Some("follow-up"), now())?;
        desk.add_review(r.id, review(sup.user, Finding::TrainingNeed), now())?;

        let (status, body) = redact(&s, &admin.token, r.id, "records request").await?;
        assert_eq!(status, 201, "{}: {body}", db.name());

        // Both come back online: each takes the new generation and pushes
        // its edit again on top of it.
        s.sync(&officer.token, &mut phone).await?;
        s.sync(&sup.token, &mut desk).await?;
        s.sync(&officer.token, &mut phone).await?;
        assert_eq!(phone.status(r.id), SyncStatus::Synced, "{}", db.name());
        assert_eq!(desk.status(r.id), SyncStatus::Synced, "{}", db.name());
        let (status, json) = s
            .get(Some(&officer.token), &format!("/api/v1/incidents/{}", r.id))
            .await?;
        assert_eq!(status, 200, "{json}");
        assert_eq!(
            json["narrative"],
            "Followed up with the counselor.",
            "{}",
            db.name()
        );
        assert_eq!(
            json["amendments"].as_array().map(Vec::len),
            Some(1),
            "{json}"
        );
        assert_eq!(json["reviews"][0]["finding"], "training_need", "{json}");
        assert_eq!(
            phone.record(r.id)?,
            desk_view_of(&mut desk, r.id, &phone.record(r.id)?)?
        );
    }
    Ok(())
}

/// The desk's copy of the account, with the officer's restricted values
/// added back (the desk never holds them), to compare with the phone's.
fn desk_view_of(
    desk: &mut Replica,
    id: RecordId,
    phone: &client_core::Record,
) -> anyhow::Result<client_core::Record> {
    let mut r = desk.record(id)?;
    for (s, p) in r.students.iter_mut().zip(&phone.students) {
        s.school_record = p.school_record.clone();
        s.sogi = p.sogi.clone();
    }
    Ok(r)
}

#[tokio::test]
async fn a_redaction_needs_a_reason_and_the_right_to_make_it() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let mut phone = officer.replica(1);
        let r = contact(officer.user, officer.first_school());
        phone.create(&r, now())?;
        s.sync(&officer.token, &mut phone).await?;

        for reason in ["", "   ", &"x".repeat(1_001)] {
            let (status, body) = redact(&s, &officer.token, r.id, reason).await?;
            assert_eq!(status, 422, "{}: {body}", db.name());
            assert_eq!(body["error"]["field"], "reason", "{body}");
        }
        let (status, body) = s
            .post_json(
                Some(&officer.token),
                &format!("/api/v1/incidents/{}/redactions", r.id),
                &json!({ "reason": "ok", "value": "anything" }),
            )
            .await?;
        assert_eq!(status, 422, "{}: an unknown field: {body}", db.name());
        // Who else may: the matrix story has every role; these are the
        // answers a supervisor and another officer get.
        let sup = s.login("sgt.alvarez").await?;
        assert_eq!(redact(&s, &sup.token, r.id, "why").await?.0, 403);
        let other = s.login("sro.okafor").await?;
        assert_eq!(redact(&s, &other.token, r.id, "why").await?.0, 404);
        let unknown = RecordId(uuid::Uuid::now_v7());
        assert_eq!(redact(&s, &officer.token, unknown, "why").await?.0, 404);
        // Nothing was redacted by any of these: the phone is still current.
        s.sync(&officer.token, &mut phone).await?;
        assert_eq!(phone.status(r.id), SyncStatus::Synced);
    }
    Ok(())
}
