//! Issue 16, what the server counts as "received": lateness and a school
//! year's report both rest on when the server first received a record as
//! submitted, not on when it first heard of the record at all. An empty
//! draft synced early and filled in late is late; a record submitted after
//! its year closed (end + `school_year::GRACE_DAYS`) never changes that
//! year's tables.

use super::{contact, now};
use client_core::record::Record;
use client_core::school_year::SchoolYear;
use client_core::vocabulary::ActionTaken;
use client_core::{RecordId, StudentKey, Timestamp};
use fieldlog_tests::{Db, TestServer};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;

/// Moves the receipt of every change the server holds of `record` back by
/// `hours`: as if the phone had synced them that much earlier (the stories
/// run on the real clock).
async fn backdate_receipt(s: &TestServer, record: RecordId, hours: i64) -> anyhow::Result<()> {
    let conn = s.open_database().await?;
    let backend = conn.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "UPDATE changes SET received_at = received_at - $1 WHERE record_id = $2"
        }
        _ => "UPDATE changes SET received_at = received_at - ? WHERE record_id = ?",
    };
    let done = conn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [(hours * 3_600_000).into(), record.0.into()],
        ))
        .await?;
    assert!(done.rows_affected() > 0, "no changes of {record}");
    conn.close().await?;
    Ok(())
}

fn late_reason(json: &Value) -> Option<String> {
    json["flags"]
        .as_array()?
        .iter()
        .find(|f| f["code"] == "late_documentation")?["reason"]
        .as_str()
        .map(String::from)
}

#[tokio::test]
async fn an_early_empty_draft_submitted_late_is_late() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let officer = s.login("sro.martinez").await?;
        let sup = s.login("sgt.alvarez").await?;
        let mut phone = officer.replica(1);
        // Ten days ago the officer opened an empty draft, which synced an
        // hour after the interaction...
        let occurred = now().plus_hours(-240);
        let full = {
            let mut r = contact(officer.user, officer.first_school());
            r.occurred_at = occurred;
            r.ended_at = Some(occurred.plus_minutes(10));
            r
        };
        let empty = Record::draft(full.id, full.school_id, full.officer_id, occurred);
        phone.create(&empty, now())?;
        let report = s.sync(&officer.token, &mut phone).await?;
        assert_eq!(report.refused, vec![], "{name}");
        backdate_receipt(&s, full.id, 239).await?;

        // ...and filled it in and submitted it today, its device claiming
        // it was submitted an hour after.
        let mut r = full.clone();
        r.submit(occurred.plus_hours(1));
        phone.update(&r, None, now())?;
        let report = s.sync(&officer.token, &mut phone).await?;
        assert_eq!(report.refused, vec![], "{name}");

        for who in [&officer, &sup] {
            let (st, json) = s
                .get(Some(&who.token), &format!("/api/v1/incidents/{}", r.id))
                .await?;
            assert_eq!(st, 200, "{name}: {json}");
            let reason = late_reason(&json).unwrap_or_default();
            assert!(
                reason.contains("first received by the server 240 hours")
                    && reason.contains("as submitted")
                    && reason.contains("the device says it was submitted 1 hours after"),
                "{name}: a record submitted ten days late is late: {json}"
            );
        }
    }
    Ok(())
}

/// One search at `at`, submitted now.
fn search(officer: &fieldlog_tests::Session, at: Timestamp) -> Record {
    let mut r = contact(officer.user, officer.first_school());
    r.id = RecordId(uuid::Uuid::now_v7());
    r.occurred_at = at;
    r.ended_at = Some(at.plus_minutes(20));
    r.actions = vec![ActionTaken::SearchPerson];
    r.students[0].key = StudentKey(uuid::Uuid::now_v7());
    super::answered(&mut r);
    r.submit(now());
    r
}

#[tokio::test]
async fn a_record_submitted_after_its_year_closed_changes_nothing() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let analyst = s.login("analyst.district").await?;
        let tok = Some(analyst.token.as_str());
        // The newest year an analyst may ask for: ended, and past the grace
        // in which late records still count (the demo's records reached the
        // server within it).
        let year = SchoolYear::latest_closed(now());
        let asks: Vec<String> = ["school_record", "perceived"]
            .iter()
            .flat_map(|source| {
                ["race_ethnicity", "sex", "english_learner,sex"].map(|by| {
                    format!(
                        "/api/v1/reports/disaggregated?school_year={year}&source={source}&by={by}"
                    )
                })
            })
            .collect();
        let mut before = Vec::new();
        for ask in &asks {
            let (st, v) = s.get(tok, ask).await?;
            assert_eq!(st, 200, "{name} {ask}: {v}");
            assert!(
                v["tables"][0]["published"]["total"]["count"].as_u64() > Some(10),
                "{name}: the demo year has interactions: {v}"
            );
            before.push(v["tables"].clone());
        }

        // Today, months after that year closed, an officer syncs searches
        // that happened in it.
        let officer = s.login("sro.martinez").await?;
        let mut phone = officer.replica(9);
        for day in [30, 120, 200, 300] {
            let at =
                Timestamp::from_millis(year.start().millis() + day * 86_400_000 + 14 * 3_600_000);
            phone.create(&search(&officer, at), now())?;
        }
        let report = s.sync(&officer.token, &mut phone).await?;
        assert_eq!(report.refused, vec![], "{name}");

        // This process keeps the year it answered; another one (or this
        // one restarted) computes it afresh from the rows, which must give
        // the same tables.
        let fresh = s.another().await?;
        for server in [&s, &fresh] {
            for (ask, was) in asks.iter().zip(&before) {
                let (st, v) = server.get(tok, ask).await?;
                assert_eq!(st, 200, "{name} {ask}: {v}");
                assert_eq!(
                    &v["tables"], was,
                    "{name} {ask}: a closed year's tables changed after they were published"
                );
            }
        }
    }
    Ok(())
}

/// Sets `record`'s first receipt as submitted to `at`, in both tables: as if
/// the phone had synced it then.
async fn received_at(s: &TestServer, record: RecordId, at: Timestamp) -> anyhow::Result<()> {
    let conn = s.open_database().await?;
    let id = match conn.get_database_backend() {
        sea_orm::DbBackend::Postgres => format!("'{}'", record.0),
        // SQLite keeps uuids as 16-byte blobs.
        _ => format!("X'{}'", record.0.simple()),
    };
    for table in ["records", "record_students"] {
        conn.execute_unprepared(&format!(
            "UPDATE {table} SET received_submitted_at = {} WHERE record_id = {id}",
            at.millis()
        ))
        .await?;
    }
    conn.close().await?;
    Ok(())
}

/// A search in the newest closed year's last weeks, still on the officer's
/// phone (within the device's window), counted: received before the
/// cutoff. `before` is that year's disability table for school records.
struct Counted {
    s: TestServer,
    analyst: fieldlog_tests::Session,
    officer: fieldlog_tests::Session,
    phone: client_core::replica::Replica,
    r: Record,
    ask: String,
    before: Value,
}

async fn counted_search(db: &Db) -> anyhow::Result<Counted> {
    let s = TestServer::start(db).await?;
    let analyst = s.login("analyst.district").await?;
    let year = SchoolYear::latest_closed(now());
    let ask = format!(
        "/api/v1/reports/disaggregated?school_year={year}&source=school_record&by=disability"
    );
    let officer = s.login("sro.martinez").await?;
    let mut phone = officer.replica(9);
    let at = Timestamp::from_millis(year.end().millis() - 20 * 86_400_000);
    let r = search(&officer, at);
    phone.create(&r, now())?;
    assert_eq!(s.sync(&officer.token, &mut phone).await?.refused, vec![]);
    received_at(&s, r.id, at.plus_hours(2)).await?;
    let (st, before) = s.get(Some(&analyst.token), &ask).await?;
    assert_eq!(st, 200, "{}: {before}", db.name());
    Ok(Counted {
        s,
        analyst,
        officer,
        phone,
        r,
        ask,
        before,
    })
}

/// The officer corrects the school record's disability (Section 504 ->
/// IDEA) and syncs.
async fn correct_disability(c: &mut Counted) -> anyhow::Result<()> {
    let mut amended = c.phone.record(c.r.id)?;
    if let Some(sr) = &mut amended.students[0].school_record {
        sr.disability = Some(client_core::vocabulary::Disability::Idea);
    }
    c.phone
        .update(&amended, Some("wrong plan on file"), now())?;
    let report = c.s.sync(&c.officer.token, &mut c.phone).await?;
    assert_eq!(report.refused, vec![]);
    Ok(())
}

#[tokio::test]
async fn amending_a_counted_record_after_its_year_closed_changes_nothing() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let mut c = counted_search(&db).await?;
        // Today, long after the cutoff, the officer corrects it.
        assert!(
            c.phone.record_ids().contains(&c.r.id),
            "{name}: still on the phone"
        );
        correct_disability(&mut c).await?;
        // Read by a process that has not answered the year yet.
        let (st, after) =
            c.s.another()
                .await?
                .get(Some(&c.analyst.token), &c.ask)
                .await?;
        assert_eq!(st, 200, "{name}: {after}");
        assert_eq!(
            after["tables"], c.before["tables"],
            "{name}: an amendment after the cutoff moved a closed year's table"
        );
        // The record itself is amended.
        let (_, json) =
            c.s.get(
                Some(&c.officer.token),
                &format!("/api/v1/incidents/{}", c.r.id),
            )
            .await?;
        assert_eq!(
            json["students"][0]["school_record"]["disability"], "idea",
            "{json}"
        );
    }
    Ok(())
}

/// Moving a counted record's date out of its closed year and back (two
/// amendments) used to unfreeze its rows: the freeze was judged by the
/// record's date, which the first amendment moved.
#[tokio::test]
async fn moving_a_counted_records_date_does_not_unfreeze_it() -> anyhow::Result<()> {
    for db in Db::all() {
        let name = db.name();
        let mut c = counted_search(&db).await?;
        // Into the open year, then the disability corrected: neither may
        // move the closed year's table.
        let mut moved = c.phone.record(c.r.id)?;
        moved.occurred_at = now().plus_hours(-3);
        moved.ended_at = Some(moved.occurred_at.plus_minutes(20));
        c.phone.update(&moved, Some("wrong date"), now())?;
        let report = c.s.sync(&c.officer.token, &mut c.phone).await?;
        assert_eq!(report.refused, vec![]);
        correct_disability(&mut c).await?;
        let (_, after) =
            c.s.another()
                .await?
                .get(Some(&c.analyst.token), &c.ask)
                .await?;
        assert_eq!(
            after["tables"], c.before["tables"],
            "{name}: a closed year's table moved"
        );
    }
    Ok(())
}
