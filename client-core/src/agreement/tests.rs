use super::*;
use crate::access::{Grant, Scope, View};
use crate::directory::OrgKind;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap_or_default()
}

fn without(withheld: &[(Role, Action)]) -> Policy {
    let mut p = Policy::federal_default();
    p.grants.retain(|g| !withheld.contains(&(g.role, g.action)));
    p
}

fn with_views(mut p: Policy, views: &[(Role, View)]) -> Policy {
    p.views = views.to_vec();
    p
}

const URL: &str = "https://district.example/mou-2026.pdf";
const FROM: &str = "2026-08-01";
const REVIEW: &str = "2027-07-31";

#[test]
fn what_an_agreement_may_hold() {
    use Action::*;
    use Role::*;
    let mut wider = Policy::federal_default();
    wider.grants.push(Grant {
        role: Supervisor,
        action: SyncReadRestricted,
        scope: Scope::SupervisedOfficer,
    });
    let federal = Policy::federal_default;
    let no_supervisor_rows = without(&[
        (Supervisor, ReadRecord),
        (Supervisor, SyncReadAccount),
        (Supervisor, SyncReadReview),
        (Supervisor, SyncWriteReview),
        (Supervisor, WriteReview),
    ]);
    // (why, effective_from, review_by, published_url, policy, the field at fault)
    type Case<'a> = (&'a str, &'a str, &'a str, &'a str, Policy, Option<&'a str>);
    let cases: Vec<Case> = vec![
        ("the federal default", FROM, REVIEW, URL, federal(), None),
        (
            "less for leaders",
            FROM,
            REVIEW,
            URL,
            without(&[(SchoolLeader, ReadRecord)]),
            None,
        ),
        (
            "leaders' view taken away",
            FROM,
            REVIEW,
            URL,
            with_views(
                federal(),
                &[(Sro, View::Full), (Supervisor, View::Supervisor)],
            ),
            None,
        ),
        (
            "supervisors read nothing, sync nothing",
            FROM,
            REVIEW,
            URL,
            with_views(
                no_supervisor_rows.clone(),
                &[(Sro, View::Full), (SchoolLeader, View::Pseudonymised)],
            ),
            None,
        ),
        (
            "review a year and two days on",
            FROM,
            "2027-08-03",
            URL,
            federal(),
            Some("review_by"),
        ),
        (
            "review on the day it starts",
            FROM,
            FROM,
            URL,
            federal(),
            Some("review_by"),
        ),
        (
            "plain http",
            FROM,
            REVIEW,
            "http://district.example/mou",
            federal(),
            Some("published_url"),
        ),
        (
            "no host",
            FROM,
            REVIEW,
            "https://",
            federal(),
            Some("published_url"),
        ),
        (
            "a NUL in the address",
            FROM,
            REVIEW,
            "https://district.example/\0",
            federal(),
            Some("published_url"),
        ),
        (
            "supervisors given school records",
            FROM,
            REVIEW,
            URL,
            wider,
            Some("policy"),
        ),
        (
            "leaders given more of a record",
            FROM,
            REVIEW,
            URL,
            with_views(
                federal(),
                &[
                    (Sro, View::Full),
                    (Supervisor, View::Supervisor),
                    (SchoolLeader, View::Supervisor),
                ],
            ),
            Some("policy"),
        ),
        (
            "the admin locked out",
            FROM,
            REVIEW,
            URL,
            without(&[(Admin, ManageAgreements)]),
            Some("policy"),
        ),
        (
            "the log unread",
            FROM,
            REVIEW,
            URL,
            without(&[(Auditor, ReadAuditLog)]),
            Some("policy"),
        ),
        // A phone shows what it holds: no document syncs to a role that
        // may not read all of it.
        (
            "supervisors pseudonymised but synced",
            FROM,
            REVIEW,
            URL,
            with_views(
                federal(),
                &[
                    (Sro, View::Full),
                    (Supervisor, View::Pseudonymised),
                    (SchoolLeader, View::Pseudonymised),
                ],
            ),
            Some("policy"),
        ),
        (
            "supervisors without a view but synced",
            FROM,
            REVIEW,
            URL,
            with_views(
                federal(),
                &[(Sro, View::Full), (SchoolLeader, View::Pseudonymised)],
            ),
            Some("policy"),
        ),
        (
            "synced without reading",
            FROM,
            REVIEW,
            URL,
            without(&[(Supervisor, ReadRecord)]),
            Some("policy"),
        ),
        (
            "writes what it may not pull",
            FROM,
            REVIEW,
            URL,
            without(&[(Supervisor, SyncReadReview)]),
            Some("policy"),
        ),
        (
            "reviews without the review document",
            FROM,
            REVIEW,
            URL,
            without(&[(Supervisor, SyncReadReview), (Supervisor, SyncWriteReview)]),
            Some("policy"),
        ),
        (
            "creates without writing its account",
            FROM,
            REVIEW,
            URL,
            without(&[(Sro, SyncWriteAccount)]),
            Some("policy"),
        ),
        (
            "no reviews at all",
            FROM,
            REVIEW,
            URL,
            without(&[
                (Supervisor, SyncReadReview),
                (Supervisor, SyncWriteReview),
                (Supervisor, WriteReview),
            ]),
            None,
        ),
    ];
    for (why, from, review, url, policy, fault) in cases {
        let got = check(day(from), day(review), url, &policy).err();
        assert_eq!(
            got.as_ref().map(AgreementProblem::field),
            fault,
            "{why}: {got:?}"
        );
    }
    assert!(coherent(&Policy::federal_default()).is_ok());
}

#[test]
fn every_grant_but_the_kept_ones_may_be_withheld() {
    let offered = withholdable();
    assert_eq!(
        offered.len() + KEPT.len(),
        Policy::federal_default().grants.len()
    );
    assert!(offered.iter().all(|g| !KEPT.contains(&(g.role, g.action))));
}

#[test]
fn terms_keep_what_an_agreement_changed_not_the_whole_table() {
    let p = without(&[(Role::SchoolLeader, Action::ReadRecord)]);
    let terms = Terms::of(&p);
    assert_eq!(terms.withheld.len(), 1);
    assert_eq!(terms.policy(), p);
}

fn agreement(
    id: u128,
    agency: u128,
    district: u128,
    from: &str,
    signed: i64,
    policy: &Policy,
) -> Agreement {
    Agreement {
        id: Uuid::from_u128(id),
        agency: Uuid::from_u128(agency),
        district: Uuid::from_u128(district),
        effective_from: day(from),
        review_by: day(from) + Days::new(365),
        published_url: URL.into(),
        terms: Terms::of(policy),
        recorded_at: signed - 1,
        agency_signed_at: Some(signed - 1),
        district_signed_at: Some(signed),
    }
}

#[test]
fn which_agreement_binds_whom_and_when() {
    let (pd, sheriff, district) = (1, 2, 3);
    let narrow = without(&[(Role::SchoolLeader, Action::ReadRecord)]);
    let no_reports = without(&[(Role::Analyst, Action::ReadReport)]);
    let mut unsigned = agreement(
        14,
        pd,
        district,
        "2026-08-15",
        50,
        &Policy::federal_default(),
    );
    unsigned.district_signed_at = None;
    let all = [
        agreement(10, pd, district, "2026-08-01", 10, &narrow),
        // Replaced from January by a reviewed agreement.
        agreement(
            11,
            pd,
            district,
            "2027-01-01",
            20,
            &Policy::federal_default(),
        ),
        agreement(12, sheriff, district, "2026-08-01", 30, &no_reports),
        // Two the same day: the later signed wins.
        agreement(13, sheriff, district, "2026-08-01", 40, &narrow),
        // Recorded by the agency alone: it binds no one yet.
        unsigned,
    ];
    let org = |n: u128| Some(Uuid::from_u128(n));
    let may = |p: &Policy, role, action| !p.scopes(role, action).is_empty();
    // (who, on, leaders read records, analysts read reports)
    let cases = [
        ("before any", org(pd), "2026-07-31", true, true),
        (
            "the police department, autumn",
            org(pd),
            "2026-09-01",
            false,
            true,
        ),
        (
            "the police department, spring",
            org(pd),
            "2027-02-01",
            true,
            true,
        ),
        (
            "the sheriff: the later signed",
            org(sheriff),
            "2026-09-01",
            false,
            true,
        ),
        (
            "the district: both agencies' meet",
            org(district),
            "2026-09-01",
            false,
            true,
        ),
        (
            "the district in spring: the sheriff's still",
            org(district),
            "2027-02-01",
            false,
            true,
        ),
        (
            "an organisation with none",
            org(99),
            "2026-09-01",
            true,
            true,
        ),
        ("the deployment's own staff", None, "2026-09-01", true, true),
    ];
    for (why, who, on, leaders, analysts) in cases {
        let p = policy_for(&all, who, day(on));
        assert_eq!(
            (
                may(&p, Role::SchoolLeader, Action::ReadRecord),
                may(&p, Role::Analyst, Action::ReadReport)
            ),
            (leaders, analysts),
            "{why}"
        );
    }
    // The meet narrows a view as well as grants.
    let pseud_leader = with_views(
        Policy::federal_default(),
        &[
            (Role::Sro, View::Full),
            (Role::Supervisor, View::Supervisor),
        ],
    );
    let both = [
        agreement(20, pd, district, "2026-08-01", 1, &pseud_leader),
        agreement(
            21,
            sheriff,
            district,
            "2026-08-01",
            2,
            &Policy::federal_default(),
        ),
    ];
    let p = policy_for(&both, org(district), day("2026-09-01"));
    assert_eq!(
        p.views,
        vec![
            (Role::Sro, View::Full),
            (Role::Supervisor, View::Supervisor)
        ]
    );
}

#[test]
fn each_party_signs_for_itself_once() {
    let mut a = agreement(1, 1, 3, FROM, 10, &Policy::federal_default());
    a.district_signed_at = None;
    let org = |n: u128| Some(Uuid::from_u128(n));
    // (who, vouched for by, signs for)
    let cases = [
        ("the agency, which signed", org(1), None, None),
        ("the district", org(3), None, Some(OrgKind::District)),
        (
            "the district's own admin's",
            org(3),
            org(3),
            Some(OrgKind::District),
        ),
        ("a district admin the agency made", org(3), org(1), None),
        ("a third party", org(9), None, None),
        ("the deployment's admin", None, None, None),
    ];
    for (why, who, vouched, party) in cases {
        assert_eq!(may_sign(who, vouched, &a), party, "{why}");
    }
    // Who vouches for a new account: (its organisation, its maker's, the
    // maker's voucher) -> the new account's voucher.
    let cases = [
        ("the operator's", org(3), None, None, None),
        ("its own admin's", org(3), org(3), None, None),
        ("another's admin's", org(3), org(1), None, org(1)),
        ("passed on within", org(3), org(3), org(1), org(1)),
        (
            "a made admin making elsewhere",
            org(5),
            org(3),
            org(1),
            org(3),
        ),
    ];
    for (why, new, maker, maker_voucher, want) in cases {
        assert_eq!(
            vouched_by(new.unwrap_or_default(), maker, maker_voucher),
            want,
            "{why}"
        );
    }
    assert_eq!(a.signed_at(), None);
    assert!(may_record(None, a.agency, a.district));
    assert!(may_record(Some(a.district), a.agency, a.district));
    assert!(!may_record(Some(Uuid::from_u128(99)), a.agency, a.district));
}

#[test]
fn a_review_is_overdue_only_for_the_agreement_in_force() {
    let old = agreement(1, 1, 3, "2025-08-01", 1, &Policy::federal_default());
    let new = agreement(2, 1, 3, "2026-08-01", 2, &Policy::federal_default());
    let all = [old.clone(), new.clone()];
    // (which, on, overdue)
    let cases = [
        (&old, "2026-07-31", false), // due 2026-08-01
        (&old, "2026-08-02", false), // replaced by then
        (&new, "2027-08-01", false), // due that day
        (&new, "2027-08-02", true),
    ];
    for (a, on, overdue) in cases {
        assert_eq!(
            review_overdue(&all, a, day(on)),
            overdue,
            "{} on {on}",
            a.id
        );
    }
    assert!(review_overdue(
        std::slice::from_ref(&old),
        &old,
        day("2026-08-02")
    ));
}
