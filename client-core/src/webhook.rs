//! Webhooks (issue 21; API.md Additions): which events a change makes,
//! when a failed delivery is tried again, and which addresses a delivery
//! may reach. Deliveries carry ids and the event's type, never student
//! data; the server signs and sends them.

use crate::access::DocKind;
use crate::closed_set;
use crate::ids::ReviewId;
use crate::record::Record;
use crate::review::Reviews;
use crate::vocabulary::Status;
use std::net::IpAddr;
use uuid::Uuid;

closed_set!(
    /// What a receiver may subscribe to.
    EventType {
        RecordSubmitted = "record.submitted", RecordAmended = "record.amended",
        ReviewCreated = "review.created", ComplaintReceived = "complaint.received",
    }
);

/// The events a change to one of a record's documents (`kind`) makes:
/// submitted when the record first becomes submitted; amended when a
/// submitted record gains an amendment. Status and amendments live in the
/// account document, so only its changes make events (a push of both
/// documents makes one event, not two).
pub fn record_events(kind: DocKind, before: Option<&Record>, after: &Record) -> Vec<EventType> {
    if kind != DocKind::Account {
        return vec![];
    }
    let was_submitted = before.is_some_and(|b| b.status == Status::Submitted);
    let mut out = Vec::new();
    if after.status == Status::Submitted && !was_submitted {
        out.push(EventType::RecordSubmitted);
    }
    if was_submitted && before.is_some_and(|b| after.amendments.len() > b.amendments.len()) {
        out.push(EventType::RecordAmended);
    }
    out
}

/// The reviews a change to a record's reviews adds.
pub fn new_reviews(before: &Reviews, after: &Reviews) -> Vec<ReviewId> {
    after
        .reviews
        .iter()
        .filter(|r| !before.reviews.iter().any(|b| b.id == r.id))
        .map(|r| r.id)
        .collect()
}

/// Whether a subscription of organisation `hook` gets an event of `event`:
/// its own organisation's events; a deployment's subscription (no
/// organisation) gets every one. An event of no organisation (a complaint
/// not routed to one agency) goes to the deployment's only: anyone may
/// file one, and no agency's receiver should hear of another's.
pub fn reaches(hook: Option<Uuid>, event: Option<Uuid>) -> bool {
    match (hook, event) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(h), Some(e)) => h == e,
    }
}

/// How long deliveries are tried: three days, then the delivery is given
/// up (and shows so in the delivery log).
pub const GIVE_UP_AFTER_MS: i64 = 72 * 3_600_000;
/// The longest wait between two tries.
pub const MAX_WAIT_MS: i64 = 3_600_000;

/// When to try a delivery again after its `attempts`-th failure (1 for the
/// first), first made at `created_at`: `base_ms` doubling each time, at
/// most an hour; `None` once three days have passed.
pub fn next_attempt(attempts: u32, created_at: i64, now: i64, base_ms: i64) -> Option<i64> {
    let wait = base_ms
        .max(1)
        .saturating_mul(1i64 << attempts.saturating_sub(1).min(30))
        .min(MAX_WAIT_MS);
    let at = now.saturating_add(wait);
    (at - created_at <= GIVE_UP_AFTER_MS).then_some(at)
}

/// Whether a delivery may go to `ip` on the public internet: not loopback,
/// private, link-local, shared, documentation, multicast or unspecified
/// (a webhook must not become a way into the server's own network). A
/// deployment may allow those (`FIELDLOG_WEBHOOK_ALLOW_PRIVATE`).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || o[0] == 0
                // 100.64/10, carrier-grade NAT.
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                // 192.0.0/24 and 198.18/15 (benchmarking).
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // fc00::/7 unique local, fe80::/10 link-local.
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                // 2001:db8::/32 documentation; 2001::/32 Teredo, 2002::/16
                // 6to4 and 64:ff9b::/96, 64:ff9b:1::/48 NAT64 all carry an
                // IPv4 address a gateway may deliver inside; ::/96
                // (IPv4-compatible) and fec0::/10 (site-local) likewise.
                || (s[0] == 0x2001 && (s[1] == 0x0db8 || s[1] == 0))
                || s[0] == 0x2002
                || (s[0] == 0x64 && s[1] == 0xff9b)
                || s[..6].iter().all(|x| *x == 0)
                || (s[0] & 0xffc0) == 0xfec0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_addresses_are_public() {
        let cases = [
            ("93.184.216.34", true),
            ("127.0.0.1", false),
            ("10.1.2.3", false),
            ("172.16.0.1", false),
            ("192.168.1.1", false),
            ("169.254.169.254", false),
            ("100.64.0.1", false),
            ("100.128.0.1", true),
            ("0.0.0.0", false),
            ("198.18.0.1", false),
            ("224.0.0.1", false),
            ("2606:4700::1111", true),
            ("::1", false),
            ("fd00::1", false),
            ("fe80::1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:93.184.216.34", true),
            ("2001:db8::1", false),
            ("64:ff9b::a00:1", false),
            ("64:ff9b:1::1", false),
            ("2002:a00:1::1", false),
            ("2001:0:4136:e378::1", false),
            ("::10.0.0.1", false),
            ("fec0::1", false),
        ];
        for (ip, want) in cases {
            assert_eq!(is_public(ip.parse().expect("an address")), want, "{ip}");
        }
    }

    #[test]
    fn a_subscription_gets_its_organisation_s_events() {
        let (a, b) = (Some(Uuid::from_u128(1)), Some(Uuid::from_u128(2)));
        let cases = [
            (a, a, true),
            (a, b, false),
            (None, b, true),
            (a, None, false),
            (None, None, true),
        ];
        for (hook, event, want) in cases {
            assert_eq!(reaches(hook, event), want, "{hook:?} {event:?}");
        }
    }

    #[test]
    fn tries_back_off_and_stop_after_three_days() {
        let base = 30_000;
        assert_eq!(next_attempt(1, 0, 0, base), Some(30_000));
        assert_eq!(next_attempt(2, 0, 0, base), Some(60_000));
        assert_eq!(next_attempt(8, 0, 0, base), Some(MAX_WAIT_MS));
        assert_eq!(next_attempt(200, 0, 0, base), Some(MAX_WAIT_MS));
        let late = GIVE_UP_AFTER_MS - MAX_WAIT_MS;
        assert_eq!(next_attempt(20, 0, late, base), Some(GIVE_UP_AFTER_MS));
        assert_eq!(next_attempt(20, 0, late + 1, base), None);
    }
}
