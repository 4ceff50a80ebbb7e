//! Issue 20, the public transparency page: a closed year's district
//! figures with no sign-in, in the reader's language, as HTML and CSV; every
//! count is the one the analysts' report publishes for the same year (so it
//! is suppressed exactly as theirs is), no count from 1 to 9 appears, the
//! staff requests are what the database holds or withheld, and a year that
//! is not closed is refused.

use super::now;
use super::public_form::page;
use client_core::school_year::SchoolYear;
use fieldlog_tests::{Db, TestServer};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;
use std::collections::HashMap;

/// `(dimension, category, measure)` -> the published count, or `None`.
type Sheet = HashMap<(String, String, String), Option<u64>>;

/// A public page and its content type.
async fn fetch(s: &TestServer, path: &str, lang: &str) -> anyhow::Result<(u16, String, String)> {
    let (status, body, headers) = page(s, path, lang).await?;
    let kind = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Ok((status, kind, body))
}

fn sheet(body: &str, year: &str) -> anyhow::Result<Sheet> {
    let mut out = Sheet::new();
    let mut rows = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(
        rows.headers()?.iter().collect::<Vec<_>>(),
        [
            "school_year",
            "scope",
            "dimension",
            "category",
            "measure",
            "count",
            "suppressed"
        ]
    );
    for row in rows.records() {
        let row = row?;
        assert_eq!(&row[0], year);
        assert_eq!(&row[1], "district");
        let count = row[5].parse::<u64>().ok();
        assert_eq!(count.is_none(), &row[6] == "yes", "{row:?}");
        out.insert((row[2].into(), row[3].into(), row[4].into()), count);
    }
    Ok(out)
}

/// The count of one measure and category in an analyst's one-way report.
fn analysts(v: &Value, measure: &str, category: &str) -> Option<Option<u64>> {
    let i = v["rows"].as_array()?.iter().position(|r| r == category)?;
    let t = v["tables"]
        .as_array()?
        .iter()
        .find(|t| t["measure"] == measure)?;
    Some(t["published"]["cells"][i][0]["count"].as_u64())
}

#[tokio::test]
async fn a_parent_reads_the_years_figures_suppressed_as_the_analysts_are() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let year = SchoolYear::latest_closed(now()).to_string();

        // The address without a year leads to the newest closed one (the
        // client follows the redirect).
        let r = s
            .http
            .get(s.url("/public/transparency?lang=es"))
            .send()
            .await?;
        assert_eq!(r.status().as_u16(), 200, "{name}");
        assert_eq!(
            (r.url().path(), r.url().query()),
            (
                format!("/public/transparency/{year}").as_str(),
                Some("lang=es")
            ),
            "{name}"
        );

        // No sign-in: the CSV, compared with the analyst's report cell by cell.
        let (st, kind, body) = fetch(&s, &format!("/public/transparency/{year}.csv"), "en").await?;
        assert_eq!(st, 200, "{name}: {body}");
        assert!(kind.starts_with("text/csv"), "{name}: {kind}");
        let published = sheet(&body, &year)?;
        let analyst = s.login("analyst.district").await?;
        let mut compared = 0;
        for dim in ["race_ethnicity", "sex", "disability", "english_learner"] {
            let (st, v) = s
                .get(
                    Some(&analyst.token),
                    &format!("/api/v1/reports/disaggregated?school_year={year}&by={dim}"),
                )
                .await?;
            assert_eq!(st, 200, "{name}: {v}");
            for ((d, cat, measure), count) in &published {
                if d != dim {
                    continue;
                }
                let theirs = analysts(&v, measure, cat);
                assert_eq!(theirs, Some(*count), "{name}: {dim} {cat} {measure}");
                compared += 1;
            }
        }
        assert_eq!(
            compared,
            (8 + 4 + 4 + 3) * 6,
            "{name}: every category of every measure"
        );
        let withheld = published.values().filter(|c| c.is_none()).count();
        assert!(
            withheld > 10,
            "{name}: the demo year has small counts to withhold ({withheld})"
        );
        let small: Vec<_> = published
            .iter()
            .filter(|(_, c)| matches!(c, Some(1..=9)))
            .collect();
        assert!(small.is_empty(), "{name}: published {small:?}");

        // The staff requests: what the database holds, or withheld; never
        // a count or a difference from 1 to 9.
        let all = |m: &str| published[&("all".into(), "all".into(), m.into())];
        let total = all("interactions");
        let (requested, not_safety) = (
            all("requested_by_staff"),
            all("requested_not_safety_matter"),
        );
        let conn = s.open_database().await?;
        let y = SchoolYear::parse(&year)?;
        let row = conn
            .query_one_raw(Statement::from_string(
                conn.get_database_backend(),
                format!(
                    "SELECT CAST(COUNT(*) AS BIGINT) AS n, \
                     CAST(SUM(CASE WHEN r.not_safety_matter = TRUE THEN 1 ELSE 0 END) AS BIGINT) AS ns \
                     FROM record_students s JOIN records r ON r.record_id = s.record_id \
                     WHERE s.source = 'school_record' AND s.submitted = TRUE \
                     AND s.occurred_at >= {} AND s.occurred_at < {} AND s.received_submitted_at < {} \
                     AND r.initiated_by = 'school_staff'",
                    y.start().millis(),
                    y.end().millis(),
                    y.cutoff().millis()
                ),
            ))
            .await?
            .expect("a row");
        let held: (i64, Option<i64>) = (row.try_get("", "n")?, row.try_get("", "ns")?);
        let held = (held.0 as u64, held.1.unwrap_or(0) as u64);
        assert!(held.0 > 0, "{name}: the demo's staff ask for the SRO");
        for (shown, real, above) in [(requested, held.0, total), (not_safety, held.1, requested)] {
            if let Some(n) = shown {
                assert_eq!(n, real, "{name}");
                let above = above.expect("a published count's whole is published");
                assert!(!(1..10).contains(&(above - n)), "{name}: {above} - {n}");
            }
        }

        // A closed year never moves: the records' own rows follow later
        // amendments (here, as if every request had been re-answered as
        // the officer's own initiative and a safety matter), and a new
        // process computes the page afresh; the same figures, which two
        // readings could otherwise have been differenced.
        for sql in [
            "UPDATE records SET initiated_by = 'self', not_safety_matter = FALSE",
            "UPDATE records SET initiated_by = 'school_staff' WHERE initiated_by IS NULL",
        ] {
            conn.execute_unprepared(sql).await?;
        }
        conn.close().await?;
        let s = s.kill_and_restart().await?;
        let (st, _, again) = fetch(&s, &format!("/public/transparency/{year}.csv"), "en").await?;
        assert_eq!(st, 200, "{name}");
        assert_eq!(again, body, "{name}: the closed year's figures moved");

        // The page in Spanish, chosen by the browser, and in English by the
        // link; each count is a table cell, published or a dash.
        let (st, kind, es) = fetch(
            &s,
            &format!("/public/transparency/{year}"),
            "es-MX,es;q=0.9",
        )
        .await?;
        assert_eq!(st, 200, "{name}");
        assert!(kind.starts_with("text/html"), "{name}: {kind}");
        assert!(es.contains("<html lang=\"es\""), "{name}");
        assert!(
            es.contains("Los oficiales de recursos escolares en nuestras escuelas"),
            "{name}"
        );
        assert!(es.contains("Negro o afroamericano"), "{name}");
        let cells: Vec<&str> = es
            .split("data-count=\"")
            .skip(1)
            .filter_map(|c| c.split('"').next())
            .collect();
        assert_eq!(cells.len(), 3 + 5 + (8 + 4 + 4 + 3) * 6, "{name}");
        for c in &cells {
            let ok = *c == "withheld" || c.parse::<u64>().is_ok_and(|n| n == 0 || n >= 10);
            assert!(ok, "{name}: a count of {c} on the page");
        }
        let (_, _, en) =
            fetch(&s, &format!("/public/transparency/{year}?lang=en-US"), "es").await?;
        assert!(en.contains("Black or African American"), "{name}");

        // A year not yet closed, or not a year: a page saying so, or for
        // the CSV the field named.
        let next = SchoolYear::of(now()).to_string();
        let (st, _, page) = fetch(&s, &format!("/public/transparency/{next}"), "en").await?;
        assert_eq!(st, 404, "{name}");
        assert!(
            page.contains("There are no figures for that year yet"),
            "{name}"
        );
        let (st, _, body) = fetch(&s, &format!("/public/transparency/{next}.csv"), "en").await?;
        assert_eq!(st, 404, "{name}: {body}");
        let v: Value = serde_json::from_str(&body)?;
        assert_eq!(v["error"]["code"], "not_found", "{name}: {v}");
        // Only the five newest closed years: each is computed once and
        // kept, and a visitor cycling through every year since 1970 could
        // push the analysts' years out of that cache.
        let mut old = SchoolYear::latest_closed(now());
        for _ in 0..5 {
            old = old.previous();
        }
        for path in [
            format!("/public/transparency/{old}"),
            format!("/public/transparency/{old}.csv"),
            "/public/transparency/1970-71".into(),
            "/public/transparency/nonsense".into(),
        ] {
            let (st, _, _) = fetch(&s, &path, "en").await?;
            assert_eq!(st, 404, "{name}: {path}");
        }
        let oldest = (0..4).fold(SchoolYear::latest_closed(now()), |y, _| y.previous());
        let r = s
            .http
            .get(s.url(&format!("/public/transparency/{oldest}")))
            .send()
            .await?;
        assert_eq!(r.status().as_u16(), 200, "{name}: {oldest} is listed");
        // The words follow Accept-Language: a shared cache keeps them apart.
        assert_eq!(
            r.headers().get("vary").and_then(|v| v.to_str().ok()),
            Some("Accept-Language"),
            "{name}"
        );
    }
    Ok(())
}
