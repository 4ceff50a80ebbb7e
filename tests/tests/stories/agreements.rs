//! Issue 21, agreements (MOUs): the agreement in force decides what each
//! role may read, checked as the whole access matrix; a reviewed agreement
//! gives back what the last one withheld, and phones receive it at their
//! next sync; what an agreement may hold and who may record it.

use super::admin::org_of;
use super::matrix::every_cell;
use super::now;
use client_core::Policy;
use client_core::access::Action;
use client_core::vocabulary::Role;
use fieldlog_tests::{Db, TestServer};
use serde_json::{Value, json};

/// An MOU that keeps row-level records from the school and reports from
/// the district's analysts, and records off supervisors' phones (their
/// reviews with them: a review is written into the record's documents).
fn narrowed() -> Policy {
    let withheld = [
        (Role::SchoolLeader, Action::ReadRecord),
        (Role::SchoolLeader, Action::ListRecords),
        (Role::Analyst, Action::ReadReport),
        (Role::Supervisor, Action::SyncReadAccount),
        (Role::Supervisor, Action::SyncReadReview),
        (Role::Supervisor, Action::SyncWriteReview),
        (Role::Supervisor, Action::WriteReview),
        (Role::Supervisor, Action::ReadOvercalling),
    ];
    let mut p = Policy::federal_default();
    p.grants.retain(|g| !withheld.contains(&(g.role, g.action)));
    p
}

fn today() -> String {
    now().to_string()[..10].to_string()
}

fn body(agency: &str, district: &str, from: &str, review: &str, policy: &Policy) -> Value {
    json!({
        "agency_id": agency,
        "district_id": district,
        "effective_from": from,
        "review_by": review,
        "published_url": "https://district.example/sro-mou.pdf",
        "policy": policy,
    })
}

/// `POST /agreements/{id}/sign` as `token`, for agreement `a` as answered.
async fn sign(s: &TestServer, token: &str, a: &Value) -> anyhow::Result<(u16, Value)> {
    let path = format!(
        "/api/v1/agreements/{}/sign",
        a["id"].as_str().unwrap_or_default()
    );
    s.post_json(Some(token), &path, &json!({})).await
}

/// A year after `day` (`YYYY-MM-DD`), less a day.
fn a_year_on(day: &str) -> String {
    let d: chrono::NaiveDate = day.parse().unwrap_or_default();
    (d + chrono::Days::new(364)).to_string()
}

#[tokio::test]
async fn the_agreement_in_force_decides_what_each_role_may_read() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let admin = s.login("admin.agency").await?;
        let agency = org_of(&s, &admin.token, "agency").await?;
        let district = org_of(&s, &admin.token, "district").await?;
        let sup = s.login("sgt.alvarez").await?;
        let mut phone = sup.replica(0x61);
        s.sync(&sup.token, &mut phone).await?;
        let synced = phone.record_ids().len();
        anyhow::ensure!(synced > 0, "{name}: the supervisor's phone holds records");

        // The agency records an MOU that shares less, from today.
        let day = today();
        let mou = narrowed();
        let (st, b) = s
            .post_json(
                Some(&admin.token),
                "/api/v1/agreements",
                &body(&agency, &district, &day, &a_year_on(&day), &mou),
            )
            .await?;
        anyhow::ensure!(st == 201, "{name}: {st} {b}");
        // Signed by the agency alone, it binds no one yet.
        anyhow::ensure!(
            b["in_force"] == false && b["awaiting"] == "district",
            "{name}: {b}"
        );
        let leader = s.login("principal.lincoln").await?;
        let (st, _) = s.get(Some(&leader.token), "/api/v1/incidents").await?;
        anyhow::ensure!(st == 200, "{name}: one party's word changed a read: {st}");
        let district_admin = s.login("admin.district").await?;
        let (st, again) = sign(&s, &admin.token, &b).await?;
        anyhow::ensure!(st == 409, "{name}: the agency signs once: {st} {again}");
        let (st, b) = sign(&s, &district_admin.token, &b).await?;
        anyhow::ensure!(
            st == 200 && b["in_force"] == true && b["review_overdue"] == false,
            "{name}: {st} {b}"
        );
        every_cell(&s, &format!("{name} under the MOU"), &mou).await?;
        // A new phone of the supervisor's receives no records now, and the
        // one that synced before lets them go.
        let mut fresh = sup.replica(0x62);
        s.sync(&sup.token, &mut fresh).await?;
        s.sync(&sup.token, &mut phone).await?;
        anyhow::ensure!(
            fresh.record_ids().is_empty() && phone.record_ids().is_empty(),
            "{name}: the MOU keeps records off supervisors' phones ({} and {} held)",
            fresh.record_ids().len(),
            phone.record_ids().len()
        );

        // The district records the reviewed agreement: the federal default
        // again, from the same day, recorded later, so it is in force.
        let default = Policy::federal_default();
        let (st, b) = s
            .post_json(
                Some(&district_admin.token),
                "/api/v1/agreements",
                &body(&agency, &district, &day, &a_year_on(&day), &default),
            )
            .await?;
        anyhow::ensure!(st == 201 && b["awaiting"] == "agency", "{name}: {st} {b}");
        let (st, b) = sign(&s, &admin.token, &b).await?;
        anyhow::ensure!(st == 200 && b["in_force"] == true, "{name}: {st} {b}");
        every_cell(&s, &format!("{name} under the reviewed MOU"), &default).await?;
        // The phone that synced under the MOU receives at its next sync.
        s.sync(&sup.token, &mut fresh).await?;
        anyhow::ensure!(
            fresh.record_ids().len() >= synced,
            "{name}: {} of at least {synced} records reached the phone",
            fresh.record_ids().len()
        );
        // Both parties' admins read both agreements, the newest first and
        // in force.
        for who in [&admin, &district_admin] {
            let (st, list) = s.get(Some(&who.token), "/api/v1/agreements").await?;
            let flags: Vec<_> = list
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| a["in_force"].as_bool())
                .collect();
            anyhow::ensure!(
                st == 200 && flags == [Some(true), Some(false)],
                "{name}: {st} {list}"
            );
        }
    }
    Ok(())
}

#[tokio::test]
async fn what_an_agreement_may_hold_and_who_may_record_it() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let admin = s.login("admin.agency").await?;
        let agency = org_of(&s, &admin.token, "agency").await?;
        let district = org_of(&s, &admin.token, "district").await?;
        let day = today();
        let review = a_year_on(&day);
        let mut wider = Policy::federal_default();
        wider.grants.push(client_core::access::Grant {
            role: Role::Supervisor,
            action: Action::SyncReadRestricted,
            scope: client_core::access::Scope::SupervisedOfficer,
        });
        let default = Policy::federal_default();
        let ok = body(&agency, &district, &day, &review, &default);
        let with = |key: &str, value: Value| {
            let mut b = ok.clone();
            b[key] = value;
            b
        };
        // A district the agency serves no school of.
        let (st, other) = s
            .post_json(
                Some(&admin.token),
                "/api/v1/admin/organizations",
                &json!({"kind": "district", "name": "Elsewhere Unified"}),
            )
            .await?;
        anyhow::ensure!(st == 201, "{name}: {st} {other}");
        let elsewhere = with("district_id", other["id"].clone());
        let mut unknown_role = ok.clone();
        unknown_role["policy"]["grants"][0]["role"] = json!("janitor");
        // (caller, why, body, status, the field at fault)
        let cases: Vec<(&str, &str, Value, u16, &str)> = vec![
            ("sro.martinez", "an officer", ok.clone(), 403, ""),
            ("analyst.district", "an analyst", ok.clone(), 403, ""),
            (
                "admin.agency",
                "more than federal",
                with("policy", json!(wider)),
                422,
                "policy",
            ),
            (
                "admin.agency",
                "no annual review",
                with("review_by", json!(a_year_on(&review))),
                422,
                "review_by",
            ),
            (
                "admin.agency",
                "plain http",
                with("published_url", json!("http://district.example/mou")),
                422,
                "published_url",
            ),
            (
                "admin.agency",
                "parties swapped",
                with("agency_id", json!(district)),
                422,
                "agency_id",
            ),
            (
                "admin.agency",
                "no such role",
                unknown_role,
                422,
                "policy.grants[0].role",
            ),
            (
                "admin.agency",
                "not a date",
                with("effective_from", json!("next monday")),
                422,
                "effective_from",
            ),
            ("admin.agency", "no partner", elsewhere, 422, "district_id"),
            (
                "admin.agency",
                "a NUL",
                with("published_url", json!("https://x.example/\u{0}")),
                422,
                "published_url",
            ),
        ];
        for (who, why, b, want, field) in cases {
            let caller = s.login(who).await?;
            let (st, reply) = s
                .post_json(Some(&caller.token), "/api/v1/agreements", &b)
                .await?;
            anyhow::ensure!(
                st == want && reply["error"]["field"].as_str().unwrap_or_default() == field,
                "{name}: {why}: {st} {reply}"
            );
        }
        let (st, list) = s.get(Some(&admin.token), "/api/v1/agreements").await?;
        anyhow::ensure!(
            st == 200 && list == json!([]),
            "{name}: none was stored: {list}"
        );

        // Recorded late: in force since June 2025, its review past due.
        let late = body(&agency, &district, "2025-06-01", "2026-06-01", &default);
        let (st, b) = s
            .post_json(Some(&admin.token), "/api/v1/agreements", &late)
            .await?;
        anyhow::ensure!(st == 201, "{name}: {st} {b}");
        let district_admin = s.login("admin.district").await?;
        let (st, b) = sign(&s, &district_admin.token, &b).await?;
        anyhow::ensure!(st == 200, "{name}: {st} {b}");
        let (_, list) = s.get(Some(&admin.token), "/api/v1/agreements").await?;
        anyhow::ensure!(
            list[0]["in_force"] == true && list[0]["review_overdue"] == true,
            "{name}: the overdue review is flagged: {list}"
        );
        for (who, want) in [("analyst.district", 403), ("admin.district", 200)] {
            let caller = s.login(who).await?;
            let (st, _) = s.get(Some(&caller.token), "/api/v1/agreements").await?;
            anyhow::ensure!(st == want, "{name}: {who} reads agreements: {st}");
        }
    }
    Ok(())
}

/// Strong enough for zxcvbn, and nobody's real password.
const NORTHSIDE_PASSWORD: &str = "Copper kites hum over 41 quiet dunes";

#[tokio::test]
async fn an_admin_the_other_party_made_signs_nothing() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let admin = s.login("admin.agency").await?;
        let agency = org_of(&s, &admin.token, "agency").await?;
        // The agency's admin makes a new district and its first admin, who
        // adds a school the agency's officer then serves.
        let (st, north) = s
            .post_json(
                Some(&admin.token),
                "/api/v1/admin/organizations",
                &json!({"kind": "district", "name": "Northside Unified"}),
            )
            .await?;
        anyhow::ensure!(st == 201, "{name}: {st} {north}");
        let (st, made) = s
            .post_json(
                Some(&admin.token),
                "/api/v1/admin/users",
                &json!({"username": "admin.northside", "role": "admin",
                        "organization_id": north["id"], "password": NORTHSIDE_PASSWORD}),
            )
            .await?;
        anyhow::ensure!(st == 201, "{name}: {st} {made}");
        let northside = s.login_with("admin.northside", NORTHSIDE_PASSWORD).await?;
        let (st, school) = s
            .post_json(
                Some(&northside.token),
                "/api/v1/admin/schools",
                &json!({"name": "Northside High School", "district_id": north["id"],
                        "time_zone": "America/Chicago"}),
            )
            .await?;
        anyhow::ensure!(st == 201, "{name}: {st} {school}");
        let martinez = super::reach::directory_line(&s, &admin.token, "sro.martinez").await?;
        let mut schools = martinez["schools"].as_array().cloned().unwrap_or_default();
        schools.push(school["id"].clone());
        let (st, b) = s
            .put_json(
                Some(&admin.token),
                &format!("/api/v1/admin/users/{}/assignments", martinez["id"].as_str().unwrap_or_default()),
                &json!({"schools": schools, "supervisor_id": martinez["supervisor_id"], "effective_from": today()}),
            )
            .await?;
        anyhow::ensure!(st == 200, "{name}: {st} {b}");
        let north_id = north["id"].as_str().unwrap_or_default();
        let mou = narrowed();
        let (st, a) = s
            .post_json(
                Some(&admin.token),
                "/api/v1/agreements",
                &body(&agency, north_id, &today(), &a_year_on(&today()), &mou),
            )
            .await?;
        anyhow::ensure!(st == 201, "{name}: {st} {a}");
        // The admin the agency made knows nothing the agency does not: its
        // signature would be the agency's twice.
        let (st, b) = sign(&s, &northside.token, &a).await?;
        anyhow::ensure!(st == 409, "{name}: the agency signed for both: {st} {b}");
        let (_, list) = s.get(Some(&northside.token), "/api/v1/agreements").await?;
        anyhow::ensure!(list[0]["in_force"] == false, "{name}: {list}");
    }
    Ok(())
}
