//! Per-record costs of the core, natively: create+save, load, validate and
//! redact. Run with `cargo xtask bench`.

use client_core::access::View;
use client_core::document::{DocId, Document, RecordDocs, actor_id};
use client_core::ids::*;
use client_core::period::PeriodCalendar;
use client_core::record::*;
use client_core::view::redact;
use client_core::vocabulary::*;
use client_core::{DocKind, Record, Timestamp};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn record(n: u128) -> Record {
    let t0 = Timestamp::from_millis(1_789_380_300_000);
    let mut r = Record::draft(
        RecordId::from_u128(n),
        SchoolId::from_u128(1),
        UserId::from_u128(2),
        t0,
    );
    r.ended_at = Some(t0.plus_minutes(15));
    r.location = Some(Location::Hallway);
    r.initiated_by = Some(InitiatedBy::SchoolStaff);
    r.request = Some(StaffRequest {
        staff_id: None,
        staff_role: Some(StaffRole::Teacher),
        reason: Some("student refused to leave class".into()),
        requested_at: Some(t0),
    });
    r.category = Some(Category::CodeOfConduct);
    r.would_warrant_911 = Some(false);
    r.sro_role = Some(SroRole::InformalCounselor);
    r.students = vec![Student {
        key: StudentKey::from_u128(n),
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
        school_record: Some(Demographics {
            disability: Some(Disability::Section504),
            english_learner: Some(EnglishLearner::No),
            ..Default::default()
        }),
        sogi: None,
    }];
    r.deescalation = vec![DeescalationStep {
        technique: Technique::Verbal,
        at: Some(t0),
        note: Some("talked it through".into()),
        effective: Some(true),
    }];
    r.actions = vec![ActionTaken::ReferredToAdministrator];
    r.narrative = Some("Teacher asked me to remove a student; declined and referred back.".into());
    r.submit(t0.plus_minutes(30));
    r
}

fn benches(c: &mut Criterion) {
    let actor = actor_id(UserId::from_u128(2), DeviceId::from_u128(3));
    let now = Timestamp::from_millis(1_789_390_000_000);
    let r = record(1);
    let cal = PeriodCalendar::default();

    c.bench_function("create+save", |b| {
        b.iter(|| {
            let mut docs = RecordDocs::create(black_box(&r), actor.clone(), now).unwrap();
            let a = docs.account.save();
            let x = docs.restricted.as_mut().unwrap().save();
            black_box((a, x))
        })
    });

    let mut docs = RecordDocs::create(&r, actor.clone(), now).unwrap();
    let saved = docs.account.save();
    eprintln!("account document: {} bytes saved", saved.len());
    let id = DocId {
        record: r.id,
        kind: DocKind::Account,
    };
    c.bench_function("load", |b| {
        b.iter(|| {
            let d = Document::load(id, black_box(&saved), actor.clone()).unwrap();
            black_box(d.read::<client_core::document::Account>().unwrap())
        })
    });
    c.bench_function("validate", |b| {
        b.iter(|| black_box(client_core::rules::validate(black_box(&r), now)))
    });
    c.bench_function("redact (supervisor view to JSON)", |b| {
        b.iter(|| {
            let v = redact(black_box(&r), &[], View::Supervisor, &cal, now);
            black_box(serde_json::to_vec(&v).unwrap())
        })
    });
}

criterion_group!(core, benches);
criterion_main!(core);
