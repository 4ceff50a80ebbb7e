//! Versioned rules (issue 19, part 5; DOMAIN.md rule 7 and the data items
//! of rules version 2): each new requirement on both sides, under the
//! current rules and under the first, and the stamp's life on a device and
//! at the server.

mod common;
use client_core::Record;
use client_core::record::*;
use client_core::rules::version::{self, CURRENT, FIRST};
use client_core::rules::{RuleCode, validate};
use client_core::vocabulary::*;
use common::*;

fn with(mut r: Record, f: impl FnOnce(&mut Record)) -> Record {
    f(&mut r);
    r
}

fn under(v: u16, r: Record) -> Record {
    with(r, |r| r.rules_version = Some(v))
}

fn problems(r: &Record) -> Vec<(RuleCode, String)> {
    validate(r, now().plus_hours(200))
        .into_iter()
        .map(|p| (p.code, p.field))
        .collect()
}

fn restraint() -> Record {
    with(custody(), |r| {
        r.actions = vec![ActionTaken::PhysicalRestraint];
        r.transport_out_of_view = None;
    })
}

fn frisk() -> Record {
    with(routine(), |r| {
        r.category = Some(Category::SafetyThreat);
        r.actions = vec![ActionTaken::SearchPerson];
        r.search_basis = Some(SearchBasis {
            search_person: Some(LegalBasis::ReasonableSuspicion),
            ..Default::default()
        });
    })
}

fn searched() -> Record {
    with(routine(), |r| {
        r.actions = vec![ActionTaken::SearchProperty];
        r.search_basis = Some(SearchBasis {
            search_property: Some(LegalBasis::Consent),
            ..Default::default()
        });
    })
}

/// Each case: a complete current record, the change that breaks a
/// version-2 rule, and what the current rules then report; the first rules
/// report nothing for the same record.
#[test]
fn each_new_requirement_applies_from_version_2_only() {
    use RuleCode as C;
    let pc = C::CustodyJustificationRequired;
    type Case = (
        &'static str,
        fn() -> Record,
        fn(&mut Record),
        Vec<(RuleCode, &'static str)>,
    );
    let cases: Vec<Case> = vec![
        (
            "probable cause for a restraint (003 p4 'makes an arrest or uses restraints')",
            restraint,
            |r| r.custody.as_mut().unwrap().probable_cause = None,
            vec![(pc, "custody.probable_cause")],
        ),
        (
            "probable cause for a detention",
            restraint,
            |r| {
                r.actions = vec![ActionTaken::Detention];
                r.custody.as_mut().unwrap().probable_cause = Some(" ".into());
            },
            vec![(pc, "custody.probable_cause")],
        ),
        (
            "the offense coded",
            custody,
            |r| r.offense_code = None,
            vec![(C::OffenseRequired, "offense_code")],
        ),
        (
            "how long",
            custody,
            |r| r.custody.as_mut().unwrap().duration_minutes = None,
            vec![(pc, "custody.duration_minutes")],
        ),
        (
            "the guardian notified, or why not",
            custody,
            |r| r.custody.as_mut().unwrap().guardian_notified_at = None,
            vec![(pc, "custody.guardian_notified_at")],
        ),
        (
            "questioned or not",
            custody,
            |r| r.interrogation = None,
            vec![(C::Required, "interrogation.questioned")],
        ),
        (
            "rights and guardian when questioned",
            custody,
            |r| {
                r.interrogation = Some(Interrogation {
                    questioned: true,
                    ..Default::default()
                });
            },
            vec![
                (C::Required, "interrogation.rights_advised"),
                (C::Required, "interrogation.guardian_present"),
            ],
        ),
        (
            "charges with an arrest",
            custody,
            |r| r.charges = None,
            vec![(C::Required, "charges.filed")],
        ),
        (
            "where filed charges went",
            custody,
            |r| {
                r.charges = Some(Charges {
                    filed: true,
                    court: None,
                })
            },
            vec![(C::Required, "charges.court")],
        ),
        (
            "charges with a citation",
            routine,
            |r| {
                r.actions = vec![ActionTaken::Citation];
                r.deescalation = vec![DeescalationStep {
                    technique: Technique::Verbal,
                    at: None,
                    note: None,
                    effective: None,
                }];
            },
            vec![(C::Required, "charges.filed")],
        ),
        (
            "transport out of view",
            custody,
            |r| r.transport_out_of_view = None,
            vec![(C::Required, "transport_out_of_view")],
        ),
        (
            "the legal basis of each search and seizure",
            searched,
            |r| {
                r.actions.push(ActionTaken::Seizure);
                r.search_basis.as_mut().unwrap().search_property = None;
            },
            vec![
                (C::SearchBasisRequired, "search_basis.search_property"),
                (C::SearchBasisRequired, "search_basis.seizure"),
            ],
        ),
        (
            "a late entry says why",
            routine,
            |r| r.submitted_at = Some(t0().plus_minutes(5).plus_hours(24).plus_minutes(1)),
            vec![(C::LateReasonRequired, "late_reason")],
        ),
    ];
    for (name, base, change, want) in cases {
        let complete = base();
        assert_eq!(problems(&complete), vec![], "{name}: the base is complete");
        let broken = with(complete, change);
        let want: Vec<_> = want.into_iter().map(|(c, f)| (c, f.to_owned())).collect();
        assert_eq!(problems(&under(CURRENT, broken.clone())), want, "{name}");
        assert_eq!(
            problems(&under(FIRST, broken.clone())),
            vec![],
            "{name}: version 1"
        );
        // A record from before versions carries no stamp: version 1.
        assert_eq!(
            problems(&with(broken, |r| r.rules_version = None)),
            vec![],
            "{name}: unstamped"
        );
    }
}

/// Both sides of each boundary the new rules draw.
#[test]
fn the_new_rules_at_their_boundaries() {
    // A frisk is custody from version 2 (003 p4 "wrist restraints,
    // frisking, community separation"): the justification and de-escalation.
    let bare = with(frisk(), |r| r.rules_version = Some(CURRENT));
    let codes: Vec<_> = problems(&bare)
        .into_iter()
        .map(|(c, f)| format!("{c} {f}"))
        .collect();
    assert_eq!(
        codes,
        [
            "custody_justification_required custody",
            "required interrogation.questioned",
            "deescalation_required deescalation"
        ]
    );
    assert_eq!(problems(&under(FIRST, frisk())), vec![]);
    // A search of property alone is not custody.
    assert_eq!(problems(&searched()), vec![]);
    // No charges filed: where they went is not asked.
    let none = with(custody(), |r| {
        r.charges = Some(Charges {
            filed: false,
            court: None,
        })
    });
    assert_eq!(problems(&none), vec![]);
    // Not questioned: rights and guardian are not asked.
    let silent = with(custody(), |r| {
        r.interrogation = Some(Interrogation {
            questioned: false,
            ..Default::default()
        })
    });
    assert_eq!(problems(&silent), vec![]);
    // A reason why the guardian was not told stands for the time.
    let untold = with(custody(), |r| {
        let c = r.custody.as_mut().unwrap();
        c.guardian_notified_at = None;
        c.guardian_not_notified_reason = Some("no guardian could be reached".into());
    });
    assert_eq!(problems(&untold), vec![]);
    // Duration: a week is the most; a minute more is a slip.
    let max = client_core::rules::MAX_DURATION_MINUTES;
    let lasting = |m| {
        with(custody(), |r| {
            r.custody.as_mut().unwrap().duration_minutes = Some(m)
        })
    };
    assert_eq!(problems(&lasting(max)), vec![]);
    assert_eq!(
        problems(&lasting(max + 1)),
        vec![(RuleCode::OutOfRange, "custody.duration_minutes".to_owned())]
    );
    // Late: exactly 24 hours after the end is on time; a minute more is late.
    let end = t0().plus_minutes(5); // routine() ends 5 minutes in
    let submitted = |at| with(routine(), |r| r.submitted_at = Some(at));
    assert_eq!(problems(&submitted(end.plus_hours(24))), vec![]);
    assert_eq!(
        problems(&submitted(end.plus_hours(24).plus_minutes(1))),
        vec![(RuleCode::LateReasonRequired, "late_reason".to_owned())]
    );
    let explained = with(submitted(end.plus_hours(30)), |r| {
        r.late_reason = Some("court all day".into())
    });
    assert_eq!(problems(&explained), vec![]);
}

/// A draft is held to the current rules whatever it carries; a submission
/// takes the current stamp; an amendment keeps the stamp it was submitted
/// under unless the server refused that stamp.
#[test]
fn a_device_stamps_the_first_submission_and_keeps_it() {
    let draft = with(routine(), |r| {
        r.status = Status::Draft;
        r.submitted_at = None;
        r.rules_version = Some(FIRST);
    });
    assert_eq!(version::applied(&draft), CURRENT);
    // (before: None = new, Some(stamp) = submitted with it), after's
    // status, after's stamp, retake, stamped.
    type Case = (Option<Option<u16>>, Status, Option<u16>, bool, Option<u16>);
    let cases: [Case; 6] = [
        (None, Status::Submitted, None, false, Some(CURRENT)),
        (None, Status::Submitted, Some(FIRST), false, Some(CURRENT)),
        (None, Status::Draft, Some(FIRST), false, None),
        (Some(None), Status::Submitted, Some(CURRENT), false, None),
        (
            Some(Some(FIRST)),
            Status::Submitted,
            None,
            false,
            Some(FIRST),
        ),
        (
            Some(Some(FIRST)),
            Status::Submitted,
            None,
            true,
            Some(CURRENT),
        ),
    ];
    for (before, status, stamp, retake, want) in cases {
        let before = before.map(|v| with(routine(), |r| r.rules_version = v));
        let mut after = with(routine(), |r| {
            r.status = status;
            r.rules_version = stamp;
        });
        version::stamp(before.as_ref(), &mut after, retake);
        assert_eq!(
            after.rules_version, want,
            "{before:?} {status} {stamp:?} {retake}"
        );
    }
}

/// The server's check of the stamp: a first submission under older rules
/// is taken only if the device submitted it before the deployment adopted
/// the current ones, within the offline grace, and the server never had it
/// as submitted after the upgrade; a submitted record never goes back.
#[test]
fn the_server_takes_an_old_stamp_only_from_before_the_upgrade() {
    use client_core::rules::version::{OFFLINE_GRACE_DAYS, Upgrade};
    let adopted = t0().plus_hours(1);
    let at = |now, first_submitted| Upgrade {
        adopted_at: adopted,
        now,
        first_submitted,
    };
    let submitted_at = |at, v| {
        with(routine(), |r| {
            r.submitted_at = Some(at);
            r.rules_version = v;
        })
    };
    let code = |before: Option<&Record>, after: &Record| {
        version::check(before, after, at(adopted.plus_hours(1), None))
            .err()
            .map(|p| (p.code, p.field))
    };
    let outdated = Some((RuleCode::RulesOutdated, "rules_version".to_owned()));
    let just_before = adopted.plus_minutes(-1);
    assert_eq!(code(None, &submitted_at(just_before, Some(FIRST))), None);
    assert_eq!(code(None, &submitted_at(just_before, None)), None);
    assert_eq!(code(None, &submitted_at(adopted, Some(FIRST))), outdated);
    assert_eq!(code(None, &submitted_at(adopted, None)), outdated);
    assert_eq!(code(None, &submitted_at(adopted, Some(CURRENT))), None);
    // A draft carries whatever; it is checked when submitted.
    let draft = with(submitted_at(adopted, Some(FIRST)), |r| {
        r.status = Status::Draft
    });
    assert_eq!(code(None, &draft), None);
    // Unknown versions.
    for v in [0, CURRENT + 1] {
        let got = code(None, &submitted_at(just_before, Some(v)));
        assert_eq!(
            got,
            Some((RuleCode::UnknownValue, "rules_version".to_owned())),
            "{v}"
        );
    }
    // Stored under version 1 (before the upgrade): an amendment after it
    // keeps version 1 or takes the current; it never goes below.
    let old = submitted_at(just_before, None);
    assert_eq!(code(Some(&old), &submitted_at(just_before, None)), None);
    assert_eq!(
        code(Some(&old), &submitted_at(just_before, Some(CURRENT))),
        None
    );
    let new = submitted_at(adopted, Some(CURRENT));
    assert_eq!(
        code(Some(&new), &submitted_at(adopted, Some(FIRST))),
        Some((RuleCode::HistoryRewritten, "rules_version".to_owned()))
    );
    // A draft stored before is not a submission: the check is the first one.
    let stored_draft = with(old.clone(), |r| r.status = Status::Draft);
    assert_eq!(
        code(Some(&stored_draft), &submitted_at(adopted, Some(FIRST))),
        outdated
    );
    // The claim of an early submission is believed only within the grace
    // after the upgrade: the last moment inside it, and the first outside.
    let old_claim = submitted_at(just_before, Some(FIRST));
    let grace_end = adopted.plus_hours(24 * OFFLINE_GRACE_DAYS);
    let when = |now| {
        version::check(None, &old_claim, at(now, None))
            .err()
            .map(|p| (p.code, p.field))
    };
    assert_eq!(when(grace_end.plus_minutes(-1)), None);
    assert_eq!(when(grace_end), outdated);
    // Submitted under version 2 after the upgrade, back to draft, then
    // resubmitted with a version-1 stamp and an earlier claimed time: the
    // server's first receipt as submitted says otherwise.
    let back = with(submitted_at(adopted, Some(CURRENT)), |r| {
        r.status = Status::Draft
    });
    let received = |first| {
        version::check(Some(&back), &old_claim, at(adopted.plus_hours(2), first))
            .err()
            .map(|p| (p.code, p.field))
    };
    assert_eq!(received(Some(adopted)), outdated);
    assert_eq!(received(Some(just_before)), None);
}

/// An out-of-date app's stamp, refused by the server: the officer's next
/// save on the updated app takes the current rules, which then ask what
/// the old app never did; until then the record keeps version 1.
#[test]
fn a_refused_stamp_is_retaken_under_the_current_rules() {
    use client_core::DeviceId;
    use client_core::document::{RecordDocs, actor_id};
    use client_core::replica::{Replica, ReplicaError};
    use client_core::sync::*;
    let old = with(custody(), |r| {
        r.actions = vec![ActionTaken::PhysicalRestraint];
        r.transport_out_of_view = None;
        r.interrogation = None;
        r.custody.as_mut().unwrap().probable_cause = None;
        r.rules_version = Some(FIRST);
    });
    let mut docs =
        RecordDocs::create(&old, actor_id(OFFICER, DeviceId::from_u128(0xd0)), now()).unwrap();
    let mut pull = vec![DocChanges::since(&mut docs.account, 0, &[])];
    pull.extend(
        docs.restricted
            .as_mut()
            .map(|d| DocChanges::since(d, 0, &[])),
    );
    let answer = |pull, refused| SyncResponse {
        version: PROTOCOL_VERSION,
        cursor: Cursor(1),
        accepted: vec![],
        refused,
        pull,
        more: false,
        retain_from: None,
    };
    let mut phone = Replica::new(OFFICER, DeviceId::from_u128(0xd1));
    phone.receive_sync(&answer(pull, vec![]).encode()).unwrap();
    let mut amended = phone.record(old.id).unwrap();
    assert_eq!(amended.rules_version, Some(FIRST));
    amended.narrative = Some("no one was hurt".into());
    phone
        .update(&amended, Some("added the outcome"), now())
        .unwrap();
    assert_eq!(
        phone.record(old.id).unwrap().rules_version,
        Some(FIRST),
        "an amendment keeps the stamp"
    );
    assert_eq!(
        phone.rules_for(old.id).unwrap(),
        FIRST,
        "the form asks version 1"
    );
    let pushed = SyncRequest::decode(&phone.prepare_sync(), usize::MAX)
        .unwrap()
        .push;
    let refused = pushed
        .iter()
        .map(|d| Refusal {
            doc: d.doc,
            code: RefusalCode::Invalid,
            reason: "submitted from an out-of-date app".into(),
            field: Some("rules_version".into()),
        })
        .collect();
    phone
        .receive_sync(&answer(vec![], refused).encode())
        .unwrap();
    let again = phone.record(old.id).unwrap();
    assert_eq!(
        phone.rules_for(old.id).unwrap(),
        CURRENT,
        "the form asks the current rules"
    );
    let Err(ReplicaError::Invalid(problems)) = phone.update(&again, Some("completing it"), now())
    else {
        panic!("the current rules ask for probable cause");
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        ["custody.probable_cause", "interrogation.questioned"]
    );
    let done = with(again, |r| {
        r.custody.as_mut().unwrap().probable_cause = Some("seen striking another student".into());
        r.interrogation = Some(Interrogation {
            questioned: false,
            ..Default::default()
        });
    });
    phone.update(&done, Some("completing it"), now()).unwrap();
    assert_eq!(phone.record(old.id).unwrap().rules_version, Some(CURRENT));
}

/// The rules the next save applies, which the form asks: a draft's and a
/// new record's are the current ones; a submitted record keeps its stamp
/// (none is version 1) until the server refuses the stamp.
#[test]
fn the_next_save_applies_the_records_own_rules_until_its_stamp_is_refused() {
    let submitted = |stamp| with(routine(), |r| r.rules_version = stamp);
    let draft = with(routine(), |r| {
        r.status = client_core::vocabulary::Status::Draft;
        r.rules_version = None;
    });
    let cases: Vec<(Option<Record>, bool, u16)> = vec![
        (None, false, CURRENT),
        (Some(draft.clone()), false, CURRENT),
        (Some(draft), true, CURRENT),
        (Some(submitted(None)), false, FIRST),
        (Some(submitted(Some(FIRST))), false, FIRST),
        (Some(submitted(Some(CURRENT))), false, CURRENT),
        (Some(submitted(None)), true, CURRENT),
        (Some(submitted(Some(FIRST))), true, CURRENT),
    ];
    for (stored, retake, want) in cases {
        let got = version::next_save(stored.as_ref(), retake);
        assert_eq!(got, want, "{:?} {retake}", stored.map(|r| r.rules_version));
    }
}

/// A frisk without de-escalation: no flag under the first rules, the
/// custody flag under the current ones (flags follow the record's version).
#[test]
fn a_frisk_is_flagged_as_custody_from_version_2_only() {
    use client_core::flag::{FlagCode, flags};
    let bare = with(frisk(), |r| r.deescalation.clear());
    let codes = |r: &Record| -> Vec<FlagCode> {
        flags(r, now(), Some(now()))
            .into_iter()
            .map(|f| f.code)
            .collect()
    };
    assert_eq!(codes(&under(FIRST, bare.clone())), vec![]);
    assert_eq!(
        codes(&under(CURRENT, bare)),
        vec![FlagCode::CustodyWithoutDeescalation]
    );
}

/// Review fixes with their own tests: a custody duration typed wrong does
/// not stop a draft from being saved (only a submission), and the
/// questioning and charges of version 2 are withheld from a school
/// leader's pseudonymised view.
#[test]
fn a_duration_slip_keeps_a_draft_and_leaders_see_no_charges_or_questioning() {
    let slip = with(custody(), |r| {
        r.status = Status::Draft;
        r.custody.as_mut().unwrap().duration_minutes =
            Some(client_core::rules::MAX_DURATION_MINUTES + 1);
    });
    assert_eq!(client_core::rules::blocking(&slip, now()), vec![]);
    let submitted = with(slip, |r| r.status = Status::Submitted);
    assert_eq!(client_core::rules::blocking(&submitted, now()).len(), 1);
    use client_core::access::View;
    let view = |v| {
        client_core::view::redact(
            &custody(),
            &[],
            v,
            &client_core::period::PeriodCalendar::default(),
            now(),
        )
        .to_json()
    };
    let leader = view(View::Pseudonymised);
    assert!(
        leader.get("charges").is_none() && leader.get("interrogation").is_none(),
        "{leader}"
    );
    let supervisor = view(View::Supervisor);
    assert!(supervisor.get("charges").is_some() && supervisor.get("interrogation").is_some());
}
