//! Issue 5, disaggregated reports: the attacker recovers no suppressed cell
//! from the server's real tables (one- and two-way, every measure, both
//! sources), one-way and two-way tables agree on every total, perceived and
//! school-record demographics are counted apart, CSV and the CRDC shape,
//! whole school years only (issue 16; see `report_differencing.rs`),
//! bad parameters named, and the analyst's runs logged. Also the agency's
//! review calendar and the review meetings.

use super::{contact, now};
use client_core::record::*;
use client_core::report::Published;
use client_core::school_year::SchoolYear;
use client_core::vocabulary::*;
use client_core::{RecordId, StudentKey, Timestamp};
use fieldlog_tests::attack::recover;
use fieldlog_tests::{Db, TestServer};
use serde_json::{Value, json};

fn tables(v: &Value) -> Vec<(String, Published)> {
    v["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| {
            (
                t["measure"].as_str().unwrap_or_default().to_string(),
                serde_json::from_value(t["published"].clone()).expect("a published table"),
            )
        })
        .collect()
}

fn interior_small(p: &Published) -> Vec<u64> {
    p.cells
        .iter()
        .flatten()
        .chain(p.col_totals.iter())
        .chain(p.row_totals.iter().flatten())
        .chain([&p.total])
        .filter_map(|c| c.count)
        .filter(|n| (1..10).contains(n))
        .collect()
}

#[tokio::test]
async fn disaggregated_reports_suppress_so_nothing_can_be_recovered() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let analyst = s.login("analyst.district").await?;
        let tok = Some(analyst.token.as_str());
        // Reports cover whole, ended school years (issue 16).
        let year = SchoolYear::latest_closed(now());
        let range = format!("school_year={year}");
        let mut attacked = 0;
        let mut withheld = 0;
        for source in ["school_record", "perceived"] {
            for by in [
                "race_ethnicity",
                "sex",
                "age_band",
                "disability",
                "english_learner",
                "offense",
                "race_ethnicity,sex",
                "disability,sex",
                "english_learner,sex",
                "age_band,race_ethnicity",
            ] {
                let (st, v) = s
                    .get(
                        tok,
                        &format!("/api/v1/reports/disaggregated?{range}&by={by}&source={source}"),
                    )
                    .await?;
                assert_eq!(st, 200, "{name} {by}: {v}");
                assert_eq!(v["source"], source);
                for (measure, p) in tables(&v) {
                    let small = interior_small(&p);
                    assert!(
                        small.is_empty(),
                        "{name} {source} {by} {measure}: published {small:?}"
                    );
                    let found = recover(&p);
                    assert!(
                        found.is_empty(),
                        "{name} {source} {by} {measure}: recovered {found:?} from {p:?}"
                    );
                    attacked += 1;
                    withheld += p.cells.iter().flatten().filter(|c| c.suppressed).count();
                }
                // A two-way table's totals are the one-way tables' cells,
                // published or withheld alike, so neither unlocks the other.
                if let Some((a, b)) = by.split_once(',') {
                    for (dim, rows) in [(a, true), (b, false)] {
                        let (_, one) = s
                            .get(
                                tok,
                                &format!(
                                    "/api/v1/reports/disaggregated?{range}&by={dim}&source={source}"
                                ),
                            )
                            .await?;
                        for ((m1, p1), (m2, p2)) in tables(&one).iter().zip(tables(&v).iter()) {
                            assert_eq!(m1, m2);
                            let margins = if rows {
                                p2.row_totals.clone().expect("row totals")
                            } else {
                                p2.col_totals.clone()
                            };
                            let cells: Vec<_> = p1.cells.iter().map(|r| r[0]).collect();
                            assert_eq!(cells, margins, "{name} {source} {by} {m1}: {dim} totals");
                            assert_eq!(p1.total, p2.total);
                        }
                    }
                }
            }
        }
        assert!(
            withheld > 50,
            "{name}: the demo district's tables have small cells to protect ({withheld} withheld over {attacked} tables)"
        );

        // Perceived and school-record values are counted apart. Thirteen
        // searches in a quiet school year (the demo district began later):
        // the officer perceived twelve students as Asian and one as Black;
        // the school's records say all thirteen are Hispanic or Latino.
        let officer = s.login("sro.martinez").await?;
        let mut phone = officer.replica(5);
        let quiet = year.previous().previous();
        let start = Timestamp::from_millis(quiet.start().millis() + 100 * 86_400_000);
        for i in 0..13 {
            let mut r = contact(officer.user, officer.first_school());
            r.id = RecordId(uuid::Uuid::now_v7());
            r.occurred_at = start.plus_minutes(i);
            r.ended_at = Some(r.occurred_at.plus_minutes(1));
            r.actions = vec![ActionTaken::SearchPerson];
            super::answered(&mut r);
            r.students[0].key = StudentKey(uuid::Uuid::now_v7());
            r.students[0].perceived = Some(Demographics {
                race: vec![if i == 12 { Race::Black } else { Race::Asian }],
                sex: Some(Sex::Female),
                ..Default::default()
            });
            r.students[0].school_record = Some(Demographics {
                race: vec![Race::White],
                hispanic_latino: Some(true),
                sex: Some(Sex::Female),
                ..Default::default()
            });
            r.submit(now());
            phone.create(&r, now())?;
        }
        s.sync(&officer.token, &mut phone).await?;
        // As if synced that year: a closed year counts only what the server
        // received as submitted by its cutoff (`year_freeze.rs`).
        {
            let conn = s.open_database().await?;
            use sea_orm::ConnectionTrait;
            let (a, b) = (quiet.start().millis(), quiet.end().millis());
            for table in ["records", "record_students"] {
                conn.execute_unprepared(&format!(
                    "UPDATE {table} SET received_submitted_at = occurred_at + 3600000 \
                     WHERE occurred_at >= {a} AND occurred_at < {b}"
                ))
                .await?;
            }
            conn.close().await?;
        }
        let window = format!("school_year={quiet}");
        let row = |v: &Value, measure: &str, cat: &str| -> Option<u64> {
            let i = v["rows"].as_array()?.iter().position(|r| r == cat)?;
            let t = v["tables"]
                .as_array()?
                .iter()
                .find(|t| t["measure"] == measure)?;
            t["published"]["cells"][i][0]["count"].as_u64()
        };
        let (_, school) = s
            .get(tok, &format!("/api/v1/reports/disaggregated?{window}"))
            .await?;
        assert_eq!(
            row(&school, "interactions", "hispanic_latino"),
            Some(13),
            "{name}: {school}"
        );
        assert_eq!(
            row(&school, "search", "hispanic_latino"),
            Some(13),
            "{name}"
        );
        assert_eq!(row(&school, "interactions", "asian"), Some(0), "{name}");
        let (_, seen) = s
            .get(
                tok,
                &format!("/api/v1/reports/disaggregated?{window}&source=perceived"),
            )
            .await?;
        assert_eq!(
            row(&seen, "interactions", "hispanic_latino"),
            Some(0),
            "{name}: {seen}"
        );
        // The lone Black student is suppressed, and so is the twelve that
        // would give it away through the total.
        assert_eq!(row(&seen, "interactions", "black"), None, "{name}: {seen}");
        assert_eq!(row(&seen, "interactions", "asian"), None, "{name}: {seen}");
        assert_eq!(seen["tables"][0]["published"]["total"]["count"], 13);

        // Rows of an older projection (as before migration 5) are re-derived
        // from their documents when the server starts.
        let conn = s.open_database().await?;
        use sea_orm::ConnectionTrait;
        conn.execute_unprepared("UPDATE records SET projection = 0")
            .await?;
        conn.execute_unprepared(
            "UPDATE record_students SET race_ethnicity = NULL, occurred_at = NULL, submitted = FALSE",
        )
        .await?;
        conn.close().await?;
        let s = s.kill_and_restart().await?;
        let (_, again) = s
            .get(
                tok,
                &format!("/api/v1/reports/disaggregated?{window}&source=perceived"),
            )
            .await?;
        assert_eq!(
            again["tables"], seen["tables"],
            "{name}: re-derived at start"
        );

        // CSV: the same numbers, withheld ones empty and marked.
        let resp = s
            .http
            .get(s.url(&format!(
                "/api/v1/reports/disaggregated?{window}&source=perceived&outcome=search"
            )))
            .bearer_auth(&analyst.token)
            .header("accept", "text/csv")
            .send()
            .await?;
        assert_eq!(resp.status(), 200);
        assert!(
            resp.headers()["content-type"]
                .to_str()?
                .starts_with("text/csv")
        );
        let csv = resp.text().await?;
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "measure,race_ethnicity,count,suppressed,rate_per_100"
        );
        assert!(lines.contains(&"search,black,,yes,"), "{name}: {csv}");
        assert!(lines.contains(&"search,total,13,,"), "{name}: {csv}");
        assert!(!csv.contains("interactions,black,1"), "{name}: {csv}");

        // The CRDC shape: by race/ethnicity x sex, IDEA, 504 and EL.
        let resp = s
            .http
            .get(s.url(&format!("/api/v1/reports/disaggregated?{range}&shape=crdc")))
            .bearer_auth(&analyst.token)
            .send()
            .await?;
        assert_eq!(resp.status(), 200);
        let crdc = resp.text().await?;
        let head = crdc.lines().next().unwrap_or_default();
        assert_eq!(head, "measure,group,female,male,nonbinary,unknown,total");
        for group in [
            "referral_to_law_enforcement,race_ethnicity:hispanic_latino,",
            "arrest,idea,",
            "arrest,section_504,",
            "mechanical_restraint,english_learner,",
            "referral_to_law_enforcement,total,",
        ] {
            assert!(crdc.contains(group), "{name}: no {group} in {crdc}");
        }

        // Bad parameters are named.
        for (q, field) in [
            ("by=shoe_size", "by"),
            ("by=sex,sex", "by"),
            ("by=sex,race_ethnicity,age_band", "by"),
            ("source=self_reported", "source"),
            ("outcome=detention", "outcome"),
            ("shape=xlsx", "shape"),
            ("shape=crdc&source=perceived", "source"),
            ("from=yesterday", "from"),
            ("from=2026-01-01&to=2025-01-01", "from"),
            ("to=2026-01-01", "to"),
            ("school_year=2026", "school_year"),
            ("school_year=2999-00", "school_year"),
        ] {
            let (st, v) = s
                .get(tok, &format!("/api/v1/reports/disaggregated?{q}"))
                .await?;
            assert_eq!(st, 422, "{name} {q}: {v}");
            assert_eq!(v["error"]["field"], field, "{name} {q}: {v}");
        }

        // Who ran which breakdown is in the access log.
        let auditor = s.login("auditor.district").await?;
        let (_, log) = s.get(Some(&auditor.token), "/api/v1/audit").await?;
        let runs = log["entries"]
            .as_array()
            .or(log.as_array())
            .into_iter()
            .flatten()
            .filter(|e| e["event"] == "report")
            .count();
        assert!(runs >= 20, "{name}: {runs} report runs logged");
    }
    Ok(())
}

#[tokio::test]
async fn the_agency_sets_its_review_calendar_and_supervisors_record_meetings() -> anyhow::Result<()>
{
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let admin = s.login("admin.district").await?;
        let sup = s.login("sgt.alvarez").await?;
        let (st, v) = s.get(Some(&sup.token), "/api/v1/review-periods").await?;
        assert_eq!(st, 200, "{name}: {v}");
        assert_eq!(
            v["calendar"]["starts"][0]["month"], 2,
            "{name}: the default"
        );
        assert_eq!(v["recent"].as_array().map(Vec::len), Some(4));

        // Three periods a year instead of two.
        let three = json!({"starts": [
            {"month": 3, "day": 1, "name": "spring"},
            {"month": 8, "day": 15, "name": "fall"},
            {"month": 12, "day": 1, "name": "winter"}
        ]});
        let (st, v) = s
            .put_json(Some(&admin.token), "/api/v1/review-periods", &three)
            .await?;
        assert_eq!(st, 200, "{name}: {v}");
        // Another server process on the same database sees it at once.
        let other = s.another().await?;
        let (_, v) = other
            .get(Some(&sup.token), "/api/v1/review-periods")
            .await?;
        assert_eq!(v["calendar"]["starts"].as_array().map(Vec::len), Some(3));
        let current = v["current"]["id"].as_str().unwrap_or_default().to_string();
        let (st, q) = s
            .get(
                Some(&sup.token),
                &format!("/api/v1/reviews/queue?period={current}"),
            )
            .await?;
        assert_eq!(st, 200, "{name}: {q}");
        assert_eq!(q["period"]["id"], current.as_str());
        // A period of the old calendar is no longer one.
        let year = &current[..4];
        let (st, q) = s
            .get(
                Some(&sup.token),
                &format!("/api/v1/reviews/queue?period={year}-nosuch"),
            )
            .await?;
        assert_eq!((st, &q["error"]["field"]), (422, &json!("period")));
        for (bad, why) in [
            (json!({"starts": []}), "empty"),
            (
                json!({"starts": [{"month": 2, "day": 30, "name": "spring"}]}),
                "no such day",
            ),
            (
                json!({"starts": [{"month": 8, "day": 1, "name": "fall"}, {"month": 2, "day": 1, "name": "spring"}]}),
                "out of order",
            ),
            (
                json!({"starts": [{"month": 2, "day": 1, "name": "Spring 1"}]}),
                "name",
            ),
        ] {
            let (st, v) = s
                .put_json(Some(&admin.token), "/api/v1/review-periods", &bad)
                .await?;
            assert_eq!(st, 422, "{name} {why}: {v}");
            assert_eq!(v["error"]["field"], "starts", "{name} {why}");
        }
        let (_, v) = s.get(Some(&sup.token), "/api/v1/review-periods").await?;
        assert_eq!(
            v["calendar"]["starts"].as_array().map(Vec::len),
            Some(3),
            "{name}: a refused calendar changes nothing"
        );

        // The meeting with the SRO and the school administrator.
        let school = sup.me["supervises"][0]["schools"][0]["id"]
            .as_str()
            .map(String::from);
        let martinez = s.login("sro.martinez").await?;
        let school = school.unwrap_or_else(|| martinez.first_school().to_string());
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let meeting = |attendees: Value, held_on: &str| {
            json!({
                "period": current,
                "held_on": held_on,
                "school_id": school,
                "attendees": attendees,
                "notes": "went through the fall arrests"
            })
        };
        let sro = json!({"name": "Officer Martinez", "role": "sro"});
        let principal = json!({"name": "Dr. Reyes", "role": "school_administrator"});
        for (body, field) in [
            (meeting(json!([sro]), &today), "attendees"),
            (meeting(json!([principal]), &today), "attendees"),
            (
                meeting(
                    json!([sro, {"name": " ", "role": "other"}, principal]),
                    &today,
                ),
                "attendees[1].name",
            ),
            (meeting(json!([sro, principal]), "2999-01-01"), "held_on"),
            (meeting(json!([sro, principal]), "last week"), "held_on"),
        ] {
            let (st, v) = s
                .post_json(Some(&sup.token), "/api/v1/reviews/meetings", &body)
                .await?;
            assert_eq!(st, 422, "{name}: {v}");
            assert_eq!(v["error"]["field"], field, "{name}: {v}");
        }
        let (st, m) = s
            .post_json(
                Some(&sup.token),
                "/api/v1/reviews/meetings",
                &meeting(json!([sro, principal]), &today),
            )
            .await?;
        assert_eq!(st, 201, "{name}: {m}");
        let (_, q) = s
            .get(
                Some(&sup.token),
                &format!("/api/v1/reviews/queue?period={current}"),
            )
            .await?;
        assert_eq!(q["meetings"][0]["id"], m["id"], "{name}: {q}");
        assert_eq!(
            q["meetings"][0]["attendees"][1]["role"],
            "school_administrator"
        );
        // Another supervisor's list does not hold it.
        let brooks = s.login("sgt.brooks").await?;
        let (_, theirs) = s
            .get(
                Some(&brooks.token),
                &format!("/api/v1/reviews/meetings?period={current}"),
            )
            .await?;
        assert_eq!(theirs, json!([]), "{name}");
    }
    Ok(())
}
