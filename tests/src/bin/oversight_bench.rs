//! Issue 5's benchmark: the oversight queries on 1,000,000 records, at the
//! database (the store functions the handlers call), on SQLite and, with
//! `FIELDLOG_TEST_POSTGRES` set, on PostgreSQL. Not a test: it prints figures.
//!
//! `cargo run --release -p fieldlog-tests --bin oversight_bench [-- RECORDS]`
//!
//! The records are generated from a fixed seed straight into the projection
//! (`Store::insert_record_rows`): 200 officers at 100 schools, 20
//! supervisors of 10 officers each, two school years, 1-2 students per
//! record described by both sources.

use client_core::Timestamp;
use client_core::report::{
    AgeBand, DEFAULT_THRESHOLD, Dimension, Measure, Outcome, RaceEthnicity, Year,
};
use client_core::vocabulary::*;
use client_core::{RecordId, SchoolId, UserId};
use server::api::reports::year_family;
use server::published_years::PublishedYears;
use server::settings::Settings;
use server::store::Store;
use server::store::documents::{RecordRow, StudentRow};
use std::time::Instant;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const OFFICERS: u128 = 200;
const SCHOOLS: u128 = 100;
const FROM: i64 = 1_722_470_400_000; // 2024-08-01
const TO: i64 = 1_785_542_400_000; // 2026-08-01
/// The report's receipt bound: every record generated was received by then.
const GRACED: i64 = TO + 30 * 86_400_000;

fn row(rng: &mut Rng, n: u64) -> RecordRow {
    let officer = rng.below(OFFICERS as u64) as u128;
    let at = FROM + rng.below((TO - FROM) as u64) as i64;
    let staff = rng.chance(40);
    let category = rng.pick(Category::ALL);
    let mut actions = vec![rng.pick(&[
        ActionTaken::Counseled,
        ActionTaken::Warning,
        ActionTaken::ReferredToAdministrator,
    ])];
    // About one record in seven involves enforcement.
    if rng.chance(15) {
        actions.push(rng.pick(&[
            ActionTaken::SearchPerson,
            ActionTaken::Citation,
            ActionTaken::Arrest,
            ActionTaken::Detention,
            ActionTaken::MechanicalRestraint,
            ActionTaken::CourtReferral,
            ActionTaken::UseOfForce,
        ]));
    }
    let enforcement = actions.iter().filter(|a| a.counts_toward_outlier()).count() as i32;
    let needs_review = actions.iter().any(|a| a.is_reviewable()) || rng.chance(5);
    let mut students = Vec::new();
    for index in 0..(1 + rng.below(2) as i32) {
        let key = uuid::Uuid::from_u128(((n as u128) << 8) | index as u128);
        let age = 8 + rng.below(11) as u8;
        for source in ["perceived", "school_record"] {
            let race = vec![rng.pick(Race::ALL)];
            let hispanic = rng.chance(25);
            let d = client_core::record::Demographics {
                race: race.clone(),
                hispanic_latino: Some(hispanic),
                ..Default::default()
            };
            students.push(StudentRow {
                index,
                key,
                source: source.into(),
                race: race.iter().map(|r| r.as_str().into()).collect(),
                hispanic_latino: Some(hispanic),
                sex: Some(
                    rng.pick(&[
                        Sex::Female,
                        Sex::Male,
                        Sex::Male,
                        Sex::Female,
                        Sex::Nonbinary,
                    ])
                    .as_str()
                    .into(),
                ),
                disability: Some(
                    rng.pick(&[
                        Disability::None,
                        Disability::None,
                        Disability::None,
                        Disability::Idea,
                        Disability::Section504,
                    ])
                    .as_str()
                    .into(),
                ),
                english_learner: Some(
                    rng.pick(&[EnglishLearner::No, EnglishLearner::No, EnglishLearner::Yes])
                        .as_str()
                        .into(),
                ),
                age: Some(i32::from(age)),
                grade: None,
                race_ethnicity: RaceEthnicity::of(&d).as_str().into(),
                age_band: AgeBand::of(Some(age)).as_str().into(),
            });
        }
    }
    let status = if rng.chance(97) { "submitted" } else { "draft" };
    let w911 = rng.chance(30);
    RecordRow {
        record: RecordId(uuid::Uuid::from_u128(0x1000_0000_0000 + n as u128)),
        officer: UserId::from_u128(officer + 1),
        school: SchoolId::from_u128(officer % SCHOOLS + 1),
        occurred_at: at,
        status: status.into(),
        location: Some(rng.pick(Location::ALL).as_str().into()),
        initiated_by: Some(if staff { "school_staff" } else { "self" }.into()),
        staff_role: staff.then(|| rng.pick(StaffRole::ALL).as_str().into()),
        staff_id: staff.then(|| format!("staff-{}", rng.below(40))),
        category: Some(category.as_str().into()),
        would_warrant_911: Some(w911),
        staff_request: staff,
        not_safety_matter: client_core::record::not_a_safety_matter(Some(category), Some(w911)),
        outcomes: Outcome::ALL
            .iter()
            .map(|o| o.in_actions(&actions))
            .collect(),
        actions: actions.iter().map(|a| a.as_str().into()).collect(),
        flags: vec![],
        needs_review,
        submitted_at: Some(at + 3_600_000),
        received_submitted_at: (status == "submitted").then_some(at + 3_600_000),
        enforcement,
        students,
    }
}

fn pct(mut xs: Vec<f64>, p: f64) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[((xs.len() as f64 - 1.0) * p).round() as usize]
}

async fn timed<F, Fut, T>(runs: usize, mut f: F) -> anyhow::Result<(f64, f64, f64)>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    f(0).await?; // warm the cache once
    let mut ms = Vec::with_capacity(runs);
    for i in 0..runs {
        let t = Instant::now();
        f(i + 1).await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((pct(ms.clone(), 0.5), pct(ms.clone(), 0.99), pct(ms, 1.0)))
}

async fn run(label: &str, store: Store, n: u64) -> anyhow::Result<()> {
    let t = Instant::now();
    let mut rng = Rng(0x0005_eed0_f1e1_d109);
    let batch = 20_000;
    let mut done = 0;
    while done < n {
        let rows: Vec<RecordRow> = (done..(done + batch).min(n))
            .map(|i| row(&mut rng, i))
            .collect();
        store.insert_record_rows(&rows, TO).await?;
        done += rows.len() as u64;
    }
    use sea_orm::ConnectionTrait;
    // What autovacuum would have done on a live PostgreSQL (statistics, and
    // the visibility map that index-only scans need); ANALYZE on SQLite.
    let vacuum = if store.backend() == sea_orm::DatabaseBackend::Postgres {
        "VACUUM ANALYZE"
    } else {
        "ANALYZE"
    };
    store.db().execute_unprepared(vacuum).await?;
    println!(
        "{label}: loaded {n} records in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // Periods of the default calendar within the data.
    let periods = [
        (FROM, 1_738_368_000_000),              // 2024-fall
        (1_738_368_000_000, 1_754_006_400_000), // 2025-spring
        (1_754_006_400_000, 1_769_904_000_000), // 2025-fall
        (1_769_904_000_000, TO),                // 2026-spring
    ];
    let supervisors: Vec<Vec<UserId>> = (0..20u128)
        .map(|s| {
            (0..10u128)
                .map(|k| UserId::from_u128(s * 10 + k + 1))
                .collect()
        })
        .collect();
    let mut lines = Vec::new();
    let (p50, p99, max) = timed(200, |i| {
        let (from, to) = periods[i % 4];
        let officers = supervisors[i % 20].clone();
        let store = store.clone();
        async move { Ok(store.queue_ids(&officers, from, to).await?.len()) }
    })
    .await?;
    lines.push((
        "queue: one supervisor's candidates in a period (SQL)",
        p50,
        p99,
        max,
        "p99 <= 5 ms",
    ));
    let (p50, p99, max) = timed(20, |i| {
        let (from, to) = periods[i % 4];
        let store = store.clone();
        async move { Ok(store.officer_action_counts(from, to).await?.len()) }
    })
    .await?;
    lines.push((
        "queue: every officer's counts for the outlier median (SQL)",
        p50,
        p99,
        max,
        "(part of the queue call)",
    ));
    // What every report request does (issue 16): the whole year's counts,
    // both sources, suppressed as one family, then one table picked; the
    // first time for a year, then kept (`server::published_years`).
    async fn family(store: &Store, from: i64, to: i64) -> anyhow::Result<Year> {
        let ts = Timestamp::from_millis;
        Ok(year_family(store, ts(from), ts(to), ts(GRACED), DEFAULT_THRESHOLD).await?)
    }
    fn one_table(year: &Year) -> usize {
        let t = year.table(
            Source::SchoolRecord,
            Dimension::RaceEthnicity,
            Some(Dimension::Sex),
            Measure::Interactions,
        );
        usize::from(t.is_some())
    }
    let (p50, p99, max) = timed(10, |i| {
        let (from, to) = if i % 2 == 0 {
            (FROM, TO)
        } else {
            (periods[2].0, TO)
        };
        let store = store.clone();
        async move { Ok(one_table(&family(&store, from, to).await?)) }
    })
    .await?;
    lines.push((
        "report: the year's family (both sources), one table",
        p50,
        p99,
        max,
        "first request for a year",
    ));
    // The public page's one figure beyond the family (issue 20): the
    // year's staff requests, from the frozen report rows; kept per year
    // like the family, so this is its first request's cost.
    let (p50, p99, max) = timed(10, |_| {
        let store = store.clone();
        async move {
            let c = store
                .staff_requests(Source::SchoolRecord.as_str(), FROM, TO, GRACED)
                .await?;
            Ok(usize::from(c.requested.is_some()))
        }
    })
    .await?;
    lines.push((
        "transparency page: the year's staff requests (SQL)",
        p50,
        p99,
        max,
        "first request for a year",
    ));
    let kept = PublishedYears::default();
    let year = client_core::school_year::SchoolYear::of(Timestamp::from_millis(FROM));
    let (p50, p99, max) = timed(10, |_| {
        let (kept, store) = (kept.clone(), store.clone());
        async move {
            let kept = kept
                .family(year, DEFAULT_THRESHOLD, family(&store, FROM, TO))
                .await?;
            Ok(one_table(&kept))
        }
    })
    .await?;
    lines.push((
        "report: a year already answered (kept), one table",
        p50,
        p99,
        max,
        "<= 200 ms",
    ));
    let (p50, p99, max) = timed(10, |i| {
        let (from, to) = if i % 2 == 0 {
            (periods[2].0, TO)
        } else {
            (periods[3].0, TO)
        };
        let store = store.clone();
        async move { Ok(store.overcalling_counts(from, to).await?.len()) }
    })
    .await?;
    lines.push((
        "dashboard: over-calling groups for a year (SQL)",
        p50,
        p99,
        max,
        "<= 200 ms",
    ));
    // One school's staff requests for a year by its local hour and week: the
    // rows come back and client_core::local_time buckets them (SQLite has no
    // time zones), where the SQL grouped by UTC hour before.
    let zone = client_core::local_time::Zone::parse("America/Chicago").unwrap_or_default();
    let (p50, p99, max) = timed(10, |i| {
        let store = store.clone();
        let school = SchoolId::from_u128(i as u128 % SCHOOLS + 1);
        async move {
            let rows = store.overcalling_times(school, periods[2].0, TO).await?;
            let mut hours = [0u32; 24];
            let mut weeks = std::collections::BTreeMap::new();
            for a in &rows {
                let t = Timestamp::from_millis(a.occurred_at);
                hours[zone.hour(t) as usize] += 1;
                *weeks.entry(zone.week(t)).or_insert(0u32) += 1;
            }
            Ok(rows.len() + weeks.len())
        }
    })
    .await?;
    lines.push((
        "dashboard: one school's year by local hour and week",
        p50,
        p99,
        max,
        "<= 200 ms",
    ));
    println!(
        "\n| {label}, {n} records | p50 ms | p99 ms | max ms | target |\n|---|---|---|---|---|"
    );
    for (what, p50, p99, max, target) in lines {
        println!("| {what} | {p50:.2} | {p99:.2} | {max:.2} | {target} |");
    }
    println!();
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let dir = tempfile_dir()?;
    let settings = Settings {
        data_dir: dir.clone(),
        ..Settings::default()
    };
    run("SQLite", Store::open(&settings).await?, n).await?;
    std::fs::remove_dir_all(&dir).ok();
    match std::env::var("FIELDLOG_TEST_POSTGRES") {
        Ok(url) => {
            use sea_orm::{ConnectionTrait, Database};
            let name = format!("fieldlog_bench_{}", std::process::id());
            let admin = Database::connect(&url).await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
            let settings = Settings {
                database_url: Some(format!("{base}/{name}")),
                ..Settings::default()
            };
            let store = Store::open(&settings).await?;
            let out = run("PostgreSQL", store.clone(), n).await;
            drop(store);
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
            out?;
        }
        Err(_) => println!("PostgreSQL: SKIPPED (set FIELDLOG_TEST_POSTGRES to measure it)"),
    }
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("fieldlog-oversight-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
