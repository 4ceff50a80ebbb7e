use super::*;

const AGENCY: Uuid = Uuid::from_u128(0xa);
const OTHER_AGENCY: Uuid = Uuid::from_u128(0xb);
const COMMANDER: UserId = UserId::from_u128(1);
const SERGEANT: UserId = UserId::from_u128(2);
const OFFICER: UserId = UserId::from_u128(3);
const OTHER_COMMANDER: UserId = UserId::from_u128(4);

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
}

fn commander() -> Handler {
    Handler {
        user: COMMANDER,
        org: Some(AGENCY),
        manages: true,
        investigates: true,
    }
}

fn sergeant() -> Handler {
    Handler {
        user: SERGEANT,
        org: Some(AGENCY),
        manages: false,
        investigates: true,
    }
}

fn other_commander() -> Handler {
    Handler {
        user: OTHER_COMMANDER,
        org: Some(OTHER_AGENCY),
        ..commander()
    }
}

fn officer_as_commander() -> Handler {
    Handler {
        user: OFFICER,
        ..commander()
    }
}

fn received(agency: Option<Uuid>) -> ComplaintFacts {
    ComplaintFacts::filed(ComplaintKind::Complaint, agency, day("2026-12-01"))
}

fn assigned() -> ComplaintFacts {
    ComplaintFacts {
        status: ComplaintStatus::Assigned,
        investigator: Some(SERGEANT),
        officers: vec![OFFICER],
        agency: Some(AGENCY),
        ..received(Some(AGENCY))
    }
}

#[test]
fn who_reads_a_complaint_and_how_much() {
    use ComplaintView::*;
    let cases = [
        (
            "commander, own agency",
            commander(),
            received(Some(AGENCY)),
            Some(Full),
        ),
        (
            "commander, unrouted",
            commander(),
            received(None),
            Some(Full),
        ),
        (
            "commander, another agency",
            commander(),
            received(Some(OTHER_AGENCY)),
            None,
        ),
        (
            "another agency's commander",
            other_commander(),
            assigned(),
            None,
        ),
        (
            "sergeant, not assigned",
            sergeant(),
            received(Some(AGENCY)),
            None,
        ),
        ("sergeant, assigned", sergeant(), assigned(), Some(Full)),
        (
            "commander the complaint is about",
            officer_as_commander(),
            assigned(),
            Some(WithoutComplainant),
        ),
        (
            "an investigator later named in it",
            sergeant(),
            ComplaintFacts {
                officers: vec![SERGEANT],
                ..assigned()
            },
            Some(WithoutComplainant),
        ),
        (
            "a role with no complaint grant",
            Handler {
                manages: false,
                investigates: false,
                ..sergeant()
            },
            assigned(),
            None,
        ),
    ];
    for (what, who, facts, want) in cases {
        assert_eq!(view(&who, &facts), want, "{what}");
    }
}

fn candidate(user: UserId) -> Candidate {
    Candidate {
        user,
        org: Some(AGENCY),
        investigates: true,
        disabled: false,
    }
}

/// The directory's answer for an event: the candidate given, and the
/// officer every assignment here names.
fn named(investigator: Option<Candidate>) -> Vec<Candidate> {
    investigator
        .into_iter()
        .chain([Candidate {
            investigates: false,
            ..candidate(OFFICER)
        }])
        .collect()
}

fn assign(to: UserId) -> Event {
    Event::Assigned {
        investigator_id: to,
        officer_ids: vec![OFFICER],
        record_ids: vec![],
        due_on: None,
    }
}

/// What, by whom, on what, the event, the proposed investigator, the verdict.
type Case = (
    &'static str,
    Handler,
    ComplaintFacts,
    Event,
    Option<Candidate>,
    Result<(), EventProblem>,
);

#[test]
fn each_event_s_rules() {
    use EventProblem::*;
    let today = day("2026-12-07");
    let note = |t: &str| Event::Note { text: t.into() };
    let finding = Event::Finding {
        finding: Finding::NotSustained,
        text: "Video shows no contact".into(),
    };
    let close = Event::Closed { text: None };
    let decided = ComplaintFacts {
        finding: Some(Finding::NotSustained),
        ..assigned()
    };
    let feedback = ComplaintFacts::filed(ComplaintKind::Feedback, Some(AGENCY), today);
    let cases: Vec<Case> = vec![
        (
            "commander assigns",
            commander(),
            received(Some(AGENCY)),
            assign(SERGEANT),
            Some(candidate(SERGEANT)),
            Ok(()),
        ),
        (
            "sergeant cannot assign",
            sergeant(),
            assigned(),
            assign(SERGEANT),
            Some(candidate(SERGEANT)),
            Err(NotCommand),
        ),
        (
            "to a disabled user",
            commander(),
            received(None),
            assign(SERGEANT),
            Some(Candidate {
                disabled: true,
                ..candidate(SERGEANT)
            }),
            Err(NotAnInvestigator),
        ),
        (
            "to another agency's user",
            commander(),
            received(None),
            assign(SERGEANT),
            Some(Candidate {
                org: Some(OTHER_AGENCY),
                ..candidate(SERGEANT)
            }),
            Err(NotAnInvestigator),
        ),
        (
            "to a role that does not investigate",
            commander(),
            received(None),
            assign(SERGEANT),
            Some(Candidate {
                investigates: false,
                ..candidate(SERGEANT)
            }),
            Err(NotAnInvestigator),
        ),
        (
            "to nobody known",
            commander(),
            received(None),
            assign(SERGEANT),
            None,
            Err(NotAnInvestigator),
        ),
        (
            "to the officer it is about",
            commander(),
            received(None),
            assign(OFFICER),
            Some(candidate(OFFICER)),
            Err(InvestigatesThemself),
        ),
        (
            "due yesterday",
            commander(),
            received(None),
            Event::Assigned {
                investigator_id: SERGEANT,
                officer_ids: vec![],
                record_ids: vec![],
                due_on: Some(day("2026-12-06")),
            },
            Some(candidate(SERGEANT)),
            Err(DueInThePast),
        ),
        (
            "by the commander it is about",
            officer_as_commander(),
            assigned(),
            note("mine"),
            None,
            Err(AboutThem),
        ),
        (
            "investigator notes",
            sergeant(),
            assigned(),
            note("Called the parent"),
            None,
            Ok(()),
        ),
        (
            "a blank note",
            sergeant(),
            assigned(),
            note("  "),
            None,
            Err(Blank),
        ),
        (
            "a long note",
            sergeant(),
            assigned(),
            note(&"x".repeat(NOTE_MAX_CHARS + 1)),
            None,
            Err(TooLong),
        ),
        (
            "investigator finds",
            sergeant(),
            assigned(),
            finding.clone(),
            None,
            Ok(()),
        ),
        (
            "finding before assignment",
            commander(),
            received(Some(AGENCY)),
            finding.clone(),
            None,
            Err(NotAssigned),
        ),
        (
            "finding on feedback",
            commander(),
            feedback.clone(),
            finding.clone(),
            None,
            Err(NotAComplaint),
        ),
        (
            "closing without a finding",
            commander(),
            assigned(),
            close.clone(),
            None,
            Err(NoFinding),
        ),
        (
            "investigator cannot close",
            sergeant(),
            decided.clone(),
            close.clone(),
            None,
            Err(NotCommand),
        ),
        (
            "commander closes",
            commander(),
            decided.clone(),
            close.clone(),
            None,
            Ok(()),
        ),
        (
            "feedback closes without a finding",
            commander(),
            feedback,
            close.clone(),
            None,
            Ok(()),
        ),
        (
            "nothing after closing",
            commander(),
            ComplaintFacts {
                status: ComplaintStatus::Closed,
                ..decided
            },
            note("late"),
            None,
            Err(Closed),
        ),
    ];
    for (what, who, facts, event, cand, want) in cases {
        let got = apply(&who, &facts, &event, &named(cand), today).map(|_| ());
        assert_eq!(got, want, "{what}");
    }
}

#[test]
fn an_assignment_routes_links_and_dates_the_complaint() {
    let today = day("2026-12-07");
    let event = Event::Assigned {
        investigator_id: SERGEANT,
        officer_ids: vec![OFFICER, OFFICER],
        record_ids: vec![],
        due_on: Some(day("2027-01-15")),
    };
    let after = apply(
        &commander(),
        &received(None),
        &event,
        &named(Some(candidate(SERGEANT))),
        today,
    )
    .expect("assigned");
    assert_eq!(after.agency, Some(AGENCY));
    assert_eq!(after.officers, vec![OFFICER]);
    assert_eq!(after.status, ComplaintStatus::Assigned);
    assert_eq!(after.due_on, day("2027-01-15"));
    let closed = apply(
        &commander(),
        &ComplaintFacts {
            finding: Some(Finding::Sustained),
            ..after
        },
        &Event::Closed {
            text: Some("Retraining ordered".into()),
        },
        &[],
        today,
    )
    .expect("closed");
    assert_eq!(closed.status, ComplaintStatus::Closed);
}

#[test]
fn due_dates_and_overdue_at_their_boundary() {
    let filed = day("2026-09-01");
    let complaint = ComplaintFacts::filed(ComplaintKind::Complaint, None, filed);
    let feedback = ComplaintFacts::filed(ComplaintKind::Feedback, None, filed);
    assert_eq!(complaint.due_on, day("2026-11-30"));
    assert_eq!(feedback.due_on, day("2026-10-01"));
    let cases = [
        (&complaint, "2026-11-30", false),
        (&complaint, "2026-12-01", true),
        (&feedback, "2026-10-01", false),
        (&feedback, "2026-10-02", true),
    ];
    for (facts, today, want) in cases {
        assert_eq!(
            facts.is_overdue(day(today)),
            want,
            "{:?} {today}",
            facts.kind
        );
    }
    let closed = ComplaintFacts {
        status: ComplaintStatus::Closed,
        ..complaint.clone()
    };
    assert!(!closed.is_overdue(day("2027-06-01")));
}

#[test]
fn a_filing_is_routed_only_to_a_single_serving_agency() {
    assert_eq!(route(&[]), None);
    assert_eq!(route(&[AGENCY]), Some(AGENCY));
    assert_eq!(route(&[AGENCY, OTHER_AGENCY]), None);
}
