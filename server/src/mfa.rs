//! The second factor (issue 18; CJIS asks for multi-factor sign-in): TOTP
//! as RFC 6238 and the contract give it (SHA-1, 6 digits, 30 s), with
//! totp-rs.
//!
//! - The secret is never stored: it is HMAC-derived from a random nonce (in
//!   the database) under the server's device root (in the secrets folder),
//!   so a copy of the database alone cannot make codes.
//! - A code is accepted once: the step it matched must be later than the
//!   last one accepted (`store::mfa`), so a code seen over a shoulder or in
//!   a log cannot be replayed within its window.
//! - Between the password and the code, the client holds an `mfa_token`: the
//!   user, an expiry and the user's security-stamp digest, MAC'd. It proves
//!   the password only; it is worth nothing without a fresh code, and a
//!   password change or a disable voids it.

use crate::auth::{Keys, stamp_digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use client_core::UserId;
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// How long the client has to type the code after the password.
pub const MFA_TOKEN_MINUTES: i64 = 5;
/// Codes of the step before and after are accepted too (clock drift).
const SKEW: u16 = 1;

/// The TOTP of `user`'s enrolment `nonce`, labelled for authenticator apps.
pub fn totp(keys: &Keys, user: UserId, username: &str, nonce: &str) -> Option<Totp> {
    let mut data = user.0.as_bytes().to_vec();
    data.extend_from_slice(nonce.as_bytes());
    let mac = keys.mac(b"totp-secret:v1:", &data);
    let mut secret = [0u8; 20];
    secret.copy_from_slice(&mac[..20]);
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(SKEW)
        .with_step_duration(30)
        .with_secret(Secret::new_stack(secret))
        .with_issuer(Some("Fieldlog"))
        .with_account_name(username)
        .build()
        .ok()
}

/// The secret as authenticator apps take it typed in.
pub fn secret_base32(t: &Totp) -> String {
    t.secret().to_base32()
}

/// The time step `code` matches at `now_secs`, if it does.
pub fn matches(t: &Totp, code: &str, now_secs: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.check(code, now_secs)
}

fn token_mac(keys: &Keys, body: &str) -> [u8; 32] {
    keys.mac(b"mfa-token:v1:", body.as_bytes())
}

/// `<user>.<expiry ms>.<stamp digest>.<base64url MAC>`.
pub fn issue_token(keys: &Keys, user: UserId, stamp: &str, now_ms: i64) -> String {
    let body = format!(
        "{}.{}.{}",
        user.0.simple(),
        now_ms + MFA_TOKEN_MINUTES * 60_000,
        stamp_digest(stamp)
    );
    format!("{body}.{}", B64.encode(token_mac(keys, &body)))
}

/// The user an unexpired, unaltered token names, with the stamp digest it
/// was issued under (the caller compares it with the user's current one).
pub fn read_token(keys: &Keys, token: &str, now_ms: i64) -> Option<(UserId, String)> {
    let (body, tag) = token.rsplit_once('.')?;
    let tag = B64.decode(tag).ok()?;
    let want = token_mac(keys, body);
    if !crate::auth::same_tag(&tag, &want) {
        return None;
    }
    let mut parts = body.splitn(3, '.');
    let user = uuid::Uuid::try_parse(parts.next()?).ok()?;
    let expiry: i64 = parts.next()?.parse().ok()?;
    let stamp = parts.next()?.to_owned();
    (expiry > now_ms).then_some((UserId(user), stamp))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        let dir = std::env::temp_dir().join(format!("fieldlog-mfa-{}", uuid::Uuid::new_v4()));
        Keys::load_or_create(&dir, "i", "a").expect("keys")
    }

    #[test]
    fn codes_match_their_own_step_and_its_neighbours_only() {
        let keys = keys();
        let user = UserId(uuid::Uuid::new_v4());
        let t = totp(&keys, user, "sgt.alvarez", "n1").expect("a totp");
        let now = 1_796_600_000u64;
        let code = t.generate(now).to_string();
        let step = now / 30;
        for (name, at, want) in [
            ("now", now, Some(step)),
            ("a step later", now + 30, Some(step)),
            ("two steps later", now + 60, None),
        ] {
            assert_eq!(matches(&t, &code, at), want, "{name}");
        }
        for bad in ["", "12345", "1234567", "abcdef"] {
            assert_eq!(matches(&t, bad, now), None, "{bad:?}");
        }
        // Another enrolment, another secret.
        let other = totp(&keys, user, "sgt.alvarez", "n2").expect("a totp");
        assert_ne!(secret_base32(&t), secret_base32(&other));
    }

    #[test]
    fn an_mfa_token_is_the_servers_unaltered_and_unexpired() {
        let keys = keys();
        let user = UserId(uuid::Uuid::new_v4());
        let t = issue_token(&keys, user, "stamp", 1_000);
        assert_eq!(
            read_token(&keys, &t, 1_000),
            Some((user, stamp_digest("stamp")))
        );
        assert_eq!(
            read_token(&keys, &t, 1_000 + MFA_TOKEN_MINUTES * 60_000),
            None
        );
        let mut forged = t.clone();
        forged.replace_range(0..1, if t.starts_with('0') { "1" } else { "0" });
        assert_eq!(read_token(&keys, &forged, 1_000), None);
        assert_eq!(read_token(&keys, "garbage", 1_000), None);
    }
}
