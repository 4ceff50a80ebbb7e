//! Pieces the side-by-side benchmark, the soak and the fault stories share:
//! records from a fixed seed, a byte-counting round-robin TCP proxy, and
//! process figures read from /proc.

use client_core::record::*;
use client_core::vocabulary::*;
use client_core::{Record, RecordId, SchoolId, StudentKey, Timestamp, UserId};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// splitmix64: the same records on every run, without a dependency.
pub struct Seeded(u64);

impl Seeded {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len())]
    }

    pub fn uuid(&mut self) -> uuid::Uuid {
        let bytes = ((self.next_u64() as u128) << 64 | self.next_u64() as u128).to_le_bytes();
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

const NARRATIVES: &[&str] = &[
    "Teacher asked me to remove a student who refused to leave class; declined and referred back to the administrator.",
    "Student came to the office upset about a conflict on the bus; we talked it through and they went back to class.",
    "Two students argued in the cafeteria; separated them verbally, the assistant principal took over.",
    "Checked on a student a counselor was worried about; connected them with the counselor.",
    "Hallway disagreement before first period; both students calmed down after a short conversation.",
];

/// One submitted record, drawn from `rng`; `at` is when it happened.
pub fn seeded_record(rng: &mut Seeded, officer: UserId, school: SchoolId, at: Timestamp) -> Record {
    let mut r = Record::draft(RecordId(rng.uuid()), school, officer, at);
    r.ended_at = Some(at.plus_minutes(5 + rng.below(30) as i64));
    r.location = Some(rng.pick(Location::ALL));
    let staff = rng.below(3) != 0;
    r.initiated_by = Some(if staff {
        InitiatedBy::SchoolStaff
    } else {
        InitiatedBy::OfficerSelf
    });
    if staff {
        r.request = Some(StaffRequest {
            staff_id: Some(format!("staff-{}", rng.below(40))),
            staff_role: Some(rng.pick(&[StaffRole::Teacher, StaffRole::Administrator])),
            reason: Some("student refused to leave class".into()),
            requested_at: Some(at),
        });
    }
    r.category = Some(rng.pick(&[
        Category::CodeOfConduct,
        Category::RelationshipBuilding,
        Category::WelfareCheck,
    ]));
    r.would_warrant_911 = Some(false);
    r.sro_role = Some(SroRole::InformalCounselor);
    let race = rng.pick(&[
        Race::White,
        Race::Black,
        Race::Asian,
        Race::AmericanIndianAlaskaNative,
    ]);
    let sex = rng.pick(&[Sex::Female, Sex::Male]);
    r.students = vec![Student {
        key: StudentKey(rng.uuid()),
        reference: format!("S-{}", 10_000 + rng.below(80_000)),
        age: Some(11 + rng.below(7) as u8),
        grade: Some(6 + rng.below(7) as u8),
        perceived: Some(Demographics {
            race: vec![race],
            hispanic_latino: Some(rng.below(4) == 0),
            sex: Some(sex),
            disability: Some(Disability::Unknown),
            english_learner: None,
        }),
        school_record: Some(Demographics {
            disability: Some(Disability::None),
            english_learner: Some(EnglishLearner::No),
            ..Default::default()
        }),
        sogi: None,
    }];
    r.deescalation = vec![DeescalationStep {
        technique: Technique::Verbal,
        at: Some(at),
        note: Some("talked it through".into()),
        effective: Some(true),
    }];
    r.actions = vec![rng.pick(&[
        ActionTaken::DeclinedDisciplineMatter,
        ActionTaken::Counseled,
        ActionTaken::ReferredToCounselor,
    ])];
    r.narrative = Some(NARRATIVES[rng.below(NARRATIVES.len())].into());
    r.submit(at.plus_minutes(40));
    r
}

/// A TCP proxy on 127.0.0.1 that counts every byte both ways (HTTP headers
/// and WebSocket framing included: what crosses the wire) and hands each new
/// connection to the next upstream in turn.
#[derive(Clone)]
pub struct Proxy {
    pub addr: std::net::SocketAddr,
    up: Arc<AtomicU64>,
    down: Arc<AtomicU64>,
}

impl Proxy {
    pub async fn start(upstreams: Vec<String>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (up, down) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let next = Arc::new(AtomicUsize::new(0));
        let (u, d) = (up.clone(), down.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let target =
                    upstreams[next.fetch_add(1, Ordering::Relaxed) % upstreams.len()].clone();
                let (u, d) = (u.clone(), d.clone());
                tokio::spawn(async move {
                    let _ = client.set_nodelay(true);
                    let Ok(server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    let _ = server.set_nodelay(true);
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    tokio::join!(pump(cr, sw, u), pump(sr, cw, d));
                });
            }
        });
        Ok(Self { addr, up, down })
    }

    /// Bytes (client to server, server to client) since the last call.
    pub fn take(&self) -> (u64, u64) {
        (
            self.up.swap(0, Ordering::Relaxed),
            self.down.swap(0, Ordering::Relaxed),
        )
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    count: Arc<AtomicU64>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                count.fetch_add(n as u64, Ordering::Relaxed);
                if to.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown().await;
}

/// CPU seconds (user + system) a process has used.
pub fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

/// A /proc/<pid>/status figure in kB (VmRSS, VmHWM).
pub fn status_kb(pid: u32, field: &str) -> u64 {
    proc_kb(&format!("/proc/{pid}/status"), field)
}

/// A "Field: n kB" line of a /proc file (status, meminfo).
pub fn proc_kb(path: &str, field: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Starts a new peak-RSS window for `pid` (Linux: clear_refs 5 resets VmHWM).
pub fn reset_peak_rss(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// Bytes under a folder (files only).
pub fn dir_bytes(path: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// gzip -9 size of `bytes`, the yardstick for "bytes on the wire".
/// gzip at the default level, as a browser's CompressionStream("gzip") sends it.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("in memory");
    e.finish().expect("in memory")
}

pub fn gzip_len(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).expect("in memory");
    e.finish().expect("in memory").len()
}
