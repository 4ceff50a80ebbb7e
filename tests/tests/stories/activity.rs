//! Issue 20, the SRO activity profile: a leader sees what the SRO does at
//! their school (by category, who started it, the asking staff's role, the
//! school's local hour, a typical day) and the SRO's own enforcement there;
//! every breakdown adds up to the involvements the over-calling view counts
//! for the same school and months; another school is not found; the read
//! is logged.

use super::school_id;
use fieldlog_tests::{Db, TestServer};
use serde_json::Value;

fn total(v: &Value, by: &str) -> u64 {
    v["profile"][by]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| t["count"].as_u64().unwrap_or(0))
        .sum()
}

fn count(v: &Value, by: &str, key: &str) -> u64 {
    v["profile"][by]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["key"] == key)
        .and_then(|t| t["count"].as_u64())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_leader_reads_what_the_sro_does_at_their_school() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let leader = s.login("principal.roosevelt").await?;
        let tok = Some(leader.token.as_str());
        let roosevelt = school_id(&leader.me, "Roosevelt");
        let range = "from=2024-08-01&to=2026-11-01";
        let (st, v) = s
            .get(tok, &format!("/api/v1/dashboards/activity?{range}"))
            .await?;
        assert_eq!(st, 200, "{name}: {v}");
        assert_eq!(v["school_id"], roosevelt.as_str(), "{name}");
        assert_eq!(v["time_zone"], "America/Chicago", "{name}: {v}");
        let p = &v["profile"];
        let n = p["involvements"].as_u64().unwrap_or(0);
        assert!(n > 20, "{name}: the demo school is busy: {v}");
        // The same involvements the over-calling view counts.
        let (_, oc) = s
            .get(tok, &format!("/api/v1/dashboards/overcalling?{range}"))
            .await?;
        assert_eq!(Some(n), oc["involvements"].as_u64(), "{name}");
        for by in ["by_category", "by_initiated_by", "by_hour"] {
            assert_eq!(total(&v, by), n, "{name}: {by} adds up");
        }
        assert_eq!(
            total(&v, "by_staff_role"),
            count(&v, "by_initiated_by", "school_staff"),
            "{name}: staff roles are of staff requests"
        );
        assert_eq!(
            oc["requested"].as_u64(),
            Some(count(&v, "by_initiated_by", "school_staff")),
            "{name}"
        );
        let days = p["active_days"].as_u64().unwrap_or(0);
        assert!(days > 0 && days <= n, "{name}: {v}");
        let own = &p["self_initiated"];
        assert_eq!(
            own["involvements"].as_u64(),
            Some(count(&v, "by_initiated_by", "self")),
            "{name}"
        );
        let own_n = own["involvements"]
            .as_u64()
            .expect("self-initiated involvements");
        for k in [
            "arrests",
            "citations",
            "searches",
            "use_of_force_or_restraint",
            "code_of_conduct",
        ] {
            let k_n = own[k]
                .as_u64()
                .unwrap_or_else(|| panic!("{name}: {k} missing: {v}"));
            assert!(k_n <= own_n, "{name}: {k}");
        }
        assert_eq!(
            v["own_officers_only"], false,
            "{name}: a leader reads every record"
        );
        // Counts of record columns and nothing else.
        let mut keys: Vec<&str> = p
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "active_days",
                "by_category",
                "by_hour",
                "by_initiated_by",
                "by_staff_role",
                "involvements",
                "per_active_day",
                "self_initiated"
            ],
            "{name}"
        );

        // Another school's profile is not found; a supervisor sees their
        // officers' schools.
        let lincoln = school_id(&s.login("principal.lincoln").await?.me, "Lincoln");
        assert!(!lincoln.is_empty(), "{name}");
        let (st, _) = s
            .get(
                tok,
                &format!("/api/v1/dashboards/activity?school_id={lincoln}"),
            )
            .await?;
        assert_eq!(st, 404, "{name}");
        // Lincoln has two officers: martinez (sgt.alvarez's) and patel
        // (sgt.brooks's). A supervisor's profile counts their own officers'
        // records only; the school's leader counts both.
        let sup = s.login("sgt.alvarez").await?;
        let lincoln_path = format!("/api/v1/dashboards/activity?school_id={lincoln}&{range}");
        let (st, theirs) = s.get(Some(&sup.token), &lincoln_path).await?;
        assert_eq!(st, 200, "{name}: {theirs}");
        assert_eq!(theirs["own_officers_only"], true, "{name}");
        // The schools they may pick among: their officers' two.
        let picks: Vec<&str> = theirs["schools"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x["name"].as_str())
            .collect();
        assert_eq!(
            picks,
            ["Lincoln High School", "Roosevelt Middle School"],
            "{name}"
        );
        let principal = s.login("principal.lincoln").await?;
        let (_, whole) = s.get(Some(&principal.token), &lincoln_path).await?;
        let (part, all) = (
            theirs["profile"]["involvements"].as_u64().unwrap_or(0),
            whole["profile"]["involvements"].as_u64().unwrap_or(0),
        );
        assert!(part > 0 && part < all, "{name}: {part} of {all}");
        let (st, b) = s
            .get(tok, "/api/v1/dashboards/activity?to=2026-11-15")
            .await?;
        assert_eq!(
            (st, b["error"]["field"].as_str()),
            (422, Some("to")),
            "{name}: whole months only: {b}"
        );

        let auditor = s.login("auditor.district").await?;
        let (_, log) = s
            .get(Some(&auditor.token), "/api/v1/audit?event=read_activity")
            .await?;
        assert!(
            log.as_array().is_some_and(|l| l.len() >= 2),
            "{name}: each read logged: {log}"
        );
    }
    Ok(())
}
