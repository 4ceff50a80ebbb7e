//! Versions of the rules (issue 19, part 5). New required fields apply to
//! new submissions; a submitted record keeps validating under the rules it
//! was submitted under, stamped in the record itself (`rules_version`), so
//! the phone and the server agree on it without asking anyone.
//!
//! | version | adds |
//! |---|---|
//! | 1 | DOMAIN.md rules 1-6 (records from before versions carry no stamp) |
//! | 2 | the offense coded with its severity instead of in words, rule 7 (probable cause for any custody; a frisk is custody), custody duration and the guardian's notification, the interrogation questions, the legal basis of each search and seizure, transport out of view, the reason for an entry made a day late |

use super::{Problem, RuleCode};
use crate::record::Record;
use crate::timestamp::Timestamp;
use crate::vocabulary::Status;

/// The rules a record submitted today is checked against.
pub const CURRENT: u16 = 2;

/// The version of a record that carries no stamp.
pub const FIRST: u16 = 1;

/// How long after the upgrade a first submission under older rules is
/// still taken: longer than a phone plausibly stays offline, short enough
/// that "submitted before the upgrade" cannot be claimed for ever.
pub const OFFLINE_GRACE_DAYS: i64 = 14;

/// The rules `r` is checked against: a draft is not yet submitted, so the
/// current ones; a submitted record, the ones it was submitted under.
pub fn applied(r: &Record) -> u16 {
    match r.status {
        Status::Draft => CURRENT,
        Status::Submitted => r.rules_version.unwrap_or(FIRST),
    }
}

/// The rules a device's next save of `stored` applies (a new record's:
/// the current ones), so the form asks that version's questions: a
/// submitted record keeps its stamp, unless the server refused the stamp
/// (`retake`), when the officer completes it under the current rules.
pub fn next_save(stored: Option<&Record>, retake: bool) -> u16 {
    match stored {
        _ if retake => CURRENT,
        Some(r) => applied(r),
        None => CURRENT,
    }
}

/// What a device does as it saves `after` over `before` (its own copy):
/// a first submission takes the current rules; after that the stamp is the
/// one it was submitted under, whatever the app sent. `retake` is set when
/// the server refused the record's stamp (an out-of-date app submitted it):
/// the officer completes it under the current rules instead.
pub fn stamp(before: Option<&Record>, after: &mut Record, retake: bool) {
    let was_submitted = before.filter(|b| b.status == Status::Submitted);
    after.rules_version = match (after.status, was_submitted) {
        (Status::Draft, _) => None,
        (Status::Submitted, _) if retake => Some(CURRENT),
        (Status::Submitted, Some(b)) => b.rules_version,
        (Status::Submitted, None) => Some(CURRENT),
    };
}

/// What the server knows when it checks a stamp.
#[derive(Clone, Copy, Debug)]
pub struct Upgrade {
    /// When this deployment first ran the current rules.
    pub adopted_at: Timestamp,
    /// The server's clock.
    pub now: Timestamp,
    /// When the server first received this record as submitted, before
    /// the request being checked, if ever (it may be a draft again since).
    pub first_submitted: Option<Timestamp>,
}

/// The server's check of a pushed record's stamp. A record first submitted
/// under older rules is taken only from a phone offline across the upgrade:
/// the device says it submitted before `adopted_at`, the server never had
/// it as submitted after then, and the upgrade is less than
/// `OFFLINE_GRACE_DAYS` old. Otherwise the app was out of date (or the
/// claim is not believable), and the officer is asked to complete the
/// record under the current rules. A submitted record never goes back to
/// older rules.
pub fn check(before: Option<&Record>, after: &Record, at: Upgrade) -> Result<(), Problem> {
    if after.rules_version.is_some_and(|v| v == 0 || v > CURRENT) {
        return Err(Problem::invalid(
            RuleCode::UnknownValue,
            "rules_version",
            format!("rules version {CURRENT} is the newest this server knows"),
        ));
    }
    if after.status == Status::Draft {
        return Ok(());
    }
    let now = applied(after);
    match before.filter(|b| b.status == Status::Submitted) {
        Some(b) if now < applied(b) => Err(Problem::invalid(
            RuleCode::HistoryRewritten,
            "rules_version",
            "a submitted record keeps the rules it was submitted under",
        )),
        Some(_) => Ok(()),
        None if now < CURRENT && !offline_across(after, at) => Err(Problem::invalid(
            RuleCode::RulesOutdated,
            "rules_version",
            "submitted from an out-of-date app: open it in the updated app, complete what the current rules ask, and submit it again",
        )),
        None => Ok(()),
    }
}

/// Whether a first submission under older rules came from a phone offline
/// across the upgrade (`check`).
fn offline_across(r: &Record, at: Upgrade) -> bool {
    let claimed_before = r.submitted_at.is_some_and(|s| s < at.adopted_at);
    let received_before = at.first_submitted.is_none_or(|t| t < at.adopted_at);
    let in_grace = at.now < at.adopted_at.plus_hours(24 * OFFLINE_GRACE_DAYS);
    claimed_before && received_before && in_grace
}
