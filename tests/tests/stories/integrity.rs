//! What the server trusts a device with, and what it does not (issue 16,
//! findings 4, 5, 14 and 15): a document holds its part's type and nothing
//! else; lateness rests on the server's own receipt time; a review's time is
//! the server's, and only a submitted record is reviewed; an amendment is
//! in its maker's name; creating a record never confirms that someone
//! else's exists.

use super::{contact, now, review};
use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};
use client_core::Record;
use client_core::document::DocId;
use client_core::replica::Replica;
use client_core::sync::RefusalCode;
use client_core::vocabulary::Finding;
use client_core::{DocKind, RecordId};
use fieldlog_tests::{Db, Session, TestServer};

pub(crate) fn account(record: RecordId) -> DocId {
    DocId {
        record,
        kind: DocKind::Account,
    }
}

/// Everything a device holds of a document, history included, as bytes in
/// which key names appear as written.
pub(crate) fn history(doc: &mut client_core::document::Document) -> String {
    String::from_utf8_lossy(&doc.automerge().save_nocompress()).into_owned()
}

/// A server where sro.martinez's submitted contact has reached both the
/// officer's phone and sgt.alvarez's desk.
struct Reviewing {
    s: TestServer,
    officer: Session,
    sup: Session,
    phone: Replica,
    desk: Replica,
    r: Record,
}

async fn reviewing(db: &Db) -> anyhow::Result<Reviewing> {
    let s = TestServer::start(db).await?;
    let officer = s.login("sro.martinez").await?;
    let sup = s.login("sgt.alvarez").await?;
    let mut phone = officer.replica(1);
    let mut r = contact(officer.user, officer.first_school());
    r.submit(now());
    phone.create(&r, now())?;
    s.sync(&officer.token, &mut phone).await?;
    let mut desk = sup.replica(7);
    s.sync(&sup.token, &mut desk).await?;
    Ok(Reviewing {
        s,
        officer,
        sup,
        phone,
        desk,
        r,
    })
}

#[tokio::test]
async fn a_value_outside_the_parts_type_is_refused_and_never_reaches_the_supervisor()
-> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let sup = s.login("sgt.alvarez").await?;
        let mut phone = officer.replica(1);
        let r = contact(officer.user, officer.first_school());
        phone.create(&r, now())?;
        s.sync(&officer.token, &mut phone).await?;

        // A hand-made change: a school-record value inside the account,
        // added and taken out again in the same push.
        let doc = phone.document(&account(r.id)).expect("account");
        let am = doc.automerge();
        let (_, students) = am.get(ROOT, "students")?.expect("students");
        let (_, s0) = am.get(&students, 0)?.expect("student 0");
        let sr = am.put_object(&s0, "school_record", ObjType::Map)?;
        am.put(&sr, "disability", "idea")?;
        am.commit();
        am.delete(&s0, "school_record")?;
        am.commit();
        let report = s.sync(&officer.token, &mut phone).await?;
        assert_eq!(report.refused.len(), 1, "{}: {report:?}", db.name());
        let refusal = &report.refused[0];
        assert_eq!(refusal.code, RefusalCode::WrongPartition, "{refusal:?}");
        assert_eq!(refusal.field.as_deref(), Some("students[0].school_record"));

        // An unknown key, kept.
        let mut phone2 = officer.replica(2);
        s.sync(&officer.token, &mut phone2).await?;
        let am = phone2
            .document(&account(r.id))
            .expect("account")
            .automerge();
        am.put(ROOT, "note_to_self", "ask the counselor")?;
        am.commit();
        let report = s.sync(&officer.token, &mut phone2).await?;
        assert_eq!(report.refused.len(), 1, "{}: {report:?}", db.name());
        assert_eq!(report.refused[0].code, RefusalCode::UnknownField);
        assert_eq!(report.refused[0].field.as_deref(), Some("note_to_self"));

        let mut desk = sup.replica(7);
        s.sync(&sup.token, &mut desk).await?;
        let seen = history(desk.document(&account(r.id)).expect("the account"));
        for key in ["school_record", "note_to_self"] {
            assert!(
                !seen.contains(key),
                "{}: {key} reached the supervisor",
                db.name()
            );
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_supervisor_cannot_add_keys_to_a_review() -> anyhow::Result<()> {
    for db in Db::all() {
        let Reviewing {
            s,
            officer,
            sup,
            mut phone,
            mut desk,
            r,
        } = reviewing(&db).await?;
        desk.add_review(r.id, review(sup.user, Finding::Appropriate), now())?;
        let id = DocId {
            record: r.id,
            kind: DocKind::Review,
        };
        let am = desk.document(&id).expect("review").automerge();
        let (_, list) = am.get(ROOT, "reviews")?.expect("reviews");
        let (_, first) = am.get(&list, 0)?.expect("review 0");
        am.put(&first, "officer_home_address", "12 Elm St")?;
        am.commit();
        let report = s.sync(&sup.token, &mut desk).await?;
        assert_eq!(report.refused.len(), 1, "{}: {report:?}", db.name());
        assert_eq!(report.refused[0].code, RefusalCode::UnknownField);
        assert_eq!(
            report.refused[0].field.as_deref(),
            Some("reviews[0].officer_home_address")
        );

        s.sync(&officer.token, &mut phone).await?;
        assert!(
            phone.document(&id).is_none(),
            "{}: nothing of the review reached the officer",
            db.name()
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_review_pushed_through_sync_cannot_be_backdated() -> anyhow::Result<()> {
    for db in Db::all() {
        let Reviewing {
            s,
            officer,
            sup,
            mut desk,
            r,
            ..
        } = reviewing(&db).await?;
        let mut backdated = review(sup.user, Finding::Appropriate);
        backdated.at = now().plus_hours(-240);
        desk.add_review(r.id, backdated, now())?;
        let report = s.sync(&sup.token, &mut desk).await?;
        assert_eq!(report.refused.len(), 1, "{}: {report:?}", db.name());
        assert_eq!(report.refused[0].code, RefusalCode::Invalid);
        assert_eq!(report.refused[0].field.as_deref(), Some("reviews"));

        let (_, json) = s
            .get(Some(&officer.token), &format!("/api/v1/incidents/{}", r.id))
            .await?;
        assert_eq!(json["reviews"], serde_json::json!([]), "{}", db.name());

        // A review dated now goes through, from another desk.
        let mut desk2 = sup.replica(8);
        s.sync(&sup.token, &mut desk2).await?;
        desk2.add_review(r.id, review(sup.user, Finding::Appropriate), now())?;
        let report = s.sync(&sup.token, &mut desk2).await?;
        assert_eq!(report.refused, vec![], "{}", db.name());
    }
    Ok(())
}

#[tokio::test]
async fn creating_a_record_never_confirms_that_someone_elses_exists() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let martinez = s.login("sro.martinez").await?;
        let chen = s.login("sro.chen").await?;
        let mut phone = martinez.replica(1);
        let theirs = contact(martinez.user, martinez.first_school());
        phone.create(&theirs, now())?;
        s.sync(&martinez.token, &mut phone).await?;

        // Chen names Martinez's record id, and an old id no record holds:
        // the two answers are the same.
        let mut probe = contact(chen.user, chen.first_school());
        probe.id = theirs.id;
        let taken = s
            .post_json(
                Some(&chen.token),
                "/api/v1/incidents",
                &serde_json::to_value(&probe)?,
            )
            .await?;
        let old = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            (now().millis() / 1000 - 86_400) as u64,
            0,
        ));
        probe.id = RecordId(old);
        let free = s
            .post_json(
                Some(&chen.token),
                "/api/v1/incidents",
                &serde_json::to_value(&probe)?,
            )
            .await?;
        assert_eq!(taken.0, 422, "{}: {taken:?}", db.name());
        assert_eq!(taken.1["error"]["field"], "id");
        assert_eq!(taken, free, "{}", db.name());

        // The author's own retry still learns that its create went through.
        let (st, _) = s
            .post_json(
                Some(&martinez.token),
                "/api/v1/incidents",
                &serde_json::to_value(&theirs)?,
            )
            .await?;
        assert_eq!(st, 409, "{}", db.name());

        // Without an id, the server assigns a UUID v7.
        let mut body = serde_json::to_value(contact(chen.user, chen.first_school()))?;
        body.as_object_mut().expect("object").remove("id");
        let (st, json) = s
            .post_json(Some(&chen.token), "/api/v1/incidents", &body)
            .await?;
        assert_eq!(st, 201, "{}: {json}", db.name());
        let id: RecordId = json["id"].as_str().unwrap_or_default().parse()?;
        assert_eq!(id.0.get_version_num(), 7);
        let (st, _) = s
            .get(Some(&chen.token), &format!("/api/v1/incidents/{id}"))
            .await?;
        assert_eq!(st, 200, "{}", db.name());

        // Sent as submitted without saying when: submitted now, not "still
        // a draft" (it came back with submitted_at null and a late flag
        // saying so).
        let mut body = serde_json::to_value(contact(chen.user, chen.first_school()))?;
        body["status"] = "submitted".into();
        body.as_object_mut().expect("object").remove("id");
        body.as_object_mut().expect("object").remove("submitted_at");
        let (st, json) = s
            .post_json(Some(&chen.token), "/api/v1/incidents", &body)
            .await?;
        assert_eq!(st, 201, "{}: {json}", db.name());
        assert!(json["submitted_at"].is_string(), "{}: {json}", db.name());
        assert!(
            !json.to_string().contains("still a draft"),
            "{}: {json}",
            db.name()
        );
    }
    Ok(())
}

#[tokio::test]
async fn lateness_rests_on_when_the_server_first_received_the_record() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let sup = s.login("sgt.alvarez").await?;
        let mut phone = officer.replica(1);
        // Written up ten days late, claiming it was submitted an hour after.
        let mut r = contact(officer.user, officer.first_school());
        let occurred = now().plus_hours(-240);
        r.occurred_at = occurred;
        r.ended_at = Some(occurred.plus_minutes(10));
        r.submit(occurred.plus_hours(1));
        phone.create(&r, now())?;
        let report = s.sync(&officer.token, &mut phone).await?;
        assert_eq!(report.refused, vec![], "{}", db.name());

        for who in [&officer, &sup] {
            let (st, json) = s
                .get(Some(&who.token), &format!("/api/v1/incidents/{}", r.id))
                .await?;
            assert_eq!(st, 200, "{}: {json}", db.name());
            let late = json["flags"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|f| f["code"] == "late_documentation")
                .cloned()
                .unwrap_or_default();
            let reason = late["reason"].as_str().unwrap_or_default();
            assert!(
                reason.contains("first received by the server 240 hours")
                    && reason.contains("the device says it was submitted 1 hours after"),
                "{}: {json}",
                db.name()
            );
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_draft_is_not_reviewed_through_the_api_or_through_sync() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let sup = s.login("sgt.alvarez").await?;
        let mut phone = officer.replica(1);
        let mut r = contact(officer.user, officer.first_school());
        phone.create(&r, now())?;
        s.sync(&officer.token, &mut phone).await?;
        let post = |id: RecordId| serde_json::json!({"incident_id": id, "finding": "appropriate"});

        let (st, body) = s
            .post_json(Some(&sup.token), "/api/v1/reviews", &post(r.id))
            .await?;
        assert_eq!(st, 422, "{name}: {body}");
        assert_eq!(body["error"]["code"], "not_submitted", "{name}: {body}");
        assert_eq!(body["error"]["field"], "incident_id", "{name}: {body}");

        let mut desk = sup.replica(7);
        s.sync(&sup.token, &mut desk).await?;
        desk.add_review(r.id, review(sup.user, Finding::Appropriate), now())?;
        let report = s.sync(&sup.token, &mut desk).await?;
        assert_eq!(report.refused.len(), 1, "{name}: {report:?}");
        assert_eq!(report.refused[0].code, RefusalCode::Invalid, "{name}");
        assert_eq!(report.refused[0].field.as_deref(), Some("reviews"));

        // Once submitted, it is the supervisor's to review.
        r.submit(now());
        phone.update(&r, None, now())?;
        s.sync(&officer.token, &mut phone).await?;
        let (st, body) = s
            .post_json(Some(&sup.token), "/api/v1/reviews", &post(r.id))
            .await?;
        assert_eq!(st, 201, "{name}: {body}");
    }
    Ok(())
}

#[tokio::test]
async fn an_amendment_cannot_be_written_in_someone_elses_name() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let sup = s.login("sgt.alvarez").await?;
        let mut r = contact(officer.user, officer.first_school());
        r.submit(now());
        r.amendments.push(client_core::record::Amendment {
            at: now(),
            by: sup.user,
            reason: "approved as written".into(),
        });
        let (st, body) = s
            .post_json(
                Some(&officer.token),
                "/api/v1/incidents",
                &serde_json::to_value(&r)?,
            )
            .await?;
        assert_eq!(st, 422, "{name}: {body}");
        assert_eq!(body["error"]["field"], "amendments.0.by", "{name}: {body}");
        let (st, _) = s
            .get(Some(&officer.token), &format!("/api/v1/incidents/{}", r.id))
            .await?;
        assert_eq!(st, 404, "{name}: nothing was stored");
    }
    Ok(())
}

/// A push whose document carries the same change twice is one change: it
/// is stored once and the request succeeds. Before the judgement moved into
/// client-core, both copies reached the change log's unique index and the
/// whole request answered 500.
#[tokio::test]
async fn a_change_sent_twice_in_one_push_is_stored_once() -> anyhow::Result<()> {
    use client_core::sync::SyncRequest;
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let mut phone = officer.replica(1);
        let r = contact(officer.user, officer.first_school());
        phone.create(&r, now())?;
        let mut req = SyncRequest::decode(&phone.prepare_sync(), usize::MAX)?;
        for d in &mut req.push {
            let again = d.changes.clone();
            d.changes.extend(again);
        }
        let resp = s
            .http
            .post(s.url("/api/v1/sync"))
            .bearer_auth(&officer.token)
            .body(req.encode())
            .send()
            .await?;
        assert_eq!(resp.status(), 200, "{}", db.name());
        let reply = client_core::sync::SyncResponse::decode(&resp.bytes().await?)?;
        assert_eq!(
            reply.accepted.len(),
            2,
            "{}: {:?}",
            db.name(),
            reply.refused
        );
        let mut fresh = officer.replica(2);
        s.sync(&officer.token, &mut fresh).await?;
        assert_eq!(fresh.record(r.id)?, r, "{}", db.name());
    }
    Ok(())
}
