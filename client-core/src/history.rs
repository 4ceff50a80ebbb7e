//! A record's history as one role may see it (API.md Additions,
//! `GET /incidents/{id}/history`): who changed it, from which device, when,
//! what kind of change it was, and which fields it touched.
//!
//! A record is up to three Automerge documents, each with its own history.
//! Their changes are merged into one sequence by time (each document's own
//! causal order kept, so every prefix is a state the record really had);
//! the changes one user committed at one instant from one device (an edit
//! writes the account and the restricted part together) are one step. After
//! each step the caller turns the record into what the role sees (`show`,
//! the same view as reading the record), and the step's fields are the
//! paths whose shown value changed. Values are never part of an entry, and
//! a step that changed nothing the role sees is left out, so neither a
//! hidden value nor the fact that it changed reaches the role.

use crate::Record;
use crate::closed_set;
use crate::document::{DocumentError, RecordDocs, actor_device, actor_user, join};
use crate::ids::{DeviceId, UserId};
use crate::review::Reviews;
use crate::timestamp::Timestamp;
use crate::vocabulary::Status;
use automerge::{AutoCommit, Change, ChangeHash};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashSet;

closed_set!(
    /// What a step of the history did.
    EntryKind {
        Created = "created", Edited = "edited", Submitted = "submitted",
        Amended = "amended", Reviewed = "reviewed", Redacted = "redacted",
    }
);

/// One step of a record's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub at: Timestamp,
    pub by: UserId,
    pub device: DeviceId,
    pub kind: EntryKind,
    /// Paths of the fields the step changed, as the role sees the record
    /// (`custody.basis`, `students[0].perceived.race`).
    pub fields: Vec<String>,
    /// The reason an amendment gave, when the role may read it.
    pub amendment_reason: Option<String>,
}

/// The history of `docs`, oldest first, as `show` presents the record to
/// one role. `show` must withhold what the role may not see, exactly as
/// reading the record does.
pub fn history(
    docs: &mut RecordDocs,
    show: impl Fn(&Record, &Reviews) -> Value,
) -> Result<Vec<Entry>, DocumentError> {
    let mut parts: Vec<Part> = [
        Some(&mut docs.account),
        docs.restricted.as_mut(),
        docs.review.as_mut(),
    ]
    .into_iter()
    .flatten()
    .map(|d| Part {
        changes: d.automerge().get_changes(&[]),
        doc: d.automerge().clone(),
        taken: 0,
    })
    .collect();
    let has_restricted = docs.restricted.is_some();
    let mut out = Vec::new();
    let mut before: Option<(Value, Status, usize)> = None;
    loop {
        // The part whose next change is earliest (ties: the first part).
        let next = (0..parts.len())
            .filter(|&p| parts[p].taken < parts[p].changes.len())
            .min_by_key(|&p| parts[p].changes[parts[p].taken].timestamp());
        let Some(p) = next else { break };
        let first = &parts[p].changes[parts[p].taken];
        let (actor, time) = (first.actor_id().clone(), first.timestamp());
        // Everything this actor committed at this instant, in every part.
        for part in &mut parts {
            while part.taken < part.changes.len()
                && part.changes[part.taken].actor_id() == &actor
                && part.changes[part.taken].timestamp() == time
            {
                part.taken += 1;
            }
        }
        let (record, reviews) = state(&mut parts, has_restricted)?;
        // What the server computes when the record is read (flags, the
        // review period) is not a change anyone made.
        let mut shown = show(&record, &reviews);
        if let Some(o) = shown.as_object_mut() {
            o.remove("flags");
            o.remove("review_period");
        }
        // Amendments as shown: a reason the role may not read is not there.
        let shown_amendments = shown
            .get("amendments")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let amendments = shown_amendments.len();
        // Not one of ours (no user and device halves): nobody, nowhere.
        let by = actor_user(&actor).unwrap_or(UserId::from_u128(0));
        let device = actor_device(&actor).unwrap_or(DeviceId::from_u128(0));
        // The server writes a record's documents only when it removes their
        // earlier versions (`redaction::compact`): a history that starts
        // with the server's change starts at a redaction, not a creation.
        let first = if by.0.is_nil() {
            EntryKind::Redacted
        } else {
            EntryKind::Created
        };
        let (fields, kind, reason) = match &before {
            None => (paths(&Value::Null, &shown), first, None),
            Some((was, status, had)) => {
                let fields = paths(was, &shown);
                let kind = if *status == Status::Draft && record.status == Status::Submitted {
                    EntryKind::Submitted
                } else if fields
                    .iter()
                    .all(|f| f == "reviews" || f.starts_with("reviews["))
                {
                    EntryKind::Reviewed
                } else if *status == Status::Submitted {
                    EntryKind::Amended
                } else {
                    EntryKind::Edited
                };
                let reason = (kind == EntryKind::Amended && amendments > *had)
                    .then(|| shown_amendments.last()?.get("reason")?.as_str())
                    .flatten()
                    .filter(|r| !r.is_empty())
                    .map(str::to_string);
                (fields, kind, reason)
            }
        };
        before = Some((shown, record.status, amendments));
        if fields.is_empty() {
            continue;
        }
        out.push(Entry {
            at: Timestamp::from_millis(time.saturating_mul(1000)),
            by,
            device,
            kind,
            fields,
            amendment_reason: reason,
        });
    }
    Ok(out)
}

/// The sensitive fields (`fields::FIELDS`) a history discloses something
/// of, for the access log: each one a step says changed, and the
/// amendment reasons it carries. A path names its field whatever the list
/// index (`students[1].perceived.race` is `students.perceived`).
pub fn disclosed(entries: &[Entry]) -> Vec<&'static str> {
    let plain = |p: &str| {
        let mut out = String::with_capacity(p.len());
        let mut skip = false;
        for ch in p.chars() {
            match ch {
                '[' => skip = true,
                ']' => skip = false,
                c if !skip => out.push(c),
                _ => {}
            }
        }
        out
    };
    let changed: Vec<String> = entries
        .iter()
        .flat_map(|e| e.fields.iter().map(|f| plain(f)))
        .collect();
    crate::fields::FIELDS
        .iter()
        .map(|f| f.path)
        .filter(|path| {
            let under = format!("{path}.");
            changed.iter().any(|c| c == path || c.starts_with(&under))
                || (*path == "amendments.reason"
                    && entries.iter().any(|e| e.amendment_reason.is_some()))
        })
        .collect()
}

/// One document's changes in causal order, and how many are taken so far
/// (a prefix of a causal order is a state the document had).
struct Part {
    changes: Vec<Change>,
    doc: AutoCommit,
    taken: usize,
}

impl Part {
    /// The heads of the taken prefix: taken changes no other taken change
    /// depends on.
    fn heads(&self) -> Vec<ChangeHash> {
        let taken = &self.changes[..self.taken];
        let deps: HashSet<ChangeHash> = taken.iter().flat_map(|c| c.deps().to_vec()).collect();
        taken
            .iter()
            .map(|c| c.hash())
            .filter(|h| !deps.contains(h))
            .collect()
    }
}

/// The record and reviews after the taken prefixes. Parts are account,
/// then restricted when `has_restricted`, then review when present.
fn state(parts: &mut [Part], has_restricted: bool) -> Result<(Record, Reviews), DocumentError> {
    let mut docs: Vec<Option<AutoCommit>> = Vec::new();
    for part in parts.iter_mut() {
        docs.push(if part.taken == 0 {
            None
        } else {
            let heads = part.heads();
            Some(
                part.doc
                    .fork_at(&heads)
                    .map_err(|e| DocumentError::Corrupt(e.to_string()))?,
            )
        });
    }
    let account = match docs.first().and_then(Option::as_ref) {
        Some(d) => hydrate_part(d)?,
        None => {
            return Err(DocumentError::Corrupt(
                "a change before the account existed".into(),
            ));
        }
    };
    let restricted = if has_restricted {
        docs.get(1)
            .and_then(Option::as_ref)
            .filter(|d| !d.is_empty())
            .map(hydrate_part)
            .transpose()?
    } else {
        None
    };
    let review_at = if has_restricted { 2 } else { 1 };
    let reviews = docs
        .get(review_at)
        .and_then(Option::as_ref)
        .filter(|d| !d.is_empty())
        .map(hydrate_part)
        .transpose()?
        .unwrap_or_default();
    Ok((join(account, restricted.as_ref()), reviews))
}

fn hydrate_part<T: autosurgeon::Hydrate>(d: &AutoCommit) -> Result<T, DocumentError> {
    autosurgeon::hydrate(d).map_err(|e| DocumentError::Corrupt(e.to_string()))
}

/// Paths where `a` and `b` differ: objects by key, lists of objects by
/// index, anything else (a value, a list of values) as one field; a side
/// that is absent counts as empty. Paths only, never values.
pub fn paths(a: &Value, b: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(a, b, String::new(), &mut out);
    out
}

fn walk(a: &Value, b: &Value, at: String, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    let key = |k: &str| {
        if at.is_empty() {
            k.to_string()
        } else {
            format!("{at}.{k}")
        }
    };
    let empty = serde_json::Map::new();
    let object = |v: &Value| match v {
        Value::Object(m) => Some(m.clone()),
        Value::Null => Some(empty.clone()),
        _ => None,
    };
    let objects = |v: &Value| match v {
        Value::Array(xs) => xs.iter().any(Value::is_object),
        _ => false,
    };
    if (a.is_object() || b.is_object())
        && let (Some(x), Some(y)) = (object(a), object(b))
    {
        let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            let none = Value::Null;
            walk(
                x.get(k).unwrap_or(&none),
                y.get(k).unwrap_or(&none),
                key(k),
                out,
            );
        }
        return;
    }
    if objects(a) || objects(b) {
        let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
        let (x, y) = (list(a), list(b));
        for i in 0..x.len().max(y.len()) {
            let none = Value::Null;
            walk(
                x.get(i).unwrap_or(&none),
                y.get(i).unwrap_or(&none),
                format!("{at}[{i}]"),
                out,
            );
        }
        return;
    }
    out.push(at);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_paths_name_fields_not_values() {
        let a = json!({"narrative": "x", "actions": ["warning"], "custody": null,
            "students": [{"perceived": {"race": ["white"]}}]});
        let b = json!({"narrative": "y", "actions": ["warning", "citation"],
            "custody": {"basis": "b", "duration_minutes": 4},
            "students": [{"perceived": {"race": ["asian"]}}, {"perceived": {}}]});
        assert_eq!(
            paths(&a, &b),
            vec![
                "actions",
                "custody.basis",
                "custody.duration_minutes",
                "narrative",
                "students[0].perceived.race",
            ]
        );
        assert!(paths(&a, &a).is_empty());
        let step = |fields: &[&str], reason: Option<&str>| Entry {
            at: Timestamp::from_millis(0),
            by: UserId::from_u128(1),
            device: DeviceId::from_u128(2),
            kind: EntryKind::Amended,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            amendment_reason: reason.map(String::from),
        };
        assert_eq!(
            disclosed(&[
                step(
                    &["students[1].perceived.race", "location", "narrative"],
                    None
                ),
                step(&["custody.basis"], Some("typo")),
            ]),
            [
                "students.perceived",
                "custody.basis",
                "narrative",
                "amendments.reason"
            ]
        );
        assert!(disclosed(&[step(&["location", "actions"], None)]).is_empty());
        // From nothing: every field present.
        assert_eq!(
            paths(&Value::Null, &json!({"a": 1, "b": {"c": 2}})),
            vec!["a", "b.c"]
        );
    }
}
