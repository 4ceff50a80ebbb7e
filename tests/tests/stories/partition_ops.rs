//! The partition holds for every operation, not only every state (issue 16,
//! "strict documents"): a pulled document carries its whole history, so a
//! school-record value that no state of the account shows (added and
//! deleted within one change, or the losing side of two devices' conflict)
//! would still reach the supervisor. The server refuses such a push.

use super::integrity::{account, history};
use super::{contact, now};
use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ROOT, ReadDoc};
use client_core::sync::RefusalCode;
use fieldlog_tests::{Db, TestServer};

/// A value no part of the demo data holds, to look for in the history.
const SECRET: &str = "iep-on-file-7731";

fn student0(am: &automerge::AutoCommit) -> anyhow::Result<ObjId> {
    let (_, students) = am.get(ROOT, "students")?.expect("students");
    let (_, s0) = am.get(&students, 0)?.expect("student 0");
    Ok(s0)
}

#[tokio::test]
async fn a_value_added_and_deleted_within_one_change_is_refused() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let sup = s.login("sgt.alvarez").await?;
        let mut phone = officer.replica(1);
        let r = contact(officer.user, officer.first_school());
        phone.create(&r, now())?;
        s.sync(&officer.token, &mut phone).await?;

        // One hand-made change: no state after it holds the value.
        let am = phone.document(&account(r.id)).expect("account").automerge();
        let s0 = student0(am)?;
        let sr = am.put_object(&s0, "school_record", ObjType::Map)?;
        am.put(&sr, "disability", SECRET)?;
        am.delete(&s0, "school_record")?;
        am.commit();
        assert!(am.get(&s0, "school_record")?.is_none());
        let report = s.sync(&officer.token, &mut phone).await?;
        assert_eq!(report.refused.len(), 1, "{}: {report:?}", db.name());
        let refusal = &report.refused[0];
        assert_eq!(refusal.code, RefusalCode::WrongPartition, "{refusal:?}");
        assert_eq!(refusal.field.as_deref(), Some("students[0].school_record"));
        assert!(!refusal.reason.contains(SECRET), "{refusal:?}");

        let mut desk = sup.replica(7);
        s.sync(&sup.token, &mut desk).await?;
        let seen = history(desk.document(&account(r.id)).expect("the account"));
        for needle in ["school_record", SECRET] {
            assert!(
                !seen.contains(needle),
                "{}: {needle} reached the supervisor",
                db.name()
            );
        }
    }
    Ok(())
}

#[tokio::test]
async fn the_losing_side_of_a_conflict_is_refused_too() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let sup = s.login("sgt.alvarez").await?;
        // Device 1's actor sorts below device 2's: its value loses a tie.
        let mut low = officer.replica(1);
        let mut high = officer.replica(2);
        let r = contact(officer.user, officer.first_school());
        low.create(&r, now())?;
        s.sync(&officer.token, &mut low).await?;
        s.sync(&officer.token, &mut high).await?;

        // Concurrently: device 2 clears the perceived values (an ordinary
        // edit), device 1 puts a map there hiding a school-record value.
        let am = high.document(&account(r.id)).expect("account").automerge();
        let s0 = student0(am)?;
        am.put(&s0, "perceived", ())?;
        am.commit();
        let report = s.sync(&officer.token, &mut high).await?;
        assert_eq!(report.refused, vec![], "{}", db.name());

        let am = low.document(&account(r.id)).expect("account").automerge();
        let s0 = student0(am)?;
        let p = am.put_object(&s0, "perceived", ObjType::Map)?;
        am.put(&p, "school_record", SECRET)?;
        am.commit();

        // Merged, the hand-made value loses: no state the server reaches
        // shows it.
        let mut merged = high
            .document(&account(r.id))
            .expect("account")
            .automerge()
            .fork();
        merged.merge(am)?;
        let s0 = student0(&merged)?;
        assert_eq!(
            merged.get(&s0, "perceived")?.map(|(v, _)| v.is_null()),
            Some(true)
        );

        let report = s.sync(&officer.token, &mut low).await?;
        assert_eq!(report.refused.len(), 1, "{}: {report:?}", db.name());
        let refusal = &report.refused[0];
        assert_eq!(refusal.code, RefusalCode::WrongPartition, "{refusal:?}");
        assert_eq!(
            refusal.field.as_deref(),
            Some("students[0].perceived.school_record")
        );

        let mut desk = sup.replica(7);
        s.sync(&sup.token, &mut desk).await?;
        let seen = history(desk.document(&account(r.id)).expect("the account"));
        for needle in ["school_record", SECRET] {
            assert!(
                !seen.contains(needle),
                "{}: {needle} reached the supervisor",
                db.name()
            );
        }
    }
    Ok(())
}
