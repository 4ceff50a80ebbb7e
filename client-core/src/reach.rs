//! Whose records an actor reaches: the policy's scopes bound to the actor's
//! own ids, as the store turns them into SQL (lists, pulls, the aggregate
//! views), and a stamp of that reach for the sync cursor.
//!
//! The stamp exists because a cursor alone cannot tell a device that it now
//! may read records older than its cursor: a supervisor given a new officer,
//! a school leader given a school, or an agreement coming into force that
//! widens a role, or the deployment lengthening how long phones keep
//! records. The server issues every cursor under the caller's reach
//! stamp (`sync::Cursor::at`), and a cursor issued under another reach pulls
//! from the start (`sync::Cursor::resume`).

use crate::access::{Action, Actor, DocKind, Policy, Scope};
use crate::ids::{SchoolId, UserId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    Officers(Vec<UserId>),
    Schools(Vec<SchoolId>),
    Everywhere,
}

/// Which changes a reader may pull: per document kind, the officers or
/// schools whose documents it may read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullFilter {
    pub clauses: Vec<(DocKind, Reach)>,
}

/// The records `actor` may do `action` to: the policy's grants for the
/// role, bound to this actor.
pub fn reach(policy: &Policy, actor: &Actor, action: Action) -> Vec<Reach> {
    policy
        .scopes(actor.role, action)
        .into_iter()
        .map(|scope| match scope {
            Scope::OwnRecord => Reach::Officers(vec![actor.user]),
            Scope::SupervisedOfficer => Reach::Officers(actor.supervises.clone()),
            Scope::AssignedSchool => Reach::Schools(actor.schools.clone()),
            Scope::Anywhere => Reach::Everywhere,
        })
        .collect()
}

/// The officers and schools whose documents of each kind `actor` may pull,
/// from the same policy table `decide` reads.
pub fn pull_filter(policy: &Policy, actor: &Actor) -> PullFilter {
    let mut clauses = Vec::new();
    for kind in DocKind::ALL {
        for r in reach(policy, actor, Action::sync_read(*kind)) {
            clauses.push((*kind, r));
        }
    }
    PullFilter { clauses }
}

impl PullFilter {
    /// A stamp of what this filter lets through, the same in every process
    /// and build (FNV-1a over a canonical spelling: ids sorted, so the order
    /// the directory lists them in does not matter). 23 bits, never zero:
    /// a cursor from before stamps existed carries zero, so it pulls once
    /// from the start. Two different reaches share a stamp with odds of one
    /// in eight million; the cost would be a device that misses older
    /// records until its reach changes again.
    ///
    /// `retention` is the deployment's device retention setting (in
    /// periods): lengthened, the devices are owed older records too.
    pub fn stamp(&self, retention: u32) -> u32 {
        let mut clauses: Vec<(DocKind, Vec<u8>)> = self
            .clauses
            .iter()
            .map(|(kind, r)| (*kind, canonical(r)))
            .collect();
        clauses.sort();
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in retention.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        for (kind, bytes) in clauses {
            for b in kind.as_str().bytes().chain([0xff]).chain(bytes) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            h ^= 0xfe;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        let folded = ((h >> 32) ^ h) as u32 & crate::sync::Cursor::STAMP_MASK;
        folded.max(1)
    }
}

fn canonical(r: &Reach) -> Vec<u8> {
    let mut ids: Vec<[u8; 16]> = match r {
        Reach::Officers(ids) => ids.iter().map(|u| *u.0.as_bytes()).collect(),
        Reach::Schools(ids) => ids.iter().map(|s| *s.0.as_bytes()).collect(),
        Reach::Everywhere => Vec::new(),
    };
    ids.sort();
    ids.dedup();
    let tag = match r {
        Reach::Officers(_) => b'o',
        Reach::Schools(_) => b's',
        Reach::Everywhere => b'e',
    };
    std::iter::once(tag).chain(ids.concat()).collect()
}
