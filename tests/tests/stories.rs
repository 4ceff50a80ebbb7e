//! End-to-end stories against the real server over HTTP, on SQLite and (when
//! FIELDLOG_TEST_POSTGRES is set) on PostgreSQL. One binary; each story starts
//! its own server on a fresh database with the demo district.

#[path = "stories/accounts.rs"]
mod accounts;
#[path = "stories/activity.rs"]
mod activity;
#[path = "stories/admin.rs"]
mod admin;
#[path = "stories/agreements.rs"]
mod agreements;
#[path = "stories/assessment.rs"]
mod assessment;
#[path = "stories/audit.rs"]
mod audit;
#[path = "stories/audit_query.rs"]
mod audit_query;
#[path = "stories/backup.rs"]
mod backup;
#[path = "stories/complaint_abuse.rs"]
mod complaint_abuse;
#[path = "stories/complaints.rs"]
mod complaints;
#[path = "stories/disclosure.rs"]
mod disclosure;
#[path = "stories/faults.rs"]
mod faults;
#[path = "stories/history.rs"]
mod history;
#[path = "stories/integrity.rs"]
mod integrity;
#[path = "stories/matrix.rs"]
mod matrix;
#[path = "stories/matrix_identity.rs"]
mod matrix_identity;
#[path = "stories/mfa.rs"]
mod mfa;
#[path = "stories/mfa_required.rs"]
mod mfa_required;
#[path = "stories/oidc.rs"]
mod oidc;
#[path = "stories/overcalling.rs"]
mod overcalling;
#[path = "stories/partition_ops.rs"]
mod partition_ops;
#[path = "stories/policy_reads.rs"]
mod policy_reads;
#[path = "stories/public_form.rs"]
mod public_form;
#[path = "stories/reach.rs"]
mod reach;
#[path = "stories/redaction.rs"]
mod redaction;
#[path = "stories/report.rs"]
mod report;
#[path = "stories/report_differencing.rs"]
mod report_differencing;
#[path = "stories/retention.rs"]
mod retention;
#[path = "stories/review.rs"]
mod review;
#[path = "stories/robustness.rs"]
mod robustness;
#[path = "stories/rules_versions.rs"]
mod rules_versions;
#[path = "stories/sessions.rs"]
mod sessions;
#[path = "stories/sign_in.rs"]
mod sign_in;
#[path = "stories/static_assets.rs"]
mod static_assets;
#[path = "stories/time_zones.rs"]
mod time_zones;
#[path = "stories/training.rs"]
mod training;
#[path = "stories/transparency.rs"]
mod transparency;
#[path = "stories/transport.rs"]
mod transport;
#[path = "stories/year_freeze.rs"]
mod year_freeze;

use client_core::document::DocId;
use client_core::record::*;
use client_core::replica::SyncStatus;
use client_core::sync::RefusalCode;
use client_core::vocabulary::*;
use client_core::{DocKind, Record, RecordId, ReviewId, SchoolId, StudentKey, Timestamp, UserId};
use fieldlog_tests::{Db, TestServer};

/// The id of the first school in a `/me` answer whose name has `name`.
pub fn school_id(me: &serde_json::Value, name: &str) -> String {
    me["schools"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|x| x["name"].as_str().is_some_and(|n| n.contains(name)))
        .and_then(|x| x["id"].as_str())
        .unwrap_or_default()
        .to_owned()
}

pub fn now() -> Timestamp {
    Timestamp::from_millis(chrono::Utc::now().timestamp_millis())
}

/// A complete routine contact by `officer` at `school`, an hour ago, as a draft.
pub fn contact(officer: UserId, school: SchoolId) -> Record {
    let at = now().plus_hours(-1);
    let mut r = Record::draft(RecordId(uuid::Uuid::now_v7()), school, officer, at);
    r.ended_at = Some(at.plus_minutes(10));
    r.location = Some(Location::Hallway);
    r.initiated_by = Some(InitiatedBy::OfficerSelf);
    r.category = Some(Category::RelationshipBuilding);
    r.would_warrant_911 = Some(false);
    r.sro_role = Some(SroRole::InformalCounselor);
    r.actions = vec![ActionTaken::Counseled];
    r.students = vec![Student {
        key: StudentKey(uuid::Uuid::now_v7()),
        reference: "S-55501".into(),
        age: Some(15),
        grade: Some(10),
        perceived: Some(Demographics {
            race: vec![Race::Asian],
            sex: Some(Sex::Male),
            ..Default::default()
        }),
        school_record: Some(Demographics {
            disability: Some(Disability::Section504),
            english_learner: Some(EnglishLearner::Yes),
            ..Default::default()
        }),
        sogi: None,
    }];
    r
}

/// Completes `r` under the current rules (`rules::version::CURRENT`) for
/// the actions it lists, as a careful officer would, keeping whatever the
/// story set: the offense coded; the legal basis of each search and
/// seizure; for custody (a frisk is custody now), how long, the guardian
/// told and whether the student was questioned, and, where the story wrote
/// no custody at all (a search it counts), the justification, de-escalation
/// first and any disability modifications; charges; transport out of
/// peers' view; for a late entry, why. A story that writes custody keeps
/// what it left out (a flag it tests).
pub fn answered(r: &mut Record) {
    let said = || Some("as the officer observed and wrote it".to_owned());
    if r.category == Some(Category::CriminalOffense) {
        r.offense_code
            .get_or_insert(client_core::offense::OffenseCode::Other);
        r.offense_severity
            .get_or_insert(client_core::offense::Severity::Misdemeanor);
    }
    let designed = r.custody.is_some();
    if !designed && r.needs_deescalation() && r.deescalation.is_empty() {
        // No times: a story may move the record's date.
        r.deescalation.push(DeescalationStep {
            technique: Technique::Verbal,
            at: None,
            note: None,
            effective: Some(false),
        });
    }
    let basis = Some(LegalBasis::ReasonableSuspicion);
    if r.actions.iter().any(|a| a.is_search_or_seizure()) {
        r.search_basis = Some(SearchBasis {
            search_person: basis,
            search_property: basis,
            seizure: basis,
        });
    }
    if r.has_custody() {
        let c = r.custody.get_or_insert_with(Default::default);
        for text in [&mut c.basis, &mut c.probable_cause, &mut c.why_at_school] {
            if text.is_none() {
                *text = said();
            }
        }
        if !designed {
            c.disability_modifications = said();
            c.guardian_not_notified_reason =
                Some("no parent or guardian could be reached that day".into());
        }
        c.directed_by_administrator.get_or_insert(false);
        c.removed_from_public_view
            .get_or_insert(RemovedFromView::Yes);
        c.duration_minutes.get_or_insert(30);
        if c.guardian_not_notified_reason.is_none() {
            c.guardian_notified_at
                .get_or_insert(r.occurred_at.plus_minutes(20));
        }
        r.interrogation.get_or_insert(Interrogation {
            questioned: false,
            ..Default::default()
        });
    }
    if r.actions.contains(&ActionTaken::Transport) {
        r.transport_out_of_view = Some(RemovedFromView::Yes);
    }
    if r.actions.iter().any(|a| a.may_charge()) {
        r.charges.get_or_insert(Charges {
            filed: true,
            court: Some(CourtInvolvement::Pending),
        });
    }
    let end = r.ended_at.unwrap_or(r.occurred_at);
    let late = end.plus_hours(client_core::rules::limits::LATE_ENTRY_HOURS);
    if r.submitted_at.unwrap_or(now()) > late && r.late_reason.is_none() {
        r.late_reason = Some("written up after a court day".into());
    }
}

#[tokio::test]
async fn two_devices_of_one_officer_edit_offline_and_converge() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let mut phone = officer.replica(1);
        let mut tablet = officer.replica(2);
        let r = contact(officer.user, officer.first_school());
        phone.create(&r, now())?;
        s.sync(&officer.token, &mut phone).await?;
        s.sync(&officer.token, &mut tablet).await?;
        assert_eq!(tablet.record(r.id)?, r, "{}", db.name());

        // Offline, each device changes a different field.
        let mut a = r.clone();
        a.narrative = Some("talked about the game".into());
        phone.update(&a, None, now())?;
        let mut b = r.clone();
        b.location = Some(Location::Gym);
        tablet.update(&b, None, now())?;

        s.sync(&officer.token, &mut phone).await?;
        s.sync(&officer.token, &mut tablet).await?;
        s.sync(&officer.token, &mut phone).await?;
        let (pa, ta) = (phone.record(r.id)?, tablet.record(r.id)?);
        assert_eq!(pa, ta, "{}", db.name());
        assert_eq!(pa.narrative.as_deref(), Some("talked about the game"));
        assert_eq!(pa.location, Some(Location::Gym));
        assert_eq!(phone.status(r.id), SyncStatus::Synced);

        let (status, json) = s
            .get(Some(&officer.token), &format!("/api/v1/incidents/{}", r.id))
            .await?;
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["location"], "gym");
        assert_eq!(json["narrative"], "talked about the game");
        assert_eq!(
            json["students"][0]["school_record"]["english_learner"],
            "yes"
        );
    }
    Ok(())
}

fn review(by: UserId, finding: Finding) -> client_core::review::Review {
    client_core::review::Review {
        id: ReviewId(uuid::Uuid::now_v7()),
        finding,
        notes: Some("met with the SRO and the assistant principal".into()),
        follow_up: None,
        by,
        at: now(),
    }
}

#[tokio::test]
async fn a_supervisors_review_reaches_the_officer_and_the_restricted_part_never_reaches_the_supervisor()
-> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let sup = s.login("sgt.alvarez").await?;
        let mut phone = officer.replica(1);
        let mut r = contact(officer.user, officer.first_school());
        r.submit(now());
        phone.create(&r, now())?;
        s.sync(&officer.token, &mut phone).await?;

        let mut desk = sup.replica(7);
        let report = s.sync(&sup.token, &mut desk).await?;
        let kinds: Vec<DocKind> = report
            .received
            .iter()
            .filter(|d| d.record == r.id)
            .map(|d| d.kind)
            .collect();
        assert_eq!(
            kinds,
            vec![DocKind::Account],
            "{}: the supervisor receives only the account",
            db.name()
        );
        assert!(
            report
                .received
                .iter()
                .all(|d| d.kind != DocKind::Restricted),
            "{}",
            db.name()
        );
        let seen = desk.record(r.id)?;
        assert_eq!(seen.students[0].school_record, None);
        assert_eq!(seen.students[0].perceived, r.students[0].perceived);

        desk.add_review(r.id, review(sup.user, Finding::Appropriate), now())?;
        let report = s.sync(&sup.token, &mut desk).await?;
        assert_eq!(report.refused, vec![], "{}", db.name());

        s.sync(&officer.token, &mut phone).await?;
        let reviews = phone.reviews(r.id)?;
        assert_eq!(reviews.reviews.len(), 1, "{}", db.name());
        assert_eq!(reviews.reviews[0].finding, Finding::Appropriate);

        // The officer may read the review but not write one.
        phone.add_review(r.id, review(officer.user, Finding::Appropriate), now())?;
        let report = s.sync(&officer.token, &mut phone).await?;
        assert_eq!(report.refused.len(), 1, "{}", db.name());
        assert_eq!(report.refused[0].code, RefusalCode::Forbidden);

        // A review cannot be rewritten, only added to.
        let mut tampered = desk.reviews(r.id)?;
        tampered.reviews[0].finding = Finding::PolicyConcern;
        let doc = desk
            .document(&DocId {
                record: r.id,
                kind: DocKind::Review,
            })
            .expect("review doc");
        doc.write(&tampered, now())?;
        let report = s.sync(&sup.token, &mut desk).await?;
        assert_eq!(report.refused.len(), 1, "{}", db.name());
        assert_eq!(report.refused[0].code, RefusalCode::Invalid);
        let (_, json) = s
            .get(Some(&officer.token), &format!("/api/v1/incidents/{}", r.id))
            .await?;
        assert_eq!(
            json["reviews"][0]["finding"],
            "appropriate",
            "{}",
            db.name()
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_school_leader_sees_the_redacted_view_of_their_school_only() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let mut phone = officer.replica(1);
        let mut r = contact(officer.user, officer.first_school());
        r.narrative = Some("names the student Jordan".into());
        // Submitted: a leader never sees a draft (`history::a_school_leader_reads_no_draft`).
        r.submit(now());
        phone.create(&r, now())?;
        s.sync(&officer.token, &mut phone).await?;

        let leader = s.login("principal.lincoln").await?;
        let (status, json) = s
            .get(Some(&leader.token), &format!("/api/v1/incidents/{}", r.id))
            .await?;
        assert_eq!(status, 200, "{}: {json}", db.name());
        let text = json.to_string();
        for hidden in ["S-55501", "perceived", "school_record", "Jordan", "\"age\""] {
            assert!(!text.contains(hidden), "{}: {hidden} in {text}", db.name());
        }
        assert_eq!(json["students"][0]["ref"], "student-1");

        let other = s.login("principal.jefferson").await?;
        let (status, json) = s
            .get(Some(&other.token), &format!("/api/v1/incidents/{}", r.id))
            .await?;
        assert_eq!(status, 404, "{}", db.name());
        assert!(!json.to_string().contains("S-55501"));
    }
    Ok(())
}

#[tokio::test]
async fn nothing_identifying_reaches_the_server_logs() -> anyhow::Result<()> {
    let s = TestServer::start(&Db::Sqlite).await?;
    let officer = s.login("sro.martinez").await?;
    let mut phone = officer.replica(1);
    let mut r = contact(officer.user, officer.first_school());
    r.students[0].reference = "CANARY-REF-7731".into();
    r.narrative = Some("CANARY-NARRATIVE-7731".into());
    r.students[0].sogi = Some(Sogi {
        self_reported: true,
        sexual_orientation: Some("CANARY-SOGI-7731".into()),
        gender_identity: None,
    });
    phone.create(&r, now())?;
    s.sync(&officer.token, &mut phone).await?;
    let body = serde_json::to_value(contact(officer.user, officer.first_school()))?;
    let mut bad = body.clone();
    bad["narrative"] = "CANARY-NARRATIVE-7731".into();
    bad["location"] = "CANARY-ENUM-7731".into();
    s.post_json(Some(&officer.token), "/api/v1/incidents", &bad)
        .await?;
    s.get(Some(&officer.token), &format!("/api/v1/incidents/{}", r.id))
        .await?;
    let sup = s.login("sgt.alvarez").await?;
    s.get(Some(&sup.token), &format!("/api/v1/incidents/{}", r.id))
        .await?;
    let mut sup_phone = sup.replica(2);
    s.sync(&sup.token, &mut sup_phone).await?;
    // The access log records the reads, naming the student entries by key.
    let auditor = s.login("auditor.district").await?;
    let (_, log) = s.get(Some(&auditor.token), "/api/v1/audit").await?;
    let reads: Vec<&serde_json::Value> = log
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["event"] == "read_record" && e["record"] == r.id.to_string())
        .collect();
    assert_eq!(
        reads.len(),
        2,
        "the officer's and the supervisor's reads: {log}"
    );
    let entry = format!("{}/{}", r.id, r.students[0].key);
    assert_eq!(reads[0]["student_refs"], serde_json::json!([entry]));
    // A sync pull that delivers the record names the same entry.
    let pulls: Vec<&serde_json::Value> = log
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            e["event"] == "sync_pull"
                && e["record"] == r.id.to_string()
                && e["user"] == sup.user.to_string()
        })
        .collect();
    assert!(!pulls.is_empty(), "the supervisor's pull is logged: {log}");
    for p in pulls {
        assert_eq!(p["student_refs"], serde_json::json!([entry]), "{p}");
    }
    assert!(
        !log.to_string().contains("CANARY"),
        "the access log holds no student number"
    );
    let logs = s.logs();
    assert!(logs.contains("request"), "the test reads real logs: {logs}");
    for canary in [
        "CANARY",
        "S-55501",
        &officer.token,
        &officer.refresh,
        fieldlog_tests::PASSWORD,
        "Section504",
        "section_504",
    ] {
        assert!(
            !logs.contains(canary),
            "{canary} found in the server's logs"
        );
    }
    Ok(())
}

#[tokio::test]
async fn the_report_projection_keeps_sources_apart() -> anyhow::Result<()> {
    use sea_orm::{ConnectionTrait, Database, Statement};
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let mut phone = officer.replica(1);
        let r = contact(officer.user, officer.first_school());
        phone.create(&r, now())?;
        s.sync(&officer.token, &mut phone).await?;

        let url = s.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=ro",
                s.data_dir.join("fieldlog.db").display()
            )
        });
        let conn = Database::connect(&url).await?;
        let backend = conn.get_database_backend();
        let rows = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT * FROM record_students ORDER BY source".to_owned(),
            ))
            .await?;
        let text = |row: &sea_orm::QueryResult, col: &str| {
            row.try_get::<Option<String>>("", col).ok().flatten()
        };
        let mine: Vec<[Option<String>; 5]> = rows
            .iter()
            .filter(|row| row.try_get::<uuid::Uuid>("", "record_id").ok() == Some(r.id.0))
            .map(|row| {
                ["source", "race", "sex", "disability", "english_learner"].map(|c| text(row, c))
            })
            .collect();
        assert_eq!(mine.len(), 2, "{}: one row per source: {mine:?}", db.name());
        assert_eq!(mine[0][0].as_deref(), Some("perceived"));
        assert_eq!(mine[0][1].as_deref(), Some("[\"asian\"]"));
        assert_eq!(
            mine[0][3],
            None,
            "{}: perceived and school-record values never mix",
            db.name()
        );
        assert_eq!(mine[1][0].as_deref(), Some("school_record"));
        assert_eq!(mine[1][2], None);
        assert_eq!(mine[1][3].as_deref(), Some("section_504"));
        assert_eq!(mine[1][4].as_deref(), Some("yes"));
        assert!(
            rows.len() > 400,
            "{}: the demo's students are projected too",
            db.name()
        );
        conn.close().await?;
    }
    Ok(())
}
#[path = "stories/webhooks.rs"]
mod webhooks;
