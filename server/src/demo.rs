//! `server demo`: a district worth looking at. Three schools, every role,
//! and several hundred interactions over two school years, written through
//! the same sync path a phone uses. Roosevelt Middle's staff over-call the
//! SRO for discipline; Officer Okafor's arrest rate stands out.

use crate::auth::{hash_password, random_token};
use crate::store::Store;
use crate::store::directory::new_id;
use crate::sync::{Domain, sync};
use client_core::document::{DocId, Document, RecordDocs, actor_id};
use client_core::review::{Review, Reviews};
use client_core::sync::{Cursor, DocChanges, PROTOCOL_VERSION, SyncRequest};
use client_core::vocabulary::*;
use client_core::{DeviceId, DocKind, Policy, ReviewId, SchoolId, Timestamp, UserId};

/// The demo's one password: `FIELDLOG_DEMO_PASSWORD` when set (the tests),
/// else drawn anew, so no two demo districts share a password anyone could
/// read in this source (issue 16, finding 16).
pub fn password() -> String {
    std::env::var("FIELDLOG_DEMO_PASSWORD")
        .ok()
        .filter(|p| crate::credentials::check_password(p, "demo").is_ok())
        .unwrap_or_else(|| {
            // 20 characters of base64url: about 120 bits.
            let t = random_token();
            format!("{}-{}-{}-{}", &t[..5], &t[5..10], &t[10..15], &t[15..20])
        })
}
const DEVICE: DeviceId = DeviceId::from_u128(0xde30);

mod interaction;
use interaction::{Officer, Rng, interaction};

/// Creates the district; returns (username, role, what to look at).
pub async fn create(store: &Store, password: &str) -> anyhow::Result<Vec<(String, Role, String)>> {
    let now_ms = chrono::Utc::now().timestamp_millis();
    let mut rng = Rng(0x5eed_f1e1_d109);
    let hash = hash_password(password)?;
    let mut logins = Vec::new();

    let names = [
        "Lincoln High School",
        "Roosevelt Middle School",
        "Jefferson High School",
    ];
    let mut schools = Vec::new();
    for n in names {
        let id = SchoolId(rng.uuid());
        // The demo district is in the Central time zone.
        let zone = client_core::local_time::Zone::parse("America/Chicago").unwrap_or_default();
        store.add_school(id, n, zone, None, now_ms, None).await?;
        schools.push(id);
    }
    let (lincoln, roosevelt, jefferson) = (schools[0], schools[1], schools[2]);

    let mut add = async |name: &str,
                         role: Role,
                         schools: &[SchoolId],
                         sup: Option<UserId>,
                         note: &str|
           -> anyhow::Result<UserId> {
        let id = UserId(new_id());
        store
            .add_user(id, name, role, &hash, &random_token(), schools, sup, now_ms)
            .await?;
        logins.push((name.to_owned(), role, note.to_owned()));
        Ok(id)
    };
    let alvarez = add(
        "sgt.alvarez",
        Role::Supervisor,
        &[],
        None,
        "supervises martinez and chen",
    )
    .await?;
    let brooks = add(
        "sgt.brooks",
        Role::Supervisor,
        &[],
        None,
        "supervises okafor and patel (the outlier)",
    )
    .await?;
    add(
        "lt.reyes",
        Role::Commander,
        &[],
        None,
        "command staff: complaints from the public",
    )
    .await?;
    let officers = vec![
        Officer {
            name: "sro.martinez",
            id: add(
                "sro.martinez",
                Role::Sro,
                &[lincoln],
                Some(alvarez),
                "Lincoln High",
            )
            .await?,
            schools: vec![lincoln],
            arrest_percent: 3,
        },
        Officer {
            name: "sro.chen",
            id: add(
                "sro.chen",
                Role::Sro,
                &[roosevelt],
                Some(alvarez),
                "Roosevelt Middle (staff over-call)",
            )
            .await?,
            schools: vec![roosevelt],
            arrest_percent: 2,
        },
        Officer {
            name: "sro.okafor",
            id: add(
                "sro.okafor",
                Role::Sro,
                &[jefferson],
                Some(brooks),
                "Jefferson High (arrest rate stands out)",
            )
            .await?,
            schools: vec![jefferson],
            arrest_percent: 22,
        },
        Officer {
            name: "sro.patel",
            id: add(
                "sro.patel",
                Role::Sro,
                &[jefferson, lincoln],
                Some(brooks),
                "Jefferson and Lincoln",
            )
            .await?,
            schools: vec![jefferson, lincoln],
            arrest_percent: 3,
        },
    ];
    add(
        "principal.lincoln",
        Role::SchoolLeader,
        &[lincoln],
        None,
        "Lincoln High",
    )
    .await?;
    add(
        "principal.roosevelt",
        Role::SchoolLeader,
        &[roosevelt],
        None,
        "Roosevelt Middle",
    )
    .await?;
    add(
        "principal.jefferson",
        Role::SchoolLeader,
        &[jefferson],
        None,
        "Jefferson High",
    )
    .await?;
    add(
        "analyst.district",
        Role::Analyst,
        &[],
        None,
        "disaggregated reports",
    )
    .await?;
    add("auditor.district", Role::Auditor, &[], None, "access log").await?;
    add(
        "admin.district",
        Role::Admin,
        &[],
        None,
        "the district's users and schools",
    )
    .await?;
    let agency_admin = add(
        "admin.agency",
        Role::Admin,
        &[],
        None,
        "the police department's officers and supervisors",
    )
    .await?;

    let policy = Policy::federal_default();
    let domain = Domain {
        store,
        policy: &policy,
    };
    let now = Timestamp::from_millis(now_ms);
    let start = now.plus_hours(-24 * 470);
    let mut reviewable = Vec::new();
    for o in &officers {
        let actor = store.actor(o.id, Role::Sro).await?;
        let mut push = Vec::new();
        for _ in 0..120 {
            let school = rng.pick(&o.schools);
            let r = interaction(&mut rng, o, school, school == roosevelt, start, now);
            if r.actions.iter().any(|a| a.is_reviewable())
                && r.occurred_at < now.plus_hours(-24 * 120)
            {
                reviewable.push((r.id, r.officer_id));
            }
            // The record reaches the server when the officer submits it
            // (lateness rests on the server's time of receipt), and not
            // before the times it records (an end, a guardian's call).
            let arrived = r
                .submitted_at
                .unwrap_or(now)
                .max(r.occurred_at.plus_hours(1))
                .min(now);
            let mut docs = RecordDocs::create(&r, actor_id(o.id, DEVICE), arrived)?;
            let mut changes = Vec::new();
            for d in [Some(&mut docs.account), docs.restricted.as_mut()]
                .into_iter()
                .flatten()
            {
                changes.push(DocChanges::since(d, 0, &[]));
            }
            push.push((arrived, changes));
        }
        push.sort_by_key(|(arrived, _)| *arrived);
        for (arrived, batch) in push {
            let outcome = sync(domain, &actor, request(batch), arrived).await?;
            if let Some(r) = outcome.response.refused.first() {
                anyhow::bail!(
                    "demo record refused for {}: {} ({:?})",
                    o.name,
                    r.reason,
                    r.field
                );
            }
        }
    }
    // Supervisors have reviewed part of the older queue.
    for (i, (record, officer)) in reviewable.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        let sup = if officers.iter().take(2).any(|o| o.id == *officer) {
            alvarez
        } else {
            brooks
        };
        let actor = store.actor(sup, Role::Supervisor).await?;
        let id = DocId {
            record: *record,
            kind: DocKind::Review,
        };
        let mut doc = Document::new(id, actor_id(sup, DEVICE));
        let finding = [
            Finding::Appropriate,
            Finding::Appropriate,
            Finding::TrainingNeed,
            Finding::PolicyConcern,
        ][i % 4];
        // Reviewed a month ago: the review reached the server then, and a
        // review is dated when it reaches the server.
        let at = now.plus_hours(-24 * 30);
        let reviews = Reviews {
            reviews: vec![Review {
                id: ReviewId(rng.uuid()),
                finding,
                notes: Some("Reviewed with the SRO and the school administrator.".into()),
                follow_up: (finding != Finding::Appropriate)
                    .then(|| "De-escalation refresher before next term.".into()),
                by: sup,
                at,
            }],
        };
        doc.write(&reviews, at)?;
        let changes = doc.change_bytes_since(&[]);
        let outcome = sync(
            domain,
            &actor,
            request(vec![DocChanges {
                doc: id,
                generation: 0,
                changes,
            }]),
            at,
        )
        .await?;
        if let Some(r) = outcome.response.refused.first() {
            anyhow::bail!("demo review refused: {}", r.reason);
        }
    }
    store
        .settle_organizations(("Demo Police Department", "Demo Unified School District"))
        .await?;
    // An admin of either kind settles into the district; the department
    // has its own.
    if let Some(agency) = store
        .organizations()
        .await?
        .into_iter()
        .find(|o| o.kind == client_core::directory::OrgKind::Agency)
    {
        store.set_organization(agency_admin, agency.id).await?;
    }
    // The demo signs in with passwords alone, so that anyone can try every
    // role at once; a real organisation requires a second factor of every
    // desk role until its admin says otherwise (README).
    let now = chrono::Utc::now().timestamp_millis();
    store.set_mfa_roles(None, &[], None, now, None).await?;
    for org in store.organizations().await? {
        store
            .set_mfa_roles(Some(org.id), &[], None, now, None)
            .await?;
    }
    Ok(logins)
}

fn request(push: Vec<DocChanges>) -> SyncRequest {
    // A cursor past the end: the demo loader does not want anything back.
    SyncRequest {
        version: PROTOCOL_VERSION,
        device: DEVICE,
        cursor: Some(Cursor::END),
        push,
    }
}
