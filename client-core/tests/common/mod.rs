//! Shared fixtures: a complete routine contact and a complete custody
//! record, complete under the current rules (`rules::version::CURRENT`).
#![allow(dead_code)]

pub mod push_server;

use client_core::ids::*;
use client_core::record::*;
use client_core::vocabulary::*;
use client_core::{Record, Timestamp};

pub const SCHOOL: SchoolId = SchoolId::from_u128(0x5c);
pub const OTHER_SCHOOL: SchoolId = SchoolId::from_u128(0x5d);
pub const OFFICER: UserId = UserId::from_u128(0x0f1);
pub const OTHER_OFFICER: UserId = UserId::from_u128(0x0f2);
pub const RECORD: RecordId = RecordId::from_u128(0xec0);
pub const STUDENT: StudentKey = StudentKey::from_u128(0x57);

/// 2026-09-14T10:05:00Z
pub fn t0() -> Timestamp {
    Timestamp::parse("2026-09-14T10:05:00Z").expect("fixture time")
}

pub fn student() -> Student {
    Student {
        key: STUDENT,
        reference: "S-20417".into(),
        age: Some(15),
        grade: Some(10),
        perceived: Some(Demographics {
            race: vec![Race::Black],
            hispanic_latino: Some(false),
            sex: Some(Sex::Female),
            disability: Some(Disability::Unknown),
            english_learner: None,
        }),
        school_record: None,
        sogi: None,
    }
}

/// A complete, submitted routine contact: a hallway conversation.
pub fn routine() -> Record {
    let mut r = Record::draft(RECORD, SCHOOL, OFFICER, t0());
    r.ended_at = Some(t0().plus_minutes(5));
    r.location = Some(Location::Hallway);
    r.initiated_by = Some(InitiatedBy::OfficerSelf);
    r.category = Some(Category::RelationshipBuilding);
    r.would_warrant_911 = Some(false);
    r.sro_role = Some(SroRole::InformalCounselor);
    r.students = vec![student()];
    r.actions = vec![ActionTaken::Counseled];
    r.submit(t0().plus_minutes(30));
    r
}

/// A complete, submitted arrest after de-escalation.
pub fn custody() -> Record {
    let mut r = routine();
    r.initiated_by = Some(InitiatedBy::SchoolStaff);
    r.request = Some(StaffRequest {
        staff_id: None,
        staff_role: Some(StaffRole::Administrator),
        reason: Some("fight in the cafeteria".into()),
        requested_at: Some(t0()),
    });
    r.category = Some(Category::CriminalOffense);
    r.offense = Some("assault".into());
    r.offense_code = Some(client_core::offense::OffenseCode::SimpleAssault);
    r.offense_severity = Some(client_core::offense::Severity::Misdemeanor);
    r.would_warrant_911 = Some(true);
    r.sro_role = Some(SroRole::LawEnforcementProblemSolver);
    r.deescalation = vec![DeescalationStep {
        technique: Technique::Verbal,
        at: Some(t0()),
        note: Some("asked to step away".into()),
        effective: Some(false),
    }];
    r.actions = vec![ActionTaken::Arrest, ActionTaken::MechanicalRestraint];
    r.custody = Some(Custody {
        basis: Some("assault in progress".into()),
        probable_cause: Some("witnessed striking another student".into()),
        why_at_school: Some("continuing threat to the other student".into()),
        directed_by_administrator: Some(false),
        removed_from_public_view: Some(RemovedFromView::Yes),
        duration_minutes: Some(40),
        guardian_notified_at: Some(t0().plus_minutes(20)),
        guardian_not_notified_reason: None,
        disability_modifications: None,
        immediate_risk: None,
    });
    r.interrogation = Some(Interrogation {
        questioned: true,
        rights_advised: Some(true),
        guardian_present: Some(true),
    });
    r.charges = Some(Charges {
        filed: true,
        court: Some(CourtInvolvement::Pending),
    });
    r.actions.push(ActionTaken::Transport);
    r.transport_out_of_view = Some(RemovedFromView::Yes);
    r
}

/// A time comfortably after every fixture.
pub fn now() -> Timestamp {
    t0().plus_hours(1)
}

/// A server that accepts every pushed document, answering with its heads for
/// each, the cursor and the retention window given.
pub fn accept_all_within(request: &[u8], cursor: u64, retain_from: Option<i64>) -> Vec<u8> {
    use client_core::sync::*;
    let req = SyncRequest::decode(request, usize::MAX).expect("a request");
    let accepted = req
        .push
        .iter()
        .map(|d| {
            let mut doc = automerge::AutoCommit::new();
            doc.apply_changes(parse_changes(&d.changes).expect("changes"))
                .expect("applies");
            Accepted {
                doc: d.doc,
                heads: wire_hashes(&doc.get_heads()),
            }
        })
        .collect();
    SyncResponse {
        version: PROTOCOL_VERSION,
        cursor: Cursor(cursor),
        accepted,
        refused: vec![],
        pull: vec![],
        more: false,
        retain_from,
    }
    .encode()
}
