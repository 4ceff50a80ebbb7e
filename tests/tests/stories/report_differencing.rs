//! Issue 16, finding 1: re-identification by differencing. Two report
//! answers with `to` one second apart moved a total by one, and eight such
//! answers described an arrested student. Reports now cover whole, ended
//! school years only; a range is refused by name; the two orders of a
//! two-way table withhold the same cells; every run's parameters are in the
//! access log; and the attacker, holding every answer the server gives for
//! a year at once (so any two of them), recovers no withheld number.

use super::{contact, now};
use client_core::record::*;
use client_core::report::Published;
use client_core::school_year::SchoolYear;
use client_core::vocabulary::*;
use client_core::{RecordId, StudentKey, Timestamp};
use fieldlog_tests::attack::{Labelled, Recovered, WITHIN, recover_joint_with};
use fieldlog_tests::{Db, TestServer};
use serde_json::Value;

const DIMENSIONS: [&str; 6] = [
    "race_ethnicity",
    "sex",
    "age_band",
    "disability",
    "english_learner",
    "offense",
];

/// One search of a student the school's records describe unusually, at `at`.
fn search(officer: &fieldlog_tests::Session, at: Timestamp) -> client_core::Record {
    let mut r = contact(officer.user, officer.first_school());
    r.id = RecordId(uuid::Uuid::now_v7());
    r.occurred_at = at;
    r.ended_at = Some(at.plus_minutes(20));
    r.actions = vec![ActionTaken::SearchPerson];
    r.students[0].key = StudentKey(uuid::Uuid::now_v7());
    r.students[0].age = Some(17);
    r.students[0].school_record = Some(Demographics {
        race: vec![Race::NativeHawaiianPacificIslander],
        sex: Some(Sex::Male),
        disability: Some(Disability::Idea),
        english_learner: Some(EnglishLearner::Yes),
        ..Default::default()
    });
    super::answered(&mut r);
    r.submit(now());
    r
}

fn total(v: &Value, measure: &str) -> Option<u64> {
    v["tables"]
        .as_array()?
        .iter()
        .find(|t| t["measure"] == measure)?["published"]["total"]["count"]
        .as_u64()
}

#[tokio::test]
async fn two_report_requests_a_second_apart_reveal_nothing() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let analyst = s.login("analyst.district").await?;
        let tok = Some(analyst.token.as_str());
        let officer = s.login("sro.martinez").await?;
        let year = SchoolYear::latest_closed(now());
        // Mid-year, a school afternoon.
        let at = Timestamp::from_millis(year.start().millis() + 200 * 86_400_000 + 14 * 3_600_000);
        let mut phone = officer.replica(16);
        phone.create(&search(&officer, at), now())?;
        s.sync(&officer.token, &mut phone).await?;

        // The attack as found: the same report up to `at` and up to one
        // second later. Before the fix both answered 200 and the search
        // total moved by one; now a range is refused, naming the field.
        let ask = |to: Timestamp| {
            format!("/api/v1/reports/disaggregated?from=2020-01-01&to={to}&outcome=search")
        };
        let (sa, a) = s.get(tok, &ask(at)).await?;
        let (sb, b) = s
            .get(tok, &ask(Timestamp::from_millis(at.millis() + 1000)))
            .await?;
        if sa == 200 && sb == 200 {
            assert_eq!(
                a["tables"],
                b["tables"],
                "{name}: two answers a second apart differ (searches {:?} then {:?})",
                total(&a, "search"),
                total(&b, "search")
            );
        }
        for (st, v) in [(sa, &a), (sb, &b)] {
            assert_eq!(st, 422, "{name}: {v}");
            assert_eq!(v["error"]["field"], "from", "{name}: {v}");
        }
        let (st, v) = s
            .get(tok, &format!("/api/v1/reports/disaggregated?to={at}"))
            .await?;
        assert_eq!((st, &v["error"]["field"]), (422, &"to".into()), "{name}");

        // A whole, ended school year is answered, and says which.
        let (st, v) = s
            .get(
                tok,
                &format!("/api/v1/reports/disaggregated?school_year={year}&outcome=search"),
            )
            .await?;
        assert_eq!(st, 200, "{name}: {v}");
        assert_eq!(v["school_year"], year.to_string());
        assert_eq!(v["from"], year.start().to_string());
        assert_eq!(v["to"], year.end().to_string());
        // The default is the same year.
        let (_, d) = s
            .get(tok, "/api/v1/reports/disaggregated?outcome=search")
            .await?;
        assert_eq!(d["tables"], v["tables"], "{name}: default year");
        // A year not yet ended, or misspelt, is refused by name.
        let current = SchoolYear::of(now());
        for bad in [current.to_string(), "2025-2026".into(), "last".into()] {
            let (st, v) = s
                .get(
                    tok,
                    &format!("/api/v1/reports/disaggregated?school_year={bad}"),
                )
                .await?;
            assert_eq!(st, 422, "{name} {bad}: {v}");
            assert_eq!(v["error"]["field"], "school_year", "{name} {bad}");
        }

        // The run's parameters are in the access log, and nothing else.
        let auditor = s.login("auditor.district").await?;
        let (_, log) = s.get(Some(&auditor.token), "/api/v1/audit").await?;
        let entries: Vec<&Value> = log["entries"]
            .as_array()
            .or(log.as_array())
            .into_iter()
            .flatten()
            .filter(|e| e["event"] == "report")
            .collect();
        let want =
            format!("school_year={year}&source=school_record&by=race_ethnicity&outcome=search");
        let run = entries
            .iter()
            .find(|e| e["endpoint"].as_str().is_some_and(|x| x.contains(&want)))
            .unwrap_or_else(|| panic!("{name}: no report entry with {want}: {entries:?}"));
        assert_eq!(run["student_refs"], serde_json::json!([]), "{name}");
        assert_eq!(
            run["fields"],
            serde_json::json!(["race_ethnicity"]),
            "{name}"
        );
    }
    Ok(())
}

/// Every table of one answer, labelled for the attacker.
fn labelled(v: &Value, scope: &str) -> Vec<Labelled> {
    let strings = |x: &Value| -> Vec<String> {
        x.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(String::from))
            .collect()
    };
    let by = strings(&v["by"]);
    v["tables"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let published: Published =
                serde_json::from_value(t["published"].clone()).expect("a published table");
            Labelled {
                published,
                scope: scope.to_string(),
                measure: t["measure"].as_str().unwrap_or_default().to_string(),
                rows: (by[0].clone(), strings(&v["rows"])),
                cols: by.get(1).map(|d| (d.clone(), strings(&v["cols"]))),
            }
        })
        .collect()
}

/// Every answer the server gives for the newest ended school year: both
/// sources, every one- and two-way breakdown in both orders (the `outcome`
/// parameter only picks among the same tables), labelled for the attacker.
async fn every_answer(s: &TestServer, name: &str) -> anyhow::Result<Vec<Labelled>> {
    let analyst = s.login("analyst.district").await?;
    let tok = Some(analyst.token.as_str());
    let year = SchoolYear::latest_closed(now());
    let mut bys: Vec<String> = DIMENSIONS.iter().map(|d| d.to_string()).collect();
    for a in DIMENSIONS {
        for b in DIMENSIONS {
            if a != b {
                bys.push(format!("{a},{b}"));
            }
        }
    }
    let mut answers: Vec<Labelled> = Vec::new();
    let mut withheld = 0;
    for source in ["school_record", "perceived"] {
        for by in &bys {
            let (st, v) = s
                .get(
                    tok,
                    &format!(
                        "/api/v1/reports/disaggregated?school_year={year}&by={by}&source={source}"
                    ),
                )
                .await?;
            assert_eq!(st, 200, "{name} {source} {by}: {v}");
            for t in labelled(&v, source) {
                withheld += t
                    .published
                    .cells
                    .iter()
                    .flatten()
                    .filter(|c| c.suppressed)
                    .count();
                answers.push(t);
            }
        }
    }
    // The cost of suppression, for the record: cells withheld over every
    // answer of the year (each table's interior and totals cells).
    eprintln!(
        "{name}: {withheld} cells withheld over {} tables",
        answers.len()
    );
    assert!(
        withheld > 100,
        "{name}: the demo year has small cells to protect ({withheld})"
    );
    Ok(answers)
}

/// Per outcome, every answer's tables of it at once (and, when `bounded`,
/// the interactions tables and those of the outcome it is within too, with
/// "an outcome never exceeds the interactions of its group, nor an arrest
/// its referrals"). Unbounded, any two answers give the attacker a subset
/// of these constraints, so nothing recovered means nothing recovered from
/// any pair. Bounded, it is weaker than one answer, which holds every
/// measure: no family holds two sibling outcomes (a search and an arrest
/// both floor the interactions) or a referral with its arrests. The
/// property test in `tests/suppression.rs` attacks all its measures at once.
fn attack(answers: &[Labelled], bounded: bool) -> Vec<(String, Vec<Recovered>)> {
    let measures: std::collections::BTreeSet<&String> = answers
        .iter()
        .map(|t| &t.measure)
        .filter(|m| *m != "interactions")
        .collect();
    let mut out = Vec::new();
    for m in measures {
        // Bounded: with the interactions, and the outcome it is within.
        let bound = |t: &str| t == "interactions" || WITHIN.iter().any(|(o, p)| o == m && *p == t);
        let family: Vec<Labelled> = answers
            .iter()
            .filter(|t| &t.measure == m || (bounded && bound(&t.measure)))
            .cloned()
            .collect();
        let found = recover_joint_with(&family, bounded);
        if !found.is_empty() {
            out.push((m.clone(), found));
        }
    }
    out
}

#[tokio::test]
async fn no_two_allowed_report_answers_together_reveal_a_withheld_number() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let answers = every_answer(&s, name).await?;
        let found = attack(&answers, false);
        assert!(found.is_empty(), "{name}: recovered {found:?}");
    }
    Ok(())
}

/// The same attacker also knowing that an outcome never exceeds the
/// interactions of its group. Before the year's tables were suppressed as
/// one family it pinned the school-record English-learner arrests (2 and
/// 11): the one-way table withheld "unknown" as the small cell's partner,
/// but every student without a school record is "unknown" in every
/// dimension, and the sex table published its "unknown", the same number
/// (in English learner x sex that row and that column meet only each
/// other). The margins of all the year's tables are now suppressed
/// together (`client_core::report::Year`).
#[tokio::test]
async fn no_allowed_answers_reveal_a_withheld_number_even_bounded_by_interactions()
-> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let answers = every_answer(&s, name).await?;
        let found = attack(&answers, true);
        assert!(found.is_empty(), "{name}: recovered {found:?}");
    }
    Ok(())
}

/// Finding 13: the over-calling view with a two-minute window showed a
/// supervisor single incidents of officers they do not supervise. The view
/// now covers whole, ended months; anything finer is refused by name.
#[tokio::test]
async fn the_overcalling_view_covers_whole_ended_months_only() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let sup = s.login("sgt.alvarez").await?;
        let tok = Some(sup.token.as_str());
        let month = |t: Timestamp| t.to_datetime().format("%Y-%m-01").to_string();
        let this_month = month(now());
        let last_month = month(now().plus_hours(-24 * 40));
        let ask = |q: String| format!("/api/v1/dashboards/overcalling?{q}");
        // Before the fix every one of these answered 200.
        let noon = now().plus_hours(-24 * 20);
        for (q, field) in [
            (format!("from={noon}&to={}", noon.plus_minutes(2)), "from"),
            (
                format!("from={last_month}&to={}", noon.plus_minutes(2)),
                "to",
            ),
            (format!("from={last_month}&to={}", now()), "to"),
            (format!("from={last_month}&to={last_month}"), "from"),
            // The current month has not ended.
            (
                format!("from={last_month}&to={}", month(now().plus_hours(24 * 40))),
                "to",
            ),
        ] {
            let (st, v) = s.get(tok, &ask(q.clone())).await?;
            assert_eq!(st, 422, "{name} {q}: {v}");
            assert_eq!(v["error"]["field"], field, "{name} {q}: {v}");
        }
        let (st, v) = s
            .get(tok, &ask(format!("from={last_month}&to={this_month}")))
            .await?;
        assert_eq!(st, 200, "{name}: {v}");
        // The default: the twelve months before this one.
        let (st, v) = s.get(tok, &ask(String::new())).await?;
        assert_eq!(st, 200, "{name}: {v}");
        assert_eq!(
            v["to"].as_str().map(|t| t[..10].to_string()),
            Some(this_month.clone()),
            "{name}: {v}"
        );
    }
    Ok(())
}
