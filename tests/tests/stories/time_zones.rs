//! Issue 18, local time: an admin adds a school in Chicago, and a staff
//! request at 08:00 Central time counts in hour 8 of the over-calling view
//! (14:00 UTC in November); re-zoning the school moves it. A zone that is
//! not IANA's is refused with the field named.

use super::contact;
use client_core::record::StaffRequest;
use client_core::vocabulary::{InitiatedBy, StaffRole};
use client_core::{SchoolId, Timestamp};
use fieldlog_tests::{Db, TestServer};
use serde_json::{Value, json};

const PASSWORD: &str = "Quarry finches hum under 41 lamps";

fn count(v: &Value, list: &str, key: &str) -> Option<u64> {
    v[list]
        .as_array()?
        .iter()
        .find(|c| c["key"] == key)
        .and_then(|c| c["requested"].as_u64())
}

#[tokio::test]
async fn a_chicago_schools_eight_oclock_request_is_in_hour_eight() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        // The district's admin adds the school; the department's, its officer.
        let admin = s.login("admin.district").await?;
        let tok = Some(admin.token.as_str());
        let agency_admin = s.login("admin.agency").await?;
        let agency_tok = Some(agency_admin.token.as_str());
        let (_, orgs) = s.get(tok, "/api/v1/admin/organizations").await?;
        let org = |kind: &str| {
            orgs.as_array()
                .into_iter()
                .flatten()
                .find(|o| o["kind"] == kind)
                .map(|o| o["id"].clone())
                .unwrap_or_default()
        };

        let (st, b) = s
            .post_json(
                tok,
                "/api/v1/admin/schools",
                &json!({"name": "Lakeshore High School", "district_id": org("district"), "time_zone": "CST"}),
            )
            .await?;
        assert_eq!(
            (st, &b["error"]["field"]),
            (422, &json!("time_zone")),
            "{name}: {b}"
        );
        let (st, school) = s
            .post_json(
                tok,
                "/api/v1/admin/schools",
                &json!({"name": "Lakeshore High School", "district_id": org("district"), "time_zone": "America/Chicago"}),
            )
            .await?;
        assert_eq!(st, 201, "{name}: {school}");
        let school_id: SchoolId = school["id"].as_str().unwrap_or_default().parse()?;

        // An officer there, under sgt.alvarez.
        let (st, officer) = s
            .post_json(
                agency_tok,
                "/api/v1/admin/users",
                &json!({"username": "sro.lakeshore", "role": "sro", "organization_id": org("agency"), "password": PASSWORD}),
            )
            .await?;
        assert_eq!(st, 201, "{name}: {officer}");
        let sup = s.login("sgt.alvarez").await?;
        let today = super::now().to_string()[..10].to_string();
        let (st, b) = s
            .put_json(
                agency_tok,
                &format!("/api/v1/admin/users/{}/assignments", officer["id"].as_str().unwrap_or_default()),
                &json!({"schools": [school_id], "supervisor_id": sup.user, "effective_from": today}),
            )
            .await?;
        assert_eq!(st, 200, "{name}: {b}");
        let sro = s.login_with("sro.lakeshore", PASSWORD).await?;

        // A teacher's request at 08:00 CST on Tuesday 10 November 2026.
        let mut r = contact(sro.user, school_id);
        r.occurred_at = Timestamp::parse("2026-11-10T14:00:00Z").expect("a time");
        r.ended_at = Some(r.occurred_at.plus_minutes(10));
        r.initiated_by = Some(InitiatedBy::SchoolStaff);
        r.request = Some(StaffRequest {
            staff_role: Some(StaffRole::Teacher),
            reason: Some("a student was upset".into()),
            ..Default::default()
        });
        r.submit(r.occurred_at.plus_minutes(30));
        let (st, b) = s
            .post_json(
                Some(&sro.token),
                "/api/v1/incidents",
                &serde_json::to_value(&r)?,
            )
            .await?;
        assert_eq!(st, 201, "{name}: {b}");

        let sup = s.login("sgt.alvarez").await?;
        let view = format!(
            "/api/v1/dashboards/overcalling?school_id={school_id}&from=2026-11-01&to=2026-12-01"
        );
        let (st, v) = s.get(Some(&sup.token), &view).await?;
        assert_eq!(st, 200, "{name}: {v}");
        assert_eq!(v["time_zone"], "America/Chicago", "{name}");
        assert_eq!(count(&v, "by_hour", "08"), Some(1), "{name}: {v}");
        assert_eq!(count(&v, "by_hour", "14"), None, "{name}: not UTC's hour");
        assert_eq!(count(&v, "weekly", "2026-11-09"), Some(1), "{name}: {v}");

        // Re-zoned, the same request is counted in the new zone's hour.
        let (st, b) = s
            .patch_json(
                tok,
                &format!("/api/v1/admin/schools/{school_id}"),
                &json!({"time_zone": "Asia/Tokyo"}),
            )
            .await?;
        assert_eq!(
            (st, &b["time_zone"]),
            (200, &json!("Asia/Tokyo")),
            "{name}: {b}"
        );
        let (_, v) = s.get(Some(&sup.token), &view).await?;
        assert_eq!(count(&v, "by_hour", "23"), Some(1), "{name}: {v}");
    }
    Ok(())
}
