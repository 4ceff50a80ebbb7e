//! One demo interaction: a plausible record drawn from the generator.

use client_core::record::*;
use client_core::vocabulary::*;
use client_core::{RecordId, SchoolId, StudentKey, Timestamp, UserId};

/// splitmix64: a fixed seed gives the same district every time.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub(super) fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    pub(super) fn uuid(&mut self) -> uuid::Uuid {
        let v = ((self.next() as u128) << 64) | self.next() as u128;
        uuid::Builder::from_random_bytes(v.to_le_bytes()).into_uuid()
    }
}

pub(super) struct Officer {
    pub(super) name: &'static str,
    pub(super) id: UserId,
    pub(super) schools: Vec<SchoolId>,
    pub(super) arrest_percent: u64,
}

pub(super) fn interaction(
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
    // Drawn as under the first rules, so the demo district stays the one
    // it was; `rules_2_answers` completes what version 2 adds.
    use client_core::rules::version::FIRST;
    let needs_deescalation = r.actions.iter().any(|a| a.needs_deescalation_under(FIRST));
    if needs_deescalation && !(arrest && rng.chance(15)) {
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
    if r.actions.iter().any(|a| a.is_custody_under(FIRST)) {
        r.custody = Some(Custody {
            basis: Some("offense observed by the officer".into()),
            probable_cause: Some("witness statements and the officer's observation".into()),
            why_at_school: Some("continuing risk to other students".into()),
            directed_by_administrator: Some(rng.chance(15)),
            removed_from_public_view: Some(rng.pick(RemovedFromView::ALL)),
            duration_minutes: Some(20 + rng.below(60) as u32),
            guardian_notified_at: Some(occurred.plus_minutes(30)),
            guardian_not_notified_reason: None,
            disability_modifications: Some("explained each step; allowed a support person".into()),
            immediate_risk: r
                .deescalation
                .is_empty()
                .then(|| "student was assaulting another student".into()),
        });
    }
    rules_2_answers(&mut r, arrest);
    if rng.chance(60) {
        r.narrative = Some("Spoke with the student and staff; see actions.".into());
    }
    let hours = if rng.chance(7) {
        80 + rng.below(100) as i64
    } else {
        rng.below(8) as i64
    };
    if hours >= client_core::rules::limits::LATE_ENTRY_HOURS {
        r.late_reason = Some("on leave the following days".into());
    }
    r.submit(occurred.plus_hours(hours).plus_minutes(20).min(now));
    r
}

/// What rules version 2 asks beyond the first rules, answered without
/// drawing from the generator (the demo's other numbers stay as they were).
fn rules_2_answers(r: &mut Record, arrest: bool) {
    use client_core::offense::{OffenseCode as O, Severity};
    use client_core::record::{Interrogation, SearchBasis};
    r.offense_code = r.offense.as_deref().map(|o| match o {
        "theft" => O::LarcenyTheft,
        "assault" => O::SimpleAssault,
        "vandalism" => O::Vandalism,
        "possession" => O::DrugViolation,
        _ => O::Trespass,
    });
    r.offense_severity = r.offense_code.map(|_| Severity::Misdemeanor);
    let basis = Some(client_core::vocabulary::LegalBasis::ReasonableSuspicion);
    if r.actions.iter().any(|a| a.is_search_or_seizure()) {
        r.search_basis = Some(SearchBasis {
            search_person: basis,
            search_property: basis,
            seizure: basis,
        });
    }
    if r.actions.contains(&ActionTaken::Transport) {
        r.transport_out_of_view = Some(RemovedFromView::Yes);
    }
    if r.actions.iter().any(|a| a.may_charge()) {
        let court = arrest.then_some(CourtInvolvement::JuvenileCourt);
        r.charges = Some(Charges {
            filed: arrest,
            court,
        });
    }
    if r.has_custody() && r.custody.is_none() {
        // A frisk: custody since version 2.
        let said = |s: &str| Some(s.to_owned());
        r.custody = Some(Custody {
            basis: said("a weapon was reported"),
            probable_cause: said("a classmate's report and the bulge in a pocket"),
            why_at_school: said("the report was of a weapon on campus"),
            directed_by_administrator: Some(false),
            removed_from_public_view: Some(RemovedFromView::Yes),
            duration_minutes: Some(10),
            guardian_notified_at: Some(r.occurred_at.plus_minutes(30)),
            guardian_not_notified_reason: None,
            disability_modifications: said("explained each step first"),
            immediate_risk: None,
        });
        if r.deescalation.is_empty() {
            r.deescalation.push(DeescalationStep {
                technique: Technique::Verbal,
                at: Some(r.occurred_at),
                note: None,
                effective: Some(true),
            });
        }
    }
    if r.has_custody() {
        let (yes, no) = (Some(true), Some(false));
        r.interrogation = Some(Interrogation {
            questioned: arrest,
            rights_advised: yes,
            guardian_present: no,
        });
    }
}
