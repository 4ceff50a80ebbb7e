//! Issue 5's first slice: the supervisor's queue (each inclusion rule, with a
//! record that triggers it and one that does not), its scope, and reviews
//! that are appended, never replaced, and reach the officer read-only.

use super::{contact, now};
use client_core::record::*;
use client_core::vocabulary::*;
use client_core::{Record, RecordId};
use fieldlog_tests::{Db, TestServer};
use serde_json::{Value, json};

/// A submitted record of `base`'s officer in the current period, changed by `f`.
fn submitted(base: &Record, f: impl FnOnce(&mut Record)) -> Record {
    let mut r = base.clone();
    r.id = RecordId(uuid::Uuid::now_v7());
    for s in &mut r.students {
        s.key = client_core::StudentKey(uuid::Uuid::now_v7());
    }
    f(&mut r);
    super::answered(&mut r);
    let at = r.submitted_at.unwrap_or(r.occurred_at.plus_minutes(30));
    r.submit(at);
    r
}

fn custody(directed: bool) -> Custody {
    Custody {
        basis: Some("fight in progress".into()),
        probable_cause: Some("witnessed".into()),
        why_at_school: Some("ongoing danger to others".into()),
        directed_by_administrator: Some(directed),
        removed_from_public_view: Some(RemovedFromView::Yes),
        duration_minutes: Some(30),
        disability_modifications: Some("none needed".into()),
        ..Default::default()
    }
}

fn item(queue: &Value, id: RecordId) -> Option<&Value> {
    queue["items"]
        .as_array()?
        .iter()
        .find(|i| i["id"] == id.to_string())
}

fn flag_codes(item: &Value) -> Vec<String> {
    item["flags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str().map(String::from))
        .collect()
}

#[tokio::test]
async fn the_review_queue_reviews_and_their_scope() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let officer = s.login("sro.martinez").await?;
        let sup = s.login("sgt.alvarez").await?;
        let other_sup = s.login("sgt.brooks").await?;
        let mut phone = officer.replica(1);
        let mut base = contact(officer.user, officer.first_school());
        base.students[0].school_record = None;
        let deesc = vec![DeescalationStep {
            technique: Technique::Verbal,
            at: Some(base.occurred_at),
            note: None,
            effective: Some(false),
        }];

        let routine = submitted(&base, |_| {});
        let arrest = submitted(&base, |r| {
            r.actions = vec![ActionTaken::Arrest];
            r.deescalation = deesc.clone();
            r.custody = Some(custody(false));
        });
        let search = submitted(&base, |r| r.actions = vec![ActionTaken::SearchProperty]);
        let directed = submitted(&base, |r| {
            r.actions = vec![ActionTaken::Detention];
            r.deescalation = deesc.clone();
            r.custody = Some(custody(true));
        });
        // Allowed only with an immediate risk of harm, and flagged even then.
        let undeescalated = submitted(&base, |r| {
            r.actions = vec![ActionTaken::Detention];
            r.custody = Some(Custody {
                immediate_risk: Some("student holding a knife to a classmate".into()),
                ..custody(false)
            });
        });
        let late = submitted(&base, |r| {
            r.occurred_at = now().plus_hours(-100);
            r.ended_at = Some(r.occurred_at.plus_minutes(5));
            r.submitted_at = Some(now());
        });
        let discipline = submitted(&base, |r| {
            r.initiated_by = Some(InitiatedBy::SchoolStaff);
            r.request = Some(StaffRequest {
                staff_role: Some(StaffRole::Teacher),
                reason: Some("student refused to leave class".into()),
                ..Default::default()
            });
            r.category = Some(Category::CodeOfConduct);
            r.actions = vec![ActionTaken::Citation];
            r.deescalation = deesc.clone();
        });
        for r in [
            &routine,
            &arrest,
            &search,
            &directed,
            &undeescalated,
            &late,
            &discipline,
        ] {
            phone
                .create(r, now())
                .map_err(|e| anyhow::anyhow!("{e:?} in {r:?}"))?;
        }
        s.sync(&officer.token, &mut phone).await?;

        let (st, queue) = s.get(Some(&sup.token), "/api/v1/reviews/queue").await?;
        assert_eq!(st, 200, "{name}: {queue}");
        assert!(
            item(&queue, routine.id).is_none(),
            "{name}: a routine contact stays out"
        );
        for (r, why, flag) in [
            (&arrest, "custody", None),
            (&search, "a search", None),
            (
                &directed,
                "administrator-directed custody",
                Some("administrator_directed_custody"),
            ),
            (
                &undeescalated,
                "custody without de-escalation",
                Some("custody_without_deescalation"),
            ),
            (&late, "late documentation", Some("late_documentation")),
            (
                &discipline,
                "involvement in school discipline",
                Some("discipline_involvement"),
            ),
        ] {
            let it = item(&queue, r.id)
                .unwrap_or_else(|| panic!("{name}: {why} puts a record in the queue: {queue}"));
            assert_eq!(it["state"], "in_queue", "{name}: {it}");
            if let Some(code) = flag {
                assert!(
                    flag_codes(it).contains(&code.to_string()),
                    "{name}: {why} flags {code}: {it}"
                );
                let f = it["flags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|f| f["code"] == code)
                    .unwrap();
                assert!(
                    f["reason"].as_str().is_some_and(|x| !x.is_empty()),
                    "{name}: a reason: {f}"
                );
            }
        }
        assert!(
            flag_codes(item(&queue, arrest.id).unwrap()).is_empty(),
            "{name}: complete custody carries no flag"
        );
        // Flagged first.
        let items = queue["items"].as_array().unwrap();
        let first_unflagged = items
            .iter()
            .position(|i| flag_codes(i).is_empty())
            .unwrap_or(items.len());
        assert!(
            items[first_unflagged..]
                .iter()
                .all(|i| flag_codes(i).is_empty()),
            "{name}: flagged first"
        );
        // Nothing identifying in a queue item.
        assert!(
            !queue.to_string().contains("S-55501"),
            "{name}: no student numbers in the queue"
        );

        // Scope: another agency's supervisor never sees these officers.
        let (st, theirs) = s
            .get(Some(&other_sup.token), "/api/v1/reviews/queue")
            .await?;
        assert_eq!(st, 200, "{name}");
        for r in [&arrest, &search, &directed, &late] {
            assert!(
                item(&theirs, r.id).is_none(),
                "{name}: sgt.brooks sees no record of martinez"
            );
        }
        assert!(
            theirs["officers"]
                .as_array()
                .unwrap()
                .iter()
                .all(|o| o["officer_id"] != officer.user.to_string()),
            "{name}: nor martinez's rate"
        );
        // Roles without a queue.
        for (who, want) in [
            ("sro.martinez", 403),
            ("principal.lincoln", 403),
            ("analyst.district", 403),
        ] {
            let t = s.login(who).await?;
            let (st, body) = s.get(Some(&t.token), "/api/v1/reviews/queue").await?;
            assert_eq!(st, want, "{name}: {who}: {body}");
            assert!(body.get("items").is_none(), "{name}: {who} gets no items");
        }
        let (st, _) = s.get(None, "/api/v1/reviews/queue").await?;
        assert_eq!(st, 401, "{name}");
        let (st, body) = s
            .get(Some(&sup.token), "/api/v1/reviews/queue?period=autumn")
            .await?;
        assert_eq!(
            (st, body["error"]["field"].as_str()),
            (422, Some("period")),
            "{name}: {body}"
        );

        // Reviews are appended, never replaced.
        let first = json!({"incident_id": arrest.id, "finding": "training_need", "notes": "discuss alternatives", "follow_up": "refresher by March"});
        let (st, body) = s
            .post_json(Some(&sup.token), "/api/v1/reviews", &first)
            .await?;
        assert_eq!(st, 201, "{name}: {body}");
        let second = json!({"incident_id": arrest.id, "finding": "appropriate", "notes": "after the meeting"});
        let (st, _) = s
            .post_json(Some(&sup.token), "/api/v1/reviews", &second)
            .await?;
        assert_eq!(st, 201, "{name}");
        let (_, view) = s
            .get(
                Some(&officer.token),
                &format!("/api/v1/incidents/{}", arrest.id),
            )
            .await?;
        let findings: Vec<&str> = view["reviews"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["finding"].as_str())
            .collect();
        assert_eq!(
            findings,
            ["training_need", "appropriate"],
            "{name}: both kept, in order"
        );
        let (_, queue) = s.get(Some(&sup.token), "/api/v1/reviews/queue").await?;
        let it = item(&queue, arrest.id).unwrap();
        assert_eq!(
            (
                it["state"].as_str(),
                it["reviews"].as_u64(),
                it["last_finding"].as_str()
            ),
            (Some("reviewed"), Some(2), Some("appropriate")),
            "{name}"
        );
        assert!(queue["progress"]["reviewed"].as_u64() >= Some(1), "{name}");

        // Bad input and the wrong people.
        let (st, body) = s
            .post_json(
                Some(&sup.token),
                "/api/v1/reviews",
                &json!({"incident_id": arrest.id, "finding": "great"}),
            )
            .await?;
        assert_eq!(
            (st, body["error"]["field"].as_str()),
            (422, Some("finding")),
            "{name}: {body}"
        );
        let (st, _) = s
            .post_json(
                Some(&sup.token),
                "/api/v1/reviews",
                &json!({"incident_id": uuid::Uuid::now_v7(), "finding": "appropriate"}),
            )
            .await?;
        assert_eq!(st, 404, "{name}: an unknown record");
        let (st, body) = s
            .post_json(Some(&other_sup.token), "/api/v1/reviews", &first)
            .await?;
        assert!(
            st == 403 || st == 404,
            "{name}: another agency's supervisor cannot review: {st} {body}"
        );
        let (st, _) = s
            .post_json(Some(&officer.token), "/api/v1/reviews", &first)
            .await?;
        assert_eq!(st, 403, "{name}: an officer cannot review");
        let (_, view) = s
            .get(
                Some(&officer.token),
                &format!("/api/v1/incidents/{}", arrest.id),
            )
            .await?;
        assert_eq!(
            view["reviews"].as_array().map(Vec::len),
            Some(2),
            "{name}: refused reviews left nothing"
        );

        // The review reaches the officer's phone, read-only.
        s.sync(&officer.token, &mut phone).await?;
        let reviews = phone.reviews(arrest.id)?;
        assert_eq!(reviews.reviews.len(), 2, "{name}");
        assert_eq!(reviews.reviews[0].finding, Finding::TrainingNeed, "{name}");
    }
    Ok(())
}

/// Issue 19: the outlier flag belongs to the officer's line. Before, every
/// queued record of patel (the demo's outlier) carried `officer_outlier`,
/// and no item named its officer.
#[tokio::test]
async fn the_outlier_flag_is_on_the_officer_line_and_items_name_their_officer() -> anyhow::Result<()>
{
    let s = TestServer::start(&Db::Sqlite).await?;
    // Patel writes twenty citations this period: well over twice the median.
    let patel = s.login("sro.patel").await?;
    let mut phone = patel.replica(5);
    for _ in 0..20 {
        let mut r = contact(patel.user, patel.first_school());
        r.actions = vec![ActionTaken::Citation];
        r.offense = Some("trespass".into());
        r.deescalation = vec![DeescalationStep {
            technique: Technique::Verbal,
            at: Some(r.occurred_at),
            note: None,
            effective: Some(false),
        }];
        super::answered(&mut r);
        r.submit(now());
        phone.create(&r, now())?;
    }
    s.sync(&patel.token, &mut phone).await?;
    let sup = s.login("sgt.brooks").await?;
    let (status, q) = s.get(Some(&sup.token), "/api/v1/reviews/queue").await?;
    assert_eq!(status, 200, "{q}");
    let lines = q["officers"].as_array().expect("officer lines");
    let patel = lines
        .iter()
        .find(|l| l["username"] == "sro.patel")
        .expect("patel's line");
    assert_eq!(patel["flag"]["code"], "officer_outlier", "{patel}");
    let items = q["items"].as_array().expect("items");
    assert!(!items.is_empty());
    for i in items {
        let codes: Vec<&str> = i["flags"]
            .as_array()
            .expect("flags")
            .iter()
            .filter_map(|f| f["code"].as_str())
            .collect();
        assert!(!codes.contains(&"officer_outlier"), "{i}");
        let officer = lines
            .iter()
            .find(|l| l["officer_id"] == i["officer_id"])
            .expect("the item's officer has a line");
        assert_eq!(i["officer_username"], officer["username"], "{i}");
    }
    Ok(())
}
