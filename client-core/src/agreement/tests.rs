use super::*;
use crate::access::{Grant, Scope, View};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap_or_default()
}

fn without(role: Role, action: Action) -> Policy {
    let mut p = Policy::federal_default();
    p.grants.retain(|g| !(g.role == role && g.action == action));
    p
}

const URL: &str = "https://district.example/mou-2026.pdf";

#[test]
fn what_an_agreement_may_hold() {
    let mut wider = Policy::federal_default();
    wider.grants.push(Grant {
        role: Role::Supervisor,
        action: Action::SyncReadRestricted,
        scope: Scope::SupervisedOfficer,
    });
    let mut wider_view = Policy::federal_default();
    wider_view.views = vec![(Role::SchoolLeader, View::Supervisor)];
    let mut narrower_view = Policy::federal_default();
    narrower_view.views = vec![(Role::Sro, View::Full)];
    let no_leader_reads = without(Role::SchoolLeader, Action::ReadRecord);
    // (why, effective_from, review_by, published_url, policy, the field at fault)
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        &'a Policy,
        Option<&'a str>,
    );
    let cases: [Case; 11] = [
        (
            "the federal default",
            "2026-08-01",
            "2027-07-31",
            URL,
            &Policy::federal_default(),
            None,
        ),
        (
            "less for leaders",
            "2026-08-01",
            "2027-07-31",
            URL,
            &no_leader_reads,
            None,
        ),
        (
            "a view taken away",
            "2026-08-01",
            "2027-07-31",
            URL,
            &narrower_view,
            None,
        ),
        (
            "review a year and two days on",
            "2026-08-01",
            "2027-08-03",
            URL,
            &no_leader_reads,
            Some("review_by"),
        ),
        (
            "review on the day it starts",
            "2026-08-01",
            "2026-08-01",
            URL,
            &no_leader_reads,
            Some("review_by"),
        ),
        (
            "plain http",
            "2026-08-01",
            "2027-07-31",
            "http://district.example/mou",
            &no_leader_reads,
            Some("published_url"),
        ),
        (
            "no host",
            "2026-08-01",
            "2027-07-31",
            "https://",
            &no_leader_reads,
            Some("published_url"),
        ),
        (
            "supervisors given school records",
            "2026-08-01",
            "2027-07-31",
            URL,
            &wider,
            Some("policy"),
        ),
        (
            "leaders given more of a record",
            "2026-08-01",
            "2027-07-31",
            URL,
            &wider_view,
            Some("policy"),
        ),
        (
            "the admin locked out",
            "2026-08-01",
            "2027-07-31",
            URL,
            &without(Role::Admin, Action::ManageAgreements),
            Some("policy"),
        ),
        (
            "the log unread",
            "2026-08-01",
            "2027-07-31",
            URL,
            &without(Role::Auditor, Action::ReadAuditLog),
            Some("policy"),
        ),
    ];
    for (why, from, review, url, policy, fault) in cases {
        let got = check(day(from), day(review), url, policy).err();
        assert_eq!(
            got.as_ref().map(AgreementProblem::field),
            fault,
            "{why}: {got:?}"
        );
    }
}

fn agreement(
    id: u128,
    agency: u128,
    district: u128,
    from: &str,
    recorded_at: i64,
    policy: Policy,
) -> Agreement {
    Agreement {
        id: Uuid::from_u128(id),
        agency: Uuid::from_u128(agency),
        district: Uuid::from_u128(district),
        effective_from: day(from),
        review_by: day(from) + Days::new(365),
        published_url: URL.into(),
        policy,
        recorded_at,
    }
}

#[test]
fn which_agreement_binds_whom_and_when() {
    let (pd, sheriff, district) = (1, 2, 3);
    let narrow = without(Role::SchoolLeader, Action::ReadRecord);
    let no_reports = without(Role::Analyst, Action::ReadReport);
    let all = [
        agreement(10, pd, district, "2026-08-01", 1, narrow.clone()),
        // Replaced from January by a reviewed agreement.
        agreement(11, pd, district, "2027-01-01", 2, Policy::federal_default()),
        agreement(12, sheriff, district, "2026-08-01", 3, no_reports.clone()),
        // Two the same day: the later recorded wins.
        agreement(13, sheriff, district, "2026-08-01", 4, narrow.clone()),
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
            "the sheriff: the later recorded",
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
    let mut pseud_sup = Policy::federal_default();
    pseud_sup.views = vec![
        (Role::Sro, View::Full),
        (Role::Supervisor, View::Pseudonymised),
    ];
    let both = [
        agreement(20, pd, district, "2026-08-01", 1, pseud_sup),
        agreement(
            21,
            sheriff,
            district,
            "2026-08-01",
            2,
            Policy::federal_default(),
        ),
    ];
    let p = policy_for(&both, org(district), day("2026-09-01"));
    assert_eq!(
        p.views,
        vec![
            (Role::Sro, View::Full),
            (Role::Supervisor, View::Pseudonymised)
        ]
    );
}

#[test]
fn a_review_is_overdue_only_for_the_agreement_in_force() {
    let old = agreement(1, 1, 3, "2025-08-01", 1, Policy::federal_default());
    let new = agreement(2, 1, 3, "2026-08-01", 2, Policy::federal_default());
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
    assert!(may_record(None, old.agency, old.district));
    assert!(may_record(Some(old.district), old.agency, old.district));
    assert!(!may_record(
        Some(Uuid::from_u128(99)),
        old.agency,
        old.district
    ));
}
