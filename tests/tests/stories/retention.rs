//! Issue 15: a device holds the current and the previous review period of
//! synced records (plus drafts and anything unsynced). The server pulls
//! nothing older to any device, and a device lets an old record go once the
//! server has it. On main before this, a fresh device pulled every record the
//! officer ever wrote, and nothing ever left a phone.

use super::{contact, now};
use client_core::period::PeriodCalendar;
use client_core::replica::SyncStatus;
use client_core::retention::{DEFAULT_PERIODS, window_start};
use client_core::vocabulary::Status;
use fieldlog_tests::{Db, TestServer};

#[tokio::test]
async fn a_fresh_device_pulls_only_the_window_and_drafts_and_old_synced_records_leave()
-> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let officer = s.login("sro.martinez").await?;
        let window = window_start(&PeriodCalendar::default(), now(), DEFAULT_PERIODS);
        let mut phone = officer.replica(1);
        let recent = contact(officer.user, officer.first_school());
        let mut old = contact(officer.user, officer.first_school());
        old.occurred_at = window.plus_hours(-24 * 30);
        old.ended_at = Some(old.occurred_at.plus_minutes(10));
        old.submit(now().plus_minutes(-5));
        super::answered(&mut old);
        let mut old_draft = contact(officer.user, officer.first_school());
        old_draft.occurred_at = window.plus_hours(-24 * 40);
        old_draft.ended_at = Some(old_draft.occurred_at.plus_minutes(10));
        assert_eq!(old_draft.status, Status::Draft);
        for r in [&recent, &old, &old_draft] {
            phone.create(r, now())?;
        }
        // Before the push nothing may leave; the reply to it settles `old`.
        s.sync(&officer.token, &mut phone).await?;
        assert_eq!(phone.status(recent.id), SyncStatus::Synced, "{}", db.name());
        let held = phone.record_ids();
        assert!(
            held.contains(&recent.id) && held.contains(&old_draft.id),
            "{}",
            db.name()
        );
        assert!(
            !held.contains(&old.id),
            "{}: the phone let the old synced record go",
            db.name()
        );
        assert_eq!(phone.take_dirty().dropped, vec![old.id], "{}", db.name());

        let mut fresh = officer.replica(2);
        s.sync(&officer.token, &mut fresh).await?;
        assert_eq!(fresh.retain_from(), Some(window), "{}", db.name());
        let pulled = fresh.record_ids();
        assert!(pulled.contains(&recent.id), "{}", db.name());
        assert!(
            pulled.contains(&old_draft.id),
            "{}: drafts travel whatever their age",
            db.name()
        );
        assert!(
            !pulled.contains(&old.id),
            "{}: nothing older than the window is pulled",
            db.name()
        );
        // The demo's records too: everything pulled is in the window or a draft.
        for id in pulled {
            let r = fresh.record(id)?;
            assert!(
                r.status == Status::Draft || r.occurred_at >= window,
                "{}: {id} occurred {} before the window",
                db.name(),
                r.occurred_at
            );
        }
        // And the old record still reads online.
        let (status, _) = s
            .get(
                Some(&officer.token),
                &format!("/api/v1/incidents/{}", old.id),
            )
            .await?;
        assert_eq!(status, 200, "{}", db.name());
    }
    Ok(())
}

/// The agency's setting, from the host: with one period kept, a record of
/// the previous period leaves the phone at its next sync. Before, nothing
/// could change the setting.
#[tokio::test]
async fn the_agency_narrows_the_window_and_phones_follow() -> anyhow::Result<()> {
    let s = TestServer::start(&Db::Sqlite).await?;
    let officer = s.login("sro.chen").await?;
    let cal = PeriodCalendar::default();
    let current = window_start(&cal, now(), 1);
    let mut phone = officer.replica(1);
    let mut last_period = contact(officer.user, officer.first_school());
    last_period.occurred_at = current.plus_hours(-24);
    last_period.ended_at = Some(last_period.occurred_at.plus_minutes(10));
    last_period.submit(now().plus_minutes(-5));
    super::answered(&mut last_period);
    phone.create(&last_period, now())?;
    s.sync(&officer.token, &mut phone).await?;
    assert!(
        phone.record_ids().contains(&last_period.id),
        "two periods kept"
    );

    let bad = s.cli(&["settings", "device-retention", "--periods", "0"], "")?;
    assert!(!bad.status.success(), "0 periods is refused");
    let out = s.cli(&["settings", "device-retention", "--periods", "1"], "")?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    s.sync(&officer.token, &mut phone).await?;
    assert_eq!(phone.retain_from(), Some(current));
    assert!(
        !phone.record_ids().contains(&last_period.id),
        "it left the phone"
    );
    Ok(())
}
