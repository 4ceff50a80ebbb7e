//! Trusted reverse proxies: whose `X-Forwarded-For` and `X-Forwarded-Proto`
//! the server believes. Behind a proxy every request comes from the proxy's
//! address, so the per-address login limit would lump every user together;
//! in front of no proxy, those headers are whatever the client wrote and
//! must be ignored.

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::net::IpAddr;

/// Addresses and networks (`10.0.0.5`, `10.0.0.0/8`, `::1`). Written as a
/// list in the TOML file, or as one comma-separated string in
/// `FIELDLOG_TRUSTED_PROXIES`. Empty (the default): trust no one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

#[derive(Debug, thiserror::Error)]
#[error("trusted_proxies: {0:?} is not an address or a network (CIDR)")]
pub struct BadProxy(String);

impl TrustedProxies {
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Self, BadProxy> {
        entries
            .into_iter()
            .flat_map(|e| e.split(','))
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| {
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| BadProxy(e.to_owned()))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: the peer itself, unless the peer is a trusted
    /// proxy; then the nearest address in `X-Forwarded-For` (read from the
    /// right, the proxies' end) that is not itself a trusted proxy. Entries
    /// to the left of that one were written by the client and prove nothing.
    /// A header that does not parse leaves the peer's address.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        for entry in forwarded_for.iter().rev().flat_map(|h| h.rsplit(',')) {
            let Some(ip) = parse_forwarded(entry) else {
                return client;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }

    /// Whether the request reached the trusted proxy over TLS.
    pub fn over_tls(&self, peer: IpAddr, forwarded_proto: Option<&str>) -> bool {
        self.trusts(peer)
            && forwarded_proto
                .and_then(|p| p.rsplit(',').next())
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
    }
}

/// `203.0.113.7`, `2001:db8::1`, and the forms some proxies add a port to:
/// `203.0.113.7:4711`, `[2001:db8::1]:4711`.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let e = entry.trim();
    if let Ok(ip) = e.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    e.parse::<std::net::SocketAddr>()
        .ok()
        .map(|s| s.ip().to_canonical())
}

impl Serialize for TrustedProxies {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(ToString::to_string))
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            One(String),
            Many(Vec<String>),
        }
        let entries = match Form::deserialize(d)? {
            Form::One(s) => vec![s],
            Form::Many(v) => v,
        };
        Self::parse(entries.iter().map(String::as_str)).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn the_client_is_the_nearest_untrusted_forwarded_address() {
        let proxies = TrustedProxies::parse(["10.0.0.0/8", "::1"]).expect("parse");
        // (peer, X-Forwarded-For headers, client)
        let table: &[(&str, &[&str], &str)] = &[
            // Not from a proxy: the header is the client's own word.
            ("192.0.2.1", &["203.0.113.7"], "192.0.2.1"),
            // From the proxy: the address it saw.
            ("10.0.0.5", &["203.0.113.7"], "203.0.113.7"),
            ("::1", &["203.0.113.7"], "203.0.113.7"),
            // The client prepended a lie; the proxy appended the truth.
            ("10.0.0.5", &["1.2.3.4, 203.0.113.7"], "203.0.113.7"),
            ("10.0.0.5", &["1.2.3.4", "203.0.113.7"], "203.0.113.7"),
            // Two proxies in a row.
            ("10.0.0.5", &["203.0.113.7, 10.0.0.9"], "203.0.113.7"),
            // With ports, and IPv4 mapped into IPv6.
            ("10.0.0.5", &["203.0.113.7:4711"], "203.0.113.7"),
            ("10.0.0.5", &["[2001:db8::1]:4711"], "2001:db8::1"),
            ("::ffff:10.0.0.5", &["203.0.113.7"], "203.0.113.7"),
            // No header, or garbage: the proxy's own address.
            ("10.0.0.5", &[], "10.0.0.5"),
            ("10.0.0.5", &["unknown"], "10.0.0.5"),
            // Everyone trusted: the farthest one.
            ("10.0.0.5", &["10.1.1.1, 10.2.2.2"], "10.1.1.1"),
        ];
        for (peer, headers, client) in table {
            assert_eq!(
                proxies.client(ip(peer), headers),
                ip(client),
                "{peer} {headers:?}"
            );
        }
    }

    #[test]
    fn tls_is_believed_from_a_trusted_proxy_only() {
        let proxies = TrustedProxies::parse(["127.0.0.1"]).expect("parse");
        assert!(proxies.over_tls(ip("127.0.0.1"), Some("https")));
        assert!(proxies.over_tls(ip("127.0.0.1"), Some("http, HTTPS")));
        assert!(!proxies.over_tls(ip("127.0.0.1"), Some("http")));
        assert!(!proxies.over_tls(ip("127.0.0.1"), None));
        assert!(!proxies.over_tls(ip("192.0.2.1"), Some("https")));
        assert!(!TrustedProxies::default().over_tls(ip("127.0.0.1"), Some("https")));
    }

    #[test]
    fn settings_take_a_list_or_a_comma_separated_string() {
        let one: TrustedProxies =
            serde_json::from_str("\"127.0.0.1, 10.0.0.0/8\"").expect("string");
        let many: TrustedProxies =
            serde_json::from_str("[\"127.0.0.1\", \"10.0.0.0/8\"]").expect("list");
        assert_eq!(one, many);
        assert!(one.trusts(ip("10.9.9.9")) && !one.trusts(ip("11.0.0.1")));
        let bad = serde_json::from_str::<TrustedProxies>("\"10.0.0.0/33\"");
        assert!(bad.is_err());
        assert!(TrustedProxies::parse([""]).expect("empty").is_empty());
    }
}
