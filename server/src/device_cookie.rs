//! Device cookies (OWASP's defence against lockout abuse): after a correct
//! sign-in, the server gives the device a token naming the account and a
//! device id, MAC'd under a key derived from the server's device root. A
//! sign-in that presents a valid one counts in that device's own lockout
//! bucket, so a stranger's wrong guesses, which fill the account's bucket
//! for unknown devices, cannot keep an officer's phone out mid-shift. The
//! cookie is no credential: with it, an attacker still gets the same five
//! guesses per window as without it, only in a bucket of their own.

use crate::auth::Keys;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use client_core::UserId;

/// `<device uuid>.<base64url MAC of "device-cookie:v1:" device user>`.
pub fn issue(keys: &Keys, user: UserId, device: uuid::Uuid) -> String {
    format!(
        "{}.{}",
        device.simple(),
        B64.encode(mac(keys, user, device))
    )
}

/// The device id when `cookie` is a valid cookie of `user`.
pub fn verify(keys: &Keys, user: UserId, cookie: &str) -> Option<uuid::Uuid> {
    let (device, tag) = cookie.split_once('.')?;
    let device = uuid::Uuid::try_parse(device).ok()?;
    let tag = B64.decode(tag).ok()?;
    let want = mac(keys, user, device);
    crate::auth::same_tag(&tag, &want).then_some(device)
}

fn mac(keys: &Keys, user: UserId, device: uuid::Uuid) -> [u8; 32] {
    let mut data = Vec::with_capacity(32);
    data.extend_from_slice(user.0.as_bytes());
    data.extend_from_slice(device.as_bytes());
    keys.mac(b"device-cookie:v1:", &data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        let dir = std::env::temp_dir().join(format!("fieldlog-dc-{}", uuid::Uuid::new_v4()));
        Keys::load_or_create(&dir, "i", "a").expect("keys")
    }

    #[test]
    fn a_cookie_is_valid_only_for_its_own_account_and_unaltered() {
        let keys = keys();
        let (alice, bob) = (UserId(uuid::Uuid::new_v4()), UserId(uuid::Uuid::new_v4()));
        let device = uuid::Uuid::new_v4();
        let cookie = issue(&keys, alice, device);
        assert_eq!(verify(&keys, alice, &cookie), Some(device));
        assert_eq!(verify(&keys, bob, &cookie), None, "another account");
        let other = uuid::Uuid::new_v4().simple().to_string();
        let swapped = format!("{other}{}", &cookie[32..]);
        assert_eq!(verify(&keys, alice, &swapped), None, "another device id");
        let mut flipped = cookie.clone().into_bytes();
        let last = flipped.len() - 2;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).expect("ascii");
        assert_eq!(verify(&keys, alice, &flipped), None, "an altered tag");
        for junk in ["", ".", "x.y", "not-a-uuid.AAAA", &cookie[..33]] {
            assert_eq!(verify(&keys, alice, junk), None, "{junk:?}");
        }
        assert_eq!(
            verify(&self::keys(), alice, &cookie),
            None,
            "another server's key"
        );
    }
}
