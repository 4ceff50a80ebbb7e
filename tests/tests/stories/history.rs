//! Issue 19, a record's history (`GET /incidents/{id}/history`): the
//! supervisor sees each step (who, which device, when, what kind, which
//! fields, the amendment's reason) through their own view, so a change to
//! the school record never shows, not even as a step; a school leader sees
//! structured fields only; the officer sees everything.

use super::{contact, now};
use client_core::vocabulary::{Disability, Location};
use fieldlog_tests::{Db, TestServer};
use serde_json::Value;

fn kinds(h: &Value) -> Vec<&str> {
    h.as_array()
        .map(|a| a.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default()
}

fn fields(e: &Value) -> Vec<&str> {
    e["fields"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn each_role_reads_the_history_its_view_allows() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let mut phone = officer.replica(1);
        let t = |minutes: i64| now().plus_minutes(minutes);
        // A draft, submitted ten minutes later, amended (the place), then
        // amended again (the school record's disability plan).
        let mut r = contact(officer.user, officer.first_school());
        r.narrative = Some("talked by the lockers".into());
        phone.create(&r, t(-50))?;
        s.sync(&officer.token, &mut phone).await?;
        r.submit(t(-40));
        phone.update(&r, None, t(-40))?;
        s.sync(&officer.token, &mut phone).await?;
        let mut moved = phone.record(r.id)?;
        moved.location = Some(Location::Cafeteria);
        phone.update(&moved, Some("wrong place"), t(-30))?;
        s.sync(&officer.token, &mut phone).await?;
        let mut plan = phone.record(r.id)?;
        if let Some(sr) = &mut plan.students[0].school_record {
            sr.disability = Some(Disability::Idea);
        }
        phone.update(&plan, Some("updated plan"), t(-20))?;
        s.sync(&officer.token, &mut phone).await?;
        let path = format!("/api/v1/incidents/{}/history", r.id);

        // The officer: every step, the school record included.
        let (st, own) = s.get(Some(&officer.token), &path).await?;
        assert_eq!(st, 200, "{name}: {own}");
        assert_eq!(
            kinds(&own),
            ["created", "submitted", "amended", "amended"],
            "{name}: {own}"
        );
        assert_eq!(own[0]["by"]["username"], "sro.martinez", "{name}");
        assert!(
            fields(&own[3]).contains(&"students[0].school_record.disability"),
            "{name}: {own}"
        );
        assert_eq!(own[2]["amendment_reason"], "wrong place", "{name}");
        assert!(fields(&own[2]).contains(&"location"), "{name}: {own}");

        // The supervisor: the same steps, none of the school record. The
        // second amendment still shows (its reason is in the account),
        // but not what it changed in the part they cannot read.
        let sup = s.login("sgt.alvarez").await?;
        let (st, seen) = s.get(Some(&sup.token), &path).await?;
        assert_eq!(st, 200, "{name}: {seen}");
        let text = seen.to_string();
        assert!(!text.contains("school_record"), "{name}: {text}");
        assert_eq!(seen[2]["amendment_reason"], "wrong place", "{name}");
        assert!(
            seen.as_array().unwrap().len() <= own.as_array().unwrap().len(),
            "{name}"
        );

        // A school leader: structured fields only: no narrative, no reason.
        let leader = s.login("principal.lincoln").await?;
        let (st, led) = s.get(Some(&leader.token), &path).await?;
        assert_eq!(st, 200, "{name}: {led}");
        let text = led.to_string();
        for hidden in [
            "narrative",
            "wrong place",
            "amendment_reason",
            "school_record",
        ] {
            assert!(!text.contains(hidden), "{name}: {hidden} in {text}");
        }
        assert!(kinds(&led).contains(&"amended"), "{name}: {led}");

        // A supervisor of other officers: no such record.
        let other = s.login("sgt.brooks").await?;
        let (st, _) = s.get(Some(&other.token), &path).await?;
        assert_eq!(st, 404, "{name}");
    }
    Ok(())
}

/// DOMAIN.md section 3: a school leader may not "see drafts". Before, the
/// leader of the record's school read a draft, its history, and found it in
/// the list (found by an attack on the history endpoint).
#[tokio::test]
async fn a_school_leader_reads_no_draft() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let leader = s.login("principal.lincoln").await?;
        let mut phone = officer.replica(1);
        let mut r = contact(officer.user, officer.first_school());
        phone.create(&r, now())?;
        s.sync(&officer.token, &mut phone).await?;
        let record = format!("/api/v1/incidents/{}", r.id);
        let id = r.id.to_string();
        let lists = |v: &Value| {
            v["items"]
                .as_array()
                .is_some_and(|a| a.iter().any(|i| i["id"] == id.as_str()))
        };
        for path in [record.clone(), format!("{record}/history")] {
            let (st, body) = s.get(Some(&leader.token), &path).await?;
            assert_eq!(st, 404, "{name} {path}: {body}");
        }
        let (_, list) = s.get(Some(&leader.token), "/api/v1/incidents").await?;
        assert!(!lists(&list), "{name}: a draft in the leader's list");
        // The officer reads their own draft.
        let (st, _) = s.get(Some(&officer.token), &record).await?;
        assert_eq!(st, 200, "{name}");

        r.submit(now());
        phone.update(&r, None, now())?;
        s.sync(&officer.token, &mut phone).await?;
        for path in [record.clone(), format!("{record}/history")] {
            let (st, body) = s.get(Some(&leader.token), &path).await?;
            assert_eq!(st, 200, "{name} {path}: {body}");
        }
        let (_, list) = s.get(Some(&leader.token), "/api/v1/incidents").await?;
        assert!(lists(&list), "{name}: the submitted record is listed");
    }
    Ok(())
}
