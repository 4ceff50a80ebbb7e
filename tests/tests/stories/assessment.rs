//! Issue 21, the annual program assessment (003 p10): command staff and the
//! district's analysts read their organisation's closed school year; each
//! count is what the database holds or withheld, never 1 to threshold - 1;
//! it is kept as first made, so a later review or meeting moves nothing; the
//! download carries the same numbers and the transparency tables; every
//! other role is refused, and so is a year that is not over.

use super::now;
use client_core::school_year::SchoolYear;
use fieldlog_tests::{Db, TestServer};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;

async fn count(s: &TestServer, sql: String) -> anyhow::Result<u64> {
    let conn = s.open_database().await?;
    let row = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row"))?;
    Ok(row.try_get::<i64>("", "n")? as u64)
}

/// A published table's rows as (name, count) and its total.
fn table(t: &Value) -> (Vec<(String, Option<u64>)>, Option<u64>) {
    let rows = t["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r[0].as_str().unwrap_or_default().to_owned(),
                r[1]["count"].as_u64(),
            )
        })
        .collect();
    (rows, t["total"]["count"].as_u64())
}

#[tokio::test]
async fn the_annual_assessment_counts_a_closed_year_once_and_for_the_right_people()
-> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let s = TestServer::start(&db).await?;
        let year = SchoolYear::latest_closed(now());
        let path = format!("/api/v1/assessments/{year}");
        let commander = s.login("lt.reyes").await?;
        let (st, first) = s.get(Some(&commander.token), &path).await?;
        anyhow::ensure!(st == 200, "{name}: {st} {first}");
        let a = &first["assessment"];
        let threshold = a["threshold"].as_u64().unwrap_or(0);
        anyhow::ensure!(threshold >= 5, "{name}: {a}");
        for key in ["reviews", "complaints", "other_filings", "training"] {
            let (rows, total) = table(&a[key]);
            let published: Vec<u64> = rows.iter().filter_map(|(_, c)| *c).chain(total).collect();
            anyhow::ensure!(
                published.iter().all(|n| *n == 0 || *n >= threshold),
                "{name}: {key} publishes a small count: {rows:?} {total:?}"
            );
            if let (Some(total), true) = (total, rows.iter().all(|(_, c)| c.is_some())) {
                let sum: u64 = rows.iter().filter_map(|(_, c)| *c).sum();
                anyhow::ensure!(sum == total, "{name}: {key} adds up");
            }
        }
        // The reviews' total is what the database holds: the agency's
        // officers' submitted records of the year that needed review.
        let (from, to) = (year.start().millis(), year.end().millis());
        let due = count(
            &s,
            format!(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM records r JOIN users u ON u.id = r.officer_id \
                 WHERE r.needs_review = TRUE AND r.status = 'submitted' AND u.role = 'sro' \
                 AND r.occurred_at >= {from} AND r.occurred_at < {to}"
            ),
        )
        .await?;
        anyhow::ensure!(
            due >= threshold,
            "{name}: the demo year holds reviews ({due})"
        );
        let (_, total) = table(&a["reviews"]);
        anyhow::ensure!(total == Some(due), "{name}: {total:?} of {due}");
        let meetings: u64 = a["meetings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["held"].as_u64())
            .sum();
        let held = count(
            &s,
            format!(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM review_meetings \
                 WHERE held_on >= '{}' AND held_on < '{}'",
                &year.start().to_string()[..10],
                &year.end().to_string()[..10]
            ),
        )
        .await?;
        anyhow::ensure!(meetings == held, "{name}: meetings {meetings} of {held}");

        // Kept as first made: a review meeting recorded later, held in the
        // closed year, moves nothing, whichever process answers.
        let sup = s.login("sgt.alvarez").await?;
        let (_, periods) = s.get(Some(&sup.token), "/api/v1/review-periods").await?;
        let martinez = s.login("sro.martinez").await?;
        let late = serde_json::json!({
            "period": periods["current"]["id"],
            "held_on": &year.start().plus_hours(24 * 10).to_string()[..10],
            "school_id": martinez.first_school(),
            "attendees": [
                {"name": "Officer Martinez", "role": "sro"},
                {"name": "Dr. Reyes", "role": "school_administrator"}
            ],
        });
        let (st, b) = s
            .post_json(Some(&sup.token), "/api/v1/reviews/meetings", &late)
            .await?;
        anyhow::ensure!(st == 201, "{name}: {st} {b}");
        let (_, recount) = s.get(Some(&commander.token), &path).await?;
        anyhow::ensure!(recount == first, "{name}: the assessment moved: {recount}");
        let other = s.another().await?;
        let (st, second) = other.get(Some(&commander.token), &path).await?;
        anyhow::ensure!(
            st == 200 && second == first,
            "{name}: the assessment moved: {second}"
        );

        // The download: the same numbers, and the year's transparency tables.
        let r = fieldlog_tests::http_client()
            .get(s.url(&format!("{path}?format=csv")))
            .bearer_auth(&commander.token)
            .send()
            .await?;
        anyhow::ensure!(r.status() == 200, "{name}: csv {}", r.status());
        let body = r.text().await?;
        let mut csv = csv::Reader::from_reader(body.as_bytes());
        let mut reviews_total = None;
        let mut transparency = 0;
        for row in csv.records() {
            let row = row?;
            if &row[1] == "reviews" && &row[2] == "total" {
                reviews_total = row[3].parse::<u64>().ok();
            }
            if row[1].starts_with("transparency:") {
                transparency += 1;
            }
        }
        anyhow::ensure!(reviews_total == Some(due), "{name}: csv {reviews_total:?}");
        anyhow::ensure!(
            transparency > 20,
            "{name}: {transparency} transparency lines"
        );

        // The district's analyst reads the district's; every other role
        // is refused; a year not over and a bad format are named.
        let analyst = s.login("analyst.district").await?;
        let (st, d) = s.get(Some(&analyst.token), &path).await?;
        anyhow::ensure!(
            st == 200 && d["organization_id"] != first["organization_id"],
            "{name}: {st} {d}"
        );
        for who in [
            "sro.martinez",
            "sgt.alvarez",
            "principal.lincoln",
            "admin.agency",
            "auditor.district",
        ] {
            let caller = s.login(who).await?;
            let (st, _) = s.get(Some(&caller.token), &path).await?;
            anyhow::ensure!(st == 403, "{name}: {who} got {st}");
        }
        let (st, _) = s.get(None, &path).await?;
        anyhow::ensure!(st == 401, "{name}: anonymous got {st}");
        let open = SchoolYear::of(now());
        for (p, field) in [
            (format!("/api/v1/assessments/{open}"), "school_year"),
            ("/api/v1/assessments/next-year".to_owned(), "school_year"),
            (format!("{path}?format=xlsx"), "format"),
        ] {
            let (st, b) = s.get(Some(&commander.token), &p).await?;
            anyhow::ensure!(
                st == 422 && b["error"]["field"] == field,
                "{name}: {p}: {st} {b}"
            );
        }
        // Each read is on the access log, with the year.
        let auditor = s.login("auditor.district").await?;
        let (_, log) = s
            .get(Some(&auditor.token), "/api/v1/audit?event=read_assessment")
            .await?;
        let logged = log["items"]
            .as_array()
            .or(log.as_array())
            .into_iter()
            .flatten()
            .filter(|e| {
                e["purpose"]
                    .as_str()
                    .is_some_and(|p| p.contains(&format!("school_year={year}")))
            })
            .count();
        anyhow::ensure!(logged >= 3, "{name}: {logged} reads logged: {log}");
    }
    Ok(())
}
