//! The record projection, derived from a record's documents by client-core
//! (flags, reporting categories) for the store's searchable rows, and its
//! re-derivation at start for rows of an older `PROJECTION`.

use crate::store::StoreError;
use crate::store::documents::{RecordRow, StoredDoc, StudentRow};
use crate::sync::Domain;
use client_core::document::{Account, DocId, Document, Restricted, actor_id, join};
use client_core::flag::{flags, needs_review, received_submitted};
use client_core::record::{Demographics, Record};
use client_core::report::{self, AgeBand, RaceEthnicity};
use client_core::{DeviceId, DocKind, Timestamp, UserId};

/// The searchable projection of a record written at `now`; `earlier` is
/// when the server first received it as submitted, if it already had
/// (lateness and the school years' tables rest on that receipt).
pub fn record_row(r: &Record, now: Timestamp, earlier: Option<Timestamp>) -> RecordRow {
    let received = received_submitted(r, earlier, now);
    let f = flags(r, now, received);
    RecordRow {
        record: r.id,
        officer: r.officer_id,
        school: r.school_id,
        occurred_at: r.occurred_at.millis(),
        status: r.status.as_str().into(),
        location: r.location.map(|x| x.as_str().into()),
        initiated_by: r.initiated_by.map(|x| x.as_str().into()),
        staff_role: r
            .request
            .as_ref()
            .and_then(|q| q.staff_role)
            .map(|x| x.as_str().into()),
        staff_id: r
            .request
            .as_ref()
            .and_then(|q| q.staff_id.clone())
            .filter(|s| !s.trim().is_empty()),
        category: r.category.map(|x| x.as_str().into()),
        would_warrant_911: r.would_warrant_911,
        not_safety_matter: r.is_not_a_safety_matter(),
        actions: r.actions.iter().map(|a| a.as_str().into()).collect(),
        flags: f.iter().map(|x| x.code.as_str().into()).collect(),
        needs_review: needs_review(r, &f),
        submitted_at: r.submitted_at.map(|t| t.millis()),
        received_submitted_at: received.map(|t| t.millis()),
        enforcement: r
            .actions
            .iter()
            .filter(|a| a.counts_toward_outlier())
            .count() as i32,
        outcomes: report::Outcome::ALL
            .iter()
            .map(|o| o.in_actions(&r.actions))
            .collect(),
        students: student_rows(r),
    }
}

/// Demographic rows per student and source. The two sources stay apart, and
/// SOGI is never projected: reports must not be able to cross-tabulate it.
/// Every student has a row for each source (all unknown when that source
/// says nothing), so both sources' reports count the same interactions.
fn student_rows(r: &Record) -> Vec<StudentRow> {
    let mut out = Vec::new();
    let none = Demographics::default();
    for (i, s) in r.students.iter().enumerate() {
        for (source, d) in [
            ("perceived", &s.perceived),
            ("school_record", &s.school_record),
        ] {
            {
                let d = d.as_ref().unwrap_or(&none);
                out.push(StudentRow {
                    index: i as i32,
                    key: s.key.0,
                    source: source.into(),
                    race: d.race.iter().map(|x| x.as_str().into()).collect(),
                    hispanic_latino: d.hispanic_latino,
                    sex: d.sex.map(|x| x.as_str().into()),
                    disability: d.disability.map(|x| x.as_str().into()),
                    english_learner: d.english_learner.map(|x| x.as_str().into()),
                    age: s.age.map(i32::from),
                    grade: s.grade.map(i32::from),
                    race_ethnicity: RaceEthnicity::of(d).as_str().into(),
                    age_band: AgeBand::of(s.age).as_str().into(),
                });
            }
        }
    }
    out
}

/// The record held by an account document and, if present, its restricted part.
pub(crate) fn record_of(
    account: &Document,
    restricted: Option<&Document>,
) -> Result<Record, String> {
    let a: Account = account.read().map_err(|e| e.to_string())?;
    let r = match restricted {
        Some(x) if !x.is_empty() => Some(x.read::<Restricted>().map_err(|e| e.to_string())?),
        _ => None,
    };
    Ok(join(a, r.as_ref()))
}

/// Re-derives the projection of records written under an older
/// `PROJECTION` from their documents, in batches; returns how many. Runs at
/// start, before the server answers, so queries never mix versions.
pub async fn reproject(state: Domain<'_>, now: Timestamp) -> Result<u64, StoreError> {
    let server = actor_id(UserId::from_u128(0), DeviceId::from_u128(0));
    let mut done = 0;
    loop {
        let ids = state.store.stale_records(200).await?;
        if ids.is_empty() {
            return Ok(done);
        }
        let wanted: Vec<DocId> = ids
            .iter()
            .flat_map(|r| {
                [DocKind::Account, DocKind::Restricted].map(|kind| DocId { record: *r, kind })
            })
            .collect();
        let mut found = state.store.documents(state.store.db(), &wanted).await?;
        let tx = state.store.begin_write().await?;
        // Kept in the row, not derivable from the documents: re-deriving
        // never moves it (migration 9 backfilled the rows written before).
        let first = state.store.received_submitted(&tx.tx, &ids).await?;
        let row =
            |r: &Record, t: Option<&i64>| record_row(r, now, t.map(|t| Timestamp::from_millis(*t)));
        for id in ids {
            let load = |s: StoredDoc| Document::load(s.id, &s.snapshot, server.clone());
            let account = found.remove(&DocId {
                record: id,
                kind: DocKind::Account,
            });
            let restricted = found.remove(&DocId {
                record: id,
                kind: DocKind::Restricted,
            });
            let (Some(account), restricted) = (account, restricted) else {
                return Err(StoreError::Damaged(format!(
                    "record {id} has no account document"
                )));
            };
            let account = load(account).map_err(|e| StoreError::Damaged(e.to_string()))?;
            let restricted = restricted
                .map(load)
                .transpose()
                .map_err(|e| StoreError::Damaged(e.to_string()))?;
            let record = record_of(&account, restricted.as_ref()).map_err(StoreError::Damaged)?;
            state
                .store
                .save_record_row(&tx.tx, &row(&record, first.get(&id)), now.millis())
                .await?;
            done += 1;
        }
        tx.commit().await?;
    }
}
