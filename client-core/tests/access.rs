//! The access policy as a table: every role x own/other school x own/other
//! officer x every action, written out from DOMAIN.md section 3. Changing the
//! default policy without changing this table fails here.

mod common;
use client_core::access::*;
use client_core::period::PeriodCalendar;
use client_core::record::*;
use client_core::view::redact;
use client_core::vocabulary::*;
use client_core::{Role, UserId};
use common::*;

const ACTOR: UserId = UserId::from_u128(0xac);

/// Cells: own school & own officer, own school & other officer, other school &
/// own officer, other school & other officer. "Own officer" means the record's
/// author is the actor *and* an officer the actor supervises, so that no role
/// gains access through a relation its grants do not name.
/// A = allow, F = forbidden (403), H = hidden (404).
const TABLE: &[(Role, &[(Action, &str)])] = {
    use Action::*;
    &[
        (
            Role::Sro,
            &[
                (CreateRecord, "AAFH"),
                (ReadRecord, "AHAH"),
                (ListRecords, "AAAA"),
                (SyncReadAccount, "AHAH"),
                (SyncWriteAccount, "AHAH"),
                (SyncReadRestricted, "AHAH"),
                (SyncWriteRestricted, "AHAH"),
                (SyncReadReview, "AHAH"),
                (SyncWriteReview, "FHFH"),
                (WriteReview, "FHFH"),
                (RunReviewQueue, "FFFF"),
                (ReadOvercalling, "FFFF"),
                (ReadReport, "FFFF"),
                (ConfigureReviewPeriods, "FFFF"),
                (RecordReviewMeeting, "FFFF"),
                (ReadAuditLog, "FFFF"),
                (ManageDirectory, "FFFF"),
                (RedactRecord, "AHAH"),
                (ManageComplaints, "FFFF"),
                (InvestigateComplaints, "FFFF"),
                (ReadTraining, "AFAF"),
                (RecordTraining, "FFFF"),
                (ManageWebhooks, "FFFF"),
                (ManageAgreements, "FFFF"),
                (ReadAssessment, "FFFF"),
            ],
        ),
        (
            Role::Supervisor,
            &[
                (CreateRecord, "FHFH"),
                (ReadRecord, "AHAH"),
                (ListRecords, "AAAA"),
                (SyncReadAccount, "AHAH"),
                (SyncWriteAccount, "FHFH"),
                (SyncReadRestricted, "FHFH"),
                (SyncWriteRestricted, "FHFH"),
                (SyncReadReview, "AHAH"),
                (SyncWriteReview, "AHAH"),
                (WriteReview, "AHAH"),
                (RunReviewQueue, "AAAA"),
                (ReadOvercalling, "AAAA"),
                (ReadReport, "FFFF"),
                (ConfigureReviewPeriods, "FFFF"),
                (RecordReviewMeeting, "AAAA"),
                (ReadAuditLog, "FFFF"),
                (ManageDirectory, "FFFF"),
                (RedactRecord, "FHFH"),
                (ManageComplaints, "FFFF"),
                (InvestigateComplaints, "AAAA"),
                (ReadTraining, "AFAF"),
                (RecordTraining, "AFAF"),
                (ManageWebhooks, "FFFF"),
                (ManageAgreements, "FFFF"),
                (ReadAssessment, "FFFF"),
            ],
        ),
        (
            Role::SchoolLeader,
            &[
                (CreateRecord, "FFHH"),
                (ReadRecord, "AAHH"),
                (ListRecords, "AAAA"),
                (SyncReadAccount, "FFHH"),
                (SyncWriteAccount, "FFHH"),
                (SyncReadRestricted, "FFHH"),
                (SyncWriteRestricted, "FFHH"),
                (SyncReadReview, "FFHH"),
                (SyncWriteReview, "FFHH"),
                (WriteReview, "FFHH"),
                (RunReviewQueue, "FFFF"),
                (ReadOvercalling, "AAAA"),
                (ReadReport, "FFFF"),
                (ConfigureReviewPeriods, "FFFF"),
                (RecordReviewMeeting, "FFFF"),
                (ReadAuditLog, "FFFF"),
                (ManageDirectory, "FFFF"),
                (RedactRecord, "FFHH"),
                (ManageComplaints, "FFFF"),
                (InvestigateComplaints, "FFFF"),
                (ReadTraining, "FFFF"),
                (RecordTraining, "FFFF"),
                (ManageWebhooks, "FFFF"),
                (ManageAgreements, "FFFF"),
                (ReadAssessment, "FFFF"),
            ],
        ),
        (
            Role::Analyst,
            &[
                (CreateRecord, "HHHH"),
                (ReadRecord, "HHHH"),
                (ListRecords, "FFFF"),
                (SyncReadAccount, "HHHH"),
                (SyncWriteAccount, "HHHH"),
                (SyncReadRestricted, "HHHH"),
                (SyncWriteRestricted, "HHHH"),
                (SyncReadReview, "HHHH"),
                (SyncWriteReview, "HHHH"),
                (WriteReview, "HHHH"),
                (RunReviewQueue, "FFFF"),
                (ReadOvercalling, "FFFF"),
                (ReadReport, "AAAA"),
                (ConfigureReviewPeriods, "FFFF"),
                (RecordReviewMeeting, "FFFF"),
                (ReadAuditLog, "FFFF"),
                (ManageDirectory, "FFFF"),
                (RedactRecord, "HHHH"),
                (ManageComplaints, "FFFF"),
                (InvestigateComplaints, "FFFF"),
                (ReadTraining, "FFFF"),
                (RecordTraining, "FFFF"),
                (ManageWebhooks, "FFFF"),
                (ManageAgreements, "FFFF"),
                (ReadAssessment, "AAAA"),
            ],
        ),
        (
            Role::Admin,
            &[
                (CreateRecord, "HHHH"),
                (ReadRecord, "HHHH"),
                (ListRecords, "FFFF"),
                (SyncReadAccount, "HHHH"),
                (SyncWriteAccount, "HHHH"),
                (SyncReadRestricted, "HHHH"),
                (SyncWriteRestricted, "HHHH"),
                (SyncReadReview, "HHHH"),
                (SyncWriteReview, "HHHH"),
                (WriteReview, "HHHH"),
                (RunReviewQueue, "FFFF"),
                (ReadOvercalling, "FFFF"),
                (ReadReport, "FFFF"),
                (ConfigureReviewPeriods, "AAAA"),
                (RecordReviewMeeting, "FFFF"),
                (ReadAuditLog, "FFFF"),
                (ManageDirectory, "AAAA"),
                (RedactRecord, "AAAA"),
                (ManageComplaints, "FFFF"),
                (InvestigateComplaints, "FFFF"),
                (ReadTraining, "AAAA"),
                (RecordTraining, "AAAA"),
                (ManageWebhooks, "AAAA"),
                (ManageAgreements, "AAAA"),
                (ReadAssessment, "FFFF"),
            ],
        ),
        (
            Role::Auditor,
            &[
                (CreateRecord, "HHHH"),
                (ReadRecord, "HHHH"),
                (ListRecords, "FFFF"),
                (SyncReadAccount, "HHHH"),
                (SyncWriteAccount, "HHHH"),
                (SyncReadRestricted, "HHHH"),
                (SyncWriteRestricted, "HHHH"),
                (SyncReadReview, "HHHH"),
                (SyncWriteReview, "HHHH"),
                (WriteReview, "HHHH"),
                (RunReviewQueue, "FFFF"),
                (ReadOvercalling, "FFFF"),
                (ReadReport, "FFFF"),
                (ConfigureReviewPeriods, "FFFF"),
                (RecordReviewMeeting, "FFFF"),
                (ReadAuditLog, "AAAA"),
                (ManageDirectory, "FFFF"),
                (RedactRecord, "HHHH"),
                (ManageComplaints, "FFFF"),
                (InvestigateComplaints, "FFFF"),
                (ReadTraining, "FFFF"),
                (RecordTraining, "FFFF"),
                (ManageWebhooks, "FFFF"),
                (ManageAgreements, "FFFF"),
                (ReadAssessment, "FFFF"),
            ],
        ),
        (
            Role::Commander,
            &[
                (CreateRecord, "HHHH"),
                (ReadRecord, "HHHH"),
                (ListRecords, "FFFF"),
                (SyncReadAccount, "HHHH"),
                (SyncWriteAccount, "HHHH"),
                (SyncReadRestricted, "HHHH"),
                (SyncWriteRestricted, "HHHH"),
                (SyncReadReview, "HHHH"),
                (SyncWriteReview, "HHHH"),
                (WriteReview, "HHHH"),
                (RunReviewQueue, "FFFF"),
                (ReadOvercalling, "FFFF"),
                (ReadReport, "FFFF"),
                (ConfigureReviewPeriods, "FFFF"),
                (RecordReviewMeeting, "FFFF"),
                (ReadAuditLog, "FFFF"),
                (ManageDirectory, "FFFF"),
                (RedactRecord, "HHHH"),
                (ManageComplaints, "AAAA"),
                (InvestigateComplaints, "AAAA"),
                (ReadTraining, "AAAA"),
                (RecordTraining, "FFFF"),
                (ManageWebhooks, "FFFF"),
                (ManageAgreements, "FFFF"),
                (ReadAssessment, "AAAA"),
            ],
        ),
    ]
};

fn actor(role: Role) -> Actor {
    Actor {
        user: ACTOR,
        role,
        schools: vec![SCHOOL],
        supervises: vec![ACTOR],
    }
}

fn cells() -> [RecordFacts; 4] {
    [
        RecordFacts {
            officer: ACTOR,
            school: SCHOOL,
        },
        RecordFacts {
            officer: OTHER_OFFICER,
            school: SCHOOL,
        },
        RecordFacts {
            officer: ACTOR,
            school: OTHER_SCHOOL,
        },
        RecordFacts {
            officer: OTHER_OFFICER,
            school: OTHER_SCHOOL,
        },
    ]
}

fn letter(d: Decision) -> char {
    match d {
        Decision::Allow => 'A',
        Decision::Forbidden => 'F',
        Decision::Hidden => 'H',
    }
}

#[test]
fn the_default_policy_matches_the_table_in_every_cell() {
    let policy = Policy::federal_default();
    assert_eq!(TABLE.len(), Role::ALL.len(), "every role has a row");
    let mut mismatches = Vec::new();
    for (role, row) in TABLE {
        assert_eq!(
            row.len(),
            Action::ALL.len(),
            "{role}: every action has a cell"
        );
        for (action, want) in row.iter() {
            let got: String = cells()
                .iter()
                .map(|f| letter(policy.decide(&actor(*role), Some(f), *action)))
                .collect();
            if got != *want {
                mismatches.push(format!("{role} {action}: want {want}, got {got}"));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn each_role_reads_records_through_its_own_view() {
    let policy = Policy::federal_default();
    let want = [
        (Role::Sro, [Some(View::Full), None, Some(View::Full), None]),
        (
            Role::Supervisor,
            [Some(View::Supervisor), None, Some(View::Supervisor), None],
        ),
        (
            Role::SchoolLeader,
            [
                Some(View::Pseudonymised),
                Some(View::Pseudonymised),
                None,
                None,
            ],
        ),
        (Role::Analyst, [None; 4]),
        (Role::Admin, [None; 4]),
        (Role::Auditor, [None; 4]),
    ];
    for (role, views) in want {
        for (facts, view) in cells().iter().zip(views) {
            assert_eq!(policy.view(&actor(role), facts), view, "{role} {facts:?}");
        }
    }
}

#[test]
fn only_the_author_receives_the_restricted_document() {
    let policy = Policy::federal_default();
    let own = cells()[0];
    assert_eq!(
        policy.readable_docs(&actor(Role::Sro), &own),
        vec![DocKind::Account, DocKind::Restricted, DocKind::Review]
    );
    assert_eq!(
        policy.readable_docs(&actor(Role::Supervisor), &own),
        vec![DocKind::Account, DocKind::Review]
    );
    for role in [
        Role::SchoolLeader,
        Role::Analyst,
        Role::Admin,
        Role::Auditor,
    ] {
        assert_eq!(policy.readable_docs(&actor(role), &own), vec![], "{role}");
    }
}

#[test]
fn the_policy_is_data_an_agency_can_change() {
    let policy = Policy::federal_default();
    let json = serde_json::to_string(&policy).unwrap();
    let mut mou: Policy = serde_json::from_str(&json).unwrap();
    assert_eq!(mou, policy);
    // An agency whose MOU keeps school leaders out of record rows entirely.
    mou.grants
        .retain(|g| !(g.role == Role::SchoolLeader && g.action == Action::ReadRecord));
    let facts = cells()[0];
    assert_eq!(
        mou.decide(&actor(Role::SchoolLeader), Some(&facts), Action::ReadRecord),
        Decision::Hidden
    );
    assert_eq!(mou.scopes(Role::SchoolLeader, Action::ReadRecord), vec![]);
    assert_eq!(
        policy.scopes(Role::SchoolLeader, Action::ReadRecord),
        vec![Scope::AssignedSchool]
    );
}

fn sensitive_record() -> Record {
    let mut r = custody();
    r.narrative = Some("NARRATIVE-CANARY".into());
    r.students[0].school_record = Some(Demographics {
        disability: Some(Disability::Idea),
        english_learner: Some(EnglishLearner::Yes),
        ..Default::default()
    });
    r.students[0].sogi = Some(Sogi {
        self_reported: true,
        sexual_orientation: Some("SOGI-CANARY".into()),
        gender_identity: None,
    });
    r
}

#[test]
fn each_view_shows_only_what_its_role_may_see() {
    let r = sensitive_record();
    let cal = PeriodCalendar::default();
    let json = |v| serde_json::to_value(redact(&r, &[], v, &cal, now())).unwrap();

    let full = json(View::Full);
    assert_eq!(
        full["students"][0]["school_record"]["english_learner"],
        "yes"
    );
    assert_eq!(
        full["students"][0]["sogi"]["sexual_orientation"],
        "SOGI-CANARY"
    );
    assert_eq!(full["flags"][0]["code"], "disability_without_modifications");
    assert_eq!(full["review_period"], "2026-fall");

    let sup = json(View::Supervisor);
    let s = &sup["students"][0];
    assert!(
        s.get("school_record").is_none() && s.get("sogi").is_none(),
        "absent, not null: {s}"
    );
    assert_eq!(s["perceived"]["race"][0], "black");
    assert_eq!(s["ref"], "S-20417");
    // The flag rests on a school-record value, so it would disclose it.
    assert_eq!(sup["flags"], serde_json::json!([]));
    assert!(sup.to_string().contains("NARRATIVE-CANARY"));

    let leader = json(View::Pseudonymised);
    let text = leader.to_string();
    for secret in [
        "S-20417",
        "SOGI-CANARY",
        "NARRATIVE-CANARY",
        "perceived",
        "school_record",
        "\"age\"",
    ] {
        assert!(!text.contains(secret), "{secret} leaked into {text}");
    }
    assert_eq!(leader["students"][0]["ref"], "student-1");
    assert!(leader.get("reviews").is_none());
}

#[test]
fn a_view_names_the_identifying_fields_it_discloses() {
    let r = sensitive_record();
    let cal = PeriodCalendar::default();
    let fields = |v| redact(&r, &[], v, &cal, now()).disclosed_fields();
    let full = fields(View::Full);
    for f in [
        "students.ref",
        "students.perceived",
        "students.school_record",
        "students.sogi",
        "narrative",
    ] {
        assert!(full.contains(&f), "{f} in {full:?}");
    }
    let sup = fields(View::Supervisor);
    assert!(sup.contains(&"students.ref") && sup.contains(&"narrative"));
    assert!(
        !sup.iter()
            .any(|f| f.contains("school_record") || f.contains("sogi"))
    );
    assert_eq!(fields(View::Pseudonymised), Vec::<&str>::new());
}
