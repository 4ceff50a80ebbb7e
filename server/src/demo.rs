//! `server demo`: a district worth looking at. Three schools, every role,
//! and several hundred interactions over two school years, written through
//! the same sync path a phone uses. Roosevelt Middle's staff over-call the
//! SRO for discipline; Officer Okafor's arrest rate stands out.

use crate::auth::{hash_password, random_token};
use crate::store::Store;
use crate::store::directory::new_id;
use crate::sync::{Domain, sync};
use client_core::document::{DocId, Document, RecordDocs, actor_id};
use client_core::record::*;
use client_core::review::{Review, Reviews};
use client_core::sync::{Cursor, DocChanges, PROTOCOL_VERSION, SyncRequest};
use client_core::vocabulary::*;
use client_core::{
    DeviceId, DocKind, Policy, RecordId, ReviewId, SchoolId, StudentKey, Timestamp, UserId,
};

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

/// splitmix64: a fixed seed gives the same district every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    fn uuid(&mut self) -> uuid::Uuid {
        let v = ((self.next() as u128) << 64) | self.next() as u128;
        uuid::Builder::from_random_bytes(v.to_le_bytes()).into_uuid()
    }
}

struct Officer {
    name: &'static str,
    id: UserId,
    schools: Vec<SchoolId>,
    arrest_percent: u64,
}

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
    Ok(logins)
}

fn request(push: Vec<DocChanges>) -> SyncRequest {
    // A cursor past the end: the demo loader does not want anything back.
    SyncRequest {
        version: PROTOCOL_VERSION,
        device: DEVICE,
        cursor: Some(Cursor(u64::MAX >> 1)),
        push,
    }
}

fn interaction(
    rng: &mut Rng,
    o: &Officer,
    school: SchoolId,
    overcalling: bool,
    start: Timestamp,
    now: Timestamp,
) -> Record {
    let span_ms = now.millis() - start.millis() - 7 * 86_400_000;
    // School hours, weekdays: 7:30 to 15:30 local (stored UTC, +5h).
    // A third of the work falls in the last 100 days, so the current review
    // period already has enough to show a queue and an outlier.
    let days = (span_ms / 86_400_000) as u64;
    let day = if rng.chance(33) {
        (days - rng.below(100.min(days))) as i64 - 1
    } else {
        rng.below(days) as i64
    };
    let minute = 12 * 60 + 30 + rng.below(8 * 60) as i64;
    let occurred = Timestamp::from_millis(
        start.millis() - start.millis() % 86_400_000 + day * 86_400_000 + minute * 60_000,
    );
    let mut r = Record::draft(RecordId(rng.uuid()), school, o.id, occurred);
    r.ended_at = Some(occurred.plus_minutes(5 + rng.below(40) as i64));
    r.location = Some(rng.pick(&[
        Location::Hallway,
        Location::Classroom,
        Location::Cafeteria,
        Location::Office,
        Location::Grounds,
        Location::Parking,
        Location::Gym,
    ]));
    let staff_called = rng.chance(if overcalling { 70 } else { 35 });
    r.initiated_by = Some(if staff_called {
        InitiatedBy::SchoolStaff
    } else {
        rng.pick(&[
            InitiatedBy::OfficerSelf,
            InitiatedBy::OfficerSelf,
            InitiatedBy::Student,
            InitiatedBy::Dispatch,
        ])
    });
    let discipline = staff_called && rng.chance(if overcalling { 65 } else { 25 });
    let arrest = !discipline && rng.chance(o.arrest_percent);
    r.category = Some(if discipline {
        Category::CodeOfConduct
    } else if arrest {
        Category::CriminalOffense
    } else {
        rng.pick(&[
            Category::RelationshipBuilding,
            Category::RelationshipBuilding,
            Category::WelfareCheck,
            Category::MentalHealthCrisis,
            Category::SafetyThreat,
            Category::EducationPresentation,
            Category::CriminalOffense,
        ])
    });
    r.would_warrant_911 = Some(
        matches!(
            r.category,
            Some(Category::SafetyThreat | Category::CriminalOffense | Category::MentalHealthCrisis)
        ) && !rng.chance(30),
    );
    if r.category == Some(Category::CriminalOffense) {
        r.offense = Some(
            rng.pick(&["theft", "assault", "vandalism", "possession", "trespass"])
                .into(),
        );
    }
    r.sro_role = Some(if arrest {
        SroRole::LawEnforcementProblemSolver
    } else {
        rng.pick(SroRole::ALL)
    });
    if staff_called {
        r.request = Some(StaffRequest {
            staff_id: Some(format!("staff-{}", rng.below(25))),
            staff_role: Some(rng.pick(&[
                StaffRole::Teacher,
                StaffRole::Teacher,
                StaffRole::Administrator,
                StaffRole::Counselor,
                StaffRole::SupportStaff,
            ])),
            reason: Some(
                if discipline {
                    rng.pick(&[
                        "refused to leave class",
                        "dress code",
                        "phone use in class",
                        "disrespect to teacher",
                        "skipping class",
                    ])
                } else {
                    rng.pick(&[
                        "fight in progress",
                        "student in crisis",
                        "suspected weapon",
                        "threat reported",
                    ])
                }
                .into(),
            ),
            requested_at: Some(occurred),
        });
    }
    let n = 1 + (rng.chance(20) as usize);
    for _ in 0..n {
        let race = rng.pick(Race::ALL);
        let disability = rng.pick(&[
            Disability::None,
            Disability::None,
            Disability::None,
            Disability::Idea,
            Disability::Section504,
        ]);
        r.students.push(Student {
            key: StudentKey(rng.uuid()),
            reference: format!("S-{}", 10_000 + rng.below(90_000)),
            age: Some(11 + rng.below(8) as u8),
            grade: Some(6 + rng.below(7) as u8),
            perceived: Some(Demographics {
                race: vec![race],
                hispanic_latino: Some(rng.chance(25)),
                sex: Some(rng.pick(&[Sex::Female, Sex::Male])),
                disability: Some(Disability::Unknown),
                english_learner: None,
            }),
            school_record: rng.chance(70).then(|| Demographics {
                race: vec![race],
                hispanic_latino: None,
                sex: None,
                disability: Some(disability),
                english_learner: Some(rng.pick(&[
                    EnglishLearner::No,
                    EnglishLearner::No,
                    EnglishLearner::No,
                    EnglishLearner::Yes,
                ])),
            }),
            sogi: None,
        });
        // School records mostly agree with what the officer saw on sex and
        // ethnicity; copied without drawing, so the rest of the district
        // stays as it was.
        if let Some(s) = r.students.last_mut()
            && let (Some(p), Some(rec)) = (&s.perceived, &mut s.school_record)
        {
            rec.sex = p.sex;
            rec.hispanic_latino = p.hispanic_latino;
        }
    }
    let enforcement = if arrest {
        vec![
            ActionTaken::Arrest,
            ActionTaken::MechanicalRestraint,
            ActionTaken::Transport,
        ]
    } else if discipline && rng.chance(if overcalling { 30 } else { 10 }) {
        vec![rng.pick(&[
            ActionTaken::SearchPerson,
            ActionTaken::SearchProperty,
            ActionTaken::Citation,
            ActionTaken::Detention,
        ])]
    } else if discipline {
        vec![rng.pick(&[
            ActionTaken::DeclinedDisciplineMatter,
            ActionTaken::ReferredToAdministrator,
            ActionTaken::Counseled,
        ])]
    } else {
        vec![rng.pick(&[
            ActionTaken::Counseled,
            ActionTaken::Warning,
            ActionTaken::ReferredToCounselor,
            ActionTaken::GuardianContacted,
            ActionTaken::None,
        ])]
    };
    r.actions = enforcement;
    if r.needs_deescalation() && !(arrest && rng.chance(15)) {
        r.deescalation.push(DeescalationStep {
            technique: rng.pick(&[
                Technique::Verbal,
                Technique::TimeAndSpace,
                Technique::OfferedChoices,
            ]),
            at: Some(occurred),
            note: None,
            effective: Some(false),
        });
    }
    if r.has_custody() {
        r.custody = Some(Custody {
            basis: Some("offense observed by the officer".into()),
            probable_cause: Some("witness statements and the officer's observation".into()),
            why_at_school: Some("continuing risk to other students".into()),
            directed_by_administrator: Some(rng.chance(15)),
            removed_from_public_view: Some(rng.pick(RemovedFromView::ALL)),
            duration_minutes: Some(20 + rng.below(60) as u32),
            guardian_notified_at: Some(occurred.plus_minutes(30)),
            disability_modifications: Some("explained each step; allowed a support person".into()),
            immediate_risk: r
                .deescalation
                .is_empty()
                .then(|| "student was assaulting another student".into()),
        });
    }
    if rng.chance(60) {
        r.narrative = Some("Spoke with the student and staff; see actions.".into());
    }
    let hours = if rng.chance(7) {
        80 + rng.below(100) as i64
    } else {
        rng.below(8) as i64
    };
    r.submit(occurred.plus_hours(hours).plus_minutes(20).min(now));
    r
}
